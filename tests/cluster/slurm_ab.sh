#!/usr/bin/env bash
# One Slurm job holds both sides of an A/B: a real Slurm on this host
# (slurm_env.sh) runs a batch job that runs scripts/compare --ab with both
# commands under the allocation's mpirun.  Checks the job's verdict (the
# same build: exit 0, `same`), that every row of both sides carries that
# one job's id, and that the metadata names each run's side and trial.
# Skipped (77) only where Slurm or munge is not installed.
#   slurm_ab.sh PARSCALE SOURCE_DIR
set -u
PARSCALE=${1:?usage: $0 PARSCALE SOURCE_DIR}
SRC=${2:?usage: $0 PARSCALE SOURCE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/slurm_env.sh"
slurm_env_check

WORK=$(mktemp -d /tmp/parscale-slurm-ab-XXXXXX)
chmod 0755 "$WORK"
cleanup() {
  slurm_env_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
PY=$(command -v python3 || echo /usr/bin/python3)
mkdir "$WORK/slurm"
slurm_env_start_or_exit "$WORK/slurm"

job="$WORK/ab.sbatch"
cat >"$job" <<JOB
#!/bin/bash
#SBATCH --ntasks 2
#SBATCH --time 00:05:00
"$SRC/scripts/compare" --ab "$PARSCALE" "$PARSCALE" \\
  --launcher "mpirun -np 2 --oversubscribe --bind-to none" \\
  --max-time 10s --threshold 50% --seed 3 --csv "$WORK/ab.csv" --json \\
  -- --kernel pi --backend mpi --workers 2 --size test >"$WORK/ab.json"
JOB
sbatch --wait --partition debug --output "$WORK/ab.out" "$job" >"$WORK/sbatch.log" 2>&1
rc=$?
cat "$WORK/sbatch.log"
id=$(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' "$WORK/sbatch.log")
"$PY" - "$WORK" "$rc" "$id" <<'PYEOF'
import csv, json, sys
w, rc, job = sys.argv[1], int(sys.argv[2]), sys.argv[3]
bad = []
if rc != 0:
    bad.append("the job (compare --ab) exited %d" % rc)
try:
    doc = json.load(open(w + "/ab.json"))
except (OSError, ValueError) as e:
    doc = None
    bad.append("no JSON verdict from the job: %s" % e)
if doc:
    if doc["exit"] != 0 or [r["verdict"] for r in doc["results"]] != ["same", "same"]:
        bad.append("verdicts %s, exit %s" % ([r["verdict"] for r in doc["results"]], doc["exit"]))
    rows = list(csv.DictReader(open(w + "/ab.csv", newline="")))
    meta = [json.loads(x) for x in open(w + "/ab.csv.meta.jsonl") if x.strip()]
    side = {m["run_id"]: m["side"] for m in meta if m.get("record") == "ab"}
    if {r["slurm_job_id"] for r in rows} != {job}:
        bad.append("job ids in the rows %s, the job was %s" % ({r["slurm_job_id"] for r in rows}, job))
    if {side.get(r["run_id"]) for r in rows} != {"BASE", "NEW"}:
        bad.append("rows' sides: %s" % {side.get(r["run_id"]) for r in rows})
    mpi = [r for r in rows if r["backend"] == "mpi"]
    if not mpi or any(r["ranks"] != "2" or r["verified"] != "true" for r in mpi):
        bad.append("mpi rows: %d, ranks %s" % (len(mpi), {r["ranks"] for r in mpi}))
    print("job %s: %d trials, %d rows" % (job, doc["trials"], len(rows)))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PYEOF
st=$?
if [ "$st" -ne 0 ]; then
  cat "$WORK/ab.out" 2>/dev/null
  slurm_env_logs
  exit 1
fi
echo "all checks passed"
