// SPDX-License-Identifier: GPL-2.0
/*
 * A token bucket for log lines, as the kernel's ___ratelimit(); see
 * ratelimit.h.
 */
#include <time.h>

#include "ratelimit.h"

/* The interval is over: start none; what was missed is the caller's now. */
static unsigned int end_interval(struct ratelimit *rl)
{
	unsigned int missed = rl->missed;

	rl->begin_ms = 0;
	rl->printed = rl->missed = 0;
	return missed;
}

static bool over(const struct ratelimit *rl, uint64_t now_ms)
{
	return rl->begin_ms && now_ms - rl->begin_ms >= rl->interval_ms;
}

bool ratelimit_allow(struct ratelimit *rl, uint64_t now_ms,
		     unsigned int *suppressed)
{
	*suppressed = over(rl, now_ms) ? end_interval(rl) : 0;
	if (!rl->begin_ms)
		rl->begin_ms = now_ms ? now_ms : 1;
	if (rl->printed < rl->burst) {
		rl->printed++;
		return true;
	}
	rl->missed++;
	return false;
}

unsigned int ratelimit_flush(struct ratelimit *rl, uint64_t now_ms)
{
	return over(rl, now_ms) ? end_interval(rl) : 0;
}

uint64_t ratelimit_now_ms(void)
{
	struct timespec ts;
	uint64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ms = (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return ms ? ms : 1;
}
