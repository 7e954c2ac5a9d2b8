// SPDX-License-Identifier: GPL-2.0
/*
 * anon, anon-thp: MAP_PRIVATE anonymous memory, the classic memslot, with and without
 * MADV_HUGEPAGE.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "backends/mem.h"
#include "core/caps.h"
#include "core/util.h"

static int anon_create(struct mem_region *mem, int vm_fd, uint64_t size)
{
	void *hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (hva == MAP_FAILED)
		return gmb_error(errno, "mmap(MAP_ANONYMOUS, %llu bytes) failed: %s",
				 (unsigned long long)size, strerror(errno));
	mem->hva = hva;
	return 0;
}

static int anon_thp_create(struct mem_region *mem, int vm_fd, uint64_t size)
{
	/* Over-allocate so that the mapping can start on a 2 MiB boundary. */
	uint64_t padded = size + SZ_2M;
	uint8_t *raw, *aligned;
	int ret;

	raw = mmap(NULL, padded, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return gmb_error(errno, "mmap(MAP_ANONYMOUS, %llu bytes) failed: %s",
				 (unsigned long long)padded, strerror(errno));
	aligned = (uint8_t *)ALIGN_UP((uintptr_t)raw, SZ_2M);
	if (aligned > raw)
		munmap(raw, aligned - raw);
	if (aligned + size < raw + padded)
		munmap(aligned + size, raw + padded - (aligned + size));
	mem->hva = aligned;
	if (madvise(aligned, size, MADV_HUGEPAGE)) {
		ret = gmb_error(errno, "madvise(MADV_HUGEPAGE) failed: %s", strerror(errno));
		munmap(aligned, size);
		mem->hva = NULL;
		return ret;
	}
	return 0;
}

static void anon_destroy(struct mem_region *mem)
{
	mem_unmap_close(mem);
}

static int anon_punch_hole(struct mem_region *mem, uint64_t offset, uint64_t len)
{
	if (madvise((uint8_t *)mem->hva + offset, len, MADV_DONTNEED))
		return gmb_error(errno, "madvise(MADV_DONTNEED) failed: %s", strerror(errno));
	return 0;
}

static int anon_probe(const struct host_caps *caps, char *reason, size_t len)
{
	return 0;
}

static int anon_thp_probe(const struct host_caps *caps, char *reason, size_t len)
{
	if (!strcmp(caps->thp_enabled, "never")) {
		snprintf(reason, len, "transparent_hugepage/enabled is never");
		return -EOPNOTSUPP;
	}
	if (!caps->thp_enabled[0]) {
		snprintf(reason, len,
			 "no /sys/kernel/mm/transparent_hugepage (CONFIG_TRANSPARENT_HUGEPAGE "
			 "off)");
		return -EOPNOTSUPP;
	}
	return 0;
}

const struct mem_backend mem_backend_anon = {
	.id = MEM_ANON,
	.name = "anon",
	.description = "MAP_PRIVATE anonymous memory",
	.probe = anon_probe,
	.create = anon_create,
	.destroy = anon_destroy,
	.punch_hole = anon_punch_hole,
	.populate = mem_madvise_populate,
};

const struct mem_backend mem_backend_anon_thp = {
	.id = MEM_ANON_THP,
	.name = "anon-thp",
	.description = "anonymous memory with MADV_HUGEPAGE",
	.page_size = SZ_2M,
	.probe = anon_thp_probe,
	.create = anon_thp_create,
	.destroy = anon_destroy,
	.punch_hole = anon_punch_hole,
	.populate = mem_madvise_populate,
};
