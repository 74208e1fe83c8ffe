/* SPDX-License-Identifier: BSD-3-Clause */
/* Batches (batch.c, plan.c, steps.c): AssociateTargets and its
 * companions, validation, numbers, rollback, on the sim backend. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core_fx.h"
#include "deadline.h"
#include "sim.h"
#include "state.h"
#include "util.h"

/* Allocation failure, injected into our own objects only (-Wl,--wrap). */
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
static int calloc_fails_in;

void *__wrap_calloc(size_t n, size_t size)
{
	if (calloc_fails_in && --calloc_fails_in == 0)
		return NULL;
	return __real_calloc(n, size);
}

static void test_replace_semantics(void **state)
{
	struct fx *f = *state;
	lm_guid set[3] = { f->tgt[1], f->tgt[0] };
	struct lm_diff d;
	struct lm_err err;
	char *before, *sbefore;
	unsigned ops;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], set, 2, &d, &err), LM_S_OK);
	assert_int_equal(d.nadded, 2);
	assert_int_equal(d.nremoved + d.nkept, 0);
	lm_diff_free(&d);
	expect_targets(f, 0, (int[]){ 0, 1 }, 2); /* ascending target index */

	/* keep t2, drop t1, add t3 */
	set[0] = f->tgt[1];
	set[1] = f->tgt[2];
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], set, 2, &d, &err), LM_S_OK);
	assert_int_equal(d.nadded, 1);
	assert_int_equal(d.added[0], 3);
	assert_int_equal(d.nremoved, 1);
	assert_int_equal(d.removed[0], 1);
	assert_int_equal(d.nkept, 1);
	assert_int_equal(d.kept[0], 2);
	lm_diff_free(&d);
	expect_targets(f, 0, (int[]){ 1, 2 }, 2);

	/* the same set again is a no-op: no stack operation, no new state */
	ops = lm_sim_op_count(f->sim);
	before = stack_text(f);
	sbefore = state_text(f);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], set, 2, &d, &err), LM_S_OK);
	assert_int_equal(d.nadded + d.nremoved, 0);
	assert_int_equal(d.nkept, 2);
	lm_diff_free(&d);
	assert_int_equal(lm_sim_op_count(f->sim), ops);
	{
		char *now = stack_text(f);
		assert_string_equal(now, before);
		free(now);
	}
	free(before);
	before = state_text(f);
	assert_string_equal(before, sbefore);
	free(before);
	free(sbefore);

	/* the empty set removes the LUN from every target */
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], NULL, 0, &d, &err), LM_S_OK);
	assert_int_equal(d.nremoved, 2);
	lm_diff_free(&d);
	expect_targets(f, 0, NULL, 0);
	before = stack_text(f);
	assert_null(strstr(before, "a.img"));
	free(before);
	assert_int_equal(lm_core_model(f->core)->nassoc, 0);
}

/* The in-use guard: a LUN does not leave a target with a logged-in
 * initiator unless the change says force; adding stays allowed. */
static void test_in_use_guard(void **state)
{
	struct fx *f = *state;
	struct lm_stack *s = lm_sim_stack(f->sim);
	lm_guid set[2] = { f->tgt[0], f->tgt[1] };
	struct lm_change ch = { .kind = LM_CHANGE_SET, .lun = f->lun[0], .targets = &f->tgt[1],
				.ntargets = 1 };
	const struct lm_model *m = lm_core_model(f->core);
	struct lm_batch *b;
	struct lm_err err;
	enum lm_kind k;
	uint32_t t1;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], set, 2, NULL, &err), LM_S_OK);
	assert_int_equal(lm_model_find_id(m, &f->tgt[0], &k, &t1), LM_S_OK);
	for (size_t i = 0; i < s->ntargets; i++)
		if (strcmp(s->targets[i].iqn, lm_model_target(m, t1)->iqn) == 0)
			s->targets[i].sessions = 1;
	/* replace {t1, t2} by {t2}: t1 has a session */
	assert_int_equal(lm_batch_prepare(f->core, &ch, 1, &b, &err), LM_VDS_E_DEVICE_IN_USE);
	assert_int_equal(err.at, 0);
	assert_non_null(strstr(err.msg, "1 initiator session is logged in"));
	assert_int_equal(lm_lun_last_error(lm_core_lun_after(f->core, 0)), LM_VDS_E_DEVICE_IN_USE);
	/* and the plain call, a whole-set replace to nothing: the same */
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], NULL, 0, NULL, &err),
			 LM_VDS_E_DEVICE_IN_USE);
	expect_targets(f, 0, (int[]){ 0, 1 }, 2);
	/* t2 has no session: leaving it is fine, and adding always is */
	ch.targets = &f->tgt[0];
	assert_int_equal(lm_batch_prepare(f->core, &ch, 1, &b, &err), LM_S_OK);
	assert_int_equal(lm_batch_apply(f->core, b, &err), LM_S_OK);
	lm_batch_free(b);
	expect_targets(f, 0, (int[]){ 0 }, 1);
	/* force: t1 too */
	ch.targets = &f->tgt[1];
	ch.force = true;
	assert_int_equal(lm_batch_prepare(f->core, &ch, 1, &b, &err), LM_S_OK);
	assert_int_equal(lm_batch_apply(f->core, b, &err), LM_S_OK);
	lm_batch_free(b);
	expect_targets(f, 0, (int[]){ 1 }, 1);
}

