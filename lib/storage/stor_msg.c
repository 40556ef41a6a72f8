// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic SCSI controller's protocol, host side: the guest's
 * packets, the initialisation sequence and the replies, as Linux's
 * hv_storvsc (storvsc_channel_init, storvsc_on_io_completion,
 * storvsc_handle_error) reads and writes them, with Hyper-V's answers
 * where the guest leaves a choice.
 */
#include <hvkvm/stor_msg.h>
#include <hvkvm/vmbus_ring.h>

#define SCSI_STATUS_GOOD		0x00
#define SCSI_STATUS_CHECK_CONDITION	0x02

#define SCSI_INQUIRY			0x12
#define SCSI_REPORT_LUNS		0xa0

#define SENSE_ILLEGAL_REQUEST		0x05

/* ---- parsing ---- */

struct one_range {
	u32 n;
	u32 count, offset, npfn;
	const u64 *pfn;
};

static int take_range(void *ctx, u32 byte_count, u32 byte_offset,
		      const u64 *pfn, u32 npfn)
{
	struct one_range *r = ctx;

	if (r->n++)
		return -EBADMSG;	/* storvsc sends one range, ever */
	r->count = byte_count;
	r->offset = byte_offset;
	r->pfn = pfn;
	r->npfn = npfn;
	return 0;
}

static int parse_srb(const u8 *body, const struct vmb_pkt_desc *d,
		     const void *pkt, u32 len, struct vmb_stor_req *req)
{
	struct vmb_stor_srb srb;
	struct one_range r = { 0 };
	u64 pages;
	int ret;

	if (req->size < VMB_STOR_SRB_SIZE_V1)
		return -EBADMSG;
	memset(&srb, 0, sizeof(srb));
	memcpy(&srb, body, req->size);

	if (!srb.cdb_length || srb.cdb_length > VMB_STOR_CDB_MAX ||
	    srb.data_in > VMB_STOR_DATA_NONE)
		return -EBADMSG;
	req->cdb_len = srb.cdb_length;
	memcpy(req->cdb, srb.cdb, srb.cdb_length);
	req->dir = srb.data_in;
	req->sense_len = srb.sense_info_length < VMB_STOR_SENSE_MAX ?
			 srb.sense_info_length : VMB_STOR_SENSE_MAX;
	req->xfer_len = srb.data_transfer_length;

	if (d->type == VMB_PKT_DATA_USING_GPA_DIRECT) {
		ret = vmb_pkt_gpa_ranges(pkt, len, take_range, &r);
		if (ret)
			return -EBADMSG;
	}
	if (!req->xfer_len)
		return 0;
	if (req->dir == VMB_STOR_DATA_NONE || !r.n || r.count < req->xfer_len)
		return -EBADMSG;
	/* only the pages the transfer touches */
	pages = ((u64)r.offset + req->xfer_len + VMB_STOR_PAGE_SIZE - 1) /
		VMB_STOR_PAGE_SIZE;
	req->offset = r.offset;
	req->npfn = (u32)pages;
	req->pfn = r.pfn;
	return 0;
}

