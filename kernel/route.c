/* SPDX-License-Identifier: MIT */
/* Router hook for non-local pids (default: not connected) and inbound calls. */
#include "config.h"

#include "route.h"

#include <stdatomic.h>

#include <snow/snow.h>

#include "proc.h"

static int route_none_send(void *c, snow_pid f, snow_pid t, const snow_term *m)
{ (void)c; (void)f; (void)t; (void)m; return SNOW_ENOCONN; }
static int route_none_named(void *c, snow_pid f, const char *n, const char *node, const snow_term *m)
{ (void)c; (void)f; (void)n; (void)node; (void)m; return SNOW_ENOCONN; }
static int route_none_pair(void *c, snow_pid a, snow_pid b)
{ (void)c; (void)a; (void)b; return SNOW_ENOCONN; }
static int route_none_exit(void *c, snow_pid f, snow_pid t, const snow_term *r, bool l)
{ (void)c; (void)f; (void)t; (void)r; (void)l; return SNOW_ENOCONN; }
static int route_none_mon(void *c, snow_pid a, snow_pid b, snow_ref r)
{ (void)c; (void)a; (void)b; (void)r; return SNOW_ENOCONN; }
static int route_none_down(void *c, snow_pid a, snow_pid b, snow_ref r, const snow_term *t)
{ (void)c; (void)a; (void)b; (void)r; (void)t; return SNOW_ENOCONN; }

static const struct sk_router route_default = {
    .size = sizeof(struct sk_router),
    .send = route_none_send,
    .send_named = route_none_named,
    .link = route_none_pair,
    .unlink = route_none_pair,
    .exit = route_none_exit,
    .monitor = route_none_mon,
    .demonitor = route_none_mon,
    .down = route_none_down,
};

/* Two buffers so an install never rewrites the table a caller is reading. */
static struct sk_router route_tables[2];
static unsigned route_flip;
static _Atomic(const struct sk_router *) route_cur = &route_default;

int sk_router_install(const struct sk_router *r)
{
    if (r == NULL) {
        atomic_store(&route_cur, &route_default);
        return 0;
    }
    if (r->size < sizeof *r || !r->send || !r->send_named || !r->link || !r->unlink ||
        !r->exit || !r->monitor || !r->demonitor || !r->down)
        return SNOW_EINVAL;
    struct sk_router *slot = &route_tables[route_flip++ & 1];
    *slot = *r;
    atomic_store(&route_cur, slot);
    return 0;
}

static inline const struct sk_router *route(void) { return atomic_load(&route_cur); }

void sk_route_stop(void)
{
    const struct sk_router *r = route();
    if (r->stop)
        r->stop(r->ctx);
}

/* A remote send costs a reduction like a local one: a process that only
 * sends still yields, and its deferred flushes get posted. */
static int route_charge(int rc)
{
    struct sk_proc *self = sk_proc_self();
    if (self)
        sk_proc_reduce(self, 1);
    return rc;
}

int sk_route_send(snow_pid from, snow_pid to, const snow_term *msg)
{ const struct sk_router *r = route(); return route_charge(r->send(r->ctx, from, to, msg)); }
int sk_route_send_named(snow_pid from, const char *name, const char *node, const snow_term *msg)
{
    const struct sk_router *r = route();
    return route_charge(r->send_named(r->ctx, from, name, node, msg));
}
int sk_route_link(snow_pid local, snow_pid remote)
{ const struct sk_router *r = route(); return r->link(r->ctx, local, remote); }
int sk_route_unlink(snow_pid local, snow_pid remote)
{ const struct sk_router *r = route(); return r->unlink(r->ctx, local, remote); }
int sk_route_exit(snow_pid from, snow_pid to, const snow_term *reason, bool link)
{ const struct sk_router *r = route(); return r->exit(r->ctx, from, to, reason, link); }
int sk_route_monitor(snow_pid watcher, snow_pid target, snow_ref ref)
{ const struct sk_router *r = route(); return r->monitor(r->ctx, watcher, target, ref); }
int sk_route_demonitor(snow_pid watcher, snow_pid target, snow_ref ref)
{ const struct sk_router *r = route(); return r->demonitor(r->ctx, watcher, target, ref); }
int sk_route_down(snow_pid target, snow_pid watcher, snow_ref ref, const snow_term *reason)
{ const struct sk_router *r = route(); return r->down(r->ctx, target, watcher, ref, reason); }

/* ---- inbound ---- */

static int route_deliver(int kind, snow_pid to, snow_pid from, snow_ref ref, snow_term *t)
{
    if (t == NULL)
        return SNOW_EINVAL;
    if (!snow_pid_is_local(to)) {
        snow_term_release(t);
        return SNOW_EINVAL;
    }
    struct sk_msg *m = sk_msg_new(kind, to, t);
    if (m == NULL) {
        snow_term_release(t);
        return SNOW_ENOMEM;
    }
    m->from = from;
    m->ref = ref;
    return sk_proc_deliver(to, m);
}

int sk_deliver_msg(snow_pid to, snow_term *msg)
{
    return route_deliver(SK_MSG_DATA, to, SNOW_PID_NONE, SNOW_REF_NONE, msg);
}

int sk_deliver_exit(snow_pid from, snow_pid to, snow_term *reason, bool link)
{
    return route_deliver(link ? SK_MSG_EXIT_LINK : SK_MSG_EXIT, to, from, SNOW_REF_NONE, reason);
}

int sk_deliver_down(snow_pid watcher, snow_ref ref, snow_pid target, snow_term *reason)
{
    return route_deliver(SK_MSG_DOWN, watcher, target, ref, reason);
}

/* Adds or removes (ref, remote) in a live local process's set under its lock. */
static int route_half(snow_pid local, snow_pid remote, snow_ref ref, bool add, bool monitor)
{
    if (!snow_pid_is_local(local) || snow_pid_is_local(remote))
        return SNOW_EINVAL;
    struct sk_proc *p = sk_pid_slot(local);
    if (p == NULL)
        return SNOW_ENOPROC;
    int rc = SNOW_ENOPROC;
    sk_lock_take(&p->lock);
    if (atomic_load(&p->pid) == local && p->alive) {
        struct sk_monvec *mv = monitor ? &p->monitored_by : &p->links;
        if (add)
            rc = sk_monvec_add(mv, ref, remote);
        else
            rc = sk_monvec_del(mv, ref, remote) ? 0 : SNOW_ENOENT;
    }
    sk_lock_give(&p->lock);
    return rc;
}

int sk_link_add_remote(snow_pid local, snow_pid remote)
{ return route_half(local, remote, 0, true, false); }
int sk_link_remove_remote(snow_pid local, snow_pid remote)
{ return route_half(local, remote, 0, false, false); }
int sk_monitor_add_remote(snow_pid target, snow_pid watcher, snow_ref ref)
{ return route_half(target, watcher, ref, true, true); }
int sk_monitor_remove_remote(snow_pid target, snow_pid watcher, snow_ref ref)
{ return route_half(target, watcher, ref, false, true); }
