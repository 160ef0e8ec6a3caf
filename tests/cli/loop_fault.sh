#!/usr/bin/env bash
# A failure on rank 0 in the middle of a run (its CSV cannot be written)
# stops every rank at the same point: the run ends with status 1 and each
# rank says why, instead of rank 0 leaving for one collective while the
# others wait in another (a hang).  The CSV is a link to /dev/full, which
# passes the checks before the run and refuses every write.
. "$(dirname "$0")/lib.sh"

[ -w /dev/full ] || { echo "no /dev/full: skipped"; exit 77; }
ln -s /dev/full "$WORK/full.csv"
P="$PARSCALE"

out=$(timeout 60 "$P" run -k pi -b seq -s test -r 3 -q --csv "$WORK/full.csv" 2>&1); rc=$?
[ "$rc" -eq 1 ] && pass || fail "one process: exit $rc, expected 1: $out"
printf '%s' "$out" | grep -q "No space left on device" && pass || fail "one process: $out"

if "$P" list | grep -q "^  mpi "; then
  out=$(timeout 60 $MPIRUN -np 3 "$P" run -k pi -b seq,mpi -w 1,2,3 -s test -r 3 -q \
        --csv "$WORK/full.csv" 2>&1); rc=$?
  [ "$rc" -ne 124 ] && pass || fail "mpi -np 3: hung (timeout): $out"
  [ "$rc" -ne 0 ] && pass || fail "mpi -np 3: exit 0 although no row was written"
  printf '%s' "$out" | grep -q "rank 0: write to .* No space left on device" && pass \
    || fail "mpi -np 3: rank 0 did not say why: $out"
  for r in 1 2; do
    printf '%s' "$out" | grep -q "rank $r: rank 0 stopped the run" && pass \
      || fail "mpi -np 3: rank $r did not stop with rank 0: $out"
  done
fi
finish
