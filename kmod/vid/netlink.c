// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm VID: the generic netlink family "hvkvm_vid".
 *
 * Every operation is admin-only and validated strictly against its own
 * policy; anything a handler refuses carries an extack message. Changes are
 * multicast to the "events" group while vid_lock is held, so that listeners
 * see them in the order they were made.
 */
#include <net/genetlink.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <hvkvm/compat.h>
#include "vid.h"


static const struct nla_policy vid_boot_policy[HVKVM_VID_BOOT_A_MAX + 1] = {
	[HVKVM_VID_BOOT_A_KERNEL]	= { .type = NLA_NUL_STRING },
	[HVKVM_VID_BOOT_A_INITRD]	= { .type = NLA_NUL_STRING },
	[HVKVM_VID_BOOT_A_CMDLINE]	= { .type = NLA_NUL_STRING },
};

/* Each operation accepts only what it uses; the rest is "Unsupported". */
static const struct nla_policy vid_new_policy[HVKVM_VID_A_MAX + 1] = {
	[HVKVM_VID_A_VM_NAME]	= { .type = NLA_NUL_STRING },
	[HVKVM_VID_A_VM_MEMORY]	= { .type = NLA_U64 },
	[HVKVM_VID_A_VM_VCPUS]	= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_BOOT]	= NLA_POLICY_NESTED(vid_boot_policy),
	[HVKVM_VID_A_VM_STIMER]	= NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy vid_handle_policy[HVKVM_VID_A_MAX + 1] = {
	[HVKVM_VID_A_VM_ID]	= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_NAME]	= { .type = NLA_NUL_STRING },
};

static const struct nla_policy vid_attach_policy[HVKVM_VID_A_MAX + 1] = {
	[HVKVM_VID_A_VM_ID]		= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_NAME]		= { .type = NLA_NUL_STRING },
	[HVKVM_VID_A_VM_MEMORY_MAP]	= NLA_POLICY_NESTED(vid_memory_map_policy),
	[HVKVM_VID_A_VM_SINT_ROUTES]	= NLA_POLICY_NESTED(vid_routes_policy),
	[HVKVM_VID_A_VM_PORTS]		= NLA_POLICY_NESTED(vid_ports_policy),
	[HVKVM_VID_A_VM_CLOCK_OFFSET]	= { .type = NLA_S64 },
};

static const struct nla_policy vid_synic_policy[HVKVM_VID_A_MAX + 1] = {
	[HVKVM_VID_A_VM_ID]		= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_NAME]		= { .type = NLA_NUL_STRING },
	[HVKVM_VID_A_VM_VP]		= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_SCONTROL]	= { .type = NLA_U64 },
	[HVKVM_VID_A_VM_SIEFP]		= { .type = NLA_U64 },
	[HVKVM_VID_A_VM_SIMP]		= { .type = NLA_U64 },
};

static const struct nla_policy vid_inject_policy[HVKVM_VID_A_MAX + 1] = {
	[HVKVM_VID_A_VM_ID]		= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_NAME]		= { .type = NLA_NUL_STRING },
	[HVKVM_VID_A_VM_VP]		= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_SINT]		= NLA_POLICY_MAX(NLA_U32, 15),
	[HVKVM_VID_A_VM_MSG_TYPE]	= NLA_POLICY_MIN(NLA_U32, 1),
	[HVKVM_VID_A_VM_MSG_PAYLOAD]	= { .type = NLA_BINARY, .len = 240 },
	[HVKVM_VID_A_VM_FLAG]		= NLA_POLICY_MAX(NLA_U32, 2047),
};

static const struct nla_policy vid_hcall_policy[HVKVM_VID_A_MAX + 1] = {
	[HVKVM_VID_A_VM_ID]		= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_NAME]		= { .type = NLA_NUL_STRING },
	[HVKVM_VID_A_VM_VP]		= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_HCALL_CONTROL]	= { .type = NLA_U64 },
	[HVKVM_VID_A_VM_HCALL_INPUT]	= { .type = NLA_U64 },
};

static const struct nla_policy vid_port_bind_policy[HVKVM_VID_A_MAX + 1] = {
	[HVKVM_VID_A_VM_ID]		= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_NAME]		= { .type = NLA_NUL_STRING },
	[HVKVM_VID_A_VM_PORT_BIND]	= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_PORT_FD]	= { .type = NLA_U32 },
};

