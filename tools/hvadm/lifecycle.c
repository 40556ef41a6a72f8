// SPDX-License-Identifier: GPL-2.0
/*
 * hvadm vm start, stop, pause, resume: ask VID, then wait until the worker
 * has done it, following the partition's events (VM_SET_NTF). start also
 * runs the worker, detached.
 *
 * The events socket joins its group before the request is sent, so no
 * event about the request is missed; events lost to a full receive buffer
 * are made up for by reading the partition's record.
 */
#define _GNU_SOURCE		/* pipe2, dup3 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include <linux/hvkvm_vid.h>

#include "hvadm.h"
#include "utils.h"

#define START_TIMEOUT 120	/* the lab is emulated, and slow */
#define STOP_TIMEOUT 120
#define PAUSE_TIMEOUT 60

#define RUN_DIR "/run/hvkvm"
#define WORKER "hvkvm-worker"

enum wait_status { WAITING, DONE, FAILED };

struct wait {
	const struct vm_handle *hd;
	uint8_t cmd;		/* HVKVM_VID_CMD_VM_{START,STOP,PAUSE,RESUME} */
	bool force;
	bool started;		/* start: the request took effect (STARTING) */
	bool attached;		/* a worker pid was seen */
	enum wait_status status;
	char msg[HVKVM_VID_ERROR_MAX + 160];	/* why it failed */
	struct nlmsghdr *rec;	/* the last record of the partition, copied */
};

static bool rec_matches(const struct vm_handle *hd, const struct nlattr **tb)
{
	if (hd->name)
		return tb[HVKVM_VID_A_VM_NAME] &&
		       !strcmp(mnl_attr_get_str(tb[HVKVM_VID_A_VM_NAME]), hd->name);
	return tb[HVKVM_VID_A_VM_ID] &&
	       mnl_attr_get_u32(tb[HVKVM_VID_A_VM_ID]) == hd->id;
}

static void fail(struct wait *w, const char *fmt, const char *arg)
{
	size_t i;

	snprintf(w->msg, sizeof(w->msg), fmt, arg);
	for (i = 0; w->msg[i]; i++)	/* one line, whatever the worker said */
		if ((unsigned char)w->msg[i] < 0x20 || w->msg[i] == 0x7f)
			w->msg[i] = ' ';
	w->status = FAILED;
}

/*
 * Where a record says the partition is, for what w waits for. fresh: the
 * record was read after the request took effect (not an event that may
 * have come before it).
 */
