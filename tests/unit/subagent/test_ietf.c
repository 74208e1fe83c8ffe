/* SPDX-License-Identifier: BSD-3-Clause */
/* SCSI-MIB, ISCSI-MIB and IPS-AUTH-MIB through lunmapd's engine, in
 * process, on the sim: the column tables against the MIB files (when
 * Debian's are installed), the index encodings, walks, the sessions and
 * counters of a look, what is absent, and the notifications. */
#include "config.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "glue.h"
#include "ietf.h"
#include "sim.h"
#include "util.h"

#define GOOD "iqn.2026-01.org.example:good"
#define SCSI 1, 3, 6, 1, 2, 1, 139
#define ISCSI 1, 3, 6, 1, 2, 1, 142
#define AUTH 1, 3, 6, 1, 2, 1, 141

struct fx {
	struct gfx *g;
	struct ietf *x;
};

static struct lm_core *core(struct fx *f) { return f->g->d.core; }

/* t1 admits all; t2 a name and an address; t3 the same name. LUN 1 on t1
 * (number 1) and t2; LUN 4 on t1 at 5, LUN 3 at 256, LUN 2 at 300: the
 * LUN map's order is by number, the LU table's by LUN index. */
static int setup(void **state)
{
	static const char *const inits[] = { "ALL", GOOD ",10.0.0.9", GOOD };
	struct gfx_opts o = { .ntargets = 3, .nluns = 4, .max_per_lun = 4, .initiators = inits };
	struct fx *f = calloc(1, sizeof *f);
	struct lm_err err;
	lm_guid l1 = gfx_lun_id(1), l2 = gfx_lun_id(2), l3 = gfx_lun_id(3), l4 = gfx_lun_id(4);
	lm_guid t1 = gfx_target_id(1), t2 = gfx_target_id(2);

	f->g = gfx_open(&o);
	assert_int_equal(lm_add_association(core(f), &l1, &t1, 1, NULL, &err), LM_S_OK);
	assert_int_equal(lm_add_association(core(f), &l1, &t2, 0, NULL, &err), LM_S_OK);
	assert_int_equal(lm_add_association(core(f), &l4, &t1, 5, NULL, &err), LM_S_OK);
	assert_int_equal(lm_add_association(core(f), &l3, &t1, 256, NULL, &err), LM_S_OK);
	assert_int_equal(lm_add_association(core(f), &l2, &t1, 300, NULL, &err), LM_S_OK);
	f->x = ietf_new(core(f));
	assert_non_null(f->x);
	ietf_look(f->x);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ietf_free(f->x);
	gfx_close(f->g);
	free(f);
	return 0;
}

/* ---------------------------------------------------------------- helpers */

static netsnmp_variable_list *vb_of(const oid *name, size_t len)
{
	netsnmp_variable_list *vb = NULL;

	assert_non_null(snmp_varlist_add_variable(&vb, name, len, ASN_NULL, NULL, 0));
	return vb;
}

/* GET: the exception (0: a value, in *out) */
static int get(struct fx *f, const struct ietf_mib *mib, const oid *name, size_t len,
	       netsnmp_variable_list **out)
{
	netsnmp_variable_list *vb = vb_of(name, len);
	int rc = ietf_get(f->x, mib, vb, 1);

	*out = vb;
	return rc;
}

static long get_int(struct fx *f, const struct ietf_mib *mib, const oid *name, size_t len)
{
	netsnmp_variable_list *vb;
	long v;

	assert_int_equal(get(f, mib, name, len, &vb), 0);
	v = *vb->val.integer;
	snmp_free_varbind(vb);
	return v;
}

#define GET_INT(f, mib, ...) get_int(f, mib, (const oid[]){ __VA_ARGS__ }, \
				     sizeof((const oid[]){ __VA_ARGS__ }) / sizeof(oid))
#define GET(f, mib, out, ...) get(f, mib, (const oid[]){ __VA_ARGS__ }, \
				  sizeof((const oid[]){ __VA_ARGS__ }) / sizeof(oid), out)

/* GETNEXT from name: the next varbind (NULL when the MIB has no more) */
static netsnmp_variable_list *next(struct fx *f, const struct ietf_mib *mib, const oid *name,
				   size_t len)
{
	netsnmp_variable_list *vb = vb_of(name, len);

	assert_int_equal(ietf_get(f->x, mib, vb, 0), 0);
	if (snmp_oid_compare(vb->name, vb->name_length, name, len) <= 0) {
		assert_int_equal(vb->type, ASN_NULL);
		snmp_free_varbind(vb);
		return NULL;
	}
	return vb;
}

/* The instances of one column under prefix, their last index sub-ids. */
static size_t column_rows(struct fx *f, const struct ietf_mib *mib, const oid *col, size_t clen,
			  oid rows[][12], size_t max)
{
	oid name[MAX_OID_LEN];
	size_t len = clen, n = 0;

	memcpy(name, col, clen * sizeof(oid));
	for (netsnmp_variable_list *vb; (vb = next(f, mib, name, len));) {
		bool in = vb->name_length > clen &&
			  snmp_oid_compare(vb->name, clen, col, clen) == 0;
		if (in && n < max) {
			memset(rows[n], 0, sizeof rows[n]);
			memcpy(rows[n], vb->name + clen, (vb->name_length - clen) * sizeof(oid));
			n++;
		}
		memcpy(name, vb->name, vb->name_length * sizeof(oid));
		len = vb->name_length;
		snmp_free_varbind(vb);
		if (!in)
			break;
	}
	return n;
}

