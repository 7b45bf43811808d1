/* SPDX-License-Identifier: MIT */
/* Registry wire protocol: strict, bounded parsing of lines, names, addresses. */
#include "config.h"

#include "dsc_proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <snow/error.h>

/* Read at most this many chunks per readiness callback, so one chatty
 * client cannot starve the I/O loop. */
#define PROTO_READS_PER_CALL 16

static const struct {
    const char *word;
    enum dsc_verb verb;
    int nargs;
} proto_verbs[] = {
    {"HELLO", DSC_HELLO, 1}, {"REG", DSC_REG, 2},         {"GET", DSC_GET, 1},
    {"OK", DSC_OK, 1},       {"PORT", DSC_PORT, 2},       {"UNKNOWN", DSC_UNKNOWN, 1},
    {"ERR", DSC_ERR, 1},
};
#define PROTO_NVERBS (sizeof proto_verbs / sizeof proto_verbs[0])

bool dsc_name_valid(const char *s, size_t len)
{
    if (len == 0 || len > DSC_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '+' || c == '-'))
            return false;
    }
    return true;
}

/* Decimal in [lo, hi], no sign, no leading zeros, at most 5 digits. */
static int proto_number(const char *s, size_t len, unsigned lo, unsigned hi, unsigned *out)
{
    if (len == 0 || len > 5 || (len > 1 && s[0] == '0'))
        return SNOW_EPROTO;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return SNOW_EPROTO;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v < lo || v > hi)
        return SNOW_EPROTO;
    *out = v;
    return 0;
}

int dsc_msg_parse(const char *line, size_t len, struct dsc_msg *m)
{
    const char *tok[4];
    size_t tlen[4];
    size_t ntok = 0, start = 0;

    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len == 0 || len >= DSC_LINE_MAX)
        return SNOW_EPROTO;
    /* Exactly one space between fields, none leading or trailing. */
    for (size_t i = 0; i <= len; i++) {
        if (i < len && (line[i] < 0x21 || line[i] > 0x7e) && line[i] != ' ')
            return SNOW_EPROTO;
        if (i == len || line[i] == ' ') {
            if (i == start || ntok == 4)
                return SNOW_EPROTO;
            tok[ntok] = line + start;
            tlen[ntok++] = i - start;
            start = i + 1;
        }
    }
    memset(m, 0, sizeof *m);
    size_t v;
    for (v = 0; v < PROTO_NVERBS; v++)
        if (strlen(proto_verbs[v].word) == tlen[0] &&
            memcmp(proto_verbs[v].word, tok[0], tlen[0]) == 0)
            break;
    if (v == PROTO_NVERBS || (int)ntok - 1 != proto_verbs[v].nargs)
        return SNOW_EPROTO;
    m->verb = proto_verbs[v].verb;
    switch (m->verb) {
    case DSC_HELLO:
        return proto_number(tok[1], tlen[1], 1, 999, &m->version);
    case DSC_ERR:
        if (tlen[1] > DSC_REASON_MAX)
            return SNOW_EPROTO;
        memcpy(m->reason, tok[1], tlen[1]);
        return 0;
    default:
        if (!dsc_name_valid(tok[1], tlen[1]))
            return SNOW_EPROTO;
        memcpy(m->name, tok[1], tlen[1]);
        if (ntok == 3)
            return proto_number(tok[2], tlen[2], 1, 65535, &m->port);
        return 0;
    }
}

int dsc_msg_format(const struct dsc_msg *m, char *buf, size_t cap)
{
    int n;
    bool named = m->verb != DSC_HELLO && m->verb != DSC_ERR;

    if (named && !dsc_name_valid(m->name, strnlen(m->name, DSC_NAME_MAX + 1)))
        return SNOW_EINVAL;
    switch (m->verb) {
    case DSC_HELLO:
        n = snprintf(buf, cap, "HELLO %u\n", m->version);
        break;
    case DSC_REG:
    case DSC_PORT:
        if (m->port < 1 || m->port > 65535)
            return SNOW_EINVAL;
        n = snprintf(buf, cap, "%s %s %u\n", m->verb == DSC_REG ? "REG" : "PORT", m->name,
                     m->port);
        break;
    case DSC_GET:
        n = snprintf(buf, cap, "GET %s\n", m->name);
        break;
    case DSC_OK:
        n = snprintf(buf, cap, "OK %s\n", m->name);
        break;
    case DSC_UNKNOWN:
        n = snprintf(buf, cap, "UNKNOWN %s\n", m->name);
        break;
    case DSC_ERR:
        n = snprintf(buf, cap, "ERR %s\n", m->reason);
        break;
    default:
        return SNOW_EINVAL;
    }
    if (n < 0)
        return SNOW_EINVAL;
    if ((size_t)n >= cap)
        return SNOW_ERANGE;
    return n;
}

