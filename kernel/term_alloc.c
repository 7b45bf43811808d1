/* SPDX-License-Identifier: MIT */
/* Term memory: per-thread caches of small blocks in front of malloc. */
#include "term_impl.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

/*
 * Decoding a message allocates one block per compound term and the
 * receiver frees them soon after, so malloc/free dominate small-term
 * traffic. Small blocks (up to 240 bytes, in 16-byte classes) are kept on
 * a per-thread free list, bounded per class; a block freed on another
 * thread simply joins that thread's list. A thread's lists are returned to
 * malloc when it exits. Sanitizer builds skip the cache so ASan still sees
 * every use-after-free.
 *
 * Messages mostly flow one way between threads (the I/O thread decodes,
 * a scheduler frees): the producer's list is always empty and the
 * consumer's always full, and both would fall through to malloc, which
 * then takes its arena locks on every call (measured: 35% of a receiving
 * node's CPU). So a full list hands a batch of SK_ALLOC_BATCH blocks to a
 * shared depot, and an empty one takes a batch back: one lock per batch.
 */
#if SK_ALLOC_CACHE
_Thread_local struct sk_alloc_cache sk_alloc_cache;
static pthread_key_t alloc_key;
static pthread_once_t alloc_once = PTHREAD_ONCE_INIT;
static bool alloc_key_ok;

/* Per class, a bounded stack of batches (each a chain of SK_ALLOC_BATCH
 * blocks linked through next_free). Past the bound, batches go to free(). */
#define DEPOT_BATCHES 64
static struct {
    pthread_mutex_t mu;
    _Atomic unsigned n[SK_ALLOC_CLASSES]; /* read unlocked as a hint */
    snow_term *batch[SK_ALLOC_CLASSES][DEPOT_BATCHES];
} depot = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void chain_free(snow_term *t)
{
    while (t != NULL) {
        snow_term *next = t->u.next_free;
        free(t);
        t = next;
    }
}

static void alloc_flush(void *arg)
{
    struct sk_alloc_cache *c = arg;
    for (unsigned i = 0; i < SK_ALLOC_CLASSES; i++) {
        chain_free(c->cls[i].head);
        c->cls[i].head = NULL;
        c->cls[i].count = 0;
    }
    c->registered = false; /* a later free re-registers (destructors repeat) */
}

void sk_alloc_spill(struct sk_alloc_class *k, unsigned cls)
{
    snow_term *first = k->head, *last = first;
    for (unsigned i = 1; i < SK_ALLOC_BATCH; i++)
        last = last->u.next_free;
    k->head = last->u.next_free;
    k->count -= SK_ALLOC_BATCH;
    last->u.next_free = NULL;
    pthread_mutex_lock(&depot.mu);
    unsigned n = atomic_load_explicit(&depot.n[cls], memory_order_relaxed);
    bool kept = n < DEPOT_BATCHES;
    if (kept) {
        depot.batch[cls][n] = first;
        atomic_store_explicit(&depot.n[cls], n + 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&depot.mu);
    if (!kept)
        chain_free(first);
}

/* An empty class list refills from the depot; false if it has nothing. */
static bool alloc_refill(struct sk_alloc_class *k, unsigned cls)
{
    /* unlocked peek: a stale zero only costs one malloc */
    if (atomic_load_explicit(&depot.n[cls], memory_order_relaxed) == 0)
        return false;
    snow_term *got = NULL;
    pthread_mutex_lock(&depot.mu);
    unsigned n = atomic_load_explicit(&depot.n[cls], memory_order_relaxed);
    if (n > 0) {
        got = depot.batch[cls][n - 1];
        atomic_store_explicit(&depot.n[cls], n - 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&depot.mu);
    if (got == NULL)
        return false;
    k->head = got;
    k->count = SK_ALLOC_BATCH;
    return true;
}

/*
 * Bulk blocks (big strings and binaries) travel the same way: decoded on
 * the I/O thread, freed by the receiver. Each free grew the top of the I/O
 * thread's malloc arena past glibc's trim threshold, the arena gave the
 * pages back, and the next decode faulted them in again (page faults and
 * page clearing were 11% of a receiving node's CPU with 64 KiB messages).
 * A few such blocks are kept in a shared cache, bounded in bytes; a block
 * serves a request of between half its size and its size. One lock per
 * bulk block is cheap next to copying it.
 */
#define BULK_MIN (16u << 10)
#define BULK_SLOTS 16
#define BULK_MAX_BYTES (8u << 20)
static struct {
    pthread_mutex_t mu;
    unsigned n;
    size_t bytes;
    void *blk[BULK_SLOTS];
    size_t cap[BULK_SLOTS];
} bulk = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void *bulk_take(size_t size)
{
    void *got = NULL;
    pthread_mutex_lock(&bulk.mu);
    for (unsigned i = 0; i < bulk.n; i++) {
        if (bulk.cap[i] >= size && bulk.cap[i] / 2 <= size) {
            got = bulk.blk[i];
            bulk.bytes -= bulk.cap[i];
            bulk.n--;
            bulk.blk[i] = bulk.blk[bulk.n];
            bulk.cap[i] = bulk.cap[bulk.n];
            break;
        }
    }
    pthread_mutex_unlock(&bulk.mu);
    return got;
}

void sk_alloc_free_big(snow_term *t)
{
    size_t cap = malloc_usable_size(t);
    if (cap >= BULK_MIN && cap <= BULK_MAX_BYTES / 4) {
        pthread_mutex_lock(&bulk.mu);
        bool kept = bulk.n < BULK_SLOTS && bulk.bytes + cap <= BULK_MAX_BYTES;
        if (kept) {
            bulk.blk[bulk.n] = t;
            bulk.cap[bulk.n++] = cap;
            bulk.bytes += cap;
        }
        pthread_mutex_unlock(&bulk.mu);
        if (kept)
            return;
    }
    free(t);
}

static void alloc_key_init(void) { alloc_key_ok = pthread_key_create(&alloc_key, alloc_flush) == 0; }

/* The first cached free on a thread arranges the flush at thread exit. */
bool sk_alloc_register(struct sk_alloc_cache *c)
{
    pthread_once(&alloc_once, alloc_key_init);
    if (!alloc_key_ok || pthread_setspecific(alloc_key, c) != 0)
        return false;
    c->registered = true;
    return true;
}
#endif

snow_term *sk_term_alloc_slow(enum snow_type type, size_t body)
{
    size_t c = 0;
    snow_term *t;
    if (body <= (SK_ALLOC_CLASSES - 1) * 16) {
        c = body <= 32 ? 2 : (body + 15) >> 4;
#if SK_ALLOC_CACHE
        struct sk_alloc_class *k = &sk_alloc_cache.cls[c];
        if (k->head == NULL && alloc_refill(k, (unsigned)c))
            return sk_term_alloc(type, body);
#endif
        t = malloc(c << 4);
    } else {
        c = 0;
        t = NULL;
#if SK_ALLOC_CACHE
        if (body >= BULK_MIN)
            t = bulk_take(body);
#endif
        if (t == NULL && body < SIZE_MAX / 2)
            t = malloc(body);
    }
    if (t != NULL)
        sk_term_init(t, type, (unsigned)c);
    return t;
}
