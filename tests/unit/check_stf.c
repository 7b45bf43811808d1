/* SPDX-License-Identifier: MIT */
/* Tests for the STF codec: vectors, round-trips, hostile input, limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snow/stf.h>

#include "snow_check.h"
#include "stf.h"
#include "term_gen.h"

static void dummy_fn(void) {}

/* Encodes t (must succeed); caller frees. */
static uint8_t *enc_ok(const snow_term *t, size_t *len)
{
    void *buf = NULL;
    char err[256] = "";
    int rc = snow_stf_encode(t, NULL, &buf, len, err, sizeof err);
    ck_assert_msg(rc == 0, "encode failed: %s: %s", snow_strerror_name(rc), err);
    return buf;
}

static snow_term *parse_ok(const char *text)
{
    snow_term *t = NULL;
    char err[256] = "";
    int rc = snow_term_parse(text, &t, err, sizeof err);
    ck_assert_msg(rc == 0, "parse of '%s' failed: %s", text, err);
    return t;
}

/* ---- golden vectors (contrib/stf/vectors.txt) ---- */

struct vector {
    char text[512];
    uint8_t bytes[512];
    size_t len;
};

static size_t load_vectors(struct vector *v, size_t cap)
{
    const char *src = getenv("SNOW_TOP_SRCDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/contrib/stf/vectors.txt", src ? src : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char line[2048];
    size_t n = 0;
    while (fgets(line, sizeof line, f) != NULL && n < cap) {
        char *bar = strstr(line, " | ");
        if (strncmp(line, "# ", 2) == 0 || bar == NULL)
            continue;
        *bar = '\0';
        ck_assert_uint_lt(strlen(line), sizeof v[n].text);
        memcpy(v[n].text, line, strlen(line) + 1);
        v[n].len = term_gen_unhex(bar + 3, v[n].bytes, sizeof v[n].bytes);
        n++;
    }
    fclose(f);
    ck_assert_uint_ge(n, 30);
    return n;
}

START_TEST(golden_vectors)
{
    static struct vector v[128];
    size_t n = load_vectors(v, 128);
    bool tags[256] = {false};
    for (size_t i = 0; i < n; i++) {
        snow_term *t = parse_ok(v[i].text);
        size_t len;
        uint8_t *buf = enc_ok(t, &len);
        char *hex = malloc(3 * len + 1);
        for (size_t k = 0; k < len; k++)
            sprintf(hex + 3 * k, "%02x ", buf[k]);
        ck_assert_msg(len == v[i].len && memcmp(buf, v[i].bytes, len) == 0,
                      "vector '%s' encodes as %s", v[i].text, hex);
        free(hex);
        snow_term *back = NULL;
        char err[256];
        ck_assert_snow_ok(snow_stf_decode(v[i].bytes, v[i].len, NULL, &back, err, sizeof err));
        ck_assert_msg(snow_term_equal(t, back), "vector '%s' decodes differently", v[i].text);
        if (v[i].len > 1)
            tags[v[i].bytes[1] < 0x20 ? v[i].bytes[1] : v[i].bytes[1] & 0xF0] = true;
        free(buf);
        snow_term_release(t);
        snow_term_release(back);
    }
    /* Every tag and every short-form range has a vector. */
    static const unsigned want[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                                    0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x20,
                                    0x40, 0x50, 0x60, 0x70, 0x80, 0xf0};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(tags[want[i]], "no golden vector for tag 0x%02x", want[i]);
}
END_TEST

/* The examples quoted in SPEC.md must be vectors, byte for byte. */
START_TEST(spec_examples_are_vectors)
{
    static struct vector v[128];
    size_t n = load_vectors(v, 128);
    const char *src = getenv("SNOW_TOP_SRCDIR");
    char path[1024], line[2048];
    snprintf(path, sizeof path, "%s/contrib/stf/SPEC.md", src ? src : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    int examples = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char *bar = strstr(line, " | ");
        if (strncmp(line, "    ", 4) != 0 || bar == NULL)
            continue;
        *bar = '\0';
        uint8_t bytes[512];
        size_t len = term_gen_unhex(bar + 3, bytes, sizeof bytes);
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(v[i].text, line + 4) == 0 && v[i].len == len &&
                    memcmp(v[i].bytes, bytes, len) == 0;
        ck_assert_msg(found, "SPEC.md example '%s' is not in vectors.txt", line + 4);
        examples++;
    }
    fclose(f);
    ck_assert_int_ge(examples, 5);
}
END_TEST

START_TEST(truncations_rejected)
{
    static struct vector v[128];
    size_t n = load_vectors(v, 128);
    for (size_t i = 0; i < n; i++) {
        for (size_t cut = 0; cut < v[i].len; cut++) {
            /* exact-size heap copy: ASan catches any over-read */
            uint8_t *p = malloc(cut + 1);
            memcpy(p, v[i].bytes, cut);
            snow_term *t = (snow_term *)1;
            char err[256] = "";
            int rc = snow_stf_decode(p, cut, NULL, &t, err, sizeof err);
            ck_assert_msg(rc == SNOW_EBADTERM, "'%s' cut at %zu: %s", v[i].text, cut,
                          snow_strerror_name(rc));
            ck_assert_ptr_null(t);
            ck_assert_msg(strncmp(err, "offset ", 7) == 0, "error without offset: %s", err);
            free(p);
        }
    }
}
END_TEST

/* ---- sizes ---- */

static size_t erlang_size(int64_t seq)
{
    /* term_to_binary({Seq, <<"hello world">>}): 131,104,2 + int + 109,len32 + 11 */
    size_t intlen = seq >= 0 && seq < 256 ? 2 : (seq >= -(1LL << 27) && seq < (1LL << 27)) ? 5 : 12;
    return 3 + intlen + 5 + 11;
}

START_TEST(hello_world_size)
{
    int64_t seqs[] = {0, 1, 42, 127, 128, 200, 255, 256, 65535, 1000000, -1, INT64_MAX};
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        snow_term *t = snow_tuple(2, snow_int(seqs[i]), snow_string("hello world"));
        size_t len;
        uint8_t *buf = enc_ok(t, &len);
        ck_assert_msg(len <= erlang_size(seqs[i]), "seq %lld: %zu > %zu bytes",
                      (long long)seqs[i], len, erlang_size(seqs[i]));
        if (seqs[i] >= 0 && seqs[i] < 256)
            ck_assert_uint_le(len, 21);
        free(buf);
        snow_term_release(t);
    }
}
END_TEST

