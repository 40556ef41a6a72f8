// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm storvsp: the LIO fabric. Its configfs tree holds one target per
 * VM, named after it, and one TPG per SCSI controller (tpgt_0 to
 * tpgt_3). Each controller has its own initiator (its I_T nexus), whose
 * name is fixed by the VM's name and the controller's number and shown
 * in tpgt_N/nexus: an ACL of that name maps the LUNs the guest sees, and
 * its write protection makes a disk read-only. Demo mode is off: LUNs
 * reach the guest only through that ACL, as with targetcli's iSCSI.
 *
 * Attributes of a TPG: enable (offer the controller to the guest while
 * the VM runs), nexus (read-only), rescan (write 1: the guest scans its
 * bus again; hvadm writes it after mapping a LUN, since LIO tells a
 * fabric when a LUN is linked to its TPG but not when an ACL maps it),
 * lun_stats (read-only: per LUN, requests, bytes, errors and commands in
 * flight since the VM started).
 */
#include <linux/configfs.h>
#include <linux/ctype.h>
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <hvkvm/compat_target.h>

#include "storvsp.h"

static LIST_HEAD(svp_wwns);		/* under svp_lock */

static struct svp_tpg *svp_tpg(struct se_portal_group *se_tpg)
{
	return container_of(se_tpg, struct svp_tpg, se_tpg);
}

static struct svp_wwn *svp_wwn(struct se_wwn *se_wwn)
{
	return container_of(se_wwn, struct svp_wwn, se_wwn);
}

struct svp_wwn *svp_wwn_find(const char *vm)
{
	struct svp_wwn *wwn;

	lockdep_assert_held(&svp_lock);
	list_for_each_entry(wwn, &svp_wwns, node)
		if (!strcmp(wwn->vm, vm))
			return wwn;
	return NULL;
}

/* tpg's controller while offered, with a reference; NULL when not. */
static struct svp_ctl *svp_tpg_ctl(struct svp_tpg *tpg)
{
	struct svp_ctl *ctl;

	spin_lock(&tpg->ctl_lock);
	ctl = tpg->ctl;
	if (ctl)
		kref_get(&ctl->ref);
	spin_unlock(&tpg->ctl_lock);
	return ctl;
}

/* ---- targets: one per VM ---- */

/* A VM's name, as VID takes it: the target is the VM's. */
static bool svp_vm_name_ok(const char *name)
{
	size_t len = strlen(name), i;

	if (!len || len >= sizeof(((struct svp_wwn *)NULL)->vm))
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (isalnum(c) || (i && (c == '.' || c == '_' || c == '-')))
			continue;
		return false;
	}
	return true;
}

static struct se_wwn *svp_make_wwn(struct target_fabric_configfs *tf,
				   struct config_group *group, const char *name)
{
	struct svp_wwn *wwn;

	if (!svp_vm_name_ok(name)) {
		pr_info_ratelimited("target '%s': not a VM name (1 to 31 letters, digits, '.', '_', '-', starting with a letter or digit)\n",
				    name);
		return ERR_PTR(-EINVAL);
	}
	wwn = kzalloc(sizeof(*wwn), GFP_KERNEL);
	if (!wwn)
		return ERR_PTR(-ENOMEM);
	strscpy(wwn->vm, name, sizeof(wwn->vm));
	INIT_LIST_HEAD(&wwn->tpgs);
	mutex_lock(&svp_lock);
	list_add_tail(&wwn->node, &svp_wwns);
	mutex_unlock(&svp_lock);
	return &wwn->se_wwn;
}

/* configfs removes the TPGs first. */
static void svp_drop_wwn(struct se_wwn *se_wwn)
{
	struct svp_wwn *wwn = svp_wwn(se_wwn);

	mutex_lock(&svp_lock);
	list_del(&wwn->node);
	mutex_unlock(&svp_lock);
	kfree(wwn);
}

static char *svp_get_wwn(struct se_portal_group *se_tpg)
{
	return svp_tpg(se_tpg)->wwn->vm;
}

/* ---- TPGs: one per controller ---- */

