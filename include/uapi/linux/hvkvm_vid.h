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
 *   Requires NAME, MEMORY, VCPUS and BOOT (with at least BOOT_KERNEL);
 *   STIMER is optional (1 when absent).
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
 *   MEMORY, VCPUS, BOOT, STIMER. Inside BOOT, each attribute given
 *   replaces the current value; an empty BOOT_INITRD or BOOT_CMDLINE
 *   clears it. All changes are checked before any is applied: a set
 *   either applies whole or not at all. Only a partition in state OFF can
 *   be changed (-EBUSY).
 *
 * HVKVM_VID_CMD_VM_DEL: delete a partition (by handle). Only a partition in
 *   state OFF or CRASHED can be deleted (-EBUSY).
 *
 * VM_GET, VM_SET and VM_DEL fail with -ENOENT when no partition has the
 * handle given.
 *
 * Lifecycle
 * ---------
 *
 * A partition runs in a worker process: a user-space VMM on KVM, one per
 * running partition. VID coordinates: a request (start, stop, pause,
 * resume) is recorded by VID and passed to the worker, the worker acts and
 * reports, and VID's state follows the reports. States:
 *
 *   OFF --start--> STARTING --worker reports RUNNING--> RUNNING
 *   RUNNING --pause, worker reports PAUSED--> PAUSED --resume--> RUNNING
 *   RUNNING or PAUSED --stop--> STOPPING --worker reports OFF--> OFF
 *   any running state --worker dies or reports a crash--> CRASHED
 *
 * HVKVM_VID_CMD_VM_START (handle): OFF or CRASHED -> STARTING. Whoever
 *   asked then starts the worker (hvadm does). -EBUSY otherwise.
 * HVKVM_VID_CMD_VM_STOP (handle, optional VM_FORCE): asks the worker to
 *   stop the guest: gracefully (the guest is asked to shut down) or, with
 *   VM_FORCE, at once. RUNNING, PAUSED, STARTING -> STOPPING; a STARTING
 *   partition no worker has attached to goes straight to OFF. A stop
 *   while STOPPING repeats the request (so a force can follow a graceful
 *   stop). -EALREADY when the partition is OFF or CRASHED.
 * HVKVM_VID_CMD_VM_PAUSE / VM_RESUME (handle): ask the worker to pause a
 *   RUNNING partition / resume a PAUSED one; the state changes when the
 *   worker reports it. -EALREADY when already in the state asked,
 *   -EBUSY when in no state to do it.
 *
 * Worker side (the worker is a process with CAP_NET_ADMIN, like any
 * client):
 *
 * HVKVM_VID_CMD_VM_ATTACH (handle): the calling socket becomes the
 *   partition's worker. Only a STARTING partition without a worker can be
 *   attached (-EBUSY). The reply is the partition's record; VID records
 *   the caller's process id. With VM_MEMORY_MAP the worker hands VID its
 *   guest-memory table: each region's pages (the worker's own mapping,
 *   registered with KVM at the same guest-physical address) are pinned
 *   for as long as the worker is attached, and counted in the worker's
 *   pinned memory, which may not exceed its RLIMIT_MEMLOCK unless it has
 *   CAP_IPC_LOCK. Regions are page-aligned, do not overlap, and add up to
 *   at least the partition's memory and at most that plus
 *   HVKVM_VID_MEMORY_SLACK (firmware areas); -EINVAL names the fault. A
 *   socket is the worker of one partition at most.
 *   While a worker is attached the module cannot be unloaded. When the worker's socket closes (the worker exits, or is
 *   killed) VID detaches it: a STOPPING partition becomes OFF, any other
 *   CRASHED, with the worker's exit status or signal as the reason.
 * HVKVM_VID_CMD_VM_REPORT (handle, from the attached worker only, -EPERM
 *   otherwise): optional VM_STATE (RUNNING, PAUSED, OFF or CRASHED; a
 *   transition VID does not allow is refused with -EINVAL), optional
 *   VM_CONSOLE_LOG, VM_CONSOLE_SOCK, VM_ERROR (why a start failed, with OFF), VM_CRASH
 *   (with CRASHED) and VM_VCPU_STATS (replaces the counters VID shows).
 *   Reporting OFF or CRASHED detaches the worker.
 * HVKVM_VID_CMD_VM_REQUEST_NTF: VID to the worker, unicast to its socket:
 *   VM_ACTION says what to do (enum hvkvm_vid_action).
 *
 * SynIC (the worker forwards what KVM hands it; VID does the rest in the
 * kernel). At VM_ATTACH the worker also passes, as file descriptors of its
 * own that VID takes references on:
 *   VM_SINT_ROUTES: per (VP, SINT) an eventfd bound with KVM_IRQFD to an
 *     HV_SINT route (signalling it raises the SINT in the guest) and its
 *     resample eventfd (KVM signals it when the guest ends a message or
 *     EOIs the SINT's vector);
 *   VM_PORTS (optional): per connection id an eventfd bound with
 *     KVM_HYPERV_EVENTFD, which the guest's HvSignalEvent on that
 *     connection signals. Other ports are bound on demand (VM_PORT_BIND).
 * VM_SYNIC and VM_HCALL come from the worker's process, on its attached
 * socket or any other (a vCPU thread may use one of its own).
 * HVKVM_VID_CMD_VM_SYNIC (worker only): the guest wrote SCONTROL, SIEFP or
 *   SIMP on VM_VP: VM_SCONTROL, VM_SIEFP, VM_SIMP are the three values as
 *   KVM_EXIT_HYPERV_SYNIC gives them. Send it before resuming the vCPU.
 * HVKVM_VID_CMD_VM_HCALL (worker only): a hypercall KVM left to user space
 *   (HvPostMessage, or HvSignalEvent on a connection without an eventfd):
 *   VM_VP, VM_HCALL_CONTROL (the control word) and VM_HCALL_INPUT (the
 *   input GPA, or the fast input; for HvSignalEvent the connection id KVM
 *   read). The reply carries VM_HCALL_RESULT, the value for the guest's
 *   RAX (an HV_STATUS_* code), and VM_PORT_BIND (u32) when the signal
 *   was for a connection a client (VMBus) listens on: VID ran the
 *   client's handler, and asks the worker to bind an eventfd of its own
 *   to that connection id, once: VM_PORT_BIND, then KVM_HYPERV_EVENTFD.
 * HVKVM_VID_CMD_VM_PORT_BIND (worker only): VM_PORT_BIND (u32, the
 *   connection id VM_HCALL's reply named) and VM_PORT_FD (u32, an
 *   eventfd): VID waits on it from now on; the worker then binds it with
 *   KVM_HYPERV_EVENTFD (in that order, so that no signal is lost).
 *   -ENOENT when VID did not ask for that connection id. A partition has
 *   at most HVKVM_VID_PORTS_MAX ports.
 * HVKVM_VID_CMD_VM_SYNIC_POST (diagnostics): post a message to a running
 *   partition's VM_VP on VM_SINT: VM_MSG_TYPE and VM_MSG_PAYLOAD (at most
 *   240 bytes), queued and delivered as VMBus's own messages are.
 *   -ENOBUFS when too many wait for the guest.
 * HVKVM_VID_CMD_VM_SYNIC_SIGNAL (diagnostics): set event flag VM_FLAG of
 *   VM_SINT on VM_VP and raise the SINT. -EAGAIN when the guest has no
 *   event page there yet.
 *
 * Notifications (multicast group HVKVM_VID_MCGRP_EVENTS, "events")
 * ----------------------------------------------------------------
 *
 * HVKVM_VID_CMD_VM_NEW_NTF, HVKVM_VID_CMD_VM_SET_NTF and
 * HVKVM_VID_CMD_VM_DEL_NTF announce a partition created, changed or
 * deleted. Each carries the partition's full record, as VM_GET returns it,
 * taken after the change (before the deletion, for VM_DEL_NTF). A change
 * of state is a VM_SET_NTF too; counters alone changing is not announced.
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
 * VM_WORKER_PID (u32): process id of the attached worker, in the pid
 *   namespace it attached from; read-only.
 * VM_UPTIME (u64): nanoseconds since the partition's start reached
 *   RUNNING (paused time included), while it runs or is paused; read-only.
 * VM_CONSOLE_LOG (string): where the worker keeps the guest's console.
 * VM_CONSOLE_SOCK (string): a unix stream socket where the worker serves
 *   the guest's console live (output, and input typed into it).
 * VM_FORCE (flag): with VM_STOP, stop at once.
 * VM_ACTION (u32): enum hvkvm_vid_action, in VM_REQUEST_NTF.
 * VM_ERROR (string): why the last start failed, as the worker said.
 * VM_CRASH (nest, HVKVM_VID_CRASH_A_*): why the partition is CRASHED:
 *   CRASH_KIND (u32, enum hvkvm_vid_crash_kind), CRASH_CODE (u32: exit
 *   status or signal number), CRASH_PARAMS (binary, 5 u64: the guest's
 *   Hyper-V crash parameters P0-P4), CRASH_MESSAGE (string).
 * VM_MEMORY_MAP (nest of HVKVM_VID_MEM_A_REGION nests, each with
 *   HVKVM_VID_MEM_A_GPA, HVKVM_VID_MEM_A_SIZE and HVKVM_VID_MEM_A_UADDR,
 *   u64 each): the guest-memory table, in VM_ATTACH only.
 * VM_PINNED (u64): bytes of guest memory VID holds pinned; read-only.
 * VM_SINT_ROUTES (nest of HVKVM_VID_SINT_A_ROUTE nests: SINT_A_VP,
 *   SINT_A_SINT, SINT_A_IRQFD, SINT_A_RESAMPLEFD, u32 each) and VM_PORTS
 *   (nest of HVKVM_VID_PORT_A_PORT nests: PORT_A_CONN_ID, PORT_A_FD, u32
 *   each): in VM_ATTACH only, see SynIC above.
 * VM_VP (u32): a virtual processor's index (HV_X64_MSR_VP_INDEX).
 * VM_SCONTROL, VM_SIEFP, VM_SIMP (u64): SynIC MSR values.
 * VM_HCALL_CONTROL, VM_HCALL_INPUT, VM_HCALL_RESULT (u64): a hypercall.
 * VM_SINT (u32, below 16), VM_MSG_TYPE (u32, non-zero), VM_MSG_PAYLOAD
 *   (binary), VM_FLAG (u32, below 2048): a SynIC message or event.
 * VM_VCPU_STATS (nest of HVKVM_VID_VCPU_A_VCPU nests, each with
 *   HVKVM_VID_VCPU_A_INDEX (u32) and HVKVM_VID_VCPU_A_EXITS (binary, an
 *   array of u64 indexed by enum hvkvm_vid_exit, HVKVM_VID_EXIT_COUNT
 *   long)): exits per vCPU by reason, as the worker last reported them.
 *   Sent in VM_GET replies to a handle only, not in dumps or events.
 * VM_PORTS_BOUND (u32), VM_SLOW_SIGNALS (u64): ports bound to eventfds,
 *   and guest signals that came through the worker instead (a port's
 *   first signal, or one VMBus does not listen on); in VM_GET replies to
 *   a handle, while a worker is attached.
 * VM_STIMER (u8, 0 or 1; 2 and above are refused): whether the guest is
 *   offered the Hyper-V synthetic timers (direct mode). 1, the default
 *   when VM_NEW leaves it out, offers them, as Hyper-V does; 0 clears
 *   SYNTIMER and STIMER_DIRECT from the guest's CPUID, so that it keeps
 *   its LAPIC timer. Always sent in the partition's record; the worker
 *   reads it from there at each start.
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
 * A partition's record can exceed a page (its paths, command line and
 * per-vCPU counters), so replies and dump messages can be this large:
 * receive with a buffer of at least this size.
 */
