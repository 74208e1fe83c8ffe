/* SPDX-License-Identifier: BSD-3-Clause */
/* SETs: one PDU is one transaction. RESERVE1 checks each varbind alone
 * with net-snmp's checks (check.c), RESERVE2 hands all of them to the core as one
 * batch (the core plans each LUN's new set and finds conflicts), ACTION
 * applies it, UNDO reverts it, COMMIT only tells, FREE releases:
 * CleanupSet gets no answer over AgentX, so nothing may fail after ACTION. */
#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "deadline.h"

#define STALE_SET_SECONDS 30

struct pending_set {
	long transid;
	time_t since;
	struct lm_change *changes;
	/* the varbind of each change, valid in RESERVE2 only: each phase
	 * of a real AgentX SET comes with new request structures */
	netsnmp_request_info **from;
	int *from_index; /* the 1-based varbind index of each change, for later phases */
	lm_guid **lists;             /* the lists the SET changes point into */
	size_t n;
	struct lm_batch *batch;
	int refresh; /* 0, or LM_REFRESH / LM_REENUMERATE */
	netsnmp_request_info *refresh_vb, *lock_vb; /* RESERVE2 only */
	int refresh_index; /* 1-based, 0: no refresh */
	bool locked;       /* the PDU carried lunmapSpinLock */
	bool force;  /* lunmapSubsystemForce = force(2) in the PDU */
	/* the SET's one deadline (design §5, time rules), from RESERVE1 */
	long long deadline;
	bool applied, started; /* the batch applied; the action started */
	bool reserved; /* RESERVE2 ran, with this status */
	int reserve_status;
	bool acted;    /* ACTION ran (a repeated one returns its status) */
	int action_status;
};

/* The LUN a varbind is about (0: none). */
static uint32_t lun_of(const netsnmp_request_info *r)
{
	struct inst in;

	if (!r || lunmapd_parse_oid(r->requestvb->name, r->requestvb->name_length, &in))
		return 0;
	return in.g == G_LUN || in.g == G_ASSOC ? in.i1 : 0;
}

/* Every refusal goes through here: the SNMP status on the varbind r, the
 * HRESULT and its text in lunmapLastErrorCode/Text (and the LUN's own
 * code when there is one), so that no refusal leaves an earlier SET's
 * code behind. */
static int refuse(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		  netsnmp_request_info *r, int status, lm_hr hr, uint32_t lun, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static int refuse(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		  netsnmp_request_info *r, int status, lm_hr hr, uint32_t lun, const char *fmt, ...)
{
	char text[sizeof d->last_error_text];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	DEBUGMSGTL(("lunmap:set", "refused with %d: %s (0x%08X): %s\n", status, lm_hr_name(hr), hr,
		    text));
	if (!lun)
		lun = lun_of(r);
	lunmapd_record_error(d, hr, lun, text);
	if (lun && lm_core_lun(d->core, lun))
		lm_core_set_lun_error(d->core, lun, hr);
	/* undoFailed too names a varbind, although RFC 3416 4.2.5 wants
	 * error-index 0 for it: net-snmp's AgentX master turns a subagent's
	 * index 0 into genErr on the first varbind (agentx_got_response),
	 * which would hide the undoFailed */
	if (r)
		netsnmp_set_request_error(reqinfo, r, status);
	return status;
}

static void free_pending(struct pending_set *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->lists[i]);
	free(p->lists);
	free(p->changes);
	free(p->from);
	free(p->from_index);
	lm_batch_free(p->batch);
	free(p);
}

