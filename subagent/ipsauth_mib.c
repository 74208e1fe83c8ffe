/* SPDX-License-Identifier: BSD-3-Clause */
/* IPS-AUTH-MIB (RFC 4545), the part ISCSI-MIB's iscsiTgtAuthIdentity
 * points into: one authorization instance, an identity per distinct
 * initiator the inventory lets in (by name or by address), numbered by
 * rank, with its name or its address. lunmap sets no credentials: there
 * are no credential rows. */
#include "config.h"

#include <string.h>

#include "ietf.h"

#define AUTH_OBJ IETF_IPSAUTH_MIB, 1

static int seek_ident(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after,
		      int kind)
{
	bool none;
	uint32_t from = ietf_key_from(t, n, after, &none);

	if (none)
		return 0;
	/* identities of the other kind are few and sorted apart (addresses
	 * before names): this skips them, never a table of LUs */
	for (r->id = ietf_ident_after(x, from ? from - 1 : 0); r->id;
	     r->id = ietf_ident_after(x, r->id->index)) {
		if (kind == 0 || (kind == 1 && r->id->is_name) || (kind == 2 && r->id->family))
			return 1;
	}
	return 0;
}

static int seek_any(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	return seek_ident(x, r, t, n, after, 0);
}

static int seek_named(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	return seek_ident(x, r, t, n, after, 1);
}

static int seek_address(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	return seek_ident(x, r, t, n, after, 2);
}

static size_t sub_ident(const struct ietf_row *r, oid *out)
{
	out[0] = r->id->index;
	return 1;
}

enum {
	IN_DESCR = 2, IN_STORAGE,
	/* an identity's and its name's, alike (entry_value) */
	ID_DESCR = 2, ID_ROWSTATUS, ID_STORAGE,
	NM_NAME = ID_DESCR, NM_ROWSTATUS = ID_ROWSTATUS, NM_STORAGE = ID_STORAGE,
	AD_TYPE = 2, AD_START, AD_END, AD_ROWSTATUS, AD_STORAGE,
};

static const struct ietf_col instance_cols[] = {
	{ IN_DESCR, ASN_OCTET_STR, IETF_RW, "ipsAuthInstDescr" },
	{ IN_STORAGE, ASN_INTEGER, IETF_RW, "ipsAuthInstStorageType" },
};
static const struct ietf_col ident_cols[] = {
	{ ID_DESCR, ASN_OCTET_STR, IETF_RC, "ipsAuthIdentDescription" },
	{ ID_ROWSTATUS, ASN_INTEGER, IETF_RC, "ipsAuthIdentRowStatus" },
	{ ID_STORAGE, ASN_INTEGER, IETF_RC, "ipsAuthIdentStorageType" },
};
static const struct ietf_col name_cols[] = {
	{ NM_NAME, ASN_OCTET_STR, IETF_RC, "ipsAuthIdentName" },
	{ NM_ROWSTATUS, ASN_INTEGER, IETF_RC, "ipsAuthIdentNameRowStatus" },
	{ NM_STORAGE, ASN_INTEGER, IETF_RC, "ipsAuthIdentNameStorageType" },
};
static const struct ietf_col addr_cols[] = {
	{ AD_TYPE, ASN_INTEGER, IETF_RC, "ipsAuthIdentAddrType" },
	{ AD_START, ASN_OCTET_STR, IETF_RC, "ipsAuthIdentAddrStart" },
	{ AD_END, ASN_OCTET_STR, IETF_RC, "ipsAuthIdentAddrEnd" },
	{ AD_ROWSTATUS, ASN_INTEGER, IETF_RC, "ipsAuthIdentAddrRowStatus" },
	{ AD_STORAGE, ASN_INTEGER, IETF_RC, "ipsAuthIdentAddrStorageType" },
};

static int instance_value(struct ietf *x, const struct ietf_row *r, u_long col,
			  netsnmp_variable_list *vb)
{
	(void)x;
	(void)r;
	if (col == IN_DESCR)
		ietf_set_str(vb, "initiators lunmap's inventory lets in", 255);
	else
		ietf_set_int(vb, ASN_INTEGER, IETF_READ_ONLY);
	return 0;
}

/* An identity's row and its name's: the entry (its description, or
 * its name), active, read-only; the two tables number their columns
 * alike. */
static int entry_value(struct ietf *x, const struct ietf_row *r, u_long col,
		       netsnmp_variable_list *vb)
{
	(void)x;
	switch (col) {
	case ID_DESCR: ietf_set_str(vb, r->id->entry, 255); return 0;
	case ID_ROWSTATUS: ietf_set_int(vb, ASN_INTEGER, IETF_ACTIVE); return 0;
	case ID_STORAGE: ietf_set_int(vb, ASN_INTEGER, IETF_READ_ONLY); return 0;
	}
	return 1;
}

static int addr_value(struct ietf *x, const struct ietf_row *r, u_long col,
		      netsnmp_variable_list *vb)
{
	size_t n = r->id->family == 4 ? 4 : 16;

	(void)x;
	switch (col) {
	/* AddressFamilyNumbers ipV4(1), ipV6(2); one address: start = end */
	case AD_TYPE: ietf_set_int(vb, ASN_INTEGER, r->id->family == 4 ? 1 : 2); return 0;
	case AD_START:
	case AD_END: ietf_set_bytes(vb, r->id->addr, n); return 0;
	case AD_ROWSTATUS: ietf_set_int(vb, ASN_INTEGER, IETF_ACTIVE); return 0;
	case AD_STORAGE: ietf_set_int(vb, ASN_INTEGER, IETF_READ_ONLY); return 0;
	}
	return 1;
}

static const struct ietf_level lv_inst[] = { IETF_LEVEL_INSTANCE };
static const struct ietf_level lv_ident[] = { IETF_LEVEL_INSTANCE, { seek_any, sub_ident } };
static const struct ietf_level lv_name[] = { IETF_LEVEL_INSTANCE, { seek_named, sub_ident },
					     IETF_LEVEL_ONE };
static const struct ietf_level lv_addr[] = { IETF_LEVEL_INSTANCE, { seek_address, sub_ident },
					     IETF_LEVEL_ONE };

static const struct ietf_table instance_table =
	IETF_TABLE("ipsAuthInstanceAttributesTable", instance_cols, lv_inst, NULL, instance_value,
		   AUTH_OBJ, 2, 2, 1);
static const struct ietf_table ident_table =
	IETF_TABLE("ipsAuthIdentAttributesTable", ident_cols, lv_ident, NULL, entry_value, AUTH_OBJ,
		   3, 1, 1);
static const struct ietf_table name_table =
	IETF_TABLE("ipsAuthIdentNameAttributesTable", name_cols, lv_name, NULL, entry_value,
		   AUTH_OBJ, 4, 1, 1);
static const struct ietf_table addr_table =
	IETF_TABLE("ipsAuthIdentAddrAttributesTable", addr_cols, lv_addr, NULL, addr_value,
		   AUTH_OBJ, 5, 1, 1);

static const struct ietf_table *const tables[] = {
	&instance_table, &ident_table, &name_table, &addr_table,
};

const struct ietf_mib ietf_ipsauth_mib = {
	"IPS-AUTH-MIB", { IETF_IPSAUTH_MIB }, tables, IETF_N(tables), LM_MIB_ISCSI,
};
