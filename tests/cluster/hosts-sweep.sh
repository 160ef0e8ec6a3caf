#!/usr/bin/env bash
# hosts-sweep.sh -- 1 and 2 hosts x 1 and 2 ranks per host on the virtual
# cluster (vcluster.sh), into one CSV and its charts:
#   mpirun --host n1:2,n2:2 -np 4 --map-by slot  -w 1,2    1x1, 1 host x 2
#   mpirun --host n1:2,n2:2 -np 4 --map-by node  -w 2,4    2 hosts x 1, 2 hosts x 2
# The hosts column tells 2 ranks on one host (n1:2) from 2 ranks on two
# (n1:1,n2:1); the charts draw one line per node count.  Every "host" has
# the machine's cores: this shows placement and the paths, not cluster speed.
#   hosts-sweep.sh [--reps R] OUTDIR PARSCALE      (needs root; 77 otherwise)
set -u
reps=5
[ "${1:-}" = --reps ] && { reps=$2; shift 2; }
OUT=${1:?usage: $0 [--reps R] OUTDIR PARSCALE}
PARSCALE=${2:?usage: $0 [--reps R] OUTDIR PARSCALE}
[ -x "$PARSCALE" ] || { echo "hosts-sweep: '$PARSCALE' is not a program" >&2; exit 2; }
[ ! -e "$OUT/results.csv" ] || { echo "hosts-sweep: $OUT/results.csv exists; move it away" >&2; exit 2; }
PARSCALE=$(cd "$(dirname "$PARSCALE")" && pwd)/$(basename "$PARSCALE")
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$here/vcluster.sh"
vc_check
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

WORK=$(mktemp -d /var/tmp/parscale-sweep-XXXXXX)
PARSCALE=$(vc_share "$PARSCALE" "$WORK") || exit 1  # hosts see only shared folders
chmod 0755 "$WORK"
trap 'vc_stop; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
mkdir "$WORK/vc"
vc_start "$WORK/vc" 2 || { echo "hosts-sweep: the virtual cluster did not start" >&2; vc_logs; exit 1; }

csv="$WORK/results.csv"
run=(-b mpi -k 'pi,stencil' -s quick -r "$reps" --warmup 1 -q --csv "$csv")
{
  echo "# tests/cluster/hosts-sweep.sh --reps $reps, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "vc_exec head mpirun --host n1:2,n2:2 -np 4 --map-by slot --bind-to none parscale run -w 1,2 ${run[*]}"
  echo "vc_exec head mpirun --host n1:2,n2:2 -np 4 --map-by node --bind-to none parscale run -w 2,4 --no-baseline ${run[*]}"
} >"$OUT/commands.txt"
vc_exec head mpirun --host n1:2,n2:2 -np 4 --map-by slot --bind-to none "$PARSCALE" run \
  -w 1,2 "${run[@]}" </dev/null || exit 1
vc_exec head mpirun --host n1:2,n2:2 -np 4 --map-by node --bind-to none "$PARSCALE" run \
  -w 2,4 --no-baseline "${run[@]}" </dev/null || exit 1
cp "$csv" "$csv.meta.jsonl" "$OUT/"
"$src/scripts/plot" --parscale "$PARSCALE" --out "$OUT" "$OUT/results.csv"
