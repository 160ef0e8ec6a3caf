/*
 * report_console.c -- the terminal: the run's opening line and warnings,
 * progress (in place on a terminal, a line per round into a log), and a
 * summary like hyperfine's:
 * per configuration the median, the 95% confidence interval of the median,
 * speedup, efficiency and rate, each backend's own lines under it, and why
 * configurations stopped short of a target.
 */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interrupt.h"
#include "kernel_registry.h"
#include "report.h"
#include "stats.h"

/* The run's first line: what is measured and how long it goes on. */
static void print_header(const ps_run_info *ri, const ps_plan *plan)
{
    const ps_run_opts *o = ri->opts;
    const ps_stop_rule *r = &o->stop;
    char how[160], budget[48] = "";
    if (r->max_time > 0)
        snprintf(budget, sizeof budget, ", within %.3g s", r->max_time);
    if (r->ci_width > 0)
        snprintf(how, sizeof how, "until each 95%% CI of the median is within %.3g%% "
                 "(%d to %d reps%s)", 100.0 * r->ci_width, r->min_reps, r->max_reps, budget);
    else
        snprintf(how, sizeof how, "x %d rep%s%s", r->reps, r->reps == 1 ? "" : "s", budget);
    printf("parscale %s: run %s, %d configuration%s %s (+%d warm-up), "
           "interleaved; %d core%s here%s\n",
           ri->sys.version, ri->run_id, plan->npoints, plan->npoints == 1 ? "" : "s",
           how, o->warmup, ri->rank0_cores, ri->rank0_cores == 1 ? "" : "s",
           ri->nranks > 1 ? ", under MPI" : "");
}

/* One warning as the reader sees it: where it goes depends on its kind. */
static void print_warning(const ps_warning *w)
{
    const char *sep = w->fix[0] ? "; " : "";
    switch (w->kind) {
    case PS_WARN_SETUP:
    case PS_WARN_STEAL:
        printf("  warning: %s%s%s\n", w->text, sep, w->fix);
        break;
    case PS_WARN_NOTE:
        printf("  note: %s%s%s\n", w->text, sep, w->fix);
        break;
    case PS_WARN_PLACEMENT:
        fprintf(stderr, "parscale: warning: %s%s%s\n", w->text, sep, w->fix);
        break;
    case PS_WARN_STEAL_UNKNOWN:
        printf("  steal: %s\n", w->text);
        break;
    }
}

static int console_begin(void *self, const ps_run_info *ri, const ps_plan *plan,
                         ps_err *err)
{
    (void)self, (void)err;
    if (ri->opts->quiet)
        return 0;
    print_header(ri, plan);
    for (int i = 0; i < ri->before.n; i++)
        print_warning(&ri->before.w[i]);
    fflush(stdout);
    return 0;
}

/* Seconds as "42 s", "3.5 min", "1.2 h". */
static void format_duration(double s, char *buf, size_t len)
{
    if (s < 90)
        snprintf(buf, len, "%.0f s", s);
    else if (s < 5400)
        snprintf(buf, len, "%.1f min", s / 60);
    else
        snprintf(buf, len, "%.1f h", s / 3600);
}

/* The time left: from the pace so far when the count is known, never
 * beyond the budget; with --ci-width alone, or once repetitions measured
 * again have taken the count past the plan, unknown. */
static void time_left(const ps_run_info *ri, const ps_rep_event *ev, char *buf, size_t len)
{
    const double budget = ri->opts->stop.max_time;
    const double left_budget = budget > 0 ? budget - ev->elapsed : -1;
    char t[32];
    if (ev->total > 0 && ev->done > 0 && ev->done <= ev->total) {
        double left = ev->elapsed / ev->done * (ev->total - ev->done);
        if (left_budget >= 0 && left > left_budget)
            left = left_budget;
        format_duration(left, t, sizeof t);
        snprintf(buf, len, "about %s left", t);
    } else if (left_budget >= 0) {
        format_duration(left_budget > 0 ? left_budget : 0, t, sizeof t);
        snprintf(buf, len, "at most %s left (--max-time)", t);
    } else if (ri->opts->stop.ci_width > 0) {
        snprintf(buf, len, "until every interval is within %.3g%%",
                 100.0 * ri->opts->stop.ci_width);
    } else {
        snprintf(buf, len, "measuring again what the machine disturbed");
    }
}

