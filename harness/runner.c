/*
 * runner.c -- the measurement loop (DESIGN.md, "Measuring").
 *
 * Configurations are measured interleaved: round r runs every configuration
 * once, in an order shuffled per round, so that drift on a shared machine
 * hits all of them alike and their ratios stay trustworthy.  The first
 * --warmup rounds are not recorded.  Every rank walks the same schedule;
 * a configuration runs on rank 0 alone, or on the first w ranks for mpi,
 * while the others sleep in an idle barrier.  Only rank 0 writes.
 */
#define _POSIX_C_SOURCE 200809L
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "plan_limits.h"
#include "mpi_env.h"
#include "stats.h"
#include "sysinfo.h"
#include "timer.h"
#ifdef PARSCALE_HAVE_OPENMP
#include "omp_team.h"
#endif

/* ---- building the plan ---------------------------------------------------- */

static int plan_add(ps_plan *plan, const ps_config *cfg, ps_err *err)
{
    /* the same seq baseline is needed once per kernel and size */
    for (int i = 0; i < plan->npoints; i++) {
        const ps_config *c = &plan->points[i].cfg;
        if (c->kernel == cfg->kernel && c->backend == cfg->backend &&
            c->workers == cfg->workers && c->threads == cfg->threads &&
            c->n == cfg->n && c->scaling == cfg->scaling)
            return 0;
    }
    ps_point *p = realloc(plan->points, (size_t)(plan->npoints + 1) * sizeof *p);
    if (!p)
        return ps_fail(err, "out of memory");
    plan->points = p;
    memset(&p[plan->npoints], 0, sizeof p[plan->npoints]);
    p[plan->npoints++].cfg = *cfg;
    return 0;
}

static int is_gil(const ps_config *c)
{
    return strcmp(c->backend->name, "gil") == 0;
}

/* The point for w workers; tpr: threads per rank, used by hybrid only
 * (options checked w % tpr).  seq is one worker by definition, but under
 * weak scaling it runs at the size of the w-worker point it is the base of. */
static ps_config make_config(const ps_run_opts *o, const ps_kernel *k,
                             const ps_backend *b, int w, int tpr, enum ps_scaling sc)
{
    ps_config c;
    memset(&c, 0, sizeof c);
    const int size_w = w;
    if (strcmp(b->name, "seq") == 0)
        w = 1;
    c.kernel = k;
    c.backend = b;
    c.workers = w;
    c.threads = (b->flags & PS_BACKEND_USES_MPI) ? 1 : w;
    c.ranks = (b->flags & PS_BACKEND_USES_MPI) ? w : 1;
    if (ps_backend_is_hybrid(b)) {
        c.threads = ps_threads_per_rank(tpr, w);
        c.ranks = w / c.threads;
    }
    c.scaling = sc;
    c.order = o->size_class >= 0 ? k->sizes[o->size_class] : o->size;
    c.n = sc == PS_WEAK ? c.order * (uint64_t)size_w : c.order;
    c.steps = o->steps ? o->steps : k->steps;
    c.schedule = o->schedule;
    c.chunk = o->chunk;
    c.gil = o->gil;
    c.tick = o->tick ? o->tick : ps_gil_default_tick(&o->gil, k->tick, o->gil_release);
    if (is_gil(&c))  /* extra CPU threads share the process */
        c.threads = w + o->gil.cpu_threads;
    c.gil_release = o->gil_release;
    ps_run_opts_params(o, k, c.param);
    return c;
}

