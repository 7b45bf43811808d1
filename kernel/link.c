/* SPDX-License-Identifier: MIT */
/* Links, exit signals, trap_exit, snow_exit and snow_kill. */
#include "config.h"

#include <stdlib.h>

#include "proc.h"
#include "route.h"

int sk_monvec_add(struct sk_monvec *mv, snow_ref ref, snow_pid pid)
{
    if (ref == SNOW_REF_NONE)
        for (uint32_t i = 0; i < mv->n; i++)
            if (mv->v[i].ref == 0 && mv->v[i].pid == pid)
                return 0; /* links are a set */
    if (mv->n == mv->cap) {
        uint32_t cap = mv->cap ? mv->cap * 2 : 2;
        struct sk_mon *v = realloc(mv->v, cap * sizeof *v);
        if (v == NULL)
            return SNOW_ENOMEM;
        mv->v = v;
        mv->cap = cap;
    }
    mv->v[mv->n++] = (struct sk_mon){.ref = ref, .pid = pid};
    return 0;
}

static void monvec_cut(struct sk_monvec *mv, uint32_t i)
{
    mv->v[i] = mv->v[--mv->n];
}

bool sk_monvec_del(struct sk_monvec *mv, snow_ref ref, snow_pid pid)
{
    for (uint32_t i = 0; i < mv->n; i++)
        if (mv->v[i].ref == ref && mv->v[i].pid == pid) {
            monvec_cut(mv, i);
            return true;
        }
    return false;
}

bool sk_monvec_del_ref(struct sk_monvec *mv, snow_ref ref, snow_pid *pid)
{
    for (uint32_t i = 0; i < mv->n; i++)
        if (mv->v[i].ref == ref) {
            if (pid)
                *pid = mv->v[i].pid;
            monvec_cut(mv, i);
            return true;
        }
    return false;
}

void sk_monvec_free(struct sk_monvec *mv)
{
    free(mv->v);
    *mv = (struct sk_monvec){0};
}

/* Acts on an exit signal in the receiving process's own context. */
void sk_proc_exit_signal(struct sk_proc *p, struct sk_msg *m)
{
    if (m->kind == SK_MSG_EXIT_LINK) {
        sk_lock_take(&p->lock);
        bool linked = sk_monvec_del(&p->links, 0, m->from);
        sk_lock_give(&p->lock);
        if (!linked) {
            sk_msg_free(m); /* unlinked meanwhile */
            return;
        }
    }
    snow_term *reason = m->term;
    if (m->kind == SK_MSG_EXIT_FORCE) {
        m->term = NULL;
        sk_msg_free(m);
        sk_proc_exit(p, reason);
    }
    if (m->kind == SK_MSG_EXIT && snow_term_equal(reason, sk_atom.kill)) {
        sk_msg_free(m);
        sk_proc_exit(p, sk_atom.killed);
    }
    if (p->trap_exit) {
        snow_term *t = snow_tuple(3, sk_atom.exit, snow_pid_term(m->from), reason);
        m->term = t;
        m->kind = SK_MSG_DATA;
        if (t == NULL) {
            sk_msg_free(m);
            sk_proc_exit(p, sk_atom.nomem);
        }
        sk_mbox_keep(&p->mbox, m);
        return;
    }
    if (snow_term_equal(reason, sk_atom.normal)) {
        sk_msg_free(m);
        return;
    }
    m->term = NULL;
    sk_msg_free(m);
    sk_proc_exit(p, reason);
}

int snow_exit(snow_term *reason)
{
    struct sk_proc *p = sk_proc_self();
    if (p == NULL) {
        snow_term_release(reason);
        return SNOW_ENOTPROC;
    }
    sk_proc_exit(p, reason ? reason : sk_atom.normal);
}

int snow_kill(snow_pid pid, const snow_term *reason)
{
    if (pid == SNOW_PID_NONE || reason == NULL)
        return SNOW_EINVAL;
    snow_pid me = snow_self();
    if (!snow_pid_is_local(pid))
        return sk_route_exit(me, pid, reason, false);
    struct sk_msg *m = sk_msg_new(SK_MSG_EXIT, pid, snow_term_ref((snow_term *)reason));
    if (m == NULL) {
        snow_term_release((snow_term *)reason);
        return SNOW_ENOMEM;
    }
    m->from = me;
    if (pid == me) {
        /* A signal to oneself acts now (it may not return). */
        sk_proc_exit_signal(sk_proc_self(), m);
        return 0;
    }
    sk_proc_deliver(pid, m); /* exit to a dead pid: nothing happens */
    return 0;
}

int snow_trap_exit(bool on, bool *old)
{
    struct sk_proc *p = sk_proc_self();
    if (p == NULL)
        return SNOW_ENOTPROC;
    if (old)
        *old = p->trap_exit;
    p->trap_exit = on;
    return 0;
}

int snow_link(snow_pid pid)
{
    struct sk_proc *p = sk_proc_self();
    if (p == NULL)
        return SNOW_ENOTPROC;
    if (pid == SNOW_PID_NONE)
        return SNOW_EINVAL;
    snow_pid me = atomic_load(&p->pid);
    if (pid == me)
        return 0;
    int rc;
    if (!snow_pid_is_local(pid)) {
        sk_lock_take(&p->lock);
        rc = sk_monvec_add(&p->links, 0, pid);
        sk_lock_give(&p->lock);
        if (rc == 0 && (rc = sk_route_link(me, pid)) < 0) {
            sk_lock_take(&p->lock);
            sk_monvec_del(&p->links, 0, pid);
            sk_lock_give(&p->lock);
        }
        return rc;
    }
    struct sk_proc *t = sk_pid_slot(pid);
    bool alive = false;
    rc = 0;
    if (t) {
        sk_lock_take(&t->lock);
        if (atomic_load(&t->pid) == pid && t->alive) {
            alive = true;
            rc = sk_monvec_add(&t->links, 0, me);
        }
        sk_lock_give(&t->lock);
    }
    if (rc < 0)
        return rc;
    if (!alive) {
        /* Erlang: linking to a dead process sends the caller `noproc`. */
        struct sk_msg *m = sk_msg_new(SK_MSG_EXIT, me, sk_atom.noproc);
        if (m == NULL)
            return SNOW_ENOMEM;
        m->from = pid;
        sk_proc_exit_signal(p, m);
        return 0;
    }
    sk_lock_take(&p->lock);
    rc = sk_monvec_add(&p->links, 0, pid);
    sk_lock_give(&p->lock);
    return rc;
}

int snow_unlink(snow_pid pid)
{
    struct sk_proc *p = sk_proc_self();
    if (p == NULL)
        return SNOW_ENOTPROC;
    if (pid == SNOW_PID_NONE)
        return SNOW_EINVAL;
    snow_pid me = atomic_load(&p->pid);
    sk_lock_take(&p->lock);
    bool had = sk_monvec_del(&p->links, 0, pid);
    sk_lock_give(&p->lock);
    if (!snow_pid_is_local(pid))
        return had ? sk_route_unlink(me, pid) : 0;
    struct sk_proc *t = sk_pid_slot(pid);
    if (t) {
        sk_lock_take(&t->lock);
        if (atomic_load(&t->pid) == pid)
            sk_monvec_del(&t->links, 0, me);
        sk_lock_give(&t->lock);
    }
    return 0;
}
