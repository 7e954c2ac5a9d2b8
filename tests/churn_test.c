// SPDX-License-Identifier: GPL-2.0
/*
 * conversion-churn: every mechanism converts the ranges the guest asks for, the guest refaults
 * what it should (zeroes, or the pattern kept), and the integrity checks fail when memory is
 * not what they expect: a page changed behind the guest's back (the guest's check) and a page
 * the host's mapping sees wrong (the host's check before a sample).
 */
#include <pthread.h>
#include <string.h>

#include "kselftest_harness.h"

#include "host/probe.h"
#include "run/workload.h"
#include "test_util.h"
#include "vmm/guest.h"

extern const struct workload wl_churn;

#define DATA_SIZE (8 * SZ_2M)

FIXTURE(churn)
{
	struct host_caps caps;
	struct wl_case wc;
};

FIXTURE_VARIANT(churn)
{
	const char *name;
	enum mem_backend_id backend;
};

#define CHURN_VARIANT(id, variant, b)          \
	FIXTURE_VARIANT_ADD(churn, id)         \
	{                                      \
		.name = variant, .backend = b, \
	}

CHURN_VARIANT(none_4k_anon, "none-4k", MEM_ANON);
CHURN_VARIANT(none_2m_memfd, "none-2m", MEM_MEMFD);
CHURN_VARIANT(punch_4k_anon, "punch-4k", MEM_ANON);
CHURN_VARIANT(punch_2m_memfd, "punch-2m", MEM_MEMFD);
CHURN_VARIANT(punch_4k_gmem_mmap, "punch-4k", MEM_GMEM_MMAP);
CHURN_VARIANT(punch_4k_gmem, "punch-4k", MEM_GMEM);
CHURN_VARIANT(remap_4k_anon, "remap-4k", MEM_ANON);
CHURN_VARIANT(remap_4k_memfd, "remap-4k", MEM_MEMFD);
CHURN_VARIANT(remap_2m_secret, "remap-2m", MEM_MEMFD_SECRET);
CHURN_VARIANT(attributes_4k_gmem, "attributes-4k", MEM_GMEM);
CHURN_VARIANT(attributes_2m_gmem, "attributes-2m", MEM_GMEM);
CHURN_VARIANT(in_place_4k_gmem_mmap, "in-place-4k", MEM_GMEM_MMAP);
CHURN_VARIANT(in_place_2m_gmem_nodirect, "in-place-2m", MEM_GMEM_NODIRECT);
CHURN_VARIANT(in_place_4k_gmem_dmap, "in-place-4k", MEM_GMEM_DMAP);
CHURN_VARIANT(in_place_2m_gmem_permm, "in-place-2m", MEM_GMEM_PERMM);
CHURN_VARIANT(in_place_kvm_4k_gmem_dmap, "in-place-kvm-4k", MEM_GMEM_DMAP);
CHURN_VARIANT(in_place_kvm_2m_gmem_permm, "in-place-kvm-2m", MEM_GMEM_PERMM);

FIXTURE_SETUP(churn)
{
	struct backend_probe probe;
	char reason[256] = "";

	memset(&self->wc, 0, sizeof(self->wc));
	self->wc.params = (struct wl_params){
		.workload = &wl_churn,
		.variant = variant->name,
		.backend = mem_backends[variant->backend],
		.nr_vcpus = 1,
		.guest_page_size = SZ_4K,
		.data_size = DATA_SIZE,
	};
	SKIP_WITHOUT_KVM();
	host_caps_read(&self->caps);
	backend_probe(&self->caps, self->wc.params.backend, &probe);
	if (probe.status != BACKEND_AVAILABLE)
		SKIP(return, "%s: %s", self->wc.params.backend->name, probe.reason);
	if (wl_churn.valid(&self->wc.params, &self->caps, reason, sizeof(reason)))
		SKIP(return, "%s", reason);
	self->wc.caps = &self->caps;
	ASSERT_EQ(0, wl_churn.setup(&self->wc))
	{
		TH_LOG("%s", gmb_last_error());
	}
}

