/*
 * refbench.c -- two of parscale's kernels against the references issue 5
 * names, side by side in one run, interleaved (A B A B ...) so that drift
 * of a shared machine hits both alike:
 *
 *   dgemm  on one thread  against OpenBLAS's cblas_dgemm, n = 1024;
 *   stream on 2 threads   against a plain OpenMP triad loop at -O3,
 *                         driven as the omp backend drives it (each
 *                         thread its static block, first-touched by it).
 *
 * Prints the medians and the ratios.  A benchmark, not a test: the numbers
 * depend on the machine.  Usage: parscale_refbench [reps]
 */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel.h"

/* OpenBLAS extensions, declared here so any cblas.h will do. */
void openblas_set_num_threads(int n);
char *openblas_get_corename(void);

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* A one-process comm: copies only (the kernels here never call it). */
static int local_allgatherv(const ps_comm *c, const void *send, size_t send_bytes,
                            void *recv, const size_t *counts, const size_t *displs)
{
    (void)c, (void)counts;
    memcpy((char *)recv + displs[0], send, send_bytes);
    return 0;
}

static int local_sendrecv(const ps_comm *c, const void *send, size_t send_bytes,
                          int dest, void *recv, size_t recv_bytes, int src)
{
    (void)c, (void)send, (void)send_bytes, (void)dest, (void)recv, (void)recv_bytes, (void)src;
    return 0;
}

static int local_alltoallv(const ps_comm *c, const void *send, const size_t *sc,
                           const size_t *sd, void *recv, const size_t *rc,
                           const size_t *rd)
{
    (void)c, (void)rc;
    memcpy((char *)recv + rd[0], (const char *)send + sd[0], sc[0]);
    return 0;
}

static const ps_comm local_comm = {0, 1, NULL, local_allgatherv, local_sendrecv,
                                   local_alltoallv};

/* ---- dgemm against cblas_dgemm ---------------------------------------- */

/* Our kernel, one thread, one pass over all rows: seconds. */
static double time_kernel_dgemm(const ps_kernel *k, void *state, uint64_t n)
{
    ps_acc acc = {{0}};
    double t0 = now();
    k->run(state, 0, n, &acc);
    return now() - t0;
}

static int bench_dgemm(int reps)
{
    const uint64_t n = 1024;
    const ps_kernel *k = ps_kernel_find("dgemm");
    ps_kernel_args args = {.n = n, .order = n, .lo = 0, .hi = n, .steps = 1,
                           .comm = &local_comm};
    void *state;
    if (!k || k->create(&state, &args) != 0)
        return fprintf(stderr, "refbench: cannot set up the dgemm kernel\n"), 1;
    k->init(state, 0, n);

    size_t nn = (size_t)(n * n);
    double *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b),
           *c = calloc(nn, sizeof *c);
    if (!a || !b || !c)
        return fprintf(stderr, "refbench: out of memory\n"), 1;
    for (size_t i = 0; i < nn; i++) {
        a[i] = (double)(i % 17) - 8.0;
        b[i] = (double)(i % 13) - 6.0;
    }
    openblas_set_num_threads(1);

    double *ours = malloc((size_t)reps * sizeof *ours), *ref = malloc((size_t)reps * sizeof *ref);
    time_kernel_dgemm(k, state, n);  /* warm-up, not recorded */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n,
                1.0, a, (int)n, b, (int)n, 1.0, c, (int)n);
    for (int r = 0; r < reps; r++) {
        ours[r] = time_kernel_dgemm(k, state, n);
        double t0 = now();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n,
                    1.0, a, (int)n, b, (int)n, 1.0, c, (int)n);
        ref[r] = now() - t0;
    }
    double flops = 2.0 * (double)n * (double)n * (double)n;
    double g_ours = flops / median(ours, reps) * 1e-9, g_ref = flops / median(ref, reps) * 1e-9;
    printf("dgemm   n=%llu, 1 thread, %d reps, median:\n",
           (unsigned long long)n, reps);
    printf("  parscale dgemm kernel   %8.2f GFLOP/s\n", g_ours);
    printf("  OpenBLAS cblas_dgemm    %8.2f GFLOP/s   (core: %s)\n", g_ref,
           openblas_get_corename());
    printf("  ratio                   %8.3f   (issue 5 asks >= 0.50)\n", g_ours / g_ref);
    k->destroy(state);
    free(a), free(b), free(c), free(ours), free(ref);
    return 0;
}

