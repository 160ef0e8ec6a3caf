/* test_stopping.c -- the stopping rule as a pure function: samples in,
 * verdict, reason and width out.  No clock is read. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "stopping.h"

static const ps_stop_rule adaptive = {.ci_width = 0.05, .min_reps = 6, .max_reps = 20};

/* Six equal samples have a zero-width interval: stop on ci at once. */
static void test_ci_reached(void)
{
    double x[6] = {1, 1, 1, 1, 1, 1}, w;
    CHECK(ps_stop_decide(&adaptive, x, 6, 6, 0, &w) == PS_STOP_CI);
    CHECK_NEAR(w, 0.0, 0.0);
    /* five are not enough: no interval exists below six */
    CHECK(ps_stop_decide(&adaptive, x, 5, 5, 0, &w) == PS_STOP_RUNNING);
    CHECK(isnan(w));
}

/* n = 6: the exact interval is [min, max]; width (1.10 - 0.96) / 1.0. */
static void test_width_is_the_exact_interval(void)
{
    double x[6] = {1.0, 0.96, 1.10, 1.0, 0.99, 1.01}, w;
    CHECK(ps_stop_decide(&adaptive, x, 6, 6, 0, &w) == PS_STOP_RUNNING);
    CHECK_NEAR(w, 0.14, 1e-12);
    CHECK_NEAR(ps_rel_ci_width(x, 6), 0.14, 1e-12);
    /* n = 9: ranks 2 and 8 of the sorted sample, so one outlier each side
     * drops out: 0.98 .. 1.02 around 1.0 */
    double y[9] = {0.5, 0.98, 0.99, 1.0, 1.0, 1.0, 1.01, 1.02, 3.0};
    CHECK_NEAR(ps_rel_ci_width(y, 9), 0.04, 1e-12);
    CHECK(ps_stop_decide(&adaptive, y, 9, 9, 0, &w) == PS_STOP_CI);
}

/* min_reps holds the rule back; max_reps ends it; failed repetitions
 * count towards max_reps (runs), not towards the sample. */
static void test_min_and_max_reps(void)
{
    double x[8] = {1, 1, 1, 1, 1, 1, 1, 1}, w;
    ps_stop_rule r = adaptive;
    r.min_reps = 8;
    CHECK(ps_stop_decide(&r, x, 7, 7, 0, &w) == PS_STOP_RUNNING);
    CHECK(ps_stop_decide(&r, x, 8, 8, 0, &w) == PS_STOP_CI);
    double wide[6] = {1, 2, 3, 4, 5, 6};
    CHECK(ps_stop_decide(&adaptive, wide, 6, 19, 0, &w) == PS_STOP_RUNNING);
    CHECK(ps_stop_decide(&adaptive, wide, 6, 20, 0, &w) == PS_STOP_MAX_REPS);
    CHECK(ps_stop_decide(&adaptive, x, 0, 20, 0, &w) == PS_STOP_MAX_REPS);
}

/* Fixed mode: -r R repetitions, whatever the width. */
static void test_fixed(void)
{
    ps_stop_rule r = {.reps = 3};
    double x[3] = {1, 5, 9}, w;
    CHECK(ps_stop_decide(&r, x, 2, 2, 0, &w) == PS_STOP_RUNNING);
    CHECK(ps_stop_decide(&r, x, 3, 3, 0, &w) == PS_STOP_REPS);
    CHECK(strcmp(ps_stop_reason_name(PS_STOP_REPS), "reps") == 0);
    CHECK(strcmp(ps_stop_reason_name(PS_STOP_MAX_TIME), "max-time") == 0);
}

/* Fixed mode with disturbed repetitions set aside: they do not count
 * towards -r while the retries last (retry_disturbed per planned
 * repetition), and do once they are spent, so a machine that disturbs
 * every repetition still ends. */
static void test_retry_disturbed(void)
{
    ps_stop_rule r = {.reps = 3, .retry_disturbed = 2};
    double x[3] = {1, 1, 1}, w;
    /* 4 runs, 2 set aside: 2 counted */
    CHECK(ps_stop_decide(&r, x, 2, 4, 2, &w) == PS_STOP_RUNNING);
    CHECK(ps_stop_decide(&r, x, 3, 5, 2, &w) == PS_STOP_REPS);
    /* every run disturbed: 6 retries allowed (2 x 3), so 9 runs end it */
    CHECK(ps_stop_decide(&r, x, 0, 8, 8, &w) == PS_STOP_RUNNING);
    CHECK(ps_stop_decide(&r, x, 0, 9, 9, &w) == PS_STOP_REPS);
    /* no retries: set-aside ones count at once */
    r.retry_disturbed = 0;
    CHECK(ps_stop_decide(&r, x, 0, 3, 3, &w) == PS_STOP_REPS);
    /* adaptive: set-aside ones never join the sample, --max-reps bounds them */
    ps_stop_rule a = adaptive;
    a.retry_disturbed = 2;
    CHECK(ps_stop_decide(&a, x, 0, 19, 19, &w) == PS_STOP_RUNNING);
    CHECK(ps_stop_decide(&a, x, 0, 20, 20, &w) == PS_STOP_MAX_REPS);
}

