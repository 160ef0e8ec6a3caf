/* threads.h -- run one function on n POSIX threads and wait for them all. */
#ifndef PS_THREADS_H
#define PS_THREADS_H

#include "util.h"

/* Calls fn(arg, tid) for tid = 0..n-1, each on its own thread, and joins
 * them.  Returns 0, or -1 with err naming the pthread call that failed. */
int ps_team_run(int n, void (*fn)(void *arg, int tid), void *arg, ps_err *err);

#endif
