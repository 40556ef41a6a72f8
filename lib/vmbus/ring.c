// SPDX-License-Identifier: GPL-2.0
/*
 * VMBus channel rings, from either end (see include/hvkvm/vmbus_ring.h).
 *
 * The data area is not double-mapped: a packet that runs past its end
 * continues at its start, and is copied in two pieces. Every index is an
 * offset below size, a multiple of 8; so is every packet boundary, hence
 * a descriptor's two 8-byte words never straddle the end.
 */
#include <hvkvm/vmbus_ring.h>

/*
 * A header word. The header is page-aligned, but struct vmb_ring_hdr is
 * packed, and READ_ONCE() of a packed member does not build everywhere.
 */
#define RING_HDR(r, field) \
	(*(u32 *)((u8 *)(r)->hdr + offsetof(struct vmb_ring_hdr, field)))

static bool ring_index_ok(const struct vmb_ring *r, u32 idx)
{
	return idx < r->size && !(idx & 7);
}

/* off + len in the ring; off < size, len <= size */
static u32 ring_add(const struct vmb_ring *r, u32 off, u32 len)
{
	u32 room = r->size - off;

	return len < room ? off + len : len - room;
}

/* Bytes from index from up to index to, going forward. */
static u32 ring_dist(const struct vmb_ring *r, u32 from, u32 to)
{
	return to >= from ? to - from : r->size - from + to;
}

static u32 ring_copy_from(const struct vmb_ring *r, u32 off, void *dst, u32 len)
{
	u32 room = r->size - off;

	if (len <= room) {
		memcpy(dst, r->data + off, len);
	} else {
		memcpy(dst, r->data + off, room);
		memcpy((u8 *)dst + room, r->data, len - room);
	}
	return ring_add(r, off, len);
}

static u32 ring_copy_to(const struct vmb_ring *r, u32 off, const void *src,
			u32 len)
{
	u32 room = r->size - off;

	if (!len)
		return off;
	if (len <= room) {
		memcpy(r->data + off, src, len);
	} else {
		memcpy(r->data + off, src, room);
		memcpy(r->data, (const u8 *)src + room, len - room);
	}
	return ring_add(r, off, len);
}

int vmb_ring_init(struct vmb_ring *r, void *hdr, void *data, u32 size,
		  bool consumer)
{
	u32 idx;

	if (size < 3 * 8 || (size & 7) || ((uintptr_t)hdr & 7) ||
	    ((uintptr_t)data & 7))
		return -EINVAL;
	r->hdr = hdr;
	r->data = data;
	r->size = size;
	if (consumer)
		idx = READ_ONCE(RING_HDR(r, read_index));
	else
		idx = READ_ONCE(RING_HDR(r, write_index));
	if (!ring_index_ok(r, idx))
		return -EINVAL;
	r->pos = idx;
	r->start = idx;
	r->reserved = 0;
	return 0;
}

void vmb_ring_advertise(struct vmb_ring *r)
{
	WRITE_ONCE(RING_HDR(r, pending_send_sz), 0);
	WRITE_ONCE(RING_HDR(r, feature_bits),
		   READ_ONCE(RING_HDR(r, feature_bits)) |
		   VMB_RING_FEAT_PENDING_SEND_SZ);
}

/* ---- consumer ---- */

int vmb_ring_read(struct vmb_ring *r, void *buf, u32 buflen)
{
	struct vmb_pkt_desc d;
	u64 word[2];
	u32 w, avail, len;

	w = READ_ONCE(RING_HDR(r, write_index));
	if (!ring_index_ok(r, w))
		return -EBADMSG;
	if (w == r->pos)
		return 0;
	/* the packets only after the index that covers them */
	smp_rmb();

	avail = ring_dist(r, r->pos, w);
	if (avail < sizeof(d) + VMB_PKT_TRAILER)
		return -EBADMSG;
	/* the descriptor once, into d: buf gets it from there */
	word[0] = READ_ONCE(*(u64 *)(r->data + r->pos));
	word[1] = READ_ONCE(*(u64 *)(r->data + ring_add(r, r->pos, 8)));
	memcpy(&d, word, sizeof(d));
	if (d.offset8 < 2 || d.len8 < d.offset8)
		return -EBADMSG;
	len = (u32)d.len8 * 8;
	if (len > avail - VMB_PKT_TRAILER)
		return -EBADMSG;
	if (len > buflen)
		return -EMSGSIZE;

	memcpy(buf, &d, sizeof(d));
	ring_copy_from(r, ring_add(r, r->pos, sizeof(d)), (u8 *)buf + sizeof(d),
		       len - sizeof(d));
	r->pos = ring_add(r, r->pos, len + VMB_PKT_TRAILER);
	return len;
}

