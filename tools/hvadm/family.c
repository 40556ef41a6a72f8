// SPDX-License-Identifier: GPL-2.0
/*
 * hvadm and the families beside VID's: hvkvm_vmbus and the VSPs'
 * (hvkvm_ic, ...). Each is opened on demand, on a socket of its own, and
 * may be missing (its module not loaded). Their records of running VMs
 * are read once for a list (a dump) or per VM for a show.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include "hvadm.h"
#include "utils.h"

int family_connect(struct nl **nlp, const struct family *f, bool required,
		   bool events)
{
	const char *grp = events ? f->mcgrp : NULL;
	char path[64];
	struct nl *nl;
	int err;

	if (*nlp)
		return 1;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return pr_err("%s", strerror(ENOMEM));
	err = nl_open(nl, f->name, f->version, grp);
	if (!err) {
		*nlp = nl;
		return 1;
	}
	snprintf(path, sizeof(path), "/sys/module/%s", f->module);
	if (err == -ENOENT && !required) {
		err = 0;
	} else if (err == -ENOENT && !access(path, F_OK)) {
		pr_err("%s is loaded, but not in this network namespace", f->module);
	} else if (err == -ENOENT) {
		pr_err("%s module not loaded (no generic netlink family \"%s\")",
		       f->module, f->name);
	} else if (!required) {
		/* extra here: say why it is missing, and go on */
		pr_warn("cannot use %s: %s%s%s", f->name, nl->extack,
			nl->extack[0] ? ": " : "",
			err == -EOPNOTSUPP ? "no events group" : strerror(-err));
		err = 0;
	} else if (err == -EPERM && !nl->extack[0]) {
		pr_err("%s (hvadm needs CAP_NET_ADMIN)", strerror(EPERM));
	} else {
		nl_perror(nl, err);
	}
	free(nl);
	return err ? -1 : 0;
}

int family_perror(const struct nl *nl, int err)
{
	if (err == -EPERM && !nl->extack[0])
		return pr_err("%s (hvadm needs CAP_NET_ADMIN)", strerror(EPERM));
	if (err == -EMSGSIZE && nl->overflow)
		return pr_err("request too large");
	return nl_perror(nl, err);
}

/* ---- records of VMs ---- */

struct records {
	struct nl *nl;
	uint8_t cmd;
	uint16_t name_attr;
	const char *what;
	bool dump;		/* recs holds every VM's; else ask per VM */
	size_t n;
	struct nlmsghdr **recs;
	struct nlmsghdr *one;	/* per VM: the last reply */
};

static struct nlmsghdr *copy_msg(const struct nlmsghdr *nlh)
{
	struct nlmsghdr *c = malloc(nlh->nlmsg_len);

	if (c)
		memcpy(c, nlh, nlh->nlmsg_len);
	return c;
}

static int keep_cb(const struct nlmsghdr *nlh, void *data)
{
	struct records *r = data;
	struct nlmsghdr **recs, *c;

	if (!r->dump) {
		free(r->one);
		r->one = copy_msg(nlh);
		return MNL_CB_OK;
	}
	recs = realloc(r->recs, (r->n + 1) * sizeof(*recs));
	if (!recs)
		return MNL_CB_OK;
	r->recs = recs;
	c = copy_msg(nlh);
	if (c)
		r->recs[r->n++] = c;
	return MNL_CB_OK;
}

static struct records *records_alloc(struct nl *nl, uint8_t cmd,
				     uint16_t name_attr, bool dump,
				     const char *what)
{
	struct records *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->nl = nl;
	r->cmd = cmd;
	r->name_attr = name_attr;
	r->what = what;
	r->dump = dump;
	return r;
}

struct records *records_new(struct nl *nl, uint8_t cmd, uint16_t name_attr,
			    bool dump, const char *what)
{
	struct records *r = records_alloc(nl, cmd, name_attr, dump, what);
	struct nlmsghdr *nlh;
	int err;

	if (!r)
		return NULL;
	if (!dump)
		return r;
	nlh = nl_req(nl, cmd, NLM_F_DUMP);
	err = nl_talk(nl, nlh, keep_cb, r);
	/* Without CAP_NET_ADMIN VID refuses too: its error is the one line. */
	if (err && err != -EPERM)
		pr_warn("cannot read the %s of the VMs: %s%s%s", what,
			nl->extack, nl->extack[0] ? ": " : "", strerror(-err));
	if (err) {
		records_free(r);
		return NULL;
	}
	return r;
}

struct records *records_dump(struct nl *nl, uint8_t cmd, uint16_t name_attr,
			     const char *name, const char *what)
{
	struct records *r = NULL;
	struct nlmsghdr *nlh;
	int tries, err = 0;

	for (tries = 1; tries <= DUMP_TRIES; tries++) {
		records_free(r);
		r = records_alloc(nl, cmd, name_attr, true, what);
		if (!r)
			return NULL;
		nlh = nl_req(nl, cmd, NLM_F_DUMP);
		nl_put(nl, nlh, strz, name_attr, name);
		err = nl_talk(nl, nlh, keep_cb, r);
		if (err || !nl->intr)
			break;
	}
	if (err) {
		if (err != -ENOENT)
			pr_warn("cannot read the %s of %s: %s%s%s", what, name,
				nl->extack, nl->extack[0] ? ": " : "",
				strerror(-err));
		records_free(r);
		return NULL;
	}
	if (nl->intr)
		pr_warn("the %s of %s kept changing during the dump: the list may be inconsistent",
			what, name);
	return r;
}

const struct nlmsghdr *records_at(const struct records *r, size_t i)
{
	return r && r->dump && i < r->n ? r->recs[i] : NULL;
}

void records_free(struct records *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		free(r->recs[i]);
	free(r->recs);
	free(r->one);
	free(r);
}

/* Does the record carry name as its name_attr (a string)? */
static bool rec_is(const struct records *r, const struct nlmsghdr *nlh,
		   const char *name)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == r->name_attr)
			return !mnl_attr_validate(a, MNL_TYPE_NUL_STRING) &&
			       !strcmp(mnl_attr_get_str(a), name);
	return false;
}

const struct nlmsghdr *records_find(struct records *r, const char *name)
{
	struct nlmsghdr *nlh;
	size_t i;
	int err;

	if (!r || !name)
		return NULL;
	if (r->dump) {
		for (i = 0; i < r->n; i++)
			if (rec_is(r, r->recs[i], name))
				return r->recs[i];
		return NULL;
	}
	free(r->one);
	r->one = NULL;
	nlh = nl_req(r->nl, r->cmd, 0);
	nl_put(r->nl, nlh, strz, r->name_attr, name);
	err = nl_talk(r->nl, nlh, keep_cb, r);
	if (err && err != -ENOENT)	/* -ENOENT: not running, not served */
		pr_warn("cannot read the %s of %s: %s%s%s", r->what, name,
			r->nl->extack, r->nl->extack[0] ? ": " : "",
			strerror(-err));
	if (!err && r->one && rec_is(r, r->one, name))
		return r->one;
	return NULL;
}

void warn_add(struct warnings *w, const char *fmt, ...)
{
	va_list ap;

	if (w->n >= MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&w->msg[w->n], fmt, ap) >= 0)
		w->n++;
	va_end(ap);
}
