/* gil.c -- see gil.h.  The algorithm is CPython's (3.2 and later) lock as
 * docs/gil.md describes it; the comments name its steps. */
#define _POSIX_C_SOURCE 200809L
#include "gil.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "timer.h"

/* Sets up both models' primitives, so one struct serves either. */
int ps_gil_init(ps_gil *g, const ps_gil_params *p)
{
    memset(g, 0, sizeof *g);
    g->p = *p;
    if (g->p.check_interval == 0)
        g->p.check_interval = 1;
    int rc;
    pthread_condattr_t ca;
    if ((rc = pthread_condattr_init(&ca)) != 0)
        return rc;
    /* timed waits must use the same monotonic clock as every measurement */
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if ((rc = pthread_mutex_init(&g->mutex, NULL)) != 0 ||
        (rc = pthread_cond_init(&g->cond, &ca)) != 0 ||
        (rc = pthread_mutex_init(&g->switch_mutex, NULL)) != 0 ||
        (rc = pthread_cond_init(&g->switch_cond, &ca)) != 0) {
        pthread_condattr_destroy(&ca);
        return rc;
    }
    pthread_condattr_destroy(&ca);
    if (sem_init(&g->plain, 0, 1) != 0)
        return errno;
    atomic_init(&g->last_holder, NULL);
    atomic_init(&g->holders, 0);
    atomic_init(&g->violations, 0);
    return 0;
}

/* See gil.h: one place decides what a tick is worth under each model. */
uint64_t ps_gil_default_tick(const ps_gil_params *p, uint64_t kernel_tick,
                             double release)
{
    if (kernel_tick == 0)
        kernel_tick = 1;
    if (release > 0)
        return kernel_tick * PS_GIL_RELEASE_TICK_FACTOR;
    if (p->model != PS_GIL_OLD)
        return kernel_tick;
    uint64_t t = kernel_tick / PS_GIL_OLD_TICK_DIVISOR;
    return t ? t : 1;
}

/* Only after every thread has dropped the lock for good. */
void ps_gil_destroy(ps_gil *g)
{
    pthread_mutex_destroy(&g->mutex);
    pthread_cond_destroy(&g->cond);
    pthread_mutex_destroy(&g->switch_mutex);
    pthread_cond_destroy(&g->switch_cond);
    sem_destroy(&g->plain);
}

/* Zeroed counters and no pending request, before the thread first takes. */
void ps_gil_thread_init(ps_gil_thread *t)
{
    memset(t, 0, sizeof *t);
    atomic_init(&t->drop_request, 0);
}

/* Marks this thread as the holder and checks that it is the only one: the
 * invariant the tests hammer. */
static void enter_critical(ps_gil *g)
{
    if (atomic_fetch_add(&g->holders, 1) != 0)
        atomic_fetch_add(&g->violations, 1);
}

/* The holder's mark goes before the lock is released. */
static void leave_critical(ps_gil *g)
{
    atomic_fetch_sub(&g->holders, 1);
}

/* An absolute CLOCK_MONOTONIC deadline ns from now, for timed waits. */
static void deadline_after(struct timespec *ts, uint64_t ns)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    uint64_t t = (uint64_t)ts->tv_nsec + ns;
    ts->tv_sec += (time_t)(t / 1000000000u);
    ts->tv_nsec = (long)(t % 1000000000u);
}

/* ---- new model (CPython 3.2+) ---------------------------------------- */

/* CPython 3.2+'s take_gil: wait in slices of one interval, asking the
 * holder to drop after a slice with no switch. */
static void take_new(ps_gil *g, ps_gil_thread *t, uint64_t start)
{
    pthread_mutex_lock(&g->mutex);
    /* Step 1: wait, at most one interval at a time; after a whole interval
     * with no switch, ask the holder to drop.  The clock starts again after
     * every switch because switch_number moved. */
    while (g->locked) {
        uint64_t saved = g->switch_number;
        struct timespec dl;
        deadline_after(&dl, g->p.interval_ns);
        int rc = pthread_cond_timedwait(&g->cond, &g->mutex, &dl);
        if (rc == ETIMEDOUT && g->locked && g->switch_number == saved &&
            g->holder) {
            t->drop_requests++;
            /* a second waiter's request merges with a pending one */
            if (atomic_exchange_explicit(&g->holder->drop_request, 1,
                                         memory_order_relaxed))
                t->discarded++;
        }
    }
    /* Step 2: take it; count a switch when the holder changes. */
    g->locked = 1;
    g->holder = t;
    uint64_t now = g->p.stats ? ps_now_ns() : 0;
    if (atomic_load(&g->last_holder) != t) {
        atomic_store(&g->last_holder, t);
        g->switch_number++;
        if (g->last_drop_forced)
            g->forced_switches++;
        if (g->p.stats && g->released_ns)
            ps_hist_add(&t->handoff, now - g->released_ns);
    }
    /* Tell a thread waiting in forced switching that the lock has moved. */
    pthread_mutex_lock(&g->switch_mutex);
    pthread_cond_signal(&g->switch_cond);
    pthread_mutex_unlock(&g->switch_mutex);
    /* A request aimed at us before we got here is void now. */
    if (atomic_exchange_explicit(&t->drop_request, 0, memory_order_relaxed))
        t->discarded++;
    pthread_mutex_unlock(&g->mutex);
    if (g->p.stats) {
        ps_hist_add(&t->wait, now - start);
        t->taken_ns = now;
    }
}

/* Returns whether a drop request was pending: then, as CPython's drop_gil
 * does whatever the reason for dropping, the lock is handed off. */
