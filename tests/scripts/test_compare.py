"""scripts/compare on synthetic CSVs drawn from known distributions (seeded):
the statistics against hand-worked values, the verdicts, the exit status,
bad input, references and the report's section."""
import csv
import json
import math
import random
import unittest

from helpers import REPO, TempDirCase, run_script
from parscale_py import schema, stats
from parscale_py.commands import compare

COLUMNS = schema.load().columns
CPU = "Test CPU 9000"


def row(kernel="pi", backend="omp", workers=2, seconds=1.0, rep=0, host="hostA",
        run_id="run-1", verified=True, **over):
    """One CSV row with every column, like parscale's."""
    threads, ranks = (workers, 1) if backend in ("omp", "gil", "seq") else (1, workers)
    r = {c: "" for c in COLUMNS}
    r.update(run_id=run_id, timestamp="2024-05-01T10:00:00Z", host=host, kernel=kernel,
             backend=backend, workers=workers, threads=threads, ranks=ranks,
             scaling="strong", order=100000000, size=100000000, steps=1, rep=rep,
             seconds="%.9f" % seconds, rate="%.6g" % (0.1 / seconds),
             rate_unit="Gintervals/s", verified="true" if verified else "false",
             error="" if verified else "answer off", oversubscribed="false", cores=2)
    if backend == "omp":
        r["schedule"] = "static"
    if backend == "gil":
        r.update(gil_model="new", switch_interval=0.005, tick=1000, gil_release=0)
    r.update(over)
    return r


def write(path, rows, cpu=CPU, cores=2):
    """A CSV and its .meta.jsonl; returns the path."""
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow(r)
    ids = sorted({r["run_id"] for r in rows})
    with open(str(path) + ".meta.jsonl", "w") as fh:
        for i in ids:
            fh.write(json.dumps({"run_id": i, "host": rows[0]["host"], "cpu_model": cpu,
                                 "cores_online": cores, "git": "abc1234"}) + "\n")
    return path


def sample(rng, center, noise, n):
    """n times around center with a relative normal noise of sd `noise`."""
    return [center * (1.0 + rng.gauss(0.0, noise)) for _ in range(n)]


def rows_for(times_by_config, **common):
    out = []
    for cfg, times in times_by_config:
        for i, t in enumerate(times):
            kw = dict(common)
            kw.update(cfg)
            out.append(row(seconds=t, rep=i, **kw))
    return out


