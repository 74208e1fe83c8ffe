/* SPDX-License-Identifier: BSD-3-Clause */
/* GET and GETNEXT through lunmapd's handler, in process, on the sim. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "glue.h"

#define BIG ((oid)1 << 32) /* 2^32: one past the largest index */

/* an OID for an argument */
static const struct goid *P(struct goid o)
{
	static struct goid keep[8];
	static unsigned k;

	keep[k % 8] = o;
	return &keep[k++ % 8];
}

/* LUN 1 on targets 1 and 2, LUN 3 on targets 2 and 4; LUN 2, target 3
 * and the failed LUN 4 have none. */
static int setup(void **state)
{
	struct gfx_opts o = { .ntargets = 4, .nluns = 3, .max_per_lun = 4, .failed_lun = true };
	struct gfx *f = gfx_open(&o);
	lm_guid l1 = gfx_lun_id(1), l3 = gfx_lun_id(3);
	lm_guid s1[] = { gfx_target_id(1), gfx_target_id(2) };
	lm_guid s3[] = { gfx_target_id(2), gfx_target_id(4) };
	struct lm_err err;

	assert_int_equal(lm_associate_targets(f->d.core, &l1, s1, 2, NULL, &err), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->d.core, &l3, s3, 2, NULL, &err), LM_S_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	gfx_close(*state);
	return 0;
}

static void expect_oid(const netsnmp_variable_list *vb, const struct goid *want)
{
	if (snmp_oid_compare(vb->name, vb->name_length, want->name, want->len) != 0) {
		char got[256], exp[256];
		snprint_objid(got, sizeof got, vb->name, vb->name_length);
		snprint_objid(exp, sizeof exp, want->name, want->len);
		fail_msg("got %s, wanted %s", got, exp);
	}
}

/* GETNEXT of `from` gives `want` (NULL: nothing more in lunmapObjects,
 * the varbind is left alone for the agent to move on). */
static void expect_next(struct gfx *f, const struct goid *from, const struct goid *want)
{
	netsnmp_variable_list *vb;

	assert_int_equal(gfx_get(f, from, 0, &vb), 0);
	expect_oid(vb, want ? want : from);
	if (!want)
		assert_int_equal(vb->type, ASN_NULL);
	snmp_free_varbind(vb);
}

static void expect_next_raw(struct gfx *f, size_t n, const oid *sub, const struct goid *want)
{
	struct goid from = goid_raw(n, sub);

	expect_next(f, &from, want);
}

/* Every instance, in order: the scalars, then each table column by
 * column, rows ascending. */
static void test_walk_is_the_whole_mib_in_order(void **state)
{
	struct gfx *f = *state;
	struct goid want[256], at = goid_raw(0, NULL);
	size_t n = 0, i = 0;
	static const oid assocs[][2] = { { 1, 1 }, { 1, 2 }, { 3, 2 }, { 3, 4 } };

	for (u_long c = S_NAME; c <= S_LAST; c++)
		want[n++] = goid_scalar(c);
	for (u_long c = L_ID; c <= L_NAA; c++)
		for (oid l = 1; l <= 4; l++)
			want[n++] = goid_lun(c, l);
	for (u_long c = T_ID; c <= T_FOREIGN; c++)
		for (oid t = 1; t <= 4; t++)
			want[n++] = goid_target(c, t);
	for (u_long c = A_NUMBER; c <= A_ACCESS; c++)
		for (size_t k = 0; k < 4; k++)
			want[n++] = goid_assoc(c, assocs[k][0], assocs[k][1]);
	want[n++] = goid_targetlun(1, 1);
	want[n++] = goid_targetlun(2, 1);
	want[n++] = goid_targetlun(2, 3);
	want[n++] = goid_targetlun(4, 3);

	for (;;) {
		netsnmp_variable_list *vb;
		assert_int_equal(gfx_get(f, &at, 0, &vb), 0);
		if (snmp_oid_compare(vb->name, vb->name_length, at.name, at.len) == 0) {
			snmp_free_varbind(vb);
			break;
		}
		assert_true(i < n);
		expect_oid(vb, &want[i++]);
		assert_int_not_equal(vb->type, ASN_NULL);
		memcpy(at.name, vb->name, vb->name_length * sizeof(oid));
		at.len = vb->name_length;
		snmp_free_varbind(vb);
	}
	assert_int_equal(i, n);
}

