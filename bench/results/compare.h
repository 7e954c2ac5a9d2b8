/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A/B comparison of two runs (or two groups of runs): per case and metric, the ratio B/A of
 * the medians with a bootstrap interval, a Mann-Whitney test on the raw samples, and a verdict
 * that needs both significance and a practical size of change.
 */
#ifndef GMB_COMPARE_H
#define GMB_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "measure/stats.h"

#define COMPARE_DEFAULT_THRESHOLD 0.05
#define COMPARE_DEFAULT_ALPHA	  0.01
/* Below this many samples a side, say so rather than guess. */
#define COMPARE_MIN_SAMPLES 5

enum compare_verdict {
	VERDICT_NO_CHANGE,	 /* not significant */
	VERDICT_BELOW_THRESHOLD, /* significant, but its whole interval is within the threshold */
	VERDICT_IMPROVEMENT,	 /* significant, may reach the threshold, in the better direction */
	VERDICT_REGRESSION,	 /* significant, may reach the threshold, in the worse direction */
	VERDICT_TOO_FEW,	 /* fewer than COMPARE_MIN_SAMPLES on a side: no verdict */
	VERDICT_NOT_COMPARABLE,	 /* a value is not positive: B/A means nothing */
};

struct compare_result {
	size_t na, nb;
	double median_a, median_b;
	double ratio;		      /* median_b / median_a */
	double ratio_low, ratio_high; /* bootstrap interval of the ratio */
	double p;		      /* Mann-Whitney, two-sided */
	enum compare_verdict verdict;
};

const char *compare_verdict_name(enum compare_verdict verdict);

/*
 * Compares samples a (the baseline) with b for a metric where higher_is_better says which
 * way is good. threshold: the smallest relative change that counts (0.05 = 5%); alpha: the
 * significance level. 0 or -errno.
 */
int compare_samples(const double *a, size_t na, const double *b, size_t nb, bool higher_is_better,
		    double threshold, double alpha, uint64_t seed, struct compare_result *out);

/*
 * A workload as a whole: the geometric mean over its cases of B/A (each the ratio of the
 * case's medians), with a bootstrap interval (see stats_geomean_ratio_bootstrap(); joint when
 * the cases' rounds line up), and the same verdict rule as a case's: significant (the
 * bootstrap's two-sided p below alpha: the 1 - alpha interval excludes 1), and the far end of
 * the 95% interval at least the threshold away from 1.
 */
#define COMPARE_GROUP_RESAMPLES STATS_BOOTSTRAP_RESAMPLES

struct compare_group_result {
	size_t cases;
	size_t up, down;	      /* cases whose ratio is above 1, below 1 */
	bool joint;		      /* rounds resampled together across the cases */
	double ratio;		      /* geometric mean of the cases' ratios */
	double ratio_low, ratio_high; /* its 95% interval */
	double p;		      /* bootstrap, two-sided */
	enum compare_verdict verdict;
};

/* 0 or -errno (-EINVAL: k is 0). */
int compare_groups(const struct stats_values *a, const struct stats_values *b, size_t k, bool joint,
		   bool higher_is_better, double threshold, double alpha, uint64_t seed,
		   struct compare_group_result *out);

/* A rate over the calibration of its round: the metric's name is the rate's with this. */
#define COMPARE_NORMALIZED_SUFFIX "_normalized"

struct compare_options {
	double threshold, alpha;
	bool all_metrics; /* every metric of a case, not only the one it is judged by */
	bool normalize;	  /* judge cases and workloads by their normalised rates */
	uint64_t seed;
};

struct json_t;

/*
 * Compares the runs b[nb] with the runs a[na] (the baseline): each side is pooled by case.
 * Returns the comparison (see cmd_compare.c for its fields), or NULL with the reason in
 * gmb_last_error(): no case in common, --normalize on runs without normalised rates, or out
 * of memory.
 */
struct json_t *compare_runs(struct json_t **a, size_t na, struct json_t **b, size_t nb,
			    const char *name_a, const char *name_b,
			    const struct compare_options *opt);

#endif /* GMB_COMPARE_H */
