// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for lib/vmbus/ring.c: one ring, a header and data
 * the input chooses, read and written by the host's code through both
 * of its views (consumer and producer, as a loopback), with the guest's
 * meddling between calls.
 *
 * Input:
 *   u8  size: data area of 24 + 8 * (size % 126) bytes
 *   u16 write_index, u16 read_index (zero-extended: may well be lies)
 *   u8  interrupt_mask, u16 pending_send_sz, u8 feature_bits
 *   u8  n: the first 8 * n bytes of data come next (the rest is zero)
 *   ops, until the input runs out: an opcode byte, then its arguments
 *
 * Checked: ASan/UBSan find no access outside data[0..size) or the
 * buffers; every return is one the API allows and leaves the private
 * index sane; and as long as the guest has not touched an index or the
 * data since both views agreed, the consumer reads exactly the packets
 * the producer wrote, and both signal exactly by the rules.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvkvm/vmbus_ring.h>
#include "vmbus_fake.h"

#define HW(f)	(((u32 *)hdr)[offsetof(struct vmb_ring_hdr, f) / 4])

enum { OP_READ, OP_READ_DONE, OP_WRITE, OP_POKE_HDR, OP_POKE_DATA,
       OP_MASK, OP_WANT, OP_QUERY, OP_GPA, OP_REINIT, OP_RESERVE,
       OP_COUNT };

static struct vmb_ring_hdr hdr_page __attribute__((aligned(4096)));

/* what the producer wrote, oldest first, while the model holds */
struct qpkt {
	u32 total, seed;
	u16 type, hdrlen;
};

struct state {
	struct vmb_ring_hdr *hdr;
	u8 *data;
	u32 size;
	struct vmb_ring cons, prod;
	bool cons_ok, prod_ok;
	bool model;		/* the FIFO below is the truth */
	struct qpkt q[64];
	unsigned int qh, qt;
	u64 last[(0xffff * 8) / 8 + 1];	/* the last packet read */
	u32 last_len;
};

static u8 pattern(u32 seed, u32 i)
{
	return (u8)(seed * 131 + i * 7 + (i >> 8));
}

static u32 ring_used(const struct state *s, u32 from, u32 to)
{
	return to >= from ? to - from : s->size - from + to;
}

static void sync_model(struct state *s)
{
	struct vmb_ring_hdr *hdr = s->hdr;

	s->model = s->cons_ok && s->prod_ok && s->cons.pos == s->prod.pos &&
		   HW(read_index) == s->cons.pos && s->cons.start == s->cons.pos &&
		   HW(write_index) == s->prod.pos;
	s->qh = s->qt = 0;
}

static void op_read(struct state *s, struct vf_in *in)
{
	u32 buflen = vf_get(in, 2) % 1200, pos = s->cons.pos, i, len;
	struct vmb_pkt_desc d;
	struct qpkt *q;
	u8 *buf;
	int n;

	if (!s->cons_ok)
		return;
	buf = malloc(buflen ? buflen : 1);
	check(buf);
	n = vmb_ring_read(&s->cons, buf, buflen);
	check(s->cons.pos < s->size && !(s->cons.pos & 7));
	if (n <= 0) {
		check(n == 0 || n == -EMSGSIZE || n == -EBADMSG);
		check(s->cons.pos == pos);
	} else {
		memcpy(&d, buf, sizeof(d));
		check((u32)n <= buflen && !(n & 7));
		check((u32)d.len8 * 8 == (u32)n);
		check(d.offset8 >= 2 && d.offset8 <= d.len8);
		check(ring_used(s, pos, s->cons.pos) == (u32)n + 8);
		memcpy(s->last, buf, n);
		s->last_len = n;
	}
	if (s->model) {
		if (s->qh == s->qt) {
			check(n == 0);
		} else {
			q = &s->q[s->qh % 64];
			len = (q->total + 7) & ~7u;
			if (buflen < len) {
				check(n == -EMSGSIZE);
			} else {
				check(n == (int)len);
				memcpy(&d, buf, sizeof(d));
				check(d.type == q->type && d.trans_id == q->seed);
				check(d.offset8 == q->hdrlen / 8);
				for (i = sizeof(d); i < len; i++)
					check(buf[i] == (i < q->total ?
						  pattern(q->seed, i) : 0));
				s->qh++;
			}
		}
	}
	free(buf);
}

