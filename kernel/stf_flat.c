/* SPDX-License-Identifier: MIT */
/* STF decoding fast path: a lone string or binary, or a short tuple or list
 * of scalars in one block. */
#include "stf.h"
#include "term_impl.h"

#include <string.h>

/*
 * Most messages are small flat tuples such as {Seq, "hello world"} or
 * {42, nil, true}. For those the general decoder's sizing walk and
 * recursion cost more than the decoding itself, so this path sizes them
 * in a short loop over the elements and fills one block (see "Blocks" in
 * term_impl.h) in a second loop. It only accepts: a string or binary on
 * its own, or a short-form tuple or list (1..15 elements) whose elements
 * are ints (immediates), nil, booleans, strings or binaries.
 * Anything else, and any problem (truncation, bad UTF-8, limits, out of
 * memory), gives NULL: the general decoder then decodes the input again
 * and reports the problem with its offset, so error handling stays in one
 * place.
 */

/* A string or binary head (short or long form) at q: its type and body
 * length; returns where the body starts, or NULL for another tag or a
 * body that runs past the end. */
static inline const uint8_t *flat_bytes(const uint8_t *q, const uint8_t *end, size_t *len,
                                        enum snow_type *type)
{
    unsigned tag = *q++;
    if (tag >= SK_STF_BINARY_S && tag < SK_STF_SMALL) {
        *len = tag - SK_STF_BINARY_S;
        *type = SNOW_T_BINARY;
    } else if (tag >= SK_STF_STRING_S && tag <= SK_STF_STRING_S + SK_STF_STRING_S_MAX) {
        *len = tag - SK_STF_STRING_S;
        *type = SNOW_T_STRING;
    } else if ((tag == SK_STF_STRING || tag == SK_STF_BINARY) && end - q >= 4) {
        *len = sk_stf_get32(q);
        q += 4;
        *type = tag == SK_STF_STRING ? SNOW_T_STRING : SNOW_T_BINARY;
    } else {
        return NULL;
    }
    return (size_t)(end - q) >= *len ? q : NULL;
}

/* An immediate element at q (an int that is an immediate, nil, a
 * boolean): stores it and returns the byte after it; NULL for other
 * elements or a body that runs past the end. */
static inline const uint8_t *flat_imm(const uint8_t *q, const uint8_t *end, snow_term **out)
{
    unsigned tag = *q++;
    if (tag >= SK_STF_SMALL) {
        *out = sk_small_make((int64_t)(tag - SK_STF_SMALL));
        return q;
    }
    if (tag == SK_STF_NIL || tag == SK_STF_FALSE || tag == SK_STF_TRUE) {
        *out = tag == SK_STF_NIL ? SK_NIL
                                 : sk_atom_make(tag == SK_STF_TRUE ? SK_ATOM_TRUE : SK_ATOM_FALSE);
        return q;
    }
    unsigned width = sk_stf_int_width(tag);
    if (width == 0 || (size_t)(end - q) < width)
        return NULL;
    int64_t v = sk_stf_int_body(q, width);
    if (v < SK_SMALL_MIN || v > SK_SMALL_MAX) /* boxed: the general path */
        return NULL;
    *out = sk_small_make(v);
    return q + width;
}

/* A lone string or binary: one plain term. */
static snow_term *flat_lone(const uint8_t *p, const uint8_t *end, const uint8_t **stop)
{
    size_t len = 0;
    enum snow_type type = SNOW_T_STRING;
    const uint8_t *body = flat_bytes(p, end, &len, &type);
    if (body == NULL)
        return NULL;
    snow_term *t = sk_term_alloc(type, sk_bytes_body(len));
    if (t == NULL)
        return NULL;
    if (!sk_bytes_fill(t, body, len)) {
        sk_term_free(t);
        return NULL;
    }
    *stop = body + len;
    return t;
}

snow_term *sk_stf_decode_flat(const uint8_t *p, const uint8_t *end, const struct sk_stf_limits *lim,
                              const uint8_t **stop)
{
    if (p == end)
        return NULL;
    if (*p < SK_STF_TUPLE_S || *p >= SK_STF_MAP_S)
        return flat_lone(p, end, stop);
    size_t n = *p & 0x0F;
    if (n == 0 || n + 1 > lim->max_terms || lim->max_depth < 1)
        return NULL;
    /* Pass 1: every element is a scalar within the input; what pass 2
     * needs is noted per element (NULL body: an immediate). */
    snow_term *imm[SK_STF_SEQ_S_MAX];
    const uint8_t *body[SK_STF_SEQ_S_MAX];
    size_t len[SK_STF_SEQ_S_MAX];
    enum snow_type type[SK_STF_SEQ_S_MAX];
    size_t head = sk_block_share(sk_seq_body(n)), size = head;
    const uint8_t *q = p + 1;
    for (size_t i = 0; i < n; i++) {
        if (q == end)
            return NULL;
        const uint8_t *after = flat_imm(q, end, &imm[i]);
        if (after != NULL) {
            body[i] = NULL;
            q = after;
            continue;
        }
        if ((body[i] = flat_bytes(q, end, &len[i], &type[i])) == NULL)
            return NULL;
        q = body[i] + len[i];
        size += sk_block_share(sk_bytes_body(len[i]));
    }
    /* Pass 2: fill the block. */
    snow_term *t = sk_term_alloc(*p < SK_STF_LIST_S ? SNOW_T_TUPLE : SNOW_T_LIST, size);
    if (t == NULL)
        return NULL;
    t->block = 1;
    t->n = n;
    char *next = (char *)t + head;
    for (size_t i = 0; i < n; i++) {
        if (body[i] == NULL) {
            sk_items(t)[i] = imm[i];
            continue;
        }
        snow_term *b = sk_items(t)[i] = sk_block_inner(t, next, type[i]);
        if (!sk_bytes_fill(b, body[i], len[i])) {
            sk_term_free(t);
            return NULL;
        }
        next += sk_block_share(sk_bytes_body(len[i]));
    }
    *stop = q;
    return t;
}
