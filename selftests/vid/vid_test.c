// SPDX-License-Identifier: GPL-2.0
/*
 * Lab selftests of the VID partition registry, through its generic netlink
 * family as any client would use it, including requests no well-behaved
 * client sends. Needs root and the hvkvm_vid module loaded (tools/hvlab).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/hvkvm_vid.h>

#include "../lib/genl.h"
#include "kselftest_harness.h"
#include "vid_helpers.h"


FIXTURE(vid) {
	struct genl_test g;
};


FIXTURE_SETUP(vid)
{
	ASSERT_EQ(0, open_empty(&self->g));
}

FIXTURE_TEARDOWN(vid)
{
	close_empty(&self->g);
}

/* What a user defines is what the registry gives back, by name, id, dump. */
TEST_F(vid, create_show_list_delete)
{
	struct vm_spec s = { .name = "web-1.test_a", .memory = 512 * MiB,
			     .vcpus = 4, .kernel = "/boot/vmlinuz-x",
			     .initrd = "/boot/initrd.img-x",
			     .cmdline = "console=ttyS0 quiet root=/dev/sda1" };
	static struct genl_msg all[MAX_DUMP];
	struct genl_msg r, m;
	struct nlmsghdr *nlh;
	uint32_t id;
	int n;

	ASSERT_EQ(1, vm_new(&self->g, &s, &r));
	ASSERT_EQ(HVKVM_VID_CMD_VM_NEW, r.cmd);
	ASSERT_NE(NULL, r.tb[HVKVM_VID_A_VM_ID]);
	id = mnl_attr_get_u32(r.tb[HVKVM_VID_A_VM_ID]);
	EXPECT_NE(0, id);
	genl_msg_free(&r);

	ASSERT_EQ(1, vm_get(&self->g, s.name, &m));
	EXPECT_EQ(id, mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_ID]));
	EXPECT_STREQ(s.name, mnl_attr_get_str(m.tb[HVKVM_VID_A_VM_NAME]));
	EXPECT_EQ(s.memory, mnl_attr_get_u64(m.tb[HVKVM_VID_A_VM_MEMORY]));
	EXPECT_EQ(s.vcpus, mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_VCPUS]));
	EXPECT_EQ(HVKVM_VID_STATE_OFF, mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_STATE]));
	EXPECT_STREQ(s.kernel, boot_str(&m, HVKVM_VID_BOOT_A_KERNEL));
	EXPECT_STREQ(s.initrd, boot_str(&m, HVKVM_VID_BOOT_A_INITRD));
	EXPECT_STREQ(s.cmdline, boot_str(&m, HVKVM_VID_BOOT_A_CMDLINE));
	/* Synthetic timers: on unless asked otherwise. */
	ASSERT_NE(NULL, m.tb[HVKVM_VID_A_VM_STIMER]);
	EXPECT_EQ(1, mnl_attr_get_u8(m.tb[HVKVM_VID_A_VM_STIMER]));
	genl_msg_free(&m);

	/* Turned off while the VM is off: it stays off. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_SET, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, s.name);
	mnl_attr_put_u8(nlh, HVKVM_VID_A_VM_STIMER, 0);
	ASSERT_EQ(0, genl_test_call(&self->g, nlh, NULL, 0));
	ASSERT_EQ(1, vm_get(&self->g, s.name, &m));
	EXPECT_EQ(0, mnl_attr_get_u8(m.tb[HVKVM_VID_A_VM_STIMER]));
	genl_msg_free(&m);

	/* By id. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_GET, 0);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_ID, id);
	ASSERT_EQ(1, genl_test_call(&self->g, nlh, &m, 1));
	EXPECT_STREQ(s.name, mnl_attr_get_str(m.tb[HVKVM_VID_A_VM_NAME]));
	genl_msg_free(&m);

	/* A second one; the dump lists both in id order. */
	ASSERT_EQ(0, vm_simple(&self->g, "db"));
	n = vm_dump(&self->g, all);
	ASSERT_EQ(2, n);
	EXPECT_STREQ(s.name, mnl_attr_get_str(all[0].tb[HVKVM_VID_A_VM_NAME]));
	EXPECT_STREQ("db", mnl_attr_get_str(all[1].tb[HVKVM_VID_A_VM_NAME]));
	EXPECT_LT(id, mnl_attr_get_u32(all[1].tb[HVKVM_VID_A_VM_ID]));
	EXPECT_EQ(NULL, boot_str(&all[1], HVKVM_VID_BOOT_A_INITRD));
	dump_free(all, n);

	ASSERT_EQ(0, vm_del(&self->g, s.name));
	EXPECT_EQ(-ENOENT, vm_get(&self->g, s.name, &m));
	EXPECT_STREQ("no partition has this name", self->g.extack);
	EXPECT_EQ(-ENOENT, vm_del(&self->g, s.name));
	n = vm_dump(&self->g, all);
	ASSERT_EQ(1, n);
	dump_free(all, n);
}

/* Records as large as the limits allow still list, in a dump of many. */
TEST_F(vid, dump_large_records)
{
	static char path[HVKVM_VID_PATH_MAX], cmdline[HVKVM_VID_CMDLINE_MAX];
	static struct genl_msg all[MAX_DUMP];
	unsigned int want = max_vms() < 20 ? max_vms() : 20;
	char name[16];
	int n;

	path[0] = '/';
	memset(path + 1, 'p', sizeof(path) - 2);
	memset(cmdline, 'c', sizeof(cmdline) - 1);
	for (unsigned int i = 0; i < want; i++) {
		struct vm_spec s = { .name = name, .memory = 64 * MiB, .vcpus = 1,
				     .kernel = path, .initrd = path,
				     .cmdline = cmdline };

		snprintf(name, sizeof(name), "big%u", i);
		ASSERT_EQ(0, vm_new(&self->g, &s, NULL));
	}
	n = vm_dump(&self->g, all);
	ASSERT_EQ((int)want, n);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "big%d", i);
		EXPECT_STREQ(name, mnl_attr_get_str(all[i].tb[HVKVM_VID_A_VM_NAME]));
		EXPECT_STREQ(path, boot_str(&all[i], HVKVM_VID_BOOT_A_INITRD));
		EXPECT_STREQ(cmdline, boot_str(&all[i], HVKVM_VID_BOOT_A_CMDLINE));
	}
	dump_free(all, n);
}