#define HVKVM_VID_MSG_MAX		65536

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

enum hvkvm_vid_action {
	HVKVM_VID_ACTION_STOP,		/* ask the guest to shut down */
	HVKVM_VID_ACTION_STOP_FORCE,	/* stop the guest at once */
	HVKVM_VID_ACTION_PAUSE,
	HVKVM_VID_ACTION_RESUME,
	__HVKVM_VID_ACTION_MAX
};
#define HVKVM_VID_ACTION_MAX (__HVKVM_VID_ACTION_MAX - 1)

enum hvkvm_vid_crash_kind {
	HVKVM_VID_CRASH_WORKER_EXIT,	/* the worker exited; CODE: status */
	HVKVM_VID_CRASH_WORKER_SIGNAL,	/* the worker was killed; CODE: signal */
	HVKVM_VID_CRASH_TRIPLE_FAULT,	/* the guest triple-faulted */
	HVKVM_VID_CRASH_GUEST,		/* the guest reported a crash; PARAMS */
	HVKVM_VID_CRASH_WORKER_ERROR,	/* the worker failed; MESSAGE says why */
	__HVKVM_VID_CRASH_MAX
};
#define HVKVM_VID_CRASH_MAX (__HVKVM_VID_CRASH_MAX - 1)

/* Exit reasons counted per vCPU, the index into VCPU_A_EXITS. */
enum hvkvm_vid_exit {
	HVKVM_VID_EXIT_IO,
	HVKVM_VID_EXIT_MMIO,
	HVKVM_VID_EXIT_HLT,
	HVKVM_VID_EXIT_HYPERV,
	HVKVM_VID_EXIT_SHUTDOWN,
	HVKVM_VID_EXIT_SYSTEM_EVENT,
	HVKVM_VID_EXIT_INTR,
	HVKVM_VID_EXIT_OTHER,
	HVKVM_VID_EXIT_COUNT
};

