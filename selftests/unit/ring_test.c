// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the host's VMBus ring code (lib/vmbus/ring.c), built
 * natively. The guest's side is played by hand: a packet writer and a
 * byte-by-byte checker that know nothing of ring.c, and header words
 * poked between calls. Data areas sit against PROT_NONE pages, so a
 * read or write outside data[0..size) faults.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include <hvkvm/vmbus_ring.h>

#define PG 4096u

/* A ring's memory: header page, guard, data flush against a guard. */
struct shm {
	struct vmb_ring_hdr *hdr;
	u8 *data;
	u32 size;
	u8 *map;
	size_t maplen;
};

static int shm_init(struct shm *s, u32 size)
{
	size_t dpages = (size + PG - 1) / PG;

	s->maplen = (3 + dpages) * PG;
	s->map = mmap(NULL, s->maplen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->map == MAP_FAILED)
		return -1;
	if (mprotect(s->map + PG, PG, PROT_NONE) ||
	    mprotect(s->map + (2 + dpages) * PG, PG, PROT_NONE))
		return -1;
	s->hdr = (struct vmb_ring_hdr *)s->map;
	s->data = s->map + (2 + dpages) * PG - size;
	s->size = size;
	memset(s->data, 0xee, size);
	return 0;
}

static void shm_fini(struct shm *s)
{
	munmap(s->map, s->maplen);
}

/* The guest's view: header words by offset, data bytes modulo size. */
#define HW(s, f)	(((u32 *)(s)->hdr)[offsetof(struct vmb_ring_hdr, f) / 4])

static u8 gbyte(const struct shm *s, u32 idx, u32 i)
{
	return s->data[(u32)(((u64)idx + i) % s->size)];
}

static void gput(struct shm *s, u32 idx, u32 i, u8 v)
{
	s->data[(u32)(((u64)idx + i) % s->size)] = v;
}

static u8 pattern(u32 seed, u32 i)
{
	return (u8)(seed * 31 + i * 7 + (i >> 8));
}

/*
 * A packet of total bytes (descriptor with hdrlen/8, len8 = total
 * rounded) with pattern bytes after the descriptor.
 */
static void make_pkt(u8 *p, u32 total, u32 hdrlen, u32 seed)
{
	struct vmb_pkt_desc d;
	u32 i;

	vmb_pkt_init(&d, VMB_PKT_DATA_INBAND, 0, seed, hdrlen, total);
	memcpy(p, &d, sizeof(d));
	for (i = sizeof(d); i < total; i++)
		p[i] = pattern(seed, i);
}

/*
 * The guest as producer: a raw descriptor and pattern bytes at idx,
 * len8 * 8 bytes and a trailer, wrapping byte by byte. Returns the index
 * after the packet.
 */
static u32 guest_put(struct shm *s, u32 idx, u16 offset8, u16 len8, u32 seed)
{
	struct vmb_pkt_desc d = {
		.type = VMB_PKT_DATA_INBAND, .offset8 = offset8,
		.len8 = len8, .trans_id = seed,
	};
	u64 trailer = (u64)idx << 32;
	u32 i, len = (u32)len8 * 8;

	for (i = 0; i < len; i++)
		gput(s, idx, i, i < sizeof(d) ? ((u8 *)&d)[i] : pattern(seed, i));
	for (i = 0; i < 8; i++)
		gput(s, idx, len + i, ((u8 *)&trailer)[i]);
	return (u32)(((u64)idx + len + 8) % s->size);
}

/*
 * The guest as consumer: check the packet the host wrote at idx is
 * exactly pkt, zero padding and the trailer. Returns the index after it,
 * or ~0 on a mismatch.
 */
static u32 guest_check(const struct shm *s, u32 idx, const u8 *pkt, u32 total)
{
	u32 len = (total + 7) & ~7u, i;
	u64 trailer = (u64)idx << 32;

	for (i = 0; i < total; i++)
		if (gbyte(s, idx, i) != pkt[i])
			return ~0u;
	for (; i < len; i++)
		if (gbyte(s, idx, i))
			return ~0u;
	for (i = 0; i < 8; i++)
		if (gbyte(s, idx, len + i) != ((u8 *)&trailer)[i])
			return ~0u;
	return (u32)(((u64)idx + len + 8) % s->size);
}

static int write1(struct vmb_ring *r, const void *pkt, u32 total, bool *sig)
{
	struct vmb_seg seg = { pkt, total };

	return vmb_ring_write(r, &seg, 1, sig);
}

static int init_both(struct shm *s, struct vmb_ring *prod,
		     struct vmb_ring *cons)
{
	if (prod && vmb_ring_init(prod, s->hdr, s->data, s->size, false))
		return -1;
	if (cons && vmb_ring_init(cons, s->hdr, s->data, s->size, true))
		return -1;
	return 0;
}

TEST(init)
{
	static const u32 bad_sizes[] = { 0, 8, 16, 20, 25, 28, 100, 4095 };
	struct vmb_ring_hdr copy;
	struct vmb_ring r;
	struct shm s;
	unsigned int i;

	ASSERT_EQ(0, shm_init(&s, PG));
	for (i = 0; i < ARRAY_SIZE(bad_sizes); i++)
		EXPECT_EQ(-EINVAL, vmb_ring_init(&r, s.hdr, s.data,
						 bad_sizes[i], true));
	EXPECT_EQ(0, vmb_ring_init(&r, s.hdr, s.data, 24, true));
	EXPECT_EQ(-EINVAL, vmb_ring_init(&r, (u8 *)s.hdr + 4, s.data, 24, true));
	EXPECT_EQ(-EINVAL, vmb_ring_init(&r, s.hdr, s.data - 4, 24, true));

	/* our own index: checked; the other side's: not looked at */
	HW(&s, read_index) = PG - 8;
	HW(&s, write_index) = 0xdeadbeef;
	ASSERT_EQ(0, vmb_ring_init(&r, s.hdr, s.data, PG, true));
	EXPECT_EQ(PG - 8, r.pos);
	EXPECT_EQ(PG - 8, r.start);
	EXPECT_EQ(-EINVAL, vmb_ring_init(&r, s.hdr, s.data, PG, false));
	HW(&s, write_index) = PG - 16;
	ASSERT_EQ(0, vmb_ring_init(&r, s.hdr, s.data, PG, false));
	EXPECT_EQ(PG - 16, r.pos);
	HW(&s, read_index) = PG;
	EXPECT_EQ(-EINVAL, vmb_ring_init(&r, s.hdr, s.data, PG, true));
	HW(&s, read_index) = 12;
	EXPECT_EQ(-EINVAL, vmb_ring_init(&r, s.hdr, s.data, PG, true));
	HW(&s, read_index) = 0xfffffff8;
	EXPECT_EQ(-EINVAL, vmb_ring_init(&r, s.hdr, s.data, PG, true));
	HW(&s, write_index) = 4;
	EXPECT_EQ(-EINVAL, vmb_ring_init(&r, s.hdr, s.data, PG, false));
	/* nothing written, on success or failure */
	memcpy(&copy, s.hdr, sizeof(copy));
	for (i = 0; i < 2; i++)
		EXPECT_EQ(-EINVAL, vmb_ring_init(&r, s.hdr, s.data, PG, i));
	EXPECT_EQ(0, memcmp(&copy, s.hdr, sizeof(copy)));
	HW(&s, read_index) = 8;
	memcpy(&copy, s.hdr, sizeof(copy));
	EXPECT_EQ(0, vmb_ring_init(&r, s.hdr, s.data, PG, true));
	EXPECT_EQ(0, memcmp(&copy, s.hdr, sizeof(copy)));
	shm_fini(&s);
}

