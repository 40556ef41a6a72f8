// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm VMBus host: devices, channels, GPADLs and rings in the kernel.
 *
 * The protocol (lib/vmbus/bus.c) decides; this file does: it checks a GPADL's pages
 * against the guest-memory table, maps an open channel's two rings from
 * the pinned guest pages, and moves packets. The guest's doorbell (its
 * HvSignalEvent on the channel's connection id) wakes the channel's work
 * directly from KVM's eventfd; the work (on the VM's own kernel thread,
 * in the worker's cgroups) drains the guest's ring within a
 * budget and hands each packet, copied out of guest memory, to the
 * device class. Interrupts to the guest set the channel's event flag on
 * its target VP and raise SINT 2, through VID.
 */
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/random.h>
#include <linux/uuid.h>

#include "vmbus.h"

static struct vmbus_vm *vmbus_vm_of(struct vmb_bus *bus)
{
	return container_of(bus, struct vmbus_vm, bus);
}

static struct vmbus_channel *vmbus_chan_of(struct vmb_chan *c)
{
	return container_of(c, struct vmbus_channel, c);
}

/* ---- what the protocol asks for ---- */

static int vmbus_op_post(struct vmb_bus *bus, u32 vp, const void *msg,
			 u32 len)
{
	struct vmbus_vm *vm = vmbus_vm_of(bus);
	int err;

	err = vid_post_message(vm->p, vp, VMB_MESSAGE_SINT, VMB_HVMSG_TYPE,
			       msg, len);
	/* -ENOBUFS: the guest is busy; the bus keeps the message. */
	if (err && err != -ENOBUFS)
		pr_warn_ratelimited("%s: cannot post a %s message: %d\n",
				    vm->name,
				    vmb_msg_name(((const struct vmb_msg_hdr *)msg)->msgtype),
				    err);
	return err;
}

static void *vmbus_op_zalloc(struct vmb_bus *bus, u32 size)
{
	return kvzalloc(size, GFP_KERNEL_ACCOUNT);
}

static void vmbus_op_free(struct vmb_bus *bus, void *p)
{
	kvfree(p);
}

static void vmbus_op_fault(struct vmb_bus *bus, const char *what, u32 a,
			   u32 b)
{
	pr_warn_ratelimited("%s: guest fault: %s (%#x, %#x)\n",
			    vmbus_vm_of(bus)->name, what, a, b);
}

static void vmbus_op_connection(struct vmb_bus *bus, u32 version)
{
	struct vmbus_vm *vm = vmbus_vm_of(bus);

	if (version)
		pr_info_ratelimited("%s: guest connected, VMBus %s\n", vm->name,
			vmb_version_name(version));
	else
		pr_info_ratelimited("%s: guest disconnected\n", vm->name);
	vmbus_notify(vm, version ? HVKVM_VMBUS_EVENT_CONNECTED :
			 HVKVM_VMBUS_EVENT_DISCONNECTED, version);
}

/* ---- signals ---- */

/* Interrupt the guest for ch. Under send_lock, so the VM is there. */
static void vmbus_chan_signal(struct vmbus_channel *ch)
{
	u32 vp = READ_ONCE(ch->c.target_vp);
	int err;

	/* Opened with no target: the guest polls, and wants no interrupt. */
	if (vp == VMB_VP_NO_INTERRUPT)
		return;
	err = vid_signal_event(ch->vm->p, vp, VMB_MESSAGE_SINT, ch->c.relid);
	if (!err)
		atomic64_inc(&ch->signals_out);
}

/* The guest's doorbell: atomic context, inside the eventfd's wake-up. */
static void vmbus_chan_doorbell(void *data)
{
	struct vmbus_channel *ch = data;

	atomic64_inc(&ch->signals_in);
	kthread_queue_work(ch->vm->kworker, &ch->work);
}

void vmbus_chan_kick(struct vmbus_channel *ch)
{
	kthread_queue_work(ch->vm->kworker, &ch->work);
}
EXPORT_SYMBOL_GPL(vmbus_chan_kick);

