/* SPDX-License-Identifier: BSD-3-Clause */
/* One look at what the stack says of each target besides its LUs (who is
 * logged in, what it counted), for the IETF MIBs: taken on the drift
 * check's cadence, bounded by a deadline, and carried over where the look
 * did not reach. Counters that the stack keeps per LU or per target and
 * forgets with them are summed here into totals that never go back. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "deadline.h"
#include "vec.h"

void lm_observation_clear(struct lm_observation *o)
{
	for (size_t i = 0; i < o->n; i++) {
		lm_obs_sessions_clear(&o->v[i].sessions);
		lm_obs_stats_clear(&o->v[i].stats);
	}
	free(o->v);
	memset(o, 0, sizeof *o);
}

static int obs_key_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, i = ((const struct lm_target_obs *)elem)->target;

	return k < i ? -1 : k > i;
}

const struct lm_target_obs *lm_observation_find(const struct lm_observation *o, uint32_t target)
{
	size_t i = o ? lm_lower_bound(o->v, o->n, sizeof *o->v, &target, obs_key_cmp) : 0;

	return o && i < o->n && o->v[i].target == target ? &o->v[i] : NULL;
}

/* A deep copy of a target's observation (what a look that did not reach
 * it keeps). */
static lm_hr copy_obs(struct lm_target_obs *dst, const struct lm_target_obs *src)
{
	*dst = *src;
	memset(&dst->sessions, 0, sizeof dst->sessions);
	memset(&dst->stats, 0, sizeof dst->stats);
	dst->sessions.trusted = src->sessions.trusted;
	for (size_t i = 0; i < src->sessions.n; i++) {
		struct lm_obs_session *x = lm_obs_session_add(&dst->sessions, src->sessions.v[i].id);
		if (!x)
			return LM_E_OUTOFMEMORY;
		*x = src->sessions.v[i];
	}
	dst->stats = src->stats;
	dst->stats.lus = NULL;
	dst->stats.inits = NULL;
	dst->stats.nlus = dst->stats.caplus = dst->stats.ninits = dst->stats.capinits = 0;
	for (size_t i = 0; i < src->stats.nlus; i++) {
		struct lm_obs_lu *l = lm_obs_lu_add(&dst->stats, src->stats.lus[i].number);
		if (!l)
			return LM_E_OUTOFMEMORY;
		*l = src->stats.lus[i];
	}
	for (size_t i = 0; i < src->stats.ninits; i++) {
		struct lm_obs_initiator *x = lm_obs_initiator_add(&dst->stats, src->stats.inits[i].name);
		if (!x)
			return LM_E_OUTOFMEMORY;
		*x = src->stats.inits[i];
	}
	return LM_S_OK;
}

/* The target port's totals: what the LUs count now, plus what LUs that
 * left (or were made anew, counting from 0 again) had counted when last
 * seen. */
static void port_totals(struct lm_target_obs *t, const struct lm_target_obs *old)
{
	uint64_t cmds = 0, rd = 0, wr = 0;
	bool any = false;

	for (size_t i = 0; i < t->stats.nlus; i++) {
		const struct lm_obs_lu *l = &t->stats.lus[i];
		if (!l->port_known)
			continue;
		any = true;
		cmds += l->port_cmds;
		rd += l->port_read_mb;
		wr += l->port_write_mb;
	}
	for (size_t i = 0; old && i < old->stats.nlus; i++) {
		const struct lm_obs_lu *was = &old->stats.lus[i];
		const struct lm_obs_lu *now = lm_obs_lu_find(&t->stats, was->number);
		bool went = !now || !now->port_known || now->port_cmds < was->port_cmds ||
			    now->port_read_mb < was->port_read_mb ||
			    now->port_write_mb < was->port_write_mb;
		if (!was->port_known || !went)
			continue;
		cmds += was->port_cmds;
		rd += was->port_read_mb;
		wr += was->port_write_mb;
	}
	/* and what the previous look had already kept from LUs gone before */
	if (old && old->port_known) {
		uint64_t seen_c = 0, seen_r = 0, seen_w = 0;
		for (size_t i = 0; i < old->stats.nlus; i++)
			if (old->stats.lus[i].port_known) {
				seen_c += old->stats.lus[i].port_cmds;
				seen_r += old->stats.lus[i].port_read_mb;
				seen_w += old->stats.lus[i].port_write_mb;
			}
		cmds += old->port_cmds - seen_c;
		rd += old->port_read_mb - seen_r;
		wr += old->port_write_mb - seen_w;
		any = true;
	}
	t->port_known = any;
	t->port_cmds = cmds;
	t->port_read_mb = rd;
	t->port_write_mb = wr;
}

