/* SPDX-License-Identifier: BSD-3-Clause */
/* SETs through lunmapd's handler, phase by phase, in process, on the sim:
 * the README's error table, error indexes, nothing changed by a refused
 * or undone PDU, multi-LUN PDUs, conflicts, repeated and stray phases. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deadline.h"
#include "glue.h"
#include "sim.h"

#define NT 16
#define NL 16
#define FAILED_LUN (NL + 1)
#define STALE 0x12345678u /* a code no refusal has */

/* an OID for an argument */
static const struct goid *P(struct goid o)
{
	static struct goid keep[8];
	static unsigned k;

	keep[k % 8] = o;
	return &keep[k++ % 8];
}

static int setup_with(void **state, unsigned timeout_ms)
{
	struct gfx_opts o = { .ntargets = NT, .nluns = NL, .max_per_lun = NT - 1,
			      .timeout_ms = timeout_ms, .failed_lun = true };

	*state = gfx_open(&o);
	return 0;
}

static int setup(void **state) { return setup_with(state, 100); }

static int teardown(void **state)
{
	gfx_close(*state);
	return 0;
}

/* LUN lun on targets[0..n) through the core, not the glue */
static void associate(struct gfx *f, uint32_t lun, const size_t *targets, size_t n)
{
	lm_guid l = gfx_lun_id(lun), t[NT];
	struct lm_err err;

	for (size_t i = 0; i < n; i++)
		t[i] = gfx_target_id(targets[i]);
	assert_int_equal(lm_associate_targets(f->d.core, &l, t, n, NULL, &err), LM_S_OK);
}

static void expect_targets(struct gfx *f, uint32_t lun, const char *want)
{
	char *got = gfx_targets_of(f, lun);

	assert_string_equal(got, want);
	free(got);
}

static uint32_t number_of(struct gfx *f, uint32_t lun, uint32_t target)
{
	size_t n;
	const struct lm_assoc *v = lm_lun_assocs(lm_core_lun(f->d.core, lun), &n);
	const struct lm_assoc *a = lm_assoc_find(v, n, target);

	return a ? a->number : 0;
}

/* ---------------------------------------------------------------- success */

static void test_set_target_ids_applies_and_notifies(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	const netsnmp_variable_list *v;
	lm_guid l1 = gfx_lun_id(1), t1 = gfx_target_id(1), t3 = gfx_target_id(3);
	int index;

	gset_ids(&s, 1, (size_t[]){ 3, 1 }, 2);
	assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
	assert_int_equal(index, 0);
	gset_free(&s);
	expect_targets(f, 1, "1,3");
	assert_int_equal(lm_core_assoc_count(f->d.core), 2);

	/* one lunmapAssociationChanged: the LUN's id and its new set */
	assert_int_equal(gfx_ntraps(), 1);
	assert_int_equal(gfx_trap(0, &v), N_ASSOC_CHANGED);
	assert_int_equal(v->val_len, 16);
	assert_memory_equal(v->val.string, l1.b, 16);
	v = v->next_variable;
	assert_int_equal(v->name[v->name_length - 2], L_TARGETIDS);
	assert_int_equal(v->name[v->name_length - 1], 1);
	assert_int_equal(v->val_len, 32);
	assert_memory_equal(v->val.string, t1.b, 16);
	assert_memory_equal(v->val.string + 16, t3.b, 16);
	assert_null(v->next_variable);

	/* the same set again: nothing changes, nothing is sent */
	gfx_traps_clear();
	gset_ids(&s, 1, (size_t[]){ 1, 3 }, 2);
	assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
	gset_free(&s);
	assert_int_equal(gfx_ntraps(), 0);
}

static void test_rows_create_number_destroy(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	int index;

	{
		struct goid rs = goid_assoc(A_ROWSTATUS, 2, 5), num = goid_assoc(A_NUMBER, 2, 5);
		gset_int(&s, &num, ASN_UNSIGNED, 7);
		gset_int(&s, &rs, ASN_INTEGER, RS_CREATEANDGO);
		assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
		gset_free(&s);
		expect_targets(f, 2, "5");
		assert_int_equal(number_of(f, 2, 5), 7);

		/* active on an existing row: nothing to do */
		gset_int(&s, &rs, ASN_INTEGER, RS_ACTIVE);
		assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
		gset_free(&s);
		assert_int_equal(number_of(f, 2, 5), 7);

		gset_int(&s, &rs, ASN_INTEGER, RS_DESTROY);
		assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
		gset_free(&s);
		expect_targets(f, 2, "");
	}
}

/* ---------------------------------------------------------------- refusals */

/* A PDU of up to three varbinds, the refused one among valid ones. */
struct refusal {
	const char *what;
	int status;
	int index; /* 1-based */
	lm_hr hr;
};

/* Runs s, which must be refused as r says, leaving everything as it was
 * and lunmapLastErrorCode set (never the stale code of before). */
static void expect_refused(struct gfx *f, struct gset *s, const struct refusal *r)
{
	char *before = gfx_snapshot(f), *after;
	int index, status;

	f->d.last_error = STALE;
	gfx_traps_clear();
	status = gfx_set(f, s, &index);
	if (status != r->status || index != r->index)
		fail_msg("%s: status %d index %d, wanted %d at %d (%s)", r->what, status, index,
			 r->status, r->index, f->d.last_error_text);
	if (f->d.last_error != r->hr)
		fail_msg("%s: lunmapLastErrorCode 0x%08X, wanted 0x%08X (%s)", r->what,
			 f->d.last_error, r->hr, f->d.last_error_text);
	assert_true(f->d.last_error_text[0] != '\0');
	after = gfx_snapshot(f);
	if (strcmp(before, after) != 0)
		fail_msg("%s changed something:\n%s\n---- after\n%s", r->what, before, after);
	free(before);
	free(after);
	gset_free(s);
}

/* An action a SET started: lunmapSubsystemRefresh reads it until the
 * work between requests ends it, then idle(1); a SET of associations is
 * refused meanwhile. */
static void expect_action_runs(struct gfx *f, long what)
{
	struct goid o = goid_scalar(S_REFRESH);
	netsnmp_variable_list *v;
	struct gset s = { 0 };
	int index;

	assert_int_equal(gfx_get(f, &o, 1, &v), SNMP_ERR_NOERROR);
	assert_int_equal(*v->val.integer, what);
	snmp_free_varbind(v);
	gset_ids(&s, 3, (size_t[]){ 4 }, 1);
	assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_RESOURCEUNAVAILABLE);
	assert_int_equal(f->d.last_error, LM_VDS_E_ANOTHER_CALL_IN_PROGRESS);
	gset_free(&s);
	while (lunmapd_between_requests(&f->d))
		;
	assert_int_equal(gfx_get(f, &o, 1, &v), SNMP_ERR_NOERROR);
	assert_int_equal(*v->val.integer, 1);
	snmp_free_varbind(v);
}

