#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Synthetic, seeded history of nightly gmembench runs on one host, for the dashboard tests:
one results.json (schema version 1, only the fields the dashboard reads and a few around
them) per night in OUTDIR/<date>-<host>-<id>/.

Each night has a PIO mmio-storm case and a fault case, each with its raw twin, and a skipped
case; --cases N gives the mmio-storm workload N harness cases (other variants and backends,
at other levels, each with its twin). Every sample is level * (1 + N(0, noise)), and each
night's level is scaled by (1 + N(0, night_noise)): the day-to-day variation of a real host.
--slow-rounds P makes each round, with probability P, run at SLOW (0.75) of full speed: a
host state shared by every case of that round, as on a host whose speed flips between two
states (the k-th sample of every case is taken in round k). --step NIGHT FRACTION scales
the PIO mmio-storm case (STEP_CASE) and its twin by (1 + FRACTION) from night NIGHT (counted
from 1) on; --workload-step NIGHT FRACTION scales every mmio-storm case and twin; the fault
case never changes.

  make-history.py OUTDIR --host alpha --seed 1 --step 20 -0.05 --kernel-from 20 6.1.0-2
  make-history.py OUTDIR --host wl --cases 8 --noise 0.12 --slow-rounds 0.3 \
      --workload-step 15 -0.08
