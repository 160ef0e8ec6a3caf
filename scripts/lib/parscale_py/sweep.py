"""One command for a scaling study: every kernel x every backend x worker
counts 1, 2, 4, ... up to twice the cores, strong and weak scaling, then
the charts and the report.

    scripts/sweep [--quick] [--kernels K,..] [--backends B,..] [--workers W,..]
                  [--scaling strong,weak] [--out DIR] [--parscale BIN] [-- HARNESS-ARGS]

mpi goes through one `mpirun -np MAXW --oversubscribe --bind-to none` launch
per scaling mode, which measures every backend and worker count (the
harness runs mpi on sub-communicators and the other backends on rank 0,
interleaved).  The harness appends each repetition's row as it finishes, so
Ctrl-C keeps every finished row, and running again with the same --out adds
to the CSV; nothing here ever truncates or replaces it.
"""
import argparse
import datetime
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import analysis, kerninfo, schema as schema_mod
from .common import (EXIT_BAD_INPUT, fail, machine_cores, mpi_env, mpirun_argv,
                     split_at_dashdash)

REPO = Path(__file__).resolve().parents[3]
DEFAULT_KERNELS = ["count", "pi", "stream", "io", "null"]
DEFAULT_BACKENDS = ["seq", "gil", "omp", "mpi"]
MPI_BACKENDS = ("mpi", "hybrid")
CSV_NAME = "results.csv"
# Per mode: harness size class, timed repetitions, warm-ups.  Quick keeps
# the whole study to a couple of minutes on 2 cores; full gives each point
# enough repetitions for a 95% interval of the median.
MODES = {
    "quick": dict(size="quick", weak_size="test", reps=3, warmup=1),
    "full": dict(size="full", weak_size="quick", reps=10, warmup=2),
}


def default_workers(cores):
    """1, 2, 4, ... up to 2 x cores, plus cores and 2 x cores themselves."""
    ws, w = set(), 1
    while w <= 2 * cores:
        ws.add(w)
        w *= 2
    ws.update({cores, 2 * cores})
    return sorted(ws)


def find_parscale(explicit, prog):
    """--parscale, else $PARSCALE, else build/parscale in the repository."""
    for cand, how in ((explicit, "--parscale"), (os.environ.get("PARSCALE"), "$PARSCALE"),
                      (str(REPO / "build" / "parscale"), None)):
        if not cand:
            continue
        path = shutil.which(cand) if os.sep not in cand else cand
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.abspath(path)
        if how:
            fail(prog, "%s %s: not an executable file" % (how, cand))
    fail(prog, "no parscale binary: build it (cmake -S %s -B %s/build && cmake --build "
         "%s/build) or name it with --parscale PATH or $PARSCALE" % (REPO, REPO, REPO))


def _csv_list(text, what):
    items = [x.strip() for x in text.split(",") if x.strip()]
    if not items:
        fail("sweep", "--%s is empty" % what)
    return items


def discover(parscale):
    """Kernels and backends the binary offers, and its list --json text."""
    text, why = kerninfo.from_binary(parscale)
    kernels, backends = None, None
    if text:
        kernels = list(kerninfo.parse(text))
        backends = kerninfo.backends_from(text)
    if backends is None:
        try:
            out = subprocess.run([parscale, "list"], capture_output=True, text=True,
                                 timeout=60).stdout
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        words = {ln.split()[0].strip(":") for ln in out.splitlines() if ln.split()}
        found = [b for b in DEFAULT_BACKENDS + ["hybrid"] if b in words]
        backends = found or None
    return kernels, backends, text


def check_csv(path):
    """Refuses, before hours of measuring, to add to a CSV of another schema."""
    if not os.path.lexists(str(path)):
        return
    try:
        analysis.open_regular(path).close()  # a FIFO or device: refused, never opened blocking
    except analysis.DataError as e:
        fail("sweep", "%s; use another --out" % e)
    if path.stat().st_size == 0:
        return
    with open(path, "rb") as fh:  # parscale refuses to append after an unended line
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) != b"\n":
            fail("sweep", "%s: its last line has no newline (a write stopped part-way, or "
                 "an edit); end it if the row is whole, else delete it; or use another "
                 "--out" % path)
    try:
        analysis.load_csv(path)
    except analysis.DataError as e:
        if "no measurements" in str(e):
            return
        fail("sweep", "%s; use another --out" % e)


def _count_rows(path):
    try:
        with open(path, "rb") as fh:
            return max(0, sum(1 for _ in fh) - 1)
    except OSError:
        return 0


class Progress(threading.Thread):
    """Every few seconds, rows written so far (interactive terminals only)."""

    def __init__(self, path, start_rows, expected, label):
        super().__init__(daemon=True)
        self.path, self.start_rows, self.expected, self.label = path, start_rows, expected, label
        self.stop = threading.Event()
        self.t0 = time.monotonic()

    def run(self):
        while not self.stop.wait(10.0):
            n = _count_rows(self.path) - self.start_rows
            print("  [%s] %d of ~%d rows, %.0f s" % (self.label, n, self.expected,
                                                     time.monotonic() - self.t0),
                  file=sys.stderr, flush=True)


