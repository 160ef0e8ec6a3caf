"""gil-real -- the emulated lock against the real interpreters, point by
point, in one interleaved run each.

    scripts/studies/gil-real EXPERIMENT --out DIR [--quick] [--rounds R] [--scale F]
                             [--python2 PATH] [--python3 PATH,...]
                             [--parscale PATH] [--replace | --redraw]

EXPERIMENT is one of
  old   the old model (before 3.2) against Python 2.7: count and pi at 1, 2
        and 4 threads, check interval 100 and 1000
  new   the new model against CPython 3.11, 3.12 and 3.13 (those found):
        count and pi at 1 and 2 threads, switch interval 5 ms and 10 us
  all   both

A point is a speedup: the emulation's against seq, the interpreter's
threads against its own one thread.  Each is judged against the real one
(PASS within +-10%), and gil at one worker against seq (PASS at 0.97 or
more: one Python thread costs nothing against none).  Where a point misses,
the line says by how much and gives the spread of the real interpreter's
and the emulation's own times across the rounds (half the interquartile
range over the median), which says whether the miss is wider than the
noise.

The old model needs one calibration, made before the run and recorded: how
many of the C kernel's indices one tick of Python 2.7's check interval is.
Python 2.7 counts a tick per opcode that returns to the top of its eval
loop (py2bench.loop_ticks counts them in the loop's bytecode: count 2 per
iteration, pi 7); one iteration's time on 2.7 and one index's time of the
C kernel (seq) are measured here; --tick is then 2.7's time per tick in C
indices, so that the emulated check interval lasts what 2.7's does.  The
new model's switch interval is a time and needs none.  The emulation runs
with --no-gil-stats (its timings of every acquire cost a clock reading
each; the counters stay).

Each writes DIR/gil-real-EXPERIMENT.csv (both sides' rows, metadata in
.meta.jsonl), .png (and .svg, .pdf), .txt (the table) and, for old,
DIR/gil-real-calibration.json; it refuses to replace them unless given
--replace.  Interpreters come from --python2/--python3, else from
`cpython-bench --python all`'s search (pyenv, PATH); an absent one is
skipped, by name.  The figures are provisional unless the machine was
quiet: the table says how much the rounds spread.
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

from parscale_py import interpreters
from parscale_py.binary import find_parscale, require
from parscale_py.common import fail
from parscale_py.interpreters import cpython_env
from parscale_py.stats import median, quantile
from .interleave import Plan, claim, load, seconds_per_index

PROG = "gil-real"
TOLERANCE = 0.10       # a point matches within +-10% of the real speedup
SOLO_FLOOR = 0.97      # gil at one worker against seq
KERNELS = ("count", "pi")


def sizes(a):
    """(C sizes, Python sizes) per kernel: about 0.1 s a repetition on one
    core at --quick (x4 without), whichever side runs it; times --scale."""
    f = (1 if a.quick else 4) * a.scale
    return ({"count": max(1000, int(100000000 * f)), "pi": max(1000, int(40000000 * f))},
            {"count": max(100, int(3000000 * f)), "pi": max(100, int(1000000 * f))})


def spread(xs):
    """Half the interquartile range over the median: the rounds' noise."""
    if len(xs) < 2:
        return float("nan")
    m = median(xs)
    return (quantile(xs, 0.75) - quantile(xs, 0.25)) / 2 / m if m else float("nan")


def times(rows, **kw):
    """The seconds of the rows matching kw (params matched by containment)."""
    par = kw.pop("params_has", None)
    out = []
    for r in rows:
        if par and par not in (r.get("params") or "").split(";"):
            continue
        if all(str(r.get(k, "")) == str(v) for k, v in kw.items()):
            out.append(float(r["seconds"]))
    return out


def ratio(base, xs):
    return median(base) / median(xs) if base and xs else float("nan")


class Table:
    """The verdicts: one line a point, kept for the .txt and the chart."""

    def __init__(self):
        self.lines, self.points = [], []

    def match(self, what, emu, real, emu_times, real_times):
        """A speedup point: PASS within TOLERANCE of the real one."""
        off = emu / real - 1 if real == real and real else float("nan")
        ok = abs(off) <= TOLERANCE
        noise = "rounds spread emulated %.0f%%, real %.0f%%" % (
            100 * spread(emu_times), 100 * spread(real_times))
        verdict = "PASS" if ok else ("FAIL" if off == off else "SKIP")
        line = "%s  %-44s emulated %5.2f  real %5.2f  %+5.0f%%" % (
            verdict, what, emu, real, 100 * off if off == off else float("nan"))
        if not ok:
            line += "  (%s)" % noise
        self.lines.append(line)
        self.points.append((what, emu, real, verdict))
        print(line, flush=True)

    def solo(self, what, value):
        verdict = "PASS" if value >= SOLO_FLOOR else ("FAIL" if value == value else "SKIP")
        line = "%s  %-44s gil at 1 worker / seq %5.2f (>= %.2f)" % (verdict, what, value,
                                                                    SOLO_FLOOR)
        self.lines.append(line)
        print(line, flush=True)

    def note(self, text):
        self.lines.append(text)
        print(text, flush=True)

    def write(self, path):
        Path(path).write_text("\n".join(self.lines) + "\n")


