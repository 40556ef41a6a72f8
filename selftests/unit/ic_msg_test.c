// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the integration-component messages (lib/vmbus/ic_msg.c):
 * the host's requests byte for byte as Linux 6.1's hv_utils reads them,
 * and the guest's replies, as hv_utils writes them, parsed back. The
 * guest's side is a transcription of Linux's code (vmbus_prep_negotiate_resp,
 * the hv_util.c callbacks, kvp_respond_to_host) working on raw bytes.
 * Replies are parsed from the end of a page followed by an inaccessible
 * one, so that a read past a reply faults.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guarded.h"
#include <hvkvm/ic_msg.h>
#include "vmbus_fake.h"

/* The expectations compare small literals with the u16/u32 fields read. */
#pragma GCC diagnostic ignored "-Wsign-compare"
/* The harness longjmps out of a failed ASSERT only to end the test. */
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wclobbered"
#endif

#define PAGE		4096
#define MAXLEN		(3 * PAGE)

/* ---- the guest: Linux 6.1, transcribed ---- */

#define LX_VER(maj, min)	((maj) << 16 | (min))

static const int lx_fw[] = { LX_VER(3, 0), LX_VER(1, 0) };
static const int lx_sd[] = { LX_VER(3, 2), LX_VER(3, 1), LX_VER(3, 0), LX_VER(1, 0) };
static const int lx_ts[] = { LX_VER(4, 0), LX_VER(3, 0), LX_VER(1, 0) };
static const int lx_hb[] = { LX_VER(3, 0), LX_VER(1, 0) };
static const int lx_kvp[] = { LX_VER(4, 0), LX_VER(3, 0), LX_VER(1, 0) };

#define LX_ICMSG_HDR	28

/* channel_mgmt.c: vmbus_prep_negotiate_resp() on the raw packet */
static bool lx_negotiate(uint8_t *buf, uint32_t buflen,
			 const int *fw, int fw_vercnt,
			 const int *srv, int srv_vercnt, int *nego_srv)
{
	int icframe_major, icframe_minor, icmsg_major, icmsg_minor;
	uint32_t fcnt, mcnt;
	bool found = false;
	int i, j;

	if (buflen < LX_ICMSG_HDR + 4)
		return false;
	wr16(buf, 18, 0x10);				/* icmsgsize */
	fcnt = rd16(buf, 28);
	mcnt = rd16(buf, 30);
	icframe_major = fcnt;
	icframe_minor = 0;
	icmsg_major = mcnt;
	icmsg_minor = 0;
	if (fcnt > 100 || mcnt > 100 ||
	    LX_ICMSG_HDR + 8 + (fcnt + mcnt) * 4 > buflen)
		goto fw_error;
	for (i = 0; i < fw_vercnt && !found; i++)
		for (j = 0; j < (int)fcnt; j++)
			if (rd16(buf, 36 + 4 * j) == (uint32_t)(fw[i] >> 16) &&
			    rd16(buf, 38 + 4 * j) == (uint32_t)(fw[i] & 0xffff)) {
				icframe_major = rd16(buf, 36 + 4 * j);
				icframe_minor = rd16(buf, 38 + 4 * j);
				found = true;
				break;
			}
	if (!found)
		goto fw_error;
	found = false;
	for (i = 0; i < srv_vercnt && !found; i++)
		for (j = fcnt; j < (int)(fcnt + mcnt); j++)
			if (rd16(buf, 36 + 4 * j) == (uint32_t)(srv[i] >> 16) &&
			    rd16(buf, 38 + 4 * j) == (uint32_t)(srv[i] & 0xffff)) {
				icmsg_major = rd16(buf, 36 + 4 * j);
				icmsg_minor = rd16(buf, 38 + 4 * j);
				found = true;
				break;
			}
fw_error:
	wr16(buf, 28, found);
	wr16(buf, 30, found);
	if (nego_srv)
		*nego_srv = icmsg_major << 16 | icmsg_minor;
	/* Linux writes data[0..1] whatever buflen is: keep it in bounds */
	if (buflen >= 44) {
		wr16(buf, 36, icframe_major);
		wr16(buf, 38, icframe_minor);
		wr16(buf, 40, icmsg_major);
		wr16(buf, 42, icmsg_minor);
	}
	return found;
}

static void lx_reply_flags(uint8_t *buf)
{
	buf[25] = 0x01 | 0x04;		/* TRANSACTION | RESPONSE */
}

/* hv_util.c: the three services' callbacks, for one packet. 0: no reply */
static uint32_t lx_util(uint8_t *buf, uint32_t recvlen, const int *srv,
			int nsrv, int *nego_srv, int *ts_version)
{
	uint32_t type;

	if (recvlen < LX_ICMSG_HDR)
		return 0;
	type = rd16(buf, 12);
	if (type == 0) {
		lx_negotiate(buf, recvlen, lx_fw, 2, srv, nsrv, nego_srv);
	} else if (type == 1) {				/* heartbeat */
		if (recvlen < LX_ICMSG_HDR + 8)
			return 0;
		wr64(buf, 28, rd64(buf, 28) + 1);
	} else if (type == 3) {				/* shutdown */
		if (recvlen < LX_ICMSG_HDR + 2060)
			return 0;
		switch (rd32(buf, 36)) {
		case 0: case 1: case 2: case 3:
			wr32(buf, 20, 0);
			break;
		default:				/* no S4 here */
			wr32(buf, 20, 0x80004005);
			break;
		}
	} else if (type == 4) {				/* time sync */
		if (*ts_version == LX_VER(4, 0)) {
			if (recvlen < LX_ICMSG_HDR + 22)
				return 0;
		} else if (recvlen < LX_ICMSG_HDR + 25) {
			return 0;
		}
	} else {
		wr32(buf, 20, 0x80004005);
	}
	lx_reply_flags(buf);
	return recvlen;
}

/* what a host's negotiate makes a Linux guest choose: 1 if it chose */
static int lx_choose(const int *srv, int nsrv, const struct vmb_ic_ver *frame,
		     unsigned int nframe, const struct vmb_ic_ver *msg,
		     unsigned int nmsg, uint8_t *buf, uint32_t *len)
{
	int n = vmb_ic_build_negotiate(buf, MAXLEN, frame, nframe, msg, nmsg);
	int nego = 0;

	if (n <= 0)
		return n;
	*len = n;
	return lx_negotiate(buf, n, lx_fw, 2, srv, nsrv, &nego) ? 1 : 0;
}

/* ---- framing ---- */

static void check_hdr(struct __test_metadata *_metadata, const uint8_t *b,
		      int len, uint32_t type, uint32_t bodysize,
		      const struct vmb_ic_neg *neg)
{
	int pad;

	ASSERT_GT(len, 0);
	EXPECT_EQ(0, len % 8);
	EXPECT_EQ((uint32_t)((28 + bodysize + 7) & ~7u), (uint32_t)len);
	EXPECT_EQ(1, rd32(b, 0));			/* pipe: DATA */
	EXPECT_EQ(20 + bodysize, rd32(b, 4));		/* pipe: msgsize */
	EXPECT_EQ(neg ? neg->frame.major : 0, rd16(b, 8));
	EXPECT_EQ(neg ? neg->frame.minor : 0, rd16(b, 10));
	EXPECT_EQ(type, rd16(b, 12));
	EXPECT_EQ(neg ? neg->msg.major : 0, rd16(b, 14));
	EXPECT_EQ(neg ? neg->msg.minor : 0, rd16(b, 16));
	EXPECT_EQ(bodysize, rd16(b, 18));
	EXPECT_EQ(0, rd32(b, 20));			/* status */
	EXPECT_EQ(0, b[24]);				/* transaction id */
	EXPECT_EQ(0x03, b[25]);				/* TRANSACTION | REQUEST */
	EXPECT_EQ(0, rd16(b, 26));
	for (pad = 28 + bodysize; pad < len; pad++)
		EXPECT_EQ(0, b[pad]) TH_LOG("padding byte %d", pad);
}

