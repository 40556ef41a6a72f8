// SPDX-License-Identifier: GPL-2.0
/*
 * A fake hvkvm-worker for the lab tests of hvadm: it speaks the worker's
 * side of VID's lifecycle as <linux/hvkvm_vid.h> describes it, with no
 * guest at all. Run as hvadm runs the worker:
 *
 *	fake_worker NAME
 *
 * It attaches to the partition NAME (which must be STARTING), serves a
 * console on /run/hvkvm/NAME/console.sock (a greeting, then "echo: LINE"
 * for each line typed; "bye" closes the connection) and keeps what it
 * wrote in /run/hvkvm/NAME/console.log, reports RUNNING with both paths and
 * per-vCPU exit counters, then does what VID asks: pause, resume, stop
 * (graceful or forced: it reports OFF and exits).
 *
 * FAKE_WORKER_FAIL=MESSAGE	the start fails: report OFF with this error
 * FAKE_WORKER_CRASH=KIND	the guest crashes while it boots: report
 *				CRASHED, KIND triple, guest (P0-P4) or error
 * FAKE_WORKER_EXIT=N		exit with status N once attached, reporting
 *				nothing
 * FAKE_WORKER_IGNORE_STOP=1	the guest ignores a graceful stop
 *
 * Every request to VID goes out on the socket that attached, and VID's
 * requests (VM_REQUEST_NTF) come in on it too, maybe between a report and
 * its ACK: they are kept, not dropped. It logs what it does on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include <linux/hvkvm_vid.h>

#include "../lib/genl.h"

#define MAX_CLIENTS 8

static struct genl_test g;
static const char *name;
static uint32_t vcpus = 1;
static unsigned int reports;
static int actions[32], nactions;
static char rbuf[GENL_TEST_BUF];
static FILE *console_log;
static char log_path[256], sock_path[256];
static int clients[MAX_CLIENTS];

static void say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fake_worker %s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void die(const char *what, int err)
{
	say("%s: %s%s%s", what, strerror(-err), g.extack[0] ? ": " : "", g.extack);
	exit(1);
}

/* Take in one datagram: VID's requests are queued; returns our ACK's error
 * (0 or -errno) when it came, 1 when it did not. */
static int take(uint32_t seq)
{
	ssize_t len = mnl_socket_recvfrom(g.nl, rbuf, sizeof(rbuf));
	struct nlmsghdr *nlh;
	int rem, ret = 1;

	if (len < 0)
		return -errno;
	rem = len;
	for (nlh = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, rem);
	     nlh = mnl_nlmsg_next(nlh, &rem)) {
		if (nlh->nlmsg_type == NLMSG_ERROR && seq && nlh->nlmsg_seq == seq) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			const struct nlattr *a;

			g.extack[0] = '\0';
			if (e->error && (nlh->nlmsg_flags & NLM_F_ACK_TLVS))
				mnl_attr_for_each(a, nlh, sizeof(*e))
					if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
						snprintf(g.extack, sizeof(g.extack), "%s",
							 mnl_attr_get_str(a));
			ret = e->error;
		} else if (nlh->nlmsg_type == g.family) {
			const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
			const struct nlattr *a;

			mnl_attr_for_each(a, nlh, sizeof(*gh)) {
				if (gh->cmd == HVKVM_VID_CMD_VM_REQUEST_NTF &&
				    mnl_attr_get_type(a) == HVKVM_VID_A_VM_ACTION &&
				    nactions < 32)
					actions[nactions++] = mnl_attr_get_u32(a);
				if (gh->cmd == HVKVM_VID_CMD_VM_ATTACH && seq &&
				    nlh->nlmsg_seq == seq &&
				    mnl_attr_get_type(a) == HVKVM_VID_A_VM_VCPUS)
					vcpus = mnl_attr_get_u32(a);
			}
		}
	}
	return ret;
}

static int call(struct nlmsghdr *nlh)
{
	uint32_t seq = nlh->nlmsg_seq;
	int ret;

	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(g.nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while ((ret = take(seq)) == 1)
		;
	return ret;
}

static struct nlmsghdr *msg(uint8_t cmd)
{
	struct nlmsghdr *nlh = genl_test_msg(&g, cmd, 0);

	mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_NAME, name);
	return nlh;
}

