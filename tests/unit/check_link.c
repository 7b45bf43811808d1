/* SPDX-License-Identifier: MIT */
/* Tests for links and exit signals: propagation, trap_exit, kill, unlink. */
#include "rt_util.h"

/* Helpers to read tuple fields in tests. */
static snow_pid elem_pid(const snow_term *t, size_t i)
{
    const snow_term *e;
    snow_pid p = 0;
    RT_CHECK(snow_term_elem(t, i, &e) == 0);
    RT_CHECK(snow_term_pid(e, &p) == 0);
    return p;
}

static const snow_term *elem(const snow_term *t, size_t i)
{
    const snow_term *e = NULL;
    RT_CHECK(snow_term_elem(t, i, &e) == 0);
    return e;
}

/* ---- a chain of 1,000 linked processes ---- */

#define CHAIN 1000

static void body_chain(const snow_term *arg)
{
    snow_pid root = elem_pid(arg, 0);
    int64_t left;
    RT_CHECK(snow_term_int(elem(arg, 1), &left) == 0);
    if (left > 0) {
        snow_term *a = snow_tuple(2, snow_pid_term(root), snow_int(left - 1));
        snow_pid next;
        RT_CHECK(snow_spawn_link(body_chain, a, &next) == 0);
        snow_term_release(a);
    }
    snow_term *hello = snow_tuple(3, snow_atom("member"), snow_pid_term(snow_self()), snow_int(left));
    snow_send(root, hello);
    snow_term_release(hello);
    for (;;) {
        snow_term *m = rt_recv(SNOW_INFINITY);
        if (snow_term_is_atom(m, "crash"))
            snow_exit(snow_atom("boom"));
        if (snow_term_is_atom(m, "quit"))
            return;
        snow_term_release(m);
    }
}

/* Builds the chain, monitors every member; returns the last one. */
static snow_pid chain_build(void)
{
    snow_trap_exit(true, NULL);
    snow_term *a = snow_tuple(2, snow_pid_term(snow_self()), snow_int(CHAIN - 1));
    snow_pid first, last = 0;
    ck_assert_snow_ok(snow_spawn_link(body_chain, a, &first));
    snow_term_release(a);
    for (int i = 0; i < CHAIN; i++) {
        snow_term *m = rt_recv(20000);
        RT_CHECK(snow_term_is_tuple_tagged(m, 3, "member"));
        snow_pid p = elem_pid(m, 1);
        int64_t left;
        snow_term_int(elem(m, 2), &left);
        if (left == 0)
            last = p;
        snow_ref r;
        RT_CHECK(snow_monitor(p, &r) == 0);
        snow_term_release(m);
    }
    ck_assert_uint_ne(last, 0);
    ck_assert_uint_eq(snow_process_count(), CHAIN + 1);
    return last;
}

static void body_chain_abnormal(const snow_term *arg)
{
    (void)arg;
    snow_pid last = chain_build();
    snow_send(last, snow_atom("crash"));
    int downs = 0, exits = 0;
    while (downs < CHAIN || exits < 1) {
        snow_term *m = rt_recv(20000);
        if (snow_term_is_tuple_tagged(m, 4, "down")) {
            RT_CHECK(snow_term_is_atom(elem(m, 3), "boom"));
            downs++;
        } else {
            RT_CHECK(snow_term_is_tuple_tagged(m, 3, "exit"));
            RT_CHECK(snow_term_is_atom(elem(m, 2), "boom"));
            exits++;
        }
        snow_term_release(m);
    }
    ck_assert_uint_eq(snow_process_count(), 1);
    rt_ok();
}

START_TEST(chain_dies_on_abnormal_exit)
{
    rt_start(2);
    rt_run(body_chain_abnormal, NULL, "ok", 60000);
    rt_stop();
}
END_TEST

static void body_chain_normal(const snow_term *arg)
{
    (void)arg;
    snow_pid last = chain_build();
    snow_send(last, snow_atom("quit"));
    snow_term *m = rt_recv(20000);
    ck_assert(snow_term_is_tuple_tagged(m, 4, "down"));
    ck_assert_uint_eq(elem_pid(m, 2), last);
    ck_assert(snow_term_is_atom(elem(m, 3), "normal"));
    snow_term_release(m);
    /* Nobody else dies: no more messages, everyone else still alive. */
    ck_assert_snow_err(snow_receive(200, &m), SNOW_ETIMEDOUT);
    ck_assert_uint_eq(snow_process_count(), CHAIN);
    rt_ok();
}

