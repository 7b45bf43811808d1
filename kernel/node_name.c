/* SPDX-License-Identifier: MIT */
/* Parsing and checking node names: "name@host[:port]". */
#include "node_name.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snow/error.h>

static int name_error(char *err, size_t errlen, const char *text, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "node name \"%.80s\": %s", text, what);
    return SNOW_EINVAL;
}

static bool alive_char(int c)
{
    return isalnum(c) || c == '_' || c == '-' || c == '.';
}

static bool host_char(int c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_';
}

static bool ipv6_char(int c)
{
    return isxdigit(c) || c == ':' || c == '.';
}

int sk_node_name_parse(const char *text, struct sk_node_name *out, char *err, size_t errlen)
{
    if (text == NULL || out == NULL)
        return name_error(err, errlen, "(null)", "no name given");
    memset(out, 0, sizeof *out);
    const char *at = strchr(text, '@');
    if (at == NULL)
        return name_error(err, errlen, text, "missing '@' (expected name@host[:port])");
    size_t alive_len = (size_t)(at - text);
    if (alive_len == 0)
        return name_error(err, errlen, text, "empty name before '@'");
    if (alive_len > SK_NODE_ALIVE_MAX)
        return name_error(err, errlen, text, "name before '@' is longer than 64 bytes");
    for (size_t i = 0; i < alive_len; i++)
        if (!alive_char((unsigned char)text[i]))
            return name_error(err, errlen, text, "name before '@' may hold only letters, digits, '_', '-', '.'");

    const char *host = at + 1;
    const char *host_end;
    const char *port_text = NULL;
    if (*host == '[') {
        const char *close = strchr(host, ']');
        if (close == NULL)
            return name_error(err, errlen, text, "IPv6 host lacks ']'");
        for (const char *p = host + 1; p < close; p++)
            if (!ipv6_char((unsigned char)*p))
                return name_error(err, errlen, text, "bad character in IPv6 host");
        host_end = close + 1;
        if (*host_end == ':')
            port_text = host_end + 1;
        else if (*host_end != '\0')
            return name_error(err, errlen, text, "unexpected text after ']'");
    } else {
        host_end = host;
        while (*host_end && *host_end != ':') {
            if (!host_char((unsigned char)*host_end))
                return name_error(err, errlen, text, "bad character in host");
            host_end++;
        }
        if (*host_end == ':')
            port_text = host_end + 1;
    }
    size_t host_len = (size_t)(host_end - host);
    if (host_len == 0)
        return name_error(err, errlen, text, "empty host after '@'");
    if (alive_len + 1 + host_len > SK_NODE_NAME_MAX)
        return name_error(err, errlen, text, "name@host is longer than 255 bytes");

    if (port_text != NULL) {
        char *end;
        if (*port_text == '\0' || !isdigit((unsigned char)*port_text))
            return name_error(err, errlen, text, "port must be a number");
        unsigned long port = strtoul(port_text, &end, 10);
        if (*end != '\0' || port == 0 || port > 65535)
            return name_error(err, errlen, text, "port must be 1..65535");
        out->port = (uint16_t)port;
    }
    memcpy(out->alive, text, alive_len);
    memcpy(out->host, host, host_len);
    memcpy(out->full, text, alive_len + 1 + host_len);
    return 0;
}
