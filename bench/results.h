/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Results: one JSON document per run (schema in results/SCHEMA.md) plus CSV beside it, each
 * written atomically: a reader sees the previous complete file or the new one, never half.
 */
#ifndef GMB_RESULTS_H
#define GMB_RESULTS_H

#include <stddef.h>

#include "runner.h"
#include "stats.h"

#define RESULTS_SCHEMA	       "gmembench-results"
#define RESULTS_SCHEMA_VERSION 1
#define RESULTS_JSON	       "results.json"

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

/* Creates results/runs/<date>-<host>-<id>/ under rs->cfg.output_dir. 0 or -errno. */
int results_make_run_dir(struct run_state *rs);
/* Writes results.json, samples.csv and summary.csv atomically. 0 or -errno. */
int results_write(struct run_state *rs);

/*
 * Reads a results document, checking that it is one (schema) of a version this gmembench
 * reads. 0, or -errno with the reason (file, line and column for malformed JSON).
 */
int results_load(const char *path, struct json_t **doc);
/*
 * Every results document under path: the file itself, a run directory, or a directory of run
 * directories (searched recursively), in path order. 0 or -errno (-ENOENT: none found).
 */
int results_collect(const char *path, struct json_t ***docs, size_t *count);

/* Writes text to path through a temporary file and rename(2). 0 or -errno. */
int write_file_atomic(const char *path, const char *data, size_t len);

#endif /* GMB_RESULTS_H */
