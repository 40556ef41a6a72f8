/* SPDX-License-Identifier: GPL-2.0 */
/* vsp_test: kmod/vmbus/vsp.c's <linux/module.h>; all it needs is vmbus.h's. */
