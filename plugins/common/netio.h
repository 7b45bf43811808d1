/* SPDX-License-Identifier: MIT */
/* Socket transport core shared by the tcp and tls plugins (compiled into each .so). */
#ifndef SNOW_PLUGINS_NETIO_H
#define SNOW_PLUGINS_NETIO_H

/*
 * The tcp and tls transports differ only in how bytes are carried over a
 * connected socket. Everything else lives here: address syntax, listening,
 * accepting, non-blocking connect, the outgoing queue and its coalescing,
 * libevent registration, error mapping and the one-shot close report.
 *
 * A plugin supplies a `struct netio_carrier` (how bytes move) and embeds a
 * `struct netio_plugin` at the start of its state; its ops table points at
 * the netio_* functions below, which take that state as `void *state`.
 *
 * Threading: everything runs on the kernel's I/O thread (plugin.h), so
 * nothing here locks.
 *
 * Symbols here are hidden (plugins build with -fvisibility=hidden and export
 * only snow_plugin), so both plugins can carry their own copy.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <snow/plugin.h>

struct event;
struct evbuffer;
struct netio_conn;

/* A carrier call needs the socket to become readable / writable again. */
#define NETIO_AGAIN 1

/* Largest chunk one read hands to the kernel's conn_recv. */
#define NETIO_READ_CHUNK (64 * 1024)

/* Once this many bytes are queued, send() writes at once instead of waiting
 * for flush(): bounds memory and latency for bulk senders. */
#define NETIO_EAGER_BYTES (256 * 1024)

/* A send() of at least this many bytes to an empty queue goes straight to
 * the socket when the carrier can (write_iov): copying a bulk batch into
 * the queue first cost more than the write (and fresh pages each time). */
#define NETIO_DIRECT_BYTES (16 * 1024)

/*
 * How bytes travel over a connected, non-blocking socket.
 * Each call returns 0, NETIO_AGAIN (set nc->want_write if it needs
 * EV_WRITE), or a negative SNOW_E* code with a reason written through
 * netio_set_reason().
 */
struct netio_carrier {
    /* The socket just connected (outbound) or was accepted (inbound):
     * set up per-connection carrier state in nc->cx. */
    int (*open)(void *pstate, struct netio_conn *nc);
    /* Drive the carrier's own handshake; 0 when done. NULL: no handshake. */
    int (*handshake)(void *pstate, struct netio_conn *nc);
    /* Read what is available, handing it on with netio_deliver(). 0 at
     * end of data for now; a delivered negative code stops the loop. */
    int (*read_in)(void *pstate, struct netio_conn *nc);
    /* Write from the front of `q`, draining what was written. 0 when q is
     * empty, NETIO_AGAIN when the socket is full. */
    int (*write_out)(void *pstate, struct netio_conn *nc, struct evbuffer *q);
    /* Optional: write from the caller's gather list straight to the socket
     * (nothing queued in front of it); the bytes written (0 if the socket
     * is full), or a negative code as write_out. Lets a bulk send skip the
     * copy into the queue. NULL: every byte goes through the queue. */
    ssize_t (*write_iov)(void *pstate, struct netio_conn *nc, const struct snow_iov *iov,
                         int iovcnt);
    /* Release carrier state (best-effort goodbye allowed; never blocks). */
    void (*release)(void *pstate, struct netio_conn *nc);
};

/* The part of each transport plugin's state that netio owns. */
struct netio_plugin {
    const struct snow_services *svc;
    snow_plugin_ctx *ctx;
    struct event_base *base;    /* the kernel's loop; see netio_base() */
    const struct netio_carrier *carrier;
    const char *name;           /* "tcp", "tls": log prefix for msgids */
    int backlog;                /* listen(2) backlog */
    unsigned char *rbuf;        /* NETIO_READ_CHUNK bytes: one I/O thread, one buffer */
};

enum netio_state {
    NETIO_IDLE = 0,             /* zeroed by the kernel, not yet used */
    NETIO_CONNECTING,           /* non-blocking connect in flight */
    NETIO_HANDSHAKE,            /* carrier handshake in flight */
    NETIO_UP,                   /* conn_up reported */
    NETIO_DEAD,                 /* conn_closed reported or pending */
};

