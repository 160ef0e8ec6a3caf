"""gil-experiments -- the emulated GIL beside real CPython, one command each.

    scripts/studies/gil-experiments EXPERIMENT --out DIR [--quick] [--rounds R]
                                    [--parscale PATH]
                            [--replace]

EXPERIMENT is one of
  intervals  threads 1,2,4,8 x switch interval 5ms..1us on count: time over
             sequential time (published: ~1x at 5 ms, growing as the interval
             shrinks and threads are added)
  models     old (before 3.2) vs new lock, 1 and 2 threads on pi
  convoy     one thread doing 100 us io waits beside 0,1,2,4 CPU-bound count
             threads (--gil-cpu-threads), at three switch intervals: its
             waits/s collapse under the new lock
  release    --gil-release 0..0.9 at 2 workers on pi against Amdahl's curve,
             with ticks of pi's own (under 1 us), 100 us and 1 ms; beside
             it real CPython releasing the GIL in hashlib for the same
             fraction of 100 us and 1 ms ticks (cpython-bench -k hashmix)
  all        every one of them

Each writes DIR/gil-EXPERIMENT.csv (parscale's schema, real CPython rows from
scripts/studies/cpython-bench in the same file, metadata in .meta.jsonl) and
DIR/gil-EXPERIMENT.png; it refuses to replace them unless given --replace.  Configurations that differ in a global option
(interval, model, release) are separate invocations, so the interleaving is
done here: every round runs each invocation once (-r 1) in a fresh shuffled
order; the first round is a warm-up and is not kept.  Figures are medians.
"""
import argparse
import json
import sys
from pathlib import Path

from parscale_py import version
from parscale_py.binary import find_parscale, require
from parscale_py.common import fail
from .interleave import Plan, claim, med, seconds_per_index

INTERVALS = [("5ms", 5e-3), ("1ms", 1e-3), ("100us", 1e-4), ("10us", 1e-5), ("1us", 1e-6)]
PROG = "gil-experiments"


def figure(size):
    """A new chart (fig, ax); matplotlib is imported only when one is drawn."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt.subplots(figsize=size)


def save(fig, ax, path, title, ylabel, xlabel=None, **legend):
    """Labels, legend (fontsize 7 unless told) and the PNG: how every
    experiment's chart ends."""
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(**dict({"fontsize": 7}, **legend))
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# ---- the experiments ---------------------------------------------------------

def exp_intervals(a, out):
    size, pysize = ("20000000", "300000") if a.quick else ("200000000", "3000000")
    threads = [1, 2, 4] if a.quick else [1, 2, 4, 8]
    ws = ",".join(map(str, threads))
    p = Plan(PROG, a.bin, out / "gil-intervals.csv", a.rounds)
    p.parscale("-k", "count", "-b", "seq", "-s", size)
    for lab, sec in INTERVALS:
        p.parscale("-k", "count", "-b", "gil", "-w", ws, "-s", size, "--no-baseline",
                   "--switch-interval", lab)
        p.cpython("-k", "count", "-b", "threads", "-w", ws, "-s", pysize,
                  "--switch-interval", repr(sec))
    rows = p.run("intervals")
    seq = med(rows, backend="seq")
    xs = [sec for _, sec in INTERVALS]
    py1 = [med(rows, backend="cpython-threads", workers=1, switch_interval=sec) for sec in xs]
    table = []
    fig, ax = figure((7, 4.5))
    for i, t in enumerate(threads):
        em = [med(rows, backend="gil", workers=t, switch_interval=sec) / seq for sec in xs]
        py = [med(rows, backend="cpython-threads", workers=t, switch_interval=sec) / one
              for sec, one in zip(xs, py1)]
        ax.plot(xs, em, "o-", color="C%d" % i, label="emulated, %d thread%s" % (t, "s" * (t > 1)))
        ax.plot(xs, py, "s--", color="C%d" % i, alpha=0.6, label="CPython, %d" % t)
        for (lab, _), e, q in zip(INTERVALS, em, py):
            table.append((t, lab, e, q))
    ax.set_xscale("log")
    ax.invert_xaxis()
    ax.axhline(1, color="grey", lw=0.8)
    save(fig, ax, out / "gil-intervals.png", "count: CPU-bound threads under the GIL",
         "time / sequential time", "switch interval (s)", ncol=2)
    print("threads interval  emulated  cpython   (time / sequential)")
    for t, lab, e, q in table:
        print("%7d %8s  %8.2f  %7.2f" % (t, lab, e, q))


