"""The landscape chart (scripts/landscape) from a CSV alone: the speedups it
draws (parscale's backends against seq, CPython's against themselves at 1
worker), the lines it leaves out, the figure in every format, bad input;
and the sweep's landscape step as planned for a binary with and without an
async backend."""
import shlex

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402

from helpers import TempDirCase, fake_parscale, run_script  # noqa: E402
from parscale_py import analysis, schema  # noqa: E402
from parscale_py.commands import landscape, sweep  # noqa: E402
from parscale_py.render import plots  # noqa: E402
from parscale_py.cpython import cpython_bench  # noqa: E402


def write_rows(path, rows):
    """rows: (kernel, backend, workers, size, seconds, extra) -> a CSV in the
    schema, 3 repetitions each at seconds x 0.9, 1, 1.1 (median: seconds)."""
    w = cpython_bench.Writer(str(path), schema.load())
    for kernel, backend, workers, size, secs, extra in rows:
        for rep, f in enumerate((0.9, 1.0, 1.1)):
            row = {"run_id": "r", "timestamp": "2026-01-02T03:04:05Z", "host": "h",
                   "kernel": kernel, "backend": backend, "workers": workers,
                   "threads": 1, "ranks": 1, "scaling": "strong", "order": size,
                   "size": size, "steps": 1, "rep": rep, "seconds": secs * f,
                   "verified": "true", "cores": 2,
                   "oversubscribed": "true" if workers > 2 else "false",
                   "params": "wait_us=1000" if kernel == "io" else ""}
            row.update(extra)
            w.row(row)


ROWS = [
    ("io", "seq", 1, 64, 0.064, {}),
    ("io", "gil", 1, 64, 0.064, {}), ("io", "gil", 4, 64, 0.016, {}),
    ("io", "gil", 16, 64, 0.008, {}),
    # another size, fewer worker counts: not the line drawn
    ("io", "gil", 2, 8, 0.004, {}), ("io", "seq", 1, 8, 0.008, {}),
    ("io", "cpython-asyncio", 1, 64, 0.080, {}), ("io", "cpython-asyncio", 4, 64, 0.020, {}),
    # the pitfall's rows: left out
    ("io", "cpython-asyncio", 4, 64, 0.5,
     {"params": "wait_us=1000;cpu_tasks=1;cpu_stretch_ms=20"}),
    # a failed repetition does not count
    ("io", "cpython-threads", 1, 64, 0.070, {}), ("io", "cpython-threads", 2, 64, 0.035, {}),
    ("io", "cpython-threads", 2, 64, 9.0, {"verified": "false", "error": "x"}),
    ("pi", "seq", 1, 1000, 1.0, {}), ("pi", "omp", 2, 1000, 0.5, {}),
    ("pi", "cpython-threads", 2, 100, 3.0, {}),       # no 1-worker base: no line
    ("pi", "cpython-processes", 1, 100, 2.0, {}), ("pi", "cpython-processes", 2, 100, 1.25, {}),
    ("pi", "hybrid", 2, 1000, 0.5, {}),                 # not in the landscape
]


