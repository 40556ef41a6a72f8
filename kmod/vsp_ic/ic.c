// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm ICs: the integration components every VM gets.
 *
 * - heartbeat: a sequence number every HVIC_HB_PERIOD; the guest answers
 *   with it plus one. No answer for HVIC_HB_LOST_NS means the guest is lost
 *   (an event), an answer after that means it is back (another).
 * - shutdown: power off or reboot on request (hvadm vm shutdown), with the
 *   guest's answer.
 * - time sync: SYNC once the guest has negotiated (it steps its clock),
 *   then SAMPLE every HVIC_TS_PERIOD.
 * - KVP: the host's pairs (pool EXTERNAL) are kept here and sent to the
 *   guest whenever its KVP service is ready; the guest's own pairs are
 *   read on request. A Linux guest answers KVP only while hv_kvp_daemon
 *   runs, so nothing here ever waits for KVP without a time limit.
 *
 * Each IC is a device of a class of this VSP. The host speaks first: on
 * every open it offers its versions (NEGOTIATE) and the guest picks.
 * Guest replies arrive in the channel's work; nothing there waits.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "ic.h"

#define HVIC_HB_PERIOD		(2 * HZ)
#define HVIC_HB_LOST_NS		(10 * NSEC_PER_SEC)
#define HVIC_TS_PERIOD		(5 * HZ)
#define HVIC_KVP_TIMEOUT	(10 * HZ)

struct hvic_type {
	const char *name;
	u16 msgtype;
	const struct vmb_ic_ver *versions;
	unsigned int nversions;
	struct vmb_guid instance;
};

struct hvic_kvp_host {
	struct list_head node;
	char key[HVIC_KVP_KEY_MAX];
	char value[HVIC_KVP_VALUE_MAX];
};

static const struct hvic_type hvic_types[HVIC_COUNT] = {
	[HVIC_HEARTBEAT] = {
		.name = "heartbeat",
		.msgtype = VMB_IC_MSGTYPE_HEARTBEAT,
		.versions = vmb_ic_hb_versions,
		.nversions = VMB_IC_HB_NVER,
		.instance = VMB_GUID(0x57164f39, 0x0001, 0x4b48,
				     0x68, 0x76, 0x6b, 0x76, 0x6d, 0x00, 0x00, 0x01),
	},
	[HVIC_SHUTDOWN] = {
		.name = "shutdown",
		.msgtype = VMB_IC_MSGTYPE_SHUTDOWN,
		.versions = vmb_ic_sd_versions,
		.nversions = VMB_IC_SD_NVER,
		.instance = VMB_GUID(0x0e0b6031, 0x0001, 0x4b48,
				     0x68, 0x76, 0x6b, 0x76, 0x6d, 0x00, 0x00, 0x02),
	},
	[HVIC_TIMESYNC] = {
		.name = "timesync",
		.msgtype = VMB_IC_MSGTYPE_TIMESYNC,
		.versions = vmb_ic_ts_versions,
		.nversions = VMB_IC_TS_NVER,
		.instance = VMB_GUID(0x9527e630, 0x0001, 0x4b48,
				     0x68, 0x76, 0x6b, 0x76, 0x6d, 0x00, 0x00, 0x03),
	},
	[HVIC_KVP] = {
		.name = "kvp",
		.msgtype = VMB_IC_MSGTYPE_KVPEXCHANGE,
		.versions = vmb_ic_kvp_versions,
		.nversions = VMB_IC_KVP_NVER,
		.instance = VMB_GUID(0xa9a0f4e7, 0x0001, 0x4b48,
				     0x68, 0x76, 0x6b, 0x76, 0x6d, 0x00, 0x00, 0x04),
	},
};

static u32 hvic_ver(struct vmb_ic_ver v)
{
	return (u32)v.major << 16 | v.minor;
}

static struct hvic *hvic_of(struct vmbus_channel *ch)
{
	return vmbus_device_priv(vmbus_chan_device(ch));
}

