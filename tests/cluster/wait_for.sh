# wait_for.sh -- sourced by the cluster tests' libraries (slurm_env.sh,
# vcluster.sh): one way to wait for a daemon.
#
# wait_for CMD SECONDS: runs CMD every 0.2 s until it succeeds (0) or
# SECONDS have passed (1).  The limits callers give are many times what
# the daemons take on an idle machine (1-3 s): they only bound a daemon
# that will never come up, and must not fail one that a loaded 2-core VM
# starts slowly.
wait_for() {
  local i
  for i in $(seq 1 $(($2 * 5))); do
    eval "$1" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}
