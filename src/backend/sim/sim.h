/* SPDX-License-Identifier: BSD-3-Clause */
/* The in-memory backend with fault injection: a test-only library, linked
 * into the unit tests and the test build of lunmapd, never shipped. */
#ifndef LUNMAP_SIM_H
#define LUNMAP_SIM_H

#include "backend.h"

/* The in-memory backend, for unit tests: fault injection makes the Nth
 * state-changing operation from now on fail (0 turns it off). */
struct lm_backend *lm_sim_new(void);
void lm_sim_fail_nth(struct lm_backend *b, unsigned nth);
/* ... and every operation after it, so that a rollback fails too. */
void lm_sim_fail_from(struct lm_backend *b, unsigned nth);
/* A slow stack: each state-changing operation from the from_op-th from
 * now on (1: the next) takes ms; one that cannot end by the deadline
 * (set_deadline) waits until it and fails as a timeout, not done. ms = 0
 * makes it fast again. */
void lm_sim_delay(struct lm_backend *b, unsigned ms, unsigned from_op);
/* Operations the sim has carried out since it was made. */
unsigned lm_sim_op_count(const struct lm_backend *b);
/* Direct access to the simulated stack, to make drift behind lunmap's back. */
struct lm_stack *lm_sim_stack(struct lm_backend *b);
/* What the sim's sessions and stats operations answer for target iqn from
 * now on (copied; NULL: nothing, the stack's own idea of an idle target).
 * Setting sessions also sets the stack target's session count. -1 when
 * memory runs out. */
int lm_sim_set_sessions(struct lm_backend *b, const char *iqn, const struct lm_obs_sessions *s);
int lm_sim_set_stats(struct lm_backend *b, const char *iqn, const struct lm_obs_stats *s);
/* A sim whose stack keeps no counters (no stats operation), does not
 * tell a session's ISID or alias and gives every LU the same INQUIRY
 * strings, as tgt. */
void lm_sim_no_stats(struct lm_backend *b);
/* How many times the sessions and stats operations ran. */
unsigned lm_sim_observed(const struct lm_backend *b);

#endif
