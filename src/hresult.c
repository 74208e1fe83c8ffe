#include "config.h"

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
};

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
