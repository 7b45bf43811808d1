/* SPDX-License-Identifier: MIT */
/* transport_tls plugin: the shared transport behaviour plus TLS: binding, garbage peers, mutual TLS. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "snow_check.h"
#include "tls_certs.h"
#include "transport_cases.h"

#define PLUGIN "transport_tls"

struct tls_env {
    struct event_base *base;
    struct th_plugin *srv, *cli;
    struct snow_listener l;
    struct snow_conn *cc, *sc;
    char dir[256];
};

static struct th_plugin *load(struct tls_env *e, const char *const *kv)
{
    char err[512];
    struct th_plugin *p = th_plugin_load(e->base, PLUGIN, kv, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    return p;
}

static void env_down(struct tls_env *e)
{
    th_unlisten(&e->l);
    th_plugin_unload(e->cli);
    th_plugin_unload(e->srv);
    event_base_free(e->base);
    if (e->dir[0])
        tls_certs_remove(e->dir);
}

static bool up_or_closed_pred(void *arg)
{
    struct snow_conn *c = arg;
    return c->up || c->closed;
}

START_TEST(binding_same_on_both_sides)
{
    struct tls_env e = {.base = th_base_new()};
    e.srv = load(&e, NULL);
    e.cli = load(&e, NULL);
    ck_assert(th_pair(e.srv, e.cli, &e.l, &e.cc, &e.sc));
    const struct snow_transport_ops *ops = th_transport(e.cli);
    ck_assert_snow_ok(ops->ctl(e.cli->state, SNOW_TRANSPORT_CTL_HAS_BINDING, NULL));
    unsigned char a[32], b[32], zero[32] = {0};
    ck_assert_snow_ok(ops->channel_binding(e.cli->state, e.cc, e.cc->cs, a, sizeof a));
    /* The server is up once its Finished is out (early start): its binding
     * exists once the client's Finished is in, with the client's first bytes. */
    int rc = ops->channel_binding(e.srv->state, e.sc, e.sc->cs, b, sizeof b);
    if (rc == SNOW_ESTATE) {
        ck_assert_int_ge(th_send(e.cc, "x", 1), 0);
        ck_assert(th_run_until(e.base, th_has_rx, e.sc, 5000));
        rc = ops->channel_binding(e.srv->state, e.sc, e.sc->cs, b, sizeof b);
    }
    ck_assert_snow_ok(rc);
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert_int_ne(memcmp(a, zero, sizeof a), 0);
    unsigned char a64[64], b64[64];
    ck_assert_snow_ok(ops->channel_binding(e.cli->state, e.cc, e.cc->cs, a64, sizeof a64));
    ck_assert_snow_ok(ops->channel_binding(e.srv->state, e.sc, e.sc->cs, b64, sizeof b64));
    ck_assert_mem_eq(a64, b64, sizeof a64);

    /* A second connection has a different binding (what defeats a relay). */
    struct snow_conn *c2;
    ck_assert_snow_ok(th_connect(e.cli, e.l.bound, &c2));
    ck_assert_snow_err(ops->channel_binding(e.cli->state, c2, c2->cs, b, sizeof b), SNOW_ESTATE);
    ck_assert(th_run_until(e.base, up_or_closed_pred, c2, 5000));
    ck_assert(c2->up);
    ck_assert_snow_ok(ops->channel_binding(e.cli->state, c2, c2->cs, b, sizeof b));
    ck_assert_int_ne(memcmp(a, b, sizeof a), 0);
    env_down(&e);
}
END_TEST

static int raw_connect(const char *bound)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    const char *colon = strrchr(bound, ':');
    sa.sin_port = htons((uint16_t)atoi(colon + 1));
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

struct accepted_closed {
    struct snow_listener *l;
};

static bool accepted_closed_pred(void *arg)
{
    struct snow_listener *l = arg;
    return l->naccepted > 0 && l->accepted[0]->closed && l->accepted[0]->close_called;
}

/* After the server gave up, the raw peer sees the socket closed. */
static void assert_raw_peer_closed(int fd)
{
    char buf[4096];
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ck_assert_int_eq(poll(&p, 1, 5000), 1);
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            break;
        ck_assert_int_gt(n, 0); /* an alert first is fine */
    }
    close(fd);
}

