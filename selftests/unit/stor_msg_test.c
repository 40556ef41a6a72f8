// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the synthetic SCSI controller's protocol
 * (lib/storage/stor_msg.c): Linux 6.1's hv_storvsc initialisation run
 * against it, the guest's packets as storvsc builds them, hostile ones,
 * and the completions as the guest's driver reads them. The guest's
 * reading is a transcription of storvsc_on_io_completion and
 * storvsc_command_completion (and scsi_scan.c's test for "no LUN here")
 * working on raw bytes. Packets are parsed from the end of a page
 * followed by an inaccessible one, so that a read past a packet faults.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "guarded.h"
#include <hvkvm/stor_msg.h>
#include <hvkvm/vmbus_ring.h>

#pragma GCC diagnostic ignored "-Wsign-compare"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wclobbered"
#endif

#define PAGE		4096

/* ---- the guest's packets, as storvsc and VMBus lay them out ---- */

#define TRANS_INIT	(UINT64_MAX - 2)	/* VMBUS_RQST_INIT */

struct pkt {
	uint8_t b[1024];
	uint32_t len;
};

/* An INBAND packet: descriptor, then body bytes of the vstor packet. */
static void inband(struct pkt *p, const struct vmb_stor_packet *v,
		   uint32_t size, uint64_t trans_id)
{
	struct vmb_pkt_desc d = {
		.type = VMB_PKT_DATA_INBAND, .offset8 = 2,
		.flags = VMB_PKT_FLAG_COMPLETION_REQUESTED,
		.trans_id = trans_id,
	};

	memset(p, 0, sizeof(*p));
	p->len = 16 + ((size + 7) & ~7u);
	d.len8 = p->len / 8;
	memcpy(p->b, &d, sizeof(d));
	memcpy(p->b + 16, v, size);
}

/*
 * A GPA-direct packet with the given ranges (count, offset, first pfn;
 * pfns follow on), as vmbus_sendpacket_mpb_desc() builds it.
 */
static void gpa(struct pkt *p, const struct vmb_stor_packet *v,
		uint32_t size, uint64_t trans_id, int nranges,
		const uint32_t (*ranges)[3])
{
	struct vmb_pkt_gpa_direct h = {
		.d.type = VMB_PKT_DATA_USING_GPA_DIRECT,
		.d.flags = VMB_PKT_FLAG_COMPLETION_REQUESTED,
		.d.trans_id = trans_id,
		.range_cnt = nranges,
	};
	uint32_t off = sizeof(h), i, k, n;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < (uint32_t)nranges; i++) {
		memcpy(p->b + off, &ranges[i][0], 4);
		memcpy(p->b + off + 4, &ranges[i][1], 4);
		off += 8;
		n = (ranges[i][1] + ranges[i][0] + PAGE - 1) / PAGE;
		for (k = 0; k < n; k++) {
			uint64_t pfn = ranges[i][2] + k;

			memcpy(p->b + off, &pfn, 8);
			off += 8;
		}
	}
	h.d.offset8 = off / 8;
	memcpy(p->b + off, v, size);
	p->len = off + ((size + 7) & ~7u);
	h.d.len8 = p->len / 8;
	memcpy(p->b, &h, sizeof(h));
}

static int parse(const struct pkt *p, struct vmb_stor_req *req)
{
	return vmb_stor_parse(guarded(p->b, p->len), p->len, req);
}

/* One init-phase request as storvsc sends it: 64 bytes, flag 1. */
static enum vmb_stor_act init_op(struct vmb_stor_ctl *c, uint32_t op,
				 uint16_t arg, bool primary,
				 struct vmb_stor_out *out)
{
	struct vmb_stor_packet v = { .operation = op, .flags = 1 };
	struct vmb_stor_req req;
	struct pkt p;

	if (op == VMB_STOR_OP_QUERY_PROTOCOL_VERSION)
		v.version.major_minor = arg;
	if (op == VMB_STOR_OP_CREATE_SUB_CHANNELS)
		v.sub_channel_count = arg;
	inband(&p, &v, sizeof(v), TRANS_INIT);
	if (parse(&p, &req))
		return (enum vmb_stor_act)-1;
	return vmb_stor_handle(c, &req, primary, out);
}

/*
 * storvsc_channel_init() against the controller: the versions Linux 6.1
 * tries in its order, the checks it makes on each reply. Returns the
 * version agreed on (0 when the probe fails), and the properties.
 */
