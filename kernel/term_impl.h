/* SPDX-License-Identifier: MIT */
/* Term representation shared by the term, order, format and STF modules. */
#ifndef SK_TERM_IMPL_H
#define SK_TERM_IMPL_H

#include <snow/term.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * A snow_term pointer is either a heap object (low 3 bits 000, malloc gives
 * at least 8-byte alignment) or an immediate:
 *   ...xx1  small integer, value = pointer >> 1 (arithmetic)
 *   ...010  atom, table index = pointer >> 3 (index 0 = false, 1 = true)
 *   ...100  nil (exactly the value 4)
 * Immediates never allocate; every int that fits is an immediate, so two
 * equal ints are always the same pointer value (equality stays cheap).
 */
#define SK_TAG_MASK ((uintptr_t)7)
#define SK_TAG_ATOM ((uintptr_t)2)
#define SK_NIL ((snow_term *)(uintptr_t)4)

#define SK_ATOM_FALSE 0u
#define SK_ATOM_TRUE 1u

#define SK_SMALL_MAX ((int64_t)(INTPTR_MAX >> 1))
#define SK_SMALL_MIN ((int64_t)(INTPTR_MIN >> 1))

/* Every heap term starts with this head. `n` is the element count (tuple,
 * list, set, struct, variant), the entry count (map) or the byte length
 * (string, binary, function name). `name` is the type-name atom of a struct
 * or variant. Immortal static terms start with a huge count that never
 * reaches zero, so ref/release need no special case for them. */
struct snow_term {
    union {
        _Atomic size_t rc;
        struct snow_term *next_free; /* only once rc hit 0: release worklist */
        struct snow_term *owner;     /* cls == SK_CLS_INNER: the block's root */
    } u;
    uint32_t type : 7;  /* enum snow_type */
    uint32_t block : 1; /* root of a block (below): its children live inside it */
    uint32_t cls : 4;   /* allocation size class (kernel/term_alloc.c), 0 = none */
    uint32_t ctor : 20; /* variant constructor atom (atom indices < 2^20) */
    uint32_t name;
    size_t n;
};

#define SK_RC_IMMORTAL (SIZE_MAX / 2)

/*
 * Blocks: the STF decoder builds a whole decoded tree in one allocation
 * (one malloc instead of one per term, and releasing it is one free, with
 * no walk over the children). The first term in the block is its root and
 * carries `block`; every other term in it has cls SK_CLS_INNER and, instead
 * of its own count, a pointer to the root, so a reference to any of them
 * keeps the whole block alive (a small piece kept from a big message keeps
 * the message's memory). Children of block terms are immediates, immortal
 * terms or terms of the same block, never outside terms, which is why
 * destroying the root needs no walk.
 */
#define SK_CLS_INNER 1u

/* The term whose count stands for t's: t itself, or its block's root. */
static inline snow_term *sk_rc_holder(snow_term *t)
{
    return t->cls == SK_CLS_INNER ? t->u.owner : t;
}

struct sk_int {
    struct snow_term h;
    int64_t v;
};
struct sk_float {
    struct snow_term h;
    double v;
};
struct sk_id { /* pid, ref */
    struct snow_term h;
    uint64_t v;
};
struct sk_bytes { /* string (NUL added after the n bytes), binary */
    struct snow_term h;
    char data[];
};
/* tuple, list, set: items[n]. map: items[2n] = key0, value0, key1, ...
 * sorted by key. struct: items[n] values, then uint32_t names[n] (field-name
 * atoms, sorted by name). variant: items[n], ctor atom in the head. */
struct sk_seq {
    struct snow_term h;
    snow_term *items[];
};
struct sk_fn {
    struct snow_term h;
    snow_fn_ptr fn;
    snow_term *env;
    char name[];
};

static inline bool sk_is_imm(const snow_term *t) { return ((uintptr_t)t & SK_TAG_MASK) != 0; }
static inline bool sk_is_small(const snow_term *t) { return ((uintptr_t)t & 1) != 0; }
static inline int64_t sk_small_val(const snow_term *t) { return (int64_t)((intptr_t)t >> 1); }
static inline snow_term *sk_small_make(int64_t v)
{
    return (snow_term *)(((uintptr_t)(intptr_t)v << 1) | 1);
}
static inline bool sk_is_atomimm(const snow_term *t)
{
    return ((uintptr_t)t & SK_TAG_MASK) == SK_TAG_ATOM;
}
static inline uint32_t sk_atom_index(const snow_term *t) { return (uint32_t)((uintptr_t)t >> 3); }
static inline snow_term *sk_atom_make(uint32_t idx)
{
    return (snow_term *)(((uintptr_t)idx << 3) | SK_TAG_ATOM);
}
static inline snow_term **sk_items(const snow_term *t) { return ((struct sk_seq *)(uintptr_t)t)->items; }
/* The types whose body is t->n elements at sk_items(t) (a map has 2 * n:
 * keys and values). */
