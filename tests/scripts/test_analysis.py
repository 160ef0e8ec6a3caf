"""The analysis of the fixture against hand-computed values, and the loader
refusing foreign and malformed CSVs with a message naming file and fault."""
import csv
import io
import json
import unittest

from helpers import TempDirCase, fixture_module, make_fixture
from parscale_py import analysis, schema

FX = fixture_module()


def point(a, kernel, backend, workers, scaling="strong", size=None):
    for p in a.points:
        if (p.kernel, p.backend, p.workers, p.scaling) == (kernel, backend, workers, scaling) \
                and (size is None or p.size == size):
            return p
    raise AssertionError("no point %s %s %s %s" % (kernel, backend, workers, scaling))


def series(a, kernel, backend, scaling):
    return next(s for s in a.series
                if (s.kernel, s.backend, s.scaling) == (kernel, backend, scaling))


class FixtureAnalysis(TempDirCase):
    def setUp(self):
        super().setUp()
        self.csv = make_fixture(self.tmp)
        self.a = analysis.analyse(self.csv)

    def test_rows_and_quoted_error(self):
        with open(self.csv, newline="") as fh:
            self.assertEqual(len(self.a.rows), sum(1 for _ in csv.reader(fh)) - 1)
        bad = [r for r in self.a.rows if not r["ok"]]
        self.assertEqual(len(bad), 1)
        self.assertEqual(bad[0]["error"], FX.BAD_ERROR)     # commas and quotes survive

    def test_median_and_interval(self):
        p = point(self.a, "pi", "omp", 2)
        # Amdahl f=0.05 at p=2: 0.4 * (0.05 + 0.95/2) = 0.21 s; JITTER's median is 1;
        # n = 7 gives ranks (1, 7): min and max, 0.98 and 1.02 of the median.
        self.assertEqual(p.summary.n, 7)              # the failed repetition left out
        self.assertEqual(len(p.failed), 1)
        self.assertAlmostEqual(p.median, 0.21, places=9)
        self.assertEqual(p.summary.ci_ranks, (1, 7))
        self.assertAlmostEqual(p.summary.lo, 0.21 * 0.98, places=8)
        self.assertAlmostEqual(p.summary.hi, 0.21 * 1.02, places=8)

    def test_speedup_efficiency_karp_flatt(self):
        p = point(self.a, "pi", "omp", 2)
        self.assertAlmostEqual(p.speedup, 0.4 / 0.21, places=6)
        self.assertAlmostEqual(p.efficiency, 0.4 / 0.21 / 2, places=6)
        self.assertAlmostEqual(p.karp_flatt, 0.05, places=6)
        self.assertAlmostEqual(p.speedup_lo, 0.4 * 0.98 / (0.21 * 1.02), places=6)
        self.assertAlmostEqual(p.speedup_hi, 0.4 * 1.02 / (0.21 * 0.98), places=6)
        self.assertIsNone(point(self.a, "pi", "omp", 1).karp_flatt)

    def test_oversubscribed_points(self):
        self.assertTrue(point(self.a, "pi", "mpi", 4).oversubscribed)
        self.assertFalse(point(self.a, "pi", "mpi", 2).oversubscribed)
        self.assertEqual(self.a.cores("fixturehost"), 2)

    def test_amdahl_fit_leaves_out_oversubscribed(self):
        self.assertAlmostEqual(series(self.a, "pi", "omp", "strong").fit.f, 0.05, places=6)
        self.assertAlmostEqual(series(self.a, "pi", "mpi", "strong").fit.f, 0.08, places=6)
        self.assertEqual([p for p, _ in series(self.a, "pi", "omp", "strong").fit.points],
                         [1.0, 2.0])

    def test_weak_scaling_against_seq_at_the_global_size(self):
        p = point(self.a, "pi", "omp", 2, "weak")
        self.assertEqual(p.base.size, 200000000)
        self.assertIsNone(p.base_note)
        # T_seq(2 n) = 0.8 s; T_omp = 0.8 / (2 - 0.1) -> scaled speedup 1.9
        self.assertAlmostEqual(p.speedup, 1.9, places=6)
        self.assertAlmostEqual(p.efficiency, 0.95, places=6)
        self.assertEqual(series(self.a, "pi", "omp", "weak").fit.model, "gustafson")
        self.assertAlmostEqual(series(self.a, "pi", "omp", "weak").fit.f, 0.1, places=6)

    def test_weak_base_extrapolated_when_seq_only_at_order(self):
        # seq at 2e8 exists under strong scaling too: either mode is a base
        self.assertEqual(point(self.a, "pi", "omp", 2, "weak").base.scaling, "weak")
        rows = [r for r in analysis.load_csv(self.csv)
                if not (r["backend"] == "seq" and r["size"] > 1e8)]
        a = analysis.Analysis(rows)
        p = point(a, "pi", "omp", 2, "weak")
        self.assertIn("extrapolated", p.base_note)
        self.assertAlmostEqual(p.speedup, 2 * 0.4 / (0.8 / 1.9), places=6)

    def test_backend_settings_make_separate_lines(self):
        # the GIL experiments put several switch intervals in one CSV
        rows = analysis.load_csv(self.csv)
        extra = []
        for r in rows:
            if r["backend"] == "gil" and r["kernel"] == "pi" and r["scaling"] == "strong":
                d = dict(r, switch_interval=0.0001, seconds=r["seconds"] * 1.5)
                extra.append(d)
        a = analysis.Analysis(rows + extra)
        chart = next(c for c in a.charts if (c.kernel, c.scaling) == ("pi", "strong"))
        labels = sorted(s.label for s in chart.series if s.backend == "gil")
        self.assertEqual(labels, ["gil switch_interval=0.0001", "gil switch_interval=0.005"])
        slow = next(s for s in chart.series if s.label.endswith("0.0001"))
        self.assertAlmostEqual(slow.points[1].speedup, 0.4 / (0.408 * 1.5), places=6)

    def test_ranks_on_one_host_and_on_two_never_pool(self):
        # mpirun's default mapping puts the first 2 ranks on one host,
        # --map-by node on two: the hosts column tells the points apart
        rows = [r for r in analysis.load_csv(self.csv)
                if r["backend"] == "mpi" and r["kernel"] == "pi" and r["workers"] == 2
                and r["scaling"] == "strong" and r["threads"] == 1]
        self.assertTrue(rows)
        one = [dict(r, hosts="n1:2", nodes=1) for r in rows]
        two = [dict(r, hosts="n1:1,n2:1", nodes=2, seconds=r["seconds"] * 3) for r in rows]
        a = analysis.Analysis(one + two)
        ps = sorted((p for p in a.points if p.workers == 2), key=lambda p: p.median)
        self.assertEqual([p.config["nodes"] for p in ps], [1, 2])
        self.assertAlmostEqual(ps[1].median, 3 * ps[0].median, places=9)
        # and two lines, one per node count, each starting at the 1-rank point
        w1 = [dict(r, workers=1, ranks=1, hosts="n1:1", nodes=1) for r in rows]
        a = analysis.Analysis(one + two + w1)
        lines = sorted((s.label, [(p.workers, p.config["nodes"]) for p in s.points])
                       for s in a.series if s.backend == "mpi")
        self.assertEqual(lines, [("mpi nodes=1", [(1, 1), (2, 1)]),
                                 ("mpi nodes=2", [(1, 1), (2, 2)])])

    def test_nodes_read_from_the_hosts_column(self):
        rows = analysis.load_csv(self.csv)
        self.assertTrue(all(r["nodes"] is None for r in rows))  # the fixture has none
        with open(self.csv, newline="") as fh:
            table = list(csv.reader(fh))
        table[1][table[0].index("hosts")] = "n1:1,n2:1"
        p = self.tmp / "hosts.csv"
        with open(p, "w", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(table)
        self.assertEqual(analysis.load_csv(p)[0]["nodes"], 2)

    def test_hybrid_lines_by_threads_per_rank(self):
        # --threads-per-rank 1,2 at 1,2,4 workers: T=1 gives 1x1, 2x1, 4x1 and
        # T=2 gives 1x1, 1x2, 2x2 (ranks x threads); the rows record t, not T
        rows = analysis.load_csv(self.csv)
        mpi = [r for r in rows if r["backend"] == "mpi" and r["kernel"] == "pi"
               and r["scaling"] == "strong" and r["ok"]]
        shapes = {(1, 1), (2, 1), (4, 1), (1, 2), (2, 2)}  # (ranks, threads)
        extra = []
        for r in mpi:
            for ranks, threads in shapes:
                if ranks * threads == r["workers"]:
                    extra.append(dict(r, backend="hybrid", ranks=ranks, threads=threads))
        a = analysis.Analysis(rows + extra)
        chart = next(c for c in a.charts if (c.kernel, c.scaling) == ("pi", "strong"))
        lines = {s.label: [(p.config["ranks"], p.config["threads"]) for p in s.points]
                 for s in chart.series if s.backend == "hybrid"}
        self.assertEqual(lines, {"hybrid threads=1": [(1, 1), (2, 1), (4, 1)],
                                 "hybrid threads=2": [(1, 1), (1, 2), (2, 2)]})
        # one setting alone is one line that starts at 1x1
        only2 = [r for r in extra if (r["ranks"], r["threads"]) != (2, 1) and
                 (r["ranks"], r["threads"]) != (4, 1)]
        a = analysis.Analysis(rows + only2)
        hy = [s for s in a.series if s.backend == "hybrid" and s.kernel == "pi"
              and s.scaling == "strong"]
        self.assertEqual(len(hy), 1)
        self.assertEqual([p.workers for p in hy[0].points], [1, 2, 4])
        self.assertEqual(hy[0].variant["threads"], 2)
        # told from the ranks and threads columns, not the name: a backend
        # the scripts do not know gets the same lines, listed after known ones
        a = analysis.Analysis(rows + [dict(r, backend="zz-mix") for r in extra])
        chart = next(c for c in a.charts if (c.kernel, c.scaling) == ("pi", "strong"))
        lines = {s.label: [(p.config["ranks"], p.config["threads"]) for p in s.points]
                 for s in chart.series if s.backend == "zz-mix"}
        self.assertEqual(lines, {"zz-mix threads=1": [(1, 1), (2, 1), (4, 1)],
                                 "zz-mix threads=2": [(1, 1), (1, 2), (2, 2)]})
        self.assertEqual(chart.series[-1].backend, "zz-mix")

    def test_few_repetitions(self):
        p = point(self.a, "io", "gil", 2)
        self.assertEqual(p.summary.n, 3)
        self.assertFalse(p.summary.ci_available)
        self.assertEqual((p.summary.lo, p.summary.hi), (min(p.times), max(p.times)))

    def test_metadata(self):
        runs, problems = analysis.load_meta(self.csv)
        self.assertEqual(list(runs), ["r-strong", "r-weak"])
        self.assertEqual(problems, [])

    def test_stopping_line_keeps_the_header(self):
        """A run's closing "stopping" line is a record about the run: its
        header stays what load_meta returns, and read_meta returns the record
        (which stopping_records reads as reaching its target)."""
        meta = self.tmp / (self.csv.name + ".meta.jsonl")
        header = analysis.load_meta(self.csv)[0]["r-strong"]
        stop = {"record": "stopping", "run_id": "r-strong", "schema": "parscale-csv-1",
                "rule": {"ci_width": 0.05, "min_reps": 6, "max_reps": 100, "max_time": None},
                "configs": [{"kernel": "pi", "backend": "omp", "workers": 2, "threads": 2,
                             "ranks": 1, "scaling": "strong", "size": 1000, "reps": 9,
                             "reason": "ci", "rel_width": 0.031}]}
        with open(meta, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(stop) + "\n")
        runs, problems = analysis.load_meta(self.csv)
        self.assertEqual(problems, [])
        self.assertEqual(list(runs), ["r-strong", "r-weak"])
        self.assertEqual(runs["r-strong"], header)
        _, recs, _ = analysis.read_meta(self.csv)
        self.assertEqual([r["run_id"] for r in recs if r["record"] == "stopping"],
                         ["r-strong"])
        self.assertEqual(recs[0]["configs"][0]["reason"], "ci")
        self.assertEqual(analysis.stopping_records(recs), (1, []))


class BadInput(TempDirCase):
    def write(self, text):
        p = self.tmp / "x.csv"
        p.write_text(text)
        return p

    def header(self):
        return ",".join(schema.load().columns)

    def good_row(self):
        with open(make_fixture(self.tmp / "fx"), newline="") as fh:
            return fh.read().splitlines()[1]

    def with_cell(self, column, text):
        """A CSV of the header and one good row whose column holds text."""
        row = self.good_row().split(",")
        row[schema.load().columns.index(column)] = text
        return self.write(self.header() + "\n" + ",".join(row) + "\n")

    def assertRefused(self, path, *needles):
        with self.assertRaises(analysis.DataError) as cm:
            analysis.load_csv(path)
        msg = str(cm.exception)
        self.assertIn(str(path), msg)
        for n in needles:
            self.assertIn(n, msg)

    def test_foreign_header(self):
        p = self.write("name,value\nx,1\n")
        self.assertRefused(p, "not a parscale CSV", "column 1 is 'name', expected 'run_id'")

    def test_semicolon_separated(self):
        p = self.write(self.header().replace(",", ";") + "\n")
        self.assertRefused(p, "not a parscale CSV", "';'-separated")

    def test_missing_column(self):
        cols = schema.load().columns
        p = self.write(",".join(cols[:5] + cols[6:]) + "\n")
        self.assertRefused(p, "column 6 is '%s', expected '%s'" % (cols[6], cols[5]))
        p = self.write(",".join(cols + ["extra"]) + "\n")
        self.assertRefused(p, "has %d columns, expected %d" % (len(cols) + 1, len(cols)))

    def test_older_header_reads_with_new_columns_empty(self):
        """Columns are only appended: a file with a leading part of today's
        header (an older parscale's) reads, its missing columns empty; one
        that stops before a column the analysis needs does not."""
        cols = schema.load().columns
        row = self.good_row().split(",")
        short = cols.index("steal") + 1
        p = self.write(",".join(cols[:short]) + "\n" + ",".join(row[:short]) + "\n")
        rows = analysis.load_csv(p)
        self.assertEqual(len(rows), 1)
        for c in cols[short:]:  # empty: None for numbers, '' for text
            self.assertIn(rows[0][c], (None, ""), c)
        self.assertEqual(rows[0]["kernel"], row[cols.index("kernel")])
        upto = cols.index("verified")
        p = self.write(",".join(cols[:upto]) + "\n" + ",".join(row[:upto]) + "\n")
        self.assertRefused(p, "not a parscale CSV", "has %d columns" % upto)
        # a row as long as today's header under the older one is malformed
        p = self.write(",".join(cols[:short]) + "\n" + ",".join(row) + "\n")
        self.assertRefused(p, ":2:", "%d fields, expected %d" % (len(cols), short))

    def test_short_row(self):
        p = self.write(self.header() + "\n" + self.good_row() + "\n" + "a,b,c\n")
        self.assertRefused(p, ":3:", "3 fields")

    def test_not_a_number(self):
        self.assertRefused(self.with_cell("seconds", "fast"), ":2:", "'seconds' is 'fast'")

    def test_bad_boolean(self):
        self.assertRefused(self.with_cell("verified", "yes"), "'verified' is 'yes'")

    def test_unterminated_quote(self):
        p = self.write(self.header() + "\n" + self.good_row() + ',"oops\n')
        with self.assertRaises(analysis.DataError) as cm:
            analysis.load_csv(p)
        self.assertIn(str(p), str(cm.exception))

    def test_empty_and_header_only(self):
        self.assertRefused(self.write(""), "empty file")
        self.assertRefused(self.write(self.header() + "\n"), "no measurements")

    def test_missing_file(self):
        self.assertRefused(self.tmp / "nope.csv", "cannot read")


def rows_one_by_one(path):
    """The definition the chunked loader must keep: every row through
    csv.reader and analysis._typed, a dict a row."""
    sch = schema.load()
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, strict=True)
        header = next(reader)
        missing = dict.fromkeys(sch.columns[len(header):], "")
        out = []
        for row in reader:
            if row:
                raw = dict(zip(header, row))
                raw.update(missing)
                out.append(analysis._typed(path, reader.line_num, raw, sch))
    return out