TEST(pkt_init)
{
	struct vmb_pkt_desc d;

	memset(&d, 0xff, sizeof(d));
	vmb_pkt_init(&d, VMB_PKT_COMP, VMB_PKT_FLAG_COMPLETION_REQUESTED,
		     0x1122334455667788ull, 16, 17);
	EXPECT_EQ(VMB_PKT_COMP, d.type);
	EXPECT_EQ(VMB_PKT_FLAG_COMPLETION_REQUESTED, d.flags);
	EXPECT_EQ(0x1122334455667788ull, d.trans_id);
	EXPECT_EQ(2, d.offset8);
	EXPECT_EQ(3, d.len8);
	vmb_pkt_init(&d, 9, 0, 0, 48, 48);
	EXPECT_EQ(6, d.offset8);
	EXPECT_EQ(6, d.len8);
	vmb_pkt_init(&d, 9, 0, 0, 16, 16);
	EXPECT_EQ(2, d.len8);
	EXPECT_EQ(24u, vmb_pkt_need(16));
	EXPECT_EQ(32u, vmb_pkt_need(17));
	EXPECT_EQ(32u, vmb_pkt_need(24));
}

/* Packets of every size from 16 bytes up, host to guest and back. */
TEST(round_trip_sizes)
{
	static u8 pkt[2100], buf[2100];
	struct vmb_ring prod, cons;
	u32 total, gidx = 0;
	struct shm s;
	bool sig;
	int n;

	ASSERT_EQ(0, shm_init(&s, 2 * PG));
	ASSERT_EQ(0, init_both(&s, &prod, &cons));
	for (total = 16; total <= 2048; total++) {
		make_pkt(pkt, total, 16 + (total % 4) * 8 > total ?
			 16 : 16 + (total % 4) * 8, total);
		ASSERT_EQ(0, write1(&prod, pkt, total, &sig));
		ASSERT_TRUE(sig);
		ASSERT_EQ(prod.pos, HW(&s, write_index));
		gidx = guest_check(&s, gidx, pkt, total);
		ASSERT_EQ(prod.pos, gidx) TH_LOG("total %u", total);
		memset(buf, 0x5a, sizeof(buf));
		n = vmb_ring_read(&cons, buf, sizeof(buf));
		ASSERT_EQ((int)((total + 7) & ~7u), n);
		ASSERT_EQ(0, memcmp(pkt, buf, total));
		while ((u32)n > total)
			ASSERT_EQ(0, buf[--n]);
		ASSERT_EQ(0x5a, buf[(total + 7) & ~7u]);
		ASSERT_EQ(0, vmb_ring_read(&cons, buf, sizeof(buf)));
		ASSERT_FALSE(vmb_ring_read_done(&cons));
		ASSERT_EQ(prod.pos, cons.pos);
		ASSERT_EQ(cons.pos, HW(&s, read_index));
	}
	shm_fini(&s);
}

/* Every start offset, packets that wrap at every 8-byte boundary. */
TEST(wrap_every_offset)
{
	static const u32 totals[] = { 16, 17, 23, 24, 40, 63, 64, 100, 150, 176 };
	u8 pkt[192], buf[200];
	struct vmb_ring prod, cons;
	u32 size = 192, k, t, i, need;
	struct shm s;
	bool sig;
	int n;

	ASSERT_EQ(0, shm_init(&s, size));
	for (k = 0; k < size; k += 8) {
		for (t = 0; t < ARRAY_SIZE(totals); t++) {
			need = vmb_pkt_need(totals[t]);
			memset(s.data, 0xee, size);
			HW(&s, write_index) = k;
			HW(&s, read_index) = k;
			ASSERT_EQ(0, init_both(&s, &prod, &cons));
			make_pkt(pkt, totals[t], 16, k + t);
			ASSERT_EQ(0, write1(&prod, pkt, totals[t], &sig));
			ASSERT_TRUE(sig);
			ASSERT_EQ((k + need) % size,
				  guest_check(&s, k, pkt, totals[t]))
				TH_LOG("start %u total %u", k, totals[t]);
			/* nothing outside the packet touched */
			for (i = need; i < size; i++)
				ASSERT_EQ(0xee, gbyte(&s, k, i));
			memset(buf, 0, sizeof(buf));
			n = vmb_ring_read(&cons, buf, sizeof(buf));
			ASSERT_EQ((int)need - 8, n);
			ASSERT_EQ(0, memcmp(buf, pkt, totals[t]));
			ASSERT_EQ((k + need) % size, cons.pos);

			/* and a packet the guest made, read at the same place */
			HW(&s, write_index) = guest_put(&s, k, 2, need / 8 - 1,
							k * 3);
			ASSERT_EQ(0, init_both(&s, NULL, &cons));
			n = vmb_ring_read(&cons, buf, sizeof(buf));
			ASSERT_EQ((int)need - 8, n);
			for (i = 16; i < need - 8; i++)
				ASSERT_EQ(pattern(k * 3, i), buf[i]);
			ASSERT_EQ(k * 3, ((struct vmb_pkt_desc *)buf)->trans_id);
		}
	}
	shm_fini(&s);
}

