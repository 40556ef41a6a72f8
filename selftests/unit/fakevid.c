// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the hvkvm_vid module, to test hvadm's netlink path where
 * no module can be loaded: an LD_PRELOAD library that replaces libmnl's
 * socket calls and answers as the kernel would (replies, dumps, ACKs,
 * refusals with extended ACKs, notifications), on as many sockets as the
 * process opens (notifications go to those that joined the group). It is
 * no model of VID: it holds two VMs, web and db, and answers each request
 * on its own; only web's lifecycle is played, with the worker's part
 * played at once, in the request itself (the worker hvadm runs does not
 * talk to this).
 *
 * FAKEVID_ABSENT=1	the family is not registered (module not loaded)
 * FAKEVID_INTR=N	the first N dumps are flagged NLM_F_DUMP_INTR
 * FAKEVID_NOCAP=1	refusals quote the whole request (no NETLINK_CAP_ACK)
 * FAKEVID_LOG=FILE	append one line per request: its command and attributes
 * FAKEVID_STATE=S	web starts in state S (off, starting, running, paused,
 *			stopping, crashed), with the fields of that state:
 *			running and paused have a worker (pid 4321), all of
 *			the memory pinned, an uptime of 1h02m03s, a console
 *			and vCPU counters
 * FAKEVID_SOCK=PATH	web's console socket (default /run/hvkvm/web/console.sock;
 *			empty: none)
 * FAKEVID_CRASH=K	how a crash is: signal (9, the default), exit (3),
 *			triple, guest (with P0-P4), error (with a message)
 * FAKEVID_ERROR=MSG	web, off, carries this error of its last start
 * FAKEVID_STIMER=off	web's synthetic timers are off (VM_STIMER 0; every
 *			record carries VM_STIMER, as VID's do, 1 by default)
 * FAKEVID_WORKER=W	how the worker behaves: run (does all it is asked),
 *			fail (a start fails with an error), crash (the guest
 *			crashes while it boots), hang (attaches, then does
 *			nothing), noattach (never comes). When set, joining
 *			the group sends no canned events.
 *
 * The families hvkvm_vmbus and hvkvm_ic are played by fakevmbus.c and
 * fakeic.c, when FAKEVMBUS is set (see there); otherwise they are not
 * registered, as without their modules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <linux/hvkvm_vid.h>
#include <linux/hvkvm_vmbus.h>
#include <linux/hvkvm_ic.h>

#include "fake.h"

#define FAMILY_ID 0x42
#define GROUP_ID 7
#define WORKER_PID 4321

struct crash {
	uint32_t kind, code;
	bool has_params;
	uint64_t params[HVKVM_VID_CRASH_PARAMS];
	const char *message;
};

static struct vm {
	uint32_t id, state, vcpus;
	const char *name;
	uint64_t memory;
	const char *kernel, *initrd, *cmdline;
	uint8_t stimer;
	/* the run: what the worker reported */
	uint32_t worker_pid;
	uint64_t uptime, pinned;
	const char *console_log, *console_sock, *error;
	bool crashed, stats;
	struct crash crash;
} vms[] = {
	{ .id = 1, .state = HVKVM_VID_STATE_RUNNING, .vcpus = 2, .name = "web",
	  .memory = 512ULL << 20, .kernel = "/boot/vmlinuz",
	  .initrd = "/boot/initrd.img",
	  .cmdline = "console=ttyS0 \"quoted\"\ttab caf\xc3\xa9", .stimer = 1 },
	{ .id = 2, .state = 9, .vcpus = 1, .name = "db", .memory = 1536ULL << 20,
	  .kernel = "/k", .stimer = 1 },
};

#define NSOCK 6
static struct fsock socks[NSOCK];
static int dumps;

char *fake_dgram(struct fsock *s)
{
	return s->queue[s->qtail % QLEN];
}

void fake_push(struct fsock *s, size_t len)
{
	if (s->qtail - s->qhead >= QLEN)
		abort();
	s->qlen[s->qtail++ % QLEN] = len;
	if (write(s->pipefd[1], "", 1) != 1)
		abort();
}

struct nlmsghdr *fake_put_msg(char *at, uint16_t type, uint16_t flags,
				uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = seq ? PORTID : 0;
	return nlh;
}

void fake_put_genl(struct nlmsghdr *nlh, uint8_t cmd)
{
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = 1;
}