class ChunkedLoader(TempDirCase):
    """load_table reads by chunk and column; the rows it gives back must
    be those of reading one row at a time, and a bad row anywhere must get
    the message row-at-a-time reading gives."""

    def big(self, n, quoted_at=None, blank_every=None, edit=None):
        """n rows cycled from the fixture's, with varying seconds and reps
        (dense columns), empty and filled gil columns, blank lines and a
        quoted field with a comma and a line break at row quoted_at."""
        with open(make_fixture(self.tmp / "fx"), newline="") as fh:
            lines = fh.read().splitlines()
        cols = schema.load().columns
        body = [ln.split(",") for ln in lines[1:] if '"' not in ln]
        out = [lines[0]]
        for i in range(n):
            row = list(body[i % len(body)])
            row[cols.index("rep")] = str(i // len(body))
            row[cols.index("seconds")] = "%.9g" % (float(row[cols.index("seconds")]) * (1 + i % 89 / 997.0))
            row[cols.index("timestamp")] = "2024-05-%02dT10:00:%02dZ" % (1 + i % 28, i % 60)
            if i == quoted_at:
                row[cols.index("error")] = '"stopped, then\nresumed"'
                row[cols.index("verified")] = "false"
            if edit:
                edit(i, row, cols)
            out.append(",".join(row))
            if blank_every and i % blank_every == 0:
                out.append("")
        path = self.tmp / ("big-%d.csv" % len(list(self.tmp.iterdir())))
        path.write_text("\n".join(out) + "\n")
        return path

    def test_same_rows_as_one_at_a_time(self):
        for path in (self.big(5000), self.big(4000, quoted_at=2500, blank_every=333),
                     make_fixture(self.tmp / "fx2")):
            want = rows_one_by_one(path)
            got = analysis.load_csv(path)
            self.assertEqual(len(got), len(want))
            for g, w in zip(got, want):
                self.assertEqual(g, w)
            table = analysis.load_table(path)
            self.assertEqual([table.get("seconds", i) for i in range(len(table))],
                             [w["seconds"] for w in want])

    def test_the_first_bad_row_is_named_deep_in_the_file(self):
        def bad(column, text, at):
            def edit(i, row, cols):
                if i in at:
                    row[cols.index(column)] = text
            return edit

        for column, text, at, needle in (
                ("seconds", "fast", (3100, 3500), ":3102: malformed row: column 'seconds' is 'fast'"),
                ("workers", "0", (2999,), ":3001: malformed row: workers is '0'"),
                ("kernel", "", (4100,), ":4102: malformed row: column 'kernel' is empty"),
                ("rep", "1.5", (2050, 2051), ":2052: malformed row: column 'rep' is '1.5'"),
                ("seconds", "-1", (3333,), ":3335: malformed row: a verified repetition")):
            path = self.big(4500, edit=bad(column, text, at))
            with self.assertRaises(analysis.DataError) as cm:
                analysis.load_table(path)
            with self.assertRaises(analysis.DataError) as one:
                rows_one_by_one(path)
            self.assertIn(needle, str(cm.exception))
            self.assertEqual(str(cm.exception), str(one.exception))

    def test_a_short_row_after_a_quoted_field(self):
        def edit(i, row, cols):
            if i == 3000:
                del row[-3:]
        path = self.big(3200, quoted_at=1500, edit=edit)
        with self.assertRaises(analysis.DataError) as cm:
            analysis.load_table(path)
        self.assertIn(":3003: malformed row: %d fields" % (len(schema.load().columns) - 3),
                      str(cm.exception))


if __name__ == "__main__":
    unittest.main()


class PairedSpeedupInterval(TempDirCase):
    """A speedup from pairs carries a 95% interval only when enough rounds
    have both sides undisturbed: two sides with enough repetitions each, but
    disturbed in different rounds, share too few pairs, and the summary cell
    says so rather than drawing a range as an interval."""

    def test_too_few_shared_rounds(self):
        from parscale_py.cpython import cpython_bench
        from parscale_py.render import summary
        w = cpython_bench.Writer(str(self.tmp / "p.csv"), schema.load())
        # 10 rounds: seq disturbed in rounds 0-3, omp in rounds 4-7: each side
        # keeps 6 repetitions, the pairs only rounds 8 and 9
        for rnd in range(10):
            for b, secs, tag, bad in (("seq", 0.010, "%db" % rnd, rnd < 4),
                                      ("omp", 0.005, "%d" % rnd, 4 <= rnd < 8)):
                w.row({"run_id": "r", "timestamp": "2026-01-02T03:04:05Z", "host": "h",
                       "kernel": "pi", "backend": b, "workers": 1 if b == "seq" else 2,
                       "threads": 1, "ranks": 1, "scaling": "strong", "order": 100,
                       "size": 100, "steps": 1, "rep": rnd, "seconds": secs * (1 + rnd / 1000),
                       "verified": "true", "cores": 2, "oversubscribed": "false",
                       "pair": tag, "disturbed": "1" if bad else "0"})
        a = analysis.analyse(self.tmp / "p.csv")
        p = point(a, "pi", "omp", 2)
        self.assertTrue(p.paired)
        self.assertEqual(p.summary.n, 6)
        self.assertEqual(p.speedup_summary.n, 2)
        self.assertFalse(p.speedup_ci_available)
        cell = summary.Cell("pi", "omp", p, None)
        self.assertFalse(cell.supported)
        self.assertIn("share 2 undisturbed rounds", cell.why_not())