/* A set applies whole or not at all; empty strings clear optional fields. */
TEST_F(vid, set_all_or_nothing)
{
	struct vm_spec s = { .name = "s", .memory = 128 * MiB, .vcpus = 2,
			     .kernel = "/k", .initrd = "/i", .cmdline = "a=b" };
	struct nlmsghdr *nlh;
	struct nlattr *boot;
	struct genl_msg m;

	ASSERT_EQ(0, vm_new(&self->g, &s, NULL));

	/* Good memory, bad vcpus: nothing changes. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_SET, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "s");
	mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_MEMORY, 256 * MiB);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VCPUS, HVKVM_VID_VCPUS_MAX + 1);
	EXPECT_EQ(-ERANGE, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("vcpus is above the maximum of 240", self->g.extack);
	ASSERT_EQ(1, vm_get(&self->g, "s", &m));
	EXPECT_EQ(128 * MiB, mnl_attr_get_u64(m.tb[HVKVM_VID_A_VM_MEMORY]));
	EXPECT_EQ(2, mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_VCPUS]));
	genl_msg_free(&m);

	/* Good memory, bad kernel path: nothing changes. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_SET, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "s");
	mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_MEMORY, 256 * MiB);
	boot = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_BOOT);
	mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_KERNEL, "relative/k");
	mnl_attr_nest_end(nlh, boot);
	EXPECT_EQ(-EINVAL, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("kernel path must be absolute", self->g.extack);
	ASSERT_EQ(1, vm_get(&self->g, "s", &m));
	EXPECT_EQ(128 * MiB, mnl_attr_get_u64(m.tb[HVKVM_VID_A_VM_MEMORY]));
	EXPECT_STREQ("/k", boot_str(&m, HVKVM_VID_BOOT_A_KERNEL));
	genl_msg_free(&m);

	/* A good set, clearing the initrd and replacing the command line. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_SET, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "s");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VCPUS, 3);
	boot = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_BOOT);
	mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_INITRD, "");
	mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_CMDLINE, "x=y z");
	mnl_attr_nest_end(nlh, boot);
	ASSERT_EQ(0, genl_test_call(&self->g, nlh, NULL, 0));
	ASSERT_EQ(1, vm_get(&self->g, "s", &m));
	EXPECT_EQ(128 * MiB, mnl_attr_get_u64(m.tb[HVKVM_VID_A_VM_MEMORY]));
	EXPECT_EQ(3, mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_VCPUS]));
	EXPECT_STREQ("/k", boot_str(&m, HVKVM_VID_BOOT_A_KERNEL));
	EXPECT_EQ(NULL, boot_str(&m, HVKVM_VID_BOOT_A_INITRD));
	EXPECT_STREQ("x=y z", boot_str(&m, HVKVM_VID_BOOT_A_CMDLINE));
	genl_msg_free(&m);

	/* Nothing to change. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_SET, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "s");
	EXPECT_EQ(-EINVAL, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("nothing to change: give memory, vcpus, boot or stimer",
		     self->g.extack);

	/* Unknown partition. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_SET, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "nosuch");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VCPUS, 1);
	EXPECT_EQ(-ENOENT, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("no partition has this name", self->g.extack);
}

/* Every limit of a partition's definition is refused with its message. */
FIXTURE(limit) {
	struct genl_test g;
};

FIXTURE_VARIANT(limit) {
	struct vm_spec spec;
	int err;
	const char *msg;
};

#define GOOD .memory = 64 * MiB, .vcpus = 1, .kernel = KERNEL

FIXTURE_VARIANT_ADD(limit, name_empty) {
	.spec = { .name = "", GOOD }, .err = -EINVAL,
	.msg = "partition name is empty",
};
FIXTURE_VARIANT_ADD(limit, name_too_long) {
	.spec = { .name = "abcdefghijklmnopqrstuvwxyz012345", GOOD },
	.err = -EINVAL, .msg = "partition name is longer than 31 characters",
};
FIXTURE_VARIANT_ADD(limit, name_space) {
	.spec = { .name = "a b", GOOD }, .err = -EINVAL,
	.msg = "partition name may hold only letters, digits, '.', '_' and '-', and must begin with a letter or digit",
};
FIXTURE_VARIANT_ADD(limit, name_leading_dash) {
	.spec = { .name = "-a", GOOD }, .err = -EINVAL,
	.msg = "partition name may hold only letters, digits, '.', '_' and '-', and must begin with a letter or digit",
};
FIXTURE_VARIANT_ADD(limit, name_slash) {
	.spec = { .name = "../a", GOOD }, .err = -EINVAL,
	.msg = "partition name may hold only letters, digits, '.', '_' and '-', and must begin with a letter or digit",
};
FIXTURE_VARIANT_ADD(limit, name_latin1) {
	.spec = { .name = "caf\xe9", GOOD }, .err = -EINVAL,
	.msg = "partition name may hold only letters, digits, '.', '_' and '-', and must begin with a letter or digit",
};
FIXTURE_VARIANT_ADD(limit, memory_below_min) {
	.spec = { .name = "m", .memory = HVKVM_VID_MEMORY_MIN - MiB, .vcpus = 1,
		  .kernel = KERNEL },
	.err = -ERANGE, .msg = "memory is below the minimum of 16 MiB",
};
FIXTURE_VARIANT_ADD(limit, memory_zero) {
	.spec = { .name = "m", .memory = 0, .vcpus = 1, .kernel = KERNEL },
	.err = -ERANGE, .msg = "memory is below the minimum of 16 MiB",
};
FIXTURE_VARIANT_ADD(limit, memory_above_max) {
	.spec = { .name = "m", .memory = HVKVM_VID_MEMORY_MAX + MiB, .vcpus = 1,
		  .kernel = KERNEL },
	.err = -ERANGE, .msg = "memory is above the maximum of 1 TiB",
};
FIXTURE_VARIANT_ADD(limit, memory_unaligned) {
	.spec = { .name = "m", .memory = 64 * MiB + 4096, .vcpus = 1,
		  .kernel = KERNEL },
	.err = -EINVAL, .msg = "memory must be a multiple of 1 MiB",
};
FIXTURE_VARIANT_ADD(limit, vcpus_zero) {
	.spec = { .name = "v", .memory = 64 * MiB, .vcpus = 0, .kernel = KERNEL },
	.err = -ERANGE, .msg = "a partition needs at least 1 vcpu",
};
FIXTURE_VARIANT_ADD(limit, vcpus_above_max) {
	.spec = { .name = "v", .memory = 64 * MiB,
		  .vcpus = HVKVM_VID_VCPUS_MAX + 1, .kernel = KERNEL },
	.err = -ERANGE, .msg = "vcpus is above the maximum of 240",
};
FIXTURE_VARIANT_ADD(limit, kernel_missing) {
	.spec = { .name = "k", .memory = 64 * MiB, .vcpus = 1 },
	.err = -EINVAL, .msg = "a partition needs a kernel to boot",
};
FIXTURE_VARIANT_ADD(limit, kernel_empty) {
	.spec = { .name = "k", .memory = 64 * MiB, .vcpus = 1, .kernel = "" },
	.err = -EINVAL, .msg = "kernel path is empty",
};
FIXTURE_VARIANT_ADD(limit, kernel_relative) {
	.spec = { .name = "k", .memory = 64 * MiB, .vcpus = 1,
		  .kernel = "boot/vmlinuz" },
	.err = -EINVAL, .msg = "kernel path must be absolute",
};
FIXTURE_VARIANT_ADD(limit, initrd_relative) {
	.spec = { .name = "i", GOOD, .initrd = "initrd.img" },
	.err = -EINVAL, .msg = "initrd path must be absolute",
};
FIXTURE_VARIANT_ADD(limit, no_name) {
	.spec = { .no_name = true, GOOD }, .err = -EINVAL,
	.msg = "missing partition name",
};
FIXTURE_VARIANT_ADD(limit, no_memory) {
	.spec = { .name = "n", GOOD, .no_memory = true }, .err = -EINVAL,
	.msg = "missing memory size",
};
FIXTURE_VARIANT_ADD(limit, no_vcpus) {
	.spec = { .name = "n", GOOD, .no_vcpus = true }, .err = -EINVAL,
	.msg = "missing vcpu count",
};
FIXTURE_VARIANT_ADD(limit, no_boot) {
	.spec = { .name = "n", GOOD, .no_boot = true }, .err = -EINVAL,
	.msg = "missing boot specification",
};

FIXTURE_SETUP(limit)
{
	ASSERT_EQ(0, open_empty(&self->g));
}

FIXTURE_TEARDOWN(limit)
{
	close_empty(&self->g);
}

TEST_F(limit, refused)
{
	static struct genl_msg all[MAX_DUMP];
	int n;

	EXPECT_EQ(variant->err, vm_new(&self->g, &variant->spec, NULL));
	EXPECT_STREQ(variant->msg, self->g.extack);
	/* Nothing was created. */
	n = vm_dump(&self->g, all);
	EXPECT_EQ(0, n);
	dump_free(all, n);
}

/* Lengths that only a hand-made request can exceed. */
TEST_F(vid, long_strings_refused)
{
	static char path[HVKVM_VID_PATH_MAX + 1], cmdline[HVKVM_VID_CMDLINE_MAX + 1];
	struct vm_spec s = { .name = "l", .memory = 64 * MiB, .vcpus = 1,
			     .kernel = path };

	path[0] = '/';
	memset(path + 1, 'p', HVKVM_VID_PATH_MAX - 1);	/* 4096 bytes: one too many */
	EXPECT_EQ(-ENAMETOOLONG, vm_new(&self->g, &s, NULL));
	EXPECT_STREQ("kernel path is longer than 4095 bytes", self->g.extack);

	s.kernel = KERNEL;
	s.initrd = path;
	EXPECT_EQ(-ENAMETOOLONG, vm_new(&self->g, &s, NULL));
	EXPECT_STREQ("initrd path is longer than 4095 bytes", self->g.extack);

	s.initrd = NULL;
	s.cmdline = cmdline;
	memset(cmdline, 'c', HVKVM_VID_CMDLINE_MAX);	/* 2048 bytes: one too many */
	EXPECT_EQ(-E2BIG, vm_new(&self->g, &s, NULL));
	EXPECT_STREQ("command line is longer than 2047 bytes", self->g.extack);

	/* The longest allowed are taken. */
	cmdline[HVKVM_VID_CMDLINE_MAX - 1] = 0;
	path[HVKVM_VID_PATH_MAX - 1] = 0;
	s.initrd = path;
	EXPECT_EQ(0, vm_new(&self->g, &s, NULL));
}

TEST_F(vid, duplicate_name_refused)
{
	struct genl_msg m;

	ASSERT_EQ(0, vm_simple(&self->g, "dup"));
	EXPECT_EQ(-EEXIST, vm_simple(&self->g, "dup"));
	EXPECT_STREQ("a partition with this name exists", self->g.extack);
	/* Names are case-sensitive, as file names are. */
	EXPECT_EQ(0, vm_simple(&self->g, "DUP"));
	ASSERT_EQ(1, vm_get(&self->g, "dup", &m));
	genl_msg_free(&m);
}

TEST_F(vid, partition_count_limit)
{
	unsigned int max = max_vms();
	char name[16];

	ASSERT_NE(0, max);
	for (unsigned int i = 0; i < max; i++) {
		snprintf(name, sizeof(name), "vm%u", i);
		ASSERT_EQ(0, vm_simple(&self->g, name));
	}
	EXPECT_EQ(-ENOSPC, vm_simple(&self->g, "one-too-many"));
	EXPECT_STREQ("the host holds its maximum number of partitions (module parameter max_vms)",
		     self->g.extack);
	/* Deleting one makes room again. */
	ASSERT_EQ(0, vm_del(&self->g, "vm0"));
	EXPECT_EQ(0, vm_simple(&self->g, "one-too-many"));
}

TEST_F(vid, handles)
{
	struct nlmsghdr *nlh;
	struct genl_msg m;

	ASSERT_EQ(0, vm_simple(&self->g, "h"));

	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_GET, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "h");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_ID, 1);
	EXPECT_EQ(-EBADR, genl_test_call(&self->g, nlh, &m, 1));
	EXPECT_STREQ("give the partition by name or by id, not both", self->g.extack);

	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_DEL, 0);
	EXPECT_EQ(-EINVAL, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("missing partition name or id", self->g.extack);

	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_GET, 0);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_ID, 0x7fffffff);
	EXPECT_EQ(-ENOENT, genl_test_call(&self->g, nlh, &m, 1));
	EXPECT_STREQ("no partition has this id", self->g.extack);

	/* In a dump, a handle is a filter. */
	ASSERT_EQ(0, vm_simple(&self->g, "h2"));
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_GET, NLM_F_DUMP);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "h2");
	ASSERT_EQ(1, genl_test_call(&self->g, nlh, &m, 1));
	EXPECT_STREQ("h2", mnl_attr_get_str(m.tb[HVKVM_VID_A_VM_NAME]));
	genl_msg_free(&m);
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_GET, NLM_F_DUMP);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "nosuch");
	EXPECT_EQ(0, genl_test_call(&self->g, nlh, NULL, 0));
}

