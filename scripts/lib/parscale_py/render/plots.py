"""Charts from parscale's CSV: PNG for web pages, SVG and PDF for papers.

Per chart (one kernel, one scaling mode, one problem size): speedup with the
ideal line, the Amdahl (strong) or Gustafson (weak) fit and 95% intervals;
efficiency; time per repetition.  One roofline per host.  Each backend has
its own marker and line style, so the charts read in grayscale; hollow
markers and a shaded band mark oversubscribed points (workers > cores).

Drawn for scripts/plot (commands/plot.py), the report, compare and the
landscape.
"""
import math
from collections import OrderedDict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.cm  # noqa: E402,F401
import matplotlib.colors  # noqa: E402,F401
import matplotlib.patches  # noqa: E402,F401
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter  # noqa: E402

from .. import analysis, safeio, stats  # noqa: E402
from ..analysis import DataError  # noqa: E402
from . import summary  # noqa: E402
from .formats import FORMATS, check_formats  # noqa: E402,F401
FIGSIZE = (6.4, 4.4)        # inches
DPI = 150                   # PNG: 960 x 660 pixels
# Okabe-Ito colours (safe for colour-blind readers) and, so that grayscale
# prints still tell backends apart, a marker and a dash pattern each.
STYLE = {
    "seq":               dict(color="#000000", marker="o", linestyle="-"),
    "gil":               dict(color="#D55E00", marker="s", linestyle="--"),
    "omp":               dict(color="#0072B2", marker="^", linestyle="-"),
    "mpi":               dict(color="#009E73", marker="D", linestyle="-."),
    "hybrid":            dict(color="#CC79A7", marker="v", linestyle=":"),
    "cpython-threads":   dict(color="#E69F00", marker="X", linestyle=(0, (5, 1, 1, 1))),
    "cpython-processes": dict(color="#56B4E9", marker="P", linestyle=(0, (1, 1))),
    "async":             dict(color="#F0E442", marker="*", linestyle="-"),
    "cpython-asyncio":   dict(color="#8C510A", marker="h", linestyle=(0, (3, 1, 1, 1, 1, 1))),
    "cpython-asyncio-to-thread": dict(color="#7F7F7F", marker="<", linestyle=(0, (4, 2))),
    "cpython-asyncio-processes": dict(color="#332288", marker=">", linestyle=(0, (2, 1))),
    "cpython-trio":      dict(color="#117733", marker="p", linestyle=(0, (6, 2))),
    "cpython-uvloop":    dict(color="#882255", marker="d", linestyle=(0, (1, 2))),
    "cpython-subinterpreters": dict(color="#44AA99", marker="H", linestyle="-"),
    "cpython-subinterpreters-shared": dict(color="#44AA99", marker="H", linestyle=":"),
    "cpython-cython-nogil": dict(color="#AA4499", marker="8", linestyle="-"),
    "cpython-cython-gil": dict(color="#AA4499", marker="8", linestyle=":"),
}
EXTRA = [dict(color="#999999", marker=m, linestyle=l)
         for m, l in (("h", "--"), ("*", ":"), ("<", "-."), (">", "-"))]
FIT_STYLE = dict(linewidth=1.0, alpha=0.8, linestyle=(0, (2, 2)))


def style_for(series, index):
    base = STYLE.get(series.backend) or EXTRA[index % len(EXTRA)]
    st = dict(base)
    if series.label != series.backend:          # a second line of one backend
        st["linestyle"] = [":", "--", "-.", "-"][index % 4]
    return st


def _save(fig, ax, out, name, formats=FORMATS):
    """The chart's grid and layout, then each format; the figure is closed."""
    ax.grid(True, which="major", color="0.9")
    return _write(fig, out, name, formats)