bool vmb_ring_read_done(struct vmb_ring *r)
{
	u32 w, pending, done, now, before;

	/* our reads of the packets before the guest may reuse their room */
	smp_mb();
	WRITE_ONCE(RING_HDR(r, read_index), r->pos);
	/*
	 * read_index out before anything of the producer's is read again:
	 * pending_send_sz here (hv_pkt_iter_close), write_index in the
	 * caller's "empty?" (or a packet written meanwhile, which the
	 * producer need not signal, would wait for the next doorbell).
	 */
	smp_mb();
	done = ring_dist(r, r->start, r->pos);
	r->start = r->pos;
	if (!done)
		return false;
	if (!(READ_ONCE(RING_HDR(r, feature_bits)) &
	      VMB_RING_FEAT_PENDING_SEND_SZ))
		return false;
	pending = READ_ONCE(RING_HDR(r, pending_send_sz));
	if (!pending)
		return false;
	w = READ_ONCE(RING_HDR(r, write_index));
	if (!ring_index_ok(r, w))
		return false;
	/* free now, then free before the batch: conservatively small */
	now = r->size - ring_dist(r, r->pos, w);
	before = now > done ? now - done : 0;
	return before <= pending && pending < now;
}

void vmb_ring_mask(struct vmb_ring *r)
{
	WRITE_ONCE(RING_HDR(r, interrupt_mask), 1);
}

bool vmb_ring_unmask(struct vmb_ring *r)
{
	WRITE_ONCE(RING_HDR(r, interrupt_mask), 0);
	/* the mask out before write_index in: or a packet goes unsignalled */
	smp_mb();
	return !vmb_ring_empty(r);
}

bool vmb_ring_empty(struct vmb_ring *r)
{
	return READ_ONCE(RING_HDR(r, write_index)) == r->pos;
}

/* ---- producer ---- */

void vmb_pkt_init(struct vmb_pkt_desc *d, u16 type, u16 flags, u64 trans_id,
		  u32 hdrlen, u32 total)
{
	d->type = type;
	d->offset8 = hdrlen / 8;
	d->len8 = (u16)(((u64)total + 7) / 8);
	d->flags = flags;
	d->trans_id = trans_id;
}

u32 vmb_ring_free(struct vmb_ring *r)
{
	u32 rd = READ_ONCE(RING_HDR(r, read_index));

	if (!ring_index_ok(r, rd))
		return 0;
	return r->size - ring_dist(r, rd, r->pos);
}

static int ring_write(struct vmb_ring *r, const struct vmb_seg *segs,
		      unsigned int nseg, u32 from_reserve, bool *signal)
{
	static const u8 zero[8];
	struct vmb_pkt_desc d;
	u64 total = 0, trailer;
	u32 old = r->pos, off, len, rd;
	unsigned int i;

	*signal = false;
	if (!nseg || segs[0].len < sizeof(d))
		return -EINVAL;
	for (i = 0; i < nseg; i++)
		total += segs[i].len;
	if (total > (u64)0xffff * 8)
		return -EINVAL;
	len = ((u32)total + 7) & ~7U;
	memcpy(&d, segs[0].p, sizeof(d));
	if ((u32)d.len8 * 8 != len || d.offset8 < 2 || d.offset8 > d.len8)
		return -EINVAL;
	if (len + VMB_PKT_TRAILER >= r->size)
		return -EINVAL;
	if (from_reserve > r->reserved ||
	    (from_reserve && from_reserve < len + VMB_PKT_TRAILER))
		return -EINVAL;

	rd = READ_ONCE(RING_HDR(r, read_index));
	if (!ring_index_ok(r, rd))
		return -EBADMSG;
	/*
	 * The guest's reads of the room we reuse are done: it published
	 * read_index after them, and our stores below depend on it.
	 */
	if (r->size - ring_dist(r, rd, old) <=
	    (u64)r->reserved - from_reserve + len + VMB_PKT_TRAILER)
		return -ENOSPC;
	r->reserved -= from_reserve;

	off = old;
	for (i = 0; i < nseg; i++)
		off = ring_copy_to(r, off, segs[i].p, segs[i].len);
	off = ring_copy_to(r, off, zero, len - (u32)total);
	trailer = (u64)old << 32;
	off = ring_copy_to(r, off, &trailer, sizeof(trailer));

	/* the packet before the index that publishes it */
	smp_wmb();
	WRITE_ONCE(RING_HDR(r, write_index), off);
	r->pos = off;
	r->start = off;

	/* write_index out before the guest's state in (hv_signal_on_write) */
	smp_mb();
	if (READ_ONCE(RING_HDR(r, interrupt_mask)))
		return 0;
	/* interrupt_mask before read_index */
	smp_rmb();
	*signal = READ_ONCE(RING_HDR(r, read_index)) == old;
	return 0;
}

