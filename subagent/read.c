/* SPDX-License-Identifier: BSD-3-Clause */
/* GET and GETNEXT over the whole of lunmapObjects, each answered with
 * binary searches of the core's model: no table scan per request. */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "agent.h"

/* The associations of row a of the association table (by LUN) or of its
 * mirror (by target); NULL when there is no such LUN or target. */
static const struct lm_assoc *assocs_of(const struct lm_core *c, int g, uint32_t a, size_t *n)
{
	*n = 0;
	if (g == G_ASSOC) {
		const struct lm_lun *l = lm_core_lun(c, a);
		return l ? lm_lun_assocs(l, n) : NULL;
	}
	const struct lm_target *t = lm_core_target(c, a);
	return t ? lm_target_assocs(t, n) : NULL;
}

static uint32_t linked_after(const struct lm_core *c, int g, uint32_t a)
{
	return g == G_ASSOC ? lm_core_linked_lun_after(c, a) : lm_core_linked_target_after(c, a);
}

/* The first row whose index is greater than the OID suffix idx[0..n). */
static int next_row(const struct lm_core *c, int g, const oid *idx, size_t n, struct inst *out)
{
	const struct lm_assoc *v, *k = NULL;
	size_t nv;
	uint32_t a;

	if (n && idx[0] > UINT32_MAX)
		return 0;
	if (lunmapd_groups[g].nindex == 1) {
		uint32_t after = n ? (uint32_t)idx[0] : 0;
		if (g == G_LUN) {
			const struct lm_lun *l = lm_core_lun_after(c, after);
			return l ? (out->i1 = lm_lun_index(l), 1) : 0;
		}
		const struct lm_target *t = lm_core_target_after(c, after);
		return t ? (out->i1 = lm_target_index(t), 1) : 0;
	}
	a = n ? (uint32_t)idx[0] : 0;
	if (n && (v = assocs_of(c, g, a, &nv)) && nv) {
		if (n == 1)
			k = &v[0];
		else if (idx[1] <= UINT32_MAX)
			k = lm_assoc_after(v, nv, (uint32_t)idx[1]);
	}
	if (!k) {
		a = linked_after(c, g, a);
		if (!a)
			return 0;
		k = &assocs_of(c, g, a, &nv)[0];
	}
	out->i1 = a;
	out->i2 = k->index;
	return 1;
}

static int row_exists(const struct lm_core *c, const struct inst *in)
{
	const struct lm_assoc *v;
	size_t n;

	if (in->g == G_SUBSYSTEM)
		return 1;
	if (in->g == G_LUN)
		return lm_core_lun(c, in->i1) != NULL;
	if (in->g == G_TARGET)
		return lm_core_target(c, in->i1) != NULL;
	v = assocs_of(c, in->g, in->i1, &n);
	return v && lm_assoc_find(v, n, in->i2);
}

static bool lun_ids_fit(const struct lm_target *t);

/* From the target out->i1 on, the first whose lunmapTargetLunIds fits. */
static int fitting_row(const struct lm_core *c, struct inst *out)
{
	for (;;) {
		const struct lm_target *t = lm_core_target(c, out->i1);
		if (lun_ids_fit(t))
			return 1;
		t = lm_core_target_after(c, out->i1);
		if (!t)
			return 0;
		out->i1 = lm_target_index(t);
	}
}

/* GETNEXT: the first instance after s[0..n) (the part after lunmapObjects). */
static int find_next(const struct lm_core *m, const oid *s, size_t n, struct inst *out)
{
	int start = G_SUBSYSTEM;

	if (n && s[0] > G_TARGETLUN)
		return 0;
	if (n && s[0] > G_SUBSYSTEM)
		start = (int)s[0];
	for (int g = start; g <= G_TARGETLUN; g++) {
		/* the part of the OID inside this group, if the OID is in it */
		const oid *sub = n > 1 && (u_long)g == s[0] ? s + 1 : NULL;
		size_t sn = sub ? n - 1 : 0;
		u_long c0;

		out->g = g;
		if (g == G_SUBSYSTEM) {
			/* instances are (col, 0): (c, 0) > sub when c > sub[0], or
			 * c == sub[0] and sub is just (c) */
			c0 = !sn || sub[0] < S_NAME ? S_NAME : sn == 1 ? sub[0] : sub[0] + 1;
			if (c0 <= lunmapd_last_col(G_SUBSYSTEM)) {
				out->col = c0;
				return 1;
			}
			continue;
		}
		if (sn && sub[0] > 1)
			continue;
		if (sn < 2 || sub[0] < 1 || sub[1] < lunmapd_first_col(g)) {
			c0 = lunmapd_first_col(g);
			sn = 0;
		} else {
			c0 = sub[1];
		}
		for (u_long c = c0; c <= lunmapd_last_col(g); c++) {
			int found = c == c0 && sn ? next_row(m, g, sub + 2, sn - 2, out)
						  : next_row(m, g, NULL, 0, out);
			if (found && g == G_TARGET && c == T_LUNIDS)
				found = fitting_row(m, out);
			if (found) {
				out->col = c;
				return 1;
			}
		}
	}
	return 0;
}

