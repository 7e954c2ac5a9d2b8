/* SPDX-License-Identifier: GPL-2.0 */
/* What the host offers: KVM capabilities, memory settings, and every backend's status. */
#ifndef GMB_PROBE_H
#define GMB_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"

struct json_t;

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

enum backend_status {
	BACKEND_AVAILABLE,   /* probed, and a guest ran on it */
	BACKEND_UNSUPPORTED, /* the kernel or its settings lack what it needs */
	BACKEND_UNUSABLE,    /* the kernel offers it, but a guest cannot run on it here */
};

struct backend_probe {
	const struct mem_backend *backend;
	enum backend_status status;
	char reason[320];
};

const char *backend_status_name(enum backend_status status);

/*
 * The static requirements of a backend: its own (the kernel's capabilities and settings) and,
 * for a backend with an access strategy, the strategy (mem_access_check()). 0 when the backend
 * can be tried, or -EOPNOTSUPP with every requirement it lacks in reason[].
 */
int backend_probe_static(const struct host_caps *caps, const struct mem_backend *backend,
			 char *reason, size_t len);

/*
 * Probes one backend: the static requirements first (backend_probe_static()), then a one-page guest touch on memory
 * from the backend, verified by the guest and, when the backend has a host mapping, by the
 * host. Fills result; returns 0 (the status says the outcome).
 */
int backend_probe(const struct host_caps *caps, const struct mem_backend *backend,
		  struct backend_probe *result);

/* The environment: host, CPU, topology, kernel, settings, capabilities, backends. */
struct json_t *probe_environment(const struct host_caps *caps);
struct json_t *probe_backends_json(const struct backend_probe *probes, int count);

#endif /* GMB_PROBE_H */
