// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kvm, the VM and its memory.
 *
 * Guest RAM is one anonymous mapping. Below 4 GiB it fills [0, 3 GiB); the
 * rest sits at [4 GiB, ...), leaving the usual hole for the IOAPIC, the
 * LAPIC and KVM's TSS. Each part is one KVM memory slot and one entry in
 * the memory table (wvm_memory()).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static const struct {
	int cap;
	const char *name;
} required_caps[] = {
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_PIT2, "KVM_CAP_PIT2" },
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	{ KVM_CAP_HYPERV, "KVM_CAP_HYPERV" },
	{ KVM_CAP_HYPERV_TIME, "KVM_CAP_HYPERV_TIME" },
	{ KVM_CAP_HYPERV_SYNIC2, "KVM_CAP_HYPERV_SYNIC2" },
	{ KVM_CAP_HYPERV_ENFORCE_CPUID, "KVM_CAP_HYPERV_ENFORCE_CPUID" },
	{ KVM_CAP_SYS_HYPERV_CPUID, "KVM_CAP_SYS_HYPERV_CPUID" },
};

int kvm_open(struct wvm *w)
{
	unsigned int i;
	int ret;

	w->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (w->kvm_fd < 0)
		return wvm_fail(w, errno, "cannot open /dev/kvm: %s",
				strerror(errno));
	ret = ioctl(w->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION)
		return wvm_fail(w, ENOTSUP, "KVM API version %d, need %d",
				ret, KVM_API_VERSION);
	for (i = 0; i < ARRAY_SIZE(required_caps); i++)
		if (ioctl(w->kvm_fd, KVM_CHECK_EXTENSION,
			  required_caps[i].cap) <= 0)
			return wvm_fail(w, ENOTSUP,
					"KVM lacks a capability we need: %s",
					required_caps[i].name);
	w->run_size = ioctl(w->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (w->run_size < (int)sizeof(struct kvm_run))
		return wvm_fail(w, EIO, "KVM_GET_VCPU_MMAP_SIZE: %s",
				strerror(errno));
	return 0;
}

int kvm_create_vm(struct wvm *w)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t idmap = GPA_IDMAP;

	w->vm_fd = ioctl(w->kvm_fd, KVM_CREATE_VM, 0);
	if (w->vm_fd < 0)
		return wvm_fail(w, errno, "KVM_CREATE_VM: %s", strerror(errno));
	if (ioctl(w->vm_fd, KVM_SET_TSS_ADDR, GPA_TSS) < 0)
		return wvm_fail(w, errno, "KVM_SET_TSS_ADDR: %s",
				strerror(errno));
	/* Only VMX uses it; where the capability is absent it is not needed. */
	if (ioctl(w->kvm_fd, KVM_CHECK_EXTENSION,
		  KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0 &&
	    ioctl(w->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0)
		return wvm_fail(w, errno, "KVM_SET_IDENTITY_MAP_ADDR: %s",
				strerror(errno));
	if (ioctl(w->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return wvm_fail(w, errno, "KVM_CREATE_IRQCHIP: %s",
				strerror(errno));
	if (ioctl(w->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return wvm_fail(w, errno, "KVM_CREATE_PIT2: %s",
				strerror(errno));
	return 0;
}

static int add_slot(struct wvm *w, uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = w->nr_mem,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	if (ioctl(w->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return wvm_fail(w, errno, "KVM_SET_USER_MEMORY_REGION: %s",
				strerror(errno));
	w->mem[w->nr_mem++] = (struct wvm_mem_region){ gpa, size, hva };
	return 0;
}

int kvm_setup_memory(struct wvm *w)
{
	uint64_t low = wvm_low_ram(w);
	int ret;

	w->ram = mmap(NULL, w->ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (w->ram == MAP_FAILED) {
		w->ram = NULL;
		return wvm_fail(w, errno, "cannot map %llu MiB of guest RAM: %s",
				(unsigned long long)(w->ram_size / SZ_1M),
				strerror(errno));
	}
	ret = add_slot(w, 0, low, w->ram);
	if (!ret && w->ram_size > low)
		ret = add_slot(w, SZ_4G, w->ram_size - low,
			       (uint8_t *)w->ram + low);
	return ret;
}

void kvm_close(struct wvm *w)
{
	if (w->vm_fd >= 0)
		close(w->vm_fd);
	if (w->ram)
		munmap(w->ram, w->ram_size);
	if (w->kvm_fd >= 0)
		close(w->kvm_fd);
}
