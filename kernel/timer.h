/* SPDX-License-Identifier: MIT */
/* Timers: a min-heap per scheduler for receive timeouts, sleeps, send_after. */
#ifndef SK_TIMER_H
#define SK_TIMER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <snow/term.h>
#include <snow/types.h>

struct sk_sched;
struct sk_proc;

/*
 * Heap entries are values, not pointers into process blocks: sifting
 * touches only the heap's own array (with 10,000 waiting processes, a
 * pointer heap took a cache miss per level). A wait timer is never removed
 * when the wait ends early: the process clears its `armed_seq`, and the
 * entry is skipped when it comes due. Dead entries are counted and swept
 * out when they outnumber live ones, so the heap stays O(live timers).
 *
 * msg == NULL: wake process `pid` if it still waits in wait `key`.
 * msg != NULL: snow_send_after: send msg to `pid`; `key` is the timer id.
 */
struct sk_tent {
    uint64_t deadline; /* CLOCK_MONOTONIC ns */
    snow_pid pid;
    uint64_t key;
    snow_term *msg;
};

struct sk_theap {
    struct sk_tent *v;
    size_t n, cap;
    _Atomic size_t stale; /* wait entries whose wait already ended (approx.) */
};

uint64_t sk_now_ns(void);
/* ms from now as an absolute deadline; 0 for SNOW_INFINITY (no deadline). */
uint64_t sk_deadline(int64_t timeout_ms);

/* Arms a wake-up for p's wait `seq` on p's scheduler. */
int sk_timer_arm_wait(struct sk_proc *p, uint64_t deadline, uint64_t seq);
/* The wait ended before its timer: the entry becomes dead. No lock. */
void sk_timer_disarm_wait(struct sk_proc *p);
/* Fires the due timers of s. Scheduler thread only. */
void sk_timers_run(struct sk_sched *s);
/* Earliest deadline in s's heap, 0 if none. Caller holds s->mu. */
uint64_t sk_timers_next(struct sk_sched *s);
/* Frees what is left in s's heap (shutdown). */
void sk_timers_fini(struct sk_sched *s);

#endif /* SK_TIMER_H */