/* ---- round trip ---- */

START_TEST(random_round_trip)
{
    struct term_gen g;
    term_gen_init(&g, 20261125);
    uint8_t fixed[4096];
    for (int i = 0; i < 100000; i++) {
        snow_term *t = term_gen_term(&g);
        ck_assert_ptr_nonnull(t);
        size_t len, size, len2;
        uint8_t *buf = enc_ok(t, &len);
        if (i % 4 == 0) { /* the three encoders agree */
            ck_assert_snow_ok(snow_stf_encoded_size(t, NULL, &size, NULL, 0));
            ck_assert_uint_eq(size, len);
            snow_term *bin = NULL;
            const void *bytes;
            ck_assert_snow_ok(snow_stf_encode_binary(t, NULL, &bin, NULL, 0));
            ck_assert_snow_ok(snow_term_binary(bin, &bytes, &size));
            ck_assert_uint_eq(size, len);
            ck_assert_int_eq(memcmp(bytes, buf, len), 0);
            snow_term_release(bin);
            int rc = snow_stf_encode_into(t, NULL, fixed, sizeof fixed, &len2, NULL, 0);
            if (len <= sizeof fixed) {
                ck_assert_snow_ok(rc);
                ck_assert_int_eq(memcmp(fixed, buf, len), 0);
            } else {
                ck_assert_snow_err(rc, SNOW_ERANGE);
                ck_assert_uint_eq(len2, len);
            }
        }
        snow_term *back = NULL;
        char err[256] = "";
        int rc = snow_stf_decode(buf, len, NULL, &back, err, sizeof err);
        ck_assert_msg(rc == 0, "term %d: decode failed: %s", i, err);
        ck_assert_msg(snow_term_equal(t, back), "term %d differs after round trip", i);
        ck_assert_uint_eq(snow_term_hash(t), snow_term_hash(back));
        if (i % 16 == 0) { /* canonical: re-encoding gives the same bytes */
            size_t l3;
            uint8_t *again = enc_ok(back, &l3);
            ck_assert_uint_eq(l3, len);
            ck_assert_int_eq(memcmp(again, buf, len), 0);
            free(again);
        }
        free(buf);
        snow_term_release(t);
        snow_term_release(back);
    }
}
END_TEST

START_TEST(random_byte_flips)
{
    struct term_gen g;
    term_gen_init(&g, 77);
    for (int i = 0; i < 3000; i++) {
        snow_term *t = term_gen_term(&g);
        size_t len;
        uint8_t *buf = enc_ok(t, &len);
        for (int k = 0; k < 8; k++) {
            uint8_t *p = malloc(len);
            memcpy(p, buf, len);
            unsigned flips = 1 + (unsigned)(term_gen_next(&g) % 3);
            for (unsigned f = 0; f < flips; f++)
                p[term_gen_next(&g) % len] ^= (uint8_t)(1u << (term_gen_next(&g) % 8));
            size_t cut = k == 7 ? (size_t)(term_gen_next(&g) % len) : len;
            snow_term *out = NULL;
            int rc = snow_stf_decode(p, cut, NULL, &out, NULL, 0);
            ck_assert(rc <= 0);
            ck_assert((rc == 0) == (out != NULL));
            if (out != NULL) { /* whatever decoded must itself round-trip */
                size_t l2;
                uint8_t *b2 = enc_ok(out, &l2);
                free(b2);
            }
            snow_term_release(out);
            free(p);
        }
        free(buf);
        snow_term_release(t);
    }
}
END_TEST

