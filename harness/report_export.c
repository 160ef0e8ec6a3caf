/*
 * report_export.c -- the summary as files other tools read, like
 * hyperfine's --export-json and --export-markdown: per configuration the
 * median, its interval, min, max, mean and standard deviation, the
 * repetitions used and set aside, speedup and efficiency with their
 * intervals (ps_report_speedup: the summary's own), why it stopped, and the
 * machine.  Written once, at the end (after a signal too), each to a
 * temporary file renamed into place, so a reader never sees half of one.
 * The JSON's layout is docs/csv-schema.md's "summary export".
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "interrupt.h"
#include "report.h"
#include "stats.h"
#include "timer.h"

#define PS_EXPORT_SCHEMA "parscale-summary-1"

/* A number, or null for NAN and infinities (JSON has neither). */
static void num(ps_buf *b, const char *key, double v)
{
    if (isfinite(v))
        ps_buf_printf(b, ",\"%s\":%.9g", key, v);
    else
        ps_buf_printf(b, ",\"%s\":null", key);
}

/* [lo, hi], or null when either end is unknown. */
static void pair(ps_buf *b, const char *key, double lo, double hi)
{
    if (isfinite(lo) && isfinite(hi))
        ps_buf_printf(b, ",\"%s\":[%.9g,%.9g]", key, lo, hi);
    else
        ps_buf_printf(b, ",\"%s\":null", key);
}

static void str(ps_buf *b, const char *key, const char *v)
{
    ps_buf_printf(b, ",\"%s\":", key);
    ps_buf_json_str(b, v);
}

/* What one configuration's line of the summary says, and a little more. */
typedef struct point_stats {
    ps_summary s;       /* n == 0: no valid repetition */
    ps_speedup su;
    double eff, eff_lo, eff_hi, rate;
} point_stats;

static void point_stats_of(const ps_point *p, point_stats *ps)
{
    memset(ps, 0, sizeof *ps);
    ps->s.median = ps->s.ci_lo = ps->s.ci_hi = NAN;
    if (p->nsamples == 0 || ps_summarize(p->seconds, (size_t)p->nsamples, &ps->s) != 0)
        ps->s.n = 0;
    ps_report_speedup(p, &ps->su);
    const double w = p->cfg.workers;
    ps->eff = ps->su.value / w;
    ps->eff_lo = ps->su.lo / w;
    ps->eff_hi = ps->su.hi / w;
    double work, flops, bytes;
    ps_config_work(&p->cfg, &work, &flops, &bytes);
    ps->rate = ps->s.n ? work / ps->s.median : NAN;
}

static void config_json(const ps_run_info *ri, const ps_point *p, ps_buf *b)
{
    const ps_config *c = &p->cfg;
    point_stats st;
    point_stats_of(p, &st);
    ps_buf_put(b, "{\"kernel\":", 10);
    ps_buf_json_str(b, c->kernel->name);
    str(b, "backend", c->backend->name);
    ps_buf_printf(b, ",\"workers\":%d,\"ranks\":%d,\"threads\":%d,\"scaling\":\"%s\","
                  "\"size\":%llu,\"steps\":%u,\"oversubscribed\":%s", c->workers, c->ranks,
                  c->threads, ps_scaling_name(c->scaling), (unsigned long long)c->n,
                  c->steps, ps_warnings_oversubscribed(ri, c) ? "true" : "false");
    /* every timed repetition run; those the statistics use; the rest
     * (failed ones) set aside */
    ps_buf_printf(b, ",\"reps\":%d,\"reps_used\":%d,\"reps_set_aside\":%d", p->runs,
                  p->nsamples, p->runs - p->nsamples);
    str(b, "reason", ps_stop_reason_name(p->reason));
    num(b, "rel_width", p->rel_width);
    const int have = st.s.n > 0;
    num(b, "median_s", have ? st.s.median : NAN);
    pair(b, "ci_s", have ? st.s.ci_lo : NAN, have ? st.s.ci_hi : NAN);
    ps_buf_printf(b, ",\"ci_exact\":%s", have && st.s.ci_exact ? "true" : "false");
    num(b, "min_s", have ? st.s.min : NAN);
    num(b, "max_s", have ? st.s.max : NAN);
    num(b, "mean_s", have ? st.s.mean : NAN);
    num(b, "sd_s", have ? st.s.sd : NAN);
    num(b, "speedup", st.su.value);
    pair(b, "speedup_ci", st.su.lo, st.su.hi);
    num(b, "efficiency", st.eff);
    pair(b, "efficiency_ci", st.eff_lo, st.eff_hi);
    num(b, "rate", st.rate);
    str(b, "rate_unit", c->kernel->rate_unit);
    if (p->failures)
        str(b, "first_error", p->first_error);
    ps_buf_put(b, "}", 1);
}

