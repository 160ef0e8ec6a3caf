/* options.c -- see options.h.  `parscale run`'s options: one row each
 * (run_rows below, and each backend's), from which the usage text, the
 * getopt tables and `schema --json` are made; parsing, and the checks
 * that join options. */
#define _GNU_SOURCE
#include "options.h"
#include "placement.h"
#include "sysinfo.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
    OPT_SCALING = 256, OPT_STEPS, OPT_NO_BASELINE, OPT_WARMUP, OPT_SEED,
    OPT_PARAM, OPT_BIND, OPT_PLACES,
    OPT_CI_WIDTH, OPT_MIN_REPS, OPT_MAX_REPS, OPT_MAX_TIME, OPT_REP_TIMEOUT, OPT_KERNEL_LIB,
    OPT_DISTURBED_ABOVE, OPT_RETRY_DISTURBED, OPT_KEEP_DISTURBED, OPT_REP_TIME,
    OPT_ADVICE_NAMES, OPT_VERSION, OPT_EXPORT_JSON, OPT_EXPORT_MD, OPT_CHECK_ARGS,
    OPT_BACKEND = 1024,  /* + the index of a backend's option name */
};

#define G_WHAT "what to run"
#define G_MEASURE "how to measure"
#define G_DISTURBED "disturbed repetitions (a worker waited for a CPU, or the hypervisor took it)"
#define G_PLACEMENT "placement (omp, hybrid; the CPU each worker ended on is the cpus column)"
#define G_OUTPUT "output"

/* run's own options, one row each, in the order --help lists them; the
 * target is the case of parse_one that stores the value (a short name's
 * letter, else an OPT_ above).  The backends' rows are in their files. */
