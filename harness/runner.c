/*
 * runner.c -- one `parscale run` from a built plan: the run's facts (id,
 * seed, cores, steal), warnings as data, the reporters, and the measuring
 * loop between their begin and end.  Rank 0 alone reports.
 */
#define _POSIX_C_SOURCE 200809L
#include "runner.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "measure.h"
#include "mpi_env.h"
#include "report.h"
#include "sysinfo.h"
#include "timer.h"
#ifdef PARSCALE_HAVE_OPENMP
#include "omp_team.h"
#endif

static void make_run_id(ps_run_info *ri)
{
    char ts[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(ri->run_id, sizeof ri->run_id, "%s-%05x", ts,
             (unsigned)(ps_now_ns() ^ (uint64_t)getpid()) & 0xfffffu);
}

/* The facts every rank needs the same (rank 0's id and seed) and those
 * rank 0's reporters use. */
static int run_info_init(ps_run_info *ri, const ps_run_opts *o, const ps_ctx *ctx,
                         ps_err *err)
{
    memset(ri, 0, sizeof *ri);
    ri->opts = o;
    ri->nranks = ctx->nranks;
    char mpi[sizeof ri->sys.mpi];
    ps_mpi_library_version(mpi, sizeof mpi);
    ps_sysinfo_collect(&ri->sys, mpi);
    make_run_id(ri);
    ri->seed = o->have_seed ? o->seed : (ps_now_ns() ^ ((uint64_t)getpid() << 32));
    if (ps_mpi_bcast(ctx, &ri->run_id, sizeof ri->run_id, err) ||
        ps_mpi_bcast(ctx, &ri->seed, sizeof ri->seed, err))
        return -1;
    ri->rank0_cores = ri->sys.cores_allowed;
#ifdef PARSCALE_HAVE_OPENMP
    /* OMP_PROC_BIND pins the initial thread to its first place at start-up,
     * so its own mask understates the cores its team may use */
    int procs = ps_omp_procs();
    if (procs > ri->rank0_cores)
        ri->rank0_cores = procs;
#endif
    ri->total_cores = ctx->cores > 0 ? ctx->cores : ri->sys.cores_online;
    ri->hosts = ctx->hosts;
    return 0;
}

/* Calls every reporter's begin (which = 0) or end (1); stops at the first
 * failure. */
static int report_all(const ps_reporter *rs, int n, int which, const ps_run_info *ri,
                      const ps_plan *plan, ps_err *err)
{
    for (int i = 0; i < n; i++) {
        int (*fn)(void *, const ps_run_info *, const ps_plan *, ps_err *) =
            which == 0 ? rs[i].ops->begin : rs[i].ops->end;
        if (fn && fn(rs[i].self, ri, plan, err) != 0)
            return -1;
    }
    return 0;
}

/* The host's steal share between two readings of /proc/stat; -1 unknown. */
static double steal_share(int have0, unsigned long long t0, unsigned long long s0)
{
    unsigned long long t1, s1;
    if (!have0 || ps_cpu_ticks(&t1, &s1) != 0 || t1 <= t0)
        return -1.0;
    return (double)(s1 - s0) / (double)(t1 - t0);
}

int ps_run(ps_plan *plan, const ps_run_opts *o, const ps_ctx *ctx, int *signal, ps_err *err)
{
    ps_run_info ri;
    if (run_info_init(&ri, o, ctx, err) != 0)
        return -1;
    unsigned long long ticks0 = 0, steal0 = 0;
    int have_ticks = ps_cpu_ticks(&ticks0, &steal0) == 0;
    /* A hypervisor that never reports steal leaves it at 0 since boot:
     * then 0 would read as "a quiet host", so the column stays empty. */
    ri.steal_reported = have_ticks && steal0 > 0;
    ps_meta_state meta = {0};
    ps_file_id csv_id = {0};
    const ps_reporter reporters[] = {
        /* rows first: the metadata follows the first row, never without one */
        {&ps_report_csv, &csv_id}, {&ps_report_meta, &meta}, {&ps_report_console, NULL},
        {&ps_report_export, NULL},
    };
    const int nrep = ctx->rank == 0 ? (int)(sizeof reporters / sizeof reporters[0]) : 0;
    if (ctx->rank == 0)
        ps_warnings_before_run(plan, &ri);
    ps_watchdog dog;
    ps_measure_setup m = {.rule = &o->stop, .warmup = o->warmup, .seed = ri.seed,
                          .steal_reported = ri.steal_reported, .ri = &ri,
                          .reporters = reporters, .nreporters = nrep, .watchdog = &dog,
                          .signal = &ri.interrupted};
    int rc = ps_watchdog_start(&dog, o->rep_timeout, ctx->rank == 0, err);
    if (rc == 0)
        rc = report_all(reporters, nrep, 0, &ri, plan, err);
    /* rank 0 alone has reporters: the others must learn that one could not
     * begin, or they would wait in the loop's first collective forever */
    if (!ps_mpi_all_ok(ctx, rc == 0)) {
        if (rc == 0)
            rc = ps_fail(err, "rank 0 stopped the run");
    } else {
        ps_exit_guard_arm();  /* a kernel's exit() is a failure, said in one line */
        rc = ps_measure(plan, &m, ctx, err);
        ps_exit_guard_disarm();
    }
    ps_watchdog_stop(&dog);
    if (signal)
        *signal = ri.interrupted;
    if (rc >= 0 && ctx->rank == 0) {
        ps_warnings_after_run(plan, &ri, steal_share(have_ticks, ticks0, steal0));
        if (report_all(reporters, nrep, 1, &ri, plan, err) != 0)
            rc = -1;
    }
    ps_warnings_free(&ri.before);
    ps_warnings_free(&ri.after);
    return rc;
}
