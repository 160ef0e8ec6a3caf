/* stencil.c -- Jacobi iterations of the 2-D 5-point Laplace stencil on an
 * n x m grid (n rows are the indices) with zero boundary values.  Each
 * process holds its rows and one halo row above and below, which exchange
 * refreshes from the neighbouring processes after every step.
 *
 * Verification: a sum of two eigenmodes of the discrete operator,
 *   phi_pq(i, j) = sin(p pi (i+1) / (n+1)) sin(q pi (j+1) / (m+1)),
 * is multiplied by exactly lambda_pq = (cos(p pi/(n+1)) + cos(q pi/(m+1)))/2
 * by each Jacobi step, so after s steps every point is known in closed
 * form.  The field changes every step, so a halo row that was not
 * exchanged, or a row left out, leaves an error far above rounding. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

#define STENCIL_PI 3.14159265358979323846

typedef struct stencil_state {
    uint64_t n, m, lo, hi;
    size_t stride;       /* m + 2: a zero column on each side */
    uint32_t steps, step;
    double *u, *v;       /* current and next field, (hi - lo + 2) rows */
    double *col1, *col2; /* the modes' column factors, sin(q pi (j+1)/(m+1)) */
} stencil_state;

/* The two modes: (1,1), the slowest to decay, and (3,2) at half weight.
 * sin(k pi x / (len + 1)): a mode's factor along one axis. */
static double stencil_sin(int k, uint64_t x, uint64_t len)
{
    return sin(k * STENCIL_PI * (double)(x + 1) / (double)(len + 1));
}

static double stencil_lambda(uint64_t n, uint64_t m, int p, int q)
{
    return 0.5 * (cos(p * STENCIL_PI / (double)(n + 1))
                  + cos(q * STENCIL_PI / (double)(m + 1)));
}

/* The exact row i (global, -1..n; rows -1 and n are the zero boundary)
 * after `step` steps, into out[0..m). */
static void stencil_exact_row(const stencil_state *s, uint32_t step, int64_t i,
                              double *out)
{
    double a = 0.0, b = 0.0;
    if (i >= 0 && (uint64_t)i < s->n) {
        a = pow(stencil_lambda(s->n, s->m, 1, 1), step) * stencil_sin(1, (uint64_t)i, s->n);
        b = 0.5 * pow(stencil_lambda(s->n, s->m, 3, 2), step) * stencil_sin(3, (uint64_t)i, s->n);
    }
    for (uint64_t j = 0; j < s->m; j++)
        out[j] = a * s->col1[j] + b * s->col2[j];
}

/* Row i of buffer b (global row, lo - 1 .. hi), from its first column. */
static double *stencil_row(const stencil_state *s, double *b, int64_t i)
{
    return b + (size_t)(i - (int64_t)s->lo + 1) * s->stride;
}

/* Fills one row of both buffers with the starting field, zero columns at
 * the sides. */
static void stencil_fill(stencil_state *s, int64_t i)
{
    double *u = stencil_row(s, s->u, i), *v = stencil_row(s, s->v, i);
    u[0] = v[0] = u[s->m + 1] = v[s->m + 1] = 0.0;
    stencil_exact_row(s, 0, i, u + 1);
    memcpy(v + 1, u + 1, (size_t)s->m * sizeof(double));
}

static void stencil_destroy(void *state)
{
    stencil_state *s = state;
    if (!s)
        return;
    free(s->u);
    free(s->v);
    free(s->col1);
    free(s->col2);
    free(s);
}

/* This process's rows and two halo rows; the halos start with the exact
 * field (after that, only exchange writes them). */
static int stencil_create(void **state, const ps_kernel_args *args)
{
    const ps_comm *comm = args->comm;
    if (comm && comm->size > 1 && args->hi == args->lo) {
        errno = EINVAL;  /* a rank with no rows cannot pass halos on */
        return -1;
    }
    stencil_state *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->n = args->n;
    s->m = ps_kernel_width(args);  /* columns */
    s->lo = args->lo;
    s->hi = args->hi;
    s->stride = (size_t)s->m + 2;
    s->steps = args->steps;
    size_t bytes = (size_t)(s->hi - s->lo + 2) * s->stride * sizeof(double);
    s->u = malloc(bytes);
    s->v = malloc(bytes);
    s->col1 = malloc((size_t)s->m * sizeof(double) + 1);
    s->col2 = malloc((size_t)s->m * sizeof(double) + 1);
    if (!s->u || !s->v || !s->col1 || !s->col2) {
        stencil_destroy(s);
        errno = ENOMEM;
        return -1;
    }
    for (uint64_t j = 0; j < s->m; j++) {
        s->col1[j] = stencil_sin(1, j, s->m);
        s->col2[j] = stencil_sin(2, j, s->m);
    }
    stencil_fill(s, (int64_t)s->lo - 1);
    stencil_fill(s, (int64_t)s->hi);
    *state = s;
    return 0;
}

static void stencil_init(void *state, uint64_t lo, uint64_t hi)
{
    stencil_state *s = state;
    for (uint64_t i = lo; i < hi; i++)
        stencil_fill(s, (int64_t)i);
}

