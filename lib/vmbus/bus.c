// SPDX-License-Identifier: GPL-2.0
/*
 * The VMBus channel-management protocol, host side: version negotiation,
 * offers, GPADLs, open and close, retargeting, rescind and unload.
 *
 * Every message comes from the guest and is checked before use: its size
 * against its type, each relid, GPADL handle, page count and VP index,
 * and the state it arrives in. A message that breaks the rules is
 * reported through ops->fault and, where the guest waits for an answer
 * (VERSION_RESPONSE, GPADL_CREATED, OPENCHANNEL_RESULT, GPADL_TORNDOWN,
 * UNLOAD_RESPONSE, MODIFYCHANNEL_RESPONSE), answered with a failure: a
 * guest waits for those without a time-out.
 */
#include <hvkvm/vmbus_bus.h>

const u32 vmb_versions[] = {
	VMB_VERSION_WS2022,
	VMB_VERSION_WIN10_RS5,
	VMB_VERSION_WIN10_RS4,
	VMB_VERSION_WIN10_RS3_1,
	VMB_VERSION_WIN10_RS3_0,
	VMB_VERSION_WIN10,
	VMB_VERSION_WIN8_1,
	VMB_VERSION_WIN8,
};

const unsigned int vmb_nversions = ARRAY_SIZE(vmb_versions);

static const char * const vmb_msg_names[VMB_MSG_COUNT] = {
	[VMB_MSG_INVALID]		= "invalid",
	[VMB_MSG_OFFERCHANNEL]		= "offer",
	[VMB_MSG_RESCIND_CHANNELOFFER]	= "rescind",
	[VMB_MSG_REQUESTOFFERS]		= "request-offers",
	[VMB_MSG_ALLOFFERS_DELIVERED]	= "all-offers-delivered",
	[VMB_MSG_OPENCHANNEL]		= "open",
	[VMB_MSG_OPENCHANNEL_RESULT]	= "open-result",
	[VMB_MSG_CLOSECHANNEL]		= "close",
	[VMB_MSG_GPADL_HEADER]		= "gpadl-header",
	[VMB_MSG_GPADL_BODY]		= "gpadl-body",
	[VMB_MSG_GPADL_CREATED]		= "gpadl-created",
	[VMB_MSG_GPADL_TEARDOWN]	= "gpadl-teardown",
	[VMB_MSG_GPADL_TORNDOWN]	= "gpadl-torndown",
	[VMB_MSG_RELID_RELEASED]	= "relid-released",
	[VMB_MSG_INITIATE_CONTACT]	= "initiate-contact",
	[VMB_MSG_VERSION_RESPONSE]	= "version-response",
	[VMB_MSG_UNLOAD]		= "unload",
	[VMB_MSG_UNLOAD_RESPONSE]	= "unload-response",
	[VMB_MSG_OPEN_RESERVED_CHANNEL]	= "open-reserved",
	[VMB_MSG_CLOSE_RESERVED_CHANNEL] = "close-reserved",
	[VMB_MSG_CLOSE_RESERVED_RESPONSE] = "close-reserved-response",
	[VMB_MSG_TL_CONNECT_REQUEST]	= "tl-connect-request",
	[VMB_MSG_MODIFYCHANNEL]		= "modify-channel",
	[VMB_MSG_TL_CONNECT_RESULT]	= "tl-connect-result",
	[VMB_MSG_MODIFYCHANNEL_RESPONSE] = "modify-channel-response",
};

const char *vmb_msg_name(u32 msgtype)
{
	return msgtype < VMB_MSG_COUNT ? vmb_msg_names[msgtype] : "unknown";
}

const char *vmb_version_name(u32 version)
{
	switch (version) {
	case VMB_VERSION_WS2022:	return "5.3";
	case VMB_VERSION_WIN10_RS5:	return "5.2";
	case VMB_VERSION_WIN10_RS4:	return "5.1";
	case VMB_VERSION_WIN10_RS3_1:	return "5.0";
	case VMB_VERSION_WIN10_RS3_0:	return "4.1";
	case VMB_VERSION_WIN10:		return "4.0";
	case VMB_VERSION_WIN8_1:	return "3.0";
	case VMB_VERSION_WIN8:		return "2.4";
	case 0:				return "none";
	default:			return "unknown";
	}
}

/*
 * The smallest payload of each message a guest may send; 0 for those it
 * may not. Longer messages are accepted (Windows pads some), shorter are
 * faults (answered all the same where the guest waits: vmb_short).
 */
static const u8 vmb_msg_min[VMB_MSG_COUNT] = {
	[VMB_MSG_REQUESTOFFERS]		= sizeof(struct vmb_msg_hdr),
	[VMB_MSG_OPENCHANNEL]		= sizeof(struct vmb_msg_open),
	[VMB_MSG_CLOSECHANNEL]		= sizeof(struct vmb_msg_relid),
	[VMB_MSG_GPADL_HEADER]		= sizeof(struct vmb_msg_gpadl_header) +
					  sizeof(struct vmb_gpa_range),
	[VMB_MSG_GPADL_BODY]		= sizeof(struct vmb_msg_gpadl_body),
	[VMB_MSG_GPADL_TEARDOWN]	= sizeof(struct vmb_msg_gpadl_teardown),
	[VMB_MSG_RELID_RELEASED]	= sizeof(struct vmb_msg_relid),
	[VMB_MSG_INITIATE_CONTACT]	= sizeof(struct vmb_msg_initiate_contact),
	[VMB_MSG_UNLOAD]		= sizeof(struct vmb_msg_hdr),
	[VMB_MSG_TL_CONNECT_REQUEST]	= sizeof(struct vmb_msg_tl_connect_request),
	[VMB_MSG_MODIFYCHANNEL]		= sizeof(struct vmb_msg_modifychannel),
};

