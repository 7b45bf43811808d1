/* SPDX-License-Identifier: MIT */
/* Tests for supervisors: strategies, restart types, intensity, ordering, nesting. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sup_testlib.h"

/* One scheduler: processes run in spawn order, so start order is visible. */
static void setup(void)
{
    struct snow_init_opts o = { .size = sizeof o, .schedulers = 1 };
    ck_assert_snow_ok(snow_init(&o));
}

static void setup_smp(void)
{
    struct snow_init_opts o = { .size = sizeof o, .schedulers = 2 };
    ck_assert_snow_ok(snow_init(&o));
}

static void teardown(void)
{
    ck_assert_snow_ok(snow_shutdown());
}

/* ---- specs ---- */

START_TEST(spec_validation)
{
    snow_pid sup;
    struct snow_sup_flags f = flags(SNOW_SUP_ONE_FOR_ONE, 0);
    struct snow_child_spec s = spec("a", MODE_PLAIN, SNOW_SUP_PERMANENT);

    ck_assert_snow_err(snow_supervisor_start(&f, &s, 1, NULL), SNOW_EINVAL);
    ck_assert_snow_err(snow_supervisor_start(&f, NULL, 1, &sup), SNOW_EINVAL);
    struct snow_sup_flags bad = f;
    bad.strategy = (enum snow_sup_strategy)7;
    ck_assert_snow_err(snow_supervisor_start(&bad, &s, 1, &sup), SNOW_EINVAL);
    bad = f;
    bad.size = 0;
    ck_assert_snow_err(snow_supervisor_start(&bad, &s, 1, &sup), SNOW_EINVAL);
    bad = f;
    bad.max_restarts = -5;
    ck_assert_snow_err(snow_supervisor_start(&bad, &s, 1, &sup), SNOW_EINVAL);

    struct snow_child_spec t = s;
    t.id = NULL;
    ck_assert_snow_err(snow_supervisor_start(&f, &t, 1, &sup), SNOW_EINVAL);
    t = s;
    t.id = "";
    ck_assert_snow_err(snow_supervisor_start(&f, &t, 1, &sup), SNOW_EINVAL);
    t = s;
    t.start = NULL;
    ck_assert_snow_err(snow_supervisor_start(&f, &t, 1, &sup), SNOW_EINVAL);
    t = s;
    t.start_name = "worker";      /* both ways at once */
    ck_assert_snow_err(snow_supervisor_start(&f, &t, 1, &sup), SNOW_EINVAL);
    t = s;
    t.shutdown_ms = -7;
    ck_assert_snow_err(snow_supervisor_start(&f, &t, 1, &sup), SNOW_EINVAL);
    t = s;
    t.restart = (enum snow_sup_restart)9;
    ck_assert_snow_err(snow_supervisor_start(&f, &t, 1, &sup), SNOW_EINVAL);
    t = s;
    t.size = 8;
    ck_assert_snow_err(snow_supervisor_start(&f, &t, 1, &sup), SNOW_EINVAL);

    /* Reserved for remote children (CLUST-05). */
    t = s;
    t.node = "b@127.0.0.1:4370";
    ck_assert_snow_err(snow_supervisor_start(&f, &t, 1, &sup), SNOW_ENOTSUP);
    t = s;
    t.start = NULL;
    t.start_name = "worker";
    ck_assert_snow_err(snow_supervisor_start(&f, &t, 1, &sup), SNOW_ENOTSUP);

    struct snow_child_spec two[2] = { s, s };
    ck_assert_snow_err(snow_supervisor_start(&f, two, 2, &sup), SNOW_EINVAL);
    ck_assert_uint_eq(ev_count(), 0);   /* nothing was started */

    ck_assert_snow_err(snow_supervisor_stop(SNOW_PID_NONE), SNOW_EINVAL);
    ck_assert_snow_err(snow_supervisor_which_children(SNOW_PID_NONE, NULL), SNOW_EINVAL);
    spec_free(&s, 1);
}
END_TEST

