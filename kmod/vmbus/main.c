// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm VMBus host: the module, and each running partition's bus.
 *
 * VMBus registers with VID as its client. When a worker attaches a
 * partition, VMBus sets up its bus and tells the VSPs (vsp.c); the
 * guest's HvPostMessage calls arrive (under vid_lock, in the worker's
 * vCPU thread) and are queued, in order, for the VM's message work, which
 * runs the channel protocol under the VM's own mutex. When the worker
 * goes, everything of the VM is closed and freed before detach returns.
 */
#include <linux/cgroup.h>
#include <linux/module.h>
#include <linux/sched/task.h>
#include <net/genetlink.h>
#include <linux/slab.h>
#include <asm/hyperv-tlfs.h>

#include "vmbus.h"

DEFINE_MUTEX(vmbus_lock);
LIST_HEAD(vmbus_vms);
unsigned long vmbus_generation;	/* vmbus_vms changed; under vmbus_lock */
struct workqueue_struct *vmbus_wq;	/* GPADL frees (gpadl.c) */

struct vmbus_msg {
	struct list_head node;
	u32 conn_id;
	u32 len;
	u8 data[HV_MESSAGE_PAYLOAD_BYTE_COUNT];
};

static void vmbus_vm_release(struct kref *ref)
{
	kvfree(container_of(ref, struct vmbus_vm, ref));
}

void vmbus_vm_put(struct vmbus_vm *vm)
{
	if (vm)
		kref_put(&vm->ref, vmbus_vm_release);
}
EXPORT_SYMBOL_GPL(vmbus_vm_put);

struct vmbus_vm *vmbus_vm_find(const char *name)
{
	struct vmbus_vm *vm;

	mutex_lock(&vmbus_lock);
	list_for_each_entry(vm, &vmbus_vms, node) {
		if (!strcmp(vm->name, name)) {
			kref_get(&vm->ref);
			mutex_unlock(&vmbus_lock);
			return vm;
		}
	}
	mutex_unlock(&vmbus_lock);
	return NULL;
}

struct vmbus_vm *vmbus_vm_get(const char *name)
{
	return vmbus_vm_find(name);
}
EXPORT_SYMBOL_GPL(vmbus_vm_get);

const char *vmbus_vm_name(const struct vmbus_vm *vm)
{
	return vm->name;
}
EXPORT_SYMBOL_GPL(vmbus_vm_name);

u32 vmbus_vm_vcpus(const struct vmbus_vm *vm)
{
	return vm->nvps;
}
EXPORT_SYMBOL_GPL(vmbus_vm_vcpus);

bool vmbus_vm_clock_offset(const struct vmbus_vm *vm, s64 *offset)
{
	*offset = vm->clock_offset;
	return vm->has_clock;
}
EXPORT_SYMBOL_GPL(vmbus_vm_clock_offset);

/* ---- the guest's messages ---- */

/*
 * The guest's messages, in order. Nothing new is taken from the guest
 * while answers wait for it to take the earlier ones (as OpenVMM does):
 * its messages wait here meanwhile (up to VMBUS_MSG_QUEUE_MAX, then its
 * HvPostMessage says "try again"), and VID's space handler runs this
 * again once the guest has made room.
 */
static void vmbus_msg_work(struct kthread_work *work)
{
	struct vmbus_vm *vm = container_of(work, struct vmbus_vm, msg_work);
	struct vmbus_msg *m;
	bool wait;
	int err;

	for (;;) {
		mutex_lock(&vm->lock);
		if (vm->dead || !vmb_bus_flush(&vm->bus)) {
			mutex_unlock(&vm->lock);
			break;
		}
		spin_lock(&vm->msg_lock);
		m = list_first_entry_or_null(&vm->msgs, struct vmbus_msg, node);
		if (m) {
			list_del(&m->node);
			vm->nmsgs--;
		}
		spin_unlock(&vm->msg_lock);
		err = m ? vmb_bus_message(&vm->bus, m->conn_id, m->data,
					  m->len) : 0;
		if (err == -EAGAIN) {
			/*
			 * Its answer waits for devices to let go of the
			 * guest's pages: it stays first, and the last put of
			 * such a GPADL runs this again (gpadl.c).
			 */
			spin_lock(&vm->msg_lock);
			list_add(&m->node, &vm->msgs);
			vm->nmsgs++;
			spin_unlock(&vm->msg_lock);
			xa_lock_irq(&vm->gpadls);
			wait = vm->gpadl_orphans || vm->msg_stopped;
			vm->msg_held = !vm->msg_stopped && vm->gpadl_orphans;
			xa_unlock_irq(&vm->gpadls);
			mutex_unlock(&vm->lock);
			/* They let go meanwhile: try again at once. */
			if (wait)
				break;
			continue;
		}
		mutex_unlock(&vm->lock);
		if (!m)
			break;
		kfree(m);
		cond_resched();
	}
}

