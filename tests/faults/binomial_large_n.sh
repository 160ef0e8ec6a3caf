#!/usr/bin/env bash
# A configuration of 1024 or more repetitions (a CSV that accumulates runs
# reaches it by itself): plot, report and compare read it (before, 2.0**n
# overflowed in the binomial tail), and the C and Python statistics pick
# the same interval ranks at large n.
. "$(dirname "$0")/lib.sh"
csv="$WORK/r.csv"
"$PARSCALE" run -k null -b seq -s test -r 1100 --warmup 0 -q --csv "$csv" >/dev/null && pass ||
  fail "the 1100-repetition run failed"
ended_within 60 0 "plot of 1100 repetitions" "$SCRIPTS/plot" "$csv" --out "$WORK/plots" --format png
ended_within 60 0 "report of 1100 repetitions" "$SCRIPTS/report" "$csv" --out "$WORK/rep"
ended_within 60 0 "compare of 1100 repetitions" "$SCRIPTS/compare" "$csv" "$csv"
dump="$(dirname "$PARSCALE")/tests/stats_dump"
if [ -x "$dump" ]; then
  for n in 1023 1024 1500 5000 20000 100000; do
    c=$(seq 1 "$n" | tr '\n' ' ' | "$dump" 0.5 | sed 's/.*"rank":\([0-9]*\).*/\1/')
    p=$(PYTHONPATH="$SCRIPTS/lib" "$PY" -c \
      "from parscale_py import stats; print(stats.median_ci_ranks($n)[0])")
    [ "$c" = "$p" ] && pass || fail "n=$n: C rank $c, Python rank $p"
  done
else
  skip "no $dump to compare the C statistics with"
fi
finish
