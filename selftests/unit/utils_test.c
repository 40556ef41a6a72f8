// SPDX-License-Identifier: GPL-2.0
/* Unit tests of hvadm's pure helpers (tools/hvadm/utils.c). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/hvkvm_vid.h>

#include "kselftest_harness.h"
#include "utils.h"


static const struct {
	const char *in;
	int err;
	uint64_t val;
} sizes[] = {
	{ "1", 0, 1 },
	{ "512", 0, 512 },
	{ "007", 0, 7 },
	{ "1B", 0, 1 },
	{ "1k", 0, 1024 },
	{ "1K", 0, 1024 },
	{ "1KB", 0, 1024 },
	{ "1KiB", 0, 1024 },
	{ "1kib", 0, 1024 },
	{ "512M", 0, 512ULL << 20 },
	{ "512MiB", 0, 512ULL << 20 },
	{ "512mb", 0, 512ULL << 20 },
	{ "3G", 0, 3ULL << 30 },
	{ "1T", 0, 1ULL << 40 },
	{ "1P", 0, 1ULL << 50 },
	{ "15E", 0, 15ULL << 60 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "16777215T", 0, 16777215ULL << 40 },
	/* overflow */
	{ "16E", -ERANGE, 0 },
	{ "16777216T", -ERANGE, 0 },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "99999999999999999999999K", -ERANGE, 0 },
	/* zero */
	{ "0", -EINVAL, 0 },
	{ "0K", -EINVAL, 0 },
	{ "000", -EINVAL, 0 },
	/* garbage */
	{ "", -EINVAL, 0 },
	{ "K", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "-1K", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1 ", -EINVAL, 0 },
	{ "1 K", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ "1.5G", -EINVAL, 0 },
	{ "1X", -EINVAL, 0 },
	{ "1iB", -EINVAL, 0 },
	{ "1KBB", -EINVAL, 0 },
	{ "1KiBB", -EINVAL, 0 },
	{ "1MM", -EINVAL, 0 },
	{ "1Ki", -EINVAL, 0 },
	{ "1bK", -EINVAL, 0 },
};

TEST(size_parsing)
{
	unsigned int i;
	uint64_t val;
	int err;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		val = 0xdeadbeef;
		err = parse_size(sizes[i].in, &val);
		EXPECT_EQ(sizes[i].err, err)
			TH_LOG("parse_size(\"%s\")", sizes[i].in);
		/* on error, val is left alone */
		EXPECT_EQ(sizes[i].err ? 0xdeadbeef : sizes[i].val, val)
			TH_LOG("parse_size(\"%s\")", sizes[i].in);
	}
}

TEST(u32_parsing)
{
	static const struct {
		const char *in;
		int err;
		uint32_t val;
	} c[] = {
		{ "0", 0, 0 }, { "1", 0, 1 }, { "240", 0, 240 },
		{ "4294967295", 0, UINT32_MAX },
		{ "4294967296", -ERANGE, 0 }, { "99999999999999999999", -ERANGE, 0 },
		{ "", -EINVAL, 0 }, { "-1", -EINVAL, 0 }, { "+1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 }, { "1 ", -EINVAL, 0 }, { "1K", -EINVAL, 0 },
		{ "0x1", -EINVAL, 0 }, { "two", -EINVAL, 0 },
	};
	unsigned int i;
	uint32_t val;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		val = 7;
		EXPECT_EQ(c[i].err, parse_u32(c[i].in, &val))
			TH_LOG("parse_u32(\"%s\")", c[i].in);
		EXPECT_EQ(c[i].err ? 7U : c[i].val, val)
			TH_LOG("parse_u32(\"%s\")", c[i].in);
	}
}

TEST(name_validation)
{
	static const char *const good[] = {
		"a", "Z", "0", "web", "web-1", "web_1", "web.example",
		"9lives", "a-", "a.", "a_",
		"abcdefghijklmnopqrstuvwxyz01234",	/* 31: the longest */
	};
	static const char *const bad[] = {
		"", "-a", ".a", "_a", "a b", "a/b", "a:b", "a\n", "\xc3\xa9t\xc3\xa9",
		"abcdefghijklmnopqrstuvwxyz012345",	/* 32 */
	};
	unsigned int i;

	ASSERT_EQ(32, HVKVM_VID_NAME_MAX);
	for (i = 0; i < ARRAY_SIZE(good); i++)
		EXPECT_EQ(1, name_ok(good[i])) TH_LOG("good name %u", i);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(0, name_ok(bad[i])) TH_LOG("bad name %u", i);
}

TEST(size_formatting)
{
	static const struct {
		uint64_t val;
		const char *out;
	} c[] = {
		{ 0, "0" }, { 1, "1" }, { 1000, "1000" }, { 1023, "1023" },
		{ 1024, "1K" }, { 1536, "1536" }, { 3072, "3K" },
		{ 512ULL << 20, "512M" }, { 1536ULL << 20, "1536M" },
		{ 1ULL << 30, "1G" }, { (1ULL << 30) + 1024, "1048577K" },
		{ 1ULL << 40, "1T" }, { 5ULL << 50, "5P" }, { 15ULL << 60, "15E" },
		{ 1ULL << 63, "8E" }, { UINT64_MAX, "18446744073709551615" },
		{ UINT64_MAX - 1023, "18014398509481983K" },
	};
	char buf[SIZE_STR_MAX];
	unsigned int i;
	uint64_t back;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		EXPECT_STREQ(c[i].out, format_size(c[i].val, buf));
		/* what hvadm prints, it takes back */
		if (c[i].val) {
			EXPECT_EQ(0, parse_size(buf, &back)) TH_LOG("%s", buf);
			EXPECT_EQ(c[i].val, back) TH_LOG("%s", buf);
		}
	}
}

