// SPDX-License-Identifier: GPL-2.0
/*
 * fault: every variant runs on a fresh guest per sample, touches every page of the data area
 * once, and reports; bad parameters are refused. memfd-secret's direct-map removal shows as
 * function-call IPIs, which the run test checks per touch.
 */
#include <string.h>

#include "kselftest_harness.h"

#include "vmm/guest.h"
#include "host/probe.h"
#include "test_util.h"
#include "run/workload.h"

extern const struct workload wl_fault;

#define DATA_SIZE (8 * SZ_2M)

FIXTURE(fault)
{
	struct host_caps caps;
	struct wl_case wc;
};

FIXTURE_VARIANT(fault)
{
	const char *name;
	enum mem_backend_id backend;
	unsigned int vcpus;
	uint64_t stride;
};

#define FAULT_VARIANT(id, variant, b, n, s)                             \
	FIXTURE_VARIANT_ADD(fault, id)                                  \
	{                                                               \
		.name = variant, .backend = b, .vcpus = n, .stride = s, \
	}

FAULT_VARIANT(touch_4k_anon, "guest-touch-4k", MEM_ANON, 1, SZ_4K);
FAULT_VARIANT(touch_2m_anon, "guest-touch-2m", MEM_ANON, 1, SZ_2M);
FAULT_VARIANT(populate_anon, "host-populate", MEM_ANON, 1, SZ_4K);
FAULT_VARIANT(populate_secret, "host-populate", MEM_MEMFD_SECRET, 1, SZ_4K);
FAULT_VARIANT(populate_gmem_mmap, "host-populate", MEM_GMEM_MMAP, 1, SZ_4K);
FAULT_VARIANT(prefault_anon, "prefault", MEM_ANON, 1, SZ_4K);
FAULT_VARIANT(touch_4k_2vcpus, "guest-touch-4k", MEM_MEMFD, 2, SZ_4K);

FIXTURE_SETUP(fault)
{
	memset(&self->wc, 0, sizeof(self->wc));
	self->wc.params = (struct wl_params){
		.workload = &wl_fault,
		.variant = variant->name,
		.backend = mem_backends[variant->backend],
		.nr_vcpus = variant->vcpus,
		.guest_page_size = SZ_4K,
		.data_size = DATA_SIZE,
	};
	host_caps_read(&self->caps);
}

FIXTURE_TEARDOWN(fault)
{
	wl_fault.teardown(&self->wc);
}

/* Two samples, each on a fresh guest, as the runner drives them. */
TEST_F(fault, every_page_touched_once_per_fresh_guest)
{
	struct backend_probe probe;
	char reason[256] = "";

	SKIP_WITHOUT_KVM();
	backend_probe(&self->caps, self->wc.params.backend, &probe);
	if (probe.status != BACKEND_AVAILABLE)
		SKIP(return, "%s: %s", self->wc.params.backend->name, probe.reason);
	if (wl_fault.valid(&self->wc.params, &self->caps, reason, sizeof(reason)))
		SKIP(return, "%s", reason);

	ASSERT_EQ(0, wl_fault.setup(&self->wc))
	{
		TH_LOG("%s", gmb_last_error());
	}
	for (int sample = 0; sample < 2; sample++) {
		uint64_t populate_ns = 0;

		ASSERT_EQ(0, wl_fault.sample_begin(&self->wc));
		ASSERT_EQ(0, wl_fault.sample_populate(&self->wc, &populate_ns))
		{
			TH_LOG("%s", gmb_last_error());
		}
		if (strcmp(variant->name, "host-populate") && strcmp(variant->name, "prefault")) {
			EXPECT_EQ(0, populate_ns);
		} else {
			EXPECT_LT(0, populate_ns);
		}
		for (unsigned int v = 0; v < variant->vcpus; v++) {
			struct wl_vcpu_sample s = { 0 };

			self->wc.params.raw = sample == 1;
			ASSERT_EQ(0, wl_fault.run_vcpu(&self->wc, v, 1, &s))
			{
				TH_LOG("%s", gmb_last_error());
			}
			EXPECT_EQ(DATA_SIZE / variant->vcpus / variant->stride, s.ops);
			EXPECT_LT(0, s.timed);
			EXPECT_LE(s.latency_p50, s.latency_max);
			EXPECT_LT(0, s.bytes);
		}
		wl_fault.sample_end(&self->wc);
		EXPECT_EQ(NULL, self->wc.guest.vm);
	}
}

TEST(size_not_a_multiple_of_the_stride_is_refused)
{
	struct wl_params params = {
		.workload = &wl_fault,
		.variant = "guest-touch-2m",
		.backend = mem_backends[MEM_ANON],
		.nr_vcpus = 3,
		.guest_page_size = SZ_4K,
		.data_size = 4 * SZ_2M,
	};
	struct host_caps caps = { 0 };
	char reason[256] = "";

	EXPECT_NE(0, wl_fault.valid(&params, &caps, reason, sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "stride"));
}

TEST(prefault_needs_the_capability)
{
	struct wl_params params = {
		.workload = &wl_fault,
		.variant = "prefault",
		.backend = mem_backends[MEM_ANON],
		.nr_vcpus = 1,
		.guest_page_size = SZ_4K,
		.data_size = SZ_2M,
	};
	struct host_caps caps = { .cap_pre_fault_memory = 0 };
	char reason[256] = "";

	EXPECT_NE(0, wl_fault.valid(&params, &caps, reason, sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "KVM_CAP_PRE_FAULT_MEMORY"));
}

/* The payload refuses a stride it does not know, naming where. */
TEST(payload_refuses_a_bad_stride)
{
	struct vm_guest_config cfg = {
		.payload = guest_payload_find("fault"),
		.nr_vcpus = 1,
		.guest_page_size = SZ_4K,
		.data_size = SZ_2M,
		.param = 12345,
	};
	struct ucall uc;
	struct guest g;

	SKIP_WITHOUT_KVM();
	ASSERT_EQ(0, guest_create(&g, mem_backends[MEM_ANON], &cfg));
	EXPECT_EQ(-EPROTO, vcpu_run_to_ucall(g.vm->vcpus[0], &uc));
	EXPECT_NE(NULL, strstr(gmb_last_error(), "guest assertion failed at fault.c:"))
	{
		TH_LOG("%s", gmb_last_error());
	}
	guest_destroy(&g);
}

TEST_HARNESS_MAIN
