/* SPDX-License-Identifier: MIT */
/* The seam between the local runtime and the distribution layer. */
#ifndef SK_ROUTE_H
#define SK_ROUTE_H

/*
 * READ THIS IF YOU BUILD DISTRIBUTION. It is the whole contract.
 *
 * Pids and refs: the upper 16 bits are the node slot (include/snow/types.h).
 * Slot 0 is this node. snow_pid_is_local() is the one test the kernel makes;
 * every operation on a non-local pid goes OUT through the router below, and
 * the dist layer feeds remote events IN through the sk_deliver_* / sk_*_remote
 * calls further down. The local fast path never touches the router.
 *
 * OUTBOUND: struct sk_router. Install one with sk_router_install() (before
 * or after snow_init; NULL restores the default, which returns
 * SNOW_ENOCONN from every slot). Slots are called on ANY thread (scheduler
 * threads, plain threads), possibly concurrently, and must not block for
 * long: queue the work for the I/O thread and return. Terms passed in are
 * BORROWED: take snow_term_ref() (or encode at once) to keep them.
 *
 *   send(ctx, from, to, msg)            a message for remote pid `to`.
 *                                       from = sender or SNOW_PID_NONE.
 *   send_named(ctx, from, name, node, msg)  snow_send_named with node != NULL.
 *   link(ctx, local, remote)            local process linked to remote:
 *                                       tell the remote node to add the
 *                                       remote half. The kernel already holds
 *                                       `remote` in local's link set.
 *   unlink(ctx, local, remote)          the local half is gone already.
 *   exit(ctx, from, to, reason, link)   an exit signal from local `from` to
 *                                       remote `to`: link=true when `from`
 *                                       died and was linked to `to`;
 *                                       link=false for snow_kill(to, reason).
 *   monitor(ctx, watcher, target, ref)  local watcher monitors remote target.
 *                                       The kernel holds (ref, target) in the
 *                                       watcher's monitor set. If the node is
 *                                       unreachable, return an error: the
 *                                       kernel then fails snow_monitor.
 *                                       (For a connection that dies later,
 *                                       deliver `down` with noconnection.)
 *   demonitor(ctx, watcher, target, ref) the watcher dropped the monitor (or
 *                                       died).
 *   down(ctx, target, watcher, ref, reason) local `target` died and remote
 *                                       `watcher` monitored it with `ref`.
 *   stop(ctx)                           optional (may be NULL): snow_shutdown
 *                                       calls it first, on the calling plain
 *                                       thread, so the dist layer stops its
 *                                       node (and I/O thread) while the
 *                                       schedulers still run.
 *
 * A return value other than 0 is handed back to the caller of the public
 * call where there is one (snow_send, snow_link, snow_kill, snow_monitor,
 * snow_unlink, snow_demonitor); from an exiting process it is ignored.
 *
 * INBOUND: call these from any thread (usually the I/O thread). They never
 * block and never call the router back synchronously.
 */

#include <stdbool.h>
#include <stddef.h>

#include <snow/snow.h>
#include <snow/term.h>
#include <snow/types.h>

struct sk_router {
    size_t size; /* sizeof(struct sk_router) as the installer compiled it */
    void *ctx;
    int (*send)(void *ctx, snow_pid from, snow_pid to, const snow_term *msg);
    int (*send_named)(void *ctx, snow_pid from, const char *name, const char *node,
                      const snow_term *msg);
    int (*link)(void *ctx, snow_pid local, snow_pid remote);
    int (*unlink)(void *ctx, snow_pid local, snow_pid remote);
    int (*exit)(void *ctx, snow_pid from, snow_pid to, const snow_term *reason, bool link);
    int (*monitor)(void *ctx, snow_pid watcher, snow_pid target, snow_ref ref);
    int (*demonitor)(void *ctx, snow_pid watcher, snow_pid target, snow_ref ref);
    int (*down)(void *ctx, snow_pid target, snow_pid watcher, snow_ref ref,
                const snow_term *reason);
    void (*stop)(void *ctx);
};

/* Installs `r` (copied; NULL = the default). Every slot must be non-NULL.
 * Returns 0 or SNOW_EINVAL. Not synchronised with calls in flight: install
 * before the first remote pid exists and uninstall after the last use. */