static const struct nla_policy vid_stop_policy[HVKVM_VID_A_MAX + 1] = {
	[HVKVM_VID_A_VM_ID]	= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_NAME]	= { .type = NLA_NUL_STRING },
	[HVKVM_VID_A_VM_FORCE]	= { .type = NLA_FLAG },
};

const struct nla_policy vid_crash_policy[HVKVM_VID_CRASH_A_MAX + 1] = {
	[HVKVM_VID_CRASH_A_KIND]	= NLA_POLICY_MAX(NLA_U32, HVKVM_VID_CRASH_MAX),
	[HVKVM_VID_CRASH_A_CODE]	= { .type = NLA_U32 },
	[HVKVM_VID_CRASH_A_PARAMS]	=
		NLA_POLICY_EXACT_LEN(HVKVM_VID_CRASH_PARAMS * sizeof(u64)),
	[HVKVM_VID_CRASH_A_MESSAGE]	= { .type = NLA_NUL_STRING,
					    .len = HVKVM_VID_ERROR_MAX - 1 },
};

const struct nla_policy vid_vcpu_policy[HVKVM_VID_VCPU_A_MAX + 1] = {
	[HVKVM_VID_VCPU_A_INDEX]	= { .type = NLA_U32 },
	[HVKVM_VID_VCPU_A_EXITS]	=
		NLA_POLICY_EXACT_LEN(HVKVM_VID_EXIT_COUNT * sizeof(u64)),
};

static const struct nla_policy vid_report_policy[HVKVM_VID_A_MAX + 1] = {
	[HVKVM_VID_A_VM_ID]		= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_NAME]		= { .type = NLA_NUL_STRING },
	[HVKVM_VID_A_VM_STATE]		= NLA_POLICY_MAX(NLA_U32, HVKVM_VID_STATE_MAX),
	[HVKVM_VID_A_VM_CONSOLE_LOG]	= { .type = NLA_NUL_STRING,
					    .len = HVKVM_VID_PATH_MAX - 1 },
	[HVKVM_VID_A_VM_CONSOLE_SOCK]	= { .type = NLA_NUL_STRING,
					    .len = HVKVM_VID_PATH_MAX - 1 },
	[HVKVM_VID_A_VM_ERROR]		= { .type = NLA_NUL_STRING,
					    .len = HVKVM_VID_ERROR_MAX - 1 },
	[HVKVM_VID_A_VM_CRASH]		= NLA_POLICY_NESTED(vid_crash_policy),
	[HVKVM_VID_A_VM_VCPU_STATS]	= NLA_POLICY_NESTED_ARRAY(vid_vcpu_policy),
};

static const struct nla_policy vid_set_policy[HVKVM_VID_A_MAX + 1] = {
	[HVKVM_VID_A_VM_ID]	= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_NAME]	= { .type = NLA_NUL_STRING },
	[HVKVM_VID_A_VM_MEMORY]	= { .type = NLA_U64 },
	[HVKVM_VID_A_VM_VCPUS]	= { .type = NLA_U32 },
	[HVKVM_VID_A_VM_BOOT]	= NLA_POLICY_NESTED(vid_boot_policy),
	[HVKVM_VID_A_VM_STIMER]	= NLA_POLICY_MAX(NLA_U8, 1),
};

static struct genl_family vid_family;

enum vid_mcgrp { VID_MCGRP_EVENTS };