static uint16_t lx_init(struct vmb_stor_ctl *c, struct vmb_stor_properties *pr)
{
	static const uint16_t lx_versions[] = { 0x0602, 0x0600, 0x0501 };
	struct vmb_stor_out out;
	uint16_t got = 0;
	unsigned int i;

	if (init_op(c, VMB_STOR_OP_BEGIN_INITIALIZATION, 0, true, &out) !=
	    VMB_STOR_ACT_REPLY || out.len != 64 ||
	    out.reply.operation != VMB_STOR_OP_COMPLETE_IO || out.reply.status)
		return 0;
	for (i = 0; i < 3 && !got; i++) {
		init_op(c, VMB_STOR_OP_QUERY_PROTOCOL_VERSION, lx_versions[i],
			true, &out);
		if (out.len != 64 || out.reply.operation != VMB_STOR_OP_COMPLETE_IO)
			return 0;
		if (!out.reply.status)
			got = lx_versions[i];
	}
	if (!got)
		return 0;
	init_op(c, VMB_STOR_OP_QUERY_PROPERTIES, 0, true, &out);
	if (out.len != 64 || out.reply.status ||
	    out.reply.operation != VMB_STOR_OP_COMPLETE_IO)
		return 0;
	*pr = out.reply.props;
	init_op(c, VMB_STOR_OP_END_INITIALIZATION, 0, true, &out);
	if (out.len != 64 || out.reply.status)
		return 0;
	return got;
}

/* An EXECUTE_SRB as storvsc_queuecommand builds it. */
static void srb_packet(struct pkt *p, uint8_t path, uint8_t target,
		       uint8_t lun, const uint8_t *cdb, uint8_t cdb_len,
		       uint8_t dir, uint32_t xfer, uint32_t offset,
		       uint64_t pfn)
{
	struct vmb_stor_packet v = { .operation = VMB_STOR_OP_EXECUTE_SRB,
				     .flags = 1 };
	uint32_t r[1][3] = { { xfer, offset, (uint32_t)pfn } };

	v.srb.length = 52;
	v.srb.path_id = path;
	v.srb.target_id = target;
	v.srb.lun = lun;
	v.srb.cdb_length = cdb_len;
	v.srb.sense_info_length = 20;
	v.srb.data_in = dir;
	v.srb.data_transfer_length = xfer;
	v.srb.queue_tag = 0xff;
	v.srb.queue_action = 0x20;
	v.srb.srb_flags = 0x8 | 0x2 | 0x100 | (dir == 1 ? 0x40 : 0x80);
	v.srb.time_out_value = 60;
	memcpy(v.srb.cdb, cdb, cdb_len);
	if (xfer)
		gpa(p, &v, sizeof(v), 42, 1, r);
	else
		inband(p, &v, sizeof(v), 42);
}

/*
 * What Linux's SCSI layer gets from a completion (storvsc_on_io_completion
 * and storvsc_command_completion): the result (SAM status, host byte in
 * bits 16-23), the residual and the sense bytes copied.
 */
#define DID_ERROR	0x07
#define DID_NO_CONNECT	0x01
struct lx_result {
	uint32_t result, resid, sense_len;
	uint8_t sense[20];
	bool removes_lun;
};

static struct lx_result lx_complete(const uint8_t *cdb, uint32_t buflen,
				    const struct vmb_stor_out *out)
{
	struct vmb_stor_srb s = out->reply.srb;
	struct lx_result r = { 0 };
	uint32_t xfer;

	if (cdb[0] == 0x12 || cdb[0] == 0x1a || cdb[0] == 0x5a) {
		s.scsi_status = 0;
		s.srb_status = VMB_SRB_STATUS_SUCCESS;
	}
	r.sense_len = s.sense_info_length < 20 ? s.sense_info_length : 20;
	if (s.scsi_status == 2 && (s.srb_status & 0x80))
		memcpy(r.sense, s.sense_data, r.sense_len);
	else
		r.sense_len = 0;
	xfer = s.data_transfer_length;
	r.result = s.scsi_status;
	if (s.srb_status != VMB_SRB_STATUS_SUCCESS) {
		switch (s.srb_status & 0x3f) {
		case 0x04: case 0x02: case 0x06:
			if (!(s.srb_status & 0x80) && cdb[0] != 0x00)
				r.result |= DID_ERROR << 16;
			break;
		case 0x20:
			r.result |= DID_NO_CONNECT << 16;
			r.removes_lun = true;
			break;
		}
		if (s.srb_status != VMB_SRB_STATUS_DATA_OVERRUN)
			xfer = 0;
	}
	if (xfer > buflen)
		xfer = buflen;
	r.resid = buflen - xfer;
	return r;
}

