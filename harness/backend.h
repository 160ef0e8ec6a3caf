/*
 * backend.h -- the contract between the harness and an execution model.
 *
 * A backend runs one repetition of one configuration: it sets the kernel up
 * (untimed), starts every worker together, times the kernel's steps (the
 * slowest worker's time), combines the partial results and has the kernel
 * verify them.  It knows nothing of a kernel's math.
 *
 * A backend also owns everything that is only its own: its command-line
 * options (parsed into an opaque block the harness stores and copies into
 * each configuration), the CSV columns only it fills, the figures of a
 * repetition only it produces, and the summary lines about them.  Nothing
 * outside its file names it: adding one is its file plus its entry in
 * backend_registry.c (an extern declaration and a line in ps_backends[];
 * CMake only when it needs a library).  docs/extending.md lists the other
 * places a backend with options or columns of its own touches.
 */
#ifndef PS_BACKEND_H
#define PS_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "disturb.h"
#include "kernel.h"
#include "util.h"

enum ps_scaling { PS_STRONG, PS_WEAK };

typedef struct ps_mpi ps_mpi;  /* mpi_env.h; NULL when MPI is not running */

/* The process's place in the run: one per process, passed everywhere
 * instead of globals. */
typedef struct ps_ctx {
    int rank, nranks;   /* in MPI_COMM_WORLD; 0 and 1 without MPI */
    ps_mpi *mpi;
    int cores;          /* cores of every host in the launch, each once */
    const struct ps_hosts *hosts;  /* hosts.h: every rank's host */
} ps_ctx;

/* Opaque storage a backend lays its own struct over (checked with
 * PS_BACKEND_FITS): its options, and its figures of one repetition. */
