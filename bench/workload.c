// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "util.h"
#include "workload.h"

extern const struct workload wl_mmio_storm;

const struct workload *const workloads[] = {
	&wl_mmio_storm,
};
const size_t nr_workloads = ARRAY_SIZE(workloads);

const struct workload *workload_find(const char *name)
{
	for (size_t i = 0; i < nr_workloads; i++)
		if (!strcmp(workloads[i]->name, name))
			return workloads[i];
	return NULL;
}

bool workload_has_variant(const struct workload *wl, const char *variant)
{
	for (const char *const *v = wl->variants; *v; v++)
		if (!strcmp(*v, variant))
			return true;
	return false;
}

int wl_start_sample(struct vcpu *vcpu, uint64_t iterations)
{
	struct ucall uc;

	if (vcpu_get_ucall(vcpu, &uc) != GMB_UCALL_SYNC)
		return gmb_error(EPROTO, "vCPU %u is not waiting at a SYNC ucall", vcpu->id);
	return vcpu_reply(vcpu, iterations);
}
