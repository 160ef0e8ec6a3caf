/*
 * kernel.h -- the contract between a kernel and the backends that run it.
 *
 * A kernel owns its data and its arithmetic; a backend owns everything else
 * (how the index space is split, threads or processes, locking, timing).
 * No kernel mentions OpenMP, MPI or the GIL, and no backend knows a kernel's
 * math: both sides meet only through the table below.
 *
 * The life of one repetition, as every backend drives it:
 *
 *   create(&state, args)          once per process, for the indices
 *                                 [args->lo, args->hi) this process owns
 *   init(state, lo, hi)           by each worker, for its own sub-range,
 *                                 so pages are first touched where used
 *   repeat args->steps times:
 *     run(state, lo, hi, acc)     by each worker on its sub-range, in one
 *                                 block or in many small ticks; partial
 *                                 results accumulate in the worker's acc
 *     exchange(state, comm)       once per process after all its workers
 *                                 finished the step (halo rows, all-gather,
 *                                 buffer swap); may be NULL
 *   reduce(total, acc)            partial results combined over workers and
 *                                 processes (NULL: slot-wise sum)
 *   verify(state, total, ...)     on every process: checks the answer
 *                                 against a closed form or an invariant
 *   destroy(state)
 *
 * In the tree, a kernel is one file kernels/NAME.c that defines
 * `const ps_kernel ps_kernel_NAME = {...}`: the build finds it and lists it.
 * Out of the tree, the same file built with parscale_add_kernel() (the
 * installed CMake package) becomes a shared object that
 * `parscale run --kernel-lib` loads.
 */
#ifndef PS_KERNEL_H
#define PS_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* The version of this contract.  A kernel library records the version it
 * was compiled with and parscale refuses any other, so bump it whenever the
 * layout or meaning of anything below changes (ps_kernel, ps_kernel_args,
 * ps_comm, ps_acc, ps_kernel_param, ps_kernel_module).  Defined here unless the compiler is
 * told otherwise, which is how the tests build a mismatched library. */
#ifndef PS_KERNEL_ABI
#define PS_KERNEL_ABI 4
#endif

/* Partial results: a few accumulators a worker adds into.  Doubles hold
 * integer counts exactly up to 2^53, far beyond any size we run. */
#define PS_ACC_SLOTS 4
typedef struct ps_acc {
    double v[PS_ACC_SLOTS];
} ps_acc;

/* The process-level communication a kernel may need between steps, offered
 * by the backend.  Under threads (one process) size is 1 and every call is a
 * local copy; under MPI the calls go to the ranks of the run's communicator.
 * Counts and displacements are in bytes.  Each returns 0 or an error code
 * (the backend has already said which call failed). */
typedef struct ps_comm ps_comm;
struct ps_comm {
    int rank;
    int size;
    void *impl;
    int (*allgatherv)(const ps_comm *c, const void *send, size_t send_bytes,
                      void *recv, const size_t *counts, const size_t *displs);
    /* Send to dest and receive from src at once; -1 means "nobody". */
    int (*sendrecv)(const ps_comm *c, const void *send, size_t send_bytes,
                    int dest, void *recv, size_t recv_bytes, int src);
    int (*alltoallv)(const ps_comm *c, const void *send,
                     const size_t *send_counts, const size_t *send_displs,
                     void *recv, const size_t *recv_counts,
                     const size_t *recv_displs);
};

#define PS_MAX_PARAMS 4

/* What a kernel is given to set itself up. */
typedef struct ps_kernel_args {
    uint64_t n;        /* global index count */
    uint64_t order;    /* the size the user named (n = order * workers
                          under weak scaling, n = order under strong) */
    uint64_t lo, hi;   /* the indices this process owns */
    uint32_t steps;    /* iterations of run + exchange */
    const ps_comm *comm;
    double param[PS_MAX_PARAMS];  /* the kernel's parameters (ps_kernel.params), in
                          table order: defaults unless --param set one */
} ps_kernel_args;

/* A named knob of one kernel (`--param io.wait_us=100`), with its default
 * and the range the harness accepts before anything runs. */
typedef struct ps_kernel_param {
    const char *name;  /* NULL ends the list */
    const char *doc;
    double def, min, max;
} ps_kernel_param;

/* ps_kernel.flags, or'ed together (0: none).  (Whether a kernel waits is
 * said by its wait_ns function, below.) */
enum {
    /* It only computes, touching no memory (no wait_ns, no arrays): the
     * gil and async backends run the first built-in kernel so flagged as
     * the CPU hog beside their workers (--gil-cpu-threads,
     * --async-cpu-tasks).  Added in contract version 4. */
    PS_KERNEL_HOG = 1u << 0,
};

enum ps_size_class { PS_SIZE_TEST, PS_SIZE_QUICK, PS_SIZE_FULL, PS_SIZE_CLASSES };

/* Work per index per step, for one problem (see ps_kernel.cost). */
typedef struct ps_kernel_cost {
    double rate_per_index;
    double flops_per_index;
    double bytes_per_index;
} ps_kernel_cost;

