/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "guid.h"

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

lm_hr lm_backend_enumerate(struct lm_backend *b, struct lm_stack *out, struct lm_err *err)
{
	return b->ops->enumerate(b, out, err);
}

lm_hr lm_backend_create_target(struct lm_backend *b, const struct lm_target *t,
			       struct lm_err *err)
{
	return b->ops->create_target(b, t, err);
}

lm_hr lm_backend_add_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			const struct lm_lun *lun, struct lm_err *err)
{
	return b->ops->add_lu(b, t, number, lun, err);
}

lm_hr lm_backend_remove_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			   const struct lm_lun *lun, struct lm_err *err)
{
	return b->ops->remove_lu(b, t, number, lun, err);
}

static lm_hr no_access(const struct lm_backend *b, struct lm_err *err)
{
	return lm_err_set(err, LM_VDS_E_NOT_SUPPORTED, "the %s backend cannot make a LUN read-only",
			  b->ops->name);
}

lm_hr lm_backend_set_access(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			    const struct lm_lun *lun, bool readonly, struct lm_err *err)
{
	if (!b->ops->set_access)
		return no_access(b, err);
	return b->ops->set_access(b, t, number, lun, readonly, err);
}

lm_hr lm_backend_check_access(struct lm_backend *b, const struct lm_target *t, bool readonly,
			      struct lm_err *err)
{
	if (!b->ops->set_access)
		return no_access(b, err);
	return b->ops->check_access ? b->ops->check_access(b, t, readonly, err) : LM_S_OK;
}

lm_hr lm_backend_tidy(struct lm_backend *b, struct lm_err *err)
{
	return b->ops->tidy ? b->ops->tidy(b, err) : LM_S_OK;
}

void lm_backend_timeout(struct lm_backend *b, unsigned timeout_ms, bool patient)
{
	if (b->ops->set_timeout)
		b->ops->set_timeout(b, timeout_ms, patient);
}

lm_hr lm_backend_sessions_of(struct lm_backend *b, const struct lm_target *t,
			     struct lm_stack *stack, bool *listed, unsigned *n,
			     struct lm_err *err)
{
	const struct lm_stack_target *st;
	lm_hr hr;

	if (b->ops->in_use)
		return b->ops->in_use(b, t, n, err);
	if (!*listed) {
		hr = b->ops->enumerate(b, stack, err);
		if (lm_failed(hr))
			return hr;
		*listed = true;
	}
	st = lm_stack_find_target(stack, t->iqn);
	*n = st ? st->sessions : 0;
	return LM_S_OK;
}

lm_hr lm_backend_manage(struct lm_backend *b, const struct lm_model *m, struct lm_err *err)
{
	const char **iqns;
	lm_hr hr;

	if (!b->ops->manage)
		return LM_S_OK;
	iqns = calloc(m->ntargets + 1, sizeof *iqns);
	if (!iqns)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (size_t i = 0; i < m->ntargets; i++)
		iqns[i] = m->targets[i]->iqn;
	hr = b->ops->manage(b, iqns, m->ntargets, err);
	free(iqns);
	return hr;
}

bool lm_backend_sessions(struct lm_backend *b, const struct lm_target *t,
			 struct lm_obs_sessions *out, bool *told, struct lm_err *err)
{
	if (!b->ops->sessions)
		return false;
	*told = !lm_failed(b->ops->sessions(b, t, out, err));
	return true;
}

bool lm_backend_stats(struct lm_backend *b, const struct lm_target *t, struct lm_obs_stats *out,
		      bool *told, struct lm_err *err)
{
	if (!b->ops->stats)
		return false;
	*told = !lm_failed(b->ops->stats(b, t, out, err));
	return true;
}

void lm_backend_naa(const struct lm_backend *b, const lm_guid *id, uint8_t out[16])
{
	if (b->ops->naa)
		b->ops->naa(id, out);
	else
		lm_naa_tgt(id, out);
}

const char *lm_backend_name(const struct lm_backend *b)
{
	return b->ops->name;
}

uint32_t lm_backend_min_lun(const struct lm_backend *b)
{
	return b->ops->min_lun_number;
}

const char *const *lm_backend_inquiry(const struct lm_backend *b)
{
	return b->ops->inquiry;
}

unsigned lm_backend_observes(const struct lm_backend *b)
{
	const struct lm_backend_ops *o = b->ops;

	return (o->sessions ? LM_OBSERVE_SESSIONS : 0) | (o->stats ? LM_OBSERVE_STATS : 0) |
	       (o->sessions && o->session_ids ? LM_OBSERVE_SESSION_IDS : 0);
}
