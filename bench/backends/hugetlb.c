// SPDX-License-Identifier: GPL-2.0
/*
 * memfd-hugetlb: memfd_create(MFD_HUGETLB | MFD_HUGE_2MB). hugetlb reserves its pages when the
 * file is mapped, so a shortage fails at mmap() with ENOMEM instead of a SIGBUS in the run.
 */
#include <linux/memfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "backends/mem.h"
#include "core/caps.h"
#include "core/util.h"

static int hugetlb_create(struct mem_region *mem, int vm_fd, uint64_t size)
{
	int ret = mem_memfd_create(mem, "gmembench-hugetlb", MFD_HUGETLB | MFD_HUGE_2MB);

	if (!ret)
		ret = mem_map_fd(mem, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (ret == -ENOMEM)
		ret = gmb_error(ENOMEM,
				"not enough free 2 MiB huge pages for %llu MiB (see "
				"/proc/sys/vm/nr_hugepages)",
				(unsigned long long)(mem->size >> 20));
	if (ret)
		mem_unmap_close(mem);
	return ret;
}

static void hugetlb_destroy(struct mem_region *mem)
{
	mem_unmap_close(mem);
}

static int hugetlb_probe(const struct host_caps *caps, char *reason, size_t len)
{
	if (!caps->hugepages_2m_free) {
		snprintf(reason, len,
			 "no free 2 MiB huge pages (HugePages_Free is 0; reserve some "
			 "in /proc/sys/vm/nr_hugepages)");
		return -EOPNOTSUPP;
	}
	return 0;
}

const struct mem_backend mem_backend_memfd_hugetlb = {
	.id = MEM_MEMFD_HUGETLB,
	.name = "memfd-hugetlb",
	.description = "memfd with MFD_HUGETLB, 2 MiB pages",
	.page_size = SZ_2M,
	.probe = hugetlb_probe,
	.create = hugetlb_create,
	.destroy = hugetlb_destroy,
	.punch_hole = mem_fallocate_punch,
	.populate = mem_fallocate_populate,
};
