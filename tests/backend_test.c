// SPDX-License-Identifier: GPL-2.0
/*
 * Every backend: create it, bind it to a memslot, run a guest whose code, page tables and
 * data live in it, and check from the host what the guest wrote. A backend this host lacks
 * skips with the probe's reason.
 */
#include <string.h>

#include "kselftest_harness.h"

#include "guest.h"
#include "probe.h"
#include "test_util.h"

#define SEED 0x0123456789abcdefULL

FIXTURE(backend)
{
	struct host_caps caps;
	struct backend_probe probe;
};

FIXTURE_VARIANT(backend)
{
	enum mem_backend_id id;
};

#define BACKEND_VARIANT(variant, backend_id)  \
	FIXTURE_VARIANT_ADD(backend, variant) \
	{                                     \
		.id = backend_id,             \
	}

BACKEND_VARIANT(anon, MEM_ANON);
BACKEND_VARIANT(anon_thp, MEM_ANON_THP);
BACKEND_VARIANT(memfd, MEM_MEMFD);
BACKEND_VARIANT(memfd_thp, MEM_MEMFD_THP);
BACKEND_VARIANT(memfd_hugetlb, MEM_MEMFD_HUGETLB);
BACKEND_VARIANT(memfd_secret, MEM_MEMFD_SECRET);
BACKEND_VARIANT(gmem, MEM_GMEM);
BACKEND_VARIANT(gmem_mmap, MEM_GMEM_MMAP);
BACKEND_VARIANT(gmem_nodirect, MEM_GMEM_NODIRECT);
_Static_assert(MEM_NR_BACKENDS == 9, "every backend has a test variant");

FIXTURE_SETUP(backend)
{
	host_caps_read(&self->caps);
	backend_probe(&self->caps, mem_backends[variant->id], &self->probe);
}

FIXTURE_TEARDOWN(backend)
{
}

#define SKIP_UNLESS_AVAILABLE()                                                                  \
	do {                                                                                     \
		if (self->probe.status != BACKEND_AVAILABLE)                                     \
			SKIP(return, "%s %s: %s", mem_backends[variant->id]->name,               \
				   backend_status_name(self->probe.status), self->probe.reason); \
	} while (0)

static void run_touch(struct __test_metadata *_metadata, struct guest *g, uint64_t seed)
{
	struct ucall uc;

	ASSERT_EQ(0, vcpu_run_to_ucall(g->vm->vcpus[0], &uc)) TH_LOG("%s", gmb_last_error());
	ASSERT_EQ(GMB_UCALL_RESULT, uc.cmd);
	ASSERT_EQ(g->vm->layout.data_size / 8, uc.args[1]);
}

static void check_pattern(struct __test_metadata *_metadata, struct guest *g, uint64_t seed)
{
	uint64_t *data = vm_gpa_to_hva(g->vm, g->vm->layout.data_gpa);

	ASSERT_NE(NULL, data);
	for (uint64_t i = 0; i < g->vm->layout.data_size / 8; i++) {
		ASSERT_EQ((g->vm->layout.data_gpa + i * 8) ^ seed, data[i])
		{
			TH_LOG("qword %llu", (unsigned long long)i);
		}
	}
}

/* The probe's verdict agrees with what the backend says it needs. */
TEST_F(backend, probe_gives_a_reason_when_not_available)
{
	SKIP_WITHOUT_KVM();
	if (self->probe.status == BACKEND_AVAILABLE) {
		EXPECT_EQ('\0', self->probe.reason[0]);
	} else {
		EXPECT_LT(10, strlen(self->probe.reason));
	}
}

TEST_F(backend, guest_runs_from_backend_and_host_sees_its_writes)
{
	struct vm_guest_config cfg = {
		.payload = guest_payload_find("touch"),
		.nr_vcpus = 1,
		.guest_page_size = SZ_4K,
		.data_size = 2 * SZ_2M,
		.param = SEED,
	};
	struct guest g;

	SKIP_WITHOUT_KVM();
	SKIP_UNLESS_AVAILABLE();
	ASSERT_EQ(0, guest_create(&g, mem_backends[variant->id], &cfg))
	TH_LOG("%s", gmb_last_error());
	/* Code and page tables are in the backend too, unless the host cannot map it. */
	EXPECT_EQ(g.split, mem_backends[variant->id]->no_host_map);
	run_touch(_metadata, &g, SEED);
	if (g.mem.hva)
		check_pattern(_metadata, &g, SEED);
	guest_destroy(&g);
}

TEST_F(backend, punched_memory_reads_zero_and_refaults)
{
	struct vm_guest_config cfg = {
		.payload = guest_payload_find("touch"),
		.nr_vcpus = 1,
		.guest_page_size = SZ_4K,
		.data_size = SZ_2M,
		.param = SEED,
	};
	struct guest g;
	struct ucall uc;
	uint64_t *data, offset;

	SKIP_WITHOUT_KVM();
	SKIP_UNLESS_AVAILABLE();
	if (!mem_backends[variant->id]->punch_hole)
		SKIP(return, "%s cannot punch holes", mem_backends[variant->id]->name);
	ASSERT_EQ(0, guest_create(&g, mem_backends[variant->id], &cfg))
	TH_LOG("%s", gmb_last_error());
	run_touch(_metadata, &g, SEED);
	ASSERT_EQ(0, vcpu_run_to_ucall(g.vm->vcpus[0], &uc));
	ASSERT_EQ(GMB_UCALL_DONE, uc.cmd);

	offset = g.vm->layout.data_gpa; /* the data area's offset in the single region */
	ASSERT_EQ(0, mem_punch_hole(&g.mem, offset, g.vm->layout.data_size))
	TH_LOG("%s", gmb_last_error());
	data = vm_gpa_to_hva(g.vm, g.vm->layout.data_gpa);
	for (uint64_t i = 0; i < g.vm->layout.data_size / 8; i += 512) {
		ASSERT_EQ(0, data[i]);
	}
	guest_destroy(&g);
}

TEST_F(backend, populate_then_run)
{
	struct vm_guest_config cfg = {
		.payload = guest_payload_find("touch"),
		.nr_vcpus = 1,
		.guest_page_size = SZ_2M,
		.data_size = SZ_2M,
		.param = ~SEED,
	};
	struct guest g;

	SKIP_WITHOUT_KVM();
	SKIP_UNLESS_AVAILABLE();
	ASSERT_EQ(0, guest_create(&g, mem_backends[variant->id], &cfg))
	TH_LOG("%s", gmb_last_error());
	ASSERT_EQ(0, mem_populate(&g.mem, 0, g.mem.size)) TH_LOG("%s", gmb_last_error());
	run_touch(_metadata, &g, ~SEED);
	if (g.mem.hva)
		check_pattern(_metadata, &g, ~SEED);
	guest_destroy(&g);
}

TEST_HARNESS_MAIN
