/* SPDX-License-Identifier: MIT */
/* The process control block and the kernel-internal process calls. */
#ifndef SK_PROC_H
#define SK_PROC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <snow/snow.h>

#include "ctx.h"
#include "lock.h"
#include "mailbox.h"
#include "timer.h"

struct sk_sched;
struct sk_joiner;

/*
 * Scheduling state. Transitions (who may make them):
 *   FREE -> QUEUED            spawn (before the pid is published)
 *   QUEUED -> RUNNING         the scheduler that dequeued it
 *   RUNNING -> NOTIFIED       a waker (CAS) while the process runs
 *   RUNNING/NOTIFIED -> RUNNING   the process itself, before it looks at its
 *                             mailbox (clears stale notifications)
 *   RUNNING -> WAITING        its scheduler after the process switched out
 *                             to block (CAS; fails if NOTIFIED -> requeue)
 *   WAITING -> QUEUED         a waker (CAS): the one thread that wins it
 *                             enqueues, so a process is queued exactly once
 *   -> DEAD -> ZOMBIE/FREE    exit cleanup on the scheduler stack
 */
enum sk_pstate {
    SK_P_FREE = 0,
    SK_P_QUEUED,
    SK_P_RUNNING,
    SK_P_NOTIFIED,
    SK_P_WAITING,
    SK_P_DEAD,
    SK_P_ZOMBIE,
};

/* Why a process switched back to its scheduler. */
enum sk_yield { SK_Y_BLOCK, SK_Y_YIELD, SK_Y_EXIT };

/* A (ref, pid) pair: a link (ref 0) or a monitor. */
struct sk_mon {
    snow_ref ref;
    snow_pid pid;
};
struct sk_monvec {
    struct sk_mon *v;
    uint32_t n, cap;
};

/*
 * Process control blocks are type-stable: they live in the pid table's
 * chunks and are reused, never freed, until shutdown. A sender may read
 * `pid` and push onto `mbox` of a block whose process just died (or was
 * even replaced): each node carries the pid it was sent to, and the owner
 * drops nodes addressed to an older incarnation. So the send path takes no
 * reference count and no lock.
 */
struct sk_proc {
    _Atomic snow_pid pid;          /* SNOW_PID_NONE while free */
    _Atomic int state;             /* enum sk_pstate */
    struct sk_mbox mbox;           /* never re-initialised across reuse */

    /* Owned by whoever runs the process. */
    struct sk_ctx ctx;
    struct sk_sched *sched;        /* current (last) scheduler */
    int yield;                     /* enum sk_yield */
    void *stack;
    size_t stack_size;
    snow_proc_fn fn;
    snow_term *arg;
    /* Runs in the process, as it dies by any path (return, snow_exit, an
     * exit signal, kill): C state on its stack is released here. */
    void (*exit_hook)(void *hook_arg);
    void *hook_arg;
    snow_term *reason;             /* exit reason once exiting */
    bool trap_exit;
    bool joinable;                 /* spawned by a plain thread */
    bool overflowed;               /* canary found broken */
    unsigned reds;                 /* reductions left before a fair yield */
    struct sk_monvec monitoring;   /* monitors this process holds */
    snow_pid shutdown_sent;        /* snow_shutdown's thread only */

    /* Blocking waits: each wait gets a new seq; a timer that fires for an
     * old seq is ignored. */
    _Atomic uint64_t wait_seq;
    _Atomic uint64_t timed_out;    /* seq of the wait whose timer fired */
    _Atomic uint64_t armed_seq;    /* wait whose timer is queued, 0 = none */
    struct sk_sched *armed_on;     /* the heap it is queued in */

    /* Under `lock`: shared with other processes and threads. */
    struct sk_lock lock;
    bool alive;
    struct sk_monvec links;        /* linked pids (ref 0) */
    struct sk_monvec monitored_by; /* (ref, watcher) */
    char *name;
    struct sk_joiner *joiners;

#if defined(SNOW_ASAN) || defined(__SANITIZE_ADDRESS__)
    void *asan_fake;
#endif
    void *tsan_fiber;
};

/* ---- pid table (pid.c) ---- */