/* ---------------------------------------------------------------- column tables */

static const struct ietf_mib *const mibs[] = { &ietf_scsi_mib, &ietf_iscsi_mib, &ietf_ipsauth_mib };

static bool type_matches(u_char asn, int mibtype)
{
	switch (asn) {
	case ASN_INTEGER: return mibtype == TYPE_INTEGER || mibtype == TYPE_INTEGER32;
	case ASN_OCTET_STR: return mibtype == TYPE_OCTETSTR || mibtype == TYPE_BITSTRING;
	case ASN_GAUGE: return mibtype == TYPE_GAUGE || mibtype == TYPE_UNSIGNED32;
	case ASN_COUNTER: return mibtype == TYPE_COUNTER;
	case ASN_COUNTER64: return mibtype == TYPE_COUNTER64;
	case ASN_TIMETICKS: return mibtype == TYPE_TIMETICKS;
	case ASN_OBJECT_ID: return mibtype == TYPE_OBJID;
	}
	return false;
}

static bool access_matches(enum ietf_access a, int mibaccess)
{
	switch (a) {
	case IETF_RO: return mibaccess == MIB_ACCESS_READONLY;
	case IETF_RW: return mibaccess == MIB_ACCESS_READWRITE;
	case IETF_RC: return mibaccess == MIB_ACCESS_CREATE;
	}
	return false;
}

/* Each MIB's tables in OID order, each table's columns ascending; with
 * Debian's MIB files, every column's name is the object at its OID, of
 * its type and access, and every table has as many index levels as the MIB's INDEX
 * (an AUGMENTS table its base's). */
static void test_column_tables(void **state)
{
	static const char dirs[] = "/var/lib/mibs/ietf:/var/lib/mibs/iana";
	bool files = access("/var/lib/mibs/ietf/SCSI-MIB", R_OK) == 0 &&
		     access("/var/lib/mibs/ietf/ISCSI-MIB", R_OK) == 0 &&
		     access("/var/lib/mibs/ietf/IPS-AUTH-MIB", R_OK) == 0;

	(void)state;
	if (files) {
		netsnmp_set_mib_directory(dirs);
		netsnmp_init_mib();
		files = read_module("SCSI-MIB") && read_module("ISCSI-MIB") &&
			read_module("IPS-AUTH-MIB");
	}
	if (!files)
		print_message("Debian's IETF MIB files are not installed: names and types not checked\n");
	for (size_t m = 0; m < 3; m++) {
		const struct ietf_mib *mib = mibs[m];
		for (size_t i = 0; i < mib->ntables; i++) {
			const struct ietf_table *tb = mib->tables[i];
			assert_int_equal(snmp_oid_compare(tb->entry, IETF_MIB_LEN, mib->root, IETF_MIB_LEN), 0);
			if (i)
				assert_true(snmp_oid_compare(mib->tables[i - 1]->entry,
							     mib->tables[i - 1]->entry_len, tb->entry,
							     tb->entry_len) < 0);
			for (size_t c = 0; c < tb->ncols; c++) {
				oid want[MAX_OID_LEN], got[MAX_OID_LEN];
				size_t glen = MAX_OID_LEN;
				struct tree *tp;
				char label[128];
				if (c)
					assert_true(tb->cols[c - 1].id < tb->cols[c].id);
				if (!files)
					continue;
				memcpy(want, tb->entry, tb->entry_len * sizeof(oid));
				want[tb->entry_len] = tb->cols[c].id;
				snprintf(label, sizeof label, "%s::%s", mib->name, tb->cols[c].name);
				if (!read_objid(label, got, &glen))
					fail_msg("%s is not in %s", tb->cols[c].name, mib->name);
				if (snmp_oid_compare(want, tb->entry_len + 1, got, glen) != 0)
					fail_msg("%s: wrong OID", tb->cols[c].name);
				tp = get_tree(got, glen, get_tree_head());
				if (!type_matches(tb->cols[c].type, tp->type))
					fail_msg("%s: type %d in the MIB", tb->cols[c].name, tp->type);
				if (!access_matches(tb->cols[c].access, tp->access))
					fail_msg("%s: access %d in the MIB", tb->cols[c].name, tp->access);
				if (c == 0) {
					struct tree *entry = tp->parent;
					size_t k = 0;
					if (entry->augments) {
						glen = MAX_OID_LEN;
						snprintf(label, sizeof label, "%s::%s", mib->name, entry->augments);
						assert_true(read_objid(label, got, &glen));
						entry = get_tree(got, glen, get_tree_head());
					}
					for (struct index_list *ix = entry->indexes; ix; ix = ix->next)
						k++;
					if (k != tb->nlevels)
						fail_msg("%s: %zu index levels, the MIB says %zu", tb->name,
							 tb->nlevels, k);
				}
			}
		}
	}
}

/* ---------------------------------------------------------------- compliance */

/* A row of docs/mib-compliance.md: which MIB (0 SCSI, 1 ISCSI, 2
 * IPS-AUTH), the group, the object, what tgt and LIO serve. */
struct doc_row {
	int mib;
	char group[64], object[64], tgt[8], lio[8];
	bool in_mib;
};

