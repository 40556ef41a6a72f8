// SPDX-License-Identifier: GPL-2.0
/*
 * Direct boot of a Linux bzImage through its 64-bit entry point
 * (Documentation/x86/boot.rst): the protected-mode kernel at 1 MiB, the
 * setup header in a zero page, the command line, the initrd as high as
 * initrd_addr_max and RAM allow, an e820 map, the ACPI tables, identity
 * page tables for the first 4 GiB and a flat GDT; the boot CPU starts in
 * long mode at load address + 0x200 with RSI = the zero page.
 *
 * The kernel may also be an uncompressed ELF vmlinux (as extracted from a
 * bzImage): its segments are loaded where their physical addresses say,
 * the zero page gets a setup header of our own, and the CPU starts at the
 * ELF entry point (startup_64's physical address) in the same state. The
 * kernel then skips its decompressor, which costs seconds under emulation
 * (the lab boots its guests this way; Documentation/lab.rst), and KASLR.
 *
 * Everything read from the image is checked before use: a truncated or
 * hostile file gives an error, never a crash.
 */
#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define HDR_OFFSET	0x1f1
#define HDR_MAGIC	0x53726448	/* "HdrS" */
#define MIN_PROTOCOL	0x0206
#define ENTRY_64	0x200
#define MAX_KERNEL	(256 * SZ_1M)
#define MAX_INITRD	(2 * SZ_1G)

#define ELF_CMDLINE_MAX	2047
#define ELF_INITRD_MAX	0x7fffffff

#define BOOT_CS		0x10
#define BOOT_DS		0x18

static int read_file(struct wvm *w, const char *what, const char *path,
		     uint64_t max, uint8_t **data, size_t *size)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wvm_fail(w, errno, "cannot open %s %s: %s", what, path,
				strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ret = wvm_fail(w, EINVAL, "%s %s is not a regular file", what,
			       path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		ret = wvm_fail(w, EFBIG, "%s %s is too large (%lld bytes)",
			       what, path, (long long)st.st_size);
		goto out;
	}
	*size = st.st_size;
	*data = malloc(*size ? *size : 1);
	if (!*data) {
		ret = wvm_fail(w, ENOMEM, "out of memory reading %s", path);
		goto out;
	}
	while (got < *size) {
		n = read(fd, *data + got, *size - got);
		if (n <= 0) {
			ret = wvm_fail(w, n ? errno : EIO, "reading %s %s: %s",
				       what, path, n ? strerror(errno) : "short file");
			goto out;
		}
		got += n;
	}
out:
	close(fd);
	return ret;
}

static const struct setup_header *header(const struct boot_image *img)
{
	return (const struct setup_header *)(img->kernel + HDR_OFFSET);
}

/* Where the kernel will decompress to and how far it reaches. */
static uint64_t kernel_end(const struct boot_image *img)
{
	const struct setup_header *h = header(img);
	uint64_t base = h->pref_address > GPA_KERNEL ? h->pref_address : GPA_KERNEL;
	uint64_t end = ALIGN_UP(base + h->init_size, 4096);
	uint64_t body = GPA_KERNEL + (img->kernel_size - img->setup_size);

	return end > body ? end : body;
}

static int check_kernel(struct wvm *w, const char *path, struct boot_image *img)
{
	const struct setup_header *h;
	unsigned int sects, hdr_end;

	if (img->kernel_size < HDR_OFFSET + sizeof(*h))
		return wvm_fail(w, ENOEXEC, "%s: not a bzImage", path);
	h = header(img);
	if (h->header != HDR_MAGIC || h->boot_flag != 0xaa55)
		return wvm_fail(w, ENOEXEC, "%s: not a bzImage", path);
	if (h->version < MIN_PROTOCOL)
		return wvm_fail(w, ENOEXEC,
				"%s: not a bzImage (boot protocol %u.%02u, need 2.06 or later)",
				path, h->version >> 8, h->version & 0xff);
	if (!(h->loadflags & LOADED_HIGH))
		return wvm_fail(w, ENOEXEC, "%s: not a bzImage (zImage)", path);
	hdr_end = 0x202 + img->kernel[0x201];
	if (hdr_end < HDR_OFFSET + offsetof(struct setup_header, init_size) + 4)
		return wvm_fail(w, ENOEXEC, "%s: not a bzImage (setup header too short)",
				path);
	if (h->version < 0x020c || !(h->xloadflags & XLF_KERNEL_64))
		return wvm_fail(w, ENOEXEC, "%s: the kernel has no 64-bit entry point",
				path);
	sects = h->setup_sects ? h->setup_sects : 4;
	img->setup_size = (sects + 1) * 512;
	if (img->setup_size < hdr_end ||
	    img->setup_size + ENTRY_64 + 16 > img->kernel_size)
		return wvm_fail(w, ENOEXEC, "%s: not a bzImage (truncated)", path);
	if (!h->init_size || h->init_size > MAX_KERNEL * 4 ||
	    h->pref_address > GPA_LOW_END)
		return wvm_fail(w, ENOEXEC, "%s: not a bzImage (init_size %#x, pref_address %#llx)",
				path, h->init_size,
				(unsigned long long)h->pref_address);
	if (!h->relocatable_kernel && h->pref_address > GPA_KERNEL)
		/*
		 * A fixed kernel still starts at 1 MiB and moves itself.
		 * Said at each boot: a guest that resets in a loop repeats
		 * it, hence a guest line.
		 */
		wvm_log_guest(w, "%s is not relocatable; it runs at %#llx", path,
			(unsigned long long)h->pref_address);
	return 0;
}

