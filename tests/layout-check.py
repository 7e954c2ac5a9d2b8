#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The host driver's layout, as the README's Layout section states it, checked on the tree.

usage: layout-check.py SRCDIR BUILDDIR

Prints TAP. The rules:
- every room of bench/ is named in the README's Layout section, and every room named there
  exists;
- rooms are ordered (ROOMS below, lowest first): a file includes only headers of its own room
  or of rooms below it, so data flows one way (runner -> samples -> metrics -> writer);
- no two object files call each other (from nm: each one's undefined symbols that the other
  defines);
- no C source file is over MAX_LINES lines.
"""
import collections
import os
import re
import subprocess
import sys

# Lowest first. guest/ (the freestanding payloads) is apart: host code includes only abi.h.
ROOMS = ["core", "backends", "vmm", "devices", "measure", "host", "run", "workloads",
         "results", "cmd"]
MAX_LINES = 600

srcdir, builddir = sys.argv[1], sys.argv[2]
results = []


def check(name, problems):
    results.append((name, problems))


def room_of(path):
    parts = path.split("/")
    if parts[0] == "workloads":
        return "workloads"
    if parts[0] == "bench" and len(parts) > 2:
        return parts[1]
    return None


def sources(top, exts):
    for base in ("bench", "workloads", "guest", "tests"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(top, base)):
            dirnames[:] = [d for d in dirnames if d != "kselftest"]
            for f in sorted(filenames):
                if f.endswith(exts):
                    yield os.path.relpath(os.path.join(dirpath, f), top)


# The rooms on disk and in the README's Layout section.
on_disk = sorted(d for d in os.listdir(os.path.join(srcdir, "bench")) if not d.startswith(".")
                 and os.path.isdir(os.path.join(srcdir, "bench", d)))
readme = open(os.path.join(srcdir, "README.md"), encoding="utf-8").read()
layout = readme.split("\n## Layout", 1)[1].split("\n## ", 1)[0] if "\n## Layout" in readme else ""
in_readme = sorted(set(re.findall(r"^\s*bench/([a-z]+)/", layout, re.M)))
check("every room of bench/ is in the README's Layout section, and only those",
      [f"on disk, not in the README: {r}" for r in on_disk if r not in in_readme] +
      [f"in the README, not on disk: {r}" for r in in_readme if r not in on_disk])
check("every room of bench/ has a place in the dependency order",
      [f"bench/{r}/ is not in ROOMS" for r in on_disk if r not in ROOMS])

# Includes go down the order, never up.
problems = []
for path in sources(srcdir, (".c", ".h")):
    room = room_of(path)
    if room not in ROOMS:
        continue
    text = open(os.path.join(srcdir, path), encoding="utf-8").read()
    for target in re.findall(r'^#include "([a-z]+)/', text, re.M):
        if target in ROOMS and ROOMS.index(target) > ROOMS.index(room):
            problems.append(f"{path} ({room}) includes {target}/, which is above it")
check("each file includes only its own room and the rooms below it", problems)

# No two object files call each other.
objects = []
for base in ("bench", "workloads"):
    for dirpath, _, filenames in os.walk(os.path.join(builddir, base)):
        objects += [os.path.join(dirpath, f) for f in filenames if f.endswith(".o")]
defined, undefined = {}, collections.defaultdict(set)
for obj in objects:
    out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in "TDBRC":
            defined[fields[2]] = obj
        elif len(fields) == 2 and fields[0] == "U":
            undefined[obj].add(fields[1])
calls = {obj: {defined[s] for s in undefined[obj] if s in defined and defined[s] != obj}
         for obj in objects}
problems = []
for a in sorted(objects):
    for b in sorted(calls[a]):
        if a < b and a in calls[b]:
            problems.append(f"{os.path.relpath(a, builddir)} and {os.path.relpath(b, builddir)}"
                            " call each other")
if not objects:
    problems.append(f"no object files under {builddir}: build first")
check(f"no two of the {len(objects)} object files call each other", problems)

problems = []
for path in sources(srcdir, (".c", ".h", ".S")):
    n = sum(1 for _ in open(os.path.join(srcdir, path), encoding="utf-8"))
    if n > MAX_LINES:
        problems.append(f"{path}: {n} lines")
check(f"no C source file is over {MAX_LINES} lines", problems)

print(f"1..{len(results)}")
for i, (name, problems) in enumerate(results, 1):
    print(("ok" if not problems else "not ok") + f" {i} - {name}")
    for p in problems:
        print(f"# {p}")
sys.exit(1 if any(p for _, p in results) else 0)
