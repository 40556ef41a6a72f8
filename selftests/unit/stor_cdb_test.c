// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the guest's SCSI commands' check (lib/storage/stor_cdb.c):
 * what Linux 6.1's SCSI scan, sd and scsi_dh_alua send, with the buffer
 * sizes they use, must pass; each rule of the policy refuses with its
 * own sense; the arithmetic holds at the edges (READ (6)'s 0 for 256
 * blocks, LBAs at the top of 64 bits, transfers past 32 bits). Every CDB
 * is checked from the end of a page followed by an inaccessible one, so
 * that a read past cdb_len faults, and the sense buffer has a guard
 * after its VMB_STOR_SENSE_MAX bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "guarded.h"
#include <hvkvm/stor_cdb.h>

#pragma GCC diagnostic ignored "-Wsign-compare"

#define PAGE		4096

#define NONE		VMB_STOR_DATA_NONE
#define IN		VMB_STOR_DATA_IN
#define OUT		VMB_STOR_DATA_OUT

/* Verdicts: 0 (passed), or sense key, ASC and ASCQ as 0xKKAAQQ. */
#define OK		0
#define BAD_OPCODE	0x052000
#define BAD_FIELD	0x052400
#define BAD_LBA		0x052100
#define WRITE_PROT	0x072700
#define MALFORMED	(-1)

/*
 * The check, on the first len bytes of cdb: its verdict, or MALFORMED
 * when the sense is not the 18 bytes of fixed format sense, or spills
 * past VMB_STOR_SENSE_MAX.
 */
static int verdict(const uint8_t *cdb, uint32_t len, uint8_t dir,
		   uint32_t xfer, const struct vmb_stor_lun_info *lun)
{
	uint8_t sense[VMB_STOR_SENSE_MAX + 16];
	uint32_t i;
	int n;

	memset(sense, 0xa5, sizeof(sense));
	n = vmb_stor_cdb_check(guarded(cdb, len), len, dir, xfer, lun, sense);
	for (i = VMB_STOR_SENSE_MAX; i < sizeof(sense); i++)
		if (sense[i] != 0xa5)
			return MALFORMED;
	if (!n) {
		for (i = 0; i < VMB_STOR_SENSE_MAX; i++)
			if (sense[i] != 0xa5)
				return MALFORMED;	/* touched, yet passed */
		return OK;
	}
	if (n != 18 || sense[0] != 0x70 || sense[7] != 10)
		return MALFORMED;
	return sense[2] << 16 | sense[12] << 8 | sense[13];
}

/* The CDB at its opcode's size. */
static int v(const uint8_t *cdb, uint8_t dir, uint32_t xfer,
	     const struct vmb_stor_lun_info *lun)
{
	static const uint8_t size[8] = { 6, 10, 10, 16, 16, 12, 16, 16 };

	return verdict(cdb, size[cdb[0] >> 5], dir, xfer, lun);
}

/* 1 GiB of 512-byte blocks, read-write, no write cache */
static const struct vmb_stor_lun_info disk = {
	.nblocks = 1 << 21, .block_size = 512,
};

/* ---- CDBs as Linux builds them ---- */

struct cdb {
	uint8_t b[16];
};

static void put_be(uint8_t *p, uint64_t x, int n)
{
	while (n--) {
		p[n] = x & 0xff;
		x >>= 8;
	}
}

static struct cdb inquiry(uint8_t evpd, uint8_t page, uint16_t len)
{
	struct cdb c = { { 0x12, evpd, page } };

	put_be(c.b + 3, len, 2);
	return c;
}

/* scsi_mode_sense(): 6 bytes, or 10 with use_10_for_ms or len > 255 */
static struct cdb mode_sense(int ten, uint8_t dbd, uint8_t page, uint8_t sub,
			     uint16_t len)
{
	struct cdb c = { { ten ? 0x5a : 0x1a, dbd, page, sub } };

	if (ten)
		put_be(c.b + 7, len, 2);
	else
		c.b[4] = len;
	return c;
}

/* READ or WRITE (10, 12, 16) as sd_setup_rw*_cmnd() */
static struct cdb rw(uint8_t op, uint8_t flags, uint64_t lba, uint32_t n)
{
	struct cdb c = { { op, flags } };

	switch (op >> 5) {
	case 1:				/* 10 */
		put_be(c.b + 2, lba, 4);
		put_be(c.b + 7, n, 2);
		break;
	case 5:				/* 12 */
		put_be(c.b + 2, lba, 4);
		put_be(c.b + 6, n, 4);
		break;
	default:			/* 16 */
		put_be(c.b + 2, lba, 8);
		put_be(c.b + 10, n, 4);
		break;
	}
	return c;
}

static struct cdb rw6(uint8_t op, uint32_t lba, uint8_t n)
{
	struct cdb c = { { op, (lba >> 16) & 0x1f, lba >> 8, lba, n } };

	return c;
}

