// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm-worker: run one VM from the command line (for testing, until the
 * VID-driven mode exists). All the work is in the wvm core; this file only
 * parses options, waits for the VM to end, and turns its end into an exit
 * status.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../hvadm/utils.h"
#include "logfile.h"
#include "vidctl.h"
#include "wvm.h"

enum {
	EXIT_POWEROFF = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_RESET = 3,
	EXIT_TRIPLE_FAULT = 4,
	EXIT_CRASH = 5,
	EXIT_STOPPED = 6,
};

static const char usage_text[] =
"usage: hvkvm-worker NAME\n"
"         run partition NAME for VID (hvadm vm start does this)\n"
"       hvkvm-worker --kernel PATH [--initrd PATH] [--cmdline STR]\n"
"                    --memory MiB --vcpus N --console-log FILE\n"
"                    [--console-log-cap SIZE] [--console-sock PATH]\n"
"                    [--name NAME] [--stats]\n"
"                    [--stop-timeout SECS] [--no-stimer]\n"
"exit status: 0 powered off, 1 error, 2 usage, 3 reset, 4 triple fault,\n"
"             5 guest crash, 6 stopped by a signal\n"
"signals: TERM force stop; INT power button, force after --stop-timeout;\n"
"         USR1 pause; USR2 resume\n";

static void usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "hvkvm-worker: %s\n", msg);
	fputs(usage_text, stderr);
	exit(EXIT_USAGE);
}

static unsigned int number(const char *opt, const char *s, unsigned int max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-') {
		fprintf(stderr, "hvkvm-worker: bad value for --%s: %s\n", opt, s);
		exit(EXIT_USAGE);
	}
	return v;
}

/* A byte count as hvadm takes it (1048576, 64K, 1M), within the log caps. */
static uint64_t log_cap(const char *opt, const char *s)
{
	uint64_t v;

	if (parse_size(s, &v) || v < LOGFILE_CAP_MIN || v > LOGFILE_CAP_MAX) {
		fprintf(stderr, "hvkvm-worker: bad value for --%s: %s (%uK to %lluG)\n",
			opt, s, LOGFILE_CAP_MIN >> 10, LOGFILE_CAP_MAX >> 30);
		exit(EXIT_USAGE);
	}
	return v;
}

static void on_event(struct wvm *w, const struct wvm_event *ev, void *opaque)
{
	uint64_t one = 1;

	(void)w, (void)ev;
	(void)!write(*(int *)opaque, &one, sizeof(one));
}

static int report(const char *name, const struct wvm_event *ev)
{
	switch (ev->type) {
	case WVM_EV_POWEROFF:
		fprintf(stderr, "hvkvm-worker[%s]: guest powered off\n", name);
		return EXIT_POWEROFF;
	case WVM_EV_RESET:
		fprintf(stderr, "hvkvm-worker[%s]: guest reset (vCPU %u)\n",
			name, ev->vcpu);
		return EXIT_RESET;
	case WVM_EV_TRIPLE_FAULT:
		fprintf(stderr, "hvkvm-worker[%s]: triple fault on vCPU %u\n",
			name, ev->vcpu);
		return EXIT_TRIPLE_FAULT;
	case WVM_EV_CRASH:
		fprintf(stderr,
			"hvkvm-worker[%s]: guest crashed on vCPU %u: P0=%#llx P1=%#llx P2=%#llx P3=%#llx P4=%#llx\n",
			name, ev->vcpu,
			(unsigned long long)ev->crash[0],
			(unsigned long long)ev->crash[1],
			(unsigned long long)ev->crash[2],
			(unsigned long long)ev->crash[3],
			(unsigned long long)ev->crash[4]);
		return EXIT_CRASH;
	case WVM_EV_STOPPED:
		fprintf(stderr, "hvkvm-worker[%s]: stopped\n", name);
		return EXIT_STOPPED;
	default:
		fprintf(stderr, "hvkvm-worker[%s]: error: %s\n", name, ev->msg);
		return EXIT_ERROR;
	}
}

