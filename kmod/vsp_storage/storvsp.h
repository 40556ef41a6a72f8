/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvkvm storvsp: Hyper-V's synthetic SCSI controller, the host side of
 * a stock guest's hv_storvsc, as a fabric of Linux's SCSI target (LIO).
 * What the module's files share.
 *
 * The configuration lives in LIO's configfs tree, where targetcli's
 * fabrics keep theirs (Documentation/storage.rst):
 *
 *   /sys/kernel/config/target/storvsp/VM           the VM's SCSI target
 *   .../VM/tpgt_N                                  its controller N
 *   .../VM/tpgt_N/lun/lun_L -> core/BACKSTORE      a disk
 *   .../VM/tpgt_N/acls/INITIATOR/lun_L             what the guest sees
 *   .../VM/tpgt_N/nexus                            INITIATOR (read-only)
 *   .../VM/tpgt_N/enable                           offered to the guest
 *
 * Objects:
 *  - struct svp_wwn: a VM's target (named after the VM).
 *  - struct svp_tpg: a controller's configuration; exists whether or not
 *    the VM runs.
 *  - struct svp_ctl: a controller offered to a running VM: its VMBus
 *    device, its protocol state and its LIO session (the I_T nexus of
 *    the controller's initiator, which the ACL names).
 *  - struct svp_chan: an open channel of a controller.
 *  - struct svp_cmd: a SCSI command in flight.
 *
 * Lifetimes: a svp_ctl is referenced by its TPG while offered, by its
 * VMBus device until release, by each open channel, and by its stop
 * work. A svp_chan is referenced by its open channel until close and by
 * each of its commands; it holds the guest-memory table's reference, so
 * that a command's pages stay pinned until the command is done, whatever
 * happened to the channel, the VM or its worker meanwhile. A command
 * never touches the VMBus channel after the channel's close returned
 * (svp_chan->ch, under svp_chan->lock).
 *
 * Locks, outermost first: svp_lock (the WWNs, TPGs and running VMs,
 * which controllers are offered and stopping), ctl->setup_lock (session
 * setup and end), a VM's VMBus mutex (VMBus's own: held around the
 * channel callbacks close and release, which therefore never take
 * svp_lock), ctl->sess_sem (the session, read by every SCSI request and
 * reset), then the spinlocks tpg->ctl_lock (readers of tpg->ctl from
 * LIO's callbacks, which must not take svp_lock), ctl->lock (the primary
 * channel, for rescans) and svp_chan->lock (the channel, for replies).
 */
#ifndef _HVKVM_STORVSP_H
#define _HVKVM_STORVSP_H

#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu-rwsem.h>
#include <scsi/scsi_proto.h>
#include <linux/scatterlist.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <target/target_core_base.h>
#include <target/target_core_fabric.h>

#include <hvkvm/vmbus_host.h>
#include <hvkvm/stor_msg.h>

#define SVP_FABRIC_NAME		"storvsp"
#define SVP_CONTROLLERS		4	/* tpgt_0 .. tpgt_3, as Hyper-V's */
#define SVP_MAX_XFER		(1024 * 1024)	/* bytes per request */
#define SVP_MAX_SUB		16	/* sub-channels per controller */
#define SVP_CHAN_INFLIGHT	1024	/* commands per channel, then TASK SET FULL */
#define SVP_INITIATOR_LEN	21	/* "naa." + 16 hex digits + NUL */
/* LIO copies up to this many CDB bytes (variable-length CDBs) */
#define SVP_CDB_BUF		262

struct svp_ctl;

struct svp_wwn {
	struct se_wwn se_wwn;
	char vm[32];			/* the VM's name: the directory's */
	struct list_head tpgs;		/* svp_tpg.node, under svp_lock */
	struct list_head node;		/* svp_wwns, under svp_lock */
};

