// SPDX-License-Identifier: GPL-2.0
/*
 * hvadm: manage the partitions of hvkvm, in the manner of ip(8) and wg(8).
 *
 *	hvadm [ OPTIONS ] OBJECT { COMMAND | help }
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/hvkvm_vid.h>

#include "hvadm.h"
#include "utils.h"

static int do_help(struct hvadm *h, int argc, char **argv);

static const struct cmd objects[] = {
	{ "vm", do_vm, "define, start, stop, list and delete virtual machines" },
	{ "disk", do_disk, "add, list and remove a VM's SCSI disks" },
	{ "monitor", do_monitor, "print VM events as they happen" },
	{ "help", do_help, "show this help" },
	{ NULL, NULL, NULL }
};

static void usage(FILE *f)
{
	const struct cmd *c;

	fputs("Usage: hvadm [ OPTIONS ] OBJECT { COMMAND | help }\n"
	      "where  OBJECT := { vm | disk | monitor | help }\n"
	      "       OPTIONS := { -j[son] | -p[retty] | -V[ersion] | -h[elp] }\n"
	      "\nObjects:\n", f);
	for (c = objects; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->desc);
	fputs("\nRun \"hvadm OBJECT help\" for the commands of an object.\n", f);
}

static int do_help(struct hvadm *h, int argc, char **argv)
{
	(void)h;
	if (argc)
		return pr_err("unexpected argument \"%s\"", argv[0]);
	usage(stdout);
	return 0;
}

const struct cmd *cmd_find(const struct cmd *table, const char *name)
{
	for (; table->name; table++)
		if (!strcmp(table->name, name))
			return table;
	return NULL;
}

static int connect_nl(struct nl *nl, bool events)
{
	const char *grp = events ? HVKVM_VID_MCGRP_EVENTS : NULL;
	int err;

	err = nl_open(nl, HVKVM_VID_GENL_NAME, HVKVM_VID_GENL_VERSION, grp);
	/* the family is registered in the initial network namespace only */
	if (err == -ENOENT && !access("/sys/module/hvkvm_vid", F_OK))
		return pr_err("hvkvm_vid is loaded, but not in this network namespace");
	if (err == -ENOENT)
		return pr_err("hvkvm_vid module not loaded (no generic netlink family \"%s\")",
			      HVKVM_VID_GENL_NAME);
	if (err == -EOPNOTSUPP)
		return pr_err("%s has no multicast group \"%s\"",
			      HVKVM_VID_GENL_NAME, grp);
	if (err == -EPERM && !nl->extack[0])
		return pr_err("%s (hvadm needs CAP_NET_ADMIN)", strerror(EPERM));
	return err ? nl_perror(nl, err) : 0;
}

int hvadm_connect(struct hvadm *h, bool events)
{
	return connect_nl(&h->nl, events);
}

int hvadm_connect_events(struct hvadm *h)
{
	int err;

	h->ev = calloc(1, sizeof(*h->ev));
	if (!h->ev)
		return pr_err("%s", strerror(ENOMEM));
	if (connect_nl(h->ev, true))
		return -1;
	err = nl_join(h->ev);
	return err ? nl_perror(h->ev, err) : 0;
}

int hvadm_perror(struct hvadm *h, int err)
{
	if (err == -EPERM && !h->nl.extack[0])
		return pr_err("%s (hvadm needs CAP_NET_ADMIN)", strerror(EPERM));
	if (err == -EMSGSIZE && h->nl.overflow)
		return pr_err("request too large");
	return nl_perror(&h->nl, err);
}

static bool opt_is(const char *arg, const char *s, const char *l)
{
	return !strcmp(arg, s) || !strcmp(arg, l) || !strcmp(arg, l + 1);
}

int main(int argc, char **argv)
{
	struct hvadm h = { 0 };
	const struct cmd *c;
	int ret;

	for (argc--, argv++; argc && argv[0][0] == '-'; argc--, argv++) {
		if (opt_is(argv[0], "-j", "--json")) {
			h.json = true;
		} else if (opt_is(argv[0], "-p", "--pretty")) {
			h.json = h.pretty = true;
		} else if (opt_is(argv[0], "-V", "--version")) {
			printf("hvadm %s (genl family %s version %d)\n",
			       HVADM_VERSION, HVKVM_VID_GENL_NAME,
			       HVKVM_VID_GENL_VERSION);
			return 0;
		} else if (opt_is(argv[0], "-h", "--help")) {
			usage(stdout);
			return 0;
		} else {
			pr_err("unknown option \"%s\", try \"hvadm help\"", argv[0]);
			return 1;
		}
	}
	if (!argc) {
		usage(stderr);
		return 1;
	}
	c = cmd_find(objects, argv[0]);
	if (!c) {
		pr_err("unknown object \"%s\", try \"hvadm help\"", argv[0]);
		return 1;
	}
	print_init(&h.pr, stdout, h.json, h.pretty);
	ret = c->fn(&h, argc - 1, argv + 1);
	nl_close(&h.nl);
	if (h.ev)
		nl_close(h.ev);
	free(h.ev);
	if (h.vmbus)
		nl_close(h.vmbus);
	free(h.vmbus);
	if (h.ic)
		nl_close(h.ic);
	free(h.ic);
	if (!ret && (fflush(stdout) || ferror(stdout))) {
		pr_err("cannot write output: %s", strerror(errno));
		ret = -1;
	}
	return ret ? 1 : 0;
}
