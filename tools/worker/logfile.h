/* SPDX-License-Identifier: GPL-2.0 */
/*
 * logfile: an append-only log file that a guest cannot make grow without
 * bound, for the console log and the worker's own log.
 *
 * FILE is opened O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW:
 * a symbolic link at FILE is refused, with an error that says so. Once a
 * write would take FILE past its cap, FILE is renamed FILE.1 (replacing
 * the older FILE.1: one old generation is kept) and a new FILE is opened,
 * so that at most two caps are on disk and at least the newest cap's worth
 * of bytes is kept. Writes go out whole (a chunk is never split between
 * FILE.1 and FILE), which is why the cap is at least LOGFILE_BUF. When
 * FILE cannot be renamed, it is emptied instead: the cap holds whatever
 * happens. A FILE that is not a regular file (a FIFO, /dev/null) is
 * written as it is, without a cap.
 *
 * Bytes written with logfile_putc() are buffered and go to FILE when the
 * buffer is full, at a newline if the last write was LOGFILE_LINE_MS ago
 * or more, at logfile_flush() and at logfile_close(); logfile_write()
 * writes at once. Errors writing (a full disk) drop the bytes: a log must
 * never stop its writer. Every function may be called from any thread.
 *
 * No global state and nothing of the worker's: the unit tests compile this
 * file alone.
 */
#ifndef HVKVM_WORKER_LOGFILE_H
#define HVKVM_WORKER_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LOGFILE_BUF		4096
#define LOGFILE_CAP_MIN		LOGFILE_BUF
#define LOGFILE_CAP_MAX		(1ULL << 30)
#define LOGFILE_LINE_MS		20	/* newlines flush at most this often */

struct logfile;

/*
 * Open (create with mode) path to append, capped at cap bytes
 * (LOGFILE_CAP_MIN..LOGFILE_CAP_MAX). 0 or -errno; err says why, naming
 * the path.
 */
int logfile_open(struct logfile **lp, const char *path, mode_t mode,
		 uint64_t cap, char *err, size_t errlen);

/*
 * Take over the standard error (and the standard output too, when it is
 * the same open file) if it is path, a regular file that others may append
 * to as well: its size is read before each write, and after a rotation
 * the new FILE is put in place of fd 2 (and 1) with dup2(). When fd 2 is
 * something else (a terminal, a pipe, another file), *lp is NULL and 0 is
 * returned: it is left as it is. 0 or -errno, with err.
 */
int logfile_adopt_stderr(struct logfile **lp, const char *path, uint64_t cap,
			 char *err, size_t errlen);

/*
 * Buffer one byte. True when it made an empty buffer non-empty and it is
 * still there: the caller arranges a logfile_flush() soon (a prompt that
 * ends without a newline must not wait for the next line).
 */
bool logfile_putc(struct logfile *l, char ch);

/* Append len bytes now (with whatever was buffered before them). */
void logfile_write(struct logfile *l, const void *data, size_t len);

/* Write out what is buffered. */
void logfile_flush(struct logfile *l);

/* Flush, close and free; NULL is fine. An adopted fd 2 stays open. */
void logfile_close(struct logfile *l);

#endif