/* A packet fits only if the free space is strictly greater than it. */
TEST(strict_full)
{
	u8 pkt[128], before[128];
	struct vmb_ring prod, cons;
	struct shm s;
	bool sig;
	int i;

	ASSERT_EQ(0, shm_init(&s, 128));
	ASSERT_EQ(0, init_both(&s, &prod, &cons));
	EXPECT_EQ(128u, vmb_ring_free(&prod));
	/* needs 128: never */
	make_pkt(pkt, 120, 16, 1);
	EXPECT_EQ(-EINVAL, write1(&prod, pkt, 120, &sig));
	/* needs 120 of 128: fits */
	make_pkt(pkt, 112, 16, 1);
	EXPECT_EQ(0, write1(&prod, pkt, 112, &sig));
	EXPECT_EQ(8u, vmb_ring_free(&prod));

	/* 120 free: a packet needing 120 does not fit, one needing 112 does */
	HW(&s, write_index) = 8;
	HW(&s, read_index) = 0;
	ASSERT_EQ(0, init_both(&s, &prod, NULL));
	EXPECT_EQ(120u, vmb_ring_free(&prod));
	memcpy(before, s.data, 128);
	make_pkt(pkt, 112, 16, 2);
	sig = true;
	EXPECT_EQ(-ENOSPC, write1(&prod, pkt, 112, &sig));
	EXPECT_FALSE(sig);
	EXPECT_EQ(0, memcmp(before, s.data, 128));
	EXPECT_EQ(8u, HW(&s, write_index));
	EXPECT_EQ(8u, prod.pos);
	make_pkt(pkt, 104, 16, 2);
	EXPECT_EQ(0, write1(&prod, pkt, 104, &sig));
	EXPECT_EQ(120u, HW(&s, write_index));
	EXPECT_EQ(8u, vmb_ring_free(&prod));

	/* 256 bytes of 32-byte packets: 7 fit, 32 bytes stay free */
	shm_fini(&s);
	ASSERT_EQ(0, shm_init(&s, 256));
	ASSERT_EQ(0, init_both(&s, &prod, &cons));
	make_pkt(pkt, 24, 16, 3);
	for (i = 0; i < 7; i++)
		ASSERT_EQ(0, write1(&prod, pkt, 24, &sig));
	EXPECT_EQ(-ENOSPC, write1(&prod, pkt, 24, &sig));
	EXPECT_EQ(32u, vmb_ring_free(&prod));
	EXPECT_FALSE(vmb_ring_want_space(&prod, 32));
	EXPECT_EQ(32u, HW(&s, pending_send_sz));
	EXPECT_EQ(24, vmb_ring_read(&cons, pkt, sizeof(pkt)));
	EXPECT_EQ(32u, vmb_ring_free(&prod));	/* not published yet */
	vmb_ring_read_done(&cons);
	EXPECT_EQ(64u, vmb_ring_free(&prod));
	EXPECT_TRUE(vmb_ring_want_space(&prod, 32));
	vmb_ring_clear_want(&prod);
	EXPECT_EQ(0u, HW(&s, pending_send_sz));
	EXPECT_EQ(0, write1(&prod, pkt, 24, &sig));
	EXPECT_EQ(-ENOSPC, write1(&prod, pkt, 24, &sig));
	shm_fini(&s);
}

/* The host as producer signals on empty -> non-empty, unmasked only. */
TEST(producer_signal)
{
	struct vmb_ring prod, cons;
	u8 pkt[64];
	struct shm s;
	bool sig;

	ASSERT_EQ(0, shm_init(&s, 512));
	ASSERT_EQ(0, init_both(&s, &prod, &cons));
	make_pkt(pkt, 40, 16, 1);
	EXPECT_EQ(0, write1(&prod, pkt, 40, &sig));
	EXPECT_TRUE(sig);
	EXPECT_EQ(0, write1(&prod, pkt, 40, &sig));
	EXPECT_FALSE(sig);
	/* the guest has read one of two: still not empty */
	EXPECT_EQ(40, vmb_ring_read(&cons, pkt, sizeof(pkt)));
	vmb_ring_read_done(&cons);
	EXPECT_EQ(0, write1(&prod, pkt, 40, &sig));
	EXPECT_FALSE(sig);
	/* all read: empty again */
	while (vmb_ring_read(&cons, pkt, sizeof(pkt)) > 0)
		;
	vmb_ring_read_done(&cons);
	EXPECT_EQ(0, write1(&prod, pkt, 40, &sig));
	EXPECT_TRUE(sig);
	/* masked: never, whatever non-zero value */
	while (vmb_ring_read(&cons, pkt, sizeof(pkt)) > 0)
		;
	vmb_ring_read_done(&cons);
	HW(&s, interrupt_mask) = 1;
	EXPECT_EQ(0, write1(&prod, pkt, 40, &sig));
	EXPECT_FALSE(sig);
	HW(&s, read_index) = prod.pos;
	HW(&s, interrupt_mask) = 0x80000000;
	EXPECT_EQ(0, write1(&prod, pkt, 40, &sig));
	EXPECT_FALSE(sig);
	HW(&s, read_index) = prod.pos;
	HW(&s, interrupt_mask) = 0;
	EXPECT_EQ(0, write1(&prod, pkt, 40, &sig));
	EXPECT_TRUE(sig);
	/* failures say no */
	sig = true;
	EXPECT_EQ(-EINVAL, write1(&prod, pkt, 8, &sig));
	EXPECT_FALSE(sig);
	shm_fini(&s);
}

/* The host as consumer signals when the free space crosses pending. */
TEST(consumer_pending_signal)
{
	struct vmb_ring prod, cons;
	u8 pkt[64];
	struct shm s;
	bool sig;
	int i;

	ASSERT_EQ(0, shm_init(&s, 256));
	ASSERT_EQ(0, init_both(&s, &prod, &cons));
	make_pkt(pkt, 24, 16, 1);
	for (i = 0; i < 7; i++)
		ASSERT_EQ(0, write1(&prod, pkt, 24, &sig));
	HW(&s, feature_bits) = VMB_RING_FEAT_PENDING_SEND_SZ;
	HW(&s, pending_send_sz) = 64;

	/* nothing read: no signal, read_index rewritten anyway */
	HW(&s, read_index) = 8;
	EXPECT_FALSE(vmb_ring_read_done(&cons));
	EXPECT_EQ(0u, HW(&s, read_index));
	/* free 32 -> 64: not above 64 yet */
	EXPECT_EQ(24, vmb_ring_read(&cons, pkt, sizeof(pkt)));
	EXPECT_EQ(0u, HW(&s, read_index));	/* reads publish nothing */
	EXPECT_FALSE(vmb_ring_read_done(&cons));
	EXPECT_EQ(32u, HW(&s, read_index));
	/* 64 -> 96: crossed */
	EXPECT_EQ(24, vmb_ring_read(&cons, pkt, sizeof(pkt)));
	EXPECT_TRUE(vmb_ring_read_done(&cons));
	/* 96 -> 128: it had room already */
	EXPECT_EQ(24, vmb_ring_read(&cons, pkt, sizeof(pkt)));
	EXPECT_FALSE(vmb_ring_read_done(&cons));

	/* refill, then a batch of three: 32 -> 128 crosses 64 */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, write1(&prod, pkt, 24, &sig));
	EXPECT_EQ(32u, vmb_ring_free(&prod));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(24, vmb_ring_read(&cons, pkt, sizeof(pkt)));
	EXPECT_TRUE(vmb_ring_read_done(&cons));
	/* pending 0, or no feature bit: never */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, write1(&prod, pkt, 24, &sig));
	HW(&s, pending_send_sz) = 0;
	for (i = 0; i < 3; i++)
		EXPECT_EQ(24, vmb_ring_read(&cons, pkt, sizeof(pkt)));
	EXPECT_FALSE(vmb_ring_read_done(&cons));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, write1(&prod, pkt, 24, &sig));
	HW(&s, pending_send_sz) = 64;
	HW(&s, feature_bits) = 0;
	for (i = 0; i < 3; i++)
		EXPECT_EQ(24, vmb_ring_read(&cons, pkt, sizeof(pkt)));
	EXPECT_FALSE(vmb_ring_read_done(&cons));
	/* free now exactly pending: not yet */
	HW(&s, feature_bits) = VMB_RING_FEAT_PENDING_SEND_SZ;
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, write1(&prod, pkt, 24, &sig));
	EXPECT_EQ(64u, vmb_ring_free(&prod));
	HW(&s, pending_send_sz) = 96;
	EXPECT_EQ(24, vmb_ring_read(&cons, pkt, sizeof(pkt)));
	EXPECT_FALSE(vmb_ring_read_done(&cons));
	EXPECT_EQ(24, vmb_ring_read(&cons, pkt, sizeof(pkt)));
	EXPECT_TRUE(vmb_ring_read_done(&cons));
	/* a lying write_index: no signal */
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, write1(&prod, pkt, 24, &sig));
	HW(&s, pending_send_sz) = 120;
	EXPECT_EQ(24, vmb_ring_read(&cons, pkt, sizeof(pkt)));
	EXPECT_EQ(24, vmb_ring_read(&cons, pkt, sizeof(pkt)));
	HW(&s, write_index) = 3;
	EXPECT_FALSE(vmb_ring_read_done(&cons));
	shm_fini(&s);
}

