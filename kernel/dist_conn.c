/* SPDX-License-Identifier: MIT */
/* Node connections: allocation, the handshake (hello, auth, ready), closing. */
#include "dist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist_plugins.h"
#include "dist_wait.h"
#include "io_thread.h"
#include "log.h"

struct sk_dist sk_dist;

/* ---- allocation and the connection list ---- */

snow_conn *sk_dconn_alloc(bool initiator)
{
    size_t head = (sizeof(struct snow_conn) + 15) & ~(size_t)15;
    snow_conn *c = calloc(1, head + sk_dp_conn_state_size());
    if (c == NULL)
        return NULL;
    c->cs = (char *)c + head;
    c->initiator = initiator;
    c->state = SK_CONN_CONNECTING;
    c->started_ns = c->last_recv_ns = c->last_send_ns = sk_now_ns();
    sk_frame_parser_init(&c->parser, sk_dist.max_frame);
    strcpy(c->peer_text, "?");
    c->next = sk_dist.conns;
    if (sk_dist.conns)
        sk_dist.conns->prev = c;
    sk_dist.conns = c;
    return c;
}

static void dconn_unlink(snow_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        sk_dist.conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->next = c->prev = NULL;
}

static void dconn_free(snow_conn *c)
{
    sk_frame_parser_free(&c->parser);
    sk_buf_free(&c->wbuf);
    free(c);
}

snow_conn *sk_dconn_find(const char *name, bool up_only)
{
    for (snow_conn *c = sk_dist.conns; c; c = c->next) {
        if (c->state == SK_CONN_CLOSED)
            continue;
        if (up_only && c->state != SK_CONN_UP)
            continue;
        const char *n = c->hello_received ? c->peer_name : c->dial_name;
        if (strcmp(n, name) == 0)
            return c;
    }
    return NULL;
}

/* ---- closing ---- */

/* The transport close runs from the I/O loop, never from inside a callback
 * the transport is still in (plugin.h: close is deferred). */
static void dconn_close_job(void *arg)
{
    snow_conn *c = arg;
    sk_dp_close(c, c->cs);
    dconn_free(c);
}

static void dconn_finish(snow_conn *c, int code, const char *reason, bool transport_open)
{
    if (c->state == SK_CONN_CLOSED)
        return;
    enum sk_conn_state was = c->state;
    c->state = SK_CONN_CLOSED;
    sk_dist_dispatch_flush(); /* what arrived before the loss comes first */
    if (c->auth_hs) {
        sk_dp_auth_end(c->auth_hs);
        c->auth_hs = NULL;
    }
    if (was == SK_CONN_UP)
        sk_dist_node_down(c, code, reason);
    /* The peer closed a handshake it had answered: most likely the loser of
     * a simultaneous dial, the winner being on its way. Its callers wait
     * for that node a little longer instead of failing. */
    if (was != SK_CONN_UP && code == SNOW_ECLOSED && c->hello_received && c->waiters)
        sk_dist_park_waiters(c->peer_name, &c->waiters);
    sk_dwait_complete_all(&c->waiters, code);
    dconn_unlink(c);
    if (transport_open) {
        if (sk_io_post(dconn_close_job, c) != 0)
            dconn_close_job(c); /* loop stopping: nothing else runs now */
    } else {
        dconn_free(c);
    }
}

void sk_dconn_close(snow_conn *c, int code, const char *fmt, ...)
{
    if (c->state == SK_CONN_CLOSED)
        return;
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    const char *who = c->hello_received ? c->peer_name : c->dial_name[0] ? c->dial_name : "?";
    sk_log(c->state == SK_CONN_UP ? SK_LOG_INFO : SK_LOG_WARN, "SNOW-DIST-CLOSE",
           "connection to %s (%s) closed: %s: %s", who, c->peer_text, snow_strerror_name(code),
           reason);
    dconn_finish(c, code, reason, true);
}

/* ---- sending handshake frames ---- */

int sk_dconn_send_frame(snow_conn *c, unsigned type, const void *a, size_t alen,
                        const void *b, size_t blen)
{
    uint8_t hdr[SK_FRAME_HDR];
    sk_frame_header(hdr, type, alen + blen);
    struct snow_iov iov[3] = {{hdr, sizeof hdr}, {a, alen}, {b, blen}};
    int rc = sk_dp_send(c, c->cs, iov, 3);
    if (rc < 0)
        return rc;
    c->tp_queued = (size_t)rc;
    c->last_send_ns = sk_now_ns();
    sk_dp_flush(c, c->cs);
    return 0;
}

