// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm VID: the synthetic interrupt controller, seen from the host.
 *
 * KVM emulates the guest's SynIC; what it leaves to the VMM is delivered
 * here without going back to user space on the data path:
 *
 * - host -> guest messages: VID writes the message into the VP's SIMP
 *   slot of the SINT (through the pinned guest page) and signals the
 *   SINT's irqfd. A busy slot gets msg_pending set (with a cmpxchg that
 *   re-checks the slot, as the guest frees it first and samples the flag
 *   after); the resample eventfd, which KVM signals on the guest's end of
 *   message, wakes the queue again. Messages to one VP leave in order.
 * - host -> guest events: a bit set in the VP's SIEF page, and the irqfd.
 * - guest -> host events: HvSignalEvent on a connection id bound to an
 *   eventfd wakes the handler a client (VMBus) set on the port. Ports are
 *   bound on demand: a client sets a handler on a connection id (VMBus
 *   does as a channel opens); the guest's first signal on it, which KVM
 *   has no eventfd for, reaches VID through the worker (VM_HCALL), runs
 *   the handler and asks the worker to bind an eventfd (VM_PORT_BIND),
 *   after which KVM signals it without leaving the kernel. A VM can so
 *   have as many channels as VMBus allows, with no eventfd for a channel
 *   that is never opened.
 * - guest -> host messages: HvPostMessage leaves KVM to the worker, which
 *   forwards it here (VM_HCALL): VID reads it from guest memory, checks
 *   it, and hands it to the client.
 *
 * The worker forwards the guest's SynIC MSR writes (VM_SYNIC), so that VID
 * knows where each VP's message and event pages are.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <asm/hyperv-tlfs.h>
#include <net/genetlink.h>

#include <hvkvm/compat.h>
#include "vid.h"

#define VID_MSG_QUEUE_MAX	64	/* messages waiting per VP */
#define VID_SYNIC_ENABLE	BIT_ULL(0)

struct vid_msg {
	struct list_head node;
	u32 sint;
	u32 type;
	u32 len;
	u8 payload[HV_MESSAGE_PAYLOAD_BYTE_COUNT];
};

/* An eventfd VID waits on: a SINT's resample fd, or a signal port. */
struct vid_waiter {
	struct eventfd_ctx *ctx;
	wait_queue_entry_t wait;
	poll_table pt;
	wait_queue_head_t *wqh;
	void (*fn)(struct vid_waiter *w);	/* in atomic context */
};

struct vid_sint {
	struct vid_vp *vp;
	struct eventfd_ctx *irq;	/* NULL: not routed */
	struct vid_waiter eom;
};

/* HvPostMessage's input block, as the guest lays it out. */
struct vid_post_input {
	u32 connection_id;		/* bits 24..31 reserved */
	u32 reserved;
	u32 message_type;
	u32 payload_size;
	u8 payload[HV_MESSAGE_PAYLOAD_BYTE_COUNT];
} __packed;

struct vid_vp {
	struct vid_synic *synic;
	u32 index;
	u64 scontrol, siefp, simp;
	struct vid_sint sint[HV_SYNIC_SINT_COUNT];
	spinlock_t lock;		/* queue, and the MSR values */
	struct list_head queue;
	unsigned int queued;
	bool refused;			/* a post found the queue full */
	void (*space)(void *data);	/* the client's; under lock */
	void *space_data;
	struct work_struct work;
};

/*
 * A connection id the guest may signal. The handler is called under lock,
 * from the eventfd's wake-up or from the worker's forwarded hypercall;
 * the waiter is started once, under vid_lock, and stopped when the SynIC
 * state goes.
 */
struct vid_port {
	u32 conn_id;
	spinlock_t lock;		/* handler, data */
	void (*handler)(void *data);	/* set by the client; atomic context */
	void *data;
	struct vid_waiter waiter;	/* once bound */
	bool bound;			/* under vid_lock */
	bool binding;			/* the worker was asked to bind it */
};

struct vid_synic {
	struct vid_partition *p;
	struct vid_memory *mem;		/* a reference of its own, or NULL */
	struct list_head reap;		/* vid_reap_list, once detached */
	struct xarray ports;		/* by connection id; lookups under RCU */
	atomic_t nports;		/* at most HVKVM_VID_PORTS_MAX */
	u32 nbound;			/* under vid_lock */
	atomic64_t slow_signals;	/* signals the worker forwarded */
	u32 nvps;
	struct vid_vp vps[];
};

/* Set and cleared under vid_lock; read under it, or under RCU. */
static const struct vid_client_ops __rcu *vid_client;

static int vid_waiter_wake(wait_queue_entry_t *wait, unsigned int mode,
			   int sync, void *key)
{
	struct vid_waiter *w = container_of(wait, struct vid_waiter, wait);
	__poll_t flags = key_to_poll(key);
	u64 cnt;

	if (flags & EPOLLIN) {
		eventfd_ctx_do_read(w->ctx, &cnt);
		w->fn(w);
	}
	return 0;
}

static void vid_waiter_queue(struct file *file, wait_queue_head_t *wqh,
			     poll_table *pt)
{
	struct vid_waiter *w = container_of(pt, struct vid_waiter, pt);

	w->wqh = wqh;
	add_wait_queue(wqh, &w->wait);
}

