# shellcheck shell=bash
# vcluster.sh -- a virtual cluster on this one machine, for the tests: a
# head host and N compute hosts, each a set of its own network, UTS (host
# name), mount and PID namespaces, joined by a bridge.  Sourced; the caller
# sets `trap vc_stop EXIT`.
#
#   head   slurmctld, munged, sshd            10.77.0.1
#   n1..nN slurmd, munged, sshd               10.77.0.11, .12, ...
#   down   a name on the bridge nobody has    10.77.0.250
#
# Where it lives, so that it touches nothing outside itself:
#   - the bridge and the host ends of the links are in a "fabric" network
#     namespace of their own, so no interface is ever added to the
#     machine's own network namespace and the 10.77.0.0/24 addresses exist
#     only inside namespaces made here: no packet can leave them;
#   - the namespaces are named with a per-run prefix (VC_PREFIX, e.g.
#     psvc-4242-17), so two runs side by side never meet;
#   - each host mounts its own tmpfs on /tmp, /run and /dev/shm (Open MPI's
#     session directory, PMIx's app dirs, munged's socket, sshd's and
#     Slurm's pid files and state), and its own /etc/hosts;
#   - the directory given to vc_start is the one thing all hosts share
#     (like an NFS home): keys, configuration, logs, and the caller's
#     binary and CSV.  It must not be under /tmp, /run or /dev/shm.
# Each host's first process (PID 1 of its PID namespace) is a small shell;
# SIGKILL to it ends every process on that host at once, which is how
# vc_kill_host makes a host die and how vc_stop makes sure nothing is left.
#
#   vc_check                exit 77 (CTest: skipped) saying why, where this
#                           cannot run: not root, no namespaces, a program missing
#   vc_start DIR [N]        starts the cluster with N (default 2) compute hosts;
#                           returns non-zero, with the failing daemon's own
#                           log on stderr, if it is not up within a bounded time
#   vc_exec HOST CMD...     runs CMD on HOST (SLURM_CONF and an ssh for Open
#                           MPI set), in the shared directory
#   vc_limit RATE           rate-limits what every host sends (tc tbf on its
#                           link), e.g. 80mbit; vc_unlimit takes it off
#   vc_kill_host HOST       every process of HOST dies at once (SIGKILL)
#   vc_stop                 stops every daemon by PID, kills each host's PID 1,
#                           deletes the namespaces it named; safe to call twice
#   vc_leftovers            prints what of this run still exists (namespaces,
#                           processes); empty when vc_stop did its job
#   vc_logs                 the daemons' logs, for a failure

VC_NET=10.77.0
VC_HOSTS=()          # head n1 n2 ...
declare -A VC_INIT   # host -> PID (in this PID namespace) of its PID 1
declare -A VC_ADDR   # host -> address
VC_DAEMONS=()        # PIDs of the daemons, as this shell sees them
VC_NETNS=()          # names given to namespaces (ip netns)
VC_PREFIX=${VC_PREFIX:-psvc-$$-$RANDOM}

vc_check() {
  local p missing=()
  if [ "$(id -u)" != 0 ]; then
    echo "SKIP: the virtual cluster needs root (namespaces, a bridge, slurmd, sshd)"
    exit 77
  fi
  for p in unshare nsenter ip tc setpriv ssh ssh-keygen sshd munged mungekey slurmctld \
           slurmd sbatch srun squeue scontrol mpirun; do
    command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "SKIP: the virtual cluster needs programs not installed: ${missing[*]}" \
         "(scripts/setup installs them: openssh-server openssh-client slurm-wlm munge" \
         "openmpi-bin iproute2)"
    exit 77
  fi
  id munge >/dev/null 2>&1 || { echo "SKIP: no 'munge' user (the munge package makes it)"; exit 77; }
  # a throwaway probe: every namespace kind, a bridge and a veth pair inside
  # a network namespace that disappears with the probe
  if ! unshare --net --uts --mount --pid --fork --mount-proc sh -c \
      'ip link add b0 type bridge && ip link add v0 type veth peer name v1 &&
       ip link set v0 master b0 && mount -t tmpfs tmpfs /tmp' >/dev/null 2>&1; then
    echo "SKIP: this kernel or container does not allow network/UTS/mount/PID" \
         "namespaces with a bridge and veth links (unshare probe failed)"
    exit 77
  fi
}

# The hosts have their own /tmp, /run and /dev/shm, so a program (or a
# folder of scripts) of a checkout under /tmp is invisible to them: copies
# PATH into the shared folder DIR and prints the copy's path.
vc_share() {
  local dst="$2/shared/$(basename "$1")"
  mkdir -p "$2/shared" && cp -a "$1" "$dst" && echo "$dst"
}

