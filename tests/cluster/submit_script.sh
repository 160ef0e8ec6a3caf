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
finish
