"""The report: Markdown (report.md) and one HTML page (report.html) from a
parscale CSV and the metadata beside it.

    scripts/report CSV --out DIR [--charts DIR] [--e2e DIR] [--parscale BIN]
                       [--linked]

It opens with the findings: one table of every kernel x backend at the
largest worker count within the cores (speedup and efficiency with their
intervals), a heatmap of the same, and the sentences those numbers support.
Then the warnings (counted, each with its fix), the detail of every kernel
and scaling mode (tables, fits, charts), the roofline, end-to-end timing when
e2e.json is present, and the machine and build.  The page embeds its charts
(compressed) unless --linked, which refers to the chart files instead.
"""
import argparse
import datetime
import json
import sys
from collections import Counter, OrderedDict
from pathlib import Path

from .. import version
from .. import analysis, kerninfo, numfmt, safeio, stats
from ..common import guarded
from ..numfmt import fnum, seconds
from ..render import summary
from ..render.reportdoc import Doc, Images, Rich
from . import e2e

META_KEYS = ("host", "cpu_model", "cpu_vendor", "isa", "hypervisor", "fingerprint", "cores", "caches", "compiler", "flags", "build_type",
             "openmp", "mpi", "placement", "version", "git", "date", "command",
             "slurm_job_id")


def _ci_text(p):
    s = p.summary
    if s.n == 0:
        return "-"
    txt = "%s .. %s" % (seconds(s.lo), seconds(s.hi))
    return txt if s.ci_available else txt + " (min-max)"


# ---- the warnings -----------------------------------------------------------

def _name(p):
    return "%s %s x%d (%s)" % (p.kernel, p.backend, p.workers, p.scaling)


STOP_REASONS = {"max-reps": "stopped at the repetition limit",
                "max-time": "stopped at the time limit",
                "reps": "stopped at the fixed repetition count"}


def disturbed_by_queue(row):
    """Whether a disturbed repetition lost its time mostly in the run queue
    (other runnable tasks) rather than off the CPU unseen (the hypervisor,
    interrupts): its run-queue delay against the share it lost."""
    lost = (row.get("lost") or 0.0) * (row.get("seconds") or 0.0)
    return (row.get("runq_delay") or 0.0) >= 0.5 * lost


def disturbed_causes(queue, host):
    """The causes measured, as the terminal's summary names them."""
    parts = []
    if queue:
        parts.append("%d to other runnable tasks on this machine (run-queue delay)" % queue)
    if host:
        parts.append("%d to the hypervisor or interrupts (run time below wall time, no "
                     "run-queue delay)" % host)
    return ", ".join(parts)
HARNESS_KINDS = {"placement": "workers shared a CPU", "steal": "the hypervisor took CPU time",
                 "setup": "the build or the machine's set-up",
                 "interrupted": "a signal stopped the run"}


def _harness_warnings(add, records):
    """The harness's own warnings, from the metadata: one entry per kind."""
    by_kind = OrderedDict()
    for run, kind, text in analysis.harness_warnings(records):
        by_kind.setdefault(kind, []).append("run %s: %s" % (run, text))
    for kind, items in by_kind.items():
        add("harness-" + kind, "Harness warning, %s: %d" % (
            HARNESS_KINDS.get(kind, kind), len(items)),
            "the harness saw this while measuring; the fix is in each line.", items)


