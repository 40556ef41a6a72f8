// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the host's VMBus channel-management protocol
 * (lib/vmbus/bus.c), built natively. The guest is played by hand, byte
 * for byte as Linux 6.1's hv_vmbus builds its messages (connection.c,
 * channel.c, channel_mgmt.c), and what the host posts is decoded by
 * offset, as the guest reads it. The host's world is a set of fake ops
 * that record every message, count every allocation (none may be left
 * after vmb_bus_destroy) and accept as guest memory the pfns below a limit.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include <hvkvm/vmbus_bus.h>
#include "vmbus_fake.h"

/* The expectations compare small literals with the u16/u32 fields read. */
#pragma GCC diagnostic ignored "-Wsign-compare"
/* The harness longjmps out of a failed ASSERT only to end the test. */
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wclobbered"
#endif

#define NVPS		4
#define CONN_BASE	0x2000
#define NCHANS		16
#define MEM_PAGES	(1u << 20)	/* 4 GiB of guest memory */
#define FIRST_HANDLE	0xe1e11		/* Linux's first GPADL handle */

/* ---- the host's world ---- */

struct posted {
	u32 vp;
	u32 len;
	u8 b[VMB_MSG_MAX];
};

/* What the ops saw, in order, for the tests that check the order. */
enum { EV_CLOSE = 1, EV_DESTROY, EV_GONE, EV_OPEN };

struct fake {
	struct vmb_bus bus;		/* first: the ops find us by it */
	struct posted *out;
	u32 nout, cap, seen;
	u32 bad_posts;			/* not a message a guest takes */
	struct vf_alloc alloc;
	u64 mem_pages;
	int fail_open, fail_retarget, fail_post;
	bool busy;			/* posts past room say -ENOBUFS */
	bool gpadl_busy;		/* teardowns wait for the host */
	bool pages_busy;		/* dropped GPADLs still in use */
	u32 nteardown;
	u32 room;
	u32 nopen, nclose, nretarget, ncreate, ndestroy, nconnection;
	struct vmb_chan *open_c;
	struct vmb_gpadl *open_g;
	u32 open_ds, retarget_vp, version;
	u32 create_handle, create_npfns;
	u64 create_pfns[8192];
	u32 nfaults;
	const char *fault;
	struct vmb_chan chans[NCHANS];
	int gone[NCHANS];
	int is_open[NCHANS];
	int events[64];
	u32 nevents;
};

static struct fake *fake_of(struct vmb_bus *bus)
{
	return (struct fake *)bus;
}

static void event(struct fake *f, int ev)
{
	if (f->nevents < 64)
		f->events[f->nevents++] = ev;
}

static int chan_index(struct fake *f, struct vmb_chan *c)
{
	if (c < f->chans || c >= f->chans + NCHANS)
		return -1;
	return c - f->chans;
}

static int op_post(struct vmb_bus *bus, u32 vp, const void *msg, u32 len)
{
	struct fake *f = fake_of(bus);
	struct posted *p;

	if (!vf_post_ok(vp, NVPS, msg, len))
		f->bad_posts++;
	if (f->fail_post)
		return -EAGAIN;
	if (f->busy) {
		if (!f->room)
			return -ENOBUFS;
		f->room--;
	}
	if (f->nout == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		f->out = realloc(f->out, f->cap * sizeof(*f->out));
		if (!f->out)
			abort();
	}
	p = &f->out[f->nout++];
	p->vp = vp;
	p->len = len > VMB_MSG_MAX ? VMB_MSG_MAX : len;
	memcpy(p->b, msg, p->len);
	return 0;
}

static void *op_zalloc(struct vmb_bus *bus, u32 size)
{
	return vf_zalloc(&fake_of(bus)->alloc, size);
}

static void op_free(struct vmb_bus *bus, void *p)
{
	vf_free(&fake_of(bus)->alloc, p);
}

/* Guest memory is the pfns below mem_pages. */
static int op_gpadl_create(struct vmb_bus *bus, struct vmb_gpadl *g)
{
	struct fake *f = fake_of(bus);
	int err = vf_gpadl_create(&f->alloc, g, f->mem_pages);
	u32 i;

	if (err)
		return err;
	f->ncreate++;
	f->create_handle = g->handle;
	f->create_npfns = g->npfns;
	for (i = 0; i < g->npfns && i < 8192; i++)
		f->create_pfns[i] = g->pfns[i];
	return 0;
}

static void op_gpadl_destroy(struct vmb_bus *bus, struct vmb_gpadl *g)
{
	struct fake *f = fake_of(bus);

	f->ndestroy++;
	event(f, EV_DESTROY);
	vf_gpadl_destroy(&f->alloc, g);
}

static int op_chan_open(struct vmb_bus *bus, struct vmb_chan *c,
			struct vmb_gpadl *g)
{
	struct fake *f = fake_of(bus);
	int i = chan_index(f, c);

	if (f->fail_open)
		return -EINVAL;
	if (i < 0 || f->is_open[i])
		abort();
	f->is_open[i] = 1;
	f->nopen++;
	f->open_c = c;
	f->open_g = g;
	f->open_ds = c->downstream;
	event(f, EV_OPEN);
	return 0;
}

static void op_chan_close(struct vmb_bus *bus, struct vmb_chan *c)
{
	struct fake *f = fake_of(bus);
	int i = chan_index(f, c);

	if (i < 0 || !f->is_open[i])
		abort();
	f->is_open[i] = 0;
	f->nclose++;
	event(f, EV_CLOSE);
}

static int op_chan_retarget(struct vmb_bus *bus, struct vmb_chan *c, u32 vp)
{
	struct fake *f = fake_of(bus);

	if (!f->is_open[chan_index(f, c)])
		abort();
	f->nretarget++;
	f->retarget_vp = vp;
	return f->fail_retarget ? -EIO : 0;
}

static void op_chan_gone(struct vmb_bus *bus, struct vmb_chan *c)
{
	struct fake *f = fake_of(bus);
	int i = chan_index(f, c);

	if (i < 0 || f->is_open[i])
		abort();
	f->gone[i]++;
	event(f, EV_GONE);
}

static void op_connection(struct vmb_bus *bus, u32 version)
{
	struct fake *f = fake_of(bus);

	f->nconnection++;
	f->version = version;
}

static void op_fault(struct vmb_bus *bus, const char *what, u32 a, u32 b)
{
	struct fake *f = fake_of(bus);

	f->nfaults++;
	f->fault = what;
}

static int op_gpadl_teardown(struct vmb_bus *bus, struct vmb_gpadl *g)
{
	struct fake *f = fake_of(bus);

	f->nteardown++;
	return f->gpadl_busy ? -EBUSY : 0;
}

static bool op_gpadls_busy(struct vmb_bus *bus)
{
	return fake_of(bus)->pages_busy;
}

static const struct vmb_ops fake_ops = {
	.gpadl_teardown	= op_gpadl_teardown,
	.gpadls_busy	= op_gpadls_busy,
	.post		= op_post,
	.zalloc		= op_zalloc,
	.free		= op_free,
	.gpadl_create	= op_gpadl_create,
	.gpadl_destroy	= op_gpadl_destroy,
	.chan_open	= op_chan_open,
	.chan_close	= op_chan_close,
	.chan_retarget	= op_chan_retarget,
	.chan_gone	= op_chan_gone,
	.connection	= op_connection,
	.fault		= op_fault,
};

static const struct vmb_guid guid_nic = VMB_GUID_NIC;
static const struct vmb_guid guid_scsi = VMB_GUID_SCSI;
static const struct vmb_guid guid_hb = VMB_GUID_HEARTBEAT;

/* Channel i: a device of its own, or sub-channel sub of primary's. */
static struct vmb_chan *mkchan(struct fake *f, int i, int primary, u16 sub)
{
	struct vmb_chan *c = &f->chans[i];
	int d = primary < 0 ? i : primary;	/* the device's */

	memset(c, 0, sizeof(*c));
	c->if_type = d == 4 ? guid_hb : d % 2 ? guid_nic : guid_scsi;
	memset(c->if_instance.b, 0x10 + d, 16);
	c->sub_index = sub;
	c->chn_flags = i == 3 ? VMB_CHN_FLAG_NAMED_PIPE_MODE : 0;
	c->mmio_megabytes = i == 3 ? 8 : 0;
	c->user_def[0] = 0xa0 + i;
	c->user_def[119] = 0x50 + i;
	return c;
}

static struct vmb_chan *addchan(struct fake *f, int i)
{
	struct vmb_chan *c = mkchan(f, i, -1, 0);

	if (vmb_bus_add(&f->bus, c))
		abort();
	return c;
}

/* The next message the host posted, or NULL. */
static struct posted *next(struct fake *f)
{
	return f->seen < f->nout ? &f->out[f->seen++] : NULL;
}

static u32 pending(struct fake *f)
{
	return f->nout - f->seen;
}

/* ---- the guest: Linux 6.1, byte for byte ---- */

struct guest {
	u32 msg_conn_id;
	u32 next_handle;
	u32 vcpu;			/* VP of CPU 0 */
};

static int gpost(struct fake *f, u32 conn_id, const void *m, u32 len)
{
	return vmb_bus_message(&f->bus, conn_id, m, len);
}

static int send(struct fake *f, struct guest *g, const void *m, u32 len)
{
	return gpost(f, g->msg_conn_id, m, len);
}

static u32 mk_contact(u8 *m, u32 version, u32 vcpu)
{
	memset(m, 0, 40);
	wr32(m, 0, VMB_MSG_INITIATE_CONTACT);
	wr32(m, 8, version);
	wr32(m, 12, vcpu);
	if (version >= VMB_VERSION_WIN10_RS3_1)
		m[16] = VMB_MESSAGE_SINT;		/* msg_sint; vtl 0 */
	else
		wr64(m, 16, 0x7f001000);		/* interrupt page */
	wr64(m, 24, 0x7f002000);
	wr64(m, 32, 0x7f003000);
	return 40;
}

static u32 contact_conn(u32 version)
{
	return version >= VMB_VERSION_WIN10_RS3_1 ? VMB_MESSAGE_CONN_ID_4 :
						    VMB_MESSAGE_CONN_ID;
}

/* vmbus_negotiate_version: send one version, read the response. */
static int negotiate(struct fake *f, struct guest *g, u32 version)
{
	u8 m[40];
	struct posted *p;

	mk_contact(m, version, g->vcpu);
	if (gpost(f, contact_conn(version), m, 40))
		return -1;
	p = next(f);
	if (!p || rd32(p->b, 0) != VMB_MSG_VERSION_RESPONSE || p->len != 16 ||
	    p->vp != g->vcpu || pending(f))
		return -1;
	if (!p->b[8])
		return 0;
	g->msg_conn_id = version >= VMB_VERSION_WIN10_RS3_1 ?
			 rd32(p->b, 12) : VMB_MESSAGE_CONN_ID;
	return 1;
}

/* vmbus_connect: the versions in Linux's order, from max_version down. */
static const u32 linux_versions[] = {
	VMB_VERSION_WS2022, VMB_VERSION_WIN10_RS5, VMB_VERSION_WIN10_RS4,
	VMB_VERSION_WIN10_RS3_1, VMB_VERSION_WIN10_RS3_0, VMB_VERSION_WIN10,
	VMB_VERSION_WIN8_1, VMB_VERSION_WIN8,
};

static u32 gconnect(struct fake *f, struct guest *g, u32 max_version)
{
	unsigned int i;

	g->next_handle = FIRST_HANDLE - 1;
	for (i = 0; i < ARRAY_SIZE(linux_versions); i++) {
		if (linux_versions[i] > max_version)
			continue;
		switch (negotiate(f, g, linux_versions[i])) {
		case 1:
			return linux_versions[i];
		case -1:
			return 0;
		}
	}
	return 0;
}

static void request_offers(struct fake *f, struct guest *g)
{
	u8 m[8] = { VMB_MSG_REQUESTOFFERS };

	send(f, g, m, 8);
}

static u32 mk_relid(u8 *m, u32 type, u32 relid)
{
	memset(m, 0, 12);
	wr32(m, 0, type);
	wr32(m, 8, relid);
	return 12;
}