int vmb_ring_write(struct vmb_ring *r, const struct vmb_seg *segs,
		   unsigned int nseg, bool *signal)
{
	return ring_write(r, segs, nseg, 0, signal);
}

int vmb_ring_write_reserved(struct vmb_ring *r, const struct vmb_seg *segs,
			    unsigned int nseg, u32 reserved, bool *signal)
{
	if (!reserved) {
		*signal = false;
		return -EINVAL;
	}
	return ring_write(r, segs, nseg, reserved, signal);
}

int vmb_ring_reserve(struct vmb_ring *r, u32 need)
{
	u32 rd = READ_ONCE(RING_HDR(r, read_index));

	if (!need || need % 8 || need >= r->size)
		return -EINVAL;
	if (!ring_index_ok(r, rd))
		return -EBADMSG;
	if (r->size - ring_dist(r, rd, r->pos) <= (u64)r->reserved + need)
		return -ENOSPC;
	r->reserved += need;
	return 0;
}

void vmb_ring_unreserve(struct vmb_ring *r, u32 need)
{
	r->reserved -= need < r->reserved ? need : r->reserved;
}

bool vmb_ring_want_space(struct vmb_ring *r, u32 need)
{
	/*
	 * want >= size never comes from the consumer: what is reserved
	 * must be written (or given back) first, and that retries.
	 */
	u64 want = (u64)r->reserved + need;

	WRITE_ONCE(RING_HDR(r, pending_send_sz),
		   want > 0xffffffffu ? 0xffffffffu : (u32)want);
	/* pending_send_sz out before read_index in: or we miss the signal */
	smp_mb();
	return vmb_ring_free(r) > want;
}

void vmb_ring_clear_want(struct vmb_ring *r)
{
	WRITE_ONCE(RING_HDR(r, pending_send_sz), 0);
}

/* ---- packets copied out ---- */

/*
 * The range at *off of a GPA-direct packet whose extension ends at end:
 * its header and PFNs inside, sane; *off moves past it.
 */
static int gpa_range_next(const u8 *p, u32 end, u32 *off,
			  struct vmb_gpa_range *g, u32 *npfn)
{
	u64 pages;

	if (end - *off < sizeof(*g))
		return -EBADMSG;
	memcpy(g, p + *off, sizeof(*g));
	if (g->byte_offset >= VMB_PAGE_SIZE || !g->byte_count)
		return -EBADMSG;
	pages = ((u64)g->byte_offset + g->byte_count + VMB_PAGE_SIZE - 1) /
		VMB_PAGE_SIZE;
	if (pages > (end - *off - sizeof(*g)) / sizeof(u64))
		return -EBADMSG;
	*npfn = (u32)pages;
	*off += sizeof(*g) + *npfn * sizeof(u64);
	return 0;
}

int vmb_pkt_gpa_ranges(const void *pkt, u32 len,
		       int (*fn)(void *ctx, u32 byte_count, u32 byte_offset,
				 const u64 *pfn, u32 npfn),
		       void *ctx)
{
	const u8 *p = pkt;
	struct vmb_pkt_gpa_direct h;
	struct vmb_gpa_range g;
	u32 end, off, npfn, i;
	int ret;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, p, sizeof(h));
	end = (u32)h.d.offset8 * 8;
	if (end < sizeof(h) || end > len ||
	    h.range_cnt > (end - sizeof(h)) / (sizeof(g) + sizeof(u64)))
		return -EBADMSG;

	/* all of them sane before the first call */
	off = sizeof(h);
	for (i = 0; i < h.range_cnt; i++) {
		ret = gpa_range_next(p, end, &off, &g, &npfn);
		if (ret)
			return ret;
	}
	off = sizeof(h);
	for (i = 0; i < h.range_cnt; i++) {
		gpa_range_next(p, end, &off, &g, &npfn);
		ret = fn(ctx, g.byte_count, g.byte_offset,
			 (const u64 *)(p + off - npfn * sizeof(u64)), npfn);
		if (ret)
			return ret;
	}
	return 0;
}
