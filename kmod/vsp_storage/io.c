// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm storvsp: the controllers' channels and the SCSI commands on
 * them.
 *
 * Every request the guest sends gets exactly one reply, of the size
 * storvsc expects, on the channel it came on (storvsc never times a
 * request out: one without a reply hangs that I/O forever). So before a
 * request is looked at, room for its reply is reserved in the guest's
 * ring; when there is none, the request waits where it is (-EAGAIN) and
 * VMBus calls again once the guest has read enough. The reservation
 * goes with the request: a SCSI command replies from LIO's completion.
 *
 * A SCSI command: its CDB is checked against what the LUN allows
 * (lib/storage/stor_cdb.c: direction, length, range, read-only; LIO
 * trusts its fabric on all of these), its data are the guest's own pages
 * (no copy), and it goes to LIO on the controller's session. LUNs that
 * the session's ACL does not map are answered here, as absent: LIO logs
 * every command to an unmapped LUN, and storvsc must be told "no LUN" in
 * its own terms (stor_msg.c).
 */
#include <linux/highmem.h>
#include <linux/slab.h>
#include <scsi/scsi_proto.h>
#include <target/target_core_backend.h>

#include <hvkvm/compat_target.h>
#include <hvkvm/stor_cdb.h>
#include <hvkvm/vid_client.h>
#include <hvkvm/vmbus_ring.h>

#include "storvsp.h"

/* The reply to any request: descriptor and a 64-byte vstor packet. */
#define SVP_REPLY_SPACE		vmbus_pkt_space(0, VMB_STOR_PACKET_SIZE)

/* LIO's lookup, exported but declared only in its private header. */
struct se_dev_entry *target_nacl_find_deve(struct se_node_acl *nacl,
					   u64 mapped_lun);

static struct kmem_cache *svp_cmd_cache;

/* ---- channels ---- */

static void svp_chan_free(struct kref *ref)
{
	struct svp_chan *chan = container_of(ref, struct svp_chan, ref);

	vid_memory_put(chan->mem);
	svp_ctl_put(chan->ctl);
	kfree(chan);
}

static void svp_chan_put(struct svp_chan *chan)
{
	kref_put(&chan->ref, svp_chan_free);
}

/* A reply whose room was reserved; dropped once the channel closed. */
static void svp_send_reserved(struct svp_chan *chan, u64 trans_id,
			      const struct vmb_stor_out *out)
{
	spin_lock_bh(&chan->lock);
	if (chan->ch)
		vmbus_chan_send_reserved(chan->ch, SVP_REPLY_SPACE,
					 VMB_PKT_COMP, 0, trans_id, NULL, 0,
					 &out->reply, out->len);
	spin_unlock_bh(&chan->lock);
}

/*
 * Copy between a kernel buffer and the start of the guest's buffer (an
 * absent LUN's answer, UNMAP's list): page by page, each page number
 * checked against the guest's memory (never turned into an address that
 * could wrap).
 */
static int svp_copy_guest(struct svp_chan *chan, const struct vmb_stor_req *req,
			  u8 *data, u32 len, bool to_guest)
{
	u32 off = req->offset, i, n;
	struct page *page;

	for (i = 0; i < req->npfn && len; i++) {
		page = vid_memory_page(chan->mem, vmb_pfn(req->pfn, i));
		if (!page)
			return -EFAULT;
		n = min_t(u32, len, VMB_STOR_PAGE_SIZE - off);
		if (to_guest)
			memcpy_to_page(page, off, data, n);
		else
			memcpy_from_page(data, page, off, n);
		data += n;
		len -= n;
		off = 0;
	}
	return 0;
}

static int svp_copy_to_guest(struct svp_chan *chan,
			     const struct vmb_stor_req *req, const u8 *data,
			     u32 len)
{
	return svp_copy_guest(chan, req, (u8 *)data, len, true);
}

