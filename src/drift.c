/* SPDX-License-Identifier: BSD-3-Clause */
/* Drift (design §4): the periodic comparison of the stack with the state,
 * and its cures. */
#include "config.h"

#include <string.h>

#include "bitmap.h"
#include "core.h"

static lm_hr check(struct lm_core *c, bool may_reapply, unsigned list_ms, struct lm_err *err);

lm_hr lm_core_check(struct lm_core *c, struct lm_err *err)
{
	return check(c, true, c->list_ms, err);
}

lm_hr lm_check_in_set(struct lm_core *c, struct lm_err *err)
{
	return check(c, true, 0, err);
}

/* Only the listing waits list_ms: a re-apply or restore that follows
 * takes a step's deadline per step. The periodic check, refresh and
 * restore wait c->list_ms; the check inside a failed SET a step's. */
static lm_hr enumerate(struct lm_core *c, struct lm_stack *stack, unsigned list_ms,
		       struct lm_err *err)
{
	lm_hr hr;

	lm_core_deadline(c, list_ms);
	hr = c->backend->ops->enumerate(c->backend, stack, err);
	lm_core_deadline(c, 0);
	return hr;
}

/* may_reapply is false for the check that ends a restore: a stack that
 * still shows nothing then is drift, not a reason to restore again. */
static lm_hr check(struct lm_core *c, bool may_reapply, unsigned list_ms, struct lm_err *err)
{
	struct lm_stack stack = { 0 };
	char why[LM_ERR_MSG_MAX] = "";
	lm_hr hr = enumerate(c, &stack, list_ms, err);

	if (lm_failed(hr))
		return hr;
	lm_core_log_rejected(c, &stack);
	lm_stack_sort(&stack);
	if (may_reapply && c->model->status != LM_SUBSYS_CACHE_CORRUPT &&
	    lm_stack_lost_all(c->model, &stack)) {
		unsigned steps;
		lm_stack_clear(&stack);
		c->reapplied++;
		lm_core_log(c, "the stack lost everything lunmap had put there (restarted empty?): "
			    "re-applying the %zu recorded associations", c->model->nassoc);
		return lm_core_restore(c, &steps, err);
	}
	for (size_t i = 0; i < c->model->ntargets; i++) {
		struct lm_target *t = c->model->targets[i];
		const struct lm_stack_target *st = lm_stack_find_target(&stack, t->iqn);
		if (t->status != LM_ONLINE)
			continue;
		/* counted before the comparison: drift shows them too */
		if (st && lm_failed(lm_compare_set_foreign(t, st)))
			hr = LM_E_OUTOFMEMORY;
		if (!lm_failed(hr) && lm_compare_target(c->model, t, st, why, sizeof why)) {
			hr = LM_VDS_E_PROVIDER_CACHE_CORRUPT;
			break;
		}
	}
	lm_stack_clear(&stack);
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

lm_hr lm_core_refresh(struct lm_core *c, enum lm_refresh how, struct lm_err *err)
{
	struct lm_stack stack = { 0 };
	char why[LM_ERR_MSG_MAX];
	bool foreign;
	lm_hr hr;

	if (how == LM_RESTORE) {
		unsigned steps;
		return lm_core_restore(c, &steps, err);
	}
	hr = enumerate(c, &stack, c->list_ms, err);
	if (lm_failed(hr))
		return hr;
	lm_core_log_rejected(c, &stack);
	lm_stack_sort(&stack);
	for (size_t i = 0; i < c->model->nluns; i++)
		lm_lun_probe(c->model->luns[i]);
	for (size_t i = c->model->ntargets; i-- > 0 && !lm_failed(hr);) {
		struct lm_target *t = c->model->targets[i];
		const struct lm_stack_target *st = lm_stack_find_target(&stack, t->iqn);
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
		hr = lm_compare_discover(c, &stack);
	/* neither adopted nor hidden: an LU of a target of the inventory
	 * that lunmap did not put there keeps the subsystem cacheCorrupt */
	foreign = !lm_failed(hr) && lm_compare_foreign(c->model, &stack, why, sizeof why);
	lm_stack_clear(&stack);
	if (lm_failed(hr))
		return lm_err_set(err, hr, "no memory to refresh");
	hr = lm_store_compact(c, err);
	if (!lm_failed(hr) && foreign) {
		c->model->status = LM_SUBSYS_CACHE_CORRUPT;
		return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT, "refresh: %s", why);
	}
	if (!lm_failed(hr))
		c->model->status = LM_SUBSYS_ONLINE;
	return hr;
}

/* Puts one target's recorded associations back: what is missing is added,
 * a wrong identity is re-applied, an LU of one of lunmap's LUNs that the
 * state does not have there is withdrawn. Foreign LUs stay. */
static lm_hr restore_one(struct lm_core *c, struct lm_target *t, struct lm_stack_target *st,
			 unsigned *steps, struct lm_err *err)
{
	lm_hr hr = lm_compare_withdraw(c, t, st, steps, err);

	for (size_t i = 0; i < t->links.n && !lm_failed(hr); i++) {
		struct lm_lun *l = lm_model_lun(c->model, t->links.v[i].index);
		uint32_t number = t->links.v[i].number;
		const struct lm_stack_lu *lu = st ? lm_stack_lu_at(st, number) : NULL;
		if (lu && strcmp(lu->path, l->path) != 0)
			return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
					  "LUN %u of %s is %s, not lunmap's; remove it or refresh(2)",
					  number, t->iqn, lu->path);
		bool ro = t->links.v[i].readonly;
		if (lu && lm_lu_identity_ok(l, lu)) {
			/* only the access differs: set it again */
			if (lu->readonly >= 0 && lu->readonly != (int)ro) {
				hr = lm_backend_set_access(c->backend, t, number, l, ro, err);
				++*steps;
			}
			continue;
		}
		if (lu) {
			hr = c->backend->ops->remove_lu(c->backend, t, number, l, err);
			++*steps;
		}
		if (!lm_failed(hr)) {
			hr = c->backend->ops->add_lu(c->backend, t, number, l, err);
			++*steps;
		}
		if (!lm_failed(hr) && ro) {
			hr = lm_backend_set_access(c->backend, t, number, l, true, err);
			++*steps;
		}
	}
	return hr;
}

