// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory bound to NUMA nodes before its first touch, without KVM: the backends that
 * take a policy get it on their mapping, the others say why not.
 */
#include <numaif.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "core/kvm_uapi.h"
#include "backends/mem.h"
#include "measure/numa.h"
#include "core/util.h"
#include "test_util.h"

static const struct mem_policy node0 = { .mode = MEM_POLICY_BIND, .nodes = 1 };

/* The policy the kernel holds for addr: mode and nodes. */
static int policy_at(void *addr, unsigned long *nodes)
{
	unsigned long mask[2] = { 0 };
	int mode = -1;

	if (get_mempolicy(&mode, mask, 65, addr, MPOL_F_ADDR))
		return -errno;
	*nodes = mask[0];
	return mode;
}

/* The node of the page at addr, read back with move_pages(): never assumed. */
static int node_of_page(void *addr)
{
	int status = -1;

	if (move_pages(0, 1, &addr, NULL, &status, 0))
		return -errno;
	return status;
}

/* Why nothing here can be tested: a kernel without NUMA policies (CONFIG_NUMA off), or NULL. */
static const char *numa_missing(void)
{
	if (get_mempolicy(NULL, NULL, 0, NULL, 0) && errno == ENOSYS)
		return "the kernel has no NUMA policies (get_mempolicy: ENOSYS; CONFIG_NUMA off)";
	return NULL;
}

#define SKIP_WITHOUT_NUMA()                         \
	do {                                        \
		const char *__why = numa_missing(); \
		if (__why)                          \
			SKIP(return, "%s", __why);  \
	} while (0)