/* A reply made here (not by LIO): data first, then the reply. */
static void svp_answer(struct svp_chan *chan, const struct vmb_stor_req *req,
		       enum vmb_stor_act act, struct vmb_stor_out *out)
{
	if (act == VMB_STOR_ACT_DATA &&
	    svp_copy_to_guest(chan, req, out->data, out->data_len))
		vmb_stor_fail(req, out);
	svp_send_reserved(chan, req->trans_id, out);
}

/* ---- rescans ---- */

/* Tell the guest to scan its bus (ENUMERATE_BUS), when it is ready. */
static void svp_rescan_work(struct work_struct *work)
{
	struct svp_ctl *ctl = container_of(to_delayed_work(work),
					   struct svp_ctl, rescan_work);
	struct vmb_stor_packet pkt;
	bool again = false;
	u32 len;
	int err = 0;

	spin_lock_bh(&ctl->lock);
	len = vmb_stor_build_rescan(&ctl->proto, &pkt);
	if (ctl->primary && len)
		err = vmbus_chan_send(ctl->primary, VMB_PKT_DATA_INBAND, 0, 0,
				      NULL, 0, &pkt, len);
	/*
	 * A full ring: the guest reads it soon, or closes the channel,
	 * which cancels this (and so does the controller's stop).
	 */
	if (err == -ENOSPC)
		again = queue_delayed_work(svp_wq, &ctl->rescan_work,
					   msecs_to_jiffies(20));
	spin_unlock_bh(&ctl->lock);
	if (!again)
		svp_ctl_put(ctl);
}

void svp_rescan_init(struct svp_ctl *ctl)
{
	INIT_DELAYED_WORK(&ctl->rescan_work, svp_rescan_work);
}

void svp_rescan(struct svp_ctl *ctl)
{
	kref_get(&ctl->ref);
	if (!queue_delayed_work(svp_wq, &ctl->rescan_work, 0))
		svp_ctl_put(ctl);
}

/* ---- SCSI commands ---- */

static struct svp_cmd *svp_cmd(struct se_cmd *se)
{
	return container_of(se, struct svp_cmd, se);
}

/* The guest's buffer as a scatterlist of its own pages. */
static int svp_cmd_map(struct svp_cmd *cmd, const struct vmb_stor_req *req)
{
	struct scatterlist *sg;
	u32 left = req->xfer_len, off = req->offset, i, n;
	struct page *page;
	int err;

	cmd->sgt.sgl = cmd->inline_sg;	/* the first chunk, as SCSI does */
	err = sg_alloc_table_chained(&cmd->sgt, req->npfn, cmd->inline_sg,
				     ARRAY_SIZE(cmd->inline_sg));
	if (err)
		return err;
	for_each_sg(cmd->sgt.sgl, sg, req->npfn, i) {
		page = vid_memory_page(cmd->chan->mem, vmb_pfn(req->pfn, i));
		if (!page) {
			sg_free_table_chained(&cmd->sgt,
					      ARRAY_SIZE(cmd->inline_sg));
			return -EFAULT;
		}
		n = min_t(u32, left, VMB_STOR_PAGE_SIZE - off);
		sg_set_page(sg, page, n, off);
		left -= n;
		off = 0;
	}
	return 0;
}

static enum dma_data_direction svp_dma_dir(u8 dir)
{
	switch (dir) {
	case VMB_STOR_DATA_IN:
		return DMA_FROM_DEVICE;
	case VMB_STOR_DATA_OUT:
		return DMA_TO_DEVICE;
	default:
		return DMA_NONE;
	}
}

/* What the LUN allows, from the device behind it: under RCU. */
static void svp_lun_info(const struct se_dev_entry *deve,
			 struct vmb_stor_lun_info *info)
{
	struct se_device *dev = rcu_dereference(deve->se_lun->lun_se_dev);
	bool wce;

