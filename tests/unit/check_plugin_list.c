/* SPDX-License-Identifier: MIT */
/* Tests for the plugin list parser and the option validation against schemas. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin_list.h"
#include "plugin_opts.h"
#include "snow_check.h"

static char err[512];

START_TEST(parse_full_line)
{
    struct sk_plugin_list l;
    const char *text = "# comment line\n"
                       "\n"
                       "transport tcp\n"
                       "  auth cookie  auth_cookie.so  label=\"two words \\\"q\\\"\" x=1 # tail\r\n"
                       "bridge rooms /abs/rooms.so\n";
    ck_assert_snow_ok(sk_plugin_list_parse("p.conf", text, &l, err, sizeof err));
    ck_assert_uint_eq(l.n, 3);
    ck_assert_int_eq(l.entries[0].kind, SNOW_PLUGIN_TRANSPORT);
    ck_assert_str_eq(l.entries[0].name, "tcp");
    ck_assert_ptr_null(l.entries[0].path);
    ck_assert_int_eq(l.entries[0].line, 3);
    ck_assert_str_eq(l.entries[0].file, "p.conf");
    const struct sk_plugin_entry *e = &l.entries[1];
    ck_assert_int_eq(e->kind, SNOW_PLUGIN_AUTH);
    ck_assert_str_eq(e->path, "auth_cookie.so");
    ck_assert_uint_eq(e->nopts, 2);
    ck_assert_str_eq(e->opts[0].key, "label");
    ck_assert_str_eq(e->opts[0].value, "two words \"q\"");
    ck_assert_int_eq(e->opts[0].line, 4);
    ck_assert_int_eq(e->opts[0].col, 32);
    ck_assert_int_eq(e->opts[0].value_col, 38);
    ck_assert_str_eq(e->opts[1].key, "x");
    ck_assert_str_eq(e->opts[1].value, "1");
    ck_assert_int_eq(l.entries[2].kind, SNOW_PLUGIN_BRIDGE);
    ck_assert_str_eq(l.entries[2].path, "/abs/rooms.so");
    sk_plugin_list_free(&l);
}
END_TEST

static void expect_parse_error(const char *text, const char *want)
{
    struct sk_plugin_list l;
    ck_assert_snow_err(sk_plugin_list_parse("p.conf", text, &l, err, sizeof err), SNOW_ECONFIG);
    ck_assert_str_eq(err, want);
    ck_assert_uint_eq(l.n, 0);
    ck_assert_ptr_null(l.entries);
}

START_TEST(parse_errors_point_at_file_line_col)
{
    expect_parse_error("transport tcp\ntransprt tls\n",
                       "p.conf:2:1: unknown kind \"transprt\" (did you mean \"transport\"?)");
    expect_parse_error("  widget w\n", "p.conf:1:3: unknown kind \"widget\" (transport, auth, "
                                       "discovery, registry, bridge)");
    expect_parse_error("auth\n", "p.conf:1: missing plugin name after \"auth\"");
    expect_parse_error("auth x=1\n", "p.conf:1:6: missing plugin name after \"auth\"");
    expect_parse_error("auth Cookie\n",
                       "p.conf:1:6: invalid plugin name \"Cookie\" (use [a-z0-9_-], at most 32 "
                       "chars)");
    expect_parse_error("auth c p.so a=\"open\n", "p.conf:1:15: unterminated quoted string");
    expect_parse_error("auth c p.so a=1 stray\n",
                       "p.conf:1:17: expected key=value, got \"stray\"");
    expect_parse_error("auth c a=1 a=2\n", "p.conf:1:12: option \"a\" given twice");
    expect_parse_error("auth c =1\n", "p.conf:1:8: option without a key");
}
END_TEST

START_TEST(default_list_parses)
{
    struct sk_plugin_list l;
    ck_assert_snow_ok(
        sk_plugin_list_parse("<default>", sk_plugin_default_list, &l, err, sizeof err));
    ck_assert_uint_eq(l.n, 3);
    ck_assert_str_eq(l.entries[0].name, "transport_tls");
    ck_assert_int_eq(l.entries[1].kind, SNOW_PLUGIN_AUTH);
    ck_assert_str_eq(l.entries[1].name, "auth_cookie");
    ck_assert_int_eq(l.entries[2].kind, SNOW_PLUGIN_DISCOVERY);
    sk_plugin_list_free(&l);
}
END_TEST

START_TEST(read_missing_file)
{
    struct sk_plugin_list l;
    ck_assert_snow_err(sk_plugin_list_read("/nonexistent/p.conf", &l, err, sizeof err),
                       SNOW_ECONFIG);
    ck_assert_str_eq(err, "/nonexistent/p.conf: No such file or directory");
}
END_TEST

START_TEST(read_file_keeps_lines)
{
    char path[] = "/tmp/snow-list-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char *text = "# x\n\nregistry global global_registry bogus\n";
    ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    struct sk_plugin_list l;
    ck_assert_snow_err(sk_plugin_list_read(path, &l, err, sizeof err), SNOW_ECONFIG);
    char want[256];
    snprintf(want, sizeof want, "%s:3:33: expected key=value, got \"bogus\"", path);
    ck_assert_str_eq(err, want);
    unlink(path);
}
END_TEST

START_TEST(did_you_mean_is_conservative)
{
    const char *c[] = {"timeout", "port", "verbose"};
    ck_assert_str_eq(sk_did_you_mean("timout", c, 3), "timeout");
    ck_assert_str_eq(sk_did_you_mean("prot", c, 3), "port"); /* transposition: 1 edit */
    ck_assert_str_eq(sk_did_you_mean("verbos", c, 3), "verbose");
    ck_assert_ptr_null(sk_did_you_mean("zzzz", c, 3));
    ck_assert_ptr_null(sk_did_you_mean("x", c, 3));
}
END_TEST

