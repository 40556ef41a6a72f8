// SPDX-License-Identifier: GPL-2.0
/*
 * A capped, rotated, buffered log file; see logfile.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "logfile.h"

#define LOGFILE_FLAGS	(O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW)

struct logfile {
	pthread_mutex_t lock;	/* everything below */
	char *path;		/* FILE */
	char *old;		/* FILE.1 */
	int fd;			/* FILE; -1 when it could not be opened again */
	unsigned int std_mask;	/* adopted: bit n, fd n follows FILE */
	mode_t mode;
	uint64_t cap;
	uint64_t size;		/* of FILE, as far as we know */
	bool regular;		/* a regular file: capped */
	bool shared;		/* others append too: fstat() before a write */
	bool warned;		/* a failure was reported (once is enough) */
	uint64_t last_write_ms;
	size_t len;
	char buf[LOGFILE_BUF];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Open path to append; a symbolic link is refused, and said to be one. */
static int open_log(const char *path, mode_t mode, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, LOGFILE_FLAGS, mode), e;

	if (fd >= 0)
		return fd;
	e = errno;
	if (e == ELOOP && !lstat(path, &st) && S_ISLNK(st.st_mode))
		snprintf(err, errlen, "%s is a symbolic link: refused", path);
	else
		snprintf(err, errlen, "%s: %s", path, strerror(e));
	return -e;
}

static int check_cap(uint64_t cap, char *err, size_t errlen)
{
	if (cap >= LOGFILE_CAP_MIN && cap <= LOGFILE_CAP_MAX)
		return 0;
	snprintf(err, errlen, "log cap must be %u to %llu bytes, not %llu",
		 LOGFILE_CAP_MIN, LOGFILE_CAP_MAX, (unsigned long long)cap);
	return -EINVAL;
}

