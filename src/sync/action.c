/* SPDX-License-Identifier: BSD-3-Clause */
/* Long work as an asynchronous action (design §5, time rules): refresh,
 * reenumerate, restore and the re-apply of a stack that lost everything
 * are started at once and then run in slices between requests, a listing
 * or one stack step at a time, so that lunmapd keeps answering. The
 * drift check lives here too: it starts the re-apply. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "deadline.h"

enum phase { A_LIST, A_PROBE, A_ADOPT, A_STEPS, A_CHECK };

struct lm_action_state {
	int what; /* LM_REFRESH..LM_RESTORE, LM_ACTION_REAPPLY */
	enum phase phase;
	struct lm_stack stack; /* refresh: the listing, until adopted */
	size_t next;           /* the next LUN to probe, or step to run */
	struct lm_step *steps;
	size_t nsteps;
	bool ended;
	struct lm_err result;
	/* the LUNs whose associations the action changed in the model */
	uint32_t *changed;
	size_t nchanged;
};

static const char *name_of(int what)
{
	switch (what) {
	case LM_REFRESH: return "refresh(2)";
	case LM_REENUMERATE: return "reenumerate(3)";
	case LM_RESTORE: return "restore(4)";
	case LM_ACTION_ROLLBACK: return "the rollback";
	default: return "the re-apply";
	}
}

void lm_action_free(struct lm_core *c)
{
	struct lm_action_state *a = c->action;

	if (!a)
		return;
	lm_stack_clear(&a->stack);
	free(a->steps);
	free(a->changed);
	free(a);
	c->action = NULL;
}

lm_hr lm_action_busy(const struct lm_core *c, struct lm_err *err)
{
	if (!c->action)
		return LM_S_OK;
	return lm_err_set(err, LM_VDS_E_ANOTHER_CALL_IN_PROGRESS,
			  "%s is running (%zu of %zu steps done): wait until "
			  "lunmapSubsystemRefresh reads idle(1)",
			  name_of(c->action->what), c->action->next, c->action->nsteps);
}

lm_hr lm_action_begin(struct lm_core *c, int what, struct lm_err *err)
{
	struct lm_action_state *a;
	lm_hr hr = lm_action_busy(c, err);

	if (lm_failed(hr))
		return hr;
	a = calloc(1, sizeof *a);
	if (!a)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for %s", name_of(what));
	a->what = what;
	c->action = a;
	return LM_S_OK;
}

lm_hr lm_core_action_start(struct lm_core *c, int what, struct lm_err *err)
{
	if (what != LM_REFRESH && what != LM_REENUMERATE && what != LM_RESTORE)
		return lm_err_set(err, LM_E_INVALIDARG, "no action %d", what);
	return lm_action_begin(c, what, err);
}

/* The rollback of a change that did not fit in its SET goes on after the
 * answer: the steps that undo what is left of it, in order (taken). The
 * subsystem is offline until they have run, and no change starts; the
 * change's intent record stays on disk, so that a restart meanwhile
 * settles its LUNs from it. */
lm_hr lm_action_rollback(struct lm_core *c, struct lm_step *steps, size_t n, struct lm_err *err)
{
	lm_hr hr = lm_action_begin(c, LM_ACTION_ROLLBACK, err);

	if (lm_failed(hr)) {
		free(steps);
		return hr;
	}
	c->action->steps = steps;
	c->action->nsteps = n;
	c->action->phase = A_STEPS;
	if (c->model->status == LM_SUBSYS_ONLINE)
		c->model->status = LM_SUBSYS_OFFLINE;
	return LM_S_OK;
}

static void end(struct lm_action_state *a, const struct lm_err *e)
{
	a->ended = true;
	a->result = *e;
}


