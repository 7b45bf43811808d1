/* SPDX-License-Identifier: MIT */
/* Example third-party transport: Snow node connections over Unix-domain sockets. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <snow/plugin.h>

/*
 * Everything the kernel needs from a transport is here: listen, accept,
 * connect, send (with a queue for what the socket cannot take now), read,
 * close. Framing, handshake and auth are the kernel's. All of it runs on
 * the kernel's I/O thread, through the fd-watch and timer services, so the
 * plugin needs no libevent and no locks. It calls nothing in libsnow.
 *
 * Address syntax: a filesystem path, optionally prefixed "unix:".
 */

struct ux_state {
    const struct snow_services *svc;
    snow_plugin_ctx *ctx;
    int64_t backlog;
    bool unlink_stale;
    int listeners, conns;
};

struct ux_listener {
    struct ux_state *st;
    snow_listener *l;
    int fd;
    uint64_t watch;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* Per-connection state: the kernel allocates conn_state_size bytes of it
 * with each connection, zeroed. */
struct ux_conn {
    struct ux_state *st;
    snow_conn *c;
    int fd;
    bool watching, closing, up;
    uint64_t watch;
    uint64_t fail_timer;       /* deferred conn_closed after a send error */
    int fail_code;
    char *q;                   /* bytes the socket did not take yet */
    size_t qlen, qcap, qoff;
    char peer[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
};

static int ux_path(const char *text, const char **path)
{
    if (strncmp(text, "unix:", 5) == 0)
        text += 5;
    if (text[0] == '\0' || strlen(text) >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return SNOW_EINVAL;
    *path = text;
    return 0;
}

static int ux_addr_parse(void *state, const char *text, char *canon, size_t len)
{
    const char *path;
    if (ux_path(text, &path) != 0)
        return SNOW_EINVAL;
    int n = snprintf(canon, len, "unix:%s", path);
    return n < 0 || (size_t)n >= len ? SNOW_ERANGE : 0;
}

static void ux_sockaddr(struct sockaddr_un *sa, const char *path)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, path, strlen(path) + 1);
}

/* OS error -> Snow code, keeping the meaning ("reset" is "closed"). */
static int ux_code(int err)
{
    switch (err) {
    case ECONNREFUSED:
    case ENOENT:
        return SNOW_ECONNREFUSED;
    case EPIPE:
    case ECONNRESET:
        return SNOW_ECLOSED;
    case ENOMEM:
    case ENOBUFS:
        return SNOW_ENOMEM;
    default:
        return SNOW_EIO;
    }
}

/* ---- reading and writing ---- */

static void ux_interest(struct ux_conn *k)
{
    unsigned ev = k->closing ? 0 : SNOW_FD_READ;
    if (!k->closing && (k->qlen > k->qoff || !k->up))
        ev |= SNOW_FD_WRITE;
    k->st->svc->fd_modify(k->st->ctx, k->watch, ev);
}

static void ux_report_closed(struct ux_conn *k, int code, const char *why)
{
    k->closing = true;
    ux_interest(k);
    k->st->svc->conn_closed(k->st->ctx, k->c, code, why);
}

/* Writes queued bytes; returns 0 or an errno. */
static int ux_drain(struct ux_conn *k)
{
    while (k->qoff < k->qlen) {
        ssize_t n = send(k->fd, k->q + k->qoff, k->qlen - k->qoff, MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : errno;
        k->qoff += (size_t)n;
    }
    k->qoff = k->qlen = 0;
    return 0;
}

static void ux_readable(struct ux_conn *k)
{
    char buf[65536];
    /* Bounded per wake-up so one busy peer cannot starve the loop. */
    for (int round = 0; round < 16 && !k->closing; round++) {
        ssize_t n = recv(k->fd, buf, sizeof buf, 0);
        if (n > 0) {
            if (k->st->svc->conn_recv(k->st->ctx, k->c, buf, (size_t)n) < 0) {
                k->closing = true; /* the kernel closes it after we return */
                ux_interest(k);
            }
            continue;
        }
        if (n == 0) {
            ux_report_closed(k, SNOW_ECLOSED, "peer closed the connection");
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            char why[128];
            snprintf(why, sizeof why, "recv: %s", strerror(errno));
            ux_report_closed(k, ux_code(errno), why);
        }
        return;
    }
}

static void ux_writable(struct ux_conn *k)
{
    if (!k->up) {
        /* A pending connect finished: success or the reason it failed. */
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err != 0) {
            char why[128];
            snprintf(why, sizeof why, "connect %s: %s", k->peer, strerror(err));
            ux_report_closed(k, ux_code(err), why);
            return;
        }
        k->up = true;
        ux_interest(k);
        k->st->svc->conn_up(k->st->ctx, k->c);
        return;
    }
    bool had = k->qlen > k->qoff;
    int err = ux_drain(k);
    if (err != 0) {
        char why[128];
        snprintf(why, sizeof why, "send: %s", strerror(err));
        ux_report_closed(k, ux_code(err), why);
        return;
    }
    ux_interest(k);
    if (had && k->qlen == 0)
        k->st->svc->conn_drained(k->st->ctx, k->c);
}

static void ux_on_io(void *arg, int fd, unsigned ready)
{
    struct ux_conn *k = arg;
    if (k->closing)
        return;
    if (ready & SNOW_FD_WRITE)
        ux_writable(k);
    if ((ready & SNOW_FD_READ) && k->up && !k->closing)
        ux_readable(k);
}

/* Starts watching a connected or connecting socket. */
static int ux_conn_start(struct ux_state *st, struct ux_conn *k, snow_conn *c, int fd, bool up)
{
    k->st = st;
    k->c = c;
    k->fd = fd;
    k->up = up;
    int rc = st->svc->fd_watch(st->ctx, fd, up ? SNOW_FD_READ : SNOW_FD_WRITE, ux_on_io, k,
                               &k->watch);
    if (rc != 0)
        return rc;
    k->watching = true;
    st->conns++;
    return 0;
}

/* ---- listening ---- */

static void ux_on_accept(void *arg, int fd, unsigned ready)
{
    struct ux_listener *L = arg;
    struct ux_state *st = L->st;
    for (int i = 0; i < 64; i++) {
        int cfd = accept4(L->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                st->svc->log(st->ctx, SNOW_LOG_WARN, "SNOW-UNIX-ACCEPT", "accept on %s: %s",
                             L->path, strerror(errno));
            return;
        }
        snow_conn *c;
        void *cs;
        int rc = st->svc->conn_new(st->ctx, L->l, &c, &cs);
        if (rc != 0) {
            st->svc->log(st->ctx, SNOW_LOG_WARN, "SNOW-UNIX-REFUSED",
                         "connection on %s refused by the kernel (%d)", L->path, rc);
            close(cfd);
            continue;
        }
        struct ux_conn *k = cs;
        snprintf(k->peer, sizeof k->peer, "unix:%s", L->path);
        if (ux_conn_start(st, k, c, cfd, true) != 0) {
            close(cfd);
            k->fd = -1;
            st->svc->conn_closed(st->ctx, c, SNOW_ENOMEM, "cannot watch the socket");
            continue;
        }
        st->svc->conn_up(st->ctx, c);
    }
}

static int ux_listen(void *state, snow_listener *l, const char *addr, void **lstate, char *bound,
                     size_t boundlen)
{
    struct ux_state *st = state;
    const char *path;
    if (ux_path(addr, &path) != 0)
        return SNOW_EINVAL;
    struct ux_listener *L = calloc(1, sizeof *L);
    if (L == NULL)
        return SNOW_ENOMEM;
    L->st = st;
    L->l = l;
    snprintf(L->path, sizeof L->path, "%s", path);
    struct sockaddr_un sa;
    ux_sockaddr(&sa, path);
    L->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct stat sb;
    /* A socket file left by a dead node would make bind fail: remove it,
     * but never anything that is not a socket. */
    if (st->unlink_stale && lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
        unlink(path);
    if (L->fd < 0 || bind(L->fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(L->fd, (int)st->backlog) != 0) {
        st->svc->log(st->ctx, SNOW_LOG_ERROR, "SNOW-UNIX-LISTEN", "listen on %s: %s", path,
                     strerror(errno));
        if (L->fd >= 0)
            close(L->fd);
        free(L);
        return SNOW_EIO;
    }
    int rc = st->svc->fd_watch(st->ctx, L->fd, SNOW_FD_READ, ux_on_accept, L, &L->watch);
    if (rc != 0) {
        close(L->fd);
        unlink(path);
        free(L);
        return rc;
    }
    snprintf(bound, boundlen, "unix:%s", path);
    st->listeners++;
    *lstate = L;
    return 0;
}

static void ux_unlisten(void *state, snow_listener *l, void *lstate)
{
    struct ux_state *st = state;
    struct ux_listener *L = lstate;
    st->svc->fd_unwatch(st->ctx, L->watch);
    close(L->fd);
    unlink(L->path);
    st->listeners--;
    free(L);
}

/* ---- connecting, sending, closing ---- */

static int ux_connect(void *state, snow_conn *c, void *cs, const char *addr)
{
    struct ux_state *st = state;
    struct ux_conn *k = cs;
    const char *path;
    if (ux_path(addr, &path) != 0)
        return SNOW_EINVAL;
    struct sockaddr_un sa;
    ux_sockaddr(&sa, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return ux_code(errno);
    bool up = true;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (errno != EINPROGRESS && errno != EAGAIN) {
            int code = ux_code(errno);
            close(fd);
            return code;
        }
        up = false; /* completes when writable */
    }
    snprintf(k->peer, sizeof k->peer, "unix:%s", path);
    int rc = ux_conn_start(st, k, c, fd, up);
    if (rc != 0) {
        close(fd);
        k->fd = -1;
        return rc;
    }
    if (up)
        st->svc->conn_up(st->ctx, c); /* allowed from inside connect */
    return 0;
}

static void ux_fail_later(void *arg)
{
    struct ux_conn *k = arg;
    k->fail_timer = 0;
    ux_report_closed(k, k->fail_code, "send failed");
}

/* Appends bytes to the queue, growing it geometrically. */
static int ux_enqueue(struct ux_conn *k, const void *p, size_t n)
{
    if (k->qoff > 0 && k->qoff == k->qlen)
        k->qoff = k->qlen = 0;
    if (k->qlen + n > k->qcap) {
        size_t cap = k->qcap ? k->qcap : 4096;
        while (cap < k->qlen + n)
            cap *= 2;
        char *q = realloc(k->q, cap);
        if (q == NULL)
            return SNOW_ENOMEM;
        k->q = q;
        k->qcap = cap;
    }
    memcpy(k->q + k->qlen, p, n);
    k->qlen += n;
    return 0;
}

static int ux_send(void *state, snow_conn *c, void *cs, const struct snow_iov *iov, int iovcnt)
{
    struct ux_state *st = state;
    struct ux_conn *k = cs;
    if (k->closing)
        return SNOW_ECLOSED;
    int i = 0;
    size_t skip = 0; /* bytes of iov[i] already written */
    if (k->up && k->qlen == k->qoff) {
        /* Fast path: straight to the socket, as much as it takes. */
        struct iovec v[64];
        int n = iovcnt < 64 ? iovcnt : 64;
        for (int j = 0; j < n; j++) {
            v[j].iov_base = (void *)iov[j].base;
            v[j].iov_len = iov[j].len;
        }
        struct msghdr mh = {.msg_iov = v, .msg_iovlen = (size_t)n};
        ssize_t w = sendmsg(k->fd, &mh, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            k->fail_code = ux_code(errno);
            if (k->fail_timer == 0)
                st->svc->timer_add(st->ctx, 0, ux_fail_later, k, &k->fail_timer);
            return k->fail_code;
        }
        size_t done = w > 0 ? (size_t)w : 0;
        while (i < iovcnt && done >= iov[i].len) {
            done -= iov[i].len;
            i++;
        }
        skip = done;
    }
    for (; i < iovcnt; i++, skip = 0)
        if (ux_enqueue(k, (const char *)iov[i].base + skip, iov[i].len - skip) != 0)
            return SNOW_ENOMEM;
    size_t queued = k->qlen - k->qoff;
    if (queued > 0 && k->up)
        ux_interest(k);
    return queued > INT_MAX ? INT_MAX : (int)queued;
}

static void ux_close(void *state, snow_conn *c, void *cs)
{
    struct ux_state *st = state;
    struct ux_conn *k = cs;
    if (k->st == NULL)
        return; /* never started: nothing to release */
    if (k->fail_timer != 0)
        st->svc->timer_cancel(st->ctx, k->fail_timer);
    if (k->watching) {
        st->svc->fd_unwatch(st->ctx, k->watch);
        st->conns--;
    }
    if (k->fd >= 0)
        close(k->fd);
    free(k->q);
    memset(k, 0, sizeof *k);
}

static int ux_peer_format(void *state, snow_conn *c, void *cs, char *buf, size_t len)
{
    const struct ux_conn *k = cs;
    return snprintf(buf, len, "%s", k->peer[0] ? k->peer : "unix:?");
}

static int ux_ctl(void *state, int op, void *arg)
{
    struct ux_state *st = state;
    if (op == SNOW_CTL_STATUS && arg != NULL) {
        struct snow_ctl_text *t = arg;
        snprintf(t->buf, t->len, "listeners=%d conns=%d", st->listeners, st->conns);
        return 0;
    }
    return SNOW_ENOTSUP; /* including SNOW_TRANSPORT_CTL_HAS_BINDING: no TLS here */
}

/* ---- descriptor ---- */

static int ux_init(const struct snow_services *svc, snow_plugin_ctx *ctx,
                   const snow_plugin_args *args, void **state, char *errbuf, size_t errlen)
{
    /* This plugin needs only ABI 1.0 services; a newer one would be checked
     * here with SNOW_SVC_HAS(svc, slot). */
    struct ux_state *st = calloc(1, sizeof *st);
    if (st == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return SNOW_ENOMEM;
    }
    st->svc = svc;
    st->ctx = ctx;
    svc->opt_int(ctx, args, "backlog", &st->backlog);
    svc->opt_bool(ctx, args, "unlink_stale", &st->unlink_stale);
    *state = st;
    return 0;
}

static void ux_fini(void *state)
{
    free(state);
}

static const struct snow_transport_ops ux_ops = {
    SNOW_OPS_HEAD(struct snow_transport_ops),
    .conn_state_size = sizeof(struct ux_conn),
    .ctl = ux_ctl,
    .addr_parse = ux_addr_parse,
    .listen = ux_listen,
    .unlisten = ux_unlisten,
    .connect = ux_connect,
    .send = ux_send,
    .close = ux_close,
    .peer_format = ux_peer_format,
};

static const struct snow_plugin_option ux_options[] = {
    {.key = "backlog", .type = SNOW_OPT_INT, .def = "64", .min = 1, .max = 65535,
     .help = "listen(2) backlog"},
    {.key = "unlink_stale", .type = SNOW_OPT_BOOL, .def = "true",
     .help = "remove a stale socket file before listening"},
    {.key = NULL},
};

SNOW_PLUGIN_EXPORT const struct snow_plugin_desc snow_plugin = {
    SNOW_PLUGIN_HEAD,
    .kind = SNOW_PLUGIN_TRANSPORT,
    .name = "unix",
    .version = "1.0.0",
    .summary = "node connections over Unix-domain stream sockets (example)",
    .options = ux_options,
    .ops = &ux_ops,
    .init = ux_init,
    .fini = ux_fini,
};