static struct se_portal_group *svp_make_tpg(struct se_wwn *se_wwn,
					    const char *name)
{
	struct svp_wwn *wwn = svp_wwn(se_wwn);
	struct svp_tpg *tpg;
	unsigned int index;
	u32 h;
	int err;

	/* tpgt_0 to tpgt_3, written so: one TPG per controller */
	if (strlen(name) != 6 || strncmp(name, "tpgt_", 5) ||
	    name[5] < '0' || name[5] >= '0' + SVP_CONTROLLERS)
		return ERR_PTR(-EINVAL);
	index = name[5] - '0';
	tpg = kzalloc(sizeof(*tpg), GFP_KERNEL);
	if (!tpg)
		return ERR_PTR(-ENOMEM);
	tpg->wwn = wwn;
	tpg->index = index;
	spin_lock_init(&tpg->ctl_lock);
	/*
	 * NAA 5 with LIO's OUI, as targetcli names initiators, then the
	 * controller and a hash of the VM's name: fixed for the VM, so that
	 * its ACL can be made before the VM runs.
	 */
	h = jhash(wwn->vm, strlen(wwn->vm), 0);
	snprintf(tpg->initiator, sizeof(tpg->initiator), "naa.5001405%x%08x",
		 index, h);
	/* SAS: LIO knows its identifiers (INQUIRY's version descriptors) */
	err = core_tpg_register(se_wwn, &tpg->se_tpg, SCSI_PROTOCOL_SAS);
	if (err) {
		kfree(tpg);
		return ERR_PTR(err);
	}
	mutex_lock(&svp_lock);
	list_add_tail(&tpg->node, &wwn->tpgs);
	mutex_unlock(&svp_lock);
	return &tpg->se_tpg;
}

static void svp_drop_tpg(struct se_portal_group *se_tpg)
{
	struct svp_tpg *tpg = svp_tpg(se_tpg);
	struct svp_ctl *ctl, *stopping;

	mutex_lock(&svp_lock);
	list_del(&tpg->node);
	tpg->enabled = false;
	ctl = svp_ctl_withdraw(tpg);
	stopping = tpg->stopping;	/* its reference is ours now */
	tpg->stopping = NULL;
	mutex_unlock(&svp_lock);
	if (ctl) {
		svp_ctl_stop(ctl);
		svp_ctl_put(ctl);
	}
	/* a controller whose VM went may still be stopping */
	if (stopping) {
		flush_work(&stopping->stop_work);
		svp_ctl_put(stopping);
	}
	core_tpg_deregister(se_tpg);
	kfree(tpg);
}

/*
 * Enabled, the controller is offered whenever its VM runs (now, if it
 * does); disabled, it is withdrawn.
 */
static int svp_enable_tpg(struct se_portal_group *se_tpg, bool enable)
{
	struct svp_tpg *tpg = svp_tpg(se_tpg);
	struct svp_ctl *ctl = NULL;

	mutex_lock(&svp_lock);
	if (enable && !tpg->enabled) {
		tpg->enabled = true;
		svp_tpg_offer(tpg);
	} else if (!enable && tpg->enabled) {
		tpg->enabled = false;
		ctl = svp_ctl_withdraw(tpg);
	}
	mutex_unlock(&svp_lock);
	if (ctl) {
		svp_ctl_stop(ctl);
		svp_ctl_put(ctl);
	}
	return 0;
}

static u16 svp_get_tag(struct se_portal_group *se_tpg)
{
	return svp_tpg(se_tpg)->index;
}

/* A LUN linked or unlinked: the guest scans again. */
static void svp_lun_changed(struct se_portal_group *se_tpg, struct se_lun *lun)
{
	struct svp_ctl *ctl = svp_tpg_ctl(svp_tpg(se_tpg));

	if (lun->unpacked_lun >= VMB_STOR_LUNS)
		pr_warn_ratelimited("%s: LUN %llu: a controller has LUNs 0 to %u; the guest will not see it\n",
				    svp_tpg(se_tpg)->wwn->vm, lun->unpacked_lun,
				    VMB_STOR_LUNS - 1);
	if (!ctl)
		return;
	svp_ctl_session(ctl);
	svp_rescan(ctl);
	svp_ctl_put(ctl);
}

static int svp_post_link(struct se_portal_group *se_tpg, struct se_lun *lun)
{
	svp_lun_changed(se_tpg, lun);
	return 0;
}

static void svp_post_unlink(struct se_portal_group *se_tpg,
			    struct se_lun *lun)
{
	svp_lun_changed(se_tpg, lun);
}

/* ---- TPG attributes ---- */

static struct se_portal_group *svp_item_tpg(struct config_item *item)
{
	return container_of(to_config_group(item), struct se_portal_group,
			    tpg_group);
}

static ssize_t svp_tpg_nexus_show(struct config_item *item, char *page)
{
	return sysfs_emit(page, "%s\n", svp_tpg(svp_item_tpg(item))->initiator);
}