static void wait_check(struct wait *w, const struct nlmsghdr *nlh, bool fresh)
{
	const struct nlattr *tb[HVKVM_VID_A_MAX + 1];
	char buf[HVKVM_VID_ERROR_MAX + 128], sbuf[24];
	struct crash_info c;
	uint32_t state;

	vm_parse(nlh, tb);
	if (!rec_matches(w->hd, tb) || !tb[HVKVM_VID_A_VM_STATE])
		return;
	free(w->rec);
	w->rec = malloc(nlh->nlmsg_len);
	if (w->rec)
		memcpy(w->rec, nlh, nlh->nlmsg_len);
	if (tb[HVKVM_VID_A_VM_WORKER_PID])
		w->attached = true;
	state = mnl_attr_get_u32(tb[HVKVM_VID_A_VM_STATE]);

	if (w->cmd == HVKVM_VID_CMD_VM_START && !w->started) {
		/* what came before the start's own event is history */
		if (state != HVKVM_VID_STATE_STARTING && !fresh)
			return;
		w->started = true;
	}
	if (state == HVKVM_VID_STATE_CRASHED) {
		if (tb[HVKVM_VID_A_VM_CRASH])
			vm_crash(tb[HVKVM_VID_A_VM_CRASH], &c);
		else
			c = (struct crash_info){ .kind = UINT32_MAX };
		fail(w, "crashed: %s", format_crash(&c, buf, sizeof(buf)));
		return;
	}
	switch (w->cmd) {
	case HVKVM_VID_CMD_VM_START:
		if (state == HVKVM_VID_STATE_RUNNING || state == HVKVM_VID_STATE_PAUSED)
			w->status = DONE;
		else if (state == HVKVM_VID_STATE_OFF && tb[HVKVM_VID_A_VM_ERROR])
			fail(w, "%s", mnl_attr_get_str(tb[HVKVM_VID_A_VM_ERROR]));
		else if (state == HVKVM_VID_STATE_OFF)
			fail(w, "%s", "the VM was stopped before it started");
		return;
	case HVKVM_VID_CMD_VM_STOP:
		if (state == HVKVM_VID_STATE_OFF)
			w->status = DONE;
		return;
	case HVKVM_VID_CMD_VM_PAUSE:
	case HVKVM_VID_CMD_VM_RESUME:
		if (state == (w->cmd == HVKVM_VID_CMD_VM_PAUSE ?
			      HVKVM_VID_STATE_PAUSED : HVKVM_VID_STATE_RUNNING))
			w->status = DONE;
		else if (state == HVKVM_VID_STATE_OFF ||
			 state == HVKVM_VID_STATE_STOPPING)
			fail(w, "the VM is %s now", state_name(state, sbuf));
		return;
	}
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[HVKVM_VID_A_MAX + 1];
	struct wait *w = data;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl))
		return MNL_CB_OK;
	if (genl->cmd == HVKVM_VID_CMD_VM_SET_NTF) {
		wait_check(w, nlh, false);
	} else if (genl->cmd == HVKVM_VID_CMD_VM_DEL_NTF) {
		vm_parse(nlh, tb);
		if (rec_matches(w->hd, tb))
			fail(w, "%s", "the VM was deleted");
	}
	return w->status == WAITING ? MNL_CB_OK : MNL_CB_STOP;
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	wait_check(data, nlh, true);
	return MNL_CB_OK;
}

