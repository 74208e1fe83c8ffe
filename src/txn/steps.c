/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "deadline.h"
#include "pace.h"

/* A rollback's floor (round trips, the answer), and the least a step is
 * given to answer. */
#define LM_UNDO_FLOOR_MS 250
#define LM_STEP_MIN_WAIT_MS 20

/* A change that will finish, at the pace the stack goes now half as
 * slow again, before the deadline goes on although the rollback of all of
 * it would not fit too: what of that rollback does not fit in the SET
 * runs after the answer. Without this bet no change longer than about
 * two fifths of the master's timeout could ever apply (tgtd takes an LU
 * away more slowly than it adds one). */
#define LM_BET_MARGIN 1.5
/* A change on the bet ends this long before the deadline: its journal
 * record (now and then a compaction, with its fsyncs) is written after
 * the last step, and the answer must still be in time. */
#define LM_BET_FLOOR_MS 500

/* Every stack request waits at most a step's timeout (or at_least_ms,
 * for a listing or start-up), and never past the SET's deadline. */
void lm_core_deadline(struct lm_core *c, unsigned at_least_ms)
{
	unsigned ms = c->bconf.timeout_ms;

	if (ms < at_least_ms)
		ms = at_least_ms;
	lm_backend_timeout(c->backend, ms, ms > c->bconf.timeout_ms);
}

void lm_core_set_deadline(struct lm_core *c, long long deadline_ms)
{
	c->deadline = deadline_ms;
	lm_backend_deadline(c->backend, deadline_ms);
}

struct lm_step lm_step_inverse(const struct lm_step *s)
{
	struct lm_step r = *s;

	if (s->op == LM_STEP_ACCESS)
		r.readonly = !s->readonly;
	else
		r.op = s->op == LM_STEP_ADD ? LM_STEP_REMOVE : LM_STEP_ADD;
	return r;
}

struct lm_step *lm_steps_inverse(const struct lm_step *steps, size_t n)
{
	struct lm_step *inv = malloc((n + 1) * sizeof *inv);

	for (size_t k = 0; inv && k < n; k++)
		inv[k] = lm_step_inverse(&steps[n - 1 - k]);
	return inv;
}

static lm_hr run_one(struct lm_core *c, const struct lm_step *step, bool inverse,
		     struct lm_err *err)
{
	struct lm_lun *l = lm_model_lun(c->model, step->lun);
	struct lm_target *t = lm_model_target(c->model, step->target);
	struct lm_step s = inverse ? lm_step_inverse(step) : *step;
	lm_hr hr;

	if (t && s.op == LM_STEP_TARGET) {
		hr = lm_backend_create_target(c->backend, t, err);
		if (!lm_failed(hr))
			t->status = LM_ONLINE;
		return hr;
	}
	/* a removal with no LUN: an LU lunmap did not put there, which
	 * restore(4) withdraws (it has no inverse: restores are not rolled
	 * back) */
	if (t && !l && step->lun == 0 && s.op == LM_STEP_REMOVE && !inverse)
		return lm_backend_remove_lu(c->backend, t, s.number, NULL, err);
	if (!l || !t)
		return lm_err_set(err, LM_E_FAIL, "step names an unknown object");
	if (s.op == LM_STEP_ACCESS)
		return lm_backend_set_access(c->backend, t, s.number, l, s.readonly, err);
	if (s.op == LM_STEP_ADD)
		return lm_backend_add_lu(c->backend, t, s.number, l, err);
	return lm_backend_remove_lu(c->backend, t, s.number, l, err);
}

lm_hr lm_step_run(struct lm_core *c, const struct lm_step *s, struct lm_err *err)
{
	return run_one(c, s, false, err);
}

