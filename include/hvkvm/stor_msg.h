/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The synthetic SCSI controller's protocol, host side, as portable code:
 * parsing the guest's packets, the controller's protocol state (the
 * initialisation sequence, versions, sub-channels), the replies, and the
 * answers for addresses where no disk is. The SCSI commands themselves
 * go to a SCSI target (LIO, in kmod/vsp_storage); this code only carries
 * them and their results.
 *
 * The bus a controller presents: path 0, target 0, LUNs 0 to
 * VMB_STOR_LUNS - 1, as Hyper-V places its disks. A guest's scan also
 * asks the other paths and targets (Linux: 8 paths, 2 targets, 255
 * LUNs): those are answered here as absent, never as disks.
 *
 * Parsing reads each field of the guest's bytes once, checks every
 * length before use, and never reads past the packet. Nothing here
 * allocates, sleeps or logs.
 */
#ifndef _HVKVM_STOR_MSG_H
#define _HVKVM_STOR_MSG_H

#include <hvkvm/stor_proto.h>
#include <hvkvm/vmbus_proto.h>

#define VMB_STOR_LUNS		64	/* per controller, as Hyper-V's */
#define VMB_STOR_PAGE_SIZE	4096	/* the guest's page numbers' unit */

/*
 * A packet from the guest, parsed. size is how many body bytes the
 * request had (at most VMB_STOR_SRB_SIZE): its reply has as many, as
 * Hyper-V does (Linux 6.1 relies on it during initialisation, and a
 * storvsc ring takes no packet longer than 16 + 64 bytes).
 */
struct vmb_stor_req {
	u64 trans_id;
	u32 op;			/* enum vmb_stor_op */
	u32 size;		/* body bytes, <= VMB_STOR_SRB_SIZE */
	u16 version;		/* QUERY_PROTOCOL_VERSION */
	u16 subchannels;	/* CREATE_SUB_CHANNELS */
	/* EXECUTE_SRB; path, target and lun for the resets too */
	u8 path, target, lun;
	u8 cdb_len;		/* 1..16 */
	u8 dir;			/* VMB_STOR_DATA_* */
	u8 sense_len;		/* room for sense, at most VMB_STOR_SENSE_MAX */
	u8 cdb[VMB_STOR_CDB_MAX];
	u32 xfer_len;		/* bytes of the guest's buffer to use */
	/*
	 * The buffer, when xfer_len > 0: it starts offset bytes into the
	 * first of npfn guest pages (those xfer_len bytes touch), whose
	 * numbers are at pfn, inside the packet (read them with vmb_pfn()).
	 */
	u32 offset;
	u32 npfn;
	const u64 *pfn;
};

/*
 * A packet (pkt, len bytes, descriptor included, as VMBus hands it over
 * with offset8 and len8 already checked against len) into *req: 0, or
 * -EBADMSG when it breaks the protocol: not INBAND or GPA-direct, no
 * completion asked for, shorter than its header or its operation's
 * body, an SRB with a CDB length of 0 or over 16, an unknown direction,
 * data with no buffer, a buffer shorter than the transfer, more than one
 * range, or a GPA-direct packet for anything but EXECUTE_SRB. Unknown
 * operations parse (the state machine answers them).
 */
int vmb_stor_parse(const void *pkt, u32 len, struct vmb_stor_req *req);

/* ---- the controller's protocol state ---- */

enum vmb_stor_state {
	VMB_STOR_ST_BEGIN,		/* waits for BEGIN_INITIALIZATION */
	VMB_STOR_ST_VERSION,		/* for QUERY_PROTOCOL_VERSION */
	VMB_STOR_ST_PROPERTIES,		/* for QUERY_PROPERTIES */
	VMB_STOR_ST_END,		/* for END_INITIALIZATION */
	VMB_STOR_ST_READY,		/* SCSI commands flow */
};

/*
 * One per controller. The host sets the limits (vmb_stor_ctl_init);
 * vmb_stor_ctl_reset starts the protocol over, at every open of the
 * primary channel. Only the primary channel's packets change the state
 * (one at a time); the sub-channels' read it.
 */
struct vmb_stor_ctl {
	u32 max_xfer;		/* bytes per request: 4096 * n */
	u16 max_sub;		/* sub-channels the host may make */
	u8 state;		/* enum vmb_stor_state */
	bool sub_asked;		/* CREATE_SUB_CHANNELS before END */
	u16 version;		/* the one agreed on */
	u16 nsub;		/* the sub-channels the guest asked for */
};

/*
 * max_xfer is rounded down to whole pages, at least one; max_sub
 * sub-channels are offered from the Windows 8 protocol on (0: none).
 */
