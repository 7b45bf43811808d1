/* SPDX-License-Identifier: MIT */
/* The services table: plugin contexts, their resources, hooks, the slots. */
#include "config.h"

#include "services.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_list.h"
#include "plugin_opts.h"
#include "services_hooks.h"
#include "services_slots.h"

struct snow_plugin_ctx {
    char name[SK_PLUGIN_NAME_MAX + 1];
    void *owner;
    struct sk_svc_res *res;          /* what the plugin registered */
    struct sk_svc_soon *soon;        /* run_soon state (services_io.c) */
    snow_plugin_ctx *next, *prev;    /* all live contexts */
};

/* Recursive: a callback run under the lock may register more things. */
static pthread_mutex_t services_mu;
static pthread_once_t services_once = PTHREAD_ONCE_INIT;
static snow_plugin_ctx *services_ctxs;
static atomic_uint_fast64_t services_ids;
static struct sk_service_hooks services_hooks;
static int services_log_level = SNOW_LOG_INFO;

static void services_init_once(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&services_mu, &a);
    pthread_mutexattr_destroy(&a);
    const char *lvl = getenv("SNOW_LOG_LEVEL");
    if (lvl != NULL) {
        if (!strcmp(lvl, "error"))
            services_log_level = SNOW_LOG_ERROR;
        else if (!strcmp(lvl, "warn"))
            services_log_level = SNOW_LOG_WARN;
        else if (!strcmp(lvl, "debug"))
            services_log_level = SNOW_LOG_DEBUG;
    }
}

void sk_services_lock(void)
{
    pthread_once(&services_once, services_init_once);
    pthread_mutex_lock(&services_mu);
}

void sk_services_unlock(void)
{
    pthread_mutex_unlock(&services_mu);
}

uint64_t sk_services_next_id(void)
{
    return atomic_fetch_add(&services_ids, 1) + 1;
}

void sk_services_set_hooks(const struct sk_service_hooks *hooks)
{
    sk_services_lock();
    if (hooks != NULL)
        services_hooks = *hooks;
    else
        memset(&services_hooks, 0, sizeof services_hooks);
    sk_services_unlock();
}

const struct sk_service_hooks *sk_services_hooks(void)
{
    return &services_hooks;
}

/* ---- contexts and their resources ---- */

snow_plugin_ctx *sk_services_ctx_new(const char *name, void *owner)
{
    snow_plugin_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return NULL;
    snprintf(ctx->name, sizeof ctx->name, "%s", name);
    ctx->owner = owner;
    sk_services_lock();
    ctx->next = services_ctxs;
    if (services_ctxs != NULL)
        services_ctxs->prev = ctx;
    services_ctxs = ctx;
    sk_services_unlock();
    return ctx;
}

void *sk_services_ctx_plugin(const snow_plugin_ctx *ctx)
{
    return ctx->owner;
}

const char *sk_services_ctx_name(const snow_plugin_ctx *ctx)
{
    return ctx->name;
}

struct sk_svc_soon **sk_services_ctx_soon(snow_plugin_ctx *ctx)
{
    return &ctx->soon;
}

void sk_services_res_add(snow_plugin_ctx *ctx, struct sk_svc_res *r)
{
    sk_services_lock();
    r->ctx = ctx;
    r->prev = NULL;
    r->next = ctx->res;
    if (ctx->res != NULL)
        ctx->res->prev = r;
    ctx->res = r;
    sk_services_unlock();
}

void sk_services_res_remove(struct sk_svc_res *r)
{
    sk_services_lock();
    if (r->prev != NULL)
        r->prev->next = r->next;
    else
        r->ctx->res = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
    r->next = r->prev = NULL;
    sk_services_unlock();
}

struct sk_svc_res *sk_services_res_find(snow_plugin_ctx *ctx, uint64_t id,
                                        void (*release)(struct sk_svc_res *))
{
    struct sk_svc_res *found = NULL;
    sk_services_lock();
    for (struct sk_svc_res *r = ctx->res; r != NULL; r = r->next)
        if (r->id == id && r->release == release) {
            found = r;
            break;
        }
    sk_services_unlock();
    return found;
}

