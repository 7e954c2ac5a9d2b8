// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results/compare.h"

const char *compare_verdict_name(enum compare_verdict verdict)
{
	switch (verdict) {
	case VERDICT_NO_CHANGE:
		return "no significant change";
	case VERDICT_BELOW_THRESHOLD:
		return "change below threshold";
	case VERDICT_IMPROVEMENT:
		return "improvement";
	case VERDICT_REGRESSION:
		return "regression";
	case VERDICT_TOO_FEW:
		return "too few samples";
	case VERDICT_NOT_COMPARABLE:
		return "not comparable";
	}
	return "unknown";
}

/*
 * The verdict of a significant change: it counts when it may reach the threshold (the far end
 * of its interval does), so that a true change of exactly the threshold is caught, not tossed
 * up on which side of it the point estimate lands.
 */
static enum compare_verdict verdict_of_change(double ratio, double low, double high,
					      bool higher_is_better, double threshold)
{
	double reach = ratio > 1.0 ? high - 1.0 : 1.0 - low;

	if (reach < threshold)
		return VERDICT_BELOW_THRESHOLD;
	return (ratio > 1.0) == higher_is_better ? VERDICT_IMPROVEMENT : VERDICT_REGRESSION;
}

int compare_samples(const double *a, size_t na, const double *b, size_t nb, bool higher_is_better,
		    double threshold, double alpha, uint64_t seed, struct compare_result *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	out->na = na;
	out->nb = nb;
	out->p = NAN;
	out->ratio = out->ratio_low = out->ratio_high = NAN;
	out->median_a = stats_median(a, na);
	out->median_b = stats_median(b, nb);
	/*
	 * A ratio of medians, and its interval, only mean something for positive values: a rate
	 * of 0 or below (a broken run, a hand-edited file) would give an infinite or negative
	 * B/A that the verdict would read as a huge change.
	 */
	for (size_t i = 0; i < na + nb; i++) {
		if (!((i < na ? a[i] : b[i - na]) > 0)) {
			out->verdict = VERDICT_NOT_COMPARABLE;
			return 0;
		}
	}
	if (na && nb)
		out->ratio = out->median_b / out->median_a;
	if (na < COMPARE_MIN_SAMPLES || nb < COMPARE_MIN_SAMPLES) {
		out->verdict = VERDICT_TOO_FEW;
		return 0;
	}

	ret = stats_mann_whitney(a, na, b, nb, &out->p);
	if (!ret)
		ret = stats_ratio_ci(a, na, b, nb, seed, &out->ratio_low, &out->ratio_high);
	if (ret)
		return ret;

	/*
	 * Both significance and a practical size: on a shared machine many large differences in
	 * a few samples are noise, and many real ones are too small to matter.
	 */
	if (out->p >= alpha) {
		out->verdict = VERDICT_NO_CHANGE;
		return 0;
	}
	out->verdict = verdict_of_change(out->ratio, out->ratio_low, out->ratio_high,
					 higher_is_better, threshold);
	return 0;
}

int compare_groups(const struct stats_values *a, const struct stats_values *b, size_t k, bool joint,
		   bool higher_is_better, double threshold, double alpha, uint64_t seed,
		   struct compare_group_result *out)
{
	double tail = (1.0 - STATS_CI_LEVEL) / 2.0 * 100.0, log_sum = 0, *reps;
	size_t below = 0, above = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	out->cases = k;
	out->joint = joint;
	out->p = out->ratio = out->ratio_low = out->ratio_high = NAN;
	if (!k)
		return -EINVAL;
	for (size_t i = 0; i < k; i++) {
		double r;

		for (size_t j = 0; j < a[i].n + b[i].n; j++)
			if (!((j < a[i].n ? a[i].v[j] : b[i].v[j - a[i].n]) > 0))
				out->verdict = VERDICT_NOT_COMPARABLE;
		if (out->verdict == VERDICT_NOT_COMPARABLE)
			return 0;
		if (a[i].n < COMPARE_MIN_SAMPLES || b[i].n < COMPARE_MIN_SAMPLES)
			out->verdict = VERDICT_TOO_FEW;
		r = stats_median(b[i].v, b[i].n) / stats_median(a[i].v, a[i].n);
		out->up += r > 1.0;
		out->down += r < 1.0;
		log_sum += log(r);
	}
	out->ratio = exp(log_sum / (double)k);
	if (out->verdict == VERDICT_TOO_FEW)
		return 0;

	reps = malloc(COMPARE_GROUP_RESAMPLES * sizeof(*reps));
	if (!reps)
		return -ENOMEM;
	ret = stats_geomean_ratio_bootstrap(a, b, k, joint, seed, reps, COMPARE_GROUP_RESAMPLES);
	if (ret) {
		free(reps);
		return ret;
	}
	out->ratio_low = exp(stats_percentile_sorted(reps, COMPARE_GROUP_RESAMPLES, tail));
	out->ratio_high = exp(stats_percentile_sorted(reps, COMPARE_GROUP_RESAMPLES, 100 - tail));
	/* The share of replicates on the far side of no change, both tails. */
	for (size_t r = 0; r < COMPARE_GROUP_RESAMPLES; r++) {
		below += reps[r] <= 0;
		above += reps[r] >= 0;
	}
	free(reps);
	out->p = 2.0 * (double)(below < above ? below : above) / COMPARE_GROUP_RESAMPLES;
	if (out->p > 1)
		out->p = 1;
	out->verdict = out->p >= alpha
			       ? VERDICT_NO_CHANGE
			       : verdict_of_change(out->ratio, out->ratio_low, out->ratio_high,
						   higher_is_better, threshold);
	return 0;
}
