// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the hvkvm_vmbus module in fakevid.so (see fakevid.c): the
 * family exists when FAKEVMBUS is set. One partition runs, web (db is not
 * running, so VMBus does not know it); every request is answered on its
 * own, with the kernel's own refusals and messages. The ICs' family,
 * hvkvm_ic, is fakeic.c's.
 *
 * FAKEVMBUS=1		the family is registered (and hvkvm_ic, see fakeic.c)
 * FAKEVMBUS_BUS=B	web's bus: connected (the default: VMBus 5.3, four
 *			channels) or disconnected (no contact: the channels
 *			closed; the ICs closed too, in fakeic.c)
 * FAKEVID_LOG=FILE	each request is logged there too, as "vmbus cmd N ..."
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include <linux/hvkvm_vmbus.h>

#include "fake.h"

#define VER(major, minor) ((uint32_t)(major) << 16 | (minor))

/* A GUID on the wire: the first three fields little-endian. */
struct guid {
	uint8_t b[16];
};

#define GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)			\
	{ { (a) & 0xff, ((a) >> 8) & 0xff, ((a) >> 16) & 0xff,		\
	    ((a) >> 24) & 0xff, (b) & 0xff, ((b) >> 8) & 0xff,		\
	    (c) & 0xff, ((c) >> 8) & 0xff, d0, d1, d2, d3, d4, d5, d6, d7 } }

static const struct chan {
	const char *cls;
	struct guid type, instance;
	uint32_t sub, relid, state, vp, ring_in, ring_out;
	uint64_t pkts_in, pkts_out, sig_in, sig_out;
	const char *error;
} chans[] = {
	{ "heartbeat",
	  GUID(0x57164f39, 0x9115, 0x4e78, 0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d),
	  GUID(0x57164f39, 0x0001, 0x4b48, 0x68, 0x76, 0x6b, 0x76, 0x6d, 0x00, 0x00, 0x01),
	  0, 1, HVKVM_VMBUS_CHAN_OPEN, 0, 12288, 12288, 43, 44, 43, 44, NULL },
	{ "shutdown",
	  GUID(0x0e0b6031, 0x5213, 0x4934, 0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb),
	  GUID(0x0e0b6031, 0x0001, 0x4b48, 0x68, 0x76, 0x6b, 0x76, 0x6d, 0x00, 0x00, 0x02),
	  0, 2, HVKVM_VMBUS_CHAN_OFFERED, 0, 0, 0, 0, 0, 0, 0, NULL },
	{ "timesync",
	  GUID(0x9527e630, 0xd0ae, 0x497b, 0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf),
	  GUID(0x9527e630, 0x0001, 0x4b48, 0x68, 0x76, 0x6b, 0x76, 0x6d, 0x00, 0x00, 0x03),
	  0, 3, HVKVM_VMBUS_CHAN_FAILED, 1, 12288, 12288, 2, 1, 2, 1,
	  "the guest's \"write\" index is beyond its ring" },
	{ "kvp",
	  GUID(0xa9a0f4e7, 0x5a45, 0x4d96, 0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6),
	  GUID(0xa9a0f4e7, 0x0001, 0x4b48, 0x68, 0x76, 0x6b, 0x76, 0x6d, 0x00, 0x00, 0x04),
	  1, 4, HVKVM_VMBUS_CHAN_OPEN, 1, 65536, 65536, 5, 6, 5, 9, NULL },
};

void fakevmbus_family(struct fsock *s, const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh = fake_put_msg(fake_dgram(s), GENL_ID_CTRL, 0,
					    req->nlmsg_seq);
	struct nlattr *grps, *grp;

	fake_put_genl(nlh, CTRL_CMD_NEWFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, HVKVM_VMBUS_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAKEVMBUS_FAMILY_ID);
	grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, HVKVM_VMBUS_MCGRP_EVENTS);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, FAKEVMBUS_GROUP_ID);
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, grps);
	fake_push(s, nlh->nlmsg_len);
	fake_ack(s, req, 0, NULL);
}