TEST(mask_unmask)
{
	struct vmb_ring prod, cons;
	u8 pkt[64];
	struct shm s;
	bool sig;

	ASSERT_EQ(0, shm_init(&s, 256));
	ASSERT_EQ(0, init_both(&s, &prod, &cons));
	EXPECT_TRUE(vmb_ring_empty(&cons));
	vmb_ring_mask(&cons);
	EXPECT_EQ(1u, HW(&s, interrupt_mask));
	EXPECT_FALSE(vmb_ring_unmask(&cons));
	EXPECT_EQ(0u, HW(&s, interrupt_mask));
	vmb_ring_mask(&cons);
	make_pkt(pkt, 24, 16, 1);
	ASSERT_EQ(0, write1(&prod, pkt, 24, &sig));
	EXPECT_FALSE(sig);
	EXPECT_FALSE(vmb_ring_empty(&cons));
	EXPECT_TRUE(vmb_ring_unmask(&cons));
	EXPECT_EQ(0u, HW(&s, interrupt_mask));
	EXPECT_EQ(24, vmb_ring_read(&cons, pkt, sizeof(pkt)));
	EXPECT_TRUE(vmb_ring_empty(&cons));
	vmb_ring_read_done(&cons);
	EXPECT_FALSE(vmb_ring_unmask(&cons));
	/* a lie is not empty: the caller reads, and gets -EBADMSG */
	HW(&s, write_index) = 4;
	EXPECT_FALSE(vmb_ring_empty(&cons));
	EXPECT_TRUE(vmb_ring_unmask(&cons));
	EXPECT_EQ(-EBADMSG, vmb_ring_read(&cons, pkt, sizeof(pkt)));
	shm_fini(&s);
}

TEST(want_space)
{
	struct vmb_ring prod, cons;
	u8 pkt[64];
	struct shm s;
	bool sig;

	ASSERT_EQ(0, shm_init(&s, 128));
	ASSERT_EQ(0, init_both(&s, &prod, &cons));
	EXPECT_TRUE(vmb_ring_want_space(&prod, 120));
	EXPECT_FALSE(vmb_ring_want_space(&prod, 128));
	EXPECT_EQ(128u, HW(&s, pending_send_sz));
	make_pkt(pkt, 56, 16, 1);
	ASSERT_EQ(0, write1(&prod, pkt, 56, &sig));
	EXPECT_EQ(64u, vmb_ring_free(&prod));
	EXPECT_FALSE(vmb_ring_want_space(&prod, 64));
	EXPECT_EQ(64u, HW(&s, pending_send_sz));
	EXPECT_TRUE(vmb_ring_want_space(&prod, 56));
	vmb_ring_clear_want(&prod);
	EXPECT_EQ(0u, HW(&s, pending_send_sz));
	/* a lying read_index: no room at all */
	HW(&s, read_index) = 129;
	EXPECT_EQ(0u, vmb_ring_free(&prod));
	EXPECT_FALSE(vmb_ring_want_space(&prod, 8));
	shm_fini(&s);
}

/* The producer's set-up at open: the feature bit on, nothing pending. */
TEST(advertise)
{
	struct vmb_ring prod;
	struct shm s;

	ASSERT_EQ(0, shm_init(&s, 256));
	HW(&s, feature_bits) = 0x40;
	HW(&s, pending_send_sz) = 77;
	HW(&s, read_index) = 16;
	HW(&s, write_index) = 24;
	ASSERT_EQ(0, vmb_ring_init(&prod, s.hdr, s.data, s.size, false));
	vmb_ring_advertise(&prod);
	EXPECT_EQ(0x40u | VMB_RING_FEAT_PENDING_SEND_SZ, HW(&s, feature_bits));
	EXPECT_EQ(0u, HW(&s, pending_send_sz));
	/* the indices are not ours to touch */
	EXPECT_EQ(16u, HW(&s, read_index));
	EXPECT_EQ(24u, HW(&s, write_index));
	shm_fini(&s);
}

/*
 * Reservations: promised bytes stay free for the write that claims them,
 * whatever else is written meanwhile, and pending_send_sz asks for
 * exactly what a blocked write needs on top of them.
 */
