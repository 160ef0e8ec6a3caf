/*
 * backend_gil.c -- CPython threads: N POSIX threads that must hold one
 * emulated global interpreter lock (gil.c) while they compute.
 *
 * Each thread owns an equal part of the range, as a Python program that
 * hands each threading.Thread a chunk does.  It runs its part in ticks of
 * cfg->tick indices; between ticks it makes the interpreter's check (drop
 * request, or check interval).  Kernels that wait (PS_KERNEL_WAITS) wait
 * with the lock released, as blocking I/O does; --gil-release F runs that
 * fraction of each tick unlocked, as C extensions do.
 *
 * --gil-cpu-threads N adds N threads that run `count` under the same lock
 * for as long as the measured threads run (a CPU-bound thread beside an
 * I/O-bound one: the convoy effect).  They start at the same barrier, are
 * not timed, and stop when the last measured thread has finished.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "threads.h"
#include "timer.h"

typedef struct gil_run {
    const ps_config *cfg;
    void *state;
    ps_comm comm;
    ps_gil gil;
    pthread_barrier_t go;      /* measured and extra CPU threads */
    pthread_barrier_t barrier; /* measured threads, between steps */
    atomic_int running;        /* measured threads not yet finished */
    const ps_kernel *hog;      /* what the extra CPU threads run */
    void *hog_state;
    ps_gil_thread *threads;    /* measured ones first, then extra ones */
    ps_acc *accs;
    double *start, *end;       /* per worker, monotonic clock */
    int exchange_failed;
} gil_run;

/* One thread's share of one step, in ticks. */
static void gil_step(gil_run *r, ps_gil_thread *me, uint64_t lo, uint64_t hi,
                     ps_acc *acc)
{
    const ps_kernel *k = r->cfg->kernel;
    const uint64_t tick = r->cfg->tick;
    const int waits = (k->flags & PS_KERNEL_WAITS) != 0;
    /* indices of each tick run with the lock held; the rest run unlocked */
    uint64_t locked_part = tick - (uint64_t)((double)tick * r->cfg->gil_release);
    if (locked_part == 0)
        locked_part = 1;

    ps_gil_take(&r->gil, me);
    for (uint64_t i = lo; i < hi; i += tick) {
        uint64_t end = hi - i < tick ? hi : i + tick;
        if (waits) {
            ps_gil_drop(&r->gil, me);
            k->run(r->state, i, end, acc);
            ps_gil_take(&r->gil, me);
        } else if (locked_part < end - i) {
            k->run(r->state, i, i + locked_part, acc);
            ps_gil_drop(&r->gil, me);
            k->run(r->state, i + locked_part, end, acc);
            ps_gil_take(&r->gil, me);
        } else {
            k->run(r->state, i, end, acc);
        }
        ps_gil_tick(&r->gil, me);
    }
    ps_gil_drop(&r->gil, me);
}

/* An extra CPU-bound thread: pure interpreter work in ticks, checking its
 * drop request like any holder, until every measured thread is done. */
static void gil_hog(gil_run *r, ps_gil_thread *me)
{
    const uint64_t tick = r->cfg->tick;
    ps_acc acc = {{0}};
    pthread_barrier_wait(&r->go);
    ps_gil_take(&r->gil, me);
    for (uint64_t i = 0; atomic_load_explicit(&r->running, memory_order_relaxed) > 0;
         i += tick) {
        r->hog->run(r->hog_state, i, i + tick, &acc);
        ps_gil_tick(&r->gil, me);
    }
    ps_gil_drop(&r->gil, me);
}

/* One thread of the team: a measured worker, or an extra CPU thread. */
static void gil_worker(void *arg, int tid)
{
    gil_run *r = arg;
    const ps_config *cfg = r->cfg;
    const ps_kernel *k = cfg->kernel;
    ps_gil_thread *me = &r->threads[tid];
    if (tid >= cfg->workers) {
        gil_hog(r, me);
        return;
    }
    uint64_t lo, hi;
    ps_partition(cfg->n, (uint64_t)cfg->workers, (uint64_t)tid, &lo, &hi);
    k->init(r->state, lo, hi);  /* first touch by the thread that uses it */
    ps_acc acc = {{0}};  /* here, not in r->accs: neighbours share a cache line */

    pthread_barrier_wait(&r->go);
    r->start[tid] = ps_now();
    for (uint32_t s = 0; s < cfg->steps; s++) {
        gil_step(r, me, lo, hi, &acc);
        if (k->exchange) {
            /* As threading.Barrier: waiting releases the lock; the exchange
             * is interpreter code, so thread 0 runs it holding the lock. */
            pthread_barrier_wait(&r->barrier);
            if (tid == 0) {
                ps_gil_take(&r->gil, me);
                if (k->exchange(r->state, &r->comm) != 0)
                    r->exchange_failed = 1;
                ps_gil_drop(&r->gil, me);
            }
            pthread_barrier_wait(&r->barrier);
        }
    }
    r->end[tid] = ps_now();
    atomic_fetch_sub(&r->running, 1);
    r->accs[tid] = acc;
}