TEST(layout)
{
	/* Linux's struct sizes and offsets, from its headers */
	EXPECT_EQ(28, VMB_IC_HDR_SIZE);
	EXPECT_EQ(20, sizeof(struct vmb_ic_hdr));
	EXPECT_EQ(12, offsetof(struct vmb_ic_msg_hdr, ic.icmsgtype));
	EXPECT_EQ(18, offsetof(struct vmb_ic_msg_hdr, ic.icmsgsize));
	EXPECT_EQ(20, offsetof(struct vmb_ic_msg_hdr, ic.status));
	EXPECT_EQ(24, offsetof(struct vmb_ic_msg_hdr, ic.ictransaction_id));
	EXPECT_EQ(25, offsetof(struct vmb_ic_msg_hdr, ic.icflags));
	EXPECT_EQ(40, sizeof(struct vmb_ic_heartbeat));
	EXPECT_EQ(2060, sizeof(struct vmb_ic_shutdown));
	EXPECT_EQ(25, sizeof(struct vmb_ic_timesync));
	EXPECT_EQ(22, sizeof(struct vmb_ic_timesync_ref));
	EXPECT_EQ(2572, sizeof(struct vmb_ic_kvp_exchg));
	EXPECT_EQ(7430, sizeof(struct vmb_ic_kvp_msg));
	EXPECT_EQ(7428, sizeof(struct vmb_ic_kvp_ip_msg));
	EXPECT_EQ(4, offsetof(struct vmb_ic_kvp_msg, body.get.value_type));
	EXPECT_EQ(528, offsetof(struct vmb_ic_kvp_msg, body.get.value));
	EXPECT_EQ(8, offsetof(struct vmb_ic_kvp_msg, body.del.key));
	EXPECT_EQ(12, offsetof(struct vmb_ic_kvp_msg, body.enumerate.data.key_size));
	EXPECT_EQ(2, offsetof(struct vmb_ic_kvp_ip_msg, ip.adapter_id));
	EXPECT_EQ(258, offsetof(struct vmb_ic_kvp_ip_msg, ip.addr_family));
	EXPECT_EQ(116444736000000000ULL, VMB_IC_EPOCH_DELTA);
}

/* ---- NEGOTIATE ---- */

TEST(negotiate_request)
{
	uint8_t b[256];
	int len;

	memset(b, 0xaa, sizeof(b));
	len = vmb_ic_build_negotiate(b, sizeof(b), vmb_ic_fw_versions,
				     VMB_IC_FW_NVER, vmb_ic_sd_versions,
				     VMB_IC_SD_NVER);
	check_hdr(_metadata, b, len, 0, 8 + 4 * 6, NULL);
	EXPECT_EQ(VMB_IC_NEGOTIATE_LEN(2, 4), (uint32_t)len);
	EXPECT_EQ(64, len);
	EXPECT_EQ(2, rd16(b, 28));		/* icframe_vercnt */
	EXPECT_EQ(4, rd16(b, 30));		/* icmsg_vercnt */
	EXPECT_EQ(0, rd32(b, 32));		/* reserved */
	EXPECT_EQ(1, rd16(b, 36));		/* framework 1.0 */
	EXPECT_EQ(0, rd16(b, 38));
	EXPECT_EQ(3, rd16(b, 40));		/* framework 3.0 */
	EXPECT_EQ(0, rd16(b, 42));
	EXPECT_EQ(1, rd16(b, 44));		/* message 1.0 3.0 3.1 3.2 */
	EXPECT_EQ(3, rd16(b, 48));
	EXPECT_EQ(3, rd16(b, 52));
	EXPECT_EQ(1, rd16(b, 54));
	EXPECT_EQ(3, rd16(b, 56));
	EXPECT_EQ(2, rd16(b, 58));

	/* too small, bad lists */
	EXPECT_EQ(-ENOSPC, vmb_ic_build_negotiate(b, 63, vmb_ic_fw_versions, 2,
						  vmb_ic_sd_versions, 4));
	EXPECT_EQ(64, vmb_ic_build_negotiate(b, 64, vmb_ic_fw_versions, 2,
					     vmb_ic_sd_versions, 4));
	EXPECT_EQ(-EINVAL, vmb_ic_build_negotiate(b, sizeof(b), vmb_ic_fw_versions,
						  0, vmb_ic_sd_versions, 4));
	EXPECT_EQ(-EINVAL, vmb_ic_build_negotiate(b, sizeof(b), vmb_ic_fw_versions,
						  2, vmb_ic_sd_versions, 0));
	EXPECT_EQ(-EINVAL, vmb_ic_build_negotiate(b, sizeof(b), NULL, 2,
						  vmb_ic_sd_versions, 4));
	EXPECT_EQ(-EINVAL, vmb_ic_build_negotiate(b, MAXLEN, vmb_ic_fw_versions,
						  101, vmb_ic_sd_versions, 4));
}

/* Each service's offer against Linux's lists: what Linux picks. */
TEST(negotiate_with_linux)
{
	static const struct {
		const int *srv;
		int nsrv;
		const struct vmb_ic_ver *msg;
		unsigned int nmsg;
		struct vmb_ic_ver want;
	} c[] = {
		{ lx_hb, 2, vmb_ic_hb_versions, VMB_IC_HB_NVER, { 3, 0 } },
		{ lx_sd, 4, vmb_ic_sd_versions, VMB_IC_SD_NVER, { 3, 2 } },
		{ lx_ts, 3, vmb_ic_ts_versions, VMB_IC_TS_NVER, { 3, 0 } },
		{ lx_ts, 3, vmb_ic_ts_ref_versions, VMB_IC_TS_REF_NVER, { 4, 0 } },
		{ lx_kvp, 3, vmb_ic_kvp_versions, VMB_IC_KVP_NVER, { 4, 0 } },
	};
	static uint8_t b[MAXLEN];
	struct vmb_ic_neg neg;
	uint32_t len;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		ASSERT_EQ(1, lx_choose(c[i].srv, c[i].nsrv, vmb_ic_fw_versions,
				       VMB_IC_FW_NVER, c[i].msg, c[i].nmsg, b, &len));
		lx_reply_flags(b);
		memset(&neg, 0xff, sizeof(neg));
		EXPECT_EQ(0, vmb_ic_parse_negotiate(guarded(b, len), len,
						    vmb_ic_fw_versions, VMB_IC_FW_NVER,
						    c[i].msg, c[i].nmsg, &neg))
			TH_LOG("case %u", i);
		EXPECT_EQ(3, neg.frame.major);
		EXPECT_EQ(0, neg.frame.minor);
		EXPECT_EQ(c[i].want.major, neg.msg.major) TH_LOG("case %u", i);
		EXPECT_EQ(c[i].want.minor, neg.msg.minor) TH_LOG("case %u", i);
		/* and what Linux wrote: counts 1/1 @28/30, versions @36/40 */
		EXPECT_EQ(1, rd16(b, 28));
		EXPECT_EQ(1, rd16(b, 30));
		EXPECT_EQ(3, rd16(b, 36));
		EXPECT_EQ(c[i].want.major, rd16(b, 40));
		EXPECT_EQ(16, rd16(b, 18));
		EXPECT_EQ(0x05, b[25]);
	}
}