def exp_models(a, out):
    size, pysize = ("50000000", "400000") if a.quick else ("400000000", "4000000")
    p = Plan(PROG, a.bin, out / "gil-models.csv", a.rounds)
    p.parscale("-k", "pi", "-b", "seq", "-s", size)
    p.parscale("-k", "pi", "-b", "gil", "-w", "1,2", "-s", size, "--no-baseline")
    p.parscale("-k", "pi", "-b", "gil", "-w", "1,2", "-s", size, "--no-baseline", "--gil-model", "old")
    p.cpython("-k", "pi", "-b", "threads", "-w", "1,2", "-s", pysize)
    rows = p.run("models")
    seq = med(rows, backend="seq")
    bars = [("new, 1", seq / med(rows, backend="gil", gil_model="new", workers=1)),
            ("new, 2", seq / med(rows, backend="gil", gil_model="new", workers=2)),
            ("old, 1", seq / med(rows, backend="gil", gil_model="old", workers=1)),
            ("old, 2", seq / med(rows, backend="gil", gil_model="old", workers=2)),
            ("CPython %s, 2" % pyver(out / "gil-models.csv"),
             med(rows, backend="cpython-threads", workers=1) /
             med(rows, backend="cpython-threads", workers=2))]
    fig, ax = figure((6.5, 4))
    ax.bar([b[0] for b in bars], [b[1] for b in bars], color=["C0", "C0", "C3", "C3", "C2"])
    ax.axhline(1, color="grey", lw=0.8)
    ax.axhline(1 / 1.85, color="C3", ls=":", lw=1, label="published old lock, 2 cores (1/1.85)")
    save(fig, ax, out / "gil-models.png", "pi: old (pre-3.2) vs new GIL",
         "speedup over sequential", fontsize=8)
    for lab, v in bars:
        print("%-22s speedup %.2f" % (lab, v))


def pyver(csvp):
    """The Python version cpython-bench recorded in csvp's metadata."""
    try:
        with open(str(csvp) + ".meta.jsonl") as f:
            for line in f:
                m = json.loads(line)
                if "python" in m:
                    return m["python"]
    except OSError:
        pass
    return "?"


def exp_convoy(a, out):
    n = "40" if a.quick else "200"
    hogs = [0, 1, 2, 4]
    ivs = [INTERVALS[i] for i in ((0, 2) if a.quick else (0, 2, 4))]     # 5ms, 100us[, 1us]
    p = Plan(PROG, a.bin, out / "gil-convoy.csv", a.rounds)
    for h in hogs:
        for lab, sec in ivs:
            p.parscale("-k", "io", "-b", "gil", "-w", "1", "-s", n, "--no-baseline",
                       "--param", "io.wait_us=100",
                       "--switch-interval", lab, "--gil-cpu-threads", str(h))
            p.cpython("-k", "io", "-b", "threads", "-w", "1", "-s", n, "--cpu-threads", str(h),
                      "--io-wait-us", "100", "--switch-interval", repr(sec))
    rows = p.run("convoy")
    fig, ax = figure((7, 4.5))
    print("cpu threads interval  emulated waits/s  cpython waits/s")
    for i, (lab, sec) in enumerate(ivs):
        em = [float(n) / med(rows, backend="gil", threads=1 + h, switch_interval=sec) for h in hogs]
        py = [float(n) / med(rows, backend="cpython-threads", threads=1 + h, switch_interval=sec)
              for h in hogs]
        ax.plot(hogs, em, "o-", color="C%d" % i, label="emulated, interval %s" % lab)
        ax.plot(hogs, py, "s--", color="C%d" % i, alpha=0.6, label="CPython, %s" % lab)
        for h, e, q in zip(hogs, em, py):
            print("%11d %8s  %16.0f  %15.0f" % (h, lab, e, q))
    ax.set_yscale("log")
    ax.set_xticks(hogs)
    save(fig, ax, out / "gil-convoy.png", "the convoy effect",
         "I/O thread's waits per second (100 us each)", "CPU-bound threads beside the I/O thread")


def fmt_time(sec):
    return "%.3g ms" % (sec * 1e3) if sec >= 1e-3 else "%.3g us" % (sec * 1e6)


