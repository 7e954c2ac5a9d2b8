// SPDX-License-Identifier: GPL-2.0
/*
 * guest_memfd backends: gmem (private, not mappable by the host), gmem-mmap (mmap()able and
 * shared from creation, 6.18) and the no-direct-map family: the same memory without a kernel
 * direct map (NO_DIRECT_MAP, from the posted series), one backend per way KVM itself reaches
 * it (gmem-nodirect: through the VMM's mapping, gmem-dmap: restoring the direct map for the
 * access, gmem-permm: a per-mm kernel mapping; the last two from the series in
 * kernel-patches/). The family differs only in its access strategy, which the common code
 * checks and sets (mem.c). Which flags the kernel takes is read from KVM_CAP_GUEST_MEMFD_FLAGS,
 * never inferred from the kernel version.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "core/kvm_uapi.h"
#include "backends/mem.h"
#include "core/caps.h"
#include "core/util.h"

#define GMEM_SHARED_FLAGS   (GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED)
#define GMEM_NODIRECT_FLAGS (GMEM_SHARED_FLAGS | GUEST_MEMFD_FLAG_NO_DIRECT_MAP)

static int gmem_create_flags(struct mem_region *mem, int vm_fd, uint64_t flags)
{
	struct kvm_create_guest_memfd args = { .size = mem->size, .flags = flags };
	int ret;

	mem->fd = ioctl(vm_fd, KVM_CREATE_GUEST_MEMFD, &args);
	if (mem->fd < 0)
		return gmb_error(errno, "KVM_CREATE_GUEST_MEMFD (flags 0x%llx) failed: %s",
				 (unsigned long long)flags, strerror(errno));
	mem->is_gmem = true;
	if (!(flags & GUEST_MEMFD_FLAG_MMAP))
		return 0;
	ret = mem_map_fd(mem, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (ret)
		mem_unmap_close(mem);
	return ret;
}

/*
 * Private: the guest_memfd, and a shared side as a confidential VMM has one: anonymous memory
 * the memslot points at, reserved, not touched until the guest converts a range to shared.
 */
static int gmem_create(struct mem_region *mem, int vm_fd, uint64_t size)
{
	void *shared;
	int ret = gmem_create_flags(mem, vm_fd, 0);

	if (ret)
		return ret;
	shared = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (shared == MAP_FAILED) {
		ret = gmb_error(errno, "mmap of the shared side (%llu bytes) failed: %s",
				(unsigned long long)size, strerror(errno));
		mem_unmap_close(mem);
		return ret;
	}
	mem->shared_hva = shared;
	return 0;
}

static int gmem_mmap_create(struct mem_region *mem, int vm_fd, uint64_t size)
{
	return gmem_create_flags(mem, vm_fd, GMEM_SHARED_FLAGS);
}

static int gmem_nodirect_create(struct mem_region *mem, int vm_fd, uint64_t size)
{
	return gmem_create_flags(mem, vm_fd, GMEM_NODIRECT_FLAGS);
}

/*
 * In place, on the guest_memfd (the kernel series): private takes the range out of every host
 * mapping and the direct map, shared gives it back; the pages and their contents stay. EAGAIN
 * means a page still has references (a pin): error_offset says which.
 */
static int gmem_convert(struct mem_region *mem, uint64_t offset, uint64_t len, bool to_private)
{
	struct kvm_memory_attributes2 attrs = {
		.offset = offset,
		.size = len,
		.attributes = to_private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
	};

	if (!ioctl(mem->fd, KVM_SET_MEMORY_ATTRIBUTES2, &attrs))
		return 0;
	if (errno == EAGAIN)
		return gmb_error(EAGAIN,
				 "KVM_SET_MEMORY_ATTRIBUTES2 to %s: the page at offset 0x%llx "
				 "still has references",
				 to_private ? "private" : "shared",
				 (unsigned long long)attrs.error_offset);
	return gmb_error(errno, "KVM_SET_MEMORY_ATTRIBUTES2 (0x%llx + 0x%llx to %s) failed: %s",
			 (unsigned long long)offset, (unsigned long long)len,
			 to_private ? "private" : "shared", strerror(errno));
}

static void gmem_destroy(struct mem_region *mem)
{
	mem_unmap_close(mem);
}

