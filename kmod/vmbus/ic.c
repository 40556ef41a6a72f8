// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm VMBus host: the integration components every VM gets.
 *
 * - heartbeat: a sequence number every VMBUS_HB_PERIOD; the guest answers
 *   with it plus one. No answer for VMBUS_HB_LOST means the guest is lost
 *   (an event), an answer after that means it is back (another).
 * - shutdown: power off or reboot on request (hvadm vm shutdown), with the
 *   guest's answer.
 * - time sync: SYNC once the guest has negotiated (it steps its clock),
 *   then SAMPLE every VMBUS_TS_PERIOD.
 * - KVP: the host's pairs (pool EXTERNAL) are kept here and sent to the
 *   guest whenever its KVP service is ready; the guest's own pairs are
 *   read on request. A Linux guest answers KVP only while hv_kvp_daemon
 *   runs, so nothing here ever waits for KVP without a time limit.
 *
 * Each IC is a device of an internal class. The host speaks first: on
 * every open it offers its versions (NEGOTIATE) and the guest picks.
 * Guest replies arrive in the channel's work; nothing there waits.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "vmbus.h"
#include <hvkvm/ic_msg.h>

#define VMBUS_HB_PERIOD		(2 * HZ)
#define VMBUS_HB_LOST_NS	(10 * NSEC_PER_SEC)
#define VMBUS_TS_PERIOD		(5 * HZ)
#define VMBUS_KVP_TIMEOUT	(10 * HZ)

enum vmbus_ic_kind {
	VMBUS_IC_HEARTBEAT,
	VMBUS_IC_SHUTDOWN,
	VMBUS_IC_TIMESYNC,
	VMBUS_IC_KVP,
	VMBUS_IC_COUNT
};

struct vmbus_ic_type {
	const char *name;
	u16 msgtype;
	const struct vmb_ic_ver *versions;
	unsigned int nversions;
	struct vmb_guid instance;
};

struct vmbus_ic {
	struct vmbus_ics *ics;
	enum vmbus_ic_kind kind;
	struct mutex lock;		/* all below */
	struct vmbus_channel *ch;	/* while open */
	struct vmbus_device *dev;	/* while offered; under vm->lock */
	bool enabled;			/* likewise */
	u32 state;			/* enum hvkvm_vmbus_ic_state */
	struct vmb_ic_neg neg;
	u64 trans;			/* the last trans_id used */
	u64 neg_trans;
	struct delayed_work work;

	/* heartbeat */
	u64 hb_sent, hb_answered;
	u64 hb_answer_ns;		/* boot time of the last answer */

	/* one request at a time waits for the guest's answer */
	u64 req_trans;
	bool req_answered;
	bool req_async;			/* shutdown: the answer is an event */
	struct delayed_work req_expire;	/* when an async answer is late */
	u32 req_status;
	u8 req_op;
	struct completion req_done;
	char *req_key, *req_value;	/* KVP replies land here */

	u8 *buf;			/* what is being sent */
};

struct vmbus_kvp_host {
	struct list_head node;
	char key[VMBUS_KVP_KEY_MAX];
	char value[VMBUS_KVP_VALUE_MAX];
};

struct vmbus_ics {
	struct vmbus_vm *vm;
	struct vmbus_ic ic[VMBUS_IC_COUNT];
	struct mutex kvp_lock;		/* one KVP exchange at a time */
	struct list_head kvp_host;	/* the host's pairs */
	unsigned int nkvp_host;
	struct work_struct shutdown_work;	/* for a graceful stop */
	bool stopped;
};

static const struct vmbus_ic_type vmbus_ic_types[VMBUS_IC_COUNT] = {
	[VMBUS_IC_HEARTBEAT] = {
		.name = "heartbeat",
		.msgtype = VMB_IC_MSGTYPE_HEARTBEAT,
		.versions = vmb_ic_hb_versions,
		.nversions = VMB_IC_HB_NVER,
		.instance = VMB_GUID(0x57164f39, 0x0001, 0x4b48,
				     0x68, 0x76, 0x6b, 0x76, 0x6d, 0x00, 0x00, 0x01),
	},
	[VMBUS_IC_SHUTDOWN] = {
		.name = "shutdown",
		.msgtype = VMB_IC_MSGTYPE_SHUTDOWN,
		.versions = vmb_ic_sd_versions,
		.nversions = VMB_IC_SD_NVER,
		.instance = VMB_GUID(0x0e0b6031, 0x0001, 0x4b48,
				     0x68, 0x76, 0x6b, 0x76, 0x6d, 0x00, 0x00, 0x02),
	},
	[VMBUS_IC_TIMESYNC] = {
		.name = "timesync",
		.msgtype = VMB_IC_MSGTYPE_TIMESYNC,
		.versions = vmb_ic_ts_versions,
		.nversions = VMB_IC_TS_NVER,
		.instance = VMB_GUID(0x9527e630, 0x0001, 0x4b48,
				     0x68, 0x76, 0x6b, 0x76, 0x6d, 0x00, 0x00, 0x03),
	},
	[VMBUS_IC_KVP] = {
		.name = "kvp",
		.msgtype = VMB_IC_MSGTYPE_KVPEXCHANGE,
		.versions = vmb_ic_kvp_versions,
		.nversions = VMB_IC_KVP_NVER,
		.instance = VMB_GUID(0xa9a0f4e7, 0x0001, 0x4b48,
				     0x68, 0x76, 0x6b, 0x76, 0x6d, 0x00, 0x00, 0x04),
	},
};