#define PS_BACKEND_BLOCK 256
typedef union ps_backend_block {
    max_align_t align;
    unsigned char bytes[PS_BACKEND_BLOCK];
} ps_backend_block;
#define PS_BACKEND_FITS(type) \
    _Static_assert(sizeof(type) <= PS_BACKEND_BLOCK, #type " must fit a ps_backend_block")

/* One point to measure. */
typedef struct ps_config {
    const ps_kernel *kernel;
    const struct ps_backend *backend;
    int workers, threads, ranks;
    enum ps_scaling scaling;
    uint64_t order, n;
    uint32_t steps;
    double param[PS_MAX_PARAMS];  /* the kernel's parameters */
    ps_backend_block opts;        /* the backend's options for this point */
} ps_config;

/* What one repetition produced. */
typedef struct ps_rep {
    double seconds;
    int verified;
    char error[256];           /* why it failed or did not verify */
    ps_acc total;
    double steal;              /* hypervisor's share of the host's CPU time; <0 unknown */
    char cpus[256];            /* CPU of each worker at its end (placement.h) */
    int cpu_shared;            /* workers seen on a CPU another one was on */
    ps_disturb dist;           /* what disturbed its workers (disturb.h) */
    double lost;               /* the harness's: ps_disturb_lost, -1 unknown */
    int disturbed;             /* the harness's: lost above --disturbed-above */
    int has_extra;             /* the backend filled extra */
    ps_backend_block extra;    /* the backend's own figures (rep_extra_size bytes) */
} ps_rep;

/* The valid repetitions of one configuration, for a backend's summary. */
typedef struct ps_samples {
    int n;
    const double *seconds;
    const unsigned char *extra;  /* n blocks of rep_extra_size bytes, or NULL */
    double speedup;              /* median against the speedup base; NAN when none */
} ps_samples;

/* One command-line option, one row: the parser (getopt's table), `run
 * --help` and `parscale schema --json` are all made from these rows, run's
 * own (options.c) and each backend's alike.  A backend's option name may
 * belong to several backends (each parses it into its own block). */
enum ps_arg_kind {
    PS_ARG_NONE,   /* a flag: --name */
    PS_ARG_VALUE,  /* --name VALUE or --name=VALUE */
    PS_ARG_REST,   /* the rest of the command line (run --check-args): in
                      --help, never in getopt's table */
};
typedef struct ps_option_row {
    const char *name;         /* --name; NULL ends a table */
    char short_name;          /* -c, or 0 */
    enum ps_arg_kind arg;
    const char *metavar;      /* the value in --help ("LIST", "N"); NULL for a flag */
    const char *help;         /* its text in --help; '\n' between lines */
    int target;               /* what it sets: run's own, its case in options.c;
                                 a backend's, the case of its opt_parse */
    const char *group;        /* run's own: the heading it is listed under */
} ps_option_row;
#define PS_OPTION_ROWS_END {NULL, 0, PS_ARG_NONE, NULL, NULL, 0, NULL}

enum {
    /* Every rank of the world takes part (the others idle); without the
     * flag only rank 0 runs the configuration. */
    PS_BACKEND_USES_MPI = 1u << 0,
    /* workers means threads on one process; with PS_BACKEND_USES_MPI
     * too (hybrid), workers = ranks x threads per rank */
    PS_BACKEND_THREADS = 1u << 1,
    /* The speedup base: one worker, added beside the others at each size
     * unless --no-baseline, and every speedup is measured against it. */
    PS_BACKEND_BASELINE = 1u << 2,
    /* workers are cooperative tasks on one thread of one process: however
     * many there are, they never compete for cores (not oversubscribed). */
    PS_BACKEND_TASKS = 1u << 3,
    /* Its workers are OpenMP threads: the run sets the wait policy
     * before OpenMP starts (wait_policy.h). */
    PS_BACKEND_OPENMP = 1u << 4,
};

typedef struct ps_backend {
    const char *name;
    const char *summary;
    unsigned flags;

    /* -- its options (all optional) ------------------------------------- */
    /* Its rows, listed under it in `run --help`; ends with a {NULL} row. */
    const ps_option_row *options;
    /* Its block's defaults, before any option is parsed. */
    void (*opts_default)(void *opts);
    /* One of its options (target: the row's; arg NULL when it takes no
     * value): checks the value and stores it.  -1 with err: bad input. */
    int (*opt_parse)(void *opts, int target, const char *arg, ps_err *err);
    /* After parsing: rules that join options, given whether the run uses
     * this backend and the worker counts asked for. */
    int (*opts_check)(const void *opts, int selected, const int *workers, int nworkers,
                      ps_err *err);

    /* -- the plan -------------------------------------------------------- */
    /* How many configurations w workers make (hybrid: one per threads-per-
     * rank setting).  NULL: one. */
    int (*variants)(const void *opts, int workers);
    /* Fills its part of a configuration: cfg arrives with kernel, workers,
     * sizes, threads (w, or 1 with PS_BACKEND_USES_MPI) and ranks (1, or
     * w), and opts copied in; it may set workers, threads, ranks and its
     * per-point options.  NULL: as it arrives. */
    void (*configure)(ps_config *cfg, int variant);
    /* Rejects a configuration this backend cannot run here (e.g. more mpi
     * workers than ranks), before anything is measured. NULL: all fine. */
    int (*check)(const ps_ctx *ctx, const ps_config *cfg, ps_err *err);

    /* -- a repetition ---------------------------------------------------- */
    /* Runs one repetition.  Returns 0 when it ran (verified or not), -1 when
     * it could not run, with err saying which call failed. */
    int (*run)(const ps_ctx *ctx, const ps_config *cfg, ps_rep *rep, ps_err *err);

    /* -- reporting (all optional) ----------------------------------------- */
    /* Its CSV columns of one row (ran: the repetition ran; rep->extra is
     * valid when rep->has_extra). */
    void (*row)(ps_csv_row *row, const ps_config *cfg, const ps_rep *rep, int ran);
    /* Bytes of rep->extra kept for every valid repetition, for summary_lines. */
    size_t rep_extra_size;
    /* Lines under the configuration's line in the terminal summary, each
     * starting "      " and ending in a newline. */
    void (*summary_lines)(const ps_config *cfg, const ps_samples *s, ps_buf *out);
} ps_backend;

/* Whether workers are ranks x threads per rank (the hybrid backend). */
static inline int ps_backend_is_hybrid(const ps_backend *b)
{
    return (b->flags & PS_BACKEND_USES_MPI) && (b->flags & PS_BACKEND_THREADS);
}

extern const ps_backend *const ps_backends[];
/* Backends in this build, and their number. */
int ps_backend_count(void);
int ps_backend_index(const ps_backend *b);
const ps_backend *ps_backend_find(const char *name);
/* Appends the backend as a JSON object: name, summary and what it is made
 * of ("mpi", "threads", "baseline"), for `list --json` and the metadata. */
void ps_backend_json(ps_buf *b, const ps_backend *be);
/* Why a backend this project has is not in this build ("its library was
 * not found at configure time"), or NULL when name is not one of them. */
const char *ps_backend_absent(const char *name);
/* The i-th (from 0) backend this build leaves out, with why in *why; NULL
 * after the last. */
const char *ps_backend_absent_nth(int i, const char **why);
/* How many of the backends this build leaves out would own --option (name
 * without "--"); their names, ", "-separated, in buf. */
int ps_backend_absent_owners(const char *option, char *buf, size_t len);
/* The names of this build's backends, ", "-separated. */
void ps_backend_names(char *buf, size_t len);
/* The first backend flagged PS_BACKEND_BASELINE, or NULL. */
const ps_backend *ps_backend_baseline(void);

/* The pieces the backends share (the local comm, the final reduce and
 * verify, a kernel's range run with its waits) are in backend_common.h. */

#endif
