/*
 * backend_async.c -- asyncio: N cooperative tasks on one thread of one
 * process, driven by an event loop (evloop.c: epoll on a timerfd).
 *
 * Each task owns an equal part of the range, as N coroutines under
 * asyncio.gather do.  A task gives control back only where it waits, as a
 * coroutine does at `await`: for a waiting kernel (kernel.h, wait_ns) each
 * index's wait becomes a timer in the loop, so N tasks overlap their waits
 * on one thread; a computing kernel never yields, so the tasks run one
 * after another and N of them take as long as one thread doing it all.
 *
 * --async-cpu-tasks N adds N tasks that compute (the count loop) for one
 * --async-cpu-stretch at a time and then yield (`await asyncio.sleep(0)`),
 * until the measured tasks are done: a blocking call inside a coroutine.
 * Every waiting task's wake-up then comes up to a stretch late; the rows'
 * loop_lateness columns measure it.
 *
 * --async-timer ms and --async-step-cost T time the loop as CPython's
 * asyncio does (evloop.h): timeouts in whole milliseconds, rounded up, and
 * the interpreter's CPU time on every task step.  With both set to what
 * real asyncio measures, the model is checked against it (docs/async.md).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "backend_common.h"
#include "evloop.h"
#include "kernel_registry.h"
#include "stats.h"
#include "timer.h"

typedef struct async_opts {
    int cpu_tasks;          /* extra computing tasks beside the measured ones */
    uint64_t stretch_ns;    /* how long each of them computes before it yields */
    int timer;              /* PS_LOOP_TIMER_* */
    uint64_t step_cost_ns;  /* CPU time per task step, as an interpreter's */
} async_opts;
PS_BACKEND_FITS(async_opts);

/* Its figures of one repetition: what the loop did. */
typedef struct async_report {
    uint64_t switches, waits, polls;
    double late_median, late_p99;  /* seconds; measured tasks' waits only */
} async_report;
PS_BACKEND_FITS(async_report);

static const async_opts *opts_of(const ps_config *cfg)
{
    return (const async_opts *)cfg->opts.bytes;
}

typedef struct async_run {
    const ps_kernel *k;
    void *state;
    int workers;            /* measured tasks: 0 .. workers-1 */
    int remaining;          /* measured tasks not finished in this step */
    uint64_t *cursor, *hi;  /* per measured task: next index, end of its part */
    ps_acc *accs;
    const ps_kernel *hog;   /* what the computing tasks run */
    void *hog_state;
    uint64_t stretch_ns;
    int failed;             /* a timer could not be set */
} async_run;

/* A computing task: one stretch of the count loop, then yield, until the
 * measured tasks are done. */
static int cpu_task(ps_loop *l, int t, async_run *r)
{
    if (r->remaining == 0)
        return PS_TASK_DONE;
    ps_acc acc = {{0}};
    const uint64_t tick = r->hog->tick, end = ps_now_ns() + r->stretch_ns;
    do
        r->hog->run(r->hog_state, 0, tick, &acc);
    while (ps_now_ns() < end);
    if (ps_loop_sleep(l, t, 0) != 0) {  /* asyncio.sleep(0): to the back of the queue */
        r->failed = 1;
        return PS_TASK_DONE;
    }
    return PS_TASK_WAITING;
}

/* One step of task t: a measured task's next index and its wait, or its
 * whole part when the kernel never waits. */
static int async_task(ps_loop *l, int t, void *arg)
{
    async_run *r = arg;
    if (t >= r->workers)
        return cpu_task(l, t, r);
    const ps_kernel *k = r->k;
    if (!k->wait_ns) {  /* a coroutine that never awaits runs to its end */
        k->run(r->state, r->cursor[t], r->hi[t], &r->accs[t]);
        r->cursor[t] = r->hi[t];
    } else if (r->cursor[t] < r->hi[t]) {
        uint64_t i = r->cursor[t]++;
        k->run(r->state, i, i + 1, &r->accs[t]);
        if (ps_loop_sleep(l, t, k->wait_ns(r->state, i)) == 0)
            return PS_TASK_WAITING;
        r->failed = 1;
    }
    r->remaining--;
    return PS_TASK_DONE;
}

