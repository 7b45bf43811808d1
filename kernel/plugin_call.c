/* SPDX-License-Identifier: MIT */
/* The one call site of plugin ops: size checks, mandatory slots, defaults. */
#include "config.h"

#include "plugin_call.h"

#include <stdio.h>
#include <string.h>

#include "plugin_list.h"

/* A slot as (name, offset) so mandatory checks are table-driven. */
struct call_slot {
    const char *name;
    size_t off;
};

struct call_kind {
    size_t v1_size;
    const struct call_slot *mandatory;
    size_t nmandatory;
};

#define CALL_SLOT(type, m) {#m, offsetof(struct type, m)}

static const struct call_slot call_transport_mand[] = {
    CALL_SLOT(snow_transport_ops, listen), CALL_SLOT(snow_transport_ops, unlisten),
    CALL_SLOT(snow_transport_ops, connect), CALL_SLOT(snow_transport_ops, send),
    CALL_SLOT(snow_transport_ops, close),
};
static const struct call_slot call_auth_mand[] = {
    CALL_SLOT(snow_auth_ops, start), CALL_SLOT(snow_auth_ops, step), CALL_SLOT(snow_auth_ops, end),
};
static const struct call_slot call_discovery_mand[] = {
    CALL_SLOT(snow_discovery_ops, resolve),
};
static const struct call_slot call_registry_mand[] = {
    CALL_SLOT(snow_registry_ops, name_register), CALL_SLOT(snow_registry_ops, name_unregister),
    CALL_SLOT(snow_registry_ops, whereis),
};

#define CALL_N(a) (sizeof a / sizeof a[0])
static const struct call_kind call_kinds[] = {
    [SNOW_PLUGIN_TRANSPORT] = {SNOW_TRANSPORT_OPS_V1_SIZE, call_transport_mand,
                               CALL_N(call_transport_mand)},
    [SNOW_PLUGIN_AUTH] = {SNOW_AUTH_OPS_V1_SIZE, call_auth_mand, CALL_N(call_auth_mand)},
    [SNOW_PLUGIN_DISCOVERY] = {SNOW_DISCOVERY_OPS_V1_SIZE, call_discovery_mand,
                               CALL_N(call_discovery_mand)},
    [SNOW_PLUGIN_REGISTRY] = {SNOW_REGISTRY_OPS_V1_SIZE, call_registry_mand,
                              CALL_N(call_registry_mand)},
    [SNOW_PLUGIN_BRIDGE] = {SNOW_BRIDGE_OPS_V1_SIZE, NULL, 0},
};

int sk_plugin_ops_check(int kind, const void *ops, char *why, size_t len)
{
    if (kind <= 0 || (size_t)kind >= CALL_N(call_kinds)) {
        snprintf(why, len, "unknown kind %d", kind);
        return SNOW_EABI;
    }
    const struct call_kind *k = &call_kinds[kind];
    if (ops == NULL) {
        snprintf(why, len, "%s ops table is NULL", sk_plugin_kind_name(kind));
        return SNOW_EABI;
    }
    /* Every ops table starts with its size. */
    size_t size;
    memcpy(&size, ops, sizeof size);
    if (size < k->v1_size) {
        snprintf(why, len, "%s ops table is %zu bytes; v1 needs at least %zu",
                 sk_plugin_kind_name(kind), size, k->v1_size);
        return SNOW_EABI;
    }
    for (size_t i = 0; i < k->nmandatory; i++) {
        void (*fn)(void);
        memcpy(&fn, (const char *)ops + k->mandatory[i].off, sizeof fn);
        if (fn == NULL) {
            snprintf(why, len, "mandatory slot `%s` is NULL", k->mandatory[i].name);
            return SNOW_EABI;
        }
    }
    return 0;
}

/* The slot if the plugin's table has it, else NULL (then: the default). */
#define CALL_GET(ops, slot) (SNOW_OPS_HAS(ops, slot) ? (ops)->slot : NULL)
#define CALL_OPS(p, kind) ((const struct kind *)(p)->ops)

int sk_plugin_ctl(const struct sk_plugin *p, int op, void *arg)
{
    int (*ctl)(void *, int, void *) = NULL;
    switch (p->kind) {
    case SNOW_PLUGIN_TRANSPORT: ctl = CALL_GET(CALL_OPS(p, snow_transport_ops), ctl); break;
    case SNOW_PLUGIN_AUTH: ctl = CALL_GET(CALL_OPS(p, snow_auth_ops), ctl); break;
    case SNOW_PLUGIN_DISCOVERY: ctl = CALL_GET(CALL_OPS(p, snow_discovery_ops), ctl); break;
    case SNOW_PLUGIN_REGISTRY: ctl = CALL_GET(CALL_OPS(p, snow_registry_ops), ctl); break;
    case SNOW_PLUGIN_BRIDGE: ctl = CALL_GET(CALL_OPS(p, snow_bridge_ops), ctl); break;
    }
    return ctl ? ctl(p->state, op, arg) : SNOW_ENOTSUP;
}

/* ---- transport ---- */
#define TOPS(p) CALL_OPS(p, snow_transport_ops)

size_t sk_transport_conn_state_size(const struct sk_plugin *p)
{
    return TOPS(p)->conn_state_size;
}

