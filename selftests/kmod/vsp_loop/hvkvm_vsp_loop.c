// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm_vsp_loop: the loopback test device's host side, a VSP on the
 * public API only (include/hvkvm/vmbus_host.h). For tests: built with
 * the modules, never installed nor loaded by the lab; a test loads it,
 * adds devices to running VMs, and removes them:
 *
 *   echo VM >/sys/module/hvkvm_vsp_loop/parameters/add
 *   echo "VM INDEX" >/sys/module/hvkvm_vsp_loop/parameters/remove
 *   cat /sys/module/hvkvm_vsp_loop/parameters/add      (the devices)
 *
 * For benchmarks (tools/bench/loop.sh) it is loaded with max_pkt=65600
 * (HVLOOP_BENCH_MAX_PKT: packets of 64 KiB of data), and releases the
 * guest's GATE requests when the benchmark has read its counters:
 *
 *   cat /sys/module/hvkvm_vsp_loop/parameters/gate     ("VM ARG0 ARG1" each)
 *   echo 1 >/sys/module/hvkvm_vsp_loop/parameters/gate (answer them all)
 *
 * Device INDEX (0..511, the lowest free one of that VM) has the instance
 * GUID 6c6f6f70-0000-4000-8000-68760000IIII (INDEX in hex). The protocol is in
 * include/hvkvm/loop_proto.h; the guest side is guest/loopback.
 */
#include <linux/highmem.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <hvkvm/vmbus_host.h>
#include <hvkvm/vmbus_ring.h>
#include <hvkvm/vid_client.h>
#include <hvkvm/loop_proto.h>

#define LOOP_DEVS_MAX	512	/* per VM: beyond 256 channels */
#define LOOP_NAME_MAX	64

/* ---- devices ---- */

/*
 * A device added through the parameters. References: the list's (until
 * release), and a removal in progress holds one. Each holds a reference
 * on its VM, which is what makes vmbus_vm_remove_device() safe against
 * the VM's end.
 */
struct loop_dev {
	struct kref ref;
	struct list_head node;		/* loop_devs, under loop_lock */
	char vm_name[LOOP_NAME_MAX];
	struct vmbus_vm *vm;
	struct vmbus_device *dev;
	unsigned int index;
	bool listed;
	bool released;
	bool removing;
};

static DEFINE_MUTEX(loop_cfg_lock);	/* add and remove, one at a time */
static DEFINE_MUTEX(loop_lock);		/* loop_devs; never held in the API */
static LIST_HEAD(loop_devs);

static unsigned int max_pkt = HVLOOP_MAX_PKT;
module_param(max_pkt, uint, 0444);
MODULE_PARM_DESC(max_pkt, "the longest guest packet taken, descriptor included (4096 to 65600, a multiple of 8)");

/* GPADL holds from timers: the module waits for them at exit. */
static atomic_t loop_holds = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(loop_holds_wq);

static void loop_dev_free(struct kref *ref)
{
	struct loop_dev *ld = container_of(ref, struct loop_dev, ref);

	/* Never the VM's last reference: its attach holds one meanwhile. */
	vmbus_vm_put(ld->vm);
	kfree(ld);
}

/* ---- channels ---- */

struct loop_held {
	struct list_head node;
	u64 trans_id;
	struct hvloop_msg reply;
};

struct loop_chan {
	struct vmbus_channel *ch;
	const char *vm_name;		/* the device's, while it is open */
	struct list_head gate_node;	/* loop_gates, under loop_gate_lock */
	bool gated;
	u64 gate_id;
	u32 gate_arg[2];
	u32 fill_next;			/* FILL: packets sent so far */
	bool fill_active;
	spinlock_t lock;		/* held */
	struct list_head held;		/* DEFER answers, in order */
	struct delayed_work release;
	u8 *buf;			/* answers, in the packet handler */
	u8 *dbuf;			/* DEFER answers, in the release work */
	u64 sub_id;			/* the SUBCHANNELS request waiting */
};

#define LOOP_DEFER_LEN		(sizeof(struct hvloop_msg) + HVLOOP_DEFER_DATA)
#define LOOP_DEFER_SPACE	vmbus_pkt_space(0, LOOP_DEFER_LEN)

