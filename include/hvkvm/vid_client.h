/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VID's kernel API, for the module above it (VMBus, VID's one client) and
 * for the VSPs: what a client learns of a partition, the partition's
 * guest memory, and SynIC delivery. struct vid_partition and struct
 * vid_memory are VID's own: users hold pointers, never look inside.
 *
 * Contexts: the client's hooks run under VID's registry lock (vid_lock)
 * and must not wait for anything that takes it. vid_memory_put,
 * vid_post_message and vid_signal_event may be called from any context
 * but hard interrupts; vid_memory_get under RCU or a reference on the
 * partition (a client between attach and detach).
 */
#ifndef _HVKVM_VID_CLIENT_H
#define _HVKVM_VID_CLIENT_H

#include <linux/types.h>

struct module;
struct page;
struct pid;
struct vid_partition;
struct vid_memory;

/* ---- the client ---- */

struct vid_client_ops {
	struct module *owner;
	/*
	 * A worker attached p (its memory and SynIC are there): the client
	 * may keep its state with vid_set_client_data. Also called at
	 * registration for every partition attached then.
	 */
	void (*attach)(struct vid_partition *p);
	/* HvPostMessage from @vp on @conn_id: returns an HV_STATUS_* code. */
	u16 (*post_message)(struct vid_partition *p, u32 vp, u32 conn_id,
			    u32 type, const void *payload, u32 len);
	/*
	 * A graceful stop was asked for p (the worker presses the guest's
	 * power button too): the client may ask the guest its own way. Must
	 * not wait.
	 */
	void (*shutdown)(struct vid_partition *p);
	/*
	 * The worker is gone, or the client unregisters: forget everything
	 * about p, touch none of it after returning, clear the client data.
	 */
	void (*detach)(struct vid_partition *p);
};

int vid_register_client(const struct vid_client_ops *ops);
void vid_unregister_client(const struct vid_client_ops *ops);

/* What a client may know of an attached partition; fixed until detach. */
struct vid_partition_info {
	const char *name;
	u32 vcpus;
	pid_t worker_pid;		/* in VID's caller's namespace */
	struct pid *worker;		/* the worker's process (tgid) */
	bool has_clock;			/* clock_offset is known */
	s64 clock_offset;		/* CLOCK_REALTIME - the guest's kvmclock */
};

void vid_partition_info(const struct vid_partition *p,
			struct vid_partition_info *info);
void *vid_client_data(const struct vid_partition *p);
void vid_set_client_data(struct vid_partition *p, void *data);

/* ---- guest memory ---- */

/*
 * The partition's guest-memory table (pinned while its worker is
 * attached) with a reference, or NULL when none is attached. Hold the
 * reference for as long as I/O on its pages is in flight: a worker that
 * dies meanwhile leaves the pages pinned until the last reference goes.
 */
struct vid_memory *vid_memory_get(struct vid_partition *p);
/* Drop a reference, from any context; the last one unpins, later. */
void vid_memory_put(struct vid_memory *mem);
/* The page behind a guest page number, or NULL outside guest memory. */
struct page *vid_memory_page(const struct vid_memory *mem, u64 gpn);
/*
 * The pages behind guest page numbers gpn .. gpn + n - 1, into pages[]:
 * 0, or -EFAULT (pages[] undefined) if any is outside guest memory. No
 * page reference is taken: the table's reference covers them.
 */
int vid_memory_pages(const struct vid_memory *mem, u64 gpn, u32 n,
		     struct page **pages);
int vid_memory_read(const struct vid_memory *mem, u64 gpa, void *buf,
		    size_t len);
int vid_memory_write(const struct vid_memory *mem, u64 gpa, const void *buf,
		     size_t len);

/* ---- SynIC ---- */

int vid_post_message(struct vid_partition *p, u32 vp, u32 sint, u32 type,
		     const void *payload, u32 len);
int vid_signal_event(struct vid_partition *p, u32 vp, u32 sint, u32 flag);
int vid_port_set_handler(struct vid_partition *p, u32 conn_id,
			 void (*handler)(void *data), void *data);
int vid_set_space_handler(struct vid_partition *p, void (*fn)(void *data),
			  void *data);

#endif /* _HVKVM_VID_CLIENT_H */