static void test_getnext_at_group_and_table_boundaries(void **state)
{
	struct gfx *f = *state;
	struct goid first = goid_scalar(S_NAME), lun_id1 = goid_lun(L_ID, 1),
		    lun_name1 = goid_lun(L_NAME, 1), t_id1 = goid_target(T_ID, 1),
		    a_num11 = goid_assoc(A_NUMBER, 1, 1), a_num32 = goid_assoc(A_NUMBER, 3, 2),
		    a_rs11 = goid_assoc(A_ROWSTATUS, 1, 1), a_acc11 = goid_assoc(A_ACCESS, 1, 1),
		    tl11 = goid_targetlun(1, 1),
		    backend = goid_scalar(S_BACKEND);
	struct goid before = goid_raw(0, NULL);

	/* OIDs before lunmapObjects: lunmapMIB, lunmapNotifications, 1.3.6 */
	before.len = lunmapd_objects_len - 1;
	expect_next(f, &before, &first);
	before.name[before.len++] = 0;
	before.name[before.len++] = 2;
	expect_next(f, &before, &first);
	before = (struct goid){ { 1, 3, 6 }, 3 };
	expect_next(f, &before, &first);

	/* the subsystem group */
	expect_next_raw(f, 0, NULL, &first);
	expect_next_raw(f, 1, (oid[]){ 1 }, &first);
	expect_next_raw(f, 2, (oid[]){ 1, 0 }, &first);
	expect_next_raw(f, 2, (oid[]){ 1, 1 }, &first);
	expect_next_raw(f, 3, (oid[]){ 1, 1, 0 }, &backend);
	expect_next_raw(f, 3, (oid[]){ 1, 1, BIG }, &backend);
	expect_next_raw(f, 3, (oid[]){ 1, S_LAST, 0 }, &lun_id1);
	expect_next_raw(f, 2, (oid[]){ 1, S_LAST + 1 }, &lun_id1);
	expect_next_raw(f, 2, (oid[]){ 1, BIG }, &lun_id1);
	expect_next_raw(f, 2, (oid[]){ 1, (oid)-1 }, &lun_id1);

	/* the LUN table: rows, columns, its end */
	expect_next_raw(f, 1, (oid[]){ 2 }, &lun_id1);
	expect_next_raw(f, 2, (oid[]){ 2, 0 }, &lun_id1);
	expect_next_raw(f, 3, (oid[]){ 2, 1, 1 }, &lun_id1);
	expect_next_raw(f, 4, (oid[]){ 2, 1, L_ID, 0 }, &lun_id1);
	expect_next_raw(f, 4, (oid[]){ 2, 1, L_ID, 4 }, &lun_name1);
	expect_next_raw(f, 4, (oid[]){ 2, 1, L_ID, BIG }, &lun_name1);
	expect_next_raw(f, 5, (oid[]){ 2, 1, L_ID, 1, 7 }, P(goid_lun(L_ID, 2)));
	expect_next_raw(f, 4, (oid[]){ 2, 1, L_NAA, 4 }, &t_id1);
	expect_next_raw(f, 3, (oid[]){ 2, 1, L_NAA + 1 }, &t_id1);
	expect_next_raw(f, 2, (oid[]){ 2, 2 }, &t_id1);
	expect_next_raw(f, 2, (oid[]){ 2, BIG }, &t_id1);

	/* the target table's end, the association table's rows */
	expect_next_raw(f, 4, (oid[]){ 3, 1, T_FOREIGN, 4 }, &a_num11);
	expect_next_raw(f, 4, (oid[]){ 3, 1, T_FOREIGN, BIG }, &a_num11);
	expect_next_raw(f, 4, (oid[]){ 4, 1, A_NUMBER, 0 }, &a_num11);
	expect_next_raw(f, 5, (oid[]){ 4, 1, A_NUMBER, 1, 2 }, &a_num32);
	expect_next_raw(f, 5, (oid[]){ 4, 1, A_NUMBER, 1, BIG }, &a_num32);
	/* LUN 2 has no association: on to LUN 3 */
	expect_next_raw(f, 5, (oid[]){ 4, 1, A_NUMBER, 2, 0 }, &a_num32);
	expect_next_raw(f, 4, (oid[]){ 4, 1, A_NUMBER, 2 }, &a_num32);
	expect_next_raw(f, 5, (oid[]){ 4, 1, A_NUMBER, 3, 4 }, &a_rs11);
	expect_next_raw(f, 4, (oid[]){ 4, 1, A_NUMBER, BIG }, &a_rs11);
	expect_next_raw(f, 5, (oid[]){ 4, 1, A_ROWSTATUS, 3, 4 }, &a_acc11);
	expect_next_raw(f, 5, (oid[]){ 4, 1, A_ACCESS, 3, 4 }, &tl11);
	expect_next_raw(f, 3, (oid[]){ 4, 1, A_ACCESS + 1 }, &tl11);

	/* the mirror's end is lunmapObjects' end */
	expect_next_raw(f, 5, (oid[]){ 5, 1, TL_NUMBER, 1, 0 }, &tl11);
	expect_next_raw(f, 5, (oid[]){ 5, 1, TL_NUMBER, 4, 3 }, NULL);
	expect_next_raw(f, 4, (oid[]){ 5, 1, TL_NUMBER, BIG }, NULL);
	expect_next_raw(f, 5, (oid[]){ 5, 1, TL_NUMBER, 4, BIG }, NULL);
	expect_next_raw(f, 3, (oid[]){ 5, 1, 2 }, NULL);
	expect_next_raw(f, 1, (oid[]){ 6 }, NULL);
	expect_next_raw(f, 1, (oid[]){ BIG }, NULL);
	expect_next_raw(f, 6, (oid[]){ 5, 1, TL_NUMBER, 4, 3, 0 }, NULL);
}

