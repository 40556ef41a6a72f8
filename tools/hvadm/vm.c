// SPDX-License-Identifier: GPL-2.0
/* hvadm vm: define, list, show, change and delete partitions. */
#define _GNU_SOURCE		/* asprintf */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include <linux/hvkvm_vid.h>

#include "hvadm.h"
#include "utils.h"

_Static_assert(NL_BUFSZ >= HVKVM_VID_MSG_MAX, "VID's messages must fit");

static int vm_help(struct hvadm *h, int argc, char **argv)
{
	(void)h, (void)argc, (void)argv;
	fputs("Usage: hvadm [ OPTIONS ] vm { list | show [ VM ] }\n"
	      "       hvadm vm create NAME memory SIZE vcpus COUNT kernel PATH\n"
	      "                       [ initrd PATH ] [ cmdline STRING ] [ stimer { on | off } ]\n"
	      "       hvadm vm set VM [ memory SIZE ] [ vcpus COUNT ] [ kernel PATH ]\n"
	      "                       [ initrd PATH ] [ cmdline STRING ] [ stimer { on | off } ]\n"
	      "       hvadm vm delete VM\n"
	      "       hvadm [ -j ] vm start VM [ timeout SECS ]\n"
	      "       hvadm [ -j ] vm stop VM [ force | --force ] [ timeout SECS ]\n"
	      "       hvadm [ -j ] vm { pause | resume } VM [ timeout SECS ]\n"
	      "       hvadm vm console VM [ timeout SECS ]\n"
	      "       hvadm [ -j ] vm shutdown VM [ reboot ] [ timeout SECS ]\n"
	      "       hvadm [ -j ] vm kvp VM [ show ]\n"
	      "       hvadm vm kvp VM { set KEY VALUE | delete KEY }\n"
	      "       hvadm vm ic VM { enable | disable } SERVICE\n"
	      "       hvadm vm help\n"
	      "where  VM := { NAME | name NAME | id ID }\n"
	      "       SIZE := NUMBER[K|M|G|T][B|iB] (binary: 1K = 1024)\n"
	      "\n"
	      "start, stop, pause and resume wait until the VM's worker has done it\n"
	      "(by default 120 s for start and stop, 60 s for pause and resume); with\n"
	      "-j they then print the VM. start runs the worker, $HVKVM_WORKER or\n"
	      "hvkvm-worker, with its output in /run/hvkvm/NAME/worker.log. stop asks\n"
	      "the guest to shut down; stop force stops it at once. console copies the\n"
	      "guest's console to stdout and stdin to it; on a terminal, Ctrl-] detaches.\n"
	      "\n"
	      "stimer off (create, set) offers the guest no Hyper-V synthetic timers: it\n"
	      "keeps its LAPIC timer. The default, on, offers them, as Hyper-V does.\n"
	      "\n"
	      "show and list add, for a running VM, what hvkvm_vmbus knows (VMBus and\n"
	      "its channels) and what hvkvm_ic knows (the integration components).\n"
	      "shutdown, kvp and ic need hvkvm_ic. shutdown asks the guest, through its\n"
	      "shutdown IC, to power off (or reboot), and waits for its answer (30 s\n"
	      "by default, 600 s at most). kvp lists the host's (external) and the\n"
	      "guest's (guest, auto) key-value pairs, sets a host pair or deletes one.\n"
	      "ic offers an integration service (heartbeat, shutdown, timesync, kvp) to\n"
	      "the running guest, or takes it away (its channel is rescinded).\n"
	      "Exit status: 0 on success, 1 on any failure (one \"Error:\" line on stderr).\n",
	      stdout);
	return 0;
}

/* ---- printing ---- */

static const char *const state_names[] = {
	[HVKVM_VID_STATE_OFF] = "off",
	[HVKVM_VID_STATE_STARTING] = "starting",
	[HVKVM_VID_STATE_RUNNING] = "running",
	[HVKVM_VID_STATE_PAUSED] = "paused",
	[HVKVM_VID_STATE_STOPPING] = "stopping",
	[HVKVM_VID_STATE_CRASHED] = "crashed",
};