/* One Jacobi step for rows [lo, hi): reads u, writes v.  The zero columns
 * make every point the same, so the inner loop is one vector loop. */
static void stencil_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    stencil_state *s = state;
    size_t m = (size_t)s->m;
    for (uint64_t i = lo; i < hi; i++) {
        const double *restrict up = stencil_row(s, s->u, (int64_t)i - 1);
        const double *restrict mid = stencil_row(s, s->u, (int64_t)i);
        const double *restrict down = stencil_row(s, s->u, (int64_t)i + 1);
        double *restrict out = stencil_row(s, s->v, (int64_t)i);
        for (size_t j = 1; j <= m; j++)
            out[j] = 0.25 * (up[j] + down[j] + mid[j - 1] + mid[j + 1]);
    }
    acc->v[0] += (double)(hi - lo);
}

/* The new field becomes the current one; then each process sends its first
 * row up and its last row down, and receives its halos from the same
 * neighbours (none past the grid's edges, where the halo stays zero). */
static int stencil_exchange(void *state, const ps_comm *comm)
{
    stencil_state *s = state;
    double *t = s->u;
    s->u = s->v;
    s->v = t;
    s->step++;
    if (!comm || comm->size <= 1)
        return 0;
    int up = comm->rank > 0 ? comm->rank - 1 : -1;
    int down = comm->rank + 1 < comm->size ? comm->rank + 1 : -1;
    size_t bytes = (size_t)s->m * sizeof(double);
    int64_t lo = (int64_t)s->lo, hi = (int64_t)s->hi;
    if (comm->sendrecv(comm, stencil_row(s, s->u, lo) + 1, up >= 0 ? bytes : 0, up,
                       stencil_row(s, s->u, hi) + 1, down >= 0 ? bytes : 0, down) != 0)
        return -1;
    return comm->sendrecv(comm, stencil_row(s, s->u, hi - 1) + 1, down >= 0 ? bytes : 0,
                          down, stencil_row(s, s->u, lo - 1) + 1,
                          up >= 0 ? bytes : 0, up);
}

/* Every point of this process's rows against the closed form.  The
 * tolerance allows a few roundings per point per step (the Jacobi operator
 * never amplifies an error); a missing exchange errs by about (1 - lambda)
 * per step, orders of magnitude more at every size we run. */
static int stencil_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const stencil_state *s = state;
    if (total->v[0] != (double)s->n * (double)s->steps) {
        snprintf(msg, len, "updated %.0f rows, expected %.0f",
                 total->v[0], (double)s->n * (double)s->steps);
        return 0;
    }
    if (s->step != s->steps) {
        snprintf(msg, len, "exchange ran %u times for %u steps", s->step, s->steps);
        return 0;
    }
    double tol = 8.0 * 2.220446049250313e-16 * ((double)s->steps + 4.0);
    double worst = 0.0;
    uint64_t wi = 0, wj = 0;
    double *want = malloc((size_t)s->m * sizeof(double) + 1);
    if (!want) {
        snprintf(msg, len, "out of memory");
        return 0;
    }
    for (uint64_t i = s->lo; i < s->hi; i++) {
        const double *row = stencil_row(s, s->u, (int64_t)i) + 1;
        stencil_exact_row(s, s->steps, (int64_t)i, want);
        for (uint64_t j = 0; j < s->m; j++) {
            double err = fabs(row[j] - want[j]);
            if (!(err <= worst)) {  /* also catches NaN */
                worst = err, wi = i, wj = j;
                if (isnan(err))
                    break;
            }
        }
    }
    free(want);
    if (worst <= tol)
        return 1;
    snprintf(msg, len, "point (%llu, %llu) off the closed form by %.3g "
             "(tolerance %.3g)", (unsigned long long)wi, (unsigned long long)wj,
             worst, tol);
    return 0;
}

/* A row is m point updates: 4 flops each, one value read and one written
 * (the neighbours come from cache). */
static void stencil_cost(const ps_kernel_args *args, ps_kernel_cost *out)
{
    double m = (double)ps_kernel_width(args);
    out->rate_per_index = m * 1e-9;
    out->flops_per_index = 4.0 * m;
    out->bytes_per_index = 16.0 * m;
}

const ps_kernel ps_kernel_stencil = {
    .name = "stencil",
    .list_order = 60,
    .summary = "2-D 5-point Jacobi iterations on an n x n grid",
    .exercises = "memory bandwidth with neighbour reuse; halo exchange every step",
    .rate_unit = "Gpoints/s",
    .rate_per_index = 1024 * 1e-9,
    .flops_per_index = 4.0 * 1024,
    .bytes_per_index = 16.0 * 1024,
    .sizes = {64, 1024, 4096},
    .steps = 200,
    .tick = 1,
    .create = stencil_create,
    .init = stencil_init,
    .run = stencil_run,
    .exchange = stencil_exchange,
    .verify = stencil_verify,
    .destroy = stencil_destroy,
    .cost = stencil_cost,
};