static struct cdb unmap10(uint16_t len)
{
	struct cdb c = { { 0x42 } };

	put_be(c.b + 7, len, 2);
	return c;
}

static struct cdb rtpg(uint8_t b1, uint32_t len)
{
	struct cdb c = { { 0xa3, b1 } };

	put_be(c.b + 6, len, 4);
	return c;
}

static struct cdb rc16(uint8_t sa, uint32_t len)
{
	struct cdb c = { { 0x9e, sa } };

	put_be(c.b + 10, len, 4);
	return c;
}

/* ---- tests ---- */

/*
 * Linux 6.1 bringing a disk up: scsi_probe_lun, scsi_report_lun_scan,
 * scsi_attach_vpd, sd_revalidate_disk, scsi_dh_alua; then its I/O.
 */
TEST(linux_disk)
{
	static const uint8_t vpd[] = { 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 };
	static const uint8_t tur[6] = { 0x00 };
	static const uint8_t rl[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0 };
	static const uint8_t rc10[10] = { 0x25 };
	static const uint8_t sync10[10] = { 0x35 };
	static const uint8_t sync16[16] = { 0x91 };
	static const uint8_t rs[6] = { 0x03, 0, 0, 0, 96, 0 };
	static const uint8_t start[6] = { 0x1b, 1, 0, 0, 1, 0 };
	struct vmb_stor_lun_info big = { 1ull << 33, 512, VMB_STOR_LUN_FUA };
	struct vmb_stor_lun_info thin = { 1 << 21, 4096, VMB_STOR_LUN_UNMAP };
	struct cdb c;
	unsigned int i;

	/* standard INQUIRY: 36 bytes, then the length the data gave */
	c = inquiry(0, 0, 36);
	EXPECT_EQ(OK, v(c.b, IN, 36, &disk));
	c = inquiry(0, 0, 96);
	EXPECT_EQ(OK, v(c.b, IN, 96, &disk));
	EXPECT_EQ(OK, v(rl, IN, 4096, &disk));
	EXPECT_EQ(OK, v(tur, NONE, 0, &disk));
	/* VPD: the list in 36 bytes, each page's header, then the page */
	c = inquiry(1, 0, 36);
	EXPECT_EQ(OK, v(c.b, IN, 36, &disk));
	for (i = 0; i < ARRAY_SIZE(vpd); i++) {
		c = inquiry(1, vpd[i], 4);
		EXPECT_EQ(OK, v(c.b, IN, 4, &disk));
		c = inquiry(1, vpd[i], 64);
		EXPECT_EQ(OK, v(c.b, IN, 64, &disk));
	}
	/* READ CAPACITY (16) with RC16_LEN, and (10) */
	c = rc16(0x10, 32);
	EXPECT_EQ(OK, v(c.b, IN, 32, &disk));
	EXPECT_EQ(OK, v(rc10, IN, 8, &disk));
	/* sd_read_write_protect_flag: all pages, 4 bytes; 255 at worst */
	c = mode_sense(0, 0, 0x3f, 0, 4);
	EXPECT_EQ(OK, v(c.b, IN, 4, &disk));
	c = mode_sense(0, 0, 0x3f, 0, 255);
	EXPECT_EQ(OK, v(c.b, IN, 255, &disk));
	/* sd_read_cache_type: the caching page, 4 bytes, then all 32 */
	c = mode_sense(0, 0, 0x08, 0, 4);
	EXPECT_EQ(OK, v(c.b, IN, 4, &disk));
	c = mode_sense(0, 0, 0x08, 0, 32);
	EXPECT_EQ(OK, v(c.b, IN, 32, &disk));
	/* informational exceptions (smartd, Windows), control page */
	c = mode_sense(1, 8, 0x1c, 0, 512);
	EXPECT_EQ(OK, v(c.b, IN, 512, &disk));
	c = mode_sense(0, 8, 0x0a, 0, 36);
	EXPECT_EQ(OK, v(c.b, IN, 36, &disk));
	/* scsi_dh_alua: REPORT TARGET PORT GROUPS, extended header, 128 */
	c = rtpg(0x2a, 128);
	EXPECT_EQ(OK, v(c.b, IN, 128, &disk));
	/* the SCSI error handler's REQUEST SENSE; sd_spinup_disk */
	EXPECT_EQ(OK, v(rs, IN, 96, &disk));
	EXPECT_EQ(OK, v(start, NONE, 0, &disk));

	/* I/O: 4 KiB reads and writes, up to the last block */
	c = rw(0x28, 0, 0, 8);
	EXPECT_EQ(OK, v(c.b, IN, 4096, &disk));
	c = rw(0x2a, 0, (1 << 21) - 8, 8);
	EXPECT_EQ(OK, v(c.b, OUT, 4096, &disk));
	c = rw(0x2a, 0, (1 << 21) - 2048, 2048);
	EXPECT_EQ(OK, v(c.b, OUT, 1 << 20, &disk));
	/* past 2^32 blocks: the 16-byte CDBs, FUA where the disk takes it */
	c = rw(0x88, 0, (1ull << 33) - 256, 256);
	EXPECT_EQ(OK, v(c.b, IN, 256 * 512, &big));
	c = rw(0x8a, 0x08, 1ull << 32, 1);
	EXPECT_EQ(OK, v(c.b, OUT, 512, &big));
	c = rw(0x2a, 0x08, 0, 1);
	EXPECT_EQ(OK, v(c.b, OUT, 512, &big));
	/* flushes, as sd_setup_flush_cmnd sends them */
	EXPECT_EQ(OK, v(sync10, NONE, 0, &disk));
	EXPECT_EQ(OK, v(sync16, NONE, 0, &disk));
	/* discard: sd_setup_unmap_cmnd's one descriptor, 24 bytes */
	c = unmap10(24);
	EXPECT_EQ(OK, v(c.b, OUT, 24, &thin));
	/* an empty request goes as "no data" */
	c = rw(0x28, 0, 0, 0);
	EXPECT_EQ(OK, v(c.b, NONE, 0, &disk));
}

