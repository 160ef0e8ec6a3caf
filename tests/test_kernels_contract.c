/*
 * test_kernels_contract.c -- every kernel driven through kernel.h alone,
 * the way the backends drive it, without needing the harness (only the
 * table of built-in kernels, kernel_registry.h).
 *
 * For each kernel at its test size:
 *  - one process, two threads taking uneven chunks (1..1000 indices) in a
 *    shuffled order from a shared counter: run() on any sub-range, called
 *    concurrently;
 *  - P = 1, 2, 3 "ranks" as threads of this process, each owning the part
 *    ps_partition gives it, joined by a fake comm (allgatherv, sendrecv,
 *    alltoallv between the ranks' buffers): exchange() as under MPI;
 *  - two deliberately broken runs that verify must reject: one chunk of the
 *    last step skipped; and one skipped while another range of the same
 *    length runs twice, so the index count still matches and only a check
 *    of the values can notice (kernels whose answer is just a count, or a
 *    statistical estimate, are exempt from the second).
 * montecarlo must also give the bit-identical hit count in every run, and
 * a kernel with cost() the figures its table states for the quick size.
 */
#define _POSIX_C_SOURCE 200809L  /* pthread_barrier */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"
#include "kernel_registry.h"

#define MAXP 3

/* ---- the fake comm: ranks are threads, messages are copies ------------ */

typedef struct msg {
    struct msg *next;
    size_t bytes;
    unsigned char data[];
} msg;

typedef struct world {
    int size;
    pthread_barrier_t barrier;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    msg *box[MAXP][MAXP];           /* [to][from], first in first out */
    const void *send[MAXP];         /* what each rank offers a collective */
    size_t send_bytes[MAXP];
    const size_t *send_counts[MAXP], *send_displs[MAXP];
    ps_acc acc[MAXP];               /* each rank's partial result */
    int failed;                     /* a comm call saw a size mismatch */
} world;

static void fail_comm(world *w, const char *what)
{
    fprintf(stderr, "fake comm: %s\n", what);
    w->failed = 1;
}

/* Every rank offers its part; each then copies all parts where it wants. */
static int fake_allgatherv(const ps_comm *c, const void *send, size_t send_bytes,
                           void *recv, const size_t *counts, const size_t *displs)
{
    world *w = c->impl;
    w->send[c->rank] = send;
    w->send_bytes[c->rank] = send_bytes;
    pthread_barrier_wait(&w->barrier);
    for (int p = 0; p < w->size; p++) {
        if (counts[p] != w->send_bytes[p])
            fail_comm(w, "allgatherv: count differs from what was sent");
        else
            memcpy((char *)recv + displs[p], w->send[p], counts[p]);
    }
    pthread_barrier_wait(&w->barrier);
    return 0;
}

static int fake_alltoallv(const ps_comm *c, const void *send,
                          const size_t *send_counts, const size_t *send_displs,
                          void *recv, const size_t *recv_counts,
                          const size_t *recv_displs)
{
    world *w = c->impl;
    int me = c->rank;
    w->send[me] = send;
    w->send_counts[me] = send_counts;
    w->send_displs[me] = send_displs;
    pthread_barrier_wait(&w->barrier);
    for (int p = 0; p < w->size; p++) {
        if (recv_counts[p] != w->send_counts[p][me])
            fail_comm(w, "alltoallv: receive count differs from the send count");
        else
            memcpy((char *)recv + recv_displs[p],
                   (const char *)w->send[p] + w->send_displs[p][me], recv_counts[p]);
    }
    pthread_barrier_wait(&w->barrier);
    return 0;
}

/* The send is buffered (a copy in the receiver's mailbox), so the usual
 * shift pattern cannot deadlock, as with MPI_Sendrecv. */
