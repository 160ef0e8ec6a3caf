/* backend_common.h -- the pieces every backend may share: a
 * configuration's kernel arguments, the local comm of one process, a
 * threaded repetition's span, the reduction and verification of partial
 * results, and a kernel's range run with its waits. */
#ifndef PS_BACKEND_COMMON_H
#define PS_BACKEND_COMMON_H

#include <stdint.h>

#include "backend.h"

/* The kernel's set-up arguments for the indices [lo, hi) one process owns. */
ps_kernel_args ps_config_args(const ps_config *cfg, uint64_t lo, uint64_t hi,
                              const ps_comm *comm);

/* The local comm of a single process (size 1, copies only). */
void ps_comm_local(ps_comm *c);
/* A threaded repetition's time: from the first worker's start to the last
 * worker's end, so a thread that wakes late from the start barrier (tens
 * of microseconds) cannot hide the time the others spent. */
double ps_span(const double *start, const double *end, int n);
/* The final reduce + verify on one process: the n workers' results in
 * worker order, then the kernel's verify into rep. */
void ps_finish_local(const ps_config *cfg, void *state, const ps_acc *accs, int n,
                     ps_rep *rep);
/* The kernel's reduction (or the slot-wise sum) of n partial results, in
 * order, into *total. */
void ps_acc_reduce(const ps_kernel *k, ps_acc *total, const ps_acc *parts, int n);

/* How a backend spends a waiting kernel's wait (kernel.h, wait_ns). */
typedef struct ps_waiter {
    void (*wait)(struct ps_waiter *self, uint64_t ns);
} ps_waiter;
/* Runs indices [lo, hi) of kernel k: one run() for a kernel that only
 * computes; for one that waits, run(i, i + 1) and then index i's wait,
 * index by index, spent by w (NULL: the thread blocks). */
void ps_kernel_span(const ps_kernel *k, void *state, uint64_t lo, uint64_t hi,
                    ps_acc *acc, ps_waiter *w);

#endif