int ps_plan_build(ps_plan *plan, const ps_run_opts *o, const ps_ctx *ctx, ps_err *err)
{
    memset(plan, 0, sizeof *plan);
    if (ps_limits_check_sizes(o, err) != 0)
        return -1;
    const ps_backend *seq = ps_backend_find("seq");
    for (int ki = 0; ki < o->nkernels; ki++) {
        for (int si = 0; si < o->nscalings; si++) {
            for (int wi = 0; wi < o->nworkers; wi++) {
                int w = o->workers[wi];
                for (int bi = 0; bi < o->nbackends; bi++) {
                    const ps_backend *b = o->backends[bi];
                    /* hybrid runs w as w/T ranks of T threads for each T */
                    for (int ti = 0; ti < (ps_backend_is_hybrid(b) ? o->ntpr : 1); ti++) {
                        ps_config c = make_config(o, o->kernels[ki], b, w, o->tpr[ti],
                                                  o->scalings[si]);
                        if (b->check && b->check(ctx, &c, err) != 0)
                            return -1;
                        if (plan_add(plan, &c, err) != 0)
                            return -1;
                    }
                }
                if (o->baseline && seq) {
                    ps_config c = make_config(o, o->kernels[ki], seq, w, 1, o->scalings[si]);
                    if (plan_add(plan, &c, err) != 0)
                        return -1;
                }
            }
        }
    }
    if (ps_limits_check_plan(plan, o, err) != 0)
        return -1;
    if (o->csv && ctx->rank == 0 && ps_csv_check(o->csv, err) != 0)
        return -1;
    return 0;
}

void ps_plan_free(ps_plan *plan)
{
    for (int i = 0; i < plan->npoints; i++) {
        free(plan->points[i].seconds);
        free(plan->points[i].gil);
    }
    free(plan->points);
    memset(plan, 0, sizeof *plan);
}

/* ---- rows and metadata ------------------------------------------------------ */

typedef struct run_info {
    char run_id[64];
    uint64_t seed;
    int total_cores;        /* cores of the hosts in the launch */
    int rank0_cores;        /* cores rank 0 may run on (its threads' share) */
    ps_sysinfo sys;
    int meta_written;
} run_info;

static const char *scaling_name(enum ps_scaling s)
{
    return s == PS_WEAK ? "weak" : "strong";
}

static const char *schedule_name(enum ps_schedule s)
{
    return s == PS_SCHED_DYNAMIC ? "dynamic" : s == PS_SCHED_GUIDED ? "guided" : "static";
}

/* Cores the configuration's workers may use: rank 0's share for threads,
 * the launch's hosts for ranks. */
static int cores_for(const ps_config *c, const run_info *ri)
{
    return (c->backend->flags & PS_BACKEND_USES_MPI) ? ri->total_cores : ri->rank0_cores;
}

