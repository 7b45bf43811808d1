/* SPDX-License-Identifier: MIT */
/* A small stand-in kernel for plugin tests: dlopen a built plugin, drive it through a services table. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "plugin_harness.h"

static bool harness_verbose(void)
{
    const char *v = getenv("SNOW_TEST_VERBOSE");
    return v != NULL && *v != '\0' && *v != '0';
}

struct event_base *th_base_new(void)
{
    return event_base_new();
}

/* ---- options: the kernel validates against the schema; we look up ---- */

static const struct snow_plugin_option *harness_schema(struct th_plugin *p, const char *key)
{
    for (const struct snow_plugin_option *o = p->desc->options; o && o->key; o++)
        if (strcmp(o->key, key) == 0)
            return o;
    return NULL;
}

static int harness_opt_text(struct th_plugin *p, const char *key, enum snow_option_type want,
                            const char **text)
{
    const struct snow_plugin_option *o = harness_schema(p, key);
    if (o == NULL)
        return SNOW_ENOENT;
    bool ok = o->type == want || (want == SNOW_OPT_INT && o->type == SNOW_OPT_DURATION) ||
              (want == SNOW_OPT_STRING && o->type == SNOW_OPT_PATH);
    if (!ok)
        return SNOW_ETYPE;
    for (int i = 0; i < p->nopts; i++)
        if (strcmp(p->opt_key[i], key) == 0) {
            *text = p->opt_val[i];
            return 0;
        }
    if (o->def == NULL)
        return SNOW_ENOENT;
    *text = o->def;
    return 0;
}

static int svc_opt_bool(snow_plugin_ctx *ctx, const snow_plugin_args *args, const char *key,
                        bool *out)
{
    const char *t;
    int rc = harness_opt_text(ctx->p, key, SNOW_OPT_BOOL, &t);
    if (rc == 0)
        *out = strcmp(t, "true") == 0 || strcmp(t, "yes") == 0 || strcmp(t, "on") == 0 ||
               strcmp(t, "1") == 0;
    return rc;
}

static int svc_opt_int(snow_plugin_ctx *ctx, const snow_plugin_args *args, const char *key,
                       int64_t *out)
{
    const char *t;
    int rc = harness_opt_text(ctx->p, key, SNOW_OPT_INT, &t);
    if (rc != 0)
        return rc;
    char *end;
    long long v = strtoll(t, &end, 10);
    /* DURATION: a bare number is ms; "s" scales (enough for the tests). */
    if (*end == 's')
        v *= 1000;
    *out = v;
    return 0;
}

static int svc_opt_str(snow_plugin_ctx *ctx, const snow_plugin_args *args, const char *key,
                       const char **out)
{
    return harness_opt_text(ctx->p, key, SNOW_OPT_STRING, out);
}

/* ---- identity, log, time ---- */

static const char *svc_node_name(snow_plugin_ctx *ctx)
{
    return ctx->p->node_name ? ctx->p->node_name : "";
}

static uint32_t svc_node_creation(snow_plugin_ctx *ctx)
{
    return 1;
}

static int svc_node_addr(snow_plugin_ctx *ctx, size_t i, char *buf, size_t len)
{
    return SNOW_ENOENT;
}

static int svc_cookie_get(snow_plugin_ctx *ctx, const char *peer, void *buf, size_t len)
{
    const char *c = ctx->p->cookie;
    if (c == NULL)
        return SNOW_ENOENT;
    size_t n = strlen(c);
    memcpy(buf, c, n < len ? n : len);
    return (int)n;
}