/* "done/planned", or "done" alone once retries went past the plan. */
static void format_count(char *buf, size_t len, int done, int total)
{
    if (total > 0 && done <= total)
        snprintf(buf, len, "%d/%d", done, total);
    else
        snprintf(buf, len, "%d", done);
}

/* Progress on a terminal: one line rewritten in place per repetition. */
static void progress_tty(const ps_run_info *ri, const ps_rep_event *ev)
{
    const ps_config *c = &ev->point->cfg;
    char count[48], left[80];
    format_count(count, sizeof count, ev->done, ev->total);
    time_left(ri, ev, left, sizeof left);
    fprintf(stderr, "\r\033[K  [%s] %s %s w=%d %s %d, %s", count, c->kernel->name,
            c->backend->name, c->workers, ev->warmup ? "warm-up" : "rep", ev->num + 1, left);
}

/* Progress into a log (a pipe, a file, a batch job's output): one line
 * per round, when every configuration still measured has had its turn. */
static void progress_log(const ps_run_info *ri, const ps_rep_event *ev)
{
    if (!ev->round_end)
        return;
    const ps_run_opts *o = ri->opts;
    char rounds[48], done[48], spent[32], left[80];
    format_count(rounds, sizeof rounds, ev->round + 1,
                 o->stop.ci_width > 0 ? 0 : o->warmup + o->stop.reps);
    format_count(done, sizeof done, ev->done, ev->total);
    format_duration(ev->elapsed, spent, sizeof spent);
    time_left(ri, ev, left, sizeof left);
    fprintf(stderr, "parscale: %sround %s done (%s repetitions, %s), %s\n",
            ev->warmup ? "warm-up " : "", rounds, done, spent, left);
}

static int console_repetition(void *self, const ps_run_info *ri, const ps_rep_event *ev,
                              ps_err *err)
{
    (void)self, (void)err;
    if (ri->opts->quiet)
        return 0;
    if (isatty(STDERR_FILENO))
        progress_tty(ri, ev);
    else
        progress_log(ri, ev);
    fflush(stderr);
    return 0;
}

/* ---- the summary ------------------------------------------------------------ */

/* The registry's order; kernels loaded from libraries come after it. */
static int kernel_rank(const ps_kernel *k)
{
    int i = 0;
    for (const ps_kernel *const *x = ps_kernels; *x; x++, i++)
        if (*x == k)
            return i;
    return INT_MAX;
}

/* Kernel, scaling, backend (registry order), workers, threads, size. */
static int cmp_points(const void *a, const void *b)
{
    const ps_config *p = &(*(const ps_point *const *)a)->cfg;
    const ps_config *q = &(*(const ps_point *const *)b)->cfg;
    if (p->kernel != q->kernel) {
        int pr = kernel_rank(p->kernel), qr = kernel_rank(q->kernel);
        if (pr != qr)
            return pr < qr ? -1 : 1;
        return strcmp(p->kernel->name, q->kernel->name);  /* loaded: by name */
    }
    if (p->scaling != q->scaling)
        return (int)p->scaling - (int)q->scaling;
    int br = ps_backend_index(p->backend) - ps_backend_index(q->backend);
    if (br)
        return br;
    if (p->workers != q->workers)
        return p->workers - q->workers;
    if (p->threads != q->threads)
        return p->threads - q->threads;
    return (p->n > q->n) - (p->n < q->n);
}

/* "  [9 reps, ci, width 3.1%]" when the stopping rule was not a plain
 * fixed count; "" otherwise, so a fixed run's summary is as it was. */
