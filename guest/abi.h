/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between a guest payload and the host driver, shared by both sides.
 *
 * Every message travels in registers, never through guest memory: on a private backend
 * (guest_memfd without a host mapping) the host cannot read the guest's memory at all, and
 * the same payload bytes must run on every backend.
 *
 * A ucall is "out %eax, %dx" with %dx = GMB_UCALL_PORT, %eax = command, arguments in
 * %rdi, %rsi, %rcx, %r8, %r9 and, for ASSERT, the source file name packed into %r10..%r15.
 * The host may answer a SYNC by writing %rax before resuming the vCPU.
 */
#ifndef GMB_GUEST_ABI_H
#define GMB_GUEST_ABI_H

#define GMB_UCALL_PORT 0x7e0
/* A port a workload may hammer: the host counts these exits and resumes at once. */
#define GMB_STORM_PORT 0x7e4
/* virtio-zc: vCPU v kicks its queue with "outl" to GMB_VBLK_KICK_PORT + 4 * v (an ioeventfd). */
#define GMB_VBLK_KICK_PORT 0x800

#define GMB_IMAGE_MAGIC 0x31424d4d4f4d4721ULL /* "!GMOMMB1" */

/* Where every payload is linked and loaded (guest virtual == guest physical). */
#define GMB_IMAGE_GPA 0x200000ULL

#define GMB_ASSERT_FILE_BYTES 48

/* ucall commands (in %eax). */
#define GMB_UCALL_NONE	    0
#define GMB_UCALL_SYNC	    1 /* a0: stage; the host replies in %rax */
#define GMB_UCALL_RESULT    2 /* a0..a4: values measured in the guest */
#define GMB_UCALL_ASSERT    3 /* a0: line, a1, a2: the compared values, file in r10..r15 */
#define GMB_UCALL_EXCEPTION 4 /* a0: vector, a1: error code, a2: faulting rip */
#define GMB_UCALL_DONE	    5 /* a0: guest_main's return value */
#define GMB_UCALL_CONVERT   6 /* a0: GPA, a1: bytes; the host converts, then resumes */
#define GMB_UCALL_TICK	    7 /* a0: count so far, a1: cycles so far; the host replies 0: stop */
#define GMB_UCALL_LATENCY   8 /* before RESULT, more latencies: a0..a2 as RESULT's a2..a4 */
/* (virtio-zc's share-per-io: a2 is 1 to share the range, 0 to take it back) */
#define GMB_UCALL_NR 9

#ifndef __ASSEMBLER__
#include <stdint.h>

/*
 * The first bytes of every payload image. The host reads it from the embedded image to
 * find the entry point, how much memory the image occupies (including .bss) and the
 * exception stubs it points the IDT at.
 */
struct gmb_image_header {
	uint64_t magic;
	uint64_t entry;
	uint64_t image_end;	  /* first byte past .bss */
	uint64_t exception_stubs; /* 32 stubs, GMB_EXCEPTION_STUB_SIZE bytes apart */
};

/*
 * Registers the host sets before the first KVM_RUN: the guest's view of its vCPU and of the
 * data area it may use.
 */
struct gmb_guest_args {
	uint64_t vcpu_id;   /* %rdi */
	uint64_t nr_vcpus;  /* %rsi */
	uint64_t data_gpa;  /* %rdx: this vCPU's share of the data area */
	uint64_t data_size; /* %rcx */
	uint64_t param;	    /* %r8: workload parameter */
	uint64_t mmio_gpa;  /* %r9: a mapped window with no memslot: accesses exit as MMIO */
};
#endif

