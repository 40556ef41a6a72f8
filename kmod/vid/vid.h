/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvkvm VID: internal interfaces shared by the module's files.
 */
#ifndef _HVKVM_VID_H
#define _HVKVM_VID_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/types.h>
#include <linux/hvkvm_vid.h>

/* What a user may set on a partition; checked whole before it is applied. */
struct vid_config {
	u64 memory;
	u32 vcpus;
	char *kernel;
	char *initrd;		/* NULL when none */
	char *cmdline;		/* NULL when none */
};

struct vid_partition {
	u32 id;
	char name[HVKVM_VID_NAME_MAX];
	enum hvkvm_vid_state state;
	struct vid_config cfg;
};

/*
 * The registry. vid_lock serialises every change and every walk; it is
 * held while a notification is built and sent, so events leave in the
 * order the changes were made. vid_generation counts changes, for dumps.
 */
extern struct mutex vid_lock;
extern unsigned long vid_generation;
extern unsigned int vid_max_vms;

int vid_check_name(const char *name, struct netlink_ext_ack *extack,
		   const struct nlattr *attr);
int vid_check_config(const struct vid_config *cfg,
		     struct netlink_ext_ack *extack);
int vid_config_dup(struct vid_config *dst, const struct vid_config *src);
void vid_config_free(struct vid_config *cfg);

struct vid_partition *vid_partition_by_id(u32 id);
struct vid_partition *vid_partition_by_name(const char *name);
struct vid_partition *vid_partition_next(unsigned long *id);
int vid_partition_create(const char *name, struct vid_config *cfg,
			 struct vid_partition **out,
			 struct netlink_ext_ack *extack);
void vid_partition_set_config(struct vid_partition *p, struct vid_config *cfg);
void vid_partition_delete(struct vid_partition *p);
void vid_partitions_destroy(void);

int vid_netlink_init(void);
void vid_netlink_exit(void);

#endif /* _HVKVM_VID_H */
