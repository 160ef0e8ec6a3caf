/* mandelbrot.c -- the Mandelbrot set on a grid of n columns (the indices)
 * by m rows over [-2, 0.6] x [-1.3, 1.3].  Work per column is very uneven
 * (points in the set take all MANDEL_MAXITER iterations, most others a
 * few), so a static split of the columns leaves workers idle where a
 * dynamic one does not. */
#include <complex.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"

#define MANDEL_MAXITER 256
#define MANDEL_X0 (-2.0)
#define MANDEL_WIDTH 2.6
#define MANDEL_HEIGHT 2.6   /* centred on the real axis */

typedef struct mandel_col {
    uint32_t in_top, in_bottom, in_all;  /* points in the set, over steps */
    uint32_t visits;                     /* times run computed this column */
} mandel_col;

typedef struct mandel_state {
    uint64_t n, m, lo, hi;
    uint32_t steps;
    double dx, dy;
    mandel_col *col;  /* column c at [c - lo] */
} mandel_state;

/* Pixel centres.  A row's y is an exact integer times dy/2, so rows r and
 * m-1-r sit at exactly y and -y, and the set's symmetry about the real axis
 * holds bit for bit in floating point. */
static double mandel_x(const mandel_state *s, uint64_t c)
{
    return MANDEL_X0 + ((double)c + 0.5) * s->dx;
}

static double mandel_y(const mandel_state *s, uint64_t r)
{
    return ((double)(2 * r + 1) - (double)s->m) * (0.5 * s->dy);
}

static int mandel_create(void **state, const ps_kernel_args *args)
{
    mandel_state *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->n = args->n;
    s->m = ps_kernel_width(args);  /* rows: weak scaling adds columns */
    s->lo = args->lo;
    s->hi = args->hi;
    s->steps = args->steps;
    s->dx = MANDEL_WIDTH / (double)s->n;
    s->dy = MANDEL_HEIGHT / (double)s->m;
    s->col = malloc((size_t)(s->hi - s->lo + 1) * sizeof *s->col);
    if (!s->col) {
        free(s);
        errno = ENOMEM;
        return -1;
    }
    *state = s;
    return 0;
}

static void mandel_init(void *state, uint64_t lo, uint64_t hi)
{
    mandel_state *s = state;
    for (uint64_t c = lo; c < hi; c++)
        s->col[c - s->lo] = (mandel_col){0, 0, 0, 0};
}

/* Iterations of z = z^2 + c before |z| > 2, MANDEL_MAXITER if it stays. */
static int mandel_escape(double cx, double cy)
{
    double x = 0.0, y = 0.0, x2 = 0.0, y2 = 0.0;
    int it = 0;
    while (it < MANDEL_MAXITER && x2 + y2 <= 4.0) {
        y = 2.0 * x * y + cy;
        x = x2 - y2 + cx;
        x2 = x * x;
        y2 = y * y;
        it++;
    }
    return it;
}

/* Whole columns: every row of each column in [lo, hi). */
static void mandel_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    mandel_state *s = state;
    uint64_t inside = 0;
    for (uint64_t c = lo; c < hi; c++) {
        double cx = mandel_x(s, c);
        uint32_t top = 0, bottom = 0, all = 0;
        for (uint64_t r = 0; r < s->m; r++) {
            if (mandel_escape(cx, mandel_y(s, r)) < MANDEL_MAXITER)
                continue;
            all++;
            top += 2 * r + 1 < s->m;
            bottom += 2 * r + 1 > s->m;
        }
        mandel_col *o = &s->col[c - s->lo];
        o->in_top += top;
        o->in_bottom += bottom;
        o->in_all += all;
        o->visits++;
        inside += all;
    }
    acc->v[0] += (double)(hi - lo);
    acc->v[1] += (double)inside;
}

/* Inside the main cardioid or the period-2 disc: known to be in the set
 * (closed forms), whatever the iteration limit. */
static int mandel_surely_inside(double x, double y)
{
    double q = (x - 0.25) * (x - 0.25) + y * y;
    if (q * (q + (x - 0.25)) < 0.25 * y * y * 0.999)
        return 1;
    return (x + 1.0) * (x + 1.0) + y * y < 0.0625 * 0.999;
}