FIXTURE_TEARDOWN(churn)
{
	if (self->wc.priv)
		wl_churn.teardown(&self->wc);
}

static uint64_t range_of(const char *variant)
{
	return strstr(variant, "2m") ? SZ_2M : SZ_4K;
}

/* Three samples, as the runner drives them: more conversions than ranges, so each recurs. */
/* Under QEMU's TCG (the kernel series' test boot) a case takes longer than the default 30 s. */
TEST_F_TIMEOUT(churn, conversions_refault_and_keep_integrity, 180)
{
	uint64_t range = range_of(variant->name);
	uint64_t conversions = gmb_churn_ranges(DATA_SIZE, range) + 3;
	bool hypercall = self->caps.cap_exit_hypercall & (1L << KVM_HC_MAP_GPA_RANGE);

	/* The guest asks by hypercall wherever KVM can exit on it, and the case says so. */
	EXPECT_NE(NULL, strstr(self->wc.note, hypercall ? "with KVM_HC_MAP_GPA_RANGE"
							: "through the ucall channel"))
	{
		TH_LOG("note: %s", self->wc.note);
	}

	for (int sample = 0; sample < 3; sample++) {
		struct wl_vcpu_sample s = { 0 };

		ASSERT_EQ(0, wl_churn.sample_begin(&self->wc))
		{
			TH_LOG("%s", gmb_last_error());
		}
		ASSERT_EQ(0, wl_churn.run_vcpu(&self->wc, 0, conversions, &s))
		{
			TH_LOG("%s", gmb_last_error());
		}
		EXPECT_EQ(conversions, s.ops);
		EXPECT_EQ(conversions * range, s.bytes);
		EXPECT_LT(0, s.host_work_ns);
		EXPECT_LE(s.host_work_ns, s.host_ns);
		EXPECT_LT(0, s.timed);
		/* Each request timed by the guest, each conversion's host share by the host. */
		EXPECT_EQ(conversions, s.request_timed);
		EXPECT_LE(s.request_p50, s.request_p90);
		EXPECT_LE(s.request_p90, s.request_p99);
		EXPECT_LE(s.request_p99, s.request_max);
		EXPECT_LT(0, s.request_max);
		EXPECT_LT(0, s.host_work_p50);
		EXPECT_LE(s.host_work_p50, s.host_work_p99);
		EXPECT_LE(s.host_work_p99, s.host_work_max);
		EXPECT_LE(s.host_work_max, s.host_work_ns);
		/* Flipping mechanisms split the host's share by direction, half each way. */
		if (!strncmp(variant->name, "in-place", 8) ||
		    !strncmp(variant->name, "attributes", 10)) {
			EXPECT_EQ(conversions, s.kind_ops[0] + s.kind_ops[1]);
			EXPECT_LE(s.kind_ops[0] > s.kind_ops[1] ? s.kind_ops[0] - s.kind_ops[1]
								: s.kind_ops[1] - s.kind_ops[0],
				  1);
			EXPECT_EQ(s.host_work_ns, s.kind_work_ns[0] + s.kind_work_ns[1]);
		} else {
			EXPECT_EQ(0, s.kind_ops[0] + s.kind_ops[1]);
		}
	}
	ASSERT_EQ(0, wl_churn.sample_begin(&self->wc));
}