static void op_read_done(struct state *s)
{
	struct vmb_ring_hdr *hdr = s->hdr;
	u32 w = HW(write_index), pend = HW(pending_send_sz), feat, done;
	u32 now, before;
	bool sig, want;

	if (!s->cons_ok)
		return;
	feat = HW(feature_bits);
	done = ring_used(s, s->cons.start, s->cons.pos);
	sig = vmb_ring_read_done(&s->cons);
	check(HW(read_index) == s->cons.pos && s->cons.start == s->cons.pos);
	if (w < s->size && !(w & 7) && done &&
	    (feat & VMB_RING_FEAT_PENDING_SEND_SZ) && pend) {
		now = s->size - ring_used(s, s->cons.pos, w);
		before = now > done ? now - done : 0;
		want = before <= pend && pend < now;
	} else {
		want = false;
	}
	check(sig == want);
}

static void op_write(struct state *s, struct vf_in *in)
{
	struct vmb_ring_hdr *hdr = s->hdr;
	u32 total = 16 + vf_get(in, 2) % (s->size + 24);
	u32 split = vf_get(in, 1), hdrunits = vf_get(in, 1), how = vf_get(in, 1);
	u32 seed = vf_get(in, 2), old = s->prod.pos, rd, i, need, hdrlen;
	struct vmb_seg segs[4];
	struct vmb_pkt_desc d;
	unsigned int nseg;
	u16 type = 1 + how % 13;
	bool sig, lie = how & 0x80;
	u8 *pkt;
	int n;

	if (!s->prod_ok)
		return;
	hdrlen = 16 + 8 * (hdrunits % 8);
	if (hdrlen > ((total + 7) & ~7u))
		hdrlen = 16;
	pkt = malloc(total);
	check(pkt);
	vmb_pkt_init(&d, type, 0, seed, hdrlen, total);
	if (lie)
		d.len8 += 1 + (how >> 4 & 3);
	memcpy(pkt, &d, sizeof(d));
	for (i = sizeof(d); i < total; i++)
		pkt[i] = pattern(seed, i);
	/* up to four segments, the first at least a descriptor */
	segs[0].p = pkt;
	segs[0].len = 16 + (split & 0x3f) % (total - 15);
	nseg = 1;
	if (segs[0].len < total) {
		u32 rest = total - segs[0].len, a = ((split >> 6) * rest) / 3;

		segs[1] = (struct vmb_seg){ pkt + segs[0].len, a };
		segs[2] = (struct vmb_seg){ NULL, 0 };
		segs[3] = (struct vmb_seg){ pkt + segs[0].len + a, rest - a };
		nseg = 4;
	}
	rd = HW(read_index);
	need = vmb_pkt_need(total);
	n = vmb_ring_write(&s->prod, segs, nseg, &sig);
	check(s->prod.pos < s->size && !(s->prod.pos & 7));
	if (n) {
		check(n == -ENOSPC || n == -EBADMSG || n == -EINVAL);
		check(!sig && s->prod.pos == old);
	} else {
		check(!lie && HW(write_index) == s->prod.pos);
		check(ring_used(s, old, s->prod.pos) == need);
	}
	if (lie || need >= s->size)
		check(n == -EINVAL);
	else if (rd >= s->size || (rd & 7))
		check(n == -EBADMSG);
	else
		check(n == (s->size - ring_used(s, rd, old) >
			    (u64)s->prod.reserved + need ? 0 : -ENOSPC));
	if (!n)
		check(sig == (!HW(interrupt_mask) && HW(read_index) == old));
	if (s->model && !n) {
		s->q[s->qt % 64] = (struct qpkt){ total, seed, type, hdrlen };
		s->qt++;
		check(s->qt - s->qh <= 64);
	}
	free(pkt);
}

static void op_poke_hdr(struct state *s, struct vf_in *in)
{
	struct vmb_ring_hdr *hdr = s->hdr;
	u32 field = vf_get(in, 1), v = vf_get(in, 4);

	switch ((field & 0x7f) % 5) {
	case 0:
		HW(write_index) = field & 0x80 ? v : v % (s->size + 8);
		s->model = false;
		break;
	case 1:
		HW(read_index) = field & 0x80 ? v : v % (s->size + 8);
		s->model = false;
		break;
	case 2:
		HW(interrupt_mask) = v;
		break;
	case 3:
		HW(pending_send_sz) = v;
		break;
	case 4:
		HW(feature_bits) = v;
		break;
	}
}

