"""The report's opening: one table of every kernel x backend, and the
findings written from its numbers.

The table takes, for each kernel, its strong-scaling chart (weak when the
kernel ran only weak; the largest problem when there are several) and, for
each backend line on it, the point at the largest worker count that stayed
within the cores.  A cell is *supported* when both medians behind its
speedup have a 95% interval (enough repetitions); only supported cells feed
a finding, and a finding whose comparison the intervals cannot settle is
left out with the reason, never guessed.
"""
from collections import OrderedDict

from .. import analysis, numfmt, stats

# Efficiency classes: the table's colour and, for readers without colour,
# a marker.  (lowest efficiency, class, marker, words)
CLASSES = ((0.8, "good", "\u25cf", "scales (E \u2265 0.8)"),
           (0.6, "fair", "\u25d0", "partly (0.6 \u2264 E < 0.8)"),
           (float("-inf"), "poor", "\u25cb", "poorly (E < 0.6)"))
# Kernels that do no work of their own: their speedup is not a kernel's.
NO_WORK = ("null",)
# The computing kernels the lock's lesson is told with, first found first.
COMPUTE_FIRST = ("pi", "count", "montecarlo", "mandelbrot", "primes")
# Real parallel backends a lock-free comparison is made with.
FREE = ("omp", "mpi", "hybrid")


def eff_class(e):
    """(class, marker, words) for an efficiency; None for none."""
    if e is None:
        return None
    for lo, cls, mark, words in CLASSES:
        if e >= lo:
            return cls, mark, words
    return None


class Cell:
    """One kernel x backend entry of the summary table."""

    def __init__(self, kernel, label, point, chart):
        self.kernel, self.label, self.point, self.chart = kernel, label, point, chart
        self.backend = point.backend
        self.workers = point.workers
        self.speedup, self.lo, self.hi = point.speedup, point.speedup_lo, point.speedup_hi
        self.eff = point.efficiency
        self.eff_lo = self.lo / self.workers if self.lo is not None else None
        self.eff_hi = self.hi / self.workers if self.hi is not None else None
        base = point.base
        # speedup_ci_available implies a base (paired or not)
        self.supported = (self.lo is not None and point.speedup_ci_available
                          and point.summary.ci_available and base.summary.ci_available)

    def why_not(self):
        """Why this cell cannot carry a finding (None when it can)."""
        p = self.point
        if p.speedup is None:
            return "no seq base for %s %s" % (self.kernel, self.label)
        if not p.summary.ci_available or (p.base and not p.base.summary.ci_available):
            few = p if not p.summary.ci_available else p.base
            return ("%s %s has %d repetitions, too few for a 95%% interval (%d needed)"
                    % (self.kernel, few.backend, few.summary.n, stats.MIN_CI_SAMPLES))
        if not p.speedup_ci_available:
            return ("%s %s and its base share %d undisturbed rounds, too few for a 95%% "
                    "interval of the speedup (%d needed)"
                    % (self.kernel, self.label, p.speedup_summary.n, stats.MIN_CI_SAMPLES))
        return None


# An interval this many times wider than its point says nothing about it.
WIDE = 10.0


def implausible(c, kinfo=None):
    """Why a cell's figure cannot be read as scaling (None when it can):
    a kernel that does no work (its ratio is of harness costs), efficiency
    above 1 on a computing kernel (superlinear: a cache effect or a slow
    base, not the workers), or an interval wider than WIDE times its point.
    Such a cell is marked and explained, never coloured by its class."""
    if c.kernel in NO_WORK:
        return ("`%s` does no work: the ratio compares the harness's own costs, not a "
                "speedup" % c.kernel)
    if c.lo is not None and c.hi is not None and c.speedup and \
            (c.hi - c.lo) > WIDE * abs(c.speedup):
        return ("the interval is more than %g\u00d7 wider than the speedup: it says "
                "nothing about it (more repetitions, a quieter machine)" % WIDE)
    if c.eff is not None and c.eff > 1.0 and not _waits(c.kernel, kinfo):
        return ("superlinear: efficiency %s above 1 on a computing kernel, more than %d "
                "workers can give; a cache effect or a slowed base (see steal and the "
                "base's interval), not parallel gain" % (fx(c.eff), c.workers))
    return None


