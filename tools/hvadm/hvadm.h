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
	struct nl *ic;		/* hvkvm_ic, opened by ic_connect */
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
/* hvadm disk (disk.c): LIO's configfs, no netlink */
int do_disk(struct hvadm *h, int argc, char **argv);

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

/* Tries of a dump that raced with a change, before printing it anyway. */
#define DUMP_TRIES 4

/* ---- the families beside VID's (family.c) ---- */

struct family {
	const char *name;	/* "hvkvm_ic" */
	uint8_t version;
	const char *mcgrp;	/* its events group */
	const char *module;	/* "hvkvm_ic" */
};

/*
 * Open *nlp on family f (and its events group, with events). Returns 1
 * when it is there, 0 when it is not (its module is not loaded; said only
 * when required), -1 on any other error (said).
 */
int family_connect(struct nl **nlp, const struct family *f, bool required,
		   bool events);
/* Print the error err (-errno) of a request on nl; returns -1. */
int family_perror(const struct nl *nl, int err);

/*
 * A family's records of running VMs, by VM name (attribute name_attr):
 * with dump, every VM's read now (NULL, said, if that fails); else one
 * request per records_find. records_find returns NULL for a VM the
 * family does not know.
 */
struct records;
struct records *records_new(struct nl *nl, uint8_t cmd, uint16_t name_attr,
			    bool dump, const char *what);
const struct nlmsghdr *records_find(struct records *r, const char *name);
void records_free(struct records *r);

/*
 * A dump about one VM, asked by its name (name_attr): every reply, in
 * order. A dump flagged NLM_F_DUMP_INTR is asked again, up to DUMP_TRIES
 * times, then kept with a warning. NULL on an error: said, but for
 * -ENOENT (the VM does not run, or no longer).
 */
struct records *records_dump(struct nl *nl, uint8_t cmd, uint16_t name_attr,
			     const char *name, const char *what);
/* The i-th record of a dump, or NULL past the last (or if r is NULL). */
const struct nlmsghdr *records_at(const struct records *r, size_t i);

/* Warnings printed at the end of a VM's VMBus section. */
#define MAX_WARNINGS 16
struct warnings {
	unsigned int n;
	char *msg[MAX_WARNINGS];
};

void warn_add(struct warnings *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- hvkvm_vmbus (vmbus.c) ---- */

/*
 * Open h->vmbus on the family hvkvm_vmbus (and its events group, with
 * events). Returns 1 when it is there, 0 when it is not (its module is not
 * loaded; said only when required), -1 on any other error (said).
 */
int vmbus_connect(struct hvadm *h, bool required, bool events);

/*
 * The VMBus side of VMs, for vm show and vm list: read before the VMs are
 * printed (a dump, every VM's) or while they are (the VM's own, with a
 * request per VM), then printed inside each VM by vmbus_state_print:
 * VMBus's own part, then each VSP's section.
 */
struct vmbus_state;
struct vmbus_state *vmbus_state_new(struct hvadm *h, bool dump);
void vmbus_state_free(struct vmbus_state *st);
void vmbus_state_print(struct printer *p, const char *name, void *st);

/* Print a notification of hvkvm_vmbus's events group (monitor). */
int vmbus_event_print(struct printer *p, const struct nlmsghdr *nlh);

/*
 * A VSP's section of a VM's VMBus side in vm show and vm list (a table
 * of them in vmbus.c): what the VSP's own family says of the VM, printed
 * after VMBus's channels. open returns NULL when the family is not there
 * (no section: that is no error); print prints nothing for a VM the
 * family does not know.
 */
struct vsp_section {
	const char *name;
	void *(*open)(struct hvadm *h, bool dump);
	void (*print)(struct printer *p, const char *vm, void *st,
		      struct warnings *w);
	void (*close)(void *st);
};

/* ---- hvkvm_ic (ic.c) ---- */

extern const struct vsp_section ic_section;

/* vm shutdown, vm kvp, vm ic */
int vm_shutdown(struct hvadm *h, int argc, char **argv);
int vm_kvp(struct hvadm *h, int argc, char **argv);
int vm_ic(struct hvadm *h, int argc, char **argv);

/* Open h->ic on hvkvm_ic, as vmbus_connect. */
int ic_connect(struct hvadm *h, bool required, bool events);
/* Print a notification of hvkvm_ic's events group (monitor). */
int ic_event_print(struct printer *p, const struct nlmsghdr *nlh);

/*
 * Parse a VM record into tb[0..HVKVM_VID_A_MAX]: the attributes hvadm
 * knows and that are well formed, the others NULL.
 */
void vm_parse(const struct nlmsghdr *nlh, const struct nlattr **tb);

/* The crash nest (HVKVM_VID_A_VM_CRASH) of a record; kind UINT32_MAX if none. */
struct crash_info;
void vm_crash(const struct nlattr *nest, struct crash_info *c);

#endif /* HVADM_H */