static const struct genl_multicast_group vid_mcgrps[] = {
	[VID_MCGRP_EVENTS] = {
		.name = HVKVM_VID_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

static int vid_put_crash(struct sk_buff *skb, const struct vid_crash *c)
{
	struct nlattr *nest = nla_nest_start(skb, HVKVM_VID_A_VM_CRASH);

	if (!nest ||
	    nla_put_u32(skb, HVKVM_VID_CRASH_A_KIND, c->kind) ||
	    nla_put_u32(skb, HVKVM_VID_CRASH_A_CODE, c->code) ||
	    (c->has_params &&
	     nla_put(skb, HVKVM_VID_CRASH_A_PARAMS, sizeof(c->params),
		     c->params)) ||
	    (c->message &&
	     nla_put_string(skb, HVKVM_VID_CRASH_A_MESSAGE, c->message)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int vid_put_port_stats(struct sk_buff *skb, const struct vid_partition *p)
{
	u32 bound;
	u64 slow;

	vid_synic_port_stats(p, &bound, &slow);
	if (!p->worker_portid)
		return 0;
	return nla_put_u32(skb, HVKVM_VID_A_VM_PORTS_BOUND, bound) ||
	       nla_put_u64_64bit(skb, HVKVM_VID_A_VM_SLOW_SIGNALS, slow,
				 HVKVM_VID_A_PAD);
}

static int vid_put_vcpu_stats(struct sk_buff *skb, const struct vid_partition *p)
{
	struct nlattr *all, *one;
	u32 i;

	all = nla_nest_start(skb, HVKVM_VID_A_VM_VCPU_STATS);
	if (!all)
		return -EMSGSIZE;
	for (i = 0; i < p->exits_vcpus; i++) {
		one = nla_nest_start(skb, HVKVM_VID_VCPU_A_VCPU);
		if (!one ||
		    nla_put_u32(skb, HVKVM_VID_VCPU_A_INDEX, i) ||
		    nla_put(skb, HVKVM_VID_VCPU_A_EXITS, sizeof(p->exits[i]),
			    p->exits[i]))
			return -EMSGSIZE;
		nla_nest_end(skb, one);
	}
	nla_nest_end(skb, all);
	return 0;
}

static u64 vid_pinned_bytes(const struct vid_partition *p)
{
	const struct vid_memory *mem;

	mem = rcu_dereference_protected(p->memory, lockdep_is_held(&vid_lock));
	return mem ? (u64)mem->pinned << PAGE_SHIFT : 0;
}

static bool vid_has_uptime(const struct vid_partition *p)
{
	return p->state == HVKVM_VID_STATE_RUNNING ||
	       p->state == HVKVM_VID_STATE_PAUSED;
}

/*
 * Put p as one message; cb is the dump in progress, or NULL. The per-vCPU
 * counters go only into replies about one partition (stats).
 */
static int vid_fill_vm(struct sk_buff *skb, const struct vid_partition *p,
		       u32 portid, u32 seq, int flags, u8 cmd,
		       struct netlink_callback *cb, bool stats)
{
	const struct vid_config *cfg = &p->cfg;
	struct nlattr *boot;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &vid_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (nla_put_u32(skb, HVKVM_VID_A_VM_ID, p->id) ||
	    nla_put_string(skb, HVKVM_VID_A_VM_NAME, p->name) ||
	    nla_put_u64_64bit(skb, HVKVM_VID_A_VM_MEMORY, cfg->memory,
			      HVKVM_VID_A_PAD) ||
	    nla_put_u32(skb, HVKVM_VID_A_VM_VCPUS, cfg->vcpus) ||
	    nla_put_u32(skb, HVKVM_VID_A_VM_STATE, p->state))
		goto err;

	boot = nla_nest_start(skb, HVKVM_VID_A_VM_BOOT);
	if (!boot)
		goto err;
	if (nla_put_string(skb, HVKVM_VID_BOOT_A_KERNEL, cfg->kernel) ||
	    (cfg->initrd &&
	     nla_put_string(skb, HVKVM_VID_BOOT_A_INITRD, cfg->initrd)) ||
	    (cfg->cmdline &&
	     nla_put_string(skb, HVKVM_VID_BOOT_A_CMDLINE, cfg->cmdline)))
		goto err;
	nla_nest_end(skb, boot);

	if (nla_put_u8(skb, HVKVM_VID_A_VM_STIMER, cfg->stimer))
		goto err;

	if ((p->worker_portid &&
	     nla_put_u32(skb, HVKVM_VID_A_VM_WORKER_PID, p->worker_pid)) ||
	    (vid_pinned_bytes(p) &&
	     nla_put_u64_64bit(skb, HVKVM_VID_A_VM_PINNED, vid_pinned_bytes(p),
			       HVKVM_VID_A_PAD)) ||
	    (vid_has_uptime(p) &&
	     nla_put_u64_64bit(skb, HVKVM_VID_A_VM_UPTIME,
			       ktime_get_boottime_ns() - p->running_since,
			       HVKVM_VID_A_PAD)) ||
	    (p->console_log &&
	     nla_put_string(skb, HVKVM_VID_A_VM_CONSOLE_LOG, p->console_log)) ||
	    (p->console_sock &&
	     nla_put_string(skb, HVKVM_VID_A_VM_CONSOLE_SOCK, p->console_sock)) ||
	    (p->error && nla_put_string(skb, HVKVM_VID_A_VM_ERROR, p->error)) ||
	    (p->crashed && vid_put_crash(skb, &p->crash)) ||
	    (stats && p->exits && vid_put_vcpu_stats(skb, p)) ||
	    (stats && vid_put_port_stats(skb, p)))
		goto err;

	genlmsg_end(skb, hdr);
	return 0;
err:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static size_t vid_vm_msg_size(const struct vid_partition *p, bool stats)
{
	const struct vid_config *cfg = &p->cfg;
	size_t size;

	size = nla_total_size(sizeof(u32)) +		/* id */
	       nla_total_size(strlen(p->name) + 1) +
	       nla_total_size_64bit(sizeof(u64)) +	/* memory */
	       nla_total_size(sizeof(u32)) +		/* vcpus */
	       nla_total_size(sizeof(u32)) +		/* state */
	       nla_total_size(0) +			/* boot nest */
	       nla_total_size(strlen(cfg->kernel) + 1) +
	       (cfg->initrd ? nla_total_size(strlen(cfg->initrd) + 1) : 0) +
	       (cfg->cmdline ? nla_total_size(strlen(cfg->cmdline) + 1) : 0) +
	       nla_total_size(sizeof(u8)) +		/* stimer */
	       nla_total_size(sizeof(u32)) +		/* worker pid */
	       nla_total_size_64bit(sizeof(u64)) +	/* pinned */
	       nla_total_size_64bit(sizeof(u64)) +	/* uptime */
	       (p->console_log ? nla_total_size(strlen(p->console_log) + 1) : 0) +
	       (p->console_sock ? nla_total_size(strlen(p->console_sock) + 1) : 0) +
	       (p->error ? nla_total_size(strlen(p->error) + 1) : 0);
	if (p->crashed)
		size += nla_total_size(0) + 2 * nla_total_size(sizeof(u32)) +
			nla_total_size(sizeof(p->crash.params)) +
			(p->crash.message ?
			 nla_total_size(strlen(p->crash.message) + 1) : 0);
	if (stats)
		size += nla_total_size(sizeof(u32)) +
			nla_total_size_64bit(sizeof(u64));
	if (stats && p->exits)
		size += nla_total_size(0) + p->exits_vcpus *
			(nla_total_size(0) + nla_total_size(sizeof(u32)) +
			 nla_total_size(sizeof(p->exits[0])));
	return size;
}

/* Announce a change. Called with vid_lock held. */
void vid_notify(const struct vid_partition *p, u8 cmd)
{
	struct sk_buff *skb;

	lockdep_assert_held(&vid_lock);
	skb = genlmsg_new(vid_vm_msg_size(p, false), GFP_KERNEL);
	if (!skb)
		return;
	if (vid_fill_vm(skb, p, 0, 0, 0, cmd, NULL, false)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_multicast(&vid_family, skb, 0, VID_MCGRP_EVENTS, GFP_KERNEL);
}

/*
 * Answer a request with p's record, under the request's own command; the
 * answer to a VM_GET also carries the per-vCPU counters.
 */
int vid_reply_vm(struct genl_info *info, const struct vid_partition *p)
{
	bool stats = info->genlhdr->cmd == HVKVM_VID_CMD_VM_GET;
	struct sk_buff *skb;
	int err;

	skb = genlmsg_new(vid_vm_msg_size(p, stats), GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	err = vid_fill_vm(skb, p, info->snd_portid, info->snd_seq, 0,
			  info->genlhdr->cmd, NULL, stats);
	if (err) {
		nlmsg_free(skb);
		return err;
	}
	return genlmsg_reply(skb, info);
}

/* Answer a request with one u64 attribute, under the request's command. */
int vid_reply_u64(struct genl_info *info, int attr, u64 val)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(nla_total_size_64bit(sizeof(u64)), GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put_reply(skb, info, &vid_family, 0, info->genlhdr->cmd);
	if (!hdr || nla_put_u64_64bit(skb, attr, val, HVKVM_VID_A_PAD)) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

/* VM_HCALL's answer: the result, and a port the worker should bind. */
int vid_reply_hcall(struct genl_info *info, u64 result, bool bind,
			   u32 conn_id)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(nla_total_size_64bit(sizeof(u64)) +
			  nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put_reply(skb, info, &vid_family, 0, info->genlhdr->cmd);
	if (!hdr ||
	    nla_put_u64_64bit(skb, HVKVM_VID_A_VM_HCALL_RESULT, result,
			      HVKVM_VID_A_PAD) ||
	    (bind && nla_put_u32(skb, HVKVM_VID_A_VM_PORT_BIND, conn_id))) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

/* Tell p's worker what to do. Called with vid_lock held. */
int vid_send_request(const struct vid_partition *p, u32 action)
{
	struct sk_buff *skb;
	void *hdr;

	lockdep_assert_held(&vid_lock);
	skb = genlmsg_new(nla_total_size(sizeof(u32)) * 2 +
			  nla_total_size(HVKVM_VID_NAME_MAX), GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put(skb, 0, 0, &vid_family, 0,
			  HVKVM_VID_CMD_VM_REQUEST_NTF);
	if (!hdr || nla_put_u32(skb, HVKVM_VID_A_VM_ID, p->id) ||
	    nla_put_string(skb, HVKVM_VID_A_VM_NAME, p->name) ||
	    nla_put_u32(skb, HVKVM_VID_A_VM_ACTION, action)) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	/* A worker that is gone is detached by its socket's release. */
	return genlmsg_unicast(&init_net, skb, p->worker_portid);
}

/* The partition named by exactly one handle. Called with vid_lock held. */
struct vid_partition *vid_lookup(struct genl_info *info)
{
	struct nlattr *id = info->attrs[HVKVM_VID_A_VM_ID];
	struct nlattr *name = info->attrs[HVKVM_VID_A_VM_NAME];
	struct vid_partition *p;

	if (id && name) {
		NL_SET_ERR_MSG(info->extack,
			       "give the partition by name or by id, not both");
		return ERR_PTR(-EBADR);
	}
	if (id) {
		p = vid_partition_by_id(nla_get_u32(id));
		if (!p) {
			NL_SET_ERR_MSG_ATTR(info->extack, id,
					    "no partition has this id");
			return ERR_PTR(-ENOENT);
		}
		return p;
	}
	if (name) {
		p = vid_partition_by_name(nla_data(name));
		if (!p) {
			NL_SET_ERR_MSG_ATTR(info->extack, name,
					    "no partition has this name");
			return ERR_PTR(-ENOENT);
		}
		return p;
	}
	NL_SET_ERR_MSG(info->extack, "missing partition name or id");
	NL_SET_ERR_ATTR_MISS(info->extack, NULL, HVKVM_VID_A_VM_NAME);
	return ERR_PTR(-EINVAL);
}

/* Replace the string *dst by a copy of attr's; empty clears when allowed. */
static int vid_take_string(char **dst, const struct nlattr *attr,
			   bool empty_clears)
{
	char *s = NULL;

	if (!empty_clears || nla_len(attr) > 1 || *(char *)nla_data(attr)) {
		s = kstrdup(nla_data(attr), GFP_KERNEL);
		if (!s)
			return -ENOMEM;
	}
	kfree(*dst);
	*dst = s;
	return 0;
}

/*
 * Apply the attributes of a request to cfg (a copy the caller owns). Only
 * types are checked here; vid_check_config() checks the result whole.
 */
static int vid_parse_config(struct genl_info *info, struct vid_config *cfg)
{
	struct nlattr *boot[HVKVM_VID_BOOT_A_MAX + 1];
	struct nlattr **tb = info->attrs;
	int err;

	if (tb[HVKVM_VID_A_VM_MEMORY])
		cfg->memory = nla_get_u64(tb[HVKVM_VID_A_VM_MEMORY]);
	if (tb[HVKVM_VID_A_VM_VCPUS])
		cfg->vcpus = nla_get_u32(tb[HVKVM_VID_A_VM_VCPUS]);
	if (tb[HVKVM_VID_A_VM_STIMER])
		cfg->stimer = nla_get_u8(tb[HVKVM_VID_A_VM_STIMER]);
	if (!tb[HVKVM_VID_A_VM_BOOT])
		return 0;

	err = nla_parse_nested(boot, HVKVM_VID_BOOT_A_MAX,
			       tb[HVKVM_VID_A_VM_BOOT], vid_boot_policy,
			       info->extack);
	if (err)
		return err;
	if (boot[HVKVM_VID_BOOT_A_KERNEL]) {
		err = vid_take_string(&cfg->kernel,
				      boot[HVKVM_VID_BOOT_A_KERNEL], false);
		if (err)
			return err;
	}
	if (boot[HVKVM_VID_BOOT_A_INITRD]) {
		err = vid_take_string(&cfg->initrd,
				      boot[HVKVM_VID_BOOT_A_INITRD], true);
		if (err)
			return err;
	}
	if (boot[HVKVM_VID_BOOT_A_CMDLINE]) {
		err = vid_take_string(&cfg->cmdline,
				      boot[HVKVM_VID_BOOT_A_CMDLINE], true);
		if (err)
			return err;
	}
	return 0;
}

static int vid_cmd_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct vid_config cfg = { .stimer = true };	/* as Hyper-V offers */
	struct vid_partition *p;
	const char *name;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, HVKVM_VID_A_VM_NAME)) {
		NL_SET_ERR_MSG(info->extack, "missing partition name");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, HVKVM_VID_A_VM_MEMORY)) {
		NL_SET_ERR_MSG(info->extack, "missing memory size");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, HVKVM_VID_A_VM_VCPUS)) {
		NL_SET_ERR_MSG(info->extack, "missing vcpu count");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, HVKVM_VID_A_VM_BOOT)) {
		NL_SET_ERR_MSG(info->extack, "missing boot specification");
		return -EINVAL;
	}

	name = nla_data(tb[HVKVM_VID_A_VM_NAME]);
	err = vid_check_name(name, info->extack, tb[HVKVM_VID_A_VM_NAME]);
	if (err)
		return err;

	err = vid_parse_config(info, &cfg);
	if (!err)
		err = vid_check_config(&cfg, info->extack);
	if (err)
		goto out;

	mutex_lock(&vid_lock);
	err = vid_partition_create(name, &cfg, &p, info->extack);
	if (!err) {
		vid_notify(p, HVKVM_VID_CMD_VM_NEW_NTF);
		/* The partition exists now, even if the reply cannot go out. */
		vid_reply_vm(info, p);
	}
	mutex_unlock(&vid_lock);
out:
	vid_config_free(&cfg);
	return err;
}

static int vid_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	struct vid_partition *p;
	int err;

	mutex_lock(&vid_lock);
	p = vid_lookup(info);
	err = IS_ERR(p) ? PTR_ERR(p) : vid_reply_vm(info, p);
	mutex_unlock(&vid_lock);
	return err;
}

struct vid_dump_ctx {
	unsigned long next_id;		/* where the next pass resumes */
};

static int vid_dump_start(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct vid_dump_ctx) > sizeof(cb->ctx));
	/* One record can exceed NLMSG_GOODSIZE; every skb must hold one. */
	cb->min_dump_alloc = HVKVM_VID_MSG_MAX;
	return 0;
}

/* A handle in a dump request filters it (6.1 gives dump starts no extack). */
static bool vid_dump_wants(struct netlink_callback *cb,
			   const struct vid_partition *p)
{
	struct nlattr **tb = hvkvm_dumpit_attrs(cb);

	if (tb[HVKVM_VID_A_VM_ID] && nla_get_u32(tb[HVKVM_VID_A_VM_ID]) != p->id)
		return false;
	if (tb[HVKVM_VID_A_VM_NAME] &&
	    strcmp(nla_data(tb[HVKVM_VID_A_VM_NAME]), p->name))
		return false;
	return true;
}

static int vid_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vid_dump_ctx *ctx = (struct vid_dump_ctx *)cb->ctx;
	unsigned long id = ctx->next_id;
	struct vid_partition *p;
	int err = 0;

	mutex_lock(&vid_lock);
	cb->seq = vid_generation;
	for (p = vid_partition_next(&id); p; id++, p = vid_partition_next(&id)) {
		if (!vid_dump_wants(cb, p))
			continue;
		err = vid_fill_vm(skb, p, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, NLM_F_MULTI,
				  HVKVM_VID_CMD_VM_GET, cb, false);
		if (err)
			break;
	}
	mutex_unlock(&vid_lock);
	ctx->next_id = id;

	/* A partial message means "call again"; an empty one with an error ends. */
	if (err && !skb->len)
		return err;
	return skb->len;
}

static int vid_cmd_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct vid_partition *p;
	struct vid_config cfg;
	int err;

	if (!tb[HVKVM_VID_A_VM_MEMORY] && !tb[HVKVM_VID_A_VM_VCPUS] &&
	    !tb[HVKVM_VID_A_VM_BOOT] && !tb[HVKVM_VID_A_VM_STIMER]) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to change: give memory, vcpus, boot or stimer");
		return -EINVAL;
	}

	mutex_lock(&vid_lock);
	p = vid_lookup(info);
	if (IS_ERR(p)) {
		err = PTR_ERR(p);
		goto out_unlock;
	}
	if (p->state != HVKVM_VID_STATE_OFF) {
		NL_SET_ERR_MSG(info->extack,
			       "partition must be off to change its configuration");
		err = -EBUSY;
		goto out_unlock;
	}

	err = vid_config_dup(&cfg, &p->cfg);
	if (err)
		goto out_unlock;
	err = vid_parse_config(info, &cfg);
	if (!err)
		err = vid_check_config(&cfg, info->extack);
	if (!err) {
		vid_partition_set_config(p, &cfg);
		vid_notify(p, HVKVM_VID_CMD_VM_SET_NTF);
	}
	vid_config_free(&cfg);
