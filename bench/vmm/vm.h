/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal x86-64 VMM: one VM, its memslots, vCPUs in 64-bit mode, and the ucall channel.
 *
 * Naming follows the KVM selftests: __vm_foo() returns the raw ioctl result, vm_foo() returns
 * 0 or -errno with a message naming the ioctl (see gmb_error()).
 */
#ifndef GMB_VM_H
#define GMB_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "abi.h"
#include "core/kvm_uapi.h"
#include "backends/mem.h"

#define VM_MAX_SLOTS	4
#define VM_MAX_VCPUS	512
#define VCPU_STACK_SIZE (16 * 1024)

struct guest_payload {
	const char *name;
	const uint8_t *start;
	const uint8_t *end;
};

const struct guest_payload *guest_payload_find(const char *name);

struct vm_slot {
	uint32_t slot;
	uint64_t gpa;
	struct mem_region *mem;
};

struct vm {
	int kvm_fd;
	int fd;
	unsigned long type;
	int run_size;
	struct kvm_cpuid2 *cpuid;
	uint32_t tsc_khz;

	struct vm_slot slots[VM_MAX_SLOTS];
	int nr_slots;

	unsigned int nr_vcpus;
	struct vcpu **vcpus;

	/* The guest's address-space layout (see vm_layout_plan()). */
	struct vm_layout {
		uint64_t page_size;	/* guest page size: 4K or 2M */
		uint64_t gdt, idt, tss; /* system structures, in the boot memory */
		uint64_t pt_base, pt_next, pt_end;
		uint64_t image_gpa, image_end;
		uint64_t stacks_gpa;
		uint64_t boot_size; /* bytes of memory from GPA 0 */
		uint64_t data_gpa, data_size;
		uint64_t mmio_gpa; /* GMB_MMIO_WINDOW_SIZE, mapped, no memslot */
		uint64_t pml4;
		uint64_t entry;
		uint64_t exception_stubs;
	} layout;
};

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
};

/* A decoded ucall. */
struct ucall {
	uint64_t cmd;
	uint64_t args[5];
	char file[GMB_ASSERT_FILE_BYTES + 1];
};

/* The VM. */
int vm_create(struct vm **out, unsigned long type);
void vm_destroy(struct vm *vm);
int __vm_set_memory_region2(struct vm *vm, const struct kvm_userspace_memory_region2 *region);
int vm_bind_region(struct vm *vm, uint32_t slot, uint64_t gpa, struct mem_region *mem);
/* Deletes a memslot vm_bind_region() made (KVM_SET_USER_MEMORY_REGION2, size 0). 0 or -errno. */
int vm_unbind_region(struct vm *vm, uint32_t slot);
/*
 * KVM_SET_MEMORY_ATTRIBUTES on [gpa, gpa+size): KVM_MEMORY_ATTRIBUTE_PRIVATE, or 0 for
 * shared. Only on a VM type with private memory. 0 or -errno.
 */
int vm_set_memory_attributes(struct vm *vm, uint64_t gpa, uint64_t size, uint64_t attributes);
/* KVM_CAP_EXIT_HYPERCALL: the hypercalls in mask (1 << nr) exit to userspace. */
int vm_enable_hypercall_exit(struct vm *vm, uint64_t mask);
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa);

/*
 * Lays out a guest in the VM: system structures, page tables, the payload image and stacks in
 * "boot" memory at GPA 0, and a data area of data_size bytes. When data_mem is NULL the data
 * area follows the boot memory in boot_mem itself (one region holds everything); otherwise
 * data_mem is bound as a second slot at a 1 GiB-aligned GPA after it.
 */
struct vm_guest_config {
	const struct guest_payload *payload;
	unsigned int nr_vcpus;
	uint64_t guest_page_size;
	uint64_t data_size;
	uint64_t param;
	/*
	 * Every vCPU is given the whole data area, to divide itself; false: each gets an equal
	 * share of it, vCPU i the i-th.
	 */
	bool whole_data;
	/* Where the guest's memory comes from (NUMA); NULL: where the kernel puts it. */
	const struct mem_policy *mem_policy;
};

/* Bytes of boot memory the layout needs in front of the data area. */
int vm_layout_boot_size(const struct vm_guest_config *cfg, uint64_t *boot_size);
int vm_load_guest(struct vm *vm, const struct vm_guest_config *cfg, struct mem_region *boot_mem,
		  struct mem_region *data_mem);

/* vCPUs. */
int vm_add_vcpus(struct vm *vm, const struct vm_guest_config *cfg);
int __vcpu_run(struct vcpu *vcpu);
int vcpu_run(struct vcpu *vcpu);
int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
int vcpu_set_regs(struct vcpu *vcpu, const struct kvm_regs *regs);
const char *exit_reason_name(uint32_t reason);

/*
 * If the last exit was a ucall, decodes it into uc and returns its command; an exit that is
 * not a ucall returns GMB_UCALL_NONE.
 */
uint64_t vcpu_get_ucall(struct vcpu *vcpu, struct ucall *uc);
/* Resumes a vCPU stopped at a SYNC ucall with a value for the guest. */
int vcpu_reply(struct vcpu *vcpu, uint64_t value);
/*
 * Runs the vCPU until the next ucall, which is decoded into uc. ASSERT and EXCEPTION become
 * errors; so does any exit other than a ucall (named in the message).
 */
int vcpu_run_to_ucall(struct vcpu *vcpu, struct ucall *uc);
/* Turns an unexpected exit or ucall into an error sentence; returns -EPROTO or -EFAULT. */
int vcpu_unexpected_exit(struct vcpu *vcpu, const struct ucall *uc);

#endif /* GMB_VM_H */
