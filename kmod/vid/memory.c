// SPDX-License-Identifier: GPL-2.0
/*
 * hvkvm VID: the guest-memory table.
 *
 * At attach the worker hands VID the regions of guest-physical memory it
 * registered with KVM, as ranges of its own address space. VID pins them
 * (FOLL_LONGTERM, charged to the worker's pinned_vm as RDMA and vDPA do),
 * so that turning a guest page number into a page is a lookup in a table
 * that cannot change under the user: every guest-supplied page number is
 * checked against it, and nothing outside it is ever touched.
 *
 * The table is reference counted: users on the data path take a
 * reference under RCU and drop it when done, so a worker that dies while
 * I/O is in flight unpins only after the last user let go.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "vid.h"

static const struct nla_policy vid_region_policy[HVKVM_VID_MEM_A_MAX + 1] = {
	[HVKVM_VID_MEM_A_GPA]	= { .type = NLA_U64 },
	[HVKVM_VID_MEM_A_SIZE]	= { .type = NLA_U64 },
	[HVKVM_VID_MEM_A_UADDR]	= { .type = NLA_U64 },
};

const struct nla_policy vid_memory_map_policy[HVKVM_VID_MEM_A_MAX + 1] = {
	[HVKVM_VID_MEM_A_REGION] = NLA_POLICY_NESTED(vid_region_policy),
};

#define VID_UNPIN_BATCH 1024

/* Unpin and free, in process context: GiBs of pages, a batch at a time. */
static void vid_memory_free(struct vid_memory *mem)
{
	unsigned int i;

	for (i = 0; i < mem->nregions; i++) {
		struct vid_mem_region *r = &mem->regions[i];
		unsigned long done, n;

		/* GiBs of pages: give the CPU up now and then. */
		for (done = 0; done < r->pinned; done += n) {
			n = min_t(unsigned long, r->pinned - done,
				  VID_UNPIN_BATCH);
			unpin_user_pages_dirty_lock(r->pages + done, n, true);
			cond_resched();
		}
		kvfree(r->pages);
	}
	atomic64_sub(mem->pinned, &mem->mm->pinned_vm);
	mmdrop(mem->mm);
	/* vid_memory_get() may still be looking at it under RCU. */
	kfree_rcu(mem, rcu);
}

static void vid_memory_free_work(struct work_struct *work)
{
	vid_memory_free(container_of(work, struct vid_memory, free_work));
}

/*
 * The last reference may go anywhere: in a VSP's completion (softirq),
 * under vid_lock. The unpinning runs on VID's workqueue.
 */
static void vid_memory_release(struct kref *kref)
{
	struct vid_memory *mem = container_of(kref, struct vid_memory, ref);

	INIT_WORK(&mem->free_work, vid_memory_free_work);
	queue_work(vid_wq, &mem->free_work);
}

/*
 * The worker let go of the table (detach): its pages no longer count
 * against the worker's RLIMIT_MEMLOCK, even while a reference kept for
 * I/O in flight still holds them, so that the worker of a guest that
 * reset can pin the same memory again at once. Under vid_lock.
 */
void vid_memory_unaccount(struct vid_memory *mem)
{
	if (!mem)
		return;
	atomic64_sub(mem->pinned, &mem->mm->pinned_vm);
	mem->pinned = 0;
}

void vid_memory_put(struct vid_memory *mem)
{
	if (mem)
		kref_put(&mem->ref, vid_memory_release);
}
EXPORT_SYMBOL_GPL(vid_memory_put);

/* The partition's table with a reference, or NULL when none is attached. */
struct vid_memory *vid_memory_get(struct vid_partition *p)
{
	struct vid_memory *mem;

	rcu_read_lock();
	mem = rcu_dereference(p->memory);
	if (mem && !kref_get_unless_zero(&mem->ref))
		mem = NULL;
	rcu_read_unlock();
	return mem;
}
EXPORT_SYMBOL_GPL(vid_memory_get);

int vid_memory_pages(const struct vid_memory *mem, u64 gpn, u32 n,
		     struct page **pages)
{
	u32 i;

	if (gpn + n < gpn)
		return -EFAULT;
	for (i = 0; i < n; i++) {
		pages[i] = vid_memory_page(mem, gpn + i);
		if (!pages[i])
			return -EFAULT;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vid_memory_pages);

/* The page behind a guest page number, or NULL outside guest memory. */
struct page *vid_memory_page(const struct vid_memory *mem, u64 gpn)
{
	unsigned int i;

