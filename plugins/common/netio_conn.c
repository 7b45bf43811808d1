/* SPDX-License-Identifier: MIT */
/* Connection lifecycle shared by socket transports: connect, events, queue, close. */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "netio.h"

int netio_errno_code(int err)
{
    switch (err) {
    case ECONNREFUSED:
        return SNOW_ECONNREFUSED;
    case ECONNRESET:
    case EPIPE:
    case ENOTCONN:
    case ESHUTDOWN:
    case ECONNABORTED:
        return SNOW_ECLOSED;
    case ETIMEDOUT:
        return SNOW_ETIMEDOUT;
    case ENOMEM:
    case ENOBUFS:
        return SNOW_ENOMEM;
    case EMFILE:
    case ENFILE:
        return SNOW_ELIMIT;
    default:
        return SNOW_EIO; /* unreachable, address in use...: the text says which */
    }
}

void netio_set_reason(struct netio_conn *nc, const char *fmt, ...)
{
    if (nc->reason[0] != '\0')
        return; /* the first cause is the interesting one */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(nc->reason, sizeof nc->reason, fmt, ap);
    va_end(ap);
}

static void conn_disarm(struct netio_conn *nc)
{
    if (nc->ev_rd)
        event_del(nc->ev_rd);
    if (nc->ev_wr)
        event_del(nc->ev_wr);
    if (nc->ev_deadline)
        event_del(nc->ev_deadline);
    nc->wr_armed = false;
}

/* Report the failure now (we are in an event callback, not an ops call). */
void netio_fail(struct netio_conn *nc, int code)
{
    if (nc->closed_reported)
        return;
    nc->closed_reported = true;
    nc->state = NETIO_DEAD;
    conn_disarm(nc);
    if (nc->reason[0] == '\0')
        snprintf(nc->reason, sizeof nc->reason, "%s connection failed (code %d)", nc->np->name, code);
    nc->np->svc->conn_closed(nc->np->ctx, nc->c, code, nc->reason);
}

/* A failure found inside an ops call: the report waits for the next loop
 * iteration, so the kernel never sees conn_closed re-entering send(). */
static void conn_fail_deferred(struct netio_conn *nc, int code)
{
    if (nc->err == 0)
        nc->err = code;
    if (nc->closed_reported)
        return;
    nc->state = NETIO_DEAD;
    conn_disarm(nc);
    /* Not ev_wr: an I/O event activated by hand and then event_add()ed
     * before it runs is never put back into epoll. */
    event_active(nc->ev_defer, EV_TIMEOUT, 1);
}

static void conn_update_write(struct netio_conn *nc)
{
    bool want = nc->state == NETIO_CONNECTING || nc->want_write;
    if (want && !nc->wr_armed) {
        event_add(nc->ev_wr, NULL);
        nc->wr_armed = true;
    } else if (!want && nc->wr_armed) {
        event_del(nc->ev_wr);
        nc->wr_armed = false;
    }
}

/* Push the queue through the carrier. Returns 0 or a negative code (the
 * failure is then reported, deferred). */
static int conn_write_now(struct netio_conn *nc)
{
    nc->want_write = false;
    int rc = nc->np->carrier->write_out(nc->np, nc, nc->q);
    if (rc < 0) {
        conn_fail_deferred(nc, rc);
        return rc;
    }
    conn_update_write(nc);
    return 0;
}

static void conn_maybe_drained(struct netio_conn *nc)
{
    if (nc->reported_queue && evbuffer_get_length(nc->q) == 0 && nc->state == NETIO_UP) {
        nc->reported_queue = false;
        nc->np->svc->conn_drained(nc->np->ctx, nc->c);
    }
}

int netio_deliver(struct netio_conn *nc, const void *data, size_t len)
{
    int rc = nc->np->svc->conn_recv(nc->np->ctx, nc->c, data, len);
    if (rc < 0) {
        /* The kernel is closing this connection: stop, report nothing. */
        nc->state = NETIO_DEAD;
        nc->closed_reported = true;
        conn_disarm(nc);
    }
    return rc;
}

