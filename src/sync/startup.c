/* SPDX-License-Identifier: BSD-3-Clause */
/* Start-up: bring the stack to the state where it safely can. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "core.h"

/* Room for the LUs restore_target will append, made at once rather than
 * by doubling (a stack that lost 100k LUs would keep a third unused). */
static lm_hr reserve_restored(const struct lm_target *t, struct lm_stack_target *st)
{
	size_t missing = 0;

	for (size_t i = 0; i < t->links.n; i++)
		missing += !lm_stack_lu_at(st, t->links.v[i].number);
	return lm_stack_reserve(st, st->nlus + missing);
}

/* At start, what the state has and the stack lacks is put back. */
/* A step of start-up's repair the stack refused (a stopped or slow tgtd):
 * lunmapd still starts and serves, cacheCorrupt, with the reason as its
 * last error, so that an operator sees it and restore(4) can try again;
 * refusing to start would take LUNMAP-MIB down with it. */
static void not_restored(struct lm_core *c, const char *what, const struct lm_target *t,
			 uint32_t number, const struct lm_lun *l, const struct lm_err *e)
{
	struct lm_err problem;

	c->model->status = LM_SUBSYS_CACHE_CORRUPT;
	lm_err_set(&problem, LM_VDS_E_PROVIDER_CACHE_CORRUPT, "%s LUN %u (\"%s\") on %s: %s", what,
		   number, l->name, t->iqn, e->msg);
	lm_core_log(c, "%s", problem.msg);
	if (!c->startup_problem.hr)
		c->startup_problem = problem;
}

/* One recorded association the stack lacks, or has with the wrong
 * identity, put back (lm_mend_lu); the listing st then says what the
 * stack has, for the check that follows. An LU of the right identity is
 * left as it is: start-up re-applies only what the stack lost (design
 * §4), and an access that differs is drift for restore(4) to cure.
 * E_OUTOFMEMORY only when st cannot be kept true; a step the stack
 * refuses is said and leaves the subsystem cacheCorrupt. */
static lm_hr mend(struct lm_core *c, const struct lm_target *t, const struct lm_assoc *link,
		  const struct lm_lun *l, struct lm_stack_target *st, const struct lm_stack_lu *lu)
{
	struct lm_stack_lu *mended = (struct lm_stack_lu *)lu;
	struct lm_err e;
	char hex[33];
	int steps = 0;

	if (lu && lm_lu_identity_ok(l, lu))
		return LM_S_OK;
	if (lm_failed(lm_mend_lu(c, l, t, link, lu, &steps, &e))) {
		not_restored(c, lu ? "cannot re-apply the identity of" : "cannot restore", t,
			     link->number, l, &e);
		return LM_S_OK;
	}
	lm_core_log(c, "restored LUN %u (\"%s\") on %s", link->number, l->name, t->iqn);
	if (!lu) {
		/* the model outlives this enumeration: its path, not a copy */
		if (lm_failed(lm_stack_add_lu_ref(st, link->number, l->path)))
			return LM_E_OUTOFMEMORY;
		lm_stack_set_readonly(st, link->readonly);
		return LM_S_OK;
	}
	/* the serial it has now is the LUN's own: the snapshot the drift
	 * check below reads must say so too, or the LU just mended is drift
	 * (found by the crash trials) */
	lm_guid_hex(&l->id, hex);
	/* NULL when memory runs out: unknown, taken on trust */
	lm_stack_lu_set_serial(st, mended, hex);
	/* and it is mapped for every initiator again (LIO: found by the LIO
	 * crash trials), with the access just set */
	mended->unmapped = NULL;
	mended->readonly = link->readonly;
	return LM_S_OK;
}

static lm_hr restore_target(struct lm_core *c, struct lm_target *t, struct lm_stack_target *st,
			    struct lm_err *err)
{
	char why[LM_ERR_MSG_MAX];
	struct lm_numbits linked;
	/* what is restored is appended after the sorted LUs the stack had */
	struct lm_stack_target had = *st;

