/* SPDX-License-Identifier: BSD-3-Clause */
/* RESERVE1's checks: each varbind of a SET alone, before anything is
 * planned, with net-snmp's netsnmp_check_vb_* driven by LUNMAP-MIB's
 * column table (columns.c): notWritable, noCreation, wrongType,
 * wrongLength, wrongValue and RowStatus's transitions (RFC 3416 4.2.5). */
#include "config.h"

#include "agent.h"

static bool row_exists(const struct lm_core *c, uint32_t lun, uint32_t target)
{
	const struct lm_lun *l = lm_core_lun(c, lun);
	const struct lm_assoc *v;
	size_t n;

	if (!l)
		return false;
	v = lm_lun_assocs(l, &n);
	return lm_assoc_find(v, n, target) != NULL;
}

static int verdict(struct lunmapd_verdict *v, int status, lm_hr hr, const char *why)
{
	v->status = status;
	v->hr = hr;
	snprintf(v->why, sizeof v->why, "%s", why);
	return status;
}

/* A cell of a LUN or target that does not exist cannot be created. */
static int check_exists(struct lunmapd *d, const struct inst *in, struct lunmapd_verdict *v)
{
	if (in->g == G_SUBSYSTEM)
		return SNMP_ERR_NOERROR;
	if (!lm_core_lun(d->core, in->i1))
		return verdict(v, SNMP_ERR_NOCREATION, LM_VDS_E_OBJECT_NOT_FOUND, "no such LUN");
	if (in->g == G_ASSOC && !lm_core_target(d->core, in->i2))
		return verdict(v, SNMP_ERR_NOCREATION, LM_VDS_E_OBJECT_NOT_FOUND, "no such target");
	return SNMP_ERR_NOERROR;
}

static int check_rowstatus(struct lunmapd *d, const struct lunmapd_col *c,
			   const struct inst *in, const netsnmp_variable_list *vb,
			   struct lunmapd_verdict *v)
{
	long want = *vb->val.integer;
	int rc;

	/* a row is created and goes at once, or not at all (RFC 2579 lets
	 * an agent refuse createAndWait) */
	if (want == RS_CREATEANDWAIT || want == RS_NOTINSERVICE)
		return verdict(v, SNMP_ERR_WRONGVALUE, LM_E_INVALIDARG,
			       "createAndWait and notInService are not supported");
	rc = netsnmp_check_vb_rowstatus(vb, row_exists(d->core, in->i1, in->i2) ? RS_ACTIVE
										 : RS_NONEXISTENT);
	if (rc == SNMP_ERR_INCONSISTENTVALUE)
		return verdict(v, rc, LM_E_INVALIDARG,
			       want == RS_CREATEANDGO ? "the row exists already"
						      : "the row does not exist");
	if (rc)
		return verdict(v, rc, LM_E_INVALIDARG, c->range_why);
	return SNMP_ERR_NOERROR;
}

/* The value against its column's range or sizes (columns.c). */
static int check_value(struct lunmapd *d, const struct lunmapd_col *c, const struct inst *in,
		       const netsnmp_variable_list *vb, struct lunmapd_verdict *v)
{
	int rc;

	if (c->rowstatus)
		return check_rowstatus(d, c, in, vb, v);
	/* the one writable OCTET STRING is a list of ids */
	if (c->type == ASN_OCTET_STR) {
		if (!netsnmp_check_vb_size_range(vb, (size_t)c->lo, (size_t)c->hi) &&
		    (!c->unit || vb->val_len % c->unit == 0))
			return SNMP_ERR_NOERROR;
		snprintf(v->why, sizeof v->why,
			 "%zu bytes is not a list of %u-byte ids (at most %ld)", vb->val_len,
			 c->unit, c->hi);
		v->status = SNMP_ERR_WRONGLENGTH;
		v->hr = LM_E_INVALIDARG;
		return v->status;
	}
	/* Unsigned32 compares as unsigned, INTEGER as signed */
	rc = c->type == ASN_UNSIGNED ? netsnmp_check_vb_range(vb, (size_t)c->lo, (size_t)c->hi)
				     : netsnmp_check_vb_int_range(vb, (int)c->lo, (int)c->hi);
	if (rc)
		return verdict(v, SNMP_ERR_WRONGVALUE, LM_E_INVALIDARG, c->range_why);
	return SNMP_ERR_NOERROR;
}

static const char *not_type(u_char type)
{
	switch (type) {
	case ASN_OCTET_STR: return "not an OCTET STRING";
	case ASN_UNSIGNED: return "not an Unsigned32";
	default: return "not an INTEGER";
	}
}

/* The column of an object a value could ever be written to (whatever
 * the instance), or NULL. */
static const struct lunmapd_col *writable(const struct inst *in)
{
	const struct lunmapd_col *c = lunmapd_column(in->g, in->col);

	return c && c->access != LUNMAPD_RO ? c : NULL;
}

int lunmapd_check_varbind(struct lunmapd *d, const netsnmp_variable_list *vb, struct inst *in,
			  struct lunmapd_verdict *v)
{
	int rc = lunmapd_parse_oid(vb->name, vb->name_length, in);
	const struct lunmapd_col *c = rc == SNMP_NOSUCHOBJECT ? NULL : writable(in);

	/* RFC 3416 4.2.5: an object no value could ever be written to is
	 * notWritable, existing or not; noCreation is for an instance of a
	 * writable object that cannot be created (a LUN or target that does
	 * not exist, a malformed index) */
	if (!c)
		return verdict(v, SNMP_ERR_NOTWRITABLE, LM_E_INVALIDARG, "not writable");
	if (rc)
		return verdict(v, SNMP_ERR_NOCREATION, LM_VDS_E_OBJECT_NOT_FOUND,
			       "no such instance in LUNMAP-MIB");
	if (netsnmp_check_vb_type(vb, c->type))
		return verdict(v, SNMP_ERR_WRONGTYPE, LM_E_INVALIDARG, not_type(c->type));
	if (check_exists(d, in, v))
		return v->status;
	return check_value(d, c, in, vb, v);
}

/* A varbind's object for a message: lunmapLunTargetIds.3, ... (a
 * writable object by its name, as the table has it; any other by its
 * numbers, as refusals have always named them) */
const char *lunmapd_describe(const struct inst *in, const netsnmp_variable_list *vb)
{
	static char buf[96];
	const struct lunmapd_col *c = writable(in);
	const char *name = c ? c->name : NULL;

	if (!name) {
		/* numeric: lunmapd loads no MIB */
		size_t n = 0;
		buf[0] = '\0';
		for (size_t i = 0; i < vb->name_length && n < sizeof buf; i++)
			n += (size_t)snprintf(buf + n, sizeof buf - n, ".%lu", (u_long)vb->name[i]);
		return buf;
	}
	if (in->g == G_SUBSYSTEM)
		snprintf(buf, sizeof buf, "%s.0", name);
	else if (in->g == G_LUN)
		snprintf(buf, sizeof buf, "%s.%u", name, in->i1);
	else
		snprintf(buf, sizeof buf, "%s.%u.%u", name, in->i1, in->i2);
	return buf;
}
