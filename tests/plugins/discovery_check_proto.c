/* SPDX-License-Identifier: MIT */
/* Tests for the discovery registry's line protocol, names and addresses. */
#include "config.h"

#include <string.h>

#include "dsc_proto.h"
#include "snow_check.h"

static int parse(const char *line, struct dsc_msg *m)
{
    return dsc_msg_parse(line, strlen(line), m);
}

START_TEST(parse_valid_lines)
{
    struct dsc_msg m;
    ck_assert_snow_ok(parse("HELLO 1", &m));
    ck_assert_int_eq(m.verb, DSC_HELLO);
    ck_assert_uint_eq(m.version, 1);
    ck_assert_snow_ok(parse("REG node-1 4371", &m));
    ck_assert_int_eq(m.verb, DSC_REG);
    ck_assert_str_eq(m.name, "node-1");
    ck_assert_uint_eq(m.port, 4371);
    ck_assert_snow_ok(parse("GET a.b_c+d", &m));
    ck_assert_str_eq(m.name, "a.b_c+d");
    ck_assert_snow_ok(parse("PORT x 65535", &m));
    ck_assert_uint_eq(m.port, 65535);
    ck_assert_snow_ok(parse("UNKNOWN x", &m));
    ck_assert_int_eq(m.verb, DSC_UNKNOWN);
    ck_assert_snow_ok(parse("ERR taken", &m));
    ck_assert_str_eq(m.reason, "taken");
    ck_assert_snow_ok(parse("GET x\r", &m)); /* typed at a terminal */
}
END_TEST

START_TEST(parse_rejects_garbage)
{
    static const char *const bad[] = {
        "", " ", "HELLO", "HELLO 0", "HELLO 01", "HELLO 1000", "hello 1", "HELLO  1",
        " HELLO 1", "HELLO 1 ", "REG x", "REG x 0", "REG x 65536", "REG x -1", "REG x +1",
        "REG x 1 2", "REG x 99999999", "GET", "GET a@b", "GET a b", "GET \x01", "GET \xc3\xa9",
        "PING", "ERR waytoolongreasonword", "GET x\r\r", "OK",
        "GET xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", /* 65 */
    };
    struct dsc_msg m;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(parse(bad[i], &m) == SNOW_EPROTO, "accepted \"%s\"", bad[i]);
    ck_assert_snow_err(dsc_msg_parse("GET a\0b", 7, &m), SNOW_EPROTO);
}
END_TEST

START_TEST(format_round_trips)
{
    struct dsc_msg in = {.verb = DSC_PORT, .port = 4370}, out;
    char line[DSC_LINE_MAX];
    strcpy(in.name, "alpha");
    int n = dsc_msg_format(&in, line, sizeof line);
    ck_assert_int_eq(n, (int)strlen("PORT alpha 4370\n"));
    ck_assert_str_eq(line, "PORT alpha 4370\n");
    ck_assert_snow_ok(dsc_msg_parse(line, (size_t)n - 1, &out));
    ck_assert_int_eq(out.verb, DSC_PORT);
    ck_assert_str_eq(out.name, "alpha");
    ck_assert_uint_eq(out.port, 4370);
    /* Out-of-grammar fields are refused, not sent. */
    in.port = 0;
    ck_assert_snow_err(dsc_msg_format(&in, line, sizeof line), SNOW_EINVAL);
    in.port = 1;
    strcpy(in.name, "bad name");
    ck_assert_snow_err(dsc_msg_format(&in, line, sizeof line), SNOW_EINVAL);
    strcpy(in.name, "ok");
    ck_assert_snow_err(dsc_msg_format(&in, line, 4), SNOW_ERANGE);
    /* The longest line fits the bound with room to spare. */
    struct dsc_msg big = {.verb = DSC_PORT, .port = 65535};
    memset(big.name, 'x', DSC_NAME_MAX);
    ck_assert_int_gt(dsc_msg_format(&big, line, sizeof line), 0);
}
END_TEST

struct collect {
    int n;
    char lines[4][DSC_LINE_MAX];
};

static int collect_line(void *arg, const char *line, size_t len)
{
    struct collect *c = arg;
    if (c->n == 4)
        return 7; /* "done": stops the feed */
    memcpy(c->lines[c->n], line, len);
    c->lines[c->n++][len] = '\0';
    return 0;
}

