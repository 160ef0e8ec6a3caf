/* dgemm.c -- C += A B for A n x m (the n rows are the indices), B m x m
 * and C n x m, the way optimised BLAS libraries do it (Goto's algorithm):
 * B is kept in panels of NR columns, A is copied block by block into
 * slivers of MR rows, and a micro-kernel keeps an MR x NR tile of C in
 * vector registers while it streams one sliver of each.  There is one
 * micro-kernel per instruction set (AVX-512, AVX2 with FMA, and a portable
 * one), chosen at create from the CPU's flags or forced with
 * PARSCALE_DGEMM_ISA; the row records which (`isa=` in params).  A process
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

/* One way of computing the register tile, for one instruction set.  The
 * tile is MR rows x NV vectors of VL doubles (NR = NV VL columns); B is
 * kept in panels NR wide and A packed in slivers MR tall for it, so the
 * whole state follows the choice made at create.  KC x NR of B (one
 * sliver) is meant to stay in L1 while MC x KC of A (one block) stays in
 * L2. */
typedef void dgemm_micro_fn(size_t kc, const double *restrict ap,
                            const double *restrict bp, double *restrict c,
                            size_t ldc, size_t rows, size_t cols);
typedef struct dgemm_isa {
    const char *name;      /* as PARSCALE_DGEMM_ISA and the row name it */
    const char *needs;     /* the CPU flags it needs, for the refusal */
    size_t mr, nr, kc, mc;
    int (*supported)(void);
    dgemm_micro_fn *micro;
} dgemm_isa;

/* GCC compiles ISO C with -ffp-contract=off, which forbids fusing the
 * micro-kernel's c += a * b into one FMA instruction; ask for it here. */
#if defined(__GNUC__) && !defined(__clang__)
#define DGEMM_FUSE __attribute__((optimize("fp-contract=fast")))
#else
#define DGEMM_FUSE
#endif

/* The micro-kernel, written once for a vector type VEC of VL doubles and
 * a tile of MR x NV vectors: an MR x NR tile of C += (MR x kc sliver of
 * A) times (kc x NR sliver of B).  The tile lives in MR * NV vector
 * registers for the whole k loop; each k costs NV vector loads of B, MR
 * broadcasts of A and MR * NV fused multiply-adds.  Only `rows` x `cols`
 * of the tile are real (edges of C); the rest was computed on zero
 * padding and is dropped.  C's tile is prefetched first, so that its
 * lines arrive while the k loop runs.  The loops have constant bounds, so the
 * compiler unrolls them and keeps every accumulator in a register; the k
 * loop is unrolled four times as well, so that its counter and branch cost
 * a quarter of what they would beside the MR * NV multiply-adds (on a Zen 3
 * core, AVX2, that took the kernel from 0.94-0.99 of OpenBLAS to 1.00-1.03,
 * interleaved in one run). */
#define DGEMM_MICRO_BODY(VEC, VL, MR, NV)                                       \
    VEC t[MR][NV];                                                              \
    for (size_t i = 0; i < rows; i++) /* C's tile arrives while k runs */      \
        for (size_t j = 0; j < (NV) * (VL); j += 8)                             \
            __builtin_prefetch(c + i * ldc + j, 1);                             \
    for (size_t i = 0; i < (MR); i++)                                           \
        for (size_t v = 0; v < (NV); v++)                                       \
            t[i][v] = (VEC){0};                                                 \
    _Pragma("GCC unroll 4")                                                   \
    for (size_t k = 0; k < kc; k++) {                                           \
        VEC b[NV];                                                              \
        for (size_t v = 0; v < (NV); v++)                                       \
            memcpy(&b[v], bp + k * (NV) * (VL) + v * (VL), sizeof b[v]);        \
        for (size_t i = 0; i < (MR); i++) {                                     \
            const double a = ap[k * (MR) + i];                                  \
            for (size_t v = 0; v < (NV); v++)                                   \
                t[i][v] += a * b[v];                                            \
        }                                                                       \
    }                                                                           \
    if (rows == (MR) && cols == (NV) * (VL)) {                                  \
        for (size_t i = 0; i < (MR); i++)                                       \
            for (size_t v = 0; v < (NV); v++) {                                 \
                VEC old;                                                        \
                memcpy(&old, c + i * ldc + v * (VL), sizeof old);               \
                old += t[i][v];                                                 \
                memcpy(c + i * ldc + v * (VL), &old, sizeof old);               \
            }                                                                   \
        return;                                                                 \
    }                                                                           \
    double edge[MR][(NV) * (VL)];                                               \
    memcpy(edge, t, sizeof edge);                                               \
    for (size_t i = 0; i < rows; i++)                                           \
        for (size_t j = 0; j < cols; j++)                                       \
            c[i * ldc + j] += edge[i][j]

