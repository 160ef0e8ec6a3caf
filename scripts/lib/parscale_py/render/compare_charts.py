"""A comparison drawn (docs/compare.md): each configuration's NEW/BASE
ratio with its interval, both runs' speedup curves overlaid, and the
report's "Compared with BASE" section (scripts/report --compare).
"""
from collections import OrderedDict

from .. import analysis, safeio
from ..analysis import DataError
from ..comparison import (HEADER, ALIGN, VERDICTS, compare_paths, label, summary_line,
                          table_rows)

# ---- charts -----------------------------------------------------------------

COLOURS = {"slower": "#D55E00", "faster": "#0072B2", "same": "#555555",
           "unverified": "#BBBBBB"}
MARKERS = {"slower": ">", "faster": "<", "same": "o", "unverified": "x"}


def ratio_chart(c, out, name="compare-ratios"):
    """Each configuration's NEW/BASE ratio with its 95% interval, one panel
    per kernel, the threshold band shaded; colour and marker say the verdict."""
    from . import plots
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullLocator

    kernels = list(OrderedDict((r.cfg.get("kernel"), 1) for r in c.results))
    counts = [sum(1 for r in c.results if r.cfg.get("kernel") == k) for k in kernels]
    height = 1.2 + 0.26 * sum(counts) + 0.5 * len(kernels)
    fig, axes = plt.subplots(len(kernels), 1, squeeze=False, sharex=True,
                             figsize=(plots.FIGSIZE[0] + 1.6, max(plots.FIGSIZE[1], height)),
                             gridspec_kw={"height_ratios": [max(n, 1) + 1 for n in counts]})
    axes = [a[0] for a in axes]
    lo_t, hi_t = 1.0 / (1.0 + c.threshold), 1.0 + c.threshold
    for ax, k in zip(axes, kernels):
        rs = [r for r in c.results if r.cfg.get("kernel") == k]
        ax.axvspan(lo_t, hi_t, color="0.92", zorder=0, linewidth=0)
        ax.axvline(1.0, color="0.4", linestyle=":", linewidth=1, zorder=1)
        for i, r in enumerate(rs):
            y = len(rs) - i
            if r.ratio is None:
                continue
            col = COLOURS[r.verdict]
            if r.lo is not None:
                ax.plot([r.lo, r.hi], [y, y], color=col, linewidth=1.4, zorder=2)
                ax.plot([r.lo, r.hi], [y, y], color=col, marker="|", markersize=8,
                        linestyle="none", zorder=2)
            ax.plot([r.ratio], [y], marker=MARKERS[r.verdict], color=col, markersize=7,
                    markerfacecolor="white" if r.oversubscribed else col,
                    linestyle="none", zorder=3)
        ax.set_yticks(range(len(rs), 0, -1))
        ax.set_yticklabels([_short(r.cfg, k, c.shown) for r in rs], fontsize=7.5)
        ax.set_ylim(0.4, len(rs) + 0.6)
        ax.set_title(k, fontsize=9, loc="left")
        ax.grid(True, axis="x", which="major", color="0.9")
    axes[-1].set_xscale("log")
    ends = [v for r in c.results for v in (r.lo, r.hi, r.ratio) if v]
    span = [min(ends + [lo_t]) / 1.05, max(ends + [hi_t]) * 1.05]
    ticks = [t for t in (0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2, 3, 5, 10)
             if span[0] <= t <= span[1]]
    axes[-1].set_xlim(*span)
    axes[-1].xaxis.set_major_locator(FixedLocator(ticks))
    axes[-1].xaxis.set_minor_locator(NullLocator())
    axes[-1].xaxis.set_major_formatter(FormatStrFormatter("%g"))
    axes[-1].set_xlabel("time ratio NEW / BASE (median, 95% interval; > 1 = slower)")
    fig.suptitle("NEW %s vs BASE %s" % (c.new.path.name if c.new.path.name != "results.csv"
                                        else c.new.path.parent.name,
                                        c.base.path.name if c.base.path.name != "results.csv"
                                        else c.base.path.parent.name), fontsize=10)
    hs = [Line2D([], [], color=COLOURS[v], marker=MARKERS[v], linestyle="none", label=v)
          for v in VERDICTS if c.count(v)]
    hs.append(Line2D([], [], color="0.85", linewidth=6,
                     label="within %g%% (threshold)" % (100 * c.threshold)))
    if any(r.oversubscribed for r in c.results):
        hs.append(Line2D([], [], marker="o", color="0.3", markerfacecolor="white",
                         linestyle="none", label="oversubscribed (hollow)"))
    axes[0].legend(handles=hs, fontsize=7, loc="lower right", bbox_to_anchor=(1.0, 1.0),
                   ncol=len(hs), frameon=False, borderaxespad=0.2, handletextpad=0.3)
    return plots._save(fig, axes[-1], out, name)


def _short(cfg, kernel, shown):
    """A label without its kernel, for a panel already titled with it."""
    text = label(cfg, shown)
    return text[len(kernel) + 1:] if text.startswith(kernel + " ") else text


