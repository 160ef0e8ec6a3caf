"""cpython-bench's backends beyond threads, processes and asyncio: each
where the interpreter or a library can run it, and a reason where not.

- subinterpreters: w interpreters in this process, each with its own GIL
  (PEP 684; 3.12's _xxsubinterpreters, 3.13's _interpreters with the
  isolated config), each run by a thread of its own; subinterpreters-shared
  is the same with the legacy config (one GIL for all), its control.
- cython-nogil: the count and pi loops compiled by Cython (cython_build),
  w threads, each running its loop inside `with nogil:`; cython-gil: the
  same compiled loop holding the lock, its control.
- trio: the io kernel as w tasks in a Trio nursery, each awaiting
  trio.sleep per index; uvloop: asyncio's io tasks on uvloop's loop
  (cpython_bench.rep_asyncio runs them).
"""
import json
import os
import threading
import time
from pathlib import Path

from .pykernels import partition, run_team

SUBINTERP_MODES = ("subinterpreters", "subinterpreters-shared")
CYTHON_MODES = ("cython-nogil", "cython-gil")
LOOP_MODES = ("trio", "uvloop")
MODES = SUBINTERP_MODES + CYTHON_MODES + LOOP_MODES
KERNELS = {"subinterpreters": ("count", "pi", "io"), "subinterpreters-shared": ("count", "pi", "io"),
           "cython-nogil": ("count", "pi"), "cython-gil": ("count", "pi"),
           "trio": ("io",), "uvloop": ("io",)}
LIB = str(Path(__file__).resolve().parents[2])     # scripts/lib


# ---- subinterpreters ----------------------------------------------------------

def _subinterp_api():
    """(create(isolated) -> id, run(id, code, shared), destroy(id)), or a
    reason string where this interpreter has no subinterpreters with their
    own GIL."""
    try:
        import _interpreters as api  # 3.13

        def create(isolated):
            return api.create("isolated" if isolated else "legacy")

        def run(i, code, shared):
            exc = api.exec(i, code, shared)
            if exc is not None:
                raise RuntimeError("in a subinterpreter: %s" % (getattr(exc, "formatted", None)
                                                                or exc))
        return create, run, api.destroy
    except ImportError:
        pass
    try:
        import _xxsubinterpreters as api  # 3.12
    except ImportError:
        return "no _interpreters (3.13) or _xxsubinterpreters (3.12) module"
    try:
        probe = api.create(isolated=True)
        api.destroy(probe)
    except TypeError:  # before 3.12: no interpreter of its own GIL
        return "this _xxsubinterpreters has no isolated (own-GIL) interpreters (3.12+)"

    def create(isolated):
        return api.create(isolated=isolated)

    def run(i, code, shared):
        api.run_string(i, code, shared)
    return create, run, api.destroy


_SETUP = ("import sys, json, os, time\n"
          "sys.path.insert(0, LIB)\n"
          "from parscale_py.cpython.pykernels import k_count, k_pi, k_io\n"
          "FUNCS = {'count': k_count, 'pi': k_pi, 'io': k_io}\n")
_BODY = ("fn = FUNCS[KERNEL]\n"
         "t0 = time.perf_counter()\n"
         "r = fn(N, LO, HI, {'wait': float(WAIT)})\n"
         "t1 = time.perf_counter()\n"
         "os.write(FD, json.dumps([t0, t1, r]).encode())\n")


class Subinterpreters:
    """w interpreters, made once and reused by every repetition; the
    kernels are imported in each before anything is timed."""

    def __init__(self, w, isolated):
        api = _subinterp_api()
        if isinstance(api, str):
            raise RuntimeError(api)
        self.create, self.run, self.destroy = api
        self.ids = []
        for _ in range(w):
            self.ids.append(self.create(isolated))
            self.run(self.ids[-1], _SETUP, {"LIB": LIB})

    def rep(self, kernel, n, opt):
        """One repetition: [(start, end, result)] per interpreter, on the
        system-wide monotonic clock, every interpreter's thread started at
        one barrier."""
        w = len(self.ids)
        barrier = threading.Barrier(w)
        out, errs = [None] * w, []

        def body(j):
            rfd, wfd = os.pipe()
            try:
                lo, hi = partition(n, w, j)
                shared = {"KERNEL": kernel, "N": n, "LO": lo, "HI": hi,
                          # 3.12 shares no floats between interpreters
                          "WAIT": repr(float(opt.get("wait", 0.0))), "FD": wfd}
                barrier.wait()
                self.run(self.ids[j], _BODY, shared)
                os.close(wfd)
                wfd = None
                data = b""
                while True:
                    chunk = os.read(rfd, 4096)
                    if not chunk:
                        break
                    data += chunk
                out[j] = tuple(json.loads(data.decode()))
            except Exception as e:  # reported by the caller, as a failed repetition
                errs.append("%s: %s" % (type(e).__name__, e))
            finally:
                if wfd is not None:
                    os.close(wfd)
                os.close(rfd)

        ts = [threading.Thread(target=body, args=(j,)) for j in range(w)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        if errs:
            raise RuntimeError(errs[0])
        return out

    def close(self):
        for i in self.ids:
            self.destroy(i)
        self.ids = []


# ---- Cython ---------------------------------------------------------------------

def rep_cython(mod, kernel, n, w, nogil):
    """One repetition of the compiled loop on w threads of this interpreter:
    [(start, end, result)] per thread."""
    if kernel == "count":
        call = lambda lo, hi: mod.count(lo, hi, nogil)  # noqa: E731
    else:
        call = lambda lo, hi: mod.pi(n, lo, hi, nogil)  # noqa: E731
    return run_team(n, w, call, threading.Barrier(w), time.perf_counter)


# ---- Trio -------------------------------------------------------------------------

def rep_trio(trio, n, w, opt, stats):
    """One repetition of the io kernel as w tasks in a nursery: each awaits
    trio.sleep per index; lateness (resumption minus deadline, on Trio's
    clock) and switches go to stats (a cpython_bench.LoopStats)."""
    wait = opt["wait"]
    out = [None] * w

    async def task(i):
        lo, hi = partition(n, w, i)
        stats.resumed(i)
        t0 = time.perf_counter()
        for _ in range(lo, hi):
            deadline = trio.current_time() + wait
            await trio.sleep(wait)
            now = trio.current_time()
            stats.resumed(i, now)
            stats.lateness.append(now - deadline)
        out[i] = (t0, time.perf_counter(), hi - lo)

    async def main():
        async with trio.open_nursery() as nursery:
            for i in range(w):
                nursery.start_soon(task, i)

    trio.run(main)
    return out


# ---- what can run here -------------------------------------------------------------

def availability(mode, env=None):
    """(helper, '') where mode can run on this interpreter, (None, why not)
    where it cannot.  helper: the compiled module (Cython), the trio module,
    the uvloop module, or True (subinterpreters)."""
    if mode in SUBINTERP_MODES:
        api = _subinterp_api()
        return (None, api) if isinstance(api, str) else (True, "")
    if mode in CYTHON_MODES:
        from . import cython_build
        try:
            return cython_build.load(env), ""
        except cython_build.BuildError as e:
            return None, str(e)
    try:
        return __import__(mode), ""
    except ImportError as e:
        return None, "cannot import %s (%s)" % (mode, e)
