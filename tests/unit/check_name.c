/* SPDX-License-Identifier: MIT */
/* Tests for the local name registry. */
#include <string.h>

#include "rt_util.h"

static void body_echo_named(const snow_term *arg)
{
    (void)arg;
    for (;;) {
        snow_term *m = rt_recv(SNOW_INFINITY);
        if (snow_term_is_atom(m, "quit"))
            return;
        const snow_term *from;
        snow_pid to;
        if (snow_term_elem(m, 0, &from) == 0 && snow_term_pid(from, &to) == 0)
            snow_send(to, m);
        snow_term_release(m);
    }
}

static void body_names(const snow_term *arg)
{
    (void)arg;
    snow_pid b, c, got;
    snow_ref ref;
    ck_assert_snow_ok(snow_spawn(body_echo_named, NULL, &b));
    ck_assert_snow_ok(snow_spawn(body_echo_named, NULL, &c));
    ck_assert_snow_ok(snow_register("echo", b));
    ck_assert_snow_err(snow_register("echo", c), SNOW_EEXIST);   /* name taken */
    ck_assert_snow_err(snow_register("other", b), SNOW_EEXIST);  /* pid has a name */
    ck_assert_snow_ok(snow_whereis("echo", &got));
    ck_assert_uint_eq(got, b);
    ck_assert_snow_err(snow_whereis("nobody", &got), SNOW_ENOENT);

    snow_term *m = snow_tuple(2, snow_pid_term(snow_self()), snow_atom("hi"));
    ck_assert_snow_ok(snow_send_named("echo", NULL, m));
    snow_term *r = rt_recv(10000);
    ck_assert(snow_term_equal(r, m));
    snow_term_release(r);
    ck_assert_snow_err(snow_send_named("nobody", NULL, m), SNOW_ENOPROC);
    ck_assert_snow_err(snow_send_named("echo", "other@host", m), SNOW_ENOCONN);
    snow_term_release(m);

    /* Unregister frees the name for someone else. */
    ck_assert_snow_ok(snow_unregister("echo"));
    ck_assert_snow_err(snow_unregister("echo"), SNOW_ENOENT);
    ck_assert_snow_ok(snow_register("echo", c));
    ck_assert_snow_ok(snow_register("b", b));

    /* The owner's exit frees its name. */
    ck_assert_snow_ok(snow_monitor(c, &ref));
    snow_send(c, snow_atom("quit"));
    r = rt_recv(10000);
    ck_assert(snow_term_is_tuple_tagged(r, 4, "down"));
    snow_term_release(r);
    ck_assert_snow_err(snow_whereis("echo", &got), SNOW_ENOENT);
    ck_assert_snow_err(snow_register("echo", c), SNOW_ENOPROC); /* dead pid */

    /* Bad names. */
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    ck_assert_snow_err(snow_register(longname, b), SNOW_EINVAL);
    ck_assert_snow_err(snow_register("", b), SNOW_EINVAL);
    ck_assert_snow_err(snow_register(NULL, b), SNOW_EINVAL);
    ck_assert_snow_err(snow_register("z", SNOW_PID_NONE), SNOW_EINVAL);
    ck_assert_snow_err(snow_whereis("b", NULL), SNOW_EINVAL);
    snow_send(b, snow_atom("quit"));
    rt_ok();
}

START_TEST(register_whereis_unregister)
{
    rt_start(2);
    rt_run(body_names, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

START_TEST(names_from_plain_thread)
{
    rt_start(1);
    snow_pid b, got;
    ck_assert_snow_ok(snow_spawn(body_echo_named, NULL, &b));
    ck_assert_snow_ok(snow_register("svc", b));
    ck_assert_snow_ok(snow_whereis("svc", &got));
    ck_assert_uint_eq(got, b);
    ck_assert_snow_ok(snow_send_named("svc", NULL, snow_atom("quit")));
    ck_assert_snow_ok(snow_join(b, 10000, NULL));
    ck_assert_snow_err(snow_whereis("svc", &got), SNOW_ENOENT);
    rt_stop();
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("name");
    TCase *tc = tcase_create("register_whereis_unregister");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, register_whereis_unregister);
    suite_add_tcase(s, tc);
    tc = tcase_create("names_from_plain_thread");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, names_from_plain_thread);
    suite_add_tcase(s, tc);
    return s;
}