static void op_poke_data(struct state *s, struct vf_in *in)
{
	u32 off = vf_get(in, 2), v = vf_get(in, 1);

	s->data[off % s->size] = v;
	s->model = false;
}

static void op_mask(struct state *s, struct vf_in *in)
{
	struct vmb_ring_hdr *hdr = s->hdr;
	u32 how = vf_get(in, 1);
	bool more;

	if (!s->cons_ok)
		return;
	if (how & 1) {
		vmb_ring_mask(&s->cons);
		check(HW(interrupt_mask) == 1);
	} else {
		more = vmb_ring_unmask(&s->cons);
		check(HW(interrupt_mask) == 0);
		check(more == (HW(write_index) != s->cons.pos));
		if (s->model)
			check(more == (s->qh != s->qt));
	}
}

static void op_want(struct state *s, struct vf_in *in)
{
	struct vmb_ring_hdr *hdr = s->hdr;
	u32 need = vf_get(in, 2);
	bool room;

	if (!s->prod_ok)
		return;
	if (need & 1) {
		vmb_ring_clear_want(&s->prod);
		check(HW(pending_send_sz) == 0);
	} else {
		room = vmb_ring_want_space(&s->prod, need);
		check(HW(pending_send_sz) == s->prod.reserved + need);
		check(room == (vmb_ring_free(&s->prod) >
			       (u64)s->prod.reserved + need));
	}
}

/*
 * Reservations: reserve (checked against the free space as the guest's
 * read_index says), give back, or write a packet that claims all that
 * is reserved; such a write never fails for want of space.
 */
static void op_reserve(struct state *s, struct vf_in *in)
{
	struct vmb_ring_hdr *hdr = s->hdr;
	u32 how = vf_get(in, 1), arg = vf_get(in, 2), rd = HW(read_index);
	u32 before = s->prod.reserved, old = s->prod.pos, total;
	struct vmb_pkt_desc d;
	struct vmb_seg seg;
	u8 *pkt;
	bool sig;
	int n;

	if (!s->prod_ok)
		return;
	switch (how % 3) {
	case 0:
		n = vmb_ring_reserve(&s->prod, arg);
		if (!arg || arg % 8 || arg >= s->size)
			check(n == -EINVAL);
		else if (rd >= s->size || (rd & 7))
			check(n == -EBADMSG);
		else
			check(n == (s->size - ring_used(s, rd, s->prod.pos) >
				    (u64)before + arg ? 0 : -ENOSPC));
		check(s->prod.reserved == before + (n ? 0 : arg));
		break;
	case 1:
		arg &= ~7u;	/* what was reserved: multiples of 8 */
		vmb_ring_unreserve(&s->prod, arg);
		check(s->prod.reserved == (arg < before ? before - arg : 0));
		break;
	case 2:
		if (before < vmb_pkt_need(16))
			return;
		/* the largest packet the reservation holds, or less */
		total = 16 + arg % (before - VMB_PKT_TRAILER - 15);
		pkt = calloc(1, total);
		check(pkt);
		vmb_pkt_init(&d, 1, 0, arg, 16, total);
		memcpy(pkt, &d, sizeof(d));
		seg = (struct vmb_seg){ pkt, total };
		n = vmb_ring_write_reserved(&s->prod, &seg, 1, before, &sig);
		if (rd >= s->size || (rd & 7)) {
			check(n == -EBADMSG);
		} else {
			/* the guest may have moved read_index back: a lie */
			check(n == 0 || n == -ENOSPC);
			if (!n) {
				check(s->prod.reserved == 0);
				check(ring_used(s, old, s->prod.pos) ==
				      vmb_pkt_need(total));
			}
		}
		if (n)
			check(s->prod.reserved == before && s->prod.pos == old);
		/* what the model expects is not this packet: stop trusting */
		if (!n)
			sync_model(s);
		free(pkt);
		break;
	}
}

