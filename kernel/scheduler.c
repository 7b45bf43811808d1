/* SPDX-License-Identifier: MIT */
/* Scheduler threads: run queues, work stealing, parking, the switch. */
#include "config.h"

#include "scheduler.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "proc.h"
#include "sanitize.h"

struct sk_sched_set sk_scheds;
bool sk_sched_pinned;
void (*_Atomic sk_sched_slice_hook)(void);

/* Read through a non-inlined accessor: a process may resume on another
 * thread, and a compiler must not reuse a TLS address computed before a
 * switch. */
static _Thread_local struct sk_sched *sched_tls __attribute__((tls_model("initial-exec")));

__attribute__((noinline)) struct sk_sched *sk_sched_self(void) { return sched_tls; }

__attribute__((noinline)) struct sk_proc *sk_proc_self(void)
{
    struct sk_sched *s = sched_tls;
    return s ? s->current : NULL;
}

/* ---- run queue (caller holds s->mu) ---- */

static bool sched_rq_grow(struct sk_sched *s)
{
    size_t cap = s->rq_cap ? s->rq_cap * 2 : 256;
    struct sk_proc **v = malloc(cap * sizeof *v);
    if (v == NULL)
        return false;
    size_t len = atomic_load_explicit(&s->rq_len, memory_order_relaxed);
    for (size_t i = 0; i < len; i++)
        v[i] = s->rq[(s->rq_head + i) % s->rq_cap];
    free(s->rq);
    s->rq = v;
    s->rq_head = 0;
    s->rq_cap = cap;
    return true;
}

static void sched_rq_put(struct sk_sched *s, struct sk_proc *p)
{
    size_t len = atomic_load_explicit(&s->rq_len, memory_order_relaxed);
    if (len == s->rq_cap && !sched_rq_grow(s)) {
        /* Cannot lose a runnable process: wait for memory. */
        while (!sched_rq_grow(s))
            sched_yield();
    }
    s->rq[(s->rq_head + len) % s->rq_cap] = p;
    atomic_store_explicit(&s->rq_len, len + 1, memory_order_relaxed);
}

static struct sk_proc *sched_rq_get(struct sk_sched *s)
{
    size_t len = atomic_load_explicit(&s->rq_len, memory_order_relaxed);
    if (len == 0)
        return NULL;
    struct sk_proc *p = s->rq[s->rq_head];
    s->rq_head = (s->rq_head + 1) % s->rq_cap;
    atomic_store_explicit(&s->rq_len, len - 1, memory_order_relaxed);
    return p;
}

/* Signals one parked scheduler other than `self` (work to steal). */
static void sched_wake_idle(struct sk_sched *self)
{
    for (unsigned i = 0; i < sk_scheds.n; i++) {
        struct sk_sched *o = &sk_scheds.s[(self->id + 1 + i) % sk_scheds.n];
        if (o == self)
            continue;
        pthread_mutex_lock(&o->mu);
        bool was = o->parked;
        if (was)
            pthread_cond_signal(&o->cv);
        pthread_mutex_unlock(&o->mu);
        if (was)
            return;
    }
}

void sk_sched_enqueue(struct sk_proc *p, struct sk_sched *hint)
{
    /* A process woken by a process runs on the waker's scheduler: partners
     * that talk end up together (no cross-core wake-up, no cross-thread
     * free of their messages; measured: 2 schedulers, one-way flow, ~1 us
     * of CPU per message when apart, ~140 ns together). Woken from a plain
     * thread, it goes back where it last ran. A new process starts where it
     * was spawned. Idle schedulers steal any surplus to balance. */
    struct sk_sched *self = sk_sched_self();
    struct sk_sched *s = self && !sk_sched_pinned ? self : hint;
    if (s == NULL)
        s = &sk_scheds.s[atomic_fetch_add(&sk_scheds.rr, 1) % sk_scheds.n];
    pthread_mutex_lock(&s->mu);
    sched_rq_put(s, p);
    bool parked = s->parked;
    if (parked)
        pthread_cond_signal(&s->cv);
    size_t len = atomic_load_explicit(&s->rq_len, memory_order_relaxed);
    pthread_mutex_unlock(&s->mu);
    /* More than one runnable here and someone idle: let it steal. One
     * signal per push at most, and none while every thread is busy. */
    if (s == self && len > 1 && atomic_load_explicit(&sk_scheds.nparked, memory_order_relaxed) > 0)
        sched_wake_idle(s);
}

