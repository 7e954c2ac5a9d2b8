#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Validates a gmembench results.json against results/schema.json, then checks what a schema
cannot say: every kept sample is in the metrics, summaries match the values, counters are
numbers or carry a reason. Exit 0 when valid, 1 with the reasons otherwise."""
import json
import statistics
import sys

import jsonschema


def main():
    schema_path, results_path = sys.argv[1], sys.argv[2]
    with open(schema_path) as f:
        schema = json.load(f)
    with open(results_path) as f:
        doc = json.load(f)
    jsonschema.validate(doc, schema)

    errors = []
    for case in doc["cases"]:
        if case["status"] not in ("ok", "interrupted"):
            continue
        kept = [s for s in case["samples"] if not s["warmup"]]
        for name, metric in case["metrics"].items():
            if not metric["available"]:
                continue
            if len(metric["values"]) != len(kept):
                errors.append(f"{case['id']}: {name} has {len(metric['values'])} values, "
                              f"{len(kept)} kept samples")
            elif kept:
                median = statistics.median(metric["values"])
                if abs(median - metric["summary"]["median"]) > 1e-6 * max(1.0, abs(median)):
                    errors.append(f"{case['id']}: {name} median {metric['summary']['median']} "
                                  f"!= {median}")
        ops_per_sec = [m for n, m in case["metrics"].items() if n.endswith("s_per_sec")]
        for metric, sample in zip(ops_per_sec[0]["values"] if ops_per_sec else [], kept):
            ops = sum(v["ops"] for v in sample["vcpus"])
            if abs(metric - ops * 1e9 / sample["wall_ns"]) > 1e-6 * metric:
                errors.append(f"{case['id']}: rate does not follow from the raw sample")
        for name, counter in case["counters"].items():
            if counter["available"]:
                total = sum(s["counters"][name] for s in kept)
                if total != counter["total"]:
                    errors.append(f"{case['id']}: counter {name} total {counter['total']} "
                                  f"!= sum of samples {total}")
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
