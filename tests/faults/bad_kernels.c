/* bad_kernels.c -- kernel libraries that misbehave on purpose, for the
 * fault tests; one behaviour per build (-DBAD_HUGE_SIZE, -DBAD_MANY,
 * -DBAD_BYTES, -DBAD_EXIT, -DBAD_HANG):
 *   cc -shared -fPIC -I kernels -DBAD_HANG tests/faults/bad_kernels.c -o x.so */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"

/* The state is a copy of the arguments. */
static int bad_create(void **state, const ps_kernel_args *args)
{
    ps_kernel_args *s = malloc(sizeof *s);
    if (!s)
        return -1;
    *s = *args;
    *state = s;
    return 0;
}

static void bad_init(void *state, uint64_t lo, uint64_t hi)
{
    (void)state, (void)lo, (void)hi;
}

/* What the library is built to do wrong happens here, in the timed part. */
static void bad_run(void *state, uint64_t lo, uint64_t hi, ps_acc *acc)
{
    (void)state;
#if defined(BAD_EXIT)
    exit(0);
#elif defined(BAD_HANG)
    for (;;)
        pause();
#endif
    acc->v[0] += (double)(hi - lo);
}

/* Wrong by design under BAD_BYTES, with a message that is not UTF-8. */
static int bad_verify(void *state, const ps_acc *total, char *msg, size_t len)
{
    (void)state, (void)total;
#if defined(BAD_BYTES)
    snprintf(msg, len, "caf\xe9 \xff\xfe bytes");
    return 0;
#else
    (void)msg, (void)len;
    return 1;
#endif
}

#if defined(BAD_HUGE_SIZE)
#define BAD_SIZES {9007199254740993ull, 9007199254740993ull, 9007199254740993ull}
#else
#define BAD_SIZES {4, 4, 4}
#endif

#define BAD_KERNEL(id, nm)                                                      \
    const ps_kernel id = {.name = nm, .summary = "a misbehaving test kernel",   \
                          .exercises = "the harness's fault handling",          \
                          .rate_unit = "index/s", .rate_per_index = 1.0,        \
                          .sizes = BAD_SIZES, .steps = 1, .tick = 1,            \
                          .create = bad_create, .init = bad_init,               \
                          .run = bad_run, .verify = bad_verify, .destroy = free}

BAD_KERNEL(bad_k0, "bad0");
#if defined(BAD_MANY)
/* 64 kernels: with the built-in ones, more than any list holds */
#define B8(p)                                                                   \
    BAD_KERNEL(bad_##p##0, "bad" #p "0"); BAD_KERNEL(bad_##p##1, "bad" #p "1");   \
    BAD_KERNEL(bad_##p##2, "bad" #p "2"); BAD_KERNEL(bad_##p##3, "bad" #p "3");   \
    BAD_KERNEL(bad_##p##4, "bad" #p "4"); BAD_KERNEL(bad_##p##5, "bad" #p "5");   \
    BAD_KERNEL(bad_##p##6, "bad" #p "6"); BAD_KERNEL(bad_##p##7, "bad" #p "7")
B8(a); B8(b); B8(c); B8(d); B8(e); B8(f); B8(g); B8(h);
#define R8(p) &bad_##p##0, &bad_##p##1, &bad_##p##2, &bad_##p##3, &bad_##p##4, \
              &bad_##p##5, &bad_##p##6, &bad_##p##7
PS_KERNEL_MODULE(R8(a), R8(b), R8(c), R8(d), R8(e), R8(f), R8(g), R8(h));
#else
PS_KERNEL_MODULE(&bad_k0);
#endif
