/* Arrays that grow by doubling, for the core's tables. */
#ifndef LUNMAP_VEC_H
#define LUNMAP_VEC_H

#include <stddef.h>

/* Makes *v (of *cap elements of size bytes) hold at least need elements;
 * -1, with *v untouched, when memory runs out. */
int lm_grow(void **v, size_t *cap, size_t need, size_t size);

#endif