	if (lm_failed(reserve_restored(t, st)))
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	/* what a target the backend could not read lacks is not known: put
	 * back nothing, say it (the check below) */
	for (size_t i = 0; i < t->links.n && !st->unread; i++) {
		struct lm_lun *l = lm_model_lun(c->model, t->links.v[i].index);
		const struct lm_stack_lu *lu;
		had.lus = st->lus;
		lu = lm_stack_lu_at(&had, t->links.v[i].number);
		if (lu && strcmp(lu->path, l->path) != 0)
			continue; /* someone else's LU: the check below says so */
		if (lm_failed(mend(c, t, &t->links.v[i], l, st, lu)))
			return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	}
	lm_stack_sort_target(st);
	lm_compare_numbers(t, &linked);
	for (size_t i = 0; i < st->nlus && c->model->ntombs;) {
		const struct lm_tomb *tomb;
		struct lm_lun fake = { .path = st->lus[i].path, .name = "deleted" };
		struct lm_err e;
		if (lm_numbits_has(&linked, st->lus[i].number) ||
		    !(tomb = lm_compare_tomb_by_path(c->model, st->lus[i].path))) {
			i++;
			continue;
		}
		if (lm_failed(lm_backend_remove_lu(c->backend, t, st->lus[i].number, &fake, &e))) {
			lm_core_log(c, "cannot withdraw deleted LUN %s from %s: %s", st->lus[i].path,
				    t->iqn, e.msg);
			i++;
		} else {
			/* gone: not a foreign LU for the check below */
			lm_stack_remove_lu(st, i);
		}
	}
	if (lm_compare_target(c->model, t, st, why, sizeof why)) {
		c->model->status = LM_SUBSYS_CACHE_CORRUPT;
		lm_core_log(c, "drift at start: %s", why);
	}
	return LM_S_OK;
}

lm_hr lm_startup_reconcile(struct lm_core *c, struct lm_err *err)
{
	struct lm_stack stack = { 0 };
	lm_hr hr = lm_backend_enumerate(c->backend, &stack, err);

	if (lm_failed(hr))
		return hr;
	lm_core_log_rejected(c, &stack);
	lm_stack_sort(&stack);
	for (size_t i = 0; i < c->model->ntargets && !lm_failed(hr); i++) {
		struct lm_target *t = c->model->targets[i];
		struct lm_stack_target *st =
			(struct lm_stack_target *)lm_stack_find_target(&stack, t->iqn);
		struct lm_err e;
		if (!st && !lm_target_makeable(t)) {
			c->model->status = LM_SUBSYS_CACHE_CORRUPT;
			lm_core_log(c, "drift at start: target %s (discovered, not in the inventory) is "
				    "gone from the stack; lunmap makes only the inventory's targets: "
				    "reenumerate(3) deletes it, refresh(2) takes it offline", t->iqn);
			continue;
		}
		if (!st || lm_target_needs_bind(t, st)) {
			if (lm_failed(lm_backend_create_target(c->backend, t, &e))) {
				t->status = LM_FAILED;
				lm_core_log(c, "target %s failed: %s", t->iqn, e.msg);
				continue;
			}
			if (st && st->half)
				lm_core_log(c, "target %s was half made (%s): finished", t->iqn,
					    st->half);
			else if (st)
				lm_core_log(c, "target %s left initiators out (interrupted when it "
					    "was made): they are bound now", t->iqn);
		}
		if (!st) {
			if (lm_failed(lm_stack_add_target(&stack, t->iqn))) {
				hr = LM_E_OUTOFMEMORY;
				break;
			}
			st = &stack.targets[stack.ntargets - 1];
		}
		if (t->fresh) {
			hr = lm_compare_adopt(c, t, st);
			t->fresh = false;
		}
		if (!lm_failed(hr))
			hr = restore_target(c, t, st, err);
		if (!lm_failed(hr) && lm_failed(lm_compare_set_foreign(t, st)))
			hr = LM_E_OUTOFMEMORY;
	}
	if (!lm_failed(hr))
		hr = lm_compare_discover(c, &stack);
	if (!lm_failed(hr))
		lm_core_tidy(c, &stack);
	if (hr == LM_E_OUTOFMEMORY)
		lm_err_set(err, hr, "no memory");
	lm_stack_clear(&stack);
	return hr;
}
