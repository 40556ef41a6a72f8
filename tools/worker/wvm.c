// SPDX-License-Identifier: GPL-2.0
/*
 * The VM object: creation in order, the run state machine shared with the
 * vCPU threads (running, paused, stopping), events, and introspection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "logfile.h"

static void report_suppressed(struct wvm *w, unsigned int missed)
{
	fprintf(stderr, "hvkvm-worker[%s]: %u lines suppressed (at most %d in %d s)\n",
		w->name, missed, WVM_LOG_BURST, WVM_LOG_INTERVAL_MS / 1000);
}

/* The default log: stderr, the guest's lines within the rate limit. */
static void default_log(struct wvm *w, const char *line, bool guest)
{
	unsigned int missed = 0;
	bool allow = true;

	if (guest) {
		pthread_mutex_lock(&w->log_lock);
		allow = ratelimit_allow(&w->log_rl, ratelimit_now_ms(), &missed);
		pthread_mutex_unlock(&w->log_lock);
	}
	if (missed)
		report_suppressed(w, missed);
	if (allow)
		fprintf(stderr, "%s\n", line);
}

static void vlog(struct wvm *w, bool guest, const char *fmt, va_list ap)
{
	char line[320];
	int n;

	n = snprintf(line, sizeof(line), "hvkvm-worker[%s]: ", w->name);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (w->cfg.log)
		w->cfg.log(line, guest, w->cfg.opaque);
	else
		default_log(w, line, guest);
}

void wvm_log(struct wvm *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(w, false, fmt, ap);
	va_end(ap);
}

void wvm_log_guest(struct wvm *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(w, true, fmt, ap);
	va_end(ap);
}

/* Record why creation failed; returns -err so callers can return it. */
int wvm_fail(struct wvm *w, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	return -err;
}

static void kick_all(struct wvm *w)
{
	unsigned int i;

	for (i = 0; i < w->nr_vcpus; i++)
		if (__atomic_load_n(&w->vcpus[i].started, __ATOMIC_ACQUIRE))
			vcpu_kick(&w->vcpus[i]);
}

/* The VM ends: record the first event, stop every vCPU, tell the owner. */
void wvm_end(struct wvm *w, const struct wvm_event *ev)
{
	bool first = false;

	pthread_mutex_lock(&w->lock);
	if (!w->ended) {
		w->ended = true;
		w->event = *ev;
		first = true;
	}
	__atomic_store_n(&w->state, WVM_STOPPING, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);

	if (!first)
		return;
	kick_all(w);
	if (w->cfg.event)
		w->cfg.event(w, ev, w->cfg.opaque);
}

void wvm_end_simple(struct wvm *w, unsigned int vcpu, enum wvm_event_type t)
{
	struct wvm_event ev = { .type = t, .vcpu = vcpu };

	wvm_end(w, &ev);
}

void wvm_irq_line(struct wvm *w, unsigned int irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	if (ioctl(w->vm_fd, KVM_IRQ_LINE, &l) < 0)
		wvm_log_guest(w, "KVM_IRQ_LINE %u: %s", irq, strerror(errno));
}

/* Host address of [gpa, gpa + len) if it lies inside one RAM region. */
void *wvm_gpa(struct wvm *w, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < w->nr_mem; i++) {
		struct wvm_mem_region *m = &w->mem[i];

		if (gpa >= m->gpa && len <= m->size &&
		    gpa - m->gpa <= m->size - len)
			return (uint8_t *)m->hva + (gpa - m->gpa);
	}
	return NULL;
}

static int check_config(struct wvm *w, const struct wvm_config *cfg)
{
	if (!cfg->kernel)
		return wvm_fail(w, EINVAL, "no kernel given");
	if (cfg->vcpus < 1 || cfg->vcpus > WVM_MAX_VCPUS)
		return wvm_fail(w, EINVAL, "vcpus must be 1..%d, not %u",
				WVM_MAX_VCPUS, cfg->vcpus);
	if (cfg->memory_mib < WVM_MIN_MEMORY_MIB ||
	    cfg->memory_mib > WVM_MAX_MEMORY_MIB)
		return wvm_fail(w, EINVAL, "memory must be %d..%d MiB, not %u",
				WVM_MIN_MEMORY_MIB, WVM_MAX_MEMORY_MIB,
				cfg->memory_mib);
	if (cfg->console_log_cap &&
	    (cfg->console_log_cap < LOGFILE_CAP_MIN ||
	     cfg->console_log_cap > LOGFILE_CAP_MAX))
		return wvm_fail(w, EINVAL,
				"console log cap must be %u to %llu bytes, not %llu",
				LOGFILE_CAP_MIN, LOGFILE_CAP_MAX,
				(unsigned long long)cfg->console_log_cap);
	return 0;
}