/* The core change a varbind asks for; false for one that asks none. */
static bool change_of(struct lunmapd *d, const struct inst *in, const netsnmp_variable_list *vb,
		      struct lm_change *ch, lm_guid **list, struct lm_err *err)
{
	memset(ch, 0, sizeof *ch);
	ch->lun = *lm_lun_id(lm_core_lun(d->core, in->i1));
	if (in->g == G_LUN) {
		ch->kind = LM_CHANGE_SET;
		if (lm_guids_from_bytes(vb->val.string, vb->val_len, list, &ch->ntargets, err))
			return true;
		ch->targets = *list;
		return true;
	}
	ch->target = *lm_target_id(lm_core_target(d->core, in->i2));
	if (in->col == A_NUMBER) {
		ch->kind = LM_CHANGE_NUMBER;
		ch->number = (uint32_t)*vb->val.integer;
		return true;
	}
	if (in->col == A_ACCESS) {
		ch->kind = LM_CHANGE_ACCESS;
		ch->readonly = *vb->val.integer == ACCESS_RO;
		return true;
	}
	if (*vb->val.integer == RS_ACTIVE)
		return false; /* an existing row stays as it is */
	ch->kind = *vb->val.integer == RS_DESTROY ? LM_CHANGE_REMOVE : LM_CHANGE_ADD;
	return true;
}

static int fail_core(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		     netsnmp_request_info *r, const struct lm_err *err, enum lm_phase phase)
{
	return refuse(d, reqinfo, r, lunmapd_snmp_error(err, phase), err->hr, 0, "%s", err->msg);
}

static int alloc_changes(struct pending_set *p, netsnmp_request_info *requests)
{
	size_t n = 0;

	for (netsnmp_request_info *r = requests; r; r = r->next)
		n++;
	p->changes = calloc(n + 1, sizeof *p->changes);
	p->from = calloc(n + 1, sizeof *p->from);
	p->from_index = calloc(n + 1, sizeof *p->from_index);
	p->lists = calloc(n + 1, sizeof *p->lists);
	return p->changes && p->from && p->from_index && p->lists ? 0 : -1;
}

/* The subsystem scalars a SET may carry beside its changes. */
static void scalar_of(struct pending_set *p, const struct inst *in, netsnmp_request_info *r)
{
	long v = *r->requestvb->val.integer;

	switch (in->col) {
	case S_REFRESH:
		p->refresh = v == 1 ? 0 : (int)v;
		p->refresh_vb = p->refresh ? r : NULL;
		p->refresh_index = p->refresh ? r->index : 0;
		break;
	case S_SPINLOCK:
		p->lock_vb = r;
		p->locked = true;
		break;
	case S_FORCE:
		p->force = v == FORCE_FORCE;
		break;
	}
}

/* RESERVE2: the whole PDU as one batch, validated by the core. */
static int reserve2(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		    netsnmp_request_info *requests)
{
	struct pending_set *p = d->set;
	struct lm_err err;

	lm_err_clear(&err);
	if (alloc_changes(p, requests)) {
		lm_err_set(&err, LM_E_OUTOFMEMORY, "no memory for the SET");
		return fail_core(d, reqinfo, requests, &err, LM_PHASE_VALIDATE);
	}
	for (netsnmp_request_info *r = requests; r; r = r->next) {
		struct inst in;
		lunmapd_parse_oid(r->requestvb->name, r->requestvb->name_length, &in);
		if (in.g == G_SUBSYSTEM) {
			scalar_of(p, &in, r);
			continue;
		}
		if (!change_of(d, &in, r->requestvb, &p->changes[p->n], &p->lists[p->n], &err))
			continue;
		if (lm_failed(err.hr))
			return fail_core(d, reqinfo, r, &err, LM_PHASE_VALIDATE);
		p->from_index[p->n] = r->index;
		p->from[p->n++] = r;
	}
	DEBUGMSGTL(("lunmap:set", "RESERVE2: %zu changes, refresh %d\n", p->n, p->refresh));
	/* a stale lunmapSpinLock: another manager's SET came in between
	 * this manager's read and its SET (RFC 2579 TestAndIncr) */
	if (p->lock_vb && *p->lock_vb->requestvb->val.integer != d->spinlock)
		return refuse(d, reqinfo, p->lock_vb, SNMP_ERR_INCONSISTENTVALUE, LM_HR_LOCK_VIOLATION,
			      0, "lunmapSpinLock.0: %ld is stale (now %ld): another manager changed the "
			      "subsystem since it was read; read it again",
			      *p->lock_vb->requestvb->val.integer, d->spinlock);
	/* a refresh adopts the stack as it is: a change in the same PDU would
	 * apply or not depending on the order (RFC 3416 wants one result) */
	if (p->refresh && p->n)
		return refuse(d, reqinfo, p->n && p->from[0]->index > p->refresh_vb->index
						  ? p->from[0] : p->refresh_vb,
			      SNMP_ERR_INCONSISTENTVALUE, LM_E_INVALIDARG, 0,
			      "lunmapSubsystemRefresh and a change of associations in one SET: send "
			      "them apart");
	for (size_t i = 0; i < p->n; i++)
		p->changes[i].force = p->force;
	if (p->refresh && lm_core_action_running(d->core) != LM_ACTION_IDLE)
		return refuse(d, reqinfo, p->refresh_vb, SNMP_ERR_RESOURCEUNAVAILABLE,
			      LM_VDS_E_ANOTHER_CALL_IN_PROGRESS, 0,
			      "lunmapSubsystemRefresh: an action is running; wait until it reads "
			      "idle(1)");
	if (p->n && lm_batch_prepare(d->core, p->changes, p->n, &p->batch, &err) != LM_S_OK)
		return fail_core(d, reqinfo, err.at < p->n ? p->from[err.at] : requests, &err,
				 LM_PHASE_VALIDATE);
	return SNMP_ERR_NOERROR;
}

