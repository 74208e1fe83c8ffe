/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "core.h"
#include "say.h"

void lm_core_log(struct lm_core *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lm_vsay(c->log, c->log_ctx, fmt, ap);
	va_end(ap);
}

void lm_core_log_rejected(struct lm_core *c, const struct lm_stack *s)
{
	if (s->nrejected)
		lm_core_log(c, "drift: %zu object(s) of the stack ignored, first: %s", s->nrejected,
			    s->rejected ? s->rejected : "?");
}
