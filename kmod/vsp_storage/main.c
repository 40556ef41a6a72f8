// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm storvsp: the module, a VSP of the VMBus host and a fabric of
 * LIO, and the controllers' lives.
 *
 * A controller (tpgt_N of the VM's target) is offered to the guest while
 * it is enabled and the VM runs: when the VM starts (vm_attach), or when
 * it is enabled while the VM runs. It is withdrawn when it is disabled
 * or removed (its device is rescinded at once), or when the VM goes
 * (vm_detach; VMBus releases the device). Either way its LIO session is
 * then stopped, every command in flight completed, and the session
 * removed, before the TPG may go and before the TPG's next controller is
 * offered: a new guest must never meet the old one's I/O. When the VM
 * goes this happens in a work (vm_detach runs under VID's lock and must
 * not wait for I/O), which offers the next controller itself if the VM
 * is back by then.
 */
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "storvsp.h"

DEFINE_MUTEX(svp_lock);
struct workqueue_struct *svp_wq;

/* The VMs this VSP serves now, by name: under svp_lock. */
struct svp_vm {
	struct list_head node;
	struct vmbus_vm *vm;
};

static LIST_HEAD(svp_vms);

struct vmbus_vm *svp_vm_find(const char *name)
{
	struct svp_vm *v;

	lockdep_assert_held(&svp_lock);
	list_for_each_entry(v, &svp_vms, node)
		if (!strcmp(vmbus_vm_name(v->vm), name))
			return v->vm;
	return NULL;
}

/* ---- controllers ---- */

static void svp_ctl_free_work(struct work_struct *work)
{
	struct svp_ctl *ctl = container_of(work, struct svp_ctl, free_work);

	percpu_free_rwsem(&ctl->sess_sem);
	kfree(ctl);
}

/*
 * The last reference: from any process context, the VM's mutex held
 * included (a device's release), so the rest is done from a work.
 */
static void svp_ctl_free(struct kref *ref)
{
	struct svp_ctl *ctl = container_of(ref, struct svp_ctl, ref);

	WARN_ON(ctl->sess);
	queue_work(svp_wq, &ctl->free_work);
}

void svp_ctl_put(struct svp_ctl *ctl)
{
	kref_put(&ctl->ref, svp_ctl_free);
}

static struct se_session *svp_ctl_new_session(struct svp_ctl *ctl)
{
	struct se_session *sess;

	lockdep_assert_held(&ctl->setup_lock);
	reinit_completion(&ctl->close_called);
	sess = target_setup_session(&ctl->tpg->se_tpg, 0, 0,
				    TARGET_PROT_NORMAL, ctl->tpg->initiator,
				    ctl, NULL);
	if (IS_ERR(sess))
		pr_info_ratelimited("%s: controller %u: no session for %s (%ld): no ACL yet?\n",
				    ctl->vm_name, ctl->index,
				    ctl->tpg->initiator, PTR_ERR(sess));
	return sess;
}

/*
 * The controller's session, when there is none yet and the ACL for its
 * initiator exists (hvadm makes it with the first disk): 0, or why not.
 * LUNs are what that ACL maps, with its write protection.
 */
int svp_ctl_session(struct svp_ctl *ctl)
{
	struct se_session *sess;
	int err = 0;

	mutex_lock(&ctl->setup_lock);
	if (ctl->stopped || ctl->sess)
		goto out;
	sess = svp_ctl_new_session(ctl);
	if (IS_ERR(sess)) {
		err = PTR_ERR(sess);
		goto out;
	}
	percpu_down_write(&ctl->sess_sem);
	ctl->sess = sess;
	percpu_up_write(&ctl->sess_sem);
out:
	mutex_unlock(&ctl->setup_lock);
	return err;
}

/*
 * End the session: no new command starts (the guest's requests find no
 * LUN from now on), every command in flight completes, then it goes.
 * stop: for good (the controller is withdrawn).
 */
static void svp_ctl_end_session(struct svp_ctl *ctl, bool stop)
{
	struct se_session *sess;
	unsigned long flags;
	bool taken;

	mutex_lock(&ctl->setup_lock);
	if (stop)
		ctl->stopped = true;
	percpu_down_write(&ctl->sess_sem);
	sess = ctl->sess;
	ctl->sess = NULL;
	percpu_up_write(&ctl->sess_sem);
	if (sess) {
		target_stop_session(sess);
		target_wait_for_sess_cmds(sess);
		/*
		 * LIO's removal of the ACL takes the session off the ACL's
		 * list, then calls svp_close_session() for it: the session
		 * must live until that call is over.
		 */
		spin_lock_irqsave(&sess->se_node_acl->nacl_sess_lock, flags);
		taken = list_empty(&sess->sess_acl_list);
		spin_unlock_irqrestore(&sess->se_node_acl->nacl_sess_lock, flags);
		if (taken)
			wait_for_completion(&ctl->close_called);
		target_remove_session(sess);
	}
	mutex_unlock(&ctl->setup_lock);
}

/* For good; then no rescan is sent, none waits. */
void svp_ctl_stop(struct svp_ctl *ctl)
{
	svp_ctl_end_session(ctl, true);
	if (cancel_delayed_work_sync(&ctl->rescan_work))
		svp_ctl_put(ctl);
}

/* The ACL that held the session goes: end it, later (LIO waits). */
static void svp_ctl_close_work(struct work_struct *work)
{
	struct svp_ctl *ctl = container_of(work, struct svp_ctl, close_work);

	svp_ctl_end_session(ctl, false);
	svp_ctl_put(ctl);
}

/* LIO's close_session: ctl outlives its sessions. */
void svp_ctl_close_session(struct svp_ctl *ctl)
{
	kref_get(&ctl->ref);
	if (!queue_work(svp_wq, &ctl->close_work))
		svp_ctl_put(ctl);
	complete(&ctl->close_called);
}

/* A stable instance GUID per VM and controller, as Hyper-V keeps one. */
static void svp_ctl_instance(const struct svp_ctl *ctl, struct vmb_guid *g)
{
	u32 h = jhash(ctl->vm_name, strlen(ctl->vm_name), 0x73746f72);
	struct vmb_guid inst = VMB_GUID(0x73746f72, 0x6167, 0x4000, 0x80,
					0x00, 0, 0, 0, 0, 0, 0);

	inst.b[9] = ctl->index;
	memcpy(&inst.b[12], &h, sizeof(h));
	*g = inst;
}

static void svp_ctl_stop_work(struct work_struct *work);

/*
 * Offer tpg's controller to vm: under svp_lock, the TPG enabled, not
 * offered, and its previous controller stopped. On success tpg->ctl holds
 * the new controller.
 */
struct svp_ctl *svp_ctl_offer(struct svp_tpg *tpg, struct vmbus_vm *vm)
{
	struct vmbus_device *dev;
	struct se_session *sess;
	struct svp_ctl *ctl;
	struct vmb_guid inst;
	u32 vcpus;

	lockdep_assert_held(&svp_lock);
	ctl = kzalloc(sizeof(*ctl), GFP_KERNEL);
	if (!ctl)
		return ERR_PTR(-ENOMEM);
	if (percpu_init_rwsem(&ctl->sess_sem)) {
		kfree(ctl);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&ctl->ref);			/* the TPG's */
	ctl->tpg = tpg;
	ctl->vm = vm;
	ctl->index = tpg->index;
	strscpy(ctl->vm_name, vmbus_vm_name(vm), sizeof(ctl->vm_name));
	mutex_init(&ctl->setup_lock);
	init_completion(&ctl->close_called);
	spin_lock_init(&ctl->lock);
	INIT_WORK(&ctl->stop_work, svp_ctl_stop_work);
	INIT_WORK(&ctl->close_work, svp_ctl_close_work);
	INIT_WORK(&ctl->free_work, svp_ctl_free_work);
	svp_rescan_init(ctl);
	vcpus = vmbus_vm_vcpus(vm);
	vmb_stor_ctl_init(&ctl->proto, SVP_MAX_XFER,
			  min_t(u32, vcpus > 1 ? vcpus - 1 : 0, SVP_MAX_SUB));
	/*
	 * No reader yet: no need to wait for one. Without an ACL yet, the
	 * bus is empty until there is one.
	 */
	mutex_lock(&ctl->setup_lock);
	sess = svp_ctl_new_session(ctl);
	if (!IS_ERR(sess))
		ctl->sess = sess;
	mutex_unlock(&ctl->setup_lock);

	svp_ctl_instance(ctl, &inst);
	kref_get(&ctl->ref);			/* the device's */
	dev = vmbus_device_add(vm, &svp_class, &inst, ctl);
	if (IS_ERR(dev)) {
		svp_ctl_put(ctl);
		svp_ctl_stop(ctl);
		svp_ctl_put(ctl);
		return ERR_CAST(dev);
	}
	ctl->dev = dev;
	spin_lock(&tpg->ctl_lock);
	tpg->ctl = ctl;
	spin_unlock(&tpg->ctl_lock);
	pr_info("%s: SCSI controller %u offered\n", ctl->vm_name, ctl->index);
	return ctl;
}

/*
 * Offer tpg's controller if it should be: enabled, its VM running, none
 * offered, none stopping. Under svp_lock.
 */
void svp_tpg_offer(struct svp_tpg *tpg)
{
	struct vmbus_vm *vm;
	struct svp_ctl *ctl;

	lockdep_assert_held(&svp_lock);
	if (!tpg->enabled || tpg->ctl || tpg->stopping)
		return;
	vm = svp_vm_find(tpg->wwn->vm);
	if (!vm)
		return;		/* when it starts */
	ctl = svp_ctl_offer(tpg, vm);
	/* -ENODEV: the VM is going; its next start offers it */
	if (IS_ERR(ctl) && PTR_ERR(ctl) != -ENODEV)
		pr_warn("%s: SCSI controller %u not offered: %ld\n",
			tpg->wwn->vm, tpg->index, PTR_ERR(ctl));
}

/*
 * Withdraw tpg's controller from its VM, under svp_lock: its device is
 * rescinded. Returns it with the TPG's reference, for the caller to stop
 * and put outside svp_lock; NULL when none was offered.
 */
struct svp_ctl *svp_ctl_withdraw(struct svp_tpg *tpg)
{
	struct svp_ctl *ctl = tpg->ctl;

	lockdep_assert_held(&svp_lock);
	if (!ctl)
		return NULL;
	spin_lock(&tpg->ctl_lock);
	tpg->ctl = NULL;
	spin_unlock(&tpg->ctl_lock);
	/*
	 * Only this removal, and the guest's release that follows it, can
	 * free the device: vm_detach, which takes the controller from
	 * tpg->ctl under svp_lock, comes before VMBus's own release.
	 */
	vmbus_device_remove(ctl->dev);
	pr_info("%s: SCSI controller %u withdrawn\n", ctl->vm_name, ctl->index);
	return ctl;
}

/*
 * The VM went: stop; then the TPG may have its next controller, which
 * this offers if the VM is back already.
 */
static void svp_ctl_stop_work(struct work_struct *work)
{
	struct svp_ctl *ctl = container_of(work, struct svp_ctl, stop_work);
	struct svp_tpg *tpg = ctl->tpg;
	bool tpg_ref = false;

	svp_ctl_stop(ctl);
	/* drop_tpg flushes this work before it frees tpg */
	mutex_lock(&svp_lock);
	if (tpg->stopping == ctl) {
		tpg->stopping = NULL;
		tpg_ref = true;
		svp_tpg_offer(tpg);
	}
	mutex_unlock(&svp_lock);
	if (tpg_ref)
		svp_ctl_put(ctl);
	svp_ctl_put(ctl);		/* the work's */
}

/* ---- the VSP ---- */

static int svp_vm_attach(struct vmbus_vm *vm)
{
	struct svp_wwn *wwn;
	struct svp_tpg *tpg;
	struct svp_vm *v;

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	v->vm = vm;
	mutex_lock(&svp_lock);
	list_add_tail(&v->node, &svp_vms);
	wwn = svp_wwn_find(vmbus_vm_name(vm));
	if (wwn)
		list_for_each_entry(tpg, &wwn->tpgs, node)
			svp_tpg_offer(tpg);
	mutex_unlock(&svp_lock);
	return 0;
}

/*
 * The VM goes. Its controllers stop from a work: this runs under VID's
 * lock, and waiting for their I/O here would stall every other VM.
 */
static void svp_vm_detach(struct vmbus_vm *vm)
{
	struct svp_wwn *wwn;
	struct svp_tpg *tpg;
	struct svp_ctl *ctl;
	struct svp_vm *v;

	mutex_lock(&svp_lock);
	list_for_each_entry(v, &svp_vms, node) {
		if (v->vm == vm) {
			list_del(&v->node);
			kfree(v);
			break;
		}
	}
	wwn = svp_wwn_find(vmbus_vm_name(vm));
	if (wwn) {
		list_for_each_entry(tpg, &wwn->tpgs, node) {
			ctl = tpg->ctl;
			if (!ctl || ctl->vm != vm)
				continue;
			spin_lock(&tpg->ctl_lock);
			tpg->ctl = NULL;
			spin_unlock(&tpg->ctl_lock);
			/* the TPG's reference moves to tpg->stopping */
			tpg->stopping = ctl;
			kref_get(&ctl->ref);	/* the work's */
			queue_work(svp_wq, &ctl->stop_work);
		}
	}
	mutex_unlock(&svp_lock);
}

struct vmbus_vsp svp_vsp = {
	.name		= "storage",
	.owner		= THIS_MODULE,
	.vm_attach	= svp_vm_attach,
	.vm_detach	= svp_vm_detach,
};

/* ---- the module ---- */

static int __init svp_init(void)
{
	int err;

	svp_wq = alloc_workqueue("hvkvm_storvsp", WQ_UNBOUND, 0);
	if (!svp_wq)
		return -ENOMEM;
	err = svp_io_init();
	if (err)
		goto err_wq;
	err = target_register_template(&svp_ops);
	if (err)
		goto err_io;
	err = vmbus_vsp_register(&svp_vsp);
	if (err)
		goto err_fabric;
	return 0;
err_fabric:
	target_unregister_template(&svp_ops);
err_io:
	svp_io_exit();
err_wq:
	destroy_workqueue(svp_wq);
	return err;
}

/*
 * configfs holds the module while any target of the fabric exists: by
 * now none does, so no controller is offered, and none stops. Leaving
 * the VMs releases their devices; the works still queued (a controller's
 * last free) end with the workqueue.
 */
static void __exit svp_exit(void)
{
	vmbus_vsp_unregister(&svp_vsp);
	destroy_workqueue(svp_wq);
	target_unregister_template(&svp_ops);
	svp_io_exit();
}

module_init(svp_init);
module_exit(svp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvkvm storvsp: Hyper-V synthetic SCSI controllers as a LIO fabric");
