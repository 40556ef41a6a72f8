// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm VID: the partition registry.
 *
 * Partitions live in an allocating xarray indexed by id, so that a dump
 * walks them in id order and can resume from a cursor. Names are unique;
 * the registry is small (at most vid_max_vms entries), so a name lookup
 * walks it.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "vid.h"

DEFINE_MUTEX(vid_lock);
unsigned long vid_generation = 1;

static DEFINE_XARRAY_ALLOC1(vid_partitions);
static u32 vid_next_id;
static unsigned int vid_count;

/* ASCII only: the kernel's isalnum() also takes Latin-1 letters. */
static bool vid_name_char_ok(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '.' || c == '_' || c == '-');
}

int vid_check_name(const char *name, struct netlink_ext_ack *extack,
		   const struct nlattr *attr)
{
	size_t len = strnlen(name, HVKVM_VID_NAME_MAX);
	size_t i;

	if (!len) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "partition name is empty");
		return -EINVAL;
	}
	if (len >= HVKVM_VID_NAME_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "partition name is longer than 31 characters");
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (!vid_name_char_ok(name[i], i == 0)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "partition name may hold only letters, digits, '.', '_' and '-', and must begin with a letter or digit");
			return -EINVAL;
		}
	}
	return 0;
}

enum vid_path_fault { VID_PATH_OK, VID_PATH_EMPTY, VID_PATH_LONG, VID_PATH_RELATIVE };

static enum vid_path_fault vid_path_fault(const char *path)
{
	size_t len = strnlen(path, HVKVM_VID_PATH_MAX);

	if (!len)
		return VID_PATH_EMPTY;
	if (len >= HVKVM_VID_PATH_MAX)
		return VID_PATH_LONG;
	return path[0] == '/' ? VID_PATH_OK : VID_PATH_RELATIVE;
}

/* NL_SET_ERR_MSG takes literals only, hence a macro to name the path. */
#define VID_CHECK_PATH(path, what, extack) ({				\
	int __err = 0;							\
	switch (vid_path_fault(path)) {					\
	case VID_PATH_EMPTY:						\
		NL_SET_ERR_MSG(extack, what " path is empty");		\
		__err = -EINVAL;					\
		break;							\
	case VID_PATH_LONG:						\
		NL_SET_ERR_MSG(extack,					\
			       what " path is longer than 4095 bytes");	\
		__err = -ENAMETOOLONG;					\
		break;							\
	case VID_PATH_RELATIVE:						\
		NL_SET_ERR_MSG(extack, what " path must be absolute");	\
		__err = -EINVAL;					\
		break;							\
	case VID_PATH_OK:						\
		break;							\
	}								\
	__err;								\
})

int vid_check_config(const struct vid_config *cfg,
		     struct netlink_ext_ack *extack)
{
	int err;

	if (cfg->memory < HVKVM_VID_MEMORY_MIN) {
		NL_SET_ERR_MSG(extack, "memory is below the minimum of 16 MiB");
		return -ERANGE;
	}
	if (cfg->memory > HVKVM_VID_MEMORY_MAX) {
		NL_SET_ERR_MSG(extack, "memory is above the maximum of 1 TiB");
		return -ERANGE;
	}
	if (cfg->memory & (HVKVM_VID_MEMORY_ALIGN - 1)) {
		NL_SET_ERR_MSG(extack, "memory must be a multiple of 1 MiB");
		return -EINVAL;
	}
	if (!cfg->vcpus) {
		NL_SET_ERR_MSG(extack, "a partition needs at least 1 vcpu");
		return -ERANGE;
	}
	if (cfg->vcpus > HVKVM_VID_VCPUS_MAX) {
		NL_SET_ERR_MSG(extack, "vcpus is above the maximum of 240");
		return -ERANGE;
	}
	if (!cfg->kernel) {
		NL_SET_ERR_MSG(extack, "a partition needs a kernel to boot");
		return -EINVAL;
	}
	err = VID_CHECK_PATH(cfg->kernel, "kernel", extack);
	if (err)
		return err;
	if (cfg->initrd) {
		err = VID_CHECK_PATH(cfg->initrd, "initrd", extack);
		if (err)
			return err;
	}
	if (cfg->cmdline &&
	    strnlen(cfg->cmdline, HVKVM_VID_CMDLINE_MAX) >= HVKVM_VID_CMDLINE_MAX) {
		NL_SET_ERR_MSG(extack,
			       "command line is longer than 2047 bytes");
		return -E2BIG;
	}
	return 0;
}

