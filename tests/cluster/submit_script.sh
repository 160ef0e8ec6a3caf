#!/usr/bin/env bash
# scripts/submit without a Slurm: a stand-in sbatch records what it was
# given, a stand-in mpirun what the job would run.  Checks --dry-run writes
# and submits nothing, bad input is refused (status 2), every user value
# reaches the job intact however it is spelt (spaces, quotes, $(), `` ` ``,
# ;, newlines) and executes nothing, and --wait reports a failed job.
#   submit_script.sh PARSCALE SOURCE_DIR
. "$(dirname "$0")/../cli/lib.sh"
SRC=${2:?usage: $0 PARSCALE SOURCE_DIR}
SUBMIT="$SRC/scripts/submit"
chmod 0755 "$WORK"
mkdir "$WORK/bin"
cat >"$WORK/bin/sbatch" <<'SH'
#!/usr/bin/env bash
# stand-in sbatch: logs its arguments, keeps the script, prints a job id
n=$(($(cat "$FAKE_DIR/count" 2>/dev/null || echo 0) + 1))
echo "$n" >"$FAKE_DIR/count"
printf '%s\n' "$@" >"$FAKE_DIR/args.$n"
cp "${@: -1}" "$FAKE_DIR/script.$n"
echo "$((1000 + n))"
[ -z "${FAKE_FAIL:-}" ] || exit 1
SH
cat >"$WORK/bin/mpirun" <<'SH'
#!/usr/bin/env bash
printf '%s\n' "$@" >"$FAKE_DIR/mpirun.args"
SH
chmod +x "$WORK/bin/sbatch" "$WORK/bin/mpirun"
export PATH="$WORK/bin:$PATH" FAKE_DIR="$WORK"

nasty="$WORK/a b 'q' \"dq\" \$(touch $WORK/pwned1) \`touch $WORK/pwned2\` ;touch $WORK/pwned3
newline"
mkdir -p "$nasty"
csv="$nasty/r\$HOME.csv"

# --dry-run: the scripts on stdout, nothing written, sbatch never called
"$SUBMIT" --dry-run --ranks 1,2 --threads-per-rank 1,2 --csv "$csv" --parscale "$PARSCALE" \
  -- -k pi >"$WORK/dry" 2>&1 && pass || { fail "--dry-run failed"; cat "$WORK/dry"; }
[ "$(grep -c '^#!/bin/bash' "$WORK/dry")" -eq 4 ] && pass || fail "--dry-run did not print 4 scripts"
[ ! -e "$WORK/count" ] && [ ! -e "$csv.jobs" ] && pass || fail "--dry-run wrote or submitted"
grep -q 'mpirun -np 2 --map-by slot:PE=2 --bind-to core' "$WORK/dry" && pass || fail "no mpirun line for 2 x 2"
# --nodes 1,2: one job per node count; --launcher srun: srun with PMIx
"$SUBMIT" --dry-run --ranks 2 --nodes 1,2 --launcher srun --csv "$csv" --parscale "$PARSCALE" \
  -- -k pi >"$WORK/dry2" 2>&1 && pass || { fail "--launcher srun --dry-run failed"; cat "$WORK/dry2"; }
[ "$(grep -c '^#SBATCH --nodes=1$' "$WORK/dry2")" -eq 1 ] &&
  [ "$(grep -c '^#SBATCH --nodes=2$' "$WORK/dry2")" -eq 1 ] && pass ||
  fail "--nodes 1,2 did not make one job on 1 node and one on 2"
[ "$(grep -c '^srun --mpi=pmix --ntasks 2 --cpus-per-task 1 --cpu-bind=cores "$parscale" run' \
      "$WORK/dry2")" -eq 2 ] && ! grep -q mpirun "$WORK/dry2" && pass ||
  { fail "--launcher srun: no srun --mpi=pmix line in each job"; cat "$WORK/dry2"; }

