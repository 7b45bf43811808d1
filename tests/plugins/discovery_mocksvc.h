/* SPDX-License-Identifier: MIT */
/* A small services table on a test's own libevent base, for driving plugins. */
#ifndef DISCOVERY_MOCKSVC_H
#define DISCOVERY_MOCKSVC_H

#include <stdbool.h>
#include <stddef.h>

#include <snow/plugin.h>

#define MOCK_LOG_IDS 32
#define MOCK_ADDR_MAX 128

struct mock_handle;

/* The plugin's ctx: which loop it runs on, what it holds, what it logged. */
struct snow_plugin_ctx {
    struct event_base *base;
    const char *label;
    struct mock_handle *handles; /* live timers and fd watches */
    uint64_t next_id;
    struct {
        char id[48];
        int count;
    } logs[MOCK_LOG_IDS];
};

/* Options as the kernel would hand them over: key/value pairs (NULL-ended)
 * over the plugin's schema, whose defaults apply to absent keys. */
struct snow_plugin_args {
    const struct snow_plugin_option *schema;
    const char *const *kv;
};

/* A resolve request: filled by resolve_done. */
struct snow_request {
    bool done;
    int code;
    size_t n;
    char addr[MOCK_ADDR_MAX];
};

extern const struct snow_services mock_services;

void mock_ctx_init(snow_plugin_ctx *ctx, struct event_base *base, const char *label);
/* Timers and watches the plugin still holds. */
size_t mock_ctx_live(const snow_plugin_ctx *ctx);
/* Frees whatever the plugin left (as the kernel does after fini). */
void mock_ctx_clear(snow_plugin_ctx *ctx);
/* How many lines with this message id the plugin logged. */
int mock_log_count(const snow_plugin_ctx *ctx, const char *msgid);

#endif /* DISCOVERY_MOCKSVC_H */
