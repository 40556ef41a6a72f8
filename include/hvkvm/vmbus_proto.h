/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMBus on the wire: the channel-management messages, the ring layout and
 * the packet descriptors, byte for byte as Hyper-V guests use them. All
 * fields are little-endian; every struct is checked for its size below.
 *
 * Shared by the host modules, the guest modules and the native tests.
 * Names start with vmb_ so that they never meet <linux/hyperv.h>'s.
 */
#ifndef _HVKVM_VMBUS_PROTO_H
#define _HVKVM_VMBUS_PROTO_H

#include "shim.h"

/* ---- versions and connection ids ---- */

#define VMB_VERSION(major, minor)	((u32)(major) << 16 | (u32)(minor))
#define VMB_VERSION_WS2008		VMB_VERSION(0, 13)
#define VMB_VERSION_WIN7		VMB_VERSION(1, 1)
#define VMB_VERSION_WIN8		VMB_VERSION(2, 4)
#define VMB_VERSION_WIN8_1		VMB_VERSION(3, 0)
#define VMB_VERSION_WIN10		VMB_VERSION(4, 0)
#define VMB_VERSION_WIN10_RS3_0		VMB_VERSION(4, 1)
#define VMB_VERSION_WIN10_RS3_1		VMB_VERSION(5, 0)
#define VMB_VERSION_WIN10_RS4		VMB_VERSION(5, 1)
#define VMB_VERSION_WIN10_RS5		VMB_VERSION(5, 2)
#define VMB_VERSION_WS2022		VMB_VERSION(5, 3)

#define VMB_MESSAGE_CONN_ID		1	/* messages before 5.0, and after */
#define VMB_EVENT_CONN_ID		2	/* pre-2.4 interrupt page */
#define VMB_MONITOR_CONN_ID		3
#define VMB_MESSAGE_CONN_ID_4		4	/* INITIATE_CONTACT from 5.0 */

#define VMB_MESSAGE_SINT		2	/* messages and channel events */
#define VMB_HVMSG_TYPE			1	/* the SynIC message type */
#define VMB_MSG_MAX			240	/* a SynIC message's payload */
#define VMB_RELID_MAX			2047	/* bits of a SINT's event flags */

/* ---- channel-management messages ---- */

enum vmb_msgtype {
	VMB_MSG_INVALID			= 0,
	VMB_MSG_OFFERCHANNEL		= 1,
	VMB_MSG_RESCIND_CHANNELOFFER	= 2,
	VMB_MSG_REQUESTOFFERS		= 3,
	VMB_MSG_ALLOFFERS_DELIVERED	= 4,
	VMB_MSG_OPENCHANNEL		= 5,
	VMB_MSG_OPENCHANNEL_RESULT	= 6,
	VMB_MSG_CLOSECHANNEL		= 7,
	VMB_MSG_GPADL_HEADER		= 8,
	VMB_MSG_GPADL_BODY		= 9,
	VMB_MSG_GPADL_CREATED		= 10,
	VMB_MSG_GPADL_TEARDOWN		= 11,
	VMB_MSG_GPADL_TORNDOWN		= 12,
	VMB_MSG_RELID_RELEASED		= 13,
	VMB_MSG_INITIATE_CONTACT	= 14,
	VMB_MSG_VERSION_RESPONSE	= 15,
	VMB_MSG_UNLOAD			= 16,
	VMB_MSG_UNLOAD_RESPONSE		= 17,
	VMB_MSG_OPEN_RESERVED_CHANNEL	= 18,
	VMB_MSG_CLOSE_RESERVED_CHANNEL	= 19,
	VMB_MSG_CLOSE_RESERVED_RESPONSE	= 20,
	VMB_MSG_TL_CONNECT_REQUEST	= 21,
	VMB_MSG_MODIFYCHANNEL		= 22,
	VMB_MSG_TL_CONNECT_RESULT	= 23,
	VMB_MSG_MODIFYCHANNEL_RESPONSE	= 24,
	VMB_MSG_COUNT
};

/* Microsoft's mixed-endian GUID: the first three fields little-endian. */
struct vmb_guid {
	u8 b[16];
};

struct vmb_msg_hdr {
	u32 msgtype;
	u32 padding;
} __packed;

struct vmb_msg_initiate_contact {
	struct vmb_msg_hdr hdr;
	u32 version;
	u32 target_vcpu;
	union {
		u64 interrupt_page;	/* before 5.0 */
		struct {
			u8 msg_sint;	/* 5.0 and later */
			u8 vtl;
			u8 reserved[2];
			u32 feature_flags;
		};
	};
	u64 monitor_page1;
	u64 monitor_page2;
} __packed;

enum vmb_connection_state {
	VMB_CONNECTION_SUCCESSFUL	= 0,
	VMB_CONNECTION_LOW_RESOURCES	= 1,
	VMB_CONNECTION_UNKNOWN_FAILURE	= 2,
};

