/* SPDX-License-Identifier: MIT */
/* The distribution core's view of the node's plugins, and the services hooks it fills. */
#include "dist_plugins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snow/plugin_host.h>
#include <snow/stf.h>

#include "dist.h"
#include "io_thread.h"
#include "log.h"
#include "plugin_call.h"
#include "plugin_load.h"
#include "services.h"
#include "services_hooks.h"

/* The plugins the core uses, found once after loading: the first of each
 * kind in list order. Cached so no lookup by name happens per call. */
static struct {
    const struct sk_plugin *transport, *auth, *discovery;
} dp;

/* The kernel's listener handle (plugin.h: opaque snow_listener). */
struct snow_listener {
    void *lstate;
};

/* ---- services hooks: what plugins reach through the services table ---- */

static const char *hook_node_name(snow_plugin_ctx *ctx)
{
    (void)ctx;
    return sk_dist.started ? sk_dist.self.full : "";
}

static uint32_t hook_node_creation(snow_plugin_ctx *ctx)
{
    (void)ctx;
    return sk_dist.started ? sk_dist.creation : 0;
}

static int hook_node_addr(snow_plugin_ctx *ctx, size_t i, char *buf, size_t len)
{
    (void)ctx;
    if (i > 0 || sk_dist.listen_addr[0] == '\0')
        return SNOW_ENOENT;
    return snprintf(buf, len, "%s", sk_dist.listen_addr);
}

static int hook_cookie_get(snow_plugin_ctx *ctx, const char *peer, void *buf, size_t len)
{
    (void)ctx; (void)peer; /* one cookie for every peer in this version */
    size_t n = strlen(sk_dist.cookie);
    if (n == 0)
        return SNOW_ENOENT;
    memcpy(buf, sk_dist.cookie, n < len ? n : len);
    return (int)n;
}

static int hook_conn_new(snow_plugin_ctx *ctx, snow_listener *l, snow_conn **out, void **cs)
{
    (void)ctx;
    return sk_dist_conn_new(l, out, cs);
}

static void hook_conn_up(snow_plugin_ctx *ctx, snow_conn *c)
{
    (void)ctx;
    sk_dist_conn_up(c);
}

static int hook_conn_recv(snow_plugin_ctx *ctx, snow_conn *c, const void *data, size_t len)
{
    (void)ctx;
    return sk_dist_conn_recv(c, data, len);
}

static void hook_conn_drained(snow_plugin_ctx *ctx, snow_conn *c)
{
    (void)ctx;
    sk_dist_conn_drained(c);
}

static void hook_conn_closed(snow_plugin_ctx *ctx, snow_conn *c, int code, const char *reason)
{
    (void)ctx;
    sk_dist_conn_closed(c, code, reason);
}

static void hook_resolve_done(snow_plugin_ctx *ctx, snow_request *req, int code,
                              const char *const *addrs, size_t n)
{
    (void)ctx;
    sk_dist_resolved(req, code, addrs, n);
}

static int hook_nodes_visit(snow_plugin_ctx *ctx, snow_node_visit_fn fn, void *arg)
{
    (void)ctx;
    int n = 0;
    for (snow_conn *c = sk_dist.conns; c; c = c->next) {
        if (c->state == SK_CONN_UP) {
            fn(arg, c->peer_name);
            n++;
        }
    }
    return n;
}

static int hook_channel_send(snow_plugin_ctx *ctx, const char *channel, const char *node,
                             const void *data, size_t len)
{
    (void)ctx;
    return sk_dist_channel_send(channel, node, data, len);
}

static void hook_log(const char *plugin, enum snow_log_level level, const char *msgid,
                     const char *text)
{
    sk_log_plugin((enum sk_log_level)level, plugin, msgid, text);
}

static void hook_peer_found(snow_plugin_ctx *ctx, const char *node, const char *const *addrs,
                            size_t n)
{
    (void)ctx;
    struct sk_node_name parsed;
    if (n == 0 || !sk_dist.started || sk_node_name_parse(node, &parsed, NULL, 0) != 0 ||
        strcmp(parsed.full, sk_dist.self.full) == 0 || sk_dconn_find(parsed.full, false))
        return;
    int rc;
    sk_dconn_dial(parsed.full, addrs[0], &rc);
}

static int hook_stf_encode(snow_plugin_ctx *ctx, const snow_term *t, void *buf, size_t len,
                           size_t *outlen)
{
    (void)ctx;
    struct snow_stf_opts o = sk_dist_stf_opts();
    return snow_stf_encode_into(t, &o, buf, len, outlen, NULL, 0);
}

static int hook_stf_decode(snow_plugin_ctx *ctx, const void *data, size_t len, snow_term **out,
                           char *err, size_t errlen)
{
    (void)ctx;
    struct snow_stf_opts o = sk_dist_stf_opts();
    return snow_stf_decode(data, len, &o, out, err, errlen);
}

static const struct sk_service_hooks dist_hooks = {
    .log = hook_log,
    .peer_found = hook_peer_found,
    .stf_encode = hook_stf_encode,
    .stf_decode = hook_stf_decode,
    .node_name = hook_node_name,
    .node_creation = hook_node_creation,
    .node_addr = hook_node_addr,
    .cookie_get = hook_cookie_get,
    .conn_new = hook_conn_new,
    .conn_up = hook_conn_up,
    .conn_recv = hook_conn_recv,
    .conn_drained = hook_conn_drained,
    .conn_closed = hook_conn_closed,
    .resolve_done = hook_resolve_done,
    .nodes_visit = hook_nodes_visit,
    .channel_send = hook_channel_send,
};