void lm_step_describe(struct lm_core *c, const struct lm_step *s, char *buf, size_t len)
{
	struct lm_lun *l = lm_model_lun(c->model, s->lun);
	struct lm_target *t = lm_model_target(c->model, s->target);

	if (s->op == LM_STEP_TARGET) {
		snprintf(buf, len, "make target %s and let its initiators in", t ? t->iqn : "?");
		return;
	}
	if (s->op == LM_STEP_ACCESS) {
		snprintf(buf, len, "make LUN %u (\"%s\") on %s %s", s->number, l ? l->name : "?",
			 t ? t->iqn : "?", s->readonly ? "read-only" : "read-write");
		return;
	}
	if (!l && s->lun == 0 && s->op == LM_STEP_REMOVE) {
		snprintf(buf, len, "withdraw LUN %u, which lunmap did not put there, from %s",
			 s->number, t ? t->iqn : "?");
		return;
	}
	snprintf(buf, len, "%s LUN \"%s\" %s %s as LUN %u", s->op == LM_STEP_ADD ? "add" : "remove",
		 l ? l->name : "?", s->op == LM_STEP_ADD ? "to" : "from", t ? t->iqn : "?",
		 s->number);
}

/* The kind of step that undoes each kind (pace.h budgets rollbacks). */
static const int inverse_of[LM_STEP_KINDS] = {
	[LM_STEP_ADD] = LM_STEP_REMOVE, [LM_STEP_REMOVE] = LM_STEP_ADD,
	[LM_STEP_ACCESS] = LM_STEP_ACCESS, [LM_STEP_TARGET] = LM_STEP_TARGET,
};

/* Whether a step of est ms can still start: it must end, half as slow
 * again, by the deadline (an undo cut short would be undoFailed; one
 * handed over is only later). */
static bool ends_in_time(const struct lm_core *c, double est)
{
	return c->deadline == LM_NO_DEADLINE ||
	       lm_now_ms() + (long long)(LM_BET_MARGIN * est) + LM_STEP_MIN_WAIT_MS <= c->deadline;
}

/* The same for undoing step s. */
static bool undo_fits(struct lm_core *c, const struct lm_pace *p, const struct lm_step *s)
{
	return ends_in_time(c, lm_pace_cost_us(p, inverse_of[s->op]) / 1000);
}

/* The steps that undo steps [0, left), in order, for the rollback that
 * goes on after the answer. */
static lm_hr hand_over(const struct lm_step *steps, size_t left, struct lm_tail *tail,
		       struct lm_err *err)
{
	struct lm_step *inv = lm_steps_inverse(steps, left);

	if (!inv)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for the rollback");
	tail->steps = inv;
	tail->n = left;
	return LM_S_OK;
}

enum undo_end { UNDONE, HANDED_OVER, UNDO_FAILED };

/* Undoes steps [0, *done) in reverse, after the failure of step failed
 * (first), with the whole deadline: the forward steps kept its time for
 * this, unless they bet on finishing. With tail, what does not fit, or
 * an undo the stack ran out of time for (ERROR_TIMEOUT: tried again,
 * patiently, after the answer), is left in tail and *done says how many
 * steps it undoes; else a failed undo is cacheCorrupt and err says so
 * (a refusal is the stack's answer: trying again changes nothing). *why_tail gets the reason of an
 * undo handed over after it failed. */
static enum undo_end undo_done(struct lm_core *c, struct lm_pace *pace, const struct lm_step *steps,
			       size_t *done, struct lm_tail *tail, const char *what, const char *why,
			       char *why_tail, size_t why_len, struct lm_err *err)
{
	struct lm_err undo, e;
	char undo_what[160];

	lm_backend_deadline(c->backend, c->deadline);
	/* the failed step's wait is not a rollback's pace */
	lm_pace_restart(pace);
	while (*done > 0) {
		const struct lm_step *s = &steps[*done - 1];

		if (tail && !undo_fits(c, pace, s) && !lm_failed(hand_over(steps, *done, tail, &e)))
			return HANDED_OVER;
		if (!lm_failed(run_one(c, s, true, &undo))) {
			lm_pace_step(pace, inverse_of[s->op], 0);
			--*done;
			continue;
		}
		lm_step_describe(c, s, undo_what, sizeof undo_what);
		if (tail && undo.hr == LM_HR_TIMEOUT && !lm_failed(hand_over(steps, *done, tail, &e))) {
			/* cut to size: the step first */
			if (snprintf(why_tail, why_len, "undoing step %s failed (%s), tried again after it",
				     undo_what, undo.msg) < 0)
				why_tail[0] = '\0';
			return HANDED_OVER;
		}
		c->model->status = LM_SUBSYS_CACHE_CORRUPT;
		/* what is left undone first: the text may be cut */
		lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT, "undoing step %s failed: %s; after %s: %s",
			   undo_what, undo.msg, what, why);
		return UNDO_FAILED;
	}
	return UNDONE;
}

