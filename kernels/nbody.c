/* nbody.c -- all-pairs gravity between n bodies of equal mass, one
 * symplectic Euler step per step: O(n^2) arithmetic on O(n) data.  Every
 * process keeps every body's position (forces need them all) but only its
 * own bodies' velocities; exchange all-gathers the new positions.
 *
 * Verification by invariants: the pair forces are equal and opposite, so
 * total momentum stays at its starting value, zero, and the centre of mass
 * stays where it started; both only up to rounding, with bounds derived
 * below.  A body left out or done twice, or positions not gathered, break
 * both by orders of magnitude more. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

#define NBODY_DT 1e-3
#define NBODY_EPS2 1e-2    /* softening squared: |a| <= 0.385 M / eps^2 */
#define NBODY_VMAX 0.1     /* largest starting speed per axis */
#define NBODY_LANES 8      /* partial sums per body: one vector of them */

/* GCC compiles ISO C with -ffp-contract=off, which forbids fusing a * b + c
 * into one FMA instruction; the force loop may (it is not bit-compared). */
#if defined(__GNUC__) && !defined(__clang__)
#define NBODY_FUSE __attribute__((optimize("fp-contract=fast")))
#else
#define NBODY_FUSE
#endif

typedef struct nbody_state {
    uint64_t n, lo, hi;
    uint32_t steps, step;      /* step: exchanges done */
    double mass;               /* 1/n: the total mass is 1 */
    double *x, *y, *z;         /* every body's position */
    double *vx, *vy, *vz;      /* own bodies' velocities, at [i - lo] */
    double *nx, *ny, *nz;      /* own bodies' new positions, at [i - lo] */
    size_t *counts, *displs;   /* bytes per process, for allgatherv */
    double com[3];             /* centre of mass at the start */
} nbody_state;

/* A counter-based hash (splitmix64's mix) of (i, salt) to [-1, 1), so the
 * starting state is a function of the body's index alone. */
static double nbody_rand(uint64_t i, uint64_t salt)
{
    uint64_t z = (i * 4 + salt + 1) * UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-52 - 1.0;
}

/* Bodies 2k and 2k+1 start with opposite velocities (a lone last body at
 * rest), so the total momentum is exactly zero. */
static void nbody_velocity(uint64_t n, uint64_t i, double v[3])
{
    for (int d = 0; d < 3; d++) {
        double r = NBODY_VMAX * nbody_rand(i / 2, (uint64_t)d + 1);
        v[d] = (i ^ 1) >= n ? 0.0 : (i & 1) ? -r : r;
    }
}

/* 1/sqrt(a) from the classic bit-level first guess and four Newton steps
 * (3.4% error, then 1.8e-3, 4.6e-6, 3e-11, rounding): plain arithmetic,
 * so the force loop vectorises, where sqrt() would not (it may set errno). */
NBODY_FUSE
static double nbody_rsqrt(double a)
{
    uint64_t b;
    double y;
    memcpy(&b, &a, sizeof b);
    b = UINT64_C(0x5fe6eb50c7b537a9) - (b >> 1);
    memcpy(&y, &b, sizeof y);
    for (int k = 0; k < 4; k++)
        y = y * (1.5 - 0.5 * a * y * y);
    return y;
}

static void nbody_destroy(void *state)
{
    nbody_state *s = state;
    if (!s)
        return;
    double *arrays[] = {s->x, s->y, s->z, s->vx, s->vy, s->vz, s->nx, s->ny, s->nz};
    for (size_t k = 0; k < sizeof arrays / sizeof *arrays; k++)
        free(arrays[k]);
    free(s->counts);
    free(s->displs);
    free(s);
}

/* All positions (replicated), own velocities and new positions, and the
 * gather layout: process r owns ps_partition(n, size, r). */
