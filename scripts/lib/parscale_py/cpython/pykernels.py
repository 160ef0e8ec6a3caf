"""The pure-Python loops of cpython-bench, in code that runs unchanged on
Python 2.7 and on every Python 3: the same loop bodies for every
interpreter, so that 2.7's old lock and 3.x's new one run the same work.

Python 2's range builds a list; xrange is the same loop without one, so
it stands in for range there and the bodies stay letter for letter.
"""
import threading
import time

try:
    range = xrange  # Python 2: the loop without the list
except NameError:  # Python 3: range is that already
    pass


def k_count(n, lo, hi, _opt=None):
    """The classic demonstration loop: x = x + 1, hi - lo times."""
    x = 0
    for _ in range(lo, hi):
        x = x + 1
    return x


def k_pi(n, lo, hi, _opt=None):
    """Midpoint rule for 4/(1+x^2) over this worker's intervals."""
    h = 1.0 / n
    s = 0.0
    for i in range(lo, hi):
        x = h * (i + 0.5)
        s += 4.0 / (1.0 + x * x)
    return s * h


def k_io(n, lo, hi, opt):
    """hi - lo blocking waits; time.sleep releases the GIL, as I/O does.
    Given opt["late"] (a list) and opt["clock"], each wait appends its
    wake latency: from its deadline (the clock before the sleep plus the
    wait) to this thread running Python code again, the OS's late wake-up
    and the wait for the GIL together."""
    wait = opt["wait"]
    late = opt.get("late")
    if late is None:
        for _ in range(lo, hi):
            time.sleep(wait)
        return hi - lo
    clock = opt["clock"]
    for _ in range(lo, hi):
        due = clock() + wait
        time.sleep(wait)
        late.append(clock() - due)
    return hi - lo


def verify_simple(kernel, n, total):
    """The closed forms of kernels/*.c for count, io and pi; returns '' or
    why the total is wrong."""
    if kernel in ("count", "io"):
        return "" if total == n else "got %r, expected %d" % (total, n)
    tol = 8.0 / (24.0 * n * n) + 64.0 * n * 2.220446049250313e-16 + 1e-15
    err = abs(total - 3.14159265358979323846)
    return "" if err <= tol else "pi estimate %r off by %.3g" % (total, err)


def partition(n, parts, i):
    """[lo, hi) of part i, the first n % parts parts one longer (kernel.h)."""
    base, extra = divmod(n, parts)
    lo = i * base + min(i, extra)
    return lo, lo + base + (1 if i < extra else 0)


def run_team(n, w, call, barrier, clock, cpu_threads=0, io_threads=0, io_wait=1e-4):
    """One repetition on w threads: thread i takes its part [lo, hi) of n
    (partition), waits at barrier for the others, then times call(lo, hi)
    with clock.  cpu_threads more threads spin in the count loop from the
    same barrier (of w + cpu_threads + io_threads parties) until the w are
    done: CPU-bound threads beside them (the convoy effect), untimed; and
    io_threads more sleep io_wait seconds at a time (the convoy's cost to
    CPU-bound ones).  [(start, end, result)] per thread."""
    out = [None] * w
    stop = []

    def body(i):
        lo, hi = partition(n, w, i)
        barrier.wait()
        t0 = clock()
        r = call(lo, hi)
        out[i] = (t0, clock(), r)

    def hog():
        barrier.wait()
        while not stop:
            k_count(0, 0, 1000)

    def waiter():
        barrier.wait()
        while not stop:
            time.sleep(io_wait)

    hogs = [threading.Thread(target=hog) for _ in range(cpu_threads)] + [
        threading.Thread(target=waiter) for _ in range(io_threads)]
    ts = [threading.Thread(target=body, args=(i,)) for i in range(w)]
    for t in hogs + ts:
        t.start()
    for t in ts:
        t.join()
    stop.append(1)
    for t in hogs:
        t.join()
    return out


def cpu_ticks(path):
    """(all CPU time, time stolen by the hypervisor) from the aggregate `cpu`
    line of /proc/stat, in clock ticks, as harness/sysinfo.c reads it; None
    where there is no such line."""
    try:
        with open(path) as f:
            fields = f.readline().split()
        v = [int(x) for x in fields[1:9]]
    except (OSError, IOError, ValueError):
        return None
    return (sum(v), v[7]) if fields[:1] == ["cpu"] and len(v) == 8 else None