/* s = a valid list for LUN 3, then `o` = the value, then a valid row */
static void around(struct gset *s, const struct goid *o, u_char type, const void *val, size_t len)
{
	gset_ids(s, 3, (size_t[]){ 4 }, 1);
	gset_raw(s, o, type, val, len);
	gset_int(s, P(goid_assoc(A_ROWSTATUS, 4, 4)), ASN_INTEGER, RS_CREATEANDGO);
}

static void around_int(struct gset *s, const struct goid o, u_char type, long v)
{
	around(s, &o, type, &v, sizeof v);
}

static void test_refusals_of_one_varbind(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	u_char ids[4096] = { 0 };
	lm_guid t1 = gfx_target_id(1), unknown = gfx_target_id(99), none = { { 0 } };
	struct goid l1 = goid_lun(L_TARGETIDS, 1);

	associate(f, 2, (size_t[]){ 1 }, 1); /* LUN 2 on target 1 at number 1 */

	/* wrongType */
	around_int(&s, l1, ASN_INTEGER, 1);
	expect_refused(f, &s, &(struct refusal){ "ids as INTEGER", SNMP_ERR_WRONGTYPE, 2, LM_E_INVALIDARG });
	around_int(&s, goid_assoc(A_NUMBER, 1, 1), ASN_INTEGER, 3);
	expect_refused(f, &s, &(struct refusal){ "number as INTEGER", SNMP_ERR_WRONGTYPE, 2, LM_E_INVALIDARG });
	around_int(&s, goid_assoc(A_ROWSTATUS, 1, 1), ASN_UNSIGNED, RS_CREATEANDGO);
	expect_refused(f, &s, &(struct refusal){ "RowStatus as Unsigned32", SNMP_ERR_WRONGTYPE, 2, LM_E_INVALIDARG });
	around(&s, P(goid_scalar(S_REFRESH)), ASN_OCTET_STR, "2", 1);
	expect_refused(f, &s, &(struct refusal){ "refresh as a string", SNMP_ERR_WRONGTYPE, 2, LM_E_INVALIDARG });

	/* wrongLength */
	around(&s, &l1, ASN_OCTET_STR, ids, 17);
	expect_refused(f, &s, &(struct refusal){ "17 bytes", SNMP_ERR_WRONGLENGTH, 2, LM_E_INVALIDARG });
	around(&s, &l1, ASN_OCTET_STR, ids, 4096);
	expect_refused(f, &s, &(struct refusal){ "4096 bytes", SNMP_ERR_WRONGLENGTH, 2, LM_E_INVALIDARG });

	/* wrongValue */
	memcpy(ids, t1.b, 16);
	memcpy(ids + 16, t1.b, 16);
	around(&s, &l1, ASN_OCTET_STR, ids, 32);
	expect_refused(f, &s, &(struct refusal){ "duplicate id", SNMP_ERR_WRONGVALUE, 2, LM_E_INVALIDARG });
	around(&s, &l1, ASN_OCTET_STR, none.b, 16);
	expect_refused(f, &s, &(struct refusal){ "nil id", SNMP_ERR_WRONGVALUE, 2, LM_E_INVALIDARG });
	for (size_t i = 0; i < NT; i++) {
		lm_guid g = gfx_target_id(i + 1);
		memcpy(ids + 16 * i, g.b, 16);
	}
	around(&s, &l1, ASN_OCTET_STR, ids, 16 * NT);
	expect_refused(f, &s, &(struct refusal){ "more targets than allowed", SNMP_ERR_WRONGVALUE, 2,
						 LM_VDS_E_NOT_SUPPORTED });
	around_int(&s, goid_assoc(A_ROWSTATUS, 1, 1), ASN_INTEGER, RS_CREATEANDWAIT);
	expect_refused(f, &s, &(struct refusal){ "createAndWait", SNMP_ERR_WRONGVALUE, 2, LM_E_INVALIDARG });
	around_int(&s, goid_assoc(A_ROWSTATUS, 2, 1), ASN_INTEGER, RS_NOTINSERVICE);
	expect_refused(f, &s, &(struct refusal){ "notInService", SNMP_ERR_WRONGVALUE, 2, LM_E_INVALIDARG });
	around_int(&s, goid_assoc(A_ROWSTATUS, 1, 1), ASN_INTEGER, 7);
	expect_refused(f, &s, &(struct refusal){ "RowStatus 7", SNMP_ERR_WRONGVALUE, 2, LM_E_INVALIDARG });
	around_int(&s, goid_assoc(A_NUMBER, 2, 1), ASN_UNSIGNED, LM_MAX_LUN_NUMBER + 1);
	expect_refused(f, &s, &(struct refusal){ "number 16384", SNMP_ERR_WRONGVALUE, 2, LM_E_INVALIDARG });
	around_int(&s, goid_scalar(S_REFRESH), ASN_INTEGER, 5);
	expect_refused(f, &s, &(struct refusal){ "refresh 5", SNMP_ERR_WRONGVALUE, 2, LM_E_INVALIDARG });
	/* number 1 on target 1 is LUN 2's; the core names the row's
	 * createAndGo, the change that creates the association */
	gset_ids(&s, 3, (size_t[]){ 4 }, 1);
	gset_int(&s, P(goid_assoc(A_NUMBER, 1, 1)), ASN_UNSIGNED, 1);
	gset_int(&s, P(goid_assoc(A_ROWSTATUS, 1, 1)), ASN_INTEGER, RS_CREATEANDGO);
	expect_refused(f, &s, &(struct refusal){ "number in use", SNMP_ERR_WRONGVALUE, 3, LM_E_INVALIDARG });

	/* inconsistentValue */
	memcpy(ids, unknown.b, 16);
	around(&s, &l1, ASN_OCTET_STR, ids, 16);
	expect_refused(f, &s, &(struct refusal){ "unknown target", SNMP_ERR_INCONSISTENTVALUE, 2,
						 LM_VDS_E_OBJECT_NOT_FOUND });
	memcpy(ids, t1.b, 16);
	around(&s, P(goid_lun(L_TARGETIDS, FAILED_LUN)), ASN_OCTET_STR, ids, 16);
	expect_refused(f, &s, &(struct refusal){ "failed LUN", SNMP_ERR_INCONSISTENTVALUE, 2,
						 LM_VDS_E_OBJECT_STATUS_FAILED });
	around_int(&s, goid_assoc(A_ROWSTATUS, 2, 1), ASN_INTEGER, RS_CREATEANDGO);
	expect_refused(f, &s, &(struct refusal){ "createAndGo of an existing row",
						 SNMP_ERR_INCONSISTENTVALUE, 2, LM_E_INVALIDARG });

	/* noCreation */
	around_int(&s, goid_assoc(A_ROWSTATUS, 99, 1), ASN_INTEGER, RS_CREATEANDGO);
	expect_refused(f, &s, &(struct refusal){ "row of no LUN", SNMP_ERR_NOCREATION, 2,
						 LM_VDS_E_OBJECT_NOT_FOUND });
	around_int(&s, goid_assoc(A_ROWSTATUS, 1, 99), ASN_INTEGER, RS_CREATEANDGO);
	expect_refused(f, &s, &(struct refusal){ "row of no target", SNMP_ERR_NOCREATION, 2,
						 LM_VDS_E_OBJECT_NOT_FOUND });
	around(&s, P(goid_lun(L_TARGETIDS, 99)), ASN_OCTET_STR, ids, 16);
	expect_refused(f, &s, &(struct refusal){ "ids of no LUN", SNMP_ERR_NOCREATION, 2,
						 LM_VDS_E_OBJECT_NOT_FOUND });
	/* RFC 3416 4.2.5 (5): no object there could ever be written */
	around_int(&s, goid_raw(4, (oid[]){ 7, 1, 1, 1 }), ASN_INTEGER, 1);
	expect_refused(f, &s, &(struct refusal){ "no such object", SNMP_ERR_NOTWRITABLE, 2,
						 LM_E_INVALIDARG });
	/* a read-only column of a LUN that does not exist: notWritable too */
	around(&s, P(goid_lun(L_NAME, 99)), ASN_OCTET_STR, "x", 1);
	expect_refused(f, &s, &(struct refusal){ "name of no LUN", SNMP_ERR_NOTWRITABLE, 2,
						 LM_E_INVALIDARG });

	/* notWritable */
	around(&s, P(goid_lun(L_NAME, 1)), ASN_OCTET_STR, "x", 1);
	expect_refused(f, &s, &(struct refusal){ "lunmapLunName", SNMP_ERR_NOTWRITABLE, 2, LM_E_INVALIDARG });
	around(&s, P(goid_scalar(S_NAME)), ASN_OCTET_STR, "x", 1);
	expect_refused(f, &s, &(struct refusal){ "lunmapSubsystemName", SNMP_ERR_NOTWRITABLE, 2, LM_E_INVALIDARG });
	around_int(&s, goid_targetlun(1, 2), ASN_UNSIGNED, 3);
	expect_refused(f, &s, &(struct refusal){ "the mirror", SNMP_ERR_NOTWRITABLE, 2, LM_E_INVALIDARG });
}

