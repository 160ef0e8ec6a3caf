#!/usr/bin/env bash
# --rep-timeout bounds a repetition whose kernel never returns (under seq,
# gil, omp and mpi) and a gil team of 4096 extra threads: one line, exit 3,
# within seconds, the rows already written whole; without it a hung kernel
# would hold the run (and sweep) forever.  A bad value is refused.
. "$(dirname "$0")/lib.sh"
lib=$(bad_lib HANG)
csv="$WORK/h.csv"
for be in seq gil omp; do
  has_backend "$be" || { skip "$be: not in this build"; continue; }
  ended_within 15 3 "a hung kernel under $be" \
    "$PARSCALE" run --kernel-lib "$lib" -k pi,bad0 -b "$be" -w 2 -s test -r 2 --warmup 0 -q \
    --rep-timeout 1s --seed 7 --csv "$csv"
  grep -q "bad0 under .*--rep-timeout 1s" "$WORK/err" && pass || fail "$be: $(cat "$WORK/err")"
done
[ -e "$csv" ] && csv_whole "$csv" "the CSV"
if has_backend mpi; then
  ended_within 30 nonzero "a hung kernel under mpirun -np 2" \
    $MPIRUN -np 2 "$PARSCALE" run --kernel-lib "$lib" -k bad0 -b mpi -w 2 -s test -r 1 -q \
    --no-baseline --rep-timeout 1s
  grep -q "bad0 under mpi.*--rep-timeout" "$WORK/err" && pass || fail "mpi: $(cat "$WORK/err")"
fi
ended_within 30 3 "--gil-cpu-threads 4096" \
  "$PARSCALE" run -k pi -b gil -s test -r 3 -q --gil-cpu-threads 4096 --rep-timeout 2s --no-baseline
ended_within 10 2 "--rep-timeout 0" "$PARSCALE" run -k pi -b seq -s test -r 1 -q --rep-timeout 0
ended_within 10 0 "a run within its --rep-timeout" \
  "$PARSCALE" run -k pi -b seq -s test -r 1 -q --rep-timeout 30s
# the sweep gives every launch one
"$SCRIPTS/sweep" --parscale "$PARSCALE" --out "$WORK/sw" --kernels pi --backends seq \
  --workers 1 --size test --reps 1 --no-e2e --no-charts --no-landscape --dry-run >"$WORK/dry" 2>&1
grep -q -- "--rep-timeout 15m" "$WORK/dry" && pass || fail "sweep: $(cat "$WORK/dry")"
finish