static int fake_sendrecv(const ps_comm *c, const void *send, size_t send_bytes,
                         int dest, void *recv, size_t recv_bytes, int src)
{
    world *w = c->impl;
    pthread_mutex_lock(&w->mu);
    if (dest >= 0) {
        msg *m = malloc(sizeof *m + send_bytes);
        if (!m)
            abort();
        m->next = NULL;
        m->bytes = send_bytes;
        memcpy(m->data, send, send_bytes);
        msg **tail = &w->box[dest][c->rank];
        while (*tail)
            tail = &(*tail)->next;
        *tail = m;
        pthread_cond_broadcast(&w->cv);
    }
    if (src >= 0) {
        while (!w->box[c->rank][src])
            pthread_cond_wait(&w->cv, &w->mu);
        msg *m = w->box[c->rank][src];
        w->box[c->rank][src] = m->next;
        if (m->bytes != recv_bytes)
            fail_comm(w, "sendrecv: message size differs from the receive size");
        else
            memcpy(recv, m->data, recv_bytes);
        free(m);
    }
    pthread_mutex_unlock(&w->mu);
    return 0;
}

/* ---- chunks: uneven sub-ranges in a shuffled order --------------------- */

typedef struct chunk {
    uint64_t lo, hi;
} chunk;

/* xorshift64*: the test's own randomness, seeded per run so that a failure
 * can be reproduced. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* Cuts [lo, hi) into pieces of random length 1..maxlen, shuffled. */
static chunk *make_chunks(uint64_t lo, uint64_t hi, uint64_t maxlen,
                          uint64_t *seed, size_t *count)
{
    size_t cap = 16, n = 0;
    chunk *c = malloc(cap * sizeof *c);
    for (uint64_t i = lo; i < hi;) {
        uint64_t len = 1 + next_rand(seed) % maxlen;
        if (len > hi - i)
            len = hi - i;
        if (n == cap)
            c = realloc(c, (cap *= 2) * sizeof *c);
        c[n++] = (chunk){i, i + len};
        i += len;
    }
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(next_rand(seed) % i);
        chunk t = c[i - 1];
        c[i - 1] = c[j];
        c[j] = t;
    }
    *count = n;
    return c;
}

/* ---- one run of a kernel ---------------------------------------------- */

enum breakage { INTACT, SKIP, SKIP_AND_REDO };

typedef struct job {
    const ps_kernel *k;
    uint64_t n, order;            /* order < n: weak scaling's shapes */
    uint32_t steps;
    int threads;               /* per rank; only with one rank */
    enum breakage broken;
    uint64_t seed;
    world *w;
} job;

typedef struct rank_ctx {
    const job *j;
    int rank;
    ps_comm comm;
    int verified;
    int redone;                /* SKIP_AND_REDO found a range to run twice */
    char msg[256];
    ps_acc total;
} rank_ctx;

typedef struct pool {
    const ps_kernel *k;
    void *state;
    const chunk *c;
    size_t count;
    atomic_size_t next;        /* the next chunk to take, shared */
} pool;

typedef struct worker {
    pool *p;
    ps_acc acc;                /* this thread's own partial result */
} worker;

/* A worker thread: takes chunks from the shared counter until none left. */
static void *pool_worker(void *arg)
{
    worker *me = arg;
    pool *p = me->p;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->count)
            return NULL;
        p->k->run(p->state, p->c[i].lo, p->c[i].hi, &me->acc);
    }
}

/* Runs every chunk once on `threads` threads, concurrently; their partial
 * results are combined into acc. */
