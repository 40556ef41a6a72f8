// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm ICs: the generic netlink family "hvkvm_ic".
 *
 * Admin-only, every operation validated against its own policy, every
 * refusal with an extack message. Handlers find a VM's ICs with a
 * reference (hvic_vm_get), and never take VMBus's or VID's locks but
 * through VMBus's public calls.
 */
#include <net/genetlink.h>
#include <linux/slab.h>

#include "ic.h"

static const struct nla_policy hvic_name_policy[HVKVM_IC_A_MAX + 1] = {
	[HVKVM_IC_A_VM_NAME]	= { .type = NLA_NUL_STRING,
				    .len = HVKVM_VID_NAME_MAX - 1 },
};

static struct netlink_range_validation hvic_timeout_range __ro_after_init = {
	.min = 1,
	.max = 600000,		/* ms: ten minutes */
};

static const struct nla_policy hvic_shutdown_policy[HVKVM_IC_A_MAX + 1] = {
	[HVKVM_IC_A_VM_NAME]	= { .type = NLA_NUL_STRING,
				    .len = HVKVM_VID_NAME_MAX - 1 },
	[HVKVM_IC_A_SHUTDOWN_REBOOT]	= { .type = NLA_FLAG },
	[HVKVM_IC_A_SHUTDOWN_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							   &hvic_timeout_range),
};

static const struct nla_policy hvic_kvp_set_policy[HVKVM_IC_A_MAX + 1] = {
	[HVKVM_IC_A_VM_NAME]	= { .type = NLA_NUL_STRING,
				    .len = HVKVM_VID_NAME_MAX - 1 },
	[HVKVM_IC_A_KVP_KEY]	= { .type = NLA_NUL_STRING, .len = 1023 },
	[HVKVM_IC_A_KVP_VALUE]	= { .type = NLA_NUL_STRING, .len = 4095 },
};

