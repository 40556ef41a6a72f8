// SPDX-License-Identifier: GPL-2.0
/*
 * The Hyper-V exits KVM leaves to userspace: SynIC MSR writes, the
 * hypercalls KVM does not complete itself, and the guest crash MSRs.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"

#define HV_X64_MSR_SCONTROL	0x40000080
#define HV_X64_MSR_SIEFP	0x40000082
#define HV_X64_MSR_SIMP		0x40000083
#define HV_X64_MSR_CRASH_P0	0x40000100

#define HVCALL_POST_MESSAGE	0x005c
#define HVCALL_SIGNAL_EVENT	0x005d

#define HV_STATUS_INVALID_HYPERCALL_CODE	2
#define HV_STATUS_INVALID_CONNECTION_ID		18

int hyperv_enable_vcpu(struct wvm *w, struct wvm_vcpu *v)
{
	struct kvm_enable_cap synic = { .cap = KVM_CAP_HYPERV_SYNIC2 };
	struct kvm_enable_cap enforce = {
		.cap = KVM_CAP_HYPERV_ENFORCE_CPUID,
		.args = { 1 },
	};

	if (ioctl(v->fd, KVM_ENABLE_CAP, &synic) < 0)
		return wvm_fail(w, errno, "vCPU %u: enabling KVM_CAP_HYPERV_SYNIC2: %s",
				v->id, strerror(errno));
	if (ioctl(v->fd, KVM_ENABLE_CAP, &enforce) < 0)
		return wvm_fail(w, errno, "vCPU %u: enabling KVM_CAP_HYPERV_ENFORCE_CPUID: %s",
				v->id, strerror(errno));
	return 0;
}

/*
 * No VMBus host is connected yet: every connection id is unknown, and
 * nothing else should reach userspace.
 */
uint64_t wvm_hcall_default(struct wvm *w, unsigned int vcpu, uint64_t control,
			   uint64_t in_gpa, uint64_t out_gpa, void *opaque)
{
	(void)w, (void)vcpu, (void)in_gpa, (void)out_gpa, (void)opaque;

	switch (control & 0xffff) {
	case HVCALL_POST_MESSAGE:
	case HVCALL_SIGNAL_EVENT:
		return HV_STATUS_INVALID_CONNECTION_ID;
	default:
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	}
}

static void synic_exit(struct wvm *w, struct wvm_vcpu *v)
{
	struct kvm_hyperv_exit *hv = &v->run->hyperv;
	struct wvm_synic s = {
		.scontrol = hv->u.synic.control,
		.siefp = hv->u.synic.evt_page,
		.simp = hv->u.synic.msg_page,
	};

	pthread_mutex_lock(&w->lock);
	v->synic = s;
	pthread_mutex_unlock(&w->lock);
	if (w->cfg.synic)
		w->cfg.synic(w, v->id, hv->u.synic.msr, &s, w->cfg.opaque);
}

void hyperv_exit(struct wvm *w, struct wvm_vcpu *v)
{
	struct kvm_hyperv_exit *hv = &v->run->hyperv;
	wvm_hcall_fn fn = w->cfg.hcall ? w->cfg.hcall : wvm_hcall_default;

	switch (hv->type) {
	case KVM_EXIT_HYPERV_SYNIC:
		synic_exit(w, v);
		break;
	case KVM_EXIT_HYPERV_HCALL:
		hv->u.hcall.result = fn(w, v->id, hv->u.hcall.input,
					hv->u.hcall.params[0],
					hv->u.hcall.params[1], w->cfg.opaque);
		break;
	default:
		/* SYNDBG is not in our CPUID; nothing to do but go on. */
		break;
	}
}

/* The guest wrote CRASH_CTL: report P0..P4 as it left them. */
void hyperv_crash(struct wvm *w, struct wvm_vcpu *v)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[5];
	} m = { .hdr.nmsrs = 5 };
	struct wvm_event ev = { .type = WVM_EV_CRASH, .vcpu = v->id };
	unsigned int i;
	int n;

	for (i = 0; i < 5; i++)
		m.e[i].index = HV_X64_MSR_CRASH_P0 + i;
	n = ioctl(v->fd, KVM_GET_MSRS, &m);
	if (n < 0) {
		wvm_log_guest(w, "vCPU %u: reading the crash MSRs: %s", v->id,
			strerror(errno));
		n = 0;
	}
	for (i = 0; i < (unsigned int)n && i < 5; i++)
		ev.crash[i] = m.e[i].data;
	wvm_end(w, &ev);
}