static inline bool sk_type_has_items(unsigned type)
{
    switch ((enum snow_type)type) {
    case SNOW_T_TUPLE:
    case SNOW_T_LIST:
    case SNOW_T_SET:
    case SNOW_T_STRUCT:
    case SNOW_T_VARIANT:
        return true;
    default:
        return false;
    }
}
static inline uint32_t *sk_struct_names(const snow_term *t)
{
    return (uint32_t *)(void *)(sk_items(t) + t->n);
}

/* ---- atoms (kernel/atom.c) ---- */
/* Interns name[0..len). `from_decode` charges the decode quota. Returns 0,
 * SNOW_EINVAL (empty, > 255 bytes, bad UTF-8), SNOW_ELIMIT, SNOW_ENOMEM. */
int sk_atom_intern(const char *name, size_t len, bool from_decode, uint32_t *idx);
/* Name of an existing atom index (never NULL for an index a term carries). */
const char *sk_atom_name(uint32_t idx, size_t *len);
/* Index of an already-interned atom; false if absent (never interns). */
bool sk_atom_lookup(const char *name, size_t len, uint32_t *idx);
int sk_atom_cmp(uint32_t a, uint32_t b);

/* ---- hashing (kernel/term_order.c) ---- */
uint64_t sk_hash_bytes(const void *data, size_t len, uint64_t seed);

/* ---- shared helpers (kernel/term.c) ---- */
bool sk_utf8_valid(const char *s, size_t len);
/* ---- term memory (kernel/term_alloc.c) ----
 * A heap term of `body` bytes (head included), count 1; NULL on out of
 * memory. Free a term that was never published with sk_term_free. Small
 * blocks come from a per-thread cache (off in ASan builds, so ASan sees
 * every use-after-free); the fast paths are inline. */
#if defined(__SANITIZE_ADDRESS__)
#define SK_ALLOC_CACHE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SK_ALLOC_CACHE 0
#endif
#endif
#ifndef SK_ALLOC_CACHE
#define SK_ALLOC_CACHE 1
#endif
#define SK_ALLOC_CLASSES 16 /* class c holds blocks of c * 16 bytes, 2..15 */
#define SK_ALLOC_KEEP 256   /* blocks kept per class per thread */
#define SK_ALLOC_BATCH 128  /* blocks moved to or from the shared depot at once */

struct sk_alloc_class {
    snow_term *head;
    unsigned count;
};
struct sk_alloc_cache {
    struct sk_alloc_class cls[SK_ALLOC_CLASSES];
    bool registered;
};
/* initial-exec: libsnow is linked at start-up; the general-dynamic model
 * would cost a __tls_get_addr call per allocation. */
extern _Thread_local struct sk_alloc_cache sk_alloc_cache __attribute__((tls_model("initial-exec")));
bool sk_alloc_register(struct sk_alloc_cache *c);
/* A full class list hands SK_ALLOC_BATCH blocks to the shared depot. */
void sk_alloc_spill(struct sk_alloc_class *k, unsigned cls);
/* Frees a block outside the classes; bulk ones may be kept for reuse. */
void sk_alloc_free_big(snow_term *t);
snow_term *sk_term_alloc_slow(enum snow_type type, size_t body);

static inline void sk_term_init(snow_term *t, enum snow_type type, unsigned cls)
{
    atomic_init(&t->u.rc, 1);
    t->type = type;
    t->block = 0;
    t->cls = cls;
    t->ctor = 0;
    t->name = 0;
    t->n = 0;
}

static inline snow_term *sk_term_alloc(enum snow_type type, size_t body)
{
#if SK_ALLOC_CACHE
    if (body <= (SK_ALLOC_CLASSES - 1) * 16) {
        size_t c = body <= 32 ? 2 : (body + 15) >> 4;
        struct sk_alloc_class *k = &sk_alloc_cache.cls[c];
        snow_term *t = k->head;
        if (t != NULL) {
            k->head = t->u.next_free;
            k->count--;
            sk_term_init(t, type, (unsigned)c);
            return t;
        }
    }
#endif
    return sk_term_alloc_slow(type, body);
}

