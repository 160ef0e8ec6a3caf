/* calloc_fails_mpi.c -- the harness with one calloc that fails on one rank.
 * Linked with -Wl,--wrap=calloc, so every calloc the harness makes comes
 * here first; on rank RANK (OMPI_COMM_WORLD_RANK), the NTH calloc of an
 * array of ps_host returns NULL (1: the buffer the ranks' hosts are
 * gathered into, 2: the table ps_hosts_build makes of them).
 *
 *   calloc_fails_mpi RANK NTH              the gather, then the same again
 *   calloc_fails_mpi RANK NTH run ARGS...  parscale run ARGS
 *
 * The first form checks that every rank returns the failure and that the
 * ranks still meet in the same collectives afterwards (a second gather and
 * an all-ok both complete); a rank left behind in a collective shows as a
 * launch that never ends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"
#include "mpi_env.h"
#include "hosts.h"

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

static int fail_nth;  /* 0: no calloc fails on this rank */
static int seen;      /* callocs of ps_host arrays so far */

void *__wrap_calloc(size_t n, size_t size)
{
    if (fail_nth && size == sizeof(ps_host) && ++seen == fail_nth) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_calloc(n, size);
}

static int gather_twice(int argc, char **argv, int nth)
{
    ps_ctx ctx = {.rank = 0, .nranks = 1, .mpi = NULL, .cores = 0};
    ps_err err = {""};
    if (ps_mpi_start(&ctx, &argc, &argv, &err) != 0) {
        fprintf(stderr, "calloc_fails_mpi: %s\n", err.msg);
        return 1;
    }
    ps_host me;
    ps_hosts_local(&me);
    ps_hosts h;
    fail_nth = nth;
    int rc = ps_mpi_gather_hosts(&ctx, &me, &h, &err);
    fail_nth = 0;
    CHECK_MSG(rc == 1, "rank %d: the gather returned %d, expected 1 on every rank",
              ctx.rank, rc);
    CHECK_MSG(strncmp(err.msg, "calloc failed", 13) == 0, "rank %d: '%s'", ctx.rank,
              rc ? err.msg : "");
    if (rc == 0)
        ps_hosts_free(&h);
    /* the same collectives on every rank: the next gather meets */
    rc = ps_mpi_gather_hosts(&ctx, &me, &h, &err);
    CHECK_MSG(rc == 0, "rank %d: the second gather returned %d: %s", ctx.rank, rc,
              err.msg);
    if (rc == 0) {
        CHECK(h.nranks == ctx.nranks && h.nhosts >= 1);
        ps_hosts_free(&h);
    }
    CHECK(ps_mpi_all_ok(&ctx, 1));
    ps_mpi_stop(&ctx);
    char name[64];
    snprintf(name, sizeof name, "calloc_fails_mpi (rank %d)", ctx.rank);
    return check_report(name);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s RANK NTH [run ARGS...]\n", argv[0]);
        return 2;
    }
    const char *me = getenv("OMPI_COMM_WORLD_RANK");
    int nth = me && atoi(me) == atoi(argv[1]) ? atoi(argv[2]) : 0;
    if (argc > 3 && strcmp(argv[3], "run") == 0) {
        fail_nth = nth;
        argv[2] = argv[0];  /* ps_cli_main's argv[0] is the program */
        return ps_cli_main(argc - 2, argv + 2);
    }
    return gather_twice(argc, argv, nth);
}