/* ---- stream under OpenMP against a plain triad loop --------------------- */

/* The kernel as the omp backend drives it: each thread its static block,
 * init (first touch) by the same thread, one exchange per step. */
static double time_kernel_stream(const ps_kernel *k, void *state, uint64_t n,
                                 uint32_t steps, int threads)
{
    double t = 0.0;
#pragma omp parallel num_threads(threads)
    {
        uint64_t lo, hi;
        ps_partition(n, (uint64_t)omp_get_num_threads(), (uint64_t)omp_get_thread_num(),
                     &lo, &hi);
        ps_acc acc = {{0}};
#pragma omp barrier
#pragma omp master
        t = now();
        for (uint32_t s = 0; s < steps; s++) {
            k->run(state, lo, hi, &acc);
#pragma omp barrier
#pragma omp master
            k->exchange(state, &local_comm);
#pragma omp barrier
        }
#pragma omp master
        t = now() - t;
    }
    return t;
}

/* The reference: the loop anyone would write, compiled at -O3. */
static double time_plain_triad(double *restrict a, const double *restrict b,
                               const double *restrict c, long n, uint32_t steps,
                               int threads)
{
    double t0 = now();
    for (uint32_t s = 0; s < steps; s++) {
        const double q = 3.0;
#pragma omp parallel for schedule(static) num_threads(threads)
        for (long i = 0; i < n; i++)
            a[i] = b[i] + q * c[i];
    }
    return now() - t0;
}

static int bench_stream(int reps)
{
    const ps_kernel *k = ps_kernel_find("stream");
    const uint64_t n = k ? k->sizes[PS_SIZE_QUICK] : 0;
    const uint32_t steps = 20;
    const int threads = 2;
    ps_kernel_args args = {.n = n, .order = n, .lo = 0, .hi = n, .steps = steps,
                           .comm = &local_comm};
    double *ours = malloc((size_t)reps * sizeof *ours), *ref = malloc((size_t)reps * sizeof *ref);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    if (!k || !ours || !ref || !a || !b || !c)
        return fprintf(stderr, "refbench: cannot set up stream\n"), 1;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long i = 0; i < (long)n; i++) {
        a[i] = 0.0;
        b[i] = (double)(i % 1021);
        c[i] = (double)(i % 7 + 1);
    }
    for (int r = -1; r < reps; r++) {  /* r = -1: warm-up */
        void *state;
        if (k->create(&state, &args) != 0)
            return fprintf(stderr, "refbench: stream create failed\n"), 1;
#pragma omp parallel num_threads(threads)
        {
            uint64_t lo, hi;
            ps_partition(n, (uint64_t)omp_get_num_threads(),
                         (uint64_t)omp_get_thread_num(), &lo, &hi);
            k->init(state, lo, hi);
        }
        double t_ours = time_kernel_stream(k, state, n, steps, threads);
        k->destroy(state);
        double t_ref = time_plain_triad(a, b, c, (long)n, steps, threads);
        if (r >= 0)
            ours[r] = t_ours, ref[r] = t_ref;
    }
    double bytes = 24.0 * (double)n * steps;
    double g_ours = bytes / median(ours, reps) * 1e-9, g_ref = bytes / median(ref, reps) * 1e-9;
    printf("stream  n=%llu (%.0f MiB), %u steps, %d threads, %d reps, median:\n",
           (unsigned long long)n, 24.0 * (double)n / 1048576.0, steps, threads, reps);
    printf("  parscale stream kernel  %8.2f GB/s\n", g_ours);
    printf("  plain OpenMP triad      %8.2f GB/s\n", g_ref);
    printf("  ratio                   %8.3f   (issue 5 asks >= 0.90)\n", g_ours / g_ref);
    free(a), free(b), free(c), free(ours), free(ref);
    return 0;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 11;
    if (reps < 1) {
        fprintf(stderr, "usage: parscale_refbench [reps >= 1]\n");
        return 2;
    }
    int status = bench_dgemm(reps);
    return status ? status : bench_stream(reps);
}
