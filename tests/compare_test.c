// SPDX-License-Identifier: GPL-2.0
/*
 * The A/B statistics on synthetic samples with known truth, over many seeded trials: a 5%
 * shift in realistic noise is caught, identical distributions are flagged no more often than
 * the significance level allows, the ratio's interval covers the true ratio, and few samples
 * give no verdict.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

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

/*
 * A workload on this host, simulated: CASES cases of different rates, N rounds a side. Each
 * round the host is in one of two speed states, shared by every case of the round (the
 * figures of issue 12: 88-108k and 123-143k exits/s, so the slow state is about 0.72 of the
 * fast one), and each sample has SAMPLE_NOISE of its own. The calibration case of the round
 * sees the same state with CAL_NOISE of its own.
 */
#define CASES	     6
#define SLOW_STATE   0.72
#define SAMPLE_NOISE 0.05
#define CAL_NOISE    0.02
#define GROUP_TRIALS 200

struct sim_side {
	double v[CASES][N];
};

static double lognormal(struct stats_rng *rng, double sd)
{
	double u1 = stats_rng_uniform(rng), u2 = stats_rng_uniform(rng);

	return exp(sd * sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2));
}

/*
 * One side: case c's rate is scaled by shift[c]; shared: whether the rounds' speed states
 * are shared by the cases (else each sample draws its own); normalize: divided by the
 * calibration of its round.
 */
static void simulate(struct stats_rng *rng, struct sim_side *side, const double *shift, bool shared,
		     bool normalize)
{
	for (int r = 0; r < N; r++) {
		double state = stats_rng_uniform(rng) < 0.5 ? 1.0 : SLOW_STATE;
		double cal = 1e6 * state * lognormal(rng, CAL_NOISE);

		for (int c = 0; c < CASES; c++) {
			double s = shared ? state
					  : (stats_rng_uniform(rng) < 0.5 ? 1.0 : SLOW_STATE);
			double rate =
				40000.0 * (c + 1) * shift[c] * s * lognormal(rng, SAMPLE_NOISE);

			side->v[c][r] = normalize ? rate / cal : rate;
		}
	}
}

struct group_tally {
	int verdicts[VERDICT_NOT_COMPARABLE + 1];
	int case_regressions[CASES];
};

/* Trials of A against B where B's case c is scaled by shift[c]; joint as compare uses it. */
static int group_trials(uint64_t seed, const double *shift, bool shared, bool normalize, bool joint,
			struct group_tally *t)
{
	static const double none[CASES] = { 1, 1, 1, 1, 1, 1 };
	struct stats_rng rng = { .state = seed };
	struct sim_side a, b;

	memset(t, 0, sizeof(*t));
	for (int trial = 0; trial < GROUP_TRIALS; trial++) {
		struct stats_values va[CASES], vb[CASES];
		struct compare_group_result g;

		simulate(&rng, &a, none, shared, normalize);
		simulate(&rng, &b, shift, shared, normalize);
		for (int c = 0; c < CASES; c++) {
			struct compare_result r;

			va[c] = (struct stats_values){ a.v[c], N };
			vb[c] = (struct stats_values){ b.v[c], N };
			if (compare_samples(a.v[c], N, b.v[c], N, true, COMPARE_DEFAULT_THRESHOLD,
					    COMPARE_DEFAULT_ALPHA, (uint64_t)trial, &r))
				return -1;
			t->case_regressions[c] += r.verdict == VERDICT_REGRESSION;
		}
		if (compare_groups(va, vb, CASES, joint, true, COMPARE_DEFAULT_THRESHOLD,
				   COMPARE_DEFAULT_ALPHA, (uint64_t)trial, &g))
			return -1;
		t->verdicts[g.verdict]++;
	}
	return 0;
}

static int changes(const struct group_tally *t)
{
	return t->verdicts[VERDICT_REGRESSION] + t->verdicts[VERDICT_IMPROVEMENT];
}

/* alpha * trials plus three standard deviations of that binomial count. */
static int false_positive_bound(int trials)
{
	double expect = COMPARE_DEFAULT_ALPHA * trials;

	return (int)(expect + 3 * sqrt(expect * (1 - COMPARE_DEFAULT_ALPHA)));
}

/*
 * Normalised by the calibration of their round, 10-sample pairs find a uniform shift of every
 * case at workload level: 10% in at least 95% of the pairs, 5% in at least 80%.
 */
