/* SPDX-License-Identifier: MIT */
/* Term construction, reference counting and destruction. */
#include "term_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The empty tuple and list are shared immortal objects (no allocation). */
static struct snow_term term_empty_tuple = {
    .u.rc = SK_RC_IMMORTAL, .type = SNOW_T_TUPLE, .n = 0};
static struct snow_term term_empty_list = {
    .u.rc = SK_RC_IMMORTAL, .type = SNOW_T_LIST, .n = 0};

/* Validates UTF-8 (no overlongs, no surrogates, <= U+10FFFF); ASCII runs
 * are checked eight bytes at a time. */
bool sk_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        if (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & UINT64_C(0x8080808080808080)) == 0) {
                i += 8;
                continue;
            }
        }
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return false;
        }
        if (len - i <= need)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        i += need + 1;
    }
    return true;
}

/* Bytes of a term with `n` pointer slots after the head; 0 on overflow. */
static size_t term_seq_size(size_t n)
{
    return n > SK_SEQ_MAX ? 0 : sk_seq_body(n);
}

/* ---- reference counting ---- */

snow_term *snow_term_ref(snow_term *t)
{
    if (t != NULL && !sk_is_imm(t))
        atomic_fetch_add_explicit(&sk_rc_holder(t)->u.rc, 1, memory_order_relaxed);
    return t;
}

/* Drops one reference to t; returns the term that dies with it (t, or the
 * root of t's block) if that was the last reference, else NULL. */
static inline snow_term *term_unref(snow_term *t)
{
    if (t == NULL || sk_is_imm(t))
        return NULL;
    t = sk_rc_holder(t);
    /* Holding the only reference, nobody else can touch the count: skip
     * the atomic read-modify-write (the acquire load pairs with the other
     * owners' release decrements). */
    if (atomic_load_explicit(&t->u.rc, memory_order_acquire) == 1)
        return t;
    /* acq_rel rather than release + a standalone acquire fence: the same
     * ordering, and ThreadSanitizer (which does not model fences) sees it */
    return atomic_fetch_sub_explicit(&t->u.rc, 1, memory_order_acq_rel) == 1 ? t : NULL;
}

/* The references t holds to other terms: none for a block (its children
 * are inside it and hold no counts of their own). */
static snow_term **term_kids(snow_term *t, size_t *n)
{
    *n = 0;
    if (t->block)
        return NULL;
    if (sk_type_has_items(t->type)) {
        *n = t->n;
        return sk_items(t);
    }
    switch ((enum snow_type)t->type) {
    case SNOW_T_MAP:
        *n = 2 * t->n;
        return sk_items(t);
    case SNOW_T_FUNCTION:
        *n = 1;
        return &((struct sk_fn *)t)->env;
    default:
        return NULL;
    }
}

/* Frees a term whose count reached zero, and every child that dies with it,
 * iteratively: dead terms are chained through their (now unused) count
 * field, so freeing a deep term needs no stack and no allocation. */
static void term_destroy(snow_term *t)
{
    t->u.next_free = NULL;
    while (t != NULL) {
        snow_term *next = t->u.next_free;
        size_t nkids;
        snow_term **kids = term_kids(t, &nkids);
        for (size_t i = 0; i < nkids; i++) {
            snow_term *dead = term_unref(kids[i]);
            if (dead != NULL) {
                dead->u.next_free = next;
                next = dead;
            }
        }
        sk_term_free(t);
        t = next;
    }
}

void snow_term_release(snow_term *t)
{
    snow_term *dead = term_unref(t);
    if (dead != NULL && dead->block)
        sk_term_free(dead); /* a decoded message: one free, nothing to walk */
    else if (dead != NULL)
        term_destroy(dead);
}

void sk_release_array(size_t n, snow_term **items)
{
    for (size_t i = 0; i < n; i++)
        snow_term_release(items[i]);
}

enum snow_type snow_term_type(const snow_term *t)
{
    if (t == NULL)
        return (enum snow_type)0;
    if (sk_is_small(t))
        return SNOW_T_INT;
    if (sk_is_atomimm(t))
        return sk_atom_index(t) <= SK_ATOM_TRUE ? SNOW_T_BOOL : SNOW_T_ATOM;
    if (t == SK_NIL)
        return SNOW_T_NIL;
    return (enum snow_type)t->type;
}

/* ---- scalars ---- */

snow_term *snow_nil(void) { return SK_NIL; }

snow_term *snow_bool(bool v) { return sk_atom_make(v ? SK_ATOM_TRUE : SK_ATOM_FALSE); }

snow_term *snow_int(int64_t v)
{
    if (v >= SK_SMALL_MIN && v <= SK_SMALL_MAX)
        return sk_small_make(v);
    struct sk_int *t = (struct sk_int *)sk_term_alloc(SNOW_T_INT, sizeof(struct sk_int));
    if (t == NULL)
        return NULL;
    t->v = v;
    return &t->h;
}