/* ---- loading ---- */

struct load_job {
    const char *list;
    char *err;
    size_t errlen;
    int rc;
};

/* Plugins are loaded on the I/O thread: their init may create events on the
 * loop, and everything they do afterwards runs there. */
static void load_on_io(void *arg)
{
    struct load_job *j = arg;
    sk_services_set_base(sk_io_base());
    sk_services_set_hooks(&dist_hooks);
    j->rc = snow_plugins_load(j->list, j->err, j->errlen);
    if (j->rc != 0)
        return;
    struct sk_plugin_set *set = sk_plugins_node();
    dp.transport = sk_plugin_set_kind(set, SNOW_PLUGIN_TRANSPORT, 0);
    dp.auth = sk_plugin_set_kind(set, SNOW_PLUGIN_AUTH, 0);
    dp.discovery = sk_plugin_set_kind(set, SNOW_PLUGIN_DISCOVERY, 0);
    if (dp.transport == NULL || dp.auth == NULL) {
        snprintf(j->err, j->errlen, "%s: the plugin list needs a transport and an auth plugin",
                 j->list ? j->list : "<default>");
        snow_plugins_unload();
        memset(&dp, 0, sizeof dp);
        j->rc = SNOW_ECONFIG;
    }
}

int sk_dp_load(const char *list_path, char *err, size_t errlen)
{
    struct load_job j = {.list = list_path, .err = err, .errlen = errlen};
    int rc = sk_io_run_sync(load_on_io, &j);
    return rc != 0 ? rc : j.rc;
}

static void unload_on_io(void *arg)
{
    (void)arg;
    snow_plugins_unload();
    memset(&dp, 0, sizeof dp);
    sk_services_set_hooks(NULL);
}

/* On the I/O thread, while the loop still exists (plugins free their events
 * in fini); FIFO order puts it after the deferred transport closes. */
void sk_dp_unload(void)
{
    if (sk_io_run_sync(unload_on_io, NULL) != 0)
        unload_on_io(NULL);
}

bool sk_dp_have_discovery(void) { return dp.discovery != NULL; }

/* ---- transport ---- */

size_t sk_dp_conn_state_size(void)
{
    return dp.transport ? sk_transport_conn_state_size(dp.transport) : 0;
}

int sk_dp_listen(const char *addr, snow_listener **out, char *bound, size_t boundlen)
{
    snow_listener *l = calloc(1, sizeof *l);
    if (l == NULL)
        return SNOW_ENOMEM;
    int rc = sk_transport_listen(dp.transport, l, addr, &l->lstate, bound, boundlen);
    if (rc != 0) {
        free(l);
        return rc;
    }
    *out = l;
    return 0;
}

void sk_dp_unlisten(snow_listener *l)
{
    sk_transport_unlisten(dp.transport, l, l->lstate);
    free(l);
}

int sk_dp_connect(snow_conn *c, void *cs, const char *addr)
{
    return sk_transport_connect(dp.transport, c, cs, addr);
}

int sk_dp_send(snow_conn *c, void *cs, const struct snow_iov *iov, int iovcnt)
{
    return sk_transport_send(dp.transport, c, cs, iov, iovcnt);
}

void sk_dp_flush(snow_conn *c, void *cs)
{
    sk_transport_flush(dp.transport, c, cs);
}

void sk_dp_close(snow_conn *c, void *cs)
{
    sk_transport_close(dp.transport, c, cs);
}

int sk_dp_binding(snow_conn *c, void *cs, void *out, size_t len)
{
    return sk_transport_channel_binding(dp.transport, c, cs, out, len);
}

int sk_dp_peer_format(snow_conn *c, void *cs, char *buf, size_t len)
{
    return sk_transport_peer_format(dp.transport, c, cs, buf, len);
}

/* ---- auth ---- */

int sk_dp_auth_start(snow_conn *c, const struct snow_auth_params *p, void **hs)
{
    return sk_auth_start(dp.auth, c, p, hs);
}

int sk_dp_auth_step(void *hs, const void *in, size_t inlen, void *out, size_t outcap,
                    size_t *outlen, char *reason, size_t reasonlen)
{
    return sk_auth_step(dp.auth, hs, in, inlen, out, outcap, outlen, reason, reasonlen);
}

void sk_dp_auth_end(void *hs)
{
    sk_auth_end(dp.auth, hs);
}

/* ---- discovery ---- */

int sk_dp_resolve(snow_request *req, const char *node)
{
    return dp.discovery ? sk_discovery_resolve(dp.discovery, req, node) : SNOW_ENONODE;
}

void sk_dp_publish(const char *node, const char *addr)
{
    if (dp.discovery)
        sk_discovery_publish(dp.discovery, node, &addr, 1);
}

void sk_dp_withdraw(const char *node)
{
    if (dp.discovery)
        sk_discovery_withdraw(dp.discovery, node);
}

void sk_dp_learn(const char *node, const char *addr)
{
    if (dp.discovery)
        sk_discovery_learn(dp.discovery, node, &addr, 1);
}
