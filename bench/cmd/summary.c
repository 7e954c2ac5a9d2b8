// SPDX-License-Identifier: GPL-2.0
/* The summary table gmembench run prints at the end: one line per case, from the metrics. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "results/metrics.h"

void print_summary(const struct run_state *rs)
{
	printf("\n%-52s %-8s %14s %27s %9s\n", "case", "status", "median", "95% CI of median",
	       "vs raw");
	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		const struct case_result *cr = &rs->cases[i];
		struct stats_summary s;

		if (cr->status == CASE_SKIPPED || cr->status == CASE_FAILED) {
			printf("%-52s %-8s %s\n", cr->id, case_status_name(cr->status), cr->reason);
			continue;
		}
		if (case_metric_summary(rs, i, METRIC_OPS_PER_SEC, &s) < 0)
			continue;
		printf("%-52s %-8s %10.0f %-3s", cr->id, case_status_name(cr->status), s.median,
		       "/s");
		if (s.has_ci)
			printf(" [%11.0f, %11.0f]", s.ci_low, s.ci_high);
		else
			printf(" %27s", "(too few samples)");
		if (!cr->params.raw && case_raw_twin(rs, cr)) {
			double *ratios = calloc(cr->nr_samples + 1, sizeof(double));
			int m = ratios ? case_paired_ratios(rs, cr, ratios) : 0;

			if (m > 0)
				printf(" %8.3fx", stats_median(ratios, m));
			free(ratios);
		}
		printf("\n");
	}
	printf("\n(median of each workload's rate: exits/s, touches/s...; 'vs raw' is the median,\n"
	       "over rounds, of the case's rate over its raw twin's, taken side by side)\n");
}