void netio_report_up(struct netio_conn *nc)
{
    if (nc->ev_deadline)
        event_del(nc->ev_deadline);
    nc->state = NETIO_UP;
    conn_update_write(nc);
    nc->np->svc->conn_up(nc->np->ctx, nc->c);
    if (nc->state != NETIO_UP)
        return;
    /* The kernel may have sent from inside conn_up. */
    if (evbuffer_get_length(nc->q) > 0)
        conn_write_now(nc);
    /* A carrier handshake may have read application bytes along with its
     * last message; the socket will not signal them again. */
    if (nc->state == NETIO_UP && nc->np->carrier->handshake)
        event_active(nc->ev_rd, EV_READ, 0);
}

static void conn_handshake(struct netio_conn *nc)
{
    nc->want_write = false;
    int rc = nc->np->carrier->handshake(nc->np, nc);
    if (rc < 0)
        netio_fail(nc, rc);
    else if (rc == 0)
        netio_report_up(nc);
    else
        conn_update_write(nc);
}

static void conn_on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct netio_conn *nc = arg;
    netio_set_reason(nc, "%s handshake not finished within its deadline", nc->np->name);
    netio_fail(nc, SNOW_ETIMEDOUT);
}

int netio_arm_deadline(struct netio_conn *nc, long ms)
{
    if (nc->ev_deadline == NULL) {
        nc->ev_deadline = evtimer_new(nc->np->base, conn_on_deadline, nc);
        if (nc->ev_deadline == NULL)
            return SNOW_ENOMEM;
    }
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    return evtimer_add(nc->ev_deadline, &tv) == 0 ? 0 : SNOW_ENOMEM;
}

/* The socket is connected (or accepted): let the carrier take over. */
void netio_connected(struct netio_conn *nc)
{
    const struct netio_carrier *car = nc->np->carrier;
    int rc = car->open ? car->open(nc->np, nc) : 0;
    if (rc < 0) {
        netio_fail(nc, rc);
        return;
    }
    event_add(nc->ev_rd, NULL);
    if (car->handshake) {
        nc->state = NETIO_HANDSHAKE;
        conn_handshake(nc);
    } else {
        netio_report_up(nc);
    }
}

static void conn_on_read(evutil_socket_t fd, short what, void *arg)
{
    struct netio_conn *nc = arg;
    if (nc->state == NETIO_HANDSHAKE) {
        conn_handshake(nc);
    } else if (nc->state == NETIO_UP) {
        int rc = nc->np->carrier->read_in(nc->np, nc);
        if (rc < 0)
            netio_fail(nc, rc);
        else if (nc->state == NETIO_UP)
            conn_update_write(nc); /* TLS may want to write (key update) */
    }
}

/* What an ops call could not report itself: a failure, or drained. */
static void conn_on_defer(evutil_socket_t fd, short what, void *arg)
{
    struct netio_conn *nc = arg;
    if (nc->err != 0)
        netio_fail(nc, nc->err);
    else
        conn_maybe_drained(nc);
}

