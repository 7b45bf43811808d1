/* SPDX-License-Identifier: MIT */
/* Receive side: draining signals, selective receive, timeouts, sleep. */
#include "config.h"

#include <stdlib.h>

#include "proc.h"
#include "scheduler.h"

void sk_proc_drain(struct sk_proc *p)
{
    snow_pid me = atomic_load_explicit(&p->pid, memory_order_relaxed);
    struct sk_msg *m;
    while ((m = sk_mbox_pop(&p->mbox, false)) != NULL) {
        if (m->to != me) {
            sk_msg_free(m); /* addressed to an earlier incarnation */
            continue;
        }
        switch (m->kind) {
        case SK_MSG_DATA:
            sk_mbox_keep(&p->mbox, m);
            break;
        case SK_MSG_DOWN:
            sk_proc_down_signal(p, m);
            break;
        default:
            sk_proc_exit_signal(p, m);
            break;
        }
    }
}

bool sk_proc_wait(struct sk_proc *p, uint64_t deadline)
{
    uint64_t seq = atomic_load_explicit(&p->wait_seq, memory_order_relaxed) + 1;
    atomic_store(&p->wait_seq, seq);
    if (deadline) {
        if (sk_now_ns() >= deadline)
            return true;
        if (sk_timer_arm_wait(p, deadline, seq) < 0) {
            /* No memory for the heap: degrade to polling by yielding. */
            sk_sched_switch_out(p, SK_Y_YIELD);
            return sk_now_ns() >= deadline;
        }
    }
    sk_sched_switch_out(p, SK_Y_BLOCK);
    if (!deadline)
        return false;
    if (atomic_load(&p->timed_out) == seq)
        return true;
    sk_timer_disarm_wait(p);
    return false;
}

int snow_receive_match(snow_match_fn pred, void *ctx, int64_t timeout_ms, snow_term **out)
{
    struct sk_proc *p = sk_proc_self();
    if (p == NULL)
        return SNOW_ENOTPROC;
    if (out == NULL)
        return SNOW_EINVAL;
    /* The clock starts when we first have to wait (as Erlang's `after`):
     * a receive that finds its message reads no clock. */
    uint64_t deadline = 0;
    struct sk_msg *prev = NULL; /* last message already rejected by pred */
    for (;;) {
        atomic_store_explicit(&p->state, SK_P_RUNNING, memory_order_seq_cst);
        sk_proc_drain(p);
        struct sk_msg *cur = prev ? atomic_load_explicit(&prev->next, memory_order_relaxed)
                                  : atomic_load_explicit(&p->mbox.first, memory_order_relaxed);
        while (cur) {
            if (pred == NULL || pred(cur->term, ctx)) {
                sk_mbox_take(&p->mbox, prev);
                *out = cur->term;
                cur->term = NULL;
                sk_msg_free(cur);
                sk_proc_reduce(p, 1);
                return 0;
            }
            prev = cur;
            cur = atomic_load_explicit(&cur->next, memory_order_relaxed);
        }
        if (timeout_ms == 0)
            return SNOW_ETIMEDOUT;
        if (timeout_ms > 0 && deadline == 0)
            deadline = sk_deadline(timeout_ms);
        if (sk_proc_wait(p, deadline))
            return SNOW_ETIMEDOUT;
    }
}

int snow_receive(int64_t timeout_ms, snow_term **out)
{
    return snow_receive_match(NULL, NULL, timeout_ms, out);
}

int snow_sleep(int64_t ms)
{
    struct sk_proc *p = sk_proc_self();
    if (p == NULL)
        return SNOW_ENOTPROC;
    uint64_t deadline = ms >= 0 ? sk_deadline(ms) : 0;
    for (;;) {
        atomic_store_explicit(&p->state, SK_P_RUNNING, memory_order_seq_cst);
        sk_proc_drain(p); /* signals act; messages stay queued */
        if (ms == 0 || sk_proc_wait(p, deadline))
            return 0;
    }
}