TEST(negotiate_no_common_version)
{
	static const struct vmb_ic_ver only5[] = { { 5, 0 } };
	static const struct vmb_ic_ver only2[] = { { 2, 0 } };
	static uint8_t b[MAXLEN];
	struct vmb_ic_neg neg = { { 9, 9 }, { 9, 9 } };
	uint32_t len;

	/* no message version in common: Linux answers counts 0/0 */
	ASSERT_EQ(0, lx_choose(lx_hb, 2, vmb_ic_fw_versions, 2, only5, 1, b, &len));
	lx_reply_flags(b);
	EXPECT_EQ(0, rd16(b, 28));
	EXPECT_EQ(-ENOENT, vmb_ic_parse_negotiate(guarded(b, len), len,
						  vmb_ic_fw_versions, 2, only5, 1, &neg));
	/* no framework version in common: data[] holds the counts (junk) */
	ASSERT_EQ(0, lx_choose(lx_hb, 2, only2, 1, vmb_ic_hb_versions, 2, b, &len));
	lx_reply_flags(b);
	EXPECT_EQ(-ENOENT, vmb_ic_parse_negotiate(guarded(b, len), len, only2, 1,
						  vmb_ic_hb_versions, 2, &neg));
	EXPECT_EQ(9, neg.frame.major);		/* untouched */
}

TEST(negotiate_malformed)
{
	static uint8_t good[MAXLEN], b[MAXLEN];
	const struct vmb_ic_ver *fw = vmb_ic_fw_versions, *hb = vmb_ic_hb_versions;
	struct vmb_ic_neg neg;
	uint32_t len, l;

	ASSERT_EQ(1, lx_choose(lx_hb, 2, fw, 2, hb, 2, good, &len));
	lx_reply_flags(good);
	ASSERT_EQ(56, len);			/* 28 + 8 + 4 * 4, padded */

#define PARSE(buf, n) vmb_ic_parse_negotiate(guarded(buf, n), n, fw, 2, hb, 2, &neg)
	ASSERT_EQ(0, PARSE(good, len));

	/* short: every length below the two choices */
	for (l = 0; l < 44; l++)
		EXPECT_EQ(-EBADMSG, PARSE(good, l)) TH_LOG("len %u", l);
	EXPECT_EQ(0, PARSE(good, 44));
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_negotiate(NULL, len, fw, 2, hb, 2, &neg));

	/* counts above 100, and not 1/1 */
	memcpy(b, good, len);
	wr16(b, 28, 101);
	EXPECT_EQ(-EBADMSG, PARSE(b, len));
	wr16(b, 28, 1);
	wr16(b, 30, 0xffff);
	EXPECT_EQ(-EBADMSG, PARSE(b, len));
	wr16(b, 30, 2);
	EXPECT_EQ(-EBADMSG, PARSE(b, len));
	wr16(b, 30, 0);
	EXPECT_EQ(-EBADMSG, PARSE(b, len));
	wr16(b, 28, 0);
	EXPECT_EQ(-ENOENT, PARSE(b, len));
	wr16(b, 30, 1);
	EXPECT_EQ(-EBADMSG, PARSE(b, len));

	/* a choice that was not offered */
	memcpy(b, good, len);
	wr16(b, 36, 2);				/* framework 2.0 */
	EXPECT_EQ(-EBADMSG, PARSE(b, len));
	memcpy(b, good, len);
	wr16(b, 42, 1);				/* message 3.1 */
	EXPECT_EQ(-EBADMSG, PARSE(b, len));
	/* 3.1 would be a shutdown version: offered lists matter */
	EXPECT_EQ(0, vmb_ic_parse_negotiate(guarded(b, len), len, fw, 2,
					    vmb_ic_sd_versions, 4, &neg));
	EXPECT_EQ(1, neg.msg.minor);

	/* the RESPONSE flag, the message type, the body size */
	memcpy(b, good, len);
	b[25] = 0x03;
	EXPECT_EQ(-EBADMSG, PARSE(b, len));
	b[25] = 0x01;
	EXPECT_EQ(-EBADMSG, PARSE(b, len));
	b[25] = 0x04;
	EXPECT_EQ(0, PARSE(b, len));
	memcpy(b, good, len);
	wr16(b, 12, 1);
	EXPECT_EQ(-EBADMSG, PARSE(b, len));
	wr16(b, 12, 0x100);
	EXPECT_EQ(-EBADMSG, PARSE(b, len));
	memcpy(b, good, len);
	wr16(b, 18, len - 28 + 1);
	EXPECT_EQ(-EBADMSG, PARSE(b, len));
	wr16(b, 18, len - 28);
	EXPECT_EQ(0, PARSE(b, len));

	/* a failure status */
	memcpy(b, good, len);
	wr32(b, 20, 0x80004005);
	EXPECT_EQ(-ENOENT, PARSE(b, len));

	/* nothing offered: no choice can be right */
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_negotiate(guarded(good, len), len,
						   NULL, 0, NULL, 0, &neg));
#undef PARSE
}

/* A request bigger than Linux allows (counts > 100) gets counts 0/0. */
TEST(negotiate_linux_rejects)
{
	static uint8_t b[MAXLEN];
	static struct vmb_ic_ver many[100];
	unsigned int i;
	int len;

	for (i = 0; i < 100; i++)
		many[i] = (struct vmb_ic_ver){ 3, i };
	len = vmb_ic_build_negotiate(b, MAXLEN, vmb_ic_fw_versions, 2, many, 100);
	ASSERT_EQ(VMB_IC_NEGOTIATE_LEN(2, 100), (uint32_t)len);
	ASSERT_TRUE(lx_negotiate(b, len, lx_fw, 2, lx_hb, 2, NULL));
	lx_reply_flags(b);
	EXPECT_EQ(0, vmb_ic_parse_negotiate(b, len, vmb_ic_fw_versions, 2, many,
					    100, NULL));
	/* Linux ends here: 100 is the most either list may hold */
	wr16(b, 28, 2);
	wr16(b, 30, 101);
	EXPECT_FALSE(lx_negotiate(b, len, lx_fw, 2, lx_hb, 2, NULL));
	lx_reply_flags(b);
	EXPECT_EQ(-ENOENT, vmb_ic_parse_negotiate(b, len, vmb_ic_fw_versions, 2,
						  many, 100, NULL));
}

/* ---- heartbeat ---- */

