#!/usr/bin/env bash
# Several parscale processes appending to one CSV at once: the header once,
# every row whole, none lost; one metadata line per run.
. "$(dirname "$0")/lib.sh"
csv="$WORK/shared.csv"
n=6
for i in $(seq $n); do
  "$PARSCALE" run -k null -b seq,gil -w 1,2 -s test -r 20 --warmup 0 --retry-disturbed 0 -q \
    --csv "$csv" \
    >/dev/null 2>"$WORK/err.$i" &
done
wait
for i in $(seq $n); do
  [ ! -s "$WORK/err.$i" ] && pass || { fail "writer $i: $(cat "$WORK/err.$i")"; }
done
csv_whole "$csv" "$n writers at once"
# gil at 1 and 2 workers, each paired with seq: 4 rows a round
[ "$ROWS" = $((n * 4 * 20)) ] && pass || fail "$ROWS rows, expected $((n * 4 * 20))"
[ "$(grep -vc '"record"' "$csv.meta.jsonl")" -eq $n ] && pass || fail "not $n metadata header lines"
finish
