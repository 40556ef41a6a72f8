// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the hvkvm_vmbus module in fakevid.so (see fakevid.c): the
 * family exists when FAKEVMBUS is set. One partition runs, web (db is not
 * running, so VMBus does not know it); every request is answered on its
 * own, with the kernel's own refusals and messages.
 *
 * FAKEVMBUS=1		the family is registered
 * FAKEVMBUS_BUS=B	web's bus: connected (the default: VMBus 5.3, four
 *			channels, the four ICs) or disconnected (no contact:
 *			the channels closed, the ICs closed)
 * FAKEVMBUS_OLDIC=1	the guest's kvp IC speaks message version 4.0 where
 *			the host offers 5.0
 * FAKEVMBUS_SHUTDOWN=R	how the guest takes a shutdown: done (the default),
 *			refused (status 0x80004005), noanswer, notready (its
 *			IC is closed: -ENOTCONN), silent (not even the
 *			kernel's NO_ANSWER event comes)
 * FAKEVMBUS_KVP_ERROR=MSG  the guest's KVP service does not answer: the
 *			pairs are the host's only, and the dump ends with MSG
 * FAKEVMBUS_KVP_WARN=MSG  a KVP_SET is done, with MSG in its ACK
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

static const struct ic {
	const char *name;
	uint32_t state, frame, msg, host;
} ics[] = {
	{ "heartbeat", HVKVM_VMBUS_IC_READY, VER(3, 0), VER(3, 0), VER(3, 0) },
	{ "shutdown", HVKVM_VMBUS_IC_READY, VER(3, 0), VER(3, 2), VER(3, 2) },
	{ "timesync", HVKVM_VMBUS_IC_NEGOTIATING, 0, 0, VER(4, 0) },
	{ "kvp", HVKVM_VMBUS_IC_READY, VER(3, 0), VER(5, 0), VER(5, 0) },
};

static const struct kvp {
	uint8_t pool;
	const char *key, *value;
} host_kvps[] = {
	{ HVKVM_VMBUS_KVP_POOL_EXTERNAL, "HostName", "host1.example" },
	{ HVKVM_VMBUS_KVP_POOL_EXTERNAL, "Role", "web \"front\"" },
}, guest_kvps[] = {
	{ HVKVM_VMBUS_KVP_POOL_GUEST, "Owner", "ops" },
	{ HVKVM_VMBUS_KVP_POOL_AUTO, "OSName", "Debian GNU/Linux" },
	{ HVKVM_VMBUS_KVP_POOL_AUTO, "FullyQualifiedDomainName", "web.example" },
	{ 7, "Odd", "pool" },
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

/* Joining the events: web's guest connects, its heartbeat goes and comes, it goes. */
void fakevmbus_join(struct fsock *s)
{
	fake_push(s, event(fake_dgram(s), HVKVM_VMBUS_CMD_EVENT,
			   HVKVM_VMBUS_EVENT_CONNECTED, VER(5, 3))->nlmsg_len);
	fake_push(s, event(fake_dgram(s), HVKVM_VMBUS_CMD_VM_GET,
			   HVKVM_VMBUS_EVENT_CONNECTED, 0)->nlmsg_len);	/* ignored */
	fake_push(s, event(fake_dgram(s), HVKVM_VMBUS_CMD_EVENT,
			   HVKVM_VMBUS_EVENT_HEARTBEAT_LOST, 0)->nlmsg_len);
	fake_push(s, event(fake_dgram(s), HVKVM_VMBUS_CMD_EVENT,
			   HVKVM_VMBUS_EVENT_HEARTBEAT_REGAINED, 0)->nlmsg_len);
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
	const struct ic *ic;
	unsigned int i;
	uint32_t msg;

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
	nest = mnl_attr_nest_start(nlh, HVKVM_VMBUS_A_ICS);
	for (i = 0; i < sizeof(ics) / sizeof(ics[0]); i++) {
		ic = &ics[i];
		one = mnl_attr_nest_start(nlh, HVKVM_VMBUS_IC_A_IC);
		mnl_attr_put_strz(nlh, HVKVM_VMBUS_IC_A_NAME, ic->name);
		mnl_attr_put_u32(nlh, HVKVM_VMBUS_IC_A_STATE,
				 up ? ic->state : HVKVM_VMBUS_IC_CLOSED);
		mnl_attr_put_u32(nlh, HVKVM_VMBUS_IC_A_HOST_MSG_VERSION, ic->host);
		if (up && ic->state == HVKVM_VMBUS_IC_READY) {
			msg = ic->msg;
			if (!strcmp(ic->name, "kvp") && getenv("FAKEVMBUS_OLDIC"))
				msg = VER(4, 0);
			mnl_attr_put_u32(nlh, HVKVM_VMBUS_IC_A_FRAME_VERSION, ic->frame);
			mnl_attr_put_u32(nlh, HVKVM_VMBUS_IC_A_MSG_VERSION, msg);
		}
		if (up && !strcmp(ic->name, "heartbeat")) {
			mnl_attr_put_u64(nlh, HVKVM_VMBUS_IC_A_HEARTBEAT_SEQ, 42);
			mnl_attr_put_u64(nlh, HVKVM_VMBUS_IC_A_HEARTBEAT_AGE_MS, 2500);
		}
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

static struct nlmsghdr *put_kvp(char *at, uint32_t seq, const struct kvp *kv)
{
	struct nlmsghdr *nlh = fake_put_msg(at, FAKEVMBUS_FAMILY_ID, NLM_F_MULTI, seq);

	fake_put_genl(nlh, HVKVM_VMBUS_CMD_KVP_GET);
	mnl_attr_put_u8(nlh, HVKVM_VMBUS_A_KVP_POOL, kv->pool);
	mnl_attr_put_strz(nlh, HVKVM_VMBUS_A_KVP_KEY, kv->key);
	mnl_attr_put_strz(nlh, HVKVM_VMBUS_A_KVP_VALUE, kv->value);
	return nlh;
}

static void kvp_dump(struct fsock *s, const struct nlmsghdr *req)
{
	const char *err = getenv("FAKEVMBUS_KVP_ERROR");
	char *buf = fake_dgram(s);
	struct nlmsghdr *nlh;
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < sizeof(host_kvps) / sizeof(host_kvps[0]); i++)
		len += put_kvp(buf + len, req->nlmsg_seq, &host_kvps[i])->nlmsg_len;
	for (i = 0; !err && i < sizeof(guest_kvps) / sizeof(guest_kvps[0]); i++)
		len += put_kvp(buf + len, req->nlmsg_seq, &guest_kvps[i])->nlmsg_len;
	if (err) {
		nlh = fake_put_msg(buf + len, FAKEVMBUS_FAMILY_ID, NLM_F_MULTI,
				   req->nlmsg_seq);
		fake_put_genl(nlh, HVKVM_VMBUS_CMD_KVP_GET);
		mnl_attr_put_strz(nlh, HVKVM_VMBUS_A_KVP_GUEST_ERROR, err);
		len += nlh->nlmsg_len;
	}
	done(s, buf + len, len, req->nlmsg_seq);
}

struct req {
	const char *name, *key, *value;
	bool reboot, has_timeout;
	uint32_t timeout;
};

static void log_req(const struct nlmsghdr *req, uint8_t cmd, struct req *r)
{
	FILE *f = fopen(getenv("FAKEVID_LOG") ?: "/dev/null", "a");
	const struct nlattr *a;

	fprintf(f, "vmbus cmd %u%s", cmd, req->nlmsg_flags & NLM_F_DUMP ? " dump" : "");
	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case HVKVM_VMBUS_A_VM_NAME:
			r->name = mnl_attr_get_str(a);
			fprintf(f, " name %s", r->name);
			break;
		case HVKVM_VMBUS_A_SHUTDOWN_REBOOT:
			r->reboot = true;
			fprintf(f, " reboot");
			break;
		case HVKVM_VMBUS_A_SHUTDOWN_TIMEOUT_MS:
			r->has_timeout = true;
			r->timeout = mnl_attr_get_u32(a);
			fprintf(f, " timeout_ms %u", r->timeout);
			break;
		case HVKVM_VMBUS_A_KVP_KEY:
			r->key = mnl_attr_get_str(a);
			fprintf(f, " key \"%s\"", r->key);
			break;
		case HVKVM_VMBUS_A_KVP_VALUE:
			r->value = mnl_attr_get_str(a);
			fprintf(f, " value \"%s\"", r->value);
			break;
		default:
			fprintf(f, " attr%u", mnl_attr_get_type(a));
		}
	}
	fputc('\n', f);
	fclose(f);
}

/*
 * The kernel answers SENT at once, and the guest's answer comes as an
 * event to every socket that joined the events (NO_ANSWER, which the
 * kernel sends at the time-out, comes at once here).
 */
static void do_shutdown(struct fsock *s, const struct nlmsghdr *req, struct req *r)
{
	const char *how = getenv("FAKEVMBUS_SHUTDOWN") ?: "done";
	struct fsock *all;
	struct nlmsghdr *nlh;
	unsigned int i, n;
	uint32_t result;

	if (r->has_timeout && (r->timeout < 1 || r->timeout > 600000))
		return fake_ack(s, req, -ERANGE, "integer out of range");
	if (!strcmp(how, "notready"))
		return fake_ack(s, req, -ENOTCONN,
				"the guest has not opened this integration service (no VMBus driver or no hv_utils)");
	result = !strcmp(how, "refused") ? HVKVM_VMBUS_SHUTDOWN_REFUSED :
		 !strcmp(how, "noanswer") ? HVKVM_VMBUS_SHUTDOWN_NO_ANSWER :
		 HVKVM_VMBUS_SHUTDOWN_DONE;
	nlh = fake_put_msg(fake_dgram(s), FAKEVMBUS_FAMILY_ID, 0, req->nlmsg_seq);
	fake_put_genl(nlh, HVKVM_VMBUS_CMD_VM_SHUTDOWN);
	mnl_attr_put_u32(nlh, HVKVM_VMBUS_A_SHUTDOWN_RESULT, HVKVM_VMBUS_SHUTDOWN_SENT);
	fake_push(s, nlh->nlmsg_len);
	fake_ack(s, req, 0, NULL);
	if (!strcmp(how, "silent"))
		return;		/* not even the kernel's NO_ANSWER */
	all = fake_socks(&n);
	for (i = 0; i < n; i++) {
		if (!all[i].used || !all[i].vmbus_joined)
			continue;
		nlh = event(fake_dgram(&all[i]), HVKVM_VMBUS_CMD_EVENT,
			    HVKVM_VMBUS_EVENT_SHUTDOWN_ANSWERED, 0);
		mnl_attr_put_u32(nlh, HVKVM_VMBUS_A_SHUTDOWN_RESULT, result);
		if (result != HVKVM_VMBUS_SHUTDOWN_NO_ANSWER)
			mnl_attr_put_u32(nlh, HVKVM_VMBUS_A_GUEST_STATUS,
					 result == HVKVM_VMBUS_SHUTDOWN_REFUSED ?
					 0x80004005 : 0);
		fake_push(&all[i], nlh->nlmsg_len);
	}
}

static void kvp_set(struct fsock *s, const struct nlmsghdr *req, struct req *r)
{
	unsigned int i;

	if (!r->key || !r->value)
		return fake_ack(s, req, -EINVAL, "give a key and a value");
	if (strlen(r->key) > 255 || strlen(r->value) > 1023)
		return fake_ack(s, req, -E2BIG,
				"the key (255 characters at most) or the value (1023) is too long");
	if (!*r->key)
		return fake_ack(s, req, -EINVAL,
				"the key and the value must be UTF-8 text, the key not empty");
	if (!*r->value) {
		for (i = 0; i < sizeof(host_kvps) / sizeof(host_kvps[0]); i++)
			if (!strcmp(host_kvps[i].key, r->key))
				return fake_ack(s, req, 0, NULL);
		return fake_ack(s, req, -ENOENT, "no such key");
	}
	fake_ack(s, req, 0, getenv("FAKEVMBUS_KVP_WARN"));
}

void fakevmbus(struct fsock *s, const struct nlmsghdr *req)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);
	bool dump = req->nlmsg_flags & NLM_F_DUMP;
	char *buf = fake_dgram(s);
	struct req r = { 0 };
	size_t len;

	log_req(req, g->cmd, &r);
	if (g->cmd == HVKVM_VMBUS_CMD_VM_GET && dump) {
		len = put_record(buf, NLM_F_MULTI, req->nlmsg_seq)->nlmsg_len;
		return done(s, buf + len, len, req->nlmsg_seq);
	}
	if (g->cmd < HVKVM_VMBUS_CMD_VM_GET || g->cmd > HVKVM_VMBUS_CMD_KVP_SET ||
	    (g->cmd == HVKVM_VMBUS_CMD_KVP_GET && !dump) ||
	    (g->cmd != HVKVM_VMBUS_CMD_KVP_GET && dump))
		return fake_ack(s, req, -EOPNOTSUPP, NULL);
	if (!r.name)
		return fake_ack(s, req, -EINVAL, "missing vm name");
	if (strcmp(r.name, "web"))
		return fake_ack(s, req, -ENOENT, "no running partition has this name");
	switch (g->cmd) {
	case HVKVM_VMBUS_CMD_VM_GET:
		fake_push(s, put_record(fake_dgram(s), 0, req->nlmsg_seq)->nlmsg_len);
		return fake_ack(s, req, 0, NULL);
	case HVKVM_VMBUS_CMD_VM_SHUTDOWN:
		return do_shutdown(s, req, &r);
	case HVKVM_VMBUS_CMD_KVP_GET:
		return kvp_dump(s, req);
	case HVKVM_VMBUS_CMD_KVP_SET:
		return kvp_set(s, req, &r);
	}
}
