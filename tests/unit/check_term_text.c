/* SPDX-License-Identifier: MIT */
/* Tests for the term text form: snow_term_format and snow_term_parse. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <snow/term.h>

#include "snow_check.h"
#include "term_gen.h"

static void dummy_fn(void) {}

static void expect_text(snow_term *t, const char *want)
{
    ck_assert_ptr_nonnull(t);
    char *s = snow_term_format_alloc(t);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, want);
    free(s);
    snow_term_release(t);
}

START_TEST(format_forms)
{
    const char *fields[] = {"y", "x"};
    snow_term *vals[] = {snow_int(2), snow_float(-0.5)};
    snow_term *mk[] = {snow_atom("a")}, *mv[] = {snow_int(1)};
    expect_text(snow_tuple(6, snow_atom("ok"), snow_string("text"), snow_int(42),
                           snow_list(2, snow_int(1), snow_int(2)), snow_map_from(1, mk, mv),
                           snow_pid_term(12)),
                "{ok, \"text\", 42, [1, 2], #{a => 1}, <0.12.0>}");
    expect_text(snow_struct_from("Point", 2, fields, vals), "#Point{x = -0.5, y = 2}");
    expect_text(snow_some(snow_atom("x")), "Option::Some(x)");
    expect_text(snow_none(), "Option::None");
    expect_text(snow_err(snow_string("why")), "Result::Err(\"why\")");
    expect_text(snow_atom("hello world"), "'hello world'");
    expect_text(snow_atom("Upper"), "'Upper'");
    expect_text(snow_atom("nil"), "'nil'");
    expect_text(snow_atom("it's"), "'it\\'s'");
    expect_text(snow_nil(), "nil");
    expect_text(snow_bool(true), "true");
    expect_text(snow_string_len("a\"b\\\n\0", 6), "\"a\\\"b\\\\\\n\\x00\"");
    expect_text(snow_binary("abc", 3), "<<\"abc\">>");
    expect_text(snow_binary("\x00\xff", 2), "<<0,255>>");
    expect_text(snow_binary("", 0), "<<>>");
    expect_text(snow_ref_term(((uint64_t)2 << 48) | 9), "#Ref<2.9>");
    expect_text(snow_pid_term(((uint64_t)3 << 48) | 77), "<3.77.0>");
    expect_text(snow_function(dummy_fn, "worker_cb", NULL), "#Fun<worker_cb>");
    snow_term *si[] = {snow_int(2), snow_int(1)};
    expect_text(snow_set_from(2, si), "#set[1, 2]");
    expect_text(snow_tuple(0), "{}");
    expect_text(snow_list(0), "[]");
    expect_text(snow_int(INT64_MIN), "-9223372036854775808");
}
END_TEST

START_TEST(format_floats)
{
    expect_text(snow_float(1.0), "1.0");
    expect_text(snow_float(0.1), "0.1");
    expect_text(snow_float(-2.5), "-2.5");
    expect_text(snow_float(1e300), "1e+300");
    expect_text(snow_float(INFINITY), "1.0e999");
    expect_text(snow_float(-INFINITY), "-1.0e999");
    expect_text(snow_float(5e-324), "5e-324");
    expect_text(snow_float(123456789.0), "123456789.0");
}
END_TEST

START_TEST(format_truncates_like_snprintf)
{
    snow_term *t = snow_tuple(2, snow_atom("ok"), snow_int(12345));
    char buf[8];
    ck_assert_int_eq(snow_term_format(t, buf, sizeof buf), 11); /* {ok, 12345} */
    ck_assert_str_eq(buf, "{ok, 12");
    ck_assert_int_eq(snow_term_format(t, NULL, 0), 11);
    char one[1] = {'x'};
    ck_assert_int_eq(snow_term_format(t, one, 1), 11);
    ck_assert_int_eq(one[0], '\0');
    ck_assert_snow_err(snow_term_format(NULL, buf, sizeof buf), SNOW_EINVAL);
    snow_term_release(t);
}
END_TEST

static void expect_parse(const char *text, const char *canonical)
{
    snow_term *t = NULL;
    char err[200] = "";
    int rc = snow_term_parse(text, &t, err, sizeof err);
    ck_assert_msg(rc == 0, "parse '%s': %s", text, err);
    expect_text(t, canonical);
}