static const struct nla_policy hvic_set_policy[HVKVM_IC_A_MAX + 1] = {
	[HVKVM_IC_A_VM_NAME]	= { .type = NLA_NUL_STRING,
				    .len = HVKVM_VID_NAME_MAX - 1 },
	[HVKVM_IC_A_IC_NAME]	= { .type = NLA_NUL_STRING, .len = 31 },
	[HVKVM_IC_A_IC_ENABLED]	= NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct genl_multicast_group hvic_mcgrps[] = {
	{ .name = HVKVM_IC_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family hvic_family;

/* The ICs of the VM attr names, with a reference, or an error with extack. */
static struct hvic_vm *hvic_lookup(struct nlattr *attr,
				   struct netlink_ext_ack *extack)
{
	struct hvic_vm *hv;

	if (!attr) {
		NL_SET_ERR_MSG(extack, "missing vm name");
		return ERR_PTR(-EINVAL);
	}
	hv = hvic_vm_get(nla_data(attr));
	if (!hv) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "no running partition has this name");
		return ERR_PTR(-ENOENT);
	}
	return hv;
}

static int hvic_fill_vm(struct sk_buff *skb, struct hvic_vm *hv, u32 portid,
			u32 seq, int flags, struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &hvic_family, flags,
			  HVKVM_IC_CMD_VM_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_string(skb, HVKVM_IC_A_VM_NAME, hv->name) ||
	    hvic_fill(skb, hv)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int hvic_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	struct hvic_vm *hv = hvic_lookup(info->attrs[HVKVM_IC_A_VM_NAME],
					 info->extack);
	struct sk_buff *msg;
	int err;

	if (IS_ERR(hv))
		return PTR_ERR(hv);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		hvic_vm_put(hv);
		return -ENOMEM;
	}
	err = hvic_fill_vm(msg, hv, info->snd_portid, info->snd_seq, 0, NULL);
	hvic_vm_put(hv);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * cb->args[0]: how many VMs were sent. A VM that comes or goes between
 * two parts of a dump moves that cursor: the dump is flagged inconsistent
 * (NLM_F_DUMP_INTR), as VID's and VMBus's are.
 */
static int hvic_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct hvic_vm *hv;
	long i = 0;
	int err = 0;

	mutex_lock(&hvic_lock);
	cb->seq = hvic_generation;
	list_for_each_entry(hv, &hvic_vms, node) {
		if (i++ < cb->args[0])
			continue;
		err = hvic_fill_vm(skb, hv, NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		if (err)
			break;
		cb->args[0]++;
	}
	mutex_unlock(&hvic_lock);
	if (err && !skb->len)
		return err;
	return skb->len;
}

static int hvic_cmd_shutdown(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct hvic_vm *hv = hvic_lookup(tb[HVKVM_IC_A_VM_NAME], info->extack);
	u32 timeout = 30000;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (IS_ERR(hv))
		return PTR_ERR(hv);
	if (tb[HVKVM_IC_A_SHUTDOWN_TIMEOUT_MS])
		timeout = nla_get_u32(tb[HVKVM_IC_A_SHUTDOWN_TIMEOUT_MS]);
	err = hvic_shutdown(hv, nla_get_flag(tb[HVKVM_IC_A_SHUTDOWN_REBOOT]),
			    timeout, info->extack);
	hvic_vm_put(hv);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &hvic_family, 0,
				HVKVM_IC_CMD_VM_SHUTDOWN);
	if (!hdr || nla_put_u32(msg, HVKVM_IC_A_SHUTDOWN_RESULT,
				HVKVM_IC_SHUTDOWN_SENT)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int hvic_cmd_kvp_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct hvic_vm *hv;
	int err;

	if (!tb[HVKVM_IC_A_KVP_KEY] || !tb[HVKVM_IC_A_KVP_VALUE]) {
		NL_SET_ERR_MSG(info->extack, "give a key and a value");
		return -EINVAL;
	}
	hv = hvic_lookup(tb[HVKVM_IC_A_VM_NAME], info->extack);
	if (IS_ERR(hv))
		return PTR_ERR(hv);
	err = hvic_kvp_set(hv, nla_data(tb[HVKVM_IC_A_KVP_KEY]),
			   nla_data(tb[HVKVM_IC_A_KVP_VALUE]), info->extack);
	hvic_vm_put(hv);
	return err;
}

static int hvic_cmd_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct hvic_vm *hv;
	int err;

	if (!tb[HVKVM_IC_A_IC_NAME] || !tb[HVKVM_IC_A_IC_ENABLED]) {
		NL_SET_ERR_MSG(info->extack, "give the service's name and whether it is enabled");
		return -EINVAL;
	}
	hv = hvic_lookup(tb[HVKVM_IC_A_VM_NAME], info->extack);
	if (IS_ERR(hv))
		return PTR_ERR(hv);
	err = hvic_set(hv, nla_data(tb[HVKVM_IC_A_IC_NAME]),
		       nla_get_u8(tb[HVKVM_IC_A_IC_ENABLED]), info->extack);
	hvic_vm_put(hv);
	return err;
}

/*
 * KVP_GET: the pairs are gathered at the dump's start, then sent. The
 * request, validated already, is parsed again here: where the core
 * keeps a dump's attributes differs between kernels (6.2 moved them).
 */
static int hvic_kvp_start(struct netlink_callback *cb)
{
	struct nlattr *tb[HVKVM_IC_A_MAX + 1];
	struct hvic_kvp_list *list;
	struct hvic_vm *hv;
	int err;

	err = nlmsg_parse(cb->nlh, GENL_HDRLEN, tb, HVKVM_IC_A_MAX,
			  hvic_name_policy, cb->extack);
	if (err)
		return err;
	hv = hvic_lookup(tb[HVKVM_IC_A_VM_NAME], cb->extack);
	if (IS_ERR(hv))
		return PTR_ERR(hv);
	list = hvic_kvp_collect(hv);
	hvic_vm_put(hv);
	if (IS_ERR(list))
		return PTR_ERR(list);
	cb->args[0] = (long)list;
	cb->args[1] = 0;
	return 0;
}

