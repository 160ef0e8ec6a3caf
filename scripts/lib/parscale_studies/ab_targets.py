"""ab-targets: scripts/compare --ab tried again and again, against what it
promises (docs/compare.md, "A/B in one session"):

  same     the same build against itself (pi,count x seq,omp x 1,2
           workers): `same`, exit 0, in at least 19 of 20 tries, each
           within 60 s;
  slower   the new lock against the old (`--gil-model old`, pi, gil at 2
           workers): `slower`, exit 1, in 20 of 20 tries;
  hog      the same build with a CPU hog started on CPU 0 halfway through
           the session: still `same`.

Each try is one whole `scripts/compare --ab ... --json`; the table gives its
exit status, wall time, trials and its widest configuration.  Exit status 1
when a target is missed.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from parscale_py import version
from parscale_py.binary import find_parscale

REPO = Path(__file__).resolve().parents[3]
SAME = ["--kernel", "pi,count", "--backend", "seq,omp", "--workers", "1,2"]
SLOWER = ["--kernel", "pi", "--backend", "gil", "--workers", "2"]
TRY_LIMIT = 60.0


def one_try(base, new, run_args, hog_after=None):
    """One `compare --ab --json`: (exit status, seconds, its JSON or None)."""
    argv = [str(REPO / "scripts" / "compare"), "--ab", base, new, "--json", "--"] + run_args
    hog = []

    def start_hog():
        hog.append(subprocess.Popen(["taskset", "-c", "0", "sh", "-c", "while :; do :; done"]))

    timer = threading.Timer(hog_after, start_hog) if hog_after else None
    t0 = time.monotonic()
    if timer:
        timer.start()
    try:
        pr = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    finally:
        if timer:
            timer.cancel()
        for h in hog:
            h.kill()
            h.wait()
    took = time.monotonic() - t0
    try:
        doc = json.loads(pr.stdout.decode("utf-8"))
    except ValueError:
        doc = None
        sys.stderr.write(pr.stderr.decode("utf-8", "replace"))
    return pr.returncode, took, doc


def describe(doc):
    if not doc:
        return "no JSON"
    res = doc["results"]
    verdicts = ",".join(sorted({r["verdict"] for r in res}))

    def width(r):
        return 9.0 if r["ratio_lo"] is None else (r["ratio_hi"] - r["ratio_lo"]) / r["ratio"]
    wide = max(res, key=width)
    return "%3d trials  %-7s  widest %s %s" % (
        doc["trials"], verdicts, wide["label"],
        "%.3f [%.3f, %.3f]" % (wide["ratio"], wide["ratio_lo"], wide["ratio_hi"])
        if wide["ratio_lo"] is not None else "no interval")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="ab-targets", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parscale", help="the parscale binary (default $PARSCALE, then "
                    "build/parscale, then PATH)")
    ap.add_argument("--tries", type=int, default=20, help="tries of same and of slower "
                    "(default 20)")
    ap.add_argument("--only", choices=("same", "slower", "hog"), action="append",
                    help="run only this check (repeatable)")
    version.add_option(ap)
    args = ap.parse_args(argv)
    if args.tries < 1:
        ap.error("--tries %d: must be at least 1" % args.tries)
    exe = find_parscale("ab-targets", args.parscale)
    checks = args.only or ["same", "slower", "hog"]
    if "hog" in checks and not shutil.which("taskset"):
        print("ab-targets: hog: skipped, no taskset", file=sys.stderr)
        checks = [c for c in checks if c != "hog"]
    print("parscale: %s; %d CPUs; %s" % (exe, os.cpu_count() or 0,
                                         time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())))
    missed = []
    for check in checks:
        if check == "same":
            cmds, run_args, want, tries = (exe, exe), SAME, (0, "same"), args.tries
        elif check == "slower":
            cmds, run_args = (exe, exe + " --gil-model old"), SLOWER
            want, tries = (1, "slower"), args.tries
        else:
            cmds, run_args, want, tries = (exe, exe), SAME, (0, "same"), 1
        print("\n%s: compare --ab %s -- %s" % (check, " ".join("'%s'" % c for c in cmds),
                                              " ".join(run_args)), flush=True)
        good = 0
        for i in range(1, tries + 1):
            rc, took, doc = one_try(cmds[0], cmds[1], run_args,
                                    hog_after=20.0 if check == "hog" else None)
            ok = rc == want[0] and took <= TRY_LIMIT
            if check == "slower":
                ok = ok and any(r["verdict"] == "slower" and r["config"].get("backend") == "gil"
                                for r in (doc or {}).get("results", []))
            good += ok
            print("  try %2d: exit %d  %5.1f s  %s  %s" % (i, rc, took, describe(doc),
                                                        "ok" if ok else "MISSED"), flush=True)
        need = tries - 1 if check == "same" and tries >= 20 else tries
        verdict = "PASS" if good >= need else "FAIL"
        print("%s %s: %d of %d tries as wanted (%s, exit %d, within %g s; %d needed)"
              % (verdict, check, good, tries, want[1], want[0], TRY_LIMIT, need))
        if verdict == "FAIL":
            missed.append(check)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
