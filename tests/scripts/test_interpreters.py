"""cpython-bench beside the one interpreter that runs it: --python (each
interpreter found, Python 2.7 through py2bench with the same loops), the
subinterpreters, Cython and Trio/uvloop backends, and the landscape drawing
them.  What needs an interpreter or a library this machine lacks is skipped
by name; where it is present its rows must be right."""
import csv
import json
import os
import subprocess
import sys
import unittest

from helpers import SCRIPTS, TempDirCase
from parscale_py import interpreters, analysis
from parscale_py.commands import landscape
from parscale_py.cpython import cpython_bench, pybackends
from parscale_py.cpython.pykernels import k_count, k_pi, partition, verify_simple

BENCH = SCRIPTS / "studies" / "cpython-bench"
LIB = SCRIPTS / "lib"
FOUND = interpreters.find_all()


def bench(*args, env=None):
    e = dict(os.environ, PARSCALE_CPYTHON=sys.executable)
    e.update(env or {})
    return subprocess.run([str(BENCH)] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=300, env=e)


def rows_of(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def params(row):
    return dict(kv.split("=", 1) for kv in row["params"].split(";") if "=" in kv)


def newest(pred):
    xs = [x for x in FOUND if pred(x)]
    return xs[-1] if xs else None


PY2 = newest(lambda x: x.major == 2)
SUBINTERP = [x for x in FOUND if x.version_tuple >= (3, 12) and not x.free_threaded]


def run_on(py, code):
    """code's stdout on interpreter py, with this package importable."""
    env = dict(os.environ, PYTHONPATH=str(LIB))
    r = subprocess.run([py, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    if r.returncode != 0:
        raise AssertionError("%s failed: %s" % (py, r.stderr))
    return r.stdout


class SameLoops(unittest.TestCase):
    """Python 2.7 runs the very loops Python 3 does, with the same answers."""

    def test_py2_computes_what_py3_does(self):
        if PY2 is None:
            self.skipTest("no Python 2 found (pyenv, PATH)")
        n = 12345
        got = json.loads(run_on(PY2.path, (
            "import json; from parscale_py.cpython.pykernels import k_count, k_pi, partition\n"
            "print(json.dumps([[k_count(%d, *partition(%d, 3, i)), repr(k_pi(%d, *partition(%d, 3, i)))]"
            " for i in range(3)]))" % (n, n, n, n))))
        want = [[k_count(n, *partition(n, 3, i)), repr(k_pi(n, *partition(n, 3, i)))]
                for i in range(3)]
        self.assertEqual(got, want)  # bit for bit: the same float operations in order

    def test_py2_check_interval_ticks(self):
        if PY2 is None:
            self.skipTest("no Python 2 found (pyenv, PATH)")
        out = json.loads(run_on(PY2.path, "from parscale_py.cpython import py2bench\n"
                                "py2bench.main(['--ticks', '--kernels', 'count,pi'])"))
        # count: BINARY_ADD and JUMP_ABSOLUTE return to the eval loop's top;
        # pi: its five arithmetic opcodes, INPLACE_ADD and JUMP_ABSOLUTE
        self.assertEqual(out["count"]["ticks"], 2, out["count"])
        self.assertEqual(out["pi"]["ticks"], 7, out["pi"])

    def test_py2bench_rows_on_this_python(self):
        # py2bench is written for both: here it runs on Python 3
        out = run_on(sys.executable, "from parscale_py.cpython import py2bench\n"
                     "py2bench.main(['--kernels', 'count,pi,io', '--workers', '1,3', "
                     "'--sizes', 'count=3001,pi=3001,io=3', '--reps', '2', '--warmup', '0', "
                     "'--io-wait-us', '100'])")
        lines = [json.loads(x) for x in out.splitlines()]
        self.assertEqual(lines[0]["python"], sys.version.split()[0])
        reps = lines[1:]
        self.assertEqual(len(reps), 3 * 2 * 2)
        for r in reps:
            self.assertEqual(r["error"], "")
            self.assertEqual(verify_simple(r["kernel"], r["n"], r["total"]), "", r)


class ManyPythons(TempDirCase):
    """--python: rows of every interpreter in one CSV, each naming itself."""

    def test_all(self):
        if len(FOUND) < 2:
            self.skipTest("fewer than two interpreters found (pyenv, PATH): %s"
                          % [x.label for x in FOUND])
        out = self.tmp / "all.csv"
        r = bench("--python", "all", "-k", "count", "-b", "threads", "-w", "1,2", "-s", "3000",
                  "-r", "1", "--warmup", "0", "--csv", out)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        rows = rows_of(out)
        self.assertTrue(rows and all(x["verified"] == "true" for x in rows))
        got = {(params(x)["python_version"], params(x)["python_gil"]) for x in rows}
        want = {(x.version, x.gil) for x in FOUND}
        self.assertEqual(got, want)
        for x in rows:
            old = params(x)["python_gil"] == "old"
            self.assertEqual(x["gil_model"], "old" if old else
                             ("disabled" if params(x)["python_gil"] == "none" else "new"))
            self.assertEqual(x["check_interval"], "100" if old else "")
        self.assertEqual(len(rows), 2 * len(FOUND))

    def test_absent_one_is_skipped_by_name(self):
        out = self.tmp / "one.csv"
        r = bench("--python", "/no/such/python,%s" % sys.executable, "-k", "count", "-w", "1",
                  "-b", "threads", "-s", "1000", "-r", "1", "--warmup", "0", "--csv", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("skipped interpreter /no/such/python: absent", r.stdout)
        rows = rows_of(out)
        self.assertEqual({params(x)["python_version"] for x in rows}, {sys.version.split()[0]})

    def test_check_interval_is_python2s(self):
        r = bench("--check-interval", "1000", "-k", "count", "-s", "100", "--csv",
                  self.tmp / "no.csv")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--check-interval applies to Python 2", r.stderr)
        self.assertFalse((self.tmp / "no.csv").exists())
        if PY2 is None:
            self.skipTest("no Python 2 found (pyenv, PATH)")
        out = self.tmp / "py2.csv"
        r = bench("--python", PY2.path, "--check-interval", "1000", "-k", "count,pi,hashmix",
                  "-b", "threads,processes", "-w", "1,2", "-s", "2000", "-r", "1",
                  "--warmup", "0", "--csv", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("skipped cpython-processes on Python %s" % PY2.version, r.stdout)
        self.assertIn("skipped hashmix on Python %s" % PY2.version, r.stdout)
        rows = rows_of(out)
        self.assertEqual(len(rows), 4)
        for x in rows:
            self.assertEqual((x["verified"], x["check_interval"], x["gil_model"]),
                             ("true", "1000", "old"), x)
            self.assertEqual(params(x), {"python_version": PY2.version, "python_gil": "old"})


class Subinterpreters(TempDirCase):
    """A GIL per interpreter (and one shared): right answers, named lock."""

    def test_rows(self):
        if not SUBINTERP:
            self.skipTest("no Python 3.12 or later found (pyenv, PATH)")
        for py in SUBINTERP:
            with self.subTest(python=py.label):
                out = self.tmp / ("s%s.csv" % py.label)
                r = bench("--python", py.path, "-k", "count,pi,io,hashmix", "-b",
                          "subinterpreters,subinterpreters-shared", "-w", "1,2", "-s", "test",
                          "-r", "1", "--warmup", "0", "--io-wait-us", "100", "--csv", out)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("skipped hashmix under cpython-subinterpreters", r.stdout)
                rows = rows_of(out)
                self.assertEqual(len(rows), 3 * 2 * 2)
                for x in rows:
                    self.assertEqual(x["verified"], "true", x)
                    own = x["backend"] == "cpython-subinterpreters"
                    self.assertEqual(params(x)["python_gil"], "per-interpreter" if own else "new")
                    self.assertEqual(x["gil_model"], "per-interpreter" if own else "new")
                    self.assertEqual(x["threads"], x["workers"])

    def test_each_part_in_its_own_interpreter(self):
        if not SUBINTERP:
            self.skipTest("no Python 3.12 or later found (pyenv, PATH)")
        out = json.loads(run_on(SUBINTERP[-1].path, (
            "import json; from parscale_py.cpython.pybackends import Subinterpreters\n"
            "s = Subinterpreters(3, True)\n"
            "res = s.rep('count', 1001, {})\n"
            "print(json.dumps([len(s.ids), [r[2] for r in res]])); s.close()")))
        self.assertEqual(out, [3, [334, 334, 333]])   # partition's parts, one each


class Cython(TempDirCase):
    """The compiled loops: built into the cache, never the source tree."""

    def test_rows_and_cache(self):
        env = {"PARSCALE_CACHE": str(self.tmp / "cache")}
        helper, why = pybackends.availability("cython-nogil", env)
        if helper is None:
            self.skipTest("cython-nogil cannot be built for Python %s here: %s"
                          % (sys.version.split()[0], why))
        self.assertEqual(helper.count(0, 1000, True), 1000)
        self.assertEqual(verify_simple("pi", 5000, helper.pi(5000, 0, 5000, False)), "")
        built = list((self.tmp / "cache" / "cython").glob("*/cython_loops.c"))
        self.assertEqual(len(built), 1)
        # the nogil variant really lets go of the lock around its loop
        self.assertRegex(built[0].read_text(), r"Py_UNBLOCK_THREADS|PyEval_SaveThread")
        out = self.tmp / "c.csv"
        r = bench("-k", "count,pi", "-b", "cython-nogil,cython-gil", "-w", "1,2", "-s", "test",
                  "-r", "1", "--warmup", "0", "--csv", out, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = rows_of(out)
        self.assertEqual(len(rows), 2 * 2 * 2)
        test_sizes = {k: cpython_bench.KERNELS[k][3][0] for k in ("count", "pi")}
        for x in rows:
            self.assertEqual(x["verified"], "true", x)
            self.assertEqual(int(x["size"]), test_sizes[x["kernel"]] * cpython_bench.COMPILED_SCALE)
        here = sorted(p.name for p in (LIB / "parscale_py" / "cpython").iterdir()
                      if p.name.startswith("cython_loops"))
        self.assertEqual(here, ["cython_loops.pyx"])

    def test_skipped_without_cython(self):
        # the module itself on a PATH with no Cython (the launcher needs bash)
        env = dict(os.environ, PATH=str(self.tmp), PYTHONPATH=str(LIB),
                   PARSCALE_CACHE=str(self.tmp / "empty"))
        r = subprocess.run([sys.executable, "-m", "parscale_py.cpython.cpython_bench", "-k", "pi",
                            "-b", "cython-nogil", "-s", "test", "-r", "1", "--csv",
                            str(self.tmp / "none.csv")], capture_output=True, text=True,
                           env=env, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("skipped cpython-cython-nogil on Python", r.stdout)
        self.assertIn("no Cython compiler", r.stdout)
        self.assertFalse((self.tmp / "none.csv").exists())


class EventLoops(TempDirCase):
    """Trio and uvloop wait as asyncio does: one thread, the loop's lateness."""

    def test_rows(self):
        have = [m for m in ("trio", "uvloop") if pybackends.availability(m)[0] is not None]
        if not have:
            self.skipTest("neither trio nor uvloop imports on Python %s"
                          % sys.version.split()[0])
        out = self.tmp / "l.csv"
        r = bench("-k", "io", "-b", ",".join(["asyncio"] + have), "-w", "1,4", "-s", "8",
                  "-r", "1", "--warmup", "0", "--io-wait-us", "2000", "--csv", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = rows_of(out)
        self.assertEqual(len(rows), (1 + len(have)) * 2)
        for x in rows:
            self.assertEqual((x["verified"], x["threads"], x["oversubscribed"]),
                             ("true", "1", "false"), x)
            self.assertTrue(x["loop_lateness_median"], x)
            if x["workers"] == "4":
                # each of the four tasks starts once: three switches at least
                self.assertGreaterEqual(int(x["loop_switches"]), 3, x)
        if len(have) < 2:
            self.skipTest("%s does not import here" % ({"trio", "uvloop"} - set(have)).pop())


class Landscape(TempDirCase):
    """The new routes get their lines, each on its side."""

    def test_lines(self):
        from test_landscape import write_rows
        path = self.tmp / "l.csv"
        write_rows(path, [
            ("io", "cpython-trio", 1, 64, 0.08, {}), ("io", "cpython-trio", 4, 64, 0.02, {}),
            ("io", "cpython-uvloop", 1, 64, 0.08, {}), ("io", "cpython-uvloop", 4, 64, 0.03, {}),
            ("pi", "cpython-subinterpreters", 1, 100, 1.0, {}),
            ("pi", "cpython-subinterpreters", 2, 100, 0.55, {}),
            ("pi", "cpython-cython-nogil", 1, 100, 0.1, {}),
            ("pi", "cpython-cython-nogil", 2, 100, 0.05, {}),
            ("pi", "cpython-cython-gil", 1, 100, 0.1, {}),
            ("pi", "cpython-cython-gil", 2, 100, 0.1, {})])
        rows = analysis.load_csv(str(path))
        io = {ln.backend: ln for ln in landscape.lines(rows, "io")}
        pi = {ln.backend: ln for ln in landscape.lines(rows, "pi")}
        self.assertEqual(set(io), {"cpython-trio", "cpython-uvloop"})
        self.assertEqual(set(pi), {"cpython-subinterpreters", "cpython-cython-nogil",
                                   "cpython-cython-gil"})
        self.assertAlmostEqual(io["cpython-trio"].points[4][0], 4.0)
        self.assertAlmostEqual(pi["cpython-cython-nogil"].points[2][0], 2.0)
        self.assertAlmostEqual(pi["cpython-cython-gil"].points[2][0], 1.0)
        paths, _ = landscape.draw(rows, self.tmp / "out")
        self.assertTrue(all(p.exists() for p in paths))


if __name__ == "__main__":
    unittest.main()
