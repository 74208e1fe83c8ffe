/* SPDX-License-Identifier: BSD-3-Clause */
/* ISCSI-MIB (RFC 4544) as lunmap's model and the stack's last look show
 * it: one iSCSI instance; the inventory's portal (one portal group, tag 1,
 * on every target); a node per lunmap target (iscsiNodeIndex = its stable
 * index), with the login, logout and failure counters the stack keeps
 * (LIO); the initiators it admits (each an IPS-AUTH-MIB identity); and the
 * sessions and connections logged in to it. docs/mib-compliance.md says
 * which objects each backend serves and why the others are absent. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ietf.h"

#define ISCSI_OBJ IETF_ISCSI_MIB, 1

/* ---------------------------------------------------------------- portal */

struct portal {
	int family; /* 4, 6, or 0 a DNS name */
	uint8_t addr[16];
	char host[64];
	unsigned port;
};

/* The inventory's portal: "host:port", "[v6]:port" (lm_valid_portal). */
static bool portal_of(struct ietf *x, struct portal *p)
{
	const char *s = lm_core_portal(x->core), *colon = strrchr(s, ':');
	size_t n;

	memset(p, 0, sizeof *p);
	if (!s[0] || !colon)
		return false;
	n = (size_t)(colon - s);
	if (n >= sizeof p->host)
		return false;
	memcpy(p->host, s, n);
	p->port = (unsigned)strtoul(colon + 1, NULL, 10);
	p->family = lm_obs_addr(p->host, n, p->addr);
	return true;
}

/* ---------------------------------------------------------------- levels */

static int seek_portal(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	struct portal p;

	(void)r;
	return portal_of(x, &p) && ietf_seek_const(1, t, n, after);
}

/* the target's initiators by name or address, each an IPS-AUTH-MIB
 * identity */
static int seek_auth(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	char buf[LM_OBS_NAME_MAX + 1];

	if (!ietf_seek_initiator(r, t, n, after, false, buf, sizeof buf))
		return 0;
	r->id = ietf_ident_of(x, buf);
	return r->id != NULL;
}

/* a target that admits initiators by name or address */
static int seek_acl_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	return ietf_seek_in(x, IETF_ACL, r, t, n, after);
}

#define L_INST IETF_LEVEL_INSTANCE
#define L_PORTAL { seek_portal, ietf_sub_one }
#define L_ACL { seek_acl_target, ietf_sub_target }
#define L_AUTH { seek_auth, ietf_sub_initiator }

/* ---------------------------------------------------------------- columns */

enum {
	IN_DESCR = 2, IN_VMIN, IN_VMAX, IN_VENDOR, IN_VERSION, IN_PORTALS, IN_NODES, IN_SESSIONS,
	IN_FAILURES, IN_FAILTYPE, IN_FAILNAME, IN_DISC,
	SE_DIGEST = 1, SE_TIMEOUT, SE_FORMAT,
	PO_ROWSTATUS = 2, PO_ROLES, PO_ADDRTYPE, PO_ADDR, PO_PROTOCOL, PO_MAXRECV, PO_PHDR,
	PO_PDATA, PO_SHDR, PO_SDATA, PO_MARKER, PO_STORAGE,
	TP_PORT = 2, TP_TAG,
	ND_NAME = 2, ND_ALIAS, ND_ROLES, ND_TRANSPORT, ND_R2T, ND_IMMEDIATE, ND_OUTR2T, ND_FIRST,
	ND_MAXBURST, ND_MAXCONN, ND_SEQORDER, ND_PDUORDER, ND_WAIT, ND_RETAIN, ND_ERL, ND_DISC,
	ND_STORAGE,
	TA_FAILURES = 1, TA_TIME, TA_TYPE, TA_NAME, TA_ADDRTYPE, TA_ADDR,
	LG_ACCEPTS = 1, LG_OTHER, LG_REDIRECTS, LG_AUTHORIZE, LG_AUTHENTICATE, LG_NEGOTIATE,
	LO_NORMALS = 1, LO_OTHERS,
	AU_ROWSTATUS = 2, AU_IDENTITY, AU_STORAGE,
};

