// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for lib/storage/stor_cdb.c: a guest's CDB, direction
 * and buffer length against a LUN, checked before they go to LIO.
 *
 * Input: a control byte (bits 0-2: the LUN's VMB_STOR_LUN_* flags; bits
 * 3-4: the direction, 3 being none of the valid ones; bit 5: 4096-byte
 * blocks, else 512; bit 6: the buffer length is what the CDB asks for
 * plus the length field's low byte, signed, else the length field
 * itself), the LUN's size in blocks (8 bytes, little-endian), the buffer
 * length (4 bytes), then the CDB: every byte left, up to 32. The CDB
 * sits in a buffer of exactly its length, and the sense in one of
 * exactly VMB_STOR_SENSE_MAX bytes, so ASan sees any access past them.
 *
 * The policy is written out a second time here, opcode by opcode, and
 * the two must agree on every input: a command passes if and only if
 * this says it should. A command that passes moves data in its opcode's
 * direction (or moves none) and fits the guest's buffer; one refused
 * carries fixed-format sense of the kinds the policy gives.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvkvm/stor_cdb.h>

#include "fuzz_check.h"

#define NONE	VMB_STOR_DATA_NONE
#define IN	VMB_STOR_DATA_IN
#define OUT	VMB_STOR_DATA_OUT

/* What the policy says of an opcode, from the CDB (zero-padded). */
struct want {
	int listed;
	unsigned int size;	/* CDB bytes */
	uint8_t dir;		/* the opcode's */
	int exact;		/* READ/WRITE: exactly bytes */
	uint64_t bytes;		/* the CDB's count */
	int names_blocks;
	uint64_t lba, n;
	int fields_ok;		/* byte 1, pages, service actions */
	int needs_unmap;
};

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t x = 0;

	while (n--)
		x = x << 8 | *p++;
	return x;
}

static int mode_page_ok(uint8_t page, uint8_t sub)
{
	if (page == 0x3f)
		return sub == 0 || sub == 0xff;
	return sub == 0 && (page == 0x01 || page == 0x08 || page == 0x0a ||
			    page == 0x1c);
}

static void rw(struct want *w, const uint8_t *c, uint32_t flags, uint32_t bs)
{
	w->exact = 1;
	w->names_blocks = 1;
	switch (w->size) {
	case 6:
		w->lba = be(c + 1, 3) & 0x1fffff;
		w->n = c[4] ? c[4] : 256;
		w->fields_ok = 1;
		break;
	case 10:
		w->lba = be(c + 2, 4);
		w->n = be(c + 7, 2);
		break;
	case 12:
		w->lba = be(c + 2, 4);
		w->n = be(c + 6, 4);
		break;
	default:
		w->lba = be(c + 2, 8);
		w->n = be(c + 10, 4);
		break;
	}
	if (w->size != 6)
		w->fields_ok = !(c[1] & 0xe0) &&
			       (!(c[1] & 0x18) || (flags & VMB_STOR_LUN_FUA));
	w->bytes = w->n * bs;
}

static void blocks_only(struct want *w, const uint8_t *c, uint8_t zero1)
{
	w->names_blocks = 1;
	w->lba = w->size == 10 ? be(c + 2, 4) : be(c + 2, 8);
	w->n = w->size == 10 ? be(c + 7, 2) : be(c + 10, 4);
	w->fields_ok = !(c[1] & zero1);
}

