/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VMBus channel ring, from either end: the consumer reads packets, the
 * producer writes them. The host consumes the guest's outbound ring and
 * produces into its inbound ring; a guest does the opposite. Portable:
 * it builds into the modules and, natively, into the unit tests, the
 * fuzz target and the benchmark.
 *
 * Everything in the header page and the data area is shared with the
 * other end, which may change any of it at any time. Each end keeps its
 * own index privately (pos) and only ever publishes it; it reads each
 * word the other end writes once, and validates it before use.
 *
 * Locking is the caller's: one reader or one writer per ring at a time.
 */
#ifndef _HVKVM_VMBUS_RING_H
#define _HVKVM_VMBUS_RING_H

#include <hvkvm/vmbus_proto.h>

struct vmb_ring {
	struct vmb_ring_hdr *hdr;	/* shared; 8-aligned (a page) */
	u8 *data;			/* shared, size bytes; 8-aligned */
	u32 size;			/* multiple of 8, at least 24 */
	u32 pos;			/* private: next read or next write */
	u32 start;			/* private: published index of the batch */
	u32 reserved;			/* producer: bytes promised, not written */
};

/*
 * Set up a ring over hdr/data, taking our own index from the header
 * (read_index for a consumer, write_index for a producer). -EINVAL if
 * that index is out of range or unaligned, if size is not a multiple of
 * 8 of at least 24, or if hdr or data is not 8-aligned. Writes nothing.
 */
int vmb_ring_init(struct vmb_ring *r, void *hdr, void *data, u32 size,
		  bool consumer);

/*
 * Producer, at open: feature_bits gets the pending-send-size bit (the
 * consumer then signals when it frees what pending_send_sz asks for) and
 * pending_send_sz is cleared, as Hyper-V and OpenVMM do on their
 * outgoing rings.
 */
void vmb_ring_advertise(struct vmb_ring *r);

/* ---- consumer: the host reads the guest's outbound ring ---- */

/*
 * Copy the next packet (descriptor to len8 * 8, no trailer) into buf.
 * Returns its length, 0 if the ring is empty, -EMSGSIZE if it is longer
 * than buflen (nothing consumed, buf untouched), -EBADMSG if the guest
 * lied (write_index, offset8, len8). Advances the private pos only.
 */
int vmb_ring_read(struct vmb_ring *r, void *buf, u32 buflen);

/*
 * Publish read_index = pos. True if the producer must be signalled: it
 * set pending_send_sz (and feature_bits has VMB_RING_FEAT_PENDING_SEND_SZ),
 * and the free space crossed it in this batch.
 */
bool vmb_ring_read_done(struct vmb_ring *r);

/* interrupt_mask = 1: "I am draining, do not signal me". */
void vmb_ring_mask(struct vmb_ring *r);

/*
 * interrupt_mask = 0, then true if packets are waiting: the caller
 * masks and drains again. Call vmb_ring_read_done() first. A consumer
 * masks while it drains and sleeps only after this said false.
 */
bool vmb_ring_unmask(struct vmb_ring *r);

/* write_index == pos, as read now (false if write_index is a lie). */
bool vmb_ring_empty(struct vmb_ring *r);

/* ---- producer: the host writes the guest's inbound ring ---- */

struct vmb_seg {
	const void *p;
	u32 len;
};

/* Bytes of ring a packet of total bytes takes: padded, with its trailer. */
static inline u32 vmb_pkt_need(u32 total)
{
	return (u32)(((u64)total + 7) & ~(u64)7) + VMB_PKT_TRAILER;
}

/*
 * Fill a descriptor: hdrlen is the descriptor and its extension (a
 * multiple of 8), total all the bytes of the packet.
 */
void vmb_pkt_init(struct vmb_pkt_desc *d, u16 type, u16 flags, u64 trans_id,
		  u32 hdrlen, u32 total);

/*
 * Write one packet: the segments (the first starts with a filled
 * descriptor), zeroes up to 8, the trailer. Needs free space strictly
 * greater than vmb_pkt_need(total) plus what is reserved. Publishes
 * write_index; *signal tells whether the consumer must be signalled (it
 * was empty and is not masked). 0; -ENOSPC (nothing written); -EBADMSG
 * if read_index is a lie; -EINVAL if the packet could never fit, or its
 * descriptor does not match the segments (len8, offset8 < 2 or > len8,
 * first segment shorter than a descriptor).
 */
int vmb_ring_write(struct vmb_ring *r, const struct vmb_seg *segs,
		   unsigned int nseg, bool *signal);

/*
 * Reservations, for replies that must not fail when they are sent (a
 * completion from another context): vmb_ring_reserve() promises need
 * bytes (vmb_pkt_need() of the largest reply) out of the free space, or
 * says -ENOSPC, -EBADMSG (read_index is a lie) or -EINVAL (need is 0,
 * not a multiple of 8, or could never fit). While bytes are reserved,
 * other writes leave them free.
 *
 * vmb_ring_write_reserved() writes a packet with a reservation of
 * @reserved bytes (at least vmb_pkt_need() of it) and gives the whole
 * reservation back: it cannot fail for want of space. -EINVAL if more is
 * claimed than is reserved, or the reservation is too small.
 * vmb_ring_unreserve() gives a reservation back unused.
 */
int vmb_ring_reserve(struct vmb_ring *r, u32 need);
void vmb_ring_unreserve(struct vmb_ring *r, u32 need);
int vmb_ring_write_reserved(struct vmb_ring *r, const struct vmb_seg *segs,
			    unsigned int nseg, u32 reserved, bool *signal);

/*
 * A blocked producer: pending_send_sz = need plus what is reserved
 * (exactly what a write of need bytes waits for), then true if that much
 * is already free: retry at once. While the two add up to size or more,
 * no signal can come: the caller retries when it writes or gives back a
 * reservation.
 */
bool vmb_ring_want_space(struct vmb_ring *r, u32 need);
void vmb_ring_clear_want(struct vmb_ring *r);

/* Bytes free for the producer, as read now; 0 if read_index is a lie. */
u32 vmb_ring_free(struct vmb_ring *r);

/* ---- packets copied out by vmb_ring_read ---- */

/*
 * The ranges of a GPA-direct packet (type 9; the caller checked the
 * type) of len bytes: fn once per range, with pfn pointing into pkt
 * (8-aligned if pkt is; see vmb_pfn()). Stops at fn's first non-zero
 * return and returns it; 0 after the last range (or if there are none);
 * -EBADMSG, before any call, if the packet does not hold its ranges.
 */
int vmb_pkt_gpa_ranges(const void *pkt, u32 len,
		       int (*fn)(void *ctx, u32 byte_count, u32 byte_offset,
				 const u64 *pfn, u32 npfn),
		       void *ctx);

/* pfn[i], whatever the alignment of pfn. */
static inline u64 vmb_pfn(const u64 *pfn, u32 i)
{
	u64 v;

	memcpy(&v, (const u8 *)pfn + (size_t)i * sizeof(v), sizeof(v));
	return v;
}

#endif /* _HVKVM_VMBUS_RING_H */
