/*
 * backend_gil.c -- CPython threads: N POSIX threads that must hold one
 * emulated global interpreter lock (gil.c) while they compute.
 *
 * Each thread owns an equal part of the range, as a Python program that
 * hands each threading.Thread a chunk does.  It runs its part in ticks of
 * --tick indices; between ticks it makes the interpreter's check (drop
 * request, or check interval).  Kernels that wait (kernel.h, wait_ns) wait
 * with the lock released, as blocking I/O does; --gil-release F runs that
 * fraction of each tick unlocked, as C extensions do.
 *
 * --gil-cpu-threads N adds N threads that run `count` under the same lock
 * for as long as the measured threads run (a CPU-bound thread beside an
 * I/O-bound one: the convoy effect).  They start at the same barrier, are
 * not timed, and stop when the last measured thread has finished.
 * --gil-io-threads N adds N threads that wait --gil-io-wait at a time, as
 * an io kernel's waits do, likewise untimed: the convoy seen from the
 * measured CPU-bound threads.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "backend_common.h"
#include "gil.h"
#include "kernel_registry.h"
#include "stats.h"
#include "threads.h"
#include "timer.h"

/* Its options, resolved per configuration (the tick depends on the
 * kernel). */
typedef struct gil_opts {
    ps_gil_params gil;
    uint64_t tick;             /* indices per tick; 0 until configured: the kernel's */
    double release;            /* fraction of a tick run unlocked */
    int switch_given, check_given;  /* which model's own setting was set */
} gil_opts;
PS_BACKEND_FITS(gil_opts);

/* Its figures of one repetition: the lock's report. */
PS_BACKEND_FITS(ps_gil_report);

static const gil_opts *opts_of(const ps_config *cfg)
{
    return (const gil_opts *)cfg->opts.bytes;
}

typedef struct gil_run {
    const ps_config *cfg;
    const gil_opts *go_opts;
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
    ps_disturb *dist;          /* per worker */
    int exchange_failed;
} gil_run;

/* A wait under the lock is a blocking call in CPython: release the lock,
 * block, take it back (usually after the holder's next drop: the convoy).
 * The wake latency is from the wait's deadline (its start plus its
 * length, as a Python thread sees it around time.sleep) to holding the
 * lock again: the OS's late wake-up plus the wait for the lock. */
typedef struct gil_waiter {
    ps_waiter base;
    ps_gil *gil;
    ps_gil_thread *me;
} gil_waiter;

static void gil_wait(ps_waiter *w, uint64_t ns)
{
    gil_waiter *g = (gil_waiter *)w;
    const uint64_t due = ps_now_ns() + ns;
    ps_gil_drop(g->gil, g->me);
    ps_sleep_ns(ns);
    ps_gil_take(g->gil, g->me);
    const uint64_t now = ps_now_ns();
    ps_hist_add(&g->me->wake, now > due ? now - due : 0);
}

/* Indices the holder can run between two checks without changing what the
 * lock does, or 0 where every tick's check counts.  With one worker and no
 * extra thread nobody can take the lock or ask for it: the new model's
 * check never acts, and the old model's release and retake hand the lock
 * to nobody (Python 2 pays a few ns for them, ~2% of a check interval), so
 * the part runs whole, holding the lock once -- gil at one worker costs
 * what one Python thread costs against none, and its row counts one
 * acquire per part.  With more threads, under the old model, the check
 * acts only every check_interval ticks (it merely counts the others), so
 * one block of check_interval ticks and one check make the same schedule,
 * without a kernel call per tick.  With --gil-release or a waiting kernel
 * every tick releases the lock: tick by tick. */
static uint64_t check_block(const gil_run *r)
{
    const gil_opts *go = r->go_opts;
    if (r->cfg->kernel->wait_ns != NULL || go->release > 0)
        return 0;
    if (r->cfg->workers == 1 && go->gil.cpu_threads == 0 && go->gil.io_threads == 0)
        return UINT64_MAX;
    if (go->gil.model == PS_GIL_OLD) {
        uint64_t ci = go->gil.check_interval ? go->gil.check_interval : 1;
        return go->tick > UINT64_MAX / ci ? UINT64_MAX : go->tick * ci;
    }
    return 0;
}

/* One thread's share of one step in blocks of check_block() indices: the
 * check after each whole block is the one the block's last tick would make
 * (the old model's counter is 0 at a block's start: every take resets it). */
