#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "run.h"

static void test_output_and_status(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "echo out; echo err >&2; exit 22", NULL };
	struct lm_run_result r;

	(void)state;
	assert_int_equal(lm_run(argv, 5000, &r), 0);
	assert_int_equal(r.status, 22);
	assert_false(r.timed_out);
	assert_string_equal(r.out, "out\n");
	assert_string_equal(r.errout, "err\n");
	lm_run_result_free(&r);
}

static void test_arguments_are_not_split_by_a_shell(void **state)
{
	char *argv[] = { "/bin/echo", "a b;c", "$(x)", NULL };
	struct lm_run_result r;

	(void)state;
	assert_int_equal(lm_run(argv, 5000, &r), 0);
	assert_string_equal(r.out, "a b;c $(x)\n");
	lm_run_result_free(&r);
}

static void test_a_hung_program_is_killed(void **state)
{
	char *argv[] = { "/bin/sleep", "30", NULL };
	struct lm_run_result r;

	(void)state;
	assert_int_equal(lm_run(argv, 200, &r), 0);
	assert_true(r.timed_out);
	assert_int_equal(r.status, -1);
	lm_run_result_free(&r);
}

static void test_missing_program(void **state)
{
	char *argv[] = { "/nonexistent/tgtadm", NULL };
	struct lm_run_result r;

	(void)state;
	assert_int_equal(lm_run(argv, 2000, &r), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_and_status),
		cmocka_unit_test(test_arguments_are_not_split_by_a_shell),
		cmocka_unit_test(test_a_hung_program_is_killed),
		cmocka_unit_test(test_missing_program),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
