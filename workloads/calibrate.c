// SPDX-License-Identifier: GPL-2.0
/*
 * calibrate: the speed of the host in each round, from a guest loop that never exits (see
 * guest/payloads/calibrate.c). Not a benchmark of its own: run --normalize adds its one case
 * (variant alu, anon, 1 vCPU) to every round, and each other case's rate is also recorded over
 * the calibration's rate in the same round (<rate>_normalized), so that a host that changes
 * speed between rounds or between runs cancels out of an A/B comparison.
 *
 * The host side expects nothing but the RESULT: any exit that reaches userspace during the
 * loop fails the case, so a loop that is not what it claims cannot pass for the host's speed.
 */
#include <inttypes.h>
#include <stdio.h>

#include "core/util.h"
#include "run/workload.h"

static const char *const calibrate_variants[] = { "alu", NULL };

static int calibrate_valid(const struct wl_params *params, const struct host_caps *caps,
			   char *reason, size_t len)
{
	if (params->nr_vcpus != 1) {
		snprintf(reason, len, "the calibration runs on one vCPU");
		return -EINVAL;
	}
	return 0;
}

static int calibrate_setup(struct wl_case *wc)
{
	struct vm_guest_config cfg = {
		.payload = guest_payload_find("calibrate"),
		.nr_vcpus = wc->params.nr_vcpus,
		.guest_page_size = wc->params.guest_page_size,
		.data_size = wc->params.data_size,
	};
	int ret = guest_create(&wc->guest, wc->params.backend, &cfg);

	if (!ret)
		ret = wl_run_to_first_sync(wc);
	if (ret)
		guest_destroy(&wc->guest);
	return ret;
}

static void calibrate_teardown(struct wl_case *wc)
{
	guest_destroy(&wc->guest);
}

static int calibrate_run_vcpu(struct wl_case *wc, unsigned int index, uint64_t iterations,
			      struct wl_vcpu_sample *out)
{
	struct vcpu *vcpu = wc->guest.vm->vcpus[index];
	uint64_t start;
	struct ucall uc;
	int ret;

	ret = wl_start_sample(vcpu, iterations);
	if (ret)
		return ret;
	start = now_ns();
	ret = vcpu_run_to_ucall(vcpu, &uc);
	out->host_ns = now_ns() - start;
	if (ret)
		return ret;
	if (uc.cmd != GMB_UCALL_RESULT)
		return vcpu_unexpected_exit(vcpu, &uc);
	out->ops = wl_decode_result(&uc, out);
	if (out->ops != iterations)
		return gmb_error(EPROTO, "asked for %" PRIu64 " iterations, guest did %" PRIu64,
				 iterations, out->ops);
	return wl_finish_sample(vcpu);
}

const struct workload wl_calibrate = {
	.name = "calibrate",
	.description = "the host's speed: a guest loop that never exits (run --normalize)",
	.op_name = "iteration",
	.op_plural = "iterations",
	.variants = calibrate_variants,
	.default_variants = calibrate_variants,
	.default_data_size = SZ_2M,
	.calibration = true,
	.valid = calibrate_valid,
	.setup = calibrate_setup,
	.run_vcpu = calibrate_run_vcpu,
	.teardown = calibrate_teardown,
};
