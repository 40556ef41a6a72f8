// SPDX-License-Identifier: GPL-2.0
/*
 * The SCSI commands a guest may send to a disk, checked against what
 * LIO (Linux 6.1 and 6.12: target_core_sbc.c sbc_parse_cdb,
 * target_core_spc.c spc_parse_cdb and the emulations behind them)
 * carries out without trusting the fabric too far or logging. The
 * policy, and why, is in stor_cdb.h.
 */
#include <hvkvm/stor_cdb.h>

#define SENSE_ILLEGAL_REQUEST	0x05
#define SENSE_DATA_PROTECT	0x07

#define ASC_PARAMETER_LIST_LENGTH 0x1a
#define ASC_INVALID_OPCODE	0x20
#define ASC_LBA_OUT_OF_RANGE	0x21
#define ASC_INVALID_FIELD	0x24
#define ASC_WRITE_PROTECTED	0x27

/* Why a command is refused; each maps to one sense key and code. */
enum verdict {
	CDB_OK,
	CDB_BAD_OPCODE,
	CDB_BAD_FIELD,
	CDB_BAD_LBA,
	CDB_WRITE_PROTECTED,
};

/* How a CDB counts the bytes its command moves. */
enum count {
	COUNT_NONE,	/* no data */
	COUNT_BLOCKS,	/* its blocks times the block size, exactly */
	COUNT_FIXED,	/* off bytes, always */
	COUNT_FIELD,	/* a big-endian field of width bytes at off */
};

/* byte 1's flags */
#define B1_PROTECT	0xe0	/* RDPROTECT, WRPROTECT, VRPROTECT */
#define B1_DPO		0x10
#define B1_FUA		0x08
#define B1_BYTCHK	0x06	/* VERIFY: compare with data sent */
#define B1_DESC		0x01	/* REQUEST SENSE: descriptor format */
#define B1_SA		0x1f	/* service action */
#define B1_EVPD		0x01	/* INQUIRY: a VPD page */
#define B1_RTPG_EXT	0x20	/* REPORT TARGET PORT GROUPS: long header */

/* rule flags */
#define R_LBA		0x1	/* names blocks: they must lie on the LUN */
#define R_DPOFUA	0x2	/* DPO and FUA only where the LUN takes them */
#define R_SA		0x4	/* only service action sa */
#define R_UNMAP		0x8	/* only where the LUN takes UNMAP */

struct cdb_rule {
	u8 op;
	u8 size;	/* CDB bytes, from the opcode's group */
	u8 dir;		/* VMB_STOR_DATA_*: DATA_OUT is a write */
	u8 count;	/* enum count */
	u8 off, width;	/* COUNT_FIELD; COUNT_FIXED: off bytes */
	u8 zero1;	/* bits of byte 1 that must be clear */
	u8 flags;	/* R_* */
	u8 sa;		/* R_SA */
	enum verdict (*check)(const u8 *cdb);	/* anything else, or NULL */
};

/* ---- what some opcodes need beyond the table ---- */

/* A page code without EVPD makes LIO log (spc_emulate_inquiry). */
static enum verdict inquiry(const u8 *cdb)
{
	return !(cdb[1] & B1_EVPD) && cdb[2] ? CDB_BAD_FIELD : CDB_OK;
}

/*
 * The pages spc_emulate_modesense has (the same in 6.1 and 6.12), each
 * with subpage 0, and all of them (0x3f) with subpage 0 or 0xff. It logs
 * for any other page or subpage but 0x03; that one is refused too (LIO
 * would refuse it with the same sense).
 */
static enum verdict mode_sense(const u8 *cdb)
{
	u8 page = cdb[2] & 0x3f, sub = cdb[3];

	if (page == 0x3f)
		return sub == 0x00 || sub == 0xff ? CDB_OK : CDB_BAD_FIELD;
	if (sub)
		return CDB_BAD_FIELD;
	switch (page) {
	case 0x01:	/* read-write error recovery */
	case 0x08:	/* caching */
	case 0x0a:	/* control */
	case 0x1c:	/* informational exceptions control */
		return CDB_OK;
	default:
		return CDB_BAD_FIELD;
	}
}

/*
 * REPORT TARGET PORT GROUPS logs when the allocation length is shorter
 * than the header: 4 bytes, 8 for the extended format.
 */