static void test_stack_and_state_follow(void **state)
{
	struct fx *f = *state;
	lm_guid set[2] = { f->tgt[0], f->tgt[3] };
	char *s;
	lm_guid *ids;
	size_t n;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], set, 2, NULL, NULL), LM_S_OK);
	s = stack_text(f);
	assert_non_null(strstr(s, "iqn.2026-11.org.example:t1:1:"));
	assert_non_null(strstr(s, "iqn.2026-11.org.example:t4:1:"));
	assert_non_null(strstr(s, "b c.img"));
	free(s);
	{
		/* on disk before the call returned */
		struct lm_state *st;
		int seen = 0;
		assert_int_equal(lm_state_load(f->state_dir, &st, NULL), LM_S_OK);
		for (size_t i = 0; i < st->nassocs; i++)
			seen += st->assocs[i].lun == 2 && st->assocs[i].number == 1 &&
				(st->assocs[i].target == 1 || st->assocs[i].target == 4);
		assert_int_equal(seen, 2);
		assert_int_equal(st->nassocs, 2);
		lm_state_free(st);
	}
	assert_int_equal(lm_query_associated_luns(f->core, &f->tgt[3], &ids, &n, NULL), LM_S_OK);
	assert_int_equal(n, 1);
	assert_int_equal(lm_guid_cmp(&ids[0], &f->lun[1]), 0);
	free(ids);
}

static void test_lun_numbers(void **state)
{
	struct fx *f = *state;
	lm_guid t1 = f->tgt[0];
	lm_guid both[2] = { f->tgt[0], f->tgt[1] };
	struct lm_err err;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], &t1, 1, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], &t1, 1, NULL, NULL), LM_S_OK);
	assert_int_equal(number_of(f, 0, 0), 1);
	assert_int_equal(number_of(f, 1, 0), 2);
	/* lowest free >= 1: the number a frees is handed out again */
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], NULL, 0, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[2], &t1, 1, NULL, NULL), LM_S_OK);
	assert_int_equal(number_of(f, 2, 0), 1);
	/* a kept association keeps its number */
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], both, 2, NULL, NULL), LM_S_OK);
	assert_int_equal(number_of(f, 1, 0), 2);
	assert_int_equal(number_of(f, 1, 1), 1);
	/* a given number */
	assert_int_equal(lm_add_association(f->core, &f->lun[0], &f->tgt[0], 9, NULL, &err), LM_S_OK);
	assert_int_equal(number_of(f, 0, 0), 9);
	assert_int_equal(lm_add_association(f->core, &f->lun[0], &f->tgt[1], 1, NULL, &err),
			 LM_E_INVALIDARG);
	assert_non_null(strstr(err.msg, "in use"));
	assert_int_equal(lm_add_association(f->core, &f->lun[0], &f->tgt[2], 16384, NULL, &err),
			 LM_E_INVALIDARG);
	assert_int_equal(lm_add_association(f->core, &f->lun[0], &f->tgt[2], 0 + 16383, NULL, &err),
			 LM_S_OK);
	/* asking for another number for a kept association is refused */
	assert_int_equal(lm_add_association(f->core, &f->lun[0], &f->tgt[0], 8, NULL, &err),
			 LM_E_INVALIDARG);
	assert_non_null(strstr(err.msg, "stays"));
	/* remove one pair through the same path */
	assert_int_equal(lm_remove_association(f->core, &f->lun[0], &f->tgt[2], NULL, &err), LM_S_OK);
	expect_targets(f, 0, (int[]){ 0 }, 1);
}

