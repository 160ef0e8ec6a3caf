/*
 * backend_omp.c -- real threads: an OpenMP parallel region over the range.
 *
 * The range is cut into chunks handed out by the chosen schedule: with
 * static, one contiguous block per thread (the same split init() first
 * touched); with dynamic or guided, chunks of --chunk indices.
 */
#include <omp.h>
#include <stdlib.h>

#include "backend.h"
#include "timer.h"

static int omp_run_rep(const ps_ctx *ctx, const ps_config *cfg, ps_rep *rep,
                       ps_err *err)
{
    (void)ctx;
    const ps_kernel *k = cfg->kernel;
    const int nt = cfg->threads;
    const uint64_t n = cfg->n;
    ps_comm comm;
    ps_comm_local(&comm);
    ps_kernel_args a = {.n = n, .order = cfg->order, .lo = 0, .hi = n,
                        .steps = cfg->steps, .comm = &comm};
    void *state;
    if (k->create(&state, &a) != 0)
        return PS_FAIL_SYS(err, "kernel create");

    uint64_t chunk = cfg->chunk;
    if (cfg->schedule == PS_SCHED_STATIC)
        chunk = (n + (uint64_t)nt - 1) / (uint64_t)nt;
    else if (chunk == 0)
        chunk = n / (64u * (uint64_t)nt) ? n / (64u * (uint64_t)nt) : 1;
    const long nchunks = (long)((n + chunk - 1) / chunk);
    omp_sched_t kind = cfg->schedule == PS_SCHED_DYNAMIC ? omp_sched_dynamic
                     : cfg->schedule == PS_SCHED_GUIDED  ? omp_sched_guided
                                                         : omp_sched_static;
    omp_set_schedule(kind, 1);  /* our chunks already have the right size */

    ps_acc *accs = calloc((size_t)nt, sizeof *accs);
    double *start = calloc((size_t)nt, sizeof *start);
    double *end = calloc((size_t)nt, sizeof *end);
    if (!accs || !start || !end) {
        free(accs);
        free(start);
        free(end);
        k->destroy(state);
        return ps_fail(err, "out of memory for %d omp threads", nt);
    }
    int exchange_failed = 0, got_threads = nt;

#pragma omp parallel num_threads(nt)
    {
        const int tid = omp_get_thread_num();
#pragma omp single
        got_threads = omp_get_num_threads();
        uint64_t lo, hi;
        ps_partition(n, (uint64_t)nt, (uint64_t)tid, &lo, &hi);
        k->init(state, lo, hi);  /* first touch */
        ps_acc acc = {{0}};
#pragma omp barrier
        start[tid] = ps_now();
        for (uint32_t s = 0; s < cfg->steps; s++) {
#pragma omp for schedule(runtime)
            for (long c = 0; c < nchunks; c++) {
                uint64_t clo = (uint64_t)c * chunk;
                uint64_t chi = clo + chunk < n ? clo + chunk : n;
                k->run(state, clo, chi, &acc);
            }
            /* the implied barrier above ends the step for every thread */
            if (k->exchange) {
#pragma omp single
                if (k->exchange(state, &comm) != 0)
                    exchange_failed = 1;
            }
        }
        end[tid] = ps_now();
        accs[tid] = acc;
    }

    int status = 0;
    if (got_threads != nt) {
        status = ps_fail(err, "OpenMP gave %d threads instead of %d "
                         "(OMP_THREAD_LIMIT or OMP_DYNAMIC?)", got_threads, nt);
    } else if (exchange_failed) {
        status = ps_fail(err, "%s: exchange failed", k->name);
    } else {
        rep->seconds = ps_span(start, end, nt);
        ps_finish_local(cfg, state, accs, nt, rep);
    }
    free(accs);
    free(start);
    free(end);
    k->destroy(state);
    return status;
}

const ps_backend ps_backend_omp = {
    .name = "omp",
    .summary = "OpenMP threads over the same range (real threads, no global lock)",
    .flags = PS_BACKEND_THREADS,
    .run = omp_run_rep,
};
