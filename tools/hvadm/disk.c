// SPDX-License-Identifier: GPL-2.0
/*
 * hvadm disk: a VM's synthetic SCSI disks, which hvkvm_storvsp serves
 * through LIO, the kernel's SCSI target. Everything is in LIO's configfs
 * tree, as targetcli would make it (ROOT is /sys/kernel/config/target):
 *
 *   ROOT/core/fileio_0/hvkvm.VM.lN	the backstore of a file (or
 *   ROOT/core/iblock_0/hvkvm.VM.lN	of a block device)
 *   ROOT/storvsp/VM			the VM's target
 *   ROOT/storvsp/VM/tpgt_0		its SCSI controller 0
 *   .../tpgt_0/lun/lun_N/disk		-> the backstore
 *   .../tpgt_0/acls/INITIATOR		the controller's ACL (tpgt_0/nexus)
 *   .../tpgt_0/acls/INITIATOR/lun_N/disk -> .../tpgt_0/lun/lun_N
 *
 * A read-only disk is one whose ACL mapping is write protected. No
 * netlink: the VM need not exist, nor run.
 *
 * HVKVM_CONFIGFS names another ROOT, for tests: a plain directory tree
 * in which the test plays the kernel. There, hvadm never runs modprobe,
 * creates the attribute files it writes (appending, so that the file
 * keeps every value written, one a line: a value read is the last line)
 * and, to remove a directory, first removes the files and directories of
 * files that configfs would remove with it.
 */
#define _GNU_SOURCE		/* O_DIRECT, pipe2 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/hvkvm_vid.h>

#include "hvadm.h"
#include "utils.h"

#define CONFIGFS_DIR	"/sys/kernel/config"
#define CONFIGFS_MAGIC	0x62656570
#define TARGET_ROOT	CONFIGFS_DIR "/target"
#define STORVSP_MODULE	"hvkvm_storvsp"
#define FABRIC		"storvsp"	/* its directory in ROOT */
#define TPG		"tpgt_0"	/* controller 0: the only one, for now */
#define DISK_LUNS	64		/* per controller (VMB_STOR_LUNS) */
#define FILEIO_HBA	"fileio_0"
#define IBLOCK_HBA	"iblock_0"
#define BS_PREFIX	"hvkvm."	/* our backstores: hvkvm.VM.lN */
#define FILEIO_NAME_MAX	255		/* LIO's FD_MAX_DEV_NAME - 1 */
#define UDEV_PATH_MAX	511		/* LIO's SE_UDEV_PATH_LEN - 1 */
#define VALUE_MAX	(1 << 20)	/* a file read, at most */
#define UNDO_MAX	10

extern char **environ;

static int disk_help(struct hvadm *h, int argc, char **argv)
{
	(void)h, (void)argc, (void)argv;
	fputs("Usage: hvadm [ -j ] disk { list | show } VM\n"
	      "       hvadm [ -j ] disk add VM PATH [ lun N ] [ readonly ]\n"
	      "       hvadm disk remove VM [ lun ] N\n"
	      "       hvadm disk help\n"
	      "where  VM := NAME\n"
	      "       PATH := { FILE | BLOCK-DEVICE }\n"
	      "       N := 0..63\n"
	      "\n"
	      "A VM's disks are SCSI disks on its synthetic SCSI controller 0, served\n"
	      "by hvkvm_storvsp through LIO, whose configfs tree (/sys/kernel/config/\n"
	      "target) holds them; the VM need not exist or run. add gives the VM the\n"
	      "file (its size a multiple of 512 bytes) or the block device PATH as\n"
	      "LUN N (by default the lowest free one); readonly write-protects it.\n"
	      "A running guest is told to scan its bus. remove takes LUN N away.\n"
	      "list prints each disk: its LUN, type, path, size, access, serial, and\n"
	      "the guest's requests, bytes, errors and requests in flight since the\n"
	      "VM started.\n"
	      "Exit status: 0 on success, 1 on any failure (one \"Error:\" line on stderr).\n",
	      stdout);
	return 0;
}

/* ---- files ---- */

struct cfs {
	char root[PATH_MAX];	/* ROOT, absolute */
	bool fake;		/* HVKVM_CONFIGFS: a test's tree */
};

static bool vfits(char *buf, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, PATH_MAX, fmt, ap);

	return n >= 0 && n < PATH_MAX;
}

/* snprintf into buf[PATH_MAX]: whether it fit. */
static bool __attribute__((format(printf, 2, 3)))
fits(char *buf, const char *fmt, ...)
{
	va_list ap;
	bool ok;

	va_start(ap, fmt);
	ok = vfits(buf, fmt, ap);
	va_end(ap);
	return ok;
}

