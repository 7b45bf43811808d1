/* SPDX-License-Identifier: MIT */
/* The services table handed to plugins and each plugin's context. */
#ifndef SK_SERVICES_H
#define SK_SERVICES_H

#include <stdbool.h>
#include <stddef.h>

#include <snow/plugin.h>

struct event_base;

/* The kernel's single, static, const services table. */
const struct snow_services *sk_services_table(void);

/* A context for a plugin about to be initialised; `owner` is opaque to
 * services (the loader passes its struct sk_plugin). NULL on ENOMEM. */
snow_plugin_ctx *sk_services_ctx_new(const char *name, void *owner);
/* The owner given at creation. */
void *sk_services_ctx_plugin(const snow_plugin_ctx *ctx);
const char *sk_services_ctx_name(const snow_plugin_ctx *ctx);
/* Undo everything the plugin registered through ctx (timers, fd watches,
 * run_soon calls, node subscriptions, channels, monitors), then free ctx.
 * Called after fini, or after a failed init (the rollback). */
void sk_services_ctx_free(snow_plugin_ctx *ctx);
/* How many things ctx still has registered (tests check rollback). */
size_t sk_services_ctx_resources(const snow_plugin_ctx *ctx);

/* The I/O loop base timers and fd watches use. Set by whoever owns the I/O
 * thread before plugins that need it are loaded; NULL until then (those
 * services return SNOW_ESTATE). The base must have been created after
 * evthread_use_pthreads() for run_soon from other threads. */
void sk_services_set_base(struct event_base *base);
struct event_base *sk_services_base(void);

/* Entry points for the distribution layer (I/O thread): deliver node
 * events to subscribers and channel bytes to the open channel `name`.
 * Delivery to an unknown channel returns SNOW_ENOENT (the caller logs). */
void sk_services_node_event(const char *node, bool up, int reason);
int sk_services_channel_deliver(const char *name, const char *from_node, const void *data,
                                size_t len);

/* ---- internal to the services files ---- */
/* One registered thing, on its ctx's list. */
struct sk_svc_res {
    struct sk_svc_res *next, *prev;
    snow_plugin_ctx *ctx;
    uint64_t id;
    void (*release)(struct sk_svc_res *r); /* undo + free */
};
uint64_t sk_services_next_id(void);
void sk_services_res_add(snow_plugin_ctx *ctx, struct sk_svc_res *r);
void sk_services_res_remove(struct sk_svc_res *r);
/* Finds and unlinks a resource of one type; NULL if absent. */
struct sk_svc_res *sk_services_res_take(snow_plugin_ctx *ctx, uint64_t id,
                                        void (*release)(struct sk_svc_res *));
/* Takes and releases it: 0, or SNOW_ENOENT if absent. */
int sk_services_res_drop(snow_plugin_ctx *ctx, uint64_t id,
                         void (*release)(struct sk_svc_res *));
struct sk_svc_res *sk_services_res_find(snow_plugin_ctx *ctx, uint64_t id,
                                        void (*release)(struct sk_svc_res *));
/* Lock for the ctx lists (recursive: callbacks may register more). */
void sk_services_lock(void);
void sk_services_unlock(void);
/* run_soon state lives in the ctx; services_io.c owns it. */
struct sk_svc_soon;
void sk_services_soon_drop(snow_plugin_ctx *ctx);
struct sk_svc_soon **sk_services_ctx_soon(snow_plugin_ctx *ctx);

#endif /* SK_SERVICES_H */
