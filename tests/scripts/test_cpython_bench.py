"""scripts/studies/cpython-bench, the real-CPython side of the GIL's experiments:
rows in parscale's schema that verify, the interpreter recorded, hashlib
really releasing the GIL in hashmix, wrong answers caught, asyncio's tasks
overlapping their waits and a computing task making them late, and bad
input refused with status 2 and nothing written."""
import asyncio
import contextlib
import csv
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import threading
import unittest

from helpers import SCRIPTS, TempDirCase
from parscale_py import schema
from parscale_py.cpython import cpython_bench

BENCH = SCRIPTS / "studies" / "cpython-bench"


def bench(*args, python=None):
    """The launcher, as a user runs it, on the interpreter under study."""
    env = dict(os.environ, PARSCALE_CPYTHON=python or sys.executable)
    return subprocess.run([str(BENCH)] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=300, env=env)


class Rows(TempDirCase):
    """One run of every kernel, both backends, 1 and 2 workers."""

    def setUp(self):
        super().setUp()
        self.csv = self.tmp / "py.csv"
        self.r = bench("-k", "count,pi,io,hashmix", "-b", "threads,processes", "-w", "1,2",
                       "-s", "test", "-r", "2", "--warmup", "0", "--gil-release", "0.8",
                       "--tick-us", "1000", "--io-wait-us", "200", "--csv", self.csv)
        self.assertEqual(self.r.returncode, 0, self.r.stderr)
        with open(self.csv, newline="") as f:
            self.header = next(csv.reader(f))
        with open(self.csv, newline="") as f:
            self.rows = list(csv.DictReader(f))

    def test_schema_and_every_row_verified(self):
        self.assertEqual(self.header, schema.load().columns)
        # 4 kernels x 2 backends x 2 worker counts x 2 repetitions
        self.assertEqual(len(self.rows), 32)
        for r in self.rows:
            self.assertEqual(r["verified"], "true", r)
            self.assertIn(r["backend"], ("cpython-threads", "cpython-processes"))
            self.assertGreater(float(r["seconds"]), 0)
            # the hypervisor's share, read from /proc/stat as the harness does;
            # empty when no clock tick passed during the repetition (whether
            # one did is the scheduler's business, so it is not asserted)
            if r["steal"]:
                self.assertTrue(0.0 <= float(r["steal"]) <= 1.0, r["steal"])
        with open(str(self.csv) + ".meta.jsonl") as f:
            reported = json.loads(f.readline())["steal_reported"]
        if not reported:  # this machine's steal is 0: unknown, never 0
            self.assertEqual({r["steal"] for r in self.rows}, {""})
        self.assertEqual({r["kernel"] for r in self.rows}, {"count", "pi", "io", "hashmix"})

    def test_hashmix_records_its_calibration(self):
        mix = [r for r in self.rows if r["kernel"] == "hashmix"]
        self.assertTrue(mix)
        for r in mix:
            self.assertEqual(float(r["gil_release"]), 0.8)
            p = dict(kv.split("=") for kv in r["params"].split(";"))
            self.assertEqual(p["tick_us"], "1000")
            self.assertGreaterEqual(int(p["hash_bytes"]), 2048)
            # the measured share of hashing is near what was asked (0.8), not
            # 1-F (0.2): above the midpoint.  It is a median over 20 ticks of
            # the calibration's split, so only the loop's and the hash's
            # rates, each the fastest of three timings, being misjudged by 4x
            # against each other on a loaded machine could move it below 0.5
            # (the split itself is checked exactly in Kernels)
            self.assertGreater(float(p["measured_release"]), 0.5)
            self.assertLess(float(p["measured_release"]), 0.99)
        io = [r for r in self.rows if r["kernel"] == "io"]
        # the interpreter's version and lock kind close every params cell
        self.assertTrue(all(r["params"] == "wait_us=200;python_version=%s;python_gil=new"
                            % platform.python_version() for r in io))

    def test_metadata_names_the_interpreter(self):
        with open(str(self.csv) + ".meta.jsonl") as f:
            metas = [json.loads(line) for line in f]
        self.assertEqual(len(metas), 1)
        m = metas[0]
        self.assertEqual(m["python"], sys.version.split()[0])
        self.assertEqual(m["free_threaded_build"], bool(sysconfig.get_config_var("Py_GIL_DISABLED")))
        self.assertAlmostEqual(m["switch_interval"], sys.getswitchinterval())
        self.assertEqual({r["run_id"] for r in self.rows}, {m["run_id"]})


