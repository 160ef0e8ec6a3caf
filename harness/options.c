/* options.c -- see options.h. */
#define _GNU_SOURCE
#include "options.h"
#include "placement.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ps_run_usage(void)
{
    printf(
"usage: parscale run --kernel K[,K...] --backend B[,B...] --workers W[,W...]\n"
"                    [options]\n"
"\n"
"Runs every kernel under every backend at every worker count, interleaved\n"
"(A B C A B C ...), prints a summary and appends one CSV row per timed\n"
"repetition.  mpi needs an MPI launch: mpirun -np N parscale run ...\n"
"\n"
"what to run\n"
"  -k, --kernel LIST         kernels (parscale list); 'all' for every one\n"
"  -b, --backend LIST        seq, gil, omp, mpi, hybrid (parscale list); 'all'\n"
"  -w, --workers LIST        worker counts, e.g. 1,2,4 (default 1)\n"
"  -s, --size N|test|quick|full   problem size: an index count, or the\n"
"                            kernel's own test/quick/full size (default quick)\n"
"      --scaling strong|weak|strong,weak   strong: the size is fixed;\n"
"                            weak: size = N x workers (default strong)\n"
"      --steps S             iterations of iterative kernels (default: kernel's)\n"
"      --no-baseline         do not add seq as the speedup base\n"
"      --param K.NAME=V      set a kernel parameter, e.g. io.wait_us=100\n"
"                            (parscale list --params shows them)\n"
"\n"
"how to measure\n"
"  -r, --reps R              timed repetitions per configuration (default 5)\n"
"      --warmup W            untimed rounds first (default 1)\n"
"      --seed N              seed of the interleaving order (default: time)\n"
"\n"
"omp backend\n"
"      --schedule static|dynamic|guided   (default static)\n"
"      --chunk N             indices per chunk for dynamic/guided\n"
"\n"
"hybrid backend (MPI ranks x OpenMP threads; run under mpirun)\n"
"      --threads-per-rank T[,T...]   threads in each rank (default 1).  Each\n"
"                            worker count W runs as W/t ranks of t threads,\n"
"                            t = min(T, W), for every T: W must be a multiple\n"
"                            of each t, and mpirun must start at least W/t\n"
"                            ranks (so -w 1,2,4 --threads-per-rank 2 runs\n"
"                            1x1, 1x2, 2x2).  Rows record ranks and threads.\n"
"\n"
"placement (omp, hybrid; the CPU each worker ended on is the cpus column)\n"
"      --bind close|spread|primary|true|false   OMP_PROC_BIND for this run.\n"
"                            OpenMP reads it only at start-up, so parscale\n"
"                            sets it and executes itself again; setting\n"
"                            OMP_PROC_BIND/OMP_PLACES in the environment\n"
"                            does the same.  Both are recorded.  Ranks are\n"
"                            bound by mpirun (--bind-to, --map-by), not here.\n"
"      --places cores|threads|sockets|LIST   OMP_PLACES with --bind\n"
"                            (default cores)\n"
"\n"
"gil backend (an emulated CPython global interpreter lock)\n"
"      --gil-model new|old   new: CPython 3.2+ (default); old: before 3.2\n"
"      --switch-interval T   new model's interval, e.g. 5ms, 100us (default 5ms)\n"
"      --check-interval N    old model's ticks between releases (default 100)\n"
"      --tick N              indices per tick (default: the kernel's ~1 us;\n"
"                            old model: a twentieth, so 100 ticks ~ 5 us;\n"
"                            with --gil-release: 1000x, ~1 ms, so a release\n"
"                            and retake cost a few percent of a tick)\n"
"      --gil-release F       fraction 0 <= F < 1 of each tick run with the\n"
"                            lock released, as C extensions do (default 0)\n"
"      --no-gil-stats        do not time acquires, holds and handoffs\n"
"      --gil-cpu-threads N   run N extra CPU-bound count threads under the\n"
"                            same lock while the measured ones run (convoy\n"
"                            effect); rows report the measured kernel's rate\n"
"                            and threads = workers + N (default 0)\n"
"\n"
"output\n"
"  -o, --csv FILE            append raw rows to FILE (metadata: FILE.meta.jsonl)\n"
"  -q, --quiet               no progress, summary only\n"
"      --check-args ARGS...  (first after run) check ARGS as a run would,\n"
"                            run nothing, print them normalised as JSON\n"
"  -h, --help                this text\n");
}

