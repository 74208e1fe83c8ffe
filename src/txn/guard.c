/* SPDX-License-Identifier: BSD-3-Clause */
/* The in-use guard: a LUN is not taken from under a logged-in
 * initiator unless the change forces it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "deadline.h"
#include "plan.h"

static bool removes_unforced(const struct lm_batch *b, const struct lm_change *changes)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->items[i].diff.nremoved && !changes[b->items[i].first].force)
			return true;
	return false;
}

/* A removal the in-use guard asks about: the target, and the batch item
 * (LUN) that takes itself from it. */
struct leaving {
	uint32_t target;
	size_t item;
};

static int leaving_cmp(const void *a, const void *b)
{
	const struct leaving *x = a, *y = b;

	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	return x->item < y->item ? -1 : x->item > y->item;
}

/* The unforced removals of the batch, by target (then item). */
static struct leaving *leavings(const struct lm_batch *b, const struct lm_change *changes,
				size_t *n)
{
	size_t total = 0;
	struct leaving *v;

	for (size_t i = 0; i < b->n; i++)
		total += b->items[i].diff.nremoved;
	*n = 0;
	v = malloc((total + 1) * sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < b->n; i++) {
		if (changes[b->items[i].first].force)
			continue;
		for (size_t j = 0; j < b->items[i].diff.nremoved; j++)
			v[(*n)++] = (struct leaving){ b->items[i].diff.removed[j], i };
	}
	qsort(v, *n, sizeof *v, leaving_cmp);
	return v;
}

/* The in-use guard: a LUN does not leave a target an initiator is logged
 * in to (its disk would vanish under a mounted file system) unless the
 * change says force. Only the targets the batch takes LUNs from are
 * asked, each once, under the SET's deadline. A stack that cannot answer
 * refuses the change before anything is tried (resourceUnavailable at
 * validation, with the stack's reason): the guard cannot know who is
 * logged in. */
lm_hr lm_batch_guard_in_use(struct lm_core *c, struct lm_batch *b, const struct lm_change *changes,
			    struct lm_err *err)
{
	struct lm_stack stack = { 0 };
	struct leaving *v;
	bool listed = false;
	size_t n;
	lm_hr hr = LM_S_OK;

	if (!removes_unforced(b, changes))
		return LM_S_OK;
	v = leavings(b, changes, &n);
	if (!v)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (size_t i = 0; i < n && !lm_failed(hr); i++) {
		const struct lm_target *t = lm_model_target(c->model, v[i].target);
		const struct lm_batch_item *it = &b->items[v[i].item];
		unsigned sessions = 0;
		if (i && v[i - 1].target == v[i].target)
			continue;
		hr = lm_backend_sessions_of(c->backend, t, &stack, &listed, &sessions, err);
		if (lm_failed(hr)) {
			err->at = LM_ERR_AT_NONE;
			break;
		}
		if (!sessions)
			continue;
		hr = lm_err_set(err, LM_VDS_E_DEVICE_IN_USE,
				"LUN \"%s\" stays on %s: %u initiator session%s logged in; "
				"set lunmapSubsystemForce.0 = force(2) in the same SET to remove it "
				"anyway", lm_model_lun(c->model, it->lun)->name, t->iqn, sessions,
				sessions == 1 ? " is" : "s are");
		err->at = it->first;
		lm_model_lun(c->model, it->lun)->last_error = hr;
	}
	free(v);
	lm_stack_clear(&stack);
	return hr;
}
