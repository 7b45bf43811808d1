/* SPDX-License-Identifier: MIT */
/* Keeps this node registered: serve the registry, or register with whoever does. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "dsc.h"

static void link_attempt(void *arg);

int64_t dsc_jitter(struct dsc *d, int64_t base)
{
    /* xorshift64: spreads the clients' retries, nothing secret. */
    uint64_t x = d->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    d->rng = x;
    return base + (base > 0 ? (int64_t)(x % (uint64_t)base) : 0);
}

static void link_close(struct dsc *d)
{
    struct dsc_link *l = &d->link;
    if (l->has_watch)
        d->svc->fd_unwatch(d->ctx, l->watch);
    if (l->has_timer)
        d->svc->timer_cancel(d->ctx, l->timer);
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    l->has_watch = l->has_timer = l->got_hello = false;
    l->lines.len = 0;
}

static void link_schedule(struct dsc *d)
{
    struct dsc_link *l = &d->link;
    int64_t delay = dsc_jitter(d, l->backoff_ms);
    l->backoff_ms = l->backoff_ms * 2 > d->o.retry_max_ms ? d->o.retry_max_ms : l->backoff_ms * 2;
    l->state = DSC_LINK_WAIT;
    l->has_timer = d->svc->timer_add(d->ctx, delay, link_attempt, d, &l->timer) == 0;
    if (!l->has_timer)
        dsc_log(d, SNOW_LOG_ERROR, "SNOW-DISCOVERY-TIMER",
                "cannot arm the registry retry timer: %s is unregistered", d->name);
}

static void link_fail(struct dsc *d, int why, const char *what)
{
    struct dsc_link *l = &d->link;
    if (!l->warned)
        dsc_log(d, SNOW_LOG_WARN, "SNOW-DISCOVERY-LOST",
                "node registry on %s:%d: %s (%s); retrying with backoff", d->reg_host,
                d->o.port, what, dsc_errname(why));
    l->warned = true;
    link_close(d);
    link_schedule(d);
}

static void link_up(struct dsc *d, enum dsc_link_state state)
{
    struct dsc_link *l = &d->link;
    if (l->has_timer)
        d->svc->timer_cancel(d->ctx, l->timer);
    l->has_timer = false;
    l->state = state;
    l->backoff_ms = d->o.retry_min_ms;
    l->warned = false;
    if (state == DSC_LINK_UP)
        dsc_log(d, SNOW_LOG_INFO, "SNOW-DISCOVERY-REGISTERED",
                "%s registered port %d with the node registry on %s:%d", d->name, d->node_port,
                d->reg_host, d->o.port);
}

static int link_line(void *arg, const char *line, size_t len)
{
    struct dsc *d = arg;
    struct dsc_link *l = &d->link;
    struct dsc_msg m;

    if (dsc_msg_parse(line, len, &m) != 0)
        return SNOW_EPROTO;
    if (!l->got_hello) {
        if (m.verb != DSC_HELLO || m.version != DSC_PROTO_VERSION)
            return SNOW_EVERSION;
        l->got_hello = true;
        return 0;
    }
    if (l->state == DSC_LINK_HELLO && m.verb == DSC_OK && strcmp(m.name, d->name) == 0) {
        link_up(d, DSC_LINK_UP);
        return 0;
    }
    if (m.verb == DSC_ERR && strcmp(m.reason, "taken") == 0) {
        /* Another live node holds the name: it may be a stale one about to
         * die, so keep trying, slowly. */
        if (!l->warned)
            dsc_log(d, SNOW_LOG_ERROR, "SNOW-DISCOVERY-TAKEN",
                    "name %s is registered by another node on %s", d->name, d->reg_host);
        l->warned = true;
        l->backoff_ms = d->o.retry_max_ms;
        return SNOW_EEXIST;
    }
    return SNOW_EPROTO;
}

static void link_ready(void *arg, int fd, unsigned ready)
{
    struct dsc *d = arg;
    struct dsc_link *l = &d->link;
    int rc;

    if (l->state == DSC_LINK_CONNECTING) {
        rc = dsc_net_connected(fd);
        if (rc != 0) {
            link_fail(d, rc, "connect failed");
            return;
        }
        struct dsc_msg hello = {.verb = DSC_HELLO, .version = DSC_PROTO_VERSION};
        struct dsc_msg reg = {.verb = DSC_REG, .port = (unsigned)d->node_port};
        char buf[2 * DSC_LINE_MAX];
        memcpy(reg.name, d->name, sizeof reg.name);
        int n1 = dsc_msg_format(&hello, buf, sizeof buf);
        int n2 = n1 < 0 ? n1 : dsc_msg_format(&reg, buf + n1, sizeof buf - (size_t)n1);
        rc = n2 < 0 ? n2 : dsc_net_send(fd, buf, (size_t)(n1 + n2));
        if (rc == 0)
            rc = d->svc->fd_modify(d->ctx, l->watch, SNOW_FD_READ);
        if (rc != 0) {
            link_fail(d, rc, "cannot send the registration");
            return;
        }
        l->state = DSC_LINK_HELLO;
        return;
    }
    rc = dsc_lines_read(fd, &l->lines, link_line, d);
    if (rc != 0)
        link_fail(d, rc,
                  rc == SNOW_ECLOSED ? "connection closed"
                  : rc == SNOW_EEXIST ? "name taken"
                                      : "bad answer");
}

static void link_timeout(void *arg)
{
    struct dsc *d = arg;
    d->link.has_timer = false;
    link_fail(d, SNOW_ETIMEDOUT, "no answer");
}

static void link_attempt(void *arg)
{
    struct dsc *d = arg;
    struct dsc_link *l = &d->link;
    int rc;

    l->has_timer = false;
    rc = dsc_server_start(d);
    if (rc == 0) {
        link_up(d, DSC_LINK_SERVING);
        return;
    }
    if (rc != SNOW_EEXIST) {
        link_fail(d, rc, "cannot bind the registry port");
        return;
    }
    rc = dsc_net_connect(&d->reg_peer, &l->fd);
    if (rc != 0) {
        link_fail(d, rc, "connect failed");
        return;
    }
    if (d->svc->fd_watch(d->ctx, l->fd, SNOW_FD_WRITE, link_ready, d, &l->watch) != 0) {
        link_fail(d, SNOW_ENOMEM, "cannot watch the socket");
        return;
    }
    l->has_watch = true;
    l->state = DSC_LINK_CONNECTING;
    l->has_timer = d->svc->timer_add(d->ctx, d->o.timeout_ms, link_timeout, d, &l->timer) == 0;
}

void dsc_link_start(struct dsc *d)
{
    d->link.fd = -1;
    d->link.backoff_ms = d->o.retry_min_ms;
    d->link.warned = false;
    link_attempt(d);
}

void dsc_link_stop(struct dsc *d)
{
    link_close(d);
    dsc_server_stop(d);
    d->link.state = DSC_LINK_OFF;
}
