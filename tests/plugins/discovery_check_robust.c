/* SPDX-License-Identifier: MIT */
/* discovery_builtin: the registry under garbage, silence and its limits. */
#include "config.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "discovery_harness.h"

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

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("discovery_robust");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"garbage", garbage_is_dropped},
        {"idle", silent_clients_time_out},
        {"limits", limits_hold},
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