const char *state_name(uint32_t state, char buf[24])
{
	if (state <= HVKVM_VID_STATE_MAX && state_names[state])
		return state_names[state];
	snprintf(buf, 24, "unknown(%u)", state);
	return buf;
}

static const enum mnl_attr_data_type vm_types[HVKVM_VID_A_MAX + 1] = {
	[HVKVM_VID_A_VM_ID] = MNL_TYPE_U32,
	[HVKVM_VID_A_VM_NAME] = MNL_TYPE_NUL_STRING,
	[HVKVM_VID_A_VM_MEMORY] = MNL_TYPE_U64,
	[HVKVM_VID_A_VM_VCPUS] = MNL_TYPE_U32,
	[HVKVM_VID_A_VM_STATE] = MNL_TYPE_U32,
	[HVKVM_VID_A_VM_BOOT] = MNL_TYPE_NESTED,
	[HVKVM_VID_A_VM_WORKER_PID] = MNL_TYPE_U32,
	[HVKVM_VID_A_VM_UPTIME] = MNL_TYPE_U64,
	[HVKVM_VID_A_VM_CONSOLE_LOG] = MNL_TYPE_NUL_STRING,
	[HVKVM_VID_A_VM_CONSOLE_SOCK] = MNL_TYPE_NUL_STRING,
	[HVKVM_VID_A_VM_ERROR] = MNL_TYPE_NUL_STRING,
	[HVKVM_VID_A_VM_CRASH] = MNL_TYPE_NESTED,
	[HVKVM_VID_A_VM_VCPU_STATS] = MNL_TYPE_NESTED,
	[HVKVM_VID_A_VM_PINNED] = MNL_TYPE_U64,
	[HVKVM_VID_A_VM_STIMER] = MNL_TYPE_U8,
	[HVKVM_VID_A_VM_PORTS_BOUND] = MNL_TYPE_U32,
	[HVKVM_VID_A_VM_SLOW_SIGNALS] = MNL_TYPE_U64,
};

static const enum mnl_attr_data_type boot_types[HVKVM_VID_BOOT_A_MAX + 1] = {
	[HVKVM_VID_BOOT_A_KERNEL] = MNL_TYPE_NUL_STRING,
	[HVKVM_VID_BOOT_A_INITRD] = MNL_TYPE_NUL_STRING,
	[HVKVM_VID_BOOT_A_CMDLINE] = MNL_TYPE_NUL_STRING,
};

static const enum mnl_attr_data_type crash_types[HVKVM_VID_CRASH_A_MAX + 1] = {
	[HVKVM_VID_CRASH_A_KIND] = MNL_TYPE_U32,
	[HVKVM_VID_CRASH_A_CODE] = MNL_TYPE_U32,
	[HVKVM_VID_CRASH_A_PARAMS] = MNL_TYPE_BINARY,
	[HVKVM_VID_CRASH_A_MESSAGE] = MNL_TYPE_NUL_STRING,
};

static const enum mnl_attr_data_type vcpu_types[HVKVM_VID_VCPU_A_MAX + 1] = {
	[HVKVM_VID_VCPU_A_INDEX] = MNL_TYPE_U32,
	[HVKVM_VID_VCPU_A_EXITS] = MNL_TYPE_BINARY,
};

void vm_parse(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	struct nl_attrs a = { tb, vm_types, HVKVM_VID_A_MAX };

	memset(tb, 0, sizeof(*tb) * (HVKVM_VID_A_MAX + 1));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_attr_cb, &a);
}

void vm_crash(const struct nlattr *nest, struct crash_info *c)
{
	const struct nlattr *tb[HVKVM_VID_CRASH_A_MAX + 1] = { NULL };
	struct nl_attrs a = { tb, crash_types, HVKVM_VID_CRASH_A_MAX };
	const struct nlattr *p;

	memset(c, 0, sizeof(*c));
	mnl_attr_parse_nested(nest, nl_attr_cb, &a);
	if (tb[HVKVM_VID_CRASH_A_KIND])
		c->kind = mnl_attr_get_u32(tb[HVKVM_VID_CRASH_A_KIND]);
	else
		c->kind = UINT32_MAX;
	if (tb[HVKVM_VID_CRASH_A_CODE])
		c->code = mnl_attr_get_u32(tb[HVKVM_VID_CRASH_A_CODE]);
	p = tb[HVKVM_VID_CRASH_A_PARAMS];
	if (p && mnl_attr_get_payload_len(p) == sizeof(c->params)) {
		memcpy(c->params, mnl_attr_get_payload(p), sizeof(c->params));
		c->has_params = true;
	}
	if (tb[HVKVM_VID_CRASH_A_MESSAGE])
		c->message = mnl_attr_get_str(tb[HVKVM_VID_CRASH_A_MESSAGE]);
}

