#!/usr/bin/env bash
# An MPI launch whose rank 0 cannot write the CSV (/proc/x: root may
# "access" /proc, nothing can be created there) is refused up front: every
# rank exits 2 before computing, instead of rank 0 stopping alone while the
# others wait in a collective forever.
. "$(dirname "$0")/lib.sh"
command -v mpirun >/dev/null || { echo "SKIP: no mpirun"; exit 77; }
for target in /proc/x /proc/x/y.csv /proc/cpuinfo; do
  start=$(date +%s)
  ended_within 60 2 "mpirun -np 2 ... --csv $target" \
    $MPIRUN -np 2 "$PARSCALE" run -k pi -b mpi -w 2 -s test -r 1 --csv "$target"
  echo "  --csv $target: exit $LAST_RC after $(( $(date +%s) - start )) s"
  grep -q "^parscale: .*$target" "$WORK/err" && pass || { fail "the message does not name $target"; cat "$WORK/err"; }
  ! grep -q '^parscale [0-9]' "$WORK/out" && pass || fail "--csv $target: the run started"
done
# the metadata file is checked too: a directory in its place
mkdir "$WORK/r.csv.meta.jsonl"
ended_within 60 2 "a directory where the metadata goes" \
  $MPIRUN -np 2 "$PARSCALE" run -k pi -b mpi -w 2 -s test -r 1 --csv "$WORK/r.csv"
[ ! -e "$WORK/r.csv" ] && pass || fail "the CSV was created although its metadata cannot be"
finish
