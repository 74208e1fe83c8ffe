/* SPDX-License-Identifier: BSD-3-Clause */
/* A batch's changes into one new set per LUN: merging with the current
 * set, conflicts found whatever the order, and the change an error names. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "plan.h"

struct fx {
	struct lm_model *m;
	struct lm_lun *l[2];
	struct lm_target *t[3];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	f->m = lm_model_new("m", 3);
	for (int i = 0; i < 2; i++)
		f->l[i] = lm_model_add_lun(f->m, 0, NULL, i ? "b" : "a", i ? "/b" : "/a");
	for (int i = 0; i < 3; i++) {
		char iqn[32];
		snprintf(iqn, sizeof iqn, "iqn.2026-11.x:t%d", i);
		f->t[i] = lm_model_add_target(f->m, 0, NULL, iqn, NULL, "ALL");
	}
	/* LUN a is LUN 4 on t0 */
	lm_links_reserve(&f->l[0]->links, 1);
	lm_links_reserve(&f->t[0]->links, 1);
	lm_model_link(f->m, f->l[0], f->t[0], 4);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	lm_model_free(f->m);
	free(f);
	return 0;
}

static struct lm_change row(const struct fx *f, int lun, enum lm_change_kind kind, int t,
			    uint32_t number)
{
	return (struct lm_change){ .kind = kind, .lun = f->l[lun]->id, .target = f->t[t]->id,
				   .number = number };
}

static void test_rows_merge_with_the_current_set(void **state)
{
	struct fx *f = *state;
	struct lm_change ch[3] = {
		row(f, 0, LM_CHANGE_NUMBER, 2, 9),
		row(f, 0, LM_CHANGE_ADD, 2, 0),
		row(f, 0, LM_CHANGE_ADD, 1, 0),
	};
	struct lun_plan *p;
	size_t n;

	assert_int_equal(lm_plan_changes(f->m, ch, 3, &p, &n, NULL), LM_S_OK);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].lun, f->l[0]->index);
	assert_int_equal(p[0].first, 0);
	assert_int_equal(p[0].n, 3);
	/* by target index: the kept t0, then t1 and t2 */
	assert_int_equal(p[0].v[0].target, f->t[0]->index);
	assert_int_equal(p[0].v[0].number, 0);
	assert_int_equal(p[0].v[1].target, f->t[1]->index);
	assert_int_equal(p[0].v[1].origin, 2);
	assert_int_equal(p[0].v[2].target, f->t[2]->index);
	assert_int_equal(p[0].v[2].number, 9);
	assert_int_equal(p[0].v[2].origin, 1); /* the ADD, not the NUMBER */
	lm_plans_free(p, n);
}

static void test_remove_and_number_of_a_kept_target(void **state)
{
	struct fx *f = *state;
	struct lm_change ch[2] = { row(f, 0, LM_CHANGE_REMOVE, 0, 0), row(f, 0, LM_CHANGE_REMOVE, 1, 0) };
	struct lun_plan *p;
	size_t n;

	/* removing t0 empties the set; removing t1, never there, is nothing */
	assert_int_equal(lm_plan_changes(f->m, ch, 2, &p, &n, NULL), LM_S_OK);
	assert_int_equal(p[0].n, 0);
	lm_plans_free(p, n);
	ch[0] = row(f, 0, LM_CHANGE_NUMBER, 0, 7);
	assert_int_equal(lm_plan_changes(f->m, ch, 1, &p, &n, NULL), LM_S_OK);
	assert_int_equal(p[0].n, 1);
	assert_int_equal(p[0].v[0].number, 7); /* batch.c refuses it: the number stays */
	lm_plans_free(p, n);
}

/* Each conflict is found, named by the later change, in either order. */
static void expect_conflict(struct fx *f, struct lm_change a, struct lm_change b)
{
	struct lm_change ch[2] = { a, b };
	struct lun_plan *p;
	struct lm_err err;
	size_t n;

	for (int order = 0; order < 2; order++) {
		assert_int_equal(lm_plan_changes(f->m, ch, 2, &p, &n, &err), LM_E_INVALIDARG);
		assert_true(err.conflict);
		assert_int_equal(err.at, 1);
		assert_null(p);
		ch[0] = b;
		ch[1] = a;
	}
}