/* Wait on the eventfd behind fd (in the worker's context). */
static int vid_waiter_start(struct vid_waiter *w, int fd,
			    void (*fn)(struct vid_waiter *w))
{
	struct fd f = fdget(fd);
	struct eventfd_ctx *ctx;

	if (!fd_file(f))
		return -EBADF;
	ctx = eventfd_ctx_fileget(fd_file(f));
	if (IS_ERR(ctx)) {
		fdput(f);
		return PTR_ERR(ctx);
	}
	w->ctx = ctx;
	w->fn = fn;
	init_waitqueue_func_entry(&w->wait, vid_waiter_wake);
	init_poll_funcptr(&w->pt, vid_waiter_queue);
	vfs_poll(fd_file(f), &w->pt);
	fdput(f);
	return 0;
}

static void vid_waiter_stop(struct vid_waiter *w)
{
	u64 cnt;

	if (!w->ctx)
		return;
	if (w->wqh)
		eventfd_ctx_remove_wait_queue(w->ctx, &w->wait, &cnt);
	eventfd_ctx_put(w->ctx);
	w->ctx = NULL;
	w->wqh = NULL;
}

/* ---- host -> guest messages ---- */

/* The kernel address of a VP's enabled page (SIMP/SIEFP), or NULL. */
static void *vid_map_synic_page(struct vid_memory *mem, u64 msr)
{
	struct page *page;

	if (!(msr & VID_SYNIC_ENABLE))
		return NULL;
	page = vid_memory_page(mem, msr >> PAGE_SHIFT);
	return page ? kmap_local_page(page) : NULL;
}

enum vid_deliver {
	VID_DELIVERED,
	VID_BUSY,	/* msg_pending is set: the guest's EOM calls us again */
	VID_NO_PAGE,	/* no message page: its next SIMP write calls us */
	VID_CONTENDED,	/* the header kept changing under us: try later */
};

/*
 * A guest that rewrites its slot's header as fast as it can must not keep
 * a kworker in the loop below: after this many tries, give the CPU up.
 */
#define VID_DELIVER_TRIES 8

/* Try to put m into its slot. */
static enum vid_deliver vid_msg_deliver(struct vid_vp *vp,
					struct vid_memory *mem,
					const struct vid_msg *m, u64 simp)
{
	struct hv_message *slot;
	void *page;
	u64 *hdr, old, new;
	enum vid_deliver ret = VID_CONTENDED;
	int tries;

	page = vid_map_synic_page(mem, simp);
	if (!page)
		return VID_NO_PAGE;
	slot = (struct hv_message *)page + m->sint;
	hdr = (u64 *)&slot->header;
	old = READ_ONCE(*hdr);
	for (tries = 0; tries < VID_DELIVER_TRIES; tries++) {
		if ((u32)old == HVMSG_NONE) {
			memcpy(slot->u.payload, m->payload, m->len);
			slot->header.payload_size = m->len;
			slot->header.message_flags.asu8 = 0;
			slot->header.sender = 0;
			/* The type last: it hands the slot to the guest. */
			smp_wmb();
			WRITE_ONCE(slot->header.message_type, m->type);
			ret = VID_DELIVERED;
			break;
		}
		/* Busy: ask for an EOM, unless the guest freed it meanwhile. */
		new = old | ((u64)1 << 40);	/* message_flags.msg_pending */
		if (old == new) {
			ret = VID_BUSY;
			break;
		}
		new = cmpxchg64(hdr, old, new);
		if (new == old) {
			ret = VID_BUSY;
			break;
		}
		old = new;
	}
	kunmap_local(page);
	return ret;
}

static void vid_vp_signal(struct vid_vp *vp, u32 sint)
{
	if (vp->sint[sint].irq)
		hvkvm_eventfd_signal(vp->sint[sint].irq);
}

/* Deliver what the queue holds, in order, until a slot is busy. */
static void vid_vp_work(struct work_struct *work)
{
	struct vid_vp *vp = container_of(work, struct vid_vp, work);
	struct vid_memory *mem = vp->synic->mem;
	enum vid_deliver ret;
	struct vid_msg *m;
	u64 simp;

	if (!mem)
		return;
	for (;;) {
		spin_lock_irq(&vp->lock);
		m = list_first_entry_or_null(&vp->queue, struct vid_msg, node);
		simp = vp->simp;
		spin_unlock_irq(&vp->lock);
		if (!m)
			break;
		ret = vid_msg_deliver(vp, mem, m, simp);
		if (ret == VID_CONTENDED)
			schedule_work(&vp->work);
		if (ret != VID_DELIVERED)
			break;
		spin_lock_irq(&vp->lock);
		list_del(&m->node);
		vp->queued--;
		/* Half the queue free again: the client may post what waits. */
		if (vp->refused && vp->queued <= VID_MSG_QUEUE_MAX / 2) {
			vp->refused = false;
			if (vp->space)
				vp->space(vp->space_data);
		}
		spin_unlock_irq(&vp->lock);
		vid_vp_signal(vp, m->sint);
		kfree(m);
	}
}

static void vid_eom(struct vid_waiter *w)
{
	struct vid_vp *vp = container_of(w, struct vid_sint, eom)->vp;

	if (!list_empty_careful(&vp->queue))
		schedule_work(&vp->work);
}

static struct vid_synic *vid_synic_of(const struct vid_partition *p)
{
	return rcu_dereference_protected(p->synic, lockdep_is_held(&vid_lock));
}

/**
 * vid_post_message - queue a SynIC message for a VP
 * @p: the partition (with a worker attached)
 * @vp: the VP's index
 * @sint: the SINT whose slot takes it
 * @type: the message type (non-zero, e.g. 1 for VMBus)
 * @payload: the message
 * @len: its length, at most HV_MESSAGE_PAYLOAD_BYTE_COUNT
 *
 * Messages to one VP are delivered in the order they were posted. Returns
 * 0, -EINVAL for a bad argument, -ERANGE for a VP the partition does not
 * have, -ENODEV when no worker is attached, or -ENOBUFS when too many
 * messages wait for the guest (the space handler, if set, is called once
 * the guest has taken half of them). Messages wait per VP: a busy slot
 * holds back that VP's messages on other SINTs too (VMBus uses one SINT).
 */
