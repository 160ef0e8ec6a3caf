/* cli.c -- see cli.h.  Subcommands: list, info, schema, run (cmd_run: a
 * sequence of steps, run_parse to run_teardown, each owning its part). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "calibrate.h"
#include "check_args.h"
#include "csv.h"
#include "hosts.h"
#include "interrupt.h"
#include "launch_env.h"
#include "measure.h"
#include "mpi_env.h"
#include "options.h"
#include "placement.h"
#include "plan_agree.h"
#include "report.h"
#include "runner.h"
#include "stopping.h"
#include "sysinfo.h"
#include "wait_policy.h"

static void usage(FILE *f)
{
    char names[256];
    ps_backend_names(names, sizeof names);
    fprintf(f,
"usage: parscale <command> [options]\n"
"\n"
"Runs the same compute kernels under each backend of this build and writes\n"
"every measurement to CSV.  Backends: %s.\n"
"\n"
"commands\n"
"  list     kernels and backends, one line each (--json for scripts)\n"
"  info     this machine and build (--json for scripts)\n"
"  schema   the CSV's columns and types, the backends, the stop reasons (--json)\n"
"  run      measure kernels x backends x workers (parscale run --help)\n"
"\n"
"  parscale --version, parscale <command> --help\n", names);
}

/* `list` and `info` take only --json (and list --params, --kernel-lib) and
 * --help. */
static int simple_args(int argc, char **argv, int *json, int *params,
                       ps_kernel_libs *libs, const char *help)
{
    *json = 0;
    for (int i = 1; i < argc; i++) {
        ps_err err;
        if (strcmp(argv[i], "--json") == 0) {
            *json = 1;
        } else if (params && strcmp(argv[i], "--params") == 0) {
            *params = 1;
        } else if (libs && strncmp(argv[i], "--kernel-lib", 12) == 0 &&
                   (argv[i][12] == '\0' || argv[i][12] == '=')) {
            const char *path = argv[i][12] ? argv[i] + 13 : argv[++i];
            if (!path || !*path)
                ps_die(2, "%s: option '--kernel-lib' needs a value", argv[0]);
            if (ps_kernel_libs_open(libs, path, &err) != 0)
                ps_die(2, "%s", err.msg);
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(help, stdout);
            return 1;
        } else {
            ps_die(2, "%s: unknown argument '%s' (parscale %s --help)", argv[0],
                   argv[i], argv[0]);
        }
    }
    return 0;
}