static void cell(const char **p, char *out, size_t len)
{
	const char *e = strchr(*p, '|');
	size_t n;

	assert_non_null(e);
	while (**p == ' ')
		(*p)++;
	n = (size_t)(e - *p);
	while (n && (*p)[n - 1] == ' ')
		n--;
	assert_true(n < len);
	memcpy(out, *p, n);
	out[n] = 0;
	*p = e + 1;
}

static size_t read_doc(struct doc_row *rows, size_t max)
{
	char *text = tu_read(TOP_SRCDIR "/docs/mib-compliance.md", NULL), *save = NULL;
	int mib = -1;
	size_t n = 0;

	assert_non_null(text);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *p = line + 1;
		struct doc_row r = { .mib = mib };
		if (strncmp(line, "## ", 3) == 0)
			mib = strncmp(line, "## SCSI-MIB", 11) == 0	? 0
			      : strncmp(line, "## ISCSI-MIB", 12) == 0	? 1
			      : strncmp(line, "## IPS-AUTH-MIB", 15) == 0 ? 2
									: -1;
		if (line[0] != '|' || strncmp(line, "|---", 4) == 0 || strncmp(line, "| group", 7) == 0)
			continue;
		assert_true(mib >= 0);
		cell(&p, r.group, sizeof r.group);
		cell(&p, r.object, sizeof r.object);
		cell(&p, r.tgt, sizeof r.tgt);
		cell(&p, r.lio, sizeof r.lio);
		assert_true(n < max);
		rows[n++] = r;
	}
	free(text);
	return n;
}

/* The OBJECT-GROUPs and NOTIFICATION-GROUPs of a MIB file: calls f with
 * each (group, member). Strings and comments are skipped. */
static void mib_groups(const char *path, void (*f)(void *, const char *, const char *), void *arg)
{
	size_t len0 = 0, n = 0;
	char *text = tu_read(path, &len0), *tok[8192], *out, *q;

	assert_non_null(text);
	/* words (letters, digits, '-'), '{', '}' and ',' as tokens */
	q = out = malloc(2 * len0 + 1);
	assert_non_null(out);
	for (char *p = text; *p;) {
		if (*p == '"') {
			char *e = strchr(p + 1, '"');
			p = e ? e + 1 : p + strlen(p);
		} else if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else if (*p == '{' || *p == '}' || *p == ',') {
			assert_true(n < 8192);
			tok[n++] = q;
			*q++ = *p++;
			*q++ = 0;
		} else if (isalnum((unsigned char)*p)) {
			char *w = q;
			size_t len = 0;
			while (isalnum((unsigned char)p[len]) || (p[len] == '-' && p[len + 1] != '-'))
				len++;
			memmove(q, p, len);
			p += len;
			q += len;
			*q++ = 0;
			assert_true(n < 8192);
			tok[n++] = w;
		} else {
			p++;
		}
	}
	for (size_t i = 0; i + 3 < n; i++) {
		bool obj = strcmp(tok[i + 1], "OBJECT-GROUP") == 0 && strcmp(tok[i + 2], "OBJECTS") == 0;
		bool ntf = strcmp(tok[i + 1], "NOTIFICATION-GROUP") == 0 &&
			   strcmp(tok[i + 2], "NOTIFICATIONS") == 0;
		if ((!obj && !ntf) || strcmp(tok[i + 3], "{") != 0)
			continue;
		for (size_t j = i + 4; j < n && strcmp(tok[j], "}") != 0; j++)
			if (strcmp(tok[j], ",") != 0)
				f(arg, tok[i], tok[j]);
	}
	free(out);
	free(text);
}

struct doc_check {
	struct doc_row *rows;
	size_t n;
	int mib;
	size_t members;
};

static void doc_has(void *arg, const char *group, const char *object)
{
	struct doc_check *c = arg;

	c->members++;
	for (size_t i = 0; i < c->n; i++)
		if (c->rows[i].mib == c->mib && strcmp(c->rows[i].object, object) == 0) {
			if (strcmp(c->rows[i].group, group) != 0)
				fail_msg("docs/mib-compliance.md: %s is in %s, not %s", object, group,
					 c->rows[i].group);
			c->rows[i].in_mib = true;
			return;
		}
	fail_msg("docs/mib-compliance.md: %s (%s) is missing", object, group);
}

/* Whether a column of a MIB exists in the served table (and its table). */
static bool served(struct fx *f, const struct ietf_mib *mib, const char *object, bool *in_table)
{
	for (size_t i = 0; i < mib->ntables; i++)
		for (size_t c = 0; c < mib->tables[i]->ncols; c++)
			if (strcmp(mib->tables[i]->cols[c].name, object) == 0) {
				*in_table = true;
				return !mib->tables[i]->present ||
				       mib->tables[i]->present(f->x, mib->tables[i]->cols[c].id);
			}
	*in_table = false;
	return false;
}

static void check_profile(struct fx *f, const struct doc_row *rows, size_t n, bool lio)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = lio ? rows[i].lio : rows[i].tgt;
		bool notification = strstr(rows[i].group, "NotificationsGroup") != NULL, in;
		bool on = served(f, mibs[rows[i].mib], rows[i].object, &in);
		if (notification) {
			if (strcmp(v, "sent") != 0 && strcmp(v, "no") != 0)
				fail_msg("%s: '%s'", rows[i].object, v);
			continue;
		}
		if (strcmp(v, "yes") != 0 && strcmp(v, "rows") != 0 && strcmp(v, "no") != 0)
			fail_msg("%s: '%s'", rows[i].object, v);
		if ((strcmp(v, "no") != 0) != on)
			fail_msg("docs/mib-compliance.md: %s says %s on %s, lunmapd %s it",
				 rows[i].object, v, lio ? "LIO" : "tgt", on ? "serves" : "does not serve");
	}
}