def warnings_for(a, runs, meta_problems, records=()):
    """[(title, text with its fix, anchor, [configurations])], in the order
    a reader should act on them."""
    w = []

    def add(key, title, text, configs=()):
        w.append((title, text, "warn-" + key, list(configs)))

    failed = [p for p in a.points if p.failed]
    if failed:
        items = []
        for p in failed:
            errs = OrderedDict((r.get("error") or "verified=false", 1) for r in p.failed)
            items.append("%s: %d of %d repetition(s) failed (%s)" % (
                _name(p), len(p.failed), len(p.idx), "; ".join(list(errs)[:2])))
        add("failed", "Failed verification or errors: %d configuration(s)" % len(failed),
            "repetitions with a wrong answer or an error are left out of every statistic. "
            "Fix: read the `error` column; a wrong answer is a bug in the kernel or backend, "
            "not noise.", items)
    empty = [p for p in a.points if p.summary.n == 0]
    if empty:
        add("empty", "No valid repetition: %d configuration(s)" % len(empty),
            "nothing to summarise. Fix: the errors above, then run them again.",
            [_name(p) for p in empty])
    aside = [p for p in a.points if p.set_aside]
    if aside:
        n_aside = sum(len(p.set_aside) for p in aside)
        n_all = sum(len(p.idx) for p in aside)
        queue = sum(1 for p in aside for r in p.set_aside if disturbed_by_queue(r))
        add("disturbed", "Disturbed repetitions set aside: %d of %d in %d configuration(s)"
            % (n_aside, n_all, len(aside)),
            "each lost more than its run's `--disturbed-above` share: %s. They stay in the "
            "CSV (`disturbed` = 1) and were measured again; no statistic uses them. Fix: "
            "nothing else of yours running beside the measurement; on a shared host, more "
            "`--retry-disturbed` or a quieter time." % disturbed_causes(queue, n_aside - queue),
            ["%s: %d of %d" % (_name(p), len(p.set_aside), len(p.idx)) for p in aside])
    nobase = [p for p in a.points if p.backend != analysis.baseline() and p.median is not None
              and p.speedup is None]
    if nobase:
        add("nobase", "No speedup base: %d configuration(s)" % len(nobase),
            "no verified `seq` run at the same kernel and size, so speedup and efficiency "
            "are blank. Fix: add `seq` to `--backend`.", [_name(p) for p in nobase])
    over = [p for p in a.points if p.oversubscribed]
    if over:
        cores = sorted({int(p.cores) for p in over if p.cores})
        add("over", "Oversubscribed: %d configuration(s)" % len(over),
            "more workers than the %s core(s); their times measure time-sharing, not "
            "parallel speedup (hollow markers, shaded band; left out of the fits and the "
            "summary). Fix: keep `--workers` within the cores, or run on a larger machine."
            % ("/".join(str(c) for c in cores) or "?"), [_name(p) for p in over])
    few = [p for p in a.points if 0 < p.summary.n < stats.MIN_CI_SAMPLES]
    if few:
        add("few", "Few repetitions: %d configuration(s)" % len(few),
            "fewer than %d valid repetitions, too few for a 95%% interval of the median; "
            "tables and error bars show min-max instead (marked), and no finding uses them. "
            "Fix: `--reps %d` or more." % (stats.MIN_CI_SAMPLES, max(10, stats.MIN_CI_SAMPLES)),
            [_name(p) for p in few])
    noisy = [p for p in a.points if p.summary.n and p.summary.rel_width() is not None
             and p.summary.rel_width() > stats.HIGH_VARIANCE]
    if noisy:
        add("noisy", "High variance: %d configuration(s)" % len(noisy),
            "the interval is wider than %d%% of the median. Fix: a quiet machine, longer "
            "repetitions (a larger `--size`) or more `--reps`."
            % round(stats.HIGH_VARIANCE * 100),
            ["%s (%.0f%%)" % (_name(p), 100 * p.summary.rel_width()) for p in noisy])
    total, short = analysis.stopping_records(records)
    if short:
        why = Counter(c.get("reason") or "unknown" for c in short)
        add("target", "Interval target not reached: %d of %d configuration(s)"
            % (len(short), total),
            "the repeat-until rule stopped before the interval was narrow enough: %s. Fix: "
            "raise the rule's repetition or time limit, or run on a quieter machine."
            % ", ".join("%d %s" % (n, STOP_REASONS.get(r, "stopped (%s)" % r))
                        for r, n in why.most_common()),
            ["%s %s x%s (%s): %s%s" % (
                c.get("kernel"), c.get("backend"), c.get("workers"), c.get("scaling"),
                STOP_REASONS.get(c.get("reason"), c.get("reason")),
                ", interval %.0f%% of the median after %s repetitions"
                % (100 * c["rel_width"], c.get("reps"))
                if isinstance(c.get("rel_width"), (int, float)) else "") for c in short])
    _harness_warnings(add, records)
    extrap = [p for p in a.points if p.base_note]
    if extrap:
        add("extrap", "Extrapolated base: %d configuration(s)" % len(extrap),
            "weak-scaling speedup against `seq` at the per-worker size, times the size "
            "ratio (work assumed proportional to size). Fix: run `seq` at the global sizes.",
            [_name(p) for p in extrap])
    if meta_problems:
        add("meta", "Metadata: %d problem(s)" % len(meta_problems),
            "the machine and build section may be incomplete. Fix: keep the "
            "`.meta.jsonl` file beside the CSV.", meta_problems)
    if len(runs) > 1:
        differ = [k for k in ("host", "cpu_model", "compiler", "flags", "git", "mpi", "openmp")
                  if len({json.dumps(r.get(k), sort_keys=True) for r in runs.values()}) > 1]
        if differ:
            add("mixed", "Mixed runs: %d runs" % len(runs),
                "their %s differ, and rows of one configuration from different builds or "
                "machines are summarised together. Fix: one CSV per build and machine."
                % ", ".join(differ))
    return w


