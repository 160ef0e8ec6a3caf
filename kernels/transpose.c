/* transpose.c -- out-of-place transpose of A (n x m, the n rows are the
 * indices) into B (m x n), as the Parallel Research Kernels do it: each
 * step adds A^T into B and then adds 1 to A, so after s steps
 *   B[j][i] = s (i m + j) + s (s - 1) / 2,
 * exact in doubles, a different value for every step count: a row left
 * out of any step, or done twice, shows in the values.  Reads along rows
 * and writes down columns (tiled, so both stay in cache lines), the access
 * pattern that makes transposes slow.
 *
 * Processes own rows [lo, hi) of A and their ps_partition share of B's m
 * rows.  With more than one, run writes the transposed rows into a local
 * T (m x own rows) and exchange sends each process its block with an
 * all-to-all, then copies the blocks into B; with one, run writes B. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

#define TRANSPOSE_TILE 32  /* 32 x 32 doubles: two tiles fit in L1 */
/* Rows of the written matrix are padded by one cache line: with a power-of-
 * two length, the 32 rows of a tile would all map to the same cache sets
 * and evict each other (5x slower here at n = 2048). */
#define TRANSPOSE_PAD 8

typedef struct transpose_state {
    uint64_t n, m, lo, hi;    /* A is n x m; this process owns rows lo..hi */
    uint64_t blo, bhi;        /* and these rows of B */
    uint32_t steps;
    int size;                 /* processes */
    double *a;                /* own rows of A, m per row */
    double *t;                /* where run writes: B itself (one process),
                                 else T, m rows of (hi - lo) */
    size_t ldt;               /* row length of t, padded */
    size_t ldb;               /* row length of b */
    size_t tcol0;             /* t's column of A's row lo */
    double *b;                /* own rows of B, n per row (== t, one process) */
    double *recv;             /* the all-to-all's receive buffer */
    size_t *sc, *sd, *rc, *rd;  /* all-to-all counts and displacements, bytes */
} transpose_state;

static void transpose_destroy(void *state)
{
    transpose_state *s = state;
    if (!s)
        return;
    free(s->a);
    if (s->b != s->t)
        free(s->b);
    free(s->t);
    free(s->recv);
    free(s->sc), free(s->sd), free(s->rc), free(s->rd);
    free(s);
}

/* The layouts, the all-to-all tables (process p owns A rows and B rows by
 * ps_partition), and the buffers; pages are touched in init. */
static int transpose_create(void **state, const ps_kernel_args *args)
{
    const ps_comm *comm = args->comm;
    int size = comm && comm->size > 1 ? comm->size : 1, rank = size > 1 ? comm->rank : 0;
    transpose_state *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->n = args->n;
    s->m = ps_kernel_width(args);  /* columns of A, rows of B */
    s->lo = args->lo;
    s->hi = args->hi;
    s->steps = args->steps;
    s->size = size;
    ps_partition(s->m, (uint64_t)size, (uint64_t)rank, &s->blo, &s->bhi);
    size_t rows = (size_t)(s->hi - s->lo), m = (size_t)s->m, n = (size_t)s->n;
    size_t brows = (size_t)(s->bhi - s->blo);
    s->a = malloc(rows * m * sizeof(double) + 1);
    if (size == 1) {
        s->ldt = s->ldb = n + TRANSPOSE_PAD, s->tcol0 = (size_t)s->lo;
        s->t = s->b = malloc(m * s->ldt * sizeof(double));
    } else {
        s->ldt = rows + TRANSPOSE_PAD, s->ldb = n, s->tcol0 = 0;
        s->t = calloc(m * s->ldt, sizeof(double));  /* pads sent, never read */
        s->b = malloc(brows * n * sizeof(double) + 1);
        s->recv = malloc(brows * (n + (size_t)size * TRANSPOSE_PAD) * sizeof(double));
        s->sc = malloc((size_t)size * sizeof(size_t));
        s->sd = malloc((size_t)size * sizeof(size_t));
        s->rc = malloc((size_t)size * sizeof(size_t));
        s->rd = malloc((size_t)size * sizeof(size_t));
    }
    if (!s->a || !s->t || !s->b
        || (size > 1 && (!s->recv || !s->sc || !s->sd || !s->rc || !s->rd))) {
        transpose_destroy(s);
        errno = ENOMEM;
        return -1;
    }
    size_t before = 0;  /* padded columns of processes before p */
    for (int p = 0; size > 1 && p < size; p++) {
        uint64_t lo, hi, blo, bhi;
        ps_partition(s->n, (uint64_t)size, (uint64_t)p, &lo, &hi);
        ps_partition(s->m, (uint64_t)size, (uint64_t)p, &blo, &bhi);
        if (p == rank && (lo != s->lo || hi != s->hi)) {
            transpose_destroy(s);
            errno = EINVAL;  /* the all-to-all layout would not match */
            return -1;
        }
        /* to p: T's rows blo..bhi, padded; from p: my B rows' entries
         * for p's rows of A, a brows x (hi - lo + pad) block */
        s->sc[p] = (size_t)(bhi - blo) * s->ldt * sizeof(double);
        s->sd[p] = (size_t)blo * s->ldt * sizeof(double);
        s->rc[p] = brows * (size_t)(hi - lo + TRANSPOSE_PAD) * sizeof(double);
        s->rd[p] = brows * before * sizeof(double);
        before += (size_t)(hi - lo + TRANSPOSE_PAD);
    }
    *state = s;
    return 0;
}