static void test_conflicts_whatever_the_order(void **state)
{
	struct fx *f = *state;
	struct lm_change set = { .kind = LM_CHANGE_SET, .lun = f->l[0]->id };

	expect_conflict(f, row(f, 0, LM_CHANGE_ADD, 1, 0), row(f, 0, LM_CHANGE_REMOVE, 1, 0));
	expect_conflict(f, row(f, 0, LM_CHANGE_NUMBER, 0, 5), row(f, 0, LM_CHANGE_NUMBER, 0, 6));
	expect_conflict(f, row(f, 0, LM_CHANGE_REMOVE, 0, 0), row(f, 0, LM_CHANGE_REMOVE, 0, 0));
	expect_conflict(f, set, row(f, 0, LM_CHANGE_ADD, 1, 0));
	expect_conflict(f, set, set);
}

static void test_number_for_a_row_nobody_creates(void **state)
{
	struct fx *f = *state;
	struct lm_change ch[2] = { row(f, 1, LM_CHANGE_ADD, 0, 0), row(f, 0, LM_CHANGE_NUMBER, 1, 3) };
	struct lun_plan *p;
	struct lm_err err;
	size_t n;

	assert_int_equal(lm_plan_changes(f->m, ch, 2, &p, &n, &err), LM_E_INVALIDARG);
	assert_true(err.conflict);
	assert_int_equal(err.at, 1);
}

static void test_errors_name_their_change_and_plans_keep_order(void **state)
{
	struct fx *f = *state;
	lm_guid unknown;
	struct lm_change ch[3] = {
		row(f, 1, LM_CHANGE_ADD, 0, 0),
		row(f, 0, LM_CHANGE_ADD, 1, 0),
		row(f, 1, LM_CHANGE_ADD, 2, 0),
	};
	struct lun_plan *p;
	struct lm_err err;
	size_t n;

	assert_int_equal(lm_plan_changes(f->m, ch, 3, &p, &n, &err), LM_S_OK);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].lun, f->l[1]->index); /* its first change comes first */
	assert_int_equal(p[0].n, 2);
	assert_int_equal(p[1].lun, f->l[0]->index);
	lm_plans_free(p, n);
	lm_guid_generate(&unknown);
	ch[2].target = unknown;
	assert_int_equal(lm_plan_changes(f->m, ch, 3, &p, &n, &err), LM_VDS_E_OBJECT_NOT_FOUND);
	assert_int_equal(err.at, 2);
	assert_false(err.conflict);
	ch[2].target = f->t[2]->id;
	ch[1].lun = unknown;
	assert_int_equal(lm_plan_changes(f->m, ch, 3, &p, &n, &err), LM_VDS_E_OBJECT_NOT_FOUND);
	assert_int_equal(err.at, 1);
}

static void test_set_lists(void **state)
{
	struct fx *f = *state;
	lm_guid ids[4] = { f->t[2]->id, f->t[1]->id, f->t[2]->id };
	uint32_t numbers[2] = { 0, 8 };
	struct lm_change ch = { .kind = LM_CHANGE_SET, .lun = f->l[1]->id, .targets = ids,
				.ntargets = 2, .numbers = numbers };
	struct lun_plan *p;
	struct lm_err err;
	size_t n;

	assert_int_equal(lm_plan_changes(f->m, &ch, 1, &p, &n, &err), LM_S_OK);
	assert_int_equal(p[0].n, 2);
	assert_int_equal(p[0].v[1].number, 8);
	lm_plans_free(p, n);
	ch.ntargets = 3; /* t2 twice */
	assert_int_equal(lm_plan_changes(f->m, &ch, 1, &p, &n, &err), LM_E_INVALIDARG);
	assert_false(err.conflict);
	ch.numbers = NULL;
	ids[2] = f->t[0]->id;
	ids[3] = f->l[0]->id; /* a LUN's id is no target */
	ch.ntargets = 4;
	assert_int_equal(lm_plan_changes(f->m, &ch, 1, &p, &n, &err), LM_VDS_E_NOT_SUPPORTED);
	ch.ntargets = 3;
	ids[1] = f->l[0]->id;
	assert_int_equal(lm_plan_changes(f->m, &ch, 1, &p, &n, &err), LM_VDS_E_OBJECT_NOT_FOUND);
	assert_int_equal(err.at, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows_merge_with_the_current_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_and_number_of_a_kept_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflicts_whatever_the_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_number_for_a_row_nobody_creates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_name_their_change_and_plans_keep_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_set_lists, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
