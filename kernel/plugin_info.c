/* SPDX-License-Identifier: MIT */
/* snow_plugin_describe: a plugin's descriptor as text, without running it. */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <snow/plugin_host.h>

#include "plugin_list.h"
#include "plugin_load.h"

/* snprintf into out at *used, keeping the total length needed. */
static void info_put(char *out, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void info_put(char *out, size_t len, size_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*used < len ? out + *used : NULL, *used < len ? len - *used : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n;
}

static const char *info_type(enum snow_option_type t)
{
    static const char *const names[] = {"?", "bool", "int", "duration", "string", "path"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

int snow_plugin_describe(const char *path, char *out, size_t len, char *err, size_t errlen)
{
    char dummy[1];
    if (err == NULL || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    if (path == NULL || (out == NULL && len > 0))
        return SNOW_EINVAL;
    struct sk_plugin_where w = {.file = NULL, .name = "?", .path = path};
    char full[PATH_MAX];
    int rc = sk_plugin_resolve(path, &w, full, sizeof full, err, errlen);
    if (rc != 0)
        return rc;
    w.path = full;
    void *dl;
    const struct snow_plugin_desc *d;
    rc = sk_plugin_open(NULL, &w, full, &dl, &d, err, errlen);
    if (rc != 0)
        return rc;
    size_t used = 0;
    if (len > 0)
        out[0] = '\0';
    info_put(out, len, &used, "name: %s\nkind: %s\nversion: %s\nsummary: %s\n", d->name,
             sk_plugin_kind_name((int)d->kind), d->version ? d->version : "",
             d->summary ? d->summary : "");
    info_put(out, len, &used, "abi: %u.%u (needs kernel >= %u.%u; this kernel provides %d.%d)\n",
             (unsigned)d->abi_major, (unsigned)d->abi_minor, (unsigned)d->abi_major,
             (unsigned)d->abi_minor, SNOW_PLUGIN_ABI_MAJOR, SNOW_PLUGIN_ABI_MINOR);
    info_put(out, len, &used, "file: %s\n", full);
    for (size_t i = 0; d->options != NULL && d->options[i].key != NULL && i < 64; i++) {
        const struct snow_plugin_option *o = &d->options[i];
        info_put(out, len, &used, "option %s: %s", o->key, info_type(o->type));
        if (o->required)
            info_put(out, len, &used, ", required");
        if (o->def != NULL)
            info_put(out, len, &used, ", default %s", o->def);
        if (o->min != 0 || o->max != 0)
            info_put(out, len, &used, ", range [%lld, %lld]", (long long)o->min,
                     (long long)o->max);
        info_put(out, len, &used, " -- %s\n", o->help ? o->help : "");
    }
    dlclose(dl);
    return used > INT_MAX ? INT_MAX : (int)used;
}