static int create_vcpus(struct wvm *w)
{
	unsigned int i;
	int ret;

	w->vcpus = calloc(w->nr_vcpus, sizeof(*w->vcpus));
	if (!w->vcpus)
		return wvm_fail(w, ENOMEM, "out of memory");
	for (i = 0; i < w->nr_vcpus; i++)
		w->vcpus[i].fd = -1;
	for (i = 0; i < w->nr_vcpus; i++) {
		ret = vcpu_create(w, &w->vcpus[i], i);
		if (ret)
			return ret;
	}
	return 0;
}

int wvm_create(const struct wvm_config *cfg, struct wvm **wp,
	       char *err, size_t errlen)
{
	struct boot_image img = { 0 };
	pthread_condattr_t ca;
	struct wvm *w;
	int ret;

	*wp = NULL;
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w->cfg = *cfg;
	snprintf(w->name, sizeof(w->name), "%s", cfg->name ? cfg->name : "vm");
	w->kvm_fd = w->vm_fd = -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_mutex_init(&w->dev_lock, NULL);
	pthread_mutex_init(&w->log_lock, NULL);
	w->log_rl = (struct ratelimit)RATELIMIT_INIT(WVM_LOG_INTERVAL_MS,
						     WVM_LOG_BURST);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);

	/* Everything about the boot spec is checked before KVM is touched. */
	ret = check_config(w, cfg);
	if (ret)
		goto fail;
	w->nr_vcpus = cfg->vcpus;
	w->ram_size = (uint64_t)cfg->memory_mib * SZ_1M;
	ret = boot_prepare(w, &img, cfg->kernel, cfg->initrd, cfg->cmdline);
	if (ret)
		goto fail;

	ret = kvm_open(w);
	if (!ret)
		ret = kvm_create_vm(w);
	if (!ret)
		ret = kvm_setup_memory(w);
	if (!ret)
		ret = cpuid_build(w);
	if (!ret)
		ret = create_vcpus(w);
	if (!ret)
		ret = boot_load(w, &img);
	if (!ret)
		ret = boot_setup_bsp(w, &w->vcpus[0]);
	if (!ret)
		ret = uart_create(w, &w->uart);
	if (!ret)
		ret = console_create(w, &w->con);
	if (ret)
		goto fail;
	boot_release(&img);
	/* The strings are the caller's: keep none of them past creation. */
	w->cfg.name = w->name;
	w->cfg.kernel = w->cfg.initrd = w->cfg.cmdline = NULL;
	w->cfg.console_log = w->cfg.console_sock = NULL;
	*wp = w;
	return 0;

fail:
	boot_release(&img);
	snprintf(err, errlen, "%s", w->err[0] ? w->err : strerror(-ret));
	wvm_destroy(w);
	return ret;
}

int wvm_run(struct wvm *w)
{
	unsigned int i;
	int ret;

	pthread_mutex_lock(&w->lock);
	if (w->state != WVM_CREATED) {
		pthread_mutex_unlock(&w->lock);
		return -EINVAL;
	}
	w->state = WVM_RUNNING;
	pthread_mutex_unlock(&w->lock);

	ret = vcpu_setup_signals();
	for (i = 0; !ret && i < w->nr_vcpus; i++) {
		pthread_mutex_lock(&w->lock);
		w->live++;
		pthread_mutex_unlock(&w->lock);
		ret = vcpu_start(&w->vcpus[i]);
		if (ret) {
			pthread_mutex_lock(&w->lock);
			w->live--;
			pthread_mutex_unlock(&w->lock);
		}
	}
	if (ret) {
		struct wvm_event ev = { .type = WVM_EV_ERROR };

		snprintf(ev.msg, sizeof(ev.msg), "cannot start vCPU threads: %s",
			 strerror(-ret));
		wvm_end(w, &ev);
	}
	return ret;
}

int wvm_pause(struct wvm *w)
{
	int ret = 0;

	pthread_mutex_lock(&w->lock);
	if (w->state == WVM_RUNNING)
		__atomic_store_n(&w->state, WVM_PAUSED, __ATOMIC_SEQ_CST);
	else if (w->state != WVM_PAUSED)
		ret = -EINVAL;
	pthread_mutex_unlock(&w->lock);
	if (ret)
		return ret;

	kick_all(w);
	pthread_mutex_lock(&w->lock);
	while (w->state == WVM_PAUSED && w->parked < w->live)
		pthread_cond_wait(&w->cond, &w->lock);
	if (w->state != WVM_PAUSED)
		ret = -ESHUTDOWN;
	pthread_mutex_unlock(&w->lock);
	return ret;
}

