/* SPDX-License-Identifier: MIT */
/* Monitors: snow_monitor, snow_demonitor, down signals, references. */
#include "config.h"

#include <stdatomic.h>

#include "proc.h"
#include "route.h"

static _Atomic uint64_t monitor_refs = 1;

snow_ref snow_make_ref(void)
{
    /* Node slot 0 (this node); the dist layer names the node on the wire. */
    return atomic_fetch_add_explicit(&monitor_refs, 1, memory_order_relaxed) & SNOW_LOCAL_MASK;
}

/* A DOWN node reached its watcher: a message unless demonitored. */
void sk_proc_down_signal(struct sk_proc *p, struct sk_msg *m)
{
    if (!sk_monvec_del_ref(&p->monitoring, m->ref, NULL)) {
        sk_msg_free(m);
        return;
    }
    snow_term *t = snow_tuple(4, sk_atom.down, snow_ref_term(m->ref), snow_pid_term(m->from),
                              m->term);
    m->term = t;
    m->kind = SK_MSG_DATA;
    if (t == NULL) {
        sk_msg_free(m);
        sk_proc_exit(p, sk_atom.nomem);
    }
    sk_mbox_keep(&p->mbox, m);
}

int snow_monitor(snow_pid pid, snow_ref *ref)
{
    struct sk_proc *p = sk_proc_self();
    if (p == NULL)
        return SNOW_ENOTPROC;
    if (pid == SNOW_PID_NONE || ref == NULL)
        return SNOW_EINVAL;
    snow_pid me = atomic_load(&p->pid);
    snow_ref r = snow_make_ref();
    int rc = sk_monvec_add(&p->monitoring, r, pid);
    if (rc < 0)
        return rc;
    if (!snow_pid_is_local(pid)) {
        if ((rc = sk_route_monitor(me, pid, r)) < 0) {
            sk_monvec_del_ref(&p->monitoring, r, NULL);
            return rc;
        }
        *ref = r;
        return 0;
    }
    bool alive = false;
    struct sk_proc *t = sk_pid_slot(pid);
    if (t) {
        sk_lock_take(&t->lock);
        if (atomic_load(&t->pid) == pid && t->alive) {
            alive = true;
            rc = sk_monvec_add(&t->monitored_by, r, me);
        }
        sk_lock_give(&t->lock);
    }
    if (rc < 0) {
        sk_monvec_del_ref(&p->monitoring, r, NULL);
        return rc;
    }
    if (!alive) {
        /* Already dead: {down, Ref, Pid, noproc} at once, in order. */
        struct sk_msg *m = sk_msg_new(SK_MSG_DOWN, me, sk_atom.noproc);
        if (m == NULL) {
            sk_monvec_del_ref(&p->monitoring, r, NULL);
            return SNOW_ENOMEM;
        }
        m->from = pid;
        m->ref = r;
        sk_proc_down_signal(p, m);
    }
    *ref = r;
    return 0;
}

static bool monitor_is_down_for(const snow_term *msg, void *ctx)
{
    snow_ref want = *(const snow_ref *)ctx, got;
    const snow_term *e;
    return snow_term_is_tuple_tagged(msg, 4, "down") && snow_term_elem(msg, 1, &e) == 0 &&
           snow_term_ref_value(e, &got) == 0 && got == want;
}

int snow_demonitor(snow_ref ref, unsigned flags)
{
    struct sk_proc *p = sk_proc_self();
    if (p == NULL)
        return SNOW_ENOTPROC;
    if (ref == SNOW_REF_NONE || (flags & ~SNOW_DEMONITOR_FLUSH))
        return SNOW_EINVAL;
    snow_pid me = atomic_load(&p->pid), target;
    if (sk_monvec_del_ref(&p->monitoring, ref, &target)) {
        if (!snow_pid_is_local(target)) {
            sk_route_demonitor(me, target, ref);
        } else {
            struct sk_proc *t = sk_pid_slot(target);
            if (t) {
                sk_lock_take(&t->lock);
                if (atomic_load(&t->pid) == target)
                    sk_monvec_del(&t->monitored_by, ref, me);
                sk_lock_give(&t->lock);
            }
        }
    }
    if (flags & SNOW_DEMONITOR_FLUSH) {
        /* A down already converted to a message is removed; one still in
         * flight is dropped on arrival (the monitor entry is gone). */
        snow_term *m;
        if (snow_receive_match(monitor_is_down_for, &ref, 0, &m) == 0)
            snow_term_release(m);
    }
    return 0;
}
