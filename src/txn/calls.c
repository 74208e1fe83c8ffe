/* SPDX-License-Identifier: BSD-3-Clause */
/* The one-shot VDS calls (AssociateTargets and the like) and the
 * queries, each a batch of its own. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "deadline.h"
#include "plan.h"

static lm_hr one_change(struct lm_core *c, const struct lm_change *ch, struct lm_diff *diff,
			struct lm_err *err)
{
	struct lm_batch *b;
	lm_hr hr = lm_batch_prepare(c, ch, 1, &b, err);

	if (lm_failed(hr))
		return hr;
	hr = lm_batch_apply(c, b, err);
	if (!lm_failed(hr) && diff) {
		*diff = b->items[0].diff;
		memset(&b->items[0].diff, 0, sizeof b->items[0].diff);
	}
	lm_batch_free(b);
	return hr;
}

lm_hr lm_associate_targets(struct lm_core *c, const lm_guid *lun, const lm_guid *targets,
			   size_t n, struct lm_diff *diff, struct lm_err *err)
{
	struct lm_change ch = { .lun = *lun, .targets = targets, .ntargets = n };

	return one_change(c, &ch, diff, err);
}

lm_hr lm_add_association(struct lm_core *c, const lm_guid *lun, const lm_guid *target,
			 uint32_t number, struct lm_diff *diff, struct lm_err *err)
{
	struct lm_change ch = {
		.kind = LM_CHANGE_ADD, .lun = *lun, .target = *target, .number = number
	};

	return one_change(c, &ch, diff, err);
}

lm_hr lm_remove_association(struct lm_core *c, const lm_guid *lun, const lm_guid *target,
			    struct lm_diff *diff, struct lm_err *err)
{
	struct lm_change ch = { .kind = LM_CHANGE_REMOVE, .lun = *lun, .target = *target };

	return one_change(c, &ch, diff, err);
}

static lm_hr collect(const struct lm_model *m, const struct lm_links *links, enum lm_kind other,
		     lm_guid **out, size_t *n, struct lm_err *err)
{
	*out = calloc(links->n + 1, sizeof **out);
	*n = 0;
	if (!*out)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for %zu ids", links->n);
	for (size_t i = 0; i < links->n; i++)
		(*out)[i] = other == LM_KIND_TARGET ? lm_model_target(m, links->v[i].index)->id
						    : lm_model_lun(m, links->v[i].index)->id;
	*n = links->n;
	return LM_S_OK;
}

/* The ids associated with the object id names, which must be of kind. */
static lm_hr query(struct lm_core *c, const lm_guid *id, enum lm_kind kind, lm_guid **out,
		   size_t *n, struct lm_err *err)
{
	uint32_t index;
	lm_hr hr = lm_resolve(c->model, id, kind, &index, err);

	*out = NULL;
	*n = 0;
	if (lm_failed(hr))
		return hr;
	if (kind == LM_KIND_LUN)
		return collect(c->model, &lm_model_lun(c->model, index)->links, LM_KIND_TARGET, out,
			       n, err);
	return collect(c->model, &lm_model_target(c->model, index)->links, LM_KIND_LUN, out, n,
		       err);
}

lm_hr lm_query_associated_targets(struct lm_core *c, const lm_guid *lun, lm_guid **out,
				  size_t *n, struct lm_err *err)
{
	return query(c, lun, LM_KIND_LUN, out, n, err);
}

lm_hr lm_query_associated_luns(struct lm_core *c, const lm_guid *target, lm_guid **out,
			       size_t *n, struct lm_err *err)
{
	return query(c, target, LM_KIND_TARGET, out, n, err);
}