enum hvkvm_vid_cmd {
	HVKVM_VID_CMD_UNSPEC,
	HVKVM_VID_CMD_VM_NEW,
	HVKVM_VID_CMD_VM_GET,
	HVKVM_VID_CMD_VM_SET,
	HVKVM_VID_CMD_VM_DEL,
	HVKVM_VID_CMD_VM_NEW_NTF,
	HVKVM_VID_CMD_VM_SET_NTF,
	HVKVM_VID_CMD_VM_DEL_NTF,
	HVKVM_VID_CMD_VM_START,
	HVKVM_VID_CMD_VM_STOP,
	HVKVM_VID_CMD_VM_PAUSE,
	HVKVM_VID_CMD_VM_RESUME,
	HVKVM_VID_CMD_VM_ATTACH,
	HVKVM_VID_CMD_VM_REPORT,
	HVKVM_VID_CMD_VM_REQUEST_NTF,
	HVKVM_VID_CMD_VM_SYNIC,
	HVKVM_VID_CMD_VM_HCALL,
	HVKVM_VID_CMD_VM_SYNIC_POST,
	HVKVM_VID_CMD_VM_SYNIC_SIGNAL,
	HVKVM_VID_CMD_VM_PORT_BIND,
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
	HVKVM_VID_A_VM_WORKER_PID,
	HVKVM_VID_A_VM_UPTIME,
	HVKVM_VID_A_VM_CONSOLE_LOG,
	HVKVM_VID_A_VM_FORCE,
	HVKVM_VID_A_VM_ACTION,
	HVKVM_VID_A_VM_ERROR,
	HVKVM_VID_A_VM_CRASH,
	HVKVM_VID_A_VM_VCPU_STATS,
	HVKVM_VID_A_VM_CONSOLE_SOCK,
	HVKVM_VID_A_VM_MEMORY_MAP,
	HVKVM_VID_A_VM_PINNED,
	HVKVM_VID_A_VM_SINT_ROUTES,
	HVKVM_VID_A_VM_PORTS,
	HVKVM_VID_A_VM_VP,
	HVKVM_VID_A_VM_SCONTROL,
	HVKVM_VID_A_VM_SIEFP,
	HVKVM_VID_A_VM_SIMP,
	HVKVM_VID_A_VM_HCALL_CONTROL,
	HVKVM_VID_A_VM_HCALL_INPUT,
	HVKVM_VID_A_VM_HCALL_RESULT,
	HVKVM_VID_A_VM_SINT,
	HVKVM_VID_A_VM_MSG_TYPE,
	HVKVM_VID_A_VM_MSG_PAYLOAD,
	HVKVM_VID_A_VM_FLAG,
	HVKVM_VID_A_VM_STIMER,
	HVKVM_VID_A_VM_CLOCK_OFFSET,
	HVKVM_VID_A_VM_PORT_BIND,
	HVKVM_VID_A_VM_PORT_FD,
	HVKVM_VID_A_VM_PORTS_BOUND,
	HVKVM_VID_A_VM_SLOW_SIGNALS,
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

enum hvkvm_vid_crash_attr {
	HVKVM_VID_CRASH_A_UNSPEC,
	HVKVM_VID_CRASH_A_KIND,
	HVKVM_VID_CRASH_A_CODE,
	HVKVM_VID_CRASH_A_PARAMS,
	HVKVM_VID_CRASH_A_MESSAGE,
	__HVKVM_VID_CRASH_A_MAX
};
#define HVKVM_VID_CRASH_A_MAX (__HVKVM_VID_CRASH_A_MAX - 1)
#define HVKVM_VID_CRASH_PARAMS		5
#define HVKVM_VID_ERROR_MAX		256	/* with the NUL, error/message */

enum hvkvm_vid_vcpu_attr {
	HVKVM_VID_VCPU_A_UNSPEC,
	HVKVM_VID_VCPU_A_VCPU,		/* in VM_VCPU_STATS: one per vCPU */
	HVKVM_VID_VCPU_A_INDEX,
	HVKVM_VID_VCPU_A_EXITS,
	__HVKVM_VID_VCPU_A_MAX
};
#define HVKVM_VID_VCPU_A_MAX (__HVKVM_VID_VCPU_A_MAX - 1)

enum hvkvm_vid_mem_attr {
	HVKVM_VID_MEM_A_UNSPEC,
	HVKVM_VID_MEM_A_PAD,
	HVKVM_VID_MEM_A_REGION,		/* in VM_MEMORY_MAP: one per region */
	HVKVM_VID_MEM_A_GPA,
	HVKVM_VID_MEM_A_SIZE,
	HVKVM_VID_MEM_A_UADDR,
	__HVKVM_VID_MEM_A_MAX
};
#define HVKVM_VID_MEM_A_MAX (__HVKVM_VID_MEM_A_MAX - 1)
#define HVKVM_VID_MEM_REGIONS_MAX	8
#define HVKVM_VID_MEMORY_SLACK		(16ULL << 20)

enum hvkvm_vid_sint_attr {
	HVKVM_VID_SINT_A_UNSPEC,
	HVKVM_VID_SINT_A_ROUTE,		/* in VM_SINT_ROUTES: one per route */
	HVKVM_VID_SINT_A_VP,
	HVKVM_VID_SINT_A_SINT,
	HVKVM_VID_SINT_A_IRQFD,
	HVKVM_VID_SINT_A_RESAMPLEFD,
	__HVKVM_VID_SINT_A_MAX
};
#define HVKVM_VID_SINT_A_MAX (__HVKVM_VID_SINT_A_MAX - 1)

enum hvkvm_vid_port_attr {
	HVKVM_VID_PORT_A_UNSPEC,
	HVKVM_VID_PORT_A_PORT,		/* in VM_PORTS: one per port */
	HVKVM_VID_PORT_A_CONN_ID,
	HVKVM_VID_PORT_A_FD,
	__HVKVM_VID_PORT_A_MAX
};
#define HVKVM_VID_PORT_A_MAX (__HVKVM_VID_PORT_A_MAX - 1)
#define HVKVM_VID_PORTS_MAX		2048	/* per partition */

#endif /* _UAPI_LINUX_HVKVM_VID_H */