static void vmb_fault(struct vmb_bus *bus, const char *what, u32 a, u32 b)
{
	bus->stats.faults++;
	if (bus->ops->fault)
		bus->ops->fault(bus, what, a, b);
}

static void vmb_posted(struct vmb_bus *bus, int err)
{
	if (err)
		bus->stats.post_errors++;
	else
		bus->stats.msgs_out++;
}

/*
 * Post, or queue behind what waits already: messages leave in order.
 * Only a queue at its bound, or no memory, loses a message.
 */
static void vmb_post(struct vmb_bus *bus, const void *msg, u32 len)
{
	struct vmb_outmsg *m;
	int err = -ENOBUFS;

	if (!bus->outq)
		err = bus->ops->post(bus, bus->msg_vp, msg, len);
	if (err != -ENOBUFS) {
		vmb_posted(bus, err);
		return;
	}
	m = NULL;
	if (bus->noutq < VMB_OUTQ_MAX && len <= VMB_MSG_MAX)
		m = bus->ops->zalloc(bus, sizeof(*m));
	if (!m) {
		vmb_fault(bus, "message: dropped, the guest takes none",
			  ((const struct vmb_msg_hdr *)msg)->msgtype,
			  bus->noutq);
		bus->stats.post_errors++;
		return;
	}
	m->vp = bus->msg_vp;
	m->len = len;
	memcpy(m->msg, msg, len);
	if (bus->outq_tail)
		bus->outq_tail->next = m;
	else
		bus->outq = m;
	bus->outq_tail = m;
	bus->noutq++;
	bus->stats.msgs_waited++;
}

static void vmb_outq_pop(struct vmb_bus *bus)
{
	struct vmb_outmsg *m = bus->outq;

	bus->outq = m->next;
	if (!bus->outq)
		bus->outq_tail = NULL;
	bus->noutq--;
	bus->ops->free(bus, m);
}

bool vmb_bus_flush(struct vmb_bus *bus)
{
	int err;

	while (bus->outq) {
		err = bus->ops->post(bus, bus->outq->vp, bus->outq->msg,
				     bus->outq->len);
		if (err == -ENOBUFS)
			return false;
		vmb_posted(bus, err);
		vmb_outq_pop(bus);
	}
	return true;
}

/* Answers to a connection that is gone: no guest waits for them now. */
static void vmb_outq_drop(struct vmb_bus *bus)
{
	while (bus->outq)
		vmb_outq_pop(bus);
}

static void vmb_hdr(struct vmb_msg_hdr *h, u32 type)
{
	h->msgtype = type;
	h->padding = 0;
}

/* ---- GPADLs ---- */

static struct vmb_gpadl *vmb_gpadl_find(struct vmb_bus *bus, u32 handle)
{
	struct vmb_gpadl *g;

	for (g = bus->gpadls; g; g = g->next)
		if (g->handle == handle)
			return g;
	return NULL;
}

static void vmb_gpadl_unlink(struct vmb_bus *bus, struct vmb_gpadl *g)
{
	struct vmb_gpadl **pp;

	for (pp = &bus->gpadls; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			bus->ngpadls--;
			return;
		}
	}
}

static void vmb_gpadl_free(struct vmb_bus *bus, struct vmb_gpadl *g)
{
	vmb_gpadl_unlink(bus, g);
	bus->gpadl_bytes -= g->buflen;
	if (g->complete && bus->ops->gpadl_destroy)
		bus->ops->gpadl_destroy(bus, g);
	bus->ops->free(bus, g->pfns);
	bus->ops->free(bus, g->area);
	bus->ops->free(bus, g);
}

static void vmb_gpadl_created(struct vmb_bus *bus, u32 relid, u32 handle,
			      u32 status)
{
	struct vmb_msg_gpadl_created m = {
		.child_relid = relid,
		.gpadl = handle,
		.status = status,
	};

	vmb_hdr(&m.hdr, VMB_MSG_GPADL_CREATED);
	vmb_post(bus, &m, sizeof(m));
}

static u64 vmb_get_u64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The range area is complete: flatten its ranges into one page list.
 * Each range is a struct vmb_gpa_range and as many PFNs as it spans;
 * together they must fill the area exactly.
 */