static void svc_vlog(snow_plugin_ctx *ctx, enum snow_log_level level, const char *msgid,
                     const char *fmt, va_list ap)
{
    snprintf(ctx->p->last_msgid, sizeof ctx->p->last_msgid, "%s", msgid);
    if (!harness_verbose())
        return;
    fprintf(stderr, "[%s] %s: ", ctx->p->desc->name, msgid);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

static void svc_log(snow_plugin_ctx *ctx, enum snow_log_level level, const char *msgid,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    svc_vlog(ctx, level, msgid, fmt, ap);
    va_end(ap);
}

static bool svc_log_enabled(snow_plugin_ctx *ctx, enum snow_log_level level)
{
    return harness_verbose();
}

static int64_t svc_now_ns(snow_plugin_ctx *ctx)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct event_base *svc_event_base(snow_plugin_ctx *ctx)
{
    return ctx->p->base;
}

/* ---- connection hand-off ---- */

static struct snow_conn *harness_conn_alloc(struct th_plugin *p)
{
    const struct snow_transport_ops *ops = th_transport(p);
    if (p->nconns == TH_MAX_CONNS)
        return NULL;
    /* Header and transport state in one block, as the kernel does. */
    size_t head = (sizeof(struct snow_conn) + 15) & ~(size_t)15;
    struct snow_conn *c = calloc(1, head + ops->conn_state_size);
    if (c == NULL)
        return NULL;
    c->p = p;
    c->cs = (char *)c + head;
    c->rx = evbuffer_new();
    p->conns[p->nconns++] = c;
    return c;
}

static int svc_conn_new(snow_plugin_ctx *ctx, snow_listener *l, snow_conn **out, void **cs)
{
    struct snow_conn *c = harness_conn_alloc(ctx->p);
    if (c == NULL || l->naccepted == TH_MAX_CONNS)
        return SNOW_ELIMIT;
    l->accepted[l->naccepted++] = c;
    *out = c;
    *cs = c->cs;
    return 0;
}

static void svc_conn_up(snow_plugin_ctx *ctx, snow_conn *c)
{
    c->up = true;
}

static int svc_conn_recv(snow_plugin_ctx *ctx, snow_conn *c, const void *data, size_t len)
{
    c->recv_calls++;
    if (c->recv_result < 0)
        return c->recv_result;
    if (ctx->p->on_recv)
        ctx->p->on_recv(c, data, len);
    else
        evbuffer_add(c->rx, data, len);
    return 0;
}

static void svc_conn_drained(snow_plugin_ctx *ctx, snow_conn *c)
{
    if (ctx->p->in_op)
        c->reentered++;
    c->drained++;
}

static void harness_deferred_close(evutil_socket_t fd, short what, void *arg)
{
    th_close(arg);
}

static void svc_conn_closed(snow_plugin_ctx *ctx, snow_conn *c, int code, const char *reason)
{
    if (ctx->p->in_op)
        c->reentered++;
    c->closed = true;
    c->code = code;
    snprintf(c->reason, sizeof c->reason, "%s", reason ? reason : "");
    if (harness_verbose())
        fprintf(stderr, "[%s] conn closed: %s: %s\n", ctx->p->desc->name,
                snow_strerror_name(code), c->reason);
    /* The kernel closes after the report returns, on a later iteration. */
    struct timeval now = {0, 0};
    event_base_once(ctx->p->base, -1, EV_TIMEOUT, harness_deferred_close, c, &now);
}

/* ---- loading ---- */

static void *harness_dlopen(const char *file, char *errbuf, size_t errlen)
{
    const char *path = getenv("SNOW_PLUGIN_PATH");
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path ? path : "plugins/.libs");
    for (char *save = NULL, *dir = strtok_r(buf, ":", &save); dir;
         dir = strtok_r(NULL, ":", &save)) {
        char full[4200];
        snprintf(full, sizeof full, "%s/%s.so", dir, file);
        if (access(full, R_OK) != 0)
            continue;
        void *dl = dlopen(full, RTLD_NOW | RTLD_LOCAL);
        if (dl)
            return dl;
        snprintf(errbuf, errlen, "%s", dlerror());
        return NULL;
    }
    return NULL;
}

struct th_plugin *th_plugin_load(struct event_base *base, const char *file,
                                 const char *const *kv, char *errbuf, size_t errlen)
{
    snprintf(errbuf, errlen, "%s.so not found in $SNOW_PLUGIN_PATH", file);
    void *dl = harness_dlopen(file, errbuf, errlen);
    if (dl == NULL)
        return NULL;
    const struct snow_plugin_desc *d = dlsym(dl, SNOW_PLUGIN_SYMBOL);
    if (d == NULL || d->magic != SNOW_PLUGIN_MAGIC || d->abi_major != SNOW_PLUGIN_ABI_MAJOR) {
        snprintf(errbuf, errlen, "%s: not a Snow plugin of ABI %d", file,
                 SNOW_PLUGIN_ABI_MAJOR);
        dlclose(dl);
        return NULL;
    }
    struct th_plugin *p = calloc(1, sizeof *p);
    p->dl = dl;
    p->desc = d;
    p->base = base;
    p->ctx.p = p;
    for (int i = 0; kv && kv[i] && kv[i + 1] && p->nopts < TH_MAX_OPTS; i += 2) {
        p->opt_key[p->nopts] = kv[i];
        p->opt_val[p->nopts++] = kv[i + 1];
    }
    struct snow_services *s = &p->svc;
    s->size = sizeof *s;
    s->abi_major = SNOW_PLUGIN_ABI_MAJOR;
    s->abi_minor = SNOW_PLUGIN_ABI_MINOR;
    s->opt_bool = svc_opt_bool;
    s->opt_int = svc_opt_int;
    s->opt_str = svc_opt_str;
    s->node_name = svc_node_name;
    s->node_creation = svc_node_creation;
    s->node_addr = svc_node_addr;
    s->cookie_get = svc_cookie_get;
    s->log = svc_log;
    s->vlog = svc_vlog;
    s->log_enabled = svc_log_enabled;
    s->now_ns = svc_now_ns;
    s->event_base = svc_event_base;
    s->conn_new = svc_conn_new;
    s->conn_up = svc_conn_up;
    s->conn_recv = svc_conn_recv;
    s->conn_drained = svc_conn_drained;
    s->conn_closed = svc_conn_closed;
    char why[256] = "";
    int rc = d->init(s, &p->ctx, NULL, &p->state, why, sizeof why);
    if (rc != 0) {
        snprintf(errbuf, errlen, "%s init: %s: %s", file, snow_strerror_name(rc), why);
        dlclose(dl);
        free(p);
        return NULL;
    }
    return p;
}

