/* SPDX-License-Identifier: BSD-3-Clause */
/* The state folder's secret, for a backend's readable listing
 * (anchor.c). */
#ifndef LUNMAP_ANCHOR_H
#define LUNMAP_ANCHOR_H

#include <stdbool.h>
#include <stddef.h>

/* The state folder's file of the secret (mode 0600). */
#define LM_ANCHOR_KEY_FILE "anchor.key"

/* The secret as 32 hex digits, made on first use; false, "" and the
 * reason in why when it can be neither read nor made. */
bool lm_anchor_key(const char *dir, char key[33], char *why, size_t len);

#endif