/* What the steps not run yet (left[kind] of each) take at this pace. */
static double rest_us(const struct lm_pace *p, const size_t *left)
{
	double us = 0;

	for (int k = 0; k < LM_STEP_KINDS; k++)
		us += (double)left[k] * lm_pace_cost_us(p, k);
	return us;
}

/* Whether step i (of n) can still be tried: it must end, twice as slow
 * as its kind goes now, and the rollback of it and of every step before
 * it after it, at the pace the stack goes now times the margin real
 * rollbacks showed (pace.h), by the deadline; or, when the rollback may
 * outlast the answer (left != NULL), the whole rest of the change must
 * (LM_BET_MARGIN). The first step of a run, with nothing measured yet,
 * may take a third of what is left: costs learnt long ago must not
 * refuse every later SET. Sets the backend's deadline for the step;
 * false (and err, saying how far the steps got) when it cannot be
 * tried. */
static bool step_fits(struct lm_core *c, const struct lm_step *steps, size_t i, size_t n,
		      const struct lm_pace *p, const size_t *left, struct lm_err *err)
{
	long long now = lm_now_ms(), end, last = c->deadline - LM_UNDO_FLOOR_MS;
	double est, undo;

	if (c->deadline == LM_NO_DEADLINE)
		return true;
	est = lm_pace_cost_us(p, steps[i].op) / 1000;
	if (left && i > 0 &&
	    now + (long long)(LM_BET_MARGIN * rest_us(p, left) / 1000) + LM_STEP_MIN_WAIT_MS <=
		    c->deadline - LM_BET_FLOOR_MS) {
		lm_backend_deadline(c->backend, c->deadline - LM_BET_FLOOR_MS);
		return true;
	}
	undo = (lm_pace_undo_us(p) + lm_pace_cost_us(p, inverse_of[steps[i].op])) / 1000;
	end = last - (long long)(lm_pace_undo_margin(p) * undo);
	if (i == 0 && now + (long long)(2 * est) + LM_STEP_MIN_WAIT_MS > end)
		end = now + (last - now) / 3;
	/* room for a step twice as slow as expected: one cut short is one
	 * the stack may still carry out, with a take-back to send */
	if (now + (i ? (long long)(2 * est) : 0) + LM_STEP_MIN_WAIT_MS <= end) {
		lm_backend_deadline(c->backend, end);
		return true;
	}
	lm_err_set(err, LM_HR_TIMEOUT,
		   "the stack took %lld ms for %zu of %zu steps; the other %zu would not "
		   "finish, with their rollback, in the %lld ms left before the master's timeout "
		   "(a step now about %.1f ms, the rollback about %.0f ms)",
		   lm_pace_spent_ms(p), i, n, n - i, c->deadline - now > 0 ? c->deadline - now : 0,
		   est, undo);
	return false;
}

/* The forward steps until one fails or cannot be tried (*hr, first and
 * what say which and why): how many ran. */
static size_t run_forward(struct lm_core *c, const struct lm_step *steps, size_t n,
			  struct lm_pace *pace, bool tail, lm_hr *hr, struct lm_err *first,
			  char *what, size_t what_len)
{
	size_t left[LM_STEP_KINDS] = { 0 }, i;
	char step[160];

	for (i = 0; i < n; i++)
		left[steps[i].op]++;
	for (i = 0; i < n; i++) {
		if (!step_fits(c, steps, i, n, pace, tail ? left : NULL, first)) {
			snprintf(what, what_len, "stopping before step %zu of %zu", i + 1, n);
			*hr = first->hr;
			return i;
		}
		if (!lm_failed(run_one(c, &steps[i], false, first))) {
			lm_pace_step(pace, steps[i].op, 1);
			left[steps[i].op]--;
			continue;
		}
		lm_step_describe(c, &steps[i], step, sizeof step);
		snprintf(what, what_len, "step %zu of %zu (%s) failed", i + 1, n, step);
		/* the stack's own code (a converted errno from configfs, a
		 * timeout) when it gave one, E_FAIL otherwise */
		*hr = lm_hr_is_system(first->hr) ? first->hr : LM_E_FAIL;
		if (first->hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT) {
			/* the backend could not take back its half of the step:
			 * the earlier steps are still undone, but nothing can
			 * say "not done" */
			c->model->status = LM_SUBSYS_CACHE_CORRUPT;
			*hr = first->hr;
			snprintf(what, what_len, "step %zu of %zu (%s) left part of it", i + 1, n,
				 step);
		}
		return i;
	}
	*hr = LM_S_OK;
	return n;
}

