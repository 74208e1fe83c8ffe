/* SPDX-License-Identifier: BSD-3-Clause */
/* SCSI-MIB (RFC 4455) as lunmap's model shows it: one SCSI instance; a
 * SCSI target device per lunmap target (scsiDeviceIndex = its stable
 * index), with one target port (its portal group, tag 1) and one iSCSI
 * transport; an LU per association (scsiLuIndex = the LUN's stable
 * index), its NAA identifier, and one LUN map per target device, which
 * every initiator the target admits uses. The counters are the stack's
 * (LIO's configfs statistics); docs/mib-compliance.md says which objects
 * each backend serves and why the others are absent. */
#include "config.h"

#include <string.h>

#include "ietf.h"

#define SCSI_OBJ IETF_SCSI_MIB, 2
#define SCSI_GENERAL SCSI_OBJ, 1
#define SCSI_TARGET SCSI_OBJ, 3
#define SCSI_LU SCSI_OBJ, 4

/* scsiTransportISCSI, scsiTransportTable's and the iSCSI instance's rows */
static const oid transport_iscsi[] = { IETF_SCSI_MIB, 1, 1, 5 };
static const oid iscsi_instance_row[] = { IETF_ISCSI_MIB, 1, 1, 1, 1, 2, IETF_INSTANCE };

/* ---------------------------------------------------------------- levels */

static int seek_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	return ietf_seek_target(x, r, t, n, after, false);
}

static int seek_linked_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	return ietf_seek_target(x, r, t, n, after, true);
}

static size_t sub_target(const struct ietf_row *r, oid *out)
{
	out[0] = lm_target_index(r->t);
	return 1;
}

static int seek_one(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	(void)x;
	(void)r;
	return ietf_seek_const(1, t, n, after);
}

static size_t sub_one(const struct ietf_row *r, oid *out)
{
	(void)r;
	out[0] = 1;
	return 1;
}

static int seek_zero(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	(void)x;
	(void)r;
	return ietf_seek_const(0, t, n, after);
}

static size_t sub_zero(const struct ietf_row *r, oid *out)
{
	(void)r;
	out[0] = 0;
	return 1;
}

/* the target's LUs by LUN index */
static int seek_lu(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	size_t na;
	const struct lm_assoc *v = lm_target_assocs(r->t, &na);
	bool none;
	uint32_t from = ietf_key_from(t, n, after, &none);

	if (none)
		return 0;
	r->a = from ? lm_assoc_after(v, na, from - 1) : (na ? &v[0] : NULL);
	if (!r->a)
		return 0;
	r->l = lm_core_lun(x->core, r->a->index);
	return r->l != NULL;
}

static size_t sub_lu(const struct ietf_row *r, oid *out)
{
	out[0] = r->a->index;
	return 1;
}

/* The LUN map's ScsiLUN index: its length (8) and its eight octets,
 * ascending with the LUN number. */
static void lun_sub_ids(uint32_t number, oid out[9])
{
	uint8_t b[8];

	ietf_scsi_lun(number, b);
	out[0] = 8;
	for (int i = 0; i < 8; i++)
		out[1 + i] = b[i];
}

static int seek_lun(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	const struct ietf_view *w = ietf_view_of(x, r->t);
	size_t lo = 0, hi;

	if (!w)
		return 0;
	hi = w->n;
	/* the first association whose sub-ids are >= t (or > when after) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, m = n < 9 ? n : 9;
		oid k[9];
		int c;
		lun_sub_ids(w->by_number[mid].number, k);
		c = snmp_oid_compare(k, m, t, m);
		if (c < 0 || (c == 0 && after))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == w->n)
		return 0;
	r->a = &w->by_number[lo];
	r->number = r->a->number;
	r->l = lm_core_lun(x->core, r->a->index);
	return r->l != NULL;
}

static size_t sub_lun(const struct ietf_row *r, oid *out)
{
	lun_sub_ids(r->number, out);
	return 9;
}

/* a linked target some of whose LUs the stack's look has counters of */
static int seek_counted_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	return ietf_seek_in(x, IETF_COUNTED, r, t, n, after);
}