TEST(reserve)
{
	struct vmb_ring prod, cons;
	struct vmb_seg seg;
	u8 pkt[128], out[128];
	struct shm s;
	bool sig;
	u32 need = vmb_pkt_need(56);	/* 64 */

	ASSERT_EQ(0, shm_init(&s, 256));
	ASSERT_EQ(0, init_both(&s, &prod, &cons));
	EXPECT_EQ(-EINVAL, vmb_ring_reserve(&prod, 0));
	EXPECT_EQ(-EINVAL, vmb_ring_reserve(&prod, 12));
	EXPECT_EQ(-EINVAL, vmb_ring_reserve(&prod, 256));
	/* 256 free: two of 64 promised, 128 left, and free must stay > */
	ASSERT_EQ(0, vmb_ring_reserve(&prod, need));
	ASSERT_EQ(0, vmb_ring_reserve(&prod, need));
	EXPECT_EQ(128u, prod.reserved);
	/* an unreserved 64-byte write fits (256 > 128 + 64) ... */
	make_pkt(pkt, 56, 16, 1);
	ASSERT_EQ(0, write1(&prod, pkt, 56, &sig));
	/* ... a second does not (192 > 128 + 64 is false) */
	make_pkt(pkt, 56, 16, 2);
	EXPECT_EQ(-ENOSPC, write1(&prod, pkt, 56, &sig));
	EXPECT_EQ(-ENOSPC, vmb_ring_reserve(&prod, need));
	/* the blocked write asks for its 64 on top of the 128 promised */
	EXPECT_FALSE(vmb_ring_want_space(&prod, need));
	EXPECT_EQ(192u, HW(&s, pending_send_sz));
	vmb_ring_clear_want(&prod);

	/* reserved writes go through, each giving back its reservation */
	seg = (struct vmb_seg){ pkt, 56 };
	EXPECT_EQ(-EINVAL, vmb_ring_write_reserved(&prod, &seg, 1, 0, &sig));
	EXPECT_EQ(-EINVAL, vmb_ring_write_reserved(&prod, &seg, 1, 56, &sig));
	EXPECT_EQ(-EINVAL, vmb_ring_write_reserved(&prod, &seg, 1, 192, &sig));
	ASSERT_EQ(0, vmb_ring_write_reserved(&prod, &seg, 1, need, &sig));
	EXPECT_EQ(64u, prod.reserved);
	make_pkt(pkt, 24, 16, 3);
	seg = (struct vmb_seg){ pkt, 24 };
	/* a smaller packet than reserved: the whole reservation goes back */
	ASSERT_EQ(0, vmb_ring_write_reserved(&prod, &seg, 1, need, &sig));
	EXPECT_EQ(0u, prod.reserved);
	EXPECT_EQ(256u - 64 - 64 - 32, vmb_ring_free(&prod));

	/* the consumer sees them in order, intact */
	EXPECT_EQ(56, vmb_ring_read(&cons, out, sizeof(out)));
	EXPECT_EQ(1u, ((struct vmb_pkt_desc *)out)->trans_id);
	EXPECT_EQ(56, vmb_ring_read(&cons, out, sizeof(out)));
	EXPECT_EQ(2u, ((struct vmb_pkt_desc *)out)->trans_id);
	EXPECT_EQ(24, vmb_ring_read(&cons, out, sizeof(out)));
	EXPECT_EQ(3u, ((struct vmb_pkt_desc *)out)->trans_id);
	EXPECT_EQ(0, vmb_ring_read(&cons, out, sizeof(out)));

	/* given back unused; more than is held gives back all */
	ASSERT_EQ(0, vmb_ring_reserve(&prod, need));
	vmb_ring_unreserve(&prod, 8);
	EXPECT_EQ(56u, prod.reserved);
	vmb_ring_unreserve(&prod, 1000);
	EXPECT_EQ(0u, prod.reserved);
	/* a lying read_index */
	HW(&s, read_index) = 3;
	EXPECT_EQ(-EBADMSG, vmb_ring_reserve(&prod, need));
	shm_fini(&s);
}

/* Every lie: -EBADMSG, nothing consumed, buf and header untouched. */
TEST(lies)
{
	static const u32 starts[] = { 0, 8, 16, 2048, PG - 24, PG - 16, PG - 8 };
	static const u32 bad_w[] = { PG, PG + 8, 0xfffffff8, 0xffffffff, 4, 12,
				     PG - 1, 0x80000000 };
	struct vmb_ring_hdr hcopy;
	struct vmb_ring cons;
	u8 buf[PG], *data;
	unsigned int i, j;
	struct shm s;
	u32 k, w;

	ASSERT_EQ(0, shm_init(&s, PG));
	data = malloc(PG);
	ASSERT_NE(NULL, data);
	for (i = 0; i < ARRAY_SIZE(starts); i++) {
		struct {
			u16 offset8, len8;
			u32 avail;	/* write_index - start */
		} cases[] = {
			{ 0, 4, 64 }, { 1, 4, 64 }, { 0, 0, 64 },
			{ 3, 2, 64 }, { 5, 4, 64 }, { 9, 8, 512 },
			{ 2, 0, 64 }, { 2, 1, 64 },
			{ 2, 8, 64 },		/* no room for the trailer */
			{ 2, 8, 32 },		/* longer than what is there */
			{ 2, 0xffff, PG - 8 },	/* longer than the ring */
			{ 2, 511, PG - 8 },	/* one word more than there */
			{ 2, 2, 8 },		/* not even a descriptor */
			{ 2, 2, 16 },		/* a descriptor, no trailer */
		};

		k = starts[i];
		/* bad write_index */
		for (j = 0; j < ARRAY_SIZE(bad_w); j++) {
			HW(&s, read_index) = k;
			HW(&s, write_index) = bad_w[j];
			ASSERT_EQ(0, init_both(&s, NULL, &cons));
			memcpy(&hcopy, s.hdr, sizeof(hcopy));
			memset(buf, 0xa5, sizeof(buf));
			EXPECT_EQ(-EBADMSG, vmb_ring_read(&cons, buf, sizeof(buf)));
			EXPECT_EQ(k, cons.pos);
			EXPECT_EQ(0xa5, buf[0]);
			EXPECT_EQ(0, memcmp(&hcopy, s.hdr, sizeof(hcopy)));
		}
		/* bad descriptors */
		for (j = 0; j < ARRAY_SIZE(cases); j++) {
			memset(s.data, 0xee, PG);
			guest_put(&s, k, cases[j].offset8, cases[j].len8 % 500, j);
			/* the header's words again, as the case has them */
			gput(&s, k, 2, cases[j].offset8 & 0xff);
			gput(&s, k, 3, cases[j].offset8 >> 8);
			gput(&s, k, 4, cases[j].len8 & 0xff);
			gput(&s, k, 5, cases[j].len8 >> 8);
			w = (k + cases[j].avail) % PG;
			HW(&s, read_index) = k;
			HW(&s, write_index) = w;
			ASSERT_EQ(0, init_both(&s, NULL, &cons));
			memcpy(&hcopy, s.hdr, sizeof(hcopy));
			memcpy(data, s.data, PG);
			memset(buf, 0xa5, sizeof(buf));
			EXPECT_EQ(-EBADMSG, vmb_ring_read(&cons, buf, sizeof(buf)))
				TH_LOG("start %u case %u", k, j);
			EXPECT_EQ(-EBADMSG, vmb_ring_read(&cons, buf, 0));
			EXPECT_EQ(k, cons.pos);
			EXPECT_EQ(0xa5, buf[0]);
			EXPECT_EQ(0xa5, buf[16]);
			EXPECT_EQ(0, memcmp(&hcopy, s.hdr, sizeof(hcopy)));
			EXPECT_EQ(0, memcmp(data, s.data, PG));
			/* one more word and the same packet would do */
			if (j == 8) {
				HW(&s, write_index) = (w + 8) % PG;
				EXPECT_EQ(64, vmb_ring_read(&cons, buf, sizeof(buf)));
			}
		}
		/* the longest honest packet: the whole ring but 8 */
		guest_put(&s, k, 2, PG / 8 - 2, 77);
		HW(&s, read_index) = k;
		HW(&s, write_index) = (k + PG - 8) % PG;
		ASSERT_EQ(0, init_both(&s, NULL, &cons));
		EXPECT_EQ((int)PG - 16, vmb_ring_read(&cons, buf, sizeof(buf)));
		EXPECT_EQ((k + PG - 8) % PG, cons.pos);
		EXPECT_EQ(pattern(77, PG - 17), buf[PG - 17]);
	}
	free(data);
	shm_fini(&s);
}