	for (i = 0; i < mem->nregions; i++) {
		const struct vid_mem_region *r = &mem->regions[i];
		u64 first = r->gpa >> PAGE_SHIFT;

		if (gpn >= first && gpn - first < r->npages)
			return r->pages[gpn - first];
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(vid_memory_page);

/* Copy between guest memory and the kernel; -EFAULT outside guest memory. */
static int vid_memory_copy(const struct vid_memory *mem, u64 gpa, void *buf,
			   size_t len, bool to_guest)
{
	while (len) {
		size_t off = offset_in_page(gpa);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		struct page *page = vid_memory_page(mem, gpa >> PAGE_SHIFT);
		void *va;

		if (!page)
			return -EFAULT;
		va = kmap_local_page(page);
		if (to_guest)
			memcpy(va + off, buf, n);
		else
			memcpy(buf, va + off, n);
		kunmap_local(va);
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int vid_memory_read(const struct vid_memory *mem, u64 gpa, void *buf,
		    size_t len)
{
	return vid_memory_copy(mem, gpa, buf, len, false);
}
EXPORT_SYMBOL_GPL(vid_memory_read);

int vid_memory_write(const struct vid_memory *mem, u64 gpa, const void *buf,
		     size_t len)
{
	return vid_memory_copy(mem, gpa, (void *)buf, len, true);
}
EXPORT_SYMBOL_GPL(vid_memory_write);

static int vid_region_parse(struct nlattr *attr, struct vid_mem_region *r,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[HVKVM_VID_MEM_A_MAX + 1];
	u64 end;
	int err;

	err = nla_parse_nested(tb, HVKVM_VID_MEM_A_MAX, attr, vid_region_policy,
			       extack);
	if (err)
		return err;
	if (!tb[HVKVM_VID_MEM_A_GPA] || !tb[HVKVM_VID_MEM_A_SIZE] ||
	    !tb[HVKVM_VID_MEM_A_UADDR]) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a memory region needs its gpa, size and uaddr");
		return -EINVAL;
	}
	r->gpa = nla_get_u64(tb[HVKVM_VID_MEM_A_GPA]);
	r->uaddr = nla_get_u64(tb[HVKVM_VID_MEM_A_UADDR]);
	r->npages = nla_get_u64(tb[HVKVM_VID_MEM_A_SIZE]) >> PAGE_SHIFT;
	if (!PAGE_ALIGNED(r->gpa) || !PAGE_ALIGNED(r->uaddr) ||
	    !PAGE_ALIGNED(nla_get_u64(tb[HVKVM_VID_MEM_A_SIZE])) || !r->npages) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a memory region must be page-aligned and not empty");
		return -EINVAL;
	}
	if (check_add_overflow(r->gpa, r->npages << PAGE_SHIFT, &end) ||
	    check_add_overflow(r->uaddr, r->npages << PAGE_SHIFT, &end)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "a memory region wraps around");
		return -EINVAL;
	}
	return 0;
}

static int vid_region_pin(struct vid_mem_region *r)
{
	unsigned long done = 0;
	long n;

	r->pages = kvcalloc(r->npages, sizeof(*r->pages), GFP_KERNEL);
	if (!r->pages)
		return -ENOMEM;
	while (done < r->npages) {
		n = pin_user_pages_fast(r->uaddr + (done << PAGE_SHIFT),
					min_t(unsigned long, r->npages - done, 512),
					FOLL_WRITE | FOLL_LONGTERM,
					r->pages + done);
		if (n <= 0)
			return n ? n : -EFAULT;
		done += n;
		r->pinned = done;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/*
 * Pin the table given at attach, in the worker's context (its mm), for a
 * partition of @memory bytes. On success *out holds the new table with one
 * reference.
 */
int vid_memory_pin(u64 memory, struct nlattr *map, struct vid_memory **out,
		   struct netlink_ext_ack *extack)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	struct vid_memory *mem;
	struct nlattr *attr;
	u64 total = 0;
	unsigned int i, j;
	int rem, err;

	mem = kzalloc(struct_size(mem, regions, HVKVM_VID_MEM_REGIONS_MAX),
		      GFP_KERNEL);
	if (!mem)
		return -ENOMEM;
	kref_init(&mem->ref);
	mmgrab(current->mm);
	mem->mm = current->mm;

	nla_for_each_nested(attr, map, rem) {
		struct vid_mem_region *r;

		if (mem->nregions == HVKVM_VID_MEM_REGIONS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "too many memory regions");
			err = -E2BIG;
			goto err;
		}
		r = &mem->regions[mem->nregions];
		err = vid_region_parse(attr, r, extack);
		if (err)
			goto err;
		mem->nregions++;
		for (j = 0; j + 1 < mem->nregions; j++) {
			const struct vid_mem_region *o = &mem->regions[j];

			if (r->gpa < o->gpa + (o->npages << PAGE_SHIFT) &&
			    o->gpa < r->gpa + (r->npages << PAGE_SHIFT)) {
				NL_SET_ERR_MSG_ATTR(extack, attr,
						    "memory regions overlap");
				err = -EINVAL;
				goto err;
			}
		}
		total += r->npages << PAGE_SHIFT;
	}
	if (total < memory || total > memory + HVKVM_VID_MEMORY_SLACK) {
		NL_SET_ERR_MSG_ATTR(extack, map,
				    "the memory map must cover the partition's memory, and no more");
		err = -EINVAL;
		goto err;
	}

	mem->pinned = total >> PAGE_SHIFT;
	if (atomic64_add_return(mem->pinned, &current->mm->pinned_vm) > limit &&
	    !capable(CAP_IPC_LOCK)) {
		NL_SET_ERR_MSG(extack, "guest memory exceeds the worker's RLIMIT_MEMLOCK");
		err = -ENOMEM;
		goto err;
	}
	for (i = 0; i < mem->nregions; i++) {
		err = vid_region_pin(&mem->regions[i]);
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot pin the guest memory");
			goto err;
		}
	}
	*out = mem;
	return 0;
err:
	vid_memory_free(mem);
	return err;
}
