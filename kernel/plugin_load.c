/* SPDX-License-Identifier: MIT */
/* The plugin loader: resolve, dlopen, validate the descriptor, init, unload. */
#include "config.h"

#include "plugin_load.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <snow/plugin_host.h>

#include "plugin_call.h"
#include "plugin_opts.h"
#include "services.h"

#ifndef SNOW_PLUGINDIR
#define SNOW_PLUGINDIR "/usr/local/lib/snow/plugins"
#endif

/* The descriptor's frozen head: what may be read before desc_size is known. */
#define LOAD_HEAD_SIZE SNOW_SIZE_THROUGH(struct snow_plugin_desc, desc_size)

/* Tries dir/file; 1 found (regular file), 0 absent, -1 exists but unusable. */
static int load_try(const char *dir, const char *file, char *out, size_t outlen)
{
    int n = dir ? snprintf(out, outlen, "%s/%s", dir, file) : snprintf(out, outlen, "%s", file);
    if (n < 0 || (size_t)n >= outlen)
        return 0;
    struct stat st;
    if (stat(out, &st) != 0)
        return 0;
    return S_ISREG(st.st_mode) ? 1 : -1;
}

/* Step 1: an absolute path is used as given; a bare name or relative path
 * is searched along SNOW_PLUGIN_PATH (colon-separated) when it is set and
 * non-empty, else in the plugin directory. */
int sk_plugin_resolve(const char *file, const struct sk_plugin_where *w, char *out,
                      size_t outlen, char *err, size_t errlen)
{
    if (strlen(file) >= PATH_MAX)
        return sk_plugin_msg(err, errlen, w, 0, SNOW_ECONFIG, "path too long (max %d bytes)",
                             PATH_MAX - 1);
    if (file[0] == '/') {
        int r = load_try(NULL, file, out, outlen);
        if (r == 1)
            return 0;
        return sk_plugin_msg(err, errlen, w, 0, SNOW_ECONFIG, "%s",
                             r < 0 ? "not a regular file" : "no such file");
    }
    const char *search = getenv("SNOW_PLUGIN_PATH");
    if (search == NULL || search[0] == '\0')
        search = SNOW_PLUGINDIR;
    for (const char *s = search; *s != '\0';) {
        const char *colon = strchr(s, ':');
        size_t dl = colon ? (size_t)(colon - s) : strlen(s);
        char dir[PATH_MAX];
        if (dl > 0 && dl < sizeof dir) {
            memcpy(dir, s, dl);
            dir[dl] = '\0';
            int r = load_try(dir, file, out, outlen);
            if (r == 1)
                return 0;
            if (r < 0)
                return sk_plugin_msg(err, errlen, w, 0, SNOW_ECONFIG, "%s is not a regular file",
                                     out);
        }
        s += dl + (colon != NULL);
    }
    return sk_plugin_msg(err, errlen, w, 0, SNOW_ECONFIG, "not found (searched %s)", search);
}

static void load_free_plugin(struct sk_plugin *p)
{
    if (p == NULL)
        return;
    sk_plugin_args_free(p->args);
    if (p->dl != NULL)
        dlclose(p->dl);
    free(p->file);
    free(p->name);
    free(p->path);
    free(p);
}

/* Steps 4-7: everything the descriptor itself must satisfy. */
static int load_check_desc(const struct sk_plugin_entry *e, const struct sk_plugin_where *w,
                           const struct snow_plugin_desc *d, size_t symsize, char *err,
                           size_t errlen)
{
    if (symsize != 0 && symsize < LOAD_HEAD_SIZE)
        return sk_plugin_msg(err, errlen, w, 0, SNOW_EABI,
                             "not a Snow plugin (snow_plugin is %zu bytes)", symsize);
    if (d->magic != SNOW_PLUGIN_MAGIC)
        return sk_plugin_msg(err, errlen, w, 0, SNOW_EABI, "not a Snow plugin (bad magic 0x%08x)",
                             (unsigned)d->magic);
    if (d->abi_major != SNOW_PLUGIN_ABI_MAJOR)
        return sk_plugin_msg(err, errlen, w, 0, SNOW_EABI,
                             "built for plugin ABI %u.x; this kernel provides %d.%d",
                             (unsigned)d->abi_major, SNOW_PLUGIN_ABI_MAJOR,
                             SNOW_PLUGIN_ABI_MINOR);
    if (d->abi_minor > SNOW_PLUGIN_ABI_MINOR)
        return sk_plugin_msg(err, errlen, w, 0, SNOW_EABI,
                             "needs plugin ABI >= %u.%u; this kernel provides %d.%d",
                             (unsigned)d->abi_major, (unsigned)d->abi_minor,
                             SNOW_PLUGIN_ABI_MAJOR, SNOW_PLUGIN_ABI_MINOR);
    if (d->desc_size < SNOW_PLUGIN_DESC_V1_SIZE)
        return sk_plugin_msg(err, errlen, w, 0, SNOW_EABI,
                             "descriptor is %u bytes; v1 needs at least %zu",
                             (unsigned)d->desc_size, (size_t)SNOW_PLUGIN_DESC_V1_SIZE);
    if (symsize != 0 && d->desc_size > symsize)
        return sk_plugin_msg(err, errlen, w, 0, SNOW_EABI,
                             "descriptor claims %u bytes but snow_plugin is %zu",
                             (unsigned)d->desc_size, symsize);
    if (sk_plugin_kind_name((int)d->kind)[0] == '?')
        return sk_plugin_msg(err, errlen, w, 0, SNOW_EABI, "unknown kind %d", (int)d->kind);
    if (e != NULL && d->kind != e->kind)
        return sk_plugin_msg(err, errlen, w, 0, SNOW_EABI, "plugin kind is %s; the list says %s",
                             sk_plugin_kind_name((int)d->kind), sk_plugin_kind_name(e->kind));
    if (d->name == NULL || !sk_plugin_name_valid(d->name))
        return sk_plugin_msg(err, errlen, w, 0, SNOW_EABI, "descriptor name is missing or invalid");
    if (e != NULL && strcmp(d->name, e->name) != 0)
        return sk_plugin_msg(err, errlen, w, 0, SNOW_EABI,
                             "plugin calls itself \"%s\"; the list says \"%s\"", d->name, e->name);
    char why[200];
    if (sk_plugin_ops_check((int)d->kind, d->ops, why, sizeof why) != 0)
        return sk_plugin_msg(err, errlen, w, 0, SNOW_EABI, "%s", why);
    if (d->init == NULL)
        return sk_plugin_msg(err, errlen, w, 0, SNOW_EABI, "mandatory slot `init` is NULL");
    return 0;
}

