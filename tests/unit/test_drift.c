/* SPDX-License-Identifier: BSD-3-Clause */
/* Drift (drift.c, compare.c): the check, refresh, reenumerate,
 * restore(4) and the re-apply of a stack that lost everything. */
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
#include "sim.h"
#include "state.h"
#include "util.h"

static void test_drift_and_refresh(void **state)
{
	struct fx *f = *state;
	lm_guid two[2] = { f->tgt[0], f->tgt[1] };
	struct lm_stack *s = lm_sim_stack(f->sim);
	struct lm_err err;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], two, 2, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_core_check(f->core, &err), LM_S_OK);
	/* someone removes the LU from t2 by hand */
	for (size_t i = 0; i < s->ntargets; i++)
		if (strcmp(s->targets[i].iqn, "iqn.2026-11.org.example:t2") == 0) {
			s->targets[i].nlus = 0; /* the text stays in the stack's pool */
		}
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_non_null(strstr(err.msg, "t2"));
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], two, 1, NULL, &err),
			 LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_int_equal(lm_core_refresh(f->core, LM_REFRESH, &err), LM_S_OK);
	expect_targets(f, 0, (int[]){ 0 }, 1);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], two, 1, NULL, &err), LM_S_OK);
}

static void test_reenumerate_discovers_and_deletes(void **state)
{
	struct fx *f = *state;
	struct lm_stack *s = lm_sim_stack(f->sim);
	const struct lm_model *m = lm_core_model(f->core);
	struct lm_err err;
	lm_guid *ids;
	size_t n;

	static char renamed[] = "iqn.2026-11.org.example:new";

	/* t4 vanishes, a new target appears (names live in the stack's pool) */
	for (size_t i = 0; i < s->ntargets; i++)
		if (strcmp(s->targets[i].iqn, "iqn.2026-11.org.example:t4") == 0) {
			s->targets[i].iqn = renamed;
			lm_stack_add_lu(&s->targets[i], 3, f->paths[1]);
		}
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_int_equal(lm_core_refresh(f->core, LM_REENUMERATE, &err), LM_S_OK);
	assert_int_equal(lm_query_associated_luns(f->core, &f->tgt[3], &ids, &n, &err),
			 LM_VDS_E_OBJECT_DELETED);
	assert_int_equal(m->ntargets, 4);
	assert_string_equal(m->targets[3]->iqn, "iqn.2026-11.org.example:new");
	assert_int_equal(m->targets[3]->index, 5); /* never reused */
	assert_true(m->targets[3]->discovered);
	/* its LU of a known backing store is adopted */
	assert_int_equal(lm_query_associated_luns(f->core, &m->targets[3]->id, &ids, &n, &err), LM_S_OK);
	assert_int_equal(n, 1);
	assert_int_equal(lm_guid_cmp(&ids[0], &f->lun[1]), 0);
	free(ids);
	/* t4 stays deleted across a restart, though the inventory names its id */
	lm_core_close(f->core);
	assert_int_equal(open_core(f, &err), LM_S_OK);
	m = lm_core_model(f->core);
	assert_int_equal(lm_query_associated_luns(f->core, &f->tgt[3], &ids, &n, &err),
			 LM_VDS_E_OBJECT_DELETED);
	assert_null(lm_model_target_by_iqn((struct lm_model *)m, "iqn.2026-11.org.example:t4"));
	assert_int_equal(lm_core_reload(f->core, &err), LM_S_OK);
	assert_int_equal(lm_query_associated_luns(f->core, &f->tgt[3], &ids, &n, &err),
			 LM_VDS_E_OBJECT_DELETED);
}

/* Issue #20: an LU on a target of the inventory that lunmap did not put
 * there (by hand, by injection, by a failed cleanup) used to be reserved
 * silently and never shown. It is drift, reported with its path and
 * counted; refresh(2) neither adopts nor hides it (the subsystem stays
 * cacheCorrupt); restore(4) removes it: the inventory decides what is
 * exported. */
