/* SPDX-License-Identifier: BSD-3-Clause */
/* The state folder's secret and the targets lunmap manages, for a
 * backend's readable listing (anchor.c). */
#ifndef LUNMAP_ANCHOR_H
#define LUNMAP_ANCHOR_H

#include "core.h"

/* The state folder's file of the secret (mode 0600). */
#define LM_ANCHOR_KEY_FILE "anchor.key"

/* The secret as 32 hex digits, made on first use; "" when it can be
 * neither read nor made (said in the log). */
void lm_anchor_key(struct lm_core *c, char key[33]);
/* Tells the backend every target of the model (ops->manage, if any). */
lm_hr lm_core_manage(struct lm_core *c, struct lm_err *err);

#endif
