#!/usr/bin/env bash
# A kernel library whose size table passes 2^53 is refused when loaded (a
# CSV reader could not hold the size; omp once divided by zero on it).
. "$(dirname "$0")/lib.sh"
lib=$(bad_lib HUGE_SIZE)
for be in seq omp; do
  has_backend "$be" || { skip "$be: not in this build"; continue; }
  ended_within 10 2 "a size above 2^53 under $be" \
    "$PARSCALE" run --kernel-lib "$lib" -k bad0 -b "$be" -w 2 -s test -r 1 -q --csv "$WORK/x.csv"
  grep -q "above 2^53" "$WORK/err" && pass || fail "$be: $(cat "$WORK/err")"
done
ended_within 10 2 "list of a size above 2^53" "$PARSCALE" list --kernel-lib "$lib"
[ ! -e "$WORK/x.csv" ] && pass || fail "a CSV was written"
finish