int vmb_stor_parse(const void *pkt, u32 len, struct vmb_stor_req *req)
{
	const u8 *p = pkt;
	struct vmb_pkt_desc d;
	u8 body[VMB_STOR_SRB_SIZE];
	u32 hdr[3], off, payload;

	memset(req, 0, sizeof(*req));
	if (len < sizeof(d))
		return -EBADMSG;
	memcpy(&d, p, sizeof(d));
	off = (u32)d.offset8 * 8;
	if (off < sizeof(d) || off > len)
		return -EBADMSG;
	if (d.type != VMB_PKT_DATA_INBAND &&
	    d.type != VMB_PKT_DATA_USING_GPA_DIRECT)
		return -EBADMSG;
	if (!(d.flags & VMB_PKT_FLAG_COMPLETION_REQUESTED))
		return -EBADMSG;
	payload = len - off;
	if (payload < VMB_STOR_HDR_SIZE)
		return -EBADMSG;

	memcpy(hdr, p + off, sizeof(hdr));
	req->trans_id = d.trans_id;
	req->op = hdr[0];
	req->size = payload - VMB_STOR_HDR_SIZE;
	if (req->size > VMB_STOR_SRB_SIZE)
		req->size = VMB_STOR_SRB_SIZE;
	memset(body, 0, sizeof(body));
	memcpy(body, p + off + VMB_STOR_HDR_SIZE, req->size);

	if (d.type == VMB_PKT_DATA_USING_GPA_DIRECT &&
	    req->op != VMB_STOR_OP_EXECUTE_SRB)
		return -EBADMSG;

	switch (req->op) {
	case VMB_STOR_OP_EXECUTE_SRB:
		req->path = body[5];
		req->target = body[6];
		req->lun = body[7];
		return parse_srb(body, &d, pkt, len, req);
	case VMB_STOR_OP_RESET_LUN:
	case VMB_STOR_OP_RESET_BUS:
	case VMB_STOR_OP_RESET_ADAPTER:
		/* the address, where the guest gave one */
		req->path = body[5];
		req->target = body[6];
		req->lun = body[7];
		return 0;
	case VMB_STOR_OP_QUERY_PROTOCOL_VERSION:
		if (req->size < sizeof(struct vmb_stor_version))
			return -EBADMSG;
		req->version = body[0] | (u16)body[1] << 8;
		return 0;
	case VMB_STOR_OP_CREATE_SUB_CHANNELS:
		if (req->size < sizeof(u16))
			return -EBADMSG;
		req->subchannels = body[0] | (u16)body[1] << 8;
		return 0;
	default:
		return 0;
	}
}

/* ---- state ---- */

void vmb_stor_ctl_init(struct vmb_stor_ctl *c, u32 max_xfer, u16 max_sub)
{
	memset(c, 0, sizeof(*c));
	max_xfer -= max_xfer % VMB_STOR_PAGE_SIZE;
	c->max_xfer = max_xfer ? max_xfer : VMB_STOR_PAGE_SIZE;
	c->max_sub = max_sub;
	vmb_stor_ctl_reset(c);
}

void vmb_stor_ctl_reset(struct vmb_stor_ctl *c)
{
	WRITE_ONCE(c->state, VMB_STOR_ST_BEGIN);
	c->sub_asked = false;
	c->version = 0;
	c->nsub = 0;
}

bool vmb_stor_version_ok(u16 version)
{
	switch (version) {
	case VMB_STOR_VERSION_WIN7:
	case VMB_STOR_VERSION_WIN8:
	case VMB_STOR_VERSION_WIN8_1:
	case VMB_STOR_VERSION_WIN10:
		return true;
	default:
		return false;
	}
}

/* ---- replies ---- */

/* A COMPLETE_IO of the request's size, its body zero. */
static void reply(const struct vmb_stor_req *req, u32 status,
		  struct vmb_stor_out *out)
{
	memset(&out->reply, 0, sizeof(out->reply));
	out->reply.operation = VMB_STOR_OP_COMPLETE_IO;
	out->reply.status = status;
	out->len = VMB_STOR_HDR_SIZE + req->size;
	out->data_len = 0;
}

/* A COMPLETE_IO for an SRB: the request's address, and the results. */
static void srb_reply(const struct vmb_stor_req *req, u32 status,
		      u8 srb_status, u8 scsi_status, u32 xfer,
		      struct vmb_stor_out *out)
{
	struct vmb_stor_srb *s = &out->reply.srb;

	reply(req, status, out);
	s->length = (u16)req->size;
	s->srb_status = srb_status;
	s->scsi_status = scsi_status;
	s->path_id = req->path;
	s->target_id = req->target;
	s->lun = req->lun;
	s->cdb_length = req->cdb_len;
	s->data_in = req->dir;
	s->data_transfer_length = xfer;
}

