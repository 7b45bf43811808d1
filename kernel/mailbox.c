/* SPDX-License-Identifier: MIT */
/* Mailbox: Vyukov intrusive MPSC queue and the private in-order list. */
#include "config.h"

#include "mailbox.h"

#include <sched.h>
#include <stdlib.h>

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
    struct sk_msg *prev = atomic_exchange_explicit(&mb->tail, m, memory_order_acq_rel);
    atomic_store_explicit(&prev->next, m, memory_order_release);
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

struct sk_msg *sk_msg_new(int kind, snow_pid to, snow_term *term)
{
    struct sk_msg *m = malloc(sizeof *m);
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
    free(m);
}

void sk_mbox_clear(struct sk_mbox *mb)
{
    struct sk_msg *m;
    while ((m = sk_mbox_take(mb, NULL)) != NULL)
        sk_msg_free(m);
    while ((m = sk_mbox_pop(mb, true)) != NULL)
        sk_msg_free(m);
}
