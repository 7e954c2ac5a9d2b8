// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "measure/stats.h"

uint64_t stats_rng_next(struct stats_rng *rng)
{
	uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * An index below n: the high half of a 64x64-bit product (Lemire), not a division, which would
 * cost more than the generator itself in the bootstrap's inner loops. Its bias is below n/2^64.
 */
static inline size_t rng_below(struct stats_rng *rng, size_t n)
{
	return (size_t)(((unsigned __int128)stats_rng_next(rng) * n) >> 64);
}

double stats_rng_uniform(struct stats_rng *rng)
{
	return (double)(stats_rng_next(rng) >> 11) * 0x1.0p-53;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double stats_percentile_sorted(const double *sorted, size_t n, double p)
{
	double rank, frac;
	size_t lo;

	if (!n)
		return NAN;
	rank = p / 100.0 * (double)(n - 1);
	lo = (size_t)rank;
	if (lo >= n - 1)
		return sorted[n - 1];
	frac = rank - (double)lo;
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

double stats_median(const double *values, size_t n)
{
	double *sorted, median;

	if (!n)
		return NAN;
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return NAN;
	memcpy(sorted, values, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	median = stats_percentile_sorted(sorted, n, 50);
	free(sorted);
	return median;
}

/*
 * One sample, sorted once, for resampling: a resample's median needs only how often each
 * value was drawn, counted in sorted order, so each resample costs O(n) instead of a sort.
 * Draws index the unsorted values (rank_of maps them), so a seed gives the same medians as
 * sorting each resample would.
 */
struct bootstrap_sample {
	double *sorted;
	size_t *rank_of; /* value i of the input is sorted[rank_of[i]] */
	uint32_t *counts;
	size_t n;
};

struct ranked_index {
	double value;
	size_t index;
};

static int cmp_ranked_index(const void *x, const void *y)
{
	double a = ((const struct ranked_index *)x)->value;
	double b = ((const struct ranked_index *)y)->value;

	return (a > b) - (a < b);
}

static void bootstrap_sample_free(struct bootstrap_sample *s)
{
	free(s->sorted);
	free(s->rank_of);
	free(s->counts);
}

static int bootstrap_sample_init(struct bootstrap_sample *s, const double *values, size_t n)
{
	struct ranked_index *order = malloc(n * sizeof(*order));

	s->n = n;
	s->sorted = malloc(n * sizeof(*s->sorted));
	s->rank_of = malloc(n * sizeof(*s->rank_of));
	s->counts = malloc(n * sizeof(*s->counts));
	if (!order || !s->sorted || !s->rank_of || !s->counts) {
		free(order);
		bootstrap_sample_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (struct ranked_index){ values[i], i };
	qsort(order, n, sizeof(*order), cmp_ranked_index);
	for (size_t r = 0; r < n; r++) {
		s->sorted[r] = order[r].value;
		s->rank_of[order[r].index] = r;
	}
	free(order);
	return 0;
}

/* The median of the resample counted in s->counts (as stats_percentile_sorted(.., 50) has it). */
static double counted_median(const struct bootstrap_sample *s)
{
	size_t n = s->n, lo = (n - 1) / 2, seen = 0, k = 0;
	double low;

	while ((seen += s->counts[k]) <= lo)
		k++;
	low = s->sorted[k];
	if (n % 2)
		return low;
	/* Even n: halfway to the next drawn value, which may be the same one drawn again. */
	while (seen <= lo + 1)
		seen += s->counts[++k];
	return low + 0.5 * (s->sorted[k] - low);
}

/* The median of one resample with replacement. */
static double bootstrap_median(struct bootstrap_sample *s, struct stats_rng *rng)
{
	memset(s->counts, 0, s->n * sizeof(*s->counts));
	for (size_t i = 0; i < s->n; i++)
		s->counts[s->rank_of[rng_below(rng, s->n)]]++;
	return counted_median(s);
}

/*
 * Percentile bootstrap of the median: resample with replacement, take each resample's median,
 * and report the central STATS_CI_LEVEL of those medians. It assumes nothing about the shape
 * of the distribution, which for exit latencies on a shared host is anything but normal.
 */
static int bootstrap_median_ci(const double *values, size_t n, uint64_t seed, double *low,
			       double *high)
{
	struct stats_rng rng = { .state = seed };
	double tail = (1.0 - STATS_CI_LEVEL) / 2.0 * 100.0;
	struct bootstrap_sample sample;
	double *medians;

	medians = malloc(STATS_BOOTSTRAP_RESAMPLES * sizeof(*medians));
	if (!medians || bootstrap_sample_init(&sample, values, n)) {
		free(medians);
		return -ENOMEM;
	}
	for (size_t b = 0; b < STATS_BOOTSTRAP_RESAMPLES; b++)
		medians[b] = bootstrap_median(&sample, &rng);
	qsort(medians, STATS_BOOTSTRAP_RESAMPLES, sizeof(*medians), cmp_double);
	*low = stats_percentile_sorted(medians, STATS_BOOTSTRAP_RESAMPLES, tail);
	*high = stats_percentile_sorted(medians, STATS_BOOTSTRAP_RESAMPLES, 100.0 - tail);
	bootstrap_sample_free(&sample);
	free(medians);
	return 0;
}

int stats_summarize(const double *values, size_t n, uint64_t seed, struct stats_summary *out)
{
	double *sorted, sum = 0, sq = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (!n)
		return 0;

	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, values, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_double);

	for (size_t i = 0; i < n; i++)
		sum += sorted[i];
	out->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += (sorted[i] - out->mean) * (sorted[i] - out->mean);
	out->stddev = n > 1 ? sqrt(sq / (double)(n - 1)) : 0;
	out->min = sorted[0];
	out->max = sorted[n - 1];
	out->median = stats_percentile_sorted(sorted, n, 50);
	out->p10 = stats_percentile_sorted(sorted, n, 10);
	out->p90 = stats_percentile_sorted(sorted, n, 90);
	out->p99 = stats_percentile_sorted(sorted, n, 99);
	if (n >= STATS_MIN_SAMPLES_FOR_CI) {
		ret = bootstrap_median_ci(values, n, seed, &out->ci_low, &out->ci_high);
		out->has_ci = !ret;
	}
	free(sorted);
	return ret;
}

struct ranked {
	double value;
	int side; /* 0: a, 1: b */
};

static int cmp_ranked(const void *x, const void *y)
{
	double a = ((const struct ranked *)x)->value, b = ((const struct ranked *)y)->value;

	return (a > b) - (a < b);
}

int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *p)
{
	size_t n = na + nb, i = 0;
	double rank_sum_a = 0, tie_term = 0, u, mean, var, z;
	struct ranked *all;

	if (!na || !nb)
		return -EINVAL;
	all = malloc(n * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (size_t k = 0; k < na; k++)
		all[k] = (struct ranked){ a[k], 0 };
	for (size_t k = 0; k < nb; k++)
		all[na + k] = (struct ranked){ b[k], 1 };
	qsort(all, n, sizeof(*all), cmp_ranked);

	/* Average ranks over ties; the ties also shrink the variance of U. */
	while (i < n) {
		size_t j = i;
		double rank;

		while (j + 1 < n && all[j + 1].value == all[i].value)
			j++;
		rank = (double)(i + j) / 2.0 + 1.0;
		for (size_t k = i; k <= j; k++)
			if (!all[k].side)
				rank_sum_a += rank;
		tie_term += pow((double)(j - i + 1), 3) - (double)(j - i + 1);
		i = j + 1;
	}
	free(all);

	u = rank_sum_a - (double)na * (double)(na + 1) / 2.0;
	mean = (double)na * (double)nb / 2.0;
	var = (double)na * (double)nb / 12.0 *
	      ((double)(n + 1) - tie_term / ((double)n * (double)(n - 1)));
	if (var <= 0) {
		*p = 1.0; /* every value equal: no evidence of a difference */
		return 0;
	}
	/* Continuity correction towards the mean. */
	z = (fabs(u - mean) - 0.5) / sqrt(var);
	if (z < 0)
		z = 0;
	*p = erfc(z / sqrt(2.0));
	return 0;
}

int stats_ratio_ci(const double *a, size_t na, const double *b, size_t nb, uint64_t seed,
		   double *low, double *high)
{
	struct stats_rng rng = { .state = seed };
	double tail = (1.0 - STATS_CI_LEVEL) / 2.0 * 100.0;
	double *ratios = malloc(STATS_BOOTSTRAP_RESAMPLES * sizeof(*ratios));
	struct bootstrap_sample sa, sb;

	if (!ratios)
		return -ENOMEM;
	if (bootstrap_sample_init(&sa, a, na)) {
		free(ratios);
		return -ENOMEM;
	}
	if (bootstrap_sample_init(&sb, b, nb)) {
		bootstrap_sample_free(&sa);
		free(ratios);
		return -ENOMEM;
	}
	for (size_t r = 0; r < STATS_BOOTSTRAP_RESAMPLES; r++) {
		double ma = bootstrap_median(&sa, &rng);
		double mb = bootstrap_median(&sb, &rng);

		ratios[r] = ma ? mb / ma : NAN;
	}
	qsort(ratios, STATS_BOOTSTRAP_RESAMPLES, sizeof(*ratios), cmp_double);
	*low = stats_percentile_sorted(ratios, STATS_BOOTSTRAP_RESAMPLES, tail);
	*high = stats_percentile_sorted(ratios, STATS_BOOTSTRAP_RESAMPLES, 100.0 - tail);
	bootstrap_sample_free(&sa);
	bootstrap_sample_free(&sb);
	free(ratios);
	return 0;
}

/* How often each round was drawn in one resample of n rounds. */
static void draw_rounds(uint32_t *by_round, size_t n, struct stats_rng *rng)
{
	memset(by_round, 0, n * sizeof(*by_round));
	for (size_t i = 0; i < n; i++)
		by_round[rng_below(rng, n)]++;
}

/* The median of a case's values in the rounds drawn (by_round, indexed like its values). */
static double median_of_rounds(struct bootstrap_sample *s, const uint32_t *by_round)
{
	for (size_t j = 0; j < s->n; j++)
		s->counts[s->rank_of[j]] = by_round[j];
	return counted_median(s);
}

static bool groups_valid(const struct stats_values *a, const struct stats_values *b, size_t k,
			 bool joint)
{
	if (!k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (!a[i].n || !b[i].n || (joint && (a[i].n != a[0].n || b[i].n != b[0].n)))
			return false;
	return true;
}

int stats_geomean_ratio_bootstrap(const struct stats_values *a, const struct stats_values *b,
				  size_t k, bool joint, uint64_t seed, double *log_ratios,
				  size_t nr)
{
	struct stats_rng rng = { .state = seed };
	struct bootstrap_sample *sa, *sb;
	uint32_t *rounds_a = NULL, *rounds_b = NULL;
	size_t ready = 0;
	int ret = -ENOMEM;

	if (!groups_valid(a, b, k, joint))
		return -EINVAL;
	sa = calloc(k, sizeof(*sa));
	sb = calloc(k, sizeof(*sb));
	if (joint) {
		rounds_a = malloc(a[0].n * sizeof(*rounds_a));
		rounds_b = malloc(b[0].n * sizeof(*rounds_b));
	}
	if (!sa || !sb || (joint && (!rounds_a || !rounds_b)))
		goto out;
	for (; ready < k; ready++) {
		if (bootstrap_sample_init(&sa[ready], a[ready].v, a[ready].n))
			goto out;
		if (bootstrap_sample_init(&sb[ready], b[ready].v, b[ready].n)) {
			bootstrap_sample_free(&sa[ready]);
			goto out;
		}
	}
	for (size_t r = 0; r < nr; r++) {
		double sum = 0;

		if (joint) {
			draw_rounds(rounds_a, a[0].n, &rng);
			draw_rounds(rounds_b, b[0].n, &rng);
		}
		for (size_t i = 0; i < k; i++) {
			double ma = joint ? median_of_rounds(&sa[i], rounds_a)
					  : bootstrap_median(&sa[i], &rng);
			double mb = joint ? median_of_rounds(&sb[i], rounds_b)
					  : bootstrap_median(&sb[i], &rng);

			sum += log(mb / ma);
		}
		log_ratios[r] = sum / (double)k;
	}
	qsort(log_ratios, nr, sizeof(*log_ratios), cmp_double);
	ret = 0;
out:
	for (size_t i = 0; i < ready; i++) {
		bootstrap_sample_free(&sa[i]);
		bootstrap_sample_free(&sb[i]);
	}
	free(sa);
	free(sb);
	free(rounds_a);
	free(rounds_b);
	return ret;
}
