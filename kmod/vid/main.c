// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm VID: the Virtual Infrastructure Driver.
 *
 * VID keeps this host's partitions: their configuration and state, driven
 * over the generic netlink family "hvkvm_vid".
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/genetlink.h>

#include "vid.h"

struct workqueue_struct *vid_wq;

unsigned int vid_max_vms = HVKVM_VID_MAX_VMS;
module_param_named(max_vms, vid_max_vms, uint, 0444);
MODULE_PARM_DESC(max_vms, "maximum number of partitions (1-"
		 __stringify(HVKVM_VID_MAX_VMS) ", default "
		 __stringify(HVKVM_VID_MAX_VMS) ")");

static int __init vid_init(void)
{
	int err;

	if (!vid_max_vms || vid_max_vms > HVKVM_VID_MAX_VMS) {
		pr_err("max_vms must be between 1 and %u\n", HVKVM_VID_MAX_VMS);
		return -EINVAL;
	}

	vid_wq = alloc_workqueue("hvkvm_vid", WQ_UNBOUND, 0);
	if (!vid_wq)
		return -ENOMEM;
	err = vid_lifecycle_init();
	if (err)
		goto err_wq;
	err = vid_netlink_init();
	if (err)
		goto err_lifecycle;

	pr_info("loaded, at most %u partitions\n", vid_max_vms);
	return 0;

err_lifecycle:
	vid_lifecycle_exit();
err_wq:
	destroy_workqueue(vid_wq);
	return err;
}

static void __exit vid_exit(void)
{
	/*
	 * No request can reach the registry once the family is gone, and no
	 * worker is attached: each holds a reference on this module.
	 */
	vid_netlink_exit();
	vid_lifecycle_exit();
	vid_partitions_destroy();
	vid_synic_reap_wait();
	/* Waits for the last unpinning a put queued. */
	destroy_workqueue(vid_wq);
}

module_init(vid_init);
module_exit(vid_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvkvm Virtual Infrastructure Driver: the partition registry");
MODULE_ALIAS_GENL_FAMILY(HVKVM_VID_GENL_NAME);
