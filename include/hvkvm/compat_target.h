/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a LIO fabric of ours needs to build on every kernel the host
 * modules support (Debian's 6.1 and 6.12): LIO's interfaces that changed
 * in between, under one name each.
 */
#ifndef _HVKVM_COMPAT_TARGET_H
#define _HVKVM_COMPAT_TARGET_H

#include <linux/version.h>
#include <target/target_core_base.h>
#include <target/target_core_fabric.h>

/*
 * Queued submission (the fabric's thread never waits for a backend):
 * 6.1 exports target_queue_submission(); 6.12 made it static, and
 * target_submit() queues when the fabric's ops say so, with
 * HVKVM_TARGET_QUEUED in the ops.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define HVKVM_TARGET_QUEUED	.default_submit_type = TARGET_QUEUE_SUBMIT,
static inline void hvkvm_target_queue(struct se_cmd *se_cmd)
{
	target_submit(se_cmd);
}
#else
#define HVKVM_TARGET_QUEUED
static inline void hvkvm_target_queue(struct se_cmd *se_cmd)
{
	target_queue_submission(se_cmd);
}
#endif

/* 6.12 moved the unaligned accessors out of asm/. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#endif /* _HVKVM_COMPAT_TARGET_H */