static int vmb_gpadl_parse(struct vmb_bus *bus, struct vmb_gpadl *g)
{
	u32 off = 0, n = 0, i, r;

	/* First count the pages, checking every range. */
	for (r = 0; r < g->rangecount; r++) {
		struct vmb_gpa_range range;
		u64 pages;

		if (g->buflen - off < sizeof(range))
			return -EINVAL;
		memcpy(&range, g->area + off, sizeof(range));
		off += sizeof(range);
		if (!range.byte_count || range.byte_offset >= VMB_PAGE_SIZE)
			return -EINVAL;
		pages = ((u64)range.byte_offset + range.byte_count +
			 VMB_PAGE_SIZE - 1) / VMB_PAGE_SIZE;
		if (pages > (g->buflen - off) / 8)
			return -EINVAL;
		off += pages * 8;
		n += pages;
		if (r == 0) {
			g->byte_offset = range.byte_offset;
			g->byte_count = 0;
		}
		g->byte_count += range.byte_count;
	}
	if (off != g->buflen || !n)
		return -EINVAL;
	g->pfns = bus->ops->zalloc(bus, n * sizeof(u64));
	if (!g->pfns)
		return -ENOMEM;
	for (off = 0, r = 0; r < g->rangecount; r++) {
		struct vmb_gpa_range range;
		u32 pages;

		memcpy(&range, g->area + off, sizeof(range));
		off += sizeof(range);
		pages = ((u64)range.byte_offset + range.byte_count +
			 VMB_PAGE_SIZE - 1) / VMB_PAGE_SIZE;
		for (i = 0; i < pages; i++, off += 8)
			g->pfns[g->npfns++] = vmb_get_u64(g->area + off);
	}
	return 0;
}

static bool vmb_chan_rescinded(struct vmb_bus *bus, u32 relid);

/* The last bytes of a GPADL arrived: check and create it, and answer. */
static void vmb_gpadl_finish(struct vmb_bus *bus, struct vmb_gpadl *g)
{
	int err;

	if (vmb_chan_rescinded(bus, g->relid)) {
		/* Its channel was rescinded meanwhile: refused, no fault. */
		err = -ENODEV;
	} else {
		err = vmb_gpadl_parse(bus, g);
		if (err) {
			vmb_fault(bus, "gpadl: ranges do not add up", g->handle,
				  g->rangecount);
		} else {
			err = bus->ops->gpadl_create(bus, g);
			if (err)
				vmb_fault(bus, "gpadl: a page is not guest memory",
					  g->handle, g->npfns);
		}
	}
	vmb_gpadl_created(bus, g->relid, g->handle,
			  err ? VMB_STATUS_FAILED : 0);
	if (err) {
		g->complete = false;
		vmb_gpadl_free(bus, g);
		return;
	}
	g->complete = true;
	bus->ops->free(bus, g->area);
	g->area = NULL;
}

static struct vmb_chan *vmb_chan_of(struct vmb_bus *bus, u32 relid)
{
	struct vmb_chan *c;

	if (!relid || relid > bus->relid_max)
		return NULL;
	c = bus->chans[relid];
	if (!c || !c->offered || c->released ||
	    c->state == VMB_CHAN_RESCINDED)
		return NULL;
	return c;
}

/*
 * A channel the host rescinded and the guest has not released: the
 * guest may not have seen the rescind yet, and what it sends for the
 * relid meanwhile (a GPADL for its rings, an open) is refused but no
 * fault. vmbus_onoffer_rescind fails what the guest still waits for.
 */
static bool vmb_chan_rescinded(struct vmb_bus *bus, u32 relid)
{
	struct vmb_chan *c;

	if (!relid || relid > bus->relid_max)
		return false;
	c = bus->chans[relid];
	return c && c->offered && !c->released &&
	       c->state == VMB_CHAN_RESCINDED;
}

static bool vmb_same_device(const struct vmb_chan *a, const struct vmb_chan *b)
{
	return !memcmp(&a->if_type, &b->if_type, sizeof(a->if_type)) &&
	       !memcmp(&a->if_instance, &b->if_instance,
		       sizeof(a->if_instance));
}

/* A rescinded channel the guest still holds, with c's type, instance, index. */
static bool vmb_twin_held(struct vmb_bus *bus, const struct vmb_chan *c)
{
	u32 relid;

	for (relid = 1; relid <= bus->relid_max; relid++) {
		const struct vmb_chan *d = bus->chans[relid];

		if (d && d != c && d->state == VMB_CHAN_RESCINDED &&
		    d->sub_index == c->sub_index && vmb_same_device(c, d))
			return true;
	}
	return false;
}

static void vmb_gpadl_header(struct vmb_bus *bus, const void *msg, u32 len)
{
	const struct vmb_msg_gpadl_header *m = msg;
	u32 bytes = len - VMB_GPADL_HEADER_RANGE_OFF;
	struct vmb_gpadl *g;

	/*
	 * One of a rescinded channel is taken (its bodies may follow) and
	 * refused when complete.
	 */
	if (!vmb_chan_of(bus, m->child_relid) &&
	    !vmb_chan_rescinded(bus, m->child_relid)) {
		vmb_fault(bus, "gpadl: no such channel", m->child_relid,
			  m->gpadl);
		goto refuse;
	}
	if (!m->gpadl || vmb_gpadl_find(bus, m->gpadl)) {
		vmb_fault(bus, "gpadl: handle zero or in use", m->child_relid,
			  m->gpadl);
		goto refuse;
	}
	if (!m->rangecount || m->range_buflen % 8 ||
	    m->range_buflen < m->rangecount * (sizeof(struct vmb_gpa_range) + 8) ||
	    bytes % 8 || bytes > m->range_buflen) {
		vmb_fault(bus, "gpadl: bad range sizes", m->gpadl,
			  m->range_buflen);
		goto refuse;
	}
	if (bus->ngpadls >= VMB_GPADLS_MAX ||
	    bus->gpadl_bytes + m->range_buflen > VMB_GPADL_BYTES_MAX) {
		vmb_fault(bus, "gpadl: too many", m->gpadl, bus->ngpadls);
		goto refuse;
	}
	g = bus->ops->zalloc(bus, sizeof(*g));
	if (!g)
		goto refuse;
	g->area = bus->ops->zalloc(bus, m->range_buflen);
	if (!g->area) {
		bus->ops->free(bus, g);
		goto refuse;
	}
	g->handle = m->gpadl;
	g->relid = m->child_relid;
	g->rangecount = m->rangecount;
	g->buflen = m->range_buflen;
	g->have = bytes;
	memcpy(g->area, m->range, bytes);
	g->next = bus->gpadls;
	bus->gpadls = g;
	bus->ngpadls++;
	bus->gpadl_bytes += g->buflen;
	if (g->have == g->buflen)
		vmb_gpadl_finish(bus, g);
	return;
refuse:
	vmb_gpadl_created(bus, m->child_relid, m->gpadl, VMB_STATUS_FAILED);
}