static const ps_option_row run_rows[] = {
    {"kernel", 'k', PS_ARG_VALUE, "LIST", "kernels (parscale list); 'all' for every one",
     'k', G_WHAT},
    {"kernel-lib", 0, PS_ARG_VALUE, "FILE",
     "also load the kernels of FILE, a shared object\n"
     "built with parscale_add_kernel (repeatable;\n"
     "under mpirun every rank loads it)", OPT_KERNEL_LIB, G_WHAT},
    {"backend", 'b', PS_ARG_VALUE, "LIST",
     "backends (listed below, each with its options);\n'all' for every one", 'b', G_WHAT},
    {"workers", 'w', PS_ARG_VALUE, "LIST", "worker counts, e.g. 1,2,4 (default 1)", 'w',
     G_WHAT},
    {"size", 's', PS_ARG_VALUE, "N|test|quick|full",
     "problem size: an index count, or the\n"
     "kernel's own test/quick/full size (default quick);\n"
     "K=SIZE items give kernel K its own, e.g.\n"
     "quick,pi=5e7,stream=test", 's', G_WHAT},
    {"scaling", 0, PS_ARG_VALUE, "strong|weak|strong,weak",
     "strong: the size is fixed;\n"
     "weak: size = N x workers (default strong)", OPT_SCALING, G_WHAT},
    {"steps", 0, PS_ARG_VALUE, "S", "iterations of iterative kernels (default: kernel's)",
     OPT_STEPS, G_WHAT},
    {"no-baseline", 0, PS_ARG_NONE, NULL, "do not add the speedup base (named below)",
     OPT_NO_BASELINE, G_WHAT},
    {"param", 0, PS_ARG_VALUE, "K.NAME=V",
     "set a kernel parameter, e.g. io.wait_us=100\n"
     "(parscale list --params shows them)", OPT_PARAM, G_WHAT},

    {"reps", 'r', PS_ARG_VALUE, "R", "timed repetitions per configuration (default 10)", 'r',
     G_MEASURE},
    {"warmup", 0, PS_ARG_VALUE, "W", "untimed rounds first (default 1)", OPT_WARMUP,
     G_MEASURE},
    {"ci-width", 0, PS_ARG_VALUE, "P",
     "instead of -r: add rounds until the 95% confidence\n"
     "interval of each median is no wider than P of it\n"
     "(5% or 0.05; above 0, below 100%)", OPT_CI_WIDTH, G_MEASURE},
    {"min-reps", 0, PS_ARG_VALUE, "N",
     "with --ci-width: valid repetitions before it may\n"
     "stop (default 6, the least with an interval)", OPT_MIN_REPS, G_MEASURE},
    {"max-reps", 0, PS_ARG_VALUE, "N", "with --ci-width: repetitions at most (default 100)",
     OPT_MAX_REPS, G_MEASURE},
    {"max-time", 0, PS_ARG_VALUE, "T",
     "wall-clock budget of the whole run, e.g. 90s, 2m,\n"
     "500ms; a round that would not end within it is\n"
     "not started (the first timed round always runs)", OPT_MAX_TIME, G_MEASURE},
    {"seed", 0, PS_ARG_VALUE, "N", "seed of the interleaving order (default: time)", OPT_SEED,
     G_MEASURE},
    {"rep-time", 0, PS_ARG_VALUE, "T",
     "choose each kernel's size on this machine, before\n"
     "timing, so that one seq repetition lasts about T\n"
     "(e.g. 10ms; from 1ms to 60s); replaces --size", OPT_REP_TIME, G_MEASURE},
    {"rep-timeout", 0, PS_ARG_VALUE, "T",
     "end the run when one repetition takes longer than T\n"
     "(e.g. 10m; default: no limit): one line, exit 3,\n"
     "the rows written so far whole", OPT_REP_TIMEOUT, G_MEASURE},

    {"disturbed-above", 0, PS_ARG_VALUE, "P",
     "a repetition whose worst worker lost more than P\n"
     "of it is disturbed (default 2%; above 0, below 100%)", OPT_DISTURBED_ABOVE,
     G_DISTURBED},
    {"retry-disturbed", 0, PS_ARG_VALUE, "N",
     "measure a disturbed repetition again in a later\n"
     "round, up to N times per planned one (default 2)", OPT_RETRY_DISTURBED, G_DISTURBED},
    {"keep-disturbed", 0, PS_ARG_NONE, NULL, "use disturbed repetitions like the others",
     OPT_KEEP_DISTURBED, G_DISTURBED},
    {"advice-names", 0, PS_ARG_VALUE, "LIST",
     "for scripts that run parscale: the names their\n"
     "users give these options in the advice the\n"
     "summary prints, e.g. max-time=--budget,size=--size", OPT_ADVICE_NAMES, G_DISTURBED},

    {"bind", 0, PS_ARG_VALUE, "close|spread|primary|true|false",
     "OMP_PROC_BIND for this run.\n"
     "OpenMP reads it only at start-up, so parscale\n"
     "sets it and executes itself again; setting\n"
     "OMP_PROC_BIND/OMP_PLACES in the environment\n"
     "does the same.  Both are recorded.  Ranks are\n"
     "bound by mpirun (--bind-to, --map-by), not here.", OPT_BIND, G_PLACEMENT},
    {"places", 0, PS_ARG_VALUE, "cores|threads|sockets|LIST",
     "OMP_PLACES with --bind (default cores)", OPT_PLACES, G_PLACEMENT},

    {"csv", 'o', PS_ARG_VALUE, "FILE", "append raw rows to FILE (metadata: FILE.meta.jsonl)",
     'o', G_OUTPUT},
    {"quiet", 'q', PS_ARG_NONE, NULL, "no progress, summary only", 'q', G_OUTPUT},
    {"export-json", 0, PS_ARG_VALUE, "FILE",
     "the summary's statistics per configuration as\n"
     "JSON (docs/csv-schema.md), written at the end", OPT_EXPORT_JSON, G_OUTPUT},
    {"export-markdown", 0, PS_ARG_VALUE, "FILE", "the same as a Markdown table", OPT_EXPORT_MD,
     G_OUTPUT},
    {"version", 0, PS_ARG_NONE, NULL, "the version of this build", OPT_VERSION, G_OUTPUT},
    {"check-args", 0, PS_ARG_REST, "ARGS...",
     "(first after run) check ARGS as a run would,\n"
     "run nothing, print them normalised as JSON", OPT_CHECK_ARGS, G_OUTPUT},
    {"help", 'h', PS_ARG_NONE, NULL, "this text", 'h', G_OUTPUT},
    PS_OPTION_ROWS_END,
};

/* --help's column where the help text starts. */
#define HELP_COLUMN 28

/* One row in --help: "  -k, --kernel LIST" padded to HELP_COLUMN, or on a
 * line of its own when longer, then its help, each line at the column. */
static void print_row(const ps_option_row *r)
{
    char left[128];
    int n = snprintf(left, sizeof left, "  %c%c%s--%s%s%s", r->short_name ? '-' : ' ',
                     r->short_name ? r->short_name : ' ', r->short_name ? ", " : "  ",
                     r->name, r->metavar ? " " : "", r->metavar ? r->metavar : "");
    if (n < 0)
        return;
    fputs(left, stdout);
    int col = n;
    for (const char *line = r->help; line && *line;) {
        size_t len = strcspn(line, "\n");
        if (col > HELP_COLUMN - 2) {  /* no room beside it: under it */
            putchar('\n');
            col = 0;
        }
        printf("%*s%.*s\n", HELP_COLUMN - col, "", (int)len, line);
        col = 0;
        line += len + (line[len] == '\n');
    }
}

