/* SPDX-License-Identifier: BSD-3-Clause */
/* A batch applied and reverted: intent, steps, journal record, and the
 * rollback that goes on after the answer when it does not fit. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "deadline.h"
#include "plan.h"

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

uint32_t lm_assoc_number_in(const struct lm_assoc *v, size_t n, uint32_t target)
{
	const struct lm_assoc *a = lm_links_find(&(struct lm_links){ (struct lm_assoc *)v, n, 0 },
						 target);

	return a ? a->number : 0;
}

static void model_set(struct lm_core *c, struct lm_batch *b, bool forward)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct lm_batch_item *it = &b->items[i];
		struct lm_lun *lun = lm_model_lun(c->model, it->lun);
		const uint32_t *drop = forward ? it->diff.removed : it->diff.added;
		const uint32_t *take = forward ? it->diff.added : it->diff.removed;
		size_t ndrop = forward ? it->diff.nremoved : it->diff.nadded;
		size_t ntake = forward ? it->diff.nadded : it->diff.nremoved;
		for (size_t j = 0; j < ndrop; j++)
			lm_model_unlink(c->model, lun, lm_model_target(c->model, drop[j]));
		for (size_t j = 0; j < ntake; j++)
			lm_model_link(c->model, lun, lm_model_target(c->model, take[j]),
				      forward ? lm_assoc_number_in(it->new, it->nnew, take[j])
					      : lm_assoc_number_in(it->old, it->nold, take[j]));
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
	struct lm_step *inv = lm_steps_inverse(b->steps, b->nsteps);
	struct lm_tail tail;
	lm_hr hr;

	*later = 0;
	if (!inv)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
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
size_t lm_batch_change_of_step(const struct lm_batch *b, size_t i)
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
		const struct lm_batch_item *it = &b->items[i];
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
			err->at = lm_batch_change_of_step(b, at);
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