static const struct ietf_col instance_cols[] = {
	{ IN_DESCR, ASN_OCTET_STR, IETF_RO, "iscsiInstDescr" },
	{ IN_VMIN, ASN_UNSIGNED, IETF_RO, "iscsiInstVersionMin" },
	{ IN_VMAX, ASN_UNSIGNED, IETF_RO, "iscsiInstVersionMax" },
	{ IN_VENDOR, ASN_OCTET_STR, IETF_RO, "iscsiInstVendorID" },
	{ IN_VERSION, ASN_OCTET_STR, IETF_RO, "iscsiInstVendorVersion" },
	{ IN_PORTALS, ASN_UNSIGNED, IETF_RO, "iscsiInstPortalNumber" },
	{ IN_NODES, ASN_UNSIGNED, IETF_RO, "iscsiInstNodeNumber" },
	{ IN_SESSIONS, ASN_UNSIGNED, IETF_RO, "iscsiInstSessionNumber" },
	{ IN_FAILURES, ASN_COUNTER, IETF_RO, "iscsiInstSsnFailures" },
	{ IN_FAILTYPE, ASN_OBJECT_ID, IETF_RO, "iscsiInstLastSsnFailureType" },
	{ IN_FAILNAME, ASN_OCTET_STR, IETF_RO, "iscsiInstLastSsnRmtNodeName" },
	{ IN_DISC, ASN_TIMETICKS, IETF_RO, "iscsiInstDiscontinuityTime" },
};
static const struct ietf_col ssnerr_cols[] = {
	{ SE_DIGEST, ASN_COUNTER, IETF_RO, "iscsiInstSsnDigestErrors" },
	{ SE_TIMEOUT, ASN_COUNTER, IETF_RO, "iscsiInstSsnCxnTimeoutErrors" },
	{ SE_FORMAT, ASN_COUNTER, IETF_RO, "iscsiInstSsnFormatErrors" },
};
static const struct ietf_col portal_cols[] = {
	{ PO_ROWSTATUS, ASN_INTEGER, IETF_RC, "iscsiPortalRowStatus" },
	{ PO_ROLES, ASN_OCTET_STR, IETF_RC, "iscsiPortalRoles" },
	{ PO_ADDRTYPE, ASN_INTEGER, IETF_RC, "iscsiPortalAddrType" },
	{ PO_ADDR, ASN_OCTET_STR, IETF_RC, "iscsiPortalAddr" },
	{ PO_PROTOCOL, ASN_UNSIGNED, IETF_RC, "iscsiPortalProtocol" },
	{ PO_MAXRECV, ASN_UNSIGNED, IETF_RC, "iscsiPortalMaxRecvDataSegLength" },
	{ PO_PHDR, ASN_INTEGER, IETF_RC, "iscsiPortalPrimaryHdrDigest" },
	{ PO_PDATA, ASN_INTEGER, IETF_RC, "iscsiPortalPrimaryDataDigest" },
	{ PO_SHDR, ASN_INTEGER, IETF_RC, "iscsiPortalSecondaryHdrDigest" },
	{ PO_SDATA, ASN_INTEGER, IETF_RC, "iscsiPortalSecondaryDataDigest" },
	{ PO_MARKER, ASN_INTEGER, IETF_RC, "iscsiPortalRecvMarker" },
	{ PO_STORAGE, ASN_INTEGER, IETF_RC, "iscsiPortalStorageType" },
};
static const struct ietf_col tgtportal_cols[] = {
	{ TP_PORT, ASN_UNSIGNED, IETF_RW, "iscsiTgtPortalPort" },
	{ TP_TAG, ASN_UNSIGNED, IETF_RW, "iscsiTgtPortalTag" },
};
static const struct ietf_col node_cols[] = {
	{ ND_NAME, ASN_OCTET_STR, IETF_RO, "iscsiNodeName" },
	{ ND_ALIAS, ASN_OCTET_STR, IETF_RO, "iscsiNodeAlias" },
	{ ND_ROLES, ASN_OCTET_STR, IETF_RO, "iscsiNodeRoles" },
	{ ND_TRANSPORT, ASN_OBJECT_ID, IETF_RO, "iscsiNodeTransportType" },
	{ ND_R2T, ASN_INTEGER, IETF_RO, "iscsiNodeInitialR2T" },
	{ ND_IMMEDIATE, ASN_INTEGER, IETF_RW, "iscsiNodeImmediateData" },
	{ ND_OUTR2T, ASN_UNSIGNED, IETF_RW, "iscsiNodeMaxOutstandingR2T" },
	{ ND_FIRST, ASN_UNSIGNED, IETF_RW, "iscsiNodeFirstBurstLength" },
	{ ND_MAXBURST, ASN_UNSIGNED, IETF_RW, "iscsiNodeMaxBurstLength" },
	{ ND_MAXCONN, ASN_UNSIGNED, IETF_RW, "iscsiNodeMaxConnections" },
	{ ND_SEQORDER, ASN_INTEGER, IETF_RW, "iscsiNodeDataSequenceInOrder" },
	{ ND_PDUORDER, ASN_INTEGER, IETF_RW, "iscsiNodeDataPDUInOrder" },
	{ ND_WAIT, ASN_UNSIGNED, IETF_RW, "iscsiNodeDefaultTime2Wait" },
	{ ND_RETAIN, ASN_UNSIGNED, IETF_RW, "iscsiNodeDefaultTime2Retain" },
	{ ND_ERL, ASN_UNSIGNED, IETF_RW, "iscsiNodeErrorRecoveryLevel" },
	{ ND_DISC, ASN_TIMETICKS, IETF_RO, "iscsiNodeDiscontinuityTime" },
	{ ND_STORAGE, ASN_INTEGER, IETF_RW, "iscsiNodeStorageType" },
};
static const struct ietf_col tgtattr_cols[] = {
	{ TA_FAILURES, ASN_COUNTER, IETF_RO, "iscsiTgtLoginFailures" },
	{ TA_TIME, ASN_TIMETICKS, IETF_RO, "iscsiTgtLastFailureTime" },
	{ TA_TYPE, ASN_OBJECT_ID, IETF_RO, "iscsiTgtLastFailureType" },
	{ TA_NAME, ASN_OCTET_STR, IETF_RO, "iscsiTgtLastIntrFailureName" },
	{ TA_ADDRTYPE, ASN_INTEGER, IETF_RO, "iscsiTgtLastIntrFailureAddrType" },
	{ TA_ADDR, ASN_OCTET_STR, IETF_RO, "iscsiTgtLastIntrFailureAddr" },
};
static const struct ietf_col login_cols[] = {
	{ LG_ACCEPTS, ASN_COUNTER, IETF_RO, "iscsiTgtLoginAccepts" },
	{ LG_OTHER, ASN_COUNTER, IETF_RO, "iscsiTgtLoginOtherFails" },
	{ LG_REDIRECTS, ASN_COUNTER, IETF_RO, "iscsiTgtLoginRedirects" },
	{ LG_AUTHORIZE, ASN_COUNTER, IETF_RO, "iscsiTgtLoginAuthorizeFails" },
	{ LG_AUTHENTICATE, ASN_COUNTER, IETF_RO, "iscsiTgtLoginAuthenticateFails" },
	{ LG_NEGOTIATE, ASN_COUNTER, IETF_RO, "iscsiTgtLoginNegotiateFails" },
};
static const struct ietf_col logout_cols[] = {
	{ LO_NORMALS, ASN_COUNTER, IETF_RO, "iscsiTgtLogoutNormals" },
	{ LO_OTHERS, ASN_COUNTER, IETF_RO, "iscsiTgtLogoutOthers" },
};
static const struct ietf_col auth_cols[] = {
	{ AU_ROWSTATUS, ASN_INTEGER, IETF_RC, "iscsiTgtAuthRowStatus" },
	{ AU_IDENTITY, ASN_OBJECT_ID, IETF_RC, "iscsiTgtAuthIdentity" },
	{ AU_STORAGE, ASN_INTEGER, IETF_RC, "iscsiTgtAuthStorageType" },
};