/* ---- tests ---- */

TEST(layout)
{
	EXPECT_EQ(64, sizeof(struct vmb_stor_packet));
	EXPECT_EQ(52, sizeof(struct vmb_stor_srb));
	EXPECT_EQ(24, sizeof(struct vmb_stor_properties));
}

TEST(linux_init)
{
	struct vmb_stor_properties pr;
	struct vmb_stor_ctl c;
	struct vmb_stor_out out;

	vmb_stor_ctl_init(&c, 2 << 20, 3);
	ASSERT_EQ(0x0602, lx_init(&c, &pr));
	EXPECT_EQ(VMB_STOR_ST_READY, c.state);
	/* sd's limits come from here: max_sectors, sg_tablesize */
	EXPECT_EQ(2 << 20, pr.max_transfer_bytes);
	EXPECT_EQ(VMB_STOR_PROP_MULTI_CHANNEL, pr.flags);
	EXPECT_EQ(3, pr.max_channel_cnt);
	/* handle_multichannel_storage: min(cpus - 1, max) */
	EXPECT_EQ(VMB_STOR_ACT_SUBCHANNELS,
		  init_op(&c, VMB_STOR_OP_CREATE_SUB_CHANNELS, 3, true, &out));
	EXPECT_EQ(0, out.reply.status);
	vmb_stor_subchannels_done(&c, 3, &out);
	EXPECT_EQ(0, out.reply.status);
	EXPECT_EQ(3, c.nsub);
	/* the device failed to make them: the guest is told */
	init_op(&c, VMB_STOR_OP_CREATE_SUB_CHANNELS, 2, true, &out);
	vmb_stor_subchannels_done(&c, -ENODEV, &out);
	EXPECT_EQ(VMB_STOR_NT_UNSUCCESSFUL, out.reply.status);
	/* a new open starts over */
	vmb_stor_ctl_reset(&c);
	EXPECT_EQ(0x0602, lx_init(&c, &pr));
}

TEST(versions)
{
	struct vmb_stor_ctl c;
	struct vmb_stor_out out;
	struct vmb_stor_properties pr;

	vmb_stor_ctl_init(&c, 4096 * 64 + 100, 4);
	EXPECT_EQ(4096 * 64, c.max_xfer);
	init_op(&c, VMB_STOR_OP_BEGIN_INITIALIZATION, 0, true, &out);
	/* unknown ones are refused, the state stays, the reply echoes it */
	init_op(&c, VMB_STOR_OP_QUERY_PROTOCOL_VERSION, 0x0700, true, &out);
	EXPECT_EQ(VMB_STOR_NT_REVISION_MISMATCH, out.reply.status);
	EXPECT_EQ(0x0700, out.reply.version.major_minor);
	init_op(&c, VMB_STOR_OP_QUERY_PROTOCOL_VERSION, 0x0200, true, &out);
	EXPECT_EQ(VMB_STOR_NT_REVISION_MISMATCH, out.reply.status);
	EXPECT_EQ(VMB_STOR_ST_VERSION, c.state);
	/* Windows 7's protocol: no sub-channels */
	init_op(&c, VMB_STOR_OP_QUERY_PROTOCOL_VERSION, 0x0402, true, &out);
	EXPECT_EQ(0, out.reply.status);
	init_op(&c, VMB_STOR_OP_QUERY_PROPERTIES, 0, true, &out);
	EXPECT_EQ(0, out.reply.props.flags);
	EXPECT_EQ(0, out.reply.props.max_channel_cnt);
	EXPECT_EQ(VMB_STOR_ACT_REPLY,
		  init_op(&c, VMB_STOR_OP_CREATE_SUB_CHANNELS, 1, true, &out));
	EXPECT_EQ(VMB_STOR_NT_INVALID_PARAMETER, out.reply.status);
	init_op(&c, VMB_STOR_OP_END_INITIALIZATION, 0, true, &out);
	EXPECT_EQ(VMB_STOR_ST_READY, c.state);

	/* a host with no sub-channels says so even at 0x0602 */
	vmb_stor_ctl_init(&c, 1 << 20, 0);
	EXPECT_EQ(0x0602, lx_init(&c, &pr));
	EXPECT_EQ(0, pr.flags);
	EXPECT_EQ(0, pr.max_channel_cnt);
	/* max_xfer of 0 still gives one page */
	vmb_stor_ctl_init(&c, 0, 0);
	EXPECT_EQ(4096, c.max_xfer);
}