void vmb_stor_ctl_init(struct vmb_stor_ctl *c, u32 max_xfer, u16 max_sub);
void vmb_stor_ctl_reset(struct vmb_stor_ctl *c);

/* True for the versions the host accepts (Windows 7's protocol on). */
bool vmb_stor_version_ok(u16 version);

/* The reply to a request, and what the host must do before sending it. */
struct vmb_stor_out {
	struct vmb_stor_packet reply;
	u32 len;		/* bytes of reply to send */
	/* VMB_STOR_ACT_DATA: bytes for the start of the guest's buffer */
	u32 data_len;
	u8 data[36];
};

enum vmb_stor_act {
	/* send out->reply */
	VMB_STOR_ACT_REPLY,
	/* copy out->data into the guest's buffer, then send out->reply */
	VMB_STOR_ACT_DATA,
	/*
	 * a SCSI command for LUN req->lun of the bus: when the LUN is
	 * there, execute it and answer with vmb_stor_complete(); when it
	 * is not, answer with vmb_stor_absent()
	 */
	VMB_STOR_ACT_SCSI,
	/*
	 * make req->subchannels sub-channels, then vmb_stor_subchannels_done()
	 * and send out->reply
	 */
	VMB_STOR_ACT_SUBCHANNELS,
	/*
	 * reset LUN req->lun (RESET_LUN) or every LUN (RESET_BUS,
	 * RESET_ADAPTER), then send out->reply
	 */
	VMB_STOR_ACT_RESET,
};

/*
 * A parsed request on the primary channel (primary) or a sub-channel of
 * controller c: what to do (enum vmb_stor_act), with the reply built in
 * *out. Requests out of order, or not for a sub-channel, are answered
 * with INVALID_DEVICE_STATE and change nothing; unknown operations with
 * INVALID_DEVICE_REQUEST; an SRB with a transfer over max_xfer with
 * ILLEGAL REQUEST; an SRB for an address off the bus as absent.
 */
enum vmb_stor_act vmb_stor_handle(struct vmb_stor_ctl *c,
				  const struct vmb_stor_req *req, bool primary,
				  struct vmb_stor_out *out);

/*
 * The answer from the sub-channels' maker: count, how many the device
 * has now, or a negative errno (then the reply says UNSUCCESSFUL).
 */
void vmb_stor_subchannels_done(struct vmb_stor_ctl *c, int count,
			       struct vmb_stor_out *out);

/*
 * The completion of a SCSI command from its SAM status, sense data
 * (fixed or descriptor format, sense_len bytes, cut to what the guest
 * has room for) and bytes moved, into *out (VMB_STOR_ACT_REPLY), in the
 * form the guest's driver reads (Linux: storvsc_on_io_completion): GOOD
 * is SRB success with the bytes moved; CHECK CONDITION is an SRB error,
 * with autosense when there is sense; any other status (BUSY,
 * RESERVATION CONFLICT, TASK SET FULL) goes to the guest's SCSI layer as
 * it is, with SRB success and nothing moved.
 */
void vmb_stor_complete(const struct vmb_stor_req *req, u8 scsi_status,
		       const u8 *sense, u32 sense_len, u32 xfer,
		       struct vmb_stor_out *out);

/*
 * The completion of a command the host could not carry out (guest
 * memory it cannot use, no memory): SRB error, nothing moved.
 */
void vmb_stor_fail(const struct vmb_stor_req *req, struct vmb_stor_out *out);

/*
 * The answer for a LUN where no disk is (VMB_STOR_ACT_DATA or _REPLY):
 * a standard INQUIRY gets peripheral qualifier 3, device type 0x1f (the
 * guest forces an INQUIRY's status to success, so absence must be in the
 * data: all-zero data would be a disk); REPORT LUNS an empty list;
 * anything else INVALID_LUN, after which the guest removes a disk it
 * knew there.
 */
enum vmb_stor_act vmb_stor_absent(const struct vmb_stor_req *req,
				  struct vmb_stor_out *out);

/*
 * The host's notice that LUNs came or went (ENUMERATE_BUS: the guest
 * scans again), into *pkt: its length, or 0 when the controller is not
 * ready (the guest scans when it gets there).
 */
u32 vmb_stor_build_rescan(const struct vmb_stor_ctl *c,
			  struct vmb_stor_packet *pkt);

/* Fixed-format sense data (18 bytes) into sense[VMB_STOR_SENSE_MAX]. */
u32 vmb_stor_sense(u8 *sense, u8 key, u8 asc, u8 ascq);

#endif /* _HVKVM_STOR_MSG_H */
