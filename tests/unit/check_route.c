/* SPDX-License-Identifier: MIT */
/* Tests for the distribution seam: router hook out, deliver calls in. */
#include <pthread.h>
#include <string.h>

#include "route.h"
#include "rt_util.h"

#define REMOTE ((snow_pid)((UINT64_C(3) << SNOW_NODE_SHIFT) | 77))

static const snow_term *elem(const snow_term *t, size_t i)
{
    const snow_term *e = NULL;
    RT_CHECK(snow_term_elem(t, i, &e) == 0);
    return e;
}

/* ---- the default router: not connected ---- */

static void body_default(const snow_term *arg)
{
    (void)arg;
    snow_term *x = snow_atom("x");
    snow_ref r;
    ck_assert(!snow_pid_is_local(REMOTE));
    ck_assert_snow_err(snow_send(REMOTE, x), SNOW_ENOCONN);
    ck_assert_snow_err(snow_link(REMOTE), SNOW_ENOCONN);
    ck_assert_snow_err(snow_monitor(REMOTE, &r), SNOW_ENOCONN);
    ck_assert_snow_err(snow_kill(REMOTE, x), SNOW_ENOCONN);
    ck_assert_snow_err(snow_send_named("n", "other@host", x), SNOW_ENOCONN);
    ck_assert_snow_ok(snow_unlink(REMOTE)); /* never linked: nothing to say */
    rt_ok();
}

