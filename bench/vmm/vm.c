// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/caps.h"
#include "core/util.h"
#include "vmm/vm.h"

extern const uint8_t gmb_payload_storm_start[], gmb_payload_storm_end[];
extern const uint8_t gmb_payload_touch_start[], gmb_payload_touch_end[];
extern const uint8_t gmb_payload_selftest_start[], gmb_payload_selftest_end[];
extern const uint8_t gmb_payload_fault_start[], gmb_payload_fault_end[];
extern const uint8_t gmb_payload_calibrate_start[], gmb_payload_calibrate_end[];
extern const uint8_t gmb_payload_churn_start[], gmb_payload_churn_end[];
extern const uint8_t gmb_payload_virtio_start[], gmb_payload_virtio_end[];

static const struct guest_payload guest_payloads[] = {
	{ "storm", gmb_payload_storm_start, gmb_payload_storm_end },
	{ "touch", gmb_payload_touch_start, gmb_payload_touch_end },
	{ "selftest", gmb_payload_selftest_start, gmb_payload_selftest_end },
	{ "fault", gmb_payload_fault_start, gmb_payload_fault_end },
	{ "calibrate", gmb_payload_calibrate_start, gmb_payload_calibrate_end },
	{ "churn", gmb_payload_churn_start, gmb_payload_churn_end },
	{ "virtio", gmb_payload_virtio_start, gmb_payload_virtio_end },
};

const struct guest_payload *guest_payload_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(guest_payloads); i++)
		if (!strcmp(guest_payloads[i].name, name))
			return &guest_payloads[i];
	return NULL;
}

#define EXIT_NAME(x) [KVM_EXIT_##x] = "KVM_EXIT_" #x
static const char *const exit_names[] = {
	EXIT_NAME(UNKNOWN),	 EXIT_NAME(EXCEPTION),
	EXIT_NAME(IO),		 EXIT_NAME(HYPERCALL),
	EXIT_NAME(DEBUG),	 EXIT_NAME(HLT),
	EXIT_NAME(MMIO),	 EXIT_NAME(IRQ_WINDOW_OPEN),
	EXIT_NAME(SHUTDOWN),	 EXIT_NAME(FAIL_ENTRY),
	EXIT_NAME(INTR),	 EXIT_NAME(SET_TPR),
	EXIT_NAME(TPR_ACCESS),	 EXIT_NAME(INTERNAL_ERROR),
	EXIT_NAME(SYSTEM_EVENT), EXIT_NAME(IOAPIC_EOI),
	EXIT_NAME(HYPERV),	 EXIT_NAME(X86_RDMSR),
	EXIT_NAME(X86_WRMSR),	 EXIT_NAME(DIRTY_RING_FULL),
	EXIT_NAME(NOTIFY),	 EXIT_NAME(MEMORY_FAULT),
};

const char *exit_reason_name(uint32_t reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "an unknown exit reason";
}

static int vm_get_supported_cpuid(struct vm *vm)
{
	for (int nent = 64; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *cpuid;

		cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(struct kvm_cpuid_entry2));
		if (!cpuid)
			return gmb_error(ENOMEM, "out of memory for CPUID entries");
		cpuid->nent = nent;
		if (!ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid)) {
			vm->cpuid = cpuid;
			return 0;
		}
		free(cpuid);
		if (errno != E2BIG)
			return gmb_error(errno, "KVM_GET_SUPPORTED_CPUID failed: %s",
					 strerror(errno));
	}
	return gmb_error(E2BIG, "KVM_GET_SUPPORTED_CPUID: too many entries");
}

int vm_create(struct vm **out, unsigned long type)
{
	struct vm *vm;
	int ret;

	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return gmb_error(ENOMEM, "out of memory for a VM");
	vm->fd = -1;
	vm->type = type;

	ret = kvm_open(&vm->kvm_fd);
	if (ret)
		goto err_free;

	do
		vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, type);
	while (vm->fd < 0 && errno == EINTR);
	if (vm->fd < 0) {
		ret = gmb_error(errno, "KVM_CREATE_VM (type %lu) failed: %s", type,
				strerror(errno));
		goto err_close;
	}

	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < (int)sizeof(struct kvm_run)) {
		ret = gmb_error(errno, "KVM_GET_VCPU_MMAP_SIZE failed: %s", strerror(errno));
		goto err_close;
	}

	ret = vm_get_supported_cpuid(vm);
	if (ret)
		goto err_close;

	*out = vm;
	return 0;

err_close:
	if (vm->fd >= 0)
		close(vm->fd);
	close(vm->kvm_fd);
err_free:
	free(vm);
	return ret;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = vm->vcpus[i];

		munmap(vcpu->run, vm->run_size);
		close(vcpu->fd);
		free(vcpu);
	}
	free(vm->vcpus);
	free(vm->cpuid);
	close(vm->fd);
	close(vm->kvm_fd);
	free(vm);
}

int __vm_set_memory_region2(struct vm *vm, const struct kvm_userspace_memory_region2 *region)
{
	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION2, region);
}

