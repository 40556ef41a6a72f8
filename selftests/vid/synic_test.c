// SPDX-License-Identifier: GPL-2.0
/*
 * Lab selftests of VID's SynIC delivery, with this test as the worker and
 * its own memory as the guest's: what VID writes into the message and
 * event pages, when it raises the SINT, how a busy slot waits for the
 * guest's end of message, and how it checks what a guest posts.
 */
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vid_helpers.h"

#define RAM		(64 * MiB)
#define SIMP0		0x10000ULL	/* VP 0's message page */
#define SIEFP1		0x20000ULL	/* VP 1's event page */
#define INPUT		0x5000ULL	/* a guest's HvPostMessage input */
#define SINT		2
#define CONN		0x10

/* HV_STATUS_* the guest would see. */
enum { OK = 0, BAD_CODE = 2, BAD_INPUT = 3, BAD_ALIGN = 4, BAD_PARAM = 5,
       BAD_PORT = 17, BAD_CONN = 18 };

struct slot {			/* one SIMP slot */
	uint32_t type;
	uint8_t size, flags, rsvd[2];
	uint64_t sender;
	uint8_t payload[240];
};

FIXTURE(synic) {
	struct genl_test g, w;
	uint8_t *ram;
	int irq[2], eom[2], port;
};

static int route(struct nlmsghdr *nlh, uint32_t vp, uint32_t sint, int irq, int eom)
{
	struct nlattr *r = mnl_attr_nest_start(nlh, HVKVM_VID_SINT_A_ROUTE);

	mnl_attr_put_u32(nlh, HVKVM_VID_SINT_A_VP, vp);
	mnl_attr_put_u32(nlh, HVKVM_VID_SINT_A_SINT, sint);
	mnl_attr_put_u32(nlh, HVKVM_VID_SINT_A_IRQFD, irq);
	mnl_attr_put_u32(nlh, HVKVM_VID_SINT_A_RESAMPLEFD, eom);
	mnl_attr_nest_end(nlh, r);
	return 0;
}

static void put_map(struct nlmsghdr *nlh, void *ram)
{
	struct nlattr *map = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_MEMORY_MAP);
	struct nlattr *one = mnl_attr_nest_start(nlh, HVKVM_VID_MEM_A_REGION);

	mnl_attr_put_u64(nlh, HVKVM_VID_MEM_A_GPA, 0);
	mnl_attr_put_u64(nlh, HVKVM_VID_MEM_A_SIZE, RAM);
	mnl_attr_put_u64(nlh, HVKVM_VID_MEM_A_UADDR, (uintptr_t)ram);
	mnl_attr_nest_end(nlh, one);
	mnl_attr_nest_end(nlh, map);
}

FIXTURE_SETUP(synic)
{
	struct vm_spec s = { .name = "syn", .memory = RAM, .vcpus = 2,
			     .kernel = KERNEL };
	struct nlattr *routes, *ports, *port;
	struct nlmsghdr *nlh;

	ASSERT_EQ(0, open_empty(&self->g));
	ASSERT_EQ(0, vm_new(&self->g, &s, NULL));
	ASSERT_EQ(0, vm_cmd(&self->g, HVKVM_VID_CMD_VM_START, "syn", false));
	self->ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->ram);
	for (int i = 0; i < 2; i++) {
		self->irq[i] = eventfd(0, EFD_NONBLOCK);
		self->eom[i] = eventfd(0, EFD_NONBLOCK);
		ASSERT_LE(0, self->irq[i]);
		ASSERT_LE(0, self->eom[i]);
	}
	self->port = eventfd(0, EFD_NONBLOCK);

	ASSERT_EQ(0, genl_test_open(&self->w, HVKVM_VID_GENL_NAME));
	nlh = genl_test_msg(&self->w, HVKVM_VID_CMD_VM_ATTACH, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "syn");
	put_map(nlh, self->ram);
	routes = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_SINT_ROUTES);
	route(nlh, 0, SINT, self->irq[0], self->eom[0]);
	route(nlh, 1, SINT, self->irq[1], self->eom[1]);
	mnl_attr_nest_end(nlh, routes);
	ports = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_PORTS);
	port = mnl_attr_nest_start(nlh, HVKVM_VID_PORT_A_PORT);
	mnl_attr_put_u32(nlh, HVKVM_VID_PORT_A_CONN_ID, CONN);
	mnl_attr_put_u32(nlh, HVKVM_VID_PORT_A_FD, self->port);
	mnl_attr_nest_end(nlh, port);
	mnl_attr_nest_end(nlh, ports);
	ASSERT_EQ(1, genl_test_call(&self->w, nlh, NULL, 0)) TH_LOG("%s", self->w.extack);
	ASSERT_EQ(0, report(&self->w, "syn", HVKVM_VID_STATE_RUNNING));
}