static void stop_note(const ps_point *p, const ps_run_opts *o, char *buf, size_t len)
{
    buf[0] = '\0';
    if (o->stop.ci_width <= 0 && p->reason == PS_STOP_REPS)
        return;
    char width[32] = "no interval";
    if (!isnan(p->rel_width))
        snprintf(width, sizeof width, "width %.2g%%", 100.0 * p->rel_width);
    snprintf(buf, len, "  [%d rep%s, %s, %s]", p->runs, p->runs == 1 ? "" : "s",
             ps_stop_reason_name(p->reason), width);
}

static void print_group(const ps_config *c)
{
    printf("\n%s (%s scaling, size %llu%s, %u step%s) -- %s\n", c->kernel->name,
           ps_scaling_name(c->scaling), (unsigned long long)c->order,
           c->scaling == PS_WEAK ? " per worker" : "", c->steps, c->steps == 1 ? "" : "s",
           c->kernel->summary);
    printf("  %-11s %4s %14s  %-25s %8s %-16s %6s  %s\n", "backend", "w", "median",
           "95% CI of median", "speedup", "95% CI (paired)", "eff", "rate");
}

/* "      set aside: 3 of 14 repetitions lost > 2% to ..." under a
 * configuration whose disturbed repetitions were measured again. */
static void print_set_aside(const ps_point *p, const ps_run_info *ri)
{
    const ps_stop_rule *r = &ri->opts->stop;
    if (p->disturbed == 0)
        return;
    char cause[200];
    ps_disturb_cause(p->set_aside_runq, p->set_aside, cause, sizeof cause);
    if (r->keep_disturbed)
        printf("      disturbed: %d of %d repetitions lost > %.3g%% (kept: --keep-disturbed)\n",
               p->disturbed, p->runs, 100.0 * r->disturbed_above);
    else
        printf("      set aside: %d of %d repetitions lost > %.3g%% %s; measured again\n",
               p->set_aside, p->runs, 100.0 * r->disturbed_above, cause);
}

/* The backend's own lines under the configuration's. */
static void print_backend_lines(const ps_point *p, double speedup)
{
    const ps_backend *b = p->cfg.backend;
    if (!b->summary_lines)
        return;
    ps_samples sm = {.n = p->nsamples, .seconds = p->seconds,
                     .extra = p->has_extra ? p->extra : NULL, .speedup = speedup};
    ps_buf out = {0};
    b->summary_lines(&p->cfg, &sm, &out);
    if (out.len)
        fputs(out.data, stdout);
    ps_buf_free(&out);
}

void ps_report_speedup(const ps_point *p, ps_speedup *out)
{
    out->value = out->lo = out->hi = NAN;
    out->exact = 0;
    ps_summary su;
    if (ps_point_speedup(p, &su) != 0)
        return;
    out->value = su.median;
    out->lo = su.ci_lo;
    out->hi = su.ci_hi;
    out->exact = su.ci_exact;
}

enum { POINT_APPROX = 1, POINT_SUPERLINEAR = 2 };

/* Efficiency above 1 (as printed) on a kernel that computes: more than the
 * workers can give, so a cache effect or a slowed base, not parallel gain
 * (waiting kernels may well beat their worker count; null does no work). */
static int superlinear(const ps_config *c, double eff)
{
    return c->workers > 1 && !c->kernel->wait_ns && strcmp(c->kernel->name, "null") != 0 &&
           eff >= 1.005;
}

/* One configuration's line; returns POINT_* flags: its interval is
 * approximate, its efficiency is superlinear. */
