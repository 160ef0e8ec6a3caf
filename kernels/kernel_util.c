/* kernel_util.c -- the helpers kernel.h declares, shared by every kernel.
 * Built into the harness and, for out-of-tree kernels, installed as the
 * small static library parscale::kernel_util; nothing here may depend on
 * the harness or on the list of kernels. */
#define _DEFAULT_SOURCE 1  /* madvise and MADV_HUGEPAGE under -std=c11 */
#include <sys/mman.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

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

enum { HUGE_ALIGN = 2u << 20, HUGE_FROM = 8u << 20 };

double *ps_alloc_doubles(size_t count)
{
    if (count > (SIZE_MAX - HUGE_ALIGN) / sizeof(double))  /* the byte count would wrap */
        return errno = ENOMEM, NULL;
    size_t bytes = (count * sizeof(double) + 63) / 64 * 64;
    if (bytes < HUGE_FROM)
        return aligned_alloc(64, bytes ? bytes : 64);
    /* Arrays beyond the caches (stream's, transpose's): on 2 MiB pages
     * where the system allows them, so that first touching them (each
     * worker its own part, in init) costs a fault per 2 MiB rather than
     * per 4 KiB: on a VM that is most of a repetition's set-up. */
    bytes = (bytes + HUGE_ALIGN - 1) / HUGE_ALIGN * HUGE_ALIGN;
    double *p = aligned_alloc(HUGE_ALIGN, bytes);
#ifdef MADV_HUGEPAGE
    if (p)
        (void)madvise(p, bytes, MADV_HUGEPAGE);  /* advice only: refused is fine */
#endif
    return p;
}
