/* backend_registry.c -- the list of backends this build has (and of those
 * it leaves out, with why), and the lookups over it.  A new backend is one
 * extern declaration and one entry in ps_backends[] below. */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "omp_team.h"

extern const ps_backend ps_backend_seq, ps_backend_async, ps_backend_gil;
#ifdef PARSCALE_HAVE_OPENMP
extern const ps_backend ps_backend_omp;
#endif
#ifdef PARSCALE_HAVE_MPI
extern const ps_backend ps_backend_mpi;
#endif
#if defined(PARSCALE_HAVE_MPI) && defined(PARSCALE_HAVE_OPENMP) && defined(PARSCALE_HAVE_HYBRID)
extern const ps_backend ps_backend_hybrid;
#endif

const ps_backend *const ps_backends[] = {
    &ps_backend_seq,
    &ps_backend_async,
    &ps_backend_gil,
#ifdef PARSCALE_HAVE_OPENMP
    &ps_backend_omp,
#endif
#ifdef PARSCALE_HAVE_MPI
    &ps_backend_mpi,
#endif
#if defined(PARSCALE_HAVE_MPI) && defined(PARSCALE_HAVE_OPENMP) && defined(PARSCALE_HAVE_HYBRID)
    &ps_backend_hybrid,
#endif
    NULL,
};

/* Backends this project has that a build may leave out, and why: turned
 * off by its option (PARSCALE_OPENMP_OFF, PARSCALE_MPI_OFF), or its library
 * not found; with the options they would own, so that these are refused as
 * theirs rather than as unknown. */
#ifndef PARSCALE_HAVE_OPENMP
static const ps_option_row omp_options[] = {PS_OMP_SCHED_OPTIONS, PS_OPTION_ROWS_END};
#endif
#if !(defined(PARSCALE_HAVE_MPI) && defined(PARSCALE_HAVE_OPENMP) && defined(PARSCALE_HAVE_HYBRID))
static const ps_option_row hybrid_options[] = {PS_HYBRID_OPTIONS, PS_OPTION_ROWS_END};
#endif
static const struct {
    const char *name, *why;
    const ps_option_row *options;
} absent[] = {
#if !defined(PARSCALE_HAVE_OPENMP) && defined(PARSCALE_OPENMP_OFF)
    {"omp", "it was turned off at configure time: -DPARSCALE_OPENMP=OFF", omp_options},
#elif !defined(PARSCALE_HAVE_OPENMP)
    {"omp", "OpenMP was not found at configure time", omp_options},
#endif
#if !defined(PARSCALE_HAVE_MPI) && defined(PARSCALE_MPI_OFF)
    {"mpi", "it was turned off at configure time: -DPARSCALE_MPI=OFF", NULL},
#elif !defined(PARSCALE_HAVE_MPI)
    {"mpi", "MPI was not found at configure time", NULL},
#endif
#if !(defined(PARSCALE_HAVE_MPI) && defined(PARSCALE_HAVE_OPENMP) && defined(PARSCALE_HAVE_HYBRID))
    {"hybrid", "it needs both MPI and OpenMP at configure time", hybrid_options},
#endif
    {NULL, NULL, NULL},
};

const ps_backend *ps_backend_find(const char *name)
{
    for (const ps_backend *const *b = ps_backends; *b; b++)
        if (strcmp((*b)->name, name) == 0)
            return *b;
    return NULL;
}

/* One description of a backend for every reader outside the binary, so
 * the scripts need no list of their own. */
void ps_backend_json(ps_buf *b, const ps_backend *be)
{
    ps_buf_put(b, "{\"name\":", 8);
    ps_buf_json_str(b, be->name);
    ps_buf_put(b, ",\"summary\":", 11);
    ps_buf_json_str(b, be->summary);
    ps_buf_printf(b, ",\"mpi\":%s,\"threads\":%s,\"baseline\":%s,\"tasks\":%s}",
                  (be->flags & PS_BACKEND_USES_MPI) ? "true" : "false",
                  (be->flags & PS_BACKEND_THREADS) ? "true" : "false",
                  (be->flags & PS_BACKEND_BASELINE) ? "true" : "false",
                  (be->flags & PS_BACKEND_TASKS) ? "true" : "false");
}

const char *ps_backend_absent(const char *name)
{
    for (int i = 0; absent[i].name; i++)
        if (strcmp(absent[i].name, name) == 0)
            return absent[i].why;
    return NULL;
}

const char *ps_backend_absent_nth(int i, const char **why)
{
    if (i < 0 || i >= (int)(sizeof absent / sizeof absent[0]) - 1)
        return NULL;
    *why = absent[i].why;
    return absent[i].name;
}

int ps_backend_absent_owners(const char *option, char *buf, size_t len)
{
    int n = 0;
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (int i = 0; absent[i].name; i++) {
        int owns = 0;
        for (const ps_option_row *o = absent[i].options; o && o->name; o++)
            owns |= strcmp(o->name, option) == 0;
        if (!owns)
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", n ? ", " : "", absent[i].name);
        if (w > 0 && (size_t)w < len - used)
            used += (size_t)w;
        n++;
    }
    return n;
}

int ps_backend_count(void)
{
    int n = 0;
    while (ps_backends[n])
        n++;
    return n;
}

int ps_backend_index(const ps_backend *b)
{
    for (int i = 0; ps_backends[i]; i++)
        if (ps_backends[i] == b)
            return i;
    return -1;
}

void ps_backend_names(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; ps_backends[i] && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", ps_backends[i]->name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

const ps_backend *ps_backend_baseline(void)
{
    for (const ps_backend *const *b = ps_backends; *b; b++)
        if ((*b)->flags & PS_BACKEND_BASELINE)
            return *b;
    return NULL;
}