/* the subsystem cacheCorrupt: an LU removed behind lunmap's back */
static void make_drift(struct gfx *f)
{
	struct lm_stack *st = lm_sim_stack(f->sim);
	struct lm_err err;

	for (size_t i = 0; i < st->ntargets; i++)
		if (st->targets[i].nlus) {
			lm_stack_remove_lu(&st->targets[i], st->targets[i].nlus - 1);
			break;
		}
	assert_int_equal(lm_core_check(f->d.core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
}

static void test_resource_unavailable(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 }, other = { 0 };
	struct gpdu *a, *b;
	int status;

	/* another SET in progress: the second PDU's first varbind */
	gset_ids(&s, 1, (size_t[]){ 1 }, 1);
	gset_ids(&other, 2, (size_t[]){ 2 }, 1);
	a = gpdu_new(f, &s, 1);
	b = gpdu_new(f, &other, 2);
	assert_int_equal(gpdu_phase(a, MODE_SET_RESERVE1), 0);
	f->d.last_error = STALE;
	assert_int_equal(gpdu_phase(b, MODE_SET_RESERVE1), SNMP_ERR_RESOURCEUNAVAILABLE);
	assert_int_equal(gpdu_error(b, &status), 1);
	assert_int_equal(f->d.last_error, LM_VDS_E_ANOTHER_CALL_IN_PROGRESS);
	/* the refused PDU's FREE leaves the pending one alone */
	gpdu_phase(b, MODE_SET_FREE);
	assert_int_equal(gpdu_phase(a, MODE_SET_RESERVE2), 0);
	assert_int_equal(gpdu_phase(a, MODE_SET_ACTION), 0);
	gpdu_phase(a, MODE_SET_COMMIT);
	expect_targets(f, 1, "1");
	gpdu_free(a);
	gpdu_free(b);
	gset_free(&s);
	gset_free(&other);

	/* cacheCorrupt */
	make_drift(f);
	gset_ids(&s, 3, (size_t[]){ 2 }, 1);
	gset_ids(&s, 4, (size_t[]){ 2 }, 1);
	expect_refused(f, &s, &(struct refusal){ "cacheCorrupt", SNMP_ERR_RESOURCEUNAVAILABLE, 1,
						 LM_VDS_E_PROVIDER_CACHE_CORRUPT });
}

/* Runs s, which must be answered commitFailed with hr inside the
 * master's timeout; a rollback that did not fit in the SET goes on after
 * the answer (offline meanwhile, refresh reading restore(4)); once it
 * has ended, everything is as it was and the subsystem online again.
 * True when the rollback outlived the answer. */
static bool expect_rolled_back(struct gfx *f, struct gset *s, const char *what, int index,
			       lm_hr hr)
{
	char *before = gfx_snapshot(f), *after;
	long long t0 = lm_now_ms();
	bool tail;
	int at, status;

	status = gfx_set(f, s, &at);
	gset_free(s);
	assert_true(lm_now_ms() - t0 < LUNMAPD_AGENTX_TIMEOUT * 1000);
	if (status != SNMP_ERR_COMMITFAILED || at != index || f->d.last_error != hr)
		fail_msg("%s: status %d index %d 0x%08X, wanted commitFailed at %d 0x%08X (%s)", what,
			 status, at, f->d.last_error, index, hr, f->d.last_error_text);
	tail = lm_core_action_running(f->d.core) == LM_ACTION_ROLLBACK;
	if (tail) {
		assert_int_equal(lm_core_status(f->d.core), LM_SUBSYS_OFFLINE);
		assert_non_null(strstr(f->d.last_error_text, "after this answer"));
	} else {
		assert_non_null(strstr(f->d.last_error_text, "nothing changed"));
	}
	while (lunmapd_between_requests(&f->d))
		;
	assert_int_equal(lm_core_status(f->d.core), LM_SUBSYS_ONLINE);
	after = gfx_snapshot(f);
	if (strcmp(before, after) != 0)
		fail_msg("%s changed something:\n%s\n---- after\n%s", what, before, after);
	free(before);
	free(after);
	return tail;
}

/* One deadline for the whole SET (design §5): a stack of 1 s a step
 * cannot do 6 LU additions before the master's timeout. The steps stop
 * in time, the SET is answered commitFailed with ERROR_TIMEOUT and how
 * far it got, before the deadline, and nothing changed once the rollback
 * has ended. (It used to be refused before ACTION by counting steps.) */
static void test_too_slow_for_the_master(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	int index;

	lm_sim_delay(f->sim, 1000, 1);
	gset_ids(&s, 1, (size_t[]){ 1, 2, 3 }, 3);
	gset_ids(&s, 2, (size_t[]){ 1, 2, 3 }, 3);
	expect_rolled_back(f, &s, "6 steps of 1 s", 1, LM_HR_TIMEOUT);
	/* a quick stack does them all in one SET */
	lm_sim_delay(f->sim, 0, 0);
	gset_ids(&s, 1, (size_t[]){ 1, 2, 3 }, 3);
	gset_ids(&s, 2, (size_t[]){ 1, 2, 3 }, 3);
	assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
	gset_free(&s);
	expect_targets(f, 1, "1,2,3");
	expect_targets(f, 2, "1,2,3");
}

/* A stack that slows down half way but still finishes before the
 * deadline: the change applies whole, although its rollback would not
 * have fitted too (a bet on the pace, design §5) */
static void test_stack_slows_down_but_finishes(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	long long t0;
	int index;

	lm_sim_delay(f->sim, 400, 4);
	gset_ids(&s, 1, (size_t[]){ 1, 2, 3 }, 3);
	gset_ids(&s, 2, (size_t[]){ 1, 2, 3 }, 3);
	gset_ids(&s, 3, (size_t[]){ 1, 2, 3 }, 3);
	t0 = lm_now_ms();
	assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
	gset_free(&s);
	assert_true(lm_now_ms() - t0 < LUNMAPD_AGENTX_TIMEOUT * 1000);
	expect_targets(f, 3, "1,2,3");
	assert_int_equal(lm_core_status(f->d.core), LM_SUBSYS_ONLINE);
}

/* A stack that slows down half way so much that the change cannot
 * finish: the steps done are rolled back, what of that does not fit in
 * the SET's time after the answer, and the SET says so */
static void test_stack_slows_down_half_way(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	const netsnmp_variable_list *v;
	size_t completed = SIZE_MAX;

	lm_sim_delay(f->sim, 900, 4);
	gset_ids(&s, 1, (size_t[]){ 1, 2, 3 }, 3);
	gset_ids(&s, 2, (size_t[]){ 1, 2, 3 }, 3);
	gset_ids(&s, 3, (size_t[]){ 1, 2, 3 }, 3);
	gfx_traps_clear();
	if (!expect_rolled_back(f, &s, "slow from step 4", 3, LM_HR_TIMEOUT))
		fail_msg("the rollback of 6 steps of 900 ms fitted in the SET");
	/* the rollback's end is told: lunmapActionCompleted, online */
	for (size_t i = 0; i < gfx_ntraps(); i++)
		if (gfx_trap(i, &v) == N_ACTION_COMPLETED)
			completed = i;
	assert_true(completed != SIZE_MAX);
	gfx_trap(completed, &v);
	assert_int_equal(*v->val.integer, LM_SUBSYS_ONLINE);
	assert_int_equal(v->next_variable->type, ASN_UNSIGNED);
	assert_int_equal(*v->next_variable->val.integer, 0);
}

static void test_commit_failed_rolls_back(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	const netsnmp_variable_list *v;

	associate(f, 1, (size_t[]){ 5 }, 1);
	lm_sim_fail_nth(f->sim, 3);
	gset_ids(&s, 1, (size_t[]){ 1, 2, 3 }, 3);
	gset_ids(&s, 2, (size_t[]){ 1 }, 1);
	expect_refused(f, &s, &(struct refusal){ "a stack step fails", SNMP_ERR_COMMITFAILED, 1, LM_E_FAIL });
	assert_int_equal(lm_core_status(f->d.core), LM_SUBSYS_ONLINE);
	/* lunmapOperationFailed with the code and the text */
	assert_int_equal(gfx_ntraps(), 1);
	assert_int_equal(gfx_trap(0, &v), N_OPERATION_FAILED);
	assert_int_equal(*v->val.integer, (long)LM_E_FAIL);
	assert_int_equal(v->next_variable->type, ASN_OCTET_STR);
	expect_targets(f, 1, "5");
}

static void test_undo_failed(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	const netsnmp_variable_list *v;
	int index, status;

	lm_sim_fail_from(f->sim, 2);
	f->d.last_error = STALE;
	gset_ids(&s, 1, (size_t[]){ 1, 2, 3 }, 3);
	status = gfx_set(f, &s, &index);
	gset_free(&s);
	assert_int_equal(status, SNMP_ERR_UNDOFAILED);
	/* not 0 (RFC 3416): net-snmp's master would make that genErr */
	assert_int_equal(index, 1);
	assert_int_equal(f->d.last_error, LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_int_equal(lm_core_status(f->d.core), LM_SUBSYS_CACHE_CORRUPT);
	assert_int_equal(gfx_ntraps(), 2);
	assert_int_equal(gfx_trap(0, &v), N_OPERATION_FAILED);
	assert_int_equal(gfx_trap(1, &v), N_CACHE_OUT_OF_SYNC);
	assert_int_equal(*v->val.integer, LM_SUBSYS_CACHE_CORRUPT);
}

/* ---------------------------------------------------------------- undo */

static void test_undo_after_action_changes_nothing(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	struct gpdu *p;
	char *before, *after;

	associate(f, 1, (size_t[]){ 4, 5 }, 2);
	/* the model and the stack; the journal keeps the change and its undo */
	before = gfx_snapshot_model(f);
	gset_ids(&s, 1, (size_t[]){ 5, 6 }, 2);
	gset_int(&s, P(goid_assoc(A_ROWSTATUS, 2, 4)), ASN_INTEGER, RS_CREATEANDGO);
	p = gpdu_new(f, &s, 7);
	assert_int_equal(gpdu_phase(p, MODE_SET_RESERVE1), 0);
	assert_int_equal(gpdu_phase(p, MODE_SET_RESERVE2), 0);
	assert_int_equal(gpdu_phase(p, MODE_SET_ACTION), 0);
	expect_targets(f, 1, "5,6");
	/* another varbind's handler failed: the master undoes */
	assert_int_equal(gpdu_phase(p, MODE_SET_UNDO), 0);
	after = gfx_snapshot_model(f);
	assert_string_equal(after, before);
	/* a repeated UNDO reverts nothing twice */
	assert_int_equal(gpdu_phase(p, MODE_SET_UNDO), 0);
	free(after);
	after = gfx_snapshot_model(f);
	assert_string_equal(after, before);
	assert_int_equal(gfx_ntraps(), 0);
	free(before);
	free(after);
	gpdu_free(p);
	gset_free(&s);
}

/* ---------------------------------------------------------------- many LUNs */

static void expect_target_consistent(struct gfx *f, uint32_t t, size_t want)
{
	size_t n;
	const struct lm_assoc *v = lm_target_assocs(lm_core_target(f->d.core, t), &n);
	netsnmp_variable_list *vb;
	struct goid o = goid_target(T_LUNIDS, t);

	assert_int_equal(n, want);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(number_of(f, v[i].index, t), v[i].number);
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(v[i].number, v[j].number);
		if (i)
			assert_true(v[i].index > v[i - 1].index);
	}
	assert_int_equal(gfx_get(f, &o, 1, &vb), 0);
	assert_int_equal(vb->val_len, 16 * want);
	for (size_t i = 0; i < n; i++) {
		lm_guid g = gfx_lun_id(v[i].index);
		assert_memory_equal(vb->val.string + 16 * i, g.b, 16);
	}
	snmp_free_varbind(vb);
}

/* Target 1 gains links from two LUNs in one PDU, across the sizes where
 * its arrays grow (7, 15). */
static void test_two_luns_fill_a_target_past_growth(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	int index;

	for (uint32_t l = 1; l <= 6; l++)
		associate(f, l, (size_t[]){ 1 }, 1);
	gset_ids(&s, 7, (size_t[]){ 1, 2 }, 2);
	gset_int(&s, P(goid_assoc(A_ROWSTATUS, 8, 1)), ASN_INTEGER, RS_CREATEANDGO);
	assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
	gset_free(&s);
	expect_target_consistent(f, 1, 8);
	assert_int_equal(gfx_ntraps(), 2);

	for (uint32_t l = 9; l <= 14; l++)
		associate(f, l, (size_t[]){ 1 }, 1);
	gset_int(&s, P(goid_assoc(A_ROWSTATUS, 15, 1)), ASN_INTEGER, RS_CREATEANDGO);
	gset_int(&s, P(goid_assoc(A_NUMBER, 15, 1)), ASN_UNSIGNED, 100);
	gset_ids(&s, 16, (size_t[]){ 3, 1 }, 2);
	assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
	gset_free(&s);
	expect_target_consistent(f, 1, 16);
	assert_int_equal(number_of(f, 15, 1), 100);
	expect_targets(f, 16, "1,3");
	assert_int_equal(lm_core_assoc_count(f->d.core), 18);
}

/* ---------------------------------------------------------------- conflicts */

/* a PDU of a and b in both orders: inconsistentValue, nothing changed */
static void expect_conflict(struct gfx *f, const char *what,
			    void (*a)(struct gset *), void (*b)(struct gset *))
{
	for (int order = 0; order < 2; order++) {
		struct gset s = { 0 };
		char *before = gfx_snapshot(f), *after;
		int index, status;

		(order ? b : a)(&s);
		(order ? a : b)(&s);
		status = gfx_set(f, &s, &index);
		if (status != SNMP_ERR_INCONSISTENTVALUE)
			fail_msg("%s (order %d): status %d at %d (%s)", what, order, status, index,
				 f->d.last_error_text);
		assert_true(index >= 1 && index <= (int)s.n);
		after = gfx_snapshot(f);
		assert_string_equal(after, before);
		free(before);
		free(after);
		gset_free(&s);
	}
}

static void ids_of_1(struct gset *s) { gset_ids(s, 1, (size_t[]){ 2 }, 1); }
static void ids_of_1_other(struct gset *s) { gset_ids(s, 1, (size_t[]){ 3 }, 1); }
static void create_1_2(struct gset *s)
{
	gset_int(s, P(goid_assoc(A_ROWSTATUS, 1, 2)), ASN_INTEGER, RS_CREATEANDGO);
}
static void create_1_4(struct gset *s)
{
	gset_int(s, P(goid_assoc(A_ROWSTATUS, 1, 4)), ASN_INTEGER, RS_CREATEANDGO);
}
static void destroy_1_4(struct gset *s)
{
	gset_int(s, P(goid_assoc(A_ROWSTATUS, 1, 4)), ASN_INTEGER, RS_DESTROY);
}
static void number_1_2_is_5(struct gset *s)
{
	gset_int(s, P(goid_assoc(A_NUMBER, 1, 2)), ASN_UNSIGNED, 5);
}
static void number_1_2_is_6_and_create(struct gset *s)
{
	gset_int(s, P(goid_assoc(A_NUMBER, 1, 2)), ASN_UNSIGNED, 6);
	create_1_2(s);
}
static void number_2_3(struct gset *s)
{
	gset_int(s, P(goid_assoc(A_NUMBER, 2, 3)), ASN_UNSIGNED, 5);
}
static void valid_other_lun(struct gset *s) { gset_ids(s, 3, (size_t[]){ 3 }, 1); }

static void test_conflicts_whatever_the_order(void **state)
{
	struct gfx *f = *state;

	associate(f, 1, (size_t[]){ 4 }, 1);
	expect_conflict(f, "whole set and a row of the same LUN", ids_of_1, create_1_2);
	expect_conflict(f, "two whole sets of one LUN", ids_of_1, ids_of_1_other);
	/* the row exists: destroy it and create it in one PDU */
	expect_conflict(f, "createAndGo and destroy of one row", create_1_4, destroy_1_4);
	expect_conflict(f, "two numbers for one row", number_1_2_is_5, number_1_2_is_6_and_create);
	expect_conflict(f, "a number for a row nobody creates", number_2_3, valid_other_lun);
}

/* ---------------------------------------------------------------- phases */

static void test_repeated_phases_apply_once(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	struct gpdu *p;
	unsigned ops = lm_sim_op_count(f->sim);

	gset_ids(&s, 1, (size_t[]){ 1, 2 }, 2);
	p = gpdu_new(f, &s, 11);
	assert_int_equal(gpdu_phase(p, MODE_SET_RESERVE1), 0);
	assert_int_equal(gpdu_phase(p, MODE_SET_RESERVE2), 0);
	assert_int_equal(gpdu_phase(p, MODE_SET_RESERVE2), 0);
	assert_int_equal(gpdu_phase(p, MODE_SET_ACTION), 0);
	assert_int_equal(lm_sim_op_count(f->sim), ops + 2);
	ops += 2;
	/* the master timed out and sends the phases again */
	assert_int_equal(gpdu_phase(p, MODE_SET_ACTION), 0);
	assert_int_equal(gpdu_phase(p, MODE_SET_RESERVE1), 0);
	assert_int_equal(lm_sim_op_count(f->sim), ops);
	assert_int_equal(gpdu_phase(p, MODE_SET_COMMIT), 0);
	assert_int_equal(gpdu_phase(p, MODE_SET_COMMIT), 0);
	assert_int_equal(gpdu_phase(p, MODE_SET_UNDO), 0);
	assert_int_equal(gpdu_phase(p, MODE_SET_FREE), 0);
	assert_int_equal(lm_sim_op_count(f->sim), ops);
	expect_targets(f, 1, "1,2");
	assert_int_equal(gfx_ntraps(), 1);
	assert_null(f->d.set);
	gpdu_free(p);
	gset_free(&s);
}

static void test_phases_without_their_set(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	struct gpdu *p;
	char *before = gfx_snapshot(f), *after;
	unsigned ops = lm_sim_op_count(f->sim);
	int status;

	gset_ids(&s, 1, (size_t[]){ 1 }, 1);
	p = gpdu_new(f, &s, 21);
	/* nothing was checked for them: refused, not applied */
	assert_int_equal(gpdu_phase(p, MODE_SET_RESERVE2), SNMP_ERR_GENERR);
	assert_int_equal(gpdu_phase(p, MODE_SET_ACTION), SNMP_ERR_GENERR);
	assert_int_equal(gpdu_error(p, &status), 1);
	assert_int_equal(gpdu_phase(p, MODE_SET_COMMIT), 0);
	assert_int_equal(gpdu_phase(p, MODE_SET_UNDO), 0);
	assert_int_equal(gpdu_phase(p, MODE_SET_FREE), 0);
	after = gfx_snapshot(f);
	assert_string_equal(after, before);
	assert_int_equal(lm_sim_op_count(f->sim), ops);
	assert_int_equal(gfx_ntraps(), 0);
	free(before);
	free(after);
	gpdu_free(p);
	gset_free(&s);
}

/* The master went away after ACTION: the manager was told genErr or
 * nothing, so the change is undone and the failure told (it used to
 * stay, and be notified as made); the next SET runs. */
static void test_abandoned_set(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	const netsnmp_variable_list *v;
	struct gpdu *p;
	char *before = gfx_snapshot_model(f), *after;
	int index;

	gset_ids(&s, 1, (size_t[]){ 1 }, 1);
	p = gpdu_new(f, &s, 31);
	assert_int_equal(gpdu_phase(p, MODE_SET_RESERVE1), 0);
	assert_int_equal(gpdu_phase(p, MODE_SET_RESERVE2), 0);
	assert_int_equal(gpdu_phase(p, MODE_SET_ACTION), 0);
	gfx_traps_clear();
	lunmapd_set_abandon(&f->d);
	assert_null(f->d.set);
	expect_targets(f, 1, "");
	/* the model and the stack as before (the state files hold the
	 * undo's journal record) */
	after = gfx_snapshot_model(f);
	assert_string_equal(after, before);
	free(before);
	free(after);
	assert_int_equal(gfx_ntraps(), 1);
	assert_int_equal(gfx_trap(0, &v), N_OPERATION_FAILED);
	assert_non_null(strstr(f->d.last_error_text, "undone"));
	gpdu_free(p);
	gset_free(&s);
	/* one left at RESERVE1 is simply dropped */
	gset_ids(&s, 2, (size_t[]){ 1 }, 1);
	p = gpdu_new(f, &s, 32);
	assert_int_equal(gpdu_phase(p, MODE_SET_RESERVE1), 0);
	lunmapd_set_abandon(&f->d);
	gpdu_free(p);
	expect_targets(f, 2, "");
	assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
	gset_free(&s);
	expect_targets(f, 2, "1");
}

/* Drift, then lunmapSubsystemRefresh = restore(4): what lunmap recorded
 * is put back into the stack and the subsystem is online again. */
static void test_restore_after_drift(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	char *before;
	char *after;
	int index;

	associate(f, 1, (size_t[]){ 1, 2 }, 2);
	before = gfx_snapshot_model(f);
	make_drift(f);
	gset_int(&s, P(goid_scalar(S_REFRESH)), ASN_INTEGER, LM_RESTORE);
	assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
	gset_free(&s);
	/* answered at once: it runs between requests */
	expect_action_runs(f, LM_RESTORE);
	assert_int_equal(lm_core_status(f->d.core), LM_SUBSYS_ONLINE);
	/* the same model and stack as before the drift (but for
	 * lunmapSubsystemLastChange, which the refresh moved) */
	f->d.last_change = 0;
	after = gfx_snapshot_model(f);
	assert_string_equal(after, before);
	free(after);
	free(before);
}

/* commitFailed names the varbind whose change failed, not the first */
static void test_commit_failed_names_its_varbind(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	const netsnmp_variable_list *v;

	associate(f, 1, (size_t[]){ 1 }, 1);
	gset_ids(&s, 1, (size_t[]){ 1 }, 1); /* no change */
	gset_ids(&s, 2, (size_t[]){ 1 }, 1);
	lm_sim_fail_nth(f->sim, 1); /* LUN 2's add */
	expect_refused(f, &s, &(struct refusal){ "LUN 2's step fails", SNMP_ERR_COMMITFAILED, 2,
						 LM_E_FAIL });
	assert_int_equal(f->d.last_error_lun, 2);
	/* lunmapOperationFailed names it: lunmapLastErrorLun and lunmapLunId.2 */
	assert_int_equal(gfx_ntraps(), 1);
	assert_int_equal(gfx_trap(0, &v), N_OPERATION_FAILED);
	v = v->next_variable->next_variable;
	assert_int_equal(v->name[v->name_length - 2], S_ERRLUN);
	assert_int_equal(*v->val.integer, 2);
	v = v->next_variable;
	assert_non_null(v);
	assert_int_equal(v->name[v->name_length - 2], L_ID);
	assert_int_equal(v->name[v->name_length - 1], 2);
	expect_targets(f, 1, "1");
	expect_targets(f, 2, "");
}

/* RFC 2579 TestAndIncr: two managers read the same value; the first SET
 * with it wins and moves it, the second is refused whole */
static void test_spinlock_two_managers(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	long read_by_both = f->d.spinlock;
	int index;

	gset_int(&s, P(goid_scalar(S_SPINLOCK)), ASN_INTEGER, read_by_both);
	gset_ids(&s, 1, (size_t[]){ 1 }, 1);
	assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
	gset_free(&s);
	assert_int_equal(f->d.spinlock, read_by_both == 2147483647 ? 0 : read_by_both + 1);
	expect_targets(f, 1, "1");
	/* the second manager, lock after its change: refused on the lock */
	gset_ids(&s, 1, (size_t[]){ 2 }, 1);
	gset_int(&s, P(goid_scalar(S_SPINLOCK)), ASN_INTEGER, read_by_both);
	expect_refused(f, &s, &(struct refusal){ "stale lock", SNMP_ERR_INCONSISTENTVALUE, 2,
						 LM_HR_LOCK_VIOLATION });
	expect_targets(f, 1, "1");
	/* a SET without the lock still works and leaves it alone */
	read_by_both = f->d.spinlock;
	gset_ids(&s, 1, (size_t[]){ 2 }, 1);
	assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
	gset_free(&s);
	assert_int_equal(f->d.spinlock, read_by_both);
	/* out of TestAndIncr's range */
	gset_int(&s, P(goid_scalar(S_SPINLOCK)), ASN_INTEGER, -1);
	expect_refused(f, &s, &(struct refusal){ "negative lock", SNMP_ERR_WRONGVALUE, 1,
						 LM_E_INVALIDARG });
}

/* refresh + a change in one PDU: inconsistentValue in either order */
static void test_refresh_with_a_change(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };

	gset_int(&s, P(goid_scalar(S_REFRESH)), ASN_INTEGER, LM_REFRESH);
	gset_ids(&s, 1, (size_t[]){ 1 }, 1);
	expect_refused(f, &s, &(struct refusal){ "refresh, change", SNMP_ERR_INCONSISTENTVALUE, 2,
						 LM_E_INVALIDARG });
	gset_ids(&s, 1, (size_t[]){ 1 }, 1);
	gset_int(&s, P(goid_scalar(S_REFRESH)), ASN_INTEGER, LM_REFRESH);
	expect_refused(f, &s, &(struct refusal){ "change, refresh", SNMP_ERR_INCONSISTENTVALUE, 2,
						 LM_E_INVALIDARG });
}

