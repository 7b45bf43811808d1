/* SPDX-License-Identifier: MIT */
/* Tests for the discovery_builtin plugin: several instances on a test port. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "discovery_mocksvc.h"
#include "snow_check.h"

#define PLUGIN_FILE "discovery_builtin.so"
#define WAIT_MS 3000 /* every wait below is bounded by this */
#define DSC_MAX_LOOKUPS 8 /* the plugin's DSC_LOOKUP_MAX */

static void *plugin_dl;
static const struct snow_plugin_desc *desc;
static const struct snow_discovery_ops *ops;
static struct event_base *base;
static char test_port[8];

/* ---- fixture ---- */

static int free_port(void)
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

static void setup(void)
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

static void teardown(void)
{
    event_base_free(base);
    dlclose(plugin_dl);
}

/* ---- bounded waiting on the test's loop ---- */

typedef bool (*pred_fn)(void *arg);

static void deadline_cb(evutil_socket_t fd, short what, void *arg) { *(bool *)arg = true; }

/* Runs the loop until pred(arg) holds or ms pass; returns pred's last value. */
static bool run_until(pred_fn pred, void *arg, int ms)
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

static bool never(void *arg) { return false; }

/* ---- plugin instances ---- */

struct inst {
    snow_plugin_ctx ctx;
    void *state;
    char err[256];
};

/* Options: `extra` key/value pairs first (they win), then the test's
 * defaults: the test port and short retry delays. */
static int inst_init(struct inst *in, const char *label, const char *const *extra)
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

static void inst_start(struct inst *in, const char *label, const char *const *extra)
{
    int rc = inst_init(in, label, extra);
    ck_assert_msg(rc == 0, "init %s: %s: %s", label, snow_strerror_name(rc), in->err);
}

/* Publishes "<name>@127.0.0.1" listening on 127.0.0.1:<port>. */
static void inst_publish(struct inst *in, const char *name, int port)
{
    char node[96], addr[64];
    const char *addrs[1] = {addr};
    snprintf(node, sizeof node, "%s@127.0.0.1", name);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    ck_assert_snow_ok(ops->publish(in->state, node, addrs, 1));
}

/* fini, then check the plugin let go of every timer and watch itself. */
static void inst_stop(struct inst *in)
{
    desc->fini(in->state);
    ck_assert_uint_eq(mock_ctx_live(&in->ctx), 0);
    mock_ctx_clear(&in->ctx);
}

static const char *inst_status(struct inst *in)
{
    static char buf[256];
    struct snow_ctl_text t = {buf, sizeof buf};
    ck_assert_snow_ok(ops->ctl(in->state, SNOW_CTL_STATUS, &t));
    return buf;
}

static bool is_serving(void *arg) { return strncmp(inst_status(arg), "serving", 7) == 0; }
static bool is_registered(void *arg) { return strncmp(inst_status(arg), "registered", 10) == 0; }
static bool req_done(void *arg) { return ((struct snow_request *)arg)->done; }

/* One resolve, waited for. Returns its completion code (SNOW_ETIMEDOUT if
 * it never completed, which the plugin's own timeout should prevent). */
static int resolve(struct inst *in, const char *node, char *addr, size_t cap)
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
static bool resolves_to(struct inst *in, const char *node, const char *want)
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

static int raw_connect(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons((uint16_t)atoi(test_port))};
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(connect(s, (struct sockaddr *)&a, sizeof a), 0);
    return s;
}

struct raw {
    int fd;
    bool closed;
    size_t len;
    char buf[4096];
};

/* Drains what the server sent; true once it closed the connection. */
static bool raw_closed(void *arg)
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

struct raw_wait {
    struct raw *r;
    const char *want;
};

/* True once the server sent `want` (or closed the connection). */
static bool raw_has(void *arg)
{
    struct raw_wait *w = arg;
    (void)raw_closed(w->r);
    return w->r->closed || strstr(w->r->buf, w->want) != NULL;
}

