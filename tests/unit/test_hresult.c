#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hresult.h"

static void test_values_are_the_real_hresults(void **state)
{
	(void)state;
	assert_int_equal(LM_S_OK, 0x00000000u);
	assert_int_equal(LM_E_INVALIDARG, 0x80070057u);
	assert_int_equal(LM_E_OUTOFMEMORY, 0x8007000Eu);
	assert_int_equal(LM_VDS_E_NOT_SUPPORTED, 0x80042400u);
	assert_int_equal(LM_VDS_E_ANOTHER_CALL_IN_PROGRESS, 0x80042404u);
	assert_int_equal(LM_VDS_E_OBJECT_NOT_FOUND, 0x80042405u);
	assert_int_equal(LM_VDS_E_OBJECT_DELETED, 0x8004240Bu);
	assert_int_equal(LM_VDS_E_PROVIDER_CACHE_CORRUPT, 0x8004241Fu);
	assert_int_equal(LM_VDS_E_OBJECT_STATUS_FAILED, 0x80042431u);
}

static void test_names_and_reasons(void **state)
{
	static const struct {
		lm_hr hr;
		const char *name;
	} all[] = {
		{ LM_S_OK, "S_OK" },
		{ LM_E_INVALIDARG, "E_INVALIDARG" },
		{ LM_E_OUTOFMEMORY, "E_OUTOFMEMORY" },
		{ LM_E_FAIL, "E_FAIL" },
		{ LM_VDS_E_NOT_SUPPORTED, "VDS_E_NOT_SUPPORTED" },
		{ LM_VDS_E_ANOTHER_CALL_IN_PROGRESS, "VDS_E_ANOTHER_CALL_IN_PROGRESS" },
		{ LM_VDS_E_OBJECT_NOT_FOUND, "VDS_E_OBJECT_NOT_FOUND" },
		{ LM_VDS_E_OBJECT_DELETED, "VDS_E_OBJECT_DELETED" },
		{ LM_VDS_E_PROVIDER_CACHE_CORRUPT, "VDS_E_PROVIDER_CACHE_CORRUPT" },
		{ LM_VDS_E_OBJECT_STATUS_FAILED, "VDS_E_OBJECT_STATUS_FAILED" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		assert_string_equal(lm_hr_name(all[i].hr), all[i].name);
		assert_string_not_equal(lm_hr_reason(all[i].hr), "unknown error");
	}
	assert_string_equal(lm_hr_name(0x80001234u), "HRESULT_UNKNOWN");
	assert_string_equal(lm_hr_reason(0x80001234u), "unknown error");
}

static void test_failed_is_the_severity_bit(void **state)
{
	(void)state;
	assert_false(lm_failed(LM_S_OK));
	assert_true(lm_failed(LM_E_INVALIDARG));
	assert_true(lm_failed(LM_VDS_E_OBJECT_STATUS_FAILED));
}

static void test_err_set_formats_and_returns(void **state)
{
	struct lm_err e;

	(void)state;
	assert_int_equal(lm_err_set(&e, LM_E_INVALIDARG, "id %d of %s", 3, "list"), LM_E_INVALIDARG);
	assert_int_equal(e.hr, LM_E_INVALIDARG);
	assert_string_equal(e.msg, "id 3 of list");
	assert_int_equal(lm_err_set(NULL, LM_E_FAIL, "x"), LM_E_FAIL);
	lm_err_clear(&e);
	assert_int_equal(e.hr, LM_S_OK);
	assert_string_equal(e.msg, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_are_the_real_hresults),
		cmocka_unit_test(test_names_and_reasons),
		cmocka_unit_test(test_failed_is_the_severity_bit),
		cmocka_unit_test(test_err_set_formats_and_returns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