/* VID: the guest took half of what waited for it. Atomic context. */
static void vmbus_msg_space(void *data)
{
	struct vmbus_vm *vm = data;

	kthread_queue_work(vm->kworker, &vm->msg_work);
}

/*
 * HvPostMessage, under vid_lock: queue it and answer at once. The order
 * of the queue is the order of the hypercalls' completion, which is what
 * a guest relies on (a GPADL's header, then its bodies).
 */
static u16 vmbus_post_message(struct vid_partition *p, u32 vp, u32 conn_id,
			      u32 type, const void *payload, u32 len)
{
	struct vmbus_vm *vm = vid_client_data(p);
	struct vmbus_msg *m;
	u16 status = HV_STATUS_SUCCESS;

	if (!vm || (conn_id != VMB_MESSAGE_CONN_ID &&
		    conn_id != VMB_MESSAGE_CONN_ID_4))
		return HV_STATUS_INVALID_CONNECTION_ID;
	if (type != VMB_HVMSG_TYPE)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	m = kmalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	m->conn_id = conn_id;
	m->len = min_t(u32, len, sizeof(m->data));
	memcpy(m->data, payload, m->len);
	spin_lock(&vm->msg_lock);
	if (vm->nmsgs >= VMBUS_MSG_QUEUE_MAX) {
		status = HV_STATUS_INSUFFICIENT_BUFFERS;
	} else {
		list_add_tail(&m->node, &vm->msgs);
		vm->nmsgs++;
		m = NULL;
	}
	spin_unlock(&vm->msg_lock);
	kfree(m);
	if (!status)
		kthread_queue_work(vm->kworker, &vm->msg_work);
	return status;
}

/* ---- attach and detach (under vid_lock) ---- */

/*
 * The VM's kernel thread, in its worker's cgroups (cpu, memory, ...):
 * what the guest makes the host do is charged to it, as vhost charges
 * its workers to the VMM's cgroups.
 */
static struct kthread_worker *
vmbus_kworker_create(const struct vid_partition_info *info)
{
	struct kthread_worker *kw;
	struct task_struct *owner;
	int err;

	kw = kthread_create_worker(0, "hvvmbus-%d", info->worker_pid);
	if (IS_ERR(kw))
		return kw;
	owner = get_pid_task(info->worker, PIDTYPE_PID);
	err = owner ? cgroup_attach_task_all(owner, kw->task) : -ESRCH;
	if (owner)
		put_task_struct(owner);
	if (err) {
		kthread_destroy_worker(kw);
		return ERR_PTR(err);
	}
	return kw;
}

static void vmbus_attach(struct vid_partition *p)
{
	struct vid_partition_info info;
	struct vmbus_vm *vm;

	/* Without it the guest's messages are refused (no connection). */
	/* The bus's relid table makes it large: kvzalloc. */
	vm = kvzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return;
	vid_partition_info(p, &info);
	kref_init(&vm->ref);
	strscpy(vm->name, info.name, sizeof(vm->name));
	vm->p = p;
	vm->mem = vid_memory_get(p);
	vm->nvps = info.vcpus;
	vm->has_clock = info.has_clock;
	vm->clock_offset = info.clock_offset;
	mutex_init(&vm->lock);
	INIT_LIST_HEAD(&vm->devices);
	vm->chans_gen = 1;		/* 0 would not be checked (netlink.c) */
	spin_lock_init(&vm->msg_lock);
	INIT_LIST_HEAD(&vm->msgs);
	kthread_init_work(&vm->msg_work, vmbus_msg_work);
	spin_lock_init(&vm->sub_lock);
	INIT_LIST_HEAD(&vm->sub_reqs);
	kthread_init_work(&vm->sub_work, vmbus_sub_work);
	xa_init_flags(&vm->gpadls, XA_FLAGS_LOCK_IRQ);
	vmb_bus_init(&vm->bus, &vmbus_bus_ops, vm->nvps, VMBUS_CONN_BASE,
		     VMBUS_RELID_MAX);
	vm->kworker = vmbus_kworker_create(&info);
	if (IS_ERR(vm->kworker)) {
		pr_err("%s: no kernel thread for the VM's bus: %ld\n", vm->name,
		       PTR_ERR(vm->kworker));
		vid_memory_put(vm->mem);
		kvfree(vm);
		return;
	}

	/* The VSPs: a VSP that fails is logged, and the VM runs without it. */
	vmbus_vsps_attach_vm(vm);
	mutex_lock(&vmbus_lock);
	list_add_tail(&vm->node, &vmbus_vms);
	vmbus_generation++;
	mutex_unlock(&vmbus_lock);
	vid_set_space_handler(p, vmbus_msg_space, vm);
	vid_set_client_data(p, vm);
}