static int hvic_kvp_done(struct netlink_callback *cb)
{
	kvfree((void *)cb->args[0]);
	return 0;
}

static int hvic_kvp_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct hvic_kvp_list *list = (void *)cb->args[0];
	void *hdr;

	for (; cb->args[1] <= list->n; cb->args[1]++) {
		struct hvic_kvp_pair *kv = &list->pairs[cb->args[1]];
		bool last = cb->args[1] == list->n;

		if (last && !list->guest_error[0])
			break;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &hvic_family,
				  NLM_F_MULTI, HVKVM_IC_CMD_KVP_GET);
		if (!hdr)
			break;
		if (last ? nla_put_string(skb, HVKVM_IC_A_KVP_GUEST_ERROR,
					  list->guest_error) :
		    (nla_put_u8(skb, HVKVM_IC_A_KVP_POOL, kv->pool) ||
		     nla_put_string(skb, HVKVM_IC_A_KVP_KEY, kv->key) ||
		     nla_put_string(skb, HVKVM_IC_A_KVP_VALUE, kv->value))) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	return skb->len;
}

static const struct genl_ops hvic_ops[] = {
	{
		.cmd = HVKVM_IC_CMD_VM_GET,
		.doit = hvic_cmd_get,
		.dumpit = hvic_dump,
		.policy = hvic_name_policy,
		.maxattr = HVKVM_IC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_IC_CMD_VM_SHUTDOWN,
		.doit = hvic_cmd_shutdown,
		.policy = hvic_shutdown_policy,
		.maxattr = HVKVM_IC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_IC_CMD_KVP_GET,
		.start = hvic_kvp_start,
		.dumpit = hvic_kvp_dump,
		.done = hvic_kvp_done,
		.policy = hvic_name_policy,
		.maxattr = HVKVM_IC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_IC_CMD_KVP_SET,
		.doit = hvic_cmd_kvp_set,
		.policy = hvic_kvp_set_policy,
		.maxattr = HVKVM_IC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_IC_CMD_IC_SET,
		.doit = hvic_cmd_set,
		.policy = hvic_set_policy,
		.maxattr = HVKVM_IC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family hvic_family __ro_after_init = {
	.name = HVKVM_IC_GENL_NAME,
	.version = HVKVM_IC_GENL_VERSION,
	.module = THIS_MODULE,
	/* KVP waits for the guest (10 s at most): never under genl_mutex. */
	.parallel_ops = true,
	.ops = hvic_ops,
	.n_ops = ARRAY_SIZE(hvic_ops),
	.mcgrps = hvic_mcgrps,
	.n_mcgrps = ARRAY_SIZE(hvic_mcgrps),
};

static void hvic_event(struct hvic_vm *hv, u32 event, bool shutdown,
		       u32 result, u32 status)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&hvic_family, &init_net, 0))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &hvic_family, 0, HVKVM_IC_CMD_EVENT);
	if (!hdr || nla_put_string(msg, HVKVM_IC_A_VM_NAME, hv->name) ||
	    nla_put_u32(msg, HVKVM_IC_A_EVENT, event) ||
	    (shutdown &&
	     (nla_put_u32(msg, HVKVM_IC_A_SHUTDOWN_RESULT, result) ||
	      (result != HVKVM_IC_SHUTDOWN_NO_ANSWER &&
	       nla_put_u32(msg, HVKVM_IC_A_GUEST_STATUS, status))))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&hvic_family, msg, 0, 0, GFP_KERNEL);
}

void hvic_notify(struct hvic_vm *hv, u32 event)
{
	hvic_event(hv, event, false, 0, 0);
}

void hvic_notify_shutdown(struct hvic_vm *hv, u32 result, u32 status)
{
	hvic_event(hv, HVKVM_IC_EVENT_SHUTDOWN_ANSWERED, true, result, status);
}

int __init hvic_netlink_init(void)
{
	return genl_register_family(&hvic_family);
}

void hvic_netlink_exit(void)
{
	genl_unregister_family(&hvic_family);
}
