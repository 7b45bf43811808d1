/* SPDX-License-Identifier: MIT */
/* Remote pids: the runtime's router (outbound frames) and inbound frame dispatch. */
#include "dist.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <snow/node.h>
#include <snow/snow.h>
#include <snow/stf.h>

#include "dist_ft.h"
#include "dist_spawn.h"
#include "io_thread.h"
#include "log.h"
#include "route.h"
#include "services.h"
#include "stf.h"

/* ---- pid/ref translation for STF (node slot <-> node name + creation) ---- */

static int ids_to_wire(void *ctx, bool is_ref, uint64_t value, const char **node,
                       size_t *node_len, uint32_t *creation, uint64_t *id)
{
    (void)ctx; (void)is_ref;
    struct sk_node *n = sk_node_table_get((uint16_t)(value >> SNOW_NODE_SHIFT));
    if (n == NULL)
        return SNOW_ENONODE;
    *node = n->name;
    *node_len = strlen(n->name);
    *creation = n->creation;
    *id = value & SNOW_LOCAL_MASK;
    return 0;
}

static int ids_from_wire(void *ctx, bool is_ref, const char *node, size_t node_len,
                         uint32_t creation, uint64_t id, uint64_t *value)
{
    (void)ctx; (void)is_ref;
    if (id > SNOW_LOCAL_MASK || node_len == 0 || node_len > SK_NODE_NAME_MAX)
        return SNOW_EBADTERM;
    char name[SK_NODE_NAME_MAX + 1];
    memcpy(name, node, node_len);
    name[node_len] = '\0';
    if (creation == sk_dist.creation && strcmp(name, sk_dist.self.full) == 0) {
        *value = id;
        return 0;
    }
    /* another node, or an earlier incarnation of this one (FT-05): its own
     * slot, which never has a live connection if the incarnation is gone */
    uint16_t slot;
    int rc = sk_node_table_intern(name, creation, &slot);
    if (rc != 0)
        return rc;
    *value = ((uint64_t)slot << SNOW_NODE_SHIFT) | id;
    return 0;
}

static const struct snow_stf_ids route_ids = {
    .to_wire = ids_to_wire,
    .from_wire = ids_from_wire,
};

struct snow_stf_opts sk_dist_stf_opts(void)
{
    struct snow_stf_opts o = {.size = sizeof o, .max_size = sk_dist.max_frame, .ids = &route_ids};
    return o;
}

#define route_stf_opts sk_dist_stf_opts

/* ---- encoding a term on the sending thread ---- */

/* Small messages encode into a buffer on the caller's stack; one that ends
 * in a big string or binary leaves those bytes in the term (they are
 * copied once, into the node buffer); others encode into one exact-size
 * allocation (the size query comes from the first try). */
int sk_dist_encode(const snow_term *t, struct sk_dist_enc *e, char *err, size_t errlen)
{
    struct snow_stf_opts o = route_stf_opts();
    e->data = e->small;
    e->tail = NULL;
    e->tail_len = 0;
    if (sk_stf_encode_tail(t, &o, e->small, sizeof e->small, &e->len, &e->tail, &e->tail_len) == 0)
        return 0;
    int rc = snow_stf_encode_into(t, &o, e->small, sizeof e->small, &e->len, err, errlen);
    if (rc == SNOW_ERANGE) {
        e->data = malloc(e->len);
        if (e->data == NULL)
            return SNOW_ENOMEM;
        rc = snow_stf_encode_into(t, &o, e->data, e->len, &e->len, err, errlen);
    }
    return rc;
}

void sk_dist_enc_free(struct sk_dist_enc *e)
{
    if (e->data != e->small)
        free(e->data);
    e->data = NULL;
}

static int route_encode(const snow_term *t, struct sk_dist_enc *e)
{
    char err[256];
    int rc = sk_dist_encode(t, e, err, sizeof err);
    if (rc != 0 && rc != SNOW_ENOMEM)
        sk_log(SK_LOG_WARN, "SNOW-DIST-ENCODE", "message not sent: %s", err);
    return rc;
}

/* A sender that outruns the connection waits until the I/O thread has
 * drained the node's buffer (or the connection is gone: a stalled peer is
 * cut by the tick timeout). A process sleeps; a plain thread naps. */
