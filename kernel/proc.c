/* SPDX-License-Identifier: MIT */
/* Processes: spawn, the send fast path, exit and cleanup. */
#include "config.h"

#include "proc.h"

#include <stdlib.h>

#include "route.h"
#include "sanitize.h"
#include "scheduler.h"
#include "stack.h"

struct sk_joiner;

static void proc_entry(void *arg)
{
    struct sk_proc *p = arg;
#ifdef SNOW_ASAN
    __sanitizer_finish_switch_fiber(NULL, &p->sched->stack_bottom, &p->sched->stack_size);
#endif
    p->fn(p->arg);
    sk_proc_exit(p, sk_atom.normal);
}

void sk_proc_set_exit_hook(void (*fn)(void *arg), void *arg)
{
    struct sk_proc *p = sk_proc_self();
    if (p) {
        p->exit_hook = fn;
        p->hook_arg = arg;
    }
}

_Noreturn void sk_proc_exit(struct sk_proc *p, snow_term *reason)
{
    void (*hook)(void *) = p->exit_hook;
    p->exit_hook = NULL; /* once, and never for the slot's next process */
    if (hook)
        hook(p->hook_arg);
    p->reason = reason;
    sk_timer_disarm_wait(p);
    sk_sched_switch_out(p, SK_Y_EXIT);
    __builtin_unreachable();
}

/*
 * The one spawn path. `link_to` (may be SNOW_PID_NONE) goes into the child's
 * link set before it can run; when it is the local `self`, the caller's half
 * is added too (a remote link_to's half lives on its own node). before_run,
 * if set, is called with the new pid after the links exist and before the
 * child is queued, so whatever it sends goes out ahead of the child's own
 * messages and exit signals.
 */
static int proc_spawn(snow_proc_fn fn, const snow_term *arg, size_t ssize,
                      struct sk_proc *self, snow_pid link_to, bool monitor, bool joinable,
                      void (*before_run)(void *ctx, snow_pid pid), void *brctx, snow_pid *out,
                      snow_ref *ref)
{
    bool link = link_to != SNOW_PID_NONE;
    bool local_link = link && self != NULL && snow_pid_is_local(link_to);
    ssize = sk_stack_round(ssize);

    struct sk_proc *p = sk_pid_alloc();
    if (p == NULL)
        return SNOW_ELIMIT;
    struct sk_sched *s = sk_sched_self();
    p->stack = sk_stack_alloc(s ? &s->stacks : NULL, ssize);
    if (p->stack == NULL) {
        sk_pid_release(p);
        return SNOW_ENOMEM;
    }
    snow_pid pid = atomic_load_explicit(&p->pid, memory_order_relaxed);
    p->stack_size = ssize;
    p->fn = fn;
    p->exit_hook = NULL;
    p->arg = arg ? snow_term_ref((snow_term *)arg) : snow_nil();
    p->reason = NULL;
    p->trap_exit = false;
    p->joinable = joinable;
    p->overflowed = false;
    p->sched = s;
    atomic_store_explicit(&p->timed_out, 0, memory_order_relaxed);
#ifdef SNOW_TSAN
    p->tsan_fiber = __tsan_create_fiber(0);
#endif
    sk_ctx_make(&p->ctx, p->stack, ssize, proc_entry, p);

    snow_pid me = self ? atomic_load_explicit(&self->pid, memory_order_relaxed) : 0;
    snow_ref r = monitor ? snow_make_ref() : SNOW_REF_NONE;
    int rc = 0;
    sk_lock_take(&p->lock);
    p->alive = true;
    if (link)
        rc = sk_monvec_add(&p->links, 0, link_to);
    if (monitor && rc == 0)
        rc = sk_monvec_add(&p->monitored_by, r, me);
    sk_lock_give(&p->lock);
    if (rc == 0 && local_link) {
        sk_lock_take(&self->lock);
        rc = sk_monvec_add(&self->links, 0, pid);
        sk_lock_give(&self->lock);
    }
    if (rc == 0 && monitor)
        rc = sk_monvec_add(&self->monitoring, r, pid);
    if (rc < 0) {
        /* Only allocation can fail here; undo everything. */
        if (local_link) {
            sk_lock_take(&self->lock);
            sk_monvec_del(&self->links, 0, pid);
            sk_lock_give(&self->lock);
        }
        p->links.n = p->monitored_by.n = 0;
        p->alive = false;
        snow_term_release(p->arg);
        sk_stack_free(s ? &s->stacks : NULL, p->stack, ssize);
#ifdef SNOW_TSAN
        __tsan_destroy_fiber(p->tsan_fiber);
#endif
        sk_pid_release(p);
        return rc;
    }
    atomic_fetch_add(&sk_live, 1);
    *out = pid;
    if (ref)
        *ref = r;
    if (before_run)
        before_run(brctx, pid);
    atomic_store_explicit(&p->state, SK_P_QUEUED, memory_order_release);
    sk_sched_enqueue(p, NULL);
    if (self)
        sk_proc_reduce(self, 10);
    return 0;
}