static u32 vmbus_ic_ver(struct vmb_ic_ver v)
{
	return (u32)v.major << 16 | v.minor;
}

static struct vmbus_ic *vmbus_ic_of(struct vmbus_channel *ch)
{
	return vmbus_device_priv(vmbus_chan_device(ch));
}

static u32 vmbus_ic_max_pkt(enum vmbus_ic_kind kind)
{
	return kind == VMBUS_IC_KVP ? VMB_IC_KVP_MAX_PKT : VMB_IC_MAX_PKT;
}

/* Send what is in ic->buf (len bytes) as a new transaction. */
static int vmbus_ic_send(struct vmbus_ic *ic, int len, u64 *trans)
{
	int err;

	lockdep_assert_held(&ic->lock);
	if (len < 0)
		return len;
	if (!ic->ch)
		return -ENOTCONN;
	err = vmbus_chan_send(ic->ch, VMB_PKT_DATA_INBAND, 0, ++ic->trans,
			      NULL, 0, ic->buf, len);
	if (!err && trans)
		*trans = ic->trans;
	return err;
}

/*
 * The message versions this IC offers this VM: time sync 4.0 only when
 * the worker told VID how the guest's clock relates to the host's.
 */
static const struct vmb_ic_ver *vmbus_ic_versions(const struct vmbus_ic *ic,
						  unsigned int *n)
{
	const struct vmbus_ic_type *t = &vmbus_ic_types[ic->kind];

	if (ic->kind == VMBUS_IC_TIMESYNC && ic->ics->vm->has_clock) {
		*n = VMB_IC_TS_REF_NVER;
		return vmb_ic_ts_ref_versions;
	}
	*n = t->nversions;
	return t->versions;
}

/*
 * Time sync 4.0 sends, with the host's time, the guest's own reference
 * counter (100 ns units of its kvmclock) at that instant: the guest then
 * adds the time the message took to reach it (hv_utils'
 * hv_get_adj_host_time), where 3.0 left it out.
 */
static void vmbus_ic_timesync(struct vmbus_ic *ic, u8 flags)
{
	s64 real = ktime_get_real_ns();
	u64 now = vmb_ic_unix_ns_to_hv(real);
	u64 ref = 0;

	if (ic->neg.msg.major >= 4)
		ref = div_u64(real - ic->ics->vm->clock_offset, 100) ? : 1;
	vmbus_ic_send(ic, vmb_ic_build_timesync(ic->buf, VMB_IC_MAX_PKT,
						&ic->neg, now, ref, flags), NULL);
}

static void vmbus_ic_heartbeat(struct vmbus_ic *ic)
{
	struct vmbus_vm *vm = ic->ics->vm;
	u64 now = ktime_get_boottime_ns();

	if (ic->state == HVKVM_VMBUS_IC_READY &&
	    now - ic->hb_answer_ns > VMBUS_HB_LOST_NS) {
		ic->state = HVKVM_VMBUS_IC_LOST;
		pr_info_ratelimited("%s: heartbeat lost\n", vm->name);
		vmbus_notify(vm, HVKVM_VMBUS_EVENT_HEARTBEAT_LOST, 0);
	}
	if (!vmbus_ic_send(ic, vmb_ic_build_heartbeat(ic->buf, VMB_IC_MAX_PKT,
						      &ic->neg, ic->hb_sent + 1),
			   NULL))
		ic->hb_sent++;
}

static void vmbus_kvp_push(struct vmbus_ics *ics);

static void vmbus_ic_work(struct work_struct *work)
{
	struct vmbus_ic *ic = container_of(to_delayed_work(work),
					   struct vmbus_ic, work);
	unsigned long next = 0;

	if (ic->kind == VMBUS_IC_KVP) {
		vmbus_kvp_push(ic->ics);
		return;
	}
	mutex_lock(&ic->lock);
	if (ic->ch && (ic->state == HVKVM_VMBUS_IC_READY ||
		       ic->state == HVKVM_VMBUS_IC_LOST)) {
		if (ic->kind == VMBUS_IC_HEARTBEAT) {
			vmbus_ic_heartbeat(ic);
			next = VMBUS_HB_PERIOD;
		} else if (ic->kind == VMBUS_IC_TIMESYNC) {
			vmbus_ic_timesync(ic, VMB_IC_TIMESYNC_FLAG_SAMPLE);
			next = VMBUS_TS_PERIOD;
		}
	}
	if (next && !ic->ics->stopped)
		queue_delayed_work(vmbus_wq, &ic->work, next);
	mutex_unlock(&ic->lock);
}