/* Sends bytes; expects the server to drop the connection. Returns what the
 * server said first. */
static void expect_dropped(const void *bytes, size_t len, struct raw *r)
{
    memset(r, 0, sizeof *r);
    r->fd = raw_connect();
    ck_assert_int_eq(send(r->fd, bytes, len, MSG_NOSIGNAL), (ssize_t)len);
    ck_assert_msg(run_until(raw_closed, r, WAIT_MS), "server kept a bad client (%zu bytes)",
                  len);
    close(r->fd);
}

/* ---- tests ---- */

/* Starts n instances named by labels, publishing ports 20001.. in order,
 * and waits until the first serves and the others are registered. */
static void cluster_start(struct inst *set, size_t n, const char *const *labels)
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

START_TEST(first_serves_others_register)
{
    struct inst set[3];
    static const char *const labels[] = {"a", "b", "c"};
    char node[64], want[64];

    cluster_start(set, 3, labels);
    ck_assert_ptr_nonnull(strstr(inst_status(&set[0]), "(3 names)"));
    /* Every instance resolves every name through the registry. */
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++) {
            char got[MOCK_ADDR_MAX];
            snprintf(node, sizeof node, "%s@127.0.0.1", labels[j]);
            snprintf(want, sizeof want, "127.0.0.1:%d", 20001 + (int)j);
            ck_assert_snow_ok(resolve(&set[i], node, got, sizeof got));
            ck_assert_str_eq(got, want);
        }
    /* For the record: one registry query (connect, HELLO+GET, answer). */
    int64_t t0 = mock_services.now_ns(NULL);
    for (int i = 0; i < 200; i++)
        ck_assert_snow_ok(resolve(&set[1], "c@127.0.0.1", NULL, 0));
    fprintf(stderr, "resolve: %.1f us per registry query (200 sequential)\n",
            (double)(mock_services.now_ns(NULL) - t0) / 200 / 1e3);
    for (size_t i = 0; i < 3; i++)
        inst_stop(&set[i]);
}
END_TEST

START_TEST(unknown_and_unreachable)
{
    struct inst a, far;
    char port[8];

    inst_start(&a, "a", NULL);
    inst_publish(&a, "a", 20001);
    ck_assert_snow_err(resolve(&a, "nobody@127.0.0.1", NULL, 0), SNOW_ENONODE);
    ck_assert_snow_err(resolve(&a, "not-a-node", NULL, 0), SNOW_EINVAL);
    ck_assert_snow_err(resolve(&a, "x@bad host", NULL, 0), SNOW_EINVAL);
    /* A host name is looked up off the loop; the answer is numeric. */
    char got[MOCK_ADDR_MAX];
    ck_assert_snow_ok(resolve(&a, "a@localhost", got, sizeof got));
    ck_assert_str_eq(got, "127.0.0.1:20001");
    ck_assert_snow_err(resolve(&a, "nobody@localhost", NULL, 0), SNOW_ENONODE);
    /* No registry at all on the target host: connection refused. */
    snprintf(port, sizeof port, "%d", free_port());
    const char *const far_kv[] = {"port", port, NULL};
    inst_start(&far, "far", far_kv);
    ck_assert_snow_err(resolve(&far, "a@127.0.0.1", NULL, 0), SNOW_ECONNREFUSED);
    inst_stop(&far);
    inst_stop(&a);
}
END_TEST

START_TEST(host_name_lookups_are_bounded)
{
    struct inst a;
    struct snow_request req[DSC_MAX_LOOKUPS + 1];

    inst_start(&a, "a", NULL);
    inst_publish(&a, "a", 20001);
    memset(req, 0, sizeof req);
    /* Lookups complete on the loop, so these are all in flight at once. */
    for (int i = 0; i < DSC_MAX_LOOKUPS; i++)
        ck_assert_snow_ok(ops->resolve(a.state, &req[i], "a@localhost"));
    ck_assert_snow_err(ops->resolve(a.state, &req[DSC_MAX_LOOKUPS], "a@localhost"),
                       SNOW_ELIMIT);
    for (int i = 0; i < DSC_MAX_LOOKUPS; i++) {
        ck_assert(run_until(req_done, &req[i], WAIT_MS));
        ck_assert_snow_ok(req[i].code);
        ck_assert_str_eq(req[i].addr, "127.0.0.1:20001");
    }
    /* A lookup still running at fini is abandoned: joined, never completed. */
    memset(req, 0, sizeof req);
    ck_assert_snow_ok(ops->resolve(a.state, &req[0], "a@localhost"));
    inst_stop(&a);
    ck_assert(!req[0].done);
}
END_TEST