# shellcheck source=wait_for.sh
. "$(dirname "${BASH_SOURCE[0]}")/wait_for.sh"

# The PID of the only child of $1, once there is one (nsenter and unshare
# fork the process that enters the new PID namespace).
vc_child_of() {
  local c i
  for i in $(seq 1 50); do
    c=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
    c=${c%% *}
    [ -n "$c" ] && { echo "$c"; return 0; }
    sleep 0.1
  done
  return 1
}

vc_exec() {
  local h=$1
  shift
  [ -n "${VC_INIT[$h]:-}" ] || { echo "vc_exec: no host '$h'" >&2; return 2; }
  SLURM_CONF="$VC_DIR/etc/slurm.conf" OMPI_MCA_plm_rsh_agent="$VC_DIR/bin/vc-ssh" \
    nsenter -t "${VC_INIT[$h]}" -n -u -m -p --wd="$VC_DIR" -- "$@"
}

# Starts a daemon in the foreground on host $1 (its log in $2), remembering
# its PID; the rest of the arguments are the command.
vc_daemon() {
  local h=$1 log=$2 pid
  shift 2
  # nsenter itself in the background (not a subshell), so $! is nsenter
  # and its one child is the daemon
  SLURM_CONF="$VC_DIR/etc/slurm.conf" \
    nsenter -t "${VC_INIT[$h]}" -n -u -m -p --wd="$VC_DIR" -- "$@" >>"$log" 2>&1 &
  pid=$(vc_child_of $!) || { echo "vc: could not start $1 on $h" >&2; return 1; }
  disown $!  # its end (by SIGKILL, as often as not) is no news to the shell
  VC_DAEMONS+=("$pid")
}

# Says which daemon did not come up, with the end of its own log.
vc_fail() {
  local what=$1 log=$2
  echo "vc: $what did not come up in time; the end of $log:" >&2
  tail -n 15 "$log" >&2 2>/dev/null
  return 1
}

# One host: its namespaces (PID 1 a shell that mounts the private /tmp,
# /run and /dev/shm and the cluster's /etc/hosts, then waits), named for
# ip netns, linked to the bridge with address $2.
vc_add_host() {
  local h=$1 addr=$2 up init
  up="$VC_DIR/run/$h.up"
  # if this shell is killed outright (SIGKILL: no trap runs), unshare gets
  # SIGKILL too (pdeathsig) and kills the host's PID 1 (--kill-child), and
  # with it every process of the host; only the netns names stay behind
  setpriv --pdeathsig KILL \
    unshare --net --uts --mount --pid --kill-child=KILL --mount-proc --propagation private \
    bash -c '
      mount -t tmpfs -o mode=1777 tmpfs /tmp &&
      mount -t tmpfs -o mode=0755 tmpfs /run &&
      mount -t tmpfs -o mode=1777 tmpfs /dev/shm &&
      mount --bind "$1/etc/hosts" /etc/hosts &&
      hostname "$2" && ip link set lo up &&
      mkdir -p /run/munge /run/sshd /run/slurm/state /run/slurm/spool &&
      chown munge:munge /run/munge && : >"$3" || exit 1
      trap "" TERM INT HUP
      while :; do sleep 3600 & wait; done' vc-init "$VC_DIR" "$h" "$up" \
    >>"$VC_DIR/log/init-$h.log" 2>&1 &
  init=$(vc_child_of $!) || { echo "vc: unshare for $h did not start" >&2; return 1; }
  disown $!
  VC_INIT[$h]=$init
  # shellcheck disable=SC2034  # read by the scripts that source this
  VC_ADDR[$h]=$addr
  VC_HOSTS+=("$h")
  wait_for "[ -e '$up' ]" 10 || vc_fail "host $h's namespaces" "$VC_DIR/log/init-$h.log" ||
    return 1
  ip netns attach "$VC_PREFIX-$h" "$init" || return 1
  VC_NETNS+=("$VC_PREFIX-$h")
  # the host end is made inside the fabric, its peer moved straight into
  # the host: neither ever exists in the machine's own namespace
  ip -n "$VC_PREFIX-fab" link add "v-$h" type veth peer name eth0 netns "$VC_PREFIX-$h" &&
    ip -n "$VC_PREFIX-fab" link set "v-$h" master br0 up &&
    ip -n "$VC_PREFIX-$h" addr add "$addr/24" dev eth0 &&
    ip -n "$VC_PREFIX-$h" link set eth0 up
}