static void vmb_gpadl_body(struct vmb_bus *bus, const void *msg, u32 len)
{
	const struct vmb_msg_gpadl_body *m = msg;
	u32 bytes = len - VMB_GPADL_BODY_DATA_OFF;
	struct vmb_gpadl *g = vmb_gpadl_find(bus, m->gpadl);

	if (!g || g->complete) {
		/* Nobody waits for a GPADL we never started. */
		vmb_fault(bus, "gpadl body: no such gpadl in progress",
			  m->gpadl, 0);
		return;
	}
	if (bytes % 8 || bytes > (u32)(g->buflen - g->have)) {
		vmb_fault(bus, "gpadl body: more pages than announced",
			  m->gpadl, bytes);
		vmb_gpadl_created(bus, g->relid, g->handle, VMB_STATUS_FAILED);
		vmb_gpadl_free(bus, g);
		return;
	}
	memcpy(g->area + g->have, m->data, bytes);
	g->have += bytes;
	if (g->have == g->buflen)
		vmb_gpadl_finish(bus, g);
}

/* ---- channels ---- */

static void vmb_chan_close(struct vmb_bus *bus, struct vmb_chan *c)
{
	struct vmb_gpadl *g;

	if (c->state != VMB_CHAN_OPEN)
		return;
	bus->ops->chan_close(bus, c);
	c->state = VMB_CHAN_CLOSED;
	g = vmb_gpadl_find(bus, c->ring_gpadl);
	if (g)
		g->ring = false;
}

/*
 * Drop the GPADLs made for a channel (it is closed); at a rescind, those
 * in progress stay, to take their bodies, until they complete (refused)
 * or the channel goes.
 */
static void vmb_chan_drop_gpadls(struct vmb_bus *bus, u32 relid,
				 bool in_progress)
{
	struct vmb_gpadl *g, *next;

	for (g = bus->gpadls; g; g = next) {
		next = g->next;
		if (g->relid == relid && (g->complete || in_progress))
			vmb_gpadl_free(bus, g);
	}
}

static void vmb_rescind_subs(struct vmb_bus *bus, struct vmb_chan *primary);

/*
 * The guest closed c (CLOSECHANNEL, or the ring's GPADL torn down, or the
 * relid released while open). A primary's sub-channels are rescinded
 * then: Linux never opens them again, it asks for new ones (netvsc after
 * an MTU or channel-count change), and its hibernation waits for every
 * sub-channel's rescind (vmbus_bus_suspend).
 */
static void vmb_chan_guest_closed(struct vmb_bus *bus, struct vmb_chan *c)
{
	bool was_open = c->state == VMB_CHAN_OPEN;

	vmb_chan_close(bus, c);
	if (was_open && !c->sub_index)
		vmb_rescind_subs(bus, c);
}

static void vmb_torndown(struct vmb_bus *bus, u32 handle)
{
	struct vmb_msg_gpadl_torndown r = { .gpadl = handle };

	vmb_hdr(&r.hdr, VMB_MSG_GPADL_TORNDOWN);
	vmb_post(bus, &r, sizeof(r));
}

/*
 * GPADL_TORNDOWN says the host holds none of the buffer's pages any more:
 * the guest frees them then. So when a device still uses them (I/O in
 * flight), the answer waits for the device to let go (as OpenVMM's
 * TearingDown state does); Linux waits for it with no time-out.
 */
static void vmb_gpadl_teardown(struct vmb_bus *bus, const void *msg)
{
	const struct vmb_msg_gpadl_teardown *m = msg;
	struct vmb_gpadl *g = vmb_gpadl_find(bus, m->gpadl);

	if (g && g->tearing) {
		/* Its TORNDOWN comes when the host lets go: once. */
		vmb_fault(bus, "gpadl teardown: torn down already",
			  m->child_relid, m->gpadl);
		return;
	}
	if (!g || g->relid != m->child_relid) {
		/* One of a rescinded channel went with the rescind. */
		if (!vmb_chan_rescinded(bus, m->child_relid))
			vmb_fault(bus, "gpadl teardown: no such gpadl",
				  m->child_relid, m->gpadl);
		vmb_torndown(bus, m->gpadl);
		return;
	}
	if (g->ring) {
		/* Its channel is still open: close it first. */
		struct vmb_chan *c = bus->chans[g->relid];

		vmb_fault(bus, "gpadl teardown: rings of an open channel",
			  m->child_relid, m->gpadl);
		if (c)
			vmb_chan_guest_closed(bus, c);
	}
	if (g->complete && bus->ops->gpadl_teardown &&
	    bus->ops->gpadl_teardown(bus, g) == -EBUSY) {
		g->tearing = true;
		return;
	}
	vmb_gpadl_free(bus, g);
	vmb_torndown(bus, m->gpadl);
}

