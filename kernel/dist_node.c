/* SPDX-License-Identifier: MIT */
/* The node API: start and stop distribution, connect, list, self. */
#include "dist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <snow/node.h>

#include "dist_plugins.h"
#include "dist_wait.h"
#include "io_thread.h"
#include "log.h"

static _Thread_local char node_error[512];

static int node_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int node_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(node_error, sizeof node_error, fmt, ap);
    va_end(ap);
    return code;
}

void sk_dist_set_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(node_error, sizeof node_error, fmt, ap);
    va_end(ap);
}

const char *snow_node_last_error(void)
{
    return node_error;
}

/* ---- start ---- */

struct start_job {
    const char *listen;
    int rc;
    char err[512];
};

static void start_on_io(void *arg)
{
    struct start_job *j = arg;
    char bound[SK_ADDR_MAX];
    j->rc = sk_dp_listen(j->listen, &sk_dist.listener, bound, sizeof bound);
    if (j->rc != 0) {
        snprintf(j->err, sizeof j->err, "cannot listen on %s: %s", j->listen,
                 snow_strerror(j->rc));
        return;
    }
    snprintf(sk_dist.listen_addr, sizeof sk_dist.listen_addr, "%s", bound);
    sk_dist.started = true;
    j->rc = sk_dtick_start();
    if (j->rc != 0) {
        snprintf(j->err, sizeof j->err, "cannot start the tick timer");
        return;
    }
    sk_dp_publish(sk_dist.self.full, sk_dist.listen_addr);
}

static uint32_t node_new_creation(void)
{
    uint32_t c = 0;
    while (c == 0)
        if (gnutls_rnd(GNUTLS_RND_NONCE, &c, sizeof c) != 0)
            c = (uint32_t)time(NULL) ^ (uint32_t)sk_now_ns();
    return c;
}

static void stop_on_io(void *arg);

int snow_node_start(const char *name, const char *cookie, const struct snow_node_opts *opts)
{
    node_error[0] = '\0';
    if (sk_dist.started)
        return node_fail(SNOW_ESTATE, "node already started as %s", sk_dist.self.full);
    if (opts != NULL && opts->size < sizeof(size_t))
        return node_fail(SNOW_EINVAL, "snow_node_opts.size is not set");
    struct snow_node_opts o = {0};
    if (opts)
        memcpy(&o, opts, opts->size < sizeof o ? opts->size : sizeof o);
    char err[512];
    struct sk_dist d = {0};
    if (sk_node_name_parse(name, &d.self, err, sizeof err) != 0)
        return node_fail(SNOW_EINVAL, "%s", err);
    int rc = sk_cookie_load(cookie, NULL, d.cookie, err, sizeof err);
    if (rc != 0)
        return node_fail(rc, "%s", err);
    d.creation = node_new_creation();
    d.tick_ms = o.tick_ms ? o.tick_ms : 60000;
    d.handshake_ms = o.handshake_ms ? o.handshake_ms : 5000;
    d.connect_timeout_ms = o.connect_timeout_ms ? o.connect_timeout_ms : 10000;
    d.max_frame = o.max_frame ? o.max_frame : SK_FRAME_MAX_DEFAULT;

    rc = sk_io_start();
    if (rc != 0)
        return node_fail(rc, "cannot start the I/O thread");
    sk_dist = d;
    sk_log_set_node(d.self.full);
    rc = sk_node_table_set_self(d.self.full, d.creation);
    if (rc == 0)
        rc = sk_dp_load(o.plugin_list, err, sizeof err);
    if (rc != 0) {
        sk_io_stop();
        memset(&sk_dist, 0, sizeof sk_dist);
        return node_fail(rc, "%s", err);
    }
    char listen[SK_ADDR_MAX];
    if (o.listen)
        snprintf(listen, sizeof listen, "%s", o.listen);
    else
        snprintf(listen, sizeof listen, "%s:%u", d.self.host, (unsigned)d.self.port);
    struct start_job job = {.listen = listen};
    sk_io_run_sync(start_on_io, &job);
    if (job.rc != 0) {
        sk_io_run_sync(stop_on_io, NULL);
        sk_dp_unload();
        sk_io_stop();
        sk_dist_resolve_free_abandoned();
        memset(&sk_dist, 0, sizeof sk_dist);
        return node_fail(job.rc, "%s", job.err);
    }
    sk_dist_route_install();
    sk_log(SK_LOG_INFO, "SNOW-NODE-START", "node %s up, listening on %s (creation %u)",
           sk_dist.self.full, sk_dist.listen_addr, sk_dist.creation);
    return 0;
}

/* ---- stop ---- */

static void stop_on_io(void *arg)
{
    (void)arg;
    sk_dtick_stop();
    if (sk_dist.started)
        sk_dp_withdraw(sk_dist.self.full);
    sk_dist.started = false; /* refuse new inbound connections */
    while (sk_dist.conns)
        sk_dconn_close(sk_dist.conns, SNOW_ECLOSED, "node stopping");
    sk_dist_resolve_abort_all();
    sk_dist_parked_complete(NULL, true);
    if (sk_dist.listener) {
        sk_dp_unlisten(sk_dist.listener);
        sk_dist.listener = NULL;
    }
}

