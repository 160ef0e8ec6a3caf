/*
 * backend.h -- the contract between the runner and an execution model.
 *
 * A backend runs one repetition of one configuration: it sets the kernel up
 * (untimed), starts every worker together, times the kernel's steps (the
 * slowest worker's time), combines the partial results and has the kernel
 * verify them.  It knows nothing of a kernel's math.
 */
#ifndef PS_BACKEND_H
#define PS_BACKEND_H

#include <stdint.h>

#include "gil.h"
#include "kernel.h"
#include "util.h"

enum ps_scaling { PS_STRONG, PS_WEAK };
enum ps_schedule { PS_SCHED_STATIC, PS_SCHED_DYNAMIC, PS_SCHED_GUIDED };

typedef struct ps_mpi ps_mpi;  /* mpi_env.h; NULL when MPI is not running */

/* The process's place in the run: one per process, passed everywhere
 * instead of globals. */
typedef struct ps_ctx {
    int rank, nranks;   /* in MPI_COMM_WORLD; 0 and 1 without MPI */
    ps_mpi *mpi;
    int cores;          /* cores this process may run on */
} ps_ctx;

/* One point to measure. */
typedef struct ps_config {
    const ps_kernel *kernel;
    const struct ps_backend *backend;
    int workers, threads, ranks;
    enum ps_scaling scaling;
    uint64_t order, n;
    uint32_t steps;
    enum ps_schedule schedule;
    uint64_t chunk;            /* omp dynamic/guided chunk; 0 = default */
    ps_gil_params gil;
    uint64_t tick;             /* gil: indices per tick */
    double gil_release;        /* gil: fraction of a tick run unlocked */
    double param[PS_MAX_PARAMS];  /* the kernel's parameters */
} ps_config;

/* What one repetition produced. */
typedef struct ps_rep {
    double seconds;
    int verified;
    char error[256];           /* why it failed or did not verify */
    ps_acc total;
    int has_gil;
    double steal;              /* hypervisor's share of the host's CPU time; <0 unknown */
    ps_gil_report gil;
    char cpus[256];            /* CPU of each worker at its end (placement.h) */
    int cpu_shared;            /* workers seen on a CPU another one was on */
} ps_rep;

enum {
    /* Every rank of the world takes part (the others idle); without the
     * flag only rank 0 runs the configuration. */
    PS_BACKEND_USES_MPI = 1u << 0,
    /* workers means threads on one process; with PS_BACKEND_USES_MPI
     * too (hybrid), workers = ranks x threads per rank */
    PS_BACKEND_THREADS = 1u << 1,
    /* The base every speedup is measured against (run at each size unless
     * --no-baseline); scripts learn it from `parscale list --json`. */
    PS_BACKEND_BASELINE = 1u << 2,
};

typedef struct ps_backend {
    const char *name;
    const char *summary;
    unsigned flags;
    /* Rejects a configuration this backend cannot run here (e.g. more mpi
     * workers than ranks), before anything is measured. NULL: all fine. */
    int (*check)(const ps_ctx *ctx, const ps_config *cfg, ps_err *err);
    /* Runs one repetition.  Returns 0 when it ran (verified or not), -1 when
     * it could not run, with err saying which call failed. */
    int (*run)(const ps_ctx *ctx, const ps_config *cfg, ps_rep *rep, ps_err *err);
} ps_backend;

/* Whether workers are ranks x threads per rank (the hybrid backend). */
static inline int ps_backend_is_hybrid(const ps_backend *b)
{
    return (b->flags & PS_BACKEND_USES_MPI) && (b->flags & PS_BACKEND_THREADS);
}

extern const ps_backend *const ps_backends[];
const ps_backend *ps_backend_find(const char *name);
/* Appends the backend as a JSON object: name, summary and what it is made
 * of ("mpi", "threads", "baseline"), for `list --json` and the metadata. */
void ps_backend_json(ps_buf *b, const ps_backend *be);

/* The kernel's set-up arguments for the indices [lo, hi) one process owns. */
ps_kernel_args ps_config_args(const ps_config *cfg, uint64_t lo, uint64_t hi,
                              const ps_comm *comm);

/* Shared by the backends: the local comm of a single process (size 1,
 * copies only), and the final reduce + verify on one process. */
void ps_comm_local(ps_comm *c);
/* A threaded repetition's time: from the first worker's start to the last
 * worker's end, so a thread that wakes late from the start barrier (tens
 * of microseconds) cannot hide the time the others spent. */
double ps_span(const double *start, const double *end, int n);
void ps_finish_local(const ps_config *cfg, void *state, const ps_acc *accs, int n,
                     ps_rep *rep);
/* The kernel's reduction (or the slot-wise sum) of n partial results, in
 * order, into *total. */
void ps_acc_reduce(const ps_kernel *k, ps_acc *total, const ps_acc *parts, int n);

#endif
