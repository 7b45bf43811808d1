/* SPDX-License-Identifier: MIT */
/* Process stacks: carved from large lazily-committed slabs, guarded, recycled. */
#ifndef SK_STACK_H
#define SK_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Stacks are carved from MAP_NORESERVE slab mappings of ~16 MiB, so a million
 * 64 KiB stacks need ~4,000 mappings, far below vm.max_map_count. Memory is
 * committed lazily by the page faults of the process that runs on it (an
 * idle process touches only its top page).
 *
 * Overflow protection, decided once at the first slab:
 *  - Linux >= 6.13: a guard page below each stack via
 *    madvise(MADV_GUARD_INSTALL). It costs no mapping and no memory; an
 *    overflow faults (SIGSEGV) instead of corrupting a neighbour.
 *  - Otherwise: a canary word at the stack's lowest address, checked when the
 *    process switches out and when it exits. This DETECTS an overflow after
 *    the fact (the process is killed with reason `stack_overflow` and a log
 *    line); it does not prevent the write that already happened, which may
 *    have corrupted the stack below (another process's top).
 *
 * The environment variable SNOW_STACK_GUARD=0 (read once, at the first
 * slab) selects the canary even where guards work (tests, comparisons).
 *
 * Freed stacks go to a small per-scheduler cache of already-faulted stacks
 * (no syscall, no fault on re-spawn), then to a per-size pool.
 */

#define SK_STACK_DEFAULT (64u * 1024u)
#define SK_STACK_MIN (16u * 1024u)
#define SK_STACK_MAX (64u * 1024u * 1024u)
#define SK_STACK_CACHE 64

/* A scheduler-private cache of faulted default-size stacks. No locking. */
struct sk_stack_cache {
    unsigned n;
    size_t size;
    void *items[SK_STACK_CACHE];
};

/* Rounds a requested size to pages within [MIN, MAX]; 0 = the default. */
size_t sk_stack_round(size_t size);

/* Sets the default stack size (sk_stack_round'ed) used by sk_stack_round(0). */
void sk_stack_set_default(size_t size);

/* Allocates a stack of `size` bytes (already rounded). `cache` may be NULL.
 * Returns the lowest usable address or NULL (out of memory). */
void *sk_stack_alloc(struct sk_stack_cache *cache, size_t size);

/* Returns a stack to the cache (if given and of the cached size) or its pool. */
void sk_stack_free(struct sk_stack_cache *cache, void *base, size_t size);

/* Moves every cached stack back to its pool (before a scheduler exits). */
void sk_stack_cache_flush(struct sk_stack_cache *cache);

/* True if this stack's canary is intact (always true with guard pages). */
bool sk_stack_check(const void *base);

/* True when stacks get a MADV_GUARD_INSTALL guard page (decided at the first
 * allocation; tests use it to skip the overflow test honestly). */
bool sk_stack_guarded(void);

/* Tests only: force the canary path (call before the first allocation). */
void sk_stack_force_canary(bool on);

/* Unmaps every slab (runtime shutdown; no stack may be in use). */
void sk_stack_fini(void);

#endif /* SK_STACK_H */
