// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the worker's log files (tools/worker/logfile.c), built
 * natively: the cap and its one rotated generation, what is kept of the
 * newest bytes, O_NOFOLLOW, the buffer and when it goes out, and a
 * standard error taken over. Each test works in a directory of its own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "logfile.h"

#define CAP	16384

/* Bytes a stream would have: numbered lines, so that any cut shows. */
static char *stream(size_t len)
{
	char *s = malloc(len), line[32];
	size_t i = 0, k;
	unsigned int n = 0;

	while (s && i < len) {
		k = snprintf(line, sizeof(line), "line %07u of the stream\n", n++);
		if (k > len - i)
			k = len - i;
		memcpy(s + i, line, k);
		i += k;
	}
	return s;
}

/* The whole of path, NUL-terminated; its size in *len (0 if absent). */
static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	*len = 0;
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return calloc(1, 1);
	}
	buf = malloc(st.st_size + 1);
	if (buf && read(fd, buf, st.st_size) == st.st_size) {
		*len = st.st_size;
		buf[*len] = '\0';
	}
	close(fd);
	return buf;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/* FILE's last bytes (up to 64) are those before s[len]. */
static bool ends_with(const char *path, const char *s, size_t len)
{
	size_t n, m;
	char *buf = slurp(path, &n);
	bool ok;

	m = n < 64 ? n : 64;
	ok = m > 0 && m <= len && !memcmp(buf + n - m, s + len - m, m);
	free(buf);
	return ok;
}

/* Entries of dir other than . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

FIXTURE(dir) {
	char dir[64];
	char file[96];		/* dir/log */
	char old[96];		/* dir/log.1 */
	char err[320];
};