/* the target's LUs with counters, by LUN index */
static int seek_counted_lu(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	const struct ietf_view *w = ietf_view_of(x, r->t);
	bool none;
	uint32_t from = ietf_key_from(t, n, after, &none);
	size_t lo = 0, hi, na;
	const struct lm_assoc *v;

	if (none || !w)
		return 0;
	hi = w->ncounted;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->counted[mid] < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == w->ncounted)
		return 0;
	v = lm_target_assocs(r->t, &na);
	r->a = lm_assoc_find(v, na, w->counted[lo]);
	r->l = r->a ? lm_core_lun(x->core, r->a->index) : NULL;
	return r->l != NULL;
}

/* the target's initiators by name, 1-based */
static int seek_auth(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	char buf[LM_OBS_NAME_MAX + 1];
	bool none;
	uint32_t from = ietf_key_from(t, n, after, &none);

	(void)x;
	if (none)
		return 0;
	r->k[0] = from ? from : 1;
	return ietf_initiator_at(r->t, r->k[0], true, buf, sizeof buf);
}

static size_t sub_auth(const struct ietf_row *r, oid *out)
{
	out[0] = r->k[0];
	return 1;
}

static size_t sub_session(const struct ietf_row *r, oid *out)
{
	out[0] = r->s->id;
	return 1;
}

/* a target with at least one initiator by name, for scsiAuthorizedIntrTable */
static int seek_named_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	return ietf_seek_in(x, IETF_NAMED, r, t, n, after);
}

/* a target with sessions, for scsiAttIntrPortTable */
static int seek_busy_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	return ietf_seek_in(x, IETF_BUSY, r, t, n, after);
}

#define L_INST IETF_LEVEL_INSTANCE
#define L_TARGET { seek_target, sub_target }
#define L_LINKED { seek_linked_target, sub_target }
#define L_NAMED { seek_named_target, sub_target }
#define L_BUSY { seek_busy_target, sub_target }
#define L_ONE { seek_one, sub_one }
#define L_ZERO { seek_zero, sub_zero }
#define L_LU { seek_lu, sub_lu }
#define L_COUNTED_TARGET { seek_counted_target, sub_target }
#define L_COUNTED_LU { seek_counted_lu, sub_lu }
#define L_LUN { seek_lun, sub_lun }
#define L_AUTH { seek_auth, sub_auth }
#define L_SESSION { ietf_seek_session, sub_session }

/* ---------------------------------------------------------------- columns */

enum {
	INST_ALIAS = 2, INST_SOFTWARE, INST_VERSION, INST_NOTIFY, INST_STORAGE,
	DEV_ALIAS = 2, DEV_ROLE, DEV_PORTS,
	PORT_ROLE = 2, PORT_TRANSPORT, PORT_BUSY,
	TR_TYPE = 2, TR_POINTER, TR_NAME,
	TD_LUS = 1, TD_STATUS, TD_NONACCESSIBLE, TD_RESETS,
	TP_NAME = 1, TP_ID, TP_IN, TP_WRITTEN, TP_READ, TP_HSIN,
	AI_DEVORPORT = 3, AI_NAME, AI_MAP, AI_ATTACHED, AI_OUT, AI_READ, AI_WRITTEN, AI_HSOUT,
	AI_CREATION, AI_ROWSTATUS,
	AT_AUTH = 2, AT_NAME, AT_ID,
	LU_DEFAULT = 2, LU_WWN, LU_VENDOR, LU_PRODUCT, LU_REVISION, LU_TYPE, LU_STATUS, LU_STATE,
	LU_IN, LU_READ, LU_WRITTEN, LU_RESETS, LU_FULL, LU_HSIN, LU_CREATION,
	ID_CODESET = 2, ID_ASSOC, ID_TYPE, ID_VALUE,
	MAP_LU = 3, MAP_ROWSTATUS,
};