void th_plugin_unload(struct th_plugin *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < p->nconns; i++) {
        struct snow_conn *c = p->conns[i];
        th_close(c);
        evbuffer_free(c->rx);
        free(c);
    }
    if (p->desc->fini)
        p->desc->fini(p->state);
    dlclose(p->dl);
    free(p);
}

const struct snow_transport_ops *th_transport(const struct th_plugin *p)
{
    return p->desc->kind == SNOW_PLUGIN_TRANSPORT ? p->desc->ops : NULL;
}

const struct snow_auth_ops *th_auth(const struct th_plugin *p)
{
    return p->desc->kind == SNOW_PLUGIN_AUTH ? p->desc->ops : NULL;
}

/* ---- transport helpers ---- */

int th_listen(struct th_plugin *p, const char *addr, struct snow_listener *l)
{
    memset(l, 0, sizeof *l);
    l->p = p;
    return th_transport(p)->listen(p->state, l, addr, &l->lstate, l->bound, sizeof l->bound);
}

void th_unlisten(struct snow_listener *l)
{
    if (l->lstate)
        th_transport(l->p)->unlisten(l->p->state, l, l->lstate);
    l->lstate = NULL;
}

int th_connect(struct th_plugin *p, const char *addr, struct snow_conn **out)
{
    struct snow_conn *c = harness_conn_alloc(p);
    *out = c;
    if (c == NULL)
        return SNOW_ENOMEM;
    c->outbound = true;
    int rc = th_transport(p)->connect(p->state, c, c->cs, addr);
    if (rc != 0)
        c->close_called = true; /* failed at once: no close() is owed */
    return rc;
}

int th_sendv(struct snow_conn *c, const struct snow_iov *iov, int iovcnt)
{
    c->p->in_op = true;
    int rc = th_transport(c->p)->send(c->p->state, c, c->cs, iov, iovcnt);
    c->p->in_op = false;
    return rc;
}

void th_flush(struct snow_conn *c)
{
    const struct snow_transport_ops *ops = th_transport(c->p);
    c->p->in_op = true;
    if (ops->flush)
        ops->flush(c->p->state, c, c->cs);
    c->p->in_op = false;
}

int th_send(struct snow_conn *c, const void *data, size_t len)
{
    struct snow_iov iov = {data, len};
    int rc = th_sendv(c, &iov, 1);
    th_flush(c);
    return rc;
}

void th_close(struct snow_conn *c)
{
    if (c->close_called)
        return;
    c->close_called = true;
    th_transport(c->p)->close(c->p->state, c, c->cs);
}

static void harness_tick(evutil_socket_t fd, short what, void *arg)
{
    *(bool *)arg = true;
}

bool th_has_rx(void *conn)
{
    return evbuffer_get_length(((struct snow_conn *)conn)->rx) > 0;
}

bool th_run_until(struct event_base *base, bool (*pred)(void *), void *arg, int timeout_ms)
{
    bool expired = false;
    struct event *deadline = evtimer_new(base, harness_tick, &expired);
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    evtimer_add(deadline, &tv);
    bool ok;
    while (!(ok = pred(arg)) && !expired)
        event_base_loop(base, EVLOOP_ONCE);
    event_free(deadline);
    return ok;
}

struct harness_pair {
    struct snow_listener *l;
    struct snow_conn *cc;
};

