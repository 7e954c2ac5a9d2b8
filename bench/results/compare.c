// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
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

int compare_samples(const double *a, size_t na, const double *b, size_t nb, bool higher_is_better,
		    double threshold, double alpha, uint64_t seed, struct compare_result *out)
{
	double reach;
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
	 * a few samples are noise, and many real ones are too small to matter. The size test
	 * asks whether the change may reach the threshold (the far end of the ratio's interval
	 * does), so that a true change of exactly the threshold is caught, not tossed up on
	 * which side of it the point estimate lands.
	 */
	if (out->p >= alpha) {
		out->verdict = VERDICT_NO_CHANGE;
		return 0;
	}
	reach = out->ratio > 1.0 ? out->ratio_high - 1.0 : 1.0 - out->ratio_low;
	if (reach < threshold) {
		out->verdict = VERDICT_BELOW_THRESHOLD;
		return 0;
	}
	out->verdict = (out->ratio > 1.0) == higher_is_better ? VERDICT_IMPROVEMENT
							      : VERDICT_REGRESSION;
	return 0;
}
