"""Two runs compared, configuration by configuration, or one run judged
against reference values (docs/compare.md).

    scripts/compare BASE NEW [--ignore KEYS] [--match KEYS]
                    [--base-filter K=V] [--new-filter K=V]
                    [--alpha 0.05] [--threshold 5%] [--md | --json] [--out DIR]
    scripts/compare --references FILE RUN [--machine NAME] [--md | --json]
    scripts/compare --make-references FILE RUN [--machine NAME] [--tolerance 10%]
                    [--ci-width 5%]
    scripts/compare --ab BASE_CMD NEW_CMD [options] -- RUN_ARGS     (ab.py)

BASE, NEW and RUN are parscale CSVs or directories holding results.csv.
A configuration's repetitions on the two sides are compared by the
Mann-Whitney U test and the Hodges-Lehmann ratio with its exact interval
(stats.py); the verdict is `slower` or `faster` only when the difference is
both significant (p < alpha) and larger than the threshold; the threshold
is widened to the drift of a control configuration both runs share (Drift).
References are matched on the CPU fingerprint of the metadata.

Exit status: 0 nothing slower (or every reference met), 1 something slower
(or a reference missed), 2 bad input (nothing written).
"""
import argparse
import datetime
import json
import math
import sys
from collections import OrderedDict
from pathlib import Path