/* Size of the exported object, from the ELF symbol; 0 if unknown. */
static size_t load_symsize(const void *addr)
{
    Dl_info info;
    const ElfW(Sym) *sym = NULL;
    if (dladdr1(addr, &info, (void **)&sym, RTLD_DL_SYMENT) == 0 || sym == NULL)
        return 0;
    return (size_t)sym->st_size;
}

int sk_plugin_open(const struct sk_plugin_entry *e, const struct sk_plugin_where *w,
                   const char *path, void **dl, const struct snow_plugin_desc **desc, char *err,
                   size_t errlen)
{
    *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (*dl == NULL) {
        const char *de = dlerror();
        return sk_plugin_msg(err, errlen, w, 0, SNOW_EPLUGIN,
                             "dlopen failed: %s (check its dependencies with ldd)",
                             de ? de : "unknown error");
    }
    dlerror();
    const struct snow_plugin_desc *d = dlsym(*dl, SNOW_PLUGIN_SYMBOL);
    int rc = d == NULL ? sk_plugin_msg(err, errlen, w, 0, SNOW_EABI, "does not export snow_plugin")
                       : load_check_desc(e, w, d, load_symsize(d), err, errlen);
    if (rc != 0) {
        dlclose(*dl);
        *dl = NULL;
        return rc;
    }
    *desc = d;
    return 0;
}

/* Loads one entry; on success appends it to set. */
static int load_one(struct sk_plugin_set *set, const struct sk_plugin_entry *e, char *err,
                    size_t errlen)
{
    char written[PATH_MAX + 8];
    snprintf(written, sizeof written, "%s%s", e->path ? e->path : e->name, e->path ? "" : ".so");
    struct sk_plugin_where w = {.file = e->file, .line = e->line, .name = e->name,
                                .path = written};
    char path[PATH_MAX];
    int rc = sk_plugin_resolve(written, &w, path, sizeof path, err, errlen);
    if (rc != 0)
        return rc;
    w.path = path;

    struct sk_plugin *p = calloc(1, sizeof *p);
    struct sk_plugin **grown = realloc(set->items, (set->n + 1) * sizeof *grown);
    if (grown != NULL)
        set->items = grown;
    if (p == NULL || grown == NULL || (p->file = strdup(e->file)) == NULL ||
        (p->name = strdup(e->name)) == NULL || (p->path = strdup(path)) == NULL) {
        load_free_plugin(p);
        return sk_plugin_msg(err, errlen, &w, 0, SNOW_ENOMEM, "out of memory");
    }
    p->line = e->line;
    p->kind = e->kind;

    const struct snow_plugin_desc *d;
    rc = sk_plugin_open(e, &w, path, &p->dl, &d, err, errlen);
    if (rc != 0)
        goto fail;
    p->desc = d;
    p->ops = d->ops;

    /* Step 8: duplicate name (across everything this set holds). */
    const struct sk_plugin *dup = sk_plugin_set_find(set, d->name);
    if (dup != NULL) {
        rc = sk_plugin_msg(err, errlen, &w, 0, SNOW_EEXIST,
                           "name \"%s\" is already loaded from %s:%d", d->name, dup->file,
                           dup->line);
        goto fail;
    }
    /* Step 9: options against the schema. */
    rc = sk_plugin_args_build(e, d->options, &w, &p->args, err, errlen);
    if (rc != 0)
        goto fail;
    /* Step 10: init; on failure undo what it registered, then dlclose. */
    p->ctx = sk_services_ctx_new(d->name, p);
    if (p->ctx == NULL) {
        rc = sk_plugin_msg(err, errlen, &w, 0, SNOW_ENOMEM, "out of memory");
        goto fail;
    }
    char why[256] = "";
    rc = d->init(sk_services_table(), p->ctx, p->args, &p->state, why, sizeof why);
    why[sizeof why - 1] = '\0';
    if (rc != 0) {
        sk_services_ctx_free(p->ctx);
        p->ctx = NULL;
        if (why[0] != '\0')
            rc = sk_plugin_msg(err, errlen, &w, 0, SNOW_EPLUGIN, "init failed: %s: %s",
                               snow_strerror_name(rc), why);
        else
            rc = sk_plugin_msg(err, errlen, &w, 0, SNOW_EPLUGIN, "init failed: %s (no reason given)",
                               snow_strerror_name(rc));
        goto fail;
    }
    set->items[set->n++] = p;
    return 0;
fail:
    load_free_plugin(p);
    return rc;
}