void vmbus_chan_fail(struct vmbus_channel *ch, const char *why)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->send_lock, flags);
	if (!ch->failed) {
		ch->failed = true;
		strscpy(ch->error, why, sizeof(ch->error));
		pr_warn_ratelimited("%s: channel %u (%s) failed: %s\n", ch->vm->name,
			ch->c.relid, ch->dev->cls->name, why);
	}
	spin_unlock_irqrestore(&ch->send_lock, flags);
}
EXPORT_SYMBOL_GPL(vmbus_chan_fail);

/*
 * A packet handler said -EAGAIN: keep the packet and sleep until the
 * guest has freed exactly what the send or reservation that failed
 * needed (ch->want). Under send_lock.
 */
static void vmbus_chan_block(struct vmbus_channel *ch)
{
	ch->blocked = true;
	if (ch->open && !ch->failed &&
	    vmb_ring_want_space(&ch->out, ch->want))
		kthread_queue_work(ch->vm->kworker, &ch->work);
}

/*
 * Drain the guest's ring, VMBUS_CHAN_BUDGET turns at a time (then the
 * work queues itself again, so that one busy channel does not starve the
 * others). The guest's doorbell is masked while we drain: it need not
 * signal packets we will see anyway. When the ring looks empty,
 * read_index is published, the doorbell unmasked and the ring checked
 * once more (vmb_ring_unmask), so that a packet the guest adds meanwhile
 * is either seen here or signalled.
 */
static void vmbus_chan_work(struct kthread_work *work)
{
	struct vmbus_channel *ch = container_of(work, struct vmbus_channel,
						work);
	const struct vmbus_class *cls = ch->dev->cls;
	unsigned int turns = 0;
	unsigned long flags;
	bool signal, spent;
	int n, err;

	if (!READ_ONCE(ch->open) || READ_ONCE(ch->failed))
		return;
	if (ch->blocked) {
		/* Room, perhaps: try the packet that waited again. */
		spin_lock_irqsave(&ch->send_lock, flags);
		ch->blocked = false;
		ch->want = 0;
		if (ch->open)
			vmb_ring_clear_want(&ch->out);
		spin_unlock_irqrestore(&ch->send_lock, flags);
	}
	vmb_ring_mask(&ch->in);
	for (;;) {
		u32 pos = ch->in.pos;

		n = vmb_ring_read(&ch->in, ch->rxbuf, cls->max_pkt);
		if (n == -EMSGSIZE) {
			vmbus_chan_fail(ch, "a packet longer than the device takes");
			return;
		}
		if (n < 0) {
			vmbus_chan_fail(ch, "the guest's ring indices lie");
			return;
		}
		if (n) {
			/* what this packet's own sends find wanting */
			WRITE_ONCE(ch->want, 0);
			err = cls->packet(ch, ch->rxbuf, n);
			if (err == -EAGAIN) {
				/* Wait for room in our ring; keep the packet. */
				ch->in.pos = pos;
				spin_lock_irqsave(&ch->send_lock, flags);
				if (ch->want)
					vmbus_chan_block(ch);
				spin_unlock_irqrestore(&ch->send_lock, flags);
				if (!ch->blocked) {
					vmbus_chan_fail(ch, "the device waits for room it never asked for");
					return;
				}
				n = 0;
			} else if (err) {
				vmbus_chan_fail(ch, err == -EMSGSIZE ?
						"a reply longer than the guest's ring" :
						"the guest broke the device protocol");
				return;
			}
			if (!err)
				atomic64_inc(&ch->pkts_in);
		}
		/*
		 * Every turn counts, a packet or not: a guest that moves its
		 * write_index back and forth must not keep us here.
		 */
		spent = ++turns >= VMBUS_CHAN_BUDGET;
		if (!n || spent) {
			spin_lock_irqsave(&ch->send_lock, flags);
			signal = vmb_ring_read_done(&ch->in);
			if (signal && ch->open)
				vmbus_chan_signal(ch);
			spin_unlock_irqrestore(&ch->send_lock, flags);
			if (spent) {
				kthread_queue_work(ch->vm->kworker, &ch->work);
				return;
			}
			/* Blocked: the guest's freeing space wakes us. */
			if (ch->blocked)
				return;
			if (!vmb_ring_unmask(&ch->in))
				return;
			vmb_ring_mask(&ch->in);
		}
	}
}