static void op_query(struct state *s)
{
	struct vmb_ring_hdr *hdr = s->hdr;
	u32 rd = HW(read_index), f;

	if (s->cons_ok)
		check(vmb_ring_empty(&s->cons) ==
		      (HW(write_index) == s->cons.pos));
	if (s->prod_ok) {
		f = vmb_ring_free(&s->prod);
		if (rd >= s->size || (rd & 7))
			check(f == 0);
		else
			check(f == s->size - ring_used(s, rd, s->prod.pos) &&
			      f >= 8);
	}
}

static int gpa_fn(void *ctx, u32 byte_count, u32 byte_offset,
		  const u64 *pfn, u32 npfn)
{
	const u8 *end = ctx;
	u64 sum = 0;
	u32 i;

	check(byte_count && byte_offset < VMB_PAGE_SIZE && npfn);
	check(npfn == ((u64)byte_offset + byte_count + 4095) / 4096);
	check((const u8 *)(pfn + npfn) <= end);
	for (i = 0; i < npfn; i++)
		sum += vmb_pfn(pfn, i);
	return sum == 0x5354 ? 1 : 0;
}

static void op_gpa(struct state *s, struct vf_in *in)
{
	u32 how = vf_get(in, 1), len;
	u8 *pkt;
	int ret;

	if (how & 1) {
		/* straight from the input, at an odd address if it likes */
		len = how >> 1;
		if (len > in->n)
			len = in->n;
		pkt = malloc(len + 1);
		check(pkt);
		memcpy(pkt + (how >> 7), in->p, len);
		in->p += len;
		in->n -= len;
		ret = vmb_pkt_gpa_ranges(pkt + (how >> 7), len, gpa_fn,
					 pkt + (how >> 7) + len);
		free(pkt);
	} else {
		len = s->last_len;
		ret = vmb_pkt_gpa_ranges(s->last, len, gpa_fn,
					 (u8 *)s->last + len);
	}
	check(ret == 0 || ret == 1 || ret == -EBADMSG);
}

static void op_reinit(struct state *s, struct vf_in *in)
{
	u32 how = vf_get(in, 1);

	if (how & 1)
		s->cons_ok = !vmb_ring_init(&s->cons, s->hdr, s->data, s->size,
					    true);
	else
		s->prod_ok = !vmb_ring_init(&s->prod, s->hdr, s->data, s->size,
					    false);
	sync_model(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct state st;
	struct vf_in in = { data, size };
	struct state *s = &st;
	struct vmb_ring_hdr *hdr = &hdr_page;
	u32 n;

	s->hdr = hdr;
	s->size = 24 + 8 * (vf_get(&in, 1) % 126);
	memset(hdr, 0, sizeof(*hdr));
	HW(write_index) = vf_get(&in, 2);
	HW(read_index) = vf_get(&in, 2);
	HW(interrupt_mask) = vf_get(&in, 1);
	HW(pending_send_sz) = vf_get(&in, 2);
	HW(feature_bits) = vf_get(&in, 1);
	s->data = calloc(1, s->size);
	check(s->data);
	n = 8 * vf_get(&in, 1);
	if (n > s->size)
		n = s->size;
	if (n > in.n)
		n = in.n;
	memcpy(s->data, in.p, n);
	in.p += n;
	in.n -= n;

	s->cons_ok = !vmb_ring_init(&s->cons, hdr, s->data, s->size, true);
	s->prod_ok = !vmb_ring_init(&s->prod, hdr, s->data, s->size, false);
	s->last_len = 0;
	sync_model(s);

	while (in.n) {
		switch (vf_get(&in, 1) % OP_COUNT) {
		case OP_READ:
			op_read(s, &in);
			break;
		case OP_READ_DONE:
			op_read_done(s);
			break;
		case OP_WRITE:
			op_write(s, &in);
			break;
		case OP_POKE_HDR:
			op_poke_hdr(s, &in);
			break;
		case OP_POKE_DATA:
			op_poke_data(s, &in);
			break;
		case OP_MASK:
			op_mask(s, &in);
			break;
		case OP_WANT:
			op_want(s, &in);
			break;
		case OP_QUERY:
			op_query(s);
			break;
		case OP_GPA:
			op_gpa(s, &in);
			break;
		case OP_REINIT:
			op_reinit(s, &in);
			break;
		case OP_RESERVE:
			op_reserve(s, &in);
			break;
		}
	}
	free(s->data);
	return 0;
}