static ssize_t svp_tpg_rescan_store(struct config_item *item,
				    const char *page, size_t count)
{
	struct svp_ctl *ctl;
	bool yes;
	int err;

	err = kstrtobool(page, &yes);
	if (err)
		return err;
	ctl = yes ? svp_tpg_ctl(svp_tpg(svp_item_tpg(item))) : NULL;
	if (!ctl)
		return count;	/* not running: the guest scans at boot */
	svp_ctl_session(ctl);
	svp_rescan(ctl);
	svp_ctl_put(ctl);
	return count;
}

/* "LUN requests bytes errors inflight", for LUNs that had requests. */
static ssize_t svp_tpg_lun_stats_show(struct config_item *item, char *page)
{
	struct svp_ctl *ctl = svp_tpg_ctl(svp_tpg(svp_item_tpg(item)));
	ssize_t n = 0;
	unsigned int i;

	if (!ctl)
		return 0;
	for (i = 0; i < VMB_STOR_LUNS; i++) {
		struct svp_stats *s = &ctl->stats[i];
		s64 req = atomic64_read(&s->requests);
		int inflight = atomic_read(&s->inflight);

		if (!req && !inflight)
			continue;
		n += scnprintf(page + n, PAGE_SIZE - n, "%u %lld %lld %lld %d\n",
			       i, req, atomic64_read(&s->bytes),
			       atomic64_read(&s->errors), inflight);
	}
	svp_ctl_put(ctl);
	return n;
}

CONFIGFS_ATTR_RO(svp_tpg_, nexus);
CONFIGFS_ATTR_WO(svp_tpg_, rescan);
CONFIGFS_ATTR_RO(svp_tpg_, lun_stats);

static struct configfs_attribute *svp_tpg_attrs[] = {
	&svp_tpg_attr_nexus,
	&svp_tpg_attr_rescan,
	&svp_tpg_attr_lun_stats,
	NULL,
};

/* ---- sessions and commands ---- */

static int svp_check_false(struct se_portal_group *se_tpg)
{
	return 0;
}

static u32 svp_get_inst_index(struct se_portal_group *se_tpg)
{
	return 1;
}

static u32 svp_sess_get_index(struct se_session *se_sess)
{
	return 0;
}

static void svp_set_default_node_attrs(struct se_node_acl *nacl)
{
}

static int svp_get_cmd_state(struct se_cmd *se_cmd)
{
	return 0;
}

static int svp_check_stop_free(struct se_cmd *se_cmd)
{
	return target_put_sess_cmd(se_cmd);
}

/* The ACL that held the session goes: end the session (LIO waits). */
static void svp_close_session(struct se_session *se_sess)
{
	svp_ctl_close_session(se_sess->fabric_sess_ptr);
}

const struct target_core_fabric_ops svp_ops = {
	.module				= THIS_MODULE,
	.fabric_name			= SVP_FABRIC_NAME,
	.tpg_get_wwn			= svp_get_wwn,
	.tpg_get_tag			= svp_get_tag,
	.tpg_check_demo_mode		= svp_check_false,
	.tpg_check_demo_mode_cache	= svp_check_false,
	.tpg_check_demo_mode_write_protect = svp_check_false,
	.tpg_check_prod_mode_write_protect = svp_check_false,
	.tpg_get_inst_index		= svp_get_inst_index,
	.check_stop_free		= svp_check_stop_free,
	.release_cmd			= svp_cmd_release,
	.close_session			= svp_close_session,
	.sess_get_index			= svp_sess_get_index,
	.write_pending			= svp_cmd_write_pending,
	.set_default_node_attributes	= svp_set_default_node_attrs,
	.get_cmd_state			= svp_get_cmd_state,
	.queue_data_in			= svp_cmd_queue_status,
	.queue_status			= svp_cmd_queue_status,
	.queue_tm_rsp			= svp_tmr_done,
	.aborted_task			= svp_cmd_aborted,
	.fabric_make_wwn		= svp_make_wwn,
	.fabric_drop_wwn		= svp_drop_wwn,
	.fabric_make_tpg		= svp_make_tpg,
	.fabric_drop_tpg		= svp_drop_tpg,
	.fabric_enable_tpg		= svp_enable_tpg,
	.fabric_post_link		= svp_post_link,
	.fabric_post_unlink		= svp_post_unlink,
	.tfc_tpg_base_attrs		= svp_tpg_attrs,
	/* queued: a request's submission never waits in the packet handler */
	HVKVM_TARGET_QUEUED
};
