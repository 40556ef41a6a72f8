// SPDX-License-Identifier: GPL-2.0
/*
 * The guest console's two ends on the host: a log file that every byte the
 * guest sends is appended to, and an attach point, a unix stream socket.
 * One client at a time gets the output live and types the input; a second
 * one is told the console is busy. A slow client loses output rather than
 * stalling the vCPU that writes it.
 *
 * The log is a logfile (logfile.h): capped and rotated, so that a guest
 * that writes without end fills at most twice the cap, and buffered, so
 * that it costs a write(2) per line or per LOGFILE_BUF bytes, not per
 * byte. A line that ends without a newline (a prompt) is written by the
 * console thread within CONSOLE_FLUSH_MS; the rest at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "logfile.h"

#define CONSOLE_FLUSH_MS	LOGFILE_LINE_MS

struct wvm_console {
	struct wvm *w;
	struct logfile *log;
	int listen_fd;
	int wake_fd;		/* the thread: bytes to flush, or stop */
	bool stop;
	pthread_mutex_t lock;	/* client_fd */
	int client_fd;
	char *sock_path;
	pthread_t thread;
	bool thread_started;
};

static void wake(struct wvm_console *c)
{
	uint64_t one = 1;

	(void)!write(c->wake_fd, &one, sizeof(one));
}

void console_out(struct wvm_console *c, uint8_t ch)
{
	if (!c)
		return;
	/* A full disk must not stop the guest: errors are ignored. */
	if (c->log && logfile_putc(c->log, ch))
		wake(c);	/* a partial line: flush it soon */
	pthread_mutex_lock(&c->lock);
	if (c->client_fd >= 0)
		send(c->client_fd, &ch, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	pthread_mutex_unlock(&c->lock);
}

static void drop_client(struct wvm_console *c)
{
	pthread_mutex_lock(&c->lock);
	close(c->client_fd);
	c->client_fd = -1;
	pthread_mutex_unlock(&c->lock);
}

static void accept_client(struct wvm_console *c)
{
	static const char busy[] = "hvkvm: console busy, one client at a time\r\n";
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->client_fd < 0) {
		c->client_fd = fd;
		fd = -1;
	}
	pthread_mutex_unlock(&c->lock);
	if (fd >= 0) {
		send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(fd);
	}
}

/* Client input goes to the UART as fast as the guest drains it. */
static void client_input(struct wvm_console *c)
{
	uint8_t buf[64];
	size_t room = uart_rx_room(c->w->uart);
	ssize_t n;

	if (!room)
		return;
	n = recv(c->client_fd, buf, room < sizeof(buf) ? room : sizeof(buf),
		 MSG_DONTWAIT);
	if (n > 0)
		uart_rx(c->w->uart, buf, n);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		drop_client(c);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Accepts the client, passes its input to the UART, and writes a partial
 * line out CONSOLE_FLUSH_MS after console_out() said there is one.
 */
static void *console_thread(void *arg)
{
	struct wvm_console *c = arg;
	uint64_t flush_at = 0, now, left, ticks;
	struct pollfd p[3];

	pthread_setname_np(pthread_self(), "console");
	for (;;) {
		bool uart_full = false;
		int timeout = -1;
		nfds_t n = 2;

		p[0] = (struct pollfd){ .fd = c->wake_fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
		if (c->client_fd >= 0) {
			/* When the UART is full, look again a little later. */
			if (uart_rx_room(c->w->uart))
				p[n++] = (struct pollfd){ .fd = c->client_fd,
							  .events = POLLIN };
			else
				uart_full = true;
		}
		if (uart_full)
			timeout = 10;
		if (flush_at) {
			now = now_ms();
			left = flush_at > now ? flush_at - now : 0;
			if (timeout < 0 || left < (uint64_t)timeout)
				timeout = left;
		}
		if (poll(p, n, timeout) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN) {
			(void)!read(c->wake_fd, &ticks, sizeof(ticks));
			if (__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE))
				break;
			if (!flush_at)
				flush_at = now_ms() + CONSOLE_FLUSH_MS;
		}
		if (flush_at && now_ms() >= flush_at) {
			logfile_flush(c->log);
			flush_at = 0;
		}
		if (p[1].revents & POLLIN)
			accept_client(c);
		if (n > 2 && p[2].revents)
			client_input(c);
		else if (uart_full && c->client_fd >= 0)
			client_input(c);
	}
	return NULL;
}

static int listen_on(struct wvm *w, struct wvm_console *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return wvm_fail(w, ENAMETOOLONG, "console socket path too long: %s",
				path);
	strcpy(sa.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return wvm_fail(w, EEXIST, "%s exists and is not a socket",
					path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			return wvm_fail(w, EADDRINUSE,
					"console socket %s is in use", path);
		}
		if (fd >= 0)
			close(fd);
		unlink(path);		/* left over by a worker that died */
	}
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0 ||
	    bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return wvm_fail(w, errno, "console socket %s: %s", path,
				strerror(errno));
	c->sock_path = strdup(path);
	if (chmod(path, 0600) < 0 || listen(c->listen_fd, 2) < 0 ||
	    !c->sock_path)
		return wvm_fail(w, errno ? errno : ENOMEM, "console socket %s: %s",
				path, strerror(errno));
	return 0;
}

int console_create(struct wvm *w, struct wvm_console **cp)
{
	struct wvm_console *c = calloc(1, sizeof(*c));
	char err[320];
	int ret = 0;

	if (!c)
		return wvm_fail(w, ENOMEM, "out of memory");
	c->w = w;
	c->listen_fd = c->wake_fd = c->client_fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	*cp = c;

	if (w->cfg.console_log) {
		ret = logfile_open(&c->log, w->cfg.console_log, 0640,
				   w->cfg.console_log_cap ?: WVM_CONSOLE_LOG_CAP,
				   err, sizeof(err));
		if (ret)
			return wvm_fail(w, -ret, "console log %s", err);
	}
	if (w->cfg.console_sock) {
		ret = listen_on(w, c, w->cfg.console_sock);
		if (ret)
			return ret;
	}
	if (!c->log && c->listen_fd < 0)
		return 0;
	c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->wake_fd < 0)
		return wvm_fail(w, errno, "eventfd: %s", strerror(errno));
	ret = -pthread_create(&c->thread, NULL, console_thread, c);
	if (ret)
		return wvm_fail(w, -ret, "console thread: %s", strerror(-ret));
	c->thread_started = true;
	return 0;
}

void console_destroy(struct wvm_console *c)
{
	if (!c)
		return;
	if (c->thread_started) {
		__atomic_store_n(&c->stop, true, __ATOMIC_RELEASE);
		wake(c);
		pthread_join(c->thread, NULL);
	}
	if (c->client_fd >= 0)
		close(c->client_fd);
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	if (c->sock_path) {
		unlink(c->sock_path);
		free(c->sock_path);
	}
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	logfile_close(c->log);	/* what is buffered is written */
	pthread_mutex_destroy(&c->lock);
	free(c);
}
