// SPDX-License-Identifier: GPL-2.0
/* hvadm monitor: print VID's events as they arrive. */
#include <errno.h>
#include <signal.h>
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

static void on_signal(int sig)
{
	(void)sig;		/* only to interrupt ppoll */
}

int do_monitor(struct hvadm *h, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, old;
	int err;

	if (argc && !strcmp(argv[0], "help")) {
		fputs("Usage: hvadm [ OPTIONS ] monitor\n"
		      "Print every VM created (new), changed (set) or deleted (del)\n"
		      "until interrupted. With -j, one JSON object per line.\n", stdout);
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
	do {
		err = nl_listen(&h->nl, &old, event_cb, &h->pr);
		if (err == -ENOBUFS)
			pr_warn("events lost: the socket's receive buffer overflowed");
	} while (err == -ENOBUFS);
	return err == -EINTR ? 0 : hvadm_perror(h, err);
}
