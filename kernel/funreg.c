/* SPDX-License-Identifier: MIT */
/* The function registry: spawnable names -> entry functions (EXEC-03). */
#include "funreg.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* A chained hash table behind one rwlock: registration is rare (start-up,
 * module load), lookups happen on every remote spawn request. The table
 * grows so thousands of names stay O(1). It is static so constructors may
 * register before snow_init, and it outlives snow_shutdown. */
struct funreg_entry {
    struct funreg_entry *next;
    snow_proc_fn fn;
    size_t len;
    char name[];
};

static pthread_rwlock_t funreg_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct funreg_entry **funreg_tab;
static size_t funreg_cap; /* buckets, a power of two (0 before the first add) */
static size_t funreg_n;
static atomic_uint funreg_load_errors;

static uint64_t funreg_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return h;
}

int sk_funreg_check_name(const char *name, size_t *len)
{
    if (name == NULL)
        return SNOW_EINVAL;
    size_t n = strnlen(name, SNOW_FUNCTION_NAME_MAX + 1);
    if (n == 0 || n > SNOW_FUNCTION_NAME_MAX)
        return SNOW_EINVAL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] >= 0x7f)
            return SNOW_EINVAL;
    if (len)
        *len = n;
    return 0;
}

/* The slot holding name (or where it would be linked), under the lock. */
static struct funreg_entry **funreg_find(const char *name, size_t len)
{
    if (funreg_cap == 0)
        return NULL;
    struct funreg_entry **pp = &funreg_tab[funreg_hash(name, len) & (funreg_cap - 1)];
    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->len == len && memcmp((*pp)->name, name, len) == 0)
            return pp;
    return pp;
}

static int funreg_grow(void)
{
    size_t cap = funreg_cap ? funreg_cap * 2 : 64;
    struct funreg_entry **tab = calloc(cap, sizeof *tab);
    if (tab == NULL)
        return SNOW_ENOMEM;
    for (size_t i = 0; i < funreg_cap; i++) {
        struct funreg_entry *e = funreg_tab[i], *next;
        for (; e; e = next) {
            next = e->next;
            struct funreg_entry **b = &tab[funreg_hash(e->name, e->len) & (cap - 1)];
            e->next = *b;
            *b = e;
        }
    }
    free(funreg_tab);
    funreg_tab = tab;
    funreg_cap = cap;
    return 0;
}

int snow_function_register(const char *name, snow_proc_fn fn)
{
    size_t len;
    if (fn == NULL || sk_funreg_check_name(name, &len) != 0)
        return SNOW_EINVAL;
    struct funreg_entry *e = malloc(sizeof *e + len + 1);
    if (e == NULL)
        return SNOW_ENOMEM;
    e->fn = fn;
    e->len = len;
    memcpy(e->name, name, len + 1);
    pthread_rwlock_wrlock(&funreg_lock);
    int rc = 0;
    if (funreg_n >= funreg_cap / 4 * 3) /* load factor 3/4; cap 0 grows */
        rc = funreg_grow();
    struct funreg_entry **pp = rc == 0 ? funreg_find(name, len) : NULL;
    if (rc == 0 && *pp != NULL)
        rc = SNOW_EEXIST;
    if (rc == 0) {
        e->next = NULL;
        *pp = e;
        funreg_n++;
    }
    pthread_rwlock_unlock(&funreg_lock);
    if (rc != 0)
        free(e);
    return rc;
}

int snow_function_unregister(const char *name, snow_proc_fn fn)
{
    size_t len;
    if (sk_funreg_check_name(name, &len) != 0)
        return SNOW_EINVAL;
    struct funreg_entry *gone = NULL;
    pthread_rwlock_wrlock(&funreg_lock);
    struct funreg_entry **pp = funreg_find(name, len);
    if (pp && *pp && (fn == NULL || (*pp)->fn == fn)) {
        gone = *pp;
        *pp = gone->next;
        funreg_n--;
    }
    pthread_rwlock_unlock(&funreg_lock);
    free(gone);
    return gone ? 0 : SNOW_ENOENT;
}

int sk_funreg_lookup_len(const char *name, size_t len, snow_proc_fn *fn)
{
    int rc = SNOW_ENOENT;
    pthread_rwlock_rdlock(&funreg_lock);
    struct funreg_entry **pp = funreg_find(name, len);
    if (pp && *pp) {
        *fn = (*pp)->fn;
        rc = 0;
    }
    pthread_rwlock_unlock(&funreg_lock);
    return rc;
}

int snow_function_lookup(const char *name, snow_proc_fn *fn)
{
    size_t len;
    if (fn == NULL || sk_funreg_check_name(name, &len) != 0)
        return SNOW_EINVAL;
    return sk_funreg_lookup_len(name, len, fn);
}

size_t snow_function_count(void)
{
    pthread_rwlock_rdlock(&funreg_lock);
    size_t n = funreg_n;
    pthread_rwlock_unlock(&funreg_lock);
    return n;
}

int snow_function_register_at_load(const char *name, snow_proc_fn fn, const char *file,
                                   int line)
{
    int rc = snow_function_register(name, fn);
    if (rc != 0) {
        atomic_fetch_add(&funreg_load_errors, 1);
        sk_log(SK_LOG_ERROR, "SNOW-SPAWN-REGISTER", "%s:%d: cannot register function \"%s\": %s",
               file ? file : "?", line, name ? name : "(null)", snow_strerror(rc));
    }
    return rc;
}

unsigned snow_function_load_errors(void)
{
    return atomic_load(&funreg_load_errors);
}
