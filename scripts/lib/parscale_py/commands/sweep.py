"""One command for a scaling study: every kernel x every backend x worker
counts 1, 2, 4, ... up to twice the cores, strong and weak scaling, then
the charts and the report.

    scripts/sweep [--quick] [--kernels K,..] [--backends B,..] [--workers W,..]
                  [--scaling strong,weak] [--out DIR] [--parscale BIN] [-- HARNESS-ARGS]

Each scaling mode is two launches: the backends of one process (seq, async,
gil, omp) plainly, then mpi and hybrid with the base under one `mpirun -np
MAXW --oversubscribe --bind-to none` (the harness runs mpi on
sub-communicators and the base on rank 0, interleaved), at the sizes the
first launch chose.  Threads are never measured beside idle ranks.  The
harness appends each repetition's row as it finishes, so Ctrl-C keeps
every finished row, and running again with the same --out adds to the
CSV; nothing here ever truncates or replaces it.

The landscape step (skip it with --no-landscape) measures one waiting and one
computing kernel under every way of doing several things at once, parscale's
and real CPython's, into landscape.csv beside results.csv, and draws
landscape.png from it: io (1 ms waits) at 1 to 64 workers, where waiting
makes oversubscription cheap, except mpi and CPython's processes, capped at
8 (64 processes on a small machine measure the machine, not the model), and
pi at 1, 2 and 4 workers at a small size.  Its own CSV keeps these rows,
measured at other sizes and worker counts than the study's, out of the
study's charts and report; scripts/landscape draws it again from that CSV.
"""
import argparse
import datetime
import json
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

from .. import version
from .. import analysis, binary, kerninfo, numfmt, safeio, schema as schema_mod
from ..common import (EXIT_BAD_INPUT, fail, machine_cores, mpi_env, mpirun_argv,
                     split_at_dashdash)
from ..render import formats

REPO = Path(__file__).resolve().parents[4]
CSV_NAME = "results.csv"
LANDSCAPE_CSV = "landscape.csv"
# The landscape's measurements: (kernel, size, worker counts); the process
# backends' io stops at PROCESS_CAP; CPython's pi runs at a size for pure
# Python.  About half a minute on 2 cores with --quick's repetitions.
LANDSCAPE_IO = ("io", "128", (1, 2, 4, 8, 16, 32, 64))
LANDSCAPE_PI = ("pi", "40000000", (1, 2, 4))
LANDSCAPE_PY_PI_SIZE = "200000"
LANDSCAPE_IO_WAIT_US = 1000
PROCESS_CAP = 8
LANDSCAPE_BACKENDS = ("seq", "async", "gil", "omp", "mpi")
# Per mode: harness size class, warm-ups, and either a fixed count of timed
# repetitions (full: enough for a 95% interval of the median) or the
# harness's stopping rule (quick: rounds until each interval is within
# ci_width of its median, at least min_reps, the whole study's measurement
# within budget seconds, shared by its launches).
# quick: the kernels that carry the lesson (computing, waiting, memory
# bandwidth, dense compute), each sized on this machine (--rep-time) so one
# seq repetition lasts 10 ms (5 ms per worker under weak scaling), and 15
# repetitions of every configuration (from 9 on, the median's exact
# interval no longer reaches the extremes, so one stray repetition cannot
# open it; at 15 it runs from the 4th to the 12th), each paired with its base;
# the budget only guards a busy machine.  One step a repetition, so that a
# memory kernel's one pass over data beyond the caches (the harness keeps it
# there) fits the time.  full: every kernel at its full
# (weak: quick) size.
MODES = {
    "quick": dict(rep_time={"strong": "10ms", "weak": "5ms"}, steps=1, reps=15, budget=90,
                  warmup=1, landscape_reps=6, kernels=("pi", "io", "stream", "dgemm")),
    "full": dict(size="full", weak_size="quick", reps=10, warmup=2, landscape_reps=7),
}
# The quick budget's share per scaling mode: a weak round's bases grow
# with the workers (at 5 ms per worker), a strong round's stay at 10 ms.
BUDGET_SHARE = {"strong": 1.0, "weak": 1.0}
# A repetition longer than this is a kernel that never returns: a full-size
# repetition takes seconds, so the limit is generous.
REP_TIMEOUT = "15m"


