/* The parser of `tgtadm --op show --mode target`. */
#ifndef LUNMAP_TGT_SHOW_H
#define LUNMAP_TGT_SHOW_H

#include <stdint.h>

#include "backend.h"

/* tids[i] is the tgt target id of stack->targets[i] (malloc'd). LUN 0,
 * tgt's controller, and LUs without a backing store are left out. */
lm_hr lm_tgt_parse_show(const char *text, struct lm_stack *stack, uint32_t **tids,
			struct lm_err *err);

#endif
