// SPDX-License-Identifier: GPL-2.0
/*
 * The workload table: every workload, one row each. A new workload is one host file in this
 * directory, one payload in guest/payloads/, and one row here.
 */
#include <string.h>

#include "core/util.h"
#include "run/workload.h"

extern const struct workload wl_mmio_storm, wl_fault, wl_churn, wl_calibrate, wl_virtio;

const struct workload *const workloads[] = {
	&wl_mmio_storm, &wl_fault, &wl_churn, &wl_virtio, &wl_calibrate,
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
