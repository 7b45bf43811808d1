/* SPDX-License-Identifier: MIT */
/* discovery_builtin: serving, registering, resolving, taking over. */
#include "config.h"

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "discovery_harness.h"

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

static void learn(struct inst *in, const char *node, const char *addr)
{
    const char *addrs[1] = {addr};
    ops->learn(in->state, node, addrs, 1);
}

START_TEST(learned_peers_are_a_fallback)
{
    struct inst a, far;
    char port[8], got[MOCK_ADDR_MAX], node[64];

    /* With no registry reachable on the host, a learned address answers. */
    snprintf(port, sizeof port, "%d", free_port());
    const char *const far_kv[] = {"port", port, NULL};
    inst_start(&far, "far", far_kv);
    ck_assert_snow_err(resolve(&far, "q@127.0.0.1", NULL, 0), SNOW_ECONNREFUSED);
    learn(&far, "q@127.0.0.1", "127.0.0.1:7777");
    learn(&far, "bad name@127.0.0.1", "127.0.0.1:1"); /* ignored */
    learn(&far, "r@127.0.0.1", "not an address");     /* ignored */
    ck_assert_snow_ok(resolve(&far, "q@127.0.0.1", got, sizeof got));
    ck_assert_str_eq(got, "127.0.0.1:7777");
    learn(&far, "q@127.0.0.1", "127.0.0.1:7778"); /* updated in place */
    ck_assert_snow_ok(resolve(&far, "q@127.0.0.1", got, sizeof got));
    ck_assert_str_eq(got, "127.0.0.1:7778");
    ck_assert_snow_err(resolve(&far, "r@127.0.0.1", NULL, 0), SNOW_ECONNREFUSED);
    /* Bounded: the oldest entries give way. */
    for (int i = 0; i < 300; i++) {
        snprintf(node, sizeof node, "n%d@127.0.0.1", i);
        learn(&far, node, "127.0.0.1:9");
    }
    ck_assert_snow_err(resolve(&far, "n0@127.0.0.1", NULL, 0), SNOW_ECONNREFUSED);
    ck_assert_snow_ok(resolve(&far, "n299@127.0.0.1", got, sizeof got));
    inst_stop(&far);

    /* A registry that answers is authoritative: UNKNOWN stays unknown. */
    inst_start(&a, "a", NULL);
    inst_publish(&a, "a", 20001);
    learn(&a, "gone@127.0.0.1", "127.0.0.1:7777");
    ck_assert_snow_err(resolve(&a, "gone@127.0.0.1", NULL, 0), SNOW_ENONODE);
    learn(&a, "a@127.0.0.1", "127.0.0.1:1");
    ck_assert_snow_ok(resolve(&a, "a@127.0.0.1", got, sizeof got));
    ck_assert_str_eq(got, "127.0.0.1:20001");
    inst_stop(&a);
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
        {"learned", learned_peers_are_a_fallback},
        {"takeover_stop", takeover_when_server_stops},
        {"takeover_kill", takeover_when_server_is_killed},
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
