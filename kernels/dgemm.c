/* dgemm.c -- C += A B for A n x m (the n rows are the indices), B m x m
 * and C n x m, the way optimised BLAS libraries do it (Goto's algorithm):
 * B is kept in panels of DGEMM_NR columns, A is copied block by block into
 * slivers of DGEMM_MR rows, and a micro-kernel keeps an MR x NR tile of C
 * in vector registers while it streams one sliver of each.  A process
 * holds its own rows of A and C and all of B.
 *
 * Verification: A[i][k] = i - k and B[k][j] = k + 2j give, with
 * S1 = m(m-1)/2 and S2 = (m-1)m(2m-1)/6,
 *   (A B)[i][j] = 2ij m + (i - 2j) S1 - S2,
 * all small integers, so every product and partial sum is exact in any
 * order and each element of C is checked for equality after s steps
 * (C = s A B: one more or one fewer pass over a row changes it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

/* The register tile follows the vector width the compiler targets: three
 * vectors of C per row, and as many rows as leave registers for B and A. */
#if defined(__AVX512F__)
#define DGEMM_VL 8
#define DGEMM_MR 8      /* 24 accumulators of 32 registers */
#elif defined(__AVX__)
#define DGEMM_VL 4
#define DGEMM_MR 4      /* 12 of 16 */
#else
#define DGEMM_VL 2
#define DGEMM_MR 4      /* 12 of 16 */
#endif
#define DGEMM_NR (3 * DGEMM_VL)
#define DGEMM_KC 256    /* a B sliver, KC x NR, stays in L1 */
#define DGEMM_MC 96     /* an A block, MC x KC, stays in L2 */

/* GCC compiles ISO C with -ffp-contract=off, which forbids fusing the
 * micro-kernel's c += a * b into one FMA instruction; ask for it here. */
#if defined(__GNUC__) && !defined(__clang__)
#define DGEMM_FUSE __attribute__((optimize("fp-contract=fast")))
#else
#define DGEMM_FUSE
#endif

typedef double dgemm_vec __attribute__((vector_size(DGEMM_VL * sizeof(double))));

typedef struct dgemm_state {
    uint64_t n, m, lo, hi;
    uint32_t steps;
    size_t panels;     /* ceil(m / NR) */
    double *a;         /* own rows of A, row-major, m per row */
    double *c;         /* own rows of C */
    double *bp;        /* B in panels: [panel][k][NR], zero past column m */
} dgemm_state;

static double dgemm_a(uint64_t i, uint64_t k)
{
    return (double)i - (double)k;
}

static double dgemm_b(uint64_t k, uint64_t j)
{
    return (double)k + 2.0 * (double)j;
}

static void dgemm_destroy(void *state)
{
    dgemm_state *s = state;
    if (!s)
        return;
    free(s->a);
    free(s->c);
    free(s->bp);
    free(s);
}

/* Own rows of A and C (touched in init), and all of B, written straight
 * into its panel layout: the kernel owns its data and keeps B the way the
 * micro-kernel reads it. */
static int dgemm_create(void **state, const ps_kernel_args *args)
{
    dgemm_state *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->n = args->n;
    s->m = ps_kernel_width(args);  /* inner dimension and columns */
    s->lo = args->lo;
    s->hi = args->hi;
    s->steps = args->steps;
    s->panels = (size_t)((s->m + DGEMM_NR - 1) / DGEMM_NR);
    size_t rows = (size_t)(s->hi - s->lo), m = (size_t)s->m;
    s->a = ps_alloc_doubles(rows * m);
    s->c = ps_alloc_doubles(rows * m);
    s->bp = ps_alloc_doubles(s->panels * m * DGEMM_NR);
    if (!s->a || !s->c || !s->bp) {
        dgemm_destroy(s);
        errno = ENOMEM;
        return -1;
    }
    for (size_t p = 0; p < s->panels; p++)
        for (size_t k = 0; k < m; k++)
            for (size_t jj = 0; jj < DGEMM_NR; jj++) {
                size_t j = p * DGEMM_NR + jj;
                s->bp[(p * m + k) * DGEMM_NR + jj] = j < m ? dgemm_b(k, j) : 0.0;
            }
    *state = s;
    return 0;
}