static bool memfd_secret_works(void)
{
	int fd = (int)syscall(__NR_memfd_secret, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

FIXTURE(region)
{
	struct mem_region mem;
};

FIXTURE_VARIANT(region)
{
	enum mem_backend_id id;
};

FIXTURE_VARIANT_ADD(region, anon){
	.id = MEM_ANON,
};

FIXTURE_VARIANT_ADD(region, anon_thp){
	.id = MEM_ANON_THP,
};

FIXTURE_VARIANT_ADD(region, memfd){
	.id = MEM_MEMFD,
};

FIXTURE_VARIANT_ADD(region, memfd_thp){
	.id = MEM_MEMFD_THP,
};

FIXTURE_SETUP(region)
{
	memset(&self->mem, 0, sizeof(self->mem));
	SKIP_WITHOUT_NUMA();
}

FIXTURE_TEARDOWN(region)
{
	mem_destroy(&self->mem);
}

/* Bound to node 0 before the first touch; the policy and the pages read back as node 0. */
TEST_F(region, bound_to_node_0_before_the_first_touch)
{
	const struct mem_backend *b = mem_backends[variant->id];
	unsigned long nodes = 0;
	uint8_t *p;

	ASSERT_EQ(0, mem_create(&self->mem, b, -1, 4 * SZ_2M, &node0))
	TH_LOG("%s", gmb_last_error());
	EXPECT_EQ(MEM_BINDING_APPLIED, self->mem.binding);
	p = self->mem.hva;
	/* Nothing was touched by the binding itself. */
	EXPECT_EQ(-ENOENT, node_of_page(p));
	EXPECT_EQ(MPOL_BIND, policy_at(p, &nodes));
	EXPECT_EQ(1, nodes);
	memset(p, 0x5a, self->mem.size);
	EXPECT_EQ(0, node_of_page(p));
	EXPECT_EQ(0, node_of_page(p + self->mem.size - SZ_4K));
}

/* The readback samples pages evenly and counts them by node; untouched ones as absent. */
TEST_F(region, read_back_by_node)
{
	struct numa_readback rb;
	uint8_t *p;

	ASSERT_EQ(0, mem_create(&self->mem, mem_backends[variant->id], -1, 4 * SZ_2M, &node0));
	p = self->mem.hva;
	ASSERT_EQ(0, numa_read_back(&self->mem, NUMA_READBACK_PAGES, false, &rb));
	EXPECT_EQ(NUMA_READBACK_PAGES, rb.sampled);
	EXPECT_EQ(NUMA_READBACK_PAGES, rb.not_present);
	EXPECT_EQ(0, numa_landed_nodes(&rb));
	/* The first half only, at 4 KiB: a huge page backend may fault in a little more. */
	for (uint64_t off = 0; off < self->mem.size / 2; off += SZ_4K)
		p[off] = 1;
	ASSERT_EQ(0, numa_read_back(&self->mem, NUMA_READBACK_PAGES, false, &rb));
	EXPECT_EQ(NUMA_READBACK_PAGES, rb.sampled);
	EXPECT_TRUE(rb.on_node[0] >= NUMA_READBACK_PAGES / 2) TH_LOG("%u", rb.on_node[0]);
	EXPECT_EQ(NUMA_READBACK_PAGES, rb.on_node[0] + rb.not_present);
	EXPECT_EQ(0, rb.unreadable);
	EXPECT_EQ(1, numa_landed_nodes(&rb));
	EXPECT_STREQ("move_pages", rb.method);
	memset(p, 1, self->mem.size);
	ASSERT_EQ(0, numa_read_back(&self->mem, NUMA_READBACK_PAGES, false, &rb));
	EXPECT_EQ(NUMA_READBACK_PAGES, rb.on_node[0]);
	/* A region smaller than the sample is read page by page. */
	ASSERT_EQ(0, numa_read_back(&self->mem, 1 << 20, false, &rb));
	EXPECT_EQ(self->mem.size / SZ_4K, rb.on_node[0]);
}

/* interleave over every node: on a one-node host it is node 0, and it still runs. */
TEST_F(region, interleave_on_one_node_still_runs)
{
	const struct mem_policy interleave = { .mode = MEM_POLICY_INTERLEAVE, .nodes = 1 };
	unsigned long nodes = 0;

	ASSERT_EQ(0, mem_create(&self->mem, mem_backends[variant->id], -1, SZ_2M, &interleave))
	TH_LOG("%s", gmb_last_error());
	EXPECT_EQ(MEM_BINDING_APPLIED, self->mem.binding);
	EXPECT_EQ(MPOL_INTERLEAVE, policy_at(self->mem.hva, &nodes));
	EXPECT_EQ(1, nodes);
	memset(self->mem.hva, 1, self->mem.size);
	EXPECT_EQ(0, node_of_page(self->mem.hva));
}

/* No policy asked: nothing is set, and the results say so. */
TEST_F(region, no_policy_leaves_the_kernel_default)
{
	unsigned long nodes = 0;

	ASSERT_EQ(0, mem_create(&self->mem, mem_backends[variant->id], -1, SZ_2M, NULL));
	EXPECT_EQ(MEM_BINDING_NONE, self->mem.binding);
	EXPECT_EQ(MPOL_DEFAULT, policy_at(self->mem.hva, &nodes));
}

/* A node the host does not have is an error that names it, and no memory is left behind. */
TEST(a_node_the_host_lacks_is_refused)
{
	const struct mem_policy node5 = { .mode = MEM_POLICY_BIND, .nodes = 1 << 5 };
	struct mem_region mem;

	SKIP_WITHOUT_NUMA();
	if (!access("/sys/devices/system/node/node5", F_OK))
		SKIP(return, "this host has a node 5");
	EXPECT_EQ(-EINVAL, mem_create(&mem, mem_backends[MEM_ANON], -1, SZ_2M, &node5));
	EXPECT_NE(NULL, strstr(gmb_last_error(), "mbind(bind, nodes 5) on anon failed"))
	{
		TH_LOG("%s", gmb_last_error());
	}
	EXPECT_EQ(NULL, mem.backend);
}

/* memfd_secret takes no policy from its mapping: recorded as such, and it still runs. */
TEST(memfd_secret_says_it_cannot_be_bound)
{
	struct mem_region mem;

	SKIP_WITHOUT_NUMA();
	if (!memfd_secret_works())
		SKIP(return, "memfd_secret is not available here");
	ASSERT_EQ(0, mem_create(&mem, mem_backends[MEM_MEMFD_SECRET], -1, SZ_2M, &node0));
	EXPECT_EQ(MEM_BINDING_UNSUPPORTED, mem.binding);
	EXPECT_NE(NULL, strstr(mem.binding_reason, "faulting thread's NUMA policy"));
	memset(mem.hva, 1, SZ_4K);
	EXPECT_EQ(0, node_of_page(mem.hva));
	mem_destroy(&mem);
}

/* hugetlb bound to a node takes that node's pool: a short pool is an error, not a SIGBUS. */
TEST(hugetlb_needs_the_nodes_pool)
{
	const struct mem_policy far = { .mode = MEM_POLICY_BIND, .nodes = 1ULL << 63 };
	struct mem_region mem;

	EXPECT_EQ(-ENOMEM, mem_create(&mem, mem_backends[MEM_MEMFD_HUGETLB], -1, SZ_2M, &far));
	EXPECT_NE(NULL, strstr(gmb_last_error(), "node(s) 63 have 0 free 2 MiB huge pages, 1 "
						 "needed"))
	{
		TH_LOG("%s", gmb_last_error());
	}
}

/*
 * guest_memfd takes a policy through its mapping only where the kernel keeps one in the file
 * (Linux 6.19+): then it is applied; otherwise, and for a private guest_memfd, which has no
 * mapping, the region says why not.
 */
TEST(guest_memfd_is_bound_where_the_kernel_keeps_a_policy)
{
	struct mem_region mem;
	unsigned long nodes = 0;
	struct vm *vm;

	SKIP_WITHOUT_KVM();
	SKIP_WITHOUT_NUMA();
	ASSERT_EQ(0, vm_create(&vm, KVM_X86_DEFAULT_VM)) TH_LOG("%s", gmb_last_error());
	if (!kvm_check_cap(vm->fd, KVM_CAP_GUEST_MEMFD)) {
		vm_destroy(vm);
		SKIP(return, "KVM_CAP_GUEST_MEMFD is 0");
	}
	ASSERT_EQ(0, mem_create(&mem, mem_backends[MEM_GMEM], vm->fd, SZ_2M, &node0));
	EXPECT_EQ(MEM_BINDING_UNSUPPORTED, mem.binding);
	EXPECT_NE(NULL, strstr(mem.binding_reason, "no host mapping to mbind()"));
	mem_destroy(&mem);
	if ((kvm_check_cap(vm->fd, KVM_CAP_GUEST_MEMFD_FLAGS) & 3) == 3) {
		ASSERT_EQ(0, mem_create(&mem, mem_backends[MEM_GMEM_MMAP], vm->fd, SZ_2M, &node0))
		TH_LOG("%s", gmb_last_error());
		if (mem.binding == MEM_BINDING_APPLIED) {
			EXPECT_EQ(MPOL_BIND, policy_at(mem.hva, &nodes));
		} else {
			EXPECT_EQ(MEM_BINDING_UNSUPPORTED, mem.binding);
			EXPECT_NE(NULL, strstr(mem.binding_reason, "keeps no NUMA policy"));
			/* The label is taken off the mapping again. */
			EXPECT_EQ(MPOL_DEFAULT, policy_at(mem.hva, &nodes));
		}
		TH_LOG("gmem-mmap: %s %s",
		       mem.binding == MEM_BINDING_APPLIED ? "bound" : "not bound:",
		       mem.binding_reason);
		mem_destroy(&mem);
	}
	vm_destroy(vm);
}

TEST(node_lists_read_as_ranges)
{
	char text[64];

	EXPECT_STREQ("0", mem_nodes_text(1, text, sizeof(text)));
	EXPECT_STREQ("0-1,3", mem_nodes_text(0xb, text, sizeof(text)));
	EXPECT_STREQ("", mem_nodes_text(0, text, sizeof(text)));
	EXPECT_STREQ("63", mem_nodes_text(1ULL << 63, text, sizeof(text)));
}

TEST_HARNESS_MAIN