static void load_unload_one(struct sk_plugin *p)
{
    if (p->desc->fini != NULL)
        p->desc->fini(p->state);
    sk_services_ctx_free(p->ctx);
    load_free_plugin(p);
}

int sk_plugin_set_load(struct sk_plugin_set *set, const struct sk_plugin_list *list, char *err,
                       size_t errlen)
{
    if (set == NULL || list == NULL)
        return SNOW_EINVAL;
    size_t first = set->n;
    for (size_t i = 0; i < list->n; i++) {
        int rc = load_one(set, &list->entries[i], err, errlen);
        if (rc != 0) {
            /* The node never runs with half its list. */
            while (set->n > first)
                load_unload_one(set->items[--set->n]);
            return rc;
        }
    }
    return 0;
}

void sk_plugin_set_unload(struct sk_plugin_set *set)
{
    if (set == NULL)
        return;
    while (set->n > 0)
        load_unload_one(set->items[--set->n]);
    free(set->items);
    set->items = NULL;
}

struct sk_plugin *sk_plugin_set_find(const struct sk_plugin_set *set, const char *name)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i]->name, name) == 0)
            return set->items[i];
    return NULL;
}

struct sk_plugin *sk_plugin_set_kind(const struct sk_plugin_set *set, enum snow_plugin_kind kind,
                                     size_t idx)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->items[i]->kind == kind && idx-- == 0)
            return set->items[i];
    return NULL;
}

/* ---- the node's set, behind the public API ---- */

static struct sk_plugin_set load_node_set;
static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;

struct sk_plugin_set *sk_plugins_node(void)
{
    return &load_node_set;
}

static int load_list(struct sk_plugin_list *l, int rc, char *err, size_t errlen)
{
    if (rc == 0) {
        pthread_mutex_lock(&load_mu);
        if (load_node_set.n > 0) {
            snprintf(err, errlen, "a plugin list is already loaded");
            rc = SNOW_ESTATE;
        } else {
            rc = sk_plugin_set_load(&load_node_set, l, err, errlen);
            if (load_node_set.n == 0) {
                free(load_node_set.items);
                load_node_set.items = NULL;
            }
        }
        pthread_mutex_unlock(&load_mu);
    }
    sk_plugin_list_free(l);
    return rc;
}

int snow_plugins_load(const char *path, char *err, size_t errlen)
{
    char dummy[1];
    if (err == NULL || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    struct sk_plugin_list l;
    int rc = path ? sk_plugin_list_read(path, &l, err, errlen)
                  : sk_plugin_list_parse("<default>", sk_plugin_default_list, &l, err, errlen);
    return load_list(&l, rc, err, errlen);
}

int snow_plugins_load_text(const char *origin, const char *text, char *err, size_t errlen)
{
    char dummy[1];
    if (err == NULL || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    if (text == NULL)
        return SNOW_EINVAL;
    struct sk_plugin_list l;
    int rc = sk_plugin_list_parse(origin ? origin : "<text>", text, &l, err, errlen);
    return load_list(&l, rc, err, errlen);
}

int snow_plugins_unload(void)
{
    pthread_mutex_lock(&load_mu);
    int rc = load_node_set.n > 0 ? 0 : SNOW_ESTATE;
    sk_plugin_set_unload(&load_node_set);
    pthread_mutex_unlock(&load_mu);
    return rc;
}

size_t snow_plugins_count(void)
{
    pthread_mutex_lock(&load_mu);
    size_t n = load_node_set.n;
    pthread_mutex_unlock(&load_mu);
    return n;
}

int snow_plugins_info(size_t i, const char **name, const char **kind, const char **version)
{
    int rc = SNOW_ENOENT;
    pthread_mutex_lock(&load_mu);
    if (i < load_node_set.n) {
        const struct sk_plugin *p = load_node_set.items[i];
        if (name)
            *name = p->name;
        if (kind)
            *kind = sk_plugin_kind_name(p->kind);
        if (version)
            *version = p->desc->version ? p->desc->version : "";
        rc = 0;
    }
    pthread_mutex_unlock(&load_mu);
    return rc;
}