int vid_post_message(struct vid_partition *p, u32 vp, u32 sint, u32 type,
		     const void *payload, u32 len)
{
	struct vid_synic *synic;
	struct vid_vp *v;
	struct vid_msg *m;
	unsigned long flags;
	int err = 0;

	if (sint >= HV_SYNIC_SINT_COUNT || !type || len > HV_MESSAGE_PAYLOAD_BYTE_COUNT)
		return -EINVAL;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->sint = sint;
	m->type = type;
	m->len = len;
	memcpy(m->payload, payload, len);

	rcu_read_lock();
	synic = rcu_dereference(p->synic);
	if (!synic || vp >= synic->nvps) {
		err = synic ? -ERANGE : -ENODEV;
		goto out;
	}
	v = &synic->vps[vp];
	spin_lock_irqsave(&v->lock, flags);
	if (v->queued >= VID_MSG_QUEUE_MAX) {
		v->refused = true;
		err = -ENOBUFS;
	} else {
		list_add_tail(&m->node, &v->queue);
		v->queued++;
		m = NULL;
		schedule_work(&v->work);
	}
	spin_unlock_irqrestore(&v->lock, flags);
out:
	rcu_read_unlock();
	kfree(m);
	return err;
}
EXPORT_SYMBOL_GPL(vid_post_message);

/**
 * vid_signal_event - set an event flag of a VP's SINT and raise the SINT
 * @p: the partition
 * @vp: the VP's index
 * @sint: the SINT
 * @flag: the flag's number, below 2048
 *
 * May be called from any context but an eventfd's wake-up, such as a port
 * handler: eventfd_signal() refuses to nest, so defer to a work item there.
 * Returns 0, -EINVAL (a bad sint or flag), -ERANGE (no such VP), -ENODEV
 * (no worker), or -EAGAIN when the guest has no event page on that VP yet.
 */
int vid_signal_event(struct vid_partition *p, u32 vp, u32 sint, u32 flag)
{
	struct vid_synic *synic;
	struct vid_memory *mem;
	struct vid_vp *v;
	unsigned long flags;
	void *page;
	u64 siefp;
	int err = 0;

	if (sint >= HV_SYNIC_SINT_COUNT || flag >= HV_EVENT_FLAGS_COUNT)
		return -EINVAL;
	rcu_read_lock();
	synic = rcu_dereference(p->synic);
	mem = rcu_dereference(p->memory);
	if (!synic || !mem || vp >= synic->nvps) {
		err = synic && mem ? -ERANGE : -ENODEV;
		goto out;
	}
	v = &synic->vps[vp];
	spin_lock_irqsave(&v->lock, flags);
	siefp = v->siefp;
	spin_unlock_irqrestore(&v->lock, flags);
	page = vid_map_synic_page(mem, siefp);
	if (!page) {
		err = -EAGAIN;
		goto out;
	}
	set_bit(flag, (unsigned long *)(page + sint * HV_HYP_PAGE_SIZE /
					HV_SYNIC_SINT_COUNT));
	kunmap_local(page);
	vid_vp_signal(v, sint);
out:
	rcu_read_unlock();
	return err;
}
EXPORT_SYMBOL_GPL(vid_signal_event);

/* ---- guest -> host events ---- */

/* Run a port's handler, if it has one; from any context. */
static void vid_port_call(struct vid_port *port)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	if (port->handler)
		port->handler(port->data);
	spin_unlock_irqrestore(&port->lock, flags);
}

static void vid_port_wake(struct vid_waiter *w)
{
	vid_port_call(container_of(w, struct vid_port, waiter));
}

static struct vid_port *vid_port_alloc(u32 conn_id, gfp_t gfp)
{
	struct vid_port *port = kzalloc(sizeof(*port), gfp);

	if (port) {
		port->conn_id = conn_id;
		spin_lock_init(&port->lock);
	}
	return port;
}

/*
 * Add @port to @synic's table: 0, -EEXIST if @conn_id has one (*@old
 * then), -ENOSPC when the table is full, or -ENOMEM.
 */
static int vid_port_insert(struct vid_synic *synic, struct vid_port *port,
			   struct vid_port **old, gfp_t gfp)
{
	void *cur;

	if (atomic_inc_return(&synic->nports) > HVKVM_VID_PORTS_MAX) {
		atomic_dec(&synic->nports);
		return -ENOSPC;
	}
	cur = xa_cmpxchg(&synic->ports, port->conn_id, NULL, port, gfp);
	if (!cur)
		return 0;
	atomic_dec(&synic->nports);
	if (xa_is_err(cur))
		return xa_err(cur);
	*old = cur;
	return -EEXIST;
}

/**
 * vid_port_set_handler - call @handler when the guest signals @conn_id
 * @p: the partition
 * @conn_id: a connection id (24 bits)
 * @handler: called in atomic context, with @data, when the guest signals
 *	@conn_id; it must defer what may signal (vid_signal_event). NULL to
 *	clear.
 * @data: its argument
 *
 * The port is bound to an eventfd of the worker's on the guest's first
 * signal (see the top of this file); until then the signals come through
 * the worker. Once this returns, the previous handler is not running and
 * will not run again. Process context (it may allocate). Returns 0,
 * -ENODEV when no worker is attached, -ERANGE for a bad connection id,
 * -ENOSPC when the partition has HVKVM_VID_PORTS_MAX ports already, or
 * -ENOMEM.
 */
