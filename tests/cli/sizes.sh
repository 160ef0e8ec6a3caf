#!/usr/bin/env bash
# --size S,KERNEL=S...: each kernel runs at its own size where one is
# given, at the run's size otherwise, and the rows say which.
. "$(dirname "$0")/lib.sh"

P="$PARSCALE"
"$P" run -k pi,count,stream -b seq -s test,pi=2000,stream=quick -r 1 --warmup 0 -q \
  --csv "$WORK/s.csv" >/dev/null 2>&1 || fail "run with per-kernel sizes failed"
sizes=$(python3 - "$WORK/s.csv" "$("$P" list --json)" <<'PY'
import csv, json, sys
rows = {r["kernel"]: r["size"] for r in csv.DictReader(open(sys.argv[1]))}
k = {x["name"]: x["sizes"] for x in json.loads(sys.argv[2])["kernels"]}
print(rows["pi"] == "2000", rows["count"] == str(k["count"]["test"]),
      rows["stream"] == str(k["stream"]["quick"]))
PY
)
[ "$sizes" = "True True True" ] && pass || fail "sizes in the rows: $sizes"
finish
