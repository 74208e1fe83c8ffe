/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include "agent.h"

int lunmapd_snmp_error(const struct lm_err *err, enum lm_phase phase)
{
	lm_hr hr = err->hr;

	if (!lm_failed(hr))
		return SNMP_ERR_NOERROR;
	if (phase == LM_PHASE_APPLY)
		/* the stack refused and the change was rolled back, or the
		 * rollback failed too and the subsystem is cacheCorrupt */
		return hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT ? SNMP_ERR_UNDOFAILED
							     : SNMP_ERR_COMMITFAILED;
	/* varbinds of one PDU that contradict each other */
	if (err->conflict)
		return SNMP_ERR_INCONSISTENTVALUE;
	/* a file, the lock or the stack failed before anything was tried:
	 * the manager may retry later (the HRESULT says what failed) */
	if (lm_hr_is_system(hr))
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	switch (hr) {
	case LM_E_INVALIDARG:
	case LM_VDS_E_NOT_SUPPORTED:
		return SNMP_ERR_WRONGVALUE;
	case LM_VDS_E_OBJECT_NOT_FOUND:
	case LM_VDS_E_OBJECT_DELETED:
	case LM_VDS_E_OBJECT_STATUS_FAILED:
	case LM_VDS_E_DEVICE_IN_USE:
		return SNMP_ERR_INCONSISTENTVALUE;
	case LM_VDS_E_ANOTHER_CALL_IN_PROGRESS:
	case LM_VDS_E_PROVIDER_CACHE_CORRUPT:
	case LM_E_OUTOFMEMORY:
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	default:
		return SNMP_ERR_COMMITFAILED;
	}
}