/* Portable: vectors of two doubles, which every target has or emulates. */
typedef double dgemm_v2 __attribute__((vector_size(2 * sizeof(double))));
#define PORT_MR 6
#define PORT_NV 2
DGEMM_FUSE
static void dgemm_micro_portable(size_t kc, const double *restrict ap,
                                 const double *restrict bp, double *restrict c,
                                 size_t ldc, size_t rows, size_t cols)
{
    DGEMM_MICRO_BODY(dgemm_v2, 2, PORT_MR, PORT_NV);
}

static int dgemm_any_cpu(void)
{
    return 1;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* x86-64: each micro-kernel compiled for its own instruction set (target
 * attributes), so one binary runs on any x86-64 and uses what the CPU
 * has, as __builtin_cpu_supports tells (it checks that the OS saves the
 * registers too). */
typedef double dgemm_v4 __attribute__((vector_size(4 * sizeof(double))));
typedef double dgemm_v8 __attribute__((vector_size(8 * sizeof(double))));
#define AVX2_MR 6       /* 12 accumulators of 16 registers */
#define AVX2_NV 2
#define AVX512_MR 8     /* 24 accumulators of 32 registers */
#define AVX512_NV 3

DGEMM_FUSE __attribute__((target("avx2,fma")))
static void dgemm_micro_avx2(size_t kc, const double *restrict ap,
                             const double *restrict bp, double *restrict c,
                             size_t ldc, size_t rows, size_t cols)
{
    DGEMM_MICRO_BODY(dgemm_v4, 4, AVX2_MR, AVX2_NV);
}

DGEMM_FUSE __attribute__((target("avx512f")))
static void dgemm_micro_avx512(size_t kc, const double *restrict ap,
                               const double *restrict bp, double *restrict c,
                               size_t ldc, size_t rows, size_t cols)
{
    DGEMM_MICRO_BODY(dgemm_v8, 8, AVX512_MR, AVX512_NV);
}

static int dgemm_has_avx2(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static int dgemm_has_avx512(void)
{
    return __builtin_cpu_supports("avx512f");
}
#endif

/* Best first: with PARSCALE_DGEMM_ISA unset (or auto) the first the CPU
 * supports is used. */
static const dgemm_isa dgemm_isas[] = {
#if defined(__x86_64__) && defined(__GNUC__)
    {"avx512", "avx512f", AVX512_MR, AVX512_NV * 8, 256, 96, dgemm_has_avx512,
     dgemm_micro_avx512},
    {"avx2", "avx2 and fma", AVX2_MR, AVX2_NV * 4, 256, 96, dgemm_has_avx2,
     dgemm_micro_avx2},
#endif
    {"portable", "nothing", PORT_MR, PORT_NV * 2, 256, 96, dgemm_any_cpu,
     dgemm_micro_portable},
};
#define DGEMM_NISA (sizeof dgemm_isas / sizeof dgemm_isas[0])

/* The names of the micro-kernels ("avx512, avx2, portable"), all of them
 * or only those this CPU runs, into buf. */
static void dgemm_names(char *buf, size_t len, int runnable_only)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < DGEMM_NISA; i++) {
        if (runnable_only && !dgemm_isas[i].supported())
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
                         dgemm_isas[i].name);
        if (w < 0 || (size_t)w >= len - used)
            return;
        used += (size_t)w;
    }
}

/* The micro-kernel to use: PARSCALE_DGEMM_ISA names one (refused, with
 * the reason in msg, when unknown or when this CPU cannot run it), or is
 * unset or "auto" for the best this CPU runs. */
static const dgemm_isa *dgemm_pick(char *msg, size_t len)
{
    const char *want = getenv("PARSCALE_DGEMM_ISA");
    const int any = !want || !*want || strcmp(want, "auto") == 0;
    char names[64];
    for (size_t i = 0; i < DGEMM_NISA; i++) {
        const dgemm_isa *x = &dgemm_isas[i];
        if (!any && strcmp(want, x->name) != 0)
            continue;
        if (x->supported())
            return x;
        if (!any) {
            dgemm_names(names, sizeof names, 1);
            snprintf(msg, len, "PARSCALE_DGEMM_ISA=%s: this CPU lacks %s (it runs %s)",
                     want, x->needs, names);
            return NULL;
        }
    }
    dgemm_names(names, sizeof names, 0);
    snprintf(msg, len, "PARSCALE_DGEMM_ISA=%s is not one of auto, %s", want, names);
    return NULL;
}