static void close_chan(struct fake *f, struct guest *g, u32 relid)
{
	u8 m[12];

	send(f, g, m, mk_relid(m, VMB_MSG_CLOSECHANNEL, relid));
}

static void relid_released(struct fake *f, struct guest *g, u32 relid)
{
	u8 m[12];

	send(f, g, m, mk_relid(m, VMB_MSG_RELID_RELEASED, relid));
}

static void teardown(struct fake *f, struct guest *g, u32 relid, u32 handle)
{
	u8 m[16] = { VMB_MSG_GPADL_TEARDOWN };

	wr32(m, 8, relid);
	wr32(m, 12, handle);
	send(f, g, m, 16);
}

static u32 mk_open(u8 *m, u32 relid, u32 handle, u32 vp, u32 ds)
{
	u32 len = vf_open_msg(m, relid, handle, vp, ds);

	m[28] = 0x5a;				/* storvsc-like user data */
	m[147] = 0xa5;
	return len;
}

static void gopen(struct fake *f, struct guest *g, u32 relid, u32 handle,
		  u32 vp, u32 ds)
{
	u8 m[VF_OPEN_MSG_SIZE];

	send(f, g, m, mk_open(m, relid, handle, vp, ds));
}

static void modify(struct fake *f, struct guest *g, u32 relid, u32 vp)
{
	u8 m[16] = { VMB_MSG_MODIFYCHANNEL };

	wr32(m, 8, relid);
	wr32(m, 12, vp);
	send(f, g, m, 16);
}

/*
 * __vmbus_establish_gpadl: create_gpadl_header's header (26 pfns at
 * most) and bodies (28 each), posted one after the other, the bodies
 * after the first stop_after - 1 left out. The pages of buffer b are
 * pfn0 + i; returns the handle.
 */
static u32 gpadl_send(struct fake *f, struct guest *g, u32 relid, u32 pages,
		      u64 pfn0, u32 stop_after)
{
	u32 handle = ++g->next_handle, done = 0, nmsg = 0;
	u8 m[VF_GPADL_MSG_MAX];

	do {
		send(f, g, m, vf_gpadl_msg(m, relid, handle, pages, pfn0,
					   &done));
		nmsg++;
	} while (done < pages && nmsg < stop_after);
	return handle;
}

static u32 gpadl(struct fake *f, struct guest *g, u32 relid, u32 pages,
		 u64 pfn0)
{
	return gpadl_send(f, g, relid, pages, pfn0, ~0u);
}

/* A body of n pfns for handle, as Linux builds it. */
static void gbody(struct fake *f, struct guest *g, u32 handle, u32 n, u64 pfn)
{
	u8 m[VF_GPADL_MSG_MAX];

	send(f, g, m, vf_gpadl_body_msg(m, handle, n, pfn));
}

/* ---- decoding what the guest is told ---- */

static int is_created(struct posted *p, u32 relid, u32 handle, int ok)
{
	return p && p->len == 20 && rd32(p->b, 0) == VMB_MSG_GPADL_CREATED &&
	       rd32(p->b, 8) == relid && rd32(p->b, 12) == handle &&
	       (rd32(p->b, 16) == 0) == !!ok;
}

static int is_open_result(struct posted *p, u32 relid, int ok)
{
	return p && p->len == 20 &&
	       rd32(p->b, 0) == VMB_MSG_OPENCHANNEL_RESULT &&
	       rd32(p->b, 8) == relid && rd32(p->b, 12) == relid &&
	       (rd32(p->b, 16) == 0) == !!ok;
}

static int is_torndown(struct posted *p, u32 handle)
{
	return p && p->len == 12 && rd32(p->b, 0) == VMB_MSG_GPADL_TORNDOWN &&
	       rd32(p->b, 8) == handle;
}

static int is_type(struct posted *p, u32 type)
{
	return p && rd32(p->b, 0) == type;
}

/* ---- the fixture: a bus, a few channels, a guest ---- */

FIXTURE(chan) {
	struct fake *f;
	struct guest g;
};

FIXTURE_SETUP(chan)
{
	self->f = calloc(1, sizeof(*self->f));
	ASSERT_NE(NULL, self->f);
	self->f->mem_pages = MEM_PAGES;
	vmb_bus_init(&self->f->bus, &fake_ops, NVPS, CONN_BASE, 64);
	self->g.vcpu = 0;
	self->g.msg_conn_id = VMB_MESSAGE_CONN_ID;
	self->g.next_handle = FIRST_HANDLE - 1;
}

FIXTURE_TEARDOWN(chan)
{
	struct fake *f = self->f;
	int i;

	vmb_bus_destroy(&f->bus);
	EXPECT_EQ(0, f->alloc.live)
		TH_LOG("%ld allocations left after destroy", f->alloc.live);
	EXPECT_EQ(0, f->bad_posts) TH_LOG("messages a guest would drop");
	EXPECT_EQ(f->ncreate, f->ndestroy);
	EXPECT_EQ(f->nopen, f->nclose);
	for (i = 0; i < NCHANS; i++) {
		EXPECT_EQ(0, f->is_open[i]);
		if (f->chans[i].relid)
			EXPECT_EQ(1, f->gone[i]) TH_LOG("channel %d", i);
	}
	free(f->out);
	free(f);
}

/* Connected at 5.3 (or max), offers taken, n channels 0..n-1. */
static void boot(struct fake *f, struct guest *g, u32 max, int n)
{
	int i;

	for (i = 0; i < n; i++)
		addchan(f, i);
	if (gconnect(f, g, max) != max)
		abort();
	request_offers(f, g);
	f->seen = f->nout;
}

/* A ring of 2 x pages/2 for relid, opened; returns the handle. */
static u32 open_ring(struct fake *f, struct guest *g, u32 relid, u32 pages,
		     u32 vp)
{
	u32 h = gpadl(f, g, relid, pages, 0x1000 * relid);

	if (!is_created(next(f), relid, h, 1))
		abort();
	gopen(f, g, relid, h, vp, pages / 2);
	if (!is_open_result(next(f), relid, 1))
		abort();
	return h;
}

/* ---- version negotiation ---- */

TEST_F(chan, versions_accepted)
{
	struct fake *f = self->f;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(linux_versions); i++) {
		u32 v = linux_versions[i];
		struct posted *p;
		u8 m[40];

		mk_contact(m, v, 3);
		ASSERT_EQ(0, gpost(f, contact_conn(v), m, 40));
		p = next(f);
		ASSERT_NE(NULL, p);
		EXPECT_EQ(0, pending(f));
		EXPECT_EQ(VMB_MSG_VERSION_RESPONSE, rd32(p->b, 0));
		EXPECT_EQ(0, rd32(p->b, 4));
		EXPECT_EQ(16, p->len);
		EXPECT_EQ(1, p->b[8]) TH_LOG("version %s", vmb_version_name(v));
		EXPECT_EQ(VMB_CONNECTION_SUCCESSFUL, p->b[9]);
		EXPECT_EQ(VMB_MESSAGE_CONN_ID, rd32(p->b, 12));
		EXPECT_EQ(3, p->vp);
		EXPECT_EQ(v, f->version);
		EXPECT_TRUE(f->bus.connected);
		EXPECT_EQ(v, f->bus.version);
	}
	EXPECT_EQ(0, f->nfaults);
	/* Each new contact reset the one before: a disconnect each. */
	EXPECT_EQ(2 * ARRAY_SIZE(linux_versions) - 1, f->nconnection);
}

TEST_F(chan, linux_negotiation)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;

	g->vcpu = 2;
	EXPECT_EQ(VMB_VERSION_WS2022, gconnect(f, g, VMB_VERSION_WS2022));
	EXPECT_EQ(VMB_MESSAGE_CONN_ID, g->msg_conn_id);
	/* hv_vmbus.max_version=... caps it: each cap is accepted as is. */
	EXPECT_EQ(VMB_VERSION_WIN10_RS3_0,
		  gconnect(f, g, VMB_VERSION_WIN10_RS3_0));
	EXPECT_EQ(VMB_VERSION_WIN8, gconnect(f, g, VMB_VERSION_WIN8));
	EXPECT_EQ(0, f->nfaults);
}

TEST_F(chan, versions_refused)
{
	struct fake *f = self->f;
	static const struct {
		u32 version, conn, vcpu;
		int sint, vtl;
	} c[] = {
		{ 0, 1, 0, -1, 0 }, { 0, 4, 0, -1, 0 },
		{ VMB_VERSION_WS2008, 1, 0, -1, 0 },
		{ VMB_VERSION_WIN7, 1, 0, -1, 0 },
		{ VMB_VERSION(2, 3), 1, 0, -1, 0 },
		{ VMB_VERSION(4, 2), 1, 0, -1, 0 },
		{ VMB_VERSION(5, 4), 4, 0, -1, 0 },
		{ VMB_VERSION(6, 0), 4, 0, -1, 0 },
		{ 0xffffffff, 4, 1, -1, 0 },
		/* 5.x on connection 1, older ones on 4 */
		{ VMB_VERSION_WS2022, 1, 1, -1, 0 },
		{ VMB_VERSION_WIN10_RS3_1, 1, 2, -1, 0 },
		{ VMB_VERSION_WIN10_RS3_0, 4, 3, -1, 0 },
		{ VMB_VERSION_WIN8, 4, 0, -1, 0 },
		/* another SINT or VTL */
		{ VMB_VERSION_WS2022, 4, 1, 3, 0 },
		{ VMB_VERSION_WIN10_RS3_1, 4, 1, 0, 0 },
		{ VMB_VERSION_WIN10_RS4, 4, 1, 2, 1 },
		/* no such VP: the answer goes to VP 0 */
		{ VMB_VERSION_WS2022, 4, NVPS, -1, 0 },
		{ VMB_VERSION_WIN8, 1, 0xffffffff, -1, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct posted *p;
		u8 m[40];

		mk_contact(m, c[i].version, c[i].vcpu);
		if (c[i].sint >= 0)
			m[16] = c[i].sint;
		m[17] = c[i].vtl;
		ASSERT_EQ(0, gpost(f, c[i].conn, m, 40));
		p = next(f);
		ASSERT_NE(NULL, p) TH_LOG("case %u: unanswered", i);
		EXPECT_EQ(0, pending(f));
		EXPECT_EQ(VMB_MSG_VERSION_RESPONSE, rd32(p->b, 0));
		EXPECT_EQ(16, p->len);
		EXPECT_EQ(0, p->b[8]) TH_LOG("case %u accepted", i);
		EXPECT_EQ(VMB_MESSAGE_CONN_ID, rd32(p->b, 12));
		EXPECT_EQ(c[i].vcpu < NVPS ? c[i].vcpu : 0, p->vp);
		EXPECT_FALSE(f->bus.connected);
	}
	EXPECT_EQ(0, f->nconnection);
	/* Refusals leave the guest free to try the next version. */
	EXPECT_EQ(VMB_VERSION_WS2022, gconnect(f, &self->g, VMB_VERSION_WS2022));
}

TEST_F(chan, other_connection_ids)
{
	struct fake *f = self->f;
	static const u32 ids[] = { 0, 2, 3, 5, CONN_BASE, CONN_BASE + 1,
				   0xffffffff };
	unsigned int i;
	u8 m[40];

	mk_contact(m, VMB_VERSION_WS2022, 0);
	for (i = 0; i < ARRAY_SIZE(ids); i++)
		EXPECT_EQ(-ENOENT, gpost(f, ids[i], m, 40));
	EXPECT_EQ(0, f->nout);
	EXPECT_EQ(0, f->bus.stats.msgs_in);
	EXPECT_FALSE(f->bus.connected);
}

TEST_F(chan, before_contact)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u8 m[148];

	addchan(f, 0);
	request_offers(f, g);
	gpadl(f, g, 1, 8, 0x100);
	gopen(f, g, 1, FIRST_HANDLE, 0, 4);
	teardown(f, g, 1, FIRST_HANDLE);
	modify(f, g, 1, 0);
	close_chan(f, g, 1);
	relid_released(f, g, 1);
	memset(m, 0, 8);
	wr32(m, 0, VMB_MSG_UNLOAD);
	send(f, g, m, 8);
	/*
	 * Faults for all but the relid release (Linux sends those after
	 * its UNLOAD) and the UNLOAD, which is answered: a guest waits.
	 */
	ASSERT_EQ(1, f->nout);
	EXPECT_EQ(VMB_MSG_UNLOAD_RESPONSE, rd32(next(f)->b, 0));
	EXPECT_EQ(6, f->nfaults);
	EXPECT_EQ(0, f->alloc.live);
	EXPECT_EQ(0, f->nopen);
	/* And the guest can still connect, and is offered the channel. */
	boot(f, g, VMB_VERSION_WS2022, 0);
	EXPECT_TRUE(f->chans[0].offered);
}

