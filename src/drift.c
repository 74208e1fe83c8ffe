/* Drift (design §4): the periodic comparison of the stack with the state,
 * and its cures. */
#include "config.h"

#include "bitmap.h"
#include "core.h"

lm_hr lm_core_check(struct lm_core *c, struct lm_err *err)
{
	struct lm_stack stack = { 0 };
	char why[LM_ERR_MSG_MAX] = "";
	lm_hr hr = c->backend->ops->enumerate(c->backend, &stack, err);

	if (lm_failed(hr))
		return hr;
	lm_core_log_rejected(c, &stack);
	lm_stack_sort(&stack);
	if (c->model->status != LM_SUBSYS_CACHE_CORRUPT && lm_stack_lost_all(c->model, &stack)) {
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
		if (lm_compare_target(c->model, t, st, why, sizeof why)) {
			hr = LM_VDS_E_PROVIDER_CACHE_CORRUPT;
			break;
		}
		if (lm_failed(lm_compare_set_foreign(t, st)))
			hr = LM_E_OUTOFMEMORY;
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
	lm_hr hr;

	if (how == LM_RESTORE) {
		unsigned steps;
		return lm_core_restore(c, &steps, err);
	}
	hr = c->backend->ops->enumerate(c->backend, &stack, err);
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
	lm_stack_clear(&stack);
	if (lm_failed(hr))
		return lm_err_set(err, hr, "no memory to refresh");
	hr = lm_store_compact(c, err);
	if (!lm_failed(hr))
		c->model->status = LM_SUBSYS_ONLINE;
	return hr;
}