int vid_port_set_handler(struct vid_partition *p, u32 conn_id,
			 void (*handler)(void *data), void *data)
{
	struct vid_port *port, *new = NULL;
	struct vid_synic *synic;
	unsigned long flags;
	int err = 0;

	if (conn_id >> 24)
		return -ERANGE;
	if (handler) {
		new = vid_port_alloc(conn_id, GFP_KERNEL_ACCOUNT);
		if (!new)
			return -ENOMEM;
	}
	/*
	 * The SynIC state is freed an RCU grace period after it is
	 * detached: a port added to it here goes with it.
	 */
	rcu_read_lock();
	synic = rcu_dereference(p->synic);
	if (!synic) {
		err = handler ? -ENODEV : 0;
		goto out;
	}
	port = xa_load(&synic->ports, conn_id);
	if (!port && new) {
		err = vid_port_insert(synic, new, &port, GFP_NOWAIT);
		if (!err) {
			port = new;
			new = NULL;
		} else if (err == -EEXIST) {
			err = 0;
		}
	}
	if (port) {
		spin_lock_irqsave(&port->lock, flags);
		port->handler = handler;
		port->data = data;
		spin_unlock_irqrestore(&port->lock, flags);
	}
out:
	rcu_read_unlock();
	kfree(new);
	return err;
}
EXPORT_SYMBOL_GPL(vid_port_set_handler);

/**
 * vid_set_space_handler - be told when a full message queue has room
 * @p: the partition (with a worker attached)
 * @fn: called, in atomic context, when a VP's queue that refused a post
 *	(-ENOBUFS) is half empty again; NULL to clear
 * @data: its argument
 *
 * Once a call that clears it returns, the handler is not running and
 * will not run. Returns 0, or -ENODEV when no worker is attached.
 */
int vid_set_space_handler(struct vid_partition *p, void (*fn)(void *data),
			  void *data)
{
	struct vid_synic *synic;
	unsigned long flags;
	int err = -ENODEV;
	u32 i;

	rcu_read_lock();
	synic = rcu_dereference(p->synic);
	for (i = 0; synic && i < synic->nvps; i++) {
		struct vid_vp *v = &synic->vps[i];

		spin_lock_irqsave(&v->lock, flags);
		v->space = fn;
		v->space_data = data;
		spin_unlock_irqrestore(&v->lock, flags);
		err = 0;
	}
	rcu_read_unlock();
	return err;
}
EXPORT_SYMBOL_GPL(vid_set_space_handler);

/* ---- the client (VMBus) ---- */

void vid_partition_info(const struct vid_partition *p,
			struct vid_partition_info *info)
{
	info->name = p->name;
	info->vcpus = p->cfg.vcpus;
	info->worker_pid = p->worker_pid;
	info->worker = p->worker_tgid;
	info->has_clock = p->has_clock;
	info->clock_offset = p->clock_offset;
}
EXPORT_SYMBOL_GPL(vid_partition_info);

void *vid_client_data(const struct vid_partition *p)
{
	return p->client;
}
EXPORT_SYMBOL_GPL(vid_client_data);

void vid_set_client_data(struct vid_partition *p, void *data)
{
	p->client = data;
}
EXPORT_SYMBOL_GPL(vid_set_client_data);

int vid_register_client(const struct vid_client_ops *ops)
{
	struct vid_partition *p;
	unsigned long id = 0;
	int err = 0;

	mutex_lock(&vid_lock);
	if (rcu_access_pointer(vid_client)) {
		err = -EBUSY;
	} else {
		rcu_assign_pointer(vid_client, ops);
		for (p = vid_partition_next(&id); p;
		     id++, p = vid_partition_next(&id))
			if (p->worker_portid && ops->attach)
				ops->attach(p);
	}
	mutex_unlock(&vid_lock);
	return err;
}
EXPORT_SYMBOL_GPL(vid_register_client);

/*
 * The client detaches from every attached partition, and once this
 * returns no callback of ops runs or will run: they all run under
 * vid_lock.
 */
void vid_unregister_client(const struct vid_client_ops *ops)
{
	struct vid_partition *p;
	unsigned long id = 0;

	mutex_lock(&vid_lock);
	if (rcu_access_pointer(vid_client) == ops) {
		for (p = vid_partition_next(&id); p;
		     id++, p = vid_partition_next(&id)) {
			if (p->worker_portid && ops->detach)
				ops->detach(p);
			p->client = NULL;
		}
		RCU_INIT_POINTER(vid_client, NULL);
	}
	mutex_unlock(&vid_lock);
	synchronize_rcu();
}
EXPORT_SYMBOL_GPL(vid_unregister_client);

/*
 * The worker is leaving. Every port handler is cleared (once that is
 * done none runs: see vid_port_set_handler), then the client forgets p
 * (its work may set a handler again until then: cleared once more); only
 * then do the waiters go, as the client may still clear handlers until
 * it returns. Under vid_lock.
 */
static void vid_synic_clear_handlers(struct vid_synic *synic)
{
	struct vid_port *port;
	unsigned long id, flags;

	xa_for_each(&synic->ports, id, port) {
		spin_lock_irqsave(&port->lock, flags);
		port->handler = NULL;
		port->data = NULL;
		spin_unlock_irqrestore(&port->lock, flags);
	}
}

