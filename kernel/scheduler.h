/* SPDX-License-Identifier: MIT */
/* M:N scheduler: one thread per core, run queues, stealing, parking. */
#ifndef SK_SCHED_H
#define SK_SCHED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "ctx.h"
#include "mailbox.h"
#include "stack.h"
#include "timer.h"

struct sk_proc;

#define SK_SCHED_MAX 256

/*
 * One per scheduler thread. `mu` guards the run queue, the timer heap and
 * parking: a pusher that finds the scheduler parked signals `cv` under the
 * same lock, so a wake-up cannot fall between "queue empty" and "sleep".
 */
struct sk_sched {
    unsigned id;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct sk_proc **rq;      /* ring buffer */
    size_t rq_head, rq_cap;
    _Atomic size_t rq_len;    /* read without the lock by thieves */
    bool parked;
    struct sk_theap timers;
    _Atomic uint64_t timer_next;  /* earliest deadline, 0 = none (hint) */

    /* Scheduler thread only. */
    struct sk_ctx ctx;
    struct sk_proc *current;
    struct sk_stack_cache stacks;
    struct sk_msg_pool msgs;
    _Atomic uint64_t dispatches;  /* processes run; thieves watch it */
    uint64_t seen[SK_SCHED_MAX];  /* others' dispatches at our last look */
    const void *stack_bottom; /* ASan: the scheduler thread's own stack */
    size_t stack_size;
    void *asan_fake;
    void *tsan_fiber;
};

struct sk_sched_set {
    unsigned n;
    struct sk_sched *s;
    _Atomic unsigned rr;       /* round-robin placement from plain threads */
    _Atomic int nparked;
    _Atomic bool stopping;
    /* Message nodes of the I/O thread, the one busy plain thread: home n. */
    struct sk_msg_pool io_msgs;
};
extern struct sk_sched_set sk_scheds;
/* false (default): a process woken by a process runs on the waker's
 * scheduler, and idle schedulers steal. true: every process stays on the
 * scheduler it was placed on (woken there, never stolen). Tests use it to
 * keep two processes on different threads whatever the OS does with the
 * threads. Set before snow_init. */
extern bool sk_sched_pinned;

/* Called on a scheduler thread when a time slice ends and when a process
 * has used up its reductions: the dist layer posts the socket flushes its
 * sends deferred, so a burst of sends costs one I/O wake-up, not one per
 * message. NULL (default): nothing to do. */
extern void (*_Atomic sk_sched_slice_hook)(void);
static inline void sk_sched_slice_end(void)
{
    void (*hook)(void) = atomic_load_explicit(&sk_sched_slice_hook, memory_order_relaxed);
    if (hook)
        hook();
}

int sk_sched_start(unsigned n);
/* The message pool known as `home` (0..n-1: schedulers, n: I/O thread),
 * NULL if there is none. */
struct sk_msg_pool *sk_sched_home_pool(unsigned home);
/* The I/O thread uses the pool of home n while the schedulers run (the
 * node stops before they do: snow_shutdown). */
void sk_sched_io_pool_enter(void);
/* Stops and joins every scheduler thread (no process may be alive). */
void sk_sched_stop(void);

/* The calling thread's scheduler, or NULL on a plain thread. */
struct sk_sched *sk_sched_self(void);

/* Makes a runnable process (state already QUEUED) run: on the calling
 * scheduler if there is one, else on `hint` (or round-robin if NULL). */
void sk_sched_enqueue(struct sk_proc *p, struct sk_sched *hint);

/* The wake-up state machine (see enum sk_pstate): any thread. */
void sk_proc_wake(struct sk_proc *p);

/* From process context: switch back to the scheduler for `why`
 * (enum sk_yield). Returns when the process is resumed (never for EXIT). */
void sk_sched_switch_out(struct sk_proc *p, int why);

/* Wakes s if it is parked (after a timer was added to its heap). */
void sk_sched_kick(struct sk_sched *s);

#endif /* SK_SCHED_H */