static void dgemm_init(void *state, uint64_t lo, uint64_t hi)
{
    dgemm_state *s = state;
    size_t m = (size_t)s->m;
    for (uint64_t i = lo; i < hi; i++) {
        double *a = s->a + (size_t)(i - s->lo) * m, *c = s->c + (size_t)(i - s->lo) * m;
        for (size_t k = 0; k < m; k++) {
            a[k] = dgemm_a(i, k);
            c[k] = 0.0;
        }
    }
}

/* The micro-kernel: an MR x NR tile of C += (MR x kc sliver of A) times
 * (kc x NR sliver of B).  The tile lives in 3 * MR vector registers for
 * the whole k loop; each k costs three vector loads of B, MR broadcasts of
 * A and 3 * MR fused multiply-adds.  Only `rows` x `cols` of the tile are
 * real (edges of C); the rest was computed on zero padding and is dropped. */
DGEMM_FUSE
static void dgemm_micro(size_t kc, const double *restrict ap,
                        const double *restrict bp, double *restrict c,
                        size_t ldc, size_t rows, size_t cols)
{
    dgemm_vec t[DGEMM_MR][3];
    for (size_t i = 0; i < DGEMM_MR; i++)
        t[i][0] = t[i][1] = t[i][2] = (dgemm_vec){0};
    for (size_t k = 0; k < kc; k++) {
        dgemm_vec b0, b1, b2;
        memcpy(&b0, bp + k * DGEMM_NR, sizeof b0);
        memcpy(&b1, bp + k * DGEMM_NR + DGEMM_VL, sizeof b1);
        memcpy(&b2, bp + k * DGEMM_NR + 2 * DGEMM_VL, sizeof b2);
        for (size_t i = 0; i < DGEMM_MR; i++) {
            double a = ap[k * DGEMM_MR + i];
            t[i][0] += a * b0;
            t[i][1] += a * b1;
            t[i][2] += a * b2;
        }
    }
    if (rows == DGEMM_MR && cols == DGEMM_NR) {
        for (size_t i = 0; i < DGEMM_MR; i++)
            for (size_t v = 0; v < 3; v++) {
                dgemm_vec old;
                memcpy(&old, c + i * ldc + v * DGEMM_VL, sizeof old);
                old += t[i][v];
                memcpy(c + i * ldc + v * DGEMM_VL, &old, sizeof old);
            }
        return;
    }
    double edge[DGEMM_MR][DGEMM_NR];
    memcpy(edge, t, sizeof edge);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            c[i * ldc + j] += edge[i][j];
}

/* Copies A[r0 .. r0+mc)[p0 .. p0+kc) into slivers of MR rows, k-major, so
 * the micro-kernel reads A in order; rows past mc are zero. */
static void dgemm_pack_a(const dgemm_state *s, size_t r0, size_t mc, size_t p0,
                         size_t kc, double *restrict ap)
{
    size_t m = (size_t)s->m;
    for (size_t ir = 0; ir < mc; ir += DGEMM_MR) {
        double *sliver = ap + ir * kc;
        for (size_t ii = 0; ii < DGEMM_MR; ii++) {
            const double *row = s->a + (r0 + ir + ii) * m + p0;
            if (ir + ii < mc)
                for (size_t k = 0; k < kc; k++)
                    sliver[k * DGEMM_MR + ii] = row[k];
            else
                for (size_t k = 0; k < kc; k++)
                    sliver[k * DGEMM_MR + ii] = 0.0;
        }
    }
}

/* Rows [lo, hi) of C += A B, blocked for the caches: for each KC-deep
 * slice, each MC-row block of A is packed once and multiplied by every
 * panel of B.  Works on any sub-range; the packing buffer is the call's
 * own, so calls on disjoint rows may run at once. */