def speedup_charts(c, out):
    """For scaling studies: per kernel and scaling mode, both runs' speedup
    curves on one chart (NEW solid and filled, BASE dotted and hollow)."""
    from . import plots
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    def charts(side):
        rows = [i for k in side.groups for i in side.groups[k]]
        a = analysis.Analysis(side.table, side.path, rows)
        return a, {(ch.kernel, ch.scaling, ch.order, ch.steps): ch for ch in a.charts}

    ab, cb = charts(c.base)
    an, cn = charts(c.new)
    made = []
    for key in cn:
        if key not in cb:
            continue
        kernel, scaling, order, steps = key
        sers = [(s, "NEW") for s in cn[key].series if s.backend != analysis.baseline()] + \
               [(s, "BASE") for s in cb[key].series if s.backend != analysis.baseline()]
        if len({p.workers for s, _ in sers for p in s.points if p.speedup}) < 2:
            continue                          # one worker count: not a scaling study
        fig, ax = plt.subplots(figsize=plots.FIGSIZE)
        labels = list(OrderedDict((s.label, 1) for s, _ in sers))
        xs = []
        for s, which in sers:
            st = plots.STYLE.get(s.backend) or plots.EXTRA[labels.index(s.label) %
                                                           len(plots.EXTRA)]
            pts = sorted((p.workers, p.speedup, p.speedup_lo, p.speedup_hi)
                         for p in s.points if p.speedup is not None)
            if not pts:
                continue
            x = [p[0] for p in pts]
            xs += x
            ax.plot(x, [p[1] for p in pts], color=st["color"],
                    linestyle="-" if which == "NEW" else ":",
                    linewidth=1.6 if which == "NEW" else 1.2, marker=st["marker"],
                    markerfacecolor=st["color"] if which == "NEW" else "white", zorder=3)
            ax.errorbar(x, [p[1] for p in pts],
                        yerr=[[max(0.0, p[1] - p[2]) if p[2] is not None else 0 for p in pts],
                              [max(0.0, p[3] - p[1]) if p[3] is not None else 0 for p in pts]],
                        fmt="none", ecolor=st["color"], elinewidth=0.8, capsize=2, zorder=2,
                        alpha=1.0 if which == "NEW" else 0.6)
        plots._workers_axis(ax, xs, an.cores())
        ideal = sorted(set(xs))
        ax.plot(ideal, ideal, color="0.4", linestyle=":", linewidth=1, zorder=1)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("speedup over seq (x)")
        size = "n=%s" % analysis.short_size(order) + ("" if scaling == "strong" else " per worker")
        ax.set_title("%s: speedup, NEW vs BASE (%s scaling, %s)" % (kernel, scaling, size),
                     fontsize=10)
        hs = []
        for lab in labels:
            s = next(s for s, _ in sers if s.label == lab)
            st = plots.STYLE.get(s.backend) or plots.EXTRA[labels.index(lab) % len(plots.EXTRA)]
            hs.append(Line2D([], [], color=st["color"], marker=st["marker"], label=lab))
        hs += [Line2D([], [], color="0.3", linestyle="-", label="NEW (solid, filled)"),
               Line2D([], [], color="0.3", linestyle=":", markerfacecolor="white",
                      marker="o", label="BASE (dotted, hollow)"),
               Line2D([], [], color="0.4", linestyle=":", label="ideal (S = p)")]
        ax.legend(handles=hs, fontsize=7.5, loc="best", framealpha=0.9)
        several = sum(1 for k in cn if k[:2] == (kernel, scaling)) > 1
        slug = analysis._safe(kernel + ("-n%s" % order if several else "") +
                              ("-s%s" % steps if several and steps not in (None, 1) else ""))
        name = "compare-%s-speedup-%s" % (slug, scaling)
        paths = plots._save(fig, ax, out, name)
        made.append(("%s: speedup NEW vs BASE, %s scaling" % (kernel, scaling), paths[0]))
    return made


def make_charts(c, out, speedups=True):
    """The ratio chart and (with speedups) the overlaid speedup curves into
    out; [(caption, png)]."""
    out = safeio.out_dir(out, error=DataError)
    made = [("NEW/BASE time ratio per configuration", ratio_chart(c, out)[0])]
    return made + (speedup_charts(c, out) if speedups else [])


# ---- the report's section ---------------------------------------------------

class Section:
    """The report's "Compared with BASE" section, ready to add to its Doc."""

    def __init__(self, comparison, charts, base_spec):
        self.c = comparison
        self.charts = charts
        self.base_spec = base_spec

    def add_to(self, doc):
        c = self.c
        doc.h(2, "Compared with %s" % self.base_spec, "compared")
        doc.p("Each configuration of this run (NEW) against the same configuration in "
              "`%s` (BASE): the ratio of median times NEW/BASE with the 95%% interval of "
              "the Hodges-Lehmann ratio, and the Mann-Whitney U p-value. A verdict "
              "other than `same` needs both p < %g and a change beyond %g%%. "
              "See docs/compare.md." % (c.base.path, c.alpha, 100 * c.threshold))
        doc.ul(["BASE: " + c.base.describe(), "NEW: " + c.new.describe()])
        doc.table(HEADER, table_rows(c), ALIGN)
        doc.p(summary_line(c) + ".")
        doc.ul(c.notes())
        for cap, path in self.charts:
            doc.img(cap, path)


def report_section(base_spec, csv_path, out):
    """The one call scripts/report makes for --compare BASE: compares the
    report's CSV with BASE (DataError before anything is written), draws the
    ratio chart into out, and returns a Section with add_to(doc)."""
    c = compare_paths(base_spec, csv_path)
    return Section(c, make_charts(c, out, speedups=False), base_spec)
