"""submit's decisions without a cluster: Slurm's time formats, a point
against the partition, and --wait's verdict on each job from the states
squeue would give (the real Slurm is cluster_slurm's)."""
import argparse
import unittest

from helpers import TempDirCase
from parscale_py.commands import submit


class Times(unittest.TestCase):
    def test_slurm_time_formats(self):
        cases = {"30": 30, "30:00": 30, "45:30": 45.5, "1:00:00": 60, "2-00:00:00": 2880,
                 "2-12": 3600, "2-12:30": 3630, "1-0:0:30": 1440.5}
        for text, minutes in cases.items():
            self.assertAlmostEqual(submit.slurm_minutes(text), minutes, msg=text)
        for text in ("infinite", "UNLIMITED"):
            self.assertIsNone(submit.slurm_minutes(text))
        for text in ("abc", "1:2:3:4", "-5", ""):
            with self.assertRaises(ValueError, msg=text):
                submit.slurm_minutes(text)


class Partition(unittest.TestCase):
    LIMITS = {"name": "debug", "cpus": 4, "nodes": 2, "time": 60, "time_text": "1:00:00"}

    def opts(self, **kw):
        return argparse.Namespace(time=kw.get("time", "00:10:00"),
                                  oversubscribe=kw.get("oversubscribe", False))

    def test_fits(self):
        # 4 ranks of 2 on 2 nodes: 2 per node x 2 = 4 CPUs a node
        submit.check_points([(1, 4, 1), (4, 2, 2), (2, 1, 2)], self.LIMITS, self.opts())

    def test_refused_with_the_reason(self):
        for pts, opts, words in (
                ([(1, 1, 1), (2, 4, 1)], self.opts(), "point r2-t4-n1 (2 ranks x 4 threads "
                 "on 1 node) needs 8 CPUs on a node; partition debug's nodes have at most 4"),
                ([(3, 1, 3)], self.opts(), "point r3-t1-n3 needs 3 nodes; partition debug "
                 "has 2"),
                ([(1, 1, 1)], self.opts(time="2:00:00"), "--time 2:00:00 is beyond "
                 "partition debug's limit of 1:00:00")):
            with self.assertRaises(submit.BadInput) as cm:
                submit.check_points(pts, self.LIMITS, opts)
            self.assertIn(words, str(cm.exception))

    def test_oversubscribe_lifts_only_the_cpus(self):
        submit.check_points([(2, 4, 1)], self.LIMITS, self.opts(oversubscribe=True))
        with self.assertRaises(submit.BadInput):
            submit.check_points([(3, 1, 3)], self.LIMITS, self.opts(oversubscribe=True))

    def test_no_sinfo_no_check(self):
        submit.check_points([(64, 64, 64)], None, self.opts())


class Follow(TempDirCase):
    def follow(self, states, rows=()):
        """states: job -> the (state, reason) squeue gives at each poll (the
        last one repeated)."""
        csv = self.tmp / "s.csv"
        csv.write_text("run_id,slurm_job_id\n" + "".join("r,%s\n" % j for j in rows))
        polls = {j: 0 for j in states}
        slept = []

        def state_of(job):
            seq = states[job]
            i = min(polls[job], len(seq) - 1)
            polls[job] += 1
            return seq[i]
        jobs = [("%02d-r1-t1-n1" % (i + 1), j, "/logs/%s.out" % j) for i, j in enumerate(states)]
        out = submit.follow(jobs, str(csv), 0, state_of=state_of, sleep=slept.append)
        return {job: why for _, job, _, why in out}, polls

    def test_each_end(self):
        run = [("PENDING", "Priority"), ("RUNNING", "None")]
        verdict, _ = self.follow({
            "1": run + [("COMPLETED", "None")],
            "2": run + [("CANCELLED", "None")],
            "3": run + [("TIMEOUT", "None")],
            "4": run + [("COMPLETED", "None")],       # but no row
            "5": [("PENDING", "PartitionConfig")],
            "6": run + [(None, "")],                 # gone, no accounting; its rows are there
        }, rows=["1", "1", "6"])
        self.assertIsNone(verdict["1"])
        self.assertEqual(verdict["2"], "CANCELLED")
        self.assertEqual(verdict["3"], "TIMEOUT")
        self.assertIn("COMPLETED but wrote no row", verdict["4"])
        self.assertIn("still PENDING (PartitionConfig), a reason that will not clear", verdict["5"])
        self.assertIn("scancel 5", verdict["5"])
        self.assertIsNone(verdict["6"])

    def test_one_failed_query_is_not_an_end(self):
        verdict, polls = self.follow({"8": [("RUNNING", "None"), (None, ""), (None, ""),
                                            ("RUNNING", "None"), ("COMPLETED", "None")]})
        self.assertIn("COMPLETED but wrote no row", verdict["8"])
        self.assertEqual(polls["8"], 5)

    def test_a_passing_reason_is_waited_out(self):
        # ReqNodeNotAvail once (a node rebooting), then the job runs
        verdict, polls = self.follow({"7": [("PENDING", "ReqNodeNotAvail, UnavailableNodes:n1"),
                                            ("PENDING", "Resources"), ("RUNNING", "None"),
                                            ("COMPLETED", "None")]}, rows=["7"])
        self.assertIsNone(verdict["7"])
        self.assertEqual(polls["7"], 4)


if __name__ == "__main__":
    unittest.main()
