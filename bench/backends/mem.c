// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/kvm_uapi.h"
#include "backends/mem.h"
#include "core/caps.h"
#include "core/util.h"

static const struct {
	const char *name;
	const char *kvm_name;
	unsigned int kvm_value;
} mem_access_info[MEM_ACCESS_NR] = {
	[MEM_ACCESS_USER] = { "user", "USER", KVM_GMEM_ACCESS_USER },
	[MEM_ACCESS_DIRECT_MAP] = { "direct-map", "DIRECT_MAP", KVM_GMEM_ACCESS_DIRECT_MAP },
	[MEM_ACCESS_PER_MM] = { "per-mm", "PER_MM", KVM_GMEM_ACCESS_PER_MM },
};

static bool mem_access_valid(enum mem_access strategy)
{
	return strategy > MEM_ACCESS_NONE && strategy < MEM_ACCESS_NR;
}

const char *mem_access_name(enum mem_access strategy)
{
	return mem_access_valid(strategy) ? mem_access_info[strategy].name : NULL;
}

const char *mem_access_kvm_name(enum mem_access strategy)
{
	return mem_access_valid(strategy) ? mem_access_info[strategy].kvm_name : NULL;
}

unsigned int mem_access_kvm_value(enum mem_access strategy)
{
	return mem_access_valid(strategy) ? mem_access_info[strategy].kvm_value : 0;
}

enum mem_access mem_access_from_kvm(long value)
{
	for (int a = MEM_ACCESS_NONE + 1; a < MEM_ACCESS_NR; a++)
		if (mem_access_info[a].kvm_value == value)
			return a;
	return MEM_ACCESS_NONE;
}

bool mem_access_series(long cap_mask, bool param_present)
{
	return cap_mask > 0 && param_present;
}

int mem_access_check(enum mem_access strategy, long cap_mask, bool param_present, char *reason,
		     size_t len)
{
	unsigned int value = mem_access_kvm_value(strategy);

	if (!mem_access_valid(strategy))
		return 0;
	if (!mem_access_series(cap_mask, param_present)) {
		if (strategy == MEM_ACCESS_USER)
			return 0; /* KVM's only way without the series: through the VMM's mapping */
		if (cap_mask <= 0)
			snprintf(reason, len,
				 "KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS absent: needs "
				 "kernel-patches/7.3.4");
		else
			snprintf(reason, len,
				 "KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS is 0x%lx but there is no %s: "
				 "not the gmembench kernel series",
				 cap_mask, GMB_GMEM_NO_DIRECT_MAP_ACCESS_PARAM);
		return -EOPNOTSUPP;
	}
	if (!(cap_mask & (1L << value))) {
		snprintf(reason, len,
			 "KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS is 0x%lx, lacks %s (bit %u)", cap_mask,
			 mem_access_kvm_name(strategy), value);
		return -EOPNOTSUPP;
	}
	return 1;
}

/*
 * Sets the backend's access strategy on the VM, checking the running kernel first so that a
 * backend the probe would refuse fails with the same reason.
 */
static int mem_access_set(const struct mem_backend *backend, int vm_fd)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS,
		.args[0] = mem_access_kvm_value(backend->access),
	};
	char reason[256];
	int ret;

	if (backend->access == MEM_ACCESS_NONE)
		return 0;
	ret = mem_access_check(backend->access,
			       kvm_check_cap(vm_fd, KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS),
			       !access(GMB_GMEM_NO_DIRECT_MAP_ACCESS_PARAM, F_OK), reason,
			       sizeof(reason));
	if (ret < 0)
		return gmb_error(EOPNOTSUPP, "%s: %s", backend->name, reason);
	if (ret == 0)
		return 0;
	if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap))
		return gmb_error(errno,
				 "%s: KVM_ENABLE_CAP(KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS, %s = %u) "
				 "on the VM failed: %s",
				 backend->name, mem_access_kvm_name(backend->access),
				 mem_access_kvm_value(backend->access), strerror(errno));
	return 0;
}

int mem_create(struct mem_region *mem, const struct mem_backend *backend, int vm_fd, uint64_t size,
	       const struct mem_policy *policy)
{
	uint64_t page = backend->page_size ? backend->page_size : SZ_4K;
	int ret;

	memset(mem, 0, sizeof(*mem));
	mem->backend = backend;
	mem->fd = -1;
	mem->vm_fd = vm_fd;
	mem->size = ALIGN_UP(size, page);
	mem->page_size = page;
	if (policy)
		mem->policy = *policy; /* before create: hugetlb checks the nodes' pools */
	ret = mem_access_set(backend, vm_fd);
	if (!ret)
		ret = backend->create(mem, vm_fd, mem->size);
	if (ret) {
		mem->backend = NULL;
		return ret;
	}
	ret = mem_bind(mem);
	if (ret)
		mem_destroy(mem);
	return ret;
}

void mem_destroy(struct mem_region *mem)
{
	if (mem->backend)
		mem->backend->destroy(mem);
	mem->backend = NULL;
}

int mem_punch_hole(struct mem_region *mem, uint64_t offset, uint64_t len)
{
	if (!mem->backend->punch_hole)
		return gmb_error(EOPNOTSUPP, "%s cannot punch holes", mem->backend->name);
	return mem->backend->punch_hole(mem, offset, len);
}

int mem_convert(struct mem_region *mem, uint64_t offset, uint64_t len, bool to_private)
{
	if (!mem->backend->convert)
		return gmb_error(EOPNOTSUPP, "%s cannot convert in place", mem->backend->name);
	return mem->backend->convert(mem, offset, len, to_private);
}

int mem_populate(struct mem_region *mem, uint64_t offset, uint64_t len)
{
	if (!mem->backend->populate)
		return gmb_error(EOPNOTSUPP, "%s cannot be populated from the host",
				 mem->backend->name);
	return mem->backend->populate(mem, offset, len);
}