static void test_a_foreign_lu_is_drift_until_restore_removes_it(void **state)
{
	struct fx *f = *state;
	struct lm_err err;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 1, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_stack_add_lu(sim_target(f, "t1"), 5, "/srv/not-lunmaps.img"), LM_S_OK);
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_non_null(strstr(err.msg, "/srv/not-lunmaps.img"));
	assert_non_null(strstr(err.msg, "did not put there"));
	assert_int_equal(lm_target_foreign_count(lm_core_target(f->core, 1)), 1);
	assert_int_equal(lm_core_refresh(f->core, LM_REFRESH, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_non_null(strstr(err.msg, "/srv/not-lunmaps.img"));
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_CACHE_CORRUPT);
	/* not adopted: lunmap's own association is there as before */
	assert_int_equal(number_of(f, 0, 0), 1);
	assert_int_equal(lm_core_refresh(f->core, LM_RESTORE, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	assert_null(sim_lu(f, "t1", 5));
	assert_non_null(sim_lu(f, "t1", 1));
	assert_int_equal(lm_target_foreign_count(lm_core_target(f->core, 1)), 0);
	assert_int_equal(lm_core_check(f->core, &err), LM_S_OK);
}

/* A target the backend could not read (text an initiator or an
 * administrator chose stands where its own lines belong) is drift with
 * the reason, never taken as empty: start-up re-applies nothing onto it,
 * refresh keeps its associations, restore refuses. */
static void test_a_target_not_read_is_never_taken_as_empty(void **state)
{
	struct fx *f = *state;
	struct lm_err err;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 1, NULL, NULL), LM_S_OK);
	sim_target(f, "t1")->unread = "its text went astray";
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_non_null(strstr(err.msg, "its text went astray"));
	assert_int_equal(lm_core_refresh(f->core, LM_REFRESH, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_int_equal(number_of(f, 0, 0), 1);
	assert_int_equal(lm_core_refresh(f->core, LM_RESTORE, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_non_null(strstr(err.msg, "cannot be read"));
	sim_target(f, "t1")->unread = NULL;
	assert_int_equal(lm_core_refresh(f->core, LM_REFRESH, &err), LM_S_OK);
	assert_int_equal(number_of(f, 0, 0), 1);
}

/* Issue #12.2: a target name with a control byte or bad UTF-8, and an LU
 * numbered past LM_MAX_LUN_NUMBER, made by hand in the stack, used to be
 * adopted and saved in a form the state reader refuses: every later start
 * failed. They are ignored (and logged) instead, and never saved. */
static void test_forged_stack_objects_are_never_saved(void **state)
{
	struct fx *f = *state;
	struct lm_stack *s = lm_sim_stack(f->sim);
	const struct lm_model *m = lm_core_model(f->core);
	struct lm_err err;
	char *text;

	assert_int_equal(lm_stack_add_target(s, "iqn.2026-11.org.example:x\x01"), LM_S_OK);
	assert_int_equal(lm_stack_add_target(s, "iqn.2026-11.org.example:y\xff"), LM_S_OK);
	assert_int_equal(lm_stack_add_lu(&s->targets[s->ntargets - 1], 1, f->paths[1]), LM_S_OK);
	assert_int_equal(lm_stack_add_lu(&s->targets[0], 20000, f->paths[1]), LM_S_OK);
	assert_int_equal(lm_core_refresh(f->core, LM_REENUMERATE, &err), LM_S_OK);
	assert_int_equal(m->ntargets, 4);
	assert_int_equal(number_of(f, 1, 0), 0);
	text = state_text(f);
	assert_null(strstr(text, "&#1;"));
	assert_null(strstr(text, "20000"));
	assert_null(strstr(text, ":y"));
	free(text);
	lm_core_close(f->core);
	f->core = NULL;
	assert_int_equal(open_core(f, &err), LM_S_OK);
	m = lm_core_model(f->core);
	assert_int_equal(m->ntargets, 4);
	assert_int_equal(number_of(f, 1, 0), 0);
}

/* restore(4): what lunmap recorded goes back into the stack (an LU
 * removed by hand, a wrong identity, one of lunmap's LUNs where the state
 * does not have it); the state is not touched; then online again. */
static void test_restore_puts_the_recorded_sets_back(void **state)
{
	struct fx *f = *state;
	lm_guid two[2] = { f->tgt[0], f->tgt[1] };
	struct lm_err err;
	char *stack_ok, *state_ok;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], two, 2, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], two, 1, NULL, NULL), LM_S_OK);
	stack_ok = stack_text(f);
	state_ok = state_text(f);
	/* behind lunmap's back */
	sim_remove_lu(f, "t2", 1);
	lm_stack_lu_set_serial(sim_target(f, "t1"), sim_lu(f, "t1", 2), "beaf12");
	assert_int_equal(lm_stack_add_lu(sim_target(f, "t3"), 7, f->paths[1]), LM_S_OK);
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_CACHE_CORRUPT);

	assert_int_equal(lm_core_refresh(f->core, LM_RESTORE, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	expect_unchanged(f, stack_ok, state_ok);
	expect_identity(f, "t1", 1, 0);
	expect_identity(f, "t2", 1, 0);
	expect_identity(f, "t1", 2, 1);
	assert_int_equal(lm_core_check(f->core, &err), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], NULL, 0, NULL, &err), LM_S_OK);
	free(stack_ok);
	free(state_ok);
}

/* restore(4) takes a foreign LU off a number lunmap recorded and puts
 * lunmap's back (before issue #20 it stayed, and restore refused). */
