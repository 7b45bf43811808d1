/* SPDX-License-Identifier: MIT */
/* STF decoder: bytes -> term, total and bounded (never trusts a length). */
#include "stf.h"
#include "term_impl.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Every length and count is checked against the bytes that remain before
 * anything is allocated: an element takes at least one byte, so a count
 * larger than the rest of the input is malformed, and an allocation can
 * never be much larger than the input itself. Recursion is bounded by
 * max_depth, the total number of terms by max_terms.
 *
 * A message becomes one block (see "Blocks" in term_impl.h): the flat
 * fast path (stf_flat.c) takes the commonest shapes; for the rest, pass 1
 * (stf_measure.c) sizes the block and this file builds the term in it.
 * Neither of those reports errors: when they give up, this file decodes
 * term by term, so every error and its offset come from here.
 */
struct dec {
    const uint8_t *p, *start, *end;
    size_t terms;
    struct sk_stf_limits lim;
    char *err;
    size_t errlen;
    int rc;
    /* The block the term is built in (pass 1 sized it; 0: one allocation
     * per term, when pass 1 gave up because the input is malformed). */
    size_t block_size;
    snow_term *root;
    char *next, *limit;
};

static void dec_fail(struct dec *d, int rc, const uint8_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void dec_fail(struct dec *d, int rc, const uint8_t *at, const char *fmt, ...)
{
    d->rc = rc;
    if (d->err == NULL || d->errlen == 0)
        return;
    int n = snprintf(d->err, d->errlen, "offset %zu: ", (size_t)(at - d->start));
    if (n < 0 || (size_t)n >= d->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static inline size_t dec_left(const struct dec *d) { return (size_t)(d->end - d->p); }

/* Fails unless n more bytes are there. */
static inline bool dec_need(struct dec *d, size_t n, const char *what)
{
    if (__builtin_expect(dec_left(d) >= n, 1))
        return true;
    dec_fail(d, SNOW_EBADTERM, d->p, "truncated %s: %zu bytes needed, %zu left", what, n,
             dec_left(d));
    return false;
}


/* A u32 count; `unit` is the fewest bytes one element can take. */
static bool dec_count(struct dec *d, size_t unit, size_t *n, const char *what)
{
    if (!dec_need(d, 4, what))
        return false;
    const uint8_t *at = d->p;
    *n = sk_stf_get32(d->p);
    d->p += 4;
    if (*n > dec_left(d) / unit) {
        dec_fail(d, SNOW_EBADTERM, at, "%s count %zu exceeds the %zu bytes left", what, *n,
                 dec_left(d));
        return false;
    }
    return true;
}

/* An atom name: u8 length (1..255) + UTF-8 bytes; interns it (quota). */
static bool dec_name(struct dec *d, uint32_t *idx, const char *what)
{
    const uint8_t *at = d->p;
    if (!dec_need(d, 1, what))
        return false;
    size_t len = *d->p++;
    if (!dec_need(d, len, what))
        return false;
    int rc = sk_atom_intern((const char *)d->p, len, true, idx);
    if (rc == SNOW_ELIMIT) {
        size_t quota = 0;
        snow_atom_stats(NULL, NULL, &quota);
        dec_fail(d, rc, at, "%s would create a new atom past the decode quota (%zu)", what, quota);
        return false;
    }
    if (rc != 0) {
        dec_fail(d, rc == SNOW_EINVAL ? SNOW_EBADTERM : rc, at,
                 "%s is not a valid atom name (1..255 bytes of UTF-8)", what);
        return false;
    }
    d->p += len;
    return true;
}

/* A new term: the next piece of the block (its first piece is the root,
 * so the root must be the first term allocated: containers are allocated
 * before their elements), or its own allocation without a block. */
static inline __attribute__((always_inline)) snow_term *dec_alloc(struct dec *d, enum snow_type type,
                                                                  size_t body)
{
    if (d->block_size == 0)
        return sk_term_alloc(type, body);
    size_t share = sk_block_share(body);
    snow_term *t;
    if (d->root == NULL) {
        if ((t = sk_term_alloc(type, d->block_size)) == NULL)
            return NULL;
        t->block = 1;
        d->root = t;
        d->next = (char *)t + share;
        d->limit = (char *)t + d->block_size;
        return t;
    }
    /* Pass 1 sized the block for exactly these pieces. */
    assert(share <= (size_t)(d->limit - d->next));
    if (share > (size_t)(d->limit - d->next))
        return NULL;
    t = sk_block_inner(d->root, d->next, type);
    d->next += share;
    return t;
}

/* Undoes a container that failed after its first n slots were decoded.
 * Block terms are not freed one by one: the whole block goes at the end. */
static void dec_drop(struct dec *d, snow_term *t, size_t n)
{
    if (d->block_size != 0)
        return;
    sk_release_array(n, sk_items(t));
    sk_term_free(t);
}

static snow_term *dec_oom(struct dec *d, const uint8_t *at)
{
    dec_fail(d, SNOW_ENOMEM, at, "out of memory");
    return NULL;
}

static snow_term *dec_term(struct dec *d, unsigned depth);

/* Decodes n slots of t (already allocated); false after dropping t.
 * Small ints, the commonest elements, are taken here without a call. */
static inline __attribute__((always_inline)) bool dec_slots(struct dec *d, snow_term *t, size_t n,
                                                            unsigned depth)
{
    snow_term **items = sk_items(t);
    for (size_t i = 0; i < n; i++) {
        if (d->p < d->end && *d->p >= SK_STF_SMALL && d->terms < d->lim.max_terms) {
            d->terms++;
            items[i] = sk_small_make(*d->p++ - SK_STF_SMALL);
            continue;
        }
        if ((items[i] = dec_term(d, depth)) == NULL) {
            dec_drop(d, t, i);
            return false;
        }
    }
    return true;
}

/* Tuple or list of n elements, decoded in place. */
static snow_term *dec_seq(struct dec *d, enum snow_type type, size_t n, unsigned depth)
{
    if (n == 0)
        return type == SNOW_T_TUPLE ? snow_tuple_from(0, NULL) : snow_list_from(0, NULL);
    snow_term *t = dec_alloc(d, type, sk_seq_body(n));
    if (t == NULL)
        return dec_oom(d, d->p);
    if (!dec_slots(d, t, n, depth))
        return NULL;
    t->n = n;
    return t;
}

/* Map (pairs) or set. Canonical input is already sorted and unique and is
 * kept as decoded; anything else is sorted in place (last duplicate wins). */
static snow_term *dec_coll(struct dec *d, enum snow_type type, size_t n, unsigned depth)
{
    size_t slots = type == SNOW_T_MAP ? 2 * n : n;
    snow_term *t = dec_alloc(d, type, sk_seq_body(slots));
    if (t == NULL)
        return dec_oom(d, d->p);
    if (!dec_slots(d, t, slots, depth))
        return NULL;
    t->n = n;
    if (sk_coll_canon(t, d->block_size == 0) != 0) {
        dec_drop(d, t, slots);
        return dec_oom(d, d->p);
    }
    return t;
}

static snow_term *dec_struct(struct dec *d, unsigned depth, const uint8_t *at)
{
    uint32_t type;
    size_t n;
    if (!dec_name(d, &type, "struct type name") || !dec_count(d, 3, &n, "struct field"))
        return NULL;
    snow_term *t = dec_alloc(d, SNOW_T_STRUCT, sk_struct_body(n));
    if (t == NULL)
        return dec_oom(d, at);
    t->name = type;
    t->n = n; /* places the names array */
    for (size_t i = 0; i < n; i++) {
        if (!dec_name(d, &sk_struct_names(t)[i], "struct field name") ||
            (sk_items(t)[i] = dec_term(d, depth)) == NULL) {
            dec_drop(d, t, i);
            return NULL;
        }
    }
    int rc = sk_struct_canon(t);
    if (rc != 0) {
        dec_drop(d, t, n);
        dec_fail(d, rc == SNOW_EINVAL ? SNOW_EBADTERM : rc, at,
                 rc == SNOW_EINVAL ? "struct has a duplicate field name" : "out of memory");
        return NULL;
    }
    return t;
}

static snow_term *dec_variant(struct dec *d, unsigned depth, const uint8_t *at)
{
    uint32_t type, ctor;
    size_t n;
    if (!dec_name(d, &type, "variant type name") || !dec_name(d, &ctor, "variant constructor") ||
        !dec_count(d, 1, &n, "variant field"))
        return NULL;
    snow_term *t = dec_alloc(d, SNOW_T_VARIANT, sk_seq_body(n));
    if (t == NULL)
        return dec_oom(d, at);
    t->name = type;
    t->ctor = ctor;
    if (!dec_slots(d, t, n, depth))
        return NULL;
    t->n = n;
    return t;
}

static snow_term *dec_id(struct dec *d, bool is_ref, const uint8_t *at)
{
    if (!dec_need(d, 1, "node name"))
        return NULL;
    size_t node_len = *d->p++;
    if (!dec_need(d, node_len + 12, is_ref ? "ref" : "pid"))
        return NULL;
    const char *node = (const char *)d->p;
    uint32_t creation = sk_stf_get32(d->p + node_len);
    uint64_t id = sk_stf_get64(d->p + node_len + 4), value = id;
    d->p += node_len + 12;
    const struct snow_stf_ids *ids = d->lim.ids;
    if (ids != NULL && ids->from_wire != NULL) {
        int rc = ids->from_wire(ids->ctx, is_ref, node, node_len, creation, id, &value);
        if (rc != 0) {
            dec_fail(d, rc, at, "%s from node '%.*s' (creation %u): %s", is_ref ? "ref" : "pid",
                     (int)node_len, node, creation, snow_strerror(rc));
            return NULL;
        }
    } else if (node_len != 0) {
        dec_fail(d, SNOW_ENONODE, at, "%s from node '%.*s' but no node table to translate it",
                 is_ref ? "ref" : "pid", (int)node_len, node);
        return NULL;
    }
    snow_term *t = dec_alloc(d, is_ref ? SNOW_T_REF : SNOW_T_PID, sizeof(struct sk_id));
    if (t == NULL)
        return dec_oom(d, at);
    ((struct sk_id *)t)->v = value;
    return t;
}

static inline __attribute__((always_inline)) snow_term *dec_bytes(struct dec *d, enum snow_type type,
                                                                  size_t n, const uint8_t *at)
{
    if (!dec_need(d, n, type == SNOW_T_STRING ? "string" : "binary"))
        return NULL;
    snow_term *t = dec_alloc(d, type, sk_bytes_body(n));
    if (t == NULL)
        return dec_oom(d, at);
    if (!sk_bytes_fill(t, d->p, n)) {
        if (d->block_size == 0)
            sk_term_free(t);
        dec_fail(d, SNOW_EBADTERM, at, "string is not valid UTF-8");
        return NULL;
    }
    d->p += n;
    return t;
}

static snow_term *dec_int(struct dec *d, size_t width)
{
    if (!dec_need(d, width, "integer"))
        return NULL;
    int64_t v = sk_stf_int_body(d->p, (unsigned)width);
    d->p += width;
    if (v >= SK_SMALL_MIN && v <= SK_SMALL_MAX) /* as snow_int */
        return sk_small_make(v);
    snow_term *t = dec_alloc(d, SNOW_T_INT, sizeof(struct sk_int));
    if (t == NULL)
        return dec_oom(d, d->p);
    ((struct sk_int *)t)->v = v;
    return t;
}

static snow_term *dec_term(struct dec *d, unsigned depth)
{
    const uint8_t *at = d->p;
    if (!dec_need(d, 1, "term (tag)"))
        return NULL;
    if (__builtin_expect(++d->terms > d->lim.max_terms, 0)) {
        dec_fail(d, SNOW_ELIMIT, at, "more than %zu terms", d->lim.max_terms);
        return NULL;
    }
    unsigned tag = *d->p++;
    if (tag >= SK_STF_SMALL)
        return sk_small_make((int64_t)(tag - SK_STF_SMALL));
    if (tag >= SK_STF_STRING_S && tag <= SK_STF_STRING_S + SK_STF_STRING_S_MAX)
        return dec_bytes(d, SNOW_T_STRING, tag - SK_STF_STRING_S, at);
    if (tag >= SK_STF_BINARY_S)
        return dec_bytes(d, SNOW_T_BINARY, tag - SK_STF_BINARY_S, at);
    size_t n = 0;
    enum snow_type ctype;
    switch (tag) {
    case SK_STF_NIL:
        return SK_NIL;
    case SK_STF_FALSE:
        return sk_atom_make(SK_ATOM_FALSE);
    case SK_STF_TRUE:
        return sk_atom_make(SK_ATOM_TRUE);
    case SK_STF_INT8:
        return dec_int(d, 1);
    case SK_STF_INT16:
        return dec_int(d, 2);
    case SK_STF_INT32:
        return dec_int(d, 4);
    case SK_STF_INT64:
        return dec_int(d, 8);
    case SK_STF_FLOAT: {
        if (!dec_need(d, 8, "float"))
            return NULL;
        uint64_t bits = sk_stf_get64(d->p);
        double v;
        memcpy(&v, &bits, 8);
        if (isnan(v)) {
            dec_fail(d, SNOW_EBADTERM, at, "float is NaN");
            return NULL;
        }
        d->p += 8;
        snow_term *t = dec_alloc(d, SNOW_T_FLOAT, sizeof(struct sk_float));
        if (t == NULL)
            return dec_oom(d, at);
        ((struct sk_float *)t)->v = v;
        return t;
    }
    case SK_STF_ATOM: {
        uint32_t idx;
        return dec_name(d, &idx, "atom") ? sk_atom_make(idx) : NULL;
    }
    case SK_STF_STRING:
    case SK_STF_BINARY:
        if (!dec_count(d, 1, &n, tag == SK_STF_STRING ? "string length" : "binary length"))
            return NULL;
        return dec_bytes(d, tag == SK_STF_STRING ? SNOW_T_STRING : SNOW_T_BINARY, n, at);
    case SK_STF_PID:
    case SK_STF_REF:
        return dec_id(d, tag == SK_STF_REF, at);
    default:
        break;
    }
    /* Containers from here on. */
    if (tag >= SK_STF_TUPLE_S && tag < SK_STF_BINARY_S) {
        n = tag & 0x0F;
        ctype = tag < SK_STF_LIST_S ? SNOW_T_TUPLE : tag < SK_STF_MAP_S ? SNOW_T_LIST : SNOW_T_MAP;
        if (n > dec_left(d) / (ctype == SNOW_T_MAP ? 2 : 1)) {
            dec_fail(d, SNOW_EBADTERM, at, "count %zu exceeds the %zu bytes left", n, dec_left(d));
            return NULL;
        }
    } else {
        switch (tag) {
        case SK_STF_TUPLE:
            ctype = SNOW_T_TUPLE;
            break;
        case SK_STF_LIST:
            ctype = SNOW_T_LIST;
            break;
        case SK_STF_MAP:
            ctype = SNOW_T_MAP;
            break;
        case SK_STF_SET:
            ctype = SNOW_T_SET;
            break;
        case SK_STF_STRUCT:
            ctype = SNOW_T_STRUCT;
            break;
        case SK_STF_VARIANT:
            ctype = SNOW_T_VARIANT;
            break;
        default:
            dec_fail(d, SNOW_EBADTERM, at, "unknown tag 0x%02x", tag);
            return NULL;
        }
        if (ctype != SNOW_T_STRUCT && ctype != SNOW_T_VARIANT &&
            !dec_count(d, ctype == SNOW_T_MAP ? 2 : 1, &n, "element"))
            return NULL;
    }
    if (depth >= d->lim.max_depth) {
        dec_fail(d, SNOW_ELIMIT, at, "nested deeper than %u levels", d->lim.max_depth);
        return NULL;
    }
    switch (ctype) {
    case SNOW_T_TUPLE:
    case SNOW_T_LIST:
        return dec_seq(d, ctype, n, depth + 1);
    case SNOW_T_MAP:
    case SNOW_T_SET:
        return dec_coll(d, ctype, n, depth + 1);
    case SNOW_T_STRUCT:
        return dec_struct(d, depth + 1, at);
    default:
        return dec_variant(d, depth + 1, at);
    }
}

/* Everything but the flat fast path: the sizing pass, then the term in
 * one block (or term by term if the sizing pass gave up). */
static int dec_general(const uint8_t *start, const uint8_t *end, const struct sk_stf_limits *lim,
                       snow_term **out, const uint8_t **stop, char *err, size_t errlen)
{
    /* Field by field: an initializer would zero the whole struct first
     * (a rep stos that costs as much as decoding a small message). */
    struct dec d;
    d.p = start + 1;
    d.start = start;
    d.end = end;
    d.terms = 0;
    d.lim = *lim;
    d.err = err;
    d.errlen = errlen;
    d.rc = 0;
    d.root = NULL;
    d.next = d.limit = NULL;
    d.block_size = sk_stf_measure(d.p, d.end, &d.lim);
    if (d.block_size == SIZE_MAX)
        d.block_size = 0; /* malformed: decode term by term to say where */
    if ((*out = dec_term(&d, 0)) == NULL) {
        sk_term_free(d.root);
        return d.rc != 0 ? d.rc : SNOW_EBADTERM;
    }
    assert(d.next == d.limit); /* pass 1 and this pass agree on every piece */
    *stop = d.p;
    return 0;
}

/* Both entry points, inlined into each: a call layer costs a noticeable
 * share of decoding a small message. */
static inline __attribute__((always_inline)) int dec_prefix(const void *data, size_t len,
                                                            const struct snow_stf_opts *opts,
                                                            snow_term **out, size_t *used,
                                                            char *err, size_t errlen)
{
    if (out == NULL || (data == NULL && len > 0))
        return SNOW_EINVAL;
    *out = NULL;
    const uint8_t *start = data, *end = len > 0 ? start + len : start;
    struct sk_stf_limits lim;
    sk_stf_limits(opts, &lim);
    if (len == 0) {
        sk_stf_errf(err, errlen, "offset 0: empty input (no version byte)");
        return SNOW_EBADTERM;
    }
    if (start[0] != SNOW_STF_VERSION) {
        sk_stf_errf(err, errlen, "offset 0: STF version %u is not supported (this node reads version %u)",
                    start[0], SNOW_STF_VERSION);
        return SNOW_EVERSION;
    }
    if (len > lim.max_size) {
        sk_stf_errf(err, errlen, "offset 0: %zu bytes exceed the size limit of %zu", len,
                    lim.max_size);
        return SNOW_EMSGSIZE;
    }
    const uint8_t *stop;
    snow_term *t = sk_stf_decode_flat(start + 1, end, &lim, &stop);
    if (t == NULL) {
        int rc = dec_general(start, end, &lim, &t, &stop, err, errlen);
        if (rc != 0)
            return rc;
    }
    if (used != NULL)
        *used = (size_t)(stop - start);
    *out = t;
    return 0;
}

int sk_stf_decode_prefix(const void *data, size_t len, const struct snow_stf_opts *opts,
                         snow_term **out, size_t *used, char *err, size_t errlen)
{
    return dec_prefix(data, len, opts, out, used, err, errlen);
}

int snow_stf_decode(const void *data, size_t len, const struct snow_stf_opts *opts,
                    snow_term **out, char *err, size_t errlen)
{
    size_t used = 0;
    int rc = dec_prefix(data, len, opts, out, &used, err, errlen);
    if (rc == 0 && used != len) {
        sk_stf_errf(err, errlen, "offset %zu: %zu trailing bytes after the term", used, len - used);
        snow_term_release(*out);
        *out = NULL;
        return SNOW_EBADTERM;
    }
    return rc;
}
