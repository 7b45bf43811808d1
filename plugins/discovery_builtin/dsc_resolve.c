/* SPDX-License-Identifier: MIT */
/* Resolving node names: static entries, explicit ports, registry queries. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsc.h"

/* Static entries are for a handful of fixed peers, not a directory. */
#define RESOLVE_MAX_STATIC 256
/* Peers the kernel told us about (peer lists), remembered as a fallback. */
#define RESOLVE_MAX_LEARNED 256

struct dsc_query {
    struct dsc *d;
    struct dsc_query *prev, *next;
    snow_request *req;
    int fd;
    uint64_t watch, timer;
    bool has_watch, has_timer, connected, got_hello;
    struct dsc_lookup *lookup; /* while the host name is being looked up */
    size_t ncand, icand;       /* registry addresses to try, in order */
    struct dsc_sockaddr cand[DSC_LOOKUP_ADDRS];
    struct dsc_node node;
    char text[sizeof ((struct dsc_static *)0)->node]; /* the name as asked */
    struct dsc_lines lines;
};

int dsc_static_parse(struct dsc *d, const char *text, char *err, size_t errlen)
{
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    if (n > RESOLVE_MAX_STATIC) {
        snprintf(err, errlen, "static: more than %d entries", RESOLVE_MAX_STATIC);
        return SNOW_EINVAL;
    }
    d->statics = calloc(n, sizeof *d->statics);
    if (!d->statics) {
        snprintf(err, errlen, "static: out of memory");
        return SNOW_ENOMEM;
    }
    for (const char *p = text;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        struct dsc_static *s = &d->statics[d->nstatics];
        struct dsc_node node;
        char host[DSC_HOST_MAX + 1];
        int port;
        size_t nlen = eq ? (size_t)(eq - p) : 0, alen = eq ? len - nlen - 1 : 0;
        if (!eq || nlen >= sizeof s->node || alen >= sizeof s->addr) {
            snprintf(err, errlen, "static: entry %zu: expected node@host=host:port",
                     d->nstatics + 1);
            return SNOW_EINVAL;
        }
        memcpy(s->node, p, nlen);
        memcpy(s->addr, eq + 1, alen);
        if (dsc_node_parse(s->node, &node) != 0 ||
            dsc_addr_parse(s->addr, host, sizeof host, &port) != 0) {
            snprintf(err, errlen, "static: entry %zu (\"%s\"): expected node@host=host:port",
                     d->nstatics + 1, s->node);
            return SNOW_EINVAL;
        }
        d->nstatics++;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

static const char *resolve_find(const struct dsc_static *v, size_t n, const char *node)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(node, v[i].node) == 0)
            return v[i].addr;
    return NULL;
}

void dsc_learn(struct dsc *d, const char *node, const char *addr)
{
    struct dsc_node n;
    char host[DSC_HOST_MAX + 1];
    int port;
    if (!node || dsc_node_parse(node, &n) != 0 || strlen(node) >= sizeof d->learned->node ||
        dsc_addr_parse(addr, host, sizeof host, &port) != 0 ||
        strlen(addr) >= sizeof d->learned->addr)
        return;
    if (!d->learned && !(d->learned = calloc(RESOLVE_MAX_LEARNED, sizeof *d->learned)))
        return;
    struct dsc_static *e = NULL;
    for (size_t i = 0; i < d->nlearned && !e; i++)
        if (strcmp(node, d->learned[i].node) == 0)
            e = &d->learned[i];
    if (!e && d->nlearned < RESOLVE_MAX_LEARNED)
        e = &d->learned[d->nlearned++];
    if (!e) { /* full: replace the oldest insertion */
        e = &d->learned[d->learned_next];
        d->learned_next = (d->learned_next + 1) % RESOLVE_MAX_LEARNED;
    }
    snprintf(e->node, sizeof e->node, "%s", node);
    snprintf(e->addr, sizeof e->addr, "%s", addr);
}

/* When the registry cannot be asked (none reachable on that host, no
 * answer), an address learned from a peer list is better than nothing:
 * the node's own port may be reachable where the registry port is not.
 * The registry stays authoritative: its UNKNOWN is never overridden. */
