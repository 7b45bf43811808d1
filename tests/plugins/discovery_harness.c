/* SPDX-License-Identifier: MIT */
/* Shared harness of the discovery plugin tests: the .so, instances, waits. */
#include "config.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "discovery_harness.h"

#define PLUGIN_FILE "discovery_builtin.so"

static void *plugin_dl;
const struct snow_plugin_desc *desc;
const struct snow_discovery_ops *ops;
struct event_base *base;
char test_port[8];

/* ---- fixture ---- */

int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

static void *plugin_open(void)
{
    char path[4096];
    const char *sp = getenv("SNOW_PLUGIN_PATH");
    while (sp && *sp) {
        size_t n = strcspn(sp, ":");
        snprintf(path, sizeof path, "%.*s/%s", (int)n, sp, PLUGIN_FILE);
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (h)
            return h;
        sp += n + (sp[n] == ':');
    }
    const char *top = getenv("SNOW_TOP_BUILDDIR");
    snprintf(path, sizeof path, "%s/plugins/.libs/%s", top ? top : ".", PLUGIN_FILE);
    return dlopen(path, RTLD_NOW | RTLD_LOCAL);
}

void setup(void)
{
    signal(SIGPIPE, SIG_IGN);
    plugin_dl = plugin_open();
    ck_assert_msg(plugin_dl != NULL, "cannot load %s: %s", PLUGIN_FILE, dlerror());
    desc = dlsym(plugin_dl, SNOW_PLUGIN_SYMBOL);
    ck_assert_ptr_nonnull(desc);
    ck_assert_uint_eq(desc->magic, SNOW_PLUGIN_MAGIC);
    ck_assert_int_eq(desc->kind, SNOW_PLUGIN_DISCOVERY);
    ck_assert_str_eq(desc->name, "discovery_builtin");
    ops = desc->ops;
    ck_assert_uint_ge(ops->size, SNOW_DISCOVERY_OPS_V1_SIZE);
    base = event_base_new();
    ck_assert_ptr_nonnull(base);
    snprintf(test_port, sizeof test_port, "%d", free_port());
}

void teardown(void)
{
    event_base_free(base);
    dlclose(plugin_dl);
}

/* ---- bounded waiting on the test's loop ---- */


static void deadline_cb(evutil_socket_t fd, short what, void *arg) { *(bool *)arg = true; }

/* Runs the loop until pred(arg) holds or ms pass; returns pred's last value. */
bool run_until(pred_fn pred, void *arg, int ms)
{
    bool expired = false;
    struct event *ev = evtimer_new(base, deadline_cb, &expired);
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    evtimer_add(ev, &tv);
    bool ok = pred(arg);
    while (!ok && !expired) {
        event_base_loop(base, EVLOOP_ONCE);
        ok = pred(arg);
    }
    event_free(ev);
    return ok;
}

bool never(void *arg) { return false; }

/* ---- plugin instances ---- */


/* Options: `extra` key/value pairs first (they win), then the test's
 * defaults: the test port and short retry delays. */
int inst_init(struct inst *in, const char *label, const char *const *extra)
{
    static const char *const defaults[] = {"port", NULL, "retry_min", "10ms", "retry_max",
                                           "200ms", "timeout", "1s"};
    const char *kv[40];
    size_t n = 0;
    for (; extra && *extra && n < 30; extra++)
        kv[n++] = *extra;
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        kv[n++] = defaults[i] ? defaults[i] : test_port;
    kv[n] = NULL;
    struct snow_plugin_args args = {.schema = desc->options, .kv = kv};
    mock_ctx_init(&in->ctx, base, label);
    return desc->init(&mock_services, &in->ctx, &args, &in->state, in->err, sizeof in->err);
}

void inst_start(struct inst *in, const char *label, const char *const *extra)
{
    int rc = inst_init(in, label, extra);
    ck_assert_msg(rc == 0, "init %s: %s: %s", label, snow_strerror_name(rc), in->err);
}

/* Publishes "<name>@127.0.0.1" listening on 127.0.0.1:<port>. */
void inst_publish(struct inst *in, const char *name, int port)
{
    char node[96], addr[64];
    const char *addrs[1] = {addr};
    snprintf(node, sizeof node, "%s@127.0.0.1", name);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    ck_assert_snow_ok(ops->publish(in->state, node, addrs, 1));
}

