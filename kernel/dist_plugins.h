/* SPDX-License-Identifier: MIT */
/* What the distribution core needs from the loaded plugins, as plain calls. */
#ifndef SK_DIST_PLUGINS_H
#define SK_DIST_PLUGINS_H

#include <stddef.h>

#include <snow/plugin.h>

/*
 * The distribution core talks to the node's transport, auth and discovery
 * plugins only through these calls; their implementation (dist_plugins.c)
 * goes through the plugin call layer, the one place that reads ops tables.
 * All run on the I/O thread.
 */

/* Loads the plugin list (NULL: the built-in default list) for this node;
 * errors as "file:line: ..." in err. Unload in reverse order. */
int sk_dp_load(const char *list_path, char *err, size_t errlen);
void sk_dp_unload(void);

/* Whether the node's plugin set has a discovery plugin (transport and auth
 * are required at load). */
bool sk_dp_have_discovery(void);

/* transport */
size_t sk_dp_conn_state_size(void);
int sk_dp_listen(const char *addr, snow_listener **out, char *bound, size_t boundlen);
void sk_dp_unlisten(snow_listener *l);
int sk_dp_connect(snow_conn *c, void *cs, const char *addr);
int sk_dp_send(snow_conn *c, void *cs, const struct snow_iov *iov, int iovcnt);
void sk_dp_flush(snow_conn *c, void *cs);
void sk_dp_close(snow_conn *c, void *cs);
int sk_dp_binding(snow_conn *c, void *cs, void *out, size_t len);
int sk_dp_peer_format(snow_conn *c, void *cs, char *buf, size_t len);

/* auth */
int sk_dp_auth_start(snow_conn *c, const struct snow_auth_params *p, void **hs);
int sk_dp_auth_step(void *hs, const void *in, size_t inlen, void *out, size_t outcap,
                    size_t *outlen, char *reason, size_t reasonlen);
void sk_dp_auth_end(void *hs);

/* discovery; resolve completes through sk_dist_resolved() */
int sk_dp_resolve(snow_request *req, const char *node);
void sk_dp_publish(const char *node, const char *addr);
void sk_dp_withdraw(const char *node);
void sk_dp_learn(const char *node, const char *addr);

#endif /* SK_DIST_PLUGINS_H */
