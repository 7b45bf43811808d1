/* SPDX-License-Identifier: MIT */
/* Seeded random term generator: every type, nesting, awkward sizes. */
#include "term_gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void term_gen_init(struct term_gen *g, uint64_t seed)
{
    g->state = seed * 0x9E3779B97F4A7C15u + 1;
    g->max_depth = 4;
    g->functions = false;
    g->big = true;
}

/* xorshift64*: small, fast, good enough for test data. */
uint64_t term_gen_next(struct term_gen *g)
{
    uint64_t x = g->state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    g->state = x;
    return x * 0x2545F4914F6CDD1Du;
}

static unsigned gen_below(struct term_gen *g, unsigned n) { return (unsigned)(term_gen_next(g) % n); }

static void gen_fn(void) {}

/* Sizes: mostly small, sometimes around the format's short/long edges. */
static size_t gen_size(struct term_gen *g, size_t small)
{
    unsigned r = gen_below(g, 100);
    if (r < 80)
        return gen_below(g, (unsigned)small + 1);
    if (r < 97)
        return 14 + gen_below(g, 20); /* 15/16 and 31/32 boundaries */
    return g->big ? 200 + gen_below(g, 400) : 20;
}

static int64_t gen_int(struct term_gen *g)
{
    switch (gen_below(g, 6)) {
    case 0:
        return gen_below(g, 128);
    case 1:
        return (int8_t)term_gen_next(g);
    case 2:
        return (int16_t)term_gen_next(g);
    case 3:
        return (int32_t)term_gen_next(g);
    case 4: {
        static const int64_t edge[] = {INT64_MIN, INT64_MAX, INT64_MIN / 2, INT64_MAX / 2,
                                       INT64_MAX / 2 + 1, INT64_MIN / 2 - 1, 127, 128, -128, -129};
        return edge[gen_below(g, 10)];
    }
    default:
        return (int64_t)term_gen_next(g);
    }
}

static double gen_float(struct term_gen *g)
{
    static const double special[] = {0.0, -0.0, 1.0, -1.5, 1e308, -1e-308, 5e-324, INFINITY,
                                     -INFINITY, 0.1};
    if (gen_below(g, 4) == 0)
        return special[gen_below(g, 10)];
    for (;;) {
        uint64_t bits = term_gen_next(g);
        double d;
        memcpy(&d, &bits, sizeof d);
        if (!isnan(d))
            return d;
    }
}

/* Valid UTF-8 from a mix of 1-4 byte code points (and NUL). */
static size_t gen_utf8(struct term_gen *g, char *buf, size_t want)
{
    static const char *const pieces[] = {"a", "z", " ", "\"", "\\", "\n", "'", "\x01", "\0",
                                         "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "7",
                                         "\x7f", "\xed\x9f\xbf", "\xf4\x8f\xbf\xbf"};
    static const size_t plen[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 1, 1, 3, 4};
    size_t n = 0;
    while (n < want) {
        unsigned k = gen_below(g, 16);
        if (n + plen[k] > want)
            k = 0;
        memcpy(buf + n, pieces[k], plen[k]);
        n += plen[k];
    }
    return n;
}

static char *gen_name(struct term_gen *g, char *buf)
{
    static const char *const names[] = {"ok", "error", "x", "y", "Point", "Some", "a b",
                                        "with'quote", "nil", "Upper", "\xc3\xa9t\xc3\xa9", "_u"};
    if (gen_below(g, 3) == 0)
        return strcpy(buf, names[gen_below(g, 12)]);
    snprintf(buf, 32, "n%u", gen_below(g, 300));
    return buf;
}

static snow_term *gen_depth(struct term_gen *g, unsigned depth);

/* Container sizes: small, around the 15/16 short-form edge, rarely big
 * (only at the top, so a term stays a few dozen nodes on average). */
