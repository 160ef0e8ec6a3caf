"""scripts/compare --ab: the verdict from paired per-trial ratios on generated
trials (deterministic), disturbed repetitions set aside on both sides when
the column exists, the keys an A/B relaxes, and the real binary: a short
A/B of one build (exit 0, the merged CSV of every trial) and the bad input
that must stop it before anything runs."""
import json
import math
import os
import random
import unittest
from pathlib import Path

from helpers import REPO, TempDirCase, run_script
from parscale_py import analysis, schema
from parscale_py.commands import ab

SCH = schema.load()
PARSCALE = os.environ.get("PARSCALE") or str(REPO / "build" / "parscale")


def rows(cfg, times, disturbed=None, **over):
    """Rows as analysis.load_csv gives them (typed), for one side of one trial."""
    out = []
    for i, t in enumerate(times):
        r = {"kernel": "pi", "backend": "seq", "workers": 1, "threads": 1, "ranks": 1,
             "scaling": "strong", "size": 1000, "steps": 1, "seconds": t, "ok": True,
             "oversubscribed": False, "run_id": "r"}
        r.update(cfg)
        r.update(over)
        if disturbed is not None:
            r["disturbed"] = disturbed[i]
        out.append(r)
    return out


def session(ratio_of, n, cfgs=({},), noise=0.01, seed=1, **kw):
    """n trials, 3 repetitions a side, NEW = BASE x ratio_of(cfg) x noise."""
    rng = random.Random(seed)
    trials = []
    for t in range(1, n + 1):
        drift = 1.0 + 0.3 * math.sin(t)         # the machine moves between trials
        side = {"BASE": [], "NEW": []}
        for c in cfgs:
            base = [drift * (1 + rng.gauss(0, noise)) for _ in range(3)]
            new = [drift * ratio_of(c) * (1 + rng.gauss(0, noise)) for _ in range(3)]
            side["BASE"] += rows(c, base)
            side["NEW"] += rows(c, new)
        trials.append((t, side))
    return ab.Session(trials, SCH, **kw)


class Verdicts(unittest.TestCase):
    def test_sign_test_by_hand(self):
        self.assertAlmostEqual(ab.sign_test_p([1.1] * 6), 2 / 64)
        self.assertAlmostEqual(ab.sign_test_p([1.1] * 5 + [0.9]), 2 * 7 / 64)
        self.assertEqual(ab.sign_test_p([1.0, 1.0]), 1.0)

    def test_slower_faster_same_through_drift(self):
        # the machine's drift of +-30% between trials cancels in each pair
        self.assertEqual(session(lambda c: 1.10, 12).results[0].verdict, "slower")
        self.assertEqual(session(lambda c: 1 / 1.10, 12).results[0].verdict, "faster")
        self.assertEqual(session(lambda c: 1.0, 12).results[0].verdict, "same")
        s = session(lambda c: 1.10, 12)
        self.assertEqual(s.status(), 1)
        p = s.results[0]
        self.assertAlmostEqual(p.ratio, 1.10, delta=0.02)
        self.assertLess(p.lo, p.ratio)
        self.assertGreater(p.lo, 1.0)
        self.assertEqual(p.n, 12)

    def test_a_hog_started_halfway_hits_both_sides(self):
        # from trial 7 a neighbour takes the CPU: both sides 1.8x slower, and
        # the trial it started in (between BASE and NEW) a 1.8x outlier
        rng = random.Random(4)
        trials = []
        for t in range(1, 15):
            hog = 1.8 if t >= 7 else 1.0
            b = [hog * (1 + rng.gauss(0, 0.02)) for _ in range(2)]
            n = [(1.8 if t == 6 else hog) * (1 + rng.gauss(0, 0.02)) for _ in range(2)]
            trials.append((t, {"BASE": rows({}, b), "NEW": rows({}, n)}))
        p = ab.Session(trials, SCH).results[0]
        self.assertEqual(p.verdict, "same")
        self.assertAlmostEqual(p.ratio, 1.0, delta=0.03)
        self.assertLess(p.hi, 1.05)

    def test_significant_but_under_threshold_is_same(self):
        s = session(lambda c: 1.03, 20, noise=0.002)
        self.assertGreater(s.results[0].lo, 1.0)
        self.assertEqual(s.results[0].verdict, "same")
        self.assertEqual(session(lambda c: 1.03, 20, noise=0.002,
                                 threshold=0.01).results[0].verdict, "slower")

    def test_too_few_trials_never_judged(self):
        p = session(lambda c: 2.0, 5).results[0]
        self.assertTrue(p.few)
        self.assertIsNone(p.lo)
        self.assertEqual(p.verdict, "same")

    def test_bonferroni_over_configurations(self):
        cfgs = [{"workers": w, "backend": "omp", "threads": w} for w in (1, 2, 3, 4)]
        s = session(lambda c: 1.0, 8, cfgs=cfgs)
        self.assertEqual(s.m, 4)
        self.assertAlmostEqual(s.each, 0.05 / 4)
        # 8 trials all one way: p = 2/256 < 0.0125, an interval at 98.75% exists
        s = session(lambda c: 1.2 if c["workers"] == 2 else 1.0, 8, cfgs=cfgs)
        self.assertEqual([p.verdict for p in s.results], ["same", "slower", "same", "same"])
        # 7 trials: 2/128 > 0.0125, no verdict though every trial is slower
        s = session(lambda c: 1.2 if c["workers"] == 2 else 1.0, 7, cfgs=cfgs)
        self.assertEqual(s.count("slower"), 0)

    def test_settings_the_commands_change_are_relaxed(self):
        gil = {"backend": "gil", "workers": 2, "threads": 2}
        trials = [(t, {"BASE": rows(gil, [1.0, 1.0], gil_model="new", switch_interval=0.005),
                       "NEW": rows(gil, [1.3, 1.3], gil_model="old", check_interval=100)})
                  for t in range(1, 9)]
        s = ab.Session(trials, SCH)
        self.assertEqual(len(s.results), 1)
        self.assertEqual(s.results[0].verdict, "slower")
        self.assertEqual(s.relaxed, ["gil_model", "switch_interval", "check_interval", "tick"])
        self.assertNotIn("gil_model", s.keys)


