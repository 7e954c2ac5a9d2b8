# SPDX-License-Identifier: GPL-2.0
"""What the report's page is made of: reading a case's metrics, text escaped and numbers
formatted for HTML, status badges, and the style sheet.

Only Python's standard library is used."""

import html
import json

# Cases that have samples to show (an interrupted case keeps the samples so far).
MEASURED = ("ok", "interrupted")


# ---------------------------------------------------------------------------------------------
# Reading cases


def metric(case, name):
    """Metric NAME of CASE as a dict, or None when the case does not have it."""
    m = (case.get("metrics") or {}).get(name) if name else None
    return m if isinstance(m, dict) else None


def summary_of(m):
    """The summary of an available metric, or None."""
    if m and m.get("available") and isinstance(m.get("summary"), dict):
        return m["summary"]
    return None


def primary_metric(cases):
    """The workload's primary rate: its first metric named *_per_sec (not *_per_vcpu)."""
    for c in cases:
        for name in c.get("metrics") or {}:
            if name.endswith("_per_sec"):
                return name
    return None


def op_metric(cases):
    """The workload's host cost per operation: ns_per_<op>."""
    for c in cases:
        for name in c.get("metrics") or {}:
            if name.startswith("ns_per_"):
                return name
    return None


def sample_values(m):
    """The numeric per-sample values of an available metric."""
    if not m or not m.get("available"):
        return []
    return [v for v in m.get("values") or [] if isinstance(v, (int, float))]


def group(items, key):
    """Items grouped by key(item), groups and their items in first-seen order."""
    out = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return out


# ---------------------------------------------------------------------------------------------
# HTML helpers


def e(value):
    """Text from the results, escaped for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


def fmt(x):
    """A number for a reader: thousands grouped, three significant digits otherwise."""
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return "—"
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def fmt_value(value):
    """An environment value as escaped HTML."""
    if value is None or value == "":
        return '<span class="dim">—</span>'
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return e(", ".join(str(v) for v in value)) if value else '<span class="dim">none</span>'
    if isinstance(value, dict):  # as JSON writes its scalars: true, not Python's True
        return e(", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}"
                           for k, v in value.items()))
    return e(value)


def badge(status):
    return f'<span class="st st-{e(status)}">{e(status)}</span>'


def unavailable(reason):
    return f'<span class="na" title="{e(reason or "no reason given")}">unavailable</span>'


def median_ci(summary):
    """'median [ci_low – ci_high]' as HTML; the interval is left out when there is none."""
    if not summary:
        return '<span class="dim">—</span>'
    text = f'<span class="num">{fmt(summary.get("median"))}</span>'
    lo, hi = summary.get("ci_low"), summary.get("ci_high")
    if lo is not None and hi is not None:
        text += f' <span class="ci">[{fmt(lo)} – {fmt(hi)}]</span>'
    elif summary.get("ci_note"):
        text += f' <span class="ci" title="{e(summary["ci_note"])}">[no CI]</span>'
    return text


def median_lo_hi(summary):
    """(median, ci_low, ci_high) of a summary; the interval collapses onto the median when
    there is none (fewer than 5 samples), so a plot draws no whisker."""
    med = summary["median"]
    lo, hi = summary.get("ci_low"), summary.get("ci_high")
    return med, med if lo is None else lo, med if hi is None else hi


CSS = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #1d232a; background: #f6f7f9; margin: 0; }
main { max-width: 1320px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 19px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #d5dae1; }
h3 { font-size: 15px; margin: 16px 0 6px; }
h4 { margin: 0 0 4px; }
code { font: 12.5px/1.3 ui-monospace, "DejaVu Sans Mono", monospace; }
code.wrap { white-space: pre-wrap; word-break: break-all; }
nav a { margin-right: 14px; }
a { color: #2456a6; }
section { background: #fff; border: 1px solid #dfe3e8; border-radius: 6px; padding: 4px 18px 16px;
          margin-top: 18px; }
table { border-collapse: collapse; }
table.kv { width: 100%; }
table.kv th { text-align: left; vertical-align: top; font-weight: 600; width: 30%;
              padding: 3px 10px 3px 0; color: #445; }
table.kv td { padding: 3px 0; vertical-align: top; }
table.kv tr + tr { border-top: 1px solid #eef0f3; }
table.grid { width: 100%; font-size: 13px; }
table.grid th, table.grid td { border: 1px solid #dfe3e8; padding: 4px 7px; text-align: left;
                               vertical-align: top; }
table.grid thead th { background: #eef1f5; font-weight: 600; }
table.grid small { font-weight: 400; color: #667; }
table.grid tbody tr:nth-child(even) td { background: #fafbfc; }
table.cases td:first-child { width: 27%; }
table.cases td code { word-break: break-all; }
.caveats summary { cursor: pointer; color: #556; font-size: 12px; }
tr.variant th { background: #e3e9f2; text-align: left; }
tr.not-run td { color: #555; }
td.reason { font-style: italic; }
.num { font-variant-numeric: tabular-nums; }
.ci { color: #667; font-size: 12px; white-space: nowrap; }
.dim { color: #99a; }
.na { color: #a15c00; border-bottom: 1px dotted #a15c00; cursor: help; }
.st { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600;
      color: #fff; background: #778; }
.st-ok, .st-complete, .st-available { background: #2e7d32; }
.st-skipped, .st-unsupported { background: #8a8f98; }
.st-failed, .st-unusable { background: #c62828; }
.st-interrupted, .st-running, .st-pending { background: #c77700; }
.banner { background: #fff4e0; border: 1px solid #e0a040; padding: 8px 12px; border-radius: 6px; }
.caveats { background: #fff8e6; border-left: 4px solid #e0a040; padding: 8px 12px;
            margin-top: 12px; }
.caveats ul { margin: 0; padding-left: 18px; }
.caveat-mark { color: #c77700; text-decoration: none; cursor: help; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 0 28px; }
ul.caps { columns: 2; margin: 0; padding-left: 16px; }
.figs { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
figure { margin: 0; border: 1px solid #eef0f3; border-radius: 4px; padding: 6px; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 12.5px; color: #445; margin-top: 4px; }
p.note { color: #555; font-style: italic; }
nav { margin-top: 18px; }
table.matrix { width: auto; }
table.matrix tbody th { text-align: left; font-weight: 600; white-space: nowrap; }
table.matrix td.cell { white-space: nowrap; }
table.matrix td.flagged { background: #fff4e0 !important; }
b.off { color: #c62828; margin-left: 2px; cursor: help; }
ol.findings li { margin: 3px 0; }
ol.findings li.differ { font-weight: 600; }
ol.findings li.differ .ci, ol.findings li.differ b { font-weight: 700; }
ol.findings li.indistinguishable, ol.findings li.too-few { color: #445; }
ul.skips, ul.failures { margin: 4px 0; padding-left: 20px; }
ul.skips .num { display: inline-block; min-width: 5.5em; color: #556; }
footer { color: #778; font-size: 12px; margin-top: 24px; }
@media (max-width: 900px) { .cols, .figs { grid-template-columns: 1fr; } }
"""
