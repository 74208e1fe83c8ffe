/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "deadline.h"
#include "plan.h"

struct lm_batch;
static size_t change_of_step(const struct lm_batch *b, size_t i);

struct item {
	uint32_t lun;
	size_t first; /* the LUN's first change in the caller's list */
	struct lm_assoc *old, *new;
	size_t nold, nnew;
	struct lm_diff diff;
};

struct lm_batch {
	struct item *items;
	size_t n;
	/* the (target, number) pairs the batch's changes ask by number,
	 * sorted: the lowest free number picked for another change skips
	 * them, whatever the order of the LUNs */
	uint64_t *asked;
	size_t nasked;
	struct lm_step *steps;
	size_t nsteps;
	bool applied;
};

void lm_diff_free(struct lm_diff *d)
{
	if (!d)
		return;
	free(d->added);
	free(d->removed);
	free(d->kept);
	memset(d, 0, sizeof *d);
}

void lm_batch_free(struct lm_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		free(b->items[i].old);
		free(b->items[i].new);
		lm_diff_free(&b->items[i].diff);
	}
	free(b->items);
	free(b->steps);
	free(b->asked);
	free(b);
}

size_t lm_batch_count(const struct lm_batch *b)
{
	return b->n;
}

size_t lm_batch_step_count(const struct lm_batch *b)
{
	return b->nsteps;
}

const struct lm_diff *lm_batch_diff(const struct lm_batch *b, size_t i)
{
	return i < b->n ? &b->items[i].diff : NULL;
}

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
	uint32_t min = c->backend->ops->min_lun_number;
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

static lm_hr fill_diff(struct item *it)
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
	struct item *it = &b->items[k];
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
		const struct item *it = &b->items[i];
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

static uint32_t number_in(const struct lm_assoc *v, size_t n, uint32_t target)
{
	return lm_links_find(&(struct lm_links){ (struct lm_assoc *)v, n, 0 }, target)->number;
}

/* The access steps of one LUN: a new association that is to be
 * read-only, a kept one whose access changes. */
static void access_steps(struct lm_batch *b, const struct item *it, bool count_only, size_t *n)
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
		const struct item *it = &b->items[i];
		for (size_t j = 0; j < it->diff.nadded; j++)
			b->steps[b->nsteps++] = (struct lm_step){
				LM_STEP_ADD, it->lun, it->diff.added[j],
				number_in(it->new, it->nnew, it->diff.added[j]), false
			};
	}
	for (size_t i = 0; i < b->n; i++)
		access_steps(b, &b->items[i], false, &ignored);
	for (size_t i = 0; i < b->n; i++) {
		const struct item *it = &b->items[i];
		for (size_t j = 0; j < it->diff.nremoved; j++)
			b->steps[b->nsteps++] = (struct lm_step){
				LM_STEP_REMOVE, it->lun, it->diff.removed[j],
				number_in(it->old, it->nold, it->diff.removed[j]), false
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

static bool removes_unforced(const struct lm_batch *b, const struct lm_change *changes)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->items[i].diff.nremoved && !changes[b->items[i].first].force)
			return true;
	return false;
}


/* A removal the in-use guard asks about: the target, and the batch item
 * (LUN) that takes itself from it. */
struct leaving {
	uint32_t target;
	size_t item;
};

static int leaving_cmp(const void *a, const void *b)
{
	const struct leaving *x = a, *y = b;

	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	return x->item < y->item ? -1 : x->item > y->item;
}

/* The unforced removals of the batch, by target (then item). */
static struct leaving *leavings(const struct lm_batch *b, const struct lm_change *changes,
				size_t *n)
{
	size_t total = 0;
	struct leaving *v;

	for (size_t i = 0; i < b->n; i++)
		total += b->items[i].diff.nremoved;
	*n = 0;
	v = malloc((total + 1) * sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < b->n; i++) {
		if (changes[b->items[i].first].force)
			continue;
		for (size_t j = 0; j < b->items[i].diff.nremoved; j++)
			v[(*n)++] = (struct leaving){ b->items[i].diff.removed[j], i };
	}
	qsort(v, *n, sizeof *v, leaving_cmp);
	return v;
}

