/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "glue.h"
#include "sim.h"
#include "stack.h"
#include "state.h"
#include "util.h"

/* ---------------------------------------------------------------- traps */

#define MAX_TRAPS 256
static netsnmp_variable_list *traps[MAX_TRAPS];
static size_t ntraps;

void __wrap_send_v2trap(netsnmp_variable_list *vars);
void __wrap_send_v2trap(netsnmp_variable_list *vars)
{
	assert_true(ntraps < MAX_TRAPS);
	traps[ntraps++] = snmp_clone_varbind(vars);
}

size_t gfx_ntraps(void)
{
	return ntraps;
}

int gfx_trap(size_t i, const netsnmp_variable_list **vars)
{
	const netsnmp_variable_list *v = traps[i];

	assert_true(i < ntraps);
	/* the first varbind is snmpTrapOID.0 = lunmapNotifications.N */
	assert_int_equal(v->type, ASN_OBJECT_ID);
	*vars = v->next_variable;
	return (int)v->val.objid[v->val_len / sizeof(oid) - 1];
}

void gfx_traps_clear(void)
{
	for (size_t i = 0; i < ntraps; i++)
		snmp_free_varbind(traps[i]);
	ntraps = 0;
}

/* ---------------------------------------------------------------- fixture */

/* The n-th id of a kind: its first 24 hex digits (prefix), then n. */
static lm_guid nth_id(const char *prefix, size_t n)
{
	char text[40];
	lm_guid g;

	snprintf(text, sizeof text, "%s%012zx", prefix, n);
	assert_int_equal(lm_guid_parse(text, &g), LM_S_OK);
	return g;
}

lm_guid gfx_lun_id(size_t n)
{
	return nth_id("0b7e2d7c-8f0a-4d6e-a1f3-", n);
}

lm_guid gfx_target_id(size_t n)
{
	return nth_id("6f1c7b0e-4f7a-4c84-9d55-", n);
}

static void write_inventory(struct gfx *f, const struct gfx_opts *o)
{
	char max[48] = "", timeout[32] = "", id[40], iqn[48], attrs[300], *path;
	struct tu_inv v;

	if (o->max_per_lun)
		snprintf(max, sizeof max, " max-targets-per-lun=\"%u\"", o->max_per_lun);
	if (o->timeout_ms)
		snprintf(timeout, sizeof timeout, " timeout-ms=\"%u\"", o->timeout_ms);
	tu_inv_begin(&v, "glue", max);
	tu_inv_add(&v, "<backend type=\"tgt\" check-interval=\"0\"%s/>", timeout);
	for (size_t i = 1; i <= o->ntargets; i++) {
		lm_guid g = gfx_target_id(i);
		const char *inits = o->initiators ? o->initiators[i - 1] : NULL;
		lm_guid_format(&g, id);
		snprintf(iqn, sizeof iqn, "iqn.2026-11.org.example:t%zu", i);
		snprintf(attrs, sizeof attrs, " alias=\"t%zu\"%s%s%s", i, inits ? " initiators=\"" : "",
			 inits ? inits : "", inits ? "\"" : "");
		tu_inv_target(&v, iqn, id, attrs);
	}
	for (size_t i = 1; i <= o->nluns; i++) {
		lm_guid g = gfx_lun_id(i);
		char name[16], lun[16];
		snprintf(name, sizeof name, "lun%zu.img", i);
		snprintf(lun, sizeof lun, "l%zu", i);
		path = tu_sparse(f->dir, name, 1 << 20);
		lm_guid_format(&g, id);
		tu_inv_lun(&v, lun, path, id);
		free(path);
	}
	if (o->failed_lun) {
		lm_guid g = gfx_lun_id(o->nluns + 1);
		lm_guid_format(&g, id);
		assert_true(asprintf(&path, "%s/never-created.img", f->dir) > 0);
		tu_inv_lun(&v, "failed", path, id);
		free(path);
	}
	f->inv = tu_inv_end(&v, f->dir);
}

