/* SPDX-License-Identifier: MIT */
/* Mailbox: Vyukov intrusive MPSC queue and the private in-order list. */
#include "config.h"

#include "mailbox.h"

#include <snow/error.h>

#include <sched.h>
#include <stdlib.h>

#include "scheduler.h"

void sk_mbox_init(struct sk_mbox *mb)
{
    atomic_store_explicit(&mb->stub.next, NULL, memory_order_relaxed);
    atomic_store_explicit(&mb->tail, &mb->stub, memory_order_relaxed);
    mb->head = &mb->stub;
    atomic_store_explicit(&mb->first, NULL, memory_order_relaxed);
    mb->lastp = &mb->first;
}

void sk_mbox_push(struct sk_mbox *mb, struct sk_msg *m)
{
    atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
    sk_mbox_push_chain(mb, m, m);
}

void sk_mbox_push_chain(struct sk_mbox *mb, struct sk_msg *first, struct sk_msg *last)
{
    struct sk_msg *prev = atomic_exchange_explicit(&mb->tail, last, memory_order_acq_rel);
    atomic_store_explicit(&prev->next, first, memory_order_release);
}

struct sk_msg *sk_mbox_pop(struct sk_mbox *mb, bool wait)
{
    for (;;) {
        struct sk_msg *head = mb->head;
        struct sk_msg *next = atomic_load_explicit(&head->next, memory_order_acquire);
        if (head == &mb->stub) {
            if (next == NULL) {
                if (wait && atomic_load_explicit(&mb->tail, memory_order_acquire) != head) {
                    sched_yield();
                    continue;
                }
                return NULL;
            }
            mb->head = next;
            head = next;
            next = atomic_load_explicit(&head->next, memory_order_acquire);
        }
        if (next) {
            mb->head = next;
            return head;
        }
        if (atomic_load_explicit(&mb->tail, memory_order_acquire) != head) {
            /* A producer swapped tail but has not linked its node yet. */
            if (!wait)
                return NULL;
            sched_yield();
            continue;
        }
        /* head is the last node: put the stub behind it so head can go. */
        sk_mbox_push(mb, &mb->stub);
        next = atomic_load_explicit(&head->next, memory_order_acquire);
        if (next) {
            mb->head = next;
            return head;
        }
        if (!wait)
            return NULL;
        sched_yield();
    }
}

void sk_mbox_keep(struct sk_mbox *mb, struct sk_msg *m)
{
    atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
    atomic_store_explicit(mb->lastp, m, memory_order_relaxed);
    mb->lastp = &m->next;
}

struct sk_msg *sk_mbox_take(struct sk_mbox *mb, struct sk_msg *prev)
{
    _Atomic(struct sk_msg *) *link = prev ? &prev->next : &mb->first;
    struct sk_msg *m = atomic_load_explicit(link, memory_order_relaxed);
    if (m == NULL)
        return NULL;
    struct sk_msg *after = atomic_load_explicit(&m->next, memory_order_relaxed);
    atomic_store_explicit(link, after, memory_order_relaxed);
    if (after == NULL)
        mb->lastp = link;
    return m;
}

/* Most nodes a pool keeps; beyond this they go back to malloc. */
#define MSG_POOL_MAX 8192

int sk_msg_pool_init(struct sk_msg_pool *pool, unsigned nhomes)
{
    pool->free = NULL;
    pool->nfree = 0;
    atomic_store(&pool->back, NULL);
    pool->out = calloc(nhomes, sizeof *pool->out);
    return pool->out ? 0 : SNOW_ENOMEM;
}

static void msg_chain_free(struct sk_msg *m)
{
    while (m) {
        struct sk_msg *next = atomic_load_explicit(&m->next, memory_order_relaxed);
        free(m);
        m = next;
    }
}

void sk_msg_pool_fini(struct sk_msg_pool *pool, unsigned nhomes)
{
    msg_chain_free(pool->free);
    msg_chain_free(atomic_exchange(&pool->back, NULL));
    for (unsigned i = 0; pool->out && i < nhomes; i++)
        msg_chain_free(pool->out[i].head);
    free(pool->out);
    *pool = (struct sk_msg_pool){0};
}

/* The calling thread's pool, if it owns one. */
static _Thread_local struct sk_msg_pool *pool_mine __attribute__((tls_model("initial-exec")));
static _Thread_local int home_mine __attribute__((tls_model("initial-exec")));

void sk_msg_pool_enter(struct sk_msg_pool *pool, int home)
{
    pool_mine = pool;
    home_mine = home;
}

void sk_msg_pool_leave(void) { pool_mine = NULL; }

static struct sk_msg *msg_alloc(void)
{
    struct sk_msg_pool *pool = pool_mine;
    if (pool) {
        if (pool->free == NULL) {
            pool->free = atomic_exchange_explicit(&pool->back, NULL, memory_order_acquire);
            pool->nfree = 0; /* unknown length: recounted as nodes come back */
        }
        struct sk_msg *m = pool->free;
        if (m) {
            pool->free = atomic_load_explicit(&m->next, memory_order_relaxed);
            if (pool->nfree)
                pool->nfree--;
            return m;
        }
    }
    struct sk_msg *m = malloc(sizeof *m);
    if (m)
        m->home = pool ? home_mine : -1;
    return m;
}

static void msg_release(struct sk_msg *m)
{
    struct sk_msg_pool *pool = pool_mine;
    if (pool == NULL || m->home < 0) {
        free(m);
        return;
    }
    if (m->home == home_mine) {
        if (pool->nfree >= MSG_POOL_MAX) {
            free(m);
            return;
        }
        atomic_store_explicit(&m->next, pool->free, memory_order_relaxed);
        pool->free = m;
        pool->nfree++;
        return;
    }
    struct sk_msg_pool *home = sk_sched_home_pool((unsigned)m->home);
    if (home == NULL) {
        free(m);
        return;
    }
    /* Someone else's node: batch it, then hand the batch home at once. */
    struct sk_msg_out *o = &pool->out[m->home];
    atomic_store_explicit(&m->next, o->head, memory_order_relaxed);
    o->head = m;
    if (++o->n < SK_MSG_BATCH)
        return;
    struct sk_msg *tail = m;
    while (atomic_load_explicit(&tail->next, memory_order_relaxed))
        tail = atomic_load_explicit(&tail->next, memory_order_relaxed);
    struct sk_msg *old = atomic_load_explicit(&home->back, memory_order_relaxed);
    do
        atomic_store_explicit(&tail->next, old, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&home->back, &old, o->head,
                                                  memory_order_release, memory_order_relaxed));
    o->head = NULL;
    o->n = 0;
}

struct sk_msg *sk_msg_new(int kind, snow_pid to, snow_term *term)
{
    struct sk_msg *m = msg_alloc();
    if (m == NULL)
        return NULL;
    m->to = to;
    m->from = SNOW_PID_NONE;
    m->ref = SNOW_REF_NONE;
    m->term = term;
    m->kind = kind;
    return m;
}

void sk_msg_free(struct sk_msg *m)
{
    snow_term_release(m->term);
    msg_release(m);
}

void sk_mbox_clear(struct sk_mbox *mb)
{
    struct sk_msg *m;
    while ((m = sk_mbox_take(mb, NULL)) != NULL)
        sk_msg_free(m);
    while ((m = sk_mbox_pop(mb, true)) != NULL)
        sk_msg_free(m);
}
