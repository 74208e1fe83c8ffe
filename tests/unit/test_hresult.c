/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
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

/* every row of the errno table, with the Win32 error's number spelled
 * out as Windows' winerror.h has it */
static void test_from_errno_every_row(void **state)
{
	static const struct {
		int e;
		lm_hr hr;
	} rows[] = {
		{ ENOENT, 0x80070002u },       /* ERROR_FILE_NOT_FOUND 2 */
		{ ENOTDIR, 0x80070003u },      /* ERROR_PATH_NOT_FOUND 3 */
		{ EMFILE, 0x80070004u },       /* ERROR_TOO_MANY_OPEN_FILES 4 */
		{ ENFILE, 0x80070004u },
		{ EACCES, 0x80070005u },       /* ERROR_ACCESS_DENIED 5 */
		{ EPERM, 0x80070005u },
		{ EROFS, 0x80070013u },        /* ERROR_WRITE_PROTECT 19 */
		{ ENODEV, 0x80070037u },       /* ERROR_DEV_NOT_EXIST 55 */
		{ ENXIO, 0x80070037u },
		{ ENOSPC, 0x80070070u },       /* ERROR_DISK_FULL 112 */
		{ EDQUOT, 0x80070070u },
		{ EFBIG, 0x80070070u },
		{ ENOTEMPTY, 0x80070091u },    /* ERROR_DIR_NOT_EMPTY 145 */
		{ EBUSY, 0x800700AAu },        /* ERROR_BUSY 170 */
		{ EEXIST, 0x800700B7u },       /* ERROR_ALREADY_EXISTS 183 */
		{ ENAMETOOLONG, 0x800700CEu }, /* ERROR_FILENAME_EXCED_RANGE 206 */
		{ EIO, 0x8007045Du },          /* ERROR_IO_DEVICE 1117 */
		{ ETIMEDOUT, 0x800705B4u },    /* ERROR_TIMEOUT 1460 */
		{ ENOMEM, 0x8007000Eu },       /* stays E_OUTOFMEMORY */
		{ 0, 0x80004005u },            /* no errno: E_FAIL */
		{ EINVAL, 0x80004005u },       /* not E_INVALIDARG: not the manager's */
		{ EPROTO, 0x80004005u },       /* no Windows match */
	};

	(void)state;
	assert_int_equal(LM_HR_FROM_WIN32(112), 0x80070070u);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		lm_hr hr = lm_hr_from_errno(rows[i].e);
		if (hr != rows[i].hr)
			fail_msg("errno %d: %08x, want %08x", rows[i].e, hr, rows[i].hr);
		/* every code it gives has a name and a reason */
		assert_string_not_equal(lm_hr_name(hr), "HRESULT_UNKNOWN");
		assert_true(lm_failed(hr));
		/* a converted errno is the system's failure, except memory */
		assert_int_equal(lm_hr_is_system(hr), hr != LM_E_OUTOFMEMORY);
	}
	assert_false(lm_hr_is_system(LM_E_INVALIDARG));
	assert_false(lm_hr_is_system(LM_VDS_E_OBJECT_NOT_FOUND));
	assert_false(lm_hr_is_system(LM_S_OK));
	assert_string_equal(lm_hr_name(0x80070070u), "ERROR_DISK_FULL");
	assert_string_equal(lm_hr_name(LM_VDS_E_DEVICE_IN_USE), "VDS_E_DEVICE_IN_USE");
	assert_int_equal(LM_VDS_E_DEVICE_IN_USE, 0x80042413u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_are_the_real_hresults),
		cmocka_unit_test(test_names_and_reasons),
		cmocka_unit_test(test_from_errno_every_row),
		cmocka_unit_test(test_failed_is_the_severity_bit),
		cmocka_unit_test(test_err_set_formats_and_returns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
