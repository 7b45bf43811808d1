/* SPDX-License-Identifier: MIT */
/* Services on the I/O loop: clock, timers, fd watches, run_soon. */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

#include "services.h"
#include "services_slots.h"

static _Atomic(struct event_base *) io_base;

void sk_services_set_base(struct event_base *base)
{
    atomic_store(&io_base, base);
}

struct event_base *sk_services_base(void)
{
    return atomic_load(&io_base);
}

struct event_base *sk_svc_event_base(snow_plugin_ctx *ctx)
{
    return sk_services_base();
}

int64_t sk_svc_now_ns(snow_plugin_ctx *ctx)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- timers ---- */

struct io_timer {
    struct sk_svc_res res;
    struct event *ev;
    snow_svc_fn fn;
    void *arg;
};

static void io_timer_release(struct sk_svc_res *r)
{
    struct io_timer *t = (struct io_timer *)r;
    event_free(t->ev);
    free(t);
}

static void io_timer_fire(evutil_socket_t fd, short what, void *p)
{
    struct io_timer *t = p;
    snow_svc_fn fn = t->fn;
    void *arg = t->arg;
    /* Forget the timer before the call: cancelling it from inside its own
     * callback then answers SNOW_ENOENT, as documented. */
    sk_services_res_remove(&t->res);
    event_free(t->ev);
    free(t);
    fn(arg);
}

int sk_svc_timer_add(snow_plugin_ctx *ctx, int64_t delay_ms, snow_svc_fn fn, void *arg,
                     uint64_t *id)
{
    struct event_base *base = sk_services_base();
    if (fn == NULL || delay_ms < 0)
        return SNOW_EINVAL;
    if (base == NULL)
        return SNOW_ESTATE;
    struct io_timer *t = calloc(1, sizeof *t);
    if (t == NULL)
        return SNOW_ENOMEM;
    t->ev = evtimer_new(base, io_timer_fire, t);
    if (t->ev == NULL) {
        free(t);
        return SNOW_ENOMEM;
    }
    t->fn = fn;
    t->arg = arg;
    t->res.id = sk_services_next_id();
    t->res.release = io_timer_release;
    struct timeval tv = {.tv_sec = (time_t)(delay_ms / 1000),
                         .tv_usec = (suseconds_t)(delay_ms % 1000) * 1000};
    sk_services_res_add(ctx, &t->res);
    if (evtimer_add(t->ev, &tv) != 0) {
        sk_services_res_remove(&t->res);
        io_timer_release(&t->res);
        return SNOW_ENOMEM;
    }
    if (id != NULL)
        *id = t->res.id;
    return 0;
}

int sk_svc_timer_cancel(snow_plugin_ctx *ctx, uint64_t id)
{
    return sk_services_res_drop(ctx, id, io_timer_release);
}

/* ---- fd watches ---- */

struct io_watch {
    struct sk_svc_res res;
    struct event *ev;
    int fd;
    snow_fd_fn fn;
    void *arg;
};

static void io_watch_release(struct sk_svc_res *r)
{
    struct io_watch *w = (struct io_watch *)r;
    event_free(w->ev);
    free(w);
}

static void io_watch_fire(evutil_socket_t fd, short what, void *p)
{
    struct io_watch *w = p;
    unsigned ready = ((what & EV_READ) ? SNOW_FD_READ : 0) | ((what & EV_WRITE) ? SNOW_FD_WRITE : 0);
    w->fn(w->arg, (int)fd, ready);
}

static short io_flags(unsigned events)
{
    return (short)(EV_PERSIST | ((events & SNOW_FD_READ) ? EV_READ : 0) |
                   ((events & SNOW_FD_WRITE) ? EV_WRITE : 0));
}

