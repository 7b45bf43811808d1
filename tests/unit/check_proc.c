/* SPDX-License-Identifier: MIT */
/* Tests for processes: spawn, self, send/receive, exit reasons, join. */
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "rt_util.h"

static void body_echo(const snow_term *arg)
{
    (void)arg;
    snow_term *m = rt_recv(5000);
    const snow_term *from, *payload;
    snow_pid to;
    ck_assert_snow_ok(snow_term_elem(m, 0, &from));
    ck_assert_snow_ok(snow_term_elem(m, 1, &payload));
    ck_assert_snow_ok(snow_term_pid(from, &to));
    ck_assert_snow_ok(snow_send(to, payload));
    snow_term_release(m);
}

static void body_ping(const snow_term *arg)
{
    (void)arg;
    snow_pid echo;
    ck_assert_snow_ok(snow_spawn(body_echo, NULL, &echo));
    ck_assert_uint_ne(echo, snow_self());
    snow_term *m = snow_tuple(2, snow_pid_term(snow_self()), snow_string("hello"));
    ck_assert_snow_ok(snow_send(echo, m));
    snow_term_release(m);
    snow_term *r = rt_recv(5000);
    const char *s;
    size_t n;
    ck_assert_snow_ok(snow_term_string(r, &s, &n));
    ck_assert_int_eq((int)n, 5);
    ck_assert(memcmp(s, "hello", 5) == 0);
    snow_term_release(r);
    rt_ok();
}

