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
	struct nl *vmbus;	/* hvkvm_vmbus, opened by vmbus_connect */
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
 * As vm_print, with more of the VM: extra, if not NULL, prints it inside
 * the VM's object (and its text), after VID's fields, given the VM's name.
 */
typedef void (*vm_extra_fn)(struct printer *p, const char *name, void *data);
void vm_print_ext(struct printer *p, const char *key, const struct nlmsghdr *nlh,
		  vm_extra_fn extra, void *data);

/* The name of the VM hd names, asked of VID (allocated), or NULL (said). */
char *vm_name(struct hvadm *h, const struct vm_handle *hd);

/* ---- hvkvm_vmbus (vmbus.c) ---- */

/*
 * Open h->vmbus on the family hvkvm_vmbus (and its events group, with
 * events). Returns 1 when it is there, 0 when it is not (its module is not
 * loaded; said only when required), -1 on any other error (said).
 */
int vmbus_connect(struct hvadm *h, bool required, bool events);

/*
 * The VMBus side of VMs, for vm show and vm list: read before the VMs are
 * printed (vmbus_state_dump, every VM's) or while they are (the VM's own,
 * with a request per VM), then printed inside each VM by vmbus_state_print.
 */
struct vmbus_state;
struct vmbus_state *vmbus_state_new(struct hvadm *h, bool dump);
void vmbus_state_free(struct vmbus_state *st);
void vmbus_state_print(struct printer *p, const char *name, void *st);

/* vm shutdown, vm kvp */
int vm_shutdown(struct hvadm *h, int argc, char **argv);
int vm_kvp(struct hvadm *h, int argc, char **argv);
int vm_ic(struct hvadm *h, int argc, char **argv);

/* Print a notification of hvkvm_vmbus's events group (monitor). */
int vmbus_event_print(struct printer *p, const struct nlmsghdr *nlh);

/*
 * Parse a VM record into tb[0..HVKVM_VID_A_MAX]: the attributes hvadm
 * knows and that are well formed, the others NULL.
 */
void vm_parse(const struct nlmsghdr *nlh, const struct nlattr **tb);

/* The crash nest (HVKVM_VID_A_VM_CRASH) of a record; kind UINT32_MAX if none. */
struct crash_info;
void vm_crash(const struct nlattr *nest, struct crash_info *c);

#endif /* HVADM_H */
