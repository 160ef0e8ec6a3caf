/*
 * refbench.c -- two of parscale's kernels against a reference each,
 * side by side in one run, interleaved (A B A B ...) so that drift
 * of a shared machine hits both alike:
 *
 *   dgemm  on one thread  against OpenBLAS's cblas_dgemm, n = 1024;
 *   stream on 2 threads   against a plain OpenMP triad loop at -O3,
 *                         driven as the omp backend drives it (each
 *                         thread its static block, first-touched by it).
 *
 * Prints the medians and the ratios, after each kernel's own verify has
 * accepted what it computed (exit status 1 if not).  A benchmark, not a
 * test: the numbers depend on the machine.  Usage: parscale_refbench [reps]
 */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend.h"
#include "kernel.h"
#include "stats.h"
#include "timer.h"

/* OpenBLAS extensions, declared here so any cblas.h will do. */
void openblas_set_num_threads(int n);
char *openblas_get_corename(void);

/* Median of n samples, through the harness's own summary. */
static double median(const double *v, int n)
{
    ps_summary s;
    return ps_summarize(v, (size_t)n, &s) == 0 ? s.median : 0.0;
}

/* The kernel's own check of what it computed; 0 when it holds. */
static int check(const ps_kernel *k, void *state, const ps_acc *total)
{
    char msg[256] = "";
    if (k->verify(state, total, msg, sizeof msg))
        return 0;
    fprintf(stderr, "refbench: the %s kernel computed a wrong answer: %s\n", k->name, msg);
    return 1;
}

/* ---- dgemm against cblas_dgemm ---------------------------------------- */

/* Our kernel, one thread, one pass over all rows (C += A B): seconds. */
static double time_kernel_dgemm(const ps_kernel *k, void *state, uint64_t n, ps_acc *acc)
{
    double t0 = ps_now();
    k->run(state, 0, n, acc);
    return ps_now() - t0;
}

static int bench_dgemm(int reps)
{
    const uint64_t n = 1024;
    const ps_kernel *k = ps_kernel_find("dgemm");
    ps_comm comm;
    ps_comm_local(&comm);
    /* every pass adds A B to C again: warm-up + reps passes are the steps
     * the kernel's check expects */
    ps_kernel_args args = {.n = n, .order = n, .lo = 0, .hi = n, .steps = (uint32_t)reps + 1,
                           .comm = &comm};
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
    if (!ours || !ref)
        return fprintf(stderr, "refbench: out of memory\n"), 1;
    ps_acc acc = {{0}};
    for (int r = -1; r < reps; r++) {  /* r = -1: warm-up, not recorded */
        double t_ours = time_kernel_dgemm(k, state, n, &acc);
        double t0 = ps_now();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n,
                    1.0, a, (int)n, b, (int)n, 1.0, c, (int)n);
        double t_ref = ps_now() - t0;
        if (r >= 0)
            ours[r] = t_ours, ref[r] = t_ref;
    }
    if (check(k, state, &acc) != 0)
        return 1;
    double flops = 2.0 * (double)n * (double)n * (double)n;
    double g_ours = flops / median(ours, reps) * 1e-9, g_ref = flops / median(ref, reps) * 1e-9;
    printf("dgemm   n=%llu, 1 thread, %d reps, median:\n",
           (unsigned long long)n, reps);
    printf("  parscale dgemm kernel   %8.2f GFLOP/s\n", g_ours);
    printf("  OpenBLAS cblas_dgemm    %8.2f GFLOP/s   (core: %s)\n", g_ref,
           openblas_get_corename());
    printf("  ratio                   %8.3f   (target >= 0.50)\n", g_ours / g_ref);
    k->destroy(state);
    free(a), free(b), free(c), free(ours), free(ref);
    return 0;
}

/* ---- stream under OpenMP against a plain triad loop --------------------- */

/* The kernel as the omp backend drives it: each thread its static block,
 * init (first touch) by the same thread, one exchange per step.  The
 * threads' partial results (accs, one per thread) are combined into total
 * after the timing. */
static double time_kernel_stream(const ps_kernel *k, void *state, uint64_t n,
                                 uint32_t steps, int threads, const ps_comm *comm,
                                 ps_acc *accs, ps_acc *total)
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
        t = ps_now();
        for (uint32_t s = 0; s < steps; s++) {
            k->run(state, lo, hi, &acc);
#pragma omp barrier
#pragma omp master
            k->exchange(state, comm);
#pragma omp barrier
        }
#pragma omp master
        t = ps_now() - t;
        accs[omp_get_thread_num()] = acc;
    }
    ps_acc_reduce(k, total, accs, threads);  /* in thread order, as the harness does */
    return t;
}

/* The reference: the loop anyone would write, compiled at -O3. */
static double time_plain_triad(double *restrict a, const double *restrict b,
                               const double *restrict c, long n, uint32_t steps,
                               int threads)
{
    double t0 = ps_now();
    for (uint32_t s = 0; s < steps; s++) {
        const double q = 3.0;
#pragma omp parallel for schedule(static) num_threads(threads)
        for (long i = 0; i < n; i++)
            a[i] = b[i] + q * c[i];
    }
    return ps_now() - t0;
}

static int bench_stream(int reps)
{
    const ps_kernel *k = ps_kernel_find("stream");
    const uint64_t n = k ? k->sizes[PS_SIZE_QUICK] : 0;
    const uint32_t steps = 20;
    const int threads = 2;
    ps_comm comm;
    ps_comm_local(&comm);
    ps_kernel_args args = {.n = n, .order = n, .lo = 0, .hi = n, .steps = steps,
                           .comm = &comm};
    double *ours = malloc((size_t)reps * sizeof *ours), *ref = malloc((size_t)reps * sizeof *ref);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    ps_acc *accs = malloc((size_t)threads * sizeof *accs);
    if (!k || !ours || !ref || !a || !b || !c || !accs)
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
        ps_acc total = {{0}};
        double t_ours = time_kernel_stream(k, state, n, steps, threads, &comm, accs, &total);
        int wrong = check(k, state, &total);
        k->destroy(state);
        if (wrong)
            return 1;
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
    printf("  ratio                   %8.3f   (target >= 0.90)\n", g_ours / g_ref);
    free(a), free(b), free(c), free(ours), free(ref), free(accs);
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
