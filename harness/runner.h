/* runner.h -- turns run options into configurations, measures them
 * interleaved, writes rows and prints the summary. */
#ifndef PS_RUNNER_H
#define PS_RUNNER_H

#include "backend.h"
#include "options.h"
#include "stopping.h"

/* Everything measured for one configuration. */
typedef struct ps_point {
    ps_config cfg;
    double *seconds;     /* one per timed repetition that ran */
    int nsamples;
    int failures;        /* repetitions that did not run or did not verify */
    char first_error[256];
    ps_gil_report *gil;  /* one per timed repetition (gil backend) */
    int cpu_shared_reps; /* timed repetitions with workers sharing a CPU */
    int base;            /* index of its speedup base in the plan, or -1 */
    /* rank 0: the stopping rule's record */
    int runs;            /* timed repetitions run, failed ones included */
    enum ps_stop_reason reason;
    double rel_width;    /* final (ci_hi - ci_lo) / median; NAN below 6 samples */
    double wall;         /* wall time of its last repetition, set-up included */
    double steal_sum;    /* steal shares of its valid repetitions, where reported */
    int steal_n;
} ps_point;

typedef struct ps_plan {
    ps_point *points;
    int npoints;
} ps_plan;

/* Builds the plan and checks it against this launch (ranks, cores, CSV):
 * everything that is bad input is found here, before anything runs.
 * Returns 0 or -1 with err; nothing is written either way. */
int ps_plan_build(ps_plan *plan, const ps_run_opts *o, const ps_ctx *ctx, ps_err *err);
void ps_plan_free(ps_plan *plan);

/* Measures the plan on every rank.  Returns 0 when every repetition ran and
 * verified, 1 when some did not (they are rows with an error), -1 when the
 * run had to stop (err says why). */
int ps_run(ps_plan *plan, const ps_run_opts *o, const ps_ctx *ctx, ps_err *err);

#endif
