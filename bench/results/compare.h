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

#endif /* GMB_COMPARE_H */
