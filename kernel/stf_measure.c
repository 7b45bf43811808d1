/* SPDX-License-Identifier: MIT */
/* STF decoding, pass 1: the memory a decoded term needs, as one block. */
#include "stf.h"
#include "term_impl.h"

#include <string.h>

/*
 * The decoder (kernel/stf_decode.c) builds a term in one block of exactly
 * the size found here (see "Blocks" in term_impl.h). This pass only walks
 * the structure: tags, lengths and counts, with the same bounds, depth and
 * term limits as the decoder. It reports nothing: on anything it does not
 * like it gives up (SIZE_MAX), and the decoder then runs without a block,
 * where it finds and reports the problem with its offset. Value checks
 * (UTF-8, NaN, atom names, pids, duplicate fields) are left to the
 * decoder, which fails the whole block if one does not hold.
 */
struct meas {
    const uint8_t *end;
    size_t terms, max_terms, bytes;
    unsigned max_depth;
};

/* Every helper takes the cursor and returns it moved past what it read,
 * or NULL to give up (the cursor stays in a register this way). */
static inline const uint8_t *meas_skip(const struct meas *m, const uint8_t *p, size_t n)
{
    return (size_t)(m->end - p) >= n ? p + n : NULL;
}

/* A u32 count; `unit` is the fewest bytes one element can take. */
static inline const uint8_t *meas_count(const struct meas *m, const uint8_t *p, size_t unit,
                                        size_t *n)
{
    if (p == NULL || m->end - p < 4)
        return NULL;
    *n = sk_stf_get32(p);
    p += 4;
    return *n <= (size_t)(m->end - p) / unit ? p : NULL;
}

/* An atom name (u8 length + bytes), checked by the decoder. */
static inline const uint8_t *meas_name(const struct meas *m, const uint8_t *p)
{
    return p != NULL && p < m->end ? meas_skip(m, p + 1, *p) : NULL;
}

static inline void meas_add(struct meas *m, size_t body) { m->bytes += sk_block_share(body); }

static const uint8_t *meas_term(struct meas *m, const uint8_t *p, unsigned depth);

/* n elements. Small ints and short strings, the commonest ones, are taken
 * here without a call. */
static inline const uint8_t *meas_items(struct meas *m, const uint8_t *p, size_t n, unsigned depth)
{
    for (size_t i = 0; p != NULL && i < n; i++) {
        if (p < m->end && m->terms < m->max_terms && *p >= SK_STF_STRING_S &&
            (*p >= SK_STF_SMALL || *p <= SK_STF_STRING_S + SK_STF_STRING_S_MAX)) {
            m->terms++;
            if (*p >= SK_STF_SMALL) {
                p++;
            } else {
                size_t len = *p - SK_STF_STRING_S;
                meas_add(m, sk_bytes_body(len));
                p = meas_skip(m, p + 1, len);
            }
            continue;
        }
        p = meas_term(m, p, depth);
    }
    return p;
}

static inline const uint8_t *meas_bytes(struct meas *m, const uint8_t *p, size_t n)
{
    meas_add(m, sk_bytes_body(n));
    return p != NULL ? meas_skip(m, p, n) : NULL;
}