START_TEST(spec_older_struct_size)
{
    /* A caller built against the first header version: fields after
     * `start_name` absent, so defaults apply (permanent worker, no arg). */
    struct snow_child_spec s = { .size = offsetof(struct snow_child_spec, arg), .id = "a",
                                 .start = worker, .arg = (snow_term *)1 };
    snow_term *t = NULL;
    ck_assert_snow_ok(snow_supervisor_spec(NULL, &s, 1, &t));
    ck_assert(snow_term_is_tuple_tagged(t, 5, "$sup_spec"));
    snow_term_release(t);
}
END_TEST

/* ---- ordering ---- */

START_TEST(start_in_order_stop_in_reverse)
{
    snow_pid sup = start3(SNOW_SUP_ONE_FOR_ONE, MODE_TRAP, 0);
    size_t base = ev_count();
    ck_assert_snow_ok(snow_supervisor_stop(sup));
    ck_assert_events(base, 3, "stop:c stop:b stop:a");
    ck_assert_snow_err(snow_supervisor_stop(sup), SNOW_ENOPROC);
    ck_assert_snow_err(snow_supervisor_terminate_child(sup, "a"), SNOW_ENOPROC);
}
END_TEST

START_TEST(which_children_lists_in_order)
{
    snow_pid sup = start3(SNOW_SUP_ONE_FOR_ONE, MODE_PLAIN, 0);
    snow_term *list = NULL;
    ck_assert_snow_ok(snow_supervisor_which_children(sup, &list));
    size_t n = 0;
    ck_assert_snow_ok(snow_term_size(list, &n));
    ck_assert_uint_eq(n, 3);
    const char *ids[] = { "a", "b", "c" };
    for (size_t i = 0; i < n; i++) {
        const snow_term *e, *f;
        const char *s;
        size_t len;
        snow_pid pid;
        ck_assert_snow_ok(snow_term_elem(list, i, &e));
        ck_assert_snow_ok(snow_term_elem(e, 0, &f));
        ck_assert_snow_ok(snow_term_string(f, &s, &len));
        ck_assert_uint_eq(len, 1);
        ck_assert_int_eq(s[0], ids[i][0]);
        ck_assert_snow_ok(snow_term_elem(e, 1, &f));
        ck_assert_snow_ok(snow_term_pid(f, &pid));
        ck_assert_snow_ok(snow_term_elem(e, 2, &f));
        ck_assert(snow_term_is_atom(f, "worker"));
        ck_assert_snow_ok(snow_term_elem(e, 3, &f));
        ck_assert(snow_term_is_atom(f, "permanent"));
    }
    snow_term_release(list);
    ck_assert_snow_ok(snow_supervisor_stop(sup));
}
END_TEST

/* ---- strategies ---- */

START_TEST(one_for_one_restarts_only_the_child)
{
    snow_pid sup = start3(SNOW_SUP_ONE_FOR_ONE, MODE_TRAP, 5);
    snow_pid a = child(sup, "a"), b = child(sup, "b"), c = child(sup, "c");
    size_t base = ev_count();
    send_atom(b, "crash");
    ck_assert_events(base, 1, "start:b");
    ck_assert_uint_eq(child(sup, "a"), a);
    ck_assert_uint_ne(child(sup, "b"), b);
    ck_assert_uint_eq(child(sup, "c"), c);
    ck_assert_snow_ok(snow_supervisor_stop(sup));
}
END_TEST

START_TEST(one_for_all_restarts_everyone)
{
    snow_pid sup = start3(SNOW_SUP_ONE_FOR_ALL, MODE_TRAP, 5);
    snow_pid a = child(sup, "a"), c = child(sup, "c");
    size_t base = ev_count();
    send_atom(child(sup, "b"), "crash");
    /* The others stop in reverse order, then all start in order. */
    ck_assert_events(base, 5, "stop:c stop:a start:a start:b start:c");
    ck_assert_uint_ne(child(sup, "a"), a);
    ck_assert_uint_ne(child(sup, "c"), c);
    ck_assert_snow_ok(snow_supervisor_stop(sup));
}
END_TEST