struct vmb_msg_version_response {
	struct vmb_msg_hdr hdr;
	u8 version_supported;
	u8 connection_state;
	u16 padding;
	u32 msg_conn_id;
} __packed;

#define VMB_CHN_FLAG_ENUMERATE_DEVICE_INTERFACE	0x0001
#define VMB_CHN_FLAG_NAMED_PIPE_MODE		0x0010
#define VMB_CHN_FLAG_TLNPI_PROVIDER		0x2000

/* OPENCHANNEL's target_vp: "never interrupt me", the guest polls. */
#define VMB_VP_NO_INTERRUPT			0xffffffffu

/* A pipe channel's user-defined bytes 0..3 (little-endian): its mode. */
#define VMB_PIPE_MODE_BYTE			0
#define VMB_PIPE_MODE_MESSAGE			4

struct vmb_msg_offer {
	struct vmb_msg_hdr hdr;
	struct vmb_guid if_type;
	struct vmb_guid if_instance;
	u64 reserved1;
	u64 reserved2;
	u16 chn_flags;
	u16 mmio_megabytes;
	u8 user_def[120];
	u16 sub_channel_index;
	u16 reserved3;
	u32 child_relid;
	u8 monitorid;
	u8 monitor_allocated;
	u16 is_dedicated_interrupt;
	u32 connection_id;
} __packed;

/* RESCIND_CHANNELOFFER, CLOSECHANNEL, RELID_RELEASED */
struct vmb_msg_relid {
	struct vmb_msg_hdr hdr;
	u32 child_relid;
} __packed;

struct vmb_msg_open {
	struct vmb_msg_hdr hdr;
	u32 child_relid;
	u32 openid;
	u32 ring_gpadl;
	u32 target_vp;
	u32 downstream_offset;	/* page of the host -> guest ring */
	u8 user_data[120];
} __packed;

struct vmb_msg_open_result {
	struct vmb_msg_hdr hdr;
	u32 child_relid;
	u32 openid;
	u32 status;
} __packed;

struct vmb_gpa_range {
	u32 byte_count;
	u32 byte_offset;
	/* u64 pfn[], as many as the range's pages */
} __packed;

struct vmb_msg_gpadl_header {
	struct vmb_msg_hdr hdr;
	u32 child_relid;
	u32 gpadl;
	u16 range_buflen;	/* bytes of all ranges and all their PFNs */
	u16 rangecount;
	/* ranges (struct vmb_gpa_range, then its PFNs), continued in bodies */
	u8 range[];
} __packed;

#define VMB_GPADL_HEADER_RANGE_OFF	20	/* the range area in a header */
#define VMB_GPADL_BODY_DATA_OFF		16	/* and in a body */

struct vmb_msg_gpadl_body {
	struct vmb_msg_hdr hdr;
	u32 msgnumber;		/* Linux leaves it 0: not checked */
	u32 gpadl;
	u8 data[];		/* more of the range area (u64 PFNs) */
} __packed;

struct vmb_msg_gpadl_created {
	struct vmb_msg_hdr hdr;
	u32 child_relid;
	u32 gpadl;
	u32 status;
} __packed;

struct vmb_msg_gpadl_teardown {
	struct vmb_msg_hdr hdr;
	u32 child_relid;
	u32 gpadl;
} __packed;

struct vmb_msg_gpadl_torndown {
	struct vmb_msg_hdr hdr;
	u32 gpadl;
} __packed;

struct vmb_msg_tl_connect_request {
	struct vmb_msg_hdr hdr;
	struct vmb_guid guest_endpoint_id;
	struct vmb_guid host_service_id;
} __packed;

struct vmb_msg_tl_connect_result {
	struct vmb_msg_hdr hdr;
	struct vmb_guid endpoint_id;
	struct vmb_guid service_id;
	s32 status;
} __packed;

struct vmb_msg_modifychannel {
	struct vmb_msg_hdr hdr;
	u32 child_relid;
	u32 target_vp;
} __packed;

struct vmb_msg_modifychannel_response {
	struct vmb_msg_hdr hdr;
	u32 child_relid;
	u32 status;
} __packed;

static_assert_size(struct vmb_msg_hdr, 8);
static_assert_size(struct vmb_msg_initiate_contact, 40);
static_assert_size(struct vmb_msg_version_response, 16);
static_assert_size(struct vmb_msg_offer, 196);
static_assert_size(struct vmb_msg_relid, 12);
static_assert_size(struct vmb_msg_open, 148);
static_assert_size(struct vmb_msg_open_result, 20);
static_assert_size(struct vmb_msg_gpadl_header, 20);
static_assert_size(struct vmb_msg_gpadl_body, 16);
static_assert_size(struct vmb_msg_gpadl_created, 20);
static_assert_size(struct vmb_msg_gpadl_teardown, 16);
static_assert_size(struct vmb_msg_gpadl_torndown, 12);
static_assert_size(struct vmb_msg_tl_connect_request, 40);
static_assert_size(struct vmb_msg_tl_connect_result, 44);
static_assert_size(struct vmb_msg_modifychannel, 16);
static_assert_size(struct vmb_msg_modifychannel_response, 16);