int sk_transport_addr_parse(const struct sk_plugin *p, const char *text, char *canon,
                            size_t len)
{
    int (*fn)(void *, const char *, char *, size_t) = CALL_GET(TOPS(p), addr_parse);
    if (fn != NULL)
        return fn(p->state, text, canon, len);
    /* Default: the text is already canonical. */
    if (strlen(text) >= len)
        return SNOW_ERANGE;
    memcpy(canon, text, strlen(text) + 1);
    return 0;
}

int sk_transport_listen(const struct sk_plugin *p, snow_listener *l, const char *addr,
                        void **lstate, char *bound, size_t boundlen)
{
    return TOPS(p)->listen(p->state, l, addr, lstate, bound, boundlen);
}

void sk_transport_unlisten(const struct sk_plugin *p, snow_listener *l, void *lstate)
{
    TOPS(p)->unlisten(p->state, l, lstate);
}

int sk_transport_connect(const struct sk_plugin *p, snow_conn *c, void *cs, const char *addr)
{
    return TOPS(p)->connect(p->state, c, cs, addr);
}

int sk_transport_send(const struct sk_plugin *p, snow_conn *c, void *cs,
                      const struct snow_iov *iov, int iovcnt)
{
    return TOPS(p)->send(p->state, c, cs, iov, iovcnt);
}

void sk_transport_flush(const struct sk_plugin *p, snow_conn *c, void *cs)
{
    void (*fn)(void *, snow_conn *, void *) = CALL_GET(TOPS(p), flush);
    if (fn != NULL)
        fn(p->state, c, cs);
}

void sk_transport_close(const struct sk_plugin *p, snow_conn *c, void *cs)
{
    TOPS(p)->close(p->state, c, cs);
}

int sk_transport_channel_binding(const struct sk_plugin *p, snow_conn *c, void *cs, void *out,
                                 size_t len)
{
    int (*fn)(void *, snow_conn *, void *, void *, size_t) = CALL_GET(TOPS(p), channel_binding);
    return fn ? fn(p->state, c, cs, out, len) : SNOW_ENOTSUP;
}

int sk_transport_peer_format(const struct sk_plugin *p, snow_conn *c, void *cs, char *buf,
                             size_t len)
{
    int (*fn)(void *, snow_conn *, void *, char *, size_t) = CALL_GET(TOPS(p), peer_format);
    if (fn != NULL)
        return fn(p->state, c, cs, buf, len);
    return snprintf(buf, len, "?");
}

/* ---- auth ---- */
#define AOPS(p) CALL_OPS(p, snow_auth_ops)

int sk_auth_start(const struct sk_plugin *p, snow_conn *c, const struct snow_auth_params *params,
                  void **hs)
{
    return AOPS(p)->start(p->state, c, params, hs);
}

int sk_auth_step(const struct sk_plugin *p, void *hs, const void *in, size_t inlen, void *out,
                 size_t outcap, size_t *outlen, char *reason, size_t reasonlen)
{
    *outlen = 0;
    if (reasonlen > 0)
        reason[0] = '\0';
    int rc = AOPS(p)->step(p->state, hs, in, inlen, out, outcap, outlen, reason, reasonlen);
    if (reasonlen > 0)
        reason[reasonlen - 1] = '\0';
    /* A plugin claiming more output than the buffer holds is a bug in it:
     * never let it make the kernel read past the buffer. */
    if (*outlen > outcap) {
        snprintf(reason, reasonlen, "auth plugin produced %zu bytes into a %zu-byte buffer",
                 *outlen, outcap);
        *outlen = 0;
        return SNOW_EPLUGIN;
    }
    if (rc > SNOW_AUTH_ACCEPT) {
        snprintf(reason, reasonlen, "auth plugin returned %d from step", rc);
        return SNOW_EPLUGIN;
    }
    return rc;
}

void sk_auth_end(const struct sk_plugin *p, void *hs)
{
    AOPS(p)->end(p->state, hs);
}

/* ---- discovery ---- */
#define DOPS(p) CALL_OPS(p, snow_discovery_ops)

int sk_discovery_resolve(const struct sk_plugin *p, snow_request *req, const char *node)
{
    return DOPS(p)->resolve(p->state, req, node);
}

int sk_discovery_publish(const struct sk_plugin *p, const char *node, const char *const *addrs,
                         size_t n)
{
    int (*fn)(void *, const char *, const char *const *, size_t) = CALL_GET(DOPS(p), publish);
    return fn ? fn(p->state, node, addrs, n) : 0;
}

void sk_discovery_withdraw(const struct sk_plugin *p, const char *node)
{
    void (*fn)(void *, const char *) = CALL_GET(DOPS(p), withdraw);
    if (fn != NULL)
        fn(p->state, node);
}

void sk_discovery_learn(const struct sk_plugin *p, const char *node, const char *const *addrs,
                        size_t n)
{
    void (*fn)(void *, const char *, const char *const *, size_t) = CALL_GET(DOPS(p), learn);
    if (fn != NULL)
        fn(p->state, node, addrs, n);
}

/* ---- registry ---- */
#define ROPS(p) CALL_OPS(p, snow_registry_ops)

int sk_registry_register(const struct sk_plugin *p, snow_request *req, const char *name,
                         snow_pid pid)
{
    return ROPS(p)->name_register(p->state, req, name, pid);
}

int sk_registry_unregister(const struct sk_plugin *p, snow_request *req, const char *name)
{
    return ROPS(p)->name_unregister(p->state, req, name);
}

int sk_registry_whereis(const struct sk_plugin *p, snow_request *req, const char *name)
{
    return ROPS(p)->whereis(p->state, req, name);
}