static u32 hvic_max_pkt(enum hvic_kind kind)
{
	return kind == HVIC_KVP ? VMB_IC_KVP_MAX_PKT : VMB_IC_MAX_PKT;
}

/* Send what is in ic->buf (len bytes) as a new transaction. */
static int hvic_send(struct hvic *ic, int len, u64 *trans)
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
static const struct vmb_ic_ver *hvic_versions(const struct hvic *ic,
					      unsigned int *n)
{
	const struct hvic_type *t = &hvic_types[ic->kind];

	if (ic->kind == HVIC_TIMESYNC && ic->hv->has_clock) {
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
static void hvic_timesync(struct hvic *ic, u8 flags)
{
	s64 real = ktime_get_real_ns();
	u64 now = vmb_ic_unix_ns_to_hv(real);
	u64 ref = 0;

	if (ic->neg.msg.major >= 4)
		ref = div_u64(real - ic->hv->clock_offset, 100) ? : 1;
	hvic_send(ic, vmb_ic_build_timesync(ic->buf, VMB_IC_MAX_PKT,
					    &ic->neg, now, ref, flags), NULL);
}

static void hvic_heartbeat(struct hvic *ic)
{
	struct hvic_vm *hv = ic->hv;
	u64 now = ktime_get_boottime_ns();

	if (ic->state == HVKVM_IC_STATE_READY &&
	    now - ic->hb_answer_ns > HVIC_HB_LOST_NS) {
		ic->state = HVKVM_IC_STATE_LOST;
		pr_info_ratelimited("%s: heartbeat lost\n", hv->name);
		hvic_notify(hv, HVKVM_IC_EVENT_HEARTBEAT_LOST);
	}
	if (!hvic_send(ic, vmb_ic_build_heartbeat(ic->buf, VMB_IC_MAX_PKT,
						  &ic->neg, ic->hb_sent + 1),
		       NULL))
		ic->hb_sent++;
}

static void hvic_kvp_push(struct hvic_vm *hv);

static void hvic_work(struct work_struct *work)
{
	struct hvic *ic = container_of(to_delayed_work(work),
				       struct hvic, work);
	unsigned long next = 0;

	if (ic->kind == HVIC_KVP) {
		hvic_kvp_push(ic->hv);
		return;
	}
	mutex_lock(&ic->lock);
	if (ic->ch && (ic->state == HVKVM_IC_STATE_READY ||
		       ic->state == HVKVM_IC_STATE_LOST)) {
		if (ic->kind == HVIC_HEARTBEAT) {
			hvic_heartbeat(ic);
			next = HVIC_HB_PERIOD;
		} else if (ic->kind == HVIC_TIMESYNC) {
			hvic_timesync(ic, VMB_IC_TIMESYNC_FLAG_SAMPLE);
			next = HVIC_TS_PERIOD;
		}
	}
	if (next && !ic->hv->stopped)
		queue_delayed_work(hvic_wq, &ic->work, next);
	mutex_unlock(&ic->lock);
}

/* ---- the class callbacks ---- */

static int hvic_open(struct vmbus_channel *ch)
{
	struct hvic *ic = hvic_of(ch);
	const struct vmb_ic_ver *versions;
	unsigned int nversions;
	int err;

	versions = hvic_versions(ic, &nversions);
	mutex_lock(&ic->lock);
	ic->ch = ch;
	ic->state = HVKVM_IC_STATE_NEGOTIATING;
	memset(&ic->neg, 0, sizeof(ic->neg));
	err = hvic_send(ic, vmb_ic_build_negotiate(ic->buf, VMB_IC_MAX_PKT,
						   vmb_ic_fw_versions,
						   VMB_IC_FW_NVER,
						   versions, nversions),
			&ic->neg_trans);
	if (err)
		ic->ch = NULL;
	mutex_unlock(&ic->lock);
	return err;
}

static void hvic_close(struct vmbus_channel *ch)
{
	struct hvic *ic = hvic_of(ch);

	mutex_lock(&ic->lock);
	ic->ch = NULL;
	ic->state = HVKVM_IC_STATE_CLOSED;
	if (ic->req_trans) {
		ic->req_trans = 0;
		complete(&ic->req_done);
	}
	if (ic->req_async) {
		/* Its answer cannot come any more. */
		ic->req_async = false;
		cancel_delayed_work(&ic->req_expire);
		hvic_notify_shutdown(ic->hv, HVKVM_IC_SHUTDOWN_NO_ANSWER, 0);
	}
	mutex_unlock(&ic->lock);
	/* The work may take ic->lock itself; it sees ch NULL and stops. */
}

static void hvic_negotiated(struct hvic *ic, const void *p, u32 len)
{
	const struct hvic_type *t = &hvic_types[ic->kind];
	struct hvic_vm *hv = ic->hv;
	const struct vmb_ic_ver *versions;
	unsigned int nversions;
	int err;

	versions = hvic_versions(ic, &nversions);
	err = vmb_ic_parse_negotiate(p, len, vmb_ic_fw_versions, VMB_IC_FW_NVER,
				     versions, nversions, &ic->neg);
	if (err == -ENOENT) {
		ic->state = HVKVM_IC_STATE_NO_COMMON_VERSION;
		pr_info_ratelimited("%s: %s: the guest knows none of the host's versions\n",
				    hv->name, t->name);
		return;
	}
	if (err) {
		pr_warn_ratelimited("%s: %s: malformed version answer\n",
				    hv->name, t->name);
		return;
	}
	ic->state = HVKVM_IC_STATE_READY;
	/*
	 * A channel's work may still run while the VM goes: once the ICs
	 * are stopped, nothing may arm their timers again (they are freed
	 * with the VM).
	 */
	if (ic->hv->stopped)
		return;
	switch (ic->kind) {
	case HVIC_HEARTBEAT:
		ic->hb_answer_ns = ktime_get_boottime_ns();
		queue_delayed_work(hvic_wq, &ic->work, 0);
		break;
	case HVIC_TIMESYNC:
		hvic_timesync(ic, VMB_IC_TIMESYNC_FLAG_SYNC);
		queue_delayed_work(hvic_wq, &ic->work, HVIC_TS_PERIOD);
		break;
	case HVIC_KVP:
		queue_delayed_work(hvic_wq, &ic->work, 0);
		break;
	default:
		break;
	}
}

static void hvic_answer(struct hvic *ic, u64 trans, const void *p, u32 len)
{
	struct hvic_vm *hv = ic->hv;
	u64 seq;
	int err = 0;

	switch (ic->kind) {
	case HVIC_HEARTBEAT:
		err = vmb_ic_parse_heartbeat(p, len, &ic->req_status, &seq);
		if (err || seq <= ic->hb_answered + 1 || seq > ic->hb_sent + 1)
			break;
		ic->hb_answered = seq - 1;
		ic->hb_answer_ns = ktime_get_boottime_ns();
		if (ic->state == HVKVM_IC_STATE_LOST) {
			ic->state = HVKVM_IC_STATE_READY;
			pr_info_ratelimited("%s: heartbeat regained\n", hv->name);
			hvic_notify(hv, HVKVM_IC_EVENT_HEARTBEAT_REGAINED);
		}
		return;
	case HVIC_TIMESYNC:
		err = vmb_ic_parse_timesync(p, len, &ic->req_status);
		break;
	case HVIC_SHUTDOWN:
		if (trans != ic->req_trans)
			return;
		err = vmb_ic_parse_shutdown(p, len, &ic->req_status);
		break;
	case HVIC_KVP:
		if (trans != ic->req_trans)
			return;
		err = vmb_ic_parse_kvp(p, len, &ic->req_op, &ic->req_status,
				       ic->req_key, HVIC_KVP_KEY_MAX,
				       ic->req_value, HVIC_KVP_VALUE_MAX);
		break;
	default:
		return;
	}
	if (err) {
		pr_warn_ratelimited("%s: %s: malformed answer from the guest\n",
				    hv->name, hvic_types[ic->kind].name);
		return;
	}
	if (trans && trans == ic->req_trans) {
		ic->req_answered = true;
		ic->req_trans = 0;
		if (ic->req_async) {
			ic->req_async = false;
			cancel_delayed_work(&ic->req_expire);
			hvic_notify_shutdown(hv, ic->req_status ?
					      HVKVM_IC_SHUTDOWN_REFUSED :
					      HVKVM_IC_SHUTDOWN_DONE,
					      ic->req_status);
		}
		complete(&ic->req_done);
	}
}

/* An asynchronous request's answer did not come in time. */
static void hvic_req_expire(struct work_struct *work)
{
	struct hvic *ic = container_of(to_delayed_work(work),
				       struct hvic, req_expire);

	mutex_lock(&ic->lock);
	if (ic->req_async) {
		ic->req_async = false;
		ic->req_trans = 0;
		hvic_notify_shutdown(ic->hv, HVKVM_IC_SHUTDOWN_NO_ANSWER, 0);
	}
	mutex_unlock(&ic->lock);
}

static int hvic_packet(struct vmbus_channel *ch,
		       const struct vmb_pkt_desc *pkt, u32 len)
{
	struct hvic *ic = hvic_of(ch);
	u32 off = pkt->offset8 * 8;

	/* Only the guest's answers come here; anything else is dropped. */
	if (pkt->type != VMB_PKT_DATA_INBAND || off > len)
		return 0;
	mutex_lock(&ic->lock);
	if (ic->state == HVKVM_IC_STATE_NEGOTIATING) {
		if (pkt->trans_id == ic->neg_trans)
			hvic_negotiated(ic, (const u8 *)pkt + off, len - off);
	} else if (ic->state == HVKVM_IC_STATE_READY ||
		   ic->state == HVKVM_IC_STATE_LOST) {
		hvic_answer(ic, pkt->trans_id, (const u8 *)pkt + off,
			    len - off);
	}
	mutex_unlock(&ic->lock);
	return 0;
}

static struct vmbus_class hvic_classes[HVIC_COUNT];

/*
 * The device is gone (rescinded and released, or VMBus released it when
 * the VM went or this VSP left it). Under the VM's mutex: no hv->lock.
 * May drop the last reference on hv.
 */
static void hvic_release(struct vmbus_device *dev)
{
	struct hvic *ic = vmbus_device_priv(dev);
	struct hvic_vm *hv = ic->hv;

	cmpxchg(&ic->dev, dev, NULL);
	kref_put(&hv->ref, hvic_vm_free);
}

/* Offer ic to the guest: under hv->lock, not detached. */
static int hvic_add(struct hvic_vm *hv, struct hvic *ic)
{
	struct vmbus_device *dev;

	lockdep_assert_held(&hv->lock);
	kref_get(&hv->ref);		/* the device's, until its release */
	dev = vmbus_device_add(hv->vm, &hvic_classes[ic->kind],
			       &hvic_types[ic->kind].instance, ic);
	if (IS_ERR(dev)) {
		kref_put(&hv->ref, hvic_vm_free);
		return PTR_ERR(dev);
	}
	WRITE_ONCE(ic->dev, dev);
	ic->enabled = true;
	return 0;
}

int hvic_set(struct hvic_vm *hv, const char *name, bool enabled,
	     struct netlink_ext_ack *extack)
{
	struct hvic *ic = NULL;
	unsigned int i;
	int err = 0;

	for (i = 0; i < HVIC_COUNT; i++)
		if (!strcmp(hvic_types[i].name, name))
			ic = &hv->ic[i];
	if (!ic) {
		NL_SET_ERR_MSG(extack, "no such integration service (heartbeat, shutdown, timesync, kvp)");
		return -EINVAL;
	}
	mutex_lock(&hv->lock);
	if (hv->detached) {
		err = -ENODEV;
	} else if (enabled && !ic->enabled) {
		/* Only its release clears it, and it does not wait for us. */
		if (READ_ONCE(ic->dev)) {
			NL_SET_ERR_MSG(extack, "the guest has not released the service's last channel yet");
			err = -EBUSY;
		} else {
			err = hvic_add(hv, ic);
		}
	} else if (!enabled && ic->enabled) {
		/*
		 * Not detached: only this removal, and the guest's release
		 * that follows it, can free the device (VMBus releases the
		 * rest only after vm_detach, which waits for hv->lock).
		 */
		ic->enabled = false;
		vmbus_device_remove(ic->dev);
	}
	mutex_unlock(&hv->lock);
	return err;
}

/* ---- requests from the host's side ---- */

/*
 * Send ic->buf (len) and wait up to timeout for the answer. Returns 0
 * (answered: ic->req_status and the rest hold it), -ETIMEDOUT, or
 * another error before anything was sent.
 */
static int hvic_request(struct hvic *ic, int len, unsigned long timeout)
{
	long left;
	int err;

	mutex_lock(&ic->lock);
	if (ic->state != HVKVM_IC_STATE_READY || ic->hv->stopped) {
		mutex_unlock(&ic->lock);
		return -ENOTCONN;
	}
	if (ic->req_trans) {
		mutex_unlock(&ic->lock);
		return -EBUSY;
	}
	reinit_completion(&ic->req_done);
	ic->req_answered = false;
	err = hvic_send(ic, len, &ic->req_trans);
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

static const char *hvic_not_ready(struct hvic *ic)
{
	switch (ic->state) {
	case HVKVM_IC_STATE_CLOSED:
		return "the guest has not opened this integration service (no VMBus driver or no hv_utils)";
	case HVKVM_IC_STATE_NEGOTIATING:
		return "the guest's integration service does not answer";
	case HVKVM_IC_STATE_NO_COMMON_VERSION:
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
int hvic_shutdown(struct hvic_vm *hv, bool reboot, u32 timeout_ms,
		  struct netlink_ext_ack *extack)
{
	struct hvic *ic = &hv->ic[HVIC_SHUTDOWN];
	int len, err;

	mutex_lock(&ic->lock);
	if (ic->state != HVKVM_IC_STATE_READY || ic->hv->stopped) {
		if (extack)	/* a static string, as NL_SET_ERR_MSG wants */
			extack->_msg = hvic_not_ready(ic);
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
	err = hvic_send(ic, len, &ic->req_trans);
	if (err == -ENOSPC) {
		NL_SET_ERR_MSG(extack, "the guest does not read its shutdown channel");
		err = -EBUSY;
	}
	if (!err) {
		ic->req_answered = false;
		ic->req_async = true;
		mod_delayed_work(hvic_wq, &ic->req_expire,
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
static void hvic_shutdown_work(struct work_struct *work)
{
	struct hvic_vm *hv = container_of(work, struct hvic_vm,
					  shutdown_work);
	struct hvic *ic = &hv->ic[HVIC_SHUTDOWN];

	mutex_lock(&ic->lock);
	if (ic->state == HVKVM_IC_STATE_READY && !hv->stopped)
		hvic_send(ic, vmb_ic_build_shutdown(ic->buf, VMB_IC_MAX_PKT,
						    &ic->neg, 0,
						    "hvadm vm stop"),
			  NULL);
	mutex_unlock(&ic->lock);
}

void hvic_vm_shutdown(struct hvic_vm *hv)
{
	queue_work(hvic_wq, &hv->shutdown_work);
}

/* ---- KVP ---- */

/*
 * One KVP exchange, under kvp_lock, answered by @deadline (jiffies) or
 * -ETIMEDOUT; the answer in ic->req_*. Every caller gives all its
 * exchanges one deadline, HVIC_KVP_TIMEOUT from its start, so that a
 * guest that answers slowly cannot make a listing, or the push of the
 * host's pairs, last longer than that in all.
 */
static int hvic_kvp_xact(struct hvic *ic, int len, unsigned long deadline)
{
	long left = (long)(deadline - jiffies);

	lockdep_assert_held(&ic->hv->kvp_lock);
	if (len < 0)
		return len;
	if (left <= 0)
		return -ETIMEDOUT;
	return hvic_request(ic, len, left);
}

static int hvic_kvp_send_pair(struct hvic *ic, const char *key,
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
	return hvic_kvp_xact(ic, len, deadline);
}

/* The guest's KVP service became ready: give it the host's pairs. */
static void hvic_kvp_push(struct hvic_vm *hv)
{
	struct hvic *ic = &hv->ic[HVIC_KVP];
	unsigned long deadline = jiffies + HVIC_KVP_TIMEOUT;
	struct hvic_kvp_host *kv;

	mutex_lock(&hv->kvp_lock);
	list_for_each_entry(kv, &hv->kvp_host, node)
		if (hvic_kvp_send_pair(ic, kv->key, kv->value, deadline))
			break;
	mutex_unlock(&hv->kvp_lock);
}

int hvic_kvp_set(struct hvic_vm *hv, const char *key, const char *value,
		 struct netlink_ext_ack *extack)
{
	struct hvic *ic = &hv->ic[HVIC_KVP];
	unsigned long deadline = jiffies + HVIC_KVP_TIMEOUT;
	struct hvic_kvp_host *kv, *found = NULL;
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
	if (mutex_lock_killable(&hv->kvp_lock))
		return -EINTR;
	list_for_each_entry(kv, &hv->kvp_host, node)
		if (!strcmp(kv->key, key))
			found = kv;
	if (!*value) {
		if (!found) {
			mutex_unlock(&hv->kvp_lock);
			NL_SET_ERR_MSG(extack, "no such key");
			return -ENOENT;
		}
		list_del(&found->node);
		hv->nkvp_host--;
		kfree(found);
	} else if (found) {
		strscpy(found->value, value, sizeof(found->value));
	} else {
		if (hv->nkvp_host >= HVIC_KVP_HOST_MAX) {
			mutex_unlock(&hv->kvp_lock);
			NL_SET_ERR_MSG(extack, "the VM has as many host pairs as it may");
			return -ENOSPC;
		}
		kv = kzalloc(sizeof(*kv), GFP_KERNEL);
		if (!kv) {
			mutex_unlock(&hv->kvp_lock);
			return -ENOMEM;
		}
		strscpy(kv->key, key, sizeof(kv->key));
		strscpy(kv->value, value, sizeof(kv->value));
		list_add_tail(&kv->node, &hv->kvp_host);
		hv->nkvp_host++;
	}
	/* Kept either way; sent now if the guest listens. */
	err = hvic_kvp_send_pair(ic, key, value, deadline);
	mutex_unlock(&hv->kvp_lock);
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

struct hvic_kvp_list *hvic_kvp_collect(struct hvic_vm *hv)
{
	static const u8 pools[] = { VMB_IC_KVP_POOL_GUEST, VMB_IC_KVP_POOL_AUTO };
	struct hvic *ic = &hv->ic[HVIC_KVP];
	unsigned long deadline = jiffies + HVIC_KVP_TIMEOUT;
	struct hvic_kvp_list *list;
	struct hvic_kvp_host *kv;
	unsigned int p, i;
	int err = 0, len;

	list = kvzalloc(struct_size(list, pairs, HVIC_KVP_HOST_MAX +
				    ARRAY_SIZE(pools) * HVIC_KVP_GUEST_MAX + 1),
			GFP_KERNEL);
	if (!list)
		return ERR_PTR(-ENOMEM);
	if (mutex_lock_killable(&hv->kvp_lock)) {
		kvfree(list);
		return ERR_PTR(-EINTR);
	}
	list_for_each_entry(kv, &hv->kvp_host, node) {
		struct hvic_kvp_pair *pair = &list->pairs[list->n++];

		pair->pool = VMB_IC_KVP_POOL_EXTERNAL;
		strscpy(pair->key, kv->key, sizeof(pair->key));
		strscpy(pair->value, kv->value, sizeof(pair->value));
	}
	for (p = 0; p < ARRAY_SIZE(pools) && !err; p++) {
		for (i = 0; i < HVIC_KVP_GUEST_MAX; i++) {
			struct hvic_kvp_pair *pair = &list->pairs[list->n];

			mutex_lock(&ic->lock);
			len = vmb_ic_build_kvp_enumerate(ic->buf, VMB_IC_KVP_MAX_PKT,
							 &ic->neg, pools[p], i);
			ic->req_key = pair->key;
			ic->req_value = pair->value;
			mutex_unlock(&ic->lock);
			err = hvic_kvp_xact(ic, len, deadline);
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
			 ic->state == HVKVM_IC_STATE_NEGOTIATING ?
			 "the guest's KVP service does not answer (is hv_kvp_daemon running?)" :
			 hvic_not_ready(ic));
		mutex_unlock(&ic->lock);
	}
	mutex_lock(&ic->lock);
	ic->req_key = NULL;
	ic->req_value = NULL;
	mutex_unlock(&ic->lock);
	mutex_unlock(&hv->kvp_lock);
	return list;
}

/* ---- netlink ---- */

static int hvic_fill_one(struct sk_buff *skb, struct hvic *ic)
{
	const struct hvic_type *t = &hvic_types[ic->kind];
	struct nlattr *nest = nla_nest_start(skb, HVKVM_IC_IC_A_IC);
	bool ready = ic->state == HVKVM_IC_STATE_READY ||
		     ic->state == HVKVM_IC_STATE_LOST;
	const struct vmb_ic_ver *versions;
	unsigned int nversions;
	int err = -EMSGSIZE;

	versions = hvic_versions(ic, &nversions);
	mutex_lock(&ic->lock);
	if (!nest || nla_put_string(skb, HVKVM_IC_IC_A_NAME, t->name) ||
	    nla_put_u32(skb, HVKVM_IC_IC_A_STATE,
			ic->enabled ? ic->state : HVKVM_IC_STATE_DISABLED) ||
	    nla_put_u32(skb, HVKVM_IC_IC_A_HOST_MSG_VERSION,
			hvic_ver(versions[nversions - 1])) ||
	    (ready && (nla_put_u32(skb, HVKVM_IC_IC_A_FRAME_VERSION,
				   hvic_ver(ic->neg.frame)) ||
		       nla_put_u32(skb, HVKVM_IC_IC_A_MSG_VERSION,
				   hvic_ver(ic->neg.msg)))))
		goto out;
	if (ic->kind == HVIC_HEARTBEAT && ready &&
	    (nla_put_u64_64bit(skb, HVKVM_IC_IC_A_HEARTBEAT_SEQ,
			       ic->hb_answered, HVKVM_IC_IC_A_PAD) ||
	     nla_put_u64_64bit(skb, HVKVM_IC_IC_A_HEARTBEAT_AGE_MS,
			       div_u64(ktime_get_boottime_ns() - ic->hb_answer_ns,
				       NSEC_PER_MSEC),
			       HVKVM_IC_IC_A_PAD)))
		goto out;
	nla_nest_end(skb, nest);
	err = 0;
out:
	mutex_unlock(&ic->lock);
	return err;
}

int hvic_fill(struct sk_buff *skb, struct hvic_vm *hv)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, HVKVM_IC_A_ICS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < HVIC_COUNT; i++)
		if (hvic_fill_one(skb, &hv->ic[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* ---- a VM's ICs ---- */

/* A VM's ICs, none offered yet; NULL without memory. */
struct hvic_vm *hvic_vm_new(struct vmbus_vm *vm)
{
	struct hvic_vm *hv;
	unsigned int i;

	hv = kzalloc(sizeof(*hv), GFP_KERNEL);
	if (!hv)
		return NULL;
	kref_init(&hv->ref);
	hv->vm = vm;
	strscpy(hv->name, vmbus_vm_name(vm), sizeof(hv->name));
	hv->has_clock = vmbus_vm_clock_offset(vm, &hv->clock_offset);
	mutex_init(&hv->lock);
	mutex_init(&hv->kvp_lock);
	INIT_LIST_HEAD(&hv->kvp_host);
	INIT_WORK(&hv->shutdown_work, hvic_shutdown_work);
	for (i = 0; i < HVIC_COUNT; i++) {
		struct hvic *ic = &hv->ic[i];

		ic->hv = hv;
		ic->kind = i;
		mutex_init(&ic->lock);
		init_completion(&ic->req_done);
		INIT_DELAYED_WORK(&ic->req_expire, hvic_req_expire);
		INIT_DELAYED_WORK(&ic->work, hvic_work);
		ic->buf = kvzalloc(hvic_max_pkt(i), GFP_KERNEL);
		if (!ic->buf) {
			kref_put(&hv->ref, hvic_vm_free);
			return NULL;
		}
	}
	return hv;
}

/* Offer the four, in order (relids 1 to 4 in a new VM). */
int hvic_vm_add_devices(struct hvic_vm *hv)
{
	unsigned int i;
	int err = 0;

	mutex_lock(&hv->lock);
	for (i = 0; i < HVIC_COUNT && !err; i++)
		err = hvic_add(hv, &hv->ic[i]);
	mutex_unlock(&hv->lock);
	return err;
}

/*
 * The VM is going, or the VSP leaves it: nothing is offered any more, no
 * more timers, and nobody waits. The devices are VMBus's to release.
 */
void hvic_vm_stop(struct hvic_vm *hv)
{
	unsigned int i;

	mutex_lock(&hv->lock);
	hv->detached = true;
	mutex_unlock(&hv->lock);
	for (i = 0; i < HVIC_COUNT; i++) {
		struct hvic *ic = &hv->ic[i];

		mutex_lock(&ic->lock);
		hv->stopped = true;
		if (ic->req_trans) {
			ic->req_trans = 0;
			complete(&ic->req_done);
		}
		mutex_unlock(&ic->lock);
	}
	for (i = 0; i < HVIC_COUNT; i++) {
		cancel_delayed_work_sync(&hv->ic[i].work);
		cancel_delayed_work_sync(&hv->ic[i].req_expire);
	}
	cancel_work_sync(&hv->shutdown_work);
}

/* The last reference: stopped, and every device released. */
void hvic_vm_free(struct kref *ref)
{
	struct hvic_vm *hv = container_of(ref, struct hvic_vm, ref);
	struct hvic_kvp_host *kv, *tmp;
	unsigned int i;

	for (i = 0; i < HVIC_COUNT; i++)
		kvfree(hv->ic[i].buf);
	list_for_each_entry_safe(kv, tmp, &hv->kvp_host, node)
		kfree(kv);
	kfree(hv);
}

static const struct vmb_guid hvic_if_types[HVIC_COUNT] = {
	[HVIC_HEARTBEAT]	= VMB_GUID_HEARTBEAT,
	[HVIC_SHUTDOWN]		= VMB_GUID_SHUTDOWN,
	[HVIC_TIMESYNC]		= VMB_GUID_TIMESYNC,
	[HVIC_KVP]		= VMB_GUID_KVP,
};

int __init hvic_classes_init(const struct vmbus_vsp *vsp)
{
	unsigned int i;

	for (i = 0; i < HVIC_COUNT; i++) {
		struct vmbus_class *cls = &hvic_classes[i];

		cls->name = hvic_types[i].name;
		cls->if_type = hvic_if_types[i];
		cls->owner = THIS_MODULE;
		/* no module reference per device: unregistering releases them */
		cls->vsp = vsp;
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
		cls->max_pkt = hvic_max_pkt(i);
		cls->open = hvic_open;
		cls->close = hvic_close;
		cls->packet = hvic_packet;
		cls->release = hvic_release;
	}
	return 0;
}