static int loop_reply(struct loop_chan *lc, u64 trans_id,
		      const struct hvloop_msg *r, const void *data, u32 len)
{
	u8 *p = lc->buf;

	memcpy(p, r, sizeof(*r));
	if (len)
		memcpy(p + sizeof(*r), data, len);
	return vmbus_chan_send(lc->ch, VMB_PKT_DATA_INBAND, 0, trans_id, NULL,
			       0, p, sizeof(*r) + len);
}

/* An answer that could not be sent now: wait for room. */
static int loop_again(int err)
{
	return err == -ENOSPC ? -EAGAIN : err;
}

/* The held DEFER answers go, from a work: as completions would. */
static void loop_release_work(struct work_struct *work)
{
	struct loop_chan *lc = container_of(to_delayed_work(work),
					    struct loop_chan, release);
	struct loop_held *h;
	LIST_HEAD(list);

	spin_lock_bh(&lc->lock);
	list_splice_init(&lc->held, &list);
	spin_unlock_bh(&lc->lock);
	while ((h = list_first_entry_or_null(&list, struct loop_held, node))) {
		list_del(&h->node);
		memcpy(lc->dbuf, &h->reply, sizeof(h->reply));
		/* The reservation makes room: only a closed channel fails. */
		vmbus_chan_send_reserved(lc->ch, LOOP_DEFER_SPACE,
					 VMB_PKT_DATA_INBAND, 0, h->trans_id,
					 NULL, 0, lc->dbuf, LOOP_DEFER_LEN);
		kfree(h);
	}
}

static int loop_defer(struct loop_chan *lc, u64 trans_id,
		      const struct hvloop_msg *m)
{
	struct loop_held *h;
	int err;

	err = vmbus_chan_reserve(lc->ch, LOOP_DEFER_SPACE);
	if (err)
		return loop_again(err);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h) {
		vmbus_chan_unreserve(lc->ch, LOOP_DEFER_SPACE);
		return -ENOMEM;
	}
	h->trans_id = trans_id;
	h->reply.op = HVLOOP_OP_DEFER;
	h->reply.arg[0] = m->arg[1];
	spin_lock_bh(&lc->lock);
	list_add_tail(&h->node, &lc->held);
	spin_unlock_bh(&lc->lock);
	/* The first answer held starts the clock; later ones join it. */
	schedule_delayed_work(&lc->release,
			      msecs_to_jiffies(min_t(u32, m->arg[0],
						     HVLOOP_HOLD_MS_MAX)));
	return 0;
}

static int loop_fill(struct loop_chan *lc, u64 trans_id,
		     const struct hvloop_msg *m)
{
	u32 count = m->arg[0], len = m->arg[1], i;
	struct hvloop_msg r = { .op = HVLOOP_OP_FILL };
	u8 *data = lc->buf + sizeof(r);
	int err;

	if (count > HVLOOP_FILL_MAX || len > HVLOOP_FILL_DATA_MAX) {
		r.status = EINVAL;
		return loop_again(loop_reply(lc, trans_id, &r, NULL, 0));
	}
	if (!lc->fill_active) {
		lc->fill_active = true;
		lc->fill_next = 0;
	}
	for (; lc->fill_next < count; lc->fill_next++) {
		struct hvloop_msg p = {
			.op = HVLOOP_OP_FILL_PKT,
			.arg[0] = lc->fill_next,
		};

		for (i = 0; i < len; i++)
			data[i] = hvloop_pattern(lc->fill_next, i);
		memcpy(lc->buf, &p, sizeof(p));
		err = vmbus_chan_send(lc->ch, VMB_PKT_DATA_INBAND, 0, 0, NULL,
				      0, lc->buf, sizeof(p) + len);
		if (err)
			return loop_again(err);
	}
	r.arg[0] = count;
	err = loop_reply(lc, trans_id, &r, NULL, 0);
	if (!err)
		lc->fill_active = false;
	return loop_again(err);
}

/* ---- gates ---- */

