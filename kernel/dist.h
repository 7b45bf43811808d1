/* SPDX-License-Identifier: MIT */
/* The distribution core's shared state and internal entry points. */
#ifndef SK_DIST_H
#define SK_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snow/plugin.h>
#include <snow/term.h>

#include "bytes.h"
#include "cookie.h"
#include "dist_frame.h"
#include "node_name.h"
#include "node_table.h"

#define SK_DIST_VERSION 1
#define SK_ADDR_MAX 320

struct event;
struct sk_dwait;

enum sk_conn_state {
    SK_CONN_CONNECTING,  /* transport connecting */
    SK_CONN_HELLO,       /* transport up; hello sent, waiting for the peer's */
    SK_CONN_AUTH,        /* auth exchange */
    SK_CONN_UP,          /* both sides ready: data flows */
    SK_CONN_CLOSED,      /* closing; transport close queued */
};

/* One node connection: the kernel's header, followed in the same block by
 * the transport's per-connection state (conn_state_size bytes). Owned and
 * touched only by the I/O thread, except through its node's out_lock. */
struct snow_conn {
    struct snow_conn *next, *prev;   /* all connections */
    enum sk_conn_state state;
    bool initiator;
    bool hello_received;
    bool auth_accepted;
    bool ready_sent;
    bool ready_received;
    bool in_recv;                    /* inside conn_recv: close must be deferred */
    char dial_name[SK_NODE_NAME_MAX + 1]; /* the node we dialled, "" if by address */
    char dial_addr[SK_ADDR_MAX];
    char peer_name[SK_NODE_NAME_MAX + 1];
    char peer_listen[SK_ADDR_MAX];
    char peer_text[SK_ADDR_MAX];     /* peer address for logs */
    uint32_t peer_creation;
    void *auth_hs;
    struct sk_frame_parser parser;
    struct sk_node *node;            /* set when up */
    int64_t last_recv_ns;
    int64_t last_send_ns;
    int64_t started_ns;
    size_t tp_queued;                /* bytes the transport holds */
    struct sk_buf wbuf;              /* I/O-side copy of the node's out buffer */
    struct sk_dwait *waiters;        /* snow_node_connect callers */
    void *cs;                        /* transport state (points into this block) */
};

/* The node's distribution state (one per runtime). */
struct sk_dist {
    bool started;
    struct sk_node_name self;
    uint32_t creation;
    char cookie[SK_COOKIE_MAX + 1];
    char listen_addr[SK_ADDR_MAX];   /* what the transport bound */
    uint32_t tick_ms;
    uint32_t handshake_ms;
    uint32_t connect_timeout_ms;
    uint32_t max_frame;
    snow_listener *listener;
    struct snow_conn *conns;         /* every connection, any state */
    struct event *tick_ev;
};

extern struct sk_dist sk_dist;

/* monotonic time: sk_now_ns() from timer.h */
#include "timer.h"

/* ---- connections (I/O thread) ---- */
snow_conn *sk_dconn_alloc(bool initiator);
/* Closes a connection (any state) with a code and a reason that is logged
 * with the peer; fires nodedown if it was up. Idempotent. */