/* ---- MSG-05: functions ---- */

static void expect_fn_error(snow_term *t, const char *want)
{
    void *buf = (void *)1;
    size_t len = 99;
    char err[256] = "";
    ck_assert_snow_err(snow_stf_encode(t, NULL, &buf, &len, err, sizeof err),
                       SNOW_ENOTSERIALIZABLE);
    ck_assert_ptr_null(buf);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(err, want);
    ck_assert_snow_err(snow_stf_encoded_size(t, NULL, &len, NULL, 0), SNOW_ENOTSERIALIZABLE);
    snow_term_release(t);
}

START_TEST(function_paths)
{
    expect_fn_error(snow_tuple(2, snow_int(1),
                               snow_list(2, snow_function(dummy_fn, "worker_cb", NULL),
                                         snow_int(2))),
                    "message element {2}.[0]: function 'worker_cb' cannot be sent to another node");
    expect_fn_error(snow_function(dummy_fn, "top", NULL),
                    "message: function 'top' cannot be sent to another node");
    snow_term *k[] = {snow_atom("cb"), snow_atom("a")};
    snow_term *v[] = {snow_tuple(1, snow_function(dummy_fn, "handler", NULL)), snow_int(1)};
    expect_fn_error(snow_map_from(2, k, v),
                    "message element #{cb}.{1}: function 'handler' cannot be sent to another node");
    const char *names[] = {"on_done", "id"};
    snow_term *vals[] = {snow_function(dummy_fn, "done", NULL), snow_int(3)};
    expect_fn_error(snow_some(snow_struct_from("Job", 2, names, vals)),
                    "message element Some(0).on_done: function 'done' cannot be sent to another node");
    snow_term *sk[] = {snow_function(dummy_fn, "key_fn", NULL)};
    snow_term *sv[] = {snow_int(1)};
    expect_fn_error(snow_map_from(1, sk, sv),
                    "message element #key[0]: function 'key_fn' cannot be sent to another node");
}
END_TEST

START_TEST(appender_outputs_nothing_on_error)
{
    struct sk_stf_buf b = {NULL, 0, 0};
    snow_term *ok = snow_tuple(2, snow_int(7), snow_string("hello world"));
    ck_assert_snow_ok(sk_stf_append(&b, ok, NULL, NULL, 0));
    size_t first = b.len;
    ck_assert_uint_eq(first, 15);
    snow_term *bad = snow_list(2, snow_string("x"), snow_function(dummy_fn, "f", NULL));
    char err[200];
    ck_assert_snow_err(sk_stf_append(&b, bad, NULL, err, sizeof err), SNOW_ENOTSERIALIZABLE);
    ck_assert_uint_eq(b.len, first);
    ck_assert_snow_ok(sk_stf_append(&b, ok, NULL, NULL, 0));
    ck_assert_uint_eq(b.len, 2 * first);
    ck_assert_int_eq(memcmp(b.data, b.data + first, first), 0);
    /* two encodings back to back: the prefix decoder splits them */
    snow_term *out;
    size_t used;
    ck_assert_snow_ok(sk_stf_decode_prefix(b.data, b.len, NULL, &out, &used, NULL, 0));
    ck_assert_uint_eq(used, first);
    ck_assert(snow_term_equal(out, ok));
    snow_term_release(out);
    sk_stf_buf_free(&b);
    snow_term_release(ok);
    snow_term_release(bad);
}
END_TEST

/* ---- limits and hostile input ---- */

static snow_term *nest(unsigned depth)
{
    snow_term *t = snow_int(1);
    for (unsigned i = 0; i < depth; i++)
        t = snow_list(1, t);
    return t;
}

