// SPDX-License-Identifier: GPL-2.0
/*
 * Every backend: create it, bind it to a memslot, run a guest whose code, page tables and
 * data live in it, and check from the host what the guest wrote. A backend this host lacks
 * skips with the probe's reason. The no-direct-map guest_memfd family also: each backend's
 * access strategy, how the probe decides from the kernel's capabilities whether it can be
 * had, that creating memory fails loudly when it cannot, and that KVM really uses it.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "vmm/guest.h"
#include "host/probe.h"
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
BACKEND_VARIANT(gmem_dmap, MEM_GMEM_DMAP);
BACKEND_VARIANT(gmem_permm, MEM_GMEM_PERMM);
_Static_assert(MEM_NR_BACKENDS == 11, "every backend has a test variant");

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

	/* The data area's offset in its region: all of it when split, else after the boot. */
	offset = g.split ? 0 : g.vm->layout.data_gpa;
	ASSERT_EQ(0, mem_punch_hole(&g.mem, offset, g.vm->layout.data_size))
	TH_LOG("%s", gmb_last_error());
	data = vm_gpa_to_hva(g.vm, g.vm->layout.data_gpa);
	/* Private memory the host cannot read: churn_test's guest reads the zeroes instead. */
	for (uint64_t i = 0; data && i < g.vm->layout.data_size / 8; i += 512) {
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

/* What a process holds: open fds, threads, resident memory (KiB). */
struct holdings {
	long fds, threads, rss_kb;
};

static void read_holdings(struct holdings *h)
{
	char line[256];
	FILE *f;
	DIR *d;

	h->fds = h->threads = h->rss_kb = -1;
	d = opendir("/proc/self/fd");
	if (d) {
		for (h->fds = 0; readdir(d);)
			h->fds++;
		closedir(d);
	}
	f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "Threads: %ld", &h->threads);
		sscanf(line, "VmRSS: %ld", &h->rss_kb);
	}
	if (f)
		fclose(f);
}

/* Nested under TCG a cycle takes up to a few hundred ms: a hundred, not thousands, there. */
#define HYGIENE_CYCLES 100

/*
 * A hundred guests from one backend, each created, run and destroyed: no fd (VM, vCPU,
 * memfd, guest_memfd), thread or memory may stay behind. A memslot lives in its VM, so a VM fd
 * left open would show here too.
 */
TEST_F_TIMEOUT(backend, nothing_leaks_over_many_guests, 180)
{
	struct vm_guest_config cfg = {
		.payload = guest_payload_find("touch"),
		.nr_vcpus = 1,
		.guest_page_size = SZ_4K,
		.data_size = SZ_2M,
		.param = SEED,
	};
	struct holdings before, after;

	SKIP_WITHOUT_KVM();
	SKIP_UNLESS_AVAILABLE();
	for (int i = 0; i < HYGIENE_CYCLES; i++) {
		struct guest g;

		/* The first cycles warm the allocators; count from the tenth. */
		if (i == 10)
			read_holdings(&before);
		ASSERT_EQ(0, guest_create(&g, mem_backends[variant->id], &cfg))
		TH_LOG("cycle %d: %s", i, gmb_last_error());
		run_touch(_metadata, &g, SEED);
		guest_destroy(&g);
	}
	read_holdings(&after);
	TH_LOG("%d guests: fds %ld -> %ld, threads %ld -> %ld, RSS %ld -> %ld KiB",
	       HYGIENE_CYCLES - 10, before.fds, after.fds, before.threads, after.threads,
	       before.rss_kb, after.rss_kb);
	ASSERT_LT(0, before.fds);
	EXPECT_EQ(before.fds, after.fds);
	EXPECT_EQ(before.threads, after.threads);
	/* 2 MiB of data a guest: a leak of one guest's memory in ten would pass 18 MiB. */
	EXPECT_LT(after.rss_kb - before.rss_kb, 8 * 1024);
}