static void boot_print(struct printer *p, const struct nlattr *nest)
{
	const struct nlattr *tb[HVKVM_VID_BOOT_A_MAX + 1] = { NULL };
	struct nl_attrs a = { tb, boot_types, HVKVM_VID_BOOT_A_MAX };
	const char *s;

	mnl_attr_parse_nested(nest, nl_attr_cb, &a);
	print_open_object(p, "boot");
	print_string(p, PRINT_TEXT, NULL, "%s", "\n   ");
	if (tb[HVKVM_VID_BOOT_A_KERNEL])
		print_string(p, PRINT_ANY, "kernel", " kernel %s",
			     mnl_attr_get_str(tb[HVKVM_VID_BOOT_A_KERNEL]));
	s = tb[HVKVM_VID_BOOT_A_INITRD] ?
		mnl_attr_get_str(tb[HVKVM_VID_BOOT_A_INITRD]) : "";
	if (*s)
		print_string(p, PRINT_ANY, "initrd", " initrd %s", s);
	s = tb[HVKVM_VID_BOOT_A_CMDLINE] ?
		mnl_attr_get_str(tb[HVKVM_VID_BOOT_A_CMDLINE]) : "";
	if (*s)
		print_quoted(p, PRINT_ANY, "cmdline", " cmdline %s", s);
	print_close_object(p);
}

/* crashed: REASON; JSON {"kind":..,"code":..,"params":[..],"message":..} */
static void crash_print(struct printer *p, const struct nlattr *nest)
{
	char buf[HVKVM_VID_ERROR_MAX + 128], kbuf[24];
	struct crash_info c;
	const char *kind;
	unsigned int i;

	vm_crash(nest, &c);
	print_string(p, PRINT_TEXT, NULL, "\n    crashed: %s",
		     format_crash(&c, buf, sizeof(buf)));
	print_open_object(p, "crash");
	kind = crash_kind_name(c.kind);
	if (!kind) {
		snprintf(kbuf, sizeof(kbuf), "unknown(%u)", c.kind);
		kind = kbuf;
	}
	print_string(p, PRINT_JSON, "kind", NULL, kind);
	print_uint(p, PRINT_JSON, "code", NULL, c.code);
	if (c.has_params) {
		/* strings: most JSON readers lose the bits of a u64 beyond 2^53 */
		print_open_array(p, "params");
		for (i = 0; i < HVKVM_VID_CRASH_PARAMS; i++) {
			snprintf(buf, sizeof(buf), "0x%llx",
				 (unsigned long long)c.params[i]);
			print_string(p, PRINT_JSON, NULL, NULL, buf);
		}
		print_close_array(p);
	}
	if (c.message)
		print_string(p, PRINT_JSON, "message", NULL, c.message);
	print_close_object(p);
}

static const char *const exit_names[HVKVM_VID_EXIT_COUNT] = {
	[HVKVM_VID_EXIT_IO] = "io",
	[HVKVM_VID_EXIT_MMIO] = "mmio",
	[HVKVM_VID_EXIT_HLT] = "hlt",
	[HVKVM_VID_EXIT_HYPERV] = "hyperv",
	[HVKVM_VID_EXIT_SHUTDOWN] = "shutdown",
	[HVKVM_VID_EXIT_SYSTEM_EVENT] = "system_event",
	[HVKVM_VID_EXIT_INTR] = "intr",
	[HVKVM_VID_EXIT_OTHER] = "other",
};

