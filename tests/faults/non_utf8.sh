#!/usr/bin/env bash
# Arguments holding bytes that are not UTF-8 (a Latin-1 file name, random
# bytes) still give metadata that is valid UTF-8 JSON (each bad byte as
# \ufffd), and report reads it; a metadata file that is not UTF-8 (written
# by something else) is reported as a problem, not a traceback.
. "$(dirname "$0")/lib.sh"
name=$(printf 'caf\xe9-\xff\xfe-\xc3(.csv')
csv="$WORK/$name"
"$PARSCALE" run -k pi -b seq -s test -r 2 --warmup 0 -q --csv "$csv" >/dev/null \
  && pass || fail "the run with a Latin-1 file name failed"
"$PY" - "$csv.meta.jsonl" <<'PY' && pass || fail "the metadata is not UTF-8 JSON"
import json, sys
data = open(sys.argv[1], "rb").read()
for line in data.decode("utf-8").splitlines():   # strict: raises on a bad byte
    obj = json.loads(line)
    if "record" in obj:                            # the closing stopping line
        continue
    assert "\ufffd" in obj["command"], obj["command"]
PY
ended_within 120 0 "report on a Latin-1 file name" "$SCRIPTS/report" "$csv" --out "$WORK/rep"
[ -s "$WORK/rep/report.html" ] && pass || fail "no report was written"
# a metadata file with raw Latin-1 (another writer): reported, not fatal
cp "$csv" "$WORK/b.csv"
printf '{"run_id":"caf\xe9"}\n' >"$WORK/b.csv.meta.jsonl"
ended_within 120 0 "report with non-UTF-8 metadata" "$SCRIPTS/report" "$WORK/b.csv" --out "$WORK/rep2"
grep -q "not UTF-8" "$WORK/rep2/report.md" && pass || fail "the report does not mention the bad metadata line"
finish