/* The in-use guard: a LUN does not leave a target an initiator is logged
 * in to (its disk would vanish under a mounted file system) unless the
 * change says force. Only the targets the batch takes LUNs from are
 * asked, each once, under the SET's deadline. A stack that cannot answer
 * refuses the change before anything is tried (resourceUnavailable at
 * validation, with the stack's reason): the guard cannot know who is
 * logged in. */
static lm_hr guard_in_use(struct lm_core *c, struct lm_batch *b, const struct lm_change *changes,
			  struct lm_err *err)
{
	struct lm_stack stack = { 0 };
	struct leaving *v;
	bool listed = false;
	size_t n;
	lm_hr hr = LM_S_OK;

	if (!removes_unforced(b, changes))
		return LM_S_OK;
	v = leavings(b, changes, &n);
	if (!v)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (size_t i = 0; i < n && !lm_failed(hr); i++) {
		const struct lm_target *t = lm_model_target(c->model, v[i].target);
		const struct item *it = &b->items[v[i].item];
		unsigned sessions = 0;
		if (i && v[i - 1].target == v[i].target)
			continue;
		hr = lm_backend_sessions_of(c->backend, t, &stack, &listed, &sessions, err);
		if (lm_failed(hr)) {
			err->at = LM_ERR_AT_NONE;
			break;
		}
		if (!sessions)
			continue;
		hr = lm_err_set(err, LM_VDS_E_DEVICE_IN_USE,
				"LUN \"%s\" stays on %s: %u initiator session%s logged in; "
				"set lunmapSubsystemForce.0 = force(2) in the same SET to remove it "
				"anyway", lm_model_lun(c->model, it->lun)->name, t->iqn, sessions,
				sessions == 1 ? " is" : "s are");
		err->at = it->first;
		lm_model_lun(c->model, it->lun)->last_error = hr;
	}
	free(v);
	lm_stack_clear(&stack);
	return hr;
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
			err->at = change_of_step(b, i);
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
		hr = guard_in_use(c, b, changes, err);
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

static void model_set(struct lm_core *c, struct lm_batch *b, bool forward)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct item *it = &b->items[i];
		struct lm_lun *lun = lm_model_lun(c->model, it->lun);
		const uint32_t *drop = forward ? it->diff.removed : it->diff.added;
		const uint32_t *take = forward ? it->diff.added : it->diff.removed;
		size_t ndrop = forward ? it->diff.nremoved : it->diff.nadded;
		size_t ntake = forward ? it->diff.nadded : it->diff.nremoved;
		for (size_t j = 0; j < ndrop; j++)
			lm_model_unlink(c->model, lun, lm_model_target(c->model, drop[j]));
		for (size_t j = 0; j < ntake; j++)
			lm_model_link(c->model, lun, lm_model_target(c->model, take[j]),
				      forward ? number_in(it->new, it->nnew, take[j])
					      : number_in(it->old, it->nold, take[j]));
		const struct lm_assoc *set = forward ? it->new : it->old;
		size_t nset = forward ? it->nnew : it->nold;
		for (size_t j = 0; j < nset; j++)
			lm_model_set_access(lun, lm_model_target(c->model, set[j].index),
					    set[j].readonly);
	}
}

/* The rest of a rollback that did not fit in the SET goes on after the
 * answer; one that cannot even be started leaves the steps it would have
 * undone in the stack: cacheCorrupt, and the text says so. */
static lm_hr roll_back_later(struct lm_core *c, struct lm_tail *tail, lm_hr hr,
			     struct lm_err *err)
{
	struct lm_err e;
	char was[LM_ERR_MSG_MAX];

	if (!lm_failed(lm_action_rollback(c, tail->steps, tail->n, &e)))
		return hr;
	c->model->status = LM_SUBSYS_CACHE_CORRUPT;
	snprintf(was, sizeof was, "%s", err ? err->msg : "");
	return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
			  "the rollback of %zu step(s) could not be started (%s): they stay in the "
			  "stack; %s", tail->n, e.msg, was);
}

/* The stack steps that take the batch back, forward only (the saved
 * state no longer has the change); *later: how many of them go on after
 * the answer. */
static lm_hr run_inverse(struct lm_core *c, const struct lm_batch *b, size_t *later,
			 struct lm_err *err)
{
	struct lm_step *inv = calloc(b->nsteps + 1, sizeof *inv);
	struct lm_tail tail;
	lm_hr hr;

