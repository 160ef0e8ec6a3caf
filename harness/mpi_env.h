/*
 * mpi_env.h -- MPI as the harness sees it: start and stop, the world, one
 * sub-communicator per measured rank count, an idle wait that leaves the
 * cores to the ranks that work, and the kernels' ps_comm over MPI.
 *
 * Code that is not MPI's includes only this header; without MPI in the
 * build every call is a stub for a world of one process.
 */
#ifndef PS_MPI_ENV_H
#define PS_MPI_ENV_H

#include <stddef.h>

#include "backend.h"

struct ps_host;   /* hosts.h */
struct ps_opts_digest;  /* plan_agree.h */
struct ps_hosts;

#ifdef PARSCALE_HAVE_MPI
/* MPI_Init; fills ctx->rank, nranks, mpi.  Errors name the MPI call. */
int ps_mpi_start(ps_ctx *ctx, int *argc, char ***argv, ps_err *err);
void ps_mpi_stop(ps_ctx *ctx);
/* Creates the sub-communicator of the first w ranks, unless it exists (a
 * collective call on every rank, in the same order). */
int ps_mpi_prepare(ps_ctx *ctx, int w, ps_err *err);
/* A logical AND of ok over the world (a barrier that carries a status) in
 * which waiting ranks sleep instead of spinning, so idle ranks do not
 * steal the cores of the ranks being measured.  Returns 0 when every rank
 * was ok, 1 when some rank was not, -1 when the MPI call failed (err). */
int ps_mpi_idle_all_ok(const ps_ctx *ctx, int ok, ps_err *err);
/* The same, for the wait between repetitions: expect is how long this
 * rank expects to wait (seconds; 0 when unknown, or when it worked in the
 * repetition and only waits for the others to finish), so that an idle
 * rank sleeps through most of it at once instead of waking hundreds of
 * times a second; *next (NULL: none) is, on rank 0, its estimate of the
 * next repetition's length, and on return on every rank rank 0's. */
int ps_mpi_idle_sync(const ps_ctx *ctx, int ok, double expect, double *next, ps_err *err);
/* Every rank's host (MPI_Allgather of each rank's description of its own),
 * so that every rank knows where each rank runs (a collective call).
 * Returns 0; 1 on every rank when an allocation failed on any (err names
 * the call, and says if it failed on another rank); -1 when an MPI call
 * failed (err). */
int ps_mpi_gather_hosts(const ps_ctx *ctx, const struct ps_host *mine,
                        struct ps_hosts *out, ps_err *err);
/* Every rank's verdict on its own options (ok; err when not) and their
 * digest, compared in one MPI_Allreduce; a rank that refused sends its
 * message to the others by one broadcast.  Returns 0 when every rank was
 * ok and given the same options; 2 when not, with err on rank 0 naming the
 * rank and its reason, or the first option that differs; -1 when an MPI
 * call failed (err). */
int ps_mpi_agree(const ps_ctx *ctx, int ok, const struct ps_opts_digest *d, ps_err *err);
/* Rank 0's bytes to every rank. */
int ps_mpi_bcast(const ps_ctx *ctx, void *buf, size_t len, ps_err *err);
/* Logical AND of ok over the world (so every rank agrees to stop). */
int ps_mpi_all_ok(const ps_ctx *ctx, int ok);
void ps_mpi_abort(const ps_ctx *ctx, int code);
/* The library's own version string, e.g. "Open MPI v4.1.4 ...". */
void ps_mpi_library_version(char *buf, size_t len);

/* For the mpi (and hybrid) backend: the kernel comm of the first `ranks`
 * ranks (NULL on ranks outside), and the cross-rank end of a repetition:
 * slowest rank's time, results combined in rank order, verified on every
 * rank, the first failure's reason reported by rank 0. */
const ps_comm *ps_mpi_comm(const ps_ctx *ctx, int ranks);
int ps_mpi_finish(const ps_comm *comm, const ps_config *cfg, void *state,
                  const ps_acc *acc, double elapsed, ps_rep *rep, ps_err *err);
/* The start of a repetition on one rank of the first cfg->ranks: its comm,
 * its share [lo, hi) of the indices, and the kernel created for it. */
int ps_mpi_rank_setup(const ps_ctx *ctx, const ps_config *cfg, const ps_comm **comm,
                      uint64_t *lo, uint64_t *hi, void **state, ps_err *err);
/* MPI_Barrier on a kernel comm, naming the call on failure. */
int ps_mpi_barrier(const ps_comm *comm, ps_err *err);
/* The barrier that ends a timed repetition: polls briefly, then naps
 * between tests, so a rank that finished first leaves the CPU to those
 * still working. */
int ps_mpi_end_barrier(const ps_comm *comm, ps_err *err);
/* Logical AND of ok over the ranks of a kernel comm (0 if the call fails),
 * so that no rank enters a collective the others skip. */
int ps_mpi_all_ok_comm(const ps_comm *comm, int ok);
/* Whether threads may work inside a rank while its primary thread alone
 * calls MPI (MPI_THREAD_FUNNELED or better was granted at start). */
int ps_mpi_funneled(const ps_ctx *ctx);
/* Placement and disturbance across the ranks of comm: each rank gives the
 * CPUs its n threads were on and what disturbed them; rank 0 gets
 * rep->cpus (ranks in order, ';' between them), rep->cpu_shared (workers
 * on a CPU another worker of the same host was on) and rep->dist (every
 * rank's figures combined).  A collective call, outside any timing. */
int ps_mpi_gather_cpus(const ps_comm *comm, const int *cpus, int n, const ps_disturb *dist,
                       ps_rep *rep, ps_err *err);
#else
static inline int ps_mpi_idle_all_ok(const ps_ctx *ctx, int ok, ps_err *err)
{
    (void)ctx, (void)err;
    return ok ? 0 : 1;
}
static inline int ps_mpi_idle_sync(const ps_ctx *ctx, int ok, double expect, double *next,
                                   ps_err *err)
{
    (void)ctx, (void)expect, (void)next, (void)err;
    return ok ? 0 : 1;
}
static inline int ps_mpi_bcast(const ps_ctx *ctx, void *buf, size_t len, ps_err *err)
{
    (void)ctx, (void)buf, (void)len, (void)err;
    return 0;
}
static inline int ps_mpi_all_ok(const ps_ctx *ctx, int ok)
{
    (void)ctx;
    return ok;
}
static inline void ps_mpi_library_version(char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
}
#endif

#endif