static netsnmp_variable_list *get_ok(struct gfx *f, const struct goid *o)
{
	netsnmp_variable_list *vb;

	assert_int_equal(gfx_get(f, o, 1, &vb), 0);
	expect_oid(vb, o);
	return vb;
}

static void is_string(struct gfx *f, const struct goid o, const char *want)
{
	netsnmp_variable_list *vb = get_ok(f, &o);

	assert_int_equal(vb->type, ASN_OCTET_STR);
	assert_int_equal(vb->val_len, strlen(want));
	assert_memory_equal(vb->val.string, want, vb->val_len);
	snmp_free_varbind(vb);
}

static void is_number(struct gfx *f, const struct goid o, u_char type, long want)
{
	netsnmp_variable_list *vb = get_ok(f, &o);

	assert_int_equal(vb->type, type);
	assert_int_equal(*vb->val.integer, want);
	snmp_free_varbind(vb);
}

/* an OCTET STRING of ids: the given targets (t) or LUNs (!t) */
static void is_ids(struct gfx *f, const struct goid o, bool t, const size_t *ids, size_t n)
{
	netsnmp_variable_list *vb = get_ok(f, &o);

	assert_int_equal(vb->type, ASN_OCTET_STR);
	assert_int_equal(vb->val_len, 16 * n);
	for (size_t i = 0; i < n; i++) {
		lm_guid g = t ? gfx_target_id(ids[i]) : gfx_lun_id(ids[i]);
		assert_memory_equal(vb->val.string + 16 * i, g.b, 16);
	}
	snmp_free_varbind(vb);
}

