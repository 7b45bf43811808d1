/* SPDX-License-Identifier: MIT */
/* Waiters: a caller of snow_node_connect blocked until the I/O thread answers. */
#ifndef SK_DIST_WAIT_H
#define SK_DIST_WAIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * A waiter lives on the waiting thread's stack and sits in exactly one list
 * owned by the I/O thread (a connection's, or a pending resolve's). Lists
 * are touched only on the I/O thread; `done`/`rc` are handed over under the
 * waiter's mutex. A waiter that times out removes itself from its list on
 * the I/O thread before its stack frame goes away.
 *
 * The wait blocks the calling OS thread (a Snow process calling
 * snow_node_connect holds its scheduler thread for at most the timeout).
 */
struct sk_dwait {
    struct sk_dwait *next;
    struct sk_dwait **list;   /* the list it is in (I/O thread) */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    int rc;
};

void sk_dwait_init(struct sk_dwait *w);
void sk_dwait_destroy(struct sk_dwait *w);
/* I/O thread: put w on a list. */
void sk_dwait_add(struct sk_dwait **list, struct sk_dwait *w);
/* I/O thread: complete every waiter of a list with rc and empty it. */
void sk_dwait_complete_all(struct sk_dwait **list, int rc);
/* I/O thread: move every waiter from one list to another. */
void sk_dwait_move(struct sk_dwait **from, struct sk_dwait **to);
/* Any thread but the I/O thread: wait up to timeout_ms for completion.
 * Returns the completion code or SNOW_ETIMEDOUT (then w is off its list). */
int sk_dwait_wait(struct sk_dwait *w, int64_t timeout_ms);

#endif /* SK_DIST_WAIT_H */
