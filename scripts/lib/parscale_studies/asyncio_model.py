"""asyncio-model -- parscale's event loop timed as CPython's asyncio is,
checked against real asyncio on the same waits, on one core.

    scripts/studies/asyncio-model [--rounds R] [--out DIR] [--replace]
                                  [--tasks T] [--waits N] [--parscale PATH]

parscale's async backend is an event loop in C: it sleeps on a timerfd to
the microsecond and spends well under a microsecond per task step.  Real
asyncio differs in two ways, and this study measures whether those two
explain the difference in speedup:

  - its selector loop passes epoll_wait a timeout in whole milliseconds,
    rounded up (--async-timer ms does the same);
  - the interpreter spends CPU time on every task step and timer
    (--async-step-cost T spends T per step).

1. Calibration, before anything else: the CPU time per timed wait of real
   asyncio (cpython-bench, T tasks, waits of 1 us: every timer is due by
   the time the loop looks, so the loop only computes) minus parscale's own
   at the same: that difference is the step cost given to parscale.
2. Interleaved rounds (each round runs every invocation once, in a new
   shuffled order; the first round is a warm-up): io with N waits of 1 ms
   at 1 and T tasks, under real asyncio and under parscale's async with
   neither, either and both of asyncio's ways.
3. A table of speedups (T tasks over 1 task on the same loop and timing:
   asyncio's own one-task run has its rounding too), and the verdict:
   PASS when parscale with both of asyncio's ways is within 20% of real
   asyncio at T tasks; exit status 1 otherwise.

Everything is pinned to one CPU (taskset), as a single-threaded event loop
is.  Every row goes to DIR/asyncio-model.csv.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from parscale_py import version
from parscale_py.binary import find_parscale, require
from parscale_py.common import fail
from parscale_py.interpreters import cpython_env
from parscale_py.stats import median
from .interleave import Plan, claim, load

PROG = "asyncio-model"
MARGIN = 0.20  # the model must land within this share of real asyncio's speedup
CAL_WAITS_PER_TASK = 100

# parscale's timings: (label, timer, whether the step cost is spent)
TIMINGS = (
    ("parscale async (C loop)", "precise", False),
    ("  + whole-ms timeouts", "ms", False),
    ("  + per-step cost only", "precise", True),
    ("  + both: asyncio's timing", "ms", True),
)


def pin_prefix():
    """taskset onto the first CPU this process may use, or [] (with a
    note) where taskset is missing or not allowed to pin."""
    exe = shutil.which("taskset")
    cpu = min(os.sched_getaffinity(0))
    if not exe or subprocess.run([exe, "-c", str(cpu), "true"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL).returncode != 0:
        print("%s: %s: running unpinned" % (PROG, "taskset cannot pin here" if exe else
                                            "no taskset (Debian: util-linux)"))
        return [], None
    return [exe, "-c", str(cpu)], cpu


def run_rows(prog, argv, what, env=None):
    """The verified rows of one command that appends to the CSV named by
    its last argument; status 1 naming what failed when it fails."""
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    rows = load(argv[-1]) if r.returncode == 0 else []
    if not rows:
        fail(prog, "%s failed (status %d): %s" % (what, r.returncode, r.stderr.strip()[-500:]),
             status=1)
    return rows


def per_wait(rows, waits):
    return median(float(r["seconds"]) for r in rows) / waits


def calibrate(pin, exe, py, tasks, reps):
    """(asyncio's seconds per timed wait, parscale's, the step cost in ns)
    at tasks tasks and waits of 1 us."""
    n = tasks * CAL_WAITS_PER_TASK
    with tempfile.TemporaryDirectory(prefix="parscale-asyncio-model-") as d:
        py_rows = run_rows(PROG, pin + [py, "-m", "parscale_py.cpython.cpython_bench", "-q", "-k", "io",
                                        "-b", "asyncio", "-w", str(tasks), "-s", str(n),
                                        "--io-wait-us", "1", "-r", str(reps), "--warmup", "1",
                                        "--csv", os.path.join(d, "py.csv")],
                           "calibrating real asyncio", env=cpython_env())
        ps_rows = run_rows(PROG, pin + [exe, "run", "-q", "-k", "io", "-b", "async", "-w",
                                        str(tasks), "-s", str(n), "--param", "io.wait_us=1",
                                        "--no-baseline", "-r", str(reps), "--warmup", "1",
                                        "--csv", os.path.join(d, "ps.csv")],
                           "calibrating parscale's loop")
    c_py, c_ps = per_wait(py_rows, n), per_wait(ps_rows, n)
    return c_py, c_ps, max(0, int(round((c_py - c_ps) * 1e9)))


def params_of(row):
    return dict(kv.split("=", 1) for kv in (row.get("params") or "").split(";") if "=" in kv)


def figures(rows, backend, tasks, timer=None, step=None):
    """(seconds at 1 task, at tasks tasks, lateness median at tasks tasks)
    of one loop and timing; NaN where no row."""
    nan = float("nan")

    def pick(w):
        out = []
        for r in rows:
            p = params_of(r)
            if r["backend"] != backend or int(r["workers"]) != w or r["kernel"] != "io":
                continue
            if timer is not None and (p.get("timer", "precise") != timer
                                      or ("step_cost_us" in p) != step):
                continue
            out.append(r)
        return out

    one, many = pick(1), pick(tasks)
    t1 = median(float(r["seconds"]) for r in one) if one else nan
    tn = median(float(r["seconds"]) for r in many) if many else nan
    late = [float(r["loop_lateness_median"]) for r in many if r.get("loop_lateness_median")]
    return t1, tn, (median(late) if late else nan)


def python_version(py):
    r = subprocess.run([py, "-c", "import platform; print(platform.python_implementation(), "
                        "platform.python_version())"], stdout=subprocess.PIPE, text=True)
    return r.stdout.strip() or py


def main(argv=None):
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5; +1 warm-up)")
    ap.add_argument("--out", default="results", help="folder for asyncio-model.csv")
    ap.add_argument("--replace", action="store_true",
                    help="make DIR/asyncio-model.csv again when it exists")
    ap.add_argument("--tasks", type=int, default=64, help="tasks on the loop (default 64)")
    ap.add_argument("--waits", type=int, default=640,
                    help="waits of 1 ms in all (default 640: 10 per task at 64 tasks)")
    ap.add_argument("--parscale", help="the parscale binary (default $PARSCALE, then "
                    "build/parscale, then PATH)")
    version.add_option(ap)
    a = ap.parse_args(argv)
    if a.rounds < 1:
        ap.error("--rounds must be at least 1")
    if not 2 <= a.tasks <= 4096:
        ap.error("--tasks must be from 2 to 4096")
    if a.waits < a.tasks:
        ap.error("--waits must be at least --tasks (%d), so that every task waits" % a.tasks)
    out = Path(a.out)
    csvp = out / "asyncio-model.csv"
    claim(PROG, [csvp], a.replace)
    exe = find_parscale(PROG, a.parscale)
    require(PROG, exe, ("async",))
    out.mkdir(parents=True, exist_ok=True)
    pin, cpu = pin_prefix()
    plan = Plan(PROG, exe, csvp, a.rounds, seed=15)
    py = plan.py
    print("%s: %s and parscale %s, %s; %d round%s (+1 warm-up), interleaved"
          % (PROG, python_version(py), exe, "pinned to CPU %d" % cpu if pin else "unpinned",
             a.rounds, "" if a.rounds == 1 else "s"), flush=True)

    c_py, c_ps, step = calibrate(pin, exe, py, a.tasks, max(3, a.rounds))
    print("calibration, %d tasks, waits of 1 us: real asyncio %.2f us per wait, parscale's "
          "loop %.2f us: step cost %.2f us" % (a.tasks, c_py * 1e6, c_ps * 1e6, step * 1e-3),
          flush=True)

    size = ["-k", "io", "-w", "1,%d" % a.tasks, "-s", str(a.waits)]
    plan.cpython("-b", "asyncio", *size, prefix=pin)
    for _, timer, with_step in TIMINGS:
        plan.parscale("-b", "async", "--no-baseline", *size, "--async-timer", timer,
                      "--async-step-cost", "%dns" % step if with_step else "0", prefix=pin)
    rows = plan.run(PROG)
    return report(rows, a.tasks, a.waits, step)


def report(rows, tasks, waits, step):
    """The table and the verdict; 1 when the model misses real asyncio."""
    print("\nio: %d waits of 1 ms, medians of the rounds; speedup = time at 1 task / time at "
          "%d tasks, on the same loop and timing" % (waits, tasks))
    print("%-30s %10s %10s %8s %12s" % ("loop", "1 task", "%d tasks" % tasks, "speedup",
                                        "late, median"))

    def line(label, t1, tn, late):
        print("%-30s %8.1f ms %8.2f ms %8.2f %9.3f ms" % (label, t1 * 1e3, tn * 1e3, t1 / tn,
                                                         late * 1e3))
        return t1 / tn

    s_real = line("real asyncio", *figures(rows, "cpython-asyncio", tasks))
    speed = {}
    for label, timer, with_step in TIMINGS:
        speed[(timer, with_step)] = line(label, *figures(rows, "async", tasks, timer, with_step))
    print("(step cost %.2f us; late: how long after its deadline a waiting task resumed)"
          % (step * 1e-3))
    model, c_loop = speed[("ms", True)], speed[("precise", False)]
    ok = abs(model / s_real - 1) <= MARGIN
    print("\n%s  parscale async with asyncio's timing within %d%% of real asyncio at %d tasks: "
          "%.2f vs %.2f (ratio %.3f)" % ("PASS" if ok else "FAIL", MARGIN * 100, tasks, model,
                                         s_real, model / s_real))
    if abs(c_loop / s_real - 1) <= MARGIN:
        why = "within %d%% already: at this size the two ways cost little" % (MARGIN * 100)
    elif ok:
        why = "asyncio's two ways, together, account for the difference"
    else:
        why = "asyncio's two ways do not account for the difference"
    print("info  parscale async as a C loop against real asyncio: %.2f vs %.2f (ratio %.3f); %s"
          % (c_loop, s_real, c_loop / s_real, why))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
