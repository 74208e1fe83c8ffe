/* SPDX-License-Identifier: BSD-3-Clause */
/* ISCSI-MIB's sessions and connections (RFC 4544 iscsiSessionAttributes,
 * iscsiSessionStats, iscsiSessionCxnErrorStats and iscsiConnection-
 * Attributes tables; iscsi_mib.c has the rest of the MIB): the sessions
 * logged in to each target and their connections, as the stack's last
 * look shows them, never asked for during a request. */
#include "config.h"

#include "ietf.h"

#define ISCSI_OBJ IETF_ISCSI_MIB, 1

/* ---------------------------------------------------------------- levels */

/* a session with connections it knows */
static int seek_conn_session(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	for (int found = ietf_seek_session(x, r, t, n, after); found;) {
		oid k = r->s->id;
		if (r->s->nconns)
			return 1;
		found = ietf_seek_session(x, r, &k, 1, true);
	}
	return 0;
}

static int seek_busy_conn_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n,
				 bool after)
{
	return ietf_seek_in(x, IETF_BUSY_CONN, r, t, n, after);
}

/* iscsiCxnIndex: the CID + 1 (a CID may be 0, an index may not) */
static int seek_conn(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	bool none;
	uint32_t from = ietf_key_from(t, n, after, &none);

	(void)x;
	r->c = NULL;
	if (none)
		return 0;
	for (size_t i = 0; i < r->s->nconns; i++) {
		const struct lm_obs_conn *c = &r->s->conns[i];
		if (c->cid + 1 >= from && (!r->c || c->cid < r->c->cid))
			r->c = c;
	}
	return r->c != NULL;
}

static size_t sub_conn(const struct ietf_row *r, oid *out)
{
	out[0] = r->c->cid + 1;
	return 1;
}

/* ---------------------------------------------------------------- columns */

enum {
	SS_DIRECTION = 3, SS_INAME, SS_TNAME, SS_TSIH, SS_ISID, SS_IALIAS, SS_TALIAS, SS_R2T,
	SS_IMMEDIATE, SS_TYPE, SS_OUTR2T, SS_FIRST, SS_MAXBURST, SS_CONNS, SS_AUTH, SS_SEQORDER,
	SS_PDUORDER, SS_ERL, SS_DISC,
	ST_CMD = 1, ST_RSP, ST_TX, ST_RX, ST_LCTX, ST_LCRX,
	CE_DIGEST = 1, CE_TIMEOUT,
	CX_CID = 2, CX_STATE, CX_ADDRTYPE, CX_LADDR, CX_PROTOCOL, CX_LPORT, CX_RADDR, CX_RPORT,
	CX_MAXRECV, CX_MAXXMIT, CX_HDR, CX_DATA, CX_RMARKER, CX_SMARKER, CX_VERSION,
};