START_TEST(static_entries_and_explicit_ports)
{
    struct inst s, bad;
    static const char *const kv[] = {
        "static", "x@h1=10.0.0.1:1234,y@h2=[::1]:99,a@127.0.0.1=192.0.2.7:7", NULL};
    struct snow_request req = {0};

    inst_start(&s, "s", kv);
    /* Answered without asking anyone: completes before resolve returns. */
    ck_assert_snow_ok(ops->resolve(s.state, &req, "x@h1"));
    ck_assert(req.done);
    ck_assert_snow_ok(req.code);
    ck_assert_str_eq(req.addr, "10.0.0.1:1234");
    memset(&req, 0, sizeof req);
    ck_assert_snow_ok(ops->resolve(s.state, &req, "y@h2"));
    ck_assert(req.done);
    ck_assert_str_eq(req.addr, "[::1]:99");
    /* A static entry wins over the registry. */
    memset(&req, 0, sizeof req);
    ck_assert_snow_ok(ops->resolve(s.state, &req, "a@127.0.0.1"));
    ck_assert(req.done);
    ck_assert_str_eq(req.addr, "192.0.2.7:7");
    /* A name with a port needs no registry either. */
    memset(&req, 0, sizeof req);
    ck_assert_snow_ok(ops->resolve(s.state, &req, "z@127.0.0.1:555"));
    ck_assert(req.done);
    ck_assert_str_eq(req.addr, "127.0.0.1:555");
    memset(&req, 0, sizeof req);
    ck_assert_snow_ok(ops->resolve(s.state, &req, "z@[::1]:556"));
    ck_assert_str_eq(req.addr, "[::1]:556");
    inst_stop(&s);

    /* Malformed static entries fail init with a reason. */
    static const char *const bad_kv[][3] = {
        {"static", "x@h1", NULL},
        {"static", "x@h1=10.0.0.1", NULL},
        {"static", "x=10.0.0.1:1", NULL},
        {"static", "x@h1=10.0.0.1:1,", NULL},
    };
    for (size_t i = 0; i < sizeof bad_kv / sizeof bad_kv[0]; i++) {
        ck_assert_snow_err(inst_init(&bad, "bad", bad_kv[i]), SNOW_ECONFIG);
        ck_assert_msg(strstr(bad.err, "static: entry") != NULL, "reason: %s", bad.err);
    }
    static const char *const bad_retry[] = {"retry_min", "500ms", "retry_max", "100ms", NULL};
    ck_assert_snow_err(inst_init(&bad, "bad", bad_retry), SNOW_ECONFIG);
    ck_assert_ptr_nonnull(strstr(bad.err, "retry_max"));
    static const char *const bad_bind[] = {"bind", "myhost", NULL};
    ck_assert_snow_err(inst_init(&bad, "bad", bad_bind), SNOW_ECONFIG);
}
END_TEST

/* Stops set[dead], then checks another instance serves and every
 * remaining name resolves from every remaining instance within WAIT_MS. */
