"""Loading parscale's CSV and turning its rows into scaling points.

A *configuration* is every column that says what ran (kernel, backend,
workers, size, the GIL's settings, ...) but not when or how long; its rows
are the repetitions.  A *point* summarises one configuration's verified
repetitions; a *series* is one backend's points over worker counts, which is
what a chart draws as one line.
"""
import csv
import io
import itertools
import math
import os
from collections import OrderedDict, defaultdict
from pathlib import Path

from . import safeio
from . import schema as schema_mod
from . import stats
from . import table as table_mod


class DataError(Exception):
    """The CSV cannot be used: missing, foreign, malformed or empty."""


# Columns the analysis cannot work without.
REQUIRED = ("kernel", "backend", "workers", "scaling", "size", "seconds", "verified")
# What ran: rows agreeing on all of these (present in the schema) pool.
# nodes (from the hosts column) keeps 2 ranks on one host and 2 ranks on
# two hosts apart: shared memory against the network.
CONFIG = ("host", "kernel", "scaling", "order", "size", "steps", "backend",
          "workers", "threads", "ranks", "nodes", "schedule", "gil_model",
          "switch_interval", "check_interval", "tick", "gil_release")
# The same minus what varies along one line of a chart.
SERIES_VARIANT = ("schedule", "gil_model", "switch_interval", "check_interval",
                  "tick", "gil_release")
SCALINGS = ("strong", "weak")


def _number(text, integer):
    v = float(text)
    if not math.isfinite(v):
        raise ValueError(text)
    if integer:
        if v != int(v):
            raise ValueError(text)
        return int(v)
    return v


def open_regular(path, what="CSV"):
    """Opens path for reading in binary, only if it is a regular file.

    Opened without blocking and checked on the open file itself, so that a
    FIFO (which would wait for a writer forever) or a device is refused
    with a DataError instead of hanging or reading endlessly (the rule of
    safeio.open_input, which every file a script reads goes through)."""
    return safeio.open_input(path, what, None, DataError)


def load_csv(path, schema=None):
    """Reads a parscale CSV into a list of dicts with typed values (a dict a
    row: for the commands that read small files; analyse() keeps the rows
    by column, load_table).

    Raises DataError naming the file, the line and what is wrong when the
    file is not parscale's (another header) or a row cannot be read."""
    return load_table(path, schema).dicts()


CHUNK = 1024        # rows typed at once on the fast path


def load_table(path, schema=None):
    """Reads a parscale CSV into a table.Table, in one pass: the rows are
    typed and checked a chunk at a time, each distinct cell of the repeating
    columns once; a chunk with anything wrong is read again row by row
    (_typed), so the message is the one of the first bad row and cell."""
    path = Path(path)
    sch = schema or schema_mod.load(csv=path)
    missing = [c for c in REQUIRED if c not in sch]
    if missing:
        raise DataError("%s lacks column(s) the analysis needs: %s"
                        % (sch.path, ", ".join(missing)))
    raw = open_regular(path)
    with raw:
        # read as a stream: the file's text is never held whole (a 190 MB
        # CSV in a StringIO took four bytes a character)
        if b"\0" in raw.read(4096):
            raise DataError("%s: not a text CSV (it holds NUL bytes near its start)" % path)
        size = raw.seek(0, io.SEEK_END)
        unended = size > 0 and raw.seek(size - 1) >= 0 and raw.read(1) != b"\n"
        raw.seek(0)
        fh = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        try:
            build = _read_rows(path, sch, fh, unended)
        except UnicodeDecodeError:
            raw.seek(0)
            data = raw.read()
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as e:
                line = data.count(b"\n", 0, e.start) + 1
                raise DataError("%s:%d: not a text CSV (%s)" % (path, line, e.reason)) from None
            raise
    if not build.ok:
        raise DataError("%s: has the parscale header but no measurements" % path)
    columns = list(sch.columns) + (["nodes"] if "hosts" in sch.columns else [])
    return build.table(columns + list(table_mod.DERIVED))


