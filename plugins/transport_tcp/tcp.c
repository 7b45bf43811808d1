/* SPDX-License-Identifier: MIT */
/* transport_tcp: plain TCP, bytes carried as they are (socket mechanics in plugins/common). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <event2/buffer.h>

#include "netio.h"

/* iovecs per sendmsg: evbuffer chains are large, so 64 covers MiBs. */
#define TCP_IOV_MAX 64
/* Reads per readiness event before yielding to other connections (the
 * event is level-triggered, so what is left fires it again). */
#define TCP_READ_BURST 16

struct tcp_state {
    struct netio_plugin np; /* first: the ops' `state` is used as netio_plugin */
};

static int tcp_read_in(void *pstate, struct netio_conn *nc)
{
    struct netio_plugin *np = pstate;
    for (int i = 0; i < TCP_READ_BURST; i++) {
        ssize_t n = recv(nc->fd, np->rbuf, NETIO_READ_CHUNK, 0);
        if (n > 0) {
            if (netio_deliver(nc, np->rbuf, (size_t)n) < 0)
                return 0;
            if ((size_t)n < NETIO_READ_CHUNK)
                return 0; /* short read: the socket is empty (saves an EAGAIN) */
            continue;
        }
        if (n == 0) {
            netio_set_reason(nc, "peer closed the connection");
            return SNOW_ECLOSED;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        int e = errno;
        netio_set_reason(nc, "recv: %s", strerror(e));
        return netio_errno_code(e);
    }
    return 0;
}

/* One non-blocking sendmsg of iov[0..n): the bytes written, 0 when the
 * socket is full (want_write set), or a negative code. */
static ssize_t tcp_sendmsg(struct netio_conn *nc, struct iovec *iov, int n)
{
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
    for (;;) {
        /* MSG_NOSIGNAL: a peer that went away must not SIGPIPE the node. */
        ssize_t w = sendmsg(nc->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w >= 0)
            return w;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            nc->want_write = true;
            return 0;
        }
        int e = errno;
        netio_set_reason(nc, "send: %s", strerror(e));
        return netio_errno_code(e);
    }
}

static int tcp_write_out(void *pstate, struct netio_conn *nc, struct evbuffer *q)
{
    (void)pstate;
    while (evbuffer_get_length(q) > 0) {
        struct evbuffer_iovec vec[TCP_IOV_MAX];
        int n = evbuffer_peek(q, -1, NULL, vec, TCP_IOV_MAX);
        if (n > TCP_IOV_MAX)
            n = TCP_IOV_MAX;
        struct iovec iov[TCP_IOV_MAX];
        for (int i = 0; i < n; i++) {
            iov[i].iov_base = vec[i].iov_base;
            iov[i].iov_len = vec[i].iov_len;
        }
        ssize_t w = tcp_sendmsg(nc, iov, n);
        if (w < 0)
            return (int)w;
        if (w == 0)
            return NETIO_AGAIN;
        evbuffer_drain(q, (size_t)w);
    }
    return 0;
}

static ssize_t tcp_write_iov(void *pstate, struct netio_conn *nc, const struct snow_iov *src,
                             int iovcnt)
{
    (void)pstate;
    struct iovec iov[TCP_IOV_MAX];
    int n = 0;
    for (int i = 0; i < iovcnt && n < TCP_IOV_MAX; i++)
        if (src[i].len > 0)
            iov[n++] = (struct iovec){(void *)src[i].base, src[i].len};
    return n == 0 ? 0 : tcp_sendmsg(nc, iov, n);
}

static const struct netio_carrier tcp_carrier = {
    .read_in = tcp_read_in,
    .write_out = tcp_write_out,
    .write_iov = tcp_write_iov,
};

static int tcp_init(const struct snow_services *svc, snow_plugin_ctx *ctx,
                    const snow_plugin_args *args, void **state, char *errbuf, size_t errlen)
{
    struct tcp_state *ts = calloc(1, sizeof *ts);
    if (ts == NULL)
        return SNOW_ENOMEM;
    int rc = netio_plugin_init(&ts->np, svc, ctx, args, &tcp_carrier, "tcp", errbuf, errlen);
    if (rc != 0) {
        netio_plugin_fini(&ts->np);
        free(ts);
        return rc;
    }
    *state = ts;
    return 0;
}

static void tcp_fini(void *state)
{
    struct tcp_state *ts = state;
    netio_plugin_fini(&ts->np);
    free(ts);
}

static const struct snow_transport_ops tcp_ops = {
    SNOW_OPS_HEAD(struct snow_transport_ops),
    .conn_state_size = sizeof(struct netio_conn),
    .ctl = netio_ctl,
    .addr_parse = netio_addr_parse,
    .listen = netio_listen,
    .unlisten = netio_unlisten,
    .connect = netio_connect,
    .send = netio_send,
    .flush = netio_flush,
    .close = netio_close,
    .channel_binding = NULL, /* plain TCP has none: auth runs without it */
    .peer_format = netio_peer_format,
};

static const struct snow_plugin_option tcp_options[] = {
    {.key = "backlog", .type = SNOW_OPT_INT, .def = "128", .min = 1, .max = 65535,
     .help = "listen(2) backlog of each listening socket"},
    {.key = NULL},
};

SNOW_PLUGIN_EXPORT const struct snow_plugin_desc snow_plugin = {
    SNOW_PLUGIN_HEAD,
    .kind = SNOW_PLUGIN_TRANSPORT,
    .name = "transport_tcp",
    .version = "1.0",
    .summary = "plain TCP transport (no encryption; for trusted networks and tests)",
    .options = tcp_options,
    .ops = &tcp_ops,
    .init = tcp_init,
    .fini = tcp_fini,
};