/*
 * What LIO would log for, from newer guests: sd_read_io_hints (Linux
 * 6.10 on) asks for the IO advice hints grouping page, 0x0a/0x05, in a
 * MODE SENSE (10) of 512 bytes; sd takes the refusal as "none".
 */
TEST(linux_io_hints)
{
	struct cdb c = mode_sense(1, 8, 0x0a, 0x05, 512);

	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 512, &disk));
}

/* Everything off the list is an unknown opcode, whatever follows. */
TEST(allowlist)
{
	static const uint8_t allowed[] = {
		0x00, 0x03, 0x08, 0x0a, 0x12, 0x15, 0x1a, 0x1b, 0x25, 0x28,
		0x2a, 0x2e, 0x2f, 0x35, 0x42, 0x55, 0x5a, 0x88, 0x8a, 0x8e,
		0x8f, 0x91, 0x9e, 0xa0, 0xa3, 0xa8, 0xaa,
	};
	/* the ones left out on purpose, named */
	static const uint8_t refused[] = {
		0x83, 0x84,		/* EXTENDED COPY, RECEIVE COPY RESULTS */
		0x5e, 0x5f,		/* PERSISTENT RESERVE IN, OUT */
		0x16, 0x17, 0x56, 0x57,	/* RESERVE, RELEASE (6, 10) */
		0x89,			/* COMPARE AND WRITE */
		0x41, 0x93, 0x7f,	/* WRITE SAME (10, 16), variable */
		0x85, 0xa1,		/* ATA PASS-THROUGH (16, 12) */
		0xa4,			/* MAINTENANCE OUT */
		0x3b, 0x3c,		/* WRITE BUFFER, READ BUFFER */
		0x04,			/* FORMAT UNIT */
		0x1e,			/* PREVENT ALLOW MEDIUM REMOVAL */
		0x0b, 0x2b, 0x01,	/* SEEK (6, 10), REZERO UNIT */
		0x4c, 0x4d,		/* LOG SELECT, LOG SENSE */
		0x1c, 0x1d,		/* RECEIVE, SEND DIAGNOSTIC */
		0xa2, 0xb5,		/* SECURITY PROTOCOL IN, OUT */
		0x8c, 0x8d,		/* READ, WRITE ATTRIBUTE */
		0x9f,			/* SERVICE ACTION OUT (16) */
		0x34, 0x90,		/* PRE-FETCH (10, 16) */
	};
	struct vmb_stor_lun_info all = { 1 << 21, 512,
		VMB_STOR_LUN_FUA | VMB_STOR_LUN_UNMAP };
	uint8_t cdb[16] = { 0 };
	unsigned int op, i;
	int listed;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		cdb[0] = refused[i];
		EXPECT_EQ(BAD_OPCODE, verdict(cdb, 16, NONE, 0, &all))
			TH_LOG("opcode 0x%02x", refused[i]);
	}
	for (op = 0; op < 256; op++) {
		listed = !!memchr(allowed, op, sizeof(allowed));
		cdb[0] = op;
		cdb[1] = op == 0x9e ? 0x10 : op == 0xa3 ? 0x0a : 0;
		for (i = 0; i < 4; i++) {
			int r = verdict(cdb, 16, i < 3 ? i : NONE,
					i < 3 ? 0 : 512, &all);

			EXPECT_EQ(listed, r != BAD_OPCODE)
				TH_LOG("opcode 0x%02x", op);
			EXPECT_NE(MALFORMED, r);
		}
	}
}