def _chunks(fh, size):
    """The rows of a CSV text stream in chunks: ([fields], [line numbers]).

    A chunk of plain lines (no quote, carriage return, NUL or huge line:
    nothing but commas to split on) is split by str.split, which the csv
    module would read the same, several times faster; from the first chunk
    that is not plain, the csv module reads the rest."""
    line = 0                                # lines read so far
    while True:
        lines = list(itertools.islice(fh, size))
        if not lines:
            return
        text = "".join(lines)
        if '"' in text or "\r" in text or "\0" in text or \
                max(map(len, lines)) > PLAIN_LINE_MAX:
            break
        parts = text.split("\n")
        if parts[-1] == "":
            parts.pop()
        if "" in parts:                     # blank lines: csv gives no row
            nums = [line + k + 1 for k, p in enumerate(parts) if p]
            parts = [p for p in parts if p]
        else:
            nums = range(line + 1, line + len(parts) + 1)
        line += len(lines)
        yield [p.split(",") for p in parts], nums
    reader = csv.reader(itertools.chain(lines, fh), strict=True)
    chunk, nums = [], []
    try:
        for row in reader:
            if row:
                chunk.append(row)
                nums.append(line + reader.line_num)
                if len(chunk) == size:
                    yield chunk, nums
                    chunk, nums = [], []
    except csv.Error as e:
        if chunk:
            yield chunk, nums
        raise _CsvError(line + reader.line_num, e) from None
    if chunk:
        yield chunk, nums


PLAIN_LINE_MAX = 100000     # below the csv module's field limit (131072)


class _CsvError(Exception):
    """csv.Error at a line of the file."""

    def __init__(self, line, error):
        super().__init__(line, error)
        self.line, self.error = line, error


def _read_rows(path, sch, fh, unended):
    """The rows of an open CSV text stream, into a table.Builder."""
    chunks = _chunks(fh, CHUNK)
    try:
        first = next(chunks, None)
        # a blank first line is no header, as csv.reader gives it: []
        header = (first[0][0] if first[1][0] == 1 else []) if first else None
        if header is None or header == []:
            raise DataError("%s: empty file, expected the header line of a parscale "
                            "CSV (%s)" % (path, sch.name))
        # Columns are only ever appended to the schema: a file an older
        # parscale wrote has a leading part of today's list, and reads
        # with the newer columns empty.
        if header != sch.columns[:len(header)] or \
                any(c not in header for c in REQUIRED):
            raise DataError(_foreign(path, header, sch))
        extra = sch.columns[len(header):]
        build = table_mod.Builder(header, extra, sch.of_type("integer"), sch.of_type("real"),
                                  lambda col, text: typed_value(col, text, sch), value_ok)
        width = len(header)
        pending, broken = [(first[0][1:], list(first[1])[1:])], None
        while pending:
            chunk, lines = pending.pop()
            try:                    # one chunk ahead, to know the last
                nxt = next(chunks, None)
            except _CsvError as e:  # after the rows before it are checked
                nxt, broken = None, e
            if nxt is not None:
                pending.append(nxt)
            if not chunk:
                continue
            try:
                if set(map(len, chunk)) != {width}:
                    raise table_mod.Refused()
                build.add(chunk, lines)
            except table_mod.Refused:
                _refuse(path, header, extra, sch, chunk, list(lines),
                        unended and nxt is None and broken is None)
        if broken is not None:
            raise broken
        return build
    except _CsvError as e:
        raise DataError("%s:%d: malformed CSV: %s" % (path, e.line, e.error)) from None


def _refuse(path, header, extra, sch, chunk, lines, at_end):
    """Raises the DataError of the first bad row of a chunk the fast path
    refused, as reading row by row finds it."""
    missing = dict.fromkeys(extra, "")
    for row, line in zip(chunk, lines):
        if len(row) != len(header):
            last = at_end and line == lines[-1]
            raise DataError("%s:%d: malformed row: %d fields, expected %d (the "
                            "columns of %s)%s" % (
                                path, line, len(row), len(header), sch.name,
                                "; it is the last line and has no newline: a "
                                "write stopped part-way?" if last else ""))
        raw = dict(zip(header, row))
        raw.update(missing)
        _typed(path, line, raw, sch)
    raise DataError("%s:%d: malformed rows (a check of the whole chunk failed)"
                    % (path, lines[0]))


