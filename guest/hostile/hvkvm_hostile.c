// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm_hostile: a hostile VMBus guest, for the host's robustness tests.
 *
 * Loaded into an L2 guest that runs WITHOUT hv_vmbus, it speaks VMBus by
 * itself with raw hypercalls, KVM-selftest style: it enables its own SynIC
 * message and event pages (SINT 2 stays masked: it polls the message slot),
 * posts with HvPostMessage from a page-aligned input page and rings
 * channels with the fast HvSignalEvent. Then it breaks the rules on
 * purpose, and checks that the host answers what it must answer (with a
 * failure), stays silent where it must, and keeps serving the bus.
 *
 * scenario=msgs   garbage messages before and after contact, unknown ids,
 *                 a flood of posts, signals on every unopened connection
 * scenario=gpadl  GPADLs that lie: foreign pages, too many pages, unknown
 *                 and duplicate handles
 * scenario=ring   an IC channel opened properly, then lying ring indices
 *                 and packets, a corrupt read index, a doorbell storm
 * scenario=subch  the loopback test device (include/hvkvm/loop_proto.h),
 *                 which the test adds to the VM: sub-channels asked for,
 *                 asked again (no new offer) and beyond the class's max
 *                 (fewer, no error); opened twice, on another channel's
 *                 rings, before their offer; a GPADL of the primary used
 *                 from the sub-channels, another device's refused, torn
 *                 down under another device's relid (it stays whole),
 *                 torn down while the host holds it (TORNDOWN only after
 *                 the host let go), twice; an open sub-channel's rings
 *                 torn down (closed, then TORNDOWN); the primary closed
 *                 with sub-channels open (every sub-channel rescinded
 *                 before anything else); new sub-channels held until the
 *                 rescinded ones are released; UNLOAD and a new
 *                 INITIATE_CONTACT with sub-channels open and a torn-down
 *                 GPADL held (nothing but the answer, no TORNDOWN ever,
 *                 no write to our pages after UNLOAD_RESPONSE, and the new
 *                 connection served: the primary only, then new ones)
 * scenario=storage the synthetic SCSI controller (kmod/vsp_storage), to
 *                 which hostile.sh gives a disk: requests before the
 *                 initialisation, storvsc's initialisation, unknown and
 *                 repeated operations; addresses where no disk is; buffers
 *                 in pages that are not ours; packets that break the
 *                 protocol (each fails the channel, which is opened
 *                 again); 300 requests whose replies the ring has no room
 *                 for; CREATE_SUB_CHANNELS twice at once; a close with
 *                 requests in flight
 *
 * Every step logs "HOSTILE <step>: ok|FAIL: <what it saw>"; the end is
 * "HOSTILE done: N checks, M failed". Every wait for the host has a
 * time-out (timeout_ms), so the test never hangs on a silent host.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/smp.h>
#include <linux/cpu.h>
#include <linux/bitmap.h>
#include <linux/sizes.h>
#include <asm/mshyperv.h>

#include <hvkvm/vmbus_proto.h>
#include <hvkvm/ic_proto.h>
#include <hvkvm/loop_proto.h>
#include <hvkvm/stor_proto.h>

static char *scenario = "msgs";
module_param(scenario, charp, 0444);
MODULE_PARM_DESC(scenario, "msgs, gpadl, ring, subch or storage");

static unsigned int timeout_ms = 8000;
module_param(timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "how long to wait for each answer of the host");

static unsigned int hold_ms;
module_param(hold_ms, uint, 0444);
MODULE_PARM_DESC(hold_ms, "ring: leave the failed channel open this long, for the host's tools");

#define SINT_MASKED		BIT_ULL(16)
#define SINT_VECTOR		0xf3
#define QUIET_MS		1500	/* "no answer" means none in this long */

#define RING_PAGES		8	/* 4 each way: a header and 3 data pages */
#define RING_DS			4	/* the host -> guest ring's first page */
#define RING_SIZE		((RING_DS - 1) * PAGE_SIZE)

/* HvPostMessage's input block (drivers/hv/hyperv_vmbus.h, private there) */
struct hostile_post {
	u32 connection_id;
	u32 reserved;
	u32 message_type;
	u32 payload_size;
	u8 payload[VMB_MSG_MAX];
} __packed;

struct hostile_offer {
	u32 relid;
	u32 conn_id;
	struct vmb_guid if_type;
	struct vmb_guid if_instance;
	u16 sub;
};

#define OFFERS_MAX	16

static struct hostile {
	struct hv_message_page *simp;
	void *siefp;
	void *post_page;
	struct page *ring_pages;
	void *ring;
	u32 vp;
	u32 msg_conn;		/* where messages go after contact */
	unsigned int checks, failed;
	struct hostile_offer offers[OFFERS_MAX];
	unsigned int noffers;
	bool leak;		/* the host may still hold our pages */
} h;

/* ---- reporting ---- */

static __printf(3, 4) bool check(bool ok, const char *step, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	h.checks++;
	if (!ok)
		h.failed++;
	pr_info("HOSTILE %s: %s: %pV\n", step, ok ? "ok" : "FAIL", &vaf);
	va_end(args);
	return ok;
}

#define note(step, fmt, ...) pr_info("HOSTILE %s: " fmt "\n", step, ##__VA_ARGS__)

/* ---- SynIC and hypercalls ---- */

static int synic_enable(void)
{
	u64 vp;

	h.simp = (void *)get_zeroed_page(GFP_KERNEL);
	h.siefp = (void *)get_zeroed_page(GFP_KERNEL);
	h.post_page = (void *)get_zeroed_page(GFP_KERNEL);
	h.ring_pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, get_order(RING_PAGES * PAGE_SIZE));
	if (!h.simp || !h.siefp || !h.post_page || !h.ring_pages)
		return -ENOMEM;
	h.ring = page_address(h.ring_pages);
	rdmsrl(HV_X64_MSR_VP_INDEX, vp);
	h.vp = (u32)vp;
	/* SINT 2 masked: nothing interrupts us, we poll the slot. */
	wrmsrl(HV_X64_MSR_SINT0 + VMB_MESSAGE_SINT, SINT_MASKED | SINT_VECTOR);
	wrmsrl(HV_X64_MSR_SIEFP, virt_to_phys(h.siefp) | 1);
	wrmsrl(HV_X64_MSR_SIMP, virt_to_phys(h.simp) | 1);
	wrmsrl(HV_X64_MSR_SCONTROL, 1);
	note("setup", "SynIC on vp %u: simp %#llx siefp %#llx, SINT2 masked", h.vp,
	     (u64)virt_to_phys(h.simp), (u64)virt_to_phys(h.siefp));
	return 0;
}

static void synic_disable(void)
{
	wrmsrl(HV_X64_MSR_SCONTROL, 0);
	wrmsrl(HV_X64_MSR_SIMP, 0);
	wrmsrl(HV_X64_MSR_SIEFP, 0);
}

static void free_all(void)
{
	if (h.leak) {
		/* The host did not confirm it let go: never reuse them. */
		note("cleanup", "leaving the SynIC and ring pages allocated");
		return;
	}
	free_page((unsigned long)h.simp);
	free_page((unsigned long)h.siefp);
	free_page((unsigned long)h.post_page);
	if (h.ring_pages)
		__free_pages(h.ring_pages, get_order(RING_PAGES * PAGE_SIZE));
}

/* Post size bytes of payload (copied: at most 240) at offset off of the input page. */
static u16 post_raw(u32 off, u32 conn, u32 type, const void *payload, u32 size)
{
	struct hostile_post *in = h.post_page + off;

	memset(h.post_page, 0, PAGE_SIZE);
	in->connection_id = conn;
	in->message_type = type;
	in->payload_size = size;
	if (payload)
		memcpy(in->payload, payload, min_t(u32, size, VMB_MSG_MAX));
	return hv_result(hv_do_hypercall(HVCALL_POST_MESSAGE, in, NULL));
}

static u16 post_conn(u32 conn, const void *msg, u32 size)
{
	return post_raw(0, conn, VMB_HVMSG_TYPE, msg, size);
}

/* A message to the host; a full queue is retried for a while, like Linux. */
static u16 post(const void *msg, u32 size)
{
	unsigned int tries;
	u16 st = 0;

	for (tries = 0; tries < 200; tries++) {
		st = post_conn(h.msg_conn, msg, size);
		if (st != HV_STATUS_INSUFFICIENT_BUFFERS)
			break;
		usleep_range(1000, 2000);
	}
	return st;
}

static u16 signal_event(u64 conn)
{
	return hv_result(hv_do_fast_hypercall8(HVCALL_SIGNAL_EVENT, conn));
}

/* The next message in slot 2 within ms, or -ETIMEDOUT. buf holds 240 bytes. */
static int recv_msg(void *buf, unsigned int ms)
{
	struct hv_message *slot = &h.simp->sint_message[VMB_MESSAGE_SINT];
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	unsigned int spins = 0;
	u32 type, len;

	for (;;) {
		type = READ_ONCE(slot->header.message_type);
		if (type != HVMSG_NONE)
			break;
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		if (++spins < 200)
			cpu_relax();
		else
			usleep_range(200, 400);
	}
	/* the payload only after the type that hands it over */
	virt_rmb();
	len = min_t(u32, slot->header.payload_size, VMB_MSG_MAX);
	memset(buf, 0, VMB_MSG_MAX);
	memcpy(buf, slot->u.payload, len);
	/* as vmbus_signal_eom(): free the slot, then look for more */
	if (cmpxchg(&slot->header.message_type, type, HVMSG_NONE) != type)
		return -EIO;
	/* the slot freed before msg_pending is read */
	mb();
	if (slot->header.message_flags.msg_pending)
		wrmsrl(HV_X64_MSR_EOM, 0);
	if (type != VMB_HVMSG_TYPE) {
		note("recv", "a SynIC message of type %#x, skipped", type);
		return 0;
	}
	return len;
}

/*
 * The next message of type want within ms; others are noted and skipped.
 * Returns its length, or -ETIMEDOUT.
 */
static int wait_msg(u32 want, void *buf, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	int n;

	for (;;) {
		long left = (long)(end - jiffies);

		if (left <= 0)
			return -ETIMEDOUT;
		n = recv_msg(buf, jiffies_to_msecs(left));
		if (n < 0)
			return n;
		if (n >= (int)sizeof(struct vmb_msg_hdr) &&
		    ((struct vmb_msg_hdr *)buf)->msgtype == want)
			return n;
		if (n)
			note("recv", "skipped a %u-byte message of type %u while waiting for %u",
			     n, ((struct vmb_msg_hdr *)buf)->msgtype, want);
	}
}

/* Nothing arrives for ms: returns the type of what came, or -1. */
static int expect_quiet(unsigned int ms)
{
	u8 buf[VMB_MSG_MAX];
	int n = recv_msg(buf, ms);

	if (n == -ETIMEDOUT)
		return -1;
	return n >= 8 ? (int)((struct vmb_msg_hdr *)buf)->msgtype : 0;
}

/* Read and count whatever arrives until it is quiet for ms. */
static unsigned int drain(u32 type, unsigned int ms, unsigned int *others)
{
	u8 buf[VMB_MSG_MAX];
	unsigned int n = 0;
	int len;

	*others = 0;
	while ((len = recv_msg(buf, ms)) != -ETIMEDOUT) {
		if (len >= 8 && ((struct vmb_msg_hdr *)buf)->msgtype == type)
			n++;
		else
			(*others)++;
	}
	return n;
}

/* ---- protocol helpers ---- */

static void hdr(void *m, u32 type)
{
	((struct vmb_msg_hdr *)m)->msgtype = type;
	((struct vmb_msg_hdr *)m)->padding = 0;
}

/* INITIATE_CONTACT; returns version_supported, or -1 without an answer. */
static int contact(u32 conn, u32 version, u32 *conn_out)
{
	struct vmb_msg_initiate_contact m = {
		.version = version,
		.target_vcpu = h.vp,
		.msg_sint = VMB_MESSAGE_SINT,
	};
	struct vmb_msg_version_response *r;
	u8 buf[VMB_MSG_MAX];
	u16 st;

	hdr(&m, VMB_MSG_INITIATE_CONTACT);
	st = post_conn(conn, &m, sizeof(m));
	if (st)
		return -(int)st - 1000;
	if (wait_msg(VMB_MSG_VERSION_RESPONSE, buf, timeout_ms) < 0)
		return -1;
	r = (void *)buf;
	if (conn_out)
		*conn_out = r->msg_conn_id;
	return r->version_supported;
}

static bool guid_eq(const struct vmb_guid *a, const struct vmb_guid a2)
{
	return !memcmp(a->b, a2.b, sizeof(a2.b));
}

static const char *class_name(const struct vmb_guid *g)
{
	if (guid_eq(g, (struct vmb_guid)VMB_GUID_HEARTBEAT))
		return "heartbeat";
	if (guid_eq(g, (struct vmb_guid)VMB_GUID_SHUTDOWN))
		return "shutdown";
	if (guid_eq(g, (struct vmb_guid)VMB_GUID_TIMESYNC))
		return "timesync";
	if (guid_eq(g, (struct vmb_guid)VMB_GUID_KVP))
		return "kvp";
	if (guid_eq(g, (struct vmb_guid)VMB_GUID_SCSI))
		return "scsi";
	if (guid_eq(g, (struct vmb_guid)VMB_GUID_NIC))
		return "nic";
	if (guid_eq(g, (struct vmb_guid)HVLOOP_CLASS_GUID))
		return "loopback";
	return "other";
}

/* REQUESTOFFERS: collect the offers up to ALLOFFERS_DELIVERED. */
static int request_offers(const char *step)
{
	struct vmb_msg_hdr m;
	u8 buf[VMB_MSG_MAX];
	unsigned long end;
	bool all = false;
	u16 st;

	h.noffers = 0;
	hdr(&m, VMB_MSG_REQUESTOFFERS);
	st = post(&m, sizeof(m));
	if (!check(!st, step, "REQUESTOFFERS posted (status %u)", st))
		return -EIO;
	end = jiffies + msecs_to_jiffies(timeout_ms);
	while (!all && time_before(jiffies, end)) {
		struct vmb_msg_offer *o = (void *)buf;
		int n = recv_msg(buf, timeout_ms);

		if (n < 8)
			break;
		if (o->hdr.msgtype == VMB_MSG_ALLOFFERS_DELIVERED) {
			all = true;
		} else if (o->hdr.msgtype == VMB_MSG_OFFERCHANNEL && n >= (int)sizeof(*o)) {
			note(step, "offer relid %u conn %#x class %s sub %u", o->child_relid,
			     o->connection_id, class_name(&o->if_type), o->sub_channel_index);
			/* The ICs: message-mode pipes, as Hyper-V offers them. */
			if (o->sub_channel_index == 0 &&
			    strcmp(class_name(&o->if_type), "other") &&
			    strcmp(class_name(&o->if_type), "scsi") &&
			    strcmp(class_name(&o->if_type), "nic") &&
			    strcmp(class_name(&o->if_type), "loopback"))
				check(o->chn_flags == (VMB_CHN_FLAG_ENUMERATE_DEVICE_INTERFACE |
						       VMB_CHN_FLAG_NAMED_PIPE_MODE) &&
				      o->user_def[0] == VMB_PIPE_MODE_MESSAGE &&
				      !o->user_def[1] && !o->user_def[2] && !o->user_def[3],
				      step, "offer of %s: flags %#x, pipe mode %u",
				      class_name(&o->if_type), o->chn_flags, o->user_def[0]);
			if (h.noffers < OFFERS_MAX) {
				h.offers[h.noffers].relid = o->child_relid;
				h.offers[h.noffers].conn_id = o->connection_id;
				h.offers[h.noffers].if_type = o->if_type;
				h.offers[h.noffers].if_instance = o->if_instance;
				h.offers[h.noffers].sub = o->sub_channel_index;
				h.noffers++;
			}
		} else {
			note(step, "skipped a message of type %u", o->hdr.msgtype);
		}
	}
	check(all && h.noffers > 0, step, "%u offers, then ALLOFFERS_DELIVERED %s",
	      h.noffers, all ? "arrived" : "never came");
	return all ? 0 : -ETIMEDOUT;
}

static const struct hostile_offer *find_offer(const char *cls)
{
	unsigned int i;

	for (i = 0; i < h.noffers; i++)
		if (!strcmp(class_name(&h.offers[i].if_type), cls))
			return &h.offers[i];
	return NULL;
}

/* Contact at 5.3 and take the offers: what every scenario starts from. */
static int connect_bus(const char *step)
{
	int ok = contact(VMB_MESSAGE_CONN_ID_4, VMB_VERSION_WS2022, &h.msg_conn);

	if (!check(ok == 1 && h.msg_conn, step,
		   "INITIATE_CONTACT 5.3 on conn 4: version_supported %d, msg_conn_id %u",
		   ok, h.msg_conn))
		return -EIO;
	return request_offers(step);
}

/* UNLOAD must get UNLOAD_RESPONSE: the host then holds none of our pages. */
static void unload_bus(const char *step)
{
	struct vmb_msg_hdr m;
	u8 buf[VMB_MSG_MAX];
	int n;

	hdr(&m, VMB_MSG_UNLOAD);
	post(&m, sizeof(m));
	n = wait_msg(VMB_MSG_UNLOAD_RESPONSE, buf, timeout_ms);
	if (!check(n >= 0, step, "UNLOAD answered with UNLOAD_RESPONSE (%d)", n))
		h.leak = true;
}

/* GPADL_TEARDOWN: returns true when GPADL_TORNDOWN for handle arrives. */
static bool teardown(u32 relid, u32 handle)
{
	struct vmb_msg_gpadl_teardown m = { .child_relid = relid, .gpadl = handle };
	struct vmb_msg_gpadl_torndown *r;
	u8 buf[VMB_MSG_MAX];

	hdr(&m, VMB_MSG_GPADL_TEARDOWN);
	if (post(&m, sizeof(m)))
		return false;
	if (wait_msg(VMB_MSG_GPADL_TORNDOWN, buf, timeout_ms) < 0)
		return false;
	r = (void *)buf;
	return r->gpadl == handle;
}

/*
 * A GPADL_HEADER of one range: byte_count bytes, npfn PFNs listed
 * (announced: ann_pfns) from pfns; the rest of the listed PFNs go in
 * bodies. Returns the status of GPADL_CREATED, or -1 when none came
 * within wait_ms (0: do not wait).
 */
