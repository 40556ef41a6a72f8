/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the VID lab selftests share: requests as a client and as a worker
 * sends them, and looks at the results. Include after kselftest_harness.h.
 */
#ifndef _SELFTESTS_VID_HELPERS_H
#define _SELFTESTS_VID_HELPERS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/hvkvm_vid.h>

#include "../lib/genl.h"

#define MiB (1ULL << 20)
#define KERNEL "/boot/vmlinuz"

struct vm_spec {
	const char *name;
	uint64_t memory;
	uint32_t vcpus;
	const char *kernel, *initrd, *cmdline;
	bool no_name, no_memory, no_vcpus, no_boot;
};

static inline void put_spec(struct nlmsghdr *nlh, const struct vm_spec *s)
{
	struct nlattr *boot;

	if (!s->no_name)
		mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, s->name);
	if (!s->no_memory)
		mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_MEMORY, s->memory);
	if (!s->no_vcpus)
		mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VCPUS, s->vcpus);
	if (s->no_boot)
		return;
	boot = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_BOOT);
	if (s->kernel)
		mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_KERNEL, s->kernel);
	if (s->initrd)
		mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_INITRD, s->initrd);
	if (s->cmdline)
		mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_CMDLINE, s->cmdline);
	mnl_attr_nest_end(nlh, boot);
}

/* 0 (or, with reply, the count of replies: 1) on success; -errno. */
static inline int vm_new(struct genl_test *g, const struct vm_spec *s,
		  struct genl_msg *reply)
{
	struct nlmsghdr *nlh = genl_test_msg(g, HVKVM_VID_CMD_VM_NEW, 0);
	int ret;

	put_spec(nlh, s);
	ret = genl_test_call(g, nlh, reply, reply ? 1 : 0);
	return reply || ret < 0 ? ret : 0;
}

static inline int vm_simple(struct genl_test *g, const char *name)
{
	struct vm_spec s = { .name = name, .memory = 64 * MiB, .vcpus = 1,
			     .kernel = KERNEL };

	return vm_new(g, &s, NULL);
}

static inline int vm_get(struct genl_test *g, const char *name, struct genl_msg *m)
{
	struct nlmsghdr *nlh = genl_test_msg(g, HVKVM_VID_CMD_VM_GET, 0);

	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, name);
	return genl_test_call(g, nlh, m, 1);
}

static inline int vm_del(struct genl_test *g, const char *name)
{
	struct nlmsghdr *nlh = genl_test_msg(g, HVKVM_VID_CMD_VM_DEL, 0);

	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, name);
	return genl_test_call(g, nlh, NULL, 0);
}

#define MAX_DUMP 256

/* Dump every partition; returns the count, messages in msgs. */
static inline int vm_dump(struct genl_test *g, struct genl_msg *msgs)
{
	struct nlmsghdr *nlh = genl_test_msg(g, HVKVM_VID_CMD_VM_GET, NLM_F_DUMP);

	return genl_test_call(g, nlh, msgs, MAX_DUMP);
}

static inline void dump_free(struct genl_msg *msgs, int n)
{
	for (int i = 0; i < n && i < MAX_DUMP; i++)
		genl_msg_free(&msgs[i]);
}

/* Delete every partition: each test starts from an empty host. */
static inline int delete_all(struct genl_test *g)
{
	static struct genl_msg msgs[MAX_DUMP];
	int n = vm_dump(g, msgs);

	if (n < 0)
		return n;
	for (int i = 0; i < n && i < MAX_DUMP; i++) {
		struct nlmsghdr *nlh;
		const char *name = mnl_attr_get_str(msgs[i].tb[HVKVM_VID_A_VM_NAME]);
		int err = vm_del(g, name);

		if (err == -EBUSY) {
			/* Running: a forced stop ends a partition without a worker. */
			nlh = genl_test_msg(g, HVKVM_VID_CMD_VM_STOP, 0);
			mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, name);
			mnl_attr_put(nlh, HVKVM_VID_A_VM_FORCE, 0, NULL);
			genl_test_call(g, nlh, NULL, 0);
			err = vm_del(g, name);
		}
		if (err)
			return err;
	}
	dump_free(msgs, n);
	return 0;
}

static inline const char *boot_str(struct genl_msg *m, int type)
{
	struct nlattr *tb[64];

	if (!m->tb[HVKVM_VID_A_VM_BOOT])
		return NULL;
	genl_parse_nest(m->tb[HVKVM_VID_A_VM_BOOT], tb);
	return tb[type] ? mnl_attr_get_str(tb[type]) : NULL;
}