/* A page changed behind the guest's back between two conversions: the host's check sees it. */
TEST_F(churn, host_check_finds_a_changed_page)
{
	struct wl_vcpu_sample s = { 0 };
	struct guest *g = &self->wc.guest;
	uint64_t range = range_of(variant->name);
	uint64_t last = gmb_churn_ranges(DATA_SIZE, range) - 1;

	if (!g->mem.hva)
		SKIP(return, "%s has no host mapping", self->wc.params.backend->name);
	ASSERT_EQ(0, wl_churn.run_vcpu(&self->wc, 0, 2, &s));
	ASSERT_EQ(0, wl_churn.sample_begin(&self->wc));
	/* The last range's first page: not converted yet (in place, the first two are private). */
	((volatile uint64_t *)((uint8_t *)g->mem.hva + (g->split ? 0 : g->vm->layout.data_gpa) +
			       last * range))[0] ^= 1;
	EXPECT_EQ(-EIO, wl_churn.sample_begin(&self->wc));
	EXPECT_NE(NULL, strstr(gmb_last_error(), "integrity: GPA"));
}

/*
 * In place: a range the host counts as private but that is readable (here converted back to
 * shared behind the host's count) fails the host's check.
 */
TEST_F(churn, host_check_finds_a_private_range_readable)
{
	struct wl_vcpu_sample s = { 0 };
	struct guest *g = &self->wc.guest;
	uint64_t range = range_of(variant->name);

	if (strncmp(variant->name, "in-place", 8))
		SKIP(return, "only in place does a range leave the host's reach");
	ASSERT_EQ(0, wl_churn.run_vcpu(&self->wc, 0, 1, &s));
	ASSERT_EQ(0, wl_churn.sample_begin(&self->wc))
	{
		TH_LOG("%s", gmb_last_error());
	}
	ASSERT_EQ(0, mem_convert(&g->mem, g->split ? 0 : g->vm->layout.data_gpa, range, false))
	{
		TH_LOG("%s", gmb_last_error());
	}
	EXPECT_EQ(-EIO, wl_churn.sample_begin(&self->wc));
	EXPECT_NE(NULL, strstr(gmb_last_error(), "is private, yet the host's read of it succeeded"))
	{
		TH_LOG("%s", gmb_last_error());
	}
}

/*
 * attributes: the host sees only the shared side. A private range's data showing up there
 * (written here behind the host's back) fails the host's check.
 */
TEST_F(churn, host_check_sees_private_data_in_the_shared_side)
{
	struct wl_vcpu_sample s = { 0 };
	struct guest *g = &self->wc.guest;
	uint64_t range = range_of(variant->name), gpa = g->vm->layout.data_gpa + range;

	if (strncmp(variant->name, "attributes", 10) || !g->mem.shared_hva)
		SKIP(return, "only attributes keeps a shared side apart from the private memory");
	ASSERT_EQ(0, wl_churn.run_vcpu(&self->wc, 0, 1, &s));
	ASSERT_EQ(0, wl_churn.sample_begin(&self->wc))
	{
		TH_LOG("%s", gmb_last_error());
	}
	/* Range 1 is still private: its pattern must never be readable in the shared side. */
	*(volatile uint64_t *)((uint8_t *)g->mem.shared_hva + range) = gmb_churn_pattern(gpa, 0);
	EXPECT_EQ(-EIO, wl_churn.sample_begin(&self->wc));
	EXPECT_NE(NULL, strstr(gmb_last_error(), "in the shared side"))
	{
		TH_LOG("%s", gmb_last_error());
	}
}

/*
 * The same change, seen by the guest: its check before converting the range fails the sample
 * with the guest's assertion.
 */
TEST_F(churn, guest_check_finds_a_changed_page)
{
	struct wl_vcpu_sample s = { 0 };
	struct guest *g = &self->wc.guest;

	if (!g->mem.hva)
		SKIP(return, "%s has no host mapping", self->wc.params.backend->name);
	((volatile uint64_t *)((uint8_t *)g->mem.hva +
			       (g->split ? 0 : g->vm->layout.data_gpa)))[0] ^= 1;
	EXPECT_NE(0, wl_churn.run_vcpu(&self->wc, 0, 1, &s));
	EXPECT_NE(NULL, strstr(gmb_last_error(), "churn.c"))
	{
		TH_LOG("%s", gmb_last_error());
	}
}