/* Malformed requests: the policy refuses them and names the problem. */
TEST_F(vid, malformed_refused)
{
	struct nlmsghdr *nlh;
	struct nlattr *boot;
	struct vm_spec s = { .name = "mal", GOOD };
	static struct genl_msg all[MAX_DUMP];
	int n;

	/* An attribute type the family does not know. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_NEW, 0);
	put_spec(nlh, &s);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_MAX + 1, 7);
	EXPECT_EQ(-EINVAL, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("Unknown attribute type", self->g.extack);

	/* An attribute this command does not take (the state is read-only). */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_NEW, 0);
	put_spec(nlh, &s);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, HVKVM_VID_STATE_RUNNING);
	EXPECT_EQ(-EINVAL, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("Unsupported attribute", self->g.extack);

	/* The id is assigned, never given. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_NEW, 0);
	put_spec(nlh, &s);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_ID, 5);
	EXPECT_EQ(-EINVAL, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("Unsupported attribute", self->g.extack);

	/* stimer is 0 or 1. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_NEW, 0);
	put_spec(nlh, &s);
	mnl_attr_put_u8(nlh, HVKVM_VID_A_VM_STIMER, 2);
	EXPECT_EQ(-ERANGE, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("integer out of range", self->g.extack);

	/* A u64 sent as a u32. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_NEW, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "mal");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_MEMORY, 64 << 20);
	EXPECT_EQ(-EINVAL, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("invalid attribute length", self->g.extack);

	/* A name without its NUL. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_NEW, 0);
	mnl_attr_put(nlh, HVKVM_VID_A_VM_NAME, 3, "mal");
	mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_MEMORY, 64 * MiB);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VCPUS, 1);
	EXPECT_EQ(-EINVAL, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("Attribute failed policy validation", self->g.extack);

	/* An unknown attribute inside the boot nest. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_NEW, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "mal");
	mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_MEMORY, 64 * MiB);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VCPUS, 1);
	boot = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_BOOT);
	mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_KERNEL, KERNEL);
	mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_MAX + 1, "x");
	mnl_attr_nest_end(nlh, boot);
	EXPECT_EQ(-EINVAL, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("Unknown attribute type", self->g.extack);

	/* The boot nest without NLA_F_NESTED. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_NEW, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "mal");
	mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_MEMORY, 64 * MiB);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VCPUS, 1);
	boot = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_BOOT);
	mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_KERNEL, KERNEL);
	mnl_attr_nest_end(nlh, boot);
	boot->nla_type &= ~NLA_F_NESTED;
	EXPECT_EQ(-EINVAL, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("NLA_F_NESTED is missing", self->g.extack);

	/* Garbage after the last attribute. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_NEW, 0);
	put_spec(nlh, &s);
	memset((char *)nlh + nlh->nlmsg_len, 0xff, 8);
	nlh->nlmsg_len += 2;
	EXPECT_EQ(-EINVAL, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("bytes leftover after parsing attributes", self->g.extack);

	/* A command the family does not have. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_MAX + 1, 0);
	EXPECT_EQ(-EOPNOTSUPP, genl_test_call(&self->g, nlh, NULL, 0));

	/* A notification is not a request. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_NEW_NTF, 0);
	put_spec(nlh, &s);
	EXPECT_EQ(-EOPNOTSUPP, genl_test_call(&self->g, nlh, NULL, 0));

	/* None of it created anything. */
	n = vm_dump(&self->g, all);
	EXPECT_EQ(0, n);
	dump_free(all, n);
}