/* Write a packet, with a reservation of @resv bytes or none. */
static int vmbus_chan_write(struct vmbus_channel *ch, u32 resv, u16 type,
			    u16 flags, u64 trans_id, const void *ext,
			    u32 extlen, const void *data, u32 len)
{
	struct vmb_pkt_desc d;
	struct vmb_seg segs[3];
	unsigned int nseg = 0;
	unsigned long irqflags;
	bool signal = false, kick = false;
	u32 hdrlen = sizeof(d) + extlen;
	int err;

	if (extlen % 8 || (u64)hdrlen + len > ch->out.size)
		return -EMSGSIZE;
	vmb_pkt_init(&d, type, flags, trans_id, hdrlen, hdrlen + len);
	segs[nseg++] = (struct vmb_seg){ &d, sizeof(d) };
	if (extlen)
		segs[nseg++] = (struct vmb_seg){ ext, extlen };
	if (len)
		segs[nseg++] = (struct vmb_seg){ data, len };

	spin_lock_irqsave(&ch->send_lock, irqflags);
	if (!ch->open) {
		err = -ENOTCONN;
	} else if (ch->failed) {
		err = -EIO;
	} else {
		if (resv)
			err = vmb_ring_write_reserved(&ch->out, segs, nseg,
						      resv, &signal);
		else
			err = vmb_ring_write(&ch->out, segs, nseg, &signal);
		if (!err) {
			atomic64_inc(&ch->pkts_out);
			if (signal)
				vmbus_chan_signal(ch);
			/* what was reserved is free again for the waiter */
			kick = resv && ch->blocked;
		} else if (err == -ENOSPC) {
			ch->want = vmb_pkt_need(hdrlen + len);
		}
	}
	spin_unlock_irqrestore(&ch->send_lock, irqflags);
	if (kick)
		kthread_queue_work(ch->vm->kworker, &ch->work);
	if (err == -EBADMSG || (err == -ENOSPC && resv)) {
		/* A reservation cannot run out of room but by a lie. */
		vmbus_chan_fail(ch, "the guest's read index lies");
		err = -EIO;
	} else if (err == -EINVAL) {
		err = resv ? -EINVAL : -EMSGSIZE;
	}
	return err;
}

int vmbus_chan_send(struct vmbus_channel *ch, u16 type, u16 flags,
		    u64 trans_id, const void *ext, u32 extlen,
		    const void *data, u32 len)
{
	return vmbus_chan_write(ch, 0, type, flags, trans_id, ext, extlen,
				data, len);
}
EXPORT_SYMBOL_GPL(vmbus_chan_send);

u32 vmbus_pkt_space(u32 extlen, u32 len)
{
	return vmb_pkt_need(sizeof(struct vmb_pkt_desc) + extlen + len);
}
EXPORT_SYMBOL_GPL(vmbus_pkt_space);

int vmbus_chan_reserve(struct vmbus_channel *ch, u32 bytes)
{
	unsigned long flags;
	int err;

	spin_lock_irqsave(&ch->send_lock, flags);
	if (!ch->open) {
		err = -ENOTCONN;
	} else if (ch->failed) {
		err = -EIO;
	} else {
		err = vmb_ring_reserve(&ch->out, bytes);
		if (err == -ENOSPC)
			ch->want = bytes;
	}
	spin_unlock_irqrestore(&ch->send_lock, flags);
	if (err == -EBADMSG) {
		vmbus_chan_fail(ch, "the guest's read index lies");
		err = -EIO;
	} else if (err == -EINVAL) {
		err = -EMSGSIZE;
	}
	return err;
}
EXPORT_SYMBOL_GPL(vmbus_chan_reserve);

