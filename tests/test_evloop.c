/* test_evloop.c -- the event loop's promises, each decided by the loop and
 * not by the OS: tasks start in order, every wait is registered before the
 * first wake-up when no task computes, timers fire in the order set, a task
 * that computes delays the others' wake-ups by at least its stretch, and a
 * task that "waits" without a timer is an error.  With asyncio's timing,
 * the timeout is rounded up to whole milliseconds, so a short wait lasts at
 * least 1 ms, and each resumption spends the step cost. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "evloop.h"
#include "timer.h"

#define MAXEV 512

typedef struct log {
    int ev[MAXEV];     /* task id, +1000 when resuming after a wait */
    int nev;
    int waits_left[64];
    int started[64];   /* whether the task has had its first step */
    uint64_t wait_ns;
    uint64_t spin_ns;  /* task 1 of the lateness scenario computes this long */
} log_t;

static void note(log_t *g, int e)
{
    if (g->nev < MAXEV)
        g->ev[g->nev++] = e;
}

/* Each task waits waits_left[t] times, then ends. */
static int waiting_task(ps_loop *l, int t, void *arg)
{
    log_t *g = arg;
    note(g, g->started[t] ? t + 1000 : t);
    g->started[t] = 1;
    if (g->waits_left[t]-- > 0) {
        CHECK(ps_loop_sleep(l, t, g->wait_ns) == 0);
        return PS_TASK_WAITING;
    }
    return PS_TASK_DONE;
}

/* Task 0 waits once; task 1 computes (spins on the clock) and ends. */
static int hog_scenario(ps_loop *l, int t, void *arg)
{
    log_t *g = arg;
    note(g, t);
    if (t == 0 && g->waits_left[0]-- > 0) {
        CHECK(ps_loop_sleep(l, 0, g->wait_ns) == 0);
        return PS_TASK_WAITING;
    }
    if (t == 1) {
        uint64_t end = ps_now_ns() + g->spin_ns;
        while (ps_now_ns() < end)
            ;
    }
    return PS_TASK_DONE;
}

/* Every task's one wait ends at the same instant, g->wait_ns on the clock. */
static int same_deadline_task(ps_loop *l, int t, void *arg)
{
    log_t *g = arg;
    note(g, g->started[t] ? t + 1000 : t);
    if (g->started[t]++)
        return PS_TASK_DONE;
    CHECK(ps_loop_sleep_until(l, t, g->wait_ns) == 0);
    return PS_TASK_WAITING;
}

static int bad_task(ps_loop *l, int t, void *arg)
{
    (void)l;
    (void)t;
    (void)arg;
    return PS_TASK_WAITING;  /* but set no timer */
}

static void test_overlap_order(void)
{
    ps_loop l;
    ps_err err = {""};
    log_t g;
    memset(&g, 0, sizeof g);
    g.wait_ns = 2000000;
    for (int t = 0; t < 64; t++)
        g.waits_left[t] = 1;
    CHECK(ps_loop_init(&l, 64, &err) == 0);
    CHECK_MSG(ps_loop_run(&l, waiting_task, &g, &err) == 0, "%s", err.msg);
    CHECK(g.nev == 128);
    /* every task ran up to its wait before any woke: the waits overlap */
    for (int i = 0; i < 64; i++)
        CHECK_MSG(g.ev[i] == i, "event %d is %d", i, g.ev[i]);
    /* and they woke in the order their timers were set */
    for (int i = 0; i < 64; i++)
        CHECK_MSG(g.ev[64 + i] == 1000 + i, "wake-up %d is %d", i, g.ev[64 + i]);
    CHECK(l.stats.waits == 64);
    CHECK_MSG(l.stats.switches == 127, "switches %llu", (unsigned long long)l.stats.switches);
    CHECK(l.stats.lateness.count == 64);
    CHECK(l.stats.polls >= 1);
    /* a second run (the next step of an iterative kernel) works the same */
    memset(&g, 0, sizeof g);
    g.wait_ns = 2000000;
    for (int t = 0; t < 64; t++)
        g.waits_left[t] = 1;
    CHECK(ps_loop_run(&l, waiting_task, &g, &err) == 0);
    CHECK(g.nev == 128 && l.stats.waits == 128);
    ps_loop_free(&l);
}

/* Timers with one deadline fire in the order they were set (the heap
 * alone would not keep that order). */
static void test_tie_order(void)
{
    ps_loop l;
    ps_err err = {""};
    log_t g;
    memset(&g, 0, sizeof g);
    g.wait_ns = ps_now_ns() + 2000000;  /* one absolute deadline for all */
    CHECK(ps_loop_init(&l, 16, &err) == 0);
    CHECK_MSG(ps_loop_run(&l, same_deadline_task, &g, &err) == 0, "%s", err.msg);
    CHECK(g.nev == 32);
    for (int i = 0; i < 16; i++)
        CHECK_MSG(g.ev[16 + i] == 1000 + i, "wake-up %d is %d", i, g.ev[16 + i]);
    ps_loop_free(&l);
}

