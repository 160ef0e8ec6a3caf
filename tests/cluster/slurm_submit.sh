#!/usr/bin/env bash
# A real Slurm on this host (tests/cluster/slurm_env.sh: its own munged,
# slurmctld and slurmd, config, ports, state and logs in a temp dir) runs
# the jobs scripts/submit writes: 1 rank, 1 rank again (two single-CPU
# jobs that may run at once), 2 ranks under mpirun, and 1 rank of 2
# threads, all appending to one CSV whose path holds spaces, quotes, $()
# and backticks.  Checks every row arrived whole, carries its job's id and
# verified, and that nothing in the path was executed.  Then a point bigger
# than the node is refused before submission (exit 2), and a job cancelled
# while --wait follows it makes --wait fail within 30 s naming it, the
# other job's rows whole.  Skipped (77) only
# where Slurm or munge is not installed.
#   slurm_submit.sh PARSCALE SOURCE_DIR
set -u
PARSCALE=${1:?usage: $0 PARSCALE SOURCE_DIR}
SRC=${2:?usage: $0 PARSCALE SOURCE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/slurm_env.sh"
slurm_env_check

WORK=$(mktemp -d /tmp/parscale-slurm-XXXXXX)
chmod 0755 "$WORK"  # munged runs as user munge and must reach its files
cleanup() {
  slurm_env_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
FAILS=0
fail() { FAILS=$((FAILS + 1)); printf 'FAIL: %s\n' "$*"; }
if [ "$(id -u)" = 0 ]; then  # sbatch passes the environment on to the jobs
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
PY=$(command -v python3 || echo /usr/bin/python3)

mkdir "$WORK/slurm"
slurm_env_start_or_exit "$WORK/slurm"
echo "slurm up: SLURM_CONF=$SLURM_CONF, daemons ${SLURM_ENV_PIDS[*]}"

dir="$WORK/out dir 'single' \"double\" \$(touch $WORK/pwned1) \`touch $WORK/pwned2\` ;x"
mkdir -p "$dir"
csv="$dir/study \$HOME.csv"
common=(--csv "$csv" --parscale "$PARSCALE" --partition debug --time 00:05:00 --wait)
run=(-- -k pi,null -s test -r 5 --warmup 1 --retry-disturbed 0 -q)
start=$(date +%s)
"$SRC/scripts/submit" --ranks 1,1,2 --threads-per-rank 1 "${common[@]}" "${run[@]}" \
  >"$WORK/submit-a.log" 2>&1 &
pa=$!
"$SRC/scripts/submit" --ranks 1 --threads-per-rank 2 "${common[@]}" "${run[@]}" \
  >"$WORK/submit-b.log" 2>&1 &
pb=$!
wait "$pa"; ra=$?
wait "$pb"; rb=$?
echo "jobs done in $(($(date +%s) - start)) s"
cat "$WORK/submit-a.log" "$WORK/submit-b.log"
[ "$ra" -eq 0 ] || fail "submit (1,1,2 ranks) exited $ra"
[ "$rb" -eq 0 ] || fail "submit (1 rank x 2 threads) exited $rb"
ids=$(cat "$WORK/submit-a.log" "$WORK/submit-b.log" | sed -n 's/.* submitted as job \([0-9]*\)$/\1/p' | sort -n)
[ "$(echo "$ids" | grep -c .)" -eq 4 ] || fail "expected 4 job ids, got: $ids"

# one row per repetition: 2 kernels x (hybrid + the seq baseline) x 5 reps
"$PY" - "$csv" "$PARSCALE" $ids <<'PYEOF' || FAILS=$((FAILS + 1))
import csv, subprocess, sys
path, parscale, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
bad = []
with open(path, newline="") as fh:
    rows = list(csv.reader(fh))
header, body = rows[0], rows[1:]
width = len(header)
torn = [i + 2 for i, r in enumerate(body) if len(r) != width]
if torn:
    bad.append("rows with the wrong number of fields (torn or mixed): lines %s" % torn[:10])
recs = [dict(zip(header, r)) for r in body if len(r) == width]
by_job = {}
for r in recs:
    by_job.setdefault(r["slurm_job_id"], []).append(r)
if sorted(by_job) != sorted(ids):
    bad.append("job ids in the CSV %s, submitted %s" % (sorted(by_job), sorted(ids)))
shapes = []
for job, rs in sorted(by_job.items()):
    if len(rs) != 20:  # 2 kernels x 5 reps, each hybrid one paired with seq
        bad.append("job %s wrote %d rows, expected 20" % (job, len(rs)))
    hy = [r for r in rs if r["backend"] == "hybrid"]
    shapes.append("%sx%s" % (hy[0]["ranks"], hy[0]["threads"]) if hy else "none")
    for r in rs:
        if r["verified"] != "true":
            bad.append("job %s: %s %s did not verify: %s" % (job, r["kernel"], r["backend"], r["error"]))
        if r["backend"] == "hybrid":
            w, t, k = int(r["workers"]), int(r["threads"]), int(r["ranks"])
            if w != t * k:
                bad.append("job %s: workers %d != ranks %d x threads %d" % (job, w, k, t))
            if not r["cpus"] or r["cpus"].count(";") != k - 1 or r["cpus"].count(",") != k * (t - 1):
                bad.append("job %s: cpus '%s' does not fit %d x %d" % (job, r["cpus"], k, t))
if sorted(shapes) != ["1x1", "1x1", "1x2", "2x1"]:
    bad.append("points run: %s, expected 1x1, 1x1, 2x1, 1x2" % sorted(shapes))
for b in bad[:20]:
    print("FAIL:", b)
print("csv: %d rows from jobs %s (points %s)" % (len(recs), " ".join(sorted(by_job)), " ".join(shapes)))
sys.exit(1 if bad else 0)
PYEOF
ls "$csv.meta.jsonl" >/dev/null 2>&1 || fail "no metadata beside the CSV"
for p in pwned1 pwned2; do
  [ ! -e "$WORK/$p" ] || fail "a command in the CSV path was executed ($p exists)"
done
# sbatch --wait returns once a job has finished, which may be before slurmd
# has cleaned up after it (state CG, still listed): allow the clean-up time
# on a loaded machine before calling a job left over
wait_for '[ "$(squeue -h -o %i 2>/dev/null | grep -c .)" -eq 0 ]' 60
left=$(squeue -h -o '%i %T' 2>/dev/null)
[ -z "$left" ] || fail "jobs still in the queue a minute after they finished: $left"
nlogs=$(ls "$csv.jobs"/*.out 2>/dev/null | wc -l)
[ "$nlogs" -eq 4 ] || fail "expected 4 job logs in $csv.jobs, found $nlogs"

# a failing job makes --wait fail: parscale refuses a CSV of another
# schema (exit 2), so the job fails
echo "not,a,parscale,csv" >"$WORK/fail.csv"
"$SRC/scripts/submit" --ranks 1 --csv "$WORK/fail.csv" --parscale "$PARSCALE" \
  --partition debug --time 00:02:00 --wait -- -k null -s test -r 1 >"$WORK/submit-c.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] || { fail "submit --wait returned 0 for a job that failed"; cat "$WORK/submit-c.log"; }
grep -q "^submit: job [0-9]* (01-r1-t1-n1) FAILED; log: $WORK/fail.csv.jobs/01-r1-t1-n1-[0-9]*.out$" \
  "$WORK/submit-c.log" || { fail "submit did not name the failed job, its state and log"; cat "$WORK/submit-c.log"; }

# a point bigger than the node is refused before anything is submitted,
# exit 2, naming the point
ncpu=$(sinfo -h -o %c | head -n 1 | tr -dc 0-9)
big=$((ncpu + 1))
njobs=$(squeue -h --states=all -o %i | grep -c .)
"$SRC/scripts/submit" --ranks 1 --threads-per-rank "1,$big" --csv "$WORK/big.csv" \
  --parscale "$PARSCALE" --partition debug --wait -- -k null -s test -r 1 >"$WORK/submit-d.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "a point of $big CPUs on a $ncpu-CPU node: exit $rc, not 2"
grep -q "point r1-t$big-n1 .* needs $big CPUs on a node; partition debug's nodes have at most $ncpu" \
  "$WORK/submit-d.log" || { fail "the refusal does not name the point"; cat "$WORK/submit-d.log"; }
[ "$(squeue -h --states=all -o %i | grep -c .)" -eq "$njobs" ] && [ ! -e "$WORK/big.csv.jobs" ] ||
  fail "the refused study submitted something"

# a job cancelled while --wait follows it: --wait exits non-zero soon after,
# naming the job and its state; the other job's rows are all there, whole
csv2="$WORK/cancel.csv"
"$SRC/scripts/submit" --ranks 1,1 --csv "$csv2" --parscale "$PARSCALE" --partition debug \
  --time 00:05:00 --wait --poll 1 -- -k io -s test --param io.wait_us=50000 -r 12 --warmup 0 -q \
  >"$WORK/submit-e.log" 2>&1 &
pe=$!
wait_for "[ \"\$(grep -c 'submitted as job' '$WORK/submit-e.log')\" -eq 2 ]" 60 ||
  fail "the two jobs were not submitted"
victim=$(sed -n 's/.*01-r1-t1-n1 submitted as job \([0-9]*\)$/\1/p' "$WORK/submit-e.log")
other=$(sed -n 's/.*02-r1-t1-n1 submitted as job \([0-9]*\)$/\1/p' "$WORK/submit-e.log")
wait_for "squeue -h -j $victim -o %T | grep -q RUNNING" 90 || fail "job $victim never ran"
sleep 2
scancel "$victim"
t0=$(date +%s)
wait "$pe"; re=$?
took=$(($(date +%s) - t0))
cat "$WORK/submit-e.log"
[ "$re" -ne 0 ] || fail "submit --wait exited 0 although job $victim was cancelled"
[ "$took" -le 30 ] || fail "submit --wait took $took s after the cancel"
grep -q "job $victim (01-r1-t1-n1) CANCELLED; log: $csv2.jobs/01-r1-t1-n1-$victim.out" \
  "$WORK/submit-e.log" || fail "submit did not name the cancelled job, its state and log"
"$PY" - "$csv2" "$other" <<'PYEOF' || fail "the other job's rows"
import csv, sys
path, other = sys.argv[1], sys.argv[2]
text = open(path).read()
rows = list(csv.reader(text.splitlines()))
assert text.endswith("\n") and all(len(r) == len(rows[0]) for r in rows), "a row is not whole"
mine = [dict(zip(rows[0], r)) for r in rows[1:]]
done = [r for r in mine if r["slurm_job_id"] == other]
assert len(done) == 24 and all(r["verified"] == "true" for r in done), len(done)
PYEOF

if [ "$FAILS" -ne 0 ]; then
  slurm_env_logs
  for f in "$csv.jobs"/*.out; do echo "---- $f"; cat "$f"; done
  echo "$FAILS check(s) failed"
  exit 1
fi
echo "all checks passed"