START_TEST(rest_for_one_restarts_the_rest)
{
    snow_pid sup = start3(SNOW_SUP_REST_FOR_ONE, MODE_TRAP, 5);
    snow_pid a = child(sup, "a");
    size_t base = ev_count();
    send_atom(child(sup, "b"), "crash");
    ck_assert_events(base, 3, "stop:c start:b start:c");
    ck_assert_uint_eq(child(sup, "a"), a);

    /* The last child's crash restarts only itself. */
    base = ev_count();
    send_atom(child(sup, "c"), "crash");
    ck_assert_events(base, 1, "start:c");
    ck_assert_uint_eq(child(sup, "a"), a);
    ck_assert_snow_ok(snow_supervisor_stop(sup));
}
END_TEST

/* ---- restart types ---- */

START_TEST(restart_types)
{
    struct snow_child_spec s[4] = { spec("perm", MODE_PLAIN, SNOW_SUP_PERMANENT),
                                    spec("trans", MODE_PLAIN, SNOW_SUP_TRANSIENT),
                                    spec("temp", MODE_PLAIN, SNOW_SUP_TEMPORARY),
                                    spec("trans2", MODE_PLAIN, SNOW_SUP_TRANSIENT) };
    struct snow_sup_flags f = flags(SNOW_SUP_ONE_FOR_ONE, 10);
    snow_pid sup;
    ck_assert_snow_ok(snow_supervisor_start(&f, s, 4, &sup));
    spec_free(s, 4);
    ck_assert(ev_wait(4));

    /* permanent: restarted even after a normal exit */
    size_t base = ev_count();
    send_atom(child(sup, "perm"), "stop");
    ck_assert_events(base, 1, "start:perm");

    /* transient: restarted after a crash ... */
    base = ev_count();
    send_atom(child(sup, "trans"), "crash");
    ck_assert_events(base, 1, "start:trans");

    /* ... not after a normal exit: the spec stays, with no pid */
    send_atom(child(sup, "trans"), "stop");
    await_child_rc(sup, "trans", SNOW_ESTATE);
    /* transient exiting with `shutdown` from outside: not restarted either */
    ck_assert_snow_ok(snow_kill(child(sup, "trans2"), snow_atom("shutdown")));
    await_child_rc(sup, "trans2", SNOW_ESTATE);

    /* temporary: never restarted, and its spec is dropped */
    send_atom(child(sup, "temp"), "crash");
    await_child_rc(sup, "temp", SNOW_ENOENT);

    ck_assert_uint_eq(ev_count(), base + 1);  /* nothing else was started */
    ck_assert_snow_ok(snow_supervisor_stop(sup));
}
END_TEST

/* ---- intensity ---- */

START_TEST(intensity_exceeded_shuts_down)
{
    snow_pid sup = start3(SNOW_SUP_ONE_FOR_ONE, MODE_TRAP, 2);
    for (int i = 0; i < 2; i++) {
        size_t base = ev_count();
        send_atom(child(sup, "a"), "crash");
        ck_assert_events(base, 1, "start:a");
    }
    /* The third restart in the period is one too many: the supervisor
     * stops the others in reverse order and exits with `shutdown`. */
    size_t base = ev_count();
    snow_pid w = watch(sup);
    send_atom(child(sup, "a"), "crash");
    join_reason(w, "shutdown");
    ck_assert_events(base, 2, "stop:c stop:b");
}
END_TEST

/* Lets `ms` pass. Not synchronisation: the test is about a time window. */
static void let_time_pass(int64_t ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 <= ms);
}

START_TEST(intensity_period_expires)
{
    /* One restart per 5 ms: restarts further apart never exceed it. */
    struct snow_child_spec s[1] = { spec("a", MODE_PLAIN, SNOW_SUP_PERMANENT) };
    struct snow_sup_flags f = { .size = sizeof f, .strategy = SNOW_SUP_ONE_FOR_ONE,
                                .max_restarts = 1, .period_ms = 5 };
    snow_pid sup;
    ck_assert_snow_ok(snow_supervisor_start(&f, s, 1, &sup));
    spec_free(s, 1);
    ck_assert(ev_wait(1));
    for (int i = 0; i < 3; i++) {
        size_t base = ev_count();
        send_atom(child(sup, "a"), "crash");
        ck_assert_events(base, 1, "start:a");
        let_time_pass(6);
    }
    ck_assert_snow_ok(snow_supervisor_stop(sup));
}
END_TEST

