/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guid.h"

static void test_parse_format_roundtrip_in_rfc4122_order(void **state)
{
	lm_guid g;
	char s[LM_GUID_STRLEN + 1];

	(void)state;
	assert_int_equal(lm_guid_parse("0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02", &g), 0);
	assert_int_equal(g.b[0], 0x0b);
	assert_int_equal(g.b[3], 0x7c);
	assert_int_equal(g.b[4], 0x8f);
	assert_int_equal(g.b[15], 0x02);
	lm_guid_format(&g, s);
	assert_string_equal(s, "0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02");
	assert_int_equal(lm_guid_parse("0B7E2D7C-8F0A-4D6E-A1F3-5C9B8E7D6A02", &g), 0);
	lm_guid_format(&g, s);
	assert_string_equal(s, "0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02");
}

static void test_parse_refuses_malformed(void **state)
{
	lm_guid g;

	(void)state;
	assert_int_equal(lm_guid_parse("0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a0", &g), -1);
	assert_int_equal(lm_guid_parse("0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02x", &g), -1);
	assert_int_equal(lm_guid_parse("0b7e2d7c_8f0a-4d6e-a1f3-5c9b8e7d6a02", &g), -1);
	assert_int_equal(lm_guid_parse("zb7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02", &g), -1);
	assert_int_equal(lm_guid_parse("", &g), -1);
	assert_int_equal(lm_guid_parse(NULL, &g), -1);
}

static void test_nil_and_compare(void **state)
{
	lm_guid nil = { { 0 } }, a, b;

	(void)state;
	assert_true(lm_guid_is_nil(&nil));
	lm_guid_generate(&a);
	lm_guid_generate(&b);
	assert_false(lm_guid_is_nil(&a));
	assert_int_not_equal(lm_guid_cmp(&a, &b), 0);
	assert_int_equal(lm_guid_cmp(&a, &a), 0);
	assert_true(lm_guid_cmp(&nil, &a) < 0);
}

static void test_windows_order_swaps_first_three_fields(void **state)
{
	lm_guid g, w;
	char s[LM_GUID_STRLEN + 1];

	(void)state;
	lm_guid_parse("00112233-4455-6677-8899-aabbccddeeff", &g);
	w = g;
	lm_guid_swap_windows(&w);
	lm_guid_format(&w, s);
	assert_string_equal(s, "33221100-5544-7766-8899-aabbccddeeff");
	lm_guid_swap_windows(&w);
	assert_int_equal(lm_guid_cmp(&g, &w), 0);
}

static void test_hex_identity(void **state)
{
	lm_guid g;
	char hex[33];

	(void)state;
	lm_guid_parse("0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02", &g);
	lm_guid_hex(&g, hex);
	assert_string_equal(hex, "0b7e2d7c8f0a4d6ea1f35c9b8e7d6a02");
}

static void test_list_from_bytes(void **state)
{
	uint8_t bytes[48];
	lm_guid *ids;
	size_t n;
	struct lm_err err;

	(void)state;
	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (uint8_t)i;
	assert_int_equal(lm_guids_from_bytes(bytes, 48, &ids, &n, &err), LM_S_OK);
	assert_int_equal(n, 3);
	assert_int_equal(ids[2].b[0], 32);
	free(ids);
	assert_int_equal(lm_guids_from_bytes(bytes, 0, &ids, &n, &err), LM_S_OK);
	assert_int_equal(n, 0);
	assert_null(ids);
	assert_int_equal(lm_guids_from_bytes(bytes, 17, &ids, &n, &err), LM_E_INVALIDARG);
	assert_non_null(strstr(err.msg, "17 bytes"));
	assert_int_equal(lm_guids_from_bytes(bytes, 15, &ids, &n, &err), LM_E_INVALIDARG);
}

/* the NAA designators of VPD 0x83, worked out by hand from tgt's and
 * LIO's packing of the serial's hex digits */
static void test_naa_of_each_stack(void **state)
{
	static const uint8_t tgt[16] = { 0x6b, 0x7e, 0x2d, 0x7c, 0x8f, 0x0a, 0x4d, 0x6e,
					 0xa1, 0xf3, 0x5c, 0x9b, 0x8e, 0x7d, 0x6a, 0x02 };
	static const uint8_t lio[16] = { 0x60, 0x01, 0x40, 0x50, 0xb7, 0xe2, 0xd7, 0xc8,
					 0xf0, 0xa4, 0xd6, 0xea, 0x1f, 0x35, 0xc9, 0xb8 };
	uint8_t out[16];
	lm_guid g;

	(void)state;
	assert_int_equal(lm_guid_parse("0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02", &g), 0);
	lm_naa_tgt(&g, out);
	assert_memory_equal(out, tgt, 16);
	lm_naa_lio(&g, out);
	assert_memory_equal(out, lio, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_naa_of_each_stack),
		cmocka_unit_test(test_parse_format_roundtrip_in_rfc4122_order),
		cmocka_unit_test(test_parse_refuses_malformed),
		cmocka_unit_test(test_nil_and_compare),
		cmocka_unit_test(test_windows_order_swaps_first_three_fields),
		cmocka_unit_test(test_hex_identity),
		cmocka_unit_test(test_list_from_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
