/* SPDX-License-Identifier: MIT */
/* STF encoder: term -> bytes (malloc'd, binary term, caller buffer, size query, appender). */
#include "stf.h"
#include "term_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * One encoder serves every entry point. It writes into `buf`; when the
 * buffer is full it either grows it (GROW), or, for a caller's fixed buffer
 * or a size query, stops storing and only counts (SIZE: writes go to a
 * small scratch area that is reused). So the size query and the encoder
 * can never disagree about the length.
 */
enum enc_mode { ENC_GROW, ENC_FIXED, ENC_SIZE };

#define ENC_SCRATCH 512 /* > the largest fixed-size piece (a pid: 269 bytes) */
#define ENC_PATH 256

struct enc {
    uint8_t *buf;
    size_t len, cap;
    size_t base;    /* bytes already in buf before this encoding (appender) */
    size_t counted; /* bytes counted but not stored (SIZE mode) */
    size_t terms;
    enum enc_mode mode;
    struct sk_stf_limits lim;
    /* MSG-05: the path to a function, built while unwinding */
    const char *fn_name;
    size_t pathlen;
    char path[ENC_PATH];
    uint8_t scratch[ENC_SCRATCH];
};

void sk_stf_errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Bytes of this encoding so far. */
static size_t enc_size(const struct enc *e) { return e->counted + e->len - e->base; }

static int enc_grow(struct enc *e, size_t n)
{
    if (enc_size(e) + n > e->lim.max_size)
        return SNOW_EMSGSIZE;
    if (e->mode == ENC_GROW) {
        size_t cap = e->cap < 64 ? 64 : e->cap * 2;
        while (cap - e->len < n)
            cap *= 2;
        uint8_t *p = e->buf == NULL ? malloc(cap) : realloc(e->buf, cap);
        if (p == NULL)
            return SNOW_ENOMEM;
        e->buf = p;
        e->cap = cap;
        return 0;
    }
    /* FIXED buffer full, or SIZE: keep counting in the scratch area. */
    e->mode = ENC_SIZE;
    e->counted += e->len - e->base;
    e->base = 0;
    e->buf = e->scratch;
    e->len = 0;
    e->cap = ENC_SCRATCH;
    return 0;
}

static inline __attribute__((always_inline)) int enc_reserve(struct enc *e, size_t n)
{
    if (__builtin_expect(e->cap - e->len >= n, 1))
        return 0;
    return enc_grow(e, n);
}

static inline void put8(struct enc *e, unsigned v) { e->buf[e->len++] = (uint8_t)v; }
static inline void put32(struct enc *e, uint32_t v)
{
    sk_stf_put32(e->buf + e->len, v);
    e->len += 4;
}
static inline void put64(struct enc *e, uint64_t v)
{
    sk_stf_put64(e->buf + e->len, v);
    e->len += 8;
}

/* Raw bytes of any length (string and binary bodies). */
static inline __attribute__((always_inline)) int enc_payload(struct enc *e, const void *p, size_t n)
{
    if (n > ENC_SCRATCH) {
        int rc = enc_reserve(e, n > ENC_SCRATCH && e->mode == ENC_SIZE ? 0 : n);
        if (rc != 0)
            return rc;
        if (e->mode == ENC_SIZE) { /* count it, never copy it */
            if (enc_size(e) + n > e->lim.max_size)
                return SNOW_EMSGSIZE;
            e->counted += n;
            return 0;
        }
    } else {
        int rc = enc_reserve(e, n);
        if (rc != 0)
            return rc;
    }
    memcpy(e->buf + e->len, p, n);
    e->len += n;
    return 0;
}

/* Body bytes of int v: 0 (the tag holds 0..127), 1, 2, 4 or 8. */
static inline unsigned int_width(int64_t v)
{
    return v >= 0 && v <= SK_STF_SMALL_MAX ? 0
           : v >= INT8_MIN && v <= INT8_MAX   ? 1
           : v >= INT16_MIN && v <= INT16_MAX ? 2
           : v >= INT32_MIN && v <= INT32_MAX ? 4
                                              : 8;
}

/* Writes int v (tag and body, int_width(v) body bytes) at p; returns the
 * byte after it. */