void ps_options_usage(void)
{
    printf(
"usage: parscale run --kernel K[,K...] --backend B[,B...] --workers W[,W...]\n"
"                    [options]\n"
"\n"
"Runs every kernel under every backend at every worker count, interleaved\n"
"(A B C A B C ...), prints a summary and appends one CSV row per timed\n"
"repetition.  mpi and hybrid need an MPI launch: mpirun -np N parscale run ...\n");
    const char *group = NULL;
    for (const ps_option_row *r = run_rows; r->name; r++) {
        if (!group || strcmp(group, r->group) != 0)
            printf("\n%s\n", (group = r->group));
        print_row(r);
    }
    const ps_backend *base = ps_backend_baseline();
    printf("\nbackends of this build (--backend), each with its own options\n");
    if (base)
        printf("(the speedup base is %s; --no-baseline leaves it out)\n", base->name);
    for (const ps_backend *const *b = ps_backends; *b; b++) {
        printf("  %-11s %s\n", (*b)->name, (*b)->summary);
        for (const ps_option_row *r = (*b)->options; r && r->name; r++)
            print_row(r);
    }
}

void ps_options_rows_json(ps_buf *b)
{
    int first = 1;
    const char *owner = "run";
    const ps_option_row *rows = run_rows;
    for (int i = -1; i < ps_backend_count(); i++) {
        if (i >= 0) {
            owner = ps_backends[i]->name;
            rows = ps_backends[i]->options;
        }
        for (const ps_option_row *r = rows; r && r->name; r++, first = 0) {
            static const char *const kinds[] = {"none", "value", "rest"};
            ps_buf_put(b, first ? "{\"name\":" : ",{\"name\":", first ? 8 : 9);
            ps_buf_json_str(b, r->name);
            if (r->short_name)
                ps_buf_printf(b, ",\"short\":\"%c\"", r->short_name);
            else
                ps_buf_put(b, ",\"short\":null", 13);
            ps_buf_printf(b, ",\"argument\":\"%s\",\"metavar\":", kinds[r->arg]);
            if (r->metavar)
                ps_buf_json_str(b, r->metavar);
            else
                ps_buf_put(b, "null", 4);
            ps_buf_put(b, ",\"help\":", 8);
            ps_buf_json_str(b, r->help ? r->help : "");
            ps_buf_put(b, ",\"owner\":", 9);
            ps_buf_json_str(b, owner);
            ps_buf_put(b, ",\"group\":", 9);
            ps_buf_json_str(b, r->group ? r->group : owner);
            ps_buf_put(b, "}", 1);
        }
    }
}

#define MAX_OPTS 128

/* getopt_long's table made from the rows: run's own, then every backend's
 * once per name (a shared name goes to each backend that has it). */
typedef struct opt_table {
    struct option all[MAX_OPTS + 1];
    const char *backend_names[MAX_OPTS];  /* by val - OPT_BACKEND */
    char shorts[2 * MAX_OPTS + 2];        /* ":k:b:..." */
} opt_table;

static void opt_table_build(opt_table *t)
{
    memset(t, 0, sizeof *t);
    size_t n = 0, nb = 0, ns = 0;
    t->shorts[ns++] = ':';  /* a missing value is ':', told apart from '?' */
    for (const ps_option_row *r = run_rows; r->name && n < MAX_OPTS; r++) {
        if (r->arg == PS_ARG_REST)
            continue;  /* --check-args: taken before getopt, first after run */
        t->all[n++] = (struct option){r->name, r->arg == PS_ARG_VALUE ? required_argument
                                                                       : no_argument,
                                      NULL, r->target};
        if (r->short_name) {
            t->shorts[ns++] = r->short_name;
            if (r->arg == PS_ARG_VALUE)
                t->shorts[ns++] = ':';
        }
    }
    for (const ps_backend *const *b = ps_backends; *b; b++) {
        for (const ps_option_row *bo = (*b)->options; bo && bo->name; bo++) {
            size_t j = 0;
            while (j < nb && strcmp(t->backend_names[j], bo->name) != 0)
                j++;
            if (j < nb || n == MAX_OPTS)
                continue;
            t->backend_names[nb] = bo->name;
            t->all[n++] = (struct option){bo->name, bo->arg == PS_ARG_VALUE ? required_argument
                                                                            : no_argument,
                                          NULL, OPT_BACKEND + (int)nb};
            nb++;
        }
    }
}