/* The record of vm; with stats, its vCPU counters (a reply about it alone). */
static struct nlmsghdr *put_vm(char *at, const struct vm *vm, uint8_t cmd,
			       uint16_t flags, uint32_t seq, bool stats)
{
	struct nlmsghdr *nlh = fake_put_msg(at, FAMILY_ID, flags, seq);
	struct nlattr *nest, *one;
	uint64_t exits[HVKVM_VID_EXIT_COUNT];
	unsigned int i, j;

	fake_put_genl(nlh, cmd);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_ID, vm->id);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, vm->name);
	mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_MEMORY, vm->memory);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VCPUS, vm->vcpus);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, vm->state);
	nest = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_BOOT);
	mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_KERNEL, vm->kernel);
	if (vm->initrd)
		mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_INITRD, vm->initrd);
	if (vm->cmdline)
		mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_CMDLINE, vm->cmdline);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u8(nlh, HVKVM_VID_A_VM_STIMER, vm->stimer);
	if (vm->worker_pid)
		mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_WORKER_PID, vm->worker_pid);
	if (vm->pinned)
		mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_PINNED, vm->pinned);
	if (vm->state == HVKVM_VID_STATE_RUNNING || vm->state == HVKVM_VID_STATE_PAUSED)
		if (vm->uptime)
			mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_UPTIME, vm->uptime);
	if (vm->console_log)
		mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_CONSOLE_LOG, vm->console_log);
	if (vm->console_sock)
		mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_CONSOLE_SOCK, vm->console_sock);
	if (vm->error)
		mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_ERROR, vm->error);
	if (vm->crashed) {
		nest = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_CRASH);
		mnl_attr_put_u32(nlh, HVKVM_VID_CRASH_A_KIND, vm->crash.kind);
		mnl_attr_put_u32(nlh, HVKVM_VID_CRASH_A_CODE, vm->crash.code);
		if (vm->crash.has_params)
			mnl_attr_put(nlh, HVKVM_VID_CRASH_A_PARAMS,
				     sizeof(vm->crash.params), vm->crash.params);
		if (vm->crash.message)
			mnl_attr_put_strz(nlh, HVKVM_VID_CRASH_A_MESSAGE,
					  vm->crash.message);
		mnl_attr_nest_end(nlh, nest);
	}
	if (stats && vm->stats) {
		nest = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_VCPU_STATS);
		for (i = 0; i < vm->vcpus; i++) {
			for (j = 0; j < HVKVM_VID_EXIT_COUNT; j++)
				exits[j] = 1000 * (i + 1) + j;
			one = mnl_attr_nest_start(nlh, HVKVM_VID_VCPU_A_VCPU);
			mnl_attr_put_u32(nlh, HVKVM_VID_VCPU_A_INDEX, i);
			mnl_attr_put(nlh, HVKVM_VID_VCPU_A_EXITS, sizeof(exits), exits);
			mnl_attr_nest_end(nlh, one);
		}
		mnl_attr_nest_end(nlh, nest);
	}
	return nlh;
}

struct fsock *fake_socks(unsigned int *n)
{
	*n = NSOCK;
	return socks;
}

/* A notification about vm, to every socket that joined the group. */
static void notify(const struct vm *vm, uint8_t cmd)
{
	unsigned int i;

	for (i = 0; i < NSOCK; i++)
		if (socks[i].used && socks[i].joined)
			fake_push(&socks[i], put_vm(fake_dgram(&socks[i]), vm, cmd, 0, 0,
					       false)->nlmsg_len);
}

/* An ACK (err 0) or a refusal with an extack message, as one datagram. */
void fake_ack(struct fsock *s, const struct nlmsghdr *req, int err,
		const char *msg)
{
	bool cap = !getenv("FAKEVID_NOCAP") || !err;
	struct nlmsghdr *nlh = fake_put_msg(fake_dgram(s), NLMSG_ERROR, 0, req->nlmsg_seq);
	struct nlmsgerr *e;

	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = err;
	e->msg = *req;
	if (cap) {
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	} else {
		memcpy(mnl_nlmsg_put_extra_header(nlh, req->nlmsg_len - sizeof(*req)),
		       req + 1, req->nlmsg_len - sizeof(*req));
	}
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
	}
	fake_push(s, nlh->nlmsg_len);
}