static const struct ietf_col instance_cols[] = {
	{ INST_ALIAS, ASN_OCTET_STR, IETF_RW, "scsiInstAlias" },
	{ INST_SOFTWARE, ASN_INTEGER, IETF_RO, "scsiInstSoftwareIndex" },
	{ INST_VERSION, ASN_OCTET_STR, IETF_RO, "scsiInstVendorVersion" },
	{ INST_NOTIFY, ASN_INTEGER, IETF_RW, "scsiInstScsiNotificationsEnable" },
	{ INST_STORAGE, ASN_INTEGER, IETF_RW, "scsiInstStorageType" },
};
static const struct ietf_col device_cols[] = {
	{ DEV_ALIAS, ASN_OCTET_STR, IETF_RW, "scsiDeviceAlias" },
	{ DEV_ROLE, ASN_OCTET_STR, IETF_RO, "scsiDeviceRole" },
	{ DEV_PORTS, ASN_UNSIGNED, IETF_RO, "scsiDevicePortNumber" },
};
static const struct ietf_col port_cols[] = {
	{ PORT_ROLE, ASN_OCTET_STR, IETF_RO, "scsiPortRole" },
	{ PORT_TRANSPORT, ASN_OBJECT_ID, IETF_RO, "scsiPortTransportPtr" },
	{ PORT_BUSY, ASN_COUNTER, IETF_RO, "scsiPortBusyStatuses" },
};
static const struct ietf_col transport_cols[] = {
	{ TR_TYPE, ASN_OBJECT_ID, IETF_RO, "scsiTransportType" },
	{ TR_POINTER, ASN_OBJECT_ID, IETF_RO, "scsiTransportPointer" },
	{ TR_NAME, ASN_OCTET_STR, IETF_RO, "scsiTransportDevName" },
};
static const struct ietf_col tgtdev_cols[] = {
	{ TD_LUS, ASN_GAUGE, IETF_RO, "scsiTgtDevNumberOfLUs" },
	{ TD_STATUS, ASN_INTEGER, IETF_RO, "scsiTgtDeviceStatus" },
	{ TD_NONACCESSIBLE, ASN_GAUGE, IETF_RO, "scsiTgtDevNonAccessibleLUs" },
	{ TD_RESETS, ASN_COUNTER, IETF_RO, "scsiTgtDevResets" },
};
static const struct ietf_col tgtport_cols[] = {
	{ TP_NAME, ASN_OCTET_STR, IETF_RO, "scsiTgtPortName" },
	{ TP_ID, ASN_OCTET_STR, IETF_RO, "scsiTgtPortIdentifier" },
	{ TP_IN, ASN_COUNTER, IETF_RO, "scsiTgtPortInCommands" },
	{ TP_WRITTEN, ASN_COUNTER, IETF_RO, "scsiTgtPortWrittenMegaBytes" },
	{ TP_READ, ASN_COUNTER, IETF_RO, "scsiTgtPortReadMegaBytes" },
	{ TP_HSIN, ASN_COUNTER64, IETF_RO, "scsiTgtPortHSInCommands" },
};
static const struct ietf_col authintr_cols[] = {
	{ AI_DEVORPORT, ASN_INTEGER, IETF_RC, "scsiAuthIntrDevOrPort" },
	{ AI_NAME, ASN_OCTET_STR, IETF_RC, "scsiAuthIntrName" },
	{ AI_MAP, ASN_UNSIGNED, IETF_RC, "scsiAuthIntrLunMapIndex" },
	{ AI_ATTACHED, ASN_COUNTER, IETF_RO, "scsiAuthIntrAttachedTimes" },
	{ AI_OUT, ASN_COUNTER, IETF_RO, "scsiAuthIntrOutCommands" },
	{ AI_READ, ASN_COUNTER, IETF_RO, "scsiAuthIntrReadMegaBytes" },
	{ AI_WRITTEN, ASN_COUNTER, IETF_RO, "scsiAuthIntrWrittenMegaBytes" },
	{ AI_HSOUT, ASN_COUNTER64, IETF_RO, "scsiAuthIntrHSOutCommands" },
	{ AI_CREATION, ASN_TIMETICKS, IETF_RO, "scsiAuthIntrLastCreation" },
	{ AI_ROWSTATUS, ASN_INTEGER, IETF_RC, "scsiAuthIntrRowStatus" },
};
static const struct ietf_col attintr_cols[] = {
	{ AT_AUTH, ASN_UNSIGNED, IETF_RO, "scsiAttIntrPortAuthIntrIdx" },
	{ AT_NAME, ASN_OCTET_STR, IETF_RO, "scsiAttIntrPortName" },
	{ AT_ID, ASN_OCTET_STR, IETF_RO, "scsiAttIntrPortIdentifier" },
};
static const struct ietf_col lu_cols[] = {
	{ LU_DEFAULT, ASN_OCTET_STR, IETF_RO, "scsiLuDefaultLun" },
	{ LU_WWN, ASN_OCTET_STR, IETF_RO, "scsiLuWwnName" },
	{ LU_VENDOR, ASN_OCTET_STR, IETF_RO, "scsiLuVendorId" },
	{ LU_PRODUCT, ASN_OCTET_STR, IETF_RO, "scsiLuProductId" },
	{ LU_REVISION, ASN_OCTET_STR, IETF_RO, "scsiLuRevisionId" },
	{ LU_TYPE, ASN_UNSIGNED, IETF_RO, "scsiLuPeripheralType" },
	{ LU_STATUS, ASN_INTEGER, IETF_RO, "scsiLuStatus" },
	{ LU_STATE, ASN_OCTET_STR, IETF_RO, "scsiLuState" },
	{ LU_IN, ASN_COUNTER, IETF_RO, "scsiLuInCommands" },
	{ LU_READ, ASN_COUNTER, IETF_RO, "scsiLuReadMegaBytes" },
	{ LU_WRITTEN, ASN_COUNTER, IETF_RO, "scsiLuWrittenMegaBytes" },
	{ LU_RESETS, ASN_COUNTER, IETF_RO, "scsiLuInResets" },
	{ LU_FULL, ASN_COUNTER, IETF_RO, "scsiLuOutTaskSetFullStatus" },
	{ LU_HSIN, ASN_COUNTER64, IETF_RO, "scsiLuHSInCommands" },
	{ LU_CREATION, ASN_TIMETICKS, IETF_RO, "scsiLuLastCreation" },
};
static const struct ietf_col luid_cols[] = {
	{ ID_CODESET, ASN_UNSIGNED, IETF_RO, "scsiLuIdCodeSet" },
	{ ID_ASSOC, ASN_UNSIGNED, IETF_RO, "scsiLuIdAssociation" },
	{ ID_TYPE, ASN_UNSIGNED, IETF_RO, "scsiLuIdType" },
	{ ID_VALUE, ASN_OCTET_STR, IETF_RO, "scsiLuIdValue" },
};
static const struct ietf_col lunmap_cols[] = {
	{ MAP_LU, ASN_UNSIGNED, IETF_RC, "scsiLunMapLuIndex" },
	{ MAP_ROWSTATUS, ASN_INTEGER, IETF_RC, "scsiLunMapRowStatus" },
};