/* Too small a buffer: -EMSGSIZE, and the packet stays for a bigger one. */
TEST(emsgsize)
{
	struct vmb_ring prod, cons;
	u8 pkt[64], buf[64];
	struct shm s;
	bool sig;

	ASSERT_EQ(0, shm_init(&s, 256));
	ASSERT_EQ(0, init_both(&s, &prod, &cons));
	make_pkt(pkt, 60, 24, 9);
	ASSERT_EQ(0, write1(&prod, pkt, 60, &sig));
	memset(buf, 0xa5, sizeof(buf));
	EXPECT_EQ(-EMSGSIZE, vmb_ring_read(&cons, buf, 63));
	EXPECT_EQ(-EMSGSIZE, vmb_ring_read(&cons, buf, 16));
	EXPECT_EQ(-EMSGSIZE, vmb_ring_read(&cons, NULL, 0));
	EXPECT_EQ(0u, cons.pos);
	EXPECT_EQ(0xa5, buf[0]);
	EXPECT_FALSE(vmb_ring_read_done(&cons));
	EXPECT_EQ(0u, HW(&s, read_index));
	EXPECT_EQ(64, vmb_ring_read(&cons, buf, 64));
	EXPECT_EQ(0, memcmp(buf, pkt, 60));
	EXPECT_EQ(0, vmb_ring_read(&cons, buf, 64));
	shm_fini(&s);
}

/* The guest rewrites the header between our calls. */
TEST(guest_changes_header)
{
	struct vmb_ring prod, cons;
	u8 pkt[128], buf[128];
	struct shm s;
	u32 w, w2;
	bool sig;

	/* consumer */
	ASSERT_EQ(0, shm_init(&s, 512));
	ASSERT_EQ(0, init_both(&s, NULL, &cons));
	w = guest_put(&s, 0, 2, 4, 1);
	HW(&s, write_index) = w;
	HW(&s, read_index) = 0x1234;	/* ours: ignored, then rewritten */
	EXPECT_EQ(32, vmb_ring_read(&cons, buf, sizeof(buf)));
	EXPECT_EQ(0, vmb_ring_read(&cons, buf, sizeof(buf)));
	w2 = guest_put(&s, w, 2, 6, 2);
	HW(&s, write_index) = w2;		/* more arrives */
	HW(&s, write_index) = 500;		/* a lie */
	EXPECT_EQ(-EBADMSG, vmb_ring_read(&cons, buf, sizeof(buf)));
	EXPECT_EQ(w, cons.pos);
	HW(&s, write_index) = w;		/* taken back: empty */
	EXPECT_EQ(0, vmb_ring_read(&cons, buf, sizeof(buf)));
	HW(&s, write_index) = w2;		/* and back again */
	EXPECT_EQ(48, vmb_ring_read(&cons, buf, sizeof(buf)));
	EXPECT_EQ(2u, ((struct vmb_pkt_desc *)buf)->trans_id);
	EXPECT_FALSE(vmb_ring_read_done(&cons));
	EXPECT_EQ(w2, HW(&s, read_index));
	/* the descriptor rewritten after a -EMSGSIZE: read as it is now */
	w = guest_put(&s, w2, 2, 8, 3);
	HW(&s, write_index) = w;
	EXPECT_EQ(-EMSGSIZE, vmb_ring_read(&cons, buf, 48));
	guest_put(&s, w2, 2, 6, 4);
	EXPECT_EQ(48, vmb_ring_read(&cons, buf, 48));
	EXPECT_EQ(4u, ((struct vmb_pkt_desc *)buf)->trans_id);
	/* what is left of the longer packet is not one */
	EXPECT_EQ(-EBADMSG, vmb_ring_read(&cons, buf, sizeof(buf)));
	EXPECT_EQ(w - 16, cons.pos);
	shm_fini(&s);

	/* producer */
	ASSERT_EQ(0, shm_init(&s, 512));
	ASSERT_EQ(0, init_both(&s, &prod, NULL));
	make_pkt(pkt, 40, 16, 5);
	ASSERT_EQ(0, write1(&prod, pkt, 40, &sig));
	HW(&s, write_index) = 8;		/* ours: ignored, rewritten */
	ASSERT_EQ(0, write1(&prod, pkt, 40, &sig));
	EXPECT_EQ(96u, HW(&s, write_index));
	EXPECT_EQ(96u, guest_check(&s, 48, pkt, 40));
	HW(&s, read_index) = 44;
	EXPECT_EQ(-EBADMSG, write1(&prod, pkt, 40, &sig));
	HW(&s, read_index) = 512;
	EXPECT_EQ(-EBADMSG, write1(&prod, pkt, 40, &sig));
	EXPECT_EQ(96u, HW(&s, write_index));
	EXPECT_EQ(0xee, s.data[96]);
	HW(&s, read_index) = 96;
	EXPECT_EQ(0, write1(&prod, pkt, 40, &sig));
	EXPECT_TRUE(sig);
	/* a read_index "ahead" of us: less room, never a crash */
	HW(&s, read_index) = 152;
	EXPECT_EQ(8u, vmb_ring_free(&prod));
	EXPECT_EQ(-ENOSPC, write1(&prod, pkt, 40, &sig));
	shm_fini(&s);
}

/* Multi-segment writes: the bytes of all segments, back to back. */
TEST(segments)
{
	struct vmb_ring prod, cons;
	u8 pkt[300], buf[320];
	struct vmb_seg segs[5];
	u32 k, i, off;
	struct shm s;
	bool sig;

	ASSERT_EQ(0, shm_init(&s, 512));
	make_pkt(pkt, 300, 32, 11);
	for (k = 0; k < 512; k += 8) {
		HW(&s, write_index) = k;
		HW(&s, read_index) = k;
		ASSERT_EQ(0, init_both(&s, &prod, &cons));
		/* 16 + 16 + 0 + 200 + 68 */
		off = 0;
		segs[0] = (struct vmb_seg){ pkt, 16 };
		segs[1] = (struct vmb_seg){ pkt + 16, 16 };
		segs[2] = (struct vmb_seg){ NULL, 0 };
		segs[3] = (struct vmb_seg){ pkt + 32, 200 };
		segs[4] = (struct vmb_seg){ pkt + 232, 68 };
		for (i = 0; i < 5; i++)
			off += segs[i].len;
		ASSERT_EQ(300u, off);
		ASSERT_EQ(0, vmb_ring_write(&prod, segs, 5, &sig));
		ASSERT_EQ((k + 312) % 512, guest_check(&s, k, pkt, 300));
		ASSERT_EQ(304, vmb_ring_read(&cons, buf, sizeof(buf)));
		ASSERT_EQ(0, memcmp(buf, pkt, 300));
	}
	shm_fini(&s);
}