static enum verdict rtpg(const u8 *cdb)
{
	u32 min = cdb[1] & B1_RTPG_EXT ? 8 : 4;

	return vmb_stor_be32(cdb + 6) < min ? CDB_BAD_FIELD : CDB_OK;
}

/*
 * LIO logs for a parameter list of 1 to 7 bytes (and for UNMAP on a
 * device without emulate_tpu: R_UNMAP); it refuses, silently, a nonzero
 * byte 1 (ANCHOR), and so does the table.
 */
static enum verdict unmap(const u8 *cdb)
{
	u32 len = vmb_stor_be16(cdb + 7);

	return len && len < 8 ? CDB_BAD_FIELD : CDB_OK;
}

/* ---- the allowlist ---- */

#define NODATA	VMB_STOR_DATA_NONE
#define DIN	VMB_STOR_DATA_IN
#define DOUT	VMB_STOR_DATA_OUT

/*
 * Left out on purpose (refused as unknown opcodes):
 *  - PERSISTENT RESERVE IN/OUT (0x5e, 0x5f), RESERVE and RELEASE (6 and
 *    10): reservations are state shared with every initiator of the
 *    device; PR OUT with APTPL writes a file on the host, and LIO logs,
 *    without a rate limit, on most malformed ones.
 *  - EXTENDED COPY and RECEIVE COPY RESULTS (0x83, 0x84): a copy names
 *    its source and destination devices, which may be other guests'
 *    disks; LIO logs on malformed ones, and on every one when
 *    emulate_3pc is off.
 *  - COMPARE AND WRITE (0x89): LIO's path for one failed or aborted
 *    before it ran can release a semaphore it never took (6.12 warns
 *    there); and LIO logs for more than one block.
 *  - WRITE SAME (10, 16, and 32 through 0x7f): LIO logs on a zero count,
 *    PBDATA, LBDATA, ANCHOR, NDOB, ranges past max_write_same_len or the
 *    end of the LUN, and its backends on a buffer not in one piece.
 *    LIO logs every other variable-length CDB (0x7f) as well.
 *  - MAINTENANCE OUT (0xa4): SET TARGET PORT GROUPS changes the host's
 *    ALUA state. Of MAINTENANCE IN only REPORT TARGET PORT GROUPS stays
 *    (6.12's REPORT SUPPORTED OPERATION CODES would list the commands
 *    refused here).
 *  - ATA PASS-THROUGH (0x85, 0xa1), READ and WRITE BUFFER, FORMAT UNIT,
 *    LOG SENSE and SELECT, SEND and RECEIVE DIAGNOSTIC, SECURITY
 *    PROTOCOL IN and OUT, READ and WRITE ATTRIBUTE: LIO does not carry
 *    them out.
 *  - PREVENT ALLOW MEDIUM REMOVAL (0x1e): neither 6.1 nor 6.12 has it
 *    (the disks are not removable, so guests do not send it).
 *  - SEEK (6, 10) and REZERO UNIT: no-ops in LIO, of no use to a guest.
 *  - SERVICE ACTION IN other than READ CAPACITY (16): LIO has no GET LBA
 *    STATUS and logs for every service action it lacks; REPORT REFERRALS
 *    logs on a short allocation length.
 *
 * MODE SELECT (6, 10) stays: LIO only compares the page sent with the
 * one it would report, silently, and changes nothing. It sends data, so
 * it is refused on a read-only LUN like any write (LIO would log there).
 */
#define RULE(o, s, d, ...) \
	{ .op = (o), .size = (s), .dir = (d), __VA_ARGS__ }
#define BLOCKS		.count = COUNT_BLOCKS
#define FIXED(n)	.count = COUNT_FIXED, .off = (n)
#define FIELD(o, w)	.count = COUNT_FIELD, .off = (o), .width = (w)
#define RW		BLOCKS, .zero1 = B1_PROTECT, .flags = R_LBA | R_DPOFUA
#define VERIFY		.zero1 = B1_PROTECT | B1_BYTCHK, .flags = R_LBA

