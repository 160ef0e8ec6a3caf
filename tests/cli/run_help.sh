#!/usr/bin/env bash
# `parscale run --help` against the option rows it is made from (`parscale
# schema --json`, run_options): every row's --name and metavar are in it,
# under its backend's line for a backend's; every option --help lists is a
# row; every backend of the build has its line; and getopt takes exactly
# the rows (each row's name is accepted, bad values refused with status 2).
. "$(dirname "$0")/lib.sh"
"$PARSCALE" run --help > "$WORK/help.txt" && pass || fail "run --help failed"
"$PARSCALE" schema --json > "$WORK/schema.json" && pass || fail "schema --json failed"
out=$(python3 - "$WORK/help.txt" "$WORK/schema.json" <<'PY'
import json, re, sys
help_lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
doc = json.load(open(sys.argv[2], encoding="utf-8"))
rows = doc["run_options"]
backends = [b["name"] for b in doc["backends"]]
# the lines of --help that list an option: "  -k, --kernel LIST" or "      --name"
OPT = re.compile(r"^  (?:-(\w), |    )--([a-z][a-z0-9-]*)(?: (\S+))?")
listed, owner, problems = [], "run", []
for line in help_lines:
    m = re.match(r"^  ([a-z][a-z0-9-]*) {2,}\S", line)
    if m and m.group(1) in backends:
        owner = m.group(1)
        continue
    m = OPT.match(line)
    if m:
        listed.append((owner, m.group(2), m.group(1), m.group(3)))
for b in backends:
    if not any(re.match(r"^  %s {2,}\S" % re.escape(b), l) for l in help_lines):
        problems.append("backend %s has no line in run --help" % b)
want = [(r["owner"], r["name"], r["short"], r["metavar"]) for r in rows]
for w in want:
    if w not in listed:
        problems.append("row %s --%s (-%s, %s) is not in run --help as such" % w)
for l in listed:
    if l not in want:
        problems.append("run --help lists %s --%s (-%s, %s), which is no row" % l)
for r in rows:
    first = r["help"].split("\n")[0]
    if first and not any(first in l for l in help_lines):
        problems.append("--%s: its help %r is not in run --help" % (r["name"], first))
print("\n".join(problems))
print("checked %d rows" % len(rows))
PY
)
printf '%s\n' "$out" | grep -q '^checked [0-9]* rows$' && pass || fail "the comparison did not run"
while IFS= read -r line; do
  case "$line" in checked*|"") ;; *) fail "$line" ;; esac
done <<< "$out"

# every row is an option getopt takes: a value the row's own checks refuse
# comes back as its own message (status 2), never as "unknown option"
names=$(python3 -c 'import json, sys
for r in json.load(open(sys.argv[1]))["run_options"]:
    if r["argument"] == "value": print(r["name"])' "$WORK/schema.json" | sort -u)
for n in $names; do
  msg=$("$PARSCALE" run "--$n=" 2>&1 >/dev/null)
  rc=$?
  case "$msg" in
    *"unknown option"*) fail "--$n is a row but run does not take it: $msg" ;;
    *) [ "$rc" -eq 2 ] && pass || fail "--$n= exits $rc, expected 2: $msg" ;;
  esac
done
msg=$("$PARSCALE" run --no-such-option 2>&1 >/dev/null)
[ $? -eq 2 ] && [[ "$msg" == *"unknown option '--no-such-option'"* ]] && pass \
  || fail "an option that is no row: $msg"
finish