void vid_synic_detach_client(struct vid_partition *p)
{
	struct vid_synic *synic = vid_synic_of(p);
	const struct vid_client_ops *client;
	struct vid_port *port;
	unsigned long id;

	if (synic)
		vid_synic_clear_handlers(synic);

	client = rcu_dereference_protected(vid_client, lockdep_is_held(&vid_lock));
	if (client && client->detach)
		client->detach(p);
	p->client = NULL;

	/* Until detach returned, its work could still open a channel. */
	if (!synic)
		return;
	vid_synic_clear_handlers(synic);
	xa_for_each(&synic->ports, id, port)
		vid_waiter_stop(&port->waiter);
}

/* A graceful stop of p was asked: tell the client. Under vid_lock. */
void vid_synic_shutdown_client(struct vid_partition *p)
{
	const struct vid_client_ops *client;

	client = rcu_dereference_protected(vid_client, lockdep_is_held(&vid_lock));
	if (client && client->shutdown && p->client)
		client->shutdown(p);
}

/* A worker attached p: tell the client. Under vid_lock. */
void vid_synic_attach_client(struct vid_partition *p)
{
	const struct vid_client_ops *client;

	client = rcu_dereference_protected(vid_client, lockdep_is_held(&vid_lock));
	if (client && client->attach)
		client->attach(p);
}

/* ---- set-up and tear-down, with the worker's attach and detach ---- */

static const struct nla_policy vid_route_policy[HVKVM_VID_SINT_A_MAX + 1] = {
	[HVKVM_VID_SINT_A_VP]		= { .type = NLA_U32 },
	[HVKVM_VID_SINT_A_SINT]		= NLA_POLICY_MAX(NLA_U32, HV_SYNIC_SINT_COUNT - 1),
	[HVKVM_VID_SINT_A_IRQFD]	= { .type = NLA_U32 },
	[HVKVM_VID_SINT_A_RESAMPLEFD]	= { .type = NLA_U32 },
};

const struct nla_policy vid_routes_policy[HVKVM_VID_SINT_A_MAX + 1] = {
	[HVKVM_VID_SINT_A_ROUTE]	= NLA_POLICY_NESTED(vid_route_policy),
};

static struct netlink_range_validation vid_conn_id_range __ro_after_init = {
	.max = 0xffffff,		/* connection ids have 24 bits */
};

static const struct nla_policy vid_port_policy[HVKVM_VID_PORT_A_MAX + 1] = {
	[HVKVM_VID_PORT_A_CONN_ID]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&vid_conn_id_range),
	[HVKVM_VID_PORT_A_FD]		= { .type = NLA_U32 },
};

const struct nla_policy vid_ports_policy[HVKVM_VID_PORT_A_MAX + 1] = {
	[HVKVM_VID_PORT_A_PORT]		= NLA_POLICY_NESTED(vid_port_policy),
};

/*
 * Detached SynIC state goes here, and is freed (with the guest memory it
 * holds, whose last reference unpins it) by vid_reap_work after an RCU
 * grace period: never under vid_lock, where a guest resetting in a loop
 * would hold up every other VM's commands and hypercalls.
 */
static LIST_HEAD(vid_reap_list);
static DEFINE_SPINLOCK(vid_reap_lock);

static void vid_reap(struct work_struct *work)
{
	struct vid_synic *synic, *tmp;
	LIST_HEAD(list);

	spin_lock(&vid_reap_lock);
	list_splice_init(&vid_reap_list, &list);
	spin_unlock(&vid_reap_lock);
	if (list_empty(&list))
		return;
	/* vid_post_message and vid_signal_event look under RCU. */
	synchronize_rcu();
	list_for_each_entry_safe(synic, tmp, &list, reap) {
		list_del(&synic->reap);
		vid_synic_free(synic);
	}
}

static DECLARE_WORK(vid_reap_work, vid_reap);

/*
 * p's SynIC is detached (p->synic cleared, under vid_lock): stop it from
 * touching guest memory from now on (a reset's new VM may already use
 * those pages), and free it later.
 */
void vid_synic_retire(struct vid_synic *synic)
{
	unsigned long flags;
	u32 i;

	if (!synic)
		return;
	for (i = 0; i < synic->nvps; i++) {
		struct vid_vp *vp = &synic->vps[i];

		spin_lock_irqsave(&vp->lock, flags);
		vp->simp = 0;
		vp->siefp = 0;
		vp->space = NULL;
		spin_unlock_irqrestore(&vp->lock, flags);
	}
	spin_lock(&vid_reap_lock);
	list_add_tail(&synic->reap, &vid_reap_list);
	spin_unlock(&vid_reap_lock);
	queue_work(vid_wq, &vid_reap_work);
}

/* Wait until what was retired is freed (module exit, a re-attach). */
void vid_synic_reap_wait(void)
{
	flush_work(&vid_reap_work);
}

void vid_synic_free(struct vid_synic *synic)
{
	struct vid_msg *m, *tmp;
	struct vid_port *port;
	unsigned long id;
	u32 i, s;

	if (!synic)
		return;
	xa_for_each(&synic->ports, id, port) {
		vid_waiter_stop(&port->waiter);
		kfree(port);
	}
	xa_destroy(&synic->ports);
	for (i = 0; i < synic->nvps; i++) {
		struct vid_vp *vp = &synic->vps[i];

		/* The EOM waiters queue the work, and the work signals irq. */
		for (s = 0; s < HV_SYNIC_SINT_COUNT; s++)
			vid_waiter_stop(&vp->sint[s].eom);
		cancel_work_sync(&vp->work);
		for (s = 0; s < HV_SYNIC_SINT_COUNT; s++)
			if (vp->sint[s].irq)
				eventfd_ctx_put(vp->sint[s].irq);
		list_for_each_entry_safe(m, tmp, &vp->queue, node)
			kfree(m);
	}
	vid_memory_put(synic->mem);
	kfree(synic);
}

