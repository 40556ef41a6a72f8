/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvkvm VMBus host: what the module's files share.
 */
#ifndef _HVKVM_VMBUS_H
#define _HVKVM_VMBUS_H

#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/netlink.h>
#include <linux/hvkvm_vid.h>
#include <linux/hvkvm_vmbus.h>
#include <hvkvm/vmbus_host.h>
#include <hvkvm/compat.h>

#include <hvkvm/vid_client.h>
#include <hvkvm/vmbus_bus.h>
#include <hvkvm/vmbus_ring.h>

/*
 * Channel relid r signals on connection id VMBUS_CONN_BASE + r, a VID
 * port the worker binds to an eventfd on the guest's first signal. 2047
 * relids: the bits of a SINT's event flags, as the guest counts them.
 */
#define VMBUS_CONN_BASE		0x100
#define VMBUS_RELID_MAX		VMB_RELID_MAX
#define VMBUS_MSG_QUEUE_MAX	512	/* guest messages waiting */
#define VMBUS_CHAN_BUDGET	64	/* packets per run of a channel */

/* A VSP's part of a VM (vsp.c). */
enum vmbus_vm_vsp_state {
	VMBUS_VSP_OFF,			/* not attached */
	VMBUS_VSP_ATTACHED,		/* from before vm_attach */
	VMBUS_VSP_DETACHING,		/* from before vm_detach */
};

struct vmbus_vm_vsp {
	const struct vmbus_vsp *vsp;	/* under vmbus_vsp_lock and vm->lock */
	enum vmbus_vm_vsp_state state;	/* likewise */
	void *data;			/* the VSP's */
};

/* A running partition, as VMBus sees it: from attach to detach. */
struct vmbus_vm {
	struct kref ref;
	struct list_head node;		/* vmbus_vms, under vmbus_lock */
	char name[HVKVM_VID_NAME_MAX];
	struct vid_partition *p;	/* NULL once detached */
	struct vid_memory *mem;		/* NULL when the worker gave none */
	u32 nvps;
	bool has_clock;			/* the guest's reference time known */
	s64 clock_offset;		/* CLOCK_REALTIME - its kvmclock, ns */

	struct mutex lock;		/* the bus, devices and channels */
	bool dead;			/* detached: nothing more happens */
	struct vmb_bus bus;
	struct list_head devices;
	/* a channel was added or is gone: a channel dump is inconsistent */
	unsigned int chans_gen;		/* under lock; from 1 */

	/*
	 * The work the guest causes (its messages, its channels) runs on
	 * this thread, in the worker's cgroups, as vhost's does: a busy
	 * guest is charged for its CPU time, and cannot take it from the
	 * other VMs' work.
	 */
	struct kthread_worker *kworker;

	spinlock_t msg_lock;		/* the guest's messages, in order */
	struct list_head msgs;
	unsigned int nmsgs;
	struct kthread_work msg_work;
	/*
	 * Set (under gpadls' lock) while a guest message waits for devices
	 * to let go of GPADLs the bus dropped; the last put runs msg_work.
	 */
	bool msg_held;
	bool msg_stopped;		/* detaching: msg_work is not queued */
	unsigned int gpadl_orphans;	/* dropped by the bus, still used */

	/* sub-channel requests, for sub_work (channel.c) */
	spinlock_t sub_lock;
	struct list_head sub_reqs;
	struct kthread_work sub_work;

	/* vsp.c: the VSPs' parts, while on vmbus_vsp_vms */
	struct list_head vsp_node;	/* under vmbus_vsp_lock */
	struct vmbus_vm_vsp vsps[VMBUS_VSP_MAX];

	/*
	 * The complete GPADLs by handle, for VSPs' lookups outside
	 * vm->lock (gpadl.c); its lock (irq-safe) also guards their state.
	 */
	struct xarray gpadls;
};

struct vmbus_device {
	struct list_head node;		/* vm->devices */
	struct vmbus_vm *vm;
	const struct vmbus_class *cls;
	struct vmb_guid instance;
	void *priv;
	unsigned int nchannels;
	bool removing;
};

struct vmbus_channel {
	struct vmb_chan c;		/* the protocol's view; c.host = this */
	struct vmbus_device *dev;
	struct vmbus_vm *vm;
	void *priv;

	spinlock_t send_lock;		/* out ring, open, failed */
	bool open;
	bool failed;
	struct vmbus_gpadl *ring_gpadl;	/* while open: the rings' pages */
	struct vmb_ring in;		/* guest -> host */
	struct vmb_ring out;		/* host -> guest */
	void *in_map, *out_map;
	void *rxbuf;
	struct kthread_work work;	/* on the VM's kworker */
	bool blocked;			/* a packet waits for room in out */
	u32 want;			/* bytes the last -ENOSPC needed */
	struct list_head sub_node;	/* vm->sub_reqs, under sub_lock */
	unsigned int sub_want;
	vmbus_subchannels_done_t sub_done;
	char error[80];

	atomic64_t pkts_in, pkts_out, signals_in, signals_out;
};

extern struct mutex vmbus_lock;
extern struct list_head vmbus_vms;
extern unsigned long vmbus_generation;
extern struct workqueue_struct *vmbus_wq;

struct vmbus_vm *vmbus_vm_find(const char *name);	/* with a ref */

/* gpadl.c */
int vmbus_op_gpadl_create(struct vmb_bus *bus, struct vmb_gpadl *g);
void vmbus_op_gpadl_destroy(struct vmb_bus *bus, struct vmb_gpadl *g);
int vmbus_op_gpadl_teardown(struct vmb_bus *bus, struct vmb_gpadl *g);
void vmbus_gpadl_set_ring(struct vmbus_gpadl *g, bool ring);
bool vmbus_op_gpadls_busy(struct vmb_bus *bus);

/* channel.c */
extern const struct vmb_ops vmbus_bus_ops;
struct vmbus_device *vmbus_device_add_locked(struct vmbus_vm *vm,
					     const struct vmbus_class *cls,
					     const struct vmb_guid *instance,
					     void *priv);
void vmbus_device_remove_locked(struct vmbus_device *dev);
void vmbus_vsp_release_devices_locked(struct vmbus_vm *vm,
				      const struct vmbus_vsp *vsp);
u32 vmbus_chan_state(const struct vmbus_channel *ch);
void vmbus_sub_work(struct kthread_work *work);

/* vsp.c */
void vmbus_vsps_attach_vm(struct vmbus_vm *vm);
void vmbus_vsps_shutdown_vm(struct vmbus_vm *vm);
void vmbus_vsps_detach_vm(struct vmbus_vm *vm,
			  void (*end)(struct vmbus_vm *vm));

/* netlink.c */
int vmbus_netlink_init(void);
void vmbus_netlink_exit(void);
void vmbus_notify(struct vmbus_vm *vm, u32 event, u32 version);

#endif /* _HVKVM_VMBUS_H */
