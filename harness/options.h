/* options.h -- what `parscale run` was asked to measure, parsed and
 * checked before anything runs or any file is touched. */
#ifndef PS_OPTIONS_H
#define PS_OPTIONS_H

#include <stdint.h>

#include "backend.h"
#include "util.h"

#define PS_MAX_LIST 64

typedef struct ps_run_opts {
    const ps_kernel *kernels[PS_MAX_LIST];
    int nkernels;
    const ps_backend *backends[PS_MAX_LIST];
    int nbackends;
    int workers[PS_MAX_LIST];
    int nworkers;
    int tpr[PS_MAX_LIST];    /* hybrid: threads per rank (default 1) */
    int ntpr;
    const char *bind;        /* --bind: OMP_PROC_BIND to run under, or NULL */
    const char *places;      /* --places: OMP_PLACES (default cores) */
    int size_class;          /* enum ps_size_class, or -1 when size is given */
    uint64_t size;
    enum ps_scaling scalings[2];
    int nscalings;
    int reps, warmup;
    uint32_t steps;          /* 0: the kernel's default */
    enum ps_schedule schedule;
    uint64_t chunk;
    ps_gil_params gil;
    uint64_t tick;           /* 0: the kernel's default */
    double gil_release;
    int baseline;            /* add seq as the speedup base (default on) */
    const char *csv;
    int quiet;
    int have_seed;
    uint64_t seed;
    struct {                 /* --param KERNEL.NAME=VALUE, in order given */
        const ps_kernel *kernel;
        int index;
        double value;
    } params[16];
    int nparams;
    char command[1024];      /* the command line, for the metadata */
} ps_run_opts;

/* Parses `parscale run` arguments (argv[0] is "run").  Returns 0; 1 when
 * --help was printed; -1 with err naming the bad input. */
int ps_run_opts_parse(ps_run_opts *o, int argc, char **argv, ps_err *err);
void ps_run_usage(void);
/* The getopt_long tables ps_run_opts_parse uses (for run --check-args). */
struct option;
const struct option *ps_run_long_options(void);
const char *ps_run_short_options(void);
/* The threads of each hybrid rank for --threads-per-rank T at W workers. */
static inline int ps_threads_per_rank(int tpr, int workers)
{
    return tpr < workers ? tpr : workers;
}
/* The values of kernel k's parameters under these options: its defaults,
 * overridden by --param. */
void ps_run_opts_params(const ps_run_opts *o, const ps_kernel *k,
                        double out[PS_MAX_PARAMS]);

#endif
