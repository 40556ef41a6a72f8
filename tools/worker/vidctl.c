// SPDX-License-Identifier: GPL-2.0
/*
 * vidctl: the worker as VID's agent; see vidctl.h and the lifecycle part
 * of include/uapi/linux/hvkvm_vid.h.
 *
 * One thread does it all: it waits in poll() for VID's requests on the
 * attached netlink socket, for the VM's end (an eventfd the vCPU threads
 * raise through the event callback), and for a one-second timer that
 * sends VID the exit counters. A graceful stop that the guest does not
 * honour within VIDCTL_GRACE_S becomes a forced one.
 *
 * Its messages go to its standard error, worker.log in the run directory
 * as hvadm opens it, which the worker then caps and rotates as it does the
 * console log (logfile.h). Those a guest can cause are rate-limited
 * (ratelimit.h), one limit for the whole worker, resets and all.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/hvkvm_vid.h>
#include <linux/kvm.h>
#include <pthread.h>

#include "../hvadm/nl.h"
#include "../hvadm/utils.h"
#include "logfile.h"
#include "ratelimit.h"
#include "vidctl.h"
#include "wvm.h"

#define VIDCTL_GRACE_S	90	/* below hvadm vm stop's 120 s wait */
#define VIDCTL_WORKER_LOG_CAP	(1024 * 1024)
#define VIDCTL_REQS	16

/*
 * SynIC plumbing handed to VID: per VP, SINT 2 (VMBus's) routed to GSI
 * VIDCTL_SINT_GSI + VP with an irqfd and its resample fd. Connection ids
 * are bound to eventfds on demand: when VID, answering a forwarded
 * HvSignalEvent, asks for one (VM_PORT_BIND), so that a channel costs an
 * eventfd only once its guest signals it.
 */
#define VIDCTL_SINT		2
#define VIDCTL_SINT_GSI		24

/* The counters go to VID as they are: the two lists must agree. */
_Static_assert((int)HVKVM_VID_EXIT_COUNT == (int)WVM_EXIT_NR &&
	       (int)HVKVM_VID_EXIT_IO == (int)WVM_EXIT_IO &&
	       (int)HVKVM_VID_EXIT_HYPERV == (int)WVM_EXIT_HYPERV &&
	       (int)HVKVM_VID_EXIT_OTHER == (int)WVM_EXIT_OTHER,
	       "VID's exit kinds and the worker's must agree");

struct vidctl {
	const char *name;
	struct nl nl;			/* the attached socket */
	struct wvm *vm;
	int event_fd;			/* raised when the VM ends */
	int timer_fd;			/* counters, and the grace period */
	int signal_fd;			/* SIGTERM, SIGINT: force stop */
	time_t grace_deadline;		/* 0: no graceful stop pending */

	/* Requests seen while waiting for an ACK, handled afterwards. */
	uint32_t reqs[VIDCTL_REQS];
	unsigned int nreqs;

	/* The VM's configuration, from VID. */
	char kernel[HVKVM_VID_PATH_MAX], initrd[HVKVM_VID_PATH_MAX];
	char cmdline[HVKVM_VID_CMDLINE_MAX];
	char console_log[256], console_sock[256], worker_log[256];
	uint64_t memory;
	uint32_t vcpus;
	uint32_t state;
	bool has_initrd, has_cmdline;
	bool stimer;			/* VM_STIMER; on when VID says nothing */

	/* SynIC plumbing, see VIDCTL_SINT. */
	int sint_irq[WVM_MAX_VCPUS], sint_eom[WVM_MAX_VCPUS];
	pthread_mutex_t port_lock;	/* port_fd, nports */
	int port_fd[HVKVM_VID_PORTS_MAX];
	unsigned int nports;
	/* A socket per vCPU thread, for what it forwards (lazily opened). */
	struct nl *vcpu_nl[WVM_MAX_VCPUS];

	/* Our messages: worker.log when it is our stderr, else stderr. */
	struct logfile *log;
	pthread_mutex_t log_lock;	/* rl */
	struct ratelimit rl;		/* the lines a guest can cause */
};

static void put_line(struct vidctl *c, const char *line)
{
	char buf[400];
	int n = snprintf(buf, sizeof(buf), "%s\n", line);

	if (n >= (int)sizeof(buf)) {	/* cut, but still a line */
		n = sizeof(buf) - 1;
		buf[n - 1] = '\n';
	}
	if (c->log)
		logfile_write(c->log, buf, n);
	else
		fputs(buf, stderr);
}