/* One line per vCPU: vcpu N exits io N mmio N ...; JSON "vcpus_stats". */
static void vcpu_stats_print(struct printer *p, const struct nlattr *nest)
{
	const struct nlattr *one, *tb[HVKVM_VID_VCPU_A_MAX + 1];
	struct nl_attrs a = { tb, vcpu_types, HVKVM_VID_VCPU_A_MAX };
	uint64_t exits[HVKVM_VID_EXIT_COUNT];
	size_t len;
	unsigned int i;
	char key[24];

	print_open_array(p, "vcpus_stats");
	mnl_attr_for_each_nested(one, nest) {
		if (mnl_attr_get_type(one) != HVKVM_VID_VCPU_A_VCPU)
			continue;
		memset(tb, 0, sizeof(tb));
		mnl_attr_parse_nested(one, nl_attr_cb, &a);
		if (!tb[HVKVM_VID_VCPU_A_INDEX] || !tb[HVKVM_VID_VCPU_A_EXITS])
			continue;
		/* a shorter array (an older worker) counts zero for the rest */
		memset(exits, 0, sizeof(exits));
		len = mnl_attr_get_payload_len(tb[HVKVM_VID_VCPU_A_EXITS]);
		memcpy(exits, mnl_attr_get_payload(tb[HVKVM_VID_VCPU_A_EXITS]),
		       len < sizeof(exits) ? len : sizeof(exits));
		print_open_object(p, NULL);
		print_uint(p, PRINT_ANY, "vcpu", "\n    vcpu %u exits",
			   mnl_attr_get_u32(tb[HVKVM_VID_VCPU_A_INDEX]));
		print_open_object(p, "exits");
		for (i = 0; i < HVKVM_VID_EXIT_COUNT; i++) {
			snprintf(key, sizeof(key), " %s %%%s", exit_names[i], PRIu64);
			print_u64(p, PRINT_ANY, exit_names[i], key, exits[i]);
		}
		print_close_object(p);
		print_close_object(p);
	}
	print_close_array(p);
}

void vm_print(struct printer *p, const char *key, const struct nlmsghdr *nlh)
{
	vm_print_ext(p, key, nlh, NULL, NULL);
}