/*
 * GATE requests held until the test releases them (the parameter
 * "gate"). Order: a channel's close (under the VM's mutex) takes
 * loop_gate_lock; the release sends under it, which takes only the
 * channel's send lock: so a channel closes only after a release that
 * found it, and its gate goes with it.
 */
static DEFINE_MUTEX(loop_gate_lock);
static LIST_HEAD(loop_gates);

#define LOOP_GATE_SPACE		vmbus_pkt_space(0, sizeof(struct hvloop_msg))

static int loop_gate(struct loop_chan *lc, u64 trans_id,
		     const struct hvloop_msg *m)
{
	int err;

	err = vmbus_chan_reserve(lc->ch, LOOP_GATE_SPACE);
	if (err)
		return loop_again(err);
	mutex_lock(&loop_gate_lock);
	if (lc->gated) {
		mutex_unlock(&loop_gate_lock);
		vmbus_chan_unreserve(lc->ch, LOOP_GATE_SPACE);
		return -EPROTO;
	}
	lc->gated = true;
	lc->gate_id = trans_id;
	lc->gate_arg[0] = m->arg[0];
	lc->gate_arg[1] = m->arg[1];
	list_add_tail(&lc->gate_node, &loop_gates);
	mutex_unlock(&loop_gate_lock);
	return 0;
}

/* Every held gate answered; the room was reserved. */
static void loop_gates_release(void)
{
	struct hvloop_msg r = { .op = HVLOOP_OP_GATE };
	struct loop_chan *lc, *tmp;

	mutex_lock(&loop_gate_lock);
	list_for_each_entry_safe(lc, tmp, &loop_gates, gate_node) {
		list_del(&lc->gate_node);
		lc->gated = false;
		r.arg[0] = lc->gate_arg[0];
		r.arg[1] = lc->gate_arg[1];
		vmbus_chan_send_reserved(lc->ch, LOOP_GATE_SPACE,
					 VMB_PKT_DATA_INBAND, 0, lc->gate_id,
					 NULL, 0, &r, sizeof(r));
	}
	mutex_unlock(&loop_gate_lock);
}

/* A channel that closes: its gate, if held, goes unanswered. */
static void loop_gate_drop(struct loop_chan *lc)
{
	mutex_lock(&loop_gate_lock);
	if (lc->gated) {
		list_del(&lc->gate_node);
		lc->gated = false;
	}
	mutex_unlock(&loop_gate_lock);
}

/* ---- GPADLs ---- */

struct loop_hold {
	struct timer_list timer;
	struct vmbus_gpadl *gpadl;
	u8 *buf;
	__le32 marker;
};

/* Softirq: the last touch of the buffer, then the put, from here. */
static void loop_hold_end(struct timer_list *t)
{
	struct loop_hold *hold = from_timer(hold, t, timer);
	u32 handle = vmbus_gpadl_handle(hold->gpadl);

	memcpy(hold->buf, &hold->marker, sizeof(hold->marker));
	vmbus_gpadl_put(hold->gpadl);
	/* For the test's log: after the device's removal, the VM's end. */
	pr_info_ratelimited("gpadl %#x let go\n", handle);
	kfree(hold);
	if (atomic_dec_and_test(&loop_holds))
		wake_up(&loop_holds_wq);
}

