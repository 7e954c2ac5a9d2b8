// SPDX-License-Identifier: GPL-2.0
/*
 * 64-bit guest set-up: the host builds the GDT, IDT, TSS and identity-mapped page tables in
 * guest memory, loads the payload image, and starts every vCPU directly in long mode. The page
 * tables live in the backend under test: the guest's own walks, and KVM's when it emulates an
 * instruction, read that memory.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/util.h"
#include "vmm/vm.h"

#define X86_CR0_PE	   (1UL << 0)
#define X86_CR0_MP	   (1UL << 1)
#define X86_CR0_ET	   (1UL << 4)
#define X86_CR0_NE	   (1UL << 5)
#define X86_CR0_WP	   (1UL << 16)
#define X86_CR0_PG	   (1UL << 31)
#define X86_CR4_PAE	   (1UL << 5)
#define X86_CR4_OSFXSR	   (1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define EFER_LME	   (1UL << 8)
#define EFER_LMA	   (1UL << 10)

#define PTE_PRESENT   (1ULL << 0)
#define PTE_WRITE     (1ULL << 1)
#define PTE_LARGE     (1ULL << 7)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS	 0x18

/* Fixed system area in the first pages of boot memory. */
#define GDT_GPA	   0x1000
#define IDT_GPA	   0x2000
#define TSS_GPA	   0x3000
#define SYSTEM_END 0x4000

static uint64_t page_tables_needed(uint64_t boot_size, uint64_t data_gpa, uint64_t data_size,
				   uint64_t page_size)
{
	/* Everything up to the MMIO window, which sits above the highest memory. */
	uint64_t top = ALIGN_UP(data_size ? data_gpa + data_size : boot_size, SZ_1G) + SZ_2M;
	uint64_t pages = 1;				    /* PML4 */
	pages += (top + (512 * SZ_1G) - 1) / (512 * SZ_1G); /* PDPTs */
	pages += 2 * ((top + SZ_1G - 1) / SZ_1G);	    /* PDs, generously */
	if (page_size == SZ_4K)
		pages += (boot_size + data_size + GMB_MMIO_WINDOW_SIZE) / SZ_2M + 2;
	return pages;
}

static const struct gmb_image_header *image_header(const struct guest_payload *payload)
{
	const struct gmb_image_header *hdr = (const void *)payload->start;

	if ((size_t)(payload->end - payload->start) < sizeof(*hdr) ||
	    hdr->magic != GMB_IMAGE_MAGIC || hdr->image_end <= GMB_IMAGE_GPA ||
	    hdr->image_end - GMB_IMAGE_GPA < (uint64_t)(payload->end - payload->start))
		return NULL;
	return hdr;
}

/*
 * Computes the boot-memory layout for cfg; when separate_data is set the data area goes into
 * its own slot and does not count towards boot_size.
 */
static int layout_plan(struct vm_layout *l, const struct vm_guest_config *cfg, bool separate_data)
{
	const struct gmb_image_header *hdr = image_header(cfg->payload);
	uint64_t boot = 0, next;

	if (!hdr)
		return gmb_error(EINVAL, "guest payload '%s' has no valid image header",
				 cfg->payload->name);
	if (cfg->guest_page_size != SZ_4K && cfg->guest_page_size != SZ_2M)
		return gmb_error(EINVAL, "guest page size must be 4K or 2M");
	if (!cfg->nr_vcpus || cfg->nr_vcpus > VM_MAX_VCPUS)
		return gmb_error(EINVAL, "vCPU count must be 1..%d", VM_MAX_VCPUS);

	memset(l, 0, sizeof(*l));
	l->page_size = cfg->guest_page_size;
	l->gdt = GDT_GPA;
	l->idt = IDT_GPA;
	l->tss = TSS_GPA;
	l->image_gpa = GMB_IMAGE_GPA;
	l->image_end = hdr->image_end;
	l->entry = hdr->entry;
	l->exception_stubs = hdr->exception_stubs;
	l->stacks_gpa = ALIGN_UP(l->image_end, SZ_4K);
	l->pt_base = l->stacks_gpa + (uint64_t)cfg->nr_vcpus * VCPU_STACK_SIZE;
	l->data_size = ALIGN_UP(cfg->data_size, cfg->guest_page_size);

	/* The page-table count depends on the boot size, which depends on it: iterate. */
	for (;;) {
		uint64_t data_gpa = separate_data ? ALIGN_UP(boot, SZ_1G) : boot;
		uint64_t tables = page_tables_needed(boot, data_gpa, l->data_size, l->page_size);

		next = ALIGN_UP(l->pt_base + tables * SZ_4K, SZ_2M);
		if (next <= boot)
			break;
		boot = next;
	}
	l->boot_size = boot;
	l->pt_end = boot;
	l->pt_next = l->pt_base;
	l->data_gpa = separate_data ? ALIGN_UP(boot, SZ_1G) : boot;
	l->mmio_gpa = ALIGN_UP(l->data_gpa + l->data_size, SZ_1G);
	l->pml4 = 0;
	return 0;
}