FIXTURE_SETUP(dir)
{
	strcpy(self->dir, "/tmp/logfile_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->file, sizeof(self->file), "%s/log", self->dir);
	snprintf(self->old, sizeof(self->old), "%s/log.1", self->dir);
}

FIXTURE_TEARDOWN(dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("could not remove %s", self->dir);
}

/*
 * After len bytes of s: FILE and FILE.1 within the cap, FILE.1 then FILE
 * the newest bytes of s without a gap, at least a cap of them.
 */
static void check_kept(struct __test_metadata *_metadata,
		       FIXTURE_DATA(dir) *self, const char *s, size_t len)
{
	size_t n1, n0;
	char *old = slurp(self->old, &n1), *cur = slurp(self->file, &n0);

	ASSERT_NE(NULL, old);
	ASSERT_NE(NULL, cur);
	EXPECT_LE(n0, (size_t)CAP);
	EXPECT_LE(n1, (size_t)CAP);
	EXPECT_GT(n1, 0u);			/* it did rotate */
	EXPECT_GE(n0 + n1, (size_t)CAP);	/* nothing of the last cap lost */
	ASSERT_LE(n0 + n1, len);
	/* FILE ends the stream; FILE.1 comes right before it. */
	EXPECT_EQ(0, memcmp(cur, s + len - n0, n0));
	EXPECT_EQ(0, memcmp(old, s + len - n0 - n1, n1));
	EXPECT_EQ(2, entries(self->dir));	/* one old generation */
	free(old);
	free(cur);
}

/* 3 caps byte by byte, as the console writes. */
TEST_F(dir, cap_and_rotation_putc)
{
	size_t len = 3 * CAP, i;
	struct logfile *l;
	char *s = stream(len);

	ASSERT_EQ(0, logfile_open(&l, self->file, 0640, CAP, self->err,
				  sizeof(self->err)));
	for (i = 0; i < len; i++)
		logfile_putc(l, s[i]);
	logfile_close(l);
	check_kept(_metadata, self, s, len);
	free(s);
}

/* 3 caps in chunks of all sizes, as the worker's lines. */
TEST_F(dir, cap_and_rotation_write)
{
	size_t len = 3 * CAP + 123, i = 0, k = 1;
	struct logfile *l;
	char *s = stream(len);

	ASSERT_EQ(0, logfile_open(&l, self->file, 0600, CAP, self->err,
				  sizeof(self->err)));
	while (i < len) {
		if (k > len - i)
			k = len - i;
		logfile_write(l, s + i, k);
		/* Written at once: FILE ends with the stream so far. */
		ASSERT_TRUE(ends_with(self->file, s, i + k));
		i += k;
		k = k * 7 % 5000 + 1;	/* 1 to 5000 bytes, > LOGFILE_BUF too */
	}
	logfile_close(l);
	check_kept(_metadata, self, s, len);
	free(s);
}

/* An older FILE.1 is replaced, not kept beside: two files at most. */
TEST_F(dir, one_old_generation)
{
	char *s = stream(5 * CAP), *old;
	struct logfile *l;
	size_t n;
	int fd;

	fd = open(self->old, O_WRONLY | O_CREAT, 0600);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(5, write(fd, "STALE", 5));
	close(fd);
	ASSERT_EQ(0, logfile_open(&l, self->file, 0600, CAP, self->err,
				  sizeof(self->err)));
	logfile_write(l, s, 5 * CAP);
	logfile_close(l);
	check_kept(_metadata, self, s, 5 * CAP);
	old = slurp(self->old, &n);
	EXPECT_EQ(NULL, strstr(old, "STALE"));
	free(old);
	free(s);
}

/* A FILE already at its cap goes to FILE.1 at the first write. */
TEST_F(dir, full_file_rotates_first)
{
	char *s = stream(CAP), *cur;
	struct logfile *l;
	size_t n;
	int fd;

	fd = open(self->file, O_WRONLY | O_CREAT, 0600);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(CAP, write(fd, s, CAP));
	close(fd);
	ASSERT_EQ(0, logfile_open(&l, self->file, 0600, CAP, self->err,
				  sizeof(self->err)));
	logfile_write(l, "new run\n", 8);
	logfile_close(l);
	EXPECT_EQ(CAP, size_of(self->old));
	cur = slurp(self->file, &n);
	EXPECT_STREQ("new run\n", cur);
	free(cur);
	free(s);
}

/* Symbolic links are refused, dangling or not; nothing is created. */
TEST_F(dir, nofollow)
{
	char target[128];
	struct logfile *l = (void *)1;

	snprintf(target, sizeof(target), "%s/target", self->dir);
	ASSERT_EQ(0, symlink(target, self->file));
	EXPECT_EQ(-ELOOP, logfile_open(&l, self->file, 0600, CAP, self->err,
				       sizeof(self->err)));
	EXPECT_EQ(NULL, l);
	EXPECT_NE(NULL, strstr(self->err, "is a symbolic link: refused"));
	EXPECT_NE(NULL, strstr(self->err, self->file));
	EXPECT_EQ(-1, size_of(target));		/* not created */

	ASSERT_EQ(0, close(open(target, O_WRONLY | O_CREAT, 0600)));
	EXPECT_EQ(-ELOOP, logfile_open(&l, self->file, 0600, CAP, self->err,
				       sizeof(self->err)));
	EXPECT_EQ(0, size_of(target));
}

/* A link planted at FILE is renamed away by the rotation, never written through. */
TEST_F(dir, link_at_rotation)
{
	char target[128], *s = stream(2 * CAP);
	struct logfile *l;

	snprintf(target, sizeof(target), "%s/target", self->dir);
	ASSERT_EQ(0, logfile_open(&l, self->file, 0600, CAP, self->err,
				  sizeof(self->err)));
	logfile_write(l, s, CAP);
	/* FILE replaced by a link: the next rotation must not write there. */
	ASSERT_EQ(0, unlink(self->file));
	ASSERT_EQ(0, symlink(target, self->file));
	/* The link is renamed away like FILE would be; a new FILE is made. */
	logfile_write(l, s + CAP, CAP);
	logfile_close(l);
	EXPECT_EQ(-1, size_of(target));
	EXPECT_EQ(CAP, size_of(self->file));
	free(s);
}

/* A partial line waits in the buffer, and close writes it. */
TEST_F(dir, buffered_until_flush_or_close)
{
	struct logfile *l;
	size_t n;
	char *cur;

	ASSERT_EQ(0, logfile_open(&l, self->file, 0600, CAP, self->err,
				  sizeof(self->err)));
	EXPECT_TRUE(logfile_putc(l, 'a'));	/* a new partial line */
	EXPECT_FALSE(logfile_putc(l, 'b'));	/* already said */
	EXPECT_EQ(0, size_of(self->file));
	logfile_flush(l);
	EXPECT_EQ(2, size_of(self->file));
	/* The first newline in a while goes out at once... */
	usleep(3 * LOGFILE_LINE_MS * 1000);
	logfile_putc(l, '\n');
	EXPECT_EQ(3, size_of(self->file));
	/* ...the next ones, right after, wait for a flush: a flood of
	 * short lines is not a write each. */
	logfile_putc(l, 'c');
	logfile_putc(l, '\n');
	logfile_putc(l, 'd');
	EXPECT_EQ(3, size_of(self->file));
	logfile_close(l);
	cur = slurp(self->file, &n);
	EXPECT_STREQ("ab\nc\nd", cur);
	free(cur);
}

/* A full buffer goes out without a newline or a flush. */
TEST_F(dir, full_buffer_written)
{
	struct logfile *l;
	int i;

	ASSERT_EQ(0, logfile_open(&l, self->file, 0600, CAP, self->err,
				  sizeof(self->err)));
	for (i = 0; i < LOGFILE_BUF - 1; i++)
		logfile_putc(l, 'x');
	EXPECT_EQ(0, size_of(self->file));
	logfile_putc(l, 'x');
	EXPECT_EQ(LOGFILE_BUF, size_of(self->file));
	logfile_close(l);
}

TEST_F(dir, cap_range)
{
	struct logfile *l;

	EXPECT_EQ(-EINVAL, logfile_open(&l, self->file, 0600, LOGFILE_CAP_MIN - 1,
					self->err, sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "log cap must be"));
	EXPECT_EQ(-EINVAL, logfile_open(&l, self->file, 0600, LOGFILE_CAP_MAX + 1,
					self->err, sizeof(self->err)));
	EXPECT_EQ(-1, size_of(self->file));
	ASSERT_EQ(0, logfile_open(&l, self->file, 0600, LOGFILE_CAP_MIN,
				  self->err, sizeof(self->err)));
	logfile_close(l);
}

/* FILE.1 cannot be replaced (a directory there): FILE is emptied. */
TEST_F(dir, rename_fails_truncates)
{
	char *s = stream(3 * CAP), sub[128];
	struct logfile *l;
	int err2 = dup(2), null = open("/dev/null", O_WRONLY);

	snprintf(sub, sizeof(sub), "%s/x", self->old);
	ASSERT_EQ(0, mkdir(self->old, 0700));
	ASSERT_EQ(0, mkdir(sub, 0700));		/* not empty: no rename */
	ASSERT_EQ(0, logfile_open(&l, self->file, 0600, CAP, self->err,
				  sizeof(self->err)));
	dup2(null, 2);				/* its one warning */
	logfile_write(l, s, 3 * CAP);
	dup2(err2, 2);
	logfile_close(l);
	EXPECT_LE(size_of(self->file), CAP);
	EXPECT_GT(size_of(self->file), 0);
	free(s);
}

/* fd 2 on FILE: taken over, rotated, and fd 2 follows the new FILE. */
TEST_F(dir, adopt_stderr)
{
	char *s = stream(3 * CAP);
	struct stat s2, sf;
	struct logfile *l;
	int err2 = dup(2), fd;

	fd = open(self->file, O_WRONLY | O_CREAT | O_APPEND, 0600);
	ASSERT_GE(fd, 0);
	dup2(fd, 2);
	close(fd);
	ASSERT_EQ(0, logfile_adopt_stderr(&l, self->file, CAP, self->err,
					  sizeof(self->err)));
	ASSERT_NE(NULL, l);
	/* Others write to fd 2 too: their bytes count towards the cap. */
	dprintf(2, "someone else's line\n");
	logfile_write(l, s, 3 * CAP);
	dprintf(2, "after the rotations\n");
	fstat(2, &s2);
	logfile_close(l);
	dup2(err2, 2);
	close(err2);
	ASSERT_EQ(0, stat(self->file, &sf));
	EXPECT_EQ(sf.st_ino, s2.st_ino);	/* fd 2 is the new FILE */
	EXPECT_LE(size_of(self->file), CAP + 20);
	EXPECT_LE(size_of(self->old), CAP);
	EXPECT_EQ(2, entries(self->dir));
	free(s);
}

/* fd 2 elsewhere (not FILE, or not a regular file): left alone. */
TEST_F(dir, adopt_stderr_elsewhere)
{
	int err2 = dup(2), fd, p[2];
	struct logfile *l = (void *)1;
	char other[128];

	snprintf(other, sizeof(other), "%s/other", self->dir);
	ASSERT_EQ(0, close(open(self->file, O_WRONLY | O_CREAT, 0600)));
	fd = open(other, O_WRONLY | O_CREAT, 0600);
	ASSERT_GE(fd, 0);
	dup2(fd, 2);
	close(fd);
	EXPECT_EQ(0, logfile_adopt_stderr(&l, self->file, CAP, self->err,
					  sizeof(self->err)));
	EXPECT_EQ(NULL, l);
	ASSERT_EQ(0, pipe(p));
	dup2(p[1], 2);
	l = (void *)1;
	EXPECT_EQ(0, logfile_adopt_stderr(&l, self->file, CAP, self->err,
					  sizeof(self->err)));
	EXPECT_EQ(NULL, l);
	dup2(err2, 2);
	close(err2);
	close(p[0]);
	close(p[1]);
}

TEST_HARNESS_MAIN
