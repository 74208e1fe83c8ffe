/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "sim.h"

/* what the stack says of one target besides its LUs */
struct sim_obs {
	char *iqn;
	struct lm_obs_sessions sessions;
	bool has_stats;
	struct lm_obs_stats stats;
};

struct sim {
	struct lm_backend base;
	struct lm_stack stack;
	struct sim_obs *obs;
	size_t nobs;
	unsigned observed;
	unsigned ops;
	unsigned fail_at; /* absolute op number that fails, 0 = none */
	bool fail_rest;   /* and every one after it */
	/* a slow stack: each operation from delay_from on takes delay_ms,
	 * and one that cannot end by the deadline times out, not done */
	unsigned delay_ms, delay_from;
	long long deadline;
	struct lm_backend_ops no_stats_ops; /* lm_sim_no_stats */
};

static struct sim *sim_of(struct lm_backend *b)
{
	return (struct sim *)b;
}

static void sleep_ms(long long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static lm_hr maybe_fail(struct sim *s, const char *what, struct lm_err *err)
{
	s->ops++;
	if (s->delay_ms && s->ops >= s->delay_from) {
		long long left = lm_ms_left(s->deadline);
		if (left < s->delay_ms) {
			sleep_ms(left);
			return lm_err_set(err, LM_HR_TIMEOUT, "sim: operation %u (%s) did not end "
					  "by the deadline", s->ops, what);
		}
		sleep_ms(s->delay_ms);
	}
	if (s->fail_at && (s->ops == s->fail_at || (s->fail_rest && s->ops > s->fail_at)))
		return lm_err_set(err, LM_E_FAIL, "sim: injected failure at operation %u (%s)",
				  s->ops, what);
	return LM_S_OK;
}

static struct lm_stack_target *find_target(struct sim *s, const char *iqn)
{
	return (struct lm_stack_target *)lm_stack_find_target(&s->stack, iqn);
}

static lm_hr sim_enumerate(struct lm_backend *b, struct lm_stack *out, struct lm_err *err)
{
	if (lm_failed(lm_stack_copy(out, &sim_of(b)->stack)) || lm_failed(lm_stack_validate(out))) {
		lm_stack_clear(out);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "sim: no memory to enumerate");
	}
	return LM_S_OK;
}

static lm_hr sim_create_target(struct lm_backend *b, const struct lm_target *t,
			       struct lm_err *err)
{
	struct sim *s = sim_of(b);
	lm_hr hr = maybe_fail(s, "create target", err);

	if (lm_failed(hr))
		return hr;
	if (find_target(s, t->iqn) && find_target(s, t->iqn)->acl) {
		/* there, initiators left out: let them in */
		struct lm_stack_target *st = find_target(s, t->iqn);
		free(st->acl);
		st->acl = strdup(t->initiators ? t->initiators : "");
		return st->acl ? LM_S_OK : LM_E_OUTOFMEMORY;
	}
	if (find_target(s, t->iqn))
		return lm_err_set(err, LM_E_FAIL, "sim: target %s exists", t->iqn);
	return lm_stack_add_target(&s->stack, t->iqn);
}

static lm_hr sim_add_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			const struct lm_lun *lun, struct lm_err *err)
{
	struct sim *s = sim_of(b);
	struct lm_stack_target *st;
	lm_hr hr = maybe_fail(s, "add LU", err);

	if (lm_failed(hr))
		return hr;
	st = find_target(s, t->iqn);
	if (!st)
		return lm_err_set(err, LM_E_FAIL, "sim: no target %s", t->iqn);
	if (lm_stack_find_lu(st, number))
		return lm_err_set(err, LM_E_FAIL, "sim: LUN %u exists on %s", number, t->iqn);
	hr = lm_stack_add_lu(st, number, lun->path);
	if (!lm_failed(hr)) {
		char hex[33];
		lm_guid_hex(&lun->id, hex);
		hr = lm_stack_set_serial(st, hex);
	}
	if (!lm_failed(hr))
		lm_stack_set_readonly(st, 0); /* a new LU is writable, as in tgt and LIO */
	return hr;
}

/* The LU with this number on the target (and its target), or NULL with
 * the reason in err. */
static struct lm_stack_lu *lu_at(struct sim *s, const struct lm_target *t, uint32_t number,
				 struct lm_stack_target **stp, struct lm_err *err)
{
	struct lm_stack_target *st = find_target(s, t->iqn);

	*stp = st;
	if (!st) {
		lm_err_set(err, LM_E_FAIL, "sim: no target %s", t->iqn);
		return NULL;
	}
	for (size_t i = 0; i < st->nlus; i++)
		if (st->lus[i].number == number)
			return &st->lus[i];
	lm_err_set(err, LM_E_FAIL, "sim: no LUN %u on %s", number, t->iqn);
	return NULL;
}

