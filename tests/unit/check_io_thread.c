/* SPDX-License-Identifier: MIT */
/* Tests for the I/O thread: FIFO job order across threads, sync calls, restart. */
#include <pthread.h>
#include <stdatomic.h>

#include "io_thread.h"
#include "snow_check.h"

#define POSTERS 4
#define PER_POSTER 20000

static int last_seen[POSTERS];
static atomic_int order_errors;
static atomic_int jobs_run;

static void record_job(void *arg)
{
    /* arg encodes (poster, seq); each poster's jobs must run in its order */
    uintptr_t v = (uintptr_t)arg;
    int poster = (int)(v >> 24), seq = (int)(v & 0xffffff);
    if (seq != last_seen[poster] + 1)
        atomic_fetch_add(&order_errors, 1);
    last_seen[poster] = seq;
    ck_assert(sk_io_on_thread());
    atomic_fetch_add(&jobs_run, 1);
}

static void *poster_main(void *arg)
{
    uintptr_t poster = (uintptr_t)arg;
    for (int seq = 1; seq <= PER_POSTER; seq++)
        while (sk_io_post(record_job, (void *)((poster << 24) | (uintptr_t)seq)) != 0)
            ; /* ENOMEM only */
    return NULL;
}

static void read_count(void *arg)
{
    *(int *)arg = atomic_load(&jobs_run);
}

START_TEST(jobs_from_many_threads_run_in_order)
{
    ck_assert_snow_ok(sk_io_start());
    ck_assert(!sk_io_on_thread());
    pthread_t t[POSTERS];
    for (uintptr_t i = 0; i < POSTERS; i++)
        pthread_create(&t[i], NULL, poster_main, (void *)i);
    for (int i = 0; i < POSTERS; i++)
        pthread_join(t[i], NULL);
    int seen = 0;
    ck_assert_snow_ok(sk_io_run_sync(read_count, &seen)); /* runs after all posted jobs */
    ck_assert_int_eq(seen, POSTERS * PER_POSTER);
    ck_assert_int_eq(atomic_load(&order_errors), 0);
    sk_io_stop();
    ck_assert(!sk_io_running());
}
END_TEST

static void noop(void *arg)
{
    (void)arg;
}

START_TEST(post_after_stop_is_refused_and_restart_works)
{
    ck_assert_snow_ok(sk_io_start());
    sk_io_stop();
    ck_assert_snow_err(sk_io_post(noop, NULL), SNOW_ECLOSED);
    ck_assert_snow_ok(sk_io_start());
    int seen = -1;
    ck_assert_snow_ok(sk_io_run_sync(read_count, &seen));
    ck_assert_int_ge(seen, 0);
    sk_io_stop();
    sk_io_stop(); /* harmless when stopped */
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("io_thread");
    TCase *tc = tcase_create("jobs");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, jobs_from_many_threads_run_in_order);
    tcase_add_test(tc, post_after_stop_is_refused_and_restart_works);
    suite_add_tcase(s, tc);
    return s;
}
