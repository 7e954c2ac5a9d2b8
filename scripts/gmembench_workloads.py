# SPDX-License-Identifier: GPL-2.0
"""Workload indices for gmembench-dashboard: one history per workload on a host, so that a
change shared by a workload's cases is judged as a whole, as `gmembench compare` judges a
workload by the geometric mean of its cases' ratios.

Input: one host's runs in time order, each with its ok cases' primary metric (the
dashboard's Run and Point: run.points maps a case id to a point with workload, mode,
metric, better and values; run.order is the run's options.order). Output: per workload, one
list of values per run, for gmembench_changepoint.detect, which judges it by the same rule
as a case's history.

The index
---------
- Cases: the workload's harness cases (raw twins never), with the same primary metric, that
  are in every run of the workload's history, so that every run's index is over the same
  cases. When no case is in every run, the latest runs that have a case in common (back to
  the first that has none left in common with those after it), and those cases. A case with a value that is not positive cannot enter a logarithm and is left
  out. The page says how many cases the index combines and what was left out.
- Reference: per case, the median of its run medians over the history. Dividing by it puts
  cases of different scales on one footing; the choice only moves the level of the plot,
  not the change points (the test uses ranks, the threshold a ratio of levels).
- Round k of a run: exp(mean over the cases of log(value_k / reference)), the geometric
  mean of the cases' k-th samples relative to their references. The k-th kept sample of
  every case of a run was taken in the same round (the default order, shuffled, and
  interleaved), under the host state of that round, which all of them share: the cases of a
  round are combined with each other, never treated as independent samples, and the run's
  index has one value per round, as many as a case has samples.
- When rounds do not align (a run with --order sequential, or cases of one run with unequal
  sample counts), one value per run: the same geometric mean over the cases' run medians.
  Then for the whole history, so that every run weighs the same in the test.
- Direction: when the cases share `better`, the index keeps it; when they differ, a case
  whose lower is better enters as its reciprocal and the index is higher-is-better.

A change in one case only moves the index by its share: a step r in one of C cases is
(1 + r) ** (1 / C) - 1 in the index, so a 10% loss in one of 6 cases is 1.7%. The index is
for what the cases share; each case keeps its own history.
"""
import math
import statistics
from dataclasses import dataclass, field

# The index as the dashboard shows it above the workloads; keep it in step with the docstring.
SUMMARY = (
    "Each workload as a whole, by the same rule as each case: an index per run, whose "
    "history goes through the same change-point method and threshold. Round k of a run gives "
    "one value: the geometric mean, over the workload's harness cases (raw twins left out), "
    "of each case's k-th sample over the case's reference, the median of its run medians in "
    "this history (so that cases of different scales combine). The cases of a round share "
    "that round's host state, so they are combined within the round and never counted as "
    "independent samples. Only cases in every run of the history enter; where rounds do not "
    "align, the index is one value per run, from the cases' run medians. A change in one of "
    "C cases moves the index by its share only, (1 + change)^(1/C): the index is for what "
    "the cases share. Details: scripts/gmembench_workloads.py."
)
LOG_SPAN = math.log(1e300)
SEQUENTIAL = "sequential"  # the run order in which round k of two cases is not one moment


@dataclass
class IndexPoint:
    """One run's index: the values change points are found in, and their median."""
    run: object
    values: list
    median: float
    ci_low: float = None  # distribution-free 95% interval of the median; None below 6 values
    ci_high: float = None


@dataclass
class WorkloadIndex:
    workload: str
    cases: list  # case ids combined, in the newest run's order
    all_cases: int  # harness cases of the workload seen in any run of the history
    better: str
    aligned: bool  # round by round (True) or one value per run from the case medians
    references: dict = field(default_factory=dict)  # case id -> its reference
    points: list = field(default_factory=list)  # IndexPoint per run, in time order
    notes: list = field(default_factory=list)  # what was left out, and why, as sentences


