#!/usr/bin/env bash
# Two sweeps into one folder: the second is refused in one line while the
# first runs (it would time the first one's load, unflagged, and each
# report would hold the other's rows); once the first has ended, even
# killed, the folder takes a sweep again.
. "$(dirname "$0")/lib.sh"
sw=("$SCRIPTS/sweep" --parscale "$PARSCALE" --out "$WORK/sw" --kernels pi --backends seq
    --workers 1 --no-e2e --no-charts --no-landscape)
"${sw[@]}" --size quick --reps 2000 >"$WORK/a.log" 2>&1 &
first=$!
for _ in $(seq 200); do [ -s "$WORK/sw/.sweep.lock" ] && break; sleep 0.1; done
ended_within 30 2 "a second sweep into the same folder" "${sw[@]}" --size test --reps 1
grep -q "another sweep (pid [0-9]*) is writing into" "$WORK/err" && pass || fail "$(cat "$WORK/err")"
kill "$first"
wait "$first" 2>/dev/null
ended_within 60 0 "a sweep after the first ended" "${sw[@]}" --size test --reps 1
finish