static void run_chunks(const ps_kernel *k, void *state, const chunk *c,
                       size_t count, int threads, ps_acc *acc)
{
    pool p = {.k = k, .state = state, .c = c, .count = count};
    atomic_init(&p.next, 0);
    worker w[2];
    pthread_t t[2];
    for (int i = 0; i < threads; i++) {
        w[i] = (worker){.p = &p};
        pthread_create(&t[i], NULL, pool_worker, &w[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        k->reduce ? k->reduce(acc, &w[i].acc) : ps_acc_sum(acc, &w[i].acc);
    }
}

/* One rank's whole repetition, exactly in the order kernel.h describes. */
static void *rank_main(void *arg)
{
    rank_ctx *r = arg;
    const job *j = r->j;
    const ps_kernel *k = j->k;
    world *w = j->w;
    uint64_t lo, hi, seed = j->seed * 7919 + (uint64_t)r->rank + 1;
    ps_partition(j->n, (uint64_t)w->size, (uint64_t)r->rank, &lo, &hi);
    ps_kernel_args a = {.n = j->n, .order = j->order, .lo = lo, .hi = hi,
                        .steps = j->steps, .comm = &r->comm};
    ps_kernel_default_params(k, a.param);
    void *state = NULL;
    if (k->create(&state, &a) != 0) {
        snprintf(r->msg, sizeof r->msg, "create failed");
        return NULL;
    }
    uint64_t maxlen = (hi - lo) / 5 + 1;
    if (maxlen > 1000)
        maxlen = 1000;
    size_t count;
    chunk *c = make_chunks(lo, hi, maxlen, &seed, &count);
    for (size_t i = 0; i < count; i++)
        k->init(state, c[i].lo, c[i].hi);
    ps_acc acc = {{0}};
    for (uint32_t s = 0; s < j->steps; s++) {
        if (j->broken != INTACT && s + 1 == j->steps && r->rank == 0) {
            /* the last step with chunk 0 left out (and maybe another range
             * of its length done twice): no later step can repair it */
            size_t skip = 0;
            uint64_t len = c[skip].hi - c[skip].lo;
            for (size_t i = 1; i < count; i++)
                k->run(state, c[i].lo, c[i].hi, &acc);
            if (j->broken == SKIP_AND_REDO) {
                for (size_t i = 1; i < count; i++)
                    if (c[i].hi - c[i].lo >= len) {
                        k->run(state, c[i].lo, c[i].lo + len, &acc);
                        r->redone = 1;
                        break;
                    }
            }
        } else {
            run_chunks(k, state, c, count, j->threads, &acc);
        }
        if (k->exchange && k->exchange(state, &r->comm) != 0)
            snprintf(r->msg, sizeof r->msg, "exchange failed");
    }
    w->acc[r->rank] = acc;
    pthread_barrier_wait(&w->barrier);
    ps_acc total = {{0}};
    for (int p = 0; p < w->size; p++)
        k->reduce ? k->reduce(&total, &w->acc[p]) : ps_acc_sum(&total, &w->acc[p]);
    r->total = total;
    if (!r->msg[0])
        r->verified = k->verify(state, &total, r->msg, sizeof r->msg);
    k->destroy(state);
    free(c);
    return NULL;
}

/* Runs the job on P rank threads; returns 1 when every rank verified, 0
 * when one did not, -1 when the breakage asked for could not be made. */
static int run_job(const job *jin, int P, ps_acc *total, char *why, size_t len)
{
    world w;
    memset(&w, 0, sizeof w);
    w.size = P;
    pthread_barrier_init(&w.barrier, NULL, (unsigned)P);
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    job j = *jin;
    j.w = &w;
    rank_ctx r[MAXP];
    pthread_t t[MAXP];
    for (int p = 0; p < P; p++) {
        r[p] = (rank_ctx){.j = &j, .rank = p};
        r[p].comm = (ps_comm){.rank = p, .size = P, .impl = &w,
                              .allgatherv = fake_allgatherv,
                              .sendrecv = fake_sendrecv,
                              .alltoallv = fake_alltoallv};
        pthread_create(&t[p], NULL, rank_main, &r[p]);
    }
    int ok = 1;
    why[0] = 0;
    for (int p = 0; p < P; p++) {
        pthread_join(t[p], NULL);
        if (!r[p].verified && ok) {
            ok = 0;
            snprintf(why, len, "rank %d: %s", p, r[p].msg);
        }
    }
    if (w.failed) {
        ok = 0;
        snprintf(why, len, "a comm call was given inconsistent sizes");
    }
    for (int a = 0; a < MAXP; a++)
        for (int b = 0; b < MAXP; b++)
            if (w.box[a][b]) {
                ok = 0;
                snprintf(why, len, "a message from rank %d to %d was never received", b, a);
            }
    if (j.broken == SKIP_AND_REDO && !r[0].redone) {
        ok = -1;  /* else it is only SKIP, and the count check rejects it */
        snprintf(why, len, "no chunk as long as the skipped one to run twice");
    }
    *total = r[0].total;
    pthread_barrier_destroy(&w.barrier);
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    return ok;
}

/* Kernels whose answer is an index count or a statistical estimate: a
 * range done twice in place of another of the same length goes unseen. */
static int values_checked(const ps_kernel *k)
{
    static const char *const exempt[] = {"count", "io", "null", "montecarlo", NULL};
    for (int i = 0; exempt[i]; i++)
        if (strcmp(k->name, exempt[i]) == 0)
            return 0;
    return 1;
}

/* A kernel with a cost function also states its figures at the quick size
 * as constants (kernel.h), for `parscale list`: the two must agree. */
static int cost_consistent(const ps_kernel *k)
{
    if (!k->cost)
        return 1;
    uint64_t n = k->sizes[PS_SIZE_QUICK];
    ps_kernel_args a = {.n = n, .order = n, .lo = 0, .hi = n, .steps = k->steps};
    ps_kernel_cost c;
    k->cost(&a, &c);
    double want[3] = {k->rate_per_index, k->flops_per_index, k->bytes_per_index};
    double got[3] = {c.rate_per_index, c.flops_per_index, c.bytes_per_index};
    for (int i = 0; i < 3; i++)
        if (!(fabs(got[i] - want[i]) <= 1e-12 * fabs(want[i]))) {
            printf("%-11s cost() at the quick size gives %g where the table says %g\n",
                   k->name, got[i], want[i]);
            return 0;
        }
    return 1;
}

/* The build orders the generated registry by each table's list_order (0:
 * last), reading it from the source text: the tables must agree. */
static int listed_in_order(void)
{
    long prev = -1;
    for (const ps_kernel *const *kp = ps_kernels; *kp; kp++) {
        long key = (*kp)->list_order ? (*kp)->list_order : 1000000000L;
        if (key < prev) {
            printf("%-11s list_order %d comes after a larger one: the registry's order "
                   "and the tables disagree\n", (*kp)->name, (*kp)->list_order);
            return 0;
        }
        prev = key;
    }
    return 1;
}

/* Large arrays are kept between repetitions (ps_free_doubles): on a
 * machine of one memory node the same count comes back as the same
 * memory, other counts never do, and a kernel on reused memory still
 * rejects a run that left part of its answer undone (init, not a fresh
 * page, is what clears the last repetition's answer).  Returns failures. */
static int pool_reuses_safely(void)
{
    int failures = 0;
    const size_t big = (size_t)3 << 20;  /* 24 MiB of doubles */
    double *a = ps_alloc_doubles(big);
    if (!a)
        return printf("pool: no memory for %zu doubles\n", big), 1;
    a[0] = 1.0;
    ps_free_doubles(a, big);
    double *b = ps_alloc_doubles(big);
    double *c = ps_alloc_doubles(big);  /* the kept one is taken: fresh */
    double *d = ps_alloc_doubles(big / 2);
    int one_node = access("/sys/devices/system/node/node1", F_OK) != 0;
    printf("pool: %s memory node%s; freed array %s, second and other sizes %s\n",
           one_node ? "one" : "several", one_node ? "" : "s",
           b == a ? "reused" : "not reused", c == a || d == a ? "REUSED" : "fresh");
    failures += one_node ? b != a : b == a;
    failures += c == a || d == a;
    ps_free_doubles(b, big);
    ps_free_doubles(c, big);
    ps_free_doubles(d, big / 2);

    const ps_kernel *k = ps_kernel_find("stream");
    ps_comm comm;
    memset(&comm, 0, sizeof comm);
    comm.size = 1;
    for (int rep = 0; k && rep < 2; rep++) {
        ps_kernel_args args = {.n = big, .order = big, .lo = 0, .hi = big, .steps = 1,
                               .comm = &comm};
        void *st;
        if (k->create(&st, &args) != 0)
            return printf("pool: stream create failed\n"), failures + 1;
        k->init(st, 0, big);
        ps_acc acc = {{0}};
        /* the first repetition whole, the second with its last 1024 undone
         * but counted, so only the values can tell */
        k->run(st, 0, rep ? big - 1024 : big, &acc);
        acc.v[0] += rep ? 1024.0 : 0.0;
        if (k->exchange)
            k->exchange(st, &comm);
        char said[256] = "";
        int ok = k->verify(st, &acc, said, sizeof said);
        printf("pool: stream repetition %d (%s): %s %s\n", rep + 1,
               rep ? "part undone" : "whole", ok ? "verified" : "rejected:", said);
        failures += rep ? ok : !ok;
        k->destroy(st);
    }
    return failures;
}

int main(void)
{
    int failures = 0;
    char why[512];
    failures += !listed_in_order();
    failures += pool_reuses_safely();
    for (const ps_kernel *const *kp = ps_kernels; *kp; kp++) {
        const ps_kernel *k = *kp;
        job j = {.k = k, .n = k->sizes[PS_SIZE_TEST], .steps = k->steps,
                 .threads = 1, .seed = 12345};
        j.order = j.n;
        ps_acc total, first;
        int have_first = 0, same = 1;
        failures += !cost_consistent(k);

        j.threads = 2;
        for (int P = 1; P <= MAXP; P++) {
            int ok = run_job(&j, P, &total, why, sizeof why);
            printf("%-11s %d rank%s x %d thread%s: %s%s\n", k->name, P,
                   P > 1 ? "s" : " ", j.threads, j.threads > 1 ? "s" : " ",
                   ok ? "verified" : "NOT verified: ", ok ? "" : why);
            failures += !ok;
            if (have_first && memcmp(&total, &first, sizeof total) != 0)
                same = 0;
            first = total, have_first = 1;
            j.threads = 1;
            j.seed++;
        }
        if (strcmp(k->name, "montecarlo") == 0) {
            printf("%-11s same hit count in every run: %s\n", k->name,
                   same ? "yes" : "NO");
            failures += !same;
        }
        /* weak scaling: n = order x 3 workers, rectangular shapes */
        job weak = j;
        weak.order = j.n / 3 ? j.n / 3 : 1;
        weak.n = weak.order * 3;
        int ok = run_job(&weak, 3, &total, why, sizeof why);
        printf("%-11s 3 ranks, weak (order %llu, n %llu): %s%s\n", k->name,
               (unsigned long long)weak.order, (unsigned long long)weak.n,
               ok ? "verified" : "NOT verified: ", ok ? "" : why);
        failures += !ok;
        j.broken = SKIP;
        ok = run_job(&j, 1, &total, why, sizeof why);
        printf("%-11s one chunk skipped: %s%s\n", k->name,
               ok ? "VERIFIED (verify cannot fail)" : "rejected: ", ok ? "" : why);
        failures += ok;
        if (values_checked(k)) {
            j.broken = SKIP_AND_REDO;
            ok = run_job(&j, 1, &total, why, sizeof why);
            printf("%-11s one chunk skipped, another done twice: %s%s\n", k->name,
                   ok > 0 ? "VERIFIED (values unchecked)" : ok < 0 ? "NOT RUN: "
                   : "rejected: ", ok > 0 ? "" : why);
            failures += ok != 0;
        }
    }
    printf("%d failure%s\n", failures, failures == 1 ? "" : "s");
    return failures ? 1 : 0;
}
