/* SPDX-License-Identifier: MIT */
/* Service slot implementations shared between services*.c files. */
#ifndef SK_SERVICES_SLOTS_H
#define SK_SERVICES_SLOTS_H

#include <snow/plugin.h>

/* services.c: node events, channels, monitors */
int sk_svc_node_subscribe(snow_plugin_ctx *ctx, snow_node_event_fn fn, void *arg, uint64_t *id);
int sk_svc_node_unsubscribe(snow_plugin_ctx *ctx, uint64_t id);
int sk_svc_channel_open(snow_plugin_ctx *ctx, const char *name, snow_channel_fn fn, void *arg,
                        snow_channel **out);
int sk_svc_channel_send(snow_plugin_ctx *ctx, snow_channel *ch, const char *node,
                        const void *data, size_t len);
int sk_svc_channel_send_term(snow_plugin_ctx *ctx, snow_channel *ch, const char *node,
                             const snow_term *t);
void sk_svc_channel_close(snow_plugin_ctx *ctx, snow_channel *ch);
int sk_svc_monitor(snow_plugin_ctx *ctx, snow_pid pid, snow_pid_down_fn fn, void *arg,
                   uint64_t *id);
int sk_svc_demonitor(snow_plugin_ctx *ctx, uint64_t id);
/* The level from SNOW_LOG_LEVEL (error|warn|info|debug; default info). */
int sk_services_log_level(void);

/* services_io.c: timers, fd watches, run_soon, event base */
int64_t sk_svc_now_ns(snow_plugin_ctx *ctx);
int sk_svc_timer_add(snow_plugin_ctx *ctx, int64_t delay_ms, snow_svc_fn fn, void *arg,
                     uint64_t *id);
int sk_svc_timer_cancel(snow_plugin_ctx *ctx, uint64_t id);
struct event_base *sk_svc_event_base(snow_plugin_ctx *ctx);
int sk_svc_fd_watch(snow_plugin_ctx *ctx, int fd, unsigned events, snow_fd_fn fn, void *arg,
                    uint64_t *id);
int sk_svc_fd_modify(snow_plugin_ctx *ctx, uint64_t id, unsigned events);
int sk_svc_fd_unwatch(snow_plugin_ctx *ctx, uint64_t id);
int sk_svc_run_soon(snow_plugin_ctx *ctx, snow_svc_fn fn, void *arg);

/* services_terms.c: processes and terms */
int sk_svc_send(snow_plugin_ctx *ctx, snow_pid to, const snow_term *msg);
int sk_svc_send_named(snow_plugin_ctx *ctx, const char *name, const char *node,
                      const snow_term *msg);
int sk_svc_spawn(snow_plugin_ctx *ctx, snow_svc_proc_fn fn, const snow_term *arg,
                 snow_pid *out);
snow_term *sk_svc_term_ref(snow_plugin_ctx *ctx, snow_term *t);
void sk_svc_term_release(snow_plugin_ctx *ctx, snow_term *t);
int sk_svc_term_type(snow_plugin_ctx *ctx, const snow_term *t);
snow_term *sk_svc_term_nil(snow_plugin_ctx *ctx);
snow_term *sk_svc_term_int(snow_plugin_ctx *ctx, int64_t v);
snow_term *sk_svc_term_atom(snow_plugin_ctx *ctx, const char *name, size_t len);
snow_term *sk_svc_term_string(snow_plugin_ctx *ctx, const char *s, size_t len);
snow_term *sk_svc_term_binary(snow_plugin_ctx *ctx, const void *data, size_t len);
snow_term *sk_svc_term_pid(snow_plugin_ctx *ctx, snow_pid pid);
snow_term *sk_svc_term_tuple(snow_plugin_ctx *ctx, size_t n, snow_term **items);
snow_term *sk_svc_term_list(snow_plugin_ctx *ctx, size_t n, snow_term **items);
int sk_svc_term_get_int(snow_plugin_ctx *ctx, const snow_term *t, int64_t *out);
int sk_svc_term_get_atom(snow_plugin_ctx *ctx, const snow_term *t, const char **name,
                         size_t *len);
int sk_svc_term_get_string(snow_plugin_ctx *ctx, const snow_term *t, const char **s,
                           size_t *len);
int sk_svc_term_get_binary(snow_plugin_ctx *ctx, const snow_term *t, const void **data,
                           size_t *len);
int sk_svc_term_get_pid(snow_plugin_ctx *ctx, const snow_term *t, snow_pid *out);
int sk_svc_term_size(snow_plugin_ctx *ctx, const snow_term *t, size_t *n);
int sk_svc_term_elem(snow_plugin_ctx *ctx, const snow_term *t, size_t i, const snow_term **out);
int sk_svc_term_format(snow_plugin_ctx *ctx, const snow_term *t, char *buf, size_t len);
int sk_svc_stf_encode(snow_plugin_ctx *ctx, const snow_term *t, void *buf, size_t len,
                      size_t *outlen);
int sk_svc_stf_decode(snow_plugin_ctx *ctx, const void *data, size_t len, snow_term **out,
                      char *err, size_t errlen);

#endif /* SK_SERVICES_SLOTS_H */
