"""The report's summary and findings on synthetic data: every sentence is
written when its numbers support it and left out, with the reason, when
they do not (too few repetitions, no seq base, a missing backend,
intervals that overlap).  Also: the metadata reader with a "stopping"
record, and the warnings that record produces."""
import json
import re
import unittest

from helpers import TempDirCase
from parscale_py import analysis
from parscale_py.commands import report
from parscale_py.render import reportdoc, summary

TIGHT = [1.00, 1.01, 0.99, 1.02, 0.98, 1.005, 0.995]      # median 1, narrow interval
WIDE = [0.50, 1.00, 1.60, 0.70, 1.40, 1.20, 0.80]         # median 1, wide interval
KINFO = {"pi": {"waits": False}, "stream": {"waits": False}, "io": {"waits": True},
         "count": {"waits": False}}


def rows_for(kernel, backend, workers, t, jitter=TIGHT, reps=None, cores=2, size=1000):
    out = []
    for i, j in enumerate(jitter[:reps] if reps else jitter):
        out.append({
            "host": "h", "kernel": kernel, "scaling": "strong", "order": size, "size": size,
            "steps": 1, "backend": backend, "workers": workers,
            "threads": 1 if backend == "mpi" else workers, "ranks": workers if backend == "mpi"
            else 1, "seconds": t * j, "rate": None, "rate_unit": "x/s", "flops": None,
            "bytes": None, "verified": True, "error": "", "ok": True,
            "oversubscribed": workers > cores, "cores": cores, "rep": i,
            "timestamp": "2024-05-01T10:00:00Z"})
    return out


def model(**over):
    """The full picture: pi (lock, no lock), io (waits), stream (bandwidth).
    over: (kernel, backend, workers) -> dict(t=..., jitter=..., reps=...) or None
    to drop that configuration."""
    cfg = {
        ("pi", "seq", 1): dict(t=1.0), ("pi", "gil", 2): dict(t=1.02),
        ("pi", "omp", 2): dict(t=0.525), ("pi", "mpi", 2): dict(t=0.54),
        ("pi", "omp", 4): dict(t=0.3),          # oversubscribed: never in the summary
        ("io", "seq", 1): dict(t=1.0), ("io", "gil", 2): dict(t=0.505),
        ("stream", "seq", 1): dict(t=1.0), ("stream", "omp", 2): dict(t=0.77),
        ("stream", "mpi", 2): dict(t=0.75),
    }
    for k, v in over.items():
        key = tuple(k.split("/"))
        key = (key[0], key[1], int(key[2]))
        if v is None:
            cfg.pop(key, None)
        else:
            cfg[key] = dict(cfg.get(key, {}), **v)
    rows = []
    for (k, b, w), v in cfg.items():
        rows += rows_for(k, b, w, v["t"], v.get("jitter", TIGHT), v.get("reps"))
    return analysis.Analysis(rows)


def run(a, kinfo=KINFO):
    s = summary.Summary(a)
    found, left = summary.findings(a, s, kinfo, anchor=lambda c: "%s-%s" % (c.kernel,
                                                                           c.scaling))
    return s, {f.key: f for f in found}, dict(left)


