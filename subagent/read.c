/* GET and GETNEXT over the whole of lunmapObjects, each answered with
 * binary searches of the core's model: no table scan per request. */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "agent.h"

static const oid objects_oid[] = { LUNMAP_MIB_OID, 1 };

/* One instance: a scalar (col, 0) or a table cell (col, i1[, i2]). */
struct inst {
	int g;
	u_long col;
	uint32_t i1, i2;
};

static const struct {
	u_long first, last;
	int nindex;
} groups[] = {
	[G_SUBSYSTEM] = { S_NAME, S_COUNT, 0 },
	[G_LUN] = { L_ID, L_LASTERROR, 1 },
	[G_TARGET] = { T_ID, T_LUNCOUNT, 1 },
	[G_ASSOC] = { A_NUMBER, A_ROWSTATUS, 2 },
	[G_TARGETLUN] = { TL_NUMBER, TL_NUMBER, 2 },
};

static const struct lm_links *links_of(const struct lm_model *m, int g, uint32_t a)
{
	if (g == G_ASSOC) {
		const struct lm_lun *l = lm_model_lun(m, a);
		return l ? &l->links : NULL;
	}
	const struct lm_target *t = lm_model_target(m, a);
	return t ? &t->links : NULL;
}

static uint32_t linked_after(const struct lm_model *m, int g, uint32_t a)
{
	return g == G_ASSOC ? lm_model_linked_lun_after(m, a) : lm_model_linked_target_after(m, a);
}

/* The first row whose index is greater than the OID suffix idx[0..n). */
static int next_row(const struct lm_model *m, int g, const oid *idx, size_t n, struct inst *out)
{
	const struct lm_links *links;
	const struct lm_link *k = NULL;
	uint32_t a;

	if (n && idx[0] > UINT32_MAX)
		return 0;
	if (groups[g].nindex == 1) {
		uint32_t after = n ? (uint32_t)idx[0] : 0;
		if (g == G_LUN) {
			const struct lm_lun *l = lm_model_lun_after(m, after);
			return l ? (out->i1 = l->index, 1) : 0;
		}
		const struct lm_target *t = lm_model_target_after(m, after);
		return t ? (out->i1 = t->index, 1) : 0;
	}
	a = n ? (uint32_t)idx[0] : 0;
	if (n && (links = links_of(m, g, a)) && links->n) {
		if (n == 1)
			k = &links->v[0];
		else if (idx[1] <= UINT32_MAX)
			k = lm_links_after(links, (uint32_t)idx[1]);
	}
	if (!k) {
		a = linked_after(m, g, a);
		if (!a)
			return 0;
		k = &links_of(m, g, a)->v[0];
	}
	out->i1 = a;
	out->i2 = k->index;
	return 1;
}

static int exact_row(const struct lm_model *m, int g, const oid *idx, size_t n, struct inst *out)
{
	const struct lm_links *links;

	if (n != (size_t)groups[g].nindex || idx[0] > UINT32_MAX || (n == 2 && idx[1] > UINT32_MAX))
		return 0;
	out->i1 = (uint32_t)idx[0];
	if (g == G_LUN)
		return lm_model_lun(m, out->i1) != NULL;
	if (g == G_TARGET)
		return lm_model_target(m, out->i1) != NULL;
	out->i2 = (uint32_t)idx[1];
	links = links_of(m, g, out->i1);
	return links && lm_links_find(links, out->i2);
}

/* GETNEXT: the first instance after s[0..n) (the part after lunmapObjects). */
static int find_next(const struct lm_model *m, const oid *s, size_t n, struct inst *out)
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
			if (c0 <= S_COUNT) {
				out->col = c0;
				return 1;
			}
			continue;
		}
		if (sn && sub[0] > 1)
			continue;
		if (sn < 2 || sub[0] < 1 || sub[1] < groups[g].first) {
			c0 = groups[g].first;
			sn = 0;
		} else {
			c0 = sub[1];
		}
		for (u_long c = c0; c <= groups[g].last; c++) {
			int found = c == c0 && sn ? next_row(m, g, sub + 2, sn - 2, out)
						  : next_row(m, g, NULL, 0, out);
			if (found) {
				out->col = c;
				return 1;
			}
		}
	}
	return 0;
}

static int find_exact(const struct lm_model *m, const oid *s, size_t n, struct inst *out)
{
	if (n < 2 || s[0] < G_SUBSYSTEM || s[0] > G_TARGETLUN)
		return SNMP_NOSUCHOBJECT;
	out->g = (int)s[0];
	if (out->g == G_SUBSYSTEM) {
		if (s[1] < S_NAME || s[1] > S_COUNT)
			return SNMP_NOSUCHOBJECT;
		out->col = s[1];
		return n == 3 && s[2] == 0 ? 0 : SNMP_NOSUCHINSTANCE;
	}
	if (n < 3 || s[1] != 1 || s[2] < groups[out->g].first || s[2] > groups[out->g].last)
		return SNMP_NOSUCHOBJECT;
	out->col = s[2];
	return exact_row(m, out->g, s + 3, n - 3, out) ? 0 : SNMP_NOSUCHINSTANCE;
}

static void inst_oid(const struct inst *in, oid *name, size_t *len)
{
	size_t n = 0;

	memcpy(name, objects_oid, sizeof objects_oid);
	n = OID_LENGTH(objects_oid);
	name[n++] = (oid)in->g;
	if (in->g == G_SUBSYSTEM) {
		name[n++] = in->col;
		name[n++] = 0;
	} else {
		name[n++] = 1;
		name[n++] = in->col;
		name[n++] = in->i1;
		if (groups[in->g].nindex == 2)
			name[n++] = in->i2;
	}
	*len = n;
}