u32 vmb_stor_sense(u8 *sense, u8 key, u8 asc, u8 ascq)
{
	memset(sense, 0, VMB_STOR_SENSE_MAX);
	sense[0] = 0x70;		/* current error, fixed format */
	sense[2] = key;
	sense[7] = 10;			/* additional length */
	sense[12] = asc;
	sense[13] = ascq;
	return 18;
}

/* CHECK CONDITION with sense (as much as the guest has room for). */
static void check_condition(const struct vmb_stor_req *req, u32 status,
			    const u8 *sense, u32 sense_len,
			    struct vmb_stor_out *out)
{
	struct vmb_stor_srb *s = &out->reply.srb;
	u32 n = sense_len;

	if (n > req->sense_len)
		n = req->sense_len;
	srb_reply(req, status, n ? VMB_SRB_STATUS_ERROR |
		  VMB_SRB_STATUS_AUTOSENSE_VALID : VMB_SRB_STATUS_ERROR,
		  SCSI_STATUS_CHECK_CONDITION, 0, out);
	/* the sense shares its bytes with the CDB: that is the wire */
	memcpy(s->sense_data, sense, n);
	s->sense_info_length = (u8)n;
}

static void illegal_request(const struct vmb_stor_req *req, u8 asc,
			    struct vmb_stor_out *out)
{
	u8 sense[VMB_STOR_SENSE_MAX];
	u32 n = vmb_stor_sense(sense, SENSE_ILLEGAL_REQUEST, asc, 0);

	check_condition(req, VMB_STOR_NT_INVALID_DEVICE_REQUEST, sense, n,
			out);
}

void vmb_stor_complete(const struct vmb_stor_req *req, u8 scsi_status,
		       const u8 *sense, u32 sense_len, u32 xfer,
		       struct vmb_stor_out *out)
{
	if (xfer > req->xfer_len)
		xfer = req->xfer_len;
	switch (scsi_status) {
	case SCSI_STATUS_GOOD:
		srb_reply(req, VMB_STOR_NT_SUCCESS, VMB_SRB_STATUS_SUCCESS,
			  SCSI_STATUS_GOOD, xfer, out);
		break;
	case SCSI_STATUS_CHECK_CONDITION:
		check_condition(req, VMB_STOR_NT_IO_DEVICE_ERROR, sense,
				sense ? sense_len : 0, out);
		break;
	default:
		/*
		 * BUSY, RESERVATION CONFLICT, TASK SET FULL...: the guest's
		 * SCSI layer knows them (retry, or fail the caller); any SRB
		 * status but success would turn them into a host error.
		 */
		srb_reply(req, VMB_STOR_NT_SUCCESS, VMB_SRB_STATUS_SUCCESS,
			  scsi_status, 0, out);
		break;
	}
}

void vmb_stor_fail(const struct vmb_stor_req *req, struct vmb_stor_out *out)
{
	srb_reply(req, VMB_STOR_NT_IO_DEVICE_ERROR, VMB_SRB_STATUS_ERROR,
		  SCSI_STATUS_GOOD, 0, out);
}

/* Data for the guest's buffer: as much as the CDB and the buffer take. */
static enum vmb_stor_act data_reply(const struct vmb_stor_req *req,
				    u32 alloc, u32 n, struct vmb_stor_out *out)
{
	if (n > alloc)
		n = alloc;
	if (req->dir != VMB_STOR_DATA_IN)
		n = 0;
	if (n > req->xfer_len)
		n = req->xfer_len;
	srb_reply(req, VMB_STOR_NT_SUCCESS, VMB_SRB_STATUS_SUCCESS,
		  SCSI_STATUS_GOOD, n, out);
	out->data_len = n;
	return n ? VMB_STOR_ACT_DATA : VMB_STOR_ACT_REPLY;
}