/* ---- the class callbacks ---- */

static int vmbus_ic_open(struct vmbus_channel *ch)
{
	struct vmbus_ic *ic = vmbus_ic_of(ch);
	const struct vmb_ic_ver *versions;
	unsigned int nversions;
	int err;

	versions = vmbus_ic_versions(ic, &nversions);
	mutex_lock(&ic->lock);
	ic->ch = ch;
	ic->state = HVKVM_VMBUS_IC_NEGOTIATING;
	memset(&ic->neg, 0, sizeof(ic->neg));
	err = vmbus_ic_send(ic, vmb_ic_build_negotiate(ic->buf, VMB_IC_MAX_PKT,
						       vmb_ic_fw_versions,
						       VMB_IC_FW_NVER,
						       versions, nversions),
			    &ic->neg_trans);
	if (err)
		ic->ch = NULL;
	mutex_unlock(&ic->lock);
	return err;
}

static void vmbus_ic_close(struct vmbus_channel *ch)
{
	struct vmbus_ic *ic = vmbus_ic_of(ch);

	mutex_lock(&ic->lock);
	ic->ch = NULL;
	ic->state = HVKVM_VMBUS_IC_CLOSED;
	if (ic->req_trans) {
		ic->req_trans = 0;
		complete(&ic->req_done);
	}
	if (ic->req_async) {
		/* Its answer cannot come any more. */
		ic->req_async = false;
		cancel_delayed_work(&ic->req_expire);
		vmbus_notify_shutdown(ic->ics->vm,
				      HVKVM_VMBUS_SHUTDOWN_NO_ANSWER, 0);
	}
	mutex_unlock(&ic->lock);
	/* The work may take ic->lock itself; it sees ch NULL and stops. */
}

static void vmbus_ic_negotiated(struct vmbus_ic *ic, const void *p, u32 len)
{
	const struct vmbus_ic_type *t = &vmbus_ic_types[ic->kind];
	struct vmbus_vm *vm = ic->ics->vm;
	const struct vmb_ic_ver *versions;
	unsigned int nversions;
	int err;

	versions = vmbus_ic_versions(ic, &nversions);
	err = vmb_ic_parse_negotiate(p, len, vmb_ic_fw_versions, VMB_IC_FW_NVER,
				     versions, nversions, &ic->neg);
	if (err == -ENOENT) {
		ic->state = HVKVM_VMBUS_IC_NO_COMMON_VERSION;
		pr_info_ratelimited("%s: %s: the guest knows none of the host's versions\n",
			vm->name, t->name);
		return;
	}
	if (err) {
		pr_warn_ratelimited("%s: %s: malformed version answer\n",
				    vm->name, t->name);
		return;
	}
	ic->state = HVKVM_VMBUS_IC_READY;
	/*
	 * A channel's work may still run while the VM goes: once the ICs
	 * are stopped, nothing may arm their timers again (they are freed
	 * with the VM).
	 */
	if (ic->ics->stopped)
		return;
	switch (ic->kind) {
	case VMBUS_IC_HEARTBEAT:
		ic->hb_answer_ns = ktime_get_boottime_ns();
		queue_delayed_work(vmbus_wq, &ic->work, 0);
		break;
	case VMBUS_IC_TIMESYNC:
		vmbus_ic_timesync(ic, VMB_IC_TIMESYNC_FLAG_SYNC);
		queue_delayed_work(vmbus_wq, &ic->work, VMBUS_TS_PERIOD);
		break;
	case VMBUS_IC_KVP:
		queue_delayed_work(vmbus_wq, &ic->work, 0);
		break;
	default:
		break;
	}
}