static void test_invalid_arguments(void **state)
{
	struct fx *f = *state;
	lm_guid nil = { { 0 } }, dup[2] = { f->tgt[0], f->tgt[0] }, withnil[2] = { f->tgt[0], nil };
	struct lm_err err;
	lm_guid *ids;
	size_t n;
	uint8_t bytes[17] = { 0 };

	assert_int_equal(lm_associate_targets(f->core, &nil, dup, 0, NULL, &err), LM_E_INVALIDARG);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], dup, 2, NULL, &err), LM_E_INVALIDARG);
	assert_non_null(strstr(err.msg, "twice"));
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], withnil, 2, NULL, &err),
			 LM_E_INVALIDARG);
	assert_non_null(strstr(err.msg, "nil"));
	assert_int_equal(lm_guids_from_bytes(bytes, 17, &ids, &n, &err), LM_E_INVALIDARG);
	assert_int_equal(lm_query_associated_targets(f->core, &nil, &ids, &n, &err), LM_E_INVALIDARG);
	/* the LUN remembers its last failure */
	assert_int_equal(lm_core_model(f->core)->luns[0]->last_error, LM_E_INVALIDARG);
}

static void test_too_many_targets(void **state)
{
	struct fx *f = *state;
	struct lm_err err;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 4, NULL, &err),
			 LM_VDS_E_NOT_SUPPORTED);
	assert_non_null(strstr(err.msg, "allows 3"));
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 3, NULL, &err), LM_S_OK);
}

static void test_unknown_ids(void **state)
{
	struct fx *f = *state;
	lm_guid other, *ids;
	size_t n;
	struct lm_err err;

	lm_guid_generate(&other);
	assert_int_equal(lm_associate_targets(f->core, &other, f->tgt, 1, NULL, &err),
			 LM_VDS_E_OBJECT_NOT_FOUND);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], &other, 1, NULL, &err),
			 LM_VDS_E_OBJECT_NOT_FOUND);
	/* a LUN's id is not a target's */
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], &f->lun[1], 1, NULL, &err),
			 LM_VDS_E_OBJECT_NOT_FOUND);
	assert_int_equal(lm_query_associated_luns(f->core, &other, &ids, &n, &err),
			 LM_VDS_E_OBJECT_NOT_FOUND);
}

static void test_deleted_lun(void **state)
{
	struct fx *f = *state;
	struct lm_err err;
	lm_guid *ids;
	size_t n;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[2], f->tgt, 1, NULL, NULL), LM_S_OK);
	lm_core_close(f->core);
	f->core = NULL;
	write_inventory(f, 0); /* the admin removed LUN c */
	assert_int_equal(open_core(f, &err), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[2], f->tgt, 1, NULL, &err),
			 LM_VDS_E_OBJECT_DELETED);
	assert_int_equal(lm_query_associated_targets(f->core, &f->lun[2], &ids, &n, &err),
			 LM_VDS_E_OBJECT_DELETED);
	assert_int_equal(lm_core_model(f->core)->nassoc, 0);
	/* and stays deleted across restarts */
	lm_core_close(f->core);
	assert_int_equal(open_core(f, &err), LM_S_OK);
	assert_int_equal(lm_query_associated_targets(f->core, &f->lun[2], &ids, &n, &err),
			 LM_VDS_E_OBJECT_DELETED);
}

