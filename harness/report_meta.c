/*
 * report_meta.c -- FILE.meta.jsonl beside the CSV: one header line per run
 * (the machine, the build, the command; written with the run's first row,
 * so a run that writes no row leaves no header), and one closing line
 * {"record":"stopping",...}: the stopping rule and, per configuration, the
 * repetitions run, why it stopped and its final relative interval width,
 * and the run's warnings (placement, steal, ...) and the signal, if any,
 * that stopped it.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>

#include "backend.h"
#include "csv.h"
#include "interrupt.h"
#include "report.h"
#include "stopping.h"
#include "timer.h"

static int append_line(ps_meta_state *st, const ps_run_info *ri, const ps_buf *b,
                       ps_err *err)
{
    return ps_csv_meta_append_to(ri->opts->csv, &st->id, b->data, b->len, err);
}

/* ,"kernel_variants":{"dgemm":"isa=avx512",...}: the code path each kernel
 * of the run that has several chose on this machine (kernel.h, variant). */
static void variants_json(const ps_run_opts *o, ps_buf *b)
{
    ps_buf_printf(b, ",\"kernel_variants\":{");
    int first = 1;
    for (int i = 0; i < o->nkernels; i++) {
        const ps_kernel *k = o->kernels[i];
        char v[128];
        if (!k->variant || k->variant(v, sizeof v) != 0)
            continue;
        ps_buf_put(b, first ? "" : ",", first ? 0 : 1);
        ps_buf_json_str(b, k->name);
        ps_buf_put(b, ":", 1);
        ps_buf_json_str(b, v);
        first = 0;
    }
    ps_buf_put(b, "}", 1);
}

/* The run's header: what the rows of this run_id were measured on. */
void ps_schema_facts_json(ps_buf *b)
{
    ps_csv_schema_json(b);
    ps_buf_put(b, ",\"backends\":[", 13);
    for (const ps_backend *const *be = ps_backends; *be; be++) {
        ps_buf_put(b, ",", be != ps_backends);
        ps_backend_json(b, *be);
    }
    const ps_backend *base = ps_backend_baseline();
    ps_buf_put(b, "],\"baseline\":", 13);
    if (base)
        ps_buf_json_str(b, base->name);
    else
        ps_buf_put(b, "null", 4);
    ps_buf_put(b, ",\"stop_reasons\":", 16);
    ps_stop_reasons_json(b);
}

static int write_header(ps_meta_state *st, const ps_run_info *ri, ps_err *err)
{
    const ps_run_opts *o = ri->opts;
    char ts[32];
    ps_utc_now(ts, sizeof ts);
    ps_buf extra = {0}, line = {0};
    ps_buf_put(&extra, "\"schema\":", 9);
    ps_buf_json_str(&extra, PS_CSV_SCHEMA);
    ps_buf_put(&extra, ",\"csv_schema\":{", 15);
    ps_schema_facts_json(&extra);
    ps_buf_put(&extra, "}", 1);
    ps_buf_put(&extra, ",\"run_id\":", 10);
    ps_buf_json_str(&extra, ri->run_id);
    ps_buf_put(&extra, ",\"date\":", 8);
    ps_buf_json_str(&extra, ts);
    ps_buf_put(&extra, ",\"command\":", 11);
    ps_buf_json_str(&extra, o->command);
    ps_buf_printf(&extra, ",\"seed\":%llu,\"ranks\":%d,\"cores_total\":%d,",
                  (unsigned long long)ri->seed, ri->nranks, ri->total_cores);
    if (o->stop.ci_width > 0)  /* no fixed count: the closing stopping line says */
        ps_buf_printf(&extra, "\"reps\":null,\"warmup\":%d", o->warmup);
    else
        ps_buf_printf(&extra, "\"reps\":%d,\"warmup\":%d", o->reps, o->warmup);
    ps_kernel_libs_json(&o->libs, &extra);  /* which loaded code made the rows */
    variants_json(o, &extra);
    if (ri->hosts) {
        ps_buf_put(&extra, ",", 1);
        ps_hosts_json(ri->hosts, &extra);
    }
    ps_sysinfo_json(&ri->sys, extra.data, &line);
    ps_buf_put(&line, "\n", 1);
    int rc = append_line(st, ri, &line, err);
    ps_buf_free(&extra);
    ps_buf_free(&line);
    return rc;
}