static inline unsigned int max_vms(void)
{
	FILE *f = fopen("/sys/module/hvkvm_vid/parameters/max_vms", "r");
	unsigned int n = 0;

	if (f) {
		if (fscanf(f, "%u", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n;
}

/*
 * Every test starts from an empty host and leaves one. The lab loads the
 * module: its absence is a failure here, not a reason to skip.
 */
static inline int open_empty(struct genl_test *g)
{
	int err = genl_test_open(g, HVKVM_VID_GENL_NAME);

	return err ? err : delete_all(g);
}

static inline void close_empty(struct genl_test *g)
{
	if (g->nl)
		delete_all(g);
	genl_test_close(g);
}

/*
 * The lifecycle, with this test playing the worker: what VID asks of the
 * worker, what it takes from it, and what it refuses.
 */
static inline int vm_cmd(struct genl_test *g, uint8_t cmd, const char *name, bool force)
{
	struct nlmsghdr *nlh = genl_test_msg(g, cmd, 0);

	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, name);
	if (force)
		mnl_attr_put(nlh, HVKVM_VID_A_VM_FORCE, 0, NULL);
	return genl_test_call(g, nlh, NULL, 0);
}

static inline int report(struct genl_test *w, const char *name, int state)
{
	struct nlmsghdr *nlh = genl_test_msg(w, HVKVM_VID_CMD_VM_REPORT, 0);

	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, name);
	if (state >= 0)
		mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, state);
	return genl_test_call(w, nlh, NULL, 0);
}

static inline int vm_state(struct genl_test *g, const char *name)
{
	struct genl_msg m;
	int state;

	if (vm_get(g, name, &m) != 1)
		return -1;
	state = mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_STATE]);
	genl_msg_free(&m);
	return state;
}

/* The next request VID sends the worker: its action, or -errno. */
static inline int next_request(struct genl_test *w)
{
	struct genl_msg m;
	int action;
	int err = genl_test_recv(w, &m, 10000);

	if (err)
		return err;
	action = m.cmd == HVKVM_VID_CMD_VM_REQUEST_NTF &&
		 m.tb[HVKVM_VID_A_VM_ACTION] ?
		 (int)mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_ACTION]) : -EBADMSG;
	genl_msg_free(&m);
	return action;
}

/* Attach w, an open socket, to the partition (without memory). */
static inline int attach_on(struct genl_test *w, const char *name)
{
	struct nlmsghdr *nlh = genl_test_msg(w, HVKVM_VID_CMD_VM_ATTACH, 0);
	int err;

	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, name);
	err = genl_test_call(w, nlh, NULL, 0);
	return err < 0 ? err : 0;
}

/* Open w and attach it to the partition. */
static inline int attach(struct genl_test *w, const char *name)
{
	int err = genl_test_open(w, HVKVM_VID_GENL_NAME);

	return err ? err : attach_on(w, name);
}

/*
 * Pins held system-wide: acquired minus released, from /proc/vmstat. The
 * lab's own I/O (9p) pins and unpins a few pages as it goes, so counts
 * are compared within PIN_NOISE pages: far below one guest's 16384.
 */
#define PIN_NOISE 64
static inline long pins_held(void)
{
	FILE *f = fopen("/proc/vmstat", "r");
	long acq = -1, rel = -1, v;
	char key[64];

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &v) == 2) {
		if (!strcmp(key, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(key, "nr_foll_pin_released"))
			rel = v;
	}
	fclose(f);
	return acq < 0 || rel < 0 ? -1 : acq - rel;
}

/*
 * Pins held within PIN_NOISE of want, waiting up to 60 s: VID unpins a
 * detached worker's memory in the background, outside its lock.
 */
static inline long pins_settle(long want)
{
	long now = pins_held();
	int i;

	for (i = 0; i < 600 && labs(want - now) >= PIN_NOISE; i++) {
		usleep(100 * 1000);
		now = pins_held();
	}
	return now;
}

struct region { uint64_t gpa, size, uaddr; };

static inline int attach_map(struct genl_test *w, const char *name,
		      const struct region *r, int n)
{
	struct nlattr *map, *one;
	struct nlmsghdr *nlh;
	int err = genl_test_open(w, HVKVM_VID_GENL_NAME);

	if (err)
		return err;
	nlh = genl_test_msg(w, HVKVM_VID_CMD_VM_ATTACH, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, name);
	map = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_MEMORY_MAP);
	for (int i = 0; i < n; i++) {
		one = mnl_attr_nest_start(nlh, HVKVM_VID_MEM_A_REGION);
		mnl_attr_put_u64(nlh, HVKVM_VID_MEM_A_GPA, r[i].gpa);
		mnl_attr_put_u64(nlh, HVKVM_VID_MEM_A_SIZE, r[i].size);
		mnl_attr_put_u64(nlh, HVKVM_VID_MEM_A_UADDR, r[i].uaddr);
		mnl_attr_nest_end(nlh, one);
	}
	mnl_attr_nest_end(nlh, map);
	err = genl_test_call(w, nlh, NULL, 0);
	return err < 0 ? err : 0;
}

#endif
