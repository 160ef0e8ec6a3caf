#!/usr/bin/env bash
# Every kernel under every backend at size test gives the verified answer.
#   kernels_backends.sh PARSCALE threads   -- seq, async, gil, omp at 1, 2, 3 workers
#   kernels_backends.sh PARSCALE mpi NP    -- mpi under mpirun -np NP, 1..NP
# Odd worker counts are there to catch partition bugs.
. "$(dirname "$0")/lib.sh"
mode=${2:?mode}
csv="$WORK/out.csv"
kernels=$("$PARSCALE" list --json | sed 's/"backends".*//' | grep -o '"name":"[^"]*","summary"' | cut -d'"' -f4)
nk=$(printf '%s\n' $kernels | wc -l)
[ "$nk" -ge 5 ] && pass || fail "parscale list --json shows only $nk kernels"
# what the scripts learn about each backend instead of keeping a list
props() { "$PARSCALE" list --json | sed 's/.*"backends"//' | grep -o "\"name\":\"$1\"[^}]*}" | sed 's/"summary":"[^"]*",//'; }
[ "$(props seq)" = '"name":"seq","mpi":false,"threads":false,"baseline":true,"tasks":false}' ] && pass \
    || fail "list --json describes seq as: $(props seq)"
[ "$(props gil)" = '"name":"gil","mpi":false,"threads":true,"baseline":false,"tasks":false}' ] && pass \
    || fail "list --json describes gil as: $(props gil)"
[ "$(props async)" = '"name":"async","mpi":false,"threads":false,"baseline":false,"tasks":true}' ] \
    && pass || fail "list --json describes async as: $(props async)"

case "$mode" in
  threads)
    backends=seq,async,gil
    has_backend omp && backends=$backends,omp || skip "omp: this build has no omp backend"
    "$PARSCALE" run -k all -b "$backends" -w 1,2,3 -s test -r 1 --warmup 0 \
        --retry-disturbed 0 -q --csv "$csv" >"$WORK/log" 2>&1
    rc=$?
    nb=$(printf '%s\n' "$backends" | tr ',' '\n' | wc -l)
    # every other backend at 3 worker counts, each paired with seq (two
    # rows a pair); no retries, so the count is the code's, not the host's
    expect=$((nk * (nb - 1) * 3 * 2))
    ;;
  mpi)
    np=${3:?np}
    workers=$(seq -s, 1 "$np")
    $MPIRUN -np "$np" "$PARSCALE" run -k all -b mpi -w "$workers" -s test -r 1 --warmup 0 \
        --retry-disturbed 0 -q --csv "$csv" >"$WORK/log" 2>&1
    rc=$?
    expect=$((nk * np * 2))   # np rank counts, each paired with the seq baseline
    ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac

[ "$rc" -eq 0 ] && pass || { fail "parscale exited $rc"; cat "$WORK/log"; }
if [ -f "$csv" ]; then
  rows=$(($(wc -l <"$csv") - 1))
  [ "$rows" -eq "$expect" ] && pass || fail "expected $expect rows, got $rows"
  v=$(col "$csv" verified)
  bad=$(awk -F, -v c="$v" 'NR > 1 && $c != "true"' "$csv")
  [ -z "$bad" ] && pass || { fail "rows that did not verify:"; printf '%s\n' "$bad"; }
  for k in $kernels; do
    grep -q "^[^,]*,[^,]*,[^,]*,$k," "$csv" && pass || fail "no row for kernel $k"
  done
else
  fail "no CSV written"
fi
finish