class Summary:
    """rows: [(kernel, chart, {label: Cell})]; columns: the labels in order."""

    def __init__(self, a, kinfo=None):
        self.rows = []
        labels = OrderedDict()
        for kernel in a.kernels():
            chart = pick_chart(a, kernel)
            if chart is None:
                continue
            cells = OrderedDict()
            for s in chart.series:
                if s.backend == analysis.baseline():
                    continue
                pts = [p for p in s.points if not p.oversubscribed and p.speedup is not None]
                if not pts:
                    continue
                p = max(pts, key=lambda q: (q.workers, q.summary.n))
                cells[s.label] = Cell(kernel, s.label, p, chart)
                labels[s.label] = 1
            if cells:
                self.rows.append((kernel, chart, cells))
        # Rows in the kernel table's order (the CSV's without one), the same in
        # every report so that two can be compared; kernels doing no work last.
        # The ranking is the findings' job, where the intervals back it.
        known = list(kinfo or {})
        csv_order = a.kernels()

        def order(row):
            k = row[0]
            return (k in NO_WORK, known.index(k) if k in known else len(known),
                    csv_order.index(k))
        self.rows.sort(key=order)
        self.columns = list(labels)
        ws = {c.workers for _, _, cs in self.rows for c in cs.values()}
        self.workers = ws.pop() if len(ws) == 1 else None   # one count for all cells
        self.cores = a.cores()

    def cell(self, kernel, label):
        for k, _, cells in self.rows:
            if k == kernel:
                return cells.get(label)
        return None

    def row(self, kernel):
        return next(((c, cs) for k, c, cs in self.rows if k == kernel), (None, None))


def pick_chart(a, kernel):
    """The chart a kernel is summarised by: strong scaling if it ran so,
    the largest problem, then the most points."""
    charts = [c for c in a.charts if c.kernel == kernel]
    if not charts:
        return None
    return max(charts, key=lambda c: (c.scaling == "strong", c.order or 0,
                                      sum(len(s.points) for s in c.series)))


# ---- the findings ------------------------------------------------------------

def fx(v, digits=3):
    return "%.*g" % (digits, v)


def interval(lo, hi, digits=3, point=None):
    """Rounded outward (numfmt), so that no point inside it reads outside."""
    return numfmt.interval(lo, hi, digits, point)


def speed_text(c, digits=3):
    """"1.92\u00d7 [1.90, 1.95]": the point and its interval rounded together."""
    return numfmt.point_and_interval(c.speedup, c.lo, c.hi, digits, sep="\u00d7 ")


def eff_text(c, digits=3):
    return numfmt.point_and_interval(c.eff, c.eff_lo, c.eff_hi, digits)


def _waits(kernel, kinfo):
    k = (kinfo or {}).get(kernel)
    if k is not None and "waits" in k:
        return bool(k["waits"])
    return kernel == "io"


def _workers(c):
    unit = "thread" if c.backend in ("gil", "omp") else "worker"
    return "%d %s%s" % (c.workers, unit, "" if c.workers == 1 else "s")


class Finding:
    """One sentence (Markdown: `code` and links) about one figure."""

    def __init__(self, key, text, anchor):
        self.key, self.text, self.anchor = key, text, anchor


def findings(a, summ, kinfo=None, anchor=lambda chart: ""):
    """The sentences the numbers support, and what was left out and why.

    Returns ([Finding], [(what, why)]).  anchor(chart) names the section a
    sentence's figure is in."""
    out, left = [], []
    for fn in (_lock_compute, _lock_wait, _best_worst, _fits):
        f, why = fn(a, summ, kinfo, anchor)
        if f is not None:
            out.append(f)
        else:
            left.append(why)
    return out, left