static void oracle(const uint8_t *c, const struct vmb_stor_lun_info *lun,
		   struct want *w)
{
	memset(w, 0, sizeof(*w));
	w->listed = 1;
	w->fields_ok = 1;
	w->dir = NONE;
	switch (c[0]) {
	case 0x00:	/* TEST UNIT READY */
	case 0x1b:	/* START STOP UNIT */
		w->size = 6;
		break;
	case 0x03:	/* REQUEST SENSE */
		w->size = 6;
		w->dir = IN;
		w->bytes = c[4];
		w->fields_ok = !(c[1] & 1);
		break;
	case 0x08:	/* READ (6) */
	case 0x0a:	/* WRITE (6) */
		w->size = 6;
		w->dir = c[0] == 0x08 ? IN : OUT;
		rw(w, c, lun->flags, lun->block_size);
		break;
	case 0x12:	/* INQUIRY */
		w->size = 6;
		w->dir = IN;
		w->bytes = be(c + 3, 2);
		w->fields_ok = (c[1] & 1) || !c[2];
		break;
	case 0x15:	/* MODE SELECT (6) */
		w->size = 6;
		w->dir = OUT;
		w->bytes = c[4];
		break;
	case 0x1a:	/* MODE SENSE (6) */
		w->size = 6;
		w->dir = IN;
		w->bytes = c[4];
		w->fields_ok = mode_page_ok(c[2] & 0x3f, c[3]);
		break;
	case 0x25:	/* READ CAPACITY (10) */
		w->size = 10;
		w->dir = IN;
		w->bytes = 8;
		break;
	case 0x28:	/* READ (10) */
	case 0x2a:	/* WRITE (10) */
	case 0x2e:	/* WRITE AND VERIFY (10) */
		w->size = 10;
		w->dir = c[0] == 0x28 ? IN : OUT;
		rw(w, c, lun->flags, lun->block_size);
		break;
	case 0x2f:	/* VERIFY (10) */
		w->size = 10;
		blocks_only(w, c, 0xe6);
		break;
	case 0x35:	/* SYNCHRONIZE CACHE (10) */
		w->size = 10;
		blocks_only(w, c, 0);
		break;
	case 0x42:	/* UNMAP */
		w->size = 10;
		w->dir = OUT;
		w->bytes = be(c + 7, 2);
		w->fields_ok = !c[1] && (!w->bytes || w->bytes >= 8);
		w->needs_unmap = 1;
		break;
	case 0x55:	/* MODE SELECT (10) */
		w->size = 10;
		w->dir = OUT;
		w->bytes = be(c + 7, 2);
		break;
	case 0x5a:	/* MODE SENSE (10) */
		w->size = 10;
		w->dir = IN;
		w->bytes = be(c + 7, 2);
		w->fields_ok = mode_page_ok(c[2] & 0x3f, c[3]);
		break;
	case 0x88:	/* READ (16) */
	case 0x8a:	/* WRITE (16) */
	case 0x8e:	/* WRITE AND VERIFY (16) */
		w->size = 16;
		w->dir = c[0] == 0x88 ? IN : OUT;
		rw(w, c, lun->flags, lun->block_size);
		break;
	case 0x8f:	/* VERIFY (16) */
		w->size = 16;
		blocks_only(w, c, 0xe6);
		break;
	case 0x91:	/* SYNCHRONIZE CACHE (16) */
		w->size = 16;
		blocks_only(w, c, 0);
		break;
	case 0x9e:	/* READ CAPACITY (16) */
		w->size = 16;
		w->dir = IN;
		w->bytes = be(c + 10, 4);
		w->fields_ok = (c[1] & 0x1f) == 0x10;
		break;
	case 0xa0:	/* REPORT LUNS */
		w->size = 12;
		w->dir = IN;
		w->bytes = be(c + 6, 4);
		break;
	case 0xa3:	/* REPORT TARGET PORT GROUPS */
		w->size = 12;
		w->dir = IN;
		w->bytes = be(c + 6, 4);
		w->fields_ok = (c[1] & 0x1f) == 0x0a &&
			       w->bytes >= (c[1] & 0x20 ? 8u : 4u);
		break;
	case 0xa8:	/* READ (12) */
	case 0xaa:	/* WRITE (12) */
		w->size = 12;
		w->dir = c[0] == 0xa8 ? IN : OUT;
		rw(w, c, lun->flags, lun->block_size);
		break;
	default:
		w->listed = 0;
		break;
	}
}

