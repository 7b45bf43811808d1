/* SPDX-License-Identifier: MIT */
/* "host:port" and "[v6]:port" address syntax: split, resolve, format, canonicalise. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netio.h"

int netio_addr_split(const char *text, char *host, size_t hostlen, unsigned *port)
{
    if (text == NULL || host == NULL || hostlen == 0 || port == NULL)
        return SNOW_EINVAL;
    const char *hs = text, *he, *colon;
    if (text[0] == '[') {
        /* "[v6]:port": the brackets keep the v6 colons apart from the port. */
        hs = text + 1;
        he = strchr(hs, ']');
        if (he == NULL || he[1] != ':')
            return SNOW_EINVAL;
        colon = he + 1;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL || memchr(text, ':', (size_t)(colon - text)) != NULL)
            return SNOW_EINVAL; /* no port, or a bare v6 address */
        he = colon;
    }
    size_t n = (size_t)(he - hs);
    if (n == 1 && hs[0] == '*')
        n = 0; /* "*:port" = any address */
    if (n >= hostlen)
        return SNOW_ERANGE;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)hs[i];
        if (ch <= ' ' || ch == '[' || ch == ']' || ch == '/' || ch >= 0x7f)
            return SNOW_EINVAL;
    }
    memcpy(host, hs, n);
    host[n] = '\0';

    const char *ps = colon + 1;
    if (*ps == '\0' || strlen(ps) > 5)
        return SNOW_EINVAL;
    unsigned long v = 0;
    for (const char *p = ps; *p; p++) {
        if (*p < '0' || *p > '9')
            return SNOW_EINVAL;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v > 65535)
        return SNOW_EINVAL;
    *port = (unsigned)v;
    return 0;
}

int netio_addr_resolve(const char *text, bool passive, struct sockaddr_storage *ss,
                       socklen_t *sslen, char *why, size_t whylen)
{
    char host[256];
    unsigned port;
    int rc = netio_addr_split(text, host, sizeof host, &port);
    if (rc != 0) {
        snprintf(why, whylen, "bad address \"%s\" (want host:port or [v6]:port)",
                 text ? text : "(null)");
        return SNOW_EINVAL;
    }
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    /* Numeric forms first: they cannot block. */
    if (host[0] == '\0') {
        v4->sin_family = AF_INET;
        v4->sin_addr.s_addr = htonl(passive ? INADDR_ANY : INADDR_LOOPBACK);
        v4->sin_port = htons((uint16_t)port);
        *sslen = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *sslen = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *sslen = sizeof *v6;
        return 0;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)};
    struct addrinfo *res = NULL;
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0 || res == NULL) {
        snprintf(why, whylen, "cannot resolve \"%s\": %s", host, gai_strerror(gai));
        if (res)
            freeaddrinfo(res);
        return SNOW_ENONODE;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int netio_addr_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t buflen)
{
    char ip[INET6_ADDRSTRLEN];
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &v4->sin_addr, ip, sizeof ip);
        return snprintf(buf, buflen, "%s:%u", ip, ntohs(v4->sin_port));
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &v6->sin6_addr, ip, sizeof ip);
        return snprintf(buf, buflen, "[%s]:%u", ip, ntohs(v6->sin6_port));
    }
    return snprintf(buf, buflen, "?");
}

int netio_addr_parse(void *state, const char *text, char *canon, size_t len)
{
    char host[256];
    unsigned port;
    int rc = netio_addr_split(text, host, sizeof host, &port);
    if (rc != 0)
        return rc;
    /* Numeric hosts get their canonical spelling ("::0001" -> "::1"); names
     * are lower-cased, never resolved here (this call must not block). */
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    int n;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        n = netio_addr_format((struct sockaddr *)v4, sizeof *v4, canon, len);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        n = netio_addr_format((struct sockaddr *)v6, sizeof *v6, canon, len);
    } else {
        for (char *p = host; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        n = snprintf(canon, len, "%s:%u", host[0] ? host : "*", port);
    }
    return (n < 0 || (size_t)n >= len) ? SNOW_ERANGE : 0;
}