START_TEST(lines_split_and_bound)
{
    struct dsc_lines lb = {0};
    struct collect c = {0};
    ck_assert_snow_ok(dsc_lines_feed(&lb, "HEL", 3, collect_line, &c));
    ck_assert_int_eq(c.n, 0);
    ck_assert_snow_ok(dsc_lines_feed(&lb, "LO 1\nGET a\nGE", 13, collect_line, &c));
    ck_assert_int_eq(c.n, 2);
    ck_assert_str_eq(c.lines[0], "HELLO 1");
    ck_assert_str_eq(c.lines[1], "GET a");
    ck_assert_snow_ok(dsc_lines_feed(&lb, "T b\n\n", 5, collect_line, &c));
    ck_assert_int_eq(c.n, 4);
    ck_assert_str_eq(c.lines[2], "GET b");
    ck_assert_str_eq(c.lines[3], "");
    ck_assert_int_eq(dsc_lines_feed(&lb, "x\n", 2, collect_line, &c), 7);

    /* A line of DSC_LINE_MAX - 1 bytes plus '\n' fits; one more does not. */
    char big[DSC_LINE_MAX + 1];
    struct dsc_lines lb2 = {0};
    struct collect c2 = {0};
    memset(big, 'x', sizeof big);
    big[DSC_LINE_MAX - 1] = '\n';
    ck_assert_snow_ok(dsc_lines_feed(&lb2, big, DSC_LINE_MAX, collect_line, &c2));
    ck_assert_int_eq(c2.n, 1);
    big[DSC_LINE_MAX - 1] = 'x';
    big[DSC_LINE_MAX] = '\n';
    ck_assert_snow_err(dsc_lines_feed(&lb2, big, DSC_LINE_MAX + 1, collect_line, &c2),
                       SNOW_EMSGSIZE);
    ck_assert_int_eq(c2.n, 1);
}
END_TEST

START_TEST(node_names)
{
    struct dsc_node n;
    ck_assert_snow_ok(dsc_node_parse("a@127.0.0.1", &n));
    ck_assert_str_eq(n.name, "a");
    ck_assert_str_eq(n.host, "127.0.0.1");
    ck_assert_int_eq(n.port, -1);
    ck_assert_snow_ok(dsc_node_parse("web-1@host.example:4400", &n));
    ck_assert_str_eq(n.host, "host.example");
    ck_assert_int_eq(n.port, 4400);
    ck_assert_snow_ok(dsc_node_parse("b@[::1]", &n));
    ck_assert_str_eq(n.host, "::1");
    ck_assert_int_eq(n.port, -1);
    ck_assert_snow_ok(dsc_node_parse("b@[fe80::1%eth0]:9", &n));
    ck_assert_str_eq(n.host, "fe80::1%eth0");
    ck_assert_int_eq(n.port, 9);
    static const char *const bad[] = {"", "a", "@h", "a@", "a b@h", "a@h:", "a@h:0",
                                      "a@h:65536", "a@h:x", "a@[::1", "a@::1", "a@h h",
                                      "a@h@h", "a@[::1]x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(dsc_node_parse(bad[i], &n) == SNOW_EINVAL, "accepted \"%s\"", bad[i]);
    ck_assert_snow_err(dsc_node_parse(NULL, &n), SNOW_EINVAL);
}
END_TEST

START_TEST(addresses)
{
    char host[DSC_HOST_MAX + 1], buf[DSC_ADDR_MAX + 1];
    int port;
    ck_assert_snow_ok(dsc_addr_parse("127.0.0.1:4370", host, sizeof host, &port));
    ck_assert_str_eq(host, "127.0.0.1");
    ck_assert_int_eq(port, 4370);
    ck_assert_snow_ok(dsc_addr_parse("[::1]:80", host, sizeof host, &port));
    ck_assert_str_eq(host, "::1");
    ck_assert_snow_err(dsc_addr_parse("127.0.0.1", host, sizeof host, &port), SNOW_EINVAL);
    ck_assert_snow_err(dsc_addr_parse("127.0.0.1:", host, sizeof host, &port), SNOW_EINVAL);
    ck_assert_snow_err(dsc_addr_parse(NULL, host, sizeof host, &port), SNOW_EINVAL);
    ck_assert_int_eq(dsc_addr_format("::1", 80, buf, sizeof buf), 8);
    ck_assert_str_eq(buf, "[::1]:80");
    ck_assert_int_gt(dsc_addr_format("10.0.0.1", 1, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "10.0.0.1:1");
    ck_assert_snow_err(dsc_addr_format("10.0.0.1", 1, buf, 4), SNOW_ERANGE);
    ck_assert_str_eq(dsc_errname(SNOW_ENONODE), "SNOW_ENONODE");
    ck_assert_str_eq(dsc_errname(-999), "SNOW_E?");
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("discovery_proto");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"parse_valid", parse_valid_lines}, {"parse_garbage", parse_rejects_garbage},
        {"format", format_round_trips},     {"lines", lines_split_and_bound},
        {"node_names", node_names},         {"addresses", addresses},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
