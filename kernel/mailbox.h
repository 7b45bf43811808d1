/* SPDX-License-Identifier: MIT */
/* Per-process mailbox: intrusive lock-free MPSC queue plus a private list. */
#ifndef SK_MAILBOX_H
#define SK_MAILBOX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <snow/term.h>
#include <snow/types.h>

/* What a queued node carries. Messages and signals share one ordered queue
 * so that a process sees them in the order they were sent (Erlang's
 * signal ordering between a pair of processes). */
enum sk_msg_kind {
    SK_MSG_DATA,      /* term = the message */
    SK_MSG_EXIT,      /* exit signal from snow_kill; term = reason */
    SK_MSG_EXIT_LINK, /* exit signal from a dying linked process */
    SK_MSG_EXIT_FORCE,/* runtime shutdown: untrappable, reason as given */
    SK_MSG_DOWN,      /* monitor fired; ref, from = dead pid, term = reason */
};

struct sk_msg {
    _Atomic(struct sk_msg *) next;
    snow_pid to;       /* the incarnation it was sent to: stale nodes are dropped */
    snow_pid from;
    snow_ref ref;
    snow_term *term;   /* one reference owned by the node */
    int kind;
    int home;          /* scheduler whose pool it returns to, -1 = none */
};

/*
 * Message nodes come from per-scheduler pools: a node freed on the
 * scheduler that allocated it goes straight back to that pool; one freed
 * elsewhere is batched (64 at a time) and handed back to its home with one
 * atomic push. So a steady flow between two processes does no malloc/free,
 * and no cross-thread free, per message. One more pool serves the I/O
 * thread (it delivers every remote message); other plain threads use
 * malloc/free.
 */
#define SK_MSG_BATCH 64
struct sk_msg_pool {
    struct sk_msg *free;          /* owner only */
    size_t nfree;
    _Atomic(struct sk_msg *) back; /* chains returned by other schedulers */
    struct sk_msg_out {
        struct sk_msg *head;
        unsigned n;
    } *out;                       /* per home scheduler, owner only */
};
/* nhomes: how many pools exist (schedulers + the I/O thread's). */
int sk_msg_pool_init(struct sk_msg_pool *pool, unsigned nhomes);
/* Frees every node the pool holds (its owner has stopped). */
void sk_msg_pool_fini(struct sk_msg_pool *pool, unsigned nhomes);
/* The calling thread allocates from (and frees into) `pool`, known to
 * others as `home`, until sk_msg_pool_leave. */
void sk_msg_pool_enter(struct sk_msg_pool *pool, int home);
void sk_msg_pool_leave(void);

/*
 * Producers (any thread) push onto the MPSC queue (Vyukov's intrusive
 * queue: one exchange per push, no CAS loop). The owning process alone pops
 * and moves nodes, in order, to its private list, where receive scans with
 * the match predicate; skipped messages simply stay there in order.
 */
struct sk_mbox {
    _Alignas(64) _Atomic(struct sk_msg *) tail;  /* producers */
    struct sk_msg *head;                          /* consumer */
    struct sk_msg stub;
    _Atomic(struct sk_msg *) first;               /* private list (relaxed) */
    _Atomic(struct sk_msg *) *lastp;
};

void sk_mbox_init(struct sk_mbox *mb);

/* Any thread. */
void sk_mbox_push(struct sk_mbox *mb, struct sk_msg *m);
/* Pushes first..last, already linked through next (last->next NULL). */
void sk_mbox_push_chain(struct sk_mbox *mb, struct sk_msg *first, struct sk_msg *last);

/* Owner only: next node in push order, or NULL. With `wait`, a push that is
 * half-done (another thread between its two steps) is waited for; without
 * it, such a node is left for the next call. */
struct sk_msg *sk_mbox_pop(struct sk_mbox *mb, bool wait);

/* Private list helpers (owner only). */
void sk_mbox_keep(struct sk_mbox *mb, struct sk_msg *m);
/* Unlinks the node after `prev` (`prev` NULL = the first). */
struct sk_msg *sk_mbox_take(struct sk_mbox *mb, struct sk_msg *prev);

/* Message nodes: allocation and release (releases the term too). */
struct sk_msg *sk_msg_new(int kind, snow_pid to, snow_term *term);
void sk_msg_free(struct sk_msg *m);

/* Frees every node: private list and queue (owner only, or quiescent). */
void sk_mbox_clear(struct sk_mbox *mb);

#endif /* SK_MAILBOX_H */