/* Without CAP_NET_ADMIN nothing is allowed, not even reading or listening. */
TEST_F(vid, unprivileged_refused)
{
	pid_t pid;
	int status;

	ASSERT_EQ(0, vm_simple(&self->g, "priv"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct genl_test u;
		struct genl_msg m;
		int grp, fail = 0;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(100);
		if (genl_test_open(&u, HVKVM_VID_GENL_NAME))
			_exit(101);
		if (vm_get(&u, "priv", &m) != -EPERM)
			fail |= 1;
		if (vm_dump(&u, NULL) != -EPERM)
			fail |= 2;
		if (vm_simple(&u, "evil") != -EPERM)
			fail |= 4;
		if (vm_del(&u, "priv") != -EPERM)
			fail |= 8;
		grp = genl_test_mcgrp(&u, HVKVM_VID_GENL_NAME, HVKVM_VID_MCGRP_EVENTS);
		if (grp <= 0 ||
		    mnl_socket_setsockopt(u.nl, NETLINK_ADD_MEMBERSHIP, &grp,
					  sizeof(grp)) == 0 || errno != EPERM)
			fail |= 16;
		_exit(fail);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* And nothing changed. */
	{
		struct genl_msg m;

		ASSERT_EQ(1, vm_get(&self->g, "priv", &m));
		genl_msg_free(&m);
		EXPECT_EQ(-ENOENT, vm_get(&self->g, "evil", &m));
	}
}

/* A listener sees each change, in order, with the record after it. */
TEST_F(vid, monitor_events)
{
	struct genl_test mon;
	struct nlmsghdr *nlh;
	struct genl_msg m;
	int grp;

	ASSERT_EQ(0, genl_test_open(&mon, HVKVM_VID_GENL_NAME));
	grp = genl_test_mcgrp(&mon, HVKVM_VID_GENL_NAME, HVKVM_VID_MCGRP_EVENTS);
	ASSERT_LT(0, grp);
	ASSERT_EQ(0, mnl_socket_setsockopt(mon.nl, NETLINK_ADD_MEMBERSHIP,
					   &grp, sizeof(grp)));

	ASSERT_EQ(0, vm_simple(&self->g, "ev"));
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_SET, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "ev");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VCPUS, 8);
	ASSERT_EQ(0, genl_test_call(&self->g, nlh, NULL, 0));
	/* A refused change is not announced. */
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_SET, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "ev");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VCPUS, 0);
	ASSERT_EQ(-ERANGE, genl_test_call(&self->g, nlh, NULL, 0));
	ASSERT_EQ(0, vm_del(&self->g, "ev"));

	ASSERT_EQ(0, genl_test_recv(&mon, &m, 10000));
	EXPECT_EQ(HVKVM_VID_CMD_VM_NEW_NTF, m.cmd);
	EXPECT_STREQ("ev", mnl_attr_get_str(m.tb[HVKVM_VID_A_VM_NAME]));
	EXPECT_EQ(1, mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_VCPUS]));
	genl_msg_free(&m);

	ASSERT_EQ(0, genl_test_recv(&mon, &m, 10000));
	EXPECT_EQ(HVKVM_VID_CMD_VM_SET_NTF, m.cmd);
	EXPECT_EQ(8, mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_VCPUS]));
	genl_msg_free(&m);

	ASSERT_EQ(0, genl_test_recv(&mon, &m, 10000));
	EXPECT_EQ(HVKVM_VID_CMD_VM_DEL_NTF, m.cmd);
	EXPECT_STREQ("ev", mnl_attr_get_str(m.tb[HVKVM_VID_A_VM_NAME]));
	genl_msg_free(&m);

	EXPECT_EQ(-ETIMEDOUT, genl_test_recv(&mon, &m, 500));
	genl_test_close(&mon);
}