static int vid_route_parse(struct vid_synic *synic, struct nlattr *attr,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[HVKVM_VID_SINT_A_MAX + 1];
	struct eventfd_ctx *irq;
	struct vid_sint *s;
	u32 vp;
	int err;

	err = nla_parse_nested(tb, HVKVM_VID_SINT_A_MAX, attr, vid_route_policy,
			       extack);
	if (err)
		return err;
	if (!tb[HVKVM_VID_SINT_A_VP] || !tb[HVKVM_VID_SINT_A_SINT] ||
	    !tb[HVKVM_VID_SINT_A_IRQFD] || !tb[HVKVM_VID_SINT_A_RESAMPLEFD]) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a SINT route needs its vp, sint, irqfd and resamplefd");
		return -EINVAL;
	}
	vp = nla_get_u32(tb[HVKVM_VID_SINT_A_VP]);
	if (vp >= synic->nvps) {
		NL_SET_ERR_MSG_ATTR(extack, tb[HVKVM_VID_SINT_A_VP],
				    "a SINT route names a vp the partition does not have");
		return -ERANGE;
	}
	s = &synic->vps[vp].sint[nla_get_u32(tb[HVKVM_VID_SINT_A_SINT])];
	if (s->irq) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "this SINT is routed twice");
		return -EEXIST;
	}
	irq = eventfd_ctx_fdget(nla_get_u32(tb[HVKVM_VID_SINT_A_IRQFD]));
	if (IS_ERR(irq)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[HVKVM_VID_SINT_A_IRQFD],
				    "the irqfd is not an eventfd");
		return PTR_ERR(irq);
	}
	s->irq = irq;
	err = vid_waiter_start(&s->eom, nla_get_u32(tb[HVKVM_VID_SINT_A_RESAMPLEFD]),
			       vid_eom);
	if (err)
		NL_SET_ERR_MSG_ATTR(extack, tb[HVKVM_VID_SINT_A_RESAMPLEFD],
				    "the resamplefd is not an eventfd");
	return err;
}

static int vid_port_parse(struct vid_synic *synic, struct nlattr *attr,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[HVKVM_VID_PORT_A_MAX + 1];
	struct vid_port *port, *old;
	int err;

	err = nla_parse_nested(tb, HVKVM_VID_PORT_A_MAX, attr, vid_port_policy,
			       extack);
	if (err)
		return err;
	if (!tb[HVKVM_VID_PORT_A_CONN_ID] || !tb[HVKVM_VID_PORT_A_FD]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "a port needs its conn_id and fd");
		return -EINVAL;
	}
	port = vid_port_alloc(nla_get_u32(tb[HVKVM_VID_PORT_A_CONN_ID]),
			      GFP_KERNEL_ACCOUNT);
	if (!port)
		return -ENOMEM;
	err = vid_waiter_start(&port->waiter, nla_get_u32(tb[HVKVM_VID_PORT_A_FD]),
			       vid_port_wake);
	if (err) {
		kfree(port);
		NL_SET_ERR_MSG_ATTR(extack, tb[HVKVM_VID_PORT_A_FD],
				    "a port's fd is not an eventfd");
		return err;
	}
	port->bound = true;
	err = vid_port_insert(synic, port, &old, GFP_KERNEL_ACCOUNT);
	if (err) {
		vid_waiter_stop(&port->waiter);
		kfree(port);
		if (err == -EEXIST)
			NL_SET_ERR_MSG_ATTR(extack, attr, "a connection id is bound twice");
		else if (err == -ENOSPC)
			NL_SET_ERR_MSG_ATTR(extack, attr, "too many ports");
		return err;
	}
	synic->nbound++;
	return 0;
}

/* Build the SynIC state of an attaching worker, in its context (its fds). */
int vid_synic_create(struct vid_partition *p, struct vid_memory *mem,
		     struct nlattr *routes, struct nlattr *ports,
		     struct vid_synic **out, struct netlink_ext_ack *extack)
{
	struct vid_synic *synic;
	struct nlattr *attr;
	u32 i, n = 0;
	int rem, err = 0;

	synic = kzalloc(struct_size(synic, vps, p->cfg.vcpus), GFP_KERNEL);
	if (!synic)
		return -ENOMEM;
	synic->p = p;
	xa_init(&synic->ports);
	if (mem) {
		kref_get(&mem->ref);
		synic->mem = mem;
	}
	synic->nvps = p->cfg.vcpus;
	for (i = 0; i < synic->nvps; i++) {
		struct vid_vp *vp = &synic->vps[i];

		vp->synic = synic;
		vp->index = i;
		for (n = 0; n < HV_SYNIC_SINT_COUNT; n++)
			vp->sint[n].vp = vp;
		n = 0;
		spin_lock_init(&vp->lock);
		INIT_LIST_HEAD(&vp->queue);
		INIT_WORK(&vp->work, vid_vp_work);
	}
	if (ports) {
		nla_for_each_nested(attr, ports, rem) {
			err = vid_port_parse(synic, attr, extack);
			if (err)
				goto err;
		}
	}
	if (routes) {
		nla_for_each_nested(attr, routes, rem) {
			err = vid_route_parse(synic, attr, extack);
			if (err)
				goto err;
		}
	}
	*out = synic;
	return 0;
err:
	vid_synic_free(synic);
	return err;
}

/* ---- what the worker forwards ---- */

