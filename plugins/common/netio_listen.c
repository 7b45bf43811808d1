/* SPDX-License-Identifier: MIT */
/* Plugin set-up and listening sockets shared by socket transports: init, listen, accept. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "netio.h"

/* Accepts per readiness event: the listener must not starve live links. */
#define NETIO_ACCEPT_BURST 32
/* Out of descriptors: pause accepting this long instead of spinning on a
 * level-triggered listener that cannot be drained. */
#define NETIO_ACCEPT_PAUSE_MS 100

struct netio_listener {
    struct netio_plugin *np;
    snow_listener *l;
    int fd;
    struct event *ev;
    struct event *pause; /* re-arms ev after an EMFILE pause */
};

int netio_plugin_init(struct netio_plugin *np, const struct snow_services *svc,
                      snow_plugin_ctx *ctx, const snow_plugin_args *args,
                      const struct netio_carrier *carrier, const char *name, char *errbuf,
                      size_t errlen)
{
    memset(np, 0, sizeof *np);
    np->svc = svc;
    np->ctx = ctx;
    np->carrier = carrier;
    np->name = name;
    /* The I/O loop may not run yet while the plugin list loads: the base
     * is fetched when the first listen or connect needs it. */
    int64_t backlog = 128;
    if (svc->opt_int(ctx, args, "backlog", &backlog) != 0)
        backlog = 128; /* not in this plugin's schema: keep the default */
    np->backlog = backlog < 1 ? 1 : backlog > 65535 ? 65535 : (int)backlog;
    np->rbuf = malloc(NETIO_READ_CHUNK);
    if (np->rbuf == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return SNOW_ENOMEM;
    }
    return 0;
}

void netio_plugin_fini(struct netio_plugin *np)
{
    free(np->rbuf);
    np->rbuf = NULL;
}

struct event_base *netio_base(struct netio_plugin *np)
{
    if (np->base == NULL)
        np->base = np->svc->event_base(np->ctx);
    if (np->base == NULL)
        np->svc->log(np->ctx, SNOW_LOG_ERROR, "SNOW-NET-NOLOOP",
                     "%s: the kernel's I/O loop is not running", np->name);
    return np->base;
}

int netio_ctl(void *state, int op, void *arg)
{
    struct netio_plugin *np = state;
    if (op == SNOW_CTL_STATUS && arg != NULL) {
        struct snow_ctl_text *t = arg;
        snprintf(t->buf, t->len, "%s transport, backlog %d", np->name, np->backlog);
        return 0;
    }
    return SNOW_ENOTSUP;
}

static void listener_accept_one(struct netio_listener *nl, int fd,
                                const struct sockaddr_storage *ss, socklen_t sl)
{
    struct netio_plugin *np = nl->np;
    snow_conn *c = NULL;
    void *cs = NULL;
    int rc = np->svc->conn_new(np->ctx, nl->l, &c, &cs);
    if (rc != 0) {
        char peer[80];
        netio_addr_format((const struct sockaddr *)ss, sl, peer, sizeof peer);
        np->svc->log(np->ctx, SNOW_LOG_WARN, "SNOW-NET-REFUSE",
                     "refusing connection from %s: kernel said %d", peer, rc);
        close(fd);
        return;
    }
    struct netio_conn *nc = cs;
    rc = netio_conn_init(np, nc, c, fd);
    memcpy(&nc->peer, ss, sl);
    nc->peerlen = sl;
    nc->inbound = true;
    if (rc != 0) {
        /* The kernel owns c now: it must hear about the failure, and will
         * call close(), which frees whatever init managed to build. */
        netio_set_reason(nc, "out of memory setting up the connection");
        netio_fail(nc, rc);
        return;
    }
    netio_connected(nc);
}

static void listener_resume(evutil_socket_t fd, short what, void *arg)
{
    struct netio_listener *nl = arg;
    event_add(nl->ev, NULL);
}

static void listener_pause(struct netio_listener *nl)
{
    struct timeval tv = {0, NETIO_ACCEPT_PAUSE_MS * 1000};
    if (nl->pause == NULL)
        nl->pause = evtimer_new(nl->np->base, listener_resume, nl);
    if (nl->pause != NULL && evtimer_add(nl->pause, &tv) == 0)
        event_del(nl->ev);
}

static void listener_on_read(evutil_socket_t lfd, short what, void *arg)
{
    struct netio_listener *nl = arg;
    for (int i = 0; i < NETIO_ACCEPT_BURST; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(nl->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            int e = errno;
            nl->np->svc->log(nl->np->ctx, SNOW_LOG_WARN, "SNOW-NET-ACCEPT", "accept: %s%s",
                             strerror(e), e == EMFILE || e == ENFILE ? " (pausing)" : "");
            if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM)
                listener_pause(nl);
            return;
        }
        listener_accept_one(nl, fd, &ss, sl);
    }
}

int netio_listen(void *state, snow_listener *l, const char *addr, void **lstate, char *bound,
                 size_t boundlen)
{
    struct netio_plugin *np = state;
    char why[200] = "";
    struct sockaddr_storage ss;
    socklen_t sl;
    if (netio_base(np) == NULL)
        return SNOW_ESTATE;
    int rc = netio_addr_resolve(addr, true, &ss, &sl, why, sizeof why);
    if (rc != 0) {
        np->svc->log(np->ctx, SNOW_LOG_ERROR, "SNOW-NET-ADDR", "listen: %s", why);
        return rc == SNOW_EINVAL ? SNOW_EINVAL : SNOW_EIO;
    }
    struct netio_listener *nl = calloc(1, sizeof *nl);
    if (nl == NULL)
        return SNOW_ENOMEM;
    nl->np = np;
    nl->l = l;
    nl->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    const char *what = "socket";
    if (nl->fd < 0)
        goto fail;
    /* A restarted node must rebind its port despite TIME_WAIT leftovers. */
    setsockopt(nl->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    what = "bind";
    if (bind(nl->fd, (struct sockaddr *)&ss, sl) != 0)
        goto fail;
    what = "listen";
    if (listen(nl->fd, np->backlog) != 0)
        goto fail;
    what = "getsockname";
    sl = sizeof ss;
    if (getsockname(nl->fd, (struct sockaddr *)&ss, &sl) != 0)
        goto fail;
    if (bound != NULL && boundlen > 0 &&
        netio_addr_format((struct sockaddr *)&ss, sl, bound, boundlen) >= (int)boundlen) {
        errno = ENAMETOOLONG;
        goto fail;
    }
    nl->ev = event_new(np->base, nl->fd, EV_READ | EV_PERSIST, listener_on_read, nl);
    if (nl->ev == NULL || event_add(nl->ev, NULL) != 0) {
        errno = ENOMEM;
        what = "event_add";
        goto fail;
    }
    *lstate = nl;
    return 0;
fail:
    rc = errno;
    np->svc->log(np->ctx, SNOW_LOG_ERROR, "SNOW-NET-LISTEN", "listen on %s: %s: %s", addr, what,
                 strerror(rc));
    if (nl->ev)
        event_free(nl->ev);
    if (nl->fd >= 0)
        close(nl->fd);
    free(nl);
    return rc == ENOMEM ? SNOW_ENOMEM : SNOW_EIO;
}

void netio_unlisten(void *state, snow_listener *l, void *lstate)
{
    struct netio_listener *nl = lstate;
    if (nl == NULL)
        return;
    if (nl->pause)
        event_free(nl->pause);
    event_free(nl->ev);
    close(nl->fd);
    free(nl);
}