void vmbus_chan_unreserve(struct vmbus_channel *ch, u32 bytes)
{
	unsigned long flags;
	bool kick = false;

	spin_lock_irqsave(&ch->send_lock, flags);
	if (ch->open) {
		vmb_ring_unreserve(&ch->out, bytes);
		kick = ch->blocked;
	}
	spin_unlock_irqrestore(&ch->send_lock, flags);
	if (kick)
		kthread_queue_work(ch->vm->kworker, &ch->work);
}
EXPORT_SYMBOL_GPL(vmbus_chan_unreserve);

int vmbus_chan_send_reserved(struct vmbus_channel *ch, u32 reserved,
			     u16 type, u16 flags, u64 trans_id,
			     const void *ext, u32 extlen, const void *data,
			     u32 len)
{
	if (!reserved)
		return -EINVAL;
	return vmbus_chan_write(ch, reserved, type, flags, trans_id, ext,
				extlen, data, len);
}
EXPORT_SYMBOL_GPL(vmbus_chan_send_reserved);

/* ---- open and close ---- */

static void *vmbus_map(struct page **pages, u32 n)
{
	return vmap(pages, n, VM_MAP, PAGE_KERNEL);
}

static void vmbus_chan_unmap(struct vmbus_channel *ch)
{
	if (ch->in_map)
		vunmap(ch->in_map);
	if (ch->out_map)
		vunmap(ch->out_map);
	ch->in_map = NULL;
	ch->out_map = NULL;
	kvfree(ch->rxbuf);
	ch->rxbuf = NULL;
}

static int vmbus_op_chan_open(struct vmb_bus *bus, struct vmb_chan *c,
			      struct vmb_gpadl *g)
{
	struct vmbus_vm *vm = vmbus_vm_of(bus);
	struct vmbus_channel *ch = vmbus_chan_of(c);
	const struct vmbus_class *cls = ch->dev->cls;
	struct vmbus_gpadl *kg = g->host;
	struct page **pages = vmbus_gpadl_pages(kg);
	u32 npages = vmbus_gpadl_npages(kg);
	u32 ds = c->downstream;
	u32 in_size = (ds - 1) * VMB_PAGE_SIZE;
	u32 out_size = (npages - ds - 1) * VMB_PAGE_SIZE;
	unsigned long flags;
	int err = -ENOMEM;

	if (in_size < cls->ring_min || in_size > cls->ring_max ||
	    out_size < cls->ring_min || out_size > cls->ring_max) {
		pr_warn_ratelimited("%s: %s channel %u: rings of %u/%u bytes, not within %u..%u\n",
				    vm->name, cls->name, c->relid, in_size,
				    out_size, cls->ring_min, cls->ring_max);
		return -EINVAL;
	}
	ch->in_map = vmbus_map(pages, ds);
	ch->out_map = vmbus_map(pages + ds, npages - ds);
	ch->rxbuf = kvmalloc(cls->max_pkt, GFP_KERNEL_ACCOUNT);
	if (!ch->in_map || !ch->out_map || !ch->rxbuf)
		goto err;
	err = vmb_ring_init(&ch->in, ch->in_map, ch->in_map + VMB_PAGE_SIZE,
			    in_size, true);
	if (!err)
		err = vmb_ring_init(&ch->out, ch->out_map,
				    ch->out_map + VMB_PAGE_SIZE, out_size,
				    false);
	if (err) {
		pr_warn_ratelimited("%s: %s channel %u: the guest's ring indices are out of range\n",
				    vm->name, cls->name, c->relid);
		goto err;
	}
	vmb_ring_advertise(&ch->out);
	ch->failed = false;
	ch->blocked = false;
	ch->want = 0;
	ch->error[0] = 0;
	spin_lock_irqsave(&ch->send_lock, flags);
	ch->open = true;
	spin_unlock_irqrestore(&ch->send_lock, flags);
	err = cls->open ? cls->open(ch) : 0;
	if (err)
		goto err_open;
	err = vid_port_set_handler(vm->p, c->conn_id, vmbus_chan_doorbell, ch);
	if (err) {
		pr_warn_ratelimited("%s: no doorbell for connection id %#x: %d\n",
				    vm->name, c->conn_id, err);
		if (cls->close)
			cls->close(ch);
		goto err_open;
	}
	/* Not a buffer a device may look up while it holds the rings. */
	ch->ring_gpadl = kg;
	vmbus_gpadl_set_ring(kg, true);
	/* Whatever the guest queued before opening. */
	kthread_queue_work(ch->vm->kworker, &ch->work);
	return 0;
err_open:
	spin_lock_irqsave(&ch->send_lock, flags);
	ch->open = false;
	spin_unlock_irqrestore(&ch->send_lock, flags);
	kthread_cancel_work_sync(&ch->work);
err:
	vmbus_chan_unmap(ch);
	return err;
}