void lunmapd_target_ids(struct lm_core *c, const struct lm_lun *l, u_char *buf, size_t *len)
{
	const struct lm_model *m = lm_core_model(c);

	*len = 0;
	for (size_t i = 0; i < l->links.n && *len + 16 <= 4080; i++) {
		memcpy(buf + *len, lm_model_target(m, l->links.v[i].index)->id.b, 16);
		*len += 16;
	}
}

static void set_str(netsnmp_variable_list *vb, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	snmp_set_var_typed_value(vb, ASN_OCTET_STR, s ? s : "", n > 255 ? 255 : n);
}

static void set_int(netsnmp_variable_list *vb, u_char type, long v)
{
	snmp_set_var_typed_value(vb, type, &v, sizeof v);
}

static void subsystem_value(struct lunmapd *d, const struct inst *in, netsnmp_variable_list *vb)
{
	const struct lm_model *m = lm_core_model(d->core);

	switch (in->col) {
	case S_NAME: set_str(vb, m->name); break;
	case S_BACKEND: set_str(vb, lm_core_backend_conf(d->core)->type); break;
	case S_STATUS: set_int(vb, ASN_INTEGER, m->status); break;
	case S_MAX: set_int(vb, ASN_UNSIGNED, (long)m->max_targets_per_lun); break;
	case S_LASTCHANGE: set_int(vb, ASN_TIMETICKS, (long)d->last_change); break;
	case S_REFRESH: set_int(vb, ASN_INTEGER, 1); break;
	case S_ERRCODE: set_int(vb, ASN_UNSIGNED, (long)d->last_error); break;
	case S_ERRTEXT: set_str(vb, d->last_error_text); break;
	case S_COUNT: set_int(vb, ASN_GAUGE, (long)m->nassoc); break;
	}
}

static void lun_value(struct lunmapd *d, const struct inst *in, netsnmp_variable_list *vb)
{
	const struct lm_lun *l = lm_model_lun(lm_core_model(d->core), in->i1);
	struct counter64 size;
	u_char buf[4080];
	size_t len;

	switch (in->col) {
	case L_ID: snmp_set_var_typed_value(vb, ASN_OCTET_STR, l->id.b, 16); break;
	case L_NAME: set_str(vb, l->name); break;
	case L_PATH: set_str(vb, l->path); break;
	case L_SIZE:
		size.high = (u_long)(l->size >> 32);
		size.low = (u_long)(l->size & 0xffffffffu);
		snmp_set_var_typed_value(vb, ASN_COUNTER64, &size, sizeof size);
		break;
	case L_STATUS: set_int(vb, ASN_INTEGER, l->status); break;
	case L_TARGETIDS:
		lunmapd_target_ids(d->core, l, buf, &len);
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, buf, len);
		break;
	case L_TARGETCOUNT: set_int(vb, ASN_GAUGE, (long)l->links.n); break;
	case L_LASTERROR: set_int(vb, ASN_UNSIGNED, (long)l->last_error); break;
	}
}

/* QueryAssociatedLuns; an OCTET STRING holds 4095 ids at most. */
static void target_lun_ids(const struct lm_model *m, const struct lm_target *t,
			   netsnmp_variable_list *vb)
{
	size_t n = t->links.n > 4095 ? 4095 : t->links.n;
	u_char *buf = malloc(n * 16 + 1);

	if (!buf) {
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, "", 0);
		return;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(buf + 16 * i, lm_model_lun(m, t->links.v[i].index)->id.b, 16);
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, buf, n * 16);
	free(buf);
}

static void target_value(struct lunmapd *d, const struct inst *in, netsnmp_variable_list *vb)
{
	const struct lm_model *m = lm_core_model(d->core);
	const struct lm_target *t = lm_model_target(m, in->i1);

	switch (in->col) {
	case T_ID: snmp_set_var_typed_value(vb, ASN_OCTET_STR, t->id.b, 16); break;
	case T_IQN: set_str(vb, t->iqn); break;
	case T_ALIAS: set_str(vb, t->alias); break;
	case T_STATUS: set_int(vb, ASN_INTEGER, t->status); break;
	case T_LUNIDS: target_lun_ids(m, t, vb); break;
	case T_LUNCOUNT: set_int(vb, ASN_GAUGE, (long)t->links.n); break;
	}
}

static void link_value(struct lunmapd *d, const struct inst *in, netsnmp_variable_list *vb)
{
	const struct lm_links *links = links_of(lm_core_model(d->core), in->g, in->i1);
	const struct lm_link *k = lm_links_find(links, in->i2);

	if (in->g == G_ASSOC && in->col == A_ROWSTATUS)
		set_int(vb, ASN_INTEGER, RS_ACTIVE);
	else
		set_int(vb, ASN_UNSIGNED, (long)k->number);
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
int lunmapd_get(struct lunmapd *d, netsnmp_request_info *r, int exact)
{
	const struct lm_model *m = lm_core_model(d->core);
	netsnmp_variable_list *vb = r->requestvb;
	size_t base = OID_LENGTH(objects_oid);
	const oid *s = vb->name + base;
	size_t n = vb->name_length > base ? vb->name_length - base : 0;
	struct inst in = { 0 };
	oid name[MAX_OID_LEN];
	size_t len;
	int rc;

	if (exact) {
		rc = find_exact(m, s, n, &in);
		if (rc)
			return rc;
		value(d, &in, vb);
		return 0;
	}
	/* an OID before lunmapObjects starts the walk at its beginning */
	if (snmp_oid_compare(vb->name, vb->name_length, objects_oid, base) < 0)
		n = 0;
	if (!find_next(m, s, n, &in))
		return 0;
	inst_oid(&in, name, &len);
	snmp_set_var_objid(vb, name, len);
	value(d, &in, vb);
	return 0;
}
