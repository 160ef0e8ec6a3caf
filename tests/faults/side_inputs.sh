#!/usr/bin/env bash
# The scripts' side inputs follow the rule the CSV does: regular files only,
# opened without blocking, bounded in size, JSON nesting bounded.  Before,
# compare --references /dev/zero grew to gigabytes, and report hung on a
# --kernels-json FIFO or an e2e.json FIFO; deeply nested JSON anywhere gave
# a RecursionError traceback.
. "$(dirname "$0")/lib.sh"
small="$SRC/tests/fixtures/small.csv"
mkfifo "$WORK/fifo"
for refs in /dev/zero "$WORK/fifo"; do
  ended_within 20 2 "compare --references $refs" "$SCRIPTS/compare" --references "$refs" "$small"
done
deep=$("$PY" -c 'print("[" * 100000 + "]" * 100000)')
printf '%s\n' "$deep" >"$WORK/deep.json"
ended_within 20 2 "compare --references of deep JSON" \
  "$SCRIPTS/compare" --references "$WORK/deep.json" "$small"
grep -q "nests deeper" "$WORK/err" && pass || fail "$(cat "$WORK/err")"
head -c $((65 << 20)) /dev/zero | tr '\0' ' ' >"$WORK/huge.json"
ended_within 20 2 "compare --references of 65 MB" "$SCRIPTS/compare" --references "$WORK/huge.json" "$small"
rm -f "$WORK/huge.json"
# report's side inputs: a FIFO or deep JSON is noted or skipped, never waited on
# (the charts drawn once, by plot, and reused: they are not what is tested)
"$SCRIPTS/plot" "$small" --out "$WORK/charts" >/dev/null || fail "plot of $small"
for kj in "$WORK/fifo" /dev/zero "$WORK/deep.json"; do
  ended_within 120 0 "report --kernels-json $kj" \
    "$SCRIPTS/report" "$small" --out "$WORK/rep" --kernels-json "$kj" --charts "$WORK/charts"
done
mkdir -p "$WORK/e2e"
mkfifo "$WORK/e2e/e2e.json"
ended_within 120 0 "report with an e2e.json FIFO" \
  "$SCRIPTS/report" "$small" --out "$WORK/rep2" --e2e "$WORK/e2e" --charts "$WORK/charts"
cp "$small" "$WORK/m.csv"
printf '%s\n' "$deep" >"$WORK/m.csv.meta.jsonl"
ended_within 120 0 "report with deeply nested metadata" "$SCRIPTS/report" "$WORK/m.csv" --out "$WORK/rep3" --charts "$WORK/charts"
grep -q "nests deeper" "$WORK/rep3/report.md" && pass || fail "the metadata problem is not reported"
rm "$WORK/e2e/e2e.json"
printf '%s\n' "$deep" >"$WORK/e2e/e2e.json"
ended_within 120 0 "report with a deeply nested e2e.json" \
  "$SCRIPTS/report" "$small" --out "$WORK/rep4" --e2e "$WORK/e2e" --charts "$WORK/charts"
finish
