"""gil-real -- the emulated lock against the real interpreters, point by
point, in one interleaved run each.

    scripts/studies/gil-real EXPERIMENT --out DIR [--quick] [--rounds R] [--scale F]
                             [--python2 PATH] [--python3 PATH,...] [--cpu-threads LIST]
                             [--parscale PATH] [--replace | --redraw]

EXPERIMENT is one of these, several comma-separated (old,new), or all:
  old      the old model (before 3.2) against Python 2.7: count and pi at 1,
           2 and 4 threads, check interval 100 and 1000
  new      the new model against CPython 3.11, 3.12 and 3.13 (those found):
           count and pi at 1 and 2 threads, switch interval 5 ms and 10 us;
           and half-released ticks: pi at 2 threads with half of each 1 ms
           tick run unlocked (--gil-release 0.5) against each interpreter's
           hashmix releasing the GIL in hashlib for half of 1 ms ticks
  latency  an I/O thread's wake latency: one thread sleeping 1 ms at a
           time beside 0, 1, 2 and 4 CPU-bound count threads (--cpu-threads),
           the old model (check interval 100) against Python 2.7 and the new
           (5 ms) against 3.11-3.13; per sleep, from its deadline (the clock
           before it plus its length) to the thread running again, holding
           the lock: the OS's late wake-up and the wait for the lock
  convoy   the same thread's throughput with 100 us waits: waits per second
           beside 0, 1, 2 and 4 CPU-bound threads, both locks as latency
  all      every one of them

latency and convoy read the lateness columns (loop_lateness_median, _p99:
the gil backend times every wait of a waiting kernel; cpython-bench's
threads time every io sleep, by the same loop on 2.7 and 3.x, pykernels'
k_io) and the rows' seconds; the old model's tick for the CPU threads'
count loop is calibrated as old's (below).  Their repetitions are kept
even when the harness finds them disturbed: the I/O thread queued behind
the CPU threads is the thing measured.

A point of old and new is a speedup: the emulation's against seq, the
interpreter's threads against its own one thread; of latency a median wake
latency (ms), of convoy waits per second.  Each is judged against the real
one (PASS within +-10%), and gil at one worker against seq (PASS at 0.97 or
more: one Python thread costs nothing against none; convoy: the I/O thread
alone).  Where a point misses,
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
.meta.jsonl), .png (and .svg, .pdf), .txt (the verdicts; latency and convoy
then a table of every side's medians) and, for old,
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
EXPERIMENTS = ("old", "new", "latency", "convoy")
NO_PY2 = "SKIP  the old model against Python 2.7: no Python 2 found (pyenv, PATH or --python2)"
NO_PY3 = "SKIP  the new model against 3.11-3.13: none found (pyenv, PATH or --python3)"


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


def times(rows, col="seconds", **kw):
    """Column col (seconds unless told) of the rows matching kw, where it
    is filled in (params matched by containment)."""
    par = kw.pop("params_has", None)
    out = []
    for r in rows:
        if par and par not in (r.get("params") or "").split(";"):
            continue
        if r.get(col) and all(str(r.get(k, "")) == str(v) for k, v in kw.items()):
            out.append(float(r[col]))
    return out


def ratio(base, xs):
    return median(base) / median(xs) if base and xs else float("nan")


class Table:
    """The verdicts: one line a point, kept for the .txt and the chart."""

    def __init__(self):
        self.lines, self.points = [], []

    def match(self, what, emu, real, emu_times, real_times, fmt="%5.2f"):
        """A point (a speedup unless told; fmt shows it): PASS within
        TOLERANCE of the real one."""
        off = emu / real - 1 if real == real and real else float("nan")
        ok = abs(off) <= TOLERANCE
        noise = "rounds spread emulated %.0f%%, real %.0f%%" % (
            100 * spread(emu_times), 100 * spread(real_times))
        verdict = "PASS" if ok else ("FAIL" if off == off else "SKIP")
        line = ("%s  %-44s emulated " + fmt + "  real " + fmt + "  %+5.0f%%") % (
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


def calibrate_old(a, py2, csizes, psizes, kernels=None):
    """--tick per kernel (a.kernels unless told): Python 2.7's time per
    check-interval tick in C indices; returned with everything it came
    from."""
    kernels = kernels or a.kernels
    per_iter, ticks = py2_seconds_per_iteration(py2, psizes, kernels)
    cal = {"python": py2, "kernels": {}}
    for k in kernels:
        c = seconds_per_index(a.bin, k, str(csizes[k] // 4))
        t = ticks[k]["ticks"]
        tick = max(1, int(round(per_iter[k] / t / c)))
        cal["kernels"][k] = {
            "py2_seconds_per_iteration": per_iter[k], "ticks_per_iteration": t,
            "loop_opcodes": ticks[k]["opcodes"], "c_seconds_per_index": c,
            "tick_indices": tick,
            "check_interval_100_seconds": 100 * per_iter[k] / t}
    return cal


def note_calibration(table, k, c, version):
    """The calibration of kernel k's tick, as the table's head line."""
    table.note("calibration %s: Python %s %.1f ns an iteration, %d ticks of the check "
               "interval in it (%s); C %.2f ns an index: --tick %d (100 ticks = %.2f us)"
               % (k, version, c["py2_seconds_per_iteration"] * 1e9,
                  c["ticks_per_iteration"], " ".join(c["loop_opcodes"]),
                  c["c_seconds_per_index"] * 1e9, c["tick_indices"],
                  c["check_interval_100_seconds"] * 1e6))


def exp_old(a, out, py2):
    csizes, psizes = sizes(a)
    table = Table()
    if py2 is None:
        table.note(NO_PY2)
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
        note_calibration(table, k, cal["kernels"][k], py2.version)
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
        table.note(NO_PY3)
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
    # half-released ticks: pi with half of each (1 ms) tick run unlocked,
    # against each interpreter's hashmix releasing the GIL for half of 1 ms ticks
    half = "pi" in a.kernels
    if half:
        p.parscale("-k", "pi", "-b", "gil", "-w", "1,2", "-s", str(csizes["pi"]),
                   "--no-baseline", "--switch-interval", "5ms", "--no-gil-stats",
                   "--gil-release", "0.5")
        ticks = str(max(10, int(100 * (1 if a.quick else 4) * a.scale)))
        for py in py3s:
            p.cpython("-k", "hashmix", "-b", "threads", "-w", "1,2", "-s", ticks,
                      "--gil-release", "0.5", "--tick-us", "1000", "--switch-interval", "0.005",
                      python=py.path)
    table.note("calibration: none (the switch interval is a time); interpreters: %s"
               % ", ".join("%s (%s)" % (py.version, py.path) for py in py3s))
    rows = load(p.csv) if a.redraw else p.run("new")
    series = {}
    for k in a.kernels:
        seq = times(rows, kernel=k, backend="seq")
        for lab, sec in ivs:
            emu = {w: times(rows, kernel=k, backend="gil", workers=w, gil_release="0",
                            switch_interval="%.9g" % sec) for w in ws}
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
    if half:
        seq = times(rows, kernel="pi", backend="seq")
        emu = {w: times(rows, kernel="pi", backend="gil", workers=w, gil_release="0.5")
               for w in ws}
        series[("pi", "new model F=0.5, 5ms")] = [ratio(seq, emu[w]) for w in ws]
        for py in py3s:
            real = {w: times(rows, kernel="hashmix", backend="cpython-threads", workers=w,
                             params_has="python_version=%s" % py.version) for w in ws}
            table.match("pi, 2 threads, half released, against %s" % py.version,
                        ratio(seq, emu[2]), ratio(real[1], real[2]), emu[2], real[2])
            series[("pi", "Python %s hashmix F=0.5, 5ms" % py.version)] = [
                ratio(real[1], real[w]) for w in ws]
    chart(out / "gil-real-new", series, ws, a.kernels, "the new lock (3.2+) against CPython %s"
          % ", ".join(py.version for py in py3s))
    table.write(out / "gil-real-new.txt")
    return table


# The I/O thread's experiments: one thread doing waits beside HOGS
# CPU-bound count threads (--cpu-threads), under each lock at its default
# setting.
HOGS = (0, 1, 2, 4)
IO_RUNS = {
    # name: (one wait in us, waits at --quick: five times more without)
    "latency": (1000, 20),
    "convoy": (100, 40),
}
OLD_CHECK = 100
NEW_SWITCH = ("5ms", 5e-3)


def io_sides(a, table, py2, py3s):
    """[(panel, model, setting, gil options, [(interpreter, its options)])]:
    the old lock against Python 2.7 (its count tick calibrated, or read
    back from the rows on --redraw), the new against 3.11-3.13; an absent
    side is skipped, by name."""
    sides = []
    if py2 is None:
        table.note(NO_PY2)
    else:
        tick = "0"
        if not a.redraw:
            csizes, psizes = sizes(a)
            c = calibrate_old(a, py2.path, csizes, psizes, ["count"])["kernels"]["count"]
            note_calibration(table, "count", c, py2.version)
            tick = str(c["tick_indices"])
        sides.append(("old lock, check interval %d" % OLD_CHECK, "old",
                      "interval %d" % OLD_CHECK,
                      ["--gil-model", "old", "--check-interval", str(OLD_CHECK), "--tick", tick],
                      [(py2, ["--check-interval", str(OLD_CHECK)])]))
    if not py3s:
        table.note(NO_PY3)
    else:
        lab, sec = NEW_SWITCH
        sides.append(("new lock, switch interval %s" % lab, "new", lab,
                      ["--switch-interval", lab],
                      [(py, ["--switch-interval", repr(sec)]) for py in py3s]))
    return sides


def grid_note(table, title, heads, lines, fmt):
    """A table of medians under the verdicts: a line per CPU-thread count,
    a column per side."""
    table.note(title)
    table.note("  CPU threads " + "".join("%14s" % x for x in heads))
    for h, vs in lines:
        table.note("  %11d " % h + "".join(fmt % v for v in vs))


def beside_io(rows, backend, h, **kw):
    """[seconds without, with] the I/O thread of count on h threads."""
    return [times(rows, kernel="count", backend=backend, workers=h, threads=h + t, **kw)
            for t in (0, 1)]


def real_run(p, py, *args):
    """cpython-bench ARGS on py in plan p: Python 2 through --python
    (py2bench's lines become rows there), a Python 3 itself."""
    p.cpython(*args, *(["--python", py.path] if py.major == 2 else []),
              python=py.path if py.major == 3 else None)


def exp_io(a, out, name, py2, py3s):
    """latency or convoy: the I/O thread beside 0-4 CPU-bound threads, both
    locks against their interpreters in one interleaved run.  latency
    judges the median wake latency of its waits (lateness columns: from a
    wait's deadline to running Python code again); convoy its waits per
    second, and gil alone (no CPU thread) against seq."""
    wait_us, base = IO_RUNS[name]
    n = max(4, int(base * (1 if a.quick else 5) * a.scale))
    table = Table()
    sides = io_sides(a, table, py2, py3s)
    p = Plan(PROG, a.bin, out / ("gil-real-%s.csv" % name), a.rounds)
    io = ["-k", "io", "-w", "1", "-s", str(n)]
    p.parscale(*io, "-b", "seq", "--keep-disturbed", "--param", "io.wait_us=%d" % wait_us)
    # the I/O thread waiting runnable behind the CPU threads is what is
    # measured, so the harness must not set those repetitions aside as
    # disturbed and measure them again (they keep disturbed=1 in the CSV)
    for _, _, _, gil_args, reals in sides:
        for h in a.hogs:
            p.parscale(*io, "-b", "gil", "--no-baseline", "--no-gil-stats", "--keep-disturbed",
                       "--param",
                       "io.wait_us=%d" % wait_us, "--gil-cpu-threads", str(h), *gil_args)
            for py, args in reals:
                real_run(p, py, *io, "-b", "threads", "--io-wait-us", str(wait_us),
                         "--cpu-threads", str(h), *args)
    # convoy: the CPU threads measured (count on h of them), beside one I/O
    # thread and without, for their slowdown
    cpu = [h for h in a.hogs if h > 0] if name == "convoy" else []
    csizes, psizes = sizes(a)
    for _, _, _, gil_args, reals in sides:
        for h, io_thread in ((h, t) for h in cpu for t in (0, 1)):
            p.parscale("-k", "count", "-b", "gil", "-w", str(h), "-s", str(csizes["count"]),
                       "--no-baseline", "--no-gil-stats", "--keep-disturbed", "--gil-io-threads",
                       str(io_thread), "--gil-io-wait", "%dus" % wait_us, *gil_args)
            for py, args in reals:
                real_run(p, py, "-k", "count", "-b", "threads", "-w", str(h), "-s",
                         str(psizes["count"]), "--io-threads", str(io_thread), "--io-wait-us",
                         str(wait_us), *args)
    if not sides:
        table.write(out / ("gil-real-%s.txt" % name))
        return table
    table.note("%d waits of %d us on one thread beside %s CPU-bound count threads"
               % (n, wait_us, ", ".join(map(str, a.hogs))))
    rows = load(p.csv) if a.redraw else p.run(name)
    if name == "latency":
        col, unit, fmt = "loop_lateness_median", "ms", "%7.3f"
        value = lambda xs: median(xs) * 1e3 if xs else float("nan")
    else:
        col, unit, fmt = "seconds", "waits/s", "%7.0f"
        value = lambda xs: n / median(xs) if xs else float("nan")
    seq = times(rows, kernel="io", backend="seq")
    series, grid, heads, slow = {}, {h: [] for h in a.hogs}, [], {}
    for panel, model, setting, _, reals in sides:
        if cpu:
            emu_cpu = {h: beside_io(rows, "gil", h, gil_model=model) for h in cpu}
            slow[(panel, "%s model, %s" % (model, setting))] = [ratio(*emu_cpu[h][::-1])
                                                                for h in cpu]
        emu = {h: times(rows, col, kernel="io", backend="gil", gil_model=model, threads=1 + h)
               for h in a.hogs}
        if name == "convoy":
            table.solo("io, %s model, no CPU thread" % model,
                       ratio(seq, times(rows, kernel="io", backend="gil", gil_model=model,
                                        threads=1)))
        series[(panel, "%s model, %s" % (model, setting))] = [value(emu[h]) for h in a.hogs]
        heads.append("%s model" % model)
        for h in a.hogs:
            grid[h].append(value(emu[h]))
        for py, _ in reals:
            real = {h: times(rows, col, kernel="io", backend="cpython-threads", threads=1 + h,
                             params_has="python_version=%s" % py.version) for h in a.hogs}
            for h in a.hogs:
                table.match("%s, %d CPU threads, %s against %s" % (name, h, model, py.version),
                            value(emu[h]), value(real[h]), emu[h], real[h], fmt + " " + unit)
                grid[h].append(value(real[h]))
            series[(panel, "Python %s, %s" % (py.version, setting))] = [value(real[h])
                                                                      for h in a.hogs]
            heads.append(py.version)
            # the CPU threads' time beside the I/O thread over their time without it
            real_cpu = {h: beside_io(rows, "cpython-threads", h,
                                     params_has="python_version=%s" % py.version) for h in cpu}
            for h in cpu:
                table.match("slowdown, %d CPU threads, %s against %s" % (h, model, py.version),
                            ratio(*emu_cpu[h][::-1]), ratio(*real_cpu[h][::-1]),
                            emu_cpu[h][1], real_cpu[h][1], "%5.2f x")
            if cpu:
                slow[(panel, "Python %s, %s" % (py.version, setting))] = [
                    ratio(*real_cpu[h][::-1]) for h in cpu]
    grid_note(table, "%s (%s), medians over the rounds:" % (name, unit), heads,
              [(h, grid[h]) for h in a.hogs], "%14.4g")
    if cpu:
        grid_note(table, "the CPU threads' time beside one I/O thread over their time without "
                  "it (x), medians over the rounds:", heads,
                  [(h, [v[i] for v in slow.values()]) for i, h in enumerate(cpu)], "%14.3f")
    title, ylabel = {
        "latency": ("the I/O thread's wake latency (%d us sleeps) beside CPU-bound threads",
                    "wake latency (ms, median): deadline to running again"),
        "convoy": ("the convoy: the I/O thread's throughput (%d us waits)",
                   "I/O thread's waits per second")}[name]
    chart(out / ("gil-real-%s" % name), series, a.hogs, [s[0] for s in sides], title % wait_us,
          ylabel=ylabel, xlabel="CPU-bound threads beside the I/O thread", logy=True)
    if cpu:
        chart(out / "gil-real-convoy-cpu", slow, cpu, [s[0] for s in sides],
              "the convoy's cost to the CPU-bound threads (one I/O thread, %d us waits)"
              % wait_us, ylabel="CPU threads' time beside the I/O thread / without (x)",
              xlabel="CPU-bound threads (count, one part each)")
    table.write(out / ("gil-real-%s.txt" % name))
    return table


def chart(base, series, ws, kernels, title, ylabel="speedup (x): model vs seq, Python vs its "
          "1 thread", xlabel="threads", logy=False):
    """One panel per kernel (or lock): the models' lines solid, the
    interpreters' dashed, in the charts' own style (plots.py); a speedup
    against threads unless told (x from 0: a linear axis; logy: a log
    scale and no line at 1)."""
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
        if 0 in ws:
            ax.set_xticks(list(ws))
        else:
            plots._workers_axis(ax, list(ws), None)
        ax.set_xlabel(xlabel)
        if logy:
            ax.set_yscale("log")
        else:
            ax.axhline(1.0, color="0.4", linestyle=":", linewidth=1)
        ax.set_ylabel(ylabel)
        ax.set_title(k, fontsize=10)
        ax.grid(True, which="major", color="0.9")
        ax.legend(fontsize=7)
    # one scale for both panels, set once every line is drawn
    top = max([y for ys in series.values() for y in ys if y == y] + [1.0])
    if not logy:
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
    ap.add_argument("experiment", help="%s, several comma-separated, or all"
                    % ", ".join(EXPERIMENTS))
    ap.add_argument("--out", required=True, help="folder for CSV, PNG and tables")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, 2 rounds")
    ap.add_argument("--rounds", type=int, default=None, help="timed rounds (default 5; quick 2)")
    ap.add_argument("--kernels", default="count,pi", help="count,pi (default both)")
    ap.add_argument("--cpu-threads", default=",".join(map(str, HOGS)),
                    help="latency and convoy: the CPU-bound threads beside the I/O thread "
                         "(default %(default)s)")
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
    try:
        a.hogs = sorted({int(x) for x in a.cpu_threads.split(",")})
    except ValueError:
        a.hogs = []
    if not a.hogs or not all(0 <= h <= 64 for h in a.hogs):
        fail(PROG, "--cpu-threads: '%s' is not a list of counts from 0 to 64" % a.cpu_threads)
    a.kernels = a.kernels.split(",")
    if not a.kernels or any(k not in KERNELS for k in a.kernels):
        fail(PROG, "--kernels: '%s' is not a list of count and pi" % ",".join(a.kernels))
    a.bin = find_parscale(PROG, a.parscale)
    require(PROG, a.bin, ("seq", "gil"))
    a.rounds = a.rounds or (2 if a.quick else 5)
    out = Path(a.out)
    names = EXPERIMENTS if a.experiment == "all" else tuple(a.experiment.split(","))
    if not names or any(n not in EXPERIMENTS for n in names) or len(set(names)) < len(names):
        fail(PROG, "experiment '%s' is not a list of %s (each once), or all"
             % (a.experiment, ", ".join(EXPERIMENTS)))
    names = tuple(n for n in EXPERIMENTS if n in names)   # in the study's order
    outs = [out / ("gil-real-%s.%s" % (n, ext)) for n in names for ext in ("csv", "png", "txt")]
    if "convoy" in names:
        outs.append(out / "gil-real-convoy-cpu.png")
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
        elif n == "new":
            exp_new(a, out, py3s)
        else:
            exp_io(a, out, n, py2, py3s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
