"""The landscape chart: one figure, two panels, the lesson in numbers.

Left, "do more at once while waiting": a waiting kernel (io).  Right, "do it
faster on more cores": a computing kernel (pi).  Each panel draws speedup
against workers for parscale's seq, async, gil, omp and mpi and for real
CPython's threads, processes, asyncio, Trio, uvloop, subinterpreters (a GIL
each, and one shared) and Cython (without the lock, and holding it), from a
CSV alone:

- parscale backends: against the seq row of the same kernel, size, steps
  and parameters (as every other chart);
- CPython backends: against the same CPython backend at 1 worker (one
  thread, one process, one task), as cpython-bench's summary does: the
  interpreter's own sequential speed, since pure Python is far slower than
  the C kernels and a speedup over C's seq would say nothing about scaling.

A point is the median of its verified repetitions; hollow markers are
points with more workers than cores.  Rows measured with computing tasks
beside the measured ones (params cpu_tasks=...) are left out: they are the
pitfall's measurements, not the landscape.  Where a kernel and backend were
measured at several sizes, parameters or settings (a GIL model, a switch
interval), the line with the most worker counts is drawn (the larger size
on a tie); rows of different settings are never pooled.

    scripts/landscape CSV --out DIR [--waiting io] [--computing pi]
"""
import argparse
import sys
from collections import OrderedDict, defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter  # noqa: E402

from .. import version
from .. import analysis, stats  # noqa: E402
from ..render import plots  # noqa: E402
from ..common import fail, guarded  # noqa: E402

NAME = "landscape"
FIGSIZE = (11.0, 5.2)       # inches: two panels side by side and the caption
BACKENDS = ("seq", "async", "gil", "omp", "mpi", "cpython-threads", "cpython-processes",
            "cpython-asyncio", "cpython-trio", "cpython-uvloop", "cpython-subinterpreters",
            "cpython-subinterpreters-shared", "cpython-cython-nogil", "cpython-cython-gil")
PANELS = (("waiting", "do more at once while waiting"),
          ("computing", "do it faster on more cores"))
CAPTION = ("Speedup: parscale's backends against its seq at the same size (the median of "
           "per-pair ratios, each pair run back to back); CPython's (cpython-*) against the "
           "same CPython backend at 1 worker.\nHollow markers: more workers than cores; "
           "ringed: the 95% interval does not support the height; dotted: ideal (S = p).")


def is_cpython(backend):
    return backend.startswith("cpython-")


def _pitfall(row):
    return "cpu_tasks=" in (row.get("params") or "")


# A point whose 95% interval reaches further than this from its height (or
# that has none) is marked: the data do not support the height drawn.
SUPPORT = 0.15


def supported(point, lo, hi):
    """Whether an interval [lo, hi] supports a speedup drawn at point."""
    return (point is not None and lo is not None and hi is not None and point > 0
            and lo >= point * (1 - SUPPORT) and hi <= point * (1 + SUPPORT))


def _pair_ratios(rows):
    """Per-pair ratios (base time / own time) of the paired rows, keyed by
    the own row: the harness ran both back to back and tagged them."""
    pairs = defaultdict(dict)
    for r in rows:
        tag = r.get("pair")
        if tag:
            pairs[(r.get("run_id"), tag.rstrip("b"))]["base" if tag.endswith("b") else "own"] = r
    out = {}
    for pr in pairs.values():
        own, base = pr.get("own"), pr.get("base")
        if own and base and own["ok"] and base["ok"] and not own.get("aside") \
                and not base.get("aside"):
            out[id(own)] = base["seconds"] / own["seconds"]
    return out


def busy_share(rows):
    """The share of parscale's repetitions set aside as disturbed."""
    judged = [r for r in rows if r.get("disturbed") is not None]
    return sum(1 for r in judged if r["disturbed"] == 1) / len(judged) if judged else 0.0


class Line:
    """One backend's points for one kernel: workers -> (speedup, over,
    whether its interval supports it)."""

    def __init__(self, backend, key, points, note):
        self.backend, self.key, self.points, self.note = backend, key, points, note


