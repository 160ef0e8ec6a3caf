/* evloop.h -- one thread, many cooperative tasks: the model of an asyncio
 * event loop.
 *
 * A task is a state machine.  The loop calls its step function; the step
 * runs until the task has to wait, registers the wait with ps_loop_sleep()
 * and returns PS_TASK_WAITING (a coroutine reaching `await`), or returns
 * PS_TASK_DONE.  A step that never waits runs to its end before any other
 * task runs, as a coroutine that never awaits does.  Waits are timers kept
 * in a heap; the loop sleeps in epoll_wait() on one timerfd armed at the
 * earliest deadline, so a wait is as exact as the kernel's timers.
 *
 * Two settings make the loop time its work as CPython's asyncio does, so
 * that the model can be checked against the real thing:
 *  - timer PS_LOOP_TIMER_MS sleeps in epoll_wait() with its timeout in
 *    whole milliseconds, rounded up, as asyncio's selector loop does: a wait
 *    whose deadline is 0.1 ms away sleeps 1 ms;
 *  - step_cost_ns spends that much CPU time (a busy loop) each time a task
 *    is resumed, as the interpreter spends its own on each coroutine step
 *    and timer; 0, as for C code, by default.
 *
 * Order is decided here, never by the OS: ready tasks run first-in
 * first-out, and timers with one deadline fire in the order they were set.
 */
#ifndef PS_EVLOOP_H
#define PS_EVLOOP_H

#include <stdint.h>

#include "stats.h"
#include "util.h"

enum { PS_TASK_DONE = 0, PS_TASK_WAITING = 1 };

/* How the loop sleeps until its earliest timer. */
enum { PS_LOOP_TIMER_PRECISE = 0, PS_LOOP_TIMER_MS = 1 };

typedef struct ps_loop ps_loop;
/* Runs task `task` until it waits or ends; arg is ps_loop_run's. */
typedef int (*ps_task_step)(ps_loop *loop, int task, void *arg);

typedef struct ps_loop_timer {
    uint64_t deadline;  /* ps_now_ns() clock */
    uint64_t seq;       /* order of setting: ties fire first-set first */
    int task;
} ps_loop_timer;

/* What the loop did, for rows and the summary. */
typedef struct ps_loop_stats {
    uint64_t switches;  /* resumptions of a task other than the last one run */
    uint64_t waits;     /* timers set */
    uint64_t polls;     /* times the loop slept in epoll_wait */
    ps_hist lateness;   /* ns from a wait's deadline to its task's resumption */
} ps_loop_stats;

struct ps_loop {
    int ntasks;
    int timed_tasks;        /* lateness recorded for tasks below this (all) */
    int epfd, tfd;          /* epoll instance watching one timerfd */
    int timer;              /* PS_LOOP_TIMER_*; set after ps_loop_init */
    uint64_t step_cost_ns;  /* CPU time spent per resumption; set after init */
    ps_loop_timer *heap;    /* min-heap by (deadline, seq), at most ntasks */
    int nheap;
    int *ready;             /* ring of task ids, at most ntasks */
    int head, count;
    uint64_t *due;          /* per task: deadline it is resuming from, 0 none */
    int sleeping;           /* task whose step called ps_loop_sleep, or -1 */
    uint64_t seq;
    ps_loop_stats stats;
};

/* Returns 0, or -1 with err naming the call that failed. */
int ps_loop_init(ps_loop *l, int ntasks, ps_err *err);
void ps_loop_free(ps_loop *l);

/* From inside task's step: resume it no earlier than ns from now.  A task
 * sets at most one timer per step.  Returns 0, -1 when misused. */
int ps_loop_sleep(ps_loop *l, int task, uint64_t ns);
/* The same with an absolute deadline on the ps_now_ns() clock (asyncio's
 * call_at), so that several tasks can share one deadline. */
int ps_loop_sleep_until(ps_loop *l, int task, uint64_t deadline);

/* The timeout PS_LOOP_TIMER_MS sleeps for: whole milliseconds from now to
 * deadline d, rounded up; 0 when d has passed. */
int ps_loop_ms_timeout(uint64_t now, uint64_t d);

/* Starts tasks 0..ntasks-1 (in that order) and runs until every one has
 * returned PS_TASK_DONE.  May be called again (for the next step of an
 * iterative kernel); statistics accumulate.  Returns 0, or -1 with err. */
int ps_loop_run(ps_loop *l, ps_task_step step, void *arg, ps_err *err);

#endif