/* docs/mib-compliance.md has a row for every member of every group of
 * the three MIBs (with Debian's files), and no other; and what it says a
 * backend serves is what the column tables serve, with the sim as LIO
 * and, without its counters and session identities, as tgt. Every
 * column served is in it. */
static void test_compliance_doc(void **state)
{
	static const char *const files[] = { "/var/lib/mibs/ietf/SCSI-MIB",
					      "/var/lib/mibs/ietf/ISCSI-MIB",
					      "/var/lib/mibs/ietf/IPS-AUTH-MIB" };
	struct fx *f = *state;
	static struct doc_row rows[512];
	size_t n = read_doc(rows, 512);

	assert_true(n > 100);
	for (int m = 0; m < 3; m++) {
		struct doc_check c = { rows, n, m, 0 };
		size_t mine = 0;
		if (access(files[m], R_OK) != 0) {
			print_message("%s is not installed: the groups are not checked\n", files[m]);
			continue;
		}
		mib_groups(files[m], doc_has, &c);
		for (size_t i = 0; i < n; i++)
			if (rows[i].mib == m) {
				mine++;
				if (!rows[i].in_mib)
					fail_msg("docs/mib-compliance.md: %s is in no group of %s",
						 rows[i].object, mibs[m]->name);
			}
		assert_int_equal(mine, c.members);
	}
	for (int m = 0; m < 3; m++)
		for (size_t i = 0; i < mibs[m]->ntables; i++)
			for (size_t c = 0; c < mibs[m]->tables[i]->ncols; c++) {
				size_t k = 0;
				while (k < n && (rows[k].mib != m ||
						 strcmp(rows[k].object, mibs[m]->tables[i]->cols[c].name) != 0))
					k++;
				if (k == n)
					fail_msg("%s is not in docs/mib-compliance.md",
						 mibs[m]->tables[i]->cols[c].name);
			}
	check_profile(f, rows, n, true);
	lm_sim_no_stats(f->g->sim);
	check_profile(f, rows, n, false);
}

/* ---------------------------------------------------------------- walks */

/* Every walk goes forward only, ends inside its MIB, and every instance
 * it names is there again for a GET, with the same value. */
static void test_walks(void **state)
{
	struct fx *f = *state;

	for (size_t m = 0; m < 3; m++) {
		oid name[MAX_OID_LEN];
		size_t len = IETF_MIB_LEN, count = 0;
		memcpy(name, mibs[m]->root, sizeof mibs[m]->root);
		for (netsnmp_variable_list *vb; (vb = next(f, mibs[m], name, len)); count++) {
			netsnmp_variable_list *again;
			assert_true(snmp_oid_compare(vb->name, IETF_MIB_LEN, mibs[m]->root, IETF_MIB_LEN) == 0);
			assert_int_equal(get(f, mibs[m], vb->name, vb->name_length, &again), 0);
			assert_int_equal(again->type, vb->type);
			assert_int_equal(again->val_len, vb->val_len);
			assert_memory_equal(again->val.string, vb->val.string, vb->val_len);
			snmp_free_varbind(again);
			memcpy(name, vb->name, vb->name_length * sizeof(oid));
			len = vb->name_length;
			snmp_free_varbind(vb);
		}
		assert_true(count > 5);
	}
}

/* ---------------------------------------------------------------- SCSI-MIB */

static void test_scsi_lun(void **state)
{
	uint8_t b[8];

	(void)state;
	ietf_scsi_lun(0, b);
	assert_memory_equal(b, "\0\0\0\0\0\0\0\0", 8);
	ietf_scsi_lun(255, b);
	assert_memory_equal(b, "\0\xff\0\0\0\0\0\0", 8);
	/* flat space addressing from 256 (SAM-2 table A.3), as LIO and tgt */
	ietf_scsi_lun(256, b);
	assert_memory_equal(b, "\x41\0\0\0\0\0\0\0", 8);
	ietf_scsi_lun(16383, b);
	assert_memory_equal(b, "\x7f\xff\0\0\0\0\0\0", 8);
}

/* The LUN map of t1 in ScsiLUN order: numbers 1, 5, 256, 300, mapping
 * LUNs 1, 4, 3, 2; the LU table in LUN index order. */