START_TEST(depth_limit)
{
    char err[256];
    size_t len;
    void *buf;
    snow_term *ok = nest(SNOW_STF_MAX_DEPTH_DEFAULT), *deep = nest(SNOW_STF_MAX_DEPTH_DEFAULT + 1);
    uint8_t *okbuf = enc_ok(ok, &len);
    size_t oklen = len;
    ck_assert_snow_err(snow_stf_encode(deep, NULL, &buf, &len, err, sizeof err), SNOW_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err, "deeper than 128"));
    /* hand-made deep input: 200 nested one-element lists */
    uint8_t in[1 + 200 + 1];
    in[0] = SNOW_STF_VERSION;
    memset(in + 1, 0x51, 200);
    in[201] = 0x80;
    snow_term *t = NULL;
    ck_assert_snow_err(snow_stf_decode(in, sizeof in, NULL, &t, err, sizeof err), SNOW_ELIMIT);
    ck_assert_str_eq(err, "offset 129: nested deeper than 128 levels");
    struct snow_stf_opts o = {.size = sizeof o, .max_depth = 300};
    ck_assert_snow_ok(snow_stf_decode(in, sizeof in, &o, &t, err, sizeof err));
    snow_term_release(t);
    o.max_depth = 10;
    ck_assert_snow_err(snow_stf_decode(okbuf, oklen, &o, &t, NULL, 0), SNOW_ELIMIT);
    free(okbuf);
    snow_term_release(ok);
    snow_term_release(deep);
}
END_TEST

START_TEST(size_and_count_limits)
{
    char err[256];
    size_t len;
    void *buf;
    snow_term *big = snow_binary(NULL, 0);
    uint8_t payload[5000] = {0};
    snow_term_release(big);
    big = snow_binary(payload, sizeof payload);
    struct snow_stf_opts o = {.size = sizeof o, .max_size = 1000};
    ck_assert_snow_err(snow_stf_encode(big, &o, &buf, &len, err, sizeof err), SNOW_EMSGSIZE);
    uint8_t *enc = enc_ok(big, &len);
    snow_term *t;
    ck_assert_snow_err(snow_stf_decode(enc, len, &o, &t, err, sizeof err), SNOW_EMSGSIZE);
    free(enc);
    /* element count */
    snow_term *l = snow_list(5, snow_int(1), snow_int(2), snow_int(3), snow_int(4), snow_int(5));
    struct snow_stf_opts c = {.size = sizeof c, .max_terms = 5};
    ck_assert_snow_err(snow_stf_encode(l, &c, &buf, &len, err, sizeof err), SNOW_ELIMIT);
    enc = enc_ok(l, &len);
    ck_assert_snow_err(snow_stf_decode(enc, len, &c, &t, err, sizeof err), SNOW_ELIMIT);
    c.max_terms = 6;
    ck_assert_snow_ok(snow_stf_decode(enc, len, &c, &t, err, sizeof err));
    snow_term_release(t);
    free(enc);
    snow_term_release(l);
    snow_term_release(big);
    /* an opts struct from an older caller (only `size` and max_size) */
    struct snow_stf_opts old = {.size = offsetof(struct snow_stf_opts, max_depth), .max_size = 3,
                                .max_depth = 1};
    snow_term *two = snow_list(1, snow_list(1, snow_int(1)));
    enc = enc_ok(two, &len);
    ck_assert_snow_err(snow_stf_decode(enc, len, &old, &t, NULL, 0), SNOW_EMSGSIZE);
    old.max_size = 100; /* max_depth=1 is beyond its size: ignored */
    ck_assert_snow_ok(snow_stf_decode(enc, len, &old, &t, NULL, 0));
    snow_term_release(t);
    free(enc);
    snow_term_release(two);
}
END_TEST

static void expect_bad(const char *hex, int want, const char *msg)
{
    uint8_t in[256];
    size_t n = term_gen_unhex(hex, in, sizeof in);
    uint8_t *p = malloc(n + 1);
    memcpy(p, in, n);
    snow_term *t = (snow_term *)1;
    char err[256] = "";
    int rc = snow_stf_decode(p, n, NULL, &t, err, sizeof err);
    ck_assert_msg(rc == want, "%s: got %s (%s)", hex, snow_strerror_name(rc), err);
    ck_assert_ptr_null(t);
    if (msg != NULL)
        ck_assert_str_eq(err, msg);
    free(p);
}

