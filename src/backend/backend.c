/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <string.h>

#include "backend.h"

lm_hr lm_backend_create(const struct lm_backend_conf *conf, struct lm_backend **out,
			struct lm_err *err)
{
	*out = NULL;
	if (strcmp(conf->type, "tgt") == 0)
		*out = lm_tgt_new(conf);
	else if (strcmp(conf->type, "lio") == 0)
		*out = lm_lio_new(conf);
	else
		return lm_err_set(err, LM_E_INVALIDARG, "backend type \"%s\" is not available",
				  conf->type);
	if (!*out)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for the %s backend", conf->type);
	return LM_S_OK;
}

void lm_backend_destroy(struct lm_backend *b)
{
	if (b)
		b->ops->destroy(b);
}

void lm_backend_deadline(struct lm_backend *b, long long deadline_ms)
{
	if (b->ops->set_deadline)
		b->ops->set_deadline(b, deadline_ms);
}

size_t lm_backend_pending(const struct lm_backend *b)
{
	return b->ops->pending ? b->ops->pending(b) : 0;
}

lm_hr lm_backend_flush(struct lm_backend *b, struct lm_err *err)
{
	return b->ops->flush && lm_backend_pending(b) ? b->ops->flush(b, err) : LM_S_OK;
}
