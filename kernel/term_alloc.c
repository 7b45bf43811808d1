/* SPDX-License-Identifier: MIT */
/* Term memory: per-thread caches of small blocks in front of malloc. */
#include "term_impl.h"

#include <pthread.h>
#include <stdlib.h>

/*
 * Decoding a message allocates one block per compound term and the
 * receiver frees them soon after, so malloc/free dominate small-term
 * traffic. Small blocks (up to 240 bytes, in 16-byte classes) are kept on
 * a per-thread free list, bounded per class; a block freed on another
 * thread simply joins that thread's list. A thread's lists are returned to
 * malloc when it exits. Sanitizer builds skip the cache so ASan still sees
 * every use-after-free.
 */
#if SK_ALLOC_CACHE
_Thread_local struct sk_alloc_cache sk_alloc_cache;
static pthread_key_t alloc_key;
static pthread_once_t alloc_once = PTHREAD_ONCE_INIT;
static bool alloc_key_ok;

static void alloc_flush(void *arg)
{
    struct sk_alloc_cache *c = arg;
    for (unsigned i = 0; i < SK_ALLOC_CLASSES; i++) {
        while (c->cls[i].head != NULL) {
            snow_term *t = c->cls[i].head;
            c->cls[i].head = t->u.next_free;
            free(t);
        }
        c->cls[i].count = 0;
    }
    c->registered = false; /* a later free re-registers (destructors repeat) */
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
        t = malloc(c << 4);
    } else {
        c = 0;
        t = body < SIZE_MAX / 2 ? malloc(body) : NULL;
    }
    if (t != NULL)
        sk_term_init(t, type, (unsigned)c);
    return t;
}