class Table(unittest.TestCase):
    def test_largest_count_within_the_cores(self):
        s, _, _ = run(model())
        c = s.cell("pi", "omp")
        self.assertEqual(c.workers, 2)              # 4 is oversubscribed, though faster
        self.assertAlmostEqual(c.speedup, 1.0 / 0.525)
        self.assertAlmostEqual(c.eff, 1.0 / 0.525 / 2)
        self.assertEqual(s.workers, 2)
        self.assertEqual(s.columns, ["gil", "omp", "mpi"])

    def test_interval_is_the_ratio_of_the_ends(self):
        a = model()
        s = summary.Summary(a)
        c = s.cell("pi", "mpi")
        base, par = c.point.base.summary, c.point.summary
        self.assertAlmostEqual(c.lo, base.lo / par.hi)
        self.assertAlmostEqual(c.hi, base.hi / par.lo)
        self.assertAlmostEqual(c.eff_lo, c.lo / 2)

    def test_rows_in_the_kernel_tables_order_no_work_last(self):
        a = model(**{"null/seq/1": dict(t=1e-3), "null/omp/2": dict(t=5e-3)})
        self.assertEqual([k for k, _, _ in summary.Summary(a).rows],
                         ["pi", "io", "stream", "null"])          # the CSV's order
        kinfo = {"stream": {}, "null": {}, "io": {}, "pi": {}}
        self.assertEqual([k for k, _, _ in summary.Summary(a, kinfo).rows],
                         ["stream", "io", "pi", "null"])

    def test_a_cell_at_another_count_says_so(self):
        rows = []
        for b, w, t in (("seq", 1, 1.0), ("omp", 2, 0.52), ("mpi", 2, 0.53), ("mpi", 4, 0.27)):
            rows += rows_for("pi", b, w, t, cores=4)
        rows = [r for r in rows if not (r["backend"] == "omp" and r["workers"] == 4)]
        s = summary.Summary(analysis.Analysis(rows))
        self.assertIsNone(s.workers)
        self.assertTrue(report._cell(s.cell("pi", "omp"), 4).md.endswith(" @2"))
        cell = report._cell(s.cell("pi", "mpi"), 4)
        self.assertNotIn("@", cell.md)
        self.assertTrue(cell.md.startswith("\u25cf 3.7\u00d7 ["), cell.md)
        self.assertIn("E 0.93 [", cell.md)  # rounded with its interval
        self.assertIn("eff good", cell.cls)

    def test_classes_and_markers(self):
        self.assertEqual(summary.eff_class(0.95)[0], "good")
        self.assertEqual(summary.eff_class(0.7)[0], "fair")
        self.assertEqual(summary.eff_class(0.5)[0], "poor")
        self.assertEqual(len({m for _, _, m, _ in summary.CLASSES}), 3)


