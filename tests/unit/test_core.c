/* SPDX-License-Identifier: BSD-3-Clause */
/* The core's life (core.c, merge.c, startup.c, store.c): open, restart,
 * the lock, reload, start-up's repairs, on the sim backend. */
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

static void test_numbers_and_ids_survive_a_restart(void **state)
{
	struct fx *f = *state;
	lm_guid t[2] = { f->tgt[2], f->tgt[3] };
	lm_guid gone_id;
	char *before;

	assert_int_equal(lm_add_association(f->core, &f->lun[1], &f->tgt[2], 5, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], t, 2, NULL, NULL), LM_S_OK);
	gone_id = lm_core_model(f->core)->luns[3]->id; /* generated, not in the inventory */
	before = stack_text(f);
	lm_core_close(f->core);
	/* a new sim: the stack came back empty, start-up restores it */
	assert_int_equal(open_core(f, NULL), LM_S_OK);
	assert_int_equal(number_of(f, 1, 2), 5);
	assert_int_equal(number_of(f, 1, 3), 1);
	assert_int_equal(lm_guid_cmp(&lm_core_model(f->core)->luns[3]->id, &gone_id), 0);
	assert_int_equal(lm_core_model(f->core)->luns[3]->index, 4);
	{
		char *after = stack_text(f);
		assert_string_equal(after, before);
		free(after);
	}
	free(before);
	assert_int_equal(lm_core_model(f->core)->status, LM_SUBSYS_ONLINE);
}

static void test_another_process_holds_the_lock(void **state)
{
	struct fx *f = *state;
	struct lm_core_opts o = { .inventory = f->inv, .state_dir = f->state_dir,
				  .backend = lm_sim_new() };
	struct lm_core *second = NULL;
	struct lm_err err;

	assert_int_equal(lm_core_open(&o, &second, &err), LM_VDS_E_ANOTHER_CALL_IN_PROGRESS);
	assert_null(second);
}

/* The snapshot's generation, and whether the file is the one ino was. */
static unsigned long snapshot_gen(struct fx *f, ino_t *ino)
{
	char path[512], *text, *g;
	struct stat sb;
	unsigned long gen;

	snprintf(path, sizeof path, "%s/state.xml", f->state_dir);
	assert_int_equal(stat(path, &sb), 0);
	*ino = sb.st_ino;
	text = tu_read(path, NULL);
	assert_non_null(text);
	g = strstr(text, "generation=\"");
	assert_non_null(g);
	gen = strtoul(g + 12, NULL, 10);
	free(text);
	return gen;
}

static void restart(struct fx *f)
{
	struct lm_err err;

	lm_core_close(f->core);
	f->core = NULL;
	assert_int_equal(open_core(f, &err), LM_S_OK);
}

/* A restart writes no snapshot when the one on disk already is the model
 * and no journal record follows it; any difference (a record, a renamed
 * LUN) and it does, as before. */
static void test_restart_skips_an_equal_snapshot(void **state)
{
	struct fx *f = *state;
	unsigned long g0, g;
	ino_t i0, i;
	char *text, *at;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 2, NULL, NULL), LM_S_OK);
	g0 = snapshot_gen(f, &i0);
	restart(f); /* a journal record to fold in */
	g = snapshot_gen(f, &i);
	assert_int_equal(g, g0 + 1);
	assert_true(i != i0);
	restart(f); /* nothing new: the same file */
	assert_int_equal(snapshot_gen(f, &i0), g);
	assert_true(i0 == i);
	expect_targets(f, 0, (int[]){ 0, 1 }, 2);
	/* the next change's record follows that snapshot and is replayed */
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], f->tgt, 1, NULL, NULL), LM_S_OK);
	restart(f);
	expect_targets(f, 1, (int[]){ 0 }, 1);
	assert_int_equal(snapshot_gen(f, &i), g + 1);
	/* a renamed LUN is a new snapshot */
	text = tu_read(f->inv, NULL);
	at = strstr(text, "name=\"b\"");
	assert_non_null(at);
	at[6] = 'z';
	free(tu_write(f->dir, "inv.xml", text));
	free(text);
	restart(f);
	assert_int_equal(snapshot_gen(f, &i0), g + 2);
}

static void test_reload(void **state)
{
	struct fx *f = *state;
	struct lm_err err;
	char *good;
	const struct lm_model *m;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 1, NULL, NULL), LM_S_OK);
	/* a bad file is refused and the running model kept */
	good = tu_read(f->inv, NULL);
	free(tu_write(f->dir, "inv.xml", "<lunmap xmlns=\"urn:lunmap:inventory:1\" name=\"x\">"));
	m = lm_core_model(f->core);
	assert_int_equal(lm_core_reload(f->core, &err), LM_E_INVALIDARG);
	assert_non_null(strstr(err.msg, "inv.xml:1"));
	assert_ptr_equal(lm_core_model(f->core), m);
	expect_targets(f, 0, (int[]){ 0 }, 1);
	/* a good one without LUN c: c is deleted, the rest kept */
	free(tu_write(f->dir, "inv.xml", good));
	write_inventory(f, 0);
	assert_int_equal(lm_core_reload(f->core, &err), LM_S_OK);
	expect_targets(f, 0, (int[]){ 0 }, 1);
	assert_int_equal(number_of(f, 0, 0), 1);
	{
		lm_guid *ids;
		size_t n;
		assert_int_equal(lm_query_associated_targets(f->core, &f->lun[2], &ids, &n, &err),
				 LM_VDS_E_OBJECT_DELETED);
	}
	free(good);
}

