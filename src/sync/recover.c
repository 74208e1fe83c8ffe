/* SPDX-License-Identifier: BSD-3-Clause */
/* Start-up, before anything else: a change interrupted by a crash (its
 * intent record on disk) is finished or undone in the stack. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "state.h"

/* Brings one (LUN, target, number) of an interrupted change to what the
 * saved state says: present with the LUN's identity, or absent. */
static lm_hr settle(struct lm_core *c, struct lm_lun *l, uint32_t tindex, uint32_t number,
		    const struct lm_stack *stack, int *steps, struct lm_err *err)
{
	struct lm_target *t = lm_model_target(c->model, tindex);
	const struct lm_stack_target *st = t ? lm_stack_find_target(stack, t->iqn) : NULL;
	const struct lm_stack_lu *lu;
	const struct lm_assoc *have;
	bool ours;

	if (!st)
		return LM_S_OK; /* start-up creates the target and restores it */
	if (st->unread)
		/* nothing about its LUs can be concluded: the intent stays, and
		 * the next start settles it */
		return lm_unread(t, st, err);
	lu = lm_stack_lu_at(st, number);
	ours = lu && strcmp(lu->path, l->path) == 0;
	have = lm_links_find(&l->links, t->index);
	if (have && have->number == number)
		/* someone else's LU at the number: drift says so */
		return lu && !ours ? LM_S_OK : lm_mend_lu(c, l, t, have, lu, steps, err);
	if (!have && ours) {
		++*steps;
		return lm_backend_remove_lu(c->backend, t, number, l, err);
	}
	return LM_S_OK;
}

lm_hr lm_recover_intent(struct lm_core *c, struct lm_err *err)
{
	struct lm_intent in;
	struct lm_stack stack = { 0 };
	struct lm_err e;
	int steps = 0;
	lm_hr hr = lm_intent_read(c->store.dir, &in, err);

	if (lm_failed(hr) || !in.n) {
		lm_intent_free(&in);
		return hr;
	}
	hr = lm_backend_enumerate(c->backend, &stack, err);
	if (lm_failed(hr))
		goto out;
	lm_stack_sort(&stack);
	for (size_t i = 0; i < in.n && !lm_failed(hr); i++) {
		const struct lm_intent_lun *il = &in.v[i];
		struct lm_lun *l = lm_model_lun(c->model, il->lun);
		if (!l)
			continue; /* deleted since: start-up withdraws it */
		for (size_t k = 0; k < il->nold && !lm_failed(hr); k++)
			hr = settle(c, l, il->old[k].index, il->old[k].number, &stack, &steps, &e);
		for (size_t k = 0; k < il->nnew && !lm_failed(hr); k++) {
			const struct lm_assoc *o = lm_links_find(
				&(struct lm_links){ il->old, il->nold, 0 }, il->new[k].index);
			if (!o || o->number != il->new[k].number ||
			    o->readonly != il->new[k].readonly)
				hr = settle(c, l, il->new[k].index, il->new[k].number, &stack, &steps,
					    &e);
		}
	}
	if (lm_failed(hr)) {
		c->model->status = LM_SUBSYS_CACHE_CORRUPT;
		hr = lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
				"an interrupted change could not be settled in the stack: %s", e.msg);
		goto out;
	}
	if (steps)
		lm_core_log(c, "an interrupted change of %zu LUN(s) was settled in the stack (%d "
			    "step(s)): the stack has the saved sets again", in.n, steps);
	if (lm_failed(lm_intent_clear(c->store.intent_fd, &e)))
		lm_core_log(c, "%s", e.msg);
out:
	lm_stack_clear(&stack);
	lm_intent_free(&in);
	return hr;
}
