/* SPDX-License-Identifier: BSD-3-Clause */
/* Mending one LU: what start-up, the recovery of an interrupted change
 * and restore(4) all do to an association the stack lacks or has wrong,
 * decided in one place so that the three can never disagree. */
#include "config.h"

#include "core.h"

size_t lm_mend_plan(const struct lm_lun *l, const struct lm_target *t, const struct lm_assoc *link,
		    const struct lm_stack_lu *lu, struct lm_step out[LM_MEND_MAX])
{
	size_t n = 0;
	bool ro = link->readonly;

	if (lu && lm_lu_identity_ok(l, lu)) {
		/* only the access may differ; a stack that does not show it
		 * has read-only set again (idempotent), never lifted blind */
		if (lu->readonly == (int)ro || (lu->readonly < 0 && !ro))
			return 0;
		out[n++] = (struct lm_step){ LM_STEP_ACCESS, l->index, t->index, link->number, ro };
		return n;
	}
	/* missing, or ours with the wrong identity (tgt's default serial
	 * after a crash between its two calls): put back whole, and a new
	 * LU is writable */
	if (lu)
		out[n++] = (struct lm_step){ LM_STEP_REMOVE, l->index, t->index, link->number, false };
	out[n++] = (struct lm_step){ LM_STEP_ADD, l->index, t->index, link->number, false };
	if (ro)
		out[n++] = (struct lm_step){ LM_STEP_ACCESS, l->index, t->index, link->number, true };
	return n;
}

lm_hr lm_mend_lu(struct lm_core *c, const struct lm_lun *l, const struct lm_target *t,
		 const struct lm_assoc *link, const struct lm_stack_lu *lu, int *steps,
		 struct lm_err *err)
{
	struct lm_step plan[LM_MEND_MAX];
	size_t n = lm_mend_plan(l, t, link, lu, plan);
	lm_hr hr = LM_S_OK;

	for (size_t i = 0; i < n && !lm_failed(hr); i++) {
		hr = lm_step_run(c, &plan[i], err);
		++*steps;
	}
	return hr;
}
