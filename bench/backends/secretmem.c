// SPDX-License-Identifier: GPL-2.0
/*
 * memfd-secret: memfd_secret(2) memory, removed from the kernel direct map page by page as it
 * is faulted in, and refused to GUP. It is the existing "no direct map" memory that the
 * guest_memfd proposals are measured against.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/kvm_uapi.h"
#include "backends/mem.h"
#include "core/caps.h"
#include "core/util.h"

static int secretmem_create(struct mem_region *mem, int vm_fd, uint64_t size)
{
	int ret;

	mem->fd = syscall(__NR_memfd_secret, O_CLOEXEC);
	if (mem->fd < 0)
		return gmb_error(errno, "memfd_secret failed: %s", strerror(errno));
	if (ftruncate(mem->fd, mem->size)) {
		ret = gmb_error(errno, "ftruncate of memfd_secret failed: %s", strerror(errno));
		mem_unmap_close(mem);
		return ret;
	}
	ret = mem_map_fd(mem, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (ret)
		mem_unmap_close(mem);
	return ret;
}

static void secretmem_destroy(struct mem_region *mem)
{
	mem_unmap_close(mem);
}

static int secretmem_probe(const struct host_caps *caps, char *reason, size_t len)
{
	if (!caps->secretmem) {
		snprintf(reason, len, "%s", caps->secretmem_error);
		return -EOPNOTSUPP;
	}
	return 0;
}

const struct mem_backend mem_backend_memfd_secret = {
	.id = MEM_MEMFD_SECRET,
	.name = "memfd-secret",
	.description = "memfd_secret: no direct map, no GUP",
	.no_numa_policy = "memfd_secret allocates each page by the faulting thread's NUMA policy, "
			  "never the mapping's",
	.probe = secretmem_probe,
	.create = secretmem_create,
	.destroy = secretmem_destroy,
	/* secretmem takes neither fallocate() nor MADV_POPULATE_WRITE: touch each page. */
	.populate = mem_touch_populate,
};