static int print_point(const ps_point *p, const ps_run_info *ri, const char *label)
{
    const ps_config *c = &p->cfg;
    ps_summary s;
    ps_summarize(p->seconds, (size_t)p->nsamples, &s);
    char med[32], lo[32], hi[32], ci[80], sp[16] = "-", eff[16] = "-", note[80];
    ps_format_seconds(s.median, med, sizeof med);
    ps_format_seconds(s.ci_lo, lo, sizeof lo);
    ps_format_seconds(s.ci_hi, hi, sizeof hi);
    snprintf(ci, sizeof ci, "%s%s .. %s", s.ci_exact ? "" : "~", lo, hi);
    ps_speedup su;
    ps_report_speedup(p, &su);
    double speedup = su.value;
    char spci[40] = "";
    int flags = s.ci_exact ? 0 : POINT_APPROX;
    if (!isnan(speedup)) {
        flags |= superlinear(c, speedup / c->workers) ? POINT_SUPERLINEAR : 0;
        ps_format_interval(su.value, su.lo, su.hi, su.exact, sp, sizeof sp, spci, sizeof spci);
        snprintf(eff, sizeof eff, "%.2f%s", speedup / c->workers,
                 flags & POINT_SUPERLINEAR ? "!" : "");
    }
    double work, flops, bytes;
    ps_config_work(c, &work, &flops, &bytes);
    stop_note(p, ri->opts, note, sizeof note);
    printf("  %-11s %4d %14s  %-25s %8s %-16s %6s  %.4g %s%s%s\n", label, c->workers, med, ci,
           sp, spci, eff, work / s.median, c->kernel->rate_unit,
           p->failures ? "  (some reps FAILED)" : "", note);
    print_set_aside(p, ri);
    print_backend_lines(p, speedup);
    return flags;
}

#define UNFINISHED_SHOWN 24

/* The closing lines: which configurations stopped short of the target
 * (or of -r under a budget), why, and the causes this run can see. */
static void print_unfinished(const ps_plan *plan, const ps_point *const *sorted,
                             const ps_run_info *ri)
{
    const ps_run_opts *o = ri->opts;
    int n = plan->npoints, short_of = 0;
    for (int i = 0; i < n; i++)
        short_of += sorted[i]->reason != PS_STOP_CI && sorted[i]->reason != PS_STOP_REPS;
    if (short_of == 0) {
        if (o->stop.ci_width > 0)
            printf("\n  every configuration reached the %.3g%% target\n",
                   100.0 * o->stop.ci_width);
        return;
    }
    if (o->stop.ci_width > 0)
        printf("\n  %d of %d configuration%s never reached the %.3g%% target:\n", short_of, n,
               n == 1 ? "" : "s", 100.0 * o->stop.ci_width);
    else
        printf("\n  %d of %d configuration%s stopped before %d repetitions:\n", short_of, n,
               n == 1 ? "" : "s", o->stop.reps);
    int shown = 0;
    for (int i = 0; i < n; i++) {
        const ps_point *p = sorted[i];
        if (p->reason == PS_STOP_CI || p->reason == PS_STOP_REPS)
            continue;
        if (shown++ == UNFINISHED_SHOWN) {  /* a big sweep would flood the terminal */
            printf("    ... and %d more%s\n", short_of - UNFINISHED_SHOWN,
                   ri->opts->csv ? " (each in the metadata's closing stopping line)" : "");
            break;
        }
        char note[80], why[640];
        stop_note(p, o, note, sizeof note);
        ps_noise_causes(plan, p, ri, why, sizeof why);
        printf("    %s %s w=%d %s: %s\n      likely: %s\n", p->cfg.kernel->name,
               p->cfg.backend->name, p->cfg.workers, ps_scaling_name(p->cfg.scaling),
               note + 2, why);
    }
}

/* A run a signal stopped: what the summary above is of. */
static void print_interrupted(const ps_plan *plan, const ps_run_info *ri)
{
    int reps = 0, short_of = 0;
    for (int i = 0; i < plan->npoints; i++) {
        reps += plan->points[i].runs;
        short_of += plan->points[i].reason == PS_STOP_RUNNING;
    }
    char buf[32];
    printf("\n  interrupted by %s after %d timed repetition%s (%d of %d configuration%s "
           "unfinished): the summary is of what was measured%s\n",
           ps_signal_name(ri->interrupted, buf, (int)sizeof buf), reps, reps == 1 ? "" : "s",
           short_of, plan->npoints, plan->npoints == 1 ? "" : "s",
           ri->opts->csv ? "; every row written is whole" : "");
}

