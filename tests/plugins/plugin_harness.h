/* SPDX-License-Identifier: MIT */
/* A small stand-in kernel for plugin tests: dlopen a built plugin, drive it through a services table. */
#ifndef SNOW_TEST_PLUGIN_HARNESS_H
#define SNOW_TEST_PLUGIN_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <snow/plugin.h>

/*
 * The harness plays the kernel for one or more plugin instances sharing one
 * libevent base (the "I/O thread" is the test's own thread). It implements
 * the services a transport or auth plugin uses: options, identity, cookie,
 * log, time, timers, event base and connection hand-off. Services no
 * transport or auth plugin needs are left NULL, so an unexpected call
 * crashes the test instead of passing silently.
 */

#define TH_MAX_OPTS 8
#define TH_MAX_CONNS 1024

/* The harness's definitions of the opaque handles. */
struct snow_plugin_ctx {
    struct th_plugin *p;
};

struct snow_conn {
    struct th_plugin *p;
    bool outbound;
    bool up;
    bool closed;                /* conn_closed reported */
    bool close_called;          /* ops->close done */
    int code;                   /* conn_closed code */
    char reason[256];
    int drained;                /* conn_drained calls */
    int recv_calls;
    int recv_result;            /* what conn_recv returns (tests set < 0) */
    int reentered;              /* drained/closed reported inside send or flush */
    struct evbuffer *rx;        /* bytes received, in order */
    void *cs;                   /* the transport's state, after this header */
};

struct snow_listener {
    struct th_plugin *p;
    void *lstate;
    char bound[128];
    struct snow_conn *accepted[TH_MAX_CONNS];
    int naccepted;
};

struct th_plugin {
    void *dl;
    const struct snow_plugin_desc *desc;
    struct snow_services svc;
    struct snow_plugin_ctx ctx;
    struct event_base *base;
    void *state;
    const char *node_name;
    const char *cookie;         /* NULL: cookie_get says SNOW_ENOENT */
    const char *opt_key[TH_MAX_OPTS];
    const char *opt_val[TH_MAX_OPTS];
    int nopts;
    char last_msgid[64];        /* msgid of the last log line */
    /* If set, conn_recv calls this instead of buffering into c->rx
     * (benchmarks count bytes without keeping them). */
    void (*on_recv)(struct snow_conn *c, const void *data, size_t len);
    void *user;
    bool in_op;                 /* inside a harness-made send or flush call */
    struct snow_conn *conns[TH_MAX_CONNS];
    int nconns;
};

/* Create the shared event base (also sets up a quiet log unless
 * SNOW_TEST_VERBOSE is set). */
struct event_base *th_base_new(void);

/* Load plugins/<file>.so (searched in $SNOW_PLUGIN_PATH) and run its init
 * with the given key=value options (NULL-terminated pairs array, may be
 * NULL). Returns NULL on failure, with the reason in errbuf. */
struct th_plugin *th_plugin_load(struct event_base *base, const char *file,
                                 const char *const *kv, char *errbuf, size_t errlen);
/* Close every live conn, run fini, dlclose. */
void th_plugin_unload(struct th_plugin *p);
const struct snow_transport_ops *th_transport(const struct th_plugin *p);
const struct snow_auth_ops *th_auth(const struct th_plugin *p);

/* Transport helpers. */
int th_listen(struct th_plugin *p, const char *addr, struct snow_listener *l);
void th_unlisten(struct snow_listener *l);
/* Allocate an outbound conn and call connect; *out is set even when
 * connect fails at once (its code is returned). */
int th_connect(struct th_plugin *p, const char *addr, struct snow_conn **out);
/* send + flush, as the kernel does once per loop iteration. */
int th_send(struct snow_conn *c, const void *data, size_t len);
/* ops->send / ops->flush, noting the call so re-entrant reports show. */
int th_sendv(struct snow_conn *c, const struct snow_iov *iov, int iovcnt);
void th_flush(struct snow_conn *c);
/* ops->close (once) as the kernel does after conn_closed. */
void th_close(struct snow_conn *c);

/* Run the loop until pred(arg) holds or timeout_ms passes. Returns pred's
 * final value. pred may do work (pump senders). */
bool th_run_until(struct event_base *base, bool (*pred)(void *), void *arg, int timeout_ms);
/* A th_run_until predicate: the conn `arg` has received at least one byte. */
bool th_has_rx(void *conn);

/* Listen on 127.0.0.1:0 with `srv`, connect from `cli`, run until both ends
 * are up. Returns true on success; *sc is the accepted conn. */
bool th_pair(struct th_plugin *srv, struct th_plugin *cli, struct snow_listener *l,
             struct snow_conn **cc, struct snow_conn **sc);

/* The deterministic byte pattern bulk tests send (offset i of stream seed). */
unsigned char th_pattern(size_t i, unsigned seed);
/* Move `bytes` each way between a and b at once, in chunks of varied size
 * (up to many frames per send call); true if both sides received exactly
 * the other's pattern, in order. */
bool th_bulk_both_ways(struct event_base *base, struct snow_conn *a, struct snow_conn *b,
                       size_t bytes, int timeout_ms);

#endif /* SNOW_TEST_PLUGIN_HARNESS_H */