/* Whether a counter the stack keeps for the target itself went back. */
static bool went_back(const struct lm_obs_stats *now, const struct lm_obs_stats *was)
{
	if (now->login_known && was->login_known &&
	    (now->accepts < was->accepts || now->other_fails < was->other_fails ||
	     now->redirects < was->redirects || now->authorize_fails < was->authorize_fails ||
	     now->authenticate_fails < was->authenticate_fails ||
	     now->negotiate_fails < was->negotiate_fails))
		return true;
	if (now->logout_known && was->logout_known &&
	    (now->normal_logouts < was->normal_logouts ||
	     now->abnormal_logouts < was->abnormal_logouts))
		return true;
	return now->sess_err_known && was->sess_err_known &&
	       (now->digest_errors < was->digest_errors || now->cxn_errors < was->cxn_errors ||
		now->format_errors < was->format_errors);
}

/* The stack may name a failed login's initiator once only (LIO: from its
 * kernel log): while the last failure is the same one, its name stays. */
static void keep_failed_name(struct lm_target_obs *o, const struct lm_target_obs *was)
{
	if (!was || !o->has_stats || !was->has_stats || o->stats.fail_name[0] ||
	    !was->stats.fail_name[0] || o->stats.last_fail_cs != was->stats.last_fail_cs ||
	    o->stats.last_fail != was->stats.last_fail)
		return;
	memcpy(o->stats.fail_name, was->stats.fail_name, sizeof o->stats.fail_name);
}

/* A session the last look saw (the same id, the same initiator) keeps
 * the time it was first seen; a new one is seen now. */
static void first_seen(struct lm_target_obs *o, const struct lm_target_obs *was)
{
	long long now = lm_now_ms();

	for (size_t i = 0; i < o->sessions.n; i++) {
		struct lm_obs_session *x = &o->sessions.v[i];
		const struct lm_obs_session *w = was ? lm_obs_session_find(&was->sessions, x->id) : NULL;
		x->first_seen_ms = w && strcmp(w->name, x->name) == 0 ? w->first_seen_ms : now;
	}
}

/* A target the stack cannot tell about is logged when that begins, not
 * at every look (a target gone from the stack is the drift check's to
 * report). */
static void look_at(struct lm_core *c, const struct lm_target *t, struct lm_target_obs *o,
		    const struct lm_target_obs *was)
{
	struct lm_err e = { 0 };

	if (lm_backend_sessions(c->backend, t, &o->sessions, &o->has_sessions, &e) &&
	    !o->has_sessions && (!was || was->has_sessions))
		lm_core_log(c, "sessions of %s: %s", t->iqn, e.msg);
	if (lm_backend_stats(c->backend, t, &o->stats, &o->has_stats, &e) && !o->has_stats &&
	    (!was || was->has_stats))
		lm_core_log(c, "statistics of %s: %s", t->iqn, e.msg);
}

/* The instance's session error totals: the targets' own, plus what
 * targets that went (or counted anew) had counted. */
static void instance_totals(struct lm_observation *o, const struct lm_observation *prev)
{
	uint64_t d = 0, x = 0, f = 0;

	if (prev) {
		o->gone_digest = prev->gone_digest;
		o->gone_cxn = prev->gone_cxn;
		o->gone_format = prev->gone_format;
		for (size_t i = 0; i < prev->n; i++) {
			const struct lm_obs_stats *was = &prev->v[i].stats;
			const struct lm_target_obs *now = lm_observation_find(o, prev->v[i].target);
			if (!prev->v[i].has_stats || !was->sess_err_known)
				continue;
			if (now && now->has_stats && now->stats.sess_err_known &&
			    now->stats.digest_errors >= was->digest_errors &&
			    now->stats.cxn_errors >= was->cxn_errors &&
			    now->stats.format_errors >= was->format_errors)
				continue;
			o->gone_digest += was->digest_errors;
			o->gone_cxn += was->cxn_errors;
			o->gone_format += was->format_errors;
		}
	}
	o->sess_err_known = false;
	for (size_t i = 0; i < o->n; i++) {
		const struct lm_obs_stats *s = &o->v[i].stats;
		if (!o->v[i].has_stats || !s->sess_err_known)
			continue;
		o->sess_err_known = true;
		d += s->digest_errors;
		x += s->cxn_errors;
		f += s->format_errors;
		if (s->vendor[0])
			memcpy(o->vendor, s->vendor, sizeof o->vendor);
		if (s->version[0])
			memcpy(o->version, s->version, sizeof o->version);
	}
	o->digest_errors = d + o->gone_digest;
	o->cxn_errors = x + o->gone_cxn;
	o->format_errors = f + o->gone_format;
}