static const Elf64_Phdr *elf_phdr(const struct boot_image *img, unsigned int i)
{
	const Elf64_Ehdr *e = (const Elf64_Ehdr *)img->kernel;

	return (const Elf64_Phdr *)(img->kernel + e->e_phoff) + i;
}

/*
 * An x86-64 executable whose loadable segments lie in RAM from 1 MiB up,
 * within the file, and whose entry point is in one of them.
 */
static int check_elf(struct wvm *w, const char *path, struct boot_image *img)
{
	const Elf64_Ehdr *e = (const Elf64_Ehdr *)img->kernel;
	const Elf64_Phdr *ph;
	bool entry_ok = false;
	unsigned int i, nload = 0;
	uint64_t end = 0;

	if (img->kernel_size < sizeof(*e) ||
	    e->e_ident[EI_CLASS] != ELFCLASS64 ||
	    e->e_ident[EI_DATA] != ELFDATA2LSB)
		return wvm_fail(w, ENOEXEC, "%s: not a 64-bit little-endian ELF vmlinux",
				path);
	if (e->e_type != ET_EXEC || e->e_machine != EM_X86_64)
		return wvm_fail(w, ENOEXEC, "%s: not an x86-64 ELF executable", path);
	if (e->e_phentsize != sizeof(*ph) || !e->e_phnum ||
	    e->e_phoff > img->kernel_size ||
	    (uint64_t)e->e_phnum * sizeof(*ph) > img->kernel_size - e->e_phoff)
		return wvm_fail(w, ENOEXEC, "%s: ELF program headers out of the file",
				path);
	for (i = 0; i < e->e_phnum; i++) {
		ph = elf_phdr(img, i);
		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		if (ph->p_offset > img->kernel_size ||
		    ph->p_filesz > img->kernel_size - ph->p_offset ||
		    ph->p_filesz > ph->p_memsz)
			return wvm_fail(w, ENOEXEC, "%s: ELF segment %u is truncated",
					path, i);
		if (ph->p_paddr < GPA_KERNEL || ph->p_paddr >= GPA_LOW_END ||
		    ph->p_memsz > GPA_LOW_END - ph->p_paddr)
			return wvm_fail(w, ENOEXEC,
					"%s: ELF segment %u at %#llx+%#llx is not in RAM above 1 MiB",
					path, i, (unsigned long long)ph->p_paddr,
					(unsigned long long)ph->p_memsz);
		if (ph->p_paddr + ph->p_memsz > end)
			end = ph->p_paddr + ph->p_memsz;
		if ((ph->p_flags & PF_X) && e->e_entry >= ph->p_paddr &&
		    e->e_entry - ph->p_paddr < ph->p_filesz)
			entry_ok = true;
		nload++;
	}
	if (!nload)
		return wvm_fail(w, ENOEXEC, "%s: no loadable ELF segment", path);
	if (!entry_ok)
		return wvm_fail(w, ENOEXEC,
				"%s: the ELF entry point %#llx is in no executable segment",
				path, (unsigned long long)e->e_entry);
	img->elf = true;
	img->elf_end = ALIGN_UP(end, 4096);
	return 0;
}

