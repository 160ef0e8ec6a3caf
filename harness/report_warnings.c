/* report_warnings.c -- what the run can tell about its own trustworthiness,
 * as data (report.h): the warnings, their JSON, the cores and
 * oversubscription they judge configurations by, and the causes of a wide
 * interval.  The console reporter prints them; the export and the
 * metadata carry their JSON. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

void ps_warn(ps_warnings *ws, enum ps_warn_kind kind, const char *fix, const char *fmt, ...)
{
    ps_warning *w = realloc(ws->w, (size_t)(ws->n + 1) * sizeof *w);
    if (!w)
        return;
    ws->w = w;
    w = &ws->w[ws->n++];
    w->kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->text, sizeof w->text, fmt, ap);
    va_end(ap);
    snprintf(w->fix, sizeof w->fix, "%s", fix ? fix : "");
}

void ps_warnings_free(ps_warnings *ws)
{
    free(ws->w);
    ws->w = NULL;
    ws->n = 0;
}

const char *ps_warnings_kind_name(enum ps_warn_kind k)
{
    switch (k) {
    case PS_WARN_SETUP: return "setup";
    case PS_WARN_NOTE: return "note";
    case PS_WARN_PLACEMENT: return "placement";
    case PS_WARN_STEAL: return "steal";
    case PS_WARN_STEAL_UNKNOWN: return "steal_unknown";
    }
    return "other";
}

void ps_warnings_json(const ps_run_info *ri, ps_buf *b)
{
    const ps_warnings *sets[2] = {&ri->before, &ri->after};
    int first = 1;
    ps_buf_put(b, "[", 1);
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < sets[k]->n; i++, first = 0) {
            const ps_warning *w = &sets[k]->w[i];
            ps_buf_printf(b, "%s{\"kind\":\"%s\"", first ? "" : ",", ps_warnings_kind_name(w->kind));
            ps_buf_put(b, ",\"text\":", 8);
            ps_buf_json_str(b, w->text);
            ps_buf_put(b, ",\"fix\":", 7);
            ps_buf_json_str(b, w->fix);
            ps_buf_put(b, "}", 1);
        }
    ps_buf_put(b, "]", 1);
}

int ps_warnings_cores(const ps_run_info *ri, const ps_config *c)
{
    if (!(c->backend->flags & PS_BACKEND_USES_MPI))
        return ri->rank0_cores;
    return ri->hosts ? ps_hosts_cores(ri->hosts, c->ranks) : ri->total_cores;
}

int ps_warnings_oversubscribed(const ps_run_info *ri, const ps_config *c)
{
    if (c->backend->flags & PS_BACKEND_TASKS)
        return 0;
    if ((c->backend->flags & PS_BACKEND_USES_MPI) && ri->hosts)
        return ps_hosts_oversubscribed(ri->hosts, c->ranks, c->threads);
    return c->workers > ps_warnings_cores(ri, c);
}

/* The build, the governor, the repetitions, the binding and the clock. */
void ps_warnings_before_run(const ps_plan *plan, ps_run_info *ri)
{
    const ps_sysinfo *s = &ri->sys;
    const ps_run_opts *o = ri->opts;
    ps_warnings *ws = &ri->before;
    if (strcmp(s->build_type, "Release") != 0 && strcmp(s->build_type, "RelWithDebInfo") != 0)
        ps_warn(ws, PS_WARN_SETUP, "measure with -DCMAKE_BUILD_TYPE=Release",
                "this is a %s build", s->build_type[0] ? s->build_type : "unoptimised");
    if (s->governor[0] && strcmp(s->governor, "performance") != 0)
        ps_warn(ws, PS_WARN_SETUP, "set 'performance' for stable timings",
                "CPU frequency governor is '%s'", s->governor);
    if (o->stop.ci_width <= 0 && o->reps < 6)
        ps_warn(ws, PS_WARN_NOTE, NULL, "%d repetitions give no 95%% confidence interval "
                "of the median (6 or more do)", o->reps);
    int threads_max = 0;
    for (int i = 0; i < plan->npoints; i++)
        if (plan->points[i].cfg.threads > threads_max)
            threads_max = plan->points[i].cfg.threads;
    if (ri->rank0_cores < s->cores_online && threads_max > ri->rank0_cores)
        ps_warn(ws, PS_WARN_SETUP, "use mpirun --bind-to none", "this process may run on "
                "%d of %d cores (bound by mpirun or taskset?); threads beyond that share "
                "cores", ri->rank0_cores, s->cores_online);
    if (s->timer_tick > 1e-6)
        ps_warn(ws, PS_WARN_SETUP, NULL, "the clock only resolves %.3g s", s->timer_tick);
}

/* Workers seen on one CPU in most repetitions while there were cores for
 * each of them: the binding (mpirun's default --bind-to core, a taskset, an
 * OMP_PLACES list) put them there, and the time measures sharing, not
 * scaling.  Once per configuration. */