int sk_router_install(const struct sk_router *r);

/* ---- inbound: remote events for local processes ----
 * All take `to`/`local` as a LOCAL pid and STEAL the term they are given
 * (released on every path, including errors).
 * SNOW_ENOPROC means no live local process has that pid; the dist layer then
 * answers the remote side (exit noproc for a link, down noproc for a
 * monitor) where Erlang would. */

/* A message from a remote process. */
int sk_deliver_msg(snow_pid to, snow_term *msg);
/* The same, collected into runs per receiver (kernel/deliver_batch.c):
 * add steals msg (a dead or unknown receiver drops it, as in Erlang;
 * named resolves the name now, SNOW_ENOPROC if nothing has it);
 * flush delivers every run. Flush before delivering anything else (a
 * signal, a spawn) so each sender's order holds; one batch per thread. */
#define SK_BATCH_DESTS 8
struct sk_msg;
struct sk_batch_dest {
    snow_pid to;
    struct sk_msg *first, *last;
    unsigned n;
};
struct sk_deliver_batch {
    unsigned n;
    struct sk_batch_dest dest[SK_BATCH_DESTS];
};
int sk_deliver_batch_add(struct sk_deliver_batch *b, snow_pid to, snow_term *msg);
int sk_deliver_batch_named(struct sk_deliver_batch *b, const char *name, snow_term *msg);
void sk_deliver_batch_flush(struct sk_deliver_batch *b);
/* An exit signal from remote `from`. link=true: `from` was linked and died
 * (the local half of the link is removed; ignored if no longer linked);
 * link=false: an exit/2-style signal (reason `kill` is untrappable). Use
 * link=true with reason `noconnection` for each link lost with a node. */
int sk_deliver_exit(snow_pid from, snow_pid to, snow_term *reason, bool link);
/* A monitor the local `watcher` holds on remote `target` fired (also with
 * `noconnection` when the node went down). Ignored if already demonitored. */
int sk_deliver_down(snow_pid watcher, snow_ref ref, snow_pid target, snow_term *reason);
/* The remote half of a link or monitor, requested by a remote process. */
int sk_link_add_remote(snow_pid local, snow_pid remote);
int sk_link_remove_remote(snow_pid local, snow_pid remote);
int sk_monitor_add_remote(snow_pid target, snow_pid watcher, snow_ref ref);
int sk_monitor_remove_remote(snow_pid target, snow_pid watcher, snow_ref ref);

/* ---- remote spawn (proc.c) ----
 * Spawns fn(arg) on behalf of another node (remote spawn, dist_spawn.c).
 * The child is never joinable (nobody on this node waits for it). If
 * link_to is not SNOW_PID_NONE (a remote pid), the child starts linked to
 * it: the link is in the child's set before it can run its first
 * instruction. before_run (may be NULL) is called with the new pid before
 * the child is queued; it must not block. Any thread. Returns 0,
 * SNOW_EINVAL, SNOW_ESTATE, SNOW_ELIMIT, SNOW_ENOMEM. */
int sk_proc_spawn_for(snow_proc_fn fn, const snow_term *arg, snow_pid link_to,
                      void (*before_run)(void *ctx, snow_pid pid), void *ctx, snow_pid *out);

/* ---- kernel-side wrappers (call the installed router) ---- */
void sk_route_stop(void);
int sk_route_send(snow_pid from, snow_pid to, const snow_term *msg);
int sk_route_send_named(snow_pid from, const char *name, const char *node, const snow_term *msg);
int sk_route_link(snow_pid local, snow_pid remote);
int sk_route_unlink(snow_pid local, snow_pid remote);
int sk_route_exit(snow_pid from, snow_pid to, const snow_term *reason, bool link);
int sk_route_monitor(snow_pid watcher, snow_pid target, snow_ref ref);
int sk_route_demonitor(snow_pid watcher, snow_pid target, snow_ref ref);
int sk_route_down(snow_pid target, snow_pid watcher, snow_ref ref, const snow_term *reason);

#endif /* SK_ROUTE_H */