int boot_prepare(struct wvm *w, struct boot_image *img, const char *kernel,
		 const char *initrd, const char *cmdline)
{
	const struct setup_header *h;
	uint64_t low = wvm_low_ram(w), end, top;
	unsigned int max_cmdline;
	uint32_t addr_max;
	size_t len;
	int ret;

	ret = read_file(w, "kernel", kernel, MAX_KERNEL, &img->kernel,
			&img->kernel_size);
	if (ret)
		return ret;
	if (img->kernel_size >= SELFMAG && !memcmp(img->kernel, ELFMAG, SELFMAG)) {
		ret = check_elf(w, kernel, img);
		/* x86's COMMAND_LINE_SIZE, less the NUL; initrd_addr_max
		 * as bzImages have had it since 2.6.31. */
		max_cmdline = ELF_CMDLINE_MAX;
		addr_max = ELF_INITRD_MAX;
		end = img->elf_end;
	} else {
		ret = check_kernel(w, kernel, img);
		if (ret)
			return ret;	/* the header may not even be there */
		h = header(img);
		max_cmdline = h->cmdline_size < CMDLINE_MAX ? h->cmdline_size : CMDLINE_MAX;
		addr_max = h->initrd_addr_max;
		end = kernel_end(img);
	}
	if (ret)
		return ret;

	img->cmdline = cmdline ? cmdline : "";
	len = strlen(img->cmdline);
	if (len > max_cmdline)
		return wvm_fail(w, E2BIG,
				"command line too long: %zu bytes, the kernel takes at most %u",
				len, max_cmdline);

	if (end > low)
		return wvm_fail(w, ENOMEM,
				"memory too small for the kernel: %u MiB, it needs more than %llu MiB",
				w->cfg.memory_mib,
				(unsigned long long)((end + SZ_1M - 1) / SZ_1M));
	if (!initrd)
		return 0;

	ret = read_file(w, "initrd", initrd, MAX_INITRD, &img->initrd,
			&img->initrd_size);
	if (ret)
		return ret;
	top = (uint64_t)addr_max + 1;
	if (top > low)
		top = low;
	if (img->initrd_size > top || ((top - img->initrd_size) & ~0xfffULL) < end)
		return wvm_fail(w, ENOMEM,
				"the initrd (%zu KiB) does not fit between the kernel and %#llx with %u MiB of memory",
				img->initrd_size / 1024, (unsigned long long)top,
				w->cfg.memory_mib);
	img->initrd_gpa = (top - img->initrd_size) & ~0xfffULL;
	return 0;
}

void boot_release(struct boot_image *img)
{
	free(img->kernel);
	free(img->initrd);
	img->kernel = img->initrd = NULL;
}

static int copy_in(struct wvm *w, uint64_t gpa, const void *src, size_t len)
{
	void *dst = wvm_gpa(w, gpa, len);

	if (!dst)
		return wvm_fail(w, EFAULT, "%#llx+%zu is not in guest RAM",
				(unsigned long long)gpa, len);
	memcpy(dst, src, len);
	return 0;
}

static void add_e820(struct boot_params *bp, uint64_t addr, uint64_t size,
		     uint32_t type)
{
	struct boot_e820_entry *e = &bp->e820_table[bp->e820_entries++];

	e->addr = addr;
	e->size = size;
	e->type = type;
}

static void build_e820(struct wvm *w, struct boot_params *bp)
{
	uint64_t low = wvm_low_ram(w);

	add_e820(bp, 0, GPA_EBDA, E820_RAM);
	add_e820(bp, GPA_EBDA, 0xa0000 - GPA_EBDA, E820_RESERVED);
	add_e820(bp, GPA_ACPI, ACPI_SIZE, E820_RESERVED);
	add_e820(bp, GPA_KERNEL, low - GPA_KERNEL, E820_RAM);
	if (w->ram_size > low)
		add_e820(bp, SZ_4G, w->ram_size - low, E820_RAM);
}

/* Identity map of the first 4 GiB with 2 MiB pages; a flat GDT. */
static void build_page_tables(struct wvm *w)
{
	uint64_t *pml4 = wvm_gpa(w, GPA_PML4, 4096);
	uint64_t *pdpt = wvm_gpa(w, GPA_PDPT, 4096);
	uint64_t *pd = wvm_gpa(w, GPA_PD, 4 * 4096);
	uint64_t *gdt = wvm_gpa(w, GPA_GDT, 4 * 8);
	unsigned int i;

	pml4[0] = GPA_PDPT | 0x3;			/* present, writable */
	for (i = 0; i < 4; i++)
		pdpt[i] = (GPA_PD + i * 4096) | 0x3;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;	/* 2 MiB page */

	gdt[0] = 0;
	gdt[1] = 0;
	gdt[BOOT_CS / 8] = 0x00af9b000000ffffULL;	/* 64-bit code */
	gdt[BOOT_DS / 8] = 0x00cf93000000ffffULL;	/* flat data */
}

