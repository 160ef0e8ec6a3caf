/* omp_team.c -- see omp_team.h.  The OpenMP team of the omp and hybrid
 * backends, and their shared --schedule and --chunk options. */
#define _GNU_SOURCE  /* sched_getcpu */
#include "omp_team.h"

#include <omp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "backend_common.h"
#include "timer.h"

/* The chunk size the schedule hands out over m indices: with static, one
 * contiguous block per thread; with dynamic or guided, --chunk, or by
 * default about 64 chunks per thread. */
static uint64_t chunk_of(const ps_config *cfg, const ps_omp_sched *sc, uint64_t m)
{
    const uint64_t nt = (uint64_t)cfg->threads;
    if (sc->schedule == PS_SCHED_STATIC)
        return m ? (m + nt - 1) / nt : 1;
    if (sc->chunk)
        return sc->chunk;
    return m / (64u * nt) ? m / (64u * nt) : 1;
}

static const char *const sched_names[] = {"static", "dynamic", "guided"};

int ps_omp_sched_parse(ps_omp_sched *s, int target, const char *arg, ps_err *err)
{
    if (target == PS_OMP_SCHEDULE) {
        for (int i = 0; i < 3; i++)
            if (strcmp(arg, sched_names[i]) == 0) {
                s->schedule = (enum ps_schedule)i;
                return 0;
            }
        return ps_fail(err, "--schedule: '%s' is not static, dynamic or guided", arg);
    }
    if (target == PS_OMP_CHUNK) {
        uint64_t v;
        if (ps_parse_count(arg, &v) != 0)  /* holds it to 2^53, the limit named */
            return ps_fail(err, "--chunk: '%s' is not a whole number from 1 to %llu", arg,
                           (unsigned long long)PS_EXACT_MAX_U64);
        s->chunk = v;
        return 0;
    }
    return 1;
}

void ps_omp_sched_row(ps_csv_row *row, const ps_omp_sched *s)
{
    ps_csv_set(row, PS_COL_schedule, "%s", sched_names[s->schedule]);
}

void ps_omp_team_free(ps_omp_team *t)
{
    free(t->accs);
    free(t->cpus);
    t->accs = NULL;
    t->cpus = NULL;
}

int ps_omp_team_run(ps_omp_team *t, ps_err *err)
{
    const ps_config *cfg = t->cfg;
    const ps_kernel *k = cfg->kernel;
    void *state = t->state;
    const int nt = cfg->threads;
    const uint64_t lo = t->lo, m = t->hi - t->lo;
    const uint64_t chunk = chunk_of(cfg, t->sched, m);
    const long nchunks = (long)((m + chunk - 1) / chunk);
    omp_sched_t kind = t->sched->schedule == PS_SCHED_DYNAMIC ? omp_sched_dynamic
                     : t->sched->schedule == PS_SCHED_GUIDED  ? omp_sched_guided
                                                         : omp_sched_static;
    omp_set_schedule(kind, 1);  /* our chunks already have the right size */

    t->accs = calloc((size_t)nt, sizeof *t->accs);
    t->cpus = calloc((size_t)nt, sizeof *t->cpus);
    double *start = calloc((size_t)nt, sizeof *start);
    double *end = calloc((size_t)nt, sizeof *end);
    ps_disturb *dist = calloc((size_t)nt, sizeof *dist);
    if (!t->accs || !t->cpus || !start || !end || !dist) {
        free(start);
        free(end);
        free(dist);
        ps_omp_team_free(t);
        return ps_fail(err, "out of memory for %d omp threads", nt);
    }
    int sync_failed = 0, exchange_failed = 0, got_threads = nt;
    ps_err sync_err = {""};

#pragma omp parallel num_threads(nt)
    {
        const int tid = omp_get_thread_num();
#pragma omp single
        got_threads = omp_get_num_threads();
        uint64_t tlo, thi;
        ps_partition(m, (uint64_t)nt, (uint64_t)tid, &tlo, &thi);
        k->init(state, lo + tlo, lo + thi);  /* first touch */
        ps_acc acc = {{0}};
#pragma omp barrier
        if (t->start_sync) {
#pragma omp master
            sync_failed = t->start_sync(t->comm, &sync_err) != 0;
#pragma omp barrier
        }
        ps_probe probe;
        ps_probe_begin(&probe);
        start[tid] = ps_now();
        for (uint32_t s = 0; s < cfg->steps && !sync_failed && !exchange_failed; s++) {
#pragma omp for schedule(runtime)
            for (long c = 0; c < nchunks; c++) {
                uint64_t clo = (uint64_t)c * chunk;
                uint64_t chi = clo + chunk < m ? clo + chunk : m;
                ps_kernel_span(k, state, lo + clo, lo + chi, &acc, NULL);
            }
            /* the implied barrier above ends the step for every thread;
             * the primary thread exchanges, the others wait for it, and
             * all read exchange_failed after the same barrier */
            if (k->exchange) {
#pragma omp master
                exchange_failed = k->exchange(state, t->comm) != 0;
#pragma omp barrier
            }
        }
        if (t->end_sync && !sync_failed && !exchange_failed) {
#pragma omp barrier
#pragma omp master
            sync_failed = t->end_sync(t->comm, &sync_err) != 0;
        }
        end[tid] = ps_now();
        ps_probe_end(&probe, &dist[tid]);
        t->cpus[tid] = sched_getcpu();  /* placement, after the clock stopped */
        t->accs[tid] = acc;
    }

    int status = 0;
    if (got_threads != nt)
        status = ps_fail(err, "OpenMP gave %d threads instead of %d "
                         "(OMP_THREAD_LIMIT or OMP_DYNAMIC?)", got_threads, nt);
    else if (sync_failed)
        status = ps_fail(err, "%s", sync_err.msg);
    else if (exchange_failed)
        status = ps_fail(err, "%s: exchange failed", k->name);
    else
        t->seconds = ps_span(start, end, nt);
    ps_disturb_init(&t->dist);
    for (int i = 0; i < nt; i++)
        ps_disturb_add(&t->dist, &dist[i]);
    free(start);
    free(end);
    free(dist);
    if (status != 0)
        ps_omp_team_free(t);
    return status;
}

int ps_omp_procs(void)
{
    return omp_get_num_procs();
}