static void test_failed_lun_and_target(void **state)
{
	struct fx *f = *state;
	const struct lm_model *m = lm_core_model(f->core);
	struct lm_err err;
	lm_guid gone = m->luns[3]->id;

	assert_int_equal(m->luns[3]->status, LM_FAILED);
	assert_int_equal(lm_associate_targets(f->core, &gone, f->tgt, 1, NULL, &err),
			 LM_VDS_E_OBJECT_STATUS_FAILED);
	assert_non_null(strstr(err.msg, "never-created.img"));
	m->targets[1]->status = LM_FAILED;
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], &f->tgt[1], 1, NULL, &err),
			 LM_VDS_E_OBJECT_STATUS_FAILED);
	/* a failed target can still be left out of a set */
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], NULL, 0, NULL, &err), LM_S_OK);
}

static void test_out_of_memory(void **state)
{
	struct fx *f = *state;
	struct lm_err err;
	lm_guid *ids;
	size_t n;

	calloc_fails_in = 1;
	assert_int_equal(lm_query_associated_targets(f->core, &f->lun[0], &ids, &n, &err),
			 LM_E_OUTOFMEMORY);
	calloc_fails_in = 1;
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 1, NULL, &err),
			 LM_E_OUTOFMEMORY);
	calloc_fails_in = 0;
	expect_targets(f, 0, NULL, 0);
}

/* Every step of a three-step change fails in turn: the stack and the state
 * file stay exactly as they were. */
static void test_rollback_at_every_step(void **state)
{
	struct fx *f = *state;
	lm_guid next[2] = { f->tgt[1], f->tgt[2] };
	struct lm_err err;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 1, NULL, NULL), LM_S_OK);
	for (unsigned step = 1; step <= 3; step++) {
		char *stack_before = stack_text(f), *state_before = state_text(f), want[32];
		lm_sim_fail_nth(f->sim, step);
		assert_int_equal(lm_associate_targets(f->core, &f->lun[0], next, 2, NULL, &err), LM_E_FAIL);
		snprintf(want, sizeof want, "step %u of 3", step);
		if (!strstr(err.msg, want) || !strstr(err.msg, "rolled back"))
			fail_msg("step %u: %s", step, err.msg);
		expect_unchanged(f, stack_before, state_before);
		expect_targets(f, 0, (int[]){ 0 }, 1);
		assert_int_equal(lm_core_model(f->core)->status, LM_SUBSYS_ONLINE);
		free(stack_before);
		free(state_before);
	}
	lm_sim_fail_nth(f->sim, 0);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], next, 2, NULL, &err), LM_S_OK);
}

static void test_failed_rollback_is_cache_corrupt(void **state)
{
	struct fx *f = *state;
	struct lm_err err;

	lm_sim_fail_from(f->sim, 2);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 2, NULL, &err),
			 LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_true(strncmp(err.msg, "undoing step ", 13) == 0);
	assert_non_null(strstr(err.msg, "; after step "));
	assert_int_equal(lm_core_model(f->core)->status, LM_SUBSYS_CACHE_CORRUPT);
	lm_sim_fail_nth(f->sim, 0);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], f->tgt, 1, NULL, &err),
			 LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	/* refresh adopts what the stack really has: the LU that stayed */
	assert_int_equal(lm_core_refresh(f->core, LM_REFRESH, &err), LM_S_OK);
	assert_int_equal(lm_core_model(f->core)->status, LM_SUBSYS_ONLINE);
	expect_targets(f, 0, (int[]){ 0 }, 1);
}

static void test_batch_all_or_nothing(void **state)
{
	struct fx *f = *state;
	lm_guid other;
	struct lm_change ch[2] = {
		{ .lun = f->lun[0], .targets = f->tgt, .ntargets = 2 },
		{ .lun = f->lun[1], .targets = &other, .ntargets = 1 },
	};
	struct lm_batch *b;
	struct lm_err err;
	char *stack_before = stack_text(f), *state_before = state_text(f), *after;

	lm_guid_generate(&other);
	assert_int_equal(lm_batch_prepare(f->core, ch, 2, &b, &err), LM_VDS_E_OBJECT_NOT_FOUND);
	assert_null(b);
	/* both good; the second LUN's stack step fails: the first is undone too */
	ch[1].targets = &f->tgt[2];
	assert_int_equal(lm_batch_prepare(f->core, ch, 2, &b, &err), LM_S_OK);
	assert_int_equal(lm_batch_count(b), 2);
	lm_sim_fail_nth(f->sim, 3);
	assert_int_equal(lm_batch_apply(f->core, b, &err), LM_E_FAIL);
	lm_batch_free(b);
	expect_unchanged(f, stack_before, state_before);
	/* applied, then undone as SNMP's UNDO phase does */
	assert_int_equal(lm_batch_prepare(f->core, ch, 2, &b, &err), LM_S_OK);
	assert_int_equal(lm_batch_apply(f->core, b, &err), LM_S_OK);
	expect_targets(f, 0, (int[]){ 0, 1 }, 2);
	expect_targets(f, 1, (int[]){ 2 }, 1);
	assert_int_equal(lm_batch_diff(b, 1)->nadded, 1);
	assert_int_equal(lm_batch_revert(f->core, b, &err), LM_S_OK);
	lm_batch_free(b);
	after = stack_text(f);
	assert_string_equal(after, stack_before);
	free(after);
	expect_targets(f, 0, NULL, 0);
	/* the same LUN twice in one batch */
	ch[1] = ch[0];
	assert_int_equal(lm_batch_prepare(f->core, ch, 2, &b, &err), LM_E_INVALIDARG);
	free(stack_before);
	free(state_before);
}

