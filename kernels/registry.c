/* registry.c -- the one list of kernels, and helpers every kernel shares. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

extern const ps_kernel ps_kernel_null, ps_kernel_count, ps_kernel_pi,
    ps_kernel_stream, ps_kernel_io, ps_kernel_primes, ps_kernel_montecarlo,
    ps_kernel_mandelbrot, ps_kernel_stencil, ps_kernel_nbody,
    ps_kernel_dgemm, ps_kernel_transpose;

const ps_kernel *const ps_kernels[] = {
    &ps_kernel_count,
    &ps_kernel_pi,
    &ps_kernel_stream,
    &ps_kernel_io,
    &ps_kernel_dgemm,
    &ps_kernel_stencil,
    &ps_kernel_nbody,
    &ps_kernel_mandelbrot,
    &ps_kernel_primes,
    &ps_kernel_montecarlo,
    &ps_kernel_transpose,
    &ps_kernel_null,
    NULL,
};

const ps_kernel *ps_kernel_find(const char *name)
{
    for (const ps_kernel *const *k = ps_kernels; *k; k++)
        if (strcmp((*k)->name, name) == 0)
            return *k;
    return NULL;
}

/* One place that knows a kernel may scale its per-index figures. */
void ps_kernel_cost_of(const ps_kernel *k, const ps_kernel_args *args,
                       ps_kernel_cost *out)
{
    out->rate_per_index = k->rate_per_index;
    out->flops_per_index = k->flops_per_index;
    out->bytes_per_index = k->bytes_per_index;
    if (k->cost)
        k->cost(args, out);
}

void ps_acc_sum(ps_acc *total, const ps_acc *part)
{
    for (int i = 0; i < PS_ACC_SLOTS; i++)
        total->v[i] += part->v[i];
}

void ps_partition(uint64_t n, uint64_t parts, uint64_t i,
                  uint64_t *lo, uint64_t *hi)
{
    uint64_t base = n / parts, extra = n % parts;
    *lo = i * base + (i < extra ? i : extra);
    *hi = *lo + base + (i < extra ? 1 : 0);
}

void ps_kernel_default_params(const ps_kernel *k, double out[PS_MAX_PARAMS])
{
    int named = 1;
    for (int i = 0; i < PS_MAX_PARAMS; i++) {
        named = named && k->params && k->params[i].name;
        out[i] = named ? k->params[i].def : 0.0;
    }
}

int ps_kernel_keep_args(void **state, const ps_kernel_args *args)
{
    ps_kernel_args *a = malloc(sizeof *a);
    if (!a)
        return -1;
    *a = *args;
    *state = a;
    return 0;
}

void ps_kernel_no_init(void *state, uint64_t lo, uint64_t hi)
{
    (void)state, (void)lo, (void)hi;
}

uint64_t ps_kernel_width(const ps_kernel_args *args)
{
    return args->order && args->order <= args->n ? args->order : args->n;
}

double *ps_alloc_doubles(size_t count)
{
    if (count > (SIZE_MAX - 63) / sizeof(double))  /* the byte count would wrap */
        return errno = ENOMEM, NULL;
    size_t bytes = (count * sizeof(double) + 63) / 64 * 64;
    return aligned_alloc(64, bytes ? bytes : 64);
}
