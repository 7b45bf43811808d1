/* SPDX-License-Identifier: MIT */
/* The services table itself, and its slots that forward to hooks. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "plugin_opts.h"
#include "services.h"
#include "services_hooks.h"
#include "services_slots.h"

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
    return sk_services_hooks()->node_name ? sk_services_hooks()->node_name(ctx) : "";
}

static uint32_t services_node_creation(snow_plugin_ctx *ctx)
{
    return sk_services_hooks()->node_creation ? sk_services_hooks()->node_creation(ctx) : 0;
}

static int services_node_addr(snow_plugin_ctx *ctx, size_t i, char *buf, size_t len)
{
    return sk_services_hooks()->node_addr ? sk_services_hooks()->node_addr(ctx, i, buf, len) : SNOW_ENOENT;
}

static int services_cookie_get(snow_plugin_ctx *ctx, const char *peer, void *buf, size_t len)
{
    return sk_services_hooks()->cookie_get ? sk_services_hooks()->cookie_get(ctx, peer, buf, len)
                                     : SNOW_ENOENT;
}

static bool services_log_enabled(snow_plugin_ctx *ctx, enum snow_log_level level)
{
    return (int)level <= sk_services_log_level();
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
    const char *who = ctx ? sk_services_ctx_name(ctx) : "?";
    msgid = msgid ? msgid : "SNOW-PLUGIN-LOG";
    const struct sk_service_hooks *h = sk_services_hooks();
    if (h->log != NULL)
        h->log(who, level, msgid, text);
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
    return sk_services_hooks()->conn_new ? sk_services_hooks()->conn_new(ctx, l, out, cs) : SNOW_ENOTSUP;
}

static void services_conn_up(snow_plugin_ctx *ctx, snow_conn *c)
{
    if (sk_services_hooks()->conn_up)
        sk_services_hooks()->conn_up(ctx, c);
}

static int services_conn_recv(snow_plugin_ctx *ctx, snow_conn *c, const void *data, size_t len)
{
    return sk_services_hooks()->conn_recv ? sk_services_hooks()->conn_recv(ctx, c, data, len) : SNOW_ENOTSUP;
}

static void services_conn_drained(snow_plugin_ctx *ctx, snow_conn *c)
{
    if (sk_services_hooks()->conn_drained)
        sk_services_hooks()->conn_drained(ctx, c);
}

static void services_conn_closed(snow_plugin_ctx *ctx, snow_conn *c, int code, const char *reason)
{
    if (sk_services_hooks()->conn_closed)
        sk_services_hooks()->conn_closed(ctx, c, code, reason ? reason : "");
}

static void services_resolve_done(snow_plugin_ctx *ctx, snow_request *req, int code,
                                  const char *const *addrs, size_t n)
{
    if (sk_services_hooks()->resolve_done)
        sk_services_hooks()->resolve_done(ctx, req, code, addrs, n);
}

static void services_request_done(snow_plugin_ctx *ctx, snow_request *req, int code,
                                   snow_pid pid)
{
    if (sk_services_hooks()->request_done)
        sk_services_hooks()->request_done(ctx, req, code, pid);
}

static void services_peer_found(snow_plugin_ctx *ctx, const char *node,
                                const char *const *addrs, size_t n)
{
    if (sk_services_hooks()->peer_found)
        sk_services_hooks()->peer_found(ctx, node, addrs, n);
}

static int services_nodes_visit(snow_plugin_ctx *ctx, snow_node_visit_fn fn, void *arg)
{
    return sk_services_hooks()->nodes_visit ? sk_services_hooks()->nodes_visit(ctx, fn, arg) : 0;
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
    .node_subscribe = sk_svc_node_subscribe,
    .node_unsubscribe = sk_svc_node_unsubscribe,
    .nodes_visit = services_nodes_visit,
    .channel_open = sk_svc_channel_open,
    .channel_send = sk_svc_channel_send,
    .channel_send_term = sk_svc_channel_send_term,
    .channel_close = sk_svc_channel_close,
    .send = sk_svc_send,
    .send_named = sk_svc_send_named,
    .spawn = sk_svc_spawn,
    .monitor = sk_svc_monitor,
    .demonitor = sk_svc_demonitor,
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
