/* report_csv.c -- one CSV row per timed repetition (csv.h appends it
 * safely): the harness's columns here, the backend's own by its row hook. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "csv.h"
#include "report.h"
#include "timer.h"
#include "wait_policy.h"

/* Which run, where, and the configuration. */
static void row_config(ps_csv_row *r, const ps_config *c, int repno, const ps_run_info *ri)
{
    char ts[32];
    ps_utc_now(ts, sizeof ts);
    ps_csv_set(r, PS_COL_run_id, "%s", ri->run_id);
    ps_csv_set(r, PS_COL_timestamp, "%s", ts);
    ps_csv_set(r, PS_COL_host, "%s", ri->sys.host);
    ps_csv_set(r, PS_COL_kernel, "%s", c->kernel->name);
    ps_csv_set(r, PS_COL_backend, "%s", c->backend->name);
    ps_csv_set(r, PS_COL_workers, "%d", c->workers);
    ps_csv_set(r, PS_COL_threads, "%d", c->threads);
    ps_csv_set(r, PS_COL_ranks, "%d", c->ranks);
    ps_csv_set(r, PS_COL_scaling, "%s", ps_scaling_name(c->scaling));
    ps_csv_set(r, PS_COL_order, "%llu", (unsigned long long)c->order);
    ps_csv_set(r, PS_COL_size, "%llu", (unsigned long long)c->n);
    ps_csv_set(r, PS_COL_steps, "%u", c->steps);
    ps_csv_set(r, PS_COL_rep, "%d", repno);
    int cores = ps_warnings_cores(ri, c);
    ps_csv_set(r, PS_COL_oversubscribed, "%s", ps_warnings_oversubscribed(ri, c) ? "true" : "false");
    ps_csv_set(r, PS_COL_cores, "%d", cores);
    ps_csv_set(r, PS_COL_slurm_job_id, "%s", ri->sys.slurm_job_id);
    if (ri->hosts)  /* rank 0 alone unless the backend runs ranks */
        ps_hosts_placement(ri->hosts, (c->backend->flags & PS_BACKEND_USES_MPI) ? c->ranks : 1,
                           r->v[PS_COL_hosts], sizeof r->v[PS_COL_hosts]);
    /* in every row: threads an earlier configuration left waiting are
     * part of what this one was measured beside */
    ps_wait_policy_describe(r->v[PS_COL_wait_policy], sizeof r->v[PS_COL_wait_policy]);
}

/* The repetition's disturbance columns, where its workers' readings
 * were taken (disturb.h). */
static void row_disturbance(ps_csv_row *r, const ps_rep *rep)
{
    const ps_disturb *d = &rep->dist;
    if (!d->ok)
        return;
    ps_csv_set(r, PS_COL_runq_delay, "%.6g", d->runq);
    if (rep->lost >= 0.0)
        ps_csv_set(r, PS_COL_lost, "%.4g", rep->lost);
    ps_csv_set(r, PS_COL_migrations, "%d", d->migrations);
    ps_csv_set(r, PS_COL_invol_switches, "%ld", d->invol);
    ps_csv_set(r, PS_COL_user_s, "%.6g", d->user);
    ps_csv_set(r, PS_COL_sys_s, "%.6g", d->sys);
    ps_csv_set(r, PS_COL_disturbed, "%d", rep->disturbed);
}

/* What the repetition gave: time, rate, work, verdict, placement, steal. */
static void row_result(ps_csv_row *r, const ps_config *c, const ps_rep *rep, int ran)
{
    double units, flops, bytes;
    ps_config_work(c, &units, &flops, &bytes);
    if (ran) {
        ps_csv_set(r, PS_COL_seconds, "%.9g", rep->seconds);
        ps_csv_set(r, PS_COL_rate, "%.6g", rep->seconds > 0 ? units / rep->seconds : 0.0);
        ps_csv_set(r, PS_COL_cpus, "%s", rep->cpus);
        row_disturbance(r, rep);
        if (rep->steal >= 0)
            ps_csv_set(r, PS_COL_steal, "%.4g", rep->steal);
    }
    ps_csv_set(r, PS_COL_rate_unit, "%s", c->kernel->rate_unit);
    ps_csv_set(r, PS_COL_flops, "%.6g", flops);
    ps_csv_set(r, PS_COL_bytes, "%.6g", bytes);
    ps_csv_set(r, PS_COL_verified, "%s", ran && rep->verified ? "true" : "false");
    ps_csv_set(r, PS_COL_error, "%s", rep->error);
}

/* The kernel's parameters as name=value;..., then the code path it ran
 * (kernel.h, variant: e.g. isa=avx512). */
static void row_params(ps_csv_row *r, const ps_config *c)
{
    const ps_kernel *k = c->kernel;
    size_t used = 0, cap = sizeof r->v[PS_COL_params];
    for (int i = 0; k->params && i < PS_MAX_PARAMS && k->params[i].name; i++) {
        int w = snprintf(r->v[PS_COL_params] + used, cap - used, "%s%s=%g", i ? ";" : "",
                         k->params[i].name, c->param[i]);
        if (w < 0 || (size_t)w >= cap - used)
            return;
        used += (size_t)w;
    }
    char v[128];
    if (k->variant && k->variant(v, sizeof v) == 0)
        snprintf(r->v[PS_COL_params] + used, cap - used, "%s%s", used ? ";" : "", v);
}

static int csv_repetition(void *self, const ps_run_info *ri, const ps_rep_event *ev,
                          ps_err *err)
{
    ps_file_id *id = self;  /* the file the run's first row went to */
    const char *path = ri->opts->csv;
    if (!path || ev->warmup)
        return 0;
    const ps_config *c = &ev->point->cfg;
    ps_csv_row row;
    memset(&row, 0, sizeof row);
    row_config(&row, c, ev->num, ri);
    row_result(&row, c, ev->rep, ev->ran);
    row_params(&row, c);
    if (ev->pair >= 0)  /* the base's row: "17b" */
        ps_csv_set(&row, PS_COL_pair, "%d%s", ev->pair, ev->pair_base ? "b" : "");
    if (c->backend->row)
        c->backend->row(&row, c, ev->rep, ev->ran);
    ps_buf b = {0};
    ps_csv_row_format(&row, &b);
    int rc = ps_csv_append_to(path, id, b.data, b.len, err);
    ps_buf_free(&b);
    return rc;
}

const ps_reporter_ops ps_report_csv = {
    .repetition = csv_repetition,
};