START_TEST(malformed_input)
{
    expect_bad("", SNOW_EBADTERM, "offset 0: empty input (no version byte)");
    expect_bad("02 80", SNOW_EVERSION,
               "offset 0: STF version 2 is not supported (this node reads version 1)");
    expect_bad("01 14", SNOW_EBADTERM, "offset 1: unknown tag 0x14");
    expect_bad("01 00", SNOW_EBADTERM, "offset 1: unknown tag 0x00");
    expect_bad("01 80 80", SNOW_EBADTERM, "offset 2: 1 trailing bytes after the term");
    /* counts larger than the rest of the input: no allocation attempted */
    expect_bad("01 0d ff ff ff ff 80", SNOW_EBADTERM,
               "offset 2: element count 4294967295 exceeds the 1 bytes left");
    expect_bad("01 0e 00 00 00 02 80 80 81", SNOW_EBADTERM, NULL);
    expect_bad("01 0a ff ff ff f0 41", SNOW_EBADTERM, NULL);
    expect_bad("01 4f 80", SNOW_EBADTERM, NULL);
    expect_bad("01 10 01 53 ff ff ff ff", SNOW_EBADTERM, NULL);
    /* invalid content */
    expect_bad("01 22 c3 28", SNOW_EBADTERM, "offset 1: string is not valid UTF-8");
    expect_bad("01 08 7f f8 00 00 00 00 00 00", SNOW_EBADTERM, "offset 1: float is NaN");
    expect_bad("01 09 00", SNOW_EBADTERM, NULL);
    expect_bad("01 09 02 ff fe", SNOW_EBADTERM, NULL);
    expect_bad("01 10 01 53 00 00 00 02 01 61 80 01 61 81", SNOW_EBADTERM,
               "offset 1: struct has a duplicate field name");
    expect_bad("01 12 01 6e 00 00 00 00 00 00 00 00 00 00 00 01", SNOW_ENONODE,
               "offset 1: pid from node 'n' but no node table to translate it");
}
END_TEST

START_TEST(noncanonical_accepted)
{
    /* unsorted map with a duplicate key (last wins), long forms for short
     * values, unsorted set with duplicates */
    const char *hex = "01 63 09 01 62 82 81 80 09 01 62 83";
    uint8_t in[64];
    size_t n = term_gen_unhex(hex, in, sizeof in);
    snow_term *t;
    ck_assert_snow_ok(snow_stf_decode(in, n, NULL, &t, NULL, 0));
    snow_term *want = parse_ok("#{1 => 0, b => 3}");
    ck_assert(snow_term_equal(t, want));
    snow_term_release(t);
    snow_term_release(want);
    n = term_gen_unhex("01 0d 00 00 00 02 07 00 00 00 00 00 00 00 05 0a 00 00 00 01 61", in,
                       sizeof in);
    ck_assert_snow_ok(snow_stf_decode(in, n, NULL, &t, NULL, 0));
    want = parse_ok("[5, \"a\"]");
    ck_assert(snow_term_equal(t, want));
    snow_term_release(t);
    snow_term_release(want);
    n = term_gen_unhex("01 0f 00 00 00 03 83 81 83", in, sizeof in);
    ck_assert_snow_ok(snow_stf_decode(in, n, NULL, &t, NULL, 0));
    want = parse_ok("#set[1, 3]");
    ck_assert(snow_term_equal(t, want));
    snow_term_release(t);
    snow_term_release(want);
}
END_TEST

/* ---- atom quota ---- */

START_TEST(atom_quota)
{
    size_t total, decoded, quota;
    ck_assert_snow_ok(snow_atom_stats(&total, &decoded, &quota));
    ck_assert_uint_eq(quota, SNOW_STF_ATOM_QUOTA_DEFAULT);
    ck_assert_snow_ok(snow_stf_set_atom_quota(decoded + 2));
    char hex[64];
    snow_term *t;
    char err[256];
    for (int i = 0; i < 3; i++) {
        uint8_t in[16] = {SNOW_STF_VERSION, 0x09, 5, 'q', 'u', 'o', 't', (uint8_t)('a' + i)};
        int rc = snow_stf_decode(in, 8, NULL, &t, err, sizeof err);
        if (i < 2) {
            ck_assert_snow_ok(rc);
            ck_assert(snow_term_is_atom(t, i == 0 ? "quota" : "quotb"));
        } else {
            ck_assert_snow_err(rc, SNOW_ELIMIT);
            snprintf(hex, sizeof hex, "(%zu)", decoded + 2);
            ck_assert_ptr_nonnull(strstr(err, "decode quota"));
            ck_assert_ptr_nonnull(strstr(err, hex));
        }
        if (rc == 0)
            snow_term_release(t);
    }
    /* known atoms still decode; the program can still make new ones */
    uint8_t known[] = {SNOW_STF_VERSION, 0x09, 5, 'q', 'u', 'o', 't', 'a'};
    ck_assert_snow_ok(snow_stf_decode(known, sizeof known, NULL, &t, NULL, 0));
    ck_assert_ptr_nonnull(snow_atom("quotc"));
    uint8_t now_known[] = {SNOW_STF_VERSION, 0x09, 5, 'q', 'u', 'o', 't', 'c'};
    ck_assert_snow_ok(snow_stf_decode(now_known, sizeof now_known, NULL, &t, NULL, 0));
    /* struct names count too */
    uint8_t st[] = {SNOW_STF_VERSION, 0x10, 3, 'Q', 'Q', 'Q', 0, 0, 0, 0};
    ck_assert_snow_err(snow_stf_decode(st, sizeof st, NULL, &t, NULL, 0), SNOW_ELIMIT);
    ck_assert_snow_ok(snow_atom_stats(&total, &decoded, &quota));
    ck_assert_uint_eq(decoded, quota);
}
END_TEST