static void iso_time(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Work of one repetition: rate units, flops and bytes. */
static void work_of(const ps_config *c, double *units, double *flops, double *bytes)
{
    ps_kernel_args a = ps_config_args(c, 0, c->n, NULL);
    ps_kernel_cost k;
    ps_kernel_cost_of(c->kernel, &a, &k);
    double idx = (double)c->n * c->steps;
    *units = idx * k.rate_per_index;
    *flops = idx * k.flops_per_index;
    *bytes = idx * k.bytes_per_index;
}

static void fill_row(ps_csv_row *r, const ps_config *c, const ps_rep *rep, int ran,
                     int repno, const run_info *ri)
{
    memset(r, 0, sizeof *r);
    char ts[32];
    iso_time(ts, sizeof ts);
    const ps_kernel *k = c->kernel;
    int cores = cores_for(c, ri);
    ps_csv_set(r, PS_COL_run_id, "%s", ri->run_id);
    ps_csv_set(r, PS_COL_timestamp, "%s", ts);
    ps_csv_set(r, PS_COL_host, "%s", ri->sys.host);
    ps_csv_set(r, PS_COL_kernel, "%s", k->name);
    ps_csv_set(r, PS_COL_backend, "%s", c->backend->name);
    ps_csv_set(r, PS_COL_workers, "%d", c->workers);
    ps_csv_set(r, PS_COL_threads, "%d", c->threads);
    ps_csv_set(r, PS_COL_ranks, "%d", c->ranks);
    ps_csv_set(r, PS_COL_scaling, "%s", scaling_name(c->scaling));
    ps_csv_set(r, PS_COL_order, "%llu", (unsigned long long)c->order);
    ps_csv_set(r, PS_COL_size, "%llu", (unsigned long long)c->n);
    ps_csv_set(r, PS_COL_steps, "%u", c->steps);
    ps_csv_set(r, PS_COL_rep, "%d", repno);
    double units, flops, bytes;
    work_of(c, &units, &flops, &bytes);
    if (ran) {
        ps_csv_set(r, PS_COL_seconds, "%.9g", rep->seconds);
        ps_csv_set(r, PS_COL_rate, "%.6g", rep->seconds > 0 ? units / rep->seconds : 0.0);
    }
    ps_csv_set(r, PS_COL_rate_unit, "%s", k->rate_unit);
    ps_csv_set(r, PS_COL_flops, "%.6g", flops);
    ps_csv_set(r, PS_COL_bytes, "%.6g", bytes);
    ps_csv_set(r, PS_COL_verified, "%s", ran && rep->verified ? "true" : "false");
    ps_csv_set(r, PS_COL_error, "%s", rep->error);
    ps_csv_set(r, PS_COL_oversubscribed, "%s", c->workers > cores ? "true" : "false");
    ps_csv_set(r, PS_COL_cores, "%d", cores);
    if (strcmp(c->backend->name, "omp") == 0 || strcmp(c->backend->name, "hybrid") == 0)
        ps_csv_set(r, PS_COL_schedule, "%s", schedule_name(c->schedule));
    if (is_gil(c)) {
        const ps_gil_params *g = &c->gil;
        ps_csv_set(r, PS_COL_gil_model, "%s", g->model == PS_GIL_OLD ? "old" : "new");
        if (g->model == PS_GIL_NEW)
            ps_csv_set(r, PS_COL_switch_interval, "%.9g", (double)g->interval_ns * 1e-9);
        else
            ps_csv_set(r, PS_COL_check_interval, "%u", g->check_interval);
        ps_csv_set(r, PS_COL_tick, "%llu", (unsigned long long)c->tick);
        ps_csv_set(r, PS_COL_gil_release, "%.6g", c->gil_release);
        if (ran && rep->has_gil) {
            const ps_gil_report *s = &rep->gil;
            ps_csv_set(r, PS_COL_gil_switches, "%llu", (unsigned long long)s->switches);
            ps_csv_set(r, PS_COL_gil_forced_switches, "%llu", (unsigned long long)s->forced_switches);
            ps_csv_set(r, PS_COL_gil_drop_requests, "%llu", (unsigned long long)s->drop_requests);
            ps_csv_set(r, PS_COL_gil_drops_discarded, "%llu", (unsigned long long)s->discarded);
            if (g->stats) {
                ps_csv_set(r, PS_COL_gil_wait_seconds, "%.9g", s->wait_seconds);
                ps_csv_set(r, PS_COL_gil_wait_median, "%.9g", s->wait_median);
                ps_csv_set(r, PS_COL_gil_wait_p99, "%.9g", s->wait_p99);
                ps_csv_set(r, PS_COL_gil_hold_median, "%.9g", s->hold_median);
                ps_csv_set(r, PS_COL_gil_handoff_median, "%.9g", s->handoff_median);
            }
        }
    }
    if (k->params) {
        size_t used = 0;
        for (int i = 0; i < PS_MAX_PARAMS && k->params[i].name; i++) {
            int w = snprintf(r->v[PS_COL_params] + used, sizeof r->v[PS_COL_params] - used,
                             "%s%s=%g", i ? ";" : "", k->params[i].name, c->param[i]);
            if (w < 0 || (size_t)w >= sizeof r->v[PS_COL_params] - used)
                break;
            used += (size_t)w;
        }
    }
    if (ran && rep->steal >= 0)
        ps_csv_set(r, PS_COL_steal, "%.4g", rep->steal);
    ps_csv_set(r, PS_COL_slurm_job_id, "%s", ri->sys.slurm_job_id);
    if (ran)
        ps_csv_set(r, PS_COL_cpus, "%s", rep->cpus);
}

static int write_meta(const ps_run_opts *o, const ps_ctx *ctx, run_info *ri, ps_err *err)
{
    if (ri->meta_written || !o->csv)
        return 0;
    char ts[32];
    iso_time(ts, sizeof ts);
    ps_buf extra = {0}, line = {0};
    ps_buf_put(&extra, "\"schema\":", 9);
    ps_buf_json_str(&extra, PS_CSV_SCHEMA);
    ps_buf_put(&extra, ",\"run_id\":", 10);
    ps_buf_json_str(&extra, ri->run_id);
    ps_buf_put(&extra, ",\"date\":", 8);
    ps_buf_json_str(&extra, ts);
    ps_buf_put(&extra, ",\"command\":", 11);
    ps_buf_json_str(&extra, o->command);
    ps_buf_printf(&extra, ",\"seed\":%llu,\"ranks\":%d,\"cores_total\":%d,"
                  "\"reps\":%d,\"warmup\":%d",
                  (unsigned long long)ri->seed, ctx->nranks, ri->total_cores,
                  o->reps, o->warmup);
    ps_sysinfo_json(&ri->sys, extra.data, &line);
    ps_buf_put(&line, "\n", 1);
    int rc = ps_csv_meta_append(o->csv, line.data, line.len, err);
    ps_buf_free(&extra);
    ps_buf_free(&line);
    if (rc == 0)
        ri->meta_written = 1;
    return rc;
}

/* ---- the loop -------------------------------------------------------------- */

/* xorshift64*: the shuffle only has to be the same on every rank. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static void shuffle(int *order, int n, uint64_t *state)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(next_rand(state) % (uint64_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

static int participates(const ps_ctx *ctx, const ps_config *c)
{
    if (c->backend->flags & PS_BACKEND_USES_MPI)
        return ctx->rank < c->ranks;
    return ctx->rank == 0;
}

static void progress(const ps_run_opts *o, const ps_ctx *ctx, int done, int total,
                     const ps_config *c, int round)
{
    if (o->quiet || ctx->rank != 0 || !isatty(STDERR_FILENO))
        return;
    if (round < o->warmup)
        fprintf(stderr, "\r\033[K  [%d/%d] %s %s w=%d warm-up %d", done, total,
                c->kernel->name, c->backend->name, c->workers, round + 1);
    else
        fprintf(stderr, "\r\033[K  [%d/%d] %s %s w=%d rep %d", done, total,
                c->kernel->name, c->backend->name, c->workers, round - o->warmup + 1);
    fflush(stderr);
}

static int record(ps_point *p, const ps_rep *rep, int ran)
{
    if (!ran || !rep->verified) {
        p->failures++;
        if (!p->first_error[0])
            snprintf(p->first_error, sizeof p->first_error, "%s",
                     rep->error[0] ? rep->error : "failed");
        return 0;
    }
    double *s = realloc(p->seconds, (size_t)(p->nsamples + 1) * sizeof *s);
    if (!s)
        return -1;
    p->seconds = s;
    if (rep->has_gil) {
        ps_gil_report *g = realloc(p->gil, (size_t)(p->nsamples + 1) * sizeof *g);
        if (!g)
            return -1;
        p->gil = g;
        p->gil[p->nsamples] = rep->gil;
    }
    p->seconds[p->nsamples++] = rep->seconds;
    p->cpu_shared_reps += rep->cpu_shared > 0;
    return 0;
}

static void print_summary(const ps_plan *plan, const run_info *ri);
static void print_warnings(const ps_plan *plan, const ps_run_opts *o, const run_info *ri);

/* Workers seen on one CPU in most repetitions while there were cores for
 * each of them: the binding (mpirun's default --bind-to core, a taskset, an
 * OMP_PLACES list) put them there, and the time measures sharing, not
 * scaling.  Said on stderr, once per configuration, with the fix. */
static void warn_placement(const ps_plan *plan, const run_info *ri)
{
    for (int i = 0; i < plan->npoints; i++) {
        const ps_point *p = &plan->points[i];
        const ps_config *c = &p->cfg;
        if (p->nsamples == 0 || 2 * p->cpu_shared_reps <= p->nsamples ||
            c->workers > cores_for(c, ri))
            continue;
        fprintf(stderr, "parscale: warning: %s %s with %d worker%s (%d rank%s x %d "
                "thread%s): workers shared a CPU in %d of %d repetitions although "
                "%d cores were available (cpus column); check the binding: mpirun "
                "--bind-to none or --map-by slot:PE=%d, --bind close, OMP_PLACES\n",
                c->kernel->name, c->backend->name, c->workers, c->workers == 1 ? "" : "s",
                c->ranks, c->ranks == 1 ? "" : "s", c->threads, c->threads == 1 ? "" : "s",
                p->cpu_shared_reps, p->nsamples, cores_for(c, ri), c->threads);
    }
}

static void make_run_id(run_info *ri)
{
    char ts[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(ri->run_id, sizeof ri->run_id, "%s-%05x", ts,
             (unsigned)(ps_now_ns() ^ (uint64_t)getpid()) & 0xfffffu);
}

int ps_run(ps_plan *plan, const ps_run_opts *o, const ps_ctx *ctx, ps_err *err)
{
    run_info ri;
    memset(&ri, 0, sizeof ri);
    ps_sysinfo_collect(&ri.sys);
    make_run_id(&ri);
    ri.seed = o->have_seed ? o->seed : (ps_now_ns() ^ ((uint64_t)getpid() << 32));
    if (ps_mpi_bcast(ctx, &ri.run_id, sizeof ri.run_id, err) ||
        ps_mpi_bcast(ctx, &ri.seed, sizeof ri.seed, err))
        return -1;
    ri.rank0_cores = ri.sys.cores_allowed;
#ifdef PARSCALE_HAVE_OPENMP
    /* OMP_PROC_BIND pins the initial thread to its first place at start-up,
     * so its own mask understates the cores its team may use */
    int procs = ps_omp_procs();
    if (procs > ri.rank0_cores)
        ri.rank0_cores = procs;
#endif
    ri.total_cores = ctx->cores > 0 ? ctx->cores : ri.sys.cores_online;

    if (ctx->rank == 0 && !o->quiet) {
        printf("parscale %s: run %s, %d configuration%s x %d rep%s (+%d warm-up), "
               "interleaved; %d core%s here%s\n",
               ri.sys.version, ri.run_id, plan->npoints, plan->npoints == 1 ? "" : "s",
               o->reps, o->reps == 1 ? "" : "s", o->warmup, ri.rank0_cores,
               ri.rank0_cores == 1 ? "" : "s",
               ctx->nranks > 1 ? ", under MPI" : "");
        print_warnings(plan, o, &ri);
        fflush(stdout);
    }

    int *order = malloc((size_t)plan->npoints * sizeof *order);
    if (!order)
        return ps_fail(err, "out of memory");
    unsigned long long ticks0 = 0, steal0 = 0, ticks1 = 0, steal1 = 0;
    int have_ticks = ps_cpu_ticks(&ticks0, &steal0) == 0;
    uint64_t rs = ri.seed | 1;
    int rounds = o->warmup + o->reps, status = 0, any_failed = 0, done = 0;
    const int total = rounds * plan->npoints;
    for (int round = 0; round < rounds && status == 0; round++) {
        for (int i = 0; i < plan->npoints; i++)
            order[i] = i;
        shuffle(order, plan->npoints, &rs);
        for (int oi = 0; oi < plan->npoints && status == 0; oi++) {
            ps_point *p = &plan->points[order[oi]];
            const ps_config *c = &p->cfg;
            ps_rep rep;
            memset(&rep, 0, sizeof rep);
            int ran = 0;
            progress(o, ctx, ++done, total, c, round);
            if (participates(ctx, c)) {
                ps_err rerr = {""};
                unsigned long long a0, s0, a1, s1;
                int ticks = ps_cpu_ticks(&a0, &s0) == 0;
                if (c->backend->run(ctx, c, &rep, &rerr) == 0)
                    ran = 1;
                else
                    snprintf(rep.error, sizeof rep.error, "%s", rerr.msg);
                rep.steal = ticks && ps_cpu_ticks(&a1, &s1) == 0 && a1 > a0
                                ? (double)(s1 - s0) / (double)(a1 - a0) : -1.0;
            }
            if (ctx->rank == 0 && round >= o->warmup) {
                int repno = round - o->warmup;
                if (record(p, &rep, ran) != 0)
                    status = ps_fail(err, "out of memory");
                if (!ran || !rep.verified)
                    any_failed = 1;
                if (o->csv && status == 0) {
                    ps_csv_row row;
                    ps_buf b = {0};
                    fill_row(&row, c, &rep, ran, repno, &ri);
                    ps_csv_row_format(&row, &b);
                    /* the metadata once the run has a row, never without */
                    if (ps_csv_append(o->csv, b.data, b.len, err) != 0 ||
                        write_meta(o, ctx, &ri, err) != 0)
                        status = -1;
                    ps_buf_free(&b);
                }
            }
            /* every rank, every configuration, whatever happened: a failed
             * write on rank 0 stops all ranks here, together */
            int all = ps_mpi_idle_all_ok(ctx, status == 0, err);
            if (all != 1) {
                /* rank 0 says why; the others stop without a word */
                if (status == 0 && all == 0)
                    status = ctx->rank == 0 ? ps_fail(err, "another rank stopped the run")
                                            : ps_fail(err, "%s", "");
                status = -1;
                break;
            }
        }
        /* a failed write on rank 0 stops every rank at the same point */
        if (!ps_mpi_all_ok(ctx, status == 0) && status == 0)
            status = ps_fail(err, "rank 0 stopped the run");
    }
    free(order);
    if (ctx->rank == 0 && !o->quiet && isatty(STDERR_FILENO))
        fprintf(stderr, "\r\033[K");
    if (status != 0)
        return -1;
    if (ctx->rank == 0) {
        warn_placement(plan, &ri);
        print_summary(plan, &ri);
    }
    /* On a virtual machine the host may run other guests on our cores:
     * that time (steal) is invisible to every timer here but slows the
     * slowest worker, so say how much of it there was. */
    if (ctx->rank == 0 && have_ticks && ps_cpu_ticks(&ticks1, &steal1) == 0 &&
        ticks1 > ticks0) {
        double share = (double)(steal1 - steal0) / (double)(ticks1 - ticks0);
        if (share > 0.02)
            printf("  warning: the hypervisor took %.0f%% of this machine's CPU time during "
                   "the run (steal); parallel timings are perturbed: rerun with more --reps "
                   "or on a quieter host\n", 100.0 * share);
    }
    return any_failed ? 1 : 0;
}

/* ---- the summary ------------------------------------------------------------ */

static const ps_point *find_base(const ps_plan *plan, const ps_point *p)
{
    for (int i = 0; i < plan->npoints; i++) {
        const ps_config *c = &plan->points[i].cfg;
        if (c->kernel == p->cfg.kernel && strcmp(c->backend->name, "seq") == 0 &&
            c->n == p->cfg.n && c->scaling == p->cfg.scaling)
            return &plan->points[i];
    }
    return NULL;
}

static int backend_rank(const ps_backend *b)
{
    int i = 0;
    for (const ps_backend *const *x = ps_backends; *x; x++, i++)
        if (*x == b)
            return i;
    return i;
}

static int cmp_points(const void *a, const void *b)
{
    const ps_point *p = *(const ps_point *const *)a, *q = *(const ps_point *const *)b;
    if (p->cfg.kernel != q->cfg.kernel) {
        int i = 0, pi = 0, qi = 0;
        for (const ps_kernel *const *k = ps_kernels; *k; k++, i++) {
            if (*k == p->cfg.kernel) pi = i;
            if (*k == q->cfg.kernel) qi = i;
        }
        return pi - qi;
    }
    if (p->cfg.scaling != q->cfg.scaling)
        return (int)p->cfg.scaling - (int)q->cfg.scaling;
    int br = backend_rank(p->cfg.backend) - backend_rank(q->cfg.backend);
    if (br)
        return br;
    if (p->cfg.workers != q->cfg.workers)
        return p->cfg.workers - q->cfg.workers;
    if (p->cfg.threads != q->cfg.threads)
        return p->cfg.threads - q->cfg.threads;
    return (p->cfg.n > q->cfg.n) - (p->cfg.n < q->cfg.n);
}

static double median_of(const double *x, int n)
{
    ps_summary s;
    if (n <= 0 || ps_summarize(x, (size_t)n, &s) != 0)
        return NAN;
    return s.median;
}

static void print_gil_line(const ps_point *p)
{
    int n = p->nsamples;
    double *v = malloc((size_t)(n > 0 ? n : 1) * 7 * sizeof *v);
    if (!v || n == 0) {
        free(v);
        return;
    }
    double *sw = v, *forced = v + n, *req = v + 2 * n, *wmed = v + 3 * n,
           *wp99 = v + 4 * n, *hold = v + 5 * n, *hand = v + 6 * n;
    for (int i = 0; i < n; i++) {
        const ps_gil_report *g = &p->gil[i];
        double secs = p->seconds[i] > 0 ? p->seconds[i] : 1.0;
        sw[i] = (double)g->switches / secs;
        forced[i] = (double)g->forced_switches / secs;
        req[i] = (double)g->drop_requests / secs;
        wmed[i] = g->wait_median;
        wp99[i] = g->wait_p99;
        hold[i] = g->hold_median;
        hand[i] = g->handoff_median;
    }
    char a[32], b[32], c[32], d[32];
    ps_format_seconds(median_of(wmed, n), a, sizeof a);
    ps_format_seconds(median_of(wp99, n), b, sizeof b);
    ps_format_seconds(median_of(hold, n), c, sizeof c);
    ps_format_seconds(median_of(hand, n), d, sizeof d);
    double s = median_of(sw, n), f = median_of(forced, n);
    printf("      gil: %.0f switches/s (%.0f forced, %.0f voluntary), %.0f drop "
           "requests/s; wait %s median, %s p99; hold %s; handoff %s\n",
           s, f, s - f, median_of(req, n), a, b, c, d);
    free(v);
}

static void print_summary(const ps_plan *plan, const run_info *ri)
{
    const ps_point **sorted = malloc((size_t)plan->npoints * sizeof *sorted);
    if (!sorted)
        return;
    for (int i = 0; i < plan->npoints; i++)
        sorted[i] = &plan->points[i];
    qsort(sorted, (size_t)plan->npoints, sizeof *sorted, cmp_points);

    const ps_kernel *last_k = NULL;
    int last_sc = -1, any_over = 0, any_approx = 0;
    for (int i = 0; i < plan->npoints; i++) {
        const ps_point *p = sorted[i];
        const ps_config *c = &p->cfg;
        if (c->kernel != last_k || (int)c->scaling != last_sc) {
            printf("\n%s (%s scaling, size %llu%s, %u step%s) -- %s\n", c->kernel->name,
                   scaling_name(c->scaling), (unsigned long long)c->order,
                   c->scaling == PS_WEAK ? " per worker" : "", c->steps,
                   c->steps == 1 ? "" : "s", c->kernel->summary);
            printf("  %-11s %4s %14s  %-25s %8s %6s  %s\n", "backend", "w", "median",
                   "95% CI of median", "speedup", "eff", "rate");
            last_k = c->kernel;
            last_sc = (int)c->scaling;
        }
        char label[32];
        if (ps_backend_is_hybrid(c->backend))  /* ranks x threads */
            snprintf(label, sizeof label, "%s %dx%d%s", c->backend->name, c->ranks,
                     c->threads, c->workers > cores_for(c, ri) ? "*" : "");
        else
            snprintf(label, sizeof label, "%s%s", c->backend->name,
                     c->workers > cores_for(c, ri) ? "*" : "");
        if (p->nsamples == 0) {
            printf("  %-11s %4d  FAILED: %s\n", label, c->workers, p->first_error);
            continue;
        }
        ps_summary s;
        ps_summarize(p->seconds, (size_t)p->nsamples, &s);
        char med[32], lo[32], hi[32], ci[80];
        ps_format_seconds(s.median, med, sizeof med);
        ps_format_seconds(s.ci_lo, lo, sizeof lo);
        ps_format_seconds(s.ci_hi, hi, sizeof hi);
        snprintf(ci, sizeof ci, "%s%s .. %s", s.ci_exact ? "" : "~", lo, hi);
        const ps_point *base = find_base(plan, p);
        double speedup = NAN;
        if (base && base->nsamples > 0)
            speedup = median_of(base->seconds, base->nsamples) / s.median;
        double work, flops, bytes;
        work_of(c, &work, &flops, &bytes);
        char sp[16] = "-", eff[16] = "-";
        if (!isnan(speedup)) {
            snprintf(sp, sizeof sp, "%.2f", speedup);
            snprintf(eff, sizeof eff, "%.2f", speedup / c->workers);
        }
        printf("  %-11s %4d %14s  %-25s %8s %6s  %.4g %s%s\n", label, c->workers, med, ci,
               sp, eff, work / s.median, c->kernel->rate_unit,
               p->failures ? "  (some reps FAILED)" : "");
        any_over |= strchr(label, '*') != NULL;
        any_approx |= !s.ci_exact;
        if (p->gil && is_gil(c))
            print_gil_line(p);
        if (is_gil(c) && c->gil_release > 0) {
            /* F of the work runs unlocked: serial fraction 1 - F */
            double sf = 1.0 - c->gil_release;
            printf("      amdahl: serial fraction %.2f predicts %.2f at %d workers; "
                   "measured %.2f (%.0f%%)\n", sf, 1.0 / (sf + (1.0 - sf) / c->workers),
                   c->workers, speedup,
                   100.0 * speedup * (sf + (1.0 - sf) / c->workers));
        }
    }
    if (any_over || any_approx)
        printf("\n");
    if (any_over)
        printf("  * oversubscribed: more workers than the %d core%s available\n",
               ri->rank0_cores, ri->rank0_cores == 1 ? "" : "s");
    if (any_approx)
        printf("  ~ fewer than 6 repetitions: no 95%% CI of the median exists; min..max shown\n");
    free(sorted);
}

/* Warnings a careful reader needs before trusting the numbers, each with
 * what to do about it (after google/benchmark and hyperfine). */
static void print_warnings(const ps_plan *plan, const ps_run_opts *o, const run_info *ri)
{
    const ps_sysinfo *s = &ri->sys;
    if (strcmp(s->build_type, "Release") != 0 && strcmp(s->build_type, "RelWithDebInfo") != 0)
        printf("  warning: this is a %s build; measure with -DCMAKE_BUILD_TYPE=Release\n",
               s->build_type[0] ? s->build_type : "unoptimised");
    if (s->governor[0] && strcmp(s->governor, "performance") != 0)
        printf("  warning: CPU frequency governor is '%s'; set 'performance' for stable "
               "timings\n", s->governor);
    if (o->reps < 6)
        printf("  note: %d repetitions give no 95%% confidence interval of the median "
               "(6 or more do)\n", o->reps);
    int threads_max = 0;
    for (int i = 0; i < plan->npoints; i++)
        if (plan->points[i].cfg.threads > threads_max)
            threads_max = plan->points[i].cfg.threads;
    if (ri->rank0_cores < s->cores_online && threads_max > ri->rank0_cores)
        printf("  warning: this process may run on %d of %d cores (bound by mpirun or "
               "taskset?); threads beyond that share cores. Use mpirun --bind-to none.\n",
               ri->rank0_cores, s->cores_online);
    if (s->timer_tick > 1e-6)
        printf("  warning: the clock only resolves %.3g s\n", s->timer_tick);
}
