/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wvm: the core of the per-VM worker process.
 *
 * One struct wvm is one KVM virtual machine that boots a Linux bzImage and
 * presents itself to the guest as Hyper-V: Hyper-V CPUID leaves only, SynIC,
 * hypercalls, and ACPI tables with the VMBus device. It owns its vCPU
 * threads, its guest RAM and its few emulated legacy devices (COM1, the ACPI
 * PM block, the reset ports, a minimal RTC).
 *
 * The life of a VM:
 *
 *	wvm_create()	validate the boot spec, create the KVM VM, load the
 *			kernel; nothing runs yet
 *	wvm_run()	start one thread per vCPU
 *	wvm_pause()	kick every vCPU out of KVM_RUN and hold it; returns
 *			when all are held
 *	wvm_resume()	let them go again
 *	wvm_request_stop()
 *			GRACEFUL presses the ACPI power button (the guest
 *			decides); FORCE stops every vCPU now
 *	wvm_wait()	wait until every vCPU thread has ended (the guest
 *			powered off, reset, crashed, or was stopped)
 *	wvm_destroy()	force-stop if needed, free everything
 *
 * Events come through cfg->event, called from a vCPU thread (or from the
 * caller of wvm_request_stop for WVM_EV_STOPPED). An event ends the VM:
 * every vCPU stops, and wvm_wait() returns. Only the first terminal event
 * is reported. The callback must not call wvm_destroy() or wvm_wait().
 *
 * Functions that may fail return 0 or a negative errno; wvm_create() also
 * writes one line a person can read into its error buffer.
 */
#ifndef HVKVM_WVM_H
#define HVKVM_WVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WVM_MAX_VCPUS		64
#define WVM_MIN_MEMORY_MIB	32
#define WVM_MAX_MEMORY_MIB	(1024 * 1024)

/*
 * The console log's cap (bytes) when the config gives none, and its range
 * (logfile.h): past the cap the log is rotated, one old generation kept.
 */
#define WVM_CONSOLE_LOG_CAP	(1024 * 1024)

/*
 * Lines a guest can cause (wvm_log_fn's guest) are limited to
 * WVM_LOG_BURST per WVM_LOG_INTERVAL_MS by the default log.
 */
#define WVM_LOG_BURST		10
#define WVM_LOG_INTERVAL_MS	5000

struct wvm;

enum wvm_event_type {
	WVM_EV_POWEROFF = 1,	/* guest wrote S5 to PM1a_CNT (or Hyper-V reset-less off) */
	WVM_EV_RESET,		/* reset register, 0xcf9, 0x64 <- 0xfe, HV reset MSR */
	WVM_EV_TRIPLE_FAULT,	/* KVM_EXIT_SHUTDOWN */
	WVM_EV_CRASH,		/* HV_X64_MSR_CRASH_CTL written, params P0..P4 */
	WVM_EV_STOPPED,		/* wvm_request_stop(FORCE) */
	WVM_EV_ERROR,		/* fatal internal error, see msg */
};

struct wvm_event {
	enum wvm_event_type type;
	unsigned int vcpu;		/* the vCPU that saw it */
	uint64_t crash[5];		/* WVM_EV_CRASH: HV_X64_MSR_CRASH_P0..P4 */
	char msg[160];			/* WVM_EV_ERROR: what went wrong */
};

/* Exit counters, per vCPU, by exit reason. */
enum wvm_exit_kind {
	WVM_EXIT_IO,
	WVM_EXIT_MMIO,
	WVM_EXIT_HLT,
	WVM_EXIT_HYPERV,
	WVM_EXIT_SHUTDOWN,
	WVM_EXIT_SYSTEM_EVENT,
	WVM_EXIT_INTR,
	WVM_EXIT_OTHER,
	WVM_EXIT_NR
};

struct wvm_vcpu_stats {
	uint64_t exits[WVM_EXIT_NR];
};

/* What the guest last wrote to its SynIC MSRs (KVM_EXIT_HYPERV_SYNIC). */
struct wvm_synic {
	uint64_t scontrol;
	uint64_t siefp;		/* event flags page MSR, enable bit included */
	uint64_t simp;		/* message page MSR, enable bit included */
};

