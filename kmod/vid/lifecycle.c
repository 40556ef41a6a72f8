// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm VID: the lifecycle of partitions.
 *
 * A user asks (start, stop, pause, resume); VID records the request and
 * passes it to the partition's worker; the worker acts and reports; the
 * state follows the reports. The worker is whoever attached to the
 * partition: VID knows it by its netlink socket, and when that socket is
 * released (the worker exited or was killed) VID detaches it and, unless
 * the partition was stopping, marks it CRASHED with the worker's exit
 * status or signal. An attached worker holds a reference on this module.
 */
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "vid.h"

static bool vid_is_running(const struct vid_partition *p)
{
	return p->state == HVKVM_VID_STATE_STARTING ||
	       p->state == HVKVM_VID_STATE_RUNNING ||
	       p->state == HVKVM_VID_STATE_PAUSED ||
	       p->state == HVKVM_VID_STATE_STOPPING;
}

static void vid_detach(struct vid_partition *p)
{
	struct vid_memory *mem;
	struct vid_synic *synic;

	if (!p->worker_portid)
		return;
	vid_synic_detach_client(p);
	mem = rcu_dereference_protected(p->memory, lockdep_is_held(&vid_lock));
	synic = rcu_dereference_protected(p->synic, lockdep_is_held(&vid_lock));
	RCU_INIT_POINTER(p->memory, NULL);
	RCU_INIT_POINTER(p->synic, NULL);
	/*
	 * The grace period, the SynIC's end and the unpinning come later,
	 * outside vid_lock (vid_synic_retire); the SynIC holds the memory
	 * until then, and touches no guest page from now on.
	 */
	vid_memory_unaccount(mem);
	vid_synic_retire(synic);
	vid_memory_put(mem);
	p->worker_portid = 0;
	p->worker_pid = 0;
	put_pid(p->worker_tgid);
	p->worker_tgid = NULL;
	module_put(THIS_MODULE);
}

static void vid_set_state(struct vid_partition *p, enum hvkvm_vid_state state)
{
	if (state == HVKVM_VID_STATE_RUNNING &&
	    p->state == HVKVM_VID_STATE_STARTING)
		p->running_since = ktime_get_boottime_ns();
	p->state = state;
	if (!vid_is_running(p))
		vid_detach(p);
	vid_generation++;
	vid_notify(p, HVKVM_VID_CMD_VM_SET_NTF);
}

int vid_cmd_start(struct sk_buff *skb, struct genl_info *info)
{
	struct vid_partition *p;
	int err = 0;

	mutex_lock(&vid_lock);
	p = vid_lookup(info);
	if (IS_ERR(p)) {
		err = PTR_ERR(p);
	} else if (vid_is_running(p)) {
		NL_SET_ERR_MSG(info->extack, "partition is running already");
		err = -EBUSY;
	} else {
		vid_partition_clear_run(p);
		vid_set_state(p, HVKVM_VID_STATE_STARTING);
	}
	mutex_unlock(&vid_lock);
	return err;
}

int vid_cmd_stop(struct sk_buff *skb, struct genl_info *info)
{
	bool force = nla_get_flag(info->attrs[HVKVM_VID_A_VM_FORCE]);
	struct vid_partition *p;
	int err = 0;

	mutex_lock(&vid_lock);
	p = vid_lookup(info);
	if (IS_ERR(p)) {
		err = PTR_ERR(p);
		goto out;
	}
	if (!vid_is_running(p)) {
		NL_SET_ERR_MSG(info->extack, "partition is not running");
		err = -EALREADY;
		goto out;
	}
	if (!p->worker_portid) {
		/* Started, but no worker came: nothing to stop. */
		vid_set_state(p, HVKVM_VID_STATE_OFF);
		goto out;
	}
	err = vid_send_request(p, force ? HVKVM_VID_ACTION_STOP_FORCE :
					  HVKVM_VID_ACTION_STOP);
	if (err) {
		if (err != -ENOMEM)
			NL_SET_ERR_MSG(info->extack,
				       "the partition's worker cannot be reached");
		goto out;
	}
	if (!force)
		vid_synic_shutdown_client(p);
	if (p->state != HVKVM_VID_STATE_STOPPING)
		vid_set_state(p, HVKVM_VID_STATE_STOPPING);
out:
	mutex_unlock(&vid_lock);
	return err;
}

