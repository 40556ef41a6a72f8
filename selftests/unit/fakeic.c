// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the hvkvm_ic module in fakevid.so (see fakevid.c): the
 * family exists when FAKEVMBUS is set (the ICs need VMBus) and
 * FAKEIC_ABSENT is not. It serves web, the one running partition (db is
 * not running); every request is answered on its own, with the kernel's
 * own refusals and messages.
 *
 * FAKEIC_ABSENT=1	the family is not registered (hvkvm_ic not loaded)
 * FAKEVMBUS_BUS=B	connected (the default: the four ICs) or disconnected
 *			(the guest has no VMBus driver: the ICs closed)
 * FAKEVMBUS_OLDIC=1	the guest's kvp IC speaks message version 4.0 where
 *			the host offers 5.0
 * FAKEVMBUS_SHUTDOWN=R	how the guest takes a shutdown: done (the default),
 *			refused (status 0x80004005), noanswer, notready (its
 *			IC is closed: -ENOTCONN), silent (not even the
 *			kernel's NO_ANSWER event comes)
 * FAKEVMBUS_KVP_ERROR=MSG  the guest's KVP service does not answer: the
 *			pairs are the host's only, and the dump ends with MSG
 * FAKEVMBUS_KVP_WARN=MSG  a KVP_SET is done, with MSG in its ACK
 * FAKEVID_LOG=FILE	each request is logged there too, as "ic cmd N ..."
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include <linux/hvkvm_ic.h>

#include "fake.h"

#define VER(major, minor) ((uint32_t)(major) << 16 | (minor))

static const struct ic {
	const char *name;
	uint32_t state, frame, msg, host;
} ics[] = {
	{ "heartbeat", HVKVM_IC_STATE_READY, VER(3, 0), VER(3, 0), VER(3, 0) },
	{ "shutdown", HVKVM_IC_STATE_READY, VER(3, 0), VER(3, 2), VER(3, 2) },
	{ "timesync", HVKVM_IC_STATE_NEGOTIATING, 0, 0, VER(4, 0) },
	{ "kvp", HVKVM_IC_STATE_READY, VER(3, 0), VER(5, 0), VER(5, 0) },
};

static const struct kvp {
	uint8_t pool;
	const char *key, *value;
} host_kvps[] = {
	{ HVKVM_IC_KVP_POOL_EXTERNAL, "HostName", "host1.example" },
	{ HVKVM_IC_KVP_POOL_EXTERNAL, "Role", "web \"front\"" },
}, guest_kvps[] = {
	{ HVKVM_IC_KVP_POOL_GUEST, "Owner", "ops" },
	{ HVKVM_IC_KVP_POOL_AUTO, "OSName", "Debian GNU/Linux" },
	{ HVKVM_IC_KVP_POOL_AUTO, "FullyQualifiedDomainName", "web.example" },
	{ 7, "Odd", "pool" },
};

void fakeic_family(struct fsock *s, const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh = fake_put_msg(fake_dgram(s), GENL_ID_CTRL, 0,
					    req->nlmsg_seq);
	struct nlattr *grps, *grp;

	fake_put_genl(nlh, CTRL_CMD_NEWFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, HVKVM_IC_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAKEIC_FAMILY_ID);
	grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, HVKVM_IC_MCGRP_EVENTS);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, FAKEIC_GROUP_ID);
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, grps);
	fake_push(s, nlh->nlmsg_len);
	fake_ack(s, req, 0, NULL);
}

static struct nlmsghdr *event(char *at, uint8_t cmd, uint32_t ev)
{
	struct nlmsghdr *nlh = fake_put_msg(at, FAKEIC_FAMILY_ID, 0, 0);

	fake_put_genl(nlh, cmd);
	mnl_attr_put_strz(nlh, HVKVM_IC_A_VM_NAME, "web");
	mnl_attr_put_u32(nlh, HVKVM_IC_A_EVENT, ev);
	return nlh;
}

/* Joining the events: web's heartbeat goes and comes. */
void fakeic_join(struct fsock *s)
{
	fake_push(s, event(fake_dgram(s), HVKVM_IC_CMD_EVENT,
			   HVKVM_IC_EVENT_HEARTBEAT_LOST)->nlmsg_len);
	fake_push(s, event(fake_dgram(s), HVKVM_IC_CMD_VM_GET,
			   HVKVM_IC_EVENT_HEARTBEAT_LOST)->nlmsg_len);	/* ignored */
	fake_push(s, event(fake_dgram(s), HVKVM_IC_CMD_EVENT,
			   HVKVM_IC_EVENT_HEARTBEAT_REGAINED)->nlmsg_len);
	fake_push(s, event(fake_dgram(s), HVKVM_IC_CMD_EVENT, 7)->nlmsg_len);
}

