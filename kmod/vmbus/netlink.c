// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm VMBus host: the generic netlink family "hvkvm_vmbus".
 *
 * Admin-only, every operation validated against its own policy, every
 * refusal with an extack message. Handlers take vmbus_lock to find a VM
 * and the VM's mutex to read it; never vid_lock.
 */
#include <net/genetlink.h>
#include <linux/slab.h>

#include "vmbus.h"

static const struct nla_policy vmbus_name_policy[HVKVM_VMBUS_A_MAX + 1] = {
	[HVKVM_VMBUS_A_VM_NAME]	= { .type = NLA_NUL_STRING,
				    .len = HVKVM_VID_NAME_MAX - 1 },
};

static const struct genl_multicast_group vmbus_mcgrps[] = {
	{ .name = HVKVM_VMBUS_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family vmbus_family;

/* The VM attr (VM_NAME) names, with a reference, or an error with extack. */
static struct vmbus_vm *vmbus_lookup(struct nlattr *attr,
				     struct netlink_ext_ack *extack)
{
	struct vmbus_vm *vm;

	if (!attr) {
		NL_SET_ERR_MSG(extack, "missing vm name");
		return ERR_PTR(-EINVAL);
	}
	vm = vmbus_vm_find(nla_data(attr));
	if (!vm) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "no running partition has this name");
		return ERR_PTR(-ENOENT);
	}
	return vm;
}