/* Regression (found by the crash trials): tgtd restarted empty before the
 * first association; the targets lunmap had made were gone, which the
 * drift check called drift (cacheCorrupt) instead of re-making them. */
static void test_targets_lost_before_any_association_are_remade(void **state)
{
	struct fx *f = *state;
	struct lm_err err;

	assert_int_equal(lm_sim_stack(f->sim)->ntargets, 4);
	lm_stack_clear(lm_sim_stack(f->sim));
	assert_int_equal(lm_core_check(f->core, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	assert_int_equal(lm_sim_stack(f->sim)->ntargets, 4);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 1, NULL, &err), LM_S_OK);
	/* one of them gone while the others stay: drift, for an operator
	 * (the name swapped, not written over: pool strings are shared) */
	static char other[] = "iqn.2026-11.org.example:xx";
	for (size_t i = 0; i < lm_sim_stack(f->sim)->ntargets; i++)
		if (strcmp(lm_sim_stack(f->sim)->targets[i].iqn, "iqn.2026-11.org.example:t4") == 0)
			lm_sim_stack(f->sim)->targets[i].iqn = other;
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
}

/* LUN a onto a_tgts, then LUN b onto t3: the last change's intent names
 * LUN b only, so recovery leaves a alone. Then a crash (fx_crash). */
static void a_then_b_then_crash(struct fx *f, const lm_guid *a_tgts, size_t n, struct lm_stack *saved)
{
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], a_tgts, n, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], &f->tgt[2], 1, NULL, NULL), LM_S_OK);
	fx_crash(f, saved);
}

/* Regression (found by the crash trials): lunmapd killed between an LU's
 * "new" and its identity while it re-applied a stack that had lost
 * everything (no intent: not a change) left the LU with tgt's default
 * serial. The next start put the LU back whole, then compared the stack
 * snapshot of before, still with the old serial: drift, cacheCorrupt. */
static void test_start_mends_an_identity_and_stays_online(void **state)
{
	struct fx *f = *state;
	lm_guid two[2] = { f->tgt[0], f->tgt[1] };
	struct lm_stack saved;
	struct lm_err err;

	a_then_b_then_crash(f, two, 2, &saved);
	/* the stack as the crash left it: t2's LU with tgt's default serial */
	for (size_t i = 0; i < saved.ntargets; i++)
		if (strcmp(saved.targets[i].iqn, "iqn.2026-11.org.example:t2") == 0) {
			lm_stack_lu_set_serial(&saved.targets[i], &saved.targets[i].lus[0], "beaf12");
		}
	fx_sim_holding(f, &saved);
	assert_int_equal(fx_open_on_sim(f, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	assert_null(lm_core_startup_problem(f->core));
	expect_identity(f, "t2", 1, 0);
	expect_identity(f, "t1", 1, 0);
	assert_int_equal(lm_core_check(f->core, &err), LM_S_OK);
}

/* The same for an LU an initiator the stack admits cannot see (LIO: a
 * kill between the link and the ACL mappings, found by the LIO crash
 * trials): start-up puts it back whole, and its snapshot must then say the
 * LU is mapped, or the LU just mended is "drift at start". */
static void test_start_mends_an_unmapped_lu_and_stays_online(void **state)
{
	struct fx *f = *state;
	struct lm_stack saved;
	struct lm_err err;

	a_then_b_then_crash(f, &f->tgt[1], 1, &saved);
	for (size_t i = 0; i < saved.ntargets; i++)
		if (strcmp(saved.targets[i].iqn, "iqn.2026-11.org.example:t2") == 0)
			assert_int_equal(lm_stack_set_unmapped(&saved.targets[i], "iqn.2026-11.org.example:h1"),
					 LM_S_OK);
	fx_sim_holding(f, &saved);
	assert_int_equal(fx_open_on_sim(f, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	assert_null(lm_core_startup_problem(f->core));
	assert_null(sim_lu(f, "t2", 1)->unmapped);
	assert_int_equal(lm_core_check(f->core, &err), LM_S_OK);
}

/* A repair the stack refuses at start (a stopped tgtd) does not stop
 * lunmapd: it serves, cacheCorrupt, with the reason as its last error,
 * and restore(4) finishes the repair once the stack answers. */
static void test_start_serves_when_the_stack_refuses_a_repair(void **state)
{
	struct fx *f = *state;
	lm_guid two[2] = { f->tgt[0], f->tgt[1] };
	const struct lm_err *problem;
	struct lm_stack saved;
	struct lm_err err;

	a_then_b_then_crash(f, two, 2, &saved);
	fx_sim_holding(f, &saved);
	sim_remove_lu(f, "t1", 1); /* someone took it while lunmapd was down */
	lm_sim_fail_from(f->sim, 1); /* and the stack refuses everything */
	assert_int_equal(fx_open_on_sim(f, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_CACHE_CORRUPT);
	problem = lm_core_startup_problem(f->core);
	assert_non_null(problem);
	assert_int_equal(problem->hr, LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	if (!strstr(problem->msg, "cannot restore LUN 1"))
		fail_msg("problem: %s", problem->msg);
	lm_sim_fail_nth(f->sim, 0);
	assert_int_equal(lm_core_refresh(f->core, LM_RESTORE, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	expect_identity(f, "t1", 1, 0);
	expect_identity(f, "t2", 1, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_numbers_and_ids_survive_a_restart),
		T(test_another_process_holds_the_lock),
		T(test_reload),
		T(test_restart_skips_an_equal_snapshot),
		T(test_targets_lost_before_any_association_are_remade),
		T(test_start_mends_an_identity_and_stays_online),
		T(test_start_mends_an_unmapped_lu_and_stays_online),
		T(test_start_serves_when_the_stack_refuses_a_repair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