/* ---- offers ---- */

static void check_offer(struct __test_metadata *_metadata, struct posted *p,
			struct vmb_chan *c)
{
	u8 zero[16] = { 0 };

	ASSERT_NE(NULL, p);
	ASSERT_EQ(VMB_MSG_OFFERCHANNEL, rd32(p->b, 0));
	EXPECT_EQ(196, p->len);
	EXPECT_EQ(0, memcmp(p->b + 8, c->if_type.b, 16));
	EXPECT_EQ(0, memcmp(p->b + 24, c->if_instance.b, 16));
	EXPECT_EQ(0, memcmp(p->b + 40, zero, 16));
	EXPECT_EQ(c->chn_flags, rd16(p->b, 56));
	EXPECT_EQ(c->mmio_megabytes, rd16(p->b, 58));
	EXPECT_EQ(0, memcmp(p->b + 60, c->user_def, 120));
	EXPECT_EQ(c->sub_index, rd16(p->b, 180));
	EXPECT_EQ(0, rd16(p->b, 182));
	EXPECT_EQ(c->relid, rd32(p->b, 184));
	EXPECT_EQ(0, p->b[188]);		/* monitorid */
	EXPECT_EQ(0, p->b[189]);		/* monitor_allocated */
	EXPECT_EQ(1, rd16(p->b, 190));		/* is_dedicated_interrupt */
	EXPECT_EQ(CONN_BASE + c->relid, rd32(p->b, 192));
	EXPECT_EQ(0, p->vp);
}

TEST_F(chan, offers)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	struct vmb_chan *c[6];
	static const int order[] = { 0, 2, 4, 5, 1, 3 };
	unsigned int i;

	/* Primaries 0, 2, 4; sub-channels 1 (of 0) and 3 (of 2). */
	c[0] = mkchan(f, 0, -1, 0);
	c[1] = mkchan(f, 1, 0, 1);
	c[2] = mkchan(f, 2, -1, 0);
	c[3] = mkchan(f, 3, 2, 1);
	c[4] = mkchan(f, 4, -1, 0);
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, vmb_bus_add(&f->bus, c[i]));
		EXPECT_EQ(i + 1, c[i]->relid);
		EXPECT_EQ(CONN_BASE + i + 1, c[i]->conn_id);
	}
	ASSERT_EQ(VMB_VERSION_WS2022, gconnect(f, g, VMB_VERSION_WS2022));
	/* Connected but not asked: nothing offered yet. */
	c[5] = mkchan(f, 5, -1, 0);
	ASSERT_EQ(0, vmb_bus_add(&f->bus, c[5]));
	EXPECT_EQ(0, pending(f));
	request_offers(f, g);
	/* relid order, primaries first (5 came late, but is one) */
	for (i = 0; i < ARRAY_SIZE(order); i++)
		check_offer(_metadata, next(f), c[order[i]]);
	EXPECT_TRUE(is_type(next(f), VMB_MSG_ALLOFFERS_DELIVERED));
	EXPECT_EQ(8, f->out[f->seen - 1].len);
	EXPECT_EQ(0, pending(f));
	/* Added after: offered at once, no second ALLOFFERS_DELIVERED. */
	ASSERT_EQ(0, vmb_bus_add(&f->bus, mkchan(f, 6, 0, 2)));
	check_offer(_metadata, next(f), &f->chans[6]);
	EXPECT_EQ(0, pending(f));
	/* Asked twice: a fault, nothing sent. */
	request_offers(f, g);
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(1, f->nfaults);
}

TEST_F(chan, relids_run_out)
{
	struct fake *f = self->f;
	struct vmb_bus *bus = &f->bus;
	int i;

	vmb_bus_destroy(bus);
	vmb_bus_init(bus, &fake_ops, NVPS, CONN_BASE, 3);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, vmb_bus_add(bus, mkchan(f, i, -1, 0)));
	EXPECT_EQ(-ENOSPC, vmb_bus_add(bus, mkchan(f, 3, -1, 0)));
	f->chans[3].relid = 0;
	/* The bus clamps relid_max to what a SINT's flags can say. */
	vmb_bus_destroy(bus);
	memset(f->gone, 0, sizeof(f->gone));
	vmb_bus_init(bus, &fake_ops, NVPS, CONN_BASE, 100000);
	EXPECT_EQ(VMB_RELID_MAX, bus->relid_max);
	for (i = 0; i < 4; i++)
		f->chans[i].relid = 0;
}

/* ---- GPADLs ---- */

TEST_F(chan, gpadl_ring_16k)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u32 h, i;

	boot(f, g, VMB_VERSION_WS2022, 2);
	h = gpadl(f, g, 2, 8, 0x4000);
	EXPECT_EQ(FIRST_HANDLE, h);
	EXPECT_TRUE(is_created(next(f), 2, h, 1));
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(8, f->create_npfns);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(0x4000 + i, f->create_pfns[i]);
	EXPECT_EQ(0, f->nfaults);
}

TEST_F(chan, gpadl_ring_128k)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u32 h, i;

	boot(f, g, VMB_VERSION_WS2022, 1);
	/* header (26), body (28): nothing yet */
	h = gpadl_send(f, g, 1, 64, 0x8000, 2);
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(0, f->ncreate);
	gbody(f, g, h, 10, 0x8000 + 54);
	EXPECT_TRUE(is_created(next(f), 1, h, 1));
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(64, f->create_npfns);
	for (i = 0; i < 64; i++)
		EXPECT_EQ(0x8000 + i, f->create_pfns[i]);
	EXPECT_EQ(0, f->nfaults);
}

TEST_F(chan, gpadl_4096_pages)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u32 h, i, nin;

	boot(f, g, VMB_VERSION_WS2022, 1);
	nin = f->bus.stats.msgs_in;
	h = gpadl_send(f, g, 1, 4096, 0x20000, 146);	/* one body short */
	EXPECT_EQ(146, f->bus.stats.msgs_in - nin);
	EXPECT_EQ(0, pending(f));
	gbody(f, g, h, 10, 0x20000 + 4086);
	EXPECT_EQ(147, f->bus.stats.msgs_in - nin);
	EXPECT_TRUE(is_created(next(f), 1, h, 1));
	EXPECT_EQ(0, pending(f));
	ASSERT_EQ(4096, f->create_npfns);
	for (i = 0; i < 4096; i++)
		ASSERT_EQ(0x20000 + i, f->create_pfns[i]) TH_LOG("pfn %u", i);
	/* the whole of it, at once, is the same */
	h = gpadl(f, g, 1, 4096, 0x40000);
	EXPECT_TRUE(is_created(next(f), 1, h, 1));
	EXPECT_EQ(0x40000 + 4095, f->create_pfns[4095]);
	EXPECT_EQ(0, f->nfaults);
}

TEST_F(chan, gpadl_interleaved)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u32 h1, h2, i;

	boot(f, g, VMB_VERSION_WS2022, 2);
	h1 = gpadl_send(f, g, 1, 64, 0x1000, 1);
	h2 = gpadl_send(f, g, 2, 64, 0x9000, 1);
	gbody(f, g, h1, 28, 0x1000 + 26);
	gbody(f, g, h2, 28, 0x9000 + 26);
	gbody(f, g, h2, 10, 0x9000 + 54);
	EXPECT_TRUE(is_created(next(f), 2, h2, 1));
	for (i = 0; i < 64; i++)
		EXPECT_EQ(0x9000 + i, f->create_pfns[i]);
	EXPECT_EQ(0, pending(f));
	gbody(f, g, h1, 10, 0x1000 + 54);
	EXPECT_TRUE(is_created(next(f), 1, h1, 1));
	for (i = 0; i < 64; i++)
		EXPECT_EQ(0x1000 + i, f->create_pfns[i]);
	EXPECT_EQ(0, f->nfaults);
}

/* A header with the raw fields given; pfn p0.. for the bytes after. */
static void raw_header(struct fake *f, struct guest *g, u32 relid, u32 handle,
		       u32 buflen, u32 rangecount, u32 count, u32 offset,
		       u32 npfns, u64 p0)
{
	u8 m[240] = { VMB_MSG_GPADL_HEADER };
	u32 i;

	wr32(m, 8, relid);
	wr32(m, 12, handle);
	wr16(m, 16, buflen);
	wr16(m, 18, rangecount);
	wr32(m, 20, count);
	wr32(m, 24, offset);
	for (i = 0; i < npfns; i++)
		wr64(m, 28 + 8 * i, p0 + i);
	send(f, g, m, 28 + 8 * npfns);
}

TEST_F(chan, gpadl_refused)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u8 m[240] = { 0 };
	u32 h, faults;

	boot(f, g, VMB_VERSION_WS2022, 2);
	/* no such channel */
	raw_header(f, g, 9, 0x100, 8 + 32, 1, 4 * 4096, 0, 4, 0x10);
	EXPECT_TRUE(is_created(next(f), 9, 0x100, 0));
	raw_header(f, g, 0, 0x101, 8 + 32, 1, 4 * 4096, 0, 4, 0x10);
	EXPECT_TRUE(is_created(next(f), 0, 0x101, 0));
	/* handle 0, and one in use */
	raw_header(f, g, 1, 0, 8 + 32, 1, 4 * 4096, 0, 4, 0x10);
	EXPECT_TRUE(is_created(next(f), 1, 0, 0));
	h = gpadl(f, g, 1, 4, 0x10);
	EXPECT_TRUE(is_created(next(f), 1, h, 1));
	raw_header(f, g, 2, h, 8 + 32, 1, 4 * 4096, 0, 4, 0x10);
	EXPECT_TRUE(is_created(next(f), 2, h, 0));
	/* rangecount 0 */
	raw_header(f, g, 1, 0x200, 8 + 32, 0, 4 * 4096, 0, 4, 0x10);
	EXPECT_TRUE(is_created(next(f), 1, 0x200, 0));
	/* range_buflen: not a multiple of 8, too small, smaller than sent */
	raw_header(f, g, 1, 0x201, 8 + 32 + 4, 1, 4 * 4096, 0, 4, 0x10);
	EXPECT_TRUE(is_created(next(f), 1, 0x201, 0));
	raw_header(f, g, 1, 0x202, 8, 1, 4 * 4096, 0, 0, 0x10);
	EXPECT_TRUE(is_created(next(f), 1, 0x202, 0));
	raw_header(f, g, 1, 0x203, 8 + 16, 1, 4 * 4096, 0, 4, 0x10);
	EXPECT_TRUE(is_created(next(f), 1, 0x203, 0));
	/* byte_count says 3 pages, the area holds 4 */
	raw_header(f, g, 1, 0x204, 8 + 32, 1, 3 * 4096, 0, 4, 0x10);
	EXPECT_TRUE(is_created(next(f), 1, 0x204, 0));
	/* byte_count 0; byte_offset a page or more */
	raw_header(f, g, 1, 0x205, 8 + 32, 1, 0, 0, 4, 0x10);
	EXPECT_TRUE(is_created(next(f), 1, 0x205, 0));
	raw_header(f, g, 1, 0x206, 8 + 32, 1, 3 * 4096, 4096, 4, 0x10);
	EXPECT_TRUE(is_created(next(f), 1, 0x206, 0));
	/* a page outside guest memory */
	raw_header(f, g, 1, 0x207, 8 + 32, 1, 4 * 4096, 0, 4, MEM_PAGES - 2);
	EXPECT_TRUE(is_created(next(f), 1, 0x207, 0));
	raw_header(f, g, 1, 0x208, 8 + 8, 1, 4096, 0, 1, ~0ull);
	EXPECT_TRUE(is_created(next(f), 1, 0x208, 0));
	/* a body with more pfns than announced: refused, then forgotten */
	h = gpadl_send(f, g, 1, 30, 0x10, 1);
	EXPECT_EQ(0, pending(f));
	gbody(f, g, h, 5, 0x10 + 26);
	EXPECT_TRUE(is_created(next(f), 1, h, 0));
	faults = f->nfaults;
	gbody(f, g, h, 4, 0x10 + 26);
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(faults + 1, f->nfaults);
	/* a page outside memory in the last body */
	h = gpadl_send(f, g, 1, 30, 0x10, 1);
	gbody(f, g, h, 3, 0x10 + 26);
	gbody(f, g, h, 1, MEM_PAGES);
	EXPECT_TRUE(is_created(next(f), 1, h, 0));
	/* bodies for a handle nobody started, or a finished one: no answer */
	faults = f->nfaults;
	gbody(f, g, 0x999, 4, 0x10);
	gbody(f, g, FIRST_HANDLE, 4, 0x10);
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(faults + 2, f->nfaults);
	/* a body with a partial pfn */
	h = gpadl_send(f, g, 1, 30, 0x10, 1);
	wr32(m, 0, VMB_MSG_GPADL_BODY);
	wr32(m, 12, h);
	send(f, g, m, 16 + 8 * 4 - 1);
	EXPECT_TRUE(is_created(next(f), 1, h, 0));
	EXPECT_EQ(0, pending(f));
	/* Only the good one is left. */
	EXPECT_EQ(1, f->bus.ngpadls);
	EXPECT_EQ(1, f->ncreate);
}