/* Packets the host refuses to write: -EINVAL, nothing written. */
TEST(write_einval)
{
	struct vmb_ring_hdr hcopy;
	struct vmb_ring prod;
	struct vmb_seg segs[2] = {};
	struct vmb_pkt_desc *d;
	u8 pkt[64], before[64];
	struct shm s;
	bool sig;

	ASSERT_EQ(0, shm_init(&s, 64));
	ASSERT_EQ(0, init_both(&s, &prod, NULL));
	memcpy(&hcopy, s.hdr, sizeof(hcopy));
	memcpy(before, s.data, 64);
	d = (struct vmb_pkt_desc *)pkt;
	make_pkt(pkt, 48, 16, 1);
	EXPECT_EQ(-EINVAL, vmb_ring_write(&prod, segs, 0, &sig));
	EXPECT_EQ(-EINVAL, write1(&prod, pkt, 8, &sig));	/* no descriptor */
	d->len8 = 5;
	EXPECT_EQ(-EINVAL, write1(&prod, pkt, 48, &sig));
	d->len8 = 7;
	EXPECT_EQ(-EINVAL, write1(&prod, pkt, 48, &sig));
	d->len8 = 6;
	d->offset8 = 1;
	EXPECT_EQ(-EINVAL, write1(&prod, pkt, 48, &sig));
	d->offset8 = 7;
	EXPECT_EQ(-EINVAL, write1(&prod, pkt, 48, &sig));
	/* too long for len8 (the bytes are never looked at) */
	d->offset8 = 2;
	segs[0] = (struct vmb_seg){ pkt, 48 };
	segs[1] = (struct vmb_seg){ NULL, 0xffff * 8 - 40 };
	EXPECT_EQ(-EINVAL, vmb_ring_write(&prod, segs, 2, &sig));
	segs[1].len = 0xfffffff0;
	EXPECT_EQ(-EINVAL, vmb_ring_write(&prod, segs, 2, &sig));
	/* 56 + 8 of 64: could never fit */
	make_pkt(pkt, 56, 16, 1);
	EXPECT_EQ(-EINVAL, write1(&prod, pkt, 56, &sig));
	EXPECT_EQ(0, memcmp(&hcopy, s.hdr, sizeof(hcopy)));
	EXPECT_EQ(0, memcmp(before, s.data, 64));
	EXPECT_EQ(0u, prod.pos);
	make_pkt(pkt, 48, 16, 1);
	EXPECT_EQ(0, write1(&prod, pkt, 48, &sig));
	shm_fini(&s);
}

/* ---- GPA-direct ranges ---- */

struct rec {
	unsigned int n, stop_at;
	u32 count[8], offset[8], npfn[8];
	u64 pfn[8][4];
};

static int rec_fn(void *ctx, u32 byte_count, u32 byte_offset,
		  const u64 *pfn, u32 npfn)
{
	struct rec *r = ctx;
	u32 i;

	if (r->n == 8)
		return -E2BIG;
	r->count[r->n] = byte_count;
	r->offset[r->n] = byte_offset;
	r->npfn[r->n] = npfn;
	for (i = 0; i < npfn && i < 4; i++)
		r->pfn[r->n][i] = vmb_pfn(pfn, i);
	if (++r->n == r->stop_at)
		return 42;
	return 0;
}

/* Build a GPA-direct packet: ranges {count, offset, npfn PFNs}, payload. */
static u32 gpa_pkt(u8 *p, const u32 (*ranges)[3], u32 nr, u32 payload)
{
	struct vmb_pkt_gpa_direct h = { .range_cnt = nr };
	u32 off = sizeof(h), i, j, total;
	u64 pfn;

	for (i = 0; i < nr; i++) {
		struct vmb_gpa_range g = { ranges[i][0], ranges[i][1] };

		memcpy(p + off, &g, sizeof(g));
		off += sizeof(g);
		for (j = 0; j < ranges[i][2]; j++) {
			pfn = 0x1000 * (i + 1) + j;
			memcpy(p + off, &pfn, 8);
			off += 8;
		}
	}
	total = off + payload;
	memset(p + off, 0x77, payload);
	vmb_pkt_init(&h.d, VMB_PKT_DATA_USING_GPA_DIRECT,
		     VMB_PKT_FLAG_COMPLETION_REQUESTED, 5, off, total);
	memcpy(p, &h, sizeof(h));
	return total;
}