static void test_lun_map(void **state)
{
	struct fx *f = *state;
	static const oid col[] = { SCSI, 2, 4, 3, 1, 3, 1, 1 };
	static const oid lucol[] = { SCSI, 2, 4, 1, 1, 2, 1, 1 };
	oid rows[8][12];
	static const uint32_t want_lun[] = { 1, 4, 3, 2 };
	static const oid want_index[][10] = {
		{ 1, 8, 0, 1, 0, 0, 0, 0, 0, 0 }, { 1, 8, 0, 5, 0, 0, 0, 0, 0, 0 },
		{ 1, 8, 0x41, 0, 0, 0, 0, 0, 0, 0 }, { 1, 8, 0x41, 44, 0, 0, 0, 0, 0, 0 },
	};

	assert_int_equal(column_rows(f, &ietf_scsi_mib, col, OID_LENGTH(col), rows, 8), 4);
	for (size_t i = 0; i < 4; i++) {
		oid name[MAX_OID_LEN];
		memcpy(name, col, sizeof col);
		memcpy(name + OID_LENGTH(col), rows[i], 10 * sizeof(oid));
		assert_memory_equal(rows[i], want_index[i], sizeof want_index[i]);
		assert_int_equal(get_int(f, &ietf_scsi_mib, name, OID_LENGTH(col) + 10), want_lun[i]);
	}
	assert_int_equal(column_rows(f, &ietf_scsi_mib, lucol, OID_LENGTH(lucol), rows, 8), 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(rows[i][0], i + 1);
	/* a change shows at once: no look needed for the model's tables */
	{
		lm_guid l2 = gfx_lun_id(2), t2 = gfx_target_id(2);
		struct lm_err err;
		static const oid col2[] = { SCSI, 2, 4, 3, 1, 3, 1, 2 };
		assert_int_equal(lm_add_association(core(f), &l2, &t2, 0, NULL, &err), LM_S_OK);
		assert_int_equal(column_rows(f, &ietf_scsi_mib, col2, OID_LENGTH(col2), rows, 8), 2);
		assert_int_equal(GET_INT(f, &ietf_scsi_mib, SCSI, 2, 4, 3, 1, 3, 1, 2, 1, 8, 0, 2, 0, 0, 0, 0,
					 0, 0), 2);
	}
}

/* The LU's identity: no 8-byte WWN, its NAA designator in scsiLuIdTable,
 * the bytes lunmapLunNaa has. */
static void test_lu_identity(void **state)
{
	struct fx *f = *state;
	netsnmp_variable_list *vb;
	uint8_t naa[16];

	lm_core_lun_naa(core(f), lm_core_lun(core(f), 3), naa);
	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 4, 2, 1, 5, 1, 1, 3, 1), 0);
	assert_int_equal(vb->val_len, 16);
	assert_memory_equal(vb->val.string, naa, 16);
	snmp_free_varbind(vb);
	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 4, 1, 1, 3, 1, 1, 3), 0);
	assert_int_equal(vb->val_len, 0);
	snmp_free_varbind(vb);
	assert_int_equal(GET_INT(f, &ietf_scsi_mib, SCSI, 2, 4, 2, 1, 4, 1, 1, 3, 1), 3); /* NAA */
	assert_int_equal(GET_INT(f, &ietf_scsi_mib, SCSI, 2, 4, 1, 1, 8, 1, 1, 3), 2); /* available */
}

/* What is not there: an index past 32 bits, 0, an LU of another target,
 * a column the MIB has not, an object the stack does not keep. */
static void test_not_there(void **state)
{
	struct fx *f = *state;
	netsnmp_variable_list *vb;

	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 4, 1, 1, 2, 1, 1, 1ul << 32), SNMP_NOSUCHINSTANCE);
	snmp_free_varbind(vb);
	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 4, 1, 1, 2, 1, 0, 1), SNMP_NOSUCHINSTANCE);
	snmp_free_varbind(vb);
	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 4, 1, 1, 2, 1, 3, 1), SNMP_NOSUCHINSTANCE);
	snmp_free_varbind(vb);
	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 4, 1, 1, 2, 1, 1, 1, 7), SNMP_NOSUCHINSTANCE);
	snmp_free_varbind(vb);
	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 4, 1, 1, 99, 1, 1, 1), SNMP_NOSUCHOBJECT);
	snmp_free_varbind(vb);
	/* LIO's constant-0 "counters" and the creation times are never served */
	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 4, 1, 1, 14, 1, 1, 1), SNMP_NOSUCHOBJECT);
	snmp_free_varbind(vb);
	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 1, 3, 1, 4, 1, 1, 1), SNMP_NOSUCHOBJECT);
	snmp_free_varbind(vb);
	/* the sim counts nothing yet: the counters have no instance */
	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 4, 1, 1, 10, 1, 1, 1), SNMP_NOSUCHINSTANCE);
	snmp_free_varbind(vb);
	/* a stack that keeps no counter (tgt): not even the objects */
	lm_sim_no_stats(f->g->sim);
	ietf_look(f->x);
	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 4, 1, 1, 10, 1, 1, 1), SNMP_NOSUCHOBJECT);
	snmp_free_varbind(vb);
	assert_int_equal(GET(f, &ietf_iscsi_mib, &vb, ISCSI, 1, 6, 2, 1, 1, 1, 1), SNMP_NOSUCHOBJECT);
	snmp_free_varbind(vb);
}

/* The authorized initiators by name (not addresses), and the LUN map
 * they use. */
