/* SPDX-License-Identifier: MIT */
/* Shared Check helpers: assertions that print SNOW_E* names, the suite hook. */
#ifndef SNOW_TEST_CHECK_H
#define SNOW_TEST_CHECK_H

#include <check.h>
#include <snow/error.h>
#include <snow/snow.h>

/* Each test binary defines this; tests/lib/runner.c runs it. */
Suite *snow_test_suite(void);

/* Default per-TCase timeout in seconds; Check scales it by
 * CK_TIMEOUT_MULTIPLIER (set higher for sanitizer builds). */
#define SNOW_TEST_TIMEOUT 30

#define ck_assert_snow_ok(expr)                                                  \
    do {                                                                         \
        int ck_rc_ = (expr);                                                     \
        ck_assert_msg(ck_rc_ == 0, "%s returned %s (%s), expected SNOW_OK",      \
                      #expr, snow_strerror_name(ck_rc_), snow_strerror(ck_rc_)); \
    } while (0)

#define ck_assert_snow_err(expr, want)                                           \
    do {                                                                         \
        int ck_rc_ = (expr);                                                     \
        ck_assert_msg(ck_rc_ == (want), "%s returned %s, expected %s", #expr,    \
                      snow_strerror_name(ck_rc_), snow_strerror_name(want));     \
    } while (0)

/* Waits up to ms for pid to exit and requires the reason `ok`. */
#define ck_assert_exits_ok(pid, ms)                                              \
    do {                                                                         \
        snow_term *ck_why_ = NULL;                                               \
        ck_assert_snow_ok(snow_join((pid), (ms), &ck_why_));                     \
        ck_assert_msg(snow_term_is_atom(ck_why_, "ok"), "%s exited, reason not ok", \
                      #pid);                                                     \
        snow_term_release(ck_why_);                                              \
    } while (0)

#endif /* SNOW_TEST_CHECK_H */
