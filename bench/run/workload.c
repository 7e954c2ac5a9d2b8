// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/util.h"
#include "run/workload.h"

int wl_start_sample(struct vcpu *vcpu, uint64_t iterations)
{
	struct ucall uc;

	if (vcpu_get_ucall(vcpu, &uc) != GMB_UCALL_SYNC)
		return gmb_error(EPROTO, "vCPU %u is not waiting at a SYNC ucall", vcpu->id);
	return vcpu_reply(vcpu, iterations);
}

int wl_finish_sample(struct vcpu *vcpu)
{
	struct ucall uc;
	int ret = vcpu_run_to_ucall(vcpu, &uc);

	if (!ret && uc.cmd != GMB_UCALL_SYNC)
		ret = gmb_error(EPROTO, "vCPU %u did not return to SYNC after a sample", vcpu->id);
	return ret;
}

uint64_t wl_decode_result(const struct ucall *uc, struct wl_vcpu_sample *out)
{
	out->guest_cycles = uc->args[0];
	out->latency_p50 = uc->args[2] & 0xffffffff;
	out->latency_p90 = uc->args[2] >> 32;
	out->latency_p99 = uc->args[3] & 0xffffffff;
	out->latency_max = uc->args[3] >> 32;
	out->timed = uc->args[4];
	return uc->args[1];
}

int wl_run_to_first_sync(struct wl_case *wc)
{
	struct ucall uc;
	int ret;

	wc->timer_floor_cycles = 0;
	for (unsigned int i = 0; i < wc->guest.vm->nr_vcpus; i++) {
		ret = vcpu_run_to_ucall(wc->guest.vm->vcpus[i], &uc);
		if (ret)
			return ret;
		if (uc.cmd != GMB_UCALL_SYNC)
			return gmb_error(EPROTO,
					 "vCPU %u sent ucall %" PRIu64 " before its first SYNC", i,
					 uc.cmd);
		if (uc.args[0] > wc->timer_floor_cycles)
			wc->timer_floor_cycles = uc.args[0];
	}
	return 0;
}

int wl_run_raw(struct vcpu *vcpu, uint64_t *exits)
{
	struct kvm_run *run = vcpu->run;
	uint64_t n = 0;
	int ret;

	/* Nothing between two KVM_RUNs but the check that ends the loop. */
	while (!(ret = ioctl(vcpu->fd, KVM_RUN, 0)) &&
	       (run->exit_reason == KVM_EXIT_MMIO ||
		(run->exit_reason == KVM_EXIT_IO && run->io.port == GMB_STORM_PORT)))
		n++;
	*exits = n;
	if (ret)
		return gmb_error(errno, "KVM_RUN (vCPU %u) failed: %s", vcpu->id, strerror(errno));
	return 0;
}