/* ---- pid translation ---- */

struct node_table {
    int calls;
};

static int ids_to_wire(void *ctx, bool is_ref, uint64_t value, const char **node,
                       size_t *node_len, uint32_t *creation, uint64_t *id)
{
    struct node_table *nt = ctx;
    nt->calls++;
    if (snow_pid_node(value) == 0) {
        *node = "alpha@host";
    } else if (snow_pid_node(value) == 3) {
        *node = "beta@host";
    } else {
        return SNOW_ENONODE;
    }
    *node_len = strlen(*node);
    *creation = is_ref ? 9 : 7;
    *id = value & SNOW_LOCAL_MASK;
    return 0;
}

/* The receiving node: alpha is its slot 5, beta is itself (slot 0). */
static int ids_from_wire(void *ctx, bool is_ref, const char *node, size_t node_len,
                         uint32_t creation, uint64_t id, uint64_t *value)
{
    struct node_table *nt = ctx;
    nt->calls++;
    if (creation != (is_ref ? 9u : 7u))
        return SNOW_EPROTO;
    if (node_len == 10 && memcmp(node, "alpha@host", 10) == 0)
        *value = ((uint64_t)5 << SNOW_NODE_SHIFT) | id;
    else if (node_len == 9 && memcmp(node, "beta@host", 9) == 0)
        *value = id;
    else
        return SNOW_ENONODE;
    return 0;
}

START_TEST(pid_translation)
{
    struct node_table nt = {0};
    struct snow_stf_ids ids = {&nt, ids_to_wire, ids_from_wire};
    struct snow_stf_opts o = {.size = sizeof o, .ids = &ids};
    snow_pid local = 42, remote = ((uint64_t)3 << SNOW_NODE_SHIFT) | 77;
    snow_term *t = snow_tuple(3, snow_pid_term(local), snow_pid_term(remote), snow_ref_term(5));
    void *buf;
    size_t len;
    ck_assert_snow_ok(snow_stf_encode(t, &o, &buf, &len, NULL, 0));
    ck_assert_int_eq(nt.calls, 3);
    snow_term *back;
    ck_assert_snow_ok(snow_stf_decode(buf, len, &o, &back, NULL, 0));
    const snow_term *e;
    snow_pid p;
    ck_assert_snow_ok(snow_term_elem(back, 0, &e));
    ck_assert_snow_ok(snow_term_pid(e, &p));
    ck_assert_uint_eq(p, ((uint64_t)5 << SNOW_NODE_SHIFT) | 42); /* alpha as seen by beta */
    ck_assert_snow_ok(snow_term_elem(back, 1, &e));
    ck_assert_snow_ok(snow_term_pid(e, &p));
    ck_assert_uint_eq(p, 77); /* beta's own pid comes home as local */
    snow_term *out;
    char err[200];
    ck_assert_snow_err(snow_stf_decode(buf, len, NULL, &out, err, sizeof err), SNOW_ENONODE);
    free(buf);
    snow_term *bad = snow_pid_term((uint64_t)9 << SNOW_NODE_SHIFT);
    ck_assert_snow_err(snow_stf_encode(bad, &o, &buf, &len, NULL, 0), SNOW_ENONODE);
    snow_term_release(bad);
    snow_term_release(back);
    snow_term_release(t);
}
END_TEST

START_TEST(encode_into_sizes)
{
    snow_term *t = snow_tuple(2, snow_int(1), snow_string("hello world"));
    uint8_t buf[64];
    size_t len;
    char err[128];
    ck_assert_snow_err(snow_stf_encode_into(t, NULL, buf, 10, &len, err, sizeof err), SNOW_ERANGE);
    ck_assert_uint_eq(len, 15);
    ck_assert_snow_err(snow_stf_encode_into(t, NULL, NULL, 0, &len, NULL, 0), SNOW_ERANGE);
    ck_assert_uint_eq(len, 15);
    ck_assert_snow_ok(snow_stf_encode_into(t, NULL, buf, 15, &len, NULL, 0));
    ck_assert_uint_eq(len, 15);
    ck_assert_snow_err(snow_stf_encode(NULL, NULL, (void **)&err, &len, NULL, 0), SNOW_EINVAL);
    snow_term_release(t);
}
END_TEST

/* Every encoder refuses what the limits refuse, flat fast path or not,
 * and leaves nothing behind. */