# bad input: status 2, nothing submitted
bad() {
  "$SUBMIT" "$@" >"$WORK/out" 2>&1
  local rc=$?
  [ "$rc" -eq 2 ] && pass || { fail "submit $* exited $rc, expected 2"; cat "$WORK/out"; }
  [ ! -e "$WORK/count" ] && pass || { fail "submit $* called sbatch"; rm -f "$WORK/count"; }
}
bad --csv "$WORK/x.csv" --parscale "$PARSCALE" -- -w 2
bad --csv "$WORK/x.csv" --parscale "$PARSCALE" -- --backend=mpi
bad --csv "$WORK/x.csv" --parscale "$PARSCALE" --partition 'a b'
bad --csv "$WORK/x.csv" --parscale "$PARSCALE" --time '1:00
touch /tmp/x'
bad --csv "$WORK/x.csv" --parscale "$PARSCALE" --ranks 0
bad --csv "$WORK/x.csv" --parscale "$PARSCALE" --launcher srun --map-by node
bad --csv "$WORK/x.csv" --parscale "$PARSCALE" --launcher ssh
# --mpirun with --launcher srun would be ignored: refused in one line naming both
for m in "$WORK/bin/mpirun" mpirun; do
  bad --csv "$WORK/x.csv" --parscale "$PARSCALE" --launcher srun --mpirun "$m" -- -k pi
  [ "$(wc -l <"$WORK/out")" -eq 1 ] && grep -q '^submit: --mpirun and --launcher srun' "$WORK/out" &&
    pass || { fail "--launcher srun --mpirun $m: not one line naming the conflict"; cat "$WORK/out"; }
done
bad --csv "$WORK/no/such/dir/x.csv" --parscale "$PARSCALE"
bad --csv "$WORK/x.csv" --parscale "$WORK/no-such-parscale"

# a nasty run argument is refused by parscale's own parser before any job
bad --ranks 2 --csv "$csv" --parscale "$PARSCALE" --mpirun "$WORK/bin/mpirun" \
  -- -k pi --schedule "dynamic'\$(touch $WORK/pwned4)"
# the nasty path reaches the job intact
"$SUBMIT" --ranks 2 --csv "$csv" --parscale "$PARSCALE" --mpirun "$WORK/bin/mpirun" \
  -- -k pi --schedule dynamic >"$WORK/out" 2>&1 &&
  pass || { fail "submit failed"; cat "$WORK/out"; }
bash -n "$WORK/script.1" && pass || fail "the generated script is not valid bash"
(cd "$WORK" && bash "$WORK/script.1" >/dev/null 2>&1) && pass || fail "the generated script failed"
expected="-np
2
--map-by
slot:PE=1
--bind-to
core
$PARSCALE
run
--backend
hybrid
--workers
2
--threads-per-rank
1
--csv
$csv
-k
pi
--schedule
dynamic"
[ "$(cat "$WORK/mpirun.args" 2>/dev/null)" = "$expected" ] && pass ||
  { fail "the job's arguments differ:"; diff <(echo "$expected") "$WORK/mpirun.args"; }
for p in pwned1 pwned2 pwned3 pwned4; do
  [ ! -e "$WORK/$p" ] && pass || fail "a value was executed ($p exists)"
done
grep -qx -- "--output" "$WORK/args.1" && grep -qx -- "$csv.jobs/01-r2-t1-n1-%j.out" "$WORK/args.1" &&
  pass || fail "sbatch did not get the log path as one argument"

# --wait: a job that fails makes submit fail
FAKE_FAIL=1 "$SUBMIT" --wait --csv "$WORK/x.csv" --parscale "$PARSCALE" -- -k pi >"$WORK/out" 2>&1
[ $? -ne 0 ] && grep -q "failed" "$WORK/out" && pass || { fail "--wait did not report the failed job"; cat "$WORK/out"; }

