// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm VMBus host: GPADLs in the kernel, for the rings and the devices.
 *
 * The bus (lib/vmbus/bus.c) keeps the protocol's view of a GPADL; this
 * file keeps the kernel's, a struct vmbus_gpadl made when the GPADL is
 * complete (ops->gpadl_create): its pinned pages, looked up in VID's
 * table, and a reference on that table, so that the pages stay pinned
 * for as long as the object lives, whatever the worker does.
 *
 * References: the bus holds one from gpadl_create to gpadl_destroy; a
 * VSP holds one per vmbus_gpadl_get(); a queued "done" work holds one.
 * The last one frees the object on the module's workqueue (a put may
 * come from a completion in interrupt context, and vunmap may not run
 * there).
 *
 * Lookup: VSPs look GPADLs up by handle from their channels' work and
 * completions, which must not take the VM's mutex (the mutex is held
 * while a channel's work is cancelled). So the complete GPADLs are also
 * in vm->gpadls, an xarray by handle, whose lock (taken with interrupts
 * off) guards each object's users, ring and tearing and its presence on
 * the bus. The bus's calls change them under the VM's mutex as well.
 *
 * Teardown while a device holds the GPADL: ops->gpadl_teardown says
 * -EBUSY and marks it tearing (no new user); the put that ends its last
 * use queues the done work on the VM's thread, which, under the VM's
 * mutex, lets the bus answer GPADL_TORNDOWN (vmb_bus_gpadl_done) if the
 * object is still the bus's. When the bus destroyed it first (the
 * channel or the connection went, the VM ended), the object is no longer
 * in vm->gpadls and nothing touches the bus for it any more.
 */
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include "vmbus.h"

/*
 * A GPADL header's range area is at most 65535 bytes (a u16): one range
 * of 8190 pages.
 */
#define VMBUS_GPADL_PAGES_MAX	8190

struct vmbus_gpadl {
	refcount_t ref;
	struct vmbus_vm *vm;		/* a reference */
	struct vid_memory *mem;		/* a reference: the pages' pins */
	const struct vmbus_device *dev;	/* whose it is; only compared */
	u32 handle;
	u32 byte_offset;
	u32 byte_count;
	/* under vm->gpadls' lock */
	unsigned int users;		/* VSP references */
	bool on_bus;			/* between create and destroy */
	bool ring;			/* an open channel's rings */
	bool tearing;			/* the guest tore it down */
	void *map;			/* set once, by cmpxchg */
	struct kthread_work done;	/* on the VM's thread */
	struct work_struct free;
	u32 npages;
	struct page *pages[];
};

static void vmbus_gpadl_free_work(struct work_struct *work)
{
	struct vmbus_gpadl *g = container_of(work, struct vmbus_gpadl, free);

	if (g->map)
		vunmap(g->map);
	vid_memory_put(g->mem);
	vmbus_vm_put(g->vm);
	kvfree(g);
}

static void vmbus_gpadl_unref(struct vmbus_gpadl *g)
{
	if (refcount_dec_and_test(&g->ref))
		queue_work(vmbus_wq, &g->free);
}

/* The last user let go of a GPADL the guest tore down: answer it. */
static void vmbus_gpadl_done_work(struct kthread_work *work)
{
	struct vmbus_gpadl *g = container_of(work, struct vmbus_gpadl, done);
	struct vmbus_vm *vm = g->vm;

	mutex_lock(&vm->lock);
	/* on_bus changes under vm->lock too: still the bus's, or gone */
	if (!vm->dead && g->on_bus)
		vmb_bus_gpadl_done(&vm->bus, g->handle);
	mutex_unlock(&vm->lock);
	vmbus_gpadl_unref(g);
}

/* ---- the bus's calls, under vm->lock ---- */

