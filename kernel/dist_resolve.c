/* SPDX-License-Identifier: MIT */
/* Connecting by name without a port: ask the discovery plugin, then dial. */
#include "dist.h"

#include <stdlib.h>
#include <string.h>

#include "dist_plugins.h"
#include "dist_wait.h"
#include "log.h"

/* The kernel's side of a discovery request (plugin.h's opaque
 * snow_request). Pending requests are kept so a node stop can abandon them;
 * completion after that is ignored. I/O thread only. */
struct snow_request {
    struct snow_request *next;
    char name[SK_NODE_NAME_MAX + 1];
    struct sk_dwait *waiters;
    bool done;
    bool in_call;  /* inside sk_dp_resolve: the caller frees */
};

static struct snow_request *pending;
static struct snow_request *abandoned; /* freed once the plugins are unloaded */

static void resolve_unlink(snow_request *req)
{
    for (snow_request **p = &pending; *p; p = &(*p)->next) {
        if (*p == req) {
            *p = req->next;
            return;
        }
    }
}

int sk_dist_resolve_and_dial(const char *name, struct sk_dwait *w)
{
    if (!sk_dp_have_discovery())
        return SNOW_ENONODE;
    for (snow_request *r = pending; r; r = r->next) {
        if (strcmp(r->name, name) == 0) { /* already asking */
            if (w)
                sk_dwait_add(&r->waiters, w);
            return 0;
        }
    }
    snow_request *req = calloc(1, sizeof *req);
    if (req == NULL)
        return SNOW_ENOMEM;
    strcpy(req->name, name);
    if (w)
        sk_dwait_add(&req->waiters, w);
    req->next = pending;
    pending = req;
    req->in_call = true;
    int rc = sk_dp_resolve(req, name);
    req->in_call = false;
    if (rc != 0 && !req->done) {
        resolve_unlink(req);
        req->waiters = NULL; /* the caller gets rc directly */
        if (w)
            w->list = NULL;
        free(req);
        return rc;
    }
    if (req->done) /* completed inside resolve */
        free(req);
    return 0;
}

void sk_dist_resolved(snow_request *req, int code, const char *const *addrs, size_t n)
{
    if (req->done)
        return; /* abandoned at node stop */
    req->done = true;
    resolve_unlink(req);
    snow_conn *c = NULL;
    int rc = code;
    if (code == 0 && n == 0)
        rc = SNOW_ENONODE;
    if (rc == 0 && sk_dist.started) {
        c = sk_dconn_find(req->name, false);
        if (c == NULL)
            c = sk_dconn_dial(req->name, addrs[0], &rc);
    }
    if (c != NULL && c->state != SK_CONN_CLOSED) {
        if (c->state == SK_CONN_UP)
            sk_dwait_complete_all(&req->waiters, 0);
        else
            sk_dwait_move(&req->waiters, &c->waiters);
    } else {
        if (rc == 0)
            rc = SNOW_ECONNREFUSED;
        sk_log(SK_LOG_INFO, "SNOW-DIST-RESOLVE", "cannot reach %s: %s", req->name,
               snow_strerror(rc));
        sk_dwait_complete_all(&req->waiters, rc);
    }
    if (!req->in_call)
        free(req);
}

void sk_dist_resolve_abort_all(void)
{
    while (pending) {
        snow_request *req = pending;
        pending = req->next;
        sk_dwait_complete_all(&req->waiters, SNOW_ECLOSED);
        req->done = true;
        /* the plugin may still answer until it is unloaded: a completion
         * of a done request is ignored, and the memory is freed later */
        req->next = abandoned;
        abandoned = req;
    }
}

void sk_dist_resolve_free_abandoned(void)
{
    while (abandoned) {
        snow_request *req = abandoned;
        abandoned = req->next;
        free(req);
    }
}
