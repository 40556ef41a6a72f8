// SPDX-License-Identifier: GPL-2.0
/*
 * hvadm monitor: print VID's events as they arrive, and those of
 * hvkvm_vmbus and hvkvm_ic when their modules are loaded, each socket
 * read as it is ready.
 */
#define _GNU_SOURCE		/* ppoll */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include <linux/hvkvm_vid.h>

#include "hvadm.h"
#include "utils.h"

static const char *const events[] = {
	[HVKVM_VID_CMD_VM_NEW_NTF] = "new",
	[HVKVM_VID_CMD_VM_SET_NTF] = "set",
	[HVKVM_VID_CMD_VM_DEL_NTF] = "del",
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct printer *p = data;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl) ||
	    genl->cmd >= sizeof(events) / sizeof(events[0]) || !events[genl->cmd])
		return MNL_CB_OK;
	print_open_object(p, NULL);
	print_string(p, PRINT_ANY, "event", "%s ", events[genl->cmd]);
	vm_print(p, "vm", nlh);
	print_close_object(p);
	print_end(p);		/* one line (NDJSON) and a flush per event */
	return ferror(p->f) ? MNL_CB_ERROR : MNL_CB_OK;	/* errno is set */
}

static int vmbus_cb(const struct nlmsghdr *nlh, void *data)
{
	return vmbus_event_print(data, nlh);
}

static int ic_cb(const struct nlmsghdr *nlh, void *data)
{
	return ic_event_print(data, nlh);
}

/* The optional families' events: a socket each, NULL when absent. */
static const struct extra {
	const char *what;		/* for "WHAT events lost" */
	mnl_cb_t cb;
} extras[] = {
	{ "VMBus", vmbus_cb },
	{ "IC", ic_cb },
};

#define NEXTRA (sizeof(extras) / sizeof(extras[0]))

static void on_signal(int sig)
{
	(void)sig;		/* only to interrupt ppoll */
}

/*
 * Wait, with the signal mask sigmask, for the events of VID and of the
 * extra families (extra[i], or NULL), and print them until a signal or
 * an error.
 */
static int watch(struct hvadm *h, struct nl *const extra[NEXTRA],
		 const sigset_t *sigmask)
{
	struct pollfd pfd[1 + NEXTRA] = {
		{ .fd = nl_fd(&h->nl), .events = POLLIN },
	};
	unsigned int i;
	int err;

	for (i = 0; i < NEXTRA; i++) {
		pfd[1 + i].fd = extra[i] ? nl_fd(extra[i]) : -1;
		pfd[1 + i].events = POLLIN;
	}
	for (;;) {
		if (ppoll(pfd, 1 + NEXTRA, NULL, sigmask) < 0)
			return errno == EINTR ? 0 : pr_err("poll: %s", strerror(errno));
		err = 0;
		if (pfd[0].revents) {
			err = nl_recv(&h->nl, event_cb, &h->pr);
			if (err == -ENOBUFS)
				pr_warn("events lost: the socket's receive buffer overflowed");
			else if (err < 0)
				return hvadm_perror(h, err);
		}
		for (i = 0; i < NEXTRA; i++) {
			if (!pfd[1 + i].revents)
				continue;
			err = nl_recv(extra[i], extras[i].cb, &h->pr);
			if (err == -ENOBUFS)
				pr_warn("%s events lost: the socket's receive buffer overflowed",
					extras[i].what);
			else if (err < 0)
				return nl_perror(extra[i], err);
		}
	}
}

/* Join *nl's events; on failure say so, and go on without them. */
static void join_extra(struct nl **nl, const char *family)
{
	int err;

	if (!*nl)
		return;
	err = nl_join(*nl);
	if (!err)
		return;
	pr_warn("cannot join the events of %s: %s", family, strerror(-err));
	nl_close(*nl);
	free(*nl);
	*nl = NULL;
}

int do_monitor(struct hvadm *h, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, old;
	int err;

	if (argc && !strcmp(argv[0], "help")) {
		fputs("Usage: hvadm [ OPTIONS ] monitor\n"
		      "Print every VM created (new), changed (set) or deleted (del)\n"
		      "until interrupted. With hvkvm_vmbus loaded, also a guest's VMBus\n"
		      "connecting (vmbus-connected, with its version) or going\n"
		      "(vmbus-disconnected); with hvkvm_ic loaded, its heartbeat lost and\n"
		      "regained (heartbeat-lost, heartbeat-regained), and its answer to a\n"
		      "shutdown (shutdown-answered). With -j, one JSON object per line.\n",
		      stdout);
		return 0;
	}
	if (argc)
		return pr_err("unexpected argument \"%s\", try \"hvadm monitor help\"",
			      argv[0]);

	/* SIGINT and SIGTERM are blocked except while waiting for events. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigdelset(&old, SIGINT);
	sigdelset(&old, SIGTERM);

	if (hvadm_connect(h, true))
		return -1;
	err = nl_join(&h->nl);
	if (err)
		return hvadm_perror(h, err);
	/* VMBus and the ICs are extra: without their modules, VID's only */
	if (vmbus_connect(h, false, true) > 0)
		join_extra(&h->vmbus, "hvkvm_vmbus");
	if (ic_connect(h, false, true) > 0)
		join_extra(&h->ic, "hvkvm_ic");
	return watch(h, (struct nl *const[NEXTRA]){ h->vmbus, h->ic }, &old);
}
