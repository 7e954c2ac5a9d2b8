// SPDX-License-Identifier: GPL-2.0
/*
 * memfd, memfd-thp: shmem files from memfd_create, mapped MAP_SHARED, as vhost-user VMMs back
 * guest memory so that another process can map it too. memfd-thp asks for shmem huge pages
 * with MADV_HUGEPAGE, which the kernel honours only when shmem_enabled allows it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backends/mem.h"
#include "core/caps.h"
#include "core/util.h"

static int memfd_create_region(struct mem_region *mem, int vm_fd, uint64_t size)
{
	int ret = mem_memfd_create(mem, "gmembench-memfd", 0);

	if (!ret)
		ret = mem_map_fd(mem, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (ret)
		mem_unmap_close(mem);
	return ret;
}

static int memfd_thp_create(struct mem_region *mem, int vm_fd, uint64_t size)
{
	int ret = mem_memfd_create(mem, "gmembench-memfd-thp", 0);

	if (!ret)
		ret = mem_map_fd_aligned(mem, SZ_2M);
	if (!ret && madvise(mem->hva, mem->size, MADV_HUGEPAGE))
		ret = gmb_error(errno, "madvise(MADV_HUGEPAGE) on a memfd failed: %s",
				strerror(errno));
	if (ret)
		mem_unmap_close(mem);
	return ret;
}

static void memfd_destroy(struct mem_region *mem)
{
	mem_unmap_close(mem);
}

static int memfd_probe(const struct host_caps *caps, char *reason, size_t len)
{
	return 0;
}

static int memfd_thp_probe(const struct host_caps *caps, char *reason, size_t len)
{
	static const char *const allowing[] = { "always", "within_size", "advise", "force" };

	for (size_t i = 0; i < ARRAY_SIZE(allowing); i++)
		if (!strcmp(caps->thp_shmem_enabled, allowing[i]))
			return 0;
	snprintf(reason, len, "transparent_hugepage/shmem_enabled is %s: shmem huge pages are off",
		 caps->thp_shmem_enabled[0] ? caps->thp_shmem_enabled : "absent");
	return -EOPNOTSUPP;
}

const struct mem_backend mem_backend_memfd = {
	.id = MEM_MEMFD,
	.name = "memfd",
	.description = "memfd_create, MAP_SHARED (vhost-user style)",
	.probe = memfd_probe,
	.create = memfd_create_region,
	.destroy = memfd_destroy,
	.punch_hole = mem_fallocate_punch,
	.populate = mem_madvise_populate,
};

const struct mem_backend mem_backend_memfd_thp = {
	.id = MEM_MEMFD_THP,
	.name = "memfd-thp",
	.description = "memfd with shmem transparent huge pages",
	.page_size = SZ_2M,
	.probe = memfd_thp_probe,
	.create = memfd_thp_create,
	.destroy = memfd_destroy,
	.punch_hole = mem_fallocate_punch,
	.populate = mem_madvise_populate,
};
