"""Every statistic parscale's scripts report, defined once.

docs/methodology.md states the same definitions in words; change both
together.

  median             the middle order statistic (mean of the two middle ones
                     for an even count)
  quantile           linear between the order statistics at (n - 1) p
  median CI          exact non-parametric 95% interval of the median from the
                     binomial distribution of order statistics: the ranks l and
                     u = n + 1 - l with l the largest rank such that
                     P(B <= l - 1) <= 2.5% for B ~ Binomial(n, 1/2).  It needs
                     n >= 6; below that the interval is unavailable and
                     [min, max] is shown instead, flagged.
  speedup            S(p) = median T_seq / median T(p), seq at the same kernel,
                     global size and steps (weak scaling: seq at size order*p)
  speedup interval   [seq_lo / par_hi, seq_hi / par_lo] from the two intervals
  efficiency         E(p) = S(p) / p
  Karp-Flatt         e(p) = (1/S - 1/p) / (1 - 1/p), for p > 1
  Amdahl fit         f minimising sum_i (S_i - 1/(f + (1-f)/p_i))^2, f in [0,1]
  Gustafson fit      f minimising sum_i (S_i - (p_i - f (p_i - 1)))^2, f in [0,1]
"""
import math

CI_LEVEL = 0.95
MIN_CI_SAMPLES = 6          # the smallest n for which the 95% interval exists
HIGH_VARIANCE = 0.10        # interval width above this share of the median


def median(xs):
    """The sample median; None for no samples."""
    s = sorted(xs)
    n = len(s)
    if n == 0:
        return None
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2.0


def quantile(xs, p):
    """The p-th quantile (0 <= p <= 1), interpolating linearly between the
    order statistics at (n - 1) p; None for no samples."""
    s = sorted(xs)
    n = len(s)
    if n == 0:
        return None
    pos = p * (n - 1)
    i = int(pos)
    if i + 1 >= n:
        return s[-1]
    return s[i] + (pos - i) * (s[i + 1] - s[i])


def mean(xs):
    return sum(xs) / len(xs) if xs else None


def sd(xs):
    """Sample standard deviation (n - 1); None below two samples."""
    n = len(xs)
    if n < 2:
        return None
    m = mean(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))


def _binom_cdf_half(k, n):
    """P(B <= k) for B ~ Binomial(n, 1/2), exactly (integers, then one division)."""
    if k < 0:
        return 0.0
    return sum(math.comb(n, i) for i in range(0, min(k, n) + 1)) / 2.0 ** n


def median_ci_ranks(n, level=CI_LEVEL):
    """1-based ranks (l, u) of the order statistics bounding the median's
    interval, and its exact coverage; None when n is too small."""
    alpha = (1.0 - level) / 2.0
    best = None
    for l in range(1, n // 2 + 1):
        if _binom_cdf_half(l - 1, n) <= alpha:
            best = l
        else:
            break
    if best is None:
        return None
    return best, n + 1 - best, 1.0 - 2.0 * _binom_cdf_half(best - 1, n)


class Summary:
    """One configuration's samples summarised."""

    def __init__(self, xs, level=CI_LEVEL):
        s = sorted(xs)
        self.n = len(s)
        self.median = median(s)
        self.min = s[0] if s else None
        self.max = s[-1] if s else None
        self.mean = mean(s)
        self.sd = sd(s)
        ranks = median_ci_ranks(self.n, level) if s else None
        if ranks:
            l, u, self.coverage = ranks
            self.lo, self.hi = s[l - 1], s[u - 1]
            self.ci_ranks = (l, u)
            self.ci_available = True
        else:
            self.lo, self.hi = self.min, self.max
            self.ci_ranks = None
            self.coverage = None
            self.ci_available = False

    def rel_width(self):
        """Interval width as a share of the median (min-max when no CI)."""
        if not self.median:
            return None
        return (self.hi - self.lo) / self.median


def speedup(t_seq, t_par):
    if not t_seq or not t_par:
        return None
    return t_seq / t_par


def speedup_interval(seq, par):
    """Conservative interval of a ratio of medians from both intervals."""
    if not seq or not par or not par.lo or not par.hi:
        return None, None
    return seq.lo / par.hi, seq.hi / par.lo


def efficiency(s, p):
    if s is None or not p:
        return None
    return s / p


def karp_flatt(s, p):
    """Experimentally determined serial fraction; None at p = 1."""
    if s is None or s <= 0 or p is None or p <= 1:
        return None
    return (1.0 / s - 1.0 / p) / (1.0 - 1.0 / p)


def amdahl(f, p):
    return 1.0 / (f + (1.0 - f) / p)


def gustafson(f, p):
    return p - f * (p - 1.0)


class Fit:
    """A one-parameter fit of the serial fraction f."""

    def __init__(self, model, f, points):
        self.model = model
        self.f = f
        self.points = list(points)
        fn = amdahl if model == "amdahl" else gustafson
        res = [s - fn(f, p) for p, s in self.points]
        self.rms = math.sqrt(sum(r * r for r in res) / len(res)) if res else None

    def __call__(self, p):
        return (amdahl if self.model == "amdahl" else gustafson)(self.f, p)


def _usable(points):
    pts = [(float(p), float(s)) for p, s in points
           if p is not None and s is not None and p >= 1 and s > 0
           and math.isfinite(s)]
    return pts if any(p > 1 for p, _ in pts) else None


def fit_amdahl(points):
    """Least-squares f in [0, 1] for S(p) = 1/(f + (1-f)/p); None when no
    point has p > 1.  A grid scan brackets the minimum, golden section
    refines it (the error is smooth in f)."""
    pts = _usable(points)
    if not pts:
        return None

    def sse(f):
        return sum((s - amdahl(f, p)) ** 2 for p, s in pts)

    grid = [i / 1000.0 for i in range(1001)]
    i = min(range(len(grid)), key=lambda k: sse(grid[k]))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    g = (math.sqrt(5.0) - 1.0) / 2.0
    c, d = b - g * (b - a), a + g * (b - a)
    for _ in range(100):
        if sse(c) < sse(d):
            b = d
        else:
            a = c
        c, d = b - g * (b - a), a + g * (b - a)
    f = (a + b) / 2.0
    if sse(grid[i]) < sse(f):
        f = grid[i]
    return Fit("amdahl", f, pts)


def fit_gustafson(points):
    """Least-squares f in [0, 1] for S(p) = p - f (p - 1): linear in f, so
    f = -sum((S - p)(p - 1)) / sum((p - 1)^2), clipped to [0, 1]."""
    pts = _usable(points)
    if not pts:
        return None
    num = sum((s - p) * (p - 1.0) for p, s in pts)
    den = sum((p - 1.0) ** 2 for p, _ in pts)
    f = min(1.0, max(0.0, -num / den))
    return Fit("gustafson", f, pts)