snow_term *snow_float(double v)
{
    if (isnan(v))
        return NULL; /* NaN would break the total order */
    struct sk_float *t = (struct sk_float *)sk_term_alloc(SNOW_T_FLOAT, sizeof(struct sk_float));
    if (t == NULL)
        return NULL;
    t->v = v;
    return &t->h;
}

snow_term *snow_atom_len(const char *name, size_t len)
{
    uint32_t idx;
    if (sk_atom_intern(name, len, false, &idx) != 0)
        return NULL;
    return sk_atom_make(idx);
}

snow_term *snow_atom(const char *name)
{
    return name == NULL ? NULL : snow_atom_len(name, strlen(name));
}

snow_term *sk_bytes_make(enum snow_type type, const void *data, size_t len)
{
    if ((data == NULL && len > 0) || len > SIZE_MAX - sizeof(struct sk_bytes) - 1)
        return NULL;
    struct sk_bytes *t = (struct sk_bytes *)sk_term_alloc(type, sizeof(struct sk_bytes) + len + 1);
    if (t == NULL)
        return NULL;
    t->h.n = len;
    if (len > 0)
        memcpy(t->data, data, len);
    t->data[len] = '\0'; /* strings can be handed to C as-is */
    return &t->h;
}

snow_term *snow_string_len(const char *s, size_t len)
{
    if (s != NULL && !sk_utf8_valid(s, len))
        return NULL;
    return sk_bytes_make(SNOW_T_STRING, s, len);
}

snow_term *snow_string(const char *s)
{
    return s == NULL ? NULL : snow_string_len(s, strlen(s));
}

snow_term *snow_binary(const void *data, size_t len)
{
    return sk_bytes_make(SNOW_T_BINARY, data, len);
}

static snow_term *term_id(enum snow_type type, uint64_t v)
{
    struct sk_id *t = (struct sk_id *)sk_term_alloc(type, sizeof(struct sk_id));
    if (t == NULL)
        return NULL;
    t->v = v;
    return &t->h;
}

snow_term *snow_pid_term(snow_pid pid) { return term_id(SNOW_T_PID, pid); }
snow_term *snow_ref_term(snow_ref ref) { return term_id(SNOW_T_REF, ref); }

snow_term *snow_function(snow_fn_ptr fn, const char *name, snow_term *env)
{
    if (name == NULL)
        name = "fun";
    size_t len = strlen(name);
    struct sk_fn *t = NULL;
    if (fn != NULL && len <= 255 && sk_utf8_valid(name, len))
        t = (struct sk_fn *)sk_term_alloc(SNOW_T_FUNCTION, sizeof(struct sk_fn) + len + 1);
    if (t == NULL) {
        snow_term_release(env);
        return NULL;
    }
    t->h.n = len;
    t->fn = fn;
    t->env = env == NULL ? SK_NIL : env;
    memcpy(t->name, name, len + 1);
    return &t->h;
}

/* ---- tuples and lists ---- */

static bool term_any_null(size_t n, snow_term **items)
{
    for (size_t i = 0; i < n; i++)
        if (items[i] == NULL)
            return true;
    return false;
}

/* A tuple or list from an array, stealing the references. */
static snow_term *term_seq_from(enum snow_type type, size_t n, snow_term **items)
{
    if (n == 0)
        return type == SNOW_T_TUPLE ? &term_empty_tuple : &term_empty_list;
    if (items == NULL)
        return NULL;
    size_t size = term_seq_size(n);
    snow_term *t = NULL;
    if (size != 0 && !term_any_null(n, items))
        t = sk_term_alloc(type, size);
    if (t == NULL) {
        sk_release_array(n, items);
        return NULL;
    }
    t->n = n;
    memcpy(sk_items(t), items, n * sizeof *items);
    return t;
}

static snow_term *term_seq_va(enum snow_type type, size_t n, va_list ap)
{
    if (n == 0)
        return type == SNOW_T_TUPLE ? &term_empty_tuple : &term_empty_list;
    size_t size = term_seq_size(n);
    snow_term *t = size != 0 ? sk_term_alloc(type, size) : NULL;
    bool bad = t == NULL;
    for (size_t i = 0; i < n; i++) {
        snow_term *item = va_arg(ap, snow_term *);
        bad = bad || item == NULL;
        if (t != NULL)
            sk_items(t)[i] = item;
        else
            snow_term_release(item);
    }
    if (bad && t != NULL) {
        sk_release_array(n, sk_items(t));
        sk_term_free(t);
    }
    if (bad)
        return NULL;
    t->n = n;
    return t;
}

snow_term *snow_tuple(size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    snow_term *t = term_seq_va(SNOW_T_TUPLE, n, ap);
    va_end(ap);
    return t;
}

snow_term *snow_list(size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    snow_term *t = term_seq_va(SNOW_T_LIST, n, ap);
    va_end(ap);
    return t;
}

snow_term *snow_tuple_from(size_t n, snow_term **items)
{
    return term_seq_from(SNOW_T_TUPLE, n, items);
}

snow_term *snow_list_from(size_t n, snow_term **items)
{
    return term_seq_from(SNOW_T_LIST, n, items);
}
