// SPDX-License-Identifier: GPL-2.0
/*
 * The backend table: every backend, one row each. A new backend is one file in this directory
 * and one row here.
 */
#include <string.h>

#include "backends/mem.h"
#include "core/util.h"

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

const struct mem_backend *mem_backend_find(const char *name)
{
	for (int i = 0; i < MEM_NR_BACKENDS; i++)
		if (!strcmp(mem_backends[i]->name, name))
			return mem_backends[i];
	return NULL;
}
