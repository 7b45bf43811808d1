/* SPDX-License-Identifier: MIT */
/* Tests for process stacks: sizes, recycling, the canary fallback. */
#include <stdlib.h>
#include <string.h>

#include "rt_util.h"

static void body_deep(const snow_term *arg)
{
    int64_t kb;
    snow_term_int(arg, &kb);
    /* Touch `kb` KiB of stack: must fit in the process's stack. */
    volatile char buf[48 * 1024];
    memset((char *)buf, 7, (size_t)kb * 1024 < sizeof buf ? (size_t)kb * 1024 : sizeof buf);
    RT_CHECK(buf[0] == 7);
}

START_TEST(default_stack_is_usable)
{
    rt_start(2);
    snow_term *a = snow_int(48);
    /* Many in a row: stacks are recycled through the caches. */
    for (int i = 0; i < 200; i++)
        rt_run(body_deep, a, "normal", 10000);
    snow_term_release(a);
    rt_stop();
}
END_TEST

static void body_overflow_a_little(const snow_term *arg)
{
    (void)arg;
    /* Past the low end of a 64 KiB stack by about 1 KiB: in canary mode
     * this lands in the unused page below the stack and breaks the canary. */
    volatile char buf[64 * 1024 + 1024];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = 0x5a; /* volatile stores: none may be elided */
    snow_sleep(1); /* switch out: the canary is checked here */
    snow_exit(snow_atom("not_detected"));
}

static void body_canary(const snow_term *arg)
{
    (void)arg;
    struct snow_spawn_opts o = {.size = sizeof o, .monitor = true};
    snow_pid b;
    snow_ref r;
    ck_assert_snow_ok(snow_spawn_opt(body_overflow_a_little, NULL, &o, &b, &r));
    snow_term *d = rt_recv(10000);
    ck_assert(snow_term_is_tuple_tagged(d, 4, "down"));
    const snow_term *why;
    snow_term_elem(d, 3, &why);
    const char *wn = "?"; size_t wl = 1; snow_term_atom(why, &wn, &wl);
    ck_assert_msg(snow_term_is_atom(why, "stack_overflow"), "reason %.*s type %d", (int)wl, wn, (int)snow_term_type(why));
    snow_term_release(d);
    rt_ok(); /* the node keeps running */
}

START_TEST(canary_detects_overflow)
{
    /* Forces the fallback used on kernels without MADV_GUARD_INSTALL. */
    setenv("SNOW_STACK_GUARD", "0", 1);
    struct snow_init_opts o = {.size = sizeof o, .schedulers = 1, .stack_size = 64 * 1024};
    ck_assert_snow_ok(snow_init(&o));
    rt_run(body_canary, NULL, "ok", 10000);
    snow_term *a = snow_int(8);
    rt_run(body_deep, a, "normal", 10000);
    snow_term_release(a);
    rt_stop();
    unsetenv("SNOW_STACK_GUARD");
}
END_TEST

static void body_small(const snow_term *arg)
{
    (void)arg;
    volatile char buf[8 * 1024]; /* fits the 16 KiB minimum */
    memset((char *)buf, 1, sizeof buf);
}

static void body_small_stack(const snow_term *arg)
{
    (void)arg;
    struct snow_spawn_opts o = {.size = sizeof o, .stack_size = 1, .monitor = true}; /* rounded up */
    snow_pid b;
    snow_ref r;
    ck_assert_snow_ok(snow_spawn_opt(body_small, NULL, &o, &b, &r));
    rt_expect_down("normal", 10000);
    rt_ok();
}

START_TEST(stack_size_is_rounded)
{
    rt_start(1);
    rt_run(body_small_stack, NULL, "ok", 10000);
    rt_stop();
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("stack");
    struct {
        const char *name;
        const TTest *fn;
    } cases[] = {
        {"default_stack_is_usable", default_stack_is_usable},
        {"canary_detects_overflow", canary_detects_overflow},
        {"stack_size_is_rounded", stack_size_is_rounded},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}
