"""The statistics against values worked out by hand."""
import math
import random
import unittest

from parscale_py import stats


class Median(unittest.TestCase):
    def test_odd_even_empty(self):
        self.assertEqual(stats.median([3, 1, 2]), 2)
        self.assertEqual(stats.median([4, 1, 3, 2]), 2.5)
        self.assertIsNone(stats.median([]))

    def test_sd(self):
        self.assertAlmostEqual(stats.sd([2, 4, 4, 4, 5, 5, 7, 9]), math.sqrt(32 / 7))
        self.assertIsNone(stats.sd([1.0]))


class MedianInterval(unittest.TestCase):
    def test_ranks(self):
        # l is the largest rank with P(B <= l-1) <= 2.5%, B ~ Bin(n, 1/2):
        # n=6: P(B<=0) = 1/64 = 1.6%, P(B<=1) = 7/64 = 10.9%   -> (1, 6)
        # n=10: P(B<=1) = 11/1024 = 1.1%, P(B<=2) = 56/1024 = 5.5% -> (2, 9)
        # n=20: P(B<=5) = 2.07%, P(B<=6) = 5.77%               -> (6, 15)
        # n=100: the textbook (40, 61)
        self.assertEqual(stats.median_ci_ranks(6)[:2], (1, 6))
        self.assertEqual(stats.median_ci_ranks(10)[:2], (2, 9))
        self.assertEqual(stats.median_ci_ranks(20)[:2], (6, 15))
        self.assertEqual(stats.median_ci_ranks(100)[:2], (40, 61))
        self.assertAlmostEqual(stats.median_ci_ranks(6)[2], 1 - 2 / 64)
        self.assertAlmostEqual(stats.median_ci_ranks(10)[2], 1 - 22 / 1024)
        for n in range(6, 200):
            self.assertGreaterEqual(stats.median_ci_ranks(n)[2], 0.95, n)

    def test_too_few_for_an_interval(self):
        # n=5: even (x1, x5) covers only 1 - 2/32 = 93.75% < 95%
        for n in range(0, 6):
            self.assertIsNone(stats.median_ci_ranks(n), n)

    def test_summary(self):
        s = stats.Summary([5.0, 1.0, 4.0, 2.0, 3.0, 6.0, 7.0, 8.0, 9.0, 10.0])
        self.assertEqual((s.median, s.lo, s.hi, s.ci_ranks), (5.5, 2.0, 9.0, (2, 9)))
        self.assertTrue(s.ci_available)
        self.assertAlmostEqual(s.rel_width(), 7.0 / 5.5)

    def test_summary_without_interval_shows_min_max(self):
        s = stats.Summary([3.0, 1.0, 2.0])
        self.assertFalse(s.ci_available)
        self.assertEqual((s.median, s.lo, s.hi), (2.0, 1.0, 3.0))


class Scaling(unittest.TestCase):
    def test_speedup_efficiency(self):
        self.assertAlmostEqual(stats.speedup(0.4, 0.21), 1.9047619047619)
        self.assertAlmostEqual(stats.efficiency(1.6, 2), 0.8)
        self.assertIsNone(stats.speedup(0.4, None))

    def test_karp_flatt(self):
        # (1/1.6 - 1/2) / (1 - 1/2) = 0.125 / 0.5
        self.assertAlmostEqual(stats.karp_flatt(1.6, 2), 0.25)
        self.assertAlmostEqual(stats.karp_flatt(4.0, 4), 0.0)
        self.assertAlmostEqual(stats.karp_flatt(1.0, 4), 1.0)
        self.assertIsNone(stats.karp_flatt(1.0, 1))
        # Amdahl data give back its f at every p
        for p in (2, 3, 8):
            self.assertAlmostEqual(stats.karp_flatt(stats.amdahl(0.07, p), p), 0.07)

    def test_speedup_interval(self):
        seq = stats.Summary([1.0] * 3 + [0.9, 1.1, 1.0])      # lo 0.9, hi 1.1
        par = stats.Summary([0.5] * 3 + [0.4, 0.6, 0.5])      # lo 0.4, hi 0.6
        lo, hi = stats.speedup_interval(seq, par)
        self.assertAlmostEqual(lo, 0.9 / 0.6)
        self.assertAlmostEqual(hi, 1.1 / 0.4)


class Fits(unittest.TestCase):
    ps = (1, 2, 4, 8, 16)

    def test_amdahl_recovers_f(self):
        for f in (0.0, 0.03, 0.1, 0.5, 1.0):
            fit = stats.fit_amdahl([(p, stats.amdahl(f, p)) for p in self.ps])
            self.assertAlmostEqual(fit.f, f, places=6)
            self.assertLess(fit.rms, 1e-6)

    def test_amdahl_noisy(self):
        noise = (1.01, 0.99, 1.02, 0.98, 1.0)
        fit = stats.fit_amdahl([(p, stats.amdahl(0.1, p) * e) for p, e in zip(self.ps, noise)])
        self.assertAlmostEqual(fit.f, 0.1, delta=0.01)
        self.assertGreater(fit.rms, 0)

    def test_amdahl_slowdown_clips_at_one(self):
        fit = stats.fit_amdahl([(1, 1.0), (2, 0.6)])
        self.assertEqual(fit.f, 1.0)

    def test_gustafson_recovers_f(self):
        fit = stats.fit_gustafson([(p, stats.gustafson(0.2, p)) for p in self.ps])
        self.assertAlmostEqual(fit.f, 0.2, places=9)
        self.assertAlmostEqual(stats.gustafson(0.2, 4), 3.4)

    def test_needs_more_than_one_worker(self):
        self.assertIsNone(stats.fit_amdahl([(1, 1.0)]))
        self.assertIsNone(stats.fit_gustafson([]))


