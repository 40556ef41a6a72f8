// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "genl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

static int parse_cb(const struct nlattr *attr, void *data)
{
	struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type < 64)
		tb[type] = (struct nlattr *)attr;
	return MNL_CB_OK;
}

void genl_parse_nest(const struct nlattr *nest, struct nlattr **tb)
{
	memset(tb, 0, 64 * sizeof(*tb));
	mnl_attr_parse_nested(nest, parse_cb, tb);
}

static void msg_from(struct genl_msg *m, const struct nlmsghdr *nlh)
{
	struct nlmsghdr *copy = malloc(nlh->nlmsg_len);
	struct genlmsghdr *gh;

	memcpy(copy, nlh, nlh->nlmsg_len);
	memset(m->tb, 0, sizeof(m->tb));
	gh = mnl_nlmsg_get_payload(copy);
	m->cmd = gh->cmd;
	m->data = copy;
	mnl_attr_parse(copy, sizeof(*gh), parse_cb, m->tb);
}

void genl_msg_free(struct genl_msg *m)
{
	free(m->data);
	m->data = NULL;
}

/*
 * Take the extack message out of an NLMSG_ERROR, or of an NLMSG_DONE
 * (a dump that failed: its attributes follow the error, an int).
 */
static void take_extack(struct genl_test *g, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off = sizeof(*e);

	g->extack[0] = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (nlh->nlmsg_type == NLMSG_DONE)
		off = sizeof(int);
	else if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
			strncpy(g->extack, mnl_attr_get_str(a), sizeof(g->extack) - 1);
			g->extack[sizeof(g->extack) - 1] = 0;
		}
	}
}

struct nlmsghdr *genl_test_msg(struct genl_test *g, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(g->buf);
	struct genlmsghdr *gh;

	nlh->nlmsg_type = g->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++g->seq;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = cmd;
	gh->version = 1;
	return nlh;
}

int genl_test_call(struct genl_test *g, struct nlmsghdr *nlh,
		   struct genl_msg *msgs, int max)
{
	static char rbuf[GENL_TEST_BUF];
	uint32_t seq = nlh->nlmsg_seq;
	int n = 0;

	g->extack[0] = 0;
	if (mnl_socket_sendto(g->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(g->nl, rbuf, sizeof(rbuf));
		struct nlmsghdr *r;
		int rem;

		if (len < 0)
			return -errno;
		rem = len;
		for (r = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(r, rem);
		     r = mnl_nlmsg_next(r, &rem)) {
			if (r->nlmsg_seq != seq)
				continue;
			if (r->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(r);

				take_extack(g, r);
				return e->error ? e->error : n;
			}
			if (r->nlmsg_type == NLMSG_DONE) {
				int err = *(int *)mnl_nlmsg_get_payload(r);

				take_extack(g, r);
				return err < 0 ? err : n;
			}
			if (msgs && n < max)
				msg_from(&msgs[n], r);
			n++;
		}
	}
}

int genl_test_recv(struct genl_test *g, struct genl_msg *m, int timeout_ms)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(g->nl), .events = POLLIN };
	ssize_t len;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return -errno;
	if (!ret)
		return -ETIMEDOUT;
	len = mnl_socket_recvfrom(g->nl, g->buf, sizeof(g->buf));
	if (len < 0)
		return -errno;
	msg_from(m, (struct nlmsghdr *)g->buf);
	return 0;
}

static int resolve(struct genl_test *g, const char *family, const char *grp)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(g->buf);
	struct genlmsghdr *gh;
	struct genl_msg m;
	uint16_t family_id;
	int ret;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++g->seq;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = CTRL_CMD_GETFAMILY;
	gh->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);

	ret = genl_test_call(g, nlh, &m, 1);
	if (ret < 0)
		return ret;
	if (ret == 0 || !m.tb[CTRL_ATTR_FAMILY_ID])
		return -ENOENT;
	family_id = mnl_attr_get_u16(m.tb[CTRL_ATTR_FAMILY_ID]);
	ret = family_id;
	if (grp) {
		const struct nlattr *a;

		ret = -ENOENT;
		if (m.tb[CTRL_ATTR_MCAST_GROUPS]) {
			mnl_attr_for_each_nested(a, m.tb[CTRL_ATTR_MCAST_GROUPS]) {
				struct nlattr *tb[64];

				genl_parse_nest(a, tb);
				if (tb[CTRL_ATTR_MCAST_GRP_NAME] &&
				    tb[CTRL_ATTR_MCAST_GRP_ID] &&
				    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]), grp))
					ret = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
			}
		}
	}
	genl_msg_free(&m);
	return ret;
}

int genl_test_open(struct genl_test *g, const char *family)
{
	int one = 1, ret;

	memset(g, 0, sizeof(*g));
	g->seq = time(NULL);
	g->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!g->nl)
		return -errno;
	if (mnl_socket_bind(g->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err;
	}
	mnl_socket_setsockopt(g->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(g->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	ret = resolve(g, family, NULL);
	if (ret < 0)
		goto err;
	g->family = ret;
	return 0;
err:
	mnl_socket_close(g->nl);
	g->nl = NULL;
	return ret;
}

int genl_test_mcgrp(struct genl_test *g, const char *family, const char *grp)
{
	return resolve(g, family, grp);
}

void genl_test_close(struct genl_test *g)
{
	if (g->nl)
		mnl_socket_close(g->nl);
	g->nl = NULL;
}
