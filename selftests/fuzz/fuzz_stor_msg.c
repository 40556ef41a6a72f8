// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for lib/storage/stor_msg.c: the guest's packets on a
 * synthetic SCSI controller's channels, and the state machine they
 * drive.
 *
 * Input: one control byte (bits 0-2: the sub-channels the host offers;
 * bits 3-7: the maximum transfer in 64 KiB units, plus one), then
 * records, each a little-endian u16 length and that many bytes: a packet
 * as VMBus hands it over (descriptor included). Bit 15 of the length
 * sends the packet on a sub-channel instead of the primary. Every packet
 * sits in a buffer of exactly its length (ASan sees any read past it);
 * the controller keeps its state from one record to the next, so that
 * the fuzzer can walk the initialisation sequence and then send SCSI.
 * For every request parsed, the reply and whatever else the state
 * machine asks for are checked against the protocol's limits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvkvm/stor_msg.h>
#include <hvkvm/vmbus_ring.h>

#include "fuzz_check.h"

static void check_out(const struct vmb_stor_req *req,
		      const struct vmb_stor_out *out)
{
	CHECK(out->len == VMB_STOR_HDR_SIZE + req->size);
	CHECK(out->len <= sizeof(out->reply));
	CHECK(out->reply.operation == VMB_STOR_OP_COMPLETE_IO);
	CHECK(out->data_len <= sizeof(out->data));
	if (req->op == VMB_STOR_OP_EXECUTE_SRB) {
		CHECK(out->data_len <= req->xfer_len);
		CHECK(out->reply.srb.data_transfer_length <= req->xfer_len);
		CHECK(out->reply.srb.sense_info_length <= req->sense_len);
	}
}

static void one(struct vmb_stor_ctl *c, const uint8_t *data, uint32_t len,
		bool primary)
{
	static const uint8_t sense[VMB_STOR_SENSE_MAX] = { 0x70, 0, 3 };
	struct vmb_stor_out out;
	struct vmb_stor_req req;
	enum vmb_stor_act act;
	uint8_t *b = malloc(len ? len : 1);
	uint32_t i;
	uint64_t sum = 0;

	CHECK(b);
	memcpy(b, data, len);
	if (vmb_stor_parse(b, len, &req))
		goto out;
	CHECK(req.size <= VMB_STOR_SRB_SIZE);
	if (req.op == VMB_STOR_OP_EXECUTE_SRB) {
		CHECK(req.cdb_len >= 1 && req.cdb_len <= VMB_STOR_CDB_MAX);
		CHECK(req.dir <= VMB_STOR_DATA_NONE);
		CHECK(req.sense_len <= VMB_STOR_SENSE_MAX);
		if (req.xfer_len) {
			/* the pages cover the transfer, inside the packet */
			CHECK(req.offset < VMB_STOR_PAGE_SIZE);
			CHECK((uint64_t)req.npfn * VMB_STOR_PAGE_SIZE >=
			      (uint64_t)req.offset + req.xfer_len);
			CHECK((uint64_t)(req.npfn - 1) * VMB_STOR_PAGE_SIZE <
			      (uint64_t)req.offset + req.xfer_len);
			CHECK((const uint8_t *)req.pfn >= b);
			CHECK((const uint8_t *)req.pfn + (size_t)req.npfn * 8 <=
			      b + len);
			for (i = 0; i < req.npfn; i++)
				sum += vmb_pfn(req.pfn, i);
		} else {
			CHECK(!req.npfn);
		}
	}
	act = vmb_stor_handle(c, &req, primary, &out);
	if (act != VMB_STOR_ACT_SCSI)
		check_out(&req, &out);
	switch (act) {
	case VMB_STOR_ACT_REPLY:
		CHECK(!out.data_len);
		break;
	case VMB_STOR_ACT_DATA:
		CHECK(out.data_len);
		CHECK(req.dir == VMB_STOR_DATA_IN);
		break;
	case VMB_STOR_ACT_SCSI:
		CHECK(c->state == VMB_STOR_ST_READY);
		CHECK(!req.path && !req.target && req.lun < VMB_STOR_LUNS);
		CHECK(req.xfer_len <= c->max_xfer);
		CHECK(!out.len && !out.data_len);
		/* every way it can end */
		vmb_stor_complete(&req, 0, NULL, 0, req.xfer_len + 1, &out);
		check_out(&req, &out);
		vmb_stor_complete(&req, 2, sense, sizeof(sense), 0, &out);
		check_out(&req, &out);
		vmb_stor_complete(&req, 8, NULL, 0, 0, &out);
		check_out(&req, &out);
		vmb_stor_fail(&req, &out);
		check_out(&req, &out);
		vmb_stor_absent(&req, &out);
		check_out(&req, &out);
		break;
	case VMB_STOR_ACT_SUBCHANNELS:
		CHECK(primary);
		CHECK(req.subchannels >= 1 && req.subchannels <= c->max_sub);
		vmb_stor_subchannels_done(c, sum & 1 ? -19 : req.subchannels,
					  &out);
		check_out(&req, &out);
		break;
	case VMB_STOR_ACT_RESET:
		CHECK(c->state == VMB_STOR_ST_READY);
		break;
	default:
		CHECK(0);
	}
out:
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmb_stor_packet ev;
	struct vmb_stor_ctl c;
	uint32_t n, rescan;
	bool primary;

	if (size < 1)
		return 0;
	vmb_stor_ctl_init(&c, ((data[0] >> 3) + 1) * 65536, data[0] & 7);
	data++;
	size--;
	while (size >= 2) {
		n = data[0] | (uint32_t)data[1] << 8;
		primary = !(n & 0x8000);
		n &= 0x7fff;
		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		one(&c, data, n, primary);
		data += n;
		size -= n;
	}
	rescan = vmb_stor_build_rescan(&c, &ev);
	CHECK(rescan == 0 || rescan == 48 || rescan == 64);
	CHECK(!rescan || c.state == VMB_STOR_ST_READY);
	return 0;
}