	memset(info, 0, sizeof(*info));
	if (deve->lun_access_ro)
		info->flags |= VMB_STOR_LUN_RO;
	if (!dev)
		return;
	info->nblocks = (u64)dev->transport->get_blocks(dev) + 1;
	info->block_size = dev->dev_attrib.block_size;
	wce = dev->transport->get_write_cache ?
	      dev->transport->get_write_cache(dev) :
	      dev->dev_attrib.emulate_write_cache;
	if (wce && dev->dev_attrib.emulate_fua_write)
		info->flags |= VMB_STOR_LUN_FUA;
	if (dev->dev_attrib.emulate_tpu)
		info->flags |= VMB_STOR_LUN_UNMAP;
	if (dev->dev_flags & DF_READ_ONLY)
		info->flags |= VMB_STOR_LUN_RO;
}

/*
 * REPORT LUNS for a LUN the ACL does not map, on our bus: the LUNs it
 * maps, as LIO would list them. A guest asks LUN 0, present or not, and
 * an empty list would hide every other LUN (Linux scans no further).
 */
static void svp_report_luns(struct svp_chan *chan, struct se_session *sess,
			    const struct vmb_stor_req *req,
			    struct vmb_stor_out *out)
{
	u8 list[8 + 8 * VMB_STOR_LUNS] = { 0 };
	u32 alloc = get_unaligned_be32(&req->cdb[6]), n = 0, len;
	DECLARE_BITMAP(luns, VMB_STOR_LUNS) = { 0 };
	struct se_dev_entry *deve;
	unsigned int lun;

	rcu_read_lock();
	hlist_for_each_entry_rcu(deve, &sess->se_node_acl->lun_entry_hlist, link)
		if (deve->mapped_lun < VMB_STOR_LUNS)
			__set_bit(deve->mapped_lun, luns);
	rcu_read_unlock();
	for_each_set_bit(lun, luns, VMB_STOR_LUNS)
		list[8 + 8 * n++ + 1] = lun;	/* peripheral addressing */
	put_unaligned_be32(8 * n, list);
	len = min3(8 + 8 * n, alloc, req->dir == VMB_STOR_DATA_IN ?
		   req->xfer_len : 0);
	if (len && svp_copy_to_guest(chan, req, list, len)) {
		vmb_stor_fail(req, out);
		return;
	}
	vmb_stor_complete(req, SAM_STAT_GOOD, NULL, 0, len, out);
}

/*
 * A SCSI command for LUN req->lun, with room for its reply reserved:
 * answered here (absent LUN, refused CDB, too many in flight, guest
 * memory it cannot use) or handed to LIO, which replies
 * (svp_cmd_release).
 */