static void test_authorized(void **state)
{
	struct fx *f = *state;
	static const oid col[] = { SCSI, 2, 3, 3, 1, 1, 4 };
	oid rows[8][12];
	netsnmp_variable_list *vb;

	assert_int_equal(column_rows(f, &ietf_scsi_mib, col, OID_LENGTH(col), rows, 8), 2);
	assert_int_equal(rows[0][1], 2); /* t2 */
	assert_int_equal(rows[0][2], 0); /* the device, any port */
	assert_int_equal(rows[0][3], 1);
	assert_int_equal(rows[1][1], 3); /* t3 */
	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 3, 3, 1, 1, 4, 1, 2, 0, 1), 0);
	assert_int_equal(vb->val_len, strlen(GOOD));
	assert_memory_equal(vb->val.string, GOOD, strlen(GOOD));
	snmp_free_varbind(vb);
	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 3, 3, 1, 1, 4, 1, 2, 0, 2),
			 SNMP_NOSUCHINSTANCE);
	snmp_free_varbind(vb);
	/* IPS-AUTH: the address and the name, ranked; t2's rows point there */
	assert_int_equal(GET(f, &ietf_ipsauth_mib, &vb, AUTH, 1, 3, 1, 1, 2, 1, 1), 0);
	assert_memory_equal(vb->val.string, "10.0.0.9", 8);
	snmp_free_varbind(vb);
	assert_int_equal(GET(f, &ietf_iscsi_mib, &vb, ISCSI, 1, 7, 1, 1, 3, 1, 2, 2), 0);
	/* ipsAuthIdentDescription.1.1: the address, ranked first */
	assert_int_equal(vb->val_len / sizeof(oid), 14);
	assert_int_equal(vb->val.objid[13], 1);
	snmp_free_varbind(vb);
	assert_int_equal(GET_INT(f, &ietf_ipsauth_mib, AUTH, 1, 5, 1, 1, 2, 1, 1, 1), 1); /* ipV4 */
}

/* ---------------------------------------------------------------- sessions */

static struct lm_obs_sessions two_sessions(void)
{
	struct lm_obs_sessions s = { .trusted = false };
	struct lm_obs_session *a = lm_obs_session_add(&s, 3), *b = lm_obs_session_add(&s, 9);

	strcpy(a->name, GOOD);
	a->tsih = 5;
	a->has_isid = true;
	memcpy(a->isid, "\x80\x12\x34\x56\x78\x9a", 6);
	a->has_alias = true;
	strcpy(a->alias, "host one");
	a->nconns_total = a->nconns = 1;
	a->conns[0] = (struct lm_obs_conn){ .cid = 0, .state = LM_CONN_FULL, .family = 4,
					    .addr = { 10, 0, 0, 1 }, .protocol = 6 };
	a->counters = (struct lm_obs_counters){ .known = true, .cmd_pdus = 7, .tx_octets = 1ull << 33 };
	/* one whose name could not be read safely: counted, no name, no
	 * connection, no counters */
	b->nconns_total = 1;
	return s;
}

static void test_sessions(void **state)
{
	struct fx *f = *state;
	struct lm_obs_sessions s = two_sessions();
	static const oid names[] = { ISCSI, 1, 10, 1, 1, 4 };
	static const oid cmds[] = { ISCSI, 1, 10, 2, 1, 1 };
	static const oid cids[] = { ISCSI, 1, 11, 1, 1, 2 };
	oid rows[8][12];
	netsnmp_variable_list *vb;

	assert_int_equal(lm_sim_set_sessions(f->g->sim, "iqn.2026-11.org.example:t2", &s), 0);
	lm_obs_sessions_clear(&s);
	ietf_look(f->x);
	assert_int_equal(GET_INT(f, &ietf_iscsi_mib, ISCSI, 1, 1, 1, 1, 9, 1), 2);
	assert_int_equal(column_rows(f, &ietf_iscsi_mib, names, OID_LENGTH(names), rows, 8), 2);
	assert_int_equal(rows[0][1], 2);
	assert_int_equal(rows[0][2], 3);
	assert_int_equal(rows[1][2], 9);
	assert_int_equal(GET(f, &ietf_iscsi_mib, &vb, ISCSI, 1, 10, 1, 1, 4, 1, 2, 9), 0);
	assert_int_equal(vb->val_len, 0);
	snmp_free_varbind(vb);
	assert_int_equal(GET(f, &ietf_iscsi_mib, &vb, ISCSI, 1, 10, 1, 1, 7, 1, 2, 3), 0);
	assert_memory_equal(vb->val.string, "\x80\x12\x34\x56\x78\x9a", 6);
	snmp_free_varbind(vb);
	assert_int_equal(GET(f, &ietf_iscsi_mib, &vb, ISCSI, 1, 10, 1, 1, 8, 1, 2, 9), SNMP_NOSUCHINSTANCE);
	snmp_free_varbind(vb);
	/* t2 admits the name: the session points at its identity (rank 2) */
	assert_int_equal(GET(f, &ietf_iscsi_mib, &vb, ISCSI, 1, 10, 1, 1, 17, 1, 2, 3), 0);
	assert_int_equal(vb->val.objid[vb->val_len / sizeof(oid) - 1], 2);
	snmp_free_varbind(vb);
	/* counters: session 9's hole is skipped */
	assert_int_equal(column_rows(f, &ietf_iscsi_mib, cmds, OID_LENGTH(cmds), rows, 8), 1);
	assert_int_equal(GET(f, &ietf_iscsi_mib, &vb, ISCSI, 1, 10, 2, 1, 3, 1, 2, 3), 0);
	assert_int_equal(vb->type, ASN_COUNTER64);
	assert_int_equal(vb->val.counter64->high, 2);
	snmp_free_varbind(vb);
	/* the connection of session 3 only: CID 0 is index 1 */
	assert_int_equal(column_rows(f, &ietf_iscsi_mib, cids, OID_LENGTH(cids), rows, 8), 1);
	assert_int_equal(rows[0][2], 3);
	assert_int_equal(rows[0][3], 1);
	assert_int_equal(GET(f, &ietf_iscsi_mib, &vb, ISCSI, 1, 11, 1, 1, 8, 1, 2, 3, 1), 0);
	assert_memory_equal(vb->val.string, "\x0a\0\0\x01", 4);
	snmp_free_varbind(vb);
	/* SCSI-MIB's attached initiator ports: name, port identifier */
	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 3, 3, 2, 1, 4, 1, 2, 1, 3), 0);
	assert_int_equal(vb->val_len, strlen(GOOD ",i,0x80123456789a"));
	assert_memory_equal(vb->val.string, GOOD ",i,0x80123456789a", vb->val_len);
	snmp_free_varbind(vb);
	assert_int_equal(GET_INT(f, &ietf_scsi_mib, SCSI, 2, 3, 3, 2, 1, 2, 1, 2, 1, 3), 1);
}

