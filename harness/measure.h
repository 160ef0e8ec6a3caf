/*
 * measure.h -- the measuring loop: interleaved rounds, timing, the stopping
 * rule, and each repetition handed on to the reporters.  It never prints.
 *
 * Round r runs every unfinished configuration once, in an order shuffled
 * per round, so that drift on a shared machine hits all of them alike and
 * their ratios stay trustworthy.  The first warm-up rounds are not
 * recorded.  Every rank walks the same schedule: rank 0 decides which
 * configurations are finished after each round and broadcasts it.  A
 * configuration runs on rank 0 alone, or on the first w ranks for MPI
 * backends, while the others sleep in an idle sync; that sync carries
 * rank 0's status, so a failure there (a CSV it cannot write) stops every
 * rank at the same point.
 */
#ifndef PS_MEASURE_H
#define PS_MEASURE_H

#include "plan.h"
#include "report.h"
#include "stopping.h"
#include "watchdog.h"

typedef struct ps_measure_setup {
    const ps_stop_rule *rule;
    int warmup;                   /* untimed rounds first */
    uint64_t seed;                /* of the shuffle; the same on every rank */
    int steal_reported;           /* record steal per repetition (else unknown) */
    const ps_run_info *ri;        /* given to the reporters */
    const ps_reporter *reporters; /* called on rank 0, in order */
    int nreporters;
    ps_watchdog *watchdog;        /* armed over each repetition; NULL: none */
    int *signal;                  /* out: the signal that stopped it (may be NULL) */
} ps_measure_setup;

#define PS_MEASURE_INTERRUPTED 2

/* Measures the plan on every rank; on rank 0 each point gets its samples
 * and its stopping outcome.  Returns 0 when every repetition ran and
 * verified, 1 when some did not (they were handed on with their error),
 * -1 when the run had to stop (err says why), PS_MEASURE_INTERRUPTED when
 * SIGINT or SIGTERM (ps_interrupt_install) stopped it after a whole
 * repetition, on every rank (*signal says which). */
int ps_measure(ps_plan *plan, const ps_measure_setup *m, const ps_ctx *ctx, ps_err *err);

#endif