/* The same, said: 0, or -1 when it does not fit. */
static int __attribute__((format(printf, 2, 3)))
pathf(char *buf, const char *fmt, ...)
{
	va_list ap;
	bool ok;

	va_start(ap, fmt);
	ok = vfits(buf, fmt, ap);
	va_end(ap);
	return ok ? 0 : pr_err("path too long: %.60s...", buf);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* lstat: anything there, a dangling link included */
static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* The whole file, NUL-terminated (allocated), or NULL with errno set. */
static char *read_all(const char *path)
{
	size_t len = 0, size = 4096;
	char *buf, *nbuf;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(size);
	if (!buf)
		goto fail;
	for (;;) {
		if (size - len < 2) {
			if (size >= VALUE_MAX) {
				errno = EFBIG;
				goto fail;
			}
			nbuf = realloc(buf, size * 2);
			if (!nbuf)
				goto fail;
			buf = nbuf;
			size *= 2;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	err = errno;
	free(buf);
	close(fd);
	errno = err;
	return NULL;
}

/*
 * A one-line attribute: its last non-empty line (configfs has only one;
 * a test's file keeps every value written), without blanks around it.
 * Allocated; NULL with errno set.
 */
static char *read_value(const char *path)
{
	char *buf = read_all(path), *s, *e, *line = NULL;

	if (!buf)
		return NULL;
	for (s = buf; *s; s = e) {
		e = s + strcspn(s, "\n");
		while (s < e && isspace((unsigned char)*s))
			s++;
		if (s < e)
			line = s;
		if (*e)
			e++;
	}
	if (!line) {
		buf[0] = '\0';
		return buf;
	}
	e = line + strcspn(line, "\n");
	while (e > line && isspace((unsigned char)e[-1]))
		e--;
	*e = '\0';
	memmove(buf, line, e - line + 1);
	return buf;
}

/*
 * Write val (and a newline, as echo does: every attribute takes it) to an
 * attribute, in one write. In a test's tree, the file is created if need
 * be (and its directory), and the value appended. 0, or -errno.
 */
static int cfs_put(const struct cfs *c, const char *path, const char *val)
{
	int flags = O_WRONLY | O_CLOEXEC, fd, err = 0;
	char dir[PATH_MAX], *slash, *buf;
	size_t len = strlen(val);
	ssize_t n;

	if (c->fake)
		flags |= O_CREAT | O_APPEND;
	fd = open(path, flags, 0644);
	if (fd < 0 && c->fake && errno == ENOENT &&
	    snprintf(dir, sizeof(dir), "%s", path) < (int)sizeof(dir) &&
	    (slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if (!mkdir(dir, 0755) || errno == EEXIST)
			fd = open(path, flags, 0644);
	}
	if (fd < 0)
		return -errno;
	buf = malloc(len + 2);
	if (!buf) {
		err = -ENOMEM;
	} else {
		memcpy(buf, val, len);
		memcpy(buf + len, "\n", 2);
		n = write(fd, buf, len + 1);
		if (n < 0)
			err = -errno;
		else if ((size_t)n != len + 1)
			err = -EIO;
		free(buf);
	}
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* cfs_put, with an error said: 0, or -1. */
static int cfs_write(const struct cfs *c, const char *path, const char *val)
{
	int err = cfs_put(c, path, val);

	if (err)
		return pr_err("cannot write \"%s\" to %s: %s", val, path,
			      strerror(-err));
	return 0;
}

/* What configfs removes with a directory: its files and directories of them. */
static int fake_clear(const char *dir)
{
	char sub[PATH_MAX];
	struct dirent *d;
	struct stat st;
	int err = 0, n;
	DIR *dp;

	dp = opendir(dir);
	if (!dp)
		return -errno;
	while (!err && (errno = 0, d = readdir(dp))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		n = snprintf(sub, sizeof(sub), "%s/%s", dir, d->d_name);
		if (n < 0 || n >= (int)sizeof(sub))
			err = -ENAMETOOLONG;
		else if (lstat(sub, &st))
			err = -errno;
		else if (S_ISREG(st.st_mode))
			err = unlink(sub) ? -errno : 0;
		else if (!S_ISDIR(st.st_mode))
			err = -ENOTEMPTY;	/* a link: configfs refuses too */
		else if (!(err = fake_clear(sub)))
			err = rmdir(sub) ? -errno : 0;
	}
	if (!err && errno)
		err = -errno;
	closedir(dp);
	return err;
}

/* rmdir: 0 or -errno; in a test's tree, with what configfs removes with it. */
static int cfs_rmdir(const struct cfs *c, const char *path)
{
	int err;

	if (!rmdir(path))
		return 0;
	if (!c->fake || (errno != ENOTEMPTY && errno != EEXIST))
		return -errno;
	err = fake_clear(path);
	if (err)
		return err;
	return rmdir(path) ? -errno : 0;
}

/*
 * The name of the first symbolic link in dir (configfs lists it among the
 * attributes), into name[NAME_MAX + 1]: 0, -ENOENT when there is none or
 * no dir, or another -errno.
 */
static int find_link(const char *dir, char *name)
{
	struct dirent *d;
	struct stat st;
	int err = -ENOENT;
	DIR *dp;

	dp = opendir(dir);
	if (!dp)
		return -errno;
	while (err == -ENOENT && (errno = 0, d = readdir(dp))) {
		if (d->d_type == DT_LNK ||
		    (d->d_type == DT_UNKNOWN &&
		     !fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
		     S_ISLNK(st.st_mode))) {
			snprintf(name, NAME_MAX + 1, "%s", d->d_name);
			err = 0;
		}
	}
	if (err == -ENOENT && errno)
		err = -errno;
	closedir(dp);
	return err;
}

/*
 * The run of modprobe -q MODULE: 0 when it succeeded, else -1 with why it
 * did not in why (its first line on stderr). Its stdout goes to /dev/null.
 */
static int modprobe(const char *module, char *why, size_t size)
{
	char *argv[] = { "modprobe", "-q", (char *)module, NULL };
	posix_spawn_file_actions_t fa;
	size_t len = 0;
	int p[2], st, err;
	char discard[256];
	pid_t pid;
	ssize_t n;

	why[0] = '\0';
	if (pipe2(p, O_CLOEXEC)) {
		snprintf(why, size, "cannot run modprobe: %s", strerror(errno));
		return -1;
	}
	err = posix_spawn_file_actions_init(&fa);
	if (!err)
		err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ?:
		      posix_spawn_file_actions_adddup2(&fa, p[1], 2) ?:
		      posix_spawnp(&pid, "modprobe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (err) {
		close(p[0]);
		snprintf(why, size, "cannot run modprobe: %s", strerror(err));
		return -1;
	}
	for (;;) {
		if (len < size - 1)
			n = read(p[0], why + len, size - 1 - len);
		else
			n = read(p[0], discard, sizeof(discard));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len < size - 1)
			len += n;
	}
	close(p[0]);
	why[len] = '\0';
	why[strcspn(why, "\n")] = '\0';
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			snprintf(why, size, "waitpid: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	if (!why[0] && WIFEXITED(st))
		snprintf(why, size, "modprobe %s exited with status %d", module,
			 WEXITSTATUS(st));
	else if (!why[0])
		snprintf(why, size, "modprobe %s killed by signal %d", module,
			 WTERMSIG(st));
	return -1;
}

/*
 * ROOT, with LIO's core and the fabric in it: on the host, each missing
 * one is loaded with modprobe, once. 0, or -1 (said).
 */
static int cfs_init(struct cfs *c)
{
	const char *env = getenv("HVKVM_CONFIGFS"), *root;
	char core[PATH_MAX], fabric[PATH_MAX];
	char why_core[256] = "", why_fabric[256] = "";
	struct statfs sfs;

	c->fake = env && *env;
	root = c->fake ? env : TARGET_ROOT;
	if (pathf(core, "%s/core", root) || pathf(fabric, "%s/" FABRIC, root))
		return -1;
	if (!c->fake && !is_dir(core))
		modprobe("target_core_mod", why_core, sizeof(why_core));
	if (!c->fake && !is_dir(root) &&
	    (statfs(CONFIGFS_DIR, &sfs) || sfs.f_type != CONFIGFS_MAGIC))
		return pr_err("configfs is not mounted at " CONFIGFS_DIR);
	/*
	 * LIO shows a fabric's directory once someone makes it (as
	 * targetcli does): the module must be there by then.
	 */
	if (!c->fake && !is_dir(fabric)) {
		if (access("/sys/module/" STORVSP_MODULE, F_OK))
			modprobe(STORVSP_MODULE, why_fabric, sizeof(why_fabric));
		if (is_dir(core) && mkdir(fabric, 0755) && errno != EEXIST &&
		    !why_fabric[0])
			snprintf(why_fabric, sizeof(why_fabric), "mkdir: %s",
				 strerror(errno));
	}
	if (!is_dir(core))
		return pr_err("target_core_mod is not loaded (no %s%s%s)", core,
			      why_core[0] ? "; " : "", why_core);
	if (!is_dir(fabric))
		return pr_err(STORVSP_MODULE " is not loaded (no %s%s%s)", fabric,
			      why_fabric[0] ? "; " : "", why_fabric);
	if (!realpath(root, c->root))
		return pr_err("%s: %s", root, strerror(errno));
	return 0;
}

/* ---- names ---- */

static int check_vm(const char *name)
{
	if (name_ok(name))
		return 0;
	return pr_err("invalid VM name \"%s\" (1 to %d characters of [A-Za-z0-9._-], the first a letter or digit)",
		      name, HVKVM_VID_NAME_MAX - 1);
}

static int parse_lun(const char *s, unsigned int *lun)
{
	uint32_t v;

	if (parse_u32(s, &v) || v >= DISK_LUNS)
		return pr_err("invalid LUN \"%s\" (0 to %d)", s, DISK_LUNS - 1);
	*lun = v;
	return 0;
}

/* An initiator's name, as the fabric gives it: naa.HEX, and nothing odd. */
static bool initiator_ok(const char *s)
{
	size_t len = strlen(s);

	return len && len < 224 && strcmp(s, ".") && strcmp(s, "..") &&
		strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789.:_-") == len;
}

/*
 * The VM and LUN of a backstore of ours, hvkvm.VM.lN (into vm[32]); false
 * for any other name.
 */
static bool bs_ours(const char *name, char *vm, unsigned int *lun)
{
	const char *p, *dot;
	size_t len;
	char *end;
	unsigned long n;

	if (strncmp(name, BS_PREFIX, strlen(BS_PREFIX)))
		return false;
	p = name + strlen(BS_PREFIX);
	dot = strrchr(p, '.');
	if (!dot || dot[1] != 'l' || !isdigit((unsigned char)dot[2]))
		return false;
	n = strtoul(dot + 2, &end, 10);
	len = dot - p;
	if (*end || n >= DISK_LUNS || !len || len >= HVKVM_VID_NAME_MAX)
		return false;
	memcpy(vm, p, len);
	vm[len] = '\0';
	*lun = n;
	return name_ok(vm);
}

/* ---- a backstore, as LIO shows it ---- */

struct bstore {
	const char *type;	/* "file", "block", "other" or "none" */
	char *path;		/* or NULL */
	bool has_size;
	uint64_t size;		/* bytes */
	char *serial;		/* or NULL */
};

static void bstore_free(struct bstore *b)
{
	free(b->path);
	free(b->serial);
	memset(b, 0, sizeof(*b));
}

/* The last occurrence of needle in s, or NULL. */
static const char *strrstr(const char *s, const char *needle)
{
	const char *last = NULL;

	while ((s = strstr(s, needle)))
		last = s++;
	return last;
}

/*
 * From the info of a fileio backstore, "... File: PATH  Size: N  Mode:
 * ..." (fd_show_configfs_dev_params): the path runs to the last "  Size: ".
 */
static void fileio_info(const char *info, struct bstore *b)
{
	const char *p = strstr(info, "File: "), *e;
	unsigned long long v;
	char *end;

	if (!p)
		return;
	p += strlen("File: ");
	e = strrstr(p, "  Size: ");
	if (!e)
		return;
	if (e > p && !memchr(p, '\n', e - p))
		b->path = strndup(p, e - p);
	e += strlen("  Size: ");
	if (!isdigit((unsigned char)*e))
		return;
	errno = 0;
	v = strtoull(e, &end, 10);
	if (!errno && (!*end || isspace((unsigned char)*end))) {
		b->size = v;
		b->has_size = true;
	}
}

/* The size of a block device, from sysfs. */
static void block_size(struct bstore *b)
{
	char path[64], *s, *end;
	unsigned long long v;
	struct stat st;

	if (!b->path || stat(b->path, &st) || !S_ISBLK(st.st_mode))
		return;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/size",
		 major(st.st_rdev), minor(st.st_rdev));
	s = read_value(path);
	if (!s)
		return;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (isdigit((unsigned char)*s) && !*end && !errno && v <= UINT64_MAX / 512) {
		b->size = v * 512;
		b->has_size = true;
	}
	free(s);
}

/* Read the backstore ROOT/core/HBA/NAME; what is not there is left out. */
static void bstore_read(const struct cfs *c, const char *hba, const char *name,
			struct bstore *b)
{
	static const char serial_hdr[] = "T10 VPD Unit Serial Number:";
	char dir[PATH_MAX], path[PATH_MAX];
	const char *e;
	char *s, *p;

	memset(b, 0, sizeof(*b));
	b->type = !strncmp(hba, "fileio_", 7) ? "file" :
		  !strncmp(hba, "iblock_", 7) ? "block" : "other";
	if (!fits(dir, "%s/core/%s/%s", c->root, hba, name))
		return;
	s = fits(path, "%s/info", dir) ? read_all(path) : NULL;
	if (s && !strcmp(b->type, "file")) {
		fileio_info(s, b);
	} else if (s && !strcmp(b->type, "block")) {
		/* udev_path first; else "  UDEV PATH: P  readonly: " in info */
		b->path = fits(path, "%s/udev_path", dir) ? read_value(path) : NULL;
		if (b->path && !b->path[0]) {
			free(b->path);
			b->path = NULL;
		}
		p = strstr(s, "UDEV PATH: ");
		if (!b->path && p) {
			p += strlen("UDEV PATH: ");
			e = strrstr(p, "  readonly: ");
			if (e && e > p && !memchr(p, '\n', e - p))
				b->path = strndup(p, e - p);
		}
		block_size(b);
	} else if (!strcmp(b->type, "block")) {
		b->path = fits(path, "%s/udev_path", dir) ? read_value(path) : NULL;
		block_size(b);
	}
	free(s);
	s = fits(path, "%s/wwn/vpd_unit_serial", dir) ? read_value(path) : NULL;
	if (s) {
		p = s;
		if (!strncmp(p, serial_hdr, strlen(serial_hdr)))
			p += strlen(serial_hdr);
		p += strspn(p, " \t");
		if (*p)
			b->serial = strdup(p);
		free(s);
	}
}

/*
 * The backstore a LUN (or an ACL's mapping: any directory) links to: the
 * last two parts of its link, HBA and NAME, into hba and name (each
 * NAME_MAX + 1). 0, or -errno (-ENOENT: no link).
 */
static int link_target(const char *dir, char *hba, char *name)
{
	char link[NAME_MAX + 1], path[PATH_MAX], target[PATH_MAX];
	char *last, *prev;
	ssize_t n;
	int err;

	err = find_link(dir, link);
	if (err)
		return err;
	n = snprintf(path, sizeof(path), "%s/%s", dir, link);
	if (n < 0 || n >= (ssize_t)sizeof(path))
		return -ENAMETOOLONG;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	while (n > 1 && target[n - 1] == '/')
		target[--n] = '\0';
	last = strrchr(target, '/');
	if (!last || last == target)
		return -EINVAL;
	*last++ = '\0';
	prev = strrchr(target, '/');
	prev = prev ? prev + 1 : target;
	if (!*prev || !*last || strlen(prev) > NAME_MAX || strlen(last) > NAME_MAX)
		return -EINVAL;
	memcpy(hba, prev, strlen(prev) + 1);
	memcpy(name, last, strlen(last) + 1);
	return 0;
}

/* ---- a VM's LUNs ---- */

/* ROOT/storvsp/VM/tpgt_0 */
static int tpg_path(const struct cfs *c, const char *vm, char *tpg)
{
	return pathf(tpg, "%s/" FABRIC "/%s/" TPG, c->root, vm);
}

/* ROOT/core/HBA/hvkvm.VM.lN */
static int bs_path(const struct cfs *c, const char *hba, const char *vm,
		   unsigned int lun, char *path)
{
	return pathf(path, "%s/core/%s/" BS_PREFIX "%s.l%u", c->root, hba, vm, lun);
}

/* Whether an ACL of tpg maps LUN n (acls/ANY/lun_N): 1, 0, or -1 (said). */
static int acl_maps(const char *tpg, unsigned int n)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *d;
	int found = 0;
	DIR *dp;

	if (pathf(dir, "%s/acls", tpg))
		return -1;
	dp = opendir(dir);
	if (!dp)
		return errno == ENOENT ? 0 :
			pr_err("cannot read %s: %s", dir, strerror(errno));
	while (!found && (d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/lun_%u", dir, d->d_name,
			     n) < (int)sizeof(path) && exists(path))
			found = 1;
	}
	closedir(dp);
	return found;
}

/*
 * Whether LUN n of vm is taken: by a disk (its path, if known, in *by,
 * allocated), or by what is left of one half removed (*half). 1, 0, or
 * -1 (said).
 */
static int lun_taken(const struct cfs *c, const char *vm, const char *tpg,
		     unsigned int n, char **by, bool *half)
{
	char dir[PATH_MAX], hba[NAME_MAX + 1], name[NAME_MAX + 1];
	static const char *const hbas[] = { FILEIO_HBA, IBLOCK_HBA };
	struct bstore b;
	unsigned int i;
	int ret;

	*by = NULL;
	*half = false;
	if (pathf(dir, "%s/lun/lun_%u", tpg, n))
		return -1;
	if (exists(dir)) {
		if (!link_target(dir, hba, name)) {
			bstore_read(c, hba, name, &b);
			*by = b.path;
			b.path = NULL;
			bstore_free(&b);
		}
		return 1;
	}
	ret = acl_maps(tpg, n);
	for (i = 0; !ret && i < sizeof(hbas) / sizeof(hbas[0]); i++) {
		if (bs_path(c, hbas[i], vm, n, dir))
			return -1;
		ret = exists(dir);
	}
	*half = ret > 0;
	return ret;
}

/*
 * The disk of another LUN, or another VM, that uses the file or device
 * of st (path, absolute): into vm[32] and *lun. 1, 0, or -1 (said).
 */
static int path_used(const struct cfs *c, const char *path,
		     const struct stat *st, char *vm, unsigned int *lun)
{
	char core[PATH_MAX], hbadir[PATH_MAX];
	struct dirent *h, *d;
	struct bstore b;
	struct stat ost;
	DIR *hp, *dp;
	int found = 0;

	if (pathf(core, "%s/core", c->root))
		return -1;
	hp = opendir(core);
	if (!hp)
		return pr_err("cannot read %s: %s", core, strerror(errno));
	while (!found && (h = readdir(hp))) {
		if (h->d_name[0] == '.' ||
		    snprintf(hbadir, sizeof(hbadir), "%s/%s", core, h->d_name) >=
		    (int)sizeof(hbadir))
			continue;
		dp = opendir(hbadir);
		if (!dp)
			continue;	/* not an HBA */
		while (!found && (d = readdir(dp))) {
			if (!bs_ours(d->d_name, vm, lun))
				continue;
			bstore_read(c, h->d_name, d->d_name, &b);
			/* the same path, or the same file or device by another */
			found = b.path && !strcmp(b.path, path);
			if (b.path && !found && !stat(b.path, &ost) &&
			    (ost.st_mode & S_IFMT) == (st->st_mode & S_IFMT))
				found = S_ISBLK(st->st_mode) ?
					ost.st_rdev == st->st_rdev :
					ost.st_dev == st->st_dev &&
					ost.st_ino == st->st_ino;
			bstore_free(&b);
		}
		closedir(dp);
	}
	closedir(hp);
	return found;
}

/* ---- printing ---- */

struct disk_info {
	unsigned int lun;
	struct bstore b;
	bool readonly;
	bool stats;		/* print the counters */
	uint64_t requests, bytes, errors;
	unsigned int inflight;
};

/*
 * lun N TYPE PATH SIZE bytes {rw|ro} serial S requests N bytes N errors N
 * inflight N; JSON an object of the same.
 */
static void disk_print(struct printer *p, const struct disk_info *d)
{
	print_open_object(p, NULL);
	print_uint(p, PRINT_ANY, "lun", "lun %u", d->lun);
	print_string(p, PRINT_ANY, "type", " %s", d->b.type);
	if (d->b.path)
		print_string(p, PRINT_ANY, "path", " %s", d->b.path);
	if (d->b.has_size)
		print_u64(p, PRINT_ANY, "size", " %" PRIu64 " bytes", d->b.size);
	print_bool(p, PRINT_JSON, "readonly", NULL, d->readonly);
	print_string(p, PRINT_TEXT, NULL, " %s", d->readonly ? "ro" : "rw");
	if (d->b.serial)
		print_string(p, PRINT_ANY, "serial", " serial %s", d->b.serial);
	if (d->stats) {
		print_u64(p, PRINT_ANY, "requests", " requests %" PRIu64, d->requests);
		print_u64(p, PRINT_ANY, "bytes", " bytes %" PRIu64, d->bytes);
		print_u64(p, PRINT_ANY, "errors", " errors %" PRIu64, d->errors);
		print_uint(p, PRINT_ANY, "inflight", " inflight %u", d->inflight);
	}
	print_string(p, PRINT_TEXT, NULL, "%s", "\n");
	print_close_object(p);
}

/* ---- disk list ---- */

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* The LUNs of tpg/lun, sorted (allocated; *n of them). 0, or -1 (said). */
static int luns_read(const char *tpg, unsigned int **luns, size_t *n)
{
	unsigned int *v = NULL, *nv;
	size_t size = 0;
	char dir[PATH_MAX], *end;
	struct dirent *d;
	unsigned long x;
	DIR *dp;

	*luns = NULL;
	*n = 0;
	if (pathf(dir, "%s/lun", tpg))
		return -1;
	dp = opendir(dir);
	if (!dp)
		return errno == ENOENT ? 0 :
			pr_err("cannot read %s: %s", dir, strerror(errno));
	while ((errno = 0, d = readdir(dp))) {
		if (strncmp(d->d_name, "lun_", 4) || !isdigit((unsigned char)d->d_name[4]))
			continue;
		errno = 0;
		x = strtoul(d->d_name + 4, &end, 10);
		if (*end || errno || x > UINT_MAX)
			continue;
		if (*n == size) {
			size = size ? 2 * size : 16;
			nv = realloc(v, size * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(dp);
				return pr_err("%s", strerror(ENOMEM));
			}
			v = nv;
		}
		v[(*n)++] = x;
	}
	if (errno) {
		pr_err("cannot read %s: %s", dir, strerror(errno));
		free(v);
		closedir(dp);
		*n = 0;
		return -1;
	}
	closedir(dp);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_uint);
	*luns = v;
	return 0;
}

/* tpg/lun_stats: "LUN requests bytes errors inflight", for the LUN of d. */
static void stats_find(const char *stats, struct disk_info *d)
{
	unsigned long long req, bytes, errs;
	const char *s;
	unsigned int lun;
	int inflight;

	for (s = stats; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
		if (sscanf(s, "%u %llu %llu %llu %d", &lun, &req, &bytes, &errs,
			   &inflight) != 5 || lun != d->lun)
			continue;
		d->requests = req;
		d->bytes = bytes;
		d->errors = errs;
		d->inflight = inflight > 0 ? inflight : 0;
	}
}

/* VM */
static int disk_list(struct hvadm *h, int argc, char **argv)
{
	char tpg[PATH_MAX], path[PATH_MAX], hba[NAME_MAX + 1], name[NAME_MAX + 1];
	char *stats, *init, *wp;
	struct disk_info d;
	unsigned int *luns;
	struct cfs c;
	size_t n, i;

	if (!argc)
		return pr_err("missing VM, try \"hvadm disk help\"");
	if (check_vm(argv[0]))
		return -1;
	if (argc > 1)
		return pr_err("unexpected argument \"%s\", try \"hvadm disk help\"",
			      argv[1]);
	if (cfs_init(&c) || tpg_path(&c, argv[0], tpg) || luns_read(tpg, &luns, &n))
		return -1;
	stats = n && fits(path, "%s/lun_stats", tpg) ? read_all(path) : NULL;
	init = n && fits(path, "%s/nexus", tpg) ? read_value(path) : NULL;
	print_open_array(&h->pr, NULL);
	for (i = 0; i < n; i++) {
		memset(&d, 0, sizeof(d));
		d.lun = luns[i];
		d.stats = true;
		if (pathf(path, "%s/lun/lun_%u", tpg, d.lun))
			continue;
		if (!link_target(path, hba, name))
			bstore_read(&c, hba, name, &d.b);
		else
			d.b.type = "none";	/* no backstore linked */
		if (init && initiator_ok(init) &&
		    !pathf(path, "%s/acls/%s/lun_%u/write_protect", tpg, init, d.lun) &&
		    (wp = read_value(path))) {
			d.readonly = !strcmp(wp, "1");
			free(wp);
		}
		stats_find(stats, &d);
		disk_print(&h->pr, &d);
		bstore_free(&d.b);
	}
	print_close_array(&h->pr);
	print_end(&h->pr);
	free(stats);
	free(init);
	free(luns);
	return 0;
}

/* ---- disk add ---- */

/* What a command made, undone in reverse on failure. */
struct undo {
	unsigned int n;
	struct {
		bool link;		/* unlink, else rmdir */
		char path[PATH_MAX];
	} step[UNDO_MAX];
};

static void undo_push(struct undo *u, bool link, const char *path)
{
	if (u->n < UNDO_MAX) {	/* never more: the steps are counted */
		u->step[u->n].link = link;
		snprintf(u->step[u->n].path, PATH_MAX, "%s", path);
		u->n++;
	}
}

static void undo_all(const struct cfs *c, struct undo *u)
{
	int err;

	while (u->n--) {
		err = u->step[u->n].link ? (unlink(u->step[u->n].path) ? -errno : 0) :
			cfs_rmdir(c, u->step[u->n].path);
		if (err && err != -ENOENT)
			pr_warn("cannot undo: %s %s: %s",
				u->step[u->n].link ? "unlink" : "rmdir",
				u->step[u->n].path, strerror(-err));
	}
	u->n = 0;
}

/* mkdir path, unless it is there (mine: whether made). 0, or -1 (said). */
static int make_dir(struct undo *u, const char *path, bool must_be_new)
{
	if (!mkdir(path, 0755)) {
		undo_push(u, false, path);
		return 0;
	}
	if (errno == EEXIST && !must_be_new && is_dir(path))
		return 0;
	return pr_err("cannot create %s: %s", path, strerror(errno));
}

static int make_link(struct undo *u, const char *target, const char *path)
{
	if (symlink(target, path))
		return pr_err("cannot link %s to %s: %s", path, target,
			      strerror(errno));
	undo_push(u, true, path);
	return 0;
}

struct add {
	struct cfs c;
	struct undo undo;
	const char *vm;
	char *path;		/* absolute */
	struct stat st;
	unsigned int lun;
	bool readonly;
	bool async;		/* fd_async_io: O_DIRECT works on the file */
	char serial[40];
	char hba[PATH_MAX];	/* ROOT/core/fileio_0 or iblock_0 */
	char bs[PATH_MAX];	/* the backstore */
	char tpg[PATH_MAX];
	char initiator[256];
	char tmp[PATH_MAX], tmp2[PATH_MAX];
};

/* PATH: a regular file or a block device LIO can take. 0, or -1 (said). */
static int add_check_path(struct add *a, const char *arg)
{
	size_t max;
	int fd;

	if (!*arg)
		return pr_err("empty path");
	if (stat(arg, &a->st))
		return pr_err("%s: %s", arg, strerror(errno));
	if (!S_ISREG(a->st.st_mode) && !S_ISBLK(a->st.st_mode))
		return pr_err("%s is neither a regular file nor a block device", arg);
	a->path = realpath(arg, NULL);
	if (!a->path)
		return pr_err("%s: %s", arg, strerror(errno));
	max = S_ISREG(a->st.st_mode) ? FILEIO_NAME_MAX : UDEV_PATH_MAX;
	if (strlen(a->path) > max)
		return pr_err("%s: path too long for LIO (%zu bytes, at most %zu)",
			      a->path, strlen(a->path), max);
	if (strpbrk(a->path, ",\n"))
		return pr_err("%s: LIO cannot take a path with a comma or a newline",
			      a->path);
	if (S_ISBLK(a->st.st_mode))
		return 0;
	if (!a->st.st_size || a->st.st_size % 512)
		return pr_err("%s: its size, %lld bytes, is not a positive multiple of 512",
			      a->path, (long long)a->st.st_size);
	fd = open(a->path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	a->async = fd >= 0;
	if (fd >= 0)
		close(fd);
	return 0;
}

/* A fresh serial: a UUID from the kernel. */
static int add_serial(struct add *a)
{
	static const char uuid[] = "/proc/sys/kernel/random/uuid";
	char *s = read_value(uuid);

	if (!s)
		return pr_err("cannot read %s: %s", uuid, strerror(errno));
	if (strlen(s) != 36 || strspn(s, "0123456789abcdef-") != 36) {
		free(s);
		return pr_err("%s: not a UUID", uuid);
	}
	memcpy(a->serial, s, 37);
	free(s);
	return 0;
}

/* The backstore, configured and enabled. 0, or -1 (said). */
static int add_backstore(struct add *a)
{
	bool block = S_ISBLK(a->st.st_mode);
	const char *mod = block ? "target_core_iblock" : "target_core_file";
	char why[256];
	int n, err;

	if (pathf(a->hba, "%s/core/%s", a->c.root, block ? IBLOCK_HBA : FILEIO_HBA) ||
	    bs_path(&a->c, block ? IBLOCK_HBA : FILEIO_HBA, a->vm, a->lun, a->bs))
		return -1;
	/* LIO loads its backends itself: modprobe is for an older one */
	if (!is_dir(a->hba)) {
		why[0] = '\0';
		if (!a->c.fake)
			modprobe(mod, why, sizeof(why));
		err = mkdir(a->hba, 0755) ? errno : 0;
		if (!err)
			undo_push(&a->undo, false, a->hba);
		else if (err != EEXIST || !is_dir(a->hba))
			return pr_err("cannot create %s: %s%s%s", a->hba,
				      strerror(err), why[0] ? "; " : "", why);
	}
	if (mkdir(a->bs, 0755)) {
		if (errno == EEXIST)
			return pr_err("%s exists: a disk half removed? try \"hvadm disk remove %s %u\"",
				      a->bs, a->vm, a->lun);
		return pr_err("cannot create %s: %s", a->bs, strerror(errno));
	}
	undo_push(&a->undo, false, a->bs);
	if (pathf(a->tmp, "%s/control", a->bs))
		return -1;
	if (block) {
		n = snprintf(a->tmp2, sizeof(a->tmp2), "udev_path=%s%s", a->path,
			     a->readonly ? ",readonly=1" : "");
		if (n < 0 || n >= (int)sizeof(a->tmp2))
			return pr_err("path too long: %s", a->path);
		if (cfs_write(&a->c, a->tmp, a->tmp2) ||
		    pathf(a->tmp, "%s/udev_path", a->bs) ||
		    cfs_write(&a->c, a->tmp, a->path))
			return -1;
	} else {
		n = snprintf(a->tmp2, sizeof(a->tmp2), "fd_dev_name=%s,fd_dev_size=%lld",
			     a->path, (long long)a->st.st_size);
		if (n < 0 || n >= (int)sizeof(a->tmp2))
			return pr_err("path too long: %s", a->path);
		if (cfs_write(&a->c, a->tmp, a->tmp2) ||
		    (a->async && cfs_write(&a->c, a->tmp, "fd_async_io=1")))
			return -1;
	}
	if (pathf(a->tmp, "%s/wwn/vpd_unit_serial", a->bs) ||
	    cfs_write(&a->c, a->tmp, a->serial) ||
	    pathf(a->tmp, "%s/enable", a->bs) ||
	    cfs_write(&a->c, a->tmp, "1") ||
	    pathf(a->tmp, "%s/attrib/emulate_tpu", a->bs))
		return -1;
	if (!block)
		return cfs_write(&a->c, a->tmp, "1");
	cfs_put(&a->c, a->tmp, "1");	/* a device without discard refuses */
	return 0;
}

/* The target, the controller, its LUN and the ACL's mapping. */
static int add_lun(struct add *a)
{
	char lun[PATH_MAX], acl[PATH_MAX];
	char *init, *enable;

	if (pathf(a->tmp, "%s/" FABRIC "/%s", a->c.root, a->vm) ||
	    make_dir(&a->undo, a->tmp, false) ||
	    make_dir(&a->undo, a->tpg, false) ||
	    pathf(a->tmp, "%s/nexus", a->tpg))
		return -1;
	init = read_value(a->tmp);
	if (!init)
		return pr_err("cannot read the controller's initiator from %s: %s",
			      a->tmp, strerror(errno));
	if (!initiator_ok(init)) {
		pr_err("%s: not an initiator name: \"%s\"", a->tmp, init);
		free(init);
		return -1;
	}
	snprintf(a->initiator, sizeof(a->initiator), "%s", init);	/* < 224 */
	free(init);

	/* the LUN: lun/lun_N/disk -> the backstore */
	if (pathf(lun, "%s/lun/lun_%u", a->tpg, a->lun) ||
	    make_dir(&a->undo, lun, true) ||
	    pathf(a->tmp, "%s/disk", lun) ||
	    make_link(&a->undo, a->bs, a->tmp))
		return -1;

	/* the ACL: acls/INITIATOR/lun_N/disk -> lun/lun_N */
	if (pathf(acl, "%s/acls/%s", a->tpg, a->initiator) ||
	    make_dir(&a->undo, acl, false) ||
	    pathf(a->tmp, "%s/lun_%u", acl, a->lun) ||
	    make_dir(&a->undo, a->tmp, true) ||
	    pathf(a->tmp2, "%s/disk", a->tmp) ||
	    make_link(&a->undo, lun, a->tmp2))
		return -1;
	if (a->readonly &&
	    (pathf(a->tmp2, "%s/write_protect", a->tmp) ||
	     cfs_write(&a->c, a->tmp2, "1")))
		return -1;

	/* the controller offered to the guest */
	if (pathf(a->tmp, "%s/enable", a->tpg))
		return -1;
	enable = read_value(a->tmp);
	if (!enable || strcmp(enable, "1")) {
		free(enable);
		return cfs_write(&a->c, a->tmp, "1");
	}
	free(enable);
	return 0;
}

/* VM PATH [ lun N ] [ readonly ] */
static int disk_add(struct hvadm *h, int argc, char **argv)
{
	char used_vm[HVKVM_VID_NAME_MAX], *by = NULL;
	bool lun_given = false, ro_given = false, half;
	struct disk_info d = { 0 };
	unsigned int used_lun;
	const char *path;
	struct add *a;
	int ret = -1, taken, err;

	if (!argc)
		return pr_err("missing VM, try \"hvadm disk help\"");
	if (check_vm(argv[0]))
		return -1;
	if (argc < 2)
		return pr_err("missing PATH, try \"hvadm disk help\"");
	a = calloc(1, sizeof(*a));
	if (!a)
		return pr_err("%s", strerror(ENOMEM));
	a->vm = argv[0];
	path = argv[1];
	for (argc -= 2, argv += 2; argc > 0; argc--, argv++) {
		if (!strcmp(argv[0], "lun")) {
			if (argc < 2) {
				pr_err("missing value for \"lun\"");
				goto out;
			}
			if (lun_given) {
				pr_err("\"lun\" given twice");
				goto out;
			}
			if (parse_lun(argv[1], &a->lun))
				goto out;
			lun_given = true;
			argc--, argv++;
		} else if (!strcmp(argv[0], "readonly")) {
			if (ro_given) {
				pr_err("\"readonly\" given twice");
				goto out;
			}
			a->readonly = ro_given = true;
		} else {
			pr_err("unexpected argument \"%s\", try \"hvadm disk help\"",
			       argv[0]);
			goto out;
		}
	}
	if (add_check_path(a, path) || cfs_init(&a->c) ||
	    tpg_path(&a->c, a->vm, a->tpg))
		goto out;

	/* the LUN: free, the one given or the lowest */
	for (taken = 1; !lun_given && a->lun < DISK_LUNS; a->lun++) {
		taken = lun_taken(&a->c, a->vm, a->tpg, a->lun, &by, &half);
		free(by);
		by = NULL;
		if (taken <= 0)
			break;
	}
	if (taken < 0)
		goto out;
	if (!lun_given && taken) {
		pr_err("%s has no free LUN (0 to %d are taken)", a->vm, DISK_LUNS - 1);
		goto out;
	}
	if (lun_given) {
		taken = lun_taken(&a->c, a->vm, a->tpg, a->lun, &by, &half);
		if (taken < 0)
			goto out;
		if (taken && half)
			pr_err("LUN %u of %s is taken by a disk half removed: try \"hvadm disk remove %s %u\"",
			       a->lun, a->vm, a->vm, a->lun);
		else if (taken)
			pr_err("LUN %u of %s is in use%s%s", a->lun, a->vm,
			       by ? " by " : "", by ? by : "");
		if (taken)
			goto out;
	}
	taken = path_used(&a->c, a->path, &a->st, used_vm, &used_lun);
	if (taken < 0)
		goto out;
	if (taken) {
		pr_err("%s is already LUN %u of %s", a->path, used_lun, used_vm);
		goto out;
	}
	if (add_serial(a))
		goto out;

	if (add_backstore(a) || add_lun(a)) {
		undo_all(&a->c, &a->undo);
		goto out;
	}
	/* done: the guest scans its bus, if it runs (it will anyway at boot) */
	err = pathf(a->tmp, "%s/rescan", a->tpg) ? 0 : cfs_put(&a->c, a->tmp, "1");
	if (err)
		pr_warn("cannot write \"1\" to %s: %s: a running guest sees the disk when it next scans its bus",
			a->tmp, strerror(-err));
	if (h->json) {
		d.lun = a->lun;
		d.readonly = a->readonly;
		d.b.type = S_ISBLK(a->st.st_mode) ? "block" : "file";
		d.b.path = a->path;
		d.b.has_size = S_ISREG(a->st.st_mode);
		d.b.size = a->st.st_size;
		if (S_ISBLK(a->st.st_mode))
			block_size(&d.b);
		d.b.serial = a->serial;
		disk_print(&h->pr, &d);
		print_end(&h->pr);
	}
	ret = 0;
out:
	free(by);
	free(a->path);
	free(a);
	return ret;
}

/* ---- disk remove ---- */

/* Unlink the links in dir, then rmdir it: 1 if it was there, 0, or -1 (said). */
static int remove_dir(const struct cfs *c, const char *dir)
{
	char name[NAME_MAX + 1], path[PATH_MAX];
	int err;

	if (!exists(dir))
		return 0;
	while (!(err = find_link(dir, name))) {
		if (pathf(path, "%s/%s", dir, name))
			return -1;
		if (unlink(path) && errno != ENOENT)
			return pr_err("cannot unlink %s: %s", path, strerror(errno));
	}
	if (err != -ENOENT)
		return pr_err("cannot read %s: %s", dir, strerror(-err));
	err = cfs_rmdir(c, dir);
	if (err && err != -ENOENT)
		return pr_err("cannot remove %s: %s", dir, strerror(-err));
	return 1;
}

/* The mappings of LUN n by every ACL of tpg. */
static int remove_mappings(const struct cfs *c, const char *tpg, unsigned int n)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int found = 0, ret = 0;
	struct dirent *d;
	DIR *dp;

	if (pathf(dir, "%s/acls", tpg))
		return -1;
	dp = opendir(dir);
	if (!dp)
		return errno == ENOENT ? 0 :
			pr_err("cannot read %s: %s", dir, strerror(errno));
	while (ret >= 0 && (d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		ret = pathf(path, "%s/%s/lun_%u", dir, d->d_name, n);
		if (!ret)
			ret = remove_dir(c, path);
		if (ret > 0)
			found = 1;
	}
	closedir(dp);
	return ret < 0 ? -1 : found;
}

/* VM [ lun ] N */
static int disk_remove(struct hvadm *h, int argc, char **argv)
{
	static const char *const hbas[] = { FILEIO_HBA, IBLOCK_HBA };
	char tpg[PATH_MAX], path[PATH_MAX];
	int ret, found = 0, err = 0;
	unsigned int lun = 0, i;
	const char *vm;
	struct cfs c;

	(void)h;
	if (!argc)
		return pr_err("missing VM, try \"hvadm disk help\"");
	if (check_vm(argv[0]))
		return -1;
	vm = argv[0];
	argc--, argv++;
	if (argc && !strcmp(argv[0], "lun"))
		argc--, argv++;
	if (!argc)
		return pr_err("missing LUN, try \"hvadm disk help\"");
	if (parse_lun(argv[0], &lun))
		return -1;
	if (argc > 1)
		return pr_err("unexpected argument \"%s\", try \"hvadm disk help\"",
			      argv[1]);
	if (cfs_init(&c) || tpg_path(&c, vm, tpg))
		return -1;

	/* each step done only if not done yet: a second try finishes */
	ret = remove_mappings(&c, tpg, lun);
	if (ret > 0)
		found = 1;
	if (ret >= 0) {
		ret = pathf(path, "%s/lun/lun_%u", tpg, lun);
		if (!ret)
			ret = remove_dir(&c, path);
		if (ret > 0)
			found = 1;
	}
	for (i = 0; ret >= 0 && i < sizeof(hbas) / sizeof(hbas[0]); i++) {
		ret = bs_path(&c, hbas[i], vm, lun, path);
		if (ret || !exists(path))
			continue;
		found = 1;
		err = cfs_rmdir(&c, path);
		if (err && err != -ENOENT)
			ret = pr_err("cannot remove %s: %s", path, strerror(-err));
	}
	/* a running guest scans, and sees the disk go (or what remains) */
	if (found && !pathf(path, "%s/rescan", tpg) && exists(path)) {
		err = cfs_put(&c, path, "1");
		if (err && ret >= 0)
			pr_warn("cannot write \"1\" to %s: %s: a running guest sees the disk go when it next scans its bus",
				path, strerror(-err));
	}
	if (ret < 0)
		return -1;
	if (!found)
		return pr_err("%s has no disk at LUN %u", vm, lun);
	return 0;
}

static const struct cmd disk_cmds[] = {
	{ "list", disk_list, "list a VM's disks" },
	{ "show", disk_list, "the same as list" },
	{ "add", disk_add, "give a VM a disk" },
	{ "remove", disk_remove, "take a disk from a VM" },
	{ "help", disk_help, "show this help" },
	{ NULL, NULL, NULL }
};

int do_disk(struct hvadm *h, int argc, char **argv)
{
	const struct cmd *c;

	if (!argc)
		return pr_err("missing command, try \"hvadm disk help\"");
	c = cmd_find(disk_cmds, argv[0]);
	if (!c)
		return pr_err("unknown command \"%s\" for disk, try \"hvadm disk help\"",
			      argv[0]);
	if (argc > 1 && !strcmp(argv[1], "help"))
		return disk_help(h, 0, NULL);
	return c->fn(h, argc - 1, argv + 1);
}
