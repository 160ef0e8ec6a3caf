#!/usr/bin/env bash
# SIGKILL at random points of runs that append a row every few microseconds:
# the file never holds a partial row (each row is one write under a lock),
# and a later run can still append to it.
. "$(dirname "$0")/lib.sh"
csv="$WORK/k.csv"
kills=${FAULT_KILLS:-40}
for i in $(seq "$kills"); do
  "$PARSCALE" run -k null -b seq,gil -w 1,2 -s test -r 1000000 --warmup 0 -q --csv "$csv" \
    >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(printf '%02d' $((RANDOM % 40 + 5)))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
done
csv_whole "$csv" "after $kills kills"
echo "  $ROWS rows after $kills kills"
"$PARSCALE" run -k null -b seq -s test -r 2 --warmup 0 -q --csv "$csv" >/dev/null 2>"$WORK/err" \
  && pass || fail "a run after the kills could not append: $(cat "$WORK/err")"
csv_whole "$csv" "after the kills and one more run"
finish
