"""A parscale CSV held by column: how the rows are stored once read.

A million rows held as a million dicts of fifty-odd typed values took
gigabytes; held here, they take a few bytes a row.  The columns whose
values repeat (what ran: kernel, backend, workers, the settings, ...) are
stored as a *shape*: the tuple of their typed values, kept once per
distinct tuple, and each row holds the number of its shape.  The columns
that vary from row to row (seconds, rep, timestamps, ...) are stored dense:
an array of floats (NaN for an empty cell) or a list.  Which column goes
where is decided from the first rows read.

analysis.py owns what the values mean and how a row is validated
(analysis.typed_value, analysis.row_problem); this module only stores them
and hands them back: Table.get / Table.column by column, Row as a read-only
mapping of one row for the code that wants a row.
"""
import math
from array import array
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from operator import itemgetter

DERIVED = ("ok", "aside", "_line")     # what loading adds to every row
CHECKED = ("kernel", "backend", "scaling", "workers", "size")   # see Builder


def nodes_of(hosts):
    """How many hosts the ranks ran on, from the hosts column ("n1:2,n2:2")."""
    if not isinstance(hosts, str):
        return None
    return len([h for h in hosts.split(",") if h]) or None


class Table(Sequence):
    """The rows of one CSV.  columns are the schema's (plus nodes where it
    has hosts) and DERIVED; ok and aside are bytearrays (aside is the one
    value that changes after loading: analysis.keep_disturbed)."""

    def __init__(self, columns, shape_cols, shapes, sid, dense, ok, aside, lines, integer):
        self.columns = list(columns)
        self._pos = {c: i for i, c in enumerate(shape_cols)}
        self._shapes = shapes
        self._sid = sid
        self._dense = dense
        self.ok, self.aside, self._lines = ok, aside, lines
        self._integer = integer
        self._has = set(self.columns)
        self._numeric = {c for c, d in dense.items() if isinstance(d, array)}
        self._per = {}

    @classmethod
    def from_dicts(cls, rows):
        """A table of rows already typed, as dicts (tests, hand-made rows)."""
        cols = list(OrderedDict((k, 1) for r in rows for k in r if k not in DERIVED))
        dense = {c: [r.get(c) for r in rows] for c in cols}
        ok = bytearray(bool(r.get("ok")) for r in rows)
        aside = bytearray(bool(r.get("aside")) for r in rows)
        lines = [r.get("_line") for r in rows]
        return cls(cols + list(DERIVED), [], [()], array("I", bytes(4 * len(rows))),
                   dense, ok, aside, lines, set())

    def __len__(self):
        return len(self.ok)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [Row(self, j) for j in range(len(self))[i]]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return Row(self, i)

    def __contains__(self, column):
        return column in self._has

    def get(self, col, i):
        """Row i's value of col, typed as analysis.load_csv gives it."""
        if col == "nodes" and "nodes" not in self._dense:
            return nodes_of(self.get("hosts", i))
        if col in self._pos:
            return self._shapes[self._sid[i]][self._pos[col]]
        if col == "ok":
            return bool(self.ok[i])
        if col == "aside":
            return bool(self.aside[i])
        if col == "_line":
            return self._lines[i]
        return self._typed(col, self._dense[col][i])

    def _typed(self, col, v):
        if isinstance(v, float) and col in self._numeric:
            if v != v:
                return None
            return int(v) if col in self._integer else v
        return v

    def column(self, col, idx=None):
        """col's values of the rows idx (all rows when None), as a list."""
        if col == "nodes" and "nodes" not in self._dense:
            if "hosts" in self._pos:
                per = [nodes_of(s[self._pos["hosts"]]) for s in self._shapes]
            else:
                return [nodes_of(h) for h in self.column("hosts", idx)]
        elif col in self._pos:
            per = self._per_shape(col)
        if col in self._pos or col == "nodes" and "nodes" not in self._dense:
            sid = self._sid if idx is None else map(self._sid.__getitem__, idx)
            return list(map(per.__getitem__, sid))
        if col in ("ok", "aside"):
            src = getattr(self, col)
            return [bool(v) for v in (src if idx is None else map(src.__getitem__, idx))]
        src = self._lines if col == "_line" else self._dense[col]
        vals = list(src) if idx is None else list(map(src.__getitem__, idx))
        if isinstance(src, array):
            integer = col in self._integer
            vals = [None if v != v else (int(v) if integer else v) for v in vals]
        return vals

    def _per_shape(self, col):
        """col's value of each shape, by shape number (made once a column:
        a sweep has thousands of shapes and asks per configuration)."""
        per = self._per.get(col)
        if per is None:
            p = self._pos[col]
            per = self._per[col] = [s[p] for s in self._shapes]
        return per

    def floats(self, col, idx):
        """col's values of the rows idx as numbers, empty cells left out."""
        src = self._dense.get(col)
        if isinstance(src, array) and col not in self._integer:
            return [v for v in map(src.__getitem__, idx) if v == v]     # NaN: empty
        return [v for v in self.column(col, idx) if v is not None]

    def shape_ids(self, idx=None):
        """The shapes the rows idx have (for distinct's sids)."""
        return set(self._sid) if idx is None else set(map(self._sid.__getitem__, idx))

    def distinct(self, col, idx=None, sids=None):
        """The set of col's values among the rows idx (all when None);
        sids, when given, is shape_ids(idx)."""
        if col in self._pos:
            used = self.shape_ids(idx) if sids is None else sids
            p = self._pos[col]
            return {self._shapes[s][p] for s in used}
        return set(self.column(col, idx))

    def group(self, cols, idx=None):
        """The rows idx (all when None) by their values of cols, in the
        order each key first occurs: OrderedDict key tuple -> [row]."""
        rows = range(len(self)) if idx is None else idx
        groups = OrderedDict()
        if all(c in self._pos or c == "nodes" and "hosts" in self._pos and
               "nodes" not in self._dense for c in cols):      # one key per shape
            per = [[nodes_of(s[self._pos["hosts"]]) if c == "nodes" else s[self._pos[c]]
                    for s in self._shapes] for c in cols]
            keys = list(zip(*per)) if cols else [()] * len(self._shapes)
            for i in rows:
                k = keys[self._sid[i]]
                g = groups.get(k)
                if g is None:
                    groups[k] = g = []
                g.append(i)
            return groups
        for i, k in zip(rows, zip(*[self.column(c, idx) for c in cols]) if cols
                        else (() for _ in rows)):
            g = groups.get(k)
            if g is None:
                groups[k] = g = []
            g.append(i)
        return groups

    def dicts(self):
        """Every row as a dict (what analysis.load_csv returns)."""
        cols = [self.column(c) for c in self.columns]
        return [dict(zip(self.columns, vals)) for vals in zip(*cols)]