START_TEST(spawn_send_receive)
{
    rt_start(2);
    rt_run(body_ping, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

static void body_arg(const snow_term *arg)
{
    int64_t v = 0;
    ck_assert_snow_ok(snow_term_int(arg, &v));
    ck_assert_int_eq(v, 42);
    ck_assert_uint_ne(snow_self(), SNOW_PID_NONE);
    ck_assert(snow_pid_is_local(snow_self()));
}

static void body_nil_arg(const snow_term *arg) { ck_assert_int_eq(snow_term_type(arg), SNOW_T_NIL); }

START_TEST(spawn_arg_and_normal_exit)
{
    rt_start(1);
    snow_term *a = snow_int(42);
    rt_run(body_arg, a, "normal", 5000);
    snow_term_release(a);
    rt_run(body_nil_arg, NULL, "normal", 5000);
    rt_stop();
}
END_TEST

static void body_exit_term(const snow_term *arg)
{
    (void)arg;
    snow_term *r = snow_tuple(2, snow_atom("bad"), snow_int(7));
    snow_exit(r);
    ck_abort_msg("snow_exit returned");
}

START_TEST(exit_with_any_term)
{
    rt_start(1);
    snow_pid pid;
    ck_assert_snow_ok(snow_spawn(body_exit_term, NULL, &pid));
    snow_term *reason = NULL;
    ck_assert_snow_ok(snow_join(pid, 5000, &reason));
    ck_assert(snow_term_is_tuple_tagged(reason, 2, "bad"));
    snow_term_release(reason);
    /* Joined once: the pid is gone now. */
    ck_assert_snow_err(snow_join(pid, 0, NULL), SNOW_ENOPROC);
    rt_stop();
}
END_TEST

static void body_wait_forever(const snow_term *arg)
{
    (void)arg;
    snow_term *m;
    snow_receive(SNOW_INFINITY, &m);
}

START_TEST(join_timeout_then_shutdown_kills)
{
    rt_start(2);
    snow_pid pid;
    ck_assert_snow_ok(snow_spawn(body_wait_forever, NULL, &pid));
    ck_assert_snow_err(snow_join(pid, 20, NULL), SNOW_ETIMEDOUT);
    ck_assert_uint_eq(snow_process_count(), 1);
    rt_stop();
}
END_TEST

START_TEST(plain_thread_calls)
{
    snow_pid pid;
    snow_term *m;
    ck_assert_snow_err(snow_spawn(body_arg, NULL, &pid), SNOW_ESTATE);
    ck_assert_snow_err(snow_shutdown(), SNOW_ESTATE);
    rt_start(1);
    ck_assert_snow_err(snow_init(NULL), SNOW_ESTATE);
    ck_assert_uint_eq(snow_self(), SNOW_PID_NONE);
    ck_assert_snow_err(snow_receive(0, &m), SNOW_ENOTPROC);
    ck_assert_snow_err(snow_exit(NULL), SNOW_ENOTPROC);
    ck_assert_snow_err(snow_sleep(1), SNOW_ENOTPROC);
    ck_assert_snow_err(snow_trap_exit(true, NULL), SNOW_ENOTPROC);
    ck_assert_snow_err(snow_spawn(NULL, NULL, &pid), SNOW_EINVAL);
    ck_assert_snow_err(snow_spawn(body_arg, NULL, NULL), SNOW_EINVAL);
    ck_assert_snow_err(snow_spawn_link(body_arg, NULL, &pid), SNOW_ENOTPROC);
    ck_assert_snow_err(snow_send(SNOW_PID_NONE, snow_nil()), SNOW_EINVAL);
    ck_assert_snow_err(snow_send(pid, NULL), SNOW_EINVAL);
    /* A send to a pid that never existed is dropped, not an error. */
    ck_assert_snow_ok(snow_send((snow_pid)12345, snow_nil()));
    ck_assert_snow_err(snow_join(SNOW_PID_NONE, 0, NULL), SNOW_EINVAL);
    ck_assert_snow_err(snow_join((snow_pid)12345, 0, NULL), SNOW_ENOPROC);
    rt_stop();
    /* Init again after shutdown. */
    struct snow_init_opts bad = {.size = sizeof bad, .schedulers = 100000};
    ck_assert_snow_err(snow_init(&bad), SNOW_EINVAL);
    struct snow_init_opts small = {.size = sizeof small, .stack_size = 100};
    ck_assert_snow_err(snow_init(&small), SNOW_EINVAL);
    rt_start(0);
    rt_stop();
}
END_TEST

static void body_send_to_main_thread_sender(const snow_term *arg)
{
    (void)arg;
    /* Messages sent by a plain thread arrive in order. */
    for (int64_t i = 0; i < 1000; i++) {
        snow_term *m = rt_recv(5000);
        int64_t v;
        ck_assert_snow_ok(snow_term_int(m, &v));
        ck_assert_int_eq(v, i);
        snow_term_release(m);
    }
    rt_ok();
}

START_TEST(plain_thread_sends_in_order)
{
    rt_start(2);
    snow_pid pid;
    ck_assert_snow_ok(snow_spawn(body_send_to_main_thread_sender, NULL, &pid));
    for (int64_t i = 0; i < 1000; i++) {
        snow_term *m = snow_int(i);
        ck_assert_snow_ok(snow_send(pid, m));
        snow_term_release(m);
    }
    ck_assert_exits_ok(pid, 10000);
    rt_stop();
}
END_TEST

static void body_big_stack(const snow_term *arg)
{
    (void)arg;
    /* Uses most of a 256 KiB stack: must not fault. */
    volatile char buf[200 * 1024];
    memset((char *)buf, 1, sizeof buf);
    ck_assert_int_eq(buf[sizeof buf - 1], 1);
}

static void body_spawn_big(const snow_term *arg)
{
    (void)arg;
    struct snow_spawn_opts o = {.size = sizeof o, .stack_size = 256 * 1024, .monitor = true};
    snow_pid pid;
    snow_ref ref;
    ck_assert_snow_ok(snow_spawn_opt(body_big_stack, NULL, &o, &pid, &ref));
    snow_term *d = rt_recv(5000);
    ck_assert(snow_term_is_tuple_tagged(d, 4, "down"));
    const snow_term *r;
    ck_assert_snow_ok(snow_term_elem(d, 3, &r));
    ck_assert(snow_term_is_atom(r, "normal"));
    snow_term_release(d);
    rt_ok();
}

START_TEST(spawn_opt_stack_size)
{
    rt_start(1);
    rt_run(body_spawn_big, NULL, "ok", 5000);
    rt_stop();
}
END_TEST

static void body_quick_exit(const snow_term *arg)
{
    (void)arg;
    snow_exit(snow_atom("early"));
}

START_TEST(join_after_exit_is_race_free)
{
    rt_start(2);
    snow_pid pid;
    ck_assert_snow_ok(snow_spawn(body_quick_exit, NULL, &pid));
    /* Wait (bounded) until it is certainly gone before joining. */
    for (long i = 0; i < 100000000 && snow_process_count() > 0; i++)
        sched_yield();
    ck_assert_uint_eq(snow_process_count(), 0);
    snow_term *reason = NULL;
    ck_assert_snow_ok(snow_join(pid, 0, &reason));
    ck_assert(snow_term_is_atom(reason, "early"));
    ck_assert_snow_err(snow_join(pid, 0, NULL), SNOW_ENOPROC); /* exactly once */
    rt_stop();
}
END_TEST

static void body_busy_sender(const snow_term *arg)
{
    (void)arg;
    snow_pid me = snow_self();
    snow_term *x = snow_atom("x");
    for (;;) {
        /* Never receives: the exit signal is seen at a fairness yield. */
        snow_send(me, x);
        snow_term *m;
        if (snow_receive(0, &m) == 0)
            snow_term_release(m);
    }
}

static void body_kill_busy(const snow_term *arg)
{
    (void)arg;
    struct snow_spawn_opts o = {.size = sizeof o, .monitor = true};
    snow_pid b;
    snow_ref r;
    ck_assert_snow_ok(snow_spawn_opt(body_busy_sender, NULL, &o, &b, &r));
    snow_sleep(5);
    ck_assert_snow_ok(snow_kill(b, snow_atom("stop_it")));
    rt_expect_down("stop_it", 10000);
    rt_ok();
}

START_TEST(busy_process_can_be_killed)
{
    rt_start(1);
    rt_run(body_kill_busy, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

static bool is_even(const snow_term *m, void *ctx)
{
    (void)ctx;
    int64_t v;
    return snow_term_int(m, &v) == 0 && v % 2 == 0;
}

static bool is_atom_go(const snow_term *m, void *ctx)
{
    (void)ctx;
    return snow_term_is_atom(m, "go");
}

static void body_go_later(const snow_term *arg)
{
    snow_pid to;
    snow_term_pid(arg, &to);
    snow_sleep(10);
    snow_send(to, snow_atom("go"));
}

static void body_selective(const snow_term *arg)
{
    (void)arg;
    for (int64_t i = 1; i <= 10; i++) {
        snow_term *t = snow_int(i);
        snow_send(snow_self(), t);
        snow_term_release(t);
    }
    snow_term *m;
    /* The evens come out first, in order... */
    for (int64_t want = 2; want <= 10; want += 2) {
        ck_assert_snow_ok(snow_receive_match(is_even, NULL, 0, &m));
        int64_t v;
        snow_term_int(m, &v);
        ck_assert_int_eq(v, want);
    }
    ck_assert_snow_err(snow_receive_match(is_even, NULL, 0, &m), SNOW_ETIMEDOUT);
    ck_assert_snow_err(snow_receive_match(is_even, NULL, 20, &m), SNOW_ETIMEDOUT);
    /* ...a blocking match waits past the odd ones for a later message... */
    snow_term *me = snow_pid_term(snow_self());
    snow_pid helper;
    ck_assert_snow_ok(snow_spawn(body_go_later, me, &helper));
    snow_term_release(me);
    ck_assert_snow_ok(snow_receive_match(is_atom_go, NULL, 10000, &m));
    ck_assert(snow_term_is_atom(m, "go"));
    /* ...and the skipped ones are still there, in their order. */
    for (int64_t want = 1; want <= 9; want += 2) {
        m = rt_recv(0);
        int64_t v;
        snow_term_int(m, &v);
        ck_assert_int_eq(v, want);
    }
    ck_assert_snow_err(snow_receive(0, &m), SNOW_ETIMEDOUT);
    ck_assert_snow_err(snow_receive_match(is_even, NULL, 0, NULL), SNOW_EINVAL);
    rt_ok();
}

START_TEST(selective_receive_keeps_order)
{
    rt_start(2);
    rt_run(body_selective, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("proc");
    struct {
        const char *name;
        const TTest *fn;
    } cases[] = {
        {"spawn_send_receive", spawn_send_receive},
        {"spawn_arg_and_normal_exit", spawn_arg_and_normal_exit},
        {"exit_with_any_term", exit_with_any_term},
        {"join_timeout_then_shutdown_kills", join_timeout_then_shutdown_kills},
        {"plain_thread_calls", plain_thread_calls},
        {"plain_thread_sends_in_order", plain_thread_sends_in_order},
        {"spawn_opt_stack_size", spawn_opt_stack_size},
        {"join_after_exit_is_race_free", join_after_exit_is_race_free},
        {"selective_receive_keeps_order", selective_receive_keeps_order},
        {"busy_process_can_be_killed", busy_process_can_be_killed},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}