static s64 gpadl_send(u32 relid, u32 handle, const u64 *pfns, u32 npfn, u32 ann_pfns,
		      unsigned int wait_ms)
{
	u8 msg[VMB_MSG_MAX] __aligned(8);
	struct vmb_msg_gpadl_header *g = (void *)msg;
	struct vmb_msg_gpadl_body *b = (void *)msg;
	struct vmb_msg_gpadl_created *r;
	struct vmb_gpa_range range = {
		.byte_count = ann_pfns * PAGE_SIZE,
		.byte_offset = 0,
	};
	u32 in_hdr = min_t(u32, npfn, 26), done, n;
	u8 buf[VMB_MSG_MAX];

	memset(msg, 0, sizeof(msg));
	hdr(g, VMB_MSG_GPADL_HEADER);
	g->child_relid = relid;
	g->gpadl = handle;
	g->range_buflen = sizeof(range) + 8 * ann_pfns;
	g->rangecount = 1;
	memcpy(g->range, &range, sizeof(range));
	memcpy(g->range + sizeof(range), pfns, 8 * in_hdr);
	if (post(g, sizeof(*g) + sizeof(range) + 8 * in_hdr))
		return -2;
	for (done = in_hdr; done < npfn; done += n) {
		n = min_t(u32, npfn - done, 28);
		memset(msg, 0, sizeof(msg));
		hdr(b, VMB_MSG_GPADL_BODY);
		b->gpadl = handle;
		memcpy(b->data, pfns + done, 8 * n);
		if (post(b, sizeof(*b) + 8 * n))
			return -2;
	}
	if (!wait_ms)
		return 0;
	if (wait_msg(VMB_MSG_GPADL_CREATED, buf, wait_ms) < 0)
		return -1;
	r = (void *)buf;
	if (r->gpadl != handle || r->child_relid != relid)
		note("gpadl", "GPADL_CREATED for relid %u gpadl %#x, not %u %#x",
		     r->child_relid, r->gpadl, relid, handle);
	return r->status;
}

static void ring_pfns(u64 *pfns, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		pfns[i] = page_to_pfn(h.ring_pages) + i;
}

/* OPENCHANNEL; returns the result's status, or -1 without an answer. */
static s64 open_chan(u32 relid, u32 openid, u32 gpadl, u32 ds, u32 size)
{
	struct vmb_msg_open m = {
		.child_relid = relid,
		.openid = openid,
		.ring_gpadl = gpadl,
		.target_vp = h.vp,
		.downstream_offset = ds,
	};
	struct vmb_msg_open_result *r;
	u8 buf[VMB_MSG_MAX];

	hdr(&m, VMB_MSG_OPENCHANNEL);
	if (post(&m, size))
		return -2;
	if (wait_msg(VMB_MSG_OPENCHANNEL_RESULT, buf, timeout_ms) < 0)
		return -1;
	r = (void *)buf;
	if (r->child_relid != relid || r->openid != openid)
		note("open", "OPENCHANNEL_RESULT for %u/%u, not %u/%u", r->child_relid,
		     r->openid, relid, openid);
	return r->status;
}

static void close_chan(u32 relid)
{
	struct vmb_msg_relid m = { .child_relid = relid };

	hdr(&m, VMB_MSG_CLOSECHANNEL);
	post(&m, sizeof(m));
}

/* ---- scenario msgs ---- */

static void scenario_msgs(void)
{
	static const u32 bad_sizes[] = { 241, 248, 256, 4096, 0xffffffff };
	static const u32 h2g[] = {
		VMB_MSG_OFFERCHANNEL, VMB_MSG_ALLOFFERS_DELIVERED, VMB_MSG_OPENCHANNEL_RESULT,
		VMB_MSG_GPADL_CREATED, VMB_MSG_GPADL_TORNDOWN, VMB_MSG_VERSION_RESPONSE,
		VMB_MSG_UNLOAD_RESPONSE, VMB_MSG_TL_CONNECT_RESULT,
		VMB_MSG_MODIFYCHANNEL_RESPONSE, VMB_MSG_RESCIND_CHANNELOFFER,
	};
	static const u32 unknown[] = { VMB_MSG_INVALID, VMB_MSG_COUNT, 25, 29, 99, 0xffffffff };
	u8 m[VMB_MSG_MAX] __aligned(8), buf[VMB_MSG_MAX];
	unsigned int i, ok_st, other_st, n19, got, others;
	const struct hostile_offer *hb;
	u16 st, sts[8];
	int v, q;

	/* 1. Garbage before contact: nothing may answer, nothing may break. */
	memset(m, 0xa5, sizeof(m));
	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		hdr(m, unknown[i]);
		st = post_conn(VMB_MESSAGE_CONN_ID, m, 16);
		note("msgs/unknown-type", "type %#x: status %u", unknown[i], st);
	}
	for (i = 0; i < 8; i++) {
		hdr(m, VMB_MSG_INITIATE_CONTACT);
		sts[i] = post_conn(VMB_MESSAGE_CONN_ID_4, m, i);
	}
	note("msgs/short", "sizes 0..7: statuses %u %u %u %u %u %u %u %u",
	     sts[0], sts[1], sts[2], sts[3], sts[4], sts[5], sts[6], sts[7]);
	{
		/*
		 * A guest waits for the answer to INITIATE_CONTACT, so the
		 * host refuses the ones long enough to have a type (4 to 7
		 * bytes) rather than drop them; shorter ones are dropped.
		 */
		unsigned int want = 0, others, n;

		for (i = 4; i < 8; i++)
			want += sts[i] == HV_STATUS_SUCCESS;
		n = drain(VMB_MSG_VERSION_RESPONSE, QUIET_MS, &others);
		check(n == want && !others, "msgs/short",
		      "truncated INITIATE_CONTACTs: %u refusals for %u, %u other answers",
		      n, want, others);
	}
	for (i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
		hdr(m, VMB_MSG_INITIATE_CONTACT);
		st = post_conn(VMB_MESSAGE_CONN_ID_4, m, bad_sizes[i]);
		check(st != HV_STATUS_SUCCESS, "msgs/oversize",
		      "payload_size %u refused by the hypercall (status %u)", bad_sizes[i], st);
	}
	for (i = 0; i < ARRAY_SIZE(h2g); i++) {
		memset(m, 0, sizeof(m));
		hdr(m, h2g[i]);
		st = post_conn(VMB_MESSAGE_CONN_ID, m, 196);
		note("msgs/host-type", "host-to-guest type %u posted: status %u", h2g[i], st);
	}
	hdr(m, VMB_MSG_REQUESTOFFERS);
	st = post_conn(VMB_MESSAGE_CONN_ID, m, 8);
	note("msgs/early", "REQUESTOFFERS before contact: status %u", st);
	st = post_conn(7, m, 8);
	check(st == HV_STATUS_INVALID_CONNECTION_ID, "msgs/conn-id",
	      "a post on connection 7: status %u", st);
	st = post_conn(0x1000000, m, 8);
	check(st != HV_STATUS_SUCCESS, "msgs/conn-id",
	      "a post with reserved connection bits: status %u", st);
	st = post_raw(0, VMB_MESSAGE_CONN_ID, 2, m, 8);
	check(st != HV_STATUS_SUCCESS, "msgs/msg-type", "SynIC message type 2: status %u", st);
	st = post_raw(0, VMB_MESSAGE_CONN_ID, 0x80000010, m, 8);
	check(st != HV_STATUS_SUCCESS, "msgs/msg-type",
	      "a hypervisor message type: status %u", st);
	st = post_raw(4, VMB_MESSAGE_CONN_ID, VMB_HVMSG_TYPE, m, 8);
	check(st != HV_STATUS_SUCCESS, "msgs/align", "an unaligned input block: status %u", st);
	st = post_raw(PAGE_SIZE - 64, VMB_MESSAGE_CONN_ID, VMB_HVMSG_TYPE, m, 8);
	check(st != HV_STATUS_SUCCESS, "msgs/align",
	      "an input block across a page end: status %u", st);
	q = expect_quiet(QUIET_MS);
	check(q < 0, "msgs/before-contact", "garbage before contact: %s (type %d)",
	      q < 0 ? "no answer" : "an answer", q);

	/* 2. Versions: unknown, wrong connection, then the proper one. */
	v = contact(VMB_MESSAGE_CONN_ID_4, 0x00070009, NULL);
	check(v == 0, "msgs/version", "unknown version 7.9: version_supported %d", v);
	v = contact(VMB_MESSAGE_CONN_ID, VMB_VERSION_WS2022, NULL);
	check(v == 0, "msgs/version", "5.3 on connection 1: version_supported %d", v);
	v = contact(VMB_MESSAGE_CONN_ID_4, VMB_VERSION_WS2022, &h.msg_conn);
	if (!check(v == 1 && h.msg_conn, "msgs/contact",
		   "INITIATE_CONTACT 5.3 on conn 4 after the garbage: supported %d, msg_conn_id %u",
		   v, h.msg_conn))
		return;

	/* 3. Offers, and offers asked twice. */
	if (request_offers("msgs/offers"))
		return;
	hdr(m, VMB_MSG_REQUESTOFFERS);
	post(m, 8);
	q = expect_quiet(QUIET_MS);
	check(q < 0, "msgs/offers-twice", "REQUESTOFFERS again: %s (type %d)",
	      q < 0 ? "ignored" : "answered", q);
	hb = find_offer("heartbeat");
	check(hb, "msgs/offers", "a heartbeat channel is offered");

	/* 4. OPENCHANNEL for what does not exist. */
	{
		static const u32 relids[] = { 0, 62, 63, 64, 2047, 0xffffffff };
		s64 r;

		for (i = 0; i < ARRAY_SIZE(relids); i++) {
			r = open_chan(relids[i], relids[i], 0x777, 4, sizeof(struct vmb_msg_open));
			check(r > 0, "msgs/open-unknown",
			      "OPENCHANNEL relid %#x: result status %#llx", relids[i], r);
		}
		if (hb) {
			r = open_chan(hb->relid, 1, 0xdead, 4, sizeof(struct vmb_msg_open));
			check(r > 0, "msgs/open-no-gpadl",
			      "OPENCHANNEL heartbeat with an unknown gpadl: status %#llx", r);
			r = open_chan(hb->relid, 2, 0xdead, 4, 12);
			check(r > 0, "msgs/open-short",
			      "a 12-byte OPENCHANNEL: answered, status %#llx", r);
		}
	}

	/* 5. Unknown and duplicate ids. */
	check(teardown(5, 0x12345), "msgs/teardown-unknown",
	      "GPADL_TEARDOWN of an unknown handle answered with TORNDOWN");
	close_chan(61);
	memset(m, 0, sizeof(m));
	hdr(m, VMB_MSG_RELID_RELEASED);
	((struct vmb_msg_relid *)m)->child_relid = 0xffff;
	post(m, sizeof(struct vmb_msg_relid));
	q = expect_quiet(QUIET_MS);
	check(q < 0, "msgs/close-unknown", "CLOSECHANNEL and RELID_RELEASED of relid none: %s",
	      q < 0 ? "no answer" : "an answer");
	{
		struct vmb_msg_modifychannel mc = { .child_relid = 59, .target_vp = 0 };
		struct vmb_msg_modifychannel_response *r = (void *)buf;
		int n;

		hdr(&mc, VMB_MSG_MODIFYCHANNEL);
		post(&mc, sizeof(mc));
		n = wait_msg(VMB_MSG_MODIFYCHANNEL_RESPONSE, buf, timeout_ms);
		check(n >= 0 && r->status, "msgs/modify-unknown",
		      "MODIFYCHANNEL of an unknown relid: %s, status %#x",
		      n >= 0 ? "answered" : "no answer", n >= 0 ? r->status : 0);
		if (hb) {
			mc.child_relid = hb->relid;
			mc.target_vp = 1000;
			post(&mc, sizeof(mc));
			n = wait_msg(VMB_MSG_MODIFYCHANNEL_RESPONSE, buf, timeout_ms);
			check(n >= 0 && r->status, "msgs/modify-closed",
			      "MODIFYCHANNEL of a closed channel to vp 1000: %s, status %#x",
			      n >= 0 ? "answered" : "no answer", n >= 0 ? r->status : 0);
		}
	}
	{
		struct vmb_msg_tl_connect_request tl = { };
		struct vmb_msg_tl_connect_result *r = (void *)buf;
		int n;

		hdr(&tl, VMB_MSG_TL_CONNECT_REQUEST);
		post(&tl, sizeof(tl));
		n = wait_msg(VMB_MSG_TL_CONNECT_RESULT, buf, timeout_ms);
		check(n >= 0 && r->status, "msgs/tl-connect",
		      "TL_CONNECT_REQUEST to no service: %s, status %#x",
		      n >= 0 ? "refused" : "no answer", n >= 0 ? r->status : 0);
	}

	/* 6. A flood the host only counts: never a hang, at most "busy". */
	ok_st = 0;
	n19 = 0;
	other_st = 0;
	memset(m, 0, sizeof(m));
	hdr(m, VMB_MSG_CLOSECHANNEL);
	for (i = 0; i < 2000; i++) {
		((struct vmb_msg_relid *)m)->child_relid = 40 + (i & 15);
		st = post_conn(h.msg_conn, m, sizeof(struct vmb_msg_relid));
		if (!st)
			ok_st++;
		else if (st == HV_STATUS_INSUFFICIENT_BUFFERS)
			n19++;
		else
			other_st++;
	}
	check(!other_st, "msgs/flood",
	      "2000 posts back to back: %u queued, %u busy (19), %u other", ok_st, n19, other_st);
	check(teardown(5, 0x54321), "msgs/flood-after",
	      "the bus answers after the flood (TORNDOWN)");

	/*
	 * 7. Requests whose answers we do not read yet: the host must not
	 * wedge, and must drop none of the answers (more than VID's 64 per
	 * VP wait in the bus's own queue), nor refuse the requests (the
	 * VM's queue takes 512).
	 */
	ok_st = 0;
	n19 = 0;
	other_st = 0;
	for (i = 0; i < 300; i++) {
		struct vmb_msg_gpadl_teardown *t = (void *)m;

		hdr(t, VMB_MSG_GPADL_TEARDOWN);
		t->child_relid = 3;
		t->gpadl = 0x90000 + i;
		st = post_conn(h.msg_conn, t, sizeof(*t));
		if (!st)
			ok_st++;
		else if (st == HV_STATUS_INSUFFICIENT_BUFFERS)
			n19++;
		else
			other_st++;
	}
	got = drain(VMB_MSG_GPADL_TORNDOWN, QUIET_MS, &others);
	check(ok_st == 300 && got == ok_st && !others, "msgs/unread",
	      "300 teardowns unread: %u queued, %u busy, %u other; then %u TORNDOWN (%u others) read",
	      ok_st, n19, other_st, got, others);
	check(teardown(5, 0x54322), "msgs/unread-after",
	      "the bus answers after the unread answers (TORNDOWN)");

	/*
	 * 8. Signals on every connection id a channel could have, none open:
	 * each is refused, and none may cost the host a port (hostile.sh
	 * checks its count); a flag number is refused too.
	 */
	ok_st = 0;
	other_st = 0;
	for (i = 0; i < 2048; i++) {
		st = signal_event(0x100 + i);
		if (st == HV_STATUS_INVALID_CONNECTION_ID)
			ok_st++;
		else
			other_st++;
	}
	st = signal_event(0x101 | (1ULL << 32));
	check(ok_st == 2048 && st == HV_STATUS_INVALID_PORT_ID, "msgs/signal-unknown",
	      "2048 signals on unopened connections: %u refused, %u other; with a flag number: status %u",
	      ok_st, other_st, st);

	/* 9. A new contact resets the bus; it must serve again. */
	if (!connect_bus("msgs/recontact"))
		unload_bus("msgs/unload");
	else
		h.leak = true;
}

/* ---- scenario gpadl ---- */