int vm_bind_region(struct vm *vm, uint32_t slot, uint64_t gpa, struct mem_region *mem)
{
	struct kvm_userspace_memory_region2 region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = mem->size,
		.userspace_addr = (uintptr_t)(mem->hva ? mem->hva : mem->shared_hva),
	};

	if (vm->nr_slots == VM_MAX_SLOTS)
		return gmb_error(ENOSPC, "too many memslots");
	if (mem->is_gmem) {
		region.flags = KVM_MEM_GUEST_MEMFD;
		region.guest_memfd = mem->fd;
		region.guest_memfd_offset = 0;
	}
	if (__vm_set_memory_region2(vm, &region))
		return gmb_error(errno,
				 "KVM_SET_USER_MEMORY_REGION2 (slot %u, %s, GPA 0x%" PRIx64
				 ", %" PRIu64 " bytes%s) failed: %s",
				 slot, mem->backend->name, gpa, mem->size,
				 mem->is_gmem ? ", KVM_MEM_GUEST_MEMFD" : "", strerror(errno));

	vm->slots[vm->nr_slots++] = (struct vm_slot){ .slot = slot, .gpa = gpa, .mem = mem };
	/*
	 * On a VM type with private memory, memory the host cannot map is the guest's only as
	 * private memory: KVM takes it from the guest_memfd for a GPA whose attribute is private.
	 */
	if (mem->is_gmem && !mem->hva && vm->type != KVM_X86_DEFAULT_VM)
		return vm_set_memory_attributes(vm, gpa, mem->size, KVM_MEMORY_ATTRIBUTE_PRIVATE);
	return 0;
}

int vm_unbind_region(struct vm *vm, uint32_t slot)
{
	struct kvm_userspace_memory_region2 region = { .slot = slot };
	int i;

	for (i = 0; i < vm->nr_slots && vm->slots[i].slot != slot; i++)
		;
	if (i == vm->nr_slots)
		return gmb_error(ENOENT, "memslot %u is not bound", slot);
	/* A deletion is the slot with memory_size 0 (KVM's API documentation). */
	if (__vm_set_memory_region2(vm, &region))
		return gmb_error(errno, "KVM_SET_USER_MEMORY_REGION2 (deleting slot %u) failed: %s",
				 slot, strerror(errno));
	vm->slots[i] = vm->slots[--vm->nr_slots];
	return 0;
}

int vm_enable_hypercall_exit(struct vm *vm, uint64_t mask)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_EXIT_HYPERCALL, .args = { mask } };

	if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap))
		return gmb_error(errno, "KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL, 0x%llx) failed: %s",
				 (unsigned long long)mask, strerror(errno));
	return 0;
}

int vm_set_memory_attributes(struct vm *vm, uint64_t gpa, uint64_t size, uint64_t attributes)
{
	struct kvm_memory_attributes args = {
		.address = gpa,
		.size = size,
		.attributes = attributes,
	};

	if (ioctl(vm->fd, KVM_SET_MEMORY_ATTRIBUTES, &args))
		return gmb_error(errno,
				 "KVM_SET_MEMORY_ATTRIBUTES (GPA 0x%" PRIx64 ", %" PRIu64 " bytes, "
				 "%s) "
				 "failed: "
				 "%s",
				 gpa, size, attributes ? "private" : "shared", strerror(errno));
	return 0;
}

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa)
{
	for (int i = 0; i < vm->nr_slots; i++) {
		struct vm_slot *s = &vm->slots[i];

		if (gpa >= s->gpa && gpa < s->gpa + s->mem->size)
			return s->mem->hva ? (uint8_t *)s->mem->hva + (gpa - s->gpa) : NULL;
	}
	return NULL;
}

int __vcpu_run(struct vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0);
}

int vcpu_run(struct vcpu *vcpu)
{
	if (__vcpu_run(vcpu))
		return gmb_error(errno, "KVM_RUN (vCPU %u) failed: %s", vcpu->id, strerror(errno));
	return 0;
}

int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs)
{
	if (ioctl(vcpu->fd, KVM_GET_REGS, regs))
		return gmb_error(errno, "KVM_GET_REGS (vCPU %u) failed: %s", vcpu->id,
				 strerror(errno));
	return 0;
}

int vcpu_set_regs(struct vcpu *vcpu, const struct kvm_regs *regs)
{
	if (ioctl(vcpu->fd, KVM_SET_REGS, regs))
		return gmb_error(errno, "KVM_SET_REGS (vCPU %u) failed: %s", vcpu->id,
				 strerror(errno));
	return 0;
}