class UTestByHand(unittest.TestCase):
    def test_distribution_of_u(self):
        # m = n = 3: the 20 orderings give U = 0..9 as 1,1,2,3,3,3,3,2,1,1
        self.assertEqual(stats.u_counts(3, 3), [1, 1, 2, 3, 3, 3, 3, 2, 1, 1])
        self.assertEqual(sum(stats.u_counts(5, 7)), math.comb(12, 5))
        self.assertEqual(stats.u_counts(1, 4), [1] * 5)

    def test_exact_p(self):
        # complete separation, 4 and 4: p = 2 / C(8,4) = 2/70
        u = stats.UTest([1, 2, 3, 4], [5, 6, 7, 8])
        self.assertEqual((u.u, u.method), (16.0, "exact"))
        self.assertAlmostEqual(u.p, 2 / 70)
        # 3 and 3 separated: 2/20, never below 0.05
        self.assertAlmostEqual(stats.UTest([1, 2, 3], [4, 5, 6]).p, 0.1)
        # x = 1,3,5; y = 2,4,6: U = 1 + 2 + 3 = 6; P(U >= 6) = (3+2+1+1)/20
        u = stats.UTest([1, 3, 5], [2, 4, 6])
        self.assertEqual(u.u, 6.0)
        self.assertAlmostEqual(u.p, 2 * 7 / 20)
        # reversed roles give the same p
        self.assertAlmostEqual(stats.UTest([2, 4, 6], [1, 3, 5]).p, 0.7)

    def test_normal_with_ties(self):
        # x = 1,2,2,3; y = 2,3,3,4,5.  Mid-ranks: 1; 2,2,2 -> 3; 3,3,3 -> 6; 8; 9.
        # R_y = 3+6+6+8+9 = 32, U = 32 - 15 = 17, mean 10; ties 3 and 3:
        # var = 20/12 * (10 - 48/72) = 15.556; z = (7 - 0.5)/3.944 = 1.648;
        # p = erfc(1.648/sqrt 2) = 0.0993
        u = stats.UTest([1, 2, 2, 3], [2, 3, 3, 4, 5])
        self.assertEqual((u.u, u.method), (17.0, "normal"))
        self.assertAlmostEqual(u.p, 0.0993, places=4)
        self.assertEqual(stats.UTest([2, 2, 2], [2, 2]).p, 1.0)

    def test_hodges_lehmann(self):
        # 10 and 10: the tables' two-sided 5% critical U is 23, so k = 24
        k, cov = stats.hl_rank(10, 10)
        self.assertEqual(k, 24)
        self.assertGreaterEqual(cov, 0.95)
        self.assertIsNone(stats.hl_rank(3, 3))      # P(U <= 0) = 1/20 > 2.5%
        self.assertEqual(stats.hl_rank(4, 4)[0], 1)  # 1/70 <= 2.5%
        # y = 2x exactly: every log difference is log 2
        s = stats.Shift([1, 2, 3, 4, 5, 6], [2, 4, 6, 8, 10, 12])
        self.assertAlmostEqual(s.ratio, 2.0)
        # the interval is [exp D_(k), exp D_(37-k)] of the 36 differences
        d = sorted(math.log(b) - math.log(a) for a in [1, 2, 3, 4, 5, 6]
                   for b in [2, 4, 6, 8, 10, 12])
        k = stats.hl_rank(6, 6)[0]
        self.assertAlmostEqual(s.lo, math.exp(d[k - 1]))
        self.assertAlmostEqual(s.hi, math.exp(d[36 - k]))


class Verdicts(TempDirCase):
    def compare(self, base, new, **kw):
        b = write(self.tmp / "base.csv", base)
        n = write(self.tmp / "new.csv", new)
        return compare.compare_paths(b, n, **kw)

    def test_ten_percent_slower_is_slower(self):
        covered = 0
        for seed in range(20):
            rng = random.Random(seed)
            c = self.compare(rows_for([({}, sample(rng, 1.0, 0.02, 10))]),
                             rows_for([({}, sample(rng, 1.10, 0.02, 10))]))
            self.assertEqual([r.verdict for r in c.results], ["slower"], seed)
            self.assertEqual(c.status(), 1)
            r = c.results[0]
            covered += r.lo < 1.10 < r.hi
        # a 95% interval: about 19 of 20 hold the true ratio (17 or fewer: 1.6%)
        self.assertGreaterEqual(covered, 17)

    def test_same_distribution_is_same_95_of_100(self):
        same = 0
        for seed in range(100):
            rng = random.Random(1000 + seed)
            c = self.compare(rows_for([({}, sample(rng, 1.0, 0.02, 10))]),
                             rows_for([({}, sample(rng, 1.0, 0.02, 10))]))
            same += c.results[0].verdict == "same"
        self.assertGreaterEqual(same, 95)

    def test_small_change_under_threshold_is_same_even_when_significant(self):
        rng = random.Random(7)
        base = rows_for([({}, sample(rng, 1.0, 0.003, 10))])
        new = rows_for([({}, sample(rng, 1.03, 0.003, 10))])
        c = self.compare(base, new, threshold=0.05)
        r = c.results[0]
        self.assertLess(r.p, 0.001)
        self.assertEqual(r.verdict, "same")
        self.assertEqual(c.status(), 0)
        # the threshold decided it: at 2% the same samples are slower
        self.assertEqual(self.compare(base, new, threshold=0.02).results[0].verdict, "slower")

    def test_faster_is_not_a_failure(self):
        rng = random.Random(3)
        c = self.compare(rows_for([({}, sample(rng, 1.0, 0.02, 10))]),
                         rows_for([({}, sample(rng, 0.8, 0.02, 10))]))
        self.assertEqual(c.results[0].verdict, "faster")
        self.assertEqual(c.status(), 0)

    def test_few_reps_never_significant_and_said(self):
        c = self.compare(rows_for([({}, [1.0, 1.01, 0.99])]),
                         rows_for([({}, [2.0, 2.01, 1.99])]))
        self.assertEqual(c.results[0].verdict, "same")
        self.assertTrue(c.results[0].few)
        self.assertTrue(any("too few repetitions" in n for n in c.notes()))

    def test_unmatched_and_unverified_are_listed(self):
        rng = random.Random(5)
        base = rows_for([({"workers": 1}, sample(rng, 1, 0.02, 6)),
                         ({"workers": 2}, sample(rng, 0.5, 0.02, 6)),
                         ({"kernel": "count"}, sample(rng, 0.3, 0.02, 6))])
        new = rows_for([({"workers": 1}, sample(rng, 1, 0.02, 6)),
                        ({"workers": 2}, sample(rng, 0.5, 0.02, 6)),
                        ({"workers": 4, "oversubscribed": "true"}, sample(rng, 0.5, 0.02, 6))])
        new.append(row(workers=2, seconds=0.1, rep=9, verified=False))
        c = self.compare(base, new)
        self.assertEqual(len(c.results), 2)
        self.assertEqual([cfg["kernel"] for cfg, _ in c.only_base], ["count"])
        self.assertEqual([cfg["workers"] for cfg, _ in c.only_new], [4])
        notes = "\n".join(c.notes())
        self.assertIn("only in BASE (1): count omp x2", notes)
        self.assertIn("only in NEW (1): pi omp x4", notes)
        self.assertIn("NEW: 1 unverified or failed repetition(s) left out (pi omp x2)", notes)
        self.assertEqual(c.results[1].new.n, 6)        # the unverified row is not a sample