static void vmbus_op_chan_close(struct vmb_bus *bus, struct vmb_chan *c)
{
	struct vmbus_vm *vm = vmbus_vm_of(bus);
	struct vmbus_channel *ch = vmbus_chan_of(c);
	unsigned long flags;
	bool pending;

	/* Once it returns no doorbell runs: see vid_port_set_handler. */
	vid_port_set_handler(vm->p, c->conn_id, NULL, NULL);
	spin_lock_irqsave(&ch->send_lock, flags);
	ch->open = false;
	spin_unlock_irqrestore(&ch->send_lock, flags);
	kthread_cancel_work_sync(&ch->work);
	/* No new request now that it is closed; one waits, perhaps. */
	spin_lock_irqsave(&vm->sub_lock, flags);
	pending = !list_empty(&ch->sub_node);
	list_del_init(&ch->sub_node);
	spin_unlock_irqrestore(&vm->sub_lock, flags);
	if (pending)
		ch->sub_done(ch, -ENOTCONN);
	if (ch->dev->cls->close)
		ch->dev->cls->close(ch);
	vmbus_chan_unmap(ch);
	vmbus_gpadl_set_ring(ch->ring_gpadl, false);
	ch->ring_gpadl = NULL;
}

static int vmbus_op_chan_retarget(struct vmb_bus *bus, struct vmb_chan *c,
				  u32 vp)
{
	/* Signals read target_vp when they are sent: nothing to move. */
	return 0;
}

static void vmbus_device_free(struct vmbus_device *dev)
{
	const struct vmbus_class *cls = dev->cls;

	list_del(&dev->node);
	if (cls->release)
		cls->release(dev);
	/* A VSP's devices hold no reference: its unregistration frees them. */
	if (!cls->vsp)
		module_put(cls->owner);
	kfree(dev);
}

/* A channel came or went: a channel dump under way is flagged (netlink.c). */
static void vmbus_chans_changed(struct vmbus_vm *vm)
{
	lockdep_assert_held(&vm->lock);
	vm->chans_gen++;
}

static void vmbus_op_chan_gone(struct vmb_bus *bus, struct vmb_chan *c)
{
	struct vmbus_channel *ch = vmbus_chan_of(c);
	struct vmbus_device *dev = ch->dev;

	vmbus_chans_changed(vmbus_vm_of(bus));
	kthread_cancel_work_sync(&ch->work);
	kfree(ch);
	/* NULL: released before the guest let go (vmbus_vsp_release_devices_locked) */
	if (dev && !--dev->nchannels)
		vmbus_device_free(dev);
}

const struct vmb_ops vmbus_bus_ops = {
	.post		= vmbus_op_post,
	.zalloc		= vmbus_op_zalloc,
	.free		= vmbus_op_free,
	.gpadl_create	= vmbus_op_gpadl_create,
	.gpadl_destroy	= vmbus_op_gpadl_destroy,
	.gpadl_teardown	= vmbus_op_gpadl_teardown,
	.gpadls_busy	= vmbus_op_gpadls_busy,
	.chan_open	= vmbus_op_chan_open,
	.chan_close	= vmbus_op_chan_close,
	.chan_retarget	= vmbus_op_chan_retarget,
	.chan_gone	= vmbus_op_chan_gone,
	.connection	= vmbus_op_connection,
	.fault		= vmbus_op_fault,
};

