/* SPDX-License-Identifier: BSD-3-Clause */
/* pace.c: what a step costs now, and what the rollback of the steps done
 * would take. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pace.h"

enum { ADD, REMOVE, ACCESS, TARGET };
static const int inverse[LM_PACE_KINDS] = { REMOVE, ADD, ACCESS, TARGET };

static void record(struct lm_pace *p, int op, int n, double us)
{
	for (int i = 0; i < n; i++)
		lm_pace_record(p, op, 1, us);
}

/* nothing measured ever: a guess; then what was learnt */
static void test_first_step(void **state)
{
	struct lm_costs learnt = { .us = { 0 } };
	struct lm_pace p;

	(void)state;
	lm_pace_start(&p, &learnt, inverse);
	assert_true(lm_pace_cost_us(&p, ADD) > 0);
	assert_true(lm_pace_undo_us(&p) == 0);
	learnt.us[ADD] = 700;
	assert_true(lm_pace_cost_us(&p, ADD) == 700);
}

/* the rollback of additions costs removals, at the ratio learnt before,
 * at this run's pace */
static void test_undo_at_the_learnt_ratio(void **state)
{
	struct lm_costs learnt = { .us = { [ADD] = 1000, [REMOVE] = 3000 } };
	struct lm_pace p;

	(void)state;
	lm_pace_start(&p, &learnt, inverse);
	record(&p, ADD, 10, 2000); /* twice as slow as learnt */
	assert_true(lm_pace_cost_us(&p, ADD) == 2000);
	assert_true(lm_pace_cost_us(&p, REMOVE) == 6000);
	assert_true(lm_pace_undo_us(&p) == 10 * 6000);
	/* removals never learnt: twice an addition */
	learnt.us[REMOVE] = 0;
	assert_true(lm_pace_cost_us(&p, REMOVE) == 4000);
}

/* one hiccup is not a trend; three slow steps are */
static void test_median_follows_a_slowdown(void **state)
{
	struct lm_costs learnt = { .us = { 0 } };
	struct lm_pace p;

	(void)state;
	lm_pace_start(&p, &learnt, inverse);
	record(&p, ADD, 5, 1000);
	lm_pace_record(&p, ADD, 1, 90000);
	assert_true(lm_pace_cost_us(&p, ADD) == 1000);
	record(&p, ADD, 2, 90000);
	assert_true(lm_pace_cost_us(&p, ADD) == 90000);
}

/* what a run measured is learnt for the next one; a rollback's steps
 * count for their kind's cost, not for the rollback */
static void test_end_learns(void **state)
{
	struct lm_costs learnt = { .us = { [ADD] = 1000 } };
	struct lm_pace p;

	(void)state;
	lm_pace_start(&p, &learnt, inverse);
	record(&p, ADD, 3, 3000);
	lm_pace_record(&p, REMOVE, 0, 5000);
	assert_true(lm_pace_undo_us(&p) == 3 * 5000);
	lm_pace_end(&p);
	assert_true(learnt.us[ADD] == 2000);
	assert_true(learnt.us[REMOVE] == 5000);
	assert_true(learnt.us[ACCESS] == 0);
}

/* the rollback margin starts at 2, follows an overrun at once, eases
 * down slowly, keeps a quarter over what rollbacks took, and ignores
 * rollbacks too short to say anything */
static void test_undo_margin_follows_rollbacks(void **state)
{
	struct lm_costs learnt = { .us = { 0 } };
	struct lm_pace p;

	(void)state;
	lm_pace_start(&p, &learnt, inverse);
	assert_true(lm_pace_undo_margin(&p) == LM_PACE_UNDO_MARGIN);
	lm_pace_undo_took(&p, 5, 1000, 9000);
	assert_true(lm_pace_undo_margin(&p) == LM_PACE_UNDO_MARGIN);
	lm_pace_undo_took(&p, 100, 1000, 2400);
	assert_true(lm_pace_undo_margin(&p) == 3.0);
	lm_pace_undo_took(&p, 100, 1000, 1000);
	assert_true(lm_pace_undo_margin(&p) == (3.0 + 1.25) / 2);
	for (int i = 0; i < 20; i++)
		lm_pace_undo_took(&p, 100, 1000, 100);
	assert_true(lm_pace_undo_margin(&p) == LM_PACE_UNDO_MARGIN_MIN);
	lm_pace_undo_took(&p, 100, 1000, 100000);
	assert_true(lm_pace_undo_margin(&p) == LM_PACE_UNDO_MARGIN_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_step),
		cmocka_unit_test(test_undo_at_the_learnt_ratio),
		cmocka_unit_test(test_median_follows_a_slowdown),
		cmocka_unit_test(test_end_learns),
		cmocka_unit_test(test_undo_margin_follows_rollbacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