static int loop_gpadl(struct loop_chan *lc, u64 trans_id,
		      const struct hvloop_msg *m)
{
	struct hvloop_msg r = { .op = m->op };
	struct vmbus_gpadl *g;
	struct loop_hold *hold;
	u32 len, i;
	u8 *buf;

	g = vmbus_gpadl_get(lc->ch, m->arg[0]);
	if (IS_ERR(g)) {
		r.status = -PTR_ERR(g);
		return loop_again(loop_reply(lc, trans_id, &r, NULL, 0));
	}
	buf = vmbus_gpadl_map(g);
	if (!buf) {
		r.status = ENOMEM;
		goto out;
	}
	buf += vmbus_gpadl_offset(g);
	len = vmbus_gpadl_len(g);
	switch (m->op) {
	case HVLOOP_OP_GPADL_WRITE:
		for (i = 0; i < len; i++)
			buf[i] = hvloop_pattern(m->arg[1], i);
		r.arg[0] = len;
		break;
	case HVLOOP_OP_GPADL_SUM:
		r.arg[0] = hvloop_sum(1, buf, len);
		r.arg[1] = len;
		break;
	case HVLOOP_OP_GPADL_HOLD:
		hold = kzalloc(sizeof(*hold), GFP_KERNEL);
		if (!hold || len < sizeof(hold->marker)) {
			kfree(hold);
			r.status = hold ? EINVAL : ENOMEM;
			break;
		}
		hold->gpadl = g;
		hold->buf = buf;
		hold->marker = cpu_to_le32(m->arg[2]);
		timer_setup(&hold->timer, loop_hold_end, 0);
		atomic_inc(&loop_holds);
		/* The reference is the timer's now. */
		g = NULL;
		mod_timer(&hold->timer, jiffies +
			  msecs_to_jiffies(min_t(u32, m->arg[1],
						 HVLOOP_HOLD_MS_MAX)));
		break;
	}
out:
	if (g)
		vmbus_gpadl_put(g);
	/* Room for an answer this small is there, or the guest waits. */
	return loop_again(loop_reply(lc, trans_id, &r, NULL, 0));
}

/* ---- GPA direct ---- */

struct loop_gpa {
	struct vid_memory *mem;
	bool check;			/* first pass: every page the guest's */
	u32 op, seed, pos, sum;
};

static int loop_gpa_range(void *ctx, u32 count, u32 offset, const u64 *pfn,
			  u32 npfn)
{
	struct loop_gpa *a = ctx;
	u32 i, n;

	for (i = 0; i < npfn && count; i++) {
		struct page *page = vid_memory_page(a->mem, vmb_pfn(pfn, i));
		u8 *p;
		u32 j;

		if (!page)
			return -EFAULT;
		n = min_t(u32, count, PAGE_SIZE - offset);
		if (!a->check) {
			p = kmap_local_page(page);
			if (a->op == HVLOOP_GPA_WRITE)
				for (j = 0; j < n; j++)
					p[offset + j] = hvloop_pattern(a->seed,
								       a->pos + j);
			else
				a->sum = hvloop_sum(a->sum, p + offset, n);
			kunmap_local(p);
		}
		a->pos += n;
		count -= n;
		offset = 0;
	}
	return 0;
}

static int loop_gpa(struct loop_chan *lc, const struct vmb_pkt_desc *pkt,
		    u32 len)
{
	struct hvloop_msg m, r = { .op = HVLOOP_OP_GPA };
	struct loop_gpa a = { .check = true, .sum = 1 };
	u32 off = pkt->offset8 * 8;
	int err;

	if (len - off < sizeof(m))
		return -EPROTO;
	memcpy(&m, (const u8 *)pkt + off, sizeof(m));
	if (m.op != HVLOOP_OP_GPA || m.arg[0] > HVLOOP_GPA_SUM)
		return -EPROTO;
	a.op = m.arg[0];
	a.seed = m.arg[1];
	a.mem = vmbus_chan_memory(lc->ch);
	if (!a.mem)
		return -ENODEV;
	/* Every page checked before any is touched. */
	err = vmb_pkt_gpa_ranges(pkt, len, loop_gpa_range, &a);
	if (!err) {
		a.check = false;
		a.pos = 0;
		err = vmb_pkt_gpa_ranges(pkt, len, loop_gpa_range, &a);
	}
	vid_memory_put(a.mem);
	if (err == -EBADMSG)
		return -EPROTO;
	r.status = -err;
	r.arg[0] = a.pos;
	r.arg[1] = a.sum;
	return loop_again(loop_reply(lc, pkt->trans_id, &r, NULL, 0));
}

/* ---- sub-channels ---- */

#define LOOP_SUB_SPACE	vmbus_pkt_space(0, sizeof(struct hvloop_msg))

/* The answer: room for it was reserved. Under the VM's mutex. */
static void loop_sub_done(struct vmbus_channel *ch, int count)
{
	struct loop_chan *lc = vmbus_chan_priv(ch);
	struct hvloop_msg r = { .op = HVLOOP_OP_SUBCHANNELS };

	if (count < 0)
		r.status = -count;
	else
		r.arg[0] = count;
	/* Closing (-ENOTCONN): the reservation ends with the channel. */
	vmbus_chan_send_reserved(ch, LOOP_SUB_SPACE, VMB_PKT_DATA_INBAND, 0,
				 lc->sub_id, NULL, 0, &r, sizeof(r));
}

