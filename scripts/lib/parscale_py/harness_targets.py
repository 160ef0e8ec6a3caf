"""harness-targets: the four execution models side by side, in one run,
checked against the harness's speed targets (docs/methodology.md) as ratios of medians.

Runs, interleaved by the harness itself:
  1. mpirun -np 2 parscale run -k pi -b seq,gil,omp,mpi -w 1,2   (pi at a
     size where one repetition takes >= 0.2 s)
  2. parscale run -k io -b seq,gil -w 4
  3. mpirun -np 4 parscale run -k null -b seq,gil,omp,mpi -w 1,2,4 (the
     harness's own cost per repetition and per worker)
and prints PASS/FAIL per target.  Exit status 1 when a target is missed.
"""
import argparse
import os
import subprocess
import sys
import tempfile

from . import analysis, stats
from .common import mpi_env, mpirun_argv
from .binary import find_parscale, require

TARGETS = [
    # (label, kernel, backend, workers, low, high)
    ("omp at 2 workers on pi: speedup >= 1.8", "pi", "omp", 2, 1.8, None),
    ("mpi at 2 workers on pi: speedup >= 1.8", "pi", "mpi", 2, 1.8, None),
    ("gil at 2 workers on pi: speedup in [0.85, 1.05]", "pi", "gil", 2, 0.85, 1.05),
    ("io under gil at 4 workers: speedup >= 3.5", "io", "gil", 4, 3.5, None),
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
    a = ap.parse_args(argv)
    exe = find_parscale("harness-targets", a.parscale)
    require("harness-targets", exe, ("seq", "gil", "omp", "mpi"))
    if a.csv and os.path.exists(a.csv):
        sys.exit("harness-targets: %s exists; choose a new file" % a.csv)
    csv = a.csv or os.path.join(tempfile.mkdtemp(prefix="parscale-targets-"), "targets.csv")
    env = mpi_env()
    reps = ["-r", str(a.reps), "--warmup", "1", "-q", "--csv", csv]
    run(mpirun_argv("mpirun", 2) + [exe, "run", "-k", "pi", "-b", "seq,gil,omp,mpi",
                                    "-w", "1,2", "-s", "quick"] + reps, env)
    run([exe, "run", "-k", "io", "-b", "seq,gil", "-w", "4", "-s", "quick"] + reps, env)
    run(mpirun_argv("mpirun", 4) + [exe, "run", "-k", "null", "-b", "seq,gil,omp,mpi",
                                    "-w", "1,2,4", "-s", "test"] + ["-r", "21"] + reps[2:], env)

    rows = analysis.load_csv(csv)
    med, calm = medians(rows), medians(rows, unperturbed=True)
    stolen = [r["steal"] for r in rows if r["kernel"] == "pi" and r.get("steal") is not None]
    print("\n%-50s %9s  %-7s %s" % ("target", "measured", "verdict",
                                     "(reps with no steal)"))
    missed = 0
    for label, k, b, w, lo, hi in TARGETS:
        base, par = med.get((k, "seq", 1)), med.get((k, b, w))
        if not base or not par:
            print("%-50s %9s  FAIL (no verified rows)" % (label, "-"))
            missed += 1
            continue
        s = base / par
        ok = (lo is None or s >= lo) and (hi is None or s <= hi)
        missed += not ok
        cb, cp = calm.get((k, "seq", 1)), calm.get((k, b, w))
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
    for b in ("seq", "gil", "omp", "mpi"):
        cells = []
        for w in (1, 2, 4):
            t = med.get(("null", b, w))
            cells.append("%10.2f us" % (t * 1e6) if t else "%12s" % "-")
        print("%-8s %s" % (b, " ".join(cells)))
    print("\nrows: %s" % csv)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