class AsyncioRows(TempDirCase):
    """The asyncio backends: rows that verify, threads and ranks as each
    backend runs, the loop's statistics where the loop does the waiting."""

    def test_rows(self):
        out = self.tmp / "a.csv"
        r = bench("-k", "count,pi,io", "-b", "asyncio,asyncio-to-thread,asyncio-processes",
                  "-w", "1,3", "-s", "test", "-r", "2", "--warmup", "0",
                  "--io-wait-us", "200", "--csv", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 3 * 3 * 2 * 2)
        pool = cpython_bench.default_pool_size()
        for x in rows:
            self.assertEqual(x["verified"], "true", x)
            w, b = int(x["workers"]), x["backend"]
            want = {"cpython-asyncio": (1, 1), "cpython-asyncio-to-thread": (min(w, pool), 1),
                    "cpython-asyncio-processes": (1, w)}[b]
            self.assertEqual((int(x["threads"]), int(x["ranks"])), want, x)
            # the loop's tasks share one thread: never oversubscribed, as
            # parscale's async backend; the pool's threads or processes can be
            over = b != "cpython-asyncio" and max(want) > int(x["cores"])
            self.assertEqual(x["oversubscribed"], "true" if over else "false", x)
            late = b == "cpython-asyncio" and x["kernel"] == "io"
            # lateness only where the loop itself waits
            self.assertEqual(bool(x["loop_lateness_median"]), late, x)
            self.assertEqual(bool(x["loop_lateness_p99"]), late, x)
            if late:
                self.assertGreaterEqual(float(x["loop_lateness_p99"]),
                                        float(x["loop_lateness_median"]))
            if b == "cpython-asyncio" and x["kernel"] != "io":
                # compute never awaits: each task runs once, to its end
                self.assertEqual(int(x["loop_switches"]), w - 1, x)
            if b == "cpython-asyncio-to-thread":
                self.assertIn("pool_threads=%d" % pool, x["params"])

    def test_pitfall_rows(self):
        out = self.tmp / "p.csv"
        r = bench("-k", "io", "-b", "asyncio", "-w", "2", "-s", "6", "-r", "1",
                  "--warmup", "0", "--cpu-tasks", "1", "--cpu-stretch-ms", "20", "--csv", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, newline="") as f:
            (x,) = list(csv.DictReader(f))
        self.assertEqual(x["params"], "wait_us=1000;cpu_tasks=1;cpu_stretch_ms=20;"
                         "python_version=%s;python_gil=new" % platform.python_version())
        self.assertEqual(x["threads"], "1")
        self.assertGreaterEqual(float(x["loop_lateness_median"]), 0.010)