TEST(heartbeat)
{
	const struct vmb_ic_neg neg = { { 3, 0 }, { 3, 0 } };
	static uint8_t b[MAXLEN];
	int len, ts = 0;
	uint32_t st, l;
	uint64_t seq;

	memset(b, 0xaa, sizeof(b));
	len = vmb_ic_build_heartbeat(b, sizeof(b), &neg, 0x1122334455667788ULL);
	check_hdr(_metadata, b, len, 1, 40, &neg);
	EXPECT_EQ(72, len);
	EXPECT_EQ(0x1122334455667788ULL, rd64(b, 28));
	for (l = 36; l < 68; l++)
		EXPECT_EQ(0, b[l]);

	ASSERT_EQ((uint32_t)len, lx_util(b, len, lx_hb, 2, NULL, &ts));
	EXPECT_EQ(0, vmb_ic_parse_heartbeat(guarded(b, len), len, &st, &seq));
	EXPECT_EQ(0x1122334455667789ULL, seq);
	EXPECT_EQ(0, st);
	EXPECT_EQ(0x05, b[25]);

	/* wraps like the guest's u64 */
	len = vmb_ic_build_heartbeat(b, sizeof(b), &neg, ~0ULL);
	lx_util(b, len, lx_hb, 2, NULL, &ts);
	EXPECT_EQ(0, vmb_ic_parse_heartbeat(b, len, NULL, &seq));
	EXPECT_EQ(0, seq);

	/* short replies, a request reflected, the wrong type */
	for (l = 0; l < 68; l++)
		EXPECT_EQ(-EBADMSG, vmb_ic_parse_heartbeat(guarded(b, l), l, &st, &seq));
	EXPECT_EQ(0, vmb_ic_parse_heartbeat(guarded(b, 68), 68, &st, &seq));
	/* icmsgsize (40) bounds what must be there; 8 bytes of it is enough */
	wr16(b, 18, 8);
	EXPECT_EQ(0, vmb_ic_parse_heartbeat(guarded(b, 36), 36, &st, &seq));
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_heartbeat(guarded(b, 35), 35, &st, &seq));
	len = vmb_ic_build_heartbeat(b, sizeof(b), &neg, 5);
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_heartbeat(b, len, &st, &seq));
	lx_reply_flags(b);
	wr16(b, 12, 3);
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_heartbeat(b, len, &st, &seq));

	EXPECT_EQ(-ENOSPC, vmb_ic_build_heartbeat(b, 71, &neg, 1));
	EXPECT_EQ(-EINVAL, vmb_ic_build_heartbeat(b, sizeof(b), NULL, 1));
}

/* ---- shutdown ---- */

TEST(shutdown)
{
	const struct vmb_ic_neg neg = { { 3, 0 }, { 3, 2 } };
	static uint8_t b[MAXLEN];
	static char why[4200];
	int len, ts = 0;
	uint32_t st, flags;

	memset(b, 0xaa, sizeof(b));
	len = vmb_ic_build_shutdown(b, sizeof(b), &neg, 2, "maintenance \xe2\x82\xac");
	check_hdr(_metadata, b, len, 3, 2060, &neg);
	EXPECT_EQ(2088, len);
	EXPECT_GE(len, 2088);
	EXPECT_LE(len + 16, 4096);
	EXPECT_EQ(0x80000000u, rd32(b, 28));	/* reason: planned */
	EXPECT_EQ(0, rd32(b, 32));		/* timeout */
	EXPECT_EQ(2, rd32(b, 36));		/* flags */
	EXPECT_EQ('m', rd16(b, 40));		/* display_message, UTF-16LE */
	EXPECT_EQ(0x20ac, rd16(b, 40 + 2 * 12));
	EXPECT_EQ(0, rd16(b, 40 + 2 * 13));

	for (flags = 0; flags <= 7; flags++) {
		len = vmb_ic_build_shutdown(b, sizeof(b), &neg, flags, NULL);
		ASSERT_EQ(2088, len);
		EXPECT_EQ(flags, rd32(b, 36));
		EXPECT_EQ(0, b[40]);
		ASSERT_EQ((uint32_t)len, lx_util(b, len, lx_sd, 4, NULL, &ts));
		EXPECT_EQ(0, vmb_ic_parse_shutdown(guarded(b, len), len, &st));
		EXPECT_EQ(flags < 4 ? 0 : 0x80004005, st);
	}
	/* a short message gets no reply; a short reply is malformed */
	EXPECT_EQ(0U, lx_util(b, 2087, lx_sd, 4, NULL, &ts));
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_shutdown(guarded(b, 2087), 2087, &st));
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_shutdown(guarded(b, 27), 27, &st));

	EXPECT_EQ(-EINVAL, vmb_ic_build_shutdown(b, sizeof(b), &neg, 8, NULL));
	EXPECT_EQ(-EINVAL, vmb_ic_build_shutdown(b, sizeof(b), NULL, 0, NULL));
	EXPECT_EQ(-ENOSPC, vmb_ic_build_shutdown(b, 2087, &neg, 0, NULL));
	EXPECT_EQ(-EINVAL, vmb_ic_build_shutdown(b, sizeof(b), &neg, 0, "\xff"));
	/* 1023 units fit with the NUL, 1024 do not; nor does 4 KiB of text */
	memset(why, 'x', 1023);
	why[1023] = '\0';
	EXPECT_EQ(2088, vmb_ic_build_shutdown(b, sizeof(b), &neg, 0, why));
	EXPECT_EQ('x', rd16(b, 40 + 2 * 1022));
	EXPECT_EQ(0, rd16(b, 40 + 2 * 1023));
	why[1023] = 'x';
	why[1024] = '\0';
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_build_shutdown(b, sizeof(b), &neg, 0, why));
	memset(why, 'x', sizeof(why) - 1);
	why[sizeof(why) - 1] = '\0';
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_build_shutdown(b, sizeof(b), &neg, 0, why));
}

/* ---- time sync ---- */

TEST(timesync)
{
	const struct vmb_ic_neg v3 = { { 3, 0 }, { 3, 0 } };
	const struct vmb_ic_neg v1 = { { 1, 0 }, { 1, 0 } };
	const struct vmb_ic_neg v4 = { { 3, 0 }, { 4, 0 } };
	static uint8_t b[MAXLEN];
	int len, ver;
	uint32_t st;

	memset(b, 0xaa, sizeof(b));
	len = vmb_ic_build_timesync(b, sizeof(b), &v3, 0x0123456789abcdefULL,
				    77, VMB_IC_TIMESYNC_FLAG_SYNC);
	check_hdr(_metadata, b, len, 4, 25, &v3);
	EXPECT_EQ(56, len);
	EXPECT_EQ(0x0123456789abcdefULL, rd64(b, 28));	/* parenttime */
	EXPECT_EQ(0, rd64(b, 36));			/* childtime */
	EXPECT_EQ(0, rd64(b, 44));			/* roundtriptime */
	EXPECT_EQ(1, b[52]);				/* flags */
	ver = LX_VER(3, 0);
	ASSERT_EQ((uint32_t)len, lx_util(b, len, lx_ts, 3, NULL, &ver));
	EXPECT_EQ(0, vmb_ic_parse_timesync(guarded(b, len), len, &st));
	EXPECT_EQ(0, st);

	len = vmb_ic_build_timesync(b, sizeof(b), &v1, 5, 0, VMB_IC_TIMESYNC_FLAG_SAMPLE);
	check_hdr(_metadata, b, len, 4, 25, &v1);
	EXPECT_EQ(2, b[52]);

	memset(b, 0xaa, sizeof(b));
	len = vmb_ic_build_timesync(b, sizeof(b), &v4, 1000, 2000,
				    VMB_IC_TIMESYNC_FLAG_SAMPLE);
	check_hdr(_metadata, b, len, 4, 22, &v4);
	EXPECT_EQ(56, len);
	EXPECT_EQ(1000, rd64(b, 28));			/* parenttime */
	EXPECT_EQ(2000, rd64(b, 36));			/* vmreferencetime */
	EXPECT_EQ(2, b[44]);				/* flags */
	EXPECT_EQ(0, b[45]);				/* leapflags */
	EXPECT_EQ(0, b[46]);				/* stratum */
	ver = LX_VER(4, 0);
	ASSERT_EQ((uint32_t)len, lx_util(b, len, lx_ts, 3, NULL, &ver));
	EXPECT_EQ(0, vmb_ic_parse_timesync(b, len, &st));

	EXPECT_EQ(-EINVAL, vmb_ic_build_timesync(b, sizeof(b), &v4, 1000, 0, 1));
	EXPECT_EQ(-EINVAL, vmb_ic_build_timesync(b, sizeof(b), &v3, 1000, 0, 4));
	EXPECT_EQ(-EINVAL, vmb_ic_build_timesync(b, sizeof(b), NULL, 1000, 0, 1));
	EXPECT_EQ(-ENOSPC, vmb_ic_build_timesync(b, 55, &v3, 1000, 0, 1));
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_timesync(guarded(b, 49), 49, &st));
}

