"""cpython-bench -- the count, pi and io kernels in pure Python, run with
threading, multiprocessing and asyncio on the interpreter that runs this
script, measured interleaved, appended to a CSV in parscale's schema.

The hashmix kernel is real CPython releasing its GIL, the counterpart of
parscale's --gil-release F: each tick of --tick-us microseconds runs the
count loop (holding the GIL) for 1-F of it and hashlib.sha256 over a buffer
(which releases the GIL for buffers of 2 KiB and more) for F of it.  The
loop count and the buffer size come from timing both alone, on one thread,
before anything is measured; the fraction measured then goes to the params
column.

Real CPython beside the emulated lock: rows carry backend cpython-threads,
cpython-processes or cpython-asyncio(-to-thread, -processes); the
interpreter's version, switch interval and whether it is a free-threaded
build go to FILE.meta.jsonl, one line per run_id, as the harness writes its
metadata.

The steal column is the hypervisor's share of the CPU time during each
repetition, from /proc/stat.  Where the cumulative steal of its aggregate
cpu line is 0 when the run starts, the hypervisor does not report steal:
the column is left empty and the metadata says steal_reported: false.
($PARSCALE_PROC_STAT names another file to read, for tests.)

The other ways Python runs things at once (pybackends.py; each skipped, by
name, where this interpreter or its libraries cannot run it):
subinterpreters and subinterpreters-shared (3.12+: a GIL per interpreter,
or one for all), cython-nogil and cython-gil (the loops compiled by Cython,
run inside `with nogil:` or holding the lock; named sizes are
COMPILED_SCALE times larger for them), trio and uvloop (io).  Every row's
params end with python_version=V;python_gil=K (old, new, per-interpreter,
none).

--python PATH[,PATH...] (or all: every interpreter under pyenv and on
PATH, one per version) runs on each in turn, rows into one CSV; Python 2
runs py2bench (threads; count, pi, io) with the same loops (pykernels), and
--check-interval N sets its check interval.

    scripts/studies/cpython-bench --csv out.csv               # quick sizes
    scripts/studies/cpython-bench --python all -k count,pi -b threads --csv all.csv
    PARSCALE_CPYTHON=python3.13t scripts/studies/cpython-bench -k pi -w 1,2 -r 7 --csv out.csv

It runs on the interpreter under study ($PARSCALE_CPYTHON, else python3 on
PATH), any CPython 3.6 or later (asyncio 3.7, asyncio-to-thread 3.9):
standard library only, but for Cython, Trio and uvloop.

The asyncio backends run w tasks on one event loop (a new loop per run,
reused by every repetition): `asyncio` awaits asyncio.sleep per io index
and runs compute kernels as coroutines that never await (so its tasks run
one after another); `asyncio-to-thread` sends each task's share to the
default thread pool with asyncio.to_thread; `asyncio-processes` to a
ProcessPoolExecutor of w processes with loop.run_in_executor.
--cpu-tasks N adds tasks that compute for --cpu-stretch-ms between awaits
of asyncio.sleep(0) until the measured tasks are done: the blocking call
inside a coroutine, whose cost is the waiting tasks' lateness.  Rows carry
loop_switches (resumptions of another task than the one resumed last) and,
where the loop itself waits (asyncio, io), loop_lateness_median and _p99:
per wait, the loop's clock at the task's resumption minus the sleep's
deadline (taken just before the await).

Speedups are against the same backend at 1 worker (one thread, or a pool
of one process): the interpreter's own sequential speed.  The process pool
is started, and its workers warmed, before anything is timed, as an MPI
launch is not timed.  All workers of a repetition start at one barrier; a
repetition's time is from the first worker's start to the last one's end.
"""
import argparse
import asyncio
import concurrent.futures
import hashlib
import json
import multiprocessing as mp
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

from .. import version
from .. import schema as ps_schema
from ..common import fail, machine_cores
from ..stats import median, quantile
from . import pybackends
from .pykernels import (cpu_ticks as _cpu_ticks, k_count, k_io, k_pi, partition, run_team,
                        verify_simple)


# name: (rate unit, rate per index, flops per index, sizes test/quick/full)
KERNELS = {
    "count": ("Giter/s", 1e-9, 0.0, (100000, 10000000, 100000000)),
    "pi": ("Gintervals/s", 1e-9, 6.0, (100000, 4000000, 40000000)),
    "io": ("waits/s", 1.0, 0.0, (10, 200, 2000)),
    # sizes in seconds of one-thread work; the index count is that / tick
    "hashmix": ("ticks/s", 1.0, 0.0, (0.02, 0.4, 4.0)),
}
HASHLIB_GIL_MINSIZE = 2048  # hashlib keeps the GIL for shorter buffers


# ---- the kernels: the same work as kernels/*.c, in pure Python ------------

_HASH_BUF = {}  # size -> (buffer, digest), per process