START_TEST(default_router_is_not_connected)
{
    rt_start(1);
    rt_run(body_default, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

/* ---- a recording router ---- */

struct mock {
    pthread_mutex_t mu;
    int sends, links, unlinks, exits, monitors, demonitors, downs;
    snow_pid last_from, last_to;
    snow_ref last_ref;
    bool last_link;
    char last_reason[32];
};
static struct mock mock = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void mock_reason(const snow_term *r)
{
    const char *n;
    size_t len;
    mock.last_reason[0] = 0;
    if (r && snow_term_atom(r, &n, &len) == 0 && len < sizeof mock.last_reason) {
        memcpy(mock.last_reason, n, len);
        mock.last_reason[len] = 0;
    }
}

#define MOCK_RECORD(counter, from, to, ref, reason, link)                       \
    do {                                                                        \
        pthread_mutex_lock(&mock.mu);                                           \
        mock.counter++;                                                         \
        mock.last_from = (from);                                                \
        mock.last_to = (to);                                                    \
        mock.last_ref = (ref);                                                  \
        mock.last_link = (link);                                                \
        mock_reason(reason);                                                    \
        pthread_mutex_unlock(&mock.mu);                                         \
    } while (0)

static int m_send(void *c, snow_pid f, snow_pid t, const snow_term *m)
{ (void)c; (void)m; MOCK_RECORD(sends, f, t, 0, NULL, false); return 0; }
static int m_named(void *c, snow_pid f, const char *n, const char *node, const snow_term *m)
{ (void)c; (void)n; (void)node; (void)m; MOCK_RECORD(sends, f, 0, 0, NULL, false); return 0; }
static int m_link(void *c, snow_pid a, snow_pid b)
{ (void)c; MOCK_RECORD(links, a, b, 0, NULL, true); return 0; }
static int m_unlink(void *c, snow_pid a, snow_pid b)
{ (void)c; MOCK_RECORD(unlinks, a, b, 0, NULL, true); return 0; }
static int m_exit(void *c, snow_pid f, snow_pid t, const snow_term *r, bool l)
{ (void)c; MOCK_RECORD(exits, f, t, 0, r, l); return 0; }
static int m_monitor(void *c, snow_pid w, snow_pid t, snow_ref r)
{ (void)c; MOCK_RECORD(monitors, w, t, r, NULL, false); return 0; }
static int m_demonitor(void *c, snow_pid w, snow_pid t, snow_ref r)
{ (void)c; MOCK_RECORD(demonitors, w, t, r, NULL, false); return 0; }
static int m_down(void *c, snow_pid t, snow_pid w, snow_ref r, const snow_term *why)
{ (void)c; MOCK_RECORD(downs, t, w, r, why, false); return 0; }

static const struct sk_router mock_router = {
    .size = sizeof(struct sk_router),
    .send = m_send, .send_named = m_named, .link = m_link, .unlink = m_unlink,
    .exit = m_exit, .monitor = m_monitor, .demonitor = m_demonitor, .down = m_down,
};

static void body_linked_remote_crash(const snow_term *arg)
{
    (void)arg;
    ck_assert_snow_ok(snow_link(REMOTE));
    snow_exit(snow_atom("boom"));
}

static void body_outbound(const snow_term *arg)
{
    (void)arg;
    snow_term *x = snow_atom("x");
    snow_pid me = snow_self();
    ck_assert_snow_ok(snow_send(REMOTE, x));
    ck_assert_int_eq(mock.sends, 1);
    ck_assert_uint_eq(mock.last_from, me);
    ck_assert_uint_eq(mock.last_to, REMOTE);
    ck_assert_snow_ok(snow_send_named("svc", "n@h", x));
    ck_assert_int_eq(mock.sends, 2);
    ck_assert_snow_ok(snow_kill(REMOTE, x));
    ck_assert_int_eq(mock.exits, 1);
    ck_assert(!mock.last_link);
    ck_assert_str_eq(mock.last_reason, "x");

    ck_assert_snow_ok(snow_link(REMOTE));
    ck_assert_int_eq(mock.links, 1);
    ck_assert_snow_ok(snow_unlink(REMOTE));
    ck_assert_int_eq(mock.unlinks, 1);

    snow_ref r;
    ck_assert_snow_ok(snow_monitor(REMOTE, &r));
    ck_assert_int_eq(mock.monitors, 1);
    ck_assert_uint_eq(mock.last_ref, r);
    ck_assert_snow_ok(snow_demonitor(r, 0));
    ck_assert_int_eq(mock.demonitors, 1);
    ck_assert_uint_eq(mock.last_ref, r);

    /* A local process linked to a remote one dies: the router hears it. */
    struct snow_spawn_opts o = {.size = sizeof o, .monitor = true};
    snow_pid b;
    snow_ref rb;
    ck_assert_snow_ok(snow_spawn_opt(body_linked_remote_crash, NULL, &o, &b, &rb));
    snow_term *d = rt_recv(10000);
    snow_term_release(d);
    ck_assert_int_eq(mock.exits, 2);
    ck_assert(mock.last_link);
    ck_assert_uint_eq(mock.last_from, b);
    ck_assert_uint_eq(mock.last_to, REMOTE);
    ck_assert_str_eq(mock.last_reason, "boom");
    rt_ok();
}

static void body_wait_then(const snow_term *arg)
{
    (void)arg;
    snow_term *m = rt_recv(SNOW_INFINITY);
    snow_exit(m);
}

START_TEST(router_gets_remote_operations)
{
    ck_assert_snow_ok(sk_router_install(&mock_router));
    rt_start(2);
    rt_run(body_outbound, NULL, "ok", 10000);
    /* A remote watcher of a local process gets `down` through the router. */
    snow_pid b;
    ck_assert_snow_ok(snow_spawn(body_wait_then, NULL, &b));
    ck_assert_snow_ok(sk_monitor_add_remote(b, REMOTE, 4242));
    ck_assert_snow_ok(sk_link_add_remote(b, REMOTE));
    ck_assert_snow_ok(snow_send(b, snow_atom("bye")));
    ck_assert_snow_ok(snow_join(b, 10000, NULL));
    ck_assert_int_eq(mock.downs, 1);
    ck_assert_uint_eq(mock.last_ref, 4242);
    ck_assert_str_eq(mock.last_reason, "bye");
    ck_assert_int_eq(mock.exits, 3);
    ck_assert_snow_err(sk_monitor_add_remote(b, REMOTE, 1), SNOW_ENOPROC);
    ck_assert_snow_err(sk_link_add_remote(b, REMOTE), SNOW_ENOPROC);
    rt_stop();
    ck_assert_snow_ok(sk_router_install(NULL));
    struct sk_router bad = mock_router;
    bad.down = NULL;
    ck_assert_snow_err(sk_router_install(&bad), SNOW_EINVAL);
}
END_TEST

/* ---- inbound ---- */

static void body_inbound(const snow_term *arg)
{
    (void)arg;
    snow_pid me = snow_self();
    snow_trap_exit(true, NULL);
    /* A message. */
    ck_assert_snow_ok(sk_deliver_msg(me, snow_atom("hello")));
    snow_term *m = rt_recv(1000);
    ck_assert(snow_term_is_atom(m, "hello"));
    snow_term_release(m);
    /* A link exit from a pid we are not linked to is ignored... */
    ck_assert_snow_ok(sk_deliver_exit(REMOTE, me, snow_atom("boom"), true));
    ck_assert_snow_err(snow_receive(50, &m), SNOW_ETIMEDOUT);
    /* ...and arrives (trapped) once the remote half added the link. */
    ck_assert_snow_ok(sk_link_add_remote(me, REMOTE));
    ck_assert_snow_ok(sk_deliver_exit(REMOTE, me, snow_atom("noconnection"), true));
    m = rt_recv(1000);
    ck_assert(snow_term_is_tuple_tagged(m, 3, "exit"));
    ck_assert(snow_term_is_atom(elem(m, 2), "noconnection"));
    snow_term_release(m);
    /* A down for a monitor we hold on a remote pid. */
    snow_ref r;
    ck_assert_snow_ok(snow_monitor(REMOTE, &r));
    ck_assert_snow_ok(sk_deliver_down(me, r, REMOTE, snow_atom("noconnection")));
    m = rt_recv(1000);
    ck_assert(snow_term_is_tuple_tagged(m, 4, "down"));
    snow_pid who;
    snow_term_pid(elem(m, 2), &who);
    ck_assert_uint_eq(who, REMOTE);
    snow_term_release(m);
    /* Removing the remote half of a link. */
    ck_assert_snow_ok(sk_link_add_remote(me, REMOTE));
    ck_assert_snow_ok(sk_link_remove_remote(me, REMOTE));
    ck_assert_snow_err(sk_link_remove_remote(me, REMOTE), SNOW_ENOENT);
    /* Untrappable kill from a remote process. */
    sk_deliver_exit(REMOTE, me, snow_atom("kill"), false);
    rt_recv(1000);
    snow_exit(snow_atom("survived"));
}

START_TEST(inbound_signals)
{
    ck_assert_snow_ok(sk_router_install(&mock_router));
    rt_start(2);
    rt_run(body_inbound, NULL, "killed", 10000);
    /* Named delivery from a remote node. */
    snow_pid b;
    ck_assert_snow_ok(snow_spawn(body_wait_then, NULL, &b));
    ck_assert_snow_ok(snow_register("svc", b));
    struct sk_deliver_batch batch = {0};
    ck_assert_snow_ok(sk_deliver_batch_named(&batch, "svc", snow_atom("named")));
    sk_deliver_batch_flush(&batch);
    snow_term *why;
    ck_assert_snow_ok(snow_join(b, 10000, &why));
    ck_assert(snow_term_is_atom(why, "named"));
    ck_assert_snow_err(sk_deliver_batch_named(&batch, "svc", snow_atom("x")), SNOW_ENOPROC);
    ck_assert_snow_err(sk_deliver_msg(REMOTE, snow_atom("x")), SNOW_EINVAL);
    rt_stop();
    sk_router_install(NULL);
}
END_TEST

/* ---- inbound runs (deliver_batch.c) ---- */

#define BATCH_MSGS 150 /* more than one run of 64 */

static void body_count_in_order(const snow_term *arg)
{
    (void)arg;
    for (int64_t i = 0; i < BATCH_MSGS; i++) {
        snow_term *m = rt_recv(10000);
        int64_t v = -1;
        RT_CHECK(snow_term_int(m, &v) == 0);
        if (v != i)
            ck_abort_msg("message %lld arrived as number %lld", (long long)v, (long long)i);
        snow_term_release(m);
    }
    snow_term *extra;
    RT_CHECK(snow_receive(50, &extra) == SNOW_ETIMEDOUT); /* nothing twice */
    rt_ok();
}

START_TEST(batched_delivery_keeps_order)
{
    rt_start(2);
    snow_pid rx, gone;
    ck_assert_snow_ok(snow_spawn(body_count_in_order, NULL, &rx));
    ck_assert_snow_ok(snow_spawn(body_wait_then, NULL, &gone));
    ck_assert_snow_ok(snow_send(gone, snow_atom("bye")));
    ck_assert_snow_ok(snow_join(gone, 10000, NULL));
    ck_assert_snow_ok(snow_register("counter", rx));
    struct sk_deliver_batch b = {0};
    for (int64_t i = 0; i < BATCH_MSGS; i++) {
        /* by pid and by name, into one run; every 10th message also goes
         * to more dead receivers than the batch has room for */
        int rc = i % 2 ? sk_deliver_batch_add(&b, rx, snow_int(i))
                       : sk_deliver_batch_named(&b, "counter", snow_int(i));
        ck_assert_snow_ok(rc);
        for (unsigned k = 0; i % 10 == 0 && k < SK_BATCH_DESTS + 1; k++)
            ck_assert_snow_ok(sk_deliver_batch_add(&b, gone + ((snow_pid)k << 30), snow_int(-1)));
    }
    ck_assert_snow_err(sk_deliver_batch_named(&b, "nobody", snow_int(0)), SNOW_ENOPROC);
    /* A receiver whose run just went out (64 messages) stays in the table,
     * empty: flushing must not push an empty run. */
    snow_pid rx2;
    ck_assert_snow_ok(snow_spawn(body_wait_then, NULL, &rx2));
    sk_deliver_batch_flush(&b);
    for (int i = 0; i < 64; i++)
        ck_assert_snow_ok(sk_deliver_batch_add(&b, rx2, snow_int(i)));
    ck_assert_uint_eq(b.n, 1);
    sk_deliver_batch_flush(&b);
    ck_assert_snow_ok(snow_join(rx2, 10000, NULL));
    sk_deliver_batch_flush(&b);
    ck_assert_uint_eq(b.n, 0);
    ck_assert_exits_ok(rx, 20000);
    rt_stop();
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("route");
    struct {
        const char *name;
        const TTest *fn;
    } cases[] = {
        {"default_router_is_not_connected", default_router_is_not_connected},
        {"router_gets_remote_operations", router_gets_remote_operations},
        {"inbound_signals", inbound_signals},
        {"batched_delivery_keeps_order", batched_delivery_keeps_order},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}
