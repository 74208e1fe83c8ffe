/* SPDX-License-Identifier: BSD-3-Clause */
/* SCSI-MIB's logical units (RFC 4455 scsiLuTable, scsiLuIdTable and
 * scsiLunMapTable; scsi_mib.c has the rest of the MIB): an LU per
 * association of a lunmap target (scsiLuIndex = the LUN's stable index),
 * its NAA identifier, and the target device's one LUN map, which every
 * initiator the target admits uses. The counters are the stack's (LIO's
 * configfs statistics), walked only over the LUs the look counted. */
#include "config.h"

#include <string.h>

#include "ietf.h"

#define SCSI_LU IETF_SCSI_MIB, 2, 4

/* ---------------------------------------------------------------- levels */

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

#define L_INST IETF_LEVEL_INSTANCE
#define L_LU { seek_lu, sub_lu }

/* ---------------------------------------------------------------- columns */

enum {
	LU_DEFAULT = 2, LU_WWN, LU_VENDOR, LU_PRODUCT, LU_REVISION, LU_TYPE, LU_STATUS, LU_STATE,
	LU_IN, LU_READ, LU_WRITTEN, LU_RESETS, LU_FULL, LU_HSIN, LU_CREATION,
	ID_CODESET = 2, ID_ASSOC, ID_TYPE, ID_VALUE,
	MAP_LU = 3, MAP_ROWSTATUS,
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
	case LU_IN: ietf_set_counter32(vb, lu->lu_cmds); return 0;
	case LU_READ: ietf_set_counter32(vb, lu->lu_read_mb); return 0;
	case LU_WRITTEN: ietf_set_counter32(vb, lu->lu_write_mb); return 0;
	case LU_RESETS: ietf_set_counter32(vb, lu->lu_resets); return 0;
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

static bool lu_present(struct ietf *x, u_long col)
{
	/* LIO's full_stat is a constant 0; no creation time per association */
	if (col == LU_FULL || col == LU_CREATION)
		return false;
	if (col >= LU_IN)
		return ietf_counts(x);
	if (col >= LU_VENDOR && col <= LU_REVISION)
		return lm_core_lu_inquiry(x->core) || ietf_counts(x);
	return true;
}

/* The LU's counters, and its INQUIRY strings when the stack tells them
 * per LU (LIO), are there only for the LUs the last look counted. */
static bool lu_sparse(struct ietf *x, u_long col)
{
	return col >= LU_IN || (col >= LU_VENDOR && col <= LU_REVISION && !lm_core_lu_inquiry(x->core));
}

/* ---------------------------------------------------------------- tables */

static const struct ietf_level lv_lu[] = { L_INST, IETF_LEVEL_LINKED, L_LU };
static const struct ietf_level lv_lu_counted[] = { L_INST, { seek_counted_target, ietf_sub_target },
						   { seek_counted_lu, sub_lu } };
static const struct ietf_level lv_luid[] = { L_INST, IETF_LEVEL_LINKED, L_LU, IETF_LEVEL_ONE };
static const struct ietf_level lv_map[] = { L_INST, IETF_LEVEL_LINKED, IETF_LEVEL_ONE,
					    { seek_lun, sub_lun } };

const struct ietf_table ietf_scsi_lu_table = {
	.name = "scsiLuTable", .entry = { SCSI_LU, 1, 1 },
	.entry_len = IETF_N(((const oid[]){ SCSI_LU, 1, 1 })), .cols = lu_cols,
	.ncols = IETF_N(lu_cols), .levels = lv_lu, .nlevels = IETF_N(lv_lu), .present = lu_present,
	.value = lu_value, .sparse = lu_sparse, .sparse_levels = lv_lu_counted,
	.nsparse = IETF_N(lv_lu_counted),
};
const struct ietf_table ietf_scsi_luid_table =
	IETF_TABLE("scsiLuIdTable", luid_cols, lv_luid, NULL, luid_value, SCSI_LU, 2, 1);
const struct ietf_table ietf_scsi_lunmap_table =
	IETF_TABLE("scsiLunMapTable", lunmap_cols, lv_map, NULL, lunmap_value, SCSI_LU, 3, 1);
