/* threads.c -- see threads.h.  One function on n POSIX threads, joined. */
#include "threads.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Threads wait at a gate until all of them exist, so that when one cannot
 * be created the others are told to return instead of waiting forever at a
 * barrier sized for the whole team. */
typedef struct team {
    void (*fn)(void *arg, int tid);
    void *arg;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int open, abort;
} team;

typedef struct team_slot {
    team *t;
    int tid;
} team_slot;

static void *team_trampoline(void *p)
{
    team_slot *s = p;
    team *t = s->t;
    pthread_mutex_lock(&t->mutex);
    while (!t->open)
        pthread_cond_wait(&t->cond, &t->mutex);
    int abort = t->abort;
    pthread_mutex_unlock(&t->mutex);
    if (!abort)
        t->fn(t->arg, s->tid);
    return NULL;
}

int ps_team_run(int n, void (*fn)(void *arg, int tid), void *arg, ps_err *err)
{
    pthread_t *th = calloc((size_t)n, sizeof *th);
    team_slot *slots = calloc((size_t)n, sizeof *slots);
    team t = {.fn = fn, .arg = arg};
    if (!th || !slots) {
        free(th);
        free(slots);
        return ps_fail(err, "out of memory starting %d threads", n);
    }
    pthread_mutex_init(&t.mutex, NULL);
    pthread_cond_init(&t.cond, NULL);
    int started = 0, rc = 0;
    for (; started < n; started++) {
        slots[started] = (team_slot){&t, started};
        rc = pthread_create(&th[started], NULL, team_trampoline, &slots[started]);
        if (rc != 0)
            break;
    }
    pthread_mutex_lock(&t.mutex);
    t.open = 1;
    t.abort = rc != 0;
    pthread_cond_broadcast(&t.cond);
    pthread_mutex_unlock(&t.mutex);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&t.mutex);
    pthread_cond_destroy(&t.cond);
    free(th);
    free(slots);
    if (rc != 0)
        return ps_fail(err, "pthread_create failed for thread %d of %d: %s",
                       started, n, strerror(rc));
    return 0;
}
