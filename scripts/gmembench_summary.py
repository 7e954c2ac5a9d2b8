# SPDX-License-Identifier: GPL-2.0
"""What the report's page opens with: the summary that `gmembench run` prints at its end
(bench/cmd/summary.c), read back from the results, and the headline findings.

The summary, by summary.c's rules: per workload a matrix, variants as rows (a row is the
variant, with " xN" for N vCPUs and " 2M-pages" for 2 MiB guest pages), the backends that ran
a case of the workload as columns (raw twins included, in the results' backend order), each
cell the median of the case's rate (its primary metric) with its 95% interval, flagged `!`
where the median over rounds of its rate over its raw twin's is off 1 by over 10%. Raw twins
have no row of their own. Then each reason for a skip once, with how many cases it covers,
and every failed case with its reason.

The findings: per row, the backend with the highest median rate against the one with the
lowest, as the ratio of the two medians and a 95% percentile-bootstrap interval of that ratio
from the two cases' kept samples (as bench/measure/stats.c stats_ratio_ci: each side resampled
on its own, RESAMPLES times; seeded from the run's seed and the two case ids). A difference is
claimed only where the interval excludes 1; below MIN_SAMPLES samples on a side there is no
interval and no claim. Rows are ranked by the ratio, largest first, MAX_FINDINGS per workload.

Only Python's standard library is used."""

import math
import random
import statistics

from gmembench_html import MEASURED, e, group, metric, primary_metric, summary_of

OFF_RAW = 0.10  # summary.c: '!' where |vs raw - 1| is over this
MIN_SAMPLES = 5  # stats.c STATS_MIN_SAMPLES_FOR_CI
RESAMPLES = 2000  # stats.c STATS_BOOTSTRAP_RESAMPLES
CI_LEVEL = 0.95
MAX_FINDINGS = 5

RULE = (f"Per variant (a row of the matrix), the backend with the highest median rate against "
        f"the one with the lowest: the ratio of their medians, with a {CI_LEVEL:.0%} "
        f"percentile-bootstrap interval of that ratio from the two cases' kept samples "
        f"({RESAMPLES} resamples, seeded). A difference is claimed only where the interval "
        f"excludes 1; otherwise the two are indistinguishable; with fewer than {MIN_SAMPLES} "
        f"samples on a side there is no interval and no claim. Largest ratios first, at most "
        f"{MAX_FINDINGS} per workload. The pair is chosen as the extremes after looking, so "
        f"with many backends in a row a lower end just above 1 deserves some doubt.")


# ---------------------------------------------------------------------------------------------
# Reading the results as summary.c reads its run


def rate_name(cases):
    """The workload's rate: the primary metric the cases record, else the first *_per_sec."""
    for c in cases:
        if isinstance(c.get("primary_metric"), str):
            return c["primary_metric"]
    return primary_metric(cases)


def row_label(case):
    """The row of the matrix a case sits in: its parameters but its backend."""
    label = case["variant"]
    if case["vcpus"] != 1:
        label += f" x{case['vcpus']}"
    if case.get("guest_page_size", 4096) != 4096:
        label += " 2M-pages"
    return label


def rate_values(case, rate):
    """The kept samples of the case's rate, [] when it has none."""
    m = metric(case, rate)
    if case["status"] not in MEASURED or not summary_of(m):
        return []
    return [v for v in m.get("values") or [] if isinstance(v, (int, float))]


def vs_raw(case):
    """The median over rounds of the case's rate over its raw twin's, or None."""
    s = (case.get("vs_raw") or {}).get("summary")
    return s["median"] if isinstance(s, dict) and s.get("n", 1) else None


def off_raw(case):
    ratio = vs_raw(case)
    return ratio is not None and abs(ratio - 1) > OFF_RAW


def columns(cases, backend_order):
    """The backends that ran a case of the workload, in the results' order of backends."""
    ran = {c["backend"] for c in cases if c["status"] in MEASURED}
    order = list(dict.fromkeys(backend_order + [c["backend"] for c in cases]))
    return [b for b in order if b in ran]


def matrix(cases, backend_order):
    """(columns, [(row label, [case or None per column])]) of one workload."""
    cols = columns(cases, backend_order)
    harness = [c for c in cases if c["mode"] != "raw"]
    rows = []
    for label, rcases in group(harness, row_label).items():
        rows.append((label, [next((c for c in rcases if c["backend"] == b), None)
                             for b in cols]))
    return cols, rows


# ---------------------------------------------------------------------------------------------
# Findings


def percentile_sorted(values, p):
    """stats.c stats_percentile_sorted: linear between the two nearest ranks."""
    rank = p / 100 * (len(values) - 1)
    lo = int(rank)
    if lo >= len(values) - 1:
        return values[-1]
    return values[lo] + (rank - lo) * (values[lo + 1] - values[lo])