TEST(out_of_order)
{
	static const struct { uint32_t op; uint16_t arg; bool primary; } seq[] = {
		{ VMB_STOR_OP_QUERY_PROPERTIES, 0, true },
		{ VMB_STOR_OP_END_INITIALIZATION, 0, true },
		{ VMB_STOR_OP_QUERY_PROTOCOL_VERSION, 0x0602, true },
		{ VMB_STOR_OP_CREATE_SUB_CHANNELS, 1, true },
		{ VMB_STOR_OP_RESET_BUS, 0, true },
		{ VMB_STOR_OP_BEGIN_INITIALIZATION, 0, false },
	};
	struct vmb_stor_ctl c;
	struct vmb_stor_out out;
	struct vmb_stor_req req;
	struct pkt p;
	uint8_t tur[6] = { 0 };
	unsigned int i;

	vmb_stor_ctl_init(&c, 1 << 20, 2);
	for (i = 0; i < ARRAY_SIZE(seq); i++) {
		EXPECT_EQ(VMB_STOR_ACT_REPLY,
			  init_op(&c, seq[i].op, seq[i].arg, seq[i].primary,
				  &out));
		EXPECT_EQ(VMB_STOR_NT_INVALID_DEVICE_STATE, out.reply.status)
			TH_LOG("step %u", i);
		EXPECT_EQ(VMB_STOR_ST_BEGIN, c.state);
	}
	/* SCSI before the controller is ready */
	srb_packet(&p, 0, 0, 0, tur, 6, 2, 0, 0, 0);
	ASSERT_EQ(0, parse(&p, &req));
	EXPECT_EQ(VMB_STOR_ACT_REPLY, vmb_stor_handle(&c, &req, true, &out));
	EXPECT_EQ(VMB_STOR_NT_INVALID_DEVICE_STATE, out.reply.status);

	/* BEGIN twice; the initialisation ops on a sub-channel */
	init_op(&c, VMB_STOR_OP_BEGIN_INITIALIZATION, 0, true, &out);
	EXPECT_EQ(0, out.reply.status);
	init_op(&c, VMB_STOR_OP_BEGIN_INITIALIZATION, 0, true, &out);
	EXPECT_EQ(VMB_STOR_NT_INVALID_DEVICE_STATE, out.reply.status);
	init_op(&c, VMB_STOR_OP_QUERY_PROTOCOL_VERSION, 0x0602, false, &out);
	EXPECT_EQ(VMB_STOR_NT_INVALID_DEVICE_STATE, out.reply.status);
	EXPECT_EQ(VMB_STOR_ST_VERSION, c.state);
	init_op(&c, VMB_STOR_OP_QUERY_PROTOCOL_VERSION, 0x0602, true, &out);
	init_op(&c, VMB_STOR_OP_QUERY_PROPERTIES, 0, true, &out);
	/* sub-channels before END: once (storvsp's rule), in range */
	EXPECT_EQ(VMB_STOR_ACT_REPLY,
		  init_op(&c, VMB_STOR_OP_CREATE_SUB_CHANNELS, 3, true, &out));
	EXPECT_EQ(VMB_STOR_NT_INVALID_PARAMETER, out.reply.status);
	EXPECT_EQ(VMB_STOR_ACT_REPLY,
		  init_op(&c, VMB_STOR_OP_CREATE_SUB_CHANNELS, 0, true, &out));
	EXPECT_EQ(VMB_STOR_ACT_SUBCHANNELS,
		  init_op(&c, VMB_STOR_OP_CREATE_SUB_CHANNELS, 2, true, &out));
	EXPECT_EQ(VMB_STOR_ACT_REPLY,
		  init_op(&c, VMB_STOR_OP_CREATE_SUB_CHANNELS, 2, true, &out));
	EXPECT_EQ(VMB_STOR_NT_INVALID_DEVICE_STATE, out.reply.status);
	init_op(&c, VMB_STOR_OP_END_INITIALIZATION, 0, true, &out);
	EXPECT_EQ(VMB_STOR_ST_READY, c.state);
	/* not on a sub-channel, even when ready */
	EXPECT_EQ(VMB_STOR_ACT_REPLY,
		  init_op(&c, VMB_STOR_OP_CREATE_SUB_CHANNELS, 1, false, &out));
	EXPECT_EQ(VMB_STOR_NT_INVALID_DEVICE_STATE, out.reply.status);
	/* unknown operations, and FCHBA_DATA on a SCSI controller */
	init_op(&c, 99, 0, true, &out);
	EXPECT_EQ(VMB_STOR_NT_INVALID_DEVICE_REQUEST, out.reply.status);
	init_op(&c, VMB_STOR_OP_FCHBA_DATA, 0, true, &out);
	EXPECT_EQ(VMB_STOR_NT_INVALID_DEVICE_REQUEST, out.reply.status);
	EXPECT_EQ(64, out.len);
	/* SCSI on a sub-channel once ready */
	ASSERT_EQ(0, parse(&p, &req));
	EXPECT_EQ(VMB_STOR_ACT_SCSI, vmb_stor_handle(&c, &req, false, &out));
}

