/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the host modules need to build on every kernel they support
 * (Debian's 6.1 and 6.12): interfaces that changed in between, under one
 * name each.
 */
#ifndef _HVKVM_COMPAT_H
#define _HVKVM_COMPAT_H

#include <linux/version.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <net/genetlink.h>

/* 6.8 dropped eventfd_signal()'s count: it always added 1. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define hvkvm_eventfd_signal(ctx)	eventfd_signal(ctx)
#else
#define hvkvm_eventfd_signal(ctx)	eventfd_signal((ctx), 1)
#endif

/* 6.12 made struct fd opaque, with fd_file() to read it. */
#ifndef fd_file
#define fd_file(f)	((f).file)
#endif

/* A dump's parsed request attributes: in its genl_info since 6.2. */
static inline struct nlattr **hvkvm_dumpit_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _HVKVM_COMPAT_H */
