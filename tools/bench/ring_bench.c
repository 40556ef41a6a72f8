// SPDX-License-Identifier: GPL-2.0
/*
 * Throughput of lib/vmbus/ring.c, natively: packets written into a ring
 * and read back out of it (the host's producer and consumer on one ring,
 * in batches of half a ring, as a busy channel goes), against plain
 * memcpy() of the same bytes in and out of a buffer of the ring's size.
 *
 * usage: ring_bench [SECONDS per case, default 0.5] [RING KiB, default 256]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hvkvm/vmbus_ring.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct vmb_ring_hdr hdr __attribute__((aligned(4096)));
static volatile u8 sink;

/* Bytes of packets moved through the ring in about secs seconds. */
static double bench_ring(u8 *data, u32 size, const u8 *pkt, u32 total,
			 u8 *buf, double secs, double *elapsed)
{
	struct vmb_ring prod, cons;
	struct vmb_seg seg = { pkt, total };
	double t0 = now(), bytes = 0;
	unsigned int i, batch;
	bool sig;
	int n;

	memset(&hdr, 0, sizeof(hdr));
	hdr.feature_bits = VMB_RING_FEAT_PENDING_SEND_SZ;
	if (vmb_ring_init(&prod, &hdr, data, size, false) ||
	    vmb_ring_init(&cons, &hdr, data, size, true))
		abort();
	batch = size / 2 / vmb_pkt_need(total);
	if (!batch)
		batch = 1;
	do {
		for (i = 0; i < batch; i++)
			if (vmb_ring_write(&prod, &seg, 1, &sig))
				abort();
		for (i = 0; i < batch; i++) {
			n = vmb_ring_read(&cons, buf, total + 8);
			if (n < (int)total)
				abort();
			sink = buf[n - 1];
		}
		vmb_ring_read_done(&cons);
		bytes += (double)batch * total;
	} while (now() - t0 < secs);
	*elapsed = now() - t0;
	return bytes;
}

/* The same bytes, copied in and out at the same places, no ring. */
static double bench_memcpy(u8 *data, u32 size, const u8 *pkt, u32 total,
			   u8 *buf, double secs, double *elapsed)
{
	u32 need = vmb_pkt_need(total), off = 0, off2;
	double t0 = now(), bytes = 0;
	unsigned int i, batch;

	batch = size / 2 / need;
	if (!batch)
		batch = 1;
	do {
		off2 = off;
		for (i = 0; i < batch; i++) {
			if (off2 + need > size)
				off2 = 0;
			memcpy(data + off2, pkt, total);
			off2 += need;
		}
		off2 = off;
		for (i = 0; i < batch; i++) {
			if (off2 + need > size)
				off2 = 0;
			memcpy(buf, data + off2, total);
			sink = buf[total - 1];
			off2 += need;
		}
		off = off2;
		bytes += (double)batch * total;
	} while (now() - t0 < secs);
	*elapsed = now() - t0;
	return bytes;
}

int main(int argc, char **argv)
{
	static const u32 sizes[] = { 24, 64, 256, 1024, 1500, 4096, 16384,
				     65536 };
	double secs = argc > 1 ? atof(argv[1]) : 0.5, t1, t2, b1, b2;
	u32 size = (argc > 2 ? atoi(argv[2]) : 256) * 1024;
	struct vmb_pkt_desc d;
	u8 *data, *pkt, *buf;
	unsigned int i;

	if (secs <= 0 || size < 2 * 65536 + 64 || size % 8) {
		fprintf(stderr, "usage: %s [SECONDS] [RING KiB >= 129]\n",
			argv[0]);
		return 2;
	}
	data = aligned_alloc(4096, size);
	pkt = malloc(65536 + 8);
	buf = aligned_alloc(64, 65536 + 8);
	if (!data || !pkt || !buf)
		return 1;
	memset(data, 0, size);
	for (i = 0; i < 65536; i++)
		pkt[i] = (u8)i;

	printf("# ring of %u KiB, %.2f s per case; MB/s of packet bytes\n",
	       size / 1024, secs);
	printf("# %8s %12s %12s %8s %10s %10s\n", "packet", "ring", "memcpy x2",
	       "ratio", "ns/packet", "Mpkt/s");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		vmb_pkt_init(&d, VMB_PKT_DATA_INBAND, 0, i, sizeof(d),
			     sizes[i]);
		memcpy(pkt, &d, sizeof(d));
		b1 = bench_ring(data, size, pkt, sizes[i], buf, secs, &t1);
		b2 = bench_memcpy(data, size, pkt, sizes[i], buf, secs, &t2);
		printf("  %8u %12.0f %12.0f %8.2f %10.1f %10.2f\n", sizes[i],
		       b1 / t1 / 1e6, b2 / t2 / 1e6, (b1 / t1) / (b2 / t2),
		       t1 / (b1 / sizes[i]) * 1e9,
		       b1 / sizes[i] / t1 / 1e6);
	}
	free(data);
	free(pkt);
	free(buf);
	return 0;
}