def _write(fig, out, name, formats=FORMATS):
    """The figure laid out and written in each format (the first is the one
    pages show), then closed."""
    fig.tight_layout()
    paths = []
    for fmt in formats:
        p = Path(out) / ("%s.%s" % (name, fmt))
        meta = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt, {})
        safeio.write_atomic_with(p, lambda tmp: fig.savefig(tmp, format=fmt, dpi=DPI,
                                                            metadata=meta))
        paths.append(p)
    plt.close(fig)
    return paths


def _title(ax, what, chart, a):
    size = "n=%s" % analysis.short_size(chart.order) + ("" if chart.scaling == "strong" else " per worker")
    if chart.steps not in (None, 1):
        size += ", %s steps" % chart.steps
    ax.set_title("%s: %s (%s scaling, %s)\n%s, %s" % (
        chart.kernel, what, chart.scaling, size, chart.host or "unknown host",
        a.dates() or "undated"), fontsize=10)


def _xpos(point, chart):
    """Where a point sits on the workers axis.  seq under weak scaling ran
    at global size order*p: it sits at that p, as the reference it is."""
    if point.backend == analysis.baseline() and chart.scaling == "weak" and chart.order:
        return point.size / chart.order
    return point.workers


def _workers_axis(ax, xs, cores):
    xs = sorted({x for x in xs if x})
    if not xs:
        return
    ax.set_xscale("log", base=2)
    lo, hi = xs[0] / 1.3, xs[-1] * 1.3
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(FixedLocator(xs))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.set_xlabel("workers (threads x ranks)")
    if cores and xs[-1] > cores:
        beyond = [x for x in xs if x > cores]
        start = math.sqrt(cores * beyond[0])
        ax.axvspan(start, hi, color="0.85", zorder=0, linewidth=0)
        ax.text(start, 1.0, " > %d cores" % cores, transform=ax.get_xaxis_transform(),
                ha="left", va="top", fontsize=8, color="0.3")


def _draw(ax, series, idx, chart, ys, errs=True, fit=None):
    """One series: a line through all points, error bars, markers filled
    (hollow where oversubscribed).  ys(point) -> (y, lo, hi) or None."""
    st = style_for(series, idx)
    pts = []
    for p in series.points:
        v = ys(p)
        if v and v[0] is not None:
            pts.append((_xpos(p, chart), v, p.oversubscribed))
    if not pts:
        return None
    pts.sort(key=lambda t: t[0])
    x = [t[0] for t in pts]
    y = [t[1][0] for t in pts]
    ax.plot(x, y, color=st["color"], linestyle=st["linestyle"], linewidth=1.4, zorder=3)
    if errs:
        lo = [max(0.0, t[1][0] - t[1][1]) if t[1][1] is not None else 0 for t in pts]
        hi = [max(0.0, t[1][2] - t[1][0]) if t[1][2] is not None else 0 for t in pts]
        ax.errorbar(x, y, yerr=[lo, hi], fmt="none", ecolor=st["color"], elinewidth=1,
                    capsize=3, zorder=3)
    for xi, (yi, _, _), over in pts:
        ax.plot([xi], [yi], marker=st["marker"], markersize=7, color=st["color"],
                markerfacecolor="white" if over else st["color"],
                markeredgewidth=1.4, linestyle="none", zorder=4)
    label = series.label
    if fit is not None:
        xs = _grid(min(x), max(x))
        ax.plot(xs, [fit(v) for v in xs], color=st["color"], zorder=2, **FIT_STYLE)
        label += " (%s f=%.3g)" % ("Amdahl" if fit.model == "amdahl" else "Gustafson", fit.f)
    return Line2D([], [], color=st["color"], marker=st["marker"], linestyle=st["linestyle"],
                  label=label)


def _grid(a, b, n=60):
    if a <= 0 or b <= a:
        return [a, b]
    la, lb = math.log(a), math.log(b)
    return [math.exp(la + (lb - la) * i / (n - 1)) for i in range(n)]


