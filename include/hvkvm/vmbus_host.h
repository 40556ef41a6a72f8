/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMBus host's interface for the modules that provide devices
 * (VSPs): a device class says what it serves and how; device instances
 * of a class are added to a running VM and offered to its guest as
 * channels.
 *
 * Contexts: open, close and packet run in process context and may sleep.
 * A channel's packet calls never run concurrently with each other, nor
 * with its open or close. vmbus_chan_send may be called from any context
 * but hard interrupts and the VSP's own eventfd wake-ups. release runs
 * under the VM's mutex, sometimes inside vmbus_device_remove: it must
 * not call into VMBus, nor take a lock held around vmbus_device_add or
 * vmbus_device_remove.
 *
 * A VSP registers (struct vmbus_vsp, below) to be told of every running
 * VM: it adds its devices to each in vm_attach, and VMBus releases them
 * when the VM goes or the VSP unregisters.
 */
#ifndef _HVKVM_VMBUS_HOST_H
#define _HVKVM_VMBUS_HOST_H

#ifdef __KERNEL__

#include <linux/list.h>
#include <linux/types.h>
#include <hvkvm/vmbus_proto.h>

struct module;
struct vmbus_vm;
struct vmbus_vsp;
struct vmbus_device;
struct vmbus_channel;

struct vmbus_class {
	const char *name;		/* "scsi", "heartbeat": for people */
	struct vmb_guid if_type;
	struct module *owner;
	u16 chn_flags;
	u8 user_def[120];		/* in every offer, e.g. the pipe mode */
	u32 ring_min;			/* bytes of ring data each way, */
	u32 ring_max;			/* else the open fails */
	u32 max_pkt;			/* the longest guest packet taken */
	u16 max_subchannels;		/* beyond the primary channel */
	/* The guest opened a channel; <0 fails the open. */
	int (*open)(struct vmbus_channel *ch);
	/* The channel closes (guest, rescind or VM gone). */
	void (*close)(struct vmbus_channel *ch);
	/*
	 * A packet from the guest, descriptor included, copied out of the
	 * ring (the guest cannot change it any more). Return 0 to consume
	 * it; -EAGAIN, after a vmbus_chan_send() or vmbus_chan_reserve() of
	 * this call said -ENOSPC, to leave it and be called again once the
	 * guest has freed exactly what that call needed (or on
	 * vmbus_chan_kick, or when a reservation is used or given back);
	 * other errors fail the channel (-EMSGSIZE: a reply that can never
	 * fit the guest's ring). open, close and packet must not add or
	 * remove devices: whoever closes a channel holds the VM's mutex and
	 * waits for its packet handler (vmbus_chan_enable_subchannels
	 * answers later for that reason).
	 */
	int (*packet)(struct vmbus_channel *ch, const struct vmb_pkt_desc *pkt,
		      u32 len);
	/* The device is gone from its VM (after its last close). */
	void (*release)(struct vmbus_device *dev);
	/*
	 * The registered VSP whose devices these are, or NULL. With a VSP,
	 * a device is added only to a VM the VSP is attached to, holds no
	 * reference on owner, and is released when the VSP detaches from
	 * the VM (vmbus_vsp_unregister included); without one, a device
	 * holds a reference on owner until it is released.
	 */
	const struct vmbus_vsp *vsp;
};

/* A running VM by name, with a reference; NULL when it is not running. */
struct vmbus_vm *vmbus_vm_get(const char *name);
void vmbus_vm_put(struct vmbus_vm *vm);
/* What a VSP may know of a VM; fixed while it runs. */
const char *vmbus_vm_name(const struct vmbus_vm *vm);
u32 vmbus_vm_vcpus(const struct vmbus_vm *vm);
/*
 * The guest's clock: true, and *offset = CLOCK_REALTIME minus the
 * guest's kvmclock (ns), when the worker told VID; else false.
 */
bool vmbus_vm_clock_offset(const struct vmbus_vm *vm, s64 *offset);