static void svp_scsi(struct svp_chan *chan, const struct vmb_stor_req *req)
{
	struct svp_ctl *ctl = chan->ctl;
	struct vmb_stor_out *out = &chan->out;
	struct svp_stats *st = &ctl->stats[req->lun];
	struct scatterlist *sgl = NULL;
	struct vmb_stor_lun_info info;
	struct se_dev_entry *deve;
	struct se_session *sess;
	u32 len = req->xfer_len, nsg = 0;
	struct svp_cmd *cmd;
	u8 sense[VMB_STOR_SENSE_MAX];
	int n;

	percpu_down_read(&ctl->sess_sem);
	sess = ctl->sess;
	deve = NULL;
	if (sess) {
		rcu_read_lock();
		deve = target_nacl_find_deve(sess->se_node_acl, req->lun);
		if (deve)
			svp_lun_info(deve, &info);
		rcu_read_unlock();
	}
	if (!deve) {
		if (sess && req->cdb[0] == REPORT_LUNS && req->cdb_len >= 12) {
			svp_report_luns(chan, sess, req, out);
			svp_send_reserved(chan, req->trans_id, out);
		} else {
			svp_answer(chan, req, vmb_stor_absent(req, out), out);
		}
		percpu_up_read(&ctl->sess_sem);
		return;
	}
	atomic64_inc(&st->requests);
	n = vmb_stor_cdb_check(req->cdb, req->cdb_len, req->dir, req->xfer_len,
			       &info, sense);
	if (n > 0)
		goto refuse;
	/* storvsc keeps far fewer in flight; a guest that does not waits */
	if (atomic_inc_return(&chan->inflight) > SVP_CHAN_INFLIGHT) {
		atomic_dec(&chan->inflight);
		percpu_up_read(&ctl->sess_sem);
		vmb_stor_complete(req, SAM_STAT_TASK_SET_FULL, NULL, 0, 0, out);
		svp_send_reserved(chan, req->trans_id, out);
		return;
	}

	cmd = kmem_cache_zalloc(svp_cmd_cache, GFP_KERNEL);
	if (!cmd)
		goto fail;
	kref_get(&chan->ref);
	cmd->chan = chan;
	cmd->req = *req;
	cmd->req.pfn = NULL;
	memcpy(cmd->cdb, req->cdb, req->cdb_len);
	if (req->cdb[0] == UNMAP && len) {
		/*
		 * LIO reads the list twice, and warns when it lies: it gets
		 * a copy the guest cannot change, checked, as long as the
		 * CDB says.
		 */
		len = min_t(u32, len, get_unaligned_be16(&req->cdb[7]));
		cmd->bounce = kmalloc(len ? len : 1, GFP_KERNEL_ACCOUNT);
		if (!cmd->bounce ||
		    svp_copy_guest(chan, req, cmd->bounce, len, false))
			goto free;
		n = vmb_stor_unmap_check(cmd->bounce, len, sense);
		if (n > 0) {
			kfree(cmd->bounce);
			kmem_cache_free(svp_cmd_cache, cmd);
			svp_chan_put(chan);
			atomic_dec(&chan->inflight);
			goto refuse;
		}
		sg_init_one(cmd->inline_sg, cmd->bounce, len);
		sgl = cmd->inline_sg;
		nsg = len ? 1 : 0;
	} else if (len) {
		if (svp_cmd_map(cmd, req))
			goto free;
		sgl = cmd->sgt.sgl;
		nsg = req->npfn;
	}
	atomic_inc(&st->inflight);
	/* From here on every end goes through svp_cmd_release. */
	if (target_init_cmd(&cmd->se, sess, cmd->sense, req->lun, len,
			    TCM_SIMPLE_TAG, svp_dma_dir(req->dir),
			    TARGET_SCF_ACK_KREF)) {
		target_put_sess_cmd(&cmd->se);
		goto out;
	}
	if (target_submit_prep(&cmd->se, cmd->cdb, sgl, nsg, NULL, 0, NULL, 0,
			       GFP_KERNEL))
		goto out;	/* LIO answered it already (queue_status) */
	/*
	 * Unmapped since we looked: LIO falls back to its read-only dummy
	 * LUN 0, whose READs succeed with nothing read. Not for the guest.
	 */
	if (cmd->se.se_lun == sess->se_tpg->tpg_virt_lun0) {
		transport_generic_request_failure(&cmd->se,
						  TCM_NON_EXISTENT_LUN);
		goto out;
	}
	hvkvm_target_queue(&cmd->se);
out:
	percpu_up_read(&ctl->sess_sem);
	return;
free:
	kfree(cmd->bounce);
	kmem_cache_free(svp_cmd_cache, cmd);
	svp_chan_put(chan);
fail:
	atomic_dec(&chan->inflight);
	percpu_up_read(&ctl->sess_sem);
	atomic64_inc(&st->errors);
	vmb_stor_fail(req, out);
	svp_send_reserved(chan, req->trans_id, out);
	return;
refuse:
	percpu_up_read(&ctl->sess_sem);
	atomic64_inc(&st->errors);
	vmb_stor_complete(req, SAM_STAT_CHECK_CONDITION, sense, n, 0, out);
	svp_send_reserved(chan, req->trans_id, out);
}