static struct nlmsghdr *event(char *at, uint8_t cmd, uint32_t ev, uint32_t version)
{
	struct nlmsghdr *nlh = fake_put_msg(at, FAKEVMBUS_FAMILY_ID, 0, 0);

	fake_put_genl(nlh, cmd);
	mnl_attr_put_strz(nlh, HVKVM_VMBUS_A_VM_NAME, "web");
	mnl_attr_put_u32(nlh, HVKVM_VMBUS_A_EVENT, ev);
	if (version)
		mnl_attr_put_u32(nlh, HVKVM_VMBUS_A_VERSION, version);
	return nlh;
}

/* Joining the events: web's guest connects, and goes. */
void fakevmbus_join(struct fsock *s)
{
	fake_push(s, event(fake_dgram(s), HVKVM_VMBUS_CMD_EVENT,
			   HVKVM_VMBUS_EVENT_CONNECTED, VER(5, 3))->nlmsg_len);
	fake_push(s, event(fake_dgram(s), HVKVM_VMBUS_CMD_VM_GET,
			   HVKVM_VMBUS_EVENT_CONNECTED, 0)->nlmsg_len);	/* ignored */
	fake_push(s, event(fake_dgram(s), HVKVM_VMBUS_CMD_EVENT,
			   HVKVM_VMBUS_EVENT_DISCONNECTED, 0)->nlmsg_len);
	fake_push(s, event(fake_dgram(s), HVKVM_VMBUS_CMD_EVENT, 9, 0)->nlmsg_len);
}

static bool env_is(const char *var, const char *val, const char *dflt)
{
	return !strcmp(getenv(var) ?: dflt, val);
}

/* web's record */
static struct nlmsghdr *put_record(char *at, uint16_t flags, uint32_t seq)
{
	bool up = env_is("FAKEVMBUS_BUS", "connected", "connected");
	struct nlmsghdr *nlh = fake_put_msg(at, FAKEVMBUS_FAMILY_ID, flags, seq);
	struct nlattr *nest, *one;
	const struct chan *c;
	unsigned int i;