/* ---------------------------------------------------------------- values */

/* BITS { targetTypePortal(0) / targetTypeNode(0), ... } with bit 0 set */
static const u_char role_target = 0x80;

static int instance_value(struct ietf *x, const struct ietf_row *r, u_long col,
			  netsnmp_variable_list *vb)
{
	static const oid stats[] = { ISCSI_OBJ, 1, 2, 1 };
	const struct lm_observation *o = &x->obs;
	struct portal p;
	char text[128];

	(void)r;
	switch (col) {
	case IN_DESCR:
		snprintf(text, sizeof text, "lunmap subsystem %s (%s)", lm_core_name(x->core),
			 lm_core_backend_name(x->core));
		ietf_set_str(vb, text, 255);
		return 0;
	/* RFC 3720 defines version 0 alone, the one both stacks speak */
	case IN_VMIN:
	case IN_VMAX: ietf_set_int(vb, ASN_UNSIGNED, 0); return 0;
	case IN_VENDOR:
		if (o->vendor[0])
			ietf_set_str(vb, o->vendor, 255);
		else if (strcmp(lm_core_backend_name(x->core), "tgt") == 0)
			ietf_set_str(vb, "Linux SCSI target framework (tgt)", 255);
		else
			return 1;
		return 0;
	case IN_VERSION:
		if (!o->version[0])
			return 1;
		ietf_set_str(vb, o->version, 255);
		return 0;
	case IN_PORTALS: ietf_set_int(vb, ASN_UNSIGNED, portal_of(x, &p) ? 1 : 0); return 0;
	case IN_NODES: ietf_set_int(vb, ASN_UNSIGNED, (long)lm_core_target_count(x->core)); return 0;
	case IN_SESSIONS: ietf_set_int(vb, ASN_UNSIGNED, (long)x->nsessions); return 0;
	case IN_DISC: ietf_set_int(vb, ASN_TIMETICKS, 0); return 0;
	}
	if (!o->sess_err_known)
		return 1;
	switch (col) {
	case IN_FAILURES:
		ietf_set_counter32(vb, o->digest_errors + o->cxn_errors + o->format_errors);
		return 0;
	case IN_FAILTYPE:
		if (o->last_sess_fail == LM_SESS_FAIL_NONE) {
			ietf_set_null_oid(vb);
		} else {
			oid t[OID_LENGTH(stats) + 1];
			memcpy(t, stats, sizeof stats);
			t[OID_LENGTH(stats)] = o->last_sess_fail;
			ietf_set_oid(vb, t, OID_LENGTH(t));
		}
		return 0;
	case IN_FAILNAME: ietf_set_str(vb, o->sess_fail_name, LM_OBS_NAME_MAX); return 0;
	}
	return 1;
}

