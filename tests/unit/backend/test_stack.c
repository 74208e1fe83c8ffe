/* SPDX-License-Identifier: BSD-3-Clause */
/* The stack snapshot (src/backend/stack.c): its string pool keeps each
 * distinct string once, and the sharing never mixes two strings up. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "stack.h"

static void test_a_lun_on_several_targets_shares_its_text(void **state)
{
	struct lm_stack s = { 0 };

	(void)state;
	for (int t = 0; t < 3; t++) {
		char iqn[64];
		snprintf(iqn, sizeof iqn, "iqn.2026-11.org.example:t%d", t);
		assert_int_equal(lm_stack_add_target(&s, iqn), LM_S_OK);
		assert_int_equal(lm_stack_add_lu(&s.targets[t], 1, "/srv/a.img"), LM_S_OK);
		assert_int_equal(lm_stack_set_serial(&s.targets[t], "0B7E2D7C"), LM_S_OK);
		assert_int_equal(lm_stack_add_lu(&s.targets[t], 2, "/srv/b.img"), LM_S_OK);
	}
	assert_ptr_equal(s.targets[0].lus[0].path, s.targets[2].lus[0].path);
	assert_ptr_equal(s.targets[0].lus[0].serial, s.targets[1].lus[0].serial);
	assert_ptr_not_equal(s.targets[0].lus[0].path, s.targets[0].lus[1].path);
	assert_string_equal(s.targets[1].lus[1].path, "/srv/b.img");
	assert_null(s.targets[1].lus[1].serial);
	lm_stack_clear(&s);
}

/* Many strings, through every growth of the index, some of them
 * prefixes of others: each LU keeps exactly its own text. */
static void test_every_string_keeps_its_text_through_index_growth(void **state)
{
	struct lm_stack s = { 0 }, copy;
	char path[64];
	enum { N = 20000 };

	(void)state;
	assert_int_equal(lm_stack_add_target(&s, "iqn.2026-11.org.example:t1"), LM_S_OK);
	for (uint32_t i = 1; i <= N; i++) {
		snprintf(path, sizeof path, "/srv/lun/%u", i % 7000 ? i : i / 10);
		assert_int_equal(lm_stack_add_lu(&s.targets[0], i, path), LM_S_OK);
		snprintf(path, sizeof path, "S%u", i % 5000);
		assert_int_equal(lm_stack_set_serial(&s.targets[0], path), LM_S_OK);
	}
	assert_int_equal(lm_stack_copy(&copy, &s), LM_S_OK);
	for (uint32_t i = 1; i <= N; i++) {
		const struct lm_stack_lu *lu = &s.targets[0].lus[i - 1], *cu = &copy.targets[0].lus[i - 1];
		snprintf(path, sizeof path, "/srv/lun/%u", i % 7000 ? i : i / 10);
		assert_string_equal(lu->path, path);
		assert_string_equal(cu->path, path);
		snprintf(path, sizeof path, "S%u", i % 5000);
		assert_string_equal(lu->serial, path);
		assert_string_equal(cu->serial, path);
		assert_int_equal(cu->readonly, -1);
	}
	/* S1 is the serial of LUs 1, 5001, 10001, 15001: one copy */
	assert_ptr_equal(s.targets[0].lus[0].serial, s.targets[0].lus[15000].serial);
	lm_stack_clear(&copy);
	lm_stack_clear(&s);
}

/* A half state keeps its first reason; a copy carries the target's and
 * the stack's; clearing frees them (ASan: no leak). */
static void test_half_states_keep_the_first_reason(void **state)
{
	struct lm_stack s = { 0 }, copy;

	(void)state;
	assert_int_equal(lm_stack_add_target(&s, "iqn.2026-11.org.example:t1"), LM_S_OK);
	assert_int_equal(lm_stack_note_half(&s.targets[0].half, "lun_%u holds no device", 3), LM_S_OK);
	assert_int_equal(lm_stack_note_half(&s.targets[0].half, "its TPG is not enabled"), LM_S_OK);
	assert_string_equal(s.targets[0].half, "lun_3 holds no device");
	assert_int_equal(lm_stack_note_half(&s.half, "backstore %s is used by no LU", "x/lm-1"), LM_S_OK);
	assert_int_equal(lm_stack_copy(&copy, &s), LM_S_OK);
	assert_string_equal(copy.targets[0].half, "lun_3 holds no device");
	assert_string_equal(copy.half, "backstore x/lm-1 is used by no LU");
	lm_stack_clear(&copy);
	lm_stack_clear(&s);
	assert_null(s.half);
	/* a name from the stack cannot forge a log line */
	assert_int_equal(lm_stack_note_half(&s.half, "backstore %s", "x/lm-1\nlunmapd: forged\x7f"), LM_S_OK);
	assert_string_equal(s.half, "backstore x/lm-1?lunmapd: forged?");
	lm_stack_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_lun_on_several_targets_shares_its_text),
		cmocka_unit_test(test_every_string_keeps_its_text_through_index_growth),
		cmocka_unit_test(test_half_states_keep_the_first_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