/* A CDB shorter than its opcode's group: never read past it. */
TEST(cdb_length)
{
	static const struct { uint8_t op, size; } ops[] = {
		{ 0x00, 6 }, { 0x03, 6 }, { 0x08, 6 }, { 0x12, 6 },
		{ 0x1a, 6 }, { 0x25, 10 }, { 0x28, 10 }, { 0x35, 10 },
		{ 0x42, 10 }, { 0x5a, 10 }, { 0x88, 16 }, { 0x91, 16 },
		{ 0x9e, 16 }, { 0xa0, 12 }, { 0xa3, 12 }, { 0xa8, 12 },
	};
	struct vmb_stor_lun_info all = disk;
	uint8_t cdb[16] = { 0 };
	unsigned int i, len;

	all.flags = VMB_STOR_LUN_UNMAP;
	EXPECT_EQ(BAD_FIELD, verdict(cdb, 0, NONE, 0, &disk));
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		cdb[0] = ops[i].op;
		cdb[1] = ops[i].op == 0x9e ? 0x10 : ops[i].op == 0xa3 ? 0x0a : 0;
		for (len = 1; len < ops[i].size; len++)
			EXPECT_EQ(BAD_FIELD, verdict(cdb, len, NONE, 0, &all))
				TH_LOG("0x%02x, %u bytes", ops[i].op, len);
	}
	/* the CDB's own size, and the 16 bytes storvsc always has, pass */
	cdb[0] = 0x00;
	cdb[1] = 0;
	EXPECT_EQ(OK, verdict(cdb, 6, NONE, 0, &disk));
	EXPECT_EQ(OK, verdict(cdb, 16, NONE, 0, &disk));
	cdb[0] = 0x28;
	EXPECT_EQ(OK, verdict(cdb, 10, NONE, 0, &disk));
	cdb[0] = 0xa0;
	EXPECT_EQ(OK, verdict(cdb, 12, NONE, 0, &disk));
}

/* The direction is the opcode's; "no data" only when nothing moves. */
TEST(direction)
{
	static const uint8_t tur[6] = { 0x00 };
	static const uint8_t sync10[10] = { 0x35 };
	struct cdb c;

	/* a READ as a write, a WRITE as a read, either as "no data" */
	c = rw(0x28, 0, 0, 8);
	EXPECT_EQ(BAD_FIELD, v(c.b, OUT, 4096, &disk));
	EXPECT_EQ(BAD_FIELD, v(c.b, NONE, 4096, &disk));
	EXPECT_EQ(BAD_FIELD, v(c.b, 3, 4096, &disk));
	c = rw(0x2a, 0, 0, 8);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 4096, &disk));
	c = rw6(0x0a, 0, 8);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 4096, &disk));
	EXPECT_EQ(OK, v(c.b, OUT, 4096, &disk));
	/* commands without data: neither data nor a direction */
	EXPECT_EQ(BAD_FIELD, v(tur, NONE, 512, &disk));
	EXPECT_EQ(BAD_FIELD, v(tur, IN, 0, &disk));
	EXPECT_EQ(BAD_FIELD, v(tur, OUT, 0, &disk));
	EXPECT_EQ(BAD_FIELD, v(sync10, OUT, 512, &disk));
	/* a command that moves data, without any */
	c = inquiry(0, 0, 36);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 0, &disk));
	EXPECT_EQ(BAD_FIELD, v(c.b, NONE, 0, &disk));
	c = rw(0x28, 0, 0, 8);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 0, &disk));
	/* nothing to move: the opcode's direction or "no data", no buffer */
	c = inquiry(0, 0, 0);
	EXPECT_EQ(OK, v(c.b, IN, 0, &disk));
	EXPECT_EQ(OK, v(c.b, NONE, 0, &disk));
	EXPECT_EQ(BAD_FIELD, v(c.b, OUT, 0, &disk));
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 36, &disk));
	c = rw(0x2a, 0, 0, 0);
	EXPECT_EQ(OK, v(c.b, OUT, 0, &disk));
	EXPECT_EQ(OK, v(c.b, NONE, 0, &disk));
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 0, &disk));
	EXPECT_EQ(BAD_FIELD, v(c.b, OUT, 512, &disk));
}

