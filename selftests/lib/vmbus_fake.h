/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the native tests of kmod/vmbus share, so that each states only
 * what it checks:
 *
 * - little-endian access to messages by offset, as the guest lays them
 *   out (rd16..wr64), and a reader of a fuzz input (vf_get);
 * - check(), the fuzz targets' assertion: report and abort;
 * - for a fake struct vmb_ops host (vmbus_fake.c, with bus.c): the
 *   allocator with accounting, the GPADL's guest-memory check, the sizes
 *   a Linux guest requires of what the host posts, and the guest's GPADL
 *   and OPENCHANNEL messages byte for byte as Linux 6.1 builds them.
 *
 * The inline parts need nothing but this header; the vf_ functions
 * below them are in vmbus_fake.c.
 */
#ifndef _SELFTESTS_VMBUS_FAKE_H
#define _SELFTESTS_VMBUS_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define check(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

/* ---- raw little-endian access ---- */

static inline uint32_t rd16(const void *b, size_t off)
{
	const uint8_t *p = (const uint8_t *)b + off;

	return p[0] | p[1] << 8;
}

static inline uint32_t rd32(const void *b, size_t off)
{
	return rd16(b, off) | rd16(b, off + 2) << 16;
}

static inline uint64_t rd64(const void *b, size_t off)
{
	return rd32(b, off) | (uint64_t)rd32(b, off + 4) << 32;
}

static inline void wr16(void *b, size_t off, uint32_t v)
{
	uint8_t *p = (uint8_t *)b + off;

	p[0] = v;
	p[1] = v >> 8;
}

static inline void wr32(void *b, size_t off, uint32_t v)
{
	wr16(b, off, v & 0xffff);
	wr16(b, off + 2, v >> 16);
}

static inline void wr64(void *b, size_t off, uint64_t v)
{
	wr32(b, off, (uint32_t)v);
	wr32(b, off + 4, v >> 32);
}

/* ---- a fuzz input, read little-endian; zeros once it runs out ---- */

struct vf_in {
	const uint8_t *p;
	size_t n;
};

static inline uint32_t vf_get(struct vf_in *in, unsigned int bytes)
{
	uint32_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++) {
		if (in->n) {
			v |= (uint32_t)*in->p << (8 * i);
			in->p++;
			in->n--;
		}
	}
	return v;
}

/* ---- the fake host's allocations ---- */

/*
 * Every allocation carries a header (a live marker and its size), so
 * that a double free, a free of what is not ours, and what is left at
 * the end are all seen.
 */
struct vf_alloc {
	long live;		/* allocations */
	long live_max;
	uint64_t live_bytes;
	uint32_t fail_after;	/* the n-th allocation from now fails; 0: none */
};

/* Zeroed, accounted; NULL only when fail_after says so. */
void *vf_zalloc(struct vf_alloc *a, uint32_t size);
/* Aborts on what is not a live allocation of vf_zalloc's; NULL is fine. */
void vf_free(struct vf_alloc *a, void *p);
/* p came from vf_zalloc and is not freed yet. */
bool vf_alloc_live(const void *p);

/* ---- the fake host's side of struct vmb_ops (needs vmbus_bus.h) ---- */

struct vmb_gpadl;

/*
 * The size a Linux 6.1 guest requires of a message of this type from
 * the host; 0 for a type it does not take from the host.
 */
uint32_t vf_host_msg_size(uint32_t type);
/*
 * A post a Linux guest takes: a host-to-guest type at its exact size,
 * the reserved word zero, to one of nvps VPs.
 */
bool vf_post_ok(uint32_t vp, uint32_t nvps, const void *msg, uint32_t len);
/*
 * gpadl_create: -EFAULT if a pfn is at or above mem_pages (outside the
 * guest's memory), else g->host gets an allocation: 0, or -ENOMEM.
 */
int vf_gpadl_create(struct vf_alloc *a, struct vmb_gpadl *g,
		    uint64_t mem_pages);
/* gpadl_destroy: g->host freed. */
void vf_gpadl_destroy(struct vf_alloc *a, struct vmb_gpadl *g);

/* ---- the guest's messages, as Linux 6.1 builds them ---- */

/* create_gpadl_header: pfns in the header, and in each body */
#define VF_GPADL_HEADER_PFNS	26
#define VF_GPADL_BODY_PFNS	28
#define VF_GPADL_MSG_MAX	240	/* bytes a GPADL message may take */
#define VF_OPEN_MSG_SIZE	148

/*
 * __vmbus_establish_gpadl's messages for relid's buffer of pages whose
 * pfns are pfn0, pfn0 + 1, ...: into m (VF_GPADL_MSG_MAX bytes), the one
 * that follows *done pages: the header (one range) when *done is 0, else
 * a body. Advances *done past the pfns it holds; returns its length.
 */
uint32_t vf_gpadl_msg(uint8_t *m, uint32_t relid, uint32_t handle,
		      uint32_t pages, uint64_t pfn0, uint32_t *done);
/* A GPADL_BODY of n pfns (VF_GPADL_BODY_PFNS at most) from pfn, for handle. */
uint32_t vf_gpadl_body_msg(uint8_t *m, uint32_t handle, uint32_t n,
			   uint64_t pfn);
/*
 * vmbus_open's OPENCHANNEL (openid = relid), its user data zero, into m
 * (VF_OPEN_MSG_SIZE bytes); returns its length.
 */
uint32_t vf_open_msg(uint8_t *m, uint32_t relid, uint32_t handle, uint32_t vp,
		     uint32_t downstream);

#endif /* _SELFTESTS_VMBUS_FAKE_H */