static void getfamily(struct fsock *s, const struct nlmsghdr *req)
{
	const char *family = "";
	struct nlattr *grps, *grp;
	const struct nlattr *a;
	struct nlmsghdr *nlh;

	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME)
			family = mnl_attr_get_str(a);
	if (!strcmp(family, HVKVM_VMBUS_GENL_NAME)) {
		if (getenv("FAKEVID_ABSENT") || !getenv("FAKEVMBUS"))
			fake_ack(s, req, -ENOENT, NULL);
		else
			fakevmbus_family(s, req);
		return;
	}
	if (!strcmp(family, HVKVM_IC_GENL_NAME)) {
		if (getenv("FAKEVID_ABSENT") || !getenv("FAKEVMBUS") ||
		    getenv("FAKEIC_ABSENT"))
			fake_ack(s, req, -ENOENT, NULL);
		else
			fakeic_family(s, req);
		return;
	}
	if (strcmp(family, HVKVM_VID_GENL_NAME) || getenv("FAKEVID_ABSENT")) {
		fake_ack(s, req, -ENOENT, NULL);
		return;
	}
	nlh = fake_put_msg(fake_dgram(s), GENL_ID_CTRL, 0, req->nlmsg_seq);
	fake_put_genl(nlh, CTRL_CMD_NEWFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, HVKVM_VID_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAMILY_ID);
	grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, GROUP_ID - 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "other");
	mnl_attr_nest_end(nlh, grp);
	grp = mnl_attr_nest_start(nlh, 2);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, HVKVM_VID_MCGRP_EVENTS);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, GROUP_ID);
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, grps);
	fake_push(s, nlh->nlmsg_len);
	fake_ack(s, req, 0, NULL);
}

static void dump(struct fsock *s, const struct nlmsghdr *req)
{
	uint16_t flags = NLM_F_MULTI;
	size_t len = 0;
	unsigned int i;
	int zero = 0;
	char *buf = fake_dgram(s);

	if (++dumps <= atoi(getenv("FAKEVID_INTR") ?: "0"))
		flags |= NLM_F_DUMP_INTR;
	for (i = 0; i < 2; i++)
		len += put_vm(buf + len, &vms[i], HVKVM_VID_CMD_VM_GET, flags,
			      req->nlmsg_seq, false)->nlmsg_len;
	memcpy(mnl_nlmsg_put_extra_header(fake_put_msg(buf + len, NLMSG_DONE, flags,
						  req->nlmsg_seq), sizeof(int)),
	       &zero, sizeof(int));
	fake_push(s, len + mnl_nlmsg_size(sizeof(int)));
}

/* Log the request; returns the VM it names, or NULL. */
static struct vm *log_req(const struct nlmsghdr *req, uint8_t cmd,
			  const char **name)
{
	FILE *f = fopen(getenv("FAKEVID_LOG") ?: "/dev/null", "a");
	const struct nlattr *a, *b;
	struct vm *vm = NULL;
	unsigned int i;

	fprintf(f, "cmd %u%s", cmd, req->nlmsg_flags & NLM_F_DUMP ? " dump" : "");
	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case HVKVM_VID_A_VM_ID:
			fprintf(f, " id %u", mnl_attr_get_u32(a));
			for (i = 0; i < 2; i++)
				if (vms[i].id == mnl_attr_get_u32(a))
					vm = &vms[i];
			break;
		case HVKVM_VID_A_VM_NAME:
			*name = mnl_attr_get_str(a);
			fprintf(f, " name %s", *name);
			for (i = 0; i < 2; i++)
				if (!strcmp(vms[i].name, *name))
					vm = &vms[i];
			break;
		case HVKVM_VID_A_VM_MEMORY:
			fprintf(f, " memory %llu", (unsigned long long)mnl_attr_get_u64(a));
			break;
		case HVKVM_VID_A_VM_VCPUS:
			fprintf(f, " vcpus %u", mnl_attr_get_u32(a));
			break;
		case HVKVM_VID_A_VM_BOOT:
			mnl_attr_for_each_nested(b, a)
				fprintf(f, " boot%u \"%s\"", mnl_attr_get_type(b),
					mnl_attr_get_str(b));
			break;
		case HVKVM_VID_A_VM_FORCE:
			fprintf(f, " force");
			break;
		case HVKVM_VID_A_VM_STIMER:
			fprintf(f, " stimer %u", mnl_attr_get_u8(a));
			break;
		default:
			fprintf(f, " attr%u", mnl_attr_get_type(a));
		}
	}
	fputc('\n', f);
	fclose(f);
	return vm;
}

/* ---- web's lifecycle ---- */