/*
 * The partition, when the caller is its worker: the attached socket, or
 * another socket of the same process (each vCPU thread forwards its own
 * exits on a socket of its own).
 */
static struct vid_partition *vid_worker_lookup(struct genl_info *info)
{
	struct vid_partition *p = vid_lookup(info);

	if (!IS_ERR(p) && (!p->worker_portid ||
			   (p->worker_portid != info->snd_portid &&
			    task_tgid(current) != p->worker_tgid))) {
		NL_SET_ERR_MSG(info->extack,
			       "only the partition's worker reports on it");
		return ERR_PTR(-EPERM);
	}
	return p;
}

static struct vid_vp *vid_synic_vp(struct vid_partition *p,
				   struct genl_info *info)
{
	struct nlattr *attr = info->attrs[HVKVM_VID_A_VM_VP];
	struct vid_synic *synic = vid_synic_of(p);

	if (!attr) {
		NL_SET_ERR_MSG(info->extack, "missing vp");
		return ERR_PTR(-EINVAL);
	}
	if (!synic || nla_get_u32(attr) >= synic->nvps) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "the partition has no such vp");
		return ERR_PTR(-ERANGE);
	}
	return &synic->vps[nla_get_u32(attr)];
}

int vid_cmd_synic(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct vid_partition *p;
	struct vid_vp *vp;
	int err = 0;

	if (!tb[HVKVM_VID_A_VM_SCONTROL] || !tb[HVKVM_VID_A_VM_SIEFP] ||
	    !tb[HVKVM_VID_A_VM_SIMP]) {
		NL_SET_ERR_MSG(info->extack, "give scontrol, siefp and simp");
		return -EINVAL;
	}
	mutex_lock(&vid_lock);
	p = vid_worker_lookup(info);
	vp = IS_ERR(p) ? ERR_CAST(p) : vid_synic_vp(p, info);
	if (IS_ERR(vp)) {
		err = PTR_ERR(vp);
	} else {
		spin_lock_irq(&vp->lock);
		vp->scontrol = nla_get_u64(tb[HVKVM_VID_A_VM_SCONTROL]);
		vp->siefp = nla_get_u64(tb[HVKVM_VID_A_VM_SIEFP]);
		vp->simp = nla_get_u64(tb[HVKVM_VID_A_VM_SIMP]);
		spin_unlock_irq(&vp->lock);
		/* A new message page may take what waited for one. */
		schedule_work(&vp->work);
	}
	mutex_unlock(&vid_lock);
	return err;
}

/* HvPostMessage: the guest's input block, checked, to the client. */
static u16 vid_post_from_guest(struct vid_partition *p, u32 vp, u64 gpa)
{
	const struct vid_client_ops *client;
	struct vid_post_input in;
	struct vid_memory *mem;
	u16 status;

	if (!IS_ALIGNED(gpa, 8) ||
	    offset_in_page(gpa) + sizeof(in) > PAGE_SIZE)
		return HV_STATUS_INVALID_ALIGNMENT;
	mem = vid_memory_get(p);
	if (!mem)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	status = vid_memory_read(mem, gpa, &in, sizeof(in)) ?
		 HV_STATUS_INVALID_PARAMETER : HV_STATUS_SUCCESS;
	vid_memory_put(mem);
	if (status)
		return status;
	/* Guests post types below the hypervisor's own (high bit set). */
	if (!in.message_type || (in.message_type & BIT(31)) || in.reserved ||
	    in.payload_size > HV_MESSAGE_PAYLOAD_BYTE_COUNT ||
	    (in.connection_id >> 24))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;

	rcu_read_lock();
	client = rcu_dereference(vid_client);
	if (client && !try_module_get(client->owner))
		client = NULL;
	rcu_read_unlock();
	if (!client)
		return HV_STATUS_INVALID_CONNECTION_ID;
	status = client->post_message(p, vp, in.connection_id, in.message_type,
				      in.payload, in.payload_size);
	module_put(client->owner);
	return status;
}

/*
 * HvSignalEvent on a connection KVM has no eventfd for: run the port's
 * handler, and say whether the worker should bind an eventfd to it now
 * (*bind). The input is the connection id, with the flag number in bits
 * 32-47 (always 0 for VMBus; KVM refuses any other). Under vid_lock.
 */
static u16 vid_signal_from_guest(struct vid_partition *p, u64 input,
				 bool *bind)
{
	struct vid_synic *synic = vid_synic_of(p);
	struct vid_port *port;

	if (!synic)
		return HV_STATUS_INVALID_CONNECTION_ID;
	atomic64_inc(&synic->slow_signals);
	if (input >> 32)
		return HV_STATUS_INVALID_PORT_ID;
	port = xa_load(&synic->ports, (u32)input);
	if (!port || !READ_ONCE(port->handler))
		return HV_STATUS_INVALID_CONNECTION_ID;
	vid_port_call(port);
	if (!port->bound && !port->binding) {
		port->binding = true;
		*bind = true;
	}
	return HV_STATUS_SUCCESS;
}

