#!/usr/bin/env bash
# What a user touches on every run: --version, progress into a log (a
# pipe) and --quiet, a signal mid-run (a summary of what was measured,
# exit 130/143, every row whole, the metadata saying so), and the summary's
# exports (the JSON against docs/summary-schema.json and the summary's own
# figures, the Markdown table).  Nothing asserts a speed.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)

# --version: exit 0, the same line as `parscale --version`
v=$("$PARSCALE" run --version); rc=$?
[ "$rc" = 0 ] && pass || fail "run --version exited $rc"
[ "$v" = "$("$PARSCALE" --version)" ] && pass || fail "run --version says '$v'"
case "$v" in "parscale "[0-9]*" ("*")") pass ;; *) fail "version line '$v'" ;; esac

# progress into a pipe: one line per round (1 warm-up + 3 timed) on stderr
"$PARSCALE" run -k null -b seq -w 1 -s test -r 3 2>"$WORK/p.err" | cat >"$WORK/p.out"
n=$(grep -c '^parscale: .*round [0-9]*/4 done (.* repetitions, .*), about .* left$' "$WORK/p.err")
[ "$n" = 4 ] && pass || { fail "expected 4 progress lines, got $n"; cat "$WORK/p.err"; }
grep -q 'round' "$WORK/p.out" && fail "progress went to stdout" || pass
"$PARSCALE" run -k null -b seq -w 1 -s test -r 3 -q 2>"$WORK/q.err" | cat >/dev/null
grep -q 'round' "$WORK/q.err" && fail "--quiet still shows progress" || pass
# an open-ended rule under a budget says the budget bounds what is left
"$PARSCALE" run -k null -b seq -s test --ci-width 50% --max-time 30s 2>"$WORK/c.err" >/dev/null
grep -q 'at most .* left (--max-time)$' "$WORK/c.err" && pass || fail "no budget estimate: $(cat "$WORK/c.err")"

# interrupt SIG CODE CSV [LAUNCHER...]: a run of 200 ms waits stopped by SIG
# once two rows are written
interrupt() {
  local sig=$1 code=$2 csv=$3; shift 3
  rm -f "$csv" "$csv.meta.jsonl"
  "$@" "$PARSCALE" run -k io -b seq,gil -w 1,2 -s test --param io.wait_us=20000 -r 40 \
      --warmup 0 --csv "$csv" --export-json "$csv.json" >"$csv.out" 2>"$csv.err" &
  local pid=$! i
  for i in $(seq 600); do
    [ -f "$csv" ] && [ "$(wc -l < "$csv")" -ge 3 ] && break
    sleep 0.05
  done
  local t0=$SECONDS
  kill -"$sig" "$pid"
  wait "$pid"; local rc=$?
  [ "$rc" = "$code" ] && pass || { fail "$sig: exit $rc, not $code"; cat "$csv.err"; }
  [ $((SECONDS - t0)) -le 10 ] && pass || fail "$sig: took $((SECONDS - t0)) s to stop"
  grep -q "interrupted by SIG$sig after [0-9]* timed repetitions" "$csv.out" && pass \
    || { fail "$sig: no summary of what was measured"; cat "$csv.out"; }
  grep -q '^  gil ' "$csv.out" && pass || fail "$sig: the summary has no configuration lines"
  python3 - "$csv" "SIG$sig" <<'PY' && pass || fail "$sig: rows or metadata"
import csv, json, sys
path, sig = sys.argv[1], sys.argv[2]
text = open(path).read()
assert text.endswith("\n"), "the last row is cut"
rows = list(csv.reader(text.splitlines()))
assert all(len(r) == len(rows[0]) for r in rows), "a row is not whole"
assert all(r[rows[0].index("verified")] == "true" for r in rows[1:])
stop = [json.loads(l) for l in open(path + ".meta.jsonl")][-1]
assert stop["record"] == "stopping" and stop["interrupted"] == sig, stop
assert sum(c["reps"] for c in stop["configs"]) == len(rows) - 1
assert any(c["reason"] == "interrupted" for c in stop["configs"]), stop
ex = json.load(open(path + ".json"))
assert ex["interrupted"] == sig and sum(c["reps"] for c in ex["configs"]) == len(rows) - 1
PY
}
interrupt INT 130 "$WORK/int.csv"
interrupt TERM 143 "$WORK/term.csv"
# under mpirun, Ctrl-C reaches mpirun, which sends SIGTERM on to the ranks:
# they finish the repetition, rank 0 prints the summary; mpirun's own exit
# status is its choice (non-zero), so only that is asserted
if has_backend mpi; then
  csv=$WORK/mpi.csv
  $MPIRUN -np 2 "$PARSCALE" run -k io -b mpi -w 1,2 -s test --param io.wait_us=20000 -r 40 \
      --warmup 0 --csv "$csv" >"$csv.out" 2>"$csv.err" &
  pid=$!
  for i in $(seq 600); do
    [ -f "$csv" ] && [ "$(wc -l < "$csv")" -ge 3 ] && break
    sleep 0.05
  done
  kill -INT "$pid"
  wait "$pid"; rc=$?
  [ "$rc" != 0 ] && pass || fail "mpirun: exit 0 after SIGINT"
  grep -q "interrupted by SIG[A-Z]* after [0-9]* timed repetitions" "$csv.out" && pass \
    || { fail "mpirun: no summary of what was measured"; cat "$csv.out" "$csv.err"; }
  python3 - "$csv" <<'PY' && pass || fail "mpirun: a row is not whole"