def _legend(ax, handles, chart, fits=False, ideal=None):
    hs = [h for h in handles if h is not None]
    if ideal:
        hs.append(Line2D([], [], color="0.4", linestyle=":", label=ideal))
    if fits:
        hs.append(Line2D([], [], color="0.3", label="fit (thin dashes)", **FIT_STYLE))
    if any(p.oversubscribed for s in chart.series for p in s.points):
        hs.append(Line2D([], [], marker="o", color="0.3", markerfacecolor="white",
                         linestyle="none", label="oversubscribed (hollow)"))
    ax.legend(handles=hs, fontsize=7.5, loc="best", framealpha=0.9)


def speedup_chart(a, chart, out, name, formats=FORMATS):
    fig, ax = plt.subplots(figsize=FIGSIZE)
    hs, xs = [], []
    for i, s in enumerate(chart.series):
        if s.backend == analysis.baseline():
            continue
        hs.append(_draw(ax, s, i, chart, lambda p: (p.speedup, p.speedup_lo, p.speedup_hi),
                        fit=s.fit))
        xs += [_xpos(p, chart) for p in s.points if p.speedup is not None]
    if not xs:
        plt.close(fig)
        return []
    cores = a.cores(chart.host)
    _workers_axis(ax, xs, cores)
    ideal = sorted(set(xs))
    ax.plot(ideal, ideal, color="0.4", linestyle=":", linewidth=1, zorder=1)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("speedup over seq (x)" if chart.scaling == "strong"
                  else "scaled speedup T_seq(order*p) / T(p) (x)")
    _title(ax, "speedup", chart, a)
    _legend(ax, hs, chart, fits=True, ideal="ideal (S = p)")
    return _save(fig, ax, out, name, formats)


def efficiency_chart(a, chart, out, name, formats=FORMATS):
    fig, ax = plt.subplots(figsize=FIGSIZE)
    hs, xs = [], []
    for i, s in enumerate(chart.series):
        if s.backend == analysis.baseline():
            continue
        hs.append(_draw(ax, s, i, chart, lambda p: (
            p.efficiency,
            p.speedup_lo / p.workers if p.speedup_lo is not None else None,
            p.speedup_hi / p.workers if p.speedup_hi is not None else None)))
        xs += [_xpos(p, chart) for p in s.points if p.speedup is not None]
    if not xs:
        plt.close(fig)
        return []
    _workers_axis(ax, xs, a.cores(chart.host))
    ax.axhline(1.0, color="0.4", linestyle=":", linewidth=1, zorder=1)
    ax.set_ylim(0, max(1.15, ax.get_ylim()[1]))
    ax.set_ylabel("parallel efficiency, speedup / workers (1 = ideal)")
    _title(ax, "efficiency", chart, a)
    _legend(ax, hs, chart, ideal="ideal (E = 1)")
    return _save(fig, ax, out, name, formats)


def time_chart(a, chart, out, name, formats=FORMATS):
    fig, ax = plt.subplots(figsize=FIGSIZE)
    hs, xs = [], []
    for i, s in enumerate(chart.series):
        h = _draw(ax, s, i, chart, lambda p: (p.median, p.summary.lo, p.summary.hi))
        if h is not None and s.backend == analysis.baseline() and chart.scaling == "weak":
            h.set_label("seq at size order x p")     # the base each p is compared with
        hs.append(h)
        xs += [_xpos(p, chart) for p in s.points if p.median is not None]
    if not xs:
        plt.close(fig)
        return []
    _workers_axis(ax, xs, a.cores(chart.host))
    seq1 = [p for s in chart.series if s.backend == analysis.baseline() for p in s.points
            if p.median is not None]
    ideal = None
    if seq1:
        t1 = min(seq1, key=lambda p: p.size).median
        w = sorted(set(xs))
        if chart.scaling == "strong":
            ax.plot(w, [t1 / x for x in w], color="0.4", linestyle=":", linewidth=1, zorder=1)
            ideal = "ideal (T_seq / p)"
        else:
            ax.plot(w, [t1 for _ in w], color="0.4", linestyle=":", linewidth=1, zorder=1)
            ideal = "ideal (constant)"
    if chart.scaling == "strong":
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0)
    ax.set_ylabel("time per repetition, median (s)")
    _title(ax, "time", chart, a)
    _legend(ax, hs, chart, ideal=ideal)
    return _save(fig, ax, out, name, formats)


