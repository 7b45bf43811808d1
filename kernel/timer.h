/* SPDX-License-Identifier: MIT */
/* Timers: a min-heap per scheduler for receive timeouts, sleeps, send_after. */
#ifndef SK_TIMER_H
#define SK_TIMER_H

#include <stddef.h>
#include <stdint.h>

#include <snow/term.h>
#include <snow/types.h>

struct sk_sched;
struct sk_proc;

enum sk_timer_kind {
    SK_TIMER_WAKE,   /* wake process `pid` if it still waits in wait `seq` */
    SK_TIMER_SEND,   /* snow_send_after: send `msg` to `pid` */
};

struct sk_timer {
    uint64_t deadline;       /* CLOCK_MONOTONIC ns */
    uint64_t id;             /* snow_timer id (SEND timers) */
    long idx;                /* position in the heap, -1 when not queued */
    struct sk_sched *sched;  /* the heap it is (or was last) queued in */
    int kind;
    snow_pid pid;
    uint64_t seq;
    snow_term *msg;
};

/* A binary min-heap of timer pointers; the owner locks. */
struct sk_theap {
    struct sk_timer **v;
    size_t n, cap;
};

uint64_t sk_now_ns(void);
/* ms from now as an absolute deadline; 0 for SNOW_INFINITY (no deadline). */
uint64_t sk_deadline(int64_t timeout_ms);

/* Arms p->wait_timer for wait `seq` on p's scheduler. */
int sk_timer_arm_wait(struct sk_proc *p, uint64_t deadline, uint64_t seq);
/* Removes p->wait_timer from its heap if it has not fired. */
void sk_timer_disarm_wait(struct sk_proc *p);
/* Fires the due timers of s. Scheduler thread only. */
void sk_timers_run(struct sk_sched *s);
/* Earliest deadline in s's heap, 0 if none. Caller holds s->mu. */
uint64_t sk_timers_next(struct sk_sched *s);
/* Frees what is left in s's heap (shutdown). */
void sk_timers_fini(struct sk_sched *s);

#endif /* SK_TIMER_H */
