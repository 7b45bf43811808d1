/* SPDX-License-Identifier: MIT */
/* The real transport and auth plugins pass the kernel's loader: descriptor, option schema, init. */
#include <stdio.h>
#include <string.h>

#include <snow/plugin_host.h>

#include "snow_check.h"

START_TEST(real_plugins_load_with_options)
{
    char err[512] = "";
    int rc = snow_plugins_load_text("transports.list",
                                    "transport transport_tls handshake_timeout=2s\n"
                                    "transport transport_tcp backlog=64\n"
                                    "auth      auth_cookie require_binding=true\n",
                                    err, sizeof err);
    ck_assert_msg(rc == 0, "%s: %s", snow_strerror_name(rc), err);
    ck_assert_uint_eq(snow_plugins_count(), 3);
    const char *name, *kind;
    ck_assert_snow_ok(snow_plugins_info(2, &name, &kind, NULL));
    ck_assert_str_eq(name, "auth_cookie");
    ck_assert_str_eq(kind, "auth");
    ck_assert_snow_ok(snow_plugins_unload());
}
END_TEST

START_TEST(tls_bad_options_name_the_line)
{
    char err[512] = "";
    int rc = snow_plugins_load_text("bad.list", "transport transport_tls cert=/tmp/x.pem\n", err,
                                    sizeof err);
    ck_assert_int_lt(rc, 0);
    ck_assert_msg(strstr(err, "bad.list:1") && strstr(err, "all three"), "%s", err);
    rc = snow_plugins_load_text("bad.list", "transport transport_tcp backlog=0\n", err,
                                sizeof err);
    ck_assert_snow_err(rc, SNOW_ECONFIG);
    rc = snow_plugins_load_text("bad.list", "auth auth_cookie requre_binding=true\n", err,
                                sizeof err);
    ck_assert_snow_err(rc, SNOW_ECONFIG);
    ck_assert_msg(strstr(err, "require_binding") != NULL, "no suggestion: %s", err);
}
END_TEST

START_TEST(describe_lists_options)
{
    char out[4096], err[256];
    int n = snow_plugin_describe("transport_tls.so", out, sizeof out, err, sizeof err);
    ck_assert_msg(n > 0, "%s", err);
    ck_assert_ptr_nonnull(strstr(out, "kind: transport"));
    ck_assert_ptr_nonnull(strstr(out, "option handshake_timeout"));
    ck_assert_ptr_nonnull(strstr(out, "option cert"));
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("plugins_kernel");
    TCase *tc = tcase_create("real_plugins_load_with_options");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, real_plugins_load_with_options);
    suite_add_tcase(s, tc);
    tc = tcase_create("tls_bad_options_name_the_line");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, tls_bad_options_name_the_line);
    suite_add_tcase(s, tc);
    tc = tcase_create("describe_lists_options");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, describe_lists_options);
    suite_add_tcase(s, tc);
    return s;
}
