/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the running kernel offers, read from it once: KVM capabilities (KVM_CHECK_EXTENSION on
 * /dev/kvm and on a default VM, never the version string) and memory settings.
 */
#ifndef GMB_CAPS_H
#define GMB_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#define KVM_DEVICE "/dev/kvm"

/* Opens /dev/kvm and checks the API version; 0 or -errno with a reason naming the fix. */
int kvm_open(int *kvm_fd);
/* KVM_CHECK_EXTENSION on a /dev/kvm or VM fd: the value, or 0 when the ioctl fails. */
long kvm_check_cap(int fd, long cap);

struct host_caps {
	bool kvm_usable;
	char kvm_error[256];
	int kvm_api_version;
	long cap_user_memory2;
	long cap_guest_memfd;
	long cap_guest_memfd_flags; /* bitmask of GUEST_MEMFD_FLAG_* */
	long cap_memory_attributes; /* bitmask of KVM_MEMORY_ATTRIBUTE_* */
	long cap_vm_types;	    /* bitmask of 1 << KVM_X86_*_VM */
	long cap_pre_fault_memory;
	long cap_ioeventfd;
	long cap_ioeventfd_any_length;
	long cap_nr_vcpus;
	long cap_max_vcpus;
	long cap_tsc_control;
	/* The kernel series' KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS: a bitmask of 1 << strategy, or 0. */
	long cap_gmem_no_direct_map_access;
	/* The kernel series' KVM_CAP_GMEM_CONVERT_IN_PLACE: the attributes it converts, or 0. */
	long cap_gmem_convert_in_place;
	/* KVM_CAP_EXIT_HYPERCALL: the hypercalls that can exit to userspace (1 << KVM_HC_*). */
	long cap_exit_hypercall;
	/* kvm.gmem_no_direct_map_access, the strategy a new VM starts with (-1: unreadable). */
	bool gmem_access_param_present;
	long gmem_access_param;
	char kvm_module[32]; /* which module provides /dev/kvm */

	char thp_enabled[16];	    /* "always", "madvise" or "never" */
	char thp_shmem_enabled[16]; /* "always", "within_size", "advise", "never", ... */
	uint64_t hugepages_2m_free;
	uint64_t hugepages_1g_free;
	bool secretmem;
	char secretmem_error[128];
};

/* Reads the capabilities once; the KVM part is left unusable (with the reason) without KVM. */
void host_caps_read(struct host_caps *caps);

#endif /* GMB_CAPS_H */