static int cmd_list(int argc, char **argv)
{
    int json, params = 0;
    ps_kernel_libs libs = {.n = 0};
    if (simple_args(argc, argv, &json, &params, &libs,
                    "usage: parscale list [--json] [--params] [--kernel-lib FILE]...\n\n"
                    "Kernels and backends in this build, each with one line on what it "
                    "is;\n--params adds each kernel's parameters (run --param "
                    "KERNEL.NAME=VALUE);\n--kernel-lib adds the kernels of a library "
                    "built with parscale_add_kernel.\n"))
        return 0;
    const ps_kernel *all[PS_MAX_LIST + 1];
    ps_kernel_all(&libs, all, PS_MAX_LIST + 1);
    if (json) {
        ps_buf b = {0};
        ps_buf_put(&b, "{\"kernels\":[", 12);
        int first = 1;
        for (const ps_kernel *const *k = all; *k; k++, first = 0) {
            ps_buf_printf(&b, "%s{\"name\":", first ? "" : ",");
            ps_buf_json_str(&b, (*k)->name);
            ps_buf_put(&b, ",\"summary\":", 11);
            ps_buf_json_str(&b, (*k)->summary);
            ps_buf_put(&b, ",\"exercises\":", 13);
            ps_buf_json_str(&b, (*k)->exercises);
            ps_buf_put(&b, ",\"rate_unit\":", 13);
            ps_buf_json_str(&b, (*k)->rate_unit);
            ps_buf_printf(&b, ",\"rate_per_index\":%.9g,\"flops_per_index\":%.9g,"
                          "\"bytes_per_index\":%.9g,\"steps\":%u,\"tick\":%llu,"
                          "\"waits\":%s,\"sizes\":{\"test\":%llu,\"quick\":%llu,\"full\":%llu}",
                          (*k)->rate_per_index, (*k)->flops_per_index,
                          (*k)->bytes_per_index, (*k)->steps,
                          (unsigned long long)(*k)->tick,
                          (*k)->wait_ns ? "true" : "false",
                          (unsigned long long)(*k)->sizes[PS_SIZE_TEST],
                          (unsigned long long)(*k)->sizes[PS_SIZE_QUICK],
                          (unsigned long long)(*k)->sizes[PS_SIZE_FULL]);
            ps_buf_put(&b, ",\"params\":[", 11);
            for (int i = 0; (*k)->params && i < PS_MAX_PARAMS && (*k)->params[i].name; i++) {
                const ps_kernel_param *pm = &(*k)->params[i];
                ps_buf_printf(&b, "%s{\"name\":", i ? "," : "");
                ps_buf_json_str(&b, pm->name);
                ps_buf_put(&b, ",\"doc\":", 7);
                ps_buf_json_str(&b, pm->doc);
                ps_buf_printf(&b, ",\"default\":%.9g,\"min\":%.9g,\"max\":%.9g}",
                              pm->def, pm->min, pm->max);
            }
            ps_buf_put(&b, "]}", 2);
        }
        ps_buf_put(&b, "],\"backends\":[", 14);
        first = 1;
        for (const ps_backend *const *be = ps_backends; *be; be++, first = 0) {
            ps_buf_put(&b, first ? "" : ",", first ? 0 : 1);
            ps_backend_json(&b, *be);
        }
        /* the backends this build leaves out, and why, for the scripts' messages */
        ps_buf_put(&b, "],\"absent\":[", 12);
        const char *name, *why;
        for (int i = 0; (name = ps_backend_absent_nth(i, &why)); i++) {
            ps_buf_put(&b, i ? ",{\"name\":" : "{\"name\":", i ? 9 : 8);
            ps_buf_json_str(&b, name);
            ps_buf_put(&b, ",\"why\":", 7);
            ps_buf_json_str(&b, why);
            ps_buf_put(&b, "}", 1);
        }
        ps_buf_put(&b, "]}\n", 3);
        fputs(b.data, stdout);
        ps_buf_free(&b);
        ps_kernel_libs_close(&libs);
        return 0;
    }
    printf("kernels\n");
    for (const ps_kernel *const *k = all; *k; k++) {
        printf("  %-11s %s [%s]\n", (*k)->name, (*k)->summary, (*k)->rate_unit);
        for (int i = 0; params && (*k)->params && i < PS_MAX_PARAMS && (*k)->params[i].name; i++) {
            const ps_kernel_param *pm = &(*k)->params[i];
            printf("  %11s   --param %s.%s=V  %s (default %g, %g..%g)\n", "", (*k)->name,
                   pm->name, pm->doc, pm->def, pm->min, pm->max);
        }
    }
    printf("\nbackends\n");
    for (const ps_backend *const *b = ps_backends; *b; b++)
        printf("  %-11s %s\n", (*b)->name, (*b)->summary);
    const char *name, *why;
    for (int i = 0; (name = ps_backend_absent_nth(i, &why)); i++)
        printf("  (%s: not in this build; %s)\n", name, why);
    ps_kernel_libs_close(&libs);
    return 0;
}

