/*
 * refbench.c -- parscale's kernels against a reference each, side by side
 * in one run, interleaved (ours, reference, ours, reference, ...) so that
 * drift of a shared machine hits both alike:
 *
 *   dgemm       1 thread   OpenBLAS's cblas_dgemm, n = 1024 (its core as
 *                          OpenBLAS chose it or OPENBLAS_CORETYPE forced it;
 *                          ours as PARSCALE_DGEMM_ISA chose it)
 *   stream      2 threads  McCalpin's STREAM triad: the loop and timing as
 *                          STREAM defines them (each iteration timed, the
 *                          best one reported, the first left out), written
 *                          here; ours reported the same way, per step
 *   stencil     2 threads  a straightforward OpenMP 5-point Jacobi sweep
 *   transpose   2 threads  PRK's transpose, B += A^T, A += 1, in tiles of
 *                          32 under `omp for` (its definition, written here)
 *   nbody       1 thread   the all-pairs loop anyone would write, at -O3
 *   mandelbrot  1 thread   the same, escape-time loop per pixel
 *
 * Ours are driven as the harness drives them: one thread calls run over
 * the whole range then exchange, each step; with 2 threads each runs its
 * static block (first-touched by it) and the primary thread exchanges
 * between barriers, as the omp backend does.  Each kernel's own verify
 * must accept what it computed over all the steps (exit status 1 if not).
 * Prints one Markdown table row per kernel: kernel, ours, reference,
 * ratio (ours / reference; > 1 is faster), ISA.  A benchmark, not a test.
 *
 *   parscale_refbench REPS KERNEL...
 */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "backend_common.h"
#include "kernel.h"
#include "kernel_registry.h"
#include "stats.h"
#include "timer.h"

/* OpenBLAS extensions, declared here so any cblas.h will do. */
void openblas_set_num_threads(int n);
char *openblas_get_corename(void);

#define THREADS 2

/* What the compiler targeted for code without a micro-kernel of its own. */
#if defined(__AVX512F__)
#define BUILD_ISA "avx512 (-march)"
#elif defined(__AVX2__)
#define BUILD_ISA "avx2 (-march)"
#else
#define BUILD_ISA "baseline (-march)"
#endif

static double median(const double *v, int n)
{
    ps_summary s;
    return ps_summarize(v, (size_t)n, &s) == 0 ? s.median : 0.0;
}

