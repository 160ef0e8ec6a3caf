"""The report: Markdown (report.md) and one self-contained HTML page
(report.html, charts embedded) from a parscale CSV and the metadata beside it.

    scripts/report CSV --out DIR [--charts DIR] [--e2e DIR] [--parscale BIN]

It holds the summary tables (median, 95% CI, speedup, efficiency,
Karp-Flatt for each kernel x backend x workers), the fits, the machine and
build metadata, end-to-end (whole-process) timing when e2e.json is present,
and the warnings a careful reader needs.
"""
import argparse
import base64
import datetime
import html
import json
import sys
from collections import OrderedDict
from pathlib import Path

from . import analysis, e2e, kerninfo, stats
from .common import guarded

META_KEYS = ("host", "cpu_model", "cores", "caches", "compiler", "flags", "build_type",
             "openmp", "mpi", "placement", "version", "git", "date", "command",
             "slurm_job_id")


# ---- a tiny document model, rendered twice ---------------------------------

class Doc:
    def __init__(self):
        self.blocks = []

    def h(self, level, text):
        self.blocks.append(("h", level, text))

    def p(self, text):
        self.blocks.append(("p", text))

    def ul(self, items):
        if items:
            self.blocks.append(("ul", list(items)))

    def table(self, header, rows, align=None):
        self.blocks.append(("table", header, rows, align or ["l"] * len(header)))

    def img(self, caption, path):
        self.blocks.append(("img", caption, Path(path)))

    def markdown(self, base):
        out = []
        for b in self.blocks:
            if b[0] == "h":
                out.append("#" * b[1] + " " + b[2])
            elif b[0] == "p":
                out.append(b[1])
            elif b[0] == "ul":
                out.append("\n".join("- " + i for i in b[1]))
            elif b[0] == "table":
                _, header, rows, align = b
                out.append("| " + " | ".join(header) + " |")
                out.append("|" + "|".join("---:" if a == "r" else "---" for a in align) + "|")
                out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
            elif b[0] == "img":
                rel = _relpath(b[2], base)
                out.append("![%s](%s)" % (b[1], rel))
            out.append("")
        return "\n".join(out)

    def html(self, title):
        css = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;"
               "color:#111}table{border-collapse:collapse;margin:.5em 0 1.5em}"
               "td,th{border:1px solid #bbb;padding:.2em .5em;font-size:.9em}"
               "th{background:#eee}td.r{text-align:right;font-variant-numeric:tabular-nums}"
               "figure{margin:1em 0}img{max-width:100%;border:1px solid #ddd}"
               "figcaption{font-size:.85em;color:#444}code{background:#f4f4f4}")
        out = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
               "<title>%s</title><style>%s</style></head><body>" % (html.escape(title), css)]
        for b in self.blocks:
            if b[0] == "h":
                out.append("<h%d>%s</h%d>" % (b[1], _inline(b[2]), b[1]))
            elif b[0] == "p":
                out.append("<p>%s</p>" % _inline(b[1]))
            elif b[0] == "ul":
                out.append("<ul>" + "".join("<li>%s</li>" % _inline(i) for i in b[1]) + "</ul>")
            elif b[0] == "table":
                _, header, rows, align = b
                out.append("<table><tr>" + "".join("<th>%s</th>" % _inline(h) for h in header)
                           + "</tr>")
                for r in rows:
                    out.append("<tr>" + "".join(
                        "<td%s>%s</td>" % (' class="r"' if a == "r" else "", _inline(str(c)))
                        for c, a in zip(r, align)) + "</tr>")
                out.append("</table>")
            elif b[0] == "img":
                data = base64.b64encode(b[2].read_bytes()).decode("ascii")
                out.append("<figure><img alt=\"%s\" src=\"data:image/png;base64,%s\">"
                           "<figcaption>%s</figcaption></figure>"
                           % (html.escape(b[1], quote=True), data, html.escape(b[1])))
        out.append("</body></html>")
        return "\n".join(out) + "\n"


def _md_cell(c):
    return str(c).replace("|", "\\|").replace("\n", " ")


def _inline(text):
    """Escapes text for HTML, keeping `code` spans."""
    parts = str(text).split("`")
    return "".join(("<code>%s</code>" if i % 2 else "%s") % html.escape(p)
                   for i, p in enumerate(parts))


def _relpath(path, base):
    try:
        return str(Path(path).resolve().relative_to(Path(base).resolve()))
    except ValueError:
        return str(Path(path).resolve())


# ---- numbers as the tables show them ----------------------------------------

def fnum(v, digits=4):
    if v is None:
        return "-"
    if v == 0:
        return "0"
    return "%.*g" % (digits, v)


def fsec(v):
    if v is None:
        return "-"
    for lim, div, unit in ((1.0, 1.0, "s"), (1e-3, 1e-3, "ms"), (1e-6, 1e-6, "us")):
        if abs(v) >= lim:
            return "%.4g %s" % (v / div, unit)
    return "%.4g ns" % (v / 1e-9)


