"""The C statistics (harness/stats.c, which the terminal summary uses) and
the Python ones (parscale_py/stats.py, which the tables and charts use) must
agree exactly: the 95% interval's order-statistic ranks for n = 1..200, the
median, the interval's ends and the quantiles, bit for bit, on the same
sample sets.  tests/stats_dump.c prints what C makes of them
($PARSCALE_STATS_DUMP names that program)."""
import json
import os
import random
from fractions import Fraction
import subprocess
import unittest

from parscale_py import stats

PS = [0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0]


def sample_sets():
    """For every n in 1..200 a set of times, some with ties and some of
    decimal steps (whose midpoints round), shuffled."""
    rng = random.Random(20261201)
    sets = []
    for n in range(1, 201):
        kind = n % 3
        if kind == 0:
            xs = [rng.lognormvariate(-3, 0.4) for _ in range(n)]
        elif kind == 1:
            xs = [round(rng.randint(1, 40) * 0.1, 1) for _ in range(n)]   # ties
        else:
            xs = [0.1 * rng.randint(1, 10 ** 6) + 1e-9 * rng.random() for _ in range(n)]
        sets.append(xs)
    return sets


def from_c(sets):
    exe = os.environ.get("PARSCALE_STATS_DUMP")
    if not exe:
        raise unittest.SkipTest("PARSCALE_STATS_DUMP not set (CTest sets it)")
    text = "".join(" ".join(repr(x) for x in xs) + "\n" for xs in sets)
    r = subprocess.run([exe] + [repr(p) for p in PS], input=text, capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("%s failed: %s" % (exe, r.stderr))
    return [json.loads(line) for line in r.stdout.splitlines()]


class CAndPythonAgree(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sets = sample_sets()
        cls.c = from_c(cls.sets)

    def test_every_set_answered(self):
        self.assertEqual([c["n"] for c in self.c], list(range(1, 201)))

    def test_interval_ranks_n_1_to_200(self):
        for n, c in zip(range(1, 201), self.c):
            py = stats.median_ci_ranks(n)
            self.assertEqual(c["rank"], py[0] if py else 0, "n = %d" % n)
            self.assertEqual(bool(c["ci_exact"]), py is not None, "n = %d" % n)
        # where the interval first exists, and a rank known by hand
        self.assertEqual(self.c[4]["rank"], 0)
        self.assertEqual(self.c[5]["rank"], 1)
        self.assertEqual(self.c[19]["rank"], 6)

    def test_summaries_bit_for_bit(self):
        for xs, c in zip(self.sets, self.c):
            s = stats.Summary(xs)
            n = len(xs)
            for what, py in (("median", s.median), ("min", s.min), ("max", s.max),
                             ("ci_lo", s.lo), ("ci_hi", s.hi)):
                self.assertEqual(c[what], py, "n = %d: %s C %r, Python %r"
                                 % (n, what, c[what], py))
            # sums may be added in another order (Python 3.12's sum() is
            # compensated): equal to rounding only
            self.assertAlmostEqual(c["mean"], s.mean, delta=1e-12 * abs(s.mean))
            self.assertAlmostEqual(c["sd"], s.sd or 0.0, delta=1e-9 * abs(s.mean))

    def test_the_median_is_the_nearest_double_to_the_true_one(self):
        # which side is right, should they part again: the exact mean of the
        # two middle values, rounded once
        for xs, c in zip(self.sets, self.c):
            s = sorted(xs)
            n = len(s)
            true = Fraction(s[n // 2]) if n % 2 else (Fraction(s[n // 2 - 1]) +
                                                      Fraction(s[n // 2])) / 2
            self.assertEqual(c["median"], float(true), "n = %d" % n)

    def test_quantiles_bit_for_bit(self):
        for xs, c in zip(self.sets, self.c):
            for p, q in zip(PS, c["quantiles"]):
                self.assertEqual(q, stats.quantile(xs, p), "n = %d, p = %g" % (len(xs), p))


if __name__ == "__main__":
    unittest.main()
