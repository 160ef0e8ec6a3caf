#!/usr/bin/env bash
# bandwidth-study.sh -- is the network measured?  On the virtual cluster
# (vcluster.sh), 2 ranks on 2 hosts (mpirun --host n1,n2, mpi backend) run
# each kernel with the hosts' links at full speed, then with what every
# host sends limited to RATE (tc tbf).  Kernels that exchange data every
# step (stencil: a halo row each way; transpose: an all-to-all; nbody: an
# all-gather of positions) must slow down by about the bytes one host
# sends the other divided by the rate; kernels that do not (pi,
# montecarlo) must not change.
#
#   bandwidth-study.sh [--quick] [--rate 80mbit] [--reps R] [--rounds N] [--out FILE]
#                      PARSCALE
#
# Prints one line per kernel (and writes it to FILE when given):
#   kernel size steps sent_MB predicted_s full_s limited_s extra_s ratio
# sent_MB: bytes one host sends the other per repetition; predicted_s:
# sent / rate; full_s, limited_s: median seconds per repetition; extra_s:
# limited - full; ratio: limited / full.  Full speed and limited alternate
# N rounds (default 3) of R repetitions (default 4) each.  --quick: smaller
# sizes, 2 rounds of 3, transpose and pi only (what tests/cluster/bandwidth.sh
# runs: stencil's small halo messages make it the noisiest on a shared VM).
# Needs root (exit 77 otherwise, saying why).
set -u
quick=0 rate=80mbit reps=4 rounds=3 out=""
while [ $# -gt 1 ]; do
  case $1 in
    --quick) quick=1; reps=3; rounds=2; shift ;;
    --rate) rate=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "bandwidth-study: unknown option '$1'" >&2; exit 2 ;;
  esac
done
PARSCALE=${1:?usage: $0 [--quick] [--rate R] [--reps R] [--out FILE] PARSCALE}
[ -x "$PARSCALE" ] || { echo "bandwidth-study: '$PARSCALE' is not a program" >&2; exit 2; }
case $rate in
  *mbit) bps=$(( ${rate%mbit} * 1000000 / 8 )) ;;
  *) echo "bandwidth-study: --rate must be in mbit, e.g. 80mbit" >&2; exit 2 ;;
esac
PARSCALE=$(cd "$(dirname "$PARSCALE")" && pwd)/$(basename "$PARSCALE")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/vcluster.sh"
vc_check
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
PY=$(command -v python3 || echo /usr/bin/python3)

WORK=$(mktemp -d /var/tmp/parscale-bw-XXXXXX)
PARSCALE=$(vc_share "$PARSCALE" "$WORK") || exit 1  # hosts see only shared folders
chmod 0755 "$WORK"
trap 'vc_stop; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir "$WORK/vc"
vc_start "$WORK/vc" 2 || { echo "bandwidth-study: the virtual cluster did not start" >&2; vc_logs; exit 1; }

# kernel size steps, and the bytes one of 2 ranks sends the other per step
#   stencil   one row of n doubles each way           8 n
#   transpose its (n/2) x (n/2) block of doubles      2 n^2
#   nbody     its n/2 bodies' x, y, z                 12 n
#   pi, montecarlo: nothing between steps (one reduction at the end)
if [ "$quick" = 1 ]; then
  plan="transpose 512 10
pi 100000000 1"
else
  plan="stencil 1024 200
transpose 1024 10
nbody 512 50
pi 200000000 1
montecarlo 20000000 1"
fi
sent_per_step() {
  case $1 in
    stencil) echo $((8 * $2)) ;;
    transpose) echo $((2 * $2 * $2)) ;;
    nbody) echo $((12 * $2)) ;;
    *) echo 0 ;;
  esac
}

# one CSV per phase; every kernel in one parscale run, interleaved
run_phase() {
  local csv=$1 k n s
  while read -r k n s; do
    args=(-k "$k" -s "$n")
    [ "$s" -gt 1 ] && args+=(--steps "$s")
    vc_exec head timeout 600 mpirun --host n1,n2 -np 2 --bind-to none "$PARSCALE" run \
      -b mpi -w 2 --no-baseline "${args[@]}" -r "$reps" --warmup 1 -q --csv "$csv" \
      </dev/null >>"$WORK/runs.log" 2>&1 || { echo "bandwidth-study: $k failed:" >&2; tail -n 20 "$WORK/runs.log" >&2; return 1; }
  done <<<"$plan"
}
# full speed and limited in turns, so that a drift in the machine's load
# (it is shared) falls on both alike
for _ in $(seq 1 "$rounds"); do
  run_phase "$WORK/full.csv" || exit 1
  vc_limit "$rate" || { echo "bandwidth-study: tc could not limit the links" >&2; exit 1; }
  run_phase "$WORK/limited.csv" || exit 1
  vc_unlimit
done

"$PY" - "$WORK/full.csv" "$WORK/limited.csv" "$bps" "$(
  while read -r k n s; do echo "$k $n $s $(( $(sent_per_step "$k" "$n") * s ))"; done <<<"$plan"
)" >"$WORK/table" <<'PYEOF' || exit 1
import csv, statistics, sys
full, limited, bps, plan = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]

def medians(path):
    out = {}
    with open(path, newline="") as fh:
        for r in csv.DictReader(fh):
            if r["verified"] != "true":
                sys.exit("%s %s did not verify: %s" % (path, r["kernel"], r["error"]))
            if r["hosts"] not in ("n1:1,n2:1", "n2:1,n1:1"):
                sys.exit("%s: ranks on %s, not on n1 and n2" % (r["kernel"], r["hosts"]))
            out.setdefault(r["kernel"], []).append(float(r["seconds"]))
    return {k: statistics.median(v) for k, v in out.items()}

f, l = medians(full), medians(limited)
print("%-10s %10s %5s %8s %11s %8s %9s %8s %6s" % ("kernel", "size", "steps", "sent_MB",
      "predicted_s", "full_s", "limited_s", "extra_s", "ratio"))
for line in plan.splitlines():
    k, n, s, sent = line.split()
    sent = float(sent)
    print("%-10s %10s %5s %8.3f %11.4f %8.4f %9.4f %8.4f %6.2f" % (k, n, s, sent / 1e6,
          sent / bps, f[k], l[k], l[k] - f[k], l[k] / f[k]))
PYEOF
cat "$WORK/table"
if [ -n "$out" ]; then
  {
    echo "# tests/cluster/bandwidth-study.sh$([ "$quick" = 1 ] && echo " --quick") --rate $rate" \
         "--reps $reps --rounds $rounds"
    echo "# $rounds rounds of (full speed, limited), $reps repetitions each; medians"
    echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $("$PARSCALE" --version 2>/dev/null | head -n 1)," \
         "$(nproc) cores shared by every virtual host"
    echo "# each kernel: vc_exec head mpirun --host n1,n2 -np 2 --bind-to none parscale run" \
         "-b mpi -w 2 --no-baseline -k K -s SIZE [--steps S] -r $reps --warmup 1"
    echo "# with the links at full speed, and limited by, on every host:"
    echo "#   tc qdisc replace dev eth0 root tbf rate $rate burst 32kbit latency 50ms"
    echo "# load average of the machine: $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
    cat "$WORK/table"
  } >"$out"
fi
