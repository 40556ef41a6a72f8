// SPDX-License-Identifier: GPL-2.0
/*
 * hvadm and hvkvm_ic, the integration components' family: their section
 * of a VM in vm show and vm list, vm shutdown, vm kvp, vm ic, and the
 * events of monitor.
 *
 * The ICs know running VMs only, by their VID name. For show and list
 * they are extra: no hvkvm_ic module, or a VM they do not serve, shows
 * no section and is no error.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include <linux/hvkvm_ic.h>

#include "hvadm.h"
#include "utils.h"

#define SHUTDOWN_TIMEOUT 30	/* s: the kernel's own default */

/* ---- the family ---- */

static const struct family ic_family = {
	.name = HVKVM_IC_GENL_NAME,
	.version = HVKVM_IC_GENL_VERSION,
	.mcgrp = HVKVM_IC_MCGRP_EVENTS,
	.module = "hvkvm_ic",
};

int ic_connect(struct hvadm *h, bool required, bool events)
{
	return family_connect(&h->ic, &ic_family, required, events);
}

/* ---- attributes ---- */

static const enum mnl_attr_data_type ic_attr_types[HVKVM_IC_A_MAX + 1] = {
	[HVKVM_IC_A_VM_NAME] = MNL_TYPE_NUL_STRING,
	[HVKVM_IC_A_ICS] = MNL_TYPE_NESTED,
	[HVKVM_IC_A_SHUTDOWN_RESULT] = MNL_TYPE_U32,
	[HVKVM_IC_A_GUEST_STATUS] = MNL_TYPE_U32,
	[HVKVM_IC_A_KVP_POOL] = MNL_TYPE_U8,
	[HVKVM_IC_A_KVP_KEY] = MNL_TYPE_NUL_STRING,
	[HVKVM_IC_A_KVP_VALUE] = MNL_TYPE_NUL_STRING,
	[HVKVM_IC_A_KVP_GUEST_ERROR] = MNL_TYPE_NUL_STRING,
	[HVKVM_IC_A_EVENT] = MNL_TYPE_U32,
};

static const enum mnl_attr_data_type ic_types[HVKVM_IC_IC_A_MAX + 1] = {
	[HVKVM_IC_IC_A_NAME] = MNL_TYPE_NUL_STRING,
	[HVKVM_IC_IC_A_STATE] = MNL_TYPE_U32,
	[HVKVM_IC_IC_A_FRAME_VERSION] = MNL_TYPE_U32,
	[HVKVM_IC_IC_A_MSG_VERSION] = MNL_TYPE_U32,
	[HVKVM_IC_IC_A_HOST_MSG_VERSION] = MNL_TYPE_U32,
	[HVKVM_IC_IC_A_HEARTBEAT_SEQ] = MNL_TYPE_U64,
	[HVKVM_IC_IC_A_HEARTBEAT_AGE_MS] = MNL_TYPE_U64,
};

static void parse(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	struct nl_attrs a = { tb, ic_attr_types, HVKVM_IC_A_MAX };

	memset(tb, 0, sizeof(*tb) * (HVKVM_IC_A_MAX + 1));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_attr_cb, &a);
}

