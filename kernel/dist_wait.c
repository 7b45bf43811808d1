/* SPDX-License-Identifier: MIT */
/* Waiters: a caller of snow_node_connect blocked until the I/O thread answers. */
#include "dist_wait.h"

#include <errno.h>
#include <time.h>

#include <snow/error.h>

#include "io_thread.h"

void sk_dwait_init(struct sk_dwait *w)
{
    w->next = NULL;
    w->list = NULL;
    w->done = false;
    w->rc = 0;
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &attr);
    pthread_condattr_destroy(&attr);
}

void sk_dwait_destroy(struct sk_dwait *w)
{
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
}

void sk_dwait_add(struct sk_dwait **list, struct sk_dwait *w)
{
    w->next = *list;
    *list = w;
    for (struct sk_dwait *x = w; x; x = x->next)
        x->list = list;
}

void sk_dwait_complete_all(struct sk_dwait **list, int rc)
{
    struct sk_dwait *w = *list;
    *list = NULL;
    while (w) {
        struct sk_dwait *next = w->next;
        w->list = NULL;
        w->next = NULL;
        pthread_mutex_lock(&w->lock);
        w->done = true;
        w->rc = rc;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock); /* w may be gone after this */
        w = next;
    }
}

void sk_dwait_move(struct sk_dwait **from, struct sk_dwait **to)
{
    while (*from) {
        struct sk_dwait *w = *from;
        *from = w->next;
        sk_dwait_add(to, w);
    }
}

static void dwait_remove(void *arg)
{
    struct sk_dwait *w = arg;
    pthread_mutex_lock(&w->lock);
    bool done = w->done;
    pthread_mutex_unlock(&w->lock);
    if (done || w->list == NULL)
        return;
    for (struct sk_dwait **p = w->list; *p; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            break;
        }
    }
    w->list = NULL;
}

int sk_dwait_wait(struct sk_dwait *w, int64_t timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->lock);
    int err = 0;
    while (!w->done && err != ETIMEDOUT)
        err = pthread_cond_timedwait(&w->cond, &w->lock, &until);
    bool done = w->done;
    int rc = w->rc;
    pthread_mutex_unlock(&w->lock);
    if (done)
        return rc;
    /* Off the list on the I/O thread; it may complete meanwhile, which is
     * then the answer. */
    sk_io_run_sync(dwait_remove, w);
    pthread_mutex_lock(&w->lock);
    done = w->done;
    rc = w->rc;
    pthread_mutex_unlock(&w->lock);
    return done ? rc : SNOW_ETIMEDOUT;
}