def _foreign(path, header, sch):
    if len(header) == 1 and len(sch.columns) > 1 and ";" in header[0]:
        hint = "; it looks ';'-separated"
    else:
        hint = ""
    for i, (got, want) in enumerate(zip(header, sch.columns)):
        if got != want:
            where = "column %d is '%s', expected '%s'" % (i + 1, got, want)
            break
    else:
        where = "it has %d columns, expected %d" % (len(header), len(sch.columns))
    return ("%s: not a parscale CSV (schema %s from %s): %s%s"
            % (path, sch.name, sch.path, where, hint))


def kind(column, sch=None):
    """What a column's fields hold, as the binary writes them (schema.py):
    integer, real, boolean or text; text for a column the schema lacks."""
    return (sch or schema_mod.load()).types.get(column, "text")


def is_number(column, sch=None):
    return kind(column, sch) in ("integer", "real")


def baseline(sch=None):
    """The backend speedups are measured against (the binary's baseline)."""
    return (sch or schema_mod.load()).baseline


def backend_rank(backend, sch=None):
    """The order backends are listed and drawn in: the binary's order, then
    any other after it in name order (schema.Schema.backend_rank)."""
    return (sch or schema_mod.load()).backend_rank(backend)


class _Cell(ValueError):
    """A cell that is not of its column's type: what it should have been."""


def typed_value(col, text, sch):
    """The typed value of one cell of col, of the type sch gives it; raises
    _Cell (a ValueError) saying what it should have been."""
    text = text.strip()
    k = sch.types.get(col, "text")
    if k == "boolean":
        if text in ("true", "false"):
            return text == "true"
        if text == "" and col not in REQUIRED:
            return None
        raise _Cell("true or false")
    if k in ("integer", "real"):
        if text == "":
            return None
        try:
            return _number(text, k == "integer")
        except ValueError:
            raise _Cell("a whole number" if k == "integer" else "a number") from None
    return text


def value_ok(col, v):
    """Whether a typed value may stand in col at all (the checks of a row
    that look at one cell)."""
    if col in ("kernel", "backend"):
        return bool(v)
    if col == "scaling":
        return v in SCALINGS
    if col == "workers":
        return v is not None and v >= 1
    if col == "size":
        return v is not None
    return True


def _typed(path, line, raw, sch):
    row = {}
    for col, text in raw.items():
        try:
            row[col] = typed_value(col, text, sch)
        except _Cell as e:
            if sch.types.get(col) == "boolean":
                raise DataError("%s:%d: malformed row: column '%s' is '%s', expected "
                                "%s" % (path, line, col, text.strip(), e)) from None
            raise DataError("%s:%d: malformed row: column '%s' is '%s', not %s"
                            % (path, line, col, text.strip(), e)) from None
    for col in ("kernel", "backend"):
        if not value_ok(col, row[col]):
            raise DataError("%s:%d: malformed row: column '%s' is empty" % (path, line, col))
    if not value_ok("scaling", row["scaling"]):
        raise DataError("%s:%d: malformed row: scaling is '%s', expected strong or weak"
                        % (path, line, row["scaling"]))
    if not value_ok("workers", row["workers"]):
        raise DataError("%s:%d: malformed row: workers is '%s', expected 1 or more"
                        % (path, line, raw["workers"]))
    if not value_ok("size", row["size"]):
        raise DataError("%s:%d: malformed row: size is empty" % (path, line))
    if "hosts" in row:  # "n1:2,n2:2": the hosts the ranks ran on
        row["nodes"] = table_mod.nodes_of(row["hosts"])
    row["ok"] = bool(row["verified"]) and not row.get("error")
    # disturbed (it lost more than --disturbed-above): set aside as the
    # harness sets it aside, unless the run kept them (analyse reads that)
    row["aside"] = row["ok"] and row.get("disturbed") == 1
    if row["ok"] and (row["seconds"] is None or row["seconds"] <= 0):
        raise DataError("%s:%d: malformed row: a verified repetition with seconds '%s'"
                        % (path, line, raw["seconds"]))
    row["_line"] = line
    return row


# A run adds a few kB of metadata: this is tens of thousands of runs.
META_MAX_BYTES = 256 << 20