TEST(time_conversion)
{
	/* 2024-01-01T00:00:00Z */
	const uint64_t unix_ns = 1704067200ULL * 1000000000ULL;
	const uint64_t hv = 1704067200ULL * 10000000ULL + 116444736000000000ULL;

	EXPECT_EQ(116444736000000000ULL, vmb_ic_unix_ns_to_hv(0));
	EXPECT_EQ(hv, vmb_ic_unix_ns_to_hv(unix_ns));
	EXPECT_EQ(hv, vmb_ic_unix_ns_to_hv(unix_ns + 99));	/* truncates */
	EXPECT_EQ(unix_ns, vmb_ic_hv_to_unix_ns(hv));
	EXPECT_EQ(100, vmb_ic_hv_to_unix_ns(116444736000000001ULL));
	EXPECT_EQ(0, vmb_ic_hv_to_unix_ns(116444736000000000ULL));
	EXPECT_EQ(0, vmb_ic_hv_to_unix_ns(1));			/* before 1970 */
	EXPECT_EQ(~0ULL, vmb_ic_hv_to_unix_ns(~0ULL));		/* saturates */
	EXPECT_EQ(~0ULL / 100 + 116444736000000000ULL,
		  vmb_ic_unix_ns_to_hv(~0ULL));
	EXPECT_EQ(~0ULL / 100 * 100, vmb_ic_hv_to_unix_ns(vmb_ic_unix_ns_to_hv(~0ULL)));
}

/* ---- UTF-8 and UTF-16 ---- */

static const struct {
	const char *utf8;
	unsigned int nunits;
	uint16_t units[6];
} utf_good[] = {
	{ "", 0, { 0 } },
	{ "a", 1, { 'a' } },
	{ "K=v", 3, { 'K', '=', 'v' } },
	{ "\x7f", 1, { 0x7f } },
	{ "\xc2\x80", 1, { 0x80 } },
	{ "h\xc3\xa9", 2, { 'h', 0xe9 } },
	{ "\xdf\xbf", 1, { 0x7ff } },
	{ "\xe0\xa0\x80", 1, { 0x800 } },
	{ "\xe6\x97\xa5\xe6\x9c\xac", 2, { 0x65e5, 0x672c } },
	{ "\xed\x9f\xbf", 1, { 0xd7ff } },
	{ "\xee\x80\x80", 1, { 0xe000 } },
	{ "\xef\xbf\xbf", 1, { 0xffff } },
	{ "\xf0\x90\x80\x80", 2, { 0xd800, 0xdc00 } },		/* U+10000 */
	{ "\xf0\x9f\x98\x80", 2, { 0xd83d, 0xde00 } },		/* U+1F600 */
	{ "x\xf0\x9f\x98\x80y", 4, { 'x', 0xd83d, 0xde00, 'y' } },
	{ "\xf4\x8f\xbf\xbf", 2, { 0xdbff, 0xdfff } },		/* U+10FFFF */
};

TEST(utf_round_trip)
{
	uint8_t w[64];
	char s[64];
	unsigned int i, j;
	int n;

	for (i = 0; i < ARRAY_SIZE(utf_good); i++) {
		const char *u = utf_good[i].utf8;
		unsigned int nu = utf_good[i].nunits;

		memset(w, 0xaa, sizeof(w));
		n = vmb_ic_utf8_to_utf16(u, strlen(u), w, sizeof(w));
		ASSERT_EQ((int)(2 * nu + 2), n) TH_LOG("case %u", i);
		for (j = 0; j < nu; j++)
			EXPECT_EQ(utf_good[i].units[j], rd16(w, 2 * j))
				TH_LOG("case %u unit %u", i, j);
		EXPECT_EQ(0, rd16(w, 2 * nu));

		memset(s, 0xaa, sizeof(s));
		n = vmb_ic_utf16_to_utf8(w, 2 * nu + 2, s, sizeof(s));
		EXPECT_EQ((int)strlen(u), n) TH_LOG("case %u", i);
		EXPECT_STREQ(u, s);
		/* without the NUL: bounded by the size */
		n = vmb_ic_utf16_to_utf8(w, 2 * nu, s, sizeof(s));
		EXPECT_EQ((int)strlen(u), n);
		EXPECT_STREQ(u, s);
		/* counting only */
		EXPECT_EQ((int)strlen(u), vmb_ic_utf16_to_utf8(w, 2 * nu + 2, NULL, 0));

		/* exact fit, and one byte short, both ways */
		EXPECT_EQ((int)(2 * nu + 2),
			  vmb_ic_utf8_to_utf16(u, strlen(u), w, 2 * nu + 2));
		EXPECT_EQ(-ENAMETOOLONG,
			  vmb_ic_utf8_to_utf16(u, strlen(u), w, 2 * nu + 1));
		EXPECT_EQ((int)strlen(u),
			  vmb_ic_utf16_to_utf8(w, 2 * nu + 2, s, strlen(u) + 1));
		EXPECT_STREQ(u, s);
		EXPECT_EQ(-ENAMETOOLONG,
			  vmb_ic_utf16_to_utf8(w, 2 * nu + 2, s, strlen(u)));
	}
	/* an embedded NUL ends a UTF-16 string */
	wr16(w, 0, 'a');
	wr16(w, 2, 0);
	wr16(w, 4, 'b');
	EXPECT_EQ(1, vmb_ic_utf16_to_utf8(w, 6, s, sizeof(s)));
	EXPECT_STREQ("a", s);
	EXPECT_EQ(0, vmb_ic_utf16_to_utf8(w, 0, s, sizeof(s)));
	EXPECT_STREQ("", s);
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_utf16_to_utf8(w, 0, s, 0));
}

TEST(utf8_invalid)
{
	static const char *const bad[] = {
		"\x80", "a\xbf", "\xc0\x80", "\xc1\xbf",	/* stray, overlong */
		"\xe0\x80\x80", "\xe0\x9f\xbf",			/* overlong 3 */
		"\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf",		/* overlong 4 */
		"\xed\xa0\x80", "\xed\xaf\xbf", "\xed\xb0\x80",	/* surrogates */
		"\xed\xbf\xbf", "\xed\xa0\xbd\xed\xb8\x80",	/* CESU-8 */
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80",		/* > U+10FFFF */
		"\xf8\x88\x80\x80\x80", "\xfc\x84\x80\x80\x80\x80",
		"\xfe", "\xff", "\xc3", "\xe6\x97", "\xf0\x9f\x98",	/* truncated */
		"\xc3\x28", "\xe6\x28\xa5", "\xf0\x9f\x28\x80", "\xc3\xc3\xa9",
	};
	uint8_t w[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, vmb_ic_utf8_to_utf16(bad[i], strlen(bad[i]),
							w, sizeof(w)))
			TH_LOG("bad UTF-8 %u", i);
	/* a NUL inside the given length */
	EXPECT_EQ(-EINVAL, vmb_ic_utf8_to_utf16("a\0b", 3, w, sizeof(w)));
	/* the length bounds the input: a truncated sequence */
	EXPECT_EQ(-EINVAL, vmb_ic_utf8_to_utf16("\xc3\xa9", 1, w, sizeof(w)));
	EXPECT_EQ(4, vmb_ic_utf8_to_utf16("\xc3\xa9", 2, w, sizeof(w)));
}