/* One repetition: a fresh lock and team each time, so no counter or
 * holder carries over from the previous configuration. */
static int gil_run_rep(const ps_ctx *ctx, const ps_config *cfg, ps_rep *rep,
                       ps_err *err)
{
    (void)ctx;
    const ps_kernel *k = cfg->kernel;
    const int n = cfg->workers, extra = cfg->gil.cpu_threads, all = n + extra;
    gil_run r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    atomic_init(&r.running, n);
    ps_comm_local(&r.comm);
    ps_kernel_args a = ps_config_args(cfg, 0, cfg->n, &r.comm);
    if (k->create(&r.state, &a) != 0)
        return PS_FAIL_SYS(err, "kernel create");
    int rc = ps_gil_init(&r.gil, &cfg->gil);
    if (rc != 0) {
        k->destroy(r.state);
        return ps_fail(err, "pthread/sem init for the gil failed: %s", strerror(rc));
    }
    if (extra > 0) {
        r.hog = ps_kernel_find("count");
        ps_kernel_args ha = {.n = 1, .order = 1, .lo = 0, .hi = 1, .steps = 1,
                             .comm = &r.comm};
        if (!r.hog || r.hog->create(&r.hog_state, &ha) != 0) {
            ps_gil_destroy(&r.gil);
            k->destroy(r.state);
            return ps_fail(err, "--gil-cpu-threads: cannot set up the count kernel");
        }
    }
    r.threads = calloc((size_t)all, sizeof *r.threads);
    r.accs = calloc((size_t)n, sizeof *r.accs);
    r.start = calloc((size_t)n, sizeof *r.start);
    r.end = calloc((size_t)n, sizeof *r.end);
    int status = 0;
    if (!r.threads || !r.accs || !r.start || !r.end) {
        status = ps_fail(err, "out of memory for %d gil threads", n);
        goto out;
    }
    for (int i = 0; i < all; i++)
        ps_gil_thread_init(&r.threads[i]);
    if ((rc = pthread_barrier_init(&r.go, NULL, (unsigned)all)) != 0) {
        status = ps_fail(err, "pthread_barrier_init failed: %s", strerror(rc));
        goto out;
    }
    if ((rc = pthread_barrier_init(&r.barrier, NULL, (unsigned)n)) != 0) {
        pthread_barrier_destroy(&r.go);
        status = ps_fail(err, "pthread_barrier_init failed: %s", strerror(rc));
        goto out;
    }
    status = ps_team_run(all, gil_worker, &r, err);
    pthread_barrier_destroy(&r.barrier);
    pthread_barrier_destroy(&r.go);
    if (status != 0)
        goto out;
    if (r.exchange_failed) {
        status = ps_fail(err, "%s: exchange failed", k->name);
        goto out;
    }
    rep->seconds = ps_span(r.start, r.end, n);
    ps_finish_local(cfg, r.state, r.accs, n, rep);

    /* the lock's figures cover every thread that used it */
    ps_gil_thread **tp = malloc((size_t)all * sizeof *tp);
    if (tp) {
        for (int i = 0; i < all; i++)
            tp[i] = &r.threads[i];
        ps_gil_report_collect(&r.gil, tp, all, &rep->gil);
        rep->has_gil = 1;
        free(tp);
    }
    if (rep->gil.violations > 0) {
        rep->verified = 0;
        snprintf(rep->error, sizeof rep->error,
                 "gil invariant broken: two holders at once %d times",
                 rep->gil.violations);
    }
out:
    free(r.threads);
    free(r.accs);
    free(r.start);
    free(r.end);
    ps_gil_destroy(&r.gil);
    if (r.hog_state)
        r.hog->destroy(r.hog_state);
    k->destroy(r.state);
    return status;
}

/* Rejects settings the team cannot run, before anything is measured. */
static int gil_check(const ps_ctx *ctx, const ps_config *cfg, ps_err *err)
{
    (void)ctx;
    if (cfg->tick == 0)
        return ps_fail(err, "--tick must be at least 1");
    if (cfg->gil.cpu_threads < 0 || cfg->gil.cpu_threads > 4096)
        return ps_fail(err, "--gil-cpu-threads must be from 0 to 4096");
    return 0;
}

const ps_backend ps_backend_gil = {
    .name = "gil",
    .summary = "POSIX threads under an emulated CPython global interpreter lock",
    .flags = PS_BACKEND_THREADS,
    .check = gil_check,
    .run = gil_run_rep,
};