struct vmb_gpadl *vmb_bus_gpadl(struct vmb_bus *bus, const struct vmb_chan *c,
				u32 handle)
{
	struct vmb_gpadl *g = vmb_gpadl_find(bus, handle);
	struct vmb_chan *owner;

	if (!g || !g->complete || g->tearing || g->ring || !c->relid ||
	    c->state == VMB_CHAN_RESCINDED)
		return NULL;
	owner = g->relid <= bus->relid_max ? bus->chans[g->relid] : NULL;
	if (!owner || (owner != c && !vmb_same_device(owner, c)))
		return NULL;
	return g;
}

void vmb_bus_gpadl_done(struct vmb_bus *bus, u32 handle)
{
	struct vmb_gpadl *g = vmb_gpadl_find(bus, handle);

	if (!g || !g->tearing)
		return;
	vmb_gpadl_free(bus, g);
	vmb_torndown(bus, handle);
}

static void vmb_open_result(struct vmb_bus *bus, const struct vmb_msg_open *m,
			    u32 status)
{
	struct vmb_msg_open_result r = {
		.child_relid = m->child_relid,
		.openid = m->openid,
		.status = status,
	};

	vmb_hdr(&r.hdr, VMB_MSG_OPENCHANNEL_RESULT);
	vmb_post(bus, &r, sizeof(r));
}

static void vmb_open(struct vmb_bus *bus, const void *msg)
{
	const struct vmb_msg_open *m = msg;
	struct vmb_chan *c = vmb_chan_of(bus, m->child_relid);
	struct vmb_gpadl *g = vmb_gpadl_find(bus, m->ring_gpadl);

	if (!c) {
		if (!vmb_chan_rescinded(bus, m->child_relid))
			vmb_fault(bus, "open: no such channel",
				  m->child_relid, 0);
		goto refuse;
	}
	if (c->state != VMB_CHAN_CLOSED) {
		vmb_fault(bus, "open: the channel is open", m->child_relid, 0);
		goto refuse;
	}
	if (!g || !g->complete || g->tearing || g->relid != c->relid ||
	    g->ring) {
		vmb_fault(bus, "open: no such ring gpadl", m->child_relid,
			  m->ring_gpadl);
		goto refuse;
	}
	/* A header page and at least one data page each way. */
	if (g->npfns < 4 || m->downstream_offset < 2 ||
	    m->downstream_offset > g->npfns - 2 ||
	    g->byte_offset || g->rangecount != 1) {
		vmb_fault(bus, "open: bad ring layout", m->child_relid,
			  m->downstream_offset);
		goto refuse;
	}
	/* No VP at all: no interrupts (OpenVMM's VP_INDEX_DISABLE_INTERRUPT). */
	if (m->target_vp >= bus->nvps && m->target_vp != VMB_VP_NO_INTERRUPT) {
		vmb_fault(bus, "open: no such vp", m->child_relid,
			  m->target_vp);
		goto refuse;
	}
	c->target_vp = m->target_vp;
	c->ring_gpadl = m->ring_gpadl;
	c->downstream = m->downstream_offset;
	memcpy(c->open_data, m->user_data, sizeof(c->open_data));
	if (bus->ops->chan_open(bus, c, g))
		goto refuse;
	c->state = VMB_CHAN_OPEN;
	g->ring = true;
	vmb_open_result(bus, m, 0);
	return;
refuse:
	vmb_open_result(bus, m, VMB_STATUS_FAILED);
}

static void vmb_close(struct vmb_bus *bus, const void *msg)
{
	const struct vmb_msg_relid *m = msg;
	struct vmb_chan *c = NULL;

	/* A rescinded channel may still be closed by the guest. */
	if (m->child_relid && m->child_relid <= bus->relid_max)
		c = bus->chans[m->child_relid];
	if (!c || !c->offered || c->state != VMB_CHAN_OPEN) {
		if (!c || c->state != VMB_CHAN_RESCINDED)
			vmb_fault(bus, "close: the channel is not open",
				  m->child_relid, 0);
		return;
	}
	vmb_chan_guest_closed(bus, c);
}

static void vmb_modify(struct vmb_bus *bus, const void *msg)
{
	const struct vmb_msg_modifychannel *m = msg;
	struct vmb_msg_modifychannel_response r = {
		.child_relid = m->child_relid,
		.status = VMB_STATUS_FAILED,
	};
	struct vmb_chan *c = vmb_chan_of(bus, m->child_relid);

	if (bus->version < VMB_VERSION_WIN10_RS3_0) {
		vmb_fault(bus, "modify: not in this version", m->child_relid,
			  bus->version);
		return;
	}
	if (!c || c->state != VMB_CHAN_OPEN)
		vmb_fault(bus, "modify: the channel is not open",
			  m->child_relid, 0);
	else if (m->target_vp >= bus->nvps)
		vmb_fault(bus, "modify: no such vp", m->child_relid,
			  m->target_vp);
	else if (c->target_vp == VMB_VP_NO_INTERRUPT)
		vmb_fault(bus, "modify: opened without interrupts",
			  m->child_relid, m->target_vp);
	else if (!bus->ops->chan_retarget(bus, c, m->target_vp))
		r.status = 0;
	if (!r.status)
		c->target_vp = m->target_vp;
	/* Only 5.3 guests wait for an answer; older ones get none. */
	if (bus->version >= VMB_VERSION_WS2022) {
		vmb_hdr(&r.hdr, VMB_MSG_MODIFYCHANNEL_RESPONSE);
		vmb_post(bus, &r, sizeof(r));
	}
}

