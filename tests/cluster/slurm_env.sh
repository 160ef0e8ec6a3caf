# shellcheck shell=bash
# slurm_env.sh -- a private, single-node Slurm for the tests: munged,
# slurmctld and slurmd on this host with their own configuration, ports,
# keys, sockets, state and logs under one temp dir, so they clash with no
# system Slurm or munge.  Sourced; the caller sets a trap for slurm_env_stop.
#
#   slurm_env_check        exit 77 (CTest: skipped) saying why, where the
#                          Slurm or munge programs are not installed
#   slurm_env_start DIR    starts the three daemons (DIR empty, and it and
#                          its parents open to user munge);
#                          exports SLURM_CONF; returns non-zero on failure
#   slurm_env_start_or_exit DIR   the same, or one FAIL line, the logs, exit 1
#   slurm_env_stop         stops exactly the processes it started, by PID
#   slurm_env_logs         prints the daemons' logs (for a failure)

SLURM_ENV_PIDS=()

slurm_env_check() {
  local p missing=()
  for p in munged mungekey slurmctld slurmd sbatch squeue scontrol; do
    command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "SKIP: Slurm/munge not installed (missing: ${missing[*]});" \
         "install: apt-get install slurm-wlm munge"
    exit 77
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "SKIP: starting slurmd and munged needs root (slurmd runs jobs as their user)"
    exit 77
  fi
  if ! id munge >/dev/null 2>&1; then
    echo "SKIP: no 'munge' user (the munge package creates it)"
    exit 77
  fi
}

# A TCP port nobody listens on, from a high range, different each call.
slurm_env_free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# shellcheck source=wait_for.sh
. "$(dirname "${BASH_SOURCE[0]}")/wait_for.sh"

# slurm_env_start_or_exit DIR: slurm_env_start, or one FAIL line, the
# daemons' logs and exit 1 (what every test needs when its Slurm is down).
slurm_env_start_or_exit() {
  slurm_env_start "$1" && return 0
  echo "FAIL: the test's Slurm did not start"
  slurm_env_logs
  exit 1
}

slurm_env_start() {
  local d=$1 sbin=/usr/sbin host cpus mem ctl_port d_port
  PATH=$PATH:$sbin
  SLURM_ENV_DIR=$d
  # munge: its key, socket, log, pid and seed all here, owned by munge
  mkdir -p /run/munge   # munged's compiled-in checks want it to exist
  chmod 0755 "$d"
  mkdir -p "$d/munge" "$d/state" "$d/spool" "$d/log"
  mungekey --create --keyfile="$d/munge/munge.key" 2>/dev/null ||
    dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 2>/dev/null
  chown -R munge:munge "$d/munge"
  chmod 0755 "$d/munge"   # clients reach the socket; the key stays 0600
  chmod 0600 "$d/munge/munge.key"
  MUNGE_SOCKET="$d/munge/munge.socket"
  runuser -u munge -- munged --force --socket="$MUNGE_SOCKET" \
    --key-file="$d/munge/munge.key" --log-file="$d/munge/munged.log" \
    --pid-file="$d/munge/munged.pid" --seed-file="$d/munge/munged.seed" || return 1
  wait_for "[ -s '$d/munge/munged.pid' ]" 30 || return 1
  SLURM_ENV_PIDS+=("$(cat "$d/munge/munged.pid")")

  host=$(hostname -s)
  # the node as slurmd sees it, so slurmctld does not drain it as "low cpus"
  cpus=$(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' | head -n 1)
  mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -n 1)
  ctl_port=$(slurm_env_free_port) || return 1
  d_port=$(slurm_env_free_port) || return 1
  while [ "$d_port" = "$ctl_port" ]; do d_port=$(slurm_env_free_port); done
  cat >"$d/slurm.conf" <<CONF
ClusterName=parscaletest
SlurmctldHost=$host
SlurmctldPort=$ctl_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool/slurmd-%n
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
MinJobAge=300
PlugStackConfig=$d/plugstack.conf
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
  : >"$d/plugstack.conf"
  export SLURM_CONF="$d/slurm.conf"
  # -D: stay in the foreground, so $! is the daemon itself
  slurmctld -D -i -f "$SLURM_CONF" >"$d/log/slurmctld.out" 2>&1 &
  SLURM_ENV_PIDS+=("$!")
  wait_for "scontrol ping | grep -q UP" 60 || return 1
  slurmd -D -f "$SLURM_CONF" -N "$host" >"$d/log/slurmd.out" 2>&1 &
  SLURM_ENV_PIDS+=("$!")
  wait_for "sinfo -h -N -o %T | grep -Eq '^(idle|mixed|allocated)'" 90 || return 1
  return 0
}

slurm_env_stop() {
  local pid i
  # newest first: slurmd, slurmctld, then munged
  for ((i = ${#SLURM_ENV_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${SLURM_ENV_PIDS[$i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  SLURM_ENV_PIDS=()
}

slurm_env_logs() {
  local f
  for f in "$SLURM_ENV_DIR"/log/* "$SLURM_ENV_DIR"/munge/munged.log; do
    [ -f "$f" ] || continue
    echo "---- $f (last 30 lines)"
    tail -n 30 "$f"
  done
}
