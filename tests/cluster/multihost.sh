#!/usr/bin/env bash
# Several hosts, on a virtual cluster (tests/cluster/vcluster.sh: a head and
# two compute hosts n1, n2, each its own network, UTS, mount and PID
# namespaces, sshd, munged, slurmd; slurmctld on the head):
#   1. mpirun --host n1,n2 over ssh: every row verified, and each rank's own
#      gethostname() (the hosts column) puts the 2-rank point on n1 and n2;
#      with 4 ranks the default mapping puts the 2-rank point on one host
#      and --map-by node on two;
#   2. an unreachable host for mpirun --host: an error naming it, in seconds;
#   3. scripts/submit --nodes 1,2 (mpirun) and --nodes 2 --launcher srun
#      through sbatch: the 2-node jobs' rows come from n1 and n2;
#   4. a compute host dies mid-job: the job fails, submit --wait names it
#      and exits non-zero, the CSV keeps every row it had and no torn row;
#   5. afterwards no namespace, link or daemon of the cluster is left.
# Skipped (77), saying why, where it cannot run (not root, no namespaces,
# programs missing).
#   multihost.sh PARSCALE SOURCE_DIR
set -u
PARSCALE=${1:?usage: $0 PARSCALE SOURCE_DIR}
SRC=$(cd "${2:?usage: $0 PARSCALE SOURCE_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/vcluster.sh"
vc_check
PARSCALE=$(cd "$(dirname "$PARSCALE")" && pwd)/$(basename "$PARSCALE")

# shared by the hosts: not under /tmp, which each host has its own of
WORK=$(mktemp -d /var/tmp/parscale-vc-XXXXXX)
chmod 0755 "$WORK"  # munged runs as user munge and must reach its key
PARSCALE=$(vc_share "$PARSCALE" "$WORK") || exit 1
SCRIPTS=$(vc_share "$SRC/scripts" "$WORK") || exit 1
links_before=$(ip -o link show | awk -F': ' '{print $2}' | sort)
cleanup() {
  vc_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
FAILS=0
fail() { FAILS=$((FAILS + 1)); printf 'FAIL: %s\n' "$*"; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
PY=$(command -v python3 || echo /usr/bin/python3)
t0=$(date +%s)

mkdir "$WORK/vc"
if ! vc_start "$WORK/vc" 2; then
  echo "FAIL: the virtual cluster did not start"
  vc_logs
  exit 1
fi
echo "cluster $VC_PREFIX up in $(($(date +%s) - t0)) s: hosts ${VC_HOSTS[*]}"
[ "$(vc_exec n1 hostname)" = n1 ] && [ "$(vc_exec n2 hostname)" = n2 ] ||
  fail "the hosts do not have their own names"

# check.py CSV [filters...]: every row whole and verified; prints, for each
# (ranks, hosts) seen, the count -- the assertions are made in bash
cat >"$WORK/check.py" <<'PYEOF'
import csv, sys
path = sys.argv[1]
job = sys.argv[2] if len(sys.argv) > 2 else None
with open(path, newline="") as fh:
    rows = list(csv.reader(fh))
header, body = rows[0], rows[1:]
torn = [i + 2 for i, r in enumerate(body) if len(r) != len(header)]
if torn:
    print("TORN lines %s" % torn[:10])
recs = [dict(zip(header, r)) for r in body if len(r) == len(header)]
if job:
    recs = [r for r in recs if r["slurm_job_id"] == job]
bad = [r for r in recs if r["verified"] != "true"]
if bad:
    print("UNVERIFIED %d rows, first: %s %s %s" % (len(bad), bad[0]["kernel"],
          bad[0]["backend"], bad[0]["error"]))
seen = {}
for r in recs:
    if r["backend"] in ("mpi", "hybrid"):
        k = "%s %s" % (r["ranks"], r["hosts"])
        seen[k] = seen.get(k, 0) + 1
print("rows %d" % len(recs))
for k in sorted(seen):
    print("point %s" % k)
PYEOF

# ---- 1. mpirun --host n1,n2 over ssh ----------------------------------------
csv1="$WORK/ssh.csv"
vc_exec head timeout 120 mpirun --host n1,n2 -np 2 "$PARSCALE" run -b mpi -w 1,2 \
  -k stencil,pi -s test -r 3 --warmup 1 --retry-disturbed 0 -q --csv "$csv1" >"$WORK/ssh.log" 2>&1 ||
  { fail "mpirun --host n1,n2 failed"; cat "$WORK/ssh.log"; }
out=$("$PY" "$WORK/check.py" "$csv1")
echo "$out" | sed 's/^/  ssh: /'
echo "$out" | grep -q "^TORN\|^UNVERIFIED" && fail "mpirun --host n1,n2: bad rows"
# 2 kernels x (seq baseline, 1 rank, 2 ranks) x 3 reps
# 2 kernels x mpi at 1 and 2, each repetition paired with seq: 24 rows
echo "$out" | grep -qx "rows 24" || fail "mpirun --host n1,n2: expected 24 rows"
echo "$out" | grep -qx "point 2 n1:1,n2:1" || fail "the 2-rank rows are not on n1 and n2"
echo "$out" | grep -qx "point 1 n1:1" || fail "the 1-rank rows are not on n1"
"$PY" - "$csv1.meta.jsonl" <<'PYEOF' || fail "the metadata does not describe both hosts"
import json, sys
meta = json.loads(open(sys.argv[1]).readline())
hosts = {h["host"]: h for h in meta["hosts"]}
assert sorted(hosts) == ["n1", "n2"], hosts
for h in hosts.values():
    assert h["cores_online"] >= 1 and h["os"] and h["cpu_model"], h
assert hosts["n1"]["ranks"] == [0] and hosts["n2"]["ranks"] == [1], hosts
assert meta["cores_total"] == hosts["n1"]["cores_online"] + hosts["n2"]["cores_online"]
PYEOF

# 4 ranks, 2 per host: the first 2 ranks share a host by default, and sit
# on two hosts under --map-by node -- two different points
csv2="$WORK/map.csv"
for map in slot node; do
  vc_exec head timeout 120 mpirun --host n1:2,n2:2 -np 4 --map-by "$map" --bind-to none \
    "$PARSCALE" run -b mpi -w 2,4 -k pi -s test -r 2 --warmup 0 -q --csv "$csv2" \
    >"$WORK/map-$map.log" 2>&1 || { fail "mpirun --map-by $map failed"; cat "$WORK/map-$map.log"; }
done
out=$("$PY" "$WORK/check.py" "$csv2")
echo "$out" | sed 's/^/  map: /'
for p in "point 2 n1:2" "point 2 n1:1,n2:1" "point 4 n1:2,n2:2"; do
  echo "$out" | grep -qx "$p" || fail "--map-by slot/node: no '$p'"
done

echo "  ($(($(date +%s) - t0)) s)"
# ---- 2. an unreachable host --------------------------------------------------
s=$(date +%s)
vc_exec head timeout 60 mpirun --host n1,down -np 2 "$PARSCALE" run -b mpi -w 2 -k pi \
  -s test -r 1 -q >"$WORK/down.log" 2>&1
rc=$?
took=$(($(date +%s) - s))
echo "  unreachable host: exit $rc after $took s: $(grep -m1 down "$WORK/down.log")"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "mpirun to an unreachable host exited $rc"
[ "$took" -le 20 ] || fail "mpirun to an unreachable host took $took s"
grep -q "host down" "$WORK/down.log" || { fail "the error does not name the host"; cat "$WORK/down.log"; }

echo "  ($(($(date +%s) - t0)) s)"
# ---- 3. scripts/submit through sbatch ----------------------------------------
csv3="$WORK/jobs.csv"
common=(--csv "$csv3" --parscale "$PARSCALE" --time 00:05:00 --wait)
# both at once: the jobs queue and run as the hosts' CPUs allow
vc_exec head timeout 150 "$SCRIPTS/submit" --ranks 2 --nodes 1,2 "${common[@]}" \
  -- -k stencil -s test -r 3 --warmup 0 --retry-disturbed 0 -q >"$WORK/submit-a.log" 2>&1 &
pa=$!
vc_exec head timeout 150 "$SCRIPTS/submit" --ranks 2 --nodes 2 --launcher srun \
  "${common[@]}" -- -k stencil -s test -r 3 --warmup 0 --retry-disturbed 0 -q >"$WORK/submit-b.log" 2>&1 &
pb=$!
wait "$pa" || { fail "submit --nodes 1,2 failed"; cat "$WORK/submit-a.log"; }
wait "$pb" || { fail "submit --launcher srun failed"; cat "$WORK/submit-b.log"; }
# "submit: 01-r2-t1-n2 submitted as job 7": each job's id and node count
jobs=$(sed -n 's/.* [0-9]*-r[0-9]*-t[0-9]*-n\([0-9]*\) submitted as job \([0-9]*\)$/\2 \1/p' \
  "$WORK/submit-a.log" "$WORK/submit-b.log")
[ "$(echo "$jobs" | grep -c .)" -eq 3 ] || fail "expected 3 jobs, got: $jobs"
while read -r id nodes; do
  [ -n "$id" ] || continue
  out=$("$PY" "$WORK/check.py" "$csv3" "$id")
  echo "$out" | sed "s/^/  job $id ($nodes node(s)): /"
  echo "$out" | grep -q "^TORN\|^UNVERIFIED" && fail "job $id: bad rows"
  echo "$out" | grep -qx "rows 6" || fail "job $id: expected 6 rows (2 ranks paired with seq, 3 reps)"
  if [ "$nodes" = 1 ]; then
    echo "$out" | grep -Eqx "point 2 n[12]:2" || fail "job $id (1 node): not 2 ranks on one host"
  else
    echo "$out" | grep -Eqx "point 2 (n1:1,n2:1|n2:1,n1:1)" ||
      fail "job $id (2 nodes): its rows do not come from n1 and n2"
  fi
done <<<"$jobs"
rows_before_fault=$("$PY" "$WORK/check.py" "$csv3" | sed -n 's/^rows //p')
rows_of() { "$PY" "$WORK/check.py" "$csv3" "$1" | sed -n 's/^rows //p'; }

echo "  ($(($(date +%s) - t0)) s)"
# ---- 4. a host dies mid-job --------------------------------------------------
vc_exec head "$SCRIPTS/submit" --ranks 2 --nodes 2 "${common[@]}" -- -k pi -s 20000000 \
  -r 1000 --warmup 0 -q >"$WORK/submit-c.log" 2>&1 &
submit_pid=$!
job=""
wait_for "grep -q 'submitted as job' '$WORK/submit-c.log'" 20 &&
  job=$(sed -n 's/.* submitted as job \([0-9]*\)$/\1/p' "$WORK/submit-c.log")
# some rows of the job written, then its non-batch host dies at once
wait_for "[ \$(rows_of '$job') -ge 3 ]" 60 || fail "job $job wrote no rows"
batch=$(vc_exec head scontrol show job "$job" | sed -n 's/.*BatchHost=\([a-z0-9]*\).*/\1/p')
victim=n2
[ "$batch" = n2 ] && victim=n1
rows_at_kill=$(rows_of "$job")
vc_kill_host "$victim"
echo "  job $job: $rows_at_kill rows written, then host $victim killed (batch host $batch)"
s=$(date +%s)
for _ in $(seq 1 300); do kill -0 "$submit_pid" 2>/dev/null || break; sleep 0.2; done
wait "$submit_pid"
rc=$?
echo "  submit --wait exited $rc after $(($(date +%s) - s)) s: $(grep -m1 -i "fail" "$WORK/submit-c.log")"
[ "$rc" -ne 0 ] || fail "submit --wait exited 0 for a job whose host died"
grep -Eq "^submit: job $job \([^)]*\) (FAILED|NODE_FAIL|CANCELLED)[^;]*; log: " "$WORK/submit-c.log" ||
  { fail "submit did not name the failed job $job"; cat "$WORK/submit-c.log"; }
out=$("$PY" "$WORK/check.py" "$csv3")
echo "$out" | grep -q "^TORN" && fail "the CSV has a torn row after the host died: $out"
rows_after=$(rows_of "$job")
[ "$rows_after" -ge "$rows_at_kill" ] && [ "$rows_after" -lt 2000 ] ||
  fail "job $job: $rows_after rows after the kill, $rows_at_kill before"
[ "$(("$("$PY" "$WORK/check.py" "$csv3" | sed -n 's/^rows //p')" - rows_after))" -eq \
  "$rows_before_fault" ] ||
  fail "the other jobs' rows changed when the host died"

echo "  ($(($(date +%s) - t0)) s)"
# ---- 5. nothing left ---------------------------------------------------------
prefix=$VC_PREFIX
vc_stop
left=$(vc_leftovers; ip netns list | grep -F "$prefix"; ps -eo pid=,args= | grep -F "$WORK/vc" | grep -v grep)
[ -z "$left" ] || fail "left behind: $left"
links_after=$(ip -o link show | awk -F': ' '{print $2}' | sort)
[ "$links_before" = "$links_after" ] || fail "the machine's links changed: $(diff <(echo "$links_before") <(echo "$links_after"))"

echo "took $(($(date +%s) - t0)) s"
if [ "$FAILS" -ne 0 ]; then
  vc_logs
  echo "$FAILS check(s) failed"
  exit 1
fi
echo "all checks passed"