static int dconn_send_hello(snow_conn *c)
{
    uint8_t body[2 + 4 + 4 + 1 + SK_NODE_NAME_MAX + 1 + SK_ADDR_MAX];
    size_t o = 0;
    size_t nlen = strlen(sk_dist.self.full), llen = strlen(sk_dist.listen_addr);
    if (llen > 255)
        llen = 255;
    sk_put_u16(body + o, SK_DIST_VERSION); o += 2;
    sk_put_u32(body + o, 0); o += 4; /* flags: none defined in version 1 */
    sk_put_u32(body + o, sk_dist.creation); o += 4;
    body[o++] = (uint8_t)nlen;
    memcpy(body + o, sk_dist.self.full, nlen); o += nlen;
    body[o++] = (uint8_t)llen;
    memcpy(body + o, sk_dist.listen_addr, llen); o += llen;
    return sk_dconn_send_frame(c, SK_F_HELLO, body, o, NULL, 0);
}

/* ---- handshake steps ---- */

/* ---- waiters parked while a node's surviving connection comes up ---- */

struct parked {
    struct parked *next;
    char name[SK_NODE_NAME_MAX + 1];
    int64_t deadline_ns;
    struct sk_dwait *waiters;
};

static struct parked *parked;

void sk_dist_park_waiters(const char *name, struct sk_dwait **waiters)
{
    snow_conn *other = sk_dconn_find(name, false);
    if (other != NULL) {
        if (other->state == SK_CONN_UP)
            sk_dwait_complete_all(waiters, 0);
        else
            sk_dwait_move(waiters, &other->waiters);
        return;
    }
    struct parked *p = calloc(1, sizeof *p);
    if (p == NULL)
        return; /* the waiters fail with the close code */
    snprintf(p->name, sizeof p->name, "%s", name);
    p->deadline_ns = (int64_t)sk_now_ns() + (int64_t)sk_dist.handshake_ms * 1000000;
    sk_dwait_move(waiters, &p->waiters);
    p->next = parked;
    parked = p;
}

/* Completes parked waiters: those for `name` with 0 (it is up), or, with
 * name NULL, those past their deadline (or all, when `all`) with ECLOSED. */
void sk_dist_parked_complete(const char *name, bool all)
{
    int64_t now = (int64_t)sk_now_ns();
    for (struct parked **pp = &parked; *pp;) {
        struct parked *p = *pp;
        bool match = name ? strcmp(p->name, name) == 0 : all || now > p->deadline_ns;
        if (!match) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        sk_dwait_complete_all(&p->waiters, name ? 0 : SNOW_ECLOSED);
        free(p);
    }
}

static void dconn_try_up(snow_conn *c)
{
    if (c->state != SK_CONN_AUTH || !c->auth_accepted || !c->ready_received)
        return;
    sk_dp_auth_end(c->auth_hs);
    c->auth_hs = NULL;
    c->state = SK_CONN_UP;
    sk_dist_node_up(c);
    sk_dwait_complete_all(&c->waiters, 0);
    sk_dist_parked_complete(c->peer_name, false);
}

/* Runs one auth step with the peer's message (NULL for the initiator's
 * first) and sends what it produced; on accept sends `ready`. */
static int dconn_auth_step(snow_conn *c, const void *in, size_t inlen)
{
    uint8_t out[SNOW_AUTH_MSG_MAX];
    size_t outlen = 0;
    char reason[256] = "";
    int rc = sk_dp_auth_step(c->auth_hs, in, inlen, out, sizeof out, &outlen, reason,
                             sizeof reason);
    if (outlen > sizeof out)
        outlen = 0; /* a plugin bug must not over-read */
    if (outlen > 0 && sk_dconn_send_frame(c, SK_F_AUTH, out, outlen, NULL, 0) != 0)
        return SNOW_ECLOSED;
    if (rc < 0) {
        sk_log(SK_LOG_WARN, "SNOW-AUTH-REJECT", "peer %s (%s) failed authentication: %s",
               c->peer_name, c->peer_text, reason[0] ? reason : snow_strerror(rc));
        sk_dconn_close(c, rc == SNOW_EPROTO ? SNOW_EPROTO : SNOW_EAUTH, "authentication: %s",
                       reason[0] ? reason : snow_strerror(rc));
        return rc;
    }
    if (rc == SNOW_AUTH_ACCEPT && !c->auth_accepted) {
        c->auth_accepted = true;
        if (sk_dconn_send_frame(c, SK_F_READY, NULL, 0, NULL, 0) != 0)
            return SNOW_ECLOSED;
        c->ready_sent = true;
        dconn_try_up(c);
    }
    return 0;
}