static double minimum(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

static void row(const char *kernel, double ours, double ref, const char *unit,
                const char *ref_name, const char *isa)
{
    printf("| %s | %.2f %s | %.2f %s (%s) | %.3f | %s |\n", kernel, ours, unit, ref, unit,
           ref_name, ours / ref, isa);
    fflush(stdout);
}

/* ---- our kernels, as the harness drives them ----------------------------- */

typedef struct ours {
    const ps_kernel *k;
    void *state;
    uint64_t n;
    int threads;
    ps_comm comm;
    ps_acc accs[THREADS];   /* per thread, summed over every repetition */
} ours;

/* Sets kernel name up for size n (order n) and total_steps steps over the
 * whole benchmark, first-touched by the threads that will run it. */
static int ours_open(ours *o, const char *name, uint64_t n, uint32_t total_steps, int threads)
{
    memset(o, 0, sizeof *o);
    o->k = ps_kernel_find(name);
    o->n = n;
    o->threads = threads;
    ps_comm_local(&o->comm);
    ps_kernel_args args = {.n = n, .order = n, .lo = 0, .hi = n, .steps = total_steps,
                           .comm = &o->comm};
    ps_kernel_default_params(o->k, args.param);
    if (!o->k || o->k->create(&o->state, &args) != 0) {
        fprintf(stderr, "refbench: cannot set up the %s kernel\n", name);
        return 1;
    }
#pragma omp parallel num_threads(threads)
    {
        uint64_t lo, hi;
        ps_partition(n, (uint64_t)omp_get_num_threads(), (uint64_t)omp_get_thread_num(),
                     &lo, &hi);
        o->k->init(o->state, lo, hi);
    }
    return 0;
}

/* steps steps of our kernel; returns seconds. */
static double ours_steps(ours *o, uint32_t steps)
{
    const ps_kernel *k = o->k;
    double t = 0.0;
    if (o->threads == 1) {
        t = ps_now();
        for (uint32_t s = 0; s < steps; s++) {
            k->run(o->state, 0, o->n, &o->accs[0]);
            if (k->exchange)
                k->exchange(o->state, &o->comm);
        }
        return ps_now() - t;
    }
#pragma omp parallel num_threads(o->threads)
    {
        const int tid = omp_get_thread_num();
        uint64_t lo, hi;
        ps_partition(o->n, (uint64_t)omp_get_num_threads(), (uint64_t)tid, &lo, &hi);
        ps_acc acc = {{0}};
#pragma omp barrier
#pragma omp master
        t = ps_now();
        for (uint32_t s = 0; s < steps; s++) {
            k->run(o->state, lo, hi, &acc);
#pragma omp barrier
            if (k->exchange) {
#pragma omp master
                k->exchange(o->state, &o->comm);
#pragma omp barrier
            }
        }
#pragma omp master
        t = ps_now() - t;
        ps_acc_sum(&o->accs[tid], &acc);
    }
    return t;
}

/* The kernel's own check of everything it computed; 0 when it holds. */
static int ours_close(ours *o)
{
    ps_acc total = {{0}};
    ps_acc_reduce(o->k, &total, o->accs, o->threads);
    char msg[256] = "";
    int ok = o->k->verify(o->state, &total, msg, sizeof msg);
    if (!ok)
        fprintf(stderr, "refbench: the %s kernel computed a wrong answer: %s\n",
                o->k->name, msg);
    o->k->destroy(o->state);
    return ok ? 0 : 1;
}

/* ---- dgemm against cblas_dgemm ------------------------------------------- */

static int bench_dgemm(int reps)
{
    const uint64_t n = 1024;
    ours o;
    if (ours_open(&o, "dgemm", n, (uint32_t)reps + 1, 1) != 0)  /* + the warm-up */
        return 1;
    char isa[64] = "?";
    if (o.k->variant)
        o.k->variant(isa, sizeof isa);
    size_t nn = (size_t)(n * n);
    double *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = calloc(nn, sizeof *c);
    double *t_ours = malloc((size_t)reps * sizeof *t_ours), *t_ref = malloc((size_t)reps * sizeof *t_ref);
    if (!a || !b || !c || !t_ours || !t_ref)
        return fprintf(stderr, "refbench: out of memory\n"), 1;
    for (size_t i = 0; i < nn; i++) {
        a[i] = (double)(i % 17) - 8.0;
        b[i] = (double)(i % 13) - 6.0;
    }
    openblas_set_num_threads(1);
    for (int r = -1; r < reps; r++) {  /* r = -1: warm-up, not recorded */
        double to = ours_steps(&o, 1);
        double t0 = ps_now();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n,
                    1.0, a, (int)n, b, (int)n, 1.0, c, (int)n);
        double tr = ps_now() - t0;
        if (r >= 0)
            t_ours[r] = to, t_ref[r] = tr;
    }
    int bad = ours_close(&o);
    if (!bad) {
        double gf = 2.0 * (double)n * (double)n * (double)n * 1e-9;
        char ref[96];
        snprintf(ref, sizeof ref, "OpenBLAS %s", openblas_get_corename());
        row("dgemm, 1 thread, n=1024", gf / median(t_ours, reps), gf / median(t_ref, reps),
            "GFLOP/s", ref, isa + (strncmp(isa, "isa=", 4) == 0 ? 4 : 0));
    }
    free(a), free(b), free(c), free(t_ours), free(t_ref);
    return bad;
}

/* ---- stream against McCalpin's triad ------------------------------------ */

/* STREAM's triad, NTIMES = steps iterations each timed on its own; the
 * best iteration after the first (STREAM leaves the first out).  a, b, c
 * first-touched by the threads, as STREAM does. */
static double stream_triad(double *restrict a, const double *restrict b,
                           const double *restrict c, long n, uint32_t steps)
{
    const double scalar = 3.0;
    double best = INFINITY;
    for (uint32_t k = 0; k < steps; k++) {
        double t = ps_now();
#pragma omp parallel for schedule(static) num_threads(THREADS)
        for (long j = 0; j < n; j++)
            a[j] = b[j] + scalar * c[j];
        t = ps_now() - t;
        if (k > 0 && t < best)
            best = t;
    }
    return best;
}

