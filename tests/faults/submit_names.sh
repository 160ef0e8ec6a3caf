#!/usr/bin/env bash
# Names that reach Slurm and the shell: a % in the --csv path is doubled in
# sbatch --output (Slurm would expand %u, %x, %j there, and submit named a
# log that did not exist); a --csv that is not UTF-8 goes into the script as
# its bytes (before: a traceback after the jobs folder was made); a --mpirun
# that shlex cannot split is refused in one line before any file is made.
# sbatch is a stand-in that records its arguments.
. "$(dirname "$0")/lib.sh"
has_backend hybrid || { echo "SKIP: no hybrid backend (submit's jobs run hybrid)"; exit 77; }
mkdir -p "$WORK/bin"
cat >"$WORK/bin/sbatch" <<'SH'
#!/bin/sh
printf '%s\n' "$@" >>"$SBATCH_LOG"
echo 4242
SH
chmod +x "$WORK/bin/sbatch"
export SBATCH_LOG="$WORK/sbatch.args" PATH="$WORK/bin:$PATH"
dir="$WORK/100%u-%x"
mkdir -p "$dir"
ended_within 60 0 "submit into a folder with %" \
  "$SCRIPTS/submit" --parscale "$PARSCALE" --csv "$dir/a.csv" --time 00:05:00 -- -k pi
grep -qxF -- "$WORK/100%%u-%%x/a.csv.jobs/01-r1-t1-n1-%j.out" "$SBATCH_LOG" && pass ||
  fail "sbatch --output not escaped: $(grep out "$SBATCH_LOG")"
# not UTF-8
name=$(printf 'caf\xe9')
mkdir -p "$WORK/$name"
ended_within 60 0 "submit with a Latin-1 --csv" \
  "$SCRIPTS/submit" --parscale "$PARSCALE" --csv "$WORK/$name/a.csv" --time 00:05:00 -- -k pi
grep -q "$(printf 'csv=.*caf\xe9/a.csv')" "$WORK/$name/a.csv.jobs/01-r1-t1-n1.sbatch" && pass ||
  fail "the script does not hold the file name's bytes"
ended_within 60 0 "submit --dry-run with a Latin-1 --csv" \
  "$SCRIPTS/submit" --dry-run --parscale "$PARSCALE" --csv "$WORK/$name/b.csv" --time 00:05:00 -- -k pi
# an unbalanced quote in --mpirun
ended_within 60 2 "submit --mpirun \"mpirun 'x\"" \
  "$SCRIPTS/submit" --parscale "$PARSCALE" --csv "$WORK/c.csv" --mpirun "mpirun 'x" -- -k pi
grep -q "^submit: --mpirun" "$WORK/err" && pass || fail "$(cat "$WORK/err")"
[ ! -e "$WORK/c.csv.jobs" ] && pass || fail "the jobs folder was made"
finish
