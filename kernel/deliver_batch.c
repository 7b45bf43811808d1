/* SPDX-License-Identifier: MIT */
/* Inbound messages delivered in runs: one mailbox push and one wake per receiver. */
#include "config.h"

#include "route.h"

#include "proc.h"
#include "scheduler.h"

/*
 * The I/O thread decodes a read's worth of frames at a time. Pushing and
 * waking per message made it touch the receiver's mailbox tail and state
 * (lines the receiving core is using) once per message; a run costs that
 * once. A run is cut at SK_BATCH_RUN messages so the first of a long read
 * does not wait for the last to be decoded.
 */
#define SK_BATCH_RUN 64

static void batch_deliver(struct sk_batch_dest *d)
{
    if (d->first == NULL)
        return; /* its last run went out when it reached SK_BATCH_RUN */
    struct sk_proc *p = sk_pid_live(d->to);
    if (p == NULL) {
        for (struct sk_msg *m = d->first, *next; m != NULL; m = next) {
            next = atomic_load_explicit(&m->next, memory_order_relaxed);
            sk_msg_free(m); /* a dead pid drops them, as in Erlang */
        }
    } else {
        sk_mbox_push_chain(&p->mbox, d->first, d->last);
        sk_proc_wake(p);
    }
    d->first = d->last = NULL;
    d->n = 0;
}

void sk_deliver_batch_flush(struct sk_deliver_batch *b)
{
    for (unsigned i = 0; i < b->n; i++)
        batch_deliver(&b->dest[i]);
    b->n = 0;
}

int sk_deliver_batch_add(struct sk_deliver_batch *b, snow_pid to, snow_term *msg)
{
    struct sk_msg *m = msg ? sk_msg_new(SK_MSG_DATA, to, msg) : NULL;
    if (m == NULL) {
        snow_term_release(msg);
        return msg ? SNOW_ENOMEM : SNOW_EINVAL;
    }
    atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
    unsigned i = 0;
    while (i < b->n && b->dest[i].to != to)
        i++;
    if (i == SK_BATCH_DESTS) {
        sk_deliver_batch_flush(b);
        i = 0;
    }
    struct sk_batch_dest *d = &b->dest[i];
    if (i == b->n) {
        b->n++;
        d->to = to;
        d->first = d->last = NULL;
        d->n = 0;
    }
    if (d->last)
        atomic_store_explicit(&d->last->next, m, memory_order_relaxed);
    else
        d->first = m;
    d->last = m;
    if (++d->n >= SK_BATCH_RUN)
        batch_deliver(d); /* stays in the table, empty, for the next run */
    return 0;
}

int sk_deliver_batch_named(struct sk_deliver_batch *b, const char *name, snow_term *msg)
{
    snow_pid pid;
    if (snow_whereis(name, &pid) < 0) {
        snow_term_release(msg);
        return SNOW_ENOPROC;
    }
    return sk_deliver_batch_add(b, pid, msg);
}