enum vmb_stor_act vmb_stor_absent(const struct vmb_stor_req *req,
				  struct vmb_stor_out *out)
{
	u8 *d = out->data;

	switch (req->cdb[0]) {
	case SCSI_INQUIRY:
		if (req->cdb_len < 6)
			break;
		if (req->cdb[1] & 1) {	/* a VPD page: none here */
			illegal_request(req, 0x25, out);  /* LU not supported */
			return VMB_STOR_ACT_REPLY;
		}
		memset(d, 0, 36);
		d[0] = 0x7f;		/* qualifier 3: no LUN here; type 0x1f */
		d[2] = 0x05;		/* SPC-3 */
		d[3] = 0x02;		/* response data format 2 */
		d[4] = 36 - 5;		/* additional length */
		return data_reply(req, vmb_stor_be16(req->cdb + 3), 36, out);
	case SCSI_REPORT_LUNS:
		if (req->cdb_len < 12)
			break;
		memset(d, 0, 8);	/* an empty list */
		return data_reply(req, vmb_stor_be32(req->cdb + 6), 8, out);
	}
	srb_reply(req, VMB_STOR_NT_DEVICE_DOES_NOT_EXIST,
		  VMB_SRB_STATUS_INVALID_LUN, SCSI_STATUS_CHECK_CONDITION, 0,
		  out);
	return VMB_STOR_ACT_REPLY;
}

/* ---- the state machine ---- */

static enum vmb_stor_act bad_state(const struct vmb_stor_req *req,
				   struct vmb_stor_out *out)
{
	reply(req, VMB_STOR_NT_INVALID_DEVICE_STATE, out);
	return VMB_STOR_ACT_REPLY;
}

static enum vmb_stor_act srb(const struct vmb_stor_ctl *c,
			     const struct vmb_stor_req *req,
			     struct vmb_stor_out *out)
{
	if (READ_ONCE(c->state) != VMB_STOR_ST_READY)
		return bad_state(req, out);
	if (req->xfer_len > c->max_xfer) {
		/* more than the guest was told it may ask */
		illegal_request(req, 0x24, out);  /* invalid field in CDB */
		return VMB_STOR_ACT_REPLY;
	}
	if (req->path || req->target || req->lun >= VMB_STOR_LUNS)
		return vmb_stor_absent(req, out);
	out->len = 0;		/* the answer comes later */
	out->data_len = 0;
	return VMB_STOR_ACT_SCSI;
}

static enum vmb_stor_act init_step(struct vmb_stor_ctl *c,
				   const struct vmb_stor_req *req,
				   struct vmb_stor_out *out)
{
	bool multi;