/*
 * The bus's end, once every VSP detached (under vmbus_vsp_lock): every
 * channel is closed and every device released; nothing more happens.
 */
static void vmbus_bus_end(struct vmbus_vm *vm)
{
	mutex_lock(&vm->lock);
	vmb_bus_destroy(&vm->bus);
	vm->dead = true;
	vm->p = NULL;
	mutex_unlock(&vm->lock);
}

static void vmbus_detach(struct vid_partition *p)
{
	struct vmbus_vm *vm = vid_client_data(p);
	struct vmbus_msg *m, *tmp;

	if (!vm)
		return;
	mutex_lock(&vmbus_lock);
	list_del(&vm->node);
	vmbus_generation++;
	mutex_unlock(&vmbus_lock);

	/*
	 * No message comes any more (they come under vid_lock), and once
	 * the space handler is cleared nothing queues the work again.
	 */
	vid_set_space_handler(p, NULL, NULL);
	xa_lock_irq(&vm->gpadls);
	vm->msg_stopped = true;
	vm->msg_held = false;
	xa_unlock_irq(&vm->gpadls);
	kthread_cancel_work_sync(&vm->msg_work);
	list_for_each_entry_safe(m, tmp, &vm->msgs, node)
		kfree(m);
	INIT_LIST_HEAD(&vm->msgs);
	vm->nmsgs = 0;

	vmbus_vsps_detach_vm(vm, vmbus_bus_end);
	/* Every channel is closed: nothing queues work any more. */
	kthread_destroy_worker(vm->kworker);
	vm->kworker = NULL;
	vid_memory_put(vm->mem);
	vm->mem = NULL;
	vid_set_client_data(p, NULL);
	kref_put(&vm->ref, vmbus_vm_release);
}

/* A graceful stop: each VSP may ask the guest its own way (the ICs do). */
static void vmbus_shutdown(struct vid_partition *p)
{
	struct vmbus_vm *vm = vid_client_data(p);

	if (vm)
		vmbus_vsps_shutdown_vm(vm);
}

static const struct vid_client_ops vmbus_client = {
	.owner		= THIS_MODULE,
	.attach		= vmbus_attach,
	.post_message	= vmbus_post_message,
	.shutdown	= vmbus_shutdown,
	.detach		= vmbus_detach,
};

static int __init vmbus_init(void)
{
	int err;

	vmbus_wq = alloc_workqueue("hvkvm_vmbus", WQ_UNBOUND, 0);
	if (!vmbus_wq)
		return -ENOMEM;
	err = vmbus_netlink_init();
	if (err)
		goto err_wq;
	err = vid_register_client(&vmbus_client);
	if (err) {
		pr_err("VID has another client already\n");
		goto err_nl;
	}
	return 0;
err_nl:
	vmbus_netlink_exit();
err_wq:
	destroy_workqueue(vmbus_wq);
	return err;
}

static void __exit vmbus_exit(void)
{
	/* Detaches from every VM: everything closes before this returns. */
	vid_unregister_client(&vmbus_client);
	vmbus_netlink_exit();
	/* GPADLs freed after their VM: the last frees the VM too. */
	destroy_workqueue(vmbus_wq);
}

module_init(vmbus_init);
module_exit(vmbus_exit);

MODULE_LICENSE("GPL");
MODULE_ALIAS_GENL_FAMILY(HVKVM_VMBUS_GENL_NAME);
MODULE_DESCRIPTION("hvkvm VMBus host: channels, rings, and the VSPs' API");
