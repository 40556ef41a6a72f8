/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hvkvm VID: the Virtual Infrastructure Driver's generic netlink API.
 *
 * VID keeps the registry of partitions (virtual machines) of this host. It is
 * driven over the generic netlink family "hvkvm_vid" (HVKVM_VID_GENL_NAME),
 * version 1. Every operation needs CAP_NET_ADMIN, and so does joining the
 * multicast group. Every request is validated strictly against the policy of
 * its command: an unknown attribute, an attribute the command does not
 * take, an attribute of the wrong size or type, or a string that is not
 * NUL-terminated is refused, and every refusal carries an extended-ACK
 * message that names the problem. The family lives in the initial network
 * namespace only.
 *
 * A partition is addressed by exactly one handle: HVKVM_VID_A_VM_ID or
 * HVKVM_VID_A_VM_NAME. Giving both, or neither where one is needed, is
 * refused (-EBADR when both are given, -EINVAL when none is).
 *
 * Commands
 * --------
 *
 * HVKVM_VID_CMD_VM_NEW: define a partition.
 *   Requires NAME, MEMORY, VCPUS and BOOT (with at least BOOT_KERNEL).
 *   Refused with -EEXIST when the name is taken, with -ENOSPC when the
 *   host already holds HVKVM_VID_MAX_VMS partitions (module parameter
 *   max_vms may lower that), with -ERANGE when MEMORY or VCPUS is out of
 *   bounds, with -EINVAL when the name or a path is malformed or MEMORY is
 *   not a multiple of 1 MiB, with -ENAMETOOLONG when a path and -E2BIG
 *   when the command line is too long. The reply, under command VM_NEW,
 *   is the new partition's record as VM_GET gives it. Ids are assigned by
 *   VID, from 1 up to 2^31 - 1, and are not reused before they wrap.
 *
 * HVKVM_VID_CMD_VM_GET: with a handle, reply with that partition (-ENOENT
 *   when there is none). With NLM_F_DUMP, reply with every partition in id
 *   order, or only those that match the handles given (a filter, so a dump
 *   for a name that no partition has is empty, not an error); a dump that
 *   raced with a change is flagged NLM_F_DUMP_INTR.
 *   Messages can be up to HVKVM_VID_MSG_MAX bytes: receive buffers must
 *   hold that much.
 *
 * HVKVM_VID_CMD_VM_SET: change a partition. Requires a handle and any of
 *   MEMORY, VCPUS, BOOT. Inside BOOT, each attribute given replaces the
 *   current value; an empty BOOT_INITRD or BOOT_CMDLINE clears it. All
 *   changes are checked before any is applied: a set either applies whole
 *   or not at all. Only a partition in state OFF can be changed (-EBUSY).
 *
 * HVKVM_VID_CMD_VM_DEL: delete a partition (by handle). Only a partition in
 *   state OFF or CRASHED can be deleted (-EBUSY).
 *
 * VM_GET, VM_SET and VM_DEL fail with -ENOENT when no partition has the
 * handle given.
 *
 * Notifications (multicast group HVKVM_VID_MCGRP_EVENTS, "events")
 * ----------------------------------------------------------------
 *
 * HVKVM_VID_CMD_VM_NEW_NTF, HVKVM_VID_CMD_VM_SET_NTF and
 * HVKVM_VID_CMD_VM_DEL_NTF announce a partition created, changed or
 * deleted. Each carries the partition's full record, as VM_GET returns it,
 * taken after the change (before the deletion, for VM_DEL_NTF).
 *
 * Attributes (HVKVM_VID_A_*)
 * --------------------------
 *
 * VM_ID (u32): the partition's id, assigned by VID, starting at 1.
 * VM_NAME (string): 1 to HVKVM_VID_NAME_MAX - 1 characters from
 *   [A-Za-z0-9._-], beginning with a letter or a digit.
 * VM_MEMORY (u64): guest memory in bytes; a multiple of 1 MiB between
 *   HVKVM_VID_MEMORY_MIN and HVKVM_VID_MEMORY_MAX.
 * VM_VCPUS (u32): number of virtual processors, 1 to HVKVM_VID_VCPUS_MAX.
 * VM_STATE (u32): enum hvkvm_vid_state; read-only.
 * VM_BOOT (nest, HVKVM_VID_BOOT_A_*): how the partition boots:
 *   BOOT_KERNEL (string): absolute path of the kernel image
 *     (at most HVKVM_VID_PATH_MAX - 1 bytes);
 *   BOOT_INITRD (string): absolute path of the initial ramdisk, optional;
 *   BOOT_CMDLINE (string): kernel command line, optional, at most
 *     HVKVM_VID_CMDLINE_MAX - 1 bytes.
 *   Whether the files exist and hold what they should is checked when the
 *   partition starts, by the worker that opens them with the caller's
 *   rights, not here.
 * VM_PAD: padding for 64-bit attributes in what the kernel sends; never
 *   part of a request.
 */
