// SPDX-License-Identifier: GPL-2.0
/*
 * The A/B statistics on synthetic samples with known truth, over many seeded trials: a 5%
 * shift in realistic noise is caught, identical distributions are flagged no more often than
 * the significance level allows, the ratio's interval covers the true ratio, and few samples
 * give no verdict.
 */
#include <math.h>

#include "kselftest_harness.h"

#include "results/compare.h"
#include "measure/stats.h"

#define N      10   /* samples a side, as make bench keeps */
#define NOISE  0.03 /* 3% relative noise per sample: this host on a quiet minute */
#define TRIALS 300

/* Samples around `level` with lognormal noise of relative spread `sd` (Box-Muller). */
static void draw(struct stats_rng *rng, double *v, int n, double level, double sd)
{
	for (int i = 0; i < n; i++) {
		double u1 = stats_rng_uniform(rng), u2 = stats_rng_uniform(rng);
		double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);

		v[i] = level * exp(sd * z);
	}
}

static int count_verdicts(uint64_t seed, double shift, double sd, int n, bool higher_is_better,
			  enum compare_verdict verdict)
{
	struct stats_rng rng = { .state = seed };
	double a[64], b[64];
	int count = 0;

	for (int t = 0; t < TRIALS; t++) {
		struct compare_result r;

		draw(&rng, a, n, 100000.0, sd);
		draw(&rng, b, n, 100000.0 * (1.0 + shift), sd);
		if (compare_samples(a, n, b, n, higher_is_better, COMPARE_DEFAULT_THRESHOLD,
				    COMPARE_DEFAULT_ALPHA, (uint64_t)t, &r))
			return -1;
		count += r.verdict == verdict;
	}
	return count;
}

TEST(mann_whitney_separated_identical_and_symmetric)
{
	const double low[] = { 1, 2, 3, 4, 5, 6, 7, 8 },
		     high[] = { 11, 12, 13, 14, 15, 16, 17, 18 };
	const double same[] = { 5, 5, 5, 5, 5 };
	double p, q;

	ASSERT_EQ(0, stats_mann_whitney(low, 8, high, 8, &p));
	EXPECT_LT(p, 0.001);
	ASSERT_EQ(0, stats_mann_whitney(high, 8, low, 8, &q));
	EXPECT_TRUE(fabs(p - q) < 1e-12);
	ASSERT_EQ(0, stats_mann_whitney(same, 5, same, 5, &p));
	EXPECT_EQ(1.0, p);
	ASSERT_EQ(0, stats_mann_whitney(low, 8, low, 8, &p));
	EXPECT_GT(p, 0.9);
	EXPECT_EQ(-EINVAL, stats_mann_whitney(low, 0, high, 8, &p));
}

/*
 * A rate 5% lower in B is a regression in at least 90% of the trials: with make bench's 10
 * samples a side at 2% noise, and with 20 a side at 3% (10 a side at 3% catch about 75%:
 * the README says to take more samples for A/B runs on a noisy host).
 */
TEST(five_percent_regression_is_detected)
{
	int quiet = count_verdicts(1, -0.05, 0.02, N, true, VERDICT_REGRESSION);
	int noisy = count_verdicts(1, -0.05, NOISE, 2 * N, true, VERDICT_REGRESSION);

	TH_LOG("5%% drop: %d/%d caught at 2%% noise, %d samples; %d/%d at 3%%, %d samples", quiet,
	       TRIALS, N, noisy, TRIALS, 2 * N);
	EXPECT_LE(TRIALS * 90 / 100, quiet);
	EXPECT_LE(TRIALS * 90 / 100, noisy);
}

/* The same shift in a lower-is-better metric (ns per exit) is an improvement. */
TEST(direction_follows_the_metric)
{
	int hits = count_verdicts(2, -0.05, 0.02, N, false, VERDICT_IMPROVEMENT);

	EXPECT_LE(TRIALS * 90 / 100, hits);
}

/*
 * A/A: identical distributions give a verdict of change no more often than alpha allows:
 * at most alpha * trials plus three standard deviations of that binomial count.
 */
TEST(identical_distributions_false_positive_rate)
{
	int up = count_verdicts(3, 0.0, NOISE, N, true, VERDICT_IMPROVEMENT);
	int down = count_verdicts(3, 0.0, NOISE, N, true, VERDICT_REGRESSION);
	double expect = COMPARE_DEFAULT_ALPHA * TRIALS;
	double bound = expect + 3 * sqrt(expect * (1 - COMPARE_DEFAULT_ALPHA));

	TH_LOG("A/A: %d changes in %d trials (alpha %.2f allows %.1f)", up + down, TRIALS,
	       COMPARE_DEFAULT_ALPHA, bound);
	ASSERT_LE(0, up);
	EXPECT_LE(up + down, (int)bound);
}

/* A real but small change (1% in 0.3% noise) is significant yet below the 5% threshold. */
TEST(small_real_change_is_below_threshold)
{
	int below = count_verdicts(4, -0.01, 0.003, 20, true, VERDICT_BELOW_THRESHOLD);

	EXPECT_LE(TRIALS * 90 / 100, below);
}

TEST(few_samples_give_no_verdict)
{
	const double a[] = { 100, 101, 99 }, b[] = { 50, 51, 49 };
	struct compare_result r;

	ASSERT_EQ(0, compare_samples(a, 3, b, 3, true, 0.05, 0.01, 1, &r));
	EXPECT_EQ(VERDICT_TOO_FEW, r.verdict);
	EXPECT_TRUE(fabs(r.ratio - 0.5) < 1e-9);
	EXPECT_TRUE(isnan(r.p));
}

/* The bootstrap interval of the ratio covers the true ratio about as often as it claims. */
TEST(ratio_interval_covers_the_true_ratio)
{
	struct stats_rng rng = { .state = 5 };
	int covered = 0;

	for (int t = 0; t < TRIALS; t++) {
		double a[30], b[30], low, high;

		draw(&rng, a, 30, 1000.0, NOISE);
		draw(&rng, b, 30, 1050.0, NOISE);
		ASSERT_EQ(0, stats_ratio_ci(a, 30, b, 30, (uint64_t)t, &low, &high));
		covered += low <= 1.05 && 1.05 <= high;
	}
	TH_LOG("coverage %d/%d", covered, TRIALS);
	EXPECT_LE(TRIALS * 88 / 100, covered);
}

TEST_HARNESS_MAIN