/* Read the partition's record now, and judge it. */
static int wait_refresh(struct hvadm *h, struct wait *w)
{
	struct nlmsghdr *nlh = nl_req(&h->nl, HVKVM_VID_CMD_VM_GET, 0);
	int err;

	put_handle(&h->nl, nlh, w->hd);
	err = nl_talk(&h->nl, nlh, get_cb, w);
	if (err == -ENOENT && w->status == WAITING)
		fail(w, "%s", "the VM was deleted");
	else if (err)
		return hvadm_perror(h, err);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait up to secs for w to be decided. pidfd, if not -1, is the worker's,
 * not attached yet: if it exits before it attaches, the start failed.
 * Returns 0 (w->status says how it went, WAITING on a time-out) or -1
 * (said).
 */
static int wait_for(struct hvadm *h, struct wait *w, unsigned int secs, int pidfd)
{
	int64_t deadline = now_ms() + (int64_t)secs * 1000, left;
	struct pollfd pfd[2] = {
		{ .fd = nl_fd(h->ev), .events = POLLIN },
		{ .fd = pidfd, .events = POLLIN },
	};
	int n, err;

	while (w->status == WAITING) {
		left = deadline - now_ms();
		if (left <= 0)
			break;
		n = poll(pfd, 2, left > INT_MAX ? INT_MAX : left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pr_err("poll: %s", strerror(errno));
		if (pfd[0].revents) {	/* events first: they tell more */
			err = nl_recv(h->ev, event_cb, w);
			if (err == -ENOBUFS)
				err = wait_refresh(h, w);
			else if (err < 0)
				return nl_perror(h->ev, err);
			if (err < 0)
				return -1;
			continue;
		}
		if (pfd[1].revents) {
			/*
			 * VID has dealt with the worker's socket before its
			 * process is gone: the record says it all.
			 */
			close(pfd[1].fd);
			pfd[1].fd = -1;
			if (wait_refresh(h, w))
				return -1;
			if (w->status == WAITING && !w->attached)
				return 1;
		}
	}
	return 0;
}

/* Send a lifecycle request: 0 or -1 (said). */
static int request(struct hvadm *h, uint8_t cmd, const struct vm_handle *hd,
		   bool force)
{
	struct nlmsghdr *nlh = nl_req(&h->nl, cmd, 0);
	int err;

	put_handle(&h->nl, nlh, hd);
	if (force && !mnl_attr_put_check(nlh, sizeof(h->nl.buf),
					 HVKVM_VID_A_VM_FORCE, 0, NULL))
		h->nl.overflow = true;
	err = nl_talk(&h->nl, nlh, NULL, NULL);
	return err ? hvadm_perror(h, err) : 0;
}

/* On success, -j prints the partition as the last event showed it. */
static int wait_done(struct hvadm *h, struct wait *w)
{
	if (w->status == FAILED)
		return pr_err("%s", w->msg);
	if (h->json && w->rec) {
		vm_print(&h->pr, NULL, w->rec);
		print_end(&h->pr);
	}
	return 0;
}

/*
 * VM [ force ] [ timeout SECS ]; force only where force is not NULL, also
 * spelled --force.
 */
static int parse_args(int argc, char **argv, struct vm_handle *hd,
		      bool *force, unsigned int *secs)
{
	int n = parse_handle(argc, argv, hd);

	if (n < 0)
		return -1;
	for (argc -= n, argv += n; argc > 0; argc--, argv++) {
		if (force && (!strcmp(argv[0], "force") ||
			      !strcmp(argv[0], "--force"))) {
			*force = true;
		} else if (!strcmp(argv[0], "timeout")) {
			if (argc < 2)
				return pr_err("missing value for \"timeout\"");
			if (parse_timeout(argv[1], secs))
				return pr_err("invalid timeout \"%s\" (1 to %d seconds)",
					      argv[1], TIMEOUT_MAX);
			argc--, argv++;
		} else {
			return pr_err("unexpected argument \"%s\", try \"hvadm vm help\"",
				      argv[0]);
		}
	}
	return 0;
}

static int connect_both(struct hvadm *h)
{
	return hvadm_connect(h, false) ?: hvadm_connect_events(h);
}

/* ---- the worker ---- */

/* $HVKVM_WORKER, else ../worker/hvkvm-worker beside hvadm, else PATH's. */
static char *worker_path(void)
{
	const char *env = getenv("HVKVM_WORKER");
	char exe[PATH_MAX], *slash, *path;
	ssize_t n;

	if (env && *env)
		return strdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (asprintf(&path, "%s/../worker/" WORKER, exe) < 0)
				return NULL;
			if (!access(path, X_OK))
				return path;
			free(path);
		}
	}
	return strdup(WORKER);
}

/* Keep fd above 2, where 0, 1 and 2 of the worker will not clobber it. */
static int high_fd(int fd)
{
	int hi;

	if (fd < 0 || fd > 2)
		return fd;
	hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return hi;
}

