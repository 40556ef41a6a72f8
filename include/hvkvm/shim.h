/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The little that portable hvkvm code (the parsers of guest-controlled
 * bytes) needs from its environment. The same files build into the
 * kernel modules and, natively, into unit tests and fuzz targets.
 */
#ifndef _HVKVM_SHIM_H
#define _HVKVM_SHIM_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/build_bug.h>
#include <asm/barrier.h>
#else
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#ifndef __packed
#define __packed __attribute__((packed))
#endif
#ifndef READ_ONCE
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#endif
#define static_assert_size(t, n)	_Static_assert(sizeof(t) == (n), #t)
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#endif

#ifdef __KERNEL__
#define static_assert_size(t, n)	static_assert(sizeof(t) == (n), #t)
#endif

#endif /* _HVKVM_SHIM_H */