static int nbody_create(void **state, const ps_kernel_args *args)
{
    int size = args->comm && args->comm->size > 1 ? args->comm->size : 1;
    nbody_state *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->n = args->n;
    s->lo = args->lo;
    s->hi = args->hi;
    s->steps = args->steps;
    s->mass = 1.0 / (double)s->n;
    size_t all = (size_t)s->n * sizeof(double) + 64;
    size_t own = (size_t)(s->hi - s->lo) * sizeof(double) + 64;
    s->x = malloc(all), s->y = malloc(all), s->z = malloc(all);
    s->vx = malloc(own), s->vy = malloc(own), s->vz = malloc(own);
    s->nx = malloc(own), s->ny = malloc(own), s->nz = malloc(own);
    s->counts = malloc((size_t)size * sizeof(size_t));
    s->displs = malloc((size_t)size * sizeof(size_t));
    if (!s->x || !s->y || !s->z || !s->vx || !s->vy || !s->vz || !s->nx
        || !s->ny || !s->nz || !s->counts || !s->displs) {
        nbody_destroy(s);
        errno = ENOMEM;
        return -1;
    }
    for (int r = 0; r < size; r++) {
        uint64_t lo, hi;
        ps_partition(s->n, (uint64_t)size, (uint64_t)r, &lo, &hi);
        s->counts[r] = (size_t)(hi - lo) * sizeof(double);
        s->displs[r] = (size_t)lo * sizeof(double);
        if (size > 1 && r == args->comm->rank && (lo != s->lo || hi != s->hi)) {
            nbody_destroy(s);
            errno = EINVAL;  /* the gather layout would not match the data */
            return -1;
        }
    }
    for (uint64_t i = 0; i < s->n; i++) {
        s->x[i] = nbody_rand(i, 0);
        s->y[i] = nbody_rand(i, 1);
        s->z[i] = nbody_rand(i, 2);
        s->com[0] += s->mass * s->x[i];
        s->com[1] += s->mass * s->y[i];
        s->com[2] += s->mass * s->z[i];
    }
    *state = s;
    return 0;
}

/* First touch of the own bodies' velocities and new positions. */
static void nbody_init(void *state, uint64_t lo, uint64_t hi)
{
    nbody_state *s = state;
    for (uint64_t i = lo; i < hi; i++) {
        double v[3];
        nbody_velocity(s->n, i, v);
        size_t k = (size_t)(i - s->lo);
        s->vx[k] = v[0], s->vy[k] = v[1], s->vz[k] = v[2];
        s->nx[k] = s->x[i], s->ny[k] = s->y[i], s->nz[k] = s->z[i];
    }
}

/* The softened pull of a body at offset (dx, dy, dz), added into one
 * lane's sums (without the mass). */
NBODY_FUSE
static inline void nbody_pull(double dx, double dy, double dz,
                              double *ax, double *ay, double *az)
{
    double inv = nbody_rsqrt(dx * dx + dy * dy + dz * dz + NBODY_EPS2);
    double inv3 = inv * inv * inv;
    *ax += dx * inv3;
    *ay += dy * inv3;
    *az += dz * inv3;
}

/* The softened acceleration on body i from all bodies (itself adds zero),
 * summed in NBODY_LANES partial sums that the compiler keeps in one vector
 * register each; the same order for any split of the bodies. */
NBODY_FUSE
static void nbody_accel(const nbody_state *s, uint64_t i, double a[3])
{
    const double *restrict x = s->x, *restrict y = s->y, *restrict z = s->z;
    const double xi = x[i], yi = y[i], zi = z[i];
    double ax[NBODY_LANES] = {0}, ay[NBODY_LANES] = {0}, az[NBODY_LANES] = {0};
    size_t n = (size_t)s->n, j = 0;
    for (; j + NBODY_LANES <= n; j += NBODY_LANES)
        for (size_t l = 0; l < NBODY_LANES; l++)
            nbody_pull(x[j + l] - xi, y[j + l] - yi, z[j + l] - zi,
                       &ax[l], &ay[l], &az[l]);
    for (size_t l = 0; j < n; j++, l++)  /* the last n % NBODY_LANES bodies */
        nbody_pull(x[j] - xi, y[j] - yi, z[j] - zi, &ax[l], &ay[l], &az[l]);
    a[0] = a[1] = a[2] = 0.0;
    for (size_t l = 0; l < NBODY_LANES; l++) {
        a[0] += ax[l];
        a[1] += ay[l];
        a[2] += az[l];
    }
    for (int d = 0; d < 3; d++)
        a[d] *= s->mass;  /* G = 1, all masses equal */
}

/* Kick then drift for bodies [lo, hi): new velocities in place, new
 * positions aside (others may still be reading the old ones).  Adds the
 * bodies' momentum after the kick, for verify. */
static void nbody_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    nbody_state *s = state;
    double p[3] = {0.0, 0.0, 0.0};
    for (uint64_t i = lo; i < hi; i++) {
        double a[3];
        nbody_accel(s, i, a);
        size_t k = (size_t)(i - s->lo);
        s->vx[k] += NBODY_DT * a[0];
        s->vy[k] += NBODY_DT * a[1];
        s->vz[k] += NBODY_DT * a[2];
        s->nx[k] = s->x[i] + NBODY_DT * s->vx[k];
        s->ny[k] = s->y[i] + NBODY_DT * s->vy[k];
        s->nz[k] = s->z[i] + NBODY_DT * s->vz[k];
        p[0] += s->vx[k], p[1] += s->vy[k], p[2] += s->vz[k];
    }
    acc->v[0] += (double)(hi - lo);
    for (int d = 0; d < 3; d++)
        acc->v[d + 1] += s->mass * p[d];
}