/* A module as the lab loaded it: the debug kernel's are built apart. */
static int module_path(char *buf, size_t len, const char *rel)
{
	const char *top = getenv("HVLAB_MODROOT");

	if (!top || !*top)
		top = getenv("HVLAB_TOP");

	if (!top)
		return -1;
	snprintf(buf, len, "%s/%s", top, rel);
	return access(buf, R_OK);
}

static int load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return err;
}

/* Unloading with partitions defined is clean, and a reload starts empty. */
TEST_F(vid, unload_with_partitions)
{
	struct genl_test mon, again;
	char path[4096], vmbus[4096], ic[4096], stor[4096];
	bool had_vmbus, had_ic, had_stor;
	int grp;

	if (module_path(path, sizeof(path), "kmod/vid/hvkvm_vid.ko"))
		SKIP(return, "HVLAB_MODROOT/kmod/vid/hvkvm_vid.ko not found");
	/*
	 * VMBus uses VID, and the VSPs (the ICs, storvsp) use VMBus and
	 * VID: they go first, the VSPs before VMBus, and come back after,
	 * in the other order.
	 */
	had_stor = !syscall(SYS_delete_module, "hvkvm_storvsp", O_NONBLOCK);
	if (had_stor)
		ASSERT_EQ(0, module_path(stor, sizeof(stor),
					 "kmod/vsp_storage/hvkvm_storvsp.ko"));
	had_ic = !syscall(SYS_delete_module, "hvkvm_ic", O_NONBLOCK);
	if (had_ic)
		ASSERT_EQ(0, module_path(ic, sizeof(ic), "kmod/vsp_ic/hvkvm_ic.ko"));
	had_vmbus = !syscall(SYS_delete_module, "hvkvm_vmbus", O_NONBLOCK);
	if (had_vmbus)
		ASSERT_EQ(0, module_path(vmbus, sizeof(vmbus),
					 "kmod/vmbus/hvkvm_vmbus.ko"));

	ASSERT_EQ(0, vm_simple(&self->g, "u1"));
	ASSERT_EQ(0, vm_simple(&self->g, "u2"));
	/* A listener still subscribed does not hold the module. */
	ASSERT_EQ(0, genl_test_open(&mon, HVKVM_VID_GENL_NAME));
	grp = genl_test_mcgrp(&mon, HVKVM_VID_GENL_NAME, HVKVM_VID_MCGRP_EVENTS);
	ASSERT_EQ(0, mnl_socket_setsockopt(mon.nl, NETLINK_ADD_MEMBERSHIP,
					   &grp, sizeof(grp)));
	genl_test_close(&self->g);

	ASSERT_EQ(0, syscall(SYS_delete_module, "hvkvm_vid", O_NONBLOCK));
	EXPECT_EQ(-ENOENT, genl_test_open(&again, HVKVM_VID_GENL_NAME));
	genl_test_close(&mon);

	ASSERT_EQ(0, load_module(path));
	if (had_vmbus)
		ASSERT_EQ(0, load_module(vmbus));
	if (had_ic)
		ASSERT_EQ(0, load_module(ic));
	if (had_stor)
		ASSERT_EQ(0, load_module(stor));

	ASSERT_EQ(0, genl_test_open(&self->g, HVKVM_VID_GENL_NAME));
	EXPECT_EQ(0, vm_dump(&self->g, NULL));
	/* And it works as before. */
	EXPECT_EQ(0, vm_simple(&self->g, "u1"));
}