int sk_svc_fd_watch(snow_plugin_ctx *ctx, int fd, unsigned events, snow_fd_fn fn, void *arg,
                    uint64_t *id)
{
    struct event_base *base = sk_services_base();
    if (fd < 0 || fn == NULL || (events & ~(SNOW_FD_READ | SNOW_FD_WRITE)) != 0)
        return SNOW_EINVAL;
    if (base == NULL)
        return SNOW_ESTATE;
    struct io_watch *w = calloc(1, sizeof *w);
    if (w == NULL)
        return SNOW_ENOMEM;
    w->ev = event_new(base, fd, io_flags(events), io_watch_fire, w);
    if (w->ev == NULL) {
        free(w);
        return SNOW_ENOMEM;
    }
    w->fd = fd;
    w->fn = fn;
    w->arg = arg;
    w->res.id = sk_services_next_id();
    w->res.release = io_watch_release;
    sk_services_res_add(ctx, &w->res);
    if (events != 0 && event_add(w->ev, NULL) != 0) {
        sk_services_res_remove(&w->res);
        io_watch_release(&w->res);
        return SNOW_ENOMEM;
    }
    if (id != NULL)
        *id = w->res.id;
    return 0;
}

int sk_svc_fd_modify(snow_plugin_ctx *ctx, uint64_t id, unsigned events)
{
    if ((events & ~(SNOW_FD_READ | SNOW_FD_WRITE)) != 0)
        return SNOW_EINVAL;
    struct io_watch *w = (struct io_watch *)sk_services_res_find(ctx, id, io_watch_release);
    if (w == NULL)
        return SNOW_ENOENT;
    event_del(w->ev);
    event_assign(w->ev, sk_services_base(), w->fd, io_flags(events), io_watch_fire, w);
    if (events != 0 && event_add(w->ev, NULL) != 0)
        return SNOW_ENOMEM;
    return 0;
}

int sk_svc_fd_unwatch(snow_plugin_ctx *ctx, uint64_t id)
{
    return sk_services_res_drop(ctx, id, io_watch_release);
}

/* ---- run_soon: any thread -> I/O thread ---- */

struct io_soon_item {
    struct io_soon_item *next;
    snow_svc_fn fn;
    void *arg;
};

struct sk_svc_soon {
    pthread_mutex_t mu;
    struct event *ev;
    struct io_soon_item *head, *tail;
};

static void io_soon_fire(evutil_socket_t fd, short what, void *p)
{
    struct sk_svc_soon *s = p;
    pthread_mutex_lock(&s->mu);
    struct io_soon_item *it = s->head;
    s->head = s->tail = NULL;
    pthread_mutex_unlock(&s->mu);
    while (it != NULL) {
        struct io_soon_item *next = it->next;
        it->fn(it->arg);
        free(it);
        it = next;
    }
}

int sk_svc_run_soon(snow_plugin_ctx *ctx, snow_svc_fn fn, void *arg)
{
    struct event_base *base = sk_services_base();
    if (fn == NULL)
        return SNOW_EINVAL;
    if (base == NULL)
        return SNOW_ESTATE;
    struct io_soon_item *it = calloc(1, sizeof *it);
    if (it == NULL)
        return SNOW_ENOMEM;
    it->fn = fn;
    it->arg = arg;
    sk_services_lock();
    struct sk_svc_soon **sp = sk_services_ctx_soon(ctx);
    if (*sp == NULL) {
        struct sk_svc_soon *s = calloc(1, sizeof *s);
        if (s != NULL && (s->ev = event_new(base, -1, 0, io_soon_fire, s)) == NULL) {
            free(s);
            s = NULL;
        }
        if (s == NULL) {
            sk_services_unlock();
            free(it);
            return SNOW_ENOMEM;
        }
        pthread_mutex_init(&s->mu, NULL);
        *sp = s;
    }
    struct sk_svc_soon *s = *sp;
    sk_services_unlock();
    pthread_mutex_lock(&s->mu);
    if (s->tail != NULL)
        s->tail->next = it;
    else
        s->head = it;
    s->tail = it;
    pthread_mutex_unlock(&s->mu);
    event_active(s->ev, 0, 0);
    return 0;
}

void sk_services_soon_drop(snow_plugin_ctx *ctx)
{
    sk_services_lock();
    struct sk_svc_soon **sp = sk_services_ctx_soon(ctx);
    struct sk_svc_soon *s = *sp;
    *sp = NULL;
    sk_services_unlock();
    if (s == NULL)
        return;
    event_free(s->ev);
    for (struct io_soon_item *it = s->head, *next; it != NULL; it = next) {
        next = it->next;
        free(it);
    }
    pthread_mutex_destroy(&s->mu);
    free(s);
}