static void vmbus_ic_answer(struct vmbus_ic *ic, u64 trans, const void *p,
			    u32 len)
{
	struct vmbus_vm *vm = ic->ics->vm;
	u64 seq;
	int err = 0;

	switch (ic->kind) {
	case VMBUS_IC_HEARTBEAT:
		err = vmb_ic_parse_heartbeat(p, len, &ic->req_status, &seq);
		if (err || seq <= ic->hb_answered + 1 || seq > ic->hb_sent + 1)
			break;
		ic->hb_answered = seq - 1;
		ic->hb_answer_ns = ktime_get_boottime_ns();
		if (ic->state == HVKVM_VMBUS_IC_LOST) {
			ic->state = HVKVM_VMBUS_IC_READY;
			pr_info_ratelimited("%s: heartbeat regained\n", vm->name);
			vmbus_notify(vm, HVKVM_VMBUS_EVENT_HEARTBEAT_REGAINED, 0);
		}
		return;
	case VMBUS_IC_TIMESYNC:
		err = vmb_ic_parse_timesync(p, len, &ic->req_status);
		break;
	case VMBUS_IC_SHUTDOWN:
		if (trans != ic->req_trans)
			return;
		err = vmb_ic_parse_shutdown(p, len, &ic->req_status);
		break;
	case VMBUS_IC_KVP:
		if (trans != ic->req_trans)
			return;
		err = vmb_ic_parse_kvp(p, len, &ic->req_op, &ic->req_status,
				       ic->req_key, VMBUS_KVP_KEY_MAX,
				       ic->req_value, VMBUS_KVP_VALUE_MAX);
		break;
	default:
		return;
	}
	if (err) {
		pr_warn_ratelimited("%s: %s: malformed answer from the guest\n",
				    vm->name, vmbus_ic_types[ic->kind].name);
		return;
	}
	if (trans && trans == ic->req_trans) {
		ic->req_answered = true;
		ic->req_trans = 0;
		if (ic->req_async) {
			ic->req_async = false;
			cancel_delayed_work(&ic->req_expire);
			vmbus_notify_shutdown(vm, ic->req_status ?
					      HVKVM_VMBUS_SHUTDOWN_REFUSED :
					      HVKVM_VMBUS_SHUTDOWN_DONE,
					      ic->req_status);
		}
		complete(&ic->req_done);
	}
}

/* An asynchronous request's answer did not come in time. */
static void vmbus_ic_req_expire(struct work_struct *work)
{
	struct vmbus_ic *ic = container_of(to_delayed_work(work),
					   struct vmbus_ic, req_expire);

	mutex_lock(&ic->lock);
	if (ic->req_async) {
		ic->req_async = false;
		ic->req_trans = 0;
		vmbus_notify_shutdown(ic->ics->vm,
				      HVKVM_VMBUS_SHUTDOWN_NO_ANSWER, 0);
	}
	mutex_unlock(&ic->lock);
}

static int vmbus_ic_packet(struct vmbus_channel *ch,
			   const struct vmb_pkt_desc *pkt, u32 len)
{
	struct vmbus_ic *ic = vmbus_ic_of(ch);
	u32 off = pkt->offset8 * 8;

	/* Only the guest's answers come here; anything else is dropped. */
	if (pkt->type != VMB_PKT_DATA_INBAND || off > len)
		return 0;
	mutex_lock(&ic->lock);
	if (ic->state == HVKVM_VMBUS_IC_NEGOTIATING) {
		if (pkt->trans_id == ic->neg_trans)
			vmbus_ic_negotiated(ic, (const u8 *)pkt + off, len - off);
	} else if (ic->state == HVKVM_VMBUS_IC_READY ||
		   ic->state == HVKVM_VMBUS_IC_LOST) {
		vmbus_ic_answer(ic, pkt->trans_id, (const u8 *)pkt + off,
				len - off);
	}
	mutex_unlock(&ic->lock);
	return 0;
}

static struct vmbus_class vmbus_ic_classes[VMBUS_IC_COUNT];

/* The device is gone (rescinded and released, or the VM stopped). */
static void vmbus_ic_release(struct vmbus_device *dev)
{
	struct vmbus_ic *ic = vmbus_device_priv(dev);

	ic->dev = NULL;
}

static int vmbus_ic_add(struct vmbus_vm *vm, struct vmbus_ic *ic)
{
	struct vmbus_device *dev;

	dev = vmbus_device_add_locked(vm, &vmbus_ic_classes[ic->kind],
				      &vmbus_ic_types[ic->kind].instance, ic);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	ic->dev = dev;
	ic->enabled = true;
	return 0;
}

int vmbus_ic_set(struct vmbus_vm *vm, const char *name, bool enabled,
		 struct netlink_ext_ack *extack)
{
	struct vmbus_ic *ic = NULL;
	unsigned int i;
	int err = 0;

	for (i = 0; i < VMBUS_IC_COUNT; i++)
		if (!strcmp(vmbus_ic_types[i].name, name))
			ic = &vm->ics->ic[i];
	if (!ic) {
		NL_SET_ERR_MSG(extack, "no such integration service (heartbeat, shutdown, timesync, kvp)");
		return -EINVAL;
	}
	mutex_lock(&vm->lock);
	if (vm->dead) {
		err = -ENODEV;
	} else if (enabled && !ic->enabled) {
		if (ic->dev) {
			NL_SET_ERR_MSG(extack, "the guest has not released the service's last channel yet");
			err = -EBUSY;
		} else {
			err = vmbus_ic_add(vm, ic);
		}
	} else if (!enabled && ic->enabled) {
		ic->enabled = false;
		vmbus_device_remove_locked(ic->dev);
	}
	mutex_unlock(&vm->lock);
	return err;
}

/* ---- requests from the host's side ---- */

/*
 * Send ic->buf (len) and wait up to timeout for the answer. Returns 0
 * (answered: ic->req_status and the rest hold it), -ETIMEDOUT, or
 * another error before anything was sent.
 */