static const struct ietf_col session_cols[] = {
	{ SS_DIRECTION, ASN_INTEGER, IETF_RO, "iscsiSsnDirection" },
	{ SS_INAME, ASN_OCTET_STR, IETF_RO, "iscsiSsnInitiatorName" },
	{ SS_TNAME, ASN_OCTET_STR, IETF_RO, "iscsiSsnTargetName" },
	{ SS_TSIH, ASN_UNSIGNED, IETF_RO, "iscsiSsnTSIH" },
	{ SS_ISID, ASN_OCTET_STR, IETF_RO, "iscsiSsnISID" },
	{ SS_IALIAS, ASN_OCTET_STR, IETF_RO, "iscsiSsnInitiatorAlias" },
	{ SS_TALIAS, ASN_OCTET_STR, IETF_RO, "iscsiSsnTargetAlias" },
	{ SS_R2T, ASN_INTEGER, IETF_RO, "iscsiSsnInitialR2T" },
	{ SS_IMMEDIATE, ASN_INTEGER, IETF_RO, "iscsiSsnImmediateData" },
	{ SS_TYPE, ASN_INTEGER, IETF_RO, "iscsiSsnType" },
	{ SS_OUTR2T, ASN_UNSIGNED, IETF_RO, "iscsiSsnMaxOutstandingR2T" },
	{ SS_FIRST, ASN_UNSIGNED, IETF_RO, "iscsiSsnFirstBurstLength" },
	{ SS_MAXBURST, ASN_UNSIGNED, IETF_RO, "iscsiSsnMaxBurstLength" },
	{ SS_CONNS, ASN_GAUGE, IETF_RO, "iscsiSsnConnectionNumber" },
	{ SS_AUTH, ASN_OBJECT_ID, IETF_RO, "iscsiSsnAuthIdentity" },
	{ SS_SEQORDER, ASN_INTEGER, IETF_RO, "iscsiSsnDataSequenceInOrder" },
	{ SS_PDUORDER, ASN_INTEGER, IETF_RO, "iscsiSsnDataPDUInOrder" },
	{ SS_ERL, ASN_UNSIGNED, IETF_RO, "iscsiSsnErrorRecoveryLevel" },
	{ SS_DISC, ASN_TIMETICKS, IETF_RO, "iscsiSsnDiscontinuityTime" },
};
static const struct ietf_col sstats_cols[] = {
	{ ST_CMD, ASN_COUNTER, IETF_RO, "iscsiSsnCmdPDUs" },
	{ ST_RSP, ASN_COUNTER, IETF_RO, "iscsiSsnRspPDUs" },
	{ ST_TX, ASN_COUNTER64, IETF_RO, "iscsiSsnTxDataOctets" },
	{ ST_RX, ASN_COUNTER64, IETF_RO, "iscsiSsnRxDataOctets" },
	{ ST_LCTX, ASN_COUNTER, IETF_RO, "iscsiSsnLCTxDataOctets" },
	{ ST_LCRX, ASN_COUNTER, IETF_RO, "iscsiSsnLCRxDataOctets" },
};
static const struct ietf_col cxnerr_cols[] = {
	{ CE_DIGEST, ASN_COUNTER, IETF_RO, "iscsiSsnCxnDigestErrors" },
	{ CE_TIMEOUT, ASN_COUNTER, IETF_RO, "iscsiSsnCxnTimeoutErrors" },
};
static const struct ietf_col conn_cols[] = {
	{ CX_CID, ASN_UNSIGNED, IETF_RO, "iscsiCxnCid" },
	{ CX_STATE, ASN_INTEGER, IETF_RO, "iscsiCxnState" },
	{ CX_ADDRTYPE, ASN_INTEGER, IETF_RO, "iscsiCxnAddrType" },
	{ CX_LADDR, ASN_OCTET_STR, IETF_RO, "iscsiCxnLocalAddr" },
	{ CX_PROTOCOL, ASN_UNSIGNED, IETF_RO, "iscsiCxnProtocol" },
	{ CX_LPORT, ASN_UNSIGNED, IETF_RO, "iscsiCxnLocalPort" },
	{ CX_RADDR, ASN_OCTET_STR, IETF_RO, "iscsiCxnRemoteAddr" },
	{ CX_RPORT, ASN_UNSIGNED, IETF_RO, "iscsiCxnRemotePort" },
	{ CX_MAXRECV, ASN_UNSIGNED, IETF_RO, "iscsiCxnMaxRecvDataSegLength" },
	{ CX_MAXXMIT, ASN_UNSIGNED, IETF_RO, "iscsiCxnMaxXmitDataSegLength" },
	{ CX_HDR, ASN_INTEGER, IETF_RO, "iscsiCxnHeaderIntegrity" },
	{ CX_DATA, ASN_INTEGER, IETF_RO, "iscsiCxnDataIntegrity" },
	{ CX_RMARKER, ASN_INTEGER, IETF_RO, "iscsiCxnRecvMarker" },
	{ CX_SMARKER, ASN_INTEGER, IETF_RO, "iscsiCxnSendMarker" },
	{ CX_VERSION, ASN_UNSIGNED, IETF_RO, "iscsiCxnVersionActive" },
};

/* ---------------------------------------------------------------- values */

static int session_value(struct ietf *x, const struct ietf_row *r, u_long col,
			 netsnmp_variable_list *vb)
{
	const struct lm_obs_session *s = r->s;
	const struct ietf_ident *id;

	switch (col) {
	case SS_DIRECTION: ietf_set_int(vb, ASN_INTEGER, 1); return 0; /* inboundSession */
	case SS_INAME: ietf_set_str(vb, s->name, LM_OBS_NAME_MAX); return 0;
	case SS_TNAME: ietf_set_str(vb, "", 0); return 0;
	case SS_TSIH:
		if (!s->tsih)
			return 1;
		ietf_set_int(vb, ASN_UNSIGNED, (long)s->tsih);
		return 0;
	case SS_ISID:
		if (!s->has_isid)
			return 1;
		ietf_set_bytes(vb, s->isid, 6);
		return 0;
	case SS_IALIAS:
		if (!s->has_alias)
			return 1;
		ietf_set_str(vb, s->alias, LM_OBS_ALIAS_MAX);
		return 0;
	/* a session lunmap sees is a target's: never discovery */
	case SS_TYPE: ietf_set_int(vb, ASN_INTEGER, 1); return 0;
	case SS_CONNS: ietf_set_int(vb, ASN_GAUGE, (long)s->nconns_total); return 0;
	case SS_AUTH:
		/* the identity this target let the initiator in by, if any */
		id = s->name[0] && ietf_initiator_pos(r->t, s->name, true) ? ietf_ident_of(x, s->name)
									   : NULL;
		if (id)
			ietf_identity_pointer(vb, id);
		else
			ietf_set_null_oid(vb);
		return 0;
	case SS_DISC: ietf_set_int(vb, ASN_TIMETICKS, (long)ietf_ticks(s->first_seen_ms)); return 0;
	}
	return 1;
}