enum {
    OPT_SCALING = 256, OPT_STEPS, OPT_NO_BASELINE, OPT_WARMUP, OPT_SEED,
    OPT_SCHEDULE, OPT_CHUNK, OPT_GIL_MODEL, OPT_SWITCH, OPT_CHECK, OPT_TICK,
    OPT_PARAM, OPT_RELEASE, OPT_NO_GIL_STATS, OPT_GIL_CPU, OPT_TPR, OPT_BIND, OPT_PLACES,
};

static const struct option long_opts[] = {
    {"kernel", required_argument, NULL, 'k'},
    {"backend", required_argument, NULL, 'b'},
    {"workers", required_argument, NULL, 'w'},
    {"size", required_argument, NULL, 's'},
    {"scaling", required_argument, NULL, OPT_SCALING},
    {"steps", required_argument, NULL, OPT_STEPS},
    {"no-baseline", no_argument, NULL, OPT_NO_BASELINE},
    {"reps", required_argument, NULL, 'r'},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"seed", required_argument, NULL, OPT_SEED},
    {"schedule", required_argument, NULL, OPT_SCHEDULE},
    {"chunk", required_argument, NULL, OPT_CHUNK},
    {"gil-model", required_argument, NULL, OPT_GIL_MODEL},
    {"switch-interval", required_argument, NULL, OPT_SWITCH},
    {"check-interval", required_argument, NULL, OPT_CHECK},
    {"tick", required_argument, NULL, OPT_TICK},
    {"gil-release", required_argument, NULL, OPT_RELEASE},
    {"no-gil-stats", no_argument, NULL, OPT_NO_GIL_STATS},
    {"param", required_argument, NULL, OPT_PARAM},
    {"gil-cpu-threads", required_argument, NULL, OPT_GIL_CPU},
    {"threads-per-rank", required_argument, NULL, OPT_TPR},
    {"bind", required_argument, NULL, OPT_BIND},
    {"places", required_argument, NULL, OPT_PLACES},
    {"csv", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

#define RUN_SHORT ":k:b:w:s:r:o:qh"

const struct option *ps_run_long_options(void)
{
    return long_opts;
}

const char *ps_run_short_options(void)
{
    return RUN_SHORT;
}

static int parse_kernels(ps_run_opts *o, char *arg, ps_err *err)
{
    if (strcmp(arg, "all") == 0) {
        o->nkernels = 0;
        for (const ps_kernel *const *k = ps_kernels; *k && o->nkernels < PS_MAX_LIST; k++)
            o->kernels[o->nkernels++] = *k;
        return 0;
    }
    char *items[PS_MAX_LIST];
    int n = ps_split_list(arg, items, PS_MAX_LIST);
    if (n < 0)
        return ps_list_fail(err, "--kernel", n, PS_MAX_LIST);
    for (int i = 0; i < n; i++) {
        if (!(o->kernels[i] = ps_kernel_find(items[i])))
            return ps_fail(err, "unknown kernel '%s' (parscale list shows them)", items[i]);
    }
    o->nkernels = n;
    return 0;
}

static int parse_backends(ps_run_opts *o, char *arg, ps_err *err)
{
    if (strcmp(arg, "all") == 0) {
        o->nbackends = 0;
        for (const ps_backend *const *b = ps_backends; *b; b++)
            o->backends[o->nbackends++] = *b;
        return 0;
    }
    char *items[PS_MAX_LIST];
    int n = ps_split_list(arg, items, PS_MAX_LIST);
    if (n < 0)
        return ps_list_fail(err, "--backend", n, PS_MAX_LIST);
    for (int i = 0; i < n; i++) {
        if (!(o->backends[i] = ps_backend_find(items[i]))) {
            static const char *const known_elsewhere[] = {"omp", "mpi", "hybrid"};
            for (size_t j = 0; j < sizeof known_elsewhere / sizeof *known_elsewhere; j++)
                if (strcmp(items[i], known_elsewhere[j]) == 0)
                    return ps_fail(err, "backend '%s' is not in this build (its "
                                   "library was not found at configure time)", items[i]);
            return ps_fail(err, "unknown backend '%s' (parscale list shows them)", items[i]);
        }
    }
    o->nbackends = n;
    return 0;
}

/* A list of counts from 1 to 4096 (--workers, --threads-per-rank). */
static int parse_counts(const char *opt, char *arg, int *out, int *nout, ps_err *err)
{
    char *items[PS_MAX_LIST];
    int n = ps_split_list(arg, items, PS_MAX_LIST);
    if (n < 0)
        return ps_list_fail(err, opt, n, PS_MAX_LIST);
    for (int i = 0; i < n; i++) {
        uint64_t w;
        if (ps_parse_count(items[i], &w) != 0 || w > 4096)
            return ps_fail(err, "%s: '%s' is not a count from 1 to 4096", opt,
                           items[i]);
        out[i] = (int)w;
    }
    *nout = n;
    return 0;
}

/* --bind takes OpenMP's own OMP_PROC_BIND words; 'none' reads as false. */
static int parse_bind(ps_run_opts *o, const char *arg, ps_err *err)
{
    static const char *const policies[] = {"close", "spread", "primary", "master",
                                           "true", "false"};
    if (strcmp(arg, "none") == 0) {
        o->bind = "false";
        return 0;
    }
    for (size_t i = 0; i < sizeof policies / sizeof *policies; i++)
        if (strcmp(arg, policies[i]) == 0) {
            o->bind = policies[i];
            return 0;
        }
    return ps_fail(err, "--bind: '%s' is not close, spread, primary, true or false", arg);
}

/* The rules that join options: --threads-per-rank belongs to hybrid, and
 * every hybrid worker count W must split into whole ranks of min(T, W)
 * threads (a rank never has more threads than there are workers). */
static int check_hybrid(const ps_run_opts *o, int tpr_given, ps_err *err)
{
    int hybrid = 0;
    for (int i = 0; i < o->nbackends; i++)
        hybrid |= ps_backend_is_hybrid(o->backends[i]);
    if (tpr_given && !hybrid)
        return ps_fail(err, "--threads-per-rank applies to --backend hybrid only");
    if (o->places && !o->bind)
        return ps_fail(err, "--places needs --bind (OMP_PLACES without OMP_PROC_BIND "
                       "binds nothing)");
    if (!hybrid)
        return 0;
    for (int i = 0; i < o->nworkers; i++)
        for (int j = 0; j < o->ntpr; j++) {
            int t = ps_threads_per_rank(o->tpr[j], o->workers[i]);
            if (o->workers[i] % t != 0)
                return ps_fail(err, "--backend hybrid: %d workers is not a whole number "
                               "of ranks of %d threads (--threads-per-rank); use "
                               "worker counts that are multiples of %d",
                               o->workers[i], t, t);
        }
    return 0;
}

static int parse_int(const char *opt, const char *arg, uint64_t min, uint64_t max,
                     uint64_t *out, ps_err *err)
{
    uint64_t v = 0;
    if (strcmp(arg, "0") == 0 && min == 0) {
        *out = 0;
        return 0;
    }
    if (ps_parse_count(arg, &v) != 0 || v < min || v > max)
        return ps_fail(err, "%s: '%s' is not a whole number from %llu to %llu",
                       opt, arg, (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return 0;
}

/* --param KERNEL.NAME=VALUE: the kernel and the name must exist and the
 * value lie in the kernel's declared range. */
static int parse_param(ps_run_opts *o, const char *arg, ps_err *err)
{
    char kname[64];
    const char *dot = strchr(arg, '.'), *eq = strchr(arg, '=');
    if (!dot || !eq || dot > eq || (size_t)(dot - arg) >= sizeof kname || eq == dot + 1)
        return ps_fail(err, "--param: '%s' is not KERNEL.NAME=VALUE (e.g. io.wait_us=100)", arg);
    memcpy(kname, arg, (size_t)(dot - arg));
    kname[dot - arg] = '\0';
    const ps_kernel *k = ps_kernel_find(kname);
    if (!k)
        return ps_fail(err, "--param: unknown kernel '%s'", kname);
    int idx = -1;
    for (int i = 0; k->params && i < PS_MAX_PARAMS && k->params[i].name; i++)
        if (strlen(k->params[i].name) == (size_t)(eq - dot - 1) &&
            strncmp(k->params[i].name, dot + 1, (size_t)(eq - dot - 1)) == 0)
            idx = i;
    if (idx < 0)
        return ps_fail(err, "--param: kernel %s has no parameter '%.*s' (parscale list "
                       "--params shows them)", kname, (int)(eq - dot - 1), dot + 1);
    const ps_kernel_param *p = &k->params[idx];
    double v;
    if (ps_parse_real(eq + 1, &v) != 0 || !(v >= p->min && v <= p->max))
        return ps_fail(err, "--param %s.%s: '%s' is not a number from %g to %g", kname,
                       p->name, eq + 1, p->min, p->max);
    if (o->nparams == (int)(sizeof o->params / sizeof o->params[0]))
        return ps_fail(err, "--param: too many");
    o->params[o->nparams].kernel = k;
    o->params[o->nparams].index = idx;
    o->params[o->nparams++].value = v;
    return 0;
}

void ps_run_opts_params(const ps_run_opts *o, const ps_kernel *k,
                        double out[PS_MAX_PARAMS])
{
    ps_kernel_default_params(k, out);
    for (int i = 0; i < o->nparams; i++)
        if (o->params[i].kernel == k)
            out[o->params[i].index] = o->params[i].value;
}

static int parse_one(ps_run_opts *o, int c, char *arg, ps_err *err)
{
    uint64_t v = 0;
    switch (c) {
    case 'k': return parse_kernels(o, arg, err);
    case 'b': return parse_backends(o, arg, err);
    case 'w': return parse_counts("--workers", arg, o->workers, &o->nworkers, err);
    case 's':
        if (strcmp(arg, "test") == 0) o->size_class = PS_SIZE_TEST;
        else if (strcmp(arg, "quick") == 0) o->size_class = PS_SIZE_QUICK;
        else if (strcmp(arg, "full") == 0) o->size_class = PS_SIZE_FULL;
        else if (ps_parse_count(arg, &o->size) == 0) o->size_class = -1;
        else return ps_fail(err, "--size: '%s' is not a whole count from 1 to 2^53 "
                            "(9007199254740992), or test, quick, full", arg);
        return 0;
    case OPT_SCALING: {
        char *items[2];
        int n = ps_split_list(arg, items, 2);
        if (n < 0)
            return ps_fail(err, "--scaling: '%s' is not strong, weak or strong,weak", arg);
        for (int i = 0; i < n; i++) {
            if (strcmp(items[i], "strong") == 0) o->scalings[i] = PS_STRONG;
            else if (strcmp(items[i], "weak") == 0) o->scalings[i] = PS_WEAK;
            else return ps_fail(err, "--scaling: '%s' is not strong or weak", items[i]);
        }
        o->nscalings = n;
        return 0;
    }
    case OPT_STEPS:
        if (parse_int("--steps", arg, 1, 1000000, &v, err)) return -1;
        o->steps = (uint32_t)v;
        return 0;
    case OPT_NO_BASELINE: o->baseline = 0; return 0;
    case 'r':
        if (parse_int("--reps", arg, 1, 1000000, &v, err)) return -1;
        o->reps = (int)v;
        return 0;
    case OPT_WARMUP:
        if (parse_int("--warmup", arg, 0, 1000, &v, err)) return -1;
        o->warmup = (int)v;
        return 0;
    case OPT_SEED:
        if (parse_int("--seed", arg, 0, UINT64_MAX / 2, &o->seed, err)) return -1;
        o->have_seed = 1;
        return 0;
    case OPT_SCHEDULE:
        if (strcmp(arg, "static") == 0) o->schedule = PS_SCHED_STATIC;
        else if (strcmp(arg, "dynamic") == 0) o->schedule = PS_SCHED_DYNAMIC;
        else if (strcmp(arg, "guided") == 0) o->schedule = PS_SCHED_GUIDED;
        else return ps_fail(err, "--schedule: '%s' is not static, dynamic or guided", arg);
        return 0;
    case OPT_CHUNK: return parse_int("--chunk", arg, 1, UINT64_MAX / 2, &o->chunk, err);
    case OPT_GIL_MODEL:
        if (strcmp(arg, "new") == 0) o->gil.model = PS_GIL_NEW;
        else if (strcmp(arg, "old") == 0) o->gil.model = PS_GIL_OLD;
        else return ps_fail(err, "--gil-model: '%s' is not new or old", arg);
        return 0;
    case OPT_SWITCH:
        if (ps_parse_duration_ns(arg, &o->gil.interval_ns) != 0)
            return ps_fail(err, "--switch-interval: '%s' is not a duration such as "
                           "5ms, 100us or 1us (1ns to 1000s)", arg);
        return 0;
    case OPT_CHECK:
        if (parse_int("--check-interval", arg, 1, 100000000, &v, err)) return -1;
        o->gil.check_interval = (uint32_t)v;
        return 0;
    case OPT_TICK: return parse_int("--tick", arg, 1, UINT64_MAX / 2, &o->tick, err);
    case OPT_RELEASE:
        if (ps_parse_fraction(arg, &o->gil_release) != 0)
            return ps_fail(err, "--gil-release: '%s' is not a fraction with 0 <= F < 1", arg);
        return 0;
    case OPT_NO_GIL_STATS: o->gil.stats = 0; return 0;
    case OPT_PARAM: return parse_param(o, arg, err);
    case OPT_TPR: return parse_counts("--threads-per-rank", arg, o->tpr, &o->ntpr, err);
    case OPT_BIND: return parse_bind(o, arg, err);
    case OPT_PLACES:
        if (ps_places_check(arg, err) != 0)
            return -1;
        o->places = arg;
        return 0;
    case OPT_GIL_CPU:
        if (parse_int("--gil-cpu-threads", arg, 0, 4096, &v, err)) return -1;
        o->gil.cpu_threads = (int)v;
        return 0;
    case 'o':
        if (!*arg)
            return ps_fail(err, "--csv needs a file name");
        o->csv = arg;
        return 0;
    case 'q': o->quiet = 1; return 0;
    default: return ps_fail(err, "internal: unhandled option %d", c);
    }
}

int ps_run_opts_parse(ps_run_opts *o, int argc, char **argv, ps_err *err)
{
    memset(o, 0, sizeof *o);
    o->size_class = PS_SIZE_QUICK;
    o->workers[0] = 1;
    o->nworkers = 1;
    o->tpr[0] = 1;
    o->ntpr = 1;
    o->scalings[0] = PS_STRONG;
    o->nscalings = 1;
    o->reps = 5;
    o->warmup = 1;
    o->baseline = 1;
    o->gil = (ps_gil_params){.model = PS_GIL_NEW, .interval_ns = 5000000,
                             .check_interval = 100, .stats = 1};
    size_t used = 0;
    for (int i = 0; i < argc && used < sizeof o->command; i++) {
        int n = snprintf(o->command + used, sizeof o->command - used, "%s%s",
                         i ? " " : "parscale ", argv[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }

    optind = 1;
    opterr = 0;  /* we say what was wrong ourselves, in one line */
    int c, tpr_given = 0;
    while ((c = getopt_long(argc, argv, RUN_SHORT, long_opts, NULL)) != -1) {
        if (c == 'h') {
            ps_run_usage();
            return 1;
        }
        if (c == '?')
            return ps_getopt_fail(err, "run", long_opts, RUN_SHORT, argv[optind - 1], optopt);
        if (c == ':')
            return ps_fail(err, "run: option '%s' needs a value", argv[optind - 1]);
        tpr_given |= c == OPT_TPR;
        if (parse_one(o, c, optarg, err) != 0)
            return -1;
    }
    if (optind < argc)
        return ps_fail(err, "run: unexpected argument '%s' (parscale run --help)", argv[optind]);
    if (o->nkernels == 0)
        return ps_fail(err, "run: --kernel is required (parscale list shows the kernels)");
    if (o->nbackends == 0)
        return ps_fail(err, "run: --backend is required (seq, gil, omp, mpi, hybrid)");
    return check_hybrid(o, tpr_given, err);
}