static int vmbus_ic_request(struct vmbus_ic *ic, int len, unsigned long timeout)
{
	long left;
	int err;

	mutex_lock(&ic->lock);
	if (ic->state != HVKVM_VMBUS_IC_READY || ic->ics->stopped) {
		mutex_unlock(&ic->lock);
		return -ENOTCONN;
	}
	if (ic->req_trans) {
		mutex_unlock(&ic->lock);
		return -EBUSY;
	}
	reinit_completion(&ic->req_done);
	ic->req_answered = false;
	err = vmbus_ic_send(ic, len, &ic->req_trans);
	mutex_unlock(&ic->lock);
	if (err)
		return err;
	left = wait_for_completion_killable_timeout(&ic->req_done, timeout);
	mutex_lock(&ic->lock);
	ic->req_trans = 0;
	err = ic->req_answered ? 0 : left < 0 ? (int)left : -ETIMEDOUT;
	mutex_unlock(&ic->lock);
	return err;
}

static const char *vmbus_ic_not_ready(struct vmbus_ic *ic)
{
	switch (ic->state) {
	case HVKVM_VMBUS_IC_CLOSED:
		return "the guest has not opened this integration service (no VMBus driver or no hv_utils)";
	case HVKVM_VMBUS_IC_NEGOTIATING:
		return "the guest's integration service does not answer";
	case HVKVM_VMBUS_IC_NO_COMMON_VERSION:
		return "the guest's integration service knows none of the host's versions";
	default:
		return "the guest's integration service is not ready";
	}
}

/*
 * Ask for a shutdown and return at once: a netlink request must not wait
 * for a guest (it would hold generic netlink's locks meanwhile). The
 * answer comes as an event (vmbus_notify_shutdown), or NO_ANSWER after
 * timeout_ms.
 */
int vmbus_ic_shutdown(struct vmbus_vm *vm, bool reboot, u32 timeout_ms,
		      struct netlink_ext_ack *extack)
{
	struct vmbus_ic *ic = &vm->ics->ic[VMBUS_IC_SHUTDOWN];
	int len, err;

	mutex_lock(&ic->lock);
	if (ic->state != HVKVM_VMBUS_IC_READY || ic->ics->stopped) {
		if (extack)	/* a static string, as NL_SET_ERR_MSG wants */
			extack->_msg = vmbus_ic_not_ready(ic);
		err = -ENOTCONN;
		goto out;
	}
	if (ic->req_trans) {
		NL_SET_ERR_MSG(extack, "a shutdown request is waiting for the guest already");
		err = -EBUSY;
		goto out;
	}
	len = vmb_ic_build_shutdown(ic->buf, VMB_IC_MAX_PKT, &ic->neg,
				    reboot ? VMB_IC_SHUTDOWN_FLAG_RESTART : 0,
				    reboot ? "hvadm vm shutdown reboot" :
					     "hvadm vm shutdown");
	err = vmbus_ic_send(ic, len, &ic->req_trans);
	if (err == -ENOSPC) {
		NL_SET_ERR_MSG(extack, "the guest does not read its shutdown channel");
		err = -EBUSY;
	}
	if (!err) {
		ic->req_answered = false;
		ic->req_async = true;
		mod_delayed_work(vmbus_wq, &ic->req_expire,
				 msecs_to_jiffies(timeout_ms));
	}
out:
	mutex_unlock(&ic->lock);
	return err;
}

/*
 * VID stops the VM gracefully: ask the guest to power off through its
 * shutdown IC as well (Hyper-V's way), not waiting for the answer; the
 * worker presses the power button all the same.
 */
static void vmbus_ic_shutdown_work(struct work_struct *work)
{
	struct vmbus_ics *ics = container_of(work, struct vmbus_ics,
					     shutdown_work);
	struct vmbus_ic *ic = &ics->ic[VMBUS_IC_SHUTDOWN];

	mutex_lock(&ic->lock);
	if (ic->state == HVKVM_VMBUS_IC_READY && !ics->stopped)
		vmbus_ic_send(ic, vmb_ic_build_shutdown(ic->buf, VMB_IC_MAX_PKT,
							&ic->neg, 0,
							"hvadm vm stop"),
			      NULL);
	mutex_unlock(&ic->lock);
}

void vmbus_ics_shutdown(struct vmbus_vm *vm)
{
	if (vm->ics)
		queue_work(vmbus_wq, &vm->ics->shutdown_work);
}

/* ---- KVP ---- */

/*
 * One KVP exchange, under kvp_lock, answered by @deadline (jiffies) or
 * -ETIMEDOUT; the answer in ic->req_*. Every caller gives all its
 * exchanges one deadline, VMBUS_KVP_TIMEOUT from its start, so that a
 * guest that answers slowly cannot make a listing, or the push of the
 * host's pairs, last longer than that in all.
 */
