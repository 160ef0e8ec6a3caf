#!/usr/bin/env bash
# The CSV renamed away (or replaced) mid-run: the run stops with one line
# and does not start a second file; a metadata file that is a symbolic link
# is refused before anything runs (JSON would go to its target).
. "$(dirname "$0")/lib.sh"
csv="$WORK/m.csv"
timeout -k 5 $((60 * TIME_SCALE)) "$PARSCALE" run -k pi -b seq -s quick -r 400 --warmup 0 -q --csv "$csv" >"$WORK/out" 2>"$WORK/err" &
pid=$!
for _ in $(seq 100); do [ -s "$csv" ] && [ "$(wc -l <"$csv")" -ge 2 ] && break; sleep 0.1; done
mv "$csv" "$WORK/moved.csv"
wait "$pid"
rc=$?
[ "$rc" -eq 1 ] && pass || fail "moved mid-run: exit $rc, expected 1"
grep -q "moved or removed" "$WORK/err" && pass || fail "moved: $(cat "$WORK/err")"
[ ! -e "$csv" ] && pass || fail "a second CSV was started under the old name"
csv_whole "$WORK/moved.csv" "the moved CSV"
# replaced by another file (a symbolic link to it) mid-run
csv="$WORK/r.csv"
timeout -k 5 $((60 * TIME_SCALE)) "$PARSCALE" run -k pi -b seq -s quick -r 400 --warmup 0 -q --csv "$csv" >"$WORK/out" 2>"$WORK/err" &
pid=$!
for _ in $(seq 100); do [ -s "$csv" ] && [ "$(wc -l <"$csv")" -ge 2 ] && break; sleep 0.1; done
cp "$csv" "$WORK/other.csv" && ln -sf "$WORK/other.csv" "$csv.new" && mv "$csv.new" "$csv"
wait "$pid"
rc=$?
[ "$rc" -eq 1 ] && pass || fail "replaced mid-run: exit $rc, expected 1"
grep -q "moved or replaced" "$WORK/err" && pass || fail "replaced: $(cat "$WORK/err")"
# a metadata file that is a symbolic link
echo '{}' >"$WORK/target.jsonl"
ln -s "$WORK/target.jsonl" "$WORK/s.csv.meta.jsonl"
ended_within 10 2 "metadata through a symbolic link" \
  "$PARSCALE" run -k pi -b seq -s test -r 1 -q --csv "$WORK/s.csv"
[ "$(wc -l <"$WORK/target.jsonl")" -eq 1 ] && pass || fail "JSON was appended to the link's target"
[ ! -e "$WORK/s.csv" ] && pass || fail "the CSV was created"
finish