def ratio_interval(low, high, seed):
    """The CI_LEVEL percentile-bootstrap interval of median(high) / median(low), each
    resampled with replacement on its own."""
    rng = random.Random(seed)
    ratios = []
    for _ in range(RESAMPLES):
        m_low = statistics.median(rng.choices(low, k=len(low)))
        m_high = statistics.median(rng.choices(high, k=len(high)))
        ratios.append(m_high / m_low if m_low else math.inf)
    ratios.sort()
    tail = (1 - CI_LEVEL) / 2 * 100
    return percentile_sorted(ratios, tail), percentile_sorted(ratios, 100 - tail)


def findings(cases, backend_order, run_seed):
    """The workload's comparisons, largest ratio first: dicts with row, high and low (the
    cases), ratio, interval ((low, high) or None), verdict (differ, indistinguishable,
    too-few) and counts (samples of low and high); and the rows with one backend."""
    rate = rate_name(cases)
    out, single = [], []
    for label, cells in matrix(cases, backend_order)[1]:
        measured = [(summary_of(metric(c, rate))["median"], i, c) for i, c in enumerate(cells)
                    if c is not None and rate_values(c, rate)]
        if len(measured) == 1:
            single.append(label)
        if len(measured) < 2:
            continue
        # Ties go to the first column, as the matrix shows it.
        high = max(measured, key=lambda m: (m[0], -m[1]))
        low = min(measured, key=lambda m: (m[0], m[1]))
        if low[0] <= 0:
            continue  # no ratio to a rate of 0; the matrix shows it
        out.append({"row": label, "high": high[2], "low": low[2], "ratio": high[0] / low[0],
                    "counts": (len(rate_values(low[2], rate)), len(rate_values(high[2], rate)))})
    out.sort(key=lambda f: -f["ratio"])  # stable: rows in matrix order among equals
    for f in out[:MAX_FINDINGS]:
        if min(f["counts"]) < MIN_SAMPLES:
            f["interval"], f["verdict"] = None, "too-few"
            continue
        f["interval"] = ratio_interval(rate_values(f["low"], rate), rate_values(f["high"], rate),
                                       f"{run_seed}/{f['low']['id']}/{f['high']['id']}")
        lo, hi = f["interval"]
        f["verdict"] = "differ" if lo > 1 or hi < 1 else "indistinguishable"
    return out, single


# ---------------------------------------------------------------------------------------------
# HTML


def short_rate(v):
    """summary.c short_rate(): 950, 13k, 2.41M."""
    if v >= 1e6:
        return f"{v / 1e6:.3g}M"
    if v >= 1e3:
        return f"{v / 1e3:.3g}k"
    return f"{v:.3g}"


def matrix_cell(case, rate):
    if case is None or not rate_values(case, rate):
        # The reason is in the list below the matrices, once.
        why = "no such case" if case is None else f"{case['id']}: {case['status']}"
        text = "failed" if case is not None and case["status"] == "failed" else "-"
        return f'<td class="dim" title="{e(why)}">{text}</td>'
    s = summary_of(metric(case, rate))
    title = f"{case['id']}: median {s['median']:,.0f}/s"
    mark = ""
    if off_raw(case):
        mark = (f'<b class="off" title="{vs_raw(case):.3f} of its raw twin\'s rate (median '
                f'over rounds)">!</b>')
    ci = ""
    if s.get("ci_low") is not None and s.get("ci_high") is not None:
        ci = f' <span class="ci">[{short_rate(s["ci_low"])}–{short_rate(s["ci_high"])}]</span>'
        title += f" [{s['ci_low']:,.0f} – {s['ci_high']:,.0f}]"
    return (f'<td class="cell{" flagged" if mark else ""}" data-case="{e(case["id"])}" '
            f'data-median="{s["median"]!r}" title="{e(title)}"><span class="num">'
            f'{short_rate(s["median"])}</span>{mark}{ci}</td>')


def matrix_html(workload, cases, backend_order):
    cols, rows = matrix(cases, backend_order)
    rate = rate_name(cases)
    if not cols:
        return f'<p class="note">{e(workload)}: no backend ran a case (the reasons are below).</p>'
    op_plural = rate[:-len("_per_sec")] if rate and rate.endswith("_per_sec") else rate
    has_raw = any(c["mode"] == "raw" or "vs_raw" in c for c in cases)
    head = "".join(f"<th><code>{e(b)}</code></th>" for b in cols)
    body = "\n".join(f"<tr><th>{e(label)}</th>" + "".join(matrix_cell(c, rate) for c in cells)
                     + "</tr>" for label, cells in rows)
    return (f'<h3>{e(workload)}: median {e(op_plural)}/s [95% interval]'
            f'{"; <b>!</b> where it is off its raw twin by over 10%" if has_raw else ""}</h3>\n'
            f'<table class="grid matrix" id="matrix-{e(workload)}">\n<thead><tr><th></th>{head}'
            f"</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>")