START_TEST(parse_forms)
{
    expect_parse(" { ok ,\"text\",42,[1,2],#{a=>1},<0.12.0>} ",
                 "{ok, \"text\", 42, [1, 2], #{a => 1}, <0.12.0>}");
    expect_parse("#Point{y=2,x=1}", "#Point{x = 1, y = 2}");
    expect_parse("#'my type'{'a b' = nil}", "#'my type'{'a b' = nil}");
    expect_parse("Option::Some( 5 )", "Option::Some(5)");
    expect_parse("Option::None()", "Option::None");
    expect_parse("'Quoted'::'Ctor'", "Quoted::Ctor");
    expect_parse("<<1, 2,3>>", "<<1,2,3>>");
    expect_parse("<< \"hi\" >>", "<<\"hi\">>");
    expect_parse("#set[3,1,3]", "#set[1, 3]");
    expect_parse("#{b => 1, a => 2, b => 3}", "#{a => 2, b => 3}");
    expect_parse("\"\\x41\\t\"", "\"A\\t\"");
    expect_parse("2.5e3", "2.5e+03");
    expect_parse("[nil , true ,false ]", "[nil, true, false]");
    expect_parse("1e2", "1e+02");
    expect_parse("-0", "0");
    expect_parse("true", "true");
    expect_parse("'true'", "true");
    expect_parse("#Ref<0.5>", "#Ref<0.5>");
    expect_parse("\"h\xc3\xa9\"", "\"h\xc3\xa9\"");
}
END_TEST

static void expect_parse_error(const char *text, const char *want)
{
    snow_term *t = (snow_term *)1;
    char err[200] = "";
    ck_assert_snow_err(snow_term_parse(text, &t, err, sizeof err), SNOW_EBADTERM);
    ck_assert_ptr_null(t);
    ck_assert_str_eq(err, want);
}

START_TEST(parse_errors)
{
    expect_parse_error("{1, 2", "offset 5: expected ','");
    expect_parse_error("", "offset 0: unexpected end of text");
    expect_parse_error("[1] x", "offset 4: unexpected text after the term");
    expect_parse_error("\"abc", "offset 0: unterminated string");
    expect_parse_error("99999999999999999999", "offset 0: integer out of 64-bit range");
    expect_parse_error("#Fun<f>", "offset 0: functions have no text form and cannot be parsed");
    expect_parse_error("Foo", "offset 0: a bare word must start with a-z (quote it: 'Name')");
    expect_parse_error("<<256>>", "offset 2: binary bytes are integers 0..255");
    expect_parse_error("#P{a = 1, a = 2}", "offset 16: duplicate field name");
    expect_parse_error("\"\\xc3\"", "offset 0: string is not valid UTF-8");
    expect_parse_error("<0.1.2>", "offset 1: pid out of range (<slot 0..65535 . local id < 2^48 . 0>)");
    expect_parse_error("{[{[{[", "offset 6: unexpected end of text");
    snow_term *t;
    ck_assert_snow_err(snow_term_parse(NULL, &t, NULL, 0), SNOW_EINVAL);
    ck_assert_snow_err(snow_term_parse("[1", &t, NULL, 0), SNOW_EBADTERM);
    /* deep nesting is refused, not a stack overflow */
    char *deep = malloc(100001);
    memset(deep, '[', 100000);
    deep[100000] = '\0';
    ck_assert_snow_err(snow_term_parse(deep, &t, NULL, 0), SNOW_EBADTERM);
    free(deep);
}
END_TEST

START_TEST(random_text_round_trip)
{
    struct term_gen g;
    term_gen_init(&g, 99);
    for (int i = 0; i < 20000; i++) {
        snow_term *t = term_gen_term(&g);
        char *s = snow_term_format_alloc(t);
        ck_assert_ptr_nonnull(s);
        snow_term *back = NULL;
        char err[200] = "";
        int rc = snow_term_parse(s, &back, err, sizeof err);
        ck_assert_msg(rc == 0, "term %d: '%.300s': %s", i, s, err);
        ck_assert_msg(snow_term_equal(t, back), "term %d: '%.300s' parses differently", i, s);
        free(s);
        snow_term_release(t);
        snow_term_release(back);
    }
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("term_text");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"format_forms", format_forms},
        {"format_floats", format_floats},
        {"format_truncation", format_truncates_like_snprintf},
        {"parse_forms", parse_forms},
        {"parse_errors", parse_errors},
        {"round_trip", random_text_round_trip},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
