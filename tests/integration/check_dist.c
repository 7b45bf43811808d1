/* SPDX-License-Identifier: MIT */
/* Distribution with real node processes on loopback: connect, mesh, messages, auth, liveness. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "relay.h"
#include "snow_check.h"

#define WAIT_MS 15000

static void start(struct tnode *n, const char *alive)
{
    ck_assert_msg(tnode_start_default(n, alive, NULL) == 0, "node %s did not start", alive);
}

static void start_tick(struct tnode *n, const char *alive, const char *tick_ms)
{
    const char *extra[] = {"--tick", tick_ms, NULL};
    ck_assert_msg(tnode_start_default(n, alive, extra) == 0, "node %s did not start", alive);
}

static void connect_ok(struct tnode *from, struct tnode *to)
{
    char reply[512];
    int rc = tnode_cmd(from, reply, sizeof reply, WAIT_MS, "connect %s", to->dial);
    ck_assert_msg(rc == 0, "%s connect %s: %s", from->name, to->dial, rc < 0 ? "timeout" : reply);
}

START_TEST(two_nodes_connect_list_and_ping)
{
    struct tnode a, b;
    start(&a, "a");
    start(&b, "b");
    connect_ok(&b, &a);
    ck_assert_int_eq(tnode_wait_nodes(&a, 1, WAIT_MS), 0);
    ck_assert_int_eq(tnode_wait_nodes(&b, 1, WAIT_MS), 0);
    char reply[512];
    ck_assert_int_eq(tnode_cmd(&b, reply, sizeof reply, WAIT_MS, "nodes"), 0);
    ck_assert_str_eq(reply, "OK 1 a@127.0.0.1");
    ck_assert_int_eq(tnode_wait_event(&a, "nodeup b@127.0.0.1", WAIT_MS), 0);
    ck_assert_int_eq(tnode_wait_event(&b, "nodeup a@127.0.0.1", WAIT_MS), 0);
    /* named send both ways: {ping, Self} to ping on the other node */
    ck_assert_int_eq(tnode_cmd(&b, reply, sizeof reply, WAIT_MS, "ping a@127.0.0.1"), 0);
    ck_assert_str_eq(reply, "OK pong a@127.0.0.1");
    ck_assert_int_eq(tnode_cmd(&a, reply, sizeof reply, WAIT_MS, "ping b@127.0.0.1"), 0);
    ck_assert_str_eq(reply, "OK pong b@127.0.0.1");
    /* connecting again is a no-op */
    connect_ok(&b, &a);
    ck_assert_int_eq(tnode_wait_nodes(&b, 1, WAIT_MS), 0);
    ck_assert_int_eq(tnode_stop(&b), 0);
    ck_assert_int_eq(tnode_wait_event(&a, "nodedown b@127.0.0.1", WAIT_MS), 0);
    ck_assert_int_eq(tnode_stop(&a), 0);
}
END_TEST

START_TEST(three_nodes_mesh_from_two_connects)
{
    struct tnode a, b, c;
    start(&a, "a");
    start(&b, "b");
    start(&c, "c");
    connect_ok(&b, &a);
    connect_ok(&c, &b);
    ck_assert_int_eq(tnode_wait_nodes(&a, 2, WAIT_MS), 0);
    ck_assert_int_eq(tnode_wait_nodes(&b, 2, WAIT_MS), 0);
    ck_assert_int_eq(tnode_wait_nodes(&c, 2, WAIT_MS), 0);
    char reply[512];
    ck_assert_int_eq(tnode_cmd(&a, reply, sizeof reply, WAIT_MS, "ping c@127.0.0.1"), 0);
    ck_assert_str_eq(reply, "OK pong c@127.0.0.1");
    tnode_stop(&c);
    tnode_stop(&b);
    tnode_stop(&a);
}
END_TEST

