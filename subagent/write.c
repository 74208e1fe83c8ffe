/* SETs: one PDU is one transaction. RESERVE1 checks each varbind alone,
 * RESERVE2 turns them all into one core batch (one change per LUN) and
 * validates it, ACTION applies it, UNDO reverts it, COMMIT only tells,
 * FREE releases: CleanupSet gets no answer over AgentX, so nothing may
 * fail after ACTION. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "agent.h"

#define MAX_IDS_LEN 4080
#define STALE_SET_SECONDS 30

/* What a SET asks of one LUN. */
struct lun_plan {
	uint32_t lun;
	bool whole;            /* lunmapLunTargetIds was written */
	bool rows;             /* association rows were written */
	lm_guid *targets;
	uint32_t *numbers;
	size_t n;
};

struct pending_set {
	long transid;
	time_t started;
	struct lun_plan *plans;
	size_t nplans;
	struct lm_change *changes;
	struct lm_batch *batch;
	int refresh;           /* 0, or LM_REFRESH / LM_REENUMERATE */
	bool applied, refreshed;
};

/* Where a varbind points inside lunmapObjects. */
struct target_of_set {
	enum { W_NONE, W_REFRESH, W_TARGETIDS, W_NUMBER, W_ROWSTATUS, W_READONLY } what;
	uint32_t lun, target;
};

static struct target_of_set classify(const netsnmp_variable_list *vb)
{
	static const oid objects[] = { LUNMAP_MIB_OID, 1 };
	size_t base = OID_LENGTH(objects);
	const oid *s = vb->name + base;
	size_t n = vb->name_length - base;
	struct target_of_set t = { W_NONE, 0, 0 };

	if (vb->name_length <= base || snmp_oid_compare(vb->name, base, objects, base) != 0)
		return t;
	if (n == 3 && s[0] == G_SUBSYSTEM && s[2] == 0 && s[1] >= S_NAME && s[1] <= S_COUNT)
		t.what = s[1] == S_REFRESH ? W_REFRESH : W_READONLY;
	else if (n == 4 && s[0] == G_LUN && s[1] == 1 && s[3] <= UINT32_MAX && s[3] > 0 &&
		 s[2] >= L_ID && s[2] <= L_LASTERROR)
		t.what = s[2] == L_TARGETIDS ? W_TARGETIDS : W_READONLY;
	else if (n == 5 && s[0] == G_ASSOC && s[1] == 1 && s[3] <= UINT32_MAX &&
		 s[4] <= UINT32_MAX && (s[2] == A_NUMBER || s[2] == A_ROWSTATUS))
		t.what = s[2] == A_NUMBER ? W_NUMBER : W_ROWSTATUS;
	else if (n >= 3 && (s[0] == G_TARGET || s[0] == G_TARGETLUN) && s[1] == 1)
		t.what = W_READONLY;
	if (t.what == W_TARGETIDS)
		t.lun = (uint32_t)s[3];
	if (t.what == W_NUMBER || t.what == W_ROWSTATUS) {
		t.lun = (uint32_t)s[3];
		t.target = (uint32_t)s[4];
	}
	return t;
}

static bool row_exists(const struct lm_model *m, uint32_t lun, uint32_t target)
{
	const struct lm_lun *l = lm_model_lun(m, lun);

	return l && lm_links_find(&l->links, target);
}