def read_meta(csv_path):
    """Every line of the metadata beside the CSV (FILE.meta.jsonl).

    A line without "record" is a run's header, kept by run_id; a line with
    one (e.g. "stopping": which configurations reached their interval
    target) is a record about a run and never replaces its header.
    Returns (runs, records, problems): unreadable lines are reported, not
    fatal."""
    path = Path(str(csv_path) + ".meta.jsonl")
    runs, records, problems = OrderedDict(), [], []
    if not os.path.lexists(str(path)):
        return runs, records, ["no metadata file %s" % path.name]
    try:
        data = safeio.read_input(path, "metadata", META_MAX_BYTES, DataError)
    except DataError as e:
        return runs, records, [str(e)]
    for i, raw in enumerate(data.split(b"\n"), 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            problems.append("%s:%d: not UTF-8 (%s)" % (path.name, i, e.reason))
            continue
        if not line.strip():
            continue
        try:
            obj = safeio.loads_json(line, "the line")
        except ValueError as e:
            problems.append("%s:%d: not JSON (%s)" % (path.name, i, e))
            continue
        if not isinstance(obj, dict):
            problems.append("%s:%d: not a JSON object" % (path.name, i))
            continue
        if "record" in obj:
            records.append(obj)
        else:
            runs[str(obj.get("run_id", "line %d" % i))] = obj
    return runs, records, problems


def load_meta(csv_path):
    """The runs' headers by run_id, and the problems reading them."""
    runs, _, problems = read_meta(csv_path)
    return runs, problems


def _had_target(rec):
    """A run that had an interval target (--ci-width): only its
    configurations can have missed one; a fixed -r run had none."""
    rule = rec.get("rule")
    return isinstance(rule, dict) and isinstance(rule.get("ci_width"), (int, float)) \
        and rule["ci_width"] > 0


def stopping_records(records):
    """The configurations of every "stopping" record of a run with an
    interval target that did not reach it (reason other than "ci"), each
    with its run_id and rule.  Returns (total configurations of such runs,
    [config dicts that fell short])."""
    total, short = 0, []
    for rec in records:
        if rec.get("record") != "stopping" or not _had_target(rec):
            continue
        for c in rec.get("configs") or []:
            if not isinstance(c, dict):
                continue
            total += 1
            if c.get("reason") != "ci":
                short.append(dict(c, run_id=rec.get("run_id"), rule=rec.get("rule")))
    return total, short


def harness_warnings(records):
    """What the harness warned of during each run (the metadata's closing
    line: placement, steal, ...) and the runs a signal stopped:
    [(run_id, kind, text with its fix)], each once."""
    out, seen = [], set()
    for rec in records:
        if rec.get("record") != "stopping":
            continue
        run = rec.get("run_id")
        items = [(w.get("kind"), w.get("text", ""), w.get("fix", ""))
                 for w in rec.get("warnings") or [] if isinstance(w, dict)]
        if rec.get("interrupted"):
            items.append(("interrupted", "stopped by %s: its configurations have the "
                          "repetitions measured until then" % rec["interrupted"],
                          "run it again to the end"))
        for kind, text, fix in items:
            if kind in ("note", "steal_unknown") or (run, kind, text) in seen:
                continue
            seen.add((run, kind, text))
            out.append((run, kind, text + ("; " + fix if fix else "")))
    return out


class Point:
    """One configuration: its repetitions (rows idx of table), summary and
    speedup."""

    def __init__(self, config, table, idx):
        self.config = config
        self.table, self.idx = table, idx
        self.kernel = config["kernel"]
        self.backend = config["backend"]
        self.workers = config["workers"]
        self.scaling = config["scaling"]
        self.size = config["size"]
        okv, asidev = table.ok, table.aside
        good = [i for i in idx if okv[i] and not asidev[i]]
        self.set_aside = [table[i] for i in idx if asidev[i]]
        # (a column of one value among the rows is read once, not a row at a time)
        sids = table.shape_ids(idx)

        def values(col):
            return table.distinct(col, idx, sids) if col in table else {None}

        self.disturbed = [table[i] for i, d in zip(idx, table.column("disturbed", idx))
                          if d == 1] if 1 in values("disturbed") else []
        self.failed = [table[i] for i in idx if not okv[i]]
        self.times = table.floats("seconds", good)     # every verified row has one
        self.summary = stats.Summary(self.times)
        self.rate = stats.median(table.floats("rate", good)) if "rate" in table else None
        units = values("rate_unit") - {None, ""}
        self.rate_unit = units.pop() if len(units) == 1 else \
            next((u for u in table.column("rate_unit", idx) if u), "") if units else ""
        # Work per repetition for the roofline, when the rows carry it.
        self.flop_rate = self._per_second("flops", good)
        self.byte_rate = self._per_second("bytes", good)
        self.oversubscribed = any(values("oversubscribed"))
        cores = values("cores")
        if len(cores) > 1:
            cores = [c for c in table.column("cores", idx) if c]
        self.cores = stats.median([c for c in cores if c])
        self.base = None            # the seq Point speedup is measured against
        self.base_note = None       # how the base was found, when not exact
        self.speedup = self.speedup_lo = self.speedup_hi = None
        self.speedup_summary = None  # of the per-pair ratios, when paired
        self.paired = False
        self.efficiency = self.karp_flatt = None

    @property
    def speedup_ci_available(self):
        """Whether the speedup's interval is a 95% interval, not the range of
        too few values: of the per-pair ratios when paired (two sides each
        with enough repetitions may share too few undisturbed rounds), else
        of both times."""
        if self.speedup is None:
            return False
        if self.paired:
            return self.speedup_summary.ci_available
        return bool(self.summary.ci_available and self.base is not None
                    and self.base.summary.ci_available)

    def _per_second(self, col, good):
        if col not in self.table:
            return None
        return stats.median([w / t for w, t in zip(self.table.column(col, good), self.times)
                             if w is not None])

    @property
    def rows(self):
        """The configuration's rows, each a table.Row."""
        return [self.table[i] for i in self.idx]

    @property
    def median(self):
        return self.summary.median

    def set_paired_base(self, base, ratios):
        """Speedup against base from the per-pair ratios (base time / own
        time, each pair measured back to back): their median and its exact
        interval, as the harness's summary gives them."""
        self.base, self.base_note, self.paired = base, None, True
        su = stats.Summary(ratios)
        self.speedup_summary = su
        if su.median is None:
            return
        self.speedup, self.speedup_lo, self.speedup_hi = su.median, su.lo, su.hi
        self.efficiency = stats.efficiency(self.speedup, self.workers)
        self.karp_flatt = stats.karp_flatt(self.speedup, self.workers)

    def set_base(self, base, scale=1.0, note=None):
        """Speedup against base (its times multiplied by scale), for rows
        measured without pairs (older runs, the CPython benchmark): the
        ratio of the medians, its interval from both intervals' ends."""
        self.base, self.base_note = base, note
        if base is None or base.median is None or self.median is None:
            return
        b = base.summary
        self.speedup = stats.speedup(b.median * scale, self.median)
        lo, hi = stats.speedup_interval(b, self.summary)
        self.speedup_lo = lo * scale if lo is not None else None
        self.speedup_hi = hi * scale if hi is not None else None
        self.efficiency = stats.efficiency(self.speedup, self.workers)
        self.karp_flatt = stats.karp_flatt(self.speedup, self.workers)


class Series:
    """One line of a chart: one backend (and its settings) over workers."""

    def __init__(self, key, points, per_rank=False):
        self.key = key
        self.points = sorted(points, key=lambda p: (p.workers, p.config.get("threads") or 0))
        first = self.points[0]
        self.backend = first.backend
        self.kernel = first.kernel
        self.scaling = first.scaling
        self.variant = OrderedDict((c, first.config.get(c)) for c in SERIES_VARIANT
                                   if c in first.config)
        self.label = self.backend
        if per_rank:                        # one line per threads-per-rank
            self.variant["threads"] = key[-1]
            self.label = "%s threads=%s" % (self.backend, key[-1])  # up to T a rank
        self.fit = None

    def fit_points(self):
        """(workers, speedup) of the points a fit may use: verified and not
        oversubscribed (time-sharing a core is not the model's parallelism)."""
        return [(p.workers, p.speedup) for p in self.points
                if p.speedup is not None and not p.oversubscribed]

    def do_fit(self):
        pts = self.fit_points()
        if self.backend == baseline():
            self.fit = None
        elif self.scaling == "strong":
            self.fit = stats.fit_amdahl(pts)
        else:
            self.fit = stats.fit_gustafson(pts)
        return self.fit


class Chart:
    """What one chart shows: one kernel, one scaling mode, one problem."""

    def __init__(self, key, series):
        self.key = key
        self.host, self.kernel, self.scaling, self.order, self.steps = key
        self.series = sorted(series, key=_series_sort)
        self.slug = None


def _series_sort(s):
    b = s.backend
    return (backend_rank(b), b, str(list(s.variant.values())))


class Analysis:
    """All of a CSV's points, series and charts, with speedups computed.
    rows: a table.Table (what load_table gives), or typed row dicts."""

    def __init__(self, rows, path=None, idx=None):
        self.path = path
        table = rows if isinstance(rows, table_mod.Table) else table_mod.Table.from_dicts(rows)
        self.table, self.idx = table, idx
        present = [c for c in CONFIG if c in table]
        groups = table.group(present, idx)
        self.points = [Point(dict(zip(present, k)), table, rs) for k, rs in groups.items()]
        self._pairs()
        self._bases()
        self._series()

    @property
    def rows(self):
        """The rows analysed, each a table.Row."""
        return self.table if self.idx is None else [self.table[i] for i in self.idx]

    # Paired rows: the harness ran a configuration and its base back to back
    # and wrote the pair's number into both rows, with a "b" on the base's
    # ("17" and "17b"), so nothing here decides which point is whose base.
    def _pairs(self):
        t = self.table
        if "pair" not in t:
            return
        rows = range(len(t)) if self.idx is None else self.idx
        tagged = [(i, tag) for i, tag in zip(rows, t.column("pair", self.idx)) if tag]
        if not tagged:
            return
        owner = {}
        want = {i for i, _ in tagged}
        for p in self.points:
            for i in p.idx:
                if i in want:
                    owner[i] = p
        pairs = defaultdict(dict)
        for i, tag in tagged:
            role = "base" if tag.endswith("b") else "own"
            pairs[(t.get("run_id", i), tag.rstrip("b"))][role] = i
        ratios = OrderedDict()
        for pr in pairs.values():
            ro, rb = pr.get("own"), pr.get("base")
            if ro is None or rb is None:
                continue
            key = (owner[ro], owner[rb])
            vals = ratios.setdefault(key, [])
            if t.ok[ro] and t.ok[rb] and not t.aside[ro] and not t.aside[rb]:
                vals.append(t.get("seconds", rb) / t.get("seconds", ro))
        for (own, base), vals in ratios.items():
            own.set_paired_base(base, vals)

    # Speedup base: seq, same host, kernel, global size and steps; the same
    # scaling mode's row first.  Weak scaling without a seq run at the global
    # size falls back to seq at the per-worker size scaled by the size ratio
    # (work assumed proportional to size), and says so.
    def _bases(self):
        seq = defaultdict(list)
        base = baseline()
        for p in self.points:
            if p.backend == base and p.median is not None:
                seq[(p.config.get("host"), p.kernel, p.size, p.config.get("steps"))].append(p)
        for p in self.points:
            if p.paired:
                continue
            cands = seq.get((p.config.get("host"), p.kernel, p.size, p.config.get("steps")), [])
            cands = sorted(cands, key=lambda b: (b.scaling != p.scaling, b.workers))
            if cands:
                p.set_base(cands[0])
                continue
            if p.scaling == "weak":
                order = p.config.get("order")
                near = [b for bs in seq.values() for b in bs
                        if b.kernel == p.kernel and b.config.get("host") == p.config.get("host")
                        and b.config.get("steps") == p.config.get("steps")
                        and order and b.size == order]
                if near:
                    b = near[0]
                    p.set_base(b, scale=p.size / b.size,
                               note="seq extrapolated from size %d" % b.size)

    def _series(self):
        lines = OrderedDict()
        for p in self.points:
            key = (p.config.get("host"), p.kernel, p.scaling, p.config.get("order"),
                   p.config.get("steps"), p.backend) + \
                tuple(p.config.get(c) for c in SERIES_VARIANT)
            lines.setdefault(key, []).append(p)
        by_series = OrderedDict()
        mixed = _ranks_x_threads(self.points)
        for key, ps in lines.items():
            if ps[0].backend not in mixed:
                by_series[key + (None,)] = ps
                continue
            for t, members in _threads_per_rank(ps):
                by_series[key + (t,)] = members
        self.series = []
        for k, ps in by_series.items():
            for nodes, members in _by_nodes(ps):
                s = Series(k, members, per_rank=k[-1] is not None)
                if nodes:
                    s.variant["nodes"] = nodes
                    s.label += " nodes=%s" % nodes
                self.series.append(s)
        for s in self.series:
            s.do_fit()
        charts = OrderedDict()
        for s in self.series:
            charts.setdefault(s.key[:5], []).append(s)
        self.charts = [Chart(k, ss) for k, ss in charts.items()]
        self._labels()
        self._slugs()

    def _labels(self):
        """A series is named by its backend, plus the settings that tell it
        apart from another line of the same backend on the same chart."""
        for c in self.charts:
            by_backend = defaultdict(list)
            for s in c.series:
                by_backend[s.backend].append(s)
            for b, ss in by_backend.items():
                if len(ss) < 2:
                    continue
                varying = [col for col in SERIES_VARIANT + ("threads", "nodes")
                           if len({str(s.variant.get(col)) for s in ss}) > 1]
                for s in ss:
                    s.label = b + " " + " ".join("%s=%s" % (col, _fmt(s.variant.get(col)))
                                                 for col in varying)

    def _slugs(self):
        count = defaultdict(int)
        for c in self.charts:
            count[(c.kernel, c.scaling)] += 1
        hosts = {c.host for c in self.charts}
        for c in self.charts:
            parts = [c.kernel]
            if len(hosts) > 1:
                parts.insert(0, _safe(c.host or "host"))
            if count[(c.kernel, c.scaling)] > 1:
                parts.append("n%s" % c.order)
                if c.steps not in (None, 1):
                    parts.append("s%s" % c.steps)
            c.slug = _safe("-".join(str(x) for x in parts))

    # ---- what the charts and the report ask for ------------------------------

    # (each remembered: every chart asks, and each is a pass over the rows)

    def _memo(self, key, make):
        memo = self.__dict__.setdefault("_memos", {})
        if key not in memo:
            memo[key] = make()
        return memo[key]

    def hosts(self):
        return self._memo("hosts", lambda: sorted(
            {h or "" for h in self.table.distinct("host", self.idx)})
            if "host" in self.table else [""])

    def dates(self):
        return self._memo("dates", lambda: dates(self.table, self.idx))

    def cores(self, host=None):
        return self._memo(("cores", host), lambda: cores(self.table, host, self.idx))

    def kernels(self):
        return list(self._memo("kernels", lambda: list(
            OrderedDict.fromkeys(self.table.column("kernel", self.idx)))))

    def run_ids(self):
        return self._memo("run_ids", lambda: self.table.distinct("run_id", self.idx)
                          if "run_id" in self.table else {None})


def _by_nodes(points):
    """A line's points split by the number of hosts their ranks ran on,
    when that varies among its points of several ranks: [(nodes, points)],
    a one-rank point leading every line; [(None, points)] otherwise.  So
    2 ranks on one host and 2 ranks on two hosts are two lines, not one
    line going back and forth."""
    def nodes(p):
        return p.config.get("nodes")

    multi = sorted({nodes(p) for p in points
                    if (p.config.get("ranks") or 1) > 1 and nodes(p)})
    if len(multi) < 2:
        return [(None, points)]
    alone = [p for p in points if (p.config.get("ranks") or 1) <= 1]
    return [(n, alone + [p for p in points
                         if (p.config.get("ranks") or 1) > 1 and nodes(p) == n])
            for n in multi]


def _ranks_x_threads(points):
    """Backends whose workers are ranks x threads, told from the rows alone
    (a CSV carries no list of backends): points of several ranks and points
    of several threads per rank, under the same backend name."""
    ranks, threads = set(), set()
    for p in points:
        if (p.config.get("ranks") or 1) > 1:
            ranks.add(p.backend)
        if (p.config.get("threads") or 1) > 1:
            threads.add(p.backend)
    return ranks & threads


def _threads_per_rank(points):
    """The ranks x threads lines among points: [(T, points)], one per threads-per-rank
    setting T.  A worker count W runs as W/t ranks of t = min(T, W) threads,
    and the rows record t, not T.  A point of several ranks shows T; a
    one-rank point of t threads is the start of every line with T >= t (at
    T = 2, 1x1 and 1x2 lead to 2x2; they are not lines of their own)."""
    def ranks(p):
        return p.config.get("ranks") or 1

    def threads(p):
        return p.config.get("threads") or 1

    ts = {threads(p) for p in points if ranks(p) > 1}
    alone = [threads(p) for p in points if ranks(p) <= 1]
    if alone and not any(t >= max(alone) for t in ts):
        ts.add(max(alone))
    return [(t, [p for p in points
                 if (threads(p) == t if ranks(p) > 1 else threads(p) <= t)])
            for t in sorted(ts)]


def _fmt(v):
    if isinstance(v, float):
        return "%g" % v
    return "" if v is None else str(v)


def _table(rows):
    return rows if isinstance(rows, table_mod.Table) else table_mod.Table.from_dicts(rows)


def dates(rows, idx=None):
    """The rows' day, or first to last day, for titles; "" when undated.
    rows: a table.Table (of its rows idx) or row dicts."""
    t = _table(rows)
    if "timestamp" not in t:
        return ""
    ds = sorted({(v or "")[:10] for v in t.distinct("timestamp", idx)} - {""})
    if not ds:
        return ""
    return ds[0] if ds[0] == ds[-1] else "%s to %s" % (ds[0], ds[-1])


def cores(rows, host=None, idx=None):
    """The median core count the rows (of host) were measured with; None
    when they do not say."""
    t = _table(rows)
    if "cores" not in t:
        return None
    hosts = t.column("host", idx) if "host" in t else [None] * len(t.column("cores", idx))
    cs = [c for c, h in zip(t.column("cores", idx), hosts)
          if c and (host is None or h == host)]
    return int(stats.median(cs)) if cs else None


def short_size(v):
    """A size in a few characters for titles and labels: 200M, 1.02k."""
    if v is None:
        return "?"
    v = float(v)
    for div, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return ("%.3g" % (v / div)) + suf
    return "%g" % v


def _safe(text, limit=80):
    """text as part of a file name or anchor: only letters, digits, - _ .,
    and at most limit characters (a name of thousands would pass the
    system's 255 per file name): a longer one keeps its start and a hash
    of the whole, so two long names stay apart."""
    out = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(text))
    if len(out) <= limit:
        return out
    import hashlib
    return out[:limit - 13] + "-" + hashlib.sha1(str(text).encode("utf-8", "replace")).hexdigest()[:12]


def kept_disturbed_runs(records):
    """The run_ids whose stopping record says --keep-disturbed: their
    disturbed rows were used by the harness, so they are used here too."""
    return {r.get("run_id") for r in records if r.get("record") == "stopping"
            and isinstance(r.get("rule"), dict) and r["rule"].get("keep_disturbed") is True}


def keep_disturbed(rows, run_ids):
    """Marks the disturbed rows of those runs as used, not set aside (rows:
    a table.Table or row dicts)."""
    if isinstance(rows, table_mod.Table):
        if run_ids and any(rows.aside):
            for i, rid in enumerate(rows.column("run_id")):
                if rows.aside[i] and rid in run_ids:
                    rows.aside[i] = 0
        return rows
    for r in rows:
        if r.get("aside") and r.get("run_id") in run_ids:
            r["aside"] = False
    return rows


def analyse(path, schema=None):
    """load_csv + Analysis: the one call the scripts make.  Disturbed rows
    are set aside as the harness set them aside: unless the metadata says
    their run kept them."""
    rows = load_table(path, schema)
    _, records, _ = read_meta(path)
    return Analysis(keep_disturbed(rows, kept_disturbed_runs(records)), path)