class WriteAtomic(TempDirCase):
    def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(self):
        path = self.tmp / "refs.json"
        path.write_text("old\n")
        from parscale_py import safeio   # where every script's writes go
        replace = safeio.os.replace

        def broken(src, dst):
            raise OSError(28, "No space left on device")
        safeio.os.replace = broken
        try:
            with self.assertRaises(OSError):
                compare.write_atomic(path, "new\n")
        finally:
            safeio.os.replace = replace
        self.assertEqual(path.read_text(), "old\n")
        self.assertEqual([p.name for p in self.tmp.iterdir()], ["refs.json"])


class CommandLine(TempDirCase):
    def setUp(self):
        super().setUp()
        rng = random.Random(11)
        self.cfgs = [({"kernel": k, "backend": b, "workers": w}, None)
                     for k in ("pi", "count") for b, w in (("seq", 1), ("omp", 1), ("omp", 2))]
        self.base = write(self.tmp / "base.csv", rows_for(
            [(c, sample(rng, 1.0 / c["workers"], 0.02, 10)) for c, _ in self.cfgs]))
        self.same = write(self.tmp / "same.csv", rows_for(
            [(c, sample(rng, 1.0 / c["workers"], 0.02, 10)) for c, _ in self.cfgs],
            run_id="run-2"))
        self.slow = write(self.tmp / "slow.csv", rows_for(
            [(c, sample(rng, (1.2 if c["backend"] == "omp" and c["workers"] == 2 else 1.0)
                        / c["workers"], 0.02, 10)) for c, _ in self.cfgs], run_id="run-3"))

    def test_exit_status_and_formats(self):
        r = run_script("compare", self.base, self.same)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("0 slower, 0 faster, 6 same of 6", r.stdout)
        r = run_script("compare", self.base, self.slow, "--json")
        self.assertEqual(r.returncode, 1, r.stderr)
        doc = json.loads(r.stdout)
        slower = [x["label"] for x in doc["results"] if x["verdict"] == "slower"]
        self.assertEqual(sorted(slower), ["count omp x2", "pi omp x2"])
        self.assertEqual(doc["exit"], 1)
        r = run_script("compare", self.base, self.slow, "--md")
        self.assertEqual(r.returncode, 1)
        self.assertIn("| pi omp x2 |", r.stdout)
        self.assertIn("| slower |", r.stdout)
        r = run_script("compare", self.base, self.slow, "--threshold", "25%")
        self.assertEqual(r.returncode, 0, r.stdout)
        # a results directory stands for its results.csv
        d = self.tmp / "run"
        d.mkdir()
        write(d / "results.csv", rows_for([(c, [1.0 / c["workers"]] * 6)
                                           for c, _ in self.cfgs]))
        r = run_script("compare", self.base, d)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        self.assertIn("NEW:  %s" % (d / "results.csv"), r.stdout)

    def test_charts(self):
        out = self.tmp / "charts"
        r = run_script("compare", self.base, self.slow, "--out", out)
        self.assertEqual(r.returncode, 1, r.stderr)
        names = sorted(p.name for p in out.iterdir())
        for stem in ("compare-ratios", "compare-pi-speedup-strong",
                     "compare-count-speedup-strong"):
            for fmt in ("png", "svg", "pdf"):
                self.assertIn("%s.%s" % (stem, fmt), names)
        self.assertTrue((out / "compare-ratios.pdf").read_bytes().startswith(b"%PDF"))
        svg = (out / "compare-ratios.svg").read_text()
        self.assertIn("count", svg)                  # one panel titled per kernel
        self.assertIn("pi", svg)

    def test_bad_input_exits_2_one_line_nothing_written(self):
        foreign = self.tmp / "foreign.csv"
        foreign.write_text("a,b,c\n1,2,3\n")
        other = write(self.tmp / "other.csv", rows_for([({"kernel": "stream"}, [1.0] * 5)]))
        cases = [
            ([self.tmp / "missing.csv", self.same], "no such file"),
            ([foreign, self.same], "not a parscale CSV"),
            ([self.base, other], "no configuration of"),
            ([self.base, self.same, "--alpha", "1.5"], "--alpha"),
            ([self.base, self.same, "--threshold", "five"], "--threshold"),
            ([self.base, self.same, "--base-filter", "colour=red"], "not a CSV column"),
            ([self.base, self.same, "--new-filter", "backend=mpi"], "matches no row"),
            ([self.base, self.same, "--ignore", "kernel"], "always matched"),
            ([self.base, self.same, "--match", "seconds"], "not a key"),
            ([self.base], "expected BASE and NEW"),
            ([self.base, self.same, "--bogus"], "unrecognized"),
        ]
        for args, what in cases:
            out = self.tmp / "out-never"
            r = run_script("compare", *(args + ["--out", out]))
            self.assertEqual(r.returncode, 2, (args, r.stdout, r.stderr))
            self.assertIn(what, r.stderr, args)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertEqual(r.stdout, "", args)
            self.assertFalse(out.exists(), args)

    def test_filters_compare_two_settings_of_one_csv(self):
        rng = random.Random(2)
        rows = rows_for([({"backend": "gil"}, sample(rng, 1.0, 0.02, 8))])
        rows += rows_for([({"backend": "gil", "gil_model": "old", "switch_interval": "",
                            "check_interval": 100, "tick": 50}, sample(rng, 1.8, 0.02, 8))])
        one = write(self.tmp / "gil.csv", rows)
        r = run_script("compare", one, one, "--base-filter", "gil_model=new",
                       "--new-filter", "gil_model=old")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("pi gil x2", r.stdout)
        self.assertIn("not matched on gil_model, switch_interval, check_interval, tick", r.stdout)
        # without the filters the two models are two configurations, each the same
        r = run_script("compare", one, one)
        self.assertEqual(r.returncode, 0)
        self.assertIn("0 slower, 0 faster, 2 same of 2", r.stdout)

    def test_hosts(self):
        rng = random.Random(4)
        a = write(self.tmp / "a.csv", rows_for([({}, sample(rng, 1, 0.02, 6))], host="alpha"))
        b = write(self.tmp / "b.csv", rows_for([({}, sample(rng, 1, 0.02, 6))], host="beta"),
                  cpu="Other CPU", cores=4)
        r = run_script("compare", a, b)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("different machines", r.stdout)
        r = run_script("compare", a, b, "--match", "host")
        self.assertEqual(r.returncode, 2)
        self.assertIn("never agree on host", r.stderr)

    def test_references(self):
        ref = self.tmp / "refs.json"
        r = run_script("compare", "--make-references", ref, self.base, "--tolerance", "10%")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(ref.read_text())
        m = doc["machines"]["hostA"]
        self.assertEqual((m["cpu_model"], m["cores"]), (CPU, 2))
        pi2 = [e for e in m["references"] if e["config"]["kernel"] == "pi"
               and e["config"]["workers"] == 2][0]
        self.assertIn("speedup", pi2)
        self.assertEqual(pi2["rate"]["lower"], -0.1)
        r = run_script("compare", "--references", ref, self.same)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("0 below, 0 above", r.stdout)
        r = run_script("compare", "--references", ref, self.slow, "--json")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        bad = sorted((c["label"], c["metric"], c["verdict"]) for c in
                     json.loads(r.stdout)["checks"] if c["verdict"] != "ok")
        self.assertEqual(bad, [("count omp x2", "rate", "below"),
                               ("count omp x2", "speedup", "below"),
                               ("pi omp x2", "rate", "below"),
                               ("pi omp x2", "speedup", "below")])
        # another machine: refused unless named
        other = write(self.tmp / "other.csv", rows_for([({}, [1.0] * 5)]), cpu="Other", cores=8)
        both = self.tmp / "both.json"
        both.write_text(ref.read_text())
        r = run_script("compare", "--make-references", both, other, "--machine", "big")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(list(json.loads(both.read_text())["machines"]), ["hostA", "big"])
        r = run_script("compare", "--references", both, other)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("machine 'big'", r.stdout)
        # none of the file's machines: a warning, nothing judged; strict: bad input
        r = run_script("compare", "--references", ref, other)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no references for this machine (Other, 8 cores", r.stderr)
        self.assertIn("nothing judged", r.stderr)
        r = run_script("compare", "--references", ref, other, "--references-strict")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no references for this machine (Other, 8 cores", r.stderr)
        r = run_script("compare", "--references", ref, other, "--machine", "hostA")
        self.assertIn(r.returncode, (0, 1), r.stderr)
        self.assertIn("not run", r.stdout)
        # bad input: nothing written
        fresh = self.tmp / "fresh.json"
        for args in (["--make-references", fresh, self.tmp / "missing.csv"],
                     ["--make-references", fresh, self.base, "--tolerance", "-5%"],
                     ["--make-references", fresh, self.base, self.same]):
            r = run_script("compare", *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertFalse(fresh.exists(), args)
        ref.write_text('{"format": "something else"}')
        r = run_script("compare", "--references", ref, self.same)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not a parscale reference file", r.stderr)

    def test_committed_reference_file_fits_its_run(self):
        ref = REPO / "results" / "reference" / "references.json"
        run = REPO / "results" / "reference" / "references-run.csv"
        r = run_script("compare", "--references", ref, run, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertGreater(len(doc["checks"]), 20)
        self.assertEqual(doc["summary"]["ok"], len(doc["checks"]))

    def test_report_section(self):
        out = self.tmp / "report"
        r = run_script("report", self.slow, "--out", out, "--compare", self.base)
        self.assertEqual(r.returncode, 0, r.stderr)
        md = (out / "report.md").read_text()
        self.assertIn("## Compared with %s" % self.base, md)
        self.assertIn("| pi omp x2 |", md)
        self.assertIn("compare-ratios.png", md)
        self.assertTrue((out / "compare-ratios.png").is_file())
        # the section shows the ratio chart only: no speedup charts drawn for it
        self.assertEqual(sorted(p.name for p in out.glob("compare-*.png")),
                         ["compare-ratios.png"])
        out2 = self.tmp / "report2"
        r = run_script("report", self.slow, "--out", out2, "--compare", self.tmp / "nope.csv")
        self.assertEqual(r.returncode, 2)
        self.assertFalse(out2.exists())


if __name__ == "__main__":
    unittest.main()


# ---- machines told apart, disturbed repetitions, drift ----------------------

EPYC_512 = {"cpu_model": "AMD EPYC", "cpu_vendor": "AuthenticAMD", "cpu_family": 25,
            "cpu_model_id": 17, "cpu_stepping": 1, "isa": "sse4_2 avx avx2 fma avx512f "
            "avx512bw avx512vl", "hypervisor": "KVMKVMKVM", "fingerprint": "1111aaaa2222bbbb"}
EPYC_AVX2 = dict(EPYC_512, cpu_family=23, cpu_model_id=49, cpu_stepping=0,
                 isa="sse4_2 avx avx2 fma", fingerprint="3333cccc4444dddd")


def write_meta(path, rows, ident, cores=2, date="2024-05-01T10:00:00Z"):
    """A CSV whose metadata carries a CPU identity (as parscale info gives it)."""
    write(path, rows, cpu=ident["cpu_model"], cores=cores)
    ids = sorted({r["run_id"] for r in rows})
    with open(str(path) + ".meta.jsonl", "w") as fh:
        for i in ids:
            fh.write(json.dumps(dict(ident, run_id=i, host=rows[0]["host"],
                                     cores_online=cores, git="abc1234", date=date)) + "\n")
    return path


def with_disturbed(tmp):
    """The schema's columns, which have the harness's `disturbed` column,
    for the CSVs of one test; (columns, env)."""
    del tmp
    return schema.load().columns, {}


def write_cols(path, rows, columns, **meta):
    """write() for another column list (the rows carry the extra columns)."""
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in columns})
    ids = sorted({r["run_id"] for r in rows})
    with open(str(path) + ".meta.jsonl", "w") as fh:
        for i in ids:
            fh.write(json.dumps(dict(meta, run_id=i, host=rows[0]["host"], cpu_model=CPU,
                                     cores_online=2)) + "\n")
    return path


class MachinesToldApart(TempDirCase):
    """Two 'AMD EPYC, 2 cores' guests of different CPUs (the fixture's two
    metadata files): references made on one are never applied to the other."""

    def setUp(self):
        super().setUp()
        rng = random.Random(5)
        cfgs = [{"kernel": "pi", "backend": b, "workers": w}
                for b, w in (("seq", 1), ("omp", 2))]
        make = lambda rid: rows_for([(c, sample(rng, 1.0 / c["workers"], 0.004, 10))
                                     for c in cfgs], run_id=rid)
        self.a = write_meta(self.tmp / "a.csv", make("ra"), EPYC_512)
        self.a2 = write_meta(self.tmp / "a2.csv", make("ra2"), EPYC_512)
        self.b = write_meta(self.tmp / "b.csv", make("rb"), EPYC_AVX2)
        self.ref = self.tmp / "refs.json"
        r = run_script("compare", "--make-references", self.ref, self.a, "--machine", "big")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_references_carry_the_fingerprint_and_identity(self):
        m = json.loads(self.ref.read_text())["machines"]["big"]
        self.assertEqual(m["fingerprint"], EPYC_512["fingerprint"])
        self.assertEqual((m["cpu_vendor"], m["cpu_family"], m["isa"]),
                         ("AuthenticAMD", 25, EPYC_512["isa"]))

    def test_same_cpu_is_judged(self):
        r = run_script("compare", "--references", self.ref, self.a2)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("machine 'big'", r.stdout)
        self.assertIn("0 below, 0 above", r.stdout)
        self.assertEqual(r.stderr, "")

    def test_another_cpu_of_the_same_name_is_refused(self):
        r = run_script("compare", "--references", self.ref, self.b)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn("no references for this machine (AMD EPYC, 2 cores, fingerprint "
                      "3333cccc4444dddd", r.stderr)
        self.assertIn("nothing judged", r.stderr)
        r = run_script("compare", "--references", self.ref, self.b, "--references-strict")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("never applied to another CPU", r.stderr)
        # named on purpose: still refused, with both CPUs described
        r = run_script("compare", "--references", self.ref, self.b, "--machine", "big")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--machine big is another CPU", r.stderr)
        self.assertIn("avx512f", r.stderr)

    def test_a_file_without_fingerprints_is_an_unknown_machine(self):
        doc = json.loads(self.ref.read_text())
        del doc["machines"]["big"]["fingerprint"]
        old = self.tmp / "old.json"
        old.write_text(json.dumps(doc))
        r = run_script("compare", "--references", old, self.b)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("has no fingerprint", r.stderr)
        self.assertIn("machine 'big'", r.stdout)
        r = run_script("compare", "--references", old, self.b, "--references-strict")
        self.assertEqual(r.returncode, 2)
        self.assertIn("has no fingerprint", r.stderr)

    def test_make_references_refuses_noisy_and_disturbed(self):
        cols, env = with_disturbed(self.tmp)
        rng = random.Random(2)
        rows = rows_for([({"kernel": "pi", "backend": "seq", "workers": 1},
                          sample(rng, 1.0, 0.003, 10)),
                         ({"kernel": "count", "backend": "seq", "workers": 1},
                          sample(rng, 1.0, 0.30, 10)),
                         ({"kernel": "stream", "backend": "seq", "workers": 1},
                          sample(rng, 1.0, 0.003, 10))])
        for r in rows:
            # stream: 3 of 10 disturbed, more than a quarter; pi: one, set aside
            r["disturbed"] = "1" if (r["kernel"] == "stream" and r["rep"] in (2, 3, 4)) or \
                (r["kernel"] == "pi" and r["rep"] == 5) else "0"
        slow = next(r for r in rows if r["kernel"] == "pi" and r["rep"] == 5)
        slow["seconds"] = str(float(slow["seconds"]) * 3)
        slow["rate"] = str(float(slow["rate"]) / 3)
        run = write_cols(self.tmp / "noisy.csv", rows, cols, fingerprint="ffff")
        out = self.tmp / "new.json"
        r = run_script("compare", "--make-references", out, run, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        refs = json.loads(out.read_text())["machines"]
        kernels = [e["config"]["kernel"] for m in refs.values() for e in m["references"]]
        self.assertEqual(kernels, ["pi"])
        self.assertIn("refused 2 configuration(s)", r.stderr)
        self.assertRegex(r.stderr, r"count seq x1 \(interval \d+\.\d% > 5%\)")
        self.assertIn("stream seq x1 (3 of 10 repetitions disturbed)", r.stderr)
        # pi's one disturbed repetition (three times slower) is set aside:
        # its median rate is its nine others'
        pi = [e for m in refs.values() for e in m["references"]][0]
        rates = sorted(float(x["rate"]) for x in rows if x["kernel"] == "pi" and x["rep"] != 5)
        self.assertEqual(len(rates), 9)
        self.assertAlmostEqual(pi["rate"]["expect"], rates[4], delta=1e-5 * rates[4])
        # a wider target lets count in; nothing is written when all are refused
        r = run_script("compare", "--make-references", out, run, "--ci-width", "90%", env=env)
        self.assertIn("refused 1 configuration(s)", r.stderr)
        only = write_cols(self.tmp / "only.csv", [x for x in rows if x["kernel"] == "count"],
                          cols)
        fresh = self.tmp / "fresh.json"
        r = run_script("compare", "--make-references", fresh, only, env=env)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("count seq x1 (interval", r.stderr)
        self.assertFalse(fresh.exists())


class DisturbedAndDrift(TempDirCase):
    """Disturbed repetitions set aside when the column exists, every row used
    when it does not; two separate runs widen their threshold to the control's
    drift and say so."""

    def test_disturbed_rows_set_aside_and_counted(self):
        cols, env = with_disturbed(self.tmp)
        rng = random.Random(3)
        cfg = {"kernel": "pi", "backend": "seq", "workers": 1}
        base = rows_for([(cfg, sample(rng, 1.0, 0.01, 10))])
        new = rows_for([(cfg, sample(rng, 1.0, 0.01, 10))], run_id="run-2")
        for r in new[:4]:            # 4 repetitions slowed by a neighbour, flagged
            r["seconds"] = "%.9f" % (float(r["seconds"]) * 1.5)
            r["disturbed"] = "1"
        for r in base + new[4:]:
            r["disturbed"] = "0"
        b = write_cols(self.tmp / "b.csv", base, cols)
        n = write_cols(self.tmp / "n.csv", new, cols)
        r = run_script("compare", b, n, "--json", env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual((doc["results"][0]["base_n"], doc["results"][0]["new_n"]), (10, 6))
        self.assertEqual(doc["new"]["disturbed"], 4)
        self.assertTrue(any("NEW: 4 of 10 verified repetition(s) disturbed" in x
                            for x in doc["notes"]))
        # the same rows as an older parscale wrote them, before the
        # disturbance columns (a leading part of today's): every row counts
        older = COLUMNS[:COLUMNS.index("runq_delay")]
        plain_b = write_cols(self.tmp / "pb.csv", base, older)
        plain_n = write_cols(self.tmp / "pn.csv", new, older)
        r = run_script("compare", plain_b, plain_n, "--json")
        doc = json.loads(r.stdout)
        self.assertEqual((doc["results"][0]["base_n"], doc["results"][0]["new_n"]), (10, 10))
        self.assertEqual(doc["new"]["disturbed"], 0)

    def runs(self, control_change, pi_change, t_new="2024-05-01T10:04:00Z"):
        rng = random.Random(8)
        cfgs = [({"kernel": "null", "backend": "seq", "workers": 1}, 1e-3),
                ({"kernel": "pi", "backend": "seq", "workers": 1}, 1.0)]
        base = rows_for([(c, sample(rng, t, 0.005, 10)) for c, t in cfgs])
        new = rows_for([(c, sample(rng, t * (control_change if c["kernel"] == "null"
                                              else pi_change), 0.005, 10))
                        for c, t in cfgs], run_id="run-2", timestamp=t_new)
        return write(self.tmp / "b.csv", base), write(self.tmp / "n.csv", new)

    def test_control_drift_widens_the_threshold(self):
        b, n = self.runs(1.08, 1.06)
        r = run_script("compare", b, n)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertRegex(r.stdout, r"runs 4 min apart; the control \(null seq x1\) moved "
                         r"[78]\.\d%: changes under [78]\.\d% are not judged")
        self.assertIn("widened from 5% by the control's drift", r.stdout)
        # without the control, 6% is beyond 5%: slower
        r = run_script("compare", b, n, "--control", "none")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("no control configuration in both", r.stdout)
        self.assertIn("use --ab", r.stdout)
        # a control that did not move: the threshold stays, 6% is slower
        b, n = self.runs(1.0, 1.06)
        r = run_script("compare", b, n, "--json")
        doc = json.loads(r.stdout)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(doc["threshold"], 0.05)
        self.assertEqual(doc["drift"]["apart_seconds"], 240.0)
        self.assertEqual(doc["drift"]["controls"], ["null seq x1"])
        # a control named by the user
        r = run_script("compare", b, n, "--control", "kernel=pi,backend=seq", "--json")
        doc = json.loads(r.stdout)
        self.assertEqual(doc["drift"]["controls"], ["pi seq x1"])
        self.assertGreater(doc["threshold"], 0.05)
        r = run_script("compare", b, n, "--control", "kernel")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--control 'kernel': expected KEY=VALUE", r.stderr)