static int sstats_value(struct ietf *x, const struct ietf_row *r, u_long col,
			netsnmp_variable_list *vb)
{
	const struct lm_obs_counters *c = &r->s->counters;

	(void)x;
	if (!c->known)
		return 1;
	switch (col) {
	case ST_CMD: ietf_set_counter32(vb, c->cmd_pdus); return 0;
	case ST_RSP: ietf_set_counter32(vb, c->rsp_pdus); return 0;
	case ST_TX: ietf_set_u64(vb, c->tx_octets); return 0;
	case ST_RX: ietf_set_u64(vb, c->rx_octets); return 0;
	case ST_LCTX: ietf_set_counter32(vb, c->tx_octets); return 0;
	case ST_LCRX: ietf_set_counter32(vb, c->rx_octets); return 0;
	}
	return 1;
}

static int cxnerr_value(struct ietf *x, const struct ietf_row *r, u_long col,
			netsnmp_variable_list *vb)
{
	const struct lm_obs_counters *c = &r->s->counters;

	(void)x;
	if (!c->errors_known)
		return 1;
	ietf_set_counter32(vb, col == CE_DIGEST ? c->digest_errors : c->timeout_errors);
	return 0;
}

static int conn_value(struct ietf *x, const struct ietf_row *r, u_long col,
		      netsnmp_variable_list *vb)
{
	const struct lm_obs_conn *c = r->c;

	(void)x;
	switch (col) {
	case CX_CID: ietf_set_int(vb, ASN_UNSIGNED, (long)c->cid); return 0;
	case CX_STATE:
		if (c->state == LM_CONN_UNKNOWN)
			return 1;
		ietf_set_int(vb, ASN_INTEGER, c->state);
		return 0;
	case CX_ADDRTYPE:
	case CX_RADDR:
		if (!c->family)
			return 1;
		if (col == CX_ADDRTYPE)
			ietf_set_int(vb, ASN_INTEGER, ietf_addr_type(c->family));
		else
			ietf_set_bytes(vb, c->addr, c->family == 4 ? 4 : 16);
		return 0;
	case CX_PROTOCOL:
		if (!c->protocol)
			return 1;
		ietf_set_int(vb, ASN_UNSIGNED, (long)c->protocol);
		return 0;
	/* RFC 3720 has version 0 only, the one both stacks speak */
	case CX_VERSION: ietf_set_int(vb, ASN_UNSIGNED, 0); return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------- presence */

static bool session_present(struct ietf *x, u_long col)
{
	/* neither stack shows what a session negotiated, nor the target
	 * alias sent; tgt's views show no ISID or alias */
	if (col == SS_TALIAS || col == SS_R2T || col == SS_IMMEDIATE || col == SS_OUTR2T ||
	    col == SS_FIRST || col == SS_MAXBURST || col == SS_SEQORDER || col == SS_PDUORDER ||
	    col == SS_ERL)
		return false;
	return (col != SS_ISID && col != SS_IALIAS) ||
	       (lm_core_observes(x->core) & LM_OBSERVE_SESSION_IDS);
}

static bool cxnerr_present(struct ietf *x, u_long col)
{
	(void)col;
	/* tgt keeps no digest or timeout count per session */
	return ietf_counts(x);
}

static bool conn_present(struct ietf *x, u_long col)
{
	(void)x;
	/* neither stack shows a connection's local address and ports or
	 * what it negotiated */
	return col == CX_CID || col == CX_STATE || col == CX_ADDRTYPE || col == CX_PROTOCOL ||
	       col == CX_RADDR || col == CX_VERSION;
}

/* ---------------------------------------------------------------- tables */

static const struct ietf_level lv_session[] = { IETF_LEVEL_INSTANCE, IETF_LEVEL_BUSY,
						IETF_LEVEL_SESSION };
static const struct ietf_level lv_conn[] = { IETF_LEVEL_INSTANCE,
					     { seek_busy_conn_target, ietf_sub_target },
					     { seek_conn_session, ietf_sub_session },
					     { seek_conn, sub_conn } };

const struct ietf_table ietf_iscsi_session_table =
	IETF_TABLE("iscsiSessionAttributesTable", session_cols, lv_session, session_present,
		   session_value, ISCSI_OBJ, 10, 1, 1);
const struct ietf_table ietf_iscsi_sstats_table =
	IETF_TABLE("iscsiSessionStatsTable", sstats_cols, lv_session, NULL, sstats_value, ISCSI_OBJ,
		   10, 2, 1);
const struct ietf_table ietf_iscsi_cxnerr_table =
	IETF_TABLE("iscsiSessionCxnErrorStatsTable", cxnerr_cols, lv_session, cxnerr_present,
		   cxnerr_value, ISCSI_OBJ, 10, 3, 1);
const struct ietf_table ietf_iscsi_conn_table =
	IETF_TABLE("iscsiConnectionAttributesTable", conn_cols, lv_conn, conn_present, conn_value,
		   ISCSI_OBJ, 11, 1, 1);
