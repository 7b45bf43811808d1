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
#if defined(__SANITIZE_ADDRESS__)
#define ALLOC_CACHE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define ALLOC_CACHE 0
#endif
#endif
#ifndef ALLOC_CACHE
#define ALLOC_CACHE 1
#endif

#define ALLOC_CLASSES 16  /* class c holds blocks of c * 16 bytes, 2..15 */
#define ALLOC_KEEP 256    /* blocks kept per class per thread */

#if ALLOC_CACHE
struct alloc_class {
    snow_term *head;
    unsigned count;
};
struct alloc_cache {
    struct alloc_class cls[ALLOC_CLASSES];
    bool registered;
};

/* initial-exec: libsnow is linked at start-up, and the general-dynamic
 * model would cost a __tls_get_addr call per allocation. */
static _Thread_local struct alloc_cache alloc_cache __attribute__((tls_model("initial-exec")));
static pthread_key_t alloc_key;
static pthread_once_t alloc_once = PTHREAD_ONCE_INIT;
static bool alloc_key_ok;

static void alloc_flush(void *arg)
{
    struct alloc_cache *c = arg;
    for (unsigned i = 0; i < ALLOC_CLASSES; i++) {
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
static bool alloc_register(struct alloc_cache *c)
{
    pthread_once(&alloc_once, alloc_key_init);
    if (!alloc_key_ok || pthread_setspecific(alloc_key, c) != 0)
        return false;
    c->registered = true;
    return true;
}
#endif

snow_term *sk_term_alloc(enum snow_type type, size_t body)
{
    size_t c = (body + 15) >> 4;
    if (c < 2)
        c = 2;
    snow_term *t = NULL;
    if (c < ALLOC_CLASSES) {
#if ALLOC_CACHE
        struct alloc_class *k = &alloc_cache.cls[c];
        t = k->head;
        if (t != NULL) {
            k->head = t->u.next_free;
            k->count--;
        } else
#endif
            t = malloc(c << 4);
    } else {
        c = 0;
        t = body < SIZE_MAX / 2 ? malloc(body) : NULL;
    }
    if (t == NULL)
        return NULL;
    atomic_init(&t->u.rc, 1);
    t->type = type;
    t->cls = (uint32_t)c;
    t->ctor = 0;
    t->name = 0;
    t->n = 0;
    return t;
}

void sk_term_free(snow_term *t)
{
    if (t == NULL)
        return;
#if ALLOC_CACHE
    struct alloc_cache *c = &alloc_cache;
    if (t->cls != 0 && c->cls[t->cls].count < ALLOC_KEEP && (c->registered || alloc_register(c))) {
        struct alloc_class *k = &c->cls[t->cls];
        t->u.next_free = k->head;
        k->head = t;
        k->count++;
        return;
    }
#endif
    free(t);
}
