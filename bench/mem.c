// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_uapi.h"
#include "mem.h"
#include "util.h"
#include "vm.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

extern const struct mem_backend mem_backend_anon, mem_backend_anon_thp;
extern const struct mem_backend mem_backend_memfd, mem_backend_memfd_thp;
extern const struct mem_backend mem_backend_memfd_hugetlb, mem_backend_memfd_secret;
extern const struct mem_backend mem_backend_gmem, mem_backend_gmem_mmap;
extern const struct mem_backend mem_backend_gmem_nodirect, mem_backend_gmem_dmap;
extern const struct mem_backend mem_backend_gmem_permm;

const struct mem_backend *const mem_backends[MEM_NR_BACKENDS] = {
	[MEM_ANON] = &mem_backend_anon,
	[MEM_ANON_THP] = &mem_backend_anon_thp,
	[MEM_MEMFD] = &mem_backend_memfd,
	[MEM_MEMFD_THP] = &mem_backend_memfd_thp,
	[MEM_MEMFD_HUGETLB] = &mem_backend_memfd_hugetlb,
	[MEM_MEMFD_SECRET] = &mem_backend_memfd_secret,
	[MEM_GMEM] = &mem_backend_gmem,
	[MEM_GMEM_MMAP] = &mem_backend_gmem_mmap,
	[MEM_GMEM_NODIRECT] = &mem_backend_gmem_nodirect,
	[MEM_GMEM_DMAP] = &mem_backend_gmem_dmap,
	[MEM_GMEM_PERMM] = &mem_backend_gmem_permm,
};
_Static_assert(ARRAY_SIZE(mem_backends) == MEM_NR_BACKENDS, "every backend is listed");

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

const struct mem_backend *mem_backend_find(const char *name)
{
	for (int i = 0; i < MEM_NR_BACKENDS; i++)
		if (!strcmp(mem_backends[i]->name, name))
			return mem_backends[i];
	return NULL;
}

int mem_create(struct mem_region *mem, const struct mem_backend *backend, int vm_fd, uint64_t size)
{
	uint64_t page = backend->page_size ? backend->page_size : SZ_4K;
	int ret;

	memset(mem, 0, sizeof(*mem));
	mem->backend = backend;
	mem->fd = -1;
	mem->vm_fd = vm_fd;
	mem->size = ALIGN_UP(size, page);
	mem->page_size = page;
	ret = mem_access_set(backend, vm_fd);
	if (!ret)
		ret = backend->create(mem, vm_fd, mem->size);
	if (ret) {
		mem->backend = NULL;
		return ret;
	}
	return 0;
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

int mem_populate(struct mem_region *mem, uint64_t offset, uint64_t len)
{
	if (!mem->backend->populate)
		return gmb_error(EOPNOTSUPP, "%s cannot be populated from the host",
				 mem->backend->name);
	return mem->backend->populate(mem, offset, len);
}

int mem_map_fd(struct mem_region *mem, int prot, int flags)
{
	void *hva = mmap(NULL, mem->size, prot, flags, mem->fd, 0);

	if (hva == MAP_FAILED)
		return gmb_error(errno, "mmap of %s (%llu bytes) failed: %s", mem->backend->name,
				 (unsigned long long)mem->size, strerror(errno));
	mem->hva = hva;
	return 0;
}

int mem_fallocate_punch(struct mem_region *mem, uint64_t offset, uint64_t len)
{
	if (fallocate(mem->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len))
		return gmb_error(errno, "fallocate(PUNCH_HOLE) on %s failed: %s",
				 mem->backend->name, strerror(errno));
	return 0;
}

int mem_touch_populate(struct mem_region *mem, uint64_t offset, uint64_t len)
{
	volatile uint8_t *p = (volatile uint8_t *)mem->hva + offset;

	if (!mem->hva)
		return gmb_error(EINVAL, "%s has no host mapping to populate through",
				 mem->backend->name);
	for (uint64_t off = 0; off < len; off += mem->page_size)
		p[off] = p[off];
	return 0;
}

int mem_madvise_populate(struct mem_region *mem, uint64_t offset, uint64_t len)
{
	if (madvise((uint8_t *)mem->hva + offset, len, MADV_POPULATE_WRITE))
		return gmb_error(errno, "madvise(MADV_POPULATE_WRITE) on %s failed: %s",
				 mem->backend->name, strerror(errno));
	return 0;
}

void mem_unmap_close(struct mem_region *mem)
{
	if (mem->hva)
		munmap(mem->hva, mem->size);
	if (mem->fd >= 0)
		close(mem->fd);
	mem->hva = NULL;
	mem->fd = -1;
}

int mem_map_fd_aligned(struct mem_region *mem, uint64_t align)
{
	uint64_t padded = mem->size + align;
	uint8_t *raw, *aligned;
	void *hva;

	/* Reserve address space, then place the file mapping on an aligned address inside. */
	raw = mmap(NULL, padded, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return gmb_error(errno, "mmap reservation of %llu bytes failed: %s",
				 (unsigned long long)padded, strerror(errno));
	aligned = (uint8_t *)ALIGN_UP((uintptr_t)raw, align);
	hva = mmap(aligned, mem->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, mem->fd, 0);
	if (hva == MAP_FAILED) {
		int err = errno;

		munmap(raw, padded);
		return gmb_error(err, "mmap of %s (%llu bytes) failed: %s", mem->backend->name,
				 (unsigned long long)mem->size, strerror(err));
	}
	if (aligned > raw)
		munmap(raw, aligned - raw);
	if (aligned + mem->size < raw + padded)
		munmap(aligned + mem->size, raw + padded - (aligned + mem->size));
	mem->hva = hva;
	return 0;
}

int mem_fallocate_populate(struct mem_region *mem, uint64_t offset, uint64_t len)
{
	/* guest_memfd refuses to change its size through fallocate: keep it. */
	if (fallocate(mem->fd, FALLOC_FL_KEEP_SIZE, offset, len))
		return gmb_error(errno, "fallocate on %s failed: %s", mem->backend->name,
				 strerror(errno));
	return 0;
}

int mem_memfd_create(struct mem_region *mem, const char *name, unsigned int flags)
{
	int ret;

	mem->fd = memfd_create(name, MFD_CLOEXEC | flags);
	if (mem->fd < 0)
		return gmb_error(errno, "memfd_create(%s) failed: %s", name, strerror(errno));
	if (ftruncate(mem->fd, mem->size)) {
		ret = gmb_error(errno, "ftruncate of %s to %llu bytes failed: %s", name,
				(unsigned long long)mem->size, strerror(errno));
		close(mem->fd);
		mem->fd = -1;
		return ret;
	}
	return 0;
}
