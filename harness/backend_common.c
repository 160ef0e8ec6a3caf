/* backend_common.c -- see backend_common.h.  The pieces the backends share:
 * a configuration's kernel arguments, the one-process comm, a threaded
 * repetition's span, the ordered reduction and verification, and a
 * kernel's range run with its waits. */
#include "backend_common.h"

#include <stdio.h>
#include <string.h>

#include "timer.h"

static int local_allgatherv(const ps_comm *c, const void *send, size_t send_bytes,
                            void *recv, const size_t *counts, const size_t *displs)
{
    (void)c, (void)counts;
    if (send_bytes && (const char *)recv + displs[0] != send)
        memmove((char *)recv + displs[0], send, send_bytes);
    return 0;
}

/* With one process a neighbour is nobody (-1) or this process itself
 * (a periodic domain): then the exchange is a copy. */
static int local_sendrecv(const ps_comm *c, const void *send, size_t send_bytes,
                          int dest, void *recv, size_t recv_bytes, int src)
{
    (void)c;
    if (dest == 0 && src == 0 && send_bytes == recv_bytes) {
        memmove(recv, send, send_bytes);
        return 0;
    }
    return (dest < 0 && src < 0) ? 0 : -1;
}

static int local_alltoallv(const ps_comm *c, const void *send,
                           const size_t *send_counts, const size_t *send_displs,
                           void *recv, const size_t *recv_counts,
                           const size_t *recv_displs)
{
    (void)c, (void)recv_counts;
    memmove((char *)recv + recv_displs[0], (const char *)send + send_displs[0],
            send_counts[0]);
    return 0;
}

void ps_comm_local(ps_comm *c)
{
    *c = (ps_comm){
        .rank = 0, .size = 1, .impl = NULL,
        .allgatherv = local_allgatherv,
        .sendrecv = local_sendrecv,
        .alltoallv = local_alltoallv,
    };
}

/* Combines worker results in worker order (so the floating-point sum does
 * not depend on which thread finished first) and verifies. */
void ps_finish_local(const ps_config *cfg, void *state, const ps_acc *accs, int n,
                     ps_rep *rep)
{
    const ps_kernel *k = cfg->kernel;
    ps_acc_reduce(k, &rep->total, accs, n);
    rep->verified = k->verify(state, &rep->total, rep->error, sizeof rep->error);
    if (!rep->verified && rep->error[0] == '\0')
        snprintf(rep->error, sizeof rep->error, "%s: verification failed", k->name);
}

/* Shared by ps_finish_local, the hybrid backend's per-rank sum and
 * ps_mpi_finish's sum over ranks. */
void ps_acc_reduce(const ps_kernel *k, ps_acc *total, const ps_acc *parts, int n)
{
    *total = (ps_acc){{0}};
    for (int i = 0; i < n; i++) {
        if (k->reduce)
            k->reduce(total, &parts[i]);
        else
            ps_acc_sum(total, &parts[i]);
    }
}

void ps_kernel_span(const ps_kernel *k, void *state, uint64_t lo, uint64_t hi,
                    ps_acc *acc, ps_waiter *w)
{
    if (!k->wait_ns) {
        k->run(state, lo, hi, acc);
        return;
    }
    for (uint64_t i = lo; i < hi; i++) {
        k->run(state, i, i + 1, acc);
        uint64_t ns = k->wait_ns(state, i);
        if (w)
            w->wait(w, ns);
        else
            ps_sleep_ns(ns);
    }
}

double ps_span(const double *start, const double *end, int n)
{
    double first = start[0], last = end[0];
    for (int i = 1; i < n; i++) {
        if (start[i] < first)
            first = start[i];
        if (end[i] > last)
            last = end[i];
    }
    return last - first;
}

ps_kernel_args ps_config_args(const ps_config *cfg, uint64_t lo, uint64_t hi,
                              const ps_comm *comm)
{
    ps_kernel_args a = {.n = cfg->n, .order = cfg->order, .lo = lo, .hi = hi,
                        .steps = cfg->steps, .comm = comm};
    for (int i = 0; i < PS_MAX_PARAMS; i++)
        a.param[i] = cfg->param[i];
    return a;
}