static void expect_refused(const snow_term *t, const struct snow_stf_opts *o, int want)
{
    char err[256] = "";
    void *buf = (void *)1;
    size_t len;
    uint8_t fixed[1024];
    snow_term *bin = (snow_term *)1;
    ck_assert_snow_err(snow_stf_encode(t, o, &buf, &len, err, sizeof err), want);
    ck_assert_ptr_null(buf);
    ck_assert_msg(err[0] != '\0', "no error text");
    ck_assert_snow_err(snow_stf_encode_into(t, o, fixed, sizeof fixed, &len, NULL, 0), want);
    ck_assert_snow_err(snow_stf_encode_into(t, o, fixed, 20, &len, NULL, 0), want);
    ck_assert_snow_err(snow_stf_encode_binary(t, o, &bin, NULL, 0), want);
    ck_assert_ptr_null(bin);
}

START_TEST(encode_binary_and_limits)
{
    snow_term *hello = snow_tuple(2, snow_int(7), snow_string("hello world"));
    snow_term *bin;
    const void *bytes;
    size_t len;
    ck_assert_snow_ok(snow_stf_encode_binary(hello, NULL, &bin, NULL, 0));
    ck_assert_int_eq(snow_term_type(bin), SNOW_T_BINARY);
    ck_assert_snow_ok(snow_term_binary(bin, &bytes, &len));
    uint8_t want[] = {SNOW_STF_VERSION, 0x42, 0x87, 0x2b, 'h', 'e', 'l', 'l', 'o', ' ',
                      'w', 'o', 'r', 'l', 'd'};
    ck_assert_uint_eq(len, sizeof want);
    ck_assert_int_eq(memcmp(bytes, want, len), 0);
    snow_term *back;
    ck_assert_snow_ok(snow_stf_decode(bytes, len, NULL, &back, NULL, 0));
    ck_assert(snow_term_equal(back, hello));
    snow_term_release(back);
    snow_term_release(bin);
    /* a buffer big enough for any flat message is written in place */
    uint8_t big[600];
    ck_assert_snow_ok(snow_stf_encode_into(hello, NULL, big, sizeof big, &len, NULL, 0));
    ck_assert_uint_eq(len, sizeof want);
    ck_assert_int_eq(memcmp(big, want, len), 0);
    /* the limits hold on the flat path too */
    struct snow_stf_opts o = {.size = sizeof o, .max_terms = 2};
    expect_refused(hello, &o, SNOW_ELIMIT);
    o = (struct snow_stf_opts){.size = sizeof o, .max_size = 14};
    expect_refused(hello, &o, SNOW_EMSGSIZE);
    snow_term *lone = snow_string("a string of more than thirty-one bytes");
    o.max_size = 20;
    expect_refused(lone, &o, SNOW_EMSGSIZE);
    snow_term *fn = snow_tuple(2, snow_int(1), snow_function((snow_fn_ptr)abort, "cb", NULL));
    expect_refused(fn, NULL, SNOW_ENOTSERIALIZABLE);
    snow_term_release(fn);
    snow_term_release(lone);
    snow_term_release(hello);
}
END_TEST

/* An ids callback that names a node of a different length on each call
 * (a node table changing under the encoder): a message too big for the
 * stack buffer is encoded twice, and the result must still be exactly one
 * whole encoding. */
static int flip_calls;
static bool flip_grow;
static int flip_to_wire(void *ctx, bool is_ref, uint64_t value, const char **node,
                        size_t *node_len, uint32_t *creation, uint64_t *id)
{
    (void)ctx;
    (void)is_ref;
    bool first = flip_calls++ % 2 == 0;
    *node = "nodename@host";
    *node_len = first != flip_grow ? 13 : 1;
    *creation = 1;
    *id = value;
    return 0;
}

static int flip_from_wire(void *ctx, bool is_ref, const char *node, size_t node_len,
                          uint32_t creation, uint64_t id, uint64_t *value)
{
    (void)ctx;
    (void)is_ref;
    (void)node;
    (void)node_len;
    (void)creation;
    *value = id;
    return 0;
}

static void expect_whole(const void *bytes, size_t len)
{
    struct snow_stf_ids ids = {NULL, NULL, flip_from_wire};
    struct snow_stf_opts o = {.size = sizeof o, .ids = &ids};
    snow_term *back = NULL;
    char err[256] = "";
    int rc = snow_stf_decode(bytes, len, &o, &back, err, sizeof err);
    ck_assert_msg(rc == 0, "decode: %s", err);
    const snow_term *blob;
    const void *data;
    size_t n;
    ck_assert_snow_ok(snow_term_elem(back, 0, &blob));
    ck_assert_snow_ok(snow_term_binary(blob, &data, &n));
    ck_assert_uint_eq(n, 2000);
    snow_term_release(back);
}