/* A's rows from the closed form; their columns of the transpose (or of T)
 * zeroed by the same worker, which will write them. */
static void transpose_init(void *state, uint64_t lo, uint64_t hi)
{
    transpose_state *s = state;
    size_t m = (size_t)s->m, col = s->tcol0 + (size_t)(lo - s->lo);
    for (uint64_t i = lo; i < hi; i++) {
        double *a = s->a + (size_t)(i - s->lo) * m;
        for (size_t j = 0; j < m; j++)
            a[j] = (double)i * (double)m + (double)j;
    }
    for (size_t j = 0; j < m; j++)  /* row by row: contiguous pieces */
        memset(s->t + j * s->ldt + col, 0, (size_t)(hi - lo) * sizeof(double));
    if (s->b != s->t)  /* B is written whole by exchange; touch its rows */
        for (uint64_t i = lo; i < hi && i - s->lo < s->bhi - s->blo; i++)
            memset(s->b + (size_t)(i - s->lo) * s->ldb, 0, s->ldb * sizeof(double));
}

/* For rows [lo, hi) of A: t[j][col(i)] += A[i][j], then A[i][j] += 1, in
 * tiles of TRANSPOSE_TILE columns so that the strided writes reuse lines. */
static void transpose_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    transpose_state *s = state;
    size_t m = (size_t)s->m, ldt = s->ldt;
    for (uint64_t i0 = lo; i0 < hi; i0 += TRANSPOSE_TILE) {
        uint64_t i1 = hi - i0 < TRANSPOSE_TILE ? hi : i0 + TRANSPOSE_TILE;
        for (size_t j0 = 0; j0 < m; j0 += TRANSPOSE_TILE) {
            size_t j1 = m - j0 < TRANSPOSE_TILE ? m : j0 + TRANSPOSE_TILE;
            for (uint64_t i = i0; i < i1; i++) {
                double *restrict a = s->a + (size_t)(i - s->lo) * m;
                double *restrict t = s->t + s->tcol0 + (size_t)(i - s->lo);
                for (size_t j = j0; j < j1; j++) {
                    t[j * ldt] += a[j];
                    a[j] += 1.0;
                }
            }
        }
    }
    acc->v[0] += (double)(hi - lo);
}

/* More than one process: each gets its block of T from every process, and
 * the blocks are laid side by side into its rows of B. */
static int transpose_exchange(void *state, const ps_comm *comm)
{
    transpose_state *s = state;
    if (s->size == 1)
        return 0;
    if (comm->alltoallv(comm, s->t, s->sc, s->sd, s->recv, s->rc, s->rd) != 0)
        return -1;
    size_t brows = (size_t)(s->bhi - s->blo);
    for (int p = 0; p < s->size; p++) {
        uint64_t lo, hi;
        ps_partition(s->n, (uint64_t)s->size, (uint64_t)p, &lo, &hi);
        size_t w = (size_t)(hi - lo), ld = w + TRANSPOSE_PAD;
        const double *block = s->recv + s->rd[p] / sizeof(double);
        for (size_t r = 0; r < brows; r++)
            memcpy(s->b + r * s->ldb + (size_t)lo, block + r * ld, w * sizeof(double));
    }
    return 0;
}

/* Every element of this process's rows of B, exactly. */
static int transpose_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const transpose_state *s = state;
    double steps = (double)s->steps, m = (double)s->m;
    if (total->v[0] != (double)s->n * steps) {
        snprintf(msg, len, "transposed %.0f rows, expected %.0f",
                 total->v[0], (double)s->n * steps);
        return 0;
    }
    double extra = steps * (steps - 1) / 2;
    for (uint64_t j = s->blo; j < s->bhi; j++) {
        const double *b = s->b + (size_t)(j - s->blo) * s->ldb;
        for (uint64_t i = 0; i < s->n; i++) {
            double want = steps * ((double)i * m + (double)j) + extra;
            if (b[i] != want) {
                snprintf(msg, len, "B[%llu][%llu] = %.17g, expected %.17g",
                         (unsigned long long)j, (unsigned long long)i, b[i], want);
                return 0;
            }
        }
    }
    return 1;
}

/* A row of A: m elements, each read and written in A and in B (32 bytes,
 * the traffic reported as the rate) and two additions. */
static void transpose_cost(const ps_kernel_args *args, ps_kernel_cost *out)
{
    double m = (double)ps_kernel_width(args);
    out->rate_per_index = 32.0 * m * 1e-9;
    out->flops_per_index = 2.0 * m;
    out->bytes_per_index = 32.0 * m;
}

const ps_kernel ps_kernel_transpose = {
    .name = "transpose",
    .list_order = 110,
    .summary = "B += A^T then A += 1 (PRK transpose), n x n doubles, tiled",
    .exercises = "strided memory access, TLB; an all-to-all every step",
    .rate_unit = "GB/s",
    .rate_per_index = 32.0 * 2048 * 1e-9,
    .flops_per_index = 2.0 * 2048,
    .bytes_per_index = 32.0 * 2048,
    .sizes = {64, 2048, 8192},
    .steps = 10,
    .tick = 1,
    .create = transpose_create,
    .init = transpose_init,
    .run = transpose_run,
    .exchange = transpose_exchange,
    .verify = transpose_verify,
    .destroy = transpose_destroy,
    .cost = transpose_cost,
};
