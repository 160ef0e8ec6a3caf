/* mpi_env.c -- see mpi_env.h.  Every MPI call of the harness: start and
 * stop, sub-communicators, idle waits, gathers and agreement across ranks,
 * and the kernels' comm over MPI. */
#define _POSIX_C_SOURCE 200809L
#include "mpi_env.h"
#include "plan_agree.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_common.h"
#include "hosts.h"
#include "placement.h"
#include "timer.h"

#define PS_MAX_COUNTS 64

typedef struct mpi_comm_impl {
    MPI_Comm comm;
    int *counts, *displs, *counts2, *displs2;  /* int copies for MPI */
} mpi_comm_impl;

struct ps_mpi {
    int thread_level;  /* what MPI_Init_thread granted */
    int nsub;
    int sizes[PS_MAX_COUNTS];
    ps_comm comms[PS_MAX_COUNTS];
    mpi_comm_impl impls[PS_MAX_COUNTS];
};

/* Turns an MPI return code into a message naming the call and the place. */
static int mpi_fail(ps_err *err, int rc, const char *call, const char *file, int line)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS)
        snprintf(text, sizeof text, "error code %d", rc);
    return ps_fail(err, "%s failed: %s (%s:%d)", call, text, file, line);
}
#define MPI_TRY(err, call, args)                                          \
    do {                                                                  \
        int rc_ = call args;                                              \
        if (rc_ != MPI_SUCCESS)                                           \
            return mpi_fail((err), rc_, #call, __FILE__, __LINE__);       \
    } while (0)

int ps_mpi_start(ps_ctx *ctx, int *argc, char ***argv, ps_err *err)
{
    /* funneled: the hybrid backend's OpenMP threads compute while the
     * primary thread alone calls MPI */
    int level = MPI_THREAD_SINGLE;
    MPI_TRY(err, MPI_Init_thread, (argc, argv, MPI_THREAD_FUNNELED, &level));
    /* report errors as codes, so that every failure can name its call */
    MPI_TRY(err, MPI_Comm_set_errhandler, (MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_TRY(err, MPI_Comm_rank, (MPI_COMM_WORLD, &ctx->rank));
    MPI_TRY(err, MPI_Comm_size, (MPI_COMM_WORLD, &ctx->nranks));
    ctx->mpi = calloc(1, sizeof *ctx->mpi);
    if (!ctx->mpi)
        return ps_fail(err, "out of memory");
    ctx->mpi->thread_level = level;
    return 0;
}

void ps_mpi_stop(ps_ctx *ctx)
{
    if (!ctx->mpi)
        return;
    for (int i = 0; i < ctx->mpi->nsub; i++) {
        mpi_comm_impl *im = &ctx->mpi->impls[i];
        if (im->comm != MPI_COMM_NULL)
            MPI_Comm_free(&im->comm);
        free(im->counts);
        free(im->displs);
        free(im->counts2);
        free(im->displs2);
    }
    free(ctx->mpi);
    ctx->mpi = NULL;
    MPI_Finalize();
}

void ps_mpi_abort(const ps_ctx *ctx, int code)
{
    (void)ctx;
    MPI_Abort(MPI_COMM_WORLD, code);
}

void ps_mpi_library_version(char *buf, size_t len)
{
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int n = 0;
    if (MPI_Get_library_version(v, &n) != MPI_SUCCESS) {
        snprintf(buf, len, "unknown");
        return;
    }
    char *nl = strpbrk(v, "\r\n,");  /* the first line is enough */
    if (nl)
        *nl = '\0';
    snprintf(buf, len, "%s", v);
}

/* ---- the kernels' comm over MPI ----------------------------------------- */

static int to_int_array(int *dst, const size_t *src, int n)
{
    for (int i = 0; i < n; i++) {
        if (src[i] > (size_t)0x7fffffff)
            return -1;
        dst[i] = (int)src[i];
    }
    return 0;
}

static int comm_allgatherv(const ps_comm *c, const void *send, size_t send_bytes,
                           void *recv, const size_t *counts, const size_t *displs)
{
    mpi_comm_impl *im = c->impl;
    if (to_int_array(im->counts, counts, c->size) || to_int_array(im->displs, displs, c->size))
        return -1;
    return MPI_Allgatherv(send, (int)send_bytes, MPI_BYTE, recv, im->counts,
                          im->displs, MPI_BYTE, im->comm) == MPI_SUCCESS ? 0 : -1;
}

static int comm_sendrecv(const ps_comm *c, const void *send, size_t send_bytes,
                         int dest, void *recv, size_t recv_bytes, int src)
{
    mpi_comm_impl *im = c->impl;
    return MPI_Sendrecv(send, (int)send_bytes, MPI_BYTE,
                        dest < 0 ? MPI_PROC_NULL : dest, 0,
                        recv, (int)recv_bytes, MPI_BYTE,
                        src < 0 ? MPI_PROC_NULL : src, 0,
                        im->comm, MPI_STATUS_IGNORE) == MPI_SUCCESS ? 0 : -1;
}

static int comm_alltoallv(const ps_comm *c, const void *send,
                          const size_t *send_counts, const size_t *send_displs,
                          void *recv, const size_t *recv_counts,
                          const size_t *recv_displs)
{
    mpi_comm_impl *im = c->impl;
    if (to_int_array(im->counts, send_counts, c->size) ||
        to_int_array(im->displs, send_displs, c->size) ||
        to_int_array(im->counts2, recv_counts, c->size) ||
        to_int_array(im->displs2, recv_displs, c->size))
        return -1;
    return MPI_Alltoallv(send, im->counts, im->displs, MPI_BYTE, recv,
                         im->counts2, im->displs2, MPI_BYTE,
                         im->comm) == MPI_SUCCESS ? 0 : -1;
}

int ps_mpi_prepare(ps_ctx *ctx, int w, ps_err *err)
{
    ps_mpi *m = ctx->mpi;
    for (int j = 0; j < m->nsub; j++)
        if (m->sizes[j] == w)
            return 0;
    if (m->nsub == PS_MAX_COUNTS)
        return ps_fail(err, "more than %d different rank counts", PS_MAX_COUNTS);
    mpi_comm_impl *im = &m->impls[m->nsub];
    im->comm = MPI_COMM_NULL;
    MPI_TRY(err, MPI_Comm_split, (MPI_COMM_WORLD, ctx->rank < w ? 0 : MPI_UNDEFINED,
                                  ctx->rank, &im->comm));
    ps_comm *c = &m->comms[m->nsub];
    memset(c, 0, sizeof *c);
    if (im->comm != MPI_COMM_NULL) {
        MPI_TRY(err, MPI_Comm_set_errhandler, (im->comm, MPI_ERRORS_RETURN));
        MPI_TRY(err, MPI_Comm_rank, (im->comm, &c->rank));
        MPI_TRY(err, MPI_Comm_size, (im->comm, &c->size));
        im->counts = calloc((size_t)w, sizeof(int));
        im->displs = calloc((size_t)w, sizeof(int));
        im->counts2 = calloc((size_t)w, sizeof(int));
        im->displs2 = calloc((size_t)w, sizeof(int));
        if (!im->counts || !im->displs || !im->counts2 || !im->displs2)
            return ps_fail(err, "out of memory");
        c->impl = im;
        c->allgatherv = comm_allgatherv;
        c->sendrecv = comm_sendrecv;
        c->alltoallv = comm_alltoallv;
    }
    m->sizes[m->nsub++] = w;
    return 0;
}

const ps_comm *ps_mpi_comm(const ps_ctx *ctx, int ranks)
{
    const ps_mpi *m = ctx->mpi;
    if (!m)
        return NULL;
    for (int i = 0; i < m->nsub; i++)
        if (m->sizes[i] == ranks)
            return m->impls[i].comm != MPI_COMM_NULL ? &m->comms[i] : NULL;
    return NULL;
}

int ps_mpi_barrier(const ps_comm *comm, ps_err *err)
{
    const mpi_comm_impl *im = comm->impl;
    MPI_TRY(err, MPI_Barrier, (im->comm));
    return 0;
}

int ps_mpi_end_barrier(const ps_comm *comm, ps_err *err)
{
    const mpi_comm_impl *im = comm->impl;
    MPI_Request req;
    MPI_TRY(err, MPI_Ibarrier, (im->comm, &req));
    /* Ranks that share no CPU finish within microseconds of each other:
     * polling catches that.  A rank that waits longer has a CPU another
     * rank may need (more ranks than cores), so it sleeps 20 us between
     * tests instead of spinning in MPI_Barrier, which took the CPU from
     * the ranks still working and made 2 ranks on one CPU measure 0.63x
     * seq; the naps cost a repetition at most a few of them. */
    const double spin_until = ps_now() + 50e-6;
    for (;;) {
        int done = 0;
        MPI_TRY(err, MPI_Test, (&req, &done, MPI_STATUS_IGNORE));
        if (done)
            return 0;
        if (ps_now() > spin_until)
            ps_sleep_ns(20000);
    }
}

/* How long an idle rank sleeps before its first test when the wait is
 * expected to last `expect` seconds, its first nap between tests after
 * that, and the longest nap the naps double up to. */
static void idle_naps(double expect, uint64_t *first, uint64_t *step, uint64_t *cap)
{
    *first = 0;
    *step = 50000;
    *cap = 3200000;
    if (expect <= 0.0)
        return;
    /* a little more than the expected time in one sleep, so that the
     * wake-ups fall after the repetition rather than inside it (each one
     * preempts a measured worker: 15-20 of them, at 85% of the time and
     * then a 32nd apart, cost 2% of a 5 ms omp repetition at 2 workers and
     * marked 12 of 30 disturbed); a repetition that ends sooner costs only
     * the wall time until the next test, outside every timed region.
     * Then tests from expect/16 apart, doubling up to expect/4 (at least
     * 3.2 ms, at most 20 ms): a wait that runs long costs a few more
     * wake-ups, not dozens */
    *first = (uint64_t)(1.05 * expect * 1e9);
    double s = expect / 16.0 * 1e9, c = expect / 4.0 * 1e9;
    *step = s < 50000.0 ? 50000 : s > 20e6 ? 20000000 : (uint64_t)s;
    *cap = c < 3.2e6 ? 3200000 : c > 20e6 ? 20000000 : (uint64_t)c;
}

int ps_mpi_idle_sync(const ps_ctx *ctx, int ok, double expect, double *next, ps_err *err)
{
    if (!ctx->mpi || ctx->nranks == 1)
        return ok ? 0 : 1;
    /* [a failure anywhere, rank 0's estimate of the next wait], by MAX */
    double mine[2] = {ok ? 0.0 : 1.0, next && ctx->rank == 0 ? *next : 0.0}, all[2] = {0, 0};
    MPI_Request req;
    MPI_TRY(err, MPI_Iallreduce, (mine, all, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD, &req));
    /* Without an estimate, back off from 50 us to about 3 ms: short waits
     * end soon, and a rank idle through a long measurement wakes a few
     * hundred times a second (a few microseconds each) instead of
     * preempting a measured worker many thousand times.  The cap is also
     * what every configuration may wait after its end for the collective
     * to complete (its progress needs the sleepers' MPI_Test).  With one,
     * the rank sleeps through most of the wait at once and then tests
     * from a 32nd of it on, so a long repetition costs it a handful of
     * wake-ups, not hundreds. */
    uint64_t nap, step, cap;
    idle_naps(expect, &nap, &step, &cap);
    if (nap)
        ps_sleep_ns(nap);
    nap = step;
    for (;;) {
        int done = 0;
        MPI_TRY(err, MPI_Test, (&req, &done, MPI_STATUS_IGNORE));
        if (done) {
            if (next)
                *next = all[1];
            return all[0] == 0.0 ? 0 : 1;
        }
        ps_sleep_ns(nap);
        if (nap < cap)
            nap = nap * 2 < cap ? nap * 2 : cap;
    }
}

int ps_mpi_idle_all_ok(const ps_ctx *ctx, int ok, ps_err *err)
{
    return ps_mpi_idle_sync(ctx, ok, 0.0, NULL, err);
}

/* ps_mpi_idle_all_ok over an allocation of ok on this rank, err already
 * naming the call if it failed here: 1 on every rank if it failed on any. */
static int alloc_agreed(const ps_ctx *ctx, int ok, ps_err *err)
{
    int sync = ps_mpi_idle_all_ok(ctx, ok, err);
    if (sync > 0 && ok)
        ps_fail(err, "calloc failed on another rank while gathering the ranks' hosts");
    return sync;
}

int ps_mpi_gather_hosts(const ps_ctx *ctx, const ps_host *mine, ps_hosts *out,
                        ps_err *err)
{
    /* Every rank takes part in every collective here, whatever failed on
     * it: an allocation that failed on one rank is agreed on at a sync
     * before the next collective, and every rank returns 1, instead of
     * one leaving while the others wait for it in the Allgather (or in
     * the caller's next collective) forever. */
    ps_host *all = calloc((size_t)ctx->nranks, sizeof *all);
    if (!all)
        PS_FAIL_SYS(err, "calloc");
    int sync = alloc_agreed(ctx, all != NULL, err);
    if (sync != 0) {
        free(all);
        return sync;
    }
    int rc = MPI_Allgather(mine, (int)sizeof *mine, MPI_BYTE, all, (int)sizeof *mine,
                           MPI_BYTE, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) {
        free(all);
        return mpi_fail(err, rc, "MPI_Allgather", __FILE__, __LINE__);
    }
    int built = ps_hosts_build(out, all, ctx->nranks, err) == 0;
    free(all);
    sync = alloc_agreed(ctx, built, err);
    if (sync != 0 && built)
        ps_hosts_free(out);
    return sync;
}

int ps_mpi_bcast(const ps_ctx *ctx, void *buf, size_t len, ps_err *err)
{
    if (!ctx->mpi)
        return 0;
    MPI_TRY(err, MPI_Bcast, (buf, (int)len, MPI_BYTE, 0, MPI_COMM_WORLD));
    return 0;
}

int ps_mpi_agree(const ps_ctx *ctx, int ok, const ps_opts_digest *d, ps_err *err)
{
    if (!ctx->mpi)
        return ok ? 0 : 2;
    /* one MIN over: all ok, the lowest rank that is not, the digest's
     * length, then each hash and its complement (min of ~h is ~max h) */
    enum { N = 4 + 2 * PS_DIGEST_MAX };
    uint64_t mine[N], low[N];
    memset(mine, 0, sizeof mine);
    mine[0] = ok ? 1 : 0;
    mine[1] = ok ? UINT64_MAX : (uint64_t)ctx->rank;
    mine[2] = (uint64_t)d->n;
    mine[3] = ~(uint64_t)d->n;
    for (int i = 0; i < d->n; i++) {
        mine[4 + 2 * i] = d->h[i];
        mine[5 + 2 * i] = ~d->h[i];
    }
    ps_err theirs = {""};
    MPI_TRY(err, MPI_Allreduce, (mine, low, N, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD));
    if (low[0] == 0) {  /* the first rank that refused says why, through rank 0 */
        int r = (int)low[1];
        if (ctx->rank == r)
            theirs = *err;
        MPI_TRY(err, MPI_Bcast, (theirs.msg, (int)sizeof theirs.msg, MPI_CHAR, r,
                                 MPI_COMM_WORLD));
        theirs.msg[sizeof theirs.msg - 1] = '\0';
        if (r == 0)
            return 2;
        ps_fail(err, "rank %d: %s", r, theirs.msg);
        return 2;
    }
    if (low[2] != ~low[3])
        return ps_fail(err, "run: the ranks run different builds of parscale (their "
                       "option tables differ)"), 2;
    for (int i = 0; i < d->n; i++) {
        if (low[4 + 2 * i] != ~low[5 + 2 * i]) {
            char name[64];
            ps_opts_digest_name(i, name, sizeof name);
            ps_fail(err, "run: the ranks were given different plans: %s differs between "
                    "ranks (every rank of a launch must be given the same options)", name);
            return 2;
        }
    }
    return 0;
}

/* Logical AND of ok over comm; 0 when the call itself fails. */
static int all_ok(MPI_Comm comm, int ok)
{
    int all = 0;
    if (MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, comm) != MPI_SUCCESS)
        return 0;
    return all;
}

int ps_mpi_all_ok(const ps_ctx *ctx, int ok)
{
    return ctx->mpi ? all_ok(MPI_COMM_WORLD, ok) : ok;
}

typedef struct verdict {
    int verified;
    char error[200];
} verdict;

int ps_mpi_finish(const ps_comm *comm, const ps_config *cfg, void *state,
                  const ps_acc *acc, double elapsed, ps_rep *rep, ps_err *err)
{
    const ps_kernel *k = cfg->kernel;
    const mpi_comm_impl *im = comm->impl;
    const int n = comm->size, me = comm->rank;
    double slowest = 0.0;
    MPI_TRY(err, MPI_Reduce, (&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, im->comm));

    /* gather partials and reduce them in rank order, the same on every run */
    ps_acc *all = me == 0 ? calloc((size_t)n, sizeof *all) : NULL;
    if (me == 0 && !all)
        return ps_fail(err, "out of memory");
    MPI_TRY(err, MPI_Gather, (acc->v, PS_ACC_SLOTS, MPI_DOUBLE,
                              all ? all[0].v : NULL, PS_ACC_SLOTS, MPI_DOUBLE, 0, im->comm));
    ps_acc total = {{0}};
    if (me == 0) {
        ps_acc_reduce(k, &total, all, n);
        free(all);
    }
    MPI_TRY(err, MPI_Bcast, (total.v, PS_ACC_SLOTS, MPI_DOUBLE, 0, im->comm));

    verdict mine = {0, ""};
    mine.verified = k->verify(state, &total, mine.error, sizeof mine.error);
    verdict *v = me == 0 ? calloc((size_t)n, sizeof *v) : NULL;
    if (me == 0 && !v)
        return ps_fail(err, "out of memory");
    MPI_TRY(err, MPI_Gather, (&mine, (int)sizeof mine, MPI_BYTE, v,
                              (int)sizeof mine, MPI_BYTE, 0, im->comm));
    if (me == 0) {
        rep->seconds = slowest;
        rep->total = total;
        rep->verified = 1;
        for (int i = 0; i < n && rep->verified; i++) {
            if (!v[i].verified) {
                rep->verified = 0;
                snprintf(rep->error, sizeof rep->error, "rank %d: %s", i,
                         v[i].error[0] ? v[i].error : "verification failed");
            }
        }
        free(v);
    }
    return 0;
}

int ps_mpi_all_ok_comm(const ps_comm *comm, int ok)
{
    const mpi_comm_impl *im = comm->impl;
    return all_ok(im->comm, ok);
}

int ps_mpi_funneled(const ps_ctx *ctx)
{
    return ctx->mpi && ctx->mpi->thread_level >= MPI_THREAD_FUNNELED;
}

#define PS_PLACE_MAX 64  /* threads per rank whose CPU is recorded */

/* One rank's placement as gathered: fixed size, so one MPI_Gather. */
typedef struct rank_place {
    char host[64];
    int n;
    int cpu[PS_PLACE_MAX];
    ps_disturb dist;
} rank_place;

int ps_mpi_gather_cpus(const ps_comm *comm, const int *cpus, int n, const ps_disturb *dist,
                       ps_rep *rep, ps_err *err)
{
    const mpi_comm_impl *im = comm->impl;
    rank_place mine;
    memset(&mine, 0, sizeof mine);
    if (gethostname(mine.host, sizeof mine.host - 1) != 0)
        snprintf(mine.host, sizeof mine.host, "?");
    mine.n = n < PS_PLACE_MAX ? n : PS_PLACE_MAX;
    memcpy(mine.cpu, cpus, (size_t)mine.n * sizeof *cpus);
    mine.dist = *dist;
    const int size = comm->size;
    rank_place *all = comm->rank == 0 ? calloc((size_t)size, sizeof *all) : NULL;
    if (comm->rank == 0 && !all)
        return ps_fail(err, "out of memory");
    MPI_TRY(err, MPI_Gather, (&mine, (int)sizeof mine, MPI_BYTE, all,
                              (int)sizeof mine, MPI_BYTE, 0, im->comm));
    if (comm->rank != 0)
        return 0;
    /* flatten: worker i of rank r at r * per + i; a host is its first rank */
    const int per = all[0].n;
    int *flat = calloc((size_t)size * (size_t)(per ? per : 1), sizeof *flat);
    int *host = calloc((size_t)size * (size_t)(per ? per : 1), sizeof *host);
    if (!flat || !host) {
        free(flat);
        free(host);
        free(all);
        return ps_fail(err, "out of memory");
    }
    for (int r = 0; r < size; r++) {
        int h = r;
        for (int q = 0; q < r; q++)
            if (strcmp(all[q].host, all[r].host) == 0) {
                h = q;
                break;
            }
        for (int i = 0; i < per; i++) {
            flat[r * per + i] = i < all[r].n ? all[r].cpu[i] : -1;
            host[r * per + i] = h;
        }
    }
    ps_cpus_format(rep->cpus, sizeof rep->cpus, flat, size * per, per);
    ps_disturb_init(&rep->dist);
    for (int r = 0; r < size; r++)
        ps_disturb_add(&rep->dist, &all[r].dist);
    rep->cpu_shared = ps_cpus_shared(flat, host, size * per);
    free(flat);
    free(host);
    free(all);
    return 0;
}

int ps_mpi_rank_setup(const ps_ctx *ctx, const ps_config *cfg, const ps_comm **comm,
                      uint64_t *lo, uint64_t *hi, void **state, ps_err *err)
{
    *comm = ps_mpi_comm(ctx, cfg->ranks);
    if (!*comm)
        return ps_fail(err, "rank %d is not in the %d-rank communicator",
                       ctx->rank, cfg->ranks);
    ps_partition(cfg->n, (uint64_t)(*comm)->size, (uint64_t)(*comm)->rank, lo, hi);
    ps_kernel_args a = ps_config_args(cfg, *lo, *hi, *comm);
    if (cfg->kernel->create(state, &a) != 0)
        return PS_FAIL_SYS(err, "kernel create");
    return 0;
}