vc_write_config() {
  local n=$1 d=$VC_DIR i cpus mem
  {
    echo "127.0.0.1 localhost"
    echo "$VC_NET.1 head"
    for i in $(seq 1 "$n"); do echo "$VC_NET.$((10 + i)) n$i"; done
    echo "$VC_NET.250 down"
  } >"$d/etc/hosts"
  # throwaway keys: one host key for every sshd, one client key for root
  ssh-keygen -q -t ed25519 -N '' -C vc-host -f "$d/ssh/host_key" || return 1
  ssh-keygen -q -t ed25519 -N '' -C vc-client -f "$d/ssh/id" || return 1
  cp "$d/ssh/id.pub" "$d/ssh/authorized_keys"
  cat >"$d/etc/sshd_config" <<CONF
Port 22
HostKey $d/ssh/host_key
AuthorizedKeysFile $d/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile /run/sshd.pid
LogLevel ERROR
CONF
  # Open MPI's launcher over ssh: this key, no known_hosts, give up fast
  cat >"$d/bin/vc-ssh" <<SH
#!/bin/sh
exec ssh -F /dev/null -i '$d/ssh/id' -o IdentitiesOnly=yes -o BatchMode=yes \\
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \\
  -o ConnectTimeout=5 "\$@"
SH
  chmod 0755 "$d/bin/vc-ssh"
  # munge: one key for the cluster; logs beside it, owned by munge
  mungekey --create --keyfile="$d/munge/munge.key" 2>/dev/null ||
    dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 2>/dev/null
  chown -R munge:munge "$d/munge"
  chmod 0755 "$d/munge"
  chmod 0600 "$d/munge/munge.key"
  if ! setpriv --reuid munge --regid munge --clear-groups test -r "$d/munge/munge.key"; then
    echo "vc_start: user munge cannot read $d/munge/munge.key: open $d and its parents" \
         "to others (chmod o+x)" >&2
    return 2
  fi
  # every compute host claims the machine's cores: the hosts share them
  cpus=$(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' | head -n 1)
  mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -n 1)
  cat >"$d/etc/slurm.conf" <<CONF
ClusterName=psvc
SlurmctldHost=head
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=/run/slurm/state
SlurmdSpoolDir=/run/slurm/spool
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmdTimeout=10
JobRequeue=0
InactiveLimit=0
KillWait=5
MinJobAge=300
PlugStackConfig=$d/etc/plugstack.conf
NodeName=n[1-$n] CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=vc Nodes=n[1-$n] Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
  : >"$d/etc/plugstack.conf"
}

