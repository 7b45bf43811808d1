/* SPDX-License-Identifier: MIT */
/* Total order, equality and hashing of terms. */
#include "term_impl.h"

#include <math.h>
#include <string.h>

/*
 * Order between types (Erlang-like): numbers < atoms (booleans are atoms)
 * < refs < functions < pids < tuples < structs < variants < maps < sets
 * < nil < lists < strings < binaries. Ints and floats compare by value; an
 * int and a float of the same value are different terms and the int sorts
 * first (so 1 and 1.0 are distinct map keys, as in Erlang's =:=).
 * Within a type: atoms by name bytes; pids/refs by value; tuples, sets,
 * maps by size then elements (maps: all keys, then all values); structs
 * by type name, size, field names, values; variants by type name,
 * constructor, size, fields; lists lexicographically; strings and binaries
 * by bytes (a prefix sorts first); functions by name, address, env.
 */
static int order_rank(enum snow_type t)
{
    switch (t) {
    case SNOW_T_INT:
    case SNOW_T_FLOAT:
        return 0;
    case SNOW_T_ATOM:
    case SNOW_T_BOOL:
        return 1;
    case SNOW_T_REF:
        return 2;
    case SNOW_T_FUNCTION:
        return 3;
    case SNOW_T_PID:
        return 4;
    case SNOW_T_TUPLE:
        return 5;
    case SNOW_T_STRUCT:
        return 6;
    case SNOW_T_VARIANT:
        return 7;
    case SNOW_T_MAP:
        return 8;
    case SNOW_T_SET:
        return 9;
    case SNOW_T_NIL:
        return 10;
    case SNOW_T_LIST:
        return 11;
    case SNOW_T_STRING:
        return 12;
    case SNOW_T_BINARY:
        return 13;
    }
    return 14;
}

#define ORDER_CMP(x, y) ((x) < (y) ? -1 : (x) > (y) ? 1 : 0)

static int64_t order_int(const snow_term *t)
{
    return sk_is_small(t) ? sk_small_val(t) : ((const struct sk_int *)t)->v;
}

/* An int against a float, exactly (no rounding of large ints). */
static int order_int_float(int64_t i, double d)
{
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    double whole = trunc(d);
    int64_t w = (int64_t)whole;
    if (i != w)
        return i < w ? -1 : 1;
    if (d > whole)
        return -1;
    if (d < whole)
        return 1;
    return -1; /* same value: the int sorts first */
}

static int order_numbers(const snow_term *a, const snow_term *b)
{
    bool fa = snow_term_type(a) == SNOW_T_FLOAT, fb = snow_term_type(b) == SNOW_T_FLOAT;
    if (!fa && !fb)
        return ORDER_CMP(order_int(a), order_int(b));
    if (fa && fb) {
        double x = ((const struct sk_float *)a)->v, y = ((const struct sk_float *)b)->v;
        return ORDER_CMP(x, y);
    }
    if (!fa)
        return order_int_float(order_int(a), ((const struct sk_float *)b)->v);
    return -order_int_float(order_int(b), ((const struct sk_float *)a)->v);
}

static int order_bytes(const void *a, size_t na, const void *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return ORDER_CMP(na, nb);
}

static int order_items(snow_term *const *a, snow_term *const *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int c = snow_term_compare(a[i], b[i]);
        if (c != 0)
            return c;
    }
    return 0;
}

static int order_same_rank(const snow_term *a, const snow_term *b, enum snow_type type)
{
    int c;
    switch (type) {
    case SNOW_T_INT:
    case SNOW_T_FLOAT:
        return order_numbers(a, b);
    case SNOW_T_ATOM:
    case SNOW_T_BOOL:
        return sk_atom_cmp(sk_atom_index(a), sk_atom_index(b));
    case SNOW_T_REF:
    case SNOW_T_PID:
        return ORDER_CMP(((const struct sk_id *)a)->v, ((const struct sk_id *)b)->v);
    case SNOW_T_FUNCTION: {
        const struct sk_fn *fa = (const void *)a, *fb = (const void *)b;
        if ((c = order_bytes(fa->name, a->n, fb->name, b->n)) != 0)
            return c;
        if (fa->fn != fb->fn)
            return (uintptr_t)fa->fn < (uintptr_t)fb->fn ? -1 : 1;
        return snow_term_compare(fa->env, fb->env);
    }
    case SNOW_T_TUPLE:
    case SNOW_T_SET:
        if (a->n != b->n)
            return ORDER_CMP(a->n, b->n);
        return order_items(sk_items(a), sk_items(b), a->n);
    case SNOW_T_STRUCT:
        if ((c = sk_atom_cmp(a->name, b->name)) != 0)
            return c;
        if (a->n != b->n)
            return ORDER_CMP(a->n, b->n);
        for (size_t i = 0; i < a->n; i++)
            if ((c = sk_atom_cmp(sk_struct_names(a)[i], sk_struct_names(b)[i])) != 0)
                return c;
        return order_items(sk_items(a), sk_items(b), a->n);
    case SNOW_T_VARIANT:
        if ((c = sk_atom_cmp(a->name, b->name)) != 0)
            return c;
        if ((c = sk_atom_cmp(a->ctor, b->ctor)) != 0)
            return c;
        if (a->n != b->n)
            return ORDER_CMP(a->n, b->n);
        return order_items(sk_items(a), sk_items(b), a->n);
    case SNOW_T_MAP:
        if (a->n != b->n)
            return ORDER_CMP(a->n, b->n);
        for (size_t i = 0; i < a->n; i++)
            if ((c = snow_term_compare(sk_items(a)[2 * i], sk_items(b)[2 * i])) != 0)
                return c;
        for (size_t i = 0; i < a->n; i++)
            if ((c = snow_term_compare(sk_items(a)[2 * i + 1], sk_items(b)[2 * i + 1])) != 0)
                return c;
        return 0;
    case SNOW_T_NIL:
        return 0;
    case SNOW_T_LIST: {
        size_t n = a->n < b->n ? a->n : b->n;
        if ((c = order_items(sk_items(a), sk_items(b), n)) != 0)
            return c;
        return ORDER_CMP(a->n, b->n);
    }
    case SNOW_T_STRING:
    case SNOW_T_BINARY:
        return order_bytes(((const struct sk_bytes *)a)->data, a->n,
                           ((const struct sk_bytes *)b)->data, b->n);
    }
    return 0;
}

