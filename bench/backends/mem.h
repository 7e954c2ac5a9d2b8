/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-memory backends. Each backend is a small ops table in bench/backends/, listed once in
 * mem_backends[]; everything else (binding a region to a memslot, probing it with a guest)
 * is common code that reads the region's description.
 */
#ifndef GMB_MEM_H
#define GMB_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct host_caps;

enum mem_backend_id {
	MEM_ANON,
	MEM_ANON_THP,
	MEM_MEMFD,
	MEM_MEMFD_THP,
	MEM_MEMFD_HUGETLB,
	MEM_MEMFD_SECRET,
	MEM_GMEM,
	MEM_GMEM_MMAP,
	MEM_GMEM_NODIRECT,
	MEM_GMEM_DMAP,
	MEM_GMEM_PERMM,
	MEM_NR_BACKENDS,
};

/*
 * How KVM itself reaches a no-direct-map guest_memfd's memory when it must (instruction fetch
 * and guest page-table walks for emulation, kvm_read/write_guest): the per-VM strategy of
 * KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS, from the kernel series in kernel-patches/. Without the
 * series, KVM has one way, USER. Memory in the direct map needs no strategy: NONE.
 */
enum mem_access {
	MEM_ACCESS_NONE,       /* not a no-direct-map backend */
	MEM_ACCESS_USER,       /* through the VMM's mapping (the memslot's userspace_addr) */
	MEM_ACCESS_DIRECT_MAP, /* the page put back in the direct map for the access */
	MEM_ACCESS_PER_MM,     /* a kernel mapping private to the VMM's mm */
	MEM_ACCESS_NR,
};

/* As the results record it: "user", "direct-map", "per-mm"; NULL for MEM_ACCESS_NONE. */
const char *mem_access_name(enum mem_access strategy);
/* As the kernel names it: "USER", "DIRECT_MAP", "PER_MM"; NULL for MEM_ACCESS_NONE. */
const char *mem_access_kvm_name(enum mem_access strategy);
/* KVM_ENABLE_CAP's args[0]; KVM_CHECK_EXTENSION's mask has bit 1 << this value. */
unsigned int mem_access_kvm_value(enum mem_access strategy);
/* The strategy KVM calls value, or MEM_ACCESS_NONE when it names none. */
enum mem_access mem_access_from_kvm(long value);
/*
 * Whether the kernel has the series: KVM_CHECK_EXTENSION(KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS)
 * gave a mask and the kvm.gmem_no_direct_map_access module parameter exists. Either alone is
 * not enough (capability 1000 is out of tree: another kernel could use the number).
 */
bool mem_access_series(long cap_mask, bool param_present);
/*
 * Whether KVM can reach memory with this strategy, from the capability's mask and whether the
 * module parameter exists: 0 when there is nothing to set (MEM_ACCESS_NONE, or USER on a kernel
 * without the series, where it is KVM's only way), 1 when the strategy must be set on each VM
 * with KVM_ENABLE_CAP, -EOPNOTSUPP with the reason in reason[] when the kernel lacks it.
 */
int mem_access_check(enum mem_access strategy, long cap_mask, bool param_present, char *reason,
		     size_t len);

/*
 * Where guest memory should come from (NUMA), applied with mbind() on the host mapping after
 * it is made and before anything touches it, so that no page lands elsewhere first.
 */
enum mem_policy_mode {
	MEM_POLICY_DEFAULT,    /* none: the kernel puts each page where it is first touched */
	MEM_POLICY_BIND,       /* only these nodes (MPOL_BIND): never silently remote */
	MEM_POLICY_INTERLEAVE, /* page by page across these nodes (MPOL_INTERLEAVE) */
};

struct mem_policy {
	enum mem_policy_mode mode;
	uint64_t nodes; /* a mask of node numbers 0..63 */
};

/* What became of a region's policy. */
enum mem_binding {
	MEM_BINDING_NONE,	 /* no policy was asked for */
	MEM_BINDING_APPLIED,	 /* mbind() on the mapping before the first touch */
	MEM_BINDING_UNSUPPORTED, /* the memory cannot take one: binding_reason says why */
};

/* "default", "bind", "interleave". */
const char *mem_policy_mode_name(enum mem_policy_mode mode);

/* One allocation of guest memory, as a backend created it. */
struct mem_region {
	const struct mem_backend *backend;
	uint64_t size;
	uint64_t page_size; /* the host page size backing it */
	void *hva;	    /* host mapping, or NULL when the host cannot map it */
	/*
	 * Private guest_memfd only: the shared side, anonymous memory at the memslot's
	 * userspace_addr, which KVM uses for a GPA whose attribute is shared (a conversion).
	 */
	void *shared_hva;
	int fd;	      /* memfd / guest_memfd, or -1 */
	bool is_gmem; /* fd is a guest_memfd: bind with KVM_MEM_GUEST_MEMFD */
	int vm_fd;    /* guest_memfd belongs to this VM */
	struct mem_policy policy;
	enum mem_binding binding;
	char binding_reason[200];
};

