"""scripts/submit -- a scaling study as Slurm batch jobs.

One job per point (ranks x threads per rank x nodes; `--nodes 1,2` makes
one job per node count): each job asks Slurm for `ranks` tasks of
`threads` CPUs on `nodes` nodes and runs, inside the allocation,

    mpirun -np R --map-by slot:PE=T --bind-to core \\
        parscale run --backend hybrid --workers R*T --threads-per-rank T \\
        --csv FILE <your parscale run arguments>

or, with --launcher srun, Slurm starts the ranks itself through PMIx:

    srun --mpi=pmix --ntasks R --cpus-per-task T --cpu-bind=cores parscale run ...

Open MPI takes the node list and slots from the allocation; every rank gets
T cores of its own, and its T OpenMP threads are bound inside them
(OMP_PROC_BIND=close, OMP_PLACES=cores).  mpirun is never told to
oversubscribe unless --oversubscribe is given (then sbatch --overcommit and
mpirun --oversubscribe --bind-to none: for testing more workers than CPUs).

All jobs append to one CSV: parscale takes an exclusive lock for each
append, so rows from jobs running at once are never lost or mixed, and
each row carries its job's id (slurm_job_id column).

Every value the user gives is quoted (shlex) in the generated script, and
sbatch options are passed to sbatch as arguments, never through a shell;
the #SBATCH lines (kept so a printed script can be submitted by hand) take
only values made of safe characters.  Only the standard library is used.
"""
import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading

from . import binary, safeio
from .common import fail, split_at_dashdash

PROG = "submit"
# What may appear on an #SBATCH line: Slurm names, times, counts.
# Matched against the whole value (fullmatch: no trailing newline slips
# through, as it would past a '$' anchor).
SAFE = re.compile(r"[A-Za-z0-9_.:,@+=/-]+")
# parscale run options that submit sets itself, per point, by the long
# names `parscale run --check-args` reports whatever the spelling.
OWNED = ("--backend", "--workers", "--threads-per-rank", "--csv")


class BadInput(Exception):
    """A value the user gave that cannot make a job."""


def counts(opt, text):
    """A comma-separated list of positive counts; a value listed twice runs
    twice (two jobs at the same point)."""
    out = []
    for item in text.split(","):
        if not re.fullmatch(r"[1-9][0-9]{0,5}", item.strip()):
            raise BadInput("%s: '%s' is not a positive count" % (opt, item))
        out.append(int(item))
    return out


def safe(opt, value):
    """A value for an #SBATCH line: no spaces, quotes, newlines or $."""
    if value is not None and not SAFE.fullmatch(value):
        raise BadInput("%s: '%s' may hold only letters, digits and _.:,@+=/-"
                       % (opt, value))
    return value


