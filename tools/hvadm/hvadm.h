/* SPDX-License-Identifier: GPL-2.0 */
/* hvadm: what the dispatcher and the objects share. */
#ifndef HVADM_H
#define HVADM_H

#include <stdbool.h>

#include "nl.h"
#include "print.h"

#define HVADM_VERSION "0.1"

struct hvadm {
	struct printer pr;	/* stdout, text or JSON */
	bool json;
	bool pretty;
	struct nl nl;		/* opened by hvadm_connect */
};

/* An object or a verb: a table of these is a dispatcher. */
struct cmd {
	const char *name;
	int (*fn)(struct hvadm *h, int argc, char **argv);
	const char *desc;
};

const struct cmd *cmd_find(const struct cmd *table, const char *name);

/*
 * Resolve the VID family (and its events group, when events). On failure,
 * print the error and return -1.
 */
int hvadm_connect(struct hvadm *h, bool events);

/* Print the error err (-errno) of a request, with the kernel's extack. */
int hvadm_perror(struct hvadm *h, int err);

int do_vm(struct hvadm *h, int argc, char **argv);
int do_monitor(struct hvadm *h, int argc, char **argv);

/* Print the VM record carried by a VM_GET reply or a notification. */
void vm_print(struct printer *p, const char *key, const struct nlmsghdr *nlh);

#endif /* HVADM_H */