int snow_node_stop(void)
{
    if (!sk_dist.started)
        return SNOW_ESTATE;
    sk_dist_route_uninstall();
    sk_io_run_sync(stop_on_io, NULL);
    sk_dp_unload(); /* after the deferred transport closes, on the I/O thread */
    sk_io_stop();
    sk_dist_resolve_free_abandoned();
    sk_dist_events_reset();
    sk_node_table_reset();
    sk_log(SK_LOG_INFO, "SNOW-NODE-STOP", "node %s stopped", sk_dist.self.full);
    sk_log_set_node("");
    memset(&sk_dist, 0, sizeof sk_dist);
    return 0;
}

const char *snow_node_self(void)
{
    return sk_dist.started ? sk_dist.self.full : NULL;
}

const char *snow_node_address(void)
{
    return sk_dist.started ? sk_dist.listen_addr : NULL;
}

/* ---- connect ---- */

struct connect_job {
    const struct sk_node_name *name;
    const char *addr; /* explicit transport address, or NULL */
    struct sk_dwait *w;
    int rc;
};

static void connect_on_io(void *arg)
{
    struct connect_job *j = arg;
    j->rc = 0;
    snow_conn *c = sk_dconn_find(j->name->full, false);
    if (c != NULL && c->state == SK_CONN_UP) {
        sk_dwait_complete_all(&(struct sk_dwait *){j->w}, 0);
        return;
    }
    if (c != NULL) {
        sk_dwait_add(&c->waiters, j->w);
        return;
    }
    if (j->name->port != 0 || j->addr != NULL) {
        char addr[SK_ADDR_MAX];
        if (j->addr)
            snprintf(addr, sizeof addr, "%s", j->addr);
        else
            snprintf(addr, sizeof addr, "%s:%u", j->name->host, (unsigned)j->name->port);
        int rc;
        c = sk_dconn_dial(j->name->full, addr, &rc);
        if (c == NULL) {
            j->rc = rc;
            return;
        }
        if (c->state == SK_CONN_CLOSED) { /* failed inside connect */
            j->rc = SNOW_ECONNREFUSED;
            return;
        }
        sk_dwait_add(&c->waiters, j->w);
        return;
    }
    j->rc = sk_dist_resolve_and_dial(j->name->full, j->w);
}

static int node_connect(const char *name, const char *addr, int64_t timeout_ms)
{
    node_error[0] = '\0';
    if (!sk_dist.started)
        return node_fail(SNOW_ESTATE, "this node is not started");
    struct sk_node_name n;
    char err[512];
    if (sk_node_name_parse(name, &n, err, sizeof err) != 0)
        return node_fail(SNOW_EINVAL, "%s", err);
    if (strcmp(n.full, sk_dist.self.full) == 0)
        return 0;
    if (timeout_ms < 0)
        timeout_ms = sk_dist.connect_timeout_ms;
    struct sk_dwait w;
    sk_dwait_init(&w);
    struct connect_job job = {.name = &n, .addr = addr, .w = &w};
    int rc = sk_io_run_sync(connect_on_io, &job);
    if (rc == 0)
        rc = job.rc;
    if (rc == 0)
        rc = sk_dwait_wait(&w, timeout_ms);
    sk_dwait_destroy(&w);
    if (rc != 0)
        return node_fail(rc, "connect to %s: %s", n.full, snow_strerror(rc));
    return 0;
}

int snow_node_connect_timeout(const char *name, int64_t timeout_ms)
{
    return node_connect(name, NULL, timeout_ms);
}

int snow_node_connect_addr(const char *name, const char *addr, int64_t timeout_ms)
{
    if (addr == NULL || *addr == '\0' || strlen(addr) >= SK_ADDR_MAX)
        return node_fail(SNOW_EINVAL, "connect: bad address");
    return node_connect(name, addr, timeout_ms);
}

int snow_node_connect(const char *name)
{
    return snow_node_connect_timeout(name, -1);
}

/* ---- disconnect ---- */

struct disconnect_job {
    const char *name;
    int rc;
};

static void disconnect_on_io(void *arg)
{
    struct disconnect_job *j = arg;
    snow_conn *c = sk_dconn_find(j->name, true);
    if (c == NULL) {
        j->rc = SNOW_ENOCONN;
        return;
    }
    sk_dconn_close(c, SNOW_ECLOSED, "disconnected by this node");
    j->rc = 0;
}

int snow_node_disconnect(const char *name)
{
    if (!sk_dist.started)
        return SNOW_ESTATE;
    if (name == NULL)
        return SNOW_EINVAL;
    struct disconnect_job job = {.name = name};
    int rc = sk_io_run_sync(disconnect_on_io, &job);
    return rc != 0 ? rc : job.rc;
}

/* ---- list ---- */

struct list_job {
    char **names;
    size_t max;
    int count;
};

static void list_on_io(void *arg)
{
    struct list_job *j = arg;
    for (snow_conn *c = sk_dist.conns; c; c = c->next) {
        if (c->state != SK_CONN_UP)
            continue;
        if ((size_t)j->count < j->max) {
            j->names[j->count] = strdup(c->peer_name);
            if (j->names[j->count] == NULL) {
                j->count = SNOW_ENOMEM;
                return;
            }
        }
        j->count++;
    }
}

int snow_node_list(char **names, size_t max)
{
    if (names == NULL && max > 0)
        return SNOW_EINVAL;
    if (!sk_dist.started)
        return 0;
    struct list_job job = {.names = names, .max = max};
    int rc = sk_io_run_sync(list_on_io, &job);
    return rc != 0 ? rc : job.count;
}

const char *snow_pid_node_name(snow_pid pid)
{
    struct sk_node *n = sk_node_table_get((uint16_t)snow_pid_node(pid));
    return n ? n->name : NULL;
}