/* RUN_DIR/NAME, mode 0700, and its worker.log, opened to append. */
static int open_log(const char *name, char **logpath)
{
	const char *dir = getenv("HVKVM_RUN_DIR");
	char *vmdir = NULL;
	struct stat st;
	int fd = -1;

	if (!dir || !*dir)
		dir = RUN_DIR;
	*logpath = NULL;
	if (asprintf(&vmdir, "%s/%s", dir, name) < 0 ||
	    asprintf(logpath, "%s/worker.log", vmdir) < 0) {
		free(vmdir);
		return pr_err("%s", strerror(ENOMEM));
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		pr_err("cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	if (mkdir(vmdir, 0700) && errno != EEXIST) {
		pr_err("cannot create %s: %s", vmdir, strerror(errno));
		goto out;
	}
	/* Never through a symbolic link: the worker runs as root. */
	fd = high_fd(open(*logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
			  O_NOFOLLOW, 0600));
	if (fd < 0 && errno == ELOOP && !lstat(*logpath, &st) && S_ISLNK(st.st_mode))
		pr_err("cannot open %s: a symbolic link, refused", *logpath);
	else if (fd < 0)
		pr_err("cannot open %s: %s", *logpath, strerror(errno));
out:
	free(vmdir);
	return fd;
}

static void close_from(int lowfd)
{
	int fd, max;

#ifdef SYS_close_range
	if (!syscall(SYS_close_range, lowfd, ~0U, 0))
		return;
#endif
	max = sysconf(_SC_OPEN_MAX);
	for (fd = lowfd; fd < (max > 0 ? max : 1024); fd++)
		close(fd);
}

/* What the worker's side of the fork tells hvadm, through a pipe. */
struct spawn_msg {
	pid_t pid;
	int err;		/* errno of what failed, or 0 */
};

/* In the grandchild: become the worker, or tell why not. Never returns. */
static void exec_worker(const char *prog, const char *name, int logfd, int wfd)
{
	struct spawn_msg m = { .pid = getpid() };
	char *argv[] = { (char *)prog, (char *)name, NULL };
	sigset_t none;
	int fd, sig;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (write(wfd, &m, sizeof(m)) != sizeof(m))
		_exit(127);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0 ||
	    (wfd != 3 && dup3(wfd, 3, O_CLOEXEC) < 0) || chdir("/")) {
		m.err = errno;
	} else {
		close_from(4);
		execvp(prog, argv);
		m.err = errno;
		wfd = 3;
	}
	if (write(wfd, &m, sizeof(m)) != sizeof(m))
		_exit(127);
	_exit(127);
}

/*
 * Run prog NAME in a session of its own, orphaned (so that hvadm leaving
 * does not touch it), stdin /dev/null, stdout and stderr to logfd, no
 * other file open. Returns 0 with its pid in *pid, or -errno.
 */
static int spawn_worker(const char *prog, const char *name, int logfd,
			pid_t *pid)
{
	struct spawn_msg m;
	int p[2], st, err = 0;
	pid_t child;
	ssize_t n;

	*pid = 0;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	p[1] = high_fd(p[1]);
	child = fork();
	if (child < 0) {
		err = -errno;
		close(p[0]);
		close(p[1]);
		return err;
	}
	if (!child) {
		close(p[0]);
		m.pid = 0;
		if (setsid() < 0 || (child = fork()) < 0) {
			m.err = errno;
			if (write(p[1], &m, sizeof(m)) != sizeof(m))
				_exit(1);
			_exit(1);
		}
		if (!child)
			exec_worker(prog, name, logfd, p[1]);
		_exit(0);
	}
	close(p[1]);
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	/* until every end is closed: the child's, and the worker's at exec */
	while ((n = read(p[0], &m, sizeof(m))) == sizeof(m) || (n < 0 && errno == EINTR)) {
		if (n < 0)
			continue;
		if (m.pid)
			*pid = m.pid;
		if (m.err && !err)
			err = -m.err;
	}
	close(p[0]);
	if (!err && !*pid)
		err = -ECHILD;
	return err;
}

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/*
 * The name of the partition hd names, asked of VID even when hd is a name:
 * no directory is made for a VM that does not exist.
 */
static int vm_name_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[HVKVM_VID_A_MAX + 1];
	char **name = data;

	vm_parse(nlh, tb);
	if (tb[HVKVM_VID_A_VM_NAME] && !*name)
		*name = strdup(mnl_attr_get_str(tb[HVKVM_VID_A_VM_NAME]));
	return MNL_CB_OK;
}

char *vm_name(struct hvadm *h, const struct vm_handle *hd)
{
	struct nlmsghdr *nlh;
	char *name = NULL;
	int err;

	nlh = nl_req(&h->nl, HVKVM_VID_CMD_VM_GET, 0);
	put_handle(&h->nl, nlh, hd);
	err = nl_talk(&h->nl, nlh, vm_name_cb, &name);
	if (err || !name) {
		free(name);
		hvadm_perror(h, err ?: -EPROTO);
		return NULL;
	}
	return name;
}