static void put_stats(struct nlmsghdr *nlh)
{
	uint64_t exits[HVKVM_VID_EXIT_COUNT];
	struct nlattr *all, *one;
	uint32_t i, j;

	all = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_VCPU_STATS);
	for (i = 0; i < vcpus; i++) {
		for (j = 0; j < HVKVM_VID_EXIT_COUNT; j++)
			exits[j] = (i + 1) * 100 * (j + 1) + reports;
		one = mnl_attr_nest_start(nlh, HVKVM_VID_VCPU_A_VCPU);
		mnl_attr_put_u32(nlh, HVKVM_VID_VCPU_A_INDEX, i);
		mnl_attr_put(nlh, HVKVM_VID_VCPU_A_EXITS, sizeof(exits), exits);
		mnl_attr_nest_end(nlh, one);
	}
	mnl_attr_nest_end(nlh, all);
}

/* Report a state (with the console and counters, while it runs). */
static void report(uint32_t state)
{
	struct nlmsghdr *nlh = msg(HVKVM_VID_CMD_VM_REPORT);
	int err;

	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, state);
	if (state == HVKVM_VID_STATE_RUNNING || state == HVKVM_VID_STATE_PAUSED) {
		reports++;
		mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_CONSOLE_LOG, log_path);
		mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_CONSOLE_SOCK, sock_path);
		put_stats(nlh);
	}
	err = call(nlh);
	if (err)
		die("report", err);
	say("reported state %u", state);
}

static void report_crash(const char *kind)
{
	static const uint64_t params[HVKVM_VID_CRASH_PARAMS] = {
		0x1e, 0xffffffff81000000ULL, 2, 3, 4 };
	struct nlmsghdr *nlh = msg(HVKVM_VID_CMD_VM_REPORT);
	struct nlattr *crash;
	int err;

	mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, HVKVM_VID_STATE_CRASHED);
	crash = mnl_attr_nest_start(nlh, HVKVM_VID_A_VM_CRASH);
	if (!strcmp(kind, "guest")) {
		mnl_attr_put_u32(nlh, HVKVM_VID_CRASH_A_KIND, HVKVM_VID_CRASH_GUEST);
		mnl_attr_put(nlh, HVKVM_VID_CRASH_A_PARAMS, sizeof(params), params);
		mnl_attr_put_strz(nlh, HVKVM_VID_CRASH_A_MESSAGE, "fake guest panic");
	} else if (!strcmp(kind, "error")) {
		mnl_attr_put_u32(nlh, HVKVM_VID_CRASH_A_KIND, HVKVM_VID_CRASH_WORKER_ERROR);
		mnl_attr_put_strz(nlh, HVKVM_VID_CRASH_A_MESSAGE, "fake KVM_RUN failure");
	} else {
		mnl_attr_put_u32(nlh, HVKVM_VID_CRASH_A_KIND, HVKVM_VID_CRASH_TRIPLE_FAULT);
	}
	mnl_attr_nest_end(nlh, crash);
	err = call(nlh);
	if (err)
		die("crash report", err);
	say("reported a crash (%s)", kind);
}

/* What the guest writes: to every client and to the log. */
static void guest_out(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int i, n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	fwrite(buf, 1, n, console_log);
	fflush(console_log);
	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i] >= 0 && send(clients[i], buf, n, MSG_NOSIGNAL) < 0) {
			close(clients[i]);
			clients[i] = -1;
		}
}

static int console_open(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[200];
	int fd;

	snprintf(dir, sizeof(dir), "%s/%s", getenv("HVKVM_RUN_DIR") ?: "/run/hvkvm", name);
	mkdir(getenv("HVKVM_RUN_DIR") ?: "/run/hvkvm", 0755);
	mkdir(dir, 0700);
	snprintf(log_path, sizeof(log_path), "%s/console.log", dir);
	snprintf(sock_path, sizeof(sock_path), "%s/console.sock", dir);
	console_log = fopen(log_path, "w");
	if (!console_log)
		die(log_path, -errno);
	unlink(sock_path);
	strcpy(sun.sun_path, sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 4))
		die(sock_path, -errno);
	return fd;
}

static void client_input(int i)
{
	static char line[MAX_CLIENTS][256];
	static size_t len[MAX_CLIENTS];
	char buf[256];
	ssize_t n, k;

	n = read(clients[i], buf, sizeof(buf));
	if (n <= 0) {
		close(clients[i]);
		clients[i] = -1;
		len[i] = 0;
		return;
	}
	for (k = 0; k < n; k++) {
		if (buf[k] != '\n' && buf[k] != '\r') {
			if (len[i] < sizeof(line[i]) - 1)
				line[i][len[i]++] = buf[k];
			continue;
		}
		line[i][len[i]] = '\0';
		len[i] = 0;
		if (!strcmp(line[i], "bye")) {
			send(clients[i], "bye\r\n", 5, MSG_NOSIGNAL);
			close(clients[i]);
			clients[i] = -1;
			return;
		}
		if (line[i][0])
			guest_out("echo: %s\r\n", line[i]);
	}
}

