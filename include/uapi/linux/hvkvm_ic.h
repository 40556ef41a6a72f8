/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hvkvm IC: the integration components' generic netlink API.
 *
 * The integration components (ICs: heartbeat, shutdown, time
 * synchronisation, key-value pairs) are a VSP of the VMBus host, the
 * module hvkvm_ic: every running VM's guest is offered the four as
 * VMBus devices. They are driven over the generic netlink family
 * "hvkvm_ic", version 1. As with "hvkvm_vid" and "hvkvm_vmbus", every
 * operation and the multicast group need CAP_NET_ADMIN, requests are
 * validated strictly against each command's policy and every refusal
 * carries an extended-ACK message. A partition is named by
 * HVKVM_IC_A_VM_NAME (its VID name); only running partitions (a worker
 * attached) that the ICs serve are known here: others get -ENOENT.
 * Looking the family up loads the module (its alias is the family's).
 *
 * Commands
 * --------
 *
 * HVKVM_IC_CMD_VM_GET: with VM_NAME, reply with the partition's ICs;
 *   with NLM_F_DUMP, every running partition's. The record holds VM_NAME
 *   and ICS: each integration component's name, state, negotiated
 *   framework and message versions, the newest message version the host
 *   offers, and for the heartbeat its last sequence number and the age
 *   of the guest's last answer.
 *
 * HVKVM_IC_CMD_VM_SHUTDOWN: ask the guest to power off (or, with
 *   SHUTDOWN_REBOOT, to reboot) through the shutdown IC. The request does
 *   not wait for the guest: the reply says SHUTDOWN_RESULT SENT, and the
 *   guest's answer comes as the event SHUTDOWN_ANSWERED (SHUTDOWN_RESULT
 *   DONE or REFUSED, with GUEST_STATUS, its HRESULT), or NO_ANSWER when
 *   none came within SHUTDOWN_TIMEOUT_MS (default 30 s) or the guest's
 *   service went away. Join the events group before asking. -ENOTCONN
 *   when the guest's shutdown IC is not ready (no VMBus driver or no
 *   hv_utils), -EBUSY while an earlier request waits for its answer.
 *
 * HVKVM_IC_CMD_KVP_GET: dump the partition's key-value pairs: those the
 *   host set (pool EXTERNAL) and those the guest publishes (pools GUEST
 *   and AUTO, asked from the guest's KVP service now). Each message holds
 *   KVP_POOL, KVP_KEY and KVP_VALUE. When the guest's KVP service does not
 *   answer (no hv_kvp_daemon runs in the guest), only the host's pairs are
 *   listed and the dump ends with KVP_GUEST_ERROR set.
 *
 * HVKVM_IC_CMD_KVP_SET: set KVP_KEY to KVP_VALUE in pool EXTERNAL (the
 *   host's data, readable in the guest). The pair is kept by the host and
 *   sent to the guest now, or when its KVP service next becomes ready. An
 *   empty value deletes the pair. Keys are at most 255 characters and
 *   values at most 1023 (UTF-16 on the wire).
 *
 * HVKVM_IC_CMD_IC_SET: offer (IC_ENABLED 1) or take away (0) the
 *   integration service IC_NAME ("heartbeat", "shutdown", "timesync" or
 *   "kvp") while the VM runs: a connected guest sees the device arrive, or
 *   its channel rescinded and the device go. Every service is enabled when
 *   a VM starts. -EBUSY when a service being offered again has not been
 *   released by the guest yet; -EINVAL for an unknown service.
 *
 * Notifications (multicast group "events"), command HVKVM_IC_CMD_EVENT:
 *   VM_NAME and EVENT (enum hvkvm_ic_event), with SHUTDOWN_RESULT (and
 *   GUEST_STATUS when the guest answered) for SHUTDOWN_ANSWERED.
 */
#ifndef _UAPI_LINUX_HVKVM_IC_H
#define _UAPI_LINUX_HVKVM_IC_H

#define HVKVM_IC_GENL_NAME		"hvkvm_ic"
#define HVKVM_IC_GENL_VERSION		1
#define HVKVM_IC_MCGRP_EVENTS		"events"

enum hvkvm_ic_cmd {
	HVKVM_IC_CMD_UNSPEC,
	HVKVM_IC_CMD_VM_GET,
	HVKVM_IC_CMD_VM_SHUTDOWN,
	HVKVM_IC_CMD_KVP_GET,
	HVKVM_IC_CMD_KVP_SET,
	HVKVM_IC_CMD_IC_SET,
	HVKVM_IC_CMD_EVENT,

	__HVKVM_IC_CMD_MAX,
	HVKVM_IC_CMD_MAX = __HVKVM_IC_CMD_MAX - 1
};

enum hvkvm_ic_attr {
	HVKVM_IC_A_UNSPEC,
	HVKVM_IC_A_PAD,
	HVKVM_IC_A_VM_NAME,			/* string */
	HVKVM_IC_A_ICS,				/* nest of IC */
	HVKVM_IC_A_SHUTDOWN_REBOOT,		/* flag */
	HVKVM_IC_A_SHUTDOWN_TIMEOUT_MS,		/* u32 */
	HVKVM_IC_A_SHUTDOWN_RESULT,		/* u32 */
	HVKVM_IC_A_GUEST_STATUS,		/* u32 */
	HVKVM_IC_A_KVP_POOL,			/* u8 */
	HVKVM_IC_A_KVP_KEY,			/* string */
	HVKVM_IC_A_KVP_VALUE,			/* string */
	HVKVM_IC_A_KVP_GUEST_ERROR,		/* string: why the guest's are missing */
	HVKVM_IC_A_EVENT,			/* u32 */
	HVKVM_IC_A_IC_NAME,			/* string */
	HVKVM_IC_A_IC_ENABLED,			/* u8 */

	__HVKVM_IC_A_MAX,
	HVKVM_IC_A_MAX = __HVKVM_IC_A_MAX - 1
};

enum {
	HVKVM_IC_IC_A_UNSPEC,
	HVKVM_IC_IC_A_PAD,
	HVKVM_IC_IC_A_IC,			/* nest: one IC */
	HVKVM_IC_IC_A_NAME,			/* string */
	HVKVM_IC_IC_A_STATE,			/* u32, enum hvkvm_ic_state */
	HVKVM_IC_IC_A_FRAME_VERSION,		/* u32, major << 16 | minor */
	HVKVM_IC_IC_A_MSG_VERSION,		/* u32 */
	HVKVM_IC_IC_A_HOST_MSG_VERSION,		/* u32: the newest the host offers */
	HVKVM_IC_IC_A_HEARTBEAT_SEQ,		/* u64 */
	HVKVM_IC_IC_A_HEARTBEAT_AGE_MS,		/* u64: since the last answer */

	__HVKVM_IC_IC_A_MAX,
	HVKVM_IC_IC_A_MAX = __HVKVM_IC_IC_A_MAX - 1
};

enum hvkvm_ic_state {
	HVKVM_IC_STATE_CLOSED,		/* the guest has not opened it */
	HVKVM_IC_STATE_NEGOTIATING,	/* asked the guest for versions */
	HVKVM_IC_STATE_READY,
	HVKVM_IC_STATE_NO_COMMON_VERSION,
	HVKVM_IC_STATE_LOST,		/* heartbeat: no answer lately */
	HVKVM_IC_STATE_DISABLED,	/* not offered (IC_SET) */
};

enum hvkvm_ic_shutdown_result {
	HVKVM_IC_SHUTDOWN_DONE,		/* the guest accepted; it goes down */
	HVKVM_IC_SHUTDOWN_REFUSED,	/* it answered with a failure */
	HVKVM_IC_SHUTDOWN_NO_ANSWER,	/* not in time, or it went away */
	HVKVM_IC_SHUTDOWN_SENT,		/* asked: the answer is an event */
};

enum hvkvm_ic_kvp_pool {
	HVKVM_IC_KVP_POOL_EXTERNAL	= 0,	/* set by the host */
	HVKVM_IC_KVP_POOL_GUEST		= 1,	/* set by the guest */
	HVKVM_IC_KVP_POOL_AUTO		= 2,	/* the guest's own facts */
};

enum hvkvm_ic_event {
	HVKVM_IC_EVENT_HEARTBEAT_LOST,
	HVKVM_IC_EVENT_HEARTBEAT_REGAINED,
	HVKVM_IC_EVENT_SHUTDOWN_ANSWERED,	/* SHUTDOWN_RESULT, GUEST_STATUS */
};

#endif /* _UAPI_LINUX_HVKVM_IC_H */
