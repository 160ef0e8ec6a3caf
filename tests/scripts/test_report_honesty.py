"""The report never contradicts itself: a point and its interval rounded
together (10,000 generated pairs), "target not reached" only for runs that
had a target, a serial fraction only from intervals that exclude 1x with the
fit's own interval, implausible cells marked and explained, the harness's
warnings from the metadata shown."""
import random
import re
import unittest
from decimal import Decimal

from helpers import TempDirCase
from parscale_py import analysis, numfmt
from parscale_py.commands import report
from parscale_py.render import summary
from test_findings import model, rows_for, run

NUM = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


class Rounding(unittest.TestCase):
    def test_ten_thousand_points_inside_their_intervals(self):
        rng = random.Random(20261202)
        bad = []
        for i in range(10000):
            # magnitudes from 1e-6 to 1e4, intervals from a hair to 30x wide,
            # points anywhere inside, the ends included
            scale = 10 ** rng.uniform(-6, 4)
            lo = scale * rng.uniform(0.01, 1.0)
            hi = lo * (1 + 10 ** rng.uniform(-6, 1.5))
            pt = rng.choice([lo, hi, rng.uniform(lo, hi)])
            digits = rng.choice([2, 3])
            p, a, b = numfmt.with_interval(pt, lo, hi, digits)
            for text in (p, a, b):
                self.assertRegex(text, NUM)
            if not Decimal(a) <= Decimal(p) <= Decimal(b):
                bad.append((pt, lo, hi, digits, p, a, b))
            # the printed interval holds the true one: rounding moved it outward
            if not (Decimal(a) <= Decimal(repr(lo)) and Decimal(repr(hi)) <= Decimal(b)):
                bad.append(("inward", lo, hi, a, b))
        self.assertEqual(bad[:5], [])

    def test_the_issue_s_cells(self):
        self.assertEqual(numfmt.with_interval(1.005, 0.92, 0.9996, 3), ("1.00", "0.92", "1.00"))
        self.assertEqual(numfmt.with_interval(1.92, 1.9, 1.949, 3), ("1.92", "1.90", "1.95"))

    def test_sentences_and_cells_use_it(self):
        a = model()
        s = summary.Summary(a)
        c = s.cell("pi", "omp")
        p, lo, hi = numfmt.with_interval(c.speedup, c.lo, c.hi, 3)
        self.assertEqual(summary.speed_text(c), "%s\u00d7 [%s, %s]" % (p, lo, hi))
        p, lo, hi = numfmt.with_interval(c.speedup, c.lo, c.hi, 2)
        self.assertIn("%s\u00d7 [%s, %s]" % (p, lo, hi), report._cell(c, 2).md)


class Target(unittest.TestCase):
    def stop(self, rule, reason):
        return {"record": "stopping", "run_id": "R", "rule": rule,
                "configs": [{"kernel": "pi", "backend": "omp", "workers": 2, "threads": 2,
                             "ranks": 1, "scaling": "strong", "size": 10, "reps": 7,
                             "reason": reason, "rel_width": 0.2}]}

    def test_a_fixed_run_had_no_target_to_miss(self):
        fixed = self.stop({"ci_width": None, "min_reps": None, "max_reps": None,
                           "max_time": None}, "reps")
        budget = self.stop({"ci_width": None, "min_reps": None, "max_reps": None,
                            "max_time": 60}, "max-time")
        self.assertEqual(analysis.stopping_records([fixed, budget]), (0, []))
        w = report.warnings_for(model(), {}, [], [fixed, budget])
        self.assertFalse([x for x in w if x[0].startswith("Interval target")])

    def test_a_run_with_a_target_still_counts(self):
        rec = self.stop({"ci_width": 0.05, "min_reps": 6, "max_reps": 7, "max_time": None},
                        "max-reps")
        total, short = analysis.stopping_records([rec])
        self.assertEqual((total, len(short)), (1, 1))


