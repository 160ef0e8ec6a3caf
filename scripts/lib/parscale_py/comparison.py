"""Two runs compared, configuration by configuration (docs/compare.md): the
library under scripts/compare (commands/compare.py), compare --ab
(commands/ab.py), the references (commands/references.py) and the report's
"Compared with" section (render/compare_charts.py).

BASE and NEW are parscale CSVs or directories holding results.csv.
A configuration's repetitions on the two sides are compared by the
Mann-Whitney U test and the Hodges-Lehmann ratio with its exact interval
(stats.py); the verdict is `slower` or `faster` only when the difference is
both significant (p < alpha) and larger than the threshold; the threshold
is widened to the drift of a control configuration both runs share (Drift).
"""
import datetime
import math
from collections import OrderedDict
from pathlib import Path

from . import analysis, safeio, stats
from . import schema as schema_mod
from .analysis import DataError
from .numfmt import md_table, seconds

# What ran: rows agreeing on all of these are repetitions of one configuration.
KEYS = ("kernel", "scaling", "size", "steps", "backend", "workers", "threads", "ranks")
# The backends' settings (empty where a backend has none): matched too.
SETTINGS = ("schedule", "gil_model", "switch_interval", "check_interval", "tick",
            "gil_release", "params")
DEFAULT_KEYS = KEYS + SETTINGS
# Columns that --match may add to the keys: they say where or how a run was
# made, and are not matched by default so that two machines compare directly.
EXTRA_KEYS = ("host", "order", "cores", "oversubscribed", "rate_unit", "slurm_job_id")
# Settings that belong to one GIL model: relaxing the model relaxes them,
# since the new model has a switch interval and the old one a check interval
# and a finer tick by construction.
TIED = {"gil_model": ("switch_interval", "check_interval", "tick")}
ALPHA = 0.05
THRESHOLD = 0.05
# The metadata's CPU identity (parscale info), kept with a reference machine.
CPU_IDENT = ("cpu_vendor", "cpu_family", "cpu_model_id", "cpu_stepping", "isa", "caches",
             "max_mhz", "hypervisor")
VERDICTS = ("slower", "faster", "same")
EXIT_OK, EXIT_SLOWER = 0, 1


# ---- loading one side -----------------------------------------------------

def resolve(spec):
    """A CSV path from a CSV or a results directory (DIR/results.csv)."""
    p = Path(spec)
    if p.is_dir():
        if (p / "results.csv").is_file():
            return p / "results.csv"
        csvs = sorted(p.glob("*.csv"))
        raise DataError("%s: a directory without results.csv%s" % (
            p, " (it has %s: name one)" % ", ".join(c.name for c in csvs[:5]) if csvs else ""))
    if not p.exists():
        raise DataError("%s: no such file or directory" % p)
    return p


def parse_filter(text, sch, flag):
    """'KEY=VALUE' -> (key, value text); the key must be a CSV column."""
    if "=" not in text:
        raise DataError("%s '%s': expected KEY=VALUE, e.g. gil_model=new" % (flag, text))
    key, value = text.split("=", 1)
    key = key.strip()
    if key not in sch:
        raise DataError("%s '%s': '%s' is not a CSV column (columns: %s)"
                        % (flag, text, key, ", ".join(DEFAULT_KEYS + EXTRA_KEYS)))
    return key, value.strip()


def _matches(row, key, value):
    """Whether a row's typed value equals a filter's text (numbers as numbers)."""
    return _value_matches(row.get(key), key, value)


def _value_matches(v, key, value):
    """Whether a typed value of column key equals a filter's text."""
    if value == "":
        return v is None or v == ""
    if analysis.kind(key) == "boolean":
        return v is not None and str(v).lower() == value.lower()
    if analysis.is_number(key):
        try:
            want = float(analysis._number(value, False))
        except ValueError:
            return False
        return v is not None and math.isclose(float(v), want, rel_tol=1e-9, abs_tol=0.0)
    return v == value


def _show(v):
    """A value as the tables and messages show it."""
    if v is None or v == "":
        return "(empty)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "%g" % v
    return str(v)


