/* SPDX-License-Identifier: BSD-3-Clause */
/* Drift (design §4): the comparison of the stack with the state, and the
 * pieces of its cures that action.c runs in slices. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "core.h"
#include "vec.h"

/* Only the listing waits list_ms: the steps that follow take a step's
 * deadline each. */
lm_hr lm_drift_list(struct lm_core *c, struct lm_stack *stack, struct lm_err *err)
{
	lm_hr hr;

	memset(stack, 0, sizeof *stack);
	lm_core_deadline(c, c->list_ms);
	hr = lm_backend_enumerate(c->backend, stack, err);
	lm_core_deadline(c, 0);
	if (lm_failed(hr))
		return hr;
	lm_core_log_rejected(c, stack);
	lm_stack_sort(stack);
	return LM_S_OK;
}

/* The model against one sorted listing: cacheCorrupt on any difference. */
lm_hr lm_drift_compare(struct lm_core *c, const struct lm_stack *stack, struct lm_err *err)
{
	char why[LM_ERR_MSG_MAX] = "", one[LM_ERR_MSG_MAX];
	lm_hr hr = LM_S_OK;

	/* every target is counted (lunmapTargetForeignLunCount is the last
	 * reading's), the first difference is the reason */
	for (size_t i = 0; i < c->model->ntargets && hr != LM_E_OUTOFMEMORY; i++) {
		struct lm_target *t = c->model->targets[i];
		const struct lm_stack_target *st = lm_stack_find_target(stack, t->iqn);
		if (t->status != LM_ONLINE)
			continue;
		if (st && lm_failed(lm_compare_set_foreign(t, st)))
			hr = LM_E_OUTOFMEMORY;
		else if (!lm_failed(hr) && lm_compare_target(c->model, t, st, one, sizeof one)) {
			hr = LM_VDS_E_PROVIDER_CACHE_CORRUPT;
			snprintf(why, sizeof why, "%s", one);
		}
	}
	if (hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT) {
		c->model->status = LM_SUBSYS_CACHE_CORRUPT;
		return lm_err_set(err, hr, "drift: %s", why);
	}
	if (lm_failed(hr))
		return lm_err_set(err, hr, "no memory");
	return c->model->status == LM_SUBSYS_CACHE_CORRUPT
		       ? lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT, "the subsystem is cacheCorrupt")
		       : LM_S_OK;
}

/* refresh(2) and reenumerate(3) after the listing and the probes: the
 * model adopts what the stack has, and is saved. */
lm_hr lm_drift_adopt(struct lm_core *c, int how, const struct lm_stack *stack, struct lm_err *err)
{
	char why[LM_ERR_MSG_MAX];
	bool foreign;
	lm_hr hr = LM_S_OK;

	for (size_t i = c->model->ntargets; i-- > 0 && !lm_failed(hr);) {
		struct lm_target *t = c->model->targets[i];
		const struct lm_stack_target *st = lm_stack_find_target(stack, t->iqn);
		if (st) {
			t->status = LM_ONLINE;
			hr = lm_compare_adopt(c, t, st);
		} else if (how == LM_REENUMERATE) {
			lm_core_log(c, "target %s is gone from the stack: deleted", t->iqn);
			hr = lm_model_delete_target(c->model, t->index);
		} else {
			while (t->links.n)
				lm_model_unlink(c->model, lm_model_lun(c->model, t->links.v[0].index), t);
			t->status = LM_OFFLINE;
		}
	}
	if (!lm_failed(hr) && how == LM_REENUMERATE)
		hr = lm_compare_discover(c, stack);
	/* neither adopted nor hidden: an LU of a target of the inventory
	 * that lunmap did not put there keeps the subsystem cacheCorrupt */
	foreign = !lm_failed(hr) && lm_compare_foreign(c->model, stack, why, sizeof why);
	if (lm_failed(hr))
		return lm_err_set(err, hr, "no memory to refresh");
	hr = lm_store_compact(&c->store, c->model, err);
	if (!lm_failed(hr) && foreign) {
		c->model->status = LM_SUBSYS_CACHE_CORRUPT;
		return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT, "refresh: %s", why);
	}
	if (!lm_failed(hr))
		c->model->status = LM_SUBSYS_ONLINE;
	return hr;
}

/* ---------------------------------------------------------------- restore */

struct plan {
	struct lm_step *v;
	size_t n, cap;
};

static lm_hr plan_push(struct plan *p, struct lm_step s)
{
	if (lm_grow((void **)&p->v, &p->cap, p->n + 1, sizeof *p->v))
		return LM_E_OUTOFMEMORY;
	p->v[p->n++] = s;
	return LM_S_OK;
}

