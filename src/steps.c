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

/* Every stack request waits at most a step's timeout (or at_least_ms,
 * for a listing or start-up), and never past the SET's deadline. */
void lm_core_deadline(struct lm_core *c, unsigned at_least_ms)
{
	unsigned ms = c->bconf.timeout_ms;

	if (!c->backend->ops->set_timeout)
		return;
	if (ms < at_least_ms)
		ms = at_least_ms;
	c->backend->ops->set_timeout(c->backend, ms, ms > c->bconf.timeout_ms);
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

lm_hr lm_backend_set_access(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			    const struct lm_lun *lun, bool readonly, struct lm_err *err)
{
	if (!b->ops->set_access)
		return lm_err_set(err, LM_VDS_E_NOT_SUPPORTED,
				  "the %s backend cannot make a LUN read-only", b->ops->name);
	return b->ops->set_access(b, t, number, lun, readonly, err);
}

static lm_hr run_one(struct lm_core *c, const struct lm_step *step, bool inverse,
		     struct lm_err *err)
{
	struct lm_lun *l = lm_model_lun(c->model, step->lun);
	struct lm_target *t = lm_model_target(c->model, step->target);
	struct lm_step s = inverse ? lm_step_inverse(step) : *step;
	lm_hr hr;

	if (t && s.op == LM_STEP_TARGET) {
		hr = c->backend->ops->create_target(c->backend, t, err);
		if (!lm_failed(hr))
			t->status = LM_ONLINE;
		return hr;
	}
	/* a removal with no LUN: an LU lunmap did not put there, which
	 * restore(4) withdraws (it has no inverse: restores are not rolled
	 * back) */
	if (t && !l && step->lun == 0 && s.op == LM_STEP_REMOVE && !inverse)
		return c->backend->ops->remove_lu(c->backend, t, s.number, NULL, err);
	if (!l || !t)
		return lm_err_set(err, LM_E_FAIL, "step names an unknown object");
	if (s.op == LM_STEP_ACCESS)
		return lm_backend_set_access(c->backend, t, s.number, l, s.readonly, err);
	if (s.op == LM_STEP_ADD)
		return c->backend->ops->add_lu(c->backend, t, s.number, l, err);
	return c->backend->ops->remove_lu(c->backend, t, s.number, l, err);
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

/* Undoes steps [0, done) in reverse, after the failure of step failed
 * (first), with the whole deadline: the forward steps kept its time for
 * this. err already says why the steps stopped; a failed undo replaces
 * it with the truth. */
static lm_hr undo_done(struct lm_core *c, struct lm_pace *pace, const struct lm_step *steps,
		       size_t done, const char *what, const char *why, lm_hr hr,
		       struct lm_err *err)
{
	struct lm_err undo;
	char undo_what[160];

	lm_backend_deadline(c->backend, c->deadline);
	while (done-- > 0) {
		if (!lm_failed(run_one(c, &steps[done], true, &undo))) {
			lm_pace_step(pace, inverse_of[steps[done].op], 0);
			continue;
		}
		lm_step_describe(c, &steps[done], undo_what, sizeof undo_what);
		c->model->status = LM_SUBSYS_CACHE_CORRUPT;
		/* what is left undone first: the text may be cut */
		return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
				  "undoing step %s failed: %s; after %s: %s", undo_what, undo.msg,
				  what, why);
	}
	return hr;
}

/* Whether step i (of n) can still be tried: it must end, twice as slow
 * as its kind goes now, and the rollback of it and of every step before
 * it after it, at the pace the stack goes now times the margin real
 * rollbacks showed (pace.h), by the deadline. The first
 * step of a run, with nothing measured yet, may take a third of what is
 * left: costs learnt long ago must not refuse every later SET. Sets the
 * backend's deadline for the step; false (and err, saying how far the
 * steps got) when it cannot be tried. */
static bool step_fits(struct lm_core *c, const struct lm_step *steps, size_t i, size_t n,
		      const struct lm_pace *p, struct lm_err *err)
{
	long long now = lm_now_ms(), end;
	double est, undo;

	if (c->deadline == LM_NO_DEADLINE)
		return true;
	est = lm_pace_cost_us(p, steps[i].op) / 1000;
	undo = (lm_pace_undo_us(p) + lm_pace_cost_us(p, inverse_of[steps[i].op])) / 1000;
	end = c->deadline - LM_UNDO_FLOOR_MS - (long long)(lm_pace_undo_margin(p) * undo);
	if (i == 0 && now + (long long)(2 * est) + LM_STEP_MIN_WAIT_MS > end)
		end = now + (c->deadline - LM_UNDO_FLOOR_MS - now) / 3;
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

lm_hr lm_steps_run(struct lm_core *c, const struct lm_step *steps, size_t n, struct lm_err *err)
{
	struct lm_pace pace;
	struct lm_err first;
	char step[160], what[LM_ERR_MSG_MAX], why[LM_ERR_MSG_MAX];
	lm_hr hr = LM_S_OK;
	long long t0;
	double undo_us, took_us;
	bool undone;
	size_t failed;

	lm_pace_start(&pace, &c->costs, inverse_of);
	for (failed = 0; failed < n; failed++) {
		if (!step_fits(c, steps, failed, n, &pace, &first)) {
			snprintf(what, sizeof what, "stopping before step %zu of %zu", failed + 1, n);
			hr = first.hr;
			break;
		}
		if (!lm_failed(run_one(c, &steps[failed], false, &first))) {
			lm_pace_step(&pace, steps[failed].op, 1);
			continue;
		}
		lm_step_describe(c, &steps[failed], step, sizeof step);
		snprintf(what, sizeof what, "step %zu of %zu (%s) failed", failed + 1, n, step);
		/* the stack's own code (a converted errno from configfs, a
		 * timeout) when it gave one, E_FAIL otherwise */
		hr = lm_hr_is_system(first.hr) ? first.hr : LM_E_FAIL;
		if (first.hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT) {
			/* the backend could not take back its half of the step:
			 * the earlier steps are still undone, but nothing can
			 * say "not done" */
			c->model->status = LM_SUBSYS_CACHE_CORRUPT;
			hr = first.hr;
			snprintf(what, sizeof what, "step %zu of %zu (%s) left part of it", failed + 1,
				 n, step);
		}
		break;
	}
	if (failed == n) {
		lm_pace_end(&pace);
		lm_backend_deadline(c->backend, c->deadline);
		return LM_S_OK;
	}
	snprintf(why, sizeof why, "%s", first.msg);
	undo_us = lm_pace_undo_us(&pace);
	t0 = lm_now_us();
	/* a failed undo says so itself (what stays undone first); the
	 * verdict comes first here too: a manager may see 255 bytes */
	undone = undo_done(c, &pace, steps, failed, what, why, hr, err) == hr;
	if (!undone)
		hr = LM_VDS_E_PROVIDER_CACHE_CORRUPT;
	else if (hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT)
		lm_err_set(err, hr, "%s: %s; the earlier steps were rolled back", what, why);
	else
		lm_err_set(err, hr, "rolled back, nothing changed: %s: %s", what, why);
	/* a rollback cut short by the deadline ran slower than it shows */
	took_us = (double)(lm_now_us() - t0);
	lm_pace_undo_took(&pace, failed, undo_us, undone ? took_us : 1.5 * took_us);
	lm_pace_end(&pace);
	if (failed)
		lm_core_log(c, "%s: %zu step(s) undone in %.0f ms (%.0f ms expected; rollbacks now budgeted at %.2f times)",
			    what, failed, took_us / 1000, undo_us / 1000, lm_pace_undo_margin(&pace));
	if (err)
		err->at = failed < n ? failed : n - 1;
	return hr;
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
		 * listing): drained there, they leave nothing to wait for */
		if (c->model->status == LM_SUBSYS_OFFLINE)
			c->model->status = LM_SUBSYS_ONLINE;
		return LM_S_OK;
	}
	if (lm_failed(lm_backend_flush(c->backend, &e)))
		return lm_err_set(err, LM_HR_TIMEOUT, "%s; nothing was changed", e.msg);
	if (c->model->status == LM_SUBSYS_OFFLINE)
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
	lm_err_set(err, err->hr, "%s; %s: offline until tgtd answers", was, e.msg);
}