static void test_numbers_within_a_batch_do_not_collide(void **state)
{
	struct fx *f = *state;
	struct lm_change ch[2] = {
		{ .lun = f->lun[0], .targets = f->tgt, .ntargets = 1 },
		{ .lun = f->lun[1], .targets = f->tgt, .ntargets = 1 },
	};
	struct lm_batch *b;

	assert_int_equal(lm_batch_prepare(f->core, ch, 2, &b, NULL), LM_S_OK);
	assert_int_equal(lm_batch_apply(f->core, b, NULL), LM_S_OK);
	lm_batch_free(b);
	assert_int_equal(number_of(f, 0, 0), 1);
	assert_int_equal(number_of(f, 1, 0), 2);
}

/* A number asked by one change of a batch is not handed to another that
 * asks none, whichever LUN comes first (found by the slow-stack trial: a
 * PDU of 132 LUNs auto-numbered past the number a later LUN asked, which
 * was then refused as in use) */
static void test_an_asked_number_is_not_picked_for_another(void **state)
{
	struct fx *f = *state;
	struct lm_change ch[2] = {
		{ .kind = LM_CHANGE_ADD, .lun = f->lun[0], .target = f->tgt[0] },
		{ .kind = LM_CHANGE_ADD, .lun = f->lun[1], .target = f->tgt[0], .number = 1 },
	};
	struct lm_batch *b;
	struct lm_err err;

	if (lm_batch_prepare(f->core, ch, 2, &b, &err) != LM_S_OK)
		fail_msg("prepare: %s", err.msg);
	assert_int_equal(lm_batch_apply(f->core, b, NULL), LM_S_OK);
	lm_batch_free(b);
	assert_int_equal(number_of(f, 1, 0), 1);
	assert_int_equal(number_of(f, 0, 0), 2);
}

/* LUNs a, b and c each to t1, t2 and t3 (nine additions), prepared. */
static struct lm_batch *all_to_three(struct fx *f)
{
	lm_guid three[3] = { f->tgt[0], f->tgt[1], f->tgt[2] };
	struct lm_change ch[3];
	struct lm_batch *b;
	struct lm_err err;

	for (int i = 0; i < 3; i++)
		ch[i] = (struct lm_change){ .kind = LM_CHANGE_SET, .lun = f->lun[i],
					    .targets = three, .ntargets = 3 };
	assert_int_equal(lm_batch_prepare(f->core, ch, 3, &b, &err), LM_S_OK);
	return b;
}

/* The steps of a change that slows down half way, for the tests of the
 * rollback after the answer: all_to_three (from the fourth addition, 900
 * ms each), which cannot finish by a
 * deadline 4.5 s away: ERROR_TIMEOUT, and the rollback of what was done
 * goes on after the answer, offline meanwhile. */
static void fail_late(struct fx *f)
{
	struct lm_batch *b = all_to_three(f);
	struct lm_err err;

	lm_sim_delay(f->sim, 900, 4);
	lm_core_set_deadline(f->core, lm_now_ms() + 4500);
	assert_int_equal(lm_batch_apply(f->core, b, &err), LM_HR_TIMEOUT);
	lm_core_set_deadline(f->core, LM_NO_DEADLINE);
	lm_sim_delay(f->sim, 0, 0);
	lm_batch_free(b);
	assert_non_null(strstr(err.msg, "after this answer"));
	assert_int_equal(lm_core_action_running(f->core), LM_ACTION_ROLLBACK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_OFFLINE);
}

