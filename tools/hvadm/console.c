// SPDX-License-Identifier: GPL-2.0
/*
 * hvadm vm console: the guest's console, through the unix socket its
 * worker serves (VM_CONSOLE_SOCK). What the socket says goes to stdout,
 * what stdin says goes to the socket. On a terminal, stdin is raw and
 * Ctrl-] detaches; otherwise the copy ends when the socket closes (stdin
 * ending only stops the input), or after the time-out given.
 */
#define _GNU_SOURCE		/* ppoll */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/hvkvm_vid.h>

#include "hvadm.h"
#include "utils.h"

#define DETACH_CHAR 0x1d	/* Ctrl-] */

struct console_vm {
	uint32_t state;
	bool has_state;
	char *sock;		/* VM_CONSOLE_SOCK, or NULL */
};

static int console_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[HVKVM_VID_A_MAX + 1];
	struct console_vm *c = data;

	vm_parse(nlh, tb);
	if (tb[HVKVM_VID_A_VM_STATE]) {
		c->state = mnl_attr_get_u32(tb[HVKVM_VID_A_VM_STATE]);
		c->has_state = true;
	}
	if (tb[HVKVM_VID_A_VM_CONSOLE_SOCK] && !c->sock)
		c->sock = strdup(mnl_attr_get_str(tb[HVKVM_VID_A_VM_CONSOLE_SOCK]));
	return MNL_CB_OK;
}

/* Write all of buf; false on an error (errno set). */
static bool write_all(int fd, const char *buf, size_t len, bool sock)
{
	ssize_t n;

	while (len) {
		n = sock ? send(fd, buf, len, MSG_NOSIGNAL) : write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= n;
	}
	return true;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static void on_signal(int sig)
{
	(void)sig;		/* only to interrupt ppoll */
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Copy between sock and stdin/stdout until the socket closes, Ctrl-] on a
 * terminal, a signal in sigmask's complement, or the deadline (0: none).
 */
static int copy(int sock, bool tty, const sigset_t *sigmask, int64_t deadline)
{
	struct pollfd pfd[2] = {
		{ .fd = sock, .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};
	struct timespec ts, *tsp;
	char buf[4096], *ctl;
	int64_t left;
	ssize_t n;

	for (;;) {
		tsp = NULL;
		if (deadline) {
			left = deadline - now_ms();
			if (left <= 0)
				return 0;
			ts.tv_sec = left / 1000;
			ts.tv_nsec = left % 1000 * 1000000;
			tsp = &ts;
		}
		if (ppoll(pfd, 2, tsp, sigmask) < 0) {
			if (errno == EINTR)
				return 0;	/* SIGINT, SIGTERM, SIGHUP */
			return pr_err("poll: %s", strerror(errno));
		}
		if (pfd[0].revents) {
			n = read(sock, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno != ECONNRESET)
				return pr_err("console: %s", strerror(errno));
			if (n <= 0)
				return 0;	/* the worker closed it */
			if (!write_all(STDOUT_FILENO, buf, n, false))
				return pr_err("cannot write output: %s", strerror(errno));
		}
		if (pfd[1].revents) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				/* no more input; the output goes on */
				pfd[1].fd = -1;
				continue;
			}
			ctl = tty ? memchr(buf, DETACH_CHAR, n) : NULL;
			if (ctl)
				n = ctl - buf;
			if (n && !write_all(sock, buf, n, true) && errno != EPIPE &&
			    errno != ECONNRESET)
				return pr_err("console: %s", strerror(errno));
			if (ctl)
				return 0;
		}
	}
}

int vm_console(struct hvadm *h, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_sa[4];
	static const int sigs[4] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct console_vm c = { 0 };
	unsigned int secs = 0, i;
	struct termios saved, raw;
	struct vm_handle hd;
	struct nlmsghdr *nlh;
	sigset_t block, orig, old;
	bool tty = false;
	int n, err, sock, ret = -1;
	char sbuf[24];

	n = parse_handle(argc, argv, &hd);
	if (n < 0)
		return -1;
	argc -= n, argv += n;
	if (argc && !strcmp(argv[0], "timeout")) {
		if (argc < 2)
			return pr_err("missing value for \"timeout\"");
		if (parse_timeout(argv[1], &secs))
			return pr_err("invalid timeout \"%s\" (1 to %d seconds)",
				      argv[1], TIMEOUT_MAX);
		argc -= 2, argv += 2;
	}
	if (argc)
		return pr_err("unexpected argument \"%s\", try \"hvadm vm help\"",
			      argv[0]);
	if (hvadm_connect(h, false))
		return -1;
	nlh = nl_req(&h->nl, HVKVM_VID_CMD_VM_GET, 0);
	put_handle(&h->nl, nlh, &hd);
	err = nl_talk(&h->nl, nlh, console_cb, &c);
	if (err)
		return hvadm_perror(h, err);
	if (c.state != HVKVM_VID_STATE_RUNNING && c.state != HVKVM_VID_STATE_PAUSED) {
		pr_err("the VM is not running (it is %s)", state_name(c.state, sbuf));
		goto out;
	}
	if (!c.sock) {
		pr_err("the VM has no console socket (its worker gave none)");
		goto out;
	}
	sock = connect_unix(c.sock);
	if (sock < 0) {
		pr_err("cannot connect to the console %s: %s", c.sock, strerror(errno));
		goto out;
	}

	/* Signals end the copy (in ppoll) and nothing else: the terminal is restored. */
	sigemptyset(&block);
	for (i = 0; i < 4; i++) {
		sigaddset(&block, sigs[i]);
		sigaction(sigs[i], &sa, &old_sa[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &orig);
	/* a closed stdout is an error to report, with the terminal restored */
	signal(SIGPIPE, SIG_IGN);
	old = orig;
	for (i = 0; i < 4; i++)
		sigdelset(&old, sigs[i]);

	tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved);
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tty = !tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	if (tty)
		fprintf(stderr, "Connected to the console; Ctrl-] detaches.\r\n");
	ret = copy(sock, tty, &old, secs ? now_ms() + secs * 1000LL : 0);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		fputc('\n', stderr);
	}
	close(sock);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], &old_sa[i], NULL);
out:
	free(c.sock);
	return ret;
}
