/* SPDX-License-Identifier: BSD-3-Clause */
/* The LUN-number bitmap against a plain array of flags. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "bitmap.h"

static uint32_t first_clear_by_scan(const bool *flags, uint32_t min)
{
	for (uint32_t n = min; n <= LM_MAX_LUN_NUMBER; n++)
		if (!flags[n])
			return n;
	return UINT32_MAX;
}

static void test_set_has_and_first_clear(void **state)
{
	static bool flags[LM_MAX_LUN_NUMBER + 1];
	struct lm_numbits b;

	(void)state;
	lm_numbits_clear(&b);
	assert_int_equal(lm_numbits_first_clear(&b, 0), 0);
	assert_int_equal(lm_numbits_first_clear(&b, LM_MAX_LUN_NUMBER), LM_MAX_LUN_NUMBER);
	assert_int_equal(lm_numbits_first_clear(&b, LM_MAX_LUN_NUMBER + 1), UINT32_MAX);
	srand(7);
	for (int round = 0; round < 200; round++) {
		/* runs of set numbers across word boundaries */
		uint32_t start = (uint32_t)rand() % (LM_MAX_LUN_NUMBER + 1);
		uint32_t len = (uint32_t)rand() % 300;
		for (uint32_t n = start; n < start + len && n <= LM_MAX_LUN_NUMBER; n++) {
			lm_numbits_set(&b, n);
			flags[n] = true;
		}
		uint32_t min = (uint32_t)rand() % (LM_MAX_LUN_NUMBER + 1);
		assert_int_equal(lm_numbits_first_clear(&b, min), first_clear_by_scan(flags, min));
		assert_int_equal(lm_numbits_has(&b, min), flags[min]);
	}
	/* out of range: never set, never had */
	lm_numbits_set(&b, LM_MAX_LUN_NUMBER + 1);
	assert_false(lm_numbits_has(&b, LM_MAX_LUN_NUMBER + 1));
	assert_false(lm_numbits_has(&b, UINT32_MAX));
}

static void test_a_full_map_has_no_free_number(void **state)
{
	struct lm_numbits b;

	(void)state;
	lm_numbits_clear(&b);
	for (uint32_t n = 1; n <= LM_MAX_LUN_NUMBER; n++)
		lm_numbits_set(&b, n);
	assert_int_equal(lm_numbits_first_clear(&b, 1), UINT32_MAX);
	assert_int_equal(lm_numbits_first_clear(&b, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_has_and_first_clear),
		cmocka_unit_test(test_a_full_map_has_no_free_number),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