typedef struct ps_kernel {
    const char *name;
    const char *summary;     /* one line: what it computes */
    const char *exercises;   /* one line: what of the machine it stresses */
    const char *rate_unit;   /* e.g. "GB/s", "GFLOP/s", "waits/s" */
    double rate_per_index;   /* rate units per index per step */
    double flops_per_index;  /* per index per step, for the roofline */
    double bytes_per_index;  /* memory traffic per index per step */
    uint64_t sizes[PS_SIZE_CLASSES];  /* index counts for test/quick/full */
    uint32_t steps;          /* default iterations (1: one pass) */
    uint64_t tick;           /* default gil tick: indices per ~1 us */
    unsigned flags;          /* PS_KERNEL_HOG, or 0 */
    int list_order;          /* where `parscale list` shows it: lower first,
                                0 (unset) after the numbered ones, ties by
                                file name; read by the build from the
                                literal `.list_order = N` */

    /* Returns 0, or -1 with errno set (ENOMEM, EINVAL...). */
    int (*create)(void **state, const ps_kernel_args *args);
    void (*init)(void *state, uint64_t lo, uint64_t hi);
    void (*run)(void *state, uint64_t lo, uint64_t hi, ps_acc *acc);
    int (*exchange)(void *state, const ps_comm *comm);
    void (*reduce)(ps_acc *total, const ps_acc *part);
    /* Returns 1 when the answer is right; otherwise 0 and a reason in msg. */
    int (*verify)(void *state, const ps_acc *total, char *msg, size_t len);
    void (*destroy)(void *state);

    /* Optional, added after the first version: for kernels whose work per
     * index grows with the problem (a dgemm row of m columns costs 2 m^2
     * flops, an n-body body 20 n), the per-index figures for these args.
     * NULL: the three constants above hold at every size; when set, the
     * constants are the figures at the quick size, for `parscale list`.
     * Backends ask through ps_kernel_cost_of(), which handles both. */
    void (*cost)(const ps_kernel_args *args, ps_kernel_cost *out);

    /* Optional: the kernel's parameters, at most PS_MAX_PARAMS, ended by a
     * NULL name; their values arrive in args->param. */
    const ps_kernel_param *params;

    /* Optional, for kernels that wait rather than compute (a request to a
     * service, a disk read): how long index i waits, in nanoseconds, after
     * run(state, i, i + 1) has done the index's own work.  The kernel never
     * sleeps itself: the backend decides how a wait is spent.  seq, omp and
     * mpi block the thread; gil releases the lock and blocks, as blocking
     * I/O does in CPython; async hands the wait to its event loop, so one
     * thread overlaps many waits.  Backends call ps_kernel_span(), which
     * runs a range either way.  NULL: the kernel only computes. */
    uint64_t (*wait_ns)(const void *state, uint64_t index);

    /* Optional, for kernels with more than one code path (a micro-kernel
     * per instruction set): which one this machine will run, as
     * name=value (e.g. "isa=avx512"), written into buf; the harness adds
     * it to the row's params and to the metadata.  Returns 0, or -1 with
     * a one-line reason in buf when the kernel cannot run here as asked
     * (a path forced that the CPU lacks): the harness refuses the run
     * with it before anything is measured.  NULL: one path only. */
    int (*variant)(char *buf, size_t len);
} ps_kernel;

/* What a kernel library exports under the name PS_KERNEL_MODULE_SYMBOL:
 * the contract version it was built with, the size of its ps_kernel, and
 * its kernels (NULL-terminated).  parscale_add_kernel() writes it; without
 * CMake, write PS_KERNEL_MODULE(&ps_kernel_a, &ps_kernel_b) in one file. */
typedef struct ps_kernel_module {
    uint32_t abi;            /* first in every version, so any can be read */
    uint32_t kernel_size;
    const ps_kernel *const *kernels;
} ps_kernel_module;

#define PS_KERNEL_MODULE_SYMBOL "parscale_kernel_module"
#define PS_KERNEL_MODULE(...)                                               \
    static const ps_kernel *const ps_module_kernels_[] = {__VA_ARGS__, NULL}; \
    __attribute__((visibility("default"))) extern const ps_kernel_module    \
        parscale_kernel_module;                                             \
    const ps_kernel_module parscale_kernel_module = {                       \
        PS_KERNEL_ABI, (uint32_t)sizeof(ps_kernel), ps_module_kernels_}

/* The per-index rate, flops and bytes of kernel k for the problem in args:
 * k->cost when the kernel has one, else its constant fields. */
void ps_kernel_cost_of(const ps_kernel *k, const ps_kernel_args *args,
                       ps_kernel_cost *out);

/* Kernel k's parameter defaults, in table order (0 where it has none). */
void ps_kernel_default_params(const ps_kernel *k, double out[PS_MAX_PARAMS]);

/* For kernels whose whole state is their arguments (n, steps, params):
 * create keeps a copy (whose comm is not to be used after create), and
 * destroy is plain free(). */
int ps_kernel_keep_args(void **state, const ps_kernel_args *args);
/* For kernels with no data to touch: init does nothing. */
void ps_kernel_no_init(void *state, uint64_t lo, uint64_t hi);

/* A 2-D kernel's other dimension (columns of a grid whose rows are the
 * indices, rows for mandelbrot's columns): the size the user named, so that
 * weak scaling adds indices of the same length; n (a square) when the
 * order is unset or larger than n. */
uint64_t ps_kernel_width(const ps_kernel_args *args);

/* count doubles, 64-byte aligned (whole cache lines for vector loads and
 * stores), at least one line; NULL without memory.  Contents undefined:
 * init writes them.  ps_free_doubles(p, count) releases them and may keep
 * a large array for the next allocation of the same count (no fresh pages
 * to zero on every repetition); free() also releases them. */
double *ps_alloc_doubles(size_t count);
void ps_free_doubles(double *p, size_t count);

/* Slot-wise sum, the default reduction. */
void ps_acc_sum(ps_acc *total, const ps_acc *part);

/* Splits [0, n) into parts as evenly as possible; part i gets [*lo, *hi).
 * The first n % parts parts get one index more. */
void ps_partition(uint64_t n, uint64_t parts, uint64_t i,
                  uint64_t *lo, uint64_t *hi);

#endif