import csv, sys
text = open(sys.argv[1]).read()
rows = list(csv.reader(text.splitlines()))
assert text.endswith("\n") and len(rows) >= 3 and all(len(r) == len(rows[0]) for r in rows)
PY
else
  skip "SIGINT under mpirun: this build has no mpi backend"
fi

# the exports: the JSON valid against its schema, its figures the
# summary's, the Markdown a table of every configuration
"$PARSCALE" run -k pi -b seq,gil -w 1,2 -s test -r 6 --retry-disturbed 6 --export-json "$WORK/e.json" \
    --export-markdown "$WORK/e.md" >"$WORK/e.out" 2>/dev/null && pass || fail "export run"
python3 "$(dirname "$0")/summary_schema.py" "$top/docs/summary-schema.json" "$WORK/e.json" \
  && pass || fail "the export does not follow docs/summary-schema.json"
python3 - "$WORK/e.json" "$WORK/e.out" "$WORK/e.md" <<'PY' && pass || fail "export figures"
import json, re, sys
ex, out, md = json.load(open(sys.argv[1])), open(sys.argv[2]).read(), open(sys.argv[3]).read()
cfgs = ex["configs"]
assert {(c["backend"], c["workers"]) for c in cfgs} == {("seq", 1), ("gil", 1), ("gil", 2)}
for c in cfgs:
    # seq is the gil configurations' base: it runs in each of their pairs
    base = c["backend"] == "seq"
    reps = c["reps"]
    # a repetition the machine disturbed is set aside and its pair measured
    # again (up to 6 more per planned one): at least 6 are used (a pair set
    # aside for its other half leaves this half used), the run ones those
    # plus the set-aside ones
    used, aside = c["reps_used"], c["reps_set_aside"]
    assert used >= 6 and reps == used + aside, c
    assert c["min_s"] <= c["ci_s"][0] <= c["median_s"] <= c["ci_s"][1] <= c["max_s"], c
    assert c["ci_exact"] and c["sd_s"] >= 0 and c["reason"] == "reps", c
    if base:  # no speedup of its own, as in the summary ("-")
        assert c["speedup"] is None and c["efficiency"] is None, c
        continue
    assert abs(c["efficiency"] - c["speedup"] / c["workers"]) < 1e-9, c
    lo, hi = c["speedup_ci"]
    assert lo <= c["speedup"] <= hi, c
    # the summary's paired speedup and its interval, to the digits printed
    m = re.search(r"^  %s +%d .* ([0-9.]+) \[([0-9.]+), ([0-9.]+)\] +[0-9.]+  [0-9.]+ "
                  % (c["backend"], c["workers"]), out, re.M)
    assert m, (c, out)
    # the point rounded to nearest; the interval's ends rounded outwards
    unit = lambda t: 10.0 ** -(len(t.split(".")[1]) if "." in t else 0)
    (p_s, lo_s, hi_s), g = m.groups(), m.group(0)
    assert abs(float(p_s) - c["speedup"]) <= 0.51 * unit(p_s), (c, g)
    assert float(lo_s) <= lo + 1e-12 and lo - float(lo_s) <= 1.01 * unit(lo_s), (c, g)
    assert float(hi_s) >= hi - 1e-12 and float(hi_s) - hi <= 1.01 * unit(hi_s), (c, g)
    assert re.search(r"^\| pi \| strong \| %s \| %d \| .* \| %d of %d \| reps \|$"
                     % (c["backend"], c["workers"], used, reps), md, re.M), (c, md)
# the Markdown table is well formed as GitHub renders one: a header, its
# separator, and rows of the same number of cells (a '|' inside a cell escaped)
lines = [l for l in md.splitlines() if l.startswith("|")]
cells = [len(re.split(r"(?<!\\)\|", l)) - 2 for l in lines]
assert len(lines) == 2 + len(cfgs) and len(set(cells)) == 1 and cells[0] == 12, (lines, cells)
assert re.fullmatch(r"\|(-{3,}:?\|)+", lines[1].replace("---:", "---:")), lines[1]
assert ex["machine"]["cores_online"] >= 1 and ex["rule"]["reps"] == 6
PY
# bad input: a folder that does not exist, a directory; nothing runs
"$PARSCALE" run -k null -b seq -s test --export-json "$WORK/no/such/x.json" 2>"$WORK/b.err"
[ $? = 2 ] && grep -q 'export-json .*does not exist' "$WORK/b.err" && pass || fail "missing folder"
"$PARSCALE" run -k null -b seq -s test --export-markdown "$WORK" 2>"$WORK/b.err"
[ $? = 2 ] && grep -q 'is a directory' "$WORK/b.err" && pass || fail "directory"
finish