def median_interval(values):
    """The order statistics s[k], s[n-1-k] around the median with the largest k whose
    coverage is still at least 95% for any continuous distribution; None below 6 values."""
    s = sorted(values)
    n = len(s)
    k = -1
    while k + 1 < n // 2 and 2 * sum(math.comb(n, i) for i in range(k + 2)) / 2**n <= 0.05:
        k += 1
    return (None, None) if k < 0 else (s[k], s[n - 1 - k])


def workload_order(runs):
    """Workloads with a harness case, in the order of the newest run's cases."""
    order = []
    for run in reversed(runs):
        for point in run.points.values():
            if point.mode == "harness" and point.workload not in order:
                order.append(point.workload)
    return order


def build(runs):
    """A WorkloadIndex per workload of `runs` (one host's, in time order), or, for a workload
    whose cases cannot be combined, a WorkloadIndex without points whose notes say why."""
    return [workload_index(name, runs) for name in workload_order(runs)]


def workload_index(workload, runs):
    held = []  # (run, {(case id, metric): point}) for the runs with a case of the workload
    for run in runs:
        members = {(cid, p.metric): p for cid, p in run.points.items()
                   if p.workload == workload and p.mode == "harness"}
        if members:
            held.append((run, members))
    seen = {cid for _, members in held for cid, _ in members}
    newest = list(held[-1][1])
    index = WorkloadIndex(workload, [], len(seen), "higher", True)
    common = set.intersection(*(set(members) for _, members in held))
    if not common:
        # The latest runs, back to the first that has no case left in common with them.
        common, start = set(newest), len(held) - 1
        while start > 0 and common & set(held[start - 1][1]):
            start -= 1
            common &= set(held[start][1])
        index.notes.append(f"No case is in all {len(held)} runs: the index covers the latest "
                           f"{len(held) - start}, the longest recent stretch with a case in "
                           "common.")
        held = held[start:]
    positive = {key for key in common
                if all(v > 0 for _, members in held for v in members[key].values)}
    if positive != common:
        index.notes.append("Left out, for a value that is not positive: "
                           + ", ".join(sorted(cid for cid, _ in common - positive)) + ".")
    keys = [key for key in newest if key in positive]
    index.cases = [cid for cid, _ in keys]
    if not keys:
        index.notes.append("No case to combine.")
        return index

    directions = {held[-1][1][key].better for key in keys}
    flip = {key: False for key in keys}
    if len(directions) == 1:
        index.better = directions.pop()
    else:
        flip = {key: held[-1][1][key].better == "lower" for key in keys}
        index.notes.append("Cases whose lower is better enter as reciprocals.")

    reference = {key: statistics.median(statistics.median(m[key].values) for _, m in held)
                 for key in keys}
    index.references = {cid: reference[cid, metric] for cid, metric in keys}
    unaligned = [run for run, m in held
                 if getattr(run, "order", None) == SEQUENTIAL
                 or len({len(m[key].values) for key in keys}) > 1]
    if unaligned:
        index.aligned = False
        index.notes.append(f"Rounds do not align in {len(unaligned)} of {len(held)} runs "
                           "(order sequential, or unequal sample counts): one value per run, "
                           "from the cases' run medians.")

    def combine(pairs):
        """exp(mean of log(value / reference)), over (key, value) pairs."""
        logs = [(math.log(v) - math.log(reference[key])) * (-1 if flip[key] else 1)
                for key, v in pairs]
        # Values span 1e-300..1e300 at most (gmembench_results.validate); an index kept in
        # that span stays one that gnuplot can draw.
        return math.exp(max(-LOG_SPAN, min(LOG_SPAN, math.fsum(logs) / len(logs))))

    for run, m in held:
        if index.aligned:
            values = [combine(zip(keys, rnd)) for rnd in zip(*(m[key].values for key in keys))]
        else:
            values = [combine((key, statistics.median(m[key].values)) for key in keys)]
        low, high = median_interval(values)
        index.points.append(IndexPoint(run, values, statistics.median(values), low, high))
    return index