static lm_hr plan_add(struct plan *p, enum lm_step_op op, const struct lm_target *t,
		      uint32_t number, const struct lm_lun *l, bool readonly)
{
	return plan_push(p, (struct lm_step){ op, l ? l->index : 0, t->index, number, readonly });
}

/* Whether restore(4) withdraws the stack's LU lu of target t: one of
 * lunmap's LUNs where the state does not have it and, on a target of the
 * inventory, anything lunmap did not put there (the inventory decides
 * what is exported); a discovered target's own LUs stay. */
static bool withdrawn(struct lm_core *c, const struct lm_target *t, const struct lm_stack_lu *lu)
{
	const struct lm_lun *l = lm_model_lun_by_path(c->model, lu->path);
	const struct lm_assoc *k = l ? lm_links_find(&l->links, t->index) : NULL;

	if (l)
		return !k || k->number != lu->number;
	return !t->discovered;
}

/* The LUs restore(4) withdraws from st (a foreign one as a removal step
 * with no LUN). */
static lm_hr plan_strays(struct lm_core *c, struct plan *p, const struct lm_target *t,
			 const struct lm_stack_target *st, struct lm_err *err)
{
	lm_hr hr = LM_S_OK;

	if (st && st->unread)
		return lm_unread(t, st, err);
	for (size_t i = 0; st && i < st->nlus && !lm_failed(hr); i++)
		if (withdrawn(c, t, &st->lus[i]))
			hr = plan_add(p, LM_STEP_REMOVE, t, st->lus[i].number,
				      lm_model_lun_by_path(c->model, st->lus[i].path), false);
	return hr;
}

/* Puts one target's recorded associations back: what is missing is added
 * (after the LU withdrawn from its number), a wrong identity is
 * re-applied, a wrong access set again. A discovered target's own LU at a
 * number lunmap recorded stops the restore. */
static lm_hr plan_links(struct lm_core *c, struct plan *p, const struct lm_target *t,
			const struct lm_stack_target *st, bool withdraw, struct lm_err *err)
{
	lm_hr hr = LM_S_OK;

	for (size_t i = 0; i < t->links.n && !lm_failed(hr); i++) {
		const struct lm_lun *l = lm_model_lun(c->model, t->links.v[i].index);
		uint32_t number = t->links.v[i].number;
		const struct lm_stack_lu *lu = st ? lm_stack_lu_at(st, number) : NULL;
		struct lm_step mend[LM_MEND_MAX];
		size_t n;
		if (lu && strcmp(lu->path, l->path) != 0) {
			if (!withdraw || !withdrawn(c, t, lu))
				return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
						  "LUN %u of %s is %s, not lunmap's; remove it or refresh(2)",
						  number, t->iqn, lu->path);
			lu = NULL; /* plan_strays takes it away first */
		}
		n = lm_mend_plan(l, t, &t->links.v[i], lu, mend);
		for (size_t k = 0; k < n && !lm_failed(hr); k++)
			hr = plan_push(p, mend[k]);
	}
	if (lm_failed(hr) && hr == LM_E_OUTOFMEMORY)
		return lm_err_set(err, hr, "no memory to plan the restore");
	return hr;
}

/* restore(4) and the re-apply: every step that puts what lunmap recorded
 * back into the stack, from one listing, in the order they run. */
lm_hr lm_restore_plan(struct lm_core *c, const struct lm_stack *stack, bool withdraw,
		      struct lm_step **steps, size_t *n, struct lm_err *err)
{
	struct plan p = { 0 };
	lm_hr hr = LM_S_OK;

	for (size_t i = 0; i < c->model->ntargets && !lm_failed(hr); i++) {
		struct lm_target *t = c->model->targets[i];
		const struct lm_stack_target *st = lm_stack_find_target(stack, t->iqn);
		if ((!st && lm_target_makeable(t)) || lm_target_needs_bind(t, st))
			hr = plan_add(&p, LM_STEP_TARGET, t, 0, NULL, false);
		if (lm_failed(hr) || (!st && !lm_target_makeable(t)))
			continue;
		hr = withdraw ? plan_strays(c, &p, t, st, err) : LM_S_OK;
		if (!lm_failed(hr))
			hr = plan_links(c, &p, t, st, withdraw, err);
	}
	if (hr == LM_E_OUTOFMEMORY)
		lm_err_set(err, hr, "no memory to plan the restore");
	if (lm_failed(hr)) {
		free(p.v);
		return hr;
	}
	*steps = p.v;
	*n = p.n;
	return LM_S_OK;
}
