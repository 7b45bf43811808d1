/* SPDX-License-Identifier: MIT */
/* STF inside the kernel: tag values, resolved limits, the frame appender. */
#ifndef SK_STF_H
#define SK_STF_H

#include <snow/stf.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Tag bytes (contrib/stf/SPEC.md is the normative list). */
enum sk_stf_tag {
    SK_STF_NIL = 0x01,
    SK_STF_FALSE = 0x02,
    SK_STF_TRUE = 0x03,
    SK_STF_INT8 = 0x04,
    SK_STF_INT16 = 0x05,
    SK_STF_INT32 = 0x06,
    SK_STF_INT64 = 0x07,
    SK_STF_FLOAT = 0x08,
    SK_STF_ATOM = 0x09,
    SK_STF_STRING = 0x0A,
    SK_STF_BINARY = 0x0B,
    SK_STF_TUPLE = 0x0C,
    SK_STF_LIST = 0x0D,
    SK_STF_MAP = 0x0E,
    SK_STF_SET = 0x0F,
    SK_STF_STRUCT = 0x10,
    SK_STF_VARIANT = 0x11,
    SK_STF_PID = 0x12,
    SK_STF_REF = 0x13,
    SK_STF_STRING_S = 0x20, /* + length 0..31 */
    SK_STF_TUPLE_S = 0x40,  /* + arity 0..15 */
    SK_STF_LIST_S = 0x50,   /* + length 0..15 */
    SK_STF_MAP_S = 0x60,    /* + entries 0..15 */
    SK_STF_BINARY_S = 0x70, /* + length 0..15 */
    SK_STF_SMALL = 0x80,    /* + value 0..127 */
};
#define SK_STF_STRING_S_MAX 31u
#define SK_STF_SEQ_S_MAX 15u
#define SK_STF_SMALL_MAX 127

/* Options with defaults applied (a NULL or short opts struct is fine). */
struct sk_stf_limits {
    size_t max_size;
    size_t max_terms;
    unsigned max_depth;
    const struct snow_stf_ids *ids;
};
/* Inline: both codecs call it per message, and a call costs a fair share
 * of decoding a small one. */
static inline void sk_stf_limits(const struct snow_stf_opts *o, struct sk_stf_limits *l)
{
    l->max_size = SNOW_STF_MAX_SIZE_DEFAULT;
    l->max_terms = SNOW_STF_MAX_TERMS_DEFAULT;
    l->max_depth = SNOW_STF_MAX_DEPTH_DEFAULT;
    l->ids = NULL;
    if (o == NULL)
        return;
    /* size-versioned: read only the fields the caller's struct has */
#define LIM_HAS(field) (o->size >= offsetof(struct snow_stf_opts, field) + sizeof o->field)
    if (LIM_HAS(max_size) && o->max_size != 0)
        l->max_size = o->max_size;
    if (LIM_HAS(max_depth) && o->max_depth != 0)
        l->max_depth = o->max_depth < SNOW_STF_MAX_DEPTH_LIMIT ? o->max_depth
                                                                : SNOW_STF_MAX_DEPTH_LIMIT;
    if (LIM_HAS(max_terms) && o->max_terms != 0)
        l->max_terms = o->max_terms;
    if (LIM_HAS(ids))
        l->ids = o->ids;
#undef LIM_HAS
}

/* Big-endian reads of the fixed-width bodies. */
static inline uint16_t sk_stf_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t sk_stf_get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}
static inline uint64_t sk_stf_get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

/* Big-endian writes of the same. */
static inline void sk_stf_put32(uint8_t *p, uint32_t v)
{
    uint32_t be = __builtin_bswap32(v);
    memcpy(p, &be, 4);
}
static inline void sk_stf_put64(uint8_t *p, uint64_t v)
{
    uint64_t be = __builtin_bswap64(v);
    memcpy(p, &be, 8);
}

/* Body bytes of an INT8..INT64 tag; 0 for any other tag. */
static inline unsigned sk_stf_int_width(unsigned tag)
{
    switch (tag) {
    case SK_STF_INT8:
        return 1;
    case SK_STF_INT16:
        return 2;
    case SK_STF_INT32:
        return 4;
    case SK_STF_INT64:
        return 8;
    default:
        return 0;
    }
}

/* The value of an integer body of `width` bytes (sk_stf_int_width). */
static inline int64_t sk_stf_int_body(const uint8_t *p, unsigned width)
{
    switch (width) {
    case 1:
        return (int8_t)p[0];
    case 2:
        return (int16_t)sk_stf_get16(p);
    case 4:
        return (int32_t)sk_stf_get32(p);
    default:
        return (int64_t)sk_stf_get64(p);
    }
}

/* Error text helper shared by encoder and decoder (NULL-safe). */
void sk_stf_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The distribution layer's encode of a message that ends in a big string
 * or binary: a lone one, or a tuple or list of up to SK_STF_SEQ_S_MAX
 * elements whose others are leaves (ints, nil, booleans, short strings
 * and binaries) and whose last is at least SK_STF_TAIL_MIN bytes. Writes
 * the encoding into buf[0..cap) except those bytes, which stay in the
 * term: *tail, *tail_len (sent from there, so they are copied once).
 * 0, or SNOW_ENOTSUP for any other term or one the limits refuse (the
 * general encoders then encode it, or say why not).
 */
#define SK_STF_TAIL_MIN 512u
int sk_stf_encode_tail(const snow_term *t, const struct snow_stf_opts *opts, uint8_t *buf,
                       size_t cap, size_t *len, const uint8_t **tail, size_t *tail_len);

/*
 * The distribution layer's fast path: append the encoding of `t` (version
 * byte included) straight to a growable frame buffer, with no intermediate
 * copy. The buffer grows with realloc; reuse it across frames (set len = 0)
 * so steady-state encoding allocates nothing. On error b->len is restored:
 * nothing was appended (MSG-05: nothing is sent). b->data may still have
 * been reallocated. Free with sk_stf_buf_free().
 */
struct sk_stf_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
};
int sk_stf_append(struct sk_stf_buf *b, const snow_term *t, const struct snow_stf_opts *opts,
                  char *err, size_t errlen);
void sk_stf_buf_free(struct sk_stf_buf *b);

/* Decoding, pass 1 (kernel/stf_measure.c): the bytes of the one block the
 * term at p..end decodes into (0: an immediate, no memory), or SIZE_MAX if
 * the structure is not valid within the limits (the decoder then finds out
 * what is wrong and where). */
size_t sk_stf_measure(const uint8_t *p, const uint8_t *end, const struct sk_stf_limits *lim);

/* Decoding, the fast path (kernel/stf_flat.c) for the commonest messages:
 * a string or binary, or a short tuple or list of ints (immediates), nil,
 * booleans, strings and binaries. NULL if the term at p is anything else or
 * has any problem (the general decoder then takes it); else the term, with
 * *stop after it. */
snow_term *sk_stf_decode_flat(const uint8_t *p, const uint8_t *end, const struct sk_stf_limits *lim,
                              const uint8_t **stop);

/* Decodes one encoding from the front of data[0..len) and reports how many
 * bytes it used (*used); trailing bytes are left for the caller. */
int sk_stf_decode_prefix(const void *data, size_t len, const struct snow_stf_opts *opts,
                         snow_term **out, size_t *used, char *err, size_t errlen);

#endif /* SK_STF_H */
