/* SPDX-License-Identifier: MIT */
/* Distribution: naming this node, connecting to others, watching them. */
#ifndef SNOW_NODE_H
#define SNOW_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snow/error.h>
#include <snow/export.h>
#include <snow/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Options for snow_node_start. Zero-initialise, set `size` to
 * sizeof(struct snow_node_opts), then what you need. */
struct snow_node_opts {
    size_t size;
    /* Plugin list file (see contrib/PLUGINS.md); NULL = the built-in default
     * list (tls transport, cookie auth, built-in discovery, global registry). */
    const char *plugin_list;
    /* Heartbeat: a peer silent this long is down (NODE-08). 0 = 60000 ms. */
    uint32_t tick_ms;
    /* Handshake deadline for each connection. 0 = 5000 ms. */
    uint32_t handshake_ms;
    /* snow_node_connect's default bound. 0 = 10000 ms. */
    uint32_t connect_timeout_ms;
    /* Largest frame accepted from a peer. 0 = 64 MiB. */
    uint32_t max_frame;
    /* Address to listen on when the name has no port: "host:port" as the
     * transport understands it; NULL = the name's host, port chosen by the OS. */
    const char *listen;
};

/* Makes this runtime the node `name` ("alive@host[:port]", NODE-01) with the
 * given cookie (NULL: read or create ~/.snow.cookie) and starts listening
 * through the transport plugin. snow_init must have been called.
 * Returns 0, SNOW_EINVAL (bad name; see snow_node_last_error), SNOW_ECONFIG
 * (plugin list or cookie file), SNOW_ESTATE (already started), SNOW_EIO. */
SNOW_API int snow_node_start(const char *name, const char *cookie,
                             const struct snow_node_opts *opts);

/* Stops distribution: closes every connection (peers see nodedown) and
 * unloads the plugins. Also done by snow_shutdown. */
SNOW_API int snow_node_stop(void);

/* Connects to `name` ("alive@host[:port]"; without a port the discovery
 * plugin resolves it, NODE-05) and waits until the link is up (NODE-02), or
 * fails: SNOW_ECONNREFUSED (unreachable), SNOW_EAUTH (refused by auth),
 * SNOW_EEXIST (name clash), SNOW_ETIMEDOUT, SNOW_ENONODE (cannot resolve).
 * Connecting to a node that is already connected returns 0 at once. */
SNOW_API int snow_node_connect(const char *name);
SNOW_API int snow_node_connect_timeout(const char *name, int64_t timeout_ms);

/* Closes the connection to `name` (both sides see nodedown). 0, or
 * SNOW_ENOCONN if not connected. */
SNOW_API int snow_node_disconnect(const char *name);

/* This node's name ("alive@host"), or NULL when not started. The string
 * lives until snow_node_stop. */
SNOW_API const char *snow_node_self(void);

/* The transport address this node listens on ("127.0.0.1:4370"), with the
 * port the OS chose when the name had none; NULL when not started. */
SNOW_API const char *snow_node_address(void);

/* Fills names[0..max) with the connected nodes' names (malloc'd; free each
 * with free()) and returns how many are connected (may be > max), or a
 * negative SNOW_E* code (NODE-07). */
SNOW_API int snow_node_list(char **names, size_t max);

/* The text of the last node-level error on this thread (what and where),
 * or "" — set by snow_node_start and snow_node_connect. */
SNOW_API const char *snow_node_last_error(void);

/* The node part of a pid: its node name, or NULL for an unknown slot. */
SNOW_API const char *snow_pid_node_name(snow_pid pid);

/* Subscribes (on = true) the calling process to {nodeup, Node} and
 * {nodedown, Node, Reason} messages for `node` (FT-02). Subscriptions stack:
 * each `on` needs its own `off`. Subscribing to a node that is not connected
 * delivers nodedown at once. node = NULL: every node. */
SNOW_API int snow_node_monitor(const char *node, bool on);

#ifdef __cplusplus
}
#endif
#endif /* SNOW_NODE_H */