static void scenario_gpadl(void)
{
	u64 pfns[64];
	const struct hostile_offer *hb;
	u8 buf[VMB_MSG_MAX];
	unsigned int i, made;
	s64 r;
	int q;

	if (connect_bus("gpadl/connect"))
		return;
	hb = find_offer("heartbeat");
	if (!check(hb, "gpadl/offers", "a heartbeat channel to hang GPADLs on"))
		return;

	/* positive control */
	ring_pfns(pfns, 4);
	r = gpadl_send(hb->relid, 0x100, pfns, 4, 4, timeout_ms);
	check(r == 0, "gpadl/good", "a GPADL of 4 of our pages: status %#llx", r);
	check(teardown(hb->relid, 0x100), "gpadl/good", "its teardown answered");

	/* pages that are not guest memory */
	for (i = 0; i < 4; i++)
		pfns[i] = (1ULL << 40) + i;
	r = gpadl_send(hb->relid, 0x101, pfns, 4, 4, timeout_ms);
	check(r > 0, "gpadl/foreign", "PFNs at 4 PiB: GPADL_CREATED status %#llx", r);
	ring_pfns(pfns, 4);
	pfns[3] = 0x7fffffffffULL;
	r = gpadl_send(hb->relid, 0x102, pfns, 4, 4, timeout_ms);
	check(r > 0, "gpadl/foreign", "one PFN past guest memory: status %#llx", r);
	pfns[3] = ~0ULL;
	r = gpadl_send(hb->relid, 0x103, pfns, 4, 4, timeout_ms);
	check(r > 0, "gpadl/foreign", "PFN ~0: status %#llx", r);

	/* more body PFNs than announced: 30 announced, 26 + 28 sent */
	for (i = 0; i < 54; i++)
		pfns[i] = page_to_pfn(h.ring_pages) + (i % RING_PAGES);
	r = gpadl_send(hb->relid, 0x104, pfns, 54, 30, timeout_ms);
	check(r > 0, "gpadl/too-many", "30 pages announced, 54 sent: status %#llx", r);
	q = expect_quiet(QUIET_MS);
	check(q < 0, "gpadl/too-many", "and nothing more after it (type %d)", q);

	/* the header lists more than range_buflen allows */
	{
		u8 msg[VMB_MSG_MAX] __aligned(8) = { };
		struct vmb_msg_gpadl_header *g = (void *)msg;
		struct vmb_gpa_range range = { .byte_count = 2 * PAGE_SIZE };

		hdr(g, VMB_MSG_GPADL_HEADER);
		g->child_relid = hb->relid;
		g->gpadl = 0x105;
		g->range_buflen = sizeof(range) + 16;
		g->rangecount = 1;
		memcpy(g->range, &range, sizeof(range));
		memcpy(g->range + sizeof(range), pfns, 32);
		post(g, sizeof(*g) + sizeof(range) + 32);
		r = wait_msg(VMB_MSG_GPADL_CREATED, buf, timeout_ms) < 0 ? -1 :
		    ((struct vmb_msg_gpadl_created *)buf)->status;
		check(r > 0, "gpadl/overlong-header",
		      "4 PFNs in a header announcing 2: status %#llx", r);

		/* ranges that do not add up: two announced, one sent */
		memset(msg, 0, sizeof(msg));
		hdr(g, VMB_MSG_GPADL_HEADER);
		g->child_relid = hb->relid;
		g->gpadl = 0x106;
		g->range_buflen = sizeof(range) + 16;
		g->rangecount = 2;
		memcpy(g->range, &range, sizeof(range));
		memcpy(g->range + sizeof(range), pfns, 16);
		post(g, sizeof(*g) + sizeof(range) + 16);
		r = wait_msg(VMB_MSG_GPADL_CREATED, buf, timeout_ms) < 0 ? -1 :
		    ((struct vmb_msg_gpadl_created *)buf)->status;
		check(r > 0, "gpadl/ranges", "2 ranges announced, 1 there: status %#llx", r);

		/* byte_offset past the page, byte_count 0, rangecount 0, handle 0 */
		memset(msg, 0, sizeof(msg));
		hdr(g, VMB_MSG_GPADL_HEADER);
		g->child_relid = hb->relid;
		g->gpadl = 0x107;
		g->range_buflen = sizeof(range) + 8;
		g->rangecount = 1;
		range.byte_count = 8;
		range.byte_offset = 5000;
		memcpy(g->range, &range, sizeof(range));
		memcpy(g->range + sizeof(range), pfns, 8);
		post(g, sizeof(*g) + sizeof(range) + 8);
		r = wait_msg(VMB_MSG_GPADL_CREATED, buf, timeout_ms) < 0 ? -1 :
		    ((struct vmb_msg_gpadl_created *)buf)->status;
		check(r > 0, "gpadl/offset", "byte_offset 5000: status %#llx", r);
		range.byte_offset = 0;
		range.byte_count = 0;
		memcpy(g->range, &range, sizeof(range));
		g->gpadl = 0x108;
		post(g, sizeof(*g) + sizeof(range) + 8);
		r = wait_msg(VMB_MSG_GPADL_CREATED, buf, timeout_ms) < 0 ? -1 :
		    ((struct vmb_msg_gpadl_created *)buf)->status;
		check(r > 0, "gpadl/count", "byte_count 0: status %#llx", r);
		g->rangecount = 0;
		g->gpadl = 0x109;
		post(g, sizeof(*g) + sizeof(range) + 8);
		r = wait_msg(VMB_MSG_GPADL_CREATED, buf, timeout_ms) < 0 ? -1 :
		    ((struct vmb_msg_gpadl_created *)buf)->status;
		check(r > 0, "gpadl/rangecount", "rangecount 0: status %#llx", r);
	}
	r = gpadl_send(hb->relid, 0, pfns, 1, 1, timeout_ms);
	check(r > 0, "gpadl/handle-zero", "handle 0: status %#llx", r);
	r = gpadl_send(0x3f, 0x10a, pfns, 1, 1, timeout_ms);
	check(r > 0, "gpadl/unknown-relid", "relid 63 (not offered): status %#llx", r);

	/* a body for a handle nobody started */
	{
		struct vmb_msg_gpadl_body b = { .gpadl = 0xbad0 };
		u8 msg[VMB_MSG_MAX] __aligned(8) = { };

		hdr(&b, VMB_MSG_GPADL_BODY);
		memcpy(msg, &b, sizeof(b));
		memcpy(msg + sizeof(b), pfns, 8 * 28);
		post(msg, sizeof(b) + 8 * 28);
		q = expect_quiet(QUIET_MS);
		check(q < 0, "gpadl/body-unknown", "a body for an unknown handle: %s (type %d)",
		      q < 0 ? "ignored" : "answered", q);
	}

	/* duplicate handle, and a body for a complete GPADL */
	ring_pfns(pfns, 4);
	r = gpadl_send(hb->relid, 0x200, pfns, 4, 4, timeout_ms);
	check(r == 0, "gpadl/dup", "the first GPADL 0x200: status %#llx", r);
	r = gpadl_send(hb->relid, 0x200, pfns, 4, 4, timeout_ms);
	check(r > 0, "gpadl/dup", "the same handle again: status %#llx", r);
	{
		struct vmb_msg_gpadl_body b = { .gpadl = 0x200 };
		u8 msg[VMB_MSG_MAX] __aligned(8) = { };

		hdr(&b, VMB_MSG_GPADL_BODY);
		memcpy(msg, &b, sizeof(b));
		memcpy(msg + sizeof(b), pfns, 8);
		post(msg, sizeof(b) + 8);
		q = expect_quiet(QUIET_MS);
		check(q < 0, "gpadl/body-complete", "a body for a complete GPADL: %s (type %d)",
		      q < 0 ? "ignored" : "answered", q);
	}
	check(teardown(hb->relid + 1, 0x200), "gpadl/teardown-wrong-relid",
	      "teardown of 0x200 under another relid answered");
	check(teardown(hb->relid, 0x200), "gpadl/dup", "0x200 torn down");
	check(teardown(hb->relid, 0x200), "gpadl/teardown-twice", "and torn down again: answered");
	check(teardown(hb->relid, 0xfeedf00d), "gpadl/teardown-unknown",
	      "teardown of an unknown handle answered with TORNDOWN");

	/* a GPADL left half-sent, then torn down */
	r = gpadl_send(hb->relid, 0x300, pfns, 26, 40, 0);
	q = expect_quiet(QUIET_MS);
	check(q < 0, "gpadl/incomplete", "26 of 40 pages sent: no answer yet (type %d)", q);
	check(teardown(hb->relid, 0x300), "gpadl/incomplete", "its teardown answered");

	/* as many GPADLs as the host takes: it must refuse some, not run out */
	ring_pfns(pfns, 1);
	for (made = 0; made < 1500; made++) {
		r = gpadl_send(hb->relid, 0x10000 + made, pfns, 1, 1, timeout_ms);
		if (r)
			break;
	}
	check(r > 0 && made > 0, "gpadl/limit",
	      "%u one-page GPADLs created, then one refused (status %#llx)", made, r);
	for (i = 0; i < made; i++)
		if (!teardown(hb->relid, 0x10000 + i))
			break;
	check(i == made, "gpadl/limit", "%u of %u torn down", i, made);
	r = gpadl_send(hb->relid, 0x400, pfns, 1, 1, timeout_ms);
	check(r == 0, "gpadl/limit", "one more after that: status %#llx", r);
	check(teardown(hb->relid, 0x400), "gpadl/limit", "and its teardown");

	unload_bus("gpadl/unload");
}

/* ---- scenario ring ---- */

static struct vmb_ring_hdr *out_hdr(void *ring)
{
	return ring;
}

static u8 *out_data(void *ring)
{
	return ring + PAGE_SIZE;
}

static struct vmb_ring_hdr *in_hdr(void *ring)
{
	return ring + RING_DS * PAGE_SIZE;
}

static u8 *in_data(void *ring)
{
	return ring + (RING_DS + 1) * PAGE_SIZE;
}

static void ring_copy_in(void *ring, u32 off, void *dst, u32 len)
{
	u32 room = RING_SIZE - off;

	if (len <= room) {
		memcpy(dst, in_data(ring) + off, len);
	} else {
		memcpy(dst, in_data(ring) + off, room);
		memcpy(dst + room, in_data(ring), len - room);
	}
}

static u32 ring_copy_out(void *ring, u32 off, const void *src, u32 len)
{
	u32 room = RING_SIZE - off;

	if (len <= room) {
		memcpy(out_data(ring) + off, src, len);
	} else {
		memcpy(out_data(ring) + off, src, room);
		memcpy(out_data(ring), src + room, len - room);
	}
	return (off + len) % RING_SIZE;
}

/* The next packet of the inbound ring within ms into buf (4096): its length. */
static int ring_read(void *ring, void *buf, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	struct vmb_ring_hdr *rh = in_hdr(ring);
	struct vmb_pkt_desc d;
	u32 r, w, len;

	for (;;) {
		r = READ_ONCE(rh->read_index);
		w = READ_ONCE(rh->write_index);
		if (r != w)
			break;
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(500, 1000);
	}
	/* the packets only after the index that covers them */
	virt_rmb();
	if (w >= RING_SIZE || w % 8 || r >= RING_SIZE || r % 8)
		return -EBADMSG;
	ring_copy_in(ring, r, &d, sizeof(d));
	len = d.len8 * 8;
	if (d.offset8 < 2 || d.len8 < d.offset8 || len > PAGE_SIZE ||
	    len + 8 > (w - r + RING_SIZE) % RING_SIZE)
		return -EBADMSG;
	ring_copy_in(ring, r, buf, len);
	/* our reads of the packet done before the host may reuse its room */
	virt_mb();
	WRITE_ONCE(rh->read_index, (r + len + 8) % RING_SIZE);
	return len;
}

/* Write one packet (descriptor included, len bytes) to the outbound ring. */
static void ring_write(void *ring, const void *pkt, u32 len)
{
	struct vmb_ring_hdr *rh = out_hdr(ring);
	u32 w = READ_ONCE(rh->write_index), pad = ALIGN(len, 8) - len;
	u64 zero = 0, trailer = (u64)w << 32;

	w = ring_copy_out(ring, w, pkt, len);
	w = ring_copy_out(ring, w, &zero, pad);
	w = ring_copy_out(ring, w, &trailer, 8);
	/* the packet before the index that publishes it */
	virt_wmb();
	WRITE_ONCE(rh->write_index, w);
	/* write_index out before the doorbell */
	virt_mb();
}

static void ring_reset(void *ring)
{
	memset(ring, 0, RING_PAGES * PAGE_SIZE);
	out_hdr(ring)->feature_bits = VMB_RING_FEAT_PENDING_SEND_SZ;
	in_hdr(ring)->feature_bits = VMB_RING_FEAT_PENDING_SEND_SZ;
}

struct ring_ctx {
	const struct hostile_offer *ch;
	u32 gpadl;
	u8 pkt[PAGE_SIZE];
	u8 reply[2 * PAGE_SIZE];
};

/* Make a ring GPADL of our pages and open ch on it: true when it worked. */
static bool ring_open(struct ring_ctx *c, const char *step)
{
	u64 pfns[RING_PAGES];
	s64 r;

	ring_reset(h.ring);
	ring_pfns(pfns, RING_PAGES);
	c->gpadl++;
	r = gpadl_send(c->ch->relid, c->gpadl, pfns, RING_PAGES, RING_PAGES, timeout_ms);
	if (!check(r == 0, step, "ring GPADL %#x of %u pages: status %#llx", c->gpadl,
		   RING_PAGES, r))
		return false;
	r = open_chan(c->ch->relid, c->ch->relid, c->gpadl, RING_DS,
		      sizeof(struct vmb_msg_open));
	return check(r == 0, step, "OPENCHANNEL relid %u: status %#llx", c->ch->relid, r);
}

static void ring_close(struct ring_ctx *c, const char *step)
{
	close_chan(c->ch->relid);
	if (!check(teardown(c->ch->relid, c->gpadl), step,
		   "CLOSECHANNEL and GPADL_TEARDOWN answered: the bus goes on"))
		h.leak = true;
}

/* The host's NEGOTIATE arrives in our inbound ring: returns its length. */
static int ring_negotiate(struct ring_ctx *c, const char *step)
{
	struct vmb_pkt_desc *d = (void *)c->pkt;
	struct vmb_ic_msg_hdr *ic;
	int n = ring_read(h.ring, c->pkt, timeout_ms);

	if (!check(n >= (int)(sizeof(*d) + VMB_IC_HDR_SIZE), step,
		   "the host's first packet in our inbound ring: %d bytes", n))
		return -EIO;
	ic = (void *)(c->pkt + d->offset8 * 8);
	if (!check(d->type == VMB_PKT_DATA_INBAND && d->offset8 * 8 + VMB_IC_HDR_SIZE <= n &&
		   ic->ic.icmsgtype == VMB_IC_MSGTYPE_NEGOTIATE, step,
		   "it is a NEGOTIATE (packet type %u, icmsgtype %u, trans %llu)", d->type,
		   ic->ic.icmsgtype, d->trans_id))
		return -EIO;
	return n;
}

/* Answer the NEGOTIATE in c->pkt the way hv_utils does: the first versions. */
static void ring_answer_negotiate(struct ring_ctx *c)
{
	struct vmb_pkt_desc *d = (void *)c->pkt, *rd = (void *)c->reply;
	struct vmb_ic_msg_hdr *ic = (void *)(c->pkt + d->offset8 * 8), *ric;
	struct vmb_ic_negotiate *neg = (void *)(ic + 1), *rneg;
	u32 len = sizeof(*rd) + sizeof(*ric) + VMB_IC_NEGOTIATE_REPLY_SIZE;
	u16 nf = min_t(u16, neg->icframe_vercnt, VMB_IC_MAX_VER_COUNT);

	memset(c->reply, 0, sizeof(c->reply));
	rd->type = VMB_PKT_DATA_INBAND;
	rd->offset8 = sizeof(*rd) / 8;
	rd->len8 = ALIGN(len, 8) / 8;
	rd->trans_id = d->trans_id;
	ric = (void *)(rd + 1);
	*ric = *ic;
	ric->ic.icflags = VMB_IC_FLAGS_GUEST_REPLY;
	ric->ic.status = 0;
	ric->ic.icmsgsize = VMB_IC_NEGOTIATE_REPLY_SIZE;
	rneg = (void *)(ric + 1);
	rneg->icframe_vercnt = 1;
	rneg->icmsg_vercnt = 1;
	rneg->icversion_data[0] = neg->icversion_data[0];
	rneg->icversion_data[1] = neg->icversion_data[nf];
	ring_write(h.ring, c->reply, len);
	signal_event(c->ch->conn_id);
}

/* Junk for the IC parser: sane ring framing, insane IC contents. */
static void ring_junk(struct ring_ctx *c, const char *step)
{
	struct vmb_pkt_desc *d = (void *)c->pkt, *rd = (void *)c->reply;
	struct vmb_ic_msg_hdr *ric = (void *)(rd + 1);
	struct vmb_ic_negotiate *rneg = (void *)(ric + 1);
	u32 i;

	/* random bytes under the NEGOTIATE's transaction id */
	memset(c->reply, 0, sizeof(c->reply));
	rd->type = VMB_PKT_DATA_INBAND;
	rd->offset8 = 2;
	rd->len8 = 64 / 8;
	rd->trans_id = d->trans_id;
	for (i = sizeof(*rd); i < 64; i++)
		c->reply[i] = (u8)(i * 37 + 11);
	ring_write(h.ring, c->reply, 64);
	/* a reply header claiming a huge body, and counts of 100 each */
	memset(ric, 0, 48);
	ric->ic.icmsgtype = VMB_IC_MSGTYPE_NEGOTIATE;
	ric->ic.icflags = VMB_IC_FLAGS_GUEST_REPLY;
	ric->ic.icmsgsize = 0xffff;
	ring_write(h.ring, c->reply, 64);
	ric->ic.icmsgsize = 16;
	rneg->icframe_vercnt = 100;
	rneg->icmsg_vercnt = 100;
	ring_write(h.ring, c->reply, 64);
	/* a descriptor only, and an offset past the packet's end is caught above */
	rd->len8 = 2;
	ring_write(h.ring, c->reply, 16);
	signal_event(c->ch->conn_id);
	msleep(500);
	note(step, "4 junk IC packets written and signalled");
}

/* Wait until the host has consumed our outbound ring up to its write index. */
static bool ring_consumed(void *ring, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (READ_ONCE(out_hdr(ring)->read_index) != READ_ONCE(out_hdr(ring)->write_index)) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(500, 1000);
	}
	return true;
}

enum ring_attack {
	ATK_WRITE_RANGE,	/* write_index past the ring */
	ATK_WRITE_ALIGN,	/* write_index not a multiple of 8 */
	ATK_OFFSET_SMALL,	/* offset8 < 2 */
	ATK_LEN_SHORT,		/* len8 < offset8 */
	ATK_LEN_HUGE,		/* len8 longer than the ring */
	ATK_LEN_AVAIL,		/* len8 longer than what write_index covers */
	ATK_TOO_BIG,		/* a proper packet, longer than the device takes */
	ATK_COUNT
};

static const char * const atk_names[ATK_COUNT] = {
	[ATK_WRITE_RANGE]	= "ring/write-index-range",
	[ATK_WRITE_ALIGN]	= "ring/write-index-unaligned",
	[ATK_OFFSET_SMALL]	= "ring/offset8-small",
	[ATK_LEN_SHORT]		= "ring/len8-below-offset8",
	[ATK_LEN_HUGE]		= "ring/len8-huge",
	[ATK_LEN_AVAIL]		= "ring/len8-past-write",
	[ATK_TOO_BIG]		= "ring/packet-too-big",
};

static void ring_attack(struct ring_ctx *c, enum ring_attack a)
{
	const char *step = atk_names[a];
	struct vmb_ring_hdr *oh = out_hdr(h.ring);
	struct vmb_pkt_desc *d = (void *)c->reply;
	u32 w0;

	if (!ring_open(c, step))
		return;
	if (ring_negotiate(c, step) < 0)
		goto out;
	w0 = READ_ONCE(oh->write_index);
	memset(c->reply, 0, sizeof(c->reply));
	d->type = VMB_PKT_DATA_INBAND;
	switch (a) {
	case ATK_WRITE_RANGE:
		WRITE_ONCE(oh->write_index, RING_SIZE + 64);
		break;
	case ATK_WRITE_ALIGN:
		WRITE_ONCE(oh->write_index, 12);
		break;
	case ATK_OFFSET_SMALL:
		d->offset8 = 1;
		d->len8 = 4;
		ring_copy_out(h.ring, w0, d, 32);
		WRITE_ONCE(oh->write_index, w0 + 40);
		break;
	case ATK_LEN_SHORT:
		d->offset8 = 4;
		d->len8 = 3;
		ring_copy_out(h.ring, w0, d, 32);
		WRITE_ONCE(oh->write_index, w0 + 40);
		break;
	case ATK_LEN_HUGE:
		d->offset8 = 2;
		d->len8 = 0xffff;
		ring_copy_out(h.ring, w0, d, 16);
		WRITE_ONCE(oh->write_index, w0 + 24);
		break;
	case ATK_LEN_AVAIL:
		d->offset8 = 2;
		d->len8 = 64;
		ring_copy_out(h.ring, w0, d, 16);
		WRITE_ONCE(oh->write_index, w0 + 24);
		break;
	case ATK_TOO_BIG:
		d->offset8 = 2;
		d->len8 = 6000 / 8;
		ring_write(h.ring, c->reply, 6000);
		break;
	default:
		break;
	}
	/* the lie is out before the doorbell */
	virt_mb();
	signal_event(c->ch->conn_id);
	msleep(1000);
	check(READ_ONCE(oh->read_index) == 0, step,
	      "the host took nothing from the lying ring (read_index %u, write_index %u)",
	      READ_ONCE(oh->read_index), READ_ONCE(oh->write_index));
out:
	ring_close(c, step);
}

