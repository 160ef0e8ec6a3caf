#!/usr/bin/env bash
# A file-size limit (ulimit -f) reached partway: the write fails (SIGXFSZ is
# ignored, so it cannot kill parscale mid-row), the file is cut back to the
# last whole row, the run ends with status 1 and one line; a second run on
# the same file also ends cleanly, and the file stays readable.
. "$(dirname "$0")/lib.sh"
csv="$WORK/x.csv"
for i in 1 2; do
  ( ulimit -f 8
    exec "$PARSCALE" run -k null,pi -b seq,gil -w 1,2 -s test -r 20 --warmup 0 -q --csv "$csv"
  ) >"$WORK/out" 2>"$WORK/err"
  rc=$?
  [ "$rc" -eq 1 ] && pass || { fail "run $i under ulimit -f 8: exit $rc, expected 1"; cat "$WORK/err"; }
  [ "$(grep -c '^parscale:' "$WORK/err")" -eq 1 ] && pass || { fail "run $i: not one line"; cat "$WORK/err"; }
  grep -q "File too large" "$WORK/err" && pass || { fail "run $i: the message does not name the limit"; cat "$WORK/err"; }
  csv_whole "$csv" "after run $i"
done
[ "$(stat -c %s "$csv")" -le 8192 ] && pass || fail "the file outgrew the limit"
finish