static const char *const state_names[] = {
	"off", "starting", "running", "paused", "stopping", "crashed",
};

static void set_crash(struct vm *vm)
{
	static const struct {
		const char *name;
		struct crash c;
	} kinds[] = {
		{ "signal", { .kind = HVKVM_VID_CRASH_WORKER_SIGNAL, .code = 9 } },
		{ "exit", { .kind = HVKVM_VID_CRASH_WORKER_EXIT, .code = 3 } },
		{ "triple", { .kind = HVKVM_VID_CRASH_TRIPLE_FAULT } },
		{ "guest", { HVKVM_VID_CRASH_GUEST, 0, true,
			     { 0x1e, 0xffffffff81000000ULL, 2, 3, 4 }, "guest panic" } },
		{ "error", { HVKVM_VID_CRASH_WORKER_ERROR, 0, false, { 0 },
			     "KVM_RUN: Bad address" } },
	};
	const char *k = getenv("FAKEVID_CRASH") ?: "signal";
	unsigned int i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, k))
			vm->crash = kinds[i].c;
	vm->crashed = true;
}

static void clear_run(struct vm *vm)
{
	vm->worker_pid = 0;
	vm->uptime = vm->pinned = 0;
	vm->console_log = vm->console_sock = vm->error = NULL;
	vm->crashed = vm->stats = false;
}

/* What the worker reports once the guest runs. */
static void running(struct vm *vm)
{
	vm->state = HVKVM_VID_STATE_RUNNING;
	vm->worker_pid = WORKER_PID;
	vm->uptime = 3723000000000ULL;	/* 1h02m03s */
	vm->pinned = vm->memory;
	vm->console_log = "/run/hvkvm/web/console.log";
	vm->console_sock = getenv("FAKEVID_SOCK") ?: "/run/hvkvm/web/console.sock";
	if (!*vm->console_sock)
		vm->console_sock = NULL;
	vm->stats = true;
}

static void set_state(struct vm *vm, uint32_t state)
{
	vm->state = state;
	if (state != HVKVM_VID_STATE_RUNNING && state != HVKVM_VID_STATE_PAUSED &&
	    state != HVKVM_VID_STATE_STARTING && state != HVKVM_VID_STATE_STOPPING)
		vm->worker_pid = 0;
	notify(vm, HVKVM_VID_CMD_VM_SET_NTF);
}

static void init_web(void)
{
	static bool done;
	const char *st = getenv("FAKEVID_STATE");
	struct vm *vm = &vms[0];
	unsigned int i;

	if (done || !st)
		return;
	done = true;
	for (i = 0; i < 6; i++)
		if (!strcmp(st, state_names[i]))
			vm->state = i;
	if (vm->state == HVKVM_VID_STATE_RUNNING || vm->state == HVKVM_VID_STATE_PAUSED) {
		i = vm->state;
		running(vm);
		vm->state = i;
	}
	if (vm->state == HVKVM_VID_STATE_STOPPING)
		vm->worker_pid = WORKER_PID;
	if (vm->state == HVKVM_VID_STATE_CRASHED) {
		vm->console_log = "/run/hvkvm/web/console.log";
		set_crash(vm);
	}
	if (vm->state == HVKVM_VID_STATE_OFF)
		vm->error = getenv("FAKEVID_ERROR");
}

static void init_stimer(void)
{
	const char *st = getenv("FAKEVID_STIMER");

	if (st && !strcmp(st, "off"))
		vms[0].stimer = 0;
}

static bool worker_is(const char *mode)
{
	return !strcmp(getenv("FAKEVID_WORKER") ?: "run", mode);
}

