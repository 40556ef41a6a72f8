/* SPDX-License-Identifier: GPL-2.0 */
/* hvadm: what the dispatcher and the objects share. */
#ifndef HVADM_H
#define HVADM_H

#include <stdbool.h>
#include <stdint.h>

#include "nl.h"
#include "print.h"

#define HVADM_VERSION "0.1"

struct hvadm {
	struct printer pr;	/* stdout, text or JSON */
	bool json;
	bool pretty;
	struct nl nl;		/* opened by hvadm_connect */
	struct nl *ev;		/* events, opened by hvadm_connect_events */
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

/*
 * Open a second socket, h->ev, and join the events group on it, so that
 * notifications never mix with the replies on h->nl. On failure, print the
 * error and return -1.
 */
int hvadm_connect_events(struct hvadm *h);

/* Print the error err (-errno) of a request, with the kernel's extack. */
int hvadm_perror(struct hvadm *h, int err);

int do_vm(struct hvadm *h, int argc, char **argv);

/* VM := { NAME | name NAME | id ID } */
struct vm_handle {
	const char *name;	/* or NULL, then id */
	uint32_t id;
};

/* Parse a VM; returns the count of args taken, or -1 (said). */
int parse_handle(int argc, char **argv, struct vm_handle *hd);
void put_handle(struct nl *nl, struct nlmsghdr *nlh, const struct vm_handle *hd);

/* vm start, stop, pause, resume (lifecycle.c); vm console (console.c) */
int vm_start(struct hvadm *h, int argc, char **argv);
int vm_stop(struct hvadm *h, int argc, char **argv);
int vm_pause(struct hvadm *h, int argc, char **argv);
int vm_resume(struct hvadm *h, int argc, char **argv);
int vm_console(struct hvadm *h, int argc, char **argv);

/* The name of a state ("running"), or "unknown(N)" in buf. */
const char *state_name(uint32_t state, char buf[24]);
int do_monitor(struct hvadm *h, int argc, char **argv);

/* Print the VM record carried by a VM_GET reply or a notification. */
void vm_print(struct printer *p, const char *key, const struct nlmsghdr *nlh);

/*
 * Parse a VM record into tb[0..HVKVM_VID_A_MAX]: the attributes hvadm
 * knows and that are well formed, the others NULL.
 */
void vm_parse(const struct nlmsghdr *nlh, const struct nlattr **tb);

/* The crash nest (HVKVM_VID_A_VM_CRASH) of a record; kind UINT32_MAX if none. */
struct crash_info;
void vm_crash(const struct nlattr *nest, struct crash_info *c);

#endif /* HVADM_H */
