"""The CSV schema, read from harness/csv_columns.h (its X-macro list).

The header file is the one place the columns are written down; this module
parses it instead of repeating the list, so the C writer and the scripts
cannot drift apart.
"""
import os
import re
from pathlib import Path

_REPO = Path(__file__).resolve().parents[3]
DEFAULT_HEADER = _REPO / "harness" / "csv_columns.h"

_COL = re.compile(r'PS_COL\(\s*([A-Za-z_]\w*)\s*,\s*"((?:[^"\\]|\\.)*)"\s*\)')
_NAME = re.compile(r'#\s*define\s+PS_CSV_SCHEMA\s+"([^"]*)"')


class SchemaError(Exception):
    """csv_columns.h is missing or cannot be parsed."""


class Schema:
    """The ordered column names and their one-line descriptions."""

    def __init__(self, name, columns, docs, path):
        self.name = name
        self.columns = list(columns)
        self.docs = dict(docs)
        self.path = path

    def __contains__(self, column):
        return column in self.docs

    def __repr__(self):
        return "Schema(%r, %d columns)" % (self.name, len(self.columns))


def header_path():
    """Where csv_columns.h is: $PARSCALE_CSV_COLUMNS, else the repository's."""
    env = os.environ.get("PARSCALE_CSV_COLUMNS")
    return Path(env) if env else DEFAULT_HEADER


def parse(text, path="<text>"):
    """Parses the PS_CSV_COLUMNS macro body of a csv_columns.h text."""
    lines = text.splitlines()
    body, inside = [], False
    for line in lines:
        if not inside and re.match(r"\s*#\s*define\s+PS_CSV_COLUMNS\b", line):
            inside = True
        if inside:
            body.append(line.rstrip())
            if not line.rstrip().endswith("\\"):
                break
    if not body:
        raise SchemaError("%s: no '#define PS_CSV_COLUMNS' macro found" % path)
    cols = _COL.findall("\n".join(body))
    if not cols:
        raise SchemaError("%s: PS_CSV_COLUMNS lists no PS_COL(name, \"doc\") entries" % path)
    names = [c for c, _ in cols]
    dup = sorted({c for c in names if names.count(c) > 1})
    if dup:
        raise SchemaError("%s: column(s) listed twice: %s" % (path, ", ".join(dup)))
    m = _NAME.search(text)
    return Schema(m.group(1) if m else "parscale-csv", names,
                  {c: d.replace('\\"', '"') for c, d in cols}, str(path))


def load(path=None):
    """Reads and parses csv_columns.h (default: header_path())."""
    path = Path(path) if path else header_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise SchemaError("cannot read the CSV schema %s: %s (set PARSCALE_CSV_COLUMNS "
                          "to harness/csv_columns.h of a parscale checkout)"
                          % (path, e.strerror or e)) from None
    return parse(text, path)