/*
 * The vmlinux's segments, their ends past the file zeroed (the RAM may
 * hold the last boot's kernel); and the setup header a bzImage would have
 * brought, with what the kernel reads of it.
 */
static int load_elf(struct wvm *w, const struct boot_image *img,
		    struct setup_header *h)
{
	const Elf64_Ehdr *e = (const Elf64_Ehdr *)img->kernel;
	const Elf64_Phdr *ph;
	unsigned int i;
	uint8_t *dst;
	int ret;

	for (i = 0; i < e->e_phnum; i++) {
		ph = elf_phdr(img, i);
		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		ret = copy_in(w, ph->p_paddr, img->kernel + ph->p_offset,
			      ph->p_filesz);
		if (ret)
			return ret;
		dst = wvm_gpa(w, ph->p_paddr, ph->p_memsz);
		memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	}
	memset(h, 0, sizeof(*h));
	h->header = HDR_MAGIC;
	h->boot_flag = 0xaa55;
	h->version = MIN_PROTOCOL;
	h->loadflags = LOADED_HIGH;
	h->cmdline_size = ELF_CMDLINE_MAX;
	h->initrd_addr_max = ELF_INITRD_MAX;
	h->kernel_alignment = 0x200000;
	w->entry = e->e_entry;
	return 0;
}

int boot_load(struct wvm *w, const struct boot_image *img)
{
	size_t hdr_len;
	struct boot_params *bp;
	uint64_t rsdp;
	int ret;

	bp = wvm_gpa(w, GPA_ZERO_PAGE, sizeof(*bp));
	memset(bp, 0, sizeof(*bp));
	if (img->elf) {
		ret = load_elf(w, img, &bp->hdr);
	} else {
		hdr_len = 0x202 + img->kernel[0x201] - HDR_OFFSET;
		if (hdr_len > sizeof(bp->hdr))
			hdr_len = sizeof(bp->hdr);
		memcpy(&bp->hdr, header(img), hdr_len);
		ret = copy_in(w, GPA_KERNEL, img->kernel + img->setup_size,
			      img->kernel_size - img->setup_size);
		w->entry = GPA_KERNEL + ENTRY_64;
	}
	if (!ret && img->initrd_size)
		ret = copy_in(w, img->initrd_gpa, img->initrd, img->initrd_size);
	if (!ret)
		ret = copy_in(w, GPA_CMDLINE, img->cmdline,
			      strlen(img->cmdline) + 1);
	if (!ret)
		ret = acpi_build(w, &rsdp);
	if (ret)
		return ret;

	bp->hdr.type_of_loader = 0xff;
	bp->hdr.cmd_line_ptr = GPA_CMDLINE;
	bp->hdr.ramdisk_image = img->initrd_gpa;
	bp->hdr.ramdisk_size = img->initrd_size;
	bp->acpi_rsdp_addr = rsdp;
	build_e820(w, bp);
	build_page_tables(w);
	return 0;
}

static void flat_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	*s = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.s = 1,
		.l = code,
		.db = !code,
		.g = 1,
	};
}

int boot_setup_bsp(struct wvm *w, struct wvm_vcpu *v)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = w->entry,
		.rsi = GPA_ZERO_PAGE,
		.rsp = GPA_ZERO_PAGE - 16,
		.rflags = 0x2,
	};

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return wvm_fail(w, errno, "KVM_GET_SREGS: %s", strerror(errno));
	flat_seg(&sregs.cs, BOOT_CS, 0xb, true);
	flat_seg(&sregs.ds, BOOT_DS, 0x3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = GPA_GDT;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;			/* any exception: triple fault */
	sregs.cr3 = GPA_PML4;
	sregs.cr4 = 1 << 5;			/* PAE */
	sregs.cr0 = 0x80000011;			/* PG, ET, PE */
	sregs.efer = 0x500;			/* LME, LMA */
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return wvm_fail(w, errno, "KVM_SET_SREGS: %s", strerror(errno));
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return wvm_fail(w, errno, "KVM_SET_REGS: %s", strerror(errno));
	return 0;
}
