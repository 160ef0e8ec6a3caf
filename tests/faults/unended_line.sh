#!/usr/bin/env bash
# A CSV whose last line has no newline is refused (exit 2, one line, the
# file untouched): parscale cannot tell a whole row that lost its newline
# from half a row, and appending would glue the next row onto it.
. "$(dirname "$0")/lib.sh"
csv="$WORK/x.csv"
"$PARSCALE" run -k pi -b seq -s test -r 2 --warmup 0 -q --csv "$csv" >/dev/null || fail "setup run"
for tail in "a half row,1,2" "$(tail -n 1 "$csv")"; do
  head -n 2 "$csv" >"$WORK/t" && printf '%s' "$tail" >>"$WORK/t" && cp "$WORK/t" "$csv"
  before=$(md5sum <"$csv")
  ended_within 30 2 "append after an unended line" \
    "$PARSCALE" run -k pi -b seq -s test -r 1 --warmup 0 -q --csv "$csv"
  grep -q "no newline" "$WORK/err" && pass || { fail "the message does not say why"; cat "$WORK/err"; }
  [ "$(md5sum <"$csv")" = "$before" ] && pass || fail "the file was changed"
  # sweep refuses it the same way, before running anything
  mkdir -p "$WORK/sw" && cp "$csv" "$WORK/sw/results.csv"
  ended_within 60 2 "sweep onto an unended CSV" \
    "$SCRIPTS/sweep" --parscale "$PARSCALE" --out "$WORK/sw" --kernels pi --backends seq \
    --workers 1 --size test --reps 1 --no-e2e --no-charts
done
finish