/* ---- devices ---- */

/* A new channel of dev, offered when the guest is ready for it. */
static int vmbus_chan_add(struct vmbus_device *dev, u16 sub_index)
{
	const struct vmbus_class *cls = dev->cls;
	struct vmbus_channel *ch;
	int err;

	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return -ENOMEM;
	ch->dev = dev;
	ch->vm = dev->vm;
	spin_lock_init(&ch->send_lock);
	INIT_LIST_HEAD(&ch->sub_node);
	kthread_init_work(&ch->work, vmbus_chan_work);
	ch->c.if_type = cls->if_type;
	ch->c.if_instance = dev->instance;
	ch->c.sub_index = sub_index;
	ch->c.chn_flags = cls->chn_flags;
	memcpy(ch->c.user_def, cls->user_def, sizeof(ch->c.user_def));
	ch->c.host = ch;
	err = vmb_bus_add(&dev->vm->bus, &ch->c);
	if (err) {
		kfree(ch);
		return err;
	}
	vmbus_chans_changed(dev->vm);
	dev->nchannels++;
	return 0;
}

struct vmbus_device *vmbus_device_add_locked(struct vmbus_vm *vm,
					     const struct vmbus_class *cls,
					     const struct vmb_guid *instance,
					     void *priv)
{
	struct vmbus_device *dev;
	int err;

	lockdep_assert_held(&vm->lock);
	if (vm->dead)
		return ERR_PTR(-ENODEV);
	if (cls->vsp) {
		/* only while its VSP serves the VM: it releases them */
		const struct vmbus_vm_vsp *s = &vm->vsps[cls->vsp->slot];

		if (s->vsp != cls->vsp || s->state != VMBUS_VSP_ATTACHED)
			return ERR_PTR(-ENODEV);
	} else if (!try_module_get(cls->owner)) {
		return ERR_PTR(-ENODEV);
	}
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		if (!cls->vsp)
			module_put(cls->owner);
		return ERR_PTR(-ENOMEM);
	}
	dev->vm = vm;
	dev->cls = cls;
	dev->priv = priv;
	if (instance)
		dev->instance = *instance;
	else
		get_random_bytes(dev->instance.b, sizeof(dev->instance.b));
	list_add_tail(&dev->node, &vm->devices);
	err = vmbus_chan_add(dev, 0);
	if (err) {
		list_del(&dev->node);
		kfree(dev);
		if (!cls->vsp)
			module_put(cls->owner);
		return ERR_PTR(err);
	}
	return dev;
}

struct vmbus_device *vmbus_device_add(struct vmbus_vm *vm,
				      const struct vmbus_class *cls,
				      const struct vmb_guid *instance,
				      void *priv)
{
	struct vmbus_device *dev;

	mutex_lock(&vm->lock);
	dev = vmbus_device_add_locked(vm, cls, instance, priv);
	mutex_unlock(&vm->lock);
	return dev;
}
EXPORT_SYMBOL_GPL(vmbus_device_add);

/* dev's channel with sub-channel index idx the guest may use, or NULL. */
static struct vmbus_channel *vmbus_sub_live(struct vmbus_device *dev, u16 idx)
{
	struct vmb_bus *bus = &dev->vm->bus;
	u32 relid;

	for (relid = 1; relid <= bus->relid_max; relid++) {
		struct vmb_chan *c = bus->chans[relid];

		if (c && c->sub_index == idx && c->state != VMB_CHAN_RESCINDED &&
		    vmbus_chan_of(c)->dev == dev)
			return vmbus_chan_of(c);
	}
	return NULL;
}

