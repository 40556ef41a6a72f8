/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the worker core: struct wvm and what its files share. Each
 * section names the file that implements it.
 */
#ifndef HVKVM_WORKER_INTERNAL_H
#define HVKVM_WORKER_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <linux/kvm.h>

#include "ratelimit.h"
#include "wvm.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define SZ_1M		0x100000ULL
#define SZ_1G		0x40000000ULL
#define SZ_4G		0x100000000ULL
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))

/* Guest-physical layout of everything the worker puts in low memory. */
#define GPA_GDT		0x0500
#define GPA_ZERO_PAGE	0x7000
#define GPA_PML4	0x9000
#define GPA_PDPT	0xa000
#define GPA_PD		0xb000		/* four pages: 4 GiB of 2 MiB pages */
#define GPA_CMDLINE	0x20000
#define CMDLINE_MAX	0xffff		/* room up to the next page table */
#define GPA_EBDA	0x9fc00
#define GPA_ACPI	0xe0000		/* to 0xfffff: also the RSDP scan area */
#define ACPI_SIZE	0x20000
#define GPA_KERNEL	0x100000
#define GPA_LOW_END	(3 * SZ_1G)	/* RAM above this goes above 4 GiB */
#define GPA_TSS		0xfffbd000
#define GPA_IDMAP	0xfffbc000
#define GPA_IOAPIC	0xfec00000
#define GPA_LAPIC	0xfee00000

/* Legacy IRQs (ISA numbering = GSI with KVM's default routing). */
#define IRQ_COM1	4
#define IRQ_SCI		9

enum wvm_state {
	WVM_CREATED,
	WVM_RUNNING,
	WVM_PAUSED,
	WVM_STOPPING,	/* terminal: vCPU threads leave their loops */
};

struct wvm_vcpu {
	struct wvm *w;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	struct wvm_vcpu_stats stats;	/* updated with relaxed atomics */
	struct wvm_synic synic;		/* under w->lock */
};

struct wvm_uart;
struct wvm_console;

struct wvm_pm {
	uint16_t sts;		/* PM1a_STS */
	uint16_t en;		/* PM1a_EN */
	uint16_t cnt;		/* PM1a_CNT */
	bool sci;		/* level of the SCI line */
};

struct wvm {
	struct wvm_config cfg;	/* strings below point into our copies */
	char name[64];
	char err[256];

	int kvm_fd;
	int vm_fd;
	int run_size;

	void *ram;
	uint64_t ram_size;
	struct wvm_mem_region mem[2];
	unsigned int nr_mem;

	unsigned int nr_vcpus;
	struct wvm_vcpu *vcpus;
	struct kvm_cpuid2 *cpuid;	/* the profile, before per-vCPU ids */

	uint64_t entry;		/* 64-bit kernel entry point */

	pthread_mutex_t lock;	/* state, parked, live, event, synic */
	pthread_cond_t cond;
	enum wvm_state state;
	unsigned int parked;	/* vCPU threads held by a pause */
	unsigned int live;	/* vCPU threads not yet ended */
	bool ended;		/* an event was recorded */
	struct wvm_event event;

	pthread_mutex_t dev_lock;	/* pm, unknown ports */
	struct wvm_pm pm;
	uint8_t cmos_index;
	bool mmio_warned;
	unsigned int nr_unknown_ports;
	uint16_t unknown_ports[16];

	struct wvm_uart *uart;
	struct wvm_console *con;

	pthread_mutex_t log_lock;	/* log_rl */
	struct ratelimit log_rl;	/* the default log's guest lines */
};

static inline uint64_t wvm_low_ram(const struct wvm *w)
{
	return w->ram_size < GPA_LOW_END ? w->ram_size : GPA_LOW_END;
}

/*
 * wvm.c. wvm_log: a line from the host's side (the configuration);
 * wvm_log_guest: a line the guest can cause again and again, rate-limited
 * (see wvm_log_fn).
 */