class Asyncio(unittest.TestCase):
    """rep_asyncio in this process, instrumented."""

    def setUp(self):
        self.loop = asyncio.new_event_loop()

    def tearDown(self):
        self.loop.close()

    def run_io(self, w, n, wait, **kw):
        res, st = cpython_bench.rep_asyncio(self.loop, "asyncio", "io", n, w,
                                            {"wait": wait}, **kw)
        self.assertEqual(sum(r[2] for r in res), n)
        return max(r[1] for r in res) - min(r[0] for r in res), st

    def test_every_task_waits_before_the_first_wakes(self):
        """The waits overlap: all 16 tasks have handed their first sleep to
        the loop before any task is resumed from one."""
        trace = []
        _, st = self.run_io(16, 32, 0.005, trace=trace)
        first_wake = next(i for i, e in enumerate(trace) if e[0] == "run" and e[2] is not None)
        sleepers = {e[1] for e in trace[:first_wake] if e[0] == "sleep"}
        self.assertEqual(sleepers, set(range(16)))
        self.assertEqual(len(st.lateness), 32)
        # the loop went from task to task (16 starts, then 32 resumptions)
        self.assertGreaterEqual(st.switches, 15)

    def test_io_overlaps(self):
        """A wide margin: 64 waits of 5 ms take at least 320 ms on one task;
        16 tasks overlap them (ideally 16x faster), asserted only 4x."""
        one = sorted(self.run_io(1, 64, 0.005)[0] for _ in range(3))[1]
        many = sorted(self.run_io(16, 64, 0.005)[0] for _ in range(3))[1]
        self.assertGreaterEqual(one, 0.32)
        self.assertGreaterEqual(one / many, 4.0, (one, many))

    def test_cpu_task_makes_waits_late(self):
        """A task computing 20 ms between awaits: every wait registered
        while it runs ends at least one stretch later, so the waiting
        tasks' median lateness is at least 20 - 1 ms (asserted: 10 ms)."""
        _, st = self.run_io(4, 16, 0.001, cpu_tasks=1, stretch=0.02)
        self.assertEqual(len(st.lateness), 16)
        self.assertGreaterEqual(cpython_bench.median(st.lateness), 0.010)

    def test_compute_tasks_run_one_after_another(self):
        trace = []
        res, st = cpython_bench.rep_asyncio(self.loop, "asyncio", "pi", 30000, 3, {},
                                            trace=trace)
        self.assertEqual(cpython_bench.verify("pi", 30000, sum(r[2] for r in res)), "")
        self.assertEqual([e[1] for e in trace], [0, 1, 2])
        for a, b in zip(res, res[1:]):
            self.assertLessEqual(a[1], b[0])      # one ends before the next starts
        self.assertEqual(st.switches, 2)


class WhereTheWorkRuns(unittest.TestCase):
    """Each asyncio backend runs the kernel where it says: on the loop's
    thread, in a pool thread, in another process."""

    def setUp(self):
        self.loop = asyncio.new_event_loop()
        cpython_bench.FUNCS["where"] = _where

    def tearDown(self):
        self.loop.close()
        del cpython_bench.FUNCS["where"]

    def where(self, mode, pool=None):
        res, _ = cpython_bench.rep_asyncio(self.loop, mode, "where", 2, 2, {}, pool=pool)
        return {r[2] for r in res}

    def test_places(self):
        here = (os.getpid(), threading.get_ident())
        self.assertEqual(self.where("asyncio"), {here})
        threads = self.where("asyncio-to-thread")
        self.assertEqual({p for p, _ in threads}, {os.getpid()})
        self.assertNotIn(here, threads)
        ex = cpython_bench.make_process_executor(2)
        try:
            procs = self.where("asyncio-processes", ex)
            with self.assertRaises(ValueError):
                self.where("asyncio-to-thread", ex)
        finally:
            ex.shutdown()
        self.assertNotIn(os.getpid(), {p for p, _ in procs})


def _where(n, lo, hi, opt):
    """A kernel that answers where it ran (picklable: module level)."""
    return os.getpid(), threading.get_ident()