static uint32_t get_u32(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

static uint64_t get_u64(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

static const char *const ic_states[] = {
	[HVKVM_IC_STATE_CLOSED] = "closed",
	[HVKVM_IC_STATE_NEGOTIATING] = "negotiating",
	[HVKVM_IC_STATE_READY] = "ready",
	[HVKVM_IC_STATE_NO_COMMON_VERSION] = "no-common-version",
	[HVKVM_IC_STATE_LOST] = "lost",
	[HVKVM_IC_STATE_DISABLED] = "disabled",
};

static const char *const kvp_pools[] = {
	[HVKVM_IC_KVP_POOL_EXTERNAL] = "external",
	[HVKVM_IC_KVP_POOL_GUEST] = "guest",
	[HVKVM_IC_KVP_POOL_AUTO] = "auto",
};

static const char *const events[] = {
	[HVKVM_IC_EVENT_HEARTBEAT_LOST] = "heartbeat-lost",
	[HVKVM_IC_EVENT_HEARTBEAT_REGAINED] = "heartbeat-regained",
	[HVKVM_IC_EVENT_SHUTDOWN_ANSWERED] = "shutdown-answered",
};

static const char *const shutdown_results[] = {
	[HVKVM_IC_SHUTDOWN_DONE] = "accepted",
	[HVKVM_IC_SHUTDOWN_REFUSED] = "refused",
	[HVKVM_IC_SHUTDOWN_NO_ANSWER] = "no-answer",
	[HVKVM_IC_SHUTDOWN_SENT] = "sent",
};

/* ---- the ICs' section of vm show and vm list ---- */

/*
 * ic NAME state S [framework V message V] [seq N age Ns]; a warning when
 * the message version the guest settled on is older than the host's.
 */
static void ic_print(struct printer *p, const struct nlattr *nest,
		     struct warnings *w)
{
	const struct nlattr *tb[HVKVM_IC_IC_A_MAX + 1] = { NULL };
	struct nl_attrs a = { tb, ic_types, HVKVM_IC_IC_A_MAX };
	char sbuf[24], vbuf[VERSION_STR_MAX], hbuf[VERSION_STR_MAX];
	const struct nlattr *name, *msg, *host;
	uint64_t age_ms;

	mnl_attr_parse_nested(nest, nl_attr_cb, &a);
	name = tb[HVKVM_IC_IC_A_NAME];
	msg = tb[HVKVM_IC_IC_A_MSG_VERSION];
	host = tb[HVKVM_IC_IC_A_HOST_MSG_VERSION];
	print_open_object(p, NULL);
	print_string(p, PRINT_ANY, "name", "\n    ic %s",
		     name ? mnl_attr_get_str(name) : "?");
	if (tb[HVKVM_IC_IC_A_STATE])
		print_string(p, PRINT_ANY, "state", " state %s",
			     NAME_OF(ic_states, get_u32(tb[HVKVM_IC_IC_A_STATE]), sbuf));
	if (tb[HVKVM_IC_IC_A_FRAME_VERSION])
		print_string(p, PRINT_ANY, "framework_version", " framework %s",
			     format_version(get_u32(tb[HVKVM_IC_IC_A_FRAME_VERSION]), vbuf));
	if (msg)
		print_string(p, PRINT_ANY, "message_version", " message %s",
			     format_version(get_u32(msg), vbuf));
	if (host)
		print_string(p, PRINT_JSON, "host_message_version", NULL,
			     format_version(get_u32(host), hbuf));
	if (tb[HVKVM_IC_IC_A_HEARTBEAT_SEQ])
		print_u64(p, PRINT_ANY, "heartbeat_seq", " seq %" PRIu64,
			  get_u64(tb[HVKVM_IC_IC_A_HEARTBEAT_SEQ]));
	if (tb[HVKVM_IC_IC_A_HEARTBEAT_AGE_MS]) {
		age_ms = get_u64(tb[HVKVM_IC_IC_A_HEARTBEAT_AGE_MS]);
		print_u64(p, PRINT_JSON, "heartbeat_age_ms", NULL, age_ms);
		print_u64(p, PRINT_TEXT, NULL, " age %" PRIu64 "s", age_ms / 1000);
	}
	print_close_object(p);
	if (msg && host && get_u32(msg) < get_u32(host))
		warn_add(w, "ic %s: the guest speaks message version %s, older than the host's %s",
			 name ? mnl_attr_get_str(name) : "?",
			 format_version(get_u32(msg), vbuf),
			 format_version(get_u32(host), hbuf));
}


static void *section_open(struct hvadm *h, bool dump)
{
	if (ic_connect(h, false, false) <= 0)
		return NULL;
	return records_new(h->ic, HVKVM_IC_CMD_VM_GET, HVKVM_IC_A_VM_NAME, dump,
			   "integration services' state");
}

/* "ics": one line per IC, after VMBus's channels. */
static void section_print(struct printer *p, const char *vm, void *st,
			  struct warnings *w)
{
	const struct nlmsghdr *nlh = records_find(st, vm);
	const struct nlattr *tb[HVKVM_IC_A_MAX + 1], *one;

	if (!nlh)
		return;
	parse(nlh, tb);
	print_open_array(p, "ics");
	if (tb[HVKVM_IC_A_ICS])
		mnl_attr_for_each_nested(one, tb[HVKVM_IC_A_ICS])
			if (mnl_attr_get_type(one) == HVKVM_IC_IC_A_IC &&
			    !mnl_attr_validate(one, MNL_TYPE_NESTED))
				ic_print(p, one, w);
	print_close_array(p);
}

static void section_close(void *st)
{
	records_free(st);
}

const struct vsp_section ic_section = {
	.name = "ic",
	.open = section_open,
	.print = section_print,
	.close = section_close,
};

/* ---- the VM a command names ---- */

/*
 * The ICs know VMs by name: a VM given by id is looked up in VID. Returns
 * the name (allocated) with h->ic open, or NULL (said).
 */
static char *ic_vm(struct hvadm *h, const struct vm_handle *hd)
{
	char *name;

	if (hd->name) {
		name = strdup(hd->name);
		if (!name)
			pr_err("%s", strerror(ENOMEM));
	} else {
		if (hvadm_connect(h, false))
			return NULL;
		name = vm_name(h, hd);
	}
	if (name && ic_connect(h, true, false) <= 0) {
		free(name);
		return NULL;
	}
	return name;
}

/* ---- vm shutdown ---- */

struct shutdown_reply {
	const char *name;	/* the VM whose answer counts */
	bool has_result, has_status;
	uint32_t result, status;
};

static void shutdown_take(struct shutdown_reply *r, const struct nlattr **tb)
{
	if (tb[HVKVM_IC_A_SHUTDOWN_RESULT]) {
		r->has_result = true;
		r->result = get_u32(tb[HVKVM_IC_A_SHUTDOWN_RESULT]);
	}
	if (tb[HVKVM_IC_A_GUEST_STATUS]) {
		r->has_status = true;
		r->status = get_u32(tb[HVKVM_IC_A_GUEST_STATUS]);
	}
}

static int shutdown_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[HVKVM_IC_A_MAX + 1];

	parse(nlh, tb);
	shutdown_take(data, tb);
	return MNL_CB_OK;
}

/* The event with the guest's answer, for r->name: MNL_CB_STOP. */
static int shutdown_event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[HVKVM_IC_A_MAX + 1];
	struct shutdown_reply *r = data;

	if (g->cmd != HVKVM_IC_CMD_EVENT)
		return MNL_CB_OK;
	parse(nlh, tb);
	if (!tb[HVKVM_IC_A_VM_NAME] || !tb[HVKVM_IC_A_EVENT] ||
	    strcmp(mnl_attr_get_str(tb[HVKVM_IC_A_VM_NAME]), r->name) ||
	    get_u32(tb[HVKVM_IC_A_EVENT]) != HVKVM_IC_EVENT_SHUTDOWN_ANSWERED)
		return MNL_CB_OK;
	r->has_result = false;
	r->has_status = false;
	shutdown_take(r, tb);
	return r->has_result ? MNL_CB_STOP : MNL_CB_OK;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait on ev (joined to the events) for the answer to a shutdown: the
 * kernel sends NO_ANSWER itself at the time-out it was given, so this
 * waits a little longer than secs. 0, or -1 (said).
 */
static int shutdown_wait(struct nl *ev, struct shutdown_reply *r,
			 unsigned int secs)
{
	int64_t deadline = mono_ms() + ((int64_t)secs + 5) * 1000, left;
	struct pollfd pfd = { .fd = nl_fd(ev), .events = POLLIN };
	int n, err;

	for (;;) {
		left = deadline - mono_ms();
		if (left <= 0) {
			r->has_result = true;
			r->result = HVKVM_IC_SHUTDOWN_NO_ANSWER;
			return 0;
		}
		n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pr_err("poll: %s", strerror(errno));
		if (!n)
			continue;
		err = nl_recv(ev, shutdown_event_cb, r);
		if (err == 1)
			return 0;
		if (err < 0)
			return nl_perror(ev, err);
	}
}

/* VM [ reboot ] [ timeout SECS ] */
int vm_shutdown(struct hvadm *h, int argc, char **argv)
{
	unsigned int secs = SHUTDOWN_TIMEOUT;
	struct shutdown_reply r = { 0 };
	struct nl *ev = NULL;
	struct vm_handle hd;
	struct nlmsghdr *nlh;
	const char *what;
	bool reboot = false;
	char *name;
	int n, err, ret = -1;

	n = parse_handle(argc, argv, &hd);
	if (n < 0)
		return -1;
	for (argc -= n, argv += n; argc > 0; argc--, argv++) {
		if (!strcmp(argv[0], "reboot")) {
			reboot = true;
		} else if (!strcmp(argv[0], "timeout")) {
			if (argc < 2)
				return pr_err("missing value for \"timeout\"");
			if (parse_timeout(argv[1], &secs))
				return pr_err("invalid timeout \"%s\" (1 to %d seconds)",
					      argv[1], TIMEOUT_MAX);
			argc--, argv++;
		} else {
			return pr_err("unexpected argument \"%s\", try \"hvadm vm help\"",
				      argv[0]);
		}
	}
	what = reboot ? "reboot" : "shutdown";
	name = ic_vm(h, &hd);
	if (!name)
		return -1;
	nlh = nl_req(h->ic, HVKVM_IC_CMD_VM_SHUTDOWN, 0);
	nl_put(h->ic, nlh, strz, HVKVM_IC_A_VM_NAME, name);
	if (reboot && !mnl_attr_put_check(nlh, sizeof(h->ic->buf),
					  HVKVM_IC_A_SHUTDOWN_REBOOT, 0, NULL))
		h->ic->overflow = true;
	nl_put(h->ic, nlh, u32, HVKVM_IC_A_SHUTDOWN_TIMEOUT_MS, secs * 1000);
	/* The answer comes as an event: listen before asking. */
	ev = calloc(1, sizeof(*ev));
	if (!ev) {
		pr_err("%s", strerror(ENOMEM));
		goto out;
	}
	err = nl_open(ev, HVKVM_IC_GENL_NAME, HVKVM_IC_GENL_VERSION,
		      HVKVM_IC_MCGRP_EVENTS);
	if (!err)
		err = nl_join(ev);
	if (err) {
		nl_perror(ev, err);
		goto out;
	}
	r.name = name;
	err = nl_talk(h->ic, nlh, shutdown_cb, &r);
	if (err) {
		family_perror(h->ic, err);
		goto out;
	}
	if (!r.has_result) {
		pr_err("%s: the kernel's reply has no result", name);
		goto out;
	}
	if (r.result == HVKVM_IC_SHUTDOWN_SENT && shutdown_wait(ev, &r, secs))
		goto out;
	switch (r.result) {
	case HVKVM_IC_SHUTDOWN_DONE:
		print_open_object(&h->pr, NULL);
		print_string(&h->pr, PRINT_ANY, "name", "%s:", name);
		print_string(&h->pr, PRINT_JSON, "action", NULL, what);
		print_string(&h->pr, PRINT_JSON, "result", NULL, "accepted");
		print_string(&h->pr, PRINT_TEXT, NULL, " the guest accepted the %s\n", what);
		if (r.has_status)
			print_uint(&h->pr, PRINT_JSON, "guest_status", NULL, r.status);
		print_close_object(&h->pr);
		print_end(&h->pr);
		ret = 0;
		break;
	case HVKVM_IC_SHUTDOWN_REFUSED:
		pr_err("%s: the guest refused the %s (status 0x%08x)", name, what,
		       r.status);
		break;
	case HVKVM_IC_SHUTDOWN_NO_ANSWER:
		pr_err("%s: the guest did not answer within %u s", name, secs);
		break;
	default:
		pr_err("%s: the kernel gave an unknown result %u", name, r.result);
	}
out:
	if (ev) {
		nl_close(ev);
		free(ev);
	}
	free(name);
	return ret;
}

/* ---- vm kvp ---- */

struct kvp_list {
	struct printer *p;
	char *guest_error;
};

static int kvp_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[HVKVM_IC_A_MAX + 1];
	struct kvp_list *l = data;
	char buf[24];

	parse(nlh, tb);
	if (tb[HVKVM_IC_A_KVP_GUEST_ERROR] && !l->guest_error)
		l->guest_error = strdup(mnl_attr_get_str(tb[HVKVM_IC_A_KVP_GUEST_ERROR]));
	if (!tb[HVKVM_IC_A_KVP_POOL] || !tb[HVKVM_IC_A_KVP_KEY] ||
	    !tb[HVKVM_IC_A_KVP_VALUE])
		return MNL_CB_OK;
	print_open_object(l->p, NULL);
	print_string(l->p, PRINT_ANY, "pool", "pool %s",
		     NAME_OF(kvp_pools, mnl_attr_get_u8(tb[HVKVM_IC_A_KVP_POOL]), buf));
	print_quoted(l->p, PRINT_ANY, "key", " key %s",
		     mnl_attr_get_str(tb[HVKVM_IC_A_KVP_KEY]));
	print_quoted(l->p, PRINT_ANY, "value", " value %s\n",
		     mnl_attr_get_str(tb[HVKVM_IC_A_KVP_VALUE]));
	print_close_object(l->p);
	return MNL_CB_OK;
}