static const char *resolve_fallback(const struct dsc *d, const char *node, int code)
{
    if (code != SNOW_ECONNREFUSED && code != SNOW_ETIMEDOUT && code != SNOW_EIO &&
        code != SNOW_ECLOSED)
        return NULL;
    return resolve_find(d->learned, d->nlearned, node);
}

static void query_close_fd(struct dsc_query *q)
{
    if (q->has_watch)
        q->d->svc->fd_unwatch(q->d->ctx, q->watch);
    if (q->fd >= 0)
        close(q->fd);
    q->has_watch = false;
    q->fd = -1;
}

static void query_free(struct dsc_query *q)
{
    struct dsc *d = q->d;
    if (q->prev)
        q->prev->next = q->next;
    else
        d->queries = q->next;
    if (q->next)
        q->next->prev = q->prev;
    if (q->lookup)
        dsc_lookup_cancel(q->lookup);
    query_close_fd(q);
    if (q->has_timer)
        d->svc->timer_cancel(d->ctx, q->timer);
    free(q);
}

/* The numeric host of the registry we reached: the node is on it. */
static void query_host(const struct dsc_query *q, char *buf, size_t len)
{
    const struct sockaddr_storage *ss = &q->cand[q->icand].ss;
    const void *a = ss->ss_family == AF_INET6
                        ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
                        : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;
    if (!inet_ntop(ss->ss_family, a, buf, (socklen_t)len))
        snprintf(buf, len, "%s", q->node.host);
}

/* Frees q, then completes its request (so the kernel may re-enter). */
static void query_done(struct dsc_query *q, int code, unsigned port)
{
    struct dsc *d = q->d;
    snow_request *req = q->req;
    char host[DSC_HOST_MAX + 1], addr[DSC_ADDR_MAX + 1];
    const char *addrs[1] = {addr};

    const char *learned = resolve_fallback(d, q->text, code);

    if (code == 0) {
        query_host(q, host, sizeof host);
        if (dsc_addr_format(host, (int)port, addr, sizeof addr) < 0)
            code = SNOW_ERANGE;
    } else if (learned) {
        snprintf(addr, sizeof addr, "%s", learned);
        code = 0;
    }
    if (code != 0 && code != SNOW_ENONODE)
        dsc_log(d, SNOW_LOG_DEBUG, "SNOW-DISCOVERY-RESOLVE", "resolving %s@%s: %s",
                q->node.name, q->node.host, dsc_errname(code));
    query_free(q);
    d->svc->resolve_done(d->ctx, req, code, code == 0 ? addrs : NULL, code == 0 ? 1 : 0);
}

static void query_ready(void *arg, int fd, unsigned ready);

/* Connects to the current candidate, moving on to the next one when a
 * connect fails at once. 0 (in progress) or the last failure. */
static int query_connect(struct dsc_query *q)
{
    struct dsc *d = q->d;
    int rc = SNOW_ECONNREFUSED;
    for (; q->icand < q->ncand; q->icand++) {
        rc = dsc_net_connect(&q->cand[q->icand], &q->fd);
        if (rc != 0)
            continue;
        if (d->svc->fd_watch(d->ctx, q->fd, SNOW_FD_WRITE, query_ready, q, &q->watch) != 0) {
            close(q->fd);
            q->fd = -1;
            return SNOW_ENOMEM;
        }
        q->has_watch = true;
        return 0;
    }
    return rc;
}

/* Positive: the port found; negative: done with that code; 0: keep reading. */
static int query_line(void *arg, const char *line, size_t len)
{
    struct dsc_query *q = arg;
    struct dsc_msg m;

    if (dsc_msg_parse(line, len, &m) != 0)
        return SNOW_EPROTO;
    if (!q->got_hello) {
        if (m.verb != DSC_HELLO || m.version != DSC_PROTO_VERSION)
            return SNOW_EVERSION;
        q->got_hello = true;
        return 0;
    }
    if (strcmp(m.name, q->node.name) != 0)
        return SNOW_EPROTO;
    if (m.verb == DSC_PORT)
        return (int)m.port;
    if (m.verb == DSC_UNKNOWN)
        return SNOW_ENONODE;
    return SNOW_EPROTO;
}

