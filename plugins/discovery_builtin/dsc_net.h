/* SPDX-License-Identifier: MIT */
/* Socket helpers for the registry: numeric addresses, listen, async connect. */
#ifndef DSC_NET_H
#define DSC_NET_H

#include <stddef.h>
#include <sys/socket.h>

struct dsc_sockaddr {
    struct sockaddr_storage ss;
    socklen_t len;
};

/* A numeric IPv4/IPv6 host and port -> socket address.
 * Never blocks (no DNS): SNOW_ENOTSUP for a host name, SNOW_EINVAL for
 * garbage. A wildcard host (0.0.0.0, ::) is mapped to loopback when
 * `for_connect` is set, since that is where a wildcard listener is reached
 * from this host. */
int dsc_net_addr(const char *host, int port, int for_connect, struct dsc_sockaddr *out);
/* A non-blocking, close-on-exec listening socket with SO_REUSEADDR (so a
 * takeover is not blocked by the old owner's TIME_WAIT connections).
 * 0, SNOW_EEXIST (the address is in use: someone else serves), SNOW_EIO. */
int dsc_net_listen(const struct dsc_sockaddr *a, int *fd);
/* Accepts one connection, non-blocking and close-on-exec. Returns the fd,
 * SNOW_ECLOSED when nothing is pending, SNOW_EIO otherwise. */
int dsc_net_accept(int lfd);
/* Starts a non-blocking connect. 0 with *fd set (in progress or done: wait
 * for writability, then call dsc_net_connected), SNOW_ECONNREFUSED or
 * SNOW_EIO (fd not created). */
int dsc_net_connect(const struct dsc_sockaddr *a, int *fd);
/* Outcome of a connect once writable: 0, SNOW_ECONNREFUSED, SNOW_EIO. A
 * TCP self-connect (possible when the target port is in the ephemeral range
 * and nobody listens) counts as refused. */
int dsc_net_connected(int fd);
/* Writes a short line whole without blocking: 0, or SNOW_ECLOSED / SNOW_EIO
 * (including "would block": a peer that does not read its replies is
 * dropped rather than buffered for). Never raises SIGPIPE. */
int dsc_net_send(int fd, const char *buf, size_t len);

#endif /* DSC_NET_H */