def brute_differences(x, y):
    """Every log y_j - log x_i, sorted: the definition, formed in full."""
    lx = [math.log(v) for v in x]
    ly = [math.log(v) for v in y]
    return sorted(b - a for a in lx for b in ly)


class HodgesLehmannSelection(unittest.TestCase):
    """kth_difference against sorting every difference: equal, bit for bit."""

    def samples(self, rnd, m, n, kind):
        if kind == "ties":              # three values: most differences tie
            pool = [rnd.choice([1.0, 2.0, 3.5]) for _ in range(3)]
            draw = lambda: rnd.choice(pool)
        elif kind == "grid":            # rounded times: runs of equal values
            draw = lambda: round(rnd.uniform(1.0, 1.2), 2)
        else:
            draw = lambda: rnd.lognormvariate(0.0, 0.3)
        return [draw() for _ in range(m)], [draw() for _ in range(n)]

    def check(self, rnd, m, n, kind, ranks=None):
        x, y = self.samples(rnd, m, n, kind)
        d = brute_differences(x, y)
        a, b = stats._sorted_logs(x), stats._sorted_logs(y)
        mn = m * n
        ranks = ranks or sorted({1, mn, (mn + 1) // 2, mn // 2 + 1 if mn > 1 else 1}
                                | {rnd.randint(1, mn) for _ in range(4)})
        for k in ranks:
            self.assertEqual(stats.kth_difference(a, b, k), d[k - 1],
                             "m=%d n=%d k=%d (%s)" % (m, n, k, kind))
        return x, y, d

    def test_every_rank_of_tiny_samples(self):
        rnd = random.Random(1)
        for m in range(1, 6):
            for n in range(1, 6):
                for kind in ("plain", "ties"):
                    self.check(rnd, m, n, kind, ranks=range(1, m * n + 1))

    def test_many_sizes_by_sampling(self):
        # a tiny enumeration limit makes every size go through the sampled
        # rounds, the tie rule and the per-row rounding fix
        rnd = random.Random(2)
        saved = stats.SELECT_ENUMERATE, stats.SELECT_SAMPLE
        stats.SELECT_ENUMERATE, stats.SELECT_SAMPLE = 5, 40
        try:
            for trial in range(120):
                m, n = rnd.randint(1, 45), rnd.randint(1, 45)
                self.check(rnd, m, n, ("plain", "ties", "grid")[trial % 3])
        finally:
            stats.SELECT_ENUMERATE, stats.SELECT_SAMPLE = saved

    def test_large_beyond_enumeration(self):
        rnd = random.Random(3)
        for kind in ("plain", "grid"):
            self.check(rnd, 1300, 900, kind)     # 1.17e6 differences > SELECT_ENUMERATE

    def test_counts_are_exact_where_rounding_moves_the_edge(self):
        # values of many magnitudes and thresholds a bit either side of a
        # difference: searchsorted on t + a alone is off here, both ways
        import numpy as np
        rnd = random.Random(5)
        for _ in range(150):
            a = np.sort(np.array([rnd.uniform(-50, 50) for _ in range(25)]))
            b = np.sort(np.array([rnd.choice([rnd.uniform(-50, 50), 1.0 / 3])
                                  for _ in range(25)]))
            for _ in range(10):
                t = float(b[rnd.randrange(25)] - a[rnd.randrange(25)])
                t = rnd.choice([t, math.nextafter(t, math.inf), math.nextafter(t, -math.inf)])
                for strict in (False, True):
                    want = [sum(1 for bj in b if (bj - ai < t if strict else bj - ai <= t))
                            for ai in a]
                    self.assertEqual(list(stats._count_le(a, b, t, strict)), want)
            d = sorted(float(bj - ai) for ai in a for bj in b)
            for k in (1, 100, 313, 625):
                self.assertEqual(stats.kth_difference(a, b, k), d[k - 1])

    def test_shift_equals_the_definition(self):
        rnd = random.Random(4)
        for m, n, kind in ((6, 6, "plain"), (7, 12, "ties"), (40, 33, "grid"),
                           (120, 80, "plain"), (1, 9, "plain"), (3, 2, "ties")):
            x, y = self.samples(rnd, m, n, kind)
            d = brute_differences(x, y)
            s = stats.Shift(x, y)
            self.assertEqual(s.ratio, math.exp(stats.median(d)))
            r = stats.hl_rank(m, n)
            if r is None:
                self.assertIsNone(s.lo)
            else:
                k = r[0]
                self.assertEqual((s.lo, s.hi), (math.exp(d[k - 1]), math.exp(d[len(d) - k])))


if __name__ == "__main__":
    unittest.main()
