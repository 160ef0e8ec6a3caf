#!/usr/bin/env bash
# --ci-width, --min-reps, --max-reps, --max-time end to end: what the run
# decided (the metadata's closing "stopping" line) agrees with the rule and
# with the rows written.  Nothing here asserts a speed: the targets are
# chosen so the decision cannot depend on the machine.
. "$(dirname "$0")/lib.sh"

# check CSV EXPECT: the last stopping line of CSV against the rows, then
# EXPECT, a Python expression over `rule` and `cfgs` that must be true.
check() {
  python3 - "$1" "$2" <<'PY' || fail "$1: $2"
import csv, json, sys
path, expect = sys.argv[1], sys.argv[2]
lines = [json.loads(l) for l in open(path + ".meta.jsonl")]
head = [l for l in lines if "record" not in l]
stops = [l for l in lines if l.get("record") == "stopping"]
assert len(stops) == len(head), "one stopping line per run"
stop = stops[-1]
assert stop["run_id"] == head[-1]["run_id"] and stop["schema"] == "parscale-csv-3"
rule, cfgs = stop["rule"], stop["configs"]
assert set(rule) == {"ci_width", "min_reps", "max_reps", "max_time", "disturbed_above",
                     "retry_disturbed", "keep_disturbed"}, rule
# a configuration with a base is measured in pairs with it: its counts are
# its pairs; the base's repetitions are its own pairs' sides and any alone
base = lambda c: c["backend"] == "seq"
paired = any(c["pairs"] for c in cfgs)
rows = [r for r in csv.DictReader(open(path)) if r["run_id"] == stop["run_id"]]
for c in cfgs:
    mine = [r for r in rows if (r["kernel"], r["backend"], int(r["workers"]), int(r["threads"]),
                                r["scaling"], int(r["size"]))
            == (c["kernel"], c["backend"], c["workers"], c["threads"], c["scaling"], c["size"])]
    assert len(mine) == c["reps"], (c, len(mine))
    assert sorted(int(r["rep"]) for r in mine) == list(range(c["reps"])), c
    valid = sum(r["verified"] == "true" and (rule["keep_disturbed"] or r["disturbed"] != "1")
                for r in mine)
    if paired and not base(c):  # its interval is the pairs' (set-aside ones out)
        assert (c["rel_width"] is None) == (c["pairs"] - c["set_aside"] < 6), c
    elif not paired:
        assert (c["rel_width"] is None) == (valid < 6), c
    if paired and not base(c):
        assert c["pairs"] == c["reps"], c
    if c["reason"] == "ci":
        assert c["rel_width"] <= rule["ci_width"] and valid >= rule["min_reps"], c
    if c["reason"] == "max-reps":
        assert c["reps"] >= rule["max_reps"] if base(c) else c["reps"] == rule["max_reps"], c
assert eval(expect), (expect, rule, cfgs)
PY
  pass
}

P="$PARSCALE"
# the rule is the runner's, whatever the backend: a threaded one beside the
# speedup base, omp where the build has it
par=omp
if ! has_backend omp; then
  par=gil
  echo "note: this build has no omp backend: the rule is checked with gil"
fi
# fixed count: reason reps, the rule's adaptive fields null
# (--keep-disturbed: no repetition is measured again, so the counts are the
# code's: 3 pairs each, and seq in all 6 of them)
"$P" run -k count -b seq,$par -w 1,2 -s test -r 3 --keep-disturbed -q --csv "$WORK/fixed.csv" \
  >/dev/null || fail "fixed run"
check "$WORK/fixed.csv" 'rule["ci_width"] is None and rule["max_time"] is None and rule["keep_disturbed"] and all(c["reason"] == "reps" and c["reps"] == (6 if base(c) else 3) for c in cfgs)'

# a target any machine reaches: every configuration stops on ci, and the
# speedup base (seq) runs at least as long as any configuration against it
out=$("$P" run -k count -b seq,$par -w 1,2 -s test --ci-width 99% --max-reps 300 \
      --csv "$WORK/ci.csv" 2>&1) || fail "ci run: $out"
check "$WORK/ci.csv" '{k: rule[k] for k in ("ci_width", "min_reps", "max_reps", "max_time")} == {"ci_width": 0.99, "min_reps": 6, "max_reps": 300, "max_time": None} and all(c["reason"] == "ci" for c in cfgs) and next(c for c in cfgs if c["backend"] == "seq")["reps"] >= max(c["reps"] for c in cfgs)'
printf '%s' "$out" | grep -q "every configuration reached the 99% target" && pass \
  || fail "ci run: summary lacks the closing line: $out"

# an impossible target stops at --max-reps, and the summary says so
out=$("$P" run -k null -b seq,$par -w 1,2 -s test --ci-width 0.001% --max-reps 7 \
      --min-reps 7 --csv "$WORK/max.csv" 2>&1) || fail "max-reps run: $out"
check "$WORK/max.csv" 'all(c["reason"] == "max-reps" and (base(c) or c["reps"] == 7) for c in cfgs)'
printf '%s' "$out" | grep -q "3 of 3 configurations never reached the 0.001% target" && pass \
  || fail "max-reps run: summary lacks the closing line: $out"

# a budget smaller than one repetition: the first timed round runs, no more
out=$("$P" run -k pi -b seq,$par -w 1,2 -s 20000000 --ci-width 1% --max-time 1ms \
      --csv "$WORK/time.csv" 2>&1) || fail "max-time run: $out"
check "$WORK/time.csv" 'rule["max_time"] == 0.001 and all(c["reason"] == "max-time" and c["reps"] == (2 if base(c) else 1) for c in cfgs)'
printf '%s' "$out" | grep -q "max-time" && pass || fail "max-time run: summary: $out"

# when a whole round no longer fits the budget, what still fits runs on:
# one task takes 40 waits of 5 ms in a row (200 ms), 64 tasks take them at
# once (5 ms); after the full rounds that fit in 1 s, the 64-task one keeps
# going alone (partial rounds) while the slow one stops for max-time
out=$("$P" run -k io -b async -w 1,64 -s 40 --param io.wait_us=5000 --no-baseline \
      --ci-width 0.01% --max-time 1s --csv "$WORK/part.csv" 2>&1) || fail "partial rounds run: $out"
check "$WORK/part.csv" 'all(c["reason"] == "max-time" for c in cfgs) and next(c for c in cfgs if c["workers"] == 64)["reps"] >= 2 * next(c for c in cfgs if c["workers"] == 1)["reps"]'

# under MPI every rank walks rank 0's schedule (a rank that did not would
# hang or fail the collectives)
if has_backend mpi; then
  out=$(timeout 120 $MPIRUN -np 2 "$P" run -k count -b seq,mpi -w 1,2 -s test \
        --ci-width 99% --max-reps 300 --csv "$WORK/mpi.csv" 2>&1) || fail "mpi run: $out"
  check "$WORK/mpi.csv" 'len(cfgs) == 3 and all(c["reason"] == "ci" for c in cfgs)'
  out=$(timeout 120 $MPIRUN -np 2 "$P" run -k null -b seq,mpi -w 1,2 -s test \
        --ci-width 0.001% --max-reps 9 --csv "$WORK/mpi2.csv" 2>&1) || fail "mpi run 2: $out"
  check "$WORK/mpi2.csv" 'all(c["reason"] == "max-reps" and (base(c) or c["reps"] == 9) for c in cfgs)'
else
  skip "mpi: the rule under mpirun (this build has no mpi backend)"
fi
finish