TEST(utf16_invalid)
{
	static const struct {
		unsigned int n;
		uint16_t u[4];
	} bad[] = {
		{ 1, { 0xd800 } },			/* high at the end */
		{ 2, { 0xd800, 0 } },			/* high, NUL */
		{ 2, { 0xd83d, 'a' } },			/* high, not low */
		{ 2, { 0xdbff, 0xdbff } },		/* high, high */
		{ 1, { 0xdc00 } },			/* low alone */
		{ 2, { 'a', 0xdfff } },
		{ 3, { 0xd83d, 0xde00, 0xde00 } },	/* pair, then low */
	};
	uint8_t w[16];
	char s[32];
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		for (j = 0; j < bad[i].n; j++)
			wr16(w, 2 * j, bad[i].u[j]);
		EXPECT_EQ(-EINVAL, vmb_ic_utf16_to_utf8(w, 2 * bad[i].n, s, sizeof(s)))
			TH_LOG("bad UTF-16 %u", i);
		EXPECT_EQ(-EINVAL, vmb_ic_utf16_to_utf8(w, 2 * bad[i].n, NULL, 0));
	}
	/* a pair split by the size */
	wr16(w, 0, 0xd83d);
	wr16(w, 2, 0xde00);
	EXPECT_EQ(-EINVAL, vmb_ic_utf16_to_utf8(w, 2, s, sizeof(s)));
	EXPECT_EQ(4, vmb_ic_utf16_to_utf8(w, 4, s, sizeof(s)));
	/* odd sizes */
	EXPECT_EQ(-EINVAL, vmb_ic_utf16_to_utf8(w, 3, s, sizeof(s)));
	EXPECT_EQ(-EINVAL, vmb_ic_utf16_to_utf8(w, 1, s, sizeof(s)));
}

/* ---- KVP ---- */

static const struct vmb_ic_neg kvp_neg = { { 3, 0 }, { 4, 0 } };

TEST(kvp_requests)
{
	static uint8_t b[MAXLEN];
	int len;

	memset(b, 0xaa, sizeof(b));
	len = vmb_ic_build_kvp_set(b, sizeof(b), &kvp_neg, VMB_IC_KVP_POOL_AUTO_EXTERNAL,
				   "VirtualMachineName", "web \xf0\x9f\x98\x80");
	check_hdr(_metadata, b, len, 2, 4 + 2572, &kvp_neg);
	EXPECT_EQ(2608, len);
	EXPECT_EQ(1, b[28]);				/* operation SET */
	EXPECT_EQ(3, b[29]);				/* pool */
	EXPECT_EQ(0, rd16(b, 30));
	EXPECT_EQ(1, rd32(b, 32));			/* REG_SZ */
	EXPECT_EQ(2 * 19, rd32(b, 36));			/* key_size, NUL included */
	EXPECT_EQ(2 * 7, rd32(b, 40));			/* value_size */
	EXPECT_EQ('V', rd16(b, 44));
	EXPECT_EQ('e', rd16(b, 44 + 2 * 17));
	EXPECT_EQ(0, rd16(b, 44 + 2 * 18));
	EXPECT_EQ('w', rd16(b, 556));
	EXPECT_EQ(0xd83d, rd16(b, 556 + 8));
	EXPECT_EQ(0xde00, rd16(b, 556 + 10));
	EXPECT_EQ(0, rd16(b, 556 + 12));
	EXPECT_EQ(0, b[556 + 2047]);

	len = vmb_ic_build_kvp_get(b, sizeof(b), &kvp_neg, VMB_IC_KVP_POOL_GUEST, "k");
	check_hdr(_metadata, b, len, 2, 4 + 2572, &kvp_neg);
	EXPECT_EQ(0, b[28]);
	EXPECT_EQ(1, b[29]);
	EXPECT_EQ(4, rd32(b, 36));
	EXPECT_EQ(0, rd32(b, 40));

	memset(b, 0xaa, sizeof(b));
	len = vmb_ic_build_kvp_delete(b, sizeof(b), &kvp_neg, 0, "key");
	check_hdr(_metadata, b, len, 2, 4 + 516, &kvp_neg);
	EXPECT_EQ(552, len);
	EXPECT_EQ(2, b[28]);
	EXPECT_EQ(8, rd32(b, 32));			/* key_size */
	EXPECT_EQ('k', rd16(b, 36));
	EXPECT_EQ('y', rd16(b, 40));

	memset(b, 0xaa, sizeof(b));
	len = vmb_ic_build_kvp_enumerate(b, sizeof(b), &kvp_neg,
					 VMB_IC_KVP_POOL_AUTO, 9);
	check_hdr(_metadata, b, len, 2, 4 + 2576, &kvp_neg);
	EXPECT_EQ(2608, len);
	EXPECT_EQ(3, b[28]);
	EXPECT_EQ(2, b[29]);
	EXPECT_EQ(9, rd32(b, 32));			/* index */

	EXPECT_EQ(-ENOSPC, vmb_ic_build_kvp_enumerate(b, 2607, &kvp_neg, 2, 0));
	EXPECT_EQ(-ENOSPC, vmb_ic_build_kvp_set(b, 2607, &kvp_neg, 0, "k", "v"));
	EXPECT_EQ(-ENOSPC, vmb_ic_build_kvp_delete(b, 551, &kvp_neg, 0, "k"));
	EXPECT_EQ(-EINVAL, vmb_ic_build_kvp_enumerate(b, MAXLEN, &kvp_neg, 5, 0));
	EXPECT_EQ(-EINVAL, vmb_ic_build_kvp_set(b, MAXLEN, NULL, 0, "k", "v"));
	EXPECT_EQ(-EINVAL, vmb_ic_build_kvp_set(b, MAXLEN, &kvp_neg, 0, NULL, "v"));
	EXPECT_EQ(-EINVAL, vmb_ic_build_kvp_set(b, MAXLEN, &kvp_neg, 0, "k", NULL));
	EXPECT_EQ(-EINVAL, vmb_ic_build_kvp_set(b, MAXLEN, &kvp_neg, 0, "k\xc0\xaf", "v"));
	EXPECT_EQ(-EINVAL, vmb_ic_build_kvp_set(b, MAXLEN, &kvp_neg, 0, "k", "\xed\xa0\x80"));
}