/* Runs every step on the loop; returns 0 or -1 with err. */
static int async_steps(const ps_config *cfg, async_run *r, ps_loop *l, ps_comm *comm,
                       double *seconds, ps_disturb *dist, ps_err *err)
{
    ps_probe probe;
    ps_probe_begin(&probe);
    double t0 = ps_now();
    for (uint32_t s = 0; s < cfg->steps; s++) {
        for (int t = 0; t < r->workers; t++)
            ps_partition(cfg->n, (uint64_t)r->workers, (uint64_t)t, &r->cursor[t], &r->hi[t]);
        r->remaining = r->workers;
        if (ps_loop_run(l, async_task, r, err) != 0)
            return -1;
        if (r->failed)
            return ps_fail(err, "event loop: a timer could not be set");
        if (r->k->exchange && r->k->exchange(r->state, comm) != 0)
            return ps_fail(err, "%s: exchange failed", r->k->name);
    }
    *seconds = ps_now() - t0;
    ps_probe_end(&probe, dist);
    return 0;
}

/* The loop's figures for the row and the summary. */
static void async_collect(const ps_loop *l, ps_rep *rep)
{
    async_report *a = (async_report *)rep->extra.bytes;
    a->switches = l->stats.switches;
    a->waits = l->stats.waits;
    a->polls = l->stats.polls;
    a->late_median = a->late_p99 = NAN;
    if (l->stats.lateness.count > 0) {
        a->late_median = ps_hist_quantile(&l->stats.lateness, 0.5) * 1e-9;
        a->late_p99 = ps_hist_quantile(&l->stats.lateness, 0.99) * 1e-9;
    }
    rep->has_extra = 1;
}

/* One repetition: a fresh loop each time, so no timer or statistic carries
 * over from the previous configuration. */
static int async_run_rep(const ps_ctx *ctx, const ps_config *cfg, ps_rep *rep,
                         ps_err *err)
{
    (void)ctx;
    const async_opts *o = opts_of(cfg);
    const int w = cfg->workers, all = w + o->cpu_tasks;
    async_run r = {.k = cfg->kernel, .workers = w, .stretch_ns = o->stretch_ns};
    ps_comm comm;
    ps_comm_local(&comm);
    ps_kernel_args a = ps_config_args(cfg, 0, cfg->n, &comm);
    if (r.k->create(&r.state, &a) != 0)
        return PS_FAIL_SYS(err, "kernel create");
    ps_loop l;
    int status = ps_loop_init(&l, all, err);
    if (status != 0) {
        r.k->destroy(r.state);
        return -1;
    }
    l.timed_tasks = w;  /* the computing tasks' yields are not waits */
    l.timer = o->timer;
    l.step_cost_ns = o->step_cost_ns;
    r.cursor = calloc((size_t)w, sizeof *r.cursor);
    r.hi = calloc((size_t)w, sizeof *r.hi);
    r.accs = calloc((size_t)w, sizeof *r.accs);
    if (!r.cursor || !r.hi || !r.accs) {
        status = ps_fail(err, "out of memory for %d tasks", w);
        goto out;
    }
    if (o->cpu_tasks > 0) {
        ps_kernel_args ha = {.n = 1, .order = 1, .lo = 0, .hi = 1, .steps = 1, .comm = &comm};
        r.hog = ps_kernel_hog();
        if (!r.hog || r.hog->create(&r.hog_state, &ha) != 0) {
            status = ps_fail(err, "--async-cpu-tasks: cannot set up the count kernel");
            goto out;
        }
    }
    for (int t = 0; t < w; t++) {  /* first touch, untimed */
        uint64_t lo, hi;
        ps_partition(cfg->n, (uint64_t)w, (uint64_t)t, &lo, &hi);
        r.k->init(r.state, lo, hi);
    }
    status = async_steps(cfg, &r, &l, &comm, &rep->seconds, &rep->dist, err);
    if (status == 0) {
        ps_finish_local(cfg, r.state, r.accs, w, rep);
        async_collect(&l, rep);
    }
out:
    if (r.hog_state)
        r.hog->destroy(r.hog_state);
    free(r.cursor);
    free(r.hi);
    free(r.accs);
    ps_loop_free(&l);
    r.k->destroy(r.state);
    return status;
}