def plan(args, kernels, backends, mpirun):
    """The harness launches: one per scaling mode, mpi included."""
    mode = MODES["quick" if args.quick else "full"]
    workers = args.workers_list
    maxw = max(workers)
    reps = args.reps or mode["reps"]
    launches = []
    for scaling in args.scaling_list:
        size = args.size or (mode["weak_size"] if scaling == "weak" else mode["size"])
        run = [args.parscale, "run", "--kernel", ",".join(kernels), "--backend",
               ",".join(backends), "--workers", ",".join(str(w) for w in workers),
               "--scaling", scaling, "--size", size,
               "--reps", str(reps),
               "--warmup", str(args.warmup if args.warmup is not None else mode["warmup"]),
               "--csv", str(args.csv)] + args.harness_args
        if "hybrid" in backends and "--threads-per-rank" not in args.harness_args:
            # ranks of up to 2 threads (1x1, 1x2, 2x2, ...): with 1 thread per
            # rank hybrid would only repeat mpi
            run += ["--threads-per-rank", "2"]
        if any(b in MPI_BACKENDS for b in backends):
            run = mpirun_argv(mpirun, maxw) + run
        par = [b for b in backends if b != "seq"]
        seq_points = (len(workers) if scaling == "weak" else 1) if "seq" in backends else 0
        expected = len(kernels) * reps * (len(par) * len(workers) + seq_points)
        launches.append((scaling, run, expected))
    return launches


def run_launch(scaling, argv, expected, csv_path, env, i, n):
    print("\n== [%d/%d] %s scaling: %s" % (i, n, scaling, " ".join(shlex.quote(a) for a in argv)),
          file=sys.stderr, flush=True)
    start = _count_rows(csv_path)
    prog = Progress(csv_path, start, expected, "%s" % scaling)
    if sys.stderr.isatty():
        prog.start()
    proc = subprocess.Popen(argv, env=env)
    try:
        rc = proc.wait()
    except KeyboardInterrupt:
        # The terminal sent SIGINT to the harness (and mpirun) too; give it a
        # moment to finish the row it is writing, then make sure it is gone.
        try:
            proc.wait(timeout=10)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        raise
    finally:
        prog.stop.set()
    added = _count_rows(csv_path) - start
    print("== %s scaling: %d rows added (exit status %d)" % (scaling, added, rc),
          file=sys.stderr, flush=True)
    return rc, added