/* An independent escape test for verify's samples: complex arithmetic,
 * written differently from the kernel's loop. */
static int mandel_stays(double x, double y)
{
    double complex c = x + y * I, z = 0.0;
    for (int k = 0; k < MANDEL_MAXITER; k++) {
        z = z * z + c;
        if (creal(z) * creal(z) + cimag(z) * cimag(z) > 4.0)
            return 0;
    }
    return 1;
}

/* Per column of this process: visited once per step; the upper and lower
 * halves agree (the set is symmetric about the real axis); at least the
 * points known to be inside by closed form; every 37th column recounted by
 * the independent test (within one point in a hundred, since rounding may
 * flip points on the boundary).  Globally: the area is near the published
 * 1.50659 (bounds wide enough for a coarse grid and a finite limit). */
static int mandel_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const mandel_state *s = state;
    double steps = (double)s->steps;
    if (total->v[0] != (double)s->n * steps) {
        snprintf(msg, len, "computed %.0f columns, expected %.0f",
                 total->v[0], (double)s->n * steps);
        return 0;
    }
    for (uint64_t c = s->lo; c < s->hi; c++) {
        const mandel_col *o = &s->col[c - s->lo];
        double x = mandel_x(s, c);
        if (o->visits != s->steps) {
            snprintf(msg, len, "column %llu computed %u times in %u steps",
                     (unsigned long long)c, o->visits, s->steps);
            return 0;
        }
        if (o->in_top != o->in_bottom) {
            snprintf(msg, len, "column %llu: %u points in the set above the axis, "
                     "%u below", (unsigned long long)c, o->in_top, o->in_bottom);
            return 0;
        }
        uint32_t known = 0, recount = 0;
        int sample = c % 37 == 0 || c + 1 == s->n;
        for (uint64_t r = 0; r < s->m; r++) {
            double y = mandel_y(s, r);
            known += (uint32_t)mandel_surely_inside(x, y);
            if (sample)
                recount += (uint32_t)mandel_stays(x, y);
        }
        if (o->in_all < known * s->steps) {
            snprintf(msg, len, "column %llu: %u points in the set, but %u lie in "
                     "the cardioid or the main disc", (unsigned long long)c,
                     o->in_all / s->steps, known);
            return 0;
        }
        double diff = (double)o->in_all / steps - (double)recount;
        if (sample && (diff > 1.0 + (double)s->m / 100 || -diff > 1.0 + (double)s->m / 100)) {
            snprintf(msg, len, "column %llu: %u points in the set, an independent "
                     "recount finds %u", (unsigned long long)c,
                     o->in_all / s->steps, recount);
            return 0;
        }
    }
    double area = total->v[1] / steps * s->dx * s->dy;
    if (area < 1.35 || area > 1.75) {
        snprintf(msg, len, "area of the set %.4f, published 1.50659", area);
        return 0;
    }
    return 1;
}

static void mandel_destroy(void *state)
{
    mandel_state *s = state;
    if (s)
        free(s->col);
    free(s);
}

/* A column is m pixels. */
static void mandel_cost(const ps_kernel_args *args, ps_kernel_cost *out)
{
    double m = (double)ps_kernel_width(args);
    out->rate_per_index = m * 1e-6;
    out->flops_per_index = 0.0;  /* depends on the iterations: not declared */
    out->bytes_per_index = 0.0;
}

const ps_kernel ps_kernel_mandelbrot = {
    .name = "mandelbrot",
    .list_order = 80,
    .summary = "the Mandelbrot set on an n x n grid, 256 iterations at most",
    .exercises = "uneven work per index: static against dynamic scheduling",
    .rate_unit = "Mpixels/s",
    .rate_per_index = 1024 * 1e-6,
    .flops_per_index = 0.0,
    .bytes_per_index = 0.0,
    .sizes = {64, 1024, 3072},
    .steps = 1,
    .tick = 1,
    .create = mandel_create,
    .init = mandel_init,
    .run = mandel_run,
    .verify = mandel_verify,
    .destroy = mandel_destroy,
    .cost = mandel_cost,
};