/* RESERVE1: each varbind on its own. */
static int check_one(struct lunmapd *d, const netsnmp_variable_list *vb)
{
	const struct lm_model *m = lm_core_model(d->core);
	struct target_of_set t = classify(vb);
	/* the union holds an integer only for these types */
	long v = (vb->type == ASN_INTEGER || vb->type == ASN_UNSIGNED) && vb->val.integer
			 ? *vb->val.integer : 0;

	switch (t.what) {
	case W_NONE: return SNMP_ERR_NOCREATION;
	case W_READONLY: return SNMP_ERR_NOTWRITABLE;
	case W_REFRESH:
		if (vb->type != ASN_INTEGER)
			return SNMP_ERR_WRONGTYPE;
		return v >= 1 && v <= 3 ? SNMP_ERR_NOERROR : SNMP_ERR_WRONGVALUE;
	case W_TARGETIDS:
		if (vb->type != ASN_OCTET_STR)
			return SNMP_ERR_WRONGTYPE;
		if (!lm_model_lun(m, t.lun))
			return SNMP_ERR_NOCREATION;
		if (vb->val_len % 16 || vb->val_len > MAX_IDS_LEN) {
			char msg[128];
			snprintf(msg, sizeof msg, "lunmapLunTargetIds.%u: %zu bytes is not a list of 16-byte ids (at most %d)",
				 t.lun, vb->val_len, MAX_IDS_LEN);
			lunmapd_record_error(d, LM_E_INVALIDARG, msg);
			lm_core_set_lun_error(d->core, t.lun, LM_E_INVALIDARG);
			return SNMP_ERR_WRONGLENGTH;
		}
		return SNMP_ERR_NOERROR;
	case W_NUMBER:
	case W_ROWSTATUS:
		if ((t.what == W_NUMBER && vb->type != ASN_UNSIGNED) ||
		    (t.what == W_ROWSTATUS && vb->type != ASN_INTEGER))
			return SNMP_ERR_WRONGTYPE;
		if (!lm_model_lun(m, t.lun) || !lm_model_target(m, t.target))
			return SNMP_ERR_NOCREATION;
		if (t.what == W_NUMBER)
			return (u_long)v <= LM_MAX_LUN_NUMBER ? SNMP_ERR_NOERROR : SNMP_ERR_WRONGVALUE;
		if (v == RS_CREATEANDGO)
			return row_exists(m, t.lun, t.target) ? SNMP_ERR_INCONSISTENTVALUE : SNMP_ERR_NOERROR;
		if (v == RS_ACTIVE)
			return row_exists(m, t.lun, t.target) ? SNMP_ERR_NOERROR : SNMP_ERR_INCONSISTENTVALUE;
		return v == RS_DESTROY ? SNMP_ERR_NOERROR : SNMP_ERR_WRONGVALUE;
	}
	return SNMP_ERR_GENERR;
}

static void free_pending(struct pending_set *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nplans; i++) {
		free(p->plans[i].targets);
		free(p->plans[i].numbers);
	}
	free(p->plans);
	free(p->changes);
	lm_batch_free(p->batch);
	free(p);
}

static struct lun_plan *plan_for(struct pending_set *p, uint32_t lun)
{
	struct lun_plan *v;

	for (size_t i = 0; i < p->nplans; i++)
		if (p->plans[i].lun == lun)
			return &p->plans[i];
	v = realloc(p->plans, (p->nplans + 1) * sizeof *v);
	if (!v)
		return NULL;
	p->plans = v;
	v = &p->plans[p->nplans++];
	memset(v, 0, sizeof *v);
	v->lun = lun;
	return v;
}

/* Starts a row plan from the LUN's current set, with room for more. */
static int start_rows(struct lunmapd *d, struct lun_plan *pl)
{
	const struct lm_model *m = lm_core_model(d->core);
	const struct lm_lun *l = lm_model_lun(m, pl->lun);
	size_t cap = l->links.n + m->ntargets + 1;

	pl->targets = calloc(cap, sizeof *pl->targets);
	pl->numbers = calloc(cap, sizeof *pl->numbers);
	if (!pl->targets || !pl->numbers)
		return -1;
	for (size_t i = 0; i < l->links.n; i++) {
		pl->targets[i] = lm_model_target(m, l->links.v[i].index)->id;
		pl->numbers[i] = l->links.v[i].number;
	}
	pl->n = l->links.n;
	pl->rows = true;
	return 0;
}