/* The first slice: one listing, then what follows it. */
static void list(struct lm_core *c, struct lm_action_state *a)
{
	struct lm_err e;

	if (lm_failed(lm_drift_list(c, &a->stack, &e))) {
		end(a, &e);
		return;
	}
	if (a->what == LM_REFRESH || a->what == LM_REENUMERATE) {
		a->phase = A_PROBE;
		return;
	}
	/* only restore(4), the operator's cure, takes away what lunmap did
	 * not put there; the re-apply puts back what it did, as start-up
	 * does, and what else is there stays drift */
	if (lm_failed(lm_restore_plan(c, &a->stack, a->what == LM_RESTORE, &a->steps, &a->nsteps,
				      &e))) {
		c->model->status = LM_SUBSYS_CACHE_CORRUPT;
		lm_err_set(&e, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
			   "%s: %s; the subsystem stays cacheCorrupt", name_of(a->what), e.msg);
		end(a, &e);
		return;
	}
	/* what a crash left half made outside every target goes now: the
	 * steps re-make what they need whole */
	lm_core_tidy(c, &a->stack);
	lm_stack_clear(&a->stack);
	a->phase = A_STEPS;
}

/* One stack step of a restore or re-apply; the first failure ends it,
 * cacheCorrupt, with what stays undone. */
static void step(struct lm_core *c, struct lm_action_state *a)
{
	struct lm_err e, out;
	char what[160];
	lm_hr hr;

	if (a->next == a->nsteps) {
		a->phase = A_CHECK;
		return;
	}
	/* a request of an action waits longer than one of a SET alone would
	 * (a quarter of a listing's wait): only the requests it holds up
	 * wait for it, and one cut short fails the whole action */
	lm_core_deadline(c, c->list_ms ? c->list_ms / 4 : 0);
	hr = lm_step_run(c, &a->steps[a->next], &e);
	lm_core_deadline(c, 0);
	if (!lm_failed(hr)) {
		a->next++;
		return;
	}
	lm_step_describe(c, &a->steps[a->next], what, sizeof what);
	c->model->status = LM_SUBSYS_CACHE_CORRUPT;
	lm_err_set(&out, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
		   "%s: step %zu of %zu (%s) failed: %s; the subsystem stays cacheCorrupt",
		   name_of(a->what), a->next + 1, a->nsteps, what, e.msg);
	end(a, &out);
}

/* The check that ends a rollback after the answer: the take-backs the
 * stack still owes first, then one listing; offline turns online only
 * when the stack has lunmap's state (a difference is drift), and a
 * cacheCorrupt the failed change left (the stack kept part of a step)
 * stays. A listing that fails leaves it offline: the next drift check
 * settles it. */
static void rollback_check(struct lm_core *c, struct lm_action_state *a)
{
	struct lm_stack stack;
	struct lm_err e;
	lm_hr hr;

	c->check_due = false;
	if (lm_failed(lm_takebacks_settle(c, &e)) || lm_failed(lm_drift_list(c, &stack, &e))) {
		end(a, &e);
		return;
	}
	if (c->model->status == LM_SUBSYS_OFFLINE)
		c->model->status = LM_SUBSYS_ONLINE;
	hr = lm_drift_compare(c, &stack, &e);
	if (!lm_failed(hr) && c->model->status == LM_SUBSYS_CACHE_CORRUPT)
		lm_err_set(&e, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
			   "the rollback after the answer undid %zu step(s), but the stack kept part of "
			   "the failed one: the subsystem stays cacheCorrupt", a->nsteps);
	else if (!lm_failed(hr))
		lm_err_set(&e, LM_S_OK, "the rollback after the answer undid %zu step(s): the stack "
			   "has what lunmap recorded again", a->nsteps);
	end(a, &e);
	lm_stack_clear(&stack);
}

/* The check that ends a restore: a stack that still shows nothing then
 * is drift, not a reason to restore again. */
static void final_check(struct lm_core *c, struct lm_action_state *a)
{
	struct lm_stack stack;
	struct lm_err e;

	if (a->what == LM_ACTION_ROLLBACK) {
		rollback_check(c, a);
		return;
	}
	c->model->status = LM_SUBSYS_ONLINE;
	c->check_due = false;
	if (lm_failed(lm_drift_list(c, &stack, &e))) {
		end(a, &e);
		return;
	}
	if (!lm_failed(lm_drift_compare(c, &stack, &e)))
		lm_err_set(&e, LM_S_OK, "the stack has what lunmap recorded again (%zu step(s))",
			   a->nsteps);
	end(a, &e);
	lm_stack_clear(&stack);
}

