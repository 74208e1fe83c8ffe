/* SPDX-License-Identifier: BSD-3-Clause */
/* The lock of a state folder (design §3): one lunmapd per folder. */
#ifndef LUNMAP_LOCK_H
#define LUNMAP_LOCK_H

#include "hresult.h"

/* Takes the folder's lock for as long as *fd stays open;
 * VDS_E_ANOTHER_CALL_IN_PROGRESS when another process holds it. */
lm_hr lm_state_lock(const char *dir, int *fd, struct lm_err *err);

#endif