/* A step on one LU: the injected fault first, then the LU. */
static lm_hr lu_step(struct sim *s, const char *what, const struct lm_target *t,
		     uint32_t number, struct lm_stack_target **st, struct lm_stack_lu **lu,
		     struct lm_err *err)
{
	lm_hr hr = maybe_fail(s, what, err);

	if (lm_failed(hr))
		return hr;
	return (*lu = lu_at(s, t, number, st, err)) ? LM_S_OK : LM_E_FAIL;
}

static lm_hr sim_set_access(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			    const struct lm_lun *lun, bool readonly, struct lm_err *err)
{
	struct lm_stack_target *st;
	struct lm_stack_lu *lu;
	lm_hr hr = lu_step(sim_of(b), "set access", t, number, &st, &lu, err);

	(void)lun;
	if (!lm_failed(hr))
		lu->readonly = readonly;
	return hr;
}

static lm_hr sim_remove_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			   const struct lm_lun *lun, struct lm_err *err)
{
	struct lm_stack_target *st;
	struct lm_stack_lu *lu;
	lm_hr hr = lu_step(sim_of(b), "remove LU", t, number, &st, &lu, err);

	(void)lun;
	if (!lm_failed(hr))
		*lu = st->lus[--st->nlus]; /* its text stays in the pool */
	return hr;
}

static struct sim_obs *obs_of(struct sim *s, const char *iqn, bool make)
{
	struct sim_obs *v;

	for (size_t i = 0; i < s->nobs; i++)
		if (strcmp(s->obs[i].iqn, iqn) == 0)
			return &s->obs[i];
	if (!make || !(v = realloc(s->obs, (s->nobs + 1) * sizeof *v)))
		return NULL;
	s->obs = v;
	v = &s->obs[s->nobs];
	memset(v, 0, sizeof *v);
	if (!(v->iqn = strdup(iqn)))
		return NULL;
	v->sessions.trusted = true;
	s->nobs++;
	return v;
}

static lm_hr copy_sessions(struct lm_obs_sessions *dst, const struct lm_obs_sessions *src)
{
	memset(dst, 0, sizeof *dst);
	dst->trusted = src->trusted;
	for (size_t i = 0; i < src->n; i++) {
		struct lm_obs_session *x = lm_obs_session_add(dst, src->v[i].id);
		if (!x) {
			lm_obs_sessions_clear(dst);
			return LM_E_OUTOFMEMORY;
		}
		*x = src->v[i];
	}
	return LM_S_OK;
}

static lm_hr copy_stats(struct lm_obs_stats *dst, const struct lm_obs_stats *src)
{
	*dst = *src;
	dst->lus = NULL;
	dst->inits = NULL;
	dst->nlus = dst->caplus = dst->ninits = dst->capinits = 0;
	for (size_t i = 0; i < src->nlus; i++) {
		struct lm_obs_lu *l = lm_obs_lu_add(dst, src->lus[i].number);
		if (!l)
			goto oom;
		*l = src->lus[i];
	}
	for (size_t i = 0; i < src->ninits; i++) {
		struct lm_obs_initiator *x = lm_obs_initiator_add(dst, src->inits[i].name);
		if (!x)
			goto oom;
		*x = src->inits[i];
	}
	lm_obs_stats_sort(dst);
	return LM_S_OK;
oom:
	lm_obs_stats_clear(dst);
	return LM_E_OUTOFMEMORY;
}

/* A look at the target (sessions or stats): counted, out emptied, E_FAIL
 * for a target the sim lacks; *o what it keeps of the target (NULL:
 * nothing yet). */
static lm_hr look(struct lm_backend *b, const struct lm_target *t, void *out, size_t size,
		  struct sim_obs **o, struct lm_err *err)
{
	struct sim *s = sim_of(b);

	*o = obs_of(s, t->iqn, false);
	s->observed++;
	memset(out, 0, size);
	if (!find_target(s, t->iqn))
		return lm_err_set(err, LM_E_FAIL, "sim: no target %s", t->iqn);
	return LM_S_OK;
}

static lm_hr sim_sessions(struct lm_backend *b, const struct lm_target *t,
			  struct lm_obs_sessions *out, struct lm_err *err)
{
	struct sim_obs *o;
	lm_hr hr = look(b, t, out, sizeof *out, &o, err);

	if (lm_failed(hr))
		return hr;
	out->trusted = true;
	if (o && lm_failed(copy_sessions(out, &o->sessions)))
		return lm_err_set(err, LM_E_OUTOFMEMORY, "sim: no memory");
	lm_obs_sessions_sort(out);
	return LM_S_OK;
}