class Lines(TempDirCase):
    def setUp(self):
        super().setUp()
        self.csv = self.tmp / "l.csv"
        write_rows(self.csv, ROWS)
        self.rows = analysis.load_csv(self.csv)

    def speedups(self, kernel):
        return {ln.backend: {w: round(s, 6) for w, (s, _, _) in ln.points.items()}
                for ln in landscape.lines(self.rows, kernel)}

    def test_speedups_and_their_bases(self):
        self.assertEqual(self.speedups("io"), {
            "seq": {1: 1.0},
            "gil": {1: 1.0, 4: 4.0, 16: 8.0},                 # against seq at size 64
            "cpython-threads": {1: 1.0, 2: 2.0},              # against itself at 1
            "cpython-asyncio": {1: 1.0, 4: 4.0}})             # the pitfall left out
        self.assertEqual(self.speedups("pi"), {
            "seq": {1: 1.0}, "omp": {2: 2.0}, "cpython-processes": {1: 1.0, 2: 1.6}})

    def test_oversubscribed_points_and_notes(self):
        gil = next(ln for ln in landscape.lines(self.rows, "io") if ln.backend == "gil")
        self.assertEqual({w: o for w, (_, o, _) in gil.points.items()},
                         {1: False, 4: True, 16: True})
        self.assertEqual(gil.key, (64, 1, "wait_us=1000"))
        notes = {ln.backend: ln.note for ln in landscape.lines(self.rows, "io")}
        self.assertEqual(notes["gil"], "vs seq")
        self.assertEqual(notes["cpython-asyncio"], "vs itself at 1 worker")

    def test_settings_are_not_pooled(self):
        # gil at 4 workers under two GIL models: two lines, not one median
        # of both (which would be 0.016 here, not either model's time)
        rows = [("io", "seq", 1, 64, 0.064, {}),
                ("io", "gil", 4, 64, 0.008, {"gil_model": "new"}),
                ("io", "gil", 4, 64, 0.032, {"gil_model": "old"}),
                ("io", "gil", 2, 64, 0.032, {"gil_model": "old"})]
        csv = self.tmp / "models.csv"
        write_rows(csv, rows)
        gil = [ln for ln in landscape.lines(analysis.load_csv(csv), "io")
               if ln.backend == "gil"]
        self.assertEqual([{w: round(s, 6) for w, (s, _, _) in ln.points.items()} for ln in gil],
                         [{2: 2.0, 4: 2.0}])        # the old model's: more worker counts

    def test_pairs_give_the_speedup_and_mark_what_they_do_not_support(self):
        # omp at 2 paired with seq, 8 pairs each: tight ratios near 2, and
        # gil at 2 with ratios from 0.5 to 1.5 (an interval far beyond 15%)
        w = cpython_bench.Writer(str(self.tmp / "p.csv"), schema.load())
        pair = 0
        tight = (1.98, 2.0, 2.01, 1.99, 2.02, 2.0, 1.97, 2.03)
        wide = (0.5, 1.5, 0.7, 1.3, 0.9, 1.1, 0.6, 1.4)
        for backend, ratios in (("omp", tight), ("gil", wide)):
            for rep, ratio in enumerate(ratios):
                for b, secs, tag in (("seq", 0.01, "%db" % pair),
                                     (backend, 0.01 / ratio, "%d" % pair)):
                    w.row({"run_id": "r", "timestamp": "2026-01-02T03:04:05Z", "host": "h",
                           "kernel": "pi", "backend": b, "workers": 1 if b == "seq" else 2,
                           "threads": 1, "ranks": 1, "scaling": "strong", "order": 100,
                           "size": 100, "steps": 1, "rep": rep, "seconds": secs,
                           "verified": "true", "cores": 2, "oversubscribed": "false",
                           "pair": tag, "disturbed": "1" if rep == 0 else "0"})
                pair += 1
        rows = analysis.load_csv(self.tmp / "p.csv")
        got = {ln.backend: ln.points[2] for ln in landscape.lines(rows, "pi") if 2 in ln.points}
        # the first pair of each is set aside (disturbed): the medians of the rest
        self.assertAlmostEqual(got["omp"][0], sorted(tight[1:])[3], places=9)
        self.assertTrue(got["omp"][2])
        self.assertFalse(got["gil"][2])
        self.assertAlmostEqual(landscape.busy_share(rows), 2 * 2 / 32)

    def test_only_the_formats_asked_for(self):
        out = self.tmp / "png"
        landscape.make(self.csv, out, log=lambda m: None, formats=("png",))
        self.assertEqual(sorted(p.name for p in out.iterdir()), ["landscape.png"])

    def test_figure_in_every_format(self):
        out = self.tmp / "out"
        r = run_script("landscape", self.csv, "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        for fmt in plots.FORMATS:
            p = out / ("landscape." + fmt)
            self.assertGreater(p.stat().st_size, 1000, p)
        self.assertTrue((out / "landscape.pdf").read_bytes().startswith(b"%PDF"))
        img = mpimg.imread(str(out / "landscape.png"))
        self.assertEqual(img.shape[:2], (round(landscape.FIGSIZE[1] * plots.DPI),
                                         round(landscape.FIGSIZE[0] * plots.DPI)))
        self.assertGreater(len({tuple(px) for px in img.reshape(-1, img.shape[2])[::97]}), 50)
        # the backends without a line are named, not silently missing
        self.assertIn("io: no line for async, omp, mpi, cpython-processes", r.stderr)


class BadInput(TempDirCase):
    def refused(self, csv, *args, says):
        out = self.tmp / "out"
        r = run_script("landscape", csv, "--out", out, *args)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(says, r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertFalse(list(out.glob("landscape.*")) if out.exists() else [])
        self.assertFalse(out.exists(), "bad input made --out")

    def test_no_rows_of_either_kernel(self):
        csv = self.tmp / "c.csv"
        write_rows(csv, [("count", "seq", 1, 10, 1.0, {})])
        self.refused(csv, says="no verified strong-scaling rows of io or pi")

    def test_foreign_csv_and_same_kernel(self):
        csv = self.tmp / "f.csv"
        csv.write_text("a,b\n1,2\n")
        self.refused(csv, says="not a parscale CSV")
        self.refused(csv, "--waiting", "pi", says="name the same kernel 'pi'")


LIST = {"kernels": [{"name": n, "flops_per_index": 1, "bytes_per_index": 0}
                    for n in ("pi", "io", "null")],
        "backends": [{"name": n, "mpi": n in ("mpi", "hybrid"),
                      "threads": n in ("gil", "omp", "hybrid"), "baseline": n == "seq"}
                     for n in ("seq", "gil", "omp", "mpi", "hybrid")]}


class SweepStep(TempDirCase):
    """The sweep's landscape launches, from --dry-run with a stand-in binary."""

    def dry(self, listing, *args):
        b = self.tmp / "fake-parscale"
        fake_parscale(b, listing)
        r = run_script("sweep", "--parscale", b, "--out", self.tmp / "out", "--dry-run",
                       "--quick", "--scaling", "strong", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        launches = [shlex.split(x) for x in r.stdout.splitlines()]
        csv = str((self.tmp / "out" / "landscape.csv").resolve())
        return [a for a in launches if csv in a], launches

    def opt(self, argv, name):
        return argv[argv.index(name) + 1]

    def test_launches(self):
        scape, _ = self.dry(LIST)
        runs = [a for a in scape if "run" in a]
        io_base, io_local, io_mpi, pi_base, pi_local, pi_mpi = runs
        # the base alone at one worker; the others unpaired (no seq beside them)
        for base in (io_base, pi_base):
            self.assertEqual((self.opt(base, "--backend"), self.opt(base, "--workers")),
                             ("seq", "1"))
        self.assertEqual(self.opt(io_local, "--backend"), "gil,omp")   # no hybrid
        self.assertIn("--no-baseline", io_local)
        self.assertEqual(self.opt(io_local, "--workers"), "1,2,4,8,16,32,64")
        self.assertEqual(self.opt(io_local, "--param"), "io.wait_us=1000")
        # mpi capped at 8 ranks, its seq row is the local launch's
        self.assertTrue(io_mpi[0].endswith("mpirun"))
        self.assertEqual(self.opt(io_mpi, "-np"), "8")
        self.assertEqual(self.opt(io_mpi, "--workers"), "1,2,4,8")
        self.assertIn("--no-baseline", io_mpi)
        self.assertEqual((self.opt(pi_local, "--kernel"), self.opt(pi_local, "--workers")),
                         ("pi", "1,2,4"))
        self.assertEqual(self.opt(pi_mpi, "-np"), "4")
        py = [a for a in scape if a[0].endswith("cpython-bench")]
        # the landscape's other routes: Trio and uvloop, Cython at the C
        # kernels' size, subinterpreters on a 3.12+ (where there is one)
        sub = sweep.subinterpreter_python()
        want = [("io", "threads,asyncio", "1,2,4,8,16,32,64"), ("io", "processes", "1,2,4,8"),
                ("pi", "threads,processes,asyncio", "1,2,4"),
                ("io", "trio,uvloop", "1,2,4,8,16,32,64"), ("pi", "cython-nogil,cython-gil", "1,2,4")]
        if sub != "":
            want.append(("pi", "subinterpreters,subinterpreters-shared", "1,2,4"))
        self.assertEqual([(self.opt(a, "-k"), self.opt(a, "-b"), self.opt(a, "-w")) for a in py],
                         want)
        self.assertEqual(self.opt(py[4], "-s"), sweep.LANDSCAPE_PI[1])
        if sub:
            self.assertEqual(self.opt(py[5], "--python"), sub)

    def test_async_only_when_the_binary_lists_it(self):
        listing = dict(LIST, backends=LIST["backends"] + [
            {"name": "async", "mpi": False, "threads": False, "baseline": False}])
        scape, _ = self.dry(listing)
        self.assertEqual(self.opt(scape[1], "--backend"), "async,gil,omp")

    def test_skipped(self):
        scape, launches = self.dry(LIST, "--no-landscape")
        # the study's own two: one process's backends, then mpi under mpirun
        self.assertEqual((scape, len(launches)), ([], 2))
        scape, _ = self.dry(LIST, "--mpirun", "none")
        self.assertFalse(any(a[0].endswith("mpirun") for a in scape))
        self.assertEqual(len(scape), 9 + (sweep.subinterpreter_python() != ""))

    def test_refuses_an_older_landscape_csv(self):
        out = self.tmp / "out"
        out.mkdir()
        cols = schema.load().columns
        (out / "landscape.csv").write_text(",".join(cols[:-3]) + "\n")
        b = self.tmp / "fake-parscale"
        fake_parscale(b, LIST)
        r = run_script("sweep", "--parscale", b, "--out", out, "--dry-run", "--quick")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("written by an older parscale", r.stderr)


class Plan(TempDirCase):
    def test_every_io_worker_waits(self):
        # at the most workers, each still has a wait of its own to overlap
        self.assertGreaterEqual(int(sweep.LANDSCAPE_IO[1]), max(sweep.LANDSCAPE_IO[2]))
