/* SPDX-License-Identifier: MIT */
/* The only code that reads plugin ops tables: checks, defaults, wrappers. */
#ifndef SK_PLUGIN_CALL_H
#define SK_PLUGIN_CALL_H

#include <stddef.h>

#include <snow/plugin.h>

#include "plugin_load.h"

/* Validates `ops` for `kind`: known kind, size >= v1 size, mandatory slots
 * non-NULL. On failure writes the reason ("transport ops table is 40 bytes;
 * v1 needs at least 72", "mandatory slot `connect` is NULL") and returns
 * SNOW_EABI. */
int sk_plugin_ops_check(int kind, const void *ops, char *why, size_t len);

/* Each wrapper reads a slot only when SNOW_OPS_HAS says it exists and
 * supplies the documented default for an absent or NULL optional slot. */
int sk_plugin_ctl(const struct sk_plugin *p, int op, void *arg);

/* transport */
size_t sk_transport_conn_state_size(const struct sk_plugin *p);
int sk_transport_addr_parse(const struct sk_plugin *p, const char *text, char *canon,
                            size_t len);
int sk_transport_listen(const struct sk_plugin *p, snow_listener *l, const char *addr,
                        void **lstate, char *bound, size_t boundlen);
void sk_transport_unlisten(const struct sk_plugin *p, snow_listener *l, void *lstate);
int sk_transport_connect(const struct sk_plugin *p, snow_conn *c, void *cs, const char *addr);
int sk_transport_send(const struct sk_plugin *p, snow_conn *c, void *cs,
                      const struct snow_iov *iov, int iovcnt);
void sk_transport_flush(const struct sk_plugin *p, snow_conn *c, void *cs);
void sk_transport_close(const struct sk_plugin *p, snow_conn *c, void *cs);
int sk_transport_channel_binding(const struct sk_plugin *p, snow_conn *c, void *cs, void *out,
                                 size_t len);
int sk_transport_peer_format(const struct sk_plugin *p, snow_conn *c, void *cs, char *buf,
                             size_t len);

/* auth */
int sk_auth_start(const struct sk_plugin *p, snow_conn *c, const struct snow_auth_params *params,
                  void **hs);
int sk_auth_step(const struct sk_plugin *p, void *hs, const void *in, size_t inlen, void *out,
                 size_t outcap, size_t *outlen, char *reason, size_t reasonlen);
void sk_auth_end(const struct sk_plugin *p, void *hs);

/* discovery */
int sk_discovery_resolve(const struct sk_plugin *p, snow_request *req, const char *node);
int sk_discovery_publish(const struct sk_plugin *p, const char *node, const char *const *addrs,
                         size_t n);
void sk_discovery_withdraw(const struct sk_plugin *p, const char *node);
void sk_discovery_learn(const struct sk_plugin *p, const char *node, const char *const *addrs,
                        size_t n);

/* registry */
int sk_registry_register(const struct sk_plugin *p, snow_request *req, const char *name,
                         snow_pid pid);
int sk_registry_unregister(const struct sk_plugin *p, snow_request *req, const char *name);
int sk_registry_whereis(const struct sk_plugin *p, snow_request *req, const char *name);

#endif /* SK_PLUGIN_CALL_H */