void lunmapd_target_ids(const struct lm_core *c, const struct lm_lun *l, u_char *buf, size_t *len)
{
	size_t n;
	const struct lm_assoc *v = lm_lun_assocs(l, &n);

	*len = 0;
	for (size_t i = 0; i < n && *len + 16 <= LUNMAPD_MAX_IDS_LEN; i++) {
		memcpy(buf + *len, lm_target_id(lm_core_target(c, v[i].index))->b, 16);
		*len += 16;
	}
}

/* The value of the instance in, in its column's type (columns.c). */
static void set_num(netsnmp_variable_list *vb, const struct inst *in, long v)
{
	snmp_set_var_typed_value(vb, lunmapd_column(in->g, in->col)->type, &v, sizeof v);
}

static void set_bytes(netsnmp_variable_list *vb, const struct inst *in, const void *p,
		      size_t n)
{
	snmp_set_var_typed_value(vb, lunmapd_column(in->g, in->col)->type, p, n);
}

/* a text, cut at its column's size */
static void set_str(netsnmp_variable_list *vb, const struct inst *in, const char *s)
{
	size_t n = s ? strlen(s) : 0, max = (size_t)lunmapd_column(in->g, in->col)->hi;

	set_bytes(vb, in, s ? s : "", n > max ? max : n);
}

/* lunmapSubsystemRefresh reads the action that runs: idle(1) when none;
 * the re-apply of a stack that lost everything and the end of a rollback
 * that outlived its SET are restore(4)'s work. */
static long refresh_value(const struct lm_core *c)
{
	int what = lm_core_action_running(c);

	return what == LM_ACTION_REAPPLY || what == LM_ACTION_ROLLBACK ? LM_RESTORE : what;
}

static void subsystem_value(struct lunmapd *d, const struct inst *in, netsnmp_variable_list *vb)
{
	const struct lm_core *c = d->core;

	switch (in->col) {
	case S_NAME: set_str(vb, in, lm_core_name(c)); break;
	case S_BACKEND: set_str(vb, in, lm_core_backend_name(c)); break;
	case S_STATUS: set_num(vb, in, lm_core_status(c)); break;
	case S_MAX: set_num(vb, in, (long)lm_core_max_targets(c)); break;
	case S_LASTCHANGE: set_num(vb, in, (long)d->last_change); break;
	case S_REFRESH: set_num(vb, in, refresh_value(c)); break;
	case S_ERRCODE: set_num(vb, in, (long)d->last_error); break;
	case S_ERRTEXT: set_str(vb, in, d->last_error_text); break;
	case S_COUNT: set_num(vb, in, (long)lm_core_assoc_count(c)); break;
	case S_SPINLOCK: set_num(vb, in, d->spinlock); break;
	case S_FORCE: set_num(vb, in, FORCE_NORMAL); break;
	case S_REAPPLIED: set_num(vb, in, (long)(lm_core_reapplied(c) & 0xffffffffu)); break;
	case S_ERRLUN: set_num(vb, in, (long)d->last_error_lun); break;
	case S_ACTIONDONE:
	case S_ACTIONTOTAL: {
		size_t done, total;
		lm_core_action_progress(c, &done, &total);
		set_num(vb, in, (long)((in->col == S_ACTIONDONE ? done : total) & 0xffffffffu));
		break;
	}
	case S_ACTIONRESULT:
	case S_ACTIONTEXT: {
		const struct lm_err *r;
		lm_core_action_outcome(c, &r);
		if (in->col == S_ACTIONRESULT)
			set_num(vb, in, (long)r->hr);
		else
			set_str(vb, in, r->msg);
		break;
	}
	}
}