static int meta_repetition(void *self, const ps_run_info *ri, const ps_rep_event *ev,
                           ps_err *err)
{
    ps_meta_state *st = self;
    if (!ri->opts->csv || ev->warmup || st->header_written)
        return 0;
    if (write_header(st, ri, err) != 0)
        return -1;
    st->header_written = 1;
    return 0;
}

/* The rule as asked: null for what was not set. */
static void rule_json(const ps_stop_rule *r, ps_buf *b)
{
    if (r->ci_width > 0)
        ps_buf_printf(b, ",\"rule\":{\"ci_width\":%.6g,\"min_reps\":%d,\"max_reps\":%d,",
                      r->ci_width, r->min_reps, r->max_reps);
    else
        ps_buf_printf(b, ",\"rule\":{\"ci_width\":null,\"min_reps\":null,\"max_reps\":null,");
    if (r->max_time > 0)
        ps_buf_printf(b, "\"max_time\":%.6g,", r->max_time);
    else
        ps_buf_printf(b, "\"max_time\":null,");
    ps_buf_printf(b, "\"disturbed_above\":%.6g,\"retry_disturbed\":%d,"
                  "\"keep_disturbed\":%s}", r->disturbed_above, r->retry_disturbed,
                  r->keep_disturbed ? "true" : "false");
}

static void config_json(const ps_point *p, ps_buf *b)
{
    const ps_config *c = &p->cfg;
    ps_buf_put(b, "{\"kernel\":", 10);
    ps_buf_json_str(b, c->kernel->name);
    ps_buf_put(b, ",\"backend\":", 11);
    ps_buf_json_str(b, c->backend->name);
    ps_buf_printf(b, ",\"workers\":%d,\"threads\":%d,\"ranks\":%d,\"scaling\":\"%s\","
                  "\"size\":%llu,\"reps\":%d,\"reason\":\"%s\",", c->workers, c->threads,
                  c->ranks, ps_scaling_name(c->scaling), (unsigned long long)c->n, p->runs,
                  ps_stop_reason_name(p->reason));
    ps_buf_printf(b, "\"pairs\":%d,\"set_aside\":%d,\"disturbed\":%d,", p->pairs,
                  p->base >= 0 ? p->pairs_set_aside : p->set_aside, p->disturbed);
    if (isnan(p->rel_width))
        ps_buf_printf(b, "\"rel_width\":null}");
    else
        ps_buf_printf(b, "\"rel_width\":%.6g}", p->rel_width);
}

/* What the console warned of, for the report: every warning of the run
 * (placement and steal among them) and the signal that stopped it. */
static void run_warnings_json(const ps_run_info *ri, ps_buf *b)
{
    ps_buf_put(b, ",\"warnings\":", 12);
    ps_warnings_json(ri, b);
    char sig[32];
    if (ri->interrupted) {
        ps_buf_put(b, ",\"interrupted\":", 15);
        ps_buf_json_str(b, ps_signal_name(ri->interrupted, sig, (int)sizeof sig));
    } else {
        ps_buf_put(b, ",\"interrupted\":null", 19);
    }
}

static int meta_end(void *self, const ps_run_info *ri, const ps_plan *plan, ps_err *err)
{
    ps_meta_state *st = self;
    if (!ri->opts->csv || !st->header_written)
        return 0;
    ps_buf b = {0};
    ps_buf_put(&b, "{\"record\":\"stopping\",\"run_id\":", 30);
    ps_buf_json_str(&b, ri->run_id);
    ps_buf_put(&b, ",\"schema\":", 10);
    ps_buf_json_str(&b, PS_CSV_SCHEMA);
    rule_json(&ri->opts->stop, &b);
    ps_buf_put(&b, ",\"configs\":[", 12);
    for (int i = 0; i < plan->npoints; i++) {
        if (i)
            ps_buf_put(&b, ",", 1);
        config_json(&plan->points[i], &b);
    }
    ps_buf_put(&b, "]", 1);
    run_warnings_json(ri, &b);
    ps_buf_put(&b, "}\n", 2);
    int rc = append_line(st, ri, &b, err);
    ps_buf_free(&b);
    return rc;
}

const ps_reporter_ops ps_report_meta = {
    .repetition = meta_repetition,
    .end = meta_end,
};
