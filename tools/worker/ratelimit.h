/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ratelimit: how many lines a guest may make the worker print, in the
 * manner of the kernel's ___ratelimit(): at most burst lines in an
 * interval; the lines beyond are counted, not printed, and the count is
 * reported once the interval is over ("N lines suppressed"), with the next
 * line or by ratelimit_flush().
 *
 * The caller serializes the calls and gives the time (a monotonic clock in
 * milliseconds), so that tests can run the clock themselves. No global
 * state: the unit tests compile this file alone.
 */
#ifndef HVKVM_WORKER_RATELIMIT_H
#define HVKVM_WORKER_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	uint64_t interval_ms;
	unsigned int burst;
	uint64_t begin_ms;	/* of this interval; 0: none yet */
	unsigned int printed;	/* in this interval */
	unsigned int missed;	/* suppressed in this interval */
};

#define RATELIMIT_INIT(interval, n)	{ .interval_ms = (interval), .burst = (n) }

/*
 * May a line be printed at now_ms? When this call begins a new interval
 * and lines were suppressed in the last one, *suppressed is their number
 * (to be reported before the line), else 0.
 */
bool ratelimit_allow(struct ratelimit *rl, uint64_t now_ms,
		     unsigned int *suppressed);

/*
 * The lines suppressed in an interval that is over by now_ms and not
 * reported yet (0 if none): for a periodic report when the guest has gone
 * quiet. A new interval begins with the next line.
 */
unsigned int ratelimit_flush(struct ratelimit *rl, uint64_t now_ms);

/* CLOCK_MONOTONIC in milliseconds, never 0. */
uint64_t ratelimit_now_ms(void);

#endif
