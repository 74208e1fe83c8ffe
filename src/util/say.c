/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdio.h>

#include "say.h"

void lm_vsay(lm_problem_fn fn, void *ctx, const char *fmt, va_list ap)
{
	char msg[512];

	if (!fn)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	fn(ctx, msg);
}

void lm_say(lm_problem_fn fn, void *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lm_vsay(fn, ctx, fmt, ap);
	va_end(ap);
}