TEST(srb_data)
{
	static const uint8_t rd10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 16, 0 };
	uint32_t r[1][3] = { { 5 * PAGE, 0, 7 } };
	struct vmb_stor_packet v;
	struct vmb_stor_out out;
	struct vmb_stor_req req;
	struct pkt p;
	uint32_t i;

	/* 8 KiB read into a buffer 512 bytes into its first page */
	srb_packet(&p, 0, 0, 5, rd10, 10, 1, 8192, 512, 0x1000);
	ASSERT_EQ(0, parse(&p, &req));
	EXPECT_EQ(42, req.trans_id);
	EXPECT_EQ(VMB_STOR_OP_EXECUTE_SRB, req.op);
	EXPECT_EQ(52, req.size);
	EXPECT_EQ(5, req.lun);
	EXPECT_EQ(10, req.cdb_len);
	EXPECT_EQ(0, memcmp(rd10, req.cdb, 10));
	EXPECT_EQ(VMB_STOR_DATA_IN, req.dir);
	EXPECT_EQ(20, req.sense_len);
	EXPECT_EQ(8192, req.xfer_len);
	EXPECT_EQ(512, req.offset);
	ASSERT_EQ(3, req.npfn);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0x1000 + i, vmb_pfn(req.pfn, i));

	/* a buffer longer than the transfer: only the pages it touches */
	memset(&v, 0, sizeof(v));
	v.operation = VMB_STOR_OP_EXECUTE_SRB;
	v.flags = 1;
	v.srb.cdb_length = 10;
	v.srb.data_in = 0;
	v.srb.data_transfer_length = PAGE + 1;
	gpa(&p, &v, 64, 1, 1, r);
	ASSERT_EQ(0, parse(&p, &req));
	EXPECT_EQ(2, req.npfn);
	EXPECT_EQ(VMB_STOR_DATA_OUT, req.dir);

	/* Windows 7's shorter SRB (36 bytes) parses; its reply is as short */
	memset(&v, 0, sizeof(v));
	v.operation = VMB_STOR_OP_EXECUTE_SRB;
	v.flags = 1;
	v.srb.cdb_length = 6;
	v.srb.data_in = 2;
	v.srb.sense_info_length = 18;
	inband(&p, &v, 48, 9);
	ASSERT_EQ(0, parse(&p, &req));
	EXPECT_EQ(36, req.size);
	EXPECT_EQ(18, req.sense_len);
	vmb_stor_complete(&req, 0, NULL, 0, 0, &out);
	EXPECT_EQ(48, out.len);
	EXPECT_EQ(36, out.reply.srb.length);
}

