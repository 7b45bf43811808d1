/* SPDX-License-Identifier: MIT */
/* Tests for error codes and snow_strerror. */
#include <string.h>

#include "snow_check.h"

START_TEST(strerror_known_codes)
{
    ck_assert_str_eq(snow_strerror(SNOW_OK), "success");
    ck_assert_str_eq(snow_strerror(SNOW_EABI), "plugin ABI mismatch");
    ck_assert_str_eq(snow_strerror_name(SNOW_EBADTERM), "SNOW_EBADTERM");
    ck_assert_str_eq(snow_strerror_name(SNOW_OK), "SNOW_OK");
}
END_TEST

START_TEST(strerror_unknown_code_is_fixed_text)
{
    ck_assert_str_eq(snow_strerror(-9999), "unknown error code");
    ck_assert_str_eq(snow_strerror(42), "unknown error code");
    ck_assert_str_eq(snow_strerror_name(-9999), "SNOW_E?");
}
END_TEST

START_TEST(codes_are_negative_and_distinct)
{
    static const int codes[] = {
#define CODE_(name, value, text) name,
        SNOW_ERROR_LIST(CODE_)
#undef CODE_
    };
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_lt(codes[i], 0);
        ck_assert_str_ne(snow_strerror(codes[i]), "unknown error code");
        for (size_t j = i + 1; j < n; j++)
            ck_assert_int_ne(codes[i], codes[j]);
    }
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("error");
    TCase *tc = tcase_create("strerror");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, strerror_known_codes);
    tcase_add_test(tc, strerror_unknown_code_is_fixed_text);
    tcase_add_test(tc, codes_are_negative_and_distinct);
    suite_add_tcase(s, tc);
    return s;
}
