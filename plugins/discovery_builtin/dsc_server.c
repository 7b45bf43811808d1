/* SPDX-License-Identifier: MIT */
/* The registry service one node per host runs: name -> port, per connection. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsc.h"

/* Accept at most this many connections per readiness callback. */
#define SERVER_ACCEPTS_PER_CALL 64

struct server_entry {
    bool used;
    unsigned port;
    struct server_conn *owner; /* NULL: the serving node itself */
    char name[DSC_NAME_MAX + 1];
};

struct server_conn {
    struct dsc_server *srv;
    struct server_conn *prev, *next;
    int fd;
    uint64_t watch, timer;
    bool has_timer;
    bool hello;
    long entry; /* index of its registration, -1 if none */
    struct dsc_lines lines;
};

struct dsc_server {
    struct dsc *d;
    int lfd;
    uint64_t lwatch;
    struct server_entry *entries;
    size_t nused;
    struct server_conn *conns;
    size_t nconns;
};

static long server_find(const struct dsc_server *s, const char *name)
{
    for (size_t i = 0; i < s->d->o.max_entries; i++)
        if (s->entries[i].used && strcmp(s->entries[i].name, name) == 0)
            return (long)i;
    return -1;
}

static long server_free_slot(const struct dsc_server *s)
{
    for (size_t i = 0; i < s->d->o.max_entries; i++)
        if (!s->entries[i].used)
            return (long)i;
    return -1;
}

static void server_entry_clear(struct dsc_server *s, long i)
{
    if (i >= 0 && s->entries[i].used) {
        memset(&s->entries[i], 0, sizeof s->entries[i]);
        s->nused--;
    }
}

static void server_conn_drop(struct server_conn *c, int why, const char *what)
{
    struct dsc_server *s = c->srv;
    struct dsc *d = s->d;

    if (why != SNOW_ECLOSED && why != 0)
        dsc_log(d, SNOW_LOG_WARN, "SNOW-DISCOVERY-BADCLIENT",
                "dropped registry client fd %d: %s (%s)", c->fd, what, dsc_errname(why));
    if (c->entry >= 0)
        dsc_log(d, SNOW_LOG_INFO, "SNOW-DISCOVERY-GONE", "node %s left the registry",
                s->entries[c->entry].name);
    server_entry_clear(s, c->entry);
    d->svc->fd_unwatch(d->ctx, c->watch);
    if (c->has_timer)
        d->svc->timer_cancel(d->ctx, c->timer);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->nconns--;
    free(c);
}

static void server_idle(void *arg)
{
    struct server_conn *c = arg;
    c->has_timer = false;
    server_conn_drop(c, SNOW_ETIMEDOUT, "idle without registering");
}

/* (Re)arms the lifetime of a connection that holds no registration. */
static void server_conn_idle_arm(struct server_conn *c)
{
    struct dsc *d = c->srv->d;
    if (c->has_timer)
        d->svc->timer_cancel(d->ctx, c->timer);
    c->has_timer = c->entry < 0 &&
                   d->svc->timer_add(d->ctx, d->o.idle_ms, server_idle, c, &c->timer) == 0;
}

static int server_reply(struct server_conn *c, enum dsc_verb verb, const char *name,
                        unsigned port, const char *reason)
{
    struct dsc_msg m = {.verb = verb, .version = DSC_PROTO_VERSION, .port = port};
    char line[DSC_LINE_MAX];
    if (name)
        snprintf(m.name, sizeof m.name, "%s", name);
    if (reason)
        snprintf(m.reason, sizeof m.reason, "%s", reason);
    int n = dsc_msg_format(&m, line, sizeof line);
    if (n < 0)
        return n;
    return dsc_net_send(c->fd, line, (size_t)n);
}

static int server_register(struct server_conn *c, const struct dsc_msg *m)
{
    struct dsc_server *s = c->srv;
    long i = server_find(s, m->name);

    if (i >= 0 && s->entries[i].owner != c)
        return server_reply(c, DSC_ERR, NULL, 0, "taken");
    if (i < 0 && c->entry >= 0)
        return server_reply(c, DSC_ERR, NULL, 0, "once"); /* one name per connection */
    if (i < 0) {
        i = server_free_slot(s);
        if (i < 0) {
            dsc_log(s->d, SNOW_LOG_WARN, "SNOW-DISCOVERY-FULL",
                    "registry full (%zu names): refused %s", s->d->o.max_entries, m->name);
            return server_reply(c, DSC_ERR, NULL, 0, "full");
        }
        s->entries[i].used = true;
        s->entries[i].owner = c;
        memcpy(s->entries[i].name, m->name, sizeof m->name);
        s->nused++;
        c->entry = i;
        server_conn_idle_arm(c); /* a registration lives as long as its connection */
        dsc_log(s->d, SNOW_LOG_INFO, "SNOW-DISCOVERY-JOIN", "node %s registered port %u",
                m->name, m->port);
    }
    s->entries[i].port = m->port;
    return server_reply(c, DSC_OK, m->name, 0, NULL);
}