static void report_suppressed(struct vidctl *c, unsigned int missed)
{
	char line[160];

	snprintf(line, sizeof(line),
		 "hvkvm-worker %s: %u lines suppressed (at most %d in %d s)",
		 c->name, missed, WVM_LOG_BURST, WVM_LOG_INTERVAL_MS / 1000);
	put_line(c, line);
}

/* One line; guest: one the guest can cause, within the rate limit. */
static void emit(struct vidctl *c, const char *line, bool guest)
{
	unsigned int missed = 0;
	bool allow = true;

	if (guest) {
		pthread_mutex_lock(&c->log_lock);
		allow = ratelimit_allow(&c->rl, ratelimit_now_ms(), &missed);
		pthread_mutex_unlock(&c->log_lock);
	}
	if (missed)
		report_suppressed(c, missed);
	if (allow)
		put_line(c, line);
}

/* The count of lines suppressed in an interval now over, if any. */
static void flush_suppressed(struct vidctl *c, bool all)
{
	unsigned int missed;

	pthread_mutex_lock(&c->log_lock);
	if (all) {
		missed = c->rl.missed;
		c->rl.missed = 0;
	} else {
		missed = ratelimit_flush(&c->rl, ratelimit_now_ms());
	}
	pthread_mutex_unlock(&c->log_lock);
	if (missed)
		report_suppressed(c, missed);
}

static void vsay(struct vidctl *c, bool guest, const char *fmt, va_list ap)
{
	char line[320];
	int n;

	n = snprintf(line, sizeof(line), "hvkvm-worker %s: ", c->name);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	emit(c, line, guest);
}

/* A message from the host's side: start-up, VID, the user's stop. */
static void say(struct vidctl *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct vidctl *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(c, false, fmt, ap);
	va_end(ap);
}

/* A message the guest can cause again and again: rate-limited. */
static void say_guest(struct vidctl *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say_guest(struct vidctl *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(c, true, fmt, ap);
	va_end(ap);
}

/* The core's diagnostics (wvm_log_fn), the same way. */
static void core_log(const char *line, bool guest, void *opaque)
{
	emit(opaque, line, guest);
}

static int parse_boot(const struct nlattr *nest, struct vidctl *c)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			continue;
		switch (mnl_attr_get_type(a)) {
		case HVKVM_VID_BOOT_A_KERNEL:
			snprintf(c->kernel, sizeof(c->kernel), "%s", mnl_attr_get_str(a));
			break;
		case HVKVM_VID_BOOT_A_INITRD:
			snprintf(c->initrd, sizeof(c->initrd), "%s", mnl_attr_get_str(a));
			c->has_initrd = true;
			break;
		case HVKVM_VID_BOOT_A_CMDLINE:
			snprintf(c->cmdline, sizeof(c->cmdline), "%s", mnl_attr_get_str(a));
			c->has_cmdline = true;
			break;
		}
	}
	return MNL_CB_OK;
}

static void queue_request(struct vidctl *c, const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == HVKVM_VID_A_VM_ACTION &&
		    !mnl_attr_validate(a, MNL_TYPE_U32) &&
		    c->nreqs < VIDCTL_REQS)
			c->reqs[c->nreqs++] = mnl_attr_get_u32(a);
	}
}

/* Every message from VID: a record (reply) or a request (unicast). */
static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct vidctl *c = data;
	const struct nlattr *a;

	if (genl->cmd == HVKVM_VID_CMD_VM_REQUEST_NTF) {
		queue_request(c, nlh);
		return MNL_CB_OK;
	}
	mnl_attr_for_each(a, nlh, sizeof(*genl)) {
		switch (mnl_attr_get_type(a)) {
		case HVKVM_VID_A_VM_MEMORY:
			if (!mnl_attr_validate(a, MNL_TYPE_U64))
				c->memory = mnl_attr_get_u64(a);
			break;
		case HVKVM_VID_A_VM_VCPUS:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				c->vcpus = mnl_attr_get_u32(a);
			break;
		case HVKVM_VID_A_VM_STATE:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				c->state = mnl_attr_get_u32(a);
			break;
		case HVKVM_VID_A_VM_STIMER:
			if (!mnl_attr_validate(a, MNL_TYPE_U8))
				c->stimer = mnl_attr_get_u8(a);
			break;
		case HVKVM_VID_A_VM_BOOT:
			if (!mnl_attr_validate(a, MNL_TYPE_NESTED))
				parse_boot(a, c);
			break;
		}
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *req(struct vidctl *c, uint8_t cmd)
{
	struct nlmsghdr *nlh = nl_req(&c->nl, cmd, 0);

	nl_put(&c->nl, nlh, strz, HVKVM_VID_A_VM_NAME, c->name);
	return nlh;
}

static int talk(struct vidctl *c, struct nlmsghdr *nlh, const char *what)
{
	int err = nl_talk(&c->nl, nlh, msg_cb, c);

	if (err)
		say(c, "%s: %s%s%s", what, c->nl.extack,
		    c->nl.extack[0] ? ": " : "", strerror(-err));
	return err;
}

static void put_stats(struct vidctl *c, struct nlmsghdr *nlh)
{
	struct nlattr *all, *one;
	struct wvm_vcpu_stats st;
	unsigned int i;

	all = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_VCPU_STATS);
	for (i = 0; i < wvm_nr_vcpus(c->vm); i++) {
		if (wvm_vcpu_stats(c->vm, i, &st))
			continue;
		one = mnl_attr_nest_start(nlh, HVKVM_VID_VCPU_A_VCPU);
		mnl_attr_put_u32(nlh, HVKVM_VID_VCPU_A_INDEX, i);
		mnl_attr_put(nlh, HVKVM_VID_VCPU_A_EXITS, sizeof(st.exits), st.exits);
		mnl_attr_nest_end(nlh, one);
	}
	mnl_attr_nest_end(nlh, all);
}