/* Tuple, list, map, set, struct or variant after its tag. */
static const uint8_t *meas_container(struct meas *m, const uint8_t *p, unsigned tag, unsigned depth)
{
    size_t n;
    if (++depth > m->max_depth)
        return NULL;
    if (tag >= SK_STF_TUPLE_S) { /* short tuple, list or map: count in the tag */
        n = tag & 0x0F;
        bool map = tag >= SK_STF_MAP_S;
        if (n > (size_t)(m->end - p) / (map ? 2 : 1))
            return NULL;
        if (n > 0 || map) /* the empty tuple and list are shared */
            meas_add(m, sk_seq_body(map ? 2 * n : n));
        return meas_items(m, p, map ? 2 * n : n, depth);
    }
    switch (tag) {
    case SK_STF_TUPLE:
    case SK_STF_LIST:
        if ((p = meas_count(m, p, 1, &n)) == NULL)
            return NULL;
        if (n > 0)
            meas_add(m, sk_seq_body(n));
        return meas_items(m, p, n, depth);
    case SK_STF_MAP:
        if ((p = meas_count(m, p, 2, &n)) == NULL)
            return NULL;
        meas_add(m, sk_seq_body(2 * n));
        return meas_items(m, p, 2 * n, depth);
    case SK_STF_SET:
        if ((p = meas_count(m, p, 1, &n)) == NULL)
            return NULL;
        meas_add(m, sk_seq_body(n));
        return meas_items(m, p, n, depth);
    case SK_STF_STRUCT:
        if ((p = meas_count(m, meas_name(m, p), 3, &n)) == NULL)
            return NULL;
        meas_add(m, sk_struct_body(n));
        for (size_t i = 0; p != NULL && i < n; i++)
            if ((p = meas_name(m, p)) != NULL)
                p = meas_term(m, p, depth);
        return p;
    default: /* SK_STF_VARIANT */
        if ((p = meas_count(m, meas_name(m, meas_name(m, p)), 1, &n)) == NULL)
            return NULL;
        meas_add(m, sk_seq_body(n));
        return meas_items(m, p, n, depth);
    }
}

static const uint8_t *meas_term(struct meas *m, const uint8_t *p, unsigned depth)
{
    if (p == m->end || ++m->terms > m->max_terms)
        return NULL;
    unsigned tag = *p++;
    if (tag >= SK_STF_SMALL)
        return p;
    if (tag >= SK_STF_BINARY_S)
        return meas_bytes(m, p, tag - SK_STF_BINARY_S);
    if (tag >= SK_STF_TUPLE_S)
        return meas_container(m, p, tag, depth);
    if (tag >= SK_STF_STRING_S)
        return meas_bytes(m, p, tag - SK_STF_STRING_S);
    size_t n;
    switch (tag) {
    case SK_STF_NIL:
    case SK_STF_FALSE:
    case SK_STF_TRUE:
        return p;
    case SK_STF_INT8:
        return meas_skip(m, p, 1);
    case SK_STF_INT16:
        return meas_skip(m, p, 2);
    case SK_STF_INT32:
    case SK_STF_INT64: {
        size_t w = tag == SK_STF_INT32 ? 4 : 8;
        if ((size_t)(m->end - p) < w)
            return NULL;
        int64_t v = sk_stf_int_body(p, (unsigned)w);
        if (v < SK_SMALL_MIN || v > SK_SMALL_MAX) /* as snow_int: boxed */
            meas_add(m, sizeof(struct sk_int));
        return p + w;
    }
    case SK_STF_FLOAT:
        meas_add(m, sizeof(struct sk_float));
        return meas_skip(m, p, 8);
    case SK_STF_ATOM:
        return meas_name(m, p);
    case SK_STF_STRING:
    case SK_STF_BINARY:
        p = meas_count(m, p, 1, &n);
        return p != NULL ? meas_bytes(m, p, n) : NULL;
    case SK_STF_PID:
    case SK_STF_REF:
        meas_add(m, sizeof(struct sk_id));
        return p < m->end ? meas_skip(m, p + 1, (size_t)*p + 12) : NULL;
    case SK_STF_TUPLE:
    case SK_STF_LIST:
    case SK_STF_MAP:
    case SK_STF_SET:
    case SK_STF_STRUCT:
    case SK_STF_VARIANT:
        return meas_container(m, p, tag, depth);
    default:
        return NULL;
    }
}

size_t sk_stf_measure(const uint8_t *p, const uint8_t *end, const struct sk_stf_limits *lim)
{
    struct meas m;
    m.end = end;
    m.terms = 0;
    m.max_terms = lim->max_terms;
    m.bytes = 0;
    m.max_depth = lim->max_depth;
    return meas_term(&m, p, 0) != NULL ? m.bytes : SIZE_MAX;
}