static int drop_new(ps_gil *g, ps_gil_thread *t, int at_check)
{
    /* Step 1: record the last holder, unlock, wake one waiter (which one is
     * the OS's choice, as in CPython).  The request is read and cleared
     * under the mutex: waiters set it only there, while we hold the lock. */
    atomic_store(&g->last_holder, t);
    pthread_mutex_lock(&g->mutex);
    int requested = atomic_exchange_explicit(&t->drop_request, 0,
                                             memory_order_relaxed);
    if (requested && !at_check)
        t->discarded++;   /* overtaken by a release for I/O or C code */
    g->locked = 0;
    g->holder = NULL;
    g->last_drop_forced = requested;
    if (g->p.stats)
        g->released_ns = ps_now_ns();
    pthread_cond_signal(&g->cond);
    pthread_mutex_unlock(&g->mutex);
    /* Step 2: forced switching: asked to drop, we may not take the lock
     * back until somebody else has had it. */
    if (requested) {
        pthread_mutex_lock(&g->switch_mutex);
        while (atomic_load(&g->last_holder) == t)
            pthread_cond_wait(&g->switch_cond, &g->switch_mutex);
        pthread_mutex_unlock(&g->switch_mutex);
    }
    return requested;
}

/* ---- old model (before 3.2) -------------------------------------------- */

/* Python 2's acquire: a plain semaphore wait, no request, no fairness;
 * whoever reaches sem_wait first after a post wins. */
static void take_old(ps_gil *g, ps_gil_thread *t, uint64_t start)
{
    while (sem_wait(&g->plain) != 0 && errno == EINTR)
        ;
    uint64_t now = g->p.stats ? ps_now_ns() : 0;
    if (atomic_load(&g->last_holder) != t) {
        atomic_store(&g->last_holder, t);
        g->switch_number++;   /* only the holder writes it */
        if (g->p.stats && g->released_ns)
            ps_hist_add(&t->handoff, now - g->released_ns);
    }
    if (g->p.stats) {
        ps_hist_add(&t->wait, now - start);
        t->taken_ns = now;
    }
}

/* Python 2's release: post and return; the caller may take it straight
 * back before the woken waiter runs (no handoff). */
static void drop_old(ps_gil *g, ps_gil_thread *t)
{
    (void)t;
    if (g->p.stats)
        g->released_ns = ps_now_ns();
    sem_post(&g->plain);
}

/* ---- both ----------------------------------------------------------------- */

/* The one entry point for taking, whatever the model: counts the acquire
 * and checks the invariant. */
void ps_gil_take(ps_gil *g, ps_gil_thread *t)
{
    uint64_t start = g->p.stats ? ps_now_ns() : 0;
    if (g->p.model == PS_GIL_NEW)
        take_new(g, t, start);
    else
        take_old(g, t, start);
    t->acquires++;
    t->ticks = 0;
    enter_critical(g);
}

/* at_check: the holder drops because its check between ticks fired (a
 * drop request, or the old model's check interval), not to wait or to run
 * code that releases the lock. */
static void drop(ps_gil *g, ps_gil_thread *t, int at_check)
{
    leave_critical(g);
    if (g->p.stats)
        ps_hist_add(&t->hold, ps_now_ns() - t->taken_ns);
    if (g->p.model == PS_GIL_NEW) {
        if (drop_new(g, t, at_check) && at_check)
            t->forced_drops++;
    } else {
        drop_old(g, t);
    }
}

/* A release for I/O or C code (Py_BEGIN_ALLOW_THREADS): not at a check. */
void ps_gil_drop(ps_gil *g, ps_gil_thread *t)
{
    drop(g, t, 0);
}

/* Called between ticks when the cheap check fired: under the new model the
 * holder was asked to drop; under the old one the check interval ran out
 * and the lock is released and retaken at once, with no handoff. */
void ps_gil_yield_slow(ps_gil *g, ps_gil_thread *t)
{
    drop(g, t, 1);
    ps_gil_take(g, t);
}

/* Sums the threads' counters and merges their histograms once, after the
 * run, so the hot path never touches shared statistics. */
void ps_gil_report_collect(const ps_gil *g, ps_gil_thread *const *threads,
                           int n, ps_gil_report *out)
{
    memset(out, 0, sizeof *out);
    ps_hist wait, hold, handoff, wake;
    memset(&wake, 0, sizeof wake);
    memset(&wait, 0, sizeof wait);
    memset(&hold, 0, sizeof hold);
    memset(&handoff, 0, sizeof handoff);
    for (int i = 0; i < n; i++) {
        out->drop_requests += threads[i]->drop_requests;
        out->discarded += threads[i]->discarded;
        out->forced_drops += threads[i]->forced_drops;
        out->acquires += threads[i]->acquires;
        ps_hist_merge(&wait, &threads[i]->wait);
        ps_hist_merge(&hold, &threads[i]->hold);
        ps_hist_merge(&handoff, &threads[i]->handoff);
        ps_hist_merge(&wake, &threads[i]->wake);
    }
    /* The first acquire of the run is not a switch between threads. */
    out->switches = g->switch_number ? g->switch_number - 1 : 0;
    out->forced_switches = g->forced_switches;
    out->voluntary_switches = out->switches - out->forced_switches;
    out->wait_seconds = wait.sum * 1e-9;
    out->wait_median = ps_hist_quantile(&wait, 0.5) * 1e-9;
    out->wait_p99 = ps_hist_quantile(&wait, 0.99) * 1e-9;
    out->hold_median = ps_hist_quantile(&hold, 0.5) * 1e-9;
    out->handoff_median = ps_hist_quantile(&handoff, 0.5) * 1e-9;
    out->wakes = wake.count;
    out->wake_median = ps_hist_quantile(&wake, 0.5) * 1e-9;
    out->wake_p99 = ps_hist_quantile(&wake, 0.99) * 1e-9;
    out->violations = atomic_load(&g->violations);
}