/* This phase's request of the varbind with that index (the first when
 * none has it). */
static netsnmp_request_info *request_at(netsnmp_request_info *requests, int index)
{
	for (netsnmp_request_info *r = requests; r; r = r->next)
		if (r->index == index)
			return r;
	return requests;
}

static int action(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		  netsnmp_request_info *requests)
{
	struct pending_set *p = d->set;
	struct lm_err err;
	int status = SNMP_ERR_NOERROR;

	if (p->acted) {
		/* a master that timed out may send the phase again: the batch
		 * is applied once */
		snmp_log(LOG_WARNING, "lunmapd: ACTION of transaction %ld repeated: ignored\n",
			 p->transid);
		return p->action_status;
	}
	p->acted = true;
	if (p->batch) {
		/* the error index names the varbind whose change failed (the
		 * first of its LUN), or the first change for a failed save */
		if (lm_batch_apply(d->core, p->batch, &err) != LM_S_OK)
			status = fail_core(d, reqinfo,
					   request_at(requests, p->from_index[err.at < p->n ? err.at : 0]),
					   &err, LM_PHASE_APPLY);
		else
			p->applied = true;
	}
	if (!status && p->refresh) {
		/* started, not done: the work runs between requests, and
		 * lunmapSubsystemRefresh, lunmapActionResult and
		 * lunmapActionCompleted tell how it ends */
		if (lm_core_action_start(d->core, p->refresh, &err) != LM_S_OK)
			status = fail_core(d, reqinfo, request_at(requests, p->refresh_index), &err,
					   LM_PHASE_APPLY);
		else
			p->started = true;
	}
	DEBUGMSGTL(("lunmap:set", "ACTION: %s\n", status ? "failed" : "applied"));
	p->action_status = status;
	if (status)
		lunmapd_notify_failed(d);
	lunmapd_notify_status(d);
	return status;
}

/* COMMIT: the change stays; tell. */
static void commit(struct lunmapd *d)
{
	struct pending_set *p = d->set;
	bool changed = false;

	for (size_t i = 0; p->applied && i < lm_batch_count(p->batch); i++) {
		const struct lm_diff *df = lm_batch_diff(p->batch, i);
		/* an access change breaks or restores every write of the
		 * target's initiators: a change like any other */
		if (!df->nadded && !df->nremoved && !df->naccess)
			continue;
		changed = true;
		lunmapd_notify_changed(d, df->lun_index);
	}
	/* TestAndIncr: a SET that carried the lock moves it */
	if (p->locked)
		d->spinlock = d->spinlock == 2147483647 ? 0 : d->spinlock + 1;
	if (changed)
		d->last_change = netsnmp_get_agent_uptime();
	lunmapd_notify_status(d);
}

