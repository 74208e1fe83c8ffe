/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <string.h>

#include "bitmap.h"

void lm_numbits_clear(struct lm_numbits *b)
{
	memset(b, 0, sizeof *b);
}

void lm_numbits_set(struct lm_numbits *b, uint32_t n)
{
	if (n <= LM_MAX_LUN_NUMBER)
		b->w[n / 64] |= UINT64_C(1) << (n % 64);
}

bool lm_numbits_has(const struct lm_numbits *b, uint32_t n)
{
	return n <= LM_MAX_LUN_NUMBER && (b->w[n / 64] >> (n % 64) & 1);
}

uint32_t lm_numbits_first_clear(const struct lm_numbits *b, uint32_t min)
{
	for (uint32_t n = min; n <= LM_MAX_LUN_NUMBER; n++) {
		if (b->w[n / 64] == UINT64_MAX) {
			n |= 63; /* a full word: skip it */
			continue;
		}
		if (!lm_numbits_has(b, n))
			return n;
	}
	return UINT32_MAX;
}
