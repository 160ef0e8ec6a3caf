#!/usr/bin/env bash
# The async backend: what its event loop decides, not how fast the machine
# is.  Tasks overlap their waits (the loop resumes them round-robin, so the
# switch count is exact), computing tasks never yield (one switch per task),
# a computing task beside waiting ones makes every wake-up at least its
# stretch late, waits are never skipped (a lower bound on time), and
# options that belong to other backends are refused with exit 2.
. "$(dirname "$0")/lib.sh"
csv="$WORK/a.csv"

# 8 tasks x 8 waits of 2 ms each: after each task's first step the loop
# resumes them in the order their timers were set, so every resumption is
# another task: 8 tasks x 9 steps - 1 = 71 switches.
"$PARSCALE" run -k io -b async -w 8 -s 64 --param io.wait_us=2000 -r 2 --warmup 0 -q \
    --no-baseline --retry-disturbed 0 --csv "$csv" >"$WORK/log" 2>&1 && pass || { fail "io under async"; cat "$WORK/log"; }
v=$(col "$csv" verified); sw=$(col "$csv" loop_switches); s=$(col "$csv" seconds)
th=$(col "$csv" threads); w=$(col "$csv" workers); lm=$(col "$csv" loop_lateness_median)
ov=$(col "$csv" oversubscribed)
rows=$(awk -F, -v v="$v" -v sw="$sw" -v s="$s" -v th="$th" -v w="$w" -v lm="$lm" -v ov="$ov" \
    'NR > 1 && $v == "true" && $sw == 71 && $s >= 0.016 && $th == 1 && $w == 8 && $lm != "" &&
     $ov == "false"' "$csv" | wc -l)
[ "$rows" -eq 2 ] && pass || { fail "io async rows (verified, 71 switches, >= 16 ms, threads 1):"; cat "$csv"; }

# A computing kernel never yields: 4 tasks run one after another.
"$PARSCALE" run -k pi -b async -w 4 -s test -r 1 --warmup 0 -q --no-baseline \
    --csv "$WORK/pi.csv" >"$WORK/log" 2>&1 && pass || { fail "pi under async"; cat "$WORK/log"; }
[ "$(awk -F, -v c="$(col "$WORK/pi.csv" loop_switches)" 'NR == 2 {print $c}' "$WORK/pi.csv")" = 3 ] \
    && pass || { fail "pi under async: not 3 switches"; cat "$WORK/pi.csv"; }

# The pitfall: one task computing 20 ms stretches beside 4 waiting ones;
# each wait's timer (1 ms) expires during a stretch, so its wake-up comes
# at least 19 ms late.
"$PARSCALE" run -k io -b async -w 4 -s 8 -r 1 --warmup 0 -q --no-baseline \
    --async-cpu-tasks 1 --async-cpu-stretch 20ms --csv "$WORK/p.csv" >"$WORK/log" 2>&1 \
    && pass || { fail "pitfall run"; cat "$WORK/log"; }
late=$(awk -F, -v c="$(col "$WORK/p.csv" loop_lateness_median)" 'NR == 2 {print $c}' "$WORK/p.csv")
params=$(awk -F, -v c="$(col "$WORK/p.csv" params)" 'NR == 2 {print $c}' "$WORK/p.csv")
awk -v l="$late" 'BEGIN {exit !(l >= 0.018)}' && pass || fail "pitfall lateness $late s, expected >= 18 ms"
case "$params" in *cpu_tasks=1*cpu_stretch_ms=20*) pass ;; *) fail "params column: $params" ;; esac

# asyncio's timing: the loop sleeps whole milliseconds, rounded up, and
# spends the step cost on each of its 6 resumptions; one task waiting 5
# times 0.1 ms therefore resumes each time at least 0.9 ms late, and the
# run takes at least 5 x 1 ms + 6 x 0.2 ms.
"$PARSCALE" run -k io -b async -w 1 -s 5 --param io.wait_us=100 -r 1 --warmup 0 -q \
    --no-baseline --async-timer ms --async-step-cost 200us --csv "$WORK/m.csv" >"$WORK/log" 2>&1 \
    && pass || { fail "asyncio's timing run"; cat "$WORK/log"; }
row() { awk -F, -v c="$(col "$WORK/m.csv" "$1")" 'NR == 2 {print $c}' "$WORK/m.csv"; }
late=$(row loop_lateness_median); s=$(row seconds); params=$(row params)
awk -v l="$late" 'BEGIN {exit !(l >= 0.00087)}' && pass || fail "ms timer: lateness $late s, expected >= 0.87 ms"
awk -v s="$s" 'BEGIN {exit !(s >= 0.0062)}' && pass || fail "ms timer and step cost: $s s, expected >= 6.2 ms"
[ "$params" = "wait_us=100;timer=ms;step_cost_us=200" ] && pass || fail "params column: $params"
"$PARSCALE" run -k io -b async -w 1 -s 5 --param io.wait_us=100 -r 1 --warmup 0 --no-baseline \
    --keep-disturbed --async-timer ms --async-step-cost 200us 2>&1 | grep -q "asyncio's timing: whole-ms timeouts, 200.0* us per step" \
    && pass || fail "the summary does not name asyncio's timing"

# Every backend spends a waiting kernel's waits (the kernel no longer
# sleeps itself): 20 waits of 2 ms on w workers take at least 20/w x 2 ms.
backends=seq,async,gil
has_backend omp && backends=$backends,omp || skip "omp: its waits (this build has no omp backend)"
"$PARSCALE" run -k io -b "$backends" -w 2 -s 20 --param io.wait_us=2000 -r 1 --warmup 0 -q \
    --csv "$WORK/w.csv" >"$WORK/log" 2>&1 && pass || { fail "io under $backends"; cat "$WORK/log"; }
short=$(awk -F, -v s="$(col "$WORK/w.csv" seconds)" -v w="$(col "$WORK/w.csv" workers)" \
    -v b="$(col "$WORK/w.csv" backend)" 'NR > 1 && $s < 0.040 / $w {print $b}' "$WORK/w.csv")
[ -z "$short" ] && pass || fail "waits skipped (too fast) under: $short"

# Options of other backends, and bad values, are refused before anything.
bad() {
  local out
  out=$("$PARSCALE" run -k io -b async -w 2 -s test --csv "$WORK/never.csv" "$@" 2>&1)
  local rc=$?
  if [ "$rc" -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && [ ! -e "$WORK/never.csv" ]; then
    pass
  else
    fail "async $*: exit $rc: $out"
  fi
}
bad --schedule dynamic
bad --threads-per-rank 2
bad --switch-interval 1ms
bad --gil-cpu-threads 1
bad --async-cpu-tasks abc
bad --async-cpu-tasks 5000
bad --async-cpu-stretch 0
bad --async-timer fast
bad --async-step-cost 2s
bad --async-step-cost abc
"$PARSCALE" run -k io -b seq,gil -w 2 -s test --async-timer ms 2>&1 | grep -q 'async-timer.*async' \
    && pass || fail "--async-timer without the async backend is not refused by name"
"$PARSCALE" run -k io -b async -w 2 -s test --schedule dynamic 2>&1 | grep -q 'schedule.*omp' \
    && pass || fail "the conflict message does not name whose option --schedule is"
finish