static void check_takeover(struct inst *set, size_t n, const char *const *labels,
                           size_t dead, int64_t t0)
{
    char node[64], want[64];
    for (size_t i = 0; i < n; i++) {
        if (i == dead)
            continue;
        for (size_t j = 0; j < n; j++) {
            snprintf(node, sizeof node, "%s@127.0.0.1", labels[j]);
            snprintf(want, sizeof want, "127.0.0.1:%d", 20001 + (int)j);
            ck_assert_msg(resolves_to(&set[i], node, j == dead ? NULL : want),
                          "%s cannot resolve %s after the takeover", labels[i], node);
        }
    }
    size_t serving = 0;
    for (size_t i = 0; i < n; i++)
        if (i != dead) {
            serving += is_serving(&set[i]);
            if (!is_serving(&set[i]))
                ck_assert_msg(run_until(is_registered, &set[i], WAIT_MS), "%s: %s", labels[i],
                              inst_status(&set[i]));
        }
    ck_assert_uint_eq(serving, 1);
    /* For the record: how long the names were unavailable. */
    fprintf(stderr, "takeover: every name resolvable again %.1f ms after the server died\n",
            (double)(mock_services.now_ns(NULL) - t0) / 1e6);
}

START_TEST(takeover_when_server_stops)
{
    struct inst set[3];
    static const char *const labels[] = {"a", "b", "c"};

    cluster_start(set, 3, labels);
    int64_t t0 = mock_services.now_ns(NULL);
    inst_stop(&set[0]);
    check_takeover(set, 3, labels, 0, t0);
    ck_assert_int_ge(mock_log_count(&set[1].ctx, "SNOW-DISCOVERY-LOST"), 1);
    ck_assert_int_ge(mock_log_count(&set[1].ctx, "SNOW-DISCOVERY-SERVE") +
                         mock_log_count(&set[2].ctx, "SNOW-DISCOVERY-SERVE"),
                     1);
    /* The old server comes back: it registers with the new one. */
    inst_start(&set[0], "a", NULL);
    inst_publish(&set[0], "a", 20001);
    ck_assert_msg(run_until(is_registered, &set[0], WAIT_MS), "%s", inst_status(&set[0]));
    ck_assert(resolves_to(&set[1], "a@127.0.0.1", "127.0.0.1:20001"));
    for (size_t i = 0; i < 3; i++)
        inst_stop(&set[i]);
}
END_TEST

/* The serving node is another process, killed with SIGKILL. */
START_TEST(takeover_when_server_is_killed)
{
    struct inst set[3];
    static const char *const labels[] = {"k", "b", "c"};
    int ready[2];

    ck_assert_int_eq(pipe(ready), 0);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        /* A fresh loop in the child; it serves until killed. */
        event_base_free(base);
        base = event_base_new();
        struct inst k;
        if (inst_init(&k, "k", NULL) != 0)
            _exit(2);
        char addr[] = "127.0.0.1:20001";
        const char *addrs[1] = {addr};
        if (ops->publish(k.state, "k@127.0.0.1", addrs, 1) != 0 || !is_serving(&k))
            _exit(3);
        (void)!write(ready[1], "s", 1);
        event_base_dispatch(base);
        _exit(4);
    }
    close(ready[1]);
    char c = 0;
    ck_assert_int_eq(read(ready[0], &c, 1), 1); /* bounded by the TCase timeout */
    close(ready[0]);
    for (size_t i = 1; i < 3; i++) {
        inst_start(&set[i], labels[i], NULL);
        inst_publish(&set[i], labels[i], 20001 + (int)i);
        ck_assert_msg(run_until(is_registered, &set[i], WAIT_MS), "%s", inst_status(&set[i]));
    }
    ck_assert(resolves_to(&set[1], "k@127.0.0.1", "127.0.0.1:20001"));
    int64_t t0 = mock_services.now_ns(NULL);
    ck_assert_int_eq(kill(child, SIGKILL), 0);
    ck_assert_int_eq(waitpid(child, NULL, 0), child);
    check_takeover(set, 3, labels, 0, t0);
    for (size_t i = 1; i < 3; i++)
        inst_stop(&set[i]);
}
END_TEST

