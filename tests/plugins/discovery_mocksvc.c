/* SPDX-License-Identifier: MIT */
/* A small services table on a test's own libevent base, for driving plugins. */
#include "config.h"

#include "discovery_mocksvc.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mock_handle {
    struct mock_handle *next;
    snow_plugin_ctx *ctx;
    uint64_t id;
    struct event *ev;
    bool is_timer;
    int fd;
    snow_svc_fn tfn;
    snow_fd_fn wfn;
    void *arg;
};

void mock_ctx_init(snow_plugin_ctx *ctx, struct event_base *base, const char *label)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->base = base;
    ctx->label = label;
    ctx->next_id = 1;
}

size_t mock_ctx_live(const snow_plugin_ctx *ctx)
{
    size_t n = 0;
    for (const struct mock_handle *h = ctx->handles; h; h = h->next)
        n++;
    return n;
}

static struct mock_handle *mock_unlink(snow_plugin_ctx *ctx, uint64_t id)
{
    for (struct mock_handle **pp = &ctx->handles; *pp; pp = &(*pp)->next)
        if ((*pp)->id == id) {
            struct mock_handle *h = *pp;
            *pp = h->next;
            return h;
        }
    return NULL;
}

static void mock_handle_free(struct mock_handle *h)
{
    event_free(h->ev);
    free(h);
}

void mock_ctx_clear(snow_plugin_ctx *ctx)
{
    while (ctx->handles)
        mock_handle_free(mock_unlink(ctx, ctx->handles->id));
}

int mock_log_count(const snow_plugin_ctx *ctx, const char *msgid)
{
    for (int i = 0; i < MOCK_LOG_IDS; i++)
        if (strcmp(ctx->logs[i].id, msgid) == 0)
            return ctx->logs[i].count;
    return 0;
}

/* ---- options ---- */

static const char *mock_opt_text(const snow_plugin_args *args, const char *key,
                                 enum snow_option_type *type)
{
    const struct snow_plugin_option *o = args->schema;
    while (o && o->key && strcmp(o->key, key) != 0)
        o++;
    if (!o || !o->key)
        return NULL;
    *type = o->type;
    for (const char *const *kv = args->kv; kv && kv[0]; kv += 2)
        if (strcmp(kv[0], key) == 0)
            return kv[1];
    return o->def;
}

static int mock_opt_bool(snow_plugin_ctx *ctx, const snow_plugin_args *args, const char *key,
                         bool *out)
{
    enum snow_option_type t;
    const char *v = mock_opt_text(args, key, &t);
    if (!v)
        return SNOW_ENOENT;
    if (t != SNOW_OPT_BOOL)
        return SNOW_ETYPE;
    *out = strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "on") == 0 ||
           strcmp(v, "1") == 0;
    return 0;
}

static int mock_opt_int(snow_plugin_ctx *ctx, const snow_plugin_args *args, const char *key,
                        int64_t *out)
{
    enum snow_option_type t;
    const char *v = mock_opt_text(args, key, &t);
    char *end;
    if (!v)
        return SNOW_ENOENT;
    if (t != SNOW_OPT_INT && t != SNOW_OPT_DURATION)
        return SNOW_ETYPE;
    long long n = strtoll(v, &end, 10);
    if (t == SNOW_OPT_DURATION && strcmp(end, "s") == 0)
        n *= 1000;
    else if (t == SNOW_OPT_DURATION && strcmp(end, "m") == 0)
        n *= 60000;
    else if (*end && strcmp(end, "ms") != 0)
        return SNOW_EINVAL;
    *out = n;
    return 0;
}

static int mock_opt_str(snow_plugin_ctx *ctx, const snow_plugin_args *args, const char *key,
                        const char **out)
{
    enum snow_option_type t;
    const char *v = mock_opt_text(args, key, &t);
    if (!v)
        return SNOW_ENOENT;
    if (t != SNOW_OPT_STRING && t != SNOW_OPT_PATH)
        return SNOW_ETYPE;
    *out = v;
    return 0;
}

/* ---- identity, log, time ---- */

static const char *mock_node_name(snow_plugin_ctx *ctx) { return ""; }
static uint32_t mock_node_creation(snow_plugin_ctx *ctx) { return 0; }
static int mock_node_addr(snow_plugin_ctx *ctx, size_t i, char *buf, size_t len)
{
    return SNOW_ENOENT;
}
static int mock_cookie_get(snow_plugin_ctx *ctx, const char *peer, void *buf, size_t len)
{
    return SNOW_ENOENT;
}