static void warn_placement(const ps_plan *plan, ps_run_info *ri)
{
    for (int i = 0; i < plan->npoints; i++) {
        const ps_point *p = &plan->points[i];
        const ps_config *c = &p->cfg;
        const int cores = ps_warnings_cores(ri, c);
        /* over every repetition run: workers pinned to one CPU wait for
         * each other, so such repetitions are often set aside as disturbed */
        if (p->runs == 0 || 2 * p->cpu_shared_reps <= p->runs ||
            ps_warnings_oversubscribed(ri, c))
            continue;
        char fix[160];
        snprintf(fix, sizeof fix, "check the binding: mpirun --bind-to none or --map-by "
                 "slot:PE=%d, --bind close, OMP_PLACES", c->threads);
        ps_warn(&ri->after, PS_WARN_PLACEMENT, fix, "%s %s with %d worker%s (%d rank%s x %d "
                "thread%s): workers shared a CPU in %d of %d repetitions although %d cores "
                "were available (cpus column)", c->kernel->name, c->backend->name,
                c->workers, c->workers == 1 ? "" : "s", c->ranks, c->ranks == 1 ? "" : "s",
                c->threads, c->threads == 1 ? "" : "s", p->cpu_shared_reps, p->runs,
                cores);
    }
}

/* Placement, and steal: on a virtual machine the host may run other
 * guests on our cores; that time is invisible to every timer here but
 * slows the slowest worker.  steal_share < 0: not known. */
void ps_warnings_after_run(const ps_plan *plan, ps_run_info *ri, double steal_share)
{
    warn_placement(plan, ri);
    if (!ri->steal_reported)
        ps_warn(&ri->after, PS_WARN_STEAL_UNKNOWN, NULL, "not reported by this hypervisor "
                "(/proc/stat shows none since boot), so the steal column is empty, not 0");
    else if (steal_share > 0.02)
        ps_warn(&ri->after, PS_WARN_STEAL, "rerun with more repetitions or on a quieter host",
                "the hypervisor took %.0f%% of this machine's CPU time during the run "
                "(steal); parallel timings are perturbed", 100.0 * steal_share);
}

/* The null kernel's median per repetition under p's backend and workers
 * in this plan: what the harness itself costs; NAN when not measured. */
static double null_cost(const ps_plan *plan, const ps_point *p)
{
    for (int i = 0; i < plan->npoints; i++) {
        const ps_point *q = &plan->points[i];
        if (strcmp(q->cfg.kernel->name, "null") == 0 && q->cfg.backend == p->cfg.backend &&
            q->cfg.workers == p->cfg.workers && q->cfg.threads == p->cfg.threads &&
            q->nsamples > 0 && q != p)
            return ps_point_median(q);
    }
    return NAN;
}

/* Appends one cause to buf, "; " after the first. */
static void PS_PRINTF(4, 5) add_cause(char *buf, size_t len, size_t *used,
                                      const char *fmt, ...)
{
    if (*used && *used + 3 < len) {
        memcpy(buf + *used, "; ", 3);
        *used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (w > 0)
        *used = *used + (size_t)w < len ? *used + (size_t)w : len - 1;
}

/* Oversubscription, steal, repetitions short against the clock or the
 * harness's own cost, a budget too small for six repetitions. */
void ps_noise_causes(const ps_plan *plan, const ps_point *p, const ps_run_info *ri,
                     char *buf, size_t len)
{
    const ps_config *c = &p->cfg;
    size_t used = 0;
    buf[0] = '\0';
    double med = ps_point_median(p);
    const ps_run_opts *o = ri->opts;
    char size[48], max_time[48], max_reps[48];
    ps_options_advice_name(o, "size", size, sizeof size);
    ps_options_advice_name(o, "max-time", max_time, sizeof max_time);
    ps_options_advice_name(o, o->stop.ci_width > 0 ? "max-reps" : "reps", max_reps,
                           sizeof max_reps);
    if (p->set_aside > 0) {
        char cause[200];
        ps_disturb_cause(p->set_aside_runq, p->set_aside, cause, sizeof cause);
        add_cause(buf, len, &used, "%d of %d repetitions lost > %.3g%% %s", p->set_aside,
                  p->runs, 100.0 * o->stop.disturbed_above, cause);
    }
    if (ps_warnings_oversubscribed(ri, c))
        add_cause(buf, len, &used, "oversubscribed (%d workers on %d cores)", c->workers,
                  ps_warnings_cores(ri, c));
    if (p->steal_n > 0 && p->steal_sum / p->steal_n > 0.02)
        add_cause(buf, len, &used, "steal took %.0f%% of the CPU during its repetitions",
                  100.0 * p->steal_sum / p->steal_n);
    double tick = ri->sys.timer_tick > 0 ? ri->sys.timer_tick : 1e-9;
    if (med < 1000.0 * tick)
        add_cause(buf, len, &used, "repetitions of %.3g s are under 1000 clock steps "
                  "(%.3g s): use a larger %s", med, tick, size);
    double nc = null_cost(plan, p);
    if (!isnan(nc) && med < 100.0 * nc)
        add_cause(buf, len, &used, "repetitions are only %.0fx the harness's own cost "
                  "(null kernel %.3g s): use a larger %s", med / nc, nc, size);
    if (p->reason == PS_STOP_MAX_TIME && p->nsamples < PS_MIN_REPS_DEFAULT)
        add_cause(buf, len, &used, "the budget allowed %d valid repetition%s: raise "
                  "%s", p->nsamples, p->nsamples == 1 ? "" : "s", max_time);
    if (used == 0)
        add_cause(buf, len, &used, "none visible here (other load on the machine?): raise "
                  "%s or %s", max_reps, max_time);
}