/* The pairs, to stdout once all came: an error prints nothing. */
static int kvp_list(struct hvadm *h, const char *name)
{
	struct kvp_list l = { 0 };
	struct nlmsghdr *nlh;
	struct printer pr;
	char *out = NULL;
	size_t len = 0;
	FILE *m;
	int err;

	m = open_memstream(&out, &len);
	if (!m)
		return pr_err("%s", strerror(errno));
	print_init(&pr, m, h->json, h->pretty);
	l.p = &pr;
	print_open_array(&pr, NULL);
	nlh = nl_req(h->ic, HVKVM_IC_CMD_KVP_GET, NLM_F_DUMP);
	nl_put(h->ic, nlh, strz, HVKVM_IC_A_VM_NAME, name);
	err = nl_talk(h->ic, nlh, kvp_cb, &l);
	print_close_array(&pr);
	print_end(&pr);
	if (fclose(m) && !err)
		err = -ENOMEM;
	if (!err)
		fwrite(out, 1, len, stdout);
	free(out);
	if (!err && l.guest_error)
		pr_warn("%s: only the host's pairs: %s", name, l.guest_error);
	free(l.guest_error);
	return err ? family_perror(h->ic, err) : 0;
}

static int kvp_set(struct hvadm *h, const char *name, const char *key,
		   const char *value)
{
	struct nlmsghdr *nlh;
	int err;

	nlh = nl_req(h->ic, HVKVM_IC_CMD_KVP_SET, 0);
	nl_put(h->ic, nlh, strz, HVKVM_IC_A_VM_NAME, name);
	nl_put(h->ic, nlh, strz, HVKVM_IC_A_KVP_KEY, key);
	nl_put(h->ic, nlh, strz, HVKVM_IC_A_KVP_VALUE, value);
	err = nl_talk(h->ic, nlh, NULL, NULL);
	if (err)
		return family_perror(h->ic, err);
	if (h->ic->extack[0])	/* done, with a word about it */
		pr_warn("%s", h->ic->extack);
	return 0;
}