def roofline(a, kinfo, out, host, name, formats=FORMATS):
    """Each kernel's best achieved GFLOP/s against its arithmetic intensity,
    under this host's measured ceilings: the best stream bandwidth and the
    best floating-point rate (dgemm when present, else pi).  Returns
    (paths, note)."""
    achieved = {}     # kernel -> (GFLOP/s, GB/s, backend, workers)
    # Only each kernel's largest problems: a small stream fits in the caches
    # and would put the bandwidth ceiling at cache speed, and tiny runs are
    # dominated by timer and start-up noise.
    largest = {}
    for p in a.points:
        if p.config.get("host") == host:
            largest[p.kernel] = max(largest.get(p.kernel, 0), p.size or 0)
    for p in a.points:
        if p.config.get("host") != host or p.median is None:
            continue
        if (p.size or 0) < largest[p.kernel] / 2:
            continue
        if p.flop_rate is not None and p.byte_rate is not None:
            gf, gb = p.flop_rate / 1e9, p.byte_rate / 1e9       # the CSV's own counts
        elif p.kernel in kinfo:
            k = kinfo[p.kernel]
            work = p.size * (p.config.get("steps") or 1) / p.median
            gf = work * float(k.get("flops_per_index") or 0) / 1e9
            gb = work * float(k.get("bytes_per_index") or 0) / 1e9
        else:
            continue
        best = achieved.get(p.kernel)
        if best is None or gf > best[0] or (gf == best[0] and gb > best[1]):
            achieved[p.kernel] = (gf, gb, p.backend, p.workers)
    bw = achieved.get("stream", (0, 0))[1]
    peak_kernel = "dgemm" if achieved.get("dgemm", (0,))[0] > 0 else "pi"
    peak = achieved.get(peak_kernel, (0,))[0]
    if not bw or not peak:
        missing = [what for what, v in (("stream (bandwidth)", bw),
                                        ("dgemm or pi (compute)", peak)) if not v]
        return [], "roofline skipped for %s: no %s measurement with flop and byte counts" % (
            host, " or ".join(missing))
    placed = {k: v for k, v in achieved.items() if v[0] > 0}
    unplaced = sorted(k for k in achieved if k not in placed)
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ais = [placed[k][0] / placed[k][1] for k in placed if placed[k][1] > 0]
    ridge = peak / bw
    xmin = min(ais + [ridge]) / 8.0
    xmax = max(ais + [ridge]) * 16.0
    xs = _grid(xmin, xmax, 200)
    ax.plot(xs, [min(peak, bw * x) for x in xs], color="black", linewidth=1.6)
    ax.text(xmin * 1.2, bw * xmin * 1.6, "%.3g GB/s (best stream)" % bw, fontsize=8,
            rotation=0)
    ax.text(xmax / 1.2, peak * 1.08, "%.3g GFLOP/s (best %s)" % (peak, peak_kernel),
            fontsize=8, ha="right")
    markers = ["o", "s", "^", "D", "v", "P", "X", "h"]
    hs = []
    for i, (k, (gf, gb, b, w)) in enumerate(sorted(placed.items())):
        ai = gf / gb if gb > 0 else xmax / 1.5
        note = "" if gb > 0 else " (no memory traffic)"
        m = markers[i % len(markers)]
        ax.plot([ai], [gf], marker=m, markersize=8, color="0.25", linestyle="none",
                markerfacecolor="white" if gb == 0 else "0.25")
        ax.annotate(k, (ai, gf), textcoords="offset points", xytext=(6, -10), fontsize=8)
        hs.append(Line2D([], [], marker=m, color="0.25", linestyle="none",
                         markerfacecolor="white" if gb == 0 else "0.25",
                         label="%s: %.3g GFLOP/s, %s x%d%s" % (k, gf, b, w, note)))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(min([v[0] for v in placed.values()] + [bw * xmin]) / 3.0, peak * 3.0)
    ax.set_xlabel("arithmetic intensity (FLOP/byte)")
    ax.set_ylabel("performance (GFLOP/s)")
    ax.set_title("roofline: measured ceilings and kernels\n%s, %s" % (host or "unknown host",
                                                                    a.dates() or "undated"),
                 fontsize=10)
    if unplaced:
        hs.append(Patch(color="white", label="not placed (no FLOPs): " + ", ".join(unplaced)))
    ax.legend(handles=hs, fontsize=7.5, loc="lower right", framealpha=0.9)
    return _save(fig, ax, out, name, formats), None


