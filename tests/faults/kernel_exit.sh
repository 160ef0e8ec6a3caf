#!/usr/bin/env bash
# A kernel that calls exit(0) in the middle of a repetition: before, exit 0
# with no row and no word; now exit 1 and one line, the CSV whole.
. "$(dirname "$0")/lib.sh"
lib=$(bad_lib EXIT)
csv="$WORK/e.csv"
"$PARSCALE" run -k pi -b seq -s test -r 2 --warmup 0 -q --csv "$csv" >/dev/null && pass ||
  fail "the pi run failed"
ended_within 10 1 "a kernel calling exit(0)" \
  "$PARSCALE" run --kernel-lib "$lib" -k bad0 -b seq -s test -r 2 --warmup 0 -q --csv "$csv"
grep -q "a kernel called exit()" "$WORK/err" && pass || fail "$(cat "$WORK/err")"
csv_whole "$csv" "the CSV"
has_backend omp && {
  ended_within 10 1 "a kernel calling exit(0) under omp" \
    "$PARSCALE" run --kernel-lib "$lib" -k bad0 -b omp -w 2 -s test -r 1 -q --no-baseline
}
finish
