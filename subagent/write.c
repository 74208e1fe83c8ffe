/* SETs: one PDU is one transaction. RESERVE1 checks each varbind alone
 * with net-snmp's checks, RESERVE2 hands all of them to the core as one
 * batch (the core plans each LUN's new set and finds conflicts), ACTION
 * applies it, UNDO reverts it, COMMIT only tells, FREE releases:
 * CleanupSet gets no answer over AgentX, so nothing may fail after ACTION. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "agent.h"

#define MAX_IDS_LEN 4080
#define STALE_SET_SECONDS 30

struct pending_set {
	long transid;
	time_t started;
	struct lm_change *changes;
	netsnmp_request_info **from; /* the varbind of each change */
	lm_guid **lists;             /* the lists the SET changes point into */
	size_t n;
	struct lm_batch *batch;
	int refresh; /* 0, or LM_REFRESH / LM_REENUMERATE */
	bool applied, refreshed;
};

static bool row_exists(const struct lm_core *c, uint32_t lun, uint32_t target)
{
	const struct lm_lun *l = lm_core_lun(c, lun);
	const struct lm_assoc *v;
	size_t n;

	if (!l)
		return false;
	v = lm_lun_assocs(l, &n);
	return lm_assoc_find(v, n, target) != NULL;
}

static int check_target_ids(struct lunmapd *d, const struct inst *in,
			    const netsnmp_variable_list *vb)
{
	char msg[128];
	int rc = netsnmp_check_vb_type(vb, ASN_OCTET_STR);

	if (rc)
		return rc;
	if (!lm_core_lun(d->core, in->i1))
		return SNMP_ERR_NOCREATION;
	if (!netsnmp_check_vb_max_size(vb, MAX_IDS_LEN) && vb->val_len % 16 == 0)
		return SNMP_ERR_NOERROR;
	snprintf(msg, sizeof msg,
		 "lunmapLunTargetIds.%u: %zu bytes is not a list of 16-byte ids (at most %d)", in->i1,
		 vb->val_len, MAX_IDS_LEN);
	lunmapd_record_error(d, LM_E_INVALIDARG, msg);
	lm_core_set_lun_error(d->core, in->i1, LM_E_INVALIDARG);
	return SNMP_ERR_WRONGLENGTH;
}

static int check_row(struct lunmapd *d, const struct inst *in, const netsnmp_variable_list *vb)
{
	int rc = netsnmp_check_vb_type(vb, in->col == A_NUMBER ? ASN_UNSIGNED : ASN_INTEGER);
	bool exists;

	if (rc)
		return rc;
	if (!lm_core_lun(d->core, in->i1) || !lm_core_target(d->core, in->i2))
		return SNMP_ERR_NOCREATION;
	if (in->col == A_NUMBER)
		return netsnmp_check_vb_range(vb, 0, LM_MAX_LUN_NUMBER);
	/* a row is created and goes at once, or not at all (RFC 2579 lets
	 * an agent refuse createAndWait) */
	if (*vb->val.integer == RS_CREATEANDWAIT || *vb->val.integer == RS_NOTINSERVICE)
		return SNMP_ERR_WRONGVALUE;
	exists = row_exists(d->core, in->i1, in->i2);
	return netsnmp_check_vb_rowstatus(vb, exists ? RS_ACTIVE : RS_NONEXISTENT);
}

/* RESERVE1: each varbind on its own. */
static int check_one(struct lunmapd *d, const netsnmp_variable_list *vb)
{
	struct inst in;

	if (lunmapd_parse_oid(vb->name, vb->name_length, &in))
		return SNMP_ERR_NOCREATION;
	if (in.g == G_SUBSYSTEM && in.col == S_REFRESH)
		return netsnmp_check_vb_int_range(vb, 1, 3);
	if (in.g == G_LUN && in.col == L_TARGETIDS)
		return check_target_ids(d, &in, vb);
	if (in.g == G_ASSOC)
		return check_row(d, &in, vb);
	return SNMP_ERR_NOTWRITABLE;
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
	if (*vb->val.integer == RS_ACTIVE)
		return false; /* an existing row stays as it is */
	ch->kind = *vb->val.integer == RS_DESTROY ? LM_CHANGE_REMOVE : LM_CHANGE_ADD;
	return true;
}

static int fail_core(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		     netsnmp_request_info *r, const struct lm_err *err, enum lm_phase phase)
{
	int status = lunmapd_snmp_error(err, phase);

	DEBUGMSGTL(("lunmap", "%s: %s (0x%08X): %s\n",
		    phase == LM_PHASE_APPLY ? "apply" : "validate", lm_hr_name(err->hr), err->hr,
		    err->msg));
	lunmapd_record_error(d, err->hr, err->msg);
	netsnmp_set_request_error(reqinfo, r, status);
	return status;
}