static ssize_t find_target(const struct lun_plan *pl, const lm_guid *id)
{
	for (size_t i = 0; i < pl->n; i++)
		if (lm_guid_cmp(&pl->targets[i], id) == 0)
			return (ssize_t)i;
	return -1;
}

/* One row varbind into its LUN's plan; an SNMP error status or 0. */
static int plan_row(struct lunmapd *d, struct pending_set *p, const struct target_of_set *t,
		    const netsnmp_variable_list *vb)
{
	const lm_guid *tid = &lm_model_target(lm_core_model(d->core), t->target)->id;
	struct lun_plan *pl = plan_for(p, t->lun);
	long v = *vb->val.integer;
	ssize_t at;

	if (!pl)
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	if (pl->whole)
		return SNMP_ERR_INCONSISTENTVALUE; /* both ways for one LUN */
	if (!pl->rows && start_rows(d, pl))
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	at = find_target(pl, tid);
	if (t->what == W_ROWSTATUS && v == RS_DESTROY) {
		if (at >= 0) {
			pl->targets[at] = pl->targets[pl->n - 1];
			pl->numbers[at] = pl->numbers[pl->n - 1];
			pl->n--;
		}
		return SNMP_ERR_NOERROR;
	}
	if (t->what == W_ROWSTATUS && v == RS_ACTIVE)
		return at >= 0 ? SNMP_ERR_NOERROR : SNMP_ERR_INCONSISTENTVALUE;
	if (at < 0) {
		/* a number alone cannot create a row: RowStatus must say so */
		if (t->what == W_NUMBER && !row_exists(lm_core_model(d->core), t->lun, t->target)) {
			pl->targets[pl->n] = *tid;
			pl->numbers[pl->n++] = (uint32_t)v;
			return SNMP_ERR_NOERROR; /* checked below: the row needs createAndGo */
		}
		if (t->what == W_NUMBER)
			return SNMP_ERR_INCONSISTENTVALUE; /* destroyed in this PDU */
		pl->targets[pl->n] = *tid;
		pl->numbers[pl->n++] = 0;
		return SNMP_ERR_NOERROR;
	}
	if (t->what == W_NUMBER)
		pl->numbers[at] = (uint32_t)v;
	return SNMP_ERR_NOERROR;
}

static int plan_whole(struct lunmapd *d, struct pending_set *p, const struct target_of_set *t,
		      const netsnmp_variable_list *vb)
{
	struct lun_plan *pl = plan_for(p, t->lun);
	struct lm_err err;

	if (!pl)
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	if (pl->whole || pl->rows)
		return SNMP_ERR_INCONSISTENTVALUE;
	pl->whole = true;
	if (lm_guids_from_bytes(vb->val.string, vb->val_len, &pl->targets, &pl->n, &err) != LM_S_OK) {
		lunmapd_record_error(d, err.hr, err.msg);
		return err.hr == LM_E_INVALIDARG ? SNMP_ERR_WRONGLENGTH : SNMP_ERR_RESOURCEUNAVAILABLE;
	}
	return SNMP_ERR_NOERROR;
}

/* A row whose number came without createAndGo does not exist yet. */
/* A lunmapAssocLunNumber for a row that does not exist needs a createAndGo
 * of that row in the same PDU; returns the varbind that lacks one. The
 * search is quadratic in the varbinds of one PDU, which its size bounds. */
static netsnmp_request_info *number_without_row(struct lunmapd *d, netsnmp_request_info *requests)
{
	for (netsnmp_request_info *r = requests; r; r = r->next) {
		struct target_of_set t = classify(r->requestvb);
		bool created = false;
		if (t.what != W_NUMBER || row_exists(lm_core_model(d->core), t.lun, t.target))
			continue;
		for (netsnmp_request_info *q = requests; q; q = q->next) {
			struct target_of_set u = classify(q->requestvb);
			created |= u.what == W_ROWSTATUS && u.lun == t.lun && u.target == t.target &&
				   *q->requestvb->val.integer == RS_CREATEANDGO;
		}
		if (!created)
			return r;
	}
	return NULL;
}