/* READ and WRITE move exactly their blocks; others at least their count. */
TEST(transfer_length)
{
	static const uint8_t rc10[10] = { 0x25 };
	struct vmb_stor_lun_info k4 = { 1 << 20, 4096, 0 };
	struct vmb_stor_lun_info huge = { 1ull << 40, 512, 0 };
	uint8_t ms6[6] = { 0x15, 0x10, 0, 0, 28, 0 };
	uint8_t ms10[10] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0x01, 0x00, 0 };
	static const uint8_t ops[] = { 0x28, 0xa8, 0x88, 0x2a, 0xaa, 0x8a,
				       0x2e, 0x8e };
	struct cdb c;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		uint8_t dir = ops[i] == 0x28 || ops[i] == 0xa8 ||
			      ops[i] == 0x88 ? IN : OUT;

		c = rw(ops[i], 0, 16, 8);
		EXPECT_EQ(OK, v(c.b, dir, 4096, &disk)) TH_LOG("0x%02x", ops[i]);
		EXPECT_EQ(BAD_FIELD, v(c.b, dir, 4095, &disk));
		EXPECT_EQ(BAD_FIELD, v(c.b, dir, 4097, &disk));
		EXPECT_EQ(BAD_FIELD, v(c.b, dir, 8192, &disk));
		EXPECT_EQ(OK, v(c.b, dir, 32768, &k4));
		EXPECT_EQ(BAD_FIELD, v(c.b, dir, 4096, &k4));
	}
	/*
	 * 2^23 blocks of 512 bytes: 2^32 bytes, which LIO's 32-bit product
	 * makes 0. No buffer matches; none at all least of all.
	 */
	c = rw(0xa8, 0, 0, 1 << 23);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 0, &huge));
	EXPECT_EQ(BAD_FIELD, v(c.b, NONE, 0, &huge));
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, UINT32_MAX, &huge));
	c = rw(0x8a, 0, 0, UINT32_MAX);
	EXPECT_EQ(BAD_FIELD, v(c.b, OUT, UINT32_MAX - 511, &huge));

	/* allocation lengths: at least, a longer buffer is fine */
	c = inquiry(0, 0, 36);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 35, &disk));
	EXPECT_EQ(OK, v(c.b, IN, 4096, &disk));
	c = inquiry(1, 0x83, 0xffff);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 0xfffe, &disk));
	EXPECT_EQ(OK, v(c.b, IN, 0xffff, &disk));
	EXPECT_EQ(BAD_FIELD, v(rc10, IN, 7, &disk));
	EXPECT_EQ(OK, v(rc10, IN, 512, &disk));
	c = rc16(0x10, 32);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 31, &disk));
	c = rc16(0x10, UINT32_MAX);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, UINT32_MAX - 1, &disk));
	EXPECT_EQ(OK, v(c.b, IN, UINT32_MAX, &disk));
	c = mode_sense(1, 0, 0x3f, 0, 256);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 255, &disk));
	/* parameter lists: at least as well */
	EXPECT_EQ(OK, v(ms6, OUT, 28, &disk));
	EXPECT_EQ(OK, v(ms6, OUT, 512, &disk));
	EXPECT_EQ(BAD_FIELD, v(ms6, OUT, 27, &disk));
	EXPECT_EQ(BAD_FIELD, v(ms6, IN, 28, &disk));
	EXPECT_EQ(OK, v(ms10, OUT, 256, &disk));
	EXPECT_EQ(BAD_FIELD, v(ms10, OUT, 255, &disk));
	ms6[4] = 0;
	EXPECT_EQ(OK, v(ms6, OUT, 0, &disk));
	EXPECT_EQ(BAD_FIELD, v(ms6, OUT, 28, &disk));
}

/* READ (6) and WRITE (6): 21-bit LBAs, and 0 blocks means 256. */
TEST(read6_write6)
{
	struct vmb_stor_lun_info small = { 256, 512, 0 };
	struct vmb_stor_lun_info k4 = { 0x200000, 4096, 0 };
	struct cdb c;

	c = rw6(0x08, 0, 0);
	EXPECT_EQ(OK, v(c.b, IN, 256 * 512, &disk));
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 0, &disk));
	EXPECT_EQ(BAD_FIELD, v(c.b, NONE, 0, &disk));
	EXPECT_EQ(OK, v(c.b, IN, 256 * 512, &small));
	c = rw6(0x0a, 1, 0);
	EXPECT_EQ(BAD_LBA, v(c.b, OUT, 256 * 512, &small));
	c = rw6(0x0a, 255, 1);
	EXPECT_EQ(OK, v(c.b, OUT, 512, &small));
	c = rw6(0x08, 0x1fffff, 1);
	EXPECT_EQ(OK, v(c.b, IN, 4096, &k4));
	/* bits 5-7 of byte 1 are not the LBA's */
	c.b[1] |= 0xe0;
	EXPECT_EQ(OK, v(c.b, IN, 4096, &k4));
	c = rw6(0x08, 0x1fffff, 0);
	EXPECT_EQ(BAD_LBA, v(c.b, IN, 256 * 4096, &k4));
	/* and no DPO or FUA to refuse: byte 1 is all LBA */
	c = rw6(0x08, 0x180000, 1);
	EXPECT_EQ(OK, v(c.b, IN, 4096, &k4));
}