static int server_line(void *arg, const char *line, size_t len)
{
    struct server_conn *c = arg;
    struct dsc_msg m;

    if (dsc_msg_parse(line, len, &m) != 0)
        return SNOW_EPROTO;
    if (!c->hello) {
        if (m.verb != DSC_HELLO)
            return SNOW_EPROTO;
        if (m.version != DSC_PROTO_VERSION) {
            (void)server_reply(c, DSC_ERR, NULL, 0, "version");
            return SNOW_EVERSION;
        }
        c->hello = true;
        return server_reply(c, DSC_HELLO, NULL, 0, NULL);
    }
    switch (m.verb) {
    case DSC_REG:
        return server_register(c, &m);
    case DSC_GET: {
        long i = server_find(c->srv, m.name);
        if (c->entry < 0)
            server_conn_idle_arm(c);
        if (i < 0)
            return server_reply(c, DSC_UNKNOWN, m.name, 0, NULL);
        return server_reply(c, DSC_PORT, m.name, c->srv->entries[i].port, NULL);
    }
    default:
        return SNOW_EPROTO; /* a server verb, or HELLO twice */
    }
}

static void server_conn_ready(void *arg, int fd, unsigned ready)
{
    struct server_conn *c = arg;
    int rc = dsc_lines_read(fd, &c->lines, server_line, c);
    if (rc == 0)
        return;
    const char *what = rc == SNOW_EMSGSIZE    ? "line too long"
                       : rc == SNOW_EPROTO    ? "malformed line"
                       : rc == SNOW_EVERSION  ? "unsupported protocol version"
                       : rc == SNOW_EIO       ? "not reading its replies, or socket error"
                                              : "connection ended";
    server_conn_drop(c, rc, what);
}

static void server_accept(void *arg, int lfd, unsigned ready)
{
    struct dsc_server *s = arg;
    struct dsc *d = s->d;

    for (int n = 0; n < SERVER_ACCEPTS_PER_CALL; n++) {
        int fd = dsc_net_accept(lfd);
        if (fd < 0)
            return;
        struct server_conn *c = NULL;
        if (s->nconns >= d->o.max_conns) {
            dsc_log(d, SNOW_LOG_WARN, "SNOW-DISCOVERY-CONNLIMIT",
                    "registry at %zu connections: refused one", s->nconns);
        } else if ((c = calloc(1, sizeof *c)) != NULL) {
            c->srv = s;
            c->fd = fd;
            c->entry = -1;
            if (d->svc->fd_watch(d->ctx, fd, SNOW_FD_READ, server_conn_ready, c, &c->watch) != 0) {
                free(c);
                c = NULL;
            }
        }
        if (!c) {
            close(fd);
            continue;
        }
        c->next = s->conns;
        if (s->conns)
            s->conns->prev = c;
        s->conns = c;
        s->nconns++;
        server_conn_idle_arm(c);
    }
}

int dsc_server_start(struct dsc *d)
{
    struct dsc_server *s;
    int fd, rc;

    if (d->server)
        return 0;
    rc = dsc_net_listen(&d->reg_bind, &fd);
    if (rc != 0)
        return rc;
    s = calloc(1, sizeof *s);
    if (s)
        s->entries = calloc(d->o.max_entries, sizeof *s->entries);
    if (!s || !s->entries ||
        d->svc->fd_watch(d->ctx, fd, SNOW_FD_READ, server_accept, s, &s->lwatch) != 0) {
        if (s)
            free(s->entries);
        free(s);
        close(fd);
        return SNOW_ENOMEM;
    }
    s->d = d;
    s->lfd = fd;
    s->entries[0].used = true;
    s->entries[0].port = (unsigned)d->node_port;
    memcpy(s->entries[0].name, d->name, sizeof d->name);
    s->nused = 1;
    d->server = s;
    dsc_log(d, SNOW_LOG_INFO, "SNOW-DISCOVERY-SERVE", "serving the node registry on %s:%d",
            d->reg_host, d->o.port);
    return 0;
}

void dsc_server_stop(struct dsc *d)
{
    struct dsc_server *s = d->server;
    if (!s)
        return;
    while (s->conns)
        server_conn_drop(s->conns, 0, "registry stopping");
    d->svc->fd_unwatch(d->ctx, s->lwatch);
    close(s->lfd);
    free(s->entries);
    free(s);
    d->server = NULL;
}

size_t dsc_server_count(const struct dsc *d)
{
    return d->server ? d->server->nused : 0;
}