uint64_t vcpu_get_ucall(struct vcpu *vcpu, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	uint64_t words[GMB_ASSERT_FILE_BYTES / 8];

	memset(uc, 0, sizeof(*uc));
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != GMB_UCALL_PORT ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4)
		return GMB_UCALL_NONE;

	uc->cmd = *(uint32_t *)((uint8_t *)run + run->io.data_offset);
	if (uc->cmd == GMB_UCALL_NONE || uc->cmd >= GMB_UCALL_NR || vcpu_get_regs(vcpu, &regs)) {
		uc->cmd = GMB_UCALL_NONE;
		return GMB_UCALL_NONE;
	}
	uc->args[0] = regs.rdi;
	uc->args[1] = regs.rsi;
	uc->args[2] = regs.rcx;
	uc->args[3] = regs.r8;
	uc->args[4] = regs.r9;
	if (uc->cmd == GMB_UCALL_ASSERT) {
		uint64_t packed[] = { regs.r10, regs.r11, regs.r12, regs.r13, regs.r14, regs.r15 };

		memcpy(words, packed, sizeof(words));
		memcpy(uc->file, words, GMB_ASSERT_FILE_BYTES);
		uc->file[GMB_ASSERT_FILE_BYTES] = '\0';
	}
	return uc->cmd;
}

int vcpu_reply(struct vcpu *vcpu, uint64_t value)
{
	struct kvm_regs regs;
	int ret;

	ret = vcpu_get_regs(vcpu, &regs);
	if (ret)
		return ret;
	regs.rax = value;
	return vcpu_set_regs(vcpu, &regs);
}

static const char *const exception_names[32] = {
	[0] = "#DE",  [1] = "#DB",  [2] = "NMI",  [3] = "#BP",	[4] = "#OF",  [5] = "#BR",
	[6] = "#UD",  [7] = "#NM",  [8] = "#DF",  [10] = "#TS", [11] = "#NP", [12] = "#SS",
	[13] = "#GP", [14] = "#PF", [16] = "#MF", [17] = "#AC", [18] = "#MC", [19] = "#XM",
};

int vcpu_unexpected_exit(struct vcpu *vcpu, const struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	const char *name;

	if (uc && uc->cmd == GMB_UCALL_ASSERT)
		return gmb_error(EPROTO,
				 "guest assertion failed at %s:%" PRIu64 " (0x%" PRIx64
				 " != 0x%" PRIx64 ") on vCPU %u",
				 uc->file, uc->args[0], uc->args[1], uc->args[2], vcpu->id);
	if (uc && uc->cmd == GMB_UCALL_EXCEPTION) {
		name = uc->args[0] < 32 && exception_names[uc->args[0]]
			       ? exception_names[uc->args[0]]
			       : "exception";
		return gmb_error(EFAULT,
				 "guest %s (vector %" PRIu64 ", error code 0x%" PRIx64
				 ") at rip 0x%" PRIx64 " on vCPU %u",
				 name, uc->args[0], uc->args[1], uc->args[2], vcpu->id);
	}
	if (uc && uc->cmd != GMB_UCALL_NONE)
		return gmb_error(EPROTO, "unexpected ucall %" PRIu64 " from vCPU %u", uc->cmd,
				 vcpu->id);

	name = exit_reason_name(run->exit_reason);
	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		return gmb_error(EFAULT,
				 "unexpected %s: guest %s of %u bytes at GPA 0x%llx on vCPU %u",
				 name, run->mmio.is_write ? "write" : "read", run->mmio.len,
				 (unsigned long long)run->mmio.phys_addr, vcpu->id);
	case KVM_EXIT_IO:
		return gmb_error(EPROTO, "unexpected %s: %s of %u bytes at port 0x%x on vCPU %u",
				 name, run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
				 run->io.size, run->io.port, vcpu->id);
	case KVM_EXIT_SHUTDOWN:
		return gmb_error(EFAULT, "unexpected %s (triple fault) on vCPU %u", name, vcpu->id);
	case KVM_EXIT_INTERNAL_ERROR:
		return gmb_error(EFAULT, "unexpected %s (suberror %u) on vCPU %u", name,
				 run->internal.suberror, vcpu->id);
	case KVM_EXIT_FAIL_ENTRY:
		return gmb_error(EFAULT, "unexpected %s (reason 0x%llx) on vCPU %u", name,
				 (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
				 vcpu->id);
	case KVM_EXIT_MEMORY_FAULT: {
		const struct gmb_exit_memory_fault *fault = (const void *)&run->padding;

		return gmb_error(EFAULT,
				 "unexpected %s at GPA 0x%llx, %llu bytes, flags 0x%llx on vCPU %u",
				 name, (unsigned long long)fault->gpa,
				 (unsigned long long)fault->size, (unsigned long long)fault->flags,
				 vcpu->id);
	}
	default:
		return gmb_error(EPROTO, "unexpected %s (%u) on vCPU %u", name, run->exit_reason,
				 vcpu->id);
	}
}

int vcpu_run_to_ucall(struct vcpu *vcpu, struct ucall *uc)
{
	int ret;

	ret = vcpu_run(vcpu);
	if (ret)
		return ret;
	switch (vcpu_get_ucall(vcpu, uc)) {
	case GMB_UCALL_SYNC:
	case GMB_UCALL_RESULT:
	case GMB_UCALL_DONE:
		return 0;
	case GMB_UCALL_NONE:
		return vcpu_unexpected_exit(vcpu, NULL);
	default:
		return vcpu_unexpected_exit(vcpu, uc);
	}
}