struct gfx *gfx_open(const struct gfx_opts *o)
{
	struct gfx *f = calloc(1, sizeof *f);
	struct lm_core_opts co = { 0 };
	struct lm_err err;

	assert_non_null(f);
	f->dir = tu_tmpdir();
	assert_true(asprintf(&f->state_dir, "%s/state", f->dir) > 0);
	assert_int_equal(mkdir(f->state_dir, 0700), 0);
	f->nluns = o->nluns;
	f->ntargets = o->ntargets;
	f->failed_lun = o->failed_lun ? (uint32_t)o->nluns + 1 : 0;
	f->transid = 100;
	write_inventory(f, o);
	co.inventory = f->inv;
	co.state_dir = f->state_dir;
	co.backend = f->sim = lm_sim_new();
	if (lm_core_open(&co, &f->d.core, &err) != LM_S_OK)
		fail_msg("open: %s", err.msg);
	f->d.last_status = lm_core_status(f->d.core);
	/* indexes follow the inventory's order */
	for (size_t i = 1; i <= o->nluns; i++) {
		lm_guid want = gfx_lun_id(i);
		assert_int_equal(lm_guid_cmp(lm_lun_id(lm_core_lun(f->d.core, (uint32_t)i)), &want), 0);
	}
	for (size_t i = 1; i <= o->ntargets; i++) {
		lm_guid want = gfx_target_id(i);
		assert_int_equal(
			lm_guid_cmp(lm_target_id(lm_core_target(f->d.core, (uint32_t)i)), &want), 0);
	}
	gfx_traps_clear();
	return f;
}

void gfx_close(struct gfx *f)
{
	if (!f)
		return;
	lunmapd_set_abandon(&f->d);
	lm_core_close(f->d.core);
	tu_rmtree(f->dir);
	free(f->inv);
	free(f->state_dir);
	free(f->dir);
	free(f);
	gfx_traps_clear();
}

/* ---------------------------------------------------------------- OIDs */

static struct goid make(size_t n, const oid *sub)
{
	struct goid o;

	assert_true(lunmapd_objects_len + n <= MAX_OID_LEN);
	memcpy(o.name, lunmapd_objects_oid, lunmapd_objects_len * sizeof(oid));
	if (n)
		memcpy(o.name + lunmapd_objects_len, sub, n * sizeof(oid));
	o.len = lunmapd_objects_len + n;
	return o;
}

struct goid goid_raw(size_t n, const oid *sub) { return make(n, sub); }
struct goid goid_scalar(u_long col) { return make(3, (oid[]){ G_SUBSYSTEM, col, 0 }); }
struct goid goid_lun(u_long col, oid lun) { return make(4, (oid[]){ G_LUN, 1, col, lun }); }
struct goid goid_target(u_long col, oid t) { return make(4, (oid[]){ G_TARGET, 1, col, t }); }

struct goid goid_assoc(u_long col, oid lun, oid t)
{
	return make(5, (oid[]){ G_ASSOC, 1, col, lun, t });
}

struct goid goid_targetlun(oid t, oid lun)
{
	return make(5, (oid[]){ G_TARGETLUN, 1, TL_NUMBER, t, lun });
}

/* ---------------------------------------------------------------- GET */

int gfx_get(struct gfx *f, const struct goid *o, int exact, netsnmp_variable_list **out)
{
	netsnmp_agent_request_info reqinfo = { .mode = exact ? MODE_GET : MODE_GETNEXT };
	netsnmp_request_info r = { 0 };
	netsnmp_variable_list *vb = NULL;
	int rc;

	snmp_varlist_add_variable(&vb, o->name, o->len, ASN_NULL, NULL, 0);
	assert_non_null(vb);
	r.requestvb = vb;
	r.index = 1;
	rc = lunmapd_get_all(&f->d, &reqinfo, &r);
	assert_int_equal(rc, SNMP_ERR_NOERROR);
	*out = vb;
	if (r.status)
		return r.status;
	if (vb->type == SNMP_NOSUCHOBJECT || vb->type == SNMP_NOSUCHINSTANCE ||
	    vb->type == SNMP_ENDOFMIBVIEW)
		return vb->type;
	return 0;
}