FIXTURE_TEARDOWN(synic)
{
	genl_test_close(&self->w);	/* the worker leaves */
	close_empty(&self->g);
	for (int i = 0; i < 2; i++) {
		close(self->irq[i]);
		close(self->eom[i]);
	}
	close(self->port);
	munmap(self->ram, RAM);
}

static int synic_msrs(struct genl_test *w, uint32_t vp, uint64_t simp, uint64_t siefp)
{
	struct nlmsghdr *nlh = genl_test_msg(w, HVKVM_VID_CMD_VM_SYNIC, 0);

	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "syn");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VP, vp);
	mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_SCONTROL, 1);
	mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_SIEFP, siefp);
	mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_SIMP, simp);
	return genl_test_call(w, nlh, NULL, 0);
}

static int post(struct genl_test *g, uint32_t vp, const char *text)
{
	struct nlmsghdr *nlh = genl_test_msg(g, HVKVM_VID_CMD_VM_SYNIC_POST, 0);

	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "syn");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VP, vp);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_SINT, SINT);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_MSG_TYPE, 1);
	mnl_attr_put(nlh, HVKVM_VID_A_VM_MSG_PAYLOAD, strlen(text), text);
	return genl_test_call(g, nlh, NULL, 0);
}

/* Was the eventfd signalled within ms? Consumes the count. */
static int signalled(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t n;

	if (poll(&pfd, 1, ms) != 1 || read(fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return (int)n;
}

static volatile struct slot *slot0(uint8_t *ram)
{
	return (volatile struct slot *)(ram + SIMP0 + SINT * 256);
}

/* Wait (bounded) for a condition VID makes true from its work queue. */
#define WAIT_FOR(cond) ({					\
	int __i;						\
	for (__i = 0; __i < 500 && !(cond); __i++)		\
		usleep(10000);					\
	(cond);							\
})

TEST_F(synic, message_delivered_then_queued_until_eom)
{
	volatile struct slot *s = slot0(self->ram);
	const char *words[] = { "second", "third", "fourth" };

	/* No message page yet: the message waits for one. */
	ASSERT_EQ(0, post(&self->g, 0, "first"));
	EXPECT_EQ(0, signalled(self->irq[0], 200));
	ASSERT_EQ(0, synic_msrs(&self->w, 0, SIMP0 | 1, 0));
	ASSERT_EQ(1, signalled(self->irq[0], 5000));
	EXPECT_EQ(1, s->type);
	EXPECT_EQ(5, s->size);
	EXPECT_EQ(0, memcmp((void *)s->payload, "first", 5));
	EXPECT_EQ(0, s->flags);

	/* The slot is busy: the next ones wait, and ask for an EOM. */
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, post(&self->g, 0, words[i]));
	EXPECT_TRUE(WAIT_FOR(s->flags & 1));
	EXPECT_EQ(0, signalled(self->irq[0], 200));
	EXPECT_EQ(0, memcmp((void *)s->payload, "first", 5));

	/* The guest frees the slot and ends the message: the next comes, in order. */
	for (int i = 0; i < 3; i++) {
		uint64_t one = 1;

		s->type = 0;
		ASSERT_EQ(sizeof(one), write(self->eom[0], &one, sizeof(one)));
		ASSERT_EQ(1, signalled(self->irq[0], 5000)) TH_LOG("message %d", i);
		EXPECT_EQ(1, s->type);
		EXPECT_EQ(strlen(words[i]), s->size);
		EXPECT_EQ(0, memcmp((void *)s->payload, words[i], strlen(words[i])));
		/* More wait behind all but the last. */
		if (i < 2)
			EXPECT_TRUE(WAIT_FOR(s->flags & 1));
	}
	/* A resample with nothing queued changes nothing. */
	{
		uint64_t one = 1;

		ASSERT_EQ(sizeof(one), write(self->eom[0], &one, sizeof(one)));
		EXPECT_EQ(0, signalled(self->irq[0], 200));
	}
}

