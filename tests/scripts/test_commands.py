"""scripts/plot and scripts/report run as a user runs them: on the fixture
they make every chart and the report; on a bad CSV they say why, exit 2 and
write nothing."""
import csv
import json
import re
import shutil
import unittest

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402

from helpers import TempDirCase, fixture_module, make_fixture, run_script  # noqa: E402
from parscale_py import schema  # noqa: E402
from parscale_py.commands import e2e  # noqa: E402
from parscale_py.render import plots  # noqa: E402

FX = fixture_module()
KINDS = ("speedup", "efficiency", "time")
STEMS = ["pi-%s-strong" % k for k in KINDS] + ["pi-%s-weak" % k for k in KINDS] + \
        ["stream-%s-strong" % k for k in KINDS] + ["io-%s-strong" % k for k in KINDS] + \
        ["roofline", "summary-heatmap"]
WIDTH = round(plots.FIGSIZE[0] * plots.DPI)
HEIGHT = round(plots.FIGSIZE[1] * plots.DPI)


class Charts(TempDirCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        from pathlib import Path
        cls.dir = Path(tempfile.mkdtemp(prefix="parscale-charts-"))
        cls.csv = make_fixture(cls.dir / "in")
        cls.out = cls.dir / "charts"
        cls.result = run_script("plot", cls.csv, "--out", cls.out)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_exit_status(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertIn("%d charts" % len(STEMS), self.result.stdout)

    def test_every_chart_in_every_format(self):
        for stem in STEMS:
            for fmt in plots.FORMATS:
                p = self.out / ("%s.%s" % (stem, fmt))
                self.assertTrue(p.is_file(), p)
                self.assertGreater(p.stat().st_size, 1000, p)
            self.assertTrue((self.out / (stem + ".pdf")).read_bytes().startswith(b"%PDF"))
            self.assertIn(b"<svg", (self.out / (stem + ".svg")).read_bytes()[:2000])
        made = sorted(p.stem for p in self.out.glob("*.png"))
        self.assertEqual(made, sorted(STEMS))

    def test_png_size_and_not_blank(self):
        for stem in STEMS:
            img = mpimg.imread(str(self.out / (stem + ".png")))
            if stem != "summary-heatmap":          # its size follows the table's
                self.assertEqual(img.shape[:2], (HEIGHT, WIDTH), stem)
            # Drawn charts have many distinct colours (antialiased lines, text);
            # a blank or nearly empty figure has a handful.
            flat = (img[:, :, :3] * 255).astype("uint8").reshape(-1, 3)
            distinct = len({tuple(px) for px in flat[::7]})
            self.assertGreater(distinct, 60, stem)
            white = (flat == 255).all(axis=1).mean()
            self.assertLess(white, 0.97, stem)

    def test_heatmap_writes_its_values(self):
        svg = (self.out / "summary-heatmap.svg").read_text()
        # pi at 2 workers: gil 0.98x, omp 1/(0.05 + 0.95/2) = 1.905x, mpi 1.852x
        for text in ("<!-- 0.49 -->", "<!-- 0.95 -->", "<!-- 0.93 -->", "<!-- n/a -->",
                     "<!-- 0.99* -->", "efficiency", "fixturehost"):
            self.assertIn(text, svg)

    def test_svg_marks_oversubscription_and_names_machine(self):
        svg = (self.out / "pi-speedup-strong.svg").read_text()
        self.assertIn("oversubscribed", svg)
        self.assertIn("fixturehost", svg)
        self.assertIn("2024-05-01", svg)
        self.assertIn("Amdahl", svg)


class Report(TempDirCase):
    def setUp(self):
        super().setUp()
        self.csv = make_fixture(self.tmp / "in")
        self.out = self.tmp / "report"

    def test_markdown_and_html(self):
        # hyperfine's JSON shape, and the in-kernel rows the same processes
        # wrote, in the report's folder: the end-to-end section (one report
        # serves both checks; each costs seconds of charts)
        self.out.mkdir(parents=True)
        (self.out / e2e.JSON).write_text(json.dumps({"results": [
            {"command": "x", "parameters": {"name": "pi/mpi/2"},
             "times": [0.50, 0.52, 0.48, 0.51, 0.49]}]}))
        rows = self.csv.read_text().splitlines()
        kernel = [rows[0]] + [r for r in rows[1:] if ",pi,mpi,2,1,2,strong," in r]
        (self.out / e2e.KERNEL_CSV).write_text("\n".join(kernel) + "\n")
        r = run_script("report", self.csv, "--out", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        md = (self.out / "report.md").read_text()
        self.assertIn("## End-to-end timing", md)
        # whole 0.50 s - in-kernel 0.216 s = 0.284 s of start-up (57%)
        self.assertIn("| pi/mpi/2 | 5 | 500 ms | 480 ms .. 520 ms | 216 ms | 284 ms | 57% |", md)
        for needle in ("fixturehost", "Fixture CPU @ 2.0GHz", "GNU 12.2.0", "Open MPI v4.1.4",
                       "- **Oversubscribed: 9 configuration(s)**", "**Failed verification",
                       "- **Few repetitions: 4 configuration(s)**",
                       "- **High variance: 1 configuration(s)**",
                       "- stream mpi x4 (strong) (50%)", FX.BAD_ERROR,
                       "| omp | 2 | 7 | 210 ms | 205.8 ms .. 214.2 ms |",
                       "| omp | 0.05 |", "| omp | 0.1 |", "(min-max)",
                       # rounded with their intervals, outward (numfmt)
                       "| [pi](#k-pi) | \u25cb 0.98\u00d7 [0.94, 1.03], E 0.49 [0.47, 0.52] |",
                       "### Findings",
                       "Computation does not speed up under the lock: `pi`",
                       "Not stated, because the data cannot show it: the lock's effect on "
                       "waiting (io gil has 3 repetitions",
                       "![summary: efficiency of every kernel x backend](summary-heatmap.png)",
                       "![pi: speedup, strong scaling](pi-speedup-strong.png)",
                       "![roofline (fixturehost)](roofline.png)"):
            self.assertIn(needle, md)
        # the summary comes before the warnings and the detail; long lists at the end
        self.assertLess(md.index("## Summary"), md.index("## Warnings"))
        self.assertLess(md.index("## Warnings"), md.index("## Results"))
        self.assertLess(md.index("## Results"), md.index('<a id="warn-over"></a>'))
        html = (self.out / "report.html").read_text()
        self.assertEqual(len(re.findall(r'<img alt="[^"]*" src="data:image/', html)),
                         len(STEMS))
        self.assertNotIn('src="http', html)
        self.assertNotIn('src="pi-', html)          # self-contained: nothing linked
        self.assertIn('<table id="summary-table" class="summary">', html)
        self.assertLess(html.index('id="summary-table"'), html.index("<table>"))
        self.assertIn("&quot;too far&quot;", html)
        self.assertIn('<details class="kernel" id="k-pi">', html)
        self.assertIn("<strong>Oversubscribed: 9 configuration(s)</strong>", html)
        self.assertIn("<details><summary>the 9 configurations</summary>", html)
        self.assertNotIn("**", re.sub(r"<script>.*?</script>", "", html, flags=re.S))
        for anchor in re.findall(r'<a href="#([^"]+)"', html):
            self.assertIn('id="%s"' % anchor, html)
        # embedded charts are smaller than the PNG files they come from
        pngs = sum(len(p.read_bytes()) for p in self.out.glob("*.png"))
        self.assertLess(len(html), pngs * 4 / 3)
        # in its own folder the report makes only what its pages show
        self.assertEqual(sorted(p.suffix for p in self.out.glob("pi-speedup-strong.*")),
                         [".png"])

    def test_linked(self):
        r = run_script("report", self.csv, "--out", self.out, "--linked")
        self.assertEqual(r.returncode, 0, r.stderr)
        html = (self.out / "report.html").read_text()
        self.assertNotIn("data:image", html)
        srcs = re.findall(r'<img alt="[^"]*" src="([^"]+)"', html)
        self.assertEqual(len(srcs), len(STEMS))
        for s in srcs:
            self.assertTrue(s.endswith(".svg"), s)
            self.assertTrue((self.out / s).is_file(), s)
        self.assertLess(len(html), 100000)
        self.assertEqual(list(self.out.glob("*.pdf")), [])

    def test_reuses_charts_from_plot(self):
        r = run_script("plot", self.csv, "--out", self.out, "--format", "png")
        self.assertEqual(r.returncode, 0, r.stderr)
        before = (self.out / "pi-speedup-strong.png").stat().st_mtime_ns
        r = run_script("report", self.csv, "--out", self.out, "--charts", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((self.out / "pi-speedup-strong.png").stat().st_mtime_ns, before)
        # nor adds the formats plot was not asked for
        self.assertEqual(list(self.out.glob("*.svg")) + list(self.out.glob("*.pdf")), [])

    def test_roofline_from_the_csv_alone(self):
        (self.tmp / "in" / "kernels.json").unlink()
        r = run_script("plot", self.csv, "--out", self.out, "--format", "png",
                       env={"PARSCALE": ""})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue((self.out / "roofline.png").exists())

    def test_roofline_skipped_without_counts_or_kernel_table(self):
        (self.tmp / "in" / "kernels.json").unlink()
        # the same CSV without its flops and bytes counts
        sch = schema.load().columns
        with open(self.csv, newline="") as fh:
            rows = [dict(zip(sch, r)) for r in list(csv.reader(fh))[1:]]
        with open(self.csv, "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(sch)
            for d in rows:
                d["flops"] = d["bytes"] = ""
                w.writerow([d[c] for c in sch])
        r = run_script("plot", self.csv, "--out", self.out, "--format", "png",
                       env={"PARSCALE": ""})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("roofline skipped", r.stderr)
        self.assertFalse((self.out / "roofline.png").exists())
        self.assertTrue((self.out / "pi-speedup-strong.png").exists())


class Formats(TempDirCase):
    """plot --format writes the formats asked for and no other; a format it
    cannot write, or a list without png (what pages show), is refused before
    anything is written."""

    def test_only_the_formats_asked_for(self):
        csv_path = make_fixture(self.tmp / "in")
        out = self.tmp / "charts"
        r = run_script("plot", csv_path, "--out", out, "--format", "svg,png,svg")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("x png/svg", r.stdout)
        self.assertEqual(sorted(p.stem for p in out.glob("*.svg")), sorted(STEMS))
        self.assertEqual(sorted(p.stem for p in out.glob("*.png")), sorted(STEMS))
        self.assertEqual(list(out.glob("*.pdf")), [])

    def test_refused(self):
        csv_path = make_fixture(self.tmp / "in")
        for value, says in (("png,jpg", "unknown chart format 'jpg'"),
                            ("svg,pdf", "must include png"), ("", "unknown chart format ''")):
            out = self.tmp / ("charts-%d" % len(value))
            r = run_script("plot", csv_path, "--out", out, "--format", value)
            self.assertEqual(r.returncode, 2, value)
            self.assertIn("--format", r.stderr)
            self.assertIn(says, r.stderr)
            self.assertFalse(out.exists(), value)


class BadCsv(TempDirCase):
    """Each command refuses, names the file and the fault, exits 2, and
    leaves the output directory as it found it."""

    def cases(self):
        good = make_fixture(self.tmp / "in").read_text().splitlines()
        foreign = self.tmp / "foreign.csv"
        foreign.write_text("date,name,score\n2024-01-01,x,3\n")
        malformed = self.tmp / "malformed.csv"
        malformed.write_text("\n".join(good[:5] + [good[5].rsplit(",", 3)[0]] + good[6:]) + "\n")
        return [(foreign, "not a parscale CSV"), (malformed, ":6: malformed row")]

    def check(self, script, *extra):
        for path, why in self.cases():
            for precreate in (False, True):
                out = self.tmp / ("out-%s-%s-%s" % (script, path.stem, precreate))
                if precreate:
                    out.mkdir()
                r = run_script(script, path, "--out", out, *extra)
                self.assertEqual(r.returncode, 2, (script, path, r.stdout, r.stderr))
                self.assertIn(str(path), r.stderr)
                self.assertIn(why, r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertNotIn("Traceback", r.stderr)
                if precreate:
                    self.assertEqual(list(out.iterdir()), [])
                else:
                    self.assertFalse(out.exists(), out)

    def test_plot(self):
        self.check("plot")

    def test_report(self):
        self.check("report")


class E2ECommands(unittest.TestCase):
    """The processes e2e-timing times: the baseline once, every other
    backend (tasks on one thread too) at each worker count."""

    def test_only_the_baseline_is_one_worker(self):
        props = {"seq": dict(mpi=False, threads=False, baseline=True),
                 "async": dict(mpi=False, threads=False, baseline=False),
                 "omp": dict(mpi=False, threads=True, baseline=False),
                 "mpi": dict(mpi=True, threads=False, baseline=False)}
        cmds = e2e.commands("parscale", ["null"], list(props), [1, 2], "test", "k.csv",
                            "/usr/bin/mpirun", props)
        self.assertEqual([name for name, _ in cmds],
                         ["null/seq/1", "null/async/1", "null/async/2", "null/omp/1",
                          "null/omp/2", "null/mpi/1", "null/mpi/2"])
        mpi = dict(cmds)["null/mpi/2"]
        self.assertEqual(mpi[0], "/usr/bin/mpirun")


class Help(unittest.TestCase):
    """Every Python command answers --help with its usage and status 0:
    argparse formats the help text only then, so a stray '%' in one
    option's help crashes --help alone and nothing else would notice."""

    COMMANDS = ("compare", "e2e-timing", "landscape", "plot", "report", "submit", "sweep",
                "studies/cpython-bench", "studies/gil-experiments",
                "studies/gil-stats-overhead", "studies/gil-targets",
                "studies/harness-targets")

    def test_every_command_prints_its_usage(self):
        for name in self.COMMANDS:
            r = run_script(name, "--help")
            self.assertEqual(r.returncode, 0, "%s --help: %s" % (name, r.stderr[-500:]))
            self.assertIn("usage:", r.stdout, name)


if __name__ == "__main__":
    unittest.main()