static inline uint8_t *int_put(uint8_t *p, int64_t v, unsigned width)
{
    switch (width) {
    case 0:
        *p = (uint8_t)(SK_STF_SMALL + (unsigned)v);
        return p + 1;
    case 1:
        p[0] = SK_STF_INT8;
        p[1] = (uint8_t)v;
        return p + 2;
    case 2:
        p[0] = SK_STF_INT16;
        p[1] = (uint8_t)((uint64_t)v >> 8);
        p[2] = (uint8_t)v;
        return p + 3;
    case 4:
        p[0] = SK_STF_INT32;
        sk_stf_put32(p + 1, (uint32_t)v);
        return p + 5;
    default:
        p[0] = SK_STF_INT64;
        sk_stf_put64(p + 1, (uint64_t)v);
        return p + 9;
    }
}

/* Reserves exactly what it writes, as every step but enc_leaf does, so an
 * exact-size buffer never has to grow. */
static inline __attribute__((always_inline)) int enc_int(struct enc *e, int64_t v)
{
    unsigned width = int_width(v);
    int rc = enc_reserve(e, 1 + width);
    if (rc != 0)
        return rc;
    e->len = (size_t)(int_put(e->buf + e->len, v, width) - e->buf);
    return 0;
}

/* Tag + u32 count. */
static int enc_long_head(struct enc *e, unsigned tag, size_t n)
{
    int rc = enc_reserve(e, 5);
    if (rc != 0)
        return rc;
    if (n > UINT32_MAX)
        return SNOW_EMSGSIZE;
    put8(e, tag);
    put32(e, (uint32_t)n);
    return 0;
}

/* A tag with the count inline when it is small, else tag + u32. */
static inline __attribute__((always_inline)) int enc_head(struct enc *e, unsigned short_tag, size_t short_max, unsigned long_tag,
                    size_t n)
{
    if (n > short_max)
        return enc_long_head(e, long_tag, n);
    int rc = enc_reserve(e, 1);
    if (rc == 0)
        put8(e, short_tag + (unsigned)n);
    return rc;
}

/* An atom name: u8 length + bytes (no tag). */
static int enc_name(struct enc *e, uint32_t atom)
{
    size_t len;
    const char *name = sk_atom_name(atom, &len);
    int rc = enc_reserve(e, 1 + len);
    if (rc != 0)
        return rc;
    put8(e, (unsigned)len);
    memcpy(e->buf + e->len, name, len);
    e->len += len;
    return 0;
}

static int enc_id(struct enc *e, const snow_term *t, bool is_ref)
{
    uint64_t v = ((const struct sk_id *)t)->v, id = v;
    const char *node = "";
    size_t node_len = 0;
    uint32_t creation = 0;
    const struct snow_stf_ids *ids = e->lim.ids;
    if (ids != NULL && ids->to_wire != NULL) {
        int rc = ids->to_wire(ids->ctx, is_ref, v, &node, &node_len, &creation, &id);
        if (rc != 0)
            return rc;
        if (node == NULL || node_len > 255)
            return SNOW_EINVAL;
    }
    int rc = enc_reserve(e, 1 + 1 + node_len + 4 + 8);
    if (rc != 0)
        return rc;
    put8(e, is_ref ? SK_STF_REF : SK_STF_PID);
    put8(e, (unsigned)node_len);
    memcpy(e->buf + e->len, node, node_len);
    e->len += node_len;
    put32(e, creation);
    put64(e, id);
    return 0;
}