static int ssnerr_value(struct ietf *x, const struct ietf_row *r, u_long col,
			netsnmp_variable_list *vb)
{
	const struct lm_observation *o = &x->obs;
	uint64_t v = col == SE_DIGEST ? o->digest_errors : col == SE_TIMEOUT ? o->cxn_errors
										 : o->format_errors;

	(void)r;
	if (!o->sess_err_known)
		return 1;
	ietf_set_counter32(vb, v);
	return 0;
}

static int portal_value(struct ietf *x, const struct ietf_row *r, u_long col,
			netsnmp_variable_list *vb)
{
	struct portal p;

	(void)r;
	if (!portal_of(x, &p))
		return 1;
	switch (col) {
	case PO_ROWSTATUS: ietf_set_int(vb, ASN_INTEGER, IETF_ACTIVE); return 0;
	case PO_ROLES: ietf_set_bytes(vb, &role_target, 1); return 0;
	/* InetAddressType dns(16) for a name */
	case PO_ADDRTYPE: ietf_set_int(vb, ASN_INTEGER, p.family ? ietf_addr_type(p.family) : 16); return 0;
	case PO_ADDR:
		if (p.family)
			ietf_set_bytes(vb, p.addr, p.family == 4 ? 4 : 16);
		else
			ietf_set_str(vb, p.host, 255);
		return 0;
	case PO_PROTOCOL: ietf_set_int(vb, ASN_UNSIGNED, 6); return 0;
	case PO_STORAGE: ietf_set_int(vb, ASN_INTEGER, IETF_READ_ONLY); return 0;
	}
	return 1;
}

static int tgtportal_value(struct ietf *x, const struct ietf_row *r, u_long col,
			   netsnmp_variable_list *vb)
{
	struct portal p;

	(void)r;
	if (!portal_of(x, &p))
		return 1;
	ietf_set_int(vb, ASN_UNSIGNED, col == TP_PORT ? (long)p.port : IETF_TPGT);
	return 0;
}

