/*
 * backend_omp.c -- real threads: an OpenMP parallel region over the range.
 *
 * The range is cut into chunks handed out by the chosen schedule: with
 * static, one contiguous block per thread (the same split init() first
 * touched); with dynamic or guided, chunks of --chunk indices.  The team
 * itself is omp_team.c, which the hybrid backend runs inside each rank.
 */
#include "backend.h"
#include "backend_common.h"
#include "omp_team.h"
#include "placement.h"

static int omp_run_rep(const ps_ctx *ctx, const ps_config *cfg, ps_rep *rep,
                       ps_err *err)
{
    (void)ctx;
    const ps_kernel *k = cfg->kernel;
    const uint64_t n = cfg->n;
    ps_comm comm;
    ps_comm_local(&comm);
    ps_kernel_args a = ps_config_args(cfg, 0, n, &comm);
    void *state;
    if (k->create(&state, &a) != 0)
        return PS_FAIL_SYS(err, "kernel create");
    ps_omp_team t = {.cfg = cfg, .sched = (const ps_omp_sched *)cfg->opts.bytes,
                     .state = state, .lo = 0, .hi = n, .comm = &comm};
    int status = ps_omp_team_run(&t, err);
    if (status == 0) {
        rep->seconds = t.seconds;
        rep->dist = t.dist;
        ps_finish_local(cfg, state, t.accs, cfg->threads, rep);
        ps_placement_local(t.cpus, cfg->threads, rep);
        ps_omp_team_free(&t);
    }
    k->destroy(state);
    return status;
}

/* Its options block is the schedule alone. */
PS_BACKEND_FITS(ps_omp_sched);

static const ps_option_row omp_options[] = {PS_OMP_SCHED_OPTIONS, PS_OPTION_ROWS_END};

static int omp_opt_parse(void *opts, int target, const char *arg, ps_err *err)
{
    return ps_omp_sched_parse(opts, target, arg, err) == 0 ? 0 : -1;
}

static void omp_row(ps_csv_row *row, const ps_config *cfg, const ps_rep *rep, int ran)
{
    (void)rep, (void)ran;
    ps_omp_sched_row(row, (const ps_omp_sched *)cfg->opts.bytes);
}

const ps_backend ps_backend_omp = {
    .name = "omp",
    .summary = "OpenMP threads over the same range (real threads, no global lock)",
    .flags = PS_BACKEND_THREADS | PS_BACKEND_OPENMP,
    .options = omp_options,
    .opt_parse = omp_opt_parse,
    .run = omp_run_rep,
    .row = omp_row,
};