TEST_F(synic, queue_is_bounded)
{
	int i, err = 0;

	ASSERT_EQ(0, synic_msrs(&self->w, 0, SIMP0 | 1, 0));
	ASSERT_EQ(0, post(&self->g, 0, "busy"));
	ASSERT_EQ(1, signalled(self->irq[0], 5000));
	for (i = 0; i < 1000 && !err; i++)
		err = post(&self->g, 0, "more");
	EXPECT_EQ(-ENOBUFS, err);
	EXPECT_STREQ("too many messages wait for the guest", self->g.extack);
	EXPECT_GE(100, i);
}

TEST_F(synic, event_flag_set_and_sint_raised)
{
	struct nlmsghdr *nlh;
	uint64_t *flags = (uint64_t *)(self->ram + SIEFP1 + SINT * 256);

	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_SYNIC_SIGNAL, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "syn");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VP, 1);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_SINT, SINT);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_FLAG, 69);
	EXPECT_EQ(-EAGAIN, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_STREQ("the guest has no event page on this vp", self->g.extack);

	ASSERT_EQ(0, synic_msrs(&self->w, 1, 0, SIEFP1 | 1));
	nlh = genl_test_msg(&self->g, HVKVM_VID_CMD_VM_SYNIC_SIGNAL, 0);
	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "syn");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VP, 1);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_SINT, SINT);
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_FLAG, 69);
	ASSERT_EQ(0, genl_test_call(&self->g, nlh, NULL, 0));
	EXPECT_EQ(1ULL << 5, flags[1]);
	EXPECT_EQ(0, flags[0]);
	EXPECT_EQ(1, signalled(self->irq[1], 5000));
	EXPECT_EQ(0, signalled(self->irq[0], 100));
}

/* A forwarded hypercall; *bind: the port VID asked to bind, or 0. */
static uint64_t hcall_bind(struct genl_test *w, uint32_t vp, uint64_t control,
			   uint64_t input, int *err, uint32_t *bind)
{
	struct nlmsghdr *nlh = genl_test_msg(w, HVKVM_VID_CMD_VM_HCALL, 0);
	struct genl_msg m;
	uint64_t result = ~0ULL;

	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "syn");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_VP, vp);
	mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_HCALL_CONTROL, control);
	mnl_attr_put_u64(nlh, HVKVM_VID_A_VM_HCALL_INPUT, input);
	*err = genl_test_call(w, nlh, &m, 1);
	if (*err == 1) {
		*err = 0;
		if (m.tb[HVKVM_VID_A_VM_HCALL_RESULT])
			result = mnl_attr_get_u64(m.tb[HVKVM_VID_A_VM_HCALL_RESULT]);
		*bind = m.tb[HVKVM_VID_A_VM_PORT_BIND] ?
			mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_PORT_BIND]) : 0;
		genl_msg_free(&m);
	}
	return result;
}

static uint64_t hcall(struct genl_test *w, uint32_t vp, uint64_t control,
		      uint64_t input, int *err)
{
	uint32_t bind;

	return hcall_bind(w, vp, control, input, err, &bind);
}

static int port_bind(struct genl_test *w, uint32_t conn_id, int fd)
{
	struct nlmsghdr *nlh = genl_test_msg(w, HVKVM_VID_CMD_VM_PORT_BIND, 0);

	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "syn");
	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_PORT_BIND, conn_id);
	if (fd >= 0)
		mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_PORT_FD, fd);
	return genl_test_call(w, nlh, NULL, 0);
}