void vm_print_ext(struct printer *p, const char *key, const struct nlmsghdr *nlh,
		  vm_extra_fn extra, void *data)
{
	const struct nlattr *tb[HVKVM_VID_A_MAX + 1];
	char buf[SIZE_STR_MAX], sbuf[24], dbuf[DURATION_STR_MAX];
	const struct nlattr *log, *sock;
	uint64_t mem, ns;
	bool on;

	vm_parse(nlh, tb);
	print_open_object(p, key);
	if (tb[HVKVM_VID_A_VM_ID])
		print_uint(p, PRINT_ANY, "id", "%u:",
			   mnl_attr_get_u32(tb[HVKVM_VID_A_VM_ID]));
	if (tb[HVKVM_VID_A_VM_NAME])
		print_string(p, PRINT_ANY, "name", " %s",
			     mnl_attr_get_str(tb[HVKVM_VID_A_VM_NAME]));
	if (tb[HVKVM_VID_A_VM_STATE])
		print_string(p, PRINT_ANY, "state", " state %s",
			     state_name(mnl_attr_get_u32(tb[HVKVM_VID_A_VM_STATE]), sbuf));
	if (tb[HVKVM_VID_A_VM_VCPUS])
		print_uint(p, PRINT_ANY, "vcpus", " vcpus %u",
			   mnl_attr_get_u32(tb[HVKVM_VID_A_VM_VCPUS]));
	if (tb[HVKVM_VID_A_VM_MEMORY]) {
		mem = mnl_attr_get_u64(tb[HVKVM_VID_A_VM_MEMORY]);
		print_u64(p, PRINT_JSON, "memory", NULL, mem);
		print_string(p, PRINT_TEXT, NULL, " memory %s",
			     format_size(mem, buf));
	}
	/* the text says it only when off, the unusual case */
	if (tb[HVKVM_VID_A_VM_STIMER]) {
		on = mnl_attr_get_u8(tb[HVKVM_VID_A_VM_STIMER]);
		print_bool(p, PRINT_JSON, "stimer", NULL, on);
		if (!on)
			print_string(p, PRINT_TEXT, NULL, "%s", " stimer off");
	}
	if (tb[HVKVM_VID_A_VM_UPTIME]) {
		ns = mnl_attr_get_u64(tb[HVKVM_VID_A_VM_UPTIME]);
		print_u64(p, PRINT_JSON, "uptime_ns", NULL, ns);
		print_string(p, PRINT_TEXT, NULL, " uptime %s",
			     format_duration(ns, dbuf));
	}
	if (tb[HVKVM_VID_A_VM_WORKER_PID])
		print_uint(p, PRINT_ANY, "worker_pid", " worker %u",
			   mnl_attr_get_u32(tb[HVKVM_VID_A_VM_WORKER_PID]));
	if (tb[HVKVM_VID_A_VM_PINNED]) {
		mem = mnl_attr_get_u64(tb[HVKVM_VID_A_VM_PINNED]);
		print_u64(p, PRINT_JSON, "pinned", NULL, mem);
		print_string(p, PRINT_TEXT, NULL, " pinned %s",
			     format_size(mem, buf));
	}
	if (tb[HVKVM_VID_A_VM_BOOT])
		boot_print(p, tb[HVKVM_VID_A_VM_BOOT]);
	log = tb[HVKVM_VID_A_VM_CONSOLE_LOG];
	sock = tb[HVKVM_VID_A_VM_CONSOLE_SOCK];
	if (log || sock)
		print_string(p, PRINT_TEXT, NULL, "%s", "\n   ");
	if (log)
		print_string(p, PRINT_ANY, "console_log", " console %s",
			     mnl_attr_get_str(log));
	if (sock)
		print_string(p, PRINT_ANY, "console_sock", " socket %s",
			     mnl_attr_get_str(sock));
	if (tb[HVKVM_VID_A_VM_ERROR])
		print_quoted(p, PRINT_ANY, "error", "\n    error %s",
			     mnl_attr_get_str(tb[HVKVM_VID_A_VM_ERROR]));
	if (tb[HVKVM_VID_A_VM_CRASH])
		crash_print(p, tb[HVKVM_VID_A_VM_CRASH]);
	if (tb[HVKVM_VID_A_VM_VCPU_STATS])
		vcpu_stats_print(p, tb[HVKVM_VID_A_VM_VCPU_STATS]);
	if (tb[HVKVM_VID_A_VM_PORTS_BOUND] && tb[HVKVM_VID_A_VM_SLOW_SIGNALS]) {
		print_uint(p, PRINT_ANY, "ports_bound", "\n    ports %u bound",
			   mnl_attr_get_u32(tb[HVKVM_VID_A_VM_PORTS_BOUND]));
		print_u64(p, PRINT_ANY, "slow_signals",
			  ", %" PRIu64 " signals through the worker",
			  mnl_attr_get_u64(tb[HVKVM_VID_A_VM_SLOW_SIGNALS]));
	}
	if (extra && tb[HVKVM_VID_A_VM_NAME])
		extra(p, mnl_attr_get_str(tb[HVKVM_VID_A_VM_NAME]), data);
	print_string(p, PRINT_TEXT, NULL, "%s", "\n");
	print_close_object(p);
}

/* What vm_cb prints with: the VMs' VMBus side, if any (show and list). */
struct vm_out {
	struct printer pr;
	struct vmbus_state *vmbus;
};

static int vm_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vm_out *o = data;

	vm_print_ext(&o->pr, NULL, nlh, o->vmbus ? vmbus_state_print : NULL,
		     o->vmbus);
	return MNL_CB_OK;
}

enum { VM_ARRAY = 1, VM_PRINT = 2, VM_RETRY = 4 };

/*
 * Send nlh and print the VMs of the replies, to stdout only once all came:
 * an error prints nothing. With VM_RETRY, a dump flagged NLM_F_DUMP_INTR
 * prints nothing either (nl.intr tells the caller to try again).
 */
static int vm_talk(struct hvadm *h, struct nlmsghdr *nlh, unsigned int flags,
		   struct vmbus_state *vmbus)
{
	struct vm_out o = { .vmbus = vmbus };
	char *out = NULL;
	size_t len = 0;
	FILE *m;
	int err;