/*
 * ---- VSPs: providers told of every running VM ----
 *
 * vmbus_vsp_register: vm_attach is called for every VM running now, and
 * then for every VM whose worker attaches, until vmbus_vsp_unregister.
 * -ENOSPC when VMBUS_VSP_MAX providers are registered, -EEXIST when one
 * of the same name is.
 *
 * vm_attach: the VM runs. Add your devices (vmbus_device_add), keep your
 * state (vmbus_vm_set_vsp_data). On failure, undo what you did: VMBus
 * removes and releases what devices you added, logs the failure, does
 * not call vm_detach, and the VM runs without you.
 * vm_shutdown (optional): a graceful stop was asked for the VM; ask the
 * guest your own way (the shutdown IC). Must not wait.
 * vm_detach: the VM goes (its worker left), or you unregister. Stop
 * your work for it (timers, requests waiting for the guest); from now
 * on vmbus_device_add of your classes fails with -ENODEV. You need not
 * remove your devices: after vm_detach returns VMBus removes and
 * releases every device of yours still there. When the VM goes the
 * guest is gone; when you unregister, their channels are rescinded and
 * VMBus does not wait for the guest to release them (it keeps the
 * relids until the guest does). So release may come after vm_detach:
 * keep what release needs until then. vm_detach is called once for
 * each vm_attach that succeeded.
 *
 * Contexts: the hooks run in process context, one at a time (all VMs,
 * all VSPs, under a mutex of VMBus's), never two for the same VM and
 * VSP at once; they may sleep and call vmbus_vm_get, vmbus_device_add
 * and vmbus_device_remove (vmbus_vm_get does not find a VM whose
 * worker is attaching yet: use the vm given). vm_attach, vm_shutdown
 * and vm_detach for a worker's attach, stop and exit also run under
 * VID's vid_lock: nothing in them may wait for what takes vid_lock, nor
 * register or unregister a VSP.
 *
 * Modules: VMBus takes no reference on owner while the VSP is registered
 * (vm_attach is skipped while owner is being unloaded), and a VSP's
 * devices take none: unloading the module unregisters the VSP, which
 * releases them. vmbus_vsp_unregister returns when no hook of the VSP
 * runs, and when every device of its classes is released.
 *
 * vmbus_vm_vsp_data: what vmbus_vm_set_vsp_data stored for this VSP and
 * VM, or NULL; cleared after vm_detach. Read and set without a lock of
 * VMBus's: a VSP that uses it outside its hooks and device callbacks
 * (its netlink handlers, with a vmbus_vm_get reference) serialises that
 * against its own vm_detach, e.g. with a mutex and a reference count of
 * its own.
 */
#define VMBUS_VSP_MAX		8

struct vmbus_vsp {
	const char *name;		/* "ic", "storage": for people */
	struct module *owner;
	int (*vm_attach)(struct vmbus_vm *vm);
	void (*vm_shutdown)(struct vmbus_vm *vm);
	void (*vm_detach)(struct vmbus_vm *vm);
	/* VMBus's own, while registered */
	struct list_head node;
	unsigned int slot;
};

int vmbus_vsp_register(struct vmbus_vsp *vsp);
void vmbus_vsp_unregister(struct vmbus_vsp *vsp);
void *vmbus_vm_vsp_data(const struct vmbus_vm *vm, const struct vmbus_vsp *vsp);
void vmbus_vm_set_vsp_data(struct vmbus_vm *vm, const struct vmbus_vsp *vsp,
			   void *data);

/*
 * Add a device of @cls to @vm: offered to the guest at once when it is
 * connected, else when it connects. @instance NULL picks a random one.
 * -ENODEV when the VM is gone (or, for a class of a VSP, the VSP is not
 * attached to it), -ENOSPC when its relids are taken. Process context,
 * from a VSP's hooks too; not under the VM's mutex, nor from a channel's
 * callbacks.
 */
struct vmbus_device *vmbus_device_add(struct vmbus_vm *vm,
				      const struct vmbus_class *cls,
				      const struct vmb_guid *instance,
				      void *priv);
