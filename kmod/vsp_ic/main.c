// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm ICs: the module, a VSP of the VMBus host.
 *
 * It registers with VMBus as a VSP (include/hvkvm/vmbus_host.h): for
 * every running VM, vm_attach makes the VM's ICs (struct hvic_vm) and
 * offers the four devices; vm_shutdown asks the guest to power off
 * through the shutdown IC; vm_detach stops them, and VMBus releases
 * the devices. The VM's ICs are kept in VMBus's per-VM slot for this
 * VSP, and on a list of their own for netlink's dumps, both under
 * hvic_lock against vm_detach.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "ic.h"

struct workqueue_struct *hvic_wq;
DEFINE_MUTEX(hvic_lock);	/* hvic_vms, the slots' data vs vm_detach */
LIST_HEAD(hvic_vms);		/* in attach order */
unsigned long hvic_generation;	/* hvic_vms changed; under hvic_lock */

static struct vmbus_vsp hvic_vsp;

void hvic_vm_put(struct hvic_vm *hv)
{
	if (hv)
		kref_put(&hv->ref, hvic_vm_free);
}

/*
 * The ICs of the running VM of this name, with a reference; NULL when no
 * such VM runs, or the ICs do not serve it.
 */
struct hvic_vm *hvic_vm_get(const char *name)
{
	struct vmbus_vm *vm = vmbus_vm_get(name);
	struct hvic_vm *hv;

	if (!vm)
		return NULL;
	mutex_lock(&hvic_lock);
	hv = vmbus_vm_vsp_data(vm, &hvic_vsp);
	if (hv)
		kref_get(&hv->ref);
	mutex_unlock(&hvic_lock);
	vmbus_vm_put(vm);
	return hv;
}

static void hvic_forget(struct vmbus_vm *vm, struct hvic_vm *hv)
{
	mutex_lock(&hvic_lock);
	vmbus_vm_set_vsp_data(vm, &hvic_vsp, NULL);
	list_del(&hv->node);
	hvic_generation++;
	mutex_unlock(&hvic_lock);
	hvic_vm_stop(hv);
	/* The slot's reference; each device holds its own until release. */
	hvic_vm_put(hv);
}

static int hvic_vm_attach(struct vmbus_vm *vm)
{
	struct hvic_vm *hv = hvic_vm_new(vm);
	int err;

	if (!hv)
		return -ENOMEM;
	mutex_lock(&hvic_lock);
	vmbus_vm_set_vsp_data(vm, &hvic_vsp, hv);
	list_add_tail(&hv->node, &hvic_vms);
	hvic_generation++;
	mutex_unlock(&hvic_lock);
	err = hvic_vm_add_devices(hv);
	if (err)	/* VMBus releases what was added */
		hvic_forget(vm, hv);
	return err;
}

/*
 * VID stops the VM gracefully: ask the guest through its shutdown IC too
 * (Hyper-V's way), without waiting; the worker presses the power button
 * all the same.
 */
static void hvic_vm_shutdown_hook(struct vmbus_vm *vm)
{
	struct hvic_vm *hv = vmbus_vm_vsp_data(vm, &hvic_vsp);

	if (hv)
		hvic_vm_shutdown(hv);
}

static void hvic_vm_detach(struct vmbus_vm *vm)
{
	struct hvic_vm *hv = vmbus_vm_vsp_data(vm, &hvic_vsp);

	if (hv)
		hvic_forget(vm, hv);
}

static struct vmbus_vsp hvic_vsp = {
	.name		= "ic",
	.owner		= THIS_MODULE,
	.vm_attach	= hvic_vm_attach,
	.vm_shutdown	= hvic_vm_shutdown_hook,
	.vm_detach	= hvic_vm_detach,
};

static int __init hvic_init(void)
{
	int err;

	hvic_wq = alloc_workqueue("hvkvm_ic", WQ_UNBOUND, 0);
	if (!hvic_wq)
		return -ENOMEM;
	err = hvic_classes_init(&hvic_vsp);
	if (err)
		goto err_wq;
	err = hvic_netlink_init();
	if (err)
		goto err_wq;
	/* Serves every VM running now, and each that starts later. */
	err = vmbus_vsp_register(&hvic_vsp);
	if (err)
		goto err_nl;
	return 0;
err_nl:
	hvic_netlink_exit();
err_wq:
	destroy_workqueue(hvic_wq);
	return err;
}

static void __exit hvic_exit(void)
{
	/*
	 * Leaves every VM: their ICs are rescinded in the guests, and every
	 * device released, before this returns (the guests' answers are
	 * not waited for). The events of the ICs' end go out first.
	 */
	vmbus_vsp_unregister(&hvic_vsp);
	hvic_netlink_exit();
	destroy_workqueue(hvic_wq);
}

module_init(hvic_init);
module_exit(hvic_exit);

MODULE_LICENSE("GPL");
MODULE_ALIAS_GENL_FAMILY(HVKVM_IC_GENL_NAME);
MODULE_DESCRIPTION("hvkvm integration components: heartbeat, shutdown, time sync, KVP");