def lines(rows, kernel, backends=BACKENDS, host=None):
    """The lines of one panel: [Line] in backends' order, from parsed rows
    (analysis.load_csv).  A backend without a base for its speedup (no seq
    row at its size, no 1-worker CPython row) has no line."""
    groups = defaultdict(lambda: defaultdict(list))   # (backend, key) -> workers -> times
    paired = defaultdict(lambda: defaultdict(list))   # the same -> per-pair ratios
    ratio_of = _pair_ratios(rows)
    over = defaultdict(bool)
    for r in rows:
        if (r["kernel"] != kernel or r["scaling"] != "strong" or not r["ok"] or r.get("aside")
                or r["backend"] not in backends or _pitfall(r)
                or (host is not None and r.get("host") != host)):
            continue
        key = (r["size"], r.get("steps"), r.get("params") or "")
        # a backend's settings (GIL model, intervals, schedule) make lines
        # of their own, as in every other chart: never one median of both
        variant = tuple(r.get(c) for c in analysis.SERIES_VARIANT)
        groups[(r["backend"], key, variant)][r["workers"]].append(r["seconds"])
        if id(r) in ratio_of:
            paired[(r["backend"], key, variant)][r["workers"]].append(ratio_of[id(r)])
        over[(r["backend"], key, variant, r["workers"])] |= bool(r.get("oversubscribed"))
    summ = {g: {w: stats.Summary(ts) for w, ts in by_w.items()} for g, by_w in groups.items()}
    med = {g: {w: s.median for w, s in by_w.items()} for g, by_w in summ.items()}
    seq = {}
    for (gb, key, _), by_w in med.items():
        if gb == analysis.baseline() and by_w.get(1):
            seq.setdefault(key, (by_w[1], summ[(gb, key, _)][1]))
    out = []
    for b in backends:
        cands = []
        for (gb, key, variant), by_w in med.items():
            if gb != b:
                continue
            g = (gb, key, variant)
            base = seq.get(key) if not is_cpython(b) else \
                ((by_w[1], summ[g][1]) if by_w.get(1) else None)
            if not base:
                continue
            pts = OrderedDict()
            for w, t in sorted(by_w.items()):
                if paired[g].get(w):      # the harness's pairs: their ratios' interval
                    su = stats.Summary(paired[g][w])
                    s, lo, hi = su.median, su.lo, su.hi
                    ok = su.ci_available and supported(s, lo, hi)
                else:                     # no pairs: from both intervals' ends
                    s = base[0] / t
                    lo, hi = stats.speedup_interval(base[1], summ[g][w])
                    ok = base[1].ci_available and summ[g][w].ci_available and \
                        supported(s, lo, hi)
                pts[w] = (s, over[(b, key, variant, w)], ok)
            cands.append((len(pts), key[0], key, pts))
        if not cands:
            continue
        _, _, key, pts = max(cands, key=lambda c: (c[0], c[1]))
        note = "vs itself at 1 worker" if is_cpython(b) else "vs seq"
        out.append(Line(b, key, pts, note))
    return out


def _host(rows):
    """The host with the most rows: one machine per figure."""
    count = defaultdict(int)
    for r in rows:
        count[r.get("host")] += 1
    return max(count, key=count.get) if count else None


def _describe(kernel, ls):
    """The panel's subtitle: the kernel and its sizes (parscale's, CPython's)."""
    sizes = []
    for fam, pick in (("C", lambda b: not is_cpython(b)), ("Python", is_cpython)):
        keys = sorted({(ln.key[0], ln.key[2]) for ln in ls if pick(ln.backend)})
        for size, params in keys:
            sizes.append("%s n=%s%s" % (fam, analysis.short_size(size), " " + params if params else ""))
    return "%s (%s)" % (kernel, "; ".join(sizes) if sizes else "no data")


