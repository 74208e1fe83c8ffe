/* SPDX-License-Identifier: BSD-3-Clause */
/* Absolute deadlines on the monotonic clock (design §5, time rules): a
 * SET's stack work runs against one deadline set when its first phase
 * arrives; every wait takes what is left of it, never renewed by partial
 * progress. */
#ifndef LUNMAP_DEADLINE_H
#define LUNMAP_DEADLINE_H

/* no deadline: a wait is bounded by its own timeout only */
#define LM_NO_DEADLINE 0LL

/* milliseconds, and microseconds, on CLOCK_MONOTONIC */
long long lm_now_ms(void);
long long lm_now_us(void);

/* The end of a wait of timeout_ms from now, never after deadline
 * (LM_NO_DEADLINE: none). */
long long lm_deadline_min(long long deadline, unsigned timeout_ms);

/* Milliseconds left until the deadline (0 when passed; LLONG_MAX for
 * LM_NO_DEADLINE). */
long long lm_ms_left(long long deadline);

#endif
