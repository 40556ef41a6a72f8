// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for lib/vmbus/bus.c: one bus, fed a sequence of
 * guest messages and host actions, with fake ops that check what the
 * host does after every step and that nothing leaks at the end.
 *
 * Input: records, until the input runs out:
 *   kind < 0xe0:  a guest message: u8 conn, u8 len, then len bytes (or
 *                 what is left). conn < 0xf0 is connection 1 or 4 (its
 *                 low bit), else the raw id conn - 0xf0.
 *   0xe0..0xe7:   add channel slot kind & 7 (u8 arg: its sub-channel index)
 *   0xe8..0xef:   remove channel slot kind & 7
 *   0xf0:         reset the bus
 *   0xf1:         u8 n: the n-th allocation from now fails (0: none)
 *   0xf2:         toggle failing posts
 *   0xf3:         toggle failing chan_open
 *   0xf4:         toggle failing chan_retarget
 *   0xf5:         a GPADL as Linux sends it: u8 relid, u16 pages (mod
 *                 8191), u8 pfn base (0xff: outside guest memory); the
 *                 handles count up from 0x100000
 *   0xf6:         OPENCHANNEL as Linux sends it: u8 relid, u8 vp, u8
 *                 downstream offset, on the last 0xf5 handle
 *   0xf7:         toggle a busy guest: posts say -ENOBUFS
 *   0xf8:         vmb_bus_flush (it must say true unless the guest is
 *                 busy and something waits)
 *   0xf9:         toggle a host that holds torn-down GPADLs (-EBUSY)
 *   0xfa:         u8 n: the host lets go of GPADL 0x100000 + n
 *                 (vmb_bus_gpadl_done); u8 relid: and looks GPADL
 *                 0x100000 + n up from channel relid (vmb_bus_gpadl:
 *                 complete, not torn down, not an open channel's rings)
 *   others:       nothing
 *
 * Checked after each step: every message posted is one a Linux guest
 * takes (a host-to-guest type, its exact size, a VP that exists); the
 * bus's GPADL list holds only live allocations, with distinct handles,
 * counted right, and ring GPADLs belong to open channels; allocations
 * live stay within what the bus's limits allow; the fake's view of open
 * channels matches the bus's; chan_gone comes once per channel and only
 * for a channel that was added. At the end, vmb_bus_destroy leaves no
 * allocation and every channel gone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvkvm/vmbus_bus.h>
#include "vmbus_fake.h"

/* The ops have the signatures struct vmb_ops gives; not all use all. */
#pragma clang diagnostic ignored "-Wunused-parameter"

#define NVPS		4
#define NSLOTS		8
#define RELID_MAX	16
#define CONN_BASE	0x2000
#define MEM_PAGES	(1u << 20)

enum slot_state { SLOT_FREE, SLOT_ADDED };

struct fake {
	struct vmb_bus bus;		/* first: the ops find us by it */
	struct vf_alloc alloc;
	bool fail_post, fail_open, fail_retarget, busy, flushing, gpadl_busy,
	     pages_busy;
	struct vmb_chan chans[NSLOTS];
	enum slot_state slot[NSLOTS];
	bool open[NSLOTS];
	u32 gone[NSLOTS];		/* in this incarnation */
	u32 next_handle, last_handle;
};

static struct fake F;
static int trace = -1;		/* FUZZ_CHAN_TRACE=1: print what is posted */

static int slot_of(struct vmb_chan *c)
{
	check(c >= F.chans && c < F.chans + NSLOTS);
	return c - F.chans;
}

static int op_post(struct vmb_bus *bus, u32 vp, const void *msg, u32 len)
{
	u32 type;

	check(bus == &F.bus);
	check(vf_post_ok(vp, NVPS, msg, len));
	type = rd32(msg, 0);
	if (type == VMB_MSG_OFFERCHANNEL) {
		u32 relid = rd32(msg, 184);

		check(relid && relid <= RELID_MAX);
		check(rd32(msg, 192) == CONN_BASE + relid);
		/* one that waited: the guest may have released it since */
		check(bus->chans[relid] || F.flushing);
	}
	if (type == VMB_MSG_VERSION_RESPONSE)
		check(rd32(msg, 12) == VMB_MESSAGE_CONN_ID);
	if (trace)
		fprintf(stderr, "post %s %#x %#x %#x\n", vmb_msg_name(type),
			len >= 12 ? rd32(msg, 8) : 0, len >= 16 ? rd32(msg, 12) : 0,
			len >= 20 ? rd32(msg, 16) : 0);
	if (F.busy)
		return -ENOBUFS;
	return F.fail_post ? -EAGAIN : 0;
}

static void *op_zalloc(struct vmb_bus *bus, u32 size)
{
	return vf_zalloc(&F.alloc, size);
}

static int op_gpadl_teardown(struct vmb_bus *bus, struct vmb_gpadl *g)
{
	check(bus == &F.bus && g->complete && !g->ring && !g->tearing);
	return F.gpadl_busy ? -EBUSY : 0;
}

static bool op_gpadls_busy(struct vmb_bus *bus)
{
	check(bus == &F.bus);
	return F.pages_busy;
}

static void op_free(struct vmb_bus *bus, void *p)
{
	vf_free(&F.alloc, p);
}

static int op_gpadl_create(struct vmb_bus *bus, struct vmb_gpadl *g)
{
	check(vf_alloc_live(g) && vf_alloc_live(g->pfns) && g->npfns);
	check(!g->complete && !g->host);
	return vf_gpadl_create(&F.alloc, g, MEM_PAGES);
}

static void op_gpadl_destroy(struct vmb_bus *bus, struct vmb_gpadl *g)
{
	check(g->complete && !g->ring);
	vf_gpadl_destroy(&F.alloc, g);
}

static int op_chan_open(struct vmb_bus *bus, struct vmb_chan *c,
			struct vmb_gpadl *g)
{
	int s = slot_of(c);

	check(F.slot[s] == SLOT_ADDED && !F.open[s]);
	check(c->state == VMB_CHAN_CLOSED && c->offered);
	check(vf_alloc_live(g) && g->complete && !g->ring);
	check(g->relid == c->relid && g->handle == c->ring_gpadl);
	check(c->downstream >= 2 && c->downstream + 2 <= g->npfns);
	check(c->target_vp < NVPS || c->target_vp == VMB_VP_NO_INTERRUPT);
	if (F.fail_open)
		return -EINVAL;
	F.open[s] = true;
	return 0;
}

static void op_chan_close(struct vmb_bus *bus, struct vmb_chan *c)
{
	int s = slot_of(c);

	check(F.open[s] && c->state == VMB_CHAN_OPEN);
	F.open[s] = false;
}

static int op_chan_retarget(struct vmb_bus *bus, struct vmb_chan *c, u32 vp)
{
	check(F.open[slot_of(c)] && vp < NVPS);
	return F.fail_retarget ? -EIO : 0;
}

static void op_chan_gone(struct vmb_bus *bus, struct vmb_chan *c)
{
	int s = slot_of(c);
	u32 relid;

	check(F.slot[s] == SLOT_ADDED && !F.open[s]);
	check(++F.gone[s] == 1);
	for (relid = 1; relid <= RELID_MAX; relid++)
		check(bus->chans[relid] != c);
	F.slot[s] = SLOT_FREE;
}

static void op_connection(struct vmb_bus *bus, u32 version)
{
	unsigned int i;
	bool known = !version;

	for (i = 0; i < vmb_nversions; i++)
		known |= vmb_versions[i] == version;
	check(known);
}

static void op_fault(struct vmb_bus *bus, const char *what, u32 a, u32 b)
{
	check(what);
}

static const struct vmb_ops fake_ops = {
	.post		= op_post,
	.zalloc		= op_zalloc,
	.free		= op_free,
	.gpadl_create	= op_gpadl_create,
	.gpadl_destroy	= op_gpadl_destroy,
	.gpadl_teardown	= op_gpadl_teardown,
	.gpadls_busy	= op_gpadls_busy,
	.chan_open	= op_chan_open,
	.chan_close	= op_chan_close,
	.chan_retarget	= op_chan_retarget,
	.chan_gone	= op_chan_gone,
	.connection	= op_connection,
	.fault		= op_fault,
};

/* The bus's state against the fake's, after every step. */
static void check_bus(void)
{
	struct vmb_bus *bus = &F.bus;
	struct vmb_gpadl *g, *h;
	u32 n = 0, bytes = 0, relid;
	int s;

	for (g = bus->gpadls; g; g = g->next) {
		check(vf_alloc_live(g));
		check(++n <= VMB_GPADLS_MAX);
		bytes += g->buflen;
		check(g->handle);
		for (h = g->next; h; h = h->next)
			check(h->handle != g->handle);
		check(g->relid && g->relid <= RELID_MAX && bus->chans[g->relid]);
		/* a rescinded channel's: only in progress (refused at the end) */
		check(bus->chans[g->relid]->state != VMB_CHAN_RESCINDED ||
		      !g->complete);
		if (g->complete) {
			check(!g->area && vf_alloc_live(g->pfns) &&
			      vf_alloc_live(g->host));
			check(g->npfns && g->npfns * 8 <= g->buflen);
		} else {
			check(vf_alloc_live(g->area) && !g->pfns && !g->ring);
			check(g->have < g->buflen);
		}
		check(!g->tearing || (g->complete && !g->ring));
		if (g->ring) {
			struct vmb_chan *c = bus->chans[g->relid];

			check(c->state == VMB_CHAN_OPEN && c->ring_gpadl == g->handle);
		}
	}
	check(n == bus->ngpadls);
	check(bytes == bus->gpadl_bytes && bytes <= VMB_GPADL_BYTES_MAX);
	/* g, area or pfns, host: three a GPADL; one a waiting message. */
	check(bus->noutq <= VMB_OUTQ_MAX);
	check(F.alloc.live <= 3 * (long)n + bus->noutq);
	check(F.alloc.live_bytes <= 2ull * bytes + n * (sizeof(*g) + 8) +
	      bus->noutq * sizeof(struct vmb_outmsg));
	for (relid = 1; relid <= RELID_MAX; relid++) {
		struct vmb_chan *c = bus->chans[relid];

		if (!c)
			continue;
		s = slot_of(c);
		check(F.slot[s] == SLOT_ADDED && c->relid == relid);
		check(F.open[s] == (c->state == VMB_CHAN_OPEN));
		if (c->state == VMB_CHAN_OPEN) {
			g = NULL;
			for (h = bus->gpadls; h; h = h->next)
				if (h->handle == c->ring_gpadl)
					g = h;
			check(g && g->ring && g->relid == relid);
			check(bus->connected && c->offered);
		}
		if (!bus->connected)
			check(!c->offered);
	}
	for (s = 0; s < NSLOTS; s++) {
		if (F.slot[s] == SLOT_ADDED)
			check(bus->chans[F.chans[s].relid] == &F.chans[s]);
		else
			check(!F.open[s]);
	}
	if (!bus->connected)
		check(!bus->ngpadls && !bus->offers_requested && !bus->version);
}

static void guest_post(const void *m, u32 len)
{
	int err = vmb_bus_message(&F.bus, VMB_MESSAGE_CONN_ID, m, len);

	/* -EAGAIN: an answer waiting for the host's devices, disconnected */
	check(err == 0 || (err == -EAGAIN && F.pages_busy && !F.bus.connected));
	check_bus();
}

/* __vmbus_establish_gpadl's header and bodies. */
static void linux_gpadl(u32 relid, u32 pages, u64 pfn0)
{
	u32 handle = ++F.next_handle, done = 0;
	u8 m[VF_GPADL_MSG_MAX];

	F.last_handle = handle;
	do
		guest_post(m, vf_gpadl_msg(m, relid, handle, pages, pfn0,
					   &done));
	while (done < pages);
}

static void linux_open(u32 relid, u32 vp, u32 ds)
{
	u8 m[VF_OPEN_MSG_SIZE];

	guest_post(m, vf_open_msg(m, relid, F.last_handle, vp, ds));
}

static void add_slot(int s, u32 sub)
{
	struct vmb_chan *c = &F.chans[s];

	if (F.slot[s] != SLOT_FREE)
		return;
	memset(c, 0, sizeof(*c));
	c->if_instance.b[0] = s;
	c->if_type.b[0] = 0x80 | s;
	c->sub_index = sub % 3;
	if (vmb_bus_add(&F.bus, c))
		return;
	F.slot[s] = SLOT_ADDED;
	F.gone[s] = 0;
}

static void step(struct vf_in *in)
{
	u32 kind = vf_get(in, 1);

	if (kind < 0xe0) {
		u8 msg[256];
		u32 conn = vf_get(in, 1), len = vf_get(in, 1), i;
		int err;

		if (conn < 0xf0)
			conn = conn & 1 ? VMB_MESSAGE_CONN_ID_4 :
					  VMB_MESSAGE_CONN_ID;
		else
			conn -= 0xf0;
		for (i = 0; i < len && in->n; i++)
			msg[i] = vf_get(in, 1);
		err = vmb_bus_message(&F.bus, conn, i ? msg : NULL, i);
		check(err == 0 || (err == -ENOENT &&
				   conn != VMB_MESSAGE_CONN_ID &&
				   conn != VMB_MESSAGE_CONN_ID_4) ||
		      (err == -EAGAIN && F.pages_busy && !F.bus.connected &&
		       !F.bus.ngpadls));
		return;
	}
	if (kind < 0xe8) {
		add_slot(kind & 7, vf_get(in, 1));
		return;
	}
	if (kind < 0xf0) {
		int s = kind & 7;

		if (F.slot[s] == SLOT_ADDED)
			vmb_bus_remove(&F.bus, &F.chans[s]);
		return;
	}
	switch (kind) {
	case 0xf0:
		vmb_bus_reset(&F.bus);
		break;
	case 0xf1:
		F.alloc.fail_after = vf_get(in, 1);
		break;
	case 0xf2:
		F.fail_post = !F.fail_post;
		break;
	case 0xf3:
		F.fail_open = !F.fail_open;
		break;
	case 0xf4:
		F.fail_retarget = !F.fail_retarget;
		break;
	case 0xf7:
		F.busy = !F.busy;
		break;
	case 0xf9:
		F.gpadl_busy = !F.gpadl_busy;
		break;
	case 0xfb:
		F.pages_busy = !F.pages_busy;
		break;
	case 0xfa: {
		u32 handle = 0x100000 + vf_get(in, 1), relid = vf_get(in, 1);
		struct vmb_gpadl *g;

		if (relid && relid <= RELID_MAX && F.bus.chans[relid]) {
			g = vmb_bus_gpadl(&F.bus, F.bus.chans[relid], handle);
			check(!g || (g->handle == handle && g->complete &&
				     !g->tearing && !g->ring));
		}
		vmb_bus_gpadl_done(&F.bus, handle);
		break;
	}
	case 0xf8: {
		bool waiting = F.bus.outq;

		F.flushing = true;
		check(vmb_bus_flush(&F.bus) == !(F.busy && waiting));
		F.flushing = false;
		check(!F.bus.outq == !F.bus.noutq);
		check(F.bus.noutq <= VMB_OUTQ_MAX);
		break;
	}
	case 0xf5: {
		u32 relid = vf_get(in, 1);
		u32 pages = vf_get(in, 2) % 8191;
		u32 base = vf_get(in, 1);

		if (pages)
			linux_gpadl(relid, pages,
				    base == 0xff ? MEM_PAGES - 1 : base << 8);
		break;
	}
	case 0xf6: {
		u32 relid = vf_get(in, 1), vp = vf_get(in, 1);

		linux_open(relid, vp, vf_get(in, 1));
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vf_in in = { data, size };
	int s;

	if (trace < 0)
		trace = !!getenv("FUZZ_CHAN_TRACE");
	memset(&F, 0, sizeof(F));
	F.next_handle = 0x100000;	/* apart from the seeds' Linux handles */
	vmb_bus_init(&F.bus, &fake_ops, NVPS, CONN_BASE, RELID_MAX);
	while (in.n) {
		step(&in);
		check_bus();
	}
	F.alloc.fail_after = 0;
	vmb_bus_destroy(&F.bus);
	check(F.alloc.live == 0 && F.alloc.live_bytes == 0);
	check(!F.bus.gpadls && !F.bus.ngpadls && !F.bus.gpadl_bytes);
	check(!F.bus.connected);
	for (s = 0; s < NSLOTS; s++) {
		check(F.slot[s] == SLOT_FREE && !F.open[s]);
		check(F.gone[s] <= 1);
	}
	return 0;
}