/*
 * Ports are bound on demand, when VID asks (a client listens on the
 * connection: tested with VMBus in selftests/vmbus/run.sh); a signal
 * nobody listens on asks for nothing, and the worker cannot bind what
 * VID did not ask for.
 */
TEST_F(synic, port_bound_only_when_asked)
{
	uint32_t bind = ~0u;
	struct genl_msg m;
	int efd = eventfd(0, EFD_NONBLOCK), err;

	ASSERT_LE(0, efd);
	EXPECT_EQ(BAD_CONN, hcall_bind(&self->w, 0, 0x5d | (1 << 16), 0x123,
				       &err, &bind));
	EXPECT_EQ(0, err);
	EXPECT_EQ(0, bind);
	EXPECT_EQ(BAD_PORT, hcall_bind(&self->w, 0, 0x5d | (1 << 16),
				       CONN | (1ULL << 32), &err, &bind));
	EXPECT_EQ(0, bind);

	EXPECT_EQ(-ENOENT, port_bind(&self->w, 0x123, efd));
	EXPECT_STREQ("VID did not ask to bind this connection id", self->w.extack);
	EXPECT_EQ(-ENOENT, port_bind(&self->w, CONN, efd));
	EXPECT_EQ(-EINVAL, port_bind(&self->w, 0x123, -1));
	EXPECT_STREQ("give port_bind and port_fd", self->w.extack);

	/* The attach's port, and the two signals that came through us. */
	ASSERT_EQ(1, vm_get(&self->g, "syn", &m));
	ASSERT_NE(NULL, m.tb[HVKVM_VID_A_VM_PORTS_BOUND]);
	ASSERT_NE(NULL, m.tb[HVKVM_VID_A_VM_SLOW_SIGNALS]);
	EXPECT_EQ(1, mnl_attr_get_u32(m.tb[HVKVM_VID_A_VM_PORTS_BOUND]));
	EXPECT_EQ(2, mnl_attr_get_u64(m.tb[HVKVM_VID_A_VM_SLOW_SIGNALS]));
	genl_msg_free(&m);
	close(efd);
}