/* ---------------------------------------------------------------- counters */

static void test_lu_counters_and_holes(void **state)
{
	struct fx *f = *state;
	struct lm_obs_stats s = { 0 };
	static const oid col[] = { SCSI, 2, 4, 1, 1, 10, 1, 1 };
	struct lm_obs_lu *a, *b;
	oid rows[8][12];
	netsnmp_variable_list *vb;

	a = lm_obs_lu_add(&s, 1);
	a->lu_known = a->port_known = true;
	a->lu_cmds = 40;
	a->port_cmds = 30;
	b = lm_obs_lu_add(&s, 300);
	b->lu_known = b->port_known = true;
	b->lu_cmds = 2;
	b->port_cmds = 2;
	strcpy(b->vendor, "LIO-ORG");
	assert_int_equal(lm_sim_set_stats(f->g->sim, "iqn.2026-11.org.example:t1", &s), 0);
	ietf_look(f->x);
	/* LUNs 1 and 2 (numbers 1 and 300) have counters; 3 and 4 not */
	assert_int_equal(column_rows(f, &ietf_scsi_mib, col, OID_LENGTH(col), rows, 8), 2);
	assert_int_equal(rows[0][0], 1);
	assert_int_equal(rows[1][0], 2);
	assert_int_equal(GET_INT(f, &ietf_scsi_mib, SCSI, 2, 4, 1, 1, 10, 1, 1, 1), 40);
	assert_int_equal(GET_INT(f, &ietf_scsi_mib, SCSI, 2, 3, 2, 1, 3, 1, 1, 1), 32);
	assert_int_equal(GET(f, &ietf_scsi_mib, &vb, SCSI, 2, 4, 1, 1, 4, 1, 1, 2), 0);
	assert_memory_equal(vb->val.string, "LIO-ORG", 7);
	snmp_free_varbind(vb);
	/* LUN 1 leaves: its count stays in the port's total, never goes back */
	lm_obs_stats_clear(&s);
	a = lm_obs_lu_add(&s, 300);
	a->port_known = true;
	a->port_cmds = 5;
	assert_int_equal(lm_sim_set_stats(f->g->sim, "iqn.2026-11.org.example:t1", &s), 0);
	ietf_look(f->x);
	assert_int_equal(GET_INT(f, &ietf_scsi_mib, SCSI, 2, 3, 2, 1, 3, 1, 1, 1), 35);
	lm_obs_stats_clear(&s);
}

/* ---------------------------------------------------------------- notifications */

static void fail_logins(struct fx *f, uint64_t n)
{
	struct lm_obs_stats s = { .login_known = true, .accepts = 1, .authorize_fails = n,
				  .last_fail = n ? LM_LOGIN_FAIL_AUTHORIZE : LM_LOGIN_FAIL_NONE,
				  .fail_family = 4, .fail_addr = { 10, 0, 2, 2 } };

	strcpy(s.fail_name, "iqn.2026-11.org.example:stranger");
	assert_int_equal(lm_sim_set_stats(f->g->sim, "iqn.2026-11.org.example:t2", &s), 0);
	ietf_look(f->x);
}

static void test_login_failure(void **state)
{
	struct fx *f = *state;
	const netsnmp_variable_list *v;
	size_t n = 0;

	fail_logins(f, 0);
	gfx_traps_clear();
	fail_logins(f, 1);
	assert_int_equal(gfx_ntraps(), 1);
	assert_int_equal(gfx_trap(0, &v), 1); /* iscsiTgtLoginFailure is iscsiNotifications.1 */
	for (; v; v = v->next_variable, n++) {
		static const oid tgtattr[] = { ISCSI, 1, 6, 1, 1 };
		assert_int_equal(snmp_oid_compare(v->name, OID_LENGTH(tgtattr), tgtattr,
						  OID_LENGTH(tgtattr)), 0);
		assert_int_equal(v->name[v->name_length - 1], 2); /* node t2 */
		if (v->name[OID_LENGTH(tgtattr)] == 4)
			assert_memory_equal(v->val.string, "iqn.2026-11.org.example:stranger", 32);
		if (v->name[OID_LENGTH(tgtattr)] == 1)
			assert_int_equal(*v->val.integer, 1);
		if (v->name[OID_LENGTH(tgtattr)] == 3)
			assert_int_equal(v->val.objid[v->val_len / sizeof(oid) - 1], 4); /* authorize */
	}
	assert_int_equal(n, 5);
	/* no failure more, no notification; then at most three in ten seconds */
	fail_logins(f, 1);
	assert_int_equal(gfx_ntraps(), 1);
	for (uint64_t k = 2; k < 7; k++)
		fail_logins(f, k);
	assert_int_equal(gfx_ntraps(), 3);
	assert_int_equal(GET_INT(f, &ietf_iscsi_mib, ISCSI, 1, 6, 2, 1, 4, 1, 2), 6);
}

