/* SPDX-License-Identifier: MIT */
/* Timer heaps: arming, cancelling and firing; snow_send_after. */
#include "config.h"

#include "timer.h"

#include <stdlib.h>
#include <time.h>

#include <snow/snow.h>

#include "proc.h"
#include "scheduler.h"

static _Atomic uint64_t timer_ids = 1;

uint64_t sk_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t sk_deadline(int64_t timeout_ms)
{
    if (timeout_ms < 0)
        return 0;
    if (timeout_ms > INT64_C(1) << 40)
        timeout_ms = INT64_C(1) << 40;
    return sk_now_ns() + (uint64_t)timeout_ms * 1000000u;
}

/* ---- the heap (caller holds the scheduler's mu) ---- */

static void theap_set(struct sk_theap *h, size_t i, struct sk_timer *t)
{
    h->v[i] = t;
    t->idx = (long)i;
}

static void theap_up(struct sk_theap *h, size_t i)
{
    struct sk_timer *t = h->v[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->v[parent]->deadline <= t->deadline)
            break;
        theap_set(h, i, h->v[parent]);
        i = parent;
    }
    theap_set(h, i, t);
}

static void theap_down(struct sk_theap *h, size_t i)
{
    struct sk_timer *t = h->v[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->v[c + 1]->deadline < h->v[c]->deadline)
            c++;
        if (t->deadline <= h->v[c]->deadline)
            break;
        theap_set(h, i, h->v[c]);
        i = c;
    }
    theap_set(h, i, t);
}

static int theap_push(struct sk_theap *h, struct sk_timer *t)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        struct sk_timer **v = realloc(h->v, cap * sizeof *v);
        if (v == NULL)
            return SNOW_ENOMEM;
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n] = t;
    theap_up(h, h->n++);
    return 0;
}

static void theap_remove(struct sk_theap *h, struct sk_timer *t)
{
    size_t i = (size_t)t->idx;
    t->idx = -1;
    struct sk_timer *last = h->v[--h->n];
    if (i == h->n)
        return;
    h->v[i] = last;
    last->idx = (long)i;
    theap_up(h, i);
    theap_down(h, (size_t)last->idx);
}

static void timer_hint(struct sk_sched *s)
{
    atomic_store_explicit(&s->timer_next, s->timers.n ? s->timers.v[0]->deadline : 0,
                          memory_order_relaxed);
}

/* Queues t on s; wakes s if t became its earliest deadline. */
static int timer_add(struct sk_sched *s, struct sk_timer *t)
{
    pthread_mutex_lock(&s->mu);
    t->sched = s;
    int rc = theap_push(&s->timers, t);
    bool first = rc == 0 && s->timers.v[0] == t;
    timer_hint(s);
    if (first && s->parked)
        pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

uint64_t sk_timers_next(struct sk_sched *s) { return s->timers.n ? s->timers.v[0]->deadline : 0; }

int sk_timer_arm_wait(struct sk_proc *p, uint64_t deadline, uint64_t seq)
{
    struct sk_timer *t = &p->wait_timer;
    t->deadline = deadline;
    t->kind = SK_TIMER_WAKE;
    t->pid = atomic_load_explicit(&p->pid, memory_order_relaxed);
    t->seq = seq;
    t->msg = NULL;
    return timer_add(p->sched, t);
}

void sk_timer_disarm_wait(struct sk_proc *p)
{
    struct sk_timer *t = &p->wait_timer;
    struct sk_sched *s = t->sched;
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    if (t->idx >= 0)
        theap_remove(&s->timers, t);
    timer_hint(s);
    pthread_mutex_unlock(&s->mu);
}

/* What a fired timer does, copied out under the lock. */
struct timer_fire {
    int kind;
    snow_pid pid;
    uint64_t seq;
    struct sk_timer *owned; /* SEND timers: freed after sending */
};

void sk_timers_run(struct sk_sched *s)
{
    struct timer_fire due[64];
    size_t n;
    do {
        n = 0;
        uint64_t now = sk_now_ns();
        pthread_mutex_lock(&s->mu);
        while (n < 64 && s->timers.n > 0 && s->timers.v[0]->deadline <= now) {
            struct sk_timer *t = s->timers.v[0];
            theap_remove(&s->timers, t);
            due[n].kind = t->kind;
            due[n].pid = t->pid;
            due[n].seq = t->seq;
            due[n].owned = t->kind == SK_TIMER_SEND ? t : NULL;
            n++;
        }
        timer_hint(s);
        pthread_mutex_unlock(&s->mu);
        for (size_t i = 0; i < n; i++) {
            if (due[i].kind == SK_TIMER_SEND) {
                snow_send(due[i].pid, due[i].owned->msg);
                snow_term_release(due[i].owned->msg);
                free(due[i].owned);
                continue;
            }
            struct sk_proc *p = sk_pid_slot(due[i].pid);
            if (p && atomic_load(&p->pid) == due[i].pid &&
                atomic_load(&p->wait_seq) == due[i].seq) {
                atomic_store(&p->timed_out, due[i].seq);
                sk_proc_wake(p);
            }
        }
    } while (n == 64);
}

void sk_timers_fini(struct sk_sched *s)
{
    for (size_t i = 0; i < s->timers.n; i++) {
        struct sk_timer *t = s->timers.v[i];
        t->idx = -1;
        if (t->kind == SK_TIMER_SEND) {
            snow_term_release(t->msg);
            free(t);
        }
    }
    free(s->timers.v);
    s->timers.v = NULL;
    s->timers.n = s->timers.cap = 0;
}

int snow_send_after(snow_pid to, const snow_term *msg, int64_t ms, snow_timer *timer)
{
    if (to == SNOW_PID_NONE || ms < 0)
        return SNOW_EINVAL;
    if (!sk_runtime_running())
        return SNOW_ESTATE;
    struct sk_timer *t = calloc(1, sizeof *t);
    if (t == NULL)
        return SNOW_ENOMEM;
    struct sk_sched *s = sk_sched_self();
    if (s == NULL)
        s = &sk_scheds.s[atomic_fetch_add(&sk_scheds.rr, 1) % sk_scheds.n];
    /* The id names the heap (low 8 bits) so cancel looks in one place. */
    t->id = (atomic_fetch_add(&timer_ids, 1) << 8) | s->id;
    t->kind = SK_TIMER_SEND;
    t->pid = to;
    t->deadline = sk_deadline(ms);
    t->msg = snow_term_ref((snow_term *)msg);
    t->idx = -1;
    int rc = timer_add(s, t);
    if (rc < 0) {
        snow_term_release(t->msg);
        free(t);
        return rc;
    }
    if (timer)
        *timer = t->id;
    return 0;
}

int snow_timer_cancel(snow_timer timer)
{
    if (!sk_runtime_running())
        return SNOW_ESTATE;
    unsigned idx = (unsigned)(timer & 0xff);
    if (timer == 0 || idx >= sk_scheds.n)
        return SNOW_ENOENT;
    struct sk_sched *s = &sk_scheds.s[idx];
    struct sk_timer *found = NULL;
    /* A linear search: send_after timers are few next to wait timers. */
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->timers.n; i++) {
        struct sk_timer *t = s->timers.v[i];
        if (t->kind == SK_TIMER_SEND && t->id == timer) {
            found = t;
            theap_remove(&s->timers, t);
            break;
        }
    }
    timer_hint(s);
    pthread_mutex_unlock(&s->mu);
    if (found == NULL)
        return SNOW_ENOENT;
    snow_term_release(found->msg);
    free(found);
    return 0;
}
