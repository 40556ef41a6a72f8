/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Hyper-V integration components (heartbeat, shutdown, time sync,
 * KVP) on the wire, byte for byte as Linux's hv_utils lays them out
 * (include/linux/hyperv.h, include/uapi/linux/hyperv.h). All fields are
 * little-endian; every struct is checked for its size and the fields
 * that matter for their offsets below.
 *
 * The payload of every IC packet (a VMBus INBAND packet, after its
 * 16-byte descriptor) is: pipe header (8) + IC header (20) + body.
 * Names start with vmb_ic_ so that they never meet <linux/hyperv.h>'s.
 */
#ifndef _HVKVM_IC_PROTO_H
#define _HVKVM_IC_PROTO_H

#include "shim.h"

#define VMB_IC_OFF_ASSERT(t, f, n) \
	_Static_assert(__builtin_offsetof(t, f) == (n), #t "." #f)

/* ---- framing ---- */

#define VMB_IC_PIPE_TYPE_DATA		1	/* vmbuspipe_hdr.flags */

struct vmb_ic_pipe_hdr {
	u32 flags;		/* VMB_IC_PIPE_TYPE_DATA; Linux echoes it */
	u32 msgsize;		/* bytes after this header; Linux ignores it */
} __packed;

struct vmb_ic_version {
	u16 major;
	u16 minor;
} __packed;

#define VMB_IC_MSGTYPE_NEGOTIATE	0
#define VMB_IC_MSGTYPE_HEARTBEAT	1
#define VMB_IC_MSGTYPE_KVPEXCHANGE	2
#define VMB_IC_MSGTYPE_SHUTDOWN		3
#define VMB_IC_MSGTYPE_TIMESYNC		4
#define VMB_IC_MSGTYPE_VSS		5
#define VMB_IC_MSGTYPE_FCOPY		7

#define VMB_IC_FLAG_TRANSACTION		0x01
#define VMB_IC_FLAG_REQUEST		0x02
#define VMB_IC_FLAG_RESPONSE		0x04
#define VMB_IC_FLAGS_HOST_REQUEST	(VMB_IC_FLAG_TRANSACTION | VMB_IC_FLAG_REQUEST)
#define VMB_IC_FLAGS_GUEST_REPLY	(VMB_IC_FLAG_TRANSACTION | VMB_IC_FLAG_RESPONSE)

struct vmb_ic_hdr {
	struct vmb_ic_version icverframe;	/* negotiated framework version */
	u16 icmsgtype;
	struct vmb_ic_version icvermsg;		/* negotiated message version */
	u16 icmsgsize;				/* bytes of body */
	u32 status;				/* HRESULT, set in replies */
	u8 ictransaction_id;			/* 0 from the host */
	u8 icflags;
	u8 reserved[2];
} __packed;

/* What precedes every body. */
struct vmb_ic_msg_hdr {
	struct vmb_ic_pipe_hdr pipe;
	struct vmb_ic_hdr ic;
} __packed;

#define VMB_IC_HDR_SIZE			28	/* Linux's ICMSG_HDR */

/* Largest packet (descriptor included) the guest's util channels take. */
#define VMB_IC_MAX_PKT			4096	/* heartbeat, shutdown, time sync */
#define VMB_IC_KVP_MAX_PKT		16384

/* HRESULTs in icmsg_hdr.status */
#define VMB_IC_S_OK			0x00000000u
#define VMB_IC_E_FAIL			0x80004005u
#define VMB_IC_S_CONT			0x80070103u	/* no more items */
#define VMB_IC_ERROR_NOT_SUPPORTED	0x80070032u
#define VMB_IC_ERROR_MACHINE_LOCKED	0x800704F7u
#define VMB_IC_ERROR_DEVICE_NOT_CONNECTED 0x8007048Fu
#define VMB_IC_E_INVALIDARG		0x80070057u
#define VMB_IC_E_GUID_NOTFOUND		0x80041002u	/* also: no such key */
#define VMB_IC_ERROR_ALREADY_EXISTS	0x80070050u
#define VMB_IC_ERROR_DISK_FULL		0x80070070u

/* ---- NEGOTIATE (icmsgtype 0) ---- */

#define VMB_IC_MAX_VER_COUNT		100	/* per list, the guest's limit */

struct vmb_ic_negotiate {
	u16 icframe_vercnt;
	u16 icmsg_vercnt;
	u32 reserved;
	/* the framework versions, then the message versions */
	struct vmb_ic_version icversion_data[];
} __packed;

/* The guest's reply: counts 1 and 1, then its two choices (16 bytes). */
#define VMB_IC_NEGOTIATE_REPLY_SIZE	16

/* ---- heartbeat (icmsgtype 1) ---- */

struct vmb_ic_heartbeat {
	u64 seq_num;		/* the guest answers seq_num + 1 */
	u32 reserved[8];
} __packed;

/* ---- shutdown (icmsgtype 3) ---- */

#define VMB_IC_SHUTDOWN_FLAG_FORCE	0x1
#define VMB_IC_SHUTDOWN_FLAG_RESTART	0x2
#define VMB_IC_SHUTDOWN_FLAG_HIBERNATE	0x4
#define VMB_IC_SHUTDOWN_FLAGS_ALL	0x7
#define VMB_IC_SHUTDOWN_REASON_PLANNED	0x80000000u	/* SHTDN_REASON_FLAG_PLANNED */
#define VMB_IC_SHUTDOWN_MSG_SIZE	2048

struct vmb_ic_shutdown {
	u32 reason_code;	/* ignored by Linux */
	u32 timeout_seconds;	/* ignored by Linux */
	u32 flags;
	u8 display_message[VMB_IC_SHUTDOWN_MSG_SIZE];	/* ignored by Linux */
} __packed;

/* ---- time sync (icmsgtype 4) ---- */

#define VMB_IC_TIMESYNC_FLAG_PROBE	0
#define VMB_IC_TIMESYNC_FLAG_SYNC	1	/* the guest steps its clock */
#define VMB_IC_TIMESYNC_FLAG_SAMPLE	2	/* the guest's PTP clock only */

/* 100 ns units between 1601-01-01 and 1970-01-01 (Linux's WLTIMEDELTA) */
#define VMB_IC_EPOCH_DELTA		116444736000000000ULL

/* message versions 1.0 and 3.0 */
struct vmb_ic_timesync {
	u64 parenttime;		/* host time, 100 ns since 1601 */
	u64 childtime;
	u64 roundtriptime;
	u8 flags;
} __packed;

/* message version 4.0 */
struct vmb_ic_timesync_ref {
	u64 parenttime;
	u64 vmreferencetime;	/* the guest's reference counter at parenttime */
	u8 flags;
	u8 leapflags;		/* Linux: char */
	u8 stratum;
	u8 reserved[3];
} __packed;

/* ---- KVP (icmsgtype 2) ---- */

#define VMB_IC_KVP_OP_GET		0
#define VMB_IC_KVP_OP_SET		1
#define VMB_IC_KVP_OP_DELETE		2
#define VMB_IC_KVP_OP_ENUMERATE		3
#define VMB_IC_KVP_OP_GET_IP_INFO	4
#define VMB_IC_KVP_OP_SET_IP_INFO	5

#define VMB_IC_KVP_POOL_EXTERNAL	0
#define VMB_IC_KVP_POOL_GUEST		1
#define VMB_IC_KVP_POOL_AUTO		2
#define VMB_IC_KVP_POOL_AUTO_EXTERNAL	3
#define VMB_IC_KVP_POOL_AUTO_INTERNAL	4
#define VMB_IC_KVP_POOL_COUNT		5

/* value_type: Linux's numbering (Windows REG_QWORD 11 is not handled) */
#define VMB_IC_REG_SZ			1
#define VMB_IC_REG_U32			4
#define VMB_IC_REG_U64			8

#define VMB_IC_KVP_MAX_KEY_SIZE		512	/* bytes of UTF-16LE, NUL included */
#define VMB_IC_KVP_MAX_VALUE_SIZE	2048

#define VMB_IC_ADDR_FAMILY_NONE		0x00
#define VMB_IC_ADDR_FAMILY_IPV4		0x01
#define VMB_IC_ADDR_FAMILY_IPV6		0x02
#define VMB_IC_MAX_ADAPTER_ID_SIZE	128
#define VMB_IC_MAX_IP_ADDR_SIZE		1024
#define VMB_IC_MAX_GATEWAY_SIZE		512

struct vmb_ic_kvp_hdr {
	u8 operation;
	u8 pool;
	u16 pad;
} __packed;

struct vmb_ic_kvp_exchg {
	u32 value_type;
	u32 key_size;		/* bytes, NUL included */
	u32 value_size;
	u8 key[VMB_IC_KVP_MAX_KEY_SIZE];
	union {
		u8 value[VMB_IC_KVP_MAX_VALUE_SIZE];
		u32 value_u32;
		u64 value_u64;
	} __packed;
} __packed;

struct vmb_ic_kvp_delete {
	u32 key_size;
	u8 key[VMB_IC_KVP_MAX_KEY_SIZE];
} __packed;

struct vmb_ic_kvp_enumerate {
	u32 index;
	struct vmb_ic_kvp_exchg data;
} __packed;

/* UTF-16LE strings, in u16 units */
struct vmb_ic_kvp_ipaddr_value {
	u16 adapter_id[VMB_IC_MAX_ADAPTER_ID_SIZE];
	u8 addr_family;
	u8 dhcp_enabled;
	u16 ip_addr[VMB_IC_MAX_IP_ADDR_SIZE];
	u16 sub_net[VMB_IC_MAX_IP_ADDR_SIZE];
	u16 gate_way[VMB_IC_MAX_GATEWAY_SIZE];
	u16 dns_addr[VMB_IC_MAX_IP_ADDR_SIZE];
} __packed;

/* Linux's struct hv_kvp_msg, as it reads it at payload offset 28 */
struct vmb_ic_kvp_msg {
	struct vmb_ic_kvp_hdr hdr;
	union {
		struct vmb_ic_kvp_exchg get;
		struct vmb_ic_kvp_exchg set;
		struct vmb_ic_kvp_delete del;
		struct vmb_ic_kvp_enumerate enumerate;
		struct vmb_ic_kvp_ipaddr_value ip;
	} __packed body;
} __packed;

/* GET_IP_INFO and SET_IP_INFO: no pad after operation and pool */
struct vmb_ic_kvp_ip_msg {
	u8 operation;
	u8 pool;
	struct vmb_ic_kvp_ipaddr_value ip;
} __packed;

/* Bytes of body the guest reads and fills in place, per operation. */
#define VMB_IC_KVP_BODY_GET		(4 + 2572)	/* GET and SET */
#define VMB_IC_KVP_BODY_DELETE		(4 + 516)
#define VMB_IC_KVP_BODY_ENUMERATE	(4 + 2576)
#define VMB_IC_KVP_BODY_IP		(2 + 7426)

static_assert_size(struct vmb_ic_pipe_hdr, 8);
static_assert_size(struct vmb_ic_version, 4);
static_assert_size(struct vmb_ic_hdr, 20);
static_assert_size(struct vmb_ic_msg_hdr, VMB_IC_HDR_SIZE);
static_assert_size(struct vmb_ic_negotiate, 8);
static_assert_size(struct vmb_ic_heartbeat, 40);
static_assert_size(struct vmb_ic_shutdown, 2060);
static_assert_size(struct vmb_ic_timesync, 25);
static_assert_size(struct vmb_ic_timesync_ref, 22);
static_assert_size(struct vmb_ic_kvp_hdr, 4);
static_assert_size(struct vmb_ic_kvp_exchg, 2572);
static_assert_size(struct vmb_ic_kvp_delete, 516);
static_assert_size(struct vmb_ic_kvp_enumerate, 2576);
static_assert_size(struct vmb_ic_kvp_ipaddr_value, 7426);
static_assert_size(struct vmb_ic_kvp_msg, 7430);
static_assert_size(struct vmb_ic_kvp_ip_msg, 7428);

VMB_IC_OFF_ASSERT(struct vmb_ic_hdr, icmsgtype, 4);
VMB_IC_OFF_ASSERT(struct vmb_ic_hdr, icvermsg, 6);
VMB_IC_OFF_ASSERT(struct vmb_ic_hdr, icmsgsize, 10);
VMB_IC_OFF_ASSERT(struct vmb_ic_hdr, status, 12);
VMB_IC_OFF_ASSERT(struct vmb_ic_hdr, ictransaction_id, 16);
VMB_IC_OFF_ASSERT(struct vmb_ic_hdr, icflags, 17);
VMB_IC_OFF_ASSERT(struct vmb_ic_negotiate, icversion_data, 8);
VMB_IC_OFF_ASSERT(struct vmb_ic_shutdown, flags, 8);
VMB_IC_OFF_ASSERT(struct vmb_ic_shutdown, display_message, 12);
VMB_IC_OFF_ASSERT(struct vmb_ic_timesync, flags, 24);
VMB_IC_OFF_ASSERT(struct vmb_ic_timesync_ref, flags, 16);
VMB_IC_OFF_ASSERT(struct vmb_ic_kvp_exchg, key, 12);
VMB_IC_OFF_ASSERT(struct vmb_ic_kvp_exchg, value, 524);
VMB_IC_OFF_ASSERT(struct vmb_ic_kvp_msg, body, 4);
VMB_IC_OFF_ASSERT(struct vmb_ic_kvp_msg, body.enumerate.data, 8);
VMB_IC_OFF_ASSERT(struct vmb_ic_kvp_ipaddr_value, addr_family, 256);
VMB_IC_OFF_ASSERT(struct vmb_ic_kvp_ipaddr_value, ip_addr, 258);
VMB_IC_OFF_ASSERT(struct vmb_ic_kvp_ipaddr_value, dns_addr, 5378);
VMB_IC_OFF_ASSERT(struct vmb_ic_kvp_ip_msg, ip, 2);

#endif /* _HVKVM_IC_PROTO_H */
