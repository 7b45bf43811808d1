/* SPDX-License-Identifier: MIT */
/* Behaviour every socket transport must show, run once per transport plugin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "snow_check.h"
#include "transport_cases.h"

/* Set by the check binary before the runner forks (fork mode inherits it). */
static const char *cases_plugin;
static const char *const *cases_opts;

struct tc_env {
    struct event_base *base;
    struct th_plugin *srv, *cli;
    struct snow_listener l;
    struct snow_conn *cc, *sc;
};

static void env_up(struct tc_env *e, bool pair)
{
    char err[256];
    memset(e, 0, sizeof *e);
    e->base = th_base_new();
    ck_assert_ptr_nonnull(e->base);
    e->srv = th_plugin_load(e->base, cases_plugin, cases_opts, err, sizeof err);
    ck_assert_msg(e->srv != NULL, "%s", err);
    e->cli = th_plugin_load(e->base, cases_plugin, cases_opts, err, sizeof err);
    ck_assert_msg(e->cli != NULL, "%s", err);
    if (pair)
        ck_assert_msg(th_pair(e->srv, e->cli, &e->l, &e->cc, &e->sc), "pair not up");
}

static void env_down(struct tc_env *e)
{
    th_unlisten(&e->l);
    th_plugin_unload(e->cli);
    th_plugin_unload(e->srv);
    event_base_free(e->base);
}

static bool closed_pred(void *arg)
{
    return ((struct snow_conn *)arg)->closed;
}

START_TEST(listen_port0_reports_port)
{
    struct tc_env e;
    env_up(&e, false);
    ck_assert_snow_ok(th_listen(e.srv, "127.0.0.1:0", &e.l));
    ck_assert_str_ne(e.l.bound, "127.0.0.1:0");
    ck_assert_int_eq(strncmp(e.l.bound, "127.0.0.1:", 10), 0);
    ck_assert_int_gt(atoi(e.l.bound + 10), 0);
    env_down(&e);
}
END_TEST

START_TEST(connect_both_sides_up)
{
    struct tc_env e;
    env_up(&e, true);
    char buf[128];
    const struct snow_transport_ops *ops = th_transport(e.cli);
    ck_assert_int_gt(ops->peer_format(e.cli->state, e.cc, e.cc->cs, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, e.l.bound);
    ck_assert_int_gt(ops->peer_format(e.srv->state, e.sc, e.sc->cs, buf, sizeof buf), 0);
    ck_assert_int_eq(strncmp(buf, "127.0.0.1:", 10), 0);
    env_down(&e);
}
END_TEST

START_TEST(no_event_loop_yet)
{
    /* Plugins load before the I/O loop runs: listen and connect then
     * answer SNOW_ESTATE, and work once the loop exists. */
    struct tc_env e;
    env_up(&e, false);
    e.srv->base = NULL;
    ck_assert_snow_err(th_listen(e.srv, "127.0.0.1:0", &e.l), SNOW_ESTATE);
    struct snow_conn *c;
    e.cli->base = NULL;
    ck_assert_snow_err(th_connect(e.cli, "127.0.0.1:9", &c), SNOW_ESTATE);
    e.srv->base = e.cli->base = e.base;
    ck_assert_snow_ok(th_listen(e.srv, "127.0.0.1:0", &e.l));
    env_down(&e);
}
END_TEST

START_TEST(bulk_both_ways_in_order)
{
    struct tc_env e;
    env_up(&e, true);
    ck_assert_msg(th_bulk_both_ways(e.base, e.cc, e.sc, 4u << 20, 20000),
                  "4 MiB each way not delivered intact and in order");
    ck_assert(!e.cc->closed && !e.sc->closed);
    ck_assert_int_eq(e.cc->reentered + e.sc->reentered, 0);
    env_down(&e);
}
END_TEST

struct rx_want {
    struct snow_conn *c;
    size_t n;
};

static bool rx_pred(void *arg)
{
    struct rx_want *w = arg;
    return evbuffer_get_length(w->c->rx) >= w->n || w->c->closed;
}

START_TEST(many_small_frames_one_send)
{
    struct tc_env e;
    env_up(&e, true);
    enum { N = 1000, SZ = 16 };
    static unsigned char frames[N][SZ];
    struct snow_iov iov[N];
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < SZ; j++)
            frames[i][j] = th_pattern((size_t)i * SZ + (size_t)j, 5);
        iov[i].base = frames[i];
        iov[i].len = SZ;
    }
    ck_assert_int_ge(th_sendv(e.cc, iov, N), 0);
    th_flush(e.cc);
    struct rx_want w = {e.sc, (size_t)N * SZ};
    ck_assert(th_run_until(e.base, rx_pred, &w, 5000));
    ck_assert_uint_eq(evbuffer_get_length(e.sc->rx), (size_t)N * SZ);
    const unsigned char *p = evbuffer_pullup(e.sc->rx, -1);
    for (size_t i = 0; i < (size_t)N * SZ; i++)
        ck_assert_uint_eq(p[i], th_pattern(i, 5));
    env_down(&e);
}
END_TEST

