/* SPDX-License-Identifier: MIT */
/* Tests for node-to-node frame reassembly. */
#include <stdlib.h>
#include <string.h>

#include "dist_frame.h"
#include "snow_check.h"

struct seen {
    unsigned types[64];
    size_t lens[64];
    uint8_t first[64];
    int n;
};

static int record(void *ctx, unsigned type, const uint8_t *body, size_t len)
{
    struct seen *s = ctx;
    ck_assert_int_lt(s->n, 64);
    s->types[s->n] = type;
    s->lens[s->n] = len;
    s->first[s->n] = len ? body[0] : 0;
    s->n++;
    return 0;
}

/* Builds a stream of frames: tick, send(3 bytes), peers(0 bytes), send(1000 bytes). */
static size_t build_stream(uint8_t *out)
{
    size_t o = 0;
    sk_put_u32(out + o, 0); o += 4;                         /* tick */
    sk_frame_header(out + o, SK_F_SEND, 3); o += 5;
    out[o++] = 'a'; out[o++] = 'b'; out[o++] = 'c';
    sk_frame_header(out + o, SK_F_PEERS, 0); o += 5;
    sk_frame_header(out + o, SK_F_SEND, 1000); o += 5;
    memset(out + o, 'z', 1000); o += 1000;
    return o;
}

static void check_stream_seen(const struct seen *s)
{
    ck_assert_int_eq(s->n, 4);
    ck_assert_uint_eq(s->types[0], 0);
    ck_assert_uint_eq(s->types[1], SK_F_SEND);
    ck_assert_uint_eq(s->lens[1], 3);
    ck_assert_uint_eq(s->first[1], 'a');
    ck_assert_uint_eq(s->types[2], SK_F_PEERS);
    ck_assert_uint_eq(s->lens[2], 0);
    ck_assert_uint_eq(s->lens[3], 1000);
    ck_assert_uint_eq(s->first[3], 'z');
}

START_TEST(whole_stream_in_one_chunk)
{
    uint8_t buf[2048];
    size_t n = build_stream(buf);
    struct sk_frame_parser p;
    struct seen s = {0};
    sk_frame_parser_init(&p, 0);
    ck_assert_snow_ok(sk_frame_feed(&p, buf, n, record, &s));
    check_stream_seen(&s);
    ck_assert_uint_eq(p.partial.len, 0);
    sk_frame_parser_free(&p);
}
END_TEST

/* Every split point, and byte-at-a-time, yields the same frames. */
START_TEST(any_chunking_gives_same_frames)
{
    uint8_t buf[2048];
    size_t n = build_stream(buf);
    for (size_t step = 1; step <= 7; step++) {
        struct sk_frame_parser p;
        struct seen s = {0};
        sk_frame_parser_init(&p, 0);
        for (size_t off = 0; off < n; off += step) {
            size_t len = n - off < step ? n - off : step;
            ck_assert_snow_ok(sk_frame_feed(&p, buf + off, len, record, &s));
        }
        check_stream_seen(&s);
        sk_frame_parser_free(&p);
    }
    for (size_t split = 0; split <= n; split++) {
        struct sk_frame_parser p;
        struct seen s = {0};
        sk_frame_parser_init(&p, 0);
        ck_assert_snow_ok(sk_frame_feed(&p, buf, split, record, &s));
        ck_assert_snow_ok(sk_frame_feed(&p, buf + split, n - split, record, &s));
        check_stream_seen(&s);
        sk_frame_parser_free(&p);
    }
}
END_TEST

START_TEST(oversize_frame_is_refused)
{
    uint8_t hdr[5];
    sk_frame_header(hdr, SK_F_SEND, 4096);
    struct sk_frame_parser p;
    struct seen s = {0};
    sk_frame_parser_init(&p, 1024);
    ck_assert_snow_err(sk_frame_feed(&p, hdr, sizeof hdr, record, &s), SNOW_EMSGSIZE);
    ck_assert_int_eq(s.n, 0);
    sk_frame_parser_free(&p);
    /* also when the length arrives split across chunks */
    sk_frame_parser_init(&p, 1024);
    ck_assert_snow_ok(sk_frame_feed(&p, hdr, 2, record, &s));
    ck_assert_snow_err(sk_frame_feed(&p, hdr + 2, 3, record, &s), SNOW_EMSGSIZE);
    sk_frame_parser_free(&p);
}
END_TEST

START_TEST(unknown_type_is_protocol_error)
{
    uint8_t f[6];
    sk_frame_header(f, 200, 1);
    f[5] = 0;
    struct sk_frame_parser p;
    struct seen s = {0};
    sk_frame_parser_init(&p, 0);
    ck_assert_snow_err(sk_frame_feed(&p, f, sizeof f, record, &s), SNOW_EPROTO);
    sk_frame_parser_free(&p);
}
END_TEST

START_TEST(random_garbage_never_crashes)
{
    srand(1234);
    uint8_t buf[512];
    for (int round = 0; round < 2000; round++) {
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (uint8_t)rand();
        struct sk_frame_parser p;
        struct seen s = {0};
        sk_frame_parser_init(&p, 256);
        size_t off = 0;
        while (off < sizeof buf) {
            size_t len = 1 + (size_t)rand() % 64;
            if (len > sizeof buf - off)
                len = sizeof buf - off;
            s.n = 0;
            if (sk_frame_feed(&p, buf + off, len, record, &s) != 0)
                break;
            off += len;
        }
        ck_assert_uint_le(p.partial.len, 256 + 4);
        sk_frame_parser_free(&p);
    }
}
END_TEST

START_TEST(type_names)
{
    ck_assert_str_eq(sk_frame_type_name(0), "tick");
    ck_assert_str_eq(sk_frame_type_name(SK_F_SEND), "send");
    ck_assert_str_eq(sk_frame_type_name(99), "unknown");
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("dist_frame");
    TCase *tc = tcase_create("reassembly");
    tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
    tcase_add_test(tc, whole_stream_in_one_chunk);
    tcase_add_test(tc, any_chunking_gives_same_frames);
    tcase_add_test(tc, oversize_frame_is_refused);
    tcase_add_test(tc, unknown_type_is_protocol_error);
    tcase_add_test(tc, random_garbage_never_crashes);
    tcase_add_test(tc, type_names);
    suite_add_tcase(s, tc);
    return s;
}