/* Per-connection state: this is the transport's `cs` block. */
struct netio_conn {
    struct netio_plugin *np;
    snow_conn *c;
    int fd;
    enum netio_state state;
    bool inbound;               /* accepted on a listener (TLS: server side) */
    bool want_write;            /* carrier asked for EV_WRITE */
    bool wr_armed;              /* ev_wr is added */
    bool reported_queue;        /* send() returned > 0; owe conn_drained */
    bool closed_reported;       /* conn_closed already called */
    bool in_deliver;            /* inside svc->conn_recv */
    int err;                    /* first fatal error (deferred report) */
    struct event *ev_rd;
    struct event *ev_wr;
    struct event *ev_deadline;  /* carrier handshake deadline, or NULL */
    struct event *ev_defer;     /* reports owed from inside an ops call */
    struct evbuffer *q;         /* bytes accepted by send(), not yet written */
    void *cx;                   /* carrier's per-connection state */
    struct sockaddr_storage peer;
    socklen_t peerlen;
    char reason[200];           /* detail for the deferred conn_closed */
};

/* ---- address syntax (netio_addr.c) ---- */

/* Split "host:port" / "[v6]:port" / ":port" / "*:port" into host (no
 * brackets; "" for any) and port. 0 or SNOW_EINVAL / SNOW_ERANGE. */
int netio_addr_split(const char *text, char *host, size_t hostlen, unsigned *port);
/* Resolve to a sockaddr. Numeric hosts never block; a host name goes
 * through getaddrinfo (which may block on DNS: prefer numeric addresses).
 * 0, SNOW_EINVAL (bad syntax), SNOW_ENONODE (no such host). */
int netio_addr_resolve(const char *text, bool passive, struct sockaddr_storage *ss,
                       socklen_t *sslen, char *why, size_t whylen);
/* Format a sockaddr as "a.b.c.d:port" or "[v6]:port", snprintf-style. */
int netio_addr_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t buflen);

/* ---- errors ---- */

/* Map an errno onto a SNOW_E* category (ECONNREFUSED -> SNOW_ECONNREFUSED,
 * reset/pipe -> SNOW_ECLOSED, ...). */
int netio_errno_code(int err);
/* Record the reason text (printf-style) for a failure about to be
 * reported. The first reason wins until the connection is reset. */
void netio_set_reason(struct netio_conn *nc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- helpers for carriers ---- */

/* Hand received bytes to the kernel. Returns the kernel's code: negative
 * means stop reading (the kernel is closing this connection). */
int netio_deliver(struct netio_conn *nc, const void *data, size_t len);
/* The carrier's handshake finished: report conn_up. */
void netio_report_up(struct netio_conn *nc);
/* Arm a deadline for the carrier handshake (ms > 0). */
int netio_arm_deadline(struct netio_conn *nc, long ms);

/* ---- shared between netio files ---- */

/* Zero nc and create its events and queue around a connected-or-connecting
 * socket. 0 or SNOW_ENOMEM (the caller releases). */
int netio_conn_init(struct netio_plugin *np, struct netio_conn *nc, snow_conn *c, int fd);
/* The socket is connected or accepted: open the carrier, start its
 * handshake or report up. */
void netio_connected(struct netio_conn *nc);
/* The kernel's event base, fetched on first use (the loop may not run yet
 * at init). NULL (logged) if there is none. */
struct event_base *netio_base(struct netio_plugin *np);
/* Report conn_closed now (event callbacks only, never inside an op). */
void netio_fail(struct netio_conn *nc, int code);

/* ---- the transport ops (state = struct netio_plugin *) ---- */

int netio_plugin_init(struct netio_plugin *np, const struct snow_services *svc,
                      snow_plugin_ctx *ctx, const snow_plugin_args *args,
                      const struct netio_carrier *carrier, const char *name, char *errbuf,
                      size_t errlen);
/* Frees what netio_plugin_init allocated. */
void netio_plugin_fini(struct netio_plugin *np);
int netio_ctl(void *state, int op, void *arg);
int netio_addr_parse(void *state, const char *text, char *canon, size_t len);
int netio_listen(void *state, snow_listener *l, const char *addr, void **lstate,
                 char *bound, size_t boundlen);
void netio_unlisten(void *state, snow_listener *l, void *lstate);
int netio_connect(void *state, snow_conn *c, void *cs, const char *addr);
int netio_send(void *state, snow_conn *c, void *cs, const struct snow_iov *iov, int iovcnt);
void netio_flush(void *state, snow_conn *c, void *cs);
void netio_close(void *state, snow_conn *c, void *cs);
int netio_peer_format(void *state, snow_conn *c, void *cs, char *buf, size_t len);

#endif /* SNOW_PLUGINS_NETIO_H */