/* ---- verbs ---- */

int vm_start(struct hvadm *h, int argc, char **argv)
{
	unsigned int secs = START_TIMEOUT;
	struct vm_handle hd;
	struct wait w = { .hd = &hd, .cmd = HVKVM_VID_CMD_VM_START };
	char *name = NULL, *prog = NULL, *logpath = NULL;
	sigset_t block, old;
	int logfd = -1, pidfd = -1, ret = -1, err;
	pid_t pid;

	if (parse_args(argc, argv, &hd, NULL, &secs) || connect_both(h))
		return -1;
	name = vm_name(h, &hd);
	if (!name)
		goto out;
	prog = worker_path();
	logfd = open_log(name, &logpath);
	if (!prog || logfd < 0)
		goto out;

	/* A start must not be left without its worker: no signal in between. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (request(h, HVKVM_VID_CMD_VM_START, &hd, false)) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		goto out;
	}
	err = spawn_worker(prog, name, logfd, &pid);
	if (err) {
		/* a starting partition that no worker attached to goes off */
		request(h, HVKVM_VID_CMD_VM_STOP, &hd, false);
		sigprocmask(SIG_SETMASK, &old, NULL);
		pr_err("cannot run the worker \"%s\": %s", prog, strerror(-err));
		goto out;
	}
	pidfd = pidfd_of(pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(logfd);
	logfd = -1;

	err = wait_for(h, &w, secs, pidfd);
	if (err > 0) {
		/* the worker exited before it attached: nothing will come */
		request(h, HVKVM_VID_CMD_VM_STOP, &hd, false);
		pr_err("the worker exited before it took the VM up (see %s)", logpath);
	} else if (!err && w.status == WAITING) {
		pr_err("no answer from the worker within %u s", secs);
	} else if (!err) {
		ret = wait_done(h, &w);
	}
out:
	if (pidfd >= 0)
		close(pidfd);
	if (logfd >= 0)
		close(logfd);
	free(w.rec);
	free(logpath);
	free(prog);
	free(name);
	return ret;
}

int vm_stop(struct hvadm *h, int argc, char **argv)
{
	unsigned int secs = STOP_TIMEOUT;
	struct vm_handle hd;
	struct wait w = { .hd = &hd, .cmd = HVKVM_VID_CMD_VM_STOP };
	int ret = -1;

	if (parse_args(argc, argv, &hd, &w.force, &secs) || connect_both(h) ||
	    request(h, HVKVM_VID_CMD_VM_STOP, &hd, w.force) ||
	    wait_for(h, &w, secs, -1))
		goto out;
	if (w.status != WAITING)
		ret = wait_done(h, &w);
	else if (w.force)
		pr_err("no answer from the worker within %u s, even to a forced stop", secs);
	else
		pr_err("no answer from the worker within %u s; try \"hvadm vm stop %s%s force\"",
		       secs, hd.name ? "" : "id ", hd.name ? hd.name : argv[1]);
out:
	free(w.rec);
	return ret;
}

static int pause_resume(struct hvadm *h, int argc, char **argv, uint8_t cmd)
{
	unsigned int secs = PAUSE_TIMEOUT;
	struct vm_handle hd;
	struct wait w = { .hd = &hd, .cmd = cmd };
	int ret = -1;

	if (parse_args(argc, argv, &hd, NULL, &secs) || connect_both(h) ||
	    request(h, cmd, &hd, false) || wait_for(h, &w, secs, -1))
		goto out;
	if (w.status != WAITING)
		ret = wait_done(h, &w);
	else
		pr_err("no answer from the worker within %u s", secs);
out:
	free(w.rec);
	return ret;
}

int vm_pause(struct hvadm *h, int argc, char **argv)
{
	return pause_resume(h, argc, argv, HVKVM_VID_CMD_VM_PAUSE);
}

int vm_resume(struct hvadm *h, int argc, char **argv)
{
	return pause_resume(h, argc, argv, HVKVM_VID_CMD_VM_RESUME);
}