int vid_cmd_pause_resume(struct sk_buff *skb, struct genl_info *info)
{
	bool pause = info->genlhdr->cmd == HVKVM_VID_CMD_VM_PAUSE;
	enum hvkvm_vid_state from = pause ? HVKVM_VID_STATE_RUNNING :
					    HVKVM_VID_STATE_PAUSED;
	enum hvkvm_vid_state to = pause ? HVKVM_VID_STATE_PAUSED :
					  HVKVM_VID_STATE_RUNNING;
	struct vid_partition *p;
	int err = 0;

	mutex_lock(&vid_lock);
	p = vid_lookup(info);
	if (IS_ERR(p)) {
		err = PTR_ERR(p);
	} else if (p->state == to) {
		if (pause)
			NL_SET_ERR_MSG(info->extack, "partition is paused already");
		else
			NL_SET_ERR_MSG(info->extack, "partition is running, not paused");
		err = -EALREADY;
	} else if (p->state != from || !p->worker_portid) {
		if (pause)
			NL_SET_ERR_MSG(info->extack, "only a running partition can be paused");
		else
			NL_SET_ERR_MSG(info->extack, "only a paused partition can be resumed");
		err = -EBUSY;
	} else {
		err = vid_send_request(p, pause ? HVKVM_VID_ACTION_PAUSE :
						  HVKVM_VID_ACTION_RESUME);
		if (err && err != -ENOMEM)
			NL_SET_ERR_MSG(info->extack,
				       "the partition's worker cannot be reached");
	}
	mutex_unlock(&vid_lock);
	return err;
}

static bool vid_attachable(const struct vid_partition *p)
{
	return p->state == HVKVM_VID_STATE_STARTING && !p->worker_portid;
}

/* Is the socket at portid the worker of some partition already? */
static bool vid_is_worker(u32 portid)
{
	struct vid_partition *p;
	unsigned long id = 0;

	for (p = vid_partition_next(&id); p; id++, p = vid_partition_next(&id))
		if (p->worker_portid == portid)
			return true;
	return false;
}

/*
 * Pinning guest memory can take long: it is done without vid_lock, and
 * the partition is looked up again (by id) to attach.
 */
int vid_cmd_attach(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *map = info->attrs[HVKVM_VID_A_VM_MEMORY_MAP];
	struct vid_synic *synic = NULL;
	struct vid_memory *mem = NULL;
	struct vid_partition *p;
	u32 id;
	int err;

	/*
	 * A reset's worker attaches again at once: its old SynIC must be
	 * gone first, so that nothing of the old VM's reaches the new one's
	 * pages. It waits for that, outside vid_lock.
	 */
	vid_synic_reap_wait();
	mutex_lock(&vid_lock);
	p = vid_lookup(info);
	if (IS_ERR(p)) {
		err = PTR_ERR(p);
		goto out;
	}
	if (!vid_attachable(p)) {
		NL_SET_ERR_MSG(info->extack,
			       "only a starting partition without a worker can be attached");
		err = -EBUSY;
		goto out;
	}
	if (vid_is_worker(info->snd_portid)) {
		NL_SET_ERR_MSG(info->extack,
			       "this socket is the worker of another partition");
		err = -EBUSY;
		goto out;
	}
	id = p->id;
	if (map) {
		u64 memory = p->cfg.memory;

		mutex_unlock(&vid_lock);
		err = vid_memory_pin(memory, map, &mem, info->extack);
		mutex_lock(&vid_lock);
		if (err)
			goto out;
		p = vid_partition_by_id(id);
		if (!p || !vid_attachable(p) || p->cfg.memory != memory ||
		    vid_is_worker(info->snd_portid)) {
			NL_SET_ERR_MSG(info->extack,
				       "the partition changed while its memory was pinned");
			err = -EBUSY;
			goto out;
		}
	}
	err = vid_synic_create(p, mem, info->attrs[HVKVM_VID_A_VM_SINT_ROUTES],
			       info->attrs[HVKVM_VID_A_VM_PORTS], &synic,
			       info->extack);
	if (err)
		goto out;
	__module_get(THIS_MODULE);
	p->worker_portid = info->snd_portid;
	p->worker_pid = task_tgid_vnr(current);
	p->worker_tgid = get_task_pid(current, PIDTYPE_TGID);
	p->has_clock = !!info->attrs[HVKVM_VID_A_VM_CLOCK_OFFSET];
	p->clock_offset = p->has_clock ?
		nla_get_s64(info->attrs[HVKVM_VID_A_VM_CLOCK_OFFSET]) : 0;
	rcu_assign_pointer(p->memory, mem);
	rcu_assign_pointer(p->synic, synic);
	mem = NULL;
	vid_synic_attach_client(p);
	vid_generation++;
	vid_notify(p, HVKVM_VID_CMD_VM_SET_NTF);
	/* Attached now, even if the reply cannot go out. */
	vid_reply_vm(info, p);
out:
	mutex_unlock(&vid_lock);
	vid_memory_put(mem);
	return err;
}