class Side:
    """One side of a comparison: its rows after the filters, its verified
    repetitions grouped by configuration, and the machine it ran on."""

    def __init__(self, spec, filters, keys, label, flag, sch):
        self.label = label
        self.path = resolve(spec)
        table = self.table = analysis.load_table(self.path, sch)
        idx = None                          # the rows kept: all, or these
        for key, value in filters:
            vals = table.column(key, idx)
            rows = range(len(table)) if idx is None else idx
            kept = [i for i, v in zip(rows, vals) if _value_matches(v, key, value)]
            if not kept:
                have = sorted({_show(v) for v in vals})
                raise DataError("%s %s=%s matches no row of %s (%s has: %s)"
                                % (flag, key, value, self.path, key, ", ".join(have[:10])))
            idx = kept
        self.filters = list(filters)
        self.idx = idx
        self.n_rows = len(table) if idx is None else len(idx)
        self.keys = keys
        self.groups = table.group(list(keys), idx)     # config key -> [row]
        rows = range(len(table)) if idx is None else idx
        ok = table.ok
        dist = table.column("disturbed", idx) if "disturbed" in table else [None] * self.n_rows
        self.n_ok = sum(ok[i] for i in rows)
        self.unverified = [i for i in rows if not ok[i]]
        self.disturbed = [i for i, d in zip(rows, dist) if ok[i] and _disturbed_value(d)]
        self._bad = set(self.disturbed)
        self.has_disturbed = "disturbed" in sch
        runs, self.meta_problems = analysis.load_meta(self.path)
        ids = self.distinct("run_id")
        self.runs = [m for rid, m in runs.items() if rid in ids] or list(runs.values())
        self.hosts = sorted({h or "" for h in self.distinct("host")})

    def distinct(self, col):
        """The values of col among the rows kept."""
        return self.table.distinct(col, self.idx) if col in self.table else {None}

    @property
    def rows(self):
        """The rows kept, each a table.Row (a row at a time: for the few
        rows of a reference run; the comparison itself goes by column)."""
        t = self.table
        return t if self.idx is None else [t[i] for i in self.idx]

    def row_groups(self):
        """groups with the rows as table.Row."""
        return OrderedDict((k, [self.table[i] for i in rs]) for k, rs in self.groups.items())

    def any_true(self, col, idx):
        """Whether any of the rows idx has a true col."""
        return col in self.table and any(self.table.column(col, idx))

    def times(self, key):
        """The verified, undisturbed times of one configuration."""
        ok, bad = self.table.ok, self._bad
        return self.table.column("seconds", [i for i in self.groups.get(key, [])
                                             if ok[i] and i not in bad])

    def fingerprint(self):
        """The CPU's fingerprint from the metadata: one string, None where
        the metadata has none (an older parscale), or a sorted list when
        the runs were made on more than one kind of CPU."""
        fps = sorted({m.get("fingerprint") for m in self.runs if m.get("fingerprint")})
        if not fps:
            return None
        return fps[0] if len(fps) == 1 else fps

    def cpu_ident(self):
        """What the metadata says of the CPU beyond its name (for references
        and messages): vendor, family, model, stepping, ISA, caches,
        hypervisor; the keys the metadata lacks are left out."""
        out = OrderedDict()
        for k in CPU_IDENT:
            v = next((m.get(k) for m in self.runs if m.get(k) not in (None, "")), None)
            if v is not None:
                out[k] = v
        return out

    def span(self):
        """(first, last) timestamp of the rows as datetimes; None when unknown."""
        ts = [t for t in map(_when, self.distinct("timestamp")) if t]
        return (min(ts), max(ts)) if ts else None

    def machine(self):
        """(cpu_model, cores) from the metadata; None where unknown."""
        cpu = next((m.get("cpu_model") for m in self.runs if m.get("cpu_model")), None)
        cores = None
        for m in self.runs:
            for k in ("cores_online", "cores_total", "cores_allowed"):
                if isinstance(m.get(k), int) and m[k] > 0:
                    cores = m[k]
                    break
            if cores:
                break
        if cores is None:
            cores = analysis.cores(self.table, idx=self.idx)
        return cpu, cores

    def describe(self):
        cpu, cores = self.machine()
        parts = ["%s" % self.path, "%d rows" % self.n_rows,
                 "host %s" % (", ".join(h or "?" for h in self.hosts))]
        if cpu or cores:
            parts.append("%s, %s cores" % (cpu or "unknown CPU", cores or "?"))
        gits = sorted({str(m.get("git")) for m in self.runs if m.get("git")})
        if gits:
            parts.append("git %s" % ", ".join(gits))
        if self.filters:
            parts.append("rows where " + " and ".join("%s=%s" % f for f in self.filters))
        return "; ".join(parts)