class Findings(unittest.TestCase):
    def test_all_four_from_full_data(self):
        a = model()
        s, found, left = run(a)
        self.assertEqual(set(found), {"lock-compute", "lock-wait", "best-worst", "fits"},
                         left)
        self.assertTrue(3 <= len(found) <= 6)
        gil = s.cell("pi", "gil")
        lock = found["lock-compute"].text
        # the sentence carries the figures the table holds
        self.assertIn(summary.speed_text(gil), lock)
        self.assertIn(summary.speed_text(s.cell("pi", "omp")), lock)
        self.assertIn(summary.speed_text(s.cell("pi", "mpi")), lock)
        self.assertIn(summary.speed_text(s.cell("io", "gil")), found["lock-wait"].text)
        self.assertIn("`pi` scales best", found["best-worst"].text)
        self.assertIn("`stream` scales worst", found["best-worst"].text)
        fit_pi = next(x for x in a.series if x.kernel == "pi" and x.backend == "omp").fit
        # f with the interval of the fit over its points' interval ends
        lo, hi = summary.fit_interval(
            next(x for x in a.series if x.kernel == "pi" and x.backend == "omp"))
        self.assertLessEqual(lo, fit_pi.f)
        self.assertLessEqual(fit_pi.f, hi)
        self.assertRegex(found["fits"].text, r"f = [0-9.]+ \[[0-9.]+, [0-9.]+\]")
        for f in found.values():
            self.assertRegex(f.text, r"\d\.\d")            # each with its figure
            self.assertRegex(f.anchor, r"^(pi|io|stream)-strong$")

    def test_too_few_repetitions_leave_the_lock_out(self):
        _, found, left = run(model(**{"pi/gil/2": dict(reps=3)}))
        self.assertNotIn("lock-compute", found)
        self.assertIn("3 repetitions", left["the lock's effect on computation"])

    def test_few_seq_repetitions_count_too(self):
        _, found, left = run(model(**{"io/seq/1": dict(reps=4)}))
        self.assertNotIn("lock-wait", found)
        self.assertIn("io seq has 4 repetitions", left["the lock's effect on waiting"])

    def test_no_seq_base(self):
        _, found, left = run(model(**{"pi/seq/1": None}))
        self.assertNotIn("lock-compute", found)
        self.assertIn("no seq base", left["the lock's effect on computation"])
        _, found, left = run(model(**{"io/seq/1": None}))
        self.assertNotIn("lock-wait", found)
        self.assertIn("no seq base for io", left["the lock's effect on waiting"])

    def test_missing_backend(self):
        _, found, left = run(model(**{"pi/omp/2": None, "pi/omp/4": None, "pi/mpi/2": None}))
        self.assertNotIn("lock-compute", found)
        self.assertIn("ran under both gil and", left["the lock's effect on computation"])
        _, found, left = run(model(**{"io/gil/2": None}))
        self.assertNotIn("lock-wait", found)

    def test_overlapping_intervals_are_not_a_finding(self):
        _, found, left = run(model(**{"pi/gil/2": dict(t=0.6, jitter=WIDE)}))
        self.assertNotIn("lock-compute", found)
        self.assertIn("overlaps", left["the lock's effect on computation"])

    def test_waiting_that_may_be_1x_says_nothing(self):
        _, found, left = run(model(**{"io/gil/2": dict(t=0.9, jitter=WIDE)}))
        self.assertNotIn("lock-wait", found)
        self.assertIn("includes 1", left["the lock's effect on waiting"])

    def test_waiting_kernel_known_from_the_table(self):
        # without the table io is still the waiting kernel; with waits false it is not
        _, found, _ = run(model(), kinfo={})
        self.assertIn("lock-wait", found)
        _, found, left = run(model(), kinfo={"io": {"waits": False}})
        self.assertNotIn("lock-wait", found)

    def test_best_worst_needs_two_kernels_apart(self):
        _, found, left = run(model(**{"stream/omp/2": None, "stream/mpi/2": None}))
        self.assertNotIn("best-worst", found)
        self.assertIn("fewer than two", left["the best and worst scaling kernel"])
        _, found, left = run(model(**{"stream/omp/2": dict(t=0.53, jitter=WIDE),
                                      "stream/mpi/2": dict(t=0.55, jitter=WIDE)}))
        self.assertNotIn("best-worst", found)
        self.assertIn("overlap", left["the best and worst scaling kernel"])

    def test_a_noisy_point_does_not_win(self):
        # stream's omp point is higher but its interval is wide: pi stays best
        _, found, _ = run(model(**{"stream/omp/2": dict(t=0.5, jitter=WIDE),
                                   "count/seq/1": dict(t=1.0),
                                   "count/omp/2": dict(t=0.9)}))
        self.assertIn("`pi` scales best", found["best-worst"].text)
        self.assertIn("`count` scales worst", found["best-worst"].text)

    def test_fits_need_intervals(self):
        few = {"pi/seq/1": dict(reps=3), "stream/seq/1": dict(reps=3)}
        _, found, left = run(model(**few))
        self.assertNotIn("fits", found)
        self.assertIn("95% intervals", left["the serial fractions of the fits"])

    def test_no_data_for_any_finding(self):
        a = analysis.Analysis(rows_for("pi", "seq", 1, 1.0))
        s, found, left = run(a)
        self.assertEqual(found, {})
        self.assertEqual(len(left), 4)
        self.assertEqual(s.rows, [])