static int vmbus_kvp_xact(struct vmbus_ic *ic, int len, unsigned long deadline)
{
	long left = (long)(deadline - jiffies);

	lockdep_assert_held(&ic->ics->kvp_lock);
	if (len < 0)
		return len;
	if (left <= 0)
		return -ETIMEDOUT;
	return vmbus_ic_request(ic, len, left);
}

static int vmbus_kvp_send_pair(struct vmbus_ic *ic, const char *key,
			       const char *value, unsigned long deadline)
{
	int len;

	mutex_lock(&ic->lock);
	if (*value)
		len = vmb_ic_build_kvp_set(ic->buf, VMB_IC_KVP_MAX_PKT, &ic->neg,
					   VMB_IC_KVP_POOL_EXTERNAL, key, value);
	else
		len = vmb_ic_build_kvp_delete(ic->buf, VMB_IC_KVP_MAX_PKT,
					      &ic->neg, VMB_IC_KVP_POOL_EXTERNAL,
					      key);
	mutex_unlock(&ic->lock);
	return vmbus_kvp_xact(ic, len, deadline);
}

/* The guest's KVP service became ready: give it the host's pairs. */
static void vmbus_kvp_push(struct vmbus_ics *ics)
{
	struct vmbus_ic *ic = &ics->ic[VMBUS_IC_KVP];
	unsigned long deadline = jiffies + VMBUS_KVP_TIMEOUT;
	struct vmbus_kvp_host *kv;

	mutex_lock(&ics->kvp_lock);
	list_for_each_entry(kv, &ics->kvp_host, node)
		if (vmbus_kvp_send_pair(ic, kv->key, kv->value, deadline))
			break;
	mutex_unlock(&ics->kvp_lock);
}

int vmbus_ic_kvp_set(struct vmbus_vm *vm, const char *key, const char *value,
		     struct netlink_ext_ack *extack)
{
	struct vmbus_ics *ics = vm->ics;
	struct vmbus_ic *ic = &ics->ic[VMBUS_IC_KVP];
	unsigned long deadline = jiffies + VMBUS_KVP_TIMEOUT;
	struct vmbus_kvp_host *kv, *found = NULL;
	int err;

	/* The wire's limits, checked with the wire's own conversion. */
	mutex_lock(&ic->lock);
	err = vmb_ic_build_kvp_set(ic->buf, VMB_IC_KVP_MAX_PKT, &ic->neg,
				   VMB_IC_KVP_POOL_EXTERNAL, key, value);
	mutex_unlock(&ic->lock);
	if (err == -ENAMETOOLONG) {
		NL_SET_ERR_MSG(extack, "the key (255 characters at most) or the value (1023) is too long");
		return -E2BIG;
	}
	if (err < 0 || !*key) {
		NL_SET_ERR_MSG(extack, "the key and the value must be UTF-8 text, the key not empty");
		return -EINVAL;
	}

	/* Another exchange ends by its own deadline: this wait is bounded. */
	if (mutex_lock_killable(&ics->kvp_lock))
		return -EINTR;
	list_for_each_entry(kv, &ics->kvp_host, node)
		if (!strcmp(kv->key, key))
			found = kv;
	if (!*value) {
		if (!found) {
			mutex_unlock(&ics->kvp_lock);
			NL_SET_ERR_MSG(extack, "no such key");
			return -ENOENT;
		}
		list_del(&found->node);
		ics->nkvp_host--;
		kfree(found);
	} else if (found) {
		strscpy(found->value, value, sizeof(found->value));
	} else {
		if (ics->nkvp_host >= VMBUS_KVP_HOST_MAX) {
			mutex_unlock(&ics->kvp_lock);
			NL_SET_ERR_MSG(extack, "the VM has as many host pairs as it may");
			return -ENOSPC;
		}
		kv = kzalloc(sizeof(*kv), GFP_KERNEL);
		if (!kv) {
			mutex_unlock(&ics->kvp_lock);
			return -ENOMEM;
		}
		strscpy(kv->key, key, sizeof(kv->key));
		strscpy(kv->value, value, sizeof(kv->value));
		list_add_tail(&kv->node, &ics->kvp_host);
		ics->nkvp_host++;
	}
	/* Kept either way; sent now if the guest listens. */
	err = vmbus_kvp_send_pair(ic, key, value, deadline);
	mutex_unlock(&ics->kvp_lock);
	if (err == -ENOTCONN)
		return 0;
	if (err == -ETIMEDOUT) {
		NL_SET_ERR_MSG(extack, "kept, but the guest's KVP service did not answer in time");
		return 0;
	}
	if (!err && ic->req_status) {
		NL_SET_ERR_MSG(extack, "kept, but the guest's KVP service refused it");
		return 0;
	}
	return err;
}

struct vmbus_kvp_list *vmbus_ic_kvp_collect(struct vmbus_vm *vm)
{
	static const u8 pools[] = { VMB_IC_KVP_POOL_GUEST, VMB_IC_KVP_POOL_AUTO };
	struct vmbus_ics *ics = vm->ics;
	struct vmbus_ic *ic = &ics->ic[VMBUS_IC_KVP];
	unsigned long deadline = jiffies + VMBUS_KVP_TIMEOUT;
	struct vmbus_kvp_list *list;
	struct vmbus_kvp_host *kv;
	unsigned int p, i;
	int err = 0, len;