/* VM [ show ] | VM set KEY VALUE | VM delete KEY */
int vm_kvp(struct hvadm *h, int argc, char **argv)
{
	const char *key = NULL, *value = NULL;
	struct vm_handle hd;
	char *name;
	int n, ret;

	n = parse_handle(argc, argv, &hd);
	if (n < 0)
		return -1;
	argc -= n, argv += n;
	if (argc && !strcmp(argv[0], "set")) {
		if (argc < 3)
			return pr_err("missing %s, try \"hvadm vm help\"",
				      argc < 2 ? "KEY and VALUE" : "VALUE");
		key = argv[1];
		value = argv[2];
		if (!*value)
			return pr_err("empty value for \"%s\": to remove a pair, use \"delete KEY\"",
				      key);
		n = 3;
	} else if (argc && !strcmp(argv[0], "delete")) {
		if (argc < 2)
			return pr_err("missing KEY, try \"hvadm vm help\"");
		key = argv[1];
		value = "";		/* an empty value deletes */
		n = 2;
	} else if (argc && !strcmp(argv[0], "show")) {
		n = 1;
	} else {
		n = 0;
	}
	if (argc > n)
		return pr_err("unexpected argument \"%s\", try \"hvadm vm help\"",
			      argv[n]);
	if (key && !*key)
		return pr_err("empty key");
	name = ic_vm(h, &hd);
	if (!name)
		return -1;
	ret = key ? kvp_set(h, name, key, value) : kvp_list(h, name);
	free(name);
	return ret;
}

