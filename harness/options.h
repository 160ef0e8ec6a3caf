/* options.h -- what `parscale run` was asked to measure, parsed and
 * checked before anything runs or any file is touched. */
#ifndef PS_OPTIONS_H
#define PS_OPTIONS_H

#include <stdint.h>

#include "backend.h"
#include "kernel_lib.h"
#include "stopping.h"
#include "util.h"

#define PS_MAX_LIST 64
#define PS_MAX_BACKENDS 16
/* -r when not given: enough for an interval of the median that does not
 * reach the extremes (6 is the least with one at all). */
#define PS_REPS_DEFAULT 10
_Static_assert(PS_MAX_LIST >= PS_MAX_KERNELS, "-k all must hold every kernel");

typedef struct ps_run_opts {
    const ps_kernel *kernels[PS_MAX_LIST];
    int nkernels;
    const ps_backend *backends[PS_MAX_LIST];
    int nbackends;
    int workers[PS_MAX_LIST];
    int nworkers;
    const char *bind;        /* --bind: OMP_PROC_BIND to run under, or NULL */
    const char *places;      /* --places: OMP_PLACES (default cores) */
    int size_class;          /* enum ps_size_class, or -1 when size is given */
    uint64_t size;
    struct {                 /* --size KERNEL=SIZE: one kernel's own size */
        const ps_kernel *kernel;
        int size_class;
        uint64_t size;
    } ksizes[PS_MAX_LIST];
    int nksizes;
    enum ps_scaling scalings[2];
    int nscalings;
    int reps, warmup;        /* reps: -r, the fixed count (also in stop) */
    ps_stop_rule stop;       /* -r, or --ci-width/--min-reps/--max-reps; --max-time */
    uint32_t steps;          /* 0: the kernel's default */
    double rep_time;         /* --rep-time seconds: sizes calibrated to it; 0 off */
    char advice_names[256];  /* --advice-names: NAME=SHOWN,... */
    double rep_timeout;      /* --rep-timeout: seconds one repetition may take; 0: none */
    /* each backend's own options, by its place in ps_backends */
    ps_backend_block backend_opts[PS_MAX_BACKENDS];
    const char *backend_opts_given[PS_MAX_LIST];  /* backends' option names seen */
    int nbackend_opts_given;
    int baseline;            /* add seq as the speedup base (default on) */
    const char *csv;
    const char *export_json;  /* --export-json FILE, or NULL */
    const char *export_md;    /* --export-markdown FILE, or NULL */
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
    ps_kernel_libs libs;     /* --kernel-lib: loaded kernels, open for the run */
} ps_run_opts;

/* Parses `parscale run` arguments (argv[0] is "run").  Returns 0; 1 when
 * --help was printed; -1 with err naming the bad input. */
int ps_options_parse(ps_run_opts *o, int argc, char **argv, ps_err *err);
void ps_options_usage(void);
/* Every option row as JSON objects, ","-separated, run's own then each
 * backend's: name, short, argument (none, value, rest), metavar, help,
 * owner (run or the backend) and group (its heading in --help). */
void ps_options_rows_json(ps_buf *b);
/* The getopt_long tables ps_options_parse uses, the backends' options
 * included (for run --check-args): the long one written into out (room
 * for max entries, the last one all zero); returns its count. */
struct option;
int ps_options_long(struct option *out, int max);
const char *ps_options_short(void);
/* The values of kernel k's parameters under these options: its defaults,
 * overridden by --param. */
void ps_options_params(const ps_run_opts *o, const ps_kernel *k,
                       double out[PS_MAX_PARAMS]);
/* How the summary's advice names run's option `name` (size, max-time,
 * max-reps, reps): as --advice-names says, else "--NAME". */
void ps_options_advice_name(const ps_run_opts *o, const char *name, char *buf, size_t len);
/* Kernel k's size (order) under these options: its own --size K=N, else
 * the run's --size. */
uint64_t ps_options_order(const ps_run_opts *o, const ps_kernel *k);

#endif
