/* SPDX-License-Identifier: BSD-3-Clause */
/* LUNMAP-MIB's instances and their OIDs: the one parser that GET, GETNEXT
 * and SET use, and its inverse. */
#include "config.h"

#include <string.h>

#include "agent.h"

const oid lunmapd_objects_oid[] = { LUNMAP_MIB_OID, 1 };
const size_t lunmapd_objects_len = OID_LENGTH(lunmapd_objects_oid);

/* s[0..n): the part of an OID after lunmapObjects. */
int lunmapd_parse_instance(const oid *s, size_t n, struct inst *out)
{
	const struct lunmapd_group *gr;

	memset(out, 0, sizeof *out);
	if (n < 2 || s[0] < G_SUBSYSTEM || s[0] > G_TARGETLUN)
		return SNMP_NOSUCHOBJECT;
	out->g = (int)s[0];
	gr = &lunmapd_groups[out->g];
	if (out->g == G_SUBSYSTEM) {
		if (!lunmapd_column(G_SUBSYSTEM, s[1]))
			return SNMP_NOSUCHOBJECT;
		out->col = s[1];
		return n == 3 && s[2] == 0 ? 0 : SNMP_NOSUCHINSTANCE;
	}
	if (n < 3 || s[1] != 1 || !lunmapd_column(out->g, s[2]))
		return SNMP_NOSUCHOBJECT;
	out->col = s[2];
	if (n != 3 + (size_t)gr->nindex || s[3] == 0 || s[3] > UINT32_MAX ||
	    (gr->nindex == 2 && (s[4] == 0 || s[4] > UINT32_MAX)))
		return SNMP_NOSUCHINSTANCE;
	out->i1 = (uint32_t)s[3];
	if (gr->nindex == 2)
		out->i2 = (uint32_t)s[4];
	return 0;
}

int lunmapd_parse_oid(const oid *name, size_t len, struct inst *out)
{
	if (len <= lunmapd_objects_len ||
	    snmp_oid_compare(name, lunmapd_objects_len, lunmapd_objects_oid, lunmapd_objects_len) != 0) {
		memset(out, 0, sizeof *out);
		return SNMP_NOSUCHOBJECT;
	}
	return lunmapd_parse_instance(name + lunmapd_objects_len, len - lunmapd_objects_len, out);
}

void lunmapd_inst_oid(const struct inst *in, oid *name, size_t *len)
{
	size_t n = lunmapd_objects_len;

	memcpy(name, lunmapd_objects_oid, sizeof lunmapd_objects_oid);
	name[n++] = (oid)in->g;
	if (in->g == G_SUBSYSTEM) {
		name[n++] = in->col;
		name[n++] = 0;
	} else {
		name[n++] = 1;
		name[n++] = in->col;
		name[n++] = in->i1;
		if (lunmapd_groups[in->g].nindex == 2)
			name[n++] = in->i2;
	}
	*len = n;
}
