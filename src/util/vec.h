/* SPDX-License-Identifier: BSD-3-Clause */
/* The two array primitives of the core: growth by doubling, and the one
 * binary search every sorted table uses. */
#ifndef LUNMAP_VEC_H
#define LUNMAP_VEC_H

#include <stddef.h>

/* Makes *v (of *cap elements of size bytes) hold at least need elements;
 * -1, with *v untouched, when memory runs out. */
int lm_grow(void **v, size_t *cap, size_t need, size_t size);

/* The position of the first of n sorted elements (size bytes each, from
 * base) for which cmp(key, element) <= 0, or n. */
size_t lm_lower_bound(const void *base, size_t n, size_t size, const void *key,
		      int (*cmp)(const void *key, const void *elem));

#endif