static int dconn_start_auth(snow_conn *c)
{
    uint8_t binding[32];
    size_t blen = 0;
    int brc = sk_dp_binding(c, c->cs, binding, sizeof binding);
    if (brc == 0) {
        blen = sizeof binding;
    } else if (brc != SNOW_ENOTSUP) { /* a TLS channel must not be treated as plain */
        sk_dconn_close(c, SNOW_EAUTH, "no channel binding: %s", snow_strerror(brc));
        return brc;
    }
    struct snow_auth_params p = {
        .size = sizeof p,
        .role = c->initiator ? SNOW_AUTH_INITIATOR : SNOW_AUTH_ACCEPTOR,
        .self_name = sk_dist.self.full,
        .peer_name = c->peer_name,
        .binding = blen ? binding : NULL,
        .binding_len = blen,
    };
    int rc = sk_dp_auth_start(c, &p, &c->auth_hs);
    if (rc != 0) {
        c->auth_hs = NULL;
        sk_dconn_close(c, SNOW_EAUTH, "auth plugin refused to start: %s", snow_strerror(rc));
        return rc;
    }
    c->state = SK_CONN_AUTH;
    return c->initiator ? dconn_auth_step(c, NULL, 0) : 0;
}

/* Both dialled at once: keep the connection dialled by the node whose name
 * sorts lower; both sides compute the same answer. */
static bool dconn_wins(const snow_conn *c)
{
    const char *dialler = c->initiator ? sk_dist.self.full : c->peer_name;
    const char *other = c->initiator ? c->peer_name : sk_dist.self.full;
    return strcmp(dialler, other) < 0;
}

static int dconn_on_hello(snow_conn *c, const uint8_t *body, size_t len)
{
    struct sk_reader r;
    sk_reader_init(&r, body, len);
    uint16_t version = sk_read_u16(&r);
    (void)sk_read_u32(&r); /* flags */
    uint32_t creation = sk_read_u32(&r);
    uint8_t nlen = sk_read_u8(&r);
    const uint8_t *name = sk_reader_take(&r, nlen);
    uint8_t llen = sk_read_u8(&r);
    const uint8_t *listen = sk_reader_take(&r, llen);
    if (r.bad) {
        sk_dconn_close(c, SNOW_EPROTO, "truncated hello");
        return SNOW_EPROTO;
    }
    if (version != SK_DIST_VERSION) {
        sk_dconn_close(c, SNOW_EVERSION, "peer speaks distribution protocol %u, this node %u",
                       version, SK_DIST_VERSION);
        return SNOW_EVERSION;
    }
    char namebuf[SK_NODE_NAME_MAX + 1];
    memcpy(namebuf, name, nlen);
    namebuf[nlen] = '\0';
    struct sk_node_name parsed;
    char err[256];
    if (sk_node_name_parse(namebuf, &parsed, err, sizeof err) != 0 || parsed.port != 0 ||
        strcmp(parsed.full, namebuf) != 0) {
        sk_dconn_close(c, SNOW_EPROTO, "bad node name in hello: %s", err);
        return SNOW_EPROTO;
    }
    if (strcmp(namebuf, sk_dist.self.full) == 0) {
        sk_dconn_close(c, SNOW_EEXIST, "peer claims this node's own name %s", namebuf);
        return SNOW_EEXIST;
    }
    if (c->initiator && c->dial_name[0] && strcmp(c->dial_name, namebuf) != 0) {
        sk_dconn_close(c, SNOW_ENONODE, "dialled %s but %s answered", c->dial_name, namebuf);
        return SNOW_ENONODE;
    }
    strcpy(c->peer_name, namebuf);
    memcpy(c->peer_listen, listen, llen);
    c->peer_listen[llen] = '\0';
    c->peer_creation = creation;
    c->hello_received = true;

    /* a second connection between the same pair? */
    for (snow_conn *o = sk_dist.conns; o; o = o->next) {
        if (o == c || o->state == SK_CONN_CLOSED)
            continue;
        const char *on = o->hello_received ? o->peer_name : o->dial_name;
        if (strcmp(on, namebuf) != 0)
            continue;
        if (o->state == SK_CONN_UP || o->initiator == c->initiator) {
            sk_dconn_close(c, SNOW_EEXIST, "already connected to %s", namebuf);
            return SNOW_EEXIST;
        }
        /* simultaneous dial: one of c and o must go */
        if (dconn_wins(c)) {
            sk_dwait_move(&o->waiters, &c->waiters);
            sk_dconn_close(o, SNOW_EEXIST, "simultaneous connection to %s: keeping the other",
                           namebuf);
        } else {
            sk_dwait_move(&c->waiters, &o->waiters);
            sk_dconn_close(c, SNOW_EEXIST, "simultaneous connection to %s: keeping the other",
                           namebuf);
            return SNOW_EEXIST;
        }
        break;
    }
    return dconn_start_auth(c);
}

