// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the hvkvm_vid module, to test hvadm's netlink path where
 * no module can be loaded: an LD_PRELOAD library that replaces libmnl's
 * socket calls and answers as the kernel would (replies, dumps, ACKs,
 * refusals with extended ACKs, notifications). It is no model of VID: it
 * holds two fixed VMs and answers each request on its own.
 *
 * FAKEVID_ABSENT=1	the family is not registered (module not loaded)
 * FAKEVID_INTR=N	the first N dumps are flagged NLM_F_DUMP_INTR
 * FAKEVID_NOCAP=1	refusals quote the whole request (no NETLINK_CAP_ACK)
 * FAKEVID_LOG=FILE	append one line per request: its command and attributes
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <linux/hvkvm_vid.h>

#define FAMILY_ID 0x42
#define GROUP_ID 7
#define PORTID 4242

static struct vm {
	uint32_t id, state, vcpus;
	const char *name;
	uint64_t memory;
	const char *kernel, *initrd, *cmdline;
} vms[] = {
	{ 1, HVKVM_VID_STATE_RUNNING, 2, "web", 512ULL << 20, "/boot/vmlinuz",
	  "/boot/initrd.img", "console=ttyS0 \"quoted\"\ttab caf\xc3\xa9" },
	{ 2, 9, 1, "db", 1536ULL << 20, "/k", NULL, NULL },
};

/* Datagrams waiting for recvfrom; one byte in the pipe for each. */
static char queue[16][16384];
static size_t qlen[16];
static unsigned int qhead, qtail;
static int pipefd[2] = { -1, -1 };
static int dumps;

static char *dgram(void)
{
	return queue[qtail % 16];
}

static void push(size_t len)
{
	qlen[qtail++ % 16] = len;
	if (write(pipefd[1], "", 1) != 1)
		abort();
}

static struct nlmsghdr *put_msg(char *at, uint16_t type, uint16_t flags,
				uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = seq ? PORTID : 0;
	return nlh;
}

static void put_genl(struct nlmsghdr *nlh, uint8_t cmd)
{
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = 1;
}

static struct nlmsghdr *put_vm(char *at, const struct vm *vm, uint8_t cmd,
			       uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = put_msg(at, FAMILY_ID, flags, seq);
	struct nlattr *nest;

	put_genl(nlh, cmd);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_ID, vm->id);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, vm->name);
	mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_MEMORY, vm->memory);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VCPUS, vm->vcpus);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, vm->state);
	nest = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_BOOT);
	mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_KERNEL, vm->kernel);
	if (vm->initrd)
		mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_INITRD, vm->initrd);
	if (vm->cmdline)
		mnl_attr_put_strz(nlh, HVKVM_VID_BOOT_A_CMDLINE, vm->cmdline);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

/* An ACK (err 0) or a refusal with an extack message, as one datagram. */
static void ack(const struct nlmsghdr *req, int err, const char *msg)
{
	bool cap = !getenv("FAKEVID_NOCAP") || !err;
	struct nlmsghdr *nlh = put_msg(dgram(), NLMSG_ERROR, 0, req->nlmsg_seq);
	struct nlmsgerr *e;

	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = err;
	e->msg = *req;
	if (cap) {
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	} else {
		memcpy(mnl_nlmsg_put_extra_header(nlh, req->nlmsg_len - sizeof(*req)),
		       req + 1, req->nlmsg_len - sizeof(*req));
	}
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
	}
	push(nlh->nlmsg_len);
}

static void getfamily(const struct nlmsghdr *req)
{
	struct nlattr *grps, *grp;
	struct nlmsghdr *nlh;

	if (getenv("FAKEVID_ABSENT")) {
		ack(req, -ENOENT, NULL);
		return;
	}
	nlh = put_msg(dgram(), GENL_ID_CTRL, 0, req->nlmsg_seq);
	put_genl(nlh, CTRL_CMD_NEWFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, HVKVM_VID_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAMILY_ID);
	grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, GROUP_ID - 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "other");
	mnl_attr_nest_end(nlh, grp);
	grp = mnl_attr_nest_start(nlh, 2);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, HVKVM_VID_MCGRP_EVENTS);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, GROUP_ID);
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, grps);
	push(nlh->nlmsg_len);
	ack(req, 0, NULL);
}

static void dump(const struct nlmsghdr *req)
{
	uint16_t flags = NLM_F_MULTI;
	size_t len = 0;
	unsigned int i;
	int zero = 0;
	char *buf = dgram();

	if (++dumps <= atoi(getenv("FAKEVID_INTR") ?: "0"))
		flags |= NLM_F_DUMP_INTR;
	for (i = 0; i < 2; i++)
		len += put_vm(buf + len, &vms[i], HVKVM_VID_CMD_VM_GET, flags,
			      req->nlmsg_seq)->nlmsg_len;
	memcpy(mnl_nlmsg_put_extra_header(put_msg(buf + len, NLMSG_DONE, flags,
						  req->nlmsg_seq), sizeof(int)),
	       &zero, sizeof(int));
	push(len + mnl_nlmsg_size(sizeof(int)));
}