static void stop(void)
{
	guest_out("fake guest %s: power off\r\n", name);
	report(HVKVM_VID_STATE_OFF);
	unlink(sock_path);
	exit(0);
}

static void act(int action)
{
	say("asked to %s", action == HVKVM_VID_ACTION_STOP ? "stop" :
	    action == HVKVM_VID_ACTION_STOP_FORCE ? "stop at once" :
	    action == HVKVM_VID_ACTION_PAUSE ? "pause" :
	    action == HVKVM_VID_ACTION_RESUME ? "resume" : "do something unknown");
	switch (action) {
	case HVKVM_VID_ACTION_STOP:
		if (getenv("FAKE_WORKER_IGNORE_STOP")) {
			guest_out("fake guest %s: ignoring the shutdown request\r\n", name);
			return;
		}
		stop();
		return;
	case HVKVM_VID_ACTION_STOP_FORCE:
		stop();
		return;
	case HVKVM_VID_ACTION_PAUSE:
		report(HVKVM_VID_STATE_PAUSED);
		return;
	case HVKVM_VID_ACTION_RESUME:
		report(HVKVM_VID_STATE_RUNNING);
		return;
	}
}

int main(int argc, char **argv)
{
	struct pollfd pfd[2 + MAX_CLIENTS];
	const char *env;
	int i, n, err, lfd, fd;

	if (argc != 2) {
		fprintf(stderr, "usage: fake_worker NAME\n");
		return 2;
	}
	name = argv[1];
	for (i = 0; i < MAX_CLIENTS; i++)
		clients[i] = -1;
	err = genl_test_open(&g, HVKVM_VID_GENL_NAME);
	if (err)
		die("open", err);
	err = call(msg(HVKVM_VID_CMD_VM_ATTACH));
	if (err)
		die("attach", err);
	say("attached (%u vcpus), pid %d", vcpus, getpid());

	env = getenv("FAKE_WORKER_EXIT");
	if (env) {
		say("exiting with status %s", env);
		exit(atoi(env));
	}
	env = getenv("FAKE_WORKER_FAIL");
	if (env) {
		struct nlmsghdr *nlh = msg(HVKVM_VID_CMD_VM_REPORT);

		mnl_attr_put_u32(nlh, HVKVM_VID_A_VM_STATE, HVKVM_VID_STATE_OFF);
		mnl_attr_put_strz(nlh, HVKVM_VID_A_VM_ERROR, env);
		err = call(nlh);
		if (err)
			die("report", err);
		say("start failed: %s", env);
		return 0;
	}
	env = getenv("FAKE_WORKER_CRASH");
	if (env) {
		report_crash(env);
		return 0;
	}

	lfd = console_open();
	guest_out("fake guest %s: booted\r\n", name);
	report(HVKVM_VID_STATE_RUNNING);

	for (;;) {
		while (nactions) {
			int a = actions[0];

			memmove(actions, actions + 1, --nactions * sizeof(actions[0]));
			act(a);
		}
		pfd[0] = (struct pollfd){ .fd = mnl_socket_get_fd(g.nl), .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (i = 0; i < MAX_CLIENTS; i++)
			pfd[2 + i] = (struct pollfd){ .fd = clients[i], .events = POLLIN };
		n = poll(pfd, 2 + MAX_CLIENTS, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("poll", -errno);
		if (pfd[0].revents) {
			err = take(0);
			if (err < 0)
				die("receive", err);
		}
		if (pfd[1].revents) {
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			for (i = 0; fd >= 0 && i < MAX_CLIENTS && clients[i] >= 0; i++)
				;
			if (fd >= 0 && i == MAX_CLIENTS) {
				close(fd);
			} else if (fd >= 0) {
				char hello[128];

				clients[i] = fd;
				n = snprintf(hello, sizeof(hello),
					     "Fake guest %s console. Type, and it echoes.\r\n", name);
				send(fd, hello, n, MSG_NOSIGNAL);
				say("console client %d", i);
			}
		}
		for (i = 0; i < MAX_CLIENTS; i++)
			if (clients[i] >= 0 && pfd[2 + i].revents)
				client_input(i);
	}
}