START_TEST(five_nodes_mesh_from_a_chain)
{
    struct tnode n[5];
    const char *names[5] = {"n1", "n2", "n3", "n4", "n5"};
    for (int i = 0; i < 5; i++)
        start(&n[i], names[i]);
    for (int i = 1; i < 5; i++)
        connect_ok(&n[i], &n[i - 1]);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(tnode_wait_nodes(&n[i], 4, WAIT_MS) == 0, "%s did not see 4 nodes",
                      n[i].name);
    for (int i = 4; i >= 0; i--)
        tnode_stop(&n[i]);
}
END_TEST

/* A sink's counters (snowd's sink_stat). */
struct sink_stat {
    unsigned long long count, out_of_order, bytes, corrupt;
};

/* Polls a sink until it has `want` messages (or the deadline). */
static void wait_sink(struct tnode *n, const char *sink, unsigned long long want,
                      struct sink_stat *st)
{
    char reply[512];
    long long deadline = th_now_ms() + 120000;
    *st = (struct sink_stat){0, 0, 0, 0};
    while (th_now_ms() < deadline) {
        ck_assert_int_eq(tnode_cmd(n, reply, sizeof reply, WAIT_MS, "sink_stat %s", sink), 0);
        ck_assert_int_eq(sscanf(reply, "OK count=%llu out_of_order=%llu bytes=%llu corrupt=%llu",
                                &st->count, &st->out_of_order, &st->bytes, &st->corrupt),
                         4);
        if (st->count >= want)
            return;
        tnode_pump(n, 100);
    }
}

/* Two nodes; a sends n messages {Seq, <<size bytes>>} to a sink on b, which
 * must receive all of them, in order and intact; a's sender finishes within
 * done_ms. */
static void blast_and_check(const char *sink, unsigned long long n, unsigned size, int done_ms)
{
    struct tnode a, b;
    start(&a, "a");
    start(&b, "b");
    connect_ok(&a, &b);
    char reply[512], done[64];
    ck_assert_int_eq(tnode_cmd(&b, reply, sizeof reply, WAIT_MS, "sink %s", sink), 0);
    ck_assert_int_eq(tnode_cmd(&a, reply, sizeof reply, WAIT_MS, "blast %s b@127.0.0.1 %llu %u",
                               sink, n, size), 0);
    snprintf(done, sizeof done, "blast_done %s", sink);
    ck_assert_int_eq(tnode_wait_event(&a, done, done_ms), 0);
    struct sink_stat st;
    wait_sink(&b, sink, n, &st);
    ck_assert_uint_eq(st.count, n);
    ck_assert_uint_eq(st.out_of_order, 0);
    ck_assert_uint_eq(st.bytes, n * size);
    ck_assert_uint_eq(st.corrupt, 0);
    tnode_stop(&a);
    tnode_stop(&b);
}

START_TEST(million_messages_arrive_in_order)
{
    blast_and_check("rx", 1000000, 11, 120000);
}
END_TEST

START_TEST(large_messages_arrive_intact)
{
    blast_and_check("big", 500, 65536, 60000);
}
END_TEST

START_TEST(wrong_cookie_rejected_both_ways_existing_link_keeps_working)
{
    struct tnode a, b, evil;
    start(&a, "a");
    start(&b, "b");
    connect_ok(&b, &a);
    ck_assert_int_eq(tnode_start(&evil, "evil", "not-the-cookie", th_plugin_list("default", NULL), NULL), 0);
    char reply[512];
    ck_assert_int_eq(tnode_cmd(&evil, reply, sizeof reply, WAIT_MS, "connect %s", a.dial), 1);
    ck_assert_msg(strstr(reply, "SNOW_EAUTH") != NULL, "evil -> a: %s", reply);
    ck_assert_int_eq(tnode_cmd(&a, reply, sizeof reply, WAIT_MS, "connect %s", evil.dial), 1);
    ck_assert_msg(strstr(reply, "SNOW_EAUTH") != NULL, "a -> evil: %s", reply);
    ck_assert_int_eq(tnode_cmd(&b, reply, sizeof reply, WAIT_MS, "ping a@127.0.0.1"), 0);
    ck_assert_str_eq(reply, "OK pong a@127.0.0.1");
    ck_assert_int_eq(tnode_cmd(&a, reply, sizeof reply, WAIT_MS, "nodes"), 0);
    ck_assert_str_eq(reply, "OK 1 b@127.0.0.1");
    tnode_stop(&evil);
    tnode_stop(&b);
    tnode_stop(&a);
}
END_TEST