/*
 * Give @ch's device sub-channels 1..@n (at most the class's
 * max_subchannels), offered to a connected guest after the primary;
 * asking again for as many is harmless. The answer comes later, so that
 * a packet handler may ask (making channels takes the VM's mutex, which
 * a handler must never wait for): @done(@ch, count) is called exactly
 * once, on the VM's thread, with how many sub-channels the device has
 * now, 1..k with no gap: fewer than @n when the VM has no relid left
 * (tell the guest so: netvsc waits, holding the RTNL lock, for exactly
 * as many offers as it was promised), or -ENODEV (the device is being
 * removed), or -ENOTCONN when @ch closes first (then from the close,
 * before the class's close callback). @done runs under the VM's mutex:
 * it may send (a reply for which room was reserved), not add or remove
 * devices. Returns 0, -ENOTCONN (@ch is not open) or -EBUSY (@ch's
 * previous request is still waiting). Any context but hard interrupts.
 *
 * The bus's rules apply (lib/vmbus/bus.c): when the guest closes the
 * primary its sub-channels are rescinded (class close, then release
 * when the guest lets go), and at the guest's UNLOAD, a new guest kernel
 * or a reset they go silently; the guest asks again, and the device
 * enables them again.
 */
typedef void (*vmbus_subchannels_done_t)(struct vmbus_channel *ch,
					 int count);
int vmbus_chan_enable_subchannels(struct vmbus_channel *ch, unsigned int n,
				  vmbus_subchannels_done_t done);
/*
 * Rescind it; release is called once the guest lets go of it, at once
 * when the guest does not know it (inside this call), or when the VM
 * goes. Process context; not under the VM's mutex (so not from release),
 * nor from a channel's callbacks (whoever closes the channel holds it).
 */
void vmbus_device_remove(struct vmbus_device *dev);
void *vmbus_device_priv(const struct vmbus_device *dev);

struct vmbus_device *vmbus_chan_device(const struct vmbus_channel *ch);
void *vmbus_chan_priv(const struct vmbus_channel *ch);
void vmbus_chan_set_priv(struct vmbus_channel *ch, void *priv);
u32 vmbus_chan_relid(const struct vmbus_channel *ch);
unsigned int vmbus_chan_sub_index(const struct vmbus_channel *ch);
/* OPENCHANNEL's user data (120 bytes). */
const u8 *vmbus_chan_open_data(const struct vmbus_channel *ch);

/*
 * Send one packet: the descriptor is built from @type, @flags and
 * @trans_id; @ext (@extlen bytes, a multiple of 8) follows it, then
 * @data. Returns 0, -ENOSPC when the guest's ring is full (the class's
 * packet handler is called again when it has room, if it returned
 * -EAGAIN), -ENOTCONN when the channel is not open, -EMSGSIZE when the
 * packet could never fit, or -EIO when the channel failed.
 */
int vmbus_chan_send(struct vmbus_channel *ch, u16 type, u16 flags,
		    u64 trans_id, const void *ext, u32 extlen,
		    const void *data, u32 len);
/*
 * Flow control for replies sent later, from any context (asynchronous
 * completions): before taking a request, reserve the room its reply
 * takes in the guest's ring; the reply then cannot fail for want of
 * space. @bytes is vmbus_pkt_space() of the largest reply.
 * vmbus_chan_reserve: 0, -ENOSPC (return -EAGAIN from the packet handler
 * to wait for exactly that room), -EMSGSIZE (can never fit), -ENOTCONN,
 * -EIO. vmbus_chan_send_reserved sends with a reservation of @reserved
 * bytes and gives all of it back; vmbus_chan_unreserve gives one back
 * unused (a request that ends without a reply, or a channel that
 * closes: reservations end with the channel).
 */