static void check_sense(const uint8_t *s, int n)
{
	int i;

	CHECK(n == 18);
	CHECK(s[0] == 0x70);
	CHECK(s[7] == 10);
	CHECK(s[2] == 0x05 || s[2] == 0x07);
	CHECK(s[13] == 0);
	for (i = 0; i < VMB_STOR_SENSE_MAX; i++)
		if (i != 0 && i != 2 && i != 7 && i != 12)
			CHECK(s[i] == 0);
	if (s[2] == 0x07)
		CHECK(s[12] == 0x27);
	else
		CHECK(s[12] == 0x1a || s[12] == 0x20 || s[12] == 0x21 ||
		      s[12] == 0x24);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmb_stor_lun_info lun;
	uint8_t pad[32] = { 0 };
	uint8_t ctl, dir, *cdb, *sense;
	uint32_t len, xfer;
	uint64_t room, end;
	struct want w;
	int i, n, pass, ok;

	if (size < 13)
		return 0;
	ctl = data[0];
	lun.flags = ctl & 7;
	dir = (ctl >> 3) & 3;
	lun.block_size = ctl & 0x20 ? 4096 : 512;
	memcpy(&lun.nblocks, data + 1, 8);
	memcpy(&xfer, data + 9, 4);
	data += 13;
	size -= 13;
	len = size < sizeof(pad) ? size : sizeof(pad);
	memcpy(pad, data, len);
	oracle(pad, &lun, &w);
	if ((ctl & 0x40) && w.listed)
		xfer = (uint32_t)w.bytes + (int8_t)xfer;

	cdb = malloc(len ? len : 1);
	sense = malloc(VMB_STOR_SENSE_MAX);
	CHECK(cdb && sense);
	memcpy(cdb, data, len);
	memset(sense, 0x5a, VMB_STOR_SENSE_MAX);
	n = vmb_stor_cdb_check(cdb, len, dir, xfer, &lun, sense);

	/* the policy, once more */
	room = lun.nblocks;
	ok = w.listed && len >= w.size;
	ok = ok && !(w.dir == OUT && (lun.flags & VMB_STOR_LUN_RO));
	ok = ok && (!w.needs_unmap || (lun.flags & VMB_STOR_LUN_UNMAP));
	ok = ok && w.fields_ok;
	ok = ok && (!w.names_blocks ||
		    (!__builtin_add_overflow(w.lba, w.n, &end) && end <= room));
	if (!w.bytes)
		ok = ok && !xfer && (dir == w.dir || dir == NONE);
	else
		ok = ok && dir == w.dir &&
		     (w.exact ? xfer == w.bytes : xfer >= w.bytes);
	pass = n == 0;
	CHECK(pass == ok);

	if (pass) {
		/* the sense untouched; the data as the opcode has it */
		for (i = 0; i < VMB_STOR_SENSE_MAX; i++)
			CHECK(sense[i] == 0x5a);
		CHECK(dir == w.dir || (dir == NONE && !xfer));
		CHECK(xfer >= w.bytes);
		CHECK(!xfer || dir != NONE);
		CHECK(!(lun.flags & VMB_STOR_LUN_RO) || w.dir != OUT);
	} else {
		check_sense(sense, n);
		if (!w.listed)
			CHECK(sense[2] == 0x05 && sense[12] == 0x20);
		else if (len < w.size)
			CHECK(sense[2] == 0x05 && sense[12] == 0x24);
		else if (w.dir == OUT && (lun.flags & VMB_STOR_LUN_RO))
			CHECK(sense[2] == 0x07);
		else if (sense[12] == 0x20)
			CHECK(w.needs_unmap);
	}
	/* the same bytes as an UNMAP parameter list */
	memset(sense, 0x5a, VMB_STOR_SENSE_MAX);
	n = vmb_stor_unmap_check(cdb, len, sense);
	ok = !len || (len >= 8 && (uint32_t)(cdb[2] << 8 | cdb[3]) <= len - 8);
	CHECK(ok == !n);
	if (n)
		check_sense(sense, n);
	free(cdb);
	free(sense);
	return 0;
}