static void lun_value(struct lunmapd *d, const struct inst *in, netsnmp_variable_list *vb)
{
	const struct lm_lun *l = lm_core_lun(d->core, in->i1);
	uint64_t bytes = lm_lun_size(l);
	struct counter64 size;
	u_char buf[LUNMAPD_MAX_IDS_LEN];
	size_t len;

	switch (in->col) {
	case L_ID: set_bytes(vb, in, lm_lun_id(l)->b, 16); break;
	case L_NAME: set_str(vb, in, lm_lun_name(l)); break;
	case L_PATH: set_str(vb, in, lm_lun_path(l)); break;
	case L_SIZE:
		size.high = (u_long)(bytes >> 32);
		size.low = (u_long)(bytes & 0xffffffffu);
		set_bytes(vb, in, &size, sizeof size);
		break;
	case L_STATUS: set_num(vb, in, lm_lun_status(l)); break;
	case L_TARGETIDS:
		lunmapd_target_ids(d->core, l, buf, &len);
		set_bytes(vb, in, buf, len);
		break;
	case L_TARGETCOUNT:
		lm_lun_assocs(l, &len);
		set_num(vb, in, (long)len);
		break;
	case L_LASTERROR: set_num(vb, in, (long)lm_lun_last_error(l)); break;
	case L_SERIAL:
		lm_lun_serial(l, (char *)buf);
		set_str(vb, in, (char *)buf);
		break;
	case L_NAA:
		lm_core_lun_naa(d->core, l, buf);
		set_bytes(vb, in, buf, 16);
		break;
	}
}

/* Whether the target's lunmapTargetLunIds can be answered: a target
 * with more LUNs has no instance for GETNEXT (walks go on) and a GET of
 * it answers tooBig (the MIB says so: read lunmapTargetLunTable). */
static bool lun_ids_fit(const struct lm_target *t)
{
	size_t n;

	lm_target_assocs(t, &n);
	return n <= LUNMAPD_MAX_TARGET_LUN_IDS;
}

/* QueryAssociatedLuns; the caller checked lun_ids_fit. */
static void target_lun_ids(const struct lm_core *c, const struct lm_target *t,
			   const struct inst *in, netsnmp_variable_list *vb)
{
	size_t n;
	const struct lm_assoc *v = lm_target_assocs(t, &n);
	u_char buf[LUNMAPD_MAX_TARGET_LUN_IDS * 16];

	for (size_t i = 0; i < n; i++)
		memcpy(buf + 16 * i, lm_lun_id(lm_core_lun(c, v[i].index))->b, 16);
	set_bytes(vb, in, buf, n * 16);
}

static void target_value(struct lunmapd *d, const struct inst *in, netsnmp_variable_list *vb)
{
	const struct lm_target *t = lm_core_target(d->core, in->i1);
	size_t n;

	switch (in->col) {
	case T_ID: set_bytes(vb, in, lm_target_id(t)->b, 16); break;
	case T_IQN: set_str(vb, in, lm_target_iqn(t)); break;
	case T_ALIAS: set_str(vb, in, lm_target_alias(t)); break;
	case T_STATUS: set_num(vb, in, lm_target_status(t)); break;
	case T_LUNIDS: target_lun_ids(d->core, t, in, vb); break;
	case T_LUNCOUNT:
		lm_target_assocs(t, &n);
		set_num(vb, in, (long)n);
		break;
	case T_FOREIGN: set_num(vb, in, (long)lm_target_foreign_count(t)); break;
	}
}

static void link_value(struct lunmapd *d, const struct inst *in, netsnmp_variable_list *vb)
{
	size_t n;
	const struct lm_assoc *v = assocs_of(d->core, in->g, in->i1, &n);

	if (in->g == G_ASSOC && in->col == A_ROWSTATUS)
		set_num(vb, in, RS_ACTIVE);
	else if (in->g == G_ASSOC && in->col == A_ACCESS)
		set_num(vb, in,
			lm_assoc_find(v, n, in->i2)->readonly ? ACCESS_RO : ACCESS_RW);
	else
		set_num(vb, in, (long)lm_assoc_find(v, n, in->i2)->number);
}