static bool env_is(const char *var, const char *val, const char *dflt)
{
	return !strcmp(getenv(var) ?: dflt, val);
}

/* web's record */
static struct nlmsghdr *put_record(char *at, uint16_t flags, uint32_t seq)
{
	bool up = env_is("FAKEVMBUS_BUS", "connected", "connected");
	struct nlmsghdr *nlh = fake_put_msg(at, FAKEIC_FAMILY_ID, flags, seq);
	struct nlattr *nest, *one;
	const struct ic *ic;
	unsigned int i;
	uint32_t msg;

	fake_put_genl(nlh, HVKVM_IC_CMD_VM_GET);
	mnl_attr_put_strz(nlh, HVKVM_IC_A_VM_NAME, "web");
	nest = mnl_attr_nest_start(nlh, HVKVM_IC_A_ICS);
	for (i = 0; i < sizeof(ics) / sizeof(ics[0]); i++) {
		ic = &ics[i];
		one = mnl_attr_nest_start(nlh, HVKVM_IC_IC_A_IC);
		mnl_attr_put_strz(nlh, HVKVM_IC_IC_A_NAME, ic->name);
		mnl_attr_put_u32(nlh, HVKVM_IC_IC_A_STATE,
				 up ? ic->state : HVKVM_IC_STATE_CLOSED);
		mnl_attr_put_u32(nlh, HVKVM_IC_IC_A_HOST_MSG_VERSION, ic->host);
		if (up && ic->state == HVKVM_IC_STATE_READY) {
			msg = ic->msg;
			if (!strcmp(ic->name, "kvp") && getenv("FAKEVMBUS_OLDIC"))
				msg = VER(4, 0);
			mnl_attr_put_u32(nlh, HVKVM_IC_IC_A_FRAME_VERSION, ic->frame);
			mnl_attr_put_u32(nlh, HVKVM_IC_IC_A_MSG_VERSION, msg);
		}
		if (up && !strcmp(ic->name, "heartbeat")) {
			mnl_attr_put_u64(nlh, HVKVM_IC_IC_A_HEARTBEAT_SEQ, 42);
			mnl_attr_put_u64(nlh, HVKVM_IC_IC_A_HEARTBEAT_AGE_MS, 2500);
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
	struct nlmsghdr *nlh = fake_put_msg(at, FAKEIC_FAMILY_ID, NLM_F_MULTI, seq);

	fake_put_genl(nlh, HVKVM_IC_CMD_KVP_GET);
	mnl_attr_put_u8(nlh, HVKVM_IC_A_KVP_POOL, kv->pool);
	mnl_attr_put_strz(nlh, HVKVM_IC_A_KVP_KEY, kv->key);
	mnl_attr_put_strz(nlh, HVKVM_IC_A_KVP_VALUE, kv->value);
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
		nlh = fake_put_msg(buf + len, FAKEIC_FAMILY_ID, NLM_F_MULTI,
				   req->nlmsg_seq);
		fake_put_genl(nlh, HVKVM_IC_CMD_KVP_GET);
		mnl_attr_put_strz(nlh, HVKVM_IC_A_KVP_GUEST_ERROR, err);
		len += nlh->nlmsg_len;
	}
	done(s, buf + len, len, req->nlmsg_seq);
}

struct req {
	const char *name, *key, *value, *ic;
	bool reboot, has_timeout, has_enabled;
	uint32_t timeout;
	uint8_t enabled;
};

static void log_req(const struct nlmsghdr *req, uint8_t cmd, struct req *r)
{
	FILE *f = fopen(getenv("FAKEVID_LOG") ?: "/dev/null", "a");
	const struct nlattr *a;

	fprintf(f, "ic cmd %u%s", cmd, req->nlmsg_flags & NLM_F_DUMP ? " dump" : "");
	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case HVKVM_IC_A_VM_NAME:
			r->name = mnl_attr_get_str(a);
			fprintf(f, " name %s", r->name);
			break;
		case HVKVM_IC_A_SHUTDOWN_REBOOT:
			r->reboot = true;
			fprintf(f, " reboot");
			break;
		case HVKVM_IC_A_SHUTDOWN_TIMEOUT_MS:
			r->has_timeout = true;
			r->timeout = mnl_attr_get_u32(a);
			fprintf(f, " timeout_ms %u", r->timeout);
			break;
		case HVKVM_IC_A_KVP_KEY:
			r->key = mnl_attr_get_str(a);
			fprintf(f, " key \"%s\"", r->key);
			break;
		case HVKVM_IC_A_KVP_VALUE:
			r->value = mnl_attr_get_str(a);
			fprintf(f, " value \"%s\"", r->value);
			break;
		case HVKVM_IC_A_IC_NAME:
			r->ic = mnl_attr_get_str(a);
			fprintf(f, " ic %s", r->ic);
			break;
		case HVKVM_IC_A_IC_ENABLED:
			r->has_enabled = true;
			r->enabled = mnl_attr_get_u8(a);
			fprintf(f, " enabled %u", r->enabled);
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
	result = !strcmp(how, "refused") ? HVKVM_IC_SHUTDOWN_REFUSED :
		 !strcmp(how, "noanswer") ? HVKVM_IC_SHUTDOWN_NO_ANSWER :
		 HVKVM_IC_SHUTDOWN_DONE;
	nlh = fake_put_msg(fake_dgram(s), FAKEIC_FAMILY_ID, 0, req->nlmsg_seq);
	fake_put_genl(nlh, HVKVM_IC_CMD_VM_SHUTDOWN);
	mnl_attr_put_u32(nlh, HVKVM_IC_A_SHUTDOWN_RESULT, HVKVM_IC_SHUTDOWN_SENT);
	fake_push(s, nlh->nlmsg_len);
	fake_ack(s, req, 0, NULL);
	if (!strcmp(how, "silent"))
		return;		/* not even the kernel's NO_ANSWER */
	all = fake_socks(&n);
	for (i = 0; i < n; i++) {
		if (!all[i].used || !all[i].ic_joined)
			continue;
		nlh = event(fake_dgram(&all[i]), HVKVM_IC_CMD_EVENT,
			    HVKVM_IC_EVENT_SHUTDOWN_ANSWERED);
		mnl_attr_put_u32(nlh, HVKVM_IC_A_SHUTDOWN_RESULT, result);
		if (result != HVKVM_IC_SHUTDOWN_NO_ANSWER)
			mnl_attr_put_u32(nlh, HVKVM_IC_A_GUEST_STATUS,
					 result == HVKVM_IC_SHUTDOWN_REFUSED ?
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

static void ic_set(struct fsock *s, const struct nlmsghdr *req, struct req *r)
{
	unsigned int i;

	if (!r->ic || !r->has_enabled)
		return fake_ack(s, req, -EINVAL,
				"give the service's name and whether it is enabled");
	for (i = 0; i < sizeof(ics) / sizeof(ics[0]); i++)
		if (!strcmp(ics[i].name, r->ic))
			return fake_ack(s, req, 0, NULL);
	fake_ack(s, req, -EINVAL,
		 "no such integration service (heartbeat, shutdown, timesync, kvp)");
}

void fakeic(struct fsock *s, const struct nlmsghdr *req)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);
	bool dump = req->nlmsg_flags & NLM_F_DUMP;
	char *buf = fake_dgram(s);
	struct req r = { 0 };
	size_t len;

	log_req(req, g->cmd, &r);
	if (g->cmd == HVKVM_IC_CMD_VM_GET && dump) {
		len = put_record(buf, NLM_F_MULTI, req->nlmsg_seq)->nlmsg_len;
		return done(s, buf + len, len, req->nlmsg_seq);
	}
	if (g->cmd < HVKVM_IC_CMD_VM_GET || g->cmd > HVKVM_IC_CMD_IC_SET ||
	    (g->cmd == HVKVM_IC_CMD_KVP_GET && !dump) ||
	    (g->cmd != HVKVM_IC_CMD_KVP_GET && dump))
		return fake_ack(s, req, -EOPNOTSUPP, NULL);
	if (!r.name)
		return fake_ack(s, req, -EINVAL, "missing vm name");
	if (strcmp(r.name, "web"))
		return fake_ack(s, req, -ENOENT, "no running partition has this name");
	switch (g->cmd) {
	case HVKVM_IC_CMD_VM_GET:
		fake_push(s, put_record(fake_dgram(s), 0, req->nlmsg_seq)->nlmsg_len);
		return fake_ack(s, req, 0, NULL);
	case HVKVM_IC_CMD_VM_SHUTDOWN:
		return do_shutdown(s, req, &r);
	case HVKVM_IC_CMD_KVP_GET:
		return kvp_dump(s, req);
	case HVKVM_IC_CMD_KVP_SET:
		return kvp_set(s, req, &r);
	case HVKVM_IC_CMD_IC_SET:
		return ic_set(s, req, &r);
	}
}
