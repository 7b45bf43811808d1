/* SPDX-License-Identifier: MIT */
/* Timer heaps: arming, lazy cancelling and firing; snow_send_after. */
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

static void theap_up(struct sk_theap *h, size_t i)
{
    struct sk_tent t = h->v[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->v[parent].deadline <= t.deadline)
            break;
        h->v[i] = h->v[parent];
        i = parent;
    }
    h->v[i] = t;
}

static void theap_down(struct sk_theap *h, size_t i)
{
    struct sk_tent t = h->v[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->v[c + 1].deadline < h->v[c].deadline)
            c++;
        if (t.deadline <= h->v[c].deadline)
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    h->v[i] = t;
}

static int theap_push(struct sk_theap *h, struct sk_tent t)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        struct sk_tent *v = realloc(h->v, cap * sizeof *v);
        if (v == NULL)
            return SNOW_ENOMEM;
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n] = t;
    theap_up(h, h->n++);
    return 0;
}

static void theap_remove_at(struct sk_theap *h, size_t i)
{
    h->v[i] = h->v[--h->n];
    if (i < h->n) {
        theap_up(h, i);
        theap_down(h, i);
    }
}

/* Is this wait entry still wanted? */
static struct sk_proc *timer_waiter(const struct sk_tent *t)
{
    struct sk_proc *p = sk_pid_slot(t->pid);
    if (p && atomic_load(&p->pid) == t->pid && atomic_load(&p->armed_seq) == t->key)
        return p;
    return NULL;
}

/* Drops dead wait entries and re-heapifies: O(n), amortised over the
 * disarms that made them dead. */
static void theap_sweep(struct sk_theap *h)
{
    size_t k = 0;
    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].msg || timer_waiter(&h->v[i]))
            h->v[k++] = h->v[i];
    h->n = k;
    for (size_t i = h->n / 2; i-- > 0;)
        theap_down(h, i);
    atomic_store(&h->stale, 0);
}

static void timer_hint(struct sk_sched *s)
{
    atomic_store_explicit(&s->timer_next, s->timers.n ? s->timers.v[0].deadline : 0,
                          memory_order_relaxed);
}

/* Queues t on s; wakes s if t became its earliest deadline. */
static int timer_add(struct sk_sched *s, struct sk_tent t)
{
    pthread_mutex_lock(&s->mu);
    struct sk_theap *h = &s->timers;
    if (h->n >= 1024 && atomic_load_explicit(&h->stale, memory_order_relaxed) * 2 > h->n)
        theap_sweep(h);
    int rc = theap_push(h, t);
    bool first = rc == 0 && h->v[0].deadline == t.deadline;
    timer_hint(s);
    if (first && s->parked)
        pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

uint64_t sk_timers_next(struct sk_sched *s) { return s->timers.n ? s->timers.v[0].deadline : 0; }

int sk_timer_arm_wait(struct sk_proc *p, uint64_t deadline, uint64_t seq)
{
    struct sk_tent t = {.deadline = deadline,
                        .pid = atomic_load_explicit(&p->pid, memory_order_relaxed),
                        .key = seq,
                        .msg = NULL};
    atomic_store(&p->armed_seq, seq);
    p->armed_on = p->sched;
    int rc = timer_add(p->sched, t);
    if (rc < 0)
        atomic_store(&p->armed_seq, 0);
    return rc;
}

void sk_timer_disarm_wait(struct sk_proc *p)
{
    if (atomic_exchange(&p->armed_seq, 0) != 0)
        atomic_fetch_add_explicit(&p->armed_on->timers.stale, 1, memory_order_relaxed);
}

void sk_timers_run(struct sk_sched *s)
{
    struct sk_tent due[64];
    size_t n;
    do {
        n = 0;
        uint64_t now = sk_now_ns();
        pthread_mutex_lock(&s->mu);
        struct sk_theap *h = &s->timers;
        while (n < 64 && h->n > 0 && h->v[0].deadline <= now) {
            due[n++] = h->v[0];
            theap_remove_at(h, 0);
        }
        timer_hint(s);
        pthread_mutex_unlock(&s->mu);
        for (size_t i = 0; i < n; i++) {
            if (due[i].msg) {
                snow_send(due[i].pid, due[i].msg);
                snow_term_release(due[i].msg);
                continue;
            }
            struct sk_proc *p = timer_waiter(&due[i]);
            if (p) {
                atomic_store(&p->timed_out, due[i].key);
                sk_proc_wake(p);
            } else {
                size_t st = atomic_load_explicit(&h->stale, memory_order_relaxed);
                if (st > 0)
                    atomic_store_explicit(&h->stale, st - 1, memory_order_relaxed);
            }
        }
    } while (n == 64);
}

void sk_timers_fini(struct sk_sched *s)
{
    for (size_t i = 0; i < s->timers.n; i++)
        snow_term_release(s->timers.v[i].msg);
    free(s->timers.v);
    s->timers.v = NULL;
    s->timers.n = s->timers.cap = 0;
}

int snow_send_after(snow_pid to, const snow_term *msg, int64_t ms, snow_timer *timer)
{
    if (to == SNOW_PID_NONE || msg == NULL || ms < 0)
        return SNOW_EINVAL;
    if (!sk_runtime_running())
        return SNOW_ESTATE;
    struct sk_sched *s = sk_sched_self();
    if (s == NULL)
        s = &sk_scheds.s[atomic_fetch_add(&sk_scheds.rr, 1) % sk_scheds.n];
    /* The id names the heap (low 8 bits) so cancel looks in one place. */
    struct sk_tent t = {.deadline = sk_deadline(ms),
                        .pid = to,
                        .key = (atomic_fetch_add(&timer_ids, 1) << 8) | s->id,
                        .msg = snow_term_ref((snow_term *)msg)};
    int rc = timer_add(s, t);
    if (rc < 0) {
        snow_term_release(t.msg);
        return rc;
    }
    if (timer)
        *timer = t.key;
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
    snow_term *msg = NULL;
    /* A linear scan of one array: cancels are rare next to waits. */
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->timers.n; i++) {
        if (s->timers.v[i].msg && s->timers.v[i].key == timer) {
            msg = s->timers.v[i].msg;
            theap_remove_at(&s->timers, i);
            break;
        }
    }
    timer_hint(s);
    pthread_mutex_unlock(&s->mu);
    if (msg == NULL)
        return SNOW_ENOENT;
    snow_term_release(msg);
    return 0;
}