def disturbed(row):
    """Whether a repetition lost more than the harness's threshold to other
    tasks or the hypervisor (its `disturbed` column); False where the CSV
    has no such column."""
    return _disturbed_value(row.get("disturbed"))


def _disturbed_value(v):
    """disturbed() of the column's typed value."""
    return v is True or (v is not None and str(v).strip().lower() in ("1", "true"))


def _when(text):
    """An ISO 8601 UTC timestamp as a datetime; None when it is not one."""
    if not text or not isinstance(text, str):
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def config_key(row, keys):
    """The tuple of a row's values of the keys: its configuration."""
    return tuple(row.get(k) for k in keys)


def key_dict(key, keys):
    """A configuration tuple back as {key: value}."""
    return OrderedDict(zip(keys, key))


def label(cfg, shown=None):
    """A configuration in a few words: kernel backend xW [RxT], then its
    scaling, size, steps and settings; with shown (from varying()), only
    those that tell it apart from the others."""
    def show(k):
        return shown is None or k in shown or \
            (cfg.get("kernel"), cfg.get("backend"), k) in shown

    out = "%s %s x%s" % (cfg.get("kernel"), cfg.get("backend"), cfg.get("workers"))
    if cfg.get("backend") == "hybrid" and cfg.get("ranks") is not None:
        out += " (%sx%s)" % (cfg.get("ranks"), cfg.get("threads"))
    bits = []
    if "scaling" in cfg and cfg.get("scaling") != "strong" and show("scaling"):
        bits.append(cfg.get("scaling"))
    if "size" in cfg and show("size"):
        bits.append("n=%s" % analysis.short_size(cfg.get("size")))
    if cfg.get("steps") not in (None, 1) and show("steps"):
        bits.append("%s steps" % cfg.get("steps"))
    for k in SETTINGS + EXTRA_KEYS:
        if k in cfg and cfg.get(k) not in (None, "") and show(k):
            bits.append("%s=%s" % (k, _show(cfg.get(k))))
    return out + (" " + ", ".join(bits) if bits else "")


def varying(cfgs):
    """What label() must show for these configurations to be told apart:
    scaling, size and steps when they vary at all, a setting when it varies
    among one kernel's configurations of one backend (as (kernel, backend,
    key))."""
    cfgs = list(cfgs)
    shown = {k for k in ("scaling", "size", "steps")
             if len({_show(c.get(k)) for c in cfgs}) > 1}
    for kb in {(c.get("kernel"), c.get("backend")) for c in cfgs}:
        mine = [c for c in cfgs if (c.get("kernel"), c.get("backend")) == kb]
        shown |= {kb + (k,) for k in SETTINGS + EXTRA_KEYS
                  if len({_show(c.get(k)) for c in mine}) > 1}
    return shown


# ---- comparing --------------------------------------------------------------

class Result:
    """One configuration present on both sides."""

    def __init__(self, cfg, base, new, alpha, threshold):
        self.cfg = cfg
        self.label = label(cfg)
        self.base, self.new = stats.Summary(base), stats.Summary(new)
        self.ratio = self.lo = self.hi = self.hl = self.p = self.method = None
        self.oversubscribed = False
        self.few = False
        if not base or not new:
            self.verdict = "unverified"
            return
        self.ratio = self.new.median / self.base.median
        shift = stats.Shift(base, new)
        self.hl, self.lo, self.hi = shift.ratio, shift.lo, shift.hi
        u = stats.UTest(base, new)
        self.p, self.method = u.p, u.method
        # The smallest p-value these sample sizes can give: 2 / C(m+n, m).
        # (compared as integers: C(m+n, m) passes a float's range at m + n ~ 1030)
        # C(N, m) >= N for 1 <= m < N: above 2 / alpha samples it is never few,
        # and the binomial of thousands of repetitions is not worth forming
        big = len(base) + len(new)
        self.few = big <= 2.0 / alpha and math.comb(big, len(base)) <= 2.0 / alpha
        self.judge(alpha, threshold)

    def judge(self, alpha, threshold):
        """The verdict: slower or faster when significant and beyond the threshold."""
        if self.ratio is None:
            return
        big = abs(math.log(self.ratio)) > math.log1p(threshold)
        if self.p < alpha and big:
            self.verdict = "slower" if self.ratio > 1 else "faster"
        else:
            self.verdict = "same"

    def as_json(self):
        return OrderedDict([
            ("config", self.cfg), ("label", self.label),
            ("base_median", self.base.median), ("base_n", self.base.n),
            ("new_median", self.new.median), ("new_n", self.new.n),
            ("ratio", self.ratio), ("ratio_lo", self.lo), ("ratio_hi", self.hi),
            ("hodges_lehmann", self.hl), ("p", self.p), ("p_method", self.method),
            ("oversubscribed", self.oversubscribed), ("too_few_reps", self.few),
            ("verdict", self.verdict)])