int ps_options_long(struct option *out, int max)
{
    opt_table t;
    opt_table_build(&t);
    int n = 0;
    while (t.all[n].name && n < max - 1) {
        out[n] = t.all[n];
        n++;
    }
    out[n] = (struct option){NULL, 0, NULL, 0};
    return n;
}

const char *ps_options_short(void)
{
    static opt_table t;  /* built once: the rows never change */
    if (!t.shorts[0])
        opt_table_build(&t);
    return t.shorts;
}

/* A backend option goes to every backend that has one of that name. */
static int parse_backend_opt(ps_run_opts *o, const char *name, const char *arg,
                             ps_err *err)
{
    int seen = 0;
    for (int i = 0; i < o->nbackend_opts_given; i++)
        seen |= strcmp(o->backend_opts_given[i], name) == 0;
    if (!seen && o->nbackend_opts_given < PS_MAX_LIST)
        o->backend_opts_given[o->nbackend_opts_given++] = name;
    for (int i = 0; ps_backends[i] && i < PS_MAX_BACKENDS; i++) {
        const ps_backend *b = ps_backends[i];
        for (const ps_option_row *bo = b->options; bo && bo->name; bo++)
            if (strcmp(bo->name, name) == 0 &&
                b->opt_parse(o->backend_opts[i].bytes, bo->target, arg, err) != 0)
                return -1;
    }
    return 0;
}

