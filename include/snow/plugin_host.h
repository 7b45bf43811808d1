/* SPDX-License-Identifier: MIT */
/* Host side of plugins: load this node's plugin list, inspect what loaded. */
#ifndef SNOW_PLUGIN_HOST_H
#define SNOW_PLUGIN_HOST_H

#include <stddef.h>

#include <snow/error.h>
#include <snow/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A node loads one plugin list (format: contrib/PLUGINS.md). Loading is all
 * or nothing: on the first bad line everything loaded so far is unloaded
 * again and the call fails with one message in err, for example
 *   plugins.conf:3: plugin "tcp" (/usr/lib/snow/plugins/tcp.so): built for
 *   plugin ABI 2.x; this kernel provides 1.0
 * Codes: SNOW_ECONFIG (list syntax, file not found, bad option),
 * SNOW_EABI (not a Snow plugin, ABI version, sizes, kind, mandatory slot),
 * SNOW_EEXIST (duplicate name), SNOW_EPLUGIN (dlopen or init failed),
 * SNOW_ESTATE (a list is already loaded), SNOW_ENOMEM, SNOW_EINVAL.
 * `err` may be NULL; 256 bytes is plenty.
 *
 * Relative plugin paths and bare names are searched in each directory of
 * the SNOW_PLUGIN_PATH environment variable (colon-separated) when it is
 * set, otherwise in the plugin directory chosen at configure time
 * (pkg-config snow-plugin --variable=plugindir).
 *
 * Call from the thread that owns the node's I/O loop, or before that loop
 * runs; not concurrently with snow_plugins_unload.
 */

/* Loads the list file at `path`; NULL loads the built-in default list
 * (transport_tls, auth_cookie, discovery_builtin). */
SNOW_API int snow_plugins_load(const char *path, char *err, size_t errlen);

/* Loads a list given as text; `origin` names it in messages. */
SNOW_API int snow_plugins_load_text(const char *origin, const char *text, char *err,
                                    size_t errlen);

/* Unloads every plugin in reverse load order (fini, then everything each
 * plugin still had registered, then dlclose). SNOW_ESTATE if none loaded. */
SNOW_API int snow_plugins_unload(void);

/* Number of loaded plugins. */
SNOW_API size_t snow_plugins_count(void);

/* Name, kind ("transport", ...) and version of the i-th loaded plugin
 * (borrowed until unload). Any out pointer may be NULL. SNOW_ENOENT past
 * the end. */
SNOW_API int snow_plugins_info(size_t i, const char **name, const char **kind,
                               const char **version);

/*
 * Describes the plugin at `path` (a bare name or relative path is searched
 * as for loading) from its descriptor alone: no init, no other plugin code
 * runs (only ELF constructors, as dlopen implies). Writes lines like
 *   name: unix
 *   kind: transport
 *   version: 1.0.0
 *   summary: ...
 *   abi: 1.0 (needs kernel >= 1.0; this kernel provides 1.0)
 *   file: /usr/lib/snow/plugins/unix.so
 *   option backlog: int, default 64, range [1, 65535] -- listen(2) backlog
 * snprintf-style: returns the length the full text needs (truncating to
 * len). On a plugin the loader would refuse, returns the loader's code
 * with "<path>: <reason>" in err. For `snowctl plugin-info`.
 */
SNOW_API int snow_plugin_describe(const char *path, char *out, size_t len, char *err,
                                  size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* SNOW_PLUGIN_HOST_H */