static size_t gen_count(struct term_gen *g, unsigned depth)
{
    unsigned r = gen_below(g, 1000);
    if (r < 850)
        return gen_below(g, 5);
    if (r < 980)
        return 14 + gen_below(g, 4);
    if (r < 998 || depth > 0 || !g->big)
        return 30 + gen_below(g, 10);
    return 200 + gen_below(g, 300);
}

static snow_term *gen_container(struct term_gen *g, unsigned depth, unsigned kind)
{
    size_t n = gen_count(g, depth);
    snow_term *stack[64], **items = n <= 32 ? stack : malloc(2 * n * sizeof *items);
    if (items == NULL)
        return NULL;
    size_t m = kind == 2 ? 2 * n : n;
    for (size_t i = 0; i < m; i++)
        items[i] = gen_depth(g, depth + 1);
    snow_term *t = NULL;
    char type[32], ctor[32];
    switch (kind) {
    case 0:
        t = snow_tuple_from(n, items);
        break;
    case 1:
        t = snow_list_from(n, items);
        break;
    case 2: {
        /* keys then values; maybe duplicate keys */
        snow_term *keys[64], *vals[64];
        snow_term **k = n <= 64 ? keys : malloc(n * sizeof *k);
        snow_term **v = n <= 64 ? vals : malloc(n * sizeof *v);
        for (size_t i = 0; i < n; i++) {
            k[i] = items[2 * i];
            v[i] = items[2 * i + 1];
        }
        t = snow_map_from(n, k, v);
        if (k != keys)
            free(k);
        if (v != vals)
            free(v);
        break;
    }
    case 3:
        t = snow_set_from(n, items);
        break;
    case 4: {
        const char *fields[64];
        char fbuf[64][16];
        if (n > 64)
            n = 64;
        for (size_t i = n; i < m; i++)
            snow_term_release(items[i]);
        for (size_t i = 0; i < n; i++) {
            snprintf(fbuf[i], sizeof fbuf[i], "f%zu", i);
            fields[i] = fbuf[i];
        }
        t = snow_struct_from(gen_name(g, type), n, fields, items);
        break;
    }
    default:
        t = snow_variant_from(gen_name(g, type), gen_name(g, ctor), n, items);
        break;
    }
    if (items != stack)
        free(items);
    return t;
}

static snow_term *gen_depth(struct term_gen *g, unsigned depth)
{
    unsigned k = gen_below(g, depth >= g->max_depth ? 12 : 18);
    char buf[1024];
    switch (k) {
    case 0:
        return snow_int(gen_int(g));
    case 1:
        return snow_float(gen_float(g));
    case 2:
        return snow_atom(gen_name(g, buf));
    case 3:
        return snow_bool(gen_below(g, 2));
    case 4:
        return snow_nil();
    case 5: {
        size_t n = gen_size(g, 12);
        return snow_string_len(buf, gen_utf8(g, buf, n > 1000 ? 1000 : n));
    }
    case 6: {
        size_t n = gen_size(g, 12);
        for (size_t i = 0; i < n && i < sizeof buf; i++)
            buf[i] = (char)term_gen_next(g);
        return snow_binary(buf, n > sizeof buf ? sizeof buf : n);
    }
    case 7:
        return snow_pid_term(term_gen_next(g) & 0x0003FFFFFFFFFFFFu);
    case 8:
        return snow_ref_term(term_gen_next(g));
    case 9:
        return snow_int(gen_below(g, 128));
    case 10:
        if (g->functions && gen_below(g, 4) == 0)
            return snow_function(gen_fn, "gen_fn", snow_int(depth));
        return snow_string("hello world");
    case 11:
        return snow_int((int64_t)gen_below(g, 1000) - 500);
    default:
        return gen_container(g, depth, k - 12);
    }
}

snow_term *term_gen_term(struct term_gen *g) { return gen_depth(g, 0); }

size_t term_gen_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    unsigned v;
    int used;
    while (n < cap && sscanf(hex, " %2x%n", &v, &used) == 1) {
        out[n++] = (uint8_t)v;
        hex += used;
    }
    return n;
}