static int bench_stream(int reps)
{
    const ps_kernel *k = ps_kernel_find("stream");
    const uint64_t n = k ? k->sizes[PS_SIZE_QUICK] : 0;
    const uint32_t steps = 10;  /* STREAM's NTIMES */
    ours o;
    if (ours_open(&o, "stream", n, steps * ((uint32_t)reps + 1), THREADS) != 0)
        return 1;
    /* aligned as the kernel's arrays are: no vector load splits a line */
    double *a = ps_alloc_doubles(n), *b = ps_alloc_doubles(n), *c = ps_alloc_doubles(n);
    double *t_ours = malloc((size_t)reps * sizeof *t_ours), *t_ref = malloc((size_t)reps * sizeof *t_ref);
    if (!a || !b || !c || !t_ours || !t_ref)
        return fprintf(stderr, "refbench: out of memory\n"), 1;
#pragma omp parallel for schedule(static) num_threads(THREADS)
    for (long j = 0; j < (long)n; j++) {
        a[j] = 1.0;
        b[j] = 2.0;
        c[j] = 0.0;
    }
    for (int r = -1; r < reps; r++) {
        /* ours per step as STREAM times an iteration: the best step */
        double best = INFINITY;
        for (uint32_t s = 0; s < steps; s++) {
            double t = ours_steps(&o, 1);
            if (s > 0 && t < best)
                best = t;
        }
        double tr = stream_triad(a, b, c, (long)n, steps);
        if (r >= 0)
            t_ours[r] = best, t_ref[r] = tr;
    }
    int bad = ours_close(&o);
    if (!bad) {
        double gb = 24.0 * (double)n * 1e-9;
        row("stream triad, 2 threads, best iteration", gb / minimum(t_ours, reps),
            gb / minimum(t_ref, reps), "GB/s", "McCalpin STREAM triad", BUILD_ISA);
    }
    free(a), free(b), free(c), free(t_ours), free(t_ref);
    return bad;
}

/* ---- stencil against a plain OpenMP Jacobi sweep ------------------------- */

/* n x m interior points, a zero halo around them; steps sweeps, u and v
 * swapped after each. */
static double jacobi(double **u, double **v, long n, long m, uint32_t steps)
{
    const long w = m + 2;
    double t = ps_now();
    for (uint32_t s = 0; s < steps; s++) {
        const double *restrict in = *u;
        double *restrict out = *v;
#pragma omp parallel for schedule(static) num_threads(THREADS)
        for (long i = 1; i <= n; i++)
            for (long j = 1; j <= m; j++)
                out[i * w + j] = 0.25 * (in[(i - 1) * w + j] + in[(i + 1) * w + j] +
                                         in[i * w + j - 1] + in[i * w + j + 1]);
        double *x = *u;
        *u = *v;
        *v = x;
    }
    return ps_now() - t;
}

static int bench_stencil(int reps)
{
    const long n = 1024;
    const uint32_t steps = 50;
    ours o;
    if (ours_open(&o, "stencil", (uint64_t)n, steps * ((uint32_t)reps + 1), THREADS) != 0)
        return 1;
    size_t cells = (size_t)(n + 2) * (size_t)(n + 2);
    double *u = calloc(cells, sizeof *u), *v = calloc(cells, sizeof *v);
    double *t_ours = malloc((size_t)reps * sizeof *t_ours), *t_ref = malloc((size_t)reps * sizeof *t_ref);
    if (!u || !v || !t_ours || !t_ref)
        return fprintf(stderr, "refbench: out of memory\n"), 1;
#pragma omp parallel for schedule(static) num_threads(THREADS)
    for (long i = 1; i <= n; i++)
        for (long j = 1; j <= n; j++)
            u[i * (n + 2) + j] = v[i * (n + 2) + j] = (double)((i * 7 + j * 3) % 11);
    for (int r = -1; r < reps; r++) {
        double to = ours_steps(&o, steps);
        double tr = jacobi(&u, &v, n, n, steps);
        if (r >= 0)
            t_ours[r] = to, t_ref[r] = tr;
    }
    int bad = ours_close(&o);
    if (!bad) {
        double gp = (double)n * (double)n * steps * 1e-9;
        row("stencil 1024^2, 2 threads", gp / median(t_ours, reps), gp / median(t_ref, reps),
            "Gpoints/s", "plain OpenMP Jacobi", BUILD_ISA);
    }
    free(u), free(v), free(t_ours), free(t_ref);
    return bad;
}

/* ---- transpose against PRK's --------------------------------------------- */

