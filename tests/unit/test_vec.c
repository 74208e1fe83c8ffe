/* SPDX-License-Identifier: BSD-3-Clause */
/* The array primitives: growth keeps the contents, and the one lower
 * bound finds, for every key, the first element not below it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "vec.h"

static int int_cmp(const void *key, const void *elem)
{
	int k = *(const int *)key, e = *(const int *)elem;

	return k < e ? -1 : k > e;
}

static void test_grow_doubles_and_keeps(void **state)
{
	int *v = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(lm_grow((void **)&v, &cap, 1, sizeof *v), 0);
	assert_int_equal(cap, 8);
	for (int i = 0; i < 8; i++)
		v[i] = i;
	assert_int_equal(lm_grow((void **)&v, &cap, 9, sizeof *v), 0);
	assert_int_equal(cap, 16);
	assert_int_equal(lm_grow((void **)&v, &cap, 100, sizeof *v), 0);
	assert_int_equal(cap, 128);
	for (int i = 0; i < 8; i++)
		assert_int_equal(v[i], i);
	/* enough room already: nothing moves */
	int *before = v;
	assert_int_equal(lm_grow((void **)&v, &cap, 128, sizeof *v), 0);
	assert_ptr_equal(v, before);
	free(v);
}

/* Against a linear scan, for every key around every element, with
 * duplicates, on every length up to 40. */
static void test_lower_bound_matches_a_scan(void **state)
{
	int v[40];

	(void)state;
	for (size_t n = 0; n <= 40; n++) {
		for (size_t i = 0; i < n; i++)
			v[i] = (int)(i / 3) * 2; /* 0 0 0 2 2 2 4 ... */
		for (int key = -1; key <= (int)n; key++) {
			size_t want = 0;
			while (want < n && v[want] < key)
				want++;
			assert_int_equal(lm_lower_bound(v, n, sizeof *v, &key, int_cmp), want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_doubles_and_keeps),
		cmocka_unit_test(test_lower_bound_matches_a_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