/* ---- options against a schema ---- */

static const struct snow_plugin_option schema[] = {
    {.key = "port", .type = SNOW_OPT_INT, .def = "4369", .min = 1, .max = 65535},
    {.key = "timeout", .type = SNOW_OPT_DURATION, .def = "5s"},
    {.key = "verbose", .type = SNOW_OPT_BOOL, .def = "no"},
    {.key = "label", .type = SNOW_OPT_STRING},
    {.key = "keyfile", .type = SNOW_OPT_PATH},
    {.key = "mode", .type = SNOW_OPT_STRING, .required = true},
    {.key = NULL},
};

static const struct sk_plugin_where where = {"conf/p.conf", 7, "tcp", "/x/tcp.so"};

static int build(const char *line, snow_plugin_args **a)
{
    struct sk_plugin_list l;
    char text[256];
    snprintf(text, sizeof text, "\n\n\n\n\n\n%s\n", line);
    ck_assert_snow_ok(sk_plugin_list_parse("conf/p.conf", text, &l, err, sizeof err));
    int rc = sk_plugin_args_build(&l.entries[0], schema, &where, a, err, sizeof err);
    sk_plugin_list_free(&l);
    return rc;
}

START_TEST(options_typed_values_and_defaults)
{
    snow_plugin_args *a;
    ck_assert_snow_ok(build("transport tcp mode=fast timeout=250ms verbose=on keyfile=k.pem", &a));
    int64_t i;
    bool b;
    const char *s;
    ck_assert_snow_ok(sk_plugin_args_int(a, "port", &i));
    ck_assert_int_eq(i, 4369);
    ck_assert_snow_ok(sk_plugin_args_int(a, "timeout", &i));
    ck_assert_int_eq(i, 250);
    ck_assert_snow_ok(sk_plugin_args_bool(a, "verbose", &b));
    ck_assert(b);
    ck_assert_snow_ok(sk_plugin_args_str(a, "mode", &s));
    ck_assert_str_eq(s, "fast");
    ck_assert_snow_ok(sk_plugin_args_str(a, "keyfile", &s));
    ck_assert_str_eq(s, "conf/k.pem"); /* relative to the list file */
    ck_assert_snow_err(sk_plugin_args_str(a, "label", &s), SNOW_ENOENT);
    ck_assert_snow_err(sk_plugin_args_int(a, "nope", &i), SNOW_ENOENT);
    ck_assert_snow_err(sk_plugin_args_bool(a, "port", &b), SNOW_ETYPE);
    ck_assert_snow_err(sk_plugin_args_int(a, "mode", &i), SNOW_ETYPE);
    sk_plugin_args_free(a);

    ck_assert_snow_ok(build("transport tcp mode=x timeout=2m keyfile=/abs", &a));
    ck_assert_snow_ok(sk_plugin_args_int(a, "timeout", &i));
    ck_assert_int_eq(i, 120000);
    ck_assert_snow_ok(sk_plugin_args_str(a, "keyfile", &s));
    ck_assert_str_eq(s, "/abs");
    sk_plugin_args_free(a);
}
END_TEST