def hash_buffer(size):
    """A fixed buffer of size bytes and its SHA-256 digest, made once."""
    if size not in _HASH_BUF:
        buf = (bytes(range(256)) * (size // 256 + 1))[:size]
        _HASH_BUF[size] = (buf, hashlib.sha256(buf).digest())
    return _HASH_BUF[size]


def hash_part(buf):
    """The part of a tick run with the GIL released (update() of >= 2 KiB)."""
    h = hashlib.sha256()
    h.update(buf)
    return h.digest()


def k_hashmix(n, lo, hi, opt):
    """hi - lo ticks of loop (GIL held) then hash (GIL released); returns how
    many ticks gave both the right count and the right digest."""
    loop, size = opt["loop"], opt["hash_bytes"]
    buf, digest = hash_buffer(size) if size else (b"", b"")
    good = 0
    for _ in range(lo, hi):
        ok = k_count(0, 0, loop) == loop
        if size:
            ok = hash_part(buf) == digest and ok
        good += ok
    return good


FUNCS = {"count": k_count, "pi": k_pi, "io": k_io, "hashmix": k_hashmix}


def verify(kernel, n, total):
    """The closed forms of kernels/*.c; returns '' or why it failed."""
    if kernel == "hashmix":
        return "" if total == n else "%d of %d ticks gave a wrong count or digest" % (n - total, n)
    return verify_simple(kernel, n, total)


# ---- one repetition ---------------------------------------------------------

def timed_part(kernel, n, lo, hi, barrier, opt):
    """Waits for every worker, then runs its part; returns (start, end, result)
    on the system-wide monotonic clock, so processes' times compare."""
    fn = FUNCS[kernel]  # looked up before the clock starts
    barrier.wait()
    t0 = time.perf_counter()
    r = fn(n, lo, hi, opt)
    return t0, time.perf_counter(), r


def rep_threads(kernel, n, w, opt, cpu_threads=0, late=None, io_threads=0):
    """One repetition on w threads of this interpreter; cpu_threads more
    threads spin in the count loop beside them until they are done (the
    convoy effect), and io_threads more sleep opt["wait"] at a time, both
    untimed (pykernels.run_team).  Given a list, late gets io's wake
    latencies (pykernels.k_io)."""
    fn = FUNCS[kernel]  # looked up before the clock starts
    if late is not None:
        opt = dict(opt, late=late, clock=time.perf_counter)
    return run_team(n, w, lambda lo, hi: fn(n, lo, hi, opt),
                    threading.Barrier(w + cpu_threads + io_threads), time.perf_counter,
                    cpu_threads, io_threads, opt["wait"])


_POOL_BARRIER = None  # set in each pool process by its initializer


def _pool_init(barrier, hash_bytes):
    """Pool initializer: the barrier every task of a repetition waits on, and
    hashmix's buffer, made here so that no repetition times its making."""
    global _POOL_BARRIER
    _POOL_BARRIER = barrier
    if hash_bytes:
        hash_buffer(hash_bytes)


def _pool_task(args):
    """A pool worker's part.  w tasks on w workers: each worker blocks in the
    barrier with one task, so no worker can take two."""
    kernel, n, lo, hi, opt = args
    return timed_part(kernel, n, lo, hi, _POOL_BARRIER, opt)


def _pool_ping(_):
    return os.getpid()


def start_method():
    return "fork" if "fork" in mp.get_all_start_methods() else "spawn"


def make_pool(w, hash_bytes=0):
    """A pool of w processes, started and warmed before any timing."""
    ctx = mp.get_context(start_method())
    pool = ctx.Pool(w, initializer=_pool_init, initargs=(ctx.Barrier(w), hash_bytes))
    pool.map(_pool_ping, range(4 * w), chunksize=1)  # every worker is up
    return pool


def rep_processes(pool, kernel, n, w, opt):
    tasks = [(kernel, n) + partition(n, w, i) + (opt,) for i in range(w)]
    return pool.map(_pool_task, tasks, chunksize=1)


# ---- asyncio: w tasks on one event loop --------------------------------------

ASYNC_MODES = ("asyncio", "asyncio-to-thread", "asyncio-processes")
MODES = ("threads", "processes") + ASYNC_MODES + pybackends.MODES


class LoopStats:
    """What the loop did in one repetition, recorded by the tasks themselves:
    switches (a task resumed after another one ran), the lateness of each
    io wait, and optionally a trace of (event, task, loop time)."""

    def __init__(self, trace=None):
        self.last = None
        self.switches = 0
        self.lateness = []
        self.trace = trace

    def resumed(self, task, now=None):
        if self.last is not None and self.last != task:
            self.switches += 1
        self.last = task
        if self.trace is not None:
            self.trace.append(("run", task, now))


async def _io_task(i, n, lo, hi, opt, st):
    """hi - lo waits handed to the loop: each await asyncio.sleep lets the
    other tasks run; lateness is resumption minus the deadline."""
    loop = asyncio.get_running_loop()
    wait = opt["wait"]
    st.resumed(i)
    t0 = time.perf_counter()
    for _ in range(lo, hi):
        deadline = loop.time() + wait
        if st.trace is not None:
            st.trace.append(("sleep", i, deadline))
        await asyncio.sleep(wait)
        now = loop.time()
        st.resumed(i, now)
        st.lateness.append(now - deadline)
    return t0, time.perf_counter(), hi - lo


async def _compute_task(i, kernel, n, lo, hi, opt, st):
    """A coroutine that never awaits: it holds the loop from start to end."""
    fn = FUNCS[kernel]
    st.resumed(i)
    t0 = time.perf_counter()
    r = fn(n, lo, hi, opt)
    return t0, time.perf_counter(), r


def _run_part(kernel, n, lo, hi, opt):
    """A task's share, run in a pool thread or process."""
    return FUNCS[kernel](n, lo, hi, opt)


async def _executor_task(i, pool, kernel, n, lo, hi, opt, st):
    """A task that hands its share to a pool (None: the loop's default
    thread pool, as asyncio.to_thread does) and waits for it; timed from the
    loop's side, so the handoff is part of the time."""
    st.resumed(i)
    t0 = time.perf_counter()
    if pool is None:
        r = await asyncio.to_thread(_run_part, kernel, n, lo, hi, opt)
    else:
        r = await asyncio.get_running_loop().run_in_executor(pool, _run_part, kernel, n, lo,
                                                           hi, opt)
    st.resumed(i)
    return t0, time.perf_counter(), r


async def _cpu_task(i, stretch, done, st):
    """The pitfall: compute (the count loop) for stretch seconds, then give
    the loop back once (asyncio.sleep(0)), until done is set."""
    while not done:
        st.resumed(i)
        end = time.perf_counter() + stretch
        while time.perf_counter() < end:
            k_count(0, 0, 1000)
        await asyncio.sleep(0)


def rep_asyncio(loop, mode, kernel, n, w, opt, cpu_tasks=0, stretch=0.01, pool=None,
                trace=None):
    """One repetition of w tasks under asyncio.gather on loop; cpu_tasks
    computing tasks, created first, run beside them until they are done.
    Returns ([(start, end, result)] per task, LoopStats).  pool: the
    ProcessPoolExecutor of asyncio-processes, None for the others."""
    if (mode == "asyncio-processes") != (pool is not None):
        raise ValueError("%s with %s pool" % (mode, "a" if pool is not None else "no"))
    st = LoopStats(trace)

    def part(i):
        lo, hi = partition(n, w, i)
        if mode == "asyncio":
            if kernel == "io":
                return _io_task(i, n, lo, hi, opt, st)
            return _compute_task(i, kernel, n, lo, hi, opt, st)
        return _executor_task(i, pool, kernel, n, lo, hi, opt, st)

    async def main():
        done = []
        hogs = [asyncio.ensure_future(_cpu_task(w + j, stretch, done, st))
                for j in range(cpu_tasks)]
        try:
            res = await asyncio.gather(*[part(i) for i in range(w)])
        finally:
            done.append(1)
            await asyncio.gather(*hogs)
        return list(res)

    return loop.run_until_complete(main()), st


def _pid_after(secs):
    time.sleep(secs)
    return os.getpid()


def make_process_executor(w, hash_bytes=0):
    """A ProcessPoolExecutor of w processes, all started before any timing:
    w tasks that each sleep make it start a process for each."""
    ctx = mp.get_context(start_method())
    ex = concurrent.futures.ProcessPoolExecutor(
        w, mp_context=ctx, initializer=hash_buffer if hash_bytes else None,
        initargs=(hash_bytes,) if hash_bytes else ())
    list(ex.map(_pid_after, [0.05] * w))
    return ex


def default_pool_size():
    """Threads in asyncio's default executor (ThreadPoolExecutor's default):
    min(32, CPUs + 4)."""
    cpus = os.process_cpu_count() if hasattr(os, "process_cpu_count") else os.cpu_count()
    return min(32, (cpus or 1) + 4)


def lateness_cells(st):
    """The loop statistics columns of one repetition."""
    return dict(late_cells(st.lateness), loop_switches=st.switches)


def late_cells(lateness):
    """The lateness columns of one repetition's waits (none without waits)."""
    if not lateness:
        return {}
    return {"loop_lateness_median": "%.9g" % median(lateness),
            "loop_lateness_p99": "%.9g" % quantile(lateness, 0.99)}


# ---- hashmix: calibrated before anything is timed ----------------------------

def _rate(fn, unit):
    """Seconds per unit of fn(k), from the fastest of three timings of a k
    that takes at least 20 ms."""
    k = unit
    while True:
        t0 = time.perf_counter()
        fn(k)
        if time.perf_counter() - t0 >= 0.02:
            break
        k *= 2
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        fn(k)
        best = min(best, time.perf_counter() - t0)
    return best / k


def calibrate_hashmix(release, tick_s):
    """The loop count and hashed bytes that make one tick last tick_s with
    the fraction release of it in hashlib; and the fraction (the median over
    a test of 20 ticks on one thread) that they then give.  Raises ValueError when the hashed
    part would be too short for hashlib to release the GIL."""
    per_iter = _rate(lambda k: k_count(0, 0, k), 10000)
    big, _ = hash_buffer(1 << 20)
    per_byte = _rate(lambda k: [hash_part(big) for _ in range(k >> 20)], 1 << 20)
    loop = max(1, int(round((1.0 - release) * tick_s / per_iter)))
    size = int(round(release * tick_s / per_byte)) if release > 0 else 0
    if release > 0 and size < HASHLIB_GIL_MINSIZE:
        raise ValueError("--gil-release %g with --tick-us %g hashes %d bytes a tick, under "
                         "the %d below which hashlib keeps the GIL; use a longer tick"
                         % (release, tick_s * 1e6, size, HASHLIB_GIL_MINSIZE))
    buf, _ = hash_buffer(size) if size else (b"", b"")
    shares, lengths = [], []
    for _ in range(20):
        t0 = time.perf_counter()
        k_count(0, 0, loop)
        t1 = time.perf_counter()
        if size:
            hash_part(buf)
        t2 = time.perf_counter()
        shares.append((t2 - t1) / (t2 - t0))
        lengths.append(t2 - t0)
    # medians over the ticks: a tick the OS preempted (a loaded machine, a
    # hypervisor taking the CPU) moves one of 20 values, not the figure
    return {"loop": loop, "hash_bytes": size,
            "measured_release": median(shares),
            "measured_tick_us": median(lengths) * 1e6}


# ---- the run ----------------------------------------------------------------

PROC_STAT_ENV = "PARSCALE_PROC_STAT"  # another /proc/stat to read (tests)


def proc_stat_path():
    """/proc/stat, or the file named by $PARSCALE_PROC_STAT."""
    return os.environ.get(PROC_STAT_ENV) or "/proc/stat"


def cpu_ticks(path=None):
    """(all CPU time, stolen time) from /proc/stat (pykernels.cpu_ticks)."""
    return _cpu_ticks(path or proc_stat_path())


def steal_reported(ticks):
    """Whether this machine reports steal at all.  Some hypervisors never
    fill the field, so 0 there means "not reported", not "quiet host".  The
    rule: steal is reported iff the aggregate line's cumulative steal is
    above 0 when the run starts (any guest that has run for a while under a
    hypervisor that reports it has been stolen from at least once)."""
    return bool(ticks) and ticks[1] > 0


def steal_share(t0, t1, reported=True):
    """The share of CPU time the hypervisor gave to other guests between two
    cpu_ticks() readings, as the harness's steal column; '' when steal is
    not reported or no clock tick passed between the readings."""
    if not reported or not t0 or not t1 or t1[0] <= t0[0]:
        return ""
    return "%.4g" % ((t1[1] - t0[1]) / (t1[0] - t0[0]))


def free_threaded():
    """(build is free-threaded, GIL enabled at run time)."""
    build = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    enabled = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    return build, enabled


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="cpython-bench", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-k", "--kernel", default="count,pi,io",
                    help="count,pi,io,hashmix (default count,pi,io)")
    ap.add_argument("-b", "--backend", default="threads,processes",
                    help="threads,processes,asyncio,asyncio-to-thread,asyncio-processes,"
                         "subinterpreters,subinterpreters-shared,cython-nogil,cython-gil,"
                         "trio,uvloop (default threads,processes); one that cannot run "
                         "here is skipped, by name")
    ap.add_argument("--python", metavar="PATH[,PATH...]|all",
                    help="run on each of these interpreters in turn (all: every one "
                         "under pyenv and on PATH, one per version), rows into one CSV; "
                         "an absent one is skipped, by name")
    ap.add_argument("--check-interval", type=int, default=None, metavar="N",
                    help="Python 2 only: sys.setcheckinterval(N) first (the old lock's "
                         "bytecodes between releases; default: leave it, 100)")
    ap.add_argument("-w", "--workers", default="1,2", help="worker counts (default 1,2)")
    ap.add_argument("-s", "--size", default="quick", help="test|quick|full or an index count")
    ap.add_argument("-r", "--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--switch-interval", type=float, default=None,
                    help="sys.setswitchinterval(S) first (seconds); default: leave it")
    ap.add_argument("--cpu-threads", type=int, default=0,
                    help="threads backend: N more threads running the count loop "
                         "beside the measured ones (convoy effect); threads = w + N")
    ap.add_argument("--io-threads", type=int, default=0,
                    help="threads backend: N more threads sleeping --io-wait-us at a time "
                         "beside the measured ones (the convoy's cost to CPU-bound ones); "
                         "threads = w + --cpu-threads + N")
    ap.add_argument("--cpu-tasks", type=int, default=0,
                    help="asyncio backends: N more tasks on the loop computing (the "
                         "count loop) for --cpu-stretch-ms between awaits (the pitfall); "
                         "threads stay 1")
    ap.add_argument("--cpu-stretch-ms", type=float, default=10.0,
                    help="how long a --cpu-tasks task computes before it gives the loop "
                         "back, in milliseconds (default 10)")
    ap.add_argument("--io-wait-us", type=float, default=1000.0,
                    help="length of one io wait in microseconds, as parscale's "
                         "--param io.wait_us (default 1000)")
    ap.add_argument("--gil-release", type=float, default=0.0, metavar="F",
                    help="hashmix: fraction 0 <= F < 1 of each tick spent in hashlib, "
                         "with the GIL released (default 0)")
    ap.add_argument("--tick-us", type=float, default=1000.0,
                    help="hashmix: length of one tick on one thread, in "
                         "microseconds (default 1000)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("-o", "--csv", help="append rows here (metadata: CSV.meta.jsonl)")
    ap.add_argument("-q", "--quiet", action="store_true")
    version.add_option(ap)
    a = ap.parse_args(argv)
    a.kernels = a.kernel.split(",")
    a.modes = a.backend.split(",")
    try:
        a.workers = [int(x) for x in a.workers.split(",")]
    except ValueError:
        ap.error("--workers: '%s' is not a list of counts" % a.workers)
    for k in a.kernels:
        if k not in KERNELS:
            ap.error("unknown kernel '%s' (count, pi, io, hashmix)" % k)
    for m in a.modes:
        if m not in MODES:
            ap.error("unknown backend '%s' (%s)" % (m, ", ".join(MODES)))
    if "asyncio-to-thread" in a.modes and not hasattr(asyncio, "to_thread"):
        ap.error("backend asyncio-to-thread needs asyncio.to_thread (Python 3.9 or later); "
                 "this is Python %s" % platform.python_version())
    if a.cpu_tasks < 0 or a.cpu_threads < 0 or a.io_threads < 0:
        ap.error("--cpu-tasks, --cpu-threads and --io-threads must be 0 or more")
    if a.cpu_tasks and not any(m in ASYNC_MODES for m in a.modes):
        ap.error("--cpu-tasks applies to the asyncio backends only (for threads: "
                 "--cpu-threads)")
    if not 0.01 <= a.cpu_stretch_ms <= 10000:
        ap.error("--cpu-stretch-ms must be from 0.01 to 10000, not %g" % a.cpu_stretch_ms)
    if a.reps < 1 or a.warmup < 0 or min(a.workers) < 1:
        ap.error("--reps, --warmup and --workers must be positive")
    if not 0.0 <= a.gil_release < 1.0:
        ap.error("--gil-release must be from 0 to below 1, not %g" % a.gil_release)
    if a.gil_release > 0 and "hashmix" not in a.kernels:
        ap.error("--gil-release applies to the hashmix kernel only: pure-Python "
                 "code cannot release the GIL")
    if not 10.0 <= a.tick_us <= 1e6:
        ap.error("--tick-us must be from 10 to 1000000, not %g" % a.tick_us)
    if a.check_interval is not None and a.check_interval < 1:
        ap.error("--check-interval must be 1 or more, not %d" % a.check_interval)
    if a.check_interval is not None and not a.python:
        ap.error("--check-interval applies to Python 2's old lock only (this is Python %s; "
                 "run 2.7 with --python, or use --switch-interval)" % platform.python_version())
    if a.size not in ("test", "quick", "full"):
        try:
            a.size = int(a.size)
        except ValueError:
            ap.error("--size: '%s' is not test, quick, full or a count" % a.size)
        if a.size < 1:
            ap.error("--size must be positive")
    return a


# Compiled loops run 20 to 100 times faster than pure Python: a named size
# is this many times larger for them, so that a repetition still lasts long
# enough (tenths of a second at quick) for starting threads not to count.
COMPILED_SCALE = 25


def size_of(kernel, size, tick_us, mode=None):
    """The index count: given, or the named size's (for hashmix, its seconds
    of one-thread work in ticks; for the Cython backends, COMPILED_SCALE
    times pure Python's)."""
    if isinstance(size, int):
        return size
    n = KERNELS[kernel][3][("test", "quick", "full").index(size)]
    if mode in pybackends.CYTHON_MODES:
        n *= COMPILED_SCALE
    return max(1, int(round(n / (tick_us * 1e-6)))) if kernel == "hashmix" else n


class Writer:
    """Appends whole rows under flock, as harness/csv.c does, after checking
    that the file's header is this schema's."""

    def __init__(self, path, sch):
        self.path, self.sch = path, sch
        self.header = ",".join(sch.columns) + "\n"
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            if os.path.exists(path) and os.path.getsize(path) > 0:
                with open(path) as f:
                    first = f.readline()
                if first != self.header:
                    fail("cpython-bench", "%s has another header (not %s); use a new file"
                         % (path, sch.name))

    def _append(self, path, text, header=None):
        import fcntl
        with open(path, "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.seek(0, os.SEEK_END)
            if header and f.tell() == 0:
                text = header + text
            f.write(text)
            f.flush()

    def row(self, values):
        if not self.path:
            return
        cells = []
        for c in self.sch.columns:
            v = str(values.get(c, ""))
            if any(ch in v for ch in ',"\n'):
                v = '"' + v.replace('"', '""') + '"'
            cells.append(v)
        self._append(self.path, ",".join(cells) + "\n", self.header)

    def meta(self, obj):
        if self.path:
            self._append(self.path + ".meta.jsonl", json.dumps(obj, sort_keys=True) + "\n")


def python_gil(mode=None):
    """The kind of lock this interpreter's threads run under, for the
    params column: new (3.2+), per-interpreter (the subinterpreters
    backend: a GIL each), none (a free-threaded build with the lock off)."""
    build_ft, gil_on = free_threaded()
    if build_ft and not gil_on:
        return "none"
    return "per-interpreter" if mode == "subinterpreters" else "new"


def joined(*parts):
    """params cells joined by ';', empty ones left out."""
    return ";".join(p for p in parts if p)


def skip_line(what, why):
    print("cpython-bench: skipped %s: %s" % (what, why), flush=True)


# modes by the threads and ranks a repetition of w workers uses: w threads
# of one process unless named here
ONE_THREAD = ("asyncio", "trio", "uvloop")


def threads_ranks(m, w, cpu_threads, pool_threads):
    if m == "processes" or m == "asyncio-processes":
        return 1, w
    if m == "threads":
        return w + cpu_threads, 1
    if m == "asyncio-to-thread":
        return min(w, pool_threads), 1
    return (1, 1) if m in ONE_THREAD else (w, 1)


def summary(configs, samples, lates):
    """The table: median seconds and speedup against the same backend at 1
    worker, with the loop's lateness where it was measured."""
    late = any(x for v in lates.values() for x in v)
    print("  %-8s %-30s %3s %12s %8s%s" % ("kernel", "backend", "w", "median s", "speedup",
                                           " %14s" % "late ms median" if late else ""))
    for (k, m, w) in configs:
        s = samples[(k, m, w)]
        base = samples.get((k, m, 1)) or []
        med = median(s) if s else float("nan")
        sp = median(base) / med if s and base else float("nan")
        lt = [float(x) for x in lates.get((k, m, w), []) if x]
        print("  %-8s %-30s %3d %12.4f %8.2f%s" % (
            k, "cpython-" + m, w, med, sp,
            (" %14.3f" % (median(lt) * 1e3) if lt else " %14s" % "") if late else ""))


def main(argv):
    a = parse_args(argv)
    if a.python:
        return run_many(a, argv)
    sch = ps_schema.load()
    if a.switch_interval is not None:
        sys.setswitchinterval(a.switch_interval)
    build_ft, gil_on = free_threaded()
    interval = sys.getswitchinterval()
    out = Writer(a.csv, sch)
    run_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-py%05x" % (
        (os.getpid() ^ int(time.time() * 1e6)) & 0xfffff)
    cores = machine_cores()
    host = socket.gethostname()
    seed = a.seed if a.seed is not None else int(time.time() * 1e6)
    rng = random.Random(seed)
    version = platform.python_version()

    # the backends this interpreter or its libraries cannot run: skipped,
    # each named once with the reason
    helpers = {}
    for m in a.modes:
        if m in pybackends.MODES:
            helper, why = pybackends.availability(m)
            if helper is None:
                skip_line("cpython-%s on Python %s" % (m, version), why)
                continue
            helpers[m] = helper
    modes = [m for m in a.modes if m not in pybackends.MODES or m in helpers]
    configs = []
    for m in modes:
        for k in a.kernels:
            if m in pybackends.MODES and k not in pybackends.KERNELS[m]:
                skip_line("%s under cpython-%s" % (k, m), "runs %s only" %
                          ", ".join(pybackends.KERNELS[m]))
                continue
            configs += [(k, m, w) for w in a.workers]
    configs.sort(key=lambda c: (a.kernels.index(c[0]), a.modes.index(c[1]), c[2]))
    used = {m for _, m, _ in configs}
    sizes = {(k, m): size_of(k, a.size, a.tick_us, m) for k in a.kernels for m in modes}
    opts = {k: {"wait": a.io_wait_us * 1e-6} for k in a.kernels}
    params = {k: "" for k in a.kernels}
    params["io"] = "wait_us=%g" % a.io_wait_us
    if "hashmix" in a.kernels:
        try:
            cal = calibrate_hashmix(a.gil_release, a.tick_us * 1e-6)
        except ValueError as e:
            fail("cpython-bench", str(e))
        opts["hashmix"].update(cal)
        params["hashmix"] = ("tick_us=%g;loop=%d;hash_bytes=%d;measured_release=%.3f;"
                             "measured_tick_us=%.1f" % (a.tick_us, cal["loop"], cal["hash_bytes"],
                                                        cal["measured_release"],
                                                        cal["measured_tick_us"]))
    hash_bytes = opts.get("hashmix", {}).get("hash_bytes", 0)
    pools, executors, loop, uvl, subs = {}, {}, None, None, {}
    if "processes" in used:
        for w in a.workers:
            pools[w] = make_pool(w, hash_bytes)
    start_ticks = cpu_ticks()
    reported = steal_reported(start_ticks)
    if "asyncio-processes" in used:
        for w in a.workers:
            executors[w] = make_process_executor(w, hash_bytes)
    if any(m in ASYNC_MODES for m in used):
        loop = asyncio.new_event_loop()
    if "uvloop" in used:
        uvl = helpers["uvloop"].new_event_loop()
    pool_threads = default_pool_size()
    extra = ""
    if a.cpu_tasks:
        extra = "cpu_tasks=%d;cpu_stretch_ms=%g" % (a.cpu_tasks, a.cpu_stretch_ms)
    meta = {
        "schema": sch.name, "run_id": run_id, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": "cpython-bench " + " ".join(argv), "host": host, "cores": cores,
        "seed": seed, "reps": a.reps, "warmup": a.warmup,
        "python": version, "python_full": sys.version,
        "implementation": platform.python_implementation(), "executable": sys.executable,
        "switch_interval": interval, "free_threaded_build": build_ft, "gil_enabled": gil_on,
        "start_method": start_method(),
        "cpu_model": platform.processor() or platform.machine(),
        "steal_reported": reported,
    }
    meta_done = False
    samples = {c: [] for c in configs}
    lates = {c: [] for c in configs}
    try:
        for m in pybackends.SUBINTERP_MODES:
            if m in used:
                for w in a.workers:
                    subs[(m, w)] = pybackends.Subinterpreters(w, m == "subinterpreters")
        for rnd in range(a.warmup + a.reps):
            order = configs[:]
            rng.shuffle(order)
            for (k, m, w) in order:
                n = sizes[(k, m)]
                err = ""
                ticks0 = cpu_ticks()
                st, late = None, None
                try:
                    if m == "threads":
                        late = [] if k == "io" else None
                        res = rep_threads(k, n, w, opts[k], a.cpu_threads, late, a.io_threads)
                    elif m == "processes":
                        res = rep_processes(pools[w], k, n, w, opts[k])
                    elif m in pybackends.SUBINTERP_MODES:
                        res = subs[(m, w)].rep(k, n, opts[k])
                    elif m in pybackends.CYTHON_MODES:
                        res = pybackends.rep_cython(helpers[m], k, n, w, m == "cython-nogil")
                    elif m == "trio":
                        st = LoopStats()
                        res = pybackends.rep_trio(helpers[m], n, w, opts[k], st)
                    elif m == "uvloop":
                        res, st = rep_asyncio(uvl, "asyncio", k, n, w, opts[k], a.cpu_tasks,
                                              a.cpu_stretch_ms * 1e-3)
                    else:
                        res, st = rep_asyncio(loop, m, k, n, w, opts[k], a.cpu_tasks,
                                              a.cpu_stretch_ms * 1e-3,
                                              executors[w] if m == "asyncio-processes"
                                              else None)
                    secs = max(r[1] for r in res) - min(r[0] for r in res)
                    total = sum(r[2] for r in res)
                    err = verify(k, n, total)
                except Exception as e:  # a failed repetition is a row, not a crash
                    secs, err = 0.0, "%s: %s" % (type(e).__name__, e)
                steal = steal_share(ticks0, cpu_ticks(), reported)
                if rnd < a.warmup:
                    continue
                if not err:
                    samples[(k, m, w)].append(secs)
                unit, per, flops, _ = KERNELS[k]
                threads, ranks = threads_ranks(m, w, a.cpu_threads + a.io_threads, pool_threads)
                par = params[k]
                if m == "asyncio-to-thread":
                    par = joined(par, "pool_threads=%d" % pool_threads)
                if (m in ASYNC_MODES or m == "uvloop") and extra:
                    par = joined(par, extra)
                pgil = python_gil(m)
                par = joined(par, "python_version=%s;python_gil=%s" % (version, pgil))
                row = {
                    "run_id": run_id, "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "host": host, "kernel": k, "backend": "cpython-" + m, "workers": w,
                    "threads": threads, "ranks": ranks,
                    "scaling": "strong", "order": n, "size": n, "steps": 1, "rep": rnd - a.warmup,
                    "seconds": "%.9g" % secs if secs > 0 else "",
                    "rate": "%.6g" % (n * per / secs) if secs > 0 else "",
                    "rate_unit": unit, "flops": "%.6g" % (n * flops), "bytes": 0,
                    "verified": "false" if err else "true", "error": err,
                    # tasks on the loop's one thread never compete for cores
                    # (as parscale's async backend); threads and processes do
                    "oversubscribed": "true" if m not in ONE_THREAD and max(
                        w if m == "threads" else threads, ranks) > cores else "false",
                    "cores": cores,
                    "gil_model": {"none": "disabled", "per-interpreter": "per-interpreter"}.get(
                        pgil, "new"),
                    "switch_interval": "%.9g" % interval,
                    "gil_release": "%g" % a.gil_release if k == "hashmix" else "",
                    "params": par, "steal": steal,
                }
                if st is not None or late is not None:
                    row.update(lateness_cells(st) if st is not None else late_cells(late))
                    lates[(k, m, w)].append(row.get("loop_lateness_median"))
                if not meta_done:
                    out.meta(meta)
                    meta_done = True
                out.row(row)
    finally:
        for p in pools.values():
            p.terminate()
            p.join()
        for ex in executors.values():
            ex.shutdown(wait=True)
        for si in subs.values():
            si.close()
        for lp in (loop, uvl):
            if lp is not None:
                if hasattr(lp, "shutdown_default_executor"):  # Python 3.9+
                    lp.run_until_complete(lp.shutdown_default_executor())
                lp.close()

    if not a.quiet:
        print("cpython-bench: Python %s (%s), switch interval %g s, free-threaded build: %s, "
              "GIL enabled: %s; run %s, %d reps interleaved"
              % (meta["python"], meta["implementation"], interval, build_ft, gil_on, run_id, a.reps))
        if not reported:
            why = ("cumulative steal 0 at the start" if start_ticks
                   else "no readable aggregate cpu line")
            print("  steal: not reported by this hypervisor (%s: %s); the steal column "
                  "is left empty" % (proc_stat_path(), why))
        summary(configs, samples, lates)
    return 0


# ---- several interpreters: --python ---------------------------------------------

# what Python 2's runner (py2bench) can do, and the first 3.x each backend needs
PY2_KERNELS = ("count", "pi", "io")
PY2_MODES = ("threads",)
NEEDS = {"asyncio": (3, 7), "asyncio-processes": (3, 7), "asyncio-to-thread": (3, 9),
         "uvloop": (3, 7), "trio": (3, 7), "subinterpreters": (3, 12),
         "subinterpreters-shared": (3, 12)}


def strip_option(argv, names):
    """argv without the options in names and their values (either
    '--name value' or '--name=value')."""
    out, skip = [], False
    for x in argv:
        if skip:
            skip = False
            continue
        if x in names:
            skip = True
            continue
        if any(x.startswith(n + "=") for n in names):
            continue
        out.append(x)
    return out


def interpreters_of(spec):
    """The interpreters --python names, and one line per one that is absent."""
    from .. import interpreters
    if spec == "all":
        found = interpreters.find_all()
        if not found:
            skip_line("--python all", "no interpreter under pyenv or on PATH")
        return found
    found = []
    for path in [p for p in spec.split(",") if p]:
        exe = shutil.which(path) or path
        it = interpreters.probe(exe) if os.path.exists(exe) else None
        if it is None:
            skip_line("interpreter %s" % path, "absent, or not a Python that runs")
            continue
        found.append(it)
    return found


def run_many(a, argv):
    """Each interpreter in turn, rows into one CSV: Python 3 runs this module
    (its options but --python, and --check-interval only for Python 2);
    Python 2 runs py2bench, whose repetitions become rows here."""
    from ..interpreters import cpython_env
    if a.csv:
        Writer(a.csv, ps_schema.load())   # the header is checked before anything runs
    base = strip_option(argv, ("--python", "--check-interval"))
    status = 0
    for it in interpreters_of(a.python):
        if it.major < 3:
            status = run_py2(a, it) or status
            continue
        modes = [m for m in a.modes if it.version_tuple >= NEEDS.get(m, (0,))]
        for m in a.modes:
            if m not in modes:
                skip_line("cpython-%s on Python %s" % (m, it.version),
                          "needs Python %s or later" % ".".join(map(str, NEEDS[m])))
        if not modes:
            continue
        args = strip_option(base, ("-b", "--backend")) + ["-b", ",".join(modes)]
        print("cpython-bench: Python %s (%s)" % (it.label, it.path), flush=True)
        r = subprocess.run([it.path, "-m", "parscale_py.cpython.cpython_bench"] + args,
                           env=cpython_env())
        if r.returncode != 0:
            print("cpython-bench: Python %s (%s) failed with status %d" % (
                it.label, it.path, r.returncode), flush=True)
            status = r.returncode
    return status


def run_py2(a, it):
    """Python 2: py2bench's repetitions (threads; count, pi, io) as rows."""
    from ..interpreters import cpython_env
    for m in a.modes:
        if m not in PY2_MODES:
            skip_line("cpython-%s on Python %s" % (m, it.version),
                      "Python 2 runs the threads backend only")
    kernels = [k for k in a.kernels if k in PY2_KERNELS]
    for k in a.kernels:
        if k not in PY2_KERNELS:
            skip_line("%s on Python %s" % (k, it.version), "Python 2 runs count, pi, io only")
    if "threads" not in a.modes or not kernels:
        return 0
    if a.switch_interval is not None:
        skip_line("--switch-interval on Python %s" % it.version,
                  "the old lock has no switch interval (--check-interval sets its own)")
    seed = a.seed if a.seed is not None else int(time.time() * 1e6) & 0x7fffffff
    sizes = {k: size_of(k, a.size, a.tick_us) for k in kernels}
    cmd = [it.path, "-m", "parscale_py.cpython.py2bench", "--kernels", ",".join(kernels),
           "--workers", ",".join(map(str, a.workers)),
           "--sizes", ",".join("%s=%d" % kv for kv in sizes.items()),
           "--reps", str(a.reps), "--warmup", str(a.warmup), "--seed", str(seed),
           "--io-wait-us", "%g" % a.io_wait_us, "--proc-stat", proc_stat_path(),
           "--cpu-threads", str(a.cpu_threads), "--io-threads", str(a.io_threads)]
    if a.check_interval is not None:
        cmd += ["--check-interval", str(a.check_interval)]
    print("cpython-bench: Python %s (%s)" % (it.label, it.path), flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, env=cpython_env())
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    if r.returncode != 0 or not lines:
        print("cpython-bench: Python %s (%s) failed with status %d: %s" % (
            it.label, it.path, r.returncode, r.stderr.strip()[-300:]), flush=True)
        return r.returncode or 1
    info, reps = lines[0], lines[1:]
    sch = ps_schema.load()
    out = Writer(a.csv, sch)
    run_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-py%05x" % (
        (os.getpid() ^ int(time.time() * 1e6)) & 0xfffff)
    cores, host = machine_cores(), socket.gethostname()
    reported = steal_reported(cpu_ticks())
    check = info.get("check_interval")
    out.meta({"schema": sch.name, "run_id": run_id,
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "command": "cpython-bench " + " ".join(cmd[1:]), "host": host, "cores": cores,
              "seed": seed, "reps": a.reps, "warmup": a.warmup, "python": info["python"],
              "python_full": info["python_full"], "implementation": info["implementation"],
              "executable": info["executable"], "check_interval": check,
              "free_threaded_build": False, "gil_enabled": True,
              "cpu_model": platform.processor() or platform.machine(),
              "steal_reported": reported})
    configs = [(k, "threads", w) for k in kernels for w in a.workers]
    samples = {c: [] for c in configs}
    lates = {c: [] for c in configs}
    for x in reps:
        k, w, n = x["kernel"], x["workers"], x["n"]
        secs = x["seconds"]
        err = x["error"] or verify(k, n, x["total"])
        if not err:
            samples[(k, "threads", w)].append(secs)
        unit, per, flops, _ = KERNELS[k]
        par = joined("wait_us=%g" % a.io_wait_us if k == "io" else "",
                     "python_version=%s;python_gil=old" % info["python"])
        cells = late_cells(x.get("late"))
        lates[(k, "threads", w)].append(cells.get("loop_lateness_median"))
        out.row(dict(cells, **{
            "run_id": run_id, "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "host": host, "kernel": k, "backend": "cpython-threads", "workers": w,
            "threads": w + a.cpu_threads + a.io_threads, "ranks": 1, "scaling": "strong", "order": n, "size": n, "steps": 1,
            "rep": x["rep"], "seconds": "%.9g" % secs if secs > 0 else "",
            "rate": "%.6g" % (n * per / secs) if secs > 0 else "",
            "rate_unit": unit, "flops": "%.6g" % (n * flops), "bytes": 0,
            "verified": "false" if err else "true", "error": err,
            "oversubscribed": "true" if w > cores else "false", "cores": cores,
            "gil_model": "old", "check_interval": check if check is not None else "",
            "params": par,
            "steal": steal_share(tuple(x["ticks0"]) if x["ticks0"] else None,
                                 tuple(x["ticks1"]) if x["ticks1"] else None, reported),
        }))
    if not a.quiet:
        print("cpython-bench: Python %s (old GIL), check interval %s; run %s, %d reps "
              "interleaved" % (info["python"], check, run_id, a.reps))
        summary(configs, samples, lates)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