class Disturbed(unittest.TestCase):
    """A repetition the harness marked disturbed is set aside on both sides;
    without the column every row counts."""

    def trials(self, with_column):
        out = []
        for t in range(1, 11):
            base = [1.0, 1.01]
            # NEW's second repetition hit by a neighbour, both in trials 1-2
            new = [3.0, 3.0] if t <= 2 else [1.0, 3.0]
            dis_b, dis_n = [0, 0], ([1, 1] if t <= 2 else [0, 1])
            if not with_column:
                dis_b = dis_n = None
            out.append((t, {"BASE": rows({}, base, dis_b), "NEW": rows({}, new, dis_n)}))
        return out

    def test_set_aside_and_counted(self):
        s = ab.Session(self.trials(True), SCH)
        p = s.results[0]
        self.assertEqual(s.disturbed, [0, 12])
        self.assertEqual((p.n, p.dropped), (8, 2))       # trials 1-2: NEW kept nothing
        self.assertEqual(p.verdict, "same")
        self.assertAlmostEqual(p.ratio, 1.0 / 1.005)
        notes = ab._notes(s, None)
        self.assertIn("NEW: 12 of 20 repetition(s) disturbed, set aside", notes)
        self.assertTrue(any("pi seq x1 (2)" in n for n in notes), notes)

    def test_without_the_column_every_row_counts(self):
        s = ab.Session(self.trials(False), SCH)
        p = s.results[0]
        self.assertEqual(s.disturbed, [0, 0])
        self.assertEqual((p.n, p.dropped), (10, 0))
        self.assertEqual(p.verdict, "slower")           # the 3.0s are counted


