/* SPDX-License-Identifier: BSD-3-Clause */
/* A batch prepared: the numbers each association gets, the diff of
 * every LUN and the stack steps, refused before anything is tried. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "deadline.h"
#include "plan.h"

static int link_cmp(const void *a, const void *b)
{
	const struct lm_assoc *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* Is (target, number) taken by another change of this batch? */
static bool pending(const struct lm_batch *b, size_t upto, uint32_t target, uint32_t number)
{
	for (size_t i = 0; i < upto; i++)
		for (size_t j = 0; j < b->items[i].nnew; j++)
			if (b->items[i].new[j].index == target && b->items[i].new[j].number == number &&
			    !lm_links_find(&(struct lm_links){ b->items[i].old, b->items[i].nold, 0 },
					   target))
				return true;
	return false;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool asked_by_batch(const struct lm_batch *b, uint32_t target, uint32_t number)
{
	uint64_t key = (uint64_t)target << 32 | number;

	return b->nasked && bsearch(&key, b->asked, b->nasked, sizeof key, u64_cmp);
}

static lm_hr collect_asked(struct lm_batch *b, const struct lun_plan *plans, size_t nplans)
{
	size_t n = 0;

	for (size_t i = 0; i < nplans; i++)
		n += plans[i].n;
	b->asked = malloc((n + 1) * sizeof *b->asked);
	if (!b->asked)
		return LM_E_OUTOFMEMORY;
	for (size_t i = 0; i < nplans; i++)
		for (size_t j = 0; j < plans[i].n; j++)
			if (plans[i].v[j].number)
				b->asked[b->nasked++] =
					(uint64_t)plans[i].v[j].target << 32 | plans[i].v[j].number;
	qsort(b->asked, b->nasked, sizeof *b->asked, u64_cmp);
	return LM_S_OK;
}

static lm_hr pick_number(struct lm_core *c, const struct lm_batch *b, size_t upto,
			 const struct lm_target *t, uint32_t lun, uint32_t asked, uint32_t *out,
			 struct lm_err *err)
{
	uint32_t min = lm_backend_min_lun(c->backend);
	uint32_t n;

	if (asked) {
		if (asked < min || asked > LM_MAX_LUN_NUMBER)
			return lm_err_set(err, LM_E_INVALIDARG, "LUN number %u is out of range %u..%u",
					  asked, min, LM_MAX_LUN_NUMBER);
		if (lm_target_number_used(t, asked, lun) || pending(b, upto, t->index, asked))
			return lm_err_set(err, LM_E_INVALIDARG, "LUN number %u is in use on %s", asked,
					  t->iqn);
		*out = asked;
		return LM_S_OK;
	}
	for (n = lm_target_free_number(t, min);
	     n != LM_NO_NUMBER && (pending(b, upto, t->index, n) || asked_by_batch(b, t->index, n));)
		n = n < LM_MAX_LUN_NUMBER ? lm_target_free_number(t, n + 1) : LM_NO_NUMBER;
	if (n == LM_NO_NUMBER)
		return lm_err_set(err, LM_VDS_E_NOT_SUPPORTED, "target %s has no free LUN number",
				  t->iqn);
	*out = n;
	return LM_S_OK;
}

static lm_hr fill_diff(struct lm_batch_item *it)
{
	size_t i = 0, j = 0;
	struct lm_diff *d = &it->diff;

	d->lun_index = it->lun;
	d->added = calloc(it->nnew + 1, sizeof *d->added);
	d->kept = calloc(it->nnew + 1, sizeof *d->kept);
	d->removed = calloc(it->nold + 1, sizeof *d->removed);
	if (!d->added || !d->kept || !d->removed)
		return LM_E_OUTOFMEMORY;
	while (i < it->nold || j < it->nnew) {
		if (j >= it->nnew || (i < it->nold && it->old[i].index < it->new[j].index))
			d->removed[d->nremoved++] = it->old[i++].index;
		else if (i >= it->nold || it->new[j].index < it->old[i].index)
			d->added[d->nadded++] = it->new[j++].index;
		else {
			d->naccess += it->old[i].readonly != it->new[j].readonly;
			d->kept[d->nkept++] = it->new[j].index;
			i++, j++;
		}
	}
	return LM_S_OK;
}

static lm_hr want_target(struct lm_core *c, const struct lun_plan *p, const struct want *w,
			 struct lm_assoc *out, struct lm_err *err)
{
	struct lm_lun *lun = lm_model_lun(c->model, p->lun);
	struct lm_target *t = lm_model_target(c->model, w->target);
	const struct lm_assoc *have = lm_links_find(&lun->links, w->target);

	out->index = w->target;
	out->readonly = have && have->readonly;
	if (w->access)
		out->readonly = w->access == LM_ACCESS_RO;
	if (have && w->number && w->number != have->number)
		return lm_err_set(err, LM_E_INVALIDARG,
				  "LUN \"%s\" is LUN %u on %s; the number stays while the association lasts",
				  lun->name, have->number, t->iqn);
	if (have) {
		out->number = have->number;
		return LM_S_OK;
	}
	if (t->status != LM_ONLINE)
		return lm_err_set(err, LM_VDS_E_OBJECT_STATUS_FAILED, "target %s is %s", t->iqn,
				  t->status == LM_FAILED ? "failed" : "offline");
	return LM_S_OK;
}

/* How long a SET's probe may wait for a store that does not answer (a
 * hung mount): a quarter of what is left of the SET, at most a second */
static unsigned probe_wait(const struct lm_core *c)
{
	long long left;

	if (c->deadline == LM_NO_DEADLINE)
		return 1000;
	left = lm_ms_left(c->deadline) / 4;
	return left < 20 ? 20 : left > 1000 ? 1000 : (unsigned)left;
}

static lm_hr prepare_one(struct lm_core *c, struct lm_batch *b, size_t k, const struct lun_plan *p,
			 struct lm_err *err)
{
	struct lm_batch_item *it = &b->items[k];
	struct lm_lun *lun = lm_model_lun(c->model, p->lun);
	lm_hr hr;

	it->lun = p->lun;
	it->first = p->first;
	it->nold = lun->links.n;
	it->old = malloc((it->nold + 1) * sizeof *it->old);
	it->new = malloc((p->n + 1) * sizeof *it->new);
	if (!it->old || !it->new) {
		hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
		goto fail;
	}
	if (it->nold)
		memcpy(it->old, lun->links.v, it->nold * sizeof *it->old);
	for (size_t i = 0; i < p->n; i++) {
		struct lm_assoc *a = &it->new[it->nnew];
		uint32_t number;
		hr = want_target(c, p, &p->v[i], a, err);
		if (!lm_failed(hr) && !lm_links_find(&lun->links, a->index)) {
			/* a->number is a bit-field: picked into a variable */
			number = a->number;
			hr = pick_number(c, b, k, lm_model_target(c->model, a->index), lun->index,
					 p->v[i].number, &number, err);
			a->number = number;
		}
		if (lm_failed(hr)) {
			err->at = p->v[i].origin;
			goto fail;
		}
		it->nnew++;
	}
	qsort(it->new, it->nnew, sizeof *it->new, link_cmp);
	hr = fill_diff(it);
	if (lm_failed(hr)) {
		hr = lm_err_set(err, hr, "no memory");
		goto fail;
	}
	/* a backing store can vanish while lunmapd runs (and LIO's fileio
	 * would quietly create an empty one): look again on every SET that
	 * names the LUN, so that its status is today's. Only exposing a
	 * failed store is refused: taking exports away is always safe. */
	lm_lun_probe(lun, probe_wait(c));
	if (it->diff.nadded && lun->status == LM_FAILED) {
		char why[160];
		/* the status code is the contract (design §1); the system's
		 * reason, converted, goes in the text */
		lm_hr sys = lm_hr_from_errno(lun->probe_errno);
		lm_lun_probe_reason(lun, why, sizeof why);
		hr = lm_err_set(err, LM_VDS_E_OBJECT_STATUS_FAILED,
				"LUN \"%s\" is failed: its backing store %s %s (%s 0x%08X)", lun->name,
				lun->path, why, lm_hr_name(sys), sys);
		goto fail;
	}
	return LM_S_OK;
fail:
	if (err && err->at == LM_ERR_AT_NONE)
		err->at = p->first;
	lun->last_error = hr;
	return hr;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Room in every link array the batch adds to: a target may gain links
 * from several LUNs of one batch, so its room is counted over all of
 * them. Applying then cannot fail half-way. */
static lm_hr reserve(struct lm_core *c, const struct lm_batch *b)
{
	size_t n = 0, total = 0;
	uint32_t *added;
	lm_hr hr = LM_S_OK;

	for (size_t i = 0; i < b->n; i++)
		total += b->items[i].diff.nadded;
	added = malloc((total + 1) * sizeof *added);
	if (!added)
		return LM_E_OUTOFMEMORY;
	for (size_t i = 0; i < b->n && !lm_failed(hr); i++) {
		const struct lm_batch_item *it = &b->items[i];
		memcpy(added + n, it->diff.added, it->diff.nadded * sizeof *added);
		n += it->diff.nadded;
		hr = lm_links_reserve(&lm_model_lun(c->model, it->lun)->links, it->diff.nadded);
	}
	if (n)
		qsort(added, n, sizeof *added, u32_cmp);
	for (size_t i = 0, j; i < n && !lm_failed(hr); i = j) {
		for (j = i; j < n && added[j] == added[i]; j++)
			;
		hr = lm_links_reserve(&lm_model_target(c->model, added[i])->links, j - i);
	}
	free(added);
	return hr;
}

/* The access steps of one LUN: a new association that is to be
 * read-only, a kept one whose access changes. */
static void access_steps(struct lm_batch *b, const struct lm_batch_item *it, bool count_only, size_t *n)
{
	for (size_t j = 0; j < it->nnew; j++) {
		const struct lm_assoc *o =
			lm_links_find(&(struct lm_links){ it->old, it->nold, 0 }, it->new[j].index);
		if (o ? o->readonly == it->new[j].readonly : !it->new[j].readonly)
			continue;
		if (!count_only)
			b->steps[b->nsteps++] = (struct lm_step){ LM_STEP_ACCESS, it->lun,
								  it->new[j].index, it->new[j].number,
								  it->new[j].readonly };
		(*n)++;
	}
}

/* Adds first, then access changes, then removals: during a replace the
 * LUN stays reachable. A read-only new LU is added, then protected: no
 * initiator knows it before it has the access it should. */
static lm_hr build_steps(struct lm_batch *b)
{
	size_t n = 0, ignored = 0;

	for (size_t i = 0; i < b->n; i++) {
		n += b->items[i].diff.nadded + b->items[i].diff.nremoved;
		access_steps(b, &b->items[i], true, &n);
	}
	b->steps = calloc(n + 1, sizeof *b->steps);
	if (!b->steps)
		return LM_E_OUTOFMEMORY;
	for (size_t i = 0; i < b->n; i++) {
		const struct lm_batch_item *it = &b->items[i];
		for (size_t j = 0; j < it->diff.nadded; j++)
			b->steps[b->nsteps++] = (struct lm_step){
				LM_STEP_ADD, it->lun, it->diff.added[j],
				lm_assoc_number_in(it->new, it->nnew, it->diff.added[j]), false
			};
	}
	for (size_t i = 0; i < b->n; i++)
		access_steps(b, &b->items[i], false, &ignored);
	for (size_t i = 0; i < b->n; i++) {
		const struct lm_batch_item *it = &b->items[i];
		for (size_t j = 0; j < it->diff.nremoved; j++)
			b->steps[b->nsteps++] = (struct lm_step){
				LM_STEP_REMOVE, it->lun, it->diff.removed[j],
				lm_assoc_number_in(it->old, it->nold, it->diff.removed[j]), false
			};
	}
	return LM_S_OK;
}

/* The LUN a refused change names keeps the refusal as its last error. */
static void blame_change(struct lm_core *c, const struct lm_change *changes, size_t n,
			 const struct lm_err *err, lm_hr hr)
{
	uint32_t index;
	enum lm_kind kind;

	if (err && err->at < n && !lm_failed(lm_model_find_id(c->model, &changes[err->at].lun, &kind,
								     &index)) &&
	    kind == LM_KIND_LUN)
		lm_model_lun(c->model, index)->last_error = hr;
}

/* An access the backend cannot honour on a target (LIO's demo mode) is
 * refused before anything is tried, naming the LUN's change. */
static lm_hr check_access(struct lm_core *c, const struct lm_batch *b, struct lm_err *err)
{
	lm_hr hr = LM_S_OK;

	for (size_t i = 0; i < b->nsteps && !lm_failed(hr); i++) {
		const struct lm_step *s = &b->steps[i];
		if (s->op != LM_STEP_ACCESS)
			continue;
		hr = lm_backend_check_access(c->backend, lm_model_target(c->model, s->target),
					     s->readonly, err);
		if (lm_failed(hr)) {
			err->at = lm_batch_change_of_step(b, i);
			lm_model_lun(c->model, s->lun)->last_error = hr;
		}
	}
	return hr;
}

lm_hr lm_batch_prepare(struct lm_core *c, const struct lm_change *changes, size_t n,
		       struct lm_batch **out, struct lm_err *err)
{
	struct lun_plan *plans = NULL;
	struct lm_batch *b;
	struct lm_err local;
	size_t nplans = 0;
	lm_hr hr;

	*out = NULL;
	if (!err)
		err = &local; /* to know which change a refusal is about */
	/* the cure that runs first: it may be what clears a cacheCorrupt */
	hr = lm_action_busy(c, err);
	if (lm_failed(hr))
		return hr;
	hr = lm_takebacks_settle(c, err);
	if (lm_failed(hr))
		return hr;
	if (c->model->status == LM_SUBSYS_CACHE_CORRUPT)
		return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
				  "the subsystem is cacheCorrupt: the stack differs from lunmap's state; refresh first");
	hr = lm_plan_changes(c->model, changes, n, &plans, &nplans, err);
	if (lm_failed(hr)) {
		blame_change(c, changes, n, err, hr);
		return hr;
	}
	b = calloc(1, sizeof *b);
	if (!b || !(b->items = calloc(nplans + 1, sizeof *b->items)) ||
	    lm_failed(collect_asked(b, plans, nplans))) {
		lm_batch_free(b);
		lm_plans_free(plans, nplans);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	}
	for (size_t i = 0; i < nplans && !lm_failed(hr); i++) {
		b->n++;
		hr = prepare_one(c, b, i, &plans[i], err);
	}
	if (!lm_failed(hr))
		hr = lm_batch_guard_in_use(c, b, changes, err);
	if (!lm_failed(hr) && (lm_failed(reserve(c, b)) || lm_failed(build_steps(b))))
		hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	if (!lm_failed(hr))
		hr = check_access(c, b, err);
	lm_plans_free(plans, nplans);
	if (lm_failed(hr)) {
		lm_batch_free(b);
		return hr;
	}
	*out = b;
	return LM_S_OK;
}