int vmbus_op_gpadl_create(struct vmb_bus *bus, struct vmb_gpadl *bg)
{
	struct vmbus_vm *vm = container_of(bus, struct vmbus_vm, bus);
	struct vmb_chan *c = bg->relid <= bus->relid_max ?
			     bus->chans[bg->relid] : NULL;
	struct vmbus_gpadl *g;
	u32 i;
	int err;

	if (!c || !bg->npfns || bg->npfns > VMBUS_GPADL_PAGES_MAX)
		return -EINVAL;
	g = kvzalloc(struct_size(g, pages, bg->npfns), GFP_KERNEL_ACCOUNT);
	if (!g)
		return -ENOMEM;
	g->mem = vm->p ? vid_memory_get(vm->p) : NULL;
	err = -EFAULT;
	if (!g->mem)
		goto err;
	for (i = 0; i < bg->npfns; i++) {
		g->pages[i] = vid_memory_page(g->mem, bg->pfns[i]);
		if (!g->pages[i])
			goto err;
	}
	refcount_set(&g->ref, 1);	/* the bus's */
	g->dev = container_of(c, struct vmbus_channel, c)->dev;
	g->handle = bg->handle;
	g->byte_offset = bg->byte_offset;
	g->byte_count = bg->byte_count;
	g->npages = bg->npfns;
	g->on_bus = true;
	g->vm = vm;
	kthread_init_work(&g->done, vmbus_gpadl_done_work);
	INIT_WORK(&g->free, vmbus_gpadl_free_work);
	/*
	 * Complete before it is published: a lookup may find it at once.
	 * The bus refuses a handle in use, so the slot is free.
	 */
	kref_get(&vm->ref);
	err = xa_insert_irq(&vm->gpadls, g->handle, g, GFP_KERNEL_ACCOUNT);
	if (err) {
		vmbus_vm_put(vm);	/* not the last: the VM is attached */
		goto err;
	}
	bg->host = g;
	return 0;
err:
	vid_memory_put(g->mem);
	kvfree(g);
	return err;
}

void vmbus_op_gpadl_destroy(struct vmb_bus *bus, struct vmb_gpadl *bg)
{
	struct vmbus_vm *vm = container_of(bus, struct vmbus_vm, bus);
	struct vmbus_gpadl *g = bg->host;
	unsigned long flags;

	bg->host = NULL;
	xa_lock_irqsave(&vm->gpadls, flags);
	__xa_erase(&vm->gpadls, g->handle);
	g->on_bus = false;
	if (g->users)
		vm->gpadl_orphans++;
	xa_unlock_irqrestore(&vm->gpadls, flags);
	vmbus_gpadl_unref(g);
}

/*
 * The guest tore it down: 0 if no device holds it (the bus answers at
 * once), else -EBUSY, and the last put queues the answer.
 */
int vmbus_op_gpadl_teardown(struct vmb_bus *bus, struct vmb_gpadl *bg)
{
	struct vmbus_vm *vm = container_of(bus, struct vmbus_vm, bus);
	struct vmbus_gpadl *g = bg->host;
	unsigned long flags;
	bool busy;

	xa_lock_irqsave(&vm->gpadls, flags);
	busy = g->users;
	g->tearing = busy;
	xa_unlock_irqrestore(&vm->gpadls, flags);
	return busy ? -EBUSY : 0;
}

/* Does a device still use a GPADL the bus dropped? */
bool vmbus_op_gpadls_busy(struct vmb_bus *bus)
{
	struct vmbus_vm *vm = container_of(bus, struct vmbus_vm, bus);
	unsigned long flags;
	bool busy;

	xa_lock_irqsave(&vm->gpadls, flags);
	busy = vm->gpadl_orphans;
	xa_unlock_irqrestore(&vm->gpadls, flags);
	return busy;
}

/* A channel opens on g's pages as its rings, or closes. */
void vmbus_gpadl_set_ring(struct vmbus_gpadl *g, bool ring)
{
	unsigned long flags;

	xa_lock_irqsave(&g->vm->gpadls, flags);
	g->ring = ring;
	xa_unlock_irqrestore(&g->vm->gpadls, flags);
}

/* ---- the VSPs' API ---- */

struct vmbus_gpadl *vmbus_gpadl_get(struct vmbus_channel *ch, u32 handle)
{
	struct vmbus_vm *vm = ch->vm;
	struct vmbus_gpadl *g;
	unsigned long flags;
	int err = 0;

