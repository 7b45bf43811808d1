/* SPDX-License-Identifier: MIT */
/* The built-in discovery plugin: descriptor, options, and the ops table. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsc.h"

static const struct snow_plugin_option discovery_options[] = {
    {.key = "port", .type = SNOW_OPT_INT, .def = "4370", .min = 1, .max = 65535,
     .help = "well-known TCP port of the per-host node registry"},
    {.key = "bind", .type = SNOW_OPT_STRING,
     .help = "numeric address the registry binds (default: the node's listen host)"},
    {.key = "static", .type = SNOW_OPT_STRING,
     .help = "entries answered without asking: node@host=host:port[,...]"},
    {.key = "timeout", .type = SNOW_OPT_DURATION, .def = "2s", .min = 1, .max = 600000,
     .help = "connect + answer deadline of a registry query or registration"},
    {.key = "retry_min", .type = SNOW_OPT_DURATION, .def = "20ms", .min = 1, .max = 60000,
     .help = "first re-registration delay after the registry is lost (jittered)"},
    {.key = "retry_max", .type = SNOW_OPT_DURATION, .def = "1s", .min = 1, .max = 600000,
     .help = "cap of the doubling re-registration backoff"},
    {.key = "idle_timeout", .type = SNOW_OPT_DURATION, .def = "10s", .min = 1, .max = 3600000,
     .help = "registry: close client connections that hold no registration after this"},
    {.key = "max_entries", .type = SNOW_OPT_INT, .def = "1024", .min = 1, .max = 65536,
     .help = "registry: most names registered at once"},
    {.key = "max_conns", .type = SNOW_OPT_INT, .def = "1280", .min = 1, .max = 65536,
     .help = "registry: most client connections open at once"},
    {.key = NULL},
};

/* Reads an INT/DURATION option; the kernel applied the schema's default,
 * `def` only guards against a kernel that did not. */
static int64_t discovery_int(struct dsc *d, const snow_plugin_args *args, const char *key,
                             int64_t def)
{
    int64_t v;
    return d->svc->opt_int(d->ctx, args, key, &v) == 0 ? v : def;
}

static int discovery_init(const struct snow_services *svc, snow_plugin_ctx *ctx,
                          const snow_plugin_args *args, void **state, char *errbuf,
                          size_t errlen)
{
    struct dsc *d = calloc(1, sizeof *d);
    const char *s;

    if (!d) {
        snprintf(errbuf, errlen, "out of memory");
        return SNOW_ENOMEM;
    }
    d->svc = svc;
    d->ctx = ctx;
    d->link.fd = -1;
    d->rng = (uint64_t)svc->now_ns(ctx) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)d;
    d->rng |= 1;
    d->o.port = (int)discovery_int(d, args, "port", 4370);
    d->o.timeout_ms = discovery_int(d, args, "timeout", 2000);
    d->o.retry_min_ms = discovery_int(d, args, "retry_min", 20);
    d->o.retry_max_ms = discovery_int(d, args, "retry_max", 1000);
    d->o.idle_ms = discovery_int(d, args, "idle_timeout", 10000);
    d->o.max_entries = (size_t)discovery_int(d, args, "max_entries", 1024);
    d->o.max_conns = (size_t)discovery_int(d, args, "max_conns", 1280);
    int rc = SNOW_ECONFIG;
    if (d->o.port < 1 || d->o.port > 65535 || d->o.timeout_ms < 1 || d->o.retry_min_ms < 1 ||
        d->o.idle_ms < 1 || d->o.max_entries < 1 || d->o.max_conns < 1) {
        snprintf(errbuf, errlen, "option out of range");
        goto fail;
    }
    if (d->o.retry_max_ms < d->o.retry_min_ms) {
        snprintf(errbuf, errlen, "retry_max (%lld ms) is below retry_min (%lld ms)",
                 (long long)d->o.retry_max_ms, (long long)d->o.retry_min_ms);
        goto fail;
    }
    if (svc->opt_str(ctx, args, "bind", &s) == 0 && s[0]) {
        struct dsc_sockaddr sa;
        if (strlen(s) >= sizeof d->o.bind || dsc_net_addr(s, d->o.port, 0, &sa) != 0) {
            snprintf(errbuf, errlen, "bind: \"%s\" is not a numeric IPv4/IPv6 address", s);
            goto fail;
        }
        memcpy(d->o.bind, s, strlen(s) + 1);
    }
    if (svc->opt_str(ctx, args, "static", &s) == 0 && s[0]) {
        rc = dsc_static_parse(d, s, errbuf, errlen);
        if (rc != 0) {
            rc = rc == SNOW_ENOMEM ? rc : SNOW_ECONFIG;
            goto fail;
        }
    }
    *state = d;
    return 0;
