/* SPDX-License-Identifier: MIT */
/* Outgoing frames: any thread appends to a node's buffer; the I/O thread writes. */
#include "dist.h"

#include <stdatomic.h>
#include <string.h>

#include "dist_plugins.h"
#include "io_thread.h"
#include "scheduler.h"

/*
 * Senders copy each frame into the node's out buffer under out_lock (a few
 * ns uncontended) and post one flush job per batch: only the append that
 * finds no flush pending posts one. The I/O thread swaps the buffer out and
 * hands the whole batch to the transport in one send, so many frames become
 * one write (and, over TLS, few records) under load. Per-pair order holds
 * because every frame to a node goes through the one buffer, in order.
 *
 * A process on a scheduler does not post its flush at once: the scheduler
 * posts it when the process's time slice ends (it blocks, yields, exits,
 * or uses up its reductions; a remote send costs one), as Erlang flushes
 * dist output at the end of a schedule. A burst of sends then costs one
 * I/O wake-up instead of one per few messages, and a request followed by a
 * receive still goes out at once. Past DOUT_DEFER_MAX bytes any appender
 * posts the deferred flush itself.
 */

/* Bytes the transport may hold before we stop feeding it and let the node
 * buffer grow instead (the transport calls conn_drained when it empties). */
#define DOUT_TRANSPORT_HIGH (4u << 20)
/* Senders wait while a node's buffer holds more than this (Erlang's
 * dist_buf_busy_limit idea): memory stays bounded when a peer is slow. */
#define DOUT_BUSY_HIGH (16u << 20)
/* A deferred flush is posted at once when the buffer grows past this. */
#define DOUT_DEFER_MAX (64u << 10)
#define DOUT_DEFER_NODES 8

/* Nodes whose flush this scheduler thread deferred to its slice end. */
static _Thread_local struct {
    struct sk_node *node[DOUT_DEFER_NODES];
    unsigned len;
} dout_deferred __attribute__((tls_model("initial-exec")));

static void dout_flush_job(void *arg)
{
    struct sk_node *n = arg;
    sk_lock_take(&n->out_lock);
    n->flush_posted = false;
    snow_conn *c = n->conn;
    sk_lock_give(&n->out_lock);
    if (c != NULL)
        sk_dout_flush(c);
}

static int dout_post(struct sk_node *n)
{
    if (sk_io_post(dout_flush_job, n) == 0)
        return 0;
    sk_lock_take(&n->out_lock);
    n->flush_posted = false;
    sk_lock_give(&n->out_lock);
    return SNOW_ECLOSED;
}

/* Appends the pieces to n's buffer under its lock and posts one flush per
 * batch. The one place frames (and ticks) enter a node's buffer. */
static int dout_append(struct sk_node *n, const struct snow_iov *iov, int iovcnt)
{
    size_t total = 0;
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].len;
    sk_lock_take(&n->out_lock);
    if (n->conn == NULL) {
        sk_lock_give(&n->out_lock);
        return SNOW_ENOCONN;
    }
    int rc = sk_buf_reserve(&n->out, total);
    if (rc == 0) {
        for (int i = 0; i < iovcnt; i++) {
            if (iov[i].len)
                memcpy(n->out.data + n->out.len, iov[i].base, iov[i].len);
            n->out.len += iov[i].len;
        }
        if (n->out.len > DOUT_BUSY_HIGH)
            atomic_store_explicit(&n->busy, true, memory_order_relaxed);
    }
    bool post = false, defer = false;
    if (rc == 0 && !n->flush_posted) {
        n->flush_posted = true;
        defer = n->out.len < DOUT_DEFER_MAX && dout_deferred.len < DOUT_DEFER_NODES &&
                sk_sched_self() != NULL;
        n->flush_deferred = defer;
        post = !defer;
    } else if (rc == 0 && n->flush_deferred && n->out.len >= DOUT_DEFER_MAX) {
        n->flush_deferred = false; /* the deferring thread will see it cleared */
        post = true;
    }
    sk_lock_give(&n->out_lock);
    if (defer)
        dout_deferred.node[dout_deferred.len++] = n;
    if (post && dout_post(n) != 0)
        return SNOW_ECLOSED;
    return rc;
}