# ---- the sections -----------------------------------------------------------

def machine_section(doc, runs):
    doc.h(2, "Machine and build", "machine")
    if not runs:
        doc.p("No metadata (the `.meta.jsonl` file beside the CSV) was found.")
        return
    ids = list(runs)
    keys = [k for k in META_KEYS if any(k in r for r in runs.values())]
    keys += sorted({k for r in runs.values() for k in r} - set(keys) - {"run_id"})
    same = [k for k in keys
            if len({json.dumps(runs[i].get(k), sort_keys=True) for i in ids}) == 1]
    rows = [(k, _meta_val(runs[ids[0]].get(k))) for k in same]
    doc.table(["", "all runs (%d)" % len(ids)], rows)
    differ = [k for k in keys if k not in same]
    if differ:
        doc.p("What differs between runs:")
        doc.table(["run_id"] + differ,
                  [[i] + [_meta_val(runs[i].get(k)) for k in differ] for i in ids])


def _meta_val(v):
    """A metadata value as one cell, cut to a readable length (a command
    line of megabytes in metadata from elsewhere has no place in a page)."""
    if v is None or v == "":
        return "-"
    if isinstance(v, dict):
        text = ", ".join("%s %s" % (k, _meta_val(x)) for k, x in v.items())
    elif isinstance(v, list):
        text = ", ".join(_meta_val(x) for x in v)
    else:
        text = str(v)
    return safeio.clip(text, META_CELL_MAX)


META_CELL_MAX = 2000


def chart_anchor(chart):
    """The section of one chart: kernel (with size when needed) and scaling."""
    return "%s-%s" % (chart.slug, chart.scaling)


def kernel_anchor(kernel):
    return "k-" + analysis._safe(kernel)