/* --kernel: names, built in or loaded, or 'all'. */
static int parse_kernels(ps_run_opts *o, char *arg, ps_err *err)
{
    if (strcmp(arg, "all") == 0) {
        const ps_kernel *all[PS_MAX_LIST + 1];
        o->nkernels = ps_kernel_all(&o->libs, all, PS_MAX_LIST + 1);
        memcpy(o->kernels, all, (size_t)o->nkernels * sizeof *all);
        return 0;
    }
    char *items[PS_MAX_LIST];
    int n = ps_split_list(arg, items, PS_MAX_LIST);
    if (n < 0)
        return ps_list_fail(err, "--kernel", n, PS_MAX_LIST);
    for (int i = 0; i < n; i++) {
        if (!(o->kernels[i] = ps_kernel_lookup(&o->libs, items[i])))
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
            const char *why = ps_backend_absent(items[i]);
            if (why)
                return ps_fail(err, "backend '%s' is not in this build (%s)", items[i], why);
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

/* An option that belongs to backends none of which this run uses is a
 * mistake (it would be silently ignored): say whose option it is. */
static int check_option_owners(const ps_run_opts *o, ps_err *err)
{
    for (int g = 0; g < o->nbackend_opts_given; g++) {
        const char *name = o->backend_opts_given[g];
        char owners[256] = "";
        size_t used = 0;
        int selected = 0;
        for (int i = 0; ps_backends[i]; i++) {
            const ps_backend *b = ps_backends[i];
            int owns = 0;
            for (const ps_option_row *bo = b->options; bo && bo->name; bo++)
                owns |= strcmp(bo->name, name) == 0;
            if (!owns)
                continue;
            for (int j = 0; j < o->nbackends; j++)
                selected |= o->backends[j] == b;
            int w = snprintf(owners + used, sizeof owners - used, "%s%s", used ? ", " : "",
                             b->name);
            if (w > 0 && (size_t)w < sizeof owners - used)
                used += (size_t)w;
        }
        if (!selected) {
            char chosen[256] = "";
            used = 0;
            for (int j = 0; j < o->nbackends; j++) {
                int w = snprintf(chosen + used, sizeof chosen - used, "%s%s", j ? "," : "",
                                 o->backends[j]->name);
                if (w > 0 && (size_t)w < sizeof chosen - used)
                    used += (size_t)w;
            }
            return ps_fail(err, "--%s is an option of the %s backend%s, which this run "
                           "does not use (--backend %s)", name, owners,
                           strchr(owners, ',') ? "s" : "", chosen);
        }
    }
    return 0;
}

/* The rules that join options: each backend's own (told whether this run
 * uses it), and --places, which means nothing without --bind. */
static int check_backends(const ps_run_opts *o, ps_err *err)
{
    if (check_option_owners(o, err) != 0)
        return -1;
    if (o->places && !o->bind)
        return ps_fail(err, "--places needs --bind (OMP_PLACES without OMP_PROC_BIND "
                       "binds nothing)");
    if (ps_backend_count() > PS_MAX_BACKENDS)
        return ps_fail(err, "internal: %d backends, room for %d (PS_MAX_BACKENDS)",
                       ps_backend_count(), PS_MAX_BACKENDS);
    for (int i = 0; ps_backends[i]; i++) {
        const ps_backend *b = ps_backends[i];
        int selected = 0;
        for (int j = 0; j < o->nbackends; j++)
            selected |= o->backends[j] == b;
        if (b->opts_check && b->opts_check(o->backend_opts[i].bytes, selected, o->workers,
                                           o->nworkers, err) != 0)
            return -1;
    }
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
    const ps_kernel *k = ps_kernel_lookup(&o->libs, kname);
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

/* A share given as a fraction (0.05) or a percentage (5%), above 0 and
 * below 1 (--ci-width: an interval as wide as the median says nothing;
 * --disturbed-above: a repetition that lost all of it measured nothing). */
static int parse_share(const char *opt, const char *what, const char *arg, double *out,
                       ps_err *err)
{
    char *end;
    double v = -1.0;
    if (arg[0] >= '0' && arg[0] <= '9') {
        v = strtod(arg, &end);
        if (*end == '%' && end[1] == '\0')
            v /= 100.0;
        else if (*end != '\0')
            v = -1.0;
    }
    if (!(v > 0.0 && v < 1.0))
        return ps_fail(err, "%s: '%s' is not a %s above 0 and below 100%%, "
                       "such as 5%% or 0.05", opt, arg, what);
    *out = v;
    return 0;
}

/* --max-time: the duration parser's ns, us, ms and s, plus m and h.  The
 * number is read as milliseconds and scaled, so budgets of hours fit
 * within the parser's range. */
static int parse_budget(const char *opt, const char *arg, double *seconds, ps_err *err)
{
    static const struct { const char *unit; double ms_per; } big[] = {
        {"h", 3600e3}, {"m", 60e3}, {"s", 1e3},
    };
    size_t len = strlen(arg);
    char num[64];
    uint64_t ns = 0;
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        size_t ul = strlen(big[i].unit);
        int ms = len > 2 && strcmp(arg + len - 2, "ms") == 0;
        if (!ms && len > ul && len - ul < sizeof num - 3 &&
            strcmp(arg + len - ul, big[i].unit) == 0 &&
            (arg[len - ul - 1] >= '0' && arg[len - ul - 1] <= '9')) {
            snprintf(num, sizeof num, "%.*sms", (int)(len - ul), arg);
            if (ps_parse_duration_ns(num, &ns) != 0)
                break;
            *seconds = (double)ns * 1e-9 * big[i].ms_per;
            return *seconds >= 1e-3 ? 0 : ps_fail(err, "%s: '%s' is below 1ms", opt, arg);
        }
    }
    if (ns == 0 && ps_parse_duration_ns(arg, &ns) == 0 && ns >= 1000000) {
        *seconds = (double)ns * 1e-9;
        return 0;
    }
    return ps_fail(err, "%s: '%s' is not a duration from 1ms, such as 90s, "
                   "2m or 500ms", opt, arg);
}

/* The stopping options that join: -r is the fixed count, the rest belong
 * to --ci-width (only --max-time applies to both). */
static int check_stopping(ps_run_opts *o, unsigned given, ps_err *err)
{
    ps_stop_rule *r = &o->stop;
    r->reps = o->reps;
    if (r->ci_width <= 0.0) {
        if (given & (1u << 1))
            return ps_fail(err, "--min-reps applies with --ci-width (a fixed count is -r)");
        if (given & (1u << 2))
            return ps_fail(err, "--max-reps applies with --ci-width (a fixed count is -r)");
        return 0;
    }
    if (given & (1u << 0))
        return ps_fail(err, "-r/--reps fixes the count; with --ci-width use --min-reps "
                       "and --max-reps");
    if (r->min_reps > r->max_reps)
        return ps_fail(err, "--min-reps %d is above --max-reps %d%s", r->min_reps,
                       r->max_reps, (given & (1u << 2)) ? "" : " (the default)");
    return 0;
}

/* One size: a count, or the kernel's test, quick or full. */
static int parse_size(const char *arg, int *size_class, uint64_t *size, ps_err *err)
{
    static const char *const classes[] = {"test", "quick", "full"};
    for (int i = 0; i < 3; i++)
        if (strcmp(arg, classes[i]) == 0) {
            *size_class = i == 0 ? PS_SIZE_TEST : i == 1 ? PS_SIZE_QUICK : PS_SIZE_FULL;
            return 0;
        }
    if (ps_parse_count(arg, size) == 0) {
        *size_class = -1;
        return 0;
    }
    return ps_fail(err, "--size: '%s' is not a whole count from 1 to 2^53 "
                   "(9007199254740992), or test, quick, full", arg);
}

/* --size S[,KERNEL=S...]: the run's size, and any kernel's own. */
static int parse_sizes(ps_run_opts *o, char *arg, ps_err *err)
{
    char *items[PS_MAX_LIST];
    int n = ps_split_list(arg, items, PS_MAX_LIST);
    if (n < 0)
        return ps_list_fail(err, "--size", n, PS_MAX_LIST);
    o->nksizes = 0;
    int plain = 0;  /* a size for every kernel, given already */
    for (int i = 0; i < n; i++) {
        char *eq = strchr(items[i], '=');
        if (!eq) {
            if (plain++)  /* the last would win without a word */
                return ps_fail(err, "--size: two sizes for every kernel ('%s' and an "
                               "earlier one); give one, and KERNEL=SIZE for others", items[i]);
            if (parse_size(items[i], &o->size_class, &o->size, err) != 0)
                return -1;
            continue;
        }
        *eq = '\0';
        const ps_kernel *k = ps_kernel_lookup(&o->libs, items[i]);
        if (!k)
            return ps_fail(err, "--size: unknown kernel '%s' in %s=%s", items[i], items[i],
                           eq + 1);
        for (int j = 0; j < o->nksizes; j++)
            if (o->ksizes[j].kernel == k)
                return ps_fail(err, "--size: kernel '%s' is given two sizes", items[i]);
        int j = o->nksizes++;
        o->ksizes[j].kernel = k;
        if (parse_size(eq + 1, &o->ksizes[j].size_class, &o->ksizes[j].size, err) != 0)
            return -1;
    }
    return 0;
}

/* --advice-names NAME=SHOWN,...: each NAME an option of run's own. */
static int parse_advice_names(ps_run_opts *o, const char *arg, ps_err *err)
{
    static const char *const names[] = {"size", "max-time", "max-reps", "reps"};
    if (strlen(arg) >= sizeof o->advice_names)
        return ps_fail(err, "--advice-names: longer than %zu characters",
                       sizeof o->advice_names - 1);
    char copy[sizeof o->advice_names];
    snprintf(copy, sizeof copy, "%s", arg);
    char *items[PS_MAX_LIST];
    int n = ps_split_list(copy, items, PS_MAX_LIST);
    if (n < 0)
        return ps_list_fail(err, "--advice-names", n, PS_MAX_LIST);
    for (int i = 0; i < n; i++) {
        char *eq = strchr(items[i], '=');
        int known = 0;
        if (eq) {
            *eq = '\0';
            for (size_t j = 0; j < sizeof names / sizeof *names; j++)
                known |= strcmp(items[i], names[j]) == 0;
        }
        if (!eq || !known || !eq[1])
            return ps_fail(err, "--advice-names: '%s' is not NAME=SHOWN with NAME one of "
                           "size, max-time, max-reps, reps", items[i]);
    }
    snprintf(o->advice_names, sizeof o->advice_names, "%s", arg);
    return 0;
}

void ps_options_advice_name(const ps_run_opts *o, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "--%s", name);
    size_t nl = strlen(name);
    for (const char *s = o->advice_names; *s;) {
        const char *end = strchr(s, ',');
        size_t item = end ? (size_t)(end - s) : strlen(s);
        if (item > nl + 1 && strncmp(s, name, nl) == 0 && s[nl] == '=') {
            snprintf(buf, len, "%.*s", (int)(item - nl - 1), s + nl + 1);
            return;
        }
        s += item + (end ? 1 : 0);
    }
}

uint64_t ps_options_order(const ps_run_opts *o, const ps_kernel *k)
{
    int sc = o->size_class;
    uint64_t size = o->size;
    for (int i = 0; i < o->nksizes; i++)
        if (o->ksizes[i].kernel == k) {
            sc = o->ksizes[i].size_class;
            size = o->ksizes[i].size;
        }
    return sc >= 0 ? k->sizes[sc] : size;
}

void ps_options_params(const ps_run_opts *o, const ps_kernel *k,
                       double out[PS_MAX_PARAMS])
{
    ps_kernel_default_params(k, out);
    for (int i = 0; i < o->nparams; i++)
        if (o->params[i].kernel == k)
            out[o->params[i].index] = o->params[i].value;
}

/* An export's file: named, and not a directory (the folder must exist:
 * it is written only at the end, and a run should not measure for an hour
 * to fail there). */
static int parse_export(const char *opt, const char *arg, const char **out, ps_err *err)
{
    if (!*arg)
        return ps_fail(err, "%s needs a file name", opt);
    struct stat st;
    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
        return ps_fail(err, "%s %s is a directory", opt, arg);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", arg);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        if (dir[0] && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
            return ps_fail(err, "%s %s: the folder %s does not exist", opt, arg, dir);
    }
    *out = arg;
    return 0;
}