START_TEST(no_restarts_allowed)
{
    snow_pid sup = start3(SNOW_SUP_ONE_FOR_ONE, MODE_TRAP, SNOW_SUP_NO_RESTARTS);
    size_t base = ev_count();
    snow_pid w = watch(sup);
    send_atom(child(sup, "b"), "crash");
    join_reason(w, "shutdown");
    ck_assert_events(base, 2, "stop:c stop:a");
}
END_TEST

/* ---- shutdown ---- */

START_TEST(shutdown_timeout_then_kill)
{
    struct snow_child_spec s[2] = { spec("slow", MODE_STUBBORN, SNOW_SUP_PERMANENT),
                                    spec("brutal", MODE_TRAP, SNOW_SUP_PERMANENT) };
    s[0].shutdown_ms = 50;
    s[1].shutdown_ms = SNOW_SUP_BRUTAL_KILL;
    struct snow_sup_flags f = flags(SNOW_SUP_ONE_FOR_ONE, 0);
    snow_pid sup;
    ck_assert_snow_ok(snow_supervisor_start(&f, s, 2, &sup));
    spec_free(s, 2);
    ck_assert(ev_wait(2));
    snow_pid slow = watch(child(sup, "slow")), brutal = watch(child(sup, "brutal"));
    size_t base = ev_count();
    ck_assert_snow_ok(snow_supervisor_stop(sup));
    /* brutal got `kill` (untrappable: no log line), slow ignored `shutdown`
     * and was killed after its 50 ms. */
    ck_assert_events(base, 1, "ignore:slow");
    join_reason(brutal, "killed");
    join_reason(slow, "killed");
}
END_TEST

/* ---- parents ---- */

static snow_pid linked_sup;        /* written by the driver before ev "linked" */

static void driver_start_link(const snow_term *arg)
{
    struct snow_child_spec s[2] = { spec("a", MODE_TRAP, SNOW_SUP_PERMANENT),
                                    spec("b", MODE_TRAP, SNOW_SUP_PERMANENT) };
    struct snow_sup_flags f = flags(SNOW_SUP_ONE_FOR_ONE, 0);
    ck_assert_snow_ok(snow_supervisor_start_link(&f, s, 2, &linked_sup));
    spec_free(s, 2);
    /* Calls from a process work as from a plain thread. */
    snow_term *list = NULL;
    size_t n = 0;
    ck_assert_snow_ok(snow_supervisor_which_children(linked_sup, &list));
    ck_assert_snow_ok(snow_term_size(list, &n));
    ck_assert_uint_eq(n, 2);
    snow_term_release(list);
    ev_add("linked", "driver");
    snow_term *go = NULL;
    ck_assert_snow_ok(snow_receive(SNOW_INFINITY, &go));
    snow_term_release(go);
    snow_exit(snow_atom("boom"));
}

START_TEST(parent_exit_stops_supervisor)
{
    snow_pid drv, sup;
    struct snow_sup_flags f = flags(SNOW_SUP_ONE_FOR_ONE, 0);
    ck_assert_snow_err(snow_supervisor_start_link(&f, NULL, 0, &sup), SNOW_ENOTPROC);

    ck_assert_snow_ok(snow_spawn(driver_start_link, NULL, &drv));
    ck_assert(ev_wait(3));
    snow_pid w = watch(linked_sup);
    send_atom(drv, "go");
    ck_assert_snow_ok(snow_join(drv, WAIT_MS, NULL));
    join_reason(w, "boom");
    ck_assert_events(0, 5, "start:a start:b linked:driver stop:b stop:a");
}
END_TEST

