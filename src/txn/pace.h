/* SPDX-License-Identifier: BSD-3-Clause */
/* The pace of a run of stack steps against a SET's deadline (design §5):
 * what a step of each kind costs now, and what undoing the steps done so
 * far would take, so that the forward steps stop while their rollback
 * still fits. */
#ifndef LUNMAP_PACE_H
#define LUNMAP_PACE_H

#include <stddef.h>

#define LM_PACE_KINDS 4
#define LM_PACE_WINDOW 5

/* What a step of each kind cost lately, in us (0: not seen yet), kept
 * across runs: a removal costs tgtd several times an addition (it joins
 * the LU's threads), and the first step of a run has nothing else to go
 * by. */
struct lm_costs {
	double us[LM_PACE_KINDS];
	/* how much slower than estimated rollbacks ran lately (0: none
	 * measured yet, LM_PACE_UNDO_MARGIN): the estimate takes a kind's
	 * cost from the steps it last ran, but tgtd takes an LU away more
	 * slowly the more LUs (16 threads each) it holds, so a long rollback
	 * runs slower than any short one measured: 1.5 was overrun by a
	 * 667-step rollback on a quiet host, while 2 stopped every
	 * 300-addition SET of a loaded one whose rollbacks took 0.8 of the
	 * estimate (learning brings it down there) */
	double undo_margin;
};

#define LM_PACE_UNDO_MARGIN 2.0
#define LM_PACE_UNDO_MARGIN_MIN 1.25
#define LM_PACE_UNDO_MARGIN_MAX 4.0

struct lm_pace {
	struct lm_costs *learnt;
	const int *inverse; /* the kind that undoes each kind */
	long long t0, last; /* us */
	/* this run's last costs of each kind, and the steps done of each */
	double recent[LM_PACE_KINDS][LM_PACE_WINDOW];
	size_t nrecent[LM_PACE_KINDS], done[LM_PACE_KINDS];
};

void lm_pace_start(struct lm_pace *p, struct lm_costs *learnt, const int *inverse);
/* A step of kind op, as this run goes: the median of its last costs (one
 * hiccup is not a trend, three slow steps are); a kind not run yet, from
 * one that was, at the ratio the two had before; else what was learnt. */
double lm_pace_cost_us(const struct lm_pace *p, int op);
/* What undoing the steps done so far would take now. */
double lm_pace_undo_us(const struct lm_pace *p);
/* The factor a rollback's estimate is budgeted at. */
double lm_pace_undo_margin(const struct lm_pace *p);
/* A rollback of steps steps estimated at expected_us took took_us: the
 * margin follows what rollbacks really took, a quarter over. */
void lm_pace_undo_took(struct lm_pace *p, size_t steps, double expected_us, double took_us);
/* A step of kind op ended now (forward: it counts for the rollback);
 * the same with the time it took. */
void lm_pace_step(struct lm_pace *p, int op, int forward);
void lm_pace_record(struct lm_pace *p, int op, int forward, double took_us);
/* The next step's time counts from now (not from the last step's end:
 * a failed step's wait is no pace). */
void lm_pace_restart(struct lm_pace *p);
/* Since the run began, in ms. */
long long lm_pace_spent_ms(const struct lm_pace *p);
/* The run ended: what it measured becomes what is learnt. */
void lm_pace_end(struct lm_pace *p);

#endif
