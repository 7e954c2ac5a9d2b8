// SPDX-License-Identifier: GPL-2.0
/*
 * gmembench run --dry-run: the matrix the options give, which cases would be skipped and why,
 * and about how long the rest would take, without running a guest. Backends get their static
 * probe only (capabilities and settings, as probe reports them); the one-page guest touch
 * that a real run adds can still find a backend unusable.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/util.h"
#include "run/case.h"

/*
 * A case calibrates with samples that grow to the target length (a few, the last ones near
 * it), then runs its rounds: about this many sample lengths before the first kept sample.
 */
#define CALIBRATION_SAMPLE_LENGTHS 2

int dry_run(struct run_state *rs)
{
	unsigned int rounds = rs->cfg.warmup + rs->cfg.samples, runnable = 0, skipped = 0;
	unsigned int invalid = 0;
	double seconds;
	int ret;

	host_caps_read(&rs->caps);
	ret = matrix_expand(rs);
	if (ret)
		return ret;
	if (!rs->nr_cases)
		return gmb_error(EINVAL, "the selection matches no case");

	printf("%-60s %s\n", "case", "would");
	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		struct case_result *cr = &rs->cases[i];
		char reason[320];

		/*
		 * The workload's verdict on the options first: it holds whatever the host, and
		 * without KVM a run would stop before any case.
		 */
		ret = cr->params.workload->valid(&cr->params, &rs->caps, cr->reason,
						 sizeof(cr->reason));
		if (ret != -EINVAL && !rs->caps.kvm_usable) {
			snprintf(cr->reason, sizeof(cr->reason), "%s", rs->caps.kvm_error);
			ret = -ENODEV;
		} else if (ret != -EINVAL && backend_probe_static(&rs->caps, cr->params.backend,
								  reason, sizeof(reason))) {
			snprintf(cr->reason, sizeof(cr->reason), "backend %s is unsupported: %s",
				 cr->params.backend->name, reason);
			ret = -EOPNOTSUPP;
		}
		if (ret) {
			cr->status = CASE_SKIPPED;
			invalid += ret == -EINVAL;
			skipped++;
			printf("%-60s skip: %s\n", cr->id, cr->reason);
		} else {
			runnable++;
			printf("%-60s run\n", cr->id);
		}
	}
	seconds = (double)runnable * (rounds + CALIBRATION_SAMPLE_LENGTHS) * rs->cfg.sample_ms /
		  1000.0;
	printf("\n%u cases: %u would run, %u would be skipped (%u refused by their workload's "
	       "checks of the options)\n",
	       rs->nr_cases, runnable, skipped, invalid);
	printf("%u rounds of %u ms samples (%u warm-up, %u kept): about %.0f s of samples", rounds,
	       rs->cfg.sample_ms, rs->cfg.warmup, rs->cfg.samples, seconds);
	printf("%s\n", runnable ? ", plus set-up; a workload whose sample is one pass over its "
				  "data (fault) takes what that pass takes"
				: "");
	printf("(dry run: no guest ran; the one-page touch of a real run can still find a "
	       "backend unusable)\n");
	/* As a real run: nothing can run, and the options are why. */
	return !runnable && invalid ? 1 : 0;
}