static void scenario_ring(void)
{
	struct ring_ctx *c;
	struct vmb_pkt_desc *d;
	struct vmb_ic_msg_hdr *ic;
	unsigned int i, bad;
	u32 w;
	u16 st;
	int n;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return;
	if (connect_bus("ring/connect"))
		goto out;
	c->ch = find_offer("heartbeat");
	if (!check(c->ch, "ring/offers", "a heartbeat channel is offered"))
		goto out;
	c->gpadl = 0x5000;
	d = (void *)c->pkt;

	/* 1. A proper open; junk for the IC parser; then a proper negotiation. */
	if (!ring_open(c, "ring/open"))
		goto out;
	if (ring_negotiate(c, "ring/negotiate") < 0)
		goto close;
	ring_junk(c, "ring/junk");
	check(ring_consumed(h.ring, timeout_ms), "ring/junk",
	      "the host consumed the junk without failing the channel");
	ring_answer_negotiate(c);
	check(ring_consumed(h.ring, timeout_ms), "ring/negotiate", "the host consumed our NEGOTIATE answer");
	n = ring_read(h.ring, c->pkt, timeout_ms);
	ic = (void *)(c->pkt + d->offset8 * 8);
	if (check(n > 0 && ic->ic.icmsgtype == VMB_IC_MSGTYPE_HEARTBEAT, "ring/heartbeat",
		  "a heartbeat arrived after the negotiation (%d bytes, icmsgtype %u)", n,
		  n > 0 ? ic->ic.icmsgtype : 0)) {
		struct vmb_ic_heartbeat *hb = (void *)(ic + 1);

		note("ring/heartbeat", "sequence %llu", hb->seq_num);
	}

	/* 2. A doorbell storm on the open channel and on ids nobody has. */
	bad = 0;
	for (i = 0; i < 20000; i++)
		if (signal_event(c->ch->conn_id))
			bad++;
	check(!bad, "ring/doorbell-storm", "20000 HvSignalEvent on the channel: %u failed", bad);
	st = signal_event(0x1ff);
	note("ring/doorbell-unknown", "HvSignalEvent on conn 0x1ff: status %u", st);
	st = signal_event(0xffffff);
	note("ring/doorbell-unknown", "HvSignalEvent on conn 0xffffff: status %u", st);
	st = signal_event((u64)c->ch->conn_id | (5ULL << 32));
	note("ring/doorbell-unknown", "HvSignalEvent with flag number 5: status %u", st);
	st = signal_event(~0ULL);
	check(st != HV_STATUS_SUCCESS, "ring/doorbell-unknown",
	      "HvSignalEvent with every bit set: status %u", st);

	/* 3. A read index that lies: the host's next heartbeat must not go in. */
	WRITE_ONCE(in_hdr(h.ring)->read_index, 13);
	/* the lie is out before we look at what the host does */
	virt_mb();
	msleep(50);
	w = READ_ONCE(in_hdr(h.ring)->write_index);
	msleep(5000);
	check(READ_ONCE(in_hdr(h.ring)->write_index) == w, "ring/read-index",
	      "with read_index 13 the host wrote nothing more (write_index %u, was %u)",
	      READ_ONCE(in_hdr(h.ring)->write_index), w);
	if (hold_ms) {
		note("ring/hold", "the failed channel stays open for %u ms", hold_ms);
		msleep(hold_ms);
	}
close:
	ring_close(c, "ring/open");

	/* 4. An open with lying indices already in place is refused. */
	{
		u64 pfns[RING_PAGES];
		s64 r;

		ring_reset(h.ring);
		out_hdr(h.ring)->read_index = 13;
		ring_pfns(pfns, RING_PAGES);
		c->gpadl++;
		r = gpadl_send(c->ch->relid, c->gpadl, pfns, RING_PAGES, RING_PAGES, timeout_ms);
		check(r == 0, "ring/open-lying", "ring GPADL: status %#llx", r);
		r = open_chan(c->ch->relid, c->ch->relid, c->gpadl, RING_DS,
			      sizeof(struct vmb_msg_open));
		check(r > 0, "ring/open-lying", "OPENCHANNEL with read_index 13: status %#llx", r);
		check(teardown(c->ch->relid, c->gpadl), "ring/open-lying", "its GPADL torn down");
		c->gpadl++;
		ring_reset(h.ring);
		r = gpadl_send(c->ch->relid, c->gpadl, pfns, RING_PAGES, RING_PAGES, timeout_ms);
		r = r ? r : open_chan(c->ch->relid, c->ch->relid, c->gpadl, 1,
				      sizeof(struct vmb_msg_open));
		check(r > 0, "ring/open-layout", "OPENCHANNEL with downstream offset 1: %#llx", r);
		check(teardown(c->ch->relid, c->gpadl), "ring/open-layout", "its GPADL torn down");
	}

	/* 5. Each lie in the guest -> host ring, on a fresh open each. */
	for (i = 0; i < ATK_COUNT; i++)
		ring_attack(c, i);

	/* 6. After all that the channel opens and works again. */
	if (ring_open(c, "ring/reopen")) {
		if (ring_negotiate(c, "ring/reopen") >= 0) {
			ring_answer_negotiate(c);
			n = ring_read(h.ring, c->pkt, timeout_ms);
			ic = (void *)(c->pkt + d->offset8 * 8);
			check(n > 0 && ic->ic.icmsgtype == VMB_IC_MSGTYPE_HEARTBEAT, "ring/reopen",
			      "heartbeats flow again (%d bytes)", n);
		}
		ring_close(c, "ring/reopen");
	}
	unload_bus("ring/unload");
out:
	kfree(c);
}

/* ---- scenario subch ---- */

/*
 * The loopback test device (include/hvkvm/loop_proto.h), which hostile.sh
 * adds to the VM: its sub-channels, its GPADLs used from them and held by
 * the host, and the bus's rules for both (lib/vmbus/bus.c), misused.
 */
#define SC_SUBS		HVLOOP_MAX_SUBCHANNELS
#define SC_BUF_PAGES	2
#define SC_HOLD_MS	4000	/* how long the host holds a GPADL */
#define SC_MSGS		16

struct sc_chan {
	u32 relid;		/* 0: none */
	u32 conn_id;
	u32 gpadl;		/* its ring GPADL while open, else 0 */
	struct page *pages;
	void *ring;
};

/* What arrived from the host: the fields of the types we look at. */
struct sc_msg {
	u32 type;
	u32 relid;		/* OFFERCHANNEL, RESCIND_CHANNELOFFER */
	u32 gpadl;		/* GPADL_TORNDOWN */
	u32 conn_id;		/* OFFERCHANNEL */
	u16 sub;		/* OFFERCHANNEL */
	bool ours;		/* OFFERCHANNEL of our loopback device */
};

struct sc_ctx {
	struct vmb_guid inst;		/* the loopback device's instance */
	struct sc_chan pri;
	struct sc_chan sub[SC_SUBS + 1];	/* by sub-channel index */
	u32 gone[SC_SUBS + 1];		/* rescinded, not released yet */
	u32 hb_relid;			/* a channel of another device */
	u32 shared;			/* a GPADL made on the primary */
	struct page *buf_pages;
	u8 *buf;
	u32 handle;			/* the next GPADL handle */
	u64 trans;
	unsigned long hold_end;		/* the host holds our buffer until then */
	bool leak;			/* the host may still hold pages */
	struct sc_msg msgs[SC_MSGS];
	u8 pkt[PAGE_SIZE];
};

/*
 * Messages from the host until none comes for ms, or until one of type
 * stop (0: none) arrived; the first SC_MSGS are kept in c->msgs. Returns
 * how many came.
 */
static unsigned int sc_collect(struct sc_ctx *c, u32 stop, unsigned int ms)
{
	u8 buf[VMB_MSG_MAX];
	unsigned int n = 0;
	int len;

	while ((len = recv_msg(buf, ms)) != -ETIMEDOUT) {
		const struct vmb_msg_offer *o = (void *)buf;
		struct sc_msg m = { .type = ~0u };

		if (len < 0)
			break;
		if (len >= (int)sizeof(struct vmb_msg_hdr))
			m.type = ((struct vmb_msg_hdr *)buf)->msgtype;
		if (m.type == VMB_MSG_OFFERCHANNEL && len >= (int)sizeof(*o)) {
			m.relid = o->child_relid;
			m.conn_id = o->connection_id;
			m.sub = o->sub_channel_index;
			m.ours = guid_eq(&o->if_type, (struct vmb_guid)HVLOOP_CLASS_GUID) &&
				 !memcmp(&o->if_instance, &c->inst, sizeof(c->inst));
		} else if (m.type == VMB_MSG_RESCIND_CHANNELOFFER) {
			m.relid = ((struct vmb_msg_relid *)buf)->child_relid;
		} else if (m.type == VMB_MSG_GPADL_TORNDOWN) {
			m.gpadl = ((struct vmb_msg_gpadl_torndown *)buf)->gpadl;
		}
		note("subch/recv", "type %u relid %u gpadl %#x sub %u", m.type, m.relid, m.gpadl,
		     m.sub);
		if (n < SC_MSGS)
			c->msgs[n] = m;
		n++;
		if (stop && m.type == stop)
			break;
	}
	return n;
}

/*
 * The offers among the n messages collected: true when they are exactly
 * our device's sub-channels from..to, each once, with relids that are
 * new, and nothing else came. They are recorded in c->sub[].
 */
static bool sc_offers_are(struct sc_ctx *c, unsigned int n, u16 from, u16 to)
{
	unsigned int i, seen = 0;
	u16 idx;

	if (n != (unsigned int)(to - from + 1) || n > SC_MSGS)
		return false;
	for (i = 0; i < n; i++) {
		const struct sc_msg *m = &c->msgs[i];

		idx = m->sub;
		if (m->type != VMB_MSG_OFFERCHANNEL || !m->ours || idx < from || idx > to ||
		    (seen & BIT(idx)) || !m->relid || m->relid == c->pri.relid)
			return false;
		for (idx = 1; idx <= SC_SUBS; idx++)
			if (m->relid == c->gone[idx] ||
			    (c->sub[idx].relid == m->relid && idx != m->sub))
				return false;
		seen |= BIT(m->sub);
		c->sub[m->sub].relid = m->relid;
		c->sub[m->sub].conn_id = m->conn_id;
		c->sub[m->sub].gpadl = 0;
	}
	return true;
}

/* Send a loop request on ch and read its answer into *m (in and out). */
static int sc_call(struct sc_ctx *c, struct sc_chan *ch, struct hvloop_msg *m)
{
	struct {
		struct vmb_pkt_desc d;
		struct hvloop_msg m;
	} __packed p = { };
	struct vmb_pkt_desc *d = (void *)c->pkt;
	int n;

	p.d.type = VMB_PKT_DATA_INBAND;
	p.d.offset8 = sizeof(p.d) / 8;
	p.d.len8 = sizeof(p) / 8;
	p.d.trans_id = ++c->trans;
	p.m = *m;
	ring_write(ch->ring, &p, sizeof(p));
	signal_event(ch->conn_id);
	n = ring_read(ch->ring, c->pkt, timeout_ms);
	if (n < 0)
		return n;
	if (d->type != VMB_PKT_DATA_INBAND || d->trans_id != c->trans ||
	    n < d->offset8 * 8 + (int)sizeof(*m))
		return -EPROTO;
	memcpy(m, c->pkt + d->offset8 * 8, sizeof(*m));
	return 0;
}

/* A request of op with arguments a0..a2 on ch: its answer's status, or < 0. */
static int sc_req(struct sc_ctx *c, struct sc_chan *ch, u32 op, u32 a0, u32 a1, u32 a2,
		  struct hvloop_msg *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->op = op;
	r->arg[0] = a0;
	r->arg[1] = a1;
	r->arg[2] = a2;
	err = sc_call(c, ch, r);
	if (err)
		return err;
	return r->op == op ? (int)r->status : -EPROTO;
}

/* WHO on ch answers its relid and sub-channel index. */
static bool sc_who(struct sc_ctx *c, struct sc_chan *ch, u16 idx, const char *step)
{
	struct hvloop_msg r;
	int st = sc_req(c, ch, HVLOOP_OP_WHO, 0, 0, 0, &r);

	return check(!st && r.arg[0] == ch->relid && r.arg[1] == idx, step,
		     "WHO on relid %u: status %d, relid %u, index %u (want %u)", ch->relid, st,
		     r.arg[0], r.arg[1], idx);
}

/*
 * A WHO written to ch's rings and signalled is not taken and not
 * answered: the host no longer touches them.
 */
static bool sc_silent(struct sc_ctx *c, struct sc_chan *ch, const char *step)
{
	struct {
		struct vmb_pkt_desc d;
		struct hvloop_msg m;
	} __packed p = { };
	u32 w = READ_ONCE(in_hdr(ch->ring)->write_index);
	u32 r = READ_ONCE(out_hdr(ch->ring)->read_index);

	p.d.type = VMB_PKT_DATA_INBAND;
	p.d.offset8 = sizeof(p.d) / 8;
	p.d.len8 = sizeof(p) / 8;
	p.d.trans_id = ++c->trans;
	p.m.op = HVLOOP_OP_WHO;
	ring_write(ch->ring, &p, sizeof(p));
	signal_event(ch->conn_id);
	msleep(QUIET_MS);
	return check(READ_ONCE(out_hdr(ch->ring)->read_index) == r &&
		     READ_ONCE(in_hdr(ch->ring)->write_index) == w, step,
		     "relid %u's old rings untouched after a request and a signal (read %u, was %u; write %u, was %u)",
		     ch->relid, READ_ONCE(out_hdr(ch->ring)->read_index), r,
		     READ_ONCE(in_hdr(ch->ring)->write_index), w);
}

/*
 * MODIFYCHANNEL of the open primary to our VP, and its answer: every
 * message posted before it has been taken by then. Returns how many
 * messages came, the answer included (it is last).
 */
static unsigned int sc_barrier(struct sc_ctx *c)
{
	struct vmb_msg_modifychannel m = { .child_relid = c->pri.relid, .target_vp = h.vp };

	hdr(&m, VMB_MSG_MODIFYCHANNEL);
	post(&m, sizeof(m));
	return sc_collect(c, VMB_MSG_MODIFYCHANNEL_RESPONSE, timeout_ms);
}

/* A ring GPADL of ch's pages, and OPENCHANNEL on it. */
static bool sc_open(struct sc_ctx *c, struct sc_chan *ch, const char *step)
{
	u64 pfns[RING_PAGES];
	u32 i, handle = c->handle++;
	s64 r;

	ring_reset(ch->ring);
	for (i = 0; i < RING_PAGES; i++)
		pfns[i] = page_to_pfn(ch->pages) + i;
	r = gpadl_send(ch->relid, handle, pfns, RING_PAGES, RING_PAGES, timeout_ms);
	if (r)
		return check(false, step, "ring GPADL %#x on relid %u: status %#llx", handle,
			     ch->relid, r);
	r = open_chan(ch->relid, ch->relid, handle, RING_DS, sizeof(struct vmb_msg_open));
	if (!check(r == 0, step, "relid %u opened on GPADL %#x: status %#llx", ch->relid,
		   handle, r)) {
		if (!teardown(ch->relid, handle))
			c->leak = true;
		return false;
	}
	ch->gpadl = handle;
	return true;
}

/* CLOSECHANNEL, and its rings' GPADL torn down. */
static bool sc_close(struct sc_ctx *c, struct sc_chan *ch, const char *step)
{
	close_chan(ch->relid);
	if (!check(teardown(ch->relid, ch->gpadl), step,
		   "relid %u closed, its ring GPADL %#x torn down", ch->relid, ch->gpadl)) {
		c->leak = true;
		return false;
	}
	ch->gpadl = 0;
	return true;
}

/* A GPADL of our buffer (npages of it) on relid: GPADL_CREATED's status. */
static s64 sc_buf_gpadl(struct sc_ctx *c, u32 relid, u32 handle, u32 npages)
{
	u64 pfns[SC_BUF_PAGES];
	u32 i;

	for (i = 0; i < npages; i++)
		pfns[i] = page_to_pfn(c->buf_pages) + i;
	return gpadl_send(relid, handle, pfns, npages, npages, timeout_ms);
}

/* SUBCHANNELS(n) on the primary: its answer (how many the device has), or < 0. */
static int sc_enable(struct sc_ctx *c, u32 n, const char *step)
{
	struct hvloop_msg r;
	int st = sc_req(c, &c->pri, HVLOOP_OP_SUBCHANNELS, n, 0, 0, &r);

	if (!check(!st, step, "SUBCHANNELS %u answered: status %d, the device has %u", n, st,
		   r.arg[0]))
		return -EIO;
	return r.arg[0];
}

/* Connect, find the loopback device and another device: primaries only. */
static bool sc_connect(struct sc_ctx *c, const char *step)
{
	const struct hostile_offer *lo = NULL, *hb;
	unsigned int i, subs = 0;

	if (connect_bus(step))
		return false;
	for (i = 0; i < h.noffers; i++) {
		if (strcmp(class_name(&h.offers[i].if_type), "loopback"))
			continue;
		if (h.offers[i].sub)
			subs++;
		else
			lo = &h.offers[i];
	}
	hb = find_offer("heartbeat");
	if (!check(lo && hb, step, "the loopback device (hostile.sh adds it) and a heartbeat offered"))
		return false;
	check(!subs, step, "no sub-channel of it offered on a new connection (%u)", subs);
	c->inst = lo->if_instance;
	c->pri.relid = lo->relid;
	c->pri.conn_id = lo->conn_id;
	c->pri.gpadl = 0;
	c->hb_relid = hb->relid;
	for (i = 0; i <= SC_SUBS; i++)
		c->sub[i].relid = 0;
	return true;
}

/* Steps: each checks what it needs; false when the next cannot run. */

static bool sc_start(struct sc_ctx *c)
{
	if (!sc_connect(c, "subch/connect"))
		return false;
	return sc_open(c, &c->pri, "subch/open-primary") &&
	       sc_who(c, &c->pri, 0, "subch/open-primary");
}

/* Two asked for: exactly two offers, indices 1 and 2; again: none; more: up to the max. */
static bool sc_enable_subs(struct sc_ctx *c)
{
	unsigned int n;
	int got;

	got = sc_enable(c, 2, "subch/enable");
	n = sc_collect(c, 0, QUIET_MS);
	if (!check(got == 2 && sc_offers_are(c, n, 1, 2), "subch/enable",
		   "2 asked for, %d promised: %u messages, exactly the offers of indices 1..2 with new relids",
		   got, n))
		return false;
	got = sc_enable(c, 2, "subch/enable-again");
	n = sc_collect(c, 0, QUIET_MS);
	check(got == 2 && !n, "subch/enable-again", "2 asked for again: %d, and %u messages (want none)",
	      got, n);
	got = sc_enable(c, 1000, "subch/enable-more");
	n = sc_collect(c, 0, QUIET_MS);
	return check(got == SC_SUBS && sc_offers_are(c, n, 3, SC_SUBS), "subch/enable-more",
		     "1000 asked for: %d promised (the class's max is %u), %u messages: the offers of 3..%u",
		     got, SC_SUBS, n, SC_SUBS);
}

