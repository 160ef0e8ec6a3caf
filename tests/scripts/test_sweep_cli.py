"""scripts/sweep's plan and its refusals, without measuring anything: a
stand-in binary answers `list --json`, and --dry-run prints the launches."""
import argparse
import shlex
import unittest

from helpers import TempDirCase, fake_parscale, run_script
from parscale_py.commands import sweep

LIST = {"kernels": [{"name": n, "flops_per_index": 1, "bytes_per_index": 0,
                     "sizes": {"test": 10, "quick": q, "full": 10 * q}}
                    for n, q in (("pi", 400000000), ("null", 1), ("stream", 8388608))],
        "backends": [{"name": n, "mpi": n == "mpi", "threads": n in ("gil", "omp"),
                      "baseline": n == "seq"} for n in ("seq", "gil", "omp", "mpi")]}


class Plan(TempDirCase):
    def setUp(self):
        super().setUp()
        self.bin = self.tmp / "fake-parscale"
        fake_parscale(self.bin, LIST, run_status=3)
        self.out = self.tmp / "out"

    def dry(self, *args, env=None):
        r = run_script("sweep", "--parscale", self.bin, "--out", self.out, "--dry-run", *args,
                       env=env)
        return r, [shlex.split(line) for line in r.stdout.splitlines()]

    def test_defaults_plain_then_mpirun_per_scaling_mode(self):
        r, launches = self.dry()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(launches), 4)
        ws = sweep.default_workers(sweep.machine_cores())
        self.assertEqual(ws[-1], 2 * sweep.machine_cores())
        for i, scaling in enumerate(("strong", "weak")):
            plain, under = launches[2 * i], launches[2 * i + 1]
            # the backends of one process never beside idle ranks
            self.assertEqual(plain[0], str(self.bin))
            self.assertTrue(under[0].endswith("mpirun"), under)
            self.assertEqual(under[1:6], ["-np", str(ws[-1]), "--oversubscribe", "--bind-to",
                                          "none"])
            for argv, backends in ((plain, "seq,gil,omp"), (under, "seq,mpi")):
                at = argv.index(str(self.bin)) + 2
                opt = dict(zip(argv[at::1], argv[at + 1::1]))
                self.assertEqual(opt["--kernel"], "pi,null,stream")
                self.assertEqual(opt["--backend"], backends)
                self.assertEqual(opt["--workers"], ",".join(map(str, ws)))
                self.assertEqual(opt["--scaling"], scaling)
                self.assertEqual(opt["--size"], "full" if scaling == "strong" else "quick")
                self.assertEqual(opt["--csv"], str((self.out / "results.csv").resolve()))
        self.assertFalse(self.out.exists())          # a dry run writes nothing

    def test_quick_budget_split_by_the_backends_each_launch_measures(self):
        r, launches = self.dry("--quick", "--scaling", "strong")
        self.assertEqual(r.returncode, 0, r.stderr)
        budget = sweep.MODES["quick"]["budget"]
        # gil and omp in the plain launch, mpi under mpirun: 2 to 1
        self.assertEqual([a[a.index("--max-time") + 1] for a in launches],
                         ["%gs" % round(budget * 2 / 3), "%gs" % round(budget / 3)])
        self.assertIn("takes the sizes the launch before it chose", r.stderr)

    def test_the_mpi_launch_takes_the_sizes_the_plain_one_chose(self):
        cols = sweep.schema_mod.load().columns
        csv_path = self.tmp / "r.csv"
        row = dict.fromkeys(cols, "")
        lines = [",".join(cols)]
        for kernel, scaling, order in (("old", "strong", "9"), ("pi", "strong", "6164734"),
                                       ("pi", "strong", "6164734"), ("stream", "strong", "77"),
                                       ("pi", "weak", "5")):
            row.update(kernel=kernel, scaling=scaling, order=order)
            lines.append(",".join(row[c] for c in cols))
        csv_path.write_text("\n".join(lines) + "\n")
        # rows before the launch (the first) and of the other mode are not its
        self.assertEqual(sweep.sizes_written(csv_path, 1, "strong"), "pi=6164734,stream=77")
        self.assertEqual(sweep.sizes_written(csv_path, 5, "strong"), None)
        self.assertEqual(sweep.sizes_written(self.tmp / "none.csv", 0, "strong"), None)
        argv = ["mpirun", "parscale", "run", "--rep-time", "10ms", "--steps", "1"]
        self.assertEqual(sweep.sized_like_previous(argv, "pi=6164734,stream=77",
                                                   ["pi", "stream"]),
                         ["mpirun", "parscale", "run", "--size", "pi=6164734,stream=77",
                          "--steps", "1"])
        # a kernel the first launch did not size: the launch sizes its own
        self.assertIs(sweep.sized_like_previous(argv, "pi=6164734", ["pi", "stream"]), argv)
        self.assertIs(sweep.sized_like_previous(argv, None, ["pi"]), argv)

    def test_default_workers_reach_twice_the_cores(self):
        self.assertEqual(sweep.default_workers(2), [1, 2, 4])
        self.assertEqual(sweep.default_workers(6), [1, 2, 4, 6, 8, 12])
        self.assertEqual(sweep.default_workers(1), [1, 2])

    def test_narrowed_quick_without_mpi(self):
        r, launches = self.dry("--quick", "--kernels", "pi", "--backends", "seq,omp",
                               "--workers", "2,1", "--scaling", "strong", "--", "--seed", "7")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(launches), 1)
        argv = launches[0]
        self.assertEqual(argv[0], str(self.bin))      # no mpirun without mpi
        opt = dict(zip(argv[2::1], argv[3::1]))
        self.assertEqual((opt["--kernel"], opt["--backend"], opt["--workers"]),
                         ("pi", "seq,omp", "1,2"))
        # quick: pi sized on the machine (--rep-time), a fixed count of paired
        # repetitions, and the whole budget for the one launch
        q = sweep.MODES["quick"]
        self.assertEqual(opt["--rep-time"], q["rep_time"]["strong"])
        self.assertNotIn("--size", argv)
        self.assertEqual((opt["--reps"], opt["--max-time"]),
                         (str(q["reps"]), "%gs" % q["budget"]))
        self.assertNotIn("--ci-width", argv)
        # the advice the summary prints names the sweep's own options
        self.assertIn("max-time=--budget", opt["--advice-names"])
        self.assertEqual(argv[-2:], ["--seed", "7"])

    def test_quick_budget_shared_and_reps_fix_the_count(self):
        r, launches = self.dry("--quick", "--backends", "seq,omp", "--mpirun", "none")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(launches), 2)
        q = sweep.MODES["quick"]
        share = sweep.BUDGET_SHARE
        for argv, scaling in zip(launches, ("strong", "weak")):
            self.assertEqual(argv[argv.index("--max-time") + 1],
                             "%gs" % round(q["budget"] * share[scaling] / sum(share.values())))
            self.assertEqual(argv[argv.index("--rep-time") + 1], q["rep_time"][scaling])
            # the quick study's kernels (computing, waiting, bandwidth, dense)
            # that this binary has: it lists pi, null and stream
            self.assertEqual(argv[argv.index("--kernel") + 1],
                             ",".join(k for k in q["kernels"] if k in ("pi", "null", "stream")))
        r, launches = self.dry("--quick", "--reps", "4", "--budget", "30", "--backends", "seq",
                               "--mpirun", "none")
        self.assertEqual(r.returncode, 0, r.stderr)
        for argv in launches:
            self.assertEqual(argv[argv.index("--reps") + 1], "4")
            self.assertEqual(argv[argv.index("--max-time") + 1], "15s")
        # --size replaces the calibration
        r, launches = self.dry("--quick", "--size", "test", "--backends", "seq", "--mpirun", "none")
        self.assertEqual(r.returncode, 0, r.stderr)
        for argv in launches:
            self.assertEqual(argv[argv.index("--size") + 1], "test")
            self.assertNotIn("--rep-time", argv)

    def test_mpi_skipped_without_mpirun(self):
        r, launches = self.dry("--backends", "seq,mpi", "--mpirun", "none")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("none not found: skipping the mpi backend", r.stderr)
        for argv in launches:
            self.assertEqual(argv[0], str(self.bin))
            self.assertEqual(argv[argv.index("--backend") + 1], "seq")

    def test_chart_formats(self):
        ap = argparse.Namespace
        self.assertEqual(sweep.chart_formats(ap(format=None, quick=True)), ("png",))
        self.assertEqual(sweep.chart_formats(ap(format=None, quick=False)),
                         ("png", "svg", "pdf"))
        self.assertEqual(sweep.chart_formats(ap(format=("png", "pdf"), quick=True)),
                         ("png", "pdf"))

    def test_bad_input_exits_2(self):
        for args, why in ((["--workers", "0"], "counts must be 1 or more"),
                          (["--workers", "two"], "expected whole numbers"),
                          (["--kernels", "pi,nope"], "unknown kernel(s): nope"),
                          (["--backends", "gpu"], "unknown backend(s): gpu"),
                          (["--scaling", "both"], "expected strong, weak"),
                          (["--reps", "0"], "must be at least 1"),
                          (["--budget", "0"], "must be above 0"),
                          (["--size", "test", "--rep-time", "5ms"], "give one"),
                          (["--format", "svg"], "must include png"),
                          (["--format", "png,gif"], "unknown chart format 'gif'")):
            r, _ = self.dry(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(why, r.stderr)
        r = run_script("sweep", "--parscale", self.tmp / "missing", "--dry-run")
        self.assertEqual(r.returncode, 2)
        self.assertIn("not an executable file", r.stderr)

    def fake(self, listing):
        """A stand-in binary answering list --json with listing."""
        fake_parscale(self.bin, listing)

    def test_backend_properties_come_from_the_binary(self):
        # names the scripts have never heard of: what they are made of decides
        # mpirun, threads per rank and the baseline count, not the name
        self.fake({"kernels": LIST["kernels"], "backends": [
            {"name": "base", "mpi": False, "threads": False, "baseline": True},
            {"name": "procs", "mpi": True, "threads": False, "baseline": False},
            {"name": "mix", "mpi": True, "threads": True, "baseline": False}]})
        r, launches = self.dry("--scaling", "strong", "--workers", "1,2")
        self.assertEqual(r.returncode, 0, r.stderr)
        argv = launches[0]
        self.assertTrue(argv[0].endswith("mpirun"), argv)
        self.assertEqual(argv[argv.index("--backend") + 1], "base,procs,mix")
        self.assertEqual(argv[argv.index("--threads-per-rank") + 1], "2")
        r, launches = self.dry("--scaling", "strong", "--backends", "base,procs",
                               "--mpirun", "none")
        self.assertIn("skipping the procs backend", r.stderr)
        self.assertNotIn("--threads-per-rank", launches[0])
        self.assertEqual(launches[0][launches[0].index("--backend") + 1], "base")

    def test_refuses_a_binary_that_does_not_describe_its_backends(self):
        self.fake({"kernels": LIST["kernels"], "backends": [{"name": "seq"}]})
        r, launches = self.dry()
        self.assertEqual(r.returncode, 2)
        self.assertIn("does not describe its backends", r.stderr)
        self.assertEqual(launches, [])

    def test_refuses_a_binary_without_a_kernel_list(self):
        self.fake({"kernels": 5, "backends": LIST["backends"]})
        r, launches = self.dry()
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("printed no kernel list", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertEqual(launches, [])

    def test_refuses_to_add_to_a_foreign_csv(self):
        self.out.mkdir()
        csv = self.out / "results.csv"
        csv.write_text("a,b\n1,2\n")
        r, _ = self.dry()
        self.assertEqual(r.returncode, 2)
        self.assertIn("not a parscale CSV", r.stderr)
        self.assertEqual(csv.read_text(), "a,b\n1,2\n")


if __name__ == "__main__":
    unittest.main()