/* The session failure last seen: the target whose failures grew, or the
 * previous look's. */
static void last_session_failure(struct lm_observation *o, const struct lm_observation *prev)
{
	if (prev) {
		o->last_sess_fail = prev->last_sess_fail;
		memcpy(o->sess_fail_name, prev->sess_fail_name, sizeof o->sess_fail_name);
	}
	for (size_t i = 0; i < o->n; i++) {
		const struct lm_obs_stats *s = &o->v[i].stats;
		const struct lm_target_obs *was = lm_observation_find(prev, o->v[i].target);
		uint64_t now_sum = s->digest_errors + s->cxn_errors + s->format_errors, was_sum = 0;
		if (!o->v[i].has_stats || !s->sess_err_known || s->last_sess_fail == LM_SESS_FAIL_NONE)
			continue;
		if (was && was->has_stats && was->stats.sess_err_known)
			was_sum = was->stats.digest_errors + was->stats.cxn_errors +
				  was->stats.format_errors;
		if (now_sum > was_sum || o->last_sess_fail == LM_SESS_FAIL_NONE) {
			o->last_sess_fail = s->last_sess_fail;
			memcpy(o->sess_fail_name, s->sess_fail_name, sizeof o->sess_fail_name);
		}
	}
}

static unsigned long long stack_uptime_cs(void)
{
	char buf[64];
	unsigned long long s = 0, cs = 0;
	FILE *f = fopen("/proc/uptime", "re");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof buf, f) || sscanf(buf, "%llu.%2llu", &s, &cs) != 2)
		s = cs = 0;
	fclose(f);
	return s * 100 + cs;
}

lm_hr lm_core_observe(struct lm_core *c, const struct lm_observation *prev, long long deadline_ms,
		      struct lm_observation *out, struct lm_err *err)
{
	const struct lm_model *m = c->model;
	size_t start = 0, done = 0;
	lm_hr hr = LM_S_OK;

	memset(out, 0, sizeof *out);
	if (lm_grow((void **)&out->v, &out->cap, m->ntargets ? m->ntargets : 1, sizeof *out->v))
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to observe the stack");
	out->n = m->ntargets;
	memset(out->v, 0, out->n * sizeof *out->v);
	/* start where the last look stopped, so that a stack too slow to be
	 * read whole within one deadline is read whole in turns */
	while (prev && start < m->ntargets && m->targets[start]->index < prev->resume)
		start++;
	lm_backend_deadline(c->backend, deadline_ms);
	for (size_t k = 0; k < m->ntargets; k++) {
		size_t i = (start + k) % m->ntargets;
		const struct lm_target *t = m->targets[i];
		const struct lm_target_obs *was = lm_observation_find(prev, t->index);
		struct lm_target_obs *o = &out->v[i];
		o->target = t->index;
		if (done == k && lm_ms_left(deadline_ms) > 0) {
			look_at(c, t, o, was);
			done++;
			o->reset_ms = was ? was->reset_ms : 0;
			if (was && o->has_stats && was->has_stats && went_back(&o->stats, &was->stats))
				o->reset_ms = lm_now_ms();
			port_totals(o, was && was->has_stats ? was : NULL);
			first_seen(o, was);
			keep_failed_name(o, was);
			continue;
		}
		if (was && lm_failed(hr = copy_obs(o, was)))
			break;
		o->target = t->index;
	}
	/* back to the core's own (a SET's, or none) */
	lm_backend_deadline(c->backend, c->deadline);
	if (lm_failed(hr)) {
		lm_observation_clear(out);
		return lm_err_set(err, hr, "no memory to observe the stack");
	}
	out->resume = done < m->ntargets ? m->targets[(start + done) % m->ntargets]->index : 0;
	out->stack_uptime_cs = stack_uptime_cs();
	instance_totals(out, prev);
	last_session_failure(out, prev);
	return LM_S_OK;
}