def chart_section(doc, chart, charts):
    size = "n = %s%s" % (chart.order, "" if chart.scaling == "strong" else " per worker")
    doc.h(4, "%s: %s scaling (%s%s)" % (chart.kernel, chart.scaling, size,
                                         ", %s steps" % chart.steps if chart.steps not in
                                         (None, 1) else ""), chart_anchor(chart))
    rows = []
    for s in chart.series:
        for p in s.points:
            notes = []
            if p.oversubscribed:
                notes.append("oversubscribed")
            if p.failed:
                notes.append("%d failed" % len(p.failed))
            if 0 < p.summary.n < stats.MIN_CI_SAMPLES:
                notes.append("few reps")
            rw = p.summary.rel_width()
            if rw is not None and rw > stats.HIGH_VARIANCE:
                notes.append("high variance")
            if p.base_note:
                notes.append(p.base_note)
            workers = str(p.workers)
            if p.backend == analysis.baseline() and chart.scaling == "weak":
                workers = "1 (n=%s)" % p.size
            rows.append([s.label, workers, p.summary.n, seconds(p.median), _ci_text(p),
                         "%s %s" % (fnum(p.rate), p.rate_unit) if p.rate is not None else "-",
                         fnum(p.speedup, 3),
                         "%s .. %s%s" % (fnum(p.speedup_lo, 3), fnum(p.speedup_hi, 3),
                                         "" if p.speedup_ci_available else " (min-max)")
                         if p.speedup_lo is not None else "-",
                         fnum(p.efficiency, 3), fnum(p.karp_flatt, 3), ", ".join(notes)])
    doc.table(["backend", "workers", "reps", "median", "95% CI of median", "rate",
               "speedup", "speedup CI", "efficiency", "Karp-Flatt e", "notes"], rows,
              ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "l"])
    fits = [s for s in chart.series if s.fit]
    if fits:
        model = "Amdahl" if chart.scaling == "strong" else "Gustafson"
        doc.p("%s fit of the serial fraction f (points not oversubscribed):" % model)
        doc.table(["backend", "f", "rms residual (speedup)", "points (workers)"],
                  [[s.label, fnum(s.fit.f, 3), fnum(s.fit.rms, 3),
                    ", ".join("%g" % p for p, _ in s.fit.points)] for s in fits],
                  ["l", "r", "r", "l"])
    doc.figs([(cap, path) for cap, path in charts
              if path.name.startswith("%s-" % chart.slug)
              and path.name.endswith("-%s.png" % chart.scaling)])


# ---- the summary ---------------------------------------------------------------

def _figures(v, lo, hi, digits=2):
    """A figure and its interval as text, rounded together (numfmt)."""
    if lo is None or hi is None:
        return summary.fx(v), ""
    p, a, b = numfmt.with_interval(v, lo, hi, digits)
    return p, "[%s, %s]" % (a, b)


def _cell(c, workers, note_no=None):
    """A summary cell: speedup and efficiency with intervals, and the
    efficiency's class as colour (HTML) and marker (both); a figure that
    cannot be read as scaling (summary.implausible) is marked "!" with its
    note's number and left uncoloured."""
    cls, mark, _ = summary.eff_class(c.eff)
    star = "" if c.supported else "*"
    sp, s_iv = _figures(c.speedup, c.lo, c.hi)
    ef, e_iv = _figures(c.eff, c.eff_lo, c.eff_hi)
    at = "" if c.workers == workers else " @%d" % c.workers
    bang = "" if note_no is None else " !%d" % note_no
    if note_no is not None:
        mark, cls = "!", "implausible"
    md = "%s %s\u00d7 %s, E %s %s%s%s%s" % (mark, sp, s_iv, ef, e_iv, star, at, bang)
    html_text = ('<span class="mk" aria-hidden="true">%s</span> <b>%s\u00d7</b> <small>%s</small>'
                 '<br>E %s <small>%s</small>%s%s%s'
                 % (mark, sp, s_iv, ef, e_iv, star, at, bang))
    style = "background:#eeeeee" if note_no is not None else "background:" + _tint(c.eff)
    return Rich(md, html_text, "eff " + cls, style)


def _tint(e):
    """The heatmap's colour for an efficiency, halfway to white so that
    black text on it stays readable: the table and the heatmap agree."""
    from matplotlib import colormaps
    r, g, b, _ = colormaps["cividis"](min(max(e, 0.0), 1.0))
    return "#%02x%02x%02x" % tuple(round(255 * (0.5 + 0.5 * v)) for v in (r, g, b))