static void test_get_every_kind_of_value(void **state)
{
	struct gfx *f = *state;
	netsnmp_variable_list *vb;
	lm_guid l1 = gfx_lun_id(1);

	is_string(f, goid_scalar(S_NAME), "glue");
	is_string(f, goid_scalar(S_BACKEND), "sim");
	is_number(f, goid_scalar(S_STATUS), ASN_INTEGER, 1);
	is_number(f, goid_scalar(S_REFRESH), ASN_INTEGER, 1);
	is_number(f, goid_scalar(S_ERRCODE), ASN_UNSIGNED, 0);
	is_number(f, goid_scalar(S_COUNT), ASN_GAUGE, 4);

	vb = get_ok(f, P(goid_lun(L_ID, 1)));
	assert_int_equal(vb->val_len, 16);
	assert_memory_equal(vb->val.string, l1.b, 16);
	snmp_free_varbind(vb);
	is_string(f, goid_lun(L_NAME, 3), "l3");
	vb = get_ok(f, P(goid_lun(L_SIZE, 1)));
	assert_int_equal(vb->type, ASN_COUNTER64);
	assert_int_equal(vb->val.counter64->high, 0);
	assert_int_equal(vb->val.counter64->low, 1 << 20);
	snmp_free_varbind(vb);
	is_number(f, goid_lun(L_STATUS, 1), ASN_INTEGER, LM_ONLINE);
	is_number(f, goid_lun(L_STATUS, 4), ASN_INTEGER, LM_FAILED);
	is_ids(f, goid_lun(L_TARGETIDS, 1), true, (size_t[]){ 1, 2 }, 2);
	is_ids(f, goid_lun(L_TARGETIDS, 2), true, NULL, 0);
	is_number(f, goid_lun(L_TARGETCOUNT, 3), ASN_GAUGE, 2);
	/* the identity: the serial of VPD 0x80 and the NAA designator of
	 * 0x83 (the sim presents tgt's) */
	is_string(f, goid_lun(L_SERIAL, 1), "0b7e2d7c8f0a4d6ea1f3000000000001");
	vb = get_ok(f, P(goid_lun(L_NAA, 1)));
	assert_int_equal(vb->type, ASN_OCTET_STR);
	assert_int_equal(vb->val_len, 16);
	assert_memory_equal(vb->val.string,
			    "\x6b\x7e\x2d\x7c\x8f\x0a\x4d\x6e\xa1\xf3\x00\x00\x00\x00\x00\x01", 16);
	snmp_free_varbind(vb);

	is_string(f, goid_target(T_IQN, 2), "iqn.2026-11.org.example:t2");
	is_string(f, goid_target(T_ALIAS, 4), "t4");
	is_ids(f, goid_target(T_LUNIDS, 2), false, (size_t[]){ 1, 3 }, 2);
	is_ids(f, goid_target(T_LUNIDS, 3), false, NULL, 0);
	is_number(f, goid_target(T_LUNCOUNT, 2), ASN_GAUGE, 2);
	/* the LUs the stack has that lunmap did not put there (none here) */
	is_number(f, goid_target(T_FOREIGN, 2), ASN_GAUGE, 0);

	is_number(f, goid_assoc(A_NUMBER, 1, 2), ASN_UNSIGNED, 1);
	is_number(f, goid_assoc(A_NUMBER, 3, 2), ASN_UNSIGNED, 2);
	is_number(f, goid_assoc(A_ROWSTATUS, 3, 4), ASN_INTEGER, RS_ACTIVE);
	/* no access asked: readWrite(1) */
	is_number(f, goid_assoc(A_ACCESS, 3, 4), ASN_INTEGER, ACCESS_RW);
	is_number(f, goid_targetlun(2, 3), ASN_UNSIGNED, 2);
}

static void expect_get_fails(struct gfx *f, const struct goid o, int want)
{
	netsnmp_variable_list *vb;

	assert_int_equal(gfx_get(f, &o, 1, &vb), want);
	snmp_free_varbind(vb);
}

