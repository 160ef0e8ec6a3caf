/*
 * stopping.h -- when a configuration has been measured enough.
 *
 * Two modes.  Fixed: every configuration runs -r repetitions.  Adaptive
 * (--ci-width P): a configuration keeps running, one repetition per round,
 * until the exact 95% confidence interval of its median is no wider than P
 * of the median (with at least min_reps valid samples), or until it has run
 * max_reps repetitions.  In both modes a wall-clock budget (--max-time) may
 * end the run early; when a whole round no longer fits it, the
 * configurations that still fit run on alone.  These functions only decide;
 * they time nothing.
 */
#ifndef PS_STOPPING_H
#define PS_STOPPING_H

#include "util.h"

/* Why a configuration stopped: PS_STOP_REASON(id, name, meaning), the
 * name being what the summary, the metadata and the exports carry.
 * RUNNING (needs more repetitions) is first, and only a signal leaves a
 * configuration so after the loop: hence its name. */
#define PS_STOP_REASONS(PS_STOP_REASON) \
    PS_STOP_REASON(RUNNING, "interrupted", "a signal ended the run while it still needed repetitions") \
    PS_STOP_REASON(REPS, "reps", "fixed mode: ran its -r repetitions") \
    PS_STOP_REASON(CI, "ci", "the confidence interval of the median reached --ci-width") \
    PS_STOP_REASON(MAX_REPS, "max-reps", "ran --max-reps repetitions before the interval was narrow enough") \
    PS_STOP_REASON(MAX_TIME, "max-time", "the run's --max-time was spent first")

#define PS_STOP_ENUM(id, name, doc) PS_STOP_##id,
enum ps_stop_reason { PS_STOP_REASONS(PS_STOP_ENUM) PS_STOP_NREASONS };
#undef PS_STOP_ENUM

/* The smallest sample with an exact 95% interval of the median. */
#define PS_MIN_REPS_DEFAULT 6
/* --max-reps when --ci-width is given without it. */
#define PS_MAX_REPS_DEFAULT 100

typedef struct ps_stop_rule {
    int reps;         /* fixed mode: repetitions per configuration */
    double ci_width;  /* > 0: adaptive mode, target (ci_hi - ci_lo) / median */
    int min_reps;     /* adaptive: valid samples before the width may stop it */
    int max_reps;     /* adaptive: repetitions at most */
    double max_time;  /* seconds for the whole run, warm-up included; 0: none */
    /* disturbed repetitions (disturb.h) */
    double disturbed_above;  /* a repetition that lost more than this share is disturbed */
    int retry_disturbed;     /* fixed mode: each planned repetition measured up to this
                                many times more when disturbed */
    int keep_disturbed;      /* use disturbed repetitions like the others */
} ps_stop_rule;

/* --disturbed-above and --retry-disturbed when not given. */
#define PS_DISTURBED_ABOVE_DEFAULT 0.02
#define PS_RETRY_DISTURBED_DEFAULT 2

/* "ci", "max-reps", ...; "interrupted" while running (after the loop, only
 * a signal leaves a configuration so). */
const char *ps_stop_reason_name(enum ps_stop_reason r);

/* The reasons as a JSON array of {"name","doc"}, in the enum's order. */
void ps_stop_reasons_json(ps_buf *b);

/* (ci_hi - ci_lo) / median of the exact 95% interval of the median of the
 * n samples x; NAN when n < 6 (no such interval) or the median is not > 0. */
double ps_rel_ci_width(const double *x, int n);

/* One configuration's own verdict after `runs` repetitions (valid or not)
 * of which `set_aside` were disturbed and set aside, leaving the n valid
 * samples x; *rel_width gets the current width.  In fixed mode a set-aside
 * repetition does not count towards -r while the retries last
 * (retry_disturbed per planned repetition); in adaptive mode it never
 * counts, and --max-reps bounds them all. */
enum ps_stop_reason ps_stop_decide(const ps_stop_rule *r, const double *x, int n,
                                   int runs, int set_aside, double *rel_width);

/* What the round-level decision needs to know of one configuration.  For a
 * configuration with a speedup base, its samples are the per-pair ratios
 * and its cost includes its base's repetition: the two always run
 * together, so the rule stops on the interval the reader reads. */
typedef struct ps_stop_item {
    const double *x;  /* valid samples */
    int n;
    int runs;         /* repetitions run, failed and set-aside ones included */
    int set_aside;    /* disturbed ones among them */
    double cost;      /* seconds its next repetition is expected to take */
    /* out */
    enum ps_stop_reason reason;
    double rel_width;
} ps_stop_item;

/* Decides every item after a round by its own verdict.  Returns how many
 * still run. */
int ps_stop_round(const ps_stop_rule *r, ps_stop_item *items, int n);

/* The budget is spent: every item still running stops for max-time. */
void ps_stop_out_of_time(const ps_stop_rule *r, ps_stop_item *items, int n);

/* A round of every running item would not end within the budget: keeps
 * running those that still fit in `remaining` seconds, each at its cost,
 * and stops the others as ps_stop_out_of_time does.  Those short of
 * min_reps valid samples come first, then the cheapest, so that one slow
 * configuration cannot take the last rounds from all the others.  Returns
 * how many still run. */
int ps_stop_fit_budget(const ps_stop_rule *r, ps_stop_item *items, int n, double remaining);

/* Whether a round estimated to take `next` seconds may start when
 * `elapsed` seconds of the budget are spent: always without a budget, and
 * otherwise only when it is expected to end within it. */
int ps_stop_round_fits(const ps_stop_rule *r, double elapsed, double next);

#endif