def draw(rows, out, waiting="io", computing="pi", backends=BACKENDS, name=NAME,
         formats=plots.FORMATS):
    """The two-panel figure into out (PNG, SVG, PDF), made if missing;
    returns (paths, the lines of each panel).  Raises analysis.DataError,
    before out is made, when neither kernel has a line."""
    host = _host(rows)
    cores = analysis.cores(rows, host)
    panels = [(kernel, title, lines(rows, kernel, backends, host))
              for kernel, (_, title) in zip((waiting, computing), PANELS)]
    if not any(ls for _, _, ls in panels):
        raise analysis.DataError("no verified strong-scaling rows of %s or %s with a base "
                                 "for their speedup (a seq row, or a CPython backend at 1 "
                                 "worker)" % (waiting, computing))
    Path(out).mkdir(parents=True, exist_ok=True)
    # two panels above, the shared legend and caption below in an axes of
    # their own, so that the layout makes room for them
    fig = plt.figure(figsize=FIGSIZE)
    grid = fig.add_gridspec(2, 2, height_ratios=(4.0, 1.0))
    axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])]
    below = fig.add_subplot(grid[1, :])
    below.axis("off")
    handles = OrderedDict()
    for ax, (kernel, title, ls) in zip(axes, panels):
        xs = sorted({w for ln in ls for w in ln.points})
        for ln in ls:
            st = plots.STYLE.get(ln.backend) or plots.EXTRA[len(handles) % len(plots.EXTRA)]
            ws = list(ln.points)
            ys = [ln.points[w][0] for w in ws]
            ax.plot(ws, ys, color=st["color"], linestyle=st["linestyle"], linewidth=1.4,
                    zorder=3)
            for w, y in zip(ws, ys):
                hollow, ok = ln.points[w][1], ln.points[w][2]
                ax.plot([w], [y], marker=st["marker"], markersize=7, color=st["color"],
                        markerfacecolor="white" if hollow else st["color"],
                        markeredgewidth=1.4, linestyle="none", zorder=4)
                if not ok:  # the interval does not support the height
                    ax.plot([w], [y], marker="o", markersize=13, color="0.25",
                            markerfacecolor="none", markeredgewidth=1.0, linestyle="none",
                            zorder=5)
            handles.setdefault(ln.backend, Line2D(
                [], [], color=st["color"], marker=st["marker"], linestyle=st["linestyle"],
                label="%s (%s)" % (ln.backend, ln.note)))
        if xs:
            plots._workers_axis(ax, xs, cores)
            ax.plot(xs, xs, color="0.4", linestyle=":", linewidth=1, zorder=1)
            ax.set_xlabel("workers (threads, ranks or tasks)")
        if kernel == waiting and xs:
            # waiting scales with the workers, by up to 64x: equal ratios
            # get equal room, and the ideal is the diagonal
            ax.set_yscale("log", base=2)
            ax.yaxis.set_major_locator(FixedLocator(xs))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.yaxis.set_major_formatter(ScalarFormatter())
        else:
            ax.set_ylim(bottom=0)
        ax.set_ylabel("speedup (x)")
        ax.set_title("%s\n%s" % (title, _describe(kernel, ls)), fontsize=10)
        if ax is not axes[-1]:
            ax.grid(True, which="major", color="0.9")
    hs = list(handles.values()) + [
        Line2D([], [], color="0.4", linestyle=":", label="ideal (S = p)"),
        Line2D([], [], marker="o", color="0.3", markerfacecolor="white", linestyle="none",
               label="oversubscribed (hollow)"),
        Line2D([], [], marker="o", markersize=11, color="0.25", markerfacecolor="none",
               linestyle="none", label="ringed: 95%% interval beyond \u00b1%d%% (or none)"
               % round(100 * SUPPORT))]
    below.legend(handles=hs, loc="upper center", ncol=4, fontsize=7.5, framealpha=0.9)
    caption = CAPTION
    busy = busy_share(rows)
    if busy > 0.10:
        caption += ("\nThe machine was busy: %.0f%% of parscale's repetitions lost more than "
                    "their share to other tasks and were set aside (disturbed); ringed points "
                    "did not get a tight interval." % (100 * busy))
    below.text(0.5, 0.0, caption, transform=below.transAxes, ha="center", va="top",
               fontsize=7.5)
    fig.suptitle("which way of doing several things at once helps which work\n%s, %s" % (
        host or "unknown host", analysis.dates(rows) or "undated"), fontsize=11)
    paths = plots._save(fig, axes[-1], out, name, formats)
    return paths, {k: ls for k, _, ls in panels}


def make(csv_path, out, waiting="io", computing="pi", log=print, formats=plots.FORMATS):
    """The landscape of csv_path into out, in each of formats; returns the
    PNG's path."""
    rows = analysis.load_csv(csv_path)
    _, records, _ = analysis.read_meta(csv_path)
    analysis.keep_disturbed(rows, analysis.kept_disturbed_runs(records))
    paths, panels = draw(rows, out, waiting, computing, formats=formats)
    for kernel, ls in panels.items():
        # the routes that need an interpreter or a library the machine may
        # lack are not called missing: cpython-bench named them when it skipped
        missing = [b for b in BACKENDS[:BACKENDS.index("cpython-trio")]
                   if b not in {ln.backend for ln in ls}]
        if missing:
            log("landscape: %s: no line for %s" % (kernel, ", ".join(missing)))
    return paths[0]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="landscape", description="The landscape chart (PNG, "
                                 "SVG, PDF): speedup against workers for a waiting and a "
                                 "computing kernel, every backend, from a CSV alone.")
    ap.add_argument("csv", help="a CSV of parscale and cpython-bench rows")
    ap.add_argument("--out", required=True, help="directory for landscape.png/.svg/.pdf")
    ap.add_argument("--waiting", default="io", help="the waiting kernel (default io)")
    ap.add_argument("--computing", default="pi", help="the computing kernel (default pi)")
    version.add_option(ap)
    a = ap.parse_args(argv)
    if a.waiting == a.computing:
        fail("landscape", "--waiting and --computing name the same kernel '%s'" % a.waiting)
    png = guarded("landscape", make, a.csv, a.out, a.waiting, a.computing,
                  log=lambda m: print(m, file=sys.stderr))
    print("landscape: %s (and .svg, .pdf)" % png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