/* Each broken packet, and the rule it breaks. */
TEST(hostile_packets)
{
	static const uint8_t tur[6] = { 0 };
	struct vmb_stor_packet v = { .operation = 3, .flags = 1 };
	struct vmb_stor_req req;
	struct pkt p;
	uint32_t two[2][3] = { { 4096, 0, 1 }, { 4096, 0, 9 } };
	uint32_t one[1][3] = { { 4095, 0, 1 } };
	uint32_t l, off;

	v.srb.cdb_length = 6;
	v.srb.data_in = 1;
	v.srb.data_transfer_length = 4096;

	/* data but no buffer (INBAND) */
	inband(&p, &v, 64, 1);
	EXPECT_EQ(-EBADMSG, parse(&p, &req));
	/* a buffer shorter than the transfer */
	gpa(&p, &v, 64, 1, 1, one);
	EXPECT_EQ(-EBADMSG, parse(&p, &req));
	/* two ranges */
	gpa(&p, &v, 64, 1, 2, two);
	EXPECT_EQ(-EBADMSG, parse(&p, &req));
	/* no completion asked for */
	gpa(&p, &v, 64, 1, 1, two);
	ASSERT_EQ(0, parse(&p, &req));
	p.b[6] = 0;
	EXPECT_EQ(-EBADMSG, parse(&p, &req));
	/* a completion, or another packet type, from the guest */
	gpa(&p, &v, 64, 1, 1, two);
	p.b[0] = VMB_PKT_COMP;
	EXPECT_EQ(-EBADMSG, parse(&p, &req));
	/* no data, but a direction of "none" with a length */
	v.srb.data_in = 2;
	gpa(&p, &v, 64, 1, 1, two);
	EXPECT_EQ(-EBADMSG, parse(&p, &req));
	v.srb.data_in = 3;
	v.srb.data_transfer_length = 0;
	inband(&p, &v, 64, 1);
	EXPECT_EQ(-EBADMSG, parse(&p, &req));
	/* CDB lengths */
	v.srb.data_in = 2;
	v.srb.cdb_length = 0;
	inband(&p, &v, 64, 1);
	EXPECT_EQ(-EBADMSG, parse(&p, &req));
	v.srb.cdb_length = 17;
	inband(&p, &v, 64, 1);
	EXPECT_EQ(-EBADMSG, parse(&p, &req));
	/* GPA-direct for anything but an SRB */
	v.srb.cdb_length = 6;
	v.operation = VMB_STOR_OP_RESET_BUS;
	gpa(&p, &v, 64, 1, 1, two);
	EXPECT_EQ(-EBADMSG, parse(&p, &req));
	/* an SRB body shorter than Windows 7's */
	v.operation = VMB_STOR_OP_EXECUTE_SRB;
	inband(&p, &v, 40, 1);
	EXPECT_EQ(-EBADMSG, parse(&p, &req));
	/* a header alone (padded to 8 by the ring); less than a header */
	v.operation = VMB_STOR_OP_BEGIN_INITIALIZATION;
	inband(&p, &v, 12, 1);
	EXPECT_EQ(0, parse(&p, &req));
	EXPECT_EQ(4, req.size);		/* the padding to 8 */
	inband(&p, &v, 8, 1);
	EXPECT_EQ(-EBADMSG, parse(&p, &req));

	/*
	 * A real SRB cut at every length: never read past; refused until
	 * what is left is a Windows 7 SRB (36 bytes of body).
	 */
	srb_packet(&p, 0, 0, 0, tur, 6, 1, 3 * 4096, 100, 5);
	ASSERT_EQ(0, parse(&p, &req));
	off = (p.b[2] | p.b[3] << 8) * 8;
	for (l = 0; l < p.len; l++) {
		struct vmb_pkt_desc d;
		uint8_t cut[1024];

		memcpy(cut, p.b, l);
		if (l >= 16) {
			memcpy(&d, cut, sizeof(d));
			d.len8 = l / 8;
			memcpy(cut, &d, sizeof(d));
		}
		EXPECT_EQ(l >= off + 12 + 36 ? 0 : -EBADMSG,
			  vmb_stor_parse(guarded(cut, l), l, &req))
			TH_LOG("length %u", l);
	}
}