/* Every LUN's associations, one after the other (first[i] is where LUN
 * i's begin), to tell after an adoption which LUNs it changed. */
struct before {
	struct lm_assoc *v;
	size_t *first;
};

static bool take_before(const struct lm_core *c, struct before *b)
{
	size_t total = c->model->nassoc, k = 0;

	b->v = malloc((total + 1) * sizeof *b->v);
	b->first = malloc((c->model->nluns + 1) * sizeof *b->first);
	if (!b->v || !b->first)
		return false;
	for (size_t i = 0; i < c->model->nluns; i++) {
		const struct lm_links *l = &c->model->luns[i]->links;
		b->first[i] = k;
		if (l->n)
			memcpy(b->v + k, l->v, l->n * sizeof *l->v);
		k += l->n;
	}
	b->first[c->model->nluns] = k;
	return true;
}

/* The LUNs whose associations differ from before (all of them when
 * memory ran out before: then each is told as changed). */
static void find_changed(const struct lm_core *c, const struct before *b,
			 struct lm_action_state *a)
{
	a->changed = malloc((c->model->nluns + 1) * sizeof *a->changed);
	if (!a->changed)
		return;
	for (size_t i = 0; i < c->model->nluns; i++) {
		const struct lm_links *l = &c->model->luns[i]->links;
		size_t had = b->v ? b->first[i + 1] - b->first[i] : SIZE_MAX;
		if (had == l->n && (!l->n || memcmp(b->v + b->first[i], l->v,
						    l->n * sizeof *l->v) == 0))
			continue;
		a->changed[a->nchanged++] = c->model->luns[i]->index;
	}
}

/* An adoption that could not be saved is not kept: the model goes back
 * to what the saved state has, so that nothing changed (the stack was
 * only read). When that cannot be done either, the text says where
 * things are. */
static void undo_adoption(struct lm_core *c, struct lm_err *e)
{
	struct lm_err back;
	char why[LM_ERR_MSG_MAX];

	snprintf(why, sizeof why, "%s", e->msg);
	if (e->hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT) {
		/* the new snapshot may or may not be on disk */
		c->model->status = LM_SUBSYS_CACHE_CORRUPT;
		lm_err_set(e, e->hr, "the adopted view is in memory and may or may not be on "
			   "disk: a restart or a refresh settles it: %s", why);
		return;
	}
	if (!lm_failed(lm_core_model_from_disk(c, &back))) {
		lm_err_set(e, e->hr, "nothing changed: the adopted view could not be saved: %s", why);
		return;
	}
	c->model->status = LM_SUBSYS_CACHE_CORRUPT;
	lm_err_set(e, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
		   "the model shows the stack, the saved state does not (a restart loads that): "
		   "saving failed: %s; going back failed: %s", why, back.msg);
}

static void adopt(struct lm_core *c, struct lm_action_state *a)
{
	struct before b = { 0 };
	struct lm_err e;

	if (!take_before(c, &b)) {
		free(b.v);
		b.v = NULL;
	}
	if (!lm_failed(lm_drift_adopt(c, a->what, &a->stack, &e)))
		lm_err_set(&e, LM_S_OK, "the model has what the stack has (%zu target(s) listed)",
			   a->stack.ntargets);
	else
		undo_adoption(c, &e);
	find_changed(c, &b, a);
	free(b.v);
	free(b.first);
	end(a, &e);
}

static void slice(struct lm_core *c, struct lm_action_state *a)
{
	switch (a->phase) {
	case A_LIST:
		list(c, a);
		break;
	case A_PROBE:
		if (a->next < c->model->nluns)
			lm_lun_probe(c->model->luns[a->next++], LM_PROBE_WAIT_MS);
		else
			a->phase = A_ADOPT;
		break;
	case A_ADOPT:
		adopt(c, a);
		break;
	case A_STEPS:
		step(c, a);
		break;
	case A_CHECK:
		final_check(c, a);
		break;
	}
}

