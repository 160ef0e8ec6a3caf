/*
 * omp_team.h -- one OpenMP team working a process's range, step by step:
 * the part the omp backend (the whole range, one process) and the hybrid
 * backend (one rank's share, a team per rank) have in common.
 *
 * Each thread first-touches its block (init), the team starts together,
 * the chosen schedule hands out chunks of [lo, hi) every step, and the
 * primary thread alone runs the kernel's exchange between steps (so a
 * library initialised with MPI_THREAD_FUNNELED may be called from it).
 */
#ifndef PS_OMP_TEAM_H
#define PS_OMP_TEAM_H

#include "backend.h"

/* The options the omp and hybrid backends share: --schedule, --chunk. */
enum ps_schedule { PS_SCHED_STATIC, PS_SCHED_DYNAMIC, PS_SCHED_GUIDED };
typedef struct ps_omp_sched {
    enum ps_schedule schedule;
    uint64_t chunk;            /* dynamic/guided chunk; 0 = default */
} ps_omp_sched;
/* Their rows (targets PS_OMP_SCHEDULE, PS_OMP_CHUNK), and the hybrid
 * backend's: the same, and its ranks' team size (PS_HYBRID_TPR). */
enum { PS_OMP_SCHEDULE, PS_OMP_CHUNK, PS_HYBRID_TPR };
#define PS_OMP_SCHED_OPTIONS \
    {"schedule", 0, PS_ARG_VALUE, "static|dynamic|guided", \
     "how chunks are handed out (default static)", PS_OMP_SCHEDULE, NULL}, \
    {"chunk", 0, PS_ARG_VALUE, "N", "indices per chunk for dynamic/guided", \
     PS_OMP_CHUNK, NULL}
#define PS_HYBRID_OPTIONS \
    {"threads-per-rank", 0, PS_ARG_VALUE, "T[,T...]", \
     "threads in each rank (default 1).  Each\n" \
     "worker count W runs as W/t ranks of t threads,\n" \
     "t = min(T, W), for every T: W must be a multiple\n" \
     "of each t, and mpirun must start at least W/t\n" \
     "ranks (so -w 1,2,4 --threads-per-rank 2 runs\n" \
     "1x1, 1x2, 2x2).  Rows record ranks and threads.", PS_HYBRID_TPR, NULL}, \
    PS_OMP_SCHED_OPTIONS
/* Parses --schedule or --chunk (target PS_OMP_SCHEDULE, PS_OMP_CHUNK) into
 * s; 1 when target is neither, -1 with err on a bad value. */
int ps_omp_sched_parse(ps_omp_sched *s, int target, const char *arg, ps_err *err);
/* The schedule column of a row. */
void ps_omp_sched_row(ps_csv_row *row, const ps_omp_sched *s);

typedef struct ps_omp_team {
    /* in */
    const ps_config *cfg;      /* kernel, threads, steps */
    const ps_omp_sched *sched; /* how chunks are handed out */
    void *state;               /* the kernel's, created for [lo, hi) */
    uint64_t lo, hi;           /* this process's indices */
    const ps_comm *comm;       /* given to the kernel's exchange */
    /* Called by the primary thread once every thread has run init and
     * before any clock starts (hybrid: a barrier across ranks). NULL: none. */
    int (*start_sync)(const ps_comm *comm, ps_err *err);
    /* Called by the primary thread once every thread has finished, before
     * its clock stops (hybrid: the same barrier, so that a rank that
     * started late is inside every rank's span). NULL: none. */
    int (*end_sync)(const ps_comm *comm, ps_err *err);
    /* out: cfg->threads entries each, valid until ps_omp_team_free */
    ps_acc *accs;              /* per-thread partial results */
    int *cpus;                 /* CPU each thread was on when it finished */
    double seconds;            /* first thread's start to last thread's end */
    ps_disturb dist;           /* what disturbed the team's threads */
} ps_omp_team;

/* Runs cfg->steps steps on cfg->threads threads.  Returns 0, or -1 with err
 * saying what failed (too few threads, the start sync, an exchange). */
int ps_omp_team_run(ps_omp_team *t, ps_err *err);
void ps_omp_team_free(ps_omp_team *t);
/* Processors OpenMP may use: the process's mask when the program started
 * (omp_get_num_procs), before OMP_PROC_BIND pinned the initial thread. */
int ps_omp_procs(void);

#endif
