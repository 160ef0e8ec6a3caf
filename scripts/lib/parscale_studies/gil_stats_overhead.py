"""gil-stats-overhead -- what collecting the GIL's statistics costs: the
gil backend with statistics on (the default) and off (--no-gil-stats),
interleaved round by round, on the null kernel (the harness's own cost: one
take and drop per thread) and on count (CPU-bound threads switching at the
default 5 ms and at 100 us, where acquires are frequent).

    scripts/studies/gil-stats-overhead [--rounds R] [--parscale PATH] [--csv FILE [--replace]]

Prints, per configuration, the median times on and off and their ratio
(on / off; 1.00 = no cost).  Exit status 1 when a ratio exceeds --limit
(default 1.05).
"""
import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile

from parscale_py import version
from parscale_py.binary import find_parscale, require
from parscale_py.stats import median
from .interleave import claim

PROG = "gil-stats-overhead"

CONFIGS = [  # (label, kernel, workers, size, extra options)
    ("null, 2 threads", "null", "2", "1", []),
    ("null, 8 threads", "null", "8", "1", []),
    ("count, 2 threads, 5ms", "count", "2", "200000000", []),
    ("count, 2 threads, 100us", "count", "2", "200000000", ["--switch-interval", "100us"]),
    ("count, 4 threads, 100us", "count", "4", "200000000", ["--switch-interval", "100us"]),
]


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--reps", type=int, default=3, help="repetitions per invocation (null: x50)")
    ap.add_argument("--parscale", help="the parscale binary (default $PARSCALE, then "
                    "build/parscale, then PATH)")
    ap.add_argument("--csv", help="keep the rows here (default: a temporary file)")
    ap.add_argument("--replace", action="store_true", help="overwrite --csv when it exists")
    ap.add_argument("--limit", type=float, default=1.05)
    version.add_option(ap)
    a = ap.parse_args()
    if a.rounds < 1 or a.reps < 1:
        ap.error("--rounds and --reps must be at least 1")
    if a.csv:
        claim(PROG, [a.csv], a.replace, "--csv")
    b = find_parscale(PROG, a.parscale)
    require(PROG, b, ("gil",))
    with tempfile.TemporaryDirectory() as tmp:
        return measure(a, b, tmp)


def measure(a, b, tmp):
    """The interleaved rounds, with the per-invocation CSVs kept in tmp."""
    csvs = {}
    jobs = []
    for i, (lab, k, w, n, extra) in enumerate(CONFIGS):
        for stats in (True, False):
            path = os.path.join(tmp, "%d-%s.csv" % (i, "on" if stats else "off"))
            csvs[(lab, stats)] = path
            reps = a.reps * (50 if k == "null" else 1)
            jobs.append((lab, stats, [b, "run", "-q", "-k", k, "-b", "gil", "-w", w, "-s", n,
                                      "--no-baseline", "-r", str(reps), "--warmup", "0",
                                      "--csv", path] + extra + ([] if stats else ["--no-gil-stats"])))
    rng = random.Random(7)
    print("gil-stats-overhead: %d rounds, statistics on and off interleaved; %s" % (a.rounds, b))
    for rnd in range(a.rounds + 1):
        rng.shuffle(jobs)
        for lab, stats, cmd in jobs:
            r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode:
                sys.exit("gil-stats-overhead: %s failed: %s" % (" ".join(cmd), r.stderr))
        if rnd == 0:  # warm-up round: start the files again
            for p in csvs.values():
                os.unlink(p)
    bad = 0
    print("  %-26s %12s %12s %8s" % ("configuration", "stats on", "stats off", "on/off"))
    rows_all = []
    for lab, *_ in CONFIGS:
        med = {}
        for stats in (True, False):
            with open(csvs[(lab, stats)], newline="") as f:
                rows = list(csv.DictReader(f))
            rows_all += rows
            med[stats] = median(float(r["seconds"]) for r in rows)
        ratio = med[True] / med[False]
        bad += ratio > a.limit
        fmt = (lambda s: "%9.1f us" % (s * 1e6)) if med[False] < 1e-3 else (lambda s: "%9.2f ms" % (s * 1e3))
        print("  %-26s %12s %12s %8.3f%s" % (lab, fmt(med[True]), fmt(med[False]), ratio,
                                            "  > %.2f" % a.limit if ratio > a.limit else ""))
    if a.csv and rows_all:
        with open(a.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows_all[0]))
            w.writeheader()
            w.writerows(rows_all)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
