/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "core.h"

void lm_core_log(struct lm_core *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!c->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->log(c->log_ctx, msg);
}

void lm_core_log_rejected(struct lm_core *c, const struct lm_stack *s)
{
	if (s->nrejected)
		lm_core_log(c, "drift: %zu object(s) of the stack ignored, first: %s", s->nrejected,
			    s->rejected ? s->rejected : "?");
}