static void dgemm_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    dgemm_state *s = state;
    size_t m = (size_t)s->m, r0 = (size_t)(lo - s->lo), r1 = (size_t)(hi - s->lo);
    size_t mcap = DGEMM_MC < r1 - r0 ? DGEMM_MC : r1 - r0;
    mcap = (mcap + DGEMM_MR - 1) / DGEMM_MR * DGEMM_MR;
    double *ap = ps_alloc_doubles(mcap * DGEMM_KC);
    if (!ap)
        return;  /* rows left undone: verify reports them */
    for (size_t pc = 0; pc < m; pc += DGEMM_KC) {
        size_t kc = m - pc < DGEMM_KC ? m - pc : DGEMM_KC;
        for (size_t ic = r0; ic < r1; ic += DGEMM_MC) {
            size_t mc = r1 - ic < DGEMM_MC ? r1 - ic : DGEMM_MC;
            dgemm_pack_a(s, ic, mc, pc, kc, ap);
            for (size_t p = 0; p < s->panels; p++) {
                const double *bp = s->bp + (p * m + pc) * DGEMM_NR;
                size_t cols = m - p * DGEMM_NR < DGEMM_NR ? m - p * DGEMM_NR : DGEMM_NR;
                for (size_t ir = 0; ir < mc; ir += DGEMM_MR) {
                    size_t rows = mc - ir < DGEMM_MR ? mc - ir : DGEMM_MR;
                    dgemm_micro(kc, ap + ir * kc, bp, s->c + (ic + ir) * m + p * DGEMM_NR,
                                m, rows, cols);
                }
            }
        }
    }
    free(ap);
    acc->v[0] += (double)(hi - lo);
}

/* Every element of this process's rows of C against the closed form. */
static int dgemm_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const dgemm_state *s = state;
    double steps = (double)s->steps, m = (double)s->m;
    if (total->v[0] != (double)s->n * steps) {
        snprintf(msg, len, "computed %.0f rows, expected %.0f",
                 total->v[0], (double)s->n * steps);
        return 0;
    }
    double s1 = m * (m - 1) / 2, s2 = (m - 1) * m * (2 * m - 1) / 6;
    for (uint64_t i = s->lo; i < s->hi; i++) {
        const double *c = s->c + (size_t)(i - s->lo) * (size_t)s->m;
        double di = (double)i;
        for (uint64_t j = 0; j < s->m; j++) {
            double dj = (double)j;
            double want = steps * (2 * di * dj * m + (di - 2 * dj) * s1 - s2);
            if (c[j] != want) {
                snprintf(msg, len, "C[%llu][%llu] = %.17g, expected %.17g",
                         (unsigned long long)i, (unsigned long long)j, c[j], want);
                return 0;
            }
        }
    }
    return 1;
}

/* A row of C: m multiply-adds per element; A's row and C's row read and
 * written once per step (B stays in the caches' reach block by block). */
static void dgemm_cost(const ps_kernel_args *args, ps_kernel_cost *out)
{
    double m = (double)ps_kernel_width(args);
    out->rate_per_index = 2.0 * m * m * 1e-9;
    out->flops_per_index = 2.0 * m * m;
    out->bytes_per_index = 24.0 * m;
}

const ps_kernel ps_kernel_dgemm = {
    .name = "dgemm",
    .list_order = 50,
    .summary = "C += A B, n x n doubles, cache-blocked with a register micro-kernel",
    .exercises = "peak floating-point rate (FMA units, vector width, cache blocking)",
    .rate_unit = "GFLOP/s",
    .rate_per_index = 2.0 * 1024 * 1024 * 1e-9,
    .flops_per_index = 2.0 * 1024 * 1024,
    .bytes_per_index = 24.0 * 1024,
    .sizes = {64, 1024, 2048},
    .steps = 5,
    /* one register sliver of rows per tick (about 250 us at n = 1024): a
     * smaller range pads the micro-kernel's tile and wastes most of it */
    .tick = 8,
    .create = dgemm_create,
    .init = dgemm_init,
    .run = dgemm_run,
    .verify = dgemm_verify,
    .destroy = dgemm_destroy,
    .cost = dgemm_cost,
};
