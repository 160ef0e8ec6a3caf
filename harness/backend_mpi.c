/*
 * backend_mpi.c -- processes: ranks of MPI_COMM_WORLD, each owning a part
 * of the data, as Python's multiprocessing gives each process its own
 * interpreter and lock.  One launch of N ranks measures every count up to
 * N on the sub-communicator of the first w ranks (as IMB's -npmin does);
 * the ranks outside it wait in the measuring loop's idle sync (measure.c).
 */
#define _GNU_SOURCE  /* sched_getcpu */
#include <mpi.h>
#include <sched.h>

#include "backend.h"
#include "backend_common.h"
#include "mpi_env.h"
#include "timer.h"

static int mpi_check(const ps_ctx *ctx, const ps_config *cfg, ps_err *err)
{
    if (!ctx->mpi)
        return ps_fail(err, "--backend mpi needs an MPI launch: run parscale "
                       "under mpirun -np N (N >= the largest worker count)");
    if (cfg->ranks > ctx->nranks)
        return ps_fail(err, "--backend mpi with %d workers needs at least %d "
                       "ranks, but mpirun started %d", cfg->ranks, cfg->ranks,
                       ctx->nranks);
    return 0;
}

static int mpi_run_rep(const ps_ctx *ctx, const ps_config *cfg, ps_rep *rep,
                       ps_err *err)
{
    const ps_kernel *k = cfg->kernel;
    const ps_comm *comm;
    uint64_t lo, hi;
    void *state;
    if (ps_mpi_rank_setup(ctx, cfg, &comm, &lo, &hi, &state, err) != 0)
        return -1;
    k->init(state, lo, hi);
    ps_acc acc = {{0}};
    int status = ps_mpi_barrier(comm, err);  /* all ranks start together */
    ps_probe probe;
    ps_probe_begin(&probe);
    double t0 = ps_now();
    for (uint32_t s = 0; s < cfg->steps && status == 0; s++) {
        ps_kernel_span(k, state, lo, hi, &acc, NULL);
        if (k->exchange && k->exchange(state, comm) != 0)
            status = ps_fail(err, "%s: exchange between ranks failed "
                             "(MPI call in the kernel's exchange)", k->name);
    }
    /* and every rank stops the clock once all have finished: a rank's own
     * span would miss the time it waited for a CPU before it started
     * (oversubscribed, 4 ranks on 2 cores measured 3.6x), and the slowest
     * rank's span is then the run's, from the barrier that started it */
    if (status == 0)
        status = ps_mpi_end_barrier(comm, err);
    double elapsed = ps_now() - t0;
    ps_disturb dist;
    ps_probe_end(&probe, &dist);
    int cpu = sched_getcpu();  /* placement, after the clock stopped */
    if (status == 0)
        status = ps_mpi_finish(comm, cfg, state, &acc, elapsed, rep, err);
    if (status == 0)
        status = ps_mpi_gather_cpus(comm, &cpu, 1, &dist, rep, err);
    k->destroy(state);
    return status;
}

const ps_backend ps_backend_mpi = {
    .name = "mpi",
    .summary = "MPI ranks, each owning a part of the data (processes, like multiprocessing)",
    .flags = PS_BACKEND_USES_MPI,
    .check = mpi_check,
    .run = mpi_run_rep,
};