def py2_seconds_per_iteration(py2, psizes, kernels):
    """Python 2.7's seconds per loop iteration of each kernel on one thread
    (median of 3 after a warm-up), and each loop's ticks per iteration."""
    lib = cpython_env()
    run = subprocess.run([py2, "-m", "parscale_py.cpython.py2bench", "--kernels", ",".join(kernels),
                          "--workers", "1", "--sizes", ",".join("%s=%d" % (k, psizes[k])
                                                                for k in kernels),
                          "--reps", "3", "--warmup", "1"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, env=lib)
    ticks = subprocess.run([py2, "-m", "parscale_py.cpython.py2bench", "--ticks", "--kernels",
                            ",".join(kernels)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, env=lib)
    if run.returncode != 0 or ticks.returncode != 0:
        fail(PROG, "calibrating on %s failed: %s" % (py2, (run.stderr + ticks.stderr).strip()[-300:]))
    reps = [json.loads(x) for x in run.stdout.splitlines()[1:] if x.startswith("{")]
    per = {k: median(r["seconds"] / r["n"] for r in reps if r["kernel"] == k) for k in kernels}
    return per, json.loads(ticks.stdout)


def calibrate_old(a, py2, csizes, psizes):
    """--tick per kernel: Python 2.7's time per check-interval tick in C
    indices; returned with everything it came from."""
    per_iter, ticks = py2_seconds_per_iteration(py2, psizes, a.kernels)
    cal = {"python": py2, "kernels": {}}
    for k in a.kernels:
        c = seconds_per_index(a.bin, k, str(csizes[k] // 4))
        t = ticks[k]["ticks"]
        tick = max(1, int(round(per_iter[k] / t / c)))
        cal["kernels"][k] = {
            "py2_seconds_per_iteration": per_iter[k], "ticks_per_iteration": t,
            "loop_opcodes": ticks[k]["opcodes"], "c_seconds_per_index": c,
            "tick_indices": tick,
            "check_interval_100_seconds": 100 * per_iter[k] / t}
    return cal


def exp_old(a, out, py2):
    csizes, psizes = sizes(a)
    table = Table()
    if py2 is None:
        table.note("SKIP  the old model against Python 2.7: no Python 2 found "
                   "(pyenv, PATH or --python2)")
        table.write(out / "gil-real-old.txt")
        return table
    calp = out / "gil-real-calibration.json"
    if a.redraw:
        cal = json.loads(calp.read_text())
    else:
        cal = calibrate_old(a, py2.path, csizes, psizes)
        cal["python_version"] = py2.version
        calp.write_text(json.dumps(cal, indent=1, sort_keys=True) + "\n")
    for k in a.kernels:
        c = cal["kernels"][k]
        table.note("calibration %s: Python %s %.1f ns an iteration, %d ticks of the check "
                   "interval in it (%s); C %.2f ns an index: --tick %d (100 ticks = %.2f us)"
                   % (k, py2.version, c["py2_seconds_per_iteration"] * 1e9,
                      c["ticks_per_iteration"], " ".join(c["loop_opcodes"]),
                      c["c_seconds_per_index"] * 1e9, c["tick_indices"],
                      c["check_interval_100_seconds"] * 1e6))
    ws = (1, 2, 4)
    cis = (100, 1000)
    p = Plan(PROG, a.bin, out / "gil-real-old.csv", a.rounds)
    for k in a.kernels:
        tick = str(cal["kernels"][k]["tick_indices"])
        p.parscale("-k", k, "-b", "seq", "-s", str(csizes[k]))
        for ci in cis:
            p.parscale("-k", k, "-b", "gil", "-w", ",".join(map(str, ws)), "-s", str(csizes[k]),
                       "--no-baseline", "--gil-model", "old", "--check-interval", str(ci),
                       "--tick", tick, "--no-gil-stats")
            p.cpython("-k", k, "-b", "threads", "-w", ",".join(map(str, ws)), "-s",
                      str(psizes[k]), "--python", py2.path, "--check-interval", str(ci))
    rows = load(p.csv) if a.redraw else p.run("old")
    series = {}
    for k in a.kernels:
        seq = times(rows, kernel=k, backend="seq")
        for ci in cis:
            emu = {w: times(rows, kernel=k, backend="gil", workers=w, check_interval=ci)
                   for w in ws}
            real = {w: times(rows, kernel=k, backend="cpython-threads", workers=w,
                             check_interval=ci) for w in ws}
            table.solo("%s, old model, check interval %d" % (k, ci), ratio(seq, emu[1]))
            for w in ws[1:]:
                table.match("%s, %d threads, check interval %d" % (k, w, ci),
                            ratio(seq, emu[w]), ratio(real[1], real[w]), emu[w], real[w])
            series[(k, "old model, interval %d" % ci)] = [ratio(seq, emu[w]) for w in ws]
            series[(k, "Python %s, interval %d" % (py2.version, ci))] = [
                ratio(real[1], real[w]) for w in ws]
    chart(out / "gil-real-old", series, ws, a.kernels, "the old lock (before 3.2) against Python %s"
          % py2.version)
    table.write(out / "gil-real-old.txt")
    return table


def exp_new(a, out, py3s):
    csizes, psizes = sizes(a)
    table = Table()
    if not py3s:
        table.note("SKIP  the new model against 3.11-3.13: none found (pyenv, PATH or "
                   "--python3)")
        table.write(out / "gil-real-new.txt")
        return table
    ws = (1, 2)
    ivs = (("5ms", 5e-3), ("10us", 1e-5))
    p = Plan(PROG, a.bin, out / "gil-real-new.csv", a.rounds)
    for k in a.kernels:
        p.parscale("-k", k, "-b", "seq", "-s", str(csizes[k]))
        for lab, sec in ivs:
            p.parscale("-k", k, "-b", "gil", "-w", "1,2", "-s", str(csizes[k]), "--no-baseline",
                       "--switch-interval", lab, "--no-gil-stats")
            for py in py3s:
                p.cpython("-k", k, "-b", "threads", "-w", "1,2", "-s", str(psizes[k]),
                          "--python", py.path, "--switch-interval", repr(sec))
    table.note("calibration: none (the switch interval is a time); interpreters: %s"
               % ", ".join("%s (%s)" % (py.version, py.path) for py in py3s))
    rows = load(p.csv) if a.redraw else p.run("new")
    series = {}
    for k in a.kernels:
        seq = times(rows, kernel=k, backend="seq")
        for lab, sec in ivs:
            emu = {w: times(rows, kernel=k, backend="gil", workers=w, switch_interval="%.9g" % sec)
                   for w in ws}
            table.solo("%s, new model, interval %s" % (k, lab), ratio(seq, emu[1]))
            series[(k, "new model, %s" % lab)] = [ratio(seq, emu[w]) for w in ws]
            for py in py3s:
                tag = "python_version=%s" % py.version
                real = {w: times(rows, kernel=k, backend="cpython-threads", workers=w,
                                 switch_interval="%.9g" % sec, params_has=tag) for w in ws}
                table.match("%s, 2 threads, %s, against %s" % (k, lab, py.version),
                            ratio(seq, emu[2]), ratio(real[1], real[2]), emu[2], real[2])
                series[(k, "Python %s, %s" % (py.version, lab))] = [
                    ratio(real[1], real[w]) for w in ws]
    chart(out / "gil-real-new", series, ws, a.kernels, "the new lock (3.2+) against CPython %s"
          % ", ".join(py.version for py in py3s))
    table.write(out / "gil-real-new.txt")
    return table


def chart(base, series, ws, kernels, title):
    """One panel per kernel: the models' lines solid, the interpreters'
    dashed, speedup against threads, in the charts' own style (plots.py)."""
    from parscale_py.render import plots
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(kernels), figsize=(5.5 * len(kernels), 4.6), sharey=True,
                             squeeze=False)
    axes = axes[0]
    # colour: who (a model, an interpreter); dashes: the setting (interval)
    who = sorted({lab.rsplit(", ", 1)[0] for _, lab in series}, key=lambda x: ("model" not in x, x))
    setting = sorted({lab.rsplit(", ", 1)[1] for _, lab in series})
    colors = (plots.STYLE["gil"]["color"], plots.STYLE["cpython-threads"]["color"], "#0072B2",
              "#009E73", "#CC79A7", "#56B4E9", "#000000")
    dashes = ("-", (0, (4, 2)), (0, (1, 1)), "-.")
    for ax, k in zip(axes, kernels):
        for (kk, lab), ys in series.items():
            if kk != k:
                continue
            w_, s_ = lab.rsplit(", ", 1)
            st = plots.STYLE["gil" if "model" in w_ else "cpython-threads"]
            ax.plot(ws, ys, color=colors[who.index(w_) % len(colors)], marker=st["marker"],
                    linestyle=dashes[setting.index(s_) % len(dashes)],
                    linewidth=1.6 if "model" in w_ else 1.1, label=lab)
        plots._workers_axis(ax, list(ws), None)
        ax.set_xlabel("threads")
        ax.axhline(1.0, color="0.4", linestyle=":", linewidth=1)
        ax.set_ylabel("speedup (x): model vs seq, Python vs its 1 thread")
        ax.set_title(k, fontsize=10)
        ax.grid(True, which="major", color="0.9")
        ax.legend(fontsize=7)
    # one scale for both panels, set once every line is drawn
    top = max([y for ys in series.values() for y in ys if y == y] + [1.0])
    axes[0].set_ylim(0, top * 1.1)
    fig.suptitle(title, fontsize=11)
    plots._write(fig, base.parent, base.name)


def pick(a):
    """(Python 2, [Python 3.11, 3.12, 3.13]) as given, else as found."""
    found = None
    if a.python2:
        py2 = interpreters.probe(a.python2)
        if py2 is None or py2.major != 2:
            print("%s: skipped --python2 %s: absent, or not a Python 2" % (PROG, a.python2))
            py2 = None
    else:
        found = interpreters.find_all()
        twos = [x for x in found if x.major == 2]
        py2 = twos[-1] if twos else None
    if a.python3:
        py3s = []
        for path in a.python3.split(","):
            it = interpreters.probe(path)
            if it is None or it.major != 3:
                print("%s: skipped --python3 %s: absent, or not a Python 3" % (PROG, path))
            else:
                py3s.append(it)
    else:
        found = found if found is not None else interpreters.find_all()
        py3s = []
        for minor in (11, 12, 13):
            xs = [x for x in found if x.version_tuple[:2] == (3, minor) and not x.free_threaded]
            if xs:
                py3s.append(xs[-1])
            else:
                print("%s: skipped Python 3.%d: not found" % (PROG, minor))
    return py2, py3s


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 2)[2],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("experiment", choices=("old", "new", "all"))
    ap.add_argument("--out", required=True, help="folder for CSV, PNG and tables")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, 2 rounds")
    ap.add_argument("--rounds", type=int, default=None, help="timed rounds (default 5; quick 2)")
    ap.add_argument("--kernels", default="count,pi", help="count,pi (default both)")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="sizes times this (default 1; the tests run tiny ones)")
    ap.add_argument("--python2", help="the Python 2 to compare with (default: the newest found)")
    ap.add_argument("--python3", help="the Pythons 3 to compare with, comma-separated "
                    "(default: the newest 3.11, 3.12 and 3.13 found)")
    ap.add_argument("--parscale", help="the parscale binary (default $PARSCALE, then "
                    "build/parscale, then PATH)")
    ap.add_argument("--replace", action="store_true", help="make the outputs again")
    ap.add_argument("--redraw", action="store_true",
                    help="measure nothing: the table and chart again from DIR's CSV "
                         "(and calibration)")
    a = ap.parse_args()
    if a.rounds is not None and a.rounds < 1:
        fail(PROG, "--rounds must be at least 1, not %d" % a.rounds)
    if not 0 < a.scale <= 100:
        fail(PROG, "--scale must be above 0 and at most 100, not %g" % a.scale)
    a.kernels = a.kernels.split(",")
    if not a.kernels or any(k not in KERNELS for k in a.kernels):
        fail(PROG, "--kernels: '%s' is not a list of count and pi" % ",".join(a.kernels))
    a.bin = find_parscale(PROG, a.parscale)
    require(PROG, a.bin, ("seq", "gil"))
    a.rounds = a.rounds or (2 if a.quick else 5)
    out = Path(a.out)
    names = ("old", "new") if a.experiment == "all" else (a.experiment,)
    outs = [out / ("gil-real-%s.%s" % (n, ext)) for n in names for ext in ("csv", "png", "txt")]
    if "old" in names:
        outs.append(out / "gil-real-calibration.json")
    if a.redraw:
        missing = [str(o) for o in outs if o.suffix in (".csv", ".json") and not o.exists()]
        if missing:
            fail(PROG, "--redraw needs %s" % ", ".join(missing))
    else:
        claim(PROG, outs, a.replace)
    out.mkdir(parents=True, exist_ok=True)
    py2, py3s = pick(a)
    for n in names:
        print("== %s" % n, flush=True)
        if n == "old":
            exp_old(a, out, py2)
        else:
            exp_new(a, out, py3s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