typedef struct dgemm_state {
    uint64_t n, m, lo, hi;
    uint32_t steps;
    const dgemm_isa *isa;  /* the micro-kernel, and the layout it reads */
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
    size_t rows = (size_t)(s->hi - s->lo), m = (size_t)s->m;
    ps_free_doubles(s->a, rows * m);
    ps_free_doubles(s->c, rows * m);
    ps_free_doubles(s->bp, s->panels * m * (s->isa ? s->isa->nr : 0));
    free(s);
}

/* Own rows of A and C (touched in init), and all of B, written straight
 * into the panel layout of the micro-kernel chosen here: the kernel owns
 * its data and keeps B the way the micro-kernel reads it.  EINVAL when the
 * micro-kernel asked for cannot run (the harness has said why before). */
static int dgemm_create(void **state, const ps_kernel_args *args)
{
    char why[160];
    const dgemm_isa *isa = dgemm_pick(why, sizeof why);
    if (!isa) {
        errno = EINVAL;
        return -1;
    }
    dgemm_state *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->n = args->n;
    s->m = ps_kernel_width(args);  /* inner dimension and columns */
    s->lo = args->lo;
    s->hi = args->hi;
    s->steps = args->steps;
    s->isa = isa;
    const size_t nr = isa->nr;
    s->panels = (size_t)((s->m + nr - 1) / nr);
    size_t rows = (size_t)(s->hi - s->lo), m = (size_t)s->m;
    s->a = ps_alloc_doubles(rows * m);
    s->c = ps_alloc_doubles(rows * m);
    s->bp = ps_alloc_doubles(s->panels * m * nr);
    if (!s->a || !s->c || !s->bp) {
        dgemm_destroy(s);
        errno = ENOMEM;
        return -1;
    }
    for (size_t p = 0; p < s->panels; p++)
        for (size_t k = 0; k < m; k++)
            for (size_t jj = 0; jj < nr; jj++) {
                size_t j = p * nr + jj;
                s->bp[(p * m + k) * nr + jj] = j < m ? dgemm_b(k, j) : 0.0;
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

/* Copies A[r0 .. r0+mc)[p0 .. p0+kc) into slivers of MR rows, k-major, so
 * the micro-kernel reads A in order; rows past mc are zero. */
static void dgemm_pack_a(const dgemm_state *s, size_t r0, size_t mc, size_t p0,
                         size_t kc, double *restrict ap)
{
    const size_t m = (size_t)s->m, mr = s->isa->mr;
    for (size_t ir = 0; ir < mc; ir += mr) {
        double *sliver = ap + ir * kc;
        for (size_t ii = 0; ii < mr; ii++) {
            const double *row = s->a + (r0 + ir + ii) * m + p0;
            if (ir + ii < mc)
                for (size_t k = 0; k < kc; k++)
                    sliver[k * mr + ii] = row[k];
            else
                for (size_t k = 0; k < kc; k++)
                    sliver[k * mr + ii] = 0.0;
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
    const dgemm_isa *x = s->isa;
    const size_t mr = x->mr, nr = x->nr, kcap = x->kc, mcmax = x->mc;
    size_t m = (size_t)s->m, r0 = (size_t)(lo - s->lo), r1 = (size_t)(hi - s->lo);
    size_t mcap = mcmax < r1 - r0 ? mcmax : r1 - r0;
    mcap = (mcap + mr - 1) / mr * mr;
    double *ap = ps_alloc_doubles(mcap * kcap);
    if (!ap)
        return;  /* rows left undone: verify reports them */
    for (size_t pc = 0; pc < m; pc += kcap) {
        size_t kc = m - pc < kcap ? m - pc : kcap;
        for (size_t ic = r0; ic < r1; ic += mcmax) {
            size_t mc = r1 - ic < mcmax ? r1 - ic : mcmax;
            dgemm_pack_a(s, ic, mc, pc, kc, ap);
            for (size_t p = 0; p < s->panels; p++) {
                const double *bp = s->bp + (p * m + pc) * nr;
                size_t cols = m - p * nr < nr ? m - p * nr : nr;
                for (size_t ir = 0; ir < mc; ir += mr) {
                    size_t rows = mc - ir < mr ? mc - ir : mr;
                    x->micro(kc, ap + ir * kc, bp, s->c + (ic + ir) * m + p * nr, m,
                             rows, cols);
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

/* What this machine computes with: "isa=NAME", or why it cannot. */
static int dgemm_variant(char *buf, size_t len)
{
    const dgemm_isa *isa = dgemm_pick(buf, len);
    if (!isa)
        return -1;
    snprintf(buf, len, "isa=%s", isa->name);
    return 0;
}

const ps_kernel ps_kernel_dgemm = {
    .name = "dgemm",
    .list_order = 50,
    .summary = "C += A B, n x n doubles, cache-blocked with a register micro-kernel per ISA",
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
    .variant = dgemm_variant,
};
