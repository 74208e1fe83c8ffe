/* SPDX-License-Identifier: BSD-3-Clause */
/* The one format of the crash-recovery records: what it writes it reads
 * back, a seal is exact, and every malformed set is refused whichever
 * file it is in (the journal and the intent read through the same
 * parser, so these cases hold for both). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record.h"

/* the pairs of a set up to end: how many, or -1 when it is refused */
static int read_set(const char *text, char end, struct lm_assoc *out, size_t max,
		    const char **stop)
{
	const char *p = text;
	int n = 0, rc;

	while ((rc = lm_record_pair(&p, end, &out[n < (int)max ? n : 0])) == 1)
		n++;
	*stop = p;
	return rc < 0 ? -1 : n;
}

static void test_set_round_trip(void **state)
{
	struct lm_assoc v[3] = { { .index = 7, .number = 1 },
				 { .index = 4294967294u, .number = 16383, .readonly = true },
				 { .index = 2, .number = 9 } }, got[4];
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const char *stop;

	(void)state;
	lm_record_put_set(f, v, 3);
	fclose(f);
	assert_string_equal(text, "7:1,4294967294:16383:r,2:9");
	assert_int_equal(read_set(text, ' ', got, 4, &stop), 3);
	assert_int_equal(*stop, '\0');
	for (int i = 0; i < 3; i++) {
		assert_int_equal(got[i].index, v[i].index);
		assert_int_equal(got[i].number, v[i].number);
		assert_int_equal(got[i].readonly, v[i].readonly);
	}
	free(text);
}

static void test_set_ends(void **state)
{
	struct lm_assoc got[4];
	const char *stop;

	(void)state;
	/* an empty set, and sets ended by a space or by the caller's end */
	assert_int_equal(read_set("", ' ', got, 4, &stop), 0);
	assert_int_equal(read_set(" 2=1:1", ' ', got, 4, &stop), 0);
	assert_int_equal(*stop, ' ');
	assert_int_equal(read_set("1:2,3:4>5:6", '>', got, 4, &stop), 2);
	assert_string_equal(stop, ">5:6");
	/* '>' ends only the intent's old set: in a journal set it is damage */
	assert_int_equal(read_set("1:2>5:6", ' ', got, 4, &stop), -1);
}

static void test_set_refuses_damage(void **state)
{
	static const char *const bad[] = {
		"1:2,", ",1:2", "1:2,,3:4", "1:", ":2", "1", "1:2:", "1:2:w", "1:2:rr",
		"0:1", "1:0", "1:16384", "4294967295:1", "01:2", "1:02", "-1:2", "1:2x",
		"1:+2", "1:2 ,3:4", "1 :2",
	};
	struct lm_assoc got[4];
	const char *stop;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int n = read_set(bad[i], '>', got, 4, &stop);
		/* "1:2 ,3:4": the set ends at the space; the caller then finds
		 * no LUN there */
		if (n >= 0 && *stop == ' ')
			continue;
		if (n != -1)
			fail_msg("\"%s\" read as %d pair(s)", bad[i], n);
	}
}

static void test_seal(void **state)
{
	struct lm_record r;
	char *text, line[128];

	(void)state;
	assert_true(lm_record_open(&r));
	fputs("3 1=2:5", r.f);
	assert_true(lm_record_close(&r));
	text = r.text;
	assert_int_equal(r.len, strlen(text));
	assert_int_equal(text[strlen(text) - 1], '\n');
	snprintf(line, sizeof line, "%.*s", (int)strlen(text) - 1, text);
	assert_true(lm_record_unseal(line));
	assert_string_equal(line, "3 1=2:5");

	/* one byte changed anywhere, an upper-case check, a short one */
	snprintf(line, sizeof line, "%.*s", (int)strlen(text) - 1, text);
	line[2] = '7';
	assert_false(lm_record_unseal(line));
	snprintf(line, sizeof line, "%.*s", (int)strlen(text) - 1, text);
	for (char *p = strstr(line, " #") + 2; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	if (strpbrk(strstr(line, " #") + 2, "ABCDEF"))
		assert_false(lm_record_unseal(line));
	snprintf(line, sizeof line, "%.*s", (int)strlen(text) - 2, text);
	assert_false(lm_record_unseal(line));
	assert_false(lm_record_unseal("3 1=2:5"));
	free(text);
}

static void test_number(void **state)
{
	const char *p = "4294967294=x";
	uint32_t v;

	(void)state;
	assert_int_equal(lm_record_number(&p, "=", 1, UINT32_MAX - 1, &v), 0);
	assert_int_equal(v, 4294967294u);
	assert_string_equal(p, "=x");
	p = "4294967295=";
	assert_int_equal(lm_record_number(&p, "=", 1, UINT32_MAX - 1, &v), -1);
	p = "=";
	assert_int_equal(lm_record_number(&p, "=", 1, UINT32_MAX - 1, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_round_trip), cmocka_unit_test(test_set_ends),
		cmocka_unit_test(test_set_refuses_damage), cmocka_unit_test(test_seal),
		cmocka_unit_test(test_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