/* Prepends one path segment (only on the MSG-05 error path). */
static void enc_path_push(struct enc *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void enc_path_push(struct enc *e, const char *fmt, ...)
{
    char seg[96];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(seg, sizeof seg, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t sl = (size_t)n < sizeof seg ? (size_t)n : sizeof seg - 1;
    size_t dot = e->pathlen > 0 ? 1 : 0;
    if (sl + dot + e->pathlen >= ENC_PATH)
        return; /* keep the innermost part; it names the function's spot */
    memmove(e->path + sl + dot, e->path, e->pathlen + 1);
    memcpy(e->path, seg, sl);
    if (dot)
        e->path[sl] = '.';
    e->pathlen += sl + dot;
}

static int enc_term(struct enc *e, const snow_term *t, unsigned depth);

/* Records where a function sits inside `parent` (child slot j). */
static void enc_path_child(struct enc *e, const snow_term *parent, size_t j)
{
    switch ((enum snow_type)parent->type) {
    case SNOW_T_TUPLE:
        enc_path_push(e, "{%zu}", j + 1);
        break;
    case SNOW_T_LIST:
        enc_path_push(e, "[%zu]", j);
        break;
    case SNOW_T_SET:
        enc_path_push(e, "#set[%zu]", j);
        break;
    case SNOW_T_STRUCT:
        enc_path_push(e, "%s", sk_atom_name(sk_struct_names(parent)[j], NULL));
        break;
    case SNOW_T_VARIANT:
        enc_path_push(e, "%s(%zu)", sk_atom_name(parent->ctor, NULL), j);
        break;
    case SNOW_T_MAP:
        if (j % 2 == 0) {
            enc_path_push(e, "#key[%zu]", j / 2);
        } else {
            char key[48];
            int kn = snow_term_format(sk_items(parent)[j - 1], key, sizeof key);
            if (kn >= (int)sizeof key)
                memcpy(key + sizeof key - 4, "...", 4);
            enc_path_push(e, "#{%s}", kn < 0 ? "?" : key);
        }
        break;
    default:
        break;
    }
}

/* The commonest elements, which the parent's loop writes without the
 * general path's calls: ints that are immediates, nil, booleans, short
 * strings and short binaries. Their encoded size (tag + body), or 0 for other terms. */
static inline size_t enc_leaf_size(const snow_term *t)
{
    if (sk_is_small(t))
        return 1 + int_width(sk_small_val(t));
    if (sk_is_imm(t))
        return t == SK_NIL || (sk_is_atomimm(t) && sk_atom_index(t) <= SK_ATOM_TRUE);
    if (t->type == SNOW_T_STRING && t->n <= SK_STF_STRING_S_MAX)
        return 1 + t->n;
    if (t->type == SNOW_T_BINARY && t->n <= SK_STF_SEQ_S_MAX)
        return 1 + t->n;
    return 0;
}

/* Writes a leaf (enc_leaf_size(t) != 0) at p; returns the byte after it. */
static inline uint8_t *leaf_put(uint8_t *p, const snow_term *t)
{
    if (sk_is_small(t)) {
        int64_t v = sk_small_val(t);
        p = int_put(p, v, int_width(v));
    } else if (sk_is_imm(t)) {
        *p++ = t == SK_NIL                           ? SK_STF_NIL
               : sk_atom_index(t) == SK_ATOM_TRUE ? SK_STF_TRUE
                                                  : SK_STF_FALSE;
    } else {
        *p++ = (uint8_t)((t->type == SNOW_T_STRING ? SK_STF_STRING_S : SK_STF_BINARY_S) +
                         (unsigned)t->n);
        sk_copy_bytes(p, ((const struct sk_bytes *)t)->data, t->n);
        p += t->n;
    }
    return p;
}

/* Writes t if it is such a leaf and fits; false leaves it to enc_term
 * (also when the buffer or the term budget is short: enc_term then deals
 * with that). */
static inline bool enc_leaf(struct enc *e, const snow_term *t)
{
    size_t need = enc_leaf_size(t);
    if (need == 0 || e->cap - e->len < need || e->terms >= e->lim.max_terms)
        return false;
    e->terms++;
    leaf_put(e->buf + e->len, t);
    e->len += need;
    return true;
}

/* Struct field j's name goes right before its value. */
static int enc_children(struct enc *e, const snow_term *parent, snow_term *const *items,
                        size_t count, unsigned depth)
{
    bool named = parent->type == SNOW_T_STRUCT;
    for (size_t j = 0; j < count; j++) {
        int rc;
        if (named && (rc = enc_name(e, sk_struct_names(parent)[j])) != 0)
            return rc;
        if (enc_leaf(e, items[j]))
            continue;
        rc = enc_term(e, items[j], depth);
        if (__builtin_expect(rc != 0, 0)) {
            if (rc == SNOW_ENOTSERIALIZABLE)
                enc_path_child(e, parent, j);
            return rc;
        }
    }
    return 0;
}

static int enc_term(struct enc *e, const snow_term *t, unsigned depth)
{
    if (__builtin_expect(++e->terms > e->lim.max_terms, 0))
        return SNOW_ELIMIT;
    if (sk_is_small(t))
        return enc_int(e, sk_small_val(t));
    int rc;
    if (sk_is_imm(t)) {
        if ((rc = enc_reserve(e, 1)) != 0)
            return rc;
        if (t == SK_NIL) {
            put8(e, SK_STF_NIL);
            return 0;
        }
        uint32_t a = sk_atom_index(t);
        if (a <= SK_ATOM_TRUE) {
            put8(e, a == SK_ATOM_TRUE ? SK_STF_TRUE : SK_STF_FALSE);
            return 0;
        }
        put8(e, SK_STF_ATOM);
        return enc_name(e, a);
    }
    const struct sk_bytes *b = (const void *)t;
    size_t count = t->n;
    switch ((enum snow_type)t->type) {
    case SNOW_T_INT:
        return enc_int(e, ((const struct sk_int *)t)->v);
    case SNOW_T_FLOAT: {
        uint64_t bits;
        memcpy(&bits, &((const struct sk_float *)t)->v, 8);
        if ((rc = enc_reserve(e, 9)) != 0)
            return rc;
        put8(e, SK_STF_FLOAT);
        put64(e, bits);
        return 0;
    }
    case SNOW_T_STRING:
        if ((rc = enc_head(e, SK_STF_STRING_S, SK_STF_STRING_S_MAX, SK_STF_STRING, t->n)) != 0)
            return rc;
        return enc_payload(e, b->data, t->n);
    case SNOW_T_BINARY:
        if ((rc = enc_head(e, SK_STF_BINARY_S, SK_STF_SEQ_S_MAX, SK_STF_BINARY, t->n)) != 0)
            return rc;
        return enc_payload(e, b->data, t->n);
    case SNOW_T_PID:
    case SNOW_T_REF:
        return enc_id(e, t, t->type == SNOW_T_REF);
    case SNOW_T_FUNCTION: {
        const struct sk_fn *f = (const void *)t;
        e->fn_name = f->name;
        e->pathlen = 0;
        e->path[0] = '\0';
        return SNOW_ENOTSERIALIZABLE;
    }
    case SNOW_T_TUPLE:
        rc = enc_head(e, SK_STF_TUPLE_S, SK_STF_SEQ_S_MAX, SK_STF_TUPLE, t->n);
        break;
    case SNOW_T_LIST:
        rc = enc_head(e, SK_STF_LIST_S, SK_STF_SEQ_S_MAX, SK_STF_LIST, t->n);
        break;
    case SNOW_T_MAP:
        rc = enc_head(e, SK_STF_MAP_S, SK_STF_SEQ_S_MAX, SK_STF_MAP, t->n);
        count = 2 * t->n; /* key, value, key, value, ... */
        break;
    case SNOW_T_SET:
        rc = enc_long_head(e, SK_STF_SET, t->n); /* no short form */
        break;
    case SNOW_T_STRUCT:
        if ((rc = enc_reserve(e, 1)) != 0)
            return rc;
        put8(e, SK_STF_STRUCT);
        if ((rc = enc_name(e, t->name)) == 0 && (rc = enc_reserve(e, 4)) == 0)
            put32(e, (uint32_t)t->n);
        break;
    case SNOW_T_VARIANT:
        if ((rc = enc_reserve(e, 1)) != 0)
            return rc;
        put8(e, SK_STF_VARIANT);
        if ((rc = enc_name(e, t->name)) == 0 && (rc = enc_name(e, t->ctor)) == 0 &&
            (rc = enc_reserve(e, 4)) == 0)
            put32(e, (uint32_t)t->n);
        break;
    default:
        return SNOW_EINVAL;
    }
    if (rc != 0)
        return rc;
    if (depth >= e->lim.max_depth)
        return SNOW_ELIMIT;
    if (t->n > UINT32_MAX)
        return SNOW_EMSGSIZE;
    return enc_children(e, t, sk_items(t), count, depth + 1);
}

/* Runs the encoder and turns failures into one line of text. */
static int enc_run(struct enc *e, const snow_term *t, const struct snow_stf_opts *opts,
                   char *err, size_t errlen)
{
    sk_stf_limits(opts, &e->lim);
    e->terms = 0;
    e->counted = 0;
    e->fn_name = NULL;
    e->pathlen = 0;
    if (t == NULL) {
        sk_stf_errf(err, errlen, "no term to encode");
        return SNOW_EINVAL;
    }
    int rc = enc_reserve(e, 1);
    if (rc == 0) {
        put8(e, SNOW_STF_VERSION);
        rc = enc_term(e, t, 0);
    }
    if (rc == 0 && enc_size(e) > e->lim.max_size)
        rc = SNOW_EMSGSIZE;
    switch (rc) {
    case 0:
        break;
    case SNOW_ENOTSERIALIZABLE:
        if (e->pathlen > 0)
            sk_stf_errf(err, errlen,
                        "message element %s: function '%s' cannot be sent to another node",
                        e->path, e->fn_name);
        else
            sk_stf_errf(err, errlen, "message: function '%s' cannot be sent to another node",
                        e->fn_name);
        break;
    case SNOW_EMSGSIZE:
        sk_stf_errf(err, errlen, "encoding exceeds the size limit of %zu bytes (or a 32-bit length)",
                    e->lim.max_size);
        break;
    case SNOW_ELIMIT:
        if (e->terms > e->lim.max_terms)
            sk_stf_errf(err, errlen, "term has more than %zu elements", e->lim.max_terms);
        else
            sk_stf_errf(err, errlen, "term nested deeper than %u levels", e->lim.max_depth);
        break;
    default:
        sk_stf_errf(err, errlen, "cannot encode term: %s", snow_strerror(rc));
        break;
    }
    return rc;
}

int sk_stf_append(struct sk_stf_buf *b, const snow_term *t, const struct snow_stf_opts *opts,
                  char *err, size_t errlen)
{
    if (b == NULL)
        return SNOW_EINVAL;
    struct enc e;
    e.buf = b->data;
    e.len = e.base = b->len;
    e.cap = b->cap;
    e.mode = ENC_GROW;
    int rc = enc_run(&e, t, opts, err, errlen);
    b->data = e.buf;
    b->cap = e.cap;
    if (rc == 0)
        b->len = e.len;
    return rc;
}

/* Encodes into a caller's buffer of cap bytes: FIXED mode, which on
 * running out of room goes on counting, so *need is always the full size. */
static int enc_fixed(const snow_term *t, const struct snow_stf_opts *opts, void *buf, size_t cap,
                     size_t *need, bool *fits, char *err, size_t errlen)
{
    struct enc e;
    e.buf = buf;
    e.len = e.base = 0;
    e.cap = cap;
    e.mode = ENC_FIXED;
    int rc = enc_run(&e, t, opts, err, errlen);
    *need = rc == 0 ? enc_size(&e) : 0;
    *fits = e.mode == ENC_FIXED;
    return rc;
}

/* The commonest messages: a tuple or list of at most SK_STF_SEQ_S_MAX
 * leaves (enc_leaf_size). Their encoding is never longer than FLAT_MAX
 * (a short string is the longest leaf). */
#define FLAT_MAX (2 + SK_STF_SEQ_S_MAX * (1 + SK_STF_STRING_S_MAX))

/* Encodes such a message into out[FLAT_MAX] in one loop; its length, or 0
 * for any other term or when the limits refuse it (the general path then
 * says why). */
static size_t enc_flat(const snow_term *t, const struct snow_stf_opts *opts, uint8_t *out)
{
    if (t == NULL || sk_is_imm(t) || (t->type != SNOW_T_TUPLE && t->type != SNOW_T_LIST) ||
        t->n == 0 || t->n > SK_STF_SEQ_S_MAX)
        return 0;
    uint8_t *p = out;
    *p++ = SNOW_STF_VERSION;
    *p++ = (uint8_t)((t->type == SNOW_T_TUPLE ? SK_STF_TUPLE_S : SK_STF_LIST_S) + (unsigned)t->n);
    for (size_t i = 0; i < t->n; i++) {
        const snow_term *x = sk_items(t)[i];
        if (enc_leaf_size(x) == 0)
            return 0;
        p = leaf_put(p, x);
    }
    size_t len = (size_t)(p - out);
    if (opts != NULL) { /* the defaults let every flat message through */
        struct sk_stf_limits lim;
        sk_stf_limits(opts, &lim);
        if (len > lim.max_size || t->n + 1 > lim.max_terms || lim.max_depth < 1)
            return 0;
    }
    return len;
}

int sk_stf_encode_tail(const snow_term *t, const struct snow_stf_opts *opts, uint8_t *buf,
                       size_t cap, size_t *len, const uint8_t **tail, size_t *tail_len)
{
    if (t == NULL || sk_is_imm(t))
        return SNOW_ENOTSUP;
    bool seq = t->type == SNOW_T_TUPLE || t->type == SNOW_T_LIST;
    size_t n = seq ? t->n : 1;
    if (n == 0 || n > SK_STF_SEQ_S_MAX)
        return SNOW_ENOTSUP;
    const snow_term *last = seq ? sk_items(t)[n - 1] : t;
    if (sk_is_imm(last) || (last->type != SNOW_T_STRING && last->type != SNOW_T_BINARY) ||
        last->n < SK_STF_TAIL_MIN || last->n > UINT32_MAX)
        return SNOW_ENOTSUP;
    size_t head = 1 + (seq ? 1 : 0) + 5; /* version, sequence head, bytes head */
    for (size_t i = 0; i + 1 < n; i++) {
        size_t leaf = enc_leaf_size(sk_items(t)[i]);
        if (leaf == 0)
            return SNOW_ENOTSUP;
        head += leaf;
    }
    struct sk_stf_limits lim;
    sk_stf_limits(opts, &lim);
    if (head > cap || head + last->n > lim.max_size || (seq ? n + 1 : 1) > lim.max_terms ||
        lim.max_depth < 1)
        return SNOW_ENOTSUP;
    uint8_t *p = buf;
    *p++ = SNOW_STF_VERSION;
    if (seq) {
        *p++ = (uint8_t)((t->type == SNOW_T_TUPLE ? SK_STF_TUPLE_S : SK_STF_LIST_S) + (unsigned)n);
        for (size_t i = 0; i + 1 < n; i++)
            p = leaf_put(p, sk_items(t)[i]);
    }
    *p++ = last->type == SNOW_T_STRING ? SK_STF_STRING : SK_STF_BINARY;
    sk_stf_put32(p, (uint32_t)last->n);
    *len = head;
    *tail = (const uint8_t *)((const struct sk_bytes *)last)->data;
    *tail_len = last->n;
    return 0;
}

/* A lone string or binary (a bulk payload): its encoded size, known
 * without a pass over it; 0 for other terms. */
static size_t enc_bytes_size(const snow_term *t)
{
    if (t == NULL || sk_is_imm(t) || (t->type != SNOW_T_STRING && t->type != SNOW_T_BINARY))
        return 0;
    size_t short_max = t->type == SNOW_T_STRING ? SK_STF_STRING_S_MAX : SK_STF_SEQ_S_MAX;
    return 1 + (t->n <= short_max ? 1 : 5) + t->n;
}

/* Where a whole encoding goes: a block of exactly its size that `alloc`
 * provides (NULL: out of memory) and `undo` gives back on failure. */
struct enc_sink {
    uint8_t *(*alloc)(struct enc_sink *s, size_t len);
    void (*undo)(struct enc_sink *s);
    void *block;
};

/* The encoding of t in a block from the sink, for a term too big for the
 * stack buffer: a second run writes into a block of the size the first run
 * counted. An ids callback can make the two runs differ (it names a node
 * each time); then the encoding is redone in a growing buffer and copied,
 * so the block always holds exactly what the last run wrote. */
static int enc_big_to_sink(const snow_term *t, const struct snow_stf_opts *opts,
                           struct enc_sink *sink, size_t need, size_t *len, char *err,
                           size_t errlen)
{
    uint8_t *buf = sink->alloc(sink, need);
    if (buf == NULL)
        return SNOW_ENOMEM;
    bool fits;
    size_t got;
    int rc = enc_fixed(t, opts, buf, need, &got, &fits, err, errlen);
    if (rc == 0 && fits && got == need) {
        *len = need;
        return 0;
    }
    sink->undo(sink);
    if (rc != 0)
        return rc;
    struct enc e;
    e.len = e.base = 0;
    e.cap = need;
    e.mode = ENC_GROW;
    if ((e.buf = malloc(e.cap)) == NULL)
        return SNOW_ENOMEM;
    if ((rc = enc_run(&e, t, opts, err, errlen)) == 0) {
        if ((buf = sink->alloc(sink, e.len)) == NULL)
            rc = SNOW_ENOMEM;
        else
            memcpy(buf, e.buf, *len = e.len);
    }
    free(e.buf);
    return rc;
}

/* Encodes t into one block from the sink, of exactly its size. A flat
 * message (enc_flat) and any other that fits the stack buffer are encoded
 * there and copied; a lone string or binary, and anything bigger, by
 * enc_big_to_sink. */
static int enc_to_sink(const snow_term *t, const struct snow_stf_opts *opts,
                       struct enc_sink *sink, size_t *len, char *err, size_t errlen)
{
    uint8_t stack[1024], *buf;
    _Static_assert(FLAT_MAX <= sizeof stack, "a flat message fits the stack buffer");
    size_t need = enc_flat(t, opts, stack);
    bool fits = need != 0;
    int rc = 0;
    if (!fits && (need = enc_bytes_size(t)) == 0 &&
        (rc = enc_fixed(t, opts, stack, sizeof stack, &need, &fits, err, errlen)) != 0)
        return rc;
    if (!fits)
        rc = enc_big_to_sink(t, opts, sink, need, len, err, errlen);
    else if ((buf = sink->alloc(sink, need)) == NULL)
        rc = SNOW_ENOMEM;
    else
        sk_copy_bytes(buf, stack, *len = need);
    if (rc == SNOW_ENOMEM)
        sk_stf_errf(err, errlen, "out of memory for a %zu-byte encoding", need);
    return rc;
}

static uint8_t *sink_malloc(struct enc_sink *s, size_t len) { return s->block = malloc(len); }
static void sink_malloc_undo(struct enc_sink *s) { free(s->block); }

int snow_stf_encode(const snow_term *t, const struct snow_stf_opts *opts, void **out,
                    size_t *len, char *err, size_t errlen)
{
    if (out == NULL || len == NULL)
        return SNOW_EINVAL;
    *out = NULL;
    *len = 0;
    struct enc_sink sink = {sink_malloc, sink_malloc_undo, NULL};
    int rc = enc_to_sink(t, opts, &sink, len, err, errlen);
    if (rc == 0)
        *out = sink.block;
    return rc;
}

/* The binary term is allocated like any other (thread caches), with the
 * trailing NUL every sk_bytes carries. */
static uint8_t *sink_binary(struct enc_sink *s, size_t len)
{
    struct sk_bytes *b = (struct sk_bytes *)sk_term_alloc(SNOW_T_BINARY, sizeof *b + len + 1);
    if ((s->block = b) == NULL)
        return NULL;
    b->h.n = len;
    b->data[len] = '\0';
    return (uint8_t *)b->data;
}
static void sink_binary_undo(struct enc_sink *s) { snow_term_release(s->block); }

int snow_stf_encode_binary(const snow_term *t, const struct snow_stf_opts *opts,
                           snow_term **out, char *err, size_t errlen)
{
    if (out == NULL)
        return SNOW_EINVAL;
    *out = NULL;
    struct enc_sink sink = {sink_binary, sink_binary_undo, NULL};
    size_t len;
    int rc = enc_to_sink(t, opts, &sink, &len, err, errlen);
    if (rc == 0)
        *out = sink.block;
    return rc;
}

int snow_stf_encoded_size(const snow_term *t, const struct snow_stf_opts *opts, size_t *len,
                          char *err, size_t errlen)
{
    if (len == NULL)
        return SNOW_EINVAL;
    struct enc e;
    e.buf = e.scratch;
    e.len = e.base = 0;
    e.cap = ENC_SCRATCH;
    e.mode = ENC_SIZE;
    int rc = enc_run(&e, t, opts, err, errlen);
    *len = rc == 0 ? enc_size(&e) : 0;
    return rc;
}

int snow_stf_encode_into(const snow_term *t, const struct snow_stf_opts *opts, void *buf,
                         size_t cap, size_t *len, char *err, size_t errlen)
{
    if (len == NULL || (buf == NULL && cap > 0))
        return SNOW_EINVAL;
    if (cap >= FLAT_MAX) { /* room for any flat message: written in place */
        size_t need = enc_flat(t, opts, buf);
        if (need != 0) {
            *len = need;
            return 0;
        }
    }
    bool fits;
    int rc = enc_fixed(t, opts, buf, cap, len, &fits, err, errlen);
    if (rc == 0 && !fits) { /* ran out of room: report the need */
        sk_stf_errf(err, errlen, "buffer of %zu bytes is too small; %zu needed", cap, *len);
        return SNOW_ERANGE;
    }
    return rc;
}

void sk_stf_buf_free(struct sk_stf_buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