static bool harness_pair_ready(void *arg)
{
    struct harness_pair *hp = arg;
    return (hp->cc->up || hp->cc->closed) &&
           (hp->l->naccepted > 0 && (hp->l->accepted[0]->up || hp->l->accepted[0]->closed));
}

bool th_pair(struct th_plugin *srv, struct th_plugin *cli, struct snow_listener *l,
             struct snow_conn **cc, struct snow_conn **sc)
{
    if (th_listen(srv, "127.0.0.1:0", l) != 0)
        return false;
    if (th_connect(cli, l->bound, cc) != 0)
        return false;
    struct harness_pair hp = {l, *cc};
    if (!th_run_until(srv->base, harness_pair_ready, &hp, 5000))
        return false;
    *sc = l->accepted[0];
    return (*cc)->up && (*sc)->up;
}

/* ---- bulk transfer ---- */

unsigned char th_pattern(size_t i, unsigned seed)
{
    uint32_t x = (uint32_t)i * 2654435761u + seed;
    return (unsigned char)(x >> 13);
}

struct harness_sender {
    struct snow_conn *c;
    size_t total, sent;
    unsigned seed;
    uint32_t rng;
    int drained_seen;
    int last_queued;
    int err;
};

static uint32_t harness_rand(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* Queue more bytes while the transport's queue is short: up to 32 frames of
 * varied size per send call, like a kernel flushing its batch. */
static void harness_pump(struct harness_sender *s)
{
    static unsigned char buf[32][4096];
    while (s->sent < s->total && s->err == 0) {
        if (s->last_queued > 512 * 1024 && s->c->drained == s->drained_seen)
            return; /* wait for conn_drained */
        s->drained_seen = s->c->drained;
        struct snow_iov iov[32];
        int n = 1 + (int)(harness_rand(&s->rng) % 32);
        int k = 0;
        for (; k < n && s->sent < s->total; k++) {
            size_t len = 1 + harness_rand(&s->rng) % 4096;
            if (len > s->total - s->sent)
                len = s->total - s->sent;
            for (size_t j = 0; j < len; j++)
                buf[k][j] = th_pattern(s->sent + j, s->seed);
            iov[k].base = buf[k];
            iov[k].len = len;
            s->sent += len;
        }
        int rc = th_sendv(s->c, iov, k);
        if (rc < 0) {
            s->err = rc;
            return;
        }
        s->last_queued = rc;
        th_flush(s->c);
    }
}

struct harness_bulk {
    struct harness_sender a, b;
};

static bool harness_bulk_done(void *arg)
{
    struct harness_bulk *hb = arg;
    harness_pump(&hb->a);
    harness_pump(&hb->b);
    if (hb->a.err || hb->b.err || hb->a.c->closed || hb->b.c->closed)
        return true;
    return evbuffer_get_length(hb->a.c->rx) >= hb->b.total &&
           evbuffer_get_length(hb->b.c->rx) >= hb->a.total;
}

static bool harness_check_rx(struct snow_conn *c, size_t total, unsigned seed)
{
    if (evbuffer_get_length(c->rx) != total)
        return false;
    const unsigned char *p = evbuffer_pullup(c->rx, -1);
    for (size_t i = 0; i < total; i++)
        if (p[i] != th_pattern(i, seed)) {
            fprintf(stderr, "byte %zu differs\n", i);
            return false;
        }
    return true;
}

bool th_bulk_both_ways(struct event_base *base, struct snow_conn *a, struct snow_conn *b,
                       size_t bytes, int timeout_ms)
{
    struct harness_bulk hb = {
        .a = {.c = a, .total = bytes, .seed = 17, .rng = 1},
        .b = {.c = b, .total = bytes, .seed = 91, .rng = 2},
    };
    th_run_until(base, harness_bulk_done, &hb, timeout_ms);
    if (getenv("SNOW_TEST_VERBOSE"))
        fprintf(stderr, "bulk: a sent %zu q %d dr %d/%d rx %zu; b sent %zu q %d dr %d/%d rx %zu\n",
                hb.a.sent, hb.a.last_queued, hb.a.c->drained, hb.a.drained_seen,
                evbuffer_get_length(a->rx), hb.b.sent, hb.b.last_queued, hb.b.c->drained,
                hb.b.drained_seen, evbuffer_get_length(b->rx));
    if (hb.a.err || hb.b.err) {
        fprintf(stderr, "send failed: %s / %s\n", snow_strerror_name(hb.a.err),
                snow_strerror_name(hb.b.err));
        return false;
    }
    return harness_check_rx(b, bytes, 17) && harness_check_rx(a, bytes, 91);
}
