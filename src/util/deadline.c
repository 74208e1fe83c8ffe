/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <limits.h>
#include <time.h>

#include "deadline.h"

long long lm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

long long lm_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

long long lm_deadline_min(long long deadline, unsigned timeout_ms)
{
	long long end = lm_now_ms() + timeout_ms;

	return deadline != LM_NO_DEADLINE && deadline < end ? deadline : end;
}

long long lm_ms_left(long long deadline)
{
	long long left;

	if (deadline == LM_NO_DEADLINE)
		return LLONG_MAX;
	left = deadline - lm_now_ms();
	return left > 0 ? left : 0;
}