	*later = 0;
	if (!inv)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (size_t i = 0; i < b->nsteps; i++)
		inv[i] = lm_step_inverse(&b->steps[b->nsteps - 1 - i]);
	hr = lm_steps_finish(c, inv, b->nsteps, &tail, err);
	free(inv);
	if (lm_failed(hr) || !tail.n)
		return hr;
	*later = tail.n;
	return roll_back_later(c, &tail, hr, err);
}

/* One journal record with the new sets of every LUN of the batch. */
static lm_hr persist(struct lm_core *c, const struct lm_batch *b, struct lm_err *err)
{
	const struct lm_lun **luns = malloc((b->n + 1) * sizeof *luns);
	lm_hr hr;

	if (!luns)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to save the change");
	for (size_t i = 0; i < b->n; i++)
		luns[i] = lm_model_lun(c->model, b->items[i].lun);
	hr = lm_store_persist(&c->store, c->model, luns, b->n, err);
	free(luns);
	return hr;
}

/* The caller's change behind step i (the first change of its LUN), so
 * that an SNMP error index names the varbind whose change failed. */
static size_t change_of_step(const struct lm_batch *b, size_t i)
{
	if (i >= b->nsteps)
		return LM_ERR_AT_NONE;
	for (size_t k = 0; k < b->n; k++)
		if (b->items[k].lun == b->steps[i].lun)
			return b->items[k].first;
	return LM_ERR_AT_NONE;
}

static void blame(struct lm_core *c, const struct lm_batch *b, lm_hr hr)
{
	for (size_t i = 0; i < b->n; i++)
		lm_model_lun(c->model, b->items[i].lun)->last_error = hr;
}

/* The intent (design §3): each LUN's sets before and after, durable
 * before the first stack step. forward = false for an undo. */
static lm_hr write_intent(struct lm_core *c, const struct lm_batch *b, bool forward,
			  struct lm_err *err)
{
	struct lm_intent_lun *v = calloc(b->n + 1, sizeof *v);
	struct lm_err e;
	lm_hr hr;

	if (!v)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for the intent record");
	for (size_t i = 0; i < b->n; i++) {
		const struct item *it = &b->items[i];
		v[i] = (struct lm_intent_lun){ it->lun, forward ? it->old : it->new,
					       forward ? it->new : it->old,
					       forward ? it->nold : it->nnew,
					       forward ? it->nnew : it->nold };
	}
	hr = lm_intent_write(c->store.intent_fd, v, b->n, &e);
	free(v);
	if (lm_failed(hr))
		return lm_err_set(err, hr, "%s; nothing was changed", e.msg);
	return LM_S_OK;
}

static lm_hr corrupt(struct lm_core *c, struct lm_err *err, const char *what, const char *why,
		     const char *where)
{
	c->model->status = LM_SUBSYS_CACHE_CORRUPT;
	return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT, "%s: %s; %s", what, why, where);
}

/* The stack has the batch; saving it failed (save_err). Either nothing
 * changed (the stack rolled back, the record is not on disk) or the
 * subsystem is cacheCorrupt and the text says what is where. */
static lm_hr save_failed(struct lm_core *c, struct lm_batch *b, lm_hr saved,
			 const struct lm_err *save_err, struct lm_err *err)
{
	struct lm_err undo;
	char why[2 * LM_ERR_MSG_MAX + 64]; /* lm_err_set cuts it to size */
	size_t later;
	lm_hr hr;

	if (saved == LM_VDS_E_PROVIDER_CACHE_CORRUPT)
		return corrupt(c, err, "saving the change failed", save_err->msg,
			       "the change is in the stack and in memory, and may or may not be on "
			       "disk: a restart or refresh settles it");
	model_set(c, b, false);
	hr = run_inverse(c, b, &later, &undo);
	if (!lm_failed(hr) && later)
		return lm_err_set(err, saved, "%s; the change is rolled back, %zu step(s) after this "
				  "answer (offline until they are)", save_err->msg, later);
	if (!lm_failed(hr))
		return lm_err_set(err, saved, "%s; the change was rolled back", save_err->msg);
	snprintf(why, sizeof why, "%s; undoing it in the stack failed: %s", save_err->msg, undo.msg);
	return corrupt(c, err, "saving the change failed", why,
		       "the change is not on disk; the stack is partly changed");
}

