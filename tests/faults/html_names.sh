#!/usr/bin/env bash
# A CSV from elsewhere whose kernel name is markup: report.html holds it as
# text, never as an element (the summary table wrote it raw); a name of
# 1,200 characters makes chart files of a bounded name (the name was the
# file name: ENAMETOOLONG, a traceback) in plot, report and compare.
. "$(dirname "$0")/lib.sh"
evil='<img src=x onerror=alert(1)>'
sed "s/,pi,/,$evil,/" "$SRC/tests/fixtures/small.csv" >"$WORK/x.csv"
ended_within 120 0 "report of a markup kernel name" "$SCRIPTS/report" "$WORK/x.csv" --out "$WORK/rep"
if grep -qF "$evil" "$WORK/rep/report.html"; then
  fail "report.html holds the element: $(grep -oF "$evil" "$WORK/rep/report.html" | head -1)"
else
  pass
fi
grep -qF '&lt;img src=x onerror=alert(1)&gt;' "$WORK/rep/report.html" && pass ||
  fail "the name is not in the page as text"
long=$(printf 'k%.0s' $(seq 1200))
sed "s/,pi,/,$long,/" "$SRC/tests/fixtures/small.csv" >"$WORK/long.csv"
ended_within 120 0 "plot of a 1200-character kernel name" \
  "$SCRIPTS/plot" "$WORK/long.csv" --out "$WORK/p" --format png
ended_within 120 0 "report of a 1200-character kernel name" \
  "$SCRIPTS/report" "$WORK/long.csv" --out "$WORK/r2"
ended_within 120 0 "compare of a 1200-character kernel name" \
  "$SCRIPTS/compare" "$WORK/long.csv" "$WORK/long.csv" --out "$WORK/c"
longest=$(ls "$WORK/p" "$WORK/r2" | awk '{ if (length($0) > m) m = length($0) } END { print m }')
[ "$longest" -le 120 ] && pass || fail "a chart file name of $longest characters"
finish