START_TEST(simultaneous_dials_leave_exactly_one_link)
{
    struct tnode a, b;
    start(&a, "a");
    start(&b, "b");
    char ra[512], rb[512];
    for (int round = 0; round < 100; round++) {
        /* both commands go out before either answer is read */
        char ca[300], cb[300];
        int la = snprintf(ca, sizeof ca, "connect %s\n", b.dial);
        int lb = snprintf(cb, sizeof cb, "connect %s\n", a.dial);
        ck_assert_int_eq(write(a.to_fd, ca, (size_t)la), la);
        ck_assert_int_eq(write(b.to_fd, cb, (size_t)lb), lb);
        /* both callers get OK: the losing connection's waiters move to the
         * surviving one */
        ck_assert_msg(tnode_answer(&a, ra, sizeof ra, WAIT_MS) == 0, "a: %s", ra);
        ck_assert_msg(tnode_answer(&b, rb, sizeof rb, WAIT_MS) == 0, "b: %s", rb);
        ck_assert_int_eq(tnode_wait_nodes(&a, 1, WAIT_MS), 0);
        ck_assert_int_eq(tnode_wait_nodes(&b, 1, WAIT_MS), 0);
        ck_assert_int_eq(tnode_cmd(&a, ra, sizeof ra, WAIT_MS, "nodes"), 0);
        ck_assert_int_eq(tnode_cmd(&b, rb, sizeof rb, WAIT_MS, "nodes"), 0);
        ck_assert_str_eq(ra, "OK 1 b@127.0.0.1");
        ck_assert_str_eq(rb, "OK 1 a@127.0.0.1");
        ck_assert_int_eq(tnode_cmd(&a, ra, sizeof ra, WAIT_MS, "ping b@127.0.0.1"), 0);
        ck_assert_int_eq(tnode_cmd(&a, ra, sizeof ra, WAIT_MS, "disconnect b@127.0.0.1"), 0);
        ck_assert_int_eq(tnode_wait_nodes(&a, 0, WAIT_MS), 0);
        ck_assert_int_eq(tnode_wait_nodes(&b, 0, WAIT_MS), 0);
    }
    tnode_stop(&a);
    tnode_stop(&b);
}
END_TEST

START_TEST(stopped_peer_declared_down_within_two_ticks)
{
    struct tnode a, b;
    start_tick(&a, "a", "1000");
    start_tick(&b, "b", "1000");
    connect_ok(&a, &b);
    ck_assert_int_eq(tnode_wait_event(&a, "nodeup b@127.0.0.1", WAIT_MS), 0);
    tnode_signal(&b, SIGSTOP);
    long long t0 = th_now_ms();
    ck_assert_int_eq(tnode_wait_event(&a, "nodedown b@127.0.0.1", 5000), 0);
    long long took = th_now_ms() - t0;
    ck_assert_msg(took <= 2000, "nodedown after %lld ms, more than 2 ticks", took);
    tnode_signal(&b, SIGCONT);
    tnode_stop(&b);
    tnode_stop(&a);
}
END_TEST

START_TEST(killed_peer_declared_down_promptly)
{
    struct tnode a, b;
    start(&a, "a");
    start(&b, "b");
    connect_ok(&a, &b);
    ck_assert_int_eq(tnode_wait_event(&a, "nodeup b@127.0.0.1", WAIT_MS), 0);
    tnode_signal(&b, SIGKILL);
    ck_assert_int_eq(tnode_wait_event(&a, "nodedown b@127.0.0.1", 5000), 0);
    tnode_stop(&b);
    tnode_stop(&a);
}
END_TEST

