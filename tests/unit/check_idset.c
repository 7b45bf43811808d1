/* SPDX-License-Identifier: MIT */
/* Tests for the triple hash set behind remote link/monitor tracking. */
#include <stdlib.h>

#include "idset.h"
#include "snow_check.h"

START_TEST(add_remove_has)
{
    struct sk_idset s = {0};
    struct sk_idkey k = {1, 2, 3};
    ck_assert(!sk_idset_has(&s, k));
    ck_assert(!sk_idset_remove(&s, k));
    ck_assert_snow_ok(sk_idset_add(&s, k));
    ck_assert_snow_ok(sk_idset_add(&s, k)); /* again: no duplicate */
    ck_assert_uint_eq(s.used, 1);
    ck_assert(sk_idset_has(&s, k));
    ck_assert(!sk_idset_has(&s, (struct sk_idkey){1, 2, 4}));
    ck_assert(sk_idset_remove(&s, k));
    ck_assert(!sk_idset_remove(&s, k)); /* exactly once */
    sk_idset_free(&s);
}
END_TEST

START_TEST(many_keys_with_churn_take_all)
{
    struct sk_idset s = {0};
    for (uint64_t i = 0; i < 20000; i++)
        ck_assert_snow_ok(sk_idset_add(&s, (struct sk_idkey){i, i * 7, i ^ 5}));
    for (uint64_t i = 0; i < 20000; i += 2)
        ck_assert(sk_idset_remove(&s, (struct sk_idkey){i, i * 7, i ^ 5}));
    /* churn: tombstones must not make the table fill up */
    for (int round = 0; round < 5; round++) {
        for (uint64_t i = 100000; i < 110000; i++)
            ck_assert_snow_ok(sk_idset_add(&s, (struct sk_idkey){i, 0, 0}));
        for (uint64_t i = 100000; i < 110000; i++)
            ck_assert(sk_idset_remove(&s, (struct sk_idkey){i, 0, 0}));
    }
    ck_assert_uint_eq(s.used, 10000);
    size_t n;
    struct sk_idkey *all = sk_idset_take_all(&s, &n);
    ck_assert_uint_eq(n, 10000);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(all[i].a % 2, 1);
        ck_assert_uint_eq(all[i].b, all[i].a * 7);
        sum += all[i].a;
    }
    ck_assert_uint_eq(sum, 10000ull * 10000ull); /* sum of odd numbers below 20000 */
    free(all);
    ck_assert_uint_eq(s.used, 0);
    ck_assert_ptr_null(sk_idset_take_all(&s, &n));
    ck_assert_uint_eq(n, 0);
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("idset");
    TCase *tc = tcase_create("set");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, add_remove_has);
    tcase_add_test(tc, many_keys_with_churn_take_all);
    suite_add_tcase(s, tc);
    return s;
}