START_TEST(garbage_peer_closed_cleanly)
{
    struct tls_env e = {.base = th_base_new()};
    e.srv = load(&e, NULL);
    ck_assert_snow_ok(th_listen(e.srv, "127.0.0.1:0", &e.l));
    int fd = raw_connect(e.l.bound);
    char junk[600];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 37 + 11);
    ck_assert_int_eq(send(fd, junk, sizeof junk, MSG_NOSIGNAL), (ssize_t)sizeof junk);
    ck_assert(th_run_until(e.base, accepted_closed_pred, &e.l, 5000));
    struct snow_conn *sc = e.l.accepted[0];
    ck_assert(!sc->up);
    ck_assert_snow_err(sc->code, SNOW_EPROTO);
    ck_assert_msg(strstr(sc->reason, "TLS handshake") != NULL, "reason: %s", sc->reason);
    assert_raw_peer_closed(fd);
    env_down(&e);
}
END_TEST

START_TEST(silent_peer_hits_handshake_deadline)
{
    static const char *const kv[] = {"handshake_timeout", "150", NULL};
    struct tls_env e = {.base = th_base_new()};
    e.srv = load(&e, kv);
    ck_assert_snow_ok(th_listen(e.srv, "127.0.0.1:0", &e.l));
    int fd = raw_connect(e.l.bound);
    ck_assert(th_run_until(e.base, accepted_closed_pred, &e.l, 5000));
    ck_assert_snow_err(e.l.accepted[0]->code, SNOW_ETIMEDOUT);
    assert_raw_peer_closed(fd);
    env_down(&e);
}
END_TEST

/* Options for a plugin using <dir>/<who>.pem/.key and the test CA. */
struct mtls_opts {
    char cert[320], key[320], ca[320];
    const char *kv[7];
};

static const char *const *mtls(struct mtls_opts *o, const char *dir, const char *who)
{
    snprintf(o->cert, sizeof o->cert, "%s/%s.pem", dir, who);
    snprintf(o->key, sizeof o->key, "%s/%s.key", dir, who);
    snprintf(o->ca, sizeof o->ca, "%s/ca.pem", dir);
    const char *kv[7] = {"cert", o->cert, "key", o->key, "ca", o->ca, NULL};
    memcpy(o->kv, kv, sizeof kv);
    return o->kv;
}

START_TEST(mutual_tls_trusted_peers_connect)
{
    struct tls_env e = {.base = th_base_new()};
    ck_assert_int_eq(tls_certs_make(e.dir, sizeof e.dir), 0);
    struct mtls_opts o1, o2;
    e.srv = load(&e, mtls(&o1, e.dir, "node1"));
    e.cli = load(&e, mtls(&o2, e.dir, "node2"));
    ck_assert(th_pair(e.srv, e.cli, &e.l, &e.cc, &e.sc));
    char buf[160];
    struct snow_ctl_text t = {buf, sizeof buf};
    ck_assert_snow_ok(th_transport(e.srv)->ctl(e.srv->state, SNOW_CTL_STATUS, &t));
    ck_assert_ptr_nonnull(strstr(buf, "verified mutual"));
    ck_assert(th_bulk_both_ways(e.base, e.cc, e.sc, 256 * 1024, 10000));
    env_down(&e);
}
END_TEST

struct both_closed {
    struct snow_listener *l;
    struct snow_conn *cc;
};

static bool refused_pred(void *arg)
{
    struct both_closed *b = arg;
    return b->cc->closed && b->l->naccepted > 0 && b->l->accepted[0]->closed;
}

/* A server doing verified mutual TLS refuses a client whose certificate
 * does not chain to its CA: `who` is "rogue" (self-signed, though the
 * client trusts the server's CA) or NULL (an ephemeral-mode client). */