/* A lifecycle request on vm: 0 or -errno with *msg. */
static int lifecycle(struct vm *vm, uint8_t cmd, bool force, const char **msg)
{
	bool on = vm->state == HVKVM_VID_STATE_STARTING ||
		  vm->state == HVKVM_VID_STATE_RUNNING ||
		  vm->state == HVKVM_VID_STATE_PAUSED ||
		  vm->state == HVKVM_VID_STATE_STOPPING;

	switch (cmd) {
	case HVKVM_VID_CMD_VM_START:
		if (on) {
			*msg = "partition is running already";
			return -EBUSY;
		}
		clear_run(vm);
		set_state(vm, HVKVM_VID_STATE_STARTING);
		if (worker_is("noattach"))
			return 0;
		vm->worker_pid = WORKER_PID;		/* attached */
		notify(vm, HVKVM_VID_CMD_VM_SET_NTF);
		if (worker_is("hang"))
			return 0;
		if (worker_is("fail")) {
			vm->error = "cannot open /boot/vmlinuz: No such file or directory";
			set_state(vm, HVKVM_VID_STATE_OFF);
			return 0;
		}
		if (worker_is("crash")) {	/* while it boots */
			vm->console_log = "/run/hvkvm/web/console.log";
			set_crash(vm);
			set_state(vm, HVKVM_VID_STATE_CRASHED);
			return 0;
		}
		running(vm);
		notify(vm, HVKVM_VID_CMD_VM_SET_NTF);
		return 0;
	case HVKVM_VID_CMD_VM_STOP:
		if (!on) {
			*msg = "partition is not running";
			return -EALREADY;
		}
		if (!vm->worker_pid) {
			set_state(vm, HVKVM_VID_STATE_OFF);
			return 0;
		}
		if (vm->state != HVKVM_VID_STATE_STOPPING)
			set_state(vm, HVKVM_VID_STATE_STOPPING);
		if (!worker_is("hang") || force)
			set_state(vm, HVKVM_VID_STATE_OFF);
		return 0;
	case HVKVM_VID_CMD_VM_PAUSE:
	case HVKVM_VID_CMD_VM_RESUME:
		if (vm->state == (cmd == HVKVM_VID_CMD_VM_PAUSE ?
				  HVKVM_VID_STATE_PAUSED : HVKVM_VID_STATE_RUNNING)) {
			*msg = cmd == HVKVM_VID_CMD_VM_PAUSE ? "partition is paused already" :
				"partition is running, not paused";
			return -EALREADY;
		}
		if (vm->state != (cmd == HVKVM_VID_CMD_VM_PAUSE ?
				  HVKVM_VID_STATE_RUNNING : HVKVM_VID_STATE_PAUSED)) {
			*msg = cmd == HVKVM_VID_CMD_VM_PAUSE ?
				"only a running partition can be paused" :
				"only a paused partition can be resumed";
			return -EBUSY;
		}
		if (!worker_is("hang"))
			set_state(vm, cmd == HVKVM_VID_CMD_VM_PAUSE ?
				  HVKVM_VID_STATE_PAUSED : HVKVM_VID_STATE_RUNNING);
		return 0;
	}
	*msg = "unknown command";
	return -EOPNOTSUPP;
}

static bool has_attr(const struct nlmsghdr *req, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == type)
			return true;
	return false;
}

/* The u8 attribute type of req, or def when it has none. */
static uint8_t attr_u8(const struct nlmsghdr *req, uint16_t type, uint8_t def)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == type)
			return mnl_attr_get_u8(a);
	return def;
}

static void vid(struct fsock *s, const struct nlmsghdr *req)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);
	const char *name = "new", *msg = NULL;
	struct vm *vm = log_req(req, g->cmd, &name);
	struct vm created;
	int err;

	init_web();
	init_stimer();
	switch (g->cmd) {
	case HVKVM_VID_CMD_VM_GET:
		if (req->nlmsg_flags & NLM_F_DUMP)
			return dump(s, req);
		/* fall through */
	case HVKVM_VID_CMD_VM_SET:
	case HVKVM_VID_CMD_VM_DEL:
		if (!vm)
			return fake_ack(s, req, -ENOENT, "no such partition");
		if (g->cmd == HVKVM_VID_CMD_VM_GET)
			fake_push(s, put_vm(fake_dgram(s), vm, HVKVM_VID_CMD_VM_GET, 0,
				       req->nlmsg_seq, true)->nlmsg_len);
		if (g->cmd == HVKVM_VID_CMD_VM_DEL &&
		    vm->state == HVKVM_VID_STATE_RUNNING)
			return fake_ack(s, req, -EBUSY, "partition is not off");
		return fake_ack(s, req, 0, NULL);
	case HVKVM_VID_CMD_VM_NEW:
		if (vm)
			return fake_ack(s, req, -EEXIST, "partition name already in use");
		created = vms[1];
		created.id = 3;
		created.name = name;
		/* as VID: the request's VM_STIMER, else on */
		created.stimer = attr_u8(req, HVKVM_VID_A_VM_STIMER, 1);
		fake_push(s, put_vm(fake_dgram(s), &created, HVKVM_VID_CMD_VM_GET, 0,
			       req->nlmsg_seq, true)->nlmsg_len);
		return fake_ack(s, req, 0, NULL);
	case HVKVM_VID_CMD_VM_START:
	case HVKVM_VID_CMD_VM_STOP:
	case HVKVM_VID_CMD_VM_PAUSE:
	case HVKVM_VID_CMD_VM_RESUME:
		if (!vm)
			return fake_ack(s, req, -ENOENT, "no such partition");
		err = lifecycle(vm, g->cmd, has_attr(req, HVKVM_VID_A_VM_FORCE), &msg);
		return fake_ack(s, req, err, msg);
	}
	fake_ack(s, req, -EOPNOTSUPP, "unknown command");
}