/* Three ranges, each with the byte_count and byte_offset given. */
static void multi_range(struct fake *f, struct guest *g, u32 handle,
			const u32 *count, const u32 *offset, const u32 *pages)
{
	u8 area[8 * 64] = { 0 };
	u32 off = 0, r, i, buflen, n;
	u8 m[240] = { VMB_MSG_GPADL_HEADER };

	for (r = 0; r < 3; r++) {
		wr32(area, off, count[r]);
		wr32(area, off + 4, offset[r]);
		off += 8;
		for (i = 0; i < pages[r]; i++, off += 8)
			wr64(area, off, 0x300 + 16 * r + i);
	}
	buflen = off;
	wr32(m, 8, 1);
	wr32(m, 12, handle);
	wr16(m, 16, buflen);
	wr16(m, 18, 3);
	n = buflen < 216 ? buflen : 216;
	memcpy(m + 20, area, n);
	send(f, g, m, 20 + n);
	for (off = n; off < buflen; off += n) {
		u8 b[240] = { VMB_MSG_GPADL_BODY };

		n = buflen - off < 224 ? buflen - off : 224;
		wr32(b, 12, handle);
		memcpy(b + 16, area + off, n);
		send(f, g, b, 16 + n);
	}
}

TEST_F(chan, gpadl_multi_range)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	static const u32 pages[] = { 2, 3, 1 };
	static const struct {
		u32 count[3], offset[3];
		int ok;
	} c[] = {
		{ { 8192, 3 * 4096, 4096 }, { 0, 0, 0 }, 1 },
		{ { 4097, 8193, 1 }, { 100, 4095, 4095 }, 1 },
		/* a range says fewer pages than it carries */
		{ { 4096, 3 * 4096, 4096 }, { 0, 0, 0 }, 0 },
		/* or more */
		{ { 8192, 3 * 4096 + 1, 4096 }, { 0, 0, 0 }, 0 },
		{ { 8192, 3 * 4096, 4096 }, { 0, 0, 1 }, 0 },
		{ { 8192, 0xffffffff, 4096 }, { 0, 0, 0 }, 0 },
		{ { 8192, 3 * 4096, 4096 }, { 0, 0, 0xffffffff }, 0 },
		{ { 8192, 0, 4096 }, { 0, 0, 0 }, 0 },
	};
	unsigned int i;

	boot(f, g, VMB_VERSION_WS2022, 1);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		multi_range(f, g, 0x500 + i, c[i].count, c[i].offset, pages);
		EXPECT_TRUE(is_created(next(f), 1, 0x500 + i, c[i].ok))
			TH_LOG("case %u", i);
		EXPECT_EQ(0, pending(f));
	}
	EXPECT_EQ(2, f->ncreate);
	EXPECT_EQ(6, f->create_npfns);
	EXPECT_EQ(0x300, f->create_pfns[0]);
	EXPECT_EQ(0x310, f->create_pfns[2]);
	EXPECT_EQ(0x320, f->create_pfns[5]);
	/* A multi-range GPADL is no ring. */
	gopen(f, g, 1, 0x500, 0, 3);
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	EXPECT_EQ(0, f->nopen);
}

TEST_F(chan, gpadl_limits)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u32 i, h;

	boot(f, g, VMB_VERSION_WS2022, 1);
	/* VMB_GPADLS_MAX of them, complete or not */
	for (i = 0; i < VMB_GPADLS_MAX; i++) {
		if (i % 2)
			raw_header(f, g, 1, 0x10000 + i, 8 + 8 * 30, 1,
				   30 * 4096, 0, 26, 0x10);
		else
			raw_header(f, g, 1, 0x10000 + i, 8 + 8, 1, 4096, 0,
				   1, 0x10 + i);
	}
	EXPECT_EQ(VMB_GPADLS_MAX / 2, pending(f));
	f->seen = f->nout;
	raw_header(f, g, 1, 0x20000, 16, 1, 4096, 0, 1, 0x10);
	EXPECT_TRUE(is_created(next(f), 1, 0x20000, 0));
	teardown(f, g, 1, 0x10001);
	EXPECT_TRUE(is_torndown(next(f), 0x10001));
	raw_header(f, g, 1, 0x20000, 16, 1, 4096, 0, 1, 0x10);
	EXPECT_TRUE(is_created(next(f), 1, 0x20000, 1));
	vmb_bus_reset(&f->bus);
	EXPECT_EQ(0, f->bus.ngpadls);
	EXPECT_EQ(0, f->bus.gpadl_bytes);
	EXPECT_EQ(0, f->alloc.live);

	/* VMB_GPADL_BYTES_MAX of range area: 8190-page headers */
	boot(f, g, VMB_VERSION_WS2022, 0);
	for (i = 0; i < VMB_GPADL_BYTES_MAX / 65528; i++)
		raw_header(f, g, 1, 0x30000 + i, 65528, 1, 8190 * 4096, 0,
			   26, 0x10);
	EXPECT_EQ(0, pending(f));
	raw_header(f, g, 1, 0x40000, 65528, 1, 8190 * 4096, 0, 26, 0x10);
	EXPECT_TRUE(is_created(next(f), 1, 0x40000, 0));
	/* a small one still fits */
	h = gpadl(f, g, 1, 8, 0x10);
	EXPECT_TRUE(is_created(next(f), 1, h, 1));
	EXPECT_LE(f->bus.gpadl_bytes, VMB_GPADL_BYTES_MAX);
	/* an 8190-page one completes when there is room */
	teardown(f, g, 1, 0x30000);
	EXPECT_TRUE(is_torndown(next(f), 0x30000));
	h = gpadl(f, g, 1, 8190, 0x10);
	EXPECT_TRUE(is_created(next(f), 1, h, 1));
	EXPECT_EQ(8190, f->create_npfns);
	/* a header claiming more than a u16 can say cannot exist: 8191 */
	EXPECT_EQ(0, pending(f));
}

/* ---- open, close, teardown ---- */

TEST_F(chan, open)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	struct vmb_chan *c;
	u32 h;

	boot(f, g, VMB_VERSION_WS2022, 3);
	c = &f->chans[1];
	h = gpadl(f, g, 2, 64, 0x7000);
	EXPECT_TRUE(is_created(next(f), 2, h, 1));
	gopen(f, g, 2, h, 3, 32);
	EXPECT_TRUE(is_open_result(next(f), 2, 1));
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(1, f->nopen);
	EXPECT_EQ(c, f->open_c);
	EXPECT_EQ(32, f->open_ds);
	EXPECT_EQ(h, f->open_g->handle);
	EXPECT_EQ(64, f->open_g->npfns);
	EXPECT_EQ(0x7000, f->open_g->pfns[0]);
	EXPECT_EQ(VMB_CHAN_OPEN, c->state);
	EXPECT_EQ(3, c->target_vp);
	EXPECT_EQ(h, c->ring_gpadl);
	EXPECT_EQ(0x5a, c->open_data[0]);
	EXPECT_EQ(0xa5, c->open_data[119]);
	EXPECT_EQ(0, f->nfaults);
	/* uneven rings: 2 pages up, 6 down; 6 up, 2 down */
	h = gpadl(f, g, 1, 8, 0x100);
	EXPECT_TRUE(is_created(next(f), 1, h, 1));
	gopen(f, g, 1, h, 0, 2);
	EXPECT_TRUE(is_open_result(next(f), 1, 1));
	h = gpadl(f, g, 3, 8, 0x200);
	EXPECT_TRUE(is_created(next(f), 3, h, 1));
	gopen(f, g, 3, h, 0, 6);
	EXPECT_TRUE(is_open_result(next(f), 3, 1));
	EXPECT_EQ(6, f->open_ds);
}

TEST_F(chan, open_refused)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u32 h1, h2, hinc, hsmall, h;

	boot(f, g, VMB_VERSION_WS2022, 2);
	h1 = gpadl(f, g, 1, 8, 0x100);
	EXPECT_TRUE(is_created(next(f), 1, h1, 1));
	h2 = gpadl(f, g, 2, 8, 0x200);
	EXPECT_TRUE(is_created(next(f), 2, h2, 1));
	hinc = gpadl_send(f, g, 1, 64, 0x300, 2);
	hsmall = gpadl(f, g, 1, 3, 0x400);
	EXPECT_TRUE(is_created(next(f), 1, hsmall, 1));
	EXPECT_EQ(0, pending(f));

	gopen(f, g, 9, h1, 0, 4);			/* no such channel */
	EXPECT_TRUE(is_open_result(next(f), 9, 0));
	gopen(f, g, 0, h1, 0, 4);
	EXPECT_TRUE(is_open_result(next(f), 0, 0));
	gopen(f, g, 1, h2, 0, 4);			/* channel 2's gpadl */
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	gopen(f, g, 1, 0x999, 0, 4);			/* no such gpadl */
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	gopen(f, g, 1, 0, 0, 4);
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	gopen(f, g, 1, hinc, 0, 32);			/* incomplete */
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	gopen(f, g, 1, hsmall, 0, 2);			/* 3 pages */
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	gopen(f, g, 1, h1, 0, 0);			/* bad downstream */
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	gopen(f, g, 1, h1, 0, 1);
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	gopen(f, g, 1, h1, 0, 7);
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	gopen(f, g, 1, h1, 0, 8);
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	gopen(f, g, 1, h1, 0, 0x80000000);
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	gopen(f, g, 1, h1, NVPS, 4);			/* no such VP */
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	gopen(f, g, 1, h1, 0xfffffffe, 4);
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	/* (0xffffffff: no interrupts, see open_without_interrupts) */
	f->fail_open = 1;				/* the host says no */
	gopen(f, g, 1, h1, 0, 4);
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	f->fail_open = 0;
	EXPECT_EQ(0, f->nopen);
	EXPECT_EQ(VMB_CHAN_CLOSED, f->chans[0].state);
	/* it still opens, once */
	gopen(f, g, 1, h1, 0, 4);
	EXPECT_TRUE(is_open_result(next(f), 1, 1));
	gopen(f, g, 1, h1, 0, 4);			/* already open */
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	/* nor is its ring another's */
	gopen(f, g, 2, h1, 0, 4);
	EXPECT_TRUE(is_open_result(next(f), 2, 0));
	/* nor a second ring of its own */
	h = gpadl(f, g, 1, 8, 0x500);
	EXPECT_TRUE(is_created(next(f), 1, h, 1));
	gopen(f, g, 1, h, 0, 4);
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	EXPECT_EQ(1, f->nopen);
	EXPECT_EQ(0, pending(f));
}

