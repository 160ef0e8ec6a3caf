"""harness-targets: the four execution models side by side, in one run,
checked against the harness's speed targets (docs/methodology.md) as ratios of medians.

Runs, interleaved by the harness itself:
  1. mpirun -np 2 parscale run -k pi -b seq,gil,omp,mpi -w 1,2   (pi at a
     size where one repetition takes >= 0.2 s)
  2. parscale run -k io -b seq,gil -w 4
  3. mpirun -np 4 parscale run -k null -b seq,async,gil,omp,mpi -w 1,2,4
     (the harness's own cost per repetition and per worker)
  4. taskset -c 0 parscale run -k io -b seq,async -w 64 and -k pi -w 4
     (the event loop on one core: waits overlap, computing does not), and
     io with zero-length waits at 1 and 64 tasks (the loop's cost of one
     task switch), into a second CSV beside the first
and prints PASS/FAIL per target.  Exit status 1 when a target is missed.
"""
import argparse
import os
import subprocess
import sys
import tempfile

from parscale_py import version
from parscale_py import analysis, stats
from parscale_py.common import mpi_env, mpirun_argv
from parscale_py.binary import find_parscale, require

TARGETS = [
    # (label, kernel, backend, workers, low, high, pinned to one core)
    ("omp at 2 workers on pi: speedup >= 1.8", "pi", "omp", 2, 1.8, None, False),
    ("mpi at 2 workers on pi: speedup >= 1.8", "pi", "mpi", 2, 1.8, None, False),
    ("gil at 2 workers on pi: speedup in [0.85, 1.05]", "pi", "gil", 2, 0.85, 1.05, False),
    ("io under gil at 4 workers: speedup >= 3.5", "io", "gil", 4, 3.5, None, False),
    ("one core: io under async at 64 tasks: speedup >= 30", "io", "async", 64, 30, None, True),
    ("one core: pi under async at 4 tasks: speedup in [0.95, 1.05]", "pi", "async", 4,
     0.95, 1.05, True),
]


def run(cmd, env):
    print("$ " + " ".join(cmd), flush=True)
    done = subprocess.run(cmd, env=env)
    if done.returncode != 0:
        sys.exit("harness-targets: command failed with status %d" % done.returncode)


def medians(rows, unperturbed=False):
    """Median seconds per (kernel, backend, workers); with unperturbed, only
    repetitions during which the hypervisor took no CPU time (steal 0)."""
    out = {}
    for r in rows:
        if r["ok"] and (not unperturbed or r.get("steal") == 0):
            out.setdefault((r["kernel"], r["backend"], r["workers"]), []).append(r["seconds"])
    return {k: stats.median(v) for k, v in out.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="harness-targets", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parscale", help="the parscale binary (default $PARSCALE, then "
                    "build/parscale, then PATH)")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--csv", help="keep the rows here (default: a temporary file)")
    version.add_option(ap)
    a = ap.parse_args(argv)
    exe = find_parscale("harness-targets", a.parscale)
    require("harness-targets", exe, ("seq", "async", "gil", "omp", "mpi"))
    if a.csv and os.path.exists(a.csv):
        sys.exit("harness-targets: %s exists; choose a new file" % a.csv)
    csv = a.csv or os.path.join(tempfile.mkdtemp(prefix="parscale-targets-"), "targets.csv")
    env = mpi_env()
    reps = ["-r", str(a.reps), "--warmup", "1", "-q", "--csv", csv]
    run(mpirun_argv("mpirun", 2) + [exe, "run", "-k", "pi", "-b", "seq,gil,omp,mpi",
                                    "-w", "1,2", "-s", "quick"] + reps, env)
    run([exe, "run", "-k", "io", "-b", "seq,gil", "-w", "4", "-s", "quick"] + reps, env)
    run(mpirun_argv("mpirun", 4) + [exe, "run", "-k", "null", "-b", "seq,async,gil,omp,mpi",
                                    "-w", "1,2,4", "-s", "test"] + ["-r", "21"] + reps[2:], env)
    pinned = csv[:-4] + "-one-core.csv" if csv.endswith(".csv") else csv + "-one-core"
    one = ["taskset", "-c", "0", exe, "run", "-b", "seq,async"]
    preps = reps[:-1] + [pinned]
    run(one + ["-k", "io", "-w", "64", "-s", "quick"] + preps, env)
    run(one + ["-k", "pi", "-w", "4", "-s", "quick"] + preps, env)
    # async alone: seq would spend 100000 nanosleep(0) calls of ~50 us each
    run(["taskset", "-c", "0", exe, "run", "-b", "async", "-k", "io", "-w", "1,64", "-s",
         "100000", "--param", "io.wait_us=0", "--no-baseline"] + preps, env)

    rows = analysis.load_csv(csv)
    prows = analysis.load_csv(pinned)
    zero = [r for r in prows if r["kernel"] == "io" and r["size"] == 100000]
    prows = [r for r in prows if r not in zero]
    med, calm = medians(rows), medians(rows, unperturbed=True)
    pmed, pcalm = medians(prows), medians(prows, unperturbed=True)
    stolen = [r["steal"] for r in rows if r["kernel"] == "pi" and r.get("steal") is not None]
    print("\n%-50s %9s  %-7s %s" % ("target", "measured", "verdict",
                                     "(reps with no steal)"))
    missed = 0
    for label, k, b, w, lo, hi, one_core in TARGETS:
        m, c = (pmed, pcalm) if one_core else (med, calm)
        base, par = m.get((k, "seq", 1)), m.get((k, b, w))
        if not base or not par:
            print("%-50s %9s  FAIL (no verified rows)" % (label, "-"))
            missed += 1
            continue
        s = base / par
        ok = (lo is None or s >= lo) and (hi is None or s <= hi)
        missed += not ok
        cb, cp = c.get((k, "seq", 1)), c.get((k, b, w))
        print("%-50s %9.3f  %-7s %s" % (label, s, "PASS" if ok else "FAIL",
                                        "%.3f" % (cb / cp) if cb and cp else "-"))
    t_pi = med.get(("pi", "seq", 1))
    if t_pi:
        print("(pi: one seq repetition took %.3f s; the targets need >= 0.2 s)" % t_pi)
    if stolen:
        print("(pi: the hypervisor took a median %.1f%% of the host's CPU per repetition, "
              "at most %.1f%%; the verdict counts every repetition)"
              % (100 * stats.median(stolen), 100 * max(stolen)))

    print("\nharness cost per repetition, null kernel (median of 21):")
    print("%-8s %12s %12s %12s" % ("backend", "1 worker", "2 workers", "4 workers"))
    for b in ("seq", "async", "gil", "omp", "mpi"):
        cells = []
        for w in (1, 2, 4):
            t = med.get(("null", b, w))
            cells.append("%10.2f us" % (t * 1e6) if t else "%12s" % "-")
        print("%-8s %s" % (b, " ".join(cells)))
    zmed = medians(zero)
    t1, t64 = zmed.get(("io", "async", 1)), zmed.get(("io", "async", 64))
    if t1 and t64:
        print("\nasync, one core: 100000 zero-length waits take %.2f us each on 1 task "
              "(a timer, no switch) and %.2f us on 64 tasks (a timer and a task switch)"
              % (t1 / 1e5 * 1e6, t64 / 1e5 * 1e6))
    print("\nrows: %s and %s" % (csv, pinned))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
