/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loopback test device: a VMBus device class of our own, for tests
 * only, never installed. Its host side is selftests/kmod/vsp_loop
 * (hvkvm_vsp_loop.ko, a VSP on the public API), its guest side
 * guest/loopback (hvkvm_loop.ko, a driver of the stock hv_vmbus).
 *
 * Every packet the guest sends is DATA_INBAND with a struct hvloop_msg
 * (and data after it where the op says so), but for HVLOOP_OP_GPA, which
 * is DATA_USING_GPA_DIRECT: the ranges name guest pages, the inline
 * data is the hvloop_msg. The host answers each request with one
 * DATA_INBAND packet, a struct hvloop_msg with the request's op and
 * transaction id, status 0 or a positive errno, and the op's results:
 *
 * ECHO         the request's bytes, unchanged (data up to the class's
 *              largest packet: HVLOOP_MAX_PKT with the descriptor)
 * WHO          arg0: the channel's relid, arg1: its sub-channel index
 * FILL         arg0 packets (at most HVLOOP_FILL_MAX), each with arg1
 *              bytes of data (at most HVLOOP_FILL_DATA_MAX): op FILL_PKT,
 *              arg0 its number, data hvloop_pattern(number, i); as many
 *              as fit in the guest's ring, then the rest as it reads
 *              (the host waits for room: pending_send_sz), then the
 *              answer (arg0: how many were sent)
 * DEFER        the host reserves room for the answer in the guest's ring
 *              (vmbus_chan_reserve) and sends it only arg0 ms after the
 *              first answer it holds (at most 60 s): when the guest's
 *              ring has no room left for more answers, the host stops
 *              reading requests until the guest reads answers. The answer
 *              carries HVLOOP_DEFER_DATA bytes of data.
 * SUBCHANNELS  vmbus_chan_enable_subchannels(arg0); arg0 of the answer:
 *              how many the device has now. The answer comes once they
 *              are made (after their offers); EBUSY while the channel's
 *              previous request waits, ENODEV when the device is being
 *              removed
 * GPADL_WRITE  on GPADL arg0 (a GPADL of this device, made on any of its
 *              channels): byte i of the buffer becomes
 *              hvloop_pattern(arg1, i); arg0: bytes written
 * GPADL_SUM    arg0: hvloop_sum() of the buffer, arg1: its length
 * GPADL_HOLD   the host takes a reference on GPADL arg0 and answers at
 *              once; arg1 ms later (at most 60 s), from a timer, it writes
 *              arg2 (u32, little-endian) at the start of the buffer and
 *              lets go: a guest's teardown meanwhile must not complete
 *              before then
 * GPA          (GPA direct) arg0 HVLOOP_GPA_WRITE: each byte i of the
 *              ranges, in order, becomes hvloop_pattern(arg1, i);
 *              HVLOOP_GPA_SUM: arg1 of the answer is their hvloop_sum().
 *              arg0 of the answer: bytes. EFAULT if a page is not the
 *              guest's (nothing is touched then).
 * SINK         (for benchmarks) consumed, and never answered: the data
 *              (any, up to the largest packet) is not looked at
 * GATE         (for benchmarks) held until the host's test releases
 *              every held GATE (hvkvm_vsp_loop's parameter "gate"), then
 *              answered with arg0 and arg1 unchanged; the host reserves
 *              room for the answer (vmbus_chan_reserve) and holds at most
 *              one per channel (a second is a protocol error). The
 *              guest's benchmark waits at a gate before and after each
 *              case, so that the host can read its counters while the
 *              guest is idle.
 *
 * A GPADL the host cannot use gives ENOENT (unknown, incomplete, another
 * device's), EBUSY (an open channel's rings) or ESHUTDOWN (being torn
 * down). Anything else the guest sends fails the channel.
 */
#ifndef _HVKVM_LOOP_PROTO_H
#define _HVKVM_LOOP_PROTO_H

#include "vmbus_proto.h"

/* 6c6f6f70-6b76-6876-8074-6573746c6f6f: "loop", "testloo" */
#define HVLOOP_CLASS_GUID	VMB_GUID(0x6c6f6f70, 0x6b76, 0x6876, 0x80, \
				0x74, 0x65, 0x73, 0x74, 0x6c, 0x6f, 0x6f)

enum hvloop_op {
	HVLOOP_OP_ECHO = 1,
	HVLOOP_OP_WHO,
	HVLOOP_OP_FILL,
	HVLOOP_OP_FILL_PKT,
	HVLOOP_OP_DEFER,
	HVLOOP_OP_SUBCHANNELS,
	HVLOOP_OP_GPADL_WRITE,
	HVLOOP_OP_GPADL_SUM,
	HVLOOP_OP_GPADL_HOLD,
	HVLOOP_OP_GPA,
	HVLOOP_OP_SINK,
	HVLOOP_OP_GATE,
};

enum {
	HVLOOP_GPA_WRITE,
	HVLOOP_GPA_SUM,
};

struct hvloop_msg {
	u32 op;
	u32 status;
	u32 arg[6];
	/* data */
};

static_assert_size(struct hvloop_msg, 32);

#define HVLOOP_MAX_PKT		16384	/* the longest packet, descriptor too */
/*
 * The longest the host takes when loaded for benchmarks (its parameter
 * max_pkt): 64 KiB of data (the hvloop_msg included) and a descriptor.
 */
#define HVLOOP_BENCH_MAX_PKT	(65536 + 64)
#define HVLOOP_MAX_SUBCHANNELS	4
#define HVLOOP_FILL_MAX		4096
#define HVLOOP_FILL_DATA_MAX	2048
#define HVLOOP_DEFER_DATA	1024
#define HVLOOP_HOLD_MS_MAX	60000

/* The test pattern: byte i of a buffer filled with seed. */
static inline u8 hvloop_pattern(u32 seed, u32 i)
{
	u32 x = (seed + i) * 2654435761u;

	return (u8)(x >> 24) ^ (u8)i;
}

/* A running checksum of n bytes; start with 1. */
static inline u32 hvloop_sum(u32 sum, const u8 *p, u32 n)
{
	while (n--)
		sum = sum * 31 + *p++;
	return sum;
}

#endif /* _HVKVM_LOOP_PROTO_H */