u32 vmbus_pkt_space(u32 extlen, u32 len);
int vmbus_chan_reserve(struct vmbus_channel *ch, u32 bytes);
void vmbus_chan_unreserve(struct vmbus_channel *ch, u32 bytes);
int vmbus_chan_send_reserved(struct vmbus_channel *ch, u32 reserved,
			     u16 type, u16 flags, u64 trans_id,
			     const void *ext, u32 extlen, const void *data,
			     u32 len);
/* Run the channel's packet processing again (e.g. after -EAGAIN). */
void vmbus_chan_kick(struct vmbus_channel *ch);
/* The guest broke the device protocol: log it and stop the channel. */
void vmbus_chan_fail(struct vmbus_channel *ch, const char *why);

/* ---- GPADLs for devices, and guest memory ---- */

struct page;
struct vmbus_gpadl;
struct vid_memory;

/*
 * A GPADL (a guest buffer the guest described to the host, by handle)
 * of @ch's device, made on any channel of the device (netvsc makes its
 * buffers on the primary and uses them from its sub-channels), with a
 * reference. @ch must be open. ERR_PTR(-ENOENT) for a handle that is
 * unknown, incomplete, or another device's; -EBUSY for the rings of an
 * open channel; -ESHUTDOWN when the guest is tearing it down; -ENOTCONN
 * when @ch is not open. Any context but hard interrupts.
 *
 * The reference keeps the pages pinned and the object valid whatever
 * happens meanwhile (the guest tears the GPADL down, the channel or the
 * device goes, the guest unloads, the VM resets or its worker dies):
 * while a device holds a GPADL the guest tore down, the guest is told
 * (GPADL_TORNDOWN) only after the last reference is put; if the
 * connection went meanwhile, never. A VSP puts every reference before
 * its module exits.
 */
struct vmbus_gpadl *vmbus_gpadl_get(struct vmbus_channel *ch, u32 handle);
/*
 * From any context, hard interrupts included. The last put after the
 * guest's teardown sends GPADL_TORNDOWN, later, from the VM's thread.
 */
void vmbus_gpadl_put(struct vmbus_gpadl *gpadl);
u32 vmbus_gpadl_handle(const struct vmbus_gpadl *gpadl);
/* Its pages (at most 8190: the wire's limit), in the guest's order. */
u32 vmbus_gpadl_npages(const struct vmbus_gpadl *gpadl);
/* Where the buffer starts in the first page, and its length in bytes. */
u32 vmbus_gpadl_offset(const struct vmbus_gpadl *gpadl);
u32 vmbus_gpadl_len(const struct vmbus_gpadl *gpadl);
/*
 * The pages, for bios and skbs (not to be changed): valid, and pinned,
 * while the reference is held. No page reference is taken (get_page()
 * for an skb frag that may outlive it).
 */
struct page **vmbus_gpadl_pages(struct vmbus_gpadl *gpadl);
/*
 * A kernel mapping of all its pages, made on first use (may sleep) and
 * kept until the object goes; the buffer is at + vmbus_gpadl_offset().
 * NULL when there is no memory for it.
 */
void *vmbus_gpadl_map(struct vmbus_gpadl *gpadl);

/*
 * The guest's memory, for packets that name guest pages themselves
 * (VMB_PKT_DATA_USING_GPA_DIRECT: vmb_pkt_gpa_ranges() in
 * hvkvm/vmbus_ring.h, then vid_memory_page() checks each page number):
 * a reference on the VM's guest-memory table (vid_memory_put() when the
 * I/O is done, from any context but hard interrupts), or NULL. From the
 * channel's open, packet and close callbacks.
 */
struct vid_memory *vmbus_chan_memory(struct vmbus_channel *ch);

/*
 * Remove @dev from @vm, where the VSP holds a reference on @vm
 * (vmbus_vm_get) taken before it added @dev: safe against the VM's end
 * (then @dev is released already, and nothing is done). A VSP calls it
 * at most once per device, and not after the device's release.
 */
void vmbus_vm_remove_device(struct vmbus_vm *vm, struct vmbus_device *dev);

#endif /* __KERNEL__ */
#endif /* _HVKVM_VMBUS_HOST_H */
