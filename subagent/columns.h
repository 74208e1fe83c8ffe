/* SPDX-License-Identifier: BSD-3-Clause */
/* LUNMAP-MIB's objects, stated once (mib/LUNMAP-MIB.txt is the
 * contract): GET's types, SET's checks and the names in refusals all
 * read this table, so that a column added to the MIB is added here and
 * nowhere else. */
#ifndef LUNMAPD_COLUMNS_H
#define LUNMAPD_COLUMNS_H

#include <stdbool.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

/* The longest lunmapLunTargetIds: a LUN has at most 255 targets
 * (lunmapSubsystemMaxTargetsPerLun is Unsigned32 (1..255)) of 16 bytes
 * each, so the MIB says SIZE (0..4080); the value then fits in one
 * message, beside a trap's other varbinds. The SET check, GET's buffer
 * and lunmapAssociationChanged's buffer all use this one number. */
#define LUNMAPD_MAX_IDS_LEN 4080

/* The MIB's MAX-ACCESS. */
enum lunmapd_access { LUNMAPD_RO = 1, LUNMAPD_RW, LUNMAPD_RC };

struct lunmapd_col {
	u_long id;   /* the column's arc (a scalar's, under lunmapSubsystem) */
	u_char type; /* the ASN.1 type of its value */
	enum lunmapd_access access;
	/* INTEGER and Unsigned32: the values a SET may write; OCTET STRING:
	 * its sizes (a GET cuts a longer text there) */
	long lo, hi;
	unsigned unit;  /* OCTET STRING: its size is a multiple of this (0: any) */
	bool rowstatus; /* RowStatus: RFC 2579's transitions, not a range */
	const char *name;
	const char *range_why; /* a writable column's refusal of a value out of range */
};

/* The column col of group g (G_*), or NULL when the MIB has none. */
const struct lunmapd_col *lunmapd_column(int g, u_long col);

#endif