/* Open 1 and 2; open 1 twice; open 3 on rings that are not its own. */
static bool sc_open_games(struct sc_ctx *c)
{
	s64 r;
	u32 spare;

	if (!sc_open(c, &c->sub[1], "subch/open-sub") || !sc_who(c, &c->sub[1], 1, "subch/open-sub") ||
	    !sc_open(c, &c->sub[2], "subch/open-sub") || !sc_who(c, &c->sub[2], 2, "subch/open-sub"))
		return false;
	r = open_chan(c->sub[1].relid, 77, c->sub[1].gpadl, RING_DS, sizeof(struct vmb_msg_open));
	check(r > 0, "subch/open-twice", "OPENCHANNEL of open sub-channel 1 again: status %#llx", r);
	sc_who(c, &c->sub[1], 1, "subch/open-twice");
	r = open_chan(c->sub[3].relid, 78, c->sub[1].gpadl, RING_DS, sizeof(struct vmb_msg_open));
	check(r > 0, "subch/open-foreign-ring",
	      "sub-channel 3 on sub-channel 1's open rings: status %#llx", r);
	r = open_chan(c->sub[3].relid, 79, c->pri.gpadl, RING_DS, sizeof(struct vmb_msg_open));
	check(r > 0, "subch/open-foreign-ring", "sub-channel 3 on the primary's open rings: status %#llx",
	      r);
	spare = c->handle++;
	r = sc_buf_gpadl(c, c->sub[4].relid, spare, 1);
	if (check(r == 0, "subch/open-foreign-ring", "a GPADL %#x made on sub-channel 4: %#llx",
		  spare, r)) {
		r = open_chan(c->sub[3].relid, 80, spare, RING_DS, sizeof(struct vmb_msg_open));
		check(r > 0, "subch/open-foreign-ring",
		      "sub-channel 3 on a GPADL of sub-channel 4: status %#llx", r);
		if (!check(teardown(c->sub[4].relid, spare), "subch/open-foreign-ring",
			   "that GPADL torn down"))
			c->leak = true;
	}
	/* Refusals leave nothing behind: 3 opens, works, and closes properly. */
	if (sc_open(c, &c->sub[3], "subch/open-after-refusals")) {
		sc_who(c, &c->sub[3], 3, "subch/open-after-refusals");
		if (!sc_close(c, &c->sub[3], "subch/open-after-refusals"))
			return false;
	}
	return true;
}

/* A GPADL of the primary used from the sub-channels; what they may not use. */
static bool sc_gpadl_games(struct sc_ctx *c)
{
	u32 len = SC_BUF_PAGES * PAGE_SIZE, i, bad, other;
	struct hvloop_msg r;
	s64 cr;
	int st;

	c->shared = c->handle++;
	memset(c->buf, 0, len);
	cr = sc_buf_gpadl(c, c->pri.relid, c->shared, SC_BUF_PAGES);
	if (!check(cr == 0, "subch/gpadl-shared", "GPADL %#x of %u pages made on the primary: %#llx",
		   c->shared, SC_BUF_PAGES, cr))
		return false;
	st = sc_req(c, &c->sub[2], HVLOOP_OP_GPADL_WRITE, c->shared, 0x5ca1ab1e, 0, &r);
	for (i = 0, bad = 0; i < len; i++)
		bad += c->buf[i] != hvloop_pattern(0x5ca1ab1e, i);
	check(!st && r.arg[0] == len && !bad, "subch/gpadl-shared",
	      "written by the host from sub-channel 2: status %d, %u bytes, %u wrong", st, r.arg[0],
	      bad);
	st = sc_req(c, &c->sub[1], HVLOOP_OP_GPADL_SUM, c->shared, 0, 0, &r);
	check(!st && r.arg[0] == hvloop_sum(1, c->buf, len) && r.arg[1] == len,
	      "subch/gpadl-shared", "summed from sub-channel 1: status %d, sum %#x (want %#x)", st,
	      r.arg[0], hvloop_sum(1, c->buf, len));

	st = sc_req(c, &c->sub[1], HVLOOP_OP_GPADL_SUM, c->pri.gpadl, 0, 0, &r);
	check(st == EBUSY, "subch/gpadl-rings", "the primary's ring GPADL from sub-channel 1: %d", st);
	st = sc_req(c, &c->sub[1], HVLOOP_OP_GPADL_SUM, c->sub[2].gpadl, 0, 0, &r);
	check(st == EBUSY, "subch/gpadl-rings", "sub-channel 2's ring GPADL from sub-channel 1: %d",
	      st);
	st = sc_req(c, &c->sub[1], HVLOOP_OP_GPADL_SUM, 0xdeadbee, 0, 0, &r);
	check(st == ENOENT, "subch/gpadl-rings", "an unknown handle: %d", st);

	/* Another device's GPADL, and a teardown under another device's relid. */
	other = c->handle++;
	cr = sc_buf_gpadl(c, c->hb_relid, other, 1);
	if (check(cr == 0, "subch/gpadl-other-device", "GPADL %#x made on the heartbeat: %#llx",
		  other, cr)) {
		st = sc_req(c, &c->sub[1], HVLOOP_OP_GPADL_SUM, other, 0, 0, &r);
		check(st == ENOENT, "subch/gpadl-other-device",
		      "the heartbeat's GPADL from the loopback device: %d", st);
		if (!check(teardown(c->hb_relid, other), "subch/gpadl-other-device",
			   "the heartbeat's GPADL torn down"))
			c->leak = true;
	}
	check(teardown(c->hb_relid, c->shared), "subch/teardown-other-device",
	      "GPADL_TEARDOWN of %#x under the heartbeat's relid answered", c->shared);
	st = sc_req(c, &c->sub[1], HVLOOP_OP_GPADL_SUM, c->shared, 0, 0, &r);
	return check(!st && r.arg[0] == hvloop_sum(1, c->buf, len), "subch/teardown-other-device",
		     "and the GPADL is still the device's, whole: status %d, sum %#x", st, r.arg[0]);
}

/* The host holds the shared GPADL; the guest tears it down, twice. */
static bool sc_hold_teardown(struct sc_ctx *c)
{
	struct vmb_msg_gpadl_teardown t = { .child_relid = c->pri.relid, .gpadl = c->shared };
	unsigned long t0;
	unsigned int n, i, torn = 0, others = 0, ms = 0;
	struct hvloop_msg r;
	u32 marker = 0x600dcafe, seen = 0;
	int st;

	memset(c->buf, 0, 4);
	c->hold_end = jiffies + msecs_to_jiffies(SC_HOLD_MS + 500);
	st = sc_req(c, &c->sub[2], HVLOOP_OP_GPADL_HOLD, c->shared, SC_HOLD_MS, marker, &r);
	if (!check(!st, "subch/hold-teardown", "the host holds %#x for %u ms from sub-channel 2: %d",
		   c->shared, SC_HOLD_MS, st))
		return false;
	hdr(&t, VMB_MSG_GPADL_TEARDOWN);
	post(&t, sizeof(t));
	t0 = jiffies;
	/* The bus takes messages in order: the teardown is in once this is answered. */
	n = sc_barrier(c);
	check(n == 1, "subch/hold-teardown", "no TORNDOWN while the host holds it (%u messages)", n);
	st = sc_req(c, &c->sub[1], HVLOOP_OP_GPADL_SUM, c->shared, 0, 0, &r);
	check(st == ESHUTDOWN, "subch/hold-teardown", "the GPADL being torn down, from sub-channel 1: %d",
	      st);
	post(&t, sizeof(t));
	n = sc_collect(c, VMB_MSG_GPADL_TORNDOWN, SC_HOLD_MS + timeout_ms);
	for (i = 0; i < n && i < SC_MSGS; i++) {
		if (c->msgs[i].type == VMB_MSG_GPADL_TORNDOWN && c->msgs[i].gpadl == c->shared) {
			torn++;
			ms = jiffies_to_msecs(jiffies - t0);
			memcpy(&seen, c->buf, 4);
		} else {
			others++;
		}
	}
	if (!check(torn == 1 && !others, "subch/hold-teardown",
		   "GPADL_TORNDOWN came (%u, %u other messages)", torn, others)) {
		c->leak = true;
		return false;
	}
	check(ms >= SC_HOLD_MS / 2 && seen == marker, "subch/hold-teardown",
	      "only after the host let go: %u ms after the teardown, the host's last write %s (%#x)",
	      ms, seen == marker ? "done" : "NOT done", seen);
	n = sc_collect(c, 0, QUIET_MS);
	check(!n, "subch/teardown-twice", "the second teardown got no second TORNDOWN (%u messages)",
	      n);
	return true;
}

/* GPADL_TEARDOWN of an open sub-channel's rings: it closes, then TORNDOWN. */
static bool sc_teardown_ring(struct sc_ctx *c)
{
	struct sc_chan *ch = &c->sub[2];
	unsigned int n;

	if (!check(teardown(ch->relid, ch->gpadl), "subch/teardown-ring",
		   "the rings of open sub-channel 2 torn down: TORNDOWN came")) {
		c->leak = true;
		return false;
	}
	ch->gpadl = 0;
	n = sc_collect(c, 0, QUIET_MS);
	check(!n, "subch/teardown-ring", "and nothing else: no rescind (%u messages)", n);
	sc_silent(c, ch, "subch/teardown-ring");
	return sc_open(c, ch, "subch/teardown-ring") && sc_who(c, ch, 2, "subch/teardown-ring");
}

/* The primary closes with sub-channels open: rescinds first, then its teardown. */
static bool sc_close_primary(struct sc_ctx *c)
{
	struct vmb_msg_gpadl_teardown t = { .child_relid = c->pri.relid, .gpadl = c->pri.gpadl };
	unsigned int n, i, rescinds = 0, seen = 0, torn_at = SC_MSGS, bad = 0;
	u16 idx;

	close_chan(c->pri.relid);
	hdr(&t, VMB_MSG_GPADL_TEARDOWN);
	post(&t, sizeof(t));
	n = sc_collect(c, 0, QUIET_MS);
	for (i = 0; i < n && i < SC_MSGS; i++) {
		const struct sc_msg *m = &c->msgs[i];

		if (m->type == VMB_MSG_GPADL_TORNDOWN && m->gpadl == c->pri.gpadl &&
		    torn_at == SC_MSGS) {
			torn_at = i;
			continue;
		}
		for (idx = 1; idx <= SC_SUBS; idx++)
			if (m->type == VMB_MSG_RESCIND_CHANNELOFFER && m->relid == c->sub[idx].relid &&
			    !(seen & BIT(idx)) && torn_at == SC_MSGS)
				break;
		if (idx > SC_SUBS) {
			bad++;
			continue;
		}
		seen |= BIT(idx);
		rescinds++;
	}
	if (!check(n == SC_SUBS + 1 && rescinds == SC_SUBS && torn_at == SC_SUBS && !bad,
		   "subch/close-primary",
		   "%u messages: %u rescinds of the %u sub-channels, then the primary's TORNDOWN (at %u), %u out of place",
		   n, rescinds, SC_SUBS, torn_at, bad)) {
		c->leak = true;
		return false;
	}
	c->pri.gpadl = 0;
	sc_silent(c, &c->sub[1], "subch/close-primary");
	for (idx = 1; idx <= SC_SUBS; idx++) {
		c->gone[idx] = c->sub[idx].relid;
		c->sub[idx].relid = 0;
	}
	/* Linux closes a rescinded channel: no answer, no harm. */
	close_chan(c->gone[1]);
	n = sc_collect(c, 0, QUIET_MS);
	check(!n, "subch/close-rescinded", "CLOSECHANNEL of rescinded relid %u: %u messages",
	      c->gone[1], n);
	return true;
}

/* New sub-channels while the guest holds the rescinded ones: held, then offered. */
static bool sc_held_twins(struct sc_ctx *c)
{
	struct vmb_msg_relid rel = { };
	unsigned int n, i, probes = 0, refused = 0;
	u32 relid, top = 0;
	bool known;
	s64 r;
	int got;

	if (!sc_open(c, &c->pri, "subch/reopen-primary") ||
	    !sc_who(c, &c->pri, 0, "subch/reopen-primary"))
		return false;
	got = sc_enable(c, 2, "subch/held");
	n = sc_collect(c, 0, QUIET_MS);
	check(got == 2 && !n, "subch/held",
	      "2 asked for, rescinded relids not released: %d promised, %u messages (offers wait)",
	      got, n);

	/* Relids not offered (the held ones among them): no GPADL, no open. */
	for (i = 0; i < h.noffers; i++)
		top = max(top, h.offers[i].relid);
	for (i = 1; i <= SC_SUBS; i++)
		top = max(top, c->gone[i]);
	for (relid = 1; relid <= top + SC_SUBS; relid++) {
		known = relid == c->pri.relid;
		for (i = 0; i < h.noffers; i++)
			known |= h.offers[i].relid == relid;
		for (i = 1; i <= SC_SUBS; i++)
			known |= c->gone[i] == relid;
		if (known)
			continue;
		probes++;
		r = sc_buf_gpadl(c, relid, c->handle++, 1);
		refused += r > 0;
		r = open_chan(relid, relid, c->pri.gpadl, RING_DS, sizeof(struct vmb_msg_open));
		refused += r > 0;
	}
	check(probes && refused == 2 * probes, "subch/open-before-offer",
	      "GPADL and OPENCHANNEL on %u relids not offered (up to %u): %u of %u refused", probes,
	      top + SC_SUBS, refused, 2 * probes);

	hdr(&rel, VMB_MSG_RELID_RELEASED);
	rel.child_relid = c->gone[1];
	post(&rel, sizeof(rel));
	n = sc_collect(c, 0, QUIET_MS);
	if (!check(sc_offers_are(c, n, 1, 1) && c->sub[1].relid <= top + SC_SUBS, "subch/release",
		   "old sub-channel 1 (relid %u) released: %u messages, the held offer of index 1 (relid %u, probed above)",
		   c->gone[1], n, c->sub[1].relid))
		return false;
	c->gone[1] = 0;
	for (i = 2; i <= SC_SUBS; i++) {
		rel.child_relid = c->gone[i];
		post(&rel, sizeof(rel));
	}
	n = sc_collect(c, 0, QUIET_MS);
	if (!check(sc_offers_are(c, n, 2, 2) && c->sub[2].relid <= top + SC_SUBS, "subch/release",
		   "old sub-channels 2..%u released: %u messages, the held offer of index 2 only (relid %u)",
		   SC_SUBS, n, c->sub[2].relid))
		return false;
	rel.child_relid = c->gone[2];
	for (i = 2; i <= SC_SUBS; i++)
		c->gone[i] = 0;
	post(&rel, sizeof(rel));
	n = sc_collect(c, 0, QUIET_MS);
	check(!n, "subch/release-twice", "relid %u released again: %u messages", rel.child_relid, n);
	return sc_open(c, &c->sub[1], "subch/release") && sc_who(c, &c->sub[1], 1, "subch/release");
}

/*
 * Hold handle from sub-channel 1 and tear it down: the host answers
 * nothing until it lets go, SC_HOLD_MS later.
 */
static bool sc_hold_pending(struct sc_ctx *c, u32 handle, const char *step)
{
	struct vmb_msg_gpadl_teardown t = { .child_relid = c->pri.relid, .gpadl = handle };
	struct hvloop_msg r;
	s64 cr;
	int st;

	memset(c->buf, 0, SC_BUF_PAGES * PAGE_SIZE);
	cr = sc_buf_gpadl(c, c->pri.relid, handle, SC_BUF_PAGES);
	if (!check(cr == 0, step, "GPADL %#x made on the primary: %#llx", handle, cr))
		return false;
	c->hold_end = jiffies + msecs_to_jiffies(SC_HOLD_MS + 500);
	st = sc_req(c, &c->sub[1], HVLOOP_OP_GPADL_HOLD, handle, SC_HOLD_MS, 0xd0d0cafe, &r);
	if (!check(!st, step, "held by the host for %u ms: %d", SC_HOLD_MS, st))
		return false;
	hdr(&t, VMB_MSG_GPADL_TEARDOWN);
	post(&t, sizeof(t));
	return true;
}

/* UNLOAD with sub-channel 1 open and a torn-down GPADL held; then a new connection. */
static bool sc_unload(struct sc_ctx *c)
{
	struct vmb_msg_hdr m;
	unsigned int n, i, others = 0, resp = 0;
	u32 at_resp = 0, later;
	unsigned long t0 = jiffies;
	struct hvloop_msg r;
	s64 cr;
	int st, got;

	if (!sc_hold_pending(c, 0x7000, "subch/unload"))
		return false;
	hdr(&m, VMB_MSG_UNLOAD);
	post(&m, sizeof(m));
	n = sc_collect(c, VMB_MSG_UNLOAD_RESPONSE, timeout_ms);
	for (i = 0; i < n && i < SC_MSGS; i++) {
		if (c->msgs[i].type == VMB_MSG_UNLOAD_RESPONSE)
			resp++;
		else
			others++;
	}
	memcpy(&at_resp, c->buf, 4);
	if (!check(resp == 1 && !others, "subch/unload",
		   "UNLOAD_RESPONSE, and before it nothing (%u other messages): sub-channels dropped silently",
		   others)) {
		c->leak = true;
		return false;
	}
	n = sc_collect(c, 0, SC_HOLD_MS + QUIET_MS);
	check(!n, "subch/unload",
	      "no TORNDOWN nor anything else for the dead connection, until the hold ended and after (%u)",
	      n);
	memcpy(&later, c->buf, 4);
	check(later == at_resp, "subch/unload-pages",
	      "no write to our pages after UNLOAD_RESPONSE: the held buffer read %#x then, %#x %u ms later",
	      at_resp, later, jiffies_to_msecs(jiffies - t0));

	/* The host serves the new connection: primary only, then fresh sub-channels. */
	if (!sc_connect(c, "subch/reconnect") || !sc_open(c, &c->pri, "subch/reconnect"))
		return false;
	got = sc_enable(c, 1, "subch/reconnect");
	n = sc_collect(c, 0, QUIET_MS);
	if (!check(got == 1 && sc_offers_are(c, n, 1, 1), "subch/reconnect",
		   "1 asked for: %d promised, %u messages, the offer of index 1", got, n) ||
	    !sc_open(c, &c->sub[1], "subch/reconnect") || !sc_who(c, &c->sub[1], 1, "subch/reconnect"))
		return false;
	/* The old connection's handle, still held by the host then, is free now. */
	cr = sc_buf_gpadl(c, c->pri.relid, 0x7000, SC_BUF_PAGES);
	st = cr ? -1 : sc_req(c, &c->sub[1], HVLOOP_OP_GPADL_SUM, 0x7000, 0, 0, &r);
	check(!cr && !st && r.arg[0] == hvloop_sum(1, c->buf, SC_BUF_PAGES * PAGE_SIZE),
	      "subch/reconnect", "the old connection's handle 0x7000 made again and used: %#llx, %d",
	      cr, st);
	if (!check(teardown(c->pri.relid, 0x7000), "subch/reconnect", "and torn down")) {
		c->leak = true;
		return false;
	}
	return true;
}

