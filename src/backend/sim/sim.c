/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct sim {
	struct lm_backend base;
	struct lm_stack stack;
	unsigned ops;
	unsigned fail_at; /* absolute op number that fails, 0 = none */
	bool fail_rest;   /* and every one after it */
};

static struct sim *sim_of(struct lm_backend *b)
{
	return (struct sim *)b;
}

static lm_hr maybe_fail(struct sim *s, const char *what, struct lm_err *err)
{
	s->ops++;
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

static lm_hr sim_set_access(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			    const struct lm_lun *lun, bool readonly, struct lm_err *err)
{
	struct sim *s = sim_of(b);
	struct lm_stack_target *st;
	struct lm_stack_lu *lu;
	lm_hr hr = maybe_fail(s, "set access", err);

	(void)lun;
	if (lm_failed(hr))
		return hr;
	if (!(lu = lu_at(s, t, number, &st, err)))
		return LM_E_FAIL;
	lu->readonly = readonly;
	return LM_S_OK;
}

static lm_hr sim_remove_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			   const struct lm_lun *lun, struct lm_err *err)
{
	struct sim *s = sim_of(b);
	struct lm_stack_target *st;
	struct lm_stack_lu *lu;
	lm_hr hr = maybe_fail(s, "remove LU", err);

	(void)lun;
	if (lm_failed(hr))
		return hr;
	if (!(lu = lu_at(s, t, number, &st, err)))
		return LM_E_FAIL;
	*lu = st->lus[--st->nlus]; /* its text stays in the pool */
	return LM_S_OK;
}

static lm_hr sim_sessions(struct lm_backend *b, const struct lm_target *t, unsigned *n,
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

	lm_stack_clear(&s->stack);
	free(s);
}

static const struct lm_backend_ops sim_ops = {
	.name = "sim",
	.min_lun_number = 1,
	.enumerate = sim_enumerate,
	.create_target = sim_create_target,
	.add_lu = sim_add_lu,
	.remove_lu = sim_remove_lu,
	.set_access = sim_set_access,
	.sessions = sim_sessions,
	.destroy = sim_destroy,
};

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