static int gmem_probe_flags(const struct host_caps *caps, uint64_t flags, const char *names,
			    char *reason, size_t len)
{
	if (!caps->cap_guest_memfd) {
		snprintf(reason, len,
			 "KVM_CAP_GUEST_MEMFD is 0 (needs Linux 6.8+ with guest_memfd)");
		return -EOPNOTSUPP;
	}
	if (((uint64_t)caps->cap_guest_memfd_flags & flags) != flags) {
		snprintf(reason, len, "KVM_CAP_GUEST_MEMFD_FLAGS is 0x%lx, lacks %s",
			 caps->cap_guest_memfd_flags, names);
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Private memory is guest memory only on a VM type that has it: on a default VM a guest_memfd
 * slot with no userspace address is no memory at all, and an access exits as MMIO.
 */
static int gmem_probe(const struct host_caps *caps, char *reason, size_t len)
{
	if (!(caps->cap_vm_types & (1L << KVM_X86_SW_PROTECTED_VM))) {
		snprintf(reason, len,
			 "KVM_CAP_VM_TYPES is 0x%lx, lacks KVM_X86_SW_PROTECTED_VM "
			 "(CONFIG_KVM_SW_PROTECTED_VM): no VM type here has private memory",
			 caps->cap_vm_types);
		return -EOPNOTSUPP;
	}
	return gmem_probe_flags(caps, 0, "", reason, len);
}

static int gmem_mmap_probe(const struct host_caps *caps, char *reason, size_t len)
{
	return gmem_probe_flags(caps, GMEM_SHARED_FLAGS, "MMAP | INIT_SHARED", reason, len);
}

static int gmem_nodirect_probe(const struct host_caps *caps, char *reason, size_t len)
{
	return gmem_probe_flags(caps, GMEM_NODIRECT_FLAGS,
				"NO_DIRECT_MAP (1<<2, posted upstream, not merged)", reason, len);
}

const struct mem_backend mem_backend_gmem = {
	.id = MEM_GMEM,
	.name = "gmem",
	.description = "guest_memfd, private, not mappable (a KVM_X86_SW_PROTECTED_VM)",
	.no_host_map = true,
	.vm_type = KVM_X86_SW_PROTECTED_VM,
	.probe = gmem_probe,
	.create = gmem_create,
	.destroy = gmem_destroy,
	.punch_hole = mem_fallocate_punch,
	.populate = mem_fallocate_populate,
};

const struct mem_backend mem_backend_gmem_mmap = {
	.id = MEM_GMEM_MMAP,
	.name = "gmem-mmap",
	.description = "guest_memfd with MMAP | INIT_SHARED",
	.probe = gmem_mmap_probe,
	.create = gmem_mmap_create,
	.destroy = gmem_destroy,
	.punch_hole = mem_fallocate_punch,
	.populate = mem_fallocate_populate,
	.convert = gmem_convert,
};

/* The no-direct-map family: the same memory and operations, KVM told another way to reach it. */
#define GMEM_NODIRECT_BACKEND(backend_id, backend_name, strategy, how)                            \
	{                                                                                         \
		.id = backend_id, .name = backend_name,                                           \
		.description = "guest_memfd with MMAP | INIT_SHARED | NO_DIRECT_MAP, " how,       \
		.access = strategy, .probe = gmem_nodirect_probe, .create = gmem_nodirect_create, \
		.destroy = gmem_destroy, .punch_hole = mem_fallocate_punch,                       \
		.populate = mem_fallocate_populate, .convert = gmem_convert,                      \
	}

const struct mem_backend mem_backend_gmem_nodirect =
	GMEM_NODIRECT_BACKEND(MEM_GMEM_NODIRECT, "gmem-nodirect", MEM_ACCESS_USER,
			      "KVM's own accesses through the VMM's mapping");
const struct mem_backend mem_backend_gmem_dmap =
	GMEM_NODIRECT_BACKEND(MEM_GMEM_DMAP, "gmem-dmap", MEM_ACCESS_DIRECT_MAP,
			      "KVM's own accesses restore the direct map");
const struct mem_backend mem_backend_gmem_permm =
	GMEM_NODIRECT_BACKEND(MEM_GMEM_PERMM, "gmem-permm", MEM_ACCESS_PER_MM,
			      "KVM's own accesses through a per-mm kernel mapping");
