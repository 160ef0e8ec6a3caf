#!/usr/bin/env bash
# FIFOs, devices and directories in place of the CSV: parscale, plot,
# report and sweep each end at once with exit 2 and one line, never
# blocking on a FIFO; /dev/null is refused too (leaving --csv out writes
# no rows), so no /dev/null.meta.jsonl appears.
. "$(dirname "$0")/lib.sh"
mkfifo "$WORK/fifo.csv"
mkdir "$WORK/dir.csv"
for target in "$WORK/fifo.csv" /dev/null /dev/zero "$WORK/dir.csv"; do
  ended_within 30 2 "parscale --csv $target" \
    "$PARSCALE" run -k pi -b seq -s test -r 1 -q --csv "$target"
done
[ ! -e /dev/null.meta.jsonl ] && pass || fail "/dev/null.meta.jsonl exists"
for target in "$WORK/fifo.csv" /dev/zero "$WORK/dir.csv"; do
  ended_within 90 2 "report $target" "$SCRIPTS/report" "$target" --out "$WORK/rep"
  ended_within 90 2 "plot $target" "$SCRIPTS/plot" "$target" --out "$WORK/rep"
done
# sweep writes results.csv in --out: a FIFO there
mkdir "$WORK/sw" && mkfifo "$WORK/sw/results.csv"
ended_within 60 2 "sweep with a FIFO as results.csv" \
  "$SCRIPTS/sweep" --parscale "$PARSCALE" --out "$WORK/sw" --kernels pi --backends seq \
  --workers 1 --size test --reps 1 --no-e2e --no-charts
# the metadata file beside the CSV is held to the same rule
mkfifo "$WORK/m.csv.meta.jsonl"
ended_within 30 2 "a FIFO where the metadata goes" \
  "$PARSCALE" run -k pi -b seq -s test -r 1 -q --csv "$WORK/m.csv"
[ ! -e "$WORK/m.csv" ] && pass || fail "the CSV was created beside a FIFO for metadata"
finish
