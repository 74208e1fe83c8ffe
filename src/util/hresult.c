/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "hresult.h"

static const struct {
	lm_hr hr;
	const char *name;
	const char *reason;
} codes[] = {
	{ LM_S_OK, "S_OK", "done, or nothing to change" },
	{ LM_E_INVALIDARG, "E_INVALIDARG",
	  "malformed argument: list length not a multiple of 16, duplicate id or nil GUID" },
	{ LM_E_OUTOFMEMORY, "E_OUTOFMEMORY", "allocation failed" },
	{ LM_E_FAIL, "E_FAIL", "the iSCSI stack refused the change; it was rolled back" },
	{ LM_VDS_E_NOT_SUPPORTED, "VDS_E_NOT_SUPPORTED",
	  "more targets than the subsystem allows per LUN" },
	{ LM_VDS_E_ANOTHER_CALL_IN_PROGRESS, "VDS_E_ANOTHER_CALL_IN_PROGRESS",
	  "another process holds the subsystem lock" },
	{ LM_VDS_E_OBJECT_NOT_FOUND, "VDS_E_OBJECT_NOT_FOUND", "no object has ever had this id" },
	{ LM_VDS_E_OBJECT_DELETED, "VDS_E_OBJECT_DELETED", "the object with this id has been deleted" },
	{ LM_VDS_E_PROVIDER_CACHE_CORRUPT, "VDS_E_PROVIDER_CACHE_CORRUPT",
	  "the iSCSI stack no longer matches lunmap's state; write lunmapSubsystemRefresh" },
	{ LM_VDS_E_OBJECT_STATUS_FAILED, "VDS_E_OBJECT_STATUS_FAILED",
	  "the LUN or a target is in a failed state" },
	{ LM_VDS_E_DEVICE_IN_USE, "VDS_E_DEVICE_IN_USE",
	  "an initiator is logged in to the target; force the change to drop it" },
	{ LM_HR_FILE_NOT_FOUND, "ERROR_FILE_NOT_FOUND", "a file or configfs entry does not exist" },
	{ LM_HR_PATH_NOT_FOUND, "ERROR_PATH_NOT_FOUND", "a folder on the path is not a folder" },
	{ LM_HR_TOO_MANY_OPEN_FILES, "ERROR_TOO_MANY_OPEN_FILES", "no file descriptor left" },
	{ LM_HR_ACCESS_DENIED, "ERROR_ACCESS_DENIED", "permission denied" },
	{ LM_HR_WRITE_PROTECT, "ERROR_WRITE_PROTECT", "the file system is read-only" },
	{ LM_HR_DEV_NOT_EXIST, "ERROR_DEV_NOT_EXIST", "no such device (is the module loaded?)" },
	{ LM_HR_DISK_FULL, "ERROR_DISK_FULL", "no room left on the disk (or quota)" },
	{ LM_HR_DIR_NOT_EMPTY, "ERROR_DIR_NOT_EMPTY", "the folder is not empty" },
	{ LM_HR_BUSY, "ERROR_BUSY", "the object is in use" },
	{ LM_HR_ALREADY_EXISTS, "ERROR_ALREADY_EXISTS", "the object already exists" },
	{ LM_HR_FILENAME_EXCED_RANGE, "ERROR_FILENAME_EXCED_RANGE", "a name or path is too long" },
	{ LM_HR_IO_DEVICE, "ERROR_IO_DEVICE", "I/O error on the device" },
	{ LM_HR_TIMEOUT, "ERROR_TIMEOUT", "the operation timed out" },
	{ LM_HR_LOCK_VIOLATION, "ERROR_LOCK_VIOLATION",
	  "lunmapSpinLock was stale: another manager changed the subsystem; read it again" },
};

/* errno -> HRESULT; the one table (tests/unit/test_hresult.c checks every
 * row). */
static const struct {
	int e;
	lm_hr hr;
} from_errno[] = {
	{ ENOENT, LM_HR_FILE_NOT_FOUND },
	{ ENOTDIR, LM_HR_PATH_NOT_FOUND },
	{ EMFILE, LM_HR_TOO_MANY_OPEN_FILES },
	{ ENFILE, LM_HR_TOO_MANY_OPEN_FILES },
	{ EACCES, LM_HR_ACCESS_DENIED },
	{ EPERM, LM_HR_ACCESS_DENIED },
	{ EROFS, LM_HR_WRITE_PROTECT },
	{ ENODEV, LM_HR_DEV_NOT_EXIST },
	{ ENXIO, LM_HR_DEV_NOT_EXIST },
	{ ENOSPC, LM_HR_DISK_FULL },
	{ EDQUOT, LM_HR_DISK_FULL },
	{ EFBIG, LM_HR_DISK_FULL },
	{ ENOTEMPTY, LM_HR_DIR_NOT_EMPTY },
	{ EBUSY, LM_HR_BUSY },
	{ EEXIST, LM_HR_ALREADY_EXISTS },
	{ ENAMETOOLONG, LM_HR_FILENAME_EXCED_RANGE },
	{ EIO, LM_HR_IO_DEVICE },
	{ ETIMEDOUT, LM_HR_TIMEOUT },
	{ ENOMEM, LM_E_OUTOFMEMORY },
};

lm_hr lm_hr_from_errno(int e)
{
	for (size_t i = 0; i < sizeof from_errno / sizeof from_errno[0]; i++)
		if (from_errno[i].e == e)
			return from_errno[i].hr;
	return LM_E_FAIL;
}

bool lm_hr_is_system(lm_hr hr)
{
	if (hr == LM_E_FAIL)
		return true;
	return (hr & 0xFFFF0000u) == 0x80070000u && hr != LM_E_INVALIDARG && hr != LM_E_OUTOFMEMORY;
}

static int find(lm_hr hr)
{
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (codes[i].hr == hr)
			return (int)i;
	return -1;
}

const char *lm_hr_name(lm_hr hr)
{
	int i = find(hr);
	return i < 0 ? "HRESULT_UNKNOWN" : codes[i].name;
}

const char *lm_hr_reason(lm_hr hr)
{
	int i = find(hr);
	return i < 0 ? "unknown error" : codes[i].reason;
}

lm_hr lm_err_set(struct lm_err *err, lm_hr hr, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return hr;
	err->hr = hr;
	err->at = LM_ERR_AT_NONE;
	err->conflict = false;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return hr;
}

void lm_err_clear(struct lm_err *err)
{
	if (!err)
		return;
	err->hr = LM_S_OK;
	err->at = LM_ERR_AT_NONE;
	err->conflict = false;
	err->msg[0] = '\0';
}