def main(argv=None):
    argv, harness_args = split_at_dashdash(argv)
    ap = argparse.ArgumentParser(prog="sweep", description="A whole scaling study: every "
                                 "kernel x backend x worker count, strong and weak, then "
                                 "charts and a report. Arguments after -- go to parscale run.")
    ap.add_argument("--quick", action="store_true", help="a couple of minutes: quick sizes, "
                    "%d repetitions" % MODES["quick"]["reps"])
    ap.add_argument("--kernels", help="comma-separated (default: every kernel)")
    ap.add_argument("--backends", help="comma-separated (default: every backend built)")
    ap.add_argument("--workers", help="comma-separated (default: 1, 2, 4, ... up to 2 x cores)")
    ap.add_argument("--scaling", default="strong,weak", help="strong, weak or strong,weak")
    ap.add_argument("--size", help="harness --size for every mode (default: quick/test with "
                    "--quick, else full/quick for strong/weak)")
    ap.add_argument("--reps", type=int, help="timed repetitions per point")
    ap.add_argument("--warmup", type=int, help="warm-up repetitions per point")
    ap.add_argument("--out", help="directory for everything (default results/<host>-<date>/); "
                    "an existing CSV there is added to")
    ap.add_argument("--parscale", help="the binary (default $PARSCALE, then build/parscale)")
    ap.add_argument("--mpirun", default="mpirun", help="the MPI launcher (default mpirun on "
                    "PATH; 'none' runs without MPI)")
    ap.add_argument("--no-e2e", action="store_true", help="skip whole-process timing")
    ap.add_argument("--no-charts", action="store_true", help="measure only")
    ap.add_argument("--dry-run", action="store_true", help="print the launches, run nothing")
    args = ap.parse_args(argv)
    args.harness_args = harness_args

    for name in ("reps", "warmup"):
        v = getattr(args, name)
        if v is not None and v < (1 if name == "reps" else 0):
            fail("sweep", "--%s %d: must be at least %d" % (name, v, 1 if name == "reps" else 0))
    args.parscale = find_parscale(args.parscale, "sweep")
    cores = machine_cores()
    if args.workers:
        try:
            args.workers_list = sorted({int(w) for w in _csv_list(args.workers, "workers")})
        except ValueError:
            fail("sweep", "--workers %s: expected whole numbers like 1,2,4" % args.workers)
        if args.workers_list[0] < 1:
            fail("sweep", "--workers %s: counts must be 1 or more" % args.workers)
    else:
        args.workers_list = default_workers(cores)
    args.scaling_list = _csv_list(args.scaling, "scaling")
    bad = [s for s in args.scaling_list if s not in ("strong", "weak")]
    if bad:
        fail("sweep", "--scaling %s: expected strong, weak or strong,weak" % args.scaling)

    known_k, known_b, list_json = discover(args.parscale)
    kernels = _csv_list(args.kernels, "kernels") if args.kernels else (known_k or DEFAULT_KERNELS)
    backends = _csv_list(args.backends, "backends") if args.backends else \
        (known_b or DEFAULT_BACKENDS)
    for what, asked, known in (("kernel", kernels, known_k), ("backend", backends, known_b)):
        unknown = [x for x in asked if known and x not in known]
        if unknown:
            fail("sweep", "unknown %s(s): %s (this parscale has: %s)"
                 % (what, ", ".join(unknown), ", ".join(known)))
    mpirun = shutil.which(args.mpirun) if args.mpirun != "none" else None
    if not mpirun and any(b in MPI_BACKENDS for b in backends):
        print("sweep: %s not found: skipping the %s backend(s) (install openmpi-bin)"
              % (args.mpirun, "/".join(b for b in backends if b in MPI_BACKENDS)),
              file=sys.stderr)
        backends = [b for b in backends if b not in MPI_BACKENDS]
    if not backends:
        fail("sweep", "no backend left to run")

    host = socket.gethostname().split(".")[0] or "host"
    out = Path(args.out) if args.out else \
        REPO / "results" / ("%s-%s" % (host, datetime.date.today().isoformat()))
    args.csv = (out / CSV_NAME).resolve()
    launches = plan(args, kernels, backends, mpirun)
    check_csv(args.csv)
    if args.dry_run:
        for scaling, argv_, expected in launches:
            print(" ".join(shlex.quote(a) for a in argv_))
        return 0
    try:
        schema_mod.load()
    except schema_mod.SchemaError as e:
        fail("sweep", str(e))
    out.mkdir(parents=True, exist_ok=True)
    if list_json:
        (out / kerninfo.KERNELS_JSON).write_text(list_json, encoding="utf-8")

    env = mpi_env()
    over = [w for w in args.workers_list if w > cores]
    print("sweep: %d kernel(s) x %d backend(s) x workers %s on %d core(s)%s -> %s" % (
        len(kernels), len(backends), ",".join(map(str, args.workers_list)), cores,
        " (oversubscribed: %s)" % ",".join(map(str, over)) if over else "", out),
        file=sys.stderr)
    with open(out / "sweep.log", "a", encoding="utf-8") as log:
        log.write("# %s  %s\n" % (datetime.datetime.now().isoformat(timespec="seconds"),
                                  " ".join(shlex.quote(a) for a in [sys.argv[0]] + argv +
                                           (["--"] + harness_args if harness_args else []))))
        for _, argv_, _ in launches:
            log.write(" ".join(shlex.quote(a) for a in argv_) + "\n")

    status = 0
    try:
        for i, (scaling, argv_, expected) in enumerate(launches, 1):
            rc, _ = run_launch(scaling, argv_, expected, args.csv, env, i, len(launches))
            if rc == EXIT_BAD_INPUT:
                fail("sweep", "parscale refused the arguments above (status 2)")
            if rc != 0:
                status = 1
                print("sweep: parscale exited with status %d; continuing with the rows "
                      "written" % rc, file=sys.stderr)
        if not args.no_e2e:
            if shutil.which("hyperfine"):
                from . import e2e
                print("\n== end-to-end timing (hyperfine)", file=sys.stderr)
                ns = argparse.Namespace(
                    out=str(out), parscale=args.parscale,
                    # quick: start-up cost only (null); the full study adds pi
                    kernels=",".join(k for k in (("null",) if args.quick else ("null", "pi"))
                                     if k in kernels) or kernels[0],
                    backends=",".join(backends),
                    workers=",".join(str(w) for w in sorted({1, min(cores, max(args.workers_list))})),
                    size="quick",
                    runs=3 if args.quick else 10, warmup=1 if args.quick else 2)
                if e2e.run(ns) != 0:
                    status = 1
            else:
                print("sweep: hyperfine not found: skipping end-to-end timing "
                      "(sudo apt-get install hyperfine)", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nsweep: interrupted; %d finished rows are kept in %s. Run the same "
              "command again to add to it." % (_count_rows(args.csv), args.csv),
              file=sys.stderr)
        return 130
    if _count_rows(args.csv) == 0:
        fail("sweep", "no rows were written to %s" % args.csv, status=1)
    if args.no_charts:
        return status
    from . import plots, report
    print("\n== charts and report", file=sys.stderr)
    try:
        a = analysis.analyse(args.csv)
        kinfo, src = kerninfo.find(args.csv, None, args.parscale)
        made, _ = plots.make_all(a, out, kinfo, src, log=lambda m: print(m, file=sys.stderr))
        print("plot: %d charts in %s" % (len(made), out), file=sys.stderr)
        report.write(args.csv, out, charts_dir=out, parscale=args.parscale,
                     log=lambda m: print(m, file=sys.stderr))
    except analysis.DataError as e:
        fail("sweep", str(e))
    print("sweep: done: %s (%d rows)" % (out, _count_rows(args.csv)), file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