	list = kvzalloc(struct_size(list, pairs, VMBUS_KVP_HOST_MAX +
				    ARRAY_SIZE(pools) * VMBUS_KVP_GUEST_MAX + 1),
			GFP_KERNEL);
	if (!list)
		return ERR_PTR(-ENOMEM);
	if (mutex_lock_killable(&ics->kvp_lock)) {
		kvfree(list);
		return ERR_PTR(-EINTR);
	}
	list_for_each_entry(kv, &ics->kvp_host, node) {
		struct vmbus_kvp_pair *pair = &list->pairs[list->n++];

		pair->pool = VMB_IC_KVP_POOL_EXTERNAL;
		strscpy(pair->key, kv->key, sizeof(pair->key));
		strscpy(pair->value, kv->value, sizeof(pair->value));
	}
	for (p = 0; p < ARRAY_SIZE(pools) && !err; p++) {
		for (i = 0; i < VMBUS_KVP_GUEST_MAX; i++) {
			struct vmbus_kvp_pair *pair = &list->pairs[list->n];

			mutex_lock(&ic->lock);
			len = vmb_ic_build_kvp_enumerate(ic->buf, VMB_IC_KVP_MAX_PKT,
							 &ic->neg, pools[p], i);
			ic->req_key = pair->key;
			ic->req_value = pair->value;
			mutex_unlock(&ic->lock);
			err = vmbus_kvp_xact(ic, len, deadline);
			if (err || ic->req_status)
				break;	/* past the pool's end */
			pair->pool = pools[p];
			list->n++;
		}
	}
	if (err) {
		mutex_lock(&ic->lock);
		snprintf(list->guest_error, sizeof(list->guest_error), "%s",
			 err == -ETIMEDOUT ? "the guest's KVP service did not answer in time" :
			 ic->state == HVKVM_VMBUS_IC_NEGOTIATING ?
			 "the guest's KVP service does not answer (is hv_kvp_daemon running?)" :
			 vmbus_ic_not_ready(ic));
		mutex_unlock(&ic->lock);
	}
	mutex_lock(&ic->lock);
	ic->req_key = NULL;
	ic->req_value = NULL;
	mutex_unlock(&ic->lock);
	mutex_unlock(&ics->kvp_lock);
	return list;
}

/* ---- netlink ---- */

static int vmbus_ic_fill(struct sk_buff *skb, struct vmbus_ic *ic)
{
	const struct vmbus_ic_type *t = &vmbus_ic_types[ic->kind];
	struct nlattr *nest = nla_nest_start(skb, HVKVM_VMBUS_IC_A_IC);
	bool ready = ic->state == HVKVM_VMBUS_IC_READY ||
		     ic->state == HVKVM_VMBUS_IC_LOST;
	const struct vmb_ic_ver *versions;
	unsigned int nversions;
	int err = -EMSGSIZE;

	versions = vmbus_ic_versions(ic, &nversions);
	mutex_lock(&ic->lock);
	if (!nest || nla_put_string(skb, HVKVM_VMBUS_IC_A_NAME, t->name) ||
	    nla_put_u32(skb, HVKVM_VMBUS_IC_A_STATE,
			ic->enabled ? ic->state : HVKVM_VMBUS_IC_DISABLED) ||
	    nla_put_u32(skb, HVKVM_VMBUS_IC_A_HOST_MSG_VERSION,
			vmbus_ic_ver(versions[nversions - 1])) ||
	    (ready && (nla_put_u32(skb, HVKVM_VMBUS_IC_A_FRAME_VERSION,
				   vmbus_ic_ver(ic->neg.frame)) ||
		       nla_put_u32(skb, HVKVM_VMBUS_IC_A_MSG_VERSION,
				   vmbus_ic_ver(ic->neg.msg)))))
		goto out;
	if (ic->kind == VMBUS_IC_HEARTBEAT && ready &&
	    (nla_put_u64_64bit(skb, HVKVM_VMBUS_IC_A_HEARTBEAT_SEQ,
			       ic->hb_answered, HVKVM_VMBUS_IC_A_PAD) ||
	     nla_put_u64_64bit(skb, HVKVM_VMBUS_IC_A_HEARTBEAT_AGE_MS,
			       div_u64(ktime_get_boottime_ns() - ic->hb_answer_ns,
				       NSEC_PER_MSEC),
			       HVKVM_VMBUS_IC_A_PAD)))
		goto out;
	nla_nest_end(skb, nest);
	err = 0;
out:
	mutex_unlock(&ic->lock);
	return err;
}

