/* SPDX-License-Identifier: MIT */
/* Tests for the mailbox queue: MPSC order under contention, private list. */
#include <pthread.h>
#include <stdlib.h>

#include "mailbox.h"
#include "rt_util.h"

#define PRODUCERS 4
#define PER_PRODUCER 200000

static struct sk_mbox mb;

static void *producer(void *arg)
{
    uintptr_t id = (uintptr_t)arg;
    for (uint64_t i = 0; i < PER_PRODUCER; i++) {
        struct sk_msg *m = sk_msg_new(SK_MSG_DATA, id, NULL);
        if (m == NULL)
            abort();
        m->ref = i;
        sk_mbox_push(&mb, m);
    }
    return NULL;
}

START_TEST(mpsc_keeps_each_producers_order)
{
    sk_mbox_init(&mb);
    pthread_t th[PRODUCERS];
    for (uintptr_t i = 0; i < PRODUCERS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, producer, (void *)i), 0);
    uint64_t next[PRODUCERS] = {0};
    long got = 0;
    while (got < (long)PRODUCERS * PER_PRODUCER) {
        struct sk_msg *m = sk_mbox_pop(&mb, false);
        if (m == NULL)
            continue; /* empty, or a push half-done: poll again */
        RT_CHECK(m->to < PRODUCERS);
        RT_CHECK(m->ref == next[m->to]);
        next[m->to]++;
        got++;
        sk_msg_free(m);
    }
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(th[i], NULL);
    ck_assert_ptr_null(sk_mbox_pop(&mb, true));
    for (int i = 0; i < PRODUCERS; i++)
        ck_assert_uint_eq(next[i], PER_PRODUCER);
}
END_TEST

START_TEST(private_list_take_and_keep)
{
    sk_mbox_init(&mb);
    struct sk_msg *m[4];
    for (int i = 0; i < 4; i++) {
        m[i] = sk_msg_new(SK_MSG_DATA, 1, NULL);
        m[i]->ref = (snow_ref)i;
        sk_mbox_push(&mb, m[i]);
    }
    struct sk_msg *x;
    while ((x = sk_mbox_pop(&mb, true)) != NULL)
        sk_mbox_keep(&mb, x);
    /* Take the middle one (after m[1]), then the first, then the last. */
    ck_assert_ptr_eq(sk_mbox_take(&mb, m[1]), m[2]);
    ck_assert_ptr_eq(sk_mbox_take(&mb, NULL), m[0]);
    ck_assert_ptr_eq(sk_mbox_take(&mb, m[1]), m[3]);
    /* Appending after removing the tail must still work. */
    sk_msg_free(m[0]);
    sk_msg_free(m[2]);
    sk_mbox_keep(&mb, m[3]);
    ck_assert_ptr_eq(sk_mbox_take(&mb, NULL), m[1]);
    ck_assert_ptr_eq(sk_mbox_take(&mb, NULL), m[3]);
    ck_assert_ptr_null(sk_mbox_take(&mb, NULL));
    sk_msg_free(m[1]);
    sk_msg_free(m[3]);
    sk_mbox_clear(&mb);
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("mailbox");
    TCase *tc = tcase_create("mpsc_keeps_each_producers_order");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, mpsc_keeps_each_producers_order);
    suite_add_tcase(s, tc);
    tc = tcase_create("private_list_take_and_keep");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, private_list_take_and_keep);
    suite_add_tcase(s, tc);
    return s;
}
