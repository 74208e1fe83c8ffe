/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LUNMAP_IQN_H
#define LUNMAP_IQN_H

#include <stdbool.h>

/* RFC 3720 §3.2.6 names, in the lower-case form the stack stores:
 * iqn.YYYY-MM.reversed.domain[:anything] or eui. + 16 hex digits.
 * On false, *why says what is wrong. */
bool lm_iqn_valid(const char *s, const char **why);

#endif
