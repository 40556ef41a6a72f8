// SPDX-License-Identifier: GPL-2.0
/* A generic netlink client on libmnl; see nl.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* ppoll */
#endif
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"
#include "utils.h"

/* What the callbacks of one nl_talk share. */
struct talk {
	struct nl *nl;
	mnl_cb_t cb;
	void *data;
};

/* Keep NLMSGERR_ATTR_MSG of an NLMSG_ERROR or NLMSG_DONE, if any. */
static void get_extack(struct nl *nl, const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(nl->extack, sizeof(nl->extack), "%s",
				 mnl_attr_get_str(attr));
	}
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct talk *t = data;
	size_t off = sizeof(*err);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))	/* the request follows */
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	/* an ACK may carry a message too: a warning about what was done */
	if (err->msg.nlmsg_len >= sizeof(struct nlmsghdr))
		get_extack(t->nl, nlh, off);
	if (!err->error)
		return MNL_CB_STOP;	/* the ACK */
	errno = err->error < 0 ? -err->error : err->error;
	return MNL_CB_ERROR;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(err))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (!err)
		return MNL_CB_STOP;
	get_extack(t->nl, nlh, sizeof(err));
	errno = err < 0 ? -err : err;
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;

	if (nlh->nlmsg_type != t->nl->family)
		return MNL_CB_OK;
	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

static mnl_cb_t ctl_cb[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
};

/*
 * libmnl fails a whole batch on NLM_F_DUMP_INTR (EINTR), and leaves the rest
 * of the dump in the socket. Take the flag off, and note it: the caller sees
 * the whole dump, then nl->intr, and may ask again.
 */
static void mark_intr(struct nl *nl, size_t len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)nl->buf;
	int n = len;

	for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
			nl->intr = true;
		}
	}
}

/*
 * Receive and dispatch until the end. With a sigmask, wait in ppoll with
 * that mask, so that a signal blocked otherwise interrupts the wait only,
 * and none is lost between two messages.
 */
static int run(struct nl *nl, uint32_t seq, uint32_t portid,
	       const sigset_t *sigmask, mnl_cb_t cb, void *data)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl->sock),
			      .events = POLLIN };
	struct talk t = { .nl = nl, .cb = cb, .data = data };
	ssize_t n;
	int ret;

	do {
		if (sigmask && ppoll(&pfd, 1, NULL, sigmask) < 0)
			return -errno;
		n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n < 0)
			return -errno;
		mark_intr(nl, n);
		ret = mnl_cb_run2(nl->buf, n, seq, portid, data_cb, &t,
				  ctl_cb, NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

struct nlmsghdr *nl_req(struct nl *nl, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = nl->version;
	nl->overflow = false;
	return nlh;
}

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	nl->extack[0] = '\0';
	nl->intr = false;
	if (nl->overflow)
		return -EMSGSIZE;
	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return run(nl, nlh->nlmsg_seq, nl->portid, NULL, cb, data);
}

int nl_join(struct nl *nl)
{
	int grp = nl->mcgrp;

	if (!grp)
		return -ENOENT;
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return -errno;
	return 0;
}

int nl_listen(struct nl *nl, const sigset_t *sigmask, mnl_cb_t cb, void *data)
{
	int err = nl_join(nl);

	if (err)
		return err;
	nl->extack[0] = '\0';
	return run(nl, 0, 0, sigmask, cb, data);
}

int nl_fd(const struct nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

int nl_recv(struct nl *nl, mnl_cb_t cb, void *data)
{
	struct talk t = { .nl = nl, .cb = cb, .data = data };
	ssize_t n;
	int ret;

	n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
	if (n < 0)
		return -errno;
	ret = mnl_cb_run2(nl->buf, n, 0, 0, data_cb, &t, ctl_cb, NLMSG_MIN_TYPE);
	if (ret < 0)
		return -errno;
	return ret == MNL_CB_STOP;
}

struct family {
	const char *mcgrp;
	uint16_t id;
	uint32_t mcgrp_id;
};

static void parse_mcgrps(const struct nlattr *nest, struct family *f)
{
	const struct nlattr *grp, *a;
	const char *name;
	uint32_t id;

	mnl_attr_for_each_nested(grp, nest) {
		name = NULL;
		id = 0;
		mnl_attr_for_each_nested(a, grp) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
				name = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				 !mnl_attr_validate(a, MNL_TYPE_U32))
				id = mnl_attr_get_u32(a);
		}
		if (name && f->mcgrp && !strcmp(name, f->mcgrp))
			f->mcgrp_id = id;
	}
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;
	struct family *f = data;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (!mnl_attr_validate(a, MNL_TYPE_U16))
				f->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			if (!mnl_attr_validate(a, MNL_TYPE_NESTED))
				parse_mcgrps(a, f);
			break;
		}
	}
	return MNL_CB_OK;
}

int nl_open(struct nl *nl, const char *family, uint8_t version,
	    const char *mcgrp)
{
	struct family f = { .mcgrp = mcgrp };
	struct nlmsghdr *nlh;
	int err, one = 1;

	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto err;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = time(NULL);
	/* Older kernels lack these: their errors are then only terser. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));

	nl->family = GENL_ID_CTRL;
	nl->version = 1;
	nlh = nl_req(nl, CTRL_CMD_GETFAMILY, 0);
	nl_put(nl, nlh, strz, CTRL_ATTR_FAMILY_NAME, family);
	err = nl_talk(nl, nlh, family_cb, &f);
	if (!err && !f.id)
		err = -EPROTO;
	if (!err && mcgrp && !f.mcgrp_id)
		err = -EOPNOTSUPP;
	if (err)
		goto err;
	nl->family = f.id;
	nl->version = version;
	nl->mcgrp = f.mcgrp_id;
	return 0;
err:
	nl_close(nl);
	return err;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

int nl_perror(const struct nl *nl, int err)
{
	if (nl->extack[0])
		return pr_err("%s: %s", nl->extack, strerror(-err));
	return pr_err("%s", strerror(-err));
}

int nl_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nl_attrs *a = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type <= a->max && a->types[type] != MNL_TYPE_UNSPEC &&
	    !mnl_attr_validate(attr, a->types[type]))
		a->tb[type] = attr;
	return MNL_CB_OK;
}
