// SPDX-License-Identifier: GPL-2.0
/*
 * Binding guest memory to NUMA nodes: mbind() on the host mapping, right after it is made
 * and before anything touches it, so that every page (the payload the host writes, the pages
 * KVM faults in for the guest) comes from the policy's nodes. On a two-socket host a fault or
 * conversion figure would otherwise mix local and remote memory at random.
 *
 * Anonymous memory, shmem (memfd) and hugetlb allocate by the mapping's policy. memfd_secret
 * does not (it allocates by the faulting thread's), and a guest_memfd keeps a policy only
 * where the kernel gives it one in the file (set_policy, Linux 6.19+); elsewhere the policy
 * on the mapping would be a label that KVM's allocations never read. Such memory is recorded
 * as unsupported, with the reason, and runs where the kernel puts it.
 */
#include <numaif.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "backends/mem.h"
#include "core/util.h"

/* mbind() and get_mempolicy() take a mask of maxnode bits; the kernel reads maxnode - 1. */
#define MASK_BITS 65

const char *mem_policy_mode_name(enum mem_policy_mode mode)
{
	switch (mode) {
	case MEM_POLICY_BIND:
		return "bind";
	case MEM_POLICY_INTERLEAVE:
		return "interleave";
	default:
		return "default";
	}
}

const char *mem_nodes_text(uint64_t nodes, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int n = 0; n < 64 && used < len; n++) {
		int last = n;

		if (!(nodes & (1ULL << n)))
			continue;
		while (last < 63 && (nodes & (1ULL << (last + 1))))
			last++;
		if (last > n)
			used += snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", n,
					 last);
		else
			used += snprintf(buf + used, len - used, "%s%d", used ? "," : "", n);
		n = last;
	}
	return buf;
}

static int unsupported(struct mem_region *mem, const char *reason)
{
	mem->binding = MEM_BINDING_UNSUPPORTED;
	snprintf(mem->binding_reason, sizeof(mem->binding_reason), "%s", reason);
	return 0;
}

/*
 * Whether the guest_memfd itself keeps the policy: a second mapping of the file reads it back
 * only when the kernel stores it in the file (the shared policy KVM's own allocations use);
 * otherwise it lived in the first mapping alone.
 */
static bool gmem_keeps_policy(struct mem_region *mem, int mode)
{
	unsigned long nodes[2] = { 0 };
	int got = -1;
	void *second = mmap(NULL, mem->page_size, PROT_READ, MAP_SHARED, mem->fd, 0);

	if (second == MAP_FAILED)
		return false;
	if (get_mempolicy(&got, nodes, MASK_BITS, second, MPOL_F_ADDR))
		got = -1;
	munmap(second, mem->page_size);
	return got == mode && nodes[0] == mem->policy.nodes;
}

int mem_bind(struct mem_region *mem)
{
	unsigned long nodes[2] = { mem->policy.nodes, 0 };
	int mode = mem->policy.mode == MEM_POLICY_INTERLEAVE ? MPOL_INTERLEAVE : MPOL_BIND;
	char text[64];

	mem->binding = MEM_BINDING_NONE;
	mem->binding_reason[0] = '\0';
	if (mem->policy.mode == MEM_POLICY_DEFAULT)
		return 0;
	if (!mem->hva)
		return unsupported(mem, "no host mapping to mbind() (a private guest_memfd): its "
					"pages come from the faulting vCPU's node");
	if (mem->backend->no_numa_policy)
		return unsupported(mem, mem->backend->no_numa_policy);
	if (mbind(mem->hva, mem->size, mode, nodes, MASK_BITS, 0)) {
		if (errno == ENOSYS)
			return unsupported(mem, "the kernel has no NUMA policies (mbind: ENOSYS)");
		return gmb_error(errno, "mbind(%s, nodes %s) on %s failed: %s",
				 mem_policy_mode_name(mem->policy.mode),
				 mem_nodes_text(mem->policy.nodes, text, sizeof(text)),
				 mem->backend->name, strerror(errno));
	}
	if (mem->is_gmem && !gmem_keeps_policy(mem, mode)) {
		/* Take the label off again: it would tell get_mempolicy() a policy that is not. */
		mbind(mem->hva, mem->size, MPOL_DEFAULT, NULL, 0, 0);
		return unsupported(mem, "this kernel's guest_memfd keeps no NUMA policy (no "
					"set_policy, Linux 6.19+): its allocations ignore mbind()");
	}
	mem->binding = MEM_BINDING_APPLIED;
	return 0;
}