/* ---- rings ---- */

#define VMB_PAGE_SIZE			4096
#define VMB_RING_FEAT_PENDING_SEND_SZ	0x1

/* The first page of each ring; the data area follows. */
struct vmb_ring_hdr {
	u32 write_index;	/* producer's: next byte to write */
	u32 read_index;		/* consumer's: next byte to read */
	u32 interrupt_mask;	/* consumer's: 1 = do not signal me */
	u32 pending_send_sz;	/* producer's: free bytes it waits for */
	u32 reserved1[12];
	u32 feature_bits;
	u8 reserved2[VMB_PAGE_SIZE - 68];
} __packed;

static_assert_size(struct vmb_ring_hdr, VMB_PAGE_SIZE);

enum vmb_pkt_type {
	VMB_PKT_SYNCH			= 0x1,
	VMB_PKT_ADD_XFER_PAGESET	= 0x2,
	VMB_PKT_RM_XFER_PAGESET		= 0x3,
	VMB_PKT_ESTABLISH_GPADL		= 0x4,
	VMB_PKT_TEARDOWN_GPADL		= 0x5,
	VMB_PKT_DATA_INBAND		= 0x6,
	VMB_PKT_DATA_USING_XFER_PAGES	= 0x7,
	VMB_PKT_DATA_USING_GPADL	= 0x8,
	VMB_PKT_DATA_USING_GPA_DIRECT	= 0x9,
	VMB_PKT_CANCEL_REQUEST		= 0xa,
	VMB_PKT_COMP			= 0xb,
	VMB_PKT_DATA_USING_ADDITIONAL	= 0xc,
	VMB_PKT_ADDITIONAL_DATA		= 0xd,
};

#define VMB_PKT_FLAG_COMPLETION_REQUESTED	0x1

struct vmb_pkt_desc {
	u16 type;
	u16 offset8;	/* the payload's offset, in 8-byte units */
	u16 len8;	/* the packet's length without the trailer, likewise */
	u16 flags;
	u64 trans_id;
} __packed;

#define VMB_PKT_TRAILER		8	/* after each packet: u64, start << 32 */

/* GPA-direct packets: a descriptor extension, then the ranges. */
struct vmb_pkt_gpa_direct {
	struct vmb_pkt_desc d;
	u32 reserved;
	u32 range_cnt;
	/* ranges: struct vmb_gpa_range, then its PFNs, back to back */
} __packed;

struct vmb_xfer_range {
	u32 byte_count;
	u32 byte_offset;
} __packed;

struct vmb_pkt_xfer_pages {
	struct vmb_pkt_desc d;
	u16 xfer_pageset_id;
	u8 sender_owns_set;
	u8 reserved;
	u32 range_cnt;
	struct vmb_xfer_range ranges[];
} __packed;

static_assert_size(struct vmb_pkt_desc, 16);
static_assert_size(struct vmb_pkt_gpa_direct, 24);
static_assert_size(struct vmb_pkt_xfer_pages, 24);

/* ---- device classes (interface GUIDs) ---- */

#define VMB_GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)		\
	{ { (a) & 0xff, ((a) >> 8) & 0xff, ((a) >> 16) & 0xff,		\
	    ((a) >> 24) & 0xff, (b) & 0xff, ((b) >> 8) & 0xff,		\
	    (c) & 0xff, ((c) >> 8) & 0xff,				\
	    d0, d1, d2, d3, d4, d5, d6, d7 } }

#define VMB_GUID_NIC		VMB_GUID(0xf8615163, 0xdf3e, 0x46c5, \
				0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e)
#define VMB_GUID_SCSI		VMB_GUID(0xba6163d9, 0x04a1, 0x4d29, \
				0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f)
#define VMB_GUID_SHUTDOWN	VMB_GUID(0x0e0b6031, 0x5213, 0x4934, \
				0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb)
#define VMB_GUID_TIMESYNC	VMB_GUID(0x9527e630, 0xd0ae, 0x497b, \
				0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf)
#define VMB_GUID_HEARTBEAT	VMB_GUID(0x57164f39, 0x9115, 0x4e78, \
				0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d)
#define VMB_GUID_KVP		VMB_GUID(0xa9a0f4e7, 0x5a45, 0x4d96, \
				0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6)

#endif /* _HVKVM_VMBUS_PROTO_H */
