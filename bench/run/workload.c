// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdlib.h>
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

void wl_decode_latency(const struct ucall *uc, struct wl_vcpu_sample *out)
{
	out->request_p50 = uc->args[0] & 0xffffffff;
	out->request_p90 = uc->args[0] >> 32;
	out->request_p99 = uc->args[1] & 0xffffffff;
	out->request_max = uc->args[1] >> 32;
	out->request_timed = uc->args[2];
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int wl_op_times_reset(struct wl_op_times *t, uint64_t ops)
{
	if (t->cap < ops) {
		uint64_t *grown = realloc(t->ns, ops * sizeof(*grown));

		if (!grown)
			return gmb_error(ENOMEM, "out of memory");
		t->ns = grown;
		t->cap = ops;
	}
	t->nr = 0;
	return 0;
}

void wl_op_times_add(struct wl_op_times *t, uint64_t ns)
{
	if (t->nr < t->cap)
		t->ns[t->nr++] = ns;
}

void wl_op_times_report(struct wl_op_times *t, struct wl_vcpu_sample *out)
{
	size_t n = t->nr;

	if (!n)
		return;
	qsort(t->ns, n, sizeof(*t->ns), compare_u64);
	out->host_work_p50 = t->ns[(n - 1) * 50 / 100];
	out->host_work_p90 = t->ns[(n - 1) * 90 / 100];
	out->host_work_p99 = t->ns[(n - 1) * 99 / 100];
	out->host_work_max = t->ns[n - 1];
}

void wl_op_times_free(struct wl_op_times *t)
{
	free(t->ns);
	t->ns = NULL;
	t->nr = t->cap = 0;
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