/* ---- libmnl, replaced ---- */

struct mnl_socket *mnl_socket_open(int bus)
{
	unsigned int i;

	if (bus != NETLINK_GENERIC)
		return NULL;
	for (i = 0; i < NSOCK && socks[i].used; i++)
		;
	if (i == NSOCK || pipe(socks[i].pipefd))
		return NULL;
	socks[i].used = true;
	socks[i].joined = false;
	socks[i].vmbus_joined = false;
	socks[i].ic_joined = false;
	socks[i].qhead = socks[i].qtail = 0;
	return (struct mnl_socket *)&socks[i];
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	(void)nl, (void)groups, (void)pid;
	return 0;
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return PORTID;
}

int mnl_socket_get_fd(const struct mnl_socket *nl)
{
	return ((const struct fsock *)nl)->pipefd[0];
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf,
			  socklen_t len)
{
	struct fsock *s = (struct fsock *)nl;
	struct vm vm = vms[0];

	(void)len;
	if (type != NETLINK_ADD_MEMBERSHIP)
		return 0;
	if (*(int *)buf == FAKEVMBUS_GROUP_ID) {
		s->vmbus_joined = true;
		fakevmbus_join(s);
		return 0;
	}
	if (*(int *)buf == FAKEIC_GROUP_ID) {
		s->ic_joined = true;
		fakeic_join(s);
		return 0;
	}
	if (*(int *)buf != GROUP_ID) {
		errno = EINVAL;
		return -1;
	}
	s->joined = true;
	if (getenv("FAKEVID_WORKER"))
		return 0;
	init_web();
	init_stimer();
	vm = vms[0];
	fake_push(s, put_vm(fake_dgram(s), &vm, HVKVM_VID_CMD_VM_NEW_NTF, 0, 0, false)->nlmsg_len);
	vm.state = HVKVM_VID_STATE_OFF;
	fake_push(s, put_vm(fake_dgram(s), &vm, HVKVM_VID_CMD_VM_SET_NTF, 0, 0, false)->nlmsg_len);
	fake_push(s, put_vm(fake_dgram(s), &vm, 99, 0, 0, false)->nlmsg_len);	/* ignored */
	fake_push(s, put_vm(fake_dgram(s), &vms[1], HVKVM_VID_CMD_VM_DEL_NTF, 0, 0, false)->nlmsg_len);
	return 0;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf,
			  size_t len)
{
	struct fsock *s = (struct fsock *)nl;
	const struct nlmsghdr *req = buf;

	if (len < sizeof(*req) || req->nlmsg_len != len ||
	    !(req->nlmsg_flags & NLM_F_REQUEST)) {
		errno = EINVAL;
		return -1;
	}
	if (req->nlmsg_type == GENL_ID_CTRL)
		getfamily(s, req);
	else if (req->nlmsg_type == FAMILY_ID)
		vid(s, req);
	else if (req->nlmsg_type == FAKEVMBUS_FAMILY_ID)
		fakevmbus(s, req);
	else if (req->nlmsg_type == FAKEIC_FAMILY_ID)
		fakeic(s, req);
	else
		fake_ack(s, req, -ENOENT, NULL);
	return len;
}

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
			    size_t size)
{
	struct fsock *s = (struct fsock *)nl;
	char c;
	size_t len;

	if (read(s->pipefd[0], &c, 1) != 1)	/* blocks as recv would */
		return -1;
	len = s->qlen[s->qhead % QLEN];
	if (len > size) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, s->queue[s->qhead++ % QLEN], len);
	return len;
}

int mnl_socket_close(struct mnl_socket *nl)
{
	struct fsock *s = (struct fsock *)nl;

	close(s->pipefd[0]);
	close(s->pipefd[1]);
	s->used = false;
	return 0;
}
