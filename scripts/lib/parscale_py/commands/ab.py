"""scripts/compare --ab: two parscale commands measured in one session, in
many short trials of randomized order, judged on their paired ratios
(docs/compare.md, "A/B in one session").

    scripts/compare --ab BASE_CMD NEW_CMD [--ci-width 5%] [--max-time 45s]
                    [--max-trials N] [--launcher "mpirun -np 4"] [--seed N]
                    [--threshold 5%] [--alpha 0.05] [--md | --json] [--csv FILE]
                    -- RUN_ARGS

BASE_CMD and NEW_CMD are each a command that starts a parscale binary, with
optional extra `parscale run` options ("build/parscale --gil-model old");
the word `run` is put after the binary (or kept where the command already
has it).  A trial runs BASE and NEW back to back, in an order drawn at
random, each one `parscale run RUN_ARGS` with the same interleaving seed;
a configuration's trial ratio is the median NEW time of that trial over the
median BASE time.  The verdict rests on those paired ratios: their median,
with the exact order-statistic interval of a median (the sign test's), so
that the machine's drift between trials, which hits both sides of a trial
alike, cancels in each ratio.  Without --size in RUN_ARGS the kernels are
sized once, before the trials, on BASE (--rep-time, 20 ms unless RUN_ARGS
give one), and both sides run those sizes in every trial.
"""
import argparse
import json
import math
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict
from pathlib import Path

from .. import analysis, stats
from .. import comparison
from .. import schema as schema_mod
from ..analysis import DataError
from ..common import fail, guarded
from ..numfmt import md_table, seconds

PROG = "compare"
CI_WIDTH = 0.05
MAX_TIME = 45.0          # with start-up and check-args, within a minute
MIN_TRIALS = 6           # the least with a 95% interval of a median (1/32 per tail)
MAX_TRIALS = 200
# parscale run options --ab sets itself, per trial.
OWNED = ("--csv", "--ci-width", "--min-reps", "--max-reps", "--max-time", "--seed")
# One repetition a side per trial unless RUN_ARGS says otherwise: every trial
# is a fresh pair of processes, so trials, not repetitions, give the interval.
TRIAL_REPS, TRIAL_WARMUP = 1, 0
SIDES = ("BASE", "NEW")
# A seq repetition's length when RUN_ARGS name no size: short enough for
# tens of trials in the budget, long enough for the clock and the start.
REP_TIME = "20ms"


class Command:
    """One side's command: the program, `run`, its own extra options."""

    def __init__(self, text, side):
        self.text, self.side = text, side
        try:
            words = shlex.split(text)
        except ValueError as e:
            raise DataError("--ab %s '%s': cannot split it as a shell would (%s)"
                            % (side, text, e)) from None
        if not words:
            raise DataError("--ab %s is empty: give a command that starts parscale, e.g. "
                            "build/parscale" % side)
        exe = words[0]
        found = shutil.which(exe) if os.sep not in exe else \
            (exe if os.path.isfile(exe) and os.access(exe, os.X_OK) else None)
        if not found:
            raise DataError("--ab %s '%s': %s is not an executable file%s"
                            % (side, text, exe, "" if os.sep in exe else " on PATH"))
        self.exe = found
        rest = words[1:]
        if rest and rest[0] == "run":      # "build/parscale run --gil-model old"
            rest = rest[1:]
        self.extra = rest

    def argv(self, run_args, launcher=()):
        return list(launcher) + [self.exe, "run"] + self.extra + list(run_args)


