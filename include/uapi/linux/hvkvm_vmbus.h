/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hvkvm VMBus: the VMBus host's generic netlink API.
 *
 * The VMBus host serves each running partition's guest: the channel
 * protocol, and the channels of the devices its VSPs add (the
 * integration components are the VSP hvkvm_ic, with a family of its
 * own: linux/hvkvm_ic.h). It is driven over the generic netlink family
 * "hvkvm_vmbus", version 1. As with "hvkvm_vid", every operation and the
 * multicast group need CAP_NET_ADMIN, requests are validated strictly
 * against each command's policy and every refusal carries an
 * extended-ACK message. A partition is named by HVKVM_VMBUS_A_VM_NAME (its
 * VID name); only running partitions (a worker attached) are known here:
 * others get -ENOENT.
 *
 * Commands
 * --------
 *
 * HVKVM_VMBUS_CMD_VM_GET: with VM_NAME, reply with the partition's VMBus
 *   state; with NLM_F_DUMP, every running partition's. The record holds
 *   VM_NAME, CONNECTED (the guest's VMBus driver has contact), VERSION (the
 *   negotiated VMBus version, major << 16 | minor) and the fault and
 *   message counters. It no longer holds CHANNELS: a VM may have 2047
 *   channels, more than one message takes; CHANNEL_GET dumps them.
 *
 * HVKVM_VMBUS_CMD_CHANNEL_GET: a dump only (NLM_F_DUMP), with VM_NAME: the
 *   partition's channels, one message each, by relid. Each holds VM_NAME
 *   and CHANNEL, a nest of the channel's HVKVM_VMBUS_CHANNEL_A_*
 *   attributes: class, interface and instance id, sub-channel index,
 *   relid, connection id, state, target VP and ring sizes (while open),
 *   packets and signals each way, and why it failed. A rescinded channel
 *   whose device is gone already (its VSP unregistered) has no class. A
 *   dump during which a channel came or went is flagged NLM_F_DUMP_INTR.
 *   A missing VM_NAME (-EINVAL) or a partition that does not run
 *   (-ENOENT) ends the dump at once: its NLMSG_DONE carries the error and
 *   the extack message.
 *
 * Notifications (multicast group "events"), command HVKVM_VMBUS_CMD_EVENT:
 *   VM_NAME and EVENT (enum hvkvm_vmbus_event), with VERSION on connect.
 */
#ifndef _UAPI_LINUX_HVKVM_VMBUS_H
#define _UAPI_LINUX_HVKVM_VMBUS_H

#define HVKVM_VMBUS_GENL_NAME		"hvkvm_vmbus"
#define HVKVM_VMBUS_GENL_VERSION	1
#define HVKVM_VMBUS_MCGRP_EVENTS	"events"

enum hvkvm_vmbus_cmd {
	HVKVM_VMBUS_CMD_UNSPEC,
	HVKVM_VMBUS_CMD_VM_GET,
	HVKVM_VMBUS_CMD_EVENT,
	HVKVM_VMBUS_CMD_CHANNEL_GET,

	__HVKVM_VMBUS_CMD_MAX,
	HVKVM_VMBUS_CMD_MAX = __HVKVM_VMBUS_CMD_MAX - 1
};

enum hvkvm_vmbus_attr {
	HVKVM_VMBUS_A_UNSPEC,
	HVKVM_VMBUS_A_PAD,
	HVKVM_VMBUS_A_VM_NAME,			/* string */
	HVKVM_VMBUS_A_CONNECTED,		/* u8 */
	HVKVM_VMBUS_A_VERSION,			/* u32 */
	HVKVM_VMBUS_A_MSGS_IN,			/* u64 */
	HVKVM_VMBUS_A_MSGS_OUT,			/* u64 */
	HVKVM_VMBUS_A_FAULTS,			/* u64: guest protocol faults */
	HVKVM_VMBUS_A_CHANNELS,			/* no longer sent (was: nest of CHANNEL) */
	HVKVM_VMBUS_A_EVENT,			/* u32 */
	HVKVM_VMBUS_A_CHANNEL,			/* nest: one channel, CHANNEL_A_* */

	__HVKVM_VMBUS_A_MAX,
	HVKVM_VMBUS_A_MAX = __HVKVM_VMBUS_A_MAX - 1
};

enum {
	HVKVM_VMBUS_CHANNEL_A_UNSPEC,
	HVKVM_VMBUS_CHANNEL_A_PAD,
	HVKVM_VMBUS_CHANNEL_A_CHANNEL,		/* no longer sent (was: in CHANNELS) */
	HVKVM_VMBUS_CHANNEL_A_CLASS,		/* string; absent: device gone */
	HVKVM_VMBUS_CHANNEL_A_IF_TYPE,		/* binary, 16: the class GUID */
	HVKVM_VMBUS_CHANNEL_A_INSTANCE,		/* binary, 16 */
	HVKVM_VMBUS_CHANNEL_A_SUB_INDEX,	/* u32 */
	HVKVM_VMBUS_CHANNEL_A_RELID,		/* u32 */
	HVKVM_VMBUS_CHANNEL_A_CONN_ID,		/* u32 */
	HVKVM_VMBUS_CHANNEL_A_STATE,		/* u32, enum hvkvm_vmbus_chan_state */
	HVKVM_VMBUS_CHANNEL_A_TARGET_VP,	/* u32 */
	HVKVM_VMBUS_CHANNEL_A_RING_IN,		/* u32: guest -> host data bytes */
	HVKVM_VMBUS_CHANNEL_A_RING_OUT,		/* u32: host -> guest data bytes */
	HVKVM_VMBUS_CHANNEL_A_PKTS_IN,		/* u64 */
	HVKVM_VMBUS_CHANNEL_A_PKTS_OUT,		/* u64 */
	HVKVM_VMBUS_CHANNEL_A_SIGNALS_IN,	/* u64: guest doorbells */
	HVKVM_VMBUS_CHANNEL_A_SIGNALS_OUT,	/* u64: interrupts to the guest */
	HVKVM_VMBUS_CHANNEL_A_ERROR,		/* string: why it failed */

	__HVKVM_VMBUS_CHANNEL_A_MAX,
	HVKVM_VMBUS_CHANNEL_A_MAX = __HVKVM_VMBUS_CHANNEL_A_MAX - 1
};

enum hvkvm_vmbus_chan_state {
	HVKVM_VMBUS_CHAN_OFFERED,	/* waiting for the guest */
	HVKVM_VMBUS_CHAN_CLOSED,	/* not offered yet (no contact) */
	HVKVM_VMBUS_CHAN_OPEN,
	HVKVM_VMBUS_CHAN_RESCINDED,	/* waiting for the guest to release */
	HVKVM_VMBUS_CHAN_FAILED,	/* open, but the guest broke the rules */
};

enum hvkvm_vmbus_event {
	HVKVM_VMBUS_EVENT_CONNECTED,
	HVKVM_VMBUS_EVENT_DISCONNECTED,
};

#endif /* _UAPI_LINUX_HVKVM_VMBUS_H */