out_unlock:
	mutex_unlock(&vid_lock);
	return err;
}

static int vid_cmd_del(struct sk_buff *skb, struct genl_info *info)
{
	struct vid_partition *p;
	int err = 0;

	mutex_lock(&vid_lock);
	p = vid_lookup(info);
	if (IS_ERR(p)) {
		err = PTR_ERR(p);
	} else if (p->state != HVKVM_VID_STATE_OFF &&
		   p->state != HVKVM_VID_STATE_CRASHED) {
		NL_SET_ERR_MSG(info->extack,
			       "partition must be off or crashed to be deleted");
		err = -EBUSY;
	} else {
		vid_notify(p, HVKVM_VID_CMD_VM_DEL_NTF);
		vid_partition_delete(p);
	}
	mutex_unlock(&vid_lock);
	return err;
}

static const struct genl_ops vid_ops[] = {
	{
		.cmd = HVKVM_VID_CMD_VM_NEW,
		.doit = vid_cmd_new,
		.policy = vid_new_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VID_CMD_VM_GET,
		.doit = vid_cmd_get,
		.start = vid_dump_start,
		.dumpit = vid_dump,
		.policy = vid_handle_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VID_CMD_VM_SET,
		.doit = vid_cmd_set,
		.policy = vid_set_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VID_CMD_VM_DEL,
		.doit = vid_cmd_del,
		.policy = vid_handle_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VID_CMD_VM_START,
		.doit = vid_cmd_start,
		.policy = vid_handle_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VID_CMD_VM_STOP,
		.doit = vid_cmd_stop,
		.policy = vid_stop_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VID_CMD_VM_PAUSE,
		.doit = vid_cmd_pause_resume,
		.policy = vid_handle_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VID_CMD_VM_RESUME,
		.doit = vid_cmd_pause_resume,
		.policy = vid_handle_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VID_CMD_VM_ATTACH,
		.doit = vid_cmd_attach,
		.policy = vid_attach_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VID_CMD_VM_REPORT,
		.doit = vid_cmd_report,
		.policy = vid_report_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VID_CMD_VM_SYNIC,
		.doit = vid_cmd_synic,
		.policy = vid_synic_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VID_CMD_VM_HCALL,
		.doit = vid_cmd_hcall,
		.policy = vid_hcall_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VID_CMD_VM_PORT_BIND,
		.doit = vid_cmd_port_bind,
		.policy = vid_port_bind_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VID_CMD_VM_SYNIC_POST,
		.doit = vid_cmd_synic_inject,
		.policy = vid_inject_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVKVM_VID_CMD_VM_SYNIC_SIGNAL,
		.doit = vid_cmd_synic_inject,
		.policy = vid_inject_policy,
		.maxattr = HVKVM_VID_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family vid_family __ro_after_init = {
	.name = HVKVM_VID_GENL_NAME,
	.version = HVKVM_VID_GENL_VERSION,
	.module = THIS_MODULE,
	/* vid_lock serialises what needs it; pinning must not hold genl. */
	.parallel_ops = true,
	.ops = vid_ops,
	.n_ops = ARRAY_SIZE(vid_ops),
	.mcgrps = vid_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vid_mcgrps),
};

int __init vid_netlink_init(void)
{
	return genl_register_family(&vid_family);
}

void vid_netlink_exit(void)
{
	genl_unregister_family(&vid_family);
}
