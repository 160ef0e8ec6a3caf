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

Before anything is submitted each point is checked against the partition
as `sinfo` describes it (CPUs per node, nodes, time limit): a point that
cannot run there is refused (status 2) with the reason, instead of pending
for ever.  --wait follows every job through squeue (and sacct, where the
cluster keeps accounting) to its end, stops waiting on one that pends for a
reason that will not clear (PartitionConfig, ReqNodeNotAvail, ...), and
fails (status 1) naming each job that was cancelled, failed, timed out or
wrote no row, with its state and its log.

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

from .. import binary, safeio, version
from ..common import fail, split_at_dashdash

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
                   help="follow every job to its end; non-zero, naming the job, its state "
                   "and its log, if one failed, was cancelled, timed out, wrote no row "
                   "or pends for a reason that will not clear")
    p.add_argument("--poll", type=float, default=2.0, help=argparse.SUPPRESS)
    version.add_option(p)
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


def folder_of(csv):
    """The CSV's folder may be missing (a real submission makes it, and
    --dry-run makes nothing); a part of the path that is a file may not."""
    d = os.path.dirname(csv)
    while d and not os.path.exists(d):
        d = os.path.dirname(d)
    if d and not os.path.isdir(d):
        raise BadInput("--csv: '%s' is in '%s', which is not a folder" % (csv, d))


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


def sbatch_cmd(opts, script_path, log_path):
    """sbatch's arguments: the resources are in the script's #SBATCH lines;
    the log path (any characters) goes here, as an argument."""
    cmd = ["sbatch", "--parsable", "--output", log_path]
    return cmd + list(opts.sbatch_arg) + [script_path]


def submit_all(jobs):
    """Submits every job, one at a time in the order given.  Returns
    [(name, job id or None, exit status, message)]."""
    results = []
    for name, cmd in jobs:
        try:
            pr = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                universal_newlines=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            results.append((name, None, 127, "cannot run sbatch: %s" % e))
            continue
        # --parsable prints "id[;cluster]"
        first = pr.stdout.strip().split("\n")[0] if pr.stdout.strip() else ""
        job = first.split(";")[0] if first and pr.returncode == 0 else None
        if job:
            print("%s: %s submitted as job %s" % (PROG, name, job), flush=True)
        results.append((name, job, pr.returncode, (pr.stderr or pr.stdout).strip()))
    return results


def _bytes(text):
    """text as the bytes it came from: a file name that is not UTF-8 (read
    by Python as surrogate escapes) goes into the script as it was given."""
    return text.encode("utf-8", "surrogateescape")
# ---- the partition, before submitting -----------------------------------------

def slurm_minutes(text):
    """A Slurm time ("30", "30:00", "1:00:00", "2-00:00:00", "infinite")
    in minutes; None for no limit, ValueError for anything else."""
    t = text.strip()
    if t.lower() in ("infinite", "unlimited", "none"):
        return None
    days = 0
    if "-" in t:
        d, t = t.split("-", 1)
        days = int(d)
    parts = [int(x) for x in t.split(":")]
    if not parts or len(parts) > 3 or any(x < 0 for x in parts):
        raise ValueError(text)
    if len(parts) == 1:          # minutes, or hours after a day count
        h, m, sec = (parts[0], 0, 0) if days else (0, parts[0], 0)
    elif len(parts) == 2:        # minutes:seconds, or hours:minutes after a day count
        h, m, sec = (parts[0], parts[1], 0) if days else (0, parts[0], parts[1])
    else:
        h, m, sec = parts
    return days * 1440 + h * 60 + m + sec / 60.0