/* PRK's transpose of order m: B[i][j] += A[j][i], A[j][i] += 1, tiled. */
static double prk_transpose(double *restrict a, double *restrict b, long m, uint32_t steps)
{
    const long tile = 32;
    double t = ps_now();
    for (uint32_t s = 0; s < steps; s++) {
#pragma omp parallel for schedule(static) num_threads(THREADS)
        for (long it = 0; it < m; it += tile)
            for (long jt = 0; jt < m; jt += tile)
                for (long i = it; i < (it + tile < m ? it + tile : m); i++)
                    for (long j = jt; j < (jt + tile < m ? jt + tile : m); j++) {
                        b[i * m + j] += a[j * m + i];
                        a[j * m + i] += 1.0;
                    }
    }
    return ps_now() - t;
}

static int bench_transpose(int reps)
{
    const long m = 2048;
    const uint32_t steps = 5;
    ours o;
    if (ours_open(&o, "transpose", (uint64_t)m, steps * ((uint32_t)reps + 1), THREADS) != 0)
        return 1;
    size_t mm = (size_t)m * (size_t)m;
    double *a = malloc(mm * sizeof *a), *b = malloc(mm * sizeof *b);
    double *t_ours = malloc((size_t)reps * sizeof *t_ours), *t_ref = malloc((size_t)reps * sizeof *t_ref);
    if (!a || !b || !t_ours || !t_ref)
        return fprintf(stderr, "refbench: out of memory\n"), 1;
#pragma omp parallel for schedule(static) num_threads(THREADS)
    for (long i = 0; i < m; i++)
        for (long j = 0; j < m; j++) {
            a[i * m + j] = (double)(i * m + j);
            b[i * m + j] = 0.0;
        }
    for (int r = -1; r < reps; r++) {
        double to = ours_steps(&o, steps);
        double tr = prk_transpose(a, b, m, steps);
        if (r >= 0)
            t_ours[r] = to, t_ref[r] = tr;
    }
    int bad = ours_close(&o);
    if (!bad) {
        /* the kernel's own unit: 32 bytes per element (A read and written,
         * B read and written) */
        double gb = 32.0 * (double)mm * steps * 1e-9;
        row("transpose 2048^2, 2 threads", gb / median(t_ours, reps), gb / median(t_ref, reps),
            "GB/s", "PRK transpose, tile 32", BUILD_ISA);
    }
    free(a), free(b), free(t_ours), free(t_ref);
    return bad;
}

/* ---- nbody and mandelbrot against plain -O3 loops -------------------------- */

typedef struct bodies {
    long n;
    double *x, *y, *z, *vx, *vy, *vz, *nx, *ny, *nz;
} bodies;

/* The all-pairs step as anyone would write it: softened pull, kick, drift. */
static double plain_nbody(bodies *p, uint32_t steps)
{
    const double dt = 1e-3, eps2 = 1e-2, mass = 1.0 / (double)p->n;
    double t = ps_now();
    for (uint32_t s = 0; s < steps; s++) {
        for (long i = 0; i < p->n; i++) {
            double ax = 0.0, ay = 0.0, az = 0.0;
            for (long j = 0; j < p->n; j++) {
                double dx = p->x[j] - p->x[i], dy = p->y[j] - p->y[i], dz = p->z[j] - p->z[i];
                double inv = 1.0 / sqrt(dx * dx + dy * dy + dz * dz + eps2);
                double inv3 = inv * inv * inv;
                ax += dx * inv3;
                ay += dy * inv3;
                az += dz * inv3;
            }
            p->vx[i] += dt * mass * ax;
            p->vy[i] += dt * mass * ay;
            p->vz[i] += dt * mass * az;
            p->nx[i] = p->x[i] + dt * p->vx[i];
            p->ny[i] = p->y[i] + dt * p->vy[i];
            p->nz[i] = p->z[i] + dt * p->vz[i];
        }
        memcpy(p->x, p->nx, (size_t)p->n * sizeof *p->x);
        memcpy(p->y, p->ny, (size_t)p->n * sizeof *p->y);
        memcpy(p->z, p->nz, (size_t)p->n * sizeof *p->z);
    }
    return ps_now() - t;
}