def exp_release(a, out):
    size = "50000000" if a.quick else "400000000"
    fs = [0.0, 0.5, 0.9] if a.quick else [round(0.1 * i, 1) for i in range(10)]
    # Ticks given in time, turned into pi's indices here: pi's own tick
    # (1000 indices, under a microsecond), 100 us and 1 ms.  The default
    # under --gil-release (1000 of pi's ticks, gil.h) lies near the last.
    per_index = seconds_per_index(a.bin, "pi")
    ticks = [(1000 * per_index, "1000"),
             (1e-4, str(max(1, round(1e-4 / per_index)))),
             (1e-3, str(max(1, round(1e-3 / per_index))))]
    # Real CPython: the count loop for 1-F of a tick, hashlib (GIL released)
    # for F; ticks shorter than 100 us hash too little for hashlib to release
    py_ticks = [1e-4, 1e-3]
    p = Plan(PROG, a.bin, out / "gil-release.csv", a.rounds)
    p.parscale("-k", "pi", "-b", "seq", "-s", size)
    for f in fs:
        for _, t in ticks:
            p.parscale("-k", "pi", "-b", "gil", "-w", "2", "-s", size, "--no-baseline",
                       "--gil-release", repr(f), "--tick", t)
        for sec in py_ticks:
            p.cpython("-k", "hashmix", "-b", "threads", "-w", "1,2", "-s",
                      "test" if a.quick else "quick", "--gil-release", repr(f),
                      "--tick-us", "%g" % (sec * 1e6))
    rows = p.run("release")
    seq = med(rows, backend="seq")
    fig, ax = figure((7.5, 4.8))
    fine = [i / 100 for i in range(0, 91)]
    ax.plot(fine, [1 / ((1 - f) + f / 2) for f in fine], "k-", lw=1,
            label="Amdahl, serial fraction 1-F")
    ax.plot(fine, [min(2.0, 1 / (1 - f)) for f in fine], "k:", lw=1,
            label="lock bound min(2, 1/(1-F))")
    cols, series = [], []
    for i, (sec, t) in enumerate(ticks):
        sp = [seq / med(rows, backend="gil", workers=2, gil_release=f, tick=t) for f in fs]
        lab = "emulated, %s ticks" % fmt_time(sec)
        cols.append(lab)
        series.append(sp)
        ax.plot(fs, sp, "o-", color="C%d" % i, label=lab)
    for i, sec in enumerate(py_ticks):
        tag = "tick_us=%g;" % (sec * 1e6)
        sub = [r for r in rows if r["params"].startswith(tag)]
        sp = [med(sub, backend="cpython-threads", workers=1, gil_release=f) /
              med(sub, backend="cpython-threads", workers=2, gil_release=f) for f in fs]
        lab = "CPython %s, %s ticks" % (pyver(out / "gil-release.csv"), fmt_time(sec))
        cols.append(lab)
        series.append(sp)
        ax.plot(fs, sp, "s--", color="C%d" % (i + 1), alpha=0.7, label=lab)
    print("speedup at 2 workers; columns: " + "; ".join(
        "%d = %s" % (j + 1, c) for j, c in enumerate(cols)))
    print("F     Amdahl  bound  " + "".join("%7d" % (j + 1) for j in range(len(cols))))
    for j, f in enumerate(fs):
        print("%.1f   %5.2f  %5.2f  " % (f, 1 / ((1 - f) + f / 2), min(2.0, 1 / (1 - f))) +
              "".join("%7.2f" % s[j] for s in series))
    save(fig, ax, out / "gil-release.png",
         "--gil-release (pi) and hashlib in real CPython, against Amdahl's law",
         "speedup at 2 workers", "F: fraction of each tick run with the lock released")


EXPERIMENTS = {"intervals": exp_intervals, "models": exp_models, "convoy": exp_convoy,
               "release": exp_release}


def main():
    ap = argparse.ArgumentParser(prog="gil-experiments", description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 2)[2],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("experiment", choices=sorted(EXPERIMENTS) + ["all"])
    ap.add_argument("--out", required=True, help="folder for CSV and PNG")
    ap.add_argument("--quick", action="store_true", help="small sizes, fewer points, 2 rounds")
    ap.add_argument("--rounds", type=int, default=None, help="timed rounds (default 5; quick 2)")
    ap.add_argument("--parscale", help="the parscale binary (default $PARSCALE, then "
                    "build/parscale, then PATH)")
    ap.add_argument("--replace", action="store_true",
                    help="make DIR/gil-EXPERIMENT.csv and .png again when they exist")
    version.add_option(ap)
    a = ap.parse_args()
    if a.rounds is not None and a.rounds < 1:
        fail(PROG, "--rounds must be at least 1, not %d" % a.rounds)
    a.bin = find_parscale(PROG, a.parscale)
    require(PROG, a.bin, ("seq", "gil"))
    a.rounds = a.rounds or (2 if a.quick else 5)
    out = Path(a.out)
    names = sorted(EXPERIMENTS) if a.experiment == "all" else [a.experiment]
    claim(PROG, [out / ("gil-%s.%s" % (n, ext)) for n in names for ext in ("csv", "png")],
          a.replace)
    out.mkdir(parents=True, exist_ok=True)
    for n in names:
        print("== %s" % n, flush=True)
        EXPERIMENTS[n](a, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