def check(cmd, run_args):
    """`parscale run --check-args` on this side's options and RUN_ARGS: the
    normalised JSON, or DataError naming the side and parscale's reason."""
    try:
        pr = subprocess.run([cmd.exe, "run", "--check-args"] + cmd.extra + list(run_args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DataError("--ab %s '%s': cannot run %s run --check-args: %s"
                        % (cmd.side, cmd.text, cmd.exe, e)) from None
    err = pr.stderr.decode("utf-8", "replace").strip().splitlines()
    try:
        checked = json.loads(pr.stdout.decode("utf-8"))
        given = checked["given"]
    except (ValueError, KeyError, TypeError):
        raise DataError("--ab %s '%s': %s run --check-args failed (exit %d)%s; is it "
                        "parscale?" % (cmd.side, cmd.text, cmd.exe, pr.returncode,
                                       ": " + err[-1] if err else "")) from None
    if pr.returncode != 0 or "error" in checked:
        raise DataError("--ab %s '%s': parscale refuses its options: %s"
                        % (cmd.side, cmd.text, checked.get("error") or
                           (err[-1] if err else "exit %d" % pr.returncode)))
    for g in given:
        if g.get("option") in OWNED:
            raise DataError("--ab: '%s' is set by --ab for each trial; leave it out (the "
                            "merged CSV: --csv FILE before --; the budget: --max-time, "
                            "--ci-width before --)" % g["option"])
    return checked


def without_rep_time(run_args):
    """RUN_ARGS less --rep-time T (or --rep-time=T)."""
    out, skip = [], False
    for a in run_args:
        if skip:
            skip = False
        elif a == "--rep-time":
            skip = True
        elif not a.startswith("--rep-time="):
            out.append(a)
    return out


def sized_once(cmd, run_args, checked, own, launcher, workdir, sch):
    """RUN_ARGS with every kernel's size fixed for the whole session: chosen
    once, before the first trial, by BASE's --rep-time (RUN_ARGS' own, else
    REP_TIME), so that both sides of every trial run the same sizes (each
    launch calibrating on its own would give each side its own).  RUN_ARGS
    with --size are returned as they are."""
    if _given(checked, "--size"):
        return list(run_args), None
    rep_time = next((g.get("value") for g in checked["given"]
                     if g.get("option") == "--rep-time"), None) or REP_TIME
    rest = without_rep_time(run_args)
    path = Path(workdir) / "sizes.csv"
    argv = cmd.argv(rest + own + ["--rep-time", rep_time, "-q", "--csv", str(path)], launcher)
    try:
        pr = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as e:
        raise DataError("--ab BASE: cannot start %s: %s" % (argv[0], e)) from None
    err = pr.stderr.decode("utf-8", "replace").strip().splitlines()
    if pr.returncode != 0 or not path.exists():
        raise DataError("--ab BASE: sizing the kernels (--rep-time %s) failed (exit %d): %s"
                        % (rep_time, pr.returncode, err[-1] if err else shlex.join(argv)))
    orders = OrderedDict()
    for r in analysis.load_csv(path, sch):
        orders.setdefault(r["kernel"], r["order"])
    missing = [k for k in checked.get("kernels") or [] if k not in orders]
    if missing:
        raise DataError("--ab BASE: sizing the kernels wrote no row for %s"
                        % ",".join(missing))
    sizes = ",".join("%s=%d" % (k, n) for k, n in orders.items())
    return rest + ["--size", sizes], rep_time


def _given(checked, option):
    return any(g.get("option") == option for g in checked["given"])


def _seconds(flag, text):
    """'50s', '2m', '500ms' or a number of seconds -> seconds > 0."""
    t = text.strip().lower()
    scale = 1.0
    for suffix, f in (("ms", 1e-3), ("s", 1.0), ("m", 60.0), ("h", 3600.0)):
        if t.endswith(suffix):
            t, scale = t[:-len(suffix)], f
            break
    try:
        v = float(t) * scale
    except ValueError:
        raise DataError("%s '%s': expected a duration like 50s, 2m or 500ms"
                        % (flag, text)) from None
    if not (math.isfinite(v) and v > 0):
        raise DataError("%s '%s': must be above 0" % (flag, text))
    return v


# ---- the verdict from paired ratios ----------------------------------------

def sign_test_p(ratios):
    """Two-sided exact sign test of 'the median ratio is 1': ratios equal to
    1 are left out, as the test does."""
    up = sum(1 for r in ratios if r > 1.0)
    down = sum(1 for r in ratios if r < 1.0)
    n = up + down
    if n == 0:
        return 1.0
    k = min(up, down)
    return min(1.0, 2.0 * sum(math.comb(n, i) for i in range(k + 1)) / 2.0 ** n)


class Paired:
    """One configuration's paired per-trial ratios NEW/BASE and the verdict:
    `slower` (or `faster`) when the exact interval of the median ratio
    excludes 1 and the median ratio is beyond the threshold."""

    METHOD = "median of the paired per-trial ratios, exact order-statistic interval " \
             "(sign test)"

    def __init__(self, cfg, ratios, base_times, new_times, alpha, threshold, dropped=0):
        # alpha here is this configuration's share of the session's (Bonferroni)
        self.cfg, self.label = cfg, comparison.label(cfg)
        self.ratios = list(ratios)
        self.base, self.new = stats.Summary(base_times), stats.Summary(new_times)
        self.dropped = dropped            # trials left out: a side had no undisturbed rep
        self.oversubscribed = False
        self.n = len(self.ratios)
        self.ratio = self.lo = self.hi = self.p = None
        self.few = True
        if not self.ratios:
            self.verdict = "unverified"
            return
        s = sorted(self.ratios)
        self.ratio = stats.median(s)
        self.p = sign_test_p(s)
        ranks = stats.median_ci_ranks(self.n, 1.0 - alpha)
        if ranks:
            self.lo, self.hi = s[ranks[0] - 1], s[ranks[1] - 1]
            self.few = False
        big = abs(math.log(self.ratio)) > math.log1p(threshold)
        if not self.few and big and (self.lo > 1.0 or self.hi < 1.0) and self.p < alpha:
            self.verdict = "slower" if self.ratio > 1 else "faster"
        else:
            self.verdict = "same"

    def rel_width(self):
        """The interval's width as a share of the median ratio (None without one)."""
        return None if self.lo is None else (self.hi - self.lo) / self.ratio

    def as_json(self):
        return OrderedDict([
            ("config", self.cfg), ("label", self.label), ("trials", self.n),
            ("trials_dropped", self.dropped),
            ("base_median", self.base.median), ("base_n", self.base.n),
            ("new_median", self.new.median), ("new_n", self.new.n),
            ("ratio", self.ratio), ("ratio_lo", self.lo), ("ratio_hi", self.hi),
            ("p", self.p), ("p_method", "sign test, exact"), ("ratios", self.ratios),
            ("oversubscribed", self.oversubscribed), ("too_few_trials", self.few),
            ("verdict", self.verdict)])


def ab_keys(rows_by_side, sch):
    """The keys that tell configurations apart in an A/B session, and the
    settings relaxed: a setting whose values differ between the two sides
    (with the settings tied to it) is what the commands change, so each
    configuration is matched without it."""
    keys = [k for k in comparison.DEFAULT_KEYS if k in sch]
    relax = []
    for k in comparison.SETTINGS:
        if k not in keys:
            continue
        vals = [{comparison._show(r.get(k)) for r in rows} for rows in rows_by_side]
        if vals[0] != vals[1] and k not in relax:
            relax.append(k)
    for k in list(relax):
        relax += [t for t in comparison.TIED.get(k, ()) if t not in relax]
    return tuple(k for k in keys if k not in relax), [k for k in keys if k in relax]


class Session:
    """Every trial's rows and the verdicts drawn from them.  trials is a list
    of (trial number, {"BASE": rows, "NEW": rows}); rows as analysis.load_csv
    gives them."""

    def __init__(self, trials, sch, alpha=comparison.ALPHA, threshold=comparison.THRESHOLD):
        self.trials, self.alpha, self.threshold = trials, alpha, threshold
        every = [[r for _, t in trials for r in t[s]] for s in SIDES]
        self.keys, self.relaxed = ab_keys(every, sch)
        self.unverified = [sum(1 for r in rows if not r["ok"]) for rows in every]
        self.disturbed = [sum(1 for r in rows if r["ok"] and comparison.disturbed(r))
                          for rows in every]
        self.rows = [len(rows) for rows in every]
        cfgs = OrderedDict()
        for rows in every:
            for r in rows:
                cfgs.setdefault(comparison.config_key(r, self.keys), []).append(r)
        self.results, self.one_side = [], []
        both = sum(1 for key in cfgs if all(
            any(comparison.config_key(r, self.keys) == key for _, t in trials for r in t[s])
            for s in SIDES))
        # Bonferroni: every configuration is judged at alpha / m, so that a
        # session of m configurations says `slower` of an unchanged build at
        # most alpha of the time, not m times alpha.
        self.m = max(1, both)
        self.each = alpha / self.m
        for key, rows in cfgs.items():
            cfg = comparison.key_dict(key, self.keys)
            ratios, dropped, times = [], 0, ([], [])
            present = [False, False]
            for _, t in trials:
                med = []
                for i, s in enumerate(SIDES):
                    mine = [r for r in t[s] if comparison.config_key(r, self.keys) == key]
                    present[i] |= bool(mine)
                    good = [r["seconds"] for r in mine if r["ok"] and not comparison.disturbed(r)]
                    times[i].extend(good)
                    med.append(stats.median(good) if good else None)
                if med[0] and med[1]:
                    ratios.append(med[1] / med[0])
                elif all(any(comparison.config_key(r, self.keys) == key for r in t[s])
                         for s in SIDES):
                    dropped += 1          # ran on both, but a side kept no repetition
            if not all(present):
                self.one_side.append((SIDES[0] if present[0] else SIDES[1], cfg))
                continue
            p = Paired(cfg, ratios, times[0], times[1], self.each, threshold, dropped)
            p.oversubscribed = any(r.get("oversubscribed") for r in rows)
            self.results.append(p)
        self.results.sort(key=lambda p: comparison._order_cfg(p.cfg))
        shown = comparison.varying([p.cfg for p in self.results])
        for p in self.results:
            p.label = comparison.label(p.cfg, shown)

    def widest(self):
        """The widest relative interval among the configurations (inf while
        one has none yet)."""
        widths = [p.rel_width() for p in self.results if p.verdict != "unverified"]
        if not widths or any(w is None for w in widths):
            return math.inf
        return max(widths)

    def count(self, verdict):
        return sum(1 for p in self.results if p.verdict == verdict)

    def status(self):
        return comparison.EXIT_SLOWER if self.count("slower") else comparison.EXIT_OK


# ---- running the trials -------------------------------------------------------

class Runner:
    """Runs the trials: BASE and NEW back to back in a random order, each
    into a CSV of its own, until every ratio's interval is within ci_width,
    the budget would be overrun by one more trial, or max_trials."""

    def __init__(self, cmds, run_args, own, launcher, ci_width, max_time, max_trials, seed,
                 alpha, threshold, workdir, sch, log=None):
        self.cmds, self.run_args, self.own = cmds, list(run_args), list(own)
        self.launcher = list(launcher)
        self.ci_width, self.max_time, self.max_trials = ci_width, max_time, max_trials
        self.rng = random.Random(seed)
        self.seed = seed
        self.alpha, self.threshold = alpha, threshold
        self.workdir = Path(workdir)
        self.sch = sch
        self.log = log
        self.trials, self.order, self.files = [], [], []
        self.stopped = None
        self.elapsed = 0.0

    def one(self, trial, side, cmd, seed):
        """One side of one trial: parscale run into its own CSV; its rows."""
        path = self.workdir / ("trial%03d-%s.csv" % (trial, side.lower()))
        argv = cmd.argv(self.run_args + self.own + ["--seed", str(seed), "-q",
                                                    "--csv", str(path)], self.launcher)
        try:
            pr = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as e:
            raise DataError("--ab %s: cannot start %s: %s" % (side, argv[0], e)) from None
        err = pr.stderr.decode("utf-8", "replace").strip().splitlines()
        if pr.returncode != 0:
            raise DataError("--ab %s failed in trial %d (exit %d): %s" % (
                side, trial, pr.returncode, err[-1] if err else shlex.join(argv)))
        if not path.exists():
            raise DataError("--ab %s wrote no row in trial %d (%s)"
                            % (side, trial, shlex.join(argv)))
        self.files.append((trial, side, path))
        return analysis.load_csv(path, self.sch)

    def run(self):
        start = time.monotonic()
        longest = 0.0
        for trial in range(1, self.max_trials + 1):
            t0 = time.monotonic()
            if trial > 1 and t0 - start + longest > self.max_time:
                self.stopped = "max-time"
                break
            first = self.rng.choice(SIDES)
            seed = self.rng.randrange(1, 2 ** 31)
            rows = {}
            for side in (first, SIDES[1] if first == SIDES[0] else SIDES[0]):
                rows[side] = self.one(trial, side, self.cmds[SIDES.index(side)], seed)
            self.trials.append((trial, rows))
            self.order.append(first)
            longest = max(longest, time.monotonic() - t0)
            if trial >= MIN_TRIALS:
                s = Session(self.trials, self.sch, self.alpha, self.threshold)
                if s.widest() <= self.ci_width:
                    self.stopped = "ci"
                    break
            if self.log:
                self.log("trial %d: %s first, %s" % (
                    trial, first, seconds(time.monotonic() - t0, unit="s", places=1)))
        else:
            self.stopped = "max-trials"
        self.elapsed = time.monotonic() - start
        return Session(self.trials, self.sch, self.alpha, self.threshold)

    def merged(self):
        """The CSV of every trial (one header) and its metadata: every run's
        header, then one {"record":"ab"} line per run naming its side, trial
        and command (the rows' run_id links them)."""
        header, body, meta = None, [], []
        for trial, side, path in self.files:
            lines = path.read_text(encoding="utf-8").splitlines(True)
            header = header or lines[0]
            body += lines[1:]
            mpath = Path(str(path) + ".meta.jsonl")
            ids = []
            if mpath.exists():
                for line in mpath.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        meta.append(line + "\n")
                        try:
                            obj = json.loads(line)
                        except ValueError:
                            continue
                        if "record" not in obj and obj.get("run_id"):
                            ids.append(obj["run_id"])
            cmd = self.cmds[SIDES.index(side)]
            for rid in ids:
                meta.append(json.dumps(OrderedDict([
                    ("record", "ab"), ("run_id", rid), ("side", side), ("trial", trial),
                    ("first", self.order[trial - 1]), ("command", cmd.text),
                    ("launcher", shlex.join(self.launcher))])) + "\n")
        return header + "".join(body), "".join(meta)


# ---- output -------------------------------------------------------------------

HEADER = ["configuration", "BASE median", "NEW median", "trials", "NEW/BASE", "interval",
          "p", "verdict"]
ALIGN = ["l", "r", "r", "r", "r", "r", "r", "l"]


def _rows(s):
    out = []
    for p in s.results:
        ci = "-" if p.lo is None else "%.3f .. %.3f" % (p.lo, p.hi)
        verdict = p.verdict + (" (few trials)" if p.few and p.verdict == "same" else "")
        out.append([p.label + (" *" if p.oversubscribed else ""),
                    seconds(p.base.median) if p.base.n else "-",
                    seconds(p.new.median) if p.new.n else "-",
                    str(p.n), "-" if p.ratio is None else "%.3f" % p.ratio, ci,
                    comparison._p(p.p), verdict])
    return out


def _summary(s):
    return "%d slower, %d faster, %d same of %d configurations (the median paired ratio " \
           "significantly off 1 and beyond %g%%)" % (
               s.count("slower"), s.count("faster"), s.count("same"), len(s.results),
               100 * s.threshold)


def _notes(s, run):
    out = []
    if run is not None:
        why = {"ci": "every ratio's interval within %g%%" % (100 * run.ci_width),
               "max-time": "the --max-time budget (%gs) ended it" % run.max_time,
               "max-trials": "--max-trials %d reached" % run.max_trials}[run.stopped]
        out.append("%d trials in %s (%s); BASE first in %d, NEW first in %d (order "
                   "drawn with --seed %d)" % (len(run.trials),
                                              seconds(run.elapsed, unit="s", places=0), why,
                                              run.order.count("BASE"),
                                              run.order.count("NEW"), run.seed))
    out.append("method: %s; each of the %d configurations at alpha = %.3g (a %.4g%% "
               "interval; Bonferroni, so that all together hold at alpha = %g)"
               % (Paired.METHOD, s.m, s.each, 100 * (1 - s.each), s.alpha))
    for i, side in enumerate(SIDES):
        if s.disturbed[i]:
            out.append("%s: %d of %d repetition(s) disturbed, set aside" % (
                side, s.disturbed[i], s.rows[i]))
        if s.unverified[i]:
            out.append("%s: %d unverified or failed repetition(s) left out"
                       % (side, s.unverified[i]))
    dropped = [p for p in s.results if p.dropped]
    if dropped:
        out.append("trials without an undisturbed, verified repetition on a side, left "
                   "out of the pairing: %s" % comparison._list(
                       "%s (%d)" % (p.label, p.dropped) for p in dropped))
    if s.relaxed:
        out.append("not matched on %s (what the two commands set differently)"
                   % ", ".join(s.relaxed))
    few = [p.label for p in s.results if p.few and p.verdict != "unverified"]
    if few:
        out.append("too few paired trials for a %.4g%% interval, so no verdict other "
                   "than same: %s; raise --max-time or use a smaller --size"
                   % (100 * (1 - s.each), comparison._list(few)))
    for side, cfg in s.one_side:
        out.append("only in %s: %s" % (side, comparison.label(cfg)))
    return out


def _heading(cmds, run_args, launcher):
    out = ["BASE: %s" % cmds[0].text, "NEW:  %s" % cmds[1].text,
           "run:  %s%s" % ("%s ... " % shlex.join(launcher) if launcher else "",
                           shlex.join(run_args))]
    return out


def text(s, run, cmds, run_args, launcher):
    out = _heading(cmds, run_args, launcher) + [""]
    out += comparison._fmt_table(HEADER, _rows(s), ALIGN) + [""]
    if any(p.oversubscribed for p in s.results):
        out.append("* oversubscribed: more workers than cores")
    out.append(_summary(s))
    out += ["note: " + n for n in _notes(s, run)]
    return "\n".join(out) + "\n"


def markdown(s, run, cmds, run_args, launcher):
    out = ["- " + h.replace("NEW:  ", "NEW: ").replace("run:  ", "run: ")
           for h in _heading(cmds, run_args, launcher)] + [""]
    out += md_table(HEADER, _rows(s), ALIGN) + ["", _summary(s) + "."]
    out += [""] + ["- " + n for n in _notes(s, run)]
    return "\n".join(out) + "\n"


def as_json(s, run, cmds, run_args, launcher):
    return OrderedDict([
        ("mode", "ab"), ("base", cmds[0].text), ("new", cmds[1].text),
        ("run_args", list(run_args)), ("launcher", list(launcher)),
        ("trials", len(run.trials) if run else len(s.trials)),
        ("seconds", run.elapsed if run else None),
        ("stopped", run.stopped if run else None),
        ("order", run.order if run else None), ("seed", run.seed if run else None),
        ("method", Paired.METHOD), ("alpha", s.alpha), ("alpha_each", s.each),
        ("threshold", s.threshold),
        ("keys", list(s.keys)), ("relaxed", s.relaxed),
        ("disturbed", OrderedDict(zip(SIDES, s.disturbed))),
        ("results", [p.as_json() for p in s.results]),
        ("summary", OrderedDict((v, s.count(v)) for v in comparison.VERDICTS + ("unverified",))),
        ("notes", _notes(s, run)), ("exit", s.status())])


# ---- the command line ---------------------------------------------------------

def parse(argv):
    """`--ab BASE NEW [options] -- RUN_ARGS` -> (options, run_args)."""
    if "--" not in argv:
        raise DataError("--ab BASE NEW needs -- and the parscale run arguments after it, "
                        "e.g. --ab build/parscale new/parscale -- --kernel pi --backend seq")
    cut = argv.index("--")
    own, run_args = argv[:cut], argv[cut + 1:]
    if not run_args:
        raise DataError("--ab: nothing after --: give the parscale run arguments, e.g. "
                        "-- --kernel pi --backend seq,omp --workers 1,2")
    i = own.index("--ab")
    cmds = [a for a in own[i + 1:i + 3] if not a.startswith("--")]
    if len(cmds) != 2:
        raise DataError("--ab takes two commands, BASE and NEW (got %d): e.g. --ab "
                        "build/parscale \"build/parscale --gil-model old\" -- RUN_ARGS"
                        % len(cmds))
    rest = own[:i] + own[i + 3:]
    ap = argparse.ArgumentParser(prog="compare --ab", add_help=False)
    ap.add_argument("--ci-width", default="%g%%" % (100 * CI_WIDTH))
    ap.add_argument("--max-time", default="%gs" % MAX_TIME)
    ap.add_argument("--max-trials", type=int, default=MAX_TRIALS)
    ap.add_argument("--launcher", default="")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--alpha", default=str(comparison.ALPHA))
    ap.add_argument("--threshold", default="%g%%" % (100 * comparison.THRESHOLD))
    out = ap.add_mutually_exclusive_group()
    out.add_argument("--md", action="store_true")
    out.add_argument("--json", action="store_true")
    ap.add_argument("--csv")
    ap.error = lambda msg: fail(PROG, "--ab: " + msg + " (see --help)")
    opts, unknown = ap.parse_known_args(rest)
    if unknown:
        raise DataError("--ab: %s is not an option of --ab (its options: --ci-width, "
                        "--max-time, --max-trials, --launcher, --seed, --alpha, --threshold, "
                        "--md, --json, --csv)" % unknown[0])
    opts.commands = cmds
    return opts, run_args


def _run(argv):
    opts, run_args = parse(argv)
    alpha = comparison.fraction("--alpha", opts.alpha, 1e-12, 1.0)
    threshold = comparison.fraction("--threshold", opts.threshold, 0.0, 10.0)
    ci_width = comparison.fraction("--ci-width", opts.ci_width, 1e-6, 10.0)
    max_time = _seconds("--max-time", opts.max_time)
    if not 1 <= opts.max_trials <= 100000:
        raise DataError("--max-trials %d: must be at least 1" % opts.max_trials)
    try:
        launcher = shlex.split(opts.launcher)
    except ValueError as e:
        raise DataError("--launcher '%s': cannot split it (%s)" % (opts.launcher, e)) from None
    if launcher and not shutil.which(launcher[0]):
        raise DataError("--launcher '%s': %s is not an executable on PATH"
                        % (opts.launcher, launcher[0]))
    csv_out = Path(opts.csv) if opts.csv else None
    if csv_out is not None:
        if csv_out.exists() or os.path.lexists(str(csv_out) + ".meta.jsonl"):
            raise DataError("--csv %s: exists; --ab writes a new file of every trial"
                            % csv_out)
        if not csv_out.parent.is_dir():
            raise DataError("--csv %s: no directory %s" % (csv_out, csv_out.parent))
    cmds = [Command(c, s) for c, s in zip(opts.commands, SIDES)]
    checked = [check(c, run_args) for c in cmds]
    own = []
    if not _given(checked[0], "--reps"):
        own += ["--reps", str(TRIAL_REPS)]
    if not _given(checked[0], "--warmup"):
        own += ["--warmup", str(TRIAL_WARMUP)]
    if not _given(checked[0], "--retry-disturbed"):
        # a disturbed trial is set aside here and the session runs more
        # trials: each side's launch makes exactly its repetitions
        own += ["--retry-disturbed", "0"]
    launched = {"mpi", "hybrid"} & set(checked[0].get("backends") or [])
    if launched and not launcher:
        raise DataError("--ab: --backend %s needs a launcher for both sides: add --launcher "
                        "\"mpirun -np N\" (or \"srun ...\" inside an allocation)"
                        % ",".join(sorted(launched)))
    sch = schema_mod.load()
    seed = opts.seed if opts.seed is not None else random.SystemRandom().randrange(1, 2 ** 31)
    work = tempfile.mkdtemp(prefix="parscale-ab-")
    try:
        log = (lambda m: print("compare --ab: " + m, file=sys.stderr)) \
            if os.environ.get("PARSCALE_AB_VERBOSE") else None
        run_args, rep_time = sized_once(cmds[0], run_args, checked[0], own, launcher, work,
                                        sch)
        if rep_time:
            print("compare: sizes for a %s seq repetition, chosen once on BASE: %s"
                  % (rep_time, run_args[-1]), file=sys.stderr)
        runner = Runner(cmds, run_args, own, launcher, ci_width, max_time, opts.max_trials,
                        seed, alpha, threshold, work, sch, log)
        session = runner.run()
        if not session.results:
            raise DataError("--ab: no configuration ran on both sides")
        if csv_out is not None:
            body, meta = runner.merged()
            comparison.write_atomic(str(csv_out) + ".meta.jsonl", meta)
            comparison.write_atomic(csv_out, body)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if opts.json:
        sys.stdout.write(json.dumps(as_json(session, runner, cmds, run_args, launcher),
                                    indent=1) + "\n")
    elif opts.md:
        sys.stdout.write(markdown(session, runner, cmds, run_args, launcher))
    else:
        sys.stdout.write(text(session, runner, cmds, run_args, launcher))
    if csv_out is not None:
        print("compare: every trial's rows in %s (side and trial per run_id in %s.meta.jsonl)"
              % (csv_out, csv_out), file=sys.stderr)
    return session.status()


def main(argv):
    return guarded(PROG, _run, list(argv))