static int cmd_info(int argc, char **argv)
{
    int json;
    if (simple_args(argc, argv, &json, NULL, NULL,
                    "usage: parscale info [--json]\n\nThe machine and build that "
                    "measurements are made on.\n"))
        return 0;
    char mpi[160];
    ps_mpi_library_version(mpi, sizeof mpi);
    ps_sysinfo s;
    ps_sysinfo_collect(&s, mpi);
    if (json) {
        ps_buf b = {0};
        ps_sysinfo_json(&s, NULL, &b);
        printf("%s\n", b.data);
        ps_buf_free(&b);
        return 0;
    }
    printf("parscale    %s (%s)\n", s.version, s.git);
    printf("host        %s (%s)\n", s.host, s.os);
    printf("cpu         %s\n", s.cpu_model);
    const ps_cpu_ident *c = &s.cpu;
    printf("cpu id      %s family %d model %d stepping %d\n", c->vendor[0] ? c->vendor : "?",
           c->family, c->model, c->stepping);
    printf("isa         %s\n", c->isa[0] ? c->isa : "(none of those parscale looks for)");
    char base[32] = "?", max[32] = "?", now[32] = "?";
    if (c->base_mhz > 0)
        snprintf(base, sizeof base, "%.0f", c->base_mhz);
    if (c->max_mhz > 0)
        snprintf(max, sizeof max, "%.0f", c->max_mhz);
    if (c->cpuinfo_mhz > 0)
        snprintf(now, sizeof now, "%.0f", c->cpuinfo_mhz);
    printf("frequency   base %s MHz, max %s MHz, cpu0 now %s MHz (? = not exposed)\n", base,
           max, now);
    printf("hypervisor  %s\n", c->hypervisor[0] ? c->hypervisor : "(none: bare metal)");
    printf("fingerprint %s\n", c->fingerprint[0] ? c->fingerprint : "(unknown CPU)");
    printf("cores       %d online, %d usable by this process\n", s.cores_online,
           s.cores_allowed);
    printf("caches      %s\n", s.caches[0] ? s.caches : "(unknown)");
    printf("governor    %s\n", s.governor[0] ? s.governor : "(not exposed)");
    printf("compiler    %s\n", s.compiler);
    printf("flags       %s (%s)\n", s.flags, s.build_type);
    printf("openmp      %s\n", s.openmp[0] ? s.openmp : "(not in this build)");
    printf("mpi         %s\n", s.mpi[0] ? s.mpi : "(not in this build)");
    printf("placement   %s\n", s.omp_env);
    printf("timer       CLOCK_MONOTONIC, resolution %.3g s, smallest step seen %.3g s\n",
           s.timer_resolution, s.timer_tick);
    if (s.slurm_job_id[0])
        printf("slurm job   %s\n", s.slurm_job_id);
    return 0;
}

/* What a reader of the CSV needs to know and would otherwise keep a copy
 * of: the columns with their types (csv_columns.h), the backends in their
 * order with the speedup baseline (the registry), the stop reasons
 * (stopping.h).  The build installs its --json beside the binary
 * (parscale-schema.json), which is what the scripts read. */
static int cmd_schema(int argc, char **argv)
{
    int json;
    if (simple_args(argc, argv, &json, NULL, NULL,
                    "usage: parscale schema [--json]\n\nThe CSV this parscale writes: "
                    "its columns in order, with their type\nand meaning; the backends "
                    "of this build in their order, with the speedup\nbaseline; the "
                    "reasons a configuration stops.  --json is what the scripts\nread "
                    "(the build writes it beside the binary as parscale-schema.json), with\nrun's options "
                    "as rows (run_options), which run --help is made from.\n"))
        return 0;
    ps_buf b = {0};
    ps_buf_put(&b, "{", 1);
    ps_schema_facts_json(&b);
    ps_buf_put(&b, ",\"run_options\":[", 16);
    ps_options_rows_json(&b);
    ps_buf_put(&b, "]}\n", 3);
    if (!b.data)
        ps_die(1, "schema: out of memory for the JSON");
    if (json) {
        fputs(b.data, stdout);
        ps_buf_free(&b);
        return 0;
    }
    ps_buf_free(&b);
    printf("schema %s\n\ncolumns\n", PS_CSV_SCHEMA);
    ps_csv_schema_text(stdout);
    const ps_backend *base = ps_backend_baseline();
    printf("\nbackends (baseline %s)\n", base ? base->name : "none");
    for (const ps_backend *const *be = ps_backends; *be; be++)
        printf("  %s\n", (*be)->name);
    printf("\nstop reasons\n");
    for (int i = 0; i < PS_STOP_NREASONS; i++)
        printf("  %s\n", ps_stop_reason_name((enum ps_stop_reason)i));
    return 0;
}