static void route_backpressure(struct sk_node *n)
{
    if (sk_io_on_thread())
        return;
    while (sk_dout_busy(n)) {
        if (snow_self() != SNOW_PID_NONE) {
            snow_sleep(1);
        } else {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
}

static struct sk_node *route_node(snow_pid pid)
{
    return sk_node_table_get((uint16_t)snow_pid_node(pid));
}

/* ---- outbound: the router ---- */

static int route_send(void *ctx, snow_pid from, snow_pid to, const snow_term *msg)
{
    (void)ctx; (void)from;
    struct sk_node *n = route_node(to);
    if (n == NULL)
        return SNOW_ENOCONN;
    struct sk_dist_enc e;
    int rc = route_encode(msg, &e);
    if (rc == 0) {
        uint8_t head[8];
        sk_put_u64(head, to & SNOW_LOCAL_MASK);
        rc = sk_dout_enc(n, SK_F_SEND, head, sizeof head, &e);
    }
    sk_dist_enc_free(&e);
    route_backpressure(n);
    return rc;
}

static int route_send_named(void *ctx, snow_pid from, const char *name, const char *node,
                            const snow_term *msg)
{
    (void)ctx; (void)from;
    size_t nlen = strlen(name);
    if (nlen == 0 || nlen > 255)
        return SNOW_EINVAL;
    int slot = sk_node_table_find(node);
    if (slot < 0)
        return SNOW_ENOCONN;
    struct sk_dist_enc e;
    int rc = route_encode(msg, &e);
    /* the newest incarnation's slot is the one with the live connection */
    struct sk_node *n = sk_node_table_get((uint16_t)slot);
    if (rc == 0) {
        uint8_t head[256];
        head[0] = (uint8_t)nlen;
        memcpy(head + 1, name, nlen);
        rc = sk_dout_enc(n, SK_F_SEND_NAMED, head, 1 + nlen, &e);
    }
    sk_dist_enc_free(&e);
    route_backpressure(n);
    return rc;
}

/* A control frame of up to three ids, and optionally a term. */
static int route_ctl(snow_pid remote, unsigned type, uint64_t a, uint64_t b, uint64_t c,
                     int nids, uint8_t flags, bool with_flags, const snow_term *term)
{
    struct sk_node *n = route_node(remote);
    if (n == NULL)
        return SNOW_ENOCONN;
    uint8_t head[25];
    size_t h = 0;
    uint64_t ids[3] = {a, b, c};
    for (int i = 0; i < nids; i++, h += 8)
        sk_put_u64(head + h, ids[i] & SNOW_LOCAL_MASK);
    if (with_flags)
        head[h++] = flags;
    struct sk_dist_enc e = {.data = NULL, .len = 0, .tail = NULL, .tail_len = 0};
    if (term != NULL) {
        int rc = route_encode(term, &e);
        if (rc != 0) {
            sk_dist_enc_free(&e);
            return rc;
        }
    }
    int rc = sk_dout_enc(n, type, head, h, &e);
    if (term != NULL)
        sk_dist_enc_free(&e);
    return rc;
}

/* Links and monitors are recorded before their frame is queued, so a
 * connection lost in between still signals them (sk_ft_node_down). If the
 * node has no connection, the caller is answered as if the far side had
 * (noconnection, or noproc for a dead incarnation), unless node-down got
 * there first. */
static int route_tracked(struct sk_node *n, enum sk_ft_set set, bool monitor, uint64_t a,
                         uint64_t b, uint64_t c, int rc)
{
    if (rc == SNOW_ENOCONN) {
        if (n && sk_ft_remove(n, set, a, b, c)) {
            if (monitor)
                sk_ft_monitor_unreachable(a, b, c);
            else
                sk_ft_link_unreachable(a, b);
        }
        return 0;
    }
    if (rc != 0 && n)
        sk_ft_remove(n, set, a, b, c);
    return rc;
}

static int route_link(void *ctx, snow_pid local, snow_pid remote)
{
    (void)ctx;
    struct sk_node *n = route_node(remote);
    if (n)
        sk_ft_add(n, SK_FT_LINKS, local, remote, 0);
    int rc = route_ctl(remote, SK_F_LINK, local, remote, 0, 2, 0, false, NULL);
    return route_tracked(n, SK_FT_LINKS, false, local, remote, 0, n ? rc : SNOW_ENOCONN);
}

static int route_unlink(void *ctx, snow_pid local, snow_pid remote)
{
    (void)ctx;
    struct sk_node *n = route_node(remote);
    if (n)
        sk_ft_remove(n, SK_FT_LINKS, local, remote, 0);
    int rc = route_ctl(remote, SK_F_UNLINK, local, remote, 0, 2, 0, false, NULL);
    return rc == SNOW_ENOCONN ? 0 : rc;
}

static int route_exit(void *ctx, snow_pid from, snow_pid to, const snow_term *reason, bool link)
{
    (void)ctx;
    struct sk_node *n = route_node(to);
    if (n && link)
        sk_ft_remove(n, SK_FT_LINKS, from, to, 0);
    return route_ctl(to, SK_F_EXIT, from, to, 0, 2, link ? 1 : 0, true, reason);
}

static int route_monitor(void *ctx, snow_pid watcher, snow_pid target, snow_ref ref)
{
    (void)ctx;
    struct sk_node *n = route_node(target);
    if (n)
        sk_ft_add(n, SK_FT_MONS_OUT, watcher, target, ref);
    int rc = route_ctl(target, SK_F_MONITOR, watcher, target, ref, 3, 0, false, NULL);
    if (n == NULL) {
        sk_ft_monitor_unreachable(watcher, target, ref);
        return 0;
    }
    return route_tracked(n, SK_FT_MONS_OUT, true, watcher, target, ref, rc);
}

static int route_demonitor(void *ctx, snow_pid watcher, snow_pid target, snow_ref ref)
{
    (void)ctx;
    struct sk_node *n = route_node(target);
    if (n)
        sk_ft_remove(n, SK_FT_MONS_OUT, watcher, target, ref);
    int rc = route_ctl(target, SK_F_DEMONITOR, watcher, target, ref, 3, 0, false, NULL);
    return rc == SNOW_ENOCONN ? 0 : rc;
}

static int route_down(void *ctx, snow_pid target, snow_pid watcher, snow_ref ref,
                      const snow_term *reason)
{
    (void)ctx;
    struct sk_node *n = route_node(watcher);
    if (n)
        sk_ft_remove(n, SK_FT_MONS_IN, target, watcher, ref);
    int rc = route_ctl(watcher, SK_F_DOWN, target, watcher, ref, 3, 0, false, reason);
    return rc == SNOW_ENOCONN ? 0 : rc;
}

static void route_stop(void *ctx)
{
    (void)ctx;
    (void)snow_node_stop();
}

static const struct sk_router dist_router = {
    .size = sizeof(struct sk_router),
    .send = route_send,
    .send_named = route_send_named,
    .link = route_link,
    .unlink = route_unlink,
    .exit = route_exit,
    .monitor = route_monitor,
    .demonitor = route_demonitor,
    .down = route_down,
    .stop = route_stop,
};

void sk_dist_route_install(void)
{
    sk_dout_defer_enable(true);
    sk_router_install(&dist_router);
}

void sk_dist_route_uninstall(void)
{
    sk_router_install(NULL);
    sk_dout_defer_enable(false);
}

/* ---- inbound ---- */

int sk_dist_bad_frame(snow_conn *c, unsigned type, const char *what)
{
    sk_log(SK_LOG_WARN, "SNOW-DIST-BADFRAME", "peer %s (%s): %s frame: %s", c->peer_name,
           c->peer_text, sk_frame_type_name(type), what);
    sk_dconn_close(c, SNOW_EPROTO, "malformed %s frame: %s", sk_frame_type_name(type), what);
    return SNOW_ECLOSED;
}

/* Decodes a trailing STF term; on failure closes c (untrusted input). */
int sk_dist_frame_term(snow_conn *c, unsigned type, const uint8_t *p, size_t len,
                       snow_term **out)
{
    struct snow_stf_opts o = route_stf_opts();
    char err[256];
    int rc = snow_stf_decode(p, len, &o, out, err, sizeof err);
    if (rc != 0) {
        sk_log(SK_LOG_WARN, "SNOW-DIST-BADTERM", "peer %s (%s): %s frame: %s: %s",
               c->peer_name, c->peer_text, sk_frame_type_name(type), snow_strerror_name(rc),
               err);
        sk_dconn_close(c, rc, "undecodable term in %s frame", sk_frame_type_name(type));
        return SNOW_ECLOSED;
    }
    return 0;
}

static snow_term *reason_atom(const char *name)
{
    return snow_atom(name);
}

/* Messages decoded on the I/O thread, handed over in runs per receiver. */
static struct sk_deliver_batch route_batch;

void sk_dist_dispatch_flush(void)
{
    if (route_batch.n > 0)
        sk_deliver_batch_flush(&route_batch);
}

/* A large message goes out at once: its receiver can work on it while the
 * I/O thread decodes the next (measured: 64 KiB messages held in runs ran
 * at half the rate). */
#define ROUTE_BATCH_BIG 4096
static void route_batch_cut(size_t frame_len)
{
    if (frame_len >= ROUTE_BATCH_BIG)
        sk_dist_dispatch_flush();
}

int sk_dist_dispatch(snow_conn *c, unsigned type, const uint8_t *body, size_t len)
{
    uint64_t remote_slot = (uint64_t)c->node->slot << SNOW_NODE_SHIFT;
    struct sk_reader r;
    sk_reader_init(&r, body, len);
    snow_term *t = NULL;
    if (type != SK_F_SEND && type != SK_F_SEND_NAMED)
        sk_dist_dispatch_flush(); /* messages before signals, as they were sent */
    switch (type) {
    case SK_F_SEND: {
        uint64_t to = sk_read_u64(&r);
        if (r.bad || to > SNOW_LOCAL_MASK)
            return sk_dist_bad_frame(c, type, "bad destination");
        if (sk_dist_frame_term(c, type, r.p, r.left, &t) != 0)
            return SNOW_ECLOSED;
        sk_deliver_batch_add(&route_batch, to, t); /* a dead pid drops it, as in Erlang */
        route_batch_cut(len);
        return 0;
    }
    case SK_F_SEND_NAMED: {
        uint8_t nl = sk_read_u8(&r);
        const uint8_t *name = sk_reader_take(&r, nl);
        if (r.bad || nl == 0)
            return sk_dist_bad_frame(c, type, "bad name");
        char nbuf[256];
        memcpy(nbuf, name, nl);
        nbuf[nl] = '\0';
        if (sk_dist_frame_term(c, type, r.p, r.left, &t) != 0)
            return SNOW_ECLOSED;
        sk_deliver_batch_named(&route_batch, nbuf, t);
        route_batch_cut(len);
        return 0;
    }
    case SK_F_LINK:
    case SK_F_UNLINK: {
        uint64_t from = sk_read_u64(&r), to = sk_read_u64(&r);
        if (r.bad || r.left || from > SNOW_LOCAL_MASK || to > SNOW_LOCAL_MASK)
            return sk_dist_bad_frame(c, type, "bad ids");
        if (type == SK_F_UNLINK) {
            sk_ft_remove(c->node, SK_FT_LINKS, to, remote_slot | from, 0);
            sk_link_remove_remote(to, remote_slot | from);
            return 0;
        }
        if (sk_link_add_remote(to, remote_slot | from) == SNOW_ENOPROC)
            route_ctl(remote_slot | from, SK_F_EXIT, to, remote_slot | from, 0, 2, 1, true,
                      reason_atom("noproc"));
        else
            sk_ft_add(c->node, SK_FT_LINKS, to, remote_slot | from, 0);
        return 0;
    }
    case SK_F_EXIT: {
        uint64_t from = sk_read_u64(&r), to = sk_read_u64(&r);
        uint8_t flags = sk_read_u8(&r);
        if (r.bad || from > SNOW_LOCAL_MASK || to > SNOW_LOCAL_MASK)
            return sk_dist_bad_frame(c, type, "bad ids");
        if (sk_dist_frame_term(c, type, r.p, r.left, &t) != 0)
            return SNOW_ECLOSED;
        if (flags & 1)
            sk_ft_remove(c->node, SK_FT_LINKS, to, remote_slot | from, 0);
        sk_deliver_exit(remote_slot | from, to, t, (flags & 1) != 0);
        return 0;
    }
    case SK_F_MONITOR:
    case SK_F_DEMONITOR: {
        uint64_t watcher = sk_read_u64(&r), target = sk_read_u64(&r), ref = sk_read_u64(&r);
        if (r.bad || r.left || watcher > SNOW_LOCAL_MASK || target > SNOW_LOCAL_MASK ||
            ref > SNOW_LOCAL_MASK)
            return sk_dist_bad_frame(c, type, "bad ids");
        snow_pid w = remote_slot | watcher;
        snow_ref rf = remote_slot | ref;
        if (type == SK_F_DEMONITOR) {
            sk_ft_remove(c->node, SK_FT_MONS_IN, target, w, rf);
            sk_monitor_remove_remote(target, w, rf);
            return 0;
        }
        if (sk_monitor_add_remote(target, w, rf) == SNOW_ENOPROC)
            route_ctl(w, SK_F_DOWN, target, w, rf, 3, 0, false, reason_atom("noproc"));
        else
            sk_ft_add(c->node, SK_FT_MONS_IN, target, w, rf);
        return 0;
    }
    case SK_F_DOWN: {
        uint64_t target = sk_read_u64(&r), watcher = sk_read_u64(&r), ref = sk_read_u64(&r);
        if (r.bad || watcher > SNOW_LOCAL_MASK || target > SNOW_LOCAL_MASK ||
            ref > SNOW_LOCAL_MASK)
            return sk_dist_bad_frame(c, type, "bad ids");
        if (sk_dist_frame_term(c, type, r.p, r.left, &t) != 0)
            return SNOW_ECLOSED;
        sk_ft_remove(c->node, SK_FT_MONS_OUT, watcher, remote_slot | target, ref);
        sk_deliver_down(watcher, ref, remote_slot | target, t);
        return 0;
    }
    case SK_F_PEERS:
        return sk_dist_on_peers(c, body, len);
    case SK_F_CHANNEL:
        return sk_dist_on_channel(c, body, len);
    case SK_F_SPAWN_REQ:
        return sk_dspawn_on_request(c, body, len);
    case SK_F_SPAWN_REPLY:
        return sk_dspawn_on_reply(c, body, len);
    default:
        return sk_dist_bad_frame(c, type, "not expected on an established connection");
    }
}

/* ---- plugin channels on the wire ---- */

int sk_dist_channel_send(const char *channel, const char *node, const void *data, size_t len)
{
    int slot = node ? sk_node_table_find(node) : -1;
    if (slot < 0)
        return SNOW_ENOCONN;
    size_t nl = strlen(channel);
    if (nl == 0 || nl > 255)
        return SNOW_EINVAL;
    if (len > sk_dist.max_frame - 2 - nl)
        return SNOW_EMSGSIZE;
    uint8_t head[256];
    head[0] = (uint8_t)nl;
    memcpy(head + 1, channel, nl);
    return sk_dout_frame(sk_node_table_get((uint16_t)slot), SK_F_CHANNEL, head, 1 + nl, data,
                         len);
}

int sk_dist_on_channel(snow_conn *c, const uint8_t *body, size_t len)
{
    struct sk_reader r;
    sk_reader_init(&r, body, len);
    uint8_t nl = sk_read_u8(&r);
    const uint8_t *name = sk_reader_take(&r, nl);
    if (r.bad || nl == 0)
        return sk_dist_bad_frame(c, SK_F_CHANNEL, "bad channel name");
    char nbuf[256];
    memcpy(nbuf, name, nl);
    nbuf[nl] = '\0';
    if (sk_services_channel_deliver(nbuf, c->peer_name, r.p, r.left) == SNOW_ENOENT)
        sk_log(SK_LOG_DEBUG, "SNOW-CHANNEL-NONE",
               "dropped %zu bytes from %s for channel %s (not open here)", r.left,
               c->peer_name, nbuf);
    return 0;
}