struct svp_tpg {
	struct se_portal_group se_tpg;
	struct svp_wwn *wwn;
	u16 index;			/* the controller's number: N */
	bool enabled;			/* under svp_lock */
	struct svp_ctl *ctl;		/* offered now; under svp_lock */
	spinlock_t ctl_lock;		/* and this, for readers of ctl */
	struct svp_ctl *stopping;	/* the VM went; under svp_lock */
	char initiator[SVP_INITIATOR_LEN];	/* the ACL's name */
	struct list_head node;		/* wwn->tpgs */
};

/* Per-LUN counters, for hvadm disk list. */
struct svp_stats {
	atomic64_t requests, bytes, errors;
	atomic_t inflight;
};

struct svp_ctl {
	struct kref ref;
	struct svp_tpg *tpg;		/* valid while not stopped */
	struct vmbus_vm *vm;		/* valid while not detached */
	struct vmbus_device *dev;	/* cleared at release */
	bool detached;			/* under svp_lock */
	char vm_name[32];
	u16 index;

	/* the session: read by every request, changed rarely */
	struct percpu_rw_semaphore sess_sem;
	struct se_session *sess;
	struct mutex setup_lock;	/* session setup and stop */
	bool stopped;			/* under setup_lock */
	struct completion close_called;	/* LIO's close_session is over */

	/* the protocol; changed only by the primary channel's packets */
	struct vmb_stor_ctl proto;
	struct vmbus_channel *primary;	/* under lock */
	spinlock_t lock;
	struct delayed_work rescan_work;
	/* CREATE_SUB_CHANNELS: one at a time, answered when they exist */
	atomic_t sub_busy;
	struct vmb_stor_out sub_out;
	u64 sub_trans;

	struct svp_stats stats[VMB_STOR_LUNS];
	struct work_struct stop_work;	/* the VM went */
	struct work_struct close_work;	/* LIO ends the session */
	struct work_struct free_work;
};

struct svp_chan {
	struct kref ref;
	atomic_t inflight;		/* commands */
	spinlock_t lock;		/* ch */
	struct vmbus_channel *ch;	/* NULL once closed */
	struct svp_ctl *ctl;
	struct vid_memory *mem;
	bool primary;
	struct vmb_stor_out out;	/* replies made in the packet handler */
};

struct svp_cmd {
	struct se_cmd se;
	struct svp_chan *chan;
	struct vmb_stor_req req;	/* pfn is not valid after submission */
	u8 cdb[SVP_CDB_BUF];
	u8 sense[TRANSPORT_SENSE_BUFFER];
	bool done;			/* queue_data_in or queue_status ran */
	void *bounce;			/* UNMAP's parameter list, copied */
	struct sg_table sgt;
	struct scatterlist inline_sg[8];
};

/* main.c */
extern struct mutex svp_lock;
extern struct workqueue_struct *svp_wq;
extern struct vmbus_vsp svp_vsp;
void svp_ctl_put(struct svp_ctl *ctl);
struct svp_ctl *svp_ctl_offer(struct svp_tpg *tpg, struct vmbus_vm *vm);
struct svp_ctl *svp_ctl_withdraw(struct svp_tpg *tpg);
void svp_tpg_offer(struct svp_tpg *tpg);
struct vmbus_vm *svp_vm_find(const char *name);
void svp_ctl_stop(struct svp_ctl *ctl);
int svp_ctl_session(struct svp_ctl *ctl);
void svp_ctl_close_session(struct svp_ctl *ctl);

/* fabric.c */
extern const struct target_core_fabric_ops svp_ops;
struct svp_wwn *svp_wwn_find(const char *vm);

/* io.c */
extern struct vmbus_class svp_class;
int svp_io_init(void);
void svp_io_exit(void);
void svp_rescan_init(struct svp_ctl *ctl);
void svp_rescan(struct svp_ctl *ctl);
void svp_cmd_release(struct se_cmd *se);
int svp_cmd_queue_status(struct se_cmd *se);
int svp_cmd_write_pending(struct se_cmd *se);
void svp_cmd_aborted(struct se_cmd *se);
void svp_tmr_done(struct se_cmd *se);

#endif /* _HVKVM_STORVSP_H */