/* a refresh that adopts a lost association tells the LUN's new set and
 * that the subsystem is in sync again */
static void test_refresh_notifies(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	const netsnmp_variable_list *v;
	int index;

	associate(f, 1, (size_t[]){ 1, 2 }, 2);
	associate(f, 2, (size_t[]){ 3 }, 1);
	make_drift(f); /* an LU of LUN 1 is gone */
	lunmapd_notify_status(&f->d);
	gfx_traps_clear();
	gset_int(&s, P(goid_scalar(S_REFRESH)), ASN_INTEGER, LM_REFRESH);
	assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
	gset_free(&s);
	assert_int_equal(gfx_ntraps(), 0);
	expect_action_runs(f, LM_REFRESH);
	/* at the end: the changed LUNs, the outcome, in sync again */
	assert_int_equal(gfx_ntraps(), 3);
	assert_int_equal(gfx_trap(0, &v), N_ASSOC_CHANGED);
	assert_int_equal(v->name[v->name_length - 1], 1); /* LUN 1 only */
	assert_int_equal(gfx_trap(1, &v), N_ACTION_COMPLETED);
	assert_int_equal(*v->val.integer, LM_SUBSYS_ONLINE);
	assert_int_equal(*v->next_variable->val.integer, 0); /* lunmapActionResult */
	assert_int_equal(gfx_trap(2, &v), N_CACHE_IN_SYNC);
	assert_int_equal(*v->val.integer, LM_SUBSYS_ONLINE);
}