TEST_F(chan, close_and_reopen)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u32 h, buf, faults;

	boot(f, g, VMB_VERSION_WS2022, 1);
	h = open_ring(f, g, 1, 8, 0);
	/* vmbus_close_internal: CLOSECHANNEL (no answer), then teardown */
	close_chan(f, g, 1);
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(1, f->nclose);
	EXPECT_EQ(VMB_CHAN_CLOSED, f->chans[0].state);
	teardown(f, g, 1, h);
	EXPECT_TRUE(is_torndown(next(f), h));
	EXPECT_EQ(1, f->ndestroy);
	EXPECT_EQ(0, f->bus.ngpadls);
	/* closed twice: a fault, no answer */
	faults = f->nfaults;
	close_chan(f, g, 1);
	EXPECT_EQ(faults + 1, f->nfaults);
	EXPECT_EQ(0, pending(f));
	/* the old handle is gone */
	gopen(f, g, 1, h, 0, 4);
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	/* re-opened with a new ring */
	h = open_ring(f, g, 1, 64, 1);
	EXPECT_EQ(2, f->nopen);
	EXPECT_EQ(32, f->open_ds);
	EXPECT_EQ(0, pending(f));
	/* netvsc (4.0+): buffer GPADLs torn down after CLOSECHANNEL */
	buf = gpadl(f, g, 1, 100, 0x9000);
	EXPECT_TRUE(is_created(next(f), 1, buf, 1));
	close_chan(f, g, 1);
	teardown(f, g, 1, buf);
	EXPECT_TRUE(is_torndown(next(f), buf));
	teardown(f, g, 1, h);
	EXPECT_TRUE(is_torndown(next(f), h));
	EXPECT_EQ(0, f->bus.ngpadls);
}

TEST_F(chan, gpadl_teardown)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u32 h, hinc;

	boot(f, g, VMB_VERSION_WS2022, 2);
	/* unknown handles, and handles of another channel: answered */
	teardown(f, g, 1, 0x999);
	EXPECT_TRUE(is_torndown(next(f), 0x999));
	teardown(f, g, 77, 0);
	EXPECT_TRUE(is_torndown(next(f), 0));
	h = gpadl(f, g, 2, 8, 0x100);
	EXPECT_TRUE(is_created(next(f), 2, h, 1));
	teardown(f, g, 1, h);
	EXPECT_TRUE(is_torndown(next(f), h));
	EXPECT_EQ(1, f->bus.ngpadls);
	/* an incomplete one */
	hinc = gpadl_send(f, g, 1, 64, 0x300, 1);
	teardown(f, g, 1, hinc);
	EXPECT_TRUE(is_torndown(next(f), hinc));
	gbody(f, g, hinc, 28, 0x300);
	EXPECT_EQ(0, pending(f));
	/* the ring of an open channel: closed first, then destroyed */
	gopen(f, g, 2, h, 1, 4);
	EXPECT_TRUE(is_open_result(next(f), 2, 1));
	f->nevents = 0;
	teardown(f, g, 2, h);
	EXPECT_TRUE(is_torndown(next(f), h));
	ASSERT_EQ(2, f->nevents);
	EXPECT_EQ(EV_CLOSE, f->events[0]);
	EXPECT_EQ(EV_DESTROY, f->events[1]);
	EXPECT_EQ(VMB_CHAN_CLOSED, f->chans[1].state);
	EXPECT_EQ(0, f->bus.ngpadls);
	/* a CLOSECHANNEL after that is a fault, nothing more */
	close_chan(f, g, 2);
	EXPECT_EQ(1, f->nclose);
	EXPECT_EQ(0, pending(f));
}

/* ---- MODIFYCHANNEL ---- */

TEST_F(chan, modify)
{
	static const u32 v[] = {
		VMB_VERSION_WS2022, VMB_VERSION_WIN10_RS5,
		VMB_VERSION_WIN10_RS4, VMB_VERSION_WIN10_RS3_1,
		VMB_VERSION_WIN10_RS3_0, VMB_VERSION_WIN10,
		VMB_VERSION_WIN8_1, VMB_VERSION_WIN8,
	};
	struct fake *f = self->f;
	struct guest *g = &self->g;
	unsigned int i;

	addchan(f, 0);
	addchan(f, 1);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		int answers = v[i] >= VMB_VERSION_WS2022;
		int allowed = v[i] >= VMB_VERSION_WIN10_RS3_0;
		u32 n = f->nretarget;
		struct posted *p;

		ASSERT_EQ(v[i], gconnect(f, g, v[i]));
		request_offers(f, g);
		f->seen = f->nout;
		open_ring(f, g, 1, 8, 0);
		modify(f, g, 1, 2);
		EXPECT_EQ(n + allowed, f->nretarget) TH_LOG("%x", v[i]);
		EXPECT_EQ(allowed ? 2 : 0, f->chans[0].target_vp);
		if (answers) {
			p = next(f);
			ASSERT_TRUE(is_type(p, VMB_MSG_MODIFYCHANNEL_RESPONSE));
			EXPECT_EQ(16, p->len);
			EXPECT_EQ(1, rd32(p->b, 8));
			EXPECT_EQ(0, rd32(p->b, 12));
			EXPECT_EQ(2, f->retarget_vp);
		}
		EXPECT_EQ(0, pending(f)) TH_LOG("%x", v[i]);
		/* no such VP, channel not open, not offered, host refuses */
		modify(f, g, 1, NVPS);
		modify(f, g, 2, 1);
		modify(f, g, 9, 1);
		f->fail_retarget = 1;
		modify(f, g, 1, 3);
		f->fail_retarget = 0;
		EXPECT_EQ(allowed ? 2 : 0, f->chans[0].target_vp);
		if (answers) {
			static const u32 relid[] = { 1, 2, 9, 1 };
			unsigned int k;

			for (k = 0; k < 4; k++) {
				p = next(f);
				ASSERT_TRUE(is_type(p, VMB_MSG_MODIFYCHANNEL_RESPONSE));
				EXPECT_EQ(relid[k], rd32(p->b, 8));
				EXPECT_NE(0, rd32(p->b, 12));
			}
		}
		EXPECT_EQ(0, pending(f));
	}
}

/* ---- rescind ---- */

TEST_F(chan, rescind)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	struct vmb_chan *c;
	u32 buf, ring, inprog, done = 0;
	u8 m[VF_GPADL_MSG_MAX];
	struct posted *p;

	boot(f, g, VMB_VERSION_WS2022, 2);
	c = &f->chans[0];
	ring = open_ring(f, g, 1, 8, 0);
	buf = gpadl(f, g, 1, 40, 0x5000);
	EXPECT_TRUE(is_created(next(f), 1, buf, 1));
	inprog = gpadl_send(f, g, 1, 64, 0x6000, 1);	/* one in progress */
	open_ring(f, g, 2, 8, 0);
	EXPECT_EQ(4, f->bus.ngpadls);
	vmb_bus_remove(&f->bus, c);
	p = next(f);
	ASSERT_TRUE(is_type(p, VMB_MSG_RESCIND_CHANNELOFFER));
	EXPECT_EQ(12, p->len);
	EXPECT_EQ(1, rd32(p->b, 8));
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(0, f->is_open[0]);
	EXPECT_EQ(1, f->nclose);
	/* channel 2's, and the one in progress, to take its bodies */
	EXPECT_EQ(2, f->bus.ngpadls);
	EXPECT_EQ(0, f->gone[0]);
	EXPECT_EQ(VMB_CHAN_RESCINDED, c->state);
	/* removed twice: nothing more */
	vmb_bus_remove(&f->bus, c);
	EXPECT_EQ(0, pending(f));
	/* the guest: CLOSECHANNEL (no fault), no teardown, RELID_RELEASED */
	f->nfaults = 0;
	close_chan(f, g, 1);
	EXPECT_EQ(0, f->nfaults);
	/*
	 * It cannot use the channel meanwhile, but what it sent before it
	 * saw the rescind is no fault: the GPADL in progress completes,
	 * refused; a new one, and an open, are refused.
	 */
	vf_gpadl_msg(m, 1, inprog, 64, 0x6000, &done);	/* sent before */
	while (done < 64)
		send(f, g, m, vf_gpadl_msg(m, 1, inprog, 64, 0x6000, &done));
	EXPECT_TRUE(is_created(next(f), 1, inprog, 0));
	gpadl(f, g, 1, 8, 0x100);
	EXPECT_TRUE(is_created(next(f), 1, g->next_handle, 0));
	gopen(f, g, 1, ring, 0, 4);
	EXPECT_TRUE(is_open_result(next(f), 1, 0));
	/* its ring GPADL went with the rescind: torn down, no fault */
	teardown(f, g, 1, ring);
	EXPECT_TRUE(is_torndown(next(f), ring));
	EXPECT_EQ(0, f->nfaults);
	EXPECT_EQ(1, f->bus.ngpadls);
	/* one in progress at the release goes with the channel */
	gpadl_send(f, g, 1, 64, 0x7000, 1);
	EXPECT_EQ(2, f->bus.ngpadls);
	EXPECT_EQ(0, f->gone[0]);
	relid_released(f, g, 1);
	EXPECT_EQ(1, f->gone[0]);
	EXPECT_EQ(NULL, f->bus.chans[1]);
	EXPECT_EQ(1, f->bus.ngpadls);
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(0, f->nfaults);
	/* released twice: a fault, nothing more */
	relid_released(f, g, 1);
	EXPECT_EQ(1, f->gone[0]);
	/* the relid is free again: the next channel gets it, offered */
	addchan(f, 2);
	EXPECT_EQ(1, f->chans[2].relid);
	check_offer(_metadata, next(f), &f->chans[2]);
}

TEST_F(chan, remove_unoffered)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;

	/* not connected */
	addchan(f, 0);
	vmb_bus_remove(&f->bus, &f->chans[0]);
	EXPECT_EQ(1, f->gone[0]);
	EXPECT_EQ(0, f->nout);
	/* connected, offers not asked for */
	ASSERT_EQ(VMB_VERSION_WS2022, gconnect(f, g, VMB_VERSION_WS2022));
	addchan(f, 1);
	vmb_bus_remove(&f->bus, &f->chans[1]);
	EXPECT_EQ(1, f->gone[1]);
	EXPECT_EQ(0, pending(f));
	/* so the guest is offered nothing */
	request_offers(f, g);
	EXPECT_TRUE(is_type(next(f), VMB_MSG_ALLOFFERS_DELIVERED));
	/* a channel removed is not removed again */
	vmb_bus_remove(&f->bus, &f->chans[1]);
	EXPECT_EQ(1, f->gone[1]);
}

/*
 * A guest that could not set a channel up gives its relid back
 * (RELID_RELEASED on an unrescinded channel) and forgets it: Linux
 * ignores a later rescind of a relid it does not know and sends no
 * second RELID_RELEASED, so the host must let the channel go at once.
 */
TEST_F(chan, remove_released)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u32 h;

	boot(f, g, VMB_VERSION_WS2022, 2);
	h = gpadl(f, g, 1, 8, 0x100);
	EXPECT_TRUE(is_created(next(f), 1, h, 1));
	relid_released(f, g, 1);
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(0, f->bus.ngpadls);
	EXPECT_EQ(0, f->gone[0]);
	/* the guest no longer knows relid 1: no GPADL, no open */
	h = gpadl(f, g, 1, 8, 0x100);
	EXPECT_TRUE(is_created(next(f), 1, h, 0));
	vmb_bus_remove(&f->bus, &f->chans[0]);
	EXPECT_EQ(1, f->gone[0]);
	EXPECT_EQ(NULL, f->bus.chans[1]);
	EXPECT_EQ(0, pending(f));
}

/* ---- unload, reset, re-contact ---- */