def summary_section(doc, a, summ, charts, kinfo):
    doc.h(2, "Summary", "summary")
    if not summ.rows:
        doc.p("No kernel has a speedup to show: every parallel point needs a verified `seq` "
              "run at the same size, within the cores.")
        return
    heat = [(c, p) for c, p in charts if p.name.startswith("summary-heatmap")]
    at = ("%d workers" % summ.workers if summ.workers else
          "the largest worker count within the cores (marked @p where it differs)")
    doc.lead()
    header = ["kernel"] + summ.columns
    rows, notes = [], []
    for kernel, chart, cells in summ.rows:
        name = kernel if chart.scaling == "strong" else "%s (weak)" % kernel
        row = [Rich("[%s](#%s)" % (name, kernel_anchor(kernel)),
                    '<a href="#%s">%s</a>' % (safeio.html_text(kernel_anchor(kernel)),
                                              safeio.html_text(name)), "row")]
        for col in summ.columns:
            if col not in cells:
                row.append("-")
                continue
            why = summary.implausible(cells[col], kinfo)
            if why:
                notes.append("%s %s: %s" % (kernel, col, why))
            row.append(_cell(cells[col], summ.workers or max(x.workers for x in cells.values()),
                             len(notes) if why else None))
        rows.append(row)
    doc.table(header, rows, ["l"] + ["r"] * len(summ.columns), anchor="summary-table",
              cls="summary")
    for cap, path in heat:
        doc.img(cap, path, "summary-heatmap")
    doc.end_lead()
    cores = " (%d cores)" % summ.cores if summ.cores else ""
    doc.p("Speedup over `seq` (\u00d7) and efficiency E = speedup / workers at %s%s, "
          "strong scaling unless marked. Brackets: 95%% intervals. Each configuration ran "
          "back to back with its seq base in every round; the speedup is the median of "
          "those per-pair ratios and its interval the exact 95%% interval of that median "
          "(runs without pairs: the ends of the two medians' intervals); the efficiency "
          "interval is it divided by the workers. %s. "
          "* fewer than %d repetitions: min-max instead of an interval, and no finding "
          "uses it." % (at, cores, "; ".join("%s %s" % (m, w) for _, _, m, w in summary.CLASSES),
                        stats.MIN_CI_SAMPLES), cls="legend")
    if notes:
        doc.p("! not scaling, whatever its colour would be:", cls="legend")
        doc.ul(["!%d %s" % (i + 1, n) for i, n in enumerate(notes)])
    found, left = summary.findings(a, summ, kinfo, anchor=chart_anchor)
    doc.h(3, "Findings", "findings")
    if found:
        doc.ul(["%s ([figure](#%s))" % (f.text, f.anchor) for f in found])
    else:
        doc.p("None: the data cannot support any of the findings below.")
    if left:
        doc.p("Not stated, because the data cannot show it: %s." % "; ".join(
            "%s (%s)" % (what, why) for what, why in left), cls="muted")
    doc.top()


def kernel_note(kernel, summ):
    """One line beside a folded kernel: its best lock-free efficiency."""
    _, cells = summ.row(kernel)
    if not cells:
        return ""
    free = [c for c in cells.values() if c.backend != "gil" and c.eff is not None]
    if not free:
        return ""
    b = max(free, key=lambda c: c.eff)
    return "best efficiency %s (%s, %d workers)" % (summary.fx(b.eff), b.label, b.workers)


def e2e_section(doc, e2e_dir):
    table = e2e.summary(e2e_dir) if e2e_dir else None
    if not table:
        return False
    doc.h(2, "End-to-end timing (whole processes)", "e2e")
    doc.p("Each command below is one whole `parscale run` process (with `mpirun` for mpi), "
          "timed by hyperfine with warm-up runs. In-kernel time is the median repetition "
          "those same processes reported; the difference is what starting up costs: "
          "process launch, `MPI_Init`, thread creation, allocation and first touch. It is "
          "the cost a user of processes pays and a user of threads mostly does not.")
    rows = [[r["name"], r["runs"], seconds(r["whole"]),
             "%s .. %s" % (seconds(r["min"]), seconds(r["max"])),
             seconds(r["kernel"]), seconds(r["startup"]),
             "%.0f%%" % (100 * r["startup"] / r["whole"]) if r["startup"] is not None
             and r["whole"] else "-"] for r in table]
    doc.table(["command", "runs", "whole process (median)", "min .. max", "in-kernel (median)",
               "launch + start-up", "share"], rows, ["l", "r", "r", "r", "r", "r", "r"])
    doc.top()
    return True


def _kernel_order(a, summ):
    first = [k for k, _, _ in summ.rows]
    return first + [k for k in a.kernels() if k not in first]