/* Guest memory holds the data to write: go on at once. */
int svp_cmd_write_pending(struct se_cmd *se)
{
	target_execute_cmd(se);
	return 0;
}

/* The command's result, for svp_cmd_release to send. */
int svp_cmd_queue_status(struct se_cmd *se)
{
	svp_cmd(se)->done = true;
	transport_generic_free_cmd(se, 0);
	return 0;
}

/* Aborted by a LUN reset of ours: no status; release answers. */
void svp_cmd_aborted(struct se_cmd *se)
{
}

struct svp_tmr {
	struct se_cmd se;
	struct completion done;
	u8 response;
};

/* The last reference: LIO is done with the command and its pages. */
void svp_cmd_release(struct se_cmd *se)
{
	struct vmb_stor_out out;
	struct svp_stats *st;
	struct svp_chan *chan;
	struct svp_cmd *cmd;

	if (se->se_cmd_flags & SCF_SCSI_TMR_CDB) {
		complete(&container_of(se, struct svp_tmr, se)->done);
		return;
	}
	cmd = svp_cmd(se);
	chan = cmd->chan;
	st = &chan->ctl->stats[cmd->req.lun];
	if (cmd->done) {
		vmb_stor_complete(&cmd->req, se->scsi_status, cmd->sense,
				  se->scsi_sense_length, se->data_length, &out);
		if (se->scsi_status == SAM_STAT_GOOD)
			atomic64_add(out.reply.srb.data_transfer_length,
				     &st->bytes);
		else
			atomic64_inc(&st->errors);
	} else {
		/* aborted, or never started */
		vmb_stor_fail(&cmd->req, &out);
		atomic64_inc(&st->errors);
	}
	svp_send_reserved(chan, cmd->req.trans_id, &out);
	atomic_dec(&st->inflight);
	atomic_dec(&chan->inflight);
	/* UNMAP's copy, or the guest's pages */
	if (!cmd->bounce && cmd->req.xfer_len)
		sg_free_table_chained(&cmd->sgt, ARRAY_SIZE(cmd->inline_sg));
	kfree(cmd->bounce);
	kmem_cache_free(svp_cmd_cache, cmd);
	svp_chan_put(chan);
}

/* ---- resets ---- */

void svp_tmr_done(struct se_cmd *se)
{
	container_of(se, struct svp_tmr, se)->response =
		se->se_tmr_req->response;
	transport_generic_free_cmd(se, 0);
}

/* LUN reset, waited for: LIO aborts the LUN's commands first. */
static void svp_lun_reset(struct se_session *sess, u64 lun)
{
	struct svp_tmr *tmr = kzalloc(sizeof(*tmr), GFP_KERNEL);

	if (!tmr)
		return;
	init_completion(&tmr->done);
	if (target_submit_tmr(&tmr->se, sess, NULL, lun, tmr, TMR_LUN_RESET,
			      GFP_KERNEL, 0, TARGET_SCF_ACK_KREF)) {
		kfree(tmr);
		return;
	}
	wait_for_completion(&tmr->done);
	kfree(tmr);
}

struct svp_reset {
	struct work_struct work;
	struct svp_chan *chan;
	struct vmb_stor_req req;
	struct vmb_stor_out out;
};

/*
 * RESET_LUN: that LUN; RESET_BUS and RESET_ADAPTER: every LUN mapped.
 * A LUN reset waits for the backend's I/O, which nothing can hurry: so
 * from a work, not from the VM's VMBus thread (and nothing else of the
 * VM waits). The reply says done whatever LIO answered: storvsc then
 * waits for its requests in flight, which end (aborted) with the resets.
 */
