// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the worker's rate limit on the lines a guest can cause
 * (tools/worker/ratelimit.c), on a clock the tests run themselves.
 */
#include "kselftest_harness.h"
#include "ratelimit.h"

#define T0	100000		/* ms; any start will do */

/* The burst passes, the rest is counted, and reported with the next line. */
TEST(burst_then_suppressed_then_reported)
{
	struct ratelimit rl = RATELIMIT_INIT(5000, 10);
	unsigned int missed = 99, i;

	for (i = 0; i < 10; i++) {
		EXPECT_TRUE(ratelimit_allow(&rl, T0 + i, &missed));
		EXPECT_EQ(0u, missed);
	}
	for (i = 0; i < 25; i++) {
		EXPECT_FALSE(ratelimit_allow(&rl, T0 + 10 + i * 100, &missed));
		EXPECT_EQ(0u, missed);
	}
	/* Still the same interval, 1 ms before it ends. */
	EXPECT_FALSE(ratelimit_allow(&rl, T0 + 4999, &missed));
	/* A new one: the line passes, with the count of those lost. */
	EXPECT_TRUE(ratelimit_allow(&rl, T0 + 5000, &missed));
	EXPECT_EQ(26u, missed);
	/* Reported once. */
	EXPECT_TRUE(ratelimit_allow(&rl, T0 + 5001, &missed));
	EXPECT_EQ(0u, missed);
}

/* A guest gone quiet: the count comes out by the periodic flush. */
TEST(flush_reports_when_quiet)
{
	struct ratelimit rl = RATELIMIT_INIT(5000, 2);
	unsigned int missed;

	EXPECT_TRUE(ratelimit_allow(&rl, T0, &missed));
	EXPECT_TRUE(ratelimit_allow(&rl, T0, &missed));
	EXPECT_FALSE(ratelimit_allow(&rl, T0, &missed));
	EXPECT_FALSE(ratelimit_allow(&rl, T0 + 1, &missed));
	EXPECT_EQ(0u, ratelimit_flush(&rl, T0 + 4999));	/* not over yet */
	EXPECT_EQ(2u, ratelimit_flush(&rl, T0 + 5000));
	EXPECT_EQ(0u, ratelimit_flush(&rl, T0 + 20000));	/* said once */
	/* The next line begins a fresh interval with a full burst. */
	EXPECT_TRUE(ratelimit_allow(&rl, T0 + 30000, &missed));
	EXPECT_EQ(0u, missed);
	EXPECT_TRUE(ratelimit_allow(&rl, T0 + 30001, &missed));
	EXPECT_FALSE(ratelimit_allow(&rl, T0 + 30002, &missed));
}

/* Nothing lost, nothing said: no count. */
TEST(no_report_without_loss)
{
	struct ratelimit rl = RATELIMIT_INIT(1000, 3);
	unsigned int missed = 7, i;

	for (i = 0; i < 10; i++) {
		EXPECT_TRUE(ratelimit_allow(&rl, T0 + i * 1000, &missed));
		EXPECT_EQ(0u, missed);
	}
	EXPECT_EQ(0u, ratelimit_flush(&rl, T0 + 100000));
}

/* A steady flood: burst lines per interval, each after the first with the count. */
TEST(steady_flood)
{
	struct ratelimit rl = RATELIMIT_INIT(5000, 10);
	unsigned int missed, printed = 0, reported = 0, t;

	/* One line per ms for 60 s. */
	for (t = 0; t < 60000; t++) {
		printed += ratelimit_allow(&rl, T0 + t, &missed);
		reported += missed;
	}
	EXPECT_EQ(12u * 10, printed);
	reported += ratelimit_flush(&rl, T0 + 60000);
	EXPECT_EQ(60000u - printed, reported);
}

/* The clock at 0 is a time like any other. */
TEST(clock_at_zero)
{
	struct ratelimit rl = RATELIMIT_INIT(10, 1);
	unsigned int missed;

	EXPECT_TRUE(ratelimit_allow(&rl, 0, &missed));
	EXPECT_FALSE(ratelimit_allow(&rl, 5, &missed));
	EXPECT_TRUE(ratelimit_allow(&rl, 11, &missed));
	EXPECT_EQ(1u, missed);
}

TEST_HARNESS_MAIN