enum { ASYNC_CPU_TASKS, ASYNC_CPU_STRETCH, ASYNC_TIMER, ASYNC_STEP_COST };
static const ps_option_row async_options[] = {
    {"async-cpu-tasks", 0, PS_ARG_VALUE, "N",
     "add N tasks that compute (the count loop) and\n"
     "yield only between stretches, beside the\n"
     "measured ones: a blocking call inside a\n"
     "coroutine; rows report the measured kernel\n"
     "and the waits' lateness (default 0)", ASYNC_CPU_TASKS, NULL},
    {"async-cpu-stretch", 0, PS_ARG_VALUE, "T",
     "how long each computes before it yields,\n"
     "e.g. 10ms (default 10ms)", ASYNC_CPU_STRETCH, NULL},
    {"async-timer", 0, PS_ARG_VALUE, "precise|ms",
     "how the loop sleeps to its next timer: on a\n"
     "timerfd, to the microsecond (precise, the\n"
     "default), or with epoll_wait's timeout in whole\n"
     "milliseconds rounded up, as asyncio does (ms)", ASYNC_TIMER, NULL},
    {"async-step-cost", 0, PS_ARG_VALUE, "T",
     "CPU time the loop spends on each task step, as\n"
     "an interpreter does (CPython's asyncio: about\n"
     "10us per timed wait); default 0, as C code", ASYNC_STEP_COST, NULL},
    PS_OPTION_ROWS_END,
};

static void async_opts_default(void *opts)
{
    async_opts *a = opts;
    a->cpu_tasks = 0;
    a->stretch_ns = 10000000;  /* 10 ms: a slow handler, a parse, a hash */
    a->timer = PS_LOOP_TIMER_PRECISE;
    a->step_cost_ns = 0;
}

static int async_opt_parse(void *opts, int target, const char *arg, ps_err *err)
{
    async_opts *a = opts;
    uint64_t v = 0;
    switch (target) {
    case ASYNC_CPU_STRETCH:
        if (ps_parse_duration_ns(arg, &a->stretch_ns) != 0 || a->stretch_ns < 1000)
            return ps_fail(err, "--async-cpu-stretch: '%s' is not a duration from 1us to "
                           "1000s, such as 10ms", arg);
        return 0;
    case ASYNC_TIMER:
        if (strcmp(arg, "precise") == 0)
            a->timer = PS_LOOP_TIMER_PRECISE;
        else if (strcmp(arg, "ms") == 0)
            a->timer = PS_LOOP_TIMER_MS;
        else
            return ps_fail(err, "--async-timer: '%s' is neither 'precise' nor 'ms'", arg);
        return 0;
    case ASYNC_STEP_COST:
        a->step_cost_ns = 0;
        if (strcmp(arg, "0") != 0 &&
            (ps_parse_duration_ns(arg, &a->step_cost_ns) != 0 || a->step_cost_ns > 1000000000u))
            return ps_fail(err, "--async-step-cost: '%s' is not 0 or a duration up to 1s, "
                           "such as 9us", arg);
        return 0;
    case ASYNC_CPU_TASKS:
        if (ps_parse_count_in("--async-cpu-tasks", arg, 0, 4096, &v, err) != 0)
            return -1;
        a->cpu_tasks = (int)v;
        return 0;
    }
    return ps_fail(err, "internal: async option %d has no case", target);
}

/* Tasks share one thread: workers are tasks, threads is 1. */
static void async_configure(ps_config *cfg, int variant)
{
    (void)variant;
    cfg->threads = 1;
}

/* Appends one key=value setting to the row's params, ';'-separated. */
static void add_param(ps_csv_row *r, const char *fmt, ...)
{
    char *p = r->v[PS_COL_params];
    size_t used = strlen(p), room = sizeof r->v[PS_COL_params];
    if (used > 0 && used + 1 < room)
        p[used++] = ';', p[used] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p + used, room - used, fmt, ap);
    va_end(ap);
}

