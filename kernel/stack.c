/* SPDX-License-Identifier: MIT */
/* Stack slabs: MAP_NORESERVE mappings, guard pages or canaries, free lists. */
#include "config.h"

#include "stack.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sanitize.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

#define STACK_CANARY UINT64_C(0x5e0f57acca9a41e5)
#define STACK_SLAB_BYTES (16u * 1024u * 1024u)
/* Faulted stacks a pool keeps before it gives pages back with DONTNEED. */
#define STACK_POOL_KEEP 1024

struct stack_slab {
    struct stack_slab *next;
    void *addr;
    size_t len;
};

/* All stacks of one size. */
struct stack_pool {
    struct stack_pool *next;
    size_t size;          /* usable bytes */
    size_t stride;        /* size + guard page */
    void **free;          /* free stacks, most recently used last */
    size_t nfree, cap;
    char *cursor, *end;   /* uncarved part of the newest slab */
};

static pthread_mutex_t stack_lock = PTHREAD_MUTEX_INITIALIZER;
static struct stack_pool *stack_pools;
static struct stack_slab *stack_slabs;
static size_t stack_page;
static size_t stack_default = SK_STACK_DEFAULT;
/* -1 undecided, 0 canary, 1 guard pages. */
static _Atomic int stack_guard_mode = -1;
static bool stack_canary_forced;

static size_t stack_pagesize(void)
{
    if (stack_page == 0) {
        long p = sysconf(_SC_PAGESIZE);
        stack_page = p > 0 ? (size_t)p : 4096;
    }
    return stack_page;
}

size_t sk_stack_round(size_t size)
{
    if (size == 0)
        return stack_default;
    size_t pg = stack_pagesize();
    if (size < SK_STACK_MIN)
        size = SK_STACK_MIN;
    if (size > SK_STACK_MAX)
        size = SK_STACK_MAX;
    return (size + pg - 1) & ~(pg - 1);
}

void sk_stack_set_default(size_t size)
{
    stack_default = SK_STACK_DEFAULT;
    stack_default = sk_stack_round(size);
}

bool sk_stack_guarded(void) { return atomic_load(&stack_guard_mode) == 1; }

void sk_stack_force_canary(bool on) { stack_canary_forced = on; }

static struct stack_pool *stack_pool_get(size_t size)
{
    for (struct stack_pool *p = stack_pools; p; p = p->next)
        if (p->size == size)
            return p;
    struct stack_pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->size = size;
    p->stride = size + stack_pagesize();
    p->next = stack_pools;
    stack_pools = p;
    return p;
}

/* Maps a new slab for `p`; decides the guard mode on the very first one. */
static int stack_slab_new(struct stack_pool *p)
{
    size_t n = STACK_SLAB_BYTES / p->stride;
    if (n == 0)
        n = 1;
    size_t len = n * p->stride;
    struct stack_slab *s = malloc(sizeof *s);
    if (s == NULL)
        return -1;
    void *a = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (a == MAP_FAILED) {
        free(s);
        return -1;
    }
    if (atomic_load(&stack_guard_mode) < 0) {
        const char *env = getenv("SNOW_STACK_GUARD");
        bool off = stack_canary_forced || (env && (strcmp(env, "0") == 0 || strcmp(env, "off") == 0));
        int ok = !off && madvise(a, stack_pagesize(), MADV_GUARD_INSTALL) == 0;
        atomic_store(&stack_guard_mode, ok);
    }
    s->addr = a;
    s->len = len;
    s->next = stack_slabs;
    stack_slabs = s;
    p->cursor = a;
    p->end = (char *)a + len;
    return 0;
}

/* Carves one stack from the pool's slab: guard page, then the stack. */
static void *stack_carve(struct stack_pool *p)
{
    if (p->cursor == NULL || (size_t)(p->end - p->cursor) < p->stride)
        if (stack_slab_new(p) < 0)
            return NULL;
    char *g = p->cursor;
    p->cursor += p->stride;
    if (atomic_load(&stack_guard_mode) == 1 &&
        madvise(g, stack_pagesize(), MADV_GUARD_INSTALL) != 0)
        fprintf(stderr, "snow: SNOW-STACK-GUARD: madvise(MADV_GUARD_INSTALL) failed: errno %d\n",
                errno);
    return g + stack_pagesize();
}

static void stack_arm(void *base, size_t size)
{
    /* A recycled stack may carry ASan poison from frames that never
     * returned (a killed process); clear it. */
    sk_asan_unpoison(base, size);
    if (atomic_load(&stack_guard_mode) != 1)
        *(volatile uint64_t *)base = STACK_CANARY;
}

void *sk_stack_alloc(struct sk_stack_cache *cache, size_t size)
{
    void *base = NULL;
    if (cache && cache->size == size && cache->n > 0) {
        base = cache->items[--cache->n];
    } else {
        pthread_mutex_lock(&stack_lock);
        struct stack_pool *p = stack_pool_get(size);
        if (p && p->nfree > 0)
            base = p->free[--p->nfree];
        else if (p)
            base = stack_carve(p);
        pthread_mutex_unlock(&stack_lock);
    }
    if (base)
        stack_arm(base, size);
    return base;
}

static void stack_pool_put(void *base, size_t size)
{
    pthread_mutex_lock(&stack_lock);
    struct stack_pool *p = stack_pool_get(size);
    if (p && p->nfree == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        void **f = realloc(p->free, cap * sizeof *f);
        if (f) {
            p->free = f;
            p->cap = cap;
        }
    }
    if (p && p->nfree < p->cap) {
        /* Beyond a working set, give the pages back; the address range
         * (and its guard page) stays for reuse. */
        if (p->nfree >= STACK_POOL_KEEP)
            madvise(base, size, MADV_DONTNEED);
        p->free[p->nfree++] = base;
    }
    /* else: out of memory for the free list; the stack is leaked until
     * sk_stack_fini unmaps its slab. */
    pthread_mutex_unlock(&stack_lock);
}

void sk_stack_free(struct sk_stack_cache *cache, void *base, size_t size)
{
    if (base == NULL)
        return;
    if (cache && cache->size == size && cache->n < SK_STACK_CACHE) {
        cache->items[cache->n++] = base;
        return;
    }
    stack_pool_put(base, size);
}

void sk_stack_cache_flush(struct sk_stack_cache *cache)
{
    while (cache->n > 0)
        stack_pool_put(cache->items[--cache->n], cache->size);
}

bool sk_stack_check(const void *base)
{
    if (atomic_load(&stack_guard_mode) == 1)
        return true;
    return *(const volatile uint64_t *)base == STACK_CANARY;
}

void sk_stack_fini(void)
{
    pthread_mutex_lock(&stack_lock);
    while (stack_slabs) {
        struct stack_slab *s = stack_slabs;
        stack_slabs = s->next;
        munmap(s->addr, s->len);
        free(s);
    }
    while (stack_pools) {
        struct stack_pool *p = stack_pools;
        stack_pools = p->next;
        free(p->free);
        free(p);
    }
    atomic_store(&stack_guard_mode, -1);
    stack_canary_forced = false;
    pthread_mutex_unlock(&stack_lock);
}