static lm_hr sim_stats(struct lm_backend *b, const struct lm_target *t, struct lm_obs_stats *out,
		       struct lm_err *err)
{
	struct sim_obs *o;
	lm_hr hr = look(b, t, out, sizeof *out, &o, err);

	if (lm_failed(hr))
		return hr;
	if (o && o->has_stats && lm_failed(copy_stats(out, &o->stats)))
		return lm_err_set(err, LM_E_OUTOFMEMORY, "sim: no memory");
	return LM_S_OK;
}

int lm_sim_set_sessions(struct lm_backend *b, const char *iqn, const struct lm_obs_sessions *ss)
{
	struct sim *s = sim_of(b);
	struct sim_obs *o = obs_of(s, iqn, true);
	struct lm_stack_target *st = find_target(s, iqn);

	if (!o)
		return -1;
	lm_obs_sessions_clear(&o->sessions);
	o->sessions.trusted = true;
	if (ss && lm_failed(copy_sessions(&o->sessions, ss)))
		return -1;
	if (st)
		st->sessions = (unsigned)o->sessions.n;
	return 0;
}

int lm_sim_set_stats(struct lm_backend *b, const char *iqn, const struct lm_obs_stats *ss)
{
	struct sim_obs *o = obs_of(sim_of(b), iqn, true);

	if (!o)
		return -1;
	lm_obs_stats_clear(&o->stats);
	o->has_stats = ss != NULL;
	return ss && lm_failed(copy_stats(&o->stats, ss)) ? -1 : 0;
}

unsigned lm_sim_observed(const struct lm_backend *b)
{
	return ((const struct sim *)b)->observed;
}

static lm_hr sim_in_use(struct lm_backend *b, const struct lm_target *t, unsigned *n,
		       struct lm_err *err)
{
	struct lm_stack_target *st = find_target(sim_of(b), t->iqn);

	if (!st)
		return lm_err_set(err, LM_E_FAIL, "sim: no target %s", t->iqn);
	*n = st->sessions;
	return LM_S_OK;
}

static void sim_destroy(struct lm_backend *b)
{
	struct sim *s = sim_of(b);

	for (size_t i = 0; i < s->nobs; i++) {
		free(s->obs[i].iqn);
		lm_obs_sessions_clear(&s->obs[i].sessions);
		lm_obs_stats_clear(&s->obs[i].stats);
	}
	free(s->obs);
	lm_stack_clear(&s->stack);
	free(s);
}

static void sim_set_deadline(struct lm_backend *b, long long deadline_ms)
{
	sim_of(b)->deadline = deadline_ms;
}

void lm_sim_delay(struct lm_backend *b, unsigned ms, unsigned from_op)
{
	sim_of(b)->delay_ms = ms;
	sim_of(b)->delay_from = from_op ? sim_of(b)->ops + from_op : 0;
}

static const struct lm_backend_ops sim_ops = {
	.set_deadline = sim_set_deadline,
	.name = "sim",
	.min_lun_number = 1,
	.enumerate = sim_enumerate,
	.create_target = sim_create_target,
	.add_lu = sim_add_lu,
	.remove_lu = sim_remove_lu,
	.set_access = sim_set_access,
	.in_use = sim_in_use,
	.destroy = sim_destroy,
	.sessions = sim_sessions,
	.session_ids = true,
	.stats = sim_stats,
};

/* tgt's shape: sim_ops without the counters, the session ids and a
 * deadline of its own, with the same INQUIRY strings on every LU */
void lm_sim_no_stats(struct lm_backend *b)
{
	static const char *const inquiry[] = { "LUNMAP", "SIM", "0001" };
	struct sim *s = sim_of(b);

	s->no_stats_ops = sim_ops;
	s->no_stats_ops.set_deadline = NULL;
	s->no_stats_ops.session_ids = false;
	s->no_stats_ops.stats = NULL;
	s->no_stats_ops.inquiry = inquiry;
	b->ops = &s->no_stats_ops;
}

struct lm_backend *lm_sim_new(void)
{
	struct sim *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->base.ops = &sim_ops;
	s->base.priv = s;
	return &s->base;
}

void lm_sim_fail_nth(struct lm_backend *b, unsigned nth)
{
	struct sim *s = sim_of(b);

	s->fail_at = nth ? s->ops + nth : 0;
	s->fail_rest = false;
}

void lm_sim_fail_from(struct lm_backend *b, unsigned nth)
{
	struct sim *s = sim_of(b);

	s->fail_at = nth ? s->ops + nth : 0;
	s->fail_rest = true;
}

unsigned lm_sim_op_count(const struct lm_backend *b)
{
	return ((const struct sim *)b)->ops;
}

struct lm_stack *lm_sim_stack(struct lm_backend *b)
{
	return &sim_of(b)->stack;
}
