/* SPDX-License-Identifier: MIT */
/* A hash set of (a, b, c) 64-bit triples: links and monitors per remote node. */
#ifndef SK_IDSET_H
#define SK_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sk_idkey {
    uint64_t a, b, c;
};

/* Open addressing with tombstones; not thread-safe (callers lock). */
struct sk_idset {
    struct sk_idkey *keys;
    uint8_t *state;    /* 0 empty, 1 used, 2 deleted */
    size_t cap;        /* power of two, or 0 */
    size_t used;       /* live keys */
    size_t filled;     /* live + deleted */
};

/* 0, or SNOW_ENOMEM. Adding a key already present is not an error. */
int sk_idset_add(struct sk_idset *s, struct sk_idkey k);
/* True if the key was there (and is now removed). */
bool sk_idset_remove(struct sk_idset *s, struct sk_idkey k);
bool sk_idset_has(const struct sk_idset *s, struct sk_idkey k);
/* Moves every key out (the set becomes empty); *n gets the count. The
 * caller frees the returned array. NULL with *n = 0 when empty. */
struct sk_idkey *sk_idset_take_all(struct sk_idset *s, size_t *n);
void sk_idset_free(struct sk_idset *s);

#endif /* SK_IDSET_H */