/* ---------------------------------------------------------------- values */

/* BITS { target(0), initiator(1) } with target set */
static const u_char role_target = 0x80;

static void target_port_name(const struct lm_target *t, char *buf, size_t len)
{
	/* RFC 3720 §3.4.2: an iSCSI target port is named by the target's
	 * name and its portal group tag */
	snprintf(buf, len, "%s,t,0x%04x", lm_target_iqn(t), IETF_TPGT);
}

/* scsiTgtDeviceStatus: a failed target is broken, one with a failed LU
 * abnormal (it still serves the others) */
static long device_status(struct ietf *x, const struct lm_target *t)
{
	const struct ietf_view *w = ietf_view_of(x, t);

	if (lm_target_status(t) == LM_FAILED)
		return 3;
	return w && w->failed ? 5 : 2;
}

long ietf_scsi_device_status(struct ietf *x, const struct lm_target *t)
{
	return device_status(x, t);
}

static bool counts(const struct ietf *x)
{
	/* a backend that keeps no counter (tgt, per LU and port) has none of
	 * these objects at all */
	return (lm_core_observes(x->core) & LM_OBSERVE_STATS) != 0;
}

static int instance_value(struct ietf *x, const struct ietf_row *r, u_long col,
			  netsnmp_variable_list *vb)
{
	(void)r;
	switch (col) {
	case INST_ALIAS: ietf_set_str(vb, lm_core_name(x->core), 79); return 0;
	case INST_SOFTWARE: ietf_set_int(vb, ASN_INTEGER, 0); return 0;
	case INST_VERSION: ietf_set_str(vb, PACKAGE_STRING, 255); return 0;
	case INST_NOTIFY: ietf_set_int(vb, ASN_INTEGER, IETF_TRUE); return 0;
	case INST_STORAGE: ietf_set_int(vb, ASN_INTEGER, IETF_READ_ONLY); return 0;
	}
	return 1;
}

