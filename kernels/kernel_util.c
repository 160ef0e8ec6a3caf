/* kernel_util.c -- the helpers kernel.h declares, shared by every kernel.
 * Built into the harness and, for out-of-tree kernels, installed as the
 * small static library parscale::kernel_util; nothing here may depend on
 * the harness or on the list of kernels. */
#define _DEFAULT_SOURCE 1  /* madvise and MADV_HUGEPAGE under -std=c11 */
#include <sys/mman.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

enum { HUGE_ALIGN = 2u << 20, HUGE_FROM = 8u << 20, POOL_SLOTS = 32 };

/* Large arrays released by one repetition, kept for the next: a fresh
 * mapping costs the kernel's zeroing of every page before init can write
 * it (for stream at a 10 ms repetition, five times the repetition), and
 * the same sizes come back every round.  Only where the machine has one
 * memory node: on several, first touch by the worker that streams through
 * a page is what places it, and a reused page keeps its old node.  At
 * most POOL_SLOTS blocks and an eighth of the memory are kept; the oldest
 * go first.  A spin lock (C11 atomics): kernels allocate outside the timed
 * region, and this library depends on no thread library. */
static struct {
    atomic_flag lock;
    int numa;                 /* 0 unknown, 1 one node, 2 several */
    size_t held, cap;
    struct { void *p; size_t bytes; unsigned long long age; } slot[POOL_SLOTS];
    unsigned long long clock;
} pool = {ATOMIC_FLAG_INIT, 0, 0, 0, {{0, 0, 0}}, 0};

static void pool_lock(void)
{
    while (atomic_flag_test_and_set_explicit(&pool.lock, memory_order_acquire))
        ;
}

static void pool_unlock(void)
{
    atomic_flag_clear_explicit(&pool.lock, memory_order_release);
}

/* Under the lock: whether reuse is allowed here (decided once). */
static int pool_usable(void)
{
    if (!pool.numa) {
        /* node1 exists only where there are two memory nodes or more; no
         * folder at all is a kernel without NUMA */
        pool.numa = access("/sys/devices/system/node/node1", F_OK) == 0 ? 2 : 1;
        long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
        pool.cap = pages > 0 && size > 0 ? (size_t)pages / 8 * (size_t)size : 0;
    }
    return pool.numa == 1 && pool.cap > 0;
}

/* A kept block of exactly bytes (the sizes repeat), or NULL. */
static void *pool_take(size_t bytes)
{
    void *p = NULL;
    pool_lock();
    for (int i = 0; pool_usable() && i < POOL_SLOTS && !p; i++)
        if (pool.slot[i].p && pool.slot[i].bytes == bytes) {
            p = pool.slot[i].p;
            pool.slot[i].p = NULL;
            pool.held -= bytes;
        }
    pool_unlock();
    return p;
}

/* Keeps p, releasing the oldest blocks that would exceed the bounds;
 * returns 0 when p itself is not kept (the caller frees it). */
static int pool_keep(void *p, size_t bytes)
{
    int kept = 0;
    void *drop[POOL_SLOTS];
    int ndrop = 0;
    pool_lock();
    if (pool_usable() && bytes <= pool.cap) {
        for (;;) {
            int free_slot = -1, oldest = -1;
            for (int i = 0; i < POOL_SLOTS; i++) {
                if (!pool.slot[i].p)
                    free_slot = free_slot < 0 ? i : free_slot;
                else if (oldest < 0 || pool.slot[i].age < pool.slot[oldest].age)
                    oldest = i;
            }
            if (free_slot >= 0 && pool.held + bytes <= pool.cap) {
                pool.slot[free_slot].p = p;
                pool.slot[free_slot].bytes = bytes;
                pool.slot[free_slot].age = ++pool.clock;
                pool.held += bytes;
                kept = 1;
                break;
            }
            drop[ndrop++] = pool.slot[oldest].p;
            pool.held -= pool.slot[oldest].bytes;
            pool.slot[oldest].p = NULL;
        }
    }
    pool_unlock();
    for (int i = 0; i < ndrop; i++)
        free(drop[i]);
    return kept;
}

/* The bytes a large array of count doubles takes: whole 2 MiB pages. */
static size_t huge_bytes(size_t count)
{
    size_t bytes = count * sizeof(double);
    return (bytes + HUGE_ALIGN - 1) / HUGE_ALIGN * HUGE_ALIGN;
}

double *ps_alloc_doubles(size_t count)
{
    if (count > (SIZE_MAX - HUGE_ALIGN) / sizeof(double))  /* the byte count would wrap */
        return errno = ENOMEM, NULL;
    size_t bytes = (count * sizeof(double) + 63) / 64 * 64;
    if (bytes < HUGE_FROM)
        return aligned_alloc(64, bytes ? bytes : 64);
    /* Arrays beyond the caches (stream's, dgemm's): on 2 MiB pages where
     * the system allows them, so that first touching them (each worker its
     * own part, in init) costs a fault per 2 MiB rather than per 4 KiB: on
     * a VM that is most of a repetition's set-up. */
    bytes = huge_bytes(count);
    double *p = pool_take(bytes);
    if (p)
        return p;
    p = aligned_alloc(HUGE_ALIGN, bytes);
#ifdef MADV_HUGEPAGE
    if (p)
        (void)madvise(p, bytes, MADV_HUGEPAGE);  /* advice only: refused is fine */
#endif
    return p;
}

void ps_free_doubles(double *p, size_t count)
{
    if (!p)
        return;
    size_t bytes = (count * sizeof(double) + 63) / 64 * 64;
    if (bytes >= HUGE_FROM && pool_keep(p, huge_bytes(count)))
        return;
    free(p);
}