/* A new INITIATE_CONTACT (kexec) with sub-channel 1 open and a GPADL held. */
static bool sc_recontact(struct sc_ctx *c)
{
	struct vmb_msg_initiate_contact m = {
		.version = VMB_VERSION_WS2022,
		.target_vcpu = h.vp,
		.msg_sint = VMB_MESSAGE_SINT,
	};
	unsigned int n, i, others = 0, resp = 0;

	if (!sc_hold_pending(c, 0x7100, "subch/recontact"))
		return false;
	hdr(&m, VMB_MSG_INITIATE_CONTACT);
	post_conn(VMB_MESSAGE_CONN_ID_4, &m, sizeof(m));
	n = sc_collect(c, VMB_MSG_VERSION_RESPONSE, timeout_ms);
	for (i = 0; i < n && i < SC_MSGS; i++) {
		if (c->msgs[i].type == VMB_MSG_VERSION_RESPONSE)
			resp++;
		else
			others++;
	}
	if (!check(resp == 1 && !others, "subch/recontact",
		   "VERSION_RESPONSE, and before it nothing (%u other messages)", others)) {
		c->leak = true;
		return false;
	}
	if (request_offers("subch/recontact"))
		return false;
	for (i = 0, n = 0; i < h.noffers; i++)
		n += !strcmp(class_name(&h.offers[i].if_type), "loopback") && h.offers[i].sub;
	check(!n, "subch/recontact", "no sub-channel offered to the new connection (%u)", n);
	n = sc_collect(c, 0, SC_HOLD_MS + QUIET_MS);
	check(!n, "subch/recontact", "no TORNDOWN for the old connection once the host let go (%u)",
	      n);
	for (i = 0; i < h.noffers; i++)
		if (h.offers[i].relid == c->pri.relid)
			break;
	c->pri.gpadl = 0;
	c->sub[1].relid = 0;
	return check(i < h.noffers, "subch/recontact", "the loopback primary offered again (relid %u)",
		     c->pri.relid) &&
	       sc_open(c, &c->pri, "subch/recontact") && sc_who(c, &c->pri, 0, "subch/recontact");
}

static const struct {
	const char *name;
	bool (*run)(struct sc_ctx *c);
} sc_steps[] = {
	{ "start",		sc_start },
	{ "enable",		sc_enable_subs },
	{ "open",		sc_open_games },
	{ "gpadl",		sc_gpadl_games },
	{ "hold-teardown",	sc_hold_teardown },
	{ "teardown-ring",	sc_teardown_ring },
	{ "close-primary",	sc_close_primary },
	{ "held",		sc_held_twins },
	{ "unload",		sc_unload },
	{ "recontact",		sc_recontact },
};

static void scenario_subch(void)
{
	struct sc_ctx *c = kzalloc(sizeof(*c), GFP_KERNEL);
	unsigned int i;

	if (!c)
		return;
	c->handle = 0x6000;
	c->buf_pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, get_order(SC_BUF_PAGES * PAGE_SIZE));
	for (i = 0; i <= SC_SUBS; i++) {
		struct sc_chan *ch = i ? &c->sub[i] : &c->pri;

		ch->pages = alloc_pages(GFP_KERNEL | __GFP_ZERO,
					get_order(RING_PAGES * PAGE_SIZE));
		ch->ring = ch->pages ? page_address(ch->pages) : NULL;
		if (!ch->ring)
			goto out;
	}
	if (!c->buf_pages)
		goto out;
	c->buf = page_address(c->buf_pages);
	for (i = 0; i < ARRAY_SIZE(sc_steps); i++)
		if (!sc_steps[i].run(c))
			break;
	check(i == ARRAY_SIZE(sc_steps), "subch/steps", "%u of %zu steps ran to their end (%s)", i,
	      ARRAY_SIZE(sc_steps), i < ARRAY_SIZE(sc_steps) ? sc_steps[i].name : "all");
	unload_bus("subch/unload-end");
	/* A hold the host began is bounded: it ends before we free the buffer. */
	if (c->hold_end && time_before(jiffies, c->hold_end))
		msleep(jiffies_to_msecs(c->hold_end - jiffies));
out:
	if (c->leak || h.leak) {
		/* The host did not confirm it let go: never reuse them. */
		h.leak = true;
		note("subch/cleanup", "leaving the rings and the buffer allocated");
		kfree(c);
		return;
	}
	for (i = 0; i <= SC_SUBS; i++) {
		struct sc_chan *ch = i ? &c->sub[i] : &c->pri;

		if (ch->pages)
			__free_pages(ch->pages, get_order(RING_PAGES * PAGE_SIZE));
	}
	if (c->buf_pages)
		__free_pages(c->buf_pages, get_order(SC_BUF_PAGES * PAGE_SIZE));
	kfree(c);
}

/* ---- scenario storage ---- */

/*
 * The synthetic SCSI controller (kmod/vsp_storage; the wire in
 * include/hvkvm/stor_proto.h), to which hostile.sh gives a disk at LUN 0
 * whose first sector is ST_PATTERN, 16 times. We open its primary
 * channel on rings of our own: ours to the host takes ST_FLOOD requests,
 * the host's to us far fewer replies (88 bytes each with the trailer:
 * 139), so the host must wait for room. A packet that breaks the
 * protocol fails the channel (kmod/vmbus/channel.c): no reply ever
 * comes, the host takes nothing more from the ring. The guest then
 * closes it and opens it again, which starts the protocol over.
 */
#define ST_OUT_PAGES	9	/* guest -> host: a header and 32 KiB */
#define ST_IN_PAGES	4	/* host -> guest: a header and 12 KiB */
#define ST_RING_PAGES	(ST_OUT_PAGES + ST_IN_PAGES)
#define ST_OUT_SIZE	((ST_OUT_PAGES - 1) * PAGE_SIZE)
#define ST_IN_SIZE	((ST_IN_PAGES - 1) * PAGE_SIZE)
#define ST_BUF_PAGES	32
#define ST_RANGE_PFNS	16	/* the most pages a request of ours names */
/* a reply as storvsc reads one: a descriptor and a 64-byte vstor packet */
#define ST_REPLY_LEN	(sizeof(struct vmb_pkt_desc) + VMB_STOR_PACKET_SIZE)
#define ST_SLOT		(ST_REPLY_LEN + VMB_PKT_TRAILER)	/* in the ring */
#define ST_FLOOD	300
#define ST_BLOCK	512	/* LIO's fileio block size */
#define ST_PATTERN	"hvkvm hostile storage, sector 0\n"	/* hostile.sh's */
#define ST_FOREIGN_GAP	0x100000ULL	/* pages past the end of our memory */
#define ST_SENSE_UNIT_ATTENTION	0x06

struct st_addr {
	u8 path, target, lun;
};

static const struct st_addr st_lun0 = { 0, 0, 0 };
static const u8 st_cdb_tur[6];	/* TEST UNIT READY */

struct st_range {
	u32 count, offset, npfn;
	u64 pfn[ST_RANGE_PFNS];
};

/* A request to send: the packet's framing and its vstor packet. */
struct st_req {
	u16 type;			/* VMB_PKT_DATA_INBAND or _USING_GPA_DIRECT */
	u16 flags;			/* the descriptor's */
	u32 payload;			/* bytes of p sent */
	u32 nranges;
	struct st_range range[2];
	struct vmb_stor_packet p;
};

/* A packet from the host. */
struct st_reply {
	struct vmb_pkt_desc d;
	u32 len;			/* len8 * 8: the descriptor included */
	struct vmb_stor_packet p;	/* its payload, zero-padded */
};

struct st_ctx {
	u32 relid, conn_id;
	struct vmb_guid inst;		/* the controller's instance */
	u32 gpadl;			/* the open rings' GPADL, else 0 */
	u32 handle;			/* the next GPADL handle */
	u32 wpos;			/* our next write in the outbound ring */
	u64 trans;			/* the last transaction id used */
	unsigned int strays;		/* replies nobody waited for */
	u16 version;			/* QUERY_PROTOCOL_VERSION's echo */
	u16 max_sub;			/* QUERY_PROPERTIES' answer */
	u32 prop_flags;
	u32 max_xfer;
	u64 foreign;			/* a page number past our memory */
	bool leak;			/* the host may still hold our rings */
	struct page *ring_pages, *buf_pages;
	void *ring;
	u8 *buf;
	struct st_req req;
	struct st_reply got;
	char saw[96];
	DECLARE_BITMAP(seen, ST_FLOOD);
	u8 pkt[PAGE_SIZE];
};

/* ---- its rings: ours at page 0, the host's at page ST_OUT_PAGES ---- */

static struct vmb_ring_hdr *st_out_hdr(struct st_ctx *c)
{
	return c->ring;
}

static struct vmb_ring_hdr *st_in_hdr(struct st_ctx *c)
{
	return c->ring + ST_OUT_PAGES * PAGE_SIZE;
}

static u32 st_copy_out(struct st_ctx *c, u32 off, const void *src, u32 len)
{
	u8 *data = c->ring + PAGE_SIZE;
	u32 room = ST_OUT_SIZE - off;

	if (len <= room) {
		memcpy(data + off, src, len);
	} else {
		memcpy(data + off, src, room);
		memcpy(data, src + room, len - room);
	}
	return (off + len) % ST_OUT_SIZE;
}

static void st_copy_in(struct st_ctx *c, u32 off, void *dst, u32 len)
{
	u8 *data = c->ring + (ST_OUT_PAGES + 1) * PAGE_SIZE;
	u32 room = ST_IN_SIZE - off;

	if (len <= room) {
		memcpy(dst, data + off, len);
	} else {
		memcpy(dst, data + off, room);
		memcpy(dst + room, data, len - room);
	}
}

/* Bytes between index from and index to of a ring of size bytes. */
static u32 st_dist(u32 from, u32 to, u32 size)
{
	return (to + size - from) % size;
}

/* A packet (len bytes) after the others in our ring, not published yet. */
static int st_put(struct st_ctx *c, const void *pkt, u32 len)
{
	u32 r = READ_ONCE(st_out_hdr(c)->read_index), pad = ALIGN(len, 8) - len;
	u64 zero = 0, trailer = (u64)c->wpos << 32;
	u32 w;

	if (r >= ST_OUT_SIZE || r % 8)
		return -EBADMSG;
	/* a full ring would look empty: one slot stays free */
	if (st_dist(r, c->wpos, ST_OUT_SIZE) + ALIGN(len, 8) + VMB_PKT_TRAILER >= ST_OUT_SIZE)
		return -ENOSPC;
	w = st_copy_out(c, c->wpos, pkt, len);
	w = st_copy_out(c, w, &zero, pad);
	c->wpos = st_copy_out(c, w, &trailer, sizeof(trailer));
	return 0;
}

/* What st_put wrote goes out, and the host is rung. */
static void st_publish(struct st_ctx *c)
{
	/* the packets before the index that publishes them */
	virt_wmb();
	WRITE_ONCE(st_out_hdr(c)->write_index, c->wpos);
	/* write_index out before the doorbell */
	virt_mb();
	signal_event(c->conn_id);
}

/* The host took everything we published within ms. */
static bool st_consumed(struct st_ctx *c, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (READ_ONCE(st_out_hdr(c)->read_index) != c->wpos) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(500, 1000);
	}
	return true;
}

/* Replies (ST_SLOT bytes each) waiting in the host's ring to us. */
static u32 st_waiting(struct st_ctx *c)
{
	return st_dist(READ_ONCE(st_in_hdr(c)->read_index),
		       READ_ONCE(st_in_hdr(c)->write_index), ST_IN_SIZE) / ST_SLOT;
}

/*
 * The next packet from the host within ms, into c->got: 0, -ETIMEDOUT,
 * or -EBADMSG when the ring's indices or the packet's framing are wrong.
 */
static int st_get(struct st_ctx *c, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	struct vmb_ring_hdr *rh = st_in_hdr(c);
	struct st_reply *g = &c->got;
	u32 r, w, len, off;

	for (;;) {
		r = READ_ONCE(rh->read_index);
		w = READ_ONCE(rh->write_index);
		if (r != w)
			break;
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(200, 500);
	}
	/* the packets only after the index that covers them */
	virt_rmb();
	if (w >= ST_IN_SIZE || w % 8 || r >= ST_IN_SIZE || r % 8)
		return -EBADMSG;
	st_copy_in(c, r, &g->d, sizeof(g->d));
	len = g->d.len8 * 8;
	off = g->d.offset8 * 8;
	if (g->d.offset8 < 2 || g->d.len8 < g->d.offset8 || len > PAGE_SIZE ||
	    len + VMB_PKT_TRAILER > st_dist(r, w, ST_IN_SIZE))
		return -EBADMSG;
	g->len = len;
	memset(&g->p, 0, sizeof(g->p));
	st_copy_in(c, (r + off) % ST_IN_SIZE, &g->p, min_t(u32, len - off, sizeof(g->p)));
	/* our reads of the packet done before the host may reuse its room */
	virt_mb();
	WRITE_ONCE(rh->read_index, (r + len + VMB_PKT_TRAILER) % ST_IN_SIZE);
	/* read_index out before pending_send_sz in (hv_pkt_iter_close) */
	virt_mb();
	/* The host waits for room: there is more now. */
	if (READ_ONCE(rh->pending_send_sz))
		signal_event(c->conn_id);
	return 0;
}

/* ---- requests and replies ---- */

/* A request as storvsc sends one: INBAND, completion requested, 64 bytes. */
static struct st_req *st_op(struct st_ctx *c, u32 op)
{
	struct st_req *r = &c->req;

	memset(r, 0, sizeof(*r));
	r->type = VMB_PKT_DATA_INBAND;
	r->flags = VMB_PKT_FLAG_COMPLETION_REQUESTED;
	r->payload = VMB_STOR_PACKET_SIZE;
	r->p.operation = op;
	r->p.flags = VMB_STOR_FLAG_REQUEST_COMPLETION;
	return r;
}

/* EXECUTE_SRB of cdb (cdb_len says how long, truthfully or not) to a. */
static struct st_req *st_srb(struct st_ctx *c, const struct st_addr *a, const u8 *cdb,
			     u8 cdb_len, u8 dir, u32 xfer)
{
	struct st_req *r = st_op(c, VMB_STOR_OP_EXECUTE_SRB);
	struct vmb_stor_srb *s = &r->p.srb;

	s->length = VMB_STOR_SRB_SIZE;
	s->path_id = a->path;
	s->target_id = a->target;
	s->lun = a->lun;
	s->cdb_length = cdb_len;
	s->sense_info_length = VMB_STOR_SENSE_MAX;
	s->data_in = dir;
	s->data_transfer_length = xfer;
	memcpy(s->cdb, cdb, min_t(u32, cdb_len, VMB_STOR_CDB_MAX));
	/* what storvsc sets besides: untagged, synchronous transfers off, 60 s */
	s->queue_tag = 0xff;
	s->srb_flags = 0x8 | (dir == VMB_STOR_DATA_IN ? 0x40 : dir == VMB_STOR_DATA_OUT ? 0x80 : 0);
	s->time_out_value = 60;
	return r;
}

/* SCSI's big-endian numbers of n bytes */
static void st_put_be(u8 *p, u64 v, unsigned int n)
{
	while (n--) {
		p[n] = (u8)v;
		v >>= 8;
	}
}

