/* check_args.c -- see check_args.h.  `run --check-args`: the options listed
 * as given and as parsed, as JSON, with nothing run. */
#define _GNU_SOURCE
#include "check_args.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_limits.h"
#include "options.h"

/* The long name of the option getopt returned as c. */
static const char *long_name(const struct option *longs, int c, int index)
{
    if (index >= 0)
        return longs[index].name;
    for (const struct option *o = longs; o->name; o++)
        if (o->val == c && !o->flag)
            return o->name;
    return "?";
}

/* Each option as given, in order, under its long name: the same getopt
 * call over the same table as ps_options_parse, on a copy of argv (getopt
 * reorders it, and parsing splits lists in place). */
static int list_given(int argc, char **argv, ps_buf *out)
{
    char **copy = malloc((size_t)(argc + 1) * sizeof *copy);
    if (!copy)
        return -1;
    memcpy(copy, argv, (size_t)argc * sizeof *copy);
    copy[argc] = NULL;
    struct option longs[256];
    ps_options_long(longs, 256);
    optind = 1;
    opterr = 0;
    int c, index = -1, first = 1;
    ps_buf_put(out, "[", 1);
    while ((c = getopt_long(argc, copy, ps_options_short(), longs, &index)) != -1) {
        ps_buf_printf(out, "%s{\"option\":", first ? "" : ",");
        char name[64];
        snprintf(name, sizeof name, "--%s", long_name(longs, c, index));
        ps_buf_json_str(out, name);
        ps_buf_put(out, ",\"value\":", 9);
        if (optarg)
            ps_buf_json_str(out, optarg);
        else
            ps_buf_put(out, "null", 4);
        ps_buf_put(out, "}", 1);
        first = 0;
        index = -1;
    }
    ps_buf_put(out, "]", 1);
    free(copy);
    return 0;
}

int ps_check_args(int argc, char **argv)
{
    ps_buf given = {0};
    if (list_given(argc, argv, &given) != 0)
        ps_die(1, "out of memory");
    ps_run_opts o;
    ps_err err = {""};
    int rc = ps_options_parse(&o, argc, argv, &err);
    if (rc == 1) {
        ps_kernel_libs_close(&o.libs);
        ps_buf_free(&given);
        return 0;
    }
    if (rc != 0 || ps_limits_check_sizes(&o, &err) != 0) {
        /* what was given, even so: a wrapper may have a better thing to
         * say about it (an option it sets itself) */
        ps_buf b = {0};
        ps_buf_put(&b, "{\"given\":", 9);
        ps_buf_put(&b, given.data, given.len);
        ps_buf_put(&b, ",\"error\":", 9);
        ps_buf_json_str(&b, err.msg);
        ps_buf_put(&b, "}\n", 2);
        fputs(b.data, stdout);
        fflush(stdout);
        ps_buf_free(&b);
        ps_buf_free(&given);
        ps_kernel_libs_close(&o.libs);
        ps_die(2, "%s", err.msg);
    }
    ps_buf b = {0};
    ps_buf_put(&b, "{\"given\":", 9);
    ps_buf_put(&b, given.data, given.len);
    ps_buf_put(&b, ",\"kernels\":[", 12);
    for (int i = 0; i < o.nkernels; i++) {
        ps_buf_put(&b, i ? "," : "", i ? 1 : 0);
        ps_buf_json_str(&b, o.kernels[i]->name);
    }
    ps_buf_put(&b, "],\"backends\":[", 14);
    for (int i = 0; i < o.nbackends; i++) {
        ps_buf_put(&b, i ? "," : "", i ? 1 : 0);
        ps_buf_json_str(&b, o.backends[i]->name);
    }
    ps_buf_put(&b, "],\"workers\":[", 13);
    for (int i = 0; i < o.nworkers; i++)
        ps_buf_printf(&b, "%s%d", i ? "," : "", o.workers[i]);
    ps_buf_printf(&b, "],\"reps\":%d,\"warmup\":%d,\"csv\":", o.reps, o.warmup);
    if (o.csv)
        ps_buf_json_str(&b, o.csv);
    else
        ps_buf_put(&b, "null", 4);
    ps_buf_put(&b, "}\n", 2);
    fputs(b.data, stdout);
    ps_buf_free(&b);
    ps_buf_free(&given);
    ps_kernel_libs_close(&o.libs);  /* the loaded libraries' paths */
    return 0;
}