/* Blocks past the end, without wrapping around at 2^64. */
TEST(lba_range)
{
	struct vmb_stor_lun_info top = { UINT64_MAX, 512, 0 };
	struct vmb_stor_lun_info empty = { 0, 512, 0 };
	uint8_t sync16[16] = { 0x91 };
	uint8_t verify10[10] = { 0x2f };
	const uint64_t n = 1 << 21;
	struct cdb c;

	c = rw(0x28, 0, n - 8, 8);
	EXPECT_EQ(OK, v(c.b, IN, 4096, &disk));
	c = rw(0x28, 0, n - 7, 8);
	EXPECT_EQ(BAD_LBA, v(c.b, IN, 4096, &disk));
	c = rw(0xaa, 0, n, 1);
	EXPECT_EQ(BAD_LBA, v(c.b, OUT, 512, &disk));
	c = rw(0x28, 0, 0xffffffff, 1);
	EXPECT_EQ(BAD_LBA, v(c.b, IN, 512, &disk));
	/* lba + blocks wrapping to 0, or to just below the end */
	c = rw(0x88, 0, UINT64_MAX, 1);
	EXPECT_EQ(BAD_LBA, v(c.b, IN, 512, &disk));
	c = rw(0x88, 0, UINT64_MAX - 7, 8);
	EXPECT_EQ(BAD_LBA, v(c.b, IN, 4096, &disk));
	c = rw(0x8a, 0, UINT64_MAX - 0xfffffffeull, 0xffffffff);
	EXPECT_EQ(BAD_LBA, v(c.b, OUT, 0, &top));
	c = rw(0x88, 0, UINT64_MAX - 1, 2);
	EXPECT_EQ(BAD_LBA, v(c.b, IN, 1024, &top));
	c = rw(0x88, 0, UINT64_MAX - 2, 2);
	EXPECT_EQ(OK, v(c.b, IN, 1024, &top));
	/* nothing to move: at the end is fine (as LIO counts), past is not */
	c = rw(0x88, 0, n, 0);
	EXPECT_EQ(OK, v(c.b, IN, 0, &disk));
	c = rw(0x88, 0, n + 1, 0);
	EXPECT_EQ(BAD_LBA, v(c.b, IN, 0, &disk));
	c = rw(0x88, 0, UINT64_MAX, 0);
	EXPECT_EQ(OK, v(c.b, IN, 0, &top));
	c = rw(0x28, 0, 0, 1);
	EXPECT_EQ(BAD_LBA, v(c.b, IN, 512, &empty));
	/* SYNCHRONIZE CACHE and VERIFY name blocks too */
	put_be(sync16 + 2, n - 1, 8);
	put_be(sync16 + 10, 1, 4);
	EXPECT_EQ(OK, v(sync16, NONE, 0, &disk));
	put_be(sync16 + 10, 2, 4);
	EXPECT_EQ(BAD_LBA, v(sync16, NONE, 0, &disk));
	put_be(sync16 + 2, UINT64_MAX, 8);
	EXPECT_EQ(BAD_LBA, v(sync16, NONE, 0, &disk));
	put_be(verify10 + 2, n, 4);
	put_be(verify10 + 7, 1, 2);
	EXPECT_EQ(BAD_LBA, v(verify10, NONE, 0, &disk));
	put_be(verify10 + 2, n - 1, 4);
	EXPECT_EQ(OK, v(verify10, NONE, 0, &disk));
}

/* DPO and FUA only where the LUN takes them; never protection bits. */
TEST(dpo_fua_protect)
{
	static const uint8_t ops[] = { 0x28, 0xa8, 0x88, 0x2a, 0xaa, 0x8a,
				       0x2e, 0x8e };
	struct vmb_stor_lun_info fua = disk;
	uint8_t verify16[16] = { 0x8f };
	unsigned int i, p;
	struct cdb c;

	fua.flags = VMB_STOR_LUN_FUA;
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		uint8_t dir = ops[i] == 0x28 || ops[i] == 0xa8 ||
			      ops[i] == 0x88 ? IN : OUT;

		c = rw(ops[i], 0x08, 0, 1);
		EXPECT_EQ(BAD_FIELD, v(c.b, dir, 512, &disk))
			TH_LOG("0x%02x", ops[i]);
		EXPECT_EQ(OK, v(c.b, dir, 512, &fua));
		c.b[1] = 0x10;
		EXPECT_EQ(BAD_FIELD, v(c.b, dir, 512, &disk));
		EXPECT_EQ(OK, v(c.b, dir, 512, &fua));
		c.b[1] = 0x18;
		EXPECT_EQ(OK, v(c.b, dir, 512, &fua));
		/* bits LIO ignores: RARC, FUA_NV, obsolete */
		c.b[1] = 0x07;
		EXPECT_EQ(OK, v(c.b, dir, 512, &disk));
		for (p = 1; p < 8; p++) {
			c.b[1] = p << 5;
			EXPECT_EQ(BAD_FIELD, v(c.b, dir, 512, &fua));
		}
	}
	/* VERIFY: no protection either, and no data to compare */
	put_be(verify16 + 10, 8, 4);
	EXPECT_EQ(OK, v(verify16, NONE, 0, &disk));
	verify16[1] = 0x20;
	EXPECT_EQ(BAD_FIELD, v(verify16, NONE, 0, &disk));
	verify16[1] = 0x02;
	EXPECT_EQ(BAD_FIELD, v(verify16, NONE, 0, &disk));
	EXPECT_EQ(BAD_FIELD, v(verify16, OUT, 4096, &disk));
	verify16[1] = 0x04;
	EXPECT_EQ(BAD_FIELD, v(verify16, NONE, 0, &disk));
	verify16[1] = 0x10;	/* DPO: a hint LIO ignores */
	EXPECT_EQ(OK, v(verify16, NONE, 0, &disk));
}