static void value(struct lunmapd *d, const struct inst *in, netsnmp_variable_list *vb)
{
	switch (in->g) {
	case G_SUBSYSTEM: subsystem_value(d, in, vb); break;
	case G_LUN: lun_value(d, in, vb); break;
	case G_TARGET: target_value(d, in, vb); break;
	default: link_value(d, in, vb); break;
	}
}

/* Returns the varbind's exception (noSuchObject/Instance) or 0. A GETNEXT
 * past the end leaves the varbind alone, so that the agent moves on to
 * the next registration. */
int lunmapd_get(struct lunmapd *d, netsnmp_variable_list *vb, int exact)
{
	size_t base = lunmapd_objects_len;
	const oid *s = vb->name + base;
	size_t n = vb->name_length > base ? vb->name_length - base : 0;
	struct inst in = { 0 };
	oid name[MAX_OID_LEN];
	size_t len;
	int rc;

	if (exact) {
		rc = lunmapd_parse_instance(s, n, &in);
		if (!rc && !row_exists(d->core, &in))
			rc = SNMP_NOSUCHINSTANCE;
		if (rc)
			return rc;
		if (in.g == G_TARGET && in.col == T_LUNIDS &&
		    !lun_ids_fit(lm_core_target(d->core, in.i1)))
			return SNMP_ERR_TOOBIG;
		value(d, &in, vb);
		return 0;
	}
	/* an OID before lunmapObjects starts the walk at its beginning */
	if (snmp_oid_compare(vb->name, vb->name_length, lunmapd_objects_oid, base) < 0)
		n = 0;
	if (!find_next(d->core, s, n, &in))
		return 0;
	lunmapd_inst_oid(&in, name, &len);
	snmp_set_var_objid(vb, name, len);
	value(d, &in, vb);
	return 0;
}

/* What a varbind adds to the AgentX response, about: its value and its
 * name (5 bytes a sub-identifier at most) with their headers. */
static size_t encoded_size(const netsnmp_variable_list *vb)
{
	return vb->val_len + vb->name_length * 5 + 24;
}

static void trace(const char *token, int exact, const oid *asked, size_t n,
		  const netsnmp_variable_list *vb, int rc)
{
	DEBUGMSGTL((token, "%s ", exact ? "GET" : "GETNEXT"));
	DEBUGMSGOID((token, asked, n));
	DEBUGMSG((token, " -> "));
	DEBUGMSGOID((token, vb->name, vb->name_length));
	DEBUGMSG((token, ": %d\n", rc));
}

int lunmapd_answer_all(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests,
		       lunmapd_get_fn *get, void *ctx, const char *token)
{
	int exact = reqinfo->mode == MODE_GET;
	size_t total = 0;

	for (netsnmp_request_info *r = requests; r; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;
		oid before[MAX_OID_LEN];
		size_t blen = vb->name_length;
		int rc;
		memcpy(before, vb->name, blen * sizeof(oid));
		rc = get(ctx, vb, exact);
		trace(token, exact, before, blen, vb, rc);
		if (rc) {
			netsnmp_set_request_error(reqinfo, r, rc);
			if (rc == SNMP_ERR_TOOBIG)
				return SNMP_ERR_NOERROR;
			continue;
		}
		if (!exact && snmp_oid_compare(vb->name, vb->name_length, before, blen) <= 0) {
			/* nothing more here: the agent goes on to the next
			 * registration with the OID it asked for */
			snmp_set_var_objid(vb, before, blen);
			continue;
		}
		total += encoded_size(vb);
		if (total > LUNMAPD_MAX_RESPONSE) {
			/* RFC 3416 4.2.1: a response that cannot fit is tooBig,
			 * never cut; the master passes it on */
			netsnmp_set_request_error(reqinfo, r, SNMP_ERR_TOOBIG);
			return SNMP_ERR_NOERROR;
		}
	}
	return SNMP_ERR_NOERROR;
}

static int get_one(void *d, netsnmp_variable_list *vb, int exact)
{
	return lunmapd_get(d, vb, exact);
}

int lunmapd_get_all(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		    netsnmp_request_info *requests)
{
	return lunmapd_answer_all(reqinfo, requests, get_one, d, "lunmap:get");
}
