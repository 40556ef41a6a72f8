// SPDX-License-Identifier: GPL-2.0
/*
 * The fake host's parts that every native test of lib/vmbus/bus.c
 * shares (unit/bus_test.c, fuzz/fuzz_bus.c); see vmbus_fake.h.
 */
#include <errno.h>
#include <string.h>

#include <hvkvm/vmbus_bus.h>
#include "vmbus_fake.h"

#define ALLOC_LIVE	0xa110ca7eu
#define ALLOC_DEAD	0xdeadbeefu
#define ALLOC_HDR	16		/* keeps what follows 16-byte aligned */

void *vf_zalloc(struct vf_alloc *a, u32 size)
{
	u32 *h;

	if (a->fail_after && !--a->fail_after)
		return NULL;
	h = calloc(1, ALLOC_HDR + (size_t)size);
	check(h);
	h[0] = ALLOC_LIVE;
	h[1] = size;
	if (++a->live > a->live_max)
		a->live_max = a->live;
	a->live_bytes += size;
	return (u8 *)h + ALLOC_HDR;
}

bool vf_alloc_live(const void *p)
{
	return p && ((const u32 *)((const u8 *)p - ALLOC_HDR))[0] == ALLOC_LIVE;
}

void vf_free(struct vf_alloc *a, void *p)
{
	u32 *h;

	if (!p)
		return;
	h = (u32 *)((u8 *)p - ALLOC_HDR);
	check(h[0] == ALLOC_LIVE);	/* a double free, or not ours */
	h[0] = ALLOC_DEAD;
	a->live--;
	a->live_bytes -= h[1];
	free(h);
}

u32 vf_host_msg_size(u32 type)
{
	switch (type) {
	case VMB_MSG_OFFERCHANNEL:		return 196;
	case VMB_MSG_RESCIND_CHANNELOFFER:	return 12;
	case VMB_MSG_ALLOFFERS_DELIVERED:	return 8;
	case VMB_MSG_OPENCHANNEL_RESULT:	return 20;
	case VMB_MSG_GPADL_CREATED:		return 20;
	case VMB_MSG_GPADL_TORNDOWN:		return 12;
	case VMB_MSG_VERSION_RESPONSE:		return 16;
	case VMB_MSG_UNLOAD_RESPONSE:		return 8;
	case VMB_MSG_TL_CONNECT_RESULT:		return 44;
	case VMB_MSG_MODIFYCHANNEL_RESPONSE:	return 16;
	default:				return 0;
	}
}

bool vf_post_ok(u32 vp, u32 nvps, const void *msg, u32 len)
{
	return len >= 8 && len <= VMB_MSG_MAX && vp < nvps &&
	       vf_host_msg_size(rd32(msg, 0)) == len && !rd32(msg, 4);
}

int vf_gpadl_create(struct vf_alloc *a, struct vmb_gpadl *g, u64 mem_pages)
{
	u32 i;

	for (i = 0; i < g->npfns; i++)
		if (g->pfns[i] >= mem_pages)
			return -EFAULT;
	g->host = vf_zalloc(a, 8);
	return g->host ? 0 : -ENOMEM;
}

void vf_gpadl_destroy(struct vf_alloc *a, struct vmb_gpadl *g)
{
	vf_free(a, g->host);
	g->host = NULL;
}

u32 vf_gpadl_body_msg(u8 *m, u32 handle, u32 n, u64 pfn)
{
	u32 i;

	check(n <= VF_GPADL_BODY_PFNS);
	memset(m, 0, VF_GPADL_MSG_MAX);
	wr32(m, 0, VMB_MSG_GPADL_BODY);
	wr32(m, 12, handle);			/* msgnumber stays 0 */
	for (i = 0; i < n; i++)
		wr64(m, 16 + 8 * i, pfn + i);
	return 16 + 8 * n;
}

u32 vf_gpadl_msg(u8 *m, u32 relid, u32 handle, u32 pages, u64 pfn0,
		 u32 *done)
{
	u32 n, i;

	if (*done) {
		n = pages - *done < VF_GPADL_BODY_PFNS ? pages - *done :
							 VF_GPADL_BODY_PFNS;
		*done += n;
		return vf_gpadl_body_msg(m, handle, n, pfn0 + *done - n);
	}
	n = pages < VF_GPADL_HEADER_PFNS ? pages : VF_GPADL_HEADER_PFNS;
	memset(m, 0, VF_GPADL_MSG_MAX);
	wr32(m, 0, VMB_MSG_GPADL_HEADER);
	wr32(m, 8, relid);
	wr32(m, 12, handle);
	wr16(m, 16, 8 + 8 * pages);		/* range_buflen */
	wr16(m, 18, 1);				/* rangecount */
	wr32(m, 20, pages * 4096);		/* byte_count */
	wr32(m, 24, 0);				/* byte_offset */
	for (i = 0; i < n; i++)
		wr64(m, 28 + 8 * i, pfn0 + i);
	*done = n;
	return 28 + 8 * n;
}

u32 vf_open_msg(u8 *m, u32 relid, u32 handle, u32 vp, u32 downstream)
{
	memset(m, 0, VF_OPEN_MSG_SIZE);
	wr32(m, 0, VMB_MSG_OPENCHANNEL);
	wr32(m, 8, relid);
	wr32(m, 12, relid);			/* openid = child_relid */
	wr32(m, 16, handle);
	wr32(m, 20, vp);
	wr32(m, 24, downstream);
	return VF_OPEN_MSG_SIZE;
}
