/* SPDX-License-Identifier: MIT */
/* Socket helpers for the registry: numeric addresses, listen, async connect. */
#include "config.h"

#include "dsc_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include <snow/error.h>

int dsc_net_addr(const char *host, int port, int for_connect, struct dsc_sockaddr *out)
{
    memset(out, 0, sizeof *out);
    if (port < 1 || port > 65535)
        return SNOW_EINVAL;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&out->ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        if (for_connect && v4->sin_addr.s_addr == htonl(INADDR_ANY))
            v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        out->len = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        if (for_connect && IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr))
            v6->sin6_addr = in6addr_loopback;
        out->len = sizeof *v6;
        return 0;
    }
    for (const char *p = host; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.'))
            return SNOW_EINVAL;
    return SNOW_ENOTSUP;
}

int dsc_net_listen(const struct dsc_sockaddr *a, int *fd)
{
    int s = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0)
        return SNOW_EIO;
    int one = 1;
    (void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* Two sockets with SO_REUSEADDR may both bind while neither listens;
     * then the loser's listen() fails with EADDRINUSE. Both mean "taken". */
    if (bind(s, (const struct sockaddr *)&a->ss, a->len) != 0 || listen(s, SOMAXCONN) != 0) {
        int e = errno;
        close(s);
        return e == EADDRINUSE ? SNOW_EEXIST : SNOW_EIO;
    }
    *fd = s;
    return 0;
}

int dsc_net_accept(int lfd)
{
    for (;;) {
        int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c >= 0) {
            /* Replies are single short lines: Nagle would only delay them. */
            int one = 1;
            (void)setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            return c;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? SNOW_ECLOSED : SNOW_EIO;
    }
}

int dsc_net_connect(const struct dsc_sockaddr *a, int *fd)
{
    int s = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0)
        return SNOW_EIO;
    int one = 1;
    (void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(s, (const struct sockaddr *)&a->ss, a->len) != 0 && errno != EINPROGRESS) {
        int e = errno;
        close(s);
        return e == ECONNREFUSED ? SNOW_ECONNREFUSED : SNOW_EIO;
    }
    *fd = s;
    return 0;
}

int dsc_net_connected(int fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        return SNOW_EIO;
    if (err != 0)
        return err == ECONNREFUSED ? SNOW_ECONNREFUSED : SNOW_EIO;
    struct sockaddr_storage me, peer;
    socklen_t ml = sizeof me, pl = sizeof peer;
    if (getsockname(fd, (struct sockaddr *)&me, &ml) != 0 ||
        getpeername(fd, (struct sockaddr *)&peer, &pl) != 0)
        return SNOW_ECONNREFUSED;
    if (ml == pl && memcmp(&me, &peer, ml) == 0)
        return SNOW_ECONNREFUSED;
    return 0;
}

int dsc_net_send(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return (errno == EPIPE || errno == ECONNRESET) ? SNOW_ECLOSED : SNOW_EIO;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}