def _ci_text(p):
    s = p.summary
    if s.n == 0:
        return "-"
    txt = "%s .. %s" % (fsec(s.lo), fsec(s.hi))
    return txt if s.ci_available else txt + " (min-max)"


# ---- the warnings -----------------------------------------------------------

def _name(p):
    return "%s %s x%d (%s)" % (p.kernel, p.backend, p.workers, p.scaling)


def warnings_for(a, runs, meta_problems):
    w = []
    over = [p for p in a.points if p.oversubscribed]
    if over:
        cores = sorted({int(p.cores) for p in over if p.cores})
        w.append("**Oversubscribed**: %d configuration(s) ran more workers than the %s "
                 "core(s) available (hollow markers, shaded band; left out of the fits): %s. "
                 "Their times measure time-sharing, not parallel speedup."
                 % (len(over), "/".join(str(c) for c in cores) or "?",
                    _list(_name(p) for p in over)))
    failed = [p for p in a.points if p.failed]
    if failed:
        items = []
        for p in failed:
            errs = OrderedDict((r.get("error") or "verified=false", 1) for r in p.failed)
            items.append("%s: %d of %d repetition(s) failed (%s)" % (
                _name(p), len(p.failed), len(p.rows), "; ".join(list(errs)[:2])))
        w.append("**Failed verification or errors**: excluded from every statistic: "
                 + "; ".join(items) + ".")
    empty = [p for p in a.points if p.summary.n == 0]
    if empty:
        w.append("**No valid repetition** for: %s." % _list(_name(p) for p in empty))
    few = [p for p in a.points if 0 < p.summary.n < stats.MIN_CI_SAMPLES]
    if few:
        w.append("**Few repetitions**: %d configuration(s) have fewer than %d valid "
                 "repetitions, too few for a 95%% confidence interval of the median; the "
                 "tables and error bars show min-max instead (marked). Rerun with "
                 "`--reps %d` or more: %s."
                 % (len(few), stats.MIN_CI_SAMPLES, max(10, stats.MIN_CI_SAMPLES),
                    _list(_name(p) for p in few)))
    noisy = [p for p in a.points if p.summary.n and p.summary.rel_width() is not None
             and p.summary.rel_width() > stats.HIGH_VARIANCE]
    if noisy:
        w.append("**High variance**: the interval is wider than %d%% of the median for %s. "
                 "Something else ran on the machine, or the repetitions are too short; "
                 "rerun with more repetitions on a quiet machine."
                 % (round(stats.HIGH_VARIANCE * 100),
                    _list("%s (%.0f%%)" % (_name(p), 100 * p.summary.rel_width())
                          for p in noisy)))
    nobase = [p for p in a.points if p.backend != "seq" and p.median is not None
              and p.speedup is None]
    if nobase:
        w.append("**No speedup base**: no verified `seq` run at the same kernel and size "
                 "for %s; speedup and efficiency are left blank." % _list(_name(p) for p in nobase))
    extrap = [p for p in a.points if p.base_note]
    if extrap:
        w.append("**Extrapolated base**: weak-scaling speedup against `seq` at the "
                 "per-worker size, times the size ratio (work assumed proportional to "
                 "size), for %s." % _list(_name(p) for p in extrap))
    if meta_problems:
        w.append("**Metadata**: " + "; ".join(meta_problems) + ".")
    if len(runs) > 1:
        differ = [k for k in ("host", "cpu_model", "compiler", "flags", "git", "mpi", "openmp")
                  if len({json.dumps(r.get(k), sort_keys=True) for r in runs.values()}) > 1]
        if differ:
            w.append("**Mixed runs**: the CSV pools %d runs whose %s differ; rows of one "
                     "configuration from different builds or machines are summarised "
                     "together." % (len(runs), ", ".join(differ)))
    return w


def _list(items, limit=12):
    items = list(items)
    more = len(items) - limit
    return ", ".join(items[:limit]) + (", and %d more" % more if more > 0 else "")


# ---- the sections -----------------------------------------------------------

def machine_section(doc, runs):
    doc.h(2, "Machine and build")
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
    if v is None or v == "":
        return "-"
    if isinstance(v, dict):
        return ", ".join("%s %s" % (k, _meta_val(x)) for k, x in v.items())
    if isinstance(v, list):
        return ", ".join(_meta_val(x) for x in v)
    return str(v)