static u64 st_get_be(const u8 *p, unsigned int n)
{
	u64 v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

static struct st_req *st_tur(struct st_ctx *c, const struct st_addr *a)
{
	return st_srb(c, a, st_cdb_tur, sizeof(st_cdb_tur), VMB_STOR_DATA_NONE, 0);
}

/* READ(10) of LUN 0: that many blocks from lba; its buffer still to be given. */
static struct st_req *st_read10(struct st_ctx *c, u32 lba, u16 blocks)
{
	u8 cdb[10] = { 0x28 };

	st_put_be(&cdb[2], lba, 4);
	st_put_be(&cdb[7], blocks, 2);
	return st_srb(c, &st_lun0, cdb, sizeof(cdb), VMB_STOR_DATA_IN, blocks * ST_BLOCK);
}

/* A GPA-direct range of r: count bytes from offset into our buffer page first on. */
static void st_buf_range(struct st_ctx *c, struct st_req *r, u32 first, u32 offset, u32 count)
{
	struct st_range *g = &r->range[r->nranges++];
	u32 i;

	g->count = count;
	g->offset = offset;
	g->npfn = min_t(u32, DIV_ROUND_UP(offset + count, PAGE_SIZE), ST_RANGE_PFNS);
	for (i = 0; i < g->npfn; i++)
		g->pfn[i] = page_to_pfn(c->buf_pages) + min_t(u32, first + i, ST_BUF_PAGES - 1);
	r->type = VMB_PKT_DATA_USING_GPA_DIRECT;
}

/* r as a packet with transaction id trans, into c->pkt: its length. */
static u32 st_build(struct st_ctx *c, const struct st_req *r, u64 trans)
{
	struct vmb_pkt_gpa_direct *gd = (void *)c->pkt;
	struct vmb_pkt_desc *d = (void *)c->pkt;
	u32 off = sizeof(*d), i;

	memset(c->pkt, 0, sizeof(c->pkt));
	if (r->type == VMB_PKT_DATA_USING_GPA_DIRECT) {
		gd->range_cnt = r->nranges;
		off = sizeof(*gd);
		for (i = 0; i < r->nranges; i++) {
			const struct st_range *g = &r->range[i];
			struct vmb_gpa_range gr = {
				.byte_count = g->count,
				.byte_offset = g->offset,
			};

			memcpy(c->pkt + off, &gr, sizeof(gr));
			off += sizeof(gr);
			memcpy(c->pkt + off, g->pfn, sizeof(u64) * g->npfn);
			off += sizeof(u64) * g->npfn;
		}
	}
	d->type = r->type;
	d->flags = r->flags;
	d->trans_id = trans;
	d->offset8 = off / 8;
	memcpy(c->pkt + off, &r->p, min_t(u32, r->payload, sizeof(r->p)));
	off += r->payload;
	d->len8 = DIV_ROUND_UP(off, 8);
	return off;
}

/* r into our ring (not published) with a new transaction id: it, or 0 when full. */
static u64 st_queue(struct st_ctx *c, const struct st_req *r)
{
	u64 trans = ++c->trans;

	return st_put(c, c->pkt, st_build(c, r, trans)) ? 0 : trans;
}

/* A proper reply for storvsc: an 80-byte completion, COMPLETE_IO. */
static bool st_reply_ok(const struct st_reply *g)
{
	return g->d.type == VMB_PKT_COMP && g->d.offset8 == 2 && g->len == ST_REPLY_LEN &&
	       g->p.operation == VMB_STOR_OP_COMPLETE_IO;
}

/* The host's "scan again" (trans_id 0): not a reply. */
static bool st_unsolicited(const struct st_reply *g)
{
	return !g->d.trans_id && (g->p.operation == VMB_STOR_OP_ENUMERATE_BUS ||
				  g->p.operation == VMB_STOR_OP_REMOVE_DEVICE);
}

/*
 * The reply to trans within ms, into c->got: 0, -EPROTO when it is not
 * a proper one, -ETIMEDOUT or -EBADMSG. Replies to others are counted.
 */
static int st_wait(struct st_ctx *c, u64 trans, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	int err;

	for (;;) {
		long left = (long)(end - jiffies);

		if (left <= 0)
			return -ETIMEDOUT;
		err = st_get(c, jiffies_to_msecs(left));
		if (err)
			return err;
		if (c->got.d.trans_id == trans)
			return st_reply_ok(&c->got) ? 0 : -EPROTO;
		if (st_unsolicited(&c->got)) {
			note("storage", "the host asks for a rescan (operation %u)",
			     c->got.p.operation);
			continue;
		}
		c->strays++;
		note("storage", "a reply to %llu (operation %u, status %#x) while waiting for %llu",
		     c->got.d.trans_id, c->got.p.operation, c->got.p.status, trans);
	}
}

/* Send r and wait ms for its reply. */
static int st_call_ms(struct st_ctx *c, const struct st_req *r, unsigned int ms)
{
	u64 trans = st_queue(c, r);

	if (!trans)
		return -ENOSPC;
	st_publish(c);
	return st_wait(c, trans, ms);
}

static int st_call(struct st_ctx *c, const struct st_req *r)
{
	return st_call_ms(c, r, timeout_ms);
}

/* What the last wait saw, for the log. */
static const char *st_saw(struct st_ctx *c, int err)
{
	const struct st_reply *g = &c->got;

	switch (err) {
	case 0:
		snprintf(c->saw, sizeof(c->saw), "COMPLETE_IO, status %#x", g->p.status);
		break;
	case -ETIMEDOUT:
		return "no reply";
	case -ENOSPC:
		return "no room in our ring";
	case -EBADMSG:
		return "the host's ring to us is garbled";
	default:
		snprintf(c->saw, sizeof(c->saw),
			 "a %u-byte packet of type %u, offset8 %u, operation %u, status %#x",
			 g->len, g->d.type, g->d.offset8, g->p.operation, g->p.status);
	}
	return c->saw;
}

/* The last call was answered properly with SRB status srb. */
static bool st_srb_is(struct st_ctx *c, int err, u8 srb)
{
	return !err && c->got.p.srb.srb_status == srb;
}

/* ---- the channel ---- */

/* Ring GPADL and OPENCHANNEL, on fresh rings: the protocol starts over. */
static bool st_open(struct st_ctx *c, const char *step)
{
	u64 pfns[ST_RING_PAGES];
	u32 i, handle = c->handle++;
	s64 r;

	memset(c->ring, 0, ST_RING_PAGES * PAGE_SIZE);
	st_out_hdr(c)->feature_bits = VMB_RING_FEAT_PENDING_SEND_SZ;
	st_in_hdr(c)->feature_bits = VMB_RING_FEAT_PENDING_SEND_SZ;
	c->wpos = 0;
	for (i = 0; i < ST_RING_PAGES; i++)
		pfns[i] = page_to_pfn(c->ring_pages) + i;
	r = gpadl_send(c->relid, handle, pfns, ST_RING_PAGES, ST_RING_PAGES, timeout_ms);
	if (!check(r == 0, step, "ring GPADL %#x of %u pages: status %#llx", handle,
		   ST_RING_PAGES, r))
		return false;
	r = open_chan(c->relid, c->relid, handle, ST_OUT_PAGES, sizeof(struct vmb_msg_open));
	if (!check(r == 0, step, "OPENCHANNEL relid %u, rings of %lu (ours) and %lu bytes: status %#llx",
		   c->relid, ST_OUT_SIZE, ST_IN_SIZE, r)) {
		if (!teardown(c->relid, handle))
			c->leak = true;
		return false;
	}
	c->gpadl = handle;
	return true;
}

static void st_release(u32 relid, const char *step)
{
	struct vmb_msg_relid m = { .child_relid = relid };

	hdr(&m, VMB_MSG_RELID_RELEASED);
	post(&m, sizeof(m));
	note(step, "relid %u rescinded: released", relid);
}

/* CLOSECHANNEL and the rings' GPADL_TEARDOWN; rescinded sub-channels released. */
static bool st_close(struct st_ctx *c, const char *step)
{
	struct vmb_msg_gpadl_teardown t = { .child_relid = c->relid, .gpadl = c->gpadl };
	unsigned long end = jiffies + msecs_to_jiffies(timeout_ms);
	const struct vmb_msg_hdr *m;
	u8 buf[VMB_MSG_MAX];
	bool torn = false;
	int n;

	if (!c->gpadl)
		return true;
	close_chan(c->relid);
	hdr(&t, VMB_MSG_GPADL_TEARDOWN);
	post(&t, sizeof(t));
	m = (void *)buf;
	while (!torn) {
		long left = (long)(end - jiffies);

		if (left <= 0)
			break;
		n = recv_msg(buf, jiffies_to_msecs(left));
		if (n < 0)
			break;
		if (n < (int)sizeof(*m))
			continue;
		if (m->msgtype == VMB_MSG_GPADL_TORNDOWN)
			torn = ((struct vmb_msg_gpadl_torndown *)buf)->gpadl == c->gpadl;
		else if (m->msgtype == VMB_MSG_RESCIND_CHANNELOFFER)
			st_release(((struct vmb_msg_relid *)buf)->child_relid, step);
		else
			note(step, "skipped a message of type %u", m->msgtype);
	}
	if (!check(torn, step, "relid %u closed, its ring GPADL %#x torn down", c->relid,
		   c->gpadl)) {
		c->leak = true;
		return false;
	}
	c->gpadl = 0;
	return true;
}

/*
 * The initialisation as storvsc does it (storvsc_channel_init): BEGIN,
 * QUERY_PROTOCOL_VERSION 6.2, QUERY_PROPERTIES, END, each answered with
 * status 0. The properties go to c.
 */
static bool st_init(struct st_ctx *c, const char *step)
{
	static const struct {
		u32 op;
		const char *name;
	} steps[] = {
		{ VMB_STOR_OP_BEGIN_INITIALIZATION,	"BEGIN" },
		{ VMB_STOR_OP_QUERY_PROTOCOL_VERSION,	"QUERY_PROTOCOL_VERSION 6.2" },
		{ VMB_STOR_OP_QUERY_PROPERTIES,		"QUERY_PROPERTIES" },
		{ VMB_STOR_OP_END_INITIALIZATION,	"END" },
	};
	struct st_req *r;
	unsigned int i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		r = st_op(c, steps[i].op);
		if (steps[i].op == VMB_STOR_OP_QUERY_PROTOCOL_VERSION)
			r->p.version.major_minor = VMB_STOR_VERSION_WIN10;
		err = st_call(c, r);
		if (err || c->got.p.status)
			break;
		if (steps[i].op == VMB_STOR_OP_QUERY_PROTOCOL_VERSION)
			c->version = c->got.p.version.major_minor;
		if (steps[i].op == VMB_STOR_OP_QUERY_PROPERTIES) {
			c->max_xfer = c->got.p.props.max_transfer_bytes;
			c->max_sub = c->got.p.props.max_channel_cnt;
			c->prop_flags = c->got.p.props.flags;
		}
	}
	if (i < ARRAY_SIZE(steps))
		return check(false, step, "initialisation: %s got %s", steps[i].name,
			     st_saw(c, err));
	return check(true, step, "BEGIN, QUERY_PROTOCOL_VERSION 6.2, QUERY_PROPERTIES, END: each an 80-byte COMPLETE_IO with status 0");
}

/*
 * TEST UNIT READY of LUN 0 succeeds; a UNIT ATTENTION LIO may have
 * queued first is taken, as a guest's SCSI layer does.
 */
static bool st_lun0_ready(struct st_ctx *c, const char *step)
{
	const struct vmb_stor_srb *s = &c->got.p.srb;
	unsigned int tries;
	int err = 0;

	for (tries = 1; tries <= 3; tries++) {
		err = st_call(c, st_tur(c, &st_lun0));
		if (err || s->srb_status != (VMB_SRB_STATUS_ERROR | VMB_SRB_STATUS_AUTOSENSE_VALID) ||
		    (s->sense_data[2] & 0xf) != ST_SENSE_UNIT_ATTENTION)
			break;
		note(step, "TEST UNIT READY of LUN 0: a UNIT ATTENTION (%#x/%#x): again",
		     s->sense_data[12], s->sense_data[13]);
	}
	return check(st_srb_is(c, err, VMB_SRB_STATUS_SUCCESS) && !c->got.p.status &&
		     !s->scsi_status, step,
		     "TEST UNIT READY of LUN 0 (the disk hostile.sh gave): %s, srb status %#x, scsi status %#x",
		     st_saw(c, err), s->srb_status, s->scsi_status);
}

/* READ(10) of LBA 0 into buffer page 0: ST_PATTERN, 16 times. */
static bool st_read_sector0(struct st_ctx *c, const char *step)
{
	const struct vmb_stor_srb *s = &c->got.p.srb;
	struct st_req *r;
	unsigned int i, bad = 0;
	int err;

	BUILD_BUG_ON(sizeof(ST_PATTERN) - 1 != 32);
	memset(c->buf, 0xaa, PAGE_SIZE);
	r = st_read10(c, 0, 1);
	st_buf_range(c, r, 0, 0, ST_BLOCK);
	err = st_call(c, r);
	for (i = 0; i < ST_BLOCK; i++)
		bad += c->buf[i] != ST_PATTERN[i % 32];
	return check(st_srb_is(c, err, VMB_SRB_STATUS_SUCCESS) && !c->got.p.status &&
		     s->data_transfer_length == ST_BLOCK && !bad && c->buf[ST_BLOCK] == 0xaa, step,
		     "READ(10) of LUN 0, LBA 0 into our page: %s, srb status %#x, %u bytes, %u of %u wrong (\"%.31s\")",
		     st_saw(c, err), s->srb_status, s->data_transfer_length, bad, ST_BLOCK,
		     (char *)c->buf);
}

/* ---- the cases: each returns false when the next cannot run ---- */

static bool st_start(struct st_ctx *c)
{
	unsigned int i;

	if (connect_bus("storage/connect"))
		return false;
	for (i = 0; i < h.noffers; i++)
		if (!strcmp(class_name(&h.offers[i].if_type), "scsi") && !h.offers[i].sub)
			break;
	if (!check(i < h.noffers, "storage/offers",
		   "a SCSI controller is offered (hostile.sh gives the VM a disk)"))
		return false;
	c->relid = h.offers[i].relid;
	c->conn_id = h.offers[i].conn_id;
	c->inst = h.offers[i].if_instance;
	return st_open(c, "storage/open");
}

/* 1. Before BEGIN: requests refused with INVALID_DEVICE_STATE, full-size replies. */
static bool st_before_init(struct st_ctx *c)
{
	unsigned int strays = c->strays;
	int err;

	err = st_call(c, st_tur(c, &st_lun0));
	check(!err && c->got.p.status == VMB_STOR_NT_INVALID_DEVICE_STATE, "storage/before-init",
	      "EXECUTE_SRB (TEST UNIT READY) before BEGIN: %s; %u bytes, its own trans_id %llu",
	      st_saw(c, err), c->got.len, c->got.d.trans_id);
	err = st_call(c, st_op(c, VMB_STOR_OP_QUERY_PROPERTIES));
	check(!err && c->got.p.status == VMB_STOR_NT_INVALID_DEVICE_STATE, "storage/before-init",
	      "QUERY_PROPERTIES before BEGIN: %s", st_saw(c, err));
	return check(c->strays == strays, "storage/before-init", "no other reply (%u)",
		     c->strays - strays);
}

/* 2. storvsc's initialisation; then an unknown operation, BEGIN again. */
static bool st_init_case(struct st_ctx *c)
{
	int err;

	if (!st_init(c, "storage/init"))
		return false;
	check(c->version == VMB_STOR_VERSION_WIN10, "storage/init",
	      "QUERY_PROTOCOL_VERSION's reply names 6.2 (%#x)", c->version);
	check(c->max_xfer == SZ_1M && !!c->max_sub == !!(c->prop_flags & VMB_STOR_PROP_MULTI_CHANNEL),
	      "storage/properties",
	      "max_transfer_bytes %u (want 1 MiB), %u sub-channels, flags %#x", c->max_xfer,
	      c->max_sub, c->prop_flags);
	err = st_call(c, st_op(c, 99));
	check(!err && c->got.p.status == VMB_STOR_NT_INVALID_DEVICE_REQUEST, "storage/unknown-op",
	      "operation 99: %s", st_saw(c, err));
	err = st_call(c, st_op(c, VMB_STOR_OP_BEGIN_INITIALIZATION));
	check(!err && c->got.p.status == VMB_STOR_NT_INVALID_DEVICE_STATE, "storage/begin-again",
	      "BEGIN once ready: %s", st_saw(c, err));
	return st_lun0_ready(c, "storage/lun0");
}

/* 3. Addresses where no disk is: off the bus, and a LUN the ACL does not map. */
static bool st_absent(struct st_ctx *c)
{
	static const struct st_addr absent[] = {
		{ 3, 0, 0 }, { 0, 1, 0 }, { 0, 0, 200 }, { 0, 0, 5 },
	};
	static const u8 inquiry[6] = { 0x12, 0, 0, 0, 96, 0 };
	static const u8 report_luns[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0 };
	static const struct st_addr lun5 = { 0, 0, 5 }, lun200 = { 0, 0, 200 };
	const struct vmb_stor_srb *s = &c->got.p.srb;
	const struct st_addr *a;
	struct st_req *r;
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(absent); i++) {
		a = &absent[i];
		memset(c->buf, 0xaa, PAGE_SIZE);
		r = st_srb(c, a, inquiry, sizeof(inquiry), VMB_STOR_DATA_IN, 96);
		st_buf_range(c, r, 0, 0x100, 96);
		err = st_call(c, r);
		check(st_srb_is(c, err, VMB_SRB_STATUS_SUCCESS) && !c->got.p.status &&
		      s->data_transfer_length == 36 && c->buf[0x100] == 0x7f &&
		      c->buf[0x100 + 36] == 0xaa && s->path_id == a->path &&
		      s->target_id == a->target && s->lun == a->lun, "storage/absent-inquiry",
		      "INQUIRY of path %u target %u LUN %u: %s, srb status %#x, %u bytes, byte 0 %#x (want 0x7f), byte 36 %#x, address %u:%u:%u",
		      a->path, a->target, a->lun, st_saw(c, err), s->srb_status,
		      s->data_transfer_length, c->buf[0x100], c->buf[0x100 + 36], s->path_id,
		      s->target_id, s->lun);
	}
	err = st_call(c, st_tur(c, &lun200));
	check(st_srb_is(c, err, VMB_SRB_STATUS_INVALID_LUN) &&
	      c->got.p.status == VMB_STOR_NT_DEVICE_DOES_NOT_EXIST, "storage/absent-tur",
	      "TEST UNIT READY of LUN 200: %s, srb status %#x (want 0x20)", st_saw(c, err),
	      s->srb_status);
	memset(c->buf, 0xaa, PAGE_SIZE);
	r = st_srb(c, &lun5, report_luns, sizeof(report_luns), VMB_STOR_DATA_IN, 64);
	st_buf_range(c, r, 0, 0, 64);
	err = st_call(c, r);
	check(st_srb_is(c, err, VMB_SRB_STATUS_SUCCESS) && s->data_transfer_length == 16 &&
	      (u32)st_get_be(c->buf, 4) == 8 && !st_get_be(c->buf + 8, 8) &&
	      c->buf[16] == 0xaa, "storage/absent-report-luns",
	      "REPORT LUNS to unmapped LUN 5 lists LUN 0 alone: %s, srb status %#x, %u bytes, list length %u, entry %#llx",
	      st_saw(c, err), s->srb_status, s->data_transfer_length,
	      (u32)st_get_be(c->buf, 4), st_get_be(c->buf + 8, 8));
	return true;
}

/* 4. Buffers in pages that are not the guest's; then a READ into ours. */
static bool st_foreign_pfn(struct st_ctx *c)
{
	static const struct st_addr path3 = { 3, 0, 0 };
	static const u8 inquiry[6] = { 0x12, 0, 0, 0, 36, 0 };
	const struct vmb_stor_srb *s = &c->got.p.srb;
	u64 wrap = (1ULL << 52) + page_to_pfn(c->buf_pages);
	struct st_req *r;
	int err;

	note("storage/foreign-pfn", "page %#llx: %#llx pages past the end of our memory",
	     c->foreign, ST_FOREIGN_GAP);
	r = st_read10(c, 0, 1);
	st_buf_range(c, r, 0, 0, ST_BLOCK);
	r->range[0].pfn[0] = c->foreign;
	err = st_call(c, r);
	check(st_srb_is(c, err, VMB_SRB_STATUS_ERROR) && !s->data_transfer_length,
	      "storage/foreign-pfn", "READ(10) of LUN 0 into page %#llx: %s, srb status %#x (want 0x4), %u bytes",
	      c->foreign, st_saw(c, err), s->srb_status, s->data_transfer_length);

	/* the first page ours, the second not: nothing may be read */
	memset(c->buf, 0xaa, PAGE_SIZE);
	r = st_read10(c, 0, 2);
	st_buf_range(c, r, 0, PAGE_SIZE - ST_BLOCK, 2 * ST_BLOCK);
	r->range[0].pfn[1] = c->foreign;
	err = st_call(c, r);
	check(st_srb_is(c, err, VMB_SRB_STATUS_ERROR) && c->buf[PAGE_SIZE - ST_BLOCK] == 0xaa,
	      "storage/foreign-pfn", "READ(10) of 2 blocks across our page and page %#llx: %s, srb status %#x, our page's byte %#x (want 0xaa)",
	      c->foreign, st_saw(c, err), s->srb_status, c->buf[PAGE_SIZE - ST_BLOCK]);

	r = st_read10(c, 0, 1);
	st_buf_range(c, r, 0, 0, ST_BLOCK);
	r->range[0].pfn[0] = ~0ULL;
	err = st_call(c, r);
	check(st_srb_is(c, err, VMB_SRB_STATUS_ERROR), "storage/foreign-pfn",
	      "READ(10) into page ~0: %s, srb status %#x", st_saw(c, err), s->srb_status);

	/* an answer the host writes itself (absent LUN), into a page not ours */
	r = st_srb(c, &path3, inquiry, sizeof(inquiry), VMB_STOR_DATA_IN, 36);
	st_buf_range(c, r, 0, 0, 36);
	r->range[0].pfn[0] = c->foreign;
	err = st_call(c, r);
	check(st_srb_is(c, err, VMB_SRB_STATUS_ERROR), "storage/foreign-pfn",
	      "INQUIRY of path 3 into page %#llx: %s, srb status %#x (want 0x4)", c->foreign,
	      st_saw(c, err), s->srb_status);

	/* a page number that is our buffer's only modulo 2^52 */
	memset(c->buf, 0xaa, PAGE_SIZE);
	r = st_srb(c, &path3, inquiry, sizeof(inquiry), VMB_STOR_DATA_IN, 36);
	st_buf_range(c, r, 0, 0, 36);
	r->range[0].pfn[0] = wrap;
	err = st_call(c, r);
	check(st_srb_is(c, err, VMB_SRB_STATUS_ERROR) && c->buf[0] == 0xaa, "storage/pfn-wrap",
	      "INQUIRY of path 3 into page %#llx (2^52 + our buffer's): %s, srb status %#x (want 0x4), our buffer's byte 0 %#x (want 0xaa: untouched)",
	      wrap, st_saw(c, err), s->srb_status, c->buf[0]);
	r = st_read10(c, 0, 1);
	st_buf_range(c, r, 0, 0, ST_BLOCK);
	r->range[0].pfn[0] = wrap;
	err = st_call(c, r);
	check(st_srb_is(c, err, VMB_SRB_STATUS_ERROR) && c->buf[0] == 0xaa, "storage/pfn-wrap",
	      "READ(10) into page %#llx: %s, srb status %#x, our buffer's byte 0 %#x",
	      wrap, st_saw(c, err), s->srb_status, c->buf[0]);

	return st_read_sector0(c, "storage/read");
}