/* changing only an association's access breaks or restores every write
 * of the target's initiators: it is a change, told and timed like any
 * other (it used to move neither) */
static void test_access_change_notifies(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	const netsnmp_variable_list *v;
	int index;

	associate(f, 1, (size_t[]){ 1 }, 1);
	gfx_traps_clear();
	f->d.last_change = 0;
	gset_int(&s, P(goid_assoc(A_ACCESS, 1, 1)), ASN_INTEGER, ACCESS_RO);
	assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
	gset_free(&s);
	assert_int_equal(gfx_ntraps(), 1);
	assert_int_equal(gfx_trap(0, &v), N_ASSOC_CHANGED);
	assert_int_equal(v->name[v->name_length - 1], 1);
	assert_true(f->d.last_change != 0);
	/* the same access again changes nothing and tells nothing */
	gfx_traps_clear();
	f->d.last_change = 0;
	gset_int(&s, P(goid_assoc(A_ACCESS, 1, 1)), ASN_INTEGER, ACCESS_RO);
	assert_int_equal(gfx_set(f, &s, &index), SNMP_ERR_NOERROR);
	gset_free(&s);
	assert_int_equal(gfx_ntraps(), 0);
	assert_int_equal(f->d.last_change, 0);
}

/* a stack that lost everything is re-applied by the drift check: told
 * once with lunmapStackReapplied and its count, and LastChange moves */
