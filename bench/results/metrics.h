/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Metrics: the named values (unit, direction) every case reports, derived from its raw
 * samples, with their summaries and the paired ratios against the raw twin.
 */
#ifndef GMB_METRICS_H
#define GMB_METRICS_H

#include <stdint.h>

#include "measure/stats.h"
#include "run/case.h"

/* The metrics every case reports, derived from its raw samples. */
enum metric_id {
	METRIC_OPS_PER_SEC,
	METRIC_OPS_PER_SEC_PER_VCPU,
	METRIC_HOST_NS_PER_OP,
	METRIC_GUEST_NS_PER_OP,
	METRIC_GUEST_LATENCY_P50,
	METRIC_GUEST_LATENCY_P90,
	METRIC_GUEST_LATENCY_P99,
	METRIC_GUEST_LATENCY_MAX,
	METRIC_GIB_PER_SEC,
	METRIC_POPULATE_NS_PER_OP,
	METRIC_DIRECTMAP_4K_KB_PER_GIB,
	/* The rate over the calibration's in the same round (run --normalize). */
	METRIC_OPS_PER_SEC_NORMALIZED,
	/* The host's own share of an operation (wl_vcpu_sample.host_work_ns), per operation. */
	METRIC_HOST_WORK_NS_PER_OP,
	/*
	 * The bystander vCPUs' touch rate while vCPU 0 did the operations over their rate alone
	 * just before (workload.bystanders, --vcpus 2 or more): 1 is no slowdown.
	 */
	METRIC_BYSTANDER_TOUCH_RATIO,
	/* host_work_ns per operation of each kind (workload.host_work_kinds). */
	METRIC_HOST_WORK_KIND0_NS_PER_OP,
	METRIC_HOST_WORK_KIND1_NS_PER_OP,
	/* Percentiles of the host's share of single operations (workload.host_work_latencies). */
	METRIC_HOST_WORK_P50,
	METRIC_HOST_WORK_P90,
	METRIC_HOST_WORK_P99,
	/* Percentiles of each operation's request as the guest timed it (workload.request_name). */
	METRIC_REQUEST_P50,
	METRIC_REQUEST_P90,
	METRIC_REQUEST_P99,
	METRIC_NR,
};

struct metric_def {
	char name[48];
	const char *unit;
	const char *better; /* "higher" or "lower" */
};

/*
 * A back-to-back rdtsc pair costs tens of cycles on hardware; above this, rdtsc itself exits
 * to the hypervisor and single-operation timings are distorted.
 */
#define TIMER_TRAPPED_CYCLES 1000

void metric_def(const struct case_result *cr, enum metric_id id, struct metric_def *def);
/*
 * The kept (non-warm-up) samples' values of one metric, in sample order, into values[]
 * (room for cr->nr_samples). Returns the count, or -ENODATA when the metric cannot be had,
 * with the reason in *why.
 */
int metric_values(const struct run_state *rs, const struct case_result *cr, enum metric_id id,
		  double *values, const char **why);

/*
 * The summary of one metric of case rs->cases[index], as the results record it (same
 * bootstrap seed). Returns the number of kept samples, or -ENODATA (see metric_values).
 */
int case_metric_summary(const struct run_state *rs, unsigned int index, enum metric_id id,
			struct stats_summary *summary);

/*
 * The harness case's primary rate over its raw twin's, sample by sample: both ran next to each
 * other in the same round, so each ratio compares one minute of the machine with itself.
 * Fills ratios[] (room for cr->nr_samples); returns the count, or -ENOENT without a twin.
 */
int case_paired_ratios(const struct run_state *rs, const struct case_result *cr, double *ratios);

/* One sample's value of a metric, and its operation count over every vCPU. */
double sample_metric(const struct run_state *rs, const struct case_result *cr,
		     const struct sample *s, enum metric_id id);
uint64_t sample_ops(const struct case_result *cr, const struct sample *s);
/* The vCPUs that do a case's operations: all, or only vCPU 0 beside bystanders. */
unsigned int case_op_vcpus(const struct case_result *cr);
/* The bootstrap seed of one summary: reproducible per run, case and metric. */
uint64_t case_seed(const struct run_state *rs, unsigned int index, unsigned int metric);

#endif /* GMB_METRICS_H */