struct mem_backend {
	enum mem_backend_id id;
	const char *name;
	const char *description;
	/* Host page size the backend uses, or 0 for the base page size. */
	uint64_t page_size;
	/*
	 * The host cannot map this memory (private guest_memfd): the payload's code and page
	 * tables then go into an anonymous boot slot and only the data area is this backend's.
	 */
	bool no_host_map;
	/*
	 * The VM type it needs (KVM_CREATE_VM): memory the host cannot map is guest memory only
	 * on a VM type that has private memory (KVM_X86_SW_PROTECTED_VM here); 0 is the default.
	 */
	unsigned long vm_type;
	/*
	 * How KVM itself reaches this memory (no-direct-map guest_memfd), MEM_ACCESS_NONE for the
	 * others: backend_probe() checks that the kernel offers it, mem_create() sets it on the VM.
	 */
	enum mem_access access;
	/*
	 * Why a NUMA policy on the mapping does not place this memory, NULL when mbind() does.
	 * (A private guest_memfd has no mapping at all; whether a mappable one keeps a policy
	 * depends on the kernel and is checked when it is bound.)
	 */
	const char *no_numa_policy;
	/*
	 * Static requirements, from the kernel's capabilities and settings. Returns 0 when the
	 * backend can be tried, or -EOPNOTSUPP with the reason in reason[].
	 */
	int (*probe)(const struct host_caps *caps, char *reason, size_t len);
	/* guest_memfd backends need the VM; others ignore vm_fd. 0 or -errno. */
	int (*create)(struct mem_region *mem, int vm_fd, uint64_t size);
	void (*destroy)(struct mem_region *mem);
	/* Optional: free [offset, offset+len) so that the next access faults afresh. */
	int (*punch_hole)(struct mem_region *mem, uint64_t offset, uint64_t len);
	/* Optional: fault [offset, offset+len) in from the host before the guest runs. */
	int (*populate)(struct mem_region *mem, uint64_t offset, uint64_t len);
	/*
	 * Optional: converts [offset, offset+len) in place, to private (out of the host's
	 * reach, contents kept) or back to shared. Needs KVM_CAP_GMEM_CONVERT_IN_PLACE.
	 */
	int (*convert)(struct mem_region *mem, uint64_t offset, uint64_t len, bool to_private);
};

extern const struct mem_backend *const mem_backends[MEM_NR_BACKENDS];

const struct mem_backend *mem_backend_find(const char *name);

/*
 * Creates size bytes of memory from backend for the VM vm_fd. For a backend with an access
 * strategy, first sets it on the VM (KVM_ENABLE_CAP), before any vCPU can run: a failure to set
 * it fails the creation. Then applies policy (NULL: none) before anything touches the memory;
 * memory that cannot take it is created anyway and says so in mem->binding. 0 or -errno.
 */
int mem_create(struct mem_region *mem, const struct mem_backend *backend, int vm_fd, uint64_t size,
	       const struct mem_policy *policy);
/*
 * Applies mem->policy to the host mapping (bind.c) and sets mem->binding. 0, or -errno when
 * the kernel refuses a policy the memory could take (a node it does not allow).
 */
int mem_bind(struct mem_region *mem);
/* "0", "0-1,3": the nodes of a mask, for messages and results. */
const char *mem_nodes_text(uint64_t nodes, char *buf, size_t len);
void mem_destroy(struct mem_region *mem);
int mem_punch_hole(struct mem_region *mem, uint64_t offset, uint64_t len);
int mem_populate(struct mem_region *mem, uint64_t offset, uint64_t len);
int mem_convert(struct mem_region *mem, uint64_t offset, uint64_t len, bool to_private);

/* Helpers shared by backends. */
int mem_memfd_create(struct mem_region *mem, const char *name, unsigned int flags);
int mem_map_fd(struct mem_region *mem, int prot, int flags);
int mem_map_fd_aligned(struct mem_region *mem, uint64_t align);
int mem_fallocate_populate(struct mem_region *mem, uint64_t offset, uint64_t len);
int mem_fallocate_punch(struct mem_region *mem, uint64_t offset, uint64_t len);
int mem_touch_populate(struct mem_region *mem, uint64_t offset, uint64_t len);
int mem_madvise_populate(struct mem_region *mem, uint64_t offset, uint64_t len);
void mem_unmap_close(struct mem_region *mem);

/*
 * Takes [offset, offset+len) out of the host's mapping and maps it again in the same place,
 * the way the region was mapped (one mmap(MAP_FIXED)): what a VMM pays to keep a range from its own reach
 * without a kernel feature. A file-backed region (memfd, hugetlb, memfd_secret, guest_memfd
 * with mmap) keeps its contents; anonymous memory comes back zeroed. -EOPNOTSUPP when the
 * host has no mapping. 0 or -errno.
 */
int mem_remap(struct mem_region *mem, uint64_t offset, uint64_t len);
/* Whether mem_remap() keeps the range's contents. */
bool mem_remap_keeps_contents(const struct mem_region *mem);

#endif /* GMB_MEM_H */