START_TEST(foreign_exit_signals_ignored)
{
    snow_pid sup = start3(SNOW_SUP_ONE_FOR_ONE, MODE_TRAP, 0);
    /* Not its parent: trapped and ignored, as OTP does. */
    ck_assert_snow_ok(snow_kill(sup, snow_atom("shutdown")));
    snow_term *list = NULL;
    ck_assert_snow_ok(snow_supervisor_which_children(sup, &list));
    snow_term_release(list);
    ck_assert_uint_eq(ev_count(), 3);
    ck_assert_snow_ok(snow_supervisor_stop(sup));
    ck_assert(ev_wait(6));
}
END_TEST

START_TEST(killed_supervisor_frees_its_state)
{
    /* `kill` cannot be trapped: the supervisor dies at once, and its exit
     * hook frees the child table (LeakSanitizer checks it under ASan). */
    snow_pid sup = start3(SNOW_SUP_ONE_FOR_ONE, MODE_TRAP, 0);
    snow_pid w = watch(sup);
    ck_assert_snow_ok(snow_kill(sup, snow_atom("kill")));
    join_reason(w, "killed");
}
END_TEST

/* ---- nesting ---- */

static snow_pid start_nested(void)
{
    struct snow_child_spec inner[2] = { spec("x", MODE_TRAP, SNOW_SUP_PERMANENT),
                                        spec("y", MODE_TRAP, SNOW_SUP_PERMANENT) };
    struct snow_sup_flags fi = flags(SNOW_SUP_ONE_FOR_ONE, 1);
    snow_term *sub_spec = NULL;
    ck_assert_snow_ok(snow_supervisor_spec(&fi, inner, 2, &sub_spec));
    spec_free(inner, 2);

    struct snow_child_spec outer[3] = {
        spec("a", MODE_TRAP, SNOW_SUP_PERMANENT),
        { .size = sizeof outer[1], .id = "sub", .start = snow_supervisor_main, .arg = sub_spec,
          .type = SNOW_SUP_SUPERVISOR },
        spec("b", MODE_TRAP, SNOW_SUP_PERMANENT),
    };
    struct snow_sup_flags fo = flags(SNOW_SUP_ONE_FOR_ONE, 5);
    snow_pid sup;
    ck_assert_snow_ok(snow_supervisor_start(&fo, outer, 3, &sup));
    spec_free(outer, 3);
    /* The sub-supervisor's children are up before the next sibling starts. */
    ck_assert_events(0, 4, "start:a start:x start:y start:b");
    return sup;
}

START_TEST(nested_start_and_stop_order)
{
    snow_pid sup = start_nested();
    snow_term *list = NULL;
    const snow_term *e, *f;
    ck_assert_snow_ok(snow_supervisor_which_children(sup, &list));
    ck_assert_snow_ok(snow_term_elem(list, 1, &e));
    ck_assert_snow_ok(snow_term_elem(e, 2, &f));
    ck_assert(snow_term_is_atom(f, "supervisor"));
    snow_term_release(list);

    ck_assert_snow_ok(snow_supervisor_stop(sup));
    ck_assert_events(4, 4, "stop:b stop:y stop:x stop:a");
}
END_TEST

START_TEST(nested_intensity_escalates)
{
    snow_pid sup = start_nested();
    snow_pid sub = child(sup, "sub");
    size_t base = ev_count();
    send_atom(child(sub, "x"), "crash");
    ck_assert_events(base, 1, "start:x");
    /* A second crash exceeds the sub-supervisor's intensity (1): it stops y
     * and exits `shutdown`; the top supervisor restarts it. */
    base = ev_count();
    snow_pid w = watch(sub);
    send_atom(child(sub, "x"), "crash");
    ck_assert_events(base, 3, "stop:y start:x start:y");
    join_reason(w, "shutdown");
    ck_assert_uint_ne(child(sup, "sub"), sub);
    ck_assert_snow_ok(snow_supervisor_stop(sup));
}
END_TEST