static void test_get_of_what_is_not_there(void **state)
{
	struct gfx *f = *state;

	expect_get_fails(f, goid_lun(L_NAME, 0), SNMP_NOSUCHINSTANCE);
	expect_get_fails(f, goid_lun(L_NAME, 5), SNMP_NOSUCHINSTANCE);
	expect_get_fails(f, goid_lun(L_NAME, BIG), SNMP_NOSUCHINSTANCE);
	expect_get_fails(f, goid_lun(L_NAME, (oid)-1), SNMP_NOSUCHINSTANCE);
	expect_get_fails(f, goid_target(T_IQN, BIG), SNMP_NOSUCHINSTANCE);
	expect_get_fails(f, goid_assoc(A_NUMBER, 2, 1), SNMP_NOSUCHINSTANCE);
	expect_get_fails(f, goid_assoc(A_NUMBER, 1, BIG), SNMP_NOSUCHINSTANCE);
	expect_get_fails(f, goid_assoc(A_NUMBER, 0, 1), SNMP_NOSUCHINSTANCE);
	expect_get_fails(f, goid_targetlun(1, 3), SNMP_NOSUCHINSTANCE);
	expect_get_fails(f, goid_raw(4, (oid[]){ 1, S_NAME, 0, 0 }), SNMP_NOSUCHINSTANCE);
	expect_get_fails(f, goid_raw(3, (oid[]){ 1, S_NAME, 1 }), SNMP_NOSUCHINSTANCE);
	expect_get_fails(f, goid_raw(2, (oid[]){ 1, S_NAME }), SNMP_NOSUCHINSTANCE);
	expect_get_fails(f, goid_raw(5, (oid[]){ 2, 1, L_NAME, 1, 1 }), SNMP_NOSUCHINSTANCE);
	expect_get_fails(f, goid_raw(3, (oid[]){ 1, S_LAST + 1, 0 }), SNMP_NOSUCHOBJECT);
	expect_get_fails(f, goid_raw(4, (oid[]){ 2, 1, L_NAA + 1, 1 }), SNMP_NOSUCHOBJECT);
	expect_get_fails(f, goid_raw(4, (oid[]){ 2, 1, 1, 1 }), SNMP_NOSUCHOBJECT); /* the index */
	expect_get_fails(f, goid_raw(4, (oid[]){ 2, 2, L_NAME, 1 }), SNMP_NOSUCHOBJECT);
	expect_get_fails(f, goid_raw(2, (oid[]){ 6, 1 }), SNMP_NOSUCHOBJECT);
	expect_get_fails(f, goid_raw(0, NULL), SNMP_NOSUCHOBJECT);
}

/* ---------------------------------------------------------------- sizes */

/* A target with `nluns` LUNs (targets 1..ntargets each get all of them). */
static struct gfx *crowded(size_t ntargets, size_t nluns)
{
	struct gfx_opts o = { .ntargets = ntargets, .nluns = nluns, .max_per_lun = 8 };
	struct gfx *f = gfx_open(&o);
	struct lm_change *ch = calloc(nluns, sizeof *ch);
	lm_guid *tg = calloc(ntargets, sizeof *tg);
	struct lm_batch *b;
	struct lm_err err;

	for (size_t t = 0; t < ntargets; t++)
		tg[t] = gfx_target_id(t + 1);
	for (size_t i = 0; i < nluns; i++) {
		ch[i].kind = LM_CHANGE_SET;
		ch[i].lun = gfx_lun_id(i + 1);
		ch[i].targets = tg;
		ch[i].ntargets = ntargets;
	}
	assert_int_equal(lm_batch_prepare(f->d.core, ch, nluns, &b, &err), LM_S_OK);
	assert_int_equal(lm_batch_apply(f->d.core, b, &err), LM_S_OK);
	lm_batch_free(b);
	free(ch);
	free(tg);
	return f;
}

/* lunmapTargetLunIds holds LUNMAPD_MAX_TARGET_LUN_IDS ids: whole up to
 * there, never cut; past it a GET is tooBig and a walk passes it by. */