def parser():
    p = argparse.ArgumentParser(
        prog="scripts/submit",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Writes one Slurm batch script per point of a scaling study "
                    "(ranks x threads per rank x nodes) and submits it with sbatch. "
                    "Each job runs `mpirun parscale run --backend hybrid` inside its "
                    "allocation and appends its rows to one CSV.",
        epilog="""example:
  scripts/submit --ranks 1,2,4,8 --threads-per-rank 1,4 --nodes 1,2 \\
      --partition compute --time 00:20:00 --csv study.csv --wait \\
      -- --kernel pi,stream --size full --reps 10

  Points with fewer ranks than nodes are left out.  Add --dry-run to see
  the scripts first.  The scripts and job logs go to FILE.jobs/.""")
    p.add_argument("--ranks", default="1", help="MPI ranks per job, e.g. 1,2,4 (default 1)")
    p.add_argument("--threads-per-rank", default="1",
                   help="OpenMP threads in each rank, e.g. 1,2 (default 1)")
    p.add_argument("--nodes", default="1", help="nodes per job, e.g. 1,2 (default 1)")
    p.add_argument("--partition", help="Slurm partition (default: the cluster's)")
    p.add_argument("--account", help="Slurm account to charge")
    p.add_argument("--time", default="00:10:00", help="time limit per job (default 00:10:00)")
    p.add_argument("--job-name", default="parscale", help="job name prefix (default parscale)")
    p.add_argument("--csv", required=True, help="the CSV every job appends to")
    p.add_argument("--jobs-dir", help="where scripts and job logs go (default: CSV.jobs)")
    p.add_argument("--parscale", help="the parscale program (default $PARSCALE, then "
                   "build/parscale, then PATH)")
    p.add_argument("--launcher", default="mpirun", choices=("mpirun", "srun"),
                   help="how a job starts its ranks: mpirun inside the allocation "
                   "(default), or srun --mpi=pmix")
    # no default here: a --mpirun given with --launcher srun is refused
    p.add_argument("--mpirun", help="the mpirun program (default mpirun; not with "
                   "--launcher srun)")
    p.add_argument("--bind-to", help="mpirun --bind-to, srun --cpu-bind (default core; "
                   "none with --oversubscribe)")
    p.add_argument("--map-by", help="mpirun --map-by (default slot:PE=T)")
    p.add_argument("--omp-bind", default="close",
                   help="OMP_PROC_BIND in the job, OMP_PLACES=cores (default close; "
                   "false: threads unbound)")
    p.add_argument("--oversubscribe", action="store_true",
                   help="let ranks x threads exceed the allocated CPUs (sbatch "
                   "--overcommit, mpirun --oversubscribe): for tests, not for timing")
    p.add_argument("--sbatch-arg", action="append", default=[], metavar="ARG",
                   help="one more sbatch argument, e.g. --sbatch-arg=--exclusive "
                   "(repeatable)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the scripts and the sbatch commands; write and submit nothing")
    p.add_argument("--wait", action="store_true",
                   help="return when every job has finished; non-zero if one failed")
    return p