int snow_spawn_opt(snow_proc_fn fn, const snow_term *arg, const struct snow_spawn_opts *opts,
                   snow_pid *out, snow_ref *ref)
{
    if (fn == NULL || out == NULL)
        return SNOW_EINVAL;
    if (opts && opts->size < sizeof(size_t))
        return SNOW_EINVAL;
    if (!sk_runtime_running())
        return SNOW_ESTATE;
    /* Size-versioned: read only the fields the caller's struct has. */
#define PROC_HAS(o, f) ((o) && (o)->size >= offsetof(struct snow_spawn_opts, f) + sizeof((o)->f))
    bool link = PROC_HAS(opts, link) && opts->link;
    bool monitor = PROC_HAS(opts, monitor) && opts->monitor;
    size_t ssize = PROC_HAS(opts, stack_size) ? opts->stack_size : 0;
#undef PROC_HAS
    struct sk_proc *self = sk_proc_self();
    if ((link || monitor) && self == NULL)
        return SNOW_ENOTPROC;
    if (monitor && ref == NULL)
        return SNOW_EINVAL;
    snow_pid me = self ? atomic_load_explicit(&self->pid, memory_order_relaxed) : 0;
    return proc_spawn(fn, arg, ssize, self, link ? me : SNOW_PID_NONE, monitor, self == NULL,
                      NULL, NULL, out, ref);
}

int sk_proc_spawn_for(snow_proc_fn fn, const snow_term *arg, snow_pid link_to,
                      void (*before_run)(void *ctx, snow_pid pid), void *ctx, snow_pid *out)
{
    if (fn == NULL || out == NULL)
        return SNOW_EINVAL;
    if (!sk_runtime_running())
        return SNOW_ESTATE;
    return proc_spawn(fn, arg, 0, NULL, link_to, false, false, before_run, ctx, out, NULL);
}

int snow_spawn(snow_proc_fn fn, const snow_term *arg, snow_pid *out)
{
    return snow_spawn_opt(fn, arg, NULL, out, NULL);
}

int snow_spawn_link(snow_proc_fn fn, const snow_term *arg, snow_pid *out)
{
    struct snow_spawn_opts o = {.size = sizeof o, .link = true};
    return snow_spawn_opt(fn, arg, &o, out, NULL);
}

snow_pid snow_self(void)
{
    struct sk_proc *p = sk_proc_self();
    return p ? atomic_load_explicit(&p->pid, memory_order_relaxed) : SNOW_PID_NONE;
}

int sk_proc_deliver(snow_pid to, struct sk_msg *m)
{
    struct sk_proc *p = sk_pid_live(to);
    if (p == NULL) {
        sk_msg_free(m);
        return SNOW_ENOPROC;
    }
    m->to = to;
    sk_mbox_push(&p->mbox, m);
    sk_proc_wake(p);
    return 0;
}

int snow_send(snow_pid to, const snow_term *msg)
{
    if (msg == NULL || to == SNOW_PID_NONE)
        return SNOW_EINVAL;
#ifndef SNOW_BENCH_NO_REMOTE
    /* MSG-08: contrib/bench builds a bench-only copy of the kernel with
     * -DSNOW_BENCH_NO_REMOTE to measure what this one test costs. Never
     * defined in libsnow itself. */
    if (!snow_pid_is_local(to))
        return sk_route_send(snow_self(), to, msg);
#endif
    struct sk_msg *m = sk_msg_new(SK_MSG_DATA, to, snow_term_ref((snow_term *)msg));
    if (m == NULL) {
        snow_term_release((snow_term *)msg);
        return SNOW_ENOMEM;
    }
    sk_proc_deliver(to, m); /* a dead pid drops the message, as in Erlang */
    struct sk_proc *self = sk_proc_self();
    if (self)
        sk_proc_reduce(self, 1);
    return 0;
}