/*
 * One request at a time per channel (storvsc and netvsc ask once): the
 * answer comes when the VM's thread has made them (loop_sub_done).
 */
static int loop_subchannels(struct loop_chan *lc, u64 trans_id,
			    const struct hvloop_msg *m)
{
	int err = vmbus_chan_reserve(lc->ch, LOOP_SUB_SPACE);

	if (err)
		return loop_again(err);
	lc->sub_id = trans_id;
	err = vmbus_chan_enable_subchannels(lc->ch, m->arg[0], loop_sub_done);
	if (err) {
		struct hvloop_msg r = { .op = HVLOOP_OP_SUBCHANNELS };

		/* -EBUSY: a second while the first waits */
		vmbus_chan_unreserve(lc->ch, LOOP_SUB_SPACE);
		r.status = -err;
		return loop_again(loop_reply(lc, trans_id, &r, NULL, 0));
	}
	return 0;
}

/* ---- the class ---- */

static int loop_packet(struct vmbus_channel *ch, const struct vmb_pkt_desc *pkt,
		       u32 len)
{
	struct loop_chan *lc = vmbus_chan_priv(ch);
	struct hvloop_msg m, r = { 0 };
	u32 off = pkt->offset8 * 8;
	const u8 *data;

	if (pkt->type == VMB_PKT_DATA_USING_GPA_DIRECT)
		return loop_gpa(lc, pkt, len);
	if (pkt->type != VMB_PKT_DATA_INBAND || len - off < sizeof(m))
		return -EPROTO;
	data = (const u8 *)pkt + off;
	memcpy(&m, data, sizeof(m));
	r.op = m.op;
	switch (m.op) {
	case HVLOOP_OP_ECHO:
		return loop_again(vmbus_chan_send(ch, VMB_PKT_DATA_INBAND, 0,
						  pkt->trans_id, NULL, 0, data,
						  len - off));
	case HVLOOP_OP_WHO:
		r.arg[0] = vmbus_chan_relid(ch);
		r.arg[1] = vmbus_chan_sub_index(ch);
		break;
	case HVLOOP_OP_FILL:
		return loop_fill(lc, pkt->trans_id, &m);
	case HVLOOP_OP_DEFER:
		return loop_defer(lc, pkt->trans_id, &m);
	case HVLOOP_OP_SUBCHANNELS:
		return loop_subchannels(lc, pkt->trans_id, &m);
	case HVLOOP_OP_GPADL_WRITE:
	case HVLOOP_OP_GPADL_SUM:
	case HVLOOP_OP_GPADL_HOLD:
		return loop_gpadl(lc, pkt->trans_id, &m);
	case HVLOOP_OP_SINK:
		return 0;
	case HVLOOP_OP_GATE:
		return loop_gate(lc, pkt->trans_id, &m);
	default:
		return -EPROTO;
	}
	return loop_again(loop_reply(lc, pkt->trans_id, &r, NULL, 0));
}

static int loop_open(struct vmbus_channel *ch)
{
	struct loop_chan *lc = kzalloc(sizeof(*lc), GFP_KERNEL);

	if (!lc)
		return -ENOMEM;
	lc->buf = kvmalloc(max_pkt, GFP_KERNEL);
	/* The data of DEFER's answers: zeroes. */
	lc->dbuf = kzalloc(LOOP_DEFER_LEN, GFP_KERNEL);
	if (!lc->buf || !lc->dbuf) {
		kvfree(lc->buf);
		kfree(lc->dbuf);
		kfree(lc);
		return -ENOMEM;
	}
	lc->ch = ch;
	lc->vm_name = ((struct loop_dev *)
		       vmbus_device_priv(vmbus_chan_device(ch)))->vm_name;
	spin_lock_init(&lc->lock);
	INIT_LIST_HEAD(&lc->held);
	INIT_DELAYED_WORK(&lc->release, loop_release_work);
	vmbus_chan_set_priv(ch, lc);
	return 0;
}