/* Report a state (or, with state < 0, only the counters). */
static int report(struct vidctl *c, int state)
{
	struct nlmsghdr *nlh = req(c, HVKVM_VID_CMD_VM_REPORT);

	if (state >= 0)
		mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, state);
	if (c->vm)
		put_stats(c, nlh);
	return talk(c, nlh, "report");
}

static int report_off_error(struct vidctl *c, const char *error)
{
	struct nlmsghdr *nlh = req(c, HVKVM_VID_CMD_VM_REPORT);

	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, HVKVM_VID_STATE_OFF);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_ERROR, error);
	return talk(c, nlh, "report");
}

static int report_crash(struct vidctl *c, uint32_t kind, const uint64_t *params,
			const char *message)
{
	struct nlmsghdr *nlh = req(c, HVKVM_VID_CMD_VM_REPORT);
	struct nlattr *crash;

	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, HVKVM_VID_STATE_CRASHED);
	put_stats(c, nlh);
	crash = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_CRASH);
	mnl_attr_put_u32(nlh, HVKVM_VID_CRASH_A_KIND, kind);
	if (params)
		mnl_attr_put(nlh, HVKVM_VID_CRASH_A_PARAMS,
			     HVKVM_VID_CRASH_PARAMS * sizeof(uint64_t), params);
	if (message)
		mnl_attr_put_strz(nlh, HVKVM_VID_CRASH_A_MESSAGE, message);
	mnl_attr_nest_end(nlh, crash);
	return talk(c, nlh, "report");
}

static void put_plumbing(struct vidctl *c, struct nlmsghdr *nlh);

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * The host's CLOCK_REALTIME minus the guest's kvmclock, at one instant:
 * what VMBus needs to tell the guest its own reference time (time sync
 * 4.0). KVM gives both at once (KVM_CLOCK_REALTIME) only when its master
 * clock runs (a stable TSC); otherwise the host's time is taken on each
 * side of KVM_GET_CLOCK, and the midpoint is off by half a system call
 * at most. False when KVM cannot tell the guest's clock.
 */
static bool clock_offset(struct vidctl *c, int64_t *offset)
{
	struct kvm_clock_data d = { 0 };
	int64_t before, after;

	before = realtime_ns();
	if (ioctl(wvm_vm_fd(c->vm), KVM_GET_CLOCK, &d) < 0)
		return false;
	after = realtime_ns();
	if (d.flags & KVM_CLOCK_REALTIME)
		*offset = (int64_t)(d.realtime - d.clock);
	else
		*offset = before + (after - before) / 2 - (int64_t)d.clock;
	return true;
}

/* Attach, handing VID the guest-memory table; reply: our record. */
static int attach(struct vidctl *c, bool with_memory)
{
	struct nlmsghdr *nlh = req(c, HVKVM_VID_CMD_VM_ATTACH);
	const struct wvm_mem_region *r;
	struct nlattr *map, *one;
	unsigned int i, n = 0;
	int64_t offset;

	if (with_memory) {
		r = wvm_memory(c->vm, &n);
		map = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_MEMORY_MAP);
		for (i = 0; i < n; i++) {
			one = mnl_attr_nest_start(nlh, HVKVM_VID_MEM_A_REGION);
			mnl_attr_put_u64(nlh, HVKVM_VID_MEM_A_GPA, r[i].gpa);
			mnl_attr_put_u64(nlh, HVKVM_VID_MEM_A_SIZE, r[i].size);
			mnl_attr_put_u64(nlh, HVKVM_VID_MEM_A_UADDR,
					 (uintptr_t)r[i].hva);
			mnl_attr_nest_end(nlh, one);
		}
		mnl_attr_nest_end(nlh, map);
		put_plumbing(c, nlh);
		if (clock_offset(c, &offset))
			mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_CLOCK_OFFSET,
					 (uint64_t)offset);
	}
	return talk(c, nlh, "attach");
}