/*
 * 5. Packets that break the protocol, each on a fresh open. Unless a
 * CDB is said, an SRB's is a READ(10) of LUN 0 of xfer bytes (a TEST
 * UNIT READY when there are none); its ranges are 512 bytes of ours.
 */
static const struct st_break {
	const char *name;
	u32 op;			/* the vstor operation */
	u8 cdb_len;		/* what the SRB says */
	u8 dir;			/* data_in */
	u32 xfer;		/* data_transfer_length */
	u8 nranges;		/* GPA-direct when > 0 */
	u32 count;		/* each range's byte_count */
	u16 flags;		/* the descriptor's */
	u32 payload;		/* bytes of vstor packet */
} st_breaks[] = {
	{ "two-ranges", VMB_STOR_OP_EXECUTE_SRB, 10, VMB_STOR_DATA_IN, ST_BLOCK, 2, ST_BLOCK,
	  VMB_PKT_FLAG_COMPLETION_REQUESTED, VMB_STOR_PACKET_SIZE },
	{ "range-short", VMB_STOR_OP_EXECUTE_SRB, 10, VMB_STOR_DATA_IN, 2 * ST_BLOCK, 1, ST_BLOCK,
	  VMB_PKT_FLAG_COMPLETION_REQUESTED, VMB_STOR_PACKET_SIZE },
	{ "data-inband", VMB_STOR_OP_EXECUTE_SRB, 10, VMB_STOR_DATA_IN, ST_BLOCK, 0, 0,
	  VMB_PKT_FLAG_COMPLETION_REQUESTED, VMB_STOR_PACKET_SIZE },
	{ "cdb-length-0", VMB_STOR_OP_EXECUTE_SRB, 0, VMB_STOR_DATA_NONE, 0, 0, 0,
	  VMB_PKT_FLAG_COMPLETION_REQUESTED, VMB_STOR_PACKET_SIZE },
	{ "cdb-length-17", VMB_STOR_OP_EXECUTE_SRB, 17, VMB_STOR_DATA_NONE, 0, 0, 0,
	  VMB_PKT_FLAG_COMPLETION_REQUESTED, VMB_STOR_PACKET_SIZE },
	{ "data-in-3", VMB_STOR_OP_EXECUTE_SRB, 10, 3, ST_BLOCK, 1, ST_BLOCK,
	  VMB_PKT_FLAG_COMPLETION_REQUESTED, VMB_STOR_PACKET_SIZE },
	{ "no-direction-with-data", VMB_STOR_OP_EXECUTE_SRB, 10, VMB_STOR_DATA_NONE, ST_BLOCK, 1,
	  ST_BLOCK, VMB_PKT_FLAG_COMPLETION_REQUESTED, VMB_STOR_PACKET_SIZE },
	{ "gpa-direct-not-srb", VMB_STOR_OP_QUERY_PROPERTIES, 0, 0, 0, 1, ST_BLOCK,
	  VMB_PKT_FLAG_COMPLETION_REQUESTED, VMB_STOR_PACKET_SIZE },
	{ "no-completion-flag", VMB_STOR_OP_EXECUTE_SRB, 6, VMB_STOR_DATA_NONE, 0, 0, 0, 0,
	  VMB_STOR_PACKET_SIZE },
	{ "payload-8-bytes", VMB_STOR_OP_EXECUTE_SRB, 6, VMB_STOR_DATA_NONE, 0, 0, 0,
	  VMB_PKT_FLAG_COMPLETION_REQUESTED, 8 },
	{ "srb-28-bytes", VMB_STOR_OP_EXECUTE_SRB, 6, VMB_STOR_DATA_NONE, 0, 0, 0,
	  VMB_PKT_FLAG_COMPLETION_REQUESTED, VMB_STOR_HDR_SIZE + 28 },
};

static struct st_req *st_break_req(struct st_ctx *c, const struct st_break *b)
{
	struct st_req *r;
	unsigned int i;

	if (b->op != VMB_STOR_OP_EXECUTE_SRB) {
		r = st_op(c, b->op);
	} else if (b->xfer) {
		r = st_read10(c, 0, b->xfer / ST_BLOCK);
		r->p.srb.cdb_length = b->cdb_len;
		r->p.srb.data_in = b->dir;
	} else {
		r = st_srb(c, &st_lun0, st_cdb_tur, b->cdb_len, b->dir, 0);
	}
	for (i = 0; i < b->nranges; i++)
		st_buf_range(c, r, i, 0, b->count);
	r->flags = b->flags;
	r->payload = b->payload;
	return r;
}

/* One breaker: no reply, the packet not taken, the channel failed for good. */
static bool st_break_one(struct st_ctx *c, const struct st_break *b)
{
	static const struct st_addr lun200 = { 0, 0, 200 };
	char step[48];
	u64 trans;
	u32 w0;
	int err;

	snprintf(step, sizeof(step), "storage/break/%s", b->name);
	if (!st_open(c, step))
		return false;
	if (!st_init(c, step))
		return st_close(c, step);
	/* the host idle: everything before taken */
	st_consumed(c, timeout_ms);
	w0 = c->wpos;
	trans = st_queue(c, st_break_req(c, b));
	st_publish(c);
	err = trans ? st_wait(c, trans, QUIET_MS) : -ENOSPC;
	check(err == -ETIMEDOUT && READ_ONCE(st_out_hdr(c)->read_index) == w0, step,
	      "%s; the packet not taken (read_index %u, the packet at %u)", st_saw(c, err),
	      READ_ONCE(st_out_hdr(c)->read_index), w0);
	err = st_call_ms(c, st_tur(c, &lun200), QUIET_MS);
	check(err == -ETIMEDOUT, step,
	      "the channel failed: a proper TEST UNIT READY after it: %s", st_saw(c, err));
	return st_close(c, step);
}

static bool st_breakers(struct st_ctx *c)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(st_breaks); i++)
		if (!st_break_one(c, &st_breaks[i]))
			return false;
	/* and after all that, the channel opens and works */
	return st_open(c, "storage/reopen") && st_init(c, "storage/reopen") &&
	       st_lun0_ready(c, "storage/reopen");
}

/*
 * 6. ST_FLOOD requests with no reply read: the host stops when our ring
 * has no room for the replies; then every one comes, once.
 */
static bool st_flood(struct st_ctx *c)
{
	const struct st_reply *g = &c->got;
	unsigned int i, sent, got = 0, dup = 0, alien = 0, bad = 0, stable = 0;
	u32 w0, held, taken, pend, last = ~0u, now;
	u64 base, t;
	int err = 0;

	st_consumed(c, timeout_ms);
	w0 = c->wpos;
	base = c->trans + 1;
	for (sent = 0; sent < ST_FLOOD; sent++) {
		if (!st_queue(c, st_tur(c, &st_lun0)))
			break;
		st_publish(c);
	}
	if (!check(sent == ST_FLOOD, "storage/flood", "%u TEST UNIT READY of LUN 0 written, none of their replies read",
		   sent))
		return false;
	/* until the host stops: every request taken replied to, for 500 ms */
	for (i = 0; i < timeout_ms / 100 && stable < 5; i++) {
		msleep(100);
		now = READ_ONCE(st_in_hdr(c)->write_index);
		held = st_waiting(c);
		taken = st_dist(w0, READ_ONCE(st_out_hdr(c)->read_index), ST_OUT_SIZE) / ST_SLOT;
		stable = now == last && held == taken ? stable + 1 : 0;
		last = now;
	}
	held = st_waiting(c);
	taken = st_dist(w0, READ_ONCE(st_out_hdr(c)->read_index), ST_OUT_SIZE) / ST_SLOT;
	pend = READ_ONCE(st_in_hdr(c)->pending_send_sz);
	check(taken < ST_FLOOD && held == taken && held <= ST_IN_SIZE / ST_SLOT && pend, "storage/flood",
	      "the host stopped: %u requests taken, %u replies wait in our ring (room for %lu), pending_send_sz %u",
	      taken, held, ST_IN_SIZE / ST_SLOT, pend);

	bitmap_zero(c->seen, ST_FLOOD);
	while (got < ST_FLOOD) {
		err = st_get(c, timeout_ms);
		if (err)
			break;
		t = g->d.trans_id;
		if (st_unsolicited(g))
			continue;
		if (t < base || t >= base + ST_FLOOD) {
			alien++;
			continue;
		}
		if (test_and_set_bit(t - base, c->seen)) {
			dup++;
			continue;
		}
		got++;
		bad += !st_reply_ok(g) || g->p.status || g->p.srb.srb_status != VMB_SRB_STATUS_SUCCESS ||
		       g->p.srb.scsi_status || g->p.srb.lun;
	}
	if (!err) {
		err = st_get(c, QUIET_MS);
		if (!err)
			alien++;
	}
	check(got == ST_FLOOD && !dup && !alien && !bad && err == -ETIMEDOUT, "storage/flood",
	      "read: %u of %u replies, %u twice, %u to no request of ours, %u not a good TEST UNIT READY completion; then %s",
	      got, ST_FLOOD, dup, alien, bad, err == -ETIMEDOUT ? "nothing" : st_saw(c, err));
	return check(st_consumed(c, timeout_ms), "storage/flood", "the host took all %u requests",
		     ST_FLOOD);
}

/* SynIC messages until QUIET_MS passes without one: our sub-channels' offers. */
static unsigned int st_sub_offers(struct st_ctx *c, const char *step, unsigned int *others)
{
	u8 buf[VMB_MSG_MAX];
	unsigned int n = 0;
	int len;

	*others = 0;
	while ((len = recv_msg(buf, QUIET_MS)) != -ETIMEDOUT) {
		const struct vmb_msg_offer *o = (void *)buf;

		if (len < 0)
			break;
		if (len >= (int)sizeof(*o) && o->hdr.msgtype == VMB_MSG_OFFERCHANNEL &&
		    guid_eq(&o->if_type, (struct vmb_guid)VMB_GUID_SCSI) &&
		    !memcmp(&o->if_instance, &c->inst, sizeof(c->inst)) && o->sub_channel_index) {
			note(step, "sub-channel %u offered: relid %u", o->sub_channel_index,
			     o->child_relid);
			n++;
		} else if (len >= (int)sizeof(struct vmb_msg_hdr)) {
			note(step, "a message of type %u", o->hdr.msgtype);
			(*others)++;
		}
	}
	return n;
}

/*
 * 7. CREATE_SUB_CHANNELS twice in one go, the second while the first
 * waits for its sub-channels: one reply each. With one vCPU the host
 * has none to give: both refused.
 */
static bool st_subchannels(struct st_ctx *c)
{
	unsigned long end = jiffies + msecs_to_jiffies(timeout_ms);
	u16 n = c->max_sub ? c->max_sub : 1;
	unsigned int r1 = 0, r2 = 0, others = 0, offers, msgs;
	u32 st1 = ~0u, st2 = ~0u;
	struct st_req *r;
	u64 t1, t2;
	bool ok;

	st_consumed(c, timeout_ms);
	r = st_op(c, VMB_STOR_OP_CREATE_SUB_CHANNELS);
	r->p.sub_channel_count = n;
	t1 = st_queue(c, r);
	t2 = st_queue(c, r);
	/* one write_index for both: the host finds them together */
	st_publish(c);
	/* both replies, then nothing more for QUIET_MS */
	for (;;) {
		long left = (long)(end - jiffies);

		if (!(r1 && r2) && left <= 0)
			break;
		if (st_get(c, r1 && r2 ? QUIET_MS : jiffies_to_msecs(left)))
			break;
		if (c->got.d.trans_id == t1 && st_reply_ok(&c->got)) {
			r1++;
			st1 = c->got.p.status;
		} else if (c->got.d.trans_id == t2 && st_reply_ok(&c->got)) {
			r2++;
			st2 = c->got.p.status;
		} else if (!st_unsolicited(&c->got)) {
			others++;
		}
	}
	offers = st_sub_offers(c, "storage/subchannels", &msgs);
	if (c->max_sub)
		ok = st1 == VMB_STOR_NT_SUCCESS &&
		     (st2 == VMB_STOR_NT_INVALID_DEVICE_STATE || st2 == VMB_STOR_NT_INVALID_PARAMETER ||
		      st2 == VMB_STOR_NT_UNSUCCESSFUL) && offers == n;
	else
		ok = st1 == VMB_STOR_NT_INVALID_PARAMETER && st2 == VMB_STOR_NT_INVALID_PARAMETER &&
		     !offers;
	check(ok && r1 == 1 && r2 == 1 && !others && !msgs, "storage/subchannels",
	      "%u asked for twice (the host has %u): %u replies (status %#x), %u replies (status %#x), %u other packets; %u offers of sub-channels, %u other messages",
	      n, c->max_sub, r1, st1, r2, st2, others, offers, msgs);
	return st_lun0_ready(c, "storage/subchannels");
}

/* 8. Closed with requests in flight and waiting; opened again, it works. */
static bool st_close_busy(struct st_ctx *c)
{
	unsigned int i, queued = 0, strays;
	struct st_req *r;

	st_consumed(c, timeout_ms);
	/* READs of 64 KiB into pages of ours that nothing looks at after */
	for (i = 0; i < 4; i++) {
		r = st_read10(c, i * 128, 128);
		st_buf_range(c, r, ST_BUF_PAGES - 16, 0, 128 * ST_BLOCK);
		queued += !!st_queue(c, r);
	}
	/* and more than our ring has room for the replies of */
	for (i = 0; i < 150; i++)
		queued += !!st_queue(c, st_tur(c, &st_lun0));
	st_publish(c);
	note("storage/close-in-flight", "%u requests written, %u replies in our ring at the close",
	     queued, st_waiting(c));
	if (!st_close(c, "storage/close-in-flight"))
		return false;
	strays = c->strays;
	if (!st_open(c, "storage/reopen-after-close") || !st_init(c, "storage/reopen-after-close"))
		return false;
	check(c->strays == strays, "storage/reopen-after-close",
	      "no reply of the closed channel in the new rings (%u)", c->strays - strays);
	return st_read_sector0(c, "storage/reopen-after-close") &&
	       st_lun0_ready(c, "storage/reopen-after-close");
}

static const struct {
	const char *name;
	bool (*run)(struct st_ctx *c);
} st_steps[] = {
	{ "start",		st_start },
	{ "before-init",	st_before_init },
	{ "init",		st_init_case },
	{ "absent",		st_absent },
	{ "foreign-pfn",	st_foreign_pfn },
	{ "break",		st_breakers },
	{ "flood",		st_flood },
	{ "subchannels",	st_subchannels },
	{ "close-in-flight",	st_close_busy },
};

static void scenario_storage(void)
{
	struct st_ctx *c = kzalloc(sizeof(*c), GFP_KERNEL);
	unsigned int i;

	/* all the requests fit in our ring, not all their replies in the host's */
	BUILD_BUG_ON(ST_FLOOD * ST_SLOT >= ST_OUT_SIZE || ST_FLOOD * ST_SLOT <= ST_IN_SIZE);
	if (!c)
		return;
	c->handle = 0x8000;
	/* the kernel's direct map ends with our memory */
	c->foreign = PHYS_PFN(virt_to_phys(high_memory - 1)) + 1 + ST_FOREIGN_GAP;
	c->ring_pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, get_order(ST_RING_PAGES * PAGE_SIZE));
	c->buf_pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, get_order(ST_BUF_PAGES * PAGE_SIZE));
	if (!c->ring_pages || !c->buf_pages)
		goto out;
	c->ring = page_address(c->ring_pages);
	c->buf = page_address(c->buf_pages);
	for (i = 0; i < ARRAY_SIZE(st_steps); i++)
		if (!st_steps[i].run(c))
			break;
	check(i == ARRAY_SIZE(st_steps), "storage/steps", "%u of %zu steps ran to their end (%s)", i,
	      ARRAY_SIZE(st_steps), i < ARRAY_SIZE(st_steps) ? st_steps[i].name : "all");
	st_close(c, "storage/close");
	if (h.msg_conn)
		unload_bus("storage/unload");
out:
	if (c->leak || h.leak) {
		/* The host did not confirm it let go: never reuse them. */
		h.leak = true;
		note("storage/cleanup", "leaving the rings and the buffer allocated");
		kfree(c);
		return;
	}
	/* READs of the closed channel were done long ago: LIO ends every one */
	if (c->ring_pages)
		__free_pages(c->ring_pages, get_order(ST_RING_PAGES * PAGE_SIZE));
	if (c->buf_pages)
		__free_pages(c->buf_pages, get_order(ST_BUF_PAGES * PAGE_SIZE));
	kfree(c);
}

/* ---- the module ---- */

static const struct {
	const char *name;
	void (*run)(void);
} scenarios[] = {
	{ "msgs",	scenario_msgs },
	{ "gpadl",	scenario_gpadl },
	{ "ring",	scenario_ring },
	{ "subch",	scenario_subch },
	{ "storage",	scenario_storage },
};

static int hostile_run(void *unused)
{
	unsigned int i;

	if (!hv_hypercall_pg) {
		pr_err("HOSTILE setup: FAIL: no hypercall page: not on Hyper-V?\n");
		return -ENODEV;
	}
	if (synic_enable()) {
		free_all();
		return -ENOMEM;
	}
	note("start", "scenario %s, time-out %u ms", scenario, timeout_ms);
	{
		/* What an earlier scenario left unread is not ours. */
		unsigned int others, n = drain(0, QUIET_MS, &others);

		note("start", "%u stale messages drained", n + others);
	}
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (!strcmp(scenario, scenarios[i].name))
			break;
	if (i < ARRAY_SIZE(scenarios))
		scenarios[i].run();
	else
		check(false, "start", "no scenario called %s", scenario);
	synic_disable();
	free_all();
	pr_info("HOSTILE done: %u checks, %u failed\n", h.checks, h.failed);
	return 0;
}

static int __init hostile_init(void)
{
	int cpu = cpumask_first(cpu_online_mask);

	/* One vCPU for all of it: the SynIC pages are that VP's. */
	return smp_call_on_cpu(cpu, hostile_run, NULL, false);
}

static void __exit hostile_exit(void)
{
}

module_init(hostile_init);
module_exit(hostile_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvkvm: a hostile VMBus guest, for the host's robustness tests");