int vm_layout_boot_size(const struct vm_guest_config *cfg, uint64_t *boot_size)
{
	struct vm_layout l;
	int ret = layout_plan(&l, cfg, false);

	if (!ret)
		*boot_size = l.boot_size;
	return ret;
}

static uint64_t *guest_ptr(struct vm *vm, uint64_t gpa)
{
	return vm_gpa_to_hva(vm, gpa);
}

static int pt_alloc(struct vm *vm, uint64_t *gpa)
{
	struct vm_layout *l = &vm->layout;
	void *hva;

	if (l->pt_next + SZ_4K > l->pt_end)
		return gmb_error(ENOSPC, "guest page-table area exhausted");
	*gpa = l->pt_next;
	l->pt_next += SZ_4K;
	hva = vm_gpa_to_hva(vm, *gpa);
	memset(hva, 0, SZ_4K);
	return 0;
}

/* Returns the next-level table that entry index of table points to, allocating it. */
static int pt_next_level(struct vm *vm, uint64_t table, unsigned int index, uint64_t *next)
{
	uint64_t *entry = guest_ptr(vm, table) + index;
	int ret;

	if (*entry & PTE_PRESENT) {
		*next = *entry & PTE_ADDR_MASK;
		return 0;
	}
	ret = pt_alloc(vm, next);
	if (ret)
		return ret;
	*entry = *next | PTE_PRESENT | PTE_WRITE;
	return 0;
}

static int pt_map_range(struct vm *vm, uint64_t gpa, uint64_t size)
{
	uint64_t page_size = vm->layout.page_size;
	int ret;

	for (uint64_t addr = gpa; addr < gpa + size; addr += page_size) {
		uint64_t pdpt, pd, pt;

		ret = pt_next_level(vm, vm->layout.pml4, (addr >> 39) & 511, &pdpt);
		if (!ret)
			ret = pt_next_level(vm, pdpt, (addr >> 30) & 511, &pd);
		if (ret)
			return ret;
		if (page_size == SZ_2M) {
			guest_ptr(vm, pd)[(addr >> 21) & 511] = addr | PTE_PRESENT | PTE_WRITE |
								PTE_LARGE;
			continue;
		}
		ret = pt_next_level(vm, pd, (addr >> 21) & 511, &pt);
		if (ret)
			return ret;
		guest_ptr(vm, pt)[(addr >> 12) & 511] = addr | PTE_PRESENT | PTE_WRITE;
	}
	return 0;
}

static void write_descriptor_tables(struct vm *vm)
{
	struct vm_layout *l = &vm->layout;
	uint64_t *gdt = guest_ptr(vm, l->gdt);
	uint64_t *idt = guest_ptr(vm, l->idt);
	uint64_t tss = l->tss;

	memset(gdt, 0, SZ_4K);
	gdt[SEL_CODE / 8] = 0x00af9b000000ffffULL; /* 64-bit code, DPL 0 */
	gdt[SEL_DATA / 8] = 0x00cf93000000ffffULL; /* data, DPL 0 */
	/* 64-bit TSS, busy (as after LTR), 16 bytes. */
	gdt[SEL_TSS / 8] = 0x67 | ((tss & 0xffffff) << 16) | (0x8bULL << 40) |
			   (((tss >> 24) & 0xff) << 56);
	gdt[SEL_TSS / 8 + 1] = tss >> 32;

	memset(idt, 0, SZ_4K);
	for (unsigned int vector = 0; vector < 32; vector++) {
		uint64_t handler = l->exception_stubs + vector * GMB_EXCEPTION_STUB_SIZE;

		idt[vector * 2] = (handler & 0xffff) | ((uint64_t)SEL_CODE << 16) |
				  (0x8eULL << 40) | (((handler >> 16) & 0xffff) << 48);
		idt[vector * 2 + 1] = handler >> 32;
	}
	memset(guest_ptr(vm, l->tss), 0, SZ_4K);
}

int vm_load_guest(struct vm *vm, const struct vm_guest_config *cfg, struct mem_region *boot_mem,
		  struct mem_region *data_mem)
{
	struct vm_layout *l = &vm->layout;
	size_t image_bytes = cfg->payload->end - cfg->payload->start;
	uint64_t needed;
	int ret;

	ret = layout_plan(l, cfg, data_mem != NULL);
	if (ret)
		return ret;
	if (!boot_mem->hva)
		return gmb_error(EINVAL,
				 "boot memory (%s) has no host mapping to load a guest into",
				 boot_mem->backend->name);
	needed = data_mem ? l->boot_size : l->boot_size + l->data_size;
	if (boot_mem->size < needed)
		return gmb_error(EINVAL,
				 "boot memory is %" PRIu64 " bytes, the layout needs %" PRIu64,
				 boot_mem->size, needed);
	if (data_mem && data_mem->size < l->data_size)
		return gmb_error(EINVAL,
				 "data memory is %" PRIu64 " bytes, the layout needs %" PRIu64,
				 data_mem->size, l->data_size);