size_t sk_services_ctx_resources(const snow_plugin_ctx *ctx)
{
    size_t n = 0;
    sk_services_lock();
    for (struct sk_svc_res *r = ctx->res; r != NULL; r = r->next)
        n++;
    sk_services_unlock();
    return n;
}

void sk_services_ctx_free(snow_plugin_ctx *ctx)
{
    if (ctx == NULL)
        return;
    sk_services_soon_drop(ctx);
    /* Release newest first: the reverse of registration. */
    for (;;) {
        sk_services_lock();
        struct sk_svc_res *r = ctx->res;
        if (r != NULL)
            sk_services_res_remove(r);
        sk_services_unlock();
        if (r == NULL)
            break;
        r->release(r);
    }
    sk_services_lock();
    if (ctx->prev != NULL)
        ctx->prev->next = ctx->next;
    else
        services_ctxs = ctx->next;
    if (ctx->next != NULL)
        ctx->next->prev = ctx->prev;
    sk_services_unlock();
    free(ctx);
}

/* ---- options, identity, log ---- */

static int services_opt_bool(snow_plugin_ctx *ctx, const snow_plugin_args *args, const char *key,
                             bool *out)
{
    return sk_plugin_args_bool(args, key, out);
}

static int services_opt_int(snow_plugin_ctx *ctx, const snow_plugin_args *args, const char *key,
                            int64_t *out)
{
    return sk_plugin_args_int(args, key, out);
}

static int services_opt_str(snow_plugin_ctx *ctx, const snow_plugin_args *args, const char *key,
                            const char **out)
{
    return sk_plugin_args_str(args, key, out);
}

static const char *services_node_name(snow_plugin_ctx *ctx)
{
    return services_hooks.node_name ? services_hooks.node_name(ctx) : "";
}

static uint32_t services_node_creation(snow_plugin_ctx *ctx)
{
    return services_hooks.node_creation ? services_hooks.node_creation(ctx) : 0;
}

static int services_node_addr(snow_plugin_ctx *ctx, size_t i, char *buf, size_t len)
{
    return services_hooks.node_addr ? services_hooks.node_addr(ctx, i, buf, len) : SNOW_ENOENT;
}

static int services_cookie_get(snow_plugin_ctx *ctx, const char *peer, void *buf, size_t len)
{
    return services_hooks.cookie_get ? services_hooks.cookie_get(ctx, peer, buf, len)
                                     : SNOW_ENOENT;
}

static bool services_log_enabled(snow_plugin_ctx *ctx, enum snow_log_level level)
{
    pthread_once(&services_once, services_init_once);
    return (int)level <= services_log_level;
}

static const char *services_level_name(enum snow_log_level level)
{
    switch (level) {
    case SNOW_LOG_ERROR: return "error";
    case SNOW_LOG_WARN: return "warn";
    case SNOW_LOG_INFO: return "info";
    case SNOW_LOG_DEBUG: return "debug";
    }
    return "log";
}

static void services_vlog(snow_plugin_ctx *ctx, enum snow_log_level level, const char *msgid,
                          const char *fmt, va_list ap)
{
    if (!services_log_enabled(ctx, level))
        return;
    char text[1024];
    vsnprintf(text, sizeof text, fmt ? fmt : "", ap);
    const char *who = ctx ? ctx->name : "?";
    msgid = msgid ? msgid : "SNOW-PLUGIN-LOG";
    if (services_hooks.log != NULL)
        services_hooks.log(who, level, msgid, text);
    else
        fprintf(stderr, "snow: %s: %s %s: %s\n", who, services_level_name(level), msgid, text);
}

static void services_log(snow_plugin_ctx *ctx, enum snow_log_level level, const char *msgid,
                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    services_vlog(ctx, level, msgid, fmt, ap);
    va_end(ap);
}

/* ---- connection hand-off and requests: forwarded to the dist layer ---- */

static int services_conn_new(snow_plugin_ctx *ctx, snow_listener *l, snow_conn **out, void **cs)
{
    return services_hooks.conn_new ? services_hooks.conn_new(ctx, l, out, cs) : SNOW_ENOTSUP;
}