/* Pids: local part = generation (24 bits) << 24 | index (24 bits).
 * 16,777,215 slots; a slot's generation never repeats within 2^24 reuses. */
#define SK_PID_INDEX_BITS 24
#define SK_PID_MAX_SLOTS ((UINT32_C(1) << SK_PID_INDEX_BITS) - 1)

int sk_pid_init(void);
void sk_pid_fini(void);
/* A free block with a fresh pid assigned (state FREE, not yet published). */
struct sk_proc *sk_pid_alloc(void);
/* Back to the free list; the next incarnation gets a new generation. */
void sk_pid_release(struct sk_proc *p);
/* The block whose slot `pid` names, or NULL. O(1). The caller compares
 * p->pid with pid: the block may belong to another incarnation. */
struct sk_proc *sk_pid_slot(snow_pid pid);
/* The live block for pid (pid matches and not dead), or NULL. */
struct sk_proc *sk_pid_live(snow_pid pid);
/* Calls fn on every block ever allocated (quiescent callers only, or fn
 * that checks state itself). */
void sk_pid_each(void (*fn)(struct sk_proc *p, void *ctx), void *ctx);

/* ---- processes (proc.c) ---- */

/* The calling process, or NULL on a plain thread. */
struct sk_proc *sk_proc_self(void);
/* Exits the calling process; never returns. Takes `reason`'s reference. */
_Noreturn void sk_proc_exit(struct sk_proc *p, snow_term *reason);
/* The calling process's exit hook (one; NULL clears it). */
void sk_proc_set_exit_hook(void (*fn)(void *arg), void *arg);
/* Called by the scheduler after a process switched out for the last time. */
void sk_proc_cleanup(struct sk_proc *p);
/* Pushes a node to pid's mailbox and wakes it. Takes the node. Returns
 * SNOW_ENOPROC (node freed) if no live process has that pid. */
int sk_proc_deliver(snow_pid to, struct sk_msg *m);

/* Fairness without preemption (Erlang's reductions): sends, spawns and
 * receives cost reductions; when a process has used its budget and others
 * wait on its scheduler, it yields. */
#define SK_REDUCTIONS 2000u
void sk_proc_reduce_slow(struct sk_proc *p);
static inline void sk_proc_reduce(struct sk_proc *p, unsigned cost)
{
    if (p->reds > cost)
        p->reds -= cost;
    else
        sk_proc_reduce_slow(p);
}

/* ---- receive side (receive.c) ---- */

/* Moves queued nodes to the private list, acting on signals (which may
 * exit the process). Process context only. */
void sk_proc_drain(struct sk_proc *p);
/* Blocks until woken or the deadline (ns, 0 = none) passes. Returns true
 * if the deadline passed. */
bool sk_proc_wait(struct sk_proc *p, uint64_t deadline_ns);

/* ---- links and exit signals (link.c) ---- */
void sk_proc_exit_signal(struct sk_proc *p, struct sk_msg *m);
/* Adds/removes entries of a monvec; helpers shared by links and monitors. */
int sk_monvec_add(struct sk_monvec *mv, snow_ref ref, snow_pid pid);
bool sk_monvec_del(struct sk_monvec *mv, snow_ref ref, snow_pid pid);
bool sk_monvec_del_ref(struct sk_monvec *mv, snow_ref ref, snow_pid *pid);
void sk_monvec_free(struct sk_monvec *mv);

/* ---- monitors (monitor.c) ---- */
void sk_proc_down_signal(struct sk_proc *p, struct sk_msg *m);

/* ---- names (name.c) ---- */
void sk_name_drop(const char *name, snow_pid pid);
void sk_name_fini(void);

/* ---- joiners (join.c) ---- */
void sk_join_notify(struct sk_joiner *list, snow_term *reason);

/* ---- runtime-wide state (runtime.c) ---- */
extern _Atomic size_t sk_live;
/* Common atoms (immediates, created at init). */
struct sk_atoms {
    snow_term *normal, *kill, *killed, *noproc, *shutdown, *exit, *down,
        *stack_overflow, *nomem, *noconnection;
};
extern struct sk_atoms sk_atom;
bool sk_runtime_running(void);
void sk_runtime_proc_gone(void);

#endif /* SK_PROC_H */