/* The instance's failed sessions grew (LIO's iscsi_sess_err): one
 * iscsiInstSessionFailure with the count, the kind and the initiator. */
static void test_session_failure(void **state)
{
	struct fx *f = *state;
	struct lm_obs_stats s = { .sess_err_known = true, .last_sess_fail = LM_SESS_FAIL_TIMEOUT };
	const netsnmp_variable_list *v;
	size_t n = 0;

	strcpy(s.sess_fail_name, GOOD);
	assert_int_equal(lm_sim_set_stats(f->g->sim, "iqn.2026-11.org.example:t3", &s), 0);
	ietf_look(f->x);
	gfx_traps_clear();
	ietf_look(f->x);
	assert_int_equal(gfx_ntraps(), 0);
	s.cxn_errors = 1;
	assert_int_equal(lm_sim_set_stats(f->g->sim, "iqn.2026-11.org.example:t3", &s), 0);
	ietf_look(f->x);
	assert_int_equal(gfx_ntraps(), 1);
	assert_int_equal(gfx_trap(0, &v), 3); /* iscsiInstSessionFailure */
	for (; v; v = v->next_variable, n++)
		if (v->name[v->name_length - 2] == 12)
			assert_memory_equal(v->val.string, GOOD, strlen(GOOD));
	assert_int_equal(n, 3);
	assert_int_equal(GET_INT(f, &ietf_iscsi_mib, ISCSI, 1, 1, 1, 1, 10, 1), 1);
}

/* LUN n's image goes; the refresh and the MIBs' look see it (traps
 * cleared before). path: the image's. */
static void image_gone(struct fx *f, int n, char path[4096])
{
	struct lm_err err;

	gfx_traps_clear();
	snprintf(path, 4096, "%s/lun%d.img", f->g->dir, n);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(lm_core_refresh(core(f), LM_REFRESH, &err), LM_S_OK);
	ietf_look(f->x);
}

static void test_device_status(void **state)
{
	struct fx *f = *state;
	const netsnmp_variable_list *v;
	char path[4096];

	image_gone(f, 3, path);
	/* the device turned abnormal, its LU 3 notAvailable */
	assert_int_equal(gfx_ntraps(), 2);
	assert_int_equal(gfx_trap(0, &v), 1);
	assert_int_equal(v->name[v->name_length - 1], 1);
	assert_int_equal(*v->val.integer, 5); /* abnormal: one LU of t1 failed */
	assert_int_equal(gfx_trap(1, &v), 2);
	assert_int_equal(v->name[v->name_length - 2], 1);
	assert_int_equal(v->name[v->name_length - 1], 3);
	assert_int_equal(*v->val.integer, 4);
	assert_int_equal(GET_INT(f, &ietf_scsi_mib, SCSI, 2, 3, 1, 1, 3, 1, 1), 1);
	assert_int_equal(GET_INT(f, &ietf_scsi_mib, SCSI, 2, 4, 1, 1, 8, 1, 1, 3), 4); /* broken */
	ietf_look(f->x);
	assert_int_equal(gfx_ntraps(), 2);
}

/* scsiLuStatusChanged both ways: a LUN turned notAvailable on the two
 * targets it is on, then available again once its file is back. */
static void test_lu_status(void **state)
{
	struct fx *f = *state;
	const netsnmp_variable_list *v;
	struct lm_err err;
	char path[4096];
	FILE *img;

	image_gone(f, 1, path);
	/* t1 and t2 abnormal, LU 1 of each notAvailable: two of each kind */
	assert_int_equal(gfx_ntraps(), 4);
	assert_int_equal(gfx_trap(2, &v), 2);
	assert_int_equal(v->name[v->name_length - 2], 1);
	assert_int_equal(v->name[v->name_length - 1], 1);
	assert_int_equal(*v->val.integer, 4);
	assert_int_equal(gfx_trap(3, &v), 2);
	assert_int_equal(v->name[v->name_length - 2], 2);
	gfx_traps_clear();
	assert_non_null(img = fopen(path, "w"));
	assert_int_equal(ftruncate(fileno(img), 1 << 20), 0);
	fclose(img);
	assert_int_equal(lm_core_refresh(core(f), LM_REFRESH, &err), LM_S_OK);
	if (lm_lun_status(lm_core_lun(core(f), 1)) == LM_FAILED)
		skip(); /* the core keeps a failed LUN failed until it is fixed */
	ietf_look(f->x);
	assert_int_equal(gfx_ntraps(), 1); /* the third LU notification */
	assert_int_equal(gfx_trap(0, &v), 2);
	assert_int_equal(*v->val.integer, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_column_tables),
		cmocka_unit_test(test_scsi_lun),
		cmocka_unit_test_setup_teardown(test_compliance_doc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lun_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lu_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_there, setup, teardown),
		cmocka_unit_test_setup_teardown(test_authorized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lu_counters_and_holes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lu_status, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