/* The new positions of every process's bodies into every process's copy
 * (a plain copy when there is one process). */
static int nbody_exchange(void *state, const ps_comm *comm)
{
    nbody_state *s = state;
    double *own[3] = {s->nx, s->ny, s->nz}, *all[3] = {s->x, s->y, s->z};
    size_t bytes = (size_t)(s->hi - s->lo) * sizeof(double);
    for (int d = 0; d < 3; d++) {
        if (!comm || comm->size <= 1)
            memcpy(all[d] + s->lo, own[d], bytes);
        else if (comm->allgatherv(comm, own[d], bytes, all[d], s->counts, s->displs) != 0)
            return -1;
    }
    s->step++;
    return 0;
}

/* One exchange per step, the last one's positions in place (the
 * invariants below hold just as well for bodies that never move); then
 * momentum (summed over steps by run) and the centre of mass, against
 * bounds on rounding.  Each acceleration sums n terms of at most
 * 0.385 M / (n eps^2) each, so it errs by at most about n u 0.385 / eps^2
 * (u the unit roundoff); over s steps momentum drifts by s dt times that,
 * plus the rounding of summing it.  A body skipped once shifts momentum by
 * its own, about vmax / n: 1e-6 at n = 16384 against a bound of 1e-10. */
static int nbody_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    const nbody_state *s = state;
    const double u = 1.1102230246251565e-16, n = (double)s->n, steps = (double)s->steps;
    if (total->v[0] != n * steps) {
        snprintf(msg, len, "moved %.0f bodies, expected %.0f", total->v[0], n * steps);
        return 0;
    }
    if (s->step != s->steps) {
        snprintf(msg, len, "exchange ran %u times for %u steps", s->step, s->steps);
        return 0;
    }
    for (uint64_t i = s->lo; i < s->hi; i++) {
        size_t k = (size_t)(i - s->lo);
        if (s->x[i] != s->nx[k] || s->y[i] != s->ny[k] || s->z[i] != s->nz[k]) {
            snprintf(msg, len, "body %llu's last move is missing from the gathered "
                     "positions", (unsigned long long)i);
            return 0;
        }
    }
    double amax = 0.385 / NBODY_EPS2, vmax = NBODY_VMAX * 1.8 + steps * NBODY_DT * amax;
    double tol_p = 4.0 * (steps * steps * NBODY_DT * n * u * amax + steps * n * u * vmax) + 1e-300;
    for (int d = 0; d < 3; d++)
        if (!(fabs(total->v[d + 1]) <= tol_p)) {
            snprintf(msg, len, "momentum along axis %d is %.3g, not 0 (tolerance %.3g)",
                     d, total->v[d + 1], tol_p);
            return 0;
        }
    const double *pos[3] = {s->x, s->y, s->z};
    double tol_c = 4.0 * (n * u * 2.0 + steps * NBODY_DT * tol_p) + 1e-300;
    for (int d = 0; d < 3; d++) {
        double c = 0.0;
        for (uint64_t i = 0; i < s->n; i++)
            c += s->mass * pos[d][i];
        if (!(fabs(c - s->com[d]) <= tol_c)) {
            snprintf(msg, len, "centre of mass moved by %.3g along axis %d "
                     "(tolerance %.3g)", c - s->com[d], d, tol_c);
            return 0;
        }
    }
    return 1;
}

/* A body interacts with all n: 20 flops each by the usual convention; its
 * own position, velocity and new position cross memory once. */
static void nbody_cost(const ps_kernel_args *args, ps_kernel_cost *out)
{
    double n = (double)args->n;
    out->rate_per_index = n * 1e-9;
    out->flops_per_index = 20.0 * n;
    out->bytes_per_index = 96.0;
}

const ps_kernel ps_kernel_nbody = {
    .name = "nbody",
    .list_order = 70,
    .summary = "all-pairs softened gravity between n bodies, symplectic Euler",
    .exercises = "floating-point throughput on cached data; all-gather every step",
    .rate_unit = "Ginteractions/s",
    .rate_per_index = 4096 * 1e-9,
    .flops_per_index = 20.0 * 4096,
    .bytes_per_index = 96.0,
    .sizes = {64, 4096, 16384},
    .steps = 10,
    .tick = 1,
    .create = nbody_create,
    .init = nbody_init,
    .run = nbody_run,
    .exchange = nbody_exchange,
    .verify = nbody_verify,
    .destroy = nbody_destroy,
    .cost = nbody_cost,
};