def _lock_compute(a, summ, kinfo, anchor):
    what = "the lock's effect on computation"
    reasons = []
    kernels = [k for k in COMPUTE_FIRST if summ.row(k)[1]] + \
        [k for k, _, _ in summ.rows if k not in COMPUTE_FIRST and k not in NO_WORK
         and not _waits(k, kinfo)]
    for k in kernels:
        chart, cells = summ.row(k)
        gil = cells.get("gil")
        free = [cells[b] for b in FREE if b in cells]
        if gil is None or not free:
            continue
        if not gil.supported:
            reasons.append(gil.why_not())
            continue
        free_ok = [c for c in free if c.supported]
        if not free_ok:
            reasons.append(free[0].why_not())
            continue
        below = [c for c in free_ok if gil.hi < c.lo]
        if not below:
            reasons.append("%s: the gil interval %s overlaps %s" % (
                k, interval(gil.lo, gil.hi),
                " and ".join("%s's %s" % (c.label, interval(c.lo, c.hi)) for c in free_ok)))
            continue
        stays = "stays at" if gil.hi < 1.25 else "reaches only"
        others = " and ".join(("`%s` reaches %s" if i == 0 else "`%s` %s")
                              % (c.label, speed_text(c)) for i, c in enumerate(below))
        same = len({c.workers for c in below} | {gil.workers}) == 1
        text = ("Computation does not speed up under the lock: `%s` with %s under `gil` "
                "%s %s the speed of `seq`, while %s%s (95%% intervals; the `gil` interval "
                "lies below %s)." % (
                    k, _workers(gil), stays, speed_text(gil), others,
                    " with as many workers" if same else "",
                    "both" if len(below) == 2 else ("all" if len(below) > 2 else "it")))
        return Finding("lock-compute", text, anchor(chart)), None
    if not reasons:
        nobase = sorted({p.kernel for p in a.points if p.backend == "gil" and p.speedup is None
                         and p.kernel not in NO_WORK and not _waits(p.kernel, kinfo)})
        reasons.append("no seq base for %s under gil" % ", ".join(nobase) if nobase else
                       "no computing kernel ran under both gil and omp, mpi or hybrid")
    return None, (what, "; ".join(reasons))


def _lock_wait(a, summ, kinfo, anchor):
    what = "the lock's effect on waiting"
    waiting = [k for k, _, _ in summ.rows if _waits(k, kinfo)]
    reasons = []
    for k in waiting:
        chart, cells = summ.row(k)
        gil = cells.get("gil")
        if gil is None:
            reasons.append("%s did not run under gil" % k)
            continue
        if not gil.supported:
            reasons.append(gil.why_not())
            continue
        if gil.lo > 1.0:
            text = ("Waiting still overlaps under the lock: `%s` with %s under `gil` runs "
                    "%s as fast as `seq` (a waiting thread releases the lock)."
                    % (k, _workers(gil), speed_text(gil)))
        elif gil.hi < 1.0:
            text = ("Waiting did not overlap under the lock here: `%s` with %s under `gil` "
                    "runs at %s the speed of `seq`." % (k, _workers(gil), speed_text(gil)))
        else:
            reasons.append("%s gil's interval %s includes 1\u00d7" % (
                k, interval(gil.lo, gil.hi)))
            continue
        return Finding("lock-wait", text, anchor(chart)), None
    if not waiting:
        nobase = sorted({p.kernel for p in a.points if p.speedup is None
                         and p.backend != analysis.baseline() and _waits(p.kernel, kinfo)})
        reasons.append("no seq base for %s" % ", ".join(nobase) if nobase else
                       "no kernel that waits (io) is in the data")
    return None, (what, "; ".join(reasons))


def _best_worst(a, summ, kinfo, anchor):
    what = "the best and worst scaling kernel"
    # Ranked by what the intervals guarantee: the best kernel is the one whose
    # best lock-free backend has the highest lower bound, the worst the one
    # whose backends' upper bounds are all lowest; a noisy point cannot win.
    lows, highs = [], []    # (kernel, chart, cell) per kernel
    for k, chart, cells in summ.rows:
        if k in NO_WORK or _waits(k, kinfo):
            continue
        ok = [c for c in cells.values() if c.backend != "gil" and c.supported]
        if ok:
            lows.append((k, chart, max(ok, key=lambda c: c.eff_lo)))
            highs.append((k, chart, max(ok, key=lambda c: c.eff_hi)))
    best_of = lows
    if len(best_of) < 2:
        return None, (what, "fewer than two computing kernels have a speedup with a 95% "
                            "interval under omp, mpi or hybrid")
    best = max(lows, key=lambda t: t[2].eff_lo)
    worst = min(highs, key=lambda t: t[2].eff_hi)
    if best[0] == worst[0]:
        return None, (what, "%s's interval has the highest lower bound and the lowest "
                            "upper bound: the others' intervals overlap it" % best[0])
    if best[2].eff_lo <= worst[2].eff_hi:
        return None, (what, "the intervals of the best (%s, %s) and the worst (%s, %s) "
                            "overlap" % (best[0], interval(best[2].eff_lo, best[2].eff_hi),
                                         worst[0], interval(worst[2].eff_lo, worst[2].eff_hi)))
    b, w = best[2], worst[2]
    text = ("Of %d computing kernels, `%s` scales best: efficiency %s with `%s` at %d "
            "workers (the highest lower bound); `%s` scales worst: even its best backend, "
            "`%s`, reaches %s (the lowest upper bound)."
            % (len(best_of), best[0], eff_text(b), b.label, b.workers,
               worst[0], w.label, eff_text(w)))
    return Finding("best-worst", text, anchor(best[1])), None


