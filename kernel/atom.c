/* SPDX-License-Identifier: MIT */
/* The atom table: interned, bounded, lock-free lookups, with a decode quota. */
#include "term_impl.h"

#include <snow/stf.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/*
 * Atoms are never freed (as in Erlang), so the table only grows and readers
 * need no lock: an entry is written completely before its index is published
 * (release store into the hash index or into a term the writer hands on).
 * Writers serialise on one mutex. The hash index has twice as many slots as
 * the table can ever hold atoms, so a probe always meets an empty slot.
 *
 * Bounds (Erlang's atom exhaustion): at most ATOM_MAX atoms in total, and at
 * most `atom_quota` of them may be created by decoding network input; past
 * that the decoder fails with SNOW_ELIMIT and the table stays usable for the
 * program's own atoms.
 */
#define ATOM_MAX (1u << 20)
#define ATOM_CHUNK_BITS 10
#define ATOM_CHUNK (1u << ATOM_CHUNK_BITS)
#define ATOM_NCHUNKS (ATOM_MAX / ATOM_CHUNK)
#define ATOM_SLOTS (ATOM_MAX * 2)

_Static_assert(ATOM_MAX <= (1u << 20), "atom indices must fit the term head's ctor field");

struct atom_entry {
    const char *name; /* NUL-terminated copy */
    uint32_t len;
    uint32_t hash;
};

static struct atom_entry atom_chunk0[ATOM_CHUNK] = {
    [SK_ATOM_FALSE] = {"false", 5, 0},
    [SK_ATOM_TRUE] = {"true", 4, 0},
};
static _Atomic(struct atom_entry *) atom_chunks[ATOM_NCHUNKS] = {atom_chunk0};
static _Atomic(uint32_t) *atom_slots;
static _Atomic size_t atom_count = 2;
static _Atomic size_t atom_decoded;
static _Atomic size_t atom_quota = SNOW_STF_ATOM_QUOTA_DEFAULT;
static pthread_mutex_t atom_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atom_once = PTHREAD_ONCE_INIT;

static uint32_t atom_hash(const char *name, size_t len)
{
    return (uint32_t)sk_hash_bytes(name, len, 0x61746f6du);
}

static const struct atom_entry *atom_entry_get(uint32_t idx)
{
    struct atom_entry *chunk =
        atomic_load_explicit(&atom_chunks[idx >> ATOM_CHUNK_BITS], memory_order_acquire);
    return &chunk[idx & (ATOM_CHUNK - 1)];
}

/* Looks for name; returns true and *idx if present, else false and the empty
 * slot where it would go. */
static bool atom_probe(const char *name, size_t len, uint32_t hash, uint32_t *idx, size_t *slot)
{
    size_t mask = ATOM_SLOTS - 1;
    for (size_t pos = hash & mask;; pos = (pos + 1) & mask) {
        uint32_t v = atomic_load_explicit(&atom_slots[pos], memory_order_acquire);
        if (v == 0) {
            *slot = pos;
            return false;
        }
        const struct atom_entry *e = atom_entry_get(v - 1);
        if (e->hash == hash && e->len == len && memcmp(e->name, name, len) == 0) {
            *idx = v - 1;
            return true;
        }
    }
}

static void atom_init(void)
{
    atom_slots = calloc(ATOM_SLOTS, sizeof *atom_slots);
    if (atom_slots == NULL)
        return;
    for (uint32_t i = 0; i < 2; i++) {
        size_t slot;
        uint32_t found;
        atom_chunk0[i].hash = atom_hash(atom_chunk0[i].name, atom_chunk0[i].len);
        if (!atom_probe(atom_chunk0[i].name, atom_chunk0[i].len, atom_chunk0[i].hash, &found, &slot))
            atomic_store_explicit(&atom_slots[slot], i + 1, memory_order_release);
    }
}

static bool atom_ready(void)
{
    pthread_once(&atom_once, atom_init);
    return atom_slots != NULL;
}

bool sk_atom_lookup(const char *name, size_t len, uint32_t *idx)
{
    size_t slot;
    if (len == 0 || len > 255 || !atom_ready())
        return false;
    return atom_probe(name, len, atom_hash(name, len), idx, &slot);
}

static int atom_insert(const char *name, size_t len, uint32_t hash, bool from_decode,
                       uint32_t *idx)
{
    size_t slot;
    if (atom_probe(name, len, hash, idx, &slot))
        return 0; /* another thread interned it first */
    size_t n = atomic_load_explicit(&atom_count, memory_order_relaxed);
    if (n >= ATOM_MAX)
        return SNOW_ELIMIT;
    if (from_decode && atomic_load(&atom_decoded) >= atomic_load(&atom_quota))
        return SNOW_ELIMIT;
    size_t ci = n >> ATOM_CHUNK_BITS;
    struct atom_entry *chunk = atomic_load_explicit(&atom_chunks[ci], memory_order_relaxed);
    if (chunk == NULL) {
        chunk = calloc(ATOM_CHUNK, sizeof *chunk);
        if (chunk == NULL)
            return SNOW_ENOMEM;
        atomic_store_explicit(&atom_chunks[ci], chunk, memory_order_release);
    }
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return SNOW_ENOMEM;
    memcpy(copy, name, len);
    copy[len] = '\0';
    struct atom_entry *e = &chunk[n & (ATOM_CHUNK - 1)];
    e->name = copy;
    e->len = (uint32_t)len;
    e->hash = hash;
    atomic_store_explicit(&atom_count, n + 1, memory_order_release);
    if (from_decode)
        atomic_fetch_add(&atom_decoded, 1);
    atomic_store_explicit(&atom_slots[slot], (uint32_t)n + 1, memory_order_release);
    *idx = (uint32_t)n;
    return 0;
}

int sk_atom_intern(const char *name, size_t len, bool from_decode, uint32_t *idx)
{
    if (name == NULL || len == 0 || len > 255)
        return SNOW_EINVAL;
    if (!atom_ready())
        return SNOW_ENOMEM;
    uint32_t hash = atom_hash(name, len);
    size_t slot;
    if (atom_probe(name, len, hash, idx, &slot))
        return 0;
    if (!sk_utf8_valid(name, len))
        return SNOW_EINVAL;
    pthread_mutex_lock(&atom_lock);
    int rc = atom_insert(name, len, hash, from_decode, idx);
    pthread_mutex_unlock(&atom_lock);
    return rc;
}

const char *sk_atom_name(uint32_t idx, size_t *len)
{
    const struct atom_entry *e = atom_entry_get(idx);
    if (len != NULL)
        *len = e->len;
    return e->name;
}

int sk_atom_cmp(uint32_t a, uint32_t b)
{
    if (a == b)
        return 0;
    const struct atom_entry *ea = atom_entry_get(a), *eb = atom_entry_get(b);
    size_t n = ea->len < eb->len ? ea->len : eb->len;
    int c = memcmp(ea->name, eb->name, n);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return ea->len < eb->len ? -1 : ea->len > eb->len ? 1 : 0;
}

int snow_stf_set_atom_quota(size_t quota)
{
    atomic_store(&atom_quota, quota);
    return 0;
}

int snow_atom_stats(size_t *total, size_t *decoded, size_t *quota)
{
    if (total != NULL)
        *total = atomic_load(&atom_count);
    if (decoded != NULL)
        *decoded = atomic_load(&atom_decoded);
    if (quota != NULL)
        *quota = atomic_load(&atom_quota);
    return 0;
}
