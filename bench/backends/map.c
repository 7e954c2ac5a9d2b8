// SPDX-License-Identifier: GPL-2.0
/* Helpers the backends share: mapping a file, punching and populating through the kernel. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backends/mem.h"
#include "core/util.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

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
	if (mem->shared_hva)
		munmap(mem->shared_hva, mem->size);
	if (mem->fd >= 0)
		close(mem->fd);
	mem->hva = mem->shared_hva = NULL;
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

bool mem_remap_keeps_contents(const struct mem_region *mem)
{
	return mem->fd >= 0;
}

int mem_remap(struct mem_region *mem, uint64_t offset, uint64_t len)
{
	uint8_t *addr = (uint8_t *)mem->hva + offset;
	int flags = MAP_FIXED | (mem->fd >= 0 ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS);

	if (!mem->hva)
		return gmb_error(EOPNOTSUPP, "%s has no host mapping to remap", mem->backend->name);
	/*
	 * One mmap(MAP_FIXED) over the range: the kernel unmaps the old pages (zapping them from
	 * the page tables and, through the MMU notifier, from KVM's) and maps afresh, with no
	 * window in which another thread's mapping could land in the hole.
	 */
	if (mmap(addr, len, PROT_READ | PROT_WRITE, flags | (mem->fd < 0 ? MAP_NORESERVE : 0),
		 mem->fd, mem->fd >= 0 ? (off_t)offset : 0) == MAP_FAILED)
		return gmb_error(errno, "mmap(MAP_FIXED) of %s (%llu bytes at %llu) failed: %s",
				 mem->backend->name, (unsigned long long)len,
				 (unsigned long long)offset, strerror(errno));
	/* Anonymous memory that asked for huge pages asks again for the new mapping. */
	if (mem->fd < 0 && mem->page_size == SZ_2M && madvise(addr, len, MADV_HUGEPAGE))
		return gmb_error(errno, "madvise(MADV_HUGEPAGE) failed: %s", strerror(errno));
	return 0;
}