/* The scheduler's slice-end hook: posts the flushes deferred above. */
static void dout_post_deferred(void)
{
    for (unsigned i = 0; i < dout_deferred.len; i++) {
        struct sk_node *n = dout_deferred.node[i];
        sk_lock_take(&n->out_lock);
        bool post = n->flush_deferred;
        n->flush_deferred = false;
        sk_lock_give(&n->out_lock);
        if (post)
            (void)dout_post(n); /* fails only when the node stops */
    }
    dout_deferred.len = 0;
}

void sk_dout_defer_enable(bool on)
{
    atomic_store(&sk_sched_slice_hook, on ? dout_post_deferred : NULL);
}

/* A frame whose body is iov[1..iovcnt); iov[0] gets the header. */
static int dout_frame(struct sk_node *n, unsigned type, struct snow_iov *iov, int iovcnt)
{
    size_t body = 0;
    for (int i = 1; i < iovcnt; i++)
        body += iov[i].len;
    uint8_t hdr[SK_FRAME_HDR];
    sk_frame_header(hdr, type, body);
    iov[0] = (struct snow_iov){hdr, sizeof hdr};
    return dout_append(n, iov, iovcnt);
}

int sk_dout_frame(struct sk_node *n, unsigned type, const void *a, size_t alen,
                  const void *b, size_t blen)
{
    struct snow_iov iov[3] = {{NULL, 0}, {a, alen}, {b, blen}};
    return dout_frame(n, type, iov, 3);
}

int sk_dout_enc(struct sk_node *n, unsigned type, const void *head, size_t hlen,
                const struct sk_dist_enc *e)
{
    struct snow_iov iov[4] = {{NULL, 0}, {head, hlen}, {e->data, e->len}, {e->tail, e->tail_len}};
    return dout_frame(n, type, iov, 4);
}

int sk_dout_tick(struct sk_node *n)
{
    static const uint8_t tick[SK_FRAME_LEN_BYTES] = {0};
    struct snow_iov iov = {tick, sizeof tick};
    return dout_append(n, &iov, 1);
}

void sk_dout_attach(struct sk_node *n, snow_conn *c)
{
    sk_lock_take(&n->out_lock);
    n->conn = c;
    n->out.len = 0;
    sk_lock_give(&n->out_lock);
    c->node = n;
}

void sk_dout_detach(struct sk_node *n)
{
    sk_lock_take(&n->out_lock);
    n->conn = NULL;
    n->out.len = 0; /* undelivered: the peer is gone (Erlang drops them too) */
    atomic_store_explicit(&n->busy, false, memory_order_relaxed);
    sk_lock_give(&n->out_lock);
}

void sk_dout_flush(snow_conn *c)
{
    struct sk_node *n = c->node;
    if (c->state != SK_CONN_UP || n == NULL || c->tp_queued > DOUT_TRANSPORT_HIGH)
        return;
    /* swap: senders keep appending to the (now empty) node buffer while
     * the transport takes this batch */
    sk_lock_take(&n->out_lock);
    struct sk_buf batch = n->out;
    n->out = c->wbuf;
    n->out.len = 0;
    atomic_store_explicit(&n->busy, false, memory_order_relaxed);
    sk_lock_give(&n->out_lock);
    c->wbuf = batch;
    if (batch.len == 0)
        return;
    sk_io_note_bytes(batch.len);
    struct snow_iov iov = {batch.data, batch.len};
    int rc = sk_dp_send(c, c->cs, &iov, 1);
    c->wbuf.len = 0;
    if (rc < 0)
        return; /* the transport reports conn_closed */
    c->tp_queued = (size_t)rc;
    c->last_send_ns = sk_now_ns();
    sk_dp_flush(c, c->cs);
}

bool sk_dout_busy(struct sk_node *n)
{
    return atomic_load_explicit(&n->busy, memory_order_relaxed);
}
