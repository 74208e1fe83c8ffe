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

/* scsiTransportISCSI, scsiTransportTable's and the iSCSI instance's rows */
static const oid transport_iscsi[] = { IETF_SCSI_MIB, 1, 1, 5 };
static const oid iscsi_instance_row[] = { IETF_ISCSI_MIB, 1, 1, 1, 1, 2, IETF_INSTANCE };

/* ---------------------------------------------------------------- levels */

/* the target's initiators by name, 1-based */
static int seek_auth(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	char buf[LM_OBS_NAME_MAX + 1];

	(void)x;
	return ietf_seek_initiator(r, t, n, after, true, buf, sizeof buf);
}

/* a target with at least one initiator by name, for scsiAuthorizedIntrTable */
static int seek_named_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	return ietf_seek_in(x, IETF_NAMED, r, t, n, after);
}

#define L_INST IETF_LEVEL_INSTANCE
#define L_NAMED { seek_named_target, ietf_sub_target }
#define L_AUTH { seek_auth, ietf_sub_initiator }

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
	case TP_IN: ietf_set_counter32(vb, o->port_cmds); return 0;
	case TP_WRITTEN: ietf_set_counter32(vb, o->port_write_mb); return 0;
	case TP_READ: ietf_set_counter32(vb, o->port_read_mb); return 0;
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
	case AI_ATTACHED: ietf_set_counter32(vb, s->attached); return 0;
	case AI_OUT: ietf_set_counter32(vb, s->cmds); return 0;
	case AI_READ: ietf_set_counter32(vb, s->read_mb); return 0;
	case AI_WRITTEN: ietf_set_counter32(vb, s->write_mb); return 0;
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
	return col <= TP_ID || ietf_counts(x);
}

static bool authintr_present(struct ietf *x, u_long col)
{
	/* lunmap keeps no creation time of an ACL entry */
	if (col == AI_CREATION)
		return false;
	return col == AI_DEVORPORT || col == AI_NAME || col == AI_MAP || col == AI_ROWSTATUS ||
	       ietf_counts(x);
}

/* ---------------------------------------------------------------- tables */

static const struct ietf_level lv_inst[] = { L_INST };
static const struct ietf_level lv_dev[] = { L_INST, IETF_LEVEL_TARGET };
static const struct ietf_level lv_port[] = { L_INST, IETF_LEVEL_TARGET, IETF_LEVEL_ONE };
static const struct ietf_level lv_auth[] = { L_INST, L_NAMED, IETF_LEVEL_ZERO, L_AUTH };
static const struct ietf_level lv_att[] = { L_INST, IETF_LEVEL_BUSY, IETF_LEVEL_ONE,
					    IETF_LEVEL_SESSION };

static const struct ietf_table instance_table =
	IETF_TABLE("scsiInstanceTable", instance_cols, lv_inst, NULL, instance_value, SCSI_GENERAL,
		   1, 1);
static const struct ietf_table device_table =
	IETF_TABLE("scsiDeviceTable", device_cols, lv_dev, NULL, device_value, SCSI_GENERAL, 2, 1);
static const struct ietf_table port_table =
	IETF_TABLE("scsiPortTable", port_cols, lv_port, port_present, port_value, SCSI_GENERAL, 3,
		   1);
static const struct ietf_table transport_table =
	IETF_TABLE("scsiTransportTable", transport_cols, lv_port, NULL, transport_value,
		   SCSI_GENERAL, 5, 1);
static const struct ietf_table tgtdev_table =
	IETF_TABLE("scsiTgtDevTable", tgtdev_cols, lv_dev, tgtdev_present, tgtdev_value,
		   SCSI_TARGET, 1, 1);
static const struct ietf_table tgtport_table =
	IETF_TABLE("scsiTgtPortTable", tgtport_cols, lv_port, tgtport_present, tgtport_value,
		   SCSI_TARGET, 2, 1);
static const struct ietf_table authintr_table =
	IETF_TABLE("scsiAuthorizedIntrTable", authintr_cols, lv_auth, authintr_present,
		   authintr_value, SCSI_TARGET, 3, 1, 1);
static const struct ietf_table attintr_table =
	IETF_TABLE("scsiAttIntrPortTable", attintr_cols, lv_att, attintr_present, attintr_value,
		   SCSI_TARGET, 3, 2, 1);

static const struct ietf_table *const tables[] = {
	&instance_table, &device_table, &port_table, &transport_table, &tgtdev_table,
	&tgtport_table, &authintr_table, &attintr_table,
	/* scsi_lu.c */
	&ietf_scsi_lu_table, &ietf_scsi_luid_table, &ietf_scsi_lunmap_table,
};

const struct ietf_mib ietf_scsi_mib = {
	"SCSI-MIB", { IETF_SCSI_MIB }, tables, IETF_N(tables), LM_MIB_SCSI,
};