static const struct cdb_rule rules[] = {
	/* TEST UNIT READY */
	RULE(0x00, 6, NODATA),
	/* REQUEST SENSE */
	RULE(0x03, 6, DIN, FIELD(4, 1), .zero1 = B1_DESC),
	/* READ (6), WRITE (6) */
	RULE(0x08, 6, DIN, BLOCKS, .flags = R_LBA),
	RULE(0x0a, 6, DOUT, BLOCKS, .flags = R_LBA),
	/* INQUIRY */
	RULE(0x12, 6, DIN, FIELD(3, 2), .check = inquiry),
	/* MODE SELECT (6), MODE SENSE (6) */
	RULE(0x15, 6, DOUT, FIELD(4, 1)),
	RULE(0x1a, 6, DIN, FIELD(4, 1), .check = mode_sense),
	/* START STOP UNIT: LIO refuses all but "start, at once", silently */
	RULE(0x1b, 6, NODATA),
	/* READ CAPACITY (10) */
	RULE(0x25, 10, DIN, FIXED(8)),
	/* READ (10), WRITE (10), WRITE AND VERIFY (10), VERIFY (10) */
	RULE(0x28, 10, DIN, RW),
	RULE(0x2a, 10, DOUT, RW),
	RULE(0x2e, 10, DOUT, RW),
	RULE(0x2f, 10, NODATA, VERIFY),
	/* SYNCHRONIZE CACHE (10) */
	RULE(0x35, 10, NODATA, .flags = R_LBA),
	/* UNMAP */
	RULE(0x42, 10, DOUT, FIELD(7, 2), .zero1 = 0xff, .flags = R_UNMAP,
	     .check = unmap),
	/* MODE SELECT (10), MODE SENSE (10) */
	RULE(0x55, 10, DOUT, FIELD(7, 2)),
	RULE(0x5a, 10, DIN, FIELD(7, 2), .check = mode_sense),
	/* READ (16), WRITE (16), WRITE AND VERIFY (16), VERIFY (16) */
	RULE(0x88, 16, DIN, RW),
	RULE(0x8a, 16, DOUT, RW),
	RULE(0x8e, 16, DOUT, RW),
	RULE(0x8f, 16, NODATA, VERIFY),
	/* SYNCHRONIZE CACHE (16) */
	RULE(0x91, 16, NODATA, .flags = R_LBA),
	/* SERVICE ACTION IN (16): READ CAPACITY (16) */
	RULE(0x9e, 16, DIN, FIELD(10, 4), .flags = R_SA, .sa = 0x10),
	/* REPORT LUNS */
	RULE(0xa0, 12, DIN, FIELD(6, 4)),
	/* MAINTENANCE IN: REPORT TARGET PORT GROUPS */
	RULE(0xa3, 12, DIN, FIELD(6, 4), .flags = R_SA, .sa = 0x0a,
	     .check = rtpg),
	/* READ (12), WRITE (12) */
	RULE(0xa8, 12, DIN, RW),
	RULE(0xaa, 12, DOUT, RW),
};

#undef RULE
#undef BLOCKS
#undef FIXED
#undef FIELD
#undef RW
#undef VERIFY
#undef NODATA
#undef DIN
#undef DOUT

static const struct cdb_rule *find_rule(u8 op)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(rules); i++)
		if (rules[i].op == op)
			return &rules[i];
	return NULL;
}

/*
 * The blocks a CDB names, laid out by its size as READ and WRITE have
 * them (VERIFY and SYNCHRONIZE CACHE too): a 6-byte CDB has a 21-bit
 * LBA and 0 for 256 blocks.
 */
static void blocks(const u8 *cdb, u8 size, u64 *lba, u64 *n)
{
	switch (size) {
	case 6:
		*lba = (u64)(cdb[1] & 0x1f) << 16 | vmb_stor_be16(cdb + 2);
		*n = cdb[4] ? cdb[4] : 256;
		break;
	case 10:
		*lba = vmb_stor_be32(cdb + 2);
		*n = vmb_stor_be16(cdb + 7);
		break;
	case 12:
		*lba = vmb_stor_be32(cdb + 2);
		*n = vmb_stor_be32(cdb + 6);
		break;
	default:
		*lba = vmb_stor_be64(cdb + 2);
		*n = vmb_stor_be32(cdb + 10);
		break;
	}
}