def partition_limits(partition, run=subprocess.run):
    """What the partition offers, from sinfo: {"name", "cpus" (the most any
    node has), "nodes", "time" (minutes, None: no limit)}; None with a note
    on stderr when sinfo cannot say (no sinfo: no Slurm here at all)."""
    if not shutil.which("sinfo"):
        return None
    try:
        pr = run(["sinfo", "-h", "-N", "-o", "%P|%N|%c|%l"], stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        pr = None
        why = str(e)
    if pr is None or pr.returncode != 0:
        why = why if pr is None else (pr.stderr.strip().splitlines() or ["exit %d" % pr.returncode])[-1]
        print("%s: note: cannot check the points against the partition (sinfo: %s)"
              % (PROG, why), file=sys.stderr)
        return None
    nodes, cpus, limit, name = set(), 0, None, None
    for line in pr.stdout.splitlines():
        f = line.strip().split("|")
        if len(f) != 4:
            continue
        part, node, c, lim = f
        default = part.endswith("*")
        part = part.rstrip("*")
        if (partition and part != partition) or (not partition and not default):
            continue
        name = part
        nodes.add(node)
        cpus = max(cpus, int(re.sub(r"[^0-9].*", "", c) or 0))
        limit = lim
    if name is None:
        raise BadInput("--partition: sinfo lists no partition '%s'" % partition
                       if partition else "sinfo names no default partition: give --partition")
    try:
        minutes = slurm_minutes(limit)
    except ValueError:
        minutes = None
    return {"name": name, "cpus": cpus, "nodes": len(nodes), "time": minutes,
            "time_text": limit}


def check_points(pts, limits, opts):
    """Each point against the partition: a point it cannot run is refused
    now, with the reason, not left pending for ever (PartitionConfig)."""
    if limits is None:
        return
    want = slurm_minutes(opts.time)
    if want is not None and limits["time"] is not None and want > limits["time"]:
        raise BadInput("--time %s is beyond partition %s's limit of %s"
                       % (opts.time, limits["name"], limits["time_text"]))
    for r, t, n in pts:
        name = point_name(r, t, n)
        if n > limits["nodes"]:
            raise BadInput("point %s needs %d nodes; partition %s has %d"
                           % (name, n, limits["name"], limits["nodes"]))
        per_node = -(-r // n) * t
        if not opts.oversubscribe and per_node > limits["cpus"]:
            raise BadInput("point %s (%d rank%s x %d thread%s on %d node%s) needs %d CPUs "
                           "on a node; partition %s's nodes have at most %d (fewer ranks or "
                           "threads, more --nodes, or --oversubscribe for a test)"
                           % (name, r, "" if r == 1 else "s", t, "" if t == 1 else "s", n,
                              "" if n == 1 else "s", per_node, limits["name"], limits["cpus"]))


# ---- following the jobs (--wait) ------------------------------------------------

ENDED = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
         "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"}
# Reasons a pending job keeps until someone changes the cluster or the job
NEVER_CLEARS = ("PartitionConfig", "PartitionNodeLimit", "PartitionTimeLimit",
                "ReqNodeNotAvail", "BadConstraints", "InvalidAccount", "InvalidQOS",
                "AccountNotAllowed", "QOSNotAllowed", "PartitionDown", "PartitionInactive",
                "DependencyNeverSatisfied", "JobHeldAdmin", "NodeDown")


def job_state(job, run=subprocess.run):
    """(state, reason) of one job: squeue first (it lists ended jobs for a
    while), then sacct; (None, "") when neither knows it."""
    q = [("squeue", ["squeue", "-h", "--states=all", "-j", job, "-o", "%T|%r"]),
         ("sacct", ["sacct", "-n", "-P", "-X", "-j", job, "-o", "State"])]
    for prog, cmd in q:
        if not shutil.which(prog):
            continue
        try:
            pr = run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     universal_newlines=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        line = pr.stdout.strip().split("\n")[0].strip() if pr.returncode == 0 else ""
        if line:
            state, _, reason = line.partition("|")
            return state.split()[0].rstrip("+"), reason.strip()
    return None, ""


def hopeless(reason):
    return any(reason.startswith(r) for r in NEVER_CLEARS)


def rows_per_job(csv):
    """Rows of the CSV by slurm_job_id (none when there is no CSV yet)."""
    import csv as csvmod
    out = {}
    try:
        with open(csv, newline="") as fh:
            for row in csvmod.DictReader(fh):
                out[row.get("slurm_job_id") or ""] = out.get(row.get("slurm_job_id") or "", 0) + 1
    except (OSError, UnicodeDecodeError, csvmod.Error):
        pass
    return out


def follow(jobs, csv, poll, state_of=job_state, clock=None, sleep=None):
    """Follows [(name, job, log)] until each has ended or pends for good.
    Returns [(name, job, log, verdict or None when it ran well)]."""
    import time
    clock, sleep = clock or time.monotonic, sleep or time.sleep
    left = {job: (name, log) for name, job, log in jobs}
    verdicts, seen_hopeless, last, gone = {}, {}, {}, {}
    while left:
        for job in list(left):
            state, reason = state_of(job)
            if state != last.get(job):
                last[job] = state
                if state:
                    print("%s: job %s (%s) %s%s" % (PROG, job, left[job][0], state,
                                                   " (%s)" % reason if reason and
                                                   reason != "None" else ""), flush=True)
            # a job neither squeue nor sacct knows has left the queue (no
            # accounting here), unless squeue only failed once: three polls
            gone[job] = gone.get(job, 0) + 1 if state is None else 0
            if state in ENDED or gone[job] >= 3:
                verdicts[job] = state or "ENDED"
                del left[job]
            elif state == "PENDING" and hopeless(reason):
                seen_hopeless[job] = seen_hopeless.get(job, 0) + 1
                if seen_hopeless[job] >= 2:   # not a passing state of the controller
                    verdicts[job] = "PENDING (%s)" % reason
                    del left[job]
            else:
                seen_hopeless.pop(job, None)
        if left:
            sleep(poll)
    rows = rows_per_job(csv)
    out = []
    for name, job, log in jobs:
        v = verdicts[job]
        if v.startswith("PENDING"):
            why = ("still %s, a reason that will not clear by itself: submit stopped "
                   "waiting (scancel %s to remove it)" % (v, job))
        elif v not in ("COMPLETED", "ENDED"):
            why = v
        elif rows.get(job, 0) == 0:
            why = "%s but wrote no row to %s" % (v, csv)
        else:
            why = None
        out.append((name, job, log, why))
    return out


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
        folder_of(csv)
        check_run_args(parscale, pts[0], csv, run_args)
        try:  # before any file is made: a launcher line shlex cannot split
            launcher_cmd(opts, 1, 1)
        except ValueError as e:
            raise BadInput("--mpirun %s: not a command line (%s)" % (opts.mpirun, e)) from None
        jobs_dir = os.path.abspath(opts.jobs_dir or csv + ".jobs")
        if not opts.dry_run and not shutil.which("sbatch"):
            raise BadInput("sbatch not found: run on a Slurm login node, or use --dry-run")
        try:
            slurm_minutes(opts.time)
        except ValueError:
            raise BadInput("--time: '%s' is not a Slurm time (MM, MM:SS, HH:MM:SS, "
                           "D-HH:MM:SS)" % opts.time)
        check_points(pts, partition_limits(opts.partition), opts)
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
        cmd = sbatch_cmd(opts, path, log)
        if opts.dry_run:
            sys.stdout.flush()
            sys.stdout.buffer.write(_bytes("# ---- %s: %s\n%s\n" % (
                name, " ".join(shlex.quote(a) for a in cmd), script)))
            continue
        try:
            os.makedirs(jobs_dir, exist_ok=True)
            os.makedirs(os.path.dirname(csv), exist_ok=True)
            safeio.write_atomic(path, _bytes(script), OSError)
        except OSError as e:
            fail(PROG, "%s: %s" % (jobs_dir, e.strerror or e), 1)
        jobs.append((name, cmd))
    if opts.dry_run:
        return 0
    return report(submit_all(jobs), opts, jobs_dir, csv)


def report(results, opts, jobs_dir, csv):
    """What became of the jobs: those sbatch refused; with --wait, each
    job's end.  Returns the exit status."""
    bad = 0
    queued = []
    for name, job, rc, msg in results:
        if job is None:
            bad += 1
            print("%s: %s was not submitted: sbatch failed (exit %d)%s" % (
                PROG, name, rc, ": " + msg if msg else ""), file=sys.stderr)
        else:
            queued.append((name, job, os.path.join(jobs_dir, name + "-%s.out" % job)))
    if not opts.wait:
        return 1 if bad else 0
    if queued and not shutil.which("squeue") and not shutil.which("sacct"):
        print("%s: --wait: neither squeue nor sacct found, cannot follow jobs %s"
              % (PROG, ", ".join(j for _, j, _ in queued)), file=sys.stderr)
        return 1
    for name, job, log, why in follow(queued, csv, opts.poll):
        if why:
            bad += 1
            print("%s: job %s (%s) %s; log: %s" % (PROG, job, name, why, log), file=sys.stderr)
    if not bad:
        print("%s: all %d jobs finished; rows in %s" % (PROG, len(results), csv))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
