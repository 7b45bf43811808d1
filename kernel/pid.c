/* SPDX-License-Identifier: MIT */
/* The process table: pid <-> control block, generations, free slots. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

/* Blocks live in chunks of 4,096, allocated on demand and kept until
 * shutdown (type-stable memory, see struct sk_proc). calloc'd chunks are
 * committed page by page as slots get used. */
#define PID_CHUNK_BITS 12
#define PID_CHUNK (1u << PID_CHUNK_BITS)
#define PID_NCHUNKS ((SK_PID_MAX_SLOTS >> PID_CHUNK_BITS) + 1)
#define PID_GEN_MASK ((UINT64_C(1) << 24) - 1)

static _Atomic(struct sk_proc *) pid_chunks[PID_NCHUNKS];
static pthread_mutex_t pid_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t *pid_free;      /* free slot indexes (LIFO: warm blocks first) */
static size_t pid_nfree, pid_capfree;
static uint32_t pid_next = 1;   /* slot 0 is never used */
static uint32_t *pid_gens;      /* generation per slot, grows with pid_next */
static size_t pid_capgens;

static inline struct sk_proc *pid_block(uint32_t idx)
{
    struct sk_proc *c = atomic_load_explicit(&pid_chunks[idx >> PID_CHUNK_BITS],
                                             memory_order_acquire);
    return c ? &c[idx & (PID_CHUNK - 1)] : NULL;
}

int sk_pid_init(void)
{
    pid_next = 1;
    pid_nfree = 0;
    return 0;
}

void sk_pid_each(void (*fn)(struct sk_proc *p, void *ctx), void *ctx)
{
    pthread_mutex_lock(&pid_lock);
    uint32_t n = pid_next;
    pthread_mutex_unlock(&pid_lock);
    for (uint32_t i = 1; i < n; i++) {
        struct sk_proc *p = pid_block(i);
        if (p)
            fn(p, ctx);
    }
}

void sk_pid_fini(void)
{
    for (size_t c = 0; c < PID_NCHUNKS; c++) {
        struct sk_proc *chunk = atomic_load(&pid_chunks[c]);
        if (chunk == NULL)
            continue;
        for (unsigned i = 0; i < PID_CHUNK; i++)
            sk_mbox_clear(&chunk[i].mbox);
        free(chunk);
        atomic_store(&pid_chunks[c], NULL);
    }
    free(pid_free);
    free(pid_gens);
    pid_free = NULL;
    pid_gens = NULL;
    pid_nfree = pid_capfree = pid_capgens = 0;
    pid_next = 1;
}

static struct sk_proc *pid_chunk_new(uint32_t idx)
{
    size_t c = idx >> PID_CHUNK_BITS;
    struct sk_proc *chunk = atomic_load(&pid_chunks[c]);
    if (chunk)
        return &chunk[idx & (PID_CHUNK - 1)];
    if (posix_memalign((void **)&chunk, 64, PID_CHUNK * sizeof *chunk) != 0)
        return NULL;
    memset(chunk, 0, PID_CHUNK * sizeof *chunk);
    for (unsigned i = 0; i < PID_CHUNK; i++)
        sk_mbox_init(&chunk[i].mbox);
    atomic_store_explicit(&pid_chunks[c], chunk, memory_order_release);
    return &chunk[idx & (PID_CHUNK - 1)];
}

struct sk_proc *sk_pid_alloc(void)
{
    uint32_t idx;
    struct sk_proc *p;
    pthread_mutex_lock(&pid_lock);
    if (pid_nfree > 0) {
        idx = pid_free[--pid_nfree];
        p = pid_block(idx);
    } else {
        if (pid_next > SK_PID_MAX_SLOTS)
            goto full;
        idx = pid_next;
        if (idx >= pid_capgens) {
            size_t cap = pid_capgens ? pid_capgens * 2 : PID_CHUNK;
            uint32_t *g = realloc(pid_gens, cap * sizeof *g);
            if (g == NULL)
                goto full;
            memset(g + pid_capgens, 0, (cap - pid_capgens) * sizeof *g);
            pid_gens = g;
            pid_capgens = cap;
        }
        p = pid_chunk_new(idx);
        if (p == NULL)
            goto full;
        pid_next++;
    }
    uint64_t gen = (pid_gens[idx] + 1) & PID_GEN_MASK;
    if (gen == 0)
        gen = 1;
    pid_gens[idx] = (uint32_t)gen;
    pthread_mutex_unlock(&pid_lock);
    atomic_store_explicit(&p->pid, (gen << SK_PID_INDEX_BITS) | idx, memory_order_relaxed);
    return p;
full:
    pthread_mutex_unlock(&pid_lock);
    return NULL;
}

void sk_pid_release(struct sk_proc *p)
{
    snow_pid pid = atomic_load(&p->pid);
    uint32_t idx = (uint32_t)(pid & ((UINT64_C(1) << SK_PID_INDEX_BITS) - 1));
    atomic_store(&p->state, SK_P_FREE);
    atomic_store(&p->pid, SNOW_PID_NONE);
    pthread_mutex_lock(&pid_lock);
    if (pid_nfree == pid_capfree) {
        size_t cap = pid_capfree ? pid_capfree * 2 : 1024;
        uint32_t *f = realloc(pid_free, cap * sizeof *f);
        if (f) {
            pid_free = f;
            pid_capfree = cap;
        }
    }
    if (pid_nfree < pid_capfree)
        pid_free[pid_nfree++] = idx;
    /* else the slot is lost until shutdown (out of memory) */
    pthread_mutex_unlock(&pid_lock);
}

struct sk_proc *sk_pid_slot(snow_pid pid)
{
    if (!snow_pid_is_local(pid))
        return NULL;
    return pid_block((uint32_t)(pid & ((UINT64_C(1) << SK_PID_INDEX_BITS) - 1)));
}

struct sk_proc *sk_pid_live(snow_pid pid)
{
    struct sk_proc *p = sk_pid_slot(pid);
    if (p == NULL || atomic_load_explicit(&p->pid, memory_order_acquire) != pid)
        return NULL;
    int st = atomic_load_explicit(&p->state, memory_order_acquire);
    return st >= SK_P_DEAD || st == SK_P_FREE ? NULL : p;
}