TEST_F(chan, unload)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u8 m[8] = { VMB_MSG_UNLOAD };
	struct posted *p;
	int i;

	boot(f, g, VMB_VERSION_WS2022, 3);
	open_ring(f, g, 1, 8, 0);
	open_ring(f, g, 3, 64, 1);
	gpadl_send(f, g, 2, 64, 0x6000, 1);
	vmb_bus_remove(&f->bus, &f->chans[1]);		/* rescinded */
	EXPECT_TRUE(is_type(next(f), VMB_MSG_RESCIND_CHANNELOFFER));
	send(f, g, m, 8);
	p = next(f);
	ASSERT_TRUE(is_type(p, VMB_MSG_UNLOAD_RESPONSE));
	EXPECT_EQ(8, p->len);
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(2, f->nclose);
	EXPECT_EQ(0, f->bus.ngpadls);
	EXPECT_EQ(f->ncreate, f->ndestroy);
	EXPECT_FALSE(f->bus.connected);
	EXPECT_EQ(0, f->version);
	EXPECT_EQ(1, f->gone[1]);			/* its guest is gone */
	/* the new kernel: contact, offers again, the same relids */
	ASSERT_EQ(VMB_VERSION_WIN10_RS5, gconnect(f, g, VMB_VERSION_WIN10_RS5));
	request_offers(f, g);
	check_offer(_metadata, next(f), &f->chans[0]);
	check_offer(_metadata, next(f), &f->chans[2]);
	EXPECT_TRUE(is_type(next(f), VMB_MSG_ALLOFFERS_DELIVERED));
	open_ring(f, g, 3, 8, 0);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(i == 2, f->is_open[i]);
}

TEST_F(chan, recontact)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;

	boot(f, g, VMB_VERSION_WS2022, 2);
	open_ring(f, g, 1, 8, 0);
	gpadl(f, g, 2, 8, 0x100);
	EXPECT_EQ(1, pending(f));
	f->seen = f->nout;
	/* kexec without UNLOAD: a new contact resets */
	ASSERT_EQ(VMB_VERSION_WS2022, gconnect(f, g, VMB_VERSION_WS2022));
	EXPECT_EQ(1, f->nclose);
	EXPECT_EQ(0, f->bus.ngpadls);
	EXPECT_FALSE(f->chans[0].offered);
	EXPECT_EQ(0, pending(f));
	request_offers(f, g);
	check_offer(_metadata, next(f), &f->chans[0]);
	check_offer(_metadata, next(f), &f->chans[1]);
	EXPECT_TRUE(is_type(next(f), VMB_MSG_ALLOFFERS_DELIVERED));
	open_ring(f, g, 1, 8, 0);
	/* the host's reset (VM reset): everything closed, channels kept */
	vmb_bus_reset(&f->bus);
	EXPECT_EQ(2, f->nclose);
	EXPECT_FALSE(f->bus.connected);
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(0, f->gone[0]);
	boot(f, g, VMB_VERSION_WIN8, 0);
	EXPECT_TRUE(f->chans[1].offered);
}

/* ---- hv_sock ---- */

TEST_F(chan, tl_connect)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u8 m[40] = { VMB_MSG_TL_CONNECT_REQUEST };
	u8 m2[56] = { VMB_MSG_TL_CONNECT_REQUEST };
	struct posted *p;
	int i;

	boot(f, g, VMB_VERSION_WS2022, 0);
	for (i = 0; i < 32; i++)
		m[8 + i] = 0x40 + i;
	send(f, g, m, 40);
	p = next(f);
	ASSERT_TRUE(is_type(p, VMB_MSG_TL_CONNECT_RESULT));
	EXPECT_EQ(44, p->len);
	EXPECT_EQ(0, memcmp(p->b + 8, m + 8, 32));
	EXPECT_EQ(0xc0000236, rd32(p->b, 40));
	EXPECT_EQ(0, pending(f));
	/* the 56-byte form (silo id) too */
	send(f, g, m2, 56);
	EXPECT_TRUE(is_type(next(f), VMB_MSG_TL_CONNECT_RESULT));
}

/* ---- sizes ---- */

/*
 * Each guest message, well formed: relid 1 is open on ring_handle, relid
 * 2 is closed, its ring spare made.
 */
static u32 mk_msg(u8 *m, u32 type, u32 ring_handle, u32 spare)
{
	memset(m, 0, 256);
	wr32(m, 0, type);
	switch (type) {
	case VMB_MSG_INITIATE_CONTACT:
		return mk_contact(m, VMB_VERSION_WS2022, 1);
	case VMB_MSG_REQUESTOFFERS:
	case VMB_MSG_UNLOAD:
		return 8;
	case VMB_MSG_OPENCHANNEL:
		return mk_open(m, 2, spare, 1, 4);
	case VMB_MSG_CLOSECHANNEL:
	case VMB_MSG_RELID_RELEASED:
		return mk_relid(m, type, 1);
	case VMB_MSG_GPADL_HEADER:
		wr32(m, 8, 1);
		wr32(m, 12, 0x777);
		wr16(m, 16, 8 + 8 * 8);
		wr16(m, 18, 1);
		wr32(m, 20, 8 * 4096);
		for (int i = 0; i < 8; i++)
			wr64(m, 28 + 8 * i, 0x100 + i);
		return 28 + 64;
	case VMB_MSG_GPADL_BODY:
		wr32(m, 12, 0x778);
		wr64(m, 16, 0x100);
		return 24;
	case VMB_MSG_GPADL_TEARDOWN:
		wr32(m, 8, 1);
		wr32(m, 12, ring_handle);
		return 16;
	case VMB_MSG_MODIFYCHANNEL:
		wr32(m, 8, 1);
		wr32(m, 12, 2);
		return 16;
	case VMB_MSG_TL_CONNECT_REQUEST:
		return 40;
	default:
		return 8;
	}
}

/* What a guest waiting on a message of that type waits for. */
static u32 answer_of(u32 type)
{
	switch (type) {
	case VMB_MSG_INITIATE_CONTACT:	return VMB_MSG_VERSION_RESPONSE;
	case VMB_MSG_OPENCHANNEL:	return VMB_MSG_OPENCHANNEL_RESULT;
	case VMB_MSG_GPADL_HEADER:	return VMB_MSG_GPADL_CREATED;
	case VMB_MSG_GPADL_TEARDOWN:	return VMB_MSG_GPADL_TORNDOWN;
	case VMB_MSG_UNLOAD:		return VMB_MSG_UNLOAD_RESPONSE;
	case VMB_MSG_MODIFYCHANNEL:	return VMB_MSG_MODIFYCHANNEL_RESPONSE;
	case VMB_MSG_TL_CONNECT_REQUEST: return VMB_MSG_TL_CONNECT_RESULT;
	default:			return 0;
	}
}

TEST_F(chan, truncated)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u32 type;

	addchan(f, 0);
	addchan(f, 1);
	for (type = 0; type < VMB_MSG_COUNT + 2; type++) {
		u8 m[256];
		u32 len, h, spare, want = answer_of(type);
		struct posted *p;

		boot(f, g, VMB_VERSION_WS2022, 0);
		h = open_ring(f, g, 1, 8, 0);
		spare = gpadl(f, g, 2, 8, 0x3000);
		ASSERT_TRUE(is_created(next(f), 2, spare, 1));
		len = mk_msg(m, type, h, spare);
		send(f, g, m, len - 1);
		p = next(f);
		if (want) {
			ASSERT_TRUE(is_type(p, want))
				TH_LOG("%s truncated: unanswered",
				       vmb_msg_name(type));
			EXPECT_EQ(vf_host_msg_size(want), p->len);
			/* a failure, where the answer can say it */
			if (want == VMB_MSG_VERSION_RESPONSE)
				EXPECT_EQ(0, p->b[8]);
			if (want == VMB_MSG_GPADL_CREATED ||
			    want == VMB_MSG_OPENCHANNEL_RESULT)
				EXPECT_NE(0, rd32(p->b, 16));
			if (want == VMB_MSG_MODIFYCHANNEL_RESPONSE)
				EXPECT_NE(0, rd32(p->b, 12));
			/* what cannot say no was done */
			if (want == VMB_MSG_GPADL_TORNDOWN)
				EXPECT_EQ(1, f->bus.ngpadls);
			if (want == VMB_MSG_UNLOAD_RESPONSE)
				EXPECT_FALSE(f->bus.connected);
		}
		EXPECT_EQ(0, pending(f)) TH_LOG("%s truncated: %u more",
						vmb_msg_name(type), pending(f));
		/* a truncated request that can fail does nothing */
		if (type == VMB_MSG_MODIFYCHANNEL)
			EXPECT_EQ(0, f->nretarget);
		if (type == VMB_MSG_INITIATE_CONTACT)
			EXPECT_FALSE(f->bus.connected);
		if (type == VMB_MSG_OPENCHANNEL || type == VMB_MSG_GPADL_HEADER)
			EXPECT_EQ(2, f->bus.ngpadls);
		if (type == VMB_MSG_OPENCHANNEL)
			EXPECT_EQ(VMB_CHAN_CLOSED, f->chans[1].state);
		vmb_bus_reset(&f->bus);
	}
}

TEST_F(chan, odd_sizes)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u8 m[1024];
	u32 type, len, nin;

	boot(f, g, VMB_VERSION_WS2022, 2);
	open_ring(f, g, 1, 8, 0);
	memset(m, 0, sizeof(m));
	/*
	 * 0..7 bytes, of any type: no crash; from 4 (the type) on, the
	 * requests a guest waits on answered, with a failure where the
	 * answer can say one. (UNLOAD and INITIATE_CONTACT: headers_only.)
	 */
	for (type = 0; type < VMB_MSG_COUNT + 2; type++) {
		u32 want = answer_of(type);

		if (type == VMB_MSG_UNLOAD || type == VMB_MSG_INITIATE_CONTACT)
			continue;
		wr32(m, 0, type);
		for (len = 0; len < 8; len++) {
			struct posted *p;

			EXPECT_EQ(0, send(f, g, len ? m : NULL, len));
			if (len < 4 || !want) {
				EXPECT_EQ(0, pending(f));
				continue;
			}
			p = next(f);
			ASSERT_TRUE(is_type(p, want)) TH_LOG("%s, %u bytes",
							     vmb_msg_name(type), len);
			EXPECT_EQ(0, pending(f));
			if (want == VMB_MSG_GPADL_CREATED ||
			    want == VMB_MSG_OPENCHANNEL_RESULT)
				EXPECT_NE(0, rd32(p->b, 16));
			if (want == VMB_MSG_MODIFYCHANNEL_RESPONSE)
				EXPECT_NE(0, rd32(p->b, 12));
			if (want == VMB_MSG_TL_CONNECT_RESULT)
				EXPECT_EQ(0xc0000236, rd32(p->b, 40));
		}
	}
	EXPECT_EQ(1, f->bus.ngpadls);
	EXPECT_EQ(0, f->nretarget);
	EXPECT_TRUE(f->bus.connected);
	EXPECT_TRUE(f->chans[0].state == VMB_CHAN_OPEN);
	/* more than a SynIC message holds: dropped whatever they are */
	nin = f->bus.stats.msgs_in;
	for (type = 0; type < VMB_MSG_COUNT + 2; type++) {
		memset(m, 0xff, sizeof(m));
		mk_msg(m, type, FIRST_HANDLE, 0);
		for (len = VMB_MSG_MAX + 1; len < sizeof(m); len += 97)
			EXPECT_EQ(0, send(f, g, m, len));
	}
	EXPECT_LT(nin, f->bus.stats.msgs_in);
	EXPECT_EQ(0, pending(f));
	EXPECT_TRUE(f->bus.connected);
	/* up to 240, padding past the struct is accepted */
	mk_msg(m, VMB_MSG_TL_CONNECT_REQUEST, 0, 0);
	send(f, g, m, VMB_MSG_MAX);
	EXPECT_TRUE(is_type(next(f), VMB_MSG_TL_CONNECT_RESULT));
	/* host-to-guest types sent by the guest: faults */
	for (type = 0; type < VMB_MSG_COUNT + 2; type++) {
		if (vf_host_msg_size(type) || type == 0 || type >= VMB_MSG_COUNT ||
		    type == VMB_MSG_OPEN_RESERVED_CHANNEL ||
		    type == VMB_MSG_CLOSE_RESERVED_CHANNEL ||
		    type == VMB_MSG_CLOSE_RESERVED_RESPONSE) {
			mk_msg(m, type, 0, 0);
			send(f, g, m, 200);
		}
	}
	EXPECT_EQ(0, pending(f));
	EXPECT_TRUE(f->chans[0].state == VMB_CHAN_OPEN);
}