START_TEST(garbage_is_dropped)
{
    struct inst set[2];
    static const char *const labels[] = {"a", "b"};
    struct raw r;
    char big[4096];

    cluster_start(set, 2, labels);
    /* Binary junk, a command before HELLO, an oversized line, a line with
     * no end, a wrong version, a server verb, HELLO twice. */
    expect_dropped("\x00\xff\x01garbage\n", 11, &r);
    ck_assert_uint_eq(r.len, 0);
    expect_dropped("GET a\n", 6, &r);
    memset(big, 'x', sizeof big);
    memcpy(big, "HELLO 1\nGET ", 12);
    big[sizeof big - 1] = '\n';
    expect_dropped(big, sizeof big, &r);
    ck_assert_str_eq(r.buf, "HELLO 1\n");
    expect_dropped(big, 300, &r);
    expect_dropped("HELLO 2\n", 8, &r);
    ck_assert_str_eq(r.buf, "ERR version\n");
    expect_dropped("HELLO 1\nPORT a 1\n", 17, &r);
    expect_dropped("HELLO 1\nHELLO 1\n", 16, &r);
    expect_dropped("HELLO 1\nGET a@b\n", 16, &r);
    ck_assert_int_ge(mock_log_count(&set[0].ctx, "SNOW-DISCOVERY-BADCLIENT"), 8);

    /* 100 connections of random bytes, closed by the client or the server. */
    unsigned seed = 12345;
    for (int i = 0; i < 100; i++) {
        unsigned char junk[512];
        size_t len = 64 + (size_t)(rand_r(&seed) % 448);
        for (size_t k = 0; k < len; k++)
            junk[k] = (unsigned char)rand_r(&seed);
        int fd = raw_connect();
        (void)send(fd, junk, len, MSG_NOSIGNAL);
        close(fd);
        event_base_loop(base, EVLOOP_NONBLOCK); /* accept it: keep the backlog short */
    }
    ck_assert(resolves_to(&set[1], "a@127.0.0.1", "127.0.0.1:20001"));

    /* A well-formed conversation by hand, pipelined. */
    memset(&r, 0, sizeof r);
    r.fd = raw_connect();
    const char *talk = "HELLO 1\r\nGET b\nGET zz\nREG hand 999\n";
    ck_assert_int_eq(send(r.fd, talk, strlen(talk), 0), (ssize_t)strlen(talk));
    struct raw_wait w = {&r, "OK hand\n"};
    ck_assert(run_until(raw_has, &w, WAIT_MS));
    ck_assert_str_eq(r.buf, "HELLO 1\nPORT b 20002\nUNKNOWN zz\nOK hand\n");
    ck_assert(resolves_to(&set[1], "hand@127.0.0.1", "127.0.0.1:999"));
    /* A second name on the same connection, or someone else's, is refused. */
    r.len = 0;
    r.buf[0] = '\0';
    ck_assert_int_eq(send(r.fd, "REG other 5\nREG b 5\n", 20, 0), 20);
    w.want = "ERR taken\n";
    ck_assert(run_until(raw_has, &w, WAIT_MS));
    ck_assert_str_eq(r.buf, "ERR once\nERR taken\n");
    /* Closing the connection ends the registration. */
    close(r.fd);
    ck_assert(resolves_to(&set[1], "hand@127.0.0.1", NULL));

    /* Through all that the registry kept serving. */
    ck_assert(is_serving(&set[0]));
    ck_assert(is_registered(&set[1]));
    ck_assert(resolves_to(&set[1], "a@127.0.0.1", "127.0.0.1:20001"));
    ck_assert(resolves_to(&set[0], "b@127.0.0.1", "127.0.0.1:20002"));
    for (size_t i = 0; i < 2; i++)
        inst_stop(&set[i]);
}
END_TEST

START_TEST(silent_clients_time_out)
{
    struct inst a;
    static const char *const kv[] = {"idle_timeout", "100ms", NULL};
    struct raw r = {0};

    inst_start(&a, "a", kv);
    inst_publish(&a, "a", 20001);
    r.fd = raw_connect();
    ck_assert(run_until(raw_closed, &r, WAIT_MS));
    close(r.fd);
    ck_assert_int_eq(mock_log_count(&a.ctx, "SNOW-DISCOVERY-BADCLIENT"), 1);
    inst_stop(&a);
}
END_TEST