def fit_interval(s):
    """The Amdahl fit's f over the ends of its points' speedup intervals
    (f falls as the speedups rise: the low ends give the high f), or None
    when a parallel point has no interval or one that includes 1 (then
    the point cannot tell a serial fraction from no gain at all)."""
    par = [p for p in s.points if p.speedup is not None and not p.oversubscribed
           and p.workers > 1]
    if not par or any(p.speedup_lo is None or p.speedup_hi is None
                      or p.speedup_lo <= 1.0 <= p.speedup_hi for p in par):
        return None
    lo_fit = stats.fit_amdahl([(p.workers, p.speedup_hi) for p in par] + [(1, 1.0)])
    hi_fit = stats.fit_amdahl([(p.workers, p.speedup_lo) for p in par] + [(1, 1.0)])
    if lo_fit is None or hi_fit is None:
        return None
    return min(lo_fit.f, s.fit.f), max(hi_fit.f, s.fit.f)


def _f_text(s):
    lo, hi = s.fit_iv
    return numfmt.point_and_interval(s.fit.f, lo, hi, 2)


def _fits(a, summ, kinfo, anchor):
    what = "the serial fractions of the fits"
    fits = []
    for k, chart, cells in summ.rows:
        if chart.scaling != "strong" or k in NO_WORK or _waits(k, kinfo):
            continue
        for s in chart.series:
            if s.fit is None or s.backend in (analysis.baseline(), "gil"):
                continue
            used = [p for p in s.points if p.speedup is not None and not p.oversubscribed]
            s.fit_iv = fit_interval(s)
            if s.fit_iv is not None and all(
                    p.summary.ci_available and p.base is not None
                    and p.base.summary.ci_available for p in used):
                fits.append((k, chart, s))
    if not fits:
        return None, (what, "no Amdahl fit of a computing kernel under omp, mpi or hybrid "
                            "rests on points with 95% intervals that exclude 1\u00d7")
    fits.sort(key=lambda t: t[2].fit.f)
    lo, hi = fits[0], fits[-1]
    ws = sorted({int(p) for _, _, s in fits for p, _ in s.fit.points})
    on = "worker counts %s" % ", ".join(str(w) for w in ws)
    if len(fits) == 1:
        text = ("The Amdahl fit finds a serial fraction f = %s for `%s` under `%s` "
                "(strong scaling, %s)." % (_f_text(lo[2]), lo[0], lo[2].label, on))
    else:
        med = stats.median([s.fit.f for _, _, s in fits])
        used = [b for b in FREE if any(s.backend == b for _, _, s in fits)]
        used += sorted({s.backend for _, _, s in fits} - set(used))
        text = ("The Amdahl fits (strong scaling, %s, %s) find serial fractions from "
                "f = %s (`%s`, `%s`) to f = %s (`%s`, `%s`), median %s over %d fits."
                % (", ".join(used), on, _f_text(lo[2]), lo[0], lo[2].label,
                   _f_text(hi[2]), hi[0], hi[2].label, fx(med), len(fits)))
    if ws and max(ws) <= 2:
        text += " With one parallel worker count each, f is what that one speedup implies."
    return Finding("fits", text, anchor(hi[1] if len(fits) > 1 else lo[1])), None