from .. import version
from .. import analysis, safeio, stats
from .. import schema as schema_mod
from ..analysis import DataError
from ..common import fail, guarded
from ..numfmt import fnum, md_table, seconds

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
TOLERANCE = 0.10
REF_FORMAT = "parscale-references-1"
# What --make-references accepts: a configuration whose median's interval is
# wider than this share of it is too noisy to guard anything.
REF_CI_WIDTH = 0.05
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
    v = row.get(key)
    if value == "":
        return v is None or v == ""
    if key in analysis.BOOLEAN:
        return v is not None and str(v).lower() == value.lower()
    if key in analysis.INTEGER or key in analysis.REAL:
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
        rows = analysis.load_csv(self.path, sch)
        for key, value in filters:
            kept = [r for r in rows if _matches(r, key, value)]
            if not kept:
                have = sorted({_show(r.get(key)) for r in rows})
                raise DataError("%s %s=%s matches no row of %s (%s has: %s)"
                                % (flag, key, value, self.path, key, ", ".join(have[:10])))
            rows = kept
        self.filters = list(filters)
        self.rows = rows
        self.keys = keys
        self.groups = OrderedDict()
        for r in rows:
            self.groups.setdefault(config_key(r, keys), []).append(r)
        self.unverified = [r for r in rows if not r["ok"]]
        self.disturbed = [r for r in rows if r["ok"] and disturbed(r)]
        self.has_disturbed = "disturbed" in sch
        runs, self.meta_problems = analysis.load_meta(self.path)
        ids = {r.get("run_id") for r in rows}
        self.runs = [m for rid, m in runs.items() if rid in ids] or list(runs.values())
        self.hosts = sorted({r.get("host") or "" for r in rows})

    def times(self, key):
        """The verified, undisturbed times of one configuration."""
        return [r["seconds"] for r in self.groups.get(key, []) if r["ok"] and not disturbed(r)]

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
        ts = [t for t in (_when(r.get("timestamp")) for r in self.rows) if t]
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
            cores = analysis.cores(self.rows)
        return cpu, cores

    def describe(self):
        cpu, cores = self.machine()
        parts = ["%s" % self.path, "%d rows" % len(self.rows),
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
    v = row.get("disturbed")
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
        self.few = math.comb(len(base) + len(new), len(base)) <= 2.0 / alpha
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
            r.oversubscribed = any(x.get("oversubscribed") for x in rows + new.groups[k])
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
        bk = {k: {r.get(k) for r in self.base.rows} for k in self.keys}
        nk = {k: {r.get(k) for r in self.new.rows} for k in self.keys}
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
                              sum(1 for r in side.rows if r["ok"])))
            if side.unverified:
                cfgs = OrderedDict((label(key_dict(config_key(r, self.keys), self.keys),
                                          self.shown), 1)
                                   for r in side.unverified)
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
                b = sorted({_show(r.get(k)) for r in self.base.rows})
                n = sorted({_show(r.get(k)) for r in self.new.rows})
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
            return OrderedDict([("path", str(s.path)), ("rows", len(s.rows)),
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
        self.same_run = bool({r.get("run_id") for r in c.base.rows} &
                             {r.get("run_id") for r in c.new.rows})
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
        self.disturbed = [(s.label, len(s.disturbed), sum(1 for r in s.rows if r["ok"]))
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
    bi = analysis.BACKEND_ORDER.index(b) if b in analysis.BACKEND_ORDER else 99
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
    sch = sch or schema_mod.load()
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


# ---- charts -----------------------------------------------------------------

COLOURS = {"slower": "#D55E00", "faster": "#0072B2", "same": "#555555",
           "unverified": "#BBBBBB"}
MARKERS = {"slower": ">", "faster": "<", "same": "o", "unverified": "x"}


def ratio_chart(c, out, name="compare-ratios"):
    """Each configuration's NEW/BASE ratio with its 95% interval, one panel
    per kernel, the threshold band shaded; colour and marker say the verdict."""
    from ..render import plots
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullLocator

    kernels = list(OrderedDict((r.cfg.get("kernel"), 1) for r in c.results))
    counts = [sum(1 for r in c.results if r.cfg.get("kernel") == k) for k in kernels]
    height = 1.2 + 0.26 * sum(counts) + 0.5 * len(kernels)
    fig, axes = plt.subplots(len(kernels), 1, squeeze=False, sharex=True,
                             figsize=(plots.FIGSIZE[0] + 1.6, max(plots.FIGSIZE[1], height)),
                             gridspec_kw={"height_ratios": [max(n, 1) + 1 for n in counts]})
    axes = [a[0] for a in axes]
    lo_t, hi_t = 1.0 / (1.0 + c.threshold), 1.0 + c.threshold
    for ax, k in zip(axes, kernels):
        rs = [r for r in c.results if r.cfg.get("kernel") == k]
        ax.axvspan(lo_t, hi_t, color="0.92", zorder=0, linewidth=0)
        ax.axvline(1.0, color="0.4", linestyle=":", linewidth=1, zorder=1)
        for i, r in enumerate(rs):
            y = len(rs) - i
            if r.ratio is None:
                continue
            col = COLOURS[r.verdict]
            if r.lo is not None:
                ax.plot([r.lo, r.hi], [y, y], color=col, linewidth=1.4, zorder=2)
                ax.plot([r.lo, r.hi], [y, y], color=col, marker="|", markersize=8,
                        linestyle="none", zorder=2)
            ax.plot([r.ratio], [y], marker=MARKERS[r.verdict], color=col, markersize=7,
                    markerfacecolor="white" if r.oversubscribed else col,
                    linestyle="none", zorder=3)
        ax.set_yticks(range(len(rs), 0, -1))
        ax.set_yticklabels([_short(r.cfg, k, c.shown) for r in rs], fontsize=7.5)
        ax.set_ylim(0.4, len(rs) + 0.6)
        ax.set_title(k, fontsize=9, loc="left")
        ax.grid(True, axis="x", which="major", color="0.9")
    axes[-1].set_xscale("log")
    ends = [v for r in c.results for v in (r.lo, r.hi, r.ratio) if v]
    span = [min(ends + [lo_t]) / 1.05, max(ends + [hi_t]) * 1.05]
    ticks = [t for t in (0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2, 3, 5, 10)
             if span[0] <= t <= span[1]]
    axes[-1].set_xlim(*span)
    axes[-1].xaxis.set_major_locator(FixedLocator(ticks))
    axes[-1].xaxis.set_minor_locator(NullLocator())
    axes[-1].xaxis.set_major_formatter(FormatStrFormatter("%g"))
    axes[-1].set_xlabel("time ratio NEW / BASE (median, 95% interval; > 1 = slower)")
    fig.suptitle("NEW %s vs BASE %s" % (c.new.path.name if c.new.path.name != "results.csv"
                                        else c.new.path.parent.name,
                                        c.base.path.name if c.base.path.name != "results.csv"
                                        else c.base.path.parent.name), fontsize=10)
    hs = [Line2D([], [], color=COLOURS[v], marker=MARKERS[v], linestyle="none", label=v)
          for v in VERDICTS if c.count(v)]
    hs.append(Line2D([], [], color="0.85", linewidth=6,
                     label="within %g%% (threshold)" % (100 * c.threshold)))
    if any(r.oversubscribed for r in c.results):
        hs.append(Line2D([], [], marker="o", color="0.3", markerfacecolor="white",
                         linestyle="none", label="oversubscribed (hollow)"))
    axes[0].legend(handles=hs, fontsize=7, loc="lower right", bbox_to_anchor=(1.0, 1.0),
                   ncol=len(hs), frameon=False, borderaxespad=0.2, handletextpad=0.3)
    return plots._save(fig, axes[-1], out, name)


def _short(cfg, kernel, shown):
    """A label without its kernel, for a panel already titled with it."""
    text = label(cfg, shown)
    return text[len(kernel) + 1:] if text.startswith(kernel + " ") else text


def speedup_charts(c, out):
    """For scaling studies: per kernel and scaling mode, both runs' speedup
    curves on one chart (NEW solid and filled, BASE dotted and hollow)."""
    from ..render import plots
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    def charts(side):
        rows = [r for k in side.groups for r in side.groups[k]]
        a = analysis.Analysis(rows, side.path)
        return a, {(ch.kernel, ch.scaling, ch.order, ch.steps): ch for ch in a.charts}

    ab, cb = charts(c.base)
    an, cn = charts(c.new)
    made = []
    for key in cn:
        if key not in cb:
            continue
        kernel, scaling, order, steps = key
        sers = [(s, "NEW") for s in cn[key].series if s.backend != "seq"] + \
               [(s, "BASE") for s in cb[key].series if s.backend != "seq"]
        if len({p.workers for s, _ in sers for p in s.points if p.speedup}) < 2:
            continue                          # one worker count: not a scaling study
        fig, ax = plt.subplots(figsize=plots.FIGSIZE)
        labels = list(OrderedDict((s.label, 1) for s, _ in sers))
        xs = []
        for s, which in sers:
            st = plots.STYLE.get(s.backend) or plots.EXTRA[labels.index(s.label) %
                                                           len(plots.EXTRA)]
            pts = sorted((p.workers, p.speedup, p.speedup_lo, p.speedup_hi)
                         for p in s.points if p.speedup is not None)
            if not pts:
                continue
            x = [p[0] for p in pts]
            xs += x
            ax.plot(x, [p[1] for p in pts], color=st["color"],
                    linestyle="-" if which == "NEW" else ":",
                    linewidth=1.6 if which == "NEW" else 1.2, marker=st["marker"],
                    markerfacecolor=st["color"] if which == "NEW" else "white", zorder=3)
            ax.errorbar(x, [p[1] for p in pts],
                        yerr=[[max(0.0, p[1] - p[2]) if p[2] is not None else 0 for p in pts],
                              [max(0.0, p[3] - p[1]) if p[3] is not None else 0 for p in pts]],
                        fmt="none", ecolor=st["color"], elinewidth=0.8, capsize=2, zorder=2,
                        alpha=1.0 if which == "NEW" else 0.6)
        plots._workers_axis(ax, xs, an.cores())
        ideal = sorted(set(xs))
        ax.plot(ideal, ideal, color="0.4", linestyle=":", linewidth=1, zorder=1)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("speedup over seq (x)")
        size = "n=%s" % analysis.short_size(order) + ("" if scaling == "strong" else " per worker")
        ax.set_title("%s: speedup, NEW vs BASE (%s scaling, %s)" % (kernel, scaling, size),
                     fontsize=10)
        hs = []
        for lab in labels:
            s = next(s for s, _ in sers if s.label == lab)
            st = plots.STYLE.get(s.backend) or plots.EXTRA[labels.index(lab) % len(plots.EXTRA)]
            hs.append(Line2D([], [], color=st["color"], marker=st["marker"], label=lab))
        hs += [Line2D([], [], color="0.3", linestyle="-", label="NEW (solid, filled)"),
               Line2D([], [], color="0.3", linestyle=":", markerfacecolor="white",
                      marker="o", label="BASE (dotted, hollow)"),
               Line2D([], [], color="0.4", linestyle=":", label="ideal (S = p)")]
        ax.legend(handles=hs, fontsize=7.5, loc="best", framealpha=0.9)
        several = sum(1 for k in cn if k[:2] == (kernel, scaling)) > 1
        slug = analysis._safe(kernel + ("-n%s" % order if several else "") +
                              ("-s%s" % steps if several and steps not in (None, 1) else ""))
        name = "compare-%s-speedup-%s" % (slug, scaling)
        paths = plots._save(fig, ax, out, name)
        made.append(("%s: speedup NEW vs BASE, %s scaling" % (kernel, scaling), paths[0]))
    return made


def make_charts(c, out, speedups=True):
    """The ratio chart and (with speedups) the overlaid speedup curves into
    out; [(caption, png)]."""
    out = safeio.out_dir(out, error=DataError)
    made = [("NEW/BASE time ratio per configuration", ratio_chart(c, out)[0])]
    return made + (speedup_charts(c, out) if speedups else [])


# ---- the report's section ---------------------------------------------------

class Section:
    """The report's "Compared with BASE" section, ready to add to its Doc."""

    def __init__(self, comparison, charts, base_spec):
        self.c = comparison
        self.charts = charts
        self.base_spec = base_spec

    def add_to(self, doc):
        c = self.c
        doc.h(2, "Compared with %s" % self.base_spec, "compared")
        doc.p("Each configuration of this run (NEW) against the same configuration in "
              "`%s` (BASE): the ratio of median times NEW/BASE with the 95%% interval of "
              "the Hodges-Lehmann ratio, and the Mann-Whitney U p-value. A verdict "
              "other than `same` needs both p < %g and a change beyond %g%%. "
              "See docs/compare.md." % (c.base.path, c.alpha, 100 * c.threshold))
        doc.ul(["BASE: " + c.base.describe(), "NEW: " + c.new.describe()])
        doc.table(HEADER, table_rows(c), ALIGN)
        doc.p(summary_line(c) + ".")
        doc.ul(c.notes())
        for cap, path in self.charts:
            doc.img(cap, path)


def report_section(base_spec, csv_path, out):
    """The one call scripts/report makes for --compare BASE: compares the
    report's CSV with BASE (DataError before anything is written), draws the
    ratio chart into out, and returns a Section with add_to(doc)."""
    c = compare_paths(base_spec, csv_path)
    return Section(c, make_charts(c, out, speedups=False), base_spec)


# ---- references -------------------------------------------------------------

def _speedups(side):
    """{config key: speedup} from the analysis's seq bases."""
    rows = [r for k in side.groups for r in side.groups[k]]
    a = analysis.Analysis(rows, side.path)
    by_row = {}
    for p in a.points:
        for r in p.rows:
            by_row[id(r)] = p
    out = {}
    for k, rows in side.groups.items():
        pts = {id(by_row[id(r)]) for r in rows}
        p = by_row[id(rows[0])]
        if len(pts) == 1 and p.speedup is not None:
            out[k] = p.speedup
    return out


def make_references(run_spec, path, machine=None, tolerance=TOLERANCE, filters=(),
                    metrics=("rate", "speedup"), ci_width=REF_CI_WIDTH):
    """Reference values from a run: for every verified, not oversubscribed
    configuration its median rate and (non-seq) speedup, with the tolerance;
    merged into the file at path under this machine's name.  A configuration
    with a disturbed repetition, or whose median's interval is wider than
    ci_width of it, is refused.  Returns (document, machine name, entries,
    [refused: (label, why)])."""
    sch = schema_mod.load()
    side = Side(run_spec, [parse_filter(f, sch, "--new-filter") for f in filters],
                tuple(k for k in DEFAULT_KEYS if k in sch), "RUN", "--new-filter", sch)
    cpu, cores = side.machine()
    if not cpu or not cores:
        raise DataError("%s: the metadata (.meta.jsonl) names no CPU model and core count: "
                        "references need them to find the machine" % side.path)
    name = machine or (side.hosts[0] if len(side.hosts) == 1 and side.hosts[0] else
                       "%s %d cores" % (cpu, cores))
    fp = side.fingerprint()
    if isinstance(fp, list):
        raise DataError("%s was made on %d kinds of CPU (fingerprints %s): make references "
                        "from one host's rows (--new-filter host=NAME)"
                        % (side.path, len(fp), ", ".join(fp)))
    speed = _speedups(side) if "speedup" in metrics else {}
    refs, refused = [], []
    shown = varying(key_dict(k, side.keys) for k in side.groups)
    for k, rows in side.groups.items():
        ok = [r for r in rows if r["ok"]]
        if not ok or any(r.get("oversubscribed") for r in rows):
            continue
        name_k = label(key_dict(k, side.keys), shown)
        bad = [r for r in ok if disturbed(r)]
        if bad:
            refused.append((name_k, "%d of %d repetitions disturbed" % (len(bad), len(ok))))
            continue
        width = stats.Summary([r["seconds"] for r in ok]).rel_width()
        if width is None or width > ci_width:
            refused.append((name_k, "interval %s > %g%%" % (
                "unknown" if width is None else "%.1f%%" % (100 * width), 100 * ci_width)))
            continue
        entry = OrderedDict([("config", OrderedDict(
            (kk, v) for kk, v in key_dict(k, side.keys).items() if v not in (None, "")))])
        rates = [r["rate"] for r in ok if r.get("rate") is not None]
        if "rate" in metrics and rates:
            entry["rate"] = OrderedDict([("expect", _round(stats.median(rates))),
                                         ("lower", -tolerance), ("upper", tolerance),
                                         ("unit", ok[0].get("rate_unit") or "")])
        if k in speed and k[side.keys.index("backend")] != "seq":
            entry["speedup"] = OrderedDict([("expect", _round(speed[k])),
                                            ("lower", -tolerance), ("upper", tolerance)])
        if len(entry) > 1:
            refs.append(entry)
    refs.sort(key=lambda e: _order_cfg(e["config"]))
    if not refs:
        raise DataError("%s: no verified, not oversubscribed, quiet configuration to make "
                        "references from%s" % (side.path, "; refused: " + _list(
                            "%s (%s)" % r for r in refused) if refused else ""))
    doc = _read_refs(path) if Path(path).exists() else OrderedDict(
        [("format", REF_FORMAT), ("machines", OrderedDict())])
    entry = OrderedDict([("cpu_model", cpu), ("cores", cores)])
    if fp:
        entry["fingerprint"] = fp
    entry.update(side.cpu_ident())
    doc["machines"][name] = OrderedDict(list(entry.items()) + [
        ("made_from", str(side.path)),
        ("made", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")),
        ("references", refs)])
    return doc, name, refs, refused


def dump_refs(doc):
    """A reference file as JSON with one line per reference, so that a diff
    of two versions shows which configurations changed."""
    out = ['{', ' "format": %s,' % json.dumps(doc["format"]), ' "machines": {']
    names = list(doc["machines"])
    for i, name in enumerate(names):
        m = doc["machines"][name]
        out.append('  %s: {' % json.dumps(name))
        for k, v in m.items():
            if k != "references":
                out.append('   %s: %s,' % (json.dumps(k), json.dumps(v)))
        refs = m.get("references", [])
        out.append('   "references": [')
        out += ['    %s%s' % (json.dumps(e), "," if j < len(refs) - 1 else "")
                for j, e in enumerate(refs)]
        out.append('   ]')
        out.append('  }' + ("," if i < len(names) - 1 else ""))
    out += [' }', '}']
    return "\n".join(out) + "\n"


def _round(v):
    """Six significant digits: what a reference value can mean."""
    return float("%.6g" % v)


def _read_refs(path):
    doc = safeio.read_json(path, "references", error=DataError,
                           object_pairs_hook=OrderedDict)
    if not isinstance(doc, dict) or doc.get("format") != REF_FORMAT:
        raise DataError("%s: not a parscale reference file (expected \"format\": \"%s\")"
                        % (path, REF_FORMAT))
    machines = doc.get("machines")
    if not isinstance(machines, dict) or not machines:
        raise DataError("%s: \"machines\" must be an object naming at least one machine"
                        % path)
    for name, m in machines.items():
        if not isinstance(m, dict) or not isinstance(m.get("references"), list):
            raise DataError("%s: machine '%s' has no \"references\" list" % (path, name))
        for i, e in enumerate(m["references"]):
            if not isinstance(e, dict) or not isinstance(e.get("config"), dict):
                raise DataError("%s: machine '%s', reference %d has no \"config\" object"
                                % (path, name, i + 1))
            for metric in ("rate", "speedup"):
                v = e.get(metric)
                if v is None:
                    continue
                if not isinstance(v, dict) or not isinstance(v.get("expect"), (int, float)) \
                        or v["expect"] <= 0:
                    raise DataError("%s: machine '%s', reference %d: %s needs a positive "
                                    "\"expect\"" % (path, name, i + 1, metric))
                for b in ("lower", "upper"):
                    if v.get(b) is not None and not isinstance(v.get(b), (int, float)):
                        raise DataError("%s: machine '%s', reference %d: %s.%s must be a "
                                        "number or null" % (path, name, i + 1, metric, b))
    return doc


def _blank(v):
    """None for an empty value, numbers as floats: how a file's value and a
    row's are compared."""
    if v is None or v == "":
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return v
    return float(v)


class NoMachine(Exception):
    """No reference machine is this run's: the message says why."""


def _describe_machine(cpu, cores, fp, ident=None):
    """'AMD EPYC, 2 cores, fingerprint 0a1b... (AuthenticAMD 26/2/1, avx2 avx512f)'."""
    out = "%s, %s cores" % (cpu or "unknown CPU", cores or "?")
    out += ", fingerprint %s" % fp if fp else ", no fingerprint"
    ident = ident or {}
    bits = []
    if ident.get("cpu_vendor"):
        bits.append("%s %s/%s/%s" % (ident.get("cpu_vendor"), ident.get("cpu_family"),
                                     ident.get("cpu_model_id"), ident.get("cpu_stepping")))
    isa = [f for f in str(ident.get("isa") or "").split() if f.startswith(("avx", "amx"))]
    if isa:
        bits.append(" ".join(isa))
    return out + (" (%s)" % ", ".join(bits) if bits else "")


def pick_machine(doc, path, cpu, cores, name=None, fp=None, ident=None):
    """The reference machine and a warning (or None): named, else the one
    whose fingerprint and core count are this run's.  A machine without a
    fingerprint (a file made before parscale recorded one) is matched on CPU
    model and cores only, with a warning, since two CPUs may share a name.
    A named machine of another fingerprint is refused; NoMachine when no
    machine matches."""
    machines = doc["machines"]
    if isinstance(fp, list):
        raise DataError("the run was made on %d kinds of CPU (fingerprints %s): judge one "
                        "host's rows with --new-filter host=NAME" % (len(fp), ", ".join(fp)))
    unknown = ("machine '%%s' in %s has no fingerprint (made before parscale recorded "
               "one): matched on CPU model and cores only, which cannot tell two CPUs of "
               "one name apart; remake it with --make-references" % path)
    if name:
        if name not in machines:
            raise DataError("--machine %s: not in %s (it has: %s)"
                            % (name, path, ", ".join(machines)))
        theirs = machines[name].get("fingerprint")
        if fp and theirs and theirs != fp:
            raise DataError("--machine %s is another CPU: its references were made on %s, "
                            "this run on %s; references are never applied to another CPU"
                            % (name, _describe_machine(machines[name].get("cpu_model"),
                                                       machines[name].get("cores"), theirs,
                                                       machines[name]),
                               _describe_machine(cpu, cores, fp, ident)))
        return name, (unknown % name if not (fp and theirs) else None)
    if fp:
        hits = [n for n, m in machines.items()
                if m.get("fingerprint") == fp and m.get("cores") == cores]
        if hits:
            return hits[0], None
    hits = [n for n, m in machines.items() if not m.get("fingerprint") and
            m.get("cpu_model") == cpu and m.get("cores") == cores]
    if hits:
        return hits[0], unknown % hits[0]
    raise NoMachine("%s has no references for this machine (%s); it has: %s. References are "
                    "never applied to another CPU: make some on this machine with "
                    "--make-references, or name one with --machine" % (
                        path, _describe_machine(cpu, cores, fp, ident),
                        "; ".join("%s (%s)" % (n, _describe_machine(
                            m.get("cpu_model"), m.get("cores"), m.get("fingerprint"), m))
                                  for n, m in machines.items())))


class Check:
    """One reference value against the run."""

    def __init__(self, entry, metric, measured, shown=None):
        ref = entry[metric]
        self.cfg = entry["config"]
        self.label = label(self.cfg, shown)
        self.metric = metric
        self.unit = ref.get("unit", "") if metric == "rate" else "x"
        self.expect = float(ref["expect"])
        lo, hi = ref.get("lower"), ref.get("upper")
        self.lo = self.expect * (1.0 + lo) if lo is not None else None
        self.hi = self.expect * (1.0 + hi) if hi is not None else None
        self.measured = measured
        if measured is None:
            self.verdict = "not run"
        elif self.lo is not None and measured < self.lo:
            self.verdict = "below"
        elif self.hi is not None and measured > self.hi:
            self.verdict = "above"
        else:
            self.verdict = "ok"

    def as_json(self):
        return OrderedDict([("config", self.cfg), ("label", self.label),
                            ("metric", self.metric), ("unit", self.unit),
                            ("expect", self.expect), ("low", self.lo), ("high", self.hi),
                            ("measured", self.measured), ("verdict", self.verdict)])


class Judgement:
    """A run judged against one machine's references."""

    def __init__(self, path, doc, side, machine):
        self.path, self.side, self.machine = path, side, machine
        m = doc["machines"][machine]
        speed = None
        self.checks = []
        matched = 0
        # A key the reference leaves out must be empty in the run: the file
        # lists only the keys and settings a configuration has.
        cols = list(side.keys) + [k for e in m["references"] for k in e["config"]
                                  if k not in side.keys]
        groups = OrderedDict()
        for r in side.rows:
            if r["ok"]:
                groups.setdefault(tuple(_blank(r.get(k)) for k in cols), []).append(r)
        shown = varying(e["config"] for e in m["references"])
        for e in m["references"]:
            rows = groups.get(tuple(_blank(e["config"].get(k)) for k in cols), [])
            matched += bool(rows)
            for metric in ("rate", "speedup"):
                if metric not in e:
                    continue
                val = None
                if rows and metric == "rate":
                    val = stats.median([r["rate"] for r in rows if r.get("rate") is not None])
                elif rows:
                    if speed is None:
                        speed = _speedups(side)
                    val = speed.get(config_key(rows[0], side.keys))
                self.checks.append(Check(e, metric, val, shown))
        if not matched:
            raise DataError("no configuration of %s is among the %d references of '%s' in %s"
                            % (side.path, len(m["references"]), machine, path))

    def count(self, verdict):
        return sum(1 for c in self.checks if c.verdict == verdict)

    def status(self):
        return EXIT_SLOWER if self.count("below") or self.count("above") else EXIT_OK

    def rows(self):
        return [[c.label, c.metric, "%s %s" % (fnum(c.expect), c.unit),
                 "%s .. %s" % (fnum(c.lo) if c.lo is not None else "-",
                               fnum(c.hi) if c.hi is not None else "-"),
                 "-" if c.measured is None else "%s %s" % (fnum(c.measured), c.unit),
                 "-" if c.measured is None else "%+.1f%%" % (100 * (c.measured / c.expect - 1)),
                 c.verdict] for c in self.checks if c.verdict != "not run"]

    def not_run(self):
        """The line naming the reference configurations the run lacks."""
        missing = list(OrderedDict((c.label, 1) for c in self.checks
                                   if c.verdict == "not run"))
        if not missing:
            return None
        return "not in this run, not judged (%d configuration(s)): %s" % (
            len(missing), _list(missing, 8))

    def summary(self):
        return "%d ok, %d below, %d above, %d not run of %d reference values (machine '%s')" % (
            self.count("ok"), self.count("below"), self.count("above"),
            self.count("not run"), len(self.checks), self.machine)

    def as_json(self):
        return OrderedDict([("references", str(self.path)), ("run", str(self.side.path)),
                            ("machine", self.machine),
                            ("checks", [c.as_json() for c in self.checks]),
                            ("summary", OrderedDict((v, self.count(v)) for v in
                                                    ("ok", "below", "above", "not run"))),
                            ("exit", self.status())])


REF_HEADER = ["configuration", "metric", "expected", "allowed", "measured", "change",
              "verdict"]
REF_ALIGN = ["l", "l", "r", "r", "r", "r", "l"]


def judge(ref_path, run_spec, machine=None, filters=()):
    """Loads the reference file and the run (DataError for bad input) and
    judges it; (Judgement, warning or None).  NoMachine when none of the
    file's machines is this run's."""
    sch = schema_mod.load()
    doc = _read_refs(ref_path)
    side = Side(run_spec, [parse_filter(f, sch, "--new-filter") for f in filters],
                tuple(k for k in DEFAULT_KEYS if k in sch), "RUN", "--new-filter", sch)
    cpu, cores = side.machine()
    name, warning = pick_machine(doc, ref_path, cpu, cores, machine, side.fingerprint(),
                                 side.cpu_ident())
    return Judgement(ref_path, doc, side, name), warning


def _fmt_table(header, rows, align):
    """A table as aligned terminal lines."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]

    def line(cells):
        return "  ".join(cell.rjust(w) if a == "r" else cell.ljust(w)
                         for cell, w, a in zip(cells, widths, align)).rstrip()
    return [line(header)] + [line(r) for r in rows]


# ---- the command line -------------------------------------------------------

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


def _keys_arg(values):
    """Repeated, comma-separated --ignore/--match values as one list."""
    return [k.strip() for v in values for k in v.split(",") if k.strip()]


def write_atomic(path, text):
    """Writes text to path through a temporary file in the same directory;
    on failure (a full disk) the old file stays and the temporary goes."""
    safeio.write_atomic(path, text)


def _run(args):
    """Everything that can fail on bad input, then the output; the status."""
    alpha = fraction("--alpha", args.alpha, 1e-12, 1.0)
    ci_width = fraction("--ci-width", args.ci_width, 1e-6, 1.0) if args.ci_width else None
    threshold = fraction("--threshold", args.threshold, 0.0, 10.0)
    tolerance = fraction("--tolerance", args.tolerance, 0.0, 10.0)
    if args.make_references:
        if len(args.files) != 1:
            raise DataError("--make-references FILE takes one run: "
                            "scripts/compare --make-references FILE RUN")
        out = Path(args.make_references)
        if out.exists() and out.is_dir():
            raise DataError("--make-references %s: a directory, expected a file" % out)
        if not out.parent.is_dir():
            raise DataError("--make-references %s: no directory %s" % (out, out.parent))
        doc, name, refs, refused = make_references(args.files[0], out, args.machine,
                                                   tolerance, args.new_filter,
                                                   ci_width=ci_width or REF_CI_WIDTH)
        write_atomic(out, dump_refs(doc))
        m = doc["machines"][name]
        print("compare: %d reference configurations for machine '%s' (%s) in %s"
              % (len(refs), name, _describe_machine(m["cpu_model"], m["cores"],
                                                     m.get("fingerprint"), m), out))
        if refused:
            print("compare: refused %d configuration(s), too noisy to guard: %s"
                  % (len(refused), _list(("%s (%s)" % r for r in refused), 20)),
                  file=sys.stderr)
        if not m.get("fingerprint"):
            print("compare: warning: the run's metadata has no CPU fingerprint (an older "
                  "parscale): this machine will be matched on CPU model and cores only",
                  file=sys.stderr)
        return EXIT_OK
    if args.references:
        if len(args.files) != 1:
            raise DataError("--references FILE takes one run: "
                            "scripts/compare --references FILE RUN")
        if args.out or args.base_filter:
            raise DataError("--references: --out and --base-filter apply to two runs only")
        try:
            j, warning = judge(args.references, args.files[0], args.machine,
                               args.new_filter)
        except NoMachine as e:
            if args.references_strict:
                raise DataError(str(e)) from None
            print("compare: warning: %s; nothing judged" % e, file=sys.stderr)
            if args.json:
                print(json.dumps(OrderedDict([("references", args.references),
                                              ("run", args.files[0]), ("machine", None),
                                              ("warning", str(e)), ("checks", []),
                                              ("exit", EXIT_OK)]), indent=1))
            return EXIT_OK
        if warning and args.references_strict:
            raise DataError(warning + " (--references-strict)")
        if warning:
            print("compare: warning: " + warning, file=sys.stderr)
        if args.json:
            print(json.dumps(j.as_json(), indent=1))
        elif args.md:
            print("\n".join(["- references: %s, machine '%s'" % (j.path, j.machine),
                             "- run: " + j.side.describe(), ""] +
                            md_table(REF_HEADER, j.rows(), REF_ALIGN) +
                            ["", j.summary() + "."] +
                            (["", "- " + j.not_run()] if j.not_run() else [])))
        else:
            print("\n".join(["references: %s, machine '%s'" % (j.path, j.machine),
                             "run: " + j.side.describe(), ""] +
                            _fmt_table(REF_HEADER, j.rows(), REF_ALIGN) +
                            ["", j.summary()] +
                            (["note: " + j.not_run()] if j.not_run() else [])))
        return j.status()
    if len(args.files) != 2:
        raise DataError("expected BASE and NEW (each a CSV or a results directory), "
                        "got %d argument(s)" % len(args.files))
    if args.machine:
        raise DataError("--machine applies to --references and --make-references only")
    if args.out is not None:
        safeio.out_dir(args.out, error=DataError, create=False)
    controls = None
    if args.control:
        controls = () if args.control == ["none"] else \
            tuple(kv for c in args.control for kv in parse_control(c))
    c = compare_paths(args.files[0], args.files[1], _keys_arg(args.match),
                      _keys_arg(args.ignore), args.base_filter, args.new_filter,
                      alpha, threshold, controls=controls)
    if args.json:
        sys.stdout.write(json.dumps(c.as_json(), indent=1) + "\n")
    elif args.md:
        sys.stdout.write(markdown(c))
    else:
        sys.stdout.write(text(c))
    if args.out is not None:
        made = make_charts(c, args.out)
        print("compare: %d chart(s) (x png/svg/pdf) in %s" % (len(made), args.out),
              file=sys.stderr)
    return c.status()


def main(argv=None):
    """The command line: parse, then _run under the bad-input guard; --ab
    (before any --) is the A/B session of ab.py."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--ab" in (argv[:argv.index("--")] if "--" in argv else argv):
        from . import ab
        return ab.main(argv)
    ap = argparse.ArgumentParser(
        prog="compare",
        description="Compare two parscale runs configuration by configuration (exit 1 when "
        "something is slower), or judge one run against reference values. For a "
        "regression check, prefer --ab BASE_CMD NEW_CMD -- RUN_ARGS: it runs both "
        "interleaved in one session, so that the machine's drift hits both alike; two "
        "separate runs can only be told apart beyond the drift between them.",
        epilog="Keys matched by default: %s. Exit status: 0 nothing slower / every "
        "reference met, 1 something slower / a reference missed, 2 bad input. "
        "Details: docs/compare.md." % ", ".join(DEFAULT_KEYS))
    ap.add_argument("files", nargs="*", metavar="BASE NEW",
                    help="two CSVs or results directories (one RUN with --references "
                    "or --make-references)")
    ap.add_argument("--ignore", action="append", default=[], metavar="KEY[,KEY]",
                    help="do not match on these keys (e.g. gil_model, switch_interval, "
                    "size); relaxing gil_model relaxes its own settings too")
    ap.add_argument("--match", action="append", default=[], metavar="KEY[,KEY]",
                    help="also match on these (%s)" % ", ".join(EXTRA_KEYS))
    ap.add_argument("--base-filter", action="append", default=[], metavar="KEY=VALUE",
                    help="use only BASE rows where KEY is VALUE (repeatable); a key the "
                    "two filters pin to different values is not matched on")
    ap.add_argument("--new-filter", action="append", default=[], metavar="KEY=VALUE",
                    help="use only NEW (or RUN) rows where KEY is VALUE (repeatable)")
    ap.add_argument("--alpha", default=str(ALPHA),
                    help="significance level of the U test (default %g)" % ALPHA)
    ap.add_argument("--threshold", default="%g%%" % (100 * THRESHOLD),
                    help="smallest change that counts, e.g. 5%% or 0.05 (default 5%%)")
    out = ap.add_mutually_exclusive_group()
    out.add_argument("--md", action="store_true", help="Markdown instead of the table")
    out.add_argument("--json", action="store_true", help="JSON instead of the table")
    ap.add_argument("--out", help="directory for the charts (ratios; speedup curves)")
    ap.add_argument("--references", metavar="FILE",
                    help="judge RUN against this reference file")
    ap.add_argument("--make-references", metavar="FILE",
                    help="write (or update) FILE with RUN's values for its machine")
    ap.add_argument("--machine", help="the reference machine's name (default: found by "
                    "CPU fingerprint and core count; when making: the host name)")
    ap.add_argument("--ab", nargs=2, metavar=("BASE_CMD", "NEW_CMD"),
                    help="measure two parscale commands (\"build/parscale\", \"new/parscale "
                    "--gil-model old\") in one session of interleaved trials of random "
                    "order, then `-- RUN_ARGS`; judged on the paired per-trial ratios. The "
                    "way to check for a regression. Its options: --ci-width (default 5%%), "
                    "--max-time (default 45s), --max-trials, --launcher \"mpirun -np 4\", "
                    "--seed, --threshold, --alpha, --md, --json, --csv FILE (every trial)")
    ap.add_argument("--control", action="append", default=[], metavar="KEY=V[,KEY=V]",
                    help="configurations whose code did not change between the runs "
                    "(repeatable; default kernel=null; 'none': no control): their change "
                    "is the machine's drift, and the threshold is widened to it")
    ap.add_argument("--references-strict", action="store_true",
                    help="with --references: a run none of the file's machines matches "
                    "(by CPU fingerprint), or a machine without a fingerprint, is bad "
                    "input (2) instead of a warning")
    ap.add_argument("--ci-width", metavar="W",
                    help="--make-references: refuse configurations whose median's 95%%%% "
                    "interval is wider than W of it (default %g%%%%); --ab: add trials "
                    "until every ratio's interval is this narrow (default %g%%%%)"
                    % (100 * REF_CI_WIDTH, 100 * REF_CI_WIDTH))
    ap.add_argument("--tolerance", default="%g%%" % (100 * TOLERANCE),
                    help="allowed change either way when making references "
                    "(default %g%%%%)" % (100 * TOLERANCE))
    ap.error = lambda msg: fail("compare", msg + " (see --help)")     # one line, status 2
    version.add_option(ap)
    args = ap.parse_args(argv)
    if args.references and args.make_references:
        ap.error("--references and --make-references exclude each other")
    return guarded("compare", _run, args)


if __name__ == "__main__":
    sys.exit(main())