/* A read-only LUN: everything that sends data is refused, nothing else. */
TEST(read_only)
{
	struct vmb_stor_lun_info ro = { 1 << 21, 512,
		VMB_STOR_LUN_RO | VMB_STOR_LUN_UNMAP | VMB_STOR_LUN_FUA };
	static const uint8_t ms6[6] = { 0x15, 0x10, 0, 0, 28, 0 };
	static const uint8_t ms10[10] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t sync10[10] = { 0x35 };
	struct cdb c;

	c = rw6(0x0a, 0, 1);
	EXPECT_EQ(WRITE_PROT, v(c.b, OUT, 512, &ro));
	c = rw(0x2a, 0, 0, 1);
	EXPECT_EQ(WRITE_PROT, v(c.b, OUT, 512, &ro));
	c = rw(0xaa, 0x08, 0, 1);
	EXPECT_EQ(WRITE_PROT, v(c.b, OUT, 512, &ro));
	c = rw(0x8a, 0, 0, 1);
	EXPECT_EQ(WRITE_PROT, v(c.b, OUT, 512, &ro));
	c = rw(0x2e, 0, 0, 1);
	EXPECT_EQ(WRITE_PROT, v(c.b, OUT, 512, &ro));
	c = rw(0x8e, 0, 0, 1);
	EXPECT_EQ(WRITE_PROT, v(c.b, OUT, 512, &ro));
	/* even when it writes nothing, or is malformed too */
	c = rw(0x2a, 0, 0, 0);
	EXPECT_EQ(WRITE_PROT, v(c.b, NONE, 0, &ro));
	c = rw(0x2a, 0, UINT32_MAX, 1);
	EXPECT_EQ(WRITE_PROT, v(c.b, IN, 0, &ro));
	c = unmap10(24);
	EXPECT_EQ(WRITE_PROT, v(c.b, OUT, 24, &ro));
	EXPECT_EQ(WRITE_PROT, v(ms6, OUT, 28, &ro));
	EXPECT_EQ(WRITE_PROT, v(ms10, NONE, 0, &ro));
	/* reads, flushes, questions */
	c = rw(0x88, 0x08, 0, 1);
	EXPECT_EQ(OK, v(c.b, IN, 512, &ro));
	EXPECT_EQ(OK, v(sync10, NONE, 0, &ro));
	c = mode_sense(0, 0, 0x3f, 0, 4);
	EXPECT_EQ(OK, v(c.b, IN, 4, &ro));
	c = inquiry(0, 0, 36);
	EXPECT_EQ(OK, v(c.b, IN, 36, &ro));
}

TEST(inquiry_and_request_sense)
{
	static const uint8_t rs_desc[6] = { 0x03, 0x01, 0, 0, 252, 0 };
	struct cdb c;

	/* a page code without EVPD */
	c = inquiry(0, 0x80, 36);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 36, &disk));
	c = inquiry(0, 0x01, 36);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 36, &disk));
	/* pages LIO does not have it refuses silently: passed on */
	c = inquiry(1, 0xc0, 255);
	EXPECT_EQ(OK, v(c.b, IN, 255, &disk));
	/* descriptor-format sense */
	EXPECT_EQ(BAD_FIELD, v(rs_desc, IN, 252, &disk));
}

/* Only the mode pages and subpages LIO has. */
TEST(mode_pages)
{
	static const struct { uint8_t page, sub; int want; } t[] = {
		{ 0x01, 0x00, OK }, { 0x08, 0x00, OK }, { 0x0a, 0x00, OK },
		{ 0x1c, 0x00, OK }, { 0x3f, 0x00, OK }, { 0x3f, 0xff, OK },
		{ 0x00, 0x00, BAD_FIELD },	/* vendor page: sd's 2nd try */
		{ 0x02, 0x00, BAD_FIELD }, { 0x03, 0x00, BAD_FIELD },
		{ 0x04, 0x00, BAD_FIELD }, { 0x07, 0x00, BAD_FIELD },
		{ 0x19, 0x00, BAD_FIELD }, { 0x1a, 0x00, BAD_FIELD },
		{ 0x3e, 0x00, BAD_FIELD },
		{ 0x0a, 0x01, BAD_FIELD },	/* control extension */
		{ 0x0a, 0x05, BAD_FIELD },	/* IO advice hints */
		{ 0x0a, 0xf1, BAD_FIELD },	/* PATA control */
		{ 0x08, 0xff, BAD_FIELD }, { 0x1c, 0x01, BAD_FIELD },
		{ 0x3f, 0x01, BAD_FIELD }, { 0x3f, 0xfe, BAD_FIELD },
	};
	unsigned int i, pc, ten;
	struct cdb c;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		for (ten = 0; ten < 2; ten++)
			for (pc = 0; pc < 4; pc++) {
				c = mode_sense(ten, ten ? 0x18 : 0x08,
					       pc << 6 | t[i].page, t[i].sub,
					       ten ? 300 : 200);
				EXPECT_EQ(t[i].want,
					  v(c.b, IN, ten ? 300 : 200, &disk))
					TH_LOG("page 0x%02x/0x%02x pc %u, %s",
					       t[i].page, t[i].sub, pc,
					       ten ? "10" : "6");
			}
}