static void untrusted_client_refused(const char *who)
{
    struct tls_env e = {.base = th_base_new()};
    ck_assert_int_eq(tls_certs_make(e.dir, sizeof e.dir), 0);
    struct mtls_opts o1, o2;
    e.srv = load(&e, mtls(&o1, e.dir, "node1"));
    e.cli = load(&e, who ? mtls(&o2, e.dir, who) : NULL);
    ck_assert_snow_ok(th_listen(e.srv, "127.0.0.1:0", &e.l));
    ck_assert_snow_ok(th_connect(e.cli, e.l.bound, &e.cc));
    struct both_closed b = {&e.l, e.cc};
    ck_assert(th_run_until(e.base, refused_pred, &b, 5000));
    struct snow_conn *sc = e.l.accepted[0];
    ck_assert(!sc->up);
    ck_assert_snow_err(sc->code, SNOW_EAUTH);
    ck_assert_msg(strstr(sc->reason, "certificate") != NULL, "reason: %s", sc->reason);
    /* The client learns it was refused by the server's alert. */
    ck_assert_snow_err(e.cc->code, SNOW_EAUTH);
    env_down(&e);
}

START_TEST(mutual_tls_untrusted_client_refused)
{
    untrusted_client_refused("rogue");
    untrusted_client_refused(NULL);
}
END_TEST

START_TEST(mutual_tls_untrusted_server_refused)
{
    struct tls_env e = {.base = th_base_new()};
    ck_assert_int_eq(tls_certs_make(e.dir, sizeof e.dir), 0);
    struct mtls_opts o1, o2;
    e.srv = load(&e, mtls(&o1, e.dir, "rogue"));
    e.cli = load(&e, mtls(&o2, e.dir, "node2"));
    ck_assert_snow_ok(th_listen(e.srv, "127.0.0.1:0", &e.l));
    ck_assert_snow_ok(th_connect(e.cli, e.l.bound, &e.cc));
    struct both_closed b = {&e.l, e.cc};
    ck_assert(th_run_until(e.base, refused_pred, &b, 5000));
    ck_assert(!e.cc->up);
    ck_assert_snow_err(e.cc->code, SNOW_EAUTH);
    ck_assert_msg(strstr(e.cc->reason, "certificate") != NULL, "reason: %s", e.cc->reason);
    env_down(&e);
}
END_TEST

START_TEST(bad_options_refused_at_init)
{
    char dir[256], err[512], cert[320];
    ck_assert_int_eq(tls_certs_make(dir, sizeof dir), 0);
    snprintf(cert, sizeof cert, "%s/node1.pem", dir);
    struct event_base *base = th_base_new();
    const char *const only_cert[] = {"cert", cert, NULL};
    ck_assert_ptr_null(th_plugin_load(base, PLUGIN, only_cert, err, sizeof err));
    ck_assert_msg(strstr(err, "SNOW_ECONFIG") && strstr(err, "all three"), "%s", err);
    const char *const missing[] = {"cert", "/nonexistent/x.pem", "key", "/nonexistent/x.key",
                                   "ca", "/nonexistent/ca.pem", NULL};
    ck_assert_ptr_null(th_plugin_load(base, PLUGIN, missing, err, sizeof err));
    ck_assert_msg(strstr(err, "SNOW_ECONFIG") && strstr(err, "/nonexistent/x.pem"), "%s", err);
    const char *const prio[] = {"priority", "NORMAL:+NO-SUCH-THING", NULL};
    ck_assert_ptr_null(th_plugin_load(base, PLUGIN, prio, err, sizeof err));
    ck_assert_msg(strstr(err, "SNOW_ECONFIG") && strstr(err, "priority"), "%s", err);
    event_base_free(base);
    tls_certs_remove(dir);
}
END_TEST

static void add(Suite *s, const char *name, const TTest *t)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, t);
    suite_add_tcase(s, tc);
}

Suite *snow_test_suite(void)
{
    Suite *s = suite_create(PLUGIN);
    transport_cases_add(s, PLUGIN, NULL);
    add(s, "binding_same_on_both_sides", binding_same_on_both_sides);
    add(s, "garbage_peer_closed_cleanly", garbage_peer_closed_cleanly);
    add(s, "silent_peer_hits_handshake_deadline", silent_peer_hits_handshake_deadline);
    add(s, "mutual_tls_trusted_peers_connect", mutual_tls_trusted_peers_connect);
    add(s, "mutual_tls_untrusted_client_refused", mutual_tls_untrusted_client_refused);
    add(s, "mutual_tls_untrusted_server_refused", mutual_tls_untrusted_server_refused);
    add(s, "bad_options_refused_at_init", bad_options_refused_at_init);
    return s;
}