/* The log's own trouble goes to stderr, once per log. */
static void warn_once(struct logfile *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn_once(struct logfile *l, const char *fmt, ...)
{
	va_list ap;

	if (l->warned)
		return;
	l->warned = true;
	fprintf(stderr, "hvkvm-worker: log %s: ", l->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Stop writing anywhere: FILE may be FILE.1 by now, which must not grow. */
static void drop_fd(struct logfile *l)
{
	int null, i;

	if (l->fd < 0)
		return;
	if (!l->std_mask) {
		close(l->fd);
	} else {
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		for (i = 1; i <= 2 && null >= 0; i++)
			if (l->std_mask & (1U << i))
				dup2(null, i);
		if (null >= 0)
			close(null);
	}
	l->fd = -1;
}

/* Open FILE (again) and put it where the old one was. */
static bool reopen(struct logfile *l)
{
	char err[320];
	struct stat st;
	int fd, i;

	fd = open_log(l->path, l->mode, err, sizeof(err));
	if (fd < 0) {
		warn_once(l, "%s", err);
		drop_fd(l);
		return false;
	}
	l->regular = !fstat(fd, &st) && S_ISREG(st.st_mode);
	l->size = l->regular ? st.st_size : 0;
	if (!l->std_mask) {
		if (l->fd >= 0)
			close(l->fd);
		l->fd = fd;
		return true;
	}
	for (i = 1; i <= 2; i++)
		if (l->std_mask & (1U << i))
			dup2(fd, i);
	close(fd);
	l->fd = 2;
	return true;
}

/*
 * FILE is full: FILE becomes FILE.1 and a new FILE is opened. If FILE
 * cannot be renamed, it is emptied. False when there is nowhere to write.
 */
static bool rotate(struct logfile *l)
{
	if (!rename(l->path, l->old) || errno == ENOENT)
		return reopen(l);	/* ENOENT: someone removed FILE */
	warn_once(l, "cannot rename it to %s (%s): emptied instead", l->old,
		  strerror(errno));
	if (!ftruncate(l->fd, 0)) {
		l->size = 0;
		return true;
	}
	drop_fd(l);
	return false;
}

static void flush_locked(struct logfile *l)
{
	size_t n = l->len, done = 0;
	struct stat st;
	ssize_t w;

	l->len = 0;
	if (!n)
		return;
	l->last_write_ms = now_ms();
	if (l->fd < 0 && !reopen(l))
		return;
	if (l->regular) {
		if (l->shared && !fstat(l->fd, &st))
			l->size = st.st_size;
		/* n <= LOGFILE_BUF <= cap: the chunk fits in a new FILE. */
		if (l->size + n > l->cap && !rotate(l))
			return;
	}
	while (done < n) {
		w = write(l->fd, l->buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;		/* a full disk: the bytes are lost */
		done += w;
	}
	l->size += done;
}

static struct logfile *alloc(const char *path, mode_t mode, uint64_t cap)
{
	struct logfile *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->fd = -1;
	l->mode = mode;
	l->cap = cap;
	l->path = strdup(path);
	if (!l->path || asprintf(&l->old, "%s.1", path) < 0) {
		free(l->path);
		free(l);
		return NULL;
	}
	pthread_mutex_init(&l->lock, NULL);
	return l;
}

int logfile_open(struct logfile **lp, const char *path, mode_t mode,
		 uint64_t cap, char *err, size_t errlen)
{
	struct logfile *l;
	struct stat st;
	int ret = check_cap(cap, err, errlen);

	*lp = NULL;
	if (ret)
		return ret;
	l = alloc(path, mode, cap);
	if (!l) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	l->fd = open_log(path, mode, err, errlen);
	if (l->fd < 0) {
		ret = l->fd;
		l->fd = -1;
		logfile_close(l);
		return ret;
	}
	l->regular = !fstat(l->fd, &st) && S_ISREG(st.st_mode);
	l->size = l->regular ? st.st_size : 0;
	*lp = l;
	return 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int logfile_adopt_stderr(struct logfile **lp, const char *path, uint64_t cap,
			 char *err, size_t errlen)
{
	struct stat s2, sp, s1;
	struct logfile *l;
	int ret = check_cap(cap, err, errlen), fl;

	*lp = NULL;
	if (ret)
		return ret;
	if (fstat(2, &s2) || !S_ISREG(s2.st_mode) || lstat(path, &sp) ||
	    !S_ISREG(sp.st_mode) || !same_file(&s2, &sp))
		return 0;
	l = alloc(path, s2.st_mode & 0777, cap);
	if (!l) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	l->fd = 2;
	l->std_mask = 1U << 2;
	if (!fstat(1, &s1) && same_file(&s1, &s2))
		l->std_mask |= 1U << 1;
	/* Written at the end whatever the offset, as by everyone else. */
	fl = fcntl(2, F_GETFL);
	if (fl >= 0 && !(fl & O_APPEND))
		fcntl(2, F_SETFL, fl | O_APPEND);
	l->regular = true;
	l->shared = true;
	l->size = s2.st_size;
	*lp = l;
	return 0;
}

bool logfile_putc(struct logfile *l, char ch)
{
	bool was_empty, pending;

	pthread_mutex_lock(&l->lock);
	was_empty = !l->len;
	l->buf[l->len++] = ch;
	if (l->len == sizeof(l->buf) ||
	    (ch == '\n' && now_ms() - l->last_write_ms >= LOGFILE_LINE_MS))
		flush_locked(l);
	pending = was_empty && l->len;
	pthread_mutex_unlock(&l->lock);
	return pending;
}

void logfile_write(struct logfile *l, const void *data, size_t len)
{
	const char *p = data;
	size_t k;

	pthread_mutex_lock(&l->lock);
	while (len) {
		/* What fits in one chunk goes in one chunk, not split. */
		if (l->len && len > sizeof(l->buf) - l->len) {
			flush_locked(l);
			continue;
		}
		k = sizeof(l->buf) - l->len;
		if (k > len)
			k = len;
		memcpy(l->buf + l->len, p, k);
		l->len += k;
		p += k;
		len -= k;
		if (l->len == sizeof(l->buf))
			flush_locked(l);
	}
	flush_locked(l);
	pthread_mutex_unlock(&l->lock);
}

void logfile_flush(struct logfile *l)
{
	pthread_mutex_lock(&l->lock);
	flush_locked(l);
	pthread_mutex_unlock(&l->lock);
}

void logfile_close(struct logfile *l)
{
	if (!l)
		return;
	logfile_flush(l);
	if (!l->std_mask && l->fd >= 0)
		close(l->fd);
	pthread_mutex_destroy(&l->lock);
	free(l->old);
	free(l->path);
	free(l);
}
