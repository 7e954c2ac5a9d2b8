# SPDX-License-Identifier: GPL-2.0
"""Reading and writing for the gmembench scripts (report, dashboard): what a results
document is, in one place, so that a new schema version is one edit.

read_document() is the one way in: it reads the file, parses it and applies validate(), so
both scripts accept and refuse exactly the same documents, before rendering anything.

Only Python's standard library is used."""
import argparse
import json
import os
import re
import stat
import tempfile
from datetime import datetime

SCHEMA = "gmembench-results"
SCHEMA_VERSIONS = (1,)  # the results/SCHEMA.md versions these scripts read

MAX_DEPTH = 64  # a real document nests 6 levels; this only stops pathological input
# Plotted numbers must stay where gnuplot can scale an axis: 1e308 or a denormal like
# 5e-324 gives "x range is invalid" or an empty range.
LARGEST = 1e300
SMALLEST = 1e-300

# json.loads joins a valid pair of surrogate escapes into one character: any left are lone.
_SURROGATE_OR_NUL = re.compile("[\0\ud800-\udfff]")
_CONTROL = re.compile("[\0-\x1f\x7f]")
_UTC_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)


class ArgumentParser(argparse.ArgumentParser):
    """argparse as gmembench's commands refuse a command line: one line saying what is wrong
    and a hint, exit 2 (argparse prints its whole usage first, several lines for the
    dashboard)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message}\nTry '{self.prog} --help'.\n")


class BadInput(Exception):
    """The input cannot be used: the script says why, exits 2 and writes nothing."""


def _kind(mode):
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def read_file(path):
    """The bytes of PATH, which must be a regular file (a symlink to one will do).

    A FIFO or device is never opened the ordinary way, which could block forever or act on
    the device: it is refused after a stat, and the open is O_NONBLOCK so that one swapped in
    after the stat cannot block either; the opened file is then checked itself."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise BadInput(f"{path}: {_kind(mode)}, not a results file")
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as f:
            mode = os.fstat(f.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise BadInput(f"{path}: {_kind(mode)}, not a results file")
            return f.read()
    except OSError as err:
        raise BadInput(f"{path}: {err.strerror}") from err


def read_document(path):
    """The results document at PATH, or BadInput saying why not: not a regular file,
    unreadable, not UTF-8, empty, truncated or malformed JSON, another schema, an unknown
    schema version, or anything validate() refuses."""
    try:
        text = read_file(path).decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadInput(f"{path}: not UTF-8 text (byte {err.start})") from err
    if not text.strip():
        raise BadInput(f"{path}: empty file, not a results document")
    def unique_keys(pairs):  # as the C reader (JSON_REJECT_DUPLICATES): never the last wins
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen = set()
            key = next(k for k, _ in pairs if k in seen or seen.add(k))
            raise BadInput(f"{path}: not valid JSON: the key \"{_escape(key)}\" appears twice "
                           f"in one object")
        return obj

    try:
        doc = json.loads(text, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as err:
        # An error at the very end means the document stopped early: say so, since a copy
        # cut short is the usual cause (gmembench itself writes atomically).
        if err.pos >= len(text.rstrip()):
            raise BadInput(f"{path}: truncated JSON: the document ends at line {err.lineno} "
                           f"before it is complete") from err
        # json's "Unterminated string starting at" already ends with "at".
        msg = err.msg[:-3] if err.msg.endswith(" at") else err.msg
        raise BadInput(f"{path}: not valid JSON: {msg} at line {err.lineno} "
                       f"column {err.colno}") from err
    except RecursionError:
        raise BadInput(f"{path}: JSON nested more than {MAX_DEPTH} levels deep") from None
    except ValueError:  # only an integer of more digits than int() converts
        raise BadInput(f"{path}: not usable JSON: an integer of over 4300 digits") from None
    if not isinstance(doc, dict):
        raise BadInput(f"{path}: not a gmembench results document (a JSON "
                       f"{type(doc).__name__}, not an object)")
    if doc.get("schema") != SCHEMA:
        raise BadInput(f"{path}: not a gmembench results document "
                       f"(schema is {_show(doc.get('schema'))}, not \"{SCHEMA}\")")
    version = doc.get("schema_version")
    if type(version) is not int or version not in SCHEMA_VERSIONS:  # not true, not 1.0
        known = ", ".join(str(v) for v in SCHEMA_VERSIONS)
        raise BadInput(f"{path}: unknown schema_version {_show(version)} "
                       f"(these scripts read version {known})")
    validate(path, doc)
    return doc


def _escape(text):
    """TEXT for a one-line message: JSON escapes for controls, non-ASCII and surrogates."""
    return json.dumps(text)[1:-1]


def _show(value):
    """A value as JSON, cut short, for a message."""
    try:
        text = json.dumps(value)
    except RecursionError:  # the schema field is shown before the depth is checked
        text = "(a deeply nested value)"
    return text if len(text) <= 60 else text[:57] + "..."


def _number(v):
    # Compared, never converted: an int beyond a double's range must not raise.
    return type(v) in (int, float) and (v == 0 or SMALLEST <= abs(v) <= LARGEST)


def _time(text):
    if not _UTC_TIME.fullmatch(text):
        return False
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:  # 2026-02-30 and the like
        return False
    return True


# Kinds of field: (what the message says it must be, the test).
STRING = ("a string", lambda v: type(v) is str)
NAME = ("a string without control characters",
        lambda v: type(v) is str and not _CONTROL.search(v))
CASE_ID = ("a non-empty string without control characters",
           lambda v: NAME[1](v) and v != "")
OBJECT = ("an object", lambda v: type(v) is dict)
ARRAY = ("an array", lambda v: type(v) is list)
BOOL = ("true or false", lambda v: type(v) is bool)
NUMBER = ("a number", lambda v: type(v) in (int, float))  # bounds: rule 3
NUMBERS = ("an array of numbers", lambda v: type(v) is list and all(NUMBER[1](x) for x in v))
COUNT = ("an integer >= 0", lambda v: type(v) is int and v >= 0)
VCPUS = ("an integer >= 1", lambda v: type(v) is int and v >= 1)
BETTER = ('"higher" or "lower"', lambda v: v in ("higher", "lower"))
UTC_TIME = ("a valid UTC time written YYYY-MM-DDTHH:MM:SSZ",
            lambda v: type(v) is str and _time(v))
RUN_STATUS = ("one of running, complete, interrupted, failed",
              lambda v: v in ("running", "complete", "interrupted", "failed"))
CASE_STATUS = ("one of pending, ok, skipped, failed, interrupted",
               lambda v: v in ("pending", "ok", "skipped", "failed", "interrupted"))


def _check_tree(path, doc):
    """Rules 1-3 of validate(), over every value of the document, without recursion."""
    stack = [(doc, "", "", 1)]  # (value, where: the case, field, depth)
    while stack:
        value, where, field, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise BadInput(f"{path}: {where}{field[:60]}...: nested more than "
                               f"{MAX_DEPTH} levels deep")
            if isinstance(value, list):
                items = ((f"{field}[{i}]", v) for i, v in enumerate(value))
            else:
                for key in value:
                    if _SURROGATE_OR_NUL.search(key):
                        raise BadInput(f"{path}: {where}{field or 'the document'} has a key "
                                       f"with a lone surrogate or NUL: \"{_escape(key)}\"")
                items = ((f"{field}.{k}" if field else k, v) for k, v in value.items())
            children = []
            for sub, v in items:
                if depth == 1 and sub == "cases" and isinstance(v, list):
                    children += ((c, _case(i, c), "", 3) for i, c in enumerate(v))
                else:
                    children.append((v, where, sub, depth + 1))
            stack += reversed(children)  # so that the first problem in the file is named
        elif isinstance(value, str) and _SURROGATE_OR_NUL.search(value):
            raise BadInput(f"{path}: {where}{field} holds a lone surrogate or NUL: "
                           f"\"{_escape(value)}\"")
        elif type(value) in (int, float) and not _number(value):
            raise BadInput(f"{path}: {where}{field} is {_show(value)}: a number must be 0 or "
                           f"of magnitude {SMALLEST:g} to {LARGEST:g} (no NaN or Infinity)")
        elif type(value) is int and not -2**63 <= value < 2**63:
            raise BadInput(f"{path}: {where}{field} is {_show(value)}: an integer beyond 64 "
                           f"bits, which gmembench never writes (nor compare reads)")


def _case(i, case):
    """How a message names case I: its index, and its id (escaped) when it has one."""
    case_id = case.get("id") if isinstance(case, dict) else None
    return f'cases[{i}] ("{_escape(case_id)}"): ' if isinstance(case_id, str) else f"cases[{i}]: "


def validate(path, doc):
    """BadInput, naming the file, the case and the field, unless DOC (an object whose schema
    and schema_version read_document() has checked) follows these rules: everything the
    report and the dashboard rely on. "Absent" means absent or null; a number is a JSON
    number (never true or false); a NAME is a string without control characters (U+0000 to
    U+001F, U+007F).

    Anywhere in the document:
     1. arrays and objects nest at most MAX_DEPTH (64) levels, the document being level 1;
     2. no string and no object key holds a lone surrogate or U+0000;
     3. every number is 0 or of magnitude SMALLEST (1e-300) to LARGEST (1e300): no NaN,
        no Infinity (nor 1e400, which Python reads as Infinity), no denormal.
    Fields:
     4. run: an object; run.id: a NAME; run.status: running, complete, interrupted or
        failed; run.started: YYYY-MM-DDTHH:MM:SSZ (ASCII digits, a valid date);
        run.options: an object or absent.
     5. suite: an object or absent.
     6. environment: an object; environment.host: a NAME; environment.cpu, .topology,
        .hypervisor, .kernel, .memory, .kvm, .counters, .memory.thp and
        .memory.free_page_reporting: objects or absent; environment.kernel.release and
        .kernel.cmdline: strings or absent; environment.topology.numa_nodes: an array or
        absent, and the cpus of each object in it an array or absent.
     7. backends: an array of objects; name, status: NAMEs; description, reason: strings
        or absent.
     8. cases: an array of objects. Each case: id: a non-empty NAME; workload, variant,
        backend, mode: NAMEs; status: pending, ok, skipped, failed or interrupted; vcpus:
        an integer >= 1; reason: a string or absent; metrics: an object, or absent unless
        status is ok; counters, vs_raw: objects or absent.
     9. Each member of metrics: its name a NAME; an object; unit: a NAME; better: "higher"
        or "lower"; available: true or false; reason, caveat: strings or absent. When
        available: values, an array of numbers, and summary, a summary or null (both
        present); in a case of status ok, values is not empty and summary not null.
    10. Each member of counters: an object; available: true or false; reason: a string or
        absent; per_op_summary: a summary or absent. vs_raw.summary: a summary or absent.
    11. A summary: an object; median: a number; ci_low, ci_high: numbers or absent; n: an
        integer >= 0 or absent; ci_note: a string or absent.
    12. placement: an object or absent; its vcpu_cpus, threads: arrays or absent; its
        memory: an object or absent; memory.reason: a string or absent; memory.readback: an
        object or absent; memory.readback.landed_nodes: an array or absent.
    Nothing else is read but as text, so nothing else is checked."""
    _check_tree(path, doc)

    def need(obj, key, kind, where, field="", optional=False):
        """obj[key], which must be of KIND; None when it is absent and OPTIONAL."""
        value = obj.get(key)
        if value is None and optional:
            return None
        if key not in obj:
            raise BadInput(f"{path}: {where}{field}{key} is missing")
        if not kind[1](value):
            raise BadInput(f"{path}: {where}{field}{key} must be {kind[0]}"
                           f"{' or null' if optional else ''}, not {_show(value)}")
        return value

    def summary(obj, key, where, field, absent_ok=True):
        """obj[key], a summary (rule 11), or None when it is null or absent."""
        if key not in obj and not absent_ok:
            raise BadInput(f"{path}: {where}{field}{key} is missing")
        s = need(obj, key, OBJECT, where, field, optional=True)
        if s is not None:
            field += key + "."
            need(s, "median", NUMBER, where, field)
            for k in ("ci_low", "ci_high"):
                need(s, k, NUMBER, where, field, optional=True)
            need(s, "n", COUNT, where, field, optional=True)
            need(s, "ci_note", STRING, where, field, optional=True)
        return s

    run = need(doc, "run", OBJECT, "")
    need(run, "id", NAME, "", "run.")
    need(run, "status", RUN_STATUS, "", "run.")
    need(run, "started", UTC_TIME, "", "run.")
    need(run, "options", OBJECT, "", "run.", optional=True)
    need(doc, "suite", OBJECT, "", optional=True)

    env = need(doc, "environment", OBJECT, "")
    need(env, "host", NAME, "", "environment.")
    for key in ("cpu", "topology", "hypervisor", "kernel", "memory", "kvm", "counters"):
        need(env, key, OBJECT, "", "environment.", optional=True)
    for key in ("thp", "free_page_reporting"):
        need(env.get("memory") or {}, key, OBJECT, "", "environment.memory.", optional=True)
    for key in ("release", "cmdline"):
        need(env.get("kernel") or {}, key, STRING, "", "environment.kernel.", optional=True)
    nodes = need(env.get("topology") or {}, "numa_nodes", ARRAY, "", "environment.topology.",
                 optional=True)
    for i, node in enumerate(nodes or []):
        if isinstance(node, dict):
            need(node, "cpus", ARRAY, "", f"environment.topology.numa_nodes[{i}].",
                 optional=True)

    for i, b in enumerate(need(doc, "backends", ARRAY, "")):
        where = f"backends[{i}]: "
        if not isinstance(b, dict):
            raise BadInput(f"{path}: {where}must be an object, not {_show(b)}")
        for key in ("name", "status"):
            need(b, key, NAME, where)
        for key in ("description", "reason"):
            need(b, key, STRING, where, optional=True)

    for i, c in enumerate(need(doc, "cases", ARRAY, "")):
        where = _case(i, c)
        if not isinstance(c, dict):
            raise BadInput(f"{path}: {where}must be an object, not {_show(c)}")
        need(c, "id", CASE_ID, where)
        for key in ("workload", "variant", "backend", "mode"):
            need(c, key, NAME, where)
        need(c, "status", CASE_STATUS, where)
        need(c, "vcpus", VCPUS, where)
        need(c, "reason", STRING, where, optional=True)
        ok = c["status"] == "ok"
        for name, m in (need(c, "metrics", OBJECT, where, optional=not ok) or {}).items():
            field = f"metrics.{_escape(name)}"
            if _CONTROL.search(name):
                raise BadInput(f"{path}: {where}{field}: a metric name must have no control "
                               f"characters")
            if not isinstance(m, dict):
                raise BadInput(f"{path}: {where}{field} must be an object, not {_show(m)}")
            field += "."
            need(m, "unit", NAME, where, field)
            need(m, "better", BETTER, where, field)
            for key in ("reason", "caveat"):
                need(m, key, STRING, where, field, optional=True)
            if need(m, "available", BOOL, where, field):
                values = need(m, "values", NUMBERS, where, field)
                s = summary(m, "summary", where, field, absent_ok=False)
                if ok and (not values or s is None):  # an ok case has all its samples
                    raise BadInput(f"{path}: {where}{field}values: an available metric of an "
                                   f"ok case needs at least one value and a summary")
        for name, ctr in (need(c, "counters", OBJECT, where, optional=True) or {}).items():
            field = f"counters.{_escape(name)}"
            if not isinstance(ctr, dict):
                raise BadInput(f"{path}: {where}{field} must be an object, not {_show(ctr)}")
            field += "."
            need(ctr, "available", BOOL, where, field)
            need(ctr, "reason", STRING, where, field, optional=True)
            summary(ctr, "per_op_summary", where, field)
        placement = need(c, "placement", OBJECT, where, optional=True) or {}
        for key in ("vcpu_cpus", "threads"):
            need(placement, key, ARRAY, where, "placement.", optional=True)
        memory = need(placement, "memory", OBJECT, where, "placement.", optional=True) or {}
        need(memory, "reason", STRING, where, "placement.memory.", optional=True)
        readback = need(memory, "readback", OBJECT, where, "placement.memory.",
                        optional=True) or {}
        need(readback, "landed_nodes", ARRAY, where, "placement.memory.readback.",
             optional=True)
        vs = need(c, "vs_raw", OBJECT, where, optional=True)
        if vs is not None:
            summary(vs, "summary", where, "vs_raw.")


def write_atomically(path, text):
    """PATH gets TEXT whole or not at all: a temporary file beside it, then a rename."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates the file 0600; a page is as readable as any file the user makes.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