/* A bulk send goes to the socket straight from the caller's gather list
 * when the queue is empty; what the socket does not take (it stops inside
 * one of the pieces) is queued, and later sends queue behind it. Every
 * byte must arrive once, in order. */
START_TEST(bulk_send_partial_write_keeps_order)
{
    struct tc_env e;
    env_up(&e, true);
    static const size_t sizes[] = {1000, 6u << 20, 100000, 65536, 7};
    enum { NP = sizeof sizes / sizeof sizes[0] };
    static unsigned char buf[(6u << 20) + 200000];
    size_t total = 0;
    struct snow_iov iov[NP];
    for (int i = 0; i < NP; i++) {
        iov[i].base = buf + total;
        iov[i].len = sizes[i];
        total += sizes[i];
    }
    for (size_t i = 0; i < total; i++)
        buf[i] = th_pattern(i, 9);
    ck_assert_int_gt(th_sendv(e.cc, iov, 3), 0); /* 6 MiB cannot all go at once */
    ck_assert_int_gt(th_sendv(e.cc, iov + 3, 1), 0);
    ck_assert_int_gt(th_sendv(e.cc, iov + 4, 1), 0);
    th_flush(e.cc);
    struct rx_want w = {e.sc, total};
    ck_assert(th_run_until(e.base, rx_pred, &w, 10000));
    ck_assert_uint_eq(evbuffer_get_length(e.sc->rx), total);
    const unsigned char *p = evbuffer_pullup(e.sc->rx, -1);
    for (size_t i = 0; i < total; i++)
        if (p[i] != th_pattern(i, 9))
            ck_abort_msg("byte %zu of %zu differs", i, total);
    ck_assert(!e.cc->closed && !e.sc->closed);
    env_down(&e);
}
END_TEST

static bool drained_pred(void *arg)
{
    return ((struct snow_conn *)arg)->drained > 0;
}

static bool drained_pred_2(void *arg)
{
    return ((struct snow_conn *)arg)->drained > 1;
}

START_TEST(drained_after_flush_not_inside)
{
    struct tc_env e;
    env_up(&e, true);
    static unsigned char big[16 << 20];
    struct snow_iov iov = {big, sizeof big};
    int q = th_sendv(e.cc, &iov, 1);
    ck_assert_int_gt(q, 0); /* 16 MiB cannot all go at once */
    th_flush(e.cc);
    struct rx_want w = {e.sc, sizeof big};
    ck_assert(th_run_until(e.base, rx_pred, &w, 10000));
    ck_assert(th_run_until(e.base, drained_pred, e.cc, 5000));
    ck_assert_int_eq(e.cc->drained, 1);
    ck_assert_int_eq(e.cc->reentered, 0);
    /* A small send is held until flush, which writes it; drained follows
     * on a later iteration, never from inside flush. */
    struct snow_iov small = {"xyz", 3};
    ck_assert_int_eq(th_sendv(e.cc, &small, 1), 3);
    th_flush(e.cc);
    ck_assert_int_eq(e.cc->drained, 1);
    ck_assert(th_run_until(e.base, drained_pred_2, e.cc, 5000));
    ck_assert_int_eq(e.cc->reentered, 0);
    env_down(&e);
}
END_TEST

START_TEST(peer_close_reported_closed)
{
    struct tc_env e;
    env_up(&e, true);
    th_close(e.cc);
    ck_assert(th_run_until(e.base, closed_pred, e.sc, 5000));
    ck_assert_snow_err(e.sc->code, SNOW_ECLOSED);
    ck_assert_str_ne(e.sc->reason, "");
    env_down(&e);
}
END_TEST

struct send_until_closed {
    struct snow_conn *c;
    int rc;
};

static bool send_until_closed_pred(void *arg)
{
    struct send_until_closed *s = arg;
    static unsigned char chunk[16384];
    if (s->c->closed)
        return true;
    if (s->rc >= 0)
        s->rc = th_send(s->c, chunk, sizeof chunk);
    return false;
}

START_TEST(send_to_closed_peer_no_sigpipe)
{
    /* With SIGPIPE at its default action, a send without MSG_NOSIGNAL would
     * kill this (forked) test. */
    struct tc_env e;
    env_up(&e, true);
    th_close(e.sc);
    struct send_until_closed s = {e.cc, 0};
    ck_assert(th_run_until(e.base, send_until_closed_pred, &s, 5000));
    ck_assert_snow_err(e.cc->code, SNOW_ECLOSED);
    env_down(&e);
}
END_TEST