/* The backends with an access strategy, what the results call it, and what KVM calls it. */
static const struct {
	enum mem_backend_id id;
	enum mem_access access;
	const char *name, *kvm_name;
	unsigned int kvm_value;
} strategies[] = {
	{ MEM_GMEM_NODIRECT, MEM_ACCESS_USER, "user", "USER", 0 },
	{ MEM_GMEM_DMAP, MEM_ACCESS_DIRECT_MAP, "direct-map", "DIRECT_MAP", 1 },
	{ MEM_GMEM_PERMM, MEM_ACCESS_PER_MM, "per-mm", "PER_MM", 2 },
};

TEST(access_strategy_is_named_and_recorded_per_backend)
{
	struct backend_probe probes[MEM_NR_BACKENDS] = { 0 };
	json_t *backends;

	for (int i = 0; i < MEM_NR_BACKENDS; i++) {
		probes[i].backend = mem_backends[i];
		probes[i].status = BACKEND_AVAILABLE;
	}
	backends = probe_backends_json(probes, MEM_NR_BACKENDS);
	ASSERT_EQ(MEM_NR_BACKENDS, json_array_size(backends));
	for (int i = 0; i < MEM_NR_BACKENDS; i++) {
		const struct mem_backend *b = mem_backends[i];
		json_t *recorded = json_object_get(json_array_get(backends, i), "access_strategy");
		const char *want = NULL;

		for (size_t k = 0; k < ARRAY_SIZE(strategies); k++) {
			if (strategies[k].id != b->id)
				continue;
			want = strategies[k].name;
			EXPECT_EQ(strategies[k].access, b->access);
			EXPECT_STREQ(strategies[k].kvm_name, mem_access_kvm_name(b->access));
			EXPECT_EQ(strategies[k].kvm_value, mem_access_kvm_value(b->access));
			EXPECT_EQ(b->access, mem_access_from_kvm(strategies[k].kvm_value));
			/* One implementation: the family differs only in its strategy. */
			EXPECT_EQ(mem_backends[MEM_GMEM_NODIRECT]->create, b->create);
			EXPECT_EQ(mem_backends[MEM_GMEM_NODIRECT]->probe, b->probe);
		}
		/* Every backend records it: a name, or null where the question does not arise. */
		ASSERT_NE(NULL, recorded) TH_LOG("%s has no access_strategy", b->name);
		if (want) {
			EXPECT_STREQ(want, mem_access_name(b->access));
			EXPECT_STREQ(want, json_string_value(recorded)) TH_LOG("%s", b->name);
		} else {
			EXPECT_TRUE(json_is_null(recorded)) TH_LOG("%s", b->name);
			EXPECT_EQ(MEM_ACCESS_NONE, b->access);
			EXPECT_EQ(NULL, mem_access_name(b->access));
		}
	}
	EXPECT_EQ(MEM_ACCESS_NONE, mem_access_from_kvm(3));
	json_decref(backends);
}

/* The probe's static verdict for a backend on a kernel that reports these capabilities. */
static int probe_with(enum mem_backend_id id, long gmem_flags, long access_mask, bool param,
		      char *reason, size_t len)
{
	const struct host_caps caps = {
		.kvm_usable = true,
		.cap_guest_memfd = 1,
		.cap_guest_memfd_flags = gmem_flags,
		.cap_gmem_no_direct_map_access = access_mask,
		.gmem_access_param_present = param,
		.gmem_access_param = param ? 0 : -1,
	};

	return backend_probe_static(&caps, mem_backends[id], reason, len);
}

#define EXPECT_REASON(text, reason) EXPECT_NE(NULL, strstr(reason, text)) TH_LOG("%s", reason)

