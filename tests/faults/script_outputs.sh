#!/usr/bin/env bash
# What plot, report and compare write, and where: one line instead of a
# traceback, and never a half-written file.
#   --out '' (it meant the current folder), a regular file, /proc/x, a
#   read-only mount: exit 2 before anything is drawn;
#   a full disk while writing: exit 1, one line; report.html is the old
#   page or a whole new one (writes go to a temporary name, then rename);
#   seconds of 1e308: read, summarised, drawn;
#   a 50 MB command line in the metadata: cut short in report.md.
. "$(dirname "$0")/lib.sh"
small="$SRC/tests/fixtures/small.csv"
touch "$WORK/file"
for out in "" "$WORK/file" /proc/x; do
  for s in plot report; do
    ended_within 60 2 "$s --out '$out'" "$SCRIPTS/$s" "$small" --out "$out"
  done
  ended_within 60 2 "compare --out '$out'" "$SCRIPTS/compare" "$small" "$small" --out "$out"
done
mnt="$WORK/mnt"
mkdir "$mnt"
if mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null; then
  trap 'umount "$mnt/ro" 2>/dev/null; umount "$mnt" 2>/dev/null; rm -rf "$WORK"' EXIT
  mkdir "$mnt/ro" && mount -t tmpfs -o ro,size=16k tmpfs "$mnt/ro" &&
    ended_within 60 2 "report --out on a read-only mount" "$SCRIPTS/report" "$small" --out "$mnt/ro"
  mkdir "$mnt/full"
  echo OLD >"$mnt/full/report.html"
  ended_within 120 1 "report onto a full disk" "$SCRIPTS/report" "$small" --out "$mnt/full"
  grep -q "No space left" "$WORK/err" && pass || fail "full disk: $(cat "$WORK/err")"
  first=$(head -c 3 "$mnt/full/report.html")
  if [ "$first" = OLD ]; then pass
  else tail -c 8 "$mnt/full/report.html" | grep -q '</html>' && pass || fail "a half report.html"; fi
  ls -a "$mnt/full" | grep -q '\.tmp$' && fail "a temporary file was left" || pass
  ended_within 120 1 "plot onto a full disk" "$SCRIPTS/plot" "$small" --out "$mnt/full"
else
  skip "cannot mount a tmpfs (not root?): read-only and full-disk cases"
fi
sed 's/,0\.4,0\.5,/,1e308,0.5,/' "$small" >"$WORK/big.csv"
ended_within 120 0 "report of seconds 1e308" "$SCRIPTS/report" "$WORK/big.csv" --out "$WORK/r1"
ended_within 120 0 "compare of seconds 1e308" "$SCRIPTS/compare" "$WORK/big.csv" "$WORK/big.csv"
cp "$small" "$WORK/c.csv"
"$PY" -c 'import json; print(json.dumps({"run_id": "big", "command": "parscale run " + "x" * (50 << 20)}))' \
  >"$WORK/c.csv.meta.jsonl"
ended_within 120 0 "report with a 50 MB command line" "$SCRIPTS/report" "$WORK/c.csv" --out "$WORK/r2"
size=$(stat -c %s "$WORK/r2/report.md")
[ "$size" -lt 1000000 ] && pass || fail "report.md is $size bytes"
finish
