// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: creation, one thread each, the KVM_RUN loop and its exits.
 *
 * Kicking: the kicker stores immediate_exit = 1 in the vCPU's kvm_run and
 * sends the kick signal to its thread. A thread inside KVM_RUN returns
 * with EINTR; one about to enter returns at once because of
 * immediate_exit. The thread clears immediate_exit only after KVM_RUN
 * returned EINTR, then looks at the VM's state, so no kick is lost.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define KICK_SIGNAL	(SIGRTMIN + 1)

static void count(struct wvm_vcpu *v, enum wvm_exit_kind k)
{
	__atomic_fetch_add(&v->stats.exits[k], 1, __ATOMIC_RELAXED);
}

int vcpu_create(struct wvm *w, struct wvm_vcpu *v, unsigned int id)
{
	int ret;

	v->w = w;
	v->id = id;
	v->fd = ioctl(w->vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		return wvm_fail(w, errno, "KVM_CREATE_VCPU %u: %s", id,
				strerror(errno));
	v->run = mmap(NULL, w->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return wvm_fail(w, errno, "mapping vCPU %u's kvm_run: %s", id,
				strerror(errno));
	}
	ret = cpuid_set_vcpu(w, v);
	if (!ret)
		ret = hyperv_enable_vcpu(w, v);
	return ret;
}

void vcpu_destroy(struct wvm_vcpu *v)
{
	if (v->run)
		munmap(v->run, v->w->run_size);
	if (v->fd >= 0)
		close(v->fd);
}

static void kick_handler(int sig)
{
	(void)sig;
}

int vcpu_setup_signals(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&sa.sa_mask);
	return sigaction(KICK_SIGNAL, &sa, NULL) < 0 ? -errno : 0;
}

void vcpu_kick(struct wvm_vcpu *v)
{
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(v->thread, KICK_SIGNAL);
}

static void fatal(struct wvm_vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fatal(struct wvm_vcpu *v, const char *fmt, ...)
{
	struct wvm_event ev = { .type = WVM_EV_ERROR, .vcpu = v->id };
	va_list ap;
	int n;

	n = snprintf(ev.msg, sizeof(ev.msg), "vCPU %u: ", v->id);
	va_start(ap, fmt);
	vsnprintf(ev.msg + n, sizeof(ev.msg) - n, fmt, ap);
	va_end(ap);
	wvm_end(v->w, &ev);
}

static void io_exit(struct wvm *w, struct wvm_vcpu *v)
{
	struct kvm_run *r = v->run;
	unsigned int size = r->io.size, n = r->io.count, i;
	uint8_t *p = (uint8_t *)r + r->io.data_offset;

	if ((size != 1 && size != 2 && size != 4) ||
	    r->io.data_offset > (uint64_t)w->run_size ||
	    (uint64_t)size * n > w->run_size - r->io.data_offset) {
		fatal(v, "bad I/O exit (port %#x size %u count %u)",
		      r->io.port, size, n);
		return;
	}
	for (i = 0; i < n; i++, p += size)
		ioport_access(w, v, r->io.port, p, size,
			      r->io.direction == KVM_EXIT_IO_OUT);
}

static void mmio_exit(struct wvm *w, struct wvm_vcpu *v)
{
	struct kvm_run *r = v->run;

	/* Nothing of ours is memory-mapped: reads float high. */
	if (!r->mmio.is_write)
		memset(r->mmio.data, 0xff, sizeof(r->mmio.data));
	if (!__atomic_exchange_n(&w->mmio_warned, true, __ATOMIC_RELAXED))
		wvm_log_guest(w, "vCPU %u: MMIO %s at %#llx ignored (reported once)",
			v->id, r->mmio.is_write ? "write" : "read",
			(unsigned long long)r->mmio.phys_addr);
}

static void system_event_exit(struct wvm *w, struct wvm_vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		wvm_end_simple(w, v->id, WVM_EV_POWEROFF);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		wvm_end_simple(w, v->id, WVM_EV_RESET);
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		hyperv_crash(w, v);
		break;
	default:
		fatal(v, "unknown system event %u", v->run->system_event.type);
	}
}

static void handle_exit(struct wvm *w, struct wvm_vcpu *v)
{
	struct kvm_run *r = v->run;

	switch (r->exit_reason) {
	case KVM_EXIT_IO:
		count(v, WVM_EXIT_IO);
		io_exit(w, v);
		break;
	case KVM_EXIT_MMIO:
		count(v, WVM_EXIT_MMIO);
		mmio_exit(w, v);
		break;
	case KVM_EXIT_HLT:
		count(v, WVM_EXIT_HLT);
		break;
	case KVM_EXIT_HYPERV:
		count(v, WVM_EXIT_HYPERV);
		hyperv_exit(w, v);
		break;
	case KVM_EXIT_SHUTDOWN:
		count(v, WVM_EXIT_SHUTDOWN);
		wvm_end_simple(w, v->id, WVM_EV_TRIPLE_FAULT);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		count(v, WVM_EXIT_SYSTEM_EVENT);
		system_event_exit(w, v);
		break;
	case KVM_EXIT_INTR:
		count(v, WVM_EXIT_INTR);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		count(v, WVM_EXIT_OTHER);
		fatal(v, "KVM_EXIT_FAIL_ENTRY, reason %#llx",
		      (unsigned long long)r->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		count(v, WVM_EXIT_OTHER);
		fatal(v, "KVM_EXIT_INTERNAL_ERROR, suberror %u",
		      r->internal.suberror);
		break;
	default:
		count(v, WVM_EXIT_OTHER);
		fatal(v, "unexpected exit reason %u", r->exit_reason);
	}
}

/* Hold while paused; true when the vCPU must leave. */
static bool hold(struct wvm *w)
{
	enum wvm_state s = __atomic_load_n(&w->state, __ATOMIC_SEQ_CST);
	bool stop;

	if (s == WVM_RUNNING)
		return false;
	pthread_mutex_lock(&w->lock);
	if (w->state == WVM_PAUSED) {
		w->parked++;
		pthread_cond_broadcast(&w->cond);
		while (w->state == WVM_PAUSED)
			pthread_cond_wait(&w->cond, &w->lock);
		w->parked--;
	}
	stop = w->state == WVM_STOPPING;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

static void *vcpu_thread(void *arg)
{
	struct wvm_vcpu *v = arg;
	struct wvm *w = v->w;
	char name[16];
	sigset_t set;

	snprintf(name, sizeof(name), "vcpu%u", v->id);
	pthread_setname_np(pthread_self(), name);
	sigfillset(&set);
	sigdelset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_SETMASK, &set, NULL);

	while (!hold(w)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				__atomic_store_n(&v->run->immediate_exit, 0,
						 __ATOMIC_SEQ_CST);
				count(v, WVM_EXIT_INTR);
				continue;
			}
			fatal(v, "KVM_RUN: %s", strerror(errno));
			break;
		}
		handle_exit(w, v);
	}

	pthread_mutex_lock(&w->lock);
	w->live--;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int vcpu_start(struct wvm_vcpu *v)
{
	sigset_t all, old;
	int ret;

	/* The thread starts with everything blocked and opens the kick. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&v->thread, NULL, vcpu_thread, v);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ret)
		__atomic_store_n(&v->started, true, __ATOMIC_RELEASE);
	return ret;
}