TEST_F(vid, lifecycle_with_worker)
{
	struct genl_test w, other;
	struct nlmsghdr *nlh;
	struct nlattr *stats, *one, *tb[64];
	uint64_t exits[HVKVM_VID_EXIT_COUNT] = { 11, 0, 22, 33 };
	struct genl_msg m;
	int n;

	ASSERT_EQ(0, vm_simple(&self->g, "life"));
	EXPECT_EQ(-EALREADY, vm_cmd(&self->g, HVKVM_VID_CMD_VM_STOP, "life", false));
	EXPECT_STREQ("partition is not running", self->g.extack);
	EXPECT_EQ(-EBUSY, vm_cmd(&self->g, HVKVM_VID_CMD_VM_PAUSE, "life", false));
	EXPECT_STREQ("only a running partition can be paused", self->g.extack);
	/* Nobody attaches to a partition that is off. */
	EXPECT_EQ(-EBUSY, attach(&w, "life"));
	EXPECT_STREQ("only a starting partition without a worker can be attached", w.extack);
	genl_test_close(&w);

	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_START, "life", false));
	EXPECT_EQ(HVKVM_VID_STATE_STARTING, vm_state(&self->g, "life"));
	EXPECT_EQ(-EBUSY, vm_cmd(&self->g, HVKVM_VID_CMD_VM_START, "life", false));
	EXPECT_STREQ("partition is running already", self->g.extack);

	ASSERT_EQ(0, attach(&w, "life"));
	EXPECT_EQ(-EBUSY, attach(&other, "life"));
	ASSERT_EQ(1, vm_get(&self->g, "life", &m));
	EXPECT_EQ(getpid(), mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_WORKER_PID]));
	genl_msg_free(&m);

	/* Only the worker reports; and only the transitions VID allows. */
	EXPECT_EQ(-EPERM, report(&other, "life", HVKVM_VID_STATE_RUNNING));
	EXPECT_STREQ("only the partition's worker reports on it", other.extack);
	genl_test_close(&other);
	EXPECT_EQ(-EINVAL, report(&w, "life", HVKVM_VID_STATE_PAUSED));
	EXPECT_STREQ("the partition cannot move to this state now", w.extack);
	EXPECT_EQ(-EINVAL, report(&w, "life", HVKVM_VID_STATE_STOPPING));
	EXPECT_EQ(-EINVAL, report(&w, "life", HVKVM_VID_STATE_CRASHED));
	EXPECT_STREQ("a crash report needs its reason", w.extack);
	EXPECT_EQ(-ERANGE, report(&w, "life", HVKVM_VID_STATE_MAX + 1));

	/* Running, with a console log and counters. */
	nlh = genl_test_msg(&w, HVKVM_VID_CMD_VM_REPORT, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "life");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, HVKVM_VID_STATE_RUNNING);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_CONSOLE_LOG, "/run/hvkvm/life/console.log");
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_CONSOLE_SOCK, "/run/hvkvm/life/console.sock");
	stats = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_VCPU_STATS);
	one = mnl_attr_nest_start(nlh, HVKVM_VID_VCPU_A_VCPU);
	mnl_attr_put_u32(nlh, HVKVM_VID_VCPU_A_INDEX, 0);
	mnl_attr_put(nlh, HVKVM_VID_VCPU_A_EXITS, sizeof(exits), exits);
	mnl_attr_nest_end(nlh, one);
	mnl_attr_nest_end(nlh, stats);
	ASSERT_EQ(0, genl_test_call(&w, nlh, NULL, 0));
	ASSERT_EQ(1, vm_get(&self->g, "life", &m));
	EXPECT_EQ(HVKVM_VID_STATE_RUNNING, mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_STATE]));
	EXPECT_STREQ("/run/hvkvm/life/console.log",
		     mnl_attr_get_str(m.tb[HVKVM_VID_A_VM_CONSOLE_LOG]));
	EXPECT_STREQ("/run/hvkvm/life/console.sock",
		     mnl_attr_get_str(m.tb[HVKVM_VID_A_VM_CONSOLE_SOCK]));
	ASSERT_NE(NULL, m.tb[HVKVM_VID_A_VM_UPTIME]);
	ASSERT_NE(NULL, m.tb[HVKVM_VID_A_VM_VCPU_STATS]);
	n = 0;
	mnl_attr_for_each_nested(one, m.tb[HVKVM_VID_A_VM_VCPU_STATS]) {
		genl_parse_nest(one, tb);
		EXPECT_EQ(n, mnl_attr_get_u32(tb[HVKVM_VID_VCPU_A_INDEX]));
		if (n == 0)
			EXPECT_EQ(0, memcmp(exits, mnl_attr_get_payload(tb[HVKVM_VID_VCPU_A_EXITS]),
					    sizeof(exits)));
		n++;
	}
	EXPECT_EQ(1, n);	/* vm_simple has one vCPU */
	genl_msg_free(&m);
	/* Counters only for one partition asked by handle, not in dumps. */
	ASSERT_EQ(1, vm_dump(&self->g, &m));
	EXPECT_EQ(NULL, m.tb[HVKVM_VID_A_VM_VCPU_STATS]);
	EXPECT_NE(NULL, m.tb[HVKVM_VID_A_VM_UPTIME]);
	genl_msg_free(&m);

	/* Counters for a vCPU the partition does not have are refused whole. */
	nlh = genl_test_msg(&w, HVKVM_VID_CMD_VM_REPORT, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "life");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, HVKVM_VID_STATE_PAUSED);
	stats = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_VCPU_STATS);
	one = mnl_attr_nest_start(nlh, HVKVM_VID_VCPU_A_VCPU);
	mnl_attr_put_u32(nlh, HVKVM_VID_VCPU_A_INDEX, 1);
	mnl_attr_put(nlh, HVKVM_VID_VCPU_A_EXITS, sizeof(exits), exits);
	mnl_attr_nest_end(nlh, one);
	mnl_attr_nest_end(nlh, stats);
	EXPECT_EQ(-ERANGE, genl_test_call(&w, nlh, NULL, 0));
	EXPECT_STREQ("vcpu index beyond the partition's vcpus", w.extack);
	EXPECT_EQ(HVKVM_VID_STATE_RUNNING, vm_state(&self->g, "life"));

	/* Pause and resume go through the worker. */
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_PAUSE, "life", false));
	EXPECT_EQ(HVKVM_VID_ACTION_PAUSE, next_request(&w));
	ASSERT_EQ(0, report(&w, "life", HVKVM_VID_STATE_PAUSED));
	EXPECT_EQ(HVKVM_VID_STATE_PAUSED, vm_state(&self->g, "life"));
	EXPECT_EQ(-EALREADY, vm_cmd(&self->g, HVKVM_VID_CMD_VM_PAUSE, "life", false));
	EXPECT_STREQ("partition is paused already", self->g.extack);
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_RESUME, "life", false));
	EXPECT_EQ(HVKVM_VID_ACTION_RESUME, next_request(&w));
	ASSERT_EQ(0, report(&w, "life", HVKVM_VID_STATE_RUNNING));

	/* A running partition cannot be changed or deleted. */
	EXPECT_EQ(-EBUSY, vm_del(&self->g, "life"));
	EXPECT_STREQ("partition must be off or crashed to be deleted", self->g.extack);

	/* Stop, then force; the worker leaving ends a stop cleanly. */
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_STOP, "life", false));
	EXPECT_EQ(HVKVM_VID_ACTION_STOP, next_request(&w));
	EXPECT_EQ(HVKVM_VID_STATE_STOPPING, vm_state(&self->g, "life"));
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_STOP, "life", true));
	EXPECT_EQ(HVKVM_VID_ACTION_STOP_FORCE, next_request(&w));
	genl_test_close(&w);
	EXPECT_EQ(HVKVM_VID_STATE_OFF, vm_state(&self->g, "life"));
	ASSERT_EQ(1, vm_get(&self->g, "life", &m));
	EXPECT_EQ(NULL, m.tb[HVKVM_VID_A_VM_WORKER_PID]);
	EXPECT_EQ(NULL, m.tb[HVKVM_VID_A_VM_UPTIME]);
	EXPECT_EQ(NULL, m.tb[HVKVM_VID_A_VM_CRASH]);
	genl_msg_free(&m);

	/* A start that no worker takes up can be stopped. */
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_START, "life", false));
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_STOP, "life", false));
	EXPECT_EQ(HVKVM_VID_STATE_OFF, vm_state(&self->g, "life"));

	/* A worker that fails to start says why, and the partition is off. */
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_START, "life", false));
	ASSERT_EQ(0, attach(&w, "life"));
	nlh = genl_test_msg(&w, HVKVM_VID_CMD_VM_REPORT, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "life");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, HVKVM_VID_STATE_OFF);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_ERROR, "/k: not a bzImage");
	ASSERT_EQ(0, genl_test_call(&w, nlh, NULL, 0));
	ASSERT_EQ(1, vm_get(&self->g, "life", &m));
	EXPECT_EQ(HVKVM_VID_STATE_OFF, mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_STATE]));
	EXPECT_STREQ("/k: not a bzImage", mnl_attr_get_str(m.tb[HVKVM_VID_A_VM_ERROR]));
	EXPECT_EQ(NULL, m.tb[HVKVM_VID_A_VM_WORKER_PID]);
	genl_msg_free(&m);
	/* Detached: it reports no more. */
	EXPECT_EQ(-EPERM, report(&w, "life", HVKVM_VID_STATE_RUNNING));
	genl_test_close(&w);
}