static void print_summary(const ps_plan *plan, const ps_run_info *ri)
{
    const ps_point **sorted = malloc((size_t)(plan->npoints ? plan->npoints : 1) *
                                     sizeof *sorted);
    if (!sorted)
        return;
    for (int i = 0; i < plan->npoints; i++)
        sorted[i] = &plan->points[i];
    qsort(sorted, (size_t)plan->npoints, sizeof *sorted, cmp_points);
    int any_over = 0, any_over_ranks = 0, any_approx = 0, any_super = 0;
    for (int i = 0; i < plan->npoints; i++) {
        const ps_config *c = &sorted[i]->cfg;
        if (i == 0 || c->kernel != sorted[i - 1]->cfg.kernel ||
            c->scaling != sorted[i - 1]->cfg.scaling)
            print_group(c);
        const int over = ps_warnings_oversubscribed(ri, c);
        char label[32];
        if (ps_backend_is_hybrid(c->backend))  /* ranks x threads */
            snprintf(label, sizeof label, "%s %dx%d%s", c->backend->name, c->ranks,
                     c->threads, over ? "*" : "");
        else
            snprintf(label, sizeof label, "%s%s", c->backend->name, over ? "*" : "");
        if (sorted[i]->nsamples == 0 && sorted[i]->failures == 0 && sorted[i]->set_aside) {
            printf("  %-11s %4d  no undisturbed repetition\n", label, c->workers);
            print_set_aside(sorted[i], ri);
            continue;
        }
        if (sorted[i]->nsamples == 0) {
            printf("  %-11s %4d  FAILED: %s\n", label, c->workers, sorted[i]->first_error);
            continue;
        }
        any_over |= over;
        any_over_ranks |= over && (c->backend->flags & PS_BACKEND_USES_MPI);
        const int flags = print_point(sorted[i], ri, label);
        any_approx |= flags & POINT_APPROX;
        any_super |= flags & POINT_SUPERLINEAR;
    }
    if (any_over || any_approx || any_super)
        printf("\n");
    /* rank 0's cores judge threads; ranks are judged host by host
     * (ps_warnings_oversubscribed), so their footnote names no one count */
    if (any_over && !any_over_ranks)
        printf("  * oversubscribed: more workers than the %d core%s available\n",
               ri->rank0_cores, ri->rank0_cores == 1 ? "" : "s");
    else if (any_over)
        printf("  * oversubscribed: more workers than cores (threads: the %d rank 0 may "
               "use; ranks: each host's own)\n", ri->rank0_cores);
    if (any_approx)
        printf("  ~ fewer than 6 repetitions: no 95%% CI of the median exists; min..max shown\n");
    if (any_super)
        printf("  ! efficiency above 1 on a computing kernel: superlinear, more than the "
               "workers can give (a cache effect or a slowed base), not parallel gain\n");
    if (ri->interrupted)
        print_interrupted(plan, ri);
    else
        print_unfinished(plan, sorted, ri);
    free(sorted);
}

static int console_end(void *self, const ps_run_info *ri, const ps_plan *plan, ps_err *err)
{
    (void)self, (void)err;
    const int quiet = ri->opts->quiet;
    if (!quiet && isatty(STDERR_FILENO))
        fprintf(stderr, "\r\033[K");
    for (int i = 0; i < ri->after.n; i++)
        if (ri->after.w[i].kind == PS_WARN_PLACEMENT)
            print_warning(&ri->after.w[i]);
    print_summary(plan, ri);
    for (int i = 0; i < ri->after.n; i++) {
        enum ps_warn_kind k = ri->after.w[i].kind;
        if (k == PS_WARN_STEAL || (k == PS_WARN_STEAL_UNKNOWN && !quiet))
            print_warning(&ri->after.w[i]);
    }
    fflush(stdout);
    return 0;
}

const ps_reporter_ops ps_report_console = {
    .begin = console_begin,
    .repetition = console_repetition,
    .end = console_end,
};