/* What a guest posts is checked before anyone sees it. */
TEST_F(synic, post_message_checked)
{
	struct {
		uint32_t conn, rsvd, type, size;
		uint8_t payload[240];
	} *in = (void *)(self->ram + INPUT);
	const struct {
		uint32_t conn, rsvd, type, size;
		uint64_t control, gpa;
		uint64_t status;
	} cases[] = {
		/* A connection nobody serves (VMBus takes 1 and 4 only). */
		{ 7, 0, 1, 8, 0x5c, INPUT, BAD_CONN },
		{ 1, 0, 1, 8, 0x5c, INPUT + 4, BAD_ALIGN },
		{ 1, 0, 1, 8, 0x5c, 0xff8, BAD_ALIGN },		/* crosses a page */
		{ 1, 0, 1, 8, 0x5c, RAM + 4096, BAD_PARAM },	/* not guest memory */
		{ 1, 0, 0, 8, 0x5c, INPUT, BAD_INPUT },		/* no type */
		{ 1, 0, 0x80000001, 8, 0x5c, INPUT, BAD_INPUT },/* hypervisor's types */
		{ 1, 0, 1, 241, 0x5c, INPUT, BAD_INPUT },	/* too long */
		{ 1, 7, 1, 8, 0x5c, INPUT, BAD_INPUT },		/* reserved set */
		{ 0x01000001, 0, 1, 8, 0x5c, INPUT, BAD_INPUT },/* conn id bits 24+ */
		{ 1, 0, 1, 8, 0x5c | (1 << 16), INPUT, BAD_INPUT },/* fast */
		{ 1, 0, 1, 8, 0x5d, CONN, BAD_CONN },		/* signal, no eventfd */
		{ 1, 0, 1, 8, 0x99, INPUT, BAD_CODE },
	};
	struct genl_test other;
	int err;

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		in->conn = cases[i].conn;
		in->rsvd = cases[i].rsvd;
		in->type = cases[i].type;
		in->size = cases[i].size;
		EXPECT_EQ(cases[i].status,
			  hcall(&self->w, 0, cases[i].control, cases[i].gpa, &err))
			TH_LOG("case %u", i);
		EXPECT_EQ(0, err);
	}

	hcall(&self->w, 2, 0x5c, INPUT, &err);
	EXPECT_EQ(-ERANGE, err);
	EXPECT_STREQ("the partition has no such vp", self->w.extack);

	/* Another socket of the worker's process may forward (a vCPU's)... */
	ASSERT_EQ(0, genl_test_open(&other, HVKVM_VID_GENL_NAME));
	in->conn = 7, in->rsvd = 0, in->type = 1, in->size = 8;
	EXPECT_EQ(BAD_CONN, hcall(&other, 1, 0x5c, INPUT, &err));
	EXPECT_EQ(0, err);
	genl_test_close(&other);

	/* ... another process may not. */
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (genl_test_open(&other, HVKVM_VID_GENL_NAME))
			_exit(100);
		hcall(&other, 0, 0x5c, INPUT, &err);
		_exit(err == -EPERM ? 0 : 1);
	}
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Bad SynIC plumbing is refused at attach, whole. */
TEST(synic_attach_refused)
{
	struct vm_spec s = { .name = "syn", .memory = RAM, .vcpus = 2,
			     .kernel = KERNEL };
	int efd = eventfd(0, 0), pipefd[2];
	struct genl_test g, w;
	struct nlattr *nest, *port;
	struct nlmsghdr *nlh;
	const struct {
		uint32_t vp, sint;
		int bad_irq, dup_port;
		int err;
		const char *msg;
	} cases[] = {
		{ 2, SINT, 0, 0, -ERANGE, "a SINT route names a vp the partition does not have" },
		{ 0, 16, 0, 0, -ERANGE, "integer out of range" },
		{ 0, SINT, 1, 0, -EINVAL, "the irqfd is not an eventfd" },
		{ 0, SINT, 0, 1, -EEXIST, "a connection id is bound twice" },
	};

	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(0, open_empty(&g));
	ASSERT_EQ(0, vm_new(&g, &s, NULL));
	ASSERT_EQ(0, vm_cmd(&g, HVKVM_VID_CMD_VM_START, "syn", false));
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(0, genl_test_open(&w, HVKVM_VID_GENL_NAME));
		nlh = genl_test_msg(&w, HVKVM_VID_CMD_VM_ATTACH, 0);
		mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, "syn");
		nest = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_SINT_ROUTES);
		route(nlh, cases[i].vp, cases[i].sint,
		      cases[i].bad_irq ? pipefd[0] : efd, efd);
		mnl_attr_nest_end(nlh, nest);
		nest = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_PORTS);
		for (int k = 0; k < 1 + cases[i].dup_port; k++) {
			port = mnl_attr_nest_start(nlh, HVKVM_VID_PORT_A_PORT);
			mnl_attr_put_u32(nlh, HVKVM_VID_PORT_A_CONN_ID, CONN);
			mnl_attr_put_u32(nlh, HVKVM_VID_PORT_A_FD, efd);
			mnl_attr_nest_end(nlh, port);
		}
		mnl_attr_nest_end(nlh, nest);
		EXPECT_EQ(cases[i].err, genl_test_call(&w, nlh, NULL, 0)) TH_LOG("case %u", i);
		EXPECT_STREQ(cases[i].msg, w.extack) TH_LOG("case %u", i);
		genl_test_close(&w);
		/* Nothing attached: the partition is still waiting for a worker. */
		EXPECT_EQ(HVKVM_VID_STATE_STARTING, vm_state(&g, "syn"));
	}
	/* Posting to a partition no worker runs. */
	EXPECT_EQ(-ENODEV, post(&g, 0, "x"));
	EXPECT_STREQ("the partition is not running", g.extack);
	close_empty(&g);
	close(efd);
}

TEST_HARNESS_MAIN