class Metadata(TempDirCase):
    def write(self, lines):
        csv = self.tmp / "r.csv"
        csv.write_text("")
        (self.tmp / "r.csv.meta.jsonl").write_text("".join(json.dumps(x) + "\n"
                                                          for x in lines))
        return csv

    def test_stopping_record_keeps_the_header(self):
        stop = {"record": "stopping", "run_id": "A", "rule": {"ci_width": 0.05, "max_reps": 30},
                "configs": [
                    {"kernel": "pi", "backend": "omp", "workers": 2, "threads": 2, "ranks": 1,
                     "scaling": "strong", "size": 10, "reps": 12, "reason": "ci",
                     "rel_width": 0.04},
                    {"kernel": "pi", "backend": "gil", "workers": 2, "threads": 2,
                     "ranks": 1, "scaling": "strong", "size": 10, "reps": 30,
                     "reason": "max-reps", "rel_width": 0.12},
                    {"kernel": "io", "backend": "mpi", "workers": 2, "threads": 1,
                     "ranks": 2, "scaling": "strong", "size": 10, "reps": 9,
                     "reason": "max-time", "rel_width": 0.3}]}
        csv = self.write([{"run_id": "A", "host": "h1"}, stop, {"run_id": "B", "host": "h2"}])
        runs, records, problems = analysis.read_meta(csv)
        self.assertEqual(runs["A"]["host"], "h1")
        self.assertEqual(list(runs), ["A", "B"])
        self.assertEqual(problems, [])
        self.assertEqual(analysis.load_meta(csv)[0]["A"]["host"], "h1")
        total, short = analysis.stopping_records(records)
        self.assertEqual((total, len(short)), (3, 2))
        w = report.warnings_for(model(), runs, [], records)
        tgt = [x for x in w if x[0].startswith("Interval target not reached")]
        self.assertEqual(len(tgt), 1)
        title, text, anchor, configs = tgt[0]
        self.assertIn("2 of 3", title)
        self.assertIn("1 stopped at the repetition limit", text)
        self.assertIn("1 stopped at the time limit", text)
        self.assertIn("Fix:", text)
        self.assertEqual(len(configs), 2)
        self.assertIn("pi gil x2 (strong): stopped at the repetition limit, interval 12%",
                      configs[0])

    def test_no_record_no_warning(self):
        csv = self.write([{"run_id": "A"}])
        runs, records, _ = analysis.read_meta(csv)
        w = report.warnings_for(model(), runs, [], records)
        self.assertFalse([x for x in w if "target" in x[0]])


class Rendering(unittest.TestCase):
    def test_inline_markdown_becomes_html(self):
        h = reportdoc.inline_html("**Bold** `a<b` [go](#x) 5 * 3 <i>")
        self.assertEqual(h, '<strong>Bold</strong> <code>a&lt;b</code> <a href="#x">go</a> '
                            "5 * 3 &lt;i&gt;")

    def test_warnings_fold_in_html_and_go_to_the_appendix_in_markdown(self):
        doc = reportdoc.Doc()
        doc.warnings([("Few repetitions: 2", "fewer than 6. Fix: `--reps 10`.", "warn-few",
                       ["pi gil x2", "io gil x2"])])
        doc.appendix()
        md = doc.markdown(".")
        self.assertIn("- **Few repetitions: 2**: fewer than 6. Fix: `--reps 10`. The 2 "
                      "configurations: [appendix](#warn-few).", md)
        self.assertIn('<a id="warn-few"></a>\n\n### Few repetitions: 2\n\n- pi gil x2', md)
        page = doc.html("t", reportdoc.Images("."))
        self.assertIn("<strong>Few repetitions: 2</strong>", page)
        self.assertIn("<details><summary>the 2 configurations</summary><ul><li>pi gil x2", page)
        self.assertNotIn("**", re.sub(r"<script>.*?</script>", "", page, flags=re.S))


class ChartsPerKernel(unittest.TestCase):
    """A size sweep (hundreds of sizes a kernel) gets CHARTS_PER_KERNEL
    charts a kernel, spread from the smallest size to the largest."""

    def charts(self, kernel, n):
        from types import SimpleNamespace
        return [SimpleNamespace(host="h", kernel=kernel, scaling="strong", order=100 * (i + 1),
                                steps=1) for i in reversed(range(n))]

    def test_few_sizes_all_drawn(self):
        from parscale_py.render import plots
        cs = self.charts("pi", plots.CHARTS_PER_KERNEL)
        drawn, notes = plots.charted(cs)
        self.assertEqual(drawn, cs)
        self.assertEqual(notes, [])

    def test_a_sweep_thinned_with_a_note(self):
        from parscale_py.render import plots
        sweep, other = self.charts("pi", 426), self.charts("io", 3)
        drawn, notes = plots.charted(sweep + other)
        pi = sorted(c.order for c in drawn if c.kernel == "pi")
        self.assertEqual(len(pi), plots.CHARTS_PER_KERNEL)
        self.assertEqual((pi[0], pi[-1]), (100, 42600))
        self.assertEqual(len({c.order for c in drawn if c.kernel == "io"}), 3)
        self.assertEqual(len(notes), 1)
        self.assertIn("pi (strong scaling, h): 426 problem sizes; charts for 4", notes[0])


if __name__ == "__main__":
    unittest.main()
