/*
 * placement.h -- where workers ran, and binding them.
 *
 * Each backend that can notes the CPU every worker was on when it finished
 * its work (sched_getcpu, after the clock stopped), so a row says where its
 * time was measured; two workers seen on one CPU while cores were free
 * means the binding put them there, which the run warns about
 * (report_warnings.c).
 *
 * Binding threads is OpenMP's business (OMP_PROC_BIND, OMP_PLACES), and
 * OpenMP reads those once, when the program starts: --bind therefore sets
 * them and parscale executes itself again, before MPI starts or anything
 * runs (with its wait policy, wait_policy.h).
 */
#ifndef PS_PLACEMENT_H
#define PS_PLACEMENT_H

#include <stddef.h>

#include "backend.h"

/* Formats n CPU numbers: ',' between the threads of a rank, ';' between
 * ranks (per_rank threads each); "..." ends a list too long for len. */
void ps_cpus_format(char *buf, size_t len, const int *cpus, int n, int per_rank);
/* How many of n workers were on a CPU another worker of the same host was
 * on (host[i] tells hosts apart; NULL: all on one host).  A negative CPU
 * (not known) shares with nobody. */
int ps_cpus_shared(const int *cpus, const int *host, int n);
/* For the single-process backends: rep->cpus and rep->cpu_shared from the
 * CPUs of n threads. */
void ps_placement_local(const int *cpus, int n, ps_rep *rep);

/* --bind POLICY [--places PLACES]: makes OMP_PROC_BIND=POLICY and
 * OMP_PLACES=PLACES (default cores) hold in the environment, and sets
 * *changed when they did not hold yet: OpenMP reads them at start, so the
 * caller then executes parscale again (wait_policy.h, ps_reexec).  bind
 * NULL: nothing to do.  -1 with err naming the failed call. */
int ps_bind_setenv(const char *bind, const char *places, int *changed, ps_err *err);

/* Whether places is something OMP_PLACES takes: an abstract name
 * (threads, cores, sockets, ll_caches, numa_domains) with an optional
 * count in parentheses, or an explicit list of places, each a number or
 * a braced list of numbers, with ':count:stride' intervals and '!'
 * exclusions.  -1 with err naming the value otherwise. */
int ps_places_check(const char *places, ps_err *err);

#endif