/* The calling vCPU thread's own socket to VID. */
static struct nl *vcpu_socket(struct vidctl *c, unsigned int vcpu)
{
	struct nl *nl = c->vcpu_nl[vcpu];

	if (nl)
		return nl;
	nl = malloc(sizeof(*nl));
	if (!nl || nl_open(nl, HVKVM_VID_GENL_NAME, HVKVM_VID_GENL_VERSION, NULL)) {
		free(nl);
		return NULL;
	}
	c->vcpu_nl[vcpu] = nl;
	return nl;
}

struct hcall_answer {
	uint64_t result;
	bool bind;
	uint32_t conn_id;
};

static int hcall_result_cb(const struct nlmsghdr *nlh, void *data)
{
	struct hcall_answer *ans = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == HVKVM_VID_A_VM_HCALL_RESULT &&
		    !mnl_attr_validate(a, MNL_TYPE_U64))
			ans->result = mnl_attr_get_u64(a);
		if (mnl_attr_get_type(a) == HVKVM_VID_A_VM_PORT_BIND &&
		    !mnl_attr_validate(a, MNL_TYPE_U32)) {
			ans->bind = true;
			ans->conn_id = mnl_attr_get_u32(a);
		}
	}
	return MNL_CB_OK;
}

/*
 * VID asked for an eventfd on conn_id: VID waits on it first, then KVM
 * signals it, so that no signal falls between the two (until KVM has it,
 * the guest's signals still come through us). On failure the connection
 * keeps working through VM_HCALL, only slower.
 */
static void bind_port(struct vidctl *c, struct nl *nl, uint32_t conn_id)
{
	struct kvm_hyperv_eventfd hv = { .conn_id = conn_id };
	struct nlmsghdr *nlh;
	int fd;

	pthread_mutex_lock(&c->port_lock);
	if (c->nports >= HVKVM_VID_PORTS_MAX) {
		pthread_mutex_unlock(&c->port_lock);
		say_guest(c, "connection 0x%x: no port left to bind", conn_id);
		return;
	}
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0) {
		pthread_mutex_unlock(&c->port_lock);
		say_guest(c, "connection 0x%x: eventfd: %s", conn_id, strerror(errno));
		return;
	}
	nlh = nl_req(nl, HVKVM_VID_CMD_VM_PORT_BIND, 0);
	nl_put(nl, nlh, strz, HVKVM_VID_A_VM_NAME, c->name);
	nl_put(nl, nlh, u32, HVKVM_VID_A_VM_PORT_BIND, conn_id);
	nl_put(nl, nlh, u32, HVKVM_VID_A_VM_PORT_FD, fd);
	if (nl_talk(nl, nlh, NULL, NULL)) {
		pthread_mutex_unlock(&c->port_lock);
		say_guest(c, "connection 0x%x: binding a port: %s", conn_id, nl->extack);
		close(fd);
		return;
	}
	/* VID holds the eventfd now: ours is closed with the others. */
	c->port_fd[c->nports++] = fd;
	hv.fd = fd;
	if (ioctl(wvm_vm_fd(c->vm), KVM_HYPERV_EVENTFD, &hv) < 0)
		say_guest(c, "connection 0x%x: KVM_HYPERV_EVENTFD: %s", conn_id,
			  strerror(errno));
	pthread_mutex_unlock(&c->port_lock);
}

/* A hypercall KVM left to us: VID answers it (HvPostMessage). */
static uint64_t forward_hcall(struct wvm *w, unsigned int vcpu, uint64_t control,
			      uint64_t in_gpa, uint64_t out_gpa, void *opaque)
{
	struct vidctl *c = opaque;
	struct nl *nl = vcpu_socket(c, vcpu);
	/* HV_STATUS_INVALID_HYPERCALL_INPUT unless VID says otherwise */
	struct hcall_answer ans = { .result = 3 };
	struct nlmsghdr *nlh;

	(void)w;
	(void)out_gpa;
	if (!nl)
		return 11;	/* HV_STATUS_INSUFFICIENT_MEMORY: the guest retries */
	nlh = nl_req(nl, HVKVM_VID_CMD_VM_HCALL, 0);
	nl_put(nl, nlh, strz, HVKVM_VID_A_VM_NAME, c->name);
	nl_put(nl, nlh, u32, HVKVM_VID_A_VM_VP, vcpu);
	nl_put(nl, nlh, u64, HVKVM_VID_A_VM_HCALL_CONTROL, control);
	nl_put(nl, nlh, u64, HVKVM_VID_A_VM_HCALL_INPUT, in_gpa);
	if (nl_talk(nl, nlh, hcall_result_cb, &ans))
		say_guest(c, "hypercall 0x%llx: %s", (unsigned long long)control,
			  nl->extack);
	else if (ans.bind)
		bind_port(c, nl, ans.conn_id);
	return ans.result;
}

