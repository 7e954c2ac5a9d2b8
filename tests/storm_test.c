// SPDX-License-Identifier: GPL-2.0
/*
 * mmio-storm: every variant's guest payload runs a sample through the harness loop and the raw
 * loop, the host's exit count matches the guest's, and bad parameters are refused.
 */
#include <string.h>

#include "kselftest_harness.h"

#include "vmm/guest.h"
#include "host/probe.h"
#include "test_util.h"
#include "run/workload.h"

extern const struct workload wl_mmio_storm;

#define ACCESSES 300

FIXTURE(storm)
{
	struct host_caps caps;
	struct wl_case wc;
};

FIXTURE_VARIANT(storm)
{
	const char *name;
	unsigned int vcpus;
};

#define STORM_VARIANT(id, variant, n)        \
	FIXTURE_VARIANT_ADD(storm, id)       \
	{                                    \
		.name = variant, .vcpus = n, \
	}

STORM_VARIANT(pio, "pio", 1);
STORM_VARIANT(mmio_write, "mmio-write", 1);
STORM_VARIANT(mmio_read, "mmio-read", 1);
STORM_VARIANT(mmio_write_disp, "mmio-write-disp", 1);
STORM_VARIANT(mmio_read_movzx, "mmio-read-movzx", 1);
STORM_VARIANT(mmio_write_stos, "mmio-write-stos", 1);
STORM_VARIANT(mmio_spread, "mmio-spread", 1);
STORM_VARIANT(mmio_fast, "mmio-fast", 1);
STORM_VARIANT(mmio_write_3vcpus, "mmio-write", 3);
STORM_VARIANT(mmio_fast_3vcpus, "mmio-fast", 3);

FIXTURE_SETUP(storm)
{
	memset(&self->wc, 0, sizeof(self->wc));
	self->wc.params = (struct wl_params){
		.workload = &wl_mmio_storm,
		.variant = variant->name,
		.backend = mem_backends[MEM_ANON],
		.nr_vcpus = variant->vcpus,
		.guest_page_size = SZ_4K,
		.data_size = SZ_2M,
	};
	host_caps_read(&self->caps);
}

FIXTURE_TEARDOWN(storm)
{
	if (self->wc.guest.vm)
		wl_mmio_storm.teardown(&self->wc);
}

static void run_samples(struct __test_metadata *_metadata, struct wl_case *wc)
{
	for (unsigned int v = 0; v < wc->params.nr_vcpus; v++) {
		struct wl_vcpu_sample s = { 0 };

		ASSERT_EQ(0, wl_mmio_storm.run_vcpu(wc, v, ACCESSES, &s))
		{
			TH_LOG("%s", gmb_last_error());
		}
		/* Whole chunks (or spread passes) are run: at least what was asked. */
		EXPECT_LE(ACCESSES, s.ops);
		EXPECT_LT(0, s.guest_cycles);
		EXPECT_LT(0, s.host_ns);
	}
}

TEST_F(storm, runs_reports_and_counts_every_exit)
{
	char reason[256] = "";

	SKIP_WITHOUT_KVM();
	if (wl_mmio_storm.valid(&self->wc.params, &self->caps, reason, sizeof(reason)))
		SKIP(return, "%s", reason);
	ASSERT_EQ(0, wl_mmio_storm.setup(&self->wc))
	{
		TH_LOG("%s", gmb_last_error());
	}
	EXPECT_LT(0, self->wc.timer_floor_cycles);
	run_samples(_metadata, &self->wc);
	/* The raw twin drives the same guest, sample after sample. */
	self->wc.params.raw = true;
	run_samples(_metadata, &self->wc);
}

TEST(spread_refuses_2m_guest_pages)
{
	struct wl_params params = {
		.workload = &wl_mmio_storm,
		.variant = "mmio-spread",
		.backend = mem_backends[MEM_ANON],
		.nr_vcpus = 1,
		.guest_page_size = SZ_2M,
		.data_size = SZ_2M,
	};
	struct host_caps caps = { 0 };
	char reason[256] = "";

	EXPECT_NE(0, wl_mmio_storm.valid(&params, &caps, reason, sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "4 KiB"));
}

TEST(too_little_data_per_vcpu_is_refused)
{
	struct wl_params params = {
		.workload = &wl_mmio_storm,
		.variant = "mmio-write",
		.backend = mem_backends[MEM_ANON],
		.nr_vcpus = 8,
		.guest_page_size = SZ_4K,
		.data_size = 16 * 1024,
	};
	struct host_caps caps = { 0 };
	char reason[256] = "";

	EXPECT_NE(0, wl_mmio_storm.valid(&params, &caps, reason, sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "8 KiB"));
}

/* The payload itself refuses an access kind it does not know, naming where. */
TEST(payload_refuses_an_unknown_access_kind)
{
	struct vm_guest_config cfg = {
		.payload = guest_payload_find("storm"),
		.nr_vcpus = 1,
		.guest_page_size = SZ_4K,
		.data_size = SZ_2M,
		.param = GMB_STORM_NR_KINDS,
	};
	struct ucall uc;
	struct guest g;

	SKIP_WITHOUT_KVM();
	ASSERT_EQ(0, guest_create(&g, mem_backends[MEM_ANON], &cfg));
	EXPECT_EQ(-EPROTO, vcpu_run_to_ucall(g.vm->vcpus[0], &uc));
	EXPECT_NE(NULL, strstr(gmb_last_error(), "guest assertion failed at storm.c:"))
	{
		TH_LOG("%s", gmb_last_error());
	}
	guest_destroy(&g);
}

TEST_HARNESS_MAIN