def default_workers(cores):
    """1, 2, 4, ... up to 2 x cores, plus cores and 2 x cores themselves."""
    ws, w = set(), 1
    while w <= 2 * cores:
        ws.add(w)
        w *= 2
    ws.update({cores, 2 * cores})
    return sorted(ws)


def _csv_list(text, what):
    items = [x.strip() for x in text.split(",") if x.strip()]
    if not items:
        fail("sweep", "--%s is empty" % what)
    return items


def discover(parscale):
    """Kernels (name -> their list --json object) and backends (with their
    properties) the binary offers, and its list --json text to keep beside
    the CSV; from one run of `parscale list --json`."""
    obj, text, why = binary.list_json(parscale)
    if obj is None:
        fail("sweep", why)
    try:
        kinfo = kerninfo.parse(text)
    except ValueError as e:
        fail("sweep", "%s list --json printed no kernel list (%s)" % (parscale, e))
    return kinfo, binary.ask_backends("sweep", parscale, obj), text


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
    except schema_mod.SchemaError as e:
        fail("sweep", str(e))
    except analysis.DataError as e:
        if "no measurements" not in str(e):
            fail("sweep", "%s; use another --out" % e)
    with open(path, encoding="utf-8", errors="replace") as fh:
        header = fh.readline().rstrip("\r\n").split(",")
    cols = schema_mod.load().columns
    if header != cols:
        # readable (an older parscale's, fewer columns), but rows of today's
        # schema cannot be added to it
        fail("sweep", "%s was written by an older parscale (%d of today's %d columns); "
             "use another --out" % (path, len(header), len(cols)))


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
            print("  [%s] %d of ~%d rows, %s" % (
                self.label, n, self.expected,
                numfmt.seconds(time.monotonic() - self.t0, unit="s", places=0)),
                  file=sys.stderr, flush=True)


def stopping(args, mode, scaling, share=1.0):
    """The harness's stopping options for one launch of a scaling mode (share:
    its part of the mode's budget), and the repetitions a point gets at
    least (for the progress estimate)."""
    reps = args.reps or mode["reps"]
    stop = ["--reps", str(reps)]
    budget = args.budget if args.budget is not None else mode.get("budget")
    if budget:
        share *= BUDGET_SHARE[scaling] / sum(BUDGET_SHARE[s] for s in args.scaling_list)
        stop += ["--max-time", "%gs" % max(1, round(budget * share))]
    return stop, reps


def size_args(args, mode, scaling):
    """--size, or --rep-time (quick: each kernel sized on this machine)."""
    if args.size:
        return ["--size", args.size]
    if args.rep_time or "rep_time" in mode:
        steps = [] if "--steps" in args.harness_args or "steps" not in mode else \
            ["--steps", str(mode["steps"])]
        return ["--rep-time", args.rep_time or mode["rep_time"][scaling]] + steps
    return ["--size", mode["weak_size"] if scaling == "weak" else mode["size"]]


# What the sweep's users type for the harness options its advice names.
ADVICE_NAMES = "max-time=--budget,max-reps=--reps,size=--size,reps=--reps"


LOCK_NAME = ".sweep.lock"