/* fini, then check the plugin let go of every timer and watch itself. */
void inst_stop(struct inst *in)
{
    desc->fini(in->state);
    ck_assert_uint_eq(mock_ctx_live(&in->ctx), 0);
    mock_ctx_clear(&in->ctx);
}

const char *inst_status(struct inst *in)
{
    static char buf[256];
    struct snow_ctl_text t = {buf, sizeof buf};
    ck_assert_snow_ok(ops->ctl(in->state, SNOW_CTL_STATUS, &t));
    return buf;
}

bool is_serving(void *arg) { return strncmp(inst_status(arg), "serving", 7) == 0; }
bool is_registered(void *arg) { return strncmp(inst_status(arg), "registered", 10) == 0; }
bool req_done(void *arg) { return ((struct snow_request *)arg)->done; }

/* One resolve, waited for. Returns its completion code (SNOW_ETIMEDOUT if
 * it never completed, which the plugin's own timeout should prevent). */
int resolve(struct inst *in, const char *node, char *addr, size_t cap)
{
    struct snow_request req = {0};
    int rc = ops->resolve(in->state, &req, node);
    if (rc != 0)
        return rc;
    if (!run_until(req_done, &req, WAIT_MS))
        return SNOW_ETIMEDOUT;
    if (addr)
        snprintf(addr, cap, "%s", req.addr);
    return req.code;
}

/* Resolves node until it yields `want` (an address, or NULL for
 * SNOW_ENONODE), retrying within WAIT_MS. */
bool resolves_to(struct inst *in, const char *node, const char *want)
{
    struct event *ev;
    bool expired = false;
    struct timeval tv = {.tv_sec = WAIT_MS / 1000, .tv_usec = (WAIT_MS % 1000) * 1000};
    ev = evtimer_new(base, deadline_cb, &expired);
    evtimer_add(ev, &tv);
    bool ok = false;
    while (!ok && !expired) {
        char got[MOCK_ADDR_MAX] = "";
        int rc = resolve(in, node, got, sizeof got);
        ok = want ? (rc == 0 && strcmp(got, want) == 0) : rc == SNOW_ENONODE;
        if (!ok)
            (void)run_until(never, NULL, 10); /* let takeovers progress */
    }
    event_free(ev);
    return ok;
}

/* ---- a raw client, for garbage ---- */

int raw_connect(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons((uint16_t)atoi(test_port))};
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(connect(s, (struct sockaddr *)&a, sizeof a), 0);
    return s;
}


/* Drains what the server sent; true once it closed the connection. */
bool raw_closed(void *arg)
{
    struct raw *r = arg;
    for (;;) {
        ssize_t n = recv(r->fd, r->buf + r->len, sizeof r->buf - 1 - r->len, MSG_DONTWAIT);
        if (n > 0) {
            r->len += (size_t)n;
            r->buf[r->len] = '\0';
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            r->closed = true;
        return r->closed;
    }
}


/* True once the server sent `want` (or closed the connection). */
bool raw_has(void *arg)
{
    struct raw_wait *w = arg;
    (void)raw_closed(w->r);
    return w->r->closed || strstr(w->r->buf, w->want) != NULL;
}

/* Sends bytes; expects the server to drop the connection. Returns what the
 * server said first. */
void expect_dropped(const void *bytes, size_t len, struct raw *r)
{
    memset(r, 0, sizeof *r);
    r->fd = raw_connect();
    ck_assert_int_eq(send(r->fd, bytes, len, MSG_NOSIGNAL), (ssize_t)len);
    ck_assert_msg(run_until(raw_closed, r, WAIT_MS), "server kept a bad client (%zu bytes)",
                  len);
    close(r->fd);
}


/* Starts n instances named by labels, publishing ports 20001.. in order,
 * and waits until the first serves and the others are registered. */
void cluster_start(struct inst *set, size_t n, const char *const *labels)
{
    for (size_t i = 0; i < n; i++) {
        inst_start(&set[i], labels[i], NULL);
        inst_publish(&set[i], labels[i], 20001 + (int)i);
        if (i == 0)
            ck_assert_msg(is_serving(&set[0]), "%s", inst_status(&set[0]));
        else
            ck_assert_msg(run_until(is_registered, &set[i], WAIT_MS), "%s: %s", labels[i],
                          inst_status(&set[i]));
    }
}