size_t snow_process_count(void) { return atomic_load(&sk_live); }

/* Sends `kind` (EXIT_LINK or DOWN) about the dying p to every local
 * watcher, and to remote ones through the router. */
static void proc_notify(snow_pid me, struct sk_monvec *mv, int kind, snow_term *reason)
{
    for (uint32_t i = 0; i < mv->n; i++) {
        snow_pid to = mv->v[i].pid;
        snow_ref ref = mv->v[i].ref;
        if (!snow_pid_is_local(to)) {
            if (kind == SK_MSG_DOWN)
                sk_route_down(me, to, ref, reason);
            else
                sk_route_exit(me, to, reason, true);
            continue;
        }
        struct sk_msg *m = sk_msg_new(kind, to, snow_term_ref(reason));
        if (m == NULL) {
            snow_term_release(reason);
            continue;
        }
        m->from = me;
        m->ref = ref;
        sk_proc_deliver(to, m);
    }
    mv->n = 0;
}

/* Removes the monitors p holds from their targets. */
static void proc_drop_monitoring(snow_pid me, struct sk_monvec *mv)
{
    for (uint32_t i = 0; i < mv->n; i++) {
        snow_pid target = mv->v[i].pid;
        if (!snow_pid_is_local(target)) {
            sk_route_demonitor(me, target, mv->v[i].ref);
            continue;
        }
        struct sk_proc *t = sk_pid_slot(target);
        if (t == NULL)
            continue;
        sk_lock_take(&t->lock);
        if (atomic_load(&t->pid) == target)
            sk_monvec_del(&t->monitored_by, mv->v[i].ref, me);
        sk_lock_give(&t->lock);
    }
    mv->n = 0;
}

void sk_proc_cleanup(struct sk_proc *p)
{
    struct sk_sched *s = p->sched;
    snow_pid me = atomic_load(&p->pid);
    snow_term *reason = p->reason ? p->reason : sk_atom.normal;
    p->reason = reason;

    /* After this, link/monitor/register/join see the process as dead. */
    sk_lock_take(&p->lock);
    p->alive = false;
    atomic_store(&p->state, SK_P_DEAD);
    struct sk_monvec links = p->links, mons = p->monitored_by;
    p->links = (struct sk_monvec){0};
    p->monitored_by = (struct sk_monvec){0};
    char *name = p->name;
    p->name = NULL;
    struct sk_joiner *joiners = p->joiners;
    p->joiners = NULL;
    sk_lock_give(&p->lock);
    /* Not live any more before anyone hears of the exit: a process that
     * received a down sees snow_process_count without the dead one. */
    sk_runtime_proc_gone();

    if (name) {
        sk_name_drop(name, me);
        free(name);
    }
    proc_notify(me, &links, SK_MSG_EXIT_LINK, reason);
    proc_notify(me, &mons, SK_MSG_DOWN, reason);
    sk_monvec_free(&links);
    sk_monvec_free(&mons);
    proc_drop_monitoring(me, &p->monitoring);
    sk_monvec_free(&p->monitoring);

    sk_mbox_clear(&p->mbox);
    snow_term_release(p->arg);
    p->arg = NULL;
    /* An overflowed stack (canary mode) may be corrupt: never reuse it. */
    if (!p->overflowed)
        sk_stack_free(&s->stacks, p->stack, p->stack_size);
    p->stack = NULL;
#ifdef SNOW_TSAN
    __tsan_destroy_fiber(p->tsan_fiber);
    p->tsan_fiber = NULL;
#endif
    bool joined = joiners != NULL;
    if (joiners)
        sk_join_notify(joiners, reason);
    if (p->joinable && !joined) {
        atomic_store(&p->state, SK_P_ZOMBIE); /* reason kept for snow_join */
    } else {
        snow_term_release(p->reason);
        p->reason = NULL;
        sk_pid_release(p);
    }
}
