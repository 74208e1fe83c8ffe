/* SPDX-License-Identifier: BSD-3-Clause */
/* FNV-1a 64: the check of every state file and record (a torn or damaged
 * one is told from a whole one) and the hash of the stack's string pool.
 * Not a defence against a forger: the state folder is root's. */
#ifndef LUNMAP_HASH_H
#define LUNMAP_HASH_H

#include <stddef.h>
#include <stdint.h>

#define LM_FNV1A_START UINT64_C(14695981039346656037)

/* h carried on over n more bytes (LM_FNV1A_START for the first) */
static inline uint64_t lm_fnv1a_more(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * UINT64_C(1099511628211);
	return h;
}

static inline uint64_t lm_fnv1a(const void *p, size_t n)
{
	return lm_fnv1a_more(LM_FNV1A_START, p, n);
}

#endif
