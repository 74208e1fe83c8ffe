/* SPDX-License-Identifier: BSD-3-Clause */
/* A line to a log callback (lm_problem_fn), formatted once for every
 * part that reports: the core's log and the persistence that runs under
 * it alike. */
#ifndef LUNMAP_SAY_H
#define LUNMAP_SAY_H

#include <stdarg.h>

#include "lunmap.h"

/* nothing when fn is NULL; a line is cut at 511 bytes */
void lm_vsay(lm_problem_fn fn, void *ctx, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
void lm_say(lm_problem_fn fn, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