/* One channel: the nest HVKVM_VMBUS_A_CHANNEL. Under vm->lock. */
static int vmbus_fill_channel(struct sk_buff *skb, struct vmbus_channel *ch)
{
	struct nlattr *nest = nla_nest_start(skb, HVKVM_VMBUS_A_CHANNEL);
	bool open = ch->c.state == VMB_CHAN_OPEN;

	/* no class: a rescinded channel whose VSP has gone (vsp.c) */
	if (!nest ||
	    (ch->dev &&
	     nla_put_string(skb, HVKVM_VMBUS_CHANNEL_A_CLASS, ch->dev->cls->name)) ||
	    nla_put(skb, HVKVM_VMBUS_CHANNEL_A_IF_TYPE, 16, ch->c.if_type.b) ||
	    nla_put(skb, HVKVM_VMBUS_CHANNEL_A_INSTANCE, 16, ch->c.if_instance.b) ||
	    nla_put_u32(skb, HVKVM_VMBUS_CHANNEL_A_SUB_INDEX, ch->c.sub_index) ||
	    nla_put_u32(skb, HVKVM_VMBUS_CHANNEL_A_RELID, ch->c.relid) ||
	    nla_put_u32(skb, HVKVM_VMBUS_CHANNEL_A_CONN_ID, ch->c.conn_id) ||
	    nla_put_u32(skb, HVKVM_VMBUS_CHANNEL_A_STATE, vmbus_chan_state(ch)) ||
	    (open && ((ch->c.target_vp != VMB_VP_NO_INTERRUPT &&
		       nla_put_u32(skb, HVKVM_VMBUS_CHANNEL_A_TARGET_VP, ch->c.target_vp)) ||
		      nla_put_u32(skb, HVKVM_VMBUS_CHANNEL_A_RING_IN, ch->in.size) ||
		      nla_put_u32(skb, HVKVM_VMBUS_CHANNEL_A_RING_OUT, ch->out.size))) ||
	    nla_put_u64_64bit(skb, HVKVM_VMBUS_CHANNEL_A_PKTS_IN,
			      atomic64_read(&ch->pkts_in), HVKVM_VMBUS_CHANNEL_A_PAD) ||
	    nla_put_u64_64bit(skb, HVKVM_VMBUS_CHANNEL_A_PKTS_OUT,
			      atomic64_read(&ch->pkts_out), HVKVM_VMBUS_CHANNEL_A_PAD) ||
	    nla_put_u64_64bit(skb, HVKVM_VMBUS_CHANNEL_A_SIGNALS_IN,
			      atomic64_read(&ch->signals_in), HVKVM_VMBUS_CHANNEL_A_PAD) ||
	    nla_put_u64_64bit(skb, HVKVM_VMBUS_CHANNEL_A_SIGNALS_OUT,
			      atomic64_read(&ch->signals_out), HVKVM_VMBUS_CHANNEL_A_PAD) ||
	    (ch->failed && ch->error[0] &&
	     nla_put_string(skb, HVKVM_VMBUS_CHANNEL_A_ERROR, ch->error)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The VM's record; its channels are CHANNEL_GET's. */
static int vmbus_fill_vm(struct sk_buff *skb, struct vmbus_vm *vm, u32 portid,
			 u32 seq, int flags, struct netlink_callback *cb)
{
	void *hdr;
	int err = -EMSGSIZE;

	hdr = genlmsg_put(skb, portid, seq, &vmbus_family, flags,
			  HVKVM_VMBUS_CMD_VM_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	mutex_lock(&vm->lock);
	if (nla_put_string(skb, HVKVM_VMBUS_A_VM_NAME, vm->name) ||
	    nla_put_u8(skb, HVKVM_VMBUS_A_CONNECTED, vm->bus.connected) ||
	    (vm->bus.connected &&
	     nla_put_u32(skb, HVKVM_VMBUS_A_VERSION, vm->bus.version)) ||
	    nla_put_u64_64bit(skb, HVKVM_VMBUS_A_MSGS_IN, vm->bus.stats.msgs_in,
			      HVKVM_VMBUS_A_PAD) ||
	    nla_put_u64_64bit(skb, HVKVM_VMBUS_A_MSGS_OUT, vm->bus.stats.msgs_out,
			      HVKVM_VMBUS_A_PAD) ||
	    nla_put_u64_64bit(skb, HVKVM_VMBUS_A_FAULTS, vm->bus.stats.faults,
			      HVKVM_VMBUS_A_PAD))
		goto out;
	err = 0;
out:
	mutex_unlock(&vm->lock);
	if (err) {
		genlmsg_cancel(skb, hdr);
		return err;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int vmbus_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	struct vmbus_vm *vm = vmbus_lookup(info->attrs[HVKVM_VMBUS_A_VM_NAME],
					   info->extack);
	struct sk_buff *msg;
	int err;

	if (IS_ERR(vm))
		return PTR_ERR(vm);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		vmbus_vm_put(vm);
		return -ENOMEM;
	}
	err = vmbus_fill_vm(msg, vm, info->snd_portid, info->snd_seq, 0, NULL);
	vmbus_vm_put(vm);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * cb->args[0]: how many VMs were sent. A VM that comes or goes between
 * two parts of a dump moves that cursor: the dump is flagged inconsistent
 * (NLM_F_DUMP_INTR), as VID's is.
 */
static int vmbus_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vmbus_vm *vm;
	long i = 0;
	int err = 0;

	mutex_lock(&vmbus_lock);
	cb->seq = vmbus_generation;
	list_for_each_entry(vm, &vmbus_vms, node) {
		if (i++ < cb->args[0])
			continue;
		err = vmbus_fill_vm(skb, vm, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		if (err)
			break;
		cb->args[0]++;
	}
	mutex_unlock(&vmbus_lock);
	if (err && !skb->len)
		return err;
	return skb->len;
}

/*
 * CHANNEL_GET: the channels of one VM, a message each, by relid. The VM
 * is looked up in the first pass, not in a .start: 6.1 gives a dump's
 * start no extack, its passes have one (the NLMSG_DONE carries it). The
 * dump keeps the VM's reference until .done, and takes vm->lock in each
 * pass; a VM that ends meanwhile has no channel left to send. A channel
 * added or gone between two passes (vm->chans_gen) flags the dump
 * NLM_F_DUMP_INTR; a channel's state changing does not.
 */
struct vmbus_chan_dump_ctx {
	struct vmbus_vm *vm;		/* from the first pass to .done */
	u32 next_relid;			/* where the next pass resumes */
};

static int vmbus_fill_chan_msg(struct sk_buff *skb, struct netlink_callback *cb,
			       struct vmbus_vm *vm, struct vmb_chan *c)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &vmbus_family, NLM_F_MULTI,
			  HVKVM_VMBUS_CMD_CHANNEL_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_string(skb, HVKVM_VMBUS_A_VM_NAME, vm->name) ||
	    vmbus_fill_channel(skb, container_of(c, struct vmbus_channel, c))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int vmbus_chan_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vmbus_chan_dump_ctx *ctx = (struct vmbus_chan_dump_ctx *)cb->ctx;
	struct vmbus_vm *vm = ctx->vm;
	u32 relid;
	int err = 0;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	if (!vm) {
		vm = vmbus_lookup(hvkvm_dumpit_attrs(cb)[HVKVM_VMBUS_A_VM_NAME],
				  cb->extack);
		if (IS_ERR(vm))
			return PTR_ERR(vm);
		ctx->vm = vm;
		ctx->next_relid = 1;
	}
	mutex_lock(&vm->lock);
	cb->seq = vm->chans_gen;
	for (relid = ctx->next_relid; relid <= vm->bus.relid_max; relid++) {
		struct vmb_chan *c = vm->bus.chans[relid];

		if (!c)
			continue;
		err = vmbus_fill_chan_msg(skb, cb, vm, c);
		if (err)
			break;
	}
	mutex_unlock(&vm->lock);
	ctx->next_relid = relid;

	/* A partial message means "call again"; an empty one with an error ends. */
	if (err && !skb->len)
		return err;
	return skb->len;
}

static int vmbus_chan_dump_done(struct netlink_callback *cb)
{
	struct vmbus_chan_dump_ctx *ctx = (struct vmbus_chan_dump_ctx *)cb->ctx;

	vmbus_vm_put(ctx->vm);
	return 0;
}

static const struct genl_ops vmbus_ops[] = {
	{
		.cmd = HVKVM_VMBUS_CMD_VM_GET,
		.doit = vmbus_cmd_get,
		.dumpit = vmbus_dump,
		.policy = vmbus_name_policy,
		.maxattr = HVKVM_VMBUS_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VMBUS_CMD_CHANNEL_GET,
		.dumpit = vmbus_chan_dump,
		.done = vmbus_chan_dump_done,
		.policy = vmbus_name_policy,
		.maxattr = HVKVM_VMBUS_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family vmbus_family __ro_after_init = {
	.name = HVKVM_VMBUS_GENL_NAME,
	.version = HVKVM_VMBUS_GENL_VERSION,
	.module = THIS_MODULE,
	.parallel_ops = true,
	.ops = vmbus_ops,
	.n_ops = ARRAY_SIZE(vmbus_ops),
	.mcgrps = vmbus_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vmbus_mcgrps),
};

void vmbus_notify(struct vmbus_vm *vm, u32 event, u32 version)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&vmbus_family, &init_net, 0))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &vmbus_family, 0, HVKVM_VMBUS_CMD_EVENT);
	if (!hdr || nla_put_string(msg, HVKVM_VMBUS_A_VM_NAME, vm->name) ||
	    nla_put_u32(msg, HVKVM_VMBUS_A_EVENT, event) ||
	    (version && nla_put_u32(msg, HVKVM_VMBUS_A_VERSION, version))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&vmbus_family, msg, 0, 0, GFP_KERNEL);
}

int __init vmbus_netlink_init(void)
{
	return genl_register_family(&vmbus_family);
}

void vmbus_netlink_exit(void)
{
	genl_unregister_family(&vmbus_family);
}