static void vmb_offer(struct vmb_bus *bus, struct vmb_chan *c)
{
	struct vmb_msg_offer m = {
		.if_type = c->if_type,
		.if_instance = c->if_instance,
		.chn_flags = c->chn_flags,
		.mmio_megabytes = c->mmio_megabytes,
		.sub_channel_index = c->sub_index,
		.child_relid = c->relid,
		.is_dedicated_interrupt = 1,
		.connection_id = c->conn_id,
	};

	memcpy(m.user_def, c->user_def, sizeof(m.user_def));
	vmb_hdr(&m.hdr, VMB_MSG_OFFERCHANNEL);
	vmb_post(bus, &m, sizeof(m));
	c->offered = true;
}

/*
 * Offers go out primaries first (a sub-channel's offer must follow its
 * primary's), each group in relid order.
 */
static void vmb_request_offers(struct vmb_bus *bus)
{
	struct vmb_msg_hdr done;
	u32 relid, pass;

	if (bus->offers_requested) {
		vmb_fault(bus, "request-offers: asked twice", 0, 0);
		return;
	}
	bus->offers_requested = true;
	for (pass = 0; pass < 2; pass++) {
		for (relid = 1; relid <= bus->relid_max; relid++) {
			struct vmb_chan *c = bus->chans[relid];

			if (c && c->state != VMB_CHAN_RESCINDED && !c->held &&
			    !c->offered && !c->sub_index == !pass)
				vmb_offer(bus, c);
		}
	}
	vmb_hdr(&done, VMB_MSG_ALLOFFERS_DELIVERED);
	vmb_post(bus, &done, sizeof(done));
}

static void vmb_chan_free(struct vmb_bus *bus, struct vmb_chan *c)
{
	struct vmb_chan twin = *c;	/* c may be freed by chan_gone */
	bool rescinded = c->state == VMB_CHAN_RESCINDED;
	u32 relid;

	/* GPADLs a rescinded channel was still taking go with it */
	vmb_chan_drop_gpadls(bus, c->relid, true);
	bus->chans[c->relid] = NULL;
	if (bus->ops->chan_gone)
		bus->ops->chan_gone(bus, c);
	if (!rescinded)
		return;
	/* Its key is free again: a new channel waiting for it is offered. */
	for (relid = 1; relid <= bus->relid_max; relid++) {
		struct vmb_chan *d = bus->chans[relid];

		if (d && d->held && d->sub_index == twin.sub_index &&
		    vmb_same_device(d, &twin) && !vmb_twin_held(bus, d)) {
			d->held = false;
			if (bus->connected && bus->offers_requested)
				vmb_offer(bus, d);
		}
	}
}

static void vmb_relid_released(struct vmb_bus *bus, const void *msg)
{
	const struct vmb_msg_relid *m = msg;
	struct vmb_chan *c = NULL;

	if (m->child_relid && m->child_relid <= bus->relid_max)
		c = bus->chans[m->child_relid];
	if (!c || !c->offered || c->released) {
		vmb_fault(bus, "relid-released: no such channel",
			  m->child_relid, 0);
		return;
	}
	if (c->state == VMB_CHAN_RESCINDED) {
		vmb_chan_free(bus, c);
		return;
	}
	/* The guest gave up a channel it could not set up. */
	vmb_chan_guest_closed(bus, c);
	vmb_chan_drop_gpadls(bus, c->relid, true);
	c->released = true;
}

/*
 * Close every channel and drop every GPADL; primaries stay, unoffered,
 * and so do sub-channels the host made before any guest connected.
 */
static void vmb_disconnect(struct vmb_bus *bus)
{
	bool was = bus->connected;
	u32 relid;

	for (relid = 1; relid <= bus->relid_max; relid++) {
		struct vmb_chan *c = bus->chans[relid];

		if (!c)
			continue;
		vmb_chan_close(bus, c);
		/*
		 * Sub-channels go with the connection: the next one's guest
		 * asks for its own, and must not find stale ones offered.
		 */
		if (c->state == VMB_CHAN_RESCINDED || (c->sub_index && was)) {
			vmb_chan_drop_gpadls(bus, relid, true);
			c->state = VMB_CHAN_CLOSED;
			vmb_chan_free(bus, c);
			continue;
		}
		c->offered = false;
		c->released = false;
		c->held = false;
	}
	while (bus->gpadls)
		vmb_gpadl_free(bus, bus->gpadls);
	vmb_outq_drop(bus);
	if (bus->connected && bus->ops->connection)
		bus->ops->connection(bus, 0);
	bus->connected = false;
	bus->offers_requested = false;
	bus->version = 0;
}

