/* SPDX-License-Identifier: MIT */
/* Hook points services.c forwards to; the distribution layer fills them. */
#ifndef SK_SERVICES_HOOKS_H
#define SK_SERVICES_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include <snow/plugin.h>

/*
 * Services whose kernel side lives in the distribution layer (node
 * identity, connections, requests, channels on the wire, monitors) and in
 * the STF codec call through this table. A NULL member makes the service
 * return SNOW_ENOTSUP (or do nothing, for void slots; identity slots then
 * answer "not started": "" / 0 / SNOW_ENOENT).
 *
 * Signatures equal the services slots (ctx first) so the wiring is direct,
 * except channel_send, which gets the channel's name instead of its handle.
 * Every hook runs on the I/O thread unless the slot says "any thread".
 * sk_services_ctx_plugin(ctx) tells which plugin is calling.
 */
struct sk_service_hooks {
    /* identity */
    const char *(*node_name)(snow_plugin_ctx *ctx);
    uint32_t (*node_creation)(snow_plugin_ctx *ctx);
    int (*node_addr)(snow_plugin_ctx *ctx, size_t i, char *buf, size_t len);
    int (*cookie_get)(snow_plugin_ctx *ctx, const char *peer, void *buf, size_t len);
    /* log sink: one formatted line (default: stderr) */
    void (*log)(const char *plugin, enum snow_log_level level, const char *msgid,
                const char *text);
    /* connection hand-off */
    int (*conn_new)(snow_plugin_ctx *ctx, snow_listener *l, snow_conn **out, void **cs);
    void (*conn_up)(snow_plugin_ctx *ctx, snow_conn *c);
    int (*conn_recv)(snow_plugin_ctx *ctx, snow_conn *c, const void *data, size_t len);
    void (*conn_drained)(snow_plugin_ctx *ctx, snow_conn *c);
    void (*conn_closed)(snow_plugin_ctx *ctx, snow_conn *c, int code, const char *reason);
    /* requests */
    void (*resolve_done)(snow_plugin_ctx *ctx, snow_request *req, int code,
                         const char *const *addrs, size_t n);
    void (*request_done)(snow_plugin_ctx *ctx, snow_request *req, int code, snow_pid pid);
    void (*peer_found)(snow_plugin_ctx *ctx, const char *node, const char *const *addrs,
                       size_t n);
    /* nodes and channels on the wire */
    int (*nodes_visit)(snow_plugin_ctx *ctx, snow_node_visit_fn fn, void *arg);
    int (*channel_send)(snow_plugin_ctx *ctx, const char *channel, const char *node,
                        const void *data, size_t len);
    /* process monitors (the kernel calls demonitor for what a plugin left) */
    int (*monitor)(snow_plugin_ctx *ctx, snow_pid pid, snow_pid_down_fn fn, void *arg,
                   uint64_t *id);
    int (*demonitor)(snow_plugin_ctx *ctx, uint64_t id);
    /* STF codec (any thread) */
    int (*stf_encode)(snow_plugin_ctx *ctx, const snow_term *t, void *buf, size_t len,
                      size_t *outlen);
    int (*stf_decode)(snow_plugin_ctx *ctx, const void *data, size_t len, snow_term **out,
                      char *err, size_t errlen);
};

/* Installs the hooks (copied; NULL restores the defaults). Call before
 * loading plugins, from the thread that will load them. */
void sk_services_set_hooks(const struct sk_service_hooks *hooks);
/* The current hooks (never NULL). */
const struct sk_service_hooks *sk_services_hooks(void);

#endif /* SK_SERVICES_HOOKS_H */