/* Meanwhile the model never has the change, no change starts, and at its
 * end the stack is as it was, online. */
static void test_rollback_after_the_answer(void **state)
{
	struct fx *f = *state;
	char *stack_before = stack_text(f), *state_before = state_text(f);
	const struct lm_err *result;
	struct lm_err err;

	fail_late(f);
	for (int i = 0; i < 3; i++)
		expect_targets(f, i, NULL, 0);
	assert_int_equal(lm_add_association(f->core, &f->lun[0], &f->tgt[3], 0, NULL, &err),
			 LM_VDS_E_ANOTHER_CALL_IN_PROGRESS);
	while (!lm_core_action_run(f->core, 20))
		;
	assert_int_equal(lm_core_action_outcome(f->core, &result), LM_ACTION_ROLLBACK);
	assert_int_equal(result->hr, LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	expect_unchanged(f, stack_before, state_before);
	free(stack_before);
	free(state_before);
}

/* A crash before that rollback ended: the change's intent is still on
 * disk, and the next start takes what is left of it out of the stack. */
static void test_crash_during_the_rollback_after_the_answer(void **state)
{
	struct fx *f = *state;
	char *stack_before = stack_text(f), *state_before = state_text(f), *mid;
	struct lm_stack saved;
	struct lm_err err;

	fail_late(f);
	/* the stack still has what the change did */
	mid = stack_text(f);
	assert_string_not_equal(mid, stack_before);
	free(mid);
	fx_crash(f, &saved);
	fx_sim_holding(f, &saved);
	assert_int_equal(fx_open_on_sim(f, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	assert_int_equal(lm_core_action_running(f->core), LM_ACTION_IDLE);
	expect_unchanged(f, stack_before, state_before);
	assert_int_equal(lm_core_check(f->core, &err), LM_S_OK);
	free(stack_before);
	free(state_before);
}

/* The UNDO of a change the stack made in time but cannot take back in
 * one deadline: the saved state drops it at once, and what of its stack
 * steps does not fit goes on after the answer, offline meanwhile; never
 * an undo of the undo. */
static void test_undo_that_does_not_fit_goes_on_after_the_answer(void **state)
{
	struct fx *f = *state;
	char *stack_before = stack_text(f), *now;
	struct lm_batch *b = all_to_three(f);
	struct lm_err err;

	assert_int_equal(lm_batch_apply(f->core, b, &err), LM_S_OK);
	lm_sim_delay(f->sim, 900, 1);
	lm_core_set_deadline(f->core, lm_now_ms() + 4500);
	assert_int_equal(lm_batch_revert(f->core, b, &err), LM_S_OK);
	lm_core_set_deadline(f->core, LM_NO_DEADLINE);
	lm_sim_delay(f->sim, 0, 0);
	lm_batch_free(b);
	assert_int_equal(lm_core_action_running(f->core), LM_ACTION_ROLLBACK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_OFFLINE);
	for (int i = 0; i < 3; i++)
		expect_targets(f, i, NULL, 0);
	while (!lm_core_action_run(f->core, 20))
		;
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	now = stack_text(f);
	assert_string_equal(now, stack_before);
	free(now);
	free(stack_before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_an_asked_number_is_not_picked_for_another),
		T(test_replace_semantics),
		T(test_in_use_guard),
		T(test_stack_and_state_follow),
		T(test_lun_numbers),
		T(test_invalid_arguments),
		T(test_too_many_targets),
		T(test_unknown_ids),
		T(test_deleted_lun),
		T(test_failed_lun_and_target),
		T(test_out_of_memory),
		T(test_rollback_at_every_step),
		T(test_failed_rollback_is_cache_corrupt),
		T(test_batch_all_or_nothing),
		T(test_numbers_within_a_batch_do_not_collide),
		T(test_rollback_after_the_answer),
		T(test_crash_during_the_rollback_after_the_answer),
		T(test_undo_that_does_not_fit_goes_on_after_the_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
