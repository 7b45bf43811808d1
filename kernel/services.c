/* SPDX-License-Identifier: MIT */
/* Services state: plugin contexts, their resources, hooks, node events, channels. */
#include "config.h"

#include "services.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_list.h"
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

int sk_services_log_level(void)
{
    pthread_once(&services_once, services_init_once);
    return services_log_level;
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

struct sk_svc_res *sk_services_res_take(snow_plugin_ctx *ctx, uint64_t id,
                                        void (*release)(struct sk_svc_res *))
{
    sk_services_lock();
    struct sk_svc_res *r = sk_services_res_find(ctx, id, release);
    if (r != NULL)
        sk_services_res_remove(r);
    sk_services_unlock();
    return r;
}

int sk_services_res_drop(snow_plugin_ctx *ctx, uint64_t id,
                         void (*release)(struct sk_svc_res *))
{
    struct sk_svc_res *r = sk_services_res_take(ctx, id, release);
    if (r == NULL)
        return SNOW_ENOENT;
    r->release(r);
    return 0;
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

int sk_svc_node_subscribe(snow_plugin_ctx *ctx, snow_node_event_fn fn, void *arg,
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

int sk_svc_node_unsubscribe(snow_plugin_ctx *ctx, uint64_t id)
{
    return sk_services_res_drop(ctx, id, services_sub_release);
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

int sk_svc_channel_open(snow_plugin_ctx *ctx, const char *name, snow_channel_fn fn,
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

int sk_svc_channel_send(snow_plugin_ctx *ctx, snow_channel *ch, const char *node,
                                 const void *data, size_t len)
{
    if (ch == NULL || node == NULL || (data == NULL && len > 0))
        return SNOW_EINVAL;
    if (services_hooks.channel_send == NULL)
        return SNOW_ENOTSUP;
    return services_hooks.channel_send(ctx, ch->name, node, data, len);
}

int sk_svc_channel_send_term(snow_plugin_ctx *ctx, snow_channel *ch, const char *node,
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
        rc = sk_svc_channel_send(ctx, ch, node, buf, need);
    free(buf);
    return rc;
}

void sk_svc_channel_close(snow_plugin_ctx *ctx, snow_channel *ch)
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

int sk_svc_monitor(snow_plugin_ctx *ctx, snow_pid pid, snow_pid_down_fn fn, void *arg,
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

int sk_svc_demonitor(snow_plugin_ctx *ctx, uint64_t id)
{
    return sk_services_res_drop(ctx, id, services_mon_release);
}