class Comparison:
    """Every configuration of BASE matched with NEW's."""

    def __init__(self, base, new, keys, relaxed, alpha=ALPHA, threshold=THRESHOLD,
                 controls=None):
        self.base, self.new = base, new
        self.keys, self.relaxed = keys, relaxed
        self.alpha, self.threshold = alpha, threshold
        self.asked_threshold = threshold
        self.results, self.only_base, self.only_new = [], [], []
        for k, rows in base.groups.items():
            cfg = key_dict(k, keys)
            if k not in new.groups:
                self.only_base.append((cfg, rows))
                continue
            r = Result(cfg, base.times(k), new.times(k), alpha, threshold)
            r.oversubscribed = base.any_true("oversubscribed", rows) or \
                new.any_true("oversubscribed", new.groups[k])
            self.results.append(r)
        for k, rows in new.groups.items():
            if k not in base.groups:
                self.only_new.append((key_dict(k, keys), rows))
        if not self.results:
            raise DataError(self._nothing())
        self.results.sort(key=_order)
        self.drift = Drift(self, DEFAULT_CONTROLS if controls is None else controls)
        if self.drift.moved is not None and self.drift.moved > threshold:
            self.threshold = self.drift.moved  # what the runs cannot tell apart
            for r in self.results:
                r.judge(alpha, self.threshold)
        self.shown = varying([r.cfg for r in self.results] +
                             [c for c, _ in self.only_base + self.only_new])
        for r in self.results:
            r.label = label(r.cfg, self.shown)

    def _nothing(self):
        """Why no configuration matched, naming the keys that never agree."""
        bk = {k: self.base.distinct(k) for k in self.keys}
        nk = {k: self.new.distinct(k) for k in self.keys}
        apart = [k for k in self.keys if not (bk[k] & nk[k])]
        hint = ""
        if apart:
            hint = ": they never agree on %s (%s); relax with --ignore %s" % (
                ", ".join(apart), "; ".join("BASE %s, NEW %s" % (
                    "/".join(sorted(_show(v) for v in bk[k])),
                    "/".join(sorted(_show(v) for v in nk[k]))) for k in apart[:3]),
                ",".join(apart))
        return "no configuration of %s matches one of %s%s" % (
            self.base.path, self.new.path, hint)

    def count(self, verdict):
        return sum(1 for r in self.results if r.verdict == verdict)

    def status(self):
        return EXIT_SLOWER if self.count("slower") else EXIT_OK

    def notes(self):
        """What a reader must know besides the table."""
        out = list(self.drift.notes())
        for side in (self.base, self.new):
            if side.disturbed:
                out.append("%s: %d of %d verified repetition(s) disturbed (lost more than the "
                           "harness's threshold to other tasks or the hypervisor), set aside"
                           % (side.label, len(side.disturbed),
                              side.n_ok))
            if side.unverified:
                cfgs = OrderedDict((label(key_dict(k, self.keys), self.shown), 1)
                                   for k in side.table.group(list(self.keys),
                                                             side.unverified))
                out.append("%s: %d unverified or failed repetition(s) left out (%s)"
                           % (side.label, len(side.unverified), _list(cfgs)))
            if len(side.hosts) > 1 and "host" not in self.keys:
                out.append("%s pools rows of %d hosts (%s); pick one with --%s-filter "
                           "host=NAME or add --match host"
                           % (side.label, len(side.hosts), ", ".join(side.hosts),
                              side.label.lower()))
        if self.relaxed:
            diff = []
            for k in self.relaxed:
                b = sorted({_show(v) for v in self.base.distinct(k)})
                n = sorted({_show(v) for v in self.new.distinct(k)})
                if b != n:
                    diff.append("%s: %s vs %s" % (k, "/".join(b), "/".join(n)))
            out.append("not matched on %s%s" % (", ".join(self.relaxed),
                                                   " (" + "; ".join(diff) + ")" if diff else ""))
        mb, mn = self.base.machine(), self.new.machine()
        if mb != mn and all(mb) and all(mn):
            out.append("different machines: BASE %s with %s cores, NEW %s with %s cores"
                       % (mb + mn))
        bad = [r.label for r in self.results if r.verdict == "unverified"]
        if bad:
            out.append("no verified repetition on one side, not compared: %s" % _list(bad))
        few = [r.label for r in self.results if r.few and r.verdict != "unverified"]
        if few:
            out.append("too few repetitions to find any difference at alpha=%g (need m and n "
                       "with 2/C(m+n,m) < alpha, e.g. 4 a side for 0.05): %s"
                       % (self.alpha, _list(few)))
        for name, lst in (("only in BASE", self.only_base), ("only in NEW", self.only_new)):
            if lst:
                out.append("%s (%d): %s" % (name, len(lst),
                                             _list(label(c, self.shown) for c, _ in lst)))
        return out

    def as_json(self):
        def side(s):
            cpu, cores = s.machine()
            return OrderedDict([("path", str(s.path)), ("rows", s.n_rows),
                                ("unverified", len(s.unverified)),
                                ("disturbed", len(s.disturbed)), ("hosts", s.hosts),
                                ("cpu_model", cpu), ("cores", cores),
                                ("fingerprint", s.fingerprint()),
                                ("filters", ["%s=%s" % f for f in s.filters])])
        return OrderedDict([
            ("base", side(self.base)), ("new", side(self.new)),
            ("keys", list(self.keys)), ("relaxed", list(self.relaxed)),
            ("alpha", self.alpha), ("threshold", self.threshold),
            ("threshold_asked", self.asked_threshold), ("drift", self.drift.as_json()),
            ("results", [r.as_json() for r in self.results]),
            ("only_base", [c for c, _ in self.only_base]),
            ("only_new", [c for c, _ in self.only_new]),
            ("summary", OrderedDict((v, self.count(v)) for v in VERDICTS + ("unverified",))),
            ("notes", self.notes()), ("exit", self.status())])


