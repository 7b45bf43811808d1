/* SPDX-License-Identifier: MIT */
/* Tests for node name parsing and the cookie file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cookie.h"
#include "node_name.h"
#include "snow_check.h"

START_TEST(parses_name_host_port)
{
    struct sk_node_name n;
    char err[256];
    ck_assert_snow_ok(sk_node_name_parse("a@127.0.0.1:4370", &n, err, sizeof err));
    ck_assert_str_eq(n.alive, "a");
    ck_assert_str_eq(n.host, "127.0.0.1");
    ck_assert_str_eq(n.full, "a@127.0.0.1");
    ck_assert_uint_eq(n.port, 4370);
    ck_assert_snow_ok(sk_node_name_parse("worker-1.x@localhost", &n, err, sizeof err));
    ck_assert_str_eq(n.full, "worker-1.x@localhost");
    ck_assert_uint_eq(n.port, 0);
    ck_assert_snow_ok(sk_node_name_parse("b@[::1]:9", &n, err, sizeof err));
    ck_assert_str_eq(n.host, "[::1]");
    ck_assert_uint_eq(n.port, 9);
}
END_TEST

static void expect_bad(const char *text, const char *fragment)
{
    struct sk_node_name n;
    char err[256] = "";
    ck_assert_snow_err(sk_node_name_parse(text, &n, err, sizeof err), SNOW_EINVAL);
    ck_assert_msg(strstr(err, fragment) != NULL, "error for \"%s\" was \"%s\", wanted \"%s\"",
                  text, err, fragment);
}

START_TEST(rejects_bad_names_with_reason)
{
    expect_bad("nohost", "missing '@'");
    expect_bad("@host", "empty name");
    expect_bad("a@", "empty host");
    expect_bad("a b@host", "letters, digits");
    expect_bad("a@ho st", "bad character in host");
    expect_bad("a@host:0", "1..65535");
    expect_bad("a@host:70000", "1..65535");
    expect_bad("a@host:x", "port must be a number");
    expect_bad("a@[::1", "lacks ']'");
    char longname[100];
    memset(longname, 'x', 80);
    strcpy(longname + 80, "@h");
    expect_bad(longname, "longer than 64");
}
END_TEST

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/snow-cookie-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

START_TEST(cookie_given_is_used)
{
    char out[SK_COOKIE_MAX + 1], err[256];
    ck_assert_snow_ok(sk_cookie_load("secret", NULL, out, err, sizeof err));
    ck_assert_str_eq(out, "secret");
    ck_assert_snow_err(sk_cookie_load("", NULL, out, err, sizeof err), SNOW_ECONFIG);
    ck_assert_snow_err(sk_cookie_load("a\nb", NULL, out, err, sizeof err), SNOW_ECONFIG);
}
END_TEST

START_TEST(cookie_file_created_0400_then_reused)
{
    make_tmpdir();
    char path[128], out[SK_COOKIE_MAX + 1], again[SK_COOKIE_MAX + 1], err[256];
    snprintf(path, sizeof path, "%s/.snow.cookie", tmpdir);
    ck_assert_snow_ok(sk_cookie_load(NULL, path, out, err, sizeof err));
    ck_assert_uint_eq(strlen(out), 64);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0400);
    ck_assert_snow_ok(sk_cookie_load(NULL, path, again, err, sizeof err));
    ck_assert_str_eq(out, again);
    unlink(path);
    rmdir(tmpdir);
}
END_TEST

START_TEST(cookie_file_readable_by_others_is_refused)
{
    make_tmpdir();
    char path[128], out[SK_COOKIE_MAX + 1], err[256] = "";
    snprintf(path, sizeof path, "%s/.snow.cookie", tmpdir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("opencookie\n", f);
    fclose(f);
    chmod(path, 0644);
    ck_assert_snow_err(sk_cookie_load(NULL, path, out, err, sizeof err), SNOW_ECONFIG);
    ck_assert_msg(strstr(err, "chmod 400") != NULL, "err: %s", err);
    chmod(path, 0600);
    ck_assert_snow_ok(sk_cookie_load(NULL, path, out, err, sizeof err));
    ck_assert_str_eq(out, "opencookie");
    unlink(path);
    rmdir(tmpdir);
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("node_name");
    TCase *tc = tcase_create("names");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, parses_name_host_port);
    tcase_add_test(tc, rejects_bad_names_with_reason);
    suite_add_tcase(s, tc);
    tc = tcase_create("cookie");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, cookie_given_is_used);
    tcase_add_test(tc, cookie_file_created_0400_then_reused);
    tcase_add_test(tc, cookie_file_readable_by_others_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