/* What the rollback of the steps done says, and the pace it learns
 * from: failed steps were done, left of them were handed over. */
static lm_hr tell_rollback(struct lm_core *c, struct lm_pace *pace, enum undo_end end, lm_hr hr,
			   size_t failed, size_t left, const char *what, const char *why,
			   const char *why_tail, double undo_us, long long t0, struct lm_err *err)
{
	double took_us = (double)(lm_now_us() - t0), part;

	if (end == UNDO_FAILED)
		hr = LM_VDS_E_PROVIDER_CACHE_CORRUPT;
	else if (end == HANDED_OVER)
		lm_err_set(err, hr, "rolled back %zu of %zu step(s), the other %zu after this answer "
			   "(offline until they are%s%s): %s: %s", failed - left, failed, left,
			   *why_tail ? "; " : "", why_tail, what, why);
	else if (hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT)
		lm_err_set(err, hr, "%s: %s; the earlier steps were rolled back", what, why);
	else
		lm_err_set(err, hr, "rolled back, nothing changed: %s: %s", what, why);
	/* a rollback cut short by the deadline ran slower than it shows; of
	 * one handed over, the part that ran, at its share of the estimate */
	part = failed ? (double)(failed - left) / (double)failed : 0;
	if (end == HANDED_OVER)
		lm_pace_undo_took(pace, failed - left, part * undo_us, took_us);
	else
		lm_pace_undo_took(pace, failed, undo_us, end == UNDONE ? took_us : 1.5 * took_us);
	lm_pace_end(pace);
	if (failed)
		lm_core_log(c, "%s: %zu step(s) undone in %.0f ms (%.0f ms expected; rollbacks now budgeted at %.2f times)%s",
			    what, failed - left, took_us / 1000, part * undo_us / 1000,
			    lm_pace_undo_margin(pace),
			    end == HANDED_OVER ? "; the rest goes on after the answer" : "");
	return hr;
}

static lm_hr run_steps(struct lm_core *c, const struct lm_step *steps, size_t n,
		       struct lm_tail *tail, struct lm_err *err)
{
	struct lm_pace pace;
	struct lm_err first;
	char what[LM_ERR_MSG_MAX], why[LM_ERR_MSG_MAX], why_tail[LM_ERR_MSG_MAX] = "";
	lm_hr hr;
	long long t0;
	double undo_us;
	enum undo_end end;
	size_t failed, left;

	lm_pace_start(&pace, &c->costs, inverse_of);
	failed = run_forward(c, steps, n, &pace, tail != NULL, &hr, &first, what, sizeof what);
	if (failed == n) {
		lm_pace_end(&pace);
		lm_backend_deadline(c->backend, c->deadline);
		return LM_S_OK;
	}
	snprintf(why, sizeof why, "%s", first.msg);
	undo_us = lm_pace_undo_us(&pace);
	t0 = lm_now_us();
	left = failed;
	/* a failed undo says so itself (what stays undone first); the
	 * verdict comes first here too: a manager may see 255 bytes */
	end = undo_done(c, &pace, steps, &left, tail, what, why, why_tail, sizeof why_tail, err);
	hr = tell_rollback(c, &pace, end, hr, failed, left, what, why, why_tail, undo_us, t0, err);
	if (err)
		err->at = failed < n ? failed : n - 1;
	return hr;
}