def hold_folder(out):
    """One sweep at a time per folder: a second would load the machine the
    first measures (its timings contended, unflagged) and mix its rows
    into the first one's report.  An exclusive lock on a file in the
    folder, held while the sweep runs and released by the system when it
    ends (even killed); the second sweep is refused in one line."""
    import fcntl
    path = out / LOCK_NAME
    try:
        fd = os.open(str(path), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    except OSError as e:
        fail("sweep", "%s: cannot open the folder's lock: %s" % (path, e.strerror or e))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        try:
            pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
        except OSError:
            pid = "?"
        os.close(fd)
        fail("sweep", "another sweep (pid %s) is writing into %s: two at once would time "
             "each other's load and mix their rows in one report; wait for it, or give "
             "another --out" % (pid, out))
    os.ftruncate(fd, 0)
    os.pwrite(fd, b"%d\n" % os.getpid(), 0)
    return fd


def rep_timeout(args):
    """--rep-timeout for every launch: a kernel that never returns ends the
    sweep in one line instead of never (unless the harness arguments after
    -- set their own, or --rep-timeout none)."""
    if args.rep_timeout == "none" or any(a == "--rep-timeout" or a.startswith("--rep-timeout=")
                                         for a in args.harness_args):
        return []
    return ["--rep-timeout", args.rep_timeout]


class Launch:
    """One harness launch: what the progress line calls it, its argv, the
    rows it should write, and whether it takes the kernels' sizes from the
    launch before it (the MPI half of a scaling mode sized like the rest)."""

    def __init__(self, label, scaling, argv, expected, sized_by_previous=False):
        self.label, self.scaling, self.argv = label, scaling, argv
        self.expected, self.sized_by_previous = expected, sized_by_previous


def plan(args, kernels, backends, mpirun, props, kinfo=None):
    """The harness launches, two per scaling mode: the backends of one
    process in a plain launch, then the MPI backends under mpirun, each
    with the base.  Measured apart, a thread backend never shares the
    machine with ranks that idle beside it (under mpirun -np 4 they cost
    omp at 2 workers up to 150 us of each 5 ms repetition).  props is each
    backend's mpi/threads/baseline, as the binary describes it; kinfo the
    kernels' sizes."""
    mode = MODES["quick" if args.quick else "full"]
    workers = args.workers_list
    maxw = max(workers)
    base = [b for b in backends if props[b]["baseline"]]
    local = [b for b in backends if not props[b]["mpi"] and not props[b]["baseline"]]
    mpi = [b for b in backends if props[b]["mpi"]]
    # the base alone (seq only) is measured once, in the plain launch
    groups = [g for g in ((base + local, local, False), (base + mpi, mpi, True))
              if g[1] or (not g[2] and not mpi)]
    nbusy = sum(len(g[1]) for g in groups) or 1
    launches = []
    for scaling in args.scaling_list:
        for i, (chosen, par, under_mpi) in enumerate(groups):
            stop, reps = stopping(args, mode, scaling, max(len(par), 1) / nbusy)
            run = [args.parscale, "run", "--kernel", ",".join(kernels), "--backend",
                   ",".join(chosen), "--workers", ",".join(str(w) for w in workers),
                   "--scaling", scaling] + size_args(args, mode, scaling) + stop + [
                   "--advice-names", ADVICE_NAMES,
                   "--warmup", str(args.warmup if args.warmup is not None else mode["warmup"]),
                   "--csv", str(args.csv)] + rep_timeout(args) + args.harness_args
            if any(props[b]["threads"] for b in mpi) and under_mpi and \
                    "--threads-per-rank" not in args.harness_args:
                # ranks of up to 2 threads (1x1, 1x2, 2x2, ...): with 1 thread
                # per rank ranks x threads would only repeat ranks alone
                run += ["--threads-per-rank", "2"]
            if under_mpi:
                run = mpirun_argv(mpirun, maxw) + run
            # each configuration with its base: two rows a pair
            expected = len(kernels) * reps * len(workers) * \
                (len(par) * (2 if base else 1) if par else len(base))
            launches.append(Launch("%s scaling%s" % (scaling, ", MPI" if under_mpi else ""),
                                   scaling, run, expected, sized_by_previous=i > 0))
    return launches


def sizes_written(csv_path, start_rows, scaling):
    """--size KERNEL=ORDER,... for the kernels a launch sized (--rep-time)
    and wrote from row start_rows on, or None when it wrote none."""
    import csv as csv_mod
    orders = {}
    try:
        with open(csv_path, newline="", encoding="utf-8") as fh:
            for i, row in enumerate(csv_mod.DictReader(fh)):
                if i >= start_rows and row.get("scaling") == scaling and row.get("order"):
                    orders.setdefault(row["kernel"], row["order"])
    except (OSError, UnicodeDecodeError, csv_mod.Error):
        return None
    return ",".join("%s=%s" % kv for kv in orders.items()) or None


def sized_like_previous(argv, sizes, kernels):
    """argv with --rep-time T replaced by the sizes the launch before chose
    (every kernel's, or argv as it was: it calibrates on its own)."""
    if not sizes or "--rep-time" not in argv or \
            {kv.split("=")[0] for kv in sizes.split(",")} != set(kernels):
        return argv
    i = argv.index("--rep-time")
    return argv[:i] + ["--size", sizes] + argv[i + 2:]


def landscape_plan(args, props, mpirun, chosen):
    """The landscape's launches: [(label, argv, expected rows)], parscale's
    (backends it has, among LANDSCAPE_BACKENDS and the sweep's chosen ones)
    then cpython-bench's, all appending to args.landscape_csv."""
    mode = MODES["quick" if args.quick else "full"]
    # a fixed count: the landscape compares backends' shapes (tens of x
    # between them), not percent-level differences the interval rule is for
    reps = str(args.reps or mode["landscape_reps"])
    warm = str(args.warmup if args.warmup is not None else mode["warmup"])
    csv_path = str(args.landscape_csv)
    bs = [b for b in LANDSCAPE_BACKENDS if b in props and b in chosen]
    local = [b for b in bs if not props[b]["mpi"]]
    mpi = [b for b in bs if props[b]["mpi"]] if mpirun else []
    out = []
    for kernel, size, ws in (LANDSCAPE_IO, LANDSCAPE_PI):
        common = ["--kernel", kernel, "--scaling", "strong", "--size", size, "--reps", reps,
                  "--warmup", warm, "--csv", csv_path, "--quiet"]
        if kernel == "io":
            common += ["--param", "io.wait_us=%d" % LANDSCAPE_IO_WAIT_US]
        # the base (seq, at one worker) in a launch of its own, the others
        # unpaired: pairing, which a percent-level speedup needs, would run
        # io's 150 ms seq repetition once per configuration, two thirds of
        # this step, for shapes tens of x apart
        base = [b for b in local if props[b]["baseline"]]
        rest = [b for b in local if not props[b]["baseline"]]
        if base:
            out.append(("landscape %s, its base" % kernel,
                        [args.parscale, "run", "--backend", ",".join(base),
                         "--workers", "1"] + common, int(reps) * len(base)))
        if rest:
            out.append(("landscape %s" % kernel,
                        [args.parscale, "run", "--backend", ",".join(rest),
                         "--workers", ",".join(map(str, ws)), "--no-baseline"] + common,
                        int(reps) * len(rest) * len(ws)))
        mws = [w for w in ws if w <= PROCESS_CAP]
        if mpi:
            out.append(("landscape %s, mpi up to %d ranks" % (kernel, mws[-1]),
                        mpirun_argv(mpirun, mws[-1]) +
                        [args.parscale, "run", "--backend", ",".join(mpi), "--workers",
                         ",".join(map(str, mws)), "--no-baseline"] + common,
                        int(reps) * len(mpi) * len(mws)))
    bench = str(REPO / "scripts" / "studies" / "cpython-bench")
    io_ws, pi_ws = LANDSCAPE_IO[2], LANDSCAPE_PI[2]
    for label, kernel, backends, ws, size in (
            ("threads, asyncio", "io", "threads,asyncio", io_ws, LANDSCAPE_IO[1]),
            ("processes up to %d" % PROCESS_CAP, "io", "processes",
             [w for w in io_ws if w <= PROCESS_CAP], LANDSCAPE_IO[1]),
            ("threads, processes, asyncio", "pi", "threads,processes,asyncio", pi_ws,
             LANDSCAPE_PY_PI_SIZE)):
        out.append(("landscape CPython %s %s" % (kernel, label),
                    [bench, "-k", kernel, "-b", backends, "-w", ",".join(map(str, ws)),
                     "-s", size, "-r", reps, "--warmup", warm, "--io-wait-us",
                     str(LANDSCAPE_IO_WAIT_US), "--csv", csv_path, "--quiet"],
                    int(reps) * len(backends.split(",")) * len(ws)))
    # the landscape's other routes, real: Trio and uvloop beside asyncio's
    # waiting; Cython's loop without (and with) the lock at the C kernels'
    # size; subinterpreters with a GIL each (and one shared) on the newest
    # interpreter that has them.  What cannot run here is skipped by name.
    for label, kernel, backends, ws, size, py in (
            ("Trio, uvloop", "io", "trio,uvloop", io_ws, LANDSCAPE_IO[1], None),
            ("Cython with and without the lock", "pi", "cython-nogil,cython-gil", pi_ws,
             LANDSCAPE_PI[1], None),
            ("subinterpreters", "pi", "subinterpreters,subinterpreters-shared", pi_ws,
             LANDSCAPE_PY_PI_SIZE, subinterpreter_python())):
        if py == "":
            print("sweep: landscape: skipped %s: no Python 3.12 or later found" % label,
                  file=sys.stderr)
            continue
        out.append(("landscape CPython %s %s" % (kernel, label),
                    [bench, "-k", kernel, "-b", backends, "-w", ",".join(map(str, ws)),
                     "-s", size, "-r", reps, "--warmup", warm, "--io-wait-us",
                     str(LANDSCAPE_IO_WAIT_US), "--csv", csv_path, "--quiet"] +
                    (["--python", py] if py else []),
                    int(reps) * len(backends.split(",")) * len(ws)))
    return out


def subinterpreter_python():
    """None where the interpreter cpython-bench runs on has subinterpreters
    with their own GIL (3.12+); else the newest such interpreter found, or
    '' where there is none."""
    from .. import interpreters
    default = interpreters.probe(os.environ.get("PARSCALE_CPYTHON") or "python3")
    if default is not None and default.version_tuple >= (3, 12):
        return None
    newer = [x for x in interpreters.find_all() if x.version_tuple >= (3, 12)
             and not x.free_threaded]
    return newer[-1].path if newer else ""


def run_landscape(args, launches, env):
    """Runs the landscape's launches; a failed one is reported, not fatal
    (the study's own rows are already in).  Returns 0, or 1 if any failed."""
    status = 0
    for i, (label, argv_, expected) in enumerate(launches, 1):
        rc, _ = run_launch(label, argv_, expected, args.landscape_csv, env, i, len(launches))
        if rc != 0:
            status = 1
            print("sweep: the landscape launch above exited with status %d; continuing"
                  % rc, file=sys.stderr)
    return status


def run_launch(label, argv, expected, csv_path, env, i, n):
    print("\n== [%d/%d] %s: %s" % (i, n, label, " ".join(shlex.quote(a) for a in argv)),
          file=sys.stderr, flush=True)
    start = _count_rows(csv_path)
    prog = Progress(csv_path, start, expected, label)
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
    print("== %s: %d rows added (exit status %d)" % (label, added, rc),
          file=sys.stderr, flush=True)
    return rc, added


def chart_formats(args):
    """The charts' formats: --format's, else PNG alone for --quick (what its
    report shows, in seconds less) and every format for a full study."""
    return args.format or (("png",) if args.quick else formats.FORMATS)


def main(argv=None):
    argv, harness_args = split_at_dashdash(argv)
    ap = argparse.ArgumentParser(prog="sweep", description="A whole scaling study: every "
                                 "kernel x backend x worker count, strong and weak, then "
                                 "charts and a report. Arguments after -- go to parscale run.")
    q = MODES["quick"]
    quick_help = ("about two minutes: the kernels {k}, each sized so one seq repetition lasts "
                  "{rs} ({rw} per worker under weak scaling), {n} repetitions of every "
                  "configuration paired with its base, within {b} s of measuring").format(
                      k=",".join(q["kernels"]), rs=q["rep_time"]["strong"],
                      rw=q["rep_time"]["weak"], n=q["reps"], b=q["budget"])
    ap.add_argument("--quick", action="store_true", help=quick_help)
    ap.add_argument("--kernels", help="comma-separated (default: every kernel; with --quick "
                    "%s)" % ",".join(q["kernels"]))
    ap.add_argument("--backends", help="comma-separated (default: every backend built)")
    ap.add_argument("--workers", help="comma-separated (default: 1, 2, 4, ... up to 2 x cores)")
    ap.add_argument("--scaling", default="strong,weak", help="strong, weak or strong,weak")
    ap.add_argument("--size", help="harness --size for every mode (default: --rep-time "
                    "sizing with --quick, else full/quick for strong/weak)")
    ap.add_argument("--rep-time", help="harness --rep-time: size each kernel so one seq "
                    "repetition lasts this long (e.g. 10ms)")
    ap.add_argument("--budget", type=float, help="seconds of measuring at most, shared by "
                    "the scaling modes (default %d with --quick, none otherwise)" % q["budget"])
    ap.add_argument("--reps", type=int, help="timed repetitions per point")
    ap.add_argument("--warmup", type=int, help="warm-up repetitions per point")
    ap.add_argument("--out", help="directory for everything (default results/<host>-<date>/); "
                    "an existing CSV there is added to")
    ap.add_argument("--parscale", help="the binary (default $PARSCALE, then build/parscale, "
                    "then PATH)")
    ap.add_argument("--mpirun", default="mpirun", help="the MPI launcher (default mpirun on "
                    "PATH; 'none' runs without MPI)")
    ap.add_argument("--no-e2e", action="store_true", help="skip whole-process timing")
    ap.add_argument("--no-charts", action="store_true", help="measure only")
    ap.add_argument("--format", metavar="LIST", type=formats.arg,
                    help="the charts' formats, comma-separated, png among them (default "
                    "png with --quick, png,svg,pdf otherwise; scripts/plot draws the others "
                    "from the CSV later)")
    ap.add_argument("--no-landscape", action="store_true", help="skip the landscape step "
                    "(io and pi under every backend and real CPython's threads, processes "
                    "and asyncio, into landscape.csv and landscape.png)")
    ap.add_argument("--rep-timeout", default=REP_TIMEOUT, help="the longest one repetition "
                    "may take before the launch ends with exit 3 (default %s, far above any "
                    "kernel's full size; none: no limit)" % REP_TIMEOUT)
    ap.add_argument("--dry-run", action="store_true", help="print the launches, run nothing")
    version.add_option(ap)
    args = ap.parse_args(argv)
    args.harness_args = harness_args

    if args.budget is not None and not args.budget > 0:
        fail("sweep", "--budget %g: must be above 0 seconds" % args.budget)
    if args.size and args.rep_time:
        fail("sweep", "--size and --rep-time both choose the size: give one")
    for name in ("reps", "warmup"):
        v = getattr(args, name)
        if v is not None and v < (1 if name == "reps" else 0):
            fail("sweep", "--%s %d: must be at least %d" % (name, v, 1 if name == "reps" else 0))
    args.parscale = binary.find_parscale("sweep", args.parscale)
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

    kinfo, props, list_json = discover(args.parscale)
    known_k, known_b = list(kinfo), list(props)
    default_k = [k for k in MODES["quick"]["kernels"] if k in known_k] if args.quick \
        else known_k
    kernels = _csv_list(args.kernels, "kernels") if args.kernels else default_k
    backends = _csv_list(args.backends, "backends") if args.backends else known_b
    for what, asked, known in (("kernel", kernels, known_k), ("backend", backends, known_b)):
        unknown = [x for x in asked if x not in known]
        if unknown:
            fail("sweep", binary.unknown_message(what, unknown, known, json.loads(list_json)))
    mpirun = shutil.which(args.mpirun) if args.mpirun != "none" else None
    needs_mpi = [b for b in backends if props[b]["mpi"]]
    if not mpirun and needs_mpi:
        print("sweep: %s not found: skipping the %s backend(s) (install openmpi-bin)"
              % (args.mpirun, "/".join(needs_mpi)), file=sys.stderr)
        backends = [b for b in backends if b not in needs_mpi]
    if not backends:
        fail("sweep", "no backend left to run")

    host = socket.gethostname().split(".")[0] or "host"
    out = Path(args.out) if args.out else \
        REPO / "results" / ("%s-%s" % (host, datetime.date.today().isoformat()))
    args.csv = (out / CSV_NAME).resolve()
    args.landscape_csv = (out / LANDSCAPE_CSV).resolve()
    launches = plan(args, kernels, backends, mpirun, props, kinfo)
    scape = [] if args.no_landscape else landscape_plan(args, props, mpirun, backends)
    if not args.no_landscape and not all(k in known_k for k in ("io", "pi")):
        print("sweep: this parscale has no io or no pi kernel: skipping the landscape",
              file=sys.stderr)
        scape = []
    check_csv(args.csv)
    if scape:
        check_csv(args.landscape_csv)
    if args.dry_run:
        for argv_ in [l.argv for l in launches] + [a for _, a, _ in scape]:
            print(" ".join(shlex.quote(a) for a in argv_))
        if any(l.sized_by_previous and "--rep-time" in l.argv for l in launches):
            print("sweep: an MPI launch takes the sizes the launch before it chose "
                  "(--size KERNEL=N in place of --rep-time)", file=sys.stderr)
        return 0
    try:
        schema_mod.load()
    except schema_mod.SchemaError as e:
        fail("sweep", str(e))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        fail("sweep", "--out %s: cannot create it: %s" % (out, e.strerror or e))
    args.folder_lock = hold_folder(out)  # held until the sweep ends
    if list_json:
        safeio.write_atomic(out / kerninfo.KERNELS_JSON, list_json)

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
        for argv_ in [l.argv for l in launches] + [a for _, a, _ in scape]:
            log.write(" ".join(shlex.quote(a) for a in argv_) + "\n")

    status = 0
    try:
        sizes = None
        for i, launch in enumerate(launches, 1):
            argv_ = launch.argv
            if launch.sized_by_previous:
                argv_ = sized_like_previous(argv_, sizes, kernels)
                if argv_ is not launch.argv:
                    with open(out / "sweep.log", "a", encoding="utf-8") as log:
                        log.write("# sized as the launch before: " +
                                  " ".join(shlex.quote(a) for a in argv_) + "\n")
            start = _count_rows(args.csv)
            rc, _ = run_launch(launch.label, argv_, launch.expected, args.csv, env, i,
                               len(launches))
            sizes = sizes_written(args.csv, start, launch.scaling)
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
                    # quick: start-up cost only (null, whether or not the sweep
                    # measures it: another kernel would time its own work, a
                    # quarter of a second a process); the full study adds pi
                    kernels=",".join(k for k in (("null",) if args.quick else ("null", "pi"))
                                     if k in known_k and (k == "null" or k in kernels))
                    or kernels[0],
                    backends=",".join(backends),
                    workers=",".join(str(w) for w in sorted({1, min(cores, max(args.workers_list))})),
                    size="quick",
                    runs=3 if args.quick else 10, warmup=1 if args.quick else 2)
                if e2e.run(ns) != 0:
                    status = 1
            else:
                print("sweep: hyperfine not found: skipping end-to-end timing "
                      "(sudo apt-get install hyperfine)", file=sys.stderr)
        if scape:
            print("\n== the landscape: io and pi under every backend, into %s"
                  % args.landscape_csv, file=sys.stderr)
            status = max(status, run_landscape(args, scape, env))
    except KeyboardInterrupt:
        print("\nsweep: interrupted; %d finished rows are kept in %s. Run the same "
              "command again to add to it." % (_count_rows(args.csv), args.csv),
              file=sys.stderr)
        return 130
    if _count_rows(args.csv) == 0:
        fail("sweep", "no rows were written to %s" % args.csv, status=1)
    if args.no_charts:
        return status
    from . import report
    from ..render import plots
    print("\n== charts and report", file=sys.stderr)
    try:
        a = analysis.analyse(args.csv)
        kinfo, src = kerninfo.find(args.csv, None, args.parscale)
        fmts = chart_formats(args)
        made, _ = plots.make_all(a, out, kinfo, src, log=lambda m: print(m, file=sys.stderr),
                                 formats=fmts)
        print("plot: %d charts (x %s) in %s" % (len(made), "/".join(fmts), out),
              file=sys.stderr)
        report.write(args.csv, out, charts_dir=out, parscale=args.parscale,
                     log=lambda m: print(m, file=sys.stderr), formats=fmts)
    except analysis.DataError as e:
        fail("sweep", str(e))
    if scape and _count_rows(args.landscape_csv) > 0:
        from . import landscape
        try:
            png = landscape.make(args.landscape_csv, out,
                                 log=lambda m: print(m, file=sys.stderr),
                                 formats=chart_formats(args))
            print("landscape: %s" % png, file=sys.stderr)
        except analysis.DataError as e:
            status = 1
            print("sweep: no landscape chart: %s" % e, file=sys.stderr)
    print("sweep: done: %s (%d rows)" % (out, _count_rows(args.csv)), file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
