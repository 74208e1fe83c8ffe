/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdio.h>

#include "core.h"

struct lm_step lm_step_inverse(const struct lm_step *s)
{
	struct lm_step r = *s;

	if (s->op == LM_STEP_ACCESS)
		r.readonly = !s->readonly;
	else
		r.op = s->op == LM_STEP_ADD ? LM_STEP_REMOVE : LM_STEP_ADD;
	return r;
}

lm_hr lm_backend_set_access(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			    const struct lm_lun *lun, bool readonly, struct lm_err *err)
{
	if (!b->ops->set_access)
		return lm_err_set(err, LM_VDS_E_NOT_SUPPORTED,
				  "the %s backend cannot make a LUN read-only", b->ops->name);
	return b->ops->set_access(b, t, number, lun, readonly, err);
}

static lm_hr run_one(struct lm_core *c, const struct lm_step *step, bool inverse,
		     struct lm_err *err)
{
	struct lm_lun *l = lm_model_lun(c->model, step->lun);
	struct lm_target *t = lm_model_target(c->model, step->target);
	struct lm_step s = inverse ? lm_step_inverse(step) : *step;

	if (!l || !t)
		return lm_err_set(err, LM_E_FAIL, "step names an unknown object");
	if (s.op == LM_STEP_ACCESS)
		return lm_backend_set_access(c->backend, t, s.number, l, s.readonly, err);
	if (s.op == LM_STEP_ADD)
		return c->backend->ops->add_lu(c->backend, t, s.number, l, err);
	return c->backend->ops->remove_lu(c->backend, t, s.number, l, err);
}

static void describe(struct lm_core *c, const struct lm_step *s, char *buf, size_t len)
{
	struct lm_lun *l = lm_model_lun(c->model, s->lun);
	struct lm_target *t = lm_model_target(c->model, s->target);

	if (s->op == LM_STEP_ACCESS) {
		snprintf(buf, len, "make LUN %u (\"%s\") on %s %s", s->number, l ? l->name : "?",
			 t ? t->iqn : "?", s->readonly ? "read-only" : "read-write");
		return;
	}
	snprintf(buf, len, "%s LUN \"%s\" %s %s as LUN %u", s->op == LM_STEP_ADD ? "add" : "remove",
		 l ? l->name : "?", s->op == LM_STEP_ADD ? "to" : "from", t ? t->iqn : "?",
		 s->number);
}

lm_hr lm_steps_run(struct lm_core *c, const struct lm_step *steps, size_t n, struct lm_err *err)
{
	struct lm_err first, undo;
	char what[160], undo_what[160];
	lm_hr hr;

	for (size_t failed = 0; failed < n; failed++) {
		size_t i = failed;

		if (!lm_failed(run_one(c, &steps[failed], false, &first)))
			continue;
		describe(c, &steps[failed], what, sizeof what);
		/* the stack's own code (a converted errno from configfs) when it
		 * gave one, E_FAIL otherwise */
		hr = lm_hr_is_system(first.hr) ? first.hr : LM_E_FAIL;
		lm_err_set(err, hr, "step %zu of %zu (%s) failed: %s; rolled back", failed + 1, n,
			   what, first.msg);
		if (first.hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT) {
			/* the backend could not take back its half of the step:
			 * the earlier steps are still undone, but nothing can
			 * say "not done" */
			c->model->status = LM_SUBSYS_CACHE_CORRUPT;
			hr = lm_err_set(err, first.hr, "step %zu of %zu (%s) left part of it: %s",
					failed + 1, n, what, first.msg);
		}
		while (i-- > 0) {
			if (!lm_failed(run_one(c, &steps[i], true, &undo)))
				continue;
			describe(c, &steps[i], undo_what, sizeof undo_what);
			c->model->status = LM_SUBSYS_CACHE_CORRUPT;
			/* what is left undone first: the text may be cut */
			hr = lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
					"undoing step %s failed: %s; after step %s failed: %s",
					undo_what, undo.msg, what, first.msg);
			break;
		}
		if (err)
			err->at = failed;
		return hr;
	}
	return LM_S_OK;
}
