/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hvkvm VMBus: the VMBus host's generic netlink API.
 *
 * The VMBus host serves each running partition's guest: the channel
 * protocol, the channels of its devices, and the integration components
 * (ICs: heartbeat, shutdown, time synchronisation, key-value pairs). It is
 * driven over the generic netlink family "hvkvm_vmbus", version 1. As with
 * "hvkvm_vid", every operation and the multicast group need CAP_NET_ADMIN,
 * requests are validated strictly against each command's policy and every
 * refusal carries an extended-ACK message. A partition is named by
 * HVKVM_VMBUS_A_VM_NAME (its VID name); only running partitions (a worker
 * attached) are known here: others get -ENOENT.
 *
 * Commands
 * --------
 *
 * HVKVM_VMBUS_CMD_VM_GET: with VM_NAME, reply with the partition's VMBus
 *   state; with NLM_F_DUMP, every running partition's. The record holds
 *   VM_NAME, CONNECTED (the guest's VMBus driver has contact), VERSION (the
 *   negotiated VMBus version, major << 16 | minor), the fault and message
 *   counters, CHANNELS (each channel: class, interface and instance id,
 *   relid, connection id, state, target VP, ring sizes, packets and
 *   signals each way) and ICS (each integration component: name, state,
 *   negotiated framework and message versions, the newest message
 *   version the host offers, and for the heartbeat its last sequence
 *   number and the age of the guest's last answer).
 *
 * HVKVM_VMBUS_CMD_VM_SHUTDOWN: ask the guest to power off (or, with
 *   SHUTDOWN_REBOOT, to reboot) through the shutdown IC. The request does
 *   not wait for the guest: the reply says SHUTDOWN_RESULT SENT, and the
 *   guest's answer comes as the event SHUTDOWN_ANSWERED (SHUTDOWN_RESULT
 *   DONE or REFUSED, with GUEST_STATUS, its HRESULT), or NO_ANSWER when
 *   none came within SHUTDOWN_TIMEOUT_MS (default 30 s) or the guest's
 *   service went away. Join the events group before asking. -ENOTCONN
 *   when the guest's shutdown IC is not ready (no VMBus driver or no
 *   hv_utils), -EBUSY while an earlier request waits for its answer.
 *
 * HVKVM_VMBUS_CMD_KVP_GET: dump the partition's key-value pairs: those the
 *   host set (pool EXTERNAL) and those the guest publishes (pools GUEST
 *   and AUTO, asked from the guest's KVP service now). Each message holds
 *   KVP_POOL, KVP_KEY and KVP_VALUE. When the guest's KVP service does not
 *   answer (no hv_kvp_daemon runs in the guest), only the host's pairs are
 *   listed and the dump ends with KVP_GUEST_ERROR set.
 *
 * HVKVM_VMBUS_CMD_KVP_SET: set KVP_KEY to KVP_VALUE in pool EXTERNAL (the
 *   host's data, readable in the guest). The pair is kept by the host and
 *   sent to the guest now, or when its KVP service next becomes ready. An
 *   empty value deletes the pair. Keys are at most 255 characters and
 *   values at most 1023 (UTF-16 on the wire).
 *
 * HVKVM_VMBUS_CMD_IC_SET: offer (IC_ENABLED 1) or take away (0) the
 *   integration service IC_NAME ("heartbeat", "shutdown", "timesync" or
 *   "kvp") while the VM runs: a connected guest sees the device arrive, or
 *   its channel rescinded and the device go. Every service is enabled when
 *   a VM starts. -EBUSY when a service being taken away has not been
 *   released by the guest yet; -EINVAL for an unknown service.
 *
 * Notifications (multicast group "events"), command HVKVM_VMBUS_CMD_EVENT:
 *   VM_NAME and EVENT (enum hvkvm_vmbus_event), with VERSION on connect,
 *   and SHUTDOWN_RESULT (and GUEST_STATUS when the guest answered) for
 *   SHUTDOWN_ANSWERED.
 */
#ifndef _UAPI_LINUX_HVKVM_VMBUS_H
#define _UAPI_LINUX_HVKVM_VMBUS_H

#define HVKVM_VMBUS_GENL_NAME		"hvkvm_vmbus"
#define HVKVM_VMBUS_GENL_VERSION	1
#define HVKVM_VMBUS_MCGRP_EVENTS	"events"

enum hvkvm_vmbus_cmd {
	HVKVM_VMBUS_CMD_UNSPEC,
	HVKVM_VMBUS_CMD_VM_GET,
	HVKVM_VMBUS_CMD_VM_SHUTDOWN,
	HVKVM_VMBUS_CMD_KVP_GET,
	HVKVM_VMBUS_CMD_KVP_SET,
	HVKVM_VMBUS_CMD_EVENT,
	HVKVM_VMBUS_CMD_IC_SET,

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
	HVKVM_VMBUS_A_CHANNELS,			/* nest of CHANNEL */
	HVKVM_VMBUS_A_ICS,			/* nest of IC */
	HVKVM_VMBUS_A_SHUTDOWN_REBOOT,		/* flag */
	HVKVM_VMBUS_A_SHUTDOWN_TIMEOUT_MS,	/* u32 */
	HVKVM_VMBUS_A_SHUTDOWN_RESULT,		/* u32 */
	HVKVM_VMBUS_A_GUEST_STATUS,		/* u32 */
	HVKVM_VMBUS_A_KVP_POOL,			/* u8 */
	HVKVM_VMBUS_A_KVP_KEY,			/* string */
	HVKVM_VMBUS_A_KVP_VALUE,		/* string */
	HVKVM_VMBUS_A_KVP_GUEST_ERROR,		/* string: why the guest's are missing */
	HVKVM_VMBUS_A_EVENT,			/* u32 */
	HVKVM_VMBUS_A_IC_NAME,			/* string */
	HVKVM_VMBUS_A_IC_ENABLED,		/* u8 */

	__HVKVM_VMBUS_A_MAX,
	HVKVM_VMBUS_A_MAX = __HVKVM_VMBUS_A_MAX - 1
};

enum {
	HVKVM_VMBUS_CHANNEL_A_UNSPEC,
	HVKVM_VMBUS_CHANNEL_A_PAD,
	HVKVM_VMBUS_CHANNEL_A_CHANNEL,		/* nest: one channel */
	HVKVM_VMBUS_CHANNEL_A_CLASS,		/* string */
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

enum {
	HVKVM_VMBUS_IC_A_UNSPEC,
	HVKVM_VMBUS_IC_A_PAD,
	HVKVM_VMBUS_IC_A_IC,			/* nest: one IC */
	HVKVM_VMBUS_IC_A_NAME,			/* string */
	HVKVM_VMBUS_IC_A_STATE,			/* u32, enum hvkvm_vmbus_ic_state */
	HVKVM_VMBUS_IC_A_FRAME_VERSION,		/* u32, major << 16 | minor */
	HVKVM_VMBUS_IC_A_MSG_VERSION,		/* u32 */
	HVKVM_VMBUS_IC_A_HOST_MSG_VERSION,	/* u32: the newest the host offers */
	HVKVM_VMBUS_IC_A_HEARTBEAT_SEQ,		/* u64 */
	HVKVM_VMBUS_IC_A_HEARTBEAT_AGE_MS,	/* u64: since the last answer */

	__HVKVM_VMBUS_IC_A_MAX,
	HVKVM_VMBUS_IC_A_MAX = __HVKVM_VMBUS_IC_A_MAX - 1
};

enum hvkvm_vmbus_ic_state {
	HVKVM_VMBUS_IC_CLOSED,		/* the guest has not opened it */
	HVKVM_VMBUS_IC_NEGOTIATING,	/* asked the guest for versions */
	HVKVM_VMBUS_IC_READY,
	HVKVM_VMBUS_IC_NO_COMMON_VERSION,
	HVKVM_VMBUS_IC_LOST,		/* heartbeat: no answer lately */
	HVKVM_VMBUS_IC_DISABLED,	/* not offered (IC_SET) */
};

enum hvkvm_vmbus_shutdown_result {
	HVKVM_VMBUS_SHUTDOWN_DONE,	/* the guest accepted; it goes down */
	HVKVM_VMBUS_SHUTDOWN_REFUSED,	/* it answered with a failure */
	HVKVM_VMBUS_SHUTDOWN_NO_ANSWER,	/* not in time, or it went away */
	HVKVM_VMBUS_SHUTDOWN_SENT,	/* asked: the answer is an event */
};

enum hvkvm_vmbus_kvp_pool {
	HVKVM_VMBUS_KVP_POOL_EXTERNAL	= 0,	/* set by the host */
	HVKVM_VMBUS_KVP_POOL_GUEST	= 1,	/* set by the guest */
	HVKVM_VMBUS_KVP_POOL_AUTO	= 2,	/* the guest's own facts */
};

enum hvkvm_vmbus_event {
	HVKVM_VMBUS_EVENT_CONNECTED,
	HVKVM_VMBUS_EVENT_DISCONNECTED,
	HVKVM_VMBUS_EVENT_HEARTBEAT_LOST,
	HVKVM_VMBUS_EVENT_HEARTBEAT_REGAINED,
	HVKVM_VMBUS_EVENT_SHUTDOWN_ANSWERED,	/* SHUTDOWN_RESULT, GUEST_STATUS */
};

#endif /* _UAPI_LINUX_HVKVM_VMBUS_H */