TEST(a_backend_that_can_discard_and_room_for_bystanders)
{
	struct wl_params params = {
		.workload = &wl_churn,
		.variant = "punch-4k",
		.backend = mem_backends[MEM_MEMFD_SECRET],
		.nr_vcpus = 1,
		.guest_page_size = SZ_4K,
		.data_size = DATA_SIZE,
	};
	struct host_caps caps = { 0 };
	char reason[256] = "";

	EXPECT_EQ(-EOPNOTSUPP, wl_churn.valid(&params, &caps, reason, sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "cannot discard"));
	params.backend = mem_backends[MEM_GMEM];
	params.variant = "remap-4k";
	EXPECT_EQ(-EOPNOTSUPP, wl_churn.valid(&params, &caps, reason, sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "no host mapping"));
	params.backend = mem_backends[MEM_MEMFD_HUGETLB];
	EXPECT_EQ(-EOPNOTSUPP, wl_churn.valid(&params, &caps, reason, sizeof(reason)));
	params.backend = mem_backends[MEM_MEMFD];
	params.variant = "attributes-4k";
	EXPECT_EQ(-EOPNOTSUPP, wl_churn.valid(&params, &caps, reason, sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "VM type with private memory"));
	params.variant = "in-place-4k";
	EXPECT_EQ(-EOPNOTSUPP, wl_churn.valid(&params, &caps, reason, sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "not a guest_memfd with MMAP"));
	params.backend = mem_backends[MEM_GMEM_NODIRECT];
	EXPECT_EQ(-EOPNOTSUPP, wl_churn.valid(&params, &caps, reason, sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "KVM_CAP_GMEM_CONVERT_IN_PLACE is 0"));
	caps.cap_gmem_convert_in_place = KVM_MEMORY_ATTRIBUTE_PRIVATE;
	EXPECT_EQ(0, wl_churn.valid(&params, &caps, reason, sizeof(reason)));
	params.variant = "in-place-kvm-4k";
	EXPECT_EQ(-EOPNOTSUPP, wl_churn.valid(&params, &caps, reason, sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "only through the DIRECT_MAP or PER_MM"));
	params.backend = mem_backends[MEM_GMEM_PERMM];
	EXPECT_EQ(0, wl_churn.valid(&params, &caps, reason, sizeof(reason)));
	params.variant = "remap-2m";
	params.backend = mem_backends[MEM_ANON];
	params.nr_vcpus = 3;
	EXPECT_EQ(0, wl_churn.valid(&params, &caps, reason, sizeof(reason)));
	/* Two ranges and the metadata, but not the bystanders' 2 MiB each. */
	params.data_size = 3 * SZ_2M;
	params.nr_vcpus = 1;
	EXPECT_EQ(0, wl_churn.valid(&params, &caps, reason, sizeof(reason)));
	params.nr_vcpus = 2;
	EXPECT_EQ(-EINVAL, wl_churn.valid(&params, &caps, reason, sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "2 MiB per other vCPU"));
	params.nr_vcpus = 1;
	params.data_size = SZ_2M;
	params.variant = "punch-2m";
	EXPECT_EQ(-EINVAL, wl_churn.valid(&params, &caps, reason, sizeof(reason)));
	params.variant = "punch-4k";
	EXPECT_EQ(0, wl_churn.valid(&params, &caps, reason, sizeof(reason)));
}

/*
 * Bystanders: vCPUs 1 and 2 touch their own memory, alone and then while vCPU 0 converts, as
 * the runner drives them (a thread per vCPU). Their counts come back apart from vCPU 0's; a page
 * of a bystander's changed behind its back fails the sample, and vCPU 0 does not wait forever.
 */
struct bystander_arg {
	struct wl_case *wc;
	unsigned int index;
	struct wl_vcpu_sample out;
	int ret;
	char error[300];
};

static void *bystander_thread(void *p)
{
	struct bystander_arg *a = p;

	a->ret = wl_churn.run_vcpu(a->wc, a->index, 0, &a->out);
	snprintf(a->error, sizeof(a->error), "%s", a->ret ? gmb_last_error() : "");
	return NULL;
}

