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
 *   eventfd wakes the handler a client (VMBus) set on the port.
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
#include <asm/hyperv-tlfs.h>
#include <net/genetlink.h>

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

struct vid_port {
	u32 conn_id;
	struct vid_waiter waiter;
	void (*handler)(void *data);	/* set by the client; atomic context */
	void *data;
};

struct vid_synic {
	struct vid_partition *p;
	struct vid_memory *mem;		/* a reference of its own, or NULL */
	struct list_head reap;		/* vid_reap_list, once detached */
	u32 nports;
	struct vid_port *ports;
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

	if (!f.file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(f.file);
	if (IS_ERR(ctx)) {
		fdput(f);
		return PTR_ERR(ctx);
	}
	w->ctx = ctx;
	w->fn = fn;
	init_waitqueue_func_entry(&w->wait, vid_waiter_wake);
	init_poll_funcptr(&w->pt, vid_waiter_queue);
	vfs_poll(f.file, &w->pt);
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
		eventfd_signal(vp->sint[sint].irq, 1);
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

static struct vid_synic *vid_synic_of(struct vid_partition *p)
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

/* Under the eventfd's queue lock, as vid_port_set_handler relies on. */
static void vid_port_wake(struct vid_waiter *w)
{
	struct vid_port *port = container_of(w, struct vid_port, waiter);

	if (port->handler)
		port->handler(port->data);
}

/**
 * vid_port_set_handler - call @handler when the guest signals @conn_id
 * @p: the partition
 * @conn_id: a connection id the worker bound to an eventfd
 * @handler: called in atomic context, inside the eventfd's wake-up, with
 *	@data; it must defer what may signal (vid_signal_event); NULL to clear
 * @data: its argument
 *
 * Once this returns, the previous handler is not running and will not run
 * again. Returns 0, or -ENOENT when the worker bound no eventfd to
 * @conn_id.
 */
int vid_port_set_handler(struct vid_partition *p, u32 conn_id,
			 void (*handler)(void *data), void *data)
{
	struct vid_synic *synic;
	unsigned long flags;
	int err = -ENOENT;
	u32 i;

	rcu_read_lock();
	synic = rcu_dereference(p->synic);
	for (i = 0; synic && i < synic->nports; i++) {
		struct vid_port *port = &synic->ports[i];
		wait_queue_head_t *wqh = port->waiter.wqh;

		if (port->conn_id != conn_id)
			continue;
		/*
		 * Wake-ups run under the eventfd's queue lock: taking it
		 * here means that once this returns, no call of the old
		 * handler is in progress.
		 */
		if (wqh)
			spin_lock_irqsave(&wqh->lock, flags);
		port->handler = handler;
		port->data = data;
		if (wqh)
			spin_unlock_irqrestore(&wqh->lock, flags);
		err = 0;
		break;
	}
	rcu_read_unlock();
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
void vid_synic_detach_client(struct vid_partition *p)
{
	struct vid_synic *synic = vid_synic_of(p);
	const struct vid_client_ops *client;
	u32 i;

	for (i = 0; synic && i < synic->nports; i++)
		vid_port_set_handler(p, synic->ports[i].conn_id, NULL, NULL);

	client = rcu_dereference_protected(vid_client, lockdep_is_held(&vid_lock));
	if (client && client->detach)
		client->detach(p);
	p->client = NULL;

	/* Until detach returned, its work could still open a channel. */
	for (i = 0; synic && i < synic->nports; i++) {
		vid_port_set_handler(p, synic->ports[i].conn_id, NULL, NULL);
		vid_waiter_stop(&synic->ports[i].waiter);
	}
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
	u32 i, s;

	if (!synic)
		return;
	for (i = 0; i < synic->nports; i++)
		vid_waiter_stop(&synic->ports[i].waiter);
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
	kfree(synic->ports);
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
	struct vid_port *port = &synic->ports[synic->nports];
	u32 i;
	int err;

	err = nla_parse_nested(tb, HVKVM_VID_PORT_A_MAX, attr, vid_port_policy,
			       extack);
	if (err)
		return err;
	if (!tb[HVKVM_VID_PORT_A_CONN_ID] || !tb[HVKVM_VID_PORT_A_FD]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "a port needs its conn_id and fd");
		return -EINVAL;
	}
	port->conn_id = nla_get_u32(tb[HVKVM_VID_PORT_A_CONN_ID]);
	for (i = 0; i < synic->nports; i++) {
		if (synic->ports[i].conn_id == port->conn_id) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "a connection id is bound twice");
			return -EEXIST;
		}
	}
	err = vid_waiter_start(&port->waiter, nla_get_u32(tb[HVKVM_VID_PORT_A_FD]),
			       vid_port_wake);
	if (err) {
		NL_SET_ERR_MSG_ATTR(extack, tb[HVKVM_VID_PORT_A_FD],
				    "a port's fd is not an eventfd");
		return err;
	}
	synic->nports++;
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
		nla_for_each_nested(attr, ports, rem)
			n++;
		if (n > HVKVM_VID_PORTS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, ports, "too many ports");
			err = -E2BIG;
			goto err;
		}
		synic->ports = kcalloc(n, sizeof(*synic->ports), GFP_KERNEL);
		if (!synic->ports) {
			err = -ENOMEM;
			goto err;
		}
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

int vid_cmd_hcall(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct vid_partition *p;
	struct vid_vp *vp;
	u64 control, input, result;

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
		/* KVM found no eventfd for this connection. */
		result = HV_STATUS_INVALID_CONNECTION_ID;
		break;
	default:
		result = HV_STATUS_INVALID_HYPERCALL_CODE;
		break;
	}
	mutex_unlock(&vid_lock);

	return vid_reply_u64(info, HVKVM_VID_A_VM_HCALL_RESULT, result);
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