/* The guest moved its SynIC pages: VID must know before the vCPU goes on. */
static void forward_synic(struct wvm *w, unsigned int vcpu, uint32_t msr,
			  const struct wvm_synic *sy, void *opaque)
{
	struct vidctl *c = opaque;
	struct nl *nl = vcpu_socket(c, vcpu);
	struct nlmsghdr *nlh;
	int err;

	(void)w;
	(void)msr;
	if (!nl)
		return;
	nlh = nl_req(nl, HVKVM_VID_CMD_VM_SYNIC, 0);
	nl_put(nl, nlh, strz, HVKVM_VID_A_VM_NAME, c->name);
	nl_put(nl, nlh, u32, HVKVM_VID_A_VM_VP, vcpu);
	nl_put(nl, nlh, u64, HVKVM_VID_A_VM_SCONTROL, sy->scontrol);
	nl_put(nl, nlh, u64, HVKVM_VID_A_VM_SIEFP, sy->siefp);
	nl_put(nl, nlh, u64, HVKVM_VID_A_VM_SIMP, sy->simp);
	err = nl_talk(nl, nlh, NULL, NULL);
	if (err)
		say_guest(c, "SynIC of vp %u: %s", vcpu, nl->extack);
}

static void close_plumbing(struct vidctl *c)
{
	unsigned int i;

	for (i = 0; i < WVM_MAX_VCPUS; i++) {
		if (c->sint_irq[i] > 0)
			close(c->sint_irq[i]);
		if (c->sint_eom[i] > 0)
			close(c->sint_eom[i]);
		c->sint_irq[i] = c->sint_eom[i] = 0;
		if (c->vcpu_nl[i]) {
			nl_close(c->vcpu_nl[i]);
			free(c->vcpu_nl[i]);
			c->vcpu_nl[i] = NULL;
		}
	}
	pthread_mutex_lock(&c->port_lock);
	for (i = 0; i < c->nports; i++)
		close(c->port_fd[i]);
	c->nports = 0;
	pthread_mutex_unlock(&c->port_lock);
}

/*
 * Route SINT 2 of every VP to an irqfd with a resample fd (ports are
 * bound later, on demand: bind_port). KVM_SET_GSI_ROUTING replaces the
 * table, so it repeats the irqchip's defaults (KVM's own layout: GSI 0-15
 * to the PICs and the IOAPIC, 16-23 to the IOAPIC).
 */