/* Sub-channels 1..n of dev: how many it has now. */
static int vmbus_enable_subchannels_locked(struct vmbus_device *dev,
					   unsigned int n)
{
	struct vmbus_vm *vm = dev->vm;
	unsigned int idx;
	int err = 0;

	lockdep_assert_held(&vm->lock);
	if (vm->dead || dev->removing)
		return -ENODEV;
	n = min_t(unsigned int, n, dev->cls->max_subchannels);
	/*
	 * Indices 1..n, each made unless the guest has it already (asking
	 * again is harmless); a rescinded channel the guest has not
	 * released yet does not count, and its successor's offer waits for
	 * the release (lib/vmbus/bus.c).
	 */
	for (idx = 1; idx <= n && !err; idx++)
		if (!vmbus_sub_live(dev, idx))
			err = vmbus_chan_add(dev, idx);
	/* Out of relids (or memory): the guest gets fewer. */
	for (idx = 1; vmbus_sub_live(dev, idx); idx++)
		;
	return idx - 1;
}

/*
 * The channels' sub-channel requests, on the VM's thread. Not in the
 * packet handler that asks: making channels takes the VM's mutex, and
 * whoever holds it to close a channel waits for that channel's handler
 * to return (vmbus_op_chan_close).
 */
void vmbus_sub_work(struct kthread_work *work)
{
	struct vmbus_vm *vm = container_of(work, struct vmbus_vm, sub_work);
	struct vmbus_channel *ch;
	unsigned long flags;

	mutex_lock(&vm->lock);
	for (;;) {
		spin_lock_irqsave(&vm->sub_lock, flags);
		ch = list_first_entry_or_null(&vm->sub_reqs,
					      struct vmbus_channel, sub_node);
		if (ch)
			list_del_init(&ch->sub_node);
		spin_unlock_irqrestore(&vm->sub_lock, flags);
		if (!ch)
			break;
		/* Open (close takes its request away): it has its device. */
		ch->sub_done(ch, vmbus_enable_subchannels_locked(ch->dev,
								  ch->sub_want));
	}
	mutex_unlock(&vm->lock);
}

int vmbus_chan_enable_subchannels(struct vmbus_channel *ch, unsigned int n,
				  vmbus_subchannels_done_t done)
{
	struct vmbus_vm *vm = ch->vm;
	unsigned long flags;
	int err = 0;

	spin_lock_irqsave(&ch->send_lock, flags);
	if (!ch->open) {
		err = -ENOTCONN;
	} else {
		spin_lock(&vm->sub_lock);
		if (!list_empty(&ch->sub_node)) {
			err = -EBUSY;
		} else {
			ch->sub_want = n;
			ch->sub_done = done;
			list_add_tail(&ch->sub_node, &vm->sub_reqs);
		}
		spin_unlock(&vm->sub_lock);
		/* Open: the VM's thread is there. */
		if (!err)
			kthread_queue_work(vm->kworker, &vm->sub_work);
	}
	spin_unlock_irqrestore(&ch->send_lock, flags);
	return err;
}
EXPORT_SYMBOL_GPL(vmbus_chan_enable_subchannels);

unsigned int vmbus_chan_sub_index(const struct vmbus_channel *ch)
{
	return ch->c.sub_index;
}
EXPORT_SYMBOL_GPL(vmbus_chan_sub_index);

void vmbus_device_remove_locked(struct vmbus_device *dev)
{
	struct vmbus_vm *vm = dev->vm;
	unsigned int left = dev->nchannels, pass;
	u32 relid;

	lockdep_assert_held(&vm->lock);
	if (vm->dead || dev->removing)
		return;
	dev->removing = true;
	/*
	 * Sub-channels first, then the primary: a Linux guest must see every
	 * sub-channel's rescind before its primary's (the primary's removal
	 * frees what its sub-channels hang on). Removing the last channel
	 * may free dev: count, don't look.
	 */
	for (pass = 0; pass < 2 && left; pass++) {
		for (relid = 1; relid <= vm->bus.relid_max && left; relid++) {
			struct vmb_chan *c = vm->bus.chans[relid];

			if (c && vmbus_chan_of(c)->dev == dev &&
			    !c->sub_index == !!pass) {
				left--;
				vmb_bus_remove(&vm->bus, c);
			}
		}
	}
}

