#!/usr/bin/env bash
# The gil backend's long calls where its check cannot act (the part whole at
# one worker, blocks of check-interval ticks under the old model): every
# kernel still computes every index once, at odd tick, check interval and
# worker counts, and one worker never switches the lock.
. "$(dirname "$0")/lib.sh"
csv="$WORK/out.csv"
for model in old new; do
    : >"$csv"
    # old: tick 3 and check interval 7, blocks of 21 indices and a partial
    # last one; new: tick 3 (it switches on time, not on a count)
    model_opts=(--tick 3)
    [ "$model" = old ] && model_opts+=(--check-interval 7)
    if "$PARSCALE" run -k all -b gil -w 1,2,3 -s test -r 1 --warmup 0 -q --no-baseline \
           --gil-model "$model" "${model_opts[@]}" --csv "$csv" >"$WORK/log" 2>&1; then
        pass
    else
        fail "$model model: run failed: $(tail -3 "$WORK/log")"
        continue
    fi
    v=$(col "$csv" verified); w=$(col "$csv" workers); k=$(col "$csv" kernel)
    s=$(col "$csv" gil_switches)
    bad=$(tail -n +2 "$csv" | awk -F, -v v="$v" '$v != "true"' | wc -l)
    [ "$bad" -eq 0 ] && pass || fail "$model model: $bad rows did not verify"
    rows=$(tail -n +2 "$csv" | wc -l)
    [ "$rows" -ge 15 ] && pass || fail "$model model: only $rows rows"
    # one worker: nobody to switch to (io waits with the lock released, and
    # takes it back itself: still the same holder)
    solo=$(tail -n +2 "$csv" | awk -F, -v w="$w" -v s="$s" '$w == 1 && $s != 0' | wc -l)
    [ "$solo" -eq 0 ] && pass || fail "$model model: $solo one-worker rows switched the lock"
    [ "$(tail -n +2 "$csv" | awk -F, -v k="$k" '{print $k}' | sort -u | wc -l)" -ge 5 ] && pass \
        || fail "$model model: not every kernel ran"
done
# --gil-release keeps the tick-by-tick path at one worker: still verified
: >"$csv"
# (no repetition measured again: a disturbed one would make a third row)
"$PARSCALE" run -k pi,count -b gil -w 1 -s test -r 1 --warmup 0 -q --no-baseline \
    --retry-disturbed 0 --gil-release 0.5 --csv "$csv" >"$WORK/log" 2>&1 && pass || fail "release run failed"
v=$(col "$csv" verified)
[ "$(tail -n +2 "$csv" | awk -F, -v v="$v" '$v == "true"' | wc -l)" -eq 2 ] && pass \
    || fail "release rows did not verify"
finish