TEST(kvp_limits)
{
	static uint8_t b[MAXLEN];
	static char key[1100], val[4200];
	unsigned int i;

	/* keys: 255 UTF-16 units and 511 UTF-8 bytes */
	memset(key, 'k', 255);
	key[255] = '\0';
	EXPECT_EQ(2608, vmb_ic_build_kvp_set(b, MAXLEN, &kvp_neg, 0, key, "v"));
	EXPECT_EQ(512, rd32(b, 36));
	EXPECT_EQ(552, vmb_ic_build_kvp_delete(b, MAXLEN, &kvp_neg, 0, key));
	EXPECT_EQ(512, rd32(b, 32));
	key[255] = 'k';
	key[256] = '\0';
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_build_kvp_set(b, MAXLEN, &kvp_neg, 0, key, "v"));
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_build_kvp_get(b, MAXLEN, &kvp_neg, 0, key));
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_build_kvp_delete(b, MAXLEN, &kvp_neg, 0, key));
	/* 170 CJK characters: 510 bytes, fine; 171: 513 bytes, too long for
	 * the guest's 511-byte UTF-8 key though 171 units would fit */
	for (i = 0; i < 171; i++)
		memcpy(key + 3 * i, "\xe6\x97\xa5", 3);
	key[510] = '\0';
	EXPECT_EQ(2608, vmb_ic_build_kvp_set(b, MAXLEN, &kvp_neg, 0, key, "v"));
	EXPECT_EQ(342, rd32(b, 36));
	key[510] = '\xe6';
	key[513] = '\0';
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_build_kvp_set(b, MAXLEN, &kvp_neg, 0, key, "v"));
	/* 127 non-BMP characters: 254 units + NUL, 508 bytes */
	for (i = 0; i < 127; i++)
		memcpy(key + 4 * i, "\xf0\x9f\x98\x80", 4);
	key[508] = '\0';
	EXPECT_EQ(2608, vmb_ic_build_kvp_set(b, MAXLEN, &kvp_neg, 0, key, "v"));
	EXPECT_EQ(510, rd32(b, 36));
	EXPECT_EQ(0xd83d, rd16(b, 44 + 2 * 252));
	EXPECT_EQ(0xde00, rd16(b, 44 + 2 * 253));

	/* values: 1023 units, 2047 bytes */
	memset(val, 'v', 1023);
	val[1023] = '\0';
	EXPECT_EQ(2608, vmb_ic_build_kvp_set(b, MAXLEN, &kvp_neg, 0, "k", val));
	EXPECT_EQ(2048, rd32(b, 40));
	EXPECT_EQ('v', rd16(b, 556 + 2044));
	EXPECT_EQ(0, rd16(b, 556 + 2046));
	val[1023] = 'v';
	val[1024] = '\0';
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_build_kvp_set(b, MAXLEN, &kvp_neg, 0, "k", val));
	memset(val, 'v', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_build_kvp_set(b, MAXLEN, &kvp_neg, 0, "k", val));
}

/*
 * hv_kvp.c kvp_respond_to_host(): the daemon's UTF-8 key and value into
 * the request, in place, for GET (value only) and ENUMERATE.
 */
static void lx_kvp_reply(uint8_t *buf, uint32_t error, const char *key,
			 const char *value)
{
	uint32_t x = buf[28] == 0 ? 32 : 36;	/* GET : ENUMERATE */
	int n;

	wr32(buf, 20, error);
	if (!error && (buf[28] == 0 || buf[28] == 3)) {
		if (buf[28] == 3) {
			n = vmb_ic_utf8_to_utf16(key, strlen(key), buf + x + 12, 510);
			wr32(buf, x + 4, n);
		}
		n = vmb_ic_utf8_to_utf16(value, strlen(value), buf + x + 524, 2046);
		wr32(buf, x + 8, n);
		wr32(buf, x, 1);		/* REG_SZ */
	}
	lx_reply_flags(buf);
}

TEST(kvp_replies)
{
	static uint8_t b[MAXLEN];
	char key[600], val[2100];
	uint32_t st;
	uint8_t op;
	int len;

	/* ENUMERATE, as the daemon answers index 1 of the AUTO pool */
	len = vmb_ic_build_kvp_enumerate(b, MAXLEN, &kvp_neg, 2, 1);
	lx_kvp_reply(b, 0, "IntegrationServicesVersion", "6.1.0-\xe2\x82\xac-\xf0\x9f\x98\x80");
	EXPECT_EQ(0, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st,
				      key, sizeof(key), val, sizeof(val)));
	EXPECT_EQ(3, op);
	EXPECT_EQ(0, st);
	EXPECT_STREQ("IntegrationServicesVersion", key);
	EXPECT_STREQ("6.1.0-\xe2\x82\xac-\xf0\x9f\x98\x80", val);
	/* nothing wanted back but the status */
	EXPECT_EQ(0, vmb_ic_parse_kvp(guarded(b, len), len, NULL, &st, NULL, 0, NULL, 0));
	/* caller buffers: exact fit and one short */
	EXPECT_EQ(0, vmb_ic_parse_kvp(b, len, &op, &st, key, 27, val, sizeof(val)));
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_parse_kvp(b, len, &op, &st, key, 26,
						  val, sizeof(val)));
	EXPECT_STREQ("", key);
	EXPECT_STREQ("", val);
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_parse_kvp(b, len, &op, &st, key, 0,
						  val, sizeof(val)));

	/* past the end of the pool */
	len = vmb_ic_build_kvp_enumerate(b, MAXLEN, &kvp_neg, 2, 10);
	lx_kvp_reply(b, 0x80070103, NULL, NULL);
	strcpy(key, "stale");
	EXPECT_EQ(0, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st,
				      key, sizeof(key), val, sizeof(val)));
	EXPECT_EQ(0x80070103, st);
	EXPECT_STREQ("", key);
	EXPECT_STREQ("", val);

	/* GET: the key is the host's own */
	len = vmb_ic_build_kvp_get(b, MAXLEN, &kvp_neg, 1, "GuestKey");
	lx_kvp_reply(b, 0, NULL, "guest value");
	EXPECT_EQ(0, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st,
				      key, sizeof(key), val, sizeof(val)));
	EXPECT_EQ(0, op);
	EXPECT_STREQ("GuestKey", key);
	EXPECT_STREQ("guest value", val);

	/* SET and DELETE: status only */
	len = vmb_ic_build_kvp_set(b, MAXLEN, &kvp_neg, 0, "k", "v");
	lx_kvp_reply(b, 0, NULL, NULL);
	EXPECT_EQ(0, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st,
				      key, sizeof(key), val, sizeof(val)));
	EXPECT_EQ(1, op);
	EXPECT_STREQ("", key);
	len = vmb_ic_build_kvp_delete(b, MAXLEN, &kvp_neg, 0, "k");
	lx_kvp_reply(b, 0x80004005, NULL, NULL);
	EXPECT_EQ(0, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st,
				      key, sizeof(key), val, sizeof(val)));
	EXPECT_EQ(2, op);
	EXPECT_EQ(0x80004005, st);
}

TEST(kvp_value_types)
{
	static uint8_t b[MAXLEN];
	char key[64], val[32];
	uint32_t st;
	uint8_t op;
	int len;

	len = vmb_ic_build_kvp_enumerate(b, MAXLEN, &kvp_neg, 0, 0);
	lx_kvp_reply(b, 0, "n", "");
	wr32(b, 36, 4);			/* REG_U32 */
	wr32(b, 44, 4);
	wr32(b, 560, 4294967295u);
	EXPECT_EQ(0, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st,
				      key, sizeof(key), val, sizeof(val)));
	EXPECT_STREQ("4294967295", val);
	wr32(b, 560, 0);
	EXPECT_EQ(0, vmb_ic_parse_kvp(b, len, &op, &st, key, sizeof(key), val, 2));
	EXPECT_STREQ("0", val);
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_parse_kvp(b, len, &op, &st, key,
						  sizeof(key), val, 1));
	wr32(b, 44, 8);
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_kvp(b, len, &op, &st, key, sizeof(key),
					     val, sizeof(val)));

	wr32(b, 36, 8);			/* REG_U64 */
	wr64(b, 560, ~0ULL);
	EXPECT_EQ(0, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st,
				      key, sizeof(key), val, sizeof(val)));
	EXPECT_STREQ("18446744073709551615", val);
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_parse_kvp(b, len, &op, &st, key,
						  sizeof(key), val, 20));
	wr32(b, 44, 4);
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_kvp(b, len, &op, &st, key, sizeof(key),
					     val, sizeof(val)));

	wr32(b, 36, 11);		/* REG_QWORD: not Linux's */
	wr32(b, 44, 8);
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_kvp(b, len, &op, &st, key, sizeof(key),
					     val, sizeof(val)));
	EXPECT_STREQ("", key);
	EXPECT_STREQ("", val);
}