int wvm_resume(struct wvm *w)
{
	int ret = 0;

	pthread_mutex_lock(&w->lock);
	if (w->state == WVM_PAUSED) {
		__atomic_store_n(&w->state, WVM_RUNNING, __ATOMIC_SEQ_CST);
		pthread_cond_broadcast(&w->cond);
	} else if (w->state != WVM_RUNNING) {
		ret = -EINVAL;
	}
	pthread_mutex_unlock(&w->lock);
	return ret;
}

int wvm_request_stop(struct wvm *w, enum wvm_stop_mode mode)
{
	if (mode == WVM_STOP_GRACEFUL)
		return pm_power_button(w);
	wvm_end_simple(w, 0, WVM_EV_STOPPED);
	return 0;
}

int wvm_wait(struct wvm *w, int timeout_ms, struct wvm_event *ev)
{
	struct timespec ts;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (timeout_ms >= 0) {
		ts.tv_sec += timeout_ms / 1000;
		ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&w->lock);
	while (!ret && (!w->ended || w->live)) {
		if (w->state == WVM_CREATED)
			ret = -EINVAL;
		else if (timeout_ms < 0)
			pthread_cond_wait(&w->cond, &w->lock);
		else
			ret = -pthread_cond_timedwait(&w->cond, &w->lock, &ts);
	}
	if (!ret && ev)
		*ev = w->event;
	pthread_mutex_unlock(&w->lock);
	return ret;
}

void wvm_destroy(struct wvm *w)
{
	unsigned int i;

	if (!w)
		return;
	if (w->state != WVM_CREATED) {
		wvm_end_simple(w, 0, WVM_EV_STOPPED);
		for (i = 0; i < w->nr_vcpus; i++)
			if (w->vcpus[i].started)
				pthread_join(w->vcpus[i].thread, NULL);
	}
	console_destroy(w->con);
	uart_destroy(w->uart);
	for (i = 0; w->vcpus && i < w->nr_vcpus; i++)
		vcpu_destroy(&w->vcpus[i]);
	free(w->vcpus);
	free(w->cpuid);
	kvm_close(w);
	/* The default log's last count of suppressed lines is not lost. */
	if (!w->cfg.log && w->log_rl.missed)
		report_suppressed(w, w->log_rl.missed);
	pthread_mutex_destroy(&w->log_lock);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->dev_lock);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

unsigned int wvm_nr_vcpus(const struct wvm *w)
{
	return w->nr_vcpus;
}

int wvm_vcpu_stats(const struct wvm *w, unsigned int vcpu,
		   struct wvm_vcpu_stats *st)
{
	unsigned int i;

	if (vcpu >= w->nr_vcpus)
		return -EINVAL;
	for (i = 0; i < WVM_EXIT_NR; i++)
		st->exits[i] = __atomic_load_n(&w->vcpus[vcpu].stats.exits[i],
					       __ATOMIC_RELAXED);
	return 0;
}

int wvm_vcpu_synic(struct wvm *w, unsigned int vcpu, struct wvm_synic *s)
{
	if (vcpu >= w->nr_vcpus)
		return -EINVAL;
	pthread_mutex_lock(&w->lock);
	*s = w->vcpus[vcpu].synic;
	pthread_mutex_unlock(&w->lock);
	return 0;
}

const struct wvm_mem_region *wvm_memory(const struct wvm *w, unsigned int *nr)
{
	*nr = w->nr_mem;
	return w->mem;
}

int wvm_vm_fd(const struct wvm *w)
{
	return w->vm_fd;
}

int wvm_vcpu_fd(const struct wvm *w, unsigned int vcpu)
{
	return vcpu < w->nr_vcpus ? w->vcpus[vcpu].fd : -1;
}

const char *wvm_event_name(enum wvm_event_type t)
{
	static const char *const names[] = {
		[WVM_EV_POWEROFF] = "poweroff",
		[WVM_EV_RESET] = "reset",
		[WVM_EV_TRIPLE_FAULT] = "triple-fault",
		[WVM_EV_CRASH] = "crash",
		[WVM_EV_STOPPED] = "stopped",
		[WVM_EV_ERROR] = "error",
	};

	if ((unsigned int)t < ARRAY_SIZE(names) && names[t])
		return names[t];
	return "unknown";
}

const char *wvm_exit_name(enum wvm_exit_kind k)
{
	static const char *const names[WVM_EXIT_NR] = {
		[WVM_EXIT_IO] = "io",
		[WVM_EXIT_MMIO] = "mmio",
		[WVM_EXIT_HLT] = "hlt",
		[WVM_EXIT_HYPERV] = "hyperv",
		[WVM_EXIT_SHUTDOWN] = "shutdown",
		[WVM_EXIT_SYSTEM_EVENT] = "system_event",
		[WVM_EXIT_INTR] = "intr",
		[WVM_EXIT_OTHER] = "other",
	};

	return (unsigned int)k < WVM_EXIT_NR ? names[k] : "unknown";
}