/* ---- vm ic ---- */

/* VM { enable | disable } SERVICE */
int vm_ic(struct hvadm *h, int argc, char **argv)
{
	struct vm_handle hd;
	struct nlmsghdr *nlh;
	bool enable;
	char *name;
	int n, err;

	n = parse_handle(argc, argv, &hd);
	if (n < 0)
		return -1;
	argc -= n, argv += n;
	if (argc < 1 || (strcmp(argv[0], "enable") && strcmp(argv[0], "disable")))
		return pr_err("expected \"enable\" or \"disable\", try \"hvadm vm help\"");
	enable = !strcmp(argv[0], "enable");
	if (argc < 2)
		return pr_err("missing SERVICE (heartbeat, shutdown, timesync, kvp)");
	if (argc > 2)
		return pr_err("unexpected argument \"%s\", try \"hvadm vm help\"",
			      argv[2]);
	name = ic_vm(h, &hd);
	if (!name)
		return -1;
	nlh = nl_req(h->ic, HVKVM_IC_CMD_IC_SET, 0);
	nl_put(h->ic, nlh, strz, HVKVM_IC_A_VM_NAME, name);
	nl_put(h->ic, nlh, strz, HVKVM_IC_A_IC_NAME, argv[1]);
	nl_put(h->ic, nlh, u8, HVKVM_IC_A_IC_ENABLED, enable);
	err = nl_talk(h->ic, nlh, NULL, NULL);
	free(name);
	return err ? family_perror(h->ic, err) : 0;
}