static void services_conn_up(snow_plugin_ctx *ctx, snow_conn *c)
{
    if (services_hooks.conn_up)
        services_hooks.conn_up(ctx, c);
}

static int services_conn_recv(snow_plugin_ctx *ctx, snow_conn *c, const void *data, size_t len)
{
    return services_hooks.conn_recv ? services_hooks.conn_recv(ctx, c, data, len) : SNOW_ENOTSUP;
}

static void services_conn_drained(snow_plugin_ctx *ctx, snow_conn *c)
{
    if (services_hooks.conn_drained)
        services_hooks.conn_drained(ctx, c);
}

static void services_conn_closed(snow_plugin_ctx *ctx, snow_conn *c, int code, const char *reason)
{
    if (services_hooks.conn_closed)
        services_hooks.conn_closed(ctx, c, code, reason ? reason : "");
}

static void services_resolve_done(snow_plugin_ctx *ctx, snow_request *req, int code,
                                  const char *const *addrs, size_t n)
{
    if (services_hooks.resolve_done)
        services_hooks.resolve_done(ctx, req, code, addrs, n);
}

static void services_request_done(snow_plugin_ctx *ctx, snow_request *req, int code,
                                   snow_pid pid)
{
    if (services_hooks.request_done)
        services_hooks.request_done(ctx, req, code, pid);
}

static void services_peer_found(snow_plugin_ctx *ctx, const char *node,
                                const char *const *addrs, size_t n)
{
    if (services_hooks.peer_found)
        services_hooks.peer_found(ctx, node, addrs, n);
}

static int services_nodes_visit(snow_plugin_ctx *ctx, snow_node_visit_fn fn, void *arg)
{
    return services_hooks.nodes_visit ? services_hooks.nodes_visit(ctx, fn, arg) : 0;
}

/* ---- node events ---- */

struct services_sub {
    struct sk_svc_res res;
    snow_node_event_fn fn;
    void *arg;
};

static void services_sub_release(struct sk_svc_res *r)
{
    free(r);
}

static int services_node_subscribe(snow_plugin_ctx *ctx, snow_node_event_fn fn, void *arg,
                                   uint64_t *id)
{
    if (fn == NULL)
        return SNOW_EINVAL;
    struct services_sub *s = calloc(1, sizeof *s);
    if (s == NULL)
        return SNOW_ENOMEM;
    s->fn = fn;
    s->arg = arg;
    s->res.id = sk_services_next_id();
    s->res.release = services_sub_release;
    sk_services_res_add(ctx, &s->res);
    if (id != NULL)
        *id = s->res.id;
    return 0;
}

static int services_node_unsubscribe(snow_plugin_ctx *ctx, uint64_t id)
{
    sk_services_lock();
    struct sk_svc_res *r = sk_services_res_find(ctx, id, services_sub_release);
    if (r != NULL)
        sk_services_res_remove(r);
    sk_services_unlock();
    if (r == NULL)
        return SNOW_ENOENT;
    r->release(r);
    return 0;
}

void sk_services_node_event(const char *node, bool up, int reason)
{
    /* Snapshot (ctx, id) pairs, then look each up again before calling:
     * a callback may unsubscribe others or itself. */
    struct pair { snow_plugin_ctx *ctx; uint64_t id; } *v = NULL;
    size_t n = 0, cap = 0;
    sk_services_lock();
    for (snow_plugin_ctx *c = services_ctxs; c != NULL; c = c->next)
        for (struct sk_svc_res *r = c->res; r != NULL; r = r->next) {
            if (r->release != services_sub_release)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                struct pair *g = realloc(v, cap * sizeof *v);
                if (g == NULL)
                    goto out;
                v = g;
            }
            v[n].ctx = c;
            v[n].id = r->id;
            n++;
        }
