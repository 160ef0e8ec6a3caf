"""cpython-bench's runner for Python 2: the count, pi and io loops of
pykernels on N threads of the interpreter that runs it, in rounds of
shuffled configurations, as cpython_bench does on Python 3.

It writes no CSV itself: it prints one JSON object a line (first the
interpreter's description, then one per repetition) and cpython_bench, on
Python 3, turns them into rows of parscale's schema.  Written to run
unchanged on Python 2.7 (and on 3, which the tests use to check it).

    python2.7 -m parscale_py.cpython.py2bench --kernels count,pi --workers 1,2 \\
        --sizes count=300000,pi=300000 --reps 3 --warmup 1 --seed 1 \\
        [--check-interval 100] [--io-wait-us 1000] [--cpu-threads 0] [--io-threads 0]
        [--proc-stat /proc/stat]

Each io repetition's line carries its waits' wake latencies ("late":
seconds from each wait's deadline to the thread running again).
"""
from __future__ import print_function

import json
import optparse
import platform
import random
import sys
import threading
import time

from .pykernels import cpu_ticks, k_count, k_io, k_pi, run_team

FUNCS = {"count": k_count, "pi": k_pi, "io": k_io}
# the clock: time.perf_counter from 3.3; on 2.7 time.time is the finest
# clock a thread can read that other threads' readings compare with
CLOCK = getattr(time, "perf_counter", time.time)


class Barrier(object):
    """threading.Barrier (3.2+) for one use: parties threads wait until all
    have arrived."""

    def __init__(self, parties):
        self.parties, self.count = parties, 0
        self.cond = threading.Condition()

    def wait(self):
        with self.cond:
            self.count += 1
            if self.count >= self.parties:
                self.cond.notify_all()
            while self.count < self.parties:
                self.cond.wait()


def rep_threads(kernel, n, w, opt, cpu_threads=0, io_threads=0):
    """One repetition on w threads, cpu_threads CPU-bound ones and
    io_threads sleeping ones beside them (run_team): [(start, end,
    result)] per thread."""
    fn = FUNCS[kernel]
    return run_team(n, w, lambda lo, hi: fn(n, lo, hi, opt),
                    Barrier(w + cpu_threads + io_threads), CLOCK, cpu_threads, io_threads,
                    opt["wait"])


# How Python 2.7's eval loop (ceval.c) counts the ticks of its check
# interval: it decrements the ticker at the top of its loop, which an opcode
# reaches by `continue`; these opcodes go straight to the next one instead
# (goto fast_next_opcode), so the opcode after them is not counted...
FAST_NEXT = ("LOAD_FAST", "LOAD_CONST", "STORE_FAST", "POP_TOP", "ROT_TWO", "ROT_THREE",
             "ROT_FOUR", "DUP_TOP", "DUP_TOPX", "NOP", "JUMP_FORWARD")
# ...nor is the opcode these predict, when it is the next one (PREDICT).
PREDICTS = {"FOR_ITER": ("STORE_FAST", "UNPACK_SEQUENCE"),
            "COMPARE_OP": ("POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE"),
            "GET_ITER": ("FOR_ITER",)}


def loop_ticks(fn):
    """Ticks of the check interval one iteration of fn's for loop costs on
    this interpreter, counted from its bytecode by the rule above: the
    opcodes of the loop (FOR_ITER to the JUMP_ABSOLUTE back to it) that end
    by returning to the top of the eval loop."""
    import dis
    code = fn.__code__ if hasattr(fn, "__code__") else fn.func_code
    ops, raw, i = [], code.co_code, 0
    while i < len(raw):
        op = raw[i] if isinstance(raw[i], int) else ord(raw[i])
        ops.append((i, dis.opname[op]))
        i += 3 if op >= dis.HAVE_ARGUMENT else 1
    names = [n for _, n in ops]
    start = names.index("FOR_ITER")
    end = max(j for j, n in enumerate(names) if n == "JUMP_ABSOLUTE")
    body = names[start:end + 1]
    ticks = 0
    for j, name in enumerate(body):
        nxt = body[j + 1] if j + 1 < len(body) else body[0]
        if name in FAST_NEXT or nxt in PREDICTS.get(name, ()):
            continue
        ticks += 1
    return ticks, body


def parse(argv):
    op = optparse.OptionParser(prog="py2bench")
    op.add_option("--kernels", default="count,pi")
    op.add_option("--workers", default="1,2")
    op.add_option("--sizes", default="count=300000,pi=300000,io=200")
    op.add_option("--reps", type="int", default=3)
    op.add_option("--warmup", type="int", default=1)
    op.add_option("--seed", type="int", default=1)
    op.add_option("--check-interval", type="int", default=None)
    op.add_option("--io-wait-us", type="float", default=1000.0)
    op.add_option("--cpu-threads", type="int", default=0,
                  help="CPU-bound count threads beside the measured ones (the convoy)")
    op.add_option("--io-threads", type="int", default=0,
                  help="threads sleeping --io-wait-us at a time beside the measured ones")
    op.add_option("--proc-stat", default="/proc/stat")
    op.add_option("--ticks", action="store_true",
                  help="print each kernel's ticks per loop iteration (loop_ticks), then stop")
    a, rest = op.parse_args(argv)
    if rest:
        op.error("unexpected arguments: %s" % " ".join(rest))
    a.kernels = a.kernels.split(",")
    for k in a.kernels:
        if k not in FUNCS:
            op.error("kernel '%s' is not count, pi or io" % k)
    a.workers = [int(x) for x in a.workers.split(",")]
    a.sizes = dict((kv.split("=")[0], int(kv.split("=")[1])) for kv in a.sizes.split(","))
    return a


def main(argv):
    a = parse(argv)
    if a.ticks:
        out = {}
        for k in a.kernels:
            ticks, body = loop_ticks(FUNCS[k])
            out[k] = {"ticks": ticks, "opcodes": body}
        print(json.dumps(out, sort_keys=True))
        return 0
    if a.check_interval is not None:
        sys.setcheckinterval(a.check_interval)
    check = sys.getcheckinterval() if hasattr(sys, "getcheckinterval") else None
    print(json.dumps({"python": platform.python_version(), "python_full": sys.version,
                      "implementation": platform.python_implementation(),
                      "executable": sys.executable, "check_interval": check}))
    sys.stdout.flush()
    rng = random.Random(a.seed)
    opt = {"wait": a.io_wait_us * 1e-6}
    configs = [(k, w) for k in a.kernels for w in a.workers]
    for rnd in range(a.warmup + a.reps):
        order = configs[:]
        rng.shuffle(order)
        for k, w in order:
            n = a.sizes[k]
            t0 = cpu_ticks(a.proc_stat)
            err, secs, total = "", 0.0, 0
            late = [] if k == "io" else None
            try:
                res = rep_threads(k, n, w, dict(opt, late=late, clock=CLOCK), a.cpu_threads,
                                  a.io_threads)
                secs = max(r[1] for r in res) - min(r[0] for r in res)
                total = sum(r[2] for r in res)
            except Exception as e:  # a failed repetition is a row, not a crash
                err = "%s: %s" % (type(e).__name__, e)
            if rnd < a.warmup:
                continue
            print(json.dumps({"kernel": k, "workers": w, "n": n, "rep": rnd - a.warmup,
                              "seconds": secs, "total": total, "error": err, "late": late,
                              "ticks0": t0, "ticks1": cpu_ticks(a.proc_stat)}))
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