START_TEST(chain_survives_normal_exit)
{
    rt_start(2);
    rt_run(body_chain_normal, NULL, "ok", 60000);
    rt_stop(); /* shutdown kills the rest of the chain */
}
END_TEST

/* ---- single-link behaviours ---- */

/* Waits for `quit` (exit normal) or `crash` (exit boom). */
static void body_wait_quit(const snow_term *arg)
{
    (void)arg;
    for (;;) {
        snow_term *m = rt_recv(SNOW_INFINITY);
        if (snow_term_is_atom(m, "quit"))
            return;
        if (snow_term_is_atom(m, "crash"))
            snow_exit(snow_atom("boom"));
        snow_term_release(m);
    }
}
#define body_wait_crash body_wait_quit

static void body_exit_with(const snow_term *arg)
{
    snow_exit(snow_term_ref((snow_term *)arg));
}

static void body_linked_crash_kills(const snow_term *arg)
{
    (void)arg;
    snow_term *why = snow_atom("boom");
    snow_pid b;
    ck_assert_snow_ok(snow_spawn_link(body_exit_with, why, &b));
    snow_term *m;
    snow_receive(10000, &m); /* killed by the link before this returns */
    snow_exit(snow_atom("survived"));
}

START_TEST(link_propagates_to_non_trapping)
{
    rt_start(2);
    rt_run(body_linked_crash_kills, NULL, "boom", 10000);
    rt_stop();
}
END_TEST

static void body_trap(const snow_term *arg)
{
    (void)arg;
    bool old = true;
    ck_assert_snow_ok(snow_trap_exit(true, &old));
    ck_assert(!old);
    snow_term *why = snow_tuple(2, snow_atom("custom"), snow_int(3));
    snow_pid b;
    ck_assert_snow_ok(snow_spawn_link(body_exit_with, why, &b));
    snow_term *m = rt_recv(10000);
    ck_assert(snow_term_is_tuple_tagged(m, 3, "exit"));
    ck_assert_uint_eq(elem_pid(m, 1), b);
    ck_assert(snow_term_equal(elem(m, 2), why));
    snow_term_release(m);
    snow_term_release(why);
    rt_ok();
}