static void undo(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		 netsnmp_request_info *requests)
{
	struct lm_err err;

	/* an action started by this SET has not run yet (its slices wait
	 * until the SET ends) */
	if (d->set->started)
		lm_core_action_cancel(d->core);
	if (!d->set->applied)
		return;
	if (lm_batch_revert(d->core, d->set->batch, &err) == LM_S_OK) {
		d->set->applied = false;
		return;
	}
	fail_core(d, reqinfo, requests, &err, LM_PHASE_APPLY);
	lunmapd_notify_failed(d);
	lunmapd_notify_status(d);
}

static long transid_of(netsnmp_agent_request_info *reqinfo)
{
	return reqinfo->asp && reqinfo->asp->pdu ? reqinfo->asp->pdu->transid : 0;
}

static int reserve1(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		    netsnmp_request_info *requests)
{
	if (d->set && time(NULL) - d->set->since > STALE_SET_SECONDS) {
		/* the master never finished that one */
		snmp_log(LOG_WARNING, "lunmapd: transaction %ld never finished: dropped\n",
			 d->set->transid);
		lunmapd_set_abandon(d);
	}
	if (d->set && d->set->transid != transid_of(reqinfo))
		return refuse(d, reqinfo, requests, SNMP_ERR_RESOURCEUNAVAILABLE,
			      LM_VDS_E_ANOTHER_CALL_IN_PROGRESS, 0, "another SET is in progress");
	if (d->set && d->set->acted) {
		snmp_log(LOG_WARNING, "lunmapd: RESERVE1 of transaction %ld after its ACTION: ignored\n",
			 d->set->transid);
		return SNMP_ERR_NOERROR;
	}
	if (d->set) {
		/* RESERVE1 again for the pending transaction: start over */
		free_pending(d->set);
		d->set = NULL;
	}
	for (netsnmp_request_info *r = requests; r; r = r->next) {
		struct lunmapd_verdict v;
		struct inst in;
		if (lunmapd_check_varbind(d, r->requestvb, &in, &v) == SNMP_ERR_NOERROR)
			continue;
		return refuse(d, reqinfo, r, v.status, v.hr,
			      in.g == G_LUN || in.g == G_ASSOC ? in.i1 : 0,
			      "%s: %s", lunmapd_describe(&in, r->requestvb), v.why);
	}
	d->set = calloc(1, sizeof *d->set);
	if (!d->set)
		return refuse(d, reqinfo, requests, SNMP_ERR_RESOURCEUNAVAILABLE, LM_E_OUTOFMEMORY, 0,
			      "no memory for the SET");
	d->set->transid = transid_of(reqinfo);
	d->set->since = time(NULL);
	/* one deadline for all of the SET's work, with a margin for the
	 * answer itself: the master gives up on us after its timeout */
	d->set->deadline = lunmapd_set_deadline(d);
	return SNMP_ERR_NOERROR;
}

/* A SET read right after the drift check held requests up may have been
 * sent when the check began: the master's clock started then, so the
 * SET's does too (its answer comes in time, if sooner). */
#define LUNMAPD_HELD_SLACK_MS 100

long long lunmapd_set_deadline(const struct lunmapd *d)
{
	unsigned s = d->agentx_timeout ? d->agentx_timeout : LUNMAPD_AGENTX_TIMEOUT;
	long long now = lm_now_ms(), from = now;

	if (d->held_to && now - d->held_to <= LUNMAPD_HELD_SLACK_MS)
		from = d->held_from;
	return from + s * 1000LL - LUNMAPD_ANSWER_MARGIN_MS;
}

/* The master will not finish the SET (its session ended, or it never
 * sent the last phases): the manager was told genErr or nothing, so an
 * applied change is undone, within a fresh deadline, and the failure is
 * told like any other. An action the SET started is dropped unstarted. */
void lunmapd_set_abandon(struct lunmapd *d)
{
	struct lm_err err;

	if (!d->set)
		return;
	if (d->set->started)
		lm_core_action_cancel(d->core);
	if (d->set->applied) {
		lm_core_set_deadline(d->core, lunmapd_set_deadline(d));
		if (lm_batch_revert(d->core, d->set->batch, &err) == LM_S_OK)
			lm_err_set(&err, LM_E_FAIL, "the master ended SET %ld before it was "
				   "finished (the manager was told genErr or nothing): undone",
				   d->set->transid);
		lm_core_set_deadline(d->core, 0);
		lunmapd_record_error(d, err.hr, 0, err.msg);
		lunmapd_notify_failed(d);
		lunmapd_notify_status(d);
	}
	free_pending(d->set);
	d->set = NULL;
}

