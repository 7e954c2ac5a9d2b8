# SPDX-License-Identifier: GPL-2.0
"""Reading and writing for the gmembench scripts (report, dashboard): what a results
document is, in one place, so that a new schema version is one edit.

Only Python's standard library is used."""
import json
import os
import tempfile

SCHEMA = "gmembench-results"
SCHEMA_VERSIONS = (1,)  # the results/SCHEMA.md versions these scripts read


class BadInput(Exception):
    """The input cannot be used: the script says why, exits 2 and writes nothing."""


def read_document(path):
    """The results document at PATH, or BadInput saying why not: unreadable, not UTF-8,
    empty, truncated or malformed JSON, another schema, or an unknown schema version."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except OSError as err:
        raise BadInput(f"{path}: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise BadInput(f"{path}: not UTF-8 text (byte {err.start})") from err
    if not text.strip():
        raise BadInput(f"{path}: empty file, not a results document")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        # An error at the very end means the document stopped early: say so, since a copy
        # cut short is the usual cause (gmembench itself writes atomically).
        if err.pos >= len(text.rstrip()):
            raise BadInput(f"{path}: truncated JSON: the document ends at line {err.lineno} "
                           f"before it is complete") from err
        raise BadInput(f"{path}: not valid JSON: {err.msg} at line {err.lineno} "
                       f"column {err.colno}") from err
    if not isinstance(doc, dict):
        raise BadInput(f"{path}: not a gmembench results document (a JSON "
                       f"{type(doc).__name__}, not an object)")
    if doc.get("schema") != SCHEMA:
        raise BadInput(f"{path}: not a gmembench results document "
                       f"(schema is {json.dumps(doc.get('schema'))}, not \"{SCHEMA}\")")
    version = doc.get("schema_version")
    if type(version) is not int or version not in SCHEMA_VERSIONS:  # not true, not 1.0
        known = ", ".join(str(v) for v in SCHEMA_VERSIONS)
        raise BadInput(f"{path}: unknown schema_version {json.dumps(version)} "
                       f"(these scripts read version {known})")
    return doc


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