TEST(access_strategy_needs_the_flag_and_the_series)
{
	const long flags_6_18 = 0x3, flags_nodirect = 0x7, all = 0x7;
	char why[320];

	/* 6.18 (this development host): no NO_DIRECT_MAP, no series; each lack is named. */
	ASSERT_EQ(-EOPNOTSUPP,
		  probe_with(MEM_GMEM_NODIRECT, flags_6_18, 0, false, why, sizeof(why)));
	EXPECT_REASON("KVM_CAP_GUEST_MEMFD_FLAGS is 0x3, lacks NO_DIRECT_MAP", why);
	EXPECT_EQ(NULL, strstr(why, "KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS")) TH_LOG("%s", why);
	ASSERT_EQ(-EOPNOTSUPP, probe_with(MEM_GMEM_DMAP, flags_6_18, 0, false, why, sizeof(why)));
	EXPECT_REASON("lacks NO_DIRECT_MAP", why);
	EXPECT_REASON("KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS absent: needs kernel-patches/7.3.4", why);

	/* The posted upstream flag alone: USER is KVM's only way, and nothing is set. */
	EXPECT_EQ(0, probe_with(MEM_GMEM_NODIRECT, flags_nodirect, 0, false, why, sizeof(why)));
	EXPECT_EQ(0, mem_access_check(MEM_ACCESS_USER, 0, false, why, sizeof(why)));
	ASSERT_EQ(-EOPNOTSUPP,
		  probe_with(MEM_GMEM_PERMM, flags_nodirect, 0, false, why, sizeof(why)));
	EXPECT_STREQ("KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS absent: needs kernel-patches/7.3.4", why);

	/* The whole series: every strategy, each set explicitly (USER too). */
	for (size_t k = 0; k < ARRAY_SIZE(strategies); k++) {
		EXPECT_EQ(0,
			  probe_with(strategies[k].id, flags_nodirect, all, true, why, sizeof(why)))
		TH_LOG("%s", why);
		EXPECT_EQ(1, mem_access_check(strategies[k].access, all, true, why, sizeof(why)));
	}

	/* Capability 1000 without the module parameter is not the series: the number is out of tree. */
	EXPECT_EQ(0, probe_with(MEM_GMEM_NODIRECT, flags_nodirect, all, false, why, sizeof(why)));
	EXPECT_EQ(0, mem_access_check(MEM_ACCESS_USER, all, false, why, sizeof(why)));
	ASSERT_EQ(-EOPNOTSUPP,
		  probe_with(MEM_GMEM_DMAP, flags_nodirect, all, false, why, sizeof(why)));
	EXPECT_REASON("not the gmembench kernel series", why);

	/* A kernel that offers only some strategies. */
	ASSERT_EQ(-EOPNOTSUPP,
		  probe_with(MEM_GMEM_PERMM, flags_nodirect, 0x3, true, why, sizeof(why)));
	EXPECT_STREQ("KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS is 0x3, lacks PER_MM (bit 2)", why);
	EXPECT_EQ(0, probe_with(MEM_GMEM_DMAP, flags_nodirect, 0x3, true, why, sizeof(why)));
	ASSERT_EQ(-EOPNOTSUPP,
		  probe_with(MEM_GMEM_NODIRECT, flags_nodirect, 0x6, true, why, sizeof(why)));
	EXPECT_STREQ("KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS is 0x6, lacks USER (bit 0)", why);

	/* Backends without a strategy do not look at it. */
	EXPECT_EQ(0, probe_with(MEM_ANON, flags_6_18, 0, false, why, sizeof(why)));
	EXPECT_EQ(0, probe_with(MEM_GMEM_MMAP, flags_6_18, 0x5, false, why, sizeof(why)));
	EXPECT_EQ(0, mem_access_check(MEM_ACCESS_NONE, 0, false, why, sizeof(why)));
}

/* The no-direct-map family on this host's kernel. */
FIXTURE(access)
{
	struct host_caps caps;
	struct backend_probe probe;
};

FIXTURE_VARIANT(access)
{
	enum mem_backend_id id;
};

FIXTURE_VARIANT_ADD(access, gmem_nodirect){
	.id = MEM_GMEM_NODIRECT,
};

FIXTURE_VARIANT_ADD(access, gmem_dmap){
	.id = MEM_GMEM_DMAP,
};

FIXTURE_VARIANT_ADD(access, gmem_permm){
	.id = MEM_GMEM_PERMM,
};

FIXTURE_SETUP(access)
{
	host_caps_read(&self->caps);
	backend_probe(&self->caps, mem_backends[variant->id], &self->probe);
}

FIXTURE_TEARDOWN(access)
{
}