/* What a report may carry, parsed whole before any of it is applied. */
struct vid_report {
	char *console_log;
	char *console_sock;
	char *error;
	struct vid_crash crash;
	bool crashed;
	u64 (*exits)[HVKVM_VID_EXIT_COUNT];
};

static void vid_report_free(struct vid_report *r)
{
	kfree(r->console_log);
	kfree(r->console_sock);
	kfree(r->error);
	kfree(r->crash.message);
	kfree(r->exits);
}

static int vid_parse_crash(struct nlattr *attr, struct vid_crash *c,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[HVKVM_VID_CRASH_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, HVKVM_VID_CRASH_A_MAX, attr,
			       vid_crash_policy, extack);
	if (err)
		return err;
	if (!tb[HVKVM_VID_CRASH_A_KIND]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "a crash needs its kind");
		return -EINVAL;
	}
	c->kind = nla_get_u32(tb[HVKVM_VID_CRASH_A_KIND]);
	if (tb[HVKVM_VID_CRASH_A_CODE])
		c->code = nla_get_u32(tb[HVKVM_VID_CRASH_A_CODE]);
	if (tb[HVKVM_VID_CRASH_A_PARAMS]) {
		nla_memcpy(c->params, tb[HVKVM_VID_CRASH_A_PARAMS],
			   sizeof(c->params));
		c->has_params = true;
	}
	if (tb[HVKVM_VID_CRASH_A_MESSAGE]) {
		c->message = nla_strdup(tb[HVKVM_VID_CRASH_A_MESSAGE], GFP_KERNEL);
		if (!c->message)
			return -ENOMEM;
	}
	return 0;
}

static int vid_parse_stats(struct nlattr *attr, u32 vcpus,
			   struct vid_report *r, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[HVKVM_VID_VCPU_A_MAX + 1];
	struct nlattr *one;
	int rem, err;
	u32 i;

	r->exits = kcalloc(vcpus, sizeof(*r->exits), GFP_KERNEL);
	if (!r->exits)
		return -ENOMEM;
	nla_for_each_nested(one, attr, rem) {
		err = nla_parse_nested(tb, HVKVM_VID_VCPU_A_MAX, one,
				       vid_vcpu_policy, extack);
		if (err)
			return err;
		if (!tb[HVKVM_VID_VCPU_A_INDEX] || !tb[HVKVM_VID_VCPU_A_EXITS]) {
			NL_SET_ERR_MSG_ATTR(extack, one,
					    "vcpu counters need an index and exits");
			return -EINVAL;
		}
		i = nla_get_u32(tb[HVKVM_VID_VCPU_A_INDEX]);
		if (i >= vcpus) {
			NL_SET_ERR_MSG_ATTR(extack, tb[HVKVM_VID_VCPU_A_INDEX],
					    "vcpu index beyond the partition's vcpus");
			return -ERANGE;
		}
		nla_memcpy(r->exits[i], tb[HVKVM_VID_VCPU_A_EXITS],
			   sizeof(r->exits[i]));
	}
	return 0;
}

