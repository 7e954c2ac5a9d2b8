# SPDX-License-Identifier: GPL-2.0
"""Change points (steps) in a history of benchmark runs, for gmembench-dashboard.

Input: one case on one host, its runs in time order, each run given by its kept samples of
the primary metric (the `values` of results.json), or a workload's index, one value per round
(gmembench_workloads.py). Output: the runs where a new level starts.

Method
------
1. Binary segmentation. In a segment of n runs every split leaving at least `min_runs` runs
   on each side is a candidate. For each candidate, a Mann-Whitney rank-sum statistic
   compares all samples of the runs before it with all samples of the runs after it,
   standardised to z; the candidate with the largest |z| is the segment's best split.

2. A permutation test of that maximum over whole runs. With no change in the segment its
   runs are exchangeable, whatever the day-to-day noise, so the order of the runs is
   shuffled (each run keeping its samples together) and the largest |z| over all candidates
   is computed again; p is the share of shuffles reaching the observed maximum (up to 1999
   shuffles, stopped early by Besag and Clifford's sequential rule once p >= alpha is
   certain). Compared with the textbook Mann-Whitney p-value of the best split:
   - taking the maximum over the candidates inside the test is the correction for the
     number of split points (exact, where Bonferroni would be conservative because
     neighbouring splits are strongly correlated);
   - shuffling runs, not samples, respects that the samples of one night share its boot,
     placement and host load: they are not independent, and a test that treats them as
     independent flags ordinary night-to-night variation as steps.
   When p < alpha the split is a boundary and both sides are segmented again.

3. A practical threshold, the same rule as `gmembench compare`. The level of a segment is
   the median of its runs' medians. A boundary is reported as a change point only when the
   change of level may reach `threshold`: the far end of a 95% bootstrap interval of
   after/before (run medians resampled within each neighbouring segment) is at least
   `threshold` away from 1. Judging the point estimate alone would report a true step of
   exactly the threshold only half the time. A boundary below the threshold still splits the
   history, so that a small real shift does not blur the levels around a large one.

False positives: in a history with no change the first test rejects with probability at most
alpha and nothing further is tested unless it does, so the chance of reporting any change
point is at most alpha (1% by default) per case history; the threshold only lowers it. In a
history with real changes each segment between them is again tested at level alpha.

Limits: a shuffle test over n runs cannot reach a p-value below about 1/C(n, k), so with
min_runs = 3 about 10 runs are needed before anything can be reported, and a new level is
seen only once it has lasted min_runs runs. A slow drift appears as one or more steps, or
not at all when each step is below the threshold.
"""
import math
import random
import statistics
from dataclasses import dataclass

PERMUTATIONS = 1999  # shuffles per test: p-values down to 1/2000

# The method as the dashboard shows it beside the change points; keep it in step with the
# docstring above.
METHOD_SUMMARY = (
    "Binary segmentation of each history of runs (a case's, or a workload's index). In a "
    "segment, every split leaving at least {min_runs} runs on each side is a candidate, "
    "scored by a Mann-Whitney "
    "rank-sum z comparing all samples before it with all samples after it; the best split "
    "is tested by shuffling the order of whole runs (up to {permutations} shuffles) and "
    "recomputing the largest |z| over all candidates. Taking the maximum inside the test "
    "corrects for the number of candidate splits, and shuffling runs rather than samples "
    "keeps night-to-night variation from passing as a step. A split with p < {alpha} is a "
    "boundary and both sides are segmented again. A boundary is reported as a change point "
    "only when the change of level (median of run medians, after over before) may reach "
    "{threshold_percent:g}%: the far end of its 95% bootstrap interval, resampling runs, "
    "is that far from no change. In a history with no change, the chance of reporting any "
    "change point is at most {alpha} per history. A history needs about 10 runs before a "
    "change can be reported, and a new level must last {min_runs} runs to be seen."
)


@dataclass
class ChangePoint:
    index: int  # the first run of the new level
    before: float  # level of the segment before: median of its runs' medians
    after: float  # level of the segment from `index` on
    relative: float  # after / before - 1
    p_value: float  # of the permutation test that found the boundary
    low: float  # 95% bootstrap interval of after / before
    high: float


def direction(relative, better):
    """'improvement' or 'regression' for a relative change of a metric whose `better` is
    'higher' or 'lower'."""
    up = relative > 0
    return "improvement" if up == (better == "higher") else "regression"


