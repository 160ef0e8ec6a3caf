/*
 * backend_hybrid.c -- what clusters run: MPI ranks, each owning a part of
 * the data as under the mpi backend, and inside each rank a team of OpenMP
 * threads over that part as under the omp backend.
 *
 * workers = ranks x threads per rank (--threads-per-rank).  The range is
 * split over the first `ranks` ranks of the launch (their sub-communicator,
 * as the mpi backend does); each rank's team works its share with the omp
 * schedule (omp_team.c); between steps the rank's primary thread alone
 * exchanges once with the other ranks, so MPI is called funneled.  A
 * repetition's time is the slowest rank's team span.
 */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "backend_common.h"
#include "mpi_env.h"
#include "omp_team.h"

#define TPR_MAX 16

/* Its options: the omp schedule, and the threads of each rank. */
typedef struct hybrid_opts {
    ps_omp_sched sched;
    int tpr[TPR_MAX];          /* --threads-per-rank settings (default 1) */
    int ntpr;
} hybrid_opts;
PS_BACKEND_FITS(hybrid_opts);

/* The threads of each rank for --threads-per-rank T at W workers: a rank
 * never has more threads than there are workers. */
static int threads_per_rank(int tpr, int workers)
{
    return tpr < workers ? tpr : workers;
}

static int hybrid_check(const ps_ctx *ctx, const ps_config *cfg, ps_err *err)
{
    if (!ctx->mpi)
        return ps_fail(err, "--backend hybrid needs an MPI launch: run parscale "
                       "under mpirun -np N (N >= workers / threads per rank)");
    if (cfg->ranks > ctx->nranks)
        return ps_fail(err, "--backend hybrid: %d workers as ranks of %d thread%s "
                       "(--threads-per-rank) need %d ranks, but mpirun started %d",
                       cfg->workers, cfg->threads, cfg->threads == 1 ? "" : "s",
                       cfg->ranks, ctx->nranks);
    if (!ps_mpi_funneled(ctx))
        return ps_fail(err, "--backend hybrid: the MPI library did not grant "
                       "MPI_THREAD_FUNNELED (MPI_Init_thread), so threads may "
                       "not run beside MPI calls");
    return 0;
}

static int hybrid_run_rep(const ps_ctx *ctx, const ps_config *cfg, ps_rep *rep,
                          ps_err *err)
{
    const ps_kernel *k = cfg->kernel;
    const ps_comm *comm;
    uint64_t lo, hi;
    void *state;
    if (ps_mpi_rank_setup(ctx, cfg, &comm, &lo, &hi, &state, err) != 0)
        return -1;
    /* all ranks start together: the barrier runs after every thread's
     * first touch and before any thread's clock starts; and stop together,
     * so that the slowest rank's span covers the whole repetition */
    const hybrid_opts *ho = (const hybrid_opts *)cfg->opts.bytes;
    ps_omp_team t = {.cfg = cfg, .sched = &ho->sched, .state = state, .lo = lo, .hi = hi,
                     .comm = comm, .start_sync = ps_mpi_barrier, .end_sync = ps_mpi_end_barrier};
    int status = ps_omp_team_run(&t, err);
    /* every rank must reach the collectives below, or the others hang */
    if (!ps_mpi_all_ok_comm(comm, status == 0)) {
        if (status == 0)
            status = ps_fail(err, "another rank's OpenMP team failed");
    } else {
        ps_acc acc;
        ps_acc_reduce(k, &acc, t.accs, cfg->threads);  /* thread order */
        status = ps_mpi_finish(comm, cfg, state, &acc, t.seconds, rep, err);
        if (status == 0)
            status = ps_mpi_gather_cpus(comm, t.cpus, cfg->threads, &t.dist, rep, err);
    }
    ps_omp_team_free(&t);
    k->destroy(state);
    return status;
}

static const ps_option_row hybrid_options[] = {PS_HYBRID_OPTIONS, PS_OPTION_ROWS_END};

static void hybrid_opts_default(void *opts)
{
    hybrid_opts *h = opts;
    h->tpr[0] = 1;
    h->ntpr = 1;
}

static int hybrid_opt_parse(void *opts, int target, const char *arg, ps_err *err)
{
    hybrid_opts *h = opts;
    int rc = ps_omp_sched_parse(&h->sched, target, arg, err);
    if (rc <= 0)
        return rc;
    if (target != PS_HYBRID_TPR)
        return ps_fail(err, "internal: hybrid option %d has no case", target);
    char copy[256], *items[TPR_MAX];
    if (snprintf(copy, sizeof copy, "%s", arg) >= (int)sizeof copy)  /* a cut list lies */
        return ps_fail(err, "--threads-per-rank: the list is too long");
    int n = ps_split_list(copy, items, TPR_MAX);
    if (n < 0)
        return ps_fail(err, "--threads-per-rank: an empty item, or more than %d", TPR_MAX);
    for (int i = 0; i < n; i++) {
        uint64_t v;
        if (ps_parse_count(items[i], &v) != 0 || v > 4096)
            return ps_fail(err, "--threads-per-rank: '%s' is not a count from 1 to 4096",
                           items[i]);
        h->tpr[i] = (int)v;
    }
    h->ntpr = n;
    return 0;
}

/* Every worker count W must split into whole ranks of min(T, W) threads.
 * (--threads-per-rank without hybrid is refused before this, by the rule
 * for every backend's options.) */
static int hybrid_opts_check(const void *opts, int selected, const int *workers,
                             int nworkers, ps_err *err)
{
    const hybrid_opts *h = opts;
    for (int i = 0; selected && i < nworkers; i++)
        for (int j = 0; j < h->ntpr; j++) {
            int t = threads_per_rank(h->tpr[j], workers[i]);
            if (workers[i] % t != 0)
                return ps_fail(err, "--backend hybrid: %d workers is not a whole number "
                               "of ranks of %d threads (--threads-per-rank); use "
                               "worker counts that are multiples of %d",
                               workers[i], t, t);
        }
    return 0;
}

/* One configuration per threads-per-rank setting. */
static int hybrid_variants(const void *opts, int workers)
{
    (void)workers;
    return ((const hybrid_opts *)opts)->ntpr;
}

static void hybrid_configure(ps_config *cfg, int variant)
{
    const hybrid_opts *h = (const hybrid_opts *)cfg->opts.bytes;
    cfg->threads = threads_per_rank(h->tpr[variant], cfg->workers);
    cfg->ranks = cfg->workers / cfg->threads;
}

static void hybrid_row(ps_csv_row *row, const ps_config *cfg, const ps_rep *rep, int ran)
{
    (void)rep, (void)ran;
    ps_omp_sched_row(row, &((const hybrid_opts *)cfg->opts.bytes)->sched);
}

const ps_backend ps_backend_hybrid = {
    .name = "hybrid",
    .summary = "MPI ranks x OpenMP threads per rank (--threads-per-rank), as clusters run",
    .flags = PS_BACKEND_USES_MPI | PS_BACKEND_THREADS | PS_BACKEND_OPENMP,
    .options = hybrid_options,
    .opts_default = hybrid_opts_default,
    .opt_parse = hybrid_opt_parse,
    .opts_check = hybrid_opts_check,
    .variants = hybrid_variants,
    .configure = hybrid_configure,
    .check = hybrid_check,
    .run = hybrid_run_rep,
    .row = hybrid_row,
};
