"""End-to-end timing: whole `parscale run` processes timed by hyperfine.

The harness times repetitions inside a running process; this times the
process, launch included.  The difference is the start-up cost (process
start, MPI_Init, thread creation, allocation) that a user of processes pays
and a user of threads mostly does not.

    scripts/e2e-timing --out DIR [--parscale BIN] [--kernels null,pi]
                       [--backends seq,gil,omp,mpi] [--workers 1,2]
                       [--size quick] [--runs 10] [--warmup 2]

Writes into DIR, adding to what is there: e2e.json (hyperfine's JSON
export, results of every invocation), e2e.csv (hyperfine's CSV export) and
e2e-kernel.csv (the in-kernel rows those same processes wrote).
"""
import argparse
import csv
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .. import version
from .. import binary, numfmt, safeio
from ..common import fail, machine_cores, mpi_env, mpirun_argv

JSON = "e2e.json"
CSV = "e2e.csv"
KERNEL_CSV = "e2e-kernel.csv"


def commands(parscale, kernels, backends, workers, size, kernel_csv, mpirun, props):
    """(name, argv) for every process to time; props is each backend's
    mpi/threads/baseline as the binary describes it."""
    out = []
    for k in kernels:
        for b in backends:
            for w in workers:
                if props[b]["baseline"] and w != 1:
                    continue                # the base: one worker whatever is asked
                # --no-baseline: time only this backend, not the baseline run
                # the harness would add as the speedup base
                run = [str(parscale), "run", "--kernel", k, "--backend", b, "--workers", str(w),
                       "--reps", "1", "--warmup", "0", "--size", size, "--no-baseline",
                       "--csv", str(kernel_csv), "--quiet"]
                if props[b]["mpi"]:
                    if not mpirun:
                        continue
                    run = mpirun_argv(mpirun, w) + run
                out.append(("%s/%s/%d" % (k, b, w), run))
    return out


def _merge_json(dest, new_results):
    data = {"results": []}
    if dest.exists():
        try:
            data = safeio.read_json(dest, "e2e.json", error=ValueError)
        except ValueError:
            raise SystemExit("e2e-timing: %s exists but is not JSON; move it away" % dest)
    data.setdefault("results", []).extend(new_results)
    safeio.write_atomic(dest, json.dumps(data, indent=1) + "\n",
                        SystemExit)  # whole file or the old one, never half