static int node_value(struct ietf *x, const struct ietf_row *r, u_long col,
		      netsnmp_variable_list *vb)
{
	oid transport[] = { IETF_SCSI_MIB, 2, 1, 5, 1, 2, IETF_INSTANCE, lm_target_index(r->t), 1 };

	switch (col) {
	case ND_NAME: ietf_set_str(vb, lm_target_iqn(r->t), LM_OBS_NAME_MAX); return 0;
	case ND_ALIAS: ietf_set_str(vb, lm_target_alias(r->t), 255); return 0;
	case ND_ROLES: ietf_set_bytes(vb, &role_target, 1); return 0;
	case ND_TRANSPORT:
		if (x->mibs & LM_MIB_SCSI)
			ietf_set_oid(vb, transport, OID_LENGTH(transport));
		else
			ietf_set_null_oid(vb);
		return 0;
	case ND_DISC:
		ietf_set_int(vb, ASN_TIMETICKS, r->obs ? (long)ietf_ticks(r->obs->reset_ms) : 0);
		return 0;
	case ND_STORAGE: ietf_set_int(vb, ASN_INTEGER, IETF_READ_ONLY); return 0;
	}
	return 1;
}

static uint64_t login_failures(const struct lm_obs_stats *s)
{
	return s->other_fails + s->redirects + s->authorize_fails + s->authenticate_fails +
	       s->negotiate_fails;
}

uint64_t ietf_iscsi_login_failures(const struct lm_target_obs *o);
uint64_t ietf_iscsi_login_failures(const struct lm_target_obs *o)
{
	return o && o->has_stats && o->stats.login_known ? login_failures(&o->stats) : 0;
}

static const struct lm_obs_stats *login_stats(const struct ietf_row *r)
{
	return r->obs && r->obs->has_stats && r->obs->stats.login_known ? &r->obs->stats : NULL;
}

static int tgtattr_value(struct ietf *x, const struct ietf_row *r, u_long col,
			 netsnmp_variable_list *vb)
{
	static const oid login[] = { ISCSI_OBJ, 6, 2, 1 };
	const struct lm_obs_stats *s = login_stats(r);
	oid t[OID_LENGTH(login) + 1];

	if (!s)
		return 1;
	switch (col) {
	case TA_FAILURES: ietf_set_counter32(vb, login_failures(s)); return 0;
	case TA_TIME: ietf_set_int(vb, ASN_TIMETICKS, (long)ietf_stack_ticks(x, s->last_fail_cs)); return 0;
	case TA_TYPE:
		/* the counter of iscsiTargetLoginStatsTable the failure counted in */
		if (s->last_fail == LM_LOGIN_FAIL_NONE) {
			ietf_set_null_oid(vb);
			return 0;
		}
		memcpy(t, login, sizeof login);
		t[OID_LENGTH(login)] = s->last_fail;
		ietf_set_oid(vb, t, OID_LENGTH(t));
		return 0;
	case TA_NAME: ietf_set_str(vb, s->fail_name, LM_OBS_NAME_MAX); return 0;
	case TA_ADDRTYPE: ietf_set_int(vb, ASN_INTEGER, ietf_addr_type(s->fail_family)); return 0;
	case TA_ADDR:
		ietf_set_bytes(vb, s->fail_addr, s->fail_family == 4 ? 4 : s->fail_family == 6 ? 16 : 0);
		return 0;
	}
	return 1;
}

static int login_value(struct ietf *x, const struct ietf_row *r, u_long col,
		       netsnmp_variable_list *vb)
{
	const struct lm_obs_stats *s = login_stats(r);
	uint64_t v;

	(void)x;
	if (!s)
		return 1;
	switch (col) {
	case LG_ACCEPTS: v = s->accepts; break;
	case LG_OTHER: v = s->other_fails; break;
	case LG_REDIRECTS: v = s->redirects; break;
	case LG_AUTHORIZE: v = s->authorize_fails; break;
	case LG_AUTHENTICATE: v = s->authenticate_fails; break;
	case LG_NEGOTIATE: v = s->negotiate_fails; break;
	default: return 1;
	}
	ietf_set_counter32(vb, v);
	return 0;
}

static int logout_value(struct ietf *x, const struct ietf_row *r, u_long col,
			netsnmp_variable_list *vb)
{
	const struct lm_obs_stats *s = r->obs && r->obs->has_stats ? &r->obs->stats : NULL;

	(void)x;
	if (!s || !s->logout_known)
		return 1;
	ietf_set_counter32(vb, col == LO_NORMALS ? s->normal_logouts : s->abnormal_logouts);
	return 0;
}