out:
    sk_services_unlock();
    for (size_t i = 0; i < n; i++) {
        sk_services_lock();
        struct services_sub *s =
            (struct services_sub *)sk_services_res_find(v[i].ctx, v[i].id, services_sub_release);
        snow_node_event_fn fn = s ? s->fn : NULL;
        void *arg = s ? s->arg : NULL;
        sk_services_unlock();
        if (fn != NULL)
            fn(arg, node, up, reason);
    }
    free(v);
}

/* ---- plugin channels ---- */

struct snow_channel {
    struct sk_svc_res res;
    char name[65];
    snow_channel_fn fn;
    void *arg;
};

static void services_channel_release(struct sk_svc_res *r)
{
    free(r);
}

static int services_channel_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '.' || s[i] == '-'))
            return 0;
    return 1;
}

/* Under the lock. */
static struct snow_channel *services_channel_find(const char *name)
{
    for (snow_plugin_ctx *c = services_ctxs; c != NULL; c = c->next)
        for (struct sk_svc_res *r = c->res; r != NULL; r = r->next)
            if (r->release == services_channel_release &&
                strcmp(((struct snow_channel *)r)->name, name) == 0)
                return (struct snow_channel *)r;
    return NULL;
}

static int services_channel_open(snow_plugin_ctx *ctx, const char *name, snow_channel_fn fn,
                                  void *arg, snow_channel **out)
{
    if (name == NULL || fn == NULL || out == NULL || !services_channel_name_valid(name))
        return SNOW_EINVAL;
    struct snow_channel *ch = calloc(1, sizeof *ch);
    if (ch == NULL)
        return SNOW_ENOMEM;
    snprintf(ch->name, sizeof ch->name, "%s", name);
    ch->fn = fn;
    ch->arg = arg;
    ch->res.id = sk_services_next_id();
    ch->res.release = services_channel_release;
    sk_services_lock();
    if (services_channel_find(name) != NULL) {
        sk_services_unlock();
        free(ch);
        return SNOW_EEXIST;
    }
    sk_services_res_add(ctx, &ch->res);
    sk_services_unlock();
    *out = ch;
    return 0;
}

static int services_channel_send(snow_plugin_ctx *ctx, snow_channel *ch, const char *node,
                                 const void *data, size_t len)
{
    if (ch == NULL || node == NULL || (data == NULL && len > 0))
        return SNOW_EINVAL;
    if (services_hooks.channel_send == NULL)
        return SNOW_ENOTSUP;
    return services_hooks.channel_send(ctx, ch->name, node, data, len);
}

static int services_channel_send_term(snow_plugin_ctx *ctx, snow_channel *ch, const char *node,
                                      const snow_term *t)
{
    size_t need = 0;
    int rc = sk_svc_stf_encode(ctx, t, NULL, 0, &need);
    if (rc != 0 && rc != SNOW_ERANGE)
        return rc;
    void *buf = malloc(need ? need : 1);
    if (buf == NULL)
        return SNOW_ENOMEM;
    rc = sk_svc_stf_encode(ctx, t, buf, need, &need);
    if (rc == 0)
        rc = services_channel_send(ctx, ch, node, buf, need);
    free(buf);
    return rc;
}

static void services_channel_close(snow_plugin_ctx *ctx, snow_channel *ch)
{
    if (ch == NULL)
        return;
    sk_services_res_remove(&ch->res);
    free(ch);
}

int sk_services_channel_deliver(const char *name, const char *from_node, const void *data,
                                size_t len)
{
    sk_services_lock();
    struct snow_channel *ch = services_channel_find(name);
    snow_channel_fn fn = ch ? ch->fn : NULL;
    void *arg = ch ? ch->arg : NULL;
    sk_services_unlock();
    if (fn == NULL)
        return SNOW_ENOENT;
    /* Called outside the lock: the callback may close the channel. */
    fn(arg, from_node, data, len);
    return 0;
}

/* ---- process monitors: the kernel side is the runtime's, via hooks ---- */

struct services_mon {
    struct sk_svc_res res; /* res.id is the hook's monitor id */
};

static void services_mon_release(struct sk_svc_res *r)
{
    if (services_hooks.demonitor != NULL)
        services_hooks.demonitor(r->ctx, r->id);
    free(r);
}

