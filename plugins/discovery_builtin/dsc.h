/* SPDX-License-Identifier: MIT */
/* The discovery_builtin plugin's instance state, shared by its modules. */
#ifndef DSC_H
#define DSC_H

#include <stdbool.h>
#include <stdint.h>

#include <snow/plugin.h>

#include "dsc_lookup.h"
#include "dsc_net.h"
#include "dsc_proto.h"

/* Options, after defaults (see the schema in discovery_builtin.c). */
struct dsc_opts {
    int port;                      /* the well-known registry port */
    char bind[DSC_HOST_MAX + 1];   /* "" = the host of the node's listen address */
    int64_t timeout_ms;            /* connect + answer, for resolve and register */
    int64_t retry_min_ms, retry_max_ms; /* backoff while re-registering */
    int64_t idle_ms;               /* server: unregistered connection lifetime */
    size_t max_entries;            /* server: registered names */
    size_t max_conns;              /* server: open client connections */
};

/* One static entry: node name -> transport address, answered locally. */
struct dsc_static {
    char node[DSC_NAME_MAX + 1 + DSC_ADDR_MAX + 1];
    char addr[DSC_ADDR_MAX + 1];
};

struct dsc_server;
struct dsc_query;

/* The registration link of a node that does not serve the registry. */
enum dsc_link_state {
    DSC_LINK_OFF = 0,     /* not published */
    DSC_LINK_WAIT,        /* backoff timer running */
    DSC_LINK_CONNECTING,  /* connect in progress */
    DSC_LINK_HELLO,       /* HELLO + REG sent, waiting for OK */
    DSC_LINK_UP,          /* registered; the registration lives with this fd */
    DSC_LINK_SERVING,     /* this node serves the registry itself */
};

struct dsc_link {
    enum dsc_link_state state;
    int fd;
    uint64_t watch, timer;
    bool has_watch, has_timer;
    bool got_hello;
    bool warned;             /* one log line per outage, not one per retry */
    int64_t backoff_ms;
    struct dsc_lines lines;
};

struct dsc {
    const struct snow_services *svc;
    snow_plugin_ctx *ctx;
    struct dsc_opts o;
    struct dsc_static *statics;
    size_t nstatics;
    struct dsc_static *learned;  /* from `learn`: a fallback, see dsc_resolve.c */
    size_t nlearned, learned_next;
    uint64_t rng;

    /* Set by publish. */
    bool published;
    char name[DSC_NAME_MAX + 1]; /* the part before '@' */
    int node_port;               /* this node's transport port */
    char reg_host[DSC_HOST_MAX + 1];
    struct dsc_sockaddr reg_bind, reg_peer; /* where to serve, where to connect */

    struct dsc_link link;
    struct dsc_server *server;   /* non-NULL while this node serves */
    struct dsc_query *queries;   /* resolves in flight */
    struct dsc_lookup *lookups;  /* host-name lookups in flight (dsc_lookup.c) */
    size_t nlookups;
};

/* Logging shorthand: every line carries a stable SNOW-DISCOVERY-* id. */
#define dsc_log(d, lvl, id, ...) (d)->svc->log((d)->ctx, (lvl), (id), __VA_ARGS__)

/* dsc_server.c: the registry service, run by one node per host. */
/* Binds the registry port and serves, with this node as the first entry.
 * 0, SNOW_EEXIST (someone else serves), SNOW_EIO, SNOW_ENOMEM. */
int dsc_server_start(struct dsc *d);
/* Closes the listener and every client connection (their registrations
 * go; the clients notice and one of them takes over). */
void dsc_server_stop(struct dsc *d);
/* Number of names registered (tests, status). */
size_t dsc_server_count(const struct dsc *d);

/* dsc_link.c: keeping this node registered, serving when nobody else does. */
void dsc_link_start(struct dsc *d);
void dsc_link_stop(struct dsc *d);

/* dsc_resolve.c: static entries and registry queries. */
/* Parses "node=addr,node=addr". 0 or SNOW_EINVAL/SNOW_ENOMEM with a reason. */
int dsc_static_parse(struct dsc *d, const char *text, char *err, size_t errlen);
int dsc_resolve(struct dsc *d, snow_request *req, const char *node);
/* Frees every query without completing it (the kernel abandoned them). */
void dsc_resolve_abandon(struct dsc *d);
/* Remembers node -> addr from the kernel (bounded; oldest replaced). */
void dsc_learn(struct dsc *d, const char *node, const char *addr);

/* A pseudo-random delay in [base, 2*base) so clients do not retry in step. */
int64_t dsc_jitter(struct dsc *d, int64_t base);

#endif /* DSC_H */