START_TEST(failed_start_stops_started_children)
{
    /* The second child is a supervisor with a bad spec: its start fails,
     * so the first child is stopped again and start returns the error. */
    snow_term *junk = snow_int(42);
    struct snow_child_spec s[2] = {
        spec("a", MODE_TRAP, SNOW_SUP_PERMANENT),
        { .size = sizeof s[1], .id = "bad", .start = snow_supervisor_main, .arg = junk,
          .type = SNOW_SUP_SUPERVISOR },
    };
    struct snow_sup_flags f = flags(SNOW_SUP_ONE_FOR_ONE, 0);
    snow_pid sup = SNOW_PID_NONE;
    ck_assert_snow_err(snow_supervisor_start(&f, s, 2, &sup), SNOW_EINVAL);
    ck_assert_uint_eq(sup, SNOW_PID_NONE);
    ck_assert_events(0, 2, "start:a stop:a");

    /* The same through start_child: refused, and not added. */
    ck_assert_snow_ok(snow_supervisor_start(&f, s, 1, &sup));
    ck_assert_events(2, 1, "start:a");
    ck_assert_snow_err(snow_supervisor_start_child(sup, &s[1], NULL), SNOW_EINVAL);
    snow_pid p;
    ck_assert_snow_err(snow_supervisor_child_pid(sup, "bad", &p), SNOW_ENOENT);
    ck_assert_snow_ok(snow_supervisor_stop(sup));
    spec_free(s, 1);
    snow_term_release(junk);
}
END_TEST

/* ---- dynamic children ---- */

START_TEST(dynamic_children)
{
    struct snow_child_spec s[1] = { spec("a", MODE_TRAP, SNOW_SUP_PERMANENT) };
    struct snow_sup_flags f = flags(SNOW_SUP_ONE_FOR_ONE, 0);
    snow_pid sup, d, d2, p;
    ck_assert_snow_ok(snow_supervisor_start(&f, s, 1, &sup));
    spec_free(s, 1);

    struct snow_child_spec sd = spec("d", MODE_TRAP, SNOW_SUP_PERMANENT);
    ck_assert_snow_ok(snow_supervisor_start_child(sup, &sd, &d));
    ck_assert_events(0, 2, "start:a start:d");
    ck_assert_uint_eq(child(sup, "d"), d);
    ck_assert_snow_err(snow_supervisor_start_child(sup, &sd, NULL), SNOW_EEXIST);
    ck_assert_snow_err(snow_supervisor_restart_child(sup, "d", NULL), SNOW_ESTATE);
    ck_assert_snow_err(snow_supervisor_delete_child(sup, "d"), SNOW_ESTATE);

    ck_assert_snow_ok(snow_supervisor_terminate_child(sup, "d"));
    ck_assert_events(2, 1, "stop:d");
    ck_assert_snow_err(snow_supervisor_child_pid(sup, "d", &p), SNOW_ESTATE);
    ck_assert_snow_ok(snow_supervisor_terminate_child(sup, "d"));  /* already stopped */
    ck_assert_snow_ok(snow_supervisor_restart_child(sup, "d", &d2));
    ck_assert_events(3, 1, "start:d");
    ck_assert_uint_ne(d2, d);
    ck_assert_uint_eq(child(sup, "d"), d2);
    ck_assert_snow_ok(snow_supervisor_terminate_child(sup, "d"));
    ck_assert_events(4, 1, "stop:d");
    ck_assert_snow_ok(snow_supervisor_delete_child(sup, "d"));
    ck_assert_snow_err(snow_supervisor_child_pid(sup, "d", &p), SNOW_ENOENT);
    ck_assert_snow_err(snow_supervisor_delete_child(sup, "d"), SNOW_ENOENT);
    ck_assert_snow_err(snow_supervisor_terminate_child(sup, "zzz"), SNOW_ENOENT);
    ck_assert_snow_err(snow_supervisor_restart_child(sup, "zzz", NULL), SNOW_ENOENT);
    ck_assert_snow_err(snow_supervisor_terminate_child(sup, NULL), SNOW_EINVAL);

    struct snow_child_spec bad = sd;
    bad.node = "other@127.0.0.1:1";
    ck_assert_snow_err(snow_supervisor_start_child(sup, &bad, NULL), SNOW_ENOTSUP);

    /* A temporary child's spec goes away when it is terminated. */
    struct snow_child_spec st = spec("t", MODE_TRAP, SNOW_SUP_TEMPORARY);
    ck_assert_snow_ok(snow_supervisor_start_child(sup, &st, NULL));
    ck_assert_events(5, 1, "start:t");
    ck_assert_snow_ok(snow_supervisor_terminate_child(sup, "t"));
    ck_assert_events(6, 1, "stop:t");
    ck_assert_snow_err(snow_supervisor_child_pid(sup, "t", &p), SNOW_ENOENT);

    /* Dynamic children are stopped first. */
    struct snow_child_spec se = spec("e", MODE_TRAP, SNOW_SUP_PERMANENT);
    ck_assert_snow_ok(snow_supervisor_start_child(sup, &sd, NULL));
    ck_assert_snow_ok(snow_supervisor_start_child(sup, &se, NULL));
    ck_assert_events(7, 2, "start:d start:e");
    ck_assert_snow_ok(snow_supervisor_stop(sup));
    ck_assert_events(9, 3, "stop:e stop:d stop:a");
    spec_free(&sd, 1);
    spec_free(&st, 1);
    spec_free(&se, 1);
}
END_TEST