	m = open_memstream(&out, &len);
	if (!m)
		return -errno;
	print_init(&o.pr, m, h->json, h->pretty);
	if (flags & VM_ARRAY)
		print_open_array(&o.pr, NULL);
	err = nl_talk(&h->nl, nlh, flags & VM_PRINT ? vm_cb : NULL, &o);
	if (flags & VM_ARRAY)
		print_close_array(&o.pr);
	if (flags & VM_PRINT)
		print_end(&o.pr);
	if (fclose(m) && !err)
		err = -ENOMEM;
	if (!err && !(h->nl.intr && (flags & VM_RETRY)))
		fwrite(out, 1, len, stdout);
	free(out);
	return err;
}

/* ---- arguments ---- */

enum { KW_MEMORY, KW_VCPUS, KW_KERNEL, KW_INITRD, KW_CMDLINE, KW_STIMER, KW_NUM };
static const char *const keywords[KW_NUM] = {
	"memory", "vcpus", "kernel", "initrd", "cmdline", "stimer"
};
#define KW_BOOT (1u << KW_KERNEL | 1u << KW_INITRD | 1u << KW_CMDLINE)

struct vm_args {
	unsigned int seen;	/* 1 << KW_* */
	uint64_t memory;
	uint32_t vcpus;
	char *kernel;		/* absolute, allocated */
	char *initrd;		/* absolute, allocated, or NULL to clear */
	const char *cmdline;
	bool stimer;		/* offer the synthetic timers */
};

/* path made absolute against the cwd, allocated; NULL (said) on error */
static char *abs_path(const char *path)
{
	char *cwd, *out = NULL;

	while (path[0] == '.' && path[1] == '/')
		path += 2 + strspn(path + 2, "/");
	if (path[0] == '/') {
		out = strdup(path);
	} else if ((cwd = getcwd(NULL, 0))) {
		if (asprintf(&out, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "",
			     path) < 0)
			out = NULL;
		free(cwd);
	}
	if (!out)
		pr_err("cannot make \"%s\" absolute: %s", path, strerror(errno));
	return out;
}

static int parse_vm_args(int argc, char **argv, struct vm_args *a)
{
	const char *kw, *val;
	unsigned int i;
	int err;

	for (; argc > 0; argc -= 2, argv += 2) {
		kw = argv[0];
		for (i = 0; i < KW_NUM && strcmp(kw, keywords[i]); i++)
			;
		if (i == KW_NUM)
			return pr_err("unknown argument \"%s\", try \"hvadm vm help\"", kw);
		if (argc < 2)
			return pr_err("missing value for \"%s\"", kw);
		if (a->seen & 1u << i)
			return pr_err("\"%s\" given twice", kw);
		a->seen |= 1u << i;
		val = argv[1];
		switch (i) {
		case KW_MEMORY:
			err = parse_size(val, &a->memory);
			if (err)
				return pr_err("invalid memory size \"%s\"%s", val,
					      err == -ERANGE ? " (too large)" : "");
			break;
		case KW_VCPUS:
			if (parse_u32(val, &a->vcpus))
				return pr_err("invalid vcpus \"%s\"", val);
			break;
		case KW_KERNEL:
			if (!*val)
				return pr_err("empty kernel path");
			if (!(a->kernel = abs_path(val)))
				return -1;
			break;
		case KW_INITRD:
			if (*val && !(a->initrd = abs_path(val)))
				return -1;
			break;
		case KW_CMDLINE:
			a->cmdline = val;
			break;
		case KW_STIMER:
			if (strcmp(val, "on") && strcmp(val, "off"))
				return pr_err("invalid stimer \"%s\" (on or off)", val);
			a->stimer = !strcmp(val, "on");
			break;
		}
	}
	return 0;
}

static int check_name(const char *name)
{
	if (name_ok(name))
		return 0;
	return pr_err("invalid VM name \"%s\" (1 to %d characters of [A-Za-z0-9._-], the first a letter or digit)",
		      name, HVKVM_VID_NAME_MAX - 1);
}