def _append_csv(dest, src):
    with open(src, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        return
    new = not dest.exists() or dest.stat().st_size == 0
    with open(dest, "a", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        for r in rows[0 if new else 1:]:
            w.writerow(r)


def run(args):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    hyperfine = shutil.which("hyperfine")
    if not hyperfine:
        print("e2e-timing: hyperfine not found; install it: sudo apt-get install hyperfine",
              file=sys.stderr)
        return 1
    mpirun = shutil.which("mpirun")
    obj, _, why = binary.list_json(args.parscale)
    if obj is None:
        fail("e2e-timing", why)
    props = binary.ask_backends("e2e-timing", args.parscale, obj)
    backends = args.backends.split(",") if args.backends else list(props)
    unknown = [b for b in backends if b not in props]
    if unknown:
        fail("e2e-timing", binary.unknown_message("backend", unknown, list(props), obj))
    needs_mpi = [b for b in backends if props[b]["mpi"]]
    if not mpirun and needs_mpi:
        print("e2e-timing: mpirun not found: skipping the %s backend(s)"
              % "/".join(needs_mpi), file=sys.stderr)
    env = mpi_env()
    cmds = commands(args.parscale, args.kernels.split(","), backends,
                    [int(w) for w in args.workers.split(",")], args.size,
                    (out / KERNEL_CSV).resolve(), mpirun, props)
    failed, outliers = 0, []
    for i, (name, argv) in enumerate(cmds, 1):
        print("[e2e %d/%d] %s" % (i, len(cmds), name), file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            tj, tc = Path(tmp) / "e.json", Path(tmp) / "e.csv"
            hf = [hyperfine, "-N", "--style", "basic" if sys.stderr.isatty() else "none",
                  "--warmup", str(args.warmup), "--runs", str(args.runs),
                  "--export-json", str(tj), "--export-csv", str(tc),
                  "--command-name", name, " ".join(shlex.quote(x) for x in argv)]
            r = subprocess.run(hf, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True)
            if outlier_warning(r.stdout + r.stderr):
                outliers.append(name)
            if r.returncode != 0 or not tj.exists():
                sys.stderr.write(r.stderr)
                print("e2e-timing: %s failed (hyperfine status %d)" % (name, r.returncode),
                      file=sys.stderr)
                failed += 1
                continue
            res = json.loads(tj.read_text(encoding="utf-8")).get("results", [])
            for x in res:
                x["parameters"] = dict(x.get("parameters") or {}, name=name)
            _merge_json(out / JSON, res)
            _append_csv(out / CSV, tc)
    print("e2e-timing: %d of %d commands timed into %s" % (len(cmds) - failed, len(cmds),
                                                           out / JSON), file=sys.stderr)
    if outliers:
        print(outliers_line(outliers, len(cmds)), file=sys.stderr)
    print_table(summary(out), {name for name, _ in cmds})
    return 1 if failed else 0


def outlier_warning(text):
    """hyperfine's warning that some runs were far from the others."""
    return "outlier" in text.lower()


def outliers_line(names, total):
    """hyperfine's outlier warnings, one per command, as one line with what to do."""
    return ("e2e-timing: hyperfine saw statistical outliers in %d of %d commands (%s): "
            "other programs or a cold start disturbed some runs; rerun on a quieter machine, "
            "with more --warmup or more --runs" % (len(names), total, ", ".join(names[:4])
                                                   + (", ..." if len(names) > 4 else "")))


def _ms(v):
    return numfmt.seconds(v, unit="ms", places=2)


def print_table(rows, names):
    """This run's commands: whole-process median, min and max against the
    in-kernel median the same processes measured, and the difference."""
    rows = [r for r in rows or [] if r["name"] in names]
    if not rows:
        return
    w = max(len(r["name"]) for r in rows)
    print("%-*s %5s %12s %12s %12s %12s %12s" % (w, "command", "runs", "whole (med)", "min",
                                                  "max", "in-kernel", "start-up"))
    for r in rows:
        print("%-*s %5d %12s %12s %12s %12s %12s" % (w, r["name"], r["runs"], _ms(r["whole"]),
                                                      _ms(r["min"]), _ms(r["max"]),
                                                      _ms(r["kernel"]), _ms(r["startup"])))


def summary(d):
    """Rows for the report: whole-process median against in-kernel median,
    per command name; None when there is no e2e.json in d."""
    from .. import analysis, stats
    d = Path(d)
    try:
        data = safeio.read_json(d / JSON, "e2e.json", error=ValueError)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    times = {}
    for r in data.get("results", []):
        name = (r.get("parameters") or {}).get("name") or r.get("command")
        times.setdefault(name, []).extend(r.get("times") or [])
    kernel = {}
    kpath = d / KERNEL_CSV
    if kpath.exists():
        try:
            for row in analysis.load_csv(kpath):
                if row["ok"]:
                    kernel.setdefault("%s/%s/%d" % (row["kernel"], row["backend"],
                                                    row["workers"]), []).append(row["seconds"])
        except analysis.DataError as e:
            print("report: ignoring %s" % e, file=sys.stderr)
    rows = []
    for name, ts in times.items():
        if not ts:
            continue
        whole = stats.median(ts)
        k = stats.median(kernel.get(name, []))
        rows.append({"name": name, "runs": len(ts), "whole": whole, "min": min(ts),
                     "max": max(ts), "kernel": k,
                     "startup": whole - k if k is not None else None})
    return rows or None


def main(argv=None):
    ap = argparse.ArgumentParser(prog="e2e-timing", description="Whole-process timing of "
                                 "parscale runs with hyperfine.")
    ap.add_argument("--out", required=True, help="directory for e2e.json, e2e.csv, "
                    "e2e-kernel.csv (added to, never replaced)")
    ap.add_argument("--parscale", help="the parscale binary (default $PARSCALE, then "
                    "build/parscale, then PATH)")
    ap.add_argument("--kernels", default="null,pi")
    ap.add_argument("--backends", help="comma-separated (default: every backend built)")
    ap.add_argument("--workers", default=None, help="default 1 and the core count")
    ap.add_argument("--size", default="quick")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    version.add_option(ap)
    args = ap.parse_args(argv)
    args.parscale = binary.find_parscale("e2e-timing", args.parscale)
    if args.workers is None:
        args.workers = ",".join(str(w) for w in sorted({1, machine_cores()}))
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