/* Memory for a strategy the kernel lacks is refused with the probe's reason, not made anyway. */
TEST_F(access, creation_fails_loudly_when_the_kernel_lacks_the_strategy)
{
	const struct mem_backend *b = mem_backends[variant->id];
	struct mem_region mem;
	struct vm *vm;
	char why[256];
	int lacks;

	SKIP_WITHOUT_KVM();
	ASSERT_EQ(0, vm_create(&vm, KVM_X86_DEFAULT_VM)) TH_LOG("%s", gmb_last_error());
	lacks = mem_access_check(b->access,
				 kvm_check_cap(vm->fd, KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS),
				 !access(GMB_GMEM_NO_DIRECT_MAP_ACCESS_PARAM, F_OK), why,
				 sizeof(why));
	if (lacks >= 0) {
		vm_destroy(vm);
		if (!lacks)
			SKIP(return,
				   "%s: nothing to set without the kernel series (%s access is "
				   "KVM's only way)",
				   b->name, mem_access_name(b->access));
		SKIP(return,
			   "this kernel offers %s access: creation sets it (the backend tests "
			   "run on it)",
			   mem_access_name(b->access));
	}
	EXPECT_EQ(-EOPNOTSUPP, mem_create(&mem, b, vm->fd, SZ_2M, NULL));
	EXPECT_NE(NULL, strstr(gmb_last_error(), why)) TH_LOG("%s", gmb_last_error());
	EXPECT_NE(NULL, strstr(gmb_last_error(), b->name)) TH_LOG("%s", gmb_last_error());
	EXPECT_EQ(NULL, mem.backend);
	vm_destroy(vm);
}

/*
 * DIRECT_MAP and PER_MM do not go through the VMM's mapping: with it taken away after the guest
 * is loaded, KVM still fetches, walks and emulates a store to MMIO from this memory. A new VM
 * starts with the module parameter's strategy (USER by default), which would need the mapping:
 * that the store is emulated shows that gmembench set the backend's strategy on the VM.
 */
TEST_F(access, kvm_reaches_guest_memory_without_the_vmm_mapping)
{
	const uint64_t selftest_mmio = 5; /* SELFTEST_MMIO in guest/payloads/selftest.c */
	struct vm_guest_config cfg = {
		.payload = guest_payload_find("selftest"),
		.nr_vcpus = 1,
		.guest_page_size = SZ_4K,
		.data_size = SZ_4K,
		.param = selftest_mmio,
	};
	const struct mem_backend *b = mem_backends[variant->id];
	struct kvm_run *run;
	struct ucall uc;
	struct guest g;
	int ret;

	SKIP_WITHOUT_KVM();
	if (b->access == MEM_ACCESS_USER)
		SKIP(return,
			   "%s: KVM reaches its memory through the VMM's mapping, which this "
			   "test takes away",
			   b->name);
	if (self->probe.status != BACKEND_AVAILABLE)
		SKIP(return, "%s %s: %s", b->name, backend_status_name(self->probe.status),
			   self->probe.reason);
	ASSERT_EQ(0, guest_create(&g, b, &cfg)) TH_LOG("%s", gmb_last_error());
	ASSERT_NE(NULL, g.mem.hva);
	/* The memslot keeps its userspace_addr; nothing can be read there any more. */
	ASSERT_EQ(g.mem.hva, mmap(g.mem.hva, g.mem.size, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0));
	run = g.vm->vcpus[0]->run;
	ASSERT_EQ(0, guest_watchdog_arm(5000));
	ret = vcpu_run(g.vm->vcpus[0]);
	guest_watchdog_arm(0);
	ASSERT_EQ(0, ret) TH_LOG("%s", gmb_last_error());
	ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason)
	{
		vcpu_unexpected_exit(g.vm->vcpus[0], NULL);
		TH_LOG("%s access: %s", mem_access_name(b->access), gmb_last_error());
	}
	EXPECT_EQ(g.vm->layout.mmio_gpa, run->mmio.phys_addr);
	EXPECT_TRUE(run->mmio.is_write);
	EXPECT_EQ(4, run->mmio.len);
	EXPECT_EQ(0x12345678, *(uint32_t *)run->mmio.data);
	ASSERT_EQ(0, vcpu_run_to_ucall(g.vm->vcpus[0], &uc)) TH_LOG("%s", gmb_last_error());
	EXPECT_EQ(GMB_UCALL_DONE, uc.cmd);
	guest_destroy(&g);
}

TEST_HARNESS_MAIN