void sk_sched_kick(struct sk_sched *s)
{
    pthread_mutex_lock(&s->mu);
    if (s->parked)
        pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void sk_proc_wake(struct sk_proc *p)
{
    int st = atomic_load_explicit(&p->state, memory_order_acquire);
    for (;;) {
        if (st == SK_P_WAITING) {
            if (atomic_compare_exchange_weak(&p->state, &st, SK_P_QUEUED)) {
                sk_sched_enqueue(p, p->sched);
                return;
            }
        } else if (st == SK_P_RUNNING) {
            if (atomic_compare_exchange_weak(&p->state, &st, SK_P_NOTIFIED))
                return;
        } else {
            return; /* already queued/notified, or gone */
        }
    }
}

void sk_proc_reduce_slow(struct sk_proc *p)
{
    p->reds = SK_REDUCTIONS;
    sk_sched_slice_end();
    struct sk_sched *s = p->sched;
    uint64_t next = atomic_load_explicit(&s->timer_next, memory_order_relaxed);
    /* Yield to queued processes, and to due timers: they only fire from
     * the scheduler loop, and a sleeper must not starve behind us. */
    if (atomic_load_explicit(&s->rq_len, memory_order_relaxed) > 0 ||
        (next && next <= sk_now_ns()))
        sk_sched_switch_out(p, SK_Y_YIELD);
    /* A busy process (say, one that only sends) still sees exit signals:
     * act on queued signals now; messages just move to the private list. */
    sk_proc_drain(p);
}

/* Takes up to half of another scheduler's queue if it holds at least
 * `min` runnable processes. */
static struct sk_proc *sched_steal(struct sk_sched *s, size_t min)
{
    if (sk_sched_pinned)
        return NULL;
    for (unsigned i = 1; i < sk_scheds.n; i++) {
        struct sk_sched *v = &sk_scheds.s[(s->id + i) % sk_scheds.n];
        if (atomic_load_explicit(&v->rq_len, memory_order_relaxed) < min)
            continue;
        struct sk_proc *batch[32];
        size_t got = 0;
        pthread_mutex_lock(&v->mu);
        size_t len = atomic_load_explicit(&v->rq_len, memory_order_relaxed);
        size_t want = (len + 1) / 2;
        while (got < want && got < 32)
            batch[got++] = sched_rq_get(v);
        pthread_mutex_unlock(&v->mu);
        if (got == 0)
            continue;
        if (got > 1) {
            pthread_mutex_lock(&s->mu);
            for (size_t k = 1; k < got; k++)
                sched_rq_put(s, batch[k]);
            pthread_mutex_unlock(&s->mu);
        }
        return batch[0];
    }
    return NULL;
}

/* A lone queued process is stolen only from a scheduler that has not
 * dispatched anything since our last look (its current process runs long):
 * stealing it from a busy ping-pong costs far more than it saves (measured:
 * a 10,000-process ring ran 4x slower on 2 schedulers than on 1). */
static struct sk_proc *sched_steal_stuck(struct sk_sched *s)
{
    if (sk_sched_pinned)
        return NULL;
    for (unsigned i = 1; i < sk_scheds.n; i++) {
        unsigned vi = (s->id + i) % sk_scheds.n;
        struct sk_sched *v = &sk_scheds.s[vi];
        if (atomic_load_explicit(&v->rq_len, memory_order_relaxed) == 0)
            continue;
        uint64_t d = atomic_load_explicit(&v->dispatches, memory_order_relaxed);
        if (d != s->seen[vi]) {
            s->seen[vi] = d;
            continue;
        }
        struct sk_proc *p = NULL;
        pthread_mutex_lock(&v->mu);
        p = sched_rq_get(v);
        pthread_mutex_unlock(&v->mu);
        if (p)
            return p;
    }
    return NULL;
}

/* True if another scheduler has queued work (park briefly, then recheck). */
static bool sched_others_busy(struct sk_sched *s)
{
    for (unsigned i = 1; i < sk_scheds.n; i++)
        if (atomic_load_explicit(&sk_scheds.s[(s->id + i) % sk_scheds.n].rq_len,
                                 memory_order_relaxed) > 0)
            return true;
    return false;
}

/* ---- the switch, with sanitizer fiber annotations ---- */

static void sched_switch_in(struct sk_sched *s, struct sk_proc *p)
{
    s->current = p;
    p->sched = s;
#ifdef SNOW_TSAN
    __tsan_switch_to_fiber(p->tsan_fiber, 0);
#endif
#ifdef SNOW_ASAN
    __sanitizer_start_switch_fiber(&s->asan_fake, p->stack, p->stack_size);
#endif
    sk_ctx_switch(&s->ctx, &p->ctx);
#ifdef SNOW_ASAN
    __sanitizer_finish_switch_fiber(s->asan_fake, NULL, NULL);
#endif
    s->current = NULL;
}

void sk_sched_switch_out(struct sk_proc *p, int why)
{
    struct sk_sched *s = p->sched;
    p->yield = why;
#ifdef SNOW_TSAN
    __tsan_switch_to_fiber(s->tsan_fiber, 0);
#endif
#ifdef SNOW_ASAN
    __sanitizer_start_switch_fiber(why == SK_Y_EXIT ? NULL : &p->asan_fake,
                                   s->stack_bottom, s->stack_size);
#endif
    sk_ctx_switch(&p->ctx, &s->ctx);
    /* Resumed, possibly by another scheduler (p->sched was updated). */
#ifdef SNOW_ASAN
    s = p->sched;
    __sanitizer_finish_switch_fiber(p->asan_fake, &s->stack_bottom, &s->stack_size);
#endif
}

/* After a process switched out: block, requeue, or clean up. */
static void sched_after(struct sk_sched *s, struct sk_proc *p)
{
    if (p->yield != SK_Y_EXIT && !sk_stack_check(p->stack)) {
        /* Canary mode only: the process wrote below its stack. Let it
         * exit abnormally; its stack is not reused. */
        fprintf(stderr, "snow: SNOW-PROC-STACKOVF: process <0.%llu.0> overflowed its "
                        "%zu-byte stack; killed (reason stack_overflow)\n",
                (unsigned long long)atomic_load(&p->pid), p->stack_size);
        p->overflowed = true;
        snow_term_release(p->reason);
        p->reason = sk_atom.stack_overflow;
        p->yield = SK_Y_EXIT;
    }
    switch (p->yield) {
    case SK_Y_BLOCK: {
        int st = SK_P_RUNNING;
        if (atomic_compare_exchange_strong(&p->state, &st, SK_P_WAITING))
            return;
        assert(st == SK_P_NOTIFIED);
        atomic_store(&p->state, SK_P_QUEUED);
        break;
    }
    case SK_Y_YIELD:
        atomic_store(&p->state, SK_P_QUEUED);
        break;
    default:
        sk_proc_cleanup(p);
        return;
    }
    pthread_mutex_lock(&s->mu);
    sched_rq_put(s, p);
    pthread_mutex_unlock(&s->mu);
}

/* Spin (cheap checks, no lock) before parking: a wake-up across cores costs
 * 15-35 us here, a short spin catches the common ping-pong case. The spin
 * yields the core rather than pausing on it: on a 2-core machine the thread
 * we wait for (the I/O thread, or the other node's) needs that core.
 * Measured (contrib/bench): remote ping-pong p50 pinned to one CPU 193 ->
 * 63 us over TCP, 249 -> 89 us over TLS; local one-way send 10.1M -> 7.1M
 * msgs/s (Erlang: 3.1M in the same run). */
#define SCHED_SPIN_NS 10000u
static struct sk_proc *sched_spin(struct sk_sched *s)
{
    uint64_t until = sk_now_ns() + SCHED_SPIN_NS;
    while (sk_now_ns() < until) {
        if (atomic_load_explicit(&s->rq_len, memory_order_relaxed) > 0)
            return NULL;
        /* Only a surplus: a lone runnable process is about to run where
         * it is, and moving it costs more than waiting. */
        struct sk_proc *p = sched_steal(s, 2);
        if (p)
            return p;
        /* Give the core to another runnable thread of this node (the I/O
         * thread, most often: what we wait for) rather than burn it. */
        sched_yield();
    }
    return NULL;
}

/* How long an idle scheduler sleeps while others have queued work. */
#define SCHED_RECHECK_NS 1000000u
static void sched_park(struct sk_sched *s)
{
    pthread_mutex_lock(&s->mu);
    while (atomic_load_explicit(&s->rq_len, memory_order_relaxed) == 0 &&
           !atomic_load(&sk_scheds.stopping)) {
        uint64_t next = sk_timers_next(s);
        uint64_t now = sk_now_ns();
        if (next && next <= now)
            break;
        if (sched_others_busy(s) && (next == 0 || next > now + SCHED_RECHECK_NS))
            next = now + SCHED_RECHECK_NS;
        s->parked = true;
        atomic_fetch_add(&sk_scheds.nparked, 1);
        if (next) {
            struct timespec ts = {.tv_sec = (time_t)(next / 1000000000u),
                                  .tv_nsec = (long)(next % 1000000000u)};
            pthread_cond_timedwait(&s->cv, &s->mu, &ts);
        } else {
            pthread_cond_wait(&s->cv, &s->mu);
        }
        atomic_fetch_sub(&sk_scheds.nparked, 1);
        s->parked = false;
        break; /* re-run timers and stealing before sleeping again */
    }
    pthread_mutex_unlock(&s->mu);
}

static void *sched_main(void *arg)
{
    struct sk_sched *s = arg;
    sched_tls = s;
    sk_msg_pool_enter(&s->msgs, (int)s->id);
#ifdef SNOW_TSAN
    s->tsan_fiber = __tsan_get_current_fiber();
#endif
    unsigned tick = 0;
    while (!atomic_load_explicit(&sk_scheds.stopping, memory_order_relaxed)) {
        if ((++tick & 31) == 0 || atomic_load_explicit(&s->timer_next, memory_order_relaxed))
            sk_timers_run(s);
        struct sk_proc *p = NULL;
        if (atomic_load_explicit(&s->rq_len, memory_order_relaxed) > 0) {
            pthread_mutex_lock(&s->mu);
            p = sched_rq_get(s);
            pthread_mutex_unlock(&s->mu);
        }
        if (p == NULL)
            p = sched_steal(s, 2);
        if (p == NULL)
            p = sched_spin(s);
        if (p == NULL && atomic_load_explicit(&s->rq_len, memory_order_relaxed) == 0)
            p = sched_steal_stuck(s);
        if (p == NULL) {
            if (atomic_load_explicit(&s->rq_len, memory_order_relaxed) == 0) {
                sk_timers_run(s);
                sk_sched_slice_end(); /* never sleep on a deferred flush */
                sched_park(s);
            }
            continue;
        }
        assert(atomic_load(&p->state) == SK_P_QUEUED);
        atomic_fetch_add_explicit(&s->dispatches, 1, memory_order_relaxed);
        atomic_store_explicit(&p->state, SK_P_RUNNING, memory_order_release);
        p->reds = SK_REDUCTIONS;
        sched_switch_in(s, p);
        sched_after(s, p);
        sk_sched_slice_end(); /* the exit path may have sent too */
    }
    sk_stack_cache_flush(&s->stacks);
    sched_tls = NULL;
    sk_msg_pool_leave();
    return NULL;
}

struct sk_msg_pool *sk_sched_home_pool(unsigned home)
{
    if (home < sk_scheds.n)
        return &sk_scheds.s[home].msgs;
    return home == sk_scheds.n ? &sk_scheds.io_msgs : NULL;
}

void sk_sched_io_pool_enter(void)
{
    if (sk_scheds.n > 0)
        sk_msg_pool_enter(&sk_scheds.io_msgs, (int)sk_scheds.n);
}

int sk_sched_start(unsigned n)
{
    if (n == 0 || n > SK_SCHED_MAX)
        return SNOW_EINVAL;
    sk_scheds.s = calloc(n, sizeof *sk_scheds.s);
    if (sk_scheds.s == NULL)
        return SNOW_ENOMEM;
    if (sk_msg_pool_init(&sk_scheds.io_msgs, n + 1) < 0) {
        free(sk_scheds.s);
        sk_scheds.s = NULL;
        return SNOW_ENOMEM;
    }
    sk_scheds.n = n;
    atomic_store(&sk_scheds.rr, 0);
    atomic_store(&sk_scheds.nparked, 0);
    atomic_store(&sk_scheds.stopping, false);
    for (unsigned i = 0; i < n; i++) {
        struct sk_sched *s = &sk_scheds.s[i];
        s->id = i;
        s->stacks.size = sk_stack_round(0);
        if (sk_msg_pool_init(&s->msgs, n + 1) < 0) {
            sk_scheds.n = 0; /* no thread started yet */
            sk_msg_pool_fini(&sk_scheds.io_msgs, n + 1);
            for (unsigned k = 0; k < i; k++)
                sk_msg_pool_fini(&sk_scheds.s[k].msgs, n + 1);
            free(sk_scheds.s);
            sk_scheds.s = NULL;
            return SNOW_ENOMEM;
        }
        pthread_mutex_init(&s->mu, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&s->cv, &ca);
        pthread_condattr_destroy(&ca);
    }
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&sk_scheds.s[i].thread, NULL, sched_main, &sk_scheds.s[i]) != 0) {
            sk_scheds.n = i;
            sk_sched_stop();
            return SNOW_ENOMEM;
        }
    }
    return 0;
}

void sk_sched_stop(void)
{
    atomic_store(&sk_scheds.stopping, true);
    for (unsigned i = 0; i < sk_scheds.n; i++)
        sk_sched_kick(&sk_scheds.s[i]);
    for (unsigned i = 0; i < sk_scheds.n; i++)
        pthread_join(sk_scheds.s[i].thread, NULL);
    for (unsigned i = 0; i < sk_scheds.n; i++) {
        struct sk_sched *s = &sk_scheds.s[i];
        sk_timers_fini(s);
        free(s->rq);
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
    }
    for (unsigned i = 0; i < sk_scheds.n; i++)
        sk_msg_pool_fini(&sk_scheds.s[i].msgs, sk_scheds.n + 1);
    sk_msg_pool_fini(&sk_scheds.io_msgs, sk_scheds.n + 1);
    free(sk_scheds.s);
    sk_scheds.s = NULL;
    sk_scheds.n = 0;
}
