/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM and guest_memfd uAPI that the distribution's kernel headers may lack.
 *
 * Debian bookworm ships 6.1 headers while the kernels under test are 6.8 and newer, so the
 * definitions gmembench needs are carried here. Each one is guarded: when the system headers
 * are new enough they win, and a mismatch shows up as a compile error rather than a silent
 * divergence. Values follow include/uapi/linux/kvm.h; posted-but-unmerged flags say so.
 */
#ifndef GMB_KVM_UAPI_H
#define GMB_KVM_UAPI_H

#include <linux/kvm.h>
#include <linux/types.h>
#include <sys/syscall.h>

/* Capabilities (KVM_CHECK_EXTENSION). */
#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2 231
#endif
#ifndef KVM_CAP_MEMORY_FAULT_INFO
#define KVM_CAP_MEMORY_FAULT_INFO 232
#endif
#ifndef KVM_CAP_MEMORY_ATTRIBUTES
#define KVM_CAP_MEMORY_ATTRIBUTES 233
#endif
#ifndef KVM_CAP_GUEST_MEMFD
#define KVM_CAP_GUEST_MEMFD 234
#endif
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES 235
#endif
#ifndef KVM_CAP_PRE_FAULT_MEMORY
#define KVM_CAP_PRE_FAULT_MEMORY 236
#endif
#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#define KVM_CAP_GUEST_MEMFD_FLAGS 244
#endif

/* VM types (KVM_CREATE_VM argument on x86). */
#ifndef KVM_X86_DEFAULT_VM
#define KVM_X86_DEFAULT_VM 0
#endif
#ifndef KVM_X86_SW_PROTECTED_VM
#define KVM_X86_SW_PROTECTED_VM 1
#endif

/* Memslots backed by a guest_memfd (6.8). */
#ifndef KVM_MEM_GUEST_MEMFD
#define KVM_MEM_GUEST_MEMFD (1UL << 2)
#endif

#ifndef KVM_SET_USER_MEMORY_REGION2
struct kvm_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};
#define KVM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)
#endif

#ifndef KVM_CREATE_GUEST_MEMFD
struct kvm_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};
#define KVM_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)
#endif

/* guest_memfd creation flags, advertised as a bitmask by KVM_CAP_GUEST_MEMFD_FLAGS (6.18). */
#ifndef GUEST_MEMFD_FLAG_MMAP
#define GUEST_MEMFD_FLAG_MMAP (1ULL << 0)
#endif
#ifndef GUEST_MEMFD_FLAG_INIT_SHARED
#define GUEST_MEMFD_FLAG_INIT_SHARED (1ULL << 1)
#endif
/* Posted upstream (direct-map removal series, v8-v12), not merged. */
#ifndef GUEST_MEMFD_FLAG_NO_DIRECT_MAP
#define GUEST_MEMFD_FLAG_NO_DIRECT_MAP (1ULL << 2)
#endif

/*
 * gmembench's kernel series (kernel-patches/7.3.4, not upstream; names as in its uapi
 * linux/kvm.h): how KVM itself reaches the memory of a NO_DIRECT_MAP guest_memfd when it must
 * (instruction fetch and guest page-table walks for emulation, kvm_read/write_guest).
 * KVM_CHECK_EXTENSION returns a bitmask of 1 << strategy (0 without the series); KVM_ENABLE_CAP
 * on a VM fd with args[0] = strategy sets it for that VM. The capability number is out of tree,
 * chosen far from upstream's range so that it never aliases an upstream capability. A new VM
 * starts with the strategy in the kvm module parameter below; the series is there when the
 * capability and the parameter both are.
 */
#ifndef KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS
#define KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS 1000
#endif
/* Through the VMM's userspace mapping (the memslot's userspace_addr): the upstream series' way. */
#ifndef KVM_GMEM_ACCESS_USER
#define KVM_GMEM_ACCESS_USER 0
#endif
/* The page put back in the direct map for the access, then removed and flushed globally. */
#ifndef KVM_GMEM_ACCESS_DIRECT_MAP
#define KVM_GMEM_ACCESS_DIRECT_MAP 1
#endif
/* A kernel mapping private to the VMM's mm, flushed on the CPUs that mm ran on. */
#ifndef KVM_GMEM_ACCESS_PER_MM
#define KVM_GMEM_ACCESS_PER_MM 2
#endif
#define GMB_GMEM_NO_DIRECT_MAP_ACCESS_PARAM "/sys/module/kvm/parameters/gmem_no_direct_map_access"

/*
 * The kernel series' in-place conversion (the uAPI of the posted in-place conversion series,
 * whose capability number changed at every revision: out of tree here). KVM_CHECK_EXTENSION
 * returns the attributes KVM_SET_MEMORY_ATTRIBUTES2 can set (KVM_MEMORY_ATTRIBUTE_PRIVATE) or
 * 0. The ioctl is issued on a guest_memfd made with MMAP | INIT_SHARED, of a VM without private
 * memory of its own; EAGAIN with error_offset names a page that still has references.
 */
#ifndef KVM_CAP_GMEM_CONVERT_IN_PLACE
#define KVM_CAP_GMEM_CONVERT_IN_PLACE 1001
#endif
#ifndef KVM_SET_MEMORY_ATTRIBUTES2
struct kvm_memory_attributes2 {
	__u64 offset;
	__u64 size;
	__u64 attributes;
	__u64 flags;
	__u64 error_offset;
	__u64 reserved[11];
};
#define KVM_SET_MEMORY_ATTRIBUTES2 _IOWR(KVMIO, 0xd2, struct kvm_memory_attributes2)
#endif

/* A confidential guest's request to convert a range (linux/kvm_para.h), exiting to userspace. */
#ifndef KVM_CAP_EXIT_HYPERCALL
#define KVM_CAP_EXIT_HYPERCALL 201
#endif
#ifndef KVM_HC_MAP_GPA_RANGE
#define KVM_HC_MAP_GPA_RANGE 12
#endif

#ifndef KVM_SET_MEMORY_ATTRIBUTES
struct kvm_memory_attributes {
	__u64 address;
	__u64 size;
	__u64 attributes;
	__u64 flags;
};
#define KVM_SET_MEMORY_ATTRIBUTES _IOW(KVMIO, 0xd2, struct kvm_memory_attributes)
#endif
#ifndef KVM_MEMORY_ATTRIBUTE_PRIVATE
#define KVM_MEMORY_ATTRIBUTE_PRIVATE (1ULL << 3)
#endif

#ifndef KVM_PRE_FAULT_MEMORY
struct kvm_pre_fault_memory {
	__u64 gpa;
	__u64 size;
	__u64 flags;
	__u64 padding[5];
};
#define KVM_PRE_FAULT_MEMORY _IOWR(KVMIO, 0xd5, struct kvm_pre_fault_memory)
#endif

/*
 * KVM_EXIT_MEMORY_FAULT (6.8) reports a fault KVM could not resolve, e.g. on a guest_memfd
 * slot whose memory attributes disagree with the access. 6.1's struct kvm_run has no member
 * for it, so it is read from the exit union's padding.
 */
#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT 39
#endif
struct gmb_exit_memory_fault {
	__u64 flags;
	__u64 gpa;
	__u64 size;
};

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif

#endif /* GMB_KVM_UAPI_H */
