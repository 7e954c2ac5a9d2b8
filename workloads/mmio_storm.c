// SPDX-License-Identifier: GPL-2.0
/*
 * mmio-storm: exits that KVM hands to userspace, as fast as the guest can cause them.
 *
 * pio: "out" to the storm port. Port I/O needs no instruction decode and no read of guest
 * memory by KVM, so it is the floor under every emulated-access variant.
 *
 * Each case has a raw twin: the same guest driven by a bare KVM_RUN loop with nothing around
 * it. The ratio between the two is the harness's own cost, reported in every run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "util.h"
#include "workload.h"

static const char *const storm_variants[] = { "pio", NULL };

static int storm_valid(const struct wl_params *params, const struct host_caps *caps, char *reason,
		       size_t len)
{
	return 0;
}

static int storm_setup(struct wl_case *wc)
{
	const struct vm_guest_config cfg = {
		.payload = guest_payload_find("pio"),
		.nr_vcpus = wc->params.nr_vcpus,
		.guest_page_size = wc->params.guest_page_size,
		.data_size = wc->params.data_size,
	};
	struct ucall uc;
	int ret;

	ret = guest_create(&wc->guest, wc->params.backend, &cfg);
	if (ret)
		return ret;
	/* Bring every vCPU to its first SYNC, where each sample starts. */
	for (unsigned int i = 0; i < wc->guest.vm->nr_vcpus; i++) {
		ret = vcpu_run_to_ucall(wc->guest.vm->vcpus[i], &uc);
		if (!ret && uc.cmd != GMB_UCALL_SYNC)
			ret = gmb_error(EPROTO,
					"vCPU %u sent ucall %" PRIu64 " before its first SYNC", i,
					uc.cmd);
		if (ret) {
			guest_destroy(&wc->guest);
			return ret;
		}
	}
	return 0;
}

/* The harness loop: every exit goes through the same checked path the other variants use. */
static int storm_run_harness(struct vcpu *vcpu, uint64_t *exits)
{
	struct kvm_run *run = vcpu->run;
	int ret;

	for (;;) {
		ret = vcpu_run(vcpu);
		if (ret)
			return ret;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.port == GMB_STORM_PORT) {
				(*exits)++;
				continue;
			}
			if (run->io.port == GMB_UCALL_PORT)
				return 0;
			return vcpu_unexpected_exit(vcpu, NULL);
		default:
			return vcpu_unexpected_exit(vcpu, NULL);
		}
	}
}

/* The raw twin: nothing between two KVM_RUNs but the check that ends the loop. */
static int storm_run_raw(struct vcpu *vcpu, uint64_t *exits)
{
	struct kvm_run *run = vcpu->run;
	uint64_t n = 0;
	int ret;

	while (!(ret = ioctl(vcpu->fd, KVM_RUN, 0)) && run->exit_reason == KVM_EXIT_IO &&
	       run->io.port == GMB_STORM_PORT)
		n++;
	*exits = n;
	return ret ? gmb_error(errno, "KVM_RUN (vCPU %u) failed: %s", vcpu->id, strerror(errno))
		   : 0;
}

static int storm_run_vcpu(struct wl_case *wc, unsigned int index, uint64_t iterations,
			  struct wl_vcpu_sample *out)
{
	struct vcpu *vcpu = wc->guest.vm->vcpus[index];
	uint64_t exits = 0, start;
	struct ucall uc;
	int ret;

	ret = wl_start_sample(vcpu, iterations);
	if (ret)
		return ret;

	start = now_ns();
	ret = wc->params.raw ? storm_run_raw(vcpu, &exits) : storm_run_harness(vcpu, &exits);
	out->host_ns = now_ns() - start;
	if (ret)
		return ret;

	if (vcpu_get_ucall(vcpu, &uc) != GMB_UCALL_RESULT)
		return vcpu_unexpected_exit(vcpu, &uc);
	if (uc.args[1] != iterations || exits != iterations)
		return gmb_error(EPROTO,
				 "vCPU %u: asked for %" PRIu64 " exits, guest did %" PRIu64
				 ", host saw %" PRIu64,
				 index, iterations, uc.args[1], exits);
	out->ops = exits;
	out->guest_cycles = uc.args[0];

	/* Back to the next SYNC, outside the timed region. */
	ret = vcpu_run_to_ucall(vcpu, &uc);
	if (!ret && uc.cmd != GMB_UCALL_SYNC)
		ret = gmb_error(EPROTO, "vCPU %u did not return to SYNC after a sample", index);
	return ret;
}

static void storm_teardown(struct wl_case *wc)
{
	guest_destroy(&wc->guest);
}

const struct workload wl_mmio_storm = {
	.name = "mmio-storm",
	.description = "exits to userspace: port I/O (no decode) and emulated MMIO",
	.op_name = "exit",
	.variants = storm_variants,
	.has_raw = true,
	.valid = storm_valid,
	.setup = storm_setup,
	.run_vcpu = storm_run_vcpu,
	.teardown = storm_teardown,
};