TEST(duration_formatting)
{
	static const struct {
		uint64_t ns;
		const char *out;
	} c[] = {
		{ 0, "0s" }, { 999999999, "0s" }, { 1000000000, "1s" },
		{ 59999999999ULL, "59s" }, { 60000000000ULL, "1m00s" },
		{ 245000000000ULL, "4m05s" }, { 3599000000000ULL, "59m59s" },
		{ 3600000000000ULL, "1h00m00s" }, { 3723000000000ULL, "1h02m03s" },
		{ 86399000000000ULL, "23h59m59s" }, { 86400000000000ULL, "1d00h00m00s" },
		{ 183845000000000ULL, "2d03h04m05s" },
		{ UINT64_MAX, "213503d23h34m33s" },
	};
	char buf[DURATION_STR_MAX];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++)
		EXPECT_STREQ(c[i].out, format_duration(c[i].ns, buf));
}

TEST(crash_formatting)
{
	static const struct {
		struct crash_info c;
		const char *out;
	} c[] = {
		{ { .kind = HVKVM_VID_CRASH_WORKER_EXIT, .code = 3 },
		  "worker exited with status 3" },
		{ { .kind = HVKVM_VID_CRASH_WORKER_SIGNAL, .code = 9 },
		  "worker killed by signal 9" },
		{ { .kind = HVKVM_VID_CRASH_TRIPLE_FAULT }, "triple fault" },
		{ { .kind = HVKVM_VID_CRASH_GUEST }, "guest crash" },
		{ { .kind = HVKVM_VID_CRASH_GUEST, .has_params = true,
		    .params = { 0x1e, 0xffffffff81000000ULL, 0, 3, UINT64_MAX } },
		  "guest crash P0=0x1e P1=0xffffffff81000000 P2=0x0 P3=0x3 P4=0xffffffffffffffff" },
		{ { .kind = HVKVM_VID_CRASH_GUEST, .message = "panic" },
		  "guest crash (panic)" },
		{ { .kind = HVKVM_VID_CRASH_WORKER_ERROR, .message = "KVM_RUN: EFAULT" },
		  "worker error: KVM_RUN: EFAULT" },
		{ { .kind = HVKVM_VID_CRASH_WORKER_ERROR }, "worker error: (no message)" },
		{ { .kind = HVKVM_VID_CRASH_WORKER_ERROR, .message = "two\nlines\x1b" },
		  "worker error: two lines " },
		{ { .kind = HVKVM_VID_CRASH_TRIPLE_FAULT, .message = "" }, "triple fault" },
		{ { .kind = 77, .code = 1 }, "crash of kind 77" },
	};
	static const char *const kinds[] = {
		"worker-exit", "worker-signal", "triple-fault", "guest", "worker-error",
	};
	char buf[256], small[8];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++)
		EXPECT_STREQ(c[i].out, format_crash(&c[i].c, buf, sizeof(buf)))
			TH_LOG("case %u", i);
	/* cut, and still a string */
	EXPECT_STREQ("worker ", format_crash(&c[0].c, small, sizeof(small)));
	ASSERT_EQ(ARRAY_SIZE(kinds), (size_t)HVKVM_VID_CRASH_MAX + 1);
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		EXPECT_STREQ(kinds[i], crash_kind_name(i));
	EXPECT_EQ(NULL, crash_kind_name(HVKVM_VID_CRASH_MAX + 1));
}

TEST(timeout_parsing)
{
	static const struct {
		const char *in;
		int err;
		unsigned int val;
	} c[] = {
		{ "1", 0, 1 }, { "120", 0, 120 }, { "86400", 0, 86400 },
		{ "0", -EINVAL, 0 }, { "", -EINVAL, 0 }, { "-1", -EINVAL, 0 },
		{ "1s", -EINVAL, 0 }, { "1.5", -EINVAL, 0 }, { " 1", -EINVAL, 0 },
		{ "86401", -ERANGE, 0 }, { "99999999999", -ERANGE, 0 },
	};
	unsigned int i, val;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		val = 7;
		EXPECT_EQ(c[i].err, parse_timeout(c[i].in, &val))
			TH_LOG("parse_timeout(\"%s\")", c[i].in);
		EXPECT_EQ(c[i].err ? 7U : c[i].val, val)
			TH_LOG("parse_timeout(\"%s\")", c[i].in);
	}
}

TEST(guid_formatting)
{
	/* the heartbeat IC's class, as VMBus puts it on the wire */
	static const uint8_t hb[16] = {
		0x39, 0x4f, 0x16, 0x57, 0x15, 0x91, 0x78, 0x4e,
		0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d,
	};
	static const uint8_t ff[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	static const uint8_t zero[16];
	char buf[GUID_STR_MAX];

	EXPECT_STREQ("57164f39-9115-4e78-ab55-382f3bd5422d", format_guid(hb, buf));
	EXPECT_STREQ("ffffffff-ffff-ffff-ffff-ffffffffffff", format_guid(ff, buf));
	EXPECT_STREQ("00000000-0000-0000-0000-000000000000", format_guid(zero, buf));
}

TEST(version_formatting)
{
	char buf[VERSION_STR_MAX];

	EXPECT_STREQ("5.3", format_version(5 << 16 | 3, buf));
	EXPECT_STREQ("3.0", format_version(3 << 16, buf));
	EXPECT_STREQ("0.13", format_version(13, buf));
	EXPECT_STREQ("65535.65535", format_version(UINT32_MAX, buf));
}

TEST_HARNESS_MAIN
