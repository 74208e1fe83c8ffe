/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iqn.h"

static void test_valid_names(void **state)
{
	static const char *ok[] = {
		"iqn.2026-11.org.example:t1",
		"iqn.2001-04.com.example",
		"iqn.2001-04.com.example:storage:diskarrays-sn-a8675309",
		"iqn.1994-05.com.redhat:4f7a.x-y",
		"eui.02004567a425678d",
	};

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		assert_true(lm_iqn_valid(ok[i], NULL));
}

static void check_bad(const char *name, const char *reason_part)
{
	const char *why = NULL;

	assert_false(lm_iqn_valid(name, &why));
	assert_non_null(why);
	assert_non_null(strstr(why, reason_part));
}

static void test_invalid_names_say_why(void **state)
{
	(void)state;
	check_bad("", "empty");
	check_bad("iqn2026-11.org.example", "starts with iqn.");
	check_bad("naa.52004567ba64678d", "starts with iqn.");
	check_bad("iqn.26-11.org.example:t1", "YYYY-MM");
	check_bad("iqn.2026-13.org.example:t1", "month");
	check_bad("iqn.2026-00.org.example", "month");
	check_bad("iqn.2026-11.:t1", "reversed domain");
	check_bad("iqn.2026-11.org.example.:t1", "reversed domain");
	check_bad("iqn.2026-11.org_example:t1", "reversed domain");
	/* RFC 3721: the reversed domain is DNS labels; something follows ':' */
	check_bad("iqn.2026-11.a..b:c", "reversed domain");
	check_bad("iqn.2026-11.-a.b", "reversed domain");
	check_bad("iqn.2026-11.a-.b:c", "reversed domain");
	check_bad("iqn.2026-11.a.-b:c", "reversed domain");
	check_bad("iqn.2026-11.a.b:", "after its ':'");
	check_bad("iqn.2026-11.org.example:T1", "lower-case");
	check_bad("iqn.2026-11.org.example:a b", "lower-case");
	check_bad("eui.02004567a425678", "16 hex digits");
	check_bad("eui.02004567A425678D", "lower case");
}

static void test_length_limit(void **state)
{
	char name[300];

	(void)state;
	memset(name, 'a', sizeof name);
	memcpy(name, "iqn.2026-11.org.example:", 24);
	name[223] = '\0';
	assert_true(lm_iqn_valid(name, NULL));
	name[223] = 'a';
	name[224] = '\0';
	check_bad(name, "223");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_invalid_names_say_why),
		cmocka_unit_test(test_length_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