/* SERVICE ACTION IN and MAINTENANCE IN: one service action each. */
TEST(service_actions)
{
	unsigned int sa;
	struct cdb c;

	for (sa = 0; sa < 32; sa++) {
		c = rc16(sa, 32);
		EXPECT_EQ(sa == 0x10 ? OK : BAD_FIELD, v(c.b, IN, 32, &disk))
			TH_LOG("SERVICE ACTION IN 0x%02x", sa);
		c = rtpg(sa, 128);
		EXPECT_EQ(sa == 0x0a ? OK : BAD_FIELD, v(c.b, IN, 128, &disk))
			TH_LOG("MAINTENANCE IN 0x%02x", sa);
	}
	/* GET LBA STATUS, REPORT REFERRALS; REPORT SUPPORTED OPCODES */
	c = rc16(0x12, 24);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 24, &disk));
	c = rc16(0x13, 64);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 64, &disk));
	c = rtpg(0x0c, 64);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 64, &disk));
	/* RTPG shorter than its header: 4 bytes, 8 extended */
	c = rtpg(0x0a, 3);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 3, &disk));
	c = rtpg(0x0a, 4);
	EXPECT_EQ(OK, v(c.b, IN, 4, &disk));
	c = rtpg(0x2a, 7);
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 7, &disk));
	c = rtpg(0x2a, 8);
	EXPECT_EQ(OK, v(c.b, IN, 8, &disk));
	c = rtpg(0x2a, 0);
	EXPECT_EQ(BAD_FIELD, v(c.b, NONE, 0, &disk));
}

TEST(unmap)
{
	struct vmb_stor_lun_info thin = disk;
	struct cdb c;

	/* a LUN without it: as LIO answers, an unknown opcode */
	c = unmap10(24);
	EXPECT_EQ(BAD_OPCODE, v(c.b, OUT, 24, &disk));
	thin.flags = VMB_STOR_LUN_UNMAP;
	EXPECT_EQ(OK, v(c.b, OUT, 24, &thin));
	EXPECT_EQ(OK, v(c.b, OUT, 512, &thin));
	EXPECT_EQ(BAD_FIELD, v(c.b, OUT, 16, &thin));
	EXPECT_EQ(BAD_FIELD, v(c.b, IN, 24, &thin));
	EXPECT_EQ(BAD_FIELD, v(c.b, NONE, 0, &thin));
	/* an empty list is fine, one shorter than its header is not */
	c = unmap10(0);
	EXPECT_EQ(OK, v(c.b, OUT, 0, &thin));
	EXPECT_EQ(OK, v(c.b, NONE, 0, &thin));
	EXPECT_EQ(BAD_FIELD, v(c.b, OUT, 24, &thin));
	c = unmap10(7);
	EXPECT_EQ(BAD_FIELD, v(c.b, OUT, 7, &thin));
	c = unmap10(1);
	EXPECT_EQ(BAD_FIELD, v(c.b, OUT, 8, &thin));
	c = unmap10(8);
	EXPECT_EQ(OK, v(c.b, OUT, 8, &thin));
	/* ANCHOR */
	c = unmap10(24);
	c.b[1] = 0x01;
	EXPECT_EQ(BAD_FIELD, v(c.b, OUT, 24, &thin));
}

/* The parameter list itself, copied out of the guest's pages. */
TEST(unmap_list)
{
	uint8_t l[40] = { 0, 22, 0, 16 }, sense[VMB_STOR_SENSE_MAX];

	/* header and one descriptor, as sd sends it */
	EXPECT_EQ(0, vmb_stor_unmap_check(l, 24, sense));
	EXPECT_EQ(0, vmb_stor_unmap_check(l, 40, sense));
	EXPECT_EQ(0, vmb_stor_unmap_check(l, 0, sense));
	/* a descriptor length past the list (LIO warns), a short header */
	EXPECT_EQ(18, vmb_stor_unmap_check(l, 23, sense));
	EXPECT_EQ(0x05, sense[2]);
	EXPECT_EQ(0x1a, sense[12]);
	EXPECT_EQ(18, vmb_stor_unmap_check(l, 7, sense));
	l[3] = 0;
	EXPECT_EQ(0, vmb_stor_unmap_check(l, 8, sense));
	l[2] = 1;
	EXPECT_EQ(18, vmb_stor_unmap_check(l, 40, sense));
}

TEST_HARNESS_MAIN
