#!/usr/bin/env bash
# What disturbed a repetition, and speedups from pairs, end to end:
#  - a CPU hog pinned beside the measured worker (both on CPU 0, so the
#    kernel must share it between them): the repetitions it overlapped are
#    marked disturbed, their run-queue delay is the time the hog held the
#    CPU (within 2x), they are measured again, and the pairs' speedup ends
#    within 5% of the same run without the hog;
#  - the terminal's speedup and interval are the analysis's (scripts/report
#    and scripts/plot read the CSV through it), configuration by
#    configuration;
#  - --rep-time chooses the size, and the rows carry it.
. "$(dirname "$0")/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
export PYTHONPATH="$REPO/scripts/lib"
P="$PARSCALE"
if ! command -v taskset >/dev/null || ! taskset -c 0 true 2>/dev/null; then
  skip "the hog: taskset cannot pin to CPU 0 here"
  NOHOG=1
fi

# --rep-time: one calibrated size per kernel, in every row
"$P" run -k pi -b seq --rep-time 20ms -r 3 -q --csv "$WORK/cal.csv" >/dev/null 2>&1 \
  || fail "--rep-time run failed"
size=$(python3 - "$WORK/cal.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
sizes = {r["size"] for r in rows}
assert len(sizes) == 1, sizes
# each less what it lost to other tasks: the kernel's own time
t = statistics.median(float(r["seconds"]) * (1 - float(r["lost"] or 0)) for r in rows)
# the size is the code's choice; the time is the machine's: a wide margin
assert 0.005 < t < 0.080, t
print(sizes.pop())
PY
) && pass || fail "--rep-time: rows disagree on the size, or a repetition is far from 20 ms"

if [ -z "${NOHOG:-}" ] && [ -n "$size" ]; then
  run() {  # run CSV: pi seq against omp at 1 worker, both pinned to CPU 0
    taskset -c 0 "$P" run -k pi -b seq,omp -w 1 -s "$size" -r 16 --warmup 1 \
      --retry-disturbed 4 \
      --csv "$1" >"$1.log" 2>&1
  }
  run "$WORK/quiet.csv" || fail "the run without the hog failed: $(cat "$WORK/quiet.csv.log")"
  run "$WORK/hog.csv" &
  pid=$!
  sleep 0.3
  taskset -c 0 timeout 0.6 sh -c 'while :; do :; done'
  wait "$pid" || fail "the run beside the hog failed: $(cat "$WORK/hog.csv.log")"
  python3 - "$WORK/quiet.csv" "$WORK/hog.csv" <<'PY' && pass || fail "the hog's repetitions"
import csv, statistics, sys
from parscale_py import analysis

def speedup(path):
    a = analysis.analyse(path)
    (p,) = [p for p in a.points if p.backend == "omp"]
    # measured again: the set-aside pairs were made up for (within the
    # retries: a machine busy with others besides the hog may use them up)
    assert p.paired and p.speedup_summary.n >= 8, (path, p.speedup_summary.n)
    return p.speedup

rows = list(csv.DictReader(open(sys.argv[2])))
hit = [r for r in rows if r["disturbed"] == "1"]
assert hit, "no repetition marked disturbed beside the hog"
checked = 0
for cfg in ("seq", "omp"):
    mine = [r for r in rows if r["backend"] == cfg]
    calm = min(float(r["seconds"]) for r in mine)
    for r in mine:
        if r["disturbed"] != "1":
            continue
        held = float(r["seconds"]) - calm      # what the hog took of this one
        q = float(r["runq_delay"])
        assert float(r["lost"]) > 0.02, r["lost"]
        # the repetition was slowed by the hog (by half its time or more: the
        # host moves a repetition by several ms without any hog),
        # and what the harness counts as lost accounts for it: waiting beside
        # the hog on CPU 0 is run-queue delay, what the host took (steal,
        # interrupts) is time neither running nor queued; which of the two
        # a repetition met is the host's doing, their sum is the code's
        if held > 0.5 * calm:
            counted = float(r["lost"]) * float(r["seconds"])
            assert 0.5 * held <= counted <= 2.0 * held, (cfg, counted, q, held)
            checked += 1
# the hog shares CPU 0 half and half for 0.6 s: 20 ms repetitions beside it
# take about twice as long
assert checked, "no repetition slowed by half its time beside the hog"
# the hog shared CPU 0 with the worker: it queued at least one repetition
assert any(float(r["runq_delay"] or 0) > 0 for r in hit), \
    "no disturbed repetition waited in the run queue beside the hog"
quiet, hog = speedup(sys.argv[1]), speedup(sys.argv[2])
assert abs(hog / quiet - 1.0) <= 0.05, (quiet, hog)
print("hog: %d disturbed rows; speedup %.3f quiet, %.3f beside the hog" % (len(hit), quiet, hog))
PY
  # the rounds that measured again are past the plan: the progress says so
  # rather than count beyond its total or give a negative time left
  python3 - "$WORK/hog.csv.log" <<'PY' && pass || fail "progress past the plan"
import re, sys
lines = [l for l in open(sys.argv[1]) if re.match(r"parscale: (warm-up )?round", l)]
assert len(lines) > 17, "no round past the 17 planned: %d" % len(lines)
for l in lines:
    for num, den in re.findall(r"(\d+)/(\d+)", l):
        assert int(num) <= int(den), l
    assert "about -" not in l, l
assert "measuring again what the machine disturbed" in lines[-1], lines[-1]
PY
fi

# the terminal's paired speedups are the analysis's, printed the same way
backends=seq,gil
has_backend omp && backends=$backends,omp
"$P" run -k pi,count -b "$backends" -w 1,2 -s test -r 8 --csv "$WORK/same.csv" \
  >"$WORK/term.txt" 2>&1 || fail "the consistency run failed: $(cat "$WORK/term.txt")"
python3 - "$WORK/same.csv" "$WORK/term.txt" <<'PY' && pass || fail "terminal and analysis disagree"
import math, re, sys
from parscale_py import analysis

def fmt(point, lo, hi, exact):
    # the rule ps_format_interval prints by: three significant digits, the
    # ends at the point's last place, rounded outwards
    mag = math.floor(math.log10(abs(point))) if point else 0
    places = min(9, max(0, 2 - mag))
    sc = 10 ** places
    p = round(point * sc) / sc
    l, h = min(math.floor(lo * sc) / sc, p), max(math.ceil(hi * sc) / sc, p)
    return "%.*f" % (places, p), "%s[%.*f, %.*f]" % ("" if exact else "~", places, l, places, h)

term, kernel = {}, None
for line in open(sys.argv[2]):
    m = re.match(r"^(\w+) \((strong|weak) scaling", line)
    if m:
        kernel = m.group(1)
        continue
    m = re.match(r"^  (\w+)\s+(\d+)\s+.*?\s(\S+) (~?\[[^\]]+\])\s", line)
    if m and kernel:
        term[(kernel, m.group(1), int(m.group(2)))] = (m.group(3), m.group(4))
a = analysis.analyse(sys.argv[1])
n = 0
for p in a.points:
    if not p.paired or p.speedup is None:
        continue
    su = p.speedup_summary
    want = fmt(p.speedup, p.speedup_lo, p.speedup_hi, su.ci_available)
    got = term.get((p.kernel, p.backend, p.workers))
    assert got == want, (p.kernel, p.backend, p.workers, got, want)
    n += 1
assert n >= 6 and n == len(term), (n, len(term))
PY
finish