	fake_put_genl(nlh, HVKVM_VMBUS_CMD_VM_GET);
	mnl_attr_put_strz(nlh, HVKVM_VMBUS_A_VM_NAME, "web");
	mnl_attr_put_u8(nlh, HVKVM_VMBUS_A_CONNECTED, up);
	if (up)
		mnl_attr_put_u32(nlh, HVKVM_VMBUS_A_VERSION, VER(5, 3));
	mnl_attr_put_u64(nlh, HVKVM_VMBUS_A_MSGS_IN, up ? 17 : 0);
	mnl_attr_put_u64(nlh, HVKVM_VMBUS_A_MSGS_OUT, up ? 21 : 0);
	mnl_attr_put_u64(nlh, HVKVM_VMBUS_A_FAULTS, up ? 1 : 0);
	nest = mnl_attr_nest_start(nlh, HVKVM_VMBUS_A_CHANNELS);
	for (i = 0; i < sizeof(chans) / sizeof(chans[0]); i++) {
		c = &chans[i];
		one = mnl_attr_nest_start(nlh, HVKVM_VMBUS_CHANNEL_A_CHANNEL);
		mnl_attr_put_strz(nlh, HVKVM_VMBUS_CHANNEL_A_CLASS, c->cls);
		mnl_attr_put(nlh, HVKVM_VMBUS_CHANNEL_A_IF_TYPE, 16, c->type.b);
		mnl_attr_put(nlh, HVKVM_VMBUS_CHANNEL_A_INSTANCE, 16, c->instance.b);
		mnl_attr_put_u32(nlh, HVKVM_VMBUS_CHANNEL_A_SUB_INDEX, c->sub);
		mnl_attr_put_u32(nlh, HVKVM_VMBUS_CHANNEL_A_RELID, c->relid);
		mnl_attr_put_u32(nlh, HVKVM_VMBUS_CHANNEL_A_CONN_ID, 0x1000 + c->relid);
		mnl_attr_put_u32(nlh, HVKVM_VMBUS_CHANNEL_A_STATE,
				 up ? c->state : HVKVM_VMBUS_CHAN_CLOSED);
		if (up && (c->state == HVKVM_VMBUS_CHAN_OPEN ||
			   c->state == HVKVM_VMBUS_CHAN_FAILED)) {
			mnl_attr_put_u32(nlh, HVKVM_VMBUS_CHANNEL_A_TARGET_VP, c->vp);
			mnl_attr_put_u32(nlh, HVKVM_VMBUS_CHANNEL_A_RING_IN, c->ring_in);
			mnl_attr_put_u32(nlh, HVKVM_VMBUS_CHANNEL_A_RING_OUT, c->ring_out);
		}
		mnl_attr_put_u64(nlh, HVKVM_VMBUS_CHANNEL_A_PKTS_IN, up ? c->pkts_in : 0);
		mnl_attr_put_u64(nlh, HVKVM_VMBUS_CHANNEL_A_PKTS_OUT, up ? c->pkts_out : 0);
		mnl_attr_put_u64(nlh, HVKVM_VMBUS_CHANNEL_A_SIGNALS_IN, up ? c->sig_in : 0);
		mnl_attr_put_u64(nlh, HVKVM_VMBUS_CHANNEL_A_SIGNALS_OUT, up ? c->sig_out : 0);
		if (up && c->error)
			mnl_attr_put_strz(nlh, HVKVM_VMBUS_CHANNEL_A_ERROR, c->error);
		mnl_attr_nest_end(nlh, one);
	}
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void done(struct fsock *s, char *at, size_t len, uint32_t seq)
{
	int zero = 0;

	memcpy(mnl_nlmsg_put_extra_header(fake_put_msg(at, NLMSG_DONE, NLM_F_MULTI, seq),
					  sizeof(int)), &zero, sizeof(int));
	fake_push(s, len + mnl_nlmsg_size(sizeof(int)));
}

static void log_req(const struct nlmsghdr *req, uint8_t cmd, const char **name)
{
	FILE *f = fopen(getenv("FAKEVID_LOG") ?: "/dev/null", "a");
	const struct nlattr *a;

	fprintf(f, "vmbus cmd %u%s", cmd, req->nlmsg_flags & NLM_F_DUMP ? " dump" : "");
	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == HVKVM_VMBUS_A_VM_NAME) {
			*name = mnl_attr_get_str(a);
			fprintf(f, " name %s", *name);
		} else {
			fprintf(f, " attr%u", mnl_attr_get_type(a));
		}
	}
	fputc('\n', f);
	fclose(f);
}

void fakevmbus(struct fsock *s, const struct nlmsghdr *req)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);
	bool dump = req->nlmsg_flags & NLM_F_DUMP;
	char *buf = fake_dgram(s);
	const char *name = NULL;
	size_t len;

	log_req(req, g->cmd, &name);
	if (g->cmd != HVKVM_VMBUS_CMD_VM_GET)
		return fake_ack(s, req, -EOPNOTSUPP, NULL);
	if (dump) {
		len = put_record(buf, NLM_F_MULTI, req->nlmsg_seq)->nlmsg_len;
		return done(s, buf + len, len, req->nlmsg_seq);
	}
	if (!name)
		return fake_ack(s, req, -EINVAL, "missing vm name");
	if (strcmp(name, "web"))
		return fake_ack(s, req, -ENOENT, "no running partition has this name");
	fake_push(s, put_record(fake_dgram(s), 0, req->nlmsg_seq)->nlmsg_len);
	fake_ack(s, req, 0, NULL);
}