/* Each item is decided by its own verdict (a configuration and its base
 * run together in pairs, so no base is held back for another). */
static void test_round(void)
{
    double tight[6] = {1, 1, 1, 1, 1, 1}, wide[6] = {1, 2, 3, 4, 5, 6};
    ps_stop_item it[2] = {
        {.x = tight, .n = 6, .runs = 6},
        {.x = wide, .n = 6, .runs = 6},
    };
    CHECK(ps_stop_round(&adaptive, it, 2) == 1);
    CHECK(it[0].reason == PS_STOP_CI && it[1].reason == PS_STOP_RUNNING);
    ps_stop_out_of_time(&adaptive, it, 2);
    CHECK(it[0].reason == PS_STOP_CI && it[1].reason == PS_STOP_MAX_TIME);
}

/* The budget: a round starts only when it is expected to end within it. */
static void test_budget(void)
{
    ps_stop_rule r = adaptive;
    CHECK(ps_stop_round_fits(&r, 1e9, 1e9));  /* no budget */
    r.max_time = 10.0;
    CHECK(ps_stop_round_fits(&r, 6.0, 4.0));
    CHECK(!ps_stop_round_fits(&r, 6.0, 4.5));
}

/* When a whole round no longer fits, the budget goes to what still fits:
 * configurations short of min_reps first, then the cheapest (a pair's
 * cost includes its base); the slow one stops for max-time instead of
 * taking the rest. */
static void test_partial_round(void)
{
    ps_stop_rule r = adaptive;
    r.max_time = 60.0;
    double five[5] = {1, 1, 1, 1, 1}, wide[6] = {1, 2, 3, 4, 5, 6}, tight[6] = {1, 1, 1, 1, 1, 1};
    ps_stop_item it[5] = {
        {.x = five, .n = 5, .runs = 5, .cost = 0.2},   /* 0: short of min */
        {.x = five, .n = 5, .runs = 5, .cost = 3.0},   /* 1: slow, short of min */
        {.x = five, .n = 5, .runs = 5, .cost = 0.1},   /* 2: cheap, short of min */
        {.x = wide, .n = 6, .runs = 6, .cost = 0.05},  /* 3: cheapest, 6 but wide */
        {.x = tight, .n = 6, .runs = 6, .cost = 0.1},  /* 4: done */
    };
    CHECK(ps_stop_round(&r, it, 5) == 4);
    /* 0.5 s left: 2 (0.1 s) and 0 (0.2 s), the urgent ones, then 3 (0.05 s);
     * not 1 (3 s) */
    CHECK(ps_stop_fit_budget(&r, it, 5, 0.5) == 3);
    CHECK(it[0].reason == PS_STOP_RUNNING && it[2].reason == PS_STOP_RUNNING);
    CHECK(it[3].reason == PS_STOP_RUNNING);
    CHECK(it[1].reason == PS_STOP_MAX_TIME);
    CHECK(it[4].reason == PS_STOP_CI);
    /* 0.32 s left: the urgent ones first, the cheapest left out */
    CHECK(ps_stop_round(&r, it, 5) == 4);
    CHECK(ps_stop_fit_budget(&r, it, 5, 0.32) == 2);
    CHECK(it[2].reason == PS_STOP_RUNNING && it[3].reason == PS_STOP_MAX_TIME);
    /* nothing fits: all stop, as ps_stop_out_of_time would */
    CHECK(ps_stop_round(&r, it, 5) == 4);
    CHECK(ps_stop_fit_budget(&r, it, 5, 0.01) == 0);
    for (int i = 0; i < 4; i++)
        CHECK_MSG(it[i].reason == PS_STOP_MAX_TIME, "item %d: %d", i, it[i].reason);
}

int main(void)
{
    test_ci_reached();
    test_width_is_the_exact_interval();
    test_min_and_max_reps();
    test_fixed();
    test_retry_disturbed();
    test_round();
    test_budget();
    test_partial_round();
    return check_report("test_stopping");
}
