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

Comparing two samples x (BASE) and y (NEW) of times (scripts/compare):
  Mann-Whitney U     U = #{(i,j): y_j > x_i} + #{ties}/2; the two-sided
                     p-value exactly from U's distribution when there are no
                     ties and m*n <= EXACT_U_LIMIT, else from the normal
                     approximation with the tie correction and a continuity
                     correction of 1/2
  Hodges-Lehmann     the shift of log y against log x: the median of the m*n
                     differences log y_j - log x_i, with the exact
                     distribution-free 95% interval [D_(k), D_(mn+1-k)] where
                     k is the largest with P(U <= k - 1) <= 2.5% (the same
                     U distribution); exp() of both gives the ratio's interval.
                     The differences are never formed: each order statistic
                     is selected exactly (kth_difference)
"""
import functools
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
    # scaled by the largest deviation, so that squares of huge times (a
    # CSV from elsewhere holding 1e308) cannot overflow
    scale = max(abs(x - m) for x in xs)
    if scale == 0 or not math.isfinite(scale):
        return 0.0 if scale == 0 else scale
    return scale * math.sqrt(math.fsum(((x - m) / scale) ** 2 for x in xs) / (n - 1))


# Below this many samples the tail is summed exactly in integers; from it
# on, in log space as harness/stats.c does (2.0 ** n overflows a float at
# n = 1024, and the exact sums grow with n squared).
EXACT_BINOM_LIMIT = 1024


def _binom_cdf_half(k, n):
    """P(B <= k) for B ~ Binomial(n, 1/2): exactly (integers, one division
    as a fraction) below EXACT_BINOM_LIMIT, else in log space."""
    if k < 0:
        return 0.0
    k = min(k, n)
    if n < EXACT_BINOM_LIMIT:
        return sum(math.comb(n, i) for i in range(0, k + 1)) / 2.0 ** n
    return min(1.0, sum(_binom_pmf_log(i, n) for i in range(_tail_start(n, k), k + 1)))


def _binom_pmf_log(k, n):
    """P(B = k) for B ~ Binomial(n, 1/2), through lgamma: any n."""
    return math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                    - n * math.log(2.0))


def _tail_start(n, k):
    """Where the lower tail's terms start to count: 20 standard deviations
    below the mean holds less than 1e-80 of the mass."""
    return max(0, min(k, int(n / 2.0 - 10.0 * math.sqrt(n))))


_RANKS = {}


def median_ci_ranks(n, level=CI_LEVEL):
    """1-based ranks (l, u) of the order statistics bounding the median's
    interval, and its exact coverage; None when n is too small.  Remembered
    per (n, level): a configuration of thousands of repetitions asks often."""
    key = (n, level)
    if key not in _RANKS:
        _RANKS[key] = (_ranks_exact if n < EXACT_BINOM_LIMIT else _ranks_log)(n, level)
    return _RANKS[key]


def _ranks_exact(n, level):
    """The search in integers: C(n, i) and their running sum kept exact,
    each tail divided once by 2^n (as _binom_cdf_half does)."""
    alpha = (1.0 - level) / 2.0
    best, term, cum, scale = None, 1, 1, 2.0 ** n   # term = C(n, l - 1)
    for l in range(1, n // 2 + 1):
        if cum / scale <= alpha:                     # P(B <= l - 1)
            best, tail = l, cum
        else:
            break
        term = term * (n - l + 1) // l
        cum += term
    if best is None:
        return None
    return best, n + 1 - best, 1.0 - 2.0 * (tail / scale)


def _ranks_log(n, level):
    """The same search walking the tail once, in log space, with the C
    side's tolerance (ps_median_ci_rank) so both pick the same rank."""
    alpha = (1.0 - level) / 2.0
    cdf, best = 0.0, 0
    for k in range(_tail_start(n, n // 2), n // 2):
        cdf += _binom_pmf_log(k, n)     # now P(B <= k)
        if cdf > alpha + 1e-12:
            break
        best = k + 1
    if best == 0:
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

    def sse(f):             # amdahl(f, p) written out: called ~1200 times a series
        g = 1.0 - f
        return sum((s - 1.0 / (f + g / p)) ** 2 for p, s in pts)

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


# ---- two samples: Mann-Whitney U and the Hodges-Lehmann shift ---------------

EXACT_U_LIMIT = 2500        # m*n up to which U's distribution is computed exactly


@functools.lru_cache(maxsize=256)
def u_counts(m, n):
    """How many of the C(m+n, m) orderings of two untied samples give each
    U = 0 .. m*n: the coefficients of the Gaussian binomial coefficient
    prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i), in exact integers.  Remembered
    per (m, n), since the configurations of a sweep share their counts of
    repetitions (the list is shared: do not change it)."""
    deg = m * n
    c = [0] * (deg + 1)
    c[0] = 1
    for i in range(1, m + 1):
        k = n + i
        for u in range(deg, k - 1, -1):     # times (1 - q^k)
            c[u] -= c[u - k]
        for u in range(i, deg + 1):          # divided by (1 - q^i): exact
            c[u] += c[u - i]
    return c


def _u_cdf(counts, u):
    """P(U <= u) from u_counts."""
    if u < 0:
        return 0.0
    u = min(int(math.floor(u)), len(counts) - 1)
    return sum(counts[:u + 1]) / float(sum(counts))


def _ranks(values):
    """Mid-ranks (1-based) of values, and the sizes of the tied groups."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1.0
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


class UTest:
    """The two-sided Mann-Whitney U test of x against y.  u counts the pairs
    where y is the larger (ties a half), so u > m*n/2 means y tends larger;
    method is 'exact' or 'normal'."""

    def __init__(self, x, y):
        m, n = len(x), len(y)
        if m == 0 or n == 0:
            raise ValueError("the U test needs samples on both sides")
        ranks, ties = _ranks(list(x) + list(y))
        r_y = sum(ranks[m:])
        self.m, self.n = m, n
        self.u = r_y - n * (n + 1) / 2.0
        self.ties = bool(ties)
        mu = m * n / 2.0
        if not ties and m * n <= EXACT_U_LIMIT:
            self.method = "exact"
            counts = u_counts(m, n)
            lo = _u_cdf(counts, self.u)
            hi = 1.0 - _u_cdf(counts, self.u - 1)
            self.p = min(1.0, 2.0 * min(lo, hi))
            return
        self.method = "normal"
        big = m + n
        t = sum(g ** 3 - g for g in ties)
        var = m * n / 12.0 * ((big + 1) - t / float(big * (big - 1)))
        if var <= 0:                          # every value the same
            self.p = 1.0
            return
        z = max(0.0, abs(self.u - mu) - 0.5) / math.sqrt(var)
        self.p = min(1.0, math.erfc(z / math.sqrt(2.0)))


def _z(level):
    """The standard normal quantile for a two-sided level, by bisection on erf."""
    target = level
    lo, hi = 0.0, 10.0
    for _ in range(100):
        mid = (lo + hi) / 2.0
        if math.erf(mid / math.sqrt(2.0)) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


@functools.lru_cache(maxsize=1024)
def hl_rank(m, n, level=CI_LEVEL):
    """k, the 1-based rank of the lower end of the Hodges-Lehmann interval
    among the m*n sorted differences (the upper end is m*n + 1 - k), and the
    interval's coverage; None when the samples are too small for the level."""
    alpha = (1.0 - level) / 2.0
    if m * n <= EXACT_U_LIMIT:
        counts = u_counts(m, n)
        k = None
        for cand in range(1, m * n // 2 + 1):
            if _u_cdf(counts, cand - 1) <= alpha:
                k = cand
            else:
                break
        if k is None:
            return None
        return k, 1.0 - 2.0 * _u_cdf(counts, k - 1)
    sd_u = math.sqrt(m * n * (m + n + 1) / 12.0)
    k = int(math.floor(m * n / 2.0 - _z(level) * sd_u))
    return (k, level) if k >= 1 else None


# Above this many candidate differences the selection samples them to
# narrow its bracket; at or below it, it takes them all (a few MB).
SELECT_ENUMERATE = 1 << 20
SELECT_SAMPLE = 20000
# Up to this many differences Shift sorts them all, as the definition
# does (numpy's calls cost more than that for tens of repetitions).
SHIFT_BRUTE = 4096


def _count_le(a, b, t, strict=False):
    """Per row i, how many j have b[j] - a[i] <= t (< t when strict), the
    difference computed as the brute force computes it.  a and b are sorted
    numpy arrays; fl(b[j] - a[i]) is monotone in j, so the answer is a
    prefix: searchsorted finds it up to rounding, then each row whose edge
    rounding moved steps over whole runs of equal b until it is exact."""
    import numpy as np
    n = len(b)
    pos = np.searchsorted(b, t + a, side="left" if strict else "right")

    def inside(d):
        return d < t if strict else d <= t

    while True:         # an element past the edge that still counts
        j = np.minimum(pos, n - 1)
        up = (pos < n) & inside(b[j] - a)
        if not up.any():
            break
        pos[up] = np.searchsorted(b, b[j[up]], side="right")
    while True:         # an element before the edge that does not count
        j = np.maximum(pos - 1, 0)
        down = (pos > 0) & ~inside(b[j] - a)
        if not down.any():
            break
        pos[down] = np.searchsorted(b, b[j[down]], side="left")
    return pos


def kth_difference(a, b, k, seed=1):
    """The k-th smallest (1-based) of the len(a) * len(b) differences
    b[j] - a[i] of two sorted numpy arrays, exactly the value sorting them
    all would give, without forming them: the differences lie in a matrix
    sorted along each row, so a bracket (lo, hi] of values is a range of
    columns per row and one count per row (_count_le) tells how many lie
    below a value.  Each round samples the candidates in the bracket,
    narrows it to the sample quantiles around rank k (a few standard
    errors apart, so k stays inside almost always; when not, the side that
    missed still narrows), and once at most SELECT_ENUMERATE remain, takes
    them all and picks the k-th.  Ties: when a round cannot narrow, the
    bracket's top is the answer if fewer than k lie strictly below it, else
    the top drops to the values below it."""
    import numpy as np
    m, n = len(a), len(b)
    if not 1 <= k <= m * n:
        raise ValueError("rank %d outside 1..%d" % (k, m * n))
    rng = None
    lo = np.zeros(m, dtype=np.int64)        # per row: columns below the bracket
    hi = np.full(m, n, dtype=np.int64)      # per row: columns up to its top
    top = None                              # the bracket's top value (None: +inf)
    while True:
        width = hi - lo
        total = int(width.sum())
        want = k - int(lo.sum())            # rank among the candidates
        if total <= SELECT_ENUMERATE:
            rows = np.repeat(np.arange(m), width)
            start = np.cumsum(width) - width
            cols = np.arange(total) - np.repeat(start - lo, width)
            vals = b[cols] - a[rows]
            return float(np.partition(vals, want - 1)[want - 1])
        ends = np.cumsum(width)
        rng = rng or np.random.default_rng(seed)
        pick = rng.integers(0, total, SELECT_SAMPLE)
        row = np.searchsorted(ends, pick, side="right")
        col = lo[row] + pick - (ends[row] - width[row])
        sample = np.sort(b[col] - a[row])
        s = len(sample)
        spread = 3.0 * math.sqrt(s)
        for i in (int(s * want / total - spread), int(s * want / total + spread) + 1):
            if 0 <= i < s:
                t = float(sample[i])
                c = _count_le(a, b, t)
                if int(c.sum()) < k:
                    lo = np.maximum(lo, c)
                else:
                    hi, top = np.minimum(hi, c), t
        if int((hi - lo).sum()) == total and top is not None:
            below = _count_le(a, b, top, strict=True)
            if int(below.sum()) < k:
                return top
            hi = np.minimum(hi, below)
            has = hi > 0                    # the new top: the largest value left
            top = float(np.max(b[hi[has] - 1] - a[has]))


def _sorted_logs(xs):
    """math.log of each value (as the brute force takes it), sorted, as a
    numpy array."""
    import numpy as np
    return np.array(sorted(math.log(v) for v in xs), dtype=np.float64)


class Shift:
    """The Hodges-Lehmann estimate of how y is shifted against x (log scale:
    a ratio) and its distribution-free interval.  ratio, lo, hi are NEW/BASE
    factors; lo and hi are None when the samples are too small.

    The m*n differences are never formed: each order statistic needed (the
    median's one or two, the interval's two) is selected exactly by
    kth_difference, in O((m + n) log) time and O(m + n) memory."""

    def __init__(self, x, y, level=CI_LEVEL):
        mn = len(x) * len(y)
        if mn <= SHIFT_BRUTE:               # a few thousand: sorting them is quicker
            lx = [math.log(v) for v in x]
            ly = [math.log(v) for v in y]
            diffs = sorted(b - a for a in lx for b in ly)

            def d(rank):                    # 1-based, of the sorted differences
                return diffs[rank - 1]
        else:
            a, b = _sorted_logs(x), _sorted_logs(y)

            def d(rank):
                return kth_difference(a, b, rank)

        if mn % 2:
            mid = d((mn + 1) // 2)
        else:
            mid = (d(mn // 2) + d(mn // 2 + 1)) / 2.0
        self.ratio = math.exp(mid)
        r = hl_rank(len(x), len(y), level)
        if r is None:
            self.lo = self.hi = self.coverage = None
        else:
            k, self.coverage = r
            self.lo, self.hi = math.exp(d(k)), math.exp(d(mn + 1 - k))
