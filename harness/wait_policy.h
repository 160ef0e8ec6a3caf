/*
 * wait_policy.h -- how parscale's OpenMP threads wait when they have no
 * work: decided before OpenMP starts, and recorded in every row.
 *
 * libgomp reads OMP_WAIT_POLICY and GOMP_SPINCOUNT once, when the program
 * starts.  By default a waiting thread spins 300 000 pauses before it
 * sleeps: about 10 ms on the EPYC VMs parscale is measured on, where a
 * pause takes about 33 ns.  A team that ends a configuration then holds
 * its cores for those milliseconds while the next configuration (or
 * another rank's team, oversubscribed) needs them, and the measurements
 * after it carry parscale's own noise.  So unless the user chose a policy,
 * parscale sets GOMP_SPINCOUNT=PS_OMP_SPINCOUNT and executes itself again
 * (as --bind does), before MPI starts or anything runs: threads spin long
 * enough to catch the next step of a team that runs in its cores, then
 * sleep.  docs/methodology.md says what was measured to choose it.
 */
#ifndef PS_WAIT_POLICY_H
#define PS_WAIT_POLICY_H

#include <stddef.h>

#include "util.h"

/* Pauses a waiting OpenMP thread spins before it sleeps, unless the user
 * set OMP_WAIT_POLICY or GOMP_SPINCOUNT: about 33 us at 33 ns a pause, as
 * long as a sleep and a wake-up cost, so a wait never costs more than twice
 * what it would with the best policy for it (spin, then block). */
#define PS_OMP_SPINCOUNT "1000"

/* Makes parscale's wait policy hold in the environment: sets
 * GOMP_SPINCOUNT when neither it nor OMP_WAIT_POLICY is set, and sets
 * *changed then (the caller executes the program again for OpenMP to read
 * it).  -1 with err naming the call when setenv fails. */
int ps_wait_policy_setenv(int *changed, ps_err *err);

/* The policy this process's OpenMP runs under, as the rows record it:
 * "spin=N" (GOMP_SPINCOUNT), "passive" or "active" (OMP_WAIT_POLICY, with
 * ";spin=N" when both are set), or "default" (libgomp's own: neither set,
 * as in runs without an OpenMP backend). */
void ps_wait_policy_describe(char *buf, size_t len);

/* Executes this program again with argv, so that an OpenMP runtime that
 * read its environment at start reads the one just set (the same process:
 * mpirun and Slurm still know it).  Returns only on failure: -1 with err
 * saying what it was for (what) and that execv failed. */
int ps_reexec(char **argv, const char *what, ps_err *err);

#endif