static const char *const phase_names[] = {
	[MODE_SET_RESERVE1] = "RESERVE1", [MODE_SET_RESERVE2] = "RESERVE2",
	[MODE_SET_ACTION] = "ACTION",     [MODE_SET_COMMIT] = "COMMIT",
	[MODE_SET_FREE] = "FREE",         [MODE_SET_UNDO] = "UNDO",
};

/* Whether a phase after RESERVE1 belongs to the pending SET. One that
 * does not (repeated after the SET ended, or of another transaction,
 * like the FREE of a SET refused as "in progress") must not touch it. */
static bool ours(struct lunmapd *d, netsnmp_agent_request_info *reqinfo)
{
	int mode = reqinfo->mode;
	const char *name = mode >= 0 && mode <= MODE_SET_UNDO ? phase_names[mode] : NULL;

	if (d->set && d->set->transid == transid_of(reqinfo))
		return true;
	/* the FREE that follows a COMMIT or a refused RESERVE1 finds nothing */
	if (mode != MODE_SET_FREE)
		snmp_log(LOG_INFO, "lunmapd: SET phase %s of transaction %ld without its RESERVE1: ignored\n",
		 name ? name : "?", transid_of(reqinfo));
	return false;
}

int lunmapd_set(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		netsnmp_request_info *requests)
{
	int mode = reqinfo->mode;

	DEBUGMSGTL(("lunmap:set", "SET phase %d, transaction %ld at %lld\n", mode, transid_of(reqinfo), lm_now_ms()));
	if (mode == MODE_SET_RESERVE1)
		return reserve1(d, reqinfo, requests);
	if (!ours(d, reqinfo)) {
		/* nothing was checked or applied for it: do not claim success */
		if (mode == MODE_SET_RESERVE2 || mode == MODE_SET_ACTION)
			return refuse(d, reqinfo, requests, SNMP_ERR_GENERR, LM_E_FAIL, 0,
				      "SET phase out of order: the SET was not checked");
		return SNMP_ERR_NOERROR;
	}
	switch (mode) {
	case MODE_SET_RESERVE2:
		if (d->set->reserved)
			return d->set->reserve_status; /* repeated: already validated */
		d->set->reserved = true;
		lm_core_set_deadline(d->core, d->set->deadline);
		d->set->reserve_status = reserve2(d, reqinfo, requests);
		lm_core_set_deadline(d->core, 0);
		return d->set->reserve_status;
	case MODE_SET_ACTION: {
		int status;
		long long late;
		lm_core_set_deadline(d->core, d->set->deadline);
		status = action(d, reqinfo, requests);
		lm_core_set_deadline(d->core, 0);
		/* the answer margin is all that is left past the deadline: a
		 * phase that ate into it is worth a line (what held it is in
		 * the lines before) */
		late = lm_now_ms() - d->set->deadline;
		if (late > LUNMAPD_ANSWER_MARGIN_MS / 4)
			snmp_log(LOG_WARNING, "lunmapd: ACTION of transaction %ld ended %lld ms past "
				 "its deadline (%d ms are kept for the answer)\n", transid_of(reqinfo),
				 late, LUNMAPD_ANSWER_MARGIN_MS);
		return status;
	}
	case MODE_SET_UNDO:
		/* a new AgentX request, which the master waits for anew; the
		 * forward steps kept time for their rollback before the SET's
		 * deadline, but the master may send UNDO late */
		lm_core_set_deadline(d->core, lunmapd_set_deadline(d));
		undo(d, reqinfo, requests);
		lm_core_set_deadline(d->core, 0);
		break;
	case MODE_SET_COMMIT:
		commit(d);
		break;
	}
	free_pending(d->set);
	d->set = NULL;
	return SNMP_ERR_NOERROR;
}