TEST(absent_luns)
{
	static const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	static const uint8_t inq_vpd[6] = { 0x12, 1, 0x80, 0, 255, 0 };
	static const uint8_t rl[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0 };
	static const uint8_t tur[6] = { 0 };
	struct vmb_stor_properties pr;
	struct vmb_stor_ctl c;
	struct vmb_stor_out out;
	struct vmb_stor_req req;
	struct lx_result r;
	struct pkt p;

	vmb_stor_ctl_init(&c, 1 << 20, 0);
	ASSERT_EQ(0x0602, lx_init(&c, &pr));

	/* scsi_scan on path 3: a standard INQUIRY says "no LUN here" */
	srb_packet(&p, 3, 0, 0, inq, 6, 1, 36, 0, 1);
	ASSERT_EQ(0, parse(&p, &req));
	ASSERT_EQ(VMB_STOR_ACT_DATA, vmb_stor_handle(&c, &req, true, &out));
	ASSERT_EQ(36, out.data_len);
	EXPECT_EQ(3, out.data[0] >> 5);		/* qualifier 3 */
	EXPECT_EQ(0x1f, out.data[0] & 0x1f);
	r = lx_complete(inq, 36, &out);
	EXPECT_EQ(0, r.result);
	EXPECT_EQ(0, r.resid);
	EXPECT_EQ(3, out.reply.srb.path_id);

	/* the same on target 1, and on LUNs past the bus's */
	srb_packet(&p, 0, 1, 0, inq, 6, 1, 36, 0, 1);
	ASSERT_EQ(0, parse(&p, &req));
	EXPECT_EQ(VMB_STOR_ACT_DATA, vmb_stor_handle(&c, &req, true, &out));
	srb_packet(&p, 0, 0, 200, inq, 6, 1, 36, 0, 1);
	ASSERT_EQ(0, parse(&p, &req));
	EXPECT_EQ(VMB_STOR_ACT_DATA, vmb_stor_handle(&c, &req, true, &out));
	/* LUNs of the bus are the target's to answer */
	srb_packet(&p, 0, 0, 63, inq, 6, 1, 36, 0, 1);
	ASSERT_EQ(0, parse(&p, &req));
	EXPECT_EQ(VMB_STOR_ACT_SCSI, vmb_stor_handle(&c, &req, true, &out));
	/* ...and vmb_stor_absent when the LUN has no disk: a shorter buffer */
	srb_packet(&p, 0, 0, 63, inq, 6, 1, 5, 4000, 1);
	ASSERT_EQ(0, parse(&p, &req));
	EXPECT_EQ(VMB_STOR_ACT_DATA, vmb_stor_absent(&req, &out));
	EXPECT_EQ(5, out.data_len);
	EXPECT_EQ(5, out.reply.srb.data_transfer_length);

	/* REPORT LUNS: an empty list */
	srb_packet(&p, 2, 0, 0, rl, 12, 1, 4096, 0, 1);
	ASSERT_EQ(0, parse(&p, &req));
	ASSERT_EQ(VMB_STOR_ACT_DATA, vmb_stor_handle(&c, &req, true, &out));
	EXPECT_EQ(8, out.data_len);
	EXPECT_EQ(0, out.data[3]);
	r = lx_complete(rl, 4096, &out);
	EXPECT_EQ(0, r.result);
	EXPECT_EQ(4096 - 8, r.resid);

	/* anything else: INVALID_LUN, and the guest removes its disk */
	srb_packet(&p, 0, 0, 70, tur, 6, 2, 0, 0, 0);
	ASSERT_EQ(0, parse(&p, &req));
	ASSERT_EQ(VMB_STOR_ACT_REPLY, vmb_stor_handle(&c, &req, true, &out));
	r = lx_complete(tur, 0, &out);
	EXPECT_EQ(DID_NO_CONNECT, r.result >> 16);
	EXPECT_TRUE(r.removes_lun);

	/* a VPD page of an absent LUN: nothing moved */
	srb_packet(&p, 1, 0, 0, inq_vpd, 6, 1, 255, 0, 1);
	ASSERT_EQ(0, parse(&p, &req));
	ASSERT_EQ(VMB_STOR_ACT_REPLY, vmb_stor_handle(&c, &req, true, &out));
	r = lx_complete(inq_vpd, 255, &out);
	EXPECT_EQ(255, r.resid);
	/* an INQUIRY that claims to write: no data goes to the guest */
	srb_packet(&p, 1, 0, 0, inq, 6, 0, 36, 0, 1);
	ASSERT_EQ(0, parse(&p, &req));
	EXPECT_EQ(VMB_STOR_ACT_REPLY, vmb_stor_handle(&c, &req, true, &out));
	EXPECT_EQ(0, out.data_len);
}