/* VM := { NAME | name NAME | id ID }; returns the count of args taken. */
int parse_handle(int argc, char **argv, struct vm_handle *hd)
{
	const char *name = argv[0];
	int n = 1;

	if (!argc)
		return pr_err("missing VM, try \"hvadm vm help\"");
	if (argc >= 2 && !strcmp(argv[0], "id")) {
		hd->name = NULL;
		if (parse_u32(argv[1], &hd->id))
			return pr_err("invalid id \"%s\"", argv[1]);
		return 2;
	}
	if (argc >= 2 && !strcmp(argv[0], "name")) {
		name = argv[1];
		n = 2;
	}
	if (check_name(name))
		return -1;
	hd->name = name;
	return n;
}

static int no_more_args(int argc, char **argv)
{
	return argc ? pr_err("unexpected argument \"%s\"", argv[0]) : 0;
}

void put_handle(struct nl *nl, struct nlmsghdr *nlh,
		       const struct vm_handle *hd)
{
	if (hd->name)
		nl_put(nl, nlh, strz, HVKVM_VID_A_VM_NAME, hd->name);
	else
		nl_put(nl, nlh, u32, HVKVM_VID_A_VM_ID, hd->id);
}

static void put_vm_args(struct nl *nl, struct nlmsghdr *nlh,
			const struct vm_args *a)
{
	struct nlattr *nest;

	if (a->seen & 1u << KW_MEMORY)
		nl_put(nl, nlh, u64, HVKVM_VID_A_VM_MEMORY, a->memory);
	if (a->seen & 1u << KW_VCPUS)
		nl_put(nl, nlh, u32, HVKVM_VID_A_VM_VCPUS, a->vcpus);
	if (a->seen & 1u << KW_STIMER)
		nl_put(nl, nlh, u8, HVKVM_VID_A_VM_STIMER, a->stimer);
	if (!(a->seen & KW_BOOT))
		return;
	nest = mnl_attr_nest_start_check(nlh, sizeof(nl->buf), HVKVM_VID_A_VM_BOOT);
	if (!nest) {
		nl->overflow = true;
		return;
	}
	if (a->seen & 1u << KW_KERNEL)
		nl_put(nl, nlh, strz, HVKVM_VID_BOOT_A_KERNEL, a->kernel);
	if (a->seen & 1u << KW_INITRD)
		nl_put(nl, nlh, strz, HVKVM_VID_BOOT_A_INITRD,
			   a->initrd ? a->initrd : "");
	if (a->seen & 1u << KW_CMDLINE)
		nl_put(nl, nlh, strz, HVKVM_VID_BOOT_A_CMDLINE, a->cmdline);
	mnl_attr_nest_end(nlh, nest);
}

/* ---- verbs ---- */

/* Every VM, with the VMBus side of those that run. */
static int vm_list(struct hvadm *h, int argc, char **argv)
{
	struct vmbus_state *vmbus;
	struct nlmsghdr *nlh;
	int tries, err;

	if (no_more_args(argc, argv) || hvadm_connect(h, false))
		return -1;
	vmbus = vmbus_state_new(h, true);
	for (tries = 1; ; tries++) {
		nlh = nl_req(&h->nl, HVKVM_VID_CMD_VM_GET, NLM_F_DUMP);
		err = vm_talk(h, nlh, VM_ARRAY | VM_PRINT |
			      (tries < DUMP_TRIES ? VM_RETRY : 0), vmbus);
		if (err) {
			err = hvadm_perror(h, err);
			break;
		}
		if (!h->nl.intr)
			break;
		if (tries == DUMP_TRIES) {
			pr_warn("the VMs kept changing during the dump: the list may be inconsistent");
			break;
		}
	}
	vmbus_state_free(vmbus);
	return err;
}

/*
 * A request on one VM, with no other argument: show (with the VM's VMBus
 * side, if it runs), delete.
 */
static int vm_one(struct hvadm *h, int argc, char **argv, uint8_t cmd,
		  unsigned int flags)
{
	struct vmbus_state *vmbus = NULL;
	struct vm_handle hd;
	struct nlmsghdr *nlh;
	int n, err;

	n = parse_handle(argc, argv, &hd);
	if (n < 0 || no_more_args(argc - n, argv + n) || hvadm_connect(h, false))
		return -1;
	if (cmd == HVKVM_VID_CMD_VM_GET)
		vmbus = vmbus_state_new(h, false);
	nlh = nl_req(&h->nl, cmd, 0);
	put_handle(&h->nl, nlh, &hd);
	err = vm_talk(h, nlh, flags, vmbus);
	vmbus_state_free(vmbus);
	return err ? hvadm_perror(h, err) : 0;
}