static bool vmb_version_known(u32 version)
{
	unsigned int i;

	for (i = 0; i < vmb_nversions; i++)
		if (vmb_versions[i] == version)
			return true;
	return false;
}

/*
 * The connection is gone: is the host still using pages of its GPADLs?
 * The guest may free them once it has the answer.
 */
static bool vmb_pages_busy(struct vmb_bus *bus)
{
	return bus->ops->gpadls_busy && bus->ops->gpadls_busy(bus);
}

static int vmb_initiate_contact(struct vmb_bus *bus, u32 conn_id,
				const void *msg)
{
	const struct vmb_msg_initiate_contact *m = msg;
	struct vmb_msg_version_response r = {
		.connection_state = VMB_CONNECTION_SUCCESSFUL,
		.msg_conn_id = VMB_MESSAGE_CONN_ID,
	};
	u32 vp = m->target_vcpu;
	bool ok = vmb_version_known(m->version);

	/* A new contact resets the bus: a new kernel, kexec, a reload. */
	vmb_disconnect(bus);
	if (vmb_pages_busy(bus))
		return -EAGAIN;

	if (vp >= bus->nvps) {
		vmb_fault(bus, "initiate-contact: no such vp", m->version, vp);
		vp = 0;
		ok = false;
	}
	if (ok && m->version >= VMB_VERSION_WIN10_RS3_1 &&
	    (m->msg_sint != VMB_MESSAGE_SINT || m->vtl)) {
		vmb_fault(bus, "initiate-contact: unsupported sint or vtl",
			  m->msg_sint, m->vtl);
		ok = false;
	}
	/* From 5.0 contact comes on connection 4; before, on 1. */
	if (ok && (m->version >= VMB_VERSION_WIN10_RS3_1) !=
	    (conn_id == VMB_MESSAGE_CONN_ID_4)) {
		vmb_fault(bus, "initiate-contact: wrong connection id",
			  m->version, conn_id);
		ok = false;
	}
	bus->msg_vp = vp;
	r.version_supported = ok;
	vmb_hdr(&r.hdr, VMB_MSG_VERSION_RESPONSE);
	vmb_post(bus, &r, sizeof(r));
	if (!ok)
		return 0;
	bus->connected = true;
	bus->version = m->version;
	bus->monitor_page1 = m->monitor_page1;
	bus->monitor_page2 = m->monitor_page2;
	if (bus->ops->connection)
		bus->ops->connection(bus, bus->version);
	return 0;
}

static int vmb_unload(struct vmb_bus *bus)
{
	struct vmb_msg_hdr r;

	vmb_disconnect(bus);
	if (vmb_pages_busy(bus))
		return -EAGAIN;
	vmb_hdr(&r, VMB_MSG_UNLOAD_RESPONSE);
	vmb_post(bus, &r, sizeof(r));
	return 0;
}

static void vmb_tl_connect(struct vmb_bus *bus, const void *msg)
{
	const struct vmb_msg_tl_connect_request *m = msg;
	struct vmb_msg_tl_connect_result r = {
		.endpoint_id = m->guest_endpoint_id,
		.service_id = m->host_service_id,
		.status = (s32)VMB_STATUS_CONNECTION_REFUSED,
	};

	/* No host service listens for sockets (yet): refuse, do not hang. */
	vmb_hdr(&r.hdr, VMB_MSG_TL_CONNECT_RESULT);
	vmb_post(bus, &r, sizeof(r));
}

/*
 * A message too short for its type, its missing bytes zeroed: answer it
 * all the same where a guest waits for the answer. Where the answer can
 * say no, the request is made one that fails (and nothing is done);
 * GPADL_TORNDOWN and UNLOAD_RESPONSE cannot, so those requests are
 * carried out as they read. Returns false for a message to drop.
 */
static bool vmb_short(void *msg, u32 type)
{
	switch (type) {
	case VMB_MSG_INITIATE_CONTACT:
		((struct vmb_msg_initiate_contact *)msg)->version = 0;
		return true;
	case VMB_MSG_GPADL_HEADER:
		((struct vmb_msg_gpadl_header *)msg)->rangecount = 0;
		return true;
	case VMB_MSG_OPENCHANNEL:
		((struct vmb_msg_open *)msg)->ring_gpadl = 0;
		return true;
	case VMB_MSG_MODIFYCHANNEL:
		((struct vmb_msg_modifychannel *)msg)->target_vp = ~0u;
		return true;
	case VMB_MSG_GPADL_TEARDOWN:
	case VMB_MSG_UNLOAD:
	case VMB_MSG_TL_CONNECT_REQUEST:	/* always refused */
		return true;
	default:
		return false;
	}
}

