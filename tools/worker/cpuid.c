// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID profile: what KVM supports, with every hypervisor leaf
 * (0x40000000..0x4fffffff) dropped, then Hyper-V's leaves, edited from
 * KVM_GET_SUPPORTED_HV_CPUID so that a Linux guest takes the Hyper-V path
 * (Documentation/worker.rst, "CPUID"). No KVM signature at any base: Linux
 * would prefer it and never look at VMBus.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"

#define HV_LEAF_VENDOR		0x40000000
#define HV_LEAF_INTERFACE	0x40000001
#define HV_LEAF_VERSION		0x40000002
#define HV_LEAF_FEATURES	0x40000003
#define HV_LEAF_HINTS		0x40000004
#define HV_LEAF_LIMITS		0x40000005
#define HV_LEAF_MAX		HV_LEAF_LIMITS

/* 0x40000003 EAX: partition privileges, low half (MSR access) */
#define HV_VP_RUNTIME		(1u << 0)
#define HV_TIME_REF_COUNT	(1u << 1)
#define HV_SYNIC		(1u << 2)
#define HV_SYNTIMER		(1u << 3)
#define HV_APIC_ACCESS		(1u << 4)
#define HV_HYPERCALL		(1u << 5)
#define HV_VP_INDEX		(1u << 6)
#define HV_RESET		(1u << 7)
#define HV_REFERENCE_TSC	(1u << 9)
#define HV_ACCESS_FREQ		(1u << 11)
/* 0x40000003 EBX: privileges, high half (hypercalls) */
#define HV_POST_MESSAGES	(1u << 4)
#define HV_SIGNAL_EVENTS	(1u << 5)
/* 0x40000003 EDX: misc features */
#define HV_FREQ_MSRS		(1u << 8)
#define HV_CRASH_MSRS		(1u << 10)
#define HV_STIMER_DIRECT	(1u << 19)
/* 0x40000004 EAX: recommendations */
#define HV_HINT_REMOTE_TLB	(1u << 2)
#define HV_HINT_NO_AEOI		(1u << 9)
#define HV_HINT_CLUSTER_IPI	(1u << 10)
#define HV_HINT_EX_MASKS	(1u << 11)

#define HV_WANT_EAX	(HV_VP_RUNTIME | HV_TIME_REF_COUNT | HV_SYNIC | \
			 HV_SYNTIMER | HV_APIC_ACCESS | HV_HYPERCALL | \
			 HV_VP_INDEX | HV_RESET | HV_REFERENCE_TSC | \
			 HV_ACCESS_FREQ)
#define HV_NEED_EAX	(HV_SYNIC | HV_APIC_ACCESS | HV_HYPERCALL | HV_VP_INDEX)
#define HV_WANT_EBX	(HV_POST_MESSAGES | HV_SIGNAL_EVENTS)
#define HV_WANT_EDX	(HV_FREQ_MSRS | HV_CRASH_MSRS | HV_STIMER_DIRECT)
#define HV_WANT_HINTS	(HV_HINT_REMOTE_TLB | HV_HINT_NO_AEOI | \
			 HV_HINT_CLUSTER_IPI | HV_HINT_EX_MASKS)

#define CPUID_1_ECX_HYPERVISOR	(1u << 31)

static struct kvm_cpuid2 *get_cpuid(struct wvm *w, unsigned long req,
				    unsigned int nent)
{
	struct kvm_cpuid2 *c;

	for (;; nent *= 2) {
		c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		if (!c)
			return NULL;
		c->nent = nent;
		if (ioctl(w->kvm_fd, req, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG || nent > 4096)
			return NULL;
	}
}

static struct kvm_cpuid_entry2 *find(struct kvm_cpuid2 *c, uint32_t fn)
{
	unsigned int i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn)
			return &c->entries[i];
	return NULL;
}

static void set_sig(struct kvm_cpuid_entry2 *e, const char sig[12])
{
	memcpy(&e->ebx, sig, 4);
	memcpy(&e->ecx, sig + 4, 4);
	memcpy(&e->edx, sig + 8, 4);
}