static void mock_vlog(snow_plugin_ctx *ctx, enum snow_log_level level, const char *msgid,
                      const char *fmt, va_list ap)
{
    for (int i = 0; i < MOCK_LOG_IDS; i++) {
        if (ctx->logs[i].id[0] == '\0')
            snprintf(ctx->logs[i].id, sizeof ctx->logs[i].id, "%s", msgid);
        if (strcmp(ctx->logs[i].id, msgid) == 0) {
            ctx->logs[i].count++;
            break;
        }
    }
    if (level == SNOW_LOG_DEBUG && !getenv("SNOW_TEST_DEBUG"))
        return;
    fprintf(stderr, "[%s] %s: ", ctx->label, msgid);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

static void mock_log(snow_plugin_ctx *ctx, enum snow_log_level level, const char *msgid,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mock_vlog(ctx, level, msgid, fmt, ap);
    va_end(ap);
}

static bool mock_log_enabled(snow_plugin_ctx *ctx, enum snow_log_level level) { return true; }

static int64_t mock_now_ns(snow_plugin_ctx *ctx)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- timers and fd watches ---- */

static struct mock_handle *mock_handle_new(snow_plugin_ctx *ctx, uint64_t *id)
{
    struct mock_handle *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->ctx = ctx;
    h->id = ctx->next_id++;
    h->next = ctx->handles;
    ctx->handles = h;
    if (id)
        *id = h->id;
    return h;
}

static void mock_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct mock_handle *h = arg;
    snow_svc_fn fn = h->tfn;
    void *fnarg = h->arg;
    mock_handle_free(mock_unlink(h->ctx, h->id));
    fn(fnarg);
}

static int mock_timer_add(snow_plugin_ctx *ctx, int64_t delay_ms, snow_svc_fn fn, void *arg,
                          uint64_t *id)
{
    if (delay_ms < 0 || !fn)
        return SNOW_EINVAL;
    struct mock_handle *h = mock_handle_new(ctx, id);
    if (!h)
        return SNOW_ENOMEM;
    h->is_timer = true;
    h->tfn = fn;
    h->arg = arg;
    h->ev = evtimer_new(ctx->base, mock_timer_cb, h);
    struct timeval tv = {.tv_sec = delay_ms / 1000, .tv_usec = (delay_ms % 1000) * 1000};
    evtimer_add(h->ev, &tv);
    return 0;
}

static int mock_timer_cancel(snow_plugin_ctx *ctx, uint64_t id)
{
    struct mock_handle *h = mock_unlink(ctx, id);
    if (!h || !h->is_timer)
        return SNOW_ENOENT;
    mock_handle_free(h);
    return 0;
}

static int mock_run_soon(snow_plugin_ctx *ctx, snow_svc_fn fn, void *arg)
{
    return mock_timer_add(ctx, 0, fn, arg, NULL);
}

static struct event_base *mock_event_base(snow_plugin_ctx *ctx) { return ctx->base; }

static void mock_watch_cb(evutil_socket_t fd, short what, void *arg)
{
    struct mock_handle *h = arg;
    unsigned ready = ((what & EV_READ) ? SNOW_FD_READ : 0u) | ((what & EV_WRITE) ? SNOW_FD_WRITE : 0u);
    h->wfn(h->arg, (int)fd, ready); /* may unwatch h: do not touch it after */
}

static struct event *mock_watch_event(struct mock_handle *h, unsigned events)
{
    short flags = EV_PERSIST | ((events & SNOW_FD_READ) ? EV_READ : 0) |
                  ((events & SNOW_FD_WRITE) ? EV_WRITE : 0);
    struct event *ev = event_new(h->ctx->base, h->fd, flags, mock_watch_cb, h);
    if (ev)
        event_add(ev, NULL);
    return ev;
}

static int mock_fd_watch(snow_plugin_ctx *ctx, int fd, unsigned events, snow_fd_fn fn,
                         void *arg, uint64_t *id)
{
    if (fd < 0 || !fn || !(events & (SNOW_FD_READ | SNOW_FD_WRITE)))
        return SNOW_EINVAL;
    struct mock_handle *h = mock_handle_new(ctx, id);
    if (!h)
        return SNOW_ENOMEM;
    h->fd = fd;
    h->wfn = fn;
    h->arg = arg;
    h->ev = mock_watch_event(h, events);
    if (!h->ev) {
        free(mock_unlink(ctx, h->id));
        return SNOW_ENOMEM;
    }
    return 0;
}

