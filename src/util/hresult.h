/* SPDX-License-Identifier: BSD-3-Clause */
/* The core's one error type: the HRESULTs of VDS (design §1), plus a
 * message naming what exactly went wrong. */
#ifndef LUNMAP_HRESULT_H
#define LUNMAP_HRESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t lm_hr;

#define LM_S_OK                              0x00000000u
#define LM_E_INVALIDARG                      0x80070057u
#define LM_E_OUTOFMEMORY                     0x8007000Eu
/* The stack refused a step and the change was rolled back, or the state
 * could not be written (design §1 names no code for it; COM's generic one). */
#define LM_E_FAIL                            0x80004005u
#define LM_VDS_E_NOT_SUPPORTED               0x80042400u
#define LM_VDS_E_ANOTHER_CALL_IN_PROGRESS    0x80042404u
#define LM_VDS_E_OBJECT_NOT_FOUND            0x80042405u
#define LM_VDS_E_OBJECT_DELETED              0x8004240Bu
#define LM_VDS_E_PROVIDER_CACHE_CORRUPT      0x8004241Fu
#define LM_VDS_E_OBJECT_STATUS_FAILED        0x80042431u
/* An in-use guard refused to take a LUN from a target with sessions. */
#define LM_VDS_E_DEVICE_IN_USE               0x80042413u

/* HRESULT_FROM_WIN32: a failure with an errno behind it carries the Win32
 * system error of the same meaning (lm_hr_from_errno), so that a manager
 * tells a full disk from a refused step without reading the text. */
#define LM_HR_FROM_WIN32(code)               (0x80070000u | ((code) & 0xFFFFu))
#define LM_HR_FILE_NOT_FOUND                 0x80070002u /* ERROR_FILE_NOT_FOUND */
#define LM_HR_PATH_NOT_FOUND                 0x80070003u /* ERROR_PATH_NOT_FOUND */
#define LM_HR_TOO_MANY_OPEN_FILES            0x80070004u /* ERROR_TOO_MANY_OPEN_FILES */
#define LM_HR_ACCESS_DENIED                  0x80070005u /* ERROR_ACCESS_DENIED = E_ACCESSDENIED */
#define LM_HR_WRITE_PROTECT                  0x80070013u /* ERROR_WRITE_PROTECT */
#define LM_HR_DEV_NOT_EXIST                  0x80070037u /* ERROR_DEV_NOT_EXIST */
#define LM_HR_DISK_FULL                      0x80070070u /* ERROR_DISK_FULL */
#define LM_HR_DIR_NOT_EMPTY                  0x80070091u /* ERROR_DIR_NOT_EMPTY */
#define LM_HR_BUSY                           0x800700AAu /* ERROR_BUSY */
#define LM_HR_ALREADY_EXISTS                 0x800700B7u /* ERROR_ALREADY_EXISTS */
#define LM_HR_FILENAME_EXCED_RANGE           0x800700CEu /* ERROR_FILENAME_EXCED_RANGE */
#define LM_HR_IO_DEVICE                      0x8007045Du /* ERROR_IO_DEVICE */
#define LM_HR_TIMEOUT                        0x800705B4u /* ERROR_TIMEOUT */
/* not from an errno: a stale lunmapSpinLock (another manager's SET came
 * between this manager's read and its SET) */
#define LM_HR_LOCK_VIOLATION                 0x80070021u /* ERROR_LOCK_VIOLATION */

#define LM_ERR_MSG_MAX 256

#define LM_ERR_AT_NONE SIZE_MAX

struct lm_err {
	lm_hr hr;
	/* which of several inputs (a batch's changes) the error is about */
	size_t at;
	/* the input contradicts another of the same call */
	bool conflict;
	char msg[LM_ERR_MSG_MAX];
};

static inline bool lm_failed(lm_hr hr) { return (hr & 0x80000000u) != 0; }

const char *lm_hr_name(lm_hr hr);

/* The HRESULT of a system call's failure: HRESULT_FROM_WIN32 of the Win32
 * error with errno's meaning, E_OUTOFMEMORY for ENOMEM, E_FAIL for 0 (no
 * errno: a short write) and for errnos Windows has no match for. EINVAL
 * is E_FAIL too: E_INVALIDARG means the manager's argument, and a system
 * call that finds a value invalid is lunmap's or the stack's business. */
lm_hr lm_hr_from_errno(int e);

/* hr says the system or the stack refused something (E_FAIL or a
 * converted errno other than E_INVALIDARG and E_OUTOFMEMORY): what a
 * step, a save or a lock fails with, never a manager's mistake. */
bool lm_hr_is_system(lm_hr hr);
const char *lm_hr_reason(lm_hr hr);

/* Records hr and a printf-style message in err (which may be NULL), with
 * no input named and no conflict, and returns hr, so that callers can
 * write `return lm_err_set(...)`. */
lm_hr lm_err_set(struct lm_err *err, lm_hr hr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void lm_err_clear(struct lm_err *err);

#endif