TEST(completions)
{
	static const uint8_t rd10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0 };
	struct vmb_stor_out out;
	struct vmb_stor_req req;
	struct lx_result r;
	uint8_t sense[20];
	struct pkt p;
	uint32_t n;

	srb_packet(&p, 0, 0, 1, rd10, 10, 1, 4096, 0, 3);
	ASSERT_EQ(0, parse(&p, &req));

	/* GOOD: the bytes moved; never more than the buffer */
	vmb_stor_complete(&req, 0, NULL, 0, 4096, &out);
	EXPECT_EQ(64, out.len);
	EXPECT_EQ(VMB_STOR_OP_COMPLETE_IO, out.reply.operation);
	r = lx_complete(rd10, 4096, &out);
	EXPECT_EQ(0, r.result);
	EXPECT_EQ(0, r.resid);
	vmb_stor_complete(&req, 0, NULL, 0, 1000, &out);
	EXPECT_EQ(4096 - 1000, lx_complete(rd10, 4096, &out).resid);
	vmb_stor_complete(&req, 0, NULL, 0, 1 << 30, &out);
	EXPECT_EQ(4096, out.reply.srb.data_transfer_length);

	/* CHECK CONDITION: the guest gets the sense, and no data */
	n = vmb_stor_sense(sense, 0x03, 0x11, 0x00);	/* medium error */
	EXPECT_EQ(18, n);
	vmb_stor_complete(&req, 2, sense, n, 4096, &out);
	EXPECT_EQ(VMB_SRB_STATUS_ERROR | VMB_SRB_STATUS_AUTOSENSE_VALID,
		  out.reply.srb.srb_status);
	r = lx_complete(rd10, 4096, &out);
	EXPECT_EQ(2, r.result);		/* no host byte: sense decides */
	EXPECT_EQ(4096, r.resid);
	ASSERT_EQ(18, r.sense_len);
	EXPECT_EQ(0x03, r.sense[2]);
	EXPECT_EQ(0x11, r.sense[12]);
	/* sense longer than the guest's room is cut to it */
	req.sense_len = 8;
	vmb_stor_complete(&req, 2, sense, n, 0, &out);
	EXPECT_EQ(8, out.reply.srb.sense_info_length);
	/* CHECK CONDITION without sense: a host error */
	vmb_stor_complete(&req, 2, NULL, 0, 0, &out);
	EXPECT_EQ(DID_ERROR, lx_complete(rd10, 4096, &out).result >> 16);

	/* BUSY and RESERVATION CONFLICT reach the SCSI layer as they are */
	vmb_stor_complete(&req, 0x08, NULL, 0, 4096, &out);
	r = lx_complete(rd10, 4096, &out);
	EXPECT_EQ(0x08, r.result);
	EXPECT_EQ(4096, r.resid);
	vmb_stor_complete(&req, 0x18, NULL, 0, 0, &out);
	EXPECT_EQ(0x18, lx_complete(rd10, 4096, &out).result);

	/* the host could not do it */
	vmb_stor_fail(&req, &out);
	r = lx_complete(rd10, 4096, &out);
	EXPECT_EQ(DID_ERROR, r.result >> 16);
	EXPECT_EQ(4096, r.resid);
}

TEST(limits_and_resets)
{
	static const uint8_t wr10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 1, 0, 0 };
	struct vmb_stor_packet v = { .operation = VMB_STOR_OP_RESET_LUN,
				     .flags = 1 };
	struct vmb_stor_properties pr;
	struct vmb_stor_packet ev;
	struct vmb_stor_ctl c;
	struct vmb_stor_out out;
	struct vmb_stor_req req;
	struct pkt p;
	struct lx_result r;

	vmb_stor_ctl_init(&c, 64 * 1024, 0);
	EXPECT_EQ(0, vmb_stor_build_rescan(&c, &ev));
	ASSERT_EQ(0x0602, lx_init(&c, &pr));
	/* over what the guest was told: ILLEGAL REQUEST, not a dead channel */
	srb_packet(&p, 0, 0, 0, wr10, 10, 0, 128 * 1024, 0, 1);
	ASSERT_EQ(0, parse(&p, &req));
	ASSERT_EQ(VMB_STOR_ACT_REPLY, vmb_stor_handle(&c, &req, true, &out));
	r = lx_complete(wr10, 128 * 1024, &out);
	EXPECT_EQ(2, r.result);
	EXPECT_EQ(0x05, r.sense[2]);
	EXPECT_EQ(0x24, r.sense[12]);

	/* resets: the address comes along */
	v.srb.lun = 7;
	inband(&p, &v, 64, 5);
	ASSERT_EQ(0, parse(&p, &req));
	EXPECT_EQ(7, req.lun);
	EXPECT_EQ(VMB_STOR_ACT_RESET, vmb_stor_handle(&c, &req, false, &out));
	EXPECT_EQ(0, out.reply.status);

	/* the rescan notice: 64 bytes, ENUMERATE_BUS */
	EXPECT_EQ(64, vmb_stor_build_rescan(&c, &ev));
	EXPECT_EQ(VMB_STOR_OP_ENUMERATE_BUS, ev.operation);
}

TEST_HARNESS_MAIN