/*
 * A guest reset: the worker reports STARTING, is detached and attaches
 * again on the same socket. Once a stop was asked, the report is refused
 * and the partition stops.
 */
TEST_F(vid, restart_report)
{
	struct genl_test w;
	struct nlmsghdr *nlh;
	struct genl_msg m;

	ASSERT_EQ(0, vm_simple(&self->g, "rs"));
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_START, "rs", false));
	ASSERT_EQ(0, attach(&w, "rs"));
	/* Not before the guest ran. */
	EXPECT_EQ(-EINVAL, report(&w, "rs", HVKVM_VID_STATE_STARTING));
	EXPECT_STREQ("the partition cannot move to this state now", w.extack);
	nlh = genl_test_msg(&w, HVKVM_VID_CMD_VM_REPORT, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "rs");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, HVKVM_VID_STATE_RUNNING);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_CONSOLE_LOG, "/run/hvkvm/rs/console.log");
	ASSERT_EQ(0, genl_test_call(&w, nlh, NULL, 0));

	ASSERT_EQ(0, report(&w, "rs", HVKVM_VID_STATE_STARTING));
	ASSERT_EQ(1, vm_get(&self->g, "rs", &m));
	EXPECT_EQ(HVKVM_VID_STATE_STARTING, mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_STATE]));
	EXPECT_EQ(NULL, m.tb[HVKVM_VID_A_VM_WORKER_PID]);	/* detached */
	EXPECT_EQ(NULL, m.tb[HVKVM_VID_A_VM_UPTIME]);
	ASSERT_NE(NULL, m.tb[HVKVM_VID_A_VM_CONSOLE_LOG]);	/* kept */
	EXPECT_STREQ("/run/hvkvm/rs/console.log",
		     mnl_attr_get_str(m.tb[HVKVM_VID_A_VM_CONSOLE_LOG]));
	genl_msg_free(&m);
	EXPECT_EQ(-EPERM, report(&w, "rs", HVKVM_VID_STATE_RUNNING));

	/* The same socket attaches the new VM. */
	ASSERT_EQ(0, attach_on(&w, "rs"));
	ASSERT_EQ(0, report(&w, "rs", HVKVM_VID_STATE_RUNNING));
	EXPECT_EQ(HVKVM_VID_STATE_RUNNING, vm_state(&self->g, "rs"));

	/* A stop, then the guest resets: refused, and the worker reports off. */
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_STOP, "rs", false));
	EXPECT_EQ(HVKVM_VID_ACTION_STOP, next_request(&w));
	EXPECT_EQ(-EBUSY, report(&w, "rs", HVKVM_VID_STATE_STARTING));
	EXPECT_STREQ("the partition is stopping: it is not started again", w.extack);
	EXPECT_EQ(HVKVM_VID_STATE_STOPPING, vm_state(&self->g, "rs"));
	ASSERT_EQ(0, report(&w, "rs", HVKVM_VID_STATE_OFF));
	EXPECT_EQ(HVKVM_VID_STATE_OFF, vm_state(&self->g, "rs"));
	genl_test_close(&w);
}

/* A worker's death is a crash, with its reason; a guest crash too. */
FIXTURE_VARIANT(crash) {
	int how;	/* 0: SIGKILL, 1: exit(3), 2: guest crash report */
	uint32_t kind, code;
};
FIXTURE(crash) {
	struct genl_test g;
};
FIXTURE_VARIANT_ADD(crash, worker_killed) {
	.how = 0, .kind = HVKVM_VID_CRASH_WORKER_SIGNAL, .code = 9,
};
FIXTURE_VARIANT_ADD(crash, worker_exited) {
	.how = 1, .kind = HVKVM_VID_CRASH_WORKER_EXIT, .code = 3,
};
FIXTURE_VARIANT_ADD(crash, guest_crashed) {
	.how = 2, .kind = HVKVM_VID_CRASH_GUEST, .code = 0,
};
FIXTURE_SETUP(crash)
{
	ASSERT_EQ(0, open_empty(&self->g));
}
FIXTURE_TEARDOWN(crash)
{
	close_empty(&self->g);
}