/* The guest's sizes lie: rejected, nothing read past the reply. */
TEST(kvp_lying)
{
	static uint8_t good[MAXLEN], b[MAXLEN];
	static const uint32_t bad_key[] = {
		1, 3, 511, 513, 514, 1024, 2048, 0x7fffffff, 0x80000000,
		0xfffffffe, 0xffffffff,
	};
	static const uint32_t bad_value[] = {
		1, 3, 513, 2047, 2049, 2050, 4096, 0x7fffffff, 0x80000000,
		0xfffffffe, 0xffffffff,
	};
	char key[600], val[2100];
	uint32_t st, l;
	unsigned int i;
	uint8_t op;
	int len;

	len = vmb_ic_build_kvp_enumerate(good, MAXLEN, &kvp_neg, 2, 0);
	lx_kvp_reply(good, 0, "FullyQualifiedDomainName", "vm.example");
	ASSERT_EQ(0, vmb_ic_parse_kvp(guarded(good, len), len, &op, &st, key,
				      sizeof(key), val, sizeof(val)));

	for (i = 0; i < ARRAY_SIZE(bad_key); i++) {
		memcpy(b, good, len);
		wr32(b, 40, bad_key[i]);		/* key_size */
		EXPECT_EQ(-EBADMSG, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st,
						     key, sizeof(key), val, sizeof(val)))
			TH_LOG("key_size %u", bad_key[i]);
		EXPECT_STREQ("", key);
		EXPECT_STREQ("", val);
	}
	for (i = 0; i < ARRAY_SIZE(bad_value); i++) {
		memcpy(b, good, len);
		wr32(b, 44, bad_value[i]);		/* value_size */
		EXPECT_EQ(-EBADMSG, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st,
						     key, sizeof(key), val, sizeof(val)))
			TH_LOG("value_size %u", bad_value[i]);
		EXPECT_STREQ("", key);
	}

	/* full arrays with no NUL: bounded by the sizes, read to the last byte */
	memcpy(b, good, len);
	for (l = 0; l < 256; l++)
		wr16(b, 48 + 2 * l, 'K');
	wr32(b, 40, 512);
	for (l = 0; l < 1024; l++)
		wr16(b, 560 + 2 * l, 'V');
	wr32(b, 44, 2048);
	EXPECT_EQ(0, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st, key,
				      sizeof(key), val, sizeof(val)));
	EXPECT_EQ(256, strlen(key));
	EXPECT_EQ(1024, strlen(val));
	/* the value's last unit a high surrogate, with its pair out of bounds */
	wr16(b, 560 + 2046, 0xd83d);
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st, key,
					     sizeof(key), val, sizeof(val)));
	/* a key ending in a high surrogate whose pair would lie past it */
	memcpy(b, good, len);
	for (l = 0; l < 255; l++)
		wr16(b, 48 + 2 * l, 'K');
	wr16(b, 48 + 510, 0xd83d);
	wr32(b, 40, 512);
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st, key,
					     sizeof(key), val, sizeof(val)));
	/* an unpaired surrogate in a key */
	memcpy(b, good, len);
	wr16(b, 48, 0xdc00);
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st, key,
					     sizeof(key), val, sizeof(val)));

	/* truncated replies, at every length */
	for (l = 0; l < (uint32_t)len; l++)
		ASSERT_EQ(-EBADMSG, vmb_ic_parse_kvp(guarded(good, l), l, &op, &st,
						     key, sizeof(key), val, sizeof(val)))
			TH_LOG("len %u", l);

	/* unknown operations; the IP operations want their full size */
	memcpy(b, good, len);
	b[28] = 6;
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_kvp(b, len, &op, &st, key, sizeof(key),
					     val, sizeof(val)));
	b[28] = 0xff;
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_kvp(b, len, &op, &st, key, sizeof(key),
					     val, sizeof(val)));
	b[28] = 4;
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_kvp(b, len, &op, &st, key, sizeof(key),
					     val, sizeof(val)));
	memset(b + len, 0, 7456 - len);
	EXPECT_EQ(0, vmb_ic_parse_kvp(guarded(b, 7456), 7456, &op, &st, key,
				      sizeof(key), val, sizeof(val)));
	EXPECT_EQ(4, op);

	/* not a KVP reply */
	memcpy(b, good, len);
	b[25] = 0x03;
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_kvp(b, len, &op, &st, key, sizeof(key),
					     val, sizeof(val)));
	memcpy(b, good, len);
	wr16(b, 12, 1);
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_kvp(b, len, &op, &st, key, sizeof(key),
					     val, sizeof(val)));
}

/* The longest UTF-8 a guest can send fits the documented buffer sizes. */
TEST(kvp_largest)
{
	static char key[VMB_IC_KVP_KEY_UTF8_MAX], val[VMB_IC_KVP_VALUE_UTF8_MAX];
	static uint8_t b[MAXLEN];
	uint32_t st, l;
	uint8_t op;
	int len;

	len = vmb_ic_build_kvp_enumerate(b, MAXLEN, &kvp_neg, 2, 0);
	lx_reply_flags(b);
	wr32(b, 36, 1);
	for (l = 0; l < 256; l++)
		wr16(b, 48 + 2 * l, 0xffff);
	wr32(b, 40, 512);
	for (l = 0; l < 1024; l++)
		wr16(b, 560 + 2 * l, 0x0800);
	wr32(b, 44, 2048);
	EXPECT_EQ(0, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st,
				      key, sizeof(key), val, sizeof(val)));
	EXPECT_EQ(768, strlen(key));
	EXPECT_EQ(3072, strlen(val));
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st,
						  key, sizeof(key) - 1, val, sizeof(val)));
	EXPECT_EQ(-ENAMETOOLONG, vmb_ic_parse_kvp(guarded(b, len), len, &op, &st,
						  key, sizeof(key), val, sizeof(val) - 1));
}

/* Every parser on every truncation of every reply: no read past len. */
TEST(truncations)
{
	const struct vmb_ic_neg neg = { { 3, 0 }, { 3, 0 } };
	static uint8_t b[MAXLEN];
	const void *body;
	uint32_t st, bl, l;
	char k[8], v[8];
	uint64_t seq;
	uint8_t op;
	int len;

	len = vmb_ic_build_shutdown(b, MAXLEN, &neg, 0, "x");
	lx_reply_flags(b);
	for (l = 0; l <= (uint32_t)len; l++) {
		uint8_t *g = guarded(b, l);

		vmb_ic_parse_reply(g, l, 3, &st, &body, &bl);
		vmb_ic_parse_negotiate(g, l, vmb_ic_fw_versions, 2,
				       vmb_ic_sd_versions, 4, NULL);
		vmb_ic_parse_heartbeat(g, l, &st, &seq);
		vmb_ic_parse_timesync(g, l, &st);
		vmb_ic_parse_kvp(g, l, &op, &st, k, sizeof(k), v, sizeof(v));
		EXPECT_EQ(l == (uint32_t)len ? 0 : -EBADMSG,
			  vmb_ic_parse_shutdown(g, l, &st)) TH_LOG("len %u", l);
	}
	/* parse_reply: body and its length */
	EXPECT_EQ(0, vmb_ic_parse_reply(b, len, 3, &st, &body, &bl));
	EXPECT_EQ(b + 28, (const uint8_t *)body);
	EXPECT_EQ(2060, bl);
	EXPECT_EQ(-EBADMSG, vmb_ic_parse_reply(b, 28, 3, &st, &body, &bl));
	wr16(b, 18, 0);
	EXPECT_EQ(0, vmb_ic_parse_reply(guarded(b, 28), 28, 3, &st, &body, &bl));
	EXPECT_EQ(0, bl);
}

TEST_HARNESS_MAIN