"""
import argparse
import json
import math
import os
import random
import statistics
from datetime import datetime, timedelta, timezone

FIRST_NIGHT = datetime(2026, 1, 1, 2, 0, tzinfo=timezone.utc)
STEP_CASE = "mmio-storm/pio/anon/vcpus=1/gpage=4K/size=2M"
CASES = (  # id, workload, variant, backend, operation (plural), level of the primary metric
    (STEP_CASE, "mmio-storm", "pio", "anon", ("exit", "exits"), 90000.0),
    ("fault/guest-touch-4k/anon/vcpus=1/gpage=4K/size=32M", "fault", "guest-touch-4k", "anon",
     ("touch", "touches"), 400000.0),
)
# The further mmio-storm cases of --cases, in this order: other scales, so that an index
# combining them must first bring each to a common reference.
MORE_CASES = tuple(
    (f"mmio-storm/{variant}/{backend}/vcpus=1/gpage=4K/size=2M", "mmio-storm", variant, backend,
     ("exit", "exits"), level * scale)
    for backend, scale in (("anon", 1.0), ("memfd", 0.97), ("memfd-thp", 1.03))
    for variant, level in (("pio", 90000.0), ("mmio-write", 40000.0), ("mmio-read", 36000.0))
    if (variant, backend) != ("pio", "anon"))
SLOW = 0.75  # speed of a slow round (--slow-rounds)


def summary(values):
    s = sorted(values)
    n = len(s)
    # The distribution-free interval of the median, s[k]..s[n-1-k] with the largest k that
    # keeps 95% coverage, stands in for gmembench's bootstrap interval.
    k = 0
    while k + 1 < n // 2 and 2 * sum(math.comb(n, i) for i in range(k + 2)) / 2**n <= 0.05:
        k += 1
    return {"n": n, "median": statistics.median(s), "mean": statistics.fmean(s),
            "stddev": statistics.stdev(s) if n > 1 else 0.0, "min": s[0], "max": s[-1],
            "p10": s[n // 10], "p90": s[(9 * n) // 10], "p99": s[-1], "ci_level": 0.95,
            "ci_low": s[k], "ci_high": s[n - 1 - k]}


def metric(unit, better, values):
    return {"unit": unit, "better": better, "available": True, "values": values,
            "summary": summary(values)}


def case(case_id, workload, variant, backend, operation, mode, rates, calibration=None):
    one, many = operation
    twin = "/raw" if mode == "raw" else ""
    doc = {"id": case_id + twin, "workload": workload, "variant": variant, "backend": backend,
           "mode": mode, "vcpus": 1, "guest_page_size": 4096, "data_size": 2097152,
           "status": "ok", "iterations_per_sample": 1000,
           "metrics": {f"{many}_per_sec": metric("1/s", "higher", rates),
                       f"{many}_per_sec_per_vcpu": metric("1/s", "higher", rates),
                       f"ns_per_{one}": metric("ns", "lower", [1e9 / r for r in rates])}}
    if calibration:
        # As run --normalize records it: the rate over the calibration of its round.
        doc["metrics"][f"{many}_per_sec_normalized"] = metric(
            "ratio", "higher", [r / c for r, c in zip(rates, calibration)])
    return doc


def history(host, seed, nights=30, samples=10, noise=0.02, night_noise=0.0, step=None,
            kernel_from=None, cmdline_from=None, cases=1, slow_rounds=0.0, workload_step=None,
            normalized=False):
    """The documents, night by night. step, workload_step, kernel_from, cmdline_from:
    (night, value)."""
    if not 1 <= cases <= 1 + len(MORE_CASES):
        raise ValueError(f"cases must be 1 to {1 + len(MORE_CASES)}")
    rng = random.Random(f"{host}/{seed}")
    docs = []
    for night in range(1, nights + 1):
        started = FIRST_NIGHT + timedelta(days=night - 1, seconds=rng.randrange(600))
        kernel = kernel_from[1] if kernel_from and night >= kernel_from[0] else "6.1.0-1-amd64"
        cmdline = "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet"
        if cmdline_from and night >= cmdline_from[0]:
            cmdline += " " + cmdline_from[1]
        day_level = 1 + rng.gauss(0, night_noise)
        # Drawn only when asked for, so that the histories without it stay as they were.
        speed = [SLOW if rng.random() < slow_rounds else 1.0 for _ in range(samples)] \
            if slow_rounds else [1.0] * samples
        # The calibration of each round sees the round's speed, with 1% noise of its own.
        calibration = [1e6 * day_level * s * (1 + rng.gauss(0, 0.01)) for s in speed] \
            if normalized else None
        docs_cases = []
        for case_id, workload, variant, backend, operation, level in \
                CASES[:1] + MORE_CASES[:cases - 1] + CASES[1:]:
            if step and case_id == STEP_CASE and night >= step[0]:
                level *= 1 + step[1]
            if workload_step and workload == "mmio-storm" and night >= workload_step[0]:
                level *= 1 + workload_step[1]
            for mode in ("harness", "raw"):
                rates = [level * day_level * s * (1 + rng.gauss(0, noise)) for s in speed]
                docs_cases.append(case(case_id, workload, variant, backend, operation, mode,
                                       rates, calibration))
        docs_cases.append({"id": "mmio-storm/pio/gmem/vcpus=1/gpage=4K/size=2M",
                      "workload": "mmio-storm", "variant": "pio", "backend": "gmem",
                      "mode": "harness", "vcpus": 1, "guest_page_size": 4096,
                      "data_size": 2097152, "status": "skipped",
                      "reason": "backend gmem is unsupported: no KVM_CAP_GUEST_MEMFD"})
        docs.append({
            "schema": "gmembench-results", "schema_version": 1,
            "suite": {"name": "gmembench", "version": "0.1"},
            "run": {"id": f"{rng.randrange(1 << 24):06x}",
                    "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "finished": (started + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "status": "complete", "command_line": ["run"],
                    "options": {"suite": "default", "warmup": 2, "samples": samples,
                                "sample_ms": 80, "order": "shuffled", "pin": True,
                                "compact": False, "raw": True, "data_size": 0,
                                "seed": rng.randrange(1 << 40)}},
            "environment": {"host": host,
                            "cpu": {"model": "Synthetic CPU", "vendor": "GenuineIntel",
                                    "online_cpus": 2},
                            "hypervisor": {"underneath": "bare metal", "kvm_module": "kvm_intel"},
                            "kernel": {"release": kernel, "version": "#1 SMP",
                                       "machine": "x86_64", "cmdline": cmdline},
                            "memory": {"thp": {"enabled": "madvise"}},
                            "suite_version": "0.1"},
            "backends": [{"name": "anon", "description": "MAP_PRIVATE anonymous memory",
                          "status": "available"},
                         {"name": "gmem", "description": "guest_memfd", "status": "unsupported",
                          "reason": "no KVM_CAP_GUEST_MEMFD"}],
            "cases": docs_cases,
        })
    return docs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--host", default="alpha")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--nights", type=int, default=30)
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--noise", type=float, default=0.02)
    ap.add_argument("--night-noise", type=float, default=0.0)
    ap.add_argument("--step", nargs=2, metavar=("NIGHT", "FRACTION"))
    ap.add_argument("--kernel-from", nargs=2, metavar=("NIGHT", "RELEASE"))
    ap.add_argument("--cmdline-from", nargs=2, metavar=("NIGHT", "ARGUMENT"))
    ap.add_argument("--cases", type=int, default=1, help="harness cases of mmio-storm")
    ap.add_argument("--slow-rounds", type=float, default=0.0, metavar="P")
    ap.add_argument("--workload-step", nargs=2, metavar=("NIGHT", "FRACTION"))
    ap.add_argument("--normalized", action="store_true",
                    help="each case's rate over its round's calibration too (run --normalize)")
    a = ap.parse_args()
    docs = history(a.host, a.seed, a.nights, a.samples, a.noise, a.night_noise,
                   a.step and (int(a.step[0]), float(a.step[1])),
                   a.kernel_from and (int(a.kernel_from[0]), a.kernel_from[1]),
                   a.cmdline_from and (int(a.cmdline_from[0]), a.cmdline_from[1]),
                   a.cases, a.slow_rounds,
                   a.workload_step and (int(a.workload_step[0]), float(a.workload_step[1])),
                   a.normalized)
    for doc in docs:
        started = datetime.strptime(doc["run"]["started"], "%Y-%m-%dT%H:%M:%SZ")
        d = os.path.join(a.outdir, f"{started:%Y%m%d-%H%M%S}-{a.host}-{doc['run']['id']}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "results.json"), "w") as f:
            json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