#ifndef _UAPI_LINUX_HVKVM_VID_H
#define _UAPI_LINUX_HVKVM_VID_H

#define HVKVM_VID_GENL_NAME		"hvkvm_vid"
#define HVKVM_VID_GENL_VERSION		1
#define HVKVM_VID_MCGRP_EVENTS		"events"

#define HVKVM_VID_NAME_MAX		32		/* with the NUL */
#define HVKVM_VID_PATH_MAX		4096		/* with the NUL */
#define HVKVM_VID_CMDLINE_MAX		2048		/* with the NUL */
#define HVKVM_VID_MEMORY_MIN		(16ULL << 20)	/* 16 MiB */
#define HVKVM_VID_MEMORY_MAX		(1ULL << 40)	/* 1 TiB */
#define HVKVM_VID_MEMORY_ALIGN		(1ULL << 20)	/* 1 MiB */
#define HVKVM_VID_VCPUS_MAX		240
#define HVKVM_VID_MAX_VMS		64

/*
 * A partition's record can exceed a page (its paths and command line),
 * so replies and dump messages can be this large: receive with a buffer
 * of at least this size.
 */
#define HVKVM_VID_MSG_MAX		16384

enum hvkvm_vid_state {
	HVKVM_VID_STATE_OFF,
	HVKVM_VID_STATE_STARTING,
	HVKVM_VID_STATE_RUNNING,
	HVKVM_VID_STATE_PAUSED,
	HVKVM_VID_STATE_STOPPING,
	HVKVM_VID_STATE_CRASHED,
	__HVKVM_VID_STATE_MAX
};
#define HVKVM_VID_STATE_MAX (__HVKVM_VID_STATE_MAX - 1)

enum hvkvm_vid_cmd {
	HVKVM_VID_CMD_UNSPEC,
	HVKVM_VID_CMD_VM_NEW,
	HVKVM_VID_CMD_VM_GET,
	HVKVM_VID_CMD_VM_SET,
	HVKVM_VID_CMD_VM_DEL,
	HVKVM_VID_CMD_VM_NEW_NTF,
	HVKVM_VID_CMD_VM_SET_NTF,
	HVKVM_VID_CMD_VM_DEL_NTF,
	__HVKVM_VID_CMD_MAX
};
#define HVKVM_VID_CMD_MAX (__HVKVM_VID_CMD_MAX - 1)

enum hvkvm_vid_attr {
	HVKVM_VID_A_UNSPEC,
	HVKVM_VID_A_PAD,
	HVKVM_VID_A_VM_ID,
	HVKVM_VID_A_VM_NAME,
	HVKVM_VID_A_VM_MEMORY,
	HVKVM_VID_A_VM_VCPUS,
	HVKVM_VID_A_VM_STATE,
	HVKVM_VID_A_VM_BOOT,
	__HVKVM_VID_A_MAX
};
#define HVKVM_VID_A_MAX (__HVKVM_VID_A_MAX - 1)

enum hvkvm_vid_boot_attr {
	HVKVM_VID_BOOT_A_UNSPEC,
	HVKVM_VID_BOOT_A_KERNEL,
	HVKVM_VID_BOOT_A_INITRD,
	HVKVM_VID_BOOT_A_CMDLINE,
	__HVKVM_VID_BOOT_A_MAX
};
#define HVKVM_VID_BOOT_A_MAX (__HVKVM_VID_BOOT_A_MAX - 1)

#endif /* _UAPI_LINUX_HVKVM_VID_H */
