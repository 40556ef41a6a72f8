// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm VMBus host: the VSPs, providers told of every running VM.
 *
 * A VSP registers once. VMBus calls its vm_attach for every VM that runs
 * (those running at its registration, then each whose worker attaches),
 * its vm_shutdown when a graceful stop is asked for a VM, and its
 * vm_detach when a VM goes or the VSP unregisters; then VMBus releases
 * whatever devices of the VSP remain in that VM. Every hook runs under
 * vmbus_vsp_lock, so hooks never run at the same time, nor during a
 * registration. The VMs are on a list of their own here (vmbus_vsp_vms),
 * from their attach to their detach, under the same lock: a VSP that
 * registers or unregisters and a VM that comes or goes cannot miss each
 * other.
 */
#include <linux/module.h>

#include "vmbus.h"

static DEFINE_MUTEX(vmbus_vsp_lock);
static LIST_HEAD(vmbus_vsps);			/* in registration order */
static LIST_HEAD(vmbus_vsp_vms);		/* attached VMs */
static const struct vmbus_vsp *vmbus_vsp_slots[VMBUS_VSP_MAX];

static void vmbus_vsp_set(struct vmbus_vm *vm, const struct vmbus_vsp *vsp,
			  enum vmbus_vm_vsp_state state)
{
	struct vmbus_vm_vsp *s = &vm->vsps[vsp->slot];

	lockdep_assert_held(&vm->lock);
	s->state = state;
	if (state == VMBUS_VSP_OFF) {
		WRITE_ONCE(s->vsp, NULL);
		WRITE_ONCE(s->data, NULL);
	} else {
		WRITE_ONCE(s->vsp, vsp);
	}
}

/* Under vmbus_vsp_lock. */
static void vmbus_vsp_attach(struct vmbus_vm *vm, struct vmbus_vsp *vsp)
{
	int err;

	/* Its module is being unloaded: it unregisters next. */
	if (!try_module_get(vsp->owner))
		return;
	mutex_lock(&vm->lock);
	vmbus_vsp_set(vm, vsp, VMBUS_VSP_ATTACHED);
	mutex_unlock(&vm->lock);
	err = vsp->vm_attach(vm);
	if (err) {
		pr_err("%s: %s cannot serve the VM: %d\n", vm->name, vsp->name,
		       err);
		mutex_lock(&vm->lock);
		vmbus_vsp_set(vm, vsp, VMBUS_VSP_DETACHING);
		vmbus_vsp_release_devices_locked(vm, vsp);
		vmbus_vsp_set(vm, vsp, VMBUS_VSP_OFF);
		mutex_unlock(&vm->lock);
	}
	module_put(vsp->owner);
}

/*
 * Under vmbus_vsp_lock. With @release, the VSP's devices that remain are
 * released here (it unregisters); without, the bus's end, which follows
 * under the same lock, releases them (the VM goes: no rescinds).
 */
static void vmbus_vsp_detach(struct vmbus_vm *vm, struct vmbus_vsp *vsp,
			     bool release)
{
	struct vmbus_vm_vsp *s = &vm->vsps[vsp->slot];

	if (s->vsp != vsp || s->state != VMBUS_VSP_ATTACHED)
		return;
	mutex_lock(&vm->lock);
	vmbus_vsp_set(vm, vsp, VMBUS_VSP_DETACHING);
	mutex_unlock(&vm->lock);
	vsp->vm_detach(vm);
	mutex_lock(&vm->lock);
	if (release)
		vmbus_vsp_release_devices_locked(vm, vsp);
	vmbus_vsp_set(vm, vsp, VMBUS_VSP_OFF);
	mutex_unlock(&vm->lock);
}

/* A worker attached the VM (under vid_lock): every VSP serves it. */
void vmbus_vsps_attach_vm(struct vmbus_vm *vm)
{
	struct vmbus_vsp *vsp;

	mutex_lock(&vmbus_vsp_lock);
	list_add_tail(&vm->vsp_node, &vmbus_vsp_vms);
	list_for_each_entry(vsp, &vmbus_vsps, node)
		vmbus_vsp_attach(vm, vsp);
	mutex_unlock(&vmbus_vsp_lock);
}