class SwitchInterval(TempDirCase):
    def test_interval_is_set_and_recorded(self):
        out = self.tmp / "si.csv"
        r = bench("-k", "count", "-b", "threads", "-w", "2", "-s", "test", "-r", "1",
                  "--switch-interval", "1e-4", "--csv", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([float(x["switch_interval"]) for x in rows], [1e-4])


class Kernels(unittest.TestCase):
    """The pure-Python kernels and their checks, in this process."""

    @classmethod
    def setUpClass(cls):
        cls.b = cpython_bench

    def test_verify_rejects_wrong_answers(self):
        b = self.b
        n = 100000
        self.assertEqual(b.verify("pi", n, b.k_pi(n, 0, n)), "")
        self.assertIn("off by", b.verify("pi", n, b.k_pi(n, 0, n) + 1e-6))
        self.assertEqual(b.verify("count", n, b.k_count(n, 0, n)), "")
        self.assertIn("expected", b.verify("count", n, n - 1))

    def test_hashmix_counts_a_corrupted_digest(self):
        b = self.b
        opt = {"loop": 100, "hash_bytes": 4096}
        self.assertEqual(b.k_hashmix(5, 0, 5, opt), 5)
        buf, _ = b.hash_buffer(4096)
        b._HASH_BUF[4096] = (buf, b"\0" * 32)  # what a wrong hash would give
        try:
            good = b.k_hashmix(5, 0, 5, opt)
        finally:
            del b._HASH_BUF[4096]
        self.assertEqual(good, 0)
        self.assertIn("5 of 5 ticks", b.verify("hashmix", 5, good))

    def test_hash_part_releases_the_gil(self):
        """While one thread hashes a large buffer, another runs Python code.
        The switch interval is made 100 s long, so no drop request can
        interrupt a holder: were the GIL held through the hash, the main
        thread could not take a single step of its loop until the hasher
        ended.  (sum(range(...)), C code that keeps the GIL, gives 0.)  The
        hasher hashes again and again until the main thread has had its
        steps (at most 100 times), so a main thread the OS wakes late still
        finds it hashing."""
        self.assertEqual(self.spins_beside(self.b.hash_part, repeat=100), 10000)

    def test_spins_beside_sees_a_held_gil(self):
        self.assertEqual(self.spins_beside(lambda buf: sum(range(20000000)), repeat=1), 0)

    def spins_beside(self, work, repeat):
        """Steps the main thread takes, up to 10000, while another thread
        runs work(buffer) up to repeat times, stopping once the main thread
        is done."""
        b = self.b
        buf, _ = b.hash_buffer(16 << 20)
        old = sys.getswitchinterval()
        sys.setswitchinterval(100.0)
        done = []  # set by the main thread, read by the worker: the GIL orders them

        def worker():
            started.set()
            for _ in range(repeat):
                if done:
                    break
                work(buf)

        try:
            started, spins = threading.Event(), 0
            t = threading.Thread(target=worker)
            t.start()
            started.wait()
            while t.is_alive() and spins < 10000:
                spins += 1
            done.append(1)
            t.join()  # a blocking wait: releases the GIL whatever happened
        finally:
            sys.setswitchinterval(old)
            b._HASH_BUF.pop(16 << 20, None)
        return spins

    def test_hashmix_split_from_the_rates(self):
        """The calibration's arithmetic, with the two rates fixed: 1 us per
        loop iteration and 1 ns per hashed byte make a 1 ms tick at F = 0.8
        200 iterations and 800000 bytes (F of it hashed, not 1-F)."""
        b = self.b
        saved = b._rate
        b._rate = lambda fn, unit: 1e-6 if unit == 10000 else 1e-9
        try:
            cal = b.calibrate_hashmix(0.8, 1e-3)
            self.assertEqual((cal["loop"], cal["hash_bytes"]), (200, 800000))
            cal = b.calibrate_hashmix(0.0, 1e-3)
            self.assertEqual((cal["loop"], cal["hash_bytes"]), (1000, 0))
            with self.assertRaises(ValueError):  # 1000 bytes: hashlib keeps the GIL
                b.calibrate_hashmix(0.001, 1e-3)
        finally:
            b._rate = saved
            b._HASH_BUF.pop(800000, None)

    def test_partition_covers_the_range(self):
        # contiguous parts from 0 to n; the first n % parts one index longer
        for n, parts, lengths in ((10, 3, [4, 3, 3]), (7, 7, [1] * 7),
                                  (5, 8, [1] * 5 + [0] * 3)):
            got = [self.b.partition(n, parts, i) for i in range(parts)]
            self.assertEqual(got[0][0], 0)
            self.assertEqual(got[-1][1], n)
            for (_, hi), (lo, _) in zip(got, got[1:]):
                self.assertEqual(hi, lo)
            self.assertEqual([hi - lo for lo, hi in got], lengths)


def proc_stat(user, steal, idle=100):
    """The first lines of a /proc/stat: the aggregate cpu line, one CPU's."""
    return ("cpu  %d 0 10 %d 0 0 0 %d 0 0\ncpu0 %d 0 10 %d 0 0 0 %d 0 0\n"
            % (user, idle, steal, user, idle, steal))


class Steal(TempDirCase):
    """Steal 0 in /proc/stat means the hypervisor does not report it, not a
    quiet host: reported iff the aggregate cumulative steal is above 0 at
    the start; otherwise the column is empty and the metadata says so."""

    def run_in_process(self, steal0, steal_step):
        """A run in this process whose /proc/stat readings advance by 100
        ticks each, steal_step of them stolen: (stdout, rows, metadata)."""
        b = cpython_bench
        clock = {"total": 10000, "steal": steal0}

        def ticks(path=None):
            clock["total"] += 100
            clock["steal"] += steal_step
            return clock["total"], clock["steal"]

        b.cpu_ticks = ticks
        out = self.tmp / "s.csv"
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = b.main(["-k", "count", "-b", "threads", "-w", "1", "-s", "test", "-r", "2",
                         "--warmup", "0", "--csv", str(out)])
        self.assertEqual(rc, 0)
        with open(out, newline="") as f:
            rows = list(csv.DictReader(f))
        with open(str(out) + ".meta.jsonl") as f:
            meta = json.loads(f.readline())
        return buf.getvalue(), rows, meta

    def test_zero_steal_is_not_reported(self):
        stdout, rows, meta = self.run_in_process(0, 0)
        self.assertIs(meta["steal_reported"], False)
        self.assertEqual([x["steal"] for x in rows], ["", ""])  # not "0"
        self.assertIn("steal: not reported by this hypervisor", stdout)

    def test_some_steal_is_reported(self):
        stdout, rows, meta = self.run_in_process(7, 10)
        self.assertIs(meta["steal_reported"], True)
        self.assertEqual([x["steal"] for x in rows], ["0.1", "0.1"])
        self.assertNotIn("not reported", stdout)

    def test_fake_proc_stat_file(self):
        """$PARSCALE_PROC_STAT: a file whose aggregate steal is 0, then one
        with no aggregate cpu line at all."""
        fake = self.tmp / "stat"
        out = self.tmp / "f.csv"
        env = dict(os.environ, PARSCALE_PROC_STAT=str(fake))
        for text, why in ((proc_stat(5000, 0), "cumulative steal 0 at the start"),
                          ("cpu0 1 2 3 4 5 6 7 8 9 10\n", "no readable aggregate cpu line")):
            fake.write_text(text)
            env["PARSCALE_CPYTHON"] = sys.executable
            r = subprocess.run([str(BENCH), "-k", "count", "-b", "threads",
                                "-w", "1", "-s", "test", "-r", "1", "--csv", str(out)],
                               capture_output=True, text=True, env=env, timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("steal: not reported by this hypervisor (%s: %s)" % (fake, why),
                          r.stdout)
        with open(str(out) + ".meta.jsonl") as f:
            self.assertEqual([json.loads(line)["steal_reported"] for line in f],
                             [False, False])

    def test_readings(self):
        b = cpython_bench
        fake = self.tmp / "stat"
        fake.write_text(proc_stat(5000, 7))
        t0 = b.cpu_ticks(str(fake))
        self.assertEqual(t0, (5000 + 10 + 100 + 7, 7))
        self.assertTrue(b.steal_reported(t0))
        fake.write_text(proc_stat(5030, 17, idle=160))  # 100 ticks later, 10 stolen
        t1 = b.cpu_ticks(str(fake))
        self.assertEqual(b.steal_share(t0, t1), "0.1")
        self.assertEqual(b.steal_share(t0, t1, reported=False), "")
        self.assertEqual(b.steal_share(t0, t0), "")  # no tick passed
        self.assertFalse(b.steal_reported((t1[0], 0)))
        self.assertFalse(b.steal_reported(None))
        fake.write_text("cpu0 1 2 3 4 5 6 7 8 9 10\n")  # a per-CPU line is not the aggregate
        self.assertIsNone(b.cpu_ticks(str(fake)))


class Writer(TempDirCase):
    """Rows as harness/csv.c writes them: the header once, then cells
    quoted where they hold a comma, a quote or a newline."""

    def test_quoting_and_one_header(self):
        sch = schema.load()
        out = str(self.tmp / "w.csv")
        w = cpython_bench.Writer(out, sch)
        err = 'pi off by 0.1, "too far"\nsee log'
        w.row({"kernel": "pi", "error": err})
        w.row({"kernel": "count"})
        with open(out, newline="") as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], sch.columns)
        self.assertEqual(len(rows), 3)
        got = [dict(zip(sch.columns, r)) for r in rows[1:]]
        self.assertEqual((got[0]["kernel"], got[0]["error"]), ("pi", err))
        self.assertEqual((got[1]["kernel"], got[1]["error"]), ("count", ""))