void vid_config_free(struct vid_config *cfg)
{
	kfree(cfg->kernel);
	kfree(cfg->initrd);
	kfree(cfg->cmdline);
	cfg->kernel = NULL;
	cfg->initrd = NULL;
	cfg->cmdline = NULL;
}

int vid_config_dup(struct vid_config *dst, const struct vid_config *src)
{
	*dst = *src;
	dst->kernel = kstrdup(src->kernel, GFP_KERNEL);
	dst->initrd = kstrdup(src->initrd, GFP_KERNEL);
	dst->cmdline = kstrdup(src->cmdline, GFP_KERNEL);
	if ((src->kernel && !dst->kernel) || (src->initrd && !dst->initrd) ||
	    (src->cmdline && !dst->cmdline)) {
		vid_config_free(dst);
		return -ENOMEM;
	}
	return 0;
}

struct vid_partition *vid_partition_by_id(u32 id)
{
	lockdep_assert_held(&vid_lock);
	return xa_load(&vid_partitions, id);
}

struct vid_partition *vid_partition_by_name(const char *name)
{
	struct vid_partition *p;
	unsigned long id;

	lockdep_assert_held(&vid_lock);
	xa_for_each(&vid_partitions, id, p)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

/* The first partition whose id is at least *id; *id is set to its id. */
struct vid_partition *vid_partition_next(unsigned long *id)
{
	lockdep_assert_held(&vid_lock);
	return xa_find(&vid_partitions, id, ULONG_MAX, XA_PRESENT);
}

/*
 * Takes ownership of *cfg's strings on success (cfg is cleared); on
 * failure they stay with the caller.
 */
int vid_partition_create(const char *name, struct vid_config *cfg,
			 struct vid_partition **out,
			 struct netlink_ext_ack *extack)
{
	struct vid_partition *p;
	int err;

	lockdep_assert_held(&vid_lock);

	if (vid_partition_by_name(name)) {
		NL_SET_ERR_MSG(extack, "a partition with this name exists");
		return -EEXIST;
	}
	if (vid_count >= vid_max_vms) {
		NL_SET_ERR_MSG(extack,
			       "the host holds its maximum number of partitions (module parameter max_vms)");
		return -ENOSPC;
	}

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	strscpy(p->name, name, sizeof(p->name));
	p->state = HVKVM_VID_STATE_OFF;

	err = xa_alloc_cyclic(&vid_partitions, &p->id, p, xa_limit_31b,
			      &vid_next_id, GFP_KERNEL);
	if (err < 0) {
		kfree(p);
		NL_SET_ERR_MSG(extack, "no partition id is free");
		return err == -EBUSY ? -ENOSPC : err;
	}

	p->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	vid_count++;
	vid_generation++;
	*out = p;
	return 0;
}

/* Replaces p's configuration with *cfg, which is cleared; frees the old. */
void vid_partition_set_config(struct vid_partition *p, struct vid_config *cfg)
{
	lockdep_assert_held(&vid_lock);
	swap(p->cfg, *cfg);
	vid_config_free(cfg);
	vid_generation++;
}

/* Forget what the last run left: console, error, crash, counters. */
void vid_partition_clear_run(struct vid_partition *p)
{
	kfree(p->console_log);
	kfree(p->console_sock);
	kfree(p->error);
	kfree(p->crash.message);
	kfree(p->exits);
	p->console_log = NULL;
	p->console_sock = NULL;
	p->error = NULL;
	p->crashed = false;
	memset(&p->crash, 0, sizeof(p->crash));
	p->exits = NULL;
	p->exits_vcpus = 0;
}

static void vid_partition_free(struct vid_partition *p)
{
	vid_partition_clear_run(p);
	vid_config_free(&p->cfg);
	kfree(p);
}

void vid_partition_delete(struct vid_partition *p)
{
	lockdep_assert_held(&vid_lock);
	xa_erase(&vid_partitions, p->id);
	vid_count--;
	vid_generation++;
	vid_partition_free(p);
}

/* Module exit: netlink is gone, so nothing else can reach the registry. */
void vid_partitions_destroy(void)
{
	struct vid_partition *p;
	unsigned long id;

	mutex_lock(&vid_lock);
	xa_for_each(&vid_partitions, id, p)
		vid_partition_delete(p);
	mutex_unlock(&vid_lock);
	xa_destroy(&vid_partitions);
}