START_TEST(connect_to_dead_port_fails_within_timeout)
{
    struct tnode a;
    start(&a, "a");
    char reply[512];
    long long t0 = th_now_ms();
    /* port 1 on loopback: nothing listens there */
    ck_assert_int_eq(tnode_cmd(&a, reply, sizeof reply, WAIT_MS, "connect z@127.0.0.1:1"), 1);
    ck_assert_msg(strstr(reply, "SNOW_ECONNREFUSED") != NULL, "reply: %s", reply);
    ck_assert_int_le(th_now_ms() - t0, 11000);
    tnode_stop(&a);
}
END_TEST

START_TEST(connect_by_name_without_port_through_discovery)
{
    /* a registry port of this test's own, so parallel runs never share one */
    char line[128];
    snprintf(line, sizeof line, "discovery discovery_builtin port=%d\n",
             20000 + (int)(getpid() % 20000));
    const char *list = th_plugin_list("discovery", line);
    struct tnode a, b, c;
    ck_assert_int_eq(tnode_start(&a, "a", NULL, list, NULL), 0);
    ck_assert_int_eq(tnode_start(&b, "b", NULL, list, NULL), 0);
    char reply[512];
    ck_assert_msg(tnode_cmd(&b, reply, sizeof reply, WAIT_MS, "connect a@127.0.0.1") == 0,
                  "connect by name: %s", reply);
    ck_assert_int_eq(tnode_cmd(&b, reply, sizeof reply, WAIT_MS, "ping a@127.0.0.1"), 0);
    /* the node serving the registry goes away: another takes over */
    tnode_stop(&a);
    ck_assert_int_eq(tnode_start(&c, "c", NULL, list, NULL), 0);
    int rc = -1;
    for (long long end = th_now_ms() + WAIT_MS; rc != 0 && th_now_ms() < end;) {
        rc = tnode_cmd(&c, reply, sizeof reply, WAIT_MS, "connect b@127.0.0.1");
        if (rc != 0)
            tnode_pump(&c, 100);
    }
    ck_assert_msg(rc == 0, "connect after takeover: %s", reply);
    ck_assert_int_eq(tnode_cmd(&c, reply, sizeof reply, WAIT_MS, "connect nobody@127.0.0.1"), 1);
    ck_assert_msg(strstr(reply, "SNOW_ENONODE") != NULL, "unknown name: %s", reply);
    tnode_stop(&c);
    tnode_stop(&b);
}
END_TEST

START_TEST(relay_cannot_authenticate_over_tls)
{
    struct tnode a, b;
    start(&a, "a");
    start(&b, "b");
    bool tls = strcmp(th_transport(), "tls") == 0;
    int port = 0;
    struct relay *r = relay_start(atoi(strrchr(a.addr, ':') + 1), tls, &port);
    ck_assert_ptr_nonnull(r);
    char reply[512];
    int rc = tnode_cmd(&b, reply, sizeof reply, WAIT_MS, "connect a@127.0.0.1:%d", port);
    if (tls) {
        /* the proofs are bound to each TLS session: the relay's two
         * sessions differ, so neither side accepts the other */
        ck_assert_msg(rc == 1 && strstr(reply, "SNOW_EAUTH") != NULL, "relay: %s", reply);
        ck_assert_int_eq(tnode_cmd(&a, reply, sizeof reply, WAIT_MS, "nodes"), 0);
        ck_assert_str_eq(reply, "OK 0");
    } else {
        /* plain tcp has no channel to bind to: a relay passes (the reason
         * TLS is the default) */
        ck_assert_msg(rc == 0, "tcp relay: %s", reply);
    }
    relay_stop(r);
    tnode_stop(&b);
    tnode_stop(&a);
}
END_TEST