static void conn_on_write(evutil_socket_t fd, short what, void *arg)
{
    struct netio_conn *nc = arg;
    if (nc->state == NETIO_CONNECTING) {
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (getsockopt(nc->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
            soerr = errno;
        if (soerr != 0) {
            char peer[80];
            netio_addr_format((struct sockaddr *)&nc->peer, nc->peerlen, peer, sizeof peer);
            netio_set_reason(nc, "connect to %s: %s", peer, strerror(soerr));
            netio_fail(nc, netio_errno_code(soerr));
            return;
        }
        event_del(nc->ev_wr);
        nc->wr_armed = false;
        nc->state = NETIO_IDLE;
        netio_connected(nc);
    } else if (nc->state == NETIO_HANDSHAKE) {
        conn_handshake(nc);
    } else if (nc->state == NETIO_UP) {
        if (conn_write_now(nc) == 0)
            conn_maybe_drained(nc);
    }
}

int netio_conn_init(struct netio_plugin *np, struct netio_conn *nc, snow_conn *c, int fd)
{
    memset(nc, 0, sizeof *nc);
    nc->np = np;
    nc->c = c;
    nc->fd = fd;
    nc->ev_rd = event_new(np->base, fd, EV_READ | EV_PERSIST, conn_on_read, nc);
    nc->ev_wr = event_new(np->base, fd, EV_WRITE | EV_PERSIST, conn_on_write, nc);
    nc->ev_defer = event_new(np->base, -1, 0, conn_on_defer, nc);
    nc->q = evbuffer_new();
    if (nc->ev_rd == NULL || nc->ev_wr == NULL || nc->ev_defer == NULL || nc->q == NULL)
        return SNOW_ENOMEM;
    int one = 1;
    /* Frames are coalesced above us; Nagle would only add latency. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return 0;
}

/* Free everything a conn holds; safe on a zeroed or half-built conn. */
static void conn_release(struct netio_conn *nc)
{
    if (nc->np == NULL)
        return; /* never set up (zeroed state; fd 0 is not ours) or released */
    if (nc->cx && nc->np->carrier->release)
        nc->np->carrier->release(nc->np, nc);
    nc->cx = NULL;
    if (nc->ev_rd)
        event_free(nc->ev_rd);
    if (nc->ev_wr)
        event_free(nc->ev_wr);
    if (nc->ev_deadline)
        event_free(nc->ev_deadline);
    if (nc->ev_defer)
        event_free(nc->ev_defer);
    if (nc->q)
        evbuffer_free(nc->q);
    nc->ev_rd = nc->ev_wr = nc->ev_deadline = nc->ev_defer = NULL;
    nc->q = NULL;
    if (nc->fd >= 0)
        close(nc->fd);
    nc->fd = -1;
    nc->state = NETIO_DEAD;
    nc->np = NULL;
}

int netio_connect(void *state, snow_conn *c, void *cs, const char *addr)
{
    struct netio_plugin *np = state;
    struct netio_conn *nc = cs;
    char why[200] = "";
    struct sockaddr_storage ss;
    socklen_t sl;
    if (netio_base(np) == NULL)
        return SNOW_ESTATE;
    int rc = netio_addr_resolve(addr, false, &ss, &sl, why, sizeof why);
    if (rc != 0) {
        np->svc->log(np->ctx, SNOW_LOG_WARN, "SNOW-NET-ADDR", "connect: %s", why);
        return rc;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int e = errno;
        np->svc->log(np->ctx, SNOW_LOG_WARN, "SNOW-NET-SOCKET", "socket: %s", strerror(e));
        return netio_errno_code(e);
    }
    rc = netio_conn_init(np, nc, c, fd);
    if (rc == 0) {
        memcpy(&nc->peer, &ss, sl);
        nc->peerlen = sl;
        if (connect(fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS)
            rc = netio_errno_code(errno);
    }
    if (rc != 0) {
        /* Failed at once: the kernel frees the conn without close(). */
        conn_release(nc);
        return rc;
    }
    /* Even an immediate success reports through EV_WRITE, after we return. */
    nc->state = NETIO_CONNECTING;
    conn_update_write(nc);
    return 0;
}

/* Copy the gather list, less its first `skip` bytes (already written),
 * into the queue with one reservation: many small frames per call are the
 * common case, and one evbuffer_add each would cost more than the copying. */
static int conn_queue(struct evbuffer *q, const struct snow_iov *iov, int iovcnt, size_t total,
                      size_t skip)
{
    if (total <= skip)
        return 0;
    total -= skip;
    struct evbuffer_iovec ext[2];
    int n = evbuffer_reserve_space(q, (ev_ssize_t)total, ext, 2);
    if (n < 1)
        return -1;
    int e = 0;
    size_t off = 0; /* offset inside ext[e] */
    for (int i = 0; i < iovcnt; i++) {
        size_t left = iov[i].len;
        if (left <= skip) { /* written already (or empty: base may be NULL) */
            skip -= left;
            continue;
        }
        const unsigned char *src = (const unsigned char *)iov[i].base + skip;
        left -= skip;
        skip = 0;
        while (left > 0) {
            size_t room = ext[e].iov_len - off;
            if (room == 0) {
                ext[e].iov_len = off;
                e++;
                off = 0;
                continue;
            }
            size_t k = left < room ? left : room;
            memcpy((unsigned char *)ext[e].iov_base + off, src, k);
            off += k;
            src += k;
            left -= k;
        }
    }
    ext[e].iov_len = off;
    return evbuffer_commit_space(q, ext, e + 1);
}

int netio_send(void *state, snow_conn *c, void *cs, const struct snow_iov *iov, int iovcnt)
{
    struct netio_conn *nc = cs;
    if (nc->err != 0)
        return nc->err;
    if (nc->state == NETIO_DEAD || nc->q == NULL)
        return SNOW_ECLOSED;
    if (iovcnt < 0 || (iovcnt > 0 && iov == NULL))
        return SNOW_EINVAL;
    size_t total = 0, written = 0;
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].len;
    /* A bulk batch to an empty queue: write it from the caller's buffer. */
    if (total >= NETIO_DIRECT_BYTES && nc->np->carrier->write_iov != NULL &&
        nc->state == NETIO_UP && !nc->wr_armed && evbuffer_get_length(nc->q) == 0) {
        ssize_t w = nc->np->carrier->write_iov(nc->np, nc, iov, iovcnt);
        if (w < 0) {
            conn_fail_deferred(nc, (int)w);
            return (int)w;
        }
        written = (size_t)w;
    }
    if (conn_queue(nc->q, iov, iovcnt, total, written) != 0)
        return SNOW_ENOMEM;
    size_t queued = evbuffer_get_length(nc->q);
    /* Normally bytes wait for flush() so many frames share one write (one
     * TLS record); a large backlog goes out now. */
    if (queued >= NETIO_EAGER_BYTES && nc->state == NETIO_UP && !nc->wr_armed) {
        int rc = conn_write_now(nc);
        if (rc < 0)
            return rc;
        queued = evbuffer_get_length(nc->q);
    }
    if (queued == 0) {
        nc->reported_queue = false;
        return 0;
    }
    nc->reported_queue = true;
    return queued > INT_MAX ? INT_MAX : (int)queued;
}

void netio_flush(void *state, snow_conn *c, void *cs)
{
    struct netio_conn *nc = cs;
    /* While EV_WRITE is armed the socket is full: the event writes later. */
    if (nc->state != NETIO_UP || nc->err != 0 || nc->wr_armed)
        return;
    if (evbuffer_get_length(nc->q) > 0 && conn_write_now(nc) < 0)
        return;
    /* conn_drained is owed, but not from inside flush: the kernel answers
     * it with send+flush, which would nest one level per batch under load.
     * The write callback reports it on the next loop iteration. */
    if (nc->reported_queue && evbuffer_get_length(nc->q) == 0)
        event_active(nc->ev_defer, EV_TIMEOUT, 1);
}

void netio_close(void *state, snow_conn *c, void *cs)
{
    conn_release(cs);
}

int netio_peer_format(void *state, snow_conn *c, void *cs, char *buf, size_t len)
{
    struct netio_conn *nc = cs;
    if (nc->peerlen == 0)
        return snprintf(buf, len, "?");
    return netio_addr_format((struct sockaddr *)&nc->peer, nc->peerlen, buf, len);
}