static int device_value(struct ietf *x, const struct ietf_row *r, u_long col,
			netsnmp_variable_list *vb)
{
	(void)x;
	switch (col) {
	case DEV_ALIAS: ietf_set_str(vb, lm_target_alias(r->t), 79); return 0;
	case DEV_ROLE: ietf_set_bytes(vb, &role_target, 1); return 0;
	case DEV_PORTS: ietf_set_int(vb, ASN_UNSIGNED, 1); return 0;
	}
	return 1;
}

static int port_value(struct ietf *x, const struct ietf_row *r, u_long col,
		      netsnmp_variable_list *vb)
{
	oid row[] = { SCSI_GENERAL, 5, 1, TR_TYPE, IETF_INSTANCE, lm_target_index(r->t), 1 };

	(void)x;
	switch (col) {
	case PORT_ROLE: ietf_set_bytes(vb, &role_target, 1); return 0;
	case PORT_TRANSPORT: ietf_set_oid(vb, row, OID_LENGTH(row)); return 0;
	}
	return 1;
}

static int transport_value(struct ietf *x, const struct ietf_row *r, u_long col,
			   netsnmp_variable_list *vb)
{
	switch (col) {
	case TR_TYPE: ietf_set_oid(vb, transport_iscsi, OID_LENGTH(transport_iscsi)); return 0;
	case TR_POINTER:
		if (x->mibs & LM_MIB_ISCSI)
			ietf_set_oid(vb, iscsi_instance_row, OID_LENGTH(iscsi_instance_row));
		else
			ietf_set_null_oid(vb);
		return 0;
	case TR_NAME: ietf_set_str(vb, lm_target_iqn(r->t), 262); return 0;
	}
	return 1;
}

static int tgtdev_value(struct ietf *x, const struct ietf_row *r, u_long col,
			netsnmp_variable_list *vb)
{
	const struct ietf_view *w = ietf_view_of(x, r->t);
	size_t n;

	switch (col) {
	case TD_LUS:
		lm_target_assocs(r->t, &n);
		ietf_set_int(vb, ASN_GAUGE, (long)n);
		return 0;
	case TD_STATUS: ietf_set_int(vb, ASN_INTEGER, device_status(x, r->t)); return 0;
	case TD_NONACCESSIBLE:
		if (!w)
			return 1;
		ietf_set_int(vb, ASN_GAUGE, (long)w->failed);
		return 0;
	}
	return 1;
}

static int tgtport_value(struct ietf *x, const struct ietf_row *r, u_long col,
			 netsnmp_variable_list *vb)
{
	const struct lm_target_obs *o = r->obs;
	char name[300];

	(void)x;
	switch (col) {
	case TP_NAME:
	case TP_ID:
		target_port_name(r->t, name, sizeof name);
		ietf_set_str(vb, name, 262);
		return 0;
	}
	if (!o || !o->port_known)
		return 1;
	switch (col) {
	case TP_IN: ietf_set_int(vb, ASN_COUNTER, (long)(o->port_cmds & 0xffffffffu)); return 0;
	case TP_WRITTEN: ietf_set_int(vb, ASN_COUNTER, (long)(o->port_write_mb & 0xffffffffu)); return 0;
	case TP_READ: ietf_set_int(vb, ASN_COUNTER, (long)(o->port_read_mb & 0xffffffffu)); return 0;
	case TP_HSIN: ietf_set_u64(vb, o->port_cmds); return 0;
	}
	return 1;
}