/* A copy of argv's n strings, NULL-terminated; NULL without memory. */
static char **copy_argv(int n, char *const *argv)
{
    char **copy = calloc((size_t)n + 1, sizeof *copy);
    for (int i = 0; copy && i < n; i++) {
        size_t len = strlen(argv[i]) + 1;
        copy[i] = malloc(len);
        if (!copy[i]) {
            for (int j = 0; j < i; j++)
                free(copy[j]);
            free(copy);
            return NULL;
        }
        memcpy(copy[i], argv[i], len);
    }
    return copy;
}

static void free_argv(char **argv)
{
    for (int i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

/* The OpenMP environment a run needs, before OpenMP threads or MPI
 * start: --bind's placement, and for runs with an OpenMP backend the wait
 * policy (wait_policy.h).  Executes parscale again when either changed
 * the environment; returns 0 when nothing had to change. */
static int apply_omp_env(const ps_run_opts *o, char **argv, ps_err *err)
{
    int bind_changed = 0, wait_changed = 0;
    if (ps_bind_setenv(o->bind, o->places, &bind_changed, err) != 0)
        return -1;
    int openmp = 0;
    for (int i = 0; i < o->nbackends; i++)
        openmp |= (o->backends[i]->flags & PS_BACKEND_OPENMP) != 0;
    if (openmp && ps_wait_policy_setenv(&wait_changed, err) != 0)
        return -1;
    if (!bind_changed && !wait_changed)
        return 0;
    char what[200];
    snprintf(what, sizeof what, "%s%s%s%s%s", bind_changed ? "--bind (OMP_PROC_BIND=" : "",
             bind_changed ? o->bind : "", bind_changed ? ")" : "",
             bind_changed && wait_changed ? " and " : "",
             wait_changed ? "the wait policy (GOMP_SPINCOUNT=" PS_OMP_SPINCOUNT ")" : "");
    return ps_reexec(argv, what, err);
}

/* Memory a repetition frees stays with the process for the next one:
 * glibc would otherwise hand arrays of a few MiB back to the system (mmap
 * above a threshold it moves, heap trimming) and the next repetition's
 * init would fault every page in again and have it zeroed, which on a VM
 * took longer than the timed kernel (dgemm's 4 MiB matrices: 35 ms of
 * set-up for a 10 ms repetition, in some runs and not others).  Arrays
 * beyond the heap's limit go through the kernels' own pool
 * (ps_alloc_doubles). */
static void keep_freed_memory(void)
{
#ifdef M_TRIM_THRESHOLD
    mallopt(M_MMAP_THRESHOLD, 32 << 20);  /* glibc's largest */
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
}

/* What one `parscale run` holds from parsing to tear-down, passed from
 * step to step of cmd_run. */
typedef struct run_state {
    int argc;
    char **argv;       /* run's arguments ([0] "run"); MPI_Init may edit them */
    ps_run_opts o;
    int parsed;        /* ps_options_parse's verdict: 0 fine, -1 bad input */
    int agree;         /* the ranks compare their plans (a launch of several) */
    ps_ctx ctx;
    ps_hosts hosts;
    ps_plan plan;
    ps_err err;
} run_state;

/* Step 1, parse: the options, checked before MPI starts or any file is
 * touched (every rank does the same; only rank 0 will speak).  Owns the
 * verdict on the command line: bad input without ranks to tell is one
 * line and status 2 here; with ranks, run_start_mpi says it for all.
 * Returns 1 when --help or --version was printed. */
static int run_parse(run_state *s)
{
    s->parsed = ps_options_parse(&s->o, s->argc, s->argv, &s->err);
    if (s->parsed == 1)
        return 1;
    const int launched = ps_launch_size();
    s->ctx = (ps_ctx){.rank = 0, .nranks = 1, .mpi = NULL, .cores = 0};
#ifndef PARSCALE_HAVE_MPI
    /* each rank would measure alone and append rows of its own */
    if (s->parsed == 0 && launched > 1)
        s->parsed = ps_fail(&s->err, "run: this parscale was built without MPI, but %d "
                            "processes were launched (mpirun, srun): each would measure "
                            "alone and append its own rows; run it without the launcher, "
                            "or use a build with MPI", launched);
    s->agree = 0;
#else
    s->agree = launched > 1;
#endif
    if (s->parsed != 0 && !s->agree)
        ps_die(2, "%s", s->err.msg);
    return 0;
}

/* Step 2, re-exec: --bind and the wait policy.  OpenMP reads its
 * environment once, so this may start parscale again with the command
 * line as given (given: ps_cli_main's argv, whose [0] is the program);
 * it owns that copy and frees it. */
static void run_reexec(run_state *s, char **given)
{
    if (s->parsed == 0 && apply_omp_env(&s->o, given, &s->err) != 0)
        ps_die(1, "%s", s->err.msg);
    free_argv(given);
}

/* Step 3, start MPI (a build with it, under a launcher): a rank that
 * refused its options, or was given others (an MPMD launch, a node that
 * cannot see a file), is learnt by every rank in one collective, and rank
 * 0 says which and why before any rank leaves.  Owns MPI_Init. */
static void run_start_mpi(run_state *s)
{
#ifdef PARSCALE_HAVE_MPI
    ps_opts_digest digest;
    ps_opts_digest_of(s->argc, s->argv, &s->o, &digest);  /* before MPI_Init may edit argv */
    if (ps_launch_size() > 0 && ps_mpi_start(&s->ctx, &s->argc, &s->argv, &s->err) != 0)
        ps_die(1, "%s", s->err.msg);
    if (s->ctx.mpi) {
        int arc = ps_mpi_agree(&s->ctx, s->parsed == 0, &digest, &s->err);
        if (arc != 0) {
            if (s->ctx.rank == 0)
                fprintf(stderr, "parscale: %s\n", s->err.msg);
            ps_mpi_stop(&s->ctx);
            exit(arc < 0 ? 1 : 2);
        }
    } else if (s->parsed != 0) {
        ps_die(2, "%s", s->err.msg);
    }
#else
    (void)s;
#endif
}

/* Step 4, gather hosts: every rank's host, so that rows can say where
 * their ranks ran and cores are judged host by host.  Owns s->hosts. */
static void run_gather_hosts(run_state *s)
{
    ps_host me;
    ps_hosts_local(&me);
    int hrc = 0;
#ifdef PARSCALE_HAVE_MPI
    if (s->ctx.mpi)
        hrc = ps_mpi_gather_hosts(&s->ctx, &me, &s->hosts, &s->err);
    if (hrc > 0) {
        /* every rank has the verdict: rank 0 says why before any leaves */
        if (s->ctx.rank == 0)
            fprintf(stderr, "parscale: %s\n", s->err.msg);
        ps_mpi_stop(&s->ctx);
        exit(1);
    }
#endif
    if (!s->ctx.mpi)
        hrc = ps_hosts_build(&s->hosts, &me, 1, &s->err);
    if (hrc != 0)
        ps_die(1, "rank %d: %s", s->ctx.rank, s->err.msg);
    s->ctx.hosts = &s->hosts;
    s->ctx.cores = ps_hosts_cores(&s->hosts, s->ctx.nranks);
}

/* Step 5, plan and communicators: sizes calibrated, the plan built (every
 * rank finds the same problem, or rank 0 alone the CSV one, and all stop
 * together with status 2), then one sub-communicator per rank count the
 * plan uses (hybrid: W/T).  Owns s->plan. */
static void run_plan(run_state *s)
{
    int ok = ps_calibrate_sizes(&s->o, &s->ctx, &s->err) == 0 &&
             ps_plan_build(&s->plan, &s->o, &s->ctx, &s->err) == 0;
    if (!ps_mpi_all_ok(&s->ctx, ok)) {
        /* rank 0 says why before any rank leaves: once one exits non-zero,
         * mpirun kills the others, perhaps before they have written */
        if (s->ctx.rank == 0)
            fprintf(stderr, "parscale: %s\n", ok ? "another rank rejected the run" : s->err.msg);
#ifdef PARSCALE_HAVE_MPI
        ps_mpi_stop(&s->ctx);
#endif
        exit(2);
    }
#ifdef PARSCALE_HAVE_MPI
    for (int i = 0; s->ctx.mpi && i < s->plan.npoints; i++) {
        const ps_config *c = &s->plan.points[i].cfg;
        if ((c->backend->flags & PS_BACKEND_USES_MPI) &&
            ps_mpi_prepare(&s->ctx, c->ranks, &s->err) != 0) {
            fprintf(stderr, "parscale: rank %d: %s\n", s->ctx.rank, s->err.msg);
            ps_mpi_abort(&s->ctx, 1);
        }
    }
#endif
}

/* Step 6, run: the measuring loop; from here a signal ends the run after
 * a whole row, with a summary.  Returns ps_run's status, and the signal
 * in *sig when one ended it. */
static int run_measure(run_state *s, int *sig)
{
    ps_interrupt_install();
    int rc = ps_run(&s->plan, &s->o, &s->ctx, sig, &s->err);
    if (rc < 0 && s->err.msg[0])  /* empty: another rank said why */
        fprintf(stderr, "parscale: rank %d: %s\n", s->ctx.rank, s->err.msg);
    return rc;
}

/* Step 7, tear down: what the steps before took (the plan, the hosts,
 * MPI, the loaded kernels), released in reverse. */
static void run_teardown(run_state *s)
{
    ps_plan_free(&s->plan);
    ps_hosts_free(&s->hosts);
#ifdef PARSCALE_HAVE_MPI
    ps_mpi_stop(&s->ctx);
#endif
    ps_kernel_libs_close(&s->o.libs);
}

static int cmd_run(int argc, char **argv)
{
    keep_freed_memory();
    if (argc > 1 && strcmp(argv[1], "--check-args") == 0) {
        argv[1] = argv[0];  /* "run" stays the program name getopt skips */
        return ps_check_args(argc - 1, argv + 1);
    }
    /* parsing reorders argv and cuts its lists in place: executing again
     * (run_reexec) needs the command line as it was given */
    char **given = copy_argv(argc + 1, argv - 1);
    if (!given)
        ps_die(1, "out of memory for the command line");
    static run_state s;  /* large (the plan, the options): not on the stack */
    memset(&s, 0, sizeof s);
    s.argc = argc;
    s.argv = argv;
    if (run_parse(&s) == 1) {
        free_argv(given);
        return 0;
    }
    run_reexec(&s, given);
    run_start_mpi(&s);
    run_gather_hosts(&s);
    run_plan(&s);
    int sig = 0;
    int rc = run_measure(&s, &sig);
    run_teardown(&s);
    if (rc == PS_MEASURE_INTERRUPTED)
        return 128 + sig;  /* what a shell reports for a process the signal killed */
    if (rc < 0)
        return 1;
    return rc;
}

int ps_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        char v[160];
        ps_version_line(v, sizeof v);
        printf("%s\n", v);
        return 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"list", cmd_list}, {"info", cmd_info},
                  {"schema", cmd_schema}, {"run", cmd_run}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(cmd, cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    ps_die(2, "unknown command '%s' (parscale --help lists them)", cmd);
}