static int mock_fd_modify(snow_plugin_ctx *ctx, uint64_t id, unsigned events)
{
    for (struct mock_handle *h = ctx->handles; h; h = h->next)
        if (h->id == id && !h->is_timer) {
            struct event *ev = mock_watch_event(h, events);
            if (!ev)
                return SNOW_ENOMEM;
            event_free(h->ev);
            h->ev = ev;
            return 0;
        }
    return SNOW_ENOENT;
}

static int mock_fd_unwatch(snow_plugin_ctx *ctx, uint64_t id)
{
    struct mock_handle *h = mock_unlink(ctx, id);
    if (!h)
        return SNOW_ENOENT;
    if (h->is_timer) { /* not a watch: put it back */
        h->next = ctx->handles;
        ctx->handles = h;
        return SNOW_ENOENT;
    }
    mock_handle_free(h);
    return 0;
}

/* ---- request completion ---- */

static void mock_resolve_done(snow_plugin_ctx *ctx, snow_request *req, int code,
                              const char *const *addrs, size_t n)
{
    req->done = true;
    req->code = code;
    req->n = n;
    if (code == 0 && n > 0)
        snprintf(req->addr, sizeof req->addr, "%s", addrs[0]);
}

/* ---- everything a discovery plugin has no business calling ---- */

static int mock_conn_new(snow_plugin_ctx *ctx, snow_listener *l, snow_conn **out, void **cs)
{
    return SNOW_ENOTSUP;
}
static void mock_conn_up(snow_plugin_ctx *ctx, snow_conn *c) {}
static int mock_conn_recv(snow_plugin_ctx *ctx, snow_conn *c, const void *data, size_t len)
{
    return SNOW_ENOTSUP;
}
static void mock_conn_drained(snow_plugin_ctx *ctx, snow_conn *c) {}
static void mock_conn_closed(snow_plugin_ctx *ctx, snow_conn *c, int code, const char *r) {}
static void mock_request_done(snow_plugin_ctx *ctx, snow_request *req, int code, snow_pid pid)
{
    req->done = true;
    req->code = code;
}
static void mock_peer_found(snow_plugin_ctx *ctx, const char *node, const char *const *addrs,
                            size_t n)
{
}
static int mock_node_subscribe(snow_plugin_ctx *ctx, snow_node_event_fn fn, void *arg,
                               uint64_t *id)
{
    return SNOW_ENOTSUP;
}
static int mock_node_unsubscribe(snow_plugin_ctx *ctx, uint64_t id) { return SNOW_ENOENT; }
static int mock_nodes_visit(snow_plugin_ctx *ctx, snow_node_visit_fn fn, void *arg) { return 0; }
static int mock_channel_open(snow_plugin_ctx *ctx, const char *name, snow_channel_fn fn,
                             void *arg, snow_channel **out)
{
    return SNOW_ENOTSUP;
}
static int mock_channel_send(snow_plugin_ctx *ctx, snow_channel *ch, const char *node,
                             const void *data, size_t len)
{
    return SNOW_ENOTSUP;
}
static int mock_channel_send_term(snow_plugin_ctx *ctx, snow_channel *ch, const char *node,
                                  const snow_term *t)
{
    return SNOW_ENOTSUP;
}
static void mock_channel_close(snow_plugin_ctx *ctx, snow_channel *ch) {}
static int mock_send(snow_plugin_ctx *ctx, snow_pid to, const snow_term *msg)
{
    return SNOW_ENOTSUP;
}
static int mock_send_named(snow_plugin_ctx *ctx, const char *name, const char *node,
                           const snow_term *msg)
{
    return SNOW_ENOTSUP;
}
static int mock_spawn(snow_plugin_ctx *ctx, snow_svc_proc_fn fn, const snow_term *arg,
                      snow_pid *out)
{
    return SNOW_ENOTSUP;
}
static int mock_monitor(snow_plugin_ctx *ctx, snow_pid pid, snow_pid_down_fn fn, void *arg,
                        uint64_t *id)
{
    return SNOW_ENOTSUP;
}
static int mock_demonitor(snow_plugin_ctx *ctx, uint64_t id) { return SNOW_ENOENT; }
static snow_term *mock_term_ref(snow_plugin_ctx *ctx, snow_term *t) { return t; }
static void mock_term_release(snow_plugin_ctx *ctx, snow_term *t) {}
static int mock_term_type(snow_plugin_ctx *ctx, const snow_term *t) { return SNOW_ENOTSUP; }
static snow_term *mock_term_nil(snow_plugin_ctx *ctx) { return NULL; }
static snow_term *mock_term_int(snow_plugin_ctx *ctx, int64_t v) { return NULL; }
static snow_term *mock_term_bytes(snow_plugin_ctx *ctx, const char *s, size_t len)
{
    return NULL;
}
static snow_term *mock_term_binary(snow_plugin_ctx *ctx, const void *d, size_t len)
{
    return NULL;
}
static snow_term *mock_term_pid(snow_plugin_ctx *ctx, snow_pid pid) { return NULL; }
static snow_term *mock_term_items(snow_plugin_ctx *ctx, size_t n, snow_term **items)
{
    return NULL;
}
static int mock_term_get_int(snow_plugin_ctx *ctx, const snow_term *t, int64_t *out)
{
    return SNOW_ENOTSUP;
}
static int mock_term_get_text(snow_plugin_ctx *ctx, const snow_term *t, const char **s,
                              size_t *len)
{
    return SNOW_ENOTSUP;
}
static int mock_term_get_binary(snow_plugin_ctx *ctx, const snow_term *t, const void **d,
                                size_t *len)
{
    return SNOW_ENOTSUP;
}
static int mock_term_get_pid(snow_plugin_ctx *ctx, const snow_term *t, snow_pid *out)
{
    return SNOW_ENOTSUP;
}
static int mock_term_size(snow_plugin_ctx *ctx, const snow_term *t, size_t *n)
{
    return SNOW_ENOTSUP;
}
static int mock_term_elem(snow_plugin_ctx *ctx, const snow_term *t, size_t i,
                          const snow_term **out)
{
    return SNOW_ENOTSUP;
}
static int mock_term_format(snow_plugin_ctx *ctx, const snow_term *t, char *buf, size_t len)
{
    return SNOW_ENOTSUP;
}
static int mock_stf_encode(snow_plugin_ctx *ctx, const snow_term *t, void *buf, size_t len,
                           size_t *outlen)
{
    return SNOW_ENOTSUP;
}
static int mock_stf_decode(snow_plugin_ctx *ctx, const void *data, size_t len, snow_term **out,
                           char *err, size_t errlen)
{
    return SNOW_ENOTSUP;
}

