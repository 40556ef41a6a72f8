/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvkvm VID: internal interfaces shared by the module's files.
 */
#ifndef _HVKVM_VID_H
#define _HVKVM_VID_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/mutex.h>
#include <net/netlink.h>
#include <linux/types.h>
#include <linux/hvkvm_vid.h>
#include <hvkvm/vid_client.h>

/* What a user may set on a partition; checked whole before it is applied. */
struct vid_config {
	u64 memory;
	u32 vcpus;
	char *kernel;
	char *initrd;		/* NULL when none */
	char *cmdline;		/* NULL when none */
	bool stimer;		/* offer the synthetic timers */
};

/* Why a partition is CRASHED. */
struct vid_crash {
	u32 kind;			/* enum hvkvm_vid_crash_kind */
	u32 code;
	bool has_params;
	u64 params[HVKVM_VID_CRASH_PARAMS];
	char *message;			/* NULL when none */
};

/* One region of the guest-memory table, pinned. */
struct vid_mem_region {
	u64 gpa;
	unsigned long uaddr;
	unsigned long npages;
	unsigned long pinned;		/* pages[0..pinned) hold pins */
	struct page **pages;
};

struct vid_memory {
	struct kref ref;
	struct rcu_head rcu;
	struct work_struct free_work;	/* the last put's unpinning */
	struct mm_struct *mm;		/* charged with pinned pages */
	unsigned long pinned;		/* pages charged */
	unsigned int nregions;
	struct vid_mem_region regions[];
};

struct vid_partition {
	u32 id;
	char name[HVKVM_VID_NAME_MAX];
	enum hvkvm_vid_state state;
	struct vid_config cfg;

	/* The running side; all of it under vid_lock. */
	u32 worker_portid;		/* 0: no worker attached */
	pid_t worker_pid;
	struct pid *worker_tgid;	/* its process, for its other sockets */
	u64 running_since;		/* boot-time ns of the last RUNNING */
	char *console_log;
	char *console_sock;
	char *error;			/* why the last start failed */
	bool crashed;			/* crash holds the reason */
	struct vid_crash crash;
	u64 (*exits)[HVKVM_VID_EXIT_COUNT];	/* per vCPU, or NULL */
	u32 exits_vcpus;
	struct vid_memory __rcu *memory;	/* while a worker is attached */
	bool has_clock;			/* the worker told clock_offset */
	s64 clock_offset;		/* CLOCK_REALTIME - the guest's kvmclock */
	struct vid_synic __rcu *synic;		/* likewise */
	void *client;			/* the client's (VMBus's), while attached */
};

struct vid_synic;

/*
 * The registry. vid_lock serialises every change and every walk; it is
 * held while a notification is built and sent, so events leave in the
 * order the changes were made. vid_generation counts changes, for dumps.
 */
extern struct mutex vid_lock;
extern struct workqueue_struct *vid_wq;	/* unpinning, SynIC teardown */
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

void vid_partition_clear_run(struct vid_partition *p);

/* netlink.c: helpers the lifecycle commands share. */
struct genl_info;
extern const struct nla_policy vid_crash_policy[HVKVM_VID_CRASH_A_MAX + 1];
extern const struct nla_policy vid_vcpu_policy[HVKVM_VID_VCPU_A_MAX + 1];
struct vid_partition *vid_lookup(struct genl_info *info);
void vid_notify(const struct vid_partition *p, u8 cmd);
int vid_reply_vm(struct genl_info *info, const struct vid_partition *p);
int vid_send_request(const struct vid_partition *p, u32 action);
int vid_reply_u64(struct genl_info *info, int attr, u64 val);
int vid_reply_hcall(struct genl_info *info, u64 result, bool bind,
		    u32 conn_id);
int vid_netlink_init(void);
void vid_netlink_exit(void);

/* memory.c: the guest-memory table, for VID and the modules above it. */
extern const struct nla_policy vid_memory_map_policy[HVKVM_VID_MEM_A_MAX + 1];
int vid_memory_pin(u64 memory, struct nlattr *map, struct vid_memory **out,
		   struct netlink_ext_ack *extack);
void vid_memory_unaccount(struct vid_memory *mem);

/* synic.c: SynIC delivery, for VID and the modules above it. */
extern const struct nla_policy vid_routes_policy[HVKVM_VID_SINT_A_MAX + 1];
extern const struct nla_policy vid_ports_policy[HVKVM_VID_PORT_A_MAX + 1];
int vid_synic_create(struct vid_partition *p, struct vid_memory *mem,
		     struct nlattr *routes, struct nlattr *ports,
		     struct vid_synic **out, struct netlink_ext_ack *extack);
void vid_synic_free(struct vid_synic *synic);
void vid_synic_retire(struct vid_synic *synic);
void vid_synic_reap_wait(void);
void vid_synic_detach_client(struct vid_partition *p);
void vid_synic_attach_client(struct vid_partition *p);
void vid_synic_shutdown_client(struct vid_partition *p);
int vid_cmd_synic(struct sk_buff *skb, struct genl_info *info);
int vid_cmd_hcall(struct sk_buff *skb, struct genl_info *info);
int vid_cmd_port_bind(struct sk_buff *skb, struct genl_info *info);
void vid_synic_port_stats(const struct vid_partition *p, u32 *bound,
			  u64 *slow);
int vid_cmd_synic_inject(struct sk_buff *skb, struct genl_info *info);

/* lifecycle.c */
int vid_cmd_start(struct sk_buff *skb, struct genl_info *info);
int vid_cmd_stop(struct sk_buff *skb, struct genl_info *info);
int vid_cmd_pause_resume(struct sk_buff *skb, struct genl_info *info);
int vid_cmd_attach(struct sk_buff *skb, struct genl_info *info);
int vid_cmd_report(struct sk_buff *skb, struct genl_info *info);
int vid_lifecycle_init(void);
void vid_lifecycle_exit(void);

#endif /* _HVKVM_VID_H */
