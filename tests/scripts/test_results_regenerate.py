"""What results/ keeps and what it makes again: every chart the README and
docs link is committed, the rest is regenerable, and the reference report's
summary made again from the committed CSV (copied alone to a folder outside
the checkout) has the committed report's numbers, cell for cell."""
import re
import shutil
import subprocess
import unittest
from pathlib import Path

from helpers import REPO, SCRIPTS, TempDirCase
from parscale_py import analysis, kerninfo
from parscale_py.commands import report

REFERENCE = REPO / "results" / "reference"
LINK = re.compile(r"\]\(([^)#\s]+\.(?:png|svg|pdf))\)")


def summary_rows(markdown):
    """The summary table's kernel rows (each cell a speedup, efficiency and
    their intervals, as printed)."""
    return [line for line in markdown.splitlines() if line.startswith("| [")]


class Kept(unittest.TestCase):
    def test_every_linked_chart_is_committed(self):
        pages = [REPO / "README.md", REPO / "results" / "README.md"] + \
            sorted((REPO / "docs").glob("*.md"))
        linked = set()
        for page in pages:
            for target in LINK.findall(page.read_text(encoding="utf-8")):
                if "://" not in target:
                    linked.add((page.parent / target).resolve())
        self.assertTrue(any("results" in p.parts for p in linked), linked)
        missing = [str(p.relative_to(REPO)) for p in sorted(linked) if not p.is_file()]
        self.assertEqual(missing, [])

    @unittest.skipUnless(shutil.which("git") and (REPO / ".git").exists(), "not a git checkout")
    def test_results_hold_data_and_the_charts_shown_not_every_format(self):
        files = subprocess.run(["git", "-C", str(REPO), "ls-files", "results"],
                               capture_output=True, text=True, check=True).stdout.split()
        self.assertLess(len(files), 80, "results/ holds %d files" % len(files))
        self.assertEqual([f for f in files if f.endswith((".svg", ".pdf"))], [])


class Regenerated(TempDirCase):
    def test_reference_summary_from_the_csv_alone(self):
        for name in ("results.csv", "results.csv.meta.jsonl", "kernels.json"):
            shutil.copy(REFERENCE / name, self.tmp / name)
        csv = self.tmp / "results.csv"
        a = analysis.analyse(csv)
        runs, records, problems = analysis.read_meta(csv)
        kinfo, _ = kerninfo.find(csv, self.tmp / "kernels.json", None)
        doc, _ = report.build(a, runs, problems, [], [], None, csv, kinfo, records, None)
        made = summary_rows(doc.markdown(self.tmp))
        kept = summary_rows((REFERENCE / "report.md").read_text(encoding="utf-8"))
        self.assertGreaterEqual(len(kept), 10)
        self.assertEqual(made, kept)

    def test_report_and_compare_from_a_copy_outside_the_checkout(self):
        # a CSV and its metadata alone, in a folder of their own, run from
        # there: the scripts take the schema from the binary, not a header
        fixtures = REPO / "tests" / "fixtures"
        for name in ("small.csv", "small.csv.meta.jsonl"):
            shutil.copy(fixtures / name, self.tmp / name)
        self.assertFalse((self.tmp / "harness").exists())
        def run(*args):
            return subprocess.run([str(SCRIPTS / args[0])] + list(args[1:]), cwd=self.tmp,
                                  capture_output=True, text=True, timeout=300)
        r = run("report", "small.csv", "--out", "rep")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("## Summary", (self.tmp / "rep" / "report.md").read_text())
        r = run("compare", "small.csv", "small.csv", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"verdict"', r.stdout)


if __name__ == "__main__":
    unittest.main()