int snow_term_compare(const snow_term *a, const snow_term *b)
{
    if (a == b)
        return 0;
    if (a == NULL || b == NULL)
        return a == NULL ? -1 : 1;
    if (sk_is_small(a) && sk_is_small(b))
        return ORDER_CMP(sk_small_val(a), sk_small_val(b));
    enum snow_type ta = snow_term_type(a), tb = snow_term_type(b);
    int ra = order_rank(ta), rb = order_rank(tb);
    if (ra != rb)
        return ORDER_CMP(ra, rb);
    return order_same_rank(a, b, ta);
}

bool snow_term_equal(const snow_term *a, const snow_term *b)
{
    if (a == b)
        return true;
    /* Immediates are canonical: a different pointer is a different term. */
    if (a == NULL || b == NULL || sk_is_imm(a) || sk_is_imm(b) || a->type != b->type)
        return false;
    return order_same_rank(a, b, (enum snow_type)a->type) == 0;
}

/* ---- hashing ---- */

#define HASH_K1 UINT64_C(0x9E3779B97F4A7C15)
#define HASH_K2 UINT64_C(0xBF58476D1CE4E5B9)
#define HASH_K3 UINT64_C(0x94D049BB133111EB)

static uint64_t hash_final(uint64_t h)
{
    h ^= h >> 30;
    h *= HASH_K2;
    h ^= h >> 27;
    h *= HASH_K3;
    h ^= h >> 31;
    return h;
}

static uint64_t hash_mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= HASH_K1;
    return h ^ (h >> 32);
}

uint64_t sk_hash_bytes(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = seed ^ (len * HASH_K1);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = hash_mix(h, w);
        p += 8;
        len -= 8;
    }
    uint64_t tail = 0;
    for (size_t i = 0; i < len; i++)
        tail |= (uint64_t)p[i] << (8 * i);
    return hash_final(hash_mix(h, tail));
}

static uint64_t hash_items(uint64_t h, snow_term *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = hash_mix(h, snow_term_hash(items[i]));
    return h;
}

static uint64_t hash_atom(uint32_t idx)
{
    size_t len;
    const char *name = sk_atom_name(idx, &len);
    return sk_hash_bytes(name, len, 3);
}

/* Consistent with snow_term_equal; atoms hash by name, so the hash of a
 * term does not depend on the order atoms were interned in. */
uint64_t snow_term_hash(const snow_term *t)
{
    enum snow_type type = snow_term_type(t);
    uint64_t h = (uint64_t)type * HASH_K2;
    switch (type) {
    case SNOW_T_INT:
        return hash_final(hash_mix(h, (uint64_t)order_int(t)));
    case SNOW_T_FLOAT: {
        double d = ((const struct sk_float *)t)->v;
        uint64_t bits;
        if (d == 0)
            d = 0; /* -0.0 equals 0.0 */
        memcpy(&bits, &d, sizeof bits);
        return hash_final(hash_mix(h, bits));
    }
    case SNOW_T_ATOM:
    case SNOW_T_BOOL:
        return hash_atom(sk_atom_index(t));
    case SNOW_T_REF:
    case SNOW_T_PID:
        return hash_final(hash_mix(h, ((const struct sk_id *)t)->v));
    case SNOW_T_FUNCTION: {
        const struct sk_fn *f = (const void *)t;
        h = hash_mix(h, sk_hash_bytes(f->name, t->n, h));
        h = hash_mix(h, (uint64_t)(uintptr_t)f->fn);
        return hash_final(hash_mix(h, snow_term_hash(f->env)));
    }
    case SNOW_T_STRUCT:
        h = hash_mix(h, hash_atom(t->name));
        for (size_t i = 0; i < t->n; i++)
            h = hash_mix(h, hash_atom(sk_struct_names(t)[i]));
        return hash_final(hash_items(h, sk_items(t), t->n));
    case SNOW_T_VARIANT:
        h = hash_mix(h, hash_atom(t->name));
        h = hash_mix(h, hash_atom(t->ctor));
        return hash_final(hash_items(h, sk_items(t), t->n));
    case SNOW_T_TUPLE:
    case SNOW_T_LIST:
    case SNOW_T_SET:
        return hash_final(hash_items(hash_mix(h, t->n), sk_items(t), t->n));
    case SNOW_T_MAP:
        return hash_final(hash_items(hash_mix(h, t->n), sk_items(t), 2 * t->n));
    case SNOW_T_STRING:
    case SNOW_T_BINARY:
        return sk_hash_bytes(((const struct sk_bytes *)t)->data, t->n, h);
    case SNOW_T_NIL:
        return hash_final(h);
    }
    return 0;
}