static int bystander_sample(struct wl_case *wc, uint64_t conversions, struct wl_vcpu_sample *s,
			    struct bystander_arg *a)
{
	pthread_t threads[2];
	int ret = wl_churn.sample_begin(wc);

	if (ret)
		return ret;
	for (unsigned int i = 0; i < 2; i++) {
		a[i] = (struct bystander_arg){ .wc = wc, .index = i + 1 };
		pthread_create(&threads[i], NULL, bystander_thread, &a[i]);
	}
	ret = wl_churn.run_vcpu(wc, 0, conversions, s);
	for (unsigned int i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	return ret;
}

FIXTURE(bystanders)
{
	struct host_caps caps;
	struct wl_case wc;
};

FIXTURE_SETUP(bystanders)
{
	memset(&self->wc, 0, sizeof(self->wc));
	self->wc.params = (struct wl_params){
		.workload = &wl_churn,
		.variant = "punch-4k",
		.backend = mem_backends[MEM_ANON],
		.nr_vcpus = 3,
		.guest_page_size = SZ_4K,
		.data_size = DATA_SIZE,
	};
	SKIP_WITHOUT_KVM();
	host_caps_read(&self->caps);
	self->wc.caps = &self->caps;
	ASSERT_EQ(0, wl_churn.setup(&self->wc))
	{
		TH_LOG("%s", gmb_last_error());
	}
}

FIXTURE_TEARDOWN(bystanders)
{
	if (self->wc.priv)
		wl_churn.teardown(&self->wc);
}

TEST_F_TIMEOUT(bystanders, touch_alone_then_during_conversions, 300)
{
	struct wl_case *wc = &self->wc;
	struct bystander_arg a[2];
	uint64_t conversions = 8;
	int ret;

	for (int sample = 0; sample < 2; sample++) {
		struct wl_vcpu_sample s = { 0 };

		ret = bystander_sample(wc, conversions, &s, a);
		ASSERT_EQ(0, ret)
		{
			TH_LOG("vCPU 0: %s; 1: %s; 2: %s", gmb_last_error(), a[0].error,
			       a[1].error);
		}
		EXPECT_EQ(conversions, s.ops);
		for (unsigned int i = 0; i < 2; i++) {
			EXPECT_EQ(0, a[i].ret);
			EXPECT_LT(0, a[i].out.alone_ops);
			EXPECT_LT(0, a[i].out.alone_cycles);
			EXPECT_LT(0, a[i].out.ops);
			EXPECT_LT(0, a[i].out.guest_cycles);
			/* Every touch checked its page: a whole number of 2 MiB passes in all. */
			EXPECT_EQ(a[i].out.ops + a[i].out.alone_ops, a[i].out.guest_checks);
			EXPECT_EQ(0, a[i].out.guest_checks % (GMB_BYSTANDER_BYTES / SZ_4K));
		}
	}

	/* vCPU 2's memory, the last 2 MiB of the data area, changed behind its back. */
	*(volatile uint64_t *)((uint8_t *)wc->guest.mem.hva +
			       (wc->guest.split ? 0 : wc->guest.vm->layout.data_gpa) + DATA_SIZE -
			       2 * GMB_BYSTANDER_BYTES) ^= 1;
	{
		struct wl_vcpu_sample s = { 0 };

		ret = bystander_sample(wc, conversions, &s, a);
	}
	EXPECT_NE(0, ret);
	EXPECT_NE(0, a[1].ret);
	EXPECT_NE(NULL, strstr(a[1].error, "bystander.h"))
	{
		TH_LOG("vCPU 2: %s", a[1].error);
	}
	EXPECT_NE(NULL, strstr(gmb_last_error(), "bystander.h"))
	{
		TH_LOG("vCPU 0: %s", gmb_last_error());
	}
}

TEST_HARNESS_MAIN
