#!/usr/bin/env bash
# Hybrid and placement options: how --workers and --threads-per-rank
# combine (bad combinations: status 2, one line, no file), --bind applied
# by re-executing (recorded in the metadata), and the warning when workers
# share a CPU while cores are free.
#   placement.sh PARSCALE
. "$(dirname "$0")/../cli/lib.sh"
csv="$WORK/out.csv"

# bad input: status 2, a message naming the problem, no CSV
bad() {
  local want=$1; shift
  "$@" >"$WORK/out" 2>&1
  local rc=$?
  [ "$rc" -eq 2 ] && pass || fail "'$*' exited $rc, expected 2"
  grep -q -- "$want" "$WORK/out" && pass || { fail "'$*' did not say '$want':"; cat "$WORK/out"; }
  [ ! -e "$csv" ] && pass || { fail "'$*' created the CSV"; rm -f "$csv"; }
}
bad "not a whole number of ranks" $MPIRUN -np 2 "$PARSCALE" run -k null -b hybrid -w 3 --threads-per-rank 2 -s test --csv "$csv"
bad "option of the hybrid backend" "$PARSCALE" run -k null -b omp -w 2 --threads-per-rank 2 -s test --csv "$csv"
bad "needs --bind" "$PARSCALE" run -k null -b omp -w 2 --places cores -s test --csv "$csv"
bad "--bind" "$PARSCALE" run -k null -b omp -w 2 --bind sideways -s test --csv "$csv"
bad "need 4 ranks" $MPIRUN -np 2 "$PARSCALE" run -k null -b hybrid -w 4 --threads-per-rank 1 -s test --csv "$csv"
bad "MPI launch" "$PARSCALE" run -k null -b hybrid -w 2 --threads-per-rank 2 -s test --csv "$csv"
"$PARSCALE" run --help | grep -q -- "--threads-per-rank" && pass || fail "run --help does not document --threads-per-rank"

# --bind: OpenMP sees it (parscale executed itself again) and it is recorded
env -u OMP_PROC_BIND -u OMP_PLACES "$PARSCALE" run -k null -b omp -w 2 --bind close \
  -s test -r 1 -q --csv "$csv" >"$WORK/log" 2>&1 && pass || { fail "--bind close failed"; cat "$WORK/log"; }
grep -q 'OMP_PROC_BIND=close OMP_PLACES=cores' "$csv.meta.jsonl" && pass ||
  fail "metadata does not record OMP_PROC_BIND=close OMP_PLACES=cores"
rm -f "$csv" "$csv.meta.jsonl"

# sharing a CPU while cores are free: mpirun binds the one rank to one
# core (as it does by default for 1 or 2 ranks), its 2 threads share it
if [ "$(nproc)" -ge 2 ]; then
  mpirun -np 1 --bind-to core "$PARSCALE" run -k pi -b hybrid -w 2 --threads-per-rank 2 \
    -s test -r 3 -q --no-baseline --csv "$csv" >"$WORK/log" 2>&1
  grep -q "shared a CPU" "$WORK/log" && pass || { fail "no warning for threads sharing a core"; cat "$WORK/log"; }
  tail -n 1 "$csv" | grep -Eq ',"([0-9]+),\1",' && pass || fail "cpus column is not one CPU twice: $(tail -n 1 "$csv")"
  rm -f "$csv" "$csv.meta.jsonl"
  # and the same run spread over the cores warns of nothing
  OMP_PROC_BIND=spread OMP_PLACES=cores "$PARSCALE" run -k pi -b omp -w 2 -s test -r 3 \
    -q --no-baseline >"$WORK/log" 2>&1
  ! grep -q "shared a CPU" "$WORK/log" && pass || { fail "warned although threads were spread"; cat "$WORK/log"; }
fi
finish