class SerialFraction(unittest.TestCase):
    def test_no_fraction_from_an_interval_that_includes_one(self):
        # omp and mpi at 2 workers no faster than seq, give or take noise
        wide = [1.0, 0.8, 1.25, 0.9, 1.15, 1.05, 0.95]
        a = model(**{"pi/omp/2": dict(t=0.98, jitter=wide), "pi/mpi/2": dict(t=1.01, jitter=wide),
                     "stream/omp/2": dict(t=0.99, jitter=wide),
                     "stream/mpi/2": dict(t=0.97, jitter=wide)})
        _, found, left = run(a)
        self.assertNotIn("fits", found)
        self.assertIn("exclude 1", left["the serial fractions of the fits"])

    def test_the_fraction_comes_with_its_interval(self):
        _, found, _ = run(model())
        m = re.search(r"f = ([0-9.]+) \[([0-9.]+), ([0-9.]+)\]", found["fits"].text)
        self.assertTrue(m, found["fits"].text)
        f, lo, hi = (Decimal(x) for x in m.groups())
        self.assertTrue(lo <= f <= hi)


class Implausible(unittest.TestCase):
    def cell(self, rows, kernel, label):
        s = summary.Summary(analysis.Analysis(rows))
        return s.cell(kernel, label)

    def test_superlinear_is_marked_not_coloured(self):
        rows = rows_for("pi", "seq", 1, 1.0) + rows_for("pi", "omp", 2, 0.45)
        c = self.cell(rows, "pi", "omp")
        why = summary.implausible(c, {"pi": {"waits": False}})
        self.assertIn("superlinear", why)
        cell = report._cell(c, 2, 1)
        self.assertIn("implausible", cell.cls)
        self.assertNotIn("eff great", cell.cls)
        self.assertTrue(cell.md.startswith("! ") and cell.md.endswith(" !1"), cell.md)
        # waiting may well beat the workers' count: not marked
        rows = rows_for("io", "seq", 1, 1.0) + rows_for("io", "gil", 2, 0.3)
        self.assertIsNone(summary.implausible(self.cell(rows, "io", "gil"),
                                              {"io": {"waits": True}}))

    def test_null_and_wide_intervals(self):
        rows = rows_for("null", "seq", 1, 1e-8) + rows_for("null", "omp", 2, 6e-4)
        self.assertIn("does no work", summary.implausible(self.cell(rows, "null", "omp")))
        wild = [1.0, 0.01, 40.0, 0.02, 30.0, 0.5, 20.0]
        rows = rows_for("pi", "seq", 1, 1.0) + rows_for("pi", "omp", 2, 1.0, jitter=wild)
        self.assertIn("wider than the speedup", summary.implausible(self.cell(rows, "pi", "omp")))
        rows = rows_for("pi", "seq", 1, 1.0) + rows_for("pi", "omp", 2, 0.55)
        self.assertIsNone(summary.implausible(self.cell(rows, "pi", "omp")))


class HarnessWarnings(TempDirCase):
    def test_placement_steal_and_a_signal_reach_the_report(self):
        rec = {"record": "stopping", "run_id": "R",
               "rule": {"ci_width": None, "min_reps": None, "max_reps": None, "max_time": None},
               "configs": [], "interrupted": "SIGINT",
               "warnings": [{"kind": "placement", "text": "pi omp with 2 workers: workers "
                             "shared a CPU in 5 of 7 repetitions", "fix": "check the binding"},
                            {"kind": "steal", "text": "the hypervisor took 9% of this "
                             "machine's CPU time", "fix": "rerun"},
                            {"kind": "steal_unknown", "text": "not reported", "fix": ""}]}
        got = analysis.harness_warnings([rec])
        self.assertEqual([k for _, k, _ in got], ["placement", "steal", "interrupted"])
        w = report.warnings_for(model(), {}, [], [rec])
        titles = [x[0] for x in w]
        self.assertIn("Harness warning, workers shared a CPU: 1", titles)
        self.assertIn("Harness warning, the hypervisor took CPU time: 1", titles)
        self.assertIn("Harness warning, a signal stopped the run: 1", titles)
        place = next(x for x in w if "shared a CPU" in x[0])
        self.assertIn("run R: pi omp with 2 workers: workers shared a CPU in 5 of 7 "
                      "repetitions; check the binding", place[3])


if __name__ == "__main__":
    unittest.main()
