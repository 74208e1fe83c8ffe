/* SPDX-License-Identifier: BSD-3-Clause */
/* The SCSI LUN numbers of one target (0..LM_MAX_LUN_NUMBER) as bits: a
 * target's numbers are kept by LUN index, and allocation and the stack
 * comparison ask by number. */
#ifndef LUNMAP_BITMAP_H
#define LUNMAP_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "lunmap.h"

struct lm_numbits {
	uint64_t w[(LM_MAX_LUN_NUMBER + 64) / 64];
};

void lm_numbits_clear(struct lm_numbits *b);
/* numbers above LM_MAX_LUN_NUMBER are ignored: never set, never had */
void lm_numbits_set(struct lm_numbits *b, uint32_t n);
bool lm_numbits_has(const struct lm_numbits *b, uint32_t n);
/* The lowest number >= min that is not set, or UINT32_MAX. */
uint32_t lm_numbits_first_clear(const struct lm_numbits *b, uint32_t min);

#endif