static int vmb_message(struct vmb_bus *bus, u32 conn_id, const void *msg,
		       u32 len)
{
	/* Aligned copy: the guest's bytes are read once, here. */
	union {
		struct vmb_msg_hdr hdr;
		u64 align;
		u8 b[VMB_MSG_MAX];
	} m;
	u32 type;

	/* The type is all a message needs to be answered. */
	if (len < sizeof(m.hdr.msgtype) || len > VMB_MSG_MAX) {
		vmb_fault(bus, "message: bad size", len, 0);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	memcpy(m.b, msg, len);
	type = m.hdr.msgtype;
	if (type >= VMB_MSG_COUNT || !vmb_msg_min[type]) {
		vmb_fault(bus, "message: not one a guest sends", type, len);
		return 0;
	}
	if (len < vmb_msg_min[type]) {
		vmb_fault(bus, "message: too short for its type", type, len);
		if (!vmb_short(m.b, type))
			return 0;
		len = vmb_msg_min[type];
	}
	if (type != VMB_MSG_INITIATE_CONTACT && !bus->connected) {
		/*
		 * Linux unloading hv_vmbus sends UNLOAD, then releases every
		 * relid it had: the releases are not faults. An UNLOAD is
		 * answered whatever the state, as the guest waits for it.
		 */
		if (type == VMB_MSG_UNLOAD)
			return vmb_unload(bus);
		if (type != VMB_MSG_RELID_RELEASED)
			vmb_fault(bus, "message: before initiate-contact", type, 0);
		return 0;
	}

	switch (type) {
	case VMB_MSG_INITIATE_CONTACT:
		return vmb_initiate_contact(bus, conn_id, m.b);
	case VMB_MSG_REQUESTOFFERS:
		vmb_request_offers(bus);
		break;
	case VMB_MSG_GPADL_HEADER:
		vmb_gpadl_header(bus, m.b, len);
		break;
	case VMB_MSG_GPADL_BODY:
		vmb_gpadl_body(bus, m.b, len);
		break;
	case VMB_MSG_GPADL_TEARDOWN:
		vmb_gpadl_teardown(bus, m.b);
		break;
	case VMB_MSG_OPENCHANNEL:
		vmb_open(bus, m.b);
		break;
	case VMB_MSG_CLOSECHANNEL:
		vmb_close(bus, m.b);
		break;
	case VMB_MSG_MODIFYCHANNEL:
		vmb_modify(bus, m.b);
		break;
	case VMB_MSG_RELID_RELEASED:
		vmb_relid_released(bus, m.b);
		break;
	case VMB_MSG_UNLOAD:
		return vmb_unload(bus);
	case VMB_MSG_TL_CONNECT_REQUEST:
		vmb_tl_connect(bus, m.b);
		break;
	}
	return 0;
}

int vmb_bus_message(struct vmb_bus *bus, u32 conn_id, const void *msg,
		    u32 len)
{
	int err;

	if (conn_id != VMB_MESSAGE_CONN_ID && conn_id != VMB_MESSAGE_CONN_ID_4)
		return -ENOENT;
	err = vmb_message(bus, conn_id, msg, len);
	/* One that waits is counted when it is taken. */
	if (err != -EAGAIN)
		bus->stats.msgs_in++;
	return err;
}

void vmb_bus_init(struct vmb_bus *bus, const struct vmb_ops *ops, u32 nvps,
		  u32 conn_base, u32 relid_max)
{
	memset(bus, 0, sizeof(*bus));
	bus->ops = ops;
	bus->nvps = nvps;
	bus->conn_base = conn_base;
	bus->relid_max = relid_max > VMB_RELID_MAX ? VMB_RELID_MAX : relid_max;
}

int vmb_bus_add(struct vmb_bus *bus, struct vmb_chan *c)
{
	u32 relid;

	for (relid = 1; relid <= bus->relid_max; relid++)
		if (!bus->chans[relid])
			break;
	if (relid > bus->relid_max)
		return -ENOSPC;
	c->relid = relid;
	c->conn_id = bus->conn_base + relid;
	c->state = VMB_CHAN_CLOSED;
	c->offered = false;
	c->released = false;
	c->held = vmb_twin_held(bus, c);
	bus->chans[relid] = c;
	if (bus->connected && bus->offers_requested && !c->held)
		vmb_offer(bus, c);
	return 0;
}

void vmb_bus_remove(struct vmb_bus *bus, struct vmb_chan *c)
{
	struct vmb_msg_relid m = { .child_relid = c->relid };

	if (!c->relid || bus->chans[c->relid] != c ||
	    c->state == VMB_CHAN_RESCINDED)
		return;
	vmb_chan_close(bus, c);
	vmb_chan_drop_gpadls(bus, c->relid, false);
	/*
	 * A guest that released the relid of a channel it could not set
	 * up has forgotten it: it ignores a rescind of that relid and never
	 * releases it again, so the channel goes now.
	 */
	if (!bus->connected || !c->offered || c->released) {
		vmb_chan_free(bus, c);
		return;
	}
	c->state = VMB_CHAN_RESCINDED;
	vmb_hdr(&m.hdr, VMB_MSG_RESCIND_CHANNELOFFER);
	vmb_post(bus, &m, sizeof(m));
}

/* Rescind the sub-channels of primary that the guest still has. */
static void vmb_rescind_subs(struct vmb_bus *bus, struct vmb_chan *primary)
{
	u32 relid;

	for (relid = 1; relid <= bus->relid_max; relid++) {
		struct vmb_chan *d = bus->chans[relid];

		if (d && d->sub_index && d->state != VMB_CHAN_RESCINDED &&
		    vmb_same_device(d, primary))
			vmb_bus_remove(bus, d);
	}
}

void vmb_bus_reset(struct vmb_bus *bus)
{
	vmb_disconnect(bus);
}

void vmb_bus_destroy(struct vmb_bus *bus)
{
	u32 relid;

	vmb_disconnect(bus);
	for (relid = 1; relid <= bus->relid_max; relid++)
		if (bus->chans[relid])
			vmb_chan_free(bus, bus->chans[relid]);
}