static void query_ready(void *arg, int fd, unsigned ready)
{
    struct dsc_query *q = arg;
    struct dsc *d = q->d;
    int rc;

    if (!q->connected) {
        rc = dsc_net_connected(fd);
        if (rc != 0 && q->icand + 1 < q->ncand) {
            /* e.g. "localhost" gave ::1 first and the registry is on IPv4 */
            query_close_fd(q);
            q->icand++;
            rc = query_connect(q);
            if (rc != 0)
                query_done(q, rc, 0);
            return;
        }
        struct dsc_msg hello = {.verb = DSC_HELLO, .version = DSC_PROTO_VERSION};
        struct dsc_msg get = {.verb = DSC_GET};
        char buf[2 * DSC_LINE_MAX];
        memcpy(get.name, q->node.name, sizeof get.name);
        int n1 = rc != 0 ? rc : dsc_msg_format(&hello, buf, sizeof buf);
        int n2 = n1 < 0 ? n1 : dsc_msg_format(&get, buf + n1, sizeof buf - (size_t)n1);
        rc = n2 < 0 ? n2 : dsc_net_send(fd, buf, (size_t)(n1 + n2));
        if (rc == 0)
            rc = d->svc->fd_modify(d->ctx, q->watch, SNOW_FD_READ);
        if (rc != 0)
            query_done(q, rc, 0);
        else
            q->connected = true;
        return;
    }
    /* The line callback answers with a port (> 0) to stop reading. */
    struct dsc_lines *lb = &q->lines;
    rc = dsc_lines_read(fd, lb, query_line, q);
    if (rc > 0)
        query_done(q, 0, (unsigned)rc);
    else if (rc < 0)
        query_done(q, rc == SNOW_EMSGSIZE ? SNOW_EPROTO : rc, 0);
}

static void query_timeout(void *arg)
{
    struct dsc_query *q = arg;
    q->has_timer = false;
    query_done(q, SNOW_ETIMEDOUT, 0);
}

static void query_looked_up(void *arg, int code, const struct dsc_sockaddr *addrs, size_t n)
{
    struct dsc_query *q = arg;
    q->lookup = NULL;
    if (code == 0) {
        memcpy(q->cand, addrs, n * sizeof *addrs);
        q->ncand = n;
        code = query_connect(q);
    }
    if (code != 0)
        query_done(q, code, 0);
}

int dsc_resolve(struct dsc *d, snow_request *req, const char *node)
{
    struct dsc_node n;
    char addr[DSC_ADDR_MAX + 1];
    const char *addrs[1] = {addr};
    int rc;

    const char *fixed = node ? resolve_find(d->statics, d->nstatics, node) : NULL;
    if (fixed) {
        d->svc->resolve_done(d->ctx, req, 0, &fixed, 1);
        return 0;
    }
    if (dsc_node_parse(node, &n) != 0)
        return SNOW_EINVAL;
    if (n.port > 0) {
        rc = dsc_addr_format(n.host, n.port, addr, sizeof addr);
        if (rc < 0)
            return rc;
        d->svc->resolve_done(d->ctx, req, 0, addrs, 1);
        return 0;
    }
    struct dsc_query *q = calloc(1, sizeof *q);
    if (!q)
        return SNOW_ENOMEM;
    q->d = d;
    q->req = req;
    q->node = n;
    q->fd = -1;
    snprintf(q->text, sizeof q->text, "%s", node);
    rc = dsc_net_addr(n.host, d->o.port, 1, &q->cand[0]);
    if (rc == 0) {
        q->ncand = 1;
        rc = query_connect(q);
    } else if (rc == SNOW_ENOTSUP) {
        rc = dsc_lookup_start(d, n.host, d->o.port, query_looked_up, q, &q->lookup);
    }
    if (rc != 0) {
        free(q);
        fixed = resolve_fallback(d, node, rc);
        if (!fixed)
            return rc;
        d->svc->resolve_done(d->ctx, req, 0, &fixed, 1);
        return 0;
    }
    q->has_timer = d->svc->timer_add(d->ctx, d->o.timeout_ms, query_timeout, q, &q->timer) == 0;
    q->next = d->queries;
    if (d->queries)
        d->queries->prev = q;
    d->queries = q;
    return 0;
}

void dsc_resolve_abandon(struct dsc *d)
{
    while (d->queries)
        query_free(d->queries);
}