/* Short messages of the types whose guests wait: still answered. */
TEST_F(chan, headers_only)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u8 m[8] = { 0 };
	u32 len;

	for (len = 0; len < 8; len++) {
		boot(f, g, VMB_VERSION_WS2022, 0);
		wr32(m, 0, VMB_MSG_UNLOAD);
		send(f, g, m, len);
		if (len >= 4) {
			EXPECT_TRUE(is_type(next(f), VMB_MSG_UNLOAD_RESPONSE))
				TH_LOG("%u bytes", len);
		}
		EXPECT_EQ(0, pending(f)) TH_LOG("%u bytes", len);
		wr32(m, 0, VMB_MSG_INITIATE_CONTACT);
		gpost(f, VMB_MESSAGE_CONN_ID_4, m, len);
		if (len >= 4) {
			struct posted *p = next(f);

			EXPECT_TRUE(is_type(p, VMB_MSG_VERSION_RESPONSE));
			EXPECT_EQ(0, p ? p->b[8] : 1);
			EXPECT_EQ(0, p ? p->vp : 1);
		}
		EXPECT_EQ(0, pending(f)) TH_LOG("%u bytes", len);
		vmb_bus_reset(&f->bus);
	}
}

/* The host's posts may fail: nothing leaks, the state moves on. */
TEST_F(chan, post_fails)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u8 m[40];

	boot(f, g, VMB_VERSION_WS2022, 2);
	open_ring(f, g, 1, 8, 0);
	f->fail_post = 1;
	gpadl(f, g, 2, 8, 0x100);
	gopen(f, g, 2, g->next_handle, 0, 4);
	vmb_bus_remove(&f->bus, &f->chans[1]);
	mk_contact(m, VMB_VERSION_WS2022, 0);
	gpost(f, 4, m, 40);
	EXPECT_LT(0, f->bus.stats.post_errors);
	EXPECT_EQ(0, pending(f));
	f->fail_post = 0;
	EXPECT_EQ(f->nopen, f->nclose);
	/* chans[1] was rescinded, then the reset let it go */
	EXPECT_EQ(1, f->gone[1]);
}

/*
 * A guest that takes no messages for a while: what the host posts waits,
 * in order, and goes out when the guest takes messages again; nothing is
 * dropped, and vmb_bus_flush tells the caller when to stop handing the
 * bus the guest's messages.
 */
TEST_F(chan, busy_guest_loses_nothing)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	struct posted *p;
	u32 i, relids = 0;

	for (i = 0; i < NCHANS; i++)
		addchan(f, i);
	ASSERT_EQ(VMB_VERSION_WS2022, gconnect(f, g, VMB_VERSION_WS2022));
	f->seen = f->nout;
	EXPECT_TRUE(vmb_bus_flush(&f->bus));
	/* room for 3 of the 17 answers to REQUESTOFFERS */
	f->busy = true;
	f->room = 3;
	request_offers(f, g);
	EXPECT_EQ(3, pending(f));
	EXPECT_EQ(NCHANS + 1 - 3, f->bus.noutq);
	EXPECT_EQ(NCHANS + 1 - 3, f->bus.stats.msgs_waited);
	EXPECT_FALSE(vmb_bus_flush(&f->bus));
	/* the host's own rescind waits behind them */
	vmb_bus_remove(&f->bus, &f->chans[0]);
	EXPECT_EQ(NCHANS + 2 - 3, f->bus.noutq);
	f->room = 5;
	EXPECT_FALSE(vmb_bus_flush(&f->bus));
	EXPECT_EQ(8, pending(f));
	f->room = 1000;
	EXPECT_TRUE(vmb_bus_flush(&f->bus));
	EXPECT_EQ(0, f->bus.noutq);
	/* all of them, in order: offers, ALLOFFERS_DELIVERED, the rescind */
	EXPECT_EQ(NCHANS + 2, pending(f));
	for (i = 0; i < NCHANS; i++) {
		p = next(f);
		ASSERT_NE(NULL, p);
		ASSERT_EQ(VMB_MSG_OFFERCHANNEL, rd32(p->b, 0));
		relids |= 1u << rd32(p->b, 184);
	}
	EXPECT_EQ(((1u << NCHANS) - 1) << 1, relids);
	EXPECT_TRUE(is_type(next(f), VMB_MSG_ALLOFFERS_DELIVERED));
	p = next(f);
	EXPECT_TRUE(is_type(p, VMB_MSG_RESCIND_CHANNELOFFER));
	EXPECT_EQ(1, rd32(p->b, 8));
	EXPECT_EQ(0, f->bus.stats.post_errors);
	EXPECT_EQ(NCHANS + 2 + 1, f->bus.stats.msgs_out);
	relid_released(f, g, 1);
}

/* What waits for a connection that is gone is dropped with it. */
TEST_F(chan, busy_guest_reset_drops_answers)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;

	boot(f, g, VMB_VERSION_WS2022, 4);
	f->busy = true;
	f->room = 0;
	vmb_bus_remove(&f->bus, &f->chans[1]);
	vmb_bus_remove(&f->bus, &f->chans[2]);
	EXPECT_EQ(2, f->bus.noutq);
	/* a new kernel contacts the host: it must see its answer first */
	f->room = 1000;
	vmb_bus_reset(&f->bus);
	EXPECT_EQ(0, f->bus.noutq);
	EXPECT_TRUE(vmb_bus_flush(&f->bus));
	ASSERT_EQ(1, negotiate(f, g, VMB_VERSION_WS2022));
	EXPECT_EQ(0, pending(f));
}

/* The queue is bounded: past it, messages are dropped and counted. */
TEST_F(chan, busy_guest_queue_bounded)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u32 i, n = VMB_OUTQ_MAX + 10;

	boot(f, g, VMB_VERSION_WS2022, 1);
	f->busy = true;
	f->room = 0;
	for (i = 0; i < n; i++)
		teardown(f, g, 1, 0x777);
	EXPECT_EQ(VMB_OUTQ_MAX, f->bus.noutq);
	EXPECT_EQ(10, f->bus.stats.post_errors);
	f->room = n;
	EXPECT_TRUE(vmb_bus_flush(&f->bus));
	EXPECT_EQ(VMB_OUTQ_MAX, pending(f));
	f->seen = f->nout;
}

/*
 * target_vp 0xffffffff opens a channel that is never interrupted (a
 * polling guest: OpenVMM's own client does it); MODIFYCHANNEL can move
 * no channel there, nor move such a channel.
 */
TEST_F(chan, open_without_interrupts)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	struct posted *p;
	u32 h;

	boot(f, g, VMB_VERSION_WS2022, 2);
	h = gpadl(f, g, 1, 8, 0x1000);
	ASSERT_TRUE(is_created(next(f), 1, h, 1));
	gopen(f, g, 1, h, VMB_VP_NO_INTERRUPT, 4);
	ASSERT_TRUE(is_open_result(next(f), 1, 1));
	EXPECT_EQ(VMB_VP_NO_INTERRUPT, f->chans[0].target_vp);
	EXPECT_EQ(0, f->nfaults);
	modify(f, g, 1, 1);
	p = next(f);
	ASSERT_TRUE(is_type(p, VMB_MSG_MODIFYCHANNEL_RESPONSE));
	EXPECT_NE(0, rd32(p->b, 12));
	EXPECT_EQ(VMB_VP_NO_INTERRUPT, f->chans[0].target_vp);
	open_ring(f, g, 2, 8, 0);
	modify(f, g, 2, VMB_VP_NO_INTERRUPT);
	p = next(f);
	ASSERT_TRUE(is_type(p, VMB_MSG_MODIFYCHANNEL_RESPONSE));
	EXPECT_NE(0, rd32(p->b, 12));
	EXPECT_EQ(0, f->chans[1].target_vp);
	EXPECT_EQ(0, f->nretarget);
	EXPECT_EQ(2, f->nfaults);
}

/*
 * A device's GPADL is found from any of its channels (netvsc's buffers:
 * made on the primary, used from sub-channels), never from another
 * device's; torn down while the device uses it, its TORNDOWN waits until
 * the device lets go, and its handle stays taken until then.
 */
TEST_F(chan, gpadl_shared_and_teardown_waits)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u8 m[VF_GPADL_MSG_MAX];
	struct posted *p;
	u32 h, done = 0;

	boot(f, g, VMB_VERSION_WS2022, 3);	/* scsi 0, nic 1, scsi 2 */
	ASSERT_EQ(0, vmb_bus_add(&f->bus, mkchan(f, 3, 0, 1)));
	f->seen = f->nout;
	h = gpadl(f, g, 1, 64, 0x4000);
	ASSERT_TRUE(is_created(next(f), 1, h, 1));
	EXPECT_NE(NULL, vmb_bus_gpadl(&f->bus, &f->chans[0], h));
	EXPECT_EQ(vmb_bus_gpadl(&f->bus, &f->chans[0], h),
		  vmb_bus_gpadl(&f->bus, &f->chans[3], h));
	EXPECT_EQ(NULL, vmb_bus_gpadl(&f->bus, &f->chans[1], h));
	EXPECT_EQ(NULL, vmb_bus_gpadl(&f->bus, &f->chans[2], h));
	EXPECT_EQ(NULL, vmb_bus_gpadl(&f->bus, &f->chans[0], h + 1));

	/* torn down while in use: no answer yet, and no use any more */
	f->gpadl_busy = true;
	teardown(f, g, 1, h);
	EXPECT_EQ(1, f->nteardown);
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(NULL, vmb_bus_gpadl(&f->bus, &f->chans[3], h));
	/* a second teardown is a fault, and gets no second answer */
	teardown(f, g, 1, h);
	EXPECT_EQ(0, pending(f));
	/* the handle is still taken */
	EXPECT_EQ(h + 1, gpadl(f, g, 1, 4, 0x9000));
	EXPECT_TRUE(is_created(next(f), 1, h + 1, 1));
	send(f, g, m, vf_gpadl_msg(m, 1, h, 4, 0x9100, &done));
	EXPECT_TRUE(is_created(next(f), 1, h, 0));
	/* the device lets go: now, and only now, TORNDOWN */
	vmb_bus_gpadl_done(&f->bus, h + 1);	/* not being torn down */
	EXPECT_EQ(0, pending(f));
	vmb_bus_gpadl_done(&f->bus, h);
	p = next(f);
	ASSERT_TRUE(is_torndown(p, h));
	EXPECT_EQ(0, pending(f));
	vmb_bus_gpadl_done(&f->bus, h);		/* once */
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(2, f->nfaults);
	f->gpadl_busy = false;
}

/* A connection that goes takes a GPADL being torn down with it, unanswered. */
TEST_F(chan, gpadl_teardown_waits_then_reset)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u32 h;

	boot(f, g, VMB_VERSION_WS2022, 1);
	h = gpadl(f, g, 1, 8, 0x4000);
	ASSERT_TRUE(is_created(next(f), 1, h, 1));
	f->gpadl_busy = true;
	teardown(f, g, 1, h);
	EXPECT_EQ(0, pending(f));
	vmb_bus_reset(&f->bus);
	EXPECT_EQ(f->ncreate, f->ndestroy);
	vmb_bus_gpadl_done(&f->bus, h);
	EXPECT_EQ(0, pending(f));
	f->gpadl_busy = false;
}

/* The rings of an open channel are the channel's, not the device's. */
TEST_F(chan, gpadl_ring_not_for_devices)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u32 h;

	boot(f, g, VMB_VERSION_WS2022, 1);
	h = open_ring(f, g, 1, 8, 0);
	EXPECT_EQ(NULL, vmb_bus_gpadl(&f->bus, &f->chans[0], h));
	close_chan(f, g, 1);
	EXPECT_NE(NULL, vmb_bus_gpadl(&f->bus, &f->chans[0], h));
	EXPECT_EQ(0, f->nfaults);
}