static void test_compute_runs_to_completion(void)
{
    ps_loop l;
    ps_err err = {""};
    log_t g;
    memset(&g, 0, sizeof g);  /* no waits: each task is one step */
    CHECK(ps_loop_init(&l, 5, &err) == 0);
    CHECK(ps_loop_run(&l, waiting_task, &g, &err) == 0);
    CHECK(g.nev == 5);
    for (int i = 0; i < 5; i++)
        CHECK(g.ev[i] == i);
    CHECK(l.stats.switches == 4 && l.stats.waits == 0 && l.stats.polls == 0);
    ps_loop_free(&l);
}

static void test_hog_delays_wakeup(void)
{
    ps_loop l;
    ps_err err = {""};
    log_t g;
    memset(&g, 0, sizeof g);
    g.waits_left[0] = 1;
    g.wait_ns = 1000000;    /* 1 ms */
    g.spin_ns = 20000000;   /* 20 ms of computing in one stretch */
    CHECK(ps_loop_init(&l, 2, &err) == 0);
    CHECK(ps_loop_run(&l, hog_scenario, &g, &err) == 0);
    /* task 0 waits, task 1 computes to its end, only then task 0 resumes */
    CHECK(g.nev == 3 && g.ev[0] == 0 && g.ev[1] == 1 && g.ev[2] == 0);
    CHECK(l.stats.lateness.count == 1);
    /* its wake-up came at least the stretch minus the wait late (the
     * histogram's buckets are within about 3%) */
    double late = ps_hist_quantile(&l.stats.lateness, 0.5);
    CHECK_MSG(late >= 0.95 * 19e6, "lateness %.0f ns", late);
    ps_loop_free(&l);
}

/* The rounding itself, as asyncio's selector loop does it. */
static void test_ms_timeout_rounding(void)
{
    CHECK(ps_loop_ms_timeout(0, 1) == 1);
    CHECK(ps_loop_ms_timeout(0, 100000) == 1);
    CHECK(ps_loop_ms_timeout(0, 1000000) == 1);
    CHECK(ps_loop_ms_timeout(0, 1000001) == 2);
    CHECK(ps_loop_ms_timeout(7000000, 8500000) == 2);
    CHECK(ps_loop_ms_timeout(5, 5) == 0);
    CHECK(ps_loop_ms_timeout(9, 5) == 0);
    CHECK(ps_loop_ms_timeout(0, UINT64_MAX) == INT_MAX);
}

/* A wait of 0.1 ms sleeps a whole millisecond: epoll_wait never returns
 * before its timeout, so the wake-up comes at least 0.9 ms late. */
static void test_ms_timer_rounds_up(void)
{
    ps_loop l;
    ps_err err = {""};
    log_t g;
    memset(&g, 0, sizeof g);
    g.wait_ns = 100000;
    g.waits_left[0] = 3;
    CHECK(ps_loop_init(&l, 1, &err) == 0);
    l.timer = PS_LOOP_TIMER_MS;
    uint64_t t0 = ps_now_ns();
    CHECK_MSG(ps_loop_run(&l, waiting_task, &g, &err) == 0, "%s", err.msg);
    uint64_t took = ps_now_ns() - t0;
    CHECK(l.stats.lateness.count == 3 && l.stats.polls >= 3);
    double late = ps_hist_quantile(&l.stats.lateness, 0.0);
    CHECK_MSG(late >= 0.97 * 0.9e6, "least lateness %.0f ns", late);
    CHECK_MSG(took >= 3000000, "3 waits took %llu ns", (unsigned long long)took);
    ps_loop_free(&l);
}

/* Every resumption spends the step cost: 4 tasks of 3 steps each (two
 * waits of zero length) take at least 12 step costs. */
static void test_step_cost_is_spent(void)
{
    ps_loop l;
    ps_err err = {""};
    log_t g;
    memset(&g, 0, sizeof g);
    for (int t = 0; t < 4; t++)
        g.waits_left[t] = 2;
    CHECK(ps_loop_init(&l, 4, &err) == 0);
    l.step_cost_ns = 500000;
    uint64_t t0 = ps_now_ns();
    CHECK_MSG(ps_loop_run(&l, waiting_task, &g, &err) == 0, "%s", err.msg);
    uint64_t took = ps_now_ns() - t0;
    CHECK(g.nev == 12);
    CHECK_MSG(took >= 12 * 500000, "12 steps took %llu ns", (unsigned long long)took);
    ps_loop_free(&l);
}

static void test_misuse(void)
{
    ps_loop l;
    ps_err err = {""};
    CHECK(ps_loop_init(&l, 0, &err) == -1);
    CHECK(ps_loop_init(&l, 2, &err) == 0);
    CHECK(ps_loop_run(&l, bad_task, NULL, &err) == -1);
    CHECK(strstr(err.msg, "without a timer") != NULL);
    ps_loop_free(&l);
}

int main(void)
{
    test_overlap_order();
    test_tie_order();
    test_compute_runs_to_completion();
    test_hog_delays_wakeup();
    test_ms_timeout_rounding();
    test_ms_timer_rounds_up();
    test_step_cost_is_spent();
    test_misuse();
    return check_report("test_evloop");
}