lm_hr lm_core_restore(struct lm_core *c, unsigned *steps, struct lm_err *err)
{
	struct lm_stack stack = { 0 };
	struct lm_err e;
	lm_hr hr = enumerate(c, &stack, c->list_ms, err);

	*steps = 0;
	if (lm_failed(hr))
		return hr;
	lm_stack_sort(&stack);
	for (size_t i = 0; i < c->model->ntargets && !lm_failed(hr); i++) {
		struct lm_target *t = c->model->targets[i];
		struct lm_stack_target *st = (struct lm_stack_target *)lm_stack_find_target(&stack, t->iqn);
		if ((!st && !t->discovered) || lm_target_needs_bind(t, st)) {
			hr = c->backend->ops->create_target(c->backend, t, &e);
			if (!lm_failed(hr))
				t->status = LM_ONLINE;
		}
		if (!lm_failed(hr) && (st || !t->discovered))
			hr = restore_one(c, t, st, steps, &e);
	}
	lm_stack_clear(&stack);
	if (lm_failed(hr)) {
		c->model->status = LM_SUBSYS_CACHE_CORRUPT;
		return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
				  "restore: %s; the subsystem stays cacheCorrupt", e.msg);
	}
	c->model->status = LM_SUBSYS_ONLINE;
	hr = check(c, false, c->list_ms, err);
	if (!lm_failed(hr))
		lm_core_log(c, "restore: the stack has what lunmap recorded again (%u step(s))", *steps);
	return hr;
}