static u32 field(const u8 *p, u8 width)
{
	switch (width) {
	case 1:
		return p[0];
	case 2:
		return vmb_stor_be16(p);
	default:
		return vmb_stor_be32(p);
	}
}

static enum verdict check(const u8 *cdb, u32 cdb_len, u8 dir, u32 xfer,
			  const struct vmb_stor_lun_info *lun)
{
	const struct cdb_rule *r;
	enum verdict v;
	u64 lba = 0, n = 0, bytes = 0;

	if (!cdb_len)
		return CDB_BAD_FIELD;
	r = find_rule(cdb[0]);
	if (!r)
		return CDB_BAD_OPCODE;
	if (cdb_len < r->size)
		return CDB_BAD_FIELD;
	if (r->dir == VMB_STOR_DATA_OUT && (lun->flags & VMB_STOR_LUN_RO))
		return CDB_WRITE_PROTECTED;
	if ((r->flags & R_UNMAP) && !(lun->flags & VMB_STOR_LUN_UNMAP))
		return CDB_BAD_OPCODE;	/* as LIO answers it */
	if ((r->flags & R_SA) && (cdb[1] & B1_SA) != r->sa)
		return CDB_BAD_FIELD;
	if (cdb[1] & r->zero1)
		return CDB_BAD_FIELD;
	if ((r->flags & R_DPOFUA) && (cdb[1] & (B1_DPO | B1_FUA)) &&
	    !(lun->flags & VMB_STOR_LUN_FUA))
		return CDB_BAD_FIELD;
	if (r->check) {
		v = r->check(cdb);
		if (v != CDB_OK)
			return v;
	}
	if (r->flags & R_LBA) {
		blocks(cdb, r->size, &lba, &n);
		/* as LIO counts: lba + n may reach nblocks, not pass it */
		if (lba > lun->nblocks || n > lun->nblocks - lba)
			return CDB_BAD_LBA;
	}

	switch (r->count) {
	case COUNT_BLOCKS:
		bytes = n * lun->block_size;	/* < 2^64: both are u32 */
		break;
	case COUNT_FIXED:
		bytes = r->off;
		break;
	case COUNT_FIELD:
		bytes = field(cdb + r->off, r->width);
		break;
	}
	if (!bytes) {
		/* nothing moves: no buffer, and "no data" will do */
		if (xfer || (dir != r->dir && dir != VMB_STOR_DATA_NONE))
			return CDB_BAD_FIELD;
		return CDB_OK;
	}
	if (dir != r->dir)
		return CDB_BAD_FIELD;
	/*
	 * READ and WRITE exactly: LIO's backends walk the whole of the
	 * scatterlist, whatever the CDB says. Others return at most their
	 * allocation length, or take their parameter list from its start.
	 */
	if (r->count == COUNT_BLOCKS ? xfer != bytes : xfer < bytes)
		return CDB_BAD_FIELD;
	return CDB_OK;
}

int vmb_stor_cdb_check(const u8 *cdb, u32 cdb_len, u8 dir, u32 xfer,
		       const struct vmb_stor_lun_info *lun, u8 *sense)
{
	switch (check(cdb, cdb_len, dir, xfer, lun)) {
	case CDB_OK:
		return 0;
	case CDB_BAD_OPCODE:
		return vmb_stor_sense(sense, SENSE_ILLEGAL_REQUEST,
				      ASC_INVALID_OPCODE, 0);
	case CDB_BAD_LBA:
		return vmb_stor_sense(sense, SENSE_ILLEGAL_REQUEST,
				      ASC_LBA_OUT_OF_RANGE, 0);
	case CDB_WRITE_PROTECTED:
		return vmb_stor_sense(sense, SENSE_DATA_PROTECT,
				      ASC_WRITE_PROTECTED, 0);
	default:
		return vmb_stor_sense(sense, SENSE_ILLEGAL_REQUEST,
				      ASC_INVALID_FIELD, 0);
	}
}

int vmb_stor_unmap_check(const u8 *list, u32 len, u8 *sense)
{
	if (!len || (len >= 8 && vmb_stor_be16(list + 2) <= len - 8))
		return 0;
	return vmb_stor_sense(sense, SENSE_ILLEGAL_REQUEST,
			      ASC_PARAMETER_LIST_LENGTH, 0);
}
