/* plan.h -- what a run measures: one point per configuration (kernel x
 * backend x workers x scaling, and a backend's variants), with its size,
 * its speedup base, and, once measured, its samples. */
#ifndef PS_PLAN_H
#define PS_PLAN_H

#include "backend.h"
#include "options.h"
#include "stats.h"
#include "stopping.h"

/* Everything measured for one configuration. */
typedef struct ps_point {
    ps_config cfg;
    int base;            /* index of its speedup base in the plan, or -1 */
    /* filled on rank 0 by the measuring loop */
    double *seconds;     /* one per valid timed repetition */
    unsigned char *extra;  /* the backend's figures, rep_extra_size bytes per sample */
    int has_extra;       /* some sample carried them */
    int nsamples;
    int failures;        /* repetitions that did not run or did not verify */
    char first_error[256];
    int cpu_shared_reps; /* timed repetitions with workers sharing a CPU */
    double steal_sum;    /* steal shares of its valid repetitions, where reported */
    int steal_n;
    int runs;            /* timed repetitions run, failed ones included */
    int disturbed;       /* of those, marked disturbed (set aside or kept) */
    int set_aside;       /* of those, set aside as disturbed */
    int set_aside_runq;  /* of those, lost mostly to other runnable tasks */
    /* pairs with its base, each run back to back in one round */
    int pairs;           /* pairs run */
    int pairs_set_aside; /* pairs with a disturbed side, set aside */
    double *ratios;      /* base seconds / own seconds, one per valid pair */
    int nratios;
    enum ps_stop_reason reason;
    double rel_width;    /* final (ci_hi - ci_lo) / median; NAN below 6 samples */
    double wall;         /* wall time of its last repetition, set-up included */
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

/* The median of p's valid samples; NAN when it has none. */
double ps_point_median(const ps_point *p);
/* p's speedup against its base: the median of its per-pair ratios (base
 * time / its time, each pair measured back to back) with the exact 95%
 * interval of that median.  -1 when it has no base or no valid pair. */
int ps_point_speedup(const ps_point *p, ps_summary *out);

/* Work of one repetition: rate units, flops and bytes. */
void ps_config_work(const ps_config *c, double *units, double *flops, double *bytes);
const char *ps_scaling_name(enum ps_scaling s);

#endif