/* A raw TCP connection to a node's listen address ("127.0.0.1:port"). */
static int raw_connect(const struct tnode *n)
{
    const char *colon = strrchr(n->addr, ':');
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

START_TEST(garbage_and_truncated_handshakes_leave_node_serving)
{
    struct tnode a, b;
    start(&a, "a");
    srand(42);
    for (int i = 0; i < 1000; i++) {
        int fd = raw_connect(&a);
        ck_assert_int_ge(fd, 0);
        unsigned char junk[512];
        size_t len = 1 + (size_t)rand() % sizeof junk;
        for (size_t j = 0; j < len; j++)
            junk[j] = (unsigned char)rand();
        (void)!write(fd, junk, len);
        close(fd);
    }
    for (int i = 0; i < 100; i++) {
        int fd = raw_connect(&a);
        ck_assert_int_ge(fd, 0);
        /* the start of a hello frame that never finishes */
        unsigned char part[] = {0, 0, 0, 60, 1, 0, 1, 0, 0};
        (void)!write(fd, part, (size_t)(1 + i % (int)sizeof part));
        close(fd);
    }
    start(&b, "b");
    connect_ok(&b, &a);
    char reply[512];
    ck_assert_int_eq(tnode_cmd(&b, reply, sizeof reply, WAIT_MS, "ping a@127.0.0.1"), 0);
    ck_assert_str_eq(reply, "OK pong a@127.0.0.1");
    tnode_stop(&b);
    ck_assert_int_eq(tnode_stop(&a), 0);
}
END_TEST

START_TEST(silent_connections_closed_by_deadline_while_peer_connects)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 4096 && rl.rlim_max >= 4096) {
        rl.rlim_cur = 4096;
        setrlimit(RLIMIT_NOFILE, &rl); /* the node inherits it */
    }
    struct tnode a, b;
    const char *extra[] = {"--handshake", "1000", NULL};
    ck_assert_int_eq(tnode_start_default(&a, "a", extra), 0);
    enum { SILENT = 1000 };
    static int fds[SILENT];
    for (int i = 0; i < SILENT; i++) {
        fds[i] = raw_connect(&a);
        ck_assert_int_ge(fds[i], 0);
    }
    start(&b, "b");
    long long t0 = th_now_ms();
    connect_ok(&b, &a);
    ck_assert_msg(th_now_ms() - t0 <= 1000, "connect took %lld ms", th_now_ms() - t0);
    /* every silent connection is closed by the node within a few deadlines
     * (over tcp the node's hello arrives first: read up to the end) */
    int closed = 0;
    long long deadline = th_now_ms() + 10000;
    for (int i = 0; i < SILENT; i++) {
        for (;;) {
            struct pollfd p = {.fd = fds[i], .events = POLLIN};
            long long left = deadline - th_now_ms();
            if (left <= 0 || poll(&p, 1, (int)left) != 1)
                break;
            char buf[512];
            if (read(fds[i], buf, sizeof buf) <= 0) {
                closed++;
                break;
            }
        }
        close(fds[i]);
    }
    ck_assert_int_eq(closed, SILENT);
    tnode_stop(&b);
    ck_assert_int_eq(tnode_stop(&a), 0);
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("dist");
    TCase *tc = tcase_create("cluster");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, two_nodes_connect_list_and_ping);
    tcase_add_test(tc, three_nodes_mesh_from_two_connects);
    tcase_add_test(tc, five_nodes_mesh_from_a_chain);
    tcase_add_test(tc, wrong_cookie_rejected_both_ways_existing_link_keeps_working);
    tcase_add_test(tc, simultaneous_dials_leave_exactly_one_link);
    tcase_add_test(tc, connect_to_dead_port_fails_within_timeout);
    tcase_add_test(tc, connect_by_name_without_port_through_discovery);
    tcase_add_test(tc, relay_cannot_authenticate_over_tls);
    tcase_add_test(tc, garbage_and_truncated_handshakes_leave_node_serving);
    tcase_add_test(tc, silent_connections_closed_by_deadline_while_peer_connects);
    suite_add_tcase(s, tc);
    tc = tcase_create("messages");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, million_messages_arrive_in_order);
    tcase_add_test(tc, large_messages_arrive_intact);
    suite_add_tcase(s, tc);
    tc = tcase_create("liveness");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, stopped_peer_declared_down_within_two_ticks);
    tcase_add_test(tc, killed_peer_declared_down_promptly);
    suite_add_tcase(s, tc);
    return s;
}