int dsc_lines_feed(struct dsc_lines *lb, const char *data, size_t n, dsc_line_fn fn,
                   void *arg)
{
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t take = nl ? (size_t)(nl - data) : n;
        if (lb->len + take > sizeof lb->buf - 1)
            return SNOW_EMSGSIZE; /* no room for the line plus its '\n' */
        memcpy(lb->buf + lb->len, data, take);
        lb->len += take;
        if (!nl)
            return 0;
        size_t linelen = lb->len;
        lb->len = 0;
        int rc = fn(arg, lb->buf, linelen);
        if (rc != 0)
            return rc;
        data += take + 1;
        n -= take + 1;
    }
    return 0;
}

int dsc_lines_read(int fd, struct dsc_lines *lb, dsc_line_fn fn, void *arg)
{
    char chunk[512];
    for (int i = 0; i < PROTO_READS_PER_CALL; i++) {
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got == 0)
            return SNOW_ECLOSED;
        if (got < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return errno == ECONNRESET ? SNOW_ECLOSED : SNOW_EIO;
        }
        int rc = dsc_lines_feed(lb, chunk, (size_t)got, fn, arg);
        if (rc != 0)
            return rc;
        if ((size_t)got < sizeof chunk)
            return 0;
    }
    return 0;
}

static bool proto_host_valid(const char *s, size_t len, bool v6)
{
    if (len == 0 || len > DSC_HOST_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || (v6 && (c == ':' || c == '%'));
        if (!ok)
            return false;
    }
    return true;
}

/* host[:port] or [v6][:port]; port_required for transport addresses. */
static int proto_hostport(const char *s, size_t len, char *host, size_t hostcap, int *port,
                          bool port_required)
{
    const char *h = s, *rest;
    size_t hlen;
    bool v6 = false;

    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close)
            return SNOW_EINVAL;
        h = s + 1;
        hlen = (size_t)(close - h);
        rest = close + 1;
        v6 = true;
    } else {
        const char *colon = memchr(s, ':', len);
        hlen = colon ? (size_t)(colon - s) : len;
        rest = s + hlen;
    }
    size_t restlen = len - (size_t)(rest - s);
    if (!proto_host_valid(h, hlen, v6) || hlen >= hostcap)
        return SNOW_EINVAL;
    *port = -1;
    if (restlen > 0) {
        unsigned p;
        if (rest[0] != ':' || proto_number(rest + 1, restlen - 1, 1, 65535, &p) != 0)
            return SNOW_EINVAL;
        *port = (int)p;
    } else if (port_required) {
        return SNOW_EINVAL;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    return 0;
}

int dsc_node_parse(const char *text, struct dsc_node *out)
{
    if (!text)
        return SNOW_EINVAL;
    const char *at = strchr(text, '@');
    if (!at || !dsc_name_valid(text, (size_t)(at - text)))
        return SNOW_EINVAL;
    memcpy(out->name, text, (size_t)(at - text));
    out->name[at - text] = '\0';
    return proto_hostport(at + 1, strlen(at + 1), out->host, sizeof out->host, &out->port,
                          false);
}

int dsc_addr_parse(const char *text, char *host, size_t hostcap, int *port)
{
    if (!text)
        return SNOW_EINVAL;
    return proto_hostport(text, strlen(text), host, hostcap, port, true);
}

int dsc_addr_format(const char *host, int port, char *buf, size_t cap)
{
    int n = strchr(host, ':') ? snprintf(buf, cap, "[%s]:%d", host, port)
                              : snprintf(buf, cap, "%s:%d", host, port);
    if (n < 0 || (size_t)n >= cap)
        return SNOW_ERANGE;
    return n;
}

const char *dsc_errname(int code)
{
    /* From the header's X-macro: the plugin links nothing of libsnow. */
    switch (code) {
    case 0:
        return "SNOW_OK";
#define PROTO_ERRNAME_(name, value, text) \
    case value:                          \
        return #name;
        SNOW_ERROR_LIST(PROTO_ERRNAME_)
#undef PROTO_ERRNAME_
    default:
        return "SNOW_E?";
    }
}
