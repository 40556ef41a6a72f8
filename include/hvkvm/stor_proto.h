/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The synthetic SCSI controller's protocol (storvsc, "vstor") on the
 * wire, byte for byte as Linux's hv_storvsc (drivers/scsi/storvsc_drv.c)
 * and Hyper-V lay it out. All fields are little-endian (SCSI data in the
 * guest's buffers is big-endian, as SCSI has it); every struct is checked
 * for its size and the fields that matter for their offsets below.
 *
 * Every packet on a controller's channels carries one struct
 * vmb_stor_packet: a 12-byte header and a body whose size depends on the
 * protocol version (52 bytes from Windows 8's protocol on, 36 before).
 * Requests with data (EXECUTE_SRB that moves bytes) come as GPA-direct
 * packets with exactly one range naming the guest's buffer, page by page.
 * Names start with vmb_stor_ so that they never meet Linux's own.
 */
#ifndef _HVKVM_STOR_PROTO_H
#define _HVKVM_STOR_PROTO_H

#include "shim.h"

#define VMB_STOR_OFF_ASSERT(t, f, n) \
	_Static_assert(__builtin_offsetof(t, f) == (n), #t "." #f)

/* ---- operations (vmb_stor_packet.operation) ---- */

enum vmb_stor_op {
	VMB_STOR_OP_COMPLETE_IO			= 1,	/* host: every reply */
	VMB_STOR_OP_REMOVE_DEVICE		= 2,	/* host: rescan */
	VMB_STOR_OP_EXECUTE_SRB			= 3,
	VMB_STOR_OP_RESET_LUN			= 4,
	VMB_STOR_OP_RESET_ADAPTER		= 5,
	VMB_STOR_OP_RESET_BUS			= 6,
	VMB_STOR_OP_BEGIN_INITIALIZATION	= 7,
	VMB_STOR_OP_END_INITIALIZATION		= 8,
	VMB_STOR_OP_QUERY_PROTOCOL_VERSION	= 9,
	VMB_STOR_OP_QUERY_PROPERTIES		= 10,
	VMB_STOR_OP_ENUMERATE_BUS		= 11,	/* host: rescan */
	VMB_STOR_OP_FCHBA_DATA			= 12,	/* Fibre Channel only */
	VMB_STOR_OP_CREATE_SUB_CHANNELS		= 13,
};

/* vmb_stor_packet.flags: the guest sets it on every request */
#define VMB_STOR_FLAG_REQUEST_COMPLETION	0x1

/* ---- protocol versions: major in the high byte ---- */

#define VMB_STOR_VERSION_WIN6		0x0200
#define VMB_STOR_VERSION_WIN7		0x0402
#define VMB_STOR_VERSION_WIN8		0x0501
#define VMB_STOR_VERSION_WIN8_1		0x0600
#define VMB_STOR_VERSION_WIN10		0x0602

/* ---- status (vmb_stor_packet.status): NTSTATUS codes ---- */

#define VMB_STOR_NT_SUCCESS			0x00000000u
#define VMB_STOR_NT_BUFFER_OVERFLOW		0x80000005u
#define VMB_STOR_NT_UNSUCCESSFUL		0xc0000001u
#define VMB_STOR_NT_INVALID_PARAMETER		0xc000000du
#define VMB_STOR_NT_INVALID_DEVICE_REQUEST	0xc0000010u
#define VMB_STOR_NT_REVISION_MISMATCH		0xc0000059u
#define VMB_STOR_NT_DEVICE_DOES_NOT_EXIST	0xc00000c0u
#define VMB_STOR_NT_CANCELLED			0xc0000120u
#define VMB_STOR_NT_INVALID_DEVICE_STATE	0xc0000184u
#define VMB_STOR_NT_IO_DEVICE_ERROR		0xc0000185u
#define VMB_STOR_NT_DEVICE_BUSY			0x80000011u

/* ---- the SCSI request block ---- */

/* vmb_stor_srb.data_in */
#define VMB_STOR_DATA_OUT		0	/* to the device (a write) */
#define VMB_STOR_DATA_IN		1	/* from the device (a read) */
#define VMB_STOR_DATA_NONE		2

/* vmb_stor_srb.srb_status: a 6-bit status and two flags */
#define VMB_SRB_STATUS_PENDING		0x00
#define VMB_SRB_STATUS_SUCCESS		0x01
#define VMB_SRB_STATUS_ABORTED		0x02
#define VMB_SRB_STATUS_ERROR		0x04
#define VMB_SRB_STATUS_INVALID_REQUEST	0x06
#define VMB_SRB_STATUS_DATA_OVERRUN	0x12
#define VMB_SRB_STATUS_INVALID_LUN	0x20
#define VMB_SRB_STATUS_QUEUE_FROZEN	0x40
#define VMB_SRB_STATUS_AUTOSENSE_VALID	0x80

#define VMB_STOR_CDB_MAX		16
#define VMB_STOR_SENSE_MAX		20	/* 18 before Windows 8's protocol */

struct vmb_stor_srb {
	u16 length;		/* the SRB's size: 52 (36 before Win8) */
	u8 srb_status;		/* reply */
	u8 scsi_status;		/* reply: SAM status */
	u8 port_number;		/* the guest's SCSI host number */
	u8 path_id;		/* SCSI channel */
	u8 target_id;
	u8 lun;
	u8 cdb_length;
	u8 sense_info_length;	/* request: room; reply: bytes valid */
	u8 data_in;		/* VMB_STOR_DATA_* */
	u8 reserved;
	u32 data_transfer_length; /* request: buffer; reply: bytes moved */
	union {
		u8 cdb[VMB_STOR_CDB_MAX];
		u8 sense_data[VMB_STOR_SENSE_MAX];
	};
	/* from Windows 8's protocol on */
	u16 reserve;
	u8 queue_tag;
	u8 queue_action;
	u32 srb_flags;
	u32 time_out_value;
	u32 queue_sort_key;
} __packed;

#define VMB_STOR_SRB_SIZE		52	/* from Win8's protocol on */
#define VMB_STOR_SRB_SIZE_V1		36	/* before */

/* ---- the controller's properties (reply to QUERY_PROPERTIES) ---- */

#define VMB_STOR_PROP_MULTI_CHANNEL	0x1

struct vmb_stor_properties {
	u32 reserved;
	u16 max_channel_cnt;	/* sub-channels the host will make */
	u16 reserved1;
	u32 flags;		/* VMB_STOR_PROP_* */
	u32 max_transfer_bytes;
	u64 reserved2;
} __packed;

struct vmb_stor_version {
	u16 major_minor;
	u16 revision;
} __packed;

/* ---- the packet ---- */

#define VMB_STOR_HDR_SIZE		12

struct vmb_stor_packet {
	u32 operation;		/* enum vmb_stor_op */
	u32 flags;		/* VMB_STOR_FLAG_* */
	u32 status;		/* reply: VMB_STOR_NT_* */
	union {
		struct vmb_stor_srb srb;
		struct vmb_stor_properties props;
		struct vmb_stor_version version;
		u16 sub_channel_count;	/* CREATE_SUB_CHANNELS */
		u8 body[VMB_STOR_SRB_SIZE];
	};
} __packed;

#define VMB_STOR_PACKET_SIZE		(VMB_STOR_HDR_SIZE + VMB_STOR_SRB_SIZE)

static_assert_size(struct vmb_stor_srb, VMB_STOR_SRB_SIZE);
static_assert_size(struct vmb_stor_properties, 24);
static_assert_size(struct vmb_stor_version, 4);
static_assert_size(struct vmb_stor_packet, 64);
VMB_STOR_OFF_ASSERT(struct vmb_stor_packet, srb, 12);
VMB_STOR_OFF_ASSERT(struct vmb_stor_srb, data_transfer_length, 12);
VMB_STOR_OFF_ASSERT(struct vmb_stor_srb, cdb, 16);
VMB_STOR_OFF_ASSERT(struct vmb_stor_srb, reserve, VMB_STOR_SRB_SIZE_V1);
VMB_STOR_OFF_ASSERT(struct vmb_stor_srb, srb_flags, 40);
VMB_STOR_OFF_ASSERT(struct vmb_stor_properties, max_transfer_bytes, 12);

/* SCSI's own fields (CDBs, the data of INQUIRY and the like): big-endian. */
static inline u32 vmb_stor_be16(const u8 *p)
{
	return (u32)p[0] << 8 | p[1];
}

static inline u32 vmb_stor_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline u64 vmb_stor_be64(const u8 *p)
{
	return (u64)vmb_stor_be32(p) << 32 | vmb_stor_be32(p + 4);
}

#endif /* _HVKVM_STOR_PROTO_H */