/* Frames during the handshake; once up, sk_dist_dispatch takes over. */
static int dconn_on_frame(void *arg, unsigned type, const uint8_t *body, size_t len)
{
    snow_conn *c = arg;
    if (c->state == SK_CONN_CLOSED)
        return SNOW_ECLOSED;
    if (type == 0) /* tick */
        return 0;
    if (c->state == SK_CONN_UP)
        return sk_dist_dispatch(c, type, body, len);
    if (c->state == SK_CONN_HELLO && type == SK_F_HELLO)
        return dconn_on_hello(c, body, len) != 0 ? SNOW_ECLOSED : 0;
    if (c->state == SK_CONN_AUTH && type == SK_F_AUTH && !c->auth_accepted)
        return dconn_auth_step(c, body, len) != 0 ? SNOW_ECLOSED : 0;
    if (c->state == SK_CONN_AUTH && type == SK_F_READY && !c->ready_received) {
        c->ready_received = true;
        dconn_try_up(c);
        return 0;
    }
    sk_dconn_close(c, SNOW_EPROTO, "unexpected %s frame during handshake",
                   sk_frame_type_name(type));
    return SNOW_ECLOSED;
}

/* ---- plugin hand-off ---- */

int sk_dist_conn_new(snow_listener *l, snow_conn **out, void **cs)
{
    (void)l;
    if (!sk_dist.started)
        return SNOW_ECLOSED;
    snow_conn *c = sk_dconn_alloc(false);
    if (c == NULL)
        return SNOW_ENOMEM;
    *out = c;
    *cs = c->cs;
    return 0;
}

void sk_dist_conn_up(snow_conn *c)
{
    if (c->state != SK_CONN_CONNECTING)
        return;
    if (sk_dp_peer_format(c, c->cs, c->peer_text, sizeof c->peer_text) < 0)
        strcpy(c->peer_text, "?");
    c->state = SK_CONN_HELLO;
    c->last_recv_ns = sk_now_ns();
    if (dconn_send_hello(c) != 0)
        sk_dconn_close(c, SNOW_ECLOSED, "could not send hello");
}

int sk_dist_conn_recv(snow_conn *c, const void *data, size_t len)
{
    if (c->state == SK_CONN_CLOSED)
        return SNOW_ECLOSED;
    c->last_recv_ns = sk_now_ns();
    sk_io_note_bytes(len);
    c->in_recv = true;
    int rc = sk_frame_feed(&c->parser, data, len, dconn_on_frame, c);
    sk_dist_dispatch_flush();
    c->in_recv = false;
    if (rc == SNOW_EMSGSIZE || rc == SNOW_EPROTO || rc == SNOW_ENOMEM) {
        sk_log(SK_LOG_WARN, "SNOW-DIST-BADFRAME", "peer %s (%s): %s",
               c->hello_received ? c->peer_name : "?", c->peer_text,
               rc == SNOW_EMSGSIZE ? "frame larger than max_frame" : "malformed frame");
        sk_dconn_close(c, rc, "bad frame from peer");
    }
    if (c->state == SK_CONN_CLOSED)
        return SNOW_ECLOSED;
    if (c->state == SK_CONN_UP)
        sk_dout_flush(c); /* replies produced while dispatching */
    return 0;
}

void sk_dist_conn_drained(snow_conn *c)
{
    c->tp_queued = 0;
    if (c->state == SK_CONN_UP)
        sk_dout_flush(c);
}

void sk_dist_conn_closed(snow_conn *c, int code, const char *reason)
{
    if (c->state == SK_CONN_CLOSED)
        return;
    sk_dconn_close(c, code, "%s", reason ? reason : snow_strerror(code));
}

snow_conn *sk_dconn_dial(const char *dial_name, const char *addr, int *rc)
{
    snow_conn *c = sk_dconn_alloc(true);
    if (c == NULL) {
        *rc = SNOW_ENOMEM;
        return NULL;
    }
    snprintf(c->dial_name, sizeof c->dial_name, "%s", dial_name);
    snprintf(c->dial_addr, sizeof c->dial_addr, "%s", addr);
    snprintf(c->peer_text, sizeof c->peer_text, "%s", addr);
    *rc = sk_dp_connect(c, c->cs, addr);
    if (*rc != 0) {
        c->state = SK_CONN_CLOSED;
        dconn_unlink(c);
        dconn_free(c);
        return NULL;
    }
    return c;
}