static int authintr_value(struct ietf *x, const struct ietf_row *r, u_long col,
			  netsnmp_variable_list *vb)
{
	char name[LM_OBS_NAME_MAX + 1];
	const struct lm_obs_initiator *s;

	(void)x;
	if (!ietf_initiator_at(r->t, r->k[0], true, name, sizeof name))
		return 1;
	switch (col) {
	case AI_DEVORPORT: ietf_set_int(vb, ASN_INTEGER, 1); return 0; /* device(1) */
	case AI_NAME: ietf_set_str(vb, name, 262); return 0;
	case AI_MAP: ietf_set_int(vb, ASN_UNSIGNED, 1); return 0;
	case AI_ROWSTATUS: ietf_set_int(vb, ASN_INTEGER, IETF_ACTIVE); return 0;
	}
	s = r->obs && r->obs->has_stats ? lm_obs_initiator_find(&r->obs->stats, name) : NULL;
	if (!s)
		return 1;
	switch (col) {
	case AI_ATTACHED: ietf_set_int(vb, ASN_COUNTER, (long)(s->attached & 0xffffffffu)); return 0;
	case AI_OUT: ietf_set_int(vb, ASN_COUNTER, (long)(s->cmds & 0xffffffffu)); return 0;
	case AI_READ: ietf_set_int(vb, ASN_COUNTER, (long)(s->read_mb & 0xffffffffu)); return 0;
	case AI_WRITTEN: ietf_set_int(vb, ASN_COUNTER, (long)(s->write_mb & 0xffffffffu)); return 0;
	case AI_HSOUT: ietf_set_u64(vb, s->cmds); return 0;
	}
	return 1;
}

static int attintr_value(struct ietf *x, const struct ietf_row *r, u_long col,
			 netsnmp_variable_list *vb)
{
	const struct lm_obs_session *s = r->s;
	char id[LM_OBS_NAME_MAX + 32];

	(void)x;
	switch (col) {
	case AT_AUTH:
		ietf_set_int(vb, ASN_UNSIGNED,
			     s->name[0] ? (long)ietf_initiator_pos(r->t, s->name, true) : 0);
		return 0;
	case AT_NAME: ietf_set_str(vb, s->name, 262); return 0;
	case AT_ID:
		/* RFC 3720 §3.4.2: the initiator port is its name and ISID */
		if (!s->name[0] || !s->has_isid)
			return 1;
		snprintf(id, sizeof id, "%s,i,0x%02x%02x%02x%02x%02x%02x", s->name, s->isid[0],
			 s->isid[1], s->isid[2], s->isid[3], s->isid[4], s->isid[5]);
		ietf_set_str(vb, id, 262);
		return 0;
	}
	return 1;
}

/* The LU's counters as the stack's look has them (LIO: the backstore's,
 * the same through every target), or NULL. */
static const struct lm_obs_lu *lu_counts(const struct ietf_row *r)
{
	const struct lm_obs_lu *lu;

	if (!r->obs || !r->obs->has_stats)
		return NULL;
	lu = lm_obs_lu_find(&r->obs->stats, r->a->number);
	return lu && lu->lu_known ? lu : NULL;
}