# the partition as a stand-in sinfo describes it (one node of 2 CPUs, 30
# minutes): a point bigger than the node, more nodes than it has, a longer
# --time are refused before sbatch, naming the point and the reason
mkdir "$WORK/slurm-bin"
cat >"$WORK/slurm-bin/sinfo" <<'SH'
#!/usr/bin/env bash
echo "debug*|node1|2|30:00"
SH
cat >"$WORK/slurm-bin/squeue" <<'SH'
#!/usr/bin/env bash
# stand-in squeue: the state each job is in, from $FAKE_STATE
echo "$FAKE_STATE"
SH
chmod +x "$WORK/slurm-bin/sinfo" "$WORK/slurm-bin/squeue"
refused() {  # refused PATTERN SUBMIT-ARGS...: status 2, one line, sbatch not called
  local pat=$1; shift
  rm -f "$WORK/count"
  PATH="$WORK/slurm-bin:$PATH" "$SUBMIT" --csv "$WORK/y.csv" --parscale "$PARSCALE" "$@" \
    -- -k pi >"$WORK/out" 2>&1
  local rc=$?
  [ "$rc" -eq 2 ] && [ ! -e "$WORK/count" ] && [ "$(wc -l <"$WORK/out")" -eq 1 ] &&
    grep -q -- "$pat" "$WORK/out" && pass || { fail "submit $* (rc $rc):"; cat "$WORK/out"; }
}
refused "point r2-t2-n1 (2 ranks x 2 threads on 1 node) needs 4 CPUs on a node; partition debug's nodes have at most 2" \
  --ranks 1,2 --threads-per-rank 1,2
refused "point r2-t1-n2 needs 2 nodes; partition debug has 1" --ranks 2 --nodes 2
refused "--time 01:00:00 is beyond partition debug's limit of 30:00" --time 01:00:00
refused "sinfo lists no partition 'gpu'" --partition gpu
# --oversubscribe lets the 2 x 2 point through (sbatch --overcommit)
rm -f "$WORK/count"
PATH="$WORK/slurm-bin:$PATH" "$SUBMIT" --ranks 2 --threads-per-rank 2 --oversubscribe \
  --csv "$WORK/y.csv" --parscale "$PARSCALE" -- -k pi >"$WORK/out" 2>&1 &&
  [ "$(cat "$WORK/count")" = 1 ] && pass || { fail "--oversubscribe was refused"; cat "$WORK/out"; }

# --dry-run makes nothing and refuses nothing a submission would make: the
# CSV's folder may not exist yet (a real submission creates it)
PATH="$WORK/slurm-bin:$PATH" "$SUBMIT" --dry-run --csv "$WORK/new/dir/s.csv" \
  --parscale "$PARSCALE" -- -k pi >"$WORK/out" 2>&1 && [ ! -e "$WORK/new" ] && pass ||
  { fail "--dry-run with a new folder"; cat "$WORK/out"; }
rm -f "$WORK/count"
PATH="$WORK/slurm-bin:$PATH" FAKE_STATE="PENDING|None" "$SUBMIT" --csv "$WORK/new/dir/s.csv" \
  --parscale "$PARSCALE" -- -k pi >"$WORK/out" 2>&1 && [ -d "$WORK/new/dir" ] && pass ||
  { fail "a submission did not make the CSV's folder"; cat "$WORK/out"; }

# --wait follows each job to its end: one pending for a reason that never
# clears, one cancelled, one that ended well but wrote no row -- each exits
# 1 soon, naming the job, its state and its log
waited() {  # waited STATE PATTERN
  rm -f "$WORK/count"
  PATH="$WORK/slurm-bin:$PATH" FAKE_STATE=$1 timeout 60 "$SUBMIT" --wait --poll 0.1 \
    --csv "$WORK/w.csv" --parscale "$PARSCALE" -- -k pi >"$WORK/out" 2>&1
  local rc=$?
  [ "$rc" -eq 1 ] && grep -q -- "$2" "$WORK/out" && pass ||
    { fail "--wait with a job $1 (rc $rc):"; cat "$WORK/out"; }
}
log="$WORK/w.csv.jobs/01-r1-t1-n1-100[0-9]*.out"
waited "PENDING|PartitionConfig" "job 100[0-9]* (01-r1-t1-n1) still PENDING (PartitionConfig), a reason that will not clear.*scancel.*; log: $log"
waited "PENDING|ReqNodeNotAvail, UnavailableNodes:node1" "still PENDING (ReqNodeNotAvail"
waited "CANCELLED|None" "job 100[0-9]* (01-r1-t1-n1) CANCELLED; log: $log"
waited "TIMEOUT|None" "job 100[0-9]* (01-r1-t1-n1) TIMEOUT; log"
waited "COMPLETED|None" "COMPLETED but wrote no row to $WORK/w.csv; log"
finish