def check_run_args(parscale, point, csv, run_args):
    """The parscale run arguments after --, checked by parscale's own parser
    (`parscale run --check-args`) behind the options submit sets, so that
    every spelling parscale accepts (-bseq, -w4, -o/x.csv, --cs=x.csv) is
    seen as parscale sees it: none of submit's options may be overridden,
    and a job that parscale would refuse is never queued."""
    r, t, _ = point
    own = ["--backend", "hybrid", "--workers", str(r * t), "--threads-per-rank", str(t),
           "--csv", csv]
    try:
        pr = subprocess.run([parscale, "run", "--check-args"] + own + list(run_args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BadInput("cannot run %s run --check-args: %s" % (parscale, e))
    err = pr.stderr.decode("utf-8", "replace").strip()
    try:
        checked = json.loads(pr.stdout.decode("utf-8"))
        given = checked["given"]
    except (ValueError, KeyError, TypeError):
        raise BadInput("%s run --check-args failed (exit %d)%s; is it parscale?"
                       % (parscale, pr.returncode, ": " + err if err else ""))
    for g in given[len(own) // 2:]:
        if g.get("option") in OWNED:
            raise BadInput("'%s' after -- is set by submit for each point (backend "
                           "hybrid, workers = --ranks x --threads-per-rank, csv from "
                           "submit's --csv); leave it out"
                           % (g["option"] + ("=" + g["value"] if g.get("value") else "")))
    if pr.returncode != 0 or "error" in checked:
        raise BadInput("the arguments after -- are refused by parscale: %s"
                       % checked.get("error", err or "exit %d" % pr.returncode))
    return run_args


def points(opts):
    """(ranks, threads, nodes) for every job, in the order given."""
    out = []
    for n in counts("--nodes", opts.nodes):
        for r in counts("--ranks", opts.ranks):
            if r < n:
                continue  # a node without a rank is no point
            for t in counts("--threads-per-rank", opts.threads_per_rank):
                out.append((r, t, n))
    if not out:
        raise BadInput("no point has at least as many ranks as nodes")
    return out


def ranks_x_threads(parscale):
    """The backend that runs ranks of threads, as the binary describes its
    backends (uses MPI and threads)."""
    found = [name for name, p in binary.ask_backends(PROG, parscale).items()
             if p["mpi"] and p["threads"]]
    if not found:
        raise BadInput("%s has no backend of MPI ranks x threads (built without MPI "
                       "or OpenMP?)" % parscale)
    return found[0]


def point_name(r, t, n):
    return "r%d-t%d-n%d" % (r, t, n)


def script_for(opts, point, parscale, backend, csv, run_args):
    """The batch script of one point: #SBATCH lines (safe values only) for
    reading and resubmitting by hand, then quoted shell."""
    r, t, n = point
    q = shlex.quote
    lines = [
        "#!/bin/bash",
        "# parscale scaling point: %d rank%s x %d thread%s per rank on %d node%s"
        % (r, "" if r == 1 else "s", t, "" if t == 1 else "s", n, "" if n == 1 else "s"),
        "# written by scripts/submit; every value below is shell-quoted",
        "#SBATCH --job-name=%s-%s" % (opts.job_name, point_name(r, t, n)),
        "#SBATCH --nodes=%d" % n,
        "#SBATCH --ntasks=%d" % r,
        "#SBATCH --cpus-per-task=%d" % t,
        "#SBATCH --time=%s" % opts.time,
    ]
    if opts.partition:
        lines.append("#SBATCH --partition=%s" % opts.partition)
    if opts.account:
        lines.append("#SBATCH --account=%s" % opts.account)
    if opts.oversubscribe:
        lines.append("#SBATCH --overcommit")
    mpirun = launcher_cmd(opts, r, t)
    run = ["run", "--backend", backend, "--workers", str(r * t),
           "--threads-per-rank", str(t), "--csv", csv] + list(run_args)
    lines += [
        "set -euo pipefail",
        "export OMP_NUM_THREADS=%d" % t,
        "export OMP_PROC_BIND=%s" % q(opts.omp_bind),
    ]
    if opts.omp_bind != "false":
        lines.append("export OMP_PLACES=cores")
    lines += [
        "parscale=%s" % q(parscale),
        "csv=%s" % q(csv),
        'echo "parscale: job ${SLURM_JOB_ID:-?} on ${SLURM_JOB_NODELIST:-?}: '
        '%d x %d on %d node(s)"' % (r, t, n),
        " ".join(q(a) for a in mpirun) + ' "$parscale" '
        + " ".join('"$csv"' if a is csv else q(a) for a in run),
        "",
    ]
    return "\n".join(lines)


def launcher_cmd(opts, r, t):
    """The command that starts r ranks of t threads inside the allocation."""
    bind_to = opts.bind_to or ("none" if opts.oversubscribe else "core")
    if opts.launcher == "srun":
        # srun's names for mpirun's: core -> cores, none -> none
        cmd = ["srun", "--mpi=pmix", "--ntasks", str(r), "--cpus-per-task", str(t),
               "--cpu-bind=%s" % ("cores" if bind_to == "core" else bind_to)]
        if opts.oversubscribe:
            cmd.append("--overcommit")
        return cmd
    map_by = opts.map_by or (None if opts.oversubscribe else "slot:PE=%d" % t)
    cmd = shlex.split(opts.mpirun or "mpirun") + ["-np", str(r)]
    if map_by:
        cmd += ["--map-by", map_by]
    cmd += ["--bind-to", bind_to]
    if opts.oversubscribe:
        cmd.append("--oversubscribe")
    return cmd


def sbatch_cmd(opts, script_path, log_path, wait):
    """sbatch's arguments: the resources are in the script's #SBATCH lines;
    the log path (any characters) goes here, as an argument."""
    cmd = ["sbatch", "--parsable", "--output", log_path]
    if wait:
        cmd.append("--wait")
    return cmd + list(opts.sbatch_arg) + [script_path]


def submit_all(jobs, wait):
    """Submits every job; with wait, all at once and returns when each has
    ended.  Returns [(name, job id or None, exit status, message)]."""
    results = [None] * len(jobs)

    def one(i, name, cmd):
        try:
            pr = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  universal_newlines=True)
        except OSError as e:
            results[i] = (name, None, 127, "cannot run sbatch: %s" % e)
            return
        # --parsable prints "id[;cluster]" as soon as the job is queued
        first = pr.stdout.readline().strip()
        job = first.split(";")[0] if first else None
        if job:
            print("%s: %s submitted as job %s" % (PROG, name, job), flush=True)
        out, err = pr.communicate()
        results[i] = (name, job, pr.returncode, (err or out).strip())

    threads = []
    for i, (name, cmd) in enumerate(jobs):
        th = threading.Thread(target=one, args=(i, name, cmd))
        th.start()
        if not wait:
            th.join()  # one at a time: submission order is the order given
        threads.append(th)
    for th in threads:
        th.join()
    return results


def _bytes(text):
    """text as the bytes it came from: a file name that is not UTF-8 (read
    by Python as surrogate escapes) goes into the script as it was given."""
    return text.encode("utf-8", "surrogateescape")


def main(argv=None):
    argv, run_args = split_at_dashdash(argv)
    opts = parser().parse_args(argv)
    try:
        pts = points(opts)
        if opts.launcher == "srun" and opts.map_by:
            raise BadInput("--map-by is mpirun's; with --launcher srun give Slurm's "
                           "--sbatch-arg=--distribution=... instead")
        if opts.launcher == "srun" and opts.mpirun is not None:
            raise BadInput("--mpirun and --launcher srun conflict (srun starts the ranks, "
                           "so --mpirun would be ignored); give one or the other")
        if opts.launcher == "srun" and opts.bind_to not in (None, "core", "none"):
            raise BadInput("--bind-to: with --launcher srun only core or none")
        for opt in ("partition", "account", "time", "job_name", "bind_to", "map_by",
                    "omp_bind"):
            safe("--" + opt.replace("_", "-"), getattr(opts, opt))
        parscale = binary.find_parscale(PROG, opts.parscale)
        backend = ranks_x_threads(parscale)
        csv = os.path.abspath(opts.csv)
        if not os.path.isdir(os.path.dirname(csv)):
            raise BadInput("--csv: the folder of '%s' does not exist" % csv)
        check_run_args(parscale, pts[0], csv, run_args)
        try:  # before any file is made: a launcher line shlex cannot split
            launcher_cmd(opts, 1, 1)
        except ValueError as e:
            raise BadInput("--mpirun %s: not a command line (%s)" % (opts.mpirun, e)) from None
        jobs_dir = os.path.abspath(opts.jobs_dir or csv + ".jobs")
        if not opts.dry_run and not shutil.which("sbatch"):
            raise BadInput("sbatch not found: run on a Slurm login node, or use --dry-run")
    except BadInput as e:
        fail(PROG, str(e))

    jobs = []
    for i, pt in enumerate(pts):
        # numbered, so a point listed twice gets files of its own
        name = "%02d-%s" % (i + 1, point_name(*pt))
        script = script_for(opts, pt, parscale, backend, csv, run_args)
        path = os.path.join(jobs_dir, name + ".sbatch")
        # Slurm expands %j, %u, %x... in --output: the folder's own % are doubled
        log = safeio.slurm_filename(os.path.join(jobs_dir, name)) + "-%j.out"
        cmd = sbatch_cmd(opts, path, log, opts.wait)
        if opts.dry_run:
            sys.stdout.flush()
            sys.stdout.buffer.write(_bytes("# ---- %s: %s\n%s\n" % (
                name, " ".join(shlex.quote(a) for a in cmd), script)))
            continue
        try:
            os.makedirs(jobs_dir, exist_ok=True)
            safeio.write_atomic(path, _bytes(script), OSError)
        except OSError as e:
            fail(PROG, "%s: %s" % (jobs_dir, e.strerror or e), 1)
        jobs.append((name, cmd))
    if opts.dry_run:
        return 0

    results = submit_all(jobs, opts.wait)
    bad = 0
    for name, job, rc, msg in results:
        if job is None:
            bad += 1
            print("%s: %s was not submitted: %s" % (PROG, name, msg or "sbatch exit %d" % rc),
                  file=sys.stderr)
        elif opts.wait and rc != 0:
            bad += 1
            print("%s: job %s (%s) failed (sbatch --wait exit %d); log: %s"
                  % (PROG, job, name, rc, os.path.join(jobs_dir, name + "-%s.out" % job)),
                  file=sys.stderr)
    if opts.wait and not bad:
        print("%s: all %d jobs finished; rows in %s" % (PROG, len(results), csv))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