static int vm_show(struct hvadm *h, int argc, char **argv)
{
	if (!argc)
		return vm_list(h, argc, argv);
	return vm_one(h, argc, argv, HVKVM_VID_CMD_VM_GET, VM_ARRAY | VM_PRINT);
}

static int vm_delete(struct hvadm *h, int argc, char **argv)
{
	return vm_one(h, argc, argv, HVKVM_VID_CMD_VM_DEL, 0);
}

/* create NAME ARGS..., set VM ARGS... */
static int vm_change(struct hvadm *h, int argc, char **argv, uint8_t cmd)
{
	bool create = cmd == HVKVM_VID_CMD_VM_NEW;
	struct vm_handle hd = { .name = argv[0] };
	struct vm_args a = { 0 };
	struct nlmsghdr *nlh;
	int n, err = -1;
	unsigned int i;

	if (create)
		n = !argc ? pr_err("missing NAME, try \"hvadm vm help\"") :
			check_name(hd.name) ?: 1;
	else
		n = parse_handle(argc, argv, &hd);
	if (n < 0 || parse_vm_args(argc - n, argv + n, &a))
		goto out;
	for (i = KW_MEMORY; create && i <= KW_KERNEL; i++) {
		if (!(a.seen & 1u << i)) {
			pr_err("missing \"%s\"", keywords[i]);
			goto out;
		}
	}
	if (!a.seen) {
		pr_err("nothing to change, try \"hvadm vm help\"");
		goto out;
	}
	if (hvadm_connect(h, false))
		goto out;
	nlh = nl_req(&h->nl, cmd, 0);
	put_handle(&h->nl, nlh, &hd);
	put_vm_args(&h->nl, nlh, &a);
	err = vm_talk(h, nlh, create && h->json ? VM_PRINT : 0, NULL);
	if (err)
		err = hvadm_perror(h, err);
out:
	free(a.kernel);
	free(a.initrd);
	return err;
}

static int vm_create(struct hvadm *h, int argc, char **argv)
{
	return vm_change(h, argc, argv, HVKVM_VID_CMD_VM_NEW);
}

static int vm_set(struct hvadm *h, int argc, char **argv)
{
	return vm_change(h, argc, argv, HVKVM_VID_CMD_VM_SET);
}

static const struct cmd vm_cmds[] = {
	{ "list", vm_list, "list every VM" },
	{ "show", vm_show, "show one VM, or every VM" },
	{ "create", vm_create, "define a VM" },
	{ "set", vm_set, "change a VM that is off" },
	{ "delete", vm_delete, "delete a VM that is off or crashed" },
	{ "start", vm_start, "start a VM and its worker, and wait until it runs" },
	{ "stop", vm_stop, "stop a VM, and wait until it is off" },
	{ "pause", vm_pause, "pause a running VM" },
	{ "resume", vm_resume, "resume a paused VM" },
	{ "console", vm_console, "attach to the console of a running VM" },
	{ "shutdown", vm_shutdown, "ask a running guest to shut down or reboot" },
	{ "kvp", vm_kvp, "list, set or delete a running VM's key-value pairs" },
	{ "ic", vm_ic, "enable or disable a running VM's integration service" },
	{ "help", vm_help, "show this help" },
	{ NULL, NULL, NULL }
};

int do_vm(struct hvadm *h, int argc, char **argv)
{
	const struct cmd *c;

	if (!argc)
		return vm_list(h, 0, argv);
	c = cmd_find(vm_cmds, argv[0]);
	if (!c)
		return pr_err("unknown command \"%s\" for vm, try \"hvadm vm help\"",
			      argv[0]);
	if (argc > 1 && !strcmp(argv[1], "help"))
		return vm_help(h, 0, NULL);
	return c->fn(h, argc - 1, argv + 1);
}