static void svp_reset_work(struct work_struct *work)
{
	struct svp_reset *r = container_of(work, struct svp_reset, work);
	struct svp_ctl *ctl = r->chan->ctl;
	DECLARE_BITMAP(luns, VMB_STOR_LUNS) = { 0 };
	const struct vmb_stor_req *req = &r->req;
	struct se_dev_entry *deve;
	struct se_session *sess;
	unsigned int lun;

	percpu_down_read(&ctl->sess_sem);
	sess = ctl->sess;
	if (sess && (req->op != VMB_STOR_OP_RESET_LUN ||
		     (!req->path && !req->target))) {
		rcu_read_lock();
		hlist_for_each_entry_rcu(deve, &sess->se_node_acl->lun_entry_hlist,
					 link) {
			if (deve->mapped_lun < VMB_STOR_LUNS &&
			    (req->op != VMB_STOR_OP_RESET_LUN ||
			     deve->mapped_lun == req->lun))
				__set_bit(deve->mapped_lun, luns);
		}
		rcu_read_unlock();
		for_each_set_bit(lun, luns, VMB_STOR_LUNS)
			svp_lun_reset(sess, lun);
	}
	percpu_up_read(&ctl->sess_sem);
	svp_send_reserved(r->chan, req->trans_id, &r->out);
	svp_chan_put(r->chan);
	kfree(r);
}

static void svp_reset(struct svp_chan *chan, const struct vmb_stor_req *req)
{
	struct svp_reset *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r) {
		chan->out.reply.status = VMB_STOR_NT_UNSUCCESSFUL;
		svp_send_reserved(chan, req->trans_id, &chan->out);
		return;
	}
	kref_get(&chan->ref);
	r->chan = chan;
	r->req = *req;
	r->req.pfn = NULL;
	r->out = chan->out;
	INIT_WORK(&r->work, svp_reset_work);
	queue_work(svp_wq, &r->work);
}

/* ---- sub-channels ---- */

/* On the VM's thread: the reply's room was reserved. */
static void svp_sub_done(struct vmbus_channel *ch, int count)
{
	struct svp_chan *chan = vmbus_chan_priv(ch);
	struct svp_ctl *ctl = chan->ctl;

	vmb_stor_subchannels_done(&ctl->proto, count, &ctl->sub_out);
	/* closing (-ENOTCONN): the reservation ends with the channel */
	vmbus_chan_send_reserved(ch, SVP_REPLY_SPACE, VMB_PKT_COMP, 0,
				 ctl->sub_trans, NULL, 0, &ctl->sub_out.reply,
				 ctl->sub_out.len);
	atomic_set_release(&ctl->sub_busy, 0);
}

/* storvsc asks once; a second request while one waits is refused. */
static void svp_subchannels(struct svp_chan *chan,
			    const struct vmb_stor_req *req)
{
	struct svp_ctl *ctl = chan->ctl;
	int err = -EBUSY;

	if (!atomic_cmpxchg_acquire(&ctl->sub_busy, 0, 1)) {
		ctl->sub_out = chan->out;
		ctl->sub_trans = req->trans_id;
		err = vmbus_chan_enable_subchannels(chan->ch, req->subchannels,
						    svp_sub_done);
		if (err)
			atomic_set_release(&ctl->sub_busy, 0);
	}
	if (err) {
		vmb_stor_subchannels_done(&ctl->proto, err, &chan->out);
		svp_send_reserved(chan, req->trans_id, &chan->out);
	}
}

/* ---- the class ---- */

static int svp_packet(struct vmbus_channel *ch, const struct vmb_pkt_desc *pkt,
		      u32 len)
{
	struct svp_chan *chan = vmbus_chan_priv(ch);
	struct vmb_stor_req req;
	enum vmb_stor_act act;
	int err;

	if (vmb_stor_parse(pkt, len, &req))
		return -EPROTO;
	err = vmbus_chan_reserve(ch, SVP_REPLY_SPACE);
	if (err)
		return err == -ENOSPC ? -EAGAIN : err;
	act = vmb_stor_handle(&chan->ctl->proto, &req, chan->primary,
			      &chan->out);
	switch (act) {
	case VMB_STOR_ACT_SCSI:
		svp_scsi(chan, &req);
		break;
	case VMB_STOR_ACT_SUBCHANNELS:
		svp_subchannels(chan, &req);
		break;
	case VMB_STOR_ACT_RESET:
		svp_reset(chan, &req);
		break;
	default:
		svp_answer(chan, &req, act, &chan->out);
		break;
	}
	return 0;
}

