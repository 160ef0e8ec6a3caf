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
#include "backend.h"
#include "mpi_env.h"
#include "omp_team.h"

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
     * first touch and before any thread's clock starts */
    ps_omp_team t = {.cfg = cfg, .state = state, .lo = lo, .hi = hi, .comm = comm,
                     .start_sync = ps_mpi_barrier};
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
            status = ps_mpi_gather_cpus(comm, t.cpus, cfg->threads, rep, err);
    }
    ps_omp_team_free(&t);
    k->destroy(state);
    return status;
}

const ps_backend ps_backend_hybrid = {
    .name = "hybrid",
    .summary = "MPI ranks x OpenMP threads per rank (--threads-per-rank), as clusters run",
    .flags = PS_BACKEND_USES_MPI | PS_BACKEND_THREADS,
    .check = hybrid_check,
    .run = hybrid_run_rep,
};