static void test_reapply_notified(void **state)
{
	struct gfx *f = *state;
	struct lm_err err;
	const netsnmp_variable_list *v;
	struct lm_stack *st = lm_sim_stack(f->sim);

	associate(f, 1, (size_t[]){ 1, 2 }, 2);
	gfx_traps_clear();
	f->d.last_change = 0;
	lm_stack_clear(st); /* tgtd restarted empty */
	assert_int_equal(lm_core_check(f->d.core, &err), LM_S_OK);
	assert_int_equal(lm_core_reapplied(f->d.core), 1);
	lunmapd_notify_status(&f->d);
	assert_int_equal(gfx_ntraps(), 1);
	assert_int_equal(gfx_trap(0, &v), N_STACK_REAPPLIED);
	assert_int_equal(v->name[v->name_length - 2], S_REAPPLIED);
	assert_int_equal(*v->val.integer, 1);
	assert_true(f->d.last_change > 0 || netsnmp_get_agent_uptime() == 0);
	/* not again for the same re-apply */
	lunmapd_notify_status(&f->d);
	assert_int_equal(gfx_ntraps(), 1);
	expect_targets(f, 1, "1,2");
}

/* RFC 3416: the new scalars that cannot be written are notWritable */
static void test_new_scalars_not_writable(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };

	around_int(&s, goid_scalar(S_REAPPLIED), ASN_COUNTER, 1);
	expect_refused(f, &s, &(struct refusal){ "reapply count", SNMP_ERR_NOTWRITABLE, 2,
						 LM_E_INVALIDARG });
	around(&s, P(goid_lun(L_SERIAL, 1)), ASN_OCTET_STR, "x", 1);
	expect_refused(f, &s, &(struct refusal){ "serial", SNMP_ERR_NOTWRITABLE, 2,
						 LM_E_INVALIDARG });
}