static int parse_one(ps_run_opts *o, int c, char *arg, ps_err *err)
{
    uint64_t v = 0;
    switch (c) {
    case 'k': return parse_kernels(o, arg, err);
    case 'b': return parse_backends(o, arg, err);
    case 'w': return parse_counts("--workers", arg, o->workers, &o->nworkers, err);
    case 's': return parse_sizes(o, arg, err);
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
        if (ps_parse_count_in("--steps", arg, 1, 1000000, &v, err)) return -1;
        o->steps = (uint32_t)v;
        return 0;
    case OPT_NO_BASELINE: o->baseline = 0; return 0;
    case 'r':
        if (ps_parse_count_in("--reps", arg, 1, 1000000, &v, err)) return -1;
        o->reps = (int)v;
        return 0;
    case OPT_WARMUP:
        if (ps_parse_count_in("--warmup", arg, 0, 1000, &v, err)) return -1;
        o->warmup = (int)v;
        return 0;
    case OPT_SEED:
        if (ps_parse_count_in("--seed", arg, 0, PS_EXACT_MAX_U64, &o->seed, err)) return -1;
        o->have_seed = 1;
        return 0;
    case OPT_CI_WIDTH: return parse_share("--ci-width", "width", arg, &o->stop.ci_width, err);
    case OPT_DISTURBED_ABOVE:
        return parse_share("--disturbed-above", "share", arg, &o->stop.disturbed_above, err);
    case OPT_RETRY_DISTURBED:
        if (ps_parse_count_in("--retry-disturbed", arg, 0, 100, &v, err)) return -1;
        o->stop.retry_disturbed = (int)v;
        return 0;
    case OPT_KEEP_DISTURBED: o->stop.keep_disturbed = 1; return 0;
    case OPT_ADVICE_NAMES: return parse_advice_names(o, arg, err);
    case OPT_REP_TIME: {
        uint64_t ns;
        if (ps_parse_duration_ns(arg, &ns) != 0 || ns < 1000000 || ns > 60000000000ull)
            return ps_fail(err, "--rep-time: '%s' is not a duration from 1ms to 60s, "
                           "such as 10ms", arg);
        o->rep_time = (double)ns * 1e-9;
        return 0;
    }
    case OPT_MIN_REPS:
        if (ps_parse_count_in("--min-reps", arg, 1, 1000000, &v, err)) return -1;
        o->stop.min_reps = (int)v;
        return 0;
    case OPT_MAX_REPS:
        if (ps_parse_count_in("--max-reps", arg, 1, 1000000, &v, err)) return -1;
        o->stop.max_reps = (int)v;
        return 0;
    case OPT_MAX_TIME: return parse_budget("--max-time", arg, &o->stop.max_time, err);
    case OPT_REP_TIMEOUT: return parse_budget("--rep-timeout", arg, &o->rep_timeout, err);
    case OPT_PARAM: return parse_param(o, arg, err);
    case OPT_BIND: return parse_bind(o, arg, err);
    case OPT_PLACES:
        if (ps_places_check(arg, err) != 0)
            return -1;
        o->places = arg;
        return 0;
    case 'o':
        if (!*arg)
            return ps_fail(err, "--csv needs a file name");
        o->csv = arg;
        return 0;
    case 'q': o->quiet = 1; return 0;
    case OPT_EXPORT_JSON: return parse_export("--export-json", arg, &o->export_json, err);
    case OPT_EXPORT_MD: return parse_export("--export-markdown", arg, &o->export_md, err);
    case OPT_KERNEL_LIB: return 0;  /* loaded before the other options */
    default: return ps_fail(err, "internal: unhandled option %d", c);
    }
}