static int lu_value(struct ietf *x, const struct ietf_row *r, u_long col, netsnmp_variable_list *vb)
{
	const char *const *inq = lm_core_lu_inquiry(x->core);
	const struct lm_obs_lu *lu = lu_counts(r);
	static const u_char no_state[2];
	uint8_t lun[8];

	switch (col) {
	case LU_DEFAULT:
		ietf_scsi_lun(r->a->number, lun);
		ietf_set_bytes(vb, lun, 8);
		return 0;
	case LU_WWN:
		/* the LU's name is a 16-byte NAA IEEE Registered Extended
		 * designator, which ScsiLuNameOrZero (0 or 8 octets) cannot
		 * hold: RFC 4455 has it in scsiLuIdTable then */
		ietf_set_bytes(vb, "", 0);
		return 0;
	case LU_VENDOR:
	case LU_PRODUCT:
	case LU_REVISION: {
		int k = (int)(col - LU_VENDOR);
		const char *v = inq ? inq[k] : !lu ? NULL
			      : k == 0 ? lu->vendor : k == 1 ? lu->product : lu->revision;
		if (!v || !v[0])
			return 1;
		ietf_set_str(vb, v, 255);
		return 0;
	}
	case LU_TYPE: ietf_set_int(vb, ASN_UNSIGNED, 0); return 0; /* direct-access block device */
	case LU_STATUS:
		/* a LUN whose backing store is gone cannot answer a command */
		ietf_set_int(vb, ASN_INTEGER, lm_lun_status(r->l) == LM_FAILED ? 4 : 2);
		return 0;
	case LU_STATE: ietf_set_bytes(vb, no_state, sizeof no_state); return 0;
	}
	if (!lu)
		return 1;
	switch (col) {
	case LU_IN: ietf_set_int(vb, ASN_COUNTER, (long)(lu->lu_cmds & 0xffffffffu)); return 0;
	case LU_READ: ietf_set_int(vb, ASN_COUNTER, (long)(lu->lu_read_mb & 0xffffffffu)); return 0;
	case LU_WRITTEN: ietf_set_int(vb, ASN_COUNTER, (long)(lu->lu_write_mb & 0xffffffffu)); return 0;
	case LU_RESETS: ietf_set_int(vb, ASN_COUNTER, (long)(lu->lu_resets & 0xffffffffu)); return 0;
	case LU_HSIN: ietf_set_u64(vb, lu->lu_cmds); return 0;
	}
	return 1;
}

static int luid_value(struct ietf *x, const struct ietf_row *r, u_long col,
		      netsnmp_variable_list *vb)
{
	uint8_t naa[16];

	switch (col) {
	/* the NAA designator of VPD page 0x83: binary code set, of the LU,
	 * type NAA (SPC-2 tables 172-174) */
	case ID_CODESET: ietf_set_int(vb, ASN_UNSIGNED, 1); return 0;
	case ID_ASSOC: ietf_set_int(vb, ASN_UNSIGNED, 0); return 0;
	case ID_TYPE: ietf_set_int(vb, ASN_UNSIGNED, 3); return 0;
	case ID_VALUE:
		lm_core_lun_naa(x->core, r->l, naa);
		ietf_set_bytes(vb, naa, 16);
		return 0;
	}
	return 1;
}