# Configurations whose code two runs usually share, so that a change in
# their times is the machine's, not the code's: the empty kernel.
DEFAULT_CONTROLS = (("kernel", "null"),)


def parse_control(text):
    """'KEY=VALUE[,KEY=VALUE]' -> ((key, value), ...): the configurations
    --control names as unchanged between the runs."""
    out = []
    for part in text.split(","):
        if "=" not in part:
            raise DataError("--control '%s': expected KEY=VALUE[,KEY=VALUE], e.g. "
                            "kernel=null or kernel=count,backend=seq" % text)
        k, v = part.split("=", 1)
        if k.strip() not in DEFAULT_KEYS:
            raise DataError("--control '%s': '%s' is not a key (keys: %s)"
                            % (text, k.strip(), ", ".join(DEFAULT_KEYS)))
        out.append((k.strip(), v.strip()))
    return tuple(out)


class Drift:
    """What two separate runs cannot see: how far apart in time they were,
    how much the control configurations (code both share) moved between
    them, and how many repetitions each lost to the machine.  moved is the
    control's largest change as a fraction (None without a control): a
    change of another configuration no larger than it is not judged."""

    def __init__(self, c, controls):
        self.controls = controls
        self.apart = self.overlap = None
        bs, ns = c.base.span(), c.new.span()
        if bs and ns:
            first, second = (bs, ns) if bs[0] <= ns[0] else (ns, bs)
            self.overlap = second[0] <= first[1]
            self.apart = max(0.0, (second[0] - first[1]).total_seconds())
        self.same_run = bool(c.base.distinct("run_id") & c.new.distinct("run_id"))
        self.control = []
        for r in c.results:
            if r.ratio is None or not controls:
                continue
            if _is_control(r.cfg, controls):
                self.control.append(r)
        self.moved = None
        if self.control:
            self.moved = max(math.exp(abs(math.log(r.ratio))) - 1.0 for r in self.control)
        self.threshold = c.asked_threshold
        self.disturbed = [(s.label, len(s.disturbed), s.n_ok)
                          for s in (c.base, c.new)]

    def notes(self):
        """The drift in words, first among the notes."""
        out = []
        if self.same_run or self.overlap:
            when = "BASE and NEW were measured in one run" if self.same_run else \
                "BASE and NEW were measured at overlapping times"
        elif self.apart is not None:
            when = "runs %s apart" % seconds(self.apart, span=True)
        else:
            when = "when the runs were made is not known"
        if self.moved is not None:
            names = _list(r.label for r in self.control)
            if self.moved > self.threshold:
                out.append("%s; the control (%s) moved %.1f%%: changes under %.1f%% are not "
                           "judged (the threshold, %g%%, is widened to it)"
                           % (when, names, 100 * self.moved, 100 * self.moved,
                              100 * self.threshold))
            else:
                out.append("%s; the control (%s) moved %.1f%%, within the threshold"
                           % (when, names, 100 * self.moved))
        elif not (self.same_run or self.overlap):
            out.append("%s, and no control configuration in both (%s, or name one with "
                       "--control): the machine's drift between them cannot be estimated, "
                       "and a change of a few percent may be the machine's; for a "
                       "regression use --ab, which interleaves both"
                       % (when, " and ".join("%s=%s" % kv for kv in DEFAULT_CONTROLS)))
        return out

    def as_json(self):
        return OrderedDict([("apart_seconds", self.apart), ("overlap", self.overlap),
                            ("same_run", self.same_run),
                            ("controls", [r.label for r in self.control]),
                            ("control_moved", self.moved),
                            ("disturbed", [OrderedDict([("side", l), ("disturbed", d),
                                                        ("verified", n)])
                                           for l, d, n in self.disturbed])])


