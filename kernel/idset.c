/* SPDX-License-Identifier: MIT */
/* A hash set of (a, b, c) 64-bit triples: links and monitors per remote node. */
#include "idset.h"

#include <stdlib.h>
#include <string.h>

#include <snow/error.h>

static size_t idset_hash(struct sk_idkey k)
{
    uint64_t h = k.a * 0x9E3779B97F4A7C15ull;
    h ^= (k.b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull;
    h ^= (k.c + 0x94D049BB133111EBull) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 31;
    return (size_t)h;
}

static bool idset_eq(struct sk_idkey x, struct sk_idkey y)
{
    return x.a == y.a && x.b == y.b && x.c == y.c;
}

/* Slot holding k, or SIZE_MAX. */
static size_t idset_find(const struct sk_idset *s, struct sk_idkey k)
{
    if (s->cap == 0)
        return SIZE_MAX;
    size_t mask = s->cap - 1;
    for (size_t i = idset_hash(k) & mask, n = 0; n < s->cap; i = (i + 1) & mask, n++) {
        if (s->state[i] == 0)
            return SIZE_MAX;
        if (s->state[i] == 1 && idset_eq(s->keys[i], k))
            return i;
    }
    return SIZE_MAX;
}

static int idset_grow(struct sk_idset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 16;
    if (s->used * 4 < s->cap) /* mostly tombstones: rehash at the same size */
        cap = s->cap;
    struct sk_idkey *keys = calloc(cap, sizeof *keys);
    uint8_t *state = calloc(cap, 1);
    if (keys == NULL || state == NULL) {
        free(keys);
        free(state);
        return SNOW_ENOMEM;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (s->state[i] != 1)
            continue;
        size_t j = idset_hash(s->keys[i]) & (cap - 1);
        while (state[j])
            j = (j + 1) & (cap - 1);
        keys[j] = s->keys[i];
        state[j] = 1;
    }
    free(s->keys);
    free(s->state);
    s->keys = keys;
    s->state = state;
    s->cap = cap;
    s->filled = s->used;
    return 0;
}

int sk_idset_add(struct sk_idset *s, struct sk_idkey k)
{
    if (idset_find(s, k) != SIZE_MAX)
        return 0;
    if ((s->filled + 1) * 4 > s->cap * 3) {
        int rc = idset_grow(s);
        if (rc != 0)
            return rc;
    }
    size_t mask = s->cap - 1;
    size_t i = idset_hash(k) & mask;
    while (s->state[i] == 1)
        i = (i + 1) & mask;
    if (s->state[i] == 0)
        s->filled++;
    s->keys[i] = k;
    s->state[i] = 1;
    s->used++;
    return 0;
}

bool sk_idset_remove(struct sk_idset *s, struct sk_idkey k)
{
    size_t i = idset_find(s, k);
    if (i == SIZE_MAX)
        return false;
    s->state[i] = 2;
    s->used--;
    return true;
}

bool sk_idset_has(const struct sk_idset *s, struct sk_idkey k)
{
    return idset_find(s, k) != SIZE_MAX;
}

struct sk_idkey *sk_idset_take_all(struct sk_idset *s, size_t *n)
{
    *n = 0;
    if (s->used == 0) {
        sk_idset_free(s);
        return NULL;
    }
    struct sk_idkey *out = malloc(s->used * sizeof *out);
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < s->cap; i++)
        if (s->state[i] == 1)
            out[(*n)++] = s->keys[i];
    sk_idset_free(s);
    return out;
}

void sk_idset_free(struct sk_idset *s)
{
    free(s->keys);
    free(s->state);
    memset(s, 0, sizeof *s);
}