/* The checks columns.c drives that the refusals above leave out: every
 * writable column's type, both ends of its range, and the refusal's
 * text naming the object. */
static void test_each_writable_column_checked(void **state)
{
	struct gfx *f = *state;
	struct gset s = { 0 };
	u_char ids[LUNMAPD_MAX_IDS_LEN + 16] = { 0 };

	around(&s, P(goid_scalar(S_SPINLOCK)), ASN_UNSIGNED, &(long){ 1 }, sizeof(long));
	expect_refused(f, &s, &(struct refusal){ "lock as Unsigned32", SNMP_ERR_WRONGTYPE, 2,
						 LM_E_INVALIDARG });
	around(&s, P(goid_scalar(S_FORCE)), ASN_OCTET_STR, "2", 1);
	expect_refused(f, &s, &(struct refusal){ "force as a string", SNMP_ERR_WRONGTYPE, 2,
						 LM_E_INVALIDARG });
	around_int(&s, goid_assoc(A_ACCESS, 1, 1), ASN_UNSIGNED, ACCESS_RO);
	expect_refused(f, &s, &(struct refusal){ "access as Unsigned32", SNMP_ERR_WRONGTYPE, 2,
						 LM_E_INVALIDARG });
	around_int(&s, goid_scalar(S_REFRESH), ASN_INTEGER, 0);
	expect_refused(f, &s, &(struct refusal){ "refresh 0", SNMP_ERR_WRONGVALUE, 2,
						 LM_E_INVALIDARG });
	around_int(&s, goid_scalar(S_FORCE), ASN_INTEGER, FORCE_NORMAL - 1);
	expect_refused(f, &s, &(struct refusal){ "force 0", SNMP_ERR_WRONGVALUE, 2,
						 LM_E_INVALIDARG });
	around_int(&s, goid_scalar(S_FORCE), ASN_INTEGER, FORCE_FORCE + 1);
	expect_refused(f, &s, &(struct refusal){ "force 3", SNMP_ERR_WRONGVALUE, 2,
						 LM_E_INVALIDARG });
	around_int(&s, goid_assoc(A_ACCESS, 1, 1), ASN_INTEGER, ACCESS_RW - 1);
	expect_refused(f, &s, &(struct refusal){ "access 0", SNMP_ERR_WRONGVALUE, 2,
						 LM_E_INVALIDARG });
	around_int(&s, goid_assoc(A_ACCESS, 1, 1), ASN_INTEGER, ACCESS_RO + 1);
	expect_refused(f, &s, &(struct refusal){ "access 3", SNMP_ERR_WRONGVALUE, 2,
						 LM_E_INVALIDARG });
	assert_string_equal(f->d.last_error_text,
			    "lunmapAssocAccess.1.1: not readWrite(1) or readOnly(2)");
	around_int(&s, goid_assoc(A_ACCESS, 1, 99), ASN_INTEGER, ACCESS_RO);
	expect_refused(f, &s, &(struct refusal){ "access of no target", SNMP_ERR_NOCREATION, 2,
						 LM_VDS_E_OBJECT_NOT_FOUND });
	/* one list of ids past the MIB's size */
	around(&s, P(goid_lun(L_TARGETIDS, 1)), ASN_OCTET_STR, ids, sizeof ids);
	expect_refused(f, &s, &(struct refusal){ "4096 bytes", SNMP_ERR_WRONGLENGTH, 2,
						 LM_E_INVALIDARG });
	assert_string_equal(f->d.last_error_text, "lunmapLunTargetIds.1: 4096 bytes is not a list "
			    "of 16-byte ids (at most 4080)");
	/* a read-only object of the target table, named by its numbers */
	around(&s, P(goid_target(T_IQN, 1)), ASN_OCTET_STR, "x", 1);
	expect_refused(f, &s, &(struct refusal){ "lunmapTargetIqn", SNMP_ERR_NOTWRITABLE, 2,
						 LM_E_INVALIDARG });
	assert_string_equal(f->d.last_error_text,
			    ".1.3.6.1.4.1.8072.9999.9999.3260.1.3.1.3.1: not writable");
}