/* A graceful stop (under vid_lock): every VSP may ask the guest. */
void vmbus_vsps_shutdown_vm(struct vmbus_vm *vm)
{
	struct vmbus_vsp *vsp;

	mutex_lock(&vmbus_vsp_lock);
	list_for_each_entry(vsp, &vmbus_vsps, node) {
		const struct vmbus_vm_vsp *s = &vm->vsps[vsp->slot];

		if (s->vsp == vsp && s->state == VMBUS_VSP_ATTACHED &&
		    vsp->vm_shutdown)
			vsp->vm_shutdown(vm);
	}
	mutex_unlock(&vmbus_vsp_lock);
}

/*
 * The VM goes (under vid_lock): every VSP detaches, the last registered
 * first, then @end ends its bus, which releases every device, still
 * under vmbus_vsp_lock: no VSP can unregister while devices of its
 * classes remain.
 */
void vmbus_vsps_detach_vm(struct vmbus_vm *vm, void (*end)(struct vmbus_vm *vm))
{
	struct vmbus_vsp *vsp;

	mutex_lock(&vmbus_vsp_lock);
	list_del(&vm->vsp_node);
	list_for_each_entry_reverse(vsp, &vmbus_vsps, node)
		vmbus_vsp_detach(vm, vsp, false);
	end(vm);
	mutex_unlock(&vmbus_vsp_lock);
}

int vmbus_vsp_register(struct vmbus_vsp *vsp)
{
	struct vmbus_vsp *other;
	struct vmbus_vm *vm;
	unsigned int slot;
	int err = 0;

	if (!vsp->name || !vsp->vm_attach || !vsp->vm_detach)
		return -EINVAL;
	mutex_lock(&vmbus_vsp_lock);
	list_for_each_entry(other, &vmbus_vsps, node) {
		if (!strcmp(other->name, vsp->name)) {
			err = -EEXIST;
			goto out;
		}
	}
	for (slot = 0; slot < VMBUS_VSP_MAX && vmbus_vsp_slots[slot]; slot++)
		;
	if (slot == VMBUS_VSP_MAX) {
		err = -ENOSPC;
		goto out;
	}
	vmbus_vsp_slots[slot] = vsp;
	vsp->slot = slot;
	list_add_tail(&vsp->node, &vmbus_vsps);
	list_for_each_entry(vm, &vmbus_vsp_vms, vsp_node)
		vmbus_vsp_attach(vm, vsp);
out:
	mutex_unlock(&vmbus_vsp_lock);
	return err;
}
EXPORT_SYMBOL_GPL(vmbus_vsp_register);

/*
 * Detach from every VM, the guests' channels rescinded, and release every
 * device of the VSP's classes before returning, without waiting for the
 * guests.
 */
void vmbus_vsp_unregister(struct vmbus_vsp *vsp)
{
	struct vmbus_vm *vm;

	mutex_lock(&vmbus_vsp_lock);
	list_for_each_entry(vm, &vmbus_vsp_vms, vsp_node)
		vmbus_vsp_detach(vm, vsp, true);
	list_del(&vsp->node);
	vmbus_vsp_slots[vsp->slot] = NULL;
	mutex_unlock(&vmbus_vsp_lock);
}
EXPORT_SYMBOL_GPL(vmbus_vsp_unregister);

void *vmbus_vm_vsp_data(const struct vmbus_vm *vm, const struct vmbus_vsp *vsp)
{
	const struct vmbus_vm_vsp *s = &vm->vsps[vsp->slot];

	return READ_ONCE(s->vsp) == vsp ? READ_ONCE(s->data) : NULL;
}
EXPORT_SYMBOL_GPL(vmbus_vm_vsp_data);

void vmbus_vm_set_vsp_data(struct vmbus_vm *vm, const struct vmbus_vsp *vsp,
			   void *data)
{
	struct vmbus_vm_vsp *s = &vm->vsps[vsp->slot];

	if (READ_ONCE(s->vsp) == vsp)
		WRITE_ONCE(s->data, data);
}
EXPORT_SYMBOL_GPL(vmbus_vm_set_vsp_data);