	ret = vm_bind_region(vm, 0, 0, boot_mem);
	if (!ret && data_mem)
		ret = vm_bind_region(vm, 1, l->data_gpa, data_mem);
	if (ret)
		return ret;

	memcpy(vm_gpa_to_hva(vm, l->image_gpa), cfg->payload->start, image_bytes);
	write_descriptor_tables(vm);

	ret = pt_alloc(vm, &l->pml4);
	if (!ret)
		ret = pt_map_range(vm, 0, l->boot_size);
	if (!ret && l->data_size)
		ret = pt_map_range(vm, l->data_gpa, l->data_size);
	if (!ret)
		ret = pt_map_range(vm, l->mmio_gpa, GMB_MMIO_WINDOW_SIZE);
	return ret;
}

static void set_segment(struct kvm_segment *seg, uint16_t selector, uint8_t type, bool code)
{
	*seg = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = code ? 0 : 1,
		.s = 1,
		.l = code ? 1 : 0,
		.g = 1,
	};
}

static int vcpu_setup_long_mode(struct vcpu *vcpu, const struct vm_guest_config *cfg)
{
	struct vm *vm = vcpu->vm;
	struct vm_layout *l = &vm->layout;
	uint64_t share = ALIGN_UP(l->data_size / cfg->nr_vcpus, SZ_4K);
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };

	if (share * cfg->nr_vcpus > l->data_size)
		share = (l->data_size / cfg->nr_vcpus) & ~(SZ_4K - 1);
	if (cfg->whole_data)
		share = l->data_size;

	if (ioctl(vcpu->fd, KVM_SET_CPUID2, vm->cpuid))
		return gmb_error(errno, "KVM_SET_CPUID2 (vCPU %u) failed: %s", vcpu->id,
				 strerror(errno));
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs))
		return gmb_error(errno, "KVM_GET_SREGS (vCPU %u) failed: %s", vcpu->id,
				 strerror(errno));

	set_segment(&sregs.cs, SEL_CODE, 11, true);
	set_segment(&sregs.ds, SEL_DATA, 3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.tr = (struct kvm_segment){
		.base = l->tss,
		.limit = 0x67,
		.selector = SEL_TSS,
		.type = 11,
		.present = 1,
	};
	sregs.ldt = (struct kvm_segment){ .type = 2, .present = 1, .limit = 0xffff };
	sregs.gdt.base = l->gdt;
	sregs.gdt.limit = SEL_TSS + 16 - 1;
	sregs.idt.base = l->idt;
	sregs.idt.limit = 32 * 16 - 1;
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
	sregs.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA;
	sregs.cr3 = l->pml4;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs))
		return gmb_error(errno, "KVM_SET_SREGS (vCPU %u, long mode) failed: %s", vcpu->id,
				 strerror(errno));

	regs.rip = l->entry;
	regs.rsp = l->stacks_gpa + (uint64_t)(vcpu->id + 1) * VCPU_STACK_SIZE;
	regs.rflags = 0x2;
	regs.rdi = vcpu->id;
	regs.rsi = cfg->nr_vcpus;
	regs.rdx = l->data_gpa + (cfg->whole_data ? 0 : share * vcpu->id);
	regs.rcx = share;
	regs.r8 = cfg->param;
	regs.r9 = l->mmio_gpa;
	return vcpu_set_regs(vcpu, &regs);
}

int vm_add_vcpus(struct vm *vm, const struct vm_guest_config *cfg)
{
	int ret;

	vm->vcpus = calloc(cfg->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return gmb_error(ENOMEM, "out of memory for vCPUs");

	for (unsigned int i = 0; i < cfg->nr_vcpus; i++) {
		struct vcpu *vcpu = calloc(1, sizeof(*vcpu));

		if (!vcpu)
			return gmb_error(ENOMEM, "out of memory for a vCPU");
		vcpu->vm = vm;
		vcpu->id = i;
		vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, i);
		if (vcpu->fd < 0) {
			ret = gmb_error(errno, "KVM_CREATE_VCPU (vCPU %u) failed: %s", i,
					strerror(errno));
			free(vcpu);
			return ret;
		}
		vcpu->run =
			mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
		if (vcpu->run == MAP_FAILED) {
			ret = gmb_error(errno, "mmap of the kvm_run area (vCPU %u) failed: %s", i,
					strerror(errno));
			close(vcpu->fd);
			free(vcpu);
			return ret;
		}
		vm->vcpus[vm->nr_vcpus++] = vcpu;
		ret = vcpu_setup_long_mode(vcpu, cfg);
		if (ret)
			return ret;
	}
	if (!vm->tsc_khz) {
		int khz = ioctl(vm->vcpus[0]->fd, KVM_GET_TSC_KHZ, 0);

		vm->tsc_khz = khz > 0 ? (uint32_t)khz : 0;
	}
	return 0;
}