static void expect_opt_error(const char *line, const char *want)
{
    snow_plugin_args *a = (snow_plugin_args *)&a;
    ck_assert_snow_err(build(line, &a), SNOW_ECONFIG);
    ck_assert_ptr_null(a);
    ck_assert_str_eq(err, want);
}

START_TEST(options_errors_carry_file_line_col)
{
    expect_opt_error("transport tcp mode=x timout=3s",
                     "conf/p.conf:7:22: plugin \"tcp\" (/x/tcp.so): unknown option \"timout\" "
                     "(did you mean \"timeout\"?)");
    expect_opt_error("transport tcp mode=x colour=red",
                     "conf/p.conf:7:22: plugin \"tcp\" (/x/tcp.so): unknown option \"colour\"");
    expect_opt_error("transport tcp mode=x port=http",
                     "conf/p.conf:7:27: plugin \"tcp\" (/x/tcp.so): option \"port\": expected an "
                     "integer, got \"http\"");
    expect_opt_error("transport tcp mode=x port=70000",
                     "conf/p.conf:7:27: plugin \"tcp\" (/x/tcp.so): option \"port\": 70000 is out "
                     "of range [1, 65535]");
    expect_opt_error("transport tcp mode=x timeout=5d",
                     "conf/p.conf:7:30: plugin \"tcp\" (/x/tcp.so): option \"timeout\": expected a "
                     "duration (e.g. 500ms, 5s, 2m, 1h), got \"5d\"");
    expect_opt_error("transport tcp mode=x verbose=maybe",
                     "conf/p.conf:7:30: plugin \"tcp\" (/x/tcp.so): option \"verbose\": expected a "
                     "bool (true, false, yes, no, on, off, 1, 0), got \"maybe\"");
    expect_opt_error("transport tcp port=1",
                     "conf/p.conf:7: plugin \"tcp\" (/x/tcp.so): missing required option "
                     "\"mode\"");
}
END_TEST

START_TEST(schema_is_checked)
{
    static const struct snow_plugin_option bad_default[] = {
        {.key = "n", .type = SNOW_OPT_INT, .def = "ten"}, {.key = NULL}};
    static const struct snow_plugin_option bad_key[] = {{.key = "Bad Key", .type = SNOW_OPT_INT},
                                                        {.key = NULL}};
    static const struct snow_plugin_option twice[] = {
        {.key = "a", .type = SNOW_OPT_INT}, {.key = "a", .type = SNOW_OPT_BOOL}, {.key = NULL}};
    static const struct snow_plugin_option bad_type[] = {{.key = "a", .type = 99},
                                                         {.key = NULL}};
    ck_assert_snow_err(sk_plugin_schema_check(bad_default, &where, err, sizeof err),
                       SNOW_EPLUGIN);
    ck_assert_str_eq(err, "conf/p.conf:7: plugin \"tcp\" (/x/tcp.so): option schema: default "
                          "\"ten\" of \"n\" is not a valid int");
    ck_assert_snow_err(sk_plugin_schema_check(bad_key, &where, err, sizeof err), SNOW_EPLUGIN);
    ck_assert_snow_err(sk_plugin_schema_check(twice, &where, err, sizeof err), SNOW_EPLUGIN);
    ck_assert_snow_err(sk_plugin_schema_check(bad_type, &where, err, sizeof err), SNOW_EPLUGIN);
    ck_assert_snow_ok(sk_plugin_schema_check(schema, &where, err, sizeof err));
    ck_assert_snow_ok(sk_plugin_schema_check(NULL, &where, err, sizeof err));
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("plugin_list");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"parse_full_line", parse_full_line},
        {"parse_errors", parse_errors_point_at_file_line_col},
        {"default_list", default_list_parses},
        {"read_missing", read_missing_file},
        {"read_file", read_file_keeps_lines},
        {"did_you_mean", did_you_mean_is_conservative},
        {"options_values", options_typed_values_and_defaults},
        {"options_errors", options_errors_carry_file_line_col},
        {"schema_check", schema_is_checked},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