fail:
    free(d->statics);
    free(d);
    return rc;
}

static void discovery_fini(void *state)
{
    struct dsc *d = state;
    dsc_resolve_abandon(d);
    dsc_lookup_shutdown(d);
    dsc_link_stop(d);
    free(d->statics);
    free(d->learned);
    free(d);
}

static int discovery_resolve(void *state, snow_request *req, const char *node)
{
    return dsc_resolve(state, req, node);
}

static void discovery_withdraw(void *state, const char *node)
{
    struct dsc *d = state;
    if (!d->published)
        return;
    dsc_link_stop(d);
    d->published = false;
}

static void discovery_learn(void *state, const char *node, const char *const *addrs, size_t n)
{
    if (n > 0)
        dsc_learn(state, node, addrs[0]);
}

static int discovery_publish(void *state, const char *node, const char *const *addrs, size_t n)
{
    struct dsc *d = state;
    struct dsc_node self;
    char host[DSC_HOST_MAX + 1];
    int port, rc;

    if (dsc_node_parse(node, &self) != 0 || n == 0 ||
        dsc_addr_parse(addrs[0], host, sizeof host, &port) != 0)
        return SNOW_EINVAL;
    const char *reg = d->o.bind[0] ? d->o.bind : host;
    if (strcmp(reg, "localhost") == 0) /* the one name we need not look up */
        reg = "127.0.0.1";
    struct dsc_sockaddr bind_sa, peer_sa;
    rc = dsc_net_addr(reg, d->o.port, 0, &bind_sa);
    if (rc == 0)
        rc = dsc_net_addr(reg, d->o.port, 1, &peer_sa);
    if (rc != 0) {
        dsc_log(d, SNOW_LOG_ERROR, "SNOW-DISCOVERY-BINDHOST",
                "cannot serve the registry on \"%s\": not a numeric address (set bind=)", reg);
        return rc;
    }
    discovery_withdraw(d, node);
    memcpy(d->name, self.name, sizeof d->name);
    snprintf(d->reg_host, sizeof d->reg_host, "%s", reg);
    d->node_port = port;
    d->reg_bind = bind_sa;
    d->reg_peer = peer_sa;
    d->published = true;
    dsc_link_start(d);
    return 0;
}

static int discovery_ctl(void *state, int op, void *arg)
{
    struct dsc *d = state;
    struct snow_ctl_text *t = arg;

    if (op != SNOW_CTL_STATUS || !t || !t->buf || t->len == 0)
        return SNOW_ENOTSUP;
    switch (d->published ? d->link.state : DSC_LINK_OFF) {
    case DSC_LINK_SERVING:
        snprintf(t->buf, t->len, "serving the registry on %s:%d (%zu names)", d->reg_host,
                 d->o.port, dsc_server_count(d));
        break;
    case DSC_LINK_UP:
        snprintf(t->buf, t->len, "registered %s with the registry on %s:%d", d->name,
                 d->reg_host, d->o.port);
        break;
    case DSC_LINK_OFF:
        snprintf(t->buf, t->len, "not published");
        break;
    default:
        snprintf(t->buf, t->len, "registering %s with the registry on %s:%d", d->name,
                 d->reg_host, d->o.port);
        break;
    }
    return 0;
}

static const struct snow_discovery_ops discovery_ops = {
    SNOW_OPS_HEAD(struct snow_discovery_ops),
    .ctl = discovery_ctl,
    .resolve = discovery_resolve,
    .publish = discovery_publish,
    .withdraw = discovery_withdraw,
    .learn = discovery_learn,
};

SNOW_PLUGIN_EXPORT const struct snow_plugin_desc snow_plugin = {
    SNOW_PLUGIN_HEAD,
    .kind = SNOW_PLUGIN_DISCOVERY,
    .name = "discovery_builtin",
    .version = "1.0.0",
    .summary = "per-host node registry embedded in the nodes (no daemon) + static entries",
    .options = discovery_options,
    .ops = &discovery_ops,
    .init = discovery_init,
    .fini = discovery_fini,
};
