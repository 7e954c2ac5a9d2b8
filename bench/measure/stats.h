/* SPDX-License-Identifier: GPL-2.0 */
/* Summaries of kept samples: order statistics and a bootstrap interval of the median. */
#ifndef GMB_STATS_H
#define GMB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATS_BOOTSTRAP_RESAMPLES 2000
#define STATS_CI_LEVEL		  0.95
/* Below this many samples no interval is computed: it would only restate the extremes. */
#define STATS_MIN_SAMPLES_FOR_CI 5

struct stats_summary {
	size_t n;
	double min, max, mean, stddev;
	double median, p10, p90, p99;
	bool has_ci;
	double ci_low, ci_high; /* bootstrap percentile interval of the median */
};

/* A small, seedable generator (splitmix64), so that every interval can be reproduced. */
struct stats_rng {
	uint64_t state;
};
uint64_t stats_rng_next(struct stats_rng *rng);
double stats_rng_uniform(struct stats_rng *rng);

/* Percentile p in [0, 100] of sorted[0..n), linear interpolation between order statistics. */
double stats_percentile_sorted(const double *sorted, size_t n, double p);
double stats_median(const double *values, size_t n);

/* 0 or -ENOMEM; n == 0 gives a zeroed summary. */
int stats_summarize(const double *values, size_t n, uint64_t seed, struct stats_summary *out);

/*
 * Mann-Whitney U test of a against b, two-sided, with the normal approximation and the tie
 * correction (good from about 5 samples a side). Returns the p-value in *p; -EINVAL when a
 * side is empty, -ENOMEM.
 */
int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *p);

/*
 * Percentile-bootstrap interval (level STATS_CI_LEVEL) of median(b) / median(a), resampling
 * each side on its own. 0 or -ENOMEM.
 */
int stats_ratio_ci(const double *a, size_t na, const double *b, size_t nb, uint64_t seed,
		   double *low, double *high);

/* One case's values on one side of a comparison. */
struct stats_values {
	const double *v;
	size_t n;
};

/*
 * Bootstrap replicates, as logs and sorted into log_ratios[nr], of the geometric mean over k
 * cases of median(b[i]) / median(a[i]); every value must be positive.
 *
 * joint: the j-th value of every case of a side was taken in the same round (every a[i].n is
 * equal, and every b[i].n). A replicate then draws rounds, not values, and every case takes
 * the same rounds, so that what the cases share within a round (the host's speed in that
 * minute) moves them together, as it did, instead of averaging out as if they were
 * independent. Without joint each case is resampled on its own.
 *
 * 0, -EINVAL (k is 0, a case has no values, or joint with unequal counts), -ENOMEM.
 */
int stats_geomean_ratio_bootstrap(const struct stats_values *a, const struct stats_values *b,
				  size_t k, bool joint, uint64_t seed, double *log_ratios,
				  size_t nr);

#endif /* GMB_STATS_H */