int vid_cmd_hcall(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct vid_partition *p;
	struct vid_vp *vp;
	u64 control, input, result;
	bool bind = false;

	if (!tb[HVKVM_VID_A_VM_HCALL_CONTROL] || !tb[HVKVM_VID_A_VM_HCALL_INPUT]) {
		NL_SET_ERR_MSG(info->extack, "give the hypercall's control and input");
		return -EINVAL;
	}
	control = nla_get_u64(tb[HVKVM_VID_A_VM_HCALL_CONTROL]);
	input = nla_get_u64(tb[HVKVM_VID_A_VM_HCALL_INPUT]);

	/*
	 * vid_lock keeps the partition and its SynIC state while the client
	 * looks at the message: the client must not call back into what takes
	 * vid_lock (vid_post_message and vid_signal_event do not).
	 */
	mutex_lock(&vid_lock);
	p = vid_worker_lookup(info);
	vp = IS_ERR(p) ? ERR_CAST(p) : vid_synic_vp(p, info);
	if (IS_ERR(vp)) {
		mutex_unlock(&vid_lock);
		return PTR_ERR(vp);
	}
	switch (control & 0xffff) {
	case HVCALL_POST_MESSAGE:
		result = (control & HV_HYPERCALL_FAST_BIT) ?
			 HV_STATUS_INVALID_HYPERCALL_INPUT :
			 vid_post_from_guest(p, vp->index, input);
		break;
	case HVCALL_SIGNAL_EVENT:
		/* KVM found no eventfd: it read a slow call's input already. */
		result = vid_signal_from_guest(p, input, &bind);
		break;
	default:
		result = HV_STATUS_INVALID_HYPERCALL_CODE;
		break;
	}
	mutex_unlock(&vid_lock);

	return vid_reply_hcall(info, result, bind, (u32)input);
}

/*
 * HVKVM_VID_CMD_VM_PORT_BIND: the worker bound VM_PORT_FD to connection
 * VM_PORT_BIND with KVM_HYPERV_EVENTFD, as VM_HCALL's reply asked, or is
 * about to (VID waits on the eventfd from now on, so that no signal is
 * lost between the two).
 */
int vid_cmd_port_bind(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct vid_partition *p;
	struct vid_synic *synic;
	struct vid_port *port;
	int err;

	if (!tb[HVKVM_VID_A_VM_PORT_BIND] || !tb[HVKVM_VID_A_VM_PORT_FD]) {
		NL_SET_ERR_MSG(info->extack, "give port_bind and port_fd");
		return -EINVAL;
	}
	mutex_lock(&vid_lock);
	p = vid_worker_lookup(info);
	if (IS_ERR(p)) {
		err = PTR_ERR(p);
		goto out;
	}
	synic = vid_synic_of(p);
	port = synic ? xa_load(&synic->ports,
			       nla_get_u32(tb[HVKVM_VID_A_VM_PORT_BIND])) : NULL;
	if (!port || !port->binding) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[HVKVM_VID_A_VM_PORT_BIND],
				    "VID did not ask to bind this connection id");
		err = -ENOENT;
		goto out;
	}
	port->binding = false;
	err = vid_waiter_start(&port->waiter,
			       nla_get_u32(tb[HVKVM_VID_A_VM_PORT_FD]),
			       vid_port_wake);
	if (err) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[HVKVM_VID_A_VM_PORT_FD],
				    "the port's fd is not an eventfd");
		goto out;
	}
	port->bound = true;
	synic->nbound++;
out:
	mutex_unlock(&vid_lock);
	return err;
}

/* Ports bound to eventfds, and signals that came through the worker. */
void vid_synic_port_stats(const struct vid_partition *p, u32 *bound,
			  u64 *slow)
{
	struct vid_synic *synic = vid_synic_of(p);

	*bound = synic ? synic->nbound : 0;
	*slow = synic ? atomic64_read(&synic->slow_signals) : 0;
}

/* ---- diagnostics: what VMBus does, asked for over netlink ---- */

int vid_cmd_synic_inject(struct sk_buff *skb, struct genl_info *info)
{
	bool post = info->genlhdr->cmd == HVKVM_VID_CMD_VM_SYNIC_POST;
	struct nlattr **tb = info->attrs;
	struct nlattr *payload = tb[HVKVM_VID_A_VM_MSG_PAYLOAD];
	struct vid_partition *p;
	int err;

	if (!tb[HVKVM_VID_A_VM_VP] || !tb[HVKVM_VID_A_VM_SINT] ||
	    (post && !tb[HVKVM_VID_A_VM_MSG_TYPE]) ||
	    (!post && !tb[HVKVM_VID_A_VM_FLAG])) {
		NL_SET_ERR_MSG(info->extack,
			       "give vp, sint and msg_type (post) or flag (signal)");
		return -EINVAL;
	}
	mutex_lock(&vid_lock);
	p = vid_lookup(info);
	if (IS_ERR(p)) {
		err = PTR_ERR(p);
		goto out;
	}
	if (post)
		err = vid_post_message(p, nla_get_u32(tb[HVKVM_VID_A_VM_VP]),
				       nla_get_u32(tb[HVKVM_VID_A_VM_SINT]),
				       nla_get_u32(tb[HVKVM_VID_A_VM_MSG_TYPE]),
				       payload ? nla_data(payload) : NULL,
				       payload ? nla_len(payload) : 0);
	else
		err = vid_signal_event(p, nla_get_u32(tb[HVKVM_VID_A_VM_VP]),
				       nla_get_u32(tb[HVKVM_VID_A_VM_SINT]),
				       nla_get_u32(tb[HVKVM_VID_A_VM_FLAG]));
	switch (err) {
	case 0:
		break;
	case -ENODEV:
		NL_SET_ERR_MSG(info->extack, "the partition is not running");
		break;
	case -ENOBUFS:
		NL_SET_ERR_MSG(info->extack, "too many messages wait for the guest");
		break;
	case -EAGAIN:
		NL_SET_ERR_MSG(info->extack, "the guest has no event page on this vp");
		break;
	case -ERANGE:
		NL_SET_ERR_MSG(info->extack, "the partition has no such vp");
		break;
	}
out:
	mutex_unlock(&vid_lock);
	return err;
}
