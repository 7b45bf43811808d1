/* SPDX-License-Identifier: MIT */
/* The node table: node slots (the upper 16 bits of a pid) <-> (name, creation). */
#include "node_table.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <snow/error.h>

static _Atomic(struct sk_node *) table[SK_NODE_SLOTS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned next_slot = 1; /* under table_lock */
/* Bumped whenever a slot is added or the table reset, so per-thread caches
 * of name lookups know when to look again. */
static atomic_uint table_gen;

static struct sk_node *node_new(uint16_t slot, const char *name, uint32_t creation)
{
    struct sk_node *n = calloc(1, sizeof *n);
    if (n == NULL)
        return NULL;
    n->slot = slot;
    n->creation = creation;
    strncpy(n->name, name, sizeof n->name - 1);
    pthread_mutex_init(&n->ft_lock, NULL);
    return n;
}

int sk_node_table_set_self(const char *name, uint32_t creation)
{
    struct sk_node *n = node_new(0, name, creation);
    if (n == NULL)
        return SNOW_ENOMEM;
    pthread_mutex_lock(&table_lock);
    struct sk_node *old = atomic_exchange(&table[0], n);
    pthread_mutex_unlock(&table_lock);
    if (old) {
        pthread_mutex_destroy(&old->ft_lock);
        free(old);
    }
    return 0;
}

/* Linear scan under the lock: interning happens once per node incarnation
 * (at connect or when a pid of a new node is first decoded), never per send. */
static int node_lookup_locked(const char *name, uint32_t creation)
{
    for (unsigned s = 0; s < next_slot; s++) {
        struct sk_node *n = atomic_load_explicit(&table[s], memory_order_relaxed);
        if (n && n->creation == creation && strcmp(n->name, name) == 0)
            return (int)s;
    }
    return -1;
}

int sk_node_table_intern(const char *name, uint32_t creation, uint16_t *slot)
{
    if (name == NULL || slot == NULL || strlen(name) >= sizeof table[0]->name)
        return SNOW_EINVAL;
    pthread_mutex_lock(&table_lock);
    int found = node_lookup_locked(name, creation);
    if (found >= 0) {
        pthread_mutex_unlock(&table_lock);
        *slot = (uint16_t)found;
        return 0;
    }
    if (next_slot >= SK_NODE_SLOTS) {
        pthread_mutex_unlock(&table_lock);
        return SNOW_ELIMIT;
    }
    struct sk_node *n = node_new((uint16_t)next_slot, name, creation);
    if (n == NULL) {
        pthread_mutex_unlock(&table_lock);
        return SNOW_ENOMEM;
    }
    atomic_store_explicit(&table[next_slot], n, memory_order_release);
    *slot = (uint16_t)next_slot++;
    atomic_fetch_add_explicit(&table_gen, 1, memory_order_release);
    pthread_mutex_unlock(&table_lock);
    return 0;
}

struct sk_node *sk_node_table_get(uint16_t slot)
{
    return atomic_load_explicit(&table[slot], memory_order_acquire);
}

/* Named sends look up the same node over and over: remember the last
 * answer per thread until the table changes. */
static _Thread_local struct {
    unsigned gen;
    int slot;
    char name[256];
} find_cache __attribute__((tls_model("initial-exec"))) = {.slot = -1};

int sk_node_table_find(const char *name)
{
    unsigned gen = atomic_load_explicit(&table_gen, memory_order_acquire);
    if (find_cache.slot >= 0 && find_cache.gen == gen && strcmp(find_cache.name, name) == 0)
        return find_cache.slot;
    int best = -1;
    pthread_mutex_lock(&table_lock);
    for (unsigned s = 1; s < next_slot; s++) {
        struct sk_node *n = atomic_load_explicit(&table[s], memory_order_relaxed);
        if (n && strcmp(n->name, name) == 0)
            best = (int)s; /* later slots are newer incarnations */
    }
    pthread_mutex_unlock(&table_lock);
    if (best >= 0 && strlen(name) < sizeof find_cache.name) {
        strcpy(find_cache.name, name);
        find_cache.slot = best;
        find_cache.gen = gen;
    }
    return best;
}

void sk_node_table_reset(void)
{
    pthread_mutex_lock(&table_lock);
    for (unsigned s = 0; s < SK_NODE_SLOTS; s++) {
        struct sk_node *n = atomic_exchange(&table[s], NULL);
        if (n) {
            sk_buf_free(&n->out);
            sk_idset_free(&n->links);
            sk_idset_free(&n->mons_out);
            sk_idset_free(&n->mons_in);
            pthread_mutex_destroy(&n->ft_lock);
            free(n);
        }
    }
    next_slot = 1;
    atomic_fetch_add_explicit(&table_gen, 1, memory_order_release);
    pthread_mutex_unlock(&table_lock);
}
