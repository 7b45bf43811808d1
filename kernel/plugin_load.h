/* SPDX-License-Identifier: MIT */
/* Loaded plugins: dlopen, validation, init and unload of a plugin list. */
#ifndef SK_PLUGIN_LOAD_H
#define SK_PLUGIN_LOAD_H

#include <stddef.h>

#include <snow/plugin.h>

#include "plugin_list.h"
#include "plugin_opts.h"

/* One loaded, initialised plugin. Immutable after load; the distribution
 * layer caches `struct sk_plugin *` (and its ops) on connections. */
struct sk_plugin {
    char *file;             /* list file it came from */
    int line;               /* line in that file */
    char *name;
    char *path;             /* resolved .so path */
    enum snow_plugin_kind kind;
    void *dl;
    const struct snow_plugin_desc *desc;
    const void *ops;        /* validated ops table of `kind` */
    void *state;            /* from init */
    snow_plugin_ctx *ctx;
    snow_plugin_args *args;
};

/* The plugins of one node, in load order. */
struct sk_plugin_set {
    size_t n;
    struct sk_plugin **items;
};

/* Loads every entry of `list` in order (resolve, dlopen, validate, options,
 * init). On the first error everything loaded by this call is unloaded in
 * reverse order and the error returned with one message in err:
 * "<list-file>:<line>: plugin "<name>" (<path>): <reason>".
 * Codes: SNOW_ECONFIG (file not found, options), SNOW_EABI (not a Snow
 * plugin, version, sizes, kind, slots), SNOW_EEXIST (duplicate name),
 * SNOW_EPLUGIN (dlopen failed, init failed), SNOW_ENOMEM. */
int sk_plugin_set_load(struct sk_plugin_set *set, const struct sk_plugin_list *list,
                       char *err, size_t errlen);
/* fini + teardown + dlclose of every plugin, in reverse load order. */
void sk_plugin_set_unload(struct sk_plugin_set *set);
/* By descriptor name, or NULL. */
struct sk_plugin *sk_plugin_set_find(const struct sk_plugin_set *set, const char *name);
/* The idx-th plugin of `kind` in load order, or NULL. */
struct sk_plugin *sk_plugin_set_kind(const struct sk_plugin_set *set, enum snow_plugin_kind kind,
                                     size_t idx);

/* Step 1: finds `file` (absolute: as given; else along SNOW_PLUGIN_PATH or
 * the plugin dir) into out. SNOW_ECONFIG with a message when it cannot. */
int sk_plugin_resolve(const char *file, const struct sk_plugin_where *w, char *out,
                      size_t outlen, char *err, size_t errlen);
/* Steps 2-7: dlopen, dlsym, descriptor and ops checks. With e == NULL the
 * list-matching checks (kind, name) are skipped. On success *dl is open and
 * *desc valid; runs no plugin code but ELF constructors. */
int sk_plugin_open(const struct sk_plugin_entry *e, const struct sk_plugin_where *w,
                   const char *path, void **dl, const struct snow_plugin_desc **desc, char *err,
                   size_t errlen);

/* The process-wide set behind the public snow_plugins_* calls. */
struct sk_plugin_set *sk_plugins_node(void);

#endif /* SK_PLUGIN_LOAD_H */