	switch (req->op) {
	case VMB_STOR_OP_BEGIN_INITIALIZATION:
		if (c->state != VMB_STOR_ST_BEGIN)
			return bad_state(req, out);
		reply(req, VMB_STOR_NT_SUCCESS, out);
		WRITE_ONCE(c->state, VMB_STOR_ST_VERSION);
		return VMB_STOR_ACT_REPLY;
	case VMB_STOR_OP_QUERY_PROTOCOL_VERSION:
		if (c->state != VMB_STOR_ST_VERSION)
			return bad_state(req, out);
		if (!vmb_stor_version_ok(req->version)) {
			/* the guest tries an older one next */
			reply(req, VMB_STOR_NT_REVISION_MISMATCH, out);
		} else {
			reply(req, VMB_STOR_NT_SUCCESS, out);
			c->version = req->version;
			WRITE_ONCE(c->state, VMB_STOR_ST_PROPERTIES);
		}
		out->reply.version.major_minor = req->version;
		return VMB_STOR_ACT_REPLY;
	case VMB_STOR_OP_QUERY_PROPERTIES:
		if (c->state != VMB_STOR_ST_PROPERTIES)
			return bad_state(req, out);
		reply(req, VMB_STOR_NT_SUCCESS, out);
		multi = c->version >= VMB_STOR_VERSION_WIN8 && c->max_sub;
		out->reply.props.max_channel_cnt = multi ? c->max_sub : 0;
		out->reply.props.flags = multi ? VMB_STOR_PROP_MULTI_CHANNEL : 0;
		out->reply.props.max_transfer_bytes = c->max_xfer;
		WRITE_ONCE(c->state, VMB_STOR_ST_END);
		return VMB_STOR_ACT_REPLY;
	case VMB_STOR_OP_END_INITIALIZATION:
		if (c->state != VMB_STOR_ST_END)
			return bad_state(req, out);
		reply(req, VMB_STOR_NT_SUCCESS, out);
		WRITE_ONCE(c->state, VMB_STOR_ST_READY);
		return VMB_STOR_ACT_REPLY;
	case VMB_STOR_OP_CREATE_SUB_CHANNELS:
		/* before END once, or when ready */
		if (!(c->state == VMB_STOR_ST_END && !c->sub_asked) &&
		    c->state != VMB_STOR_ST_READY)
			return bad_state(req, out);
		if (c->version < VMB_STOR_VERSION_WIN8 || !c->max_sub ||
		    !req->subchannels || req->subchannels > c->max_sub) {
			reply(req, VMB_STOR_NT_INVALID_PARAMETER, out);
			return VMB_STOR_ACT_REPLY;
		}
		reply(req, VMB_STOR_NT_SUCCESS, out);
		if (c->state == VMB_STOR_ST_END)
			c->sub_asked = true;
		return VMB_STOR_ACT_SUBCHANNELS;
	}
	return bad_state(req, out);
}

enum vmb_stor_act vmb_stor_handle(struct vmb_stor_ctl *c,
				  const struct vmb_stor_req *req, bool primary,
				  struct vmb_stor_out *out)
{
	switch (req->op) {
	case VMB_STOR_OP_EXECUTE_SRB:
		return srb(c, req, out);
	case VMB_STOR_OP_RESET_LUN:
	case VMB_STOR_OP_RESET_BUS:
	case VMB_STOR_OP_RESET_ADAPTER:
		if (READ_ONCE(c->state) != VMB_STOR_ST_READY)
			return bad_state(req, out);
		reply(req, VMB_STOR_NT_SUCCESS, out);
		return VMB_STOR_ACT_RESET;
	case VMB_STOR_OP_BEGIN_INITIALIZATION:
	case VMB_STOR_OP_QUERY_PROTOCOL_VERSION:
	case VMB_STOR_OP_QUERY_PROPERTIES:
	case VMB_STOR_OP_END_INITIALIZATION:
	case VMB_STOR_OP_CREATE_SUB_CHANNELS:
		if (!primary)
			return bad_state(req, out);
		return init_step(c, req, out);
	default:
		/* FCHBA_DATA (no Fibre Channel here), host-only or unknown */
		reply(req, VMB_STOR_NT_INVALID_DEVICE_REQUEST, out);
		return VMB_STOR_ACT_REPLY;
	}
}

void vmb_stor_subchannels_done(struct vmb_stor_ctl *c, int count,
			       struct vmb_stor_out *out)
{
	if (count < 0) {
		out->reply.status = VMB_STOR_NT_UNSUCCESSFUL;
		return;
	}
	/* fewer than asked when relids ran out: storvsc takes what comes */
	c->nsub = (u16)count;
}

u32 vmb_stor_build_rescan(const struct vmb_stor_ctl *c,
			  struct vmb_stor_packet *pkt)
{
	if (READ_ONCE(c->state) != VMB_STOR_ST_READY)
		return 0;
	memset(pkt, 0, sizeof(*pkt));
	pkt->operation = VMB_STOR_OP_ENUMERATE_BUS;
	return VMB_STOR_HDR_SIZE + (c->version >= VMB_STOR_VERSION_WIN8 ?
				    VMB_STOR_SRB_SIZE : VMB_STOR_SRB_SIZE_V1);
}