TEST_F(crash, reason_recorded)
{
	static const uint64_t params[HVKVM_VID_CRASH_PARAMS] = {
		0x1e, 0xffffffff81000000ULL, 2, 3, 4 };
	struct nlattr *tb[64];
	struct genl_msg m;
	int pipefd[2], status;
	pid_t pid;
	char c;

	ASSERT_EQ(0, vm_simple(&self->g, "boom"));
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_START, "boom", false));
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct genl_test w;
		struct nlmsghdr *nlh;
		struct nlattr *crash;

		if (attach(&w, "boom") || report(&w, "boom", HVKVM_VID_STATE_RUNNING))
			_exit(100);
		if (variant->how == 2) {
			nlh = genl_test_msg(&w, HVKVM_VID_CMD_VM_REPORT, 0);
			mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "boom");
			mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, HVKVM_VID_STATE_CRASHED);
			crash = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_CRASH);
			mnl_attr_put_u32(nlh, HVKVM_VID_CRASH_A_KIND, HVKVM_VID_CRASH_GUEST);
			mnl_attr_put(nlh, HVKVM_VID_CRASH_A_PARAMS, sizeof(params), params);
			mnl_attr_put_strz(nlh, HVKVM_VID_CRASH_A_MESSAGE, "guest panic");
			mnl_attr_nest_end(nlh, crash);
			if (genl_test_call(&w, nlh, NULL, 0))
				_exit(101);
		}
		if (write(pipefd[1], "x", 1) != 1)
			_exit(102);
		if (variant->how == 0)
			pause();
		_exit(3);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	close(pipefd[0]);
	if (variant->how == 0)
		kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (variant->how != 0)
		ASSERT_EQ(3, WEXITSTATUS(status));

	ASSERT_EQ(1, vm_get(&self->g, "boom", &m));
	EXPECT_EQ(HVKVM_VID_STATE_CRASHED, mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_STATE]));
	ASSERT_NE(NULL, m.tb[HVKVM_VID_A_VM_CRASH]);
	genl_parse_nest(m.tb[HVKVM_VID_A_VM_CRASH], tb);
	EXPECT_EQ(variant->kind, mnl_attr_get_u32(tb[HVKVM_VID_CRASH_A_KIND]));
	EXPECT_EQ(variant->code, mnl_attr_get_u32(tb[HVKVM_VID_CRASH_A_CODE]));
	if (variant->how == 2) {
		ASSERT_NE(NULL, tb[HVKVM_VID_CRASH_A_PARAMS]);
		EXPECT_EQ(0, memcmp(params, mnl_attr_get_payload(tb[HVKVM_VID_CRASH_A_PARAMS]),
				    sizeof(params)));
		EXPECT_STREQ("guest panic", mnl_attr_get_str(tb[HVKVM_VID_CRASH_A_MESSAGE]));
	}
	EXPECT_EQ(NULL, m.tb[HVKVM_VID_A_VM_WORKER_PID]);
	genl_msg_free(&m);

	/* A crashed partition starts again, and the crash is forgotten. */
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_START, "boom", false));
	ASSERT_EQ(1, vm_get(&self->g, "boom", &m));
	EXPECT_EQ(NULL, m.tb[HVKVM_VID_A_VM_CRASH]);
	genl_msg_free(&m);
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_STOP, "boom", false));
}

/* While a worker is attached the module stays; once it leaves, it goes. */
TEST_F(vid, unload_refused_while_attached)
{
	struct genl_test w;

	ASSERT_EQ(0, vm_simple(&self->g, "pin"));
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_START, "pin", false));
	ASSERT_EQ(0, attach(&w, "pin"));
	EXPECT_EQ(-1, syscall(SYS_delete_module, "hvkvm_vid", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	genl_test_close(&w);
	/* The worker left without a stop: that is a crash. */
	EXPECT_EQ(HVKVM_VID_STATE_CRASHED, vm_state(&self->g, "pin"));
}


/* Bad memory tables are refused whole, and leave nothing pinned. */
TEST_F(vid, memory_map_refused)
{
	size_t len = 64 * MiB;
	char *ram = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint64_t u = (uintptr_t)ram;
	long before = pins_held();
	struct genl_test w;
	const struct {
		struct region r[2];
		int n, err;
		const char *msg;
	} cases[] = {
		{ { { 0, 96 * MiB, u } }, 1, -EINVAL,
		  "the memory map must cover the partition's memory, and no more" },
		{ { { 0x800, 32 * MiB, u } }, 1, -EINVAL,
		  "a memory region must be page-aligned and not empty" },
		{ { { 0, 0, u } }, 1, -EINVAL,
		  "a memory region must be page-aligned and not empty" },
		{ { { 0, 32 * MiB, u }, { 16 * MiB, 16 * MiB, u + 32 * MiB } }, 2,
		  -EINVAL, "memory regions overlap" },
		{ { { -4096ULL, 8192, u } }, 1, -EINVAL, "a memory region wraps around" },
		{ { { 0, 32 * MiB, u } }, 1, -EINVAL,
		  "the memory map must cover the partition's memory, and no more" },
		/* Not mapped in the worker: nothing to pin. */
		{ { { 0, 64 * MiB, 4096 } }, 1, -EFAULT, "cannot pin the guest memory" },
	};

	ASSERT_NE(MAP_FAILED, ram);
	ASSERT_LE(0, before);
	ASSERT_EQ(0, vm_simple(&self->g, "map"));	/* 64 MiB */
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_START, "map", false));
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		EXPECT_EQ(cases[i].err, attach_map(&w, "map", cases[i].r, cases[i].n))
			TH_LOG("case %u", i);
		EXPECT_STREQ(cases[i].msg, w.extack) TH_LOG("case %u", i);
		genl_test_close(&w);
	}
	EXPECT_GT(PIN_NOISE, labs(before - pins_held()));
	EXPECT_EQ(HVKVM_VID_STATE_STARTING, vm_state(&self->g, "map"));
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_STOP, "map", false));
	munmap(ram, len);
}

/*
 * Guest memory stays pinned while the worker is attached, and a worker
 * killed with SIGKILL leaves no pinned page behind.
 */
TEST_F(vid, memory_pinned_until_worker_dies)
{
	long before = pins_held();
	int pipefd[2], status;
	struct genl_msg m;
	pid_t pid;
	char c;

	ASSERT_LE(0, before);
	ASSERT_EQ(0, vm_simple(&self->g, "pin"));	/* 64 MiB */
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_START, "pin", false));
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		size_t len = 64 * MiB;
		char *ram = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		struct region r[2] = {
			{ 0, 48 * MiB, (uintptr_t)ram },
			{ 4096 * MiB, 16 * MiB, (uintptr_t)ram + 48 * MiB },
		};
		struct genl_test w;

		if (ram == MAP_FAILED || attach_map(&w, "pin", r, 2) ||
		    report(&w, "pin", HVKVM_VID_STATE_RUNNING))
			_exit(100);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(101);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	close(pipefd[0]);

	EXPECT_GT(PIN_NOISE, labs(before + (long)(64 * MiB >> 12) - pins_held()));
	ASSERT_EQ(1, vm_get(&self->g, "pin", &m));
	ASSERT_NE(NULL, m.tb[HVKVM_VID_A_VM_PINNED]);
	EXPECT_EQ(64 * MiB, mnl_attr_get_u64(m.tb[HVKVM_VID_A_VM_PINNED]));
	genl_msg_free(&m);

	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(HVKVM_VID_STATE_CRASHED, vm_state(&self->g, "pin"));
	EXPECT_GT(PIN_NOISE, labs(before - pins_settle(before)));
	ASSERT_EQ(1, vm_get(&self->g, "pin", &m));
	EXPECT_EQ(NULL, m.tb[HVKVM_VID_A_VM_PINNED]);
	genl_msg_free(&m);
}

TEST_HARNESS_MAIN