/* Guest RAM: one entry per KVM memory slot. */
struct wvm_mem_region {
	uint64_t gpa;
	uint64_t size;
	void *hva;
};

/*
 * A Hyper-V hypercall that KVM handed to userspace (HvPostMessage,
 * HvSignalEvent without an eventfd). Returns the value for RAX: the
 * HV_STATUS_* code in bits 0..15. Called from the vCPU thread; the vCPU
 * waits for it.
 */
typedef uint64_t (*wvm_hcall_fn)(struct wvm *w, unsigned int vcpu,
				 uint64_t control, uint64_t in_gpa,
				 uint64_t out_gpa, void *opaque);

/*
 * The guest wrote SCONTROL, SIEFP or SIMP on a vCPU (msr says which). The
 * new state is already recorded; the vCPU resumes when this returns.
 */
typedef void (*wvm_synic_fn)(struct wvm *w, unsigned int vcpu, uint32_t msr,
			     const struct wvm_synic *s, void *opaque);

typedef void (*wvm_event_fn)(struct wvm *w, const struct wvm_event *ev,
			     void *opaque);

/*
 * Diagnostics, one line each, without a newline. guest: a line the guest
 * can cause again and again (an unhandled port, a sleep state asked for,
 * anything that repeats with each reset), which the receiver should
 * rate-limit; the others come from the host's side (the configuration).
 * NULL: stderr, guest lines limited to WVM_LOG_BURST per
 * WVM_LOG_INTERVAL_MS with a count of those suppressed.
 */
typedef void (*wvm_log_fn)(const char *line, bool guest, void *opaque);

struct wvm_config {
	const char *name;		/* for messages; may be NULL */
	const char *kernel;		/* bzImage path, required */
	const char *initrd;		/* may be NULL */
	const char *cmdline;		/* may be NULL */
	unsigned int memory_mib;
	unsigned int vcpus;
	const char *console_log;	/* appended to; may be NULL */
	uint64_t console_log_cap;	/* bytes; 0: WVM_CONSOLE_LOG_CAP */
	const char *console_sock;	/* unix socket to attach; may be NULL */
	bool no_stimer;			/* offer no synthetic timers */

	wvm_event_fn event;
	wvm_hcall_fn hcall;		/* NULL: wvm_hcall_default */
	wvm_synic_fn synic;		/* may be NULL */
	wvm_log_fn log;
	void *opaque;			/* passed to every callback */
};

enum wvm_stop_mode {
	WVM_STOP_GRACEFUL,
	WVM_STOP_FORCE,
};

int wvm_create(const struct wvm_config *cfg, struct wvm **wp,
	       char *err, size_t errlen);
int wvm_run(struct wvm *w);
int wvm_pause(struct wvm *w);
int wvm_resume(struct wvm *w);
int wvm_request_stop(struct wvm *w, enum wvm_stop_mode mode);
/* Wait up to timeout_ms (< 0: forever) for the VM to end; -ETIMEDOUT. */
int wvm_wait(struct wvm *w, int timeout_ms, struct wvm_event *ev);
void wvm_destroy(struct wvm *w);

/* Introspection: safe at any time, from any thread. */
unsigned int wvm_nr_vcpus(const struct wvm *w);
int wvm_vcpu_stats(const struct wvm *w, unsigned int vcpu,
		   struct wvm_vcpu_stats *st);
int wvm_vcpu_synic(struct wvm *w, unsigned int vcpu, struct wvm_synic *s);
const struct wvm_mem_region *wvm_memory(const struct wvm *w,
					unsigned int *nr);
int wvm_vm_fd(const struct wvm *w);
int wvm_vcpu_fd(const struct wvm *w, unsigned int vcpu);

/* Answers "no VMBus host connected yet"; see hyperv.c. */
uint64_t wvm_hcall_default(struct wvm *w, unsigned int vcpu, uint64_t control,
			   uint64_t in_gpa, uint64_t out_gpa, void *opaque);

const char *wvm_event_name(enum wvm_event_type t);
const char *wvm_exit_name(enum wvm_exit_kind k);

#endif