/*
 * A GPADL being torn down while the host holds it, and then its channel
 * goes (rescinded; or released by the guest; or the guest unloads): it
 * is destroyed with the channel and never answered (the guest's wait
 * ends with the rescind or the unload), and a late "done" for its handle
 * touches nothing, not even a new GPADL that took the handle since.
 */
TEST_F(chan, gpadl_teardown_waits_then_rescind)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u8 m[VF_GPADL_MSG_MAX];
	u32 h, done = 0;

	boot(f, g, VMB_VERSION_WS2022, 2);
	h = gpadl(f, g, 1, 16, 0x4000);
	ASSERT_TRUE(is_created(next(f), 1, h, 1));
	f->gpadl_busy = true;
	teardown(f, g, 1, h);
	EXPECT_EQ(0, pending(f));
	vmb_bus_remove(&f->bus, &f->chans[0]);
	EXPECT_TRUE(is_type(next(f), VMB_MSG_RESCIND_CHANNELOFFER));
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(f->ncreate, f->ndestroy);
	EXPECT_EQ(0, f->bus.ngpadls);
	/* the handle is free: channel 2 takes it; the late done is ignored */
	send(f, g, m, vf_gpadl_msg(m, 2, h, 4, 0x9000, &done));
	ASSERT_TRUE(is_created(next(f), 2, h, 1));
	vmb_bus_gpadl_done(&f->bus, h);
	EXPECT_EQ(0, pending(f));
	EXPECT_NE(NULL, vmb_bus_gpadl(&f->bus, &f->chans[1], h));
	f->gpadl_busy = false;
}

TEST_F(chan, gpadl_teardown_waits_then_released)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u32 h;

	boot(f, g, VMB_VERSION_WS2022, 1);
	h = gpadl(f, g, 1, 16, 0x4000);
	ASSERT_TRUE(is_created(next(f), 1, h, 1));
	f->gpadl_busy = true;
	teardown(f, g, 1, h);
	relid_released(f, g, 1);
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(f->ncreate, f->ndestroy);
	vmb_bus_gpadl_done(&f->bus, h);
	EXPECT_EQ(0, pending(f));
	f->gpadl_busy = false;
}

TEST_F(chan, gpadl_teardown_waits_then_unload)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u8 m[8] = { VMB_MSG_UNLOAD };
	u32 h;

	boot(f, g, VMB_VERSION_WS2022, 1);
	h = gpadl(f, g, 1, 16, 0x4000);
	ASSERT_TRUE(is_created(next(f), 1, h, 1));
	f->gpadl_busy = true;
	teardown(f, g, 1, h);
	/* the device still holds the pages the bus now drops */
	f->pages_busy = true;
	EXPECT_EQ(-EAGAIN, send(f, g, m, 8));
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(f->ncreate, f->ndestroy);
	vmb_bus_gpadl_done(&f->bus, h);
	EXPECT_EQ(0, pending(f));
	f->pages_busy = false;
	EXPECT_EQ(0, send(f, g, m, 8));
	EXPECT_TRUE(is_type(next(f), VMB_MSG_UNLOAD_RESPONSE));
	EXPECT_EQ(0, pending(f));
	f->gpadl_busy = false;
}

/*
 * The guest frees its buffers (or kexec hands them to a new kernel) once
 * UNLOAD is answered: while a device still uses pages of a GPADL, the
 * answer waits, and the message is given again until it goes. It is
 * counted once, and the bus is already disconnected meanwhile.
 */
TEST_F(chan, unload_waits_for_pages)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u8 m[8] = { VMB_MSG_UNLOAD };
	u64 in;

	boot(f, g, VMB_VERSION_WS2022, 1);
	open_ring(f, g, 1, 8, 0);
	gpadl(f, g, 1, 4, 0x800);
	f->seen = f->nout;
	in = f->bus.stats.msgs_in;
	f->pages_busy = true;
	EXPECT_EQ(-EAGAIN, send(f, g, m, 8));
	EXPECT_FALSE(f->bus.connected);
	EXPECT_EQ(1, f->nclose);
	EXPECT_EQ(0, f->bus.ngpadls);
	EXPECT_EQ(-EAGAIN, send(f, g, m, 8));
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(in, f->bus.stats.msgs_in);
	EXPECT_EQ(0, f->nfaults);
	f->pages_busy = false;
	EXPECT_EQ(0, send(f, g, m, 8));
	EXPECT_TRUE(is_type(next(f), VMB_MSG_UNLOAD_RESPONSE));
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(in + 1, f->bus.stats.msgs_in);
	EXPECT_EQ(1, f->nclose);
	/* the guest's releases after its UNLOAD are no faults */
	boot(f, g, VMB_VERSION_WS2022, 0);
	EXPECT_TRUE(f->chans[0].offered);
}

/* kexec with no UNLOAD: the new kernel's contact waits the same way. */
TEST_F(chan, recontact_waits_for_pages)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u8 m[40];
	u32 len = mk_contact(m, VMB_VERSION_WS2022, 0);
	u32 conn = contact_conn(VMB_VERSION_WS2022);
	struct posted *p;

	boot(f, g, VMB_VERSION_WS2022, 1);
	gpadl(f, g, 1, 4, 0x800);
	f->seen = f->nout;
	f->pages_busy = true;
	EXPECT_EQ(-EAGAIN, gpost(f, conn, m, len));
	EXPECT_EQ(-EAGAIN, gpost(f, conn, m, len));
	EXPECT_EQ(0, pending(f));
	EXPECT_EQ(0, f->bus.ngpadls);
	EXPECT_FALSE(f->bus.connected);
	f->pages_busy = false;
	EXPECT_EQ(0, gpost(f, conn, m, len));
	p = next(f);
	ASSERT_NE(NULL, p);
	EXPECT_TRUE(is_type(p, VMB_MSG_VERSION_RESPONSE));
	EXPECT_EQ(1, p->b[8]);			/* version_supported */
	EXPECT_TRUE(f->bus.connected);
	EXPECT_EQ(VMB_VERSION_WS2022, f->bus.version);
	EXPECT_EQ(0, pending(f));
}

/* ---- sub-channels: what Linux's netvsc and hibernation rely on ---- */

/* Primary 0 connected and offered; sub-channels 1..n of it offered too. */
static void boot_subs(struct fake *f, struct guest *g, int n)
{
	int i;

	boot(f, g, VMB_VERSION_WS2022, 1);
	for (i = 1; i <= n; i++)
		if (vmb_bus_add(&f->bus, mkchan(f, i, 0, i)))
			abort();
	f->seen = f->nout;
}

/*
 * The guest closes a primary (netvsc after an MTU change): its open
 * sub-channels are closed and rescinded, and go when the guest releases
 * them; the primary stays.
 */
TEST_F(chan, subs_rescinded_when_primary_closes)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	struct posted *p;
	int i;

	boot_subs(f, g, 2);
	for (i = 1; i <= 3; i++)
		open_ring(f, g, i, 8, 0);
	close_chan(f, g, 1);
	EXPECT_EQ(0, f->is_open[0]);
	for (i = 1; i <= 2; i++) {
		p = next(f);
		ASSERT_TRUE(is_type(p, VMB_MSG_RESCIND_CHANNELOFFER));
		EXPECT_EQ(i + 1, rd32(p->b, 8));
		EXPECT_EQ(0, f->is_open[i]);
		EXPECT_EQ(VMB_CHAN_RESCINDED, f->chans[i].state);
	}
	EXPECT_EQ(0, pending(f));
	/* the primary is still there, closed; the guest may open it again */
	EXPECT_EQ(VMB_CHAN_CLOSED, f->chans[0].state);
	relid_released(f, g, 2);
	relid_released(f, g, 3);
	EXPECT_EQ(1, f->gone[1]);
	EXPECT_EQ(1, f->gone[2]);
	EXPECT_EQ(0, f->gone[0]);
	EXPECT_EQ(0, f->nfaults);
}

/*
 * A new sub-channel with the index of a rescinded one the guest has not
 * released yet is offered only once it is: Linux would take both as one.
 */
TEST_F(chan, sub_offer_waits_for_twin)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	struct posted *p;

	boot_subs(f, g, 1);
	vmb_bus_remove(&f->bus, &f->chans[1]);
	EXPECT_TRUE(is_type(next(f), VMB_MSG_RESCIND_CHANNELOFFER));
	/* the new index 1, and an index 2 that has no twin */
	ASSERT_EQ(0, vmb_bus_add(&f->bus, mkchan(f, 2, 0, 1)));
	EXPECT_TRUE(f->chans[2].held);
	EXPECT_EQ(0, pending(f));
	ASSERT_EQ(0, vmb_bus_add(&f->bus, mkchan(f, 3, 0, 2)));
	check_offer(_metadata, next(f), &f->chans[3]);
	relid_released(f, g, 2);
	EXPECT_EQ(1, f->gone[1]);
	p = next(f);
	check_offer(_metadata, p, &f->chans[2]);
	EXPECT_FALSE(f->chans[2].held);
	EXPECT_EQ(0, pending(f));
}

/*
 * UNLOAD, and a new kernel's INITIATE_CONTACT (kexec), end the
 * connection: sub-channels go without a rescind and are never offered
 * to the next guest, which asks for its own; primaries are offered again.
 */
TEST_F(chan, subs_dropped_with_the_connection)
{
	struct fake *f = self->f;
	struct guest *g = &self->g;
	u8 m[40];
	int round;

	for (round = 0; round < 2; round++) {
		memset(f->gone, 0, sizeof(f->gone));
		if (round == 0) {
			boot_subs(f, g, 2);
		} else {
			ASSERT_EQ(0, vmb_bus_add(&f->bus, mkchan(f, 1, 0, 1)));
			ASSERT_EQ(0, vmb_bus_add(&f->bus, mkchan(f, 2, 0, 2)));
			f->seen = f->nout;
		}
		open_ring(f, g, 2, 8, 0);
		if (round == 0) {
			memset(m, 0, 8);
			wr32(m, 0, VMB_MSG_UNLOAD);
			send(f, g, m, 8);
			EXPECT_TRUE(is_type(next(f), VMB_MSG_UNLOAD_RESPONSE));
			ASSERT_EQ(VMB_VERSION_WS2022,
				  gconnect(f, g, VMB_VERSION_WS2022));
		} else {
			/* a new kernel, with no UNLOAD before it */
			mk_contact(m, VMB_VERSION_WS2022, 0);
			gpost(f, contact_conn(VMB_VERSION_WS2022), m, 40);
			EXPECT_TRUE(is_type(next(f), VMB_MSG_VERSION_RESPONSE));
		}
		EXPECT_EQ(0, pending(f)) TH_LOG("no rescind goes out");
		EXPECT_EQ(1, f->gone[1]);
		EXPECT_EQ(1, f->gone[2]);
		EXPECT_EQ(0, f->gone[0]);
		EXPECT_EQ(0, f->is_open[1]);
		request_offers(f, g);
		check_offer(_metadata, next(f), &f->chans[0]);
		EXPECT_TRUE(is_type(next(f), VMB_MSG_ALLOFFERS_DELIVERED));
		EXPECT_EQ(0, pending(f));
	}
}

TEST(names)
{
	EXPECT_STREQ("gpadl-header", vmb_msg_name(VMB_MSG_GPADL_HEADER));
	EXPECT_STREQ("unknown", vmb_msg_name(VMB_MSG_COUNT));
	EXPECT_STREQ("unknown", vmb_msg_name(0xffffffff));
	EXPECT_STREQ("5.3", vmb_version_name(VMB_VERSION_WS2022));
	EXPECT_STREQ("2.4", vmb_version_name(VMB_VERSION_WIN8));
	EXPECT_STREQ("none", vmb_version_name(0));
	EXPECT_STREQ("unknown", vmb_version_name(VMB_VERSION_WIN7));
	EXPECT_EQ(8, vmb_nversions);
}

TEST_HARNESS_MAIN