TEST(workload_shift_found_when_normalised)
{
	const double ten[CASES] = { 0.9, 0.9, 0.9, 0.9, 0.9, 0.9 };
	const double five[CASES] = { 0.95, 0.95, 0.95, 0.95, 0.95, 0.95 };
	struct group_tally t10, t5, raw;

	ASSERT_EQ(0, group_trials(11, ten, true, true, true, &t10));
	ASSERT_EQ(0, group_trials(12, five, true, true, true, &t5));
	ASSERT_EQ(0, group_trials(13, ten, true, false, true, &raw));
	TH_LOG("normalised: 10%% shift %d/%d, 5%% shift %d/%d (%d not significant, %d below "
	       "threshold); raw rates, 10%%: %d/%d",
	       t10.verdicts[VERDICT_REGRESSION], GROUP_TRIALS, t5.verdicts[VERDICT_REGRESSION],
	       GROUP_TRIALS, t5.verdicts[VERDICT_NO_CHANGE], t5.verdicts[VERDICT_BELOW_THRESHOLD],
	       raw.verdicts[VERDICT_REGRESSION], GROUP_TRIALS);
	EXPECT_LE(GROUP_TRIALS * 95 / 100, t10.verdicts[VERDICT_REGRESSION]);
	EXPECT_LE(GROUP_TRIALS * 80 / 100, t5.verdicts[VERDICT_REGRESSION]);
}

/*
 * A/A: no workload verdict of change beyond what alpha allows, on raw rates whose speed
 * states the cases share (the joint bootstrap keeps the rounds together) and normalised.
 * Resampling each case on its own would treat the shared state as independent noise and
 * flag a change far more often: that is why the rounds are drawn jointly.
 */
TEST(workload_a_a_false_positives)
{
	const double none[CASES] = { 1, 1, 1, 1, 1, 1 };
	struct group_tally raw, norm, indep;

	ASSERT_EQ(0, group_trials(15, none, true, false, true, &raw));
	ASSERT_EQ(0, group_trials(16, none, true, true, true, &norm));
	ASSERT_EQ(0, group_trials(15, none, true, false, false, &indep));
	TH_LOG("A/A workload changes in %d trials: raw %d, normalised %d (bound %d); "
	       "resampling cases independently %d",
	       GROUP_TRIALS, changes(&raw), changes(&norm), false_positive_bound(GROUP_TRIALS),
	       changes(&indep));
	EXPECT_LE(changes(&raw), false_positive_bound(GROUP_TRIALS));
	EXPECT_LE(changes(&norm), false_positive_bound(GROUP_TRIALS));
	EXPECT_GT(changes(&indep), false_positive_bound(GROUP_TRIALS));
}

/*
 * A shift confined to one case (15%, normalised) is still reported on that case, and the
 * other cases stay quiet.
 */
TEST(one_case_shift_reported_on_that_case)
{
	const double one[CASES] = { 1, 1, 0.85, 1, 1, 1 };
	struct group_tally t;
	int others = 0;

	ASSERT_EQ(0, group_trials(17, one, true, true, true, &t));
	for (int c = 0; c < CASES; c++)
		others += c == 2 ? 0 : t.case_regressions[c];
	TH_LOG("one case 15%% lower: that case %d/%d; the other cases %d in %d; workload %d",
	       t.case_regressions[2], GROUP_TRIALS, others, (CASES - 1) * GROUP_TRIALS,
	       t.verdicts[VERDICT_REGRESSION]);
	EXPECT_LE(GROUP_TRIALS * 90 / 100, t.case_regressions[2]);
	EXPECT_LE(others, false_positive_bound((CASES - 1) * GROUP_TRIALS));
}

TEST(workload_needs_cases_and_positive_values)
{
	const double a[] = { 1, 2, 3, 4, 5 }, b[] = { 1, 2, 0, 4, 5 };
	struct stats_values va = { a, 5 }, vb = { b, 5 }, short_b = { a, 3 };
	struct compare_group_result g;

	EXPECT_EQ(-EINVAL, compare_groups(&va, &va, 0, true, true, 0.05, 0.01, 1, &g));
	ASSERT_EQ(0, compare_groups(&va, &vb, 1, true, true, 0.05, 0.01, 1, &g));
	EXPECT_EQ(VERDICT_NOT_COMPARABLE, g.verdict);
	ASSERT_EQ(0, compare_groups(&va, &short_b, 1, true, true, 0.05, 0.01, 1, &g));
	EXPECT_EQ(VERDICT_TOO_FEW, g.verdict);
	EXPECT_EQ(-EINVAL, stats_geomean_ratio_bootstrap((struct stats_values[]){ va, va },
							 (struct stats_values[]){ va, short_b }, 2,
							 true, 1, (double[4]){ 0 }, 4));
}

TEST_HARNESS_MAIN
