// SPDX-License-Identifier: GPL-2.0
/*
 * memfd-hugetlb: memfd_create(MFD_HUGETLB | MFD_HUGE_2MB). hugetlb reserves its pages when the
 * file is mapped, so a shortage fails at mmap() with ENOMEM instead of a SIGBUS in the run.
 */
#include <linux/memfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "backends/mem.h"
#include "core/caps.h"
#include "core/util.h"

/*
 * Bound memory comes from its nodes' pools only: the reservation mmap() makes is counted over
 * all nodes, so a pool that is short would show as a SIGBUS in the guest's first touch.
 */
static int hugetlb_check_pools(const struct mem_region *mem)
{
	uint64_t free_pages = 0, needed = mem->size / SZ_2M;
	char path[128], text[32], nodes[64];

	if (mem->policy.mode == MEM_POLICY_DEFAULT)
		return 0;
	for (int n = 0; n < 64; n++) {
		if (!(mem->policy.nodes & (1ULL << n)))
			continue;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/"
			 "free_hugepages",
			 n);
		if (!read_text_file(path, text, sizeof(text)))
			free_pages += strtoull(text, NULL, 10);
	}
	if (free_pages < needed)
		return gmb_error(ENOMEM,
				 "node(s) %s have %llu free 2 MiB huge pages, %llu needed (see "
				 "/sys/devices/system/node/node*/hugepages)",
				 mem_nodes_text(mem->policy.nodes, nodes, sizeof(nodes)),
				 (unsigned long long)free_pages, (unsigned long long)needed);
	return 0;
}

static int hugetlb_create(struct mem_region *mem, int vm_fd, uint64_t size)
{
	int ret = hugetlb_check_pools(mem);

	if (ret)
		return ret;
	ret = mem_memfd_create(mem, "gmembench-hugetlb", MFD_HUGETLB | MFD_HUGE_2MB);

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