static int lunmap_value(struct ietf *x, const struct ietf_row *r, u_long col,
			netsnmp_variable_list *vb)
{
	(void)x;
	switch (col) {
	case MAP_LU: ietf_set_int(vb, ASN_UNSIGNED, (long)r->a->index); return 0;
	case MAP_ROWSTATUS: ietf_set_int(vb, ASN_INTEGER, IETF_ACTIVE); return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------- presence */

static bool port_present(struct ietf *x, u_long col)
{
	(void)x;
	/* LIO's busy_count is a constant 0 (target_core_stat.c), tgt has none */
	return col != PORT_BUSY;
}

static bool attintr_present(struct ietf *x, u_long col)
{
	/* the initiator port's identifier is its name and ISID */
	return col != AT_ID || (lm_core_observes(x->core) & LM_OBSERVE_SESSION_IDS);
}

static bool tgtdev_present(struct ietf *x, u_long col)
{
	(void)x;
	/* neither stack counts resets per target device */
	return col != TD_RESETS;
}

static bool tgtport_present(struct ietf *x, u_long col)
{
	return col <= TP_ID || counts(x);
}

static bool authintr_present(struct ietf *x, u_long col)
{
	/* lunmap keeps no creation time of an ACL entry */
	if (col == AI_CREATION)
		return false;
	return col == AI_DEVORPORT || col == AI_NAME || col == AI_MAP || col == AI_ROWSTATUS ||
	       counts(x);
}

static bool lu_present(struct ietf *x, u_long col)
{
	/* LIO's full_stat is a constant 0; no creation time per association */
	if (col == LU_FULL || col == LU_CREATION)
		return false;
	if (col >= LU_IN)
		return counts(x);
	if (col >= LU_VENDOR && col <= LU_REVISION)
		return lm_core_lu_inquiry(x->core) || counts(x);
	return true;
}

/* The LU's counters, and its INQUIRY strings when the stack tells them
 * per LU (LIO), are there only for the LUs the last look counted. */
static bool lu_sparse(struct ietf *x, u_long col)
{
	return col >= LU_IN || (col >= LU_VENDOR && col <= LU_REVISION && !lm_core_lu_inquiry(x->core));
}

/* ---------------------------------------------------------------- tables */

static const struct ietf_level lv_inst[] = { L_INST };
static const struct ietf_level lv_dev[] = { L_INST, L_TARGET };
static const struct ietf_level lv_port[] = { L_INST, L_TARGET, L_ONE };
static const struct ietf_level lv_auth[] = { L_INST, L_NAMED, L_ZERO, L_AUTH };
static const struct ietf_level lv_att[] = { L_INST, L_BUSY, L_ONE, L_SESSION };
static const struct ietf_level lv_lu[] = { L_INST, L_LINKED, L_LU };
static const struct ietf_level lv_lu_counted[] = { L_INST, L_COUNTED_TARGET, L_COUNTED_LU };
static const struct ietf_level lv_luid[] = { L_INST, L_LINKED, L_LU, L_ONE };
static const struct ietf_level lv_map[] = { L_INST, L_LINKED, L_ONE, L_LUN };

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define TABLE(nm, c_, l_, p_, v_, ...)                                                       \
	{ .name = nm, .entry = { __VA_ARGS__ }, .entry_len = N(((const oid[]){ __VA_ARGS__ })), \
	  .cols = c_, .ncols = N(c_), .levels = l_, .nlevels = N(l_), .present = p_, .value = v_ }

static const struct ietf_table tables[] = {
	TABLE("scsiInstanceTable", instance_cols, lv_inst, NULL, instance_value, SCSI_GENERAL, 1, 1),
	TABLE("scsiDeviceTable", device_cols, lv_dev, NULL, device_value, SCSI_GENERAL, 2, 1),
	TABLE("scsiPortTable", port_cols, lv_port, port_present, port_value, SCSI_GENERAL, 3, 1),
	TABLE("scsiTransportTable", transport_cols, lv_port, NULL, transport_value, SCSI_GENERAL, 5, 1),
	TABLE("scsiTgtDevTable", tgtdev_cols, lv_dev, tgtdev_present, tgtdev_value, SCSI_TARGET, 1, 1),
	TABLE("scsiTgtPortTable", tgtport_cols, lv_port, tgtport_present, tgtport_value, SCSI_TARGET,
	      2, 1),
	TABLE("scsiAuthorizedIntrTable", authintr_cols, lv_auth, authintr_present, authintr_value,
	      SCSI_TARGET, 3, 1, 1),
	TABLE("scsiAttIntrPortTable", attintr_cols, lv_att, attintr_present, attintr_value, SCSI_TARGET, 3, 2, 1),
	{ .name = "scsiLuTable", .entry = { SCSI_LU, 1, 1 }, .entry_len = N(((const oid[]){ SCSI_LU, 1, 1 })), .cols = lu_cols,
	  .ncols = N(lu_cols), .levels = lv_lu, .nlevels = N(lv_lu), .present = lu_present,
	  .value = lu_value, .sparse = lu_sparse, .sparse_levels = lv_lu_counted,
	  .nsparse = N(lv_lu_counted) },
	TABLE("scsiLuIdTable", luid_cols, lv_luid, NULL, luid_value, SCSI_LU, 2, 1),
	TABLE("scsiLunMapTable", lunmap_cols, lv_map, NULL, lunmap_value, SCSI_LU, 3, 1),
};

const struct ietf_mib ietf_scsi_mib = {
	"SCSI-MIB", { IETF_SCSI_MIB }, tables, N(tables), LM_MIB_SCSI,
};