/* Log the request; returns the VM it names, or NULL. */
static const struct vm *log_req(const struct nlmsghdr *req, uint8_t cmd,
				const char **name)
{
	FILE *f = fopen(getenv("FAKEVID_LOG") ?: "/dev/null", "a");
	const struct nlattr *a, *b;
	const struct vm *vm = NULL;
	unsigned int i;

	fprintf(f, "cmd %u%s", cmd, req->nlmsg_flags & NLM_F_DUMP ? " dump" : "");
	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case HVKVM_VID_A_VM_ID:
			fprintf(f, " id %u", mnl_attr_get_u32(a));
			for (i = 0; i < 2; i++)
				if (vms[i].id == mnl_attr_get_u32(a))
					vm = &vms[i];
			break;
		case HVKVM_VID_A_VM_NAME:
			*name = mnl_attr_get_str(a);
			fprintf(f, " name %s", *name);
			for (i = 0; i < 2; i++)
				if (!strcmp(vms[i].name, *name))
					vm = &vms[i];
			break;
		case HVKVM_VID_A_VM_MEMORY:
			fprintf(f, " memory %llu", (unsigned long long)mnl_attr_get_u64(a));
			break;
		case HVKVM_VID_A_VM_VCPUS:
			fprintf(f, " vcpus %u", mnl_attr_get_u32(a));
			break;
		case HVKVM_VID_A_VM_BOOT:
			mnl_attr_for_each_nested(b, a)
				fprintf(f, " boot%u \"%s\"", mnl_attr_get_type(b),
					mnl_attr_get_str(b));
			break;
		default:
			fprintf(f, " attr%u", mnl_attr_get_type(a));
		}
	}
	fputc('\n', f);
	fclose(f);
	return vm;
}

static void vid(const struct nlmsghdr *req)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);
	const char *name = "new";
	const struct vm *vm = log_req(req, g->cmd, &name);
	struct vm created;

	switch (g->cmd) {
	case HVKVM_VID_CMD_VM_GET:
		if (req->nlmsg_flags & NLM_F_DUMP)
			return dump(req);
		/* fall through */
	case HVKVM_VID_CMD_VM_SET:
	case HVKVM_VID_CMD_VM_DEL:
		if (!vm)
			return ack(req, -ENOENT, "no such partition");
		if (g->cmd == HVKVM_VID_CMD_VM_GET)
			push(put_vm(dgram(), vm, HVKVM_VID_CMD_VM_GET, 0,
				    req->nlmsg_seq)->nlmsg_len);
		if (g->cmd == HVKVM_VID_CMD_VM_DEL &&
		    vm->state == HVKVM_VID_STATE_RUNNING)
			return ack(req, -EBUSY, "partition is not off");
		return ack(req, 0, NULL);
	case HVKVM_VID_CMD_VM_NEW:
		if (vm)
			return ack(req, -EEXIST, "partition name already in use");
		created = vms[1];
		created.id = 3;
		created.name = name;
		push(put_vm(dgram(), &created, HVKVM_VID_CMD_VM_GET, 0,
			    req->nlmsg_seq)->nlmsg_len);
		return ack(req, 0, NULL);
	}
	ack(req, -EOPNOTSUPP, "unknown command");
}

/* ---- libmnl, replaced ---- */

struct mnl_socket *mnl_socket_open(int bus)
{
	static int sock;

	if (bus != NETLINK_GENERIC || pipe(pipefd))
		return NULL;
	return (struct mnl_socket *)&sock;
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	(void)nl, (void)groups, (void)pid;
	return 0;
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return PORTID;
}

int mnl_socket_get_fd(const struct mnl_socket *nl)
{
	(void)nl;
	return pipefd[0];
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf,
			  socklen_t len)
{
	struct vm vm = vms[0];

	(void)nl, (void)len;
	if (type != NETLINK_ADD_MEMBERSHIP)
		return 0;
	if (*(int *)buf != GROUP_ID) {
		errno = EINVAL;
		return -1;
	}
	push(put_vm(dgram(), &vm, HVKVM_VID_CMD_VM_NEW_NTF, 0, 0)->nlmsg_len);
	vm.state = HVKVM_VID_STATE_OFF;
	push(put_vm(dgram(), &vm, HVKVM_VID_CMD_VM_SET_NTF, 0, 0)->nlmsg_len);
	push(put_vm(dgram(), &vm, 99, 0, 0)->nlmsg_len);	/* ignored */
	push(put_vm(dgram(), &vms[1], HVKVM_VID_CMD_VM_DEL_NTF, 0, 0)->nlmsg_len);
	return 0;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf,
			  size_t len)
{
	const struct nlmsghdr *req = buf;

	(void)nl;
	if (len < sizeof(*req) || req->nlmsg_len != len ||
	    !(req->nlmsg_flags & NLM_F_REQUEST)) {
		errno = EINVAL;
		return -1;
	}
	if (req->nlmsg_type == GENL_ID_CTRL)
		getfamily(req);
	else if (req->nlmsg_type == FAMILY_ID)
		vid(req);
	else
		ack(req, -ENOENT, NULL);
	return len;
}

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
			    size_t size)
{
	char c;
	size_t len;

	(void)nl;
	if (read(pipefd[0], &c, 1) != 1)	/* blocks as recv would */
		return -1;
	len = qlen[qhead % 16];
	if (len > size) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, queue[qhead++ % 16], len);
	return len;
}

int mnl_socket_close(struct mnl_socket *nl)
{
	(void)nl;
	close(pipefd[0]);
	close(pipefd[1]);
	return 0;
}