/* The reservations end with the channel; the answers are dropped. */
static void loop_close(struct vmbus_channel *ch)
{
	struct loop_chan *lc = vmbus_chan_priv(ch);
	struct loop_held *h, *tmp;

	loop_gate_drop(lc);
	cancel_delayed_work_sync(&lc->release);
	list_for_each_entry_safe(h, tmp, &lc->held, node)
		kfree(h);
	vmbus_chan_set_priv(ch, NULL);
	kfree(lc->dbuf);
	kvfree(lc->buf);
	kfree(lc);
}

/* Under the VM's mutex: only loop_lock, never anything of the API. */
static void loop_release(struct vmbus_device *dev)
{
	struct loop_dev *ld = vmbus_device_priv(dev);
	bool put = false;

	mutex_lock(&loop_lock);
	ld->released = true;
	ld->dev = NULL;
	if (ld->listed) {
		list_del(&ld->node);
		ld->listed = false;
		put = true;
	}
	mutex_unlock(&loop_lock);
	pr_info("%s: device %u released\n", ld->vm_name, ld->index);
	if (put)
		kref_put(&ld->ref, loop_dev_free);
}

/* max_pkt: set at load. */
static struct vmbus_class loop_class __ro_after_init = {
	.name		= "loopback",
	.owner		= THIS_MODULE,
	.if_type	= HVLOOP_CLASS_GUID,
	.ring_min	= 4096,
	.ring_max	= 1 << 20,
	.max_pkt	= HVLOOP_MAX_PKT,
	.max_subchannels = HVLOOP_MAX_SUBCHANNELS,
	.open		= loop_open,
	.close		= loop_close,
	.packet		= loop_packet,
	.release	= loop_release,
};

/* ---- the parameters: add and remove devices ---- */

static int loop_add(const char *name)
{
	struct vmb_guid inst = VMB_GUID(0x6c6f6f70, 0, 0x4000, 0x80, 0,
					0x68, 0x76, 0, 0, 0, 0);
	struct vmbus_device *dev;
	struct loop_dev *ld, *o;
	DECLARE_BITMAP(used, LOOP_DEVS_MAX) = { 0 };
	bool listed = false;

	ld = kzalloc(sizeof(*ld), GFP_KERNEL);
	if (!ld)
		return -ENOMEM;
	kref_init(&ld->ref);		/* this function's */
	strscpy(ld->vm_name, name, sizeof(ld->vm_name));
	ld->vm = vmbus_vm_get(name);
	if (!ld->vm) {
		kfree(ld);
		return -ENOENT;
	}
	mutex_lock(&loop_lock);
	list_for_each_entry(o, &loop_devs, node)
		if (!strcmp(o->vm_name, name))
			__set_bit(o->index, used);
	mutex_unlock(&loop_lock);
	ld->index = find_first_zero_bit(used, LOOP_DEVS_MAX);
	if (ld->index >= LOOP_DEVS_MAX) {
		kref_put(&ld->ref, loop_dev_free);
		return -ENOSPC;
	}
	inst.b[14] = ld->index >> 8;
	inst.b[15] = ld->index & 0xff;
	dev = vmbus_device_add(ld->vm, &loop_class, &inst, ld);
	if (IS_ERR(dev)) {
		kref_put(&ld->ref, loop_dev_free);
		return PTR_ERR(dev);
	}
	/* The VM may have ended since, and released it. */
	mutex_lock(&loop_lock);
	if (!ld->released) {
		ld->dev = dev;
		ld->listed = true;
		kref_get(&ld->ref);
		list_add_tail(&ld->node, &loop_devs);
		listed = true;
	}
	mutex_unlock(&loop_lock);
	if (listed)
		pr_info("%s: device %u added\n", name, ld->index);
	kref_put(&ld->ref, loop_dev_free);
	return listed ? 0 : -ENODEV;
}