static void test_restore_removes_a_foreign_lu_from_a_recorded_number(void **state)
{
	struct fx *f = *state;
	struct lm_err err;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 1, NULL, NULL), LM_S_OK);
	sim_remove_lu(f, "t1", 1);
	assert_int_equal(lm_stack_add_lu(sim_target(f, "t1"), 1, "/srv/someone-else.img"), LM_S_OK);
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_int_equal(lm_core_refresh(f->core, LM_RESTORE, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	assert_string_equal(sim_lu(f, "t1", 1)->path, f->paths[0]);
	expect_identity(f, "t1", 1, 0);
}

/* The re-apply (no operator asked) puts back what lunmap put there and
 * takes nothing away: an LU lunmap did not put on a target of the
 * inventory stays, drift as start-up reports it; restore(4) is the cure. */
static void test_the_reapply_leaves_a_foreign_lu(void **state)
{
	struct fx *f = *state;
	struct lm_err err;
	lm_hr hr;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 1, NULL, NULL), LM_S_OK);
	lm_stack_clear(lm_sim_stack(f->sim));
	assert_int_equal(lm_stack_add_target(lm_sim_stack(f->sim), "iqn.2026-11.org.example:t3"), LM_S_OK);
	assert_int_equal(lm_stack_add_lu(sim_target(f, "t3"), 5, "/srv/admins-own.img"), LM_S_OK);
	hr = lm_core_check(f->core, &err);
	/* t1 re-applied, t3's LU left there and told as drift */
	assert_non_null(sim_lu(f, "t3", 5));
	assert_int_equal(hr, LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_non_null(strstr(err.msg, "admins-own.img"));
}

/* A stack that lost everything lunmap had put there (tgtd restarted
 * empty) is re-applied by the drift check itself, identities included,
 * and the subsystem stays online; not while it is cacheCorrupt. */
static void test_a_stack_that_lost_everything_is_reapplied(void **state)
{
	struct fx *f = *state;
	lm_guid two[2] = { f->tgt[0], f->tgt[1] };
	struct lm_err err;
	char *stack_ok, *state_ok, *now;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], two, 2, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], &f->tgt[1], 1, NULL, NULL), LM_S_OK);
	stack_ok = stack_text(f);
	state_ok = state_text(f);
	lm_stack_clear(lm_sim_stack(f->sim));
	assert_int_equal(lm_core_check(f->core, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	expect_unchanged(f, stack_ok, state_ok);
	expect_identity(f, "t1", 1, 0);
	expect_identity(f, "t2", 1, 0);
	expect_identity(f, "t2", 2, 1);

	/* drift first (an LU removed by hand), then everything lost: an
	 * operator decides, nothing is re-applied */
	sim_remove_lu(f, "t2", 2);
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	lm_stack_clear(lm_sim_stack(f->sim));
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_int_equal(lm_sim_stack(f->sim)->ntargets, 0);
	assert_int_equal(lm_core_refresh(f->core, LM_RESTORE, &err), LM_S_OK);
	now = stack_text(f);
	assert_string_equal(now, stack_ok);
	free(now);
	free(stack_ok);
	free(state_ok);
}

/* Issue 21: start-up re-created a discovered target that had vanished
 * (with initiator settings it never had) while restore(4) left it out.
 * One rule for both: lunmap makes only the inventory's targets; a
 * discovered one that is gone is drift until reenumerate(3) deletes it. */
static void test_a_vanished_discovered_target_is_never_made(void **state)
{
	struct fx *f = *state;
	struct lm_stack *s = lm_sim_stack(f->sim);
	struct lm_err err;
	lm_guid *ids;
	size_t n;

	assert_int_equal(lm_stack_add_target(s, "iqn.2026-11.org.example:d1"), LM_S_OK);
	assert_int_equal(lm_stack_add_lu(&s->targets[s->ntargets - 1], 3, f->paths[1]), LM_S_OK);
	assert_int_equal(lm_core_refresh(f->core, LM_REENUMERATE, &err), LM_S_OK);
	assert_int_equal(lm_query_associated_targets(f->core, &f->lun[1], &ids, &n, &err), LM_S_OK);
	assert_int_equal(n, 1);
	free(ids);
	/* the stack restarts empty while lunmapd is down */
	lm_core_close(f->core);
	assert_int_equal(open_core(f, &err), LM_S_OK);
	assert_null(sim_target(f, "d1"));
	assert_non_null(sim_target(f, "t1"));
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_CACHE_CORRUPT);
	assert_int_equal(lm_core_refresh(f->core, LM_RESTORE, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_non_null(strstr(err.msg, "d1"));
	assert_null(sim_target(f, "d1"));
	assert_int_equal(lm_core_refresh(f->core, LM_REENUMERATE, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	assert_int_equal(lm_query_associated_targets(f->core, &f->lun[1], &ids, &n, &err), LM_S_OK);
	assert_int_equal(n, 0);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_drift_and_refresh),
		T(test_reenumerate_discovers_and_deletes),
		T(test_a_foreign_lu_is_drift_until_restore_removes_it),
		T(test_a_target_not_read_is_never_taken_as_empty),
		T(test_forged_stack_objects_are_never_saved),
		T(test_restore_puts_the_recorded_sets_back),
		T(test_restore_removes_a_foreign_lu_from_a_recorded_number),
		T(test_a_stack_that_lost_everything_is_reapplied),
		T(test_the_reapply_leaves_a_foreign_lu),
		T(test_a_vanished_discovered_target_is_never_made),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