static int svp_open(struct vmbus_channel *ch)
{
	struct svp_ctl *ctl = vmbus_device_priv(vmbus_chan_device(ch));
	struct svp_chan *chan;

	chan = kzalloc(sizeof(*chan), GFP_KERNEL);
	if (!chan)
		return -ENOMEM;
	chan->mem = vmbus_chan_memory(ch);
	if (!chan->mem) {
		kfree(chan);
		return -ENODEV;
	}
	kref_init(&chan->ref);		/* the open channel's */
	spin_lock_init(&chan->lock);
	chan->ch = ch;
	kref_get(&ctl->ref);
	chan->ctl = ctl;
	chan->primary = !vmbus_chan_sub_index(ch);
	if (chan->primary) {
		/* a new open starts the protocol over (storvsc reloaded) */
		vmb_stor_ctl_reset(&ctl->proto);
		spin_lock_bh(&ctl->lock);
		ctl->primary = ch;
		spin_unlock_bh(&ctl->lock);
	}
	vmbus_chan_set_priv(ch, chan);
	return 0;
}

/*
 * Commands in flight keep their channel state (and the pages, through
 * its memory reference) until they end; they stop using the channel now.
 */
static void svp_close(struct vmbus_channel *ch)
{
	struct svp_chan *chan = vmbus_chan_priv(ch);
	struct svp_ctl *ctl = chan->ctl;

	if (chan->primary) {
		spin_lock_bh(&ctl->lock);
		if (ctl->primary == ch)
			ctl->primary = NULL;
		spin_unlock_bh(&ctl->lock);
		/* no rescan waits for room in a ring that is gone */
		if (cancel_delayed_work(&ctl->rescan_work))
			svp_ctl_put(ctl);
	}
	spin_lock_bh(&chan->lock);
	chan->ch = NULL;
	spin_unlock_bh(&chan->lock);
	vmbus_chan_set_priv(ch, NULL);
	svp_chan_put(chan);
}

/* Under the VM's mutex: no svp_lock. */
static void svp_release(struct vmbus_device *dev)
{
	struct svp_ctl *ctl = vmbus_device_priv(dev);

	WRITE_ONCE(ctl->dev, NULL);
	svp_ctl_put(ctl);
}

/* The largest request: one range over max_xfer bytes, any alignment. */
#define SVP_MAX_PKT	(sizeof(struct vmb_pkt_gpa_direct) +		\
			 sizeof(struct vmb_gpa_range) +			\
			 (SVP_MAX_XFER / VMB_STOR_PAGE_SIZE + 1) * sizeof(u64) + \
			 VMB_STOR_PACKET_SIZE)

struct vmbus_class svp_class __ro_after_init = {
	.name		= "scsi",
	.owner		= THIS_MODULE,
	.if_type	= VMB_GUID_SCSI,
	.ring_min	= 2 * VMB_PAGE_SIZE,
	.ring_max	= 4 << 20,
	.max_pkt	= SVP_MAX_PKT,
	.max_subchannels = SVP_MAX_SUB,
	.open		= svp_open,
	.close		= svp_close,
	.packet		= svp_packet,
	.release	= svp_release,
	.vsp		= &svp_vsp,
};

int svp_io_init(void)
{
	/* charged to the VM: its VMBus thread is in the worker's cgroups */
	svp_cmd_cache = KMEM_CACHE(svp_cmd, SLAB_ACCOUNT);
	return svp_cmd_cache ? 0 : -ENOMEM;
}

void svp_io_exit(void)
{
	kmem_cache_destroy(svp_cmd_cache);
}