/* A SET read right after the drift check held requests up may have been
 * sent when the check began (the slow-stack trial found one answered
 * after 5.05 s): its deadline counts from then; one read later, from now. */
static void test_a_set_read_after_the_check_starts_its_clock_then(void **state)
{
	struct gfx *f = *state;
	long long now = lm_now_ms(), budget = 5000 - LUNMAPD_ANSWER_MARGIN_MS;

	f->d.agentx_timeout = 5;
	f->d.held_from = now - 3000;
	f->d.held_to = now;
	assert_true(lunmapd_set_deadline(&f->d) <= now - 3000 + budget);
	f->d.held_to = now - 1000;
	assert_true(lunmapd_set_deadline(&f->d) >= now + budget);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_a_set_read_after_the_check_starts_its_clock_then),
		T(test_set_target_ids_applies_and_notifies),
		T(test_rows_create_number_destroy),
		T(test_refusals_of_one_varbind),
		T(test_resource_unavailable),
		T(test_too_slow_for_the_master),
		T(test_stack_slows_down_half_way),
		T(test_stack_slows_down_but_finishes),
		T(test_commit_failed_rolls_back),
		T(test_undo_failed),
		T(test_undo_after_action_changes_nothing),
		T(test_two_luns_fill_a_target_past_growth),
		T(test_conflicts_whatever_the_order),
		T(test_repeated_phases_apply_once),
		T(test_phases_without_their_set),
		T(test_abandoned_set),
		T(test_restore_after_drift),
		T(test_commit_failed_names_its_varbind),
		T(test_spinlock_two_managers),
		T(test_refresh_with_a_change),
		T(test_refresh_notifies),
		T(test_access_change_notifies),
		T(test_new_scalars_not_writable),
		T(test_each_writable_column_checked),
		T(test_reapply_notified),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
