// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm_loop: the loopback test device's guest side, a driver of the
 * stock hv_vmbus (Debian's kernel, in L2), for the host's lab tests. The
 * host side is selftests/kmod/vsp_loop; the protocol is in
 * include/hvkvm/loop_proto.h.
 *
 * At load it waits for `devices` loopback devices (timeout_ms), runs the
 * scenarios named in `scenarios` on the first, checks every answer
 * itself, and prints on the console
 *
 *   HVTEST loop <scenario> ok
 *   HVTEST loop <scenario> FAIL <why>
 *   HVTEST loop done: N ok, M failed
 *
 * (The scenario "hold" is not in the default list: it leaves GPADLs
 * held by the host, for the host's tests of removal and the VM's end.
 * Nor is "bench", the packet-rate benchmark of tools/bench/loop.sh, which
 * prints "HVBENCH loop ..." lines: see scen_bench. Nor "subrace", which
 * runs alone: see loop_subrace.)
 *
 * It stays loaded: every device probed later (hot add) is checked with
 * an echo ("HVTEST loop probe <device> ok|FAIL <why>"), and a device
 * that goes (hot remove) says "HVTEST loop remove <device>".
 *
 * Reads: the channels' callbacks run in the interrupt (HV_CALL_ISR) and
 * only wake a waiter; every read is the scenario's own, in process
 * context. So the guest can leave its ring full on purpose.
 */
#include <linux/delay.h>
#include <linux/hardirq.h>
#include <linux/hyperv.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include <hvkvm/loop_proto.h>

static char *scenarios = "echo,who,largest,fill_h2g,fill_g2h,gpa,subchannels,gpadl,otherdev";
module_param(scenarios, charp, 0444);
MODULE_PARM_DESC(scenarios, "the scenarios to run at load, in order");

static unsigned int devices = 1;
module_param(devices, uint, 0444);
MODULE_PARM_DESC(devices, "loopback devices to wait for before running them");

static unsigned int timeout_ms = 60000;
module_param(timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "how long to wait for the host, each time");

static unsigned int hold_ms = 3000;
module_param(hold_ms, uint, 0444);
MODULE_PARM_DESC(hold_ms, "gpadl: how long the host holds the GPADL being torn down");

static unsigned int hold_long_ms = 45000;
module_param(hold_long_ms, uint, 0444);
MODULE_PARM_DESC(hold_long_ms, "hold: how long the host holds each device's GPADL");

static unsigned int ring_kb = 64;
module_param(ring_kb, uint, 0444);
MODULE_PARM_DESC(ring_kb, "the primary channels' rings, each way, in KiB (8 to 1024, a multiple of 4)");

static unsigned int sub_ring_kb = 16;
module_param(sub_ring_kb, uint, 0444);
MODULE_PARM_DESC(sub_ring_kb, "the sub-channels' rings, each way, in KiB (8 to 1024, a multiple of 4)");

static char *bench_sizes = "64,1500,65536";
module_param(bench_sizes, charp, 0444);
MODULE_PARM_DESC(bench_sizes, "bench: packet sizes, the bytes each packet carries after its descriptor (32 to 65536)");

static char *bench_chans = "1,4";
module_param(bench_chans, charp, 0444);
MODULE_PARM_DESC(bench_chans, "bench: 1 is the primary channel, 2 to 4 that many sub-channels");

static unsigned int bench_ms = 3000;
module_param(bench_ms, uint, 0444);
MODULE_PARM_DESC(bench_ms, "bench: how long each case runs");

static bool bench_gate = true;
module_param(bench_gate, bool, 0444);
MODULE_PARM_DESC(bench_gate, "bench: wait at the host's gate before and after each case");

static unsigned int subrace_rounds = 3;
module_param(subrace_rounds, uint, 0444);
MODULE_PARM_DESC(subrace_rounds, "subrace: devices to ask sub-channels of until they are removed");

#define LOOP_NSUB		2
#define LOOP_FILL_COUNT		200
#define LOOP_FILL_LEN		1000
#define LOOP_GPADL_SIZE		(64 * 1024)
#define LOOP_HOLD_MARKER	0x600dcafe

struct loop_chan {
	struct vmbus_channel *ch;
	wait_queue_head_t wq;
	u8 *rx;				/* loop_max_pkt: a packet, raw */
	u8 *tx;
	u64 next_id;
};

struct loop_dev {
	struct list_head node;		/* loop_devs */
	struct hv_device *hdev;
	struct mutex io_lock;		/* one user of the channels at a time */
	struct loop_chan primary;
	struct loop_chan sub[HVLOOP_MAX_SUBCHANNELS];
	atomic_t nsub;			/* sub-channels open */
	wait_queue_head_t sub_wq;
	struct work_struct check;	/* the probe's echo */
};

static DEFINE_MUTEX(loop_devs_lock);
static LIST_HEAD(loop_devs);
static unsigned int loop_ndevs;
static DECLARE_WAIT_QUEUE_HEAD(loop_devs_wq);

/* Each channel's buffers, and the longest packet it reads: set at load. */
static u32 loop_max_pkt = HVLOOP_MAX_PKT;

/* ---- a scenario's result ---- */

struct scen {
	const char *name;
	bool failed;
	char why[160];
};

static __printf(2, 3) bool fail(struct scen *s, const char *fmt, ...)
{
	va_list args;

	if (!s->failed) {
		s->failed = true;
		va_start(args, fmt);
		vsnprintf(s->why, sizeof(s->why), fmt, args);
		va_end(args);
	}
	return false;
}

#define CHECK(s, cond, fmt, ...) \
	((cond) ? true : fail(s, fmt, ##__VA_ARGS__))

/* ---- channels ---- */

static void loop_isr(void *ctx)
{
	struct loop_chan *lc = ctx;

	wake_up(&lc->wq);
}

static int loop_chan_init(struct loop_chan *lc, struct vmbus_channel *ch)
{
	lc->ch = ch;
	init_waitqueue_head(&lc->wq);
	lc->rx = kvmalloc(loop_max_pkt, GFP_KERNEL);
	lc->tx = kvmalloc(loop_max_pkt, GFP_KERNEL);
	if (!lc->rx || !lc->tx)
		return -ENOMEM;
	/* Our reads are in process context; the host's largest packet. */
	ch->max_pkt_size = loop_max_pkt;
	set_channel_read_mode(ch, HV_CALL_ISR);
	return 0;
}

static void loop_chan_free(struct loop_chan *lc)
{
	kvfree(lc->rx);
	kvfree(lc->tx);
	lc->rx = NULL;
	lc->tx = NULL;
}

static bool loop_readable(struct loop_chan *lc)
{
	return hv_get_bytes_to_read(&lc->ch->inbound) || lc->ch->rescind;
}

/*
 * The next packet into lc->rx (descriptor included) within ms: its
 * hvloop_msg in *m (NULL if it is too short for one), its length in
 * *len. -ETIMEDOUT, -ENODEV (rescinded), -ENOBUFS (too long).
 */
static int loop_recv(struct loop_chan *lc, unsigned int ms,
		     struct hvloop_msg **m, u32 *len, u64 *id)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	struct vmpacket_descriptor *d = (void *)lc->rx;
	u32 off;
	int err;

	for (;;) {
		err = vmbus_recvpacket_raw(lc->ch, lc->rx, loop_max_pkt, len,
					   id);
		if (err)
			return err;
		if (*len)
			break;
		if (lc->ch->rescind)
			return -ENODEV;
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		wait_event_timeout(lc->wq, loop_readable(lc), HZ / 10);
	}
	off = d->offset8 * 8;
	*m = off + sizeof(**m) <= *len ? (void *)(lc->rx + off) : NULL;
	return 0;
}

/* Send, retrying a full ring for ms. */
static int loop_send(struct loop_chan *lc, const void *buf, u32 len, u64 id,
		     unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	int err;

	for (;;) {
		err = vmbus_sendpacket(lc->ch, (void *)buf, len, id,
				       VM_PKT_DATA_INBAND, 0);
		if (err != -EAGAIN || time_after(jiffies, end))
			return err;
		usleep_range(500, 1000);
	}
}

/*
 * One request (msg and dlen bytes of data, in lc->tx) and its answer:
 * *r is the answer's hvloop_msg in lc->rx, rlen the bytes after the
 * descriptor. Anything else arriving first is a failure.
 */
static bool loop_call(struct scen *s, struct loop_chan *lc,
		      const struct hvloop_msg *msg, u32 dlen,
		      struct hvloop_msg **r, u32 *rlen)
{
	u64 id = ++lc->next_id, rid;
	u32 len;
	int err;

	memcpy(lc->tx, msg, sizeof(*msg));
	err = loop_send(lc, lc->tx, sizeof(*msg) + dlen, id, timeout_ms);
	if (err)
		return fail(s, "op %u: send: %d", msg->op, err);
	err = loop_recv(lc, timeout_ms, r, &len, &rid);
	if (err)
		return fail(s, "op %u: no answer: %d", msg->op, err);
	if (!*r || rid != id || (*r)->op != msg->op)
		return fail(s, "op %u: a wrong answer: id %llu (want %llu), op %u",
			    msg->op, rid, id, *r ? (*r)->op : 0);
	*rlen = len - ((struct vmpacket_descriptor *)lc->rx)->offset8 * 8;
	return true;
}

/* ---- scenarios ---- */

static bool scen_echo(struct scen *s, struct loop_dev *a, struct loop_dev *b)
{
	struct loop_chan *lc = &a->primary;
	struct hvloop_msg m = { .op = HVLOOP_OP_ECHO }, *r;
	u32 sizes[] = { 0, 1, 7, 8, 100, 1000, 4000, 8192 };
	unsigned int i, j;
	u32 rlen;

	for (i = 0; i < 3 * ARRAY_SIZE(sizes); i++) {
		u32 n = sizes[i % ARRAY_SIZE(sizes)];
		u8 *d = lc->tx + sizeof(m);

		m.arg[0] = i;
		for (j = 0; j < n; j++)
			d[j] = hvloop_pattern(i, j);
		if (!loop_call(s, lc, &m, n, &r, &rlen))
			return false;
		/* The ring pads to 8: the echo is at least what was sent. */
		if (!CHECK(s, rlen >= sizeof(m) + n && r->arg[0] == i &&
			   !memcmp((u8 *)r + sizeof(m), d, n),
			   "echo %u of %u bytes came back as %u bytes, or changed",
			   i, n, rlen))
			return false;
	}
	return true;
}

static bool scen_who(struct scen *s, struct loop_dev *a, struct loop_dev *b)
{
	struct hvloop_msg m = { .op = HVLOOP_OP_WHO }, *r;
	u32 rlen, relid = a->primary.ch->offermsg.child_relid;

	if (!loop_call(s, &a->primary, &m, 0, &r, &rlen))
		return false;
	return CHECK(s, r->arg[0] == relid && r->arg[1] == 0,
		     "the host says relid %u index %u, the guest has %u 0",
		     r->arg[0], r->arg[1], relid);
}

/* A packet of exactly the class's largest size, both ways. */
static bool scen_largest(struct scen *s, struct loop_dev *a,
			 struct loop_dev *b)
{
	struct loop_chan *lc = &a->primary;
	struct hvloop_msg m = { .op = HVLOOP_OP_ECHO }, *r;
	u32 n = HVLOOP_MAX_PKT - sizeof(struct vmpacket_descriptor) - sizeof(m);
	u8 *d = lc->tx + sizeof(m);
	u32 rlen, j;

	for (j = 0; j < n; j++)
		d[j] = hvloop_pattern(99, j);
	if (!loop_call(s, lc, &m, n, &r, &rlen))
		return false;
	return CHECK(s, rlen == sizeof(m) + n &&
		     !memcmp((u8 *)r + sizeof(m), d, n),
		     "a %u-byte packet came back as %u bytes, or changed",
		     HVLOOP_MAX_PKT, rlen + 16);
}

/*
 * The host fills our ring while we do not read: it must wait for room
 * (pending_send_sz in our inbound ring), then send the rest as we read.
 */
static bool scen_fill_h2g(struct scen *s, struct loop_dev *a,
			  struct loop_dev *b)
{
	struct loop_chan *lc = &a->primary;
	struct hvloop_msg m = {
		.op = HVLOOP_OP_FILL,
		.arg = { LOOP_FILL_COUNT, LOOP_FILL_LEN },
	}, *r;
	struct hv_ring_buffer_info *in = &lc->ch->inbound;
	u32 len, i, j, pending = 0, avail = 0;
	u64 id = ++lc->next_id, rid;
	u8 *d;
	int err;

	memcpy(lc->tx, &m, sizeof(m));
	err = loop_send(lc, lc->tx, sizeof(m), id, timeout_ms);
	if (err)
		return fail(s, "send: %d", err);
	/* Not reading: the host fills the ring, then waits for room. */
	for (i = 0; i < timeout_ms / 100; i++) {
		avail = hv_get_bytes_to_read(in);
		pending = READ_ONCE(in->ring_buffer->pending_send_sz);
		if (avail + 2 * 1100 > in->ring_datasize && pending)
			break;
		msleep(100);
	}
	if (!CHECK(s, avail + 2 * 1100 > in->ring_datasize && pending,
		   "the ring holds %u of %u bytes, pending_send_sz %u: the host did not fill it and wait",
		   avail, in->ring_datasize, pending))
		return false;
	for (i = 0; i < LOOP_FILL_COUNT; i++) {
		err = loop_recv(lc, timeout_ms, &r, &len, &rid);
		if (err)
			return fail(s, "packet %u: %d", i, err);
		if (!CHECK(s, r && r->op == HVLOOP_OP_FILL_PKT && r->arg[0] == i,
			   "packet %u: op %u number %u", i, r ? r->op : 0,
			   r ? r->arg[0] : 0))
			return false;
		d = (u8 *)(r + 1);
		for (j = 0; j < LOOP_FILL_LEN; j++)
			if (d[j] != hvloop_pattern(i, j))
				return fail(s, "packet %u: byte %u wrong", i, j);
	}
	err = loop_recv(lc, timeout_ms, &r, &len, &rid);
	if (err)
		return fail(s, "no final answer: %d", err);
	return CHECK(s, r && r->op == HVLOOP_OP_FILL && rid == id &&
		     r->arg[0] == LOOP_FILL_COUNT && !r->status,
		     "final answer op %u count %u status %u",
		     r ? r->op : 0, r ? r->arg[0] : 0, r ? r->status : 0);
}

/*
 * We fill the host's ring: it reserves room for each answer in ours and
 * holds the answers; when ours has no room left it stops reading, so our
 * ring to it fills (-EAGAIN). Then every answer comes, in order, as we
 * read, and the host reads again.
 */
static bool scen_fill_g2h(struct scen *s, struct loop_dev *a,
			  struct loop_dev *b)
{
	struct loop_chan *lc = &a->primary;
	struct hvloop_msg m = { .op = HVLOOP_OP_DEFER, .arg = { 2000 } }, *r;
	u64 base = lc->next_id, got = 0, sent = 0, total = 5000, rid;
	bool full = false;
	u32 len;
	int err;

	while (got < total) {
		if (sent < total) {
			m.arg[1] = sent;
			err = vmbus_sendpacket(lc->ch, &m, sizeof(m),
					       base + sent + 1,
					       VM_PKT_DATA_INBAND, 0);
			if (!err) {
				sent++;
				continue;
			}
			if (err != -EAGAIN)
				return fail(s, "send %llu: %d", sent, err);
			if (!full) {
				full = true;
				total = sent + 20;
				pr_info("HVTEST loop fill_g2h: full after %llu requests\n",
					sent);
			}
		} else if (!full) {
			return fail(s, "%llu requests and the ring never filled",
				    sent);
		}
		err = loop_recv(lc, timeout_ms, &r, &len, &rid);
		if (err)
			return fail(s, "answer %llu of %llu: %d", got, sent, err);
		if (!CHECK(s, r && r->op == HVLOOP_OP_DEFER &&
			   rid == base + got + 1 && r->arg[0] == got &&
			   len >= 16 + sizeof(*r) + HVLOOP_DEFER_DATA,
			   "answer %llu: op %u id %llu arg %u, %u bytes",
			   got, r ? r->op : 0, rid - base, r ? r->arg[0] : 0,
			   len))
			return false;
		got++;
	}
	lc->next_id = base + total;
	return true;
}

/* GPA-direct: pages named in the packet, read and written by the host. */
static bool loop_gpa_call(struct scen *s, struct loop_chan *lc,
			  const u64 *pfns, u32 npfn, u32 offset, u32 bytes,
			  u32 op, u32 seed, struct hvloop_msg *out)
{
	struct hvloop_msg m = { .op = HVLOOP_OP_GPA, .arg = { op, seed } }, *r;
	struct vmbus_packet_mpb_array *desc;
	u32 dsize = sizeof(*desc) + npfn * sizeof(u64), len, i;
	u64 id = ++lc->next_id, rid;
	int err;

	desc = kzalloc(dsize, GFP_KERNEL);
	if (!desc)
		return fail(s, "no memory");
	desc->rangecount = 1;
	desc->range.len = bytes;
	desc->range.offset = offset;
	for (i = 0; i < npfn; i++)
		desc->range.pfn_array[i] = pfns[i];
	err = vmbus_sendpacket_mpb_desc(lc->ch, desc, dsize, &m, sizeof(m), id);
	kfree(desc);
	if (err)
		return fail(s, "send: %d", err);
	err = loop_recv(lc, timeout_ms, &r, &len, &rid);
	if (err)
		return fail(s, "no answer: %d", err);
	if (!CHECK(s, r && rid == id && r->op == HVLOOP_OP_GPA,
		   "a wrong answer: id %llu op %u", rid, r ? r->op : 0))
		return false;
	*out = *r;
	return true;
}

static bool scen_gpa(struct scen *s, struct loop_dev *a, struct loop_dev *b)
{
	struct loop_chan *lc = &a->primary;
	u32 off = 100, bytes = 3 * PAGE_SIZE - 200, i;
	struct hvloop_msg r;
	u64 pfns[3];
	struct page *pages;
	bool ok = false;
	u8 *buf;

	pages = alloc_pages(GFP_KERNEL, 2);
	if (!pages)
		return fail(s, "no memory");
	buf = page_address(pages);
	for (i = 0; i < 3; i++)
		pfns[i] = page_to_pfn(pages + i);
	/* The host writes: exactly the bytes of the range. */
	memset(buf, 0xee, 4 * PAGE_SIZE);
	if (!loop_gpa_call(s, lc, pfns, 3, off, bytes, HVLOOP_GPA_WRITE, 77, &r))
		goto out;
	if (!CHECK(s, !r.status && r.arg[0] == bytes,
		   "write: status %u, %u bytes", r.status, r.arg[0]))
		goto out;
	for (i = 0; i < bytes; i++)
		if (buf[off + i] != hvloop_pattern(77, i)) {
			fail(s, "write: byte %u wrong", i);
			goto out;
		}
	if (!CHECK(s, buf[off - 1] == 0xee && buf[off + bytes] == 0xee,
		   "write: bytes outside the range changed"))
		goto out;
	/* The host reads. */
	for (i = 0; i < bytes; i++)
		buf[off + i] = hvloop_pattern(5, i);
	if (!loop_gpa_call(s, lc, pfns, 3, off, bytes, HVLOOP_GPA_SUM, 0, &r))
		goto out;
	if (!CHECK(s, !r.status && r.arg[0] == bytes &&
		   r.arg[1] == hvloop_sum(1, buf + off, bytes),
		   "sum: status %u, %u bytes, %#x (want %#x)", r.status,
		   r.arg[0], r.arg[1], hvloop_sum(1, buf + off, bytes)))
		goto out;
	/* A page that is not ours: refused, and nothing written. */
	memset(buf, 0xee, 4 * PAGE_SIZE);
	pfns[1] = 0xffffff000ull;
	if (!loop_gpa_call(s, lc, pfns, 3, off, bytes, HVLOOP_GPA_WRITE, 3, &r))
		goto out;
	if (!CHECK(s, r.status == EFAULT, "a foreign page: status %u", r.status))
		goto out;
	for (i = 0; i < 4 * PAGE_SIZE; i++)
		if (buf[i] != 0xee) {
			fail(s, "a foreign page: byte %u written all the same", i);
			goto out;
		}
	ok = true;
out:
	__free_pages(pages, 2);
	return ok;
}

/* hv_vmbus's offer work: open each sub-channel as it comes. */
static void loop_sc_create(struct vmbus_channel *sc)
{
	struct loop_dev *ld = hv_get_drvdata(sc->primary_channel->device_obj);
	u16 idx = sc->offermsg.offer.sub_channel_index;
	struct loop_chan *lc;
	int err;

	if (!idx || idx > HVLOOP_MAX_SUBCHANNELS || ld->sub[idx - 1].ch) {
		pr_info("HVTEST loop: an unexpected sub-channel %u\n", idx);
		return;
	}
	lc = &ld->sub[idx - 1];
	err = loop_chan_init(lc, sc);
	if (!err)
		err = vmbus_open(sc, sub_ring_kb * 1024, sub_ring_kb * 1024,
				 NULL, 0, loop_isr, lc);
	if (err) {
		pr_info("HVTEST loop: sub-channel %u does not open: %d\n", idx,
			err);
		loop_chan_free(lc);
		return;
	}
	atomic_inc(&ld->nsub);
	wake_up(&ld->sub_wq);
}

static bool scen_subchannels(struct scen *s, struct loop_dev *a,
			     struct loop_dev *b)
{
	struct hvloop_msg m = {
		.op = HVLOOP_OP_SUBCHANNELS, .arg = { LOOP_NSUB },
	}, *r;
	unsigned int i;
	u32 rlen;

	if (!loop_call(s, &a->primary, &m, 0, &r, &rlen))
		return false;
	if (!CHECK(s, !r->status && r->arg[0] == LOOP_NSUB,
		   "the host gave %u sub-channels (status %u)", r->arg[0],
		   r->status))
		return false;
	if (!CHECK(s, wait_event_timeout(a->sub_wq,
					 atomic_read(&a->nsub) >= LOOP_NSUB,
					 msecs_to_jiffies(timeout_ms)),
		   "%d of %u sub-channels opened", atomic_read(&a->nsub),
		   LOOP_NSUB))
		return false;
	for (i = 0; i < LOOP_NSUB; i++) {
		struct loop_chan *lc = &a->sub[i];
		u32 relid = lc->ch->offermsg.child_relid;

		m.op = HVLOOP_OP_WHO;
		if (!loop_call(s, lc, &m, 0, &r, &rlen))
			return false;
		if (!CHECK(s, r->arg[0] == relid && r->arg[1] == i + 1,
			   "sub-channel %u: the host says relid %u index %u, the guest has relid %u",
			   i + 1, r->arg[0], r->arg[1], relid))
			return false;
		m.op = HVLOOP_OP_ECHO;
		m.arg[0] = 1000 + i;
		if (!loop_call(s, lc, &m, 0, &r, &rlen))
			return false;
		if (!CHECK(s, r->arg[0] == 1000 + i, "sub-channel %u: echo",
			   i + 1))
			return false;
	}
	return true;
}

/* A GPADL request on lc: the answer's status, results in *out. */
static bool loop_gpadl_op(struct scen *s, struct loop_chan *lc, u32 op,
			  u32 handle, u32 a1, u32 a2, struct hvloop_msg *out)
{
	struct hvloop_msg m = { .op = op, .arg = { handle, a1, a2 } }, *r;
	u32 rlen;

	if (!loop_call(s, lc, &m, 0, &r, &rlen))
		return false;
	*out = *r;
	return true;
}

/*
 * A GPADL made on the primary, used through the sub-channels; torn down
 * while the host holds it: the teardown completes only once it let go.
 */
static bool scen_gpadl(struct scen *s, struct loop_dev *a, struct loop_dev *b)
{
	struct loop_chan *sc1 = &a->sub[0], *sc2 = &a->sub[1];
	struct vmbus_channel *ch = a->primary.ch;
	struct vmbus_gpadl gpadl = { 0 };
	struct hvloop_msg r;
	bool ok = false, torn = false;
	u32 h, i, marker;
	s64 ms;
	ktime_t t0;
	u8 *buf;
	int err;

	if (!CHECK(s, atomic_read(&a->nsub) >= LOOP_NSUB,
		   "needs the sub-channels (scenario subchannels first)"))
		return false;
	buf = vzalloc(LOOP_GPADL_SIZE);
	if (!buf)
		return fail(s, "no memory");
	err = vmbus_establish_gpadl(ch, buf, LOOP_GPADL_SIZE, &gpadl);
	if (err) {
		vfree(buf);
		return fail(s, "establish: %d", err);
	}
	h = gpadl.gpadl_handle;
	/* the host writes it, from sub-channel 1 */
	if (!loop_gpadl_op(s, sc1, HVLOOP_OP_GPADL_WRITE, h, 9, 0, &r))
		goto out;
	if (!CHECK(s, !r.status && r.arg[0] == LOOP_GPADL_SIZE,
		   "write: status %u, %u bytes", r.status, r.arg[0]))
		goto out;
	for (i = 0; i < LOOP_GPADL_SIZE; i++)
		if (buf[i] != hvloop_pattern(9, i)) {
			fail(s, "write: byte %u wrong", i);
			goto out;
		}
	/* and reads it, from sub-channel 2 */
	for (i = 0; i < LOOP_GPADL_SIZE; i++)
		buf[i] = hvloop_pattern(11, i);
	if (!loop_gpadl_op(s, sc2, HVLOOP_OP_GPADL_SUM, h, 0, 0, &r))
		goto out;
	if (!CHECK(s, !r.status && r.arg[1] == LOOP_GPADL_SIZE &&
		   r.arg[0] == hvloop_sum(1, buf, LOOP_GPADL_SIZE),
		   "sum: status %u, %u bytes, %#x", r.status, r.arg[1],
		   r.arg[0]))
		goto out;
	/* not the rings of an open channel, not a handle never made */
	if (!loop_gpadl_op(s, &a->primary, HVLOOP_OP_GPADL_WRITE,
			   ch->ringbuffer_gpadlhandle.gpadl_handle, 1, 0, &r))
		goto out;
	if (!CHECK(s, r.status == EBUSY, "the rings' GPADL: status %u",
		   r.status))
		goto out;
	if (!loop_gpadl_op(s, sc1, HVLOOP_OP_GPADL_SUM, 0x7ffffff0, 0, 0, &r))
		goto out;
	if (!CHECK(s, r.status == ENOENT, "an unknown handle: status %u",
		   r.status))
		goto out;
	/* held by the host across a deferred completion, torn down */
	if (!loop_gpadl_op(s, sc1, HVLOOP_OP_GPADL_HOLD, h, hold_ms,
			   LOOP_HOLD_MARKER, &r))
		goto out;
	if (!CHECK(s, !r.status, "hold: status %u", r.status))
		goto out;
	t0 = ktime_get();
	err = vmbus_teardown_gpadl(ch, &gpadl);
	ms = ktime_ms_delta(ktime_get(), t0);
	torn = !err;
	pr_info("HVTEST loop gpadl: teardown took %lld ms (hold %u ms)\n", ms,
		hold_ms);
	if (!CHECK(s, !err, "teardown: %d", err))
		goto out;
	marker = le32_to_cpup((__le32 *)buf);
	if (!CHECK(s, marker == LOOP_HOLD_MARKER && ms >= hold_ms / 2,
		   "the teardown completed after %lld ms (the host holds it %u ms), the host's last write %s",
		   ms, hold_ms, marker == LOOP_HOLD_MARKER ? "seen" : "missing"))
		goto out;
	/* gone for the host too */
	if (!loop_gpadl_op(s, sc2, HVLOOP_OP_GPADL_SUM, h, 0, 0, &r))
		goto out;
	ok = CHECK(s, r.status == ENOENT, "after the teardown: status %u",
		   r.status);
out:
	if (!torn && vmbus_teardown_gpadl(ch, &gpadl))
		return false;	/* the host may hold it: keep the buffer */
	vfree(buf);
	return ok;
}

/* Another device's GPADL is not this device's to use. */
static bool scen_otherdev(struct scen *s, struct loop_dev *a,
			  struct loop_dev *b)
{
	struct vmbus_gpadl gpadl = { 0 };
	struct hvloop_msg r;
	bool ok = false;
	u8 *buf;
	int err;

	if (!CHECK(s, b, "needs a second device (devices=2)"))
		return false;
	buf = vzalloc(4 * PAGE_SIZE);
	if (!buf)
		return fail(s, "no memory");
	err = vmbus_establish_gpadl(b->primary.ch, buf, 4 * PAGE_SIZE, &gpadl);
	if (err) {
		vfree(buf);
		return fail(s, "establish: %d", err);
	}
	if (loop_gpadl_op(s, &a->primary, HVLOOP_OP_GPADL_SUM,
			  gpadl.gpadl_handle, 0, 0, &r))
		ok = CHECK(s, r.status == ENOENT,
			   "device 1 used device 2's GPADL: status %u",
			   r.status);
	if (ok && loop_gpadl_op(s, &b->primary, HVLOOP_OP_GPADL_SUM,
				gpadl.gpadl_handle, 0, 0, &r))
		ok = CHECK(s, !r.status, "device 2's own GPADL: status %u",
			   r.status);
	else
		ok = false;
	if (vmbus_teardown_gpadl(b->primary.ch, &gpadl))
		return false;
	vfree(buf);
	return ok;
}

/*
 * For the host's races (loopback.sh): a GPADL of each device, held by
 * the host for hold_long_ms and not torn down: meanwhile the test
 * removes the second device and stops the VM. The buffers are never
 * freed: the host writes them when it lets go.
 */
static bool scen_hold(struct scen *s, struct loop_dev *a, struct loop_dev *b)
{
	struct loop_dev *d[2] = { a, b };
	struct vmbus_gpadl gpadl;
	struct hvloop_msg r;
	unsigned int i;
	u8 *buf;
	int err;

	if (!CHECK(s, b, "needs a second device (devices=2)"))
		return false;
	for (i = 0; i < 2; i++) {
		buf = vzalloc(4 * PAGE_SIZE);
		if (!buf)
			return fail(s, "no memory");
		memset(&gpadl, 0, sizeof(gpadl));
		err = vmbus_establish_gpadl(d[i]->primary.ch, buf,
					    4 * PAGE_SIZE, &gpadl);
		if (err) {
			vfree(buf);
			return fail(s, "establish: %d", err);
		}
		if (!loop_gpadl_op(s, &d[i]->primary, HVLOOP_OP_GPADL_HOLD,
				   gpadl.gpadl_handle, hold_long_ms,
				   LOOP_HOLD_MARKER, &r))
			return false;
		if (!CHECK(s, !r.status, "hold: status %u", r.status))
			return false;
		pr_info("HVTEST loop hold: device %u gpadl %#x held %u ms\n", i,
			gpadl.gpadl_handle, hold_long_ms);
	}
	return true;
}

/* ---- the benchmark (tools/bench/loop.sh) ---- */

/*
 * scen_bench: for each size of bench_sizes and each count of
 * bench_chans, two cases of bench_ms each, one kernel thread per channel
 * (pinned to a vCPU of its own where there are as many):
 *
 *   g2h  the guest streams SINK packets, which the host consumes without
 *        answering; when the ring is full it asks the host to signal
 *        room (pending_send_sz) and sleeps until then. At the end an
 *        echo on each channel: the host has consumed everything.
 *   rt   round trips: an ECHO of the size, one at a time per channel.
 *
 * Before and after each case the guest waits at the host's GATE (unless
 * bench_gate=0), so that the host reads its counters while the guest is
 * idle. Then one line per case:
 *
 *   HVBENCH loop dir=g2h|rt size=N chans=K pkts=P secs=S guest_irqs=H
 *           chan_irqs=I guest_signals=G ring_full=W
 *
 * pkts: packets sent (g2h) or round trips (rt), all channels; secs: from
 * the start to the last channel's end; guest_irqs: the guest's VMBus
 * interrupts, all CPUs (HYPERVISOR_CALLBACK_VECTOR, /proc/interrupts'
 * HYP line; every channel's and message's); chan_irqs: the interrupts
 * hv_vmbus found for the case's channels (their "interrupts" in sysfs);
 * guest_signals: the guest's signals to the host on them (their
 * "events": every vmbus_setevent); ring_full: sends that found the ring
 * full. A case that fails prints "HVBENCH loop dir=... FAIL why".
 */
#define BENCH_CASES_MAX	64

struct bench_case {
	bool rt;
	u32 size;
	unsigned int nch;
};

struct bench_run {
	const struct bench_case *c;
	ktime_t deadline;
	struct completion go;		/* every thread starts at once */
	atomic_t left;			/* threads not done yet */
	struct completion done;
	bool abort;
};

struct bench_thread {
	struct bench_run *run;
	struct loop_chan *lc;
	struct task_struct *task;
	u64 pkts, full;
	ktime_t end;
	int err;
	const char *where;
};

struct bench_counts {
	u64 hyp, intr, sig;
};

static bool bench_room(struct vmbus_channel *ch, u32 need)
{
	return hv_get_bytes_to_write(&ch->outbound) > need;
}

/* One packet of len bytes from lc->tx; a full ring waits for room. */
static int bench_send(struct bench_thread *t, u32 len, u64 id)
{
	struct vmbus_channel *ch = t->lc->ch;
	/* what hv_ringbuffer_write needs free, and then some */
	u32 need = sizeof(struct vmpacket_descriptor) + ALIGN(len, 8) +
		   sizeof(u64);
	long left;
	int err;

	for (;;) {
		err = vmbus_sendpacket(ch, t->lc->tx, len, id,
				       VM_PKT_DATA_INBAND, 0);
		if (err != -EAGAIN)
			return err;
		t->full++;
		/* The host signals when this much is free (pending_send_sz). */
		set_channel_pending_send_size(ch, need);
		/* pending_send_sz before the room is read: see hv_pkt_iter_close */
		virt_mb();
		left = wait_event_timeout(t->lc->wq, bench_room(ch, need) ||
					  READ_ONCE(t->run->abort) ||
					  ch->rescind,
					  msecs_to_jiffies(timeout_ms));
		set_channel_pending_send_size(ch, 0);
		if (!left)
			return -ETIMEDOUT;
		if (READ_ONCE(t->run->abort))
			return -ECANCELED;
		if (ch->rescind)
			return -ENODEV;
	}
}

/* The echo of request id, of at least len bytes. */
static int bench_echo_wait(struct bench_thread *t, u64 id, u32 len)
{
	struct hvloop_msg *r;
	u32 rlen;
	u64 rid;
	int err;

	err = loop_recv(t->lc, timeout_ms, &r, &rlen, &rid);
	if (err)
		return err;
	if (!r || rid != id || r->op != HVLOOP_OP_ECHO ||
	    rlen < sizeof(struct vmpacket_descriptor) + len)
		return -EPROTO;
	return 0;
}

static int bench_chan(struct bench_thread *t)
{
	const struct bench_case *c = t->run->c;
	struct loop_chan *lc = t->lc;
	struct hvloop_msg *m = (void *)lc->tx;
	u64 id;
	u32 i;
	int err;

	memset(m, 0, sizeof(*m));
	for (i = sizeof(*m); i < c->size; i++)
		lc->tx[i] = hvloop_pattern(c->size, i);
	m->op = c->rt ? HVLOOP_OP_ECHO : HVLOOP_OP_SINK;
	while (ktime_before(ktime_get(), t->run->deadline) &&
	       !READ_ONCE(t->run->abort)) {
		id = ++lc->next_id;
		t->where = "send";
		err = bench_send(t, c->size, id);
		if (!err && c->rt) {
			t->where = "echo";
			err = bench_echo_wait(t, id, c->size);
		}
		if (err)
			return err;
		t->pkts++;
		/* Two channels' threads may share a vCPU. */
		cond_resched();
	}
	if (c->rt)
		return 0;
	/* The host takes a channel's packets in order: this echo is last. */
	m->op = HVLOOP_OP_ECHO;
	id = ++lc->next_id;
	t->where = "the last echo";
	err = bench_send(t, sizeof(*m), id);
	return err ? err : bench_echo_wait(t, id, sizeof(*m));
}

static int bench_thread_fn(void *data)
{
	struct bench_thread *t = data;
	struct bench_run *run = t->run;

	wait_for_completion(&run->go);
	if (!READ_ONCE(run->abort))
		t->err = bench_chan(t);
	t->end = ktime_get();
	if (atomic_dec_and_test(&run->left))
		complete(&run->done);
	/* kthread_stop() reaps us: the caller's state stays ours till then. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void bench_count(struct loop_chan **lcs, unsigned int n,
			struct bench_counts *bc)
{
	unsigned int i;
	int cpu;

	memset(bc, 0, sizeof(*bc));
#ifdef CONFIG_X86_HV_CALLBACK_VECTOR
	for_each_online_cpu(cpu)
		bc->hyp += per_cpu(irq_stat, cpu).irq_hv_callback_count;
#else
	(void)cpu;
#endif
	for (i = 0; i < n; i++) {
		bc->intr += READ_ONCE(lcs[i]->ch->interrupts);
		bc->sig += READ_ONCE(lcs[i]->ch->sig_events);
	}
}

/* The i-th online CPU, round robin. */
static int bench_cpu(unsigned int i)
{
	unsigned int n = i % num_online_cpus();
	int cpu;

	for_each_online_cpu(cpu)
		if (!n--)
			return cpu;
	return -1;
}

/* Wait at the host's gate: case idx, phase 0 before and 1 after. */
static bool bench_gate_wait(struct scen *s, struct loop_dev *a,
			    unsigned int idx, unsigned int phase)
{
	struct hvloop_msg m = {
		.op = HVLOOP_OP_GATE, .arg = { idx, phase },
	}, *r;
	u32 rlen;

	if (!bench_gate)
		return true;
	if (!loop_call(s, &a->primary, &m, 0, &r, &rlen))
		return false;
	return CHECK(s, r->arg[0] == idx && r->arg[1] == phase,
		     "gate %u %u answered as %u %u", idx, phase, r->arg[0],
		     r->arg[1]);
}

/* What a case runs on, and whether its packets fit the rings. */
static bool bench_chans_of(struct scen *s, struct loop_dev *a,
			   const struct bench_case *c, struct loop_chan **lcs)
{
	u32 need = sizeof(struct vmpacket_descriptor) + ALIGN(c->size, 8) +
		   sizeof(u64);
	unsigned int i;

	for (i = 0; i < c->nch; i++) {
		lcs[i] = c->nch == 1 ? &a->primary : &a->sub[i];
		if (!CHECK(s, lcs[i]->ch, "sub-channel %u is not open", i + 1))
			return false;
		if (!CHECK(s, need < lcs[i]->ch->outbound.ring_datasize &&
			   need < lcs[i]->ch->inbound.ring_datasize &&
			   c->size + sizeof(struct vmpacket_descriptor) <=
			   loop_max_pkt,
			   "a packet of %u bytes does not fit (rings of %u bytes, buffers of %u)",
			   c->size, lcs[i]->ch->outbound.ring_datasize,
			   loop_max_pkt))
			return false;
	}
	return true;
}

static bool bench_case(struct scen *s, struct loop_dev *a,
		       const struct bench_case *c, unsigned int idx)
{
	struct bench_thread t[HVLOOP_MAX_SUBCHANNELS] = { };
	struct loop_chan *lcs[HVLOOP_MAX_SUBCHANNELS];
	struct bench_counts b0, b1;
	struct bench_run run = { .c = c };
	u64 pkts = 0, full = 0, sec;
	ktime_t t0, end;
	unsigned int i, n = 0;
	u32 ns;
	bool ok = false;
	int cpu;

	if (!bench_chans_of(s, a, c, lcs))
		return false;
	init_completion(&run.go);
	init_completion(&run.done);
	atomic_set(&run.left, c->nch);
	for (n = 0; n < c->nch; n++) {
		t[n].run = &run;
		t[n].lc = lcs[n];
		t[n].task = kthread_create(bench_thread_fn, &t[n],
					   "hvloop-bench/%u", n);
		if (IS_ERR(t[n].task)) {
			fail(s, "kthread_create: %ld", PTR_ERR(t[n].task));
			goto out;
		}
		cpu = bench_cpu(n);
		if (num_online_cpus() > 1 && cpu >= 0)
			kthread_bind(t[n].task, cpu);
		wake_up_process(t[n].task);
	}
	if (!bench_gate_wait(s, a, idx, 0))
		goto out;
	bench_count(lcs, c->nch, &b0);
	t0 = ktime_get();
	run.deadline = ktime_add_ms(t0, bench_ms);
	complete_all(&run.go);
	if (!wait_for_completion_timeout(&run.done,
					 msecs_to_jiffies(bench_ms + timeout_ms))) {
		fail(s, "the threads did not finish");
		goto out;
	}
	bench_count(lcs, c->nch, &b1);
	end = t0;
	for (i = 0; i < c->nch; i++) {
		if (t[i].err) {
			fail(s, "channel %u: %s: %d", i, t[i].where, t[i].err);
			goto out;
		}
		pkts += t[i].pkts;
		full += t[i].full;
		if (ktime_after(t[i].end, end))
			end = t[i].end;
	}
	if (!bench_gate_wait(s, a, idx, 1))
		goto out;
	sec = div_u64_rem(ktime_to_ns(ktime_sub(end, t0)), NSEC_PER_SEC, &ns);
	pr_info("HVBENCH loop dir=%s size=%u chans=%u pkts=%llu secs=%llu.%06u guest_irqs=%llu chan_irqs=%llu guest_signals=%llu ring_full=%llu\n",
		c->rt ? "rt" : "g2h", c->size, c->nch, pkts, sec,
		ns / (u32)NSEC_PER_USEC,
		b1.hyp - b0.hyp, b1.intr - b0.intr, b1.sig - b0.sig, full);
	ok = true;
out:
	/* Threads that are not done yet stop waiting; all are reaped. */
	WRITE_ONCE(run.abort, true);
	complete_all(&run.go);
	for (i = 0; i < n; i++)
		kthread_stop(t[i].task);
	return ok;
}

/* "a,b,c" into at most max numbers in [lo, hi]: how many, or -EINVAL. */
static int bench_list(const char *str, u32 *out, unsigned int max, u32 lo,
		      u32 hi)
{
	char *copy, *p, *tok;
	int n = 0;

	copy = kstrdup(str, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	for (p = copy; (tok = strsep(&p, ",")); ) {
		if (!*tok)
			continue;
		if (n == max || kstrtou32(tok, 0, &out[n]) ||
		    out[n] < lo || out[n] > hi) {
			n = -EINVAL;
			break;
		}
		n++;
	}
	kfree(copy);
	return n;
}

/* The device's sub-channels, at least n of them, open. */
static bool bench_subchannels(struct scen *s, struct loop_dev *a,
			      unsigned int n)
{
	struct hvloop_msg m = { .op = HVLOOP_OP_SUBCHANNELS, .arg = { n } }, *r;
	u32 rlen;

	if (atomic_read(&a->nsub) >= n)
		return true;
	if (!loop_call(s, &a->primary, &m, 0, &r, &rlen))
		return false;
	if (!CHECK(s, !r->status && r->arg[0] >= n,
		   "the host gave %u sub-channels (status %u)", r->arg[0],
		   r->status))
		return false;
	return CHECK(s, wait_event_timeout(a->sub_wq,
					   atomic_read(&a->nsub) >= n,
					   msecs_to_jiffies(timeout_ms)),
		     "%d of %u sub-channels opened", atomic_read(&a->nsub), n);
}

static bool scen_bench(struct scen *s, struct loop_dev *a, struct loop_dev *b)
{
	u32 sizes[8], chans[HVLOOP_MAX_SUBCHANNELS], maxch = 1;
	struct bench_case c;
	unsigned int i, j, d, idx = 0, nok = 0, nfail = 0;
	int nsizes, nchans;

	nsizes = bench_list(bench_sizes, sizes, ARRAY_SIZE(sizes),
			    sizeof(struct hvloop_msg), 65536);
	nchans = bench_list(bench_chans, chans, ARRAY_SIZE(chans), 1,
			    HVLOOP_MAX_SUBCHANNELS);
	if (!CHECK(s, nsizes > 0 && nchans > 0 && bench_ms,
		   "bench_sizes \"%s\" (32 to 65536), bench_chans \"%s\" (1 to %u), bench_ms %u",
		   bench_sizes, bench_chans, HVLOOP_MAX_SUBCHANNELS, bench_ms))
		return false;
	for (j = 0; j < nchans; j++)
		maxch = max(maxch, chans[j]);
	if (maxch > 1 && !bench_subchannels(s, a, maxch))
		return false;
	pr_info("HVBENCH loop begin cases=%d ms=%u cpus=%u ring_kb=%u sub_ring_kb=%u gate=%d\n",
		2 * nsizes * nchans, bench_ms, num_online_cpus(), ring_kb,
		sub_ring_kb, bench_gate);
	for (i = 0; i < nsizes; i++) {
		for (j = 0; j < nchans; j++) {
			for (d = 0; d < 2; d++) {
				struct scen cs = { .name = "bench" };

				c.rt = d;
				c.size = sizes[i];
				c.nch = chans[j];
				idx++;
				pr_info("HVBENCH loop case %u dir=%s size=%u chans=%u\n",
					idx, c.rt ? "rt" : "g2h", c.size, c.nch);
				if (bench_case(&cs, a, &c, idx)) {
					nok++;
					continue;
				}
				nfail++;
				pr_info("HVBENCH loop dir=%s size=%u chans=%u FAIL %s\n",
					c.rt ? "rt" : "g2h", c.size, c.nch,
					cs.why);
			}
		}
	}
	pr_info("HVBENCH loop end: %u ok, %u failed\n", nok, nfail);
	return CHECK(s, !nfail, "%u of %u cases failed", nfail, idx);
}

static const struct {
	const char *name;
	bool (*fn)(struct scen *s, struct loop_dev *a, struct loop_dev *b);
} loop_scens[] = {
	{ "echo",		scen_echo },
	{ "who",		scen_who },
	{ "largest",		scen_largest },
	{ "fill_h2g",		scen_fill_h2g },
	{ "fill_g2h",		scen_fill_g2h },
	{ "gpa",		scen_gpa },
	{ "subchannels",	scen_subchannels },
	{ "gpadl",		scen_gpadl },
	{ "otherdev",		scen_otherdev },
	{ "hold",		scen_hold },
	{ "bench",		scen_bench },
};

static bool loop_run(const char *name, struct loop_dev *a, struct loop_dev *b)
{
	struct scen s = { .name = name };
	unsigned int i;
	bool ok;

	for (i = 0; i < ARRAY_SIZE(loop_scens); i++)
		if (!strcmp(loop_scens[i].name, name))
			break;
	if (i == ARRAY_SIZE(loop_scens)) {
		fail(&s, "no such scenario");
		ok = false;
	} else {
		ok = loop_scens[i].fn(&s, a, b) && !s.failed;
	}
	if (ok)
		pr_info("HVTEST loop %s ok\n", name);
	else
		pr_info("HVTEST loop %s FAIL %s\n", name, s.why);
	return ok;
}

/* ---- the driver ---- */

/* A device probed: is it there, does it echo? */
static void loop_check(struct work_struct *work)
{
	struct loop_dev *ld = container_of(work, struct loop_dev, check);
	struct hvloop_msg m = { .op = HVLOOP_OP_ECHO, .arg = { 42 } }, *r;
	struct scen s = { .name = "probe" };
	u32 rlen;

	mutex_lock(&ld->io_lock);
	if (loop_call(&s, &ld->primary, &m, 0, &r, &rlen))
		CHECK(&s, r->arg[0] == 42, "echo changed");
	mutex_unlock(&ld->io_lock);
	if (s.failed)
		pr_info("HVTEST loop probe %s FAIL %s\n",
			dev_name(&ld->hdev->device), s.why);
	else
		pr_info("HVTEST loop probe %s ok\n",
			dev_name(&ld->hdev->device));
}

static int loop_probe(struct hv_device *hdev,
		      const struct hv_vmbus_device_id *id)
{
	struct loop_dev *ld = kzalloc(sizeof(*ld), GFP_KERNEL);
	int err;

	if (!ld)
		return -ENOMEM;
	ld->hdev = hdev;
	mutex_init(&ld->io_lock);
	init_waitqueue_head(&ld->sub_wq);
	INIT_WORK(&ld->check, loop_check);
	hv_set_drvdata(hdev, ld);
	err = loop_chan_init(&ld->primary, hdev->channel);
	if (err)
		goto err;
	vmbus_set_sc_create_callback(hdev->channel, loop_sc_create);
	err = vmbus_open(hdev->channel, ring_kb * 1024, ring_kb * 1024, NULL,
			 0, loop_isr, &ld->primary);
	if (err)
		goto err;
	mutex_lock(&loop_devs_lock);
	list_add_tail(&ld->node, &loop_devs);
	loop_ndevs++;
	mutex_unlock(&loop_devs_lock);
	wake_up(&loop_devs_wq);
	schedule_work(&ld->check);
	return 0;
err:
	pr_info("HVTEST loop probe %s FAIL open: %d\n", dev_name(&hdev->device),
		err);
	loop_chan_free(&ld->primary);
	kfree(ld);
	return err;
}

static void loop_remove_dev(struct hv_device *hdev)
{
	struct loop_dev *ld = hv_get_drvdata(hdev);
	unsigned int i;

	mutex_lock(&loop_devs_lock);
	list_del(&ld->node);
	loop_ndevs--;
	mutex_unlock(&loop_devs_lock);
	wake_up(&loop_devs_wq);
	cancel_work_sync(&ld->check);
	mutex_lock(&ld->io_lock);
	/* The sub-channels close with it. */
	vmbus_close(hdev->channel);
	mutex_unlock(&ld->io_lock);
	pr_info("HVTEST loop remove %s\n", dev_name(&hdev->device));
	for (i = 0; i < HVLOOP_MAX_SUBCHANNELS; i++)
		loop_chan_free(&ld->sub[i]);
	loop_chan_free(&ld->primary);
	kfree(ld);
}

/* 6.1's remove returns int, 6.3's and later's nothing: the driver's type picks. */
static int loop_remove_int(struct hv_device *hdev)
{
	loop_remove_dev(hdev);
	return 0;
}

static void loop_remove_void(struct hv_device *hdev)
{
	loop_remove_dev(hdev);
}

#define LOOP_REMOVE(t)	_Generic(((t *)NULL)->remove,			\
	int (*)(struct hv_device *) : loop_remove_int,			\
	void (*)(struct hv_device *) : loop_remove_void)

static const struct hv_vmbus_device_id loop_ids[] = {
	{ .guid = HVLOOP_CLASS_GUID },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, loop_ids);

static struct hv_driver loop_drv = {
	.name = "hvkvm_loop",
	.id_table = loop_ids,
	.probe = loop_probe,
	.remove = LOOP_REMOVE(struct hv_driver),
	.driver = {
		.probe_type = PROBE_PREFER_ASYNCHRONOUS,
	},
};

/* The first two devices, io_lock held: the scenarios' own. */
static unsigned int loop_take(struct loop_dev **a, struct loop_dev **b)
{
	struct loop_dev *ld;
	unsigned int n = 0;

	*a = NULL;
	*b = NULL;
	mutex_lock(&loop_devs_lock);
	list_for_each_entry(ld, &loop_devs, node) {
		if (!n)
			*a = ld;
		else if (n == 1)
			*b = ld;
		n++;
	}
	if (*a)
		mutex_lock(&(*a)->io_lock);
	if (*b)
		mutex_lock_nested(&(*b)->io_lock, SINGLE_DEPTH_NESTING);
	mutex_unlock(&loop_devs_lock);
	return n;
}

/*
 * "subrace": sub-channel requests racing the device's removal. For each
 * of subrace_rounds devices (the host adds one, waits for "hammering",
 * removes it): send SUBCHANNELS_BATCH requests on the primary without
 * waiting, read their answers, again, until the host rescinds the
 * device; then let its removal go on. Every answer must be one the
 * protocol allows: the sub-channels (0, LOOP_NSUB), EBUSY (the previous
 * request waits) or ENODEV (the device is going). The host's side checks
 * that the removal ends, the device is released, the kernel log stays
 * clean.
 */
#define SUBRACE_BATCH	8

static bool subrace_answer(struct scen *s, struct loop_chan *lc,
			   unsigned int *busy, unsigned int *nodev)
{
	struct hvloop_msg *r;
	u32 len;
	u64 id;
	int err;

	err = loop_recv(lc, timeout_ms, &r, &len, &id);
	if (err)
		return err == -ENODEV ? false : fail(s, "no answer: %d", err);
	if (!r || r->op != HVLOOP_OP_SUBCHANNELS)
		return fail(s, "a wrong answer: op %u", r ? r->op : 0);
	if (r->status == EBUSY)
		(*busy)++;
	else if (r->status == ENODEV)
		(*nodev)++;
	else if (r->status || r->arg[0] != LOOP_NSUB)
		return fail(s, "status %u, %u sub-channels", r->status,
			    r->arg[0]);
	return true;
}

static bool subrace_round(struct scen *s, unsigned int round)
{
	struct hvloop_msg m = {
		.op = HVLOOP_OP_SUBCHANNELS, .arg = { LOOP_NSUB },
	};
	unsigned int sent = 0, answers = 0, busy = 0, nodev = 0, i, n;
	struct loop_dev *ld;
	struct loop_chan *lc;
	int err = 0;

	if (!wait_event_timeout(loop_devs_wq, READ_ONCE(loop_ndevs),
				msecs_to_jiffies(timeout_ms)))
		return fail(s, "round %u: no device", round);
	mutex_lock(&loop_devs_lock);
	ld = list_first_entry_or_null(&loop_devs, struct loop_dev, node);
	if (ld) {
		/* Its probe's echo first (the removal waits for the lock). */
		flush_work(&ld->check);
		mutex_lock(&ld->io_lock);
	}
	mutex_unlock(&loop_devs_lock);
	if (!ld)
		return fail(s, "round %u: the device went", round);
	lc = &ld->primary;
	while (!lc->ch->rescind && !s->failed) {
		for (n = 0; n < SUBRACE_BATCH; n++) {
			memcpy(lc->tx, &m, sizeof(m));
			err = vmbus_sendpacket(lc->ch, lc->tx, sizeof(m),
					       ++lc->next_id,
					       VM_PKT_DATA_INBAND, 0);
			if (err)
				break;
		}
		sent += n;
		for (i = 0; i < n; i++) {
			if (!subrace_answer(s, lc, &busy, &nodev))
				break;
			answers++;
		}
		if (i < n || (err && err != -EAGAIN))
			break;
		if (sent == SUBRACE_BATCH)
			pr_info("HVTEST loop subrace round %u hammering %s\n",
				round, dev_name(&ld->hdev->device));
	}
	pr_info("HVTEST loop subrace round %u: %u requests, %u answers (%u busy, %u nodev), rescinded %d\n",
		round, sent, answers, busy, nodev, lc->ch->rescind);
	CHECK(s, lc->ch->rescind, "round %u: stopped before the rescind (send %d)",
	      round, err);
	/* Its removal waits for this. */
	mutex_unlock(&ld->io_lock);
	/* The next device is a new one. */
	wait_event_timeout(loop_devs_wq, !READ_ONCE(loop_ndevs),
			   msecs_to_jiffies(timeout_ms));
	return !s->failed;
}

static bool loop_subrace(void)
{
	struct scen s = { .name = "subrace" };
	unsigned int round;

	for (round = 1; round <= subrace_rounds && !s.failed; round++)
		subrace_round(&s, round);
	if (s.failed)
		pr_info("HVTEST loop subrace FAIL %s\n", s.why);
	else
		pr_info("HVTEST loop subrace ok\n");
	return !s.failed;
}

/* Is scenario name in the list? */
static bool loop_listed(const char *name)
{
	size_t len = strlen(name);
	const char *p;

	for (p = scenarios; (p = strstr(p, name)); p += len)
		if ((p == scenarios || p[-1] == ',') &&
		    (!p[len] || p[len] == ','))
			return true;
	return false;
}

/* The benchmark's packets need larger buffers: its largest size. */
static int loop_params(void)
{
	u32 sizes[8], i;
	int n;

	if (ring_kb < 8 || ring_kb > 1024 || ring_kb % 4 ||
	    sub_ring_kb < 8 || sub_ring_kb > 1024 || sub_ring_kb % 4)
		return -EINVAL;
	if (!loop_listed("bench"))
		return 0;
	n = bench_list(bench_sizes, sizes, ARRAY_SIZE(sizes),
		       sizeof(struct hvloop_msg), 65536);
	for (i = 0; n > 0 && i < n; i++)
		loop_max_pkt = max_t(u32, loop_max_pkt,
				     sizeof(struct vmpacket_descriptor) +
				     ALIGN(sizes[i], 8));
	return 0;
}

static int __init loop_init(void)
{
	unsigned int nok = 0, nfail = 0, n;
	struct loop_dev *a, *b;
	char *list, *p, *name;
	int err;

	err = loop_params();
	if (err) {
		pr_info("HVTEST loop done: 0 ok, 1 failed (ring_kb %u, sub_ring_kb %u: 8 to 1024, a multiple of 4)\n",
			ring_kb, sub_ring_kb);
		return err;
	}
	err = vmbus_driver_register(&loop_drv);
	if (err) {
		pr_info("HVTEST loop done: 0 ok, 1 failed (register: %d)\n", err);
		return err;
	}
	if (!strcmp(scenarios, "subrace")) {
		n = loop_subrace();
		pr_info("HVTEST loop done: %u ok, %u failed\n", n, !n);
		return 0;
	}
	wait_event_timeout(loop_devs_wq, READ_ONCE(loop_ndevs) >= devices,
			   msecs_to_jiffies(timeout_ms));
	list = kstrdup(scenarios, GFP_KERNEL);
	n = loop_take(&a, &b);
	if (!list || !n || n < devices) {
		pr_info("HVTEST loop setup FAIL %u of %u devices\n", n, devices);
		nfail++;
	} else {
		for (p = list; (name = strsep(&p, ",")); )
			if (*name && loop_run(name, a, b))
				nok++;
			else if (*name)
				nfail++;
	}
	if (b)
		mutex_unlock(&b->io_lock);
	if (a)
		mutex_unlock(&a->io_lock);
	kfree(list);
	pr_info("HVTEST loop done: %u ok, %u failed\n", nok, nfail);
	return 0;
}

static void __exit loop_exit(void)
{
	vmbus_driver_unregister(&loop_drv);
}

module_init(loop_init);
module_exit(loop_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvkvm loopback test device (guest side): for tests only");
