/* SPDX-License-Identifier: MIT */
/* Local name registry: name -> pid, freed when the owner exits. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "route.h"

#define NAME_BUCKETS 1024u
#define NAME_MAX_LEN 255u

struct name_entry {
    struct name_entry *next;
    snow_pid pid;
    char name[];
};

static pthread_mutex_t name_lock = PTHREAD_MUTEX_INITIALIZER;
static struct name_entry *name_table[NAME_BUCKETS];

static unsigned name_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % NAME_BUCKETS;
}

static struct name_entry **name_find(const char *name)
{
    struct name_entry **e = &name_table[name_hash(name)];
    while (*e && strcmp((*e)->name, name) != 0)
        e = &(*e)->next;
    return e;
}

static bool name_valid(const char *name)
{
    if (name == NULL)
        return false;
    size_t n = strnlen(name, NAME_MAX_LEN + 1);
    return n >= 1 && n <= NAME_MAX_LEN;
}

int snow_register(const char *name, snow_pid pid)
{
    if (!name_valid(name) || pid == SNOW_PID_NONE || !snow_pid_is_local(pid))
        return SNOW_EINVAL;
    size_t len = strlen(name);
    struct name_entry *n = malloc(sizeof *n + len + 1);
    char *copy = malloc(len + 1);
    if (n == NULL || copy == NULL) {
        free(n);
        free(copy);
        return SNOW_ENOMEM;
    }
    memcpy(n->name, name, len + 1);
    memcpy(copy, name, len + 1);
    n->pid = pid;
    int rc = 0;
    pthread_mutex_lock(&name_lock);
    struct name_entry **slot = name_find(name);
    struct sk_proc *p = sk_pid_slot(pid);
    if (*slot) {
        rc = SNOW_EEXIST;
    } else if (p == NULL) {
        rc = SNOW_ENOPROC;
    } else {
        sk_lock_take(&p->lock);
        if (atomic_load(&p->pid) != pid || !p->alive)
            rc = SNOW_ENOPROC;
        else if (p->name)
            rc = SNOW_EEXIST;
        else
            p->name = copy;
        sk_lock_give(&p->lock);
    }
    if (rc == 0) {
        n->next = NULL;
        *slot = n;
    }
    pthread_mutex_unlock(&name_lock);
    if (rc < 0) {
        free(n);
        free(copy);
    }
    return rc;
}

/* Removes name if it still maps to pid (owner exit). */
void sk_name_drop(const char *name, snow_pid pid)
{
    pthread_mutex_lock(&name_lock);
    struct name_entry **slot = name_find(name);
    struct name_entry *e = *slot;
    if (e && e->pid == pid) {
        *slot = e->next;
        free(e);
    }
    pthread_mutex_unlock(&name_lock);
}

int snow_unregister(const char *name)
{
    if (!name_valid(name))
        return SNOW_EINVAL;
    pthread_mutex_lock(&name_lock);
    struct name_entry **slot = name_find(name);
    struct name_entry *e = *slot;
    if (e == NULL) {
        pthread_mutex_unlock(&name_lock);
        return SNOW_ENOENT;
    }
    *slot = e->next;
    char *owned = NULL;
    struct sk_proc *p = sk_pid_slot(e->pid);
    if (p) {
        sk_lock_take(&p->lock);
        if (atomic_load(&p->pid) == e->pid && p->name && strcmp(p->name, name) == 0) {
            owned = p->name;
            p->name = NULL;
        }
        sk_lock_give(&p->lock);
    }
    pthread_mutex_unlock(&name_lock);
    free(owned);
    free(e);
    return 0;
}

int snow_whereis(const char *name, snow_pid *out)
{
    if (!name_valid(name) || out == NULL)
        return SNOW_EINVAL;
    pthread_mutex_lock(&name_lock);
    struct name_entry *e = *name_find(name);
    snow_pid pid = e ? e->pid : SNOW_PID_NONE;
    pthread_mutex_unlock(&name_lock);
    if (pid == SNOW_PID_NONE)
        return SNOW_ENOENT;
    *out = pid;
    return 0;
}

int snow_send_named(const char *name, const char *node, const snow_term *msg)
{
    if (!name_valid(name) || msg == NULL)
        return SNOW_EINVAL;
    if (node != NULL)
        return sk_route_send_named(snow_self(), name, node, msg);
    snow_pid pid;
    if (snow_whereis(name, &pid) < 0)
        return SNOW_ENOPROC;
    return snow_send(pid, msg);
}

void sk_name_fini(void)
{
    pthread_mutex_lock(&name_lock);
    for (unsigned i = 0; i < NAME_BUCKETS; i++)
        while (name_table[i]) {
            struct name_entry *e = name_table[i];
            name_table[i] = e->next;
            free(e);
        }
    pthread_mutex_unlock(&name_lock);
}