static int alloc_changes(struct pending_set *p, netsnmp_request_info *requests)
{
	size_t n = 0;

	for (netsnmp_request_info *r = requests; r; r = r->next)
		n++;
	p->changes = calloc(n + 1, sizeof *p->changes);
	p->from = calloc(n + 1, sizeof *p->from);
	p->lists = calloc(n + 1, sizeof *p->lists);
	return p->changes && p->from && p->lists ? 0 : -1;
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
			p->refresh = *r->requestvb->val.integer == 1 ? 0 : (int)*r->requestvb->val.integer;
			continue;
		}
		if (!change_of(d, &in, r->requestvb, &p->changes[p->n], &p->lists[p->n], &err))
			continue;
		if (lm_failed(err.hr))
			return fail_core(d, reqinfo, r, &err, LM_PHASE_VALIDATE);
		p->from[p->n++] = r;
	}
	DEBUGMSGTL(("lunmap", "RESERVE2: %zu changes, refresh %d\n", p->n, p->refresh));
	if (p->n && lm_batch_prepare(d->core, p->changes, p->n, &p->batch, &err) != LM_S_OK)
		return fail_core(d, reqinfo, err.at < p->n ? p->from[err.at] : requests, &err,
				 LM_PHASE_VALIDATE);
	return SNMP_ERR_NOERROR;
}

static int action(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		  netsnmp_request_info *requests)
{
	struct pending_set *p = d->set;
	struct lm_err err;
	int status = SNMP_ERR_NOERROR;

	if (p->batch) {
		if (lm_batch_apply(d->core, p->batch, &err) != LM_S_OK)
			status = fail_core(d, reqinfo, requests, &err, LM_PHASE_APPLY);
		else
			p->applied = true;
	}
	if (!status && p->refresh) {
		if (lm_core_refresh(d->core, (enum lm_refresh)p->refresh, &err) != LM_S_OK) {
			struct lm_err undo;
			status = fail_core(d, reqinfo, requests, &err, LM_PHASE_APPLY);
			if (p->applied && lm_batch_revert(d->core, p->batch, &undo) == LM_S_OK)
				p->applied = false;
		} else {
			p->refreshed = true;
		}
	}
	DEBUGMSGTL(("lunmap", "ACTION: %s\n", status ? "failed" : "applied"));
	if (status)
		lunmapd_notify_failed(d);
	lunmapd_notify_status(d);
	return status;
}

static void commit(struct lunmapd *d)
{
	struct pending_set *p = d->set;
	bool changed = p->refreshed;

	for (size_t i = 0; p->applied && i < lm_batch_count(p->batch); i++) {
		const struct lm_diff *df = lm_batch_diff(p->batch, i);
		if (!df->nadded && !df->nremoved)
			continue;
		changed = true;
		lunmapd_notify_changed(d, df->lun_index);
	}
	if (changed)
		d->last_change = netsnmp_get_agent_uptime();
	lunmapd_notify_status(d);
}

static void undo(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		 netsnmp_request_info *requests)
{
	struct lm_err err;

	if (!d->set || !d->set->applied)
		return;
	if (lm_batch_revert(d->core, d->set->batch, &err) == LM_S_OK)
		d->set->applied = false;
	else
		fail_core(d, reqinfo, requests, &err, LM_PHASE_APPLY);
}

static long transid_of(netsnmp_agent_request_info *reqinfo)
{
	return reqinfo->asp && reqinfo->asp->pdu ? reqinfo->asp->pdu->transid : 0;
}

static int reserve1(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		    netsnmp_request_info *requests)
{
	if (d->set && time(NULL) - d->set->started > STALE_SET_SECONDS) {
		/* the master never finished that one */
		free_pending(d->set);
		d->set = NULL;
	}
	if (d->set && d->set->transid != transid_of(reqinfo)) {
		lunmapd_record_error(d, LM_VDS_E_ANOTHER_CALL_IN_PROGRESS,
				     "another SET is in progress");
		netsnmp_set_request_error(reqinfo, requests, SNMP_ERR_RESOURCEUNAVAILABLE);
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	}
	for (netsnmp_request_info *r = requests; r; r = r->next) {
		int status = check_one(d, r->requestvb);
		if (status) {
			DEBUGMSGTL(("lunmap", "RESERVE1: varbind refused with %d\n", status));
			netsnmp_set_request_error(reqinfo, r, status);
			return status;
		}
	}
	if (!d->set) {
		d->set = calloc(1, sizeof *d->set);
		if (!d->set) {
			netsnmp_set_request_error(reqinfo, requests, SNMP_ERR_RESOURCEUNAVAILABLE);
			return SNMP_ERR_RESOURCEUNAVAILABLE;
		}
		d->set->transid = transid_of(reqinfo);
		d->set->started = time(NULL);
	}
	return SNMP_ERR_NOERROR;
}

int lunmapd_set(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		netsnmp_request_info *requests)
{
	DEBUGMSGTL(("lunmap", "SET phase %d, transaction %ld\n", reqinfo->mode,
		    transid_of(reqinfo)));
	switch (reqinfo->mode) {
	case MODE_SET_RESERVE1:
		return reserve1(d, reqinfo, requests);
	case MODE_SET_RESERVE2:
		return d->set ? reserve2(d, reqinfo, requests) : SNMP_ERR_GENERR;
	case MODE_SET_ACTION:
		return d->set ? action(d, reqinfo, requests) : SNMP_ERR_GENERR;
	case MODE_SET_UNDO:
		undo(d, reqinfo, requests);
		break;
	case MODE_SET_COMMIT:
		if (d->set)
			commit(d);
		break;
	case MODE_SET_FREE:
		break;
	}
	if (reqinfo->mode == MODE_SET_COMMIT || reqinfo->mode == MODE_SET_FREE ||
	    reqinfo->mode == MODE_SET_UNDO) {
		free_pending(d->set);
		d->set = NULL;
	}
	return SNMP_ERR_NOERROR;
}