class Row(Mapping):
    """One row of a Table, read-only, read through on every access."""
    __slots__ = ("_t", "_i")

    def __init__(self, table, i):
        self._t, self._i = table, i

    def __getitem__(self, col):
        if col not in self._t:
            raise KeyError(col)
        return self._t.get(col, self._i)

    def get(self, col, default=None):
        return self._t.get(col, self._i) if col in self._t else default

    def __iter__(self):
        return iter(self._t.columns)

    def __len__(self):
        return len(self._t.columns)

    def __repr__(self):
        return "Row(%d, %r)" % (self._i, dict(self))


class Builder:
    """Fills a Table chunk by chunk.  convert(col, text) -> typed value
    raises ValueError on a bad cell; check(col, value) -> False for a value
    a row must not have.  Any failure raises Refused: the caller then reads
    the chunk again row by row for the exact message."""

    FIRST = 2048            # rows the layout is decided from
    FEW = 16                # at most this many values in them: a shape column

    def __init__(self, header, extra, integer, real, convert, check):
        self.header, self.extra = header, extra     # extra: columns absent, empty
        self.integer, self.real = integer, real
        self.convert, self.check = convert, check
        self.shape_cols = None
        self.shapes, self.cache = [], {}
        self.sid = array("I")
        self.dense = {}
        self.ok, self.aside, self.lines = bytearray(), bytearray(), array("I")

    def _layout(self, chunk):
        self.shape_cols, self.dense_cols = [], []
        for j, col in enumerate(self.header):
            many = len({r[j] for r in chunk}) > self.FEW
            (self.dense_cols if many else self.shape_cols).append((j, col))
        self.shape_cols += [(None, c) for c in self.extra]
        for _, col in self.dense_cols:
            self.dense[col] = array("d") if col in self.integer or col in self.real else []
        idx = [j for j, _ in self.shape_cols if j is not None]
        self.key = itemgetter(*idx) if len(idx) != 1 else (lambda r, j=idx[0]: (r[j],))
        if not idx:
            self.key = lambda r: ()

    def add(self, chunk, lines):
        """Adds rows (lists of texts, all of the header's length)."""
        if self.shape_cols is None:
            self._layout(chunk)
        keys = list(map(self.key, chunk))
        for k in set(keys).difference(self.cache):
            self.cache[k] = len(self.shapes)
            self.shapes.append(self._shape(k))
        sids = list(map(self.cache.__getitem__, keys))
        values = {}
        for j, col in self.dense_cols:
            values[col] = self._dense(col, list(map(itemgetter(j), chunk)))
        self._rows(sids, values, len(chunk))
        self.sid.extend(sids)
        for col, vals in values.items():
            self.dense[col].extend(vals)
        self.lines.extend(lines)

    def _shape(self, key):
        texts = list(key) + [""] * len(self.extra)
        out = []
        for (_, col), text in zip(self.shape_cols, texts):
            try:
                v = self.convert(col, text)
            except ValueError:
                raise Refused() from None
            if not self.check(col, v):
                raise Refused()
            out.append(v)
        return tuple(out)

    def _dense(self, col, texts):
        if col in self.integer or col in self.real:
            try:
                vals = array("d", map(float, texts))
                ok = all(map(math.isfinite, vals)) and \
                    (col not in self.integer or all(map(float.is_integer, vals)))
            except ValueError:
                ok = False
            if not ok:          # empty cells, or a bad one: one by one
                vals = array("d")
                for t in texts:
                    try:
                        v = self.convert(col, t)
                    except ValueError:
                        raise Refused() from None
                    vals.append(math.nan if v is None else v)
            if col in CHECKED and not all(self.check(col, None if v != v else v)
                                          for v in vals):
                raise Refused()
            return vals
        conv = {}
        for t in set(texts):
            try:
                conv[t] = v = self.convert(col, t)
            except ValueError:
                raise Refused() from None
            if col in CHECKED and not self.check(col, v):
                raise Refused()
        return list(map(conv.__getitem__, texts))

    def _rows(self, sids, values, n):
        """ok and aside of each row, and the row checks across columns."""
        def col(c):
            if c in values:
                v = values[c]
                if isinstance(v, array):
                    return [None if x != x else x for x in v]
                return v
            p = [k for k, (_, name) in enumerate(self.shape_cols) if name == c]
            if not p:
                return [None] * n
            per = [s[p[0]] for s in self.shapes]
            return list(map(per.__getitem__, sids))

        ok = [bool(v) and not e for v, e in zip(col("verified"), col("error"))]
        dist = col("disturbed")
        secs = col("seconds")
        for good, s in zip(ok, secs):
            if good and (s is None or s <= 0):
                raise Refused()
        self.ok.extend(ok)
        self.aside.extend(bool(g and d == 1) for g, d in zip(ok, dist))

    def table(self, columns):
        return Table(columns, [c for _, c in self.shape_cols] if self.shape_cols else [],
                     self.shapes or [()], self.sid, self.dense, self.ok, self.aside,
                     self.lines, self.integer)


class Refused(Exception):
    """A chunk the fast path will not take: read it again row by row."""
