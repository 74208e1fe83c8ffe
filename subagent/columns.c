/* SPDX-License-Identifier: BSD-3-Clause */
/* LUNMAP-MIB's columns (columns.h): one row per object, in OID order
 * within each group, so that a column is found by its arc. */
#include "config.h"

#include "agent.h"

/* SnmpAdminString (SIZE (0..255)), as GET cuts a text */
#define TEXT(id, name) { id, ASN_OCTET_STR, LUNMAPD_RO, 0, 255, 0, false, name, NULL }
#define RO(id, type, name) { id, type, LUNMAPD_RO, 0, 0, 0, false, name, NULL }
#define GUID(id, name) { id, ASN_OCTET_STR, LUNMAPD_RO, 16, 16, 0, false, name, NULL }

static const struct lunmapd_col subsystem_cols[] = {
	TEXT(S_NAME, "lunmapSubsystemName"),
	TEXT(S_BACKEND, "lunmapSubsystemBackend"),
	RO(S_STATUS, ASN_INTEGER, "lunmapSubsystemStatus"),
	RO(S_MAX, ASN_UNSIGNED, "lunmapSubsystemMaxTargetsPerLun"),
	RO(S_LASTCHANGE, ASN_TIMETICKS, "lunmapSubsystemLastChange"),
	{ S_REFRESH, ASN_INTEGER, LUNMAPD_RW, 1, LM_RESTORE, 0, false, "lunmapSubsystemRefresh",
	  "not idle(1), refresh(2), reenumerate(3) or restore(4)" },
	RO(S_ERRCODE, ASN_UNSIGNED, "lunmapLastErrorCode"),
	TEXT(S_ERRTEXT, "lunmapLastErrorText"),
	RO(S_COUNT, ASN_GAUGE, "lunmapAssociationCount"),
	{ S_SPINLOCK, ASN_INTEGER, LUNMAPD_RW, 0, 2147483647, 0, false, "lunmapSpinLock",
	  "not a TestAndIncr value (0..2147483647)" },
	{ S_FORCE, ASN_INTEGER, LUNMAPD_RW, FORCE_NORMAL, FORCE_FORCE, 0, false,
	  "lunmapSubsystemForce", "not normal(1) or force(2)" },
	RO(S_REAPPLIED, ASN_COUNTER, "lunmapStackReapplyCount"),
	RO(S_ERRLUN, ASN_UNSIGNED, "lunmapLastErrorLun"),
	RO(S_ACTIONDONE, ASN_GAUGE, "lunmapActionStepsDone"),
	RO(S_ACTIONTOTAL, ASN_GAUGE, "lunmapActionSteps"),
	RO(S_ACTIONRESULT, ASN_UNSIGNED, "lunmapActionResult"),
	TEXT(S_ACTIONTEXT, "lunmapActionText"),
};

static const struct lunmapd_col lun_cols[] = {
	GUID(L_ID, "lunmapLunId"),
	TEXT(L_NAME, "lunmapLunName"),
	TEXT(L_PATH, "lunmapLunBackingStore"),
	RO(L_SIZE, ASN_COUNTER64, "lunmapLunSize"),
	RO(L_STATUS, ASN_INTEGER, "lunmapLunStatus"),
	{ L_TARGETIDS, ASN_OCTET_STR, LUNMAPD_RW, 0, LUNMAPD_MAX_IDS_LEN, 16, false,
	  "lunmapLunTargetIds", NULL },
	RO(L_TARGETCOUNT, ASN_GAUGE, "lunmapLunTargetCount"),
	RO(L_LASTERROR, ASN_UNSIGNED, "lunmapLunLastErrorCode"),
	{ L_SERIAL, ASN_OCTET_STR, LUNMAPD_RO, 32, 32, 0, false, "lunmapLunSerial", NULL },
	GUID(L_NAA, "lunmapLunNaa"),
};

static const struct lunmapd_col target_cols[] = {
	GUID(T_ID, "lunmapTargetId"),
	{ T_IQN, ASN_OCTET_STR, LUNMAPD_RO, 0, 223, 0, false, "lunmapTargetIqn", NULL },
	TEXT(T_ALIAS, "lunmapTargetAlias"),
	RO(T_STATUS, ASN_INTEGER, "lunmapTargetStatus"),
	{ T_LUNIDS, ASN_OCTET_STR, LUNMAPD_RO, 0, LUNMAPD_MAX_TARGET_LUN_IDS * 16, 16, false,
	  "lunmapTargetLunIds", NULL },
	RO(T_LUNCOUNT, ASN_GAUGE, "lunmapTargetLunCount"),
	RO(T_FOREIGN, ASN_GAUGE, "lunmapTargetForeignLunCount"),
};

static const struct lunmapd_col assoc_cols[] = {
	{ A_NUMBER, ASN_UNSIGNED, LUNMAPD_RC, 0, LM_MAX_LUN_NUMBER, 0, false,
	  "lunmapAssocLunNumber", "LUN number out of range (0..16383)" },
	{ A_ROWSTATUS, ASN_INTEGER, LUNMAPD_RC, RS_ACTIVE, RS_DESTROY, 0, true,
	  "lunmapAssocRowStatus", "not a RowStatus value for a write" },
	{ A_ACCESS, ASN_INTEGER, LUNMAPD_RC, ACCESS_RW, ACCESS_RO, 0, false, "lunmapAssocAccess",
	  "not readWrite(1) or readOnly(2)" },
};

static const struct lunmapd_col targetlun_cols[] = {
	{ TL_NUMBER, ASN_UNSIGNED, LUNMAPD_RO, 0, LM_MAX_LUN_NUMBER, 0, false,
	  "lunmapTargetLunNumber", NULL },
};

#define GROUP(v, n) v, sizeof v / sizeof v[0], n

const struct lunmapd_group lunmapd_groups[] = {
	[G_SUBSYSTEM] = { GROUP(subsystem_cols, 0) },
	[G_LUN] = { GROUP(lun_cols, 1) },
	[G_TARGET] = { GROUP(target_cols, 1) },
	[G_ASSOC] = { GROUP(assoc_cols, 2) },
	[G_TARGETLUN] = { GROUP(targetlun_cols, 2) },
};

const struct lunmapd_col *lunmapd_column(int g, u_long col)
{
	const struct lunmapd_group *gr;

	if (g < G_SUBSYSTEM || g > G_TARGETLUN)
		return NULL;
	gr = &lunmapd_groups[g];
	if (col < gr->cols[0].id || col > gr->cols[gr->ncols - 1].id)
		return NULL;
	/* arcs are consecutive: test_read checks it */
	return &gr->cols[col - gr->cols[0].id];
}