def _rank_sums(runs):
    """Per run, the sum of the mid-ranks of its samples among all samples of `runs`."""
    pooled = sorted((v, i) for i, values in enumerate(runs) for v in values)
    sums = [0.0] * len(runs)
    start = 0
    while start < len(pooled):
        end = start
        while end < len(pooled) and pooled[end][0] == pooled[start][0]:
            end += 1
        rank = (start + 1 + end) / 2  # ties share the mean of their 1-based ranks
        for _, i in pooled[start:end]:
            sums[i] += rank
        start = end
    return sums


def _best_split(order, sums, counts, total, min_runs):
    """The split (runs before it, in `order`) with the largest Mann-Whitney |z|."""
    best_k, best_z = 0, -1.0
    w = left = 0
    for k in range(1, len(order) - min_runs + 1):
        w += sums[order[k - 1]]
        left += counts[order[k - 1]]
        if k < min_runs:
            continue
        # W - E[W] over the standard deviation of W under no difference (ties ignored: the
        # permutation test calibrates the statistic, z only makes splits comparable).
        z = abs(w - left * (total + 1) / 2) / math.sqrt(left * (total - left) * (total + 1) / 12)
        if z > best_z:
            best_k, best_z = k, z
    return best_k, best_z


def _test_segment(runs, min_runs, alpha, permutations, rng):
    """(split, p) for the best split of a segment of runs."""
    sums = _rank_sums(runs)
    counts = [len(v) for v in runs]
    total = sum(counts)
    order = list(range(len(runs)))
    split, observed = _best_split(order, sums, counts, total, min_runs)
    # Besag-Clifford: after `limit` shuffles at least as extreme, p >= alpha is certain.
    limit = int(alpha * (permutations + 1)) + 1
    hits = 0
    for done in range(1, permutations + 1):
        rng.shuffle(order)
        if _best_split(order, sums, counts, total, min_runs)[1] >= observed * (1 - 1e-12):
            hits += 1
            if hits == limit:
                return split, hits / done
    return split, (hits + 1) / (permutations + 1)


def boundaries(runs, alpha=0.01, min_runs=3, permutations=PERMUTATIONS, seed=0):
    """Significant boundaries of `runs` (lists of samples, in time order) by binary
    segmentation: a sorted list of (index of the first run after it, p-value)."""
    rng = random.Random(seed)
    found = []

    def segment(lo, hi):
        if hi - lo < 2 * min_runs:
            return
        split, p = _test_segment(runs[lo:hi], min_runs, alpha, permutations, rng)
        if p < alpha:
            found.append((lo + split, p))
            segment(lo, lo + split)
            segment(lo + split, hi)

    segment(0, len(runs))
    return sorted(found)


BOOTSTRAP = 1000  # resamples for the interval of a change of level


def level_ratio_interval(before, after, rng):
    """95% percentile-bootstrap interval of median(after) / median(before), resampling the
    run medians of each side on its own."""
    ratios = []
    for _ in range(BOOTSTRAP):
        b = statistics.median(rng.choices(before, k=len(before)))
        a = statistics.median(rng.choices(after, k=len(after)))
        ratios.append(a / b if b else math.inf)
    ratios.sort()
    return ratios[int(0.025 * BOOTSTRAP)], ratios[int(0.975 * BOOTSTRAP) - 1]


def detect(runs, threshold=0.05, alpha=0.01, min_runs=3, permutations=PERMUTATIONS, seed=0):
    """Change points of `runs` (lists of samples, one per run, in time order): boundaries
    whose change of level may reach `threshold` (see the module docstring)."""
    runs = [list(v) for v in runs]
    if any(not v for v in runs):
        raise ValueError("every run needs at least one sample")
    found = boundaries(runs, alpha, min_runs, permutations, seed)
    medians = [statistics.median(v) for v in runs]
    edges = [0] + [i for i, _ in found] + [len(runs)]
    levels = [statistics.median(medians[a:b]) for a, b in zip(edges, edges[1:])]
    rng = random.Random(seed)
    points = []
    for j, (index, p) in enumerate(found):
        before, after = levels[j], levels[j + 1]
        if before == 0:
            relative = math.inf if after != 0 else 0.0
        else:
            relative = after / before - 1
        low, high = level_ratio_interval(medians[edges[j]:edges[j + 1]],
                                         medians[edges[j + 1]:edges[j + 2]], rng)
        reach = high - 1 if relative > 0 else 1 - low
        if reach >= threshold:
            points.append(ChangePoint(index, before, after, relative, p, low, high))
    return points