static int bench_nbody(int reps)
{
    const long n = 4096;
    const uint32_t steps = 2;
    ours o;
    if (ours_open(&o, "nbody", (uint64_t)n, steps * ((uint32_t)reps + 1), 1) != 0)
        return 1;
    bodies p = {.n = n};
    double **arr[] = {&p.x, &p.y, &p.z, &p.vx, &p.vy, &p.vz, &p.nx, &p.ny, &p.nz};
    for (size_t i = 0; i < sizeof arr / sizeof *arr; i++)
        if (!(*arr[i] = calloc((size_t)n, sizeof(double))))
            return fprintf(stderr, "refbench: out of memory\n"), 1;
    for (long i = 0; i < n; i++) {
        p.x[i] = (double)(i % 64);
        p.y[i] = (double)(i / 64 % 64);
        p.z[i] = (double)(i % 7);
    }
    double *t_ours = malloc((size_t)reps * sizeof *t_ours), *t_ref = malloc((size_t)reps * sizeof *t_ref);
    if (!t_ours || !t_ref)
        return fprintf(stderr, "refbench: out of memory\n"), 1;
    for (int r = -1; r < reps; r++) {
        double to = ours_steps(&o, steps);
        double tr = plain_nbody(&p, steps);
        if (r >= 0)
            t_ours[r] = to, t_ref[r] = tr;
    }
    int bad = ours_close(&o);
    if (!bad) {
        double gi = (double)n * (double)n * steps * 1e-9;
        row("nbody 4096, 1 thread", gi / median(t_ours, reps), gi / median(t_ref, reps),
            "Ginteractions/s", "plain -O3 loop", BUILD_ISA);
    }
    for (size_t i = 0; i < sizeof arr / sizeof *arr; i++)
        free(*arr[i]);
    free(t_ours), free(t_ref);
    return bad;
}

/* The set on n columns x m rows over the kernel's window, 256 iterations. */
static double plain_mandelbrot(long n, long m, long *inside)
{
    const double x0 = -2.0, dx = 2.6 / (double)n, dy = 2.6 / (double)m;
    long in = 0;
    double t = ps_now();
    for (long c = 0; c < n; c++) {
        double cx = x0 + ((double)c + 0.5) * dx;
        for (long r = 0; r < m; r++) {
            double cy = ((double)(2 * r + 1) - (double)m) * (0.5 * dy);
            double x = 0.0, y = 0.0;
            int it = 0;
            while (it < 256 && x * x + y * y <= 4.0) {
                double xt = x * x - y * y + cx;
                y = 2.0 * x * y + cy;
                x = xt;
                it++;
            }
            in += it == 256;
        }
    }
    *inside = in;
    return ps_now() - t;
}

static int bench_mandelbrot(int reps)
{
    const long n = 1024;
    ours o;
    if (ours_open(&o, "mandelbrot", (uint64_t)n, (uint32_t)reps + 1, 1) != 0)
        return 1;
    double *t_ours = malloc((size_t)reps * sizeof *t_ours), *t_ref = malloc((size_t)reps * sizeof *t_ref);
    if (!t_ours || !t_ref)
        return fprintf(stderr, "refbench: out of memory\n"), 1;
    long inside = 0;
    for (int r = -1; r < reps; r++) {
        double to = ours_steps(&o, 1);
        double tr = plain_mandelbrot(n, n, &inside);
        if (r >= 0)
            t_ours[r] = to, t_ref[r] = tr;
    }
    int bad = ours_close(&o);
    if (!bad) {
        double mp = (double)n * (double)n * 1e-6;
        row("mandelbrot 1024^2, 1 thread", mp / median(t_ours, reps), mp / median(t_ref, reps),
            "Mpixels/s", "plain -O3 loop", BUILD_ISA);
    }
    free(t_ours), free(t_ref);
    return bad || inside <= 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int reps);
    } benches[] = {{"dgemm", bench_dgemm}, {"stream", bench_stream},
                   {"stencil", bench_stencil}, {"transpose", bench_transpose},
                   {"nbody", bench_nbody}, {"mandelbrot", bench_mandelbrot}};
    const size_t nb = sizeof benches / sizeof *benches;
    int reps = argc > 1 ? atoi(argv[1]) : 0;
    if (reps < 1 || argc < 3) {
        fprintf(stderr, "usage: parscale_refbench REPS KERNEL... (REPS >= 1; kernels: dgemm, "
                        "stream, stencil, transpose, nbody, mandelbrot)\n");
        return 2;
    }
    int status = 0;
    for (int i = 2; i < argc; i++) {
        size_t j = 0;
        while (j < nb && strcmp(argv[i], benches[j].name) != 0)
            j++;
        if (j == nb) {
            fprintf(stderr, "refbench: unknown kernel '%s'\n", argv[i]);
            return 2;
        }
        status |= benches[j].run(reps);
    }
    return status;
}
