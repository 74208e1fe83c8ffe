/* SPDX-License-Identifier: BSD-3-Clause */
/* The parser of `tgtadm --op show --mode target`. */
#ifndef LUNMAP_TGT_SHOW_H
#define LUNMAP_TGT_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

/* tids[i] is the tgt target id of stack->targets[i] (malloc'd). LUN 0,
 * tgt's controller, and LUs without a backing store are left out. */
lm_hr lm_tgt_parse_show(const char *text, struct lm_stack *stack, uint32_t **tids,
			struct lm_err *err);

/* The same, fed in pieces as the listing arrives (never held whole):
 * new, feed any number of times (-1 once it refused the listing: stop
 * feeding), end (frees the parser; what lm_tgt_parse_show returns). */
struct lm_tgt_show;
struct lm_tgt_show *lm_tgt_show_new(void);
int lm_tgt_show_feed(struct lm_tgt_show *sh, const char *text, size_t n);
bool lm_tgt_show_refused(const struct lm_tgt_show *sh);
lm_hr lm_tgt_show_end(struct lm_tgt_show *sh, struct lm_stack *stack, uint32_t **tids,
		      struct lm_err *err);

#endif
