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
 * FAKEVMBUS_CHANNELS=N	web has N channels (5 to 2047; 4 by default): the
 *			four ICs', then loopback devices' from relid 5
 * FAKEVMBUS_CHAN_INTR=N  the first N channel dumps are flagged
 *			NLM_F_DUMP_INTR (a channel came or went meanwhile)
 * FAKEVMBUS_CHAN_GONE=1  web's channel dump finds no such VM (-ENOENT: it
 *			stopped after its record was read)
 * FAKEVMBUS_OLD=1	the module knows no CHANNEL_GET (-EOPNOTSUPP)
 * FAKEVID_LOG=FILE	each request is logged there too, as "vmbus cmd N ..."
 *
 * VM_GET answers VMBus's state without the channels; CHANNEL_GET dumps a
 * VM's channels as the module does: a message each, by relid, in as many
 * datagrams as they take, and its errors in the NLMSG_DONE.
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

struct chan {
	const char *cls;
	struct guid type, instance;
	uint32_t sub, relid, state, vp, ring_in, ring_out;
	uint64_t pkts_in, pkts_out, sig_in, sig_out;
	const char *error;
};

static const struct chan chans[] = {
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

static bool bus_up(void)
{
	return env_is("FAKEVMBUS_BUS", "connected", "connected");
}

/* web's record: VMBus's state, no channel (they are CHANNEL_GET's) */
static struct nlmsghdr *put_record(char *at, uint16_t flags, uint32_t seq)
{
	bool up = bus_up();
	struct nlmsghdr *nlh = fake_put_msg(at, FAKEVMBUS_FAMILY_ID, flags, seq);

	fake_put_genl(nlh, HVKVM_VMBUS_CMD_VM_GET);
	mnl_attr_put_strz(nlh, HVKVM_VMBUS_A_VM_NAME, "web");
	mnl_attr_put_u8(nlh, HVKVM_VMBUS_A_CONNECTED, up);
	if (up)
		mnl_attr_put_u32(nlh, HVKVM_VMBUS_A_VERSION, VER(5, 3));
	mnl_attr_put_u64(nlh, HVKVM_VMBUS_A_MSGS_IN, up ? 17 : 0);
	mnl_attr_put_u64(nlh, HVKVM_VMBUS_A_MSGS_OUT, up ? 21 : 0);
	mnl_attr_put_u64(nlh, HVKVM_VMBUS_A_FAULTS, up ? 1 : 0);
	return nlh;
}

/* How many channels web has: relids 1..this. */
static uint32_t nchans(void)
{
	long n = atol(getenv("FAKEVMBUS_CHANNELS") ?: "0");

	if (n < 5)
		return sizeof(chans) / sizeof(chans[0]);
	return n > 2047 ? 2047 : n;
}

/* Channel relid of web (1..nchans()): an IC's, or loopback device relid - 5's. */
static struct chan get_chan(uint32_t relid)
{
	static const struct guid loop =
		GUID(0x6c6f6f70, 0x6b76, 0x6876, 0x80, 0x74, 0x65, 0x73, 0x74, 0x6c, 0x6f, 0x6f);
	struct guid inst =
		GUID(0x6c6f6f70, 0x0000, 0x4000, 0x80, 0x00, 0x68, 0x76, 0, 0, 0, 0);
	struct chan c = { "loopback", loop, inst, 0, relid, HVKVM_VMBUS_CHAN_OPEN,
			  0, 16384, 16384, relid, relid, relid, relid, NULL };

	if (relid <= sizeof(chans) / sizeof(chans[0]))
		return chans[relid - 1];
	c.instance.b[14] = (relid - 5) >> 8;
	c.instance.b[15] = (relid - 5) & 0xff;
	return c;
}

/* One message of a channel dump: VM_NAME and CHANNEL. */
static struct nlmsghdr *put_chan(char *at, uint16_t flags, uint32_t seq,
				 const struct chan *c)
{
	struct nlmsghdr *nlh = fake_put_msg(at, FAKEVMBUS_FAMILY_ID, flags, seq);
	bool up = bus_up();
	struct nlattr *one;

	fake_put_genl(nlh, HVKVM_VMBUS_CMD_CHANNEL_GET);
	mnl_attr_put_strz(nlh, HVKVM_VMBUS_A_VM_NAME, "web");
	one = mnl_attr_nest_start(nlh, HVKVM_VMBUS_A_CHANNEL);
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
	return nlh;
}

/*
 * The end of a dump, after len bytes at the start of the datagram: err
 * (0, or a -errno and its extack message, as the kernel ends a dump whose
 * first pass failed).
 */
static void done_err(struct fsock *s, char *at, size_t len, uint16_t flags,
		     uint32_t seq, int err, const char *msg)
{
	struct nlmsghdr *nlh = fake_put_msg(at, NLMSG_DONE, NLM_F_MULTI | flags, seq);

	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(int)), &err, sizeof(int));
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	fake_push(s, len + nlh->nlmsg_len);
}

static void done(struct fsock *s, char *at, size_t len, uint32_t seq)
{
	done_err(s, at, len, 0, seq, 0, NULL);
}

/* Room for the largest message (or the NLMSG_DONE) at the end of a datagram. */
#define CHAN_MSG_MAX 512

static int chan_dumps;

/*
 * CHANNEL_GET: web's channels, by relid, as the kernel's passes fill its
 * datagrams: each as full as the next message allows, the NLMSG_DONE in
 * the last if it fits.
 */
static void chan_dump(struct fsock *s, const struct nlmsghdr *req,
		      const char *name)
{
	uint16_t flags = NLM_F_MULTI;
	uint32_t relid, seq = req->nlmsg_seq;
	char *buf = fake_dgram(s);
	struct chan c;
	size_t len = 0;

	if (!name)
		return done_err(s, buf, 0, 0, seq, -EINVAL, "missing vm name");
	if (strcmp(name, "web") || getenv("FAKEVMBUS_CHAN_GONE"))
		return done_err(s, buf, 0, 0, seq, -ENOENT,
				"no running partition has this name");
	if (++chan_dumps <= atoi(getenv("FAKEVMBUS_CHAN_INTR") ?: "0"))
		flags |= NLM_F_DUMP_INTR;
	for (relid = 1; relid <= nchans(); relid++) {
		if (len + CHAN_MSG_MAX > sizeof(s->queue[0])) {
			fake_push(s, len);
			buf = fake_dgram(s);
			len = 0;
		}
		c = get_chan(relid);
		len += put_chan(buf + len, flags, seq, &c)->nlmsg_len;
	}
	if (len + CHAN_MSG_MAX > sizeof(s->queue[0])) {
		fake_push(s, len);
		buf = fake_dgram(s);
		len = 0;
	}
	done_err(s, buf + len, len, flags & NLM_F_DUMP_INTR, seq, 0, NULL);
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
	if (g->cmd == HVKVM_VMBUS_CMD_CHANNEL_GET && !getenv("FAKEVMBUS_OLD")) {
		/* dump only: genetlink refuses a do the op has none of */
		if (!dump)
			return fake_ack(s, req, -EOPNOTSUPP, NULL);
		return chan_dump(s, req, name);
	}
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
