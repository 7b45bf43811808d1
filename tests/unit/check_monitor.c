/* SPDX-License-Identifier: MIT */
/* Tests for monitors: down messages, noproc, demonitor (+flush), refs. */
#include "rt_util.h"

static const snow_term *elem(const snow_term *t, size_t i)
{
    const snow_term *e = NULL;
    RT_CHECK(snow_term_elem(t, i, &e) == 0);
    return e;
}

static void body_wait_then(const snow_term *arg)
{
    (void)arg;
    snow_term *m = rt_recv(SNOW_INFINITY);
    snow_exit(m); /* exits with whatever it was sent */
}

static void check_down(const snow_term *m, snow_ref ref, snow_pid pid, const char *why)
{
    RT_CHECK(snow_term_is_tuple_tagged(m, 4, "down"));
    snow_ref r;
    snow_pid p;
    RT_CHECK(snow_term_ref_value(elem(m, 1), &r) == 0 && r == ref);
    RT_CHECK(snow_term_pid(elem(m, 2), &p) == 0 && p == pid);
    RT_CHECK(snow_term_is_atom(elem(m, 3), why));
}

static void body_monitor(const snow_term *arg)
{
    (void)arg;
    snow_pid b;
    snow_ref r1, r2;
    ck_assert_snow_ok(snow_spawn(body_wait_then, NULL, &b));
    ck_assert_snow_ok(snow_monitor(b, &r1));
    ck_assert_snow_ok(snow_monitor(b, &r2));
    ck_assert_uint_ne(r1, r2); /* every monitor has its own ref */
    snow_send(b, snow_atom("gone"));
    snow_term *m1 = rt_recv(10000), *m2 = rt_recv(10000);
    snow_ref first;
    snow_term_ref_value(elem(m1, 1), &first);
    check_down(m1, first, b, "gone");
    check_down(m2, first == r1 ? r2 : r1, b, "gone");
    snow_term_release(m1);
    snow_term_release(m2);
    /* A dead pid: {down, Ref, Pid, noproc} at once. */
    snow_ref r3;
    ck_assert_snow_ok(snow_monitor(b, &r3));
    snow_term *m;
    ck_assert_snow_ok(snow_receive(0, &m));
    check_down(m, r3, b, "noproc");
    snow_term_release(m);
    ck_assert_snow_err(snow_monitor(b, NULL), SNOW_EINVAL);
    rt_ok();
}

START_TEST(monitor_down_and_noproc)
{
    rt_start(2);
    rt_run(body_monitor, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

static bool is_down(const snow_term *m, void *ctx)
{
    (void)ctx;
    return snow_term_is_tuple_tagged(m, 4, "down");
}

static void body_demonitor(const snow_term *arg)
{
    (void)arg;
    snow_pid b, c;
    snow_ref rb, rc;
    ck_assert_snow_ok(snow_spawn(body_wait_then, NULL, &b));
    ck_assert_snow_ok(snow_monitor(b, &rb));
    /* Demonitor before the exit: no message ever. */
    ck_assert_snow_ok(snow_demonitor(rb, 0));
    snow_send(b, snow_atom("x"));
    snow_term *m;
    ck_assert_snow_err(snow_receive_match(is_down, NULL, 100, &m), SNOW_ETIMEDOUT);
    /* A down already queued is removed by FLUSH; other messages stay. */
    ck_assert_snow_ok(snow_spawn(body_wait_then, NULL, &c));
    ck_assert_snow_ok(snow_monitor(c, &rc));
    snow_send(c, snow_atom("y"));
    snow_pid watch;
    snow_ref rw;
    ck_assert_snow_ok(snow_spawn(body_wait_then, NULL, &watch));
    ck_assert_snow_ok(snow_monitor(watch, &rw));
    snow_send(watch, snow_atom("z"));
    /* Wait for the second down: by then c's is in the mailbox too. */
    snow_term *dw = NULL;
    struct { snow_ref r; } want = {rw};
    (void)want;
    for (;;) {
        ck_assert_snow_ok(snow_receive_match(is_down, NULL, 10000, &dw));
        snow_ref got;
        snow_term_ref_value(elem(dw, 1), &got);
        if (got == rw)
            break;
        /* c's down came first: put it back at the end by re-sending. */
        snow_send(snow_self(), dw);
        snow_term_release(dw);
    }
    snow_term_release(dw);
    snow_term *keep = snow_atom("keep");
    snow_send(snow_self(), keep);
    ck_assert_snow_ok(snow_demonitor(rc, SNOW_DEMONITOR_FLUSH));
    ck_assert_snow_ok(snow_receive(0, &m));
    ck_assert(snow_term_is_atom(m, "keep"));
    ck_assert_snow_err(snow_receive(0, &m), SNOW_ETIMEDOUT);
    ck_assert_snow_err(snow_demonitor(SNOW_REF_NONE, 0), SNOW_EINVAL);
    ck_assert_snow_err(snow_demonitor(rc, 99), SNOW_EINVAL);
    rt_ok();
}

START_TEST(demonitor_with_flush)
{
    rt_start(2);
    rt_run(body_demonitor, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

static void body_spawn_monitor(const snow_term *arg)
{
    (void)arg;
    struct snow_spawn_opts o = {.size = sizeof o, .monitor = true, .link = false};
    snow_pid b;
    snow_ref r;
    ck_assert_snow_ok(snow_spawn_opt(body_wait_then, NULL, &o, &b, &r));
    ck_assert_snow_err(snow_spawn_opt(body_wait_then, NULL, &o, &b, NULL), SNOW_EINVAL);
    snow_send(b, snow_atom("bye"));
    snow_term *m = rt_recv(10000);
    check_down(m, r, b, "bye");
    snow_term_release(m);
    rt_ok();
}

START_TEST(spawn_with_monitor)
{
    rt_start(1);
    rt_run(body_spawn_monitor, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

START_TEST(refs_are_unique)
{
    snow_ref prev = snow_make_ref();
    ck_assert_uint_ne(prev, SNOW_REF_NONE);
    for (int i = 0; i < 100000; i++) {
        snow_ref r = snow_make_ref();
        RT_CHECK(r != prev && r != SNOW_REF_NONE);
        prev = r;
    }
    ck_assert_snow_err(snow_monitor(1, &prev), SNOW_ENOTPROC);
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("monitor");
    struct {
        const char *name;
        const TTest *fn;
    } cases[] = {
        {"monitor_down_and_noproc", monitor_down_and_noproc},
        {"demonitor_with_flush", demonitor_with_flush},
        {"spawn_with_monitor", spawn_with_monitor},
        {"refs_are_unique", refs_are_unique},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}