START_TEST(dead_port_refused)
{
    struct tc_env e;
    env_up(&e, false);
    ck_assert_snow_ok(th_listen(e.srv, "127.0.0.1:0", &e.l));
    char addr[128];
    snprintf(addr, sizeof addr, "%s", e.l.bound);
    th_unlisten(&e.l);
    struct snow_conn *c;
    int rc = th_connect(e.cli, addr, &c);
    if (rc == 0) {
        ck_assert(th_run_until(e.base, closed_pred, c, 5000));
        rc = c->code;
        ck_assert_msg(strstr(c->reason, addr) != NULL, "reason \"%s\" names no address",
                      c->reason);
    }
    ck_assert_snow_err(rc, SNOW_ECONNREFUSED);
    ck_assert(!c->up);
    env_down(&e);
}
END_TEST

START_TEST(recv_refusal_stops_reading)
{
    struct tc_env e;
    env_up(&e, true);
    e.sc->recv_result = SNOW_EPROTO; /* "the kernel is closing this conn" */
    ck_assert_int_ge(th_send(e.cc, "abc", 3), 0);
    struct rx_want w = {e.sc, 1};
    th_run_until(e.base, rx_pred, &w, 300);
    ck_assert_int_eq(e.sc->recv_calls, 1);
    ck_assert_int_ge(th_send(e.cc, "def", 3), 0);
    th_run_until(e.base, rx_pred, &w, 200);
    ck_assert_int_eq(e.sc->recv_calls, 1);
    ck_assert(!e.sc->closed); /* the kernel closes; no report is owed */
    env_down(&e);
}
END_TEST

START_TEST(bad_listen_addresses)
{
    struct tc_env e;
    env_up(&e, false);
    struct snow_listener l2;
    ck_assert_snow_err(th_listen(e.srv, "no-port-here", &l2), SNOW_EINVAL);
    ck_assert_snow_err(th_listen(e.srv, "127.0.0.1:99999", &l2), SNOW_EINVAL);
    ck_assert_snow_ok(th_listen(e.srv, "127.0.0.1:0", &e.l));
    ck_assert_snow_err(th_listen(e.srv, e.l.bound, &l2), SNOW_EIO); /* in use */
    env_down(&e);
}
END_TEST

START_TEST(addr_parse_canonical)
{
    struct tc_env e;
    env_up(&e, false);
    const struct snow_transport_ops *ops = th_transport(e.srv);
    char out[64];
    void *st = e.srv->state;
    ck_assert_snow_ok(ops->addr_parse(st, "127.0.0.1:4000", out, sizeof out));
    ck_assert_str_eq(out, "127.0.0.1:4000");
    ck_assert_snow_ok(ops->addr_parse(st, "[::0001]:80", out, sizeof out));
    ck_assert_str_eq(out, "[::1]:80");
    ck_assert_snow_ok(ops->addr_parse(st, "LocalHost:9", out, sizeof out));
    ck_assert_str_eq(out, "localhost:9");
    ck_assert_snow_ok(ops->addr_parse(st, ":7000", out, sizeof out));
    ck_assert_str_eq(out, "*:7000");
    ck_assert_snow_err(ops->addr_parse(st, "::1:80", out, sizeof out), SNOW_EINVAL);
    ck_assert_snow_err(ops->addr_parse(st, "host", out, sizeof out), SNOW_EINVAL);
    ck_assert_snow_err(ops->addr_parse(st, "host:", out, sizeof out), SNOW_EINVAL);
    ck_assert_snow_err(ops->addr_parse(st, "host:65536", out, sizeof out), SNOW_EINVAL);
    ck_assert_snow_err(ops->addr_parse(st, "[::1:80", out, sizeof out), SNOW_EINVAL);
    ck_assert_snow_err(ops->addr_parse(st, "a b:80", out, sizeof out), SNOW_EINVAL);
    ck_assert_snow_err(ops->addr_parse(st, "127.0.0.1:4000", out, 5), SNOW_ERANGE);
    env_down(&e);
}
END_TEST

static void cases_add(Suite *s, const char *name, const TTest *t)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, t);
    suite_add_tcase(s, tc);
}

void transport_cases_add(Suite *s, const char *plugin, const char *const *opts)
{
    cases_plugin = plugin;
    cases_opts = opts;
    cases_add(s, "listen_port0_reports_port", listen_port0_reports_port);
    cases_add(s, "connect_both_sides_up", connect_both_sides_up);
    cases_add(s, "bulk_both_ways_in_order", bulk_both_ways_in_order);
    cases_add(s, "no_event_loop_yet", no_event_loop_yet);
    cases_add(s, "many_small_frames_one_send", many_small_frames_one_send);
    cases_add(s, "bulk_send_partial_write_keeps_order", bulk_send_partial_write_keeps_order);
    cases_add(s, "drained_after_flush_not_inside", drained_after_flush_not_inside);
    cases_add(s, "peer_close_reported_closed", peer_close_reported_closed);
    cases_add(s, "send_to_closed_peer_no_sigpipe", send_to_closed_peer_no_sigpipe);
    cases_add(s, "dead_port_refused", dead_port_refused);
    cases_add(s, "recv_refusal_stops_reading", recv_refusal_stops_reading);
    cases_add(s, "bad_listen_addresses", bad_listen_addresses);
    cases_add(s, "addr_parse_canonical", addr_parse_canonical);
}