static int plumb(struct vidctl *c, char *err, size_t errlen)
{
	unsigned int nvcpu = wvm_nr_vcpus(c->vm), n = 0, i;
	int vmfd = wvm_vm_fd(c->vm);
	struct kvm_irq_routing *rt;

	rt = calloc(1, sizeof(*rt) + (40 + WVM_MAX_VCPUS) * sizeof(rt->entries[0]));
	if (!rt)
		return -ENOMEM;
	for (i = 0; i < 24; i++) {
		if (i < 16) {
			rt->entries[n].gsi = i;
			rt->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
			rt->entries[n].u.irqchip.irqchip = i < 8 ? KVM_IRQCHIP_PIC_MASTER :
								   KVM_IRQCHIP_PIC_SLAVE;
			rt->entries[n++].u.irqchip.pin = i % 8;
		}
		rt->entries[n].gsi = i;
		rt->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		rt->entries[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		rt->entries[n++].u.irqchip.pin = i;
	}
	for (i = 0; i < nvcpu; i++) {
		rt->entries[n].gsi = VIDCTL_SINT_GSI + i;
		rt->entries[n].type = KVM_IRQ_ROUTING_HV_SINT;
		rt->entries[n].u.hv_sint.vcpu = i;
		rt->entries[n++].u.hv_sint.sint = VIDCTL_SINT;
	}
	rt->nr = n;
	if (ioctl(vmfd, KVM_SET_GSI_ROUTING, rt) < 0) {
		snprintf(err, errlen, "KVM_SET_GSI_ROUTING: %s", strerror(errno));
		free(rt);
		return -errno;
	}
	free(rt);

	for (i = 0; i < nvcpu; i++) {
		struct kvm_irqfd irqfd = {
			.gsi = VIDCTL_SINT_GSI + i,
			.flags = KVM_IRQFD_FLAG_RESAMPLE,
		};

		c->sint_irq[i] = eventfd(0, EFD_CLOEXEC);
		c->sint_eom[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		irqfd.fd = c->sint_irq[i];
		irqfd.resamplefd = c->sint_eom[i];
		if (c->sint_irq[i] < 0 || c->sint_eom[i] < 0 ||
		    ioctl(vmfd, KVM_IRQFD, &irqfd) < 0) {
			snprintf(err, errlen, "SINT irqfd of vp %u: %s", i, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static void put_plumbing(struct vidctl *c, struct nlmsghdr *nlh)
{
	unsigned int i, nvcpu = wvm_nr_vcpus(c->vm);
	struct nlattr *all, *one;

	all = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_SINT_ROUTES);
	for (i = 0; i < nvcpu; i++) {
		one = mnl_attr_nest_start(nlh, HVKVM_VID_SINT_A_ROUTE);
		mnl_attr_put_u32(nlh, HVKVM_VID_SINT_A_VP, i);
		mnl_attr_put_u32(nlh, HVKVM_VID_SINT_A_SINT, VIDCTL_SINT);
		mnl_attr_put_u32(nlh, HVKVM_VID_SINT_A_IRQFD, c->sint_irq[i]);
		mnl_attr_put_u32(nlh, HVKVM_VID_SINT_A_RESAMPLEFD, c->sint_eom[i]);
		mnl_attr_nest_end(nlh, one);
	}
	mnl_attr_nest_end(nlh, all);
}

static void on_event(struct wvm *w, const struct wvm_event *ev, void *opaque)
{
	struct vidctl *c = opaque;
	uint64_t one = 1;

	(void)w;
	(void)ev;	/* wvm_wait() hands the event over */
	if (write(c->event_fd, &one, sizeof(one)) < 0)
		abort();	/* an eventfd write cannot fail here */
}

/* Where the VM's files go: $HVKVM_RUN_DIR/NAME, as hvadm has it. */
static int run_dir(struct vidctl *c)
{
	const char *base = getenv("HVKVM_RUN_DIR") ?: VIDCTL_RUN_DIR;
	char dir[192];

	snprintf(dir, sizeof(dir), "%s/%s", base, c->name);
	if (mkdir(base, 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	snprintf(c->console_log, sizeof(c->console_log), "%s/console.log", dir);
	snprintf(c->console_sock, sizeof(c->console_sock), "%s/console.sock", dir);
	snprintf(c->worker_log, sizeof(c->worker_log), "%s/worker.log", dir);
	return 0;
}

/*
 * A log cap from the environment (hvadm passes its own on): $var as a byte
 * count (1048576, 64K, 1M), def when unset or empty.
 */
static int env_cap(const char *var, uint64_t def, uint64_t *cap, char *err,
		   size_t errlen)
{
	const char *s = getenv(var);

	*cap = def;
	if (!s || !*s)
		return 0;
	if (parse_size(s, cap) || *cap < LOGFILE_CAP_MIN || *cap > LOGFILE_CAP_MAX) {
		snprintf(err, errlen, "%s must be a size from %uK to %lluG, not \"%s\"",
			 var, LOGFILE_CAP_MIN >> 10, LOGFILE_CAP_MAX >> 30, s);
		*cap = def;
		return -EINVAL;
	}
	return 0;
}

/* Cap and rotate worker.log too, when it is our standard error. */
static void adopt_worker_log(struct vidctl *c)
{
	uint64_t cap;
	char err[320];

	env_cap("HVKVM_WORKER_LOG_CAP", VIDCTL_WORKER_LOG_CAP, &cap, err,
		sizeof(err));	/* a bad value fails the start: create_vm() */
	if (logfile_adopt_stderr(&c->log, c->worker_log, cap, err, sizeof(err)))
		say(c, "%s", err);
}

/* Build the VM from the configuration; on failure, err says why. */
static int create_vm(struct vidctl *c, char *err, size_t errlen)
{
	struct wvm_config cfg = {
		.name = c->name,
		.kernel = c->kernel,
		.initrd = c->has_initrd ? c->initrd : NULL,
		.cmdline = c->has_cmdline ? c->cmdline : NULL,
		.memory_mib = c->memory >> 20,
		.vcpus = c->vcpus,
		.console_log = c->console_log,
		.console_sock = c->console_sock,
		.no_stimer = !c->stimer,
		.event = on_event,
		.hcall = forward_hcall,
		.synic = forward_synic,
		.log = core_log,
		.opaque = c,
	};
	uint64_t worker_cap;
	int ret;

	/* Bad caps in the environment fail the start, as a bad boot spec. */
	ret = env_cap("HVKVM_WORKER_LOG_CAP", VIDCTL_WORKER_LOG_CAP,
		      &worker_cap, err, errlen) ?:
	      env_cap("HVKVM_CONSOLE_LOG_CAP", WVM_CONSOLE_LOG_CAP,
		      &cfg.console_log_cap, err, errlen);
	if (!ret)
		ret = wvm_create(&cfg, &c->vm, err, errlen);
	if (ret)
		return ret;
	ret = plumb(c, err, errlen);
	if (ret) {
		close_plumbing(c);
		wvm_destroy(c->vm);
		c->vm = NULL;
	}
	return ret;
}

static void arm_timer(struct vidctl *c)
{
	struct itimerspec its = {
		.it_value = { .tv_sec = 1 },
		.it_interval = { .tv_sec = 1 },
	};

	timerfd_settime(c->timer_fd, 0, &its, NULL);
}

/* Act on one request from VID. */
static void obey(struct vidctl *c, uint32_t action)
{
	switch (action) {
	case HVKVM_VID_ACTION_PAUSE:
		if (!wvm_pause(c->vm))
			report(c, HVKVM_VID_STATE_PAUSED);
		break;
	case HVKVM_VID_ACTION_RESUME:
		if (!wvm_resume(c->vm))
			report(c, HVKVM_VID_STATE_RUNNING);
		break;
	case HVKVM_VID_ACTION_STOP:
		/* A paused guest cannot answer: let it run to shut down. */
		wvm_resume(c->vm);
		wvm_request_stop(c->vm, WVM_STOP_GRACEFUL);
		if (!c->grace_deadline)
			c->grace_deadline = time(NULL) + VIDCTL_GRACE_S;
		break;
	case HVKVM_VID_ACTION_STOP_FORCE:
		wvm_request_stop(c->vm, WVM_STOP_FORCE);
		break;
	}
}

static void drain_requests(struct vidctl *c)
{
	while (c->nreqs) {
		uint32_t action = c->reqs[0];

		memmove(c->reqs, c->reqs + 1, --c->nreqs * sizeof(c->reqs[0]));
		obey(c, action);
	}
}

static int receive(struct vidctl *c)
{
	ssize_t n = mnl_socket_recvfrom(c->nl.sock, c->nl.buf, sizeof(c->nl.buf));

	if (n < 0)
		return -errno;
	mnl_cb_run(c->nl.buf, n, 0, 0, msg_cb, c);
	drain_requests(c);
	return 0;
}

/*
 * The VM ended with ev: tell VID. Returns -1 when the worker should build
 * the VM again (the guest reset: a power cycle), else its exit status.
 */
static int ended(struct vidctl *c, const struct wvm_event *ev)
{
	switch (ev->type) {
	case WVM_EV_POWEROFF:
	case WVM_EV_STOPPED:
		report(c, HVKVM_VID_STATE_OFF);
		return 0;
	case WVM_EV_RESET:
		return -1;
	case WVM_EV_TRIPLE_FAULT:
		report_crash(c, HVKVM_VID_CRASH_TRIPLE_FAULT, NULL, NULL);
		return 2;
	case WVM_EV_CRASH:
		report_crash(c, HVKVM_VID_CRASH_GUEST, ev->crash, NULL);
		return 2;
	case WVM_EV_ERROR:
	default:
		report_crash(c, HVKVM_VID_CRASH_WORKER_ERROR, NULL, ev->msg);
		return 1;
	}
}

/* Run the VM until it ends; returns what ended() says. */
static int serve(struct vidctl *c)
{
	struct pollfd pfd[] = {
		{ .fd = mnl_socket_get_fd(c->nl.sock), .events = POLLIN },
		{ .fd = c->event_fd, .events = POLLIN },
		{ .fd = c->timer_fd, .events = POLLIN },
		{ .fd = c->signal_fd, .events = POLLIN },
	};
	struct signalfd_siginfo si;
	struct wvm_event ev;
	uint64_t ticks;

	arm_timer(c);
	drain_requests(c);
	for (;;) {
		if (poll(pfd, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (pfd[0].revents & POLLIN && receive(c) == -ENOBUFS)
			say(c, "requests from VID were lost");
		if (pfd[2].revents & POLLIN &&
		    read(c->timer_fd, &ticks, sizeof(ticks)) > 0) {
			report(c, -1);
			flush_suppressed(c, false);
			if (c->grace_deadline && time(NULL) >= c->grace_deadline) {
				say(c, "the guest did not shut down within %d s: forcing",
				    VIDCTL_GRACE_S);
				wvm_request_stop(c->vm, WVM_STOP_FORCE);
				c->grace_deadline = 0;
			}
			/*
			 * A request that came while the report waited for
			 * its answer was queued: act on it now, not when VID
			 * next happens to write.
			 */
			drain_requests(c);
		}
		if (pfd[3].revents & POLLIN &&
		    read(c->signal_fd, &si, sizeof(si)) > 0)
			wvm_request_stop(c->vm, WVM_STOP_FORCE);
		if (pfd[1].revents & POLLIN) {
			/*
			 * Taken, so that after a reset the next VM's serve()
			 * does not see this one's end and wait there, deaf
			 * to VID, until the new guest ends too.
			 */
			if (read(c->event_fd, &ticks, sizeof(ticks)) < 0 &&
			    errno != EAGAIN)
				return 1;
			wvm_wait(c->vm, -1, &ev);
			return ended(c, &ev);
		}
	}
}

static int setup_fds(struct vidctl *c)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	c->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	c->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	return c->signal_fd < 0 || c->event_fd < 0 || c->timer_fd < 0 ? -errno : 0;
}

/* Read our record from VID; the partition must be starting. */
static int read_config(struct vidctl *c)
{
	c->stimer = true;
	if (talk(c, req(c, HVKVM_VID_CMD_VM_GET), "read the configuration"))
		return -1;
	if (c->state != HVKVM_VID_STATE_STARTING) {
		say(c, "the partition is not starting (start it with hvadm vm start)");
		return -1;
	}
	return 0;
}

int vidctl_main(const char *name)
{
	struct vidctl *c = calloc(1, sizeof(*c));
	char err[256];
	int ret;

	if (!c)
		return 1;
	c->name = name;
	pthread_mutex_init(&c->log_lock, NULL);
	pthread_mutex_init(&c->port_lock, NULL);
	c->rl = (struct ratelimit)RATELIMIT_INIT(WVM_LOG_INTERVAL_MS, WVM_LOG_BURST);
	if (setup_fds(c) || run_dir(c)) {
		say(c, "cannot set up: %s", strerror(errno));
		return 1;
	}
	adopt_worker_log(c);
	ret = nl_open(&c->nl, HVKVM_VID_GENL_NAME, HVKVM_VID_GENL_VERSION, NULL);
	if (ret) {
		say(c, "cannot reach VID: %s", strerror(-ret));
		return 1;
	}

	for (;;) {
		if (read_config(c))
			return 1;
		if (create_vm(c, err, sizeof(err))) {
			/* Attach to say why the start failed; VID turns it off. */
			if (!attach(c, false))
				report_off_error(c, err);
			say(c, "%s", err);
			return 1;
		}
		if (attach(c, true)) {
			wvm_destroy(c->vm);
			return 1;
		}
		{
			struct nlmsghdr *nlh = req(c, HVKVM_VID_CMD_VM_REPORT);

			mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, HVKVM_VID_STATE_RUNNING);
			mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_CONSOLE_LOG, c->console_log);
			mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_CONSOLE_SOCK, c->console_sock);
			if (talk(c, nlh, "report running")) {
				wvm_destroy(c->vm);
				return 1;
			}
		}
		if (wvm_run(c->vm)) {
			report_crash(c, HVKVM_VID_CRASH_WORKER_ERROR, NULL,
				     "cannot start the vCPUs");
			wvm_destroy(c->vm);
			return 1;
		}
		ret = serve(c);
		if (ret >= 0)
			break;
		/*
		 * The guest reset: power-cycle it. Reporting STARTING detaches
		 * us and starts the partition again in one step; VID refuses
		 * it (-EBUSY) when a stop was asked, and the VM is off.
		 */
		ret = report(c, HVKVM_VID_STATE_STARTING);
		if (ret) {
			if (ret == -EBUSY)
				say(c, "guest reset while stopping: off");
			report(c, HVKVM_VID_STATE_OFF);
			ret = ret == -EBUSY ? 0 : 1;
			break;
		}
		/* A guest that resets in a loop says so again and again. */
		say_guest(c, "guest reset: restarting");
		wvm_destroy(c->vm);
		close_plumbing(c);
		c->vm = NULL;
		c->grace_deadline = 0;
	}
	wvm_destroy(c->vm);
	close_plumbing(c);
	nl_close(&c->nl);
	flush_suppressed(c, true);
	logfile_close(c->log);
	return ret;
}
