/* SPDX-License-Identifier: MIT */
/* Validates list-file options against a plugin's schema; typed values. */
#ifndef SK_PLUGIN_OPTS_H
#define SK_PLUGIN_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snow/plugin.h>

#include "plugin_list.h"

/* Where messages point: "<file>:<line>[:<col>]: plugin "<name>" (<path>): ". */
struct sk_plugin_where {
    const char *file;
    int line;
    const char *name;
    const char *path;
};

/* Writes one message in the loader's format; col 0 omits the column.
 * Returns `code` so callers can `return sk_plugin_msg(...)`. */
int sk_plugin_msg(char *err, size_t errlen, const struct sk_plugin_where *w, int col, int code,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Checks the plugin's own schema (keys, types, duplicates, defaults). */
int sk_plugin_schema_check(const struct snow_plugin_option *schema,
                           const struct sk_plugin_where *w, char *err, size_t errlen);

/* Validates entry options against schema and builds the typed values
 * (defaults filled in). On error SNOW_ECONFIG with file:line:col text. */
int sk_plugin_args_build(const struct sk_plugin_entry *e,
                         const struct snow_plugin_option *schema,
                         const struct sk_plugin_where *w, snow_plugin_args **out, char *err,
                         size_t errlen);
void sk_plugin_args_free(snow_plugin_args *a);

/* Typed reads behind svc->opt_*: 0, SNOW_ENOENT, SNOW_ETYPE, SNOW_EINVAL. */
int sk_plugin_args_bool(const snow_plugin_args *a, const char *key, bool *out);
int sk_plugin_args_int(const snow_plugin_args *a, const char *key, int64_t *out);
int sk_plugin_args_str(const snow_plugin_args *a, const char *key, const char **out);

#endif /* SK_PLUGIN_OPTS_H */