lm_hr lm_steps_run(struct lm_core *c, const struct lm_step *steps, size_t n, struct lm_err *err)
{
	return run_steps(c, steps, n, NULL, err);
}

lm_hr lm_steps_apply(struct lm_core *c, const struct lm_step *steps, size_t n,
		     struct lm_tail *tail, struct lm_err *err)
{
	tail->steps = NULL;
	tail->n = 0;
	return run_steps(c, steps, n, c->action ? NULL : tail, err);
}

/* The steps of an undo that the saved state already has: they go forward
 * only. What does not fit before the deadline, or a step the stack ran
 * out of time for (tried again, patiently, after the answer), is left in
 * tail, from the first step not done; a step it refuses fails it. */
lm_hr lm_steps_finish(struct lm_core *c, const struct lm_step *steps, size_t n,
		      struct lm_tail *tail, struct lm_err *err)
{
	struct lm_pace pace;
	struct lm_err e;
	size_t i;
	lm_hr hr = LM_S_OK;

	tail->steps = NULL;
	tail->n = 0;
	if (c->action)
		return lm_steps_run(c, steps, n, err);
	lm_pace_start(&pace, &c->costs, inverse_of);
	for (i = 0; i < n; i++) {
		if (!ends_in_time(c, lm_pace_cost_us(&pace, steps[i].op) / 1000) ||
		    lm_failed(hr = run_one(c, &steps[i], false, &e)))
			break;
		lm_pace_step(&pace, steps[i].op, 1);
	}
	lm_pace_end(&pace);
	if (i == n)
		return LM_S_OK;
	/* a refusal is the stack's answer; a timeout, only later */
	if (lm_failed(hr) && hr != LM_HR_TIMEOUT)
		return lm_err_set(err, hr, "%s", e.msg);
	tail->steps = malloc((n - i) * sizeof *tail->steps);
	if (!tail->steps)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for the rest of the undo");
	memcpy(tail->steps, steps + i, (n - i) * sizeof *tail->steps);
	tail->n = n - i;
	return LM_S_OK;
}

/* The take-backs of steps the stack did not answer in time (it may still
 * carry them out when it resumes: the backend queues what undoes them)
 * are sent before any new change; while some wait, nothing changes and
 * the subsystem is offline (the stack may show an LU lunmap took back). */
lm_hr lm_takebacks_settle(struct lm_core *c, struct lm_err *err)
{
	struct lm_err e;
	size_t n = lm_backend_pending(c->backend);

	if (!n) {
		/* any request to the stack sends them first (a look, a
		 * listing): drained there, they leave nothing to wait for
		 * (a rollback that outlived its SET ends offline itself) */
		if (c->model->status == LM_SUBSYS_OFFLINE && !c->action)
			c->model->status = LM_SUBSYS_ONLINE;
		return LM_S_OK;
	}
	if (lm_failed(lm_backend_flush(c->backend, &e)))
		return lm_err_set(err, LM_HR_TIMEOUT, "%s; nothing was changed", e.msg);
	if (c->model->status == LM_SUBSYS_OFFLINE && !c->action)
		c->model->status = LM_SUBSYS_ONLINE;
	lm_core_log(c, "the stack answered again: %zu take-back(s) done", n);
	return LM_S_OK;
}

/* After a failed change: what the stack has not answered is taken back
 * now, within the deadline, or the subsystem is offline until it is (a
 * failed call must change nothing an initiator can see). The intent
 * record of the change stays on disk until the next change, which waits
 * for these: a restart settles its LUNs from it. */
void lm_takebacks_after_failure(struct lm_core *c, struct lm_err *err)
{
	struct lm_err e;
	char was[LM_ERR_MSG_MAX];

	if (!lm_backend_pending(c->backend) || !lm_failed(lm_backend_flush(c->backend, &e)))
		return;
	if (c->model->status == LM_SUBSYS_ONLINE)
		c->model->status = LM_SUBSYS_OFFLINE;
	if (!err)
		return;
	snprintf(was, sizeof was, "%s", err->msg);
	lm_err_set(err, err->hr, "%s; %s: offline until tgtd answers%s", was, e.msg,
		   c->action ? " and the rollback has run" : "");
}
