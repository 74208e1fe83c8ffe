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
const char *lm_hr_reason(lm_hr hr);

/* Records hr and a printf-style message in err (which may be NULL), with
 * no input named and no conflict, and returns hr, so that callers can
 * write `return lm_err_set(...)`. */
lm_hr lm_err_set(struct lm_err *err, lm_hr hr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void lm_err_clear(struct lm_err *err);

#endif