static void print_stats(struct wvm *w, const char *name)
{
	struct wvm_vcpu_stats st;
	unsigned int i, k;

	for (i = 0; i < wvm_nr_vcpus(w); i++) {
		if (wvm_vcpu_stats(w, i, &st))
			continue;
		fprintf(stderr, "hvkvm-worker[%s]: vcpu%u exits:", name, i);
		for (k = 0; k < WVM_EXIT_NR; k++)
			fprintf(stderr, " %s=%llu", wvm_exit_name(k),
				(unsigned long long)st.exits[k]);
		fputc('\n', stderr);
	}
}

/* Wait for the VM to end, acting on signals meanwhile. */
static void supervise(struct wvm *w, int evfd, int sigfd, int stop_timeout)
{
	struct pollfd p[2] = {
		{ .fd = evfd, .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
	};
	struct signalfd_siginfo si;
	int timeout = -1;

	for (;;) {
		int n = poll(p, 2, timeout);

		if (n < 0 && errno != EINTR)
			break;
		if (n == 0) {			/* graceful stop timed out */
			wvm_request_stop(w, WVM_STOP_FORCE);
			break;
		}
		if (p[0].revents)
			break;
		if (!(p[1].revents & POLLIN) ||
		    read(sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		switch (si.ssi_signo) {
		case SIGINT:
			wvm_request_stop(w, WVM_STOP_GRACEFUL);
			timeout = stop_timeout * 1000;
			break;
		case SIGUSR1:
			wvm_pause(w);
			break;
		case SIGUSR2:
			wvm_resume(w);
			break;
		default:
			wvm_request_stop(w, WVM_STOP_FORCE);
			return;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'n' },
		{ "console-log", required_argument, NULL, 'l' },
		{ "console-log-cap", required_argument, NULL, 'L' },
		{ "console-sock", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'N' },
		{ "stats", no_argument, NULL, 'S' },
		{ "stop-timeout", required_argument, NULL, 'T' },
		{ "no-stimer", no_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct wvm_config cfg = { .name = "vm" };
	struct wvm_event ev;
	bool stats = false;
	int stop_timeout = 30;
	char err[256];
	struct wvm *w;
	sigset_t sigs;
	int c, evfd, sigfd, status;

	/* The worker VID drives: `hvkvm-worker NAME`. */
	if (argc == 2 && argv[1][0] != '-')
		return vidctl_main(argv[1]);

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': cfg.kernel = optarg; break;
		case 'i': cfg.initrd = optarg; break;
		case 'c': cfg.cmdline = optarg; break;
		case 'm': cfg.memory_mib = number("memory", optarg, WVM_MAX_MEMORY_MIB); break;
		case 'n': cfg.vcpus = number("vcpus", optarg, WVM_MAX_VCPUS); break;
		case 'l': cfg.console_log = optarg; break;
		case 'L': cfg.console_log_cap = log_cap("console-log-cap", optarg); break;
		case 's': cfg.console_sock = optarg; break;
		case 'N': cfg.name = optarg; break;
		case 'S': stats = true; break;
		case 'T': stop_timeout = number("stop-timeout", optarg, 3600); break;
		case 'X': cfg.no_stimer = true; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: usage(NULL);
		}
	}
	if (optind < argc)
		usage("unexpected argument");
	if (!cfg.kernel || !cfg.memory_mib || !cfg.vcpus || !cfg.console_log)
		usage("--kernel, --memory, --vcpus and --console-log are required");

	/* Signals are read from a signalfd; vCPU threads never see them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGUSR2);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	evfd = eventfd(0, EFD_CLOEXEC);
	if (sigfd < 0 || evfd < 0) {
		perror("hvkvm-worker: signalfd/eventfd");
		return EXIT_ERROR;
	}
	cfg.event = on_event;
	cfg.opaque = &evfd;

	if (wvm_create(&cfg, &w, err, sizeof(err))) {
		fprintf(stderr, "hvkvm-worker: %s\n", err);
		return EXIT_ERROR;
	}
	if (wvm_run(w) == 0)
		supervise(w, evfd, sigfd, stop_timeout);
	wvm_wait(w, -1, &ev);
	status = report(cfg.name, &ev);
	if (stats)
		print_stats(w, cfg.name);
	wvm_destroy(w);
	return status;
}