class BadInput(TempDirCase):
    """Status 2, one line naming the problem, no file written."""

    def refused(self, *args, says):
        out = self.tmp / "bad.csv"
        r = bench(*args, "--csv", out)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(says, r.stderr)
        self.assertFalse(out.exists())
        self.assertFalse(os.path.exists(str(out) + ".meta.jsonl"))

    def test_release_on_pure_python(self):
        self.refused("-k", "pi", "--gil-release", "0.5", says="hashmix kernel only")

    def test_release_out_of_range(self):
        self.refused("-k", "hashmix", "--gil-release", "1", says="--gil-release must be")

    def test_tick_too_short_for_hashlib(self):
        self.refused("-k", "hashmix", "-s", "test", "--gil-release", "0.1", "--tick-us", "10",
                     says="hashlib keeps the GIL")

    def test_asyncio_options(self):
        self.refused("-b", "coroutines", says="unknown backend 'coroutines'")
        self.refused("-b", "threads", "--cpu-tasks", "1", says="asyncio backends only")
        self.refused("-b", "asyncio", "--cpu-tasks", "-1", says="--cpu-tasks")
        self.refused("-b", "asyncio", "--cpu-tasks", "1", "--cpu-stretch-ms", "0",
                     says="--cpu-stretch-ms must be")

    def test_unknown_kernel_and_workers(self):
        self.refused("-k", "fib", says="unknown kernel 'fib'")
        self.refused("-w", "1,x", says="--workers")

    def test_foreign_header_left_untouched(self):
        out = self.tmp / "other.csv"
        out.write_text("a,b\n1,2\n")
        r = bench("-k", "count", "-s", "test", "-r", "1", "--csv", out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("another header", r.stderr)
        self.assertEqual(out.read_text(), "a,b\n1,2\n")


class OtherInterpreter(TempDirCase):
    """cpython-bench runs on whichever python3 is installed: the first on
    PATH too, when it is another interpreter than the one running this."""

    def test_default_python3(self):
        py = shutil.which("python3")
        if not py or os.path.realpath(py) == os.path.realpath(sys.executable):
            self.skipTest("python3 on PATH is this interpreter, tested above")
        out = self.tmp / "other.csv"
        r = bench("-k", "count,hashmix", "-b", "threads", "-w", "1", "-s", "test", "-r", "1",
                  "--gil-release", "0.5", "--csv", out, python=py)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([x["verified"] for x in rows], ["true", "true"])


if __name__ == "__main__":
    unittest.main()