START_TEST(limits_hold)
{
    struct inst a, b, c;
    static const char *const kv[] = {"max_entries", "2", "max_conns", "2", NULL};

    inst_start(&a, "a", kv);
    inst_start(&b, "b", NULL);
    inst_start(&c, "c", NULL);
    inst_publish(&a, "a", 20001);
    inst_publish(&b, "b", 20002);
    ck_assert(run_until(is_registered, &b, WAIT_MS));
    /* Third name: the table (a, b) is full; c keeps retrying, not crashing. */
    inst_publish(&c, "c", 20003);
    ck_assert(!run_until(is_registered, &c, 300));
    ck_assert_int_ge(mock_log_count(&a.ctx, "SNOW-DISCOVERY-FULL"), 1);
    ck_assert(resolves_to(&b, "c@127.0.0.1", NULL));
    /* b leaves: c gets the slot. */
    ops->withdraw(b.state, "b@127.0.0.1");
    ck_assert_str_eq(inst_status(&b), "not published");
    ck_assert(run_until(is_registered, &c, WAIT_MS));
    ck_assert(resolves_to(&a, "b@127.0.0.1", NULL));
    ck_assert(resolves_to(&a, "c@127.0.0.1", "127.0.0.1:20003"));
    /* Connection limit: c's registration + one query fill it; a third
     * connection is refused and logged. */
    struct raw r = {0};
    r.fd = raw_connect();
    struct raw r2 = {0};
    r2.fd = raw_connect();
    ck_assert(run_until(raw_closed, &r2, WAIT_MS));
    ck_assert_int_ge(mock_log_count(&a.ctx, "SNOW-DISCOVERY-CONNLIMIT"), 1);
    /* A query past the limit is closed unanswered. */
    ck_assert_snow_err(resolve(&c, "a@127.0.0.1", NULL, 0), SNOW_ECLOSED);
    close(r.fd);
    close(r2.fd);
    inst_stop(&c);
    inst_stop(&b);
    inst_stop(&a);
}
END_TEST

START_TEST(name_taken_and_republish)
{
    struct inst a, dup;
    inst_start(&a, "a", NULL);
    inst_start(&dup, "dup", NULL);
    inst_publish(&a, "a", 20001);
    inst_publish(&dup, "a", 20009); /* same name, another node */
    ck_assert(!run_until(is_registered, &dup, 200));
    ck_assert_int_ge(mock_log_count(&dup.ctx, "SNOW-DISCOVERY-TAKEN"), 1);
    ck_assert(resolves_to(&dup, "a@127.0.0.1", "127.0.0.1:20001"));
    /* The holder goes: the duplicate takes over the registry and the name. */
    inst_stop(&a);
    ck_assert(run_until(is_serving, &dup, WAIT_MS));
    ck_assert(resolves_to(&dup, "a@127.0.0.1", "127.0.0.1:20009"));
    /* Publishing again (new port) replaces the registration. */
    inst_publish(&dup, "a", 20010);
    ck_assert(resolves_to(&dup, "a@127.0.0.1", "127.0.0.1:20010"));
    /* Pending queries are abandoned cleanly at fini. */
    struct snow_request req = {0};
    ck_assert_snow_ok(ops->resolve(dup.state, &req, "a@127.0.0.1"));
    inst_stop(&dup);
    ck_assert(!req.done);
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("discovery_registry");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"serve_and_register", first_serves_others_register},
        {"unknown", unknown_and_unreachable},
        {"static", static_entries_and_explicit_ports},
        {"lookups", host_name_lookups_are_bounded},
        {"takeover_stop", takeover_when_server_stops},
        {"takeover_kill", takeover_when_server_is_killed},
        {"garbage", garbage_is_dropped},
        {"idle", silent_clients_time_out},
        {"limits", limits_hold},
        {"name_taken", name_taken_and_republish},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