def _toc(a, summ, has_roof, has_e2e, has_warn, has_compare=False):
    toc = [(0, "Summary", "summary"), (1, "Findings", "findings")]
    if has_warn:
        toc.append((0, "Warnings", "warnings"))
    toc += [(0, "How to read this", "how-to-read"), (0, "Results", "results")]
    for k in _kernel_order(a, summ):
        toc.append((1, k, kernel_anchor(k)))
        for c in a.charts:
            if c.kernel == k:
                toc.append((2, "%s scaling%s" % (c.scaling, "" if sum(
                    1 for x in a.charts if x.kernel == k and x.scaling == c.scaling) == 1
                    else " (n = %s)" % c.order), chart_anchor(c)))
    if has_roof:
        toc.append((0, "Roofline", "roofline"))
    if has_e2e:
        toc.append((0, "End-to-end timing", "e2e"))
    if has_compare:
        toc.append((0, "Compared with", "compared"))
    toc.append((0, "Machine and build", "machine"))
    return toc


def build(a, runs, meta_problems, charts, notes, e2e_dir, csv_path, kinfo=None, records=(),
          compared=None):
    doc = Doc()
    hosts = ", ".join(h or "unknown host" for h in a.hosts())
    title = "parscale report: %s, %s" % (hosts, a.dates() or "undated")
    doc.h(1, title, "top")
    doc.p("From `%s`: %d rows (one per timed repetition), %d configurations, %d run(s). "
          "Generated %s by `scripts/report`." % (
              Path(csv_path).name, len(a.rows), len(a.points), len(a.run_ids()),
              datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
          cls="muted")
    summ = summary.Summary(a, kinfo)
    summary_section(doc, a, summ, charts, kinfo)

    w = warnings_for(a, runs, meta_problems, records)
    roof = [(c, p) for c, p in charts if p.name.startswith("roofline")]
    has_roof = bool(roof or any("roofline" in n for n in notes))
    e2e_doc = Doc()
    has_e2e = e2e_section(e2e_doc, e2e_dir)
    doc.h(2, "Contents", "contents")
    doc.toc(_toc(a, summ, has_roof, has_e2e, True, compared is not None))

    doc.h(2, "Warnings", "warnings")
    if w:
        doc.warnings(w)
    else:
        doc.p("None: every configuration verified, has enough repetitions for a confidence "
              "interval, stayed within the cores, and its interval is narrower than %d%% of "
              "its median." % round(stats.HIGH_VARIANCE * 100))
    doc.top()
    doc.h(2, "How to read this", "how-to-read")
    doc.p("Times are the slowest worker's per repetition; the median and its exact 95%% "
          "confidence interval come from the binomial distribution of order statistics "
          "(needs at least %d repetitions; fewer show min-max). Repetitions that lost more "
          "than 2%% of their time to other tasks or the hypervisor are set aside (the CSV's "
          "disturbed column). Speedup = the median of the per-pair ratios seq time / time, "
          "each pair run back to back (seq at the same kernel and global size), with the "
          "exact interval of that median; efficiency = "
          "speedup / workers; Karp-Flatt e = (1/S - 1/p) / (1 - 1/p). Weak scaling grows "
          "the global size with the workers (size = order x p) and compares with seq at "
          "that global size, so its ideal speedup is p too. Definitions: docs/methodology.md "
          "in parscale's repository." % stats.MIN_CI_SAMPLES)
    doc.top()
    doc.h(2, "Results", "results")
    doc.p("One folded section per kernel, in the summary's order; each holds its scaling "
          "modes' tables, fits and charts.", cls="muted")
    for k in _kernel_order(a, summ):
        doc.fold(kernel_anchor(k), k, kernel_note(k, summ))
        for chart in a.charts:
            if chart.kernel == k:
                chart_section(doc, chart, charts)
        doc.top()
        doc.end_fold()
    if has_roof:
        doc.h(2, "Roofline", "roofline")
        doc.p("Each kernel's best achieved GFLOP/s against its arithmetic intensity "
              "(FLOPs per byte moved), under this machine's measured ceilings: the best "
              "stream bandwidth and the best floating-point rate in the CSV.")
        for c, p in roof:
            doc.img(c, p)
        doc.ul([n for n in notes if "roofline" in n])
        doc.top()
    doc.blocks += e2e_doc.blocks
    if compared is not None:
        compared.add_to(doc)
        doc.top()
    machine_section(doc, runs)
    doc.top()
    doc.appendix()
    return doc, title


def write(csv_path, out, charts_dir=None, e2e_dir=None, parscale=None, kernels_json=None,
          log=print, linked=False, compare_base=None, formats=None):
    """Loads the CSV (refusing a bad one before anything is written), makes
    the charts that are missing, writes report.md and report.html (charts
    embedded, or referenced when linked).  formats: those of the charts in
    charts_dir (default: the formats found there, PNG at least)."""
    from ..render import plots      # matplotlib only when a report is really made

    safeio.out_dir(out, error=analysis.DataError, create=False)  # before the work
    a = analysis.analyse(csv_path)
    runs, records, meta_problems = analysis.read_meta(csv_path)
    if compare_base:        # refuses a bad BASE before anything is written
        from ..render import compare_charts
        compared = compare_charts.report_section(compare_base, csv_path, out)
    out = safeio.out_dir(out, error=analysis.DataError)
    reuse = charts_dir is not None          # charts made by scripts/plot: keep them
    charts_dir = Path(charts_dir) if charts_dir else out
    # in scripts/plot's folder the formats plot made there (PNG at least); in
    # its own, only what the pages show (PNG; the SVGs --linked refers to)
    if reuse:
        formats = formats or plots.check_formats(
            ["png"] + [f for f in plots.FORMATS if next(charts_dir.glob("*." + f), None)])
    else:
        formats = ("png", "svg") if linked else ("png",)
    kinfo, src = kerninfo.find(csv_path, kernels_json, parscale)
    charts, notes = plots.make_all(a, charts_dir, kinfo, src, log=lambda m: None,
                                   reuse=reuse, formats=formats)
    if e2e_dir is None:
        for d in (out, Path(csv_path).resolve().parent):
            if (d / e2e.JSON).exists():
                e2e_dir = d
                break
    doc, title = build(a, runs, meta_problems, charts, notes, e2e_dir, csv_path, kinfo,
                       records, compared if compare_base else None)
    images = Images(out, linked=linked)
    page = doc.html(title, images)
    # each whole or the old one: a full disk leaves no half page
    safeio.write_atomic(out / "report.md", doc.markdown(out))
    safeio.write_atomic(out / "report.html", page)
    log("report: %s and %s (%d charts %s; page %.1f MB)" % (
        out / "report.md", out / "report.html", len(charts),
        "linked" if linked else "embedded", len(page.encode("utf-8", "replace")) / 1e6))
    return out / "report.md", out / "report.html"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="report", description="Markdown and HTML report from "
                                 "a parscale CSV.")
    ap.add_argument("csv", help="results CSV written by parscale run")
    ap.add_argument("--out", required=True, help="directory for report.md and report.html")
    ap.add_argument("--charts", help="where scripts/plot put the charts: those present "
                    "are reused, missing ones made there (default: make them all in --out)")
    ap.add_argument("--e2e", help="directory holding e2e.json from scripts/e2e-timing "
                    "(default: --out, then the CSV's directory)")
    ap.add_argument("--parscale", help="the parscale binary, for the roofline's kernel table")
    ap.add_argument("--kernels-json", help="the output of `parscale list --json`")
    ap.add_argument("--linked", action="store_true", help="refer to the chart files (SVG) "
                    "beside the page instead of embedding them: a small page that needs "
                    "its chart files")
    ap.add_argument("--compare", metavar="BASE", help="add a section comparing this run "
                    "with BASE (a CSV or results directory), as scripts/compare does")
    version.add_option(ap)
    args = ap.parse_args(argv)
    guarded("report", write, args.csv, args.out, args.charts, args.e2e, args.parscale,
            args.kernels_json, linked=args.linked, compare_base=args.compare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