static inline void sk_term_free(snow_term *t)
{
    if (t == NULL)
        return;
#if SK_ALLOC_CACHE
    struct sk_alloc_cache *c = &sk_alloc_cache;
    if (t->cls != 0 && (c->registered || sk_alloc_register(c))) {
        struct sk_alloc_class *k = &c->cls[t->cls];
        if (k->count >= SK_ALLOC_KEEP)
            sk_alloc_spill(k, t->cls);
        t->u.next_free = k->head;
        k->head = t;
        k->count++;
        return;
    }
    if (t->cls == 0) {
        sk_alloc_free_big(t);
        return;
    }
#endif
    free(t);
}

/* Most entries a term with slots may hold (a map entry takes two slots),
 * so that its body size cannot overflow. */
#define SK_SEQ_MAX ((SIZE_MAX - sizeof(struct sk_seq)) / (2 * sizeof(snow_term *)))
/* Body sizes (head included) of the variable-size terms, so that the
 * constructors and the decoder's sizing pass agree on them. */
static inline size_t sk_seq_body(size_t slots)
{
    return sizeof(struct sk_seq) + slots * sizeof(snow_term *);
}
static inline size_t sk_bytes_body(size_t len) { return sizeof(struct sk_bytes) + len + 1; }
static inline size_t sk_struct_body(size_t n)
{
    return sizeof(struct sk_seq) + n * (sizeof(snow_term *) + sizeof(uint32_t));
}
/* A term's share of a block: keeps the next term 8-byte aligned. */
static inline size_t sk_block_share(size_t body) { return (body + 7) & ~(size_t)7; }

/* Makes the piece at `at` a term of root's block. */
static inline snow_term *sk_block_inner(snow_term *root, void *at, enum snow_type type)
{
    snow_term *t = at;
    sk_term_init(t, type, SK_CLS_INNER);
    t->u.owner = root;
    return t;
}

/* Copies n bytes (the STF codec's string and binary bodies). Short runs,
 * the common case, move as two overlapping words instead of a memcpy call;
 * both words lie within the n bytes, so nothing past either end is read or
 * written. Returns the high bits of the bytes OR-ed together for those
 * (0: all ASCII, so valid UTF-8), else 0 only when n is 0. */
static inline uint64_t sk_copy_bytes(void *dst, const void *src, size_t n)
{
    char *d = dst;
    const char *s = src;
    if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
        return (a | b) & UINT64_C(0x8080808080808080);
    }
    if (n >= 4 && n < 8) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
        return (a | b) & 0x80808080u;
    }
    memcpy(d, s, n);
    return n != 0;
}

/* Fills the string or binary t (allocated with sk_bytes_body(len)) from
 * src, with the trailing NUL every one carries (strings can be handed to
 * C as-is); false if t is a string and src is not UTF-8 (the decoders'
 * check: ASCII, told by sk_copy_bytes, needs no scan). */
static inline bool sk_bytes_fill(snow_term *t, const void *src, size_t len)
{
    char *data = ((struct sk_bytes *)t)->data;
    t->n = len;
    uint64_t high = sk_copy_bytes(data, src, len);
    data[len] = '\0';
    return t->type != SNOW_T_STRING || high == 0 || sk_utf8_valid(src, len);
}

/* A string or binary of len bytes, copied; no UTF-8 check. */
snow_term *sk_bytes_make(enum snow_type type, const void *data, size_t len);
/* Builds a struct/variant from atom indices (the decoder's path). Steals
 * values/fields; NULL on failure with *rc = SNOW_EINVAL (duplicate field
 * name or NULL value) or SNOW_ENOMEM. */
snow_term *sk_struct_make(uint32_t type, size_t n, const uint32_t *names, snow_term **values,
                          int *rc);
/* Canonical order in place (kernel/term_coll.c), shared by the
 * constructors and the decoder. sk_coll_canon sorts a map's entries by key
 * or a set's elements, keeping the last of equal keys; t->n shrinks by the
 * entries dropped, which are released if `owned` (not for block terms).
 * sk_struct_canon sorts a struct's fields by name. Both return 0, or
 * SNOW_ENOMEM / SNOW_EINVAL (duplicate field name) with t unchanged. */
int sk_coll_canon(snow_term *t, bool owned);
int sk_struct_canon(snow_term *t);
snow_term *sk_variant_make(uint32_t type, uint32_t ctor, size_t n, snow_term **fields);
void sk_release_array(size_t n, snow_term **items);

#endif /* SK_TERM_IMPL_H */