static void export_json(const ps_run_info *ri, const ps_plan *plan, ps_buf *b)
{
    char ts[32], sig[32];
    ps_utc_now(ts, sizeof ts);
    ps_buf_printf(b, "{\"schema\":\"%s\"", PS_EXPORT_SCHEMA);
    str(b, "run_id", ri->run_id);
    str(b, "date", ts);
    str(b, "command", ri->opts->command);
    if (ri->opts->csv)
        str(b, "csv", ri->opts->csv);
    else
        ps_buf_put(b, ",\"csv\":null", 11);
    if (ri->interrupted)
        str(b, "interrupted", ps_signal_name(ri->interrupted, sig, (int)sizeof sig));
    else
        ps_buf_put(b, ",\"interrupted\":null", 19);
    const ps_stop_rule *r = &ri->opts->stop;
    ps_buf_put(b, ",\"rule\":{\"reps\":", 16);
    if (r->ci_width > 0)
        ps_buf_printf(b, "null,\"ci_width\":%.6g", r->ci_width);
    else
        ps_buf_printf(b, "%d,\"ci_width\":null", r->reps);
    num(b, "max_time", r->max_time > 0 ? r->max_time : NAN);
    ps_buf_printf(b, ",\"warmup\":%d}", ri->opts->warmup);
    ps_buf_printf(b, ",\"ranks\":%d,\"machine\":", ri->nranks);
    ps_sysinfo_json(&ri->sys, NULL, b);
    ps_buf_put(b, ",\"warnings\":", 12);
    ps_warnings_json(ri, b);
    ps_buf_put(b, ",\"configs\":[", 12);
    for (int i = 0; i < plan->npoints; i++) {
        if (i)
            ps_buf_put(b, ",", 1);
        config_json(ri, &plan->points[i], b);
    }
    ps_buf_put(b, "]}\n", 3);
}

/* A number for the table: 3 significant digits, "-" when unknown. */
static void cell(double v, char *buf, size_t len)
{
    if (isfinite(v))
        snprintf(buf, len, "%.3g", v);
    else
        snprintf(buf, len, "-");
}

/* A Markdown cell must not hold a bare '|'. */
static void md_text(ps_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            ps_buf_put(b, "\\|", 2);
        else if (*s != '\n')
            ps_buf_put(b, s, 1);
    }
}

static void md_row(const ps_run_info *ri, const ps_point *p, ps_buf *b)
{
    const ps_config *c = &p->cfg;
    point_stats st;
    point_stats_of(p, &st);
    char med[32] = "-", lo[32], hi[32], ci[80] = "-", sp[32], eff[32], mn[32] = "-",
         mx[32] = "-";
    if (st.s.n) {
        ps_format_seconds(st.s.median, med, sizeof med);
        ps_format_seconds(st.s.ci_lo, lo, sizeof lo);
        ps_format_seconds(st.s.ci_hi, hi, sizeof hi);
        snprintf(ci, sizeof ci, "%s%s .. %s", st.s.ci_exact ? "" : "~", lo, hi);
        ps_format_seconds(st.s.min, mn, sizeof mn);
        ps_format_seconds(st.s.max, mx, sizeof mx);
    }
    cell(st.su.value, sp, sizeof sp);
    cell(st.eff, eff, sizeof eff);
    ps_buf_put(b, "| ", 2);
    md_text(b, c->kernel->name);
    ps_buf_printf(b, " | %s | ", ps_scaling_name(c->scaling));
    md_text(b, c->backend->name);
    ps_buf_printf(b, " | %d%s | %s | %s | %s | %s | %s | %s | %d of %d | %s |\n", c->workers,
                  ps_warnings_oversubscribed(ri, c) ? "*" : "", med, ci, mn, mx, sp, eff,
                  p->nsamples, p->runs, ps_stop_reason_name(p->reason));
}