TEST(gpa_ranges)
{
	static const u32 good[][3] = {
		{ 4096, 0, 1 }, { 1, 4095, 1 }, { 2, 4095, 2 },
		{ 8193, 0, 3 }, { 12288, 4, 4 },
	};
	u64 pktbuf[64], buf[64];
	u8 *pkt = (u8 *)pktbuf;
	struct vmb_ring prod, cons;
	struct vmb_pkt_gpa_direct *h;
	struct vmb_gpa_range *g;
	struct rec rec;
	u32 total, i, j;
	struct shm s;
	bool sig;
	int n;

	/* through a ring, as the host will see it */
	ASSERT_EQ(0, shm_init(&s, PG));
	ASSERT_EQ(0, init_both(&s, &prod, &cons));
	total = gpa_pkt(pkt, good, 5, 20);
	ASSERT_EQ(0, write1(&prod, pkt, total, &sig));
	n = vmb_ring_read(&cons, buf, sizeof(buf));
	ASSERT_EQ((int)((total + 7) & ~7u), n);
	memset(&rec, 0, sizeof(rec));
	EXPECT_EQ(0, vmb_pkt_gpa_ranges(buf, n, rec_fn, &rec));
	ASSERT_EQ(5u, rec.n);
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(good[i][0], rec.count[i]);
		EXPECT_EQ(good[i][1], rec.offset[i]);
		EXPECT_EQ(good[i][2], rec.npfn[i]);
		for (j = 0; j < good[i][2]; j++)
			EXPECT_EQ(0x1000ull * (i + 1) + j, rec.pfn[i][j]);
	}
	shm_fini(&s);

	/* fn stops it */
	memset(&rec, 0, sizeof(rec));
	rec.stop_at = 2;
	EXPECT_EQ(42, vmb_pkt_gpa_ranges(pkt, total, rec_fn, &rec));
	EXPECT_EQ(2u, rec.n);
	/* no ranges at all */
	total = gpa_pkt(pkt, good, 0, 8);
	memset(&rec, 0, sizeof(rec));
	EXPECT_EQ(0, vmb_pkt_gpa_ranges(pkt, total, rec_fn, &rec));
	EXPECT_EQ(0u, rec.n);

	/* lies: each -EBADMSG before any call */
	h = (struct vmb_pkt_gpa_direct *)pkt;
	g = (struct vmb_gpa_range *)(pkt + 24);
	for (i = 0; i < 13; i++) {
		total = gpa_pkt(pkt, good, 3, 8);
		switch (i) {
		case 0: h->range_cnt = 4; break;
		case 1: h->range_cnt = 0xffffffff; break;
		case 2: g->byte_offset = 4096; break;
		case 3: g->byte_count = 0; break;
		case 4: g->byte_count = 4097; break;	/* 2 PFNs, has 1 */
		case 5: g->byte_count = 0xffffffff; g->byte_offset = 4095; break;
		case 6: h->d.offset8 -= 1; break;	/* PFNs past the end */
		case 7: h->d.offset8 = 2; break;
		case 8: h->d.offset8 = 0; break;
		case 9: total = (u32)h->d.offset8 * 8 - 8; break;
		case 10: total = 23; break;
		case 11: total = 0; break;
		case 12: h->range_cnt = 2; g->byte_offset = 0xfffff000; break;
		}
		memset(&rec, 0, sizeof(rec));
		EXPECT_EQ(-EBADMSG, vmb_pkt_gpa_ranges(pkt, total, rec_fn, &rec))
			TH_LOG("case %u", i);
		EXPECT_EQ(0u, rec.n);
	}
	/* a good first range does not get its call if a later one lies */
	total = gpa_pkt(pkt, good, 3, 8);
	((struct vmb_gpa_range *)(pkt + 24 + 16 + 16))->byte_count = 0;
	memset(&rec, 0, sizeof(rec));
	EXPECT_EQ(-EBADMSG, vmb_pkt_gpa_ranges(pkt, total, rec_fn, &rec));
	EXPECT_EQ(0u, rec.n);
	/* slack after the ranges, inside the extension: allowed */
	total = gpa_pkt(pkt, good, 2, 8);
	h->range_cnt = 1;
	memset(&rec, 0, sizeof(rec));
	EXPECT_EQ(0, vmb_pkt_gpa_ranges(pkt, total, rec_fn, &rec));
	EXPECT_EQ(1u, rec.n);
}

/* ---- no double fetch ---- */

struct flipper {
	u8 *desc;
	volatile int stop;
};

static void *flip(void *arg)
{
	struct flipper *f = arg;
	u16 len8 = 4;

	while (!f->stop) {
		len8 = len8 == 4 ? 12 : 4;
		__atomic_store_n((u16 *)(f->desc + 4), len8, __ATOMIC_RELAXED);
		__atomic_store_n((u16 *)(f->desc + 2),
				 (u16)(len8 == 4 ? 3 : 11), __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * The guest flips the descriptor while we read: what we return and what
 * buf says must always agree, and describe a valid packet.
 */
TEST(no_double_fetch)
{
	struct vmb_pkt_desc *d;
	struct vmb_ring cons;
	struct flipper f;
	u64 buf[16];
	pthread_t t;
	struct shm s;
	int i, n, seen[2] = { 0, 0 };

	ASSERT_EQ(0, shm_init(&s, 256));
	HW(&s, write_index) = guest_put(&s, 0, 2, 12, 1);
	f.desc = s.data;
	f.stop = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, flip, &f));
	d = (struct vmb_pkt_desc *)buf;
	for (i = 0; i < 300000; i++) {
		ASSERT_EQ(0, init_both(&s, NULL, &cons));
		n = vmb_ring_read(&cons, buf, sizeof(buf));
		if (n == -EBADMSG)	/* a torn len8/offset8 pair */
			continue;
		ASSERT_EQ(n, d->len8 * 8);
		ASSERT_LE(d->offset8, d->len8);
		ASSERT_EQ((u32)n + 8, cons.pos);
		seen[n == 96]++;
	}
	f.stop = 1;
	pthread_join(t, NULL);
	TH_LOG("short %d long %d", seen[0], seen[1]);
	shm_fini(&s);
}

/* ---- against a model, at random ---- */

static u32 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (u32)(*s >> 16);
}

TEST(random_model)
{
	static u8 pkt[1100], buf[1100];
	u32 q_total[256], q_seed[256], qh, qt, size, total, seed, iter, used;
	u32 buflen;
	struct vmb_ring prod, cons;
	u64 st = 0x9e3779b97f4a7c15ull;
	unsigned int round;
	struct shm s;
	bool sig;
	int n;

	for (round = 0; round < 40; round++) {
		size = 24 + 8 * (rnd(&st) % 130);
		ASSERT_EQ(0, shm_init(&s, size));
		HW(&s, write_index) = 8 * (rnd(&st) % (size / 8));
		HW(&s, read_index) = HW(&s, write_index);
		ASSERT_EQ(0, init_both(&s, &prod, &cons));
		qh = qt = 0;
		used = 0;
		for (iter = 0; iter < 5000; iter++) {
			switch (rnd(&st) % 3) {
			case 0:
				total = 16 + rnd(&st) % (size - 8);
				seed = rnd(&st);
				make_pkt(pkt, total, 16, seed);
				n = write1(&prod, pkt, total, &sig);
				if (vmb_pkt_need(total) >= size) {
					ASSERT_EQ(-EINVAL, n);
				} else if (size - used <= vmb_pkt_need(total)) {
					ASSERT_EQ(-ENOSPC, n);
				} else {
					ASSERT_EQ(0, n);
					ASSERT_EQ(HW(&s, read_index) ==
						  (prod.pos + size -
						   vmb_pkt_need(total)) % size,
						  sig);
					q_total[qt % 256] = total;
					q_seed[qt % 256] = seed;
					qt++;
					used += vmb_pkt_need(total);
				}
				break;
			case 1:
				buflen = rnd(&st) % (size + 8);
				n = vmb_ring_read(&cons, buf, buflen);
				if (qh == qt) {
					ASSERT_EQ(0, n);
					break;
				}
				total = q_total[qh % 256];
				if (buflen < ((total + 7) & ~7u)) {
					ASSERT_EQ(-EMSGSIZE, n);
					break;
				}
				ASSERT_EQ((int)((total + 7) & ~7u), n);
				make_pkt(pkt, total, 16, q_seed[qh % 256]);
				ASSERT_EQ(0, memcmp(pkt, buf, total));
				qh++;
				break;
			case 2:
				vmb_ring_read_done(&cons);
				used = (prod.pos + size - cons.pos) % size;
				ASSERT_EQ(size - used, vmb_ring_free(&prod));
				break;
			}
		}
		shm_fini(&s);
	}
}

TEST_HARNESS_MAIN