def _is_control(cfg, controls):
    """Whether a configuration is one --control names (all its KEY=VALUE hold)."""
    return all(k in cfg and _matches(cfg, k, v) for k, v in controls)


def _order(r):
    return _order_cfg(r.cfg)


def _order_cfg(c):
    """Sort order: kernel, scaling, size, the backends in their usual order, workers."""
    b = c.get("backend")
    bi = analysis.backend_rank(b)
    return (str(c.get("kernel")), str(c.get("scaling")), c.get("size") or 0,
            c.get("steps") or 0, bi, str(b), c.get("workers") or 0, c.get("threads") or 0,
            tuple(_show(c.get(k)) for k in SETTINGS if k in c))


def _list(items, limit=10):
    """Items joined by commas, the rest counted."""
    items = list(items)
    more = len(items) - limit
    return ", ".join(items[:limit]) + (", and %d more" % more if more > 0 else "")


def choose_keys(match, ignore, base_filters, new_filters, sch):
    """The keys to match on and the ones relaxed: the defaults, plus --match,
    minus --ignore, minus a key the two filters pin to different values
    (that key is what is being compared), each with its tied settings."""
    keys = [k for k in DEFAULT_KEYS if k in sch]
    for k in match:
        if k not in DEFAULT_KEYS + EXTRA_KEYS:
            raise DataError("--match %s: not a key (keys: %s)"
                            % (k, ", ".join(DEFAULT_KEYS + EXTRA_KEYS)))
        if k in sch and k not in keys:
            keys.append(k)
    relax = list(ignore)
    for k in relax:
        if k not in DEFAULT_KEYS + EXTRA_KEYS:
            raise DataError("--ignore %s: not a key (keys: %s)"
                            % (k, ", ".join(DEFAULT_KEYS + EXTRA_KEYS)))
    bf, nf = dict(base_filters), dict(new_filters)
    for k in bf:
        if k in nf and bf[k] != nf[k] and k not in relax:
            relax.append(k)
    for k in list(relax):
        relax += [t for t in TIED.get(k, ()) if t not in relax]
    for k in ("kernel", "backend"):
        if k in relax:
            raise DataError("--ignore %s: the kernel and the backend are always matched" % k)
    relaxed = [k for k in keys if k in relax]
    return tuple(k for k in keys if k not in relax), relaxed