/* Everything as it is when no option is given; the command line kept for
 * the metadata. */
static void set_defaults(ps_run_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->size_class = PS_SIZE_QUICK;
    o->workers[0] = 1;
    o->nworkers = 1;
    o->scalings[0] = PS_STRONG;
    o->nscalings = 1;
    o->reps = PS_REPS_DEFAULT;
    o->warmup = 1;
    o->baseline = 1;
    o->stop = (ps_stop_rule){.reps = PS_REPS_DEFAULT, .min_reps = PS_MIN_REPS_DEFAULT,
                             .max_reps = PS_MAX_REPS_DEFAULT,
                             .disturbed_above = PS_DISTURBED_ABOVE_DEFAULT,
                             .retry_disturbed = PS_RETRY_DISTURBED_DEFAULT};
    for (int i = 0; ps_backends[i] && i < PS_MAX_BACKENDS; i++)
        if (ps_backends[i]->opts_default)
            ps_backends[i]->opts_default(o->backend_opts[i].bytes);
    size_t used = 0;
    for (int i = 0; i < argc && used < sizeof o->command; i++) {
        int n = snprintf(o->command + used, sizeof o->command - used, "%s%s",
                         i ? " " : "parscale ", argv[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* getopt's verdict on one argument: 0 parsed, 1 --help, -1 bad input. */
static int take_option(ps_run_opts *o, const opt_table *t, int c, char **argv,
                       unsigned *stop_given, ps_err *err)
{
    if (c == 'h') {
        ps_options_usage();
        return 1;
    }
    if (c == OPT_VERSION) {
        char v[160];
        ps_version_line(v, sizeof v);
        printf("%s\n", v);
        return 1;
    }
    if (c == '?') {
        /* an option of a backend the build leaves out: say whose it is */
        const char *arg = argv[optind - 1];
        char name[64], owners[64];
        size_t len = arg && strncmp(arg, "--", 2) == 0 ? strcspn(arg + 2, "=") : 0;
        if (len > 0 && len < sizeof name) {
            memcpy(name, arg + 2, len);
            name[len] = '\0';
            int n = ps_backend_absent_owners(name, owners, sizeof owners);
            if (n > 0)
                return ps_fail(err, "--%s is an option of the %s backend%s, which %s "
                               "not in this build (parscale list says why)", name, owners,
                               n > 1 ? "s" : "", n > 1 ? "are" : "is");
        }
        return ps_getopt_fail(err, "run", t->all, ps_options_short(), arg, optopt);
    }
    if (c == ':')
        return ps_fail(err, "run: option '%s' needs a value", argv[optind - 1]);
    *stop_given |= (c == 'r' ? 1u : 0u) | (c == OPT_MIN_REPS ? 2u : 0u) |
                   (c == OPT_MAX_REPS ? 4u : 0u);
    if (c >= OPT_BACKEND)
        return parse_backend_opt(o, t->backend_names[c - OPT_BACKEND], optarg, err);
    return parse_one(o, c, optarg, err);
}

/* --kernel-lib is taken in a pass of its own, first, so that --kernel and
 * --param can name a loaded kernel wherever the flag stands; any other
 * problem with the arguments is left to the main pass. */
static int load_kernel_libs(ps_run_opts *o, const opt_table *t, int argc, char **argv,
                            ps_err *err)
{
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, t->shorts, t->all, NULL)) != -1)
        if (c == OPT_KERNEL_LIB && ps_kernel_libs_open(&o->libs, optarg, err) != 0)
            return -1;
    return 0;
}

int ps_options_parse(ps_run_opts *o, int argc, char **argv, ps_err *err)
{
    set_defaults(o, argc, argv);
    opt_table t;
    opt_table_build(&t);
    if (load_kernel_libs(o, &t, argc, argv, err) != 0)
        return -1;
    optind = 1;
    opterr = 0;  /* we say what was wrong ourselves, in one line */
    int c;
    unsigned stop_given = 0;  /* bits: -r, --min-reps, --max-reps */
    while ((c = getopt_long(argc, argv, t.shorts, t.all, NULL)) != -1) {
        int rc = take_option(o, &t, c, argv, &stop_given, err);
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return ps_fail(err, "run: unexpected argument '%s' (parscale run --help)", argv[optind]);
    if (o->nkernels == 0)
        return ps_fail(err, "run: --kernel is required (parscale list shows the kernels)");
    if (o->nbackends == 0) {
        char names[256];
        ps_backend_names(names, sizeof names);
        return ps_fail(err, "run: --backend is required (%s)", names);
    }
    if (check_stopping(o, stop_given, err) != 0)
        return -1;
    return check_backends(o, err);
}