bool lm_core_action_run(struct lm_core *c, unsigned budget_ms)
{
	struct lm_action_state *a = c->action;
	long long stop = lm_now_ms() + budget_ms;

	if (!a)
		return true;
	do
		slice(c, a);
	while (!a->ended && lm_now_ms() < stop);
	if (!a->ended)
		return false;
	c->last_action = a->what;
	c->last_action_result = a->result;
	/* counted (and told) when the stack has it all again */
	if (a->what == LM_ACTION_REAPPLY && !lm_failed(a->result.hr))
		c->reapplied++;
	free(c->last_changed);
	c->last_changed = a->changed;
	c->nlast_changed = a->nchanged;
	a->changed = NULL;
	if (a->result.hr)
		lm_core_log(c, "%s failed: %s", name_of(a->what), a->result.msg);
	else
		lm_core_log(c, "%s: %s", name_of(a->what), a->result.msg);
	lm_action_free(c);
	return true;
}

void lm_core_action_cancel(struct lm_core *c)
{
	if (c->action && c->action->phase == A_LIST)
		lm_action_free(c);
}

int lm_core_action_running(const struct lm_core *c)
{
	return c->action ? c->action->what : LM_ACTION_IDLE;
}

void lm_core_action_progress(const struct lm_core *c, size_t *done, size_t *total)
{
	*done = c->action ? c->action->next : 0;
	*total = c->action ? c->action->nsteps : 0;
	if (c->action && c->action->phase != A_STEPS && c->action->phase != A_CHECK)
		*done = *total = 0;
}

const uint32_t *lm_core_action_changed(const struct lm_core *c, size_t *n)
{
	*n = c->nlast_changed;
	return c->last_changed;
}

int lm_core_action_outcome(const struct lm_core *c, const struct lm_err **result)
{
	*result = &c->last_action_result;
	return c->last_action ? c->last_action : LM_ACTION_IDLE;
}

/* The check: *lost when the stack lost everything lunmap had put there
 * (the caller re-applies it; the comparison is not made). */
static lm_hr check(struct lm_core *c, bool *lost, struct lm_err *err)
{
	struct lm_stack stack;
	lm_hr hr;

	*lost = false;
	c->check_due = false;
	/* an offline subsystem waits for take-backs: they come first */
	hr = lm_takebacks_settle(c, err);
	if (!lm_failed(hr))
		hr = lm_drift_list(c, &stack, err);
	if (lm_failed(hr))
		return hr;
	if (c->model->status != LM_SUBSYS_CACHE_CORRUPT && lm_stack_lost_all(c->model, &stack)) {
		*lost = true;
		lm_stack_clear(&stack);
		return LM_S_OK;
	}
	hr = lm_drift_compare(c, &stack, err);
	lm_stack_clear(&stack);
	return hr;
}

lm_hr lm_core_check_async(struct lm_core *c, struct lm_err *err)
{
	bool lost;
	lm_hr hr = check(c, &lost, err);

	if (lm_failed(hr) || !lost)
		return hr;
	lm_core_log(c, "the stack lost everything lunmap had put there (restarted empty?): "
		    "re-applying the %zu recorded associations", c->model->nassoc);
	return lm_action_begin(c, LM_ACTION_REAPPLY, err);
}

lm_hr lm_core_check(struct lm_core *c, struct lm_err *err)
{
	lm_hr hr = lm_core_check_async(c, err);
	const struct lm_err *result;

	if (lm_failed(hr) || lm_core_action_running(c) == LM_ACTION_IDLE)
		return hr;
	while (!lm_core_action_run(c, 1000))
		;
	lm_core_action_outcome(c, &result);
	if (err)
		*err = *result;
	return result->hr;
}

bool lm_core_check_due(const struct lm_core *c)
{
	return c->check_due;
}

/* The synchronous form, for lunmapctl and the tests. */
lm_hr lm_core_refresh(struct lm_core *c, enum lm_refresh how, struct lm_err *err)
{
	const struct lm_err *result;
	lm_hr hr = lm_core_action_start(c, how, err);

	if (lm_failed(hr))
		return hr;
	while (!lm_core_action_run(c, 1000))
		;
	lm_core_action_outcome(c, &result);
	if (err)
		*err = *result;
	return result->hr;
}
