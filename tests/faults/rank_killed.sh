#!/usr/bin/env bash
# A rank killed mid-run (SIGKILL, as the out-of-memory killer or a node
# failure would): the launch ends in bounded time with a non-zero status,
# and the rows rank 0 wrote are whole.
. "$(dirname "$0")/lib.sh"
command -v mpirun >/dev/null || { echo "SKIP: no mpirun"; exit 77; }
csv="$WORK/r.csv"
$MPIRUN -np 2 "$PARSCALE" run -k pi -b mpi -w 2 -s test -r 1000000 --warmup 0 -q --csv "$csv" \
  >"$WORK/out" 2>"$WORK/err" &
launcher=$!
# wait for rows, then find rank 1 by its environment
victim=""
for _ in $(seq 300); do
  if [ -s "$csv" ] && [ "$(wc -l <"$csv")" -gt 3 ]; then
    for p in $(pgrep -f -- "--csv $csv"); do
      if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then
        victim=$p
      fi
    done
    [ -n "$victim" ] && break
  fi
  sleep 0.1
done
[ -n "$victim" ] && pass || fail "rank 1 was not found"
[ -n "$victim" ] && kill -KILL "$victim"
start=$(date +%s)
for _ in $(seq $((600 * TIME_SCALE))); do
  kill -0 "$launcher" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$launcher" 2>/dev/null; then
  fail "the launch still runs $((60 * TIME_SCALE)) s after rank 1 was killed"
  pkill -KILL -P "$launcher"; kill -KILL "$launcher"
fi
wait "$launcher"
rc=$?
echo "  mpirun ended with $rc, $(( $(date +%s) - start )) s after the kill"
[ "$rc" -ne 0 ] && pass || fail "the launch exited 0 after losing a rank"
csv_whole "$csv" "rows written before the rank died"
finish