static void test_target_lun_ids_bounded_never_cut(void **state)
{
	size_t max = LUNMAPD_MAX_TARGET_LUN_IDS;
	struct gfx *f = crowded(2, max + 1);
	netsnmp_variable_list *vb;
	struct lm_err err;
	lm_guid extra = gfx_lun_id(max + 1), t2 = gfx_target_id(2);
	struct goid from = goid_target(T_LUNIDS, 0), t2ids = goid_target(T_LUNIDS, 2);

	(void)state;
	/* target 1 back to `max` LUNs, target 2 keeps max + 1 */
	assert_int_equal(lm_associate_targets(f->d.core, &extra, &t2, 1, NULL, &err), LM_S_OK);
	vb = get_ok(f, P(goid_target(T_LUNIDS, 1)));
	assert_int_equal(vb->val_len, 16 * max);
	snmp_free_varbind(vb);
	assert_int_equal(gfx_get(f, &t2ids, 1, &vb), SNMP_ERR_TOOBIG);
	snmp_free_varbind(vb);
	/* the walk: target 1's value, then past target 2 to the next column */
	expect_next(f, &from, P(goid_target(T_LUNIDS, 1)));
	from = goid_target(T_LUNIDS, 1);
	expect_next(f, &from, P(goid_target(T_LUNCOUNT, 1)));
	is_number(f, goid_target(T_LUNCOUNT, 2), ASN_GAUGE, (long)max + 1);
	gfx_close(f);
}

/* Several values that each fit but not together: tooBig on the first
 * that does not, nothing cut. */
static void test_response_too_big(void **state)
{
	size_t max = LUNMAPD_MAX_TARGET_LUN_IDS;
	struct gfx *f = crowded(4, max);
	netsnmp_agent_request_info reqinfo = { .mode = MODE_GET };
	netsnmp_request_info r[4] = { { 0 } };
	int statuses = 0;

	(void)state;
	for (int i = 0; i < 4; i++) {
		struct goid o = goid_target(T_LUNIDS, (oid)i + 1);
		snmp_varlist_add_variable(&r[i].requestvb, o.name, o.len, ASN_NULL, NULL, 0);
		r[i].index = i + 1;
		r[i].next = i < 3 ? &r[i + 1] : NULL;
	}
	assert_int_equal(lunmapd_get_all(&f->d, &reqinfo, r), SNMP_ERR_NOERROR);
	for (int i = 0; i < 4; i++) {
		if (r[i].status) {
			assert_int_equal(r[i].status, SNMP_ERR_TOOBIG);
			/* 3 x 16 KB fit in a message, the 4th does not */
			assert_int_equal(i, 3);
			statuses++;
		} else {
			assert_int_equal(r[i].requestvb->val_len, 16 * max);
		}
		snmp_free_varbind(r[i].requestvb);
	}
	assert_int_equal(statuses, 1);
	gfx_close(f);
}

/* LUNMAP-MIB's column table (columns.c): each group's arcs consecutive
 * from its first (lunmapd_column finds a column by its arc), every
 * column named, and a writable one says why a value is refused. */
static void test_column_table(void **state)
{
	(void)state;
	for (int g = G_SUBSYSTEM; g <= G_TARGETLUN; g++) {
		const struct lunmapd_group *gr = &lunmapd_groups[g];
		for (size_t i = 0; i < gr->ncols; i++) {
			const struct lunmapd_col *c = &gr->cols[i];
			assert_int_equal(c->id, gr->cols[0].id + i);
			assert_ptr_equal(lunmapd_column(g, c->id), c);
			assert_non_null(c->name);
			if (c->access != LUNMAPD_RO)
				assert_true(c->range_why || c->unit);
			assert_true(c->lo <= c->hi);
		}
		assert_null(lunmapd_column(g, lunmapd_last_col(g) + 1));
		assert_null(lunmapd_column(g, lunmapd_first_col(g) - 1));
	}
	assert_int_equal(lunmapd_last_col(G_SUBSYSTEM), S_LAST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_walk_is_the_whole_mib_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getnext_at_group_and_table_boundaries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_get_every_kind_of_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_of_what_is_not_there, setup, teardown),
		cmocka_unit_test(test_target_lun_ids_bounded_never_cut),
		cmocka_unit_test(test_response_too_big),
		cmocka_unit_test(test_column_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