static int loop_remove(const char *name, unsigned int index)
{
	struct loop_dev *ld, *found = NULL;

	mutex_lock(&loop_lock);
	list_for_each_entry(ld, &loop_devs, node) {
		if (!strcmp(ld->vm_name, name) && ld->index == index &&
		    !ld->removing) {
			found = ld;
			ld->removing = true;
			kref_get(&ld->ref);
			break;
		}
	}
	mutex_unlock(&loop_lock);
	if (!found)
		return -ENOENT;
	/* ld->dev stays valid: only the VM's end releases it meanwhile. */
	vmbus_vm_remove_device(found->vm, found->dev);
	pr_info("%s: device %u removed\n", name, index);
	kref_put(&found->ref, loop_dev_free);
	return 0;
}

static int loop_param_add(const char *val, const struct kernel_param *kp)
{
	char buf[LOOP_NAME_MAX], *name;
	int err;

	if (strscpy(buf, val, sizeof(buf)) < 0)
		return -EINVAL;
	name = strim(buf);
	if (!*name)
		return -EINVAL;
	mutex_lock(&loop_cfg_lock);
	err = loop_add(name);
	mutex_unlock(&loop_cfg_lock);
	return err;
}

static int loop_param_remove(const char *val, const struct kernel_param *kp)
{
	char name[LOOP_NAME_MAX];
	unsigned int index;
	int err;

	if (sscanf(val, "%63s %u", name, &index) != 2)
		return -EINVAL;
	mutex_lock(&loop_cfg_lock);
	err = loop_remove(name, index);
	mutex_unlock(&loop_cfg_lock);
	return err;
}

/* "VM INDEX" per device. */
static int loop_param_list(char *buf, const struct kernel_param *kp)
{
	struct loop_dev *ld;
	int n = 0;

	mutex_lock(&loop_lock);
	list_for_each_entry(ld, &loop_devs, node)
		n += scnprintf(buf + n, PAGE_SIZE - n, "%s %u\n", ld->vm_name,
			       ld->index);
	mutex_unlock(&loop_lock);
	return n;
}

static const struct kernel_param_ops loop_add_ops = {
	.set = loop_param_add,
	.get = loop_param_list,
};

static const struct kernel_param_ops loop_remove_ops = {
	.set = loop_param_remove,
};

static int loop_param_gate(const char *val, const struct kernel_param *kp)
{
	loop_gates_release();
	return 0;
}

/* "VM ARG0 ARG1" per held gate. */
static int loop_param_gates(char *buf, const struct kernel_param *kp)
{
	struct loop_chan *lc;
	int n = 0;

	mutex_lock(&loop_gate_lock);
	list_for_each_entry(lc, &loop_gates, gate_node)
		n += scnprintf(buf + n, PAGE_SIZE - n, "%s %u %u\n",
			       lc->vm_name, lc->gate_arg[0], lc->gate_arg[1]);
	mutex_unlock(&loop_gate_lock);
	return n;
}

static const struct kernel_param_ops loop_gate_ops = {
	.set = loop_param_gate,
	.get = loop_param_gates,
};

module_param_cb(add, &loop_add_ops, NULL, 0600);
MODULE_PARM_DESC(add, "write a VM's name: add a loopback device to it; read: the devices");
module_param_cb(remove, &loop_remove_ops, NULL, 0200);
MODULE_PARM_DESC(remove, "write \"VM INDEX\": remove that device");
module_param_cb(gate, &loop_gate_ops, NULL, 0600);
MODULE_PARM_DESC(gate, "read: the GATE requests held; write anything: answer them");

static int __init loop_init(void)
{
	if (max_pkt < 4096 || max_pkt > HVLOOP_BENCH_MAX_PKT || max_pkt % 8) {
		pr_err("max_pkt %u: 4096 to %u, a multiple of 8\n", max_pkt,
		       HVLOOP_BENCH_MAX_PKT);
		return -EINVAL;
	}
	loop_class.max_pkt = max_pkt;
	return 0;
}

/* Devices hold the module: none is left. Timers may still hold GPADLs. */
static void __exit loop_exit(void)
{
	wait_event(loop_holds_wq, !atomic_read(&loop_holds));
}

module_init(loop_init);
module_exit(loop_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvkvm loopback test device (host side): for tests only");