/* ---- monitor ---- */

/* EVENT NAME [ result R ] [ guest-status N ]; JSON as VMBus's events */
int ic_event_print(struct printer *p, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[HVKVM_IC_A_MAX + 1];
	char buf[32];
	uint32_t ev;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl) ||
	    genl->cmd != HVKVM_IC_CMD_EVENT)
		return MNL_CB_OK;
	parse(nlh, tb);
	if (!tb[HVKVM_IC_A_EVENT] || !tb[HVKVM_IC_A_VM_NAME])
		return MNL_CB_OK;
	ev = get_u32(tb[HVKVM_IC_A_EVENT]);
	if (ev < sizeof(events) / sizeof(events[0]) && events[ev])
		snprintf(buf, sizeof(buf), "%s", events[ev]);
	else
		snprintf(buf, sizeof(buf), "ic-unknown(%u)", ev);
	print_open_object(p, NULL);
	print_string(p, PRINT_ANY, "event", "%s", buf);
	print_open_object(p, "vm");
	print_string(p, PRINT_ANY, "name", " %s",
		     mnl_attr_get_str(tb[HVKVM_IC_A_VM_NAME]));
	print_close_object(p);
	if (tb[HVKVM_IC_A_SHUTDOWN_RESULT])
		print_string(p, PRINT_ANY, "result", " result %s",
			     NAME_OF(shutdown_results,
				     get_u32(tb[HVKVM_IC_A_SHUTDOWN_RESULT]), buf));
	if (tb[HVKVM_IC_A_GUEST_STATUS])
		print_uint(p, PRINT_ANY, "guest_status", " guest-status %u",
			   get_u32(tb[HVKVM_IC_A_GUEST_STATUS]));
	print_string(p, PRINT_TEXT, NULL, "%s", "\n");
	print_close_object(p);
	print_end(p);
	return ferror(p->f) ? MNL_CB_ERROR : MNL_CB_OK;	/* errno is set */
}