/* May a worker's report move p from its state to @to? */
static bool vid_report_allowed(const struct vid_partition *p,
			       enum hvkvm_vid_state to)
{
	switch (to) {
	case HVKVM_VID_STATE_STARTING:
		/* The guest reset: a power cycle (see vid_restart). */
		return p->state == HVKVM_VID_STATE_RUNNING ||
		       p->state == HVKVM_VID_STATE_PAUSED;
	case HVKVM_VID_STATE_RUNNING:
		return p->state == HVKVM_VID_STATE_STARTING ||
		       p->state == HVKVM_VID_STATE_RUNNING ||
		       p->state == HVKVM_VID_STATE_PAUSED;
	case HVKVM_VID_STATE_PAUSED:
		return p->state == HVKVM_VID_STATE_RUNNING ||
		       p->state == HVKVM_VID_STATE_PAUSED;
	case HVKVM_VID_STATE_OFF:
	case HVKVM_VID_STATE_CRASHED:
		return true;	/* from every state a worker is attached in */
	default:
		return false;
	}
}

static int vid_report_parse(struct genl_info *info,
			    const struct vid_partition *p, struct vid_report *r)
{
	struct nlattr **tb = info->attrs;
	int err;

	if (tb[HVKVM_VID_A_VM_CONSOLE_LOG]) {
		r->console_log = nla_strdup(tb[HVKVM_VID_A_VM_CONSOLE_LOG], GFP_KERNEL);
		if (!r->console_log)
			return -ENOMEM;
	}
	if (tb[HVKVM_VID_A_VM_CONSOLE_SOCK]) {
		r->console_sock = nla_strdup(tb[HVKVM_VID_A_VM_CONSOLE_SOCK], GFP_KERNEL);
		if (!r->console_sock)
			return -ENOMEM;
	}
	if (tb[HVKVM_VID_A_VM_ERROR]) {
		r->error = nla_strdup(tb[HVKVM_VID_A_VM_ERROR], GFP_KERNEL);
		if (!r->error)
			return -ENOMEM;
	}
	if (tb[HVKVM_VID_A_VM_CRASH]) {
		err = vid_parse_crash(tb[HVKVM_VID_A_VM_CRASH], &r->crash,
				      info->extack);
		if (err)
			return err;
		r->crashed = true;
	}
	if (tb[HVKVM_VID_A_VM_VCPU_STATS]) {
		err = vid_parse_stats(tb[HVKVM_VID_A_VM_VCPU_STATS],
				      p->cfg.vcpus, r, info->extack);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The worker reported STARTING: its guest reset, and it builds a new VM
 * on the same socket. It is detached (its memory unpinned, its SynIC
 * state dropped, VMBus told) and attaches again with the new VM; the
 * console paths stay (the log goes on in the same file), the old VM's
 * counters go. One step under vid_lock, so that a vm-stop comes either
 * before it (STOPPING: the report is refused, and the worker stops) or
 * after it (a STARTING partition is stopped as any other).
 */
static void vid_restart(struct vid_partition *p)
{
	vid_detach(p);
	kfree(p->exits);
	p->exits = NULL;
	p->exits_vcpus = 0;
	vid_set_state(p, HVKVM_VID_STATE_STARTING);
}

int vid_cmd_report(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *state_attr = info->attrs[HVKVM_VID_A_VM_STATE];
	struct vid_report r = {};
	struct vid_partition *p;
	u32 state = 0;
	int err;

	mutex_lock(&vid_lock);
	p = vid_lookup(info);
	if (IS_ERR(p)) {
		err = PTR_ERR(p);
		goto out;
	}
	if (!p->worker_portid || p->worker_portid != info->snd_portid) {
		NL_SET_ERR_MSG(info->extack,
			       "only the partition's worker reports on it");
		err = -EPERM;
		goto out;
	}
	if (state_attr) {
		state = nla_get_u32(state_attr);
		if (state == HVKVM_VID_STATE_STARTING &&
		    p->state == HVKVM_VID_STATE_STOPPING) {
			NL_SET_ERR_MSG_ATTR(info->extack, state_attr,
					    "the partition is stopping: it is not started again");
			err = -EBUSY;
			goto out;
		}
		if (!vid_report_allowed(p, state)) {
			NL_SET_ERR_MSG_ATTR(info->extack, state_attr,
					    "the partition cannot move to this state now");
			err = -EINVAL;
			goto out;
		}
		if (state == HVKVM_VID_STATE_CRASHED &&
		    !info->attrs[HVKVM_VID_A_VM_CRASH]) {
			NL_SET_ERR_MSG(info->extack, "a crash report needs its reason");
			err = -EINVAL;
			goto out;
		}
	}
	err = vid_report_parse(info, p, &r);
	if (err)
		goto out;

	/* Checked whole: apply. */
	if (r.console_log)
		swap(p->console_log, r.console_log);
	if (r.console_sock)
		swap(p->console_sock, r.console_sock);
	if (r.error)
		swap(p->error, r.error);
	if (r.exits) {
		swap(p->exits, r.exits);
		p->exits_vcpus = p->cfg.vcpus;
	}
	if (r.crashed && state_attr && state == HVKVM_VID_STATE_CRASHED) {
		swap(p->crash, r.crash);
		p->crashed = true;
	}
	if (state_attr && state == HVKVM_VID_STATE_STARTING) {
		vid_restart(p);
	} else if (state_attr && state != p->state) {
		vid_set_state(p, state);
	} else if (r.console_log || r.console_sock || r.error) {
		/* Announced, as every change but the counters is. */
		vid_generation++;
		vid_notify(p, HVKVM_VID_CMD_VM_SET_NTF);
	}
out:
	mutex_unlock(&vid_lock);
	vid_report_free(&r);
	return err;
}

/*
 * The worker's socket is gone. This runs in the context of the task that
 * released it: when that task is exiting, its exit code says why.
 */
static void vid_worker_gone(struct vid_partition *p)
{
	int code = current->exit_code;

	if (p->state == HVKVM_VID_STATE_STOPPING) {
		vid_set_state(p, HVKVM_VID_STATE_OFF);
		return;
	}
	/* Keep the console log's path and the counters: they tell what happened. */
	kfree(p->crash.message);
	memset(&p->crash, 0, sizeof(p->crash));
	p->crashed = true;
	if ((current->flags & PF_EXITING) && (code & 0x7f)) {
		p->crash.kind = HVKVM_VID_CRASH_WORKER_SIGNAL;
		p->crash.code = code & 0x7f;
	} else {
		p->crash.kind = HVKVM_VID_CRASH_WORKER_EXIT;
		p->crash.code = (current->flags & PF_EXITING) ?
				(code >> 8) & 0xff : 0;
	}
	vid_set_state(p, HVKVM_VID_STATE_CRASHED);
}

static int vid_netlink_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct netlink_notify *n = ptr;
	struct vid_partition *p;
	unsigned long id = 0;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !net_eq(n->net, &init_net) || !n->portid)
		return NOTIFY_DONE;

	mutex_lock(&vid_lock);
	for (p = vid_partition_next(&id); p; id++, p = vid_partition_next(&id)) {
		if (p->worker_portid == n->portid) {
			vid_worker_gone(p);
			break;
		}
	}
	mutex_unlock(&vid_lock);
	return NOTIFY_DONE;
}

static struct notifier_block vid_netlink_notifier = {
	.notifier_call = vid_netlink_event,
};

int __init vid_lifecycle_init(void)
{
	return netlink_register_notifier(&vid_netlink_notifier);
}

void vid_lifecycle_exit(void)
{
	netlink_unregister_notifier(&vid_netlink_notifier);
}