def skips_html(cases):
    skipped = group([c for c in cases if c["status"] == "skipped"],
                    lambda c: c.get("reason") or "no reason given")
    if not skipped:
        return ""
    items = "\n".join(f'<li><span class="num">{len(v)} case{"s" if len(v) != 1 else ""}</span> '
                      f"{e(reason)}</li>" for reason, v in skipped.items())
    return (f'<h3>Skipped (each reason once; raw twins included)</h3>\n'
            f'<ul class="skips">\n{items}\n</ul>')


def failures_html(cases):
    failed = [c for c in cases if c["status"] == "failed"]
    if not failed:
        return ""
    items = "\n".join(f"<li><code>{e(c['id'])}</code>: {e(c.get('reason') or 'no reason given')}"
                      "</li>" for c in failed)
    return f'<h3>Failed</h3>\n<ul class="failures">\n{items}\n</ul>'


def summary_section(doc):
    """The matrix of every workload, the skip reasons and the failures, as gmembench run
    prints them at its end."""
    order = [b["name"] for b in doc["backends"]]
    workloads = group(doc["cases"], lambda c: c["workload"])
    matrices = "\n".join(matrix_html(w, cases, order) for w, cases in workloads.items())
    return f"""<section id="summary">
<h2>Summary</h2>
<p class="note">As <code>gmembench run</code> prints it at its end: per workload, variants by
the backends that ran, each cell the median rate with its 95% bootstrap interval; skipped cases
by reason; failed cases in full.</p>
{matrices or '<p class="note">This run has no cases.</p>'}
{skips_html(doc["cases"])}
{failures_html(doc["cases"])}
</section>"""


def finding_html(f):
    hi, lo = f"<code>{e(f['high']['backend'])}</code>", f"<code>{e(f['low']['backend'])}</code>"
    ratio = f'<span class="num">{f["ratio"]:.3g}×</span>'
    attrs = (f'data-row="{e(f["row"])}" data-high="{e(f["high"]["id"])}" '
             f'data-low="{e(f["low"]["id"])}" data-ratio="{f["ratio"]!r}"')
    if f["verdict"] == "too-few":
        return (f'<li class="too-few" {attrs}><b>{e(f["row"])}</b>: {hi} {ratio} {lo}, too few '
                f'samples ({f["counts"][1]} and {f["counts"][0]}; an interval needs '
                f"{MIN_SAMPLES} a side): no claim.</li>")
    lo_ci, hi_ci = f["interval"]
    attrs += f' data-ci-low="{lo_ci!r}" data-ci-high="{hi_ci!r}"'
    ci = f'<span class="ci">[{lo_ci:.3g}–{hi_ci:.3g}]</span>'
    if f["verdict"] == "differ":
        return (f'<li class="differ" {attrs}><b>{e(f["row"])}</b>: {hi} runs at {ratio} the '
                f"rate of {lo} {ci}.</li>")
    return (f'<li class="indistinguishable" {attrs}><b>{e(f["row"])}</b>: {hi} and {lo} are '
            f"indistinguishable: {ratio} {ci}, the interval includes 1.</li>")


def findings_section(doc):
    """Per workload, the largest differences between backends, with their intervals."""
    order = [b["name"] for b in doc["backends"]]
    seed = (doc["run"].get("options") or {}).get("seed", 0)
    parts = []
    for w, cases in group(doc["cases"], lambda c: c["workload"]).items():
        found, single = findings(cases, order, seed)
        items = "\n".join(finding_html(f) for f in found[:MAX_FINDINGS])
        notes = []
        if len(found) > MAX_FINDINGS:
            notes.append(f"{len(found) - MAX_FINDINGS} more variant"
                         f"{'s' if len(found) - MAX_FINDINGS != 1 else ''} with smaller "
                         "ratios not shown")
        if single:
            notes.append("One backend only, nothing to compare: " + ", ".join(single))
        parts.append(f'<h3>{e(w)}</h3>\n'
                     + (f'<ol class="findings" id="findings-{e(w)}">\n{items}\n</ol>\n'
                        if items else "")
                     + "".join(f'<p class="note">{e(n)}.</p>' for n in notes))
    return f"""<section id="findings">
<h2>Headline findings</h2>
<p class="note">{e(RULE)}</p>
{"".join(parts) or '<p class="note">This run has no cases.</p>'}
</section>"""