const struct snow_services mock_services = {
    .size = sizeof(struct snow_services),
    .abi_major = SNOW_PLUGIN_ABI_MAJOR,
    .abi_minor = SNOW_PLUGIN_ABI_MINOR,
    .opt_bool = mock_opt_bool,
    .opt_int = mock_opt_int,
    .opt_str = mock_opt_str,
    .node_name = mock_node_name,
    .node_creation = mock_node_creation,
    .node_addr = mock_node_addr,
    .cookie_get = mock_cookie_get,
    .log = mock_log,
    .vlog = mock_vlog,
    .log_enabled = mock_log_enabled,
    .now_ns = mock_now_ns,
    .timer_add = mock_timer_add,
    .timer_cancel = mock_timer_cancel,
    .event_base = mock_event_base,
    .fd_watch = mock_fd_watch,
    .fd_modify = mock_fd_modify,
    .fd_unwatch = mock_fd_unwatch,
    .run_soon = mock_run_soon,
    .conn_new = mock_conn_new,
    .conn_up = mock_conn_up,
    .conn_recv = mock_conn_recv,
    .conn_drained = mock_conn_drained,
    .conn_closed = mock_conn_closed,
    .resolve_done = mock_resolve_done,
    .request_done = mock_request_done,
    .peer_found = mock_peer_found,
    .node_subscribe = mock_node_subscribe,
    .node_unsubscribe = mock_node_unsubscribe,
    .nodes_visit = mock_nodes_visit,
    .channel_open = mock_channel_open,
    .channel_send = mock_channel_send,
    .channel_send_term = mock_channel_send_term,
    .channel_close = mock_channel_close,
    .send = mock_send,
    .send_named = mock_send_named,
    .spawn = mock_spawn,
    .monitor = mock_monitor,
    .demonitor = mock_demonitor,
    .term_ref = mock_term_ref,
    .term_release = mock_term_release,
    .term_type = mock_term_type,
    .term_nil = mock_term_nil,
    .term_int = mock_term_int,
    .term_atom = mock_term_bytes,
    .term_string = mock_term_bytes,
    .term_binary = mock_term_binary,
    .term_pid = mock_term_pid,
    .term_tuple = mock_term_items,
    .term_list = mock_term_items,
    .term_get_int = mock_term_get_int,
    .term_get_atom = mock_term_get_text,
    .term_get_string = mock_term_get_text,
    .term_get_binary = mock_term_get_binary,
    .term_get_pid = mock_term_get_pid,
    .term_size = mock_term_size,
    .term_elem = mock_term_elem,
    .term_format = mock_term_format,
    .stf_encode = mock_stf_encode,
    .stf_decode = mock_stf_decode,
};