/* ---------------------------------------------------------------- SET */

void gset_raw(struct gset *s, const struct goid *o, u_char type, const void *val, size_t len)
{
	/* snmp_varlist_add_variable wants a non-NULL value for a length */
	static const u_char empty[1];

	assert_non_null(snmp_varlist_add_variable(&s->vars, o->name, o->len, type,
						  val ? val : empty, len));
	s->n++;
}

void gset_int(struct gset *s, const struct goid *o, u_char type, long v)
{
	gset_raw(s, o, type, &v, sizeof v);
}

void gset_ids(struct gset *s, oid lun, const size_t *targets, size_t n)
{
	u_char *buf = malloc(16 * n + 1);
	struct goid o = goid_lun(L_TARGETIDS, lun);

	for (size_t i = 0; i < n; i++) {
		lm_guid g = gfx_target_id(targets[i]);
		memcpy(buf + 16 * i, g.b, 16);
	}
	gset_raw(s, &o, ASN_OCTET_STR, buf, 16 * n);
	free(buf);
}

void gset_free(struct gset *s)
{
	snmp_free_varbind(s->vars);
	memset(s, 0, sizeof *s);
}

struct gpdu {
	struct gfx *f;
	netsnmp_agent_request_info reqinfo;
	netsnmp_agent_session asp;
	netsnmp_pdu pdu;
	netsnmp_request_info *requests;
	size_t n;
};

struct gpdu *gpdu_new(struct gfx *f, struct gset *s, long transid)
{
	struct gpdu *p = calloc(1, sizeof *p);
	size_t i = 0;

	assert_non_null(p);
	p->f = f;
	p->pdu.transid = transid;
	p->pdu.command = SNMP_MSG_SET;
	p->asp.pdu = &p->pdu;
	p->reqinfo.asp = &p->asp;
	p->n = s->n;
	p->requests = calloc(s->n ? s->n : 1, sizeof *p->requests);
	assert_non_null(p->requests);
	for (netsnmp_variable_list *v = s->vars; v; v = v->next_variable, i++) {
		p->requests[i].requestvb = v;
		p->requests[i].index = (int)i + 1;
		if (i)
			p->requests[i].prev = &p->requests[i - 1];
		if (i + 1 < s->n)
			p->requests[i].next = &p->requests[i + 1];
	}
	return p;
}

int gpdu_phase(struct gpdu *p, int mode)
{
	for (size_t i = 0; i < p->n; i++)
		p->requests[i].status = 0;
	p->reqinfo.mode = mode;
	return lunmapd_set(&p->f->d, &p->reqinfo, p->n ? p->requests : NULL);
}

int gpdu_error(struct gpdu *p, int *status)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->requests[i].status) {
			*status = p->requests[i].status;
			return p->requests[i].index;
		}
	*status = 0;
	return 0;
}

void gpdu_free(struct gpdu *p)
{
	if (!p)
		return;
	free(p->requests);
	free(p);
}

int gfx_set(struct gfx *f, struct gset *s, int *index)
{
	struct gpdu *p = gpdu_new(f, s, ++f->transid);
	int status = 0, rc;

	*index = 0;
	rc = gpdu_phase(p, MODE_SET_RESERVE1);
	if (!rc)
		rc = gpdu_phase(p, MODE_SET_RESERVE2);
	if (rc) {
		*index = gpdu_error(p, &status);
		assert_int_equal(status, rc);
		gpdu_phase(p, MODE_SET_FREE);
		goto out;
	}
	rc = gpdu_phase(p, MODE_SET_ACTION);
	if (rc) {
		*index = gpdu_error(p, &status);
		assert_int_equal(status, rc);
		gpdu_phase(p, MODE_SET_UNDO);
	} else {
		gpdu_phase(p, MODE_SET_COMMIT);
	}
	gpdu_phase(p, MODE_SET_FREE);
out:
	/* a SET leaves nothing pending */
	assert_null(f->d.set);
	gpdu_free(p);
	return rc;
}