/* Edit KVM's Hyper-V template into our profile, in place. */
static int edit_hv_leaves(struct wvm *w, struct kvm_cpuid2 *hv)
{
	struct kvm_cpuid_entry2 *e;
	uint32_t fn;

	for (fn = HV_LEAF_VENDOR; fn <= HV_LEAF_MAX; fn++)
		if (!find(hv, fn))
			return wvm_fail(w, ENOTSUP,
					"KVM_GET_SUPPORTED_HV_CPUID lacks leaf %#x",
					fn);

	e = find(hv, HV_LEAF_VENDOR);
	e->eax = HV_LEAF_MAX;
	set_sig(e, "Microsoft Hv");

	e = find(hv, HV_LEAF_INTERFACE);
	e->eax = 0x31237648;			/* "Hv#1" */
	e->ebx = e->ecx = e->edx = 0;

	e = find(hv, HV_LEAF_FEATURES);
	if ((e->eax & HV_NEED_EAX) != HV_NEED_EAX)
		return wvm_fail(w, ENOTSUP,
				"KVM lacks Hyper-V features %#x (SynIC, APIC, hypercall, VP index)",
				HV_NEED_EAX & ~e->eax);
	e->eax &= HV_WANT_EAX;
	e->ebx &= HV_WANT_EBX;
	e->edx &= HV_WANT_EDX;
	/* Legacy (message) stimers would share SynIC slot 2 with VMBus. */
	if (!(e->edx & HV_STIMER_DIRECT))
		e->eax &= ~HV_SYNTIMER;
	/*
	 * The partition's stimer off: no synthetic timers at all. With
	 * KVM_CAP_HYPERV_ENFORCE_CPUID the guest cannot reach their MSRs
	 * either, and keeps its LAPIC timer.
	 */
	if (w->cfg.no_stimer) {
		e->eax &= ~HV_SYNTIMER;
		e->edx &= ~HV_STIMER_DIRECT;
		/* At each boot, so a guest's reset loop repeats it. */
		wvm_log_guest(w, "synthetic timers off (stimer off): the guest keeps its LAPIC timer");
	}
	e->ecx = 0;

	e = find(hv, HV_LEAF_HINTS);
	e->eax &= HV_WANT_HINTS;
	e->ebx = 0xfff;				/* spinlock retries */
	e->ecx = e->edx = 0;

	e = find(hv, HV_LEAF_LIMITS);
	e->ebx = 64;
	e->ecx = e->edx = 0;
	return 0;
}

int cpuid_build(struct wvm *w)
{
	struct kvm_cpuid2 *std, *hv, *c;
	struct kvm_cpuid_entry2 *e;
	unsigned int i, n = 0;
	int ret = 0;

	std = get_cpuid(w, KVM_GET_SUPPORTED_CPUID, 64);
	if (!std)
		return wvm_fail(w, errno, "KVM_GET_SUPPORTED_CPUID: %s",
				strerror(errno));
	hv = get_cpuid(w, KVM_GET_SUPPORTED_HV_CPUID, 16);
	if (!hv) {
		free(std);
		return wvm_fail(w, errno, "KVM_GET_SUPPORTED_HV_CPUID: %s",
				strerror(errno));
	}
	ret = edit_hv_leaves(w, hv);
	c = calloc(1, sizeof(*c) + (std->nent + HV_LEAF_MAX - HV_LEAF_VENDOR + 1) *
		   sizeof(c->entries[0]));
	if (!ret && !c)
		ret = wvm_fail(w, ENOMEM, "out of memory");
	if (ret)
		goto out;

	for (i = 0; i < std->nent; i++) {
		e = &std->entries[i];
		if (e->function >= 0x40000000 && e->function <= 0x4fffffff)
			continue;
		if (e->function == 1)
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
		c->entries[n++] = *e;
	}
	for (i = 0; i < hv->nent; i++)
		if (hv->entries[i].function <= HV_LEAF_MAX)
			c->entries[n++] = hv->entries[i];
	c->nent = n;
	w->cpuid = c;
	c = NULL;
out:
	free(c);
	free(hv);
	free(std);
	return ret;
}

/* The profile with this vCPU's APIC ID in leaves 1, 0xb and 0x1f. */
int cpuid_set_vcpu(struct wvm *w, struct wvm_vcpu *v)
{
	size_t sz = sizeof(*w->cpuid) + w->cpuid->nent * sizeof(w->cpuid->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	unsigned int i;
	int ret = 0;

	if (!c)
		return wvm_fail(w, ENOMEM, "out of memory");
	memcpy(c, w->cpuid, sz);
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1) {
			e->ebx &= 0x0000ffff;
			e->ebx |= v->id << 24;
			e->ebx |= (w->nr_vcpus > 255 ? 255 : w->nr_vcpus) << 16;
		} else if (e->function == 0xb || e->function == 0x1f) {
			e->edx = v->id;
		}
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0)
		ret = wvm_fail(w, errno, "KVM_SET_CPUID2: %s", strerror(errno));
	free(c);
	return ret;
}