	if (!READ_ONCE(ch->open))
		return ERR_PTR(-ENOTCONN);
	xa_lock_irqsave(&vm->gpadls, flags);
	g = xa_load(&vm->gpadls, handle);
	if (!g || g->dev != ch->dev)
		err = -ENOENT;
	else if (g->ring)
		err = -EBUSY;
	else if (g->tearing)
		err = -ESHUTDOWN;
	if (!err) {
		g->users++;
		refcount_inc(&g->ref);
	}
	xa_unlock_irqrestore(&vm->gpadls, flags);
	return err ? ERR_PTR(err) : g;
}
EXPORT_SYMBOL_GPL(vmbus_gpadl_get);

void vmbus_gpadl_put(struct vmbus_gpadl *g)
{
	struct vmbus_vm *vm = g->vm;
	unsigned long flags;

	xa_lock_irqsave(&vm->gpadls, flags);
	if (WARN_ON_ONCE(!g->users)) {
		xa_unlock_irqrestore(&vm->gpadls, flags);
		return;
	}
	/* The last use of an orphan: a held message may go on. */
	if (!--g->users && !g->on_bus && !--vm->gpadl_orphans &&
	    vm->msg_held) {
		/* held: the VM's thread is there (vmbus_detach) */
		vm->msg_held = false;
		kthread_queue_work(vm->kworker, &vm->msg_work);
	}
	if (!g->users && g->tearing && g->on_bus) {
		/*
		 * On the bus, the VM's thread is there: the bus destroys its
		 * GPADLs before the thread goes. Users cannot come back to
		 * a GPADL being torn down, so this is queued once.
		 */
		refcount_inc(&g->ref);
		if (!kthread_queue_work(vm->kworker, &g->done))
			refcount_dec(&g->ref);
	}
	xa_unlock_irqrestore(&vm->gpadls, flags);
	vmbus_gpadl_unref(g);
}
EXPORT_SYMBOL_GPL(vmbus_gpadl_put);

u32 vmbus_gpadl_handle(const struct vmbus_gpadl *g)
{
	return g->handle;
}
EXPORT_SYMBOL_GPL(vmbus_gpadl_handle);

u32 vmbus_gpadl_npages(const struct vmbus_gpadl *g)
{
	return g->npages;
}
EXPORT_SYMBOL_GPL(vmbus_gpadl_npages);

u32 vmbus_gpadl_offset(const struct vmbus_gpadl *g)
{
	return g->byte_offset;
}
EXPORT_SYMBOL_GPL(vmbus_gpadl_offset);

u32 vmbus_gpadl_len(const struct vmbus_gpadl *g)
{
	return g->byte_count;
}
EXPORT_SYMBOL_GPL(vmbus_gpadl_len);

struct page **vmbus_gpadl_pages(struct vmbus_gpadl *g)
{
	return g->pages;
}
EXPORT_SYMBOL_GPL(vmbus_gpadl_pages);

void *vmbus_gpadl_map(struct vmbus_gpadl *g)
{
	/* Pairs with the cmpxchg: the page tables before the pointer. */
	void *map = smp_load_acquire(&g->map), *old;

	might_sleep();
	if (map)
		return map;
	map = vmap(g->pages, g->npages, VM_MAP, PAGE_KERNEL);
	if (!map)
		return NULL;
	/* Two first users: one mapping stays. */
	old = cmpxchg(&g->map, NULL, map);
	if (old) {
		vunmap(map);
		return old;
	}
	return map;
}
EXPORT_SYMBOL_GPL(vmbus_gpadl_map);

struct vid_memory *vmbus_chan_memory(struct vmbus_channel *ch)
{
	struct vid_partition *p = READ_ONCE(ch->vm->p);

	return p ? vid_memory_get(p) : NULL;
}
EXPORT_SYMBOL_GPL(vmbus_chan_memory);

/* The portable parser of GPA-direct packets (lib/vmbus/ring.c), for VSPs. */
EXPORT_SYMBOL_GPL(vmb_pkt_gpa_ranges);