void sk_dconn_close(snow_conn *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Starts an outbound connection to addr; dial_name may be "" (mesh by
 * address) or the node expected there. Returns the conn or NULL. */
snow_conn *sk_dconn_dial(const char *dial_name, const char *addr, int *rc);
/* Queues one frame (header + body parts) on a connection that is still in
 * its handshake (I/O thread only; data frames go through the node buffer). */
int sk_dconn_send_frame(snow_conn *c, unsigned type, const void *a, size_t alen,
                        const void *b, size_t blen);
/* Callers of connect whose connection lost a simultaneous dial wait for
 * the node's surviving connection (bounded by the handshake deadline). */
void sk_dist_park_waiters(const char *name, struct sk_dwait **waiters);
/* name: that node is up (complete with 0); NULL: expire (all: every one). */
void sk_dist_parked_complete(const char *name, bool all);
/* The connection for a node name that is up or being set up, or NULL. */
snow_conn *sk_dconn_find(const char *name, bool up_only);

/* ---- plugin hand-off (called by the services layer, I/O thread) ---- */
int sk_dist_conn_new(snow_listener *l, snow_conn **out, void **cs);
void sk_dist_conn_up(snow_conn *c);
int sk_dist_conn_recv(snow_conn *c, const void *data, size_t len);
void sk_dist_conn_drained(snow_conn *c);
void sk_dist_conn_closed(snow_conn *c, int code, const char *reason);

/* ---- outgoing data (any thread) ---- */
/* Appends a frame to the node's out buffer if the node is up; schedules a
 * flush. SNOW_ENOCONN if the node has no live connection. */
int sk_dout_frame(struct sk_node *n, unsigned type, const void *a, size_t alen,
                  const void *b, size_t blen);
/* Queues a tick (an empty frame) behind the node's queued frames. */
int sk_dout_tick(struct sk_node *n);
/* True while the node's buffer is over the busy limit: senders should wait
 * (never on the I/O thread). */
bool sk_dout_busy(struct sk_node *n);
/* Sends from processes defer their flush to the slice end (on: node up). */
void sk_dout_defer_enable(bool on);
/* I/O thread: the connection just came up / went down for node n. */
void sk_dout_attach(struct sk_node *n, snow_conn *c);
void sk_dout_detach(struct sk_node *n);
/* I/O thread: hand the node's buffered frames to the transport. */
void sk_dout_flush(snow_conn *c);

/* ---- frames once up (I/O thread) ---- */
int sk_dist_dispatch(snow_conn *c, unsigned type, const uint8_t *body, size_t len);
/* Delivers the messages dispatch has collected (end of a read, or before a
 * connection's loss is signalled). I/O thread. */
void sk_dist_dispatch_flush(void);
/* Mesh: send our peer list on c / act on a peer list. */
void sk_dist_send_peers(snow_conn *c);
int sk_dist_on_peers(snow_conn *c, const uint8_t *body, size_t len);
/* A term encoded in STF for the wire (pids translated): small ones live in
 * `small` (on the caller's stack), larger ones in one allocation. */
/* An encoded message: data[0..len), then tail[0..tail_len) (the bytes
 * of a big trailing string or binary, left in the term: see
 * sk_stf_encode_tail; the term must outlive the sk_dout_enc call). */
struct sk_dist_enc {
    uint8_t *data;
    size_t len;
    const uint8_t *tail;
    size_t tail_len;
    uint8_t small[512];
};
/* err gets the codec's reason (e.g. the path to a function term). Call
 * sk_dist_enc_free afterwards, whatever the result. */
int sk_dist_encode(const snow_term *t, struct sk_dist_enc *e, char *err, size_t errlen);
/* sk_dout_frame for a frame of `head` and an encoded message. */
int sk_dout_enc(struct sk_node *n, unsigned type, const void *head, size_t hlen,
                const struct sk_dist_enc *e);
void sk_dist_enc_free(struct sk_dist_enc *e);
/* Decodes a frame's trailing STF term; on failure logs, closes c (untrusted
 * input) and returns SNOW_ECLOSED. */
int sk_dist_frame_term(snow_conn *c, unsigned type, const uint8_t *p, size_t len,
                       snow_term **out);
/* Logs a malformed frame, closes c, returns SNOW_ECLOSED. */
int sk_dist_bad_frame(snow_conn *c, unsigned type, const char *what);
/* Sets the text snow_node_last_error() returns on this thread. */
void sk_dist_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A plugin channel frame: handed to the services layer's open channel. */
int sk_dist_on_channel(snow_conn *c, const uint8_t *body, size_t len);
/* Sends a plugin channel frame to node (any thread). */
int sk_dist_channel_send(const char *channel, const char *node, const void *data, size_t len);

/* ---- node events ---- */
void sk_dist_node_up(snow_conn *c);
void sk_dist_node_down(snow_conn *c, int code, const char *reason);

/* ---- discovery ---- */
/* Resolves name through the discovery plugin, then dials it; w (may be
 * NULL) waits on the outcome. 0 when under way, else a code. */
int sk_dist_resolve_and_dial(const char *name, struct sk_dwait *w);
void sk_dist_resolved(snow_request *req, int code, const char *const *addrs, size_t n);
void sk_dist_resolve_abort_all(void);
/* After the plugins are unloaded: free abandoned requests. */
void sk_dist_resolve_free_abandoned(void);

/* ---- node event subscriptions of processes ---- */
void sk_dist_events_reset(void);

/* ---- the runtime's remote router (dist_route.c) ---- */
/* STF options that translate pids and refs through the node table. */
struct snow_stf_opts sk_dist_stf_opts(void);
void sk_dist_route_install(void);
void sk_dist_route_uninstall(void);

/* ---- liveness ---- */
int sk_dtick_start(void);
void sk_dtick_stop(void);

#endif /* SK_DIST_H */