def compare_paths(base, new, match=(), ignore=(), base_filters=(), new_filters=(),
                  alpha=ALPHA, threshold=THRESHOLD, sch=None, controls=None):
    """Loads both sides and compares them; DataError for bad input."""
    sch = sch or schema_mod.load(csv=(base, new))
    bf = [parse_filter(f, sch, "--base-filter") for f in base_filters]
    nf = [parse_filter(f, sch, "--new-filter") for f in new_filters]
    keys, relaxed = choose_keys(list(match), list(ignore), bf, nf, sch)
    b = Side(base, bf, keys, "BASE", "--base-filter", sch)
    n = Side(new, nf, keys, "NEW", "--new-filter", sch)
    return Comparison(b, n, keys, relaxed, alpha, threshold, controls)


# ---- showing a comparison ---------------------------------------------------

HEADER = ["configuration", "BASE median", "n", "NEW median", "n", "NEW/BASE",
          "95% CI", "p", "verdict"]
ALIGN = ["l", "r", "r", "r", "r", "r", "r", "r", "l"]


def _p(p):
    """A p-value to three decimals."""
    if p is None:
        return "-"
    return "<0.001" if p < 0.001 else "%.3f" % p


def table_rows(c):
    """The comparison table's cells, shared by the terminal, Markdown and report."""
    rows = []
    for r in c.results:
        name = r.label + (" *" if r.oversubscribed else "")
        ci = "-" if r.lo is None else "%.3f .. %.3f" % (r.lo, r.hi)
        verdict = r.verdict + (" (few reps)" if r.few and r.verdict == "same" else "")
        rows.append([name, seconds(r.base.median), str(r.base.n), seconds(r.new.median),
                     str(r.new.n), "-" if r.ratio is None else "%.3f" % r.ratio, ci,
                     _p(r.p), verdict])
    return rows


def summary_line(c):
    """How many configurations got each verdict, and the rule behind it."""
    return "%d slower, %d faster, %d same of %d configurations (p < %g and a change " \
           "beyond %.3g%%%s)" % (c.count("slower"), c.count("faster"), c.count("same"),
                                len(c.results), c.alpha, 100 * c.threshold,
                                ", widened from %g%% by the control's drift"
                                % (100 * c.asked_threshold)
                                if c.threshold != c.asked_threshold else "")


def text(c):
    """The terminal output: both sides, the table, the summary and the notes."""
    out = ["BASE: " + c.base.describe(), "NEW:  " + c.new.describe(), ""]
    out += _fmt_table(HEADER, table_rows(c), ALIGN) + [""]
    if any(r.oversubscribed for r in c.results):
        out.append("* oversubscribed: more workers than cores")
    out.append(summary_line(c))
    out += ["note: " + n for n in c.notes()]
    return "\n".join(out) + "\n"


def markdown(c):
    """The same as Markdown (for a pull request or a CI summary)."""
    out = ["- BASE: " + c.base.describe(), "- NEW: " + c.new.describe(), ""]
    out += md_table(HEADER, table_rows(c), ALIGN) + [""]
    if any(r.oversubscribed for r in c.results):
        out.append("\\* oversubscribed: more workers than cores\n")
    out.append(summary_line(c) + ".")
    notes = c.notes()
    if notes:
        out += [""] + ["- " + n for n in notes]
    return "\n".join(out) + "\n"


def _fmt_table(header, rows, align):
    """A table as aligned terminal lines."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]

    def line(cells):
        return "  ".join(cell.rjust(w) if a == "r" else cell.ljust(w)
                         for cell, w, a in zip(cells, widths, align)).rstrip()
    return [line(header)] + [line(r) for r in rows]




def fraction(flag, text, lo, hi):
    """'5%' or '0.05' -> 0.05, within [lo, hi)."""
    t = text.strip()
    try:
        v = float(t[:-1]) / 100.0 if t.endswith("%") else float(t)
    except ValueError:
        raise DataError("%s '%s': expected a fraction like 0.05 or a percentage like 5%%"
                        % (flag, text)) from None
    if not (math.isfinite(v) and lo <= v < hi):
        raise DataError("%s '%s': must be at least %g and below %g (as a fraction)"
                        % (flag, text, lo, hi))
    return v


def write_atomic(path, text):
    """Writes text to path through a temporary file in the same directory;
    on failure (a full disk) the old file stays and the temporary goes."""
    safeio.write_atomic(path, text)