HEATMAP = "summary-heatmap"


def heatmap(a, summ, out, name=HEATMAP, formats=FORMATS):
    """Every kernel (rows) x backend (columns) at the summary's worker count:
    parallel efficiency, its value written in each cell.  cividis is legible
    to colour-blind readers and in grayscale (its lightness rises steadily);
    a cell without a value is hatched.  Returns the paths, or [] when the
    summary is empty."""
    if not summ.rows or not summ.columns:
        return []
    cmap = matplotlib.colormaps["cividis"]
    rows, cols = summ.rows, summ.columns
    fig, ax = plt.subplots(figsize=(max(4.0, 1.6 + 1.05 * len(cols)),
                                    max(3.4, 1.3 + 0.34 * len(rows))))
    for i, (kernel, _, cells) in enumerate(rows):
        for j, label in enumerate(cols):
            c = cells.get(label)
            if c is None or c.eff is None:
                ax.add_patch(matplotlib.patches.Rectangle(
                    (j - 0.5, i - 0.5), 1, 1, facecolor="white", edgecolor="0.7",
                    hatch="///", linewidth=0))
                ax.text(j, i, "n/a", ha="center", va="center", fontsize=8, color="0.4")
                continue
            v = min(max(c.eff, 0.0), 1.0)
            rgba = cmap(v)
            ax.add_patch(matplotlib.patches.Rectangle((j - 0.5, i - 0.5), 1, 1,
                                                      facecolor=rgba, linewidth=0))
            lum = 0.2126 * rgba[0] + 0.7152 * rgba[1] + 0.0722 * rgba[2]
            mark = "" if c.supported else "*"
            ax.text(j, i, "%.2f%s" % (c.eff, mark), ha="center", va="center", fontsize=8.5,
                    color="black" if lum > 0.5 else "white")
    ax.set_xlim(-0.5, len(cols) - 0.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels([c.replace(" threads=", "\nthreads=") for c in cols], fontsize=8.5)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([k if ch.scaling == "strong" else "%s (weak)" % k
                        for k, ch, _ in rows], fontsize=8.5)
    ax.tick_params(length=0)
    for sp in ax.spines.values():
        sp.set_visible(False)
    sm = matplotlib.cm.ScalarMappable(norm=matplotlib.colors.Normalize(0, 1), cmap=cmap)
    bar = fig.colorbar(sm, ax=ax, fraction=0.06, pad=0.03)
    bar.set_label("efficiency = speedup / workers", fontsize=8)
    bar.ax.tick_params(labelsize=7.5)
    at = ("%d workers" % summ.workers) if summ.workers else "largest count within the cores"
    notes = "; * = fewer than %d reps: no 95%% interval" % stats.MIN_CI_SAMPLES \
        if any(not c.supported for _, _, cs in rows for c in cs.values()) else ""
    ax.set_title("parallel efficiency at %s\n%s, %s" % (at, a.hosts()[0] or "unknown host"
                                                          if len(a.hosts()) == 1 else
                                                          "several hosts",
                                                          a.dates() or "undated"),
                 fontsize=9.5)
    if notes:
        fig.text(0.01, 0.005, notes.lstrip("; "), fontsize=7, color="0.3")
    return _write(fig, out, name, formats)  # no grid over the cells


def chart_name(chart, what):
    return "%s-%s-%s" % (chart.slug, what, chart.scaling)


# A kernel measured at more problem sizes than this (a size sweep: hundreds)
# gets charts for this many of them, spread from its smallest to its
# largest; the report's tables still list every size.  Drawing hundreds
# of charts took longer than the rest of a report of a million rows.
CHARTS_PER_KERNEL = 4


def charted(charts, limit=CHARTS_PER_KERNEL):
    """The charts to draw: every chart of a (host, kernel, scaling) with at
    most limit problems, else limit of them evenly spread over its
    problems in size order (the first and the last among them); and a note
    for each that was thinned."""
    by = OrderedDict()
    for c in charts:
        by.setdefault((c.host, c.kernel, c.scaling), []).append(c)
    keep, notes = set(), []
    for (host, kernel, scaling), cs in by.items():
        if len(cs) <= limit:
            keep.update(map(id, cs))
            continue
        cs = sorted(cs, key=lambda c: (c.order or 0, c.steps or 0))
        picks = [cs[round(i * (len(cs) - 1) / (limit - 1))] for i in range(limit)]
        keep.update(map(id, picks))
        notes.append("%s (%s scaling%s): %d problem sizes; charts for %d of them (n=%s), "
                     "the tables list all" % (
                         kernel, scaling, ", %s" % host if host else "", len(cs), limit,
                         ", ".join(analysis.short_size(c.order) for c in picks)))
    return [c for c in charts if id(c) in keep], notes


def make_all(a, out, kinfo=None, kinfo_note=None, log=print, reuse=False, formats=FORMATS):
    """Every chart for an Analysis into out, in each of formats; returns
    (list of (caption, png path)), notes).  reuse: keep charts already there
    (in each of formats) instead of drawing them again, as the report does
    after scripts/plot."""
    formats = check_formats(formats)
    out = safeio.out_dir(out, error=DataError)
    drawn, notes = charted(a.charts)
    made = []

    def have(name):
        return reuse and all((out / ("%s.%s" % (name, f))).exists() for f in formats)

    for chart in drawn:
        for fn, what in ((speedup_chart, "speedup"), (efficiency_chart, "efficiency"),
                         (time_chart, "time")):
            name = chart_name(chart, what)
            paths = [out / (name + ".png")] if have(name) else fn(a, chart, out, name, formats)
            if paths:
                made.append(("%s: %s, %s scaling" % (chart.kernel, what, chart.scaling),
                             paths[0]))
    if have(HEATMAP):
        made.append(("summary: efficiency of every kernel x backend", out / (HEATMAP + ".png")))
    else:
        paths = heatmap(a, summary.Summary(a, kinfo), out, formats=formats)
        if paths:
            made.append(("summary: efficiency of every kernel x backend", paths[0]))
    if kinfo or any(p.flop_rate is not None for p in a.points):
        for host in a.hosts():
            name = "roofline" if len(a.hosts()) == 1 else "roofline-%s" % analysis._safe(host)
            if have(name):
                paths, note = [out / (name + ".png")], None
            else:
                paths, note = roofline(a, kinfo or {}, out, host, name, formats)
            if paths:
                made.append(("roofline (%s)" % (host or "unknown host"), paths[0]))
            if note:
                notes.append(note)
    else:
        notes.append("roofline skipped: the CSV has no flops/bytes counts and there is no "
                     "kernel table: %s. Pass --parscale BIN or --kernels-json FILE."
                     % (kinfo_note or "none"))
    for n in notes:
        log("note: " + n)
    return made, notes