lm_hr lm_batch_apply(struct lm_core *c, struct lm_batch *b, struct lm_err *err)
{
	struct lm_err save_err;
	struct lm_tail tail;
	size_t at;
	lm_hr hr;

	if (b->applied || !b->nsteps)
		return LM_S_OK;
	if (c->model->status == LM_SUBSYS_CACHE_CORRUPT)
		return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
				  "the subsystem is cacheCorrupt; refresh first");
	hr = write_intent(c, b, true, err);
	if (lm_failed(hr))
		goto fail;
	hr = lm_steps_apply(c, b->steps, b->nsteps, &tail, err);
	at = err ? err->at : LM_ERR_AT_NONE;
	if (tail.n)
		hr = roll_back_later(c, &tail, hr, err);
	/* a step failed that validation let through: the stack may have
	 * moved under us. The drift check runs after the answer (a whole
	 * listing does not fit in a SET's time). */
	if (lm_hr_is_system(hr) && hr != LM_HR_TIMEOUT)
		c->check_due = true;
	if (lm_failed(hr)) {
		lm_takebacks_after_failure(c, err);
		/* the varbind whose change failed, whatever was added to the
		 * text since */
		if (err)
			err->at = change_of_step(b, at);
		goto fail;
	}
	model_set(c, b, true);
	hr = persist(c, b, &save_err);
	if (lm_failed(hr)) {
		hr = save_failed(c, b, hr, &save_err, err);
		goto fail;
	}
	b->applied = true;
	return LM_S_OK;
fail:
	blame(c, b, hr);
	return hr;
}

/* An undo is the last word of a transaction: when it cannot be made, the
 * manager believes in a state that is not there, so every failure here
 * is cacheCorrupt, and the text says where the change is. The saved
 * state goes back first, then the stack: a crash between the two leaves
 * the intent of the undo and a state without the change, which recovery
 * finishes at start (the other order would re-apply the undone change). */
lm_hr lm_batch_revert(struct lm_core *c, struct lm_batch *b, struct lm_err *err)
{
	struct lm_err e;
	size_t later;
	lm_hr hr;

	if (!b->applied)
		return LM_S_OK;
	hr = write_intent(c, b, false, &e);
	if (lm_failed(hr))
		return corrupt(c, err, "undo refused", e.msg,
			       "the change stays applied (stack and state)");
	model_set(c, b, false);
	hr = persist(c, b, &e);
	if (hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT)
		return corrupt(c, err, "saving the undo failed", e.msg,
			       "the saved state may or may not have the change; the stack has it: "
			       "restore(4) puts the saved state in the stack");
	if (lm_failed(hr)) {
		/* memory follows the disk, which still has the change */
		model_set(c, b, true);
		return corrupt(c, err, "saving the undo failed", e.msg,
			       "the change stays applied (stack and state)");
	}
	b->applied = false;
	hr = run_inverse(c, b, &later, &e);
	if (later)
		lm_core_log(c, "the undo goes on after the answer: %zu step(s) (offline until they are)",
			    later);
	if (lm_failed(hr))
		return corrupt(c, err, "undo refused by the stack", e.msg,
			       "the saved state no longer has the change, the stack may still have "
			       "part of it: restore(4) puts the saved state in the stack");
	return LM_S_OK;
}

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

lm_hr lm_query_associated_targets(struct lm_core *c, const lm_guid *lun, lm_guid **out,
				  size_t *n, struct lm_err *err)
{
	uint32_t index;
	lm_hr hr = lm_resolve(c->model, lun, LM_KIND_LUN, &index, err);

	*out = NULL;
	*n = 0;
	if (lm_failed(hr))
		return hr;
	return collect(c->model, &lm_model_lun(c->model, index)->links, LM_KIND_TARGET, out, n, err);
}

lm_hr lm_query_associated_luns(struct lm_core *c, const lm_guid *target, lm_guid **out,
			       size_t *n, struct lm_err *err)
{
	uint32_t index;
	lm_hr hr = lm_resolve(c->model, target, LM_KIND_TARGET, &index, err);

	*out = NULL;
	*n = 0;
	if (lm_failed(hr))
		return hr;
	return collect(c->model, &lm_model_target(c->model, index)->links, LM_KIND_LUN, out, n, err);
}