START_TEST(two_runs_that_differ)
{
    static uint8_t blob[2000];
    struct snow_stf_ids ids = {NULL, flip_to_wire, NULL};
    struct snow_stf_opts o = {.size = sizeof o, .ids = &ids};
    snow_term *t = snow_tuple(2, snow_binary(blob, sizeof blob),
                              snow_pid_term(((snow_pid)1 << SNOW_NODE_SHIFT) | 5));
    for (int grow = 0; grow < 2; grow++) {
        flip_grow = grow;
        flip_calls = 0;
        void *buf = NULL;
        size_t len = 0;
        char err[256] = "";
        ck_assert_msg(snow_stf_encode(t, &o, &buf, &len, err, sizeof err) == 0, "%s", err);
        expect_whole(buf, len);
        free(buf);
        flip_calls = 0;
        snow_term *bin = NULL;
        const void *bytes;
        ck_assert_msg(snow_stf_encode_binary(t, &o, &bin, err, sizeof err) == 0, "%s", err);
        ck_assert_snow_ok(snow_term_binary(bin, &bytes, &len));
        ck_assert_int_eq(((const char *)bytes)[len], '\0');
        expect_whole(bytes, len);
        snow_term_release(bin);
    }
    snow_term_release(t);
}
END_TEST

/* The distribution layer's split encode (head here, big trailing payload
 * left in the term) must give exactly snow_stf_encode's bytes, and decline
 * every other shape. */
static void expect_tail_split(const snow_term *t)
{
    uint8_t head[512];
    size_t hlen = 0, tlen = 0, len;
    const uint8_t *tail = NULL;
    ck_assert_snow_ok(sk_stf_encode_tail(t, NULL, head, sizeof head, &hlen, &tail, &tlen));
    ck_assert_uint_ge(tlen, SK_STF_TAIL_MIN);
    uint8_t *whole = enc_ok(t, &len);
    ck_assert_uint_eq(hlen + tlen, len);
    ck_assert_int_eq(memcmp(whole, head, hlen), 0);
    ck_assert_int_eq(memcmp(whole + hlen, tail, tlen), 0);
    free(whole);
}

static void expect_no_tail_split(const snow_term *t, const struct snow_stf_opts *o, size_t cap)
{
    uint8_t head[512];
    size_t hlen, tlen;
    const uint8_t *tail;
    ck_assert_snow_err(sk_stf_encode_tail(t, o, head, cap, &hlen, &tail, &tlen), SNOW_ENOTSUP);
}

START_TEST(split_encode_of_big_tails)
{
    static char big[5000];
    memset(big, 'q', sizeof big);
    snow_term *bin = snow_binary(big, 4000), *str = snow_string_len(big, 600);
    snow_term *small = snow_binary(big, SK_STF_TAIL_MIN - 1);
    expect_tail_split(bin);
    expect_tail_split(str);
    snow_term *t1 = snow_tuple(5, snow_int(1000000), snow_nil(), snow_bool(true),
                               snow_string("short"), snow_term_ref(bin));
    snow_term *t2 = snow_list(2, snow_binary("\1\2", 2), snow_term_ref(str));
    expect_tail_split(t1);
    expect_tail_split(t2);
    snow_term *first = snow_tuple(2, snow_term_ref(bin), snow_int(1));
    snow_term *nested = snow_tuple(2, snow_list(1, snow_int(1)), snow_term_ref(bin));
    snow_term *short_tail = snow_tuple(2, snow_int(1), snow_term_ref(small));
    expect_no_tail_split(first, NULL, 512);
    expect_no_tail_split(nested, NULL, 512);
    expect_no_tail_split(short_tail, NULL, 512);
    expect_no_tail_split(small, NULL, 512);
    expect_no_tail_split(t1, NULL, 8); /* the head does not fit */
    struct snow_stf_opts o = {.size = sizeof o, .max_size = 3000};
    expect_no_tail_split(t1, &o, 512); /* over max_size: the general path says so */
    o = (struct snow_stf_opts){.size = sizeof o, .max_terms = 5};
    expect_no_tail_split(t1, &o, 512);
    snow_term *terms[] = {bin, str, small, t1, t2, first, nested, short_tail};
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++)
        snow_term_release(terms[i]);
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("stf");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"vectors", golden_vectors},
        {"spec_examples", spec_examples_are_vectors},
        {"truncations", truncations_rejected},
        {"hello_size", hello_world_size},
        {"round_trip", random_round_trip},
        {"byte_flips", random_byte_flips},
        {"function_paths", function_paths},
        {"appender", appender_outputs_nothing_on_error},
        {"depth", depth_limit},
        {"limits", size_and_count_limits},
        {"malformed", malformed_input},
        {"noncanonical", noncanonical_accepted},
        {"atom_quota", atom_quota},
        {"pids", pid_translation},
        {"encode_into", encode_into_sizes},
        {"encode_binary", encode_binary_and_limits},
        {"two_runs", two_runs_that_differ},
        {"split_tail", split_encode_of_big_tails},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
