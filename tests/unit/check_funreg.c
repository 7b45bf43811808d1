/* SPDX-License-Identifier: MIT */
/* Tests for the function registry and spawning by name on the local node. */
#include <stdio.h>
#include <string.h>

#include <snow/node.h>
#include <snow/spawn.h>

#include "rt_util.h"
#include "snow_check.h"

static void fn_a(const snow_term *arg) { (void)arg; }
static void fn_b(const snow_term *arg) { (void)arg; }

/* Exits with the atom it is given (or `none`). */
static void fn_exit_with(const snow_term *arg)
{
    snow_exit(snow_term_type(arg) == SNOW_T_ATOM ? snow_term_ref((snow_term *)arg)
                                                 : snow_atom("none"));
}

SNOW_FUNCTION(ctor, "test.ctor", fn_a)

START_TEST(register_lookup_unregister)
{
    snow_proc_fn fn = NULL;
    ck_assert_snow_ok(snow_function_register("t.one", fn_a));
    ck_assert_snow_ok(snow_function_lookup("t.one", &fn));
    ck_assert_ptr_eq((void *)fn, (void *)fn_a);
    ck_assert_snow_err(snow_function_unregister("t.one", fn_b), SNOW_ENOENT); /* not its fn */
    ck_assert_snow_ok(snow_function_unregister("t.one", fn_a));
    ck_assert_snow_err(snow_function_lookup("t.one", &fn), SNOW_ENOENT);
    ck_assert_snow_err(snow_function_unregister("t.one", NULL), SNOW_ENOENT);
}
END_TEST

START_TEST(duplicate_name_is_eexist)
{
    ck_assert_snow_ok(snow_function_register("t.dup", fn_a));
    ck_assert_snow_err(snow_function_register("t.dup", fn_b), SNOW_EEXIST);
    ck_assert_snow_err(snow_function_register("t.dup", fn_a), SNOW_EEXIST);
    snow_proc_fn fn = NULL;
    ck_assert_snow_ok(snow_function_lookup("t.dup", &fn));
    ck_assert_ptr_eq((void *)fn, (void *)fn_a); /* the first one stays */
    unsigned before = snow_function_load_errors();
    ck_assert_snow_err(snow_function_register_at_load("t.dup", fn_b, __FILE__, __LINE__),
                       SNOW_EEXIST);
    ck_assert_uint_eq(snow_function_load_errors(), before + 1);
    ck_assert_snow_ok(snow_function_unregister("t.dup", NULL));
}
END_TEST

START_TEST(bad_names_are_einval)
{
    char longname[SNOW_FUNCTION_NAME_MAX + 2];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    ck_assert_snow_err(snow_function_register(NULL, fn_a), SNOW_EINVAL);
    ck_assert_snow_err(snow_function_register("", fn_a), SNOW_EINVAL);
    ck_assert_snow_err(snow_function_register("has space", fn_a), SNOW_EINVAL);
    ck_assert_snow_err(snow_function_register("tab\tname", fn_a), SNOW_EINVAL);
    ck_assert_snow_err(snow_function_register(longname, fn_a), SNOW_EINVAL);
    ck_assert_snow_err(snow_function_register("t.nofn", NULL), SNOW_EINVAL);
    longname[SNOW_FUNCTION_NAME_MAX] = '\0'; /* exactly the maximum: fine */
    ck_assert_snow_ok(snow_function_register(longname, fn_a));
    ck_assert_snow_ok(snow_function_unregister(longname, fn_a));
}
END_TEST

START_TEST(load_time_macro_registers)
{
    snow_proc_fn fn = NULL;
    ck_assert_snow_ok(snow_function_lookup("test.ctor", &fn));
    ck_assert_ptr_eq((void *)fn, (void *)fn_a);
}
END_TEST

START_TEST(many_names_stay_distinct)
{
    size_t base = snow_function_count();
    char name[64];
    for (int i = 0; i < 10000; i++) {
        snprintf(name, sizeof name, "many.%d", i);
        ck_assert_snow_ok(snow_function_register(name, (i & 1) ? fn_a : fn_b));
    }
    ck_assert_uint_eq(snow_function_count(), base + 10000);
    for (int i = 0; i < 10000; i++) {
        snow_proc_fn fn;
        snprintf(name, sizeof name, "many.%d", i);
        ck_assert_snow_ok(snow_function_lookup(name, &fn));
        ck_assert_ptr_eq((void *)fn, (void *)((i & 1) ? fn_a : fn_b));
        ck_assert_snow_ok(snow_function_unregister(name, NULL));
    }
    ck_assert_uint_eq(snow_function_count(), base);
}
END_TEST

START_TEST(local_spawn_by_name)
{
    rt_start(2);
    ck_assert_snow_ok(snow_function_register("t.exit_with", fn_exit_with));
    snow_pid pid;
    snow_term *why = snow_atom("done");
    ck_assert_snow_ok(snow_node_spawn(NULL, "t.exit_with", why, &pid));
    ck_assert(snow_pid_is_local(pid));
    snow_term *reason = NULL;
    ck_assert_snow_ok(snow_join(pid, 5000, &reason));
    ck_assert(snow_term_is_atom(reason, "done"));
    snow_term_release(reason);
    ck_assert_snow_ok(snow_function_unregister("t.exit_with", NULL));
    rt_stop();
}
END_TEST

START_TEST(local_errors)
{
    rt_start(1);
    snow_pid pid = SNOW_PID_NONE;
    ck_assert_snow_err(snow_node_spawn(NULL, "t.missing", NULL, &pid), SNOW_ENOFUNC);
    ck_assert_ptr_nonnull(strstr(snow_node_last_error(), "t.missing"));
    ck_assert_snow_err(snow_node_spawn(NULL, "bad name", NULL, &pid), SNOW_EINVAL);
    ck_assert_snow_err(snow_node_spawn(NULL, "test.ctor", NULL, NULL), SNOW_EINVAL);
    /* a node name while this runtime is not distributed: not connected */
    ck_assert_snow_err(snow_node_spawn("b@127.0.0.1", "test.ctor", NULL, &pid), SNOW_ENOCONN);
    ck_assert_ptr_nonnull(strstr(snow_node_last_error(), "b@127.0.0.1"));
    /* a link needs a process to link to */
    ck_assert_snow_err(snow_node_spawn_link(NULL, "test.ctor", NULL, &pid), SNOW_ENOTPROC);
    ck_assert_uint_eq(snow_process_count(), 0);
    rt_stop();
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("funreg");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"register", register_lookup_unregister},
        {"duplicate", duplicate_name_is_eexist},
        {"bad_names", bad_names_are_einval},
        {"load_time_macro", load_time_macro_registers},
        {"many_names", many_names_stay_distinct},
        {"local_spawn", local_spawn_by_name},
        {"local_errors", local_errors},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
