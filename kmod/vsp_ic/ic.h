/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvkvm ICs: what the module's files share.
 *
 * The module is a VSP of the VMBus host, on its public API only
 * (include/hvkvm/vmbus_host.h): for every running VM it keeps a struct
 * hvic_vm, made in vm_attach and forgotten in vm_detach, and adds four
 * devices to the VM, one per IC.
 *
 * Lifetimes: a struct hvic_vm holds a reference for VMBus's slot (from
 * vm_attach to vm_detach), one per device it added (until the device's
 * release) and one per netlink request using it (hvic_vm_get). Its
 * ->vm may be used only under ->lock while ->detached is false, or in
 * the devices' own callbacks: after vm_detach the VM may be gone.
 */
#ifndef _HVKVM_IC_H
#define _HVKVM_IC_H

#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <net/netlink.h>
#include <linux/hvkvm_vid.h>
#include <linux/hvkvm_ic.h>
#include <hvkvm/vmbus_host.h>
#include <hvkvm/ic_msg.h>

enum hvic_kind {
	HVIC_HEARTBEAT,
	HVIC_SHUTDOWN,
	HVIC_TIMESYNC,
	HVIC_KVP,
	HVIC_COUNT
};

struct hvic_vm;

/* One IC of one VM. */
struct hvic {
	struct hvic_vm *hv;
	enum hvic_kind kind;
	struct mutex lock;		/* all below but dev and enabled */
	struct vmbus_channel *ch;	/* while open */
	struct vmbus_device *dev;	/* while offered; hv->lock, release */
	bool enabled;			/* under hv->lock */
	u32 state;			/* enum hvkvm_ic_state */
	struct vmb_ic_neg neg;
	u64 trans;			/* the last trans_id used */
	u64 neg_trans;
	struct delayed_work work;

	/* heartbeat */
	u64 hb_sent, hb_answered;
	u64 hb_answer_ns;		/* boot time of the last answer */

	/* one request at a time waits for the guest's answer */
	u64 req_trans;
	bool req_answered;
	bool req_async;			/* shutdown: the answer is an event */
	struct delayed_work req_expire;	/* when an async answer is late */
	u32 req_status;
	u8 req_op;
	struct completion req_done;
	char *req_key, *req_value;	/* KVP replies land here */

	u8 *buf;			/* what is being sent */
};

/* What KVP_GET lists: the host's pairs, then the guest's. */
#define HVIC_KVP_KEY_MAX	VMB_IC_KVP_KEY_UTF8_MAX	/* UTF-8 of a wire key */
#define HVIC_KVP_VALUE_MAX	VMB_IC_KVP_VALUE_UTF8_MAX
#define HVIC_KVP_HOST_MAX	64	/* pairs the host keeps per VM */
#define HVIC_KVP_GUEST_MAX	32	/* pairs read per guest pool */

/* The ICs of one running VM. */
struct hvic_vm {
	struct kref ref;
	struct list_head node;		/* hvic_vms, under hvic_lock */
	struct vmbus_vm *vm;		/* see above */
	char name[HVKVM_VID_NAME_MAX];
	bool has_clock;			/* the guest's reference time known */
	s64 clock_offset;		/* CLOCK_REALTIME - its kvmclock, ns */

	struct mutex lock;		/* the devices; detached */
	bool detached;			/* vm_detach: nothing is added */
	bool stopped;			/* no timer, no request: under each ic->lock */
	struct hvic ic[HVIC_COUNT];

	struct mutex kvp_lock;		/* one KVP exchange at a time */
	struct list_head kvp_host;	/* the host's pairs */
	unsigned int nkvp_host;
	struct work_struct shutdown_work;	/* for a graceful stop */
};

struct hvic_kvp_pair {
	u8 pool;
	char key[HVIC_KVP_KEY_MAX];
	char value[HVIC_KVP_VALUE_MAX];
};

struct hvic_kvp_list {
	unsigned int n;
	char guest_error[128];		/* why the guest's are missing */
	struct hvic_kvp_pair pairs[];	/* n, and one spare */
};

extern struct workqueue_struct *hvic_wq;
extern struct mutex hvic_lock;
extern struct list_head hvic_vms;
extern unsigned long hvic_generation;

/* main.c */
struct hvic_vm *hvic_vm_get(const char *name);	/* with a ref, or NULL */
void hvic_vm_put(struct hvic_vm *hv);

/* ic.c */
int hvic_classes_init(const struct vmbus_vsp *vsp);
struct hvic_vm *hvic_vm_new(struct vmbus_vm *vm);
int hvic_vm_add_devices(struct hvic_vm *hv);
void hvic_vm_stop(struct hvic_vm *hv);
void hvic_vm_free(struct kref *ref);
void hvic_vm_shutdown(struct hvic_vm *hv);
int hvic_fill(struct sk_buff *skb, struct hvic_vm *hv);
int hvic_shutdown(struct hvic_vm *hv, bool reboot, u32 timeout_ms,
		  struct netlink_ext_ack *extack);
int hvic_set(struct hvic_vm *hv, const char *name, bool enabled,
	     struct netlink_ext_ack *extack);
int hvic_kvp_set(struct hvic_vm *hv, const char *key, const char *value,
		 struct netlink_ext_ack *extack);
struct hvic_kvp_list *hvic_kvp_collect(struct hvic_vm *hv);

/* netlink.c */
int hvic_netlink_init(void);
void hvic_netlink_exit(void);
void hvic_notify(struct hvic_vm *hv, u32 event);
void hvic_notify_shutdown(struct hvic_vm *hv, u32 result, u32 status);

#endif /* _HVKVM_IC_H */