int vmbus_ics_fill(struct sk_buff *skb, struct vmbus_vm *vm)
{
	struct nlattr *nest;
	unsigned int i;

	if (!vm->ics)
		return 0;
	nest = nla_nest_start(skb, HVKVM_VMBUS_A_ICS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < VMBUS_IC_COUNT; i++)
		if (vmbus_ic_fill(skb, &vm->ics->ic[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* ---- set-up ---- */

int vmbus_ics_attach(struct vmbus_vm *vm)
{
	struct vmbus_ics *ics;
	unsigned int i;
	int err = 0;

	ics = kzalloc(sizeof(*ics), GFP_KERNEL);
	if (!ics)
		return -ENOMEM;
	ics->vm = vm;
	mutex_init(&ics->kvp_lock);
	INIT_LIST_HEAD(&ics->kvp_host);
	INIT_WORK(&ics->shutdown_work, vmbus_ic_shutdown_work);
	vm->ics = ics;
	for (i = 0; i < VMBUS_IC_COUNT; i++) {
		struct vmbus_ic *ic = &ics->ic[i];

		ic->ics = ics;
		ic->kind = i;
		mutex_init(&ic->lock);
		init_completion(&ic->req_done);
		INIT_DELAYED_WORK(&ic->req_expire, vmbus_ic_req_expire);
		INIT_DELAYED_WORK(&ic->work, vmbus_ic_work);
		ic->buf = kvzalloc(vmbus_ic_max_pkt(i), GFP_KERNEL);
		if (!ic->buf)
			return -ENOMEM;
	}
	mutex_lock(&vm->lock);
	for (i = 0; i < VMBUS_IC_COUNT && !err; i++)
		err = vmbus_ic_add(vm, &ics->ic[i]);
	mutex_unlock(&vm->lock);
	return err;
}

/* The VM is going: no more timers, and nobody waits. */
void vmbus_ics_stop(struct vmbus_vm *vm)
{
	struct vmbus_ics *ics = vm->ics;
	unsigned int i;

	if (!ics)
		return;
	for (i = 0; i < VMBUS_IC_COUNT; i++) {
		struct vmbus_ic *ic = &ics->ic[i];

		mutex_lock(&ic->lock);
		ics->stopped = true;
		if (ic->req_trans) {
			ic->req_trans = 0;
			complete(&ic->req_done);
		}
		mutex_unlock(&ic->lock);
	}
	for (i = 0; i < VMBUS_IC_COUNT; i++) {
		cancel_delayed_work_sync(&ics->ic[i].work);
		cancel_delayed_work_sync(&ics->ic[i].req_expire);
	}
	cancel_work_sync(&ics->shutdown_work);
}

void vmbus_ics_free(struct vmbus_vm *vm)
{
	struct vmbus_ics *ics = vm->ics;
	struct vmbus_kvp_host *kv, *tmp;
	unsigned int i;

	if (!ics)
		return;
	for (i = 0; i < VMBUS_IC_COUNT; i++)
		kvfree(ics->ic[i].buf);
	list_for_each_entry_safe(kv, tmp, &ics->kvp_host, node)
		kfree(kv);
	kfree(ics);
	vm->ics = NULL;
}

static const struct vmb_guid vmbus_ic_if_types[VMBUS_IC_COUNT] = {
	[VMBUS_IC_HEARTBEAT]	= VMB_GUID_HEARTBEAT,
	[VMBUS_IC_SHUTDOWN]	= VMB_GUID_SHUTDOWN,
	[VMBUS_IC_TIMESYNC]	= VMB_GUID_TIMESYNC,
	[VMBUS_IC_KVP]		= VMB_GUID_KVP,
};

int __init vmbus_ics_init(void)
{
	unsigned int i;

	for (i = 0; i < VMBUS_IC_COUNT; i++) {
		struct vmbus_class *cls = &vmbus_ic_classes[i];

		cls->name = vmbus_ic_types[i].name;
		cls->if_type = vmbus_ic_if_types[i];
		cls->owner = NULL;	/* ours: no reference on ourselves */
		/*
		 * Message-mode pipes, as Hyper-V's ICs are offered (OpenVMM's
		 * hyperv_ic: flags 0x11, pipe mode 4 in the first user-defined
		 * bytes). Linux binds by interface type alone and ignores
		 * both; Windows' ICs look at them.
		 */
		cls->chn_flags = VMB_CHN_FLAG_ENUMERATE_DEVICE_INTERFACE |
				 VMB_CHN_FLAG_NAMED_PIPE_MODE;
		cls->user_def[0] = VMB_PIPE_MODE_MESSAGE;
		cls->ring_min = VMB_PAGE_SIZE;
		cls->ring_max = 1 << 20;
		cls->max_pkt = vmbus_ic_max_pkt(i);
		cls->open = vmbus_ic_open;
		cls->close = vmbus_ic_close;
		cls->packet = vmbus_ic_packet;
		cls->release = vmbus_ic_release;
	}
	return 0;
}

void vmbus_ics_exit(void)
{
}
