#!/usr/bin/env bash
# A full disk partway through an MPI run: rank 0's write fails, the verdict
# reaches every rank at the next per-configuration sync, and the launch
# ends soon with a non-zero status and one line; the rows written are whole.
# A tmpfs of 24 kB holds a few dozen rows.  Needs mount (root); else SKIP.
. "$(dirname "$0")/lib.sh"
command -v mpirun >/dev/null || { echo "SKIP: no mpirun"; exit 77; }
mnt="$WORK/small"
mkdir "$mnt"
if ! mount -t tmpfs -o size=24k tmpfs "$mnt" 2>/dev/null; then
  echo "SKIP: cannot mount a small tmpfs here (not root?)"; exit 77
fi
trap 'umount "$mnt" 2>/dev/null; rm -rf "$WORK"' EXIT
ended_within 30 nonzero "mpirun -np 2 on a full disk" \
  $MPIRUN -np 2 "$PARSCALE" run -k null -b seq,mpi -w 1,2 -s test -r 500 --warmup 0 -q \
  --csv "$mnt/r.csv"
grep -q "No space left\|write to" "$WORK/err" && pass || { fail "the message does not say the write failed"; cat "$WORK/err"; }
csv_whole "$mnt/r.csv" "the CSV on the full disk"
echo "  $ROWS whole rows before the disk was full"
[ "${ROWS:-0}" -gt 0 ] && pass || fail "no row was written before the disk filled"
finish