/* mmio-storm: the access the storm payload repeats (its parameter). */
#define GMB_STORM_PIO		  0
#define GMB_STORM_MMIO_WRITE	  1
#define GMB_STORM_MMIO_READ	  2
#define GMB_STORM_MMIO_WRITE_DISP 3
#define GMB_STORM_MMIO_READ_MOVZX 4
#define GMB_STORM_MMIO_WRITE_STOS 5
#define GMB_STORM_MMIO_SPREAD	  6
#define GMB_STORM_MMIO_FAST	  7
#define GMB_STORM_NR_KINDS	  8
/* Each vCPU hammers its own address in the MMIO window; fast MMIO uses the upper half. */
#define GMB_STORM_VCPU_STRIDE 64
#define GMB_STORM_FAST_OFFSET 0x100000
/* One access in this many is timed on its own by the guest. */
#define GMB_STORM_TIMING_STRIDE 128
/* fault: at least one touch in this many is timed on its own. */
#define GMB_FAULT_TIMING_STRIDE 16

#define GMB_EXCEPTION_STUB_SIZE 16
#define GMB_MMIO_WINDOW_SIZE	0x200000ULL

/*
 * conversion-churn: the parameter is the range size (a multiple of 4 KiB) with
 * GMB_CHURN_EXPECT_ZERO or'd in when a conversion discards the range's contents, and
 * GMB_CHURN_KVM_READ when, after each conversion, KVM itself must read the range's first page
 * (the guest copies its first 8 bytes to MMIO with movsq, which KVM emulates), and
 * GMB_CHURN_HYPERCALL when the guest asks for a conversion with KVM_HC_MAP_GPA_RANGE, which
 * exits to the host (KVM_CAP_EXIT_HYPERCALL), instead of the ucall channel. The data area
 * is that many whole ranges, then the metadata: each range's generation (8 bytes) and two
 * sets of latencies (GMB_CHURN_LATENCY_BYTES each: refaults, requests), rounded up to a whole
 * range. Page p of a range of
 * generation g holds gmb_churn_pattern(p's GPA, g) in its first 8 bytes.
 *
 * With more than one vCPU, every vCPU is given the whole data area (vm_guest_config.whole_data):
 * vCPU 0 converts in the front of it (gmb_churn_own_bytes()), and each other vCPU i, a
 * bystander, touches its own GMB_BYSTANDER_BYTES at data_size - i * that, page after page,
 * until the host answers a GMB_UCALL_TICK with 0.
 */
#define GMB_CHURN_EXPECT_ZERO 1ULL
#define GMB_CHURN_KVM_READ    2ULL
#define GMB_CHURN_HYPERCALL   4ULL
#define GMB_CHURN_FLAGS	      (GMB_CHURN_EXPECT_ZERO | GMB_CHURN_KVM_READ | GMB_CHURN_HYPERCALL)
/* KVM_HC_MAP_GPA_RANGE's number and its attributes' page-size field (linux/kvm_para.h). */
#define GMB_HC_MAP_GPA_RANGE	     12ULL
#define GMB_MAP_GPA_RANGE_PAGE_SZ_2M 1ULL
#define GMB_CHURN_LATENCY_BYTES	     0x40000ULL
#define GMB_BYSTANDER_BYTES	     0x200000ULL

#ifndef __ASSEMBLER__
static inline uint64_t gmb_churn_meta_bytes(uint64_t data_size, uint64_t range)
{
	uint64_t meta = 2 * GMB_CHURN_LATENCY_BYTES + data_size / range * 8;

	return (meta + range - 1) / range * range;
}

static inline uint64_t gmb_churn_ranges(uint64_t data_size, uint64_t range)
{
	uint64_t meta = gmb_churn_meta_bytes(data_size, range);

	return data_size > meta ? (data_size - meta) / range : 0;
}

/* What vCPU 0 converts in: the data area without the bystanders' memory. */
static inline uint64_t gmb_churn_own_bytes(uint64_t data_size, uint64_t nr_vcpus)
{
	uint64_t others = (nr_vcpus - 1) * GMB_BYSTANDER_BYTES;

	return data_size > others ? data_size - others : 0;
}

static inline uint64_t gmb_churn_pattern(uint64_t gpa, uint64_t generation)
{
	return gpa ^ ((generation + 1) * 0x9e3779b97f4a7c15ULL);
}
#endif

#endif /* GMB_GUEST_ABI_H */
