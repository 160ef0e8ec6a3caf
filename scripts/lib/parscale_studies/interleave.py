"""Whole invocations measured interleaved, for the GIL's experiments and
targets (scripts/studies/gil-experiments, scripts/studies/gil-targets).

Configurations that differ in a process-wide option (switch interval, lock
model, --gil-release, the interpreter's own switch interval) cannot share one
`parscale run`, so the harness cannot interleave them.  A Plan does it one
level up: each round runs every invocation once (-r 1) in a new shuffled
order, and the first round is a warm-up whose rows are not kept.
"""
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from parscale_py.common import fail, mpi_env, mpirun_argv
from parscale_py.interpreters import cpython_env
from parscale_py.stats import median


def mpirun_prefix(np_):
    """mpirun -np N (oversubscribing, unbound), or None without Open MPI."""
    exe = shutil.which("mpirun")
    return mpirun_argv(exe, np_) if exe else None


def claim(prog, paths, replace, where="--out"):
    """Refuses (status 2, before anything runs) to overwrite results that
    exist unless replace: an experiment's figures come from its own rows
    only, so its CSV is made new, never appended to."""
    there = [str(p) for p in paths if Path(p).exists()]
    if there and not replace:
        fail(prog, "%s exist%s; pass --replace to make %s again, or choose another %s"
             % (", ".join(there), "s" if len(there) == 1 else "", "it" if len(there) == 1
                else "them", where))


class Plan:
    """Invocations to interleave, each given without --csv, -r or --warmup."""

    def __init__(self, prog, bin_, csvp, rounds, seed=2024):
        self.prog, self.bin, self.csv, self.rounds, self.seed = prog, bin_, str(csvp), rounds, seed
        self.jobs = []
        # the interpreter under study, as scripts/studies/cpython-bench picks it
        self.py = os.environ.get("PARSCALE_CPYTHON") or shutil.which("python3") or \
            sys.executable

    def add(self, cmd):
        self.jobs.append(list(cmd))

    def parscale(self, *args, prefix=None):
        self.add((prefix or []) + [self.bin, "run", "-q", "-r", "1", "--warmup", "0"] + list(args))

    def cpython(self, *args, prefix=None, python=None):
        """cpython-bench on the interpreter under study, or on python (a
        Python 3) itself: what `--python PATH` runs, without the parent
        process that finds it (a second start-up, about 0.7 s each)."""
        self.add((prefix or []) + [python or self.py, "-m", "parscale_py.cpython.cpython_bench",
                                   "-q", "-r", "1", "--warmup", "0"] + list(args))

    def run(self, name):
        """Runs the rounds into a fresh CSV (an old one and its metadata,
        which claim() let through, are replaced); returns the verified rows.  A failed invocation is
        reported and the others go on: its points come out missing."""
        for p in (Path(self.csv), Path(self.csv + ".meta.jsonl")):
            if p.exists():
                p.unlink()
        rng = random.Random(self.seed)
        env = cpython_env(mpi_env())
        total = self.rounds + 1
        for rnd in range(total):
            order = self.jobs[:]
            rng.shuffle(order)
            for cmd in order:
                full = cmd + (["--csv", self.csv] if rnd > 0 else [])
                r = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env=env)
                if r.returncode != 0:
                    sys.stderr.write("%s: %s failed (%d): %s\n" % (
                        self.prog, " ".join(full), r.returncode, r.stderr.strip()[-500:]))
            print("  %s: round %d/%d%s" % (name, rnd + 1, total, " (warm-up)" if rnd == 0 else ""),
                  flush=True)
        return load(self.csv)


def load(path):
    """The verified rows of a CSV (none when it does not exist)."""
    if not Path(path).exists():
        return []
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(f) if r["verified"] == "true"]


def matches(r, kw):
    """Whether row r has every column of kw; floats compare loosely."""
    for k, v in kw.items():
        c = r.get(k, "")
        if isinstance(v, float):
            if c == "" or abs(float(c) - v) > 1e-9 * max(1.0, abs(v)):
                return False
        elif c != str(v):
            return False
    return True


def med(rows, **kw):
    """Median seconds of the rows matching kw; NaN when none."""
    xs = [float(r["seconds"]) for r in rows if matches(r, kw)]
    return median(xs) if xs else float("nan")


def _one_run(bin_, args, what):
    """The verified rows of one `parscale run ARGS` into a scratch CSV."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cal.csv")
        r = subprocess.run([bin_, "run", "-q"] + list(args) + ["--csv", out],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        rows = load(out) if r.returncode == 0 else []
        if not rows:
            sys.exit("%s failed: %s" % (what, r.stderr.strip()[-500:]))
        return rows


def seconds_per_index(bin_, kernel, size="quick"):
    """How long one index of kernel takes on one core (seq backend, median
    of 3 after a warm-up): turns a tick given in time into indices."""
    rows = _one_run(bin_, ["-k", kernel, "-b", "seq", "-s", size, "-r", "3", "--warmup", "1"],
                    "timing one index of %s" % kernel)
    return median(float(x["seconds"]) / float(x["size"]) for x in rows)


def gil_tick(bin_, kernel, *gil_args):
    """The tick, in indices, that the gil backend picks for kernel under
    gil_args (e.g. --gil-release 0.5): read from a row, so that the
    defaults live in one place (gil.h)."""
    rows = _one_run(bin_, ["-k", kernel, "-b", "gil", "-s", "test", "-r", "1", "--warmup", "0",
                           "--no-baseline"] + list(gil_args), "finding the gil tick of %s" % kernel)
    return int(next(r["tick"] for r in rows if r["backend"] == "gil"))