static int auth_value(struct ietf *x, const struct ietf_row *r, u_long col,
		      netsnmp_variable_list *vb)
{
	(void)x;
	switch (col) {
	case AU_ROWSTATUS: ietf_set_int(vb, ASN_INTEGER, IETF_ACTIVE); return 0;
	case AU_IDENTITY: ietf_identity_pointer(vb, r->id); return 0;
	case AU_STORAGE: ietf_set_int(vb, ASN_INTEGER, IETF_READ_ONLY); return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------- presence */

static bool counters_present(struct ietf *x, u_long col)
{
	(void)col;
	return ietf_counts(x);
}

static bool instance_present(struct ietf *x, u_long col)
{
	return (col != IN_FAILURES && col != IN_FAILTYPE && col != IN_FAILNAME) || ietf_counts(x);
}

static bool portal_present(struct ietf *x, u_long col)
{
	(void)x;
	/* the digests, markers and segment length are negotiated per target
	 * in both stacks, not set per portal */
	return col <= PO_PROTOCOL || col == PO_STORAGE;
}

static bool node_present(struct ietf *x, u_long col)
{
	(void)x;
	/* each target's negotiation preferences are the stack's own
	 * settings, which lunmap does not read (and in tgt shows only in a
	 * per-target request) */
	return col <= ND_TRANSPORT || col >= ND_DISC;
}

/* ---------------------------------------------------------------- tables */

static const struct ietf_level lv_inst[] = { L_INST };
static const struct ietf_level lv_portal[] = { L_INST, L_PORTAL };
static const struct ietf_level lv_tgtportal[] = { L_INST, L_PORTAL, IETF_LEVEL_ZERO };
static const struct ietf_level lv_node[] = { L_INST, IETF_LEVEL_TARGET };
static const struct ietf_level lv_auth[] = { L_INST, L_ACL, L_AUTH };

static const struct ietf_table instance_table =
	IETF_TABLE("iscsiInstanceAttributesTable", instance_cols, lv_inst, instance_present,
		   instance_value, ISCSI_OBJ, 1, 1, 1);
static const struct ietf_table ssnerr_table =
	IETF_TABLE("iscsiInstanceSsnErrorStatsTable", ssnerr_cols, lv_inst, counters_present,
		   ssnerr_value, ISCSI_OBJ, 1, 2, 1);
static const struct ietf_table portal_table =
	IETF_TABLE("iscsiPortalAttributesTable", portal_cols, lv_portal, portal_present,
		   portal_value, ISCSI_OBJ, 2, 1, 1);
static const struct ietf_table tgtportal_table =
	IETF_TABLE("iscsiTgtPortalAttributesTable", tgtportal_cols, lv_tgtportal, NULL,
		   tgtportal_value, ISCSI_OBJ, 3, 1, 1);
static const struct ietf_table node_table =
	IETF_TABLE("iscsiNodeAttributesTable", node_cols, lv_node, node_present, node_value,
		   ISCSI_OBJ, 5, 1, 1);
static const struct ietf_table tgtattr_table =
	IETF_TABLE("iscsiTargetAttributesTable", tgtattr_cols, lv_node, counters_present,
		   tgtattr_value, ISCSI_OBJ, 6, 1, 1);
static const struct ietf_table login_table =
	IETF_TABLE("iscsiTargetLoginStatsTable", login_cols, lv_node, counters_present,
		   login_value, ISCSI_OBJ, 6, 2, 1);
static const struct ietf_table logout_table =
	IETF_TABLE("iscsiTargetLogoutStatsTable", logout_cols, lv_node, counters_present,
		   logout_value, ISCSI_OBJ, 6, 3, 1);
static const struct ietf_table auth_table =
	IETF_TABLE("iscsiTgtAuthAttributesTable", auth_cols, lv_auth, NULL, auth_value, ISCSI_OBJ,
		   7, 1, 1);

static const struct ietf_table *const tables[] = {
	&instance_table, &ssnerr_table, &portal_table, &tgtportal_table, &node_table,
	&tgtattr_table, &login_table, &logout_table, &auth_table,
	/* iscsi_session.c */
	&ietf_iscsi_session_table, &ietf_iscsi_sstats_table, &ietf_iscsi_cxnerr_table,
	&ietf_iscsi_conn_table,
};

const struct ietf_mib ietf_iscsi_mib = {
	"ISCSI-MIB", { IETF_ISCSI_MIB }, tables, IETF_N(tables), LM_MIB_ISCSI,
};