/* ---------------------------------------------------------------- state */

static void print_vb(FILE *m, const netsnmp_variable_list *vb)
{
	for (size_t i = 0; i < vb->name_length; i++)
		fprintf(m, ".%lu", (unsigned long)vb->name[i]);
	fprintf(m, " %d:", vb->type);
	for (size_t i = 0; i < vb->val_len; i++)
		fprintf(m, "%02x", vb->val.string[i]);
	fputc('\n', m);
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_stack(FILE *m, struct gfx *f)
{
	struct lm_stack *s = lm_sim_stack(f->sim);
	size_t n = 0, cap = 16;
	char **lines = malloc(cap * sizeof *lines);

	for (size_t i = 0; i < s->ntargets; i++)
		for (size_t j = 0; j <= s->targets[i].nlus; j++) {
			if (n == cap)
				lines = realloc(lines, (cap *= 2) * sizeof *lines);
			if (j == s->targets[i].nlus)
				assert_true(asprintf(&lines[n++], "%s", s->targets[i].iqn) > 0);
			else
				assert_true(asprintf(&lines[n++], "%s:%u:%s", s->targets[i].iqn,
						     s->targets[i].lus[j].number,
						     s->targets[i].lus[j].path) > 0);
		}
	qsort(lines, n, sizeof *lines, line_cmp);
	for (size_t i = 0; i < n; i++) {
		fprintf(m, "%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
}

static char *snapshot(struct gfx *f, bool files)
{
	char *out = NULL, path[4096];
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	struct goid o = goid_raw(0, NULL);

	for (;;) {
		netsnmp_variable_list *vb;
		struct inst in;
		gfx_get(f, &o, 0, &vb);
		if (snmp_oid_compare(vb->name, vb->name_length, o.name, o.len) <= 0) {
			snmp_free_varbind(vb);
			break;
		}
		memcpy(o.name, vb->name, vb->name_length * sizeof(oid));
		o.len = vb->name_length;
		assert_int_equal(lunmapd_parse_oid(vb->name, vb->name_length, &in), 0);
		/* the objects a refusal itself sets, and what the last
		 * action did (which a cure sets) */
		if (!(in.g == G_SUBSYSTEM && (in.col == S_ERRCODE || in.col == S_ERRTEXT ||
					      in.col == S_ERRLUN || in.col == S_ACTIONRESULT ||
					      in.col == S_ACTIONTEXT)) &&
		    !(in.g == G_LUN && in.col == L_LASTERROR))
			print_vb(m, vb);
		snmp_free_varbind(vb);
	}
	fprintf(m, "--- stack\n");
	print_stack(m, f);
	for (int i = 0; files && i < 2; i++) {
		char *text;
		snprintf(path, sizeof path, "%s/%s", f->state_dir, i ? LM_JOURNAL_FILE : LM_STATE_FILE);
		text = tu_read(path, NULL);
		fprintf(m, "--- %s\n%s", path, text ? text : "");
		free(text);
	}
	fclose(m);
	return out;
}

char *gfx_snapshot(struct gfx *f) { return snapshot(f, true); }
char *gfx_snapshot_model(struct gfx *f) { return snapshot(f, false); }

char *gfx_targets_of(struct gfx *f, uint32_t lun)
{
	size_t n;
	const struct lm_assoc *v = lm_lun_assocs(lm_core_lun(f->d.core, lun), &n);
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);

	for (size_t i = 0; i < n; i++)
		fprintf(m, "%s%u", i ? "," : "", v[i].index);
	fclose(m);
	return out;
}