static netsnmp_request_info *request_of_lun(netsnmp_request_info *requests, uint32_t lun)
{
	for (netsnmp_request_info *r = requests; r; r = r->next) {
		struct target_of_set t = classify(r->requestvb);
		if ((t.what == W_TARGETIDS || t.what == W_NUMBER || t.what == W_ROWSTATUS) && t.lun == lun)
			return r;
	}
	return requests;
}

static int fail_core(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		     netsnmp_request_info *r, const struct lm_err *err, enum lm_phase phase)
{
	int status = lunmapd_snmp_error(err->hr, phase);

	lunmapd_record_error(d, err->hr, err->msg);
	netsnmp_set_request_error(reqinfo, r, status);
	return status;
}

/* RESERVE2: the whole PDU as one batch, validated by the core. */
static int reserve2(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		    netsnmp_request_info *requests)
{
	struct pending_set *p = d->set;
	netsnmp_request_info *lonely;
	struct lm_err err;
	int status = SNMP_ERR_NOERROR;

	for (netsnmp_request_info *r = requests; r && !status; r = r->next) {
		struct target_of_set t = classify(r->requestvb);
		if (t.what == W_REFRESH)
			p->refresh = *r->requestvb->val.integer == 1 ? 0 : (int)*r->requestvb->val.integer;
		else if (t.what == W_TARGETIDS)
			status = plan_whole(d, p, &t, r->requestvb);
		else
			status = plan_row(d, p, &t, r->requestvb);
		if (status)
			netsnmp_set_request_error(reqinfo, r, status);
	}
	if (!status && (lonely = number_without_row(d, requests))) {
		status = SNMP_ERR_INCONSISTENTVALUE;
		netsnmp_set_request_error(reqinfo, lonely, status);
	}
	if (status)
		return status;
	p->changes = calloc(p->nplans + 1, sizeof *p->changes);
	if (!p->changes) {
		lm_err_set(&err, LM_E_OUTOFMEMORY, "no memory for the SET");
		return fail_core(d, reqinfo, requests, &err, LM_PHASE_VALIDATE);
	}
	for (size_t i = 0; i < p->nplans; i++) {
		struct lun_plan *pl = &p->plans[i];
		struct lm_batch *one;
		p->changes[i] = (struct lm_change){
			.lun = lm_model_lun(lm_core_model(d->core), pl->lun)->id,
			.targets = pl->targets, .ntargets = pl->n, .numbers = pl->numbers,
		};
		/* each LUN alone first, so that the error lands on its varbind */
		if (lm_batch_prepare(d->core, &p->changes[i], 1, &one, &err) != LM_S_OK)
			return fail_core(d, reqinfo, request_of_lun(requests, pl->lun), &err,
					 LM_PHASE_VALIDATE);
		lm_batch_free(one);
	}
	if (p->nplans && lm_batch_prepare(d->core, p->changes, p->nplans, &p->batch, &err) != LM_S_OK)
		return fail_core(d, reqinfo, requests, &err, LM_PHASE_VALIDATE);
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
	switch (reqinfo->mode) {
	case MODE_SET_RESERVE1:
		return reserve1(d, reqinfo, requests);
	case MODE_SET_RESERVE2:
		return d->set ? reserve2(d, reqinfo, requests) : SNMP_ERR_GENERR;
	case MODE_SET_ACTION:
		return d->set ? action(d, reqinfo, requests) : SNMP_ERR_GENERR;
	case MODE_SET_UNDO:
		if (d->set && d->set->applied) {
			struct lm_err err;
			if (lm_batch_revert(d->core, d->set->batch, &err) == LM_S_OK)
				d->set->applied = false;
			else
				fail_core(d, reqinfo, requests, &err, LM_PHASE_APPLY);
		}
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