void wvm_log(struct wvm *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void wvm_log_guest(struct wvm *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int wvm_fail(struct wvm *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void wvm_end(struct wvm *w, const struct wvm_event *ev);
void wvm_end_simple(struct wvm *w, unsigned int vcpu, enum wvm_event_type t);
void wvm_irq_line(struct wvm *w, unsigned int irq, int level);
void *wvm_gpa(struct wvm *w, uint64_t gpa, uint64_t len);

/* kvm.c */
int kvm_open(struct wvm *w);
int kvm_create_vm(struct wvm *w);
int kvm_setup_memory(struct wvm *w);
void kvm_close(struct wvm *w);

/* cpuid.c */
int cpuid_build(struct wvm *w);
int cpuid_set_vcpu(struct wvm *w, struct wvm_vcpu *v);

/* vcpu.c */
int vcpu_create(struct wvm *w, struct wvm_vcpu *v, unsigned int id);
void vcpu_destroy(struct wvm_vcpu *v);
int vcpu_start(struct wvm_vcpu *v);
void vcpu_kick(struct wvm_vcpu *v);
int vcpu_setup_signals(void);

/* hyperv.c */
int hyperv_enable_vcpu(struct wvm *w, struct wvm_vcpu *v);
void hyperv_exit(struct wvm *w, struct wvm_vcpu *v);
void hyperv_crash(struct wvm *w, struct wvm_vcpu *v);

/* boot.c: bzImage loading and the boot CPU's initial state */
struct boot_image {
	uint8_t *kernel;	/* the whole file: a bzImage or an ELF vmlinux */
	size_t kernel_size;
	size_t setup_size;	/* real-mode part: (setup_sects + 1) * 512 */
	bool elf;		/* an uncompressed vmlinux */
	uint64_t elf_end;	/* its segments' end in guest memory */
	uint8_t *initrd;
	size_t initrd_size;
	uint64_t initrd_gpa;
	const char *cmdline;
};
int boot_prepare(struct wvm *w, struct boot_image *img, const char *kernel,
		 const char *initrd, const char *cmdline);
void boot_release(struct boot_image *img);
int boot_load(struct wvm *w, const struct boot_image *img);
int boot_setup_bsp(struct wvm *w, struct wvm_vcpu *v);

/* acpi.c */
int acpi_build(struct wvm *w, uint64_t *rsdp);

/* ioport.c: port I/O dispatch */
void ioport_access(struct wvm *w, struct wvm_vcpu *v, uint16_t port,
		   void *data, unsigned int size, bool write);

/* pm.c: PM1a block, reset ports, power button */
void pm_io(struct wvm *w, struct wvm_vcpu *v, uint16_t port, void *data,
	   unsigned int size, bool write);
int pm_power_button(struct wvm *w);

/* legacy.c: ports Linux pokes that need little or nothing */
void legacy_rtc_io(struct wvm *w, uint16_t port, void *data,
		   unsigned int size, bool write);
void legacy_kbc_io(struct wvm *w, struct wvm_vcpu *v, uint16_t port,
		   void *data, unsigned int size, bool write);
void legacy_unknown_io(struct wvm *w, uint16_t port, void *data,
		       unsigned int size, bool write);

/* uart.c: 16550A */
int uart_create(struct wvm *w, struct wvm_uart **up);
void uart_destroy(struct wvm_uart *u);
void uart_io(struct wvm_uart *u, uint16_t off, uint8_t *val, bool write);
size_t uart_rx_room(struct wvm_uart *u);
void uart_rx(struct wvm_uart *u, const uint8_t *buf, size_t len);

/* console.c: the log file and the attach socket */
int console_create(struct wvm *w, struct wvm_console **cp);
void console_destroy(struct wvm_console *c);
void console_out(struct wvm_console *c, uint8_t ch);

/* Layout of memory in the e820 map and the ACPI tables. */
#define E820_RAM	1
#define E820_RESERVED	2

#endif
