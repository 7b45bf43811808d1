/* SPDX-License-Identifier: MIT */
/* Tests for timers: receive timeouts, polling, sleep, send_after, cancel. */
#include <time.h>

#include "rt_util.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void body_timeout(const snow_term *arg)
{
    (void)arg;
    snow_term *m = NULL;
    int64_t t0 = now_ms();
    ck_assert_snow_err(snow_receive(50, &m), SNOW_ETIMEDOUT);
    int64_t dt = now_ms() - t0;
    ck_assert_int_ge(dt, 50);
    ck_assert_int_lt(dt, 5000);
    ck_assert_ptr_null(m);
    rt_ok();
}

START_TEST(receive_timeout_fires)
{
    rt_start(2);
    rt_run(body_timeout, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

static void body_poll(const snow_term *arg)
{
    (void)arg;
    snow_term *m = NULL;
    int64_t t0 = now_ms();
    ck_assert_snow_err(snow_receive(0, &m), SNOW_ETIMEDOUT);
    ck_assert_int_lt(now_ms() - t0, 1000);
    snow_term *x = snow_int(5);
    ck_assert_snow_ok(snow_send(snow_self(), x));
    ck_assert_snow_ok(snow_receive(0, &m));
    ck_assert(snow_term_equal(m, x));
    snow_term_release(m);
    snow_term_release(x);
    rt_ok();
}

START_TEST(receive_zero_polls)
{
    rt_start(1);
    rt_run(body_poll, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

static void body_sleep(const snow_term *arg)
{
    (void)arg;
    snow_term *x = snow_atom("kept");
    snow_send(snow_self(), x);
    int64_t t0 = now_ms();
    ck_assert_snow_ok(snow_sleep(30));
    int64_t dt = now_ms() - t0;
    ck_assert_int_ge(dt, 30);
    ck_assert_int_lt(dt, 5000);
    snow_term *m;
    ck_assert_snow_ok(snow_receive(0, &m)); /* the message stayed queued */
    ck_assert(snow_term_is_atom(m, "kept"));
    ck_assert_snow_ok(snow_sleep(0));
    rt_ok();
}

START_TEST(sleep_keeps_messages)
{
    rt_start(1);
    rt_run(body_sleep, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

static void body_send_after(const snow_term *arg)
{
    (void)arg;
    snow_term *a = snow_atom("late"), *b = snow_atom("never");
    snow_timer t1, t2;
    int64_t t0 = now_ms();
    ck_assert_snow_ok(snow_send_after(snow_self(), a, 40, &t1));
    ck_assert_snow_ok(snow_send_after(snow_self(), b, 20, &t2));
    ck_assert_uint_ne(t1, t2);
    ck_assert_snow_ok(snow_timer_cancel(t2));
    ck_assert_snow_err(snow_timer_cancel(t2), SNOW_ENOENT);
    snow_term *m = rt_recv(5000);
    ck_assert(snow_term_is_atom(m, "late"));
    ck_assert_int_ge(now_ms() - t0, 40);
    ck_assert_snow_err(snow_timer_cancel(t1), SNOW_ENOENT); /* already fired */
    ck_assert_snow_err(snow_receive(60, &m), SNOW_ETIMEDOUT); /* cancelled one never comes */
    ck_assert_snow_err(snow_timer_cancel(0), SNOW_ENOENT);
    ck_assert_snow_err(snow_send_after(snow_self(), a, -1, NULL), SNOW_EINVAL);
    rt_ok();
}

START_TEST(send_after_and_cancel)
{
    rt_start(2);
    rt_run(body_send_after, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

static void body_many_timeouts(const snow_term *arg)
{
    int64_t ms;
    ck_assert_snow_ok(snow_term_int(arg, &ms));
    snow_term *m;
    int64_t t0 = now_ms();
    int rc = snow_receive(ms, &m);
    if (rc != SNOW_ETIMEDOUT || now_ms() - t0 < ms)
        snow_exit(snow_atom("early"));
    rt_ok();
}

START_TEST(many_concurrent_timeouts)
{
    rt_start(2);
    enum { N = 2000 };
    static snow_pid pids[N];
    for (int i = 0; i < N; i++) {
        snow_term *a = snow_int(1 + i % 40);
        ck_assert_snow_ok(snow_spawn(body_many_timeouts, a, &pids[i]));
        snow_term_release(a);
    }
    for (int i = 0; i < N; i++) {
        snow_term *r;
        ck_assert_snow_ok(snow_join(pids[i], 20000, &r));
        RT_CHECK(snow_term_is_atom(r, "ok"));
    }
    rt_stop();
}
END_TEST

static void body_message_before_timeout(const snow_term *arg)
{
    (void)arg;
    snow_term *x = snow_int(1);
    /* A message arriving during a long wait ends it at once; the stale
     * timer must not disturb the next, short wait. */
    ck_assert_snow_ok(snow_send_after(snow_self(), x, 10, NULL));
    int64_t t0 = now_ms();
    snow_term *m = rt_recv(60000);
    ck_assert_int_lt(now_ms() - t0, 5000);
    snow_term_release(m);
    ck_assert_snow_err(snow_receive(20, &m), SNOW_ETIMEDOUT);
    rt_ok();
}

START_TEST(message_beats_timeout)
{
    rt_start(1);
    rt_run(body_message_before_timeout, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

static void body_wait_msg_ok(const snow_term *arg)
{
    (void)arg;
    snow_term *m = rt_recv(5000);
    if (!snow_term_is_atom(m, "tick"))
        snow_exit(snow_atom("wrong"));
    rt_ok();
}

START_TEST(send_after_from_plain_thread)
{
    rt_start(2);
    snow_pid pid;
    ck_assert_snow_ok(snow_spawn(body_wait_msg_ok, NULL, &pid));
    snow_term *x = snow_atom("tick");
    ck_assert_snow_ok(snow_send_after(pid, x, 20, NULL));
    snow_term *r;
    ck_assert_snow_ok(snow_join(pid, 10000, &r));
    ck_assert(snow_term_is_atom(r, "ok"));
    rt_stop();
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("timer");
    struct {
        const char *name;
        const TTest *fn;
    } cases[] = {
        {"receive_timeout_fires", receive_timeout_fires},
        {"receive_zero_polls", receive_zero_polls},
        {"sleep_keeps_messages", sleep_keeps_messages},
        {"send_after_and_cancel", send_after_and_cancel},
        {"many_concurrent_timeouts", many_concurrent_timeouts},
        {"message_beats_timeout", message_beats_timeout},
        {"send_after_from_plain_thread", send_after_from_plain_thread},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}