static void export_md(const ps_run_info *ri, const ps_plan *plan, ps_buf *b)
{
    char sig[32];
    ps_buf_printf(b, "# parscale run %s\n\n", ri->run_id);
    ps_buf_put(b, "`", 1);
    md_text(b, ri->opts->command);
    ps_buf_printf(b, "`\n\n%s, %s; %d core%s online; parscale %s (%s), %s build%s\n\n",
                  ri->sys.host, ri->sys.cpu_model, ri->sys.cores_online,
                  ri->sys.cores_online == 1 ? "" : "s", ri->sys.version, ri->sys.git,
                  ri->sys.build_type[0] ? ri->sys.build_type : "unoptimised",
                  ri->nranks > 1 ? ", under MPI" : "");
    if (ri->interrupted)
        ps_buf_printf(b, "Interrupted by %s: the table is of what was measured.\n\n",
                      ps_signal_name(ri->interrupted, sig, (int)sizeof sig));
    ps_buf_printf(b, "%s", "| kernel | scaling | backend | workers | median | 95% CI of "
                  "median | min | max | speedup | efficiency | repetitions used | stopped |\n"
                  "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (int i = 0; i < plan->npoints; i++)
        md_row(ri, &plan->points[i], b);
    ps_buf_printf(b, "%s", "\n\\* oversubscribed: more workers than cores. ~ fewer than 6 "
                  "repetitions: min .. max, not an interval.\n");
    const ps_warnings *sets[2] = {&ri->before, &ri->after};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < sets[k]->n; i++) {
            const int first = k == 0 ? i == 0 : i == 0 && ri->before.n == 0;
            ps_buf_printf(b, "%s- %s: ", first ? "\n**Warnings**\n\n" : "",
                          ps_warnings_kind_name(sets[k]->w[i].kind));
            md_text(b, sets[k]->w[i].text);
            if (sets[k]->w[i].fix[0]) {
                ps_buf_put(b, "; ", 2);
                md_text(b, sets[k]->w[i].fix);
            }
            ps_buf_put(b, "\n", 1);
        }
}

/* b into path through path.tmp and a rename. */
static int write_file(const char *path, const ps_buf *b, ps_err *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return ps_fail(err, "fopen %s: %s", tmp, strerror(errno));
    int ok = fwrite(b->data, 1, b->len, f) == b->len;
    ok &= fclose(f) == 0;
    if (!ok) {
        remove(tmp);
        return ps_fail(err, "writing %s: %s", tmp, strerror(errno));
    }
    if (rename(tmp, path) != 0) {
        remove(tmp);
        return ps_fail(err, "rename %s to %s: %s", tmp, path, strerror(errno));
    }
    return 0;
}

static int export_end(void *self, const ps_run_info *ri, const ps_plan *plan, ps_err *err)
{
    (void)self;
    int rc = 0;
    if (ri->opts->export_json) {
        ps_buf b = {0};
        export_json(ri, plan, &b);
        rc = write_file(ri->opts->export_json, &b, err);
        ps_buf_free(&b);
    }
    if (rc == 0 && ri->opts->export_md) {
        ps_buf b = {0};
        export_md(ri, plan, &b);
        rc = write_file(ri->opts->export_md, &b, err);
        ps_buf_free(&b);
    }
    return rc;
}

const ps_reporter_ops ps_report_export = {
    .end = export_end,
};