static void async_row(ps_csv_row *r, const ps_config *cfg, const ps_rep *rep, int ran)
{
    const async_opts *o = opts_of(cfg);
    /* settings other than the defaults, beside the kernel's */
    if (o->cpu_tasks > 0)
        add_param(r, "cpu_tasks=%d;cpu_stretch_ms=%g", o->cpu_tasks,
                  (double)o->stretch_ns * 1e-6);
    if (o->timer == PS_LOOP_TIMER_MS)
        add_param(r, "timer=ms");
    if (o->step_cost_ns > 0)
        add_param(r, "step_cost_us=%g", (double)o->step_cost_ns * 1e-3);
    if (!ran || !rep->has_extra)
        return;
    const async_report *a = (const async_report *)rep->extra.bytes;
    ps_csv_set(r, PS_COL_loop_switches, "%llu", (unsigned long long)a->switches);
    if (!isnan(a->late_median)) {
        ps_csv_set(r, PS_COL_loop_lateness_median, "%.9g", a->late_median);
        ps_csv_set(r, PS_COL_loop_lateness_p99, "%.9g", a->late_p99);
    }
}

/* The loop's behaviour, medians over the repetitions: switches per second
 * and per wait (the loop's own cost is the time of a zero-length wait),
 * and how late the waiting tasks' wake-ups came. */
static void async_summary(const ps_config *cfg, const ps_samples *sm, ps_buf *out)
{
    if (!sm->extra || sm->n == 0)
        return;
    const int n = sm->n;
    double *v = calloc((size_t)n * 3, sizeof *v);  /* calloc: lm, lp may be partly unused */
    if (!v)
        return;
    double *sw = v, *lm = v + n, *lp = v + 2 * n;
    int nl = 0;
    for (int i = 0; i < n; i++) {
        async_report a;
        memcpy(&a, sm->extra + (size_t)i * sizeof a, sizeof a);
        sw[i] = (double)a.switches / (sm->seconds[i] > 0 ? sm->seconds[i] : 1.0);
        if (!isnan(a.late_median)) {
            lm[nl] = a.late_median;
            lp[nl++] = a.late_p99;
        }
    }
    ps_buf_printf(out, "      loop: %.0f task switches/s", ps_median(sw, (size_t)n));
    if (nl > 0) {
        char a[32], b[32];
        ps_format_seconds(ps_median(lm, (size_t)nl), a, sizeof a);
        ps_format_seconds(ps_median(lp, (size_t)nl), b, sizeof b);
        ps_buf_printf(out, "; wake-ups late by %s median, %s p99", a, b);
    }
    const async_opts *o = opts_of(cfg);
    if (o->cpu_tasks > 0)
        ps_buf_printf(out, " (beside %d computing task%s)", o->cpu_tasks,
                      o->cpu_tasks == 1 ? "" : "s");
    if (o->timer == PS_LOOP_TIMER_MS || o->step_cost_ns > 0) {
        char c[32];
        ps_format_seconds((double)o->step_cost_ns * 1e-9, c, sizeof c);
        ps_buf_printf(out, " [asyncio's timing: %s timeouts, %s per step]",
                      o->timer == PS_LOOP_TIMER_MS ? "whole-ms" : "precise",
                      o->step_cost_ns > 0 ? c : "nothing");
    }
    ps_buf_put(out, "\n", 1);
    free(v);
}

const ps_backend ps_backend_async = {
    .name = "async",
    .summary = "cooperative tasks on one thread, one event loop (asyncio): waits overlap, "
               "computing never yields",
    .flags = PS_BACKEND_TASKS,
    .options = async_options,
    .opts_default = async_opts_default,
    .opt_parse = async_opt_parse,
    .configure = async_configure,
    .run = async_run_rep,
    .row = async_row,
    .rep_extra_size = sizeof(async_report),
    .summary_lines = async_summary,
};