# Deletes the names left by runs that were killed outright (SIGKILL, so no
# trap ran): psvc-PID-N-* whose shell PID is gone.  Their processes are gone
# already (vc_add_host's pdeathsig); only the names held the namespaces.
vc_sweep_stale() {
  local n pid
  for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^psvc-[0-9]+-[0-9]+-'); do
    pid=${n#psvc-}
    pid=${pid%%-*}
    kill -0 "$pid" 2>/dev/null || ip netns delete "$n" 2>/dev/null
  done
  return 0
}

vc_start() {
  local d=$1 n=${2:-2} i h sbin=/usr/sbin
  case "$d" in
    /tmp/*|/run/*|/dev/shm/*) echo "vc_start: $d is private to each host; use e.g. /var/tmp" >&2
                              return 2 ;;
  esac
  PATH=$PATH:$sbin
  VC_DIR=$(cd "$d" && pwd) || return 2
  chmod 0755 "$VC_DIR"
  mkdir -p "$VC_DIR/etc" "$VC_DIR/ssh" "$VC_DIR/bin" "$VC_DIR/munge" "$VC_DIR/log" \
           "$VC_DIR/run"
  chmod 0700 "$VC_DIR/ssh"
  vc_write_config "$n" || return 1
  vc_sweep_stale
  ip netns add "$VC_PREFIX-fab" || return 1
  VC_NETNS+=("$VC_PREFIX-fab")
  ip -n "$VC_PREFIX-fab" link add br0 type bridge &&
    ip -n "$VC_PREFIX-fab" link set br0 up || return 1
  vc_add_host head "$VC_NET.1" || return 1
  for i in $(seq 1 "$n"); do vc_add_host "n$i" "$VC_NET.$((10 + i))" || return 1; done
  vc_remember

  # munged after the host's /run is its own, so its socket lands there
  for h in "${VC_HOSTS[@]}"; do
    vc_daemon "$h" "$VC_DIR/log/munged-$h.out" setpriv --reuid munge --regid munge \
      --init-groups munged -F --force --key-file="$VC_DIR/munge/munge.key" \
      --log-file="$VC_DIR/munge/munged-$h.log" --seed-file=/run/munge/seed || return 1
    vc_daemon "$h" "$VC_DIR/log/sshd-$h.out" "$sbin/sshd" -D -e -f "$VC_DIR/etc/sshd_config" ||
      return 1
  done
  for h in "${VC_HOSTS[@]}"; do
    wait_for "vc_exec $h munge -n </dev/null" 15 ||
      vc_fail "munged on $h" "$VC_DIR/munge/munged-$h.log" || return 1
  done
  vc_daemon head "$VC_DIR/log/slurmctld.out" slurmctld -D -i || return 1
  wait_for "vc_exec head scontrol ping | grep -q UP" 30 ||
    vc_fail slurmctld "$VC_DIR/log/slurmctld.log" || return 1
  for i in $(seq 1 "$n"); do
    vc_daemon "n$i" "$VC_DIR/log/slurmd-n$i.out" slurmd -D -N "n$i" || return 1
  done
  for i in $(seq 1 "$n"); do
    wait_for "vc_exec head sinfo -h -n n$i -o %T | grep -Eq '^(idle|mixed|allocated)'" 45 ||
      vc_fail "slurmd on n$i" "$VC_DIR/log/slurmd-n$i.log" || return 1
    wait_for "vc_exec head $VC_DIR/bin/vc-ssh n$i true" 15 ||
      vc_fail "sshd on n$i" "$VC_DIR/log/sshd-n$i.out" || return 1
  done
  return 0
}

vc_limit() {
  local h
  for h in "${VC_HOSTS[@]}"; do
    ip -n "$VC_PREFIX-$h" link set eth0 up &&
      tc -n "$VC_PREFIX-$h" qdisc replace dev eth0 root tbf rate "$1" burst 32kbit \
        latency 50ms || return 1
  done
}

# Takes the limit off again (the links' own, unlimited speed).
vc_unlimit() {
  local h
  for h in "${VC_HOSTS[@]}"; do
    tc -n "$VC_PREFIX-$h" qdisc del dev eth0 root 2>/dev/null
  done
  return 0
}

vc_kill_host() {
  local pid=${VC_INIT[$1]:-}
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
}

vc_stop() {
  local pid i h
  # daemons first, newest first, each given 5 s to end by itself
  for ((i = ${#VC_DAEMONS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${VC_DAEMONS[$i]}" 2>/dev/null
  done
  for pid in "${VC_DAEMONS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  # then every host's PID 1: the kernel ends whatever else runs there
  for h in "${!VC_INIT[@]}"; do
    kill -KILL "${VC_INIT[$h]}" 2>/dev/null
  done
  for h in "${!VC_INIT[@]}"; do
    for _ in $(seq 1 50); do kill -0 "${VC_INIT[$h]}" 2>/dev/null || break; sleep 0.1; done
  done
  for ((i = ${#VC_NETNS[@]} - 1; i >= 0; i--)); do
    ip netns delete "${VC_NETNS[$i]}" 2>/dev/null
  done
  VC_DAEMONS=()
  VC_NETNS=()
  VC_INIT=()
  VC_HOSTS=()
  return 0
}

# What of this run is still there: its named namespaces, and any process
# whose network namespace is one of its hosts' (by inode).
vc_leftovers() {
  ip netns list 2>/dev/null | grep -F "$VC_PREFIX-" | sed 's/^/namespace: /'
  [ -n "${VC_NETNS_INODES:-}" ] || return 0
  local p ino
  for p in /proc/[0-9]*; do
    ino=$(stat -L -c %i "$p/ns/net" 2>/dev/null) || continue
    case " $VC_NETNS_INODES " in
      *" $ino "*) echo "process: ${p#/proc/} $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" ;;
    esac
  done
}

# Remembers the hosts' network namespace inodes, for vc_leftovers.
vc_remember() {
  local h
  VC_NETNS_INODES=""
  for h in "${VC_HOSTS[@]}"; do
    VC_NETNS_INODES+=" $(stat -L -c %i "/proc/${VC_INIT[$h]}/ns/net")"
  done
}

vc_logs() {
  local f
  for f in "$VC_DIR"/log/* "$VC_DIR"/munge/*.log; do
    [ -s "$f" ] || continue
    echo "---- $f (last 20 lines)"
    tail -n 20 "$f"
  done
}