START_TEST(trap_exit_makes_messages)
{
    rt_start(2);
    rt_run(body_trap, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

static void body_trapper_forward(const snow_term *arg)
{
    snow_pid boss;
    snow_term_pid(arg, &boss);
    snow_trap_exit(true, NULL);
    for (;;) {
        snow_term *m = rt_recv(SNOW_INFINITY);
        snow_send(boss, m);
        snow_term_release(m);
    }
}

static snow_term *down_reason_of(snow_pid pid, snow_ref ref)
{
    snow_term *m = rt_recv(10000);
    RT_CHECK(snow_term_is_tuple_tagged(m, 4, "down"));
    snow_ref got;
    RT_CHECK(snow_term_ref_value(elem(m, 1), &got) == 0 && got == ref);
    RT_CHECK(elem_pid(m, 2) == pid);
    snow_term *r = snow_term_ref((snow_term *)elem(m, 3));
    snow_term_release(m);
    return r;
}

static void body_kill(const snow_term *arg)
{
    (void)arg;
    snow_term *me = snow_pid_term(snow_self());
    snow_pid b;
    snow_ref ref;
    ck_assert_snow_ok(snow_spawn(body_trapper_forward, me, &b));
    ck_assert_snow_ok(snow_monitor(b, &ref));
    /* A trappable reason arrives as a message at the trapping process. */
    snow_term *foo = snow_atom("foo");
    ck_assert_snow_ok(snow_kill(b, foo));
    snow_term *m = rt_recv(10000);
    ck_assert(snow_term_is_tuple_tagged(m, 3, "exit"));
    ck_assert_uint_eq(elem_pid(m, 1), snow_self());
    ck_assert(snow_term_is_atom(elem(m, 2), "foo"));
    snow_term_release(m);
    /* `kill` cannot be trapped and reads `killed` at monitors. */
    ck_assert_snow_ok(snow_kill(b, snow_atom("kill")));
    snow_term *r = down_reason_of(b, ref);
    ck_assert(snow_term_is_atom(r, "killed"));
    snow_term_release(r);
    /* A non-trapping process ignores `normal`, dies of anything else. */
    snow_pid c;
    ck_assert_snow_ok(snow_spawn(body_wait_quit, NULL, &c));
    ck_assert_snow_ok(snow_monitor(c, &ref));
    ck_assert_snow_ok(snow_kill(c, snow_atom("normal")));
    ck_assert_snow_err(snow_receive(50, &m), SNOW_ETIMEDOUT);
    ck_assert_snow_ok(snow_kill(c, foo));
    r = down_reason_of(c, ref);
    ck_assert(snow_term_is_atom(r, "foo"));
    snow_term_release(r);
    /* Exit signals to dead pids are fine. */
    ck_assert_snow_ok(snow_kill(c, foo));
    ck_assert_snow_err(snow_kill(c, NULL), SNOW_EINVAL);
    snow_term_release(me);
    rt_ok();
}

START_TEST(kill_signals)
{
    rt_start(2);
    rt_run(body_kill, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

static void body_killed_link(const snow_term *arg)
{
    (void)arg;
    snow_trap_exit(true, NULL);
    snow_pid b;
    ck_assert_snow_ok(snow_spawn_link(body_wait_quit, NULL, &b));
    snow_kill(b, snow_atom("kill"));
    snow_term *m = rt_recv(10000);
    ck_assert(snow_term_is_tuple_tagged(m, 3, "exit"));
    ck_assert(snow_term_is_atom(elem(m, 2), "killed"));
    snow_term_release(m);
    rt_ok();
}

START_TEST(kill_reaches_links_as_killed)
{
    rt_start(2);
    rt_run(body_killed_link, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

static void body_link_dead(const snow_term *arg)
{
    (void)arg;
    snow_pid b;
    snow_ref ref;
    ck_assert_snow_ok(snow_spawn(body_wait_quit, NULL, &b));
    ck_assert_snow_ok(snow_monitor(b, &ref));
    snow_send(b, snow_atom("quit"));
    snow_term *r = down_reason_of(b, ref);
    snow_term_release(r);
    snow_trap_exit(true, NULL);
    ck_assert_snow_ok(snow_link(b));
    snow_term *m = rt_recv(10000);
    ck_assert(snow_term_is_tuple_tagged(m, 3, "exit"));
    ck_assert_uint_eq(elem_pid(m, 1), b);
    ck_assert(snow_term_is_atom(elem(m, 2), "noproc"));
    snow_term_release(m);
    /* Not trapping: linking to a dead pid kills the caller with noproc. */
    snow_trap_exit(false, NULL);
    snow_link(b);
    snow_exit(snow_atom("survived"));
}

START_TEST(link_to_dead_pid_gives_noproc)
{
    rt_start(1);
    rt_run(body_link_dead, NULL, "noproc", 10000);
    rt_stop();
}
END_TEST

static void body_unlink(const snow_term *arg)
{
    (void)arg;
    snow_pid b;
    snow_ref ref;
    ck_assert_snow_ok(snow_spawn_link(body_wait_crash, NULL, &b));
    ck_assert_snow_ok(snow_monitor(b, &ref));
    ck_assert_snow_ok(snow_unlink(b));
    ck_assert_snow_ok(snow_unlink(b)); /* idempotent */
    snow_send(b, snow_atom("crash"));
    snow_term *r = down_reason_of(b, ref);
    ck_assert(snow_term_is_atom(r, "boom"));
    snow_term_release(r);
    /* Still alive: the link was gone. */
    ck_assert_snow_ok(snow_link(snow_self()));
    ck_assert_snow_err(snow_link(SNOW_PID_NONE), SNOW_EINVAL);
    rt_ok();
}

START_TEST(unlink_stops_propagation)
{
    rt_start(2);
    rt_run(body_unlink, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("link");
    struct {
        const char *name;
        const TTest *fn;
    } cases[] = {
        {"chain_dies_on_abnormal_exit", chain_dies_on_abnormal_exit},
        {"chain_survives_normal_exit", chain_survives_normal_exit},
        {"link_propagates_to_non_trapping", link_propagates_to_non_trapping},
        {"trap_exit_makes_messages", trap_exit_makes_messages},
        {"kill_signals", kill_signals},
        {"kill_reaches_links_as_killed", kill_reaches_links_as_killed},
        {"link_to_dead_pid_gives_noproc", link_to_dead_pid_gives_noproc},
        {"unlink_stops_propagation", unlink_stops_propagation},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}