/* ---- concurrency ---- */

START_TEST(many_restarts_on_two_schedulers)
{
    snow_pid sup = start3_opt(SNOW_SUP_ONE_FOR_ONE, MODE_PLAIN, 1000, false);
    for (int i = 0; i < 100; i++) {
        size_t base = ev_count();
        const char *id = i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "c";
        send_atom(child(sup, id), "crash");
        ck_assert(ev_wait(base + 1));
    }
    ck_assert_snow_ok(snow_supervisor_stop(sup));
    ck_assert_uint_eq(ev_count(), 103);
}
END_TEST

static TCase *tcase(Suite *s, const char *name, bool smp)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_checked_fixture(tc, smp ? setup_smp : setup, teardown);
    suite_add_tcase(s, tc);
    return tc;
}

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("supervisor");
    TCase *tc = tcase(s, "spec", false);
    tcase_add_test(tc, spec_validation);
    tcase_add_test(tc, spec_older_struct_size);
    tc = tcase(s, "ordering", false);
    tcase_add_test(tc, start_in_order_stop_in_reverse);
    tcase_add_test(tc, which_children_lists_in_order);
    tc = tcase(s, "one_for_one", false);
    tcase_add_test(tc, one_for_one_restarts_only_the_child);
    tc = tcase(s, "one_for_all", false);
    tcase_add_test(tc, one_for_all_restarts_everyone);
    tc = tcase(s, "rest_for_one", false);
    tcase_add_test(tc, rest_for_one_restarts_the_rest);
    tc = tcase(s, "restart_types", false);
    tcase_add_test(tc, restart_types);
    tc = tcase(s, "intensity", false);
    tcase_add_test(tc, intensity_exceeded_shuts_down);
    tcase_add_test(tc, intensity_period_expires);
    tcase_add_test(tc, no_restarts_allowed);
    tc = tcase(s, "shutdown", false);
    tcase_add_test(tc, shutdown_timeout_then_kill);
    tc = tcase(s, "parent", false);
    tcase_add_test(tc, parent_exit_stops_supervisor);
    tcase_add_test(tc, foreign_exit_signals_ignored);
    tcase_add_test(tc, killed_supervisor_frees_its_state);
    tc = tcase(s, "nesting", false);
    tcase_add_test(tc, nested_start_and_stop_order);
    tcase_add_test(tc, nested_intensity_escalates);
    tcase_add_test(tc, failed_start_stops_started_children);
    tc = tcase(s, "dynamic", false);
    tcase_add_test(tc, dynamic_children);
    tc = tcase(s, "smp", true);
    tcase_add_test(tc, many_restarts_on_two_schedulers);
    return s;
}
