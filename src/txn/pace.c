/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "pace.h"

/* a first step's guess when nothing was ever measured */
#define LM_PACE_GUESS_US 5000.0

void lm_pace_start(struct lm_pace *p, struct lm_costs *learnt, const int *inverse)
{
	memset(p, 0, sizeof *p);
	p->learnt = learnt;
	p->inverse = inverse;
	p->t0 = p->last = lm_now_us();
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const struct lm_pace *p, int op)
{
	size_t n = p->nrecent[op] < LM_PACE_WINDOW ? p->nrecent[op] : LM_PACE_WINDOW;
	double v[LM_PACE_WINDOW];

	memcpy(v, p->recent[op], n * sizeof *v);
	qsort(v, n, sizeof *v, dbl_cmp);
	return v[n / 2];
}

double lm_pace_cost_us(const struct lm_pace *p, int op)
{
	const double *l = p->learnt->us;

	if (p->nrecent[op])
		return median(p, op);
	for (int k = 0; k < LM_PACE_KINDS; k++)
		if (p->nrecent[k])
			return median(p, k) * (l[op] > 0 && l[k] > 0 ? l[op] / l[k] : 2);
	return l[op] > 0 ? l[op] : LM_PACE_GUESS_US;
}

double lm_pace_undo_us(const struct lm_pace *p)
{
	double us = 0;

	for (int k = 0; k < LM_PACE_KINDS; k++)
		if (p->done[k])
			us += (double)p->done[k] * lm_pace_cost_us(p, p->inverse[k]);
	return us;
}

double lm_pace_undo_margin(const struct lm_pace *p)
{
	double m = p->learnt->undo_margin;

	return m > 0 ? m : LM_PACE_UNDO_MARGIN;
}

/* a short rollback is mostly round trips and noise: it says nothing of
 * how the stack slows down */
#define LM_PACE_UNDO_SAMPLE 10

void lm_pace_undo_took(struct lm_pace *p, size_t steps, double expected_us, double took_us)
{
	double want, m = lm_pace_undo_margin(p);

	if (steps < LM_PACE_UNDO_SAMPLE || expected_us <= 0)
		return;
	want = 1.25 * took_us / expected_us;
	/* up at once (an overrun is undoFailed), down slowly */
	m = want > m ? want : 0.5 * m + 0.5 * want;
	if (m < LM_PACE_UNDO_MARGIN_MIN)
		m = LM_PACE_UNDO_MARGIN_MIN;
	if (m > LM_PACE_UNDO_MARGIN_MAX)
		m = LM_PACE_UNDO_MARGIN_MAX;
	p->learnt->undo_margin = m;
}

void lm_pace_record(struct lm_pace *p, int op, int forward, double took_us)
{
	p->recent[op][p->nrecent[op]++ % LM_PACE_WINDOW] = took_us;
	if (forward)
		p->done[op]++;
}

void lm_pace_step(struct lm_pace *p, int op, int forward)
{
	long long now = lm_now_us();

	lm_pace_record(p, op, forward, (double)(now - p->last));
	p->last = now;
}

void lm_pace_restart(struct lm_pace *p)
{
	p->last = lm_now_us();
}

long long lm_pace_spent_ms(const struct lm_pace *p)
{
	return (lm_now_us() - p->t0) / 1000;
}

void lm_pace_end(struct lm_pace *p)
{
	for (int k = 0; k < LM_PACE_KINDS; k++) {
		double *l = &p->learnt->us[k];
		if (!p->nrecent[k])
			continue;
		*l = *l > 0 ? 0.5 * *l + 0.5 * median(p, k) : median(p, k);
	}
}
