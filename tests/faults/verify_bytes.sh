#!/usr/bin/env bash
# A verify message holding bytes that are not UTF-8 reaches the CSV as
# U+FFFD, so the accumulated file stays readable: compare, report and plot
# read it (before, they refused the whole file).
. "$(dirname "$0")/lib.sh"
lib=$(bad_lib BYTES)
csv="$WORK/r.csv"
"$PARSCALE" run -k pi -b seq -s test -r 2 --warmup 0 -q --csv "$csv" >/dev/null && pass ||
  fail "the pi run failed"
"$PARSCALE" run --kernel-lib "$lib" -k bad0 -b seq -s test -r 2 --warmup 0 -q --csv "$csv" \
  >/dev/null 2>&1
[ $? -eq 1 ] && pass || fail "a failed verify should exit 1"
"$PY" -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$csv" && pass ||
  fail "the CSV is not UTF-8"
grep -q $'caf\xef\xbf\xbd' "$csv" && pass || fail "the message lost its text"
csv_whole "$csv" "the CSV"
ended_within 60 0 "report" "$SCRIPTS/report" "$csv" --out "$WORK/rep"
ended_within 60 0 "plot" "$SCRIPTS/plot" "$csv" --out "$WORK/plots" --format png
finish