static void gil_step_blocks(gil_run *r, ps_gil_thread *me, uint64_t lo, uint64_t hi,
                            uint64_t block, ps_acc *acc)
{
    const ps_kernel *k = r->cfg->kernel;
    const uint32_t ci = r->go_opts->gil.check_interval;
    ps_gil_take(&r->gil, me);
    for (uint64_t i = lo; i < hi;) {
        uint64_t end = hi - i <= block ? hi : i + block;
        k->run(r->state, i, end, acc);
        if (end - i == block && r->gil.p.model == PS_GIL_OLD) {
            me->ticks = ci ? ci - 1 : 0;
            ps_gil_tick(&r->gil, me);
        }
        i = end;
    }
    ps_gil_drop(&r->gil, me);
}

/* One thread's share of one step, in ticks. */
static void gil_step(gil_run *r, ps_gil_thread *me, uint64_t lo, uint64_t hi,
                     ps_acc *acc)
{
    const ps_kernel *k = r->cfg->kernel;
    const uint64_t tick = r->go_opts->tick;
    const int waits = k->wait_ns != NULL;
    gil_waiter waiter = {{gil_wait}, &r->gil, me};
    const uint64_t block = check_block(r);
    if (block != 0) {
        gil_step_blocks(r, me, lo, hi, block, acc);
        return;
    }
    /* indices of each tick run with the lock held; the rest run unlocked */
    uint64_t locked_part = tick - (uint64_t)((double)tick * r->go_opts->release);
    if (locked_part == 0)
        locked_part = 1;

    ps_gil_take(&r->gil, me);
    for (uint64_t i = lo; i < hi; i += tick) {
        uint64_t end = hi - i < tick ? hi : i + tick;
        if (waits) {  /* its own work holding the lock, its waits without */
            ps_kernel_span(k, r->state, i, end, acc, &waiter.base);
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
    const uint64_t tick = r->go_opts->tick;
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

/* An extra I/O thread: waits as gil_wait does (its wake latency timed with
 * the measured threads'), holding the lock between them, until every
 * measured thread is done. */
static void gil_io_companion(gil_run *r, ps_gil_thread *me)
{
    gil_waiter waiter = {{gil_wait}, &r->gil, me};
    pthread_barrier_wait(&r->go);
    ps_gil_take(&r->gil, me);
    while (atomic_load_explicit(&r->running, memory_order_relaxed) > 0)
        gil_wait(&waiter.base, r->go_opts->gil.io_wait_ns);
    ps_gil_drop(&r->gil, me);
}

/* One thread of the team: a measured worker, or an extra CPU or I/O
 * thread. */
static void gil_worker(void *arg, int tid)
{
    gil_run *r = arg;
    const ps_config *cfg = r->cfg;
    const ps_kernel *k = cfg->kernel;
    ps_gil_thread *me = &r->threads[tid];
    if (tid >= cfg->workers + r->go_opts->gil.cpu_threads) {
        gil_io_companion(r, me);
        return;
    }
    if (tid >= cfg->workers) {
        gil_hog(r, me);
        return;
    }
    uint64_t lo, hi;
    ps_partition(cfg->n, (uint64_t)cfg->workers, (uint64_t)tid, &lo, &hi);
    k->init(r->state, lo, hi);  /* first touch by the thread that uses it */
    ps_acc acc = {{0}};  /* here, not in r->accs: neighbours share a cache line */

    pthread_barrier_wait(&r->go);
    ps_probe probe;
    ps_probe_begin(&probe);
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
    ps_probe_end(&probe, &r->dist[tid]);
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
    const gil_opts *go = opts_of(cfg);
    const int n = cfg->workers, extra = go->gil.cpu_threads;
    const int all = n + extra + go->gil.io_threads;
    gil_run r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    r.go_opts = go;
    atomic_init(&r.running, n);
    ps_comm_local(&r.comm);
    ps_kernel_args a = ps_config_args(cfg, 0, cfg->n, &r.comm);
    if (k->create(&r.state, &a) != 0)
        return PS_FAIL_SYS(err, "kernel create");
    int rc = ps_gil_init(&r.gil, &go->gil);
    if (rc != 0) {
        k->destroy(r.state);
        return ps_fail(err, "pthread/sem init for the gil failed: %s", strerror(rc));
    }
    if (extra > 0) {
        r.hog = ps_kernel_hog();
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
    r.dist = calloc((size_t)n, sizeof *r.dist);
    int status = 0;
    if (!r.threads || !r.accs || !r.start || !r.end || !r.dist) {
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
    ps_disturb_init(&rep->dist);
    for (int i = 0; i < n; i++)
        ps_disturb_add(&rep->dist, &r.dist[i]);
    ps_finish_local(cfg, r.state, r.accs, n, rep);

    /* the lock's figures cover every thread that used it */
    ps_gil_report *report = (ps_gil_report *)rep->extra.bytes;
    ps_gil_thread **tp = malloc((size_t)all * sizeof *tp);
    if (tp) {
        for (int i = 0; i < all; i++)
            tp[i] = &r.threads[i];
        ps_gil_report_collect(&r.gil, tp, all, report);
        rep->has_extra = 1;
        free(tp);
    }
    if (rep->has_extra && report->violations > 0) {
        rep->verified = 0;
        snprintf(rep->error, sizeof rep->error,
                 "gil invariant broken: two holders at once %d times",
                 report->violations);
    }
out:
    free(r.threads);
    free(r.accs);
    free(r.start);
    free(r.end);
    free(r.dist);
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
    if (opts_of(cfg)->tick == 0)
        return ps_fail(err, "--tick must be at least 1");
    if (opts_of(cfg)->gil.cpu_threads < 0 || opts_of(cfg)->gil.cpu_threads > 4096)
        return ps_fail(err, "--gil-cpu-threads must be from 0 to 4096");
    /* each model has one setting: the other's would be ignored unrecorded */
    if (opts_of(cfg)->gil.model == PS_GIL_NEW && opts_of(cfg)->check_given)
        return ps_fail(err, "--check-interval applies to --gil-model old only (the new "
                       "model switches on --switch-interval)");
    if (opts_of(cfg)->gil.model == PS_GIL_OLD && opts_of(cfg)->switch_given)
        return ps_fail(err, "--switch-interval applies to --gil-model new only (the old "
                       "model switches on --check-interval)");
    return 0;
}

enum {
    GIL_MODEL, GIL_SWITCH_INTERVAL, GIL_CHECK_INTERVAL, GIL_TICK, GIL_RELEASE,
    GIL_NO_STATS, GIL_CPU_THREADS, GIL_IO_THREADS, GIL_IO_WAIT,
};
static const ps_option_row gil_options[] = {
    {"gil-model", 0, PS_ARG_VALUE, "new|old",
     "new: CPython 3.2+ (default); old: before 3.2", GIL_MODEL, NULL},
    {"switch-interval", 0, PS_ARG_VALUE, "T",
     "new model's interval, e.g. 5ms, 100us (default 5ms)", GIL_SWITCH_INTERVAL, NULL},
    {"check-interval", 0, PS_ARG_VALUE, "N",
     "old model's ticks between releases (default 100)", GIL_CHECK_INTERVAL, NULL},
    {"tick", 0, PS_ARG_VALUE, "N",
     "indices per tick (default: the kernel's ~1 us;\n"
     "old model: a twentieth, so 100 ticks ~ 5 us;\n"
     "with --gil-release: 1000x, ~1 ms, so a release\n"
     "and retake cost a few percent of a tick)", GIL_TICK, NULL},
    {"gil-release", 0, PS_ARG_VALUE, "F",
     "fraction 0 <= F < 1 of each tick run with the\n"
     "lock released, as C extensions do (default 0)", GIL_RELEASE, NULL},
    {"no-gil-stats", 0, PS_ARG_NONE, NULL,
     "do not time acquires, holds and handoffs", GIL_NO_STATS, NULL},
    {"gil-cpu-threads", 0, PS_ARG_VALUE, "N",
     "run N extra CPU-bound count threads under the\n"
     "same lock while the measured ones run (convoy\n"
     "effect); rows report the measured kernel's rate\n"
     "and threads = workers + N (default 0)", GIL_CPU_THREADS, NULL},
    {"gil-io-threads", 0, PS_ARG_VALUE, "N",
     "run N extra I/O threads under the same lock, each\n"
     "waiting --gil-io-wait at a time (the convoy's\n"
     "cost to measured CPU-bound threads); threads\n"
     "counts them too (default 0)", GIL_IO_THREADS, NULL},
    {"gil-io-wait", 0, PS_ARG_VALUE, "T",
     "their wait, e.g. 100us, 1ms (default 100us)", GIL_IO_WAIT, NULL},
    PS_OPTION_ROWS_END,
};

static void gil_opts_default(void *opts)
{
    gil_opts *g = opts;
    g->gil = (ps_gil_params){.model = PS_GIL_NEW, .interval_ns = 5000000,
                             .check_interval = 100, .stats = 1, .io_wait_ns = 100000};
}

static int gil_opt_parse(void *opts, int target, const char *arg, ps_err *err)
{
    gil_opts *g = opts;
    uint64_t v = 0;
    switch (target) {
    case GIL_MODEL:
        if (strcmp(arg, "new") == 0 || strcmp(arg, "old") == 0) {
            g->gil.model = arg[0] == 'n' ? PS_GIL_NEW : PS_GIL_OLD;
            return 0;
        }
        return ps_fail(err, "--gil-model: '%s' is not new or old", arg);
    case GIL_SWITCH_INTERVAL:
        return ps_parse_duration_ns(arg, &g->gil.interval_ns) == 0 ? (g->switch_given = 1, 0)
               : ps_fail(err, "--switch-interval: '%s' is not a duration such as "
                         "5ms, 100us or 1us (1ns to 1000s)", arg);
    case GIL_CHECK_INTERVAL:
        if (ps_parse_count_in("--check-interval", arg, 1, 100000000, &v, err))
            return -1;
        g->gil.check_interval = (uint32_t)v;
        g->check_given = 1;
        return 0;
    case GIL_TICK:
        return ps_parse_count_in("--tick", arg, 1, PS_EXACT_MAX_U64, &g->tick, err);
    case GIL_RELEASE:
        return ps_parse_fraction(arg, &g->release) == 0 ? 0
               : ps_fail(err, "--gil-release: '%s' is not a fraction with 0 <= F < 1", arg);
    case GIL_NO_STATS:
        g->gil.stats = 0;
        return 0;
    case GIL_CPU_THREADS:
        if (ps_parse_count_in("--gil-cpu-threads", arg, 0, 4096, &v, err))
            return -1;
        g->gil.cpu_threads = (int)v;
        return 0;
    case GIL_IO_THREADS:
        if (ps_parse_count_in("--gil-io-threads", arg, 0, 4096, &v, err))
            return -1;
        g->gil.io_threads = (int)v;
        return 0;
    case GIL_IO_WAIT:
        return ps_parse_duration_ns(arg, &g->gil.io_wait_ns) == 0 ? 0
               : ps_fail(err, "--gil-io-wait: '%s' is not a duration such as 100us or 1ms "
                         "(1ns to 1000s)", arg);
    }
    return ps_fail(err, "internal: gil option %d has no case", target);
}

/* The kernel's tick unless --tick, and the extra CPU and I/O threads
 * share the process. */
static void gil_configure(ps_config *cfg, int variant)
{
    (void)variant;
    gil_opts *g = (gil_opts *)cfg->opts.bytes;
    if (g->tick == 0)
        g->tick = ps_gil_default_tick(&g->gil, cfg->kernel->tick, g->release);
    cfg->threads = cfg->workers + g->gil.cpu_threads + g->gil.io_threads;
}

static void gil_row(ps_csv_row *r, const ps_config *cfg, const ps_rep *rep, int ran)
{
    const gil_opts *g = opts_of(cfg);
    ps_csv_set(r, PS_COL_gil_model, "%s", g->gil.model == PS_GIL_OLD ? "old" : "new");
    if (g->gil.model == PS_GIL_NEW)
        ps_csv_set(r, PS_COL_switch_interval, "%.9g", (double)g->gil.interval_ns * 1e-9);
    else
        ps_csv_set(r, PS_COL_check_interval, "%u", g->gil.check_interval);
    ps_csv_set(r, PS_COL_tick, "%llu", (unsigned long long)g->tick);
    ps_csv_set(r, PS_COL_gil_release, "%.6g", g->release);
    if (!ran || !rep->has_extra)
        return;
    const ps_gil_report *s = (const ps_gil_report *)rep->extra.bytes;
    ps_csv_set(r, PS_COL_gil_switches, "%llu", (unsigned long long)s->switches);
    ps_csv_set(r, PS_COL_gil_forced_switches, "%llu", (unsigned long long)s->forced_switches);
    ps_csv_set(r, PS_COL_gil_drop_requests, "%llu", (unsigned long long)s->drop_requests);
    ps_csv_set(r, PS_COL_gil_drops_discarded, "%llu", (unsigned long long)s->discarded);
    if (s->wakes > 0) {  /* a waiting kernel: the lateness of its waits */
        ps_csv_set(r, PS_COL_loop_lateness_median, "%.9g", s->wake_median);
        ps_csv_set(r, PS_COL_loop_lateness_p99, "%.9g", s->wake_p99);
    }
    if (!g->gil.stats)
        return;
    ps_csv_set(r, PS_COL_gil_wait_seconds, "%.9g", s->wait_seconds);
    ps_csv_set(r, PS_COL_gil_wait_median, "%.9g", s->wait_median);
    ps_csv_set(r, PS_COL_gil_wait_p99, "%.9g", s->wait_p99);
    ps_csv_set(r, PS_COL_gil_hold_median, "%.9g", s->hold_median);
    ps_csv_set(r, PS_COL_gil_handoff_median, "%.9g", s->handoff_median);
}

/* The lock's behaviour, medians over the repetitions. */
static void gil_lock_line(const ps_samples *sm, ps_buf *out)
{
    const int n = sm->n;
    double *v = malloc((size_t)n * 7 * sizeof *v);
    if (!v)
        return;
    double *sw = v, *forced = v + n, *req = v + 2 * n, *wmed = v + 3 * n,
           *wp99 = v + 4 * n, *hold = v + 5 * n, *hand = v + 6 * n;
    for (int i = 0; i < n; i++) {
        ps_gil_report g;
        memcpy(&g, sm->extra + (size_t)i * sizeof g, sizeof g);
        double secs = sm->seconds[i] > 0 ? sm->seconds[i] : 1.0;
        sw[i] = (double)g.switches / secs;
        forced[i] = (double)g.forced_switches / secs;
        req[i] = (double)g.drop_requests / secs;
        wmed[i] = g.wait_median;
        wp99[i] = g.wait_p99;
        hold[i] = g.hold_median;
        hand[i] = g.handoff_median;
    }
    char a[32], b[32], c[32], d[32];
    ps_format_seconds(ps_median(wmed, (size_t)n), a, sizeof a);
    ps_format_seconds(ps_median(wp99, (size_t)n), b, sizeof b);
    ps_format_seconds(ps_median(hold, (size_t)n), c, sizeof c);
    ps_format_seconds(ps_median(hand, (size_t)n), d, sizeof d);
    double s = ps_median(sw, (size_t)n), f = ps_median(forced, (size_t)n);
    ps_buf_printf(out, "      gil: %.0f switches/s (%.0f forced, %.0f voluntary), %.0f drop "
                  "requests/s; wait %s median, %s p99; hold %s; handoff %s\n",
                  s, f, s - f, ps_median(req, (size_t)n), a, b, c, d);
    free(v);
}

/* The lock's line, and with --gil-release Amdahl's prediction beside the
 * measured speedup: F of the work runs unlocked, serial fraction 1 - F. */
static void gil_summary(const ps_config *cfg, const ps_samples *sm, ps_buf *out)
{
    if (sm->extra && sm->n > 0)
        gil_lock_line(sm, out);
    double release = opts_of(cfg)->release;
    if (release > 0) {
        double sf = 1.0 - release, w = cfg->workers;
        ps_buf_printf(out, "      amdahl: serial fraction %.2f predicts %.2f at %d workers",
                      sf, 1.0 / (sf + (1.0 - sf) / w), cfg->workers);
        if (!isnan(sm->speedup))  /* no base (--no-baseline): nothing measured against */
            ps_buf_printf(out, "; measured %.2f (%.0f%%)", sm->speedup,
                          100.0 * sm->speedup * (sf + (1.0 - sf) / w));
        ps_buf_put(out, "\n", 1);
    }
}

const ps_backend ps_backend_gil = {
    .name = "gil",
    .summary = "POSIX threads under an emulated CPython global interpreter lock",
    .flags = PS_BACKEND_THREADS,
    .options = gil_options,
    .opts_default = gil_opts_default,
    .opt_parse = gil_opt_parse,
    .configure = gil_configure,
    .check = gil_check,
    .run = gil_run_rep,
    .row = gil_row,
    .rep_extra_size = sizeof(ps_gil_report),
    .summary_lines = gil_summary,
};