/*
 * A VSP left a running VM (it unregisters, or its vm_attach failed):
 * remove what devices of its classes remain, and release them all now.
 * A channel the guest has yet to release stays on the bus, rescinded
 * and closed, with no device, until the guest releases it or the VM
 * goes: the guest may never answer, and the VSP's module may be about
 * to go.
 */
void vmbus_vsp_release_devices_locked(struct vmbus_vm *vm,
				      const struct vmbus_vsp *vsp)
{
	struct vmbus_device *dev, *tmp;
	u32 relid;

	lockdep_assert_held(&vm->lock);
	/* Removing a device frees at most that device. */
	list_for_each_entry_safe(dev, tmp, &vm->devices, node)
		if (dev->cls->vsp == vsp)
			vmbus_device_remove_locked(dev);
	list_for_each_entry_safe(dev, tmp, &vm->devices, node) {
		if (dev->cls->vsp != vsp)
			continue;
		for (relid = 1; relid <= vm->bus.relid_max; relid++) {
			struct vmb_chan *c = vm->bus.chans[relid];

			if (c && vmbus_chan_of(c)->dev == dev) {
				vmbus_chan_of(c)->dev = NULL;
				dev->nchannels--;
			}
		}
		vmbus_device_free(dev);
	}
}

void vmbus_device_remove(struct vmbus_device *dev)
{
	struct vmbus_vm *vm = dev->vm;

	mutex_lock(&vm->lock);
	vmbus_device_remove_locked(dev);
	mutex_unlock(&vm->lock);
}
EXPORT_SYMBOL_GPL(vmbus_device_remove);

void vmbus_vm_remove_device(struct vmbus_vm *vm, struct vmbus_device *dev)
{
	/* Dead: every device was released, dev with them; don't look. */
	mutex_lock(&vm->lock);
	if (!vm->dead)
		vmbus_device_remove_locked(dev);
	mutex_unlock(&vm->lock);
}
EXPORT_SYMBOL_GPL(vmbus_vm_remove_device);

void *vmbus_device_priv(const struct vmbus_device *dev)
{
	return dev->priv;
}
EXPORT_SYMBOL_GPL(vmbus_device_priv);

struct vmbus_device *vmbus_chan_device(const struct vmbus_channel *ch)
{
	return ch->dev;
}
EXPORT_SYMBOL_GPL(vmbus_chan_device);

void *vmbus_chan_priv(const struct vmbus_channel *ch)
{
	return ch->priv;
}
EXPORT_SYMBOL_GPL(vmbus_chan_priv);

void vmbus_chan_set_priv(struct vmbus_channel *ch, void *priv)
{
	ch->priv = priv;
}
EXPORT_SYMBOL_GPL(vmbus_chan_set_priv);

u32 vmbus_chan_relid(const struct vmbus_channel *ch)
{
	return ch->c.relid;
}
EXPORT_SYMBOL_GPL(vmbus_chan_relid);

const u8 *vmbus_chan_open_data(const struct vmbus_channel *ch)
{
	return ch->c.open_data;
}
EXPORT_SYMBOL_GPL(vmbus_chan_open_data);

u32 vmbus_chan_state(const struct vmbus_channel *ch)
{
	if (ch->c.state == VMB_CHAN_RESCINDED)
		return HVKVM_VMBUS_CHAN_RESCINDED;
	if (ch->c.state == VMB_CHAN_OPEN)
		return ch->failed ? HVKVM_VMBUS_CHAN_FAILED : HVKVM_VMBUS_CHAN_OPEN;
	return ch->c.offered ? HVKVM_VMBUS_CHAN_OFFERED : HVKVM_VMBUS_CHAN_CLOSED;
}