static int services_monitor(snow_plugin_ctx *ctx, snow_pid pid, snow_pid_down_fn fn, void *arg,
                            uint64_t *id)
{
    if (services_hooks.monitor == NULL)
        return SNOW_ENOTSUP;
    struct services_mon *m = calloc(1, sizeof *m);
    if (m == NULL)
        return SNOW_ENOMEM;
    int rc = services_hooks.monitor(ctx, pid, fn, arg, &m->res.id);
    if (rc != 0) {
        free(m);
        return rc;
    }
    m->res.release = services_mon_release;
    sk_services_res_add(ctx, &m->res);
    if (id != NULL)
        *id = m->res.id;
    return 0;
}

static int services_demonitor(snow_plugin_ctx *ctx, uint64_t id)
{
    sk_services_lock();
    struct sk_svc_res *r = sk_services_res_find(ctx, id, services_mon_release);
    if (r != NULL)
        sk_services_res_remove(r);
    sk_services_unlock();
    if (r == NULL)
        return SNOW_ENOENT;
    r->release(r);
    return 0;
}

/* ---- the table ---- */

static const struct snow_services services_table = {
    .size = sizeof(struct snow_services),
    .abi_major = SNOW_PLUGIN_ABI_MAJOR,
    .abi_minor = SNOW_PLUGIN_ABI_MINOR,
    .opt_bool = services_opt_bool,
    .opt_int = services_opt_int,
    .opt_str = services_opt_str,
    .node_name = services_node_name,
    .node_creation = services_node_creation,
    .node_addr = services_node_addr,
    .cookie_get = services_cookie_get,
    .log = services_log,
    .vlog = services_vlog,
    .log_enabled = services_log_enabled,
    .now_ns = sk_svc_now_ns,
    .timer_add = sk_svc_timer_add,
    .timer_cancel = sk_svc_timer_cancel,
    .event_base = sk_svc_event_base,
    .fd_watch = sk_svc_fd_watch,
    .fd_modify = sk_svc_fd_modify,
    .fd_unwatch = sk_svc_fd_unwatch,
    .run_soon = sk_svc_run_soon,
    .conn_new = services_conn_new,
    .conn_up = services_conn_up,
    .conn_recv = services_conn_recv,
    .conn_drained = services_conn_drained,
    .conn_closed = services_conn_closed,
    .resolve_done = services_resolve_done,
    .request_done = services_request_done,
    .peer_found = services_peer_found,
    .node_subscribe = services_node_subscribe,
    .node_unsubscribe = services_node_unsubscribe,
    .nodes_visit = services_nodes_visit,
    .channel_open = services_channel_open,
    .channel_send = services_channel_send,
    .channel_send_term = services_channel_send_term,
    .channel_close = services_channel_close,
    .send = sk_svc_send,
    .send_named = sk_svc_send_named,
    .spawn = sk_svc_spawn,
    .monitor = services_monitor,
    .demonitor = services_demonitor,
    .term_ref = sk_svc_term_ref,
    .term_release = sk_svc_term_release,
    .term_type = sk_svc_term_type,
    .term_nil = sk_svc_term_nil,
    .term_int = sk_svc_term_int,
    .term_atom = sk_svc_term_atom,
    .term_string = sk_svc_term_string,
    .term_binary = sk_svc_term_binary,
    .term_pid = sk_svc_term_pid,
    .term_tuple = sk_svc_term_tuple,
    .term_list = sk_svc_term_list,
    .term_get_int = sk_svc_term_get_int,
    .term_get_atom = sk_svc_term_get_atom,
    .term_get_string = sk_svc_term_get_string,
    .term_get_binary = sk_svc_term_get_binary,
    .term_get_pid = sk_svc_term_get_pid,
    .term_size = sk_svc_term_size,
    .term_elem = sk_svc_term_elem,
    .term_format = sk_svc_term_format,
    .stf_encode = sk_svc_stf_encode,
    .stf_decode = sk_svc_stf_decode,
};

const struct snow_services *sk_services_table(void)
{
    return &services_table;
}