def chart_section(doc, chart, charts):
    size = "n = %s%s" % (chart.order, "" if chart.scaling == "strong" else " per worker")
    doc.h(3, "%s: %s scaling (%s%s)" % (chart.kernel, chart.scaling, size,
                                         ", %s steps" % chart.steps if chart.steps not in
                                         (None, 1) else ""))
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
            label = s.label
            workers = str(p.workers)
            if p.backend == "seq" and chart.scaling == "weak":
                workers = "1 (n=%s)" % p.size
            rows.append([label, workers, p.summary.n, fsec(p.median), _ci_text(p),
                         "%s %s" % (fnum(p.rate), p.rate_unit) if p.rate is not None else "-",
                         fnum(p.speedup, 3),
                         "%s .. %s" % (fnum(p.speedup_lo, 3), fnum(p.speedup_hi, 3))
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
    for cap, path in charts:
        if path.name.startswith("%s-" % chart.slug) and path.name.endswith(
                "-%s.png" % chart.scaling):
            doc.img(cap, path)


def e2e_section(doc, e2e_dir):
    table = e2e.summary(e2e_dir) if e2e_dir else None
    if not table:
        return
    doc.h(2, "End-to-end timing (whole processes)")
    doc.p("Each command below is one whole `parscale run` process (with `mpirun` for mpi), "
          "timed by hyperfine with warm-up runs. In-kernel time is the median repetition "
          "those same processes reported; the difference is what starting up costs: "
          "process launch, `MPI_Init`, thread creation, allocation and first touch. It is "
          "the cost a user of processes pays and a user of threads mostly does not.")
    rows = [[r["name"], r["runs"], fsec(r["whole"]),
             "%s .. %s" % (fsec(r["min"]), fsec(r["max"])),
             fsec(r["kernel"]), fsec(r["startup"]),
             "%.0f%%" % (100 * r["startup"] / r["whole"]) if r["startup"] is not None
             and r["whole"] else "-"] for r in table]
    doc.table(["command", "runs", "whole process (median)", "min .. max", "in-kernel (median)",
               "launch + start-up", "share"], rows, ["l", "r", "r", "r", "r", "r", "r"])


def build(a, runs, meta_problems, charts, notes, e2e_dir, csv_path):
    doc = Doc()
    hosts = ", ".join(h or "unknown host" for h in a.hosts())
    title = "parscale report: %s, %s" % (hosts, a.dates() or "undated")
    doc.h(1, title)
    doc.p("From `%s`: %d rows (one per timed repetition), %d configurations, %d run(s). "
          "Generated %s by `scripts/report`." % (
              Path(csv_path).name, len(a.rows), len(a.points), len({r.get("run_id") for r in a.rows}),
              datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")))
    doc.h(2, "Warnings")
    w = warnings_for(a, runs, meta_problems)
    if w:
        doc.ul(w)
    else:
        doc.p("None: every configuration verified, has enough repetitions for a confidence "
              "interval, stayed within the cores, and its interval is narrower than %d%% of "
              "its median." % round(stats.HIGH_VARIANCE * 100))
    doc.h(2, "How to read this")
    doc.p("Times are the slowest worker's per repetition; the median and its exact 95%% "
          "confidence interval come from the binomial distribution of order statistics "
          "(needs at least %d repetitions; fewer show min-max). Speedup = median seq time "
          "/ median time, seq at the same kernel and global size; efficiency = speedup / "
          "workers; Karp-Flatt e = (1/S - 1/p) / (1 - 1/p). Weak scaling grows the global "
          "size with the workers (size = order x p) and compares with seq at that global "
          "size, so its ideal speedup is p too. Definitions: the README's methodology "
          "section." % stats.MIN_CI_SAMPLES)
    machine_section(doc, runs)
    doc.h(2, "Results")
    for chart in a.charts:
        chart_section(doc, chart, charts)
    roof = [(c, p) for c, p in charts if p.name.startswith("roofline")]
    if roof or any("roofline" in n for n in notes):
        doc.h(2, "Roofline")
        doc.p("Each kernel's best achieved GFLOP/s against its arithmetic intensity "
              "(FLOPs per byte moved), under this machine's measured ceilings: the best "
              "stream bandwidth and the best floating-point rate in the CSV.")
        for c, p in roof:
            doc.img(c, p)
        doc.ul([n for n in notes if "roofline" in n])
    e2e_section(doc, e2e_dir)
    return doc, title


def write(csv_path, out, charts_dir=None, e2e_dir=None, parscale=None, kernels_json=None,
          log=print):
    """Loads the CSV (refusing a bad one before anything is written), makes
    the charts that are missing, writes report.md and report.html."""
    from . import plots      # matplotlib only when a report is really made

    a = analysis.analyse(csv_path)
    runs, meta_problems = analysis.load_meta(csv_path)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    reuse = charts_dir is not None          # charts made by scripts/plot: keep them
    charts_dir = Path(charts_dir) if charts_dir else out
    kinfo, src = kerninfo.find(csv_path, kernels_json, parscale)
    charts, notes = plots.make_all(a, charts_dir, kinfo, src, log=lambda m: None,
                                   reuse=reuse)
    if e2e_dir is None:
        for d in (out, Path(csv_path).resolve().parent):
            if (d / e2e.JSON).exists():
                e2e_dir = d
                break
    doc, title = build(a, runs, meta_problems, charts, notes, e2e_dir, csv_path)
    (out / "report.md").write_text(doc.markdown(out), encoding="utf-8", errors="replace")
    (out / "report.html").write_text(doc.html(title), encoding="utf-8", errors="replace")
    log("report: %s and %s (%d charts)" % (out / "report.md", out / "report.html", len(charts)))
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
    args = ap.parse_args(argv)
    guarded("report", write, args.csv, args.out, args.charts, args.e2e, args.parscale,
            args.kernels_json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