@unittest.skipUnless(os.access(PARSCALE, os.X_OK), "no parscale binary at %s" % PARSCALE)
class RealBinary(TempDirCase):
    RUN = ["--", "--kernel", "pi", "--backend", "seq", "--size", "test"]

    def test_same_build_is_same_and_every_trial_is_kept(self):
        out = self.tmp / "ab.csv"
        r = run_script("compare", "--ab", PARSCALE, PARSCALE, "--max-time", "6s",
                       "--threshold", "50%", "--seed", "7", "--csv", out, "--json", *self.RUN)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["mode"], "ab")
        self.assertEqual([x["verdict"] for x in doc["results"]], ["same"])
        n = doc["trials"]
        self.assertGreaterEqual(n, 2)
        self.assertEqual(len(doc["order"]), n)
        self.assertIn(doc["stopped"], ("ci", "max-time"))
        # the merged CSV: one row a side per trial (--reps 1), each run's side
        # and trial in the metadata, linked by run_id
        data = analysis.load_csv(out)
        self.assertEqual(len(data), 2 * n)
        meta = [json.loads(x) for x in Path(str(out) + ".meta.jsonl").read_text().splitlines()]
        rec = {m["run_id"]: m for m in meta if m.get("record") == "ab"}
        heads = {m["run_id"] for m in meta if "record" not in m}
        self.assertEqual(set(rec), heads)
        self.assertEqual({r["run_id"] for r in data}, heads)
        self.assertEqual(sorted((m["trial"], m["side"]) for m in rec.values()),
                         sorted((t, s) for t in range(1, n + 1) for s in ("BASE", "NEW")))
        self.assertEqual([m["first"] for m in sorted(rec.values(), key=lambda m: m["trial"])
                          if m["side"] == "BASE"], doc["order"])
        # both sides of a trial ran parscale's configurations in one order (one seed)
        seeds = {}
        for m in meta:
            if "record" not in m:
                seeds.setdefault(rec[m["run_id"]]["trial"], set()).add(m["seed"])
        self.assertEqual([len(v) for v in seeds.values()], [1] * n)
        # the text form; a command that names `run` itself keeps one
        r = run_script("compare", "--ab", PARSCALE, PARSCALE + " run",
                       "--max-time", "3s", "--threshold", "50%", *self.RUN)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("pi seq x1", r.stdout)
        self.assertIn("method: median of the paired per-trial ratios", r.stdout)

    def test_without_a_size_both_sides_run_one_size_chosen_once(self):
        # --rep-time in RUN_ARGS (or none: 20 ms) sizes the kernels once, on
        # BASE; every trial of both sides runs those sizes (a launch
        # calibrating on its own would give each side a size of its own)
        out = self.tmp / "ab.csv"
        r = run_script("compare", "--ab", PARSCALE, PARSCALE, "--max-time", "4s",
                       "--threshold", "50%", "--seed", "3", "--csv", out, "--json", "--",
                       "--kernel", "pi,count", "--backend", "seq", "--rep-time", "2ms")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("sizes for a 2ms seq repetition, chosen once on BASE", r.stderr)
        doc = json.loads(r.stdout)
        sizes = {}
        for row in analysis.load_csv(out):
            sizes.setdefault(row["kernel"], set()).add(row["size"])
        self.assertEqual(sorted(sizes), ["count", "pi"])
        self.assertEqual([len(v) for v in sizes.values()], [1, 1])
        self.assertGreaterEqual(doc["trials"], 2)
        # the sizes are in the run arguments the JSON reports
        i = doc["run_args"].index("--size")
        self.assertEqual(sorted(doc["run_args"][i + 1].split(",")),
                         sorted("%s=%d" % (k, next(iter(v))) for k, v in sizes.items()))
        self.assertNotIn("--rep-time", doc["run_args"])
        self.assertEqual(ab.without_rep_time(["-k", "pi", "--rep-time", "5ms", "-b", "seq",
                                              "--rep-time=7ms"]), ["-k", "pi", "-b", "seq"])

    def test_bad_input_exits_2_one_line_nothing_run(self):
        out = self.tmp / "ab.csv"
        notexe = self.tmp / "plain.txt"
        notexe.write_text("x")
        cases = [
            (["--ab", str(notexe), PARSCALE] + self.RUN, "not an executable"),
            (["--ab", str(self.tmp / "missing"), PARSCALE] + self.RUN, "not an executable"),
            (["--ab", PARSCALE, PARSCALE + " --no-such-option"] + self.RUN,
             "NEW '%s --no-such-option': parscale refuses its options" % PARSCALE),
            (["--ab", PARSCALE, PARSCALE + " --gil-model neither"] + self.RUN, "refuses"),
            (["--ab", PARSCALE] + self.RUN, "takes two commands"),
            (["--ab", PARSCALE, PARSCALE, "--"], "nothing after --"),
            (["--ab", PARSCALE, PARSCALE], "needs --"),
            (["--ab", PARSCALE, PARSCALE] + self.RUN + ["--csv", "x.csv"], "set by --ab"),
            (["--ab", PARSCALE, PARSCALE, "--max-time", "soon"] + self.RUN, "--max-time"),
            (["--ab", PARSCALE, PARSCALE, "--frobnicate"] + self.RUN, "not an option"),
            (["--ab", PARSCALE, PARSCALE, "--", "--kernel", "pi", "--backend", "mpi",
              "--workers", "2"], "needs a launcher"),
        ]
        for args, word in cases:
            r = run_script("compare", "--csv", out, *args)
            self.assertEqual(r.returncode, 2, (args, r.stdout, r.stderr))
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, (args, r.stderr))
            self.assertIn(word, r.stderr, args)
            self.assertEqual(r.stdout, "", args)
            self.assertFalse(out.exists(), args)
            self.assertFalse(Path(str(out) + ".meta.jsonl").exists(), args)
        # an existing --csv is not touched
        out.write_text("keep\n")
        r = run_script("compare", "--ab", PARSCALE, PARSCALE, "--csv", out, *self.RUN)
        self.assertEqual(r.returncode, 2)
        self.assertIn("exists", r.stderr)
        self.assertEqual(out.read_text(), "keep\n")


if __name__ == "__main__":
    unittest.main()
