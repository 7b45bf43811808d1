/* SPDX-License-Identifier: MIT */
/* Option validation: list-file text -> typed values, checked by the kernel. */
#include "config.h"

#include "plugin_opts.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct opts_value {
    const struct snow_plugin_option *schema;
    bool present; /* given in the list file or by default */
    bool b;
    int64_t i;
    char *s;
};

struct snow_plugin_args {
    size_t n;
    struct opts_value v[];
};

int sk_plugin_msg(char *err, size_t errlen, const struct sk_plugin_where *w, int col, int code,
                  const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (err == NULL || errlen == 0)
        return code;
    if (w->file == NULL) /* not from a list (plugin-info) */
        snprintf(err, errlen, "%s: %s", w->path, what);
    else if (col > 0)
        snprintf(err, errlen, "%s:%d:%d: plugin \"%s\" (%s): %s", w->file, w->line, col, w->name,
                 w->path, what);
    else
        snprintf(err, errlen, "%s:%d: plugin \"%s\" (%s): %s", w->file, w->line, w->name,
                 w->path, what);
    return code;
}

static const char *opts_type_name(enum snow_option_type t)
{
    switch (t) {
    case SNOW_OPT_BOOL: return "bool";
    case SNOW_OPT_INT: return "int";
    case SNOW_OPT_DURATION: return "duration";
    case SNOW_OPT_STRING: return "string";
    case SNOW_OPT_PATH: return "path";
    }
    return NULL;
}

static int opts_key_valid(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
            return 0;
    return 1;
}

static int opts_parse_int(const char *s, int64_t *out, const char **end)
{
    errno = 0;
    char *e;
    long long v = strtoll(s, &e, 10);
    if (e == s || errno == ERANGE || (*s != '-' && *s != '+' && (*s < '0' || *s > '9')))
        return -1;
    *out = (int64_t)v;
    *end = e;
    return 0;
}

/* Parses `text` as `type` into v. Returns NULL or a short reason. */
static const char *opts_parse(enum snow_option_type type, const char *text, struct opts_value *v)
{
    const char *end;
    switch (type) {
    case SNOW_OPT_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "on") ||
            !strcmp(text, "1"))
            v->b = true;
        else if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "off") ||
                 !strcmp(text, "0"))
            v->b = false;
        else
            return "expected a bool (true, false, yes, no, on, off, 1, 0)";
        return NULL;
    case SNOW_OPT_INT:
        if (opts_parse_int(text, &v->i, &end) != 0 || *end != '\0')
            return "expected an integer";
        return NULL;
    case SNOW_OPT_DURATION: {
        int64_t n, mul;
        if (opts_parse_int(text, &n, &end) != 0 || n < 0)
            return "expected a duration (e.g. 500ms, 5s, 2m, 1h)";
        if (*end == '\0' || !strcmp(end, "ms"))
            mul = 1;
        else if (!strcmp(end, "s"))
            mul = 1000;
        else if (!strcmp(end, "m"))
            mul = 60 * 1000;
        else if (!strcmp(end, "h"))
            mul = 3600 * 1000;
        else
            return "expected a duration (e.g. 500ms, 5s, 2m, 1h)";
        if (n > INT64_MAX / mul)
            return "duration too large";
        v->i = n * mul;
        return NULL;
    }
    case SNOW_OPT_STRING:
    case SNOW_OPT_PATH:
        return NULL; /* the text itself; copied by the caller */
    }
    return "unknown option type";
}

int sk_plugin_schema_check(const struct snow_plugin_option *schema,
                           const struct sk_plugin_where *w, char *err, size_t errlen)
{
    if (schema == NULL)
        return 0;
    for (size_t i = 0; schema[i].key != NULL; i++) {
        const struct snow_plugin_option *o = &schema[i];
        struct opts_value tmp = {0};
        if (i >= SK_PLUGIN_MAX_OPTS)
            return sk_plugin_msg(err, errlen, w, 0, SNOW_EPLUGIN,
                                 "option schema has more than %d entries (missing NULL key?)",
                                 SK_PLUGIN_MAX_OPTS);
        if (!opts_key_valid(o->key))
            return sk_plugin_msg(err, errlen, w, 0, SNOW_EPLUGIN,
                                 "option schema: invalid key \"%.40s\"", o->key);
        if (opts_type_name(o->type) == NULL)
            return sk_plugin_msg(err, errlen, w, 0, SNOW_EPLUGIN,
                                 "option schema: \"%s\" has unknown type %d", o->key,
                                 (int)o->type);
        for (size_t j = 0; j < i; j++)
            if (strcmp(schema[j].key, o->key) == 0)
                return sk_plugin_msg(err, errlen, w, 0, SNOW_EPLUGIN,
                                     "option schema: \"%s\" listed twice", o->key);
        if (o->def != NULL && opts_parse(o->type, o->def, &tmp) != NULL)
            return sk_plugin_msg(err, errlen, w, 0, SNOW_EPLUGIN,
                                 "option schema: default \"%s\" of \"%s\" is not a valid %s",
                                 o->def, o->key, opts_type_name(o->type));
    }
    return 0;
}

void sk_plugin_args_free(snow_plugin_args *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i].s);
    free(a);
}

/* A relative PATH value is taken relative to the list file's directory. */
static char *opts_path_resolve(const char *list_file, const char *value)
{
    const char *slash = list_file ? strrchr(list_file, '/') : NULL;
    if (value[0] == '/' || slash == NULL)
        return strdup(value);
    size_t dir = (size_t)(slash - list_file);
    size_t n = dir + 1 + strlen(value) + 1;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%.*s/%s", (int)dir, list_file, value);
    return p;
}

/* Fills one value from text (list file or default). */
static int opts_set(struct opts_value *v, const char *text, const char *list_file)
{
    const struct snow_plugin_option *o = v->schema;
    if (opts_parse(o->type, text, v) != NULL)
        return SNOW_EINVAL;
    if (o->type == SNOW_OPT_STRING)
        v->s = strdup(text);
    else if (o->type == SNOW_OPT_PATH)
        v->s = opts_path_resolve(list_file, text);
    if ((o->type == SNOW_OPT_STRING || o->type == SNOW_OPT_PATH) && v->s == NULL)
        return SNOW_ENOMEM;
    v->present = true;
    return 0;
}

int sk_plugin_args_build(const struct sk_plugin_entry *e,
                         const struct snow_plugin_option *schema,
                         const struct sk_plugin_where *w, snow_plugin_args **out, char *err,
                         size_t errlen)
{
    size_t n = 0;
    *out = NULL;
    int rc = sk_plugin_schema_check(schema, w, err, errlen);
    if (rc != 0)
        return rc;
    while (schema != NULL && schema[n].key != NULL)
        n++;
    snow_plugin_args *a = calloc(1, sizeof *a + n * sizeof a->v[0]);
    if (a == NULL)
        return SNOW_ENOMEM;
    a->n = n;
    for (size_t i = 0; i < n; i++)
        a->v[i].schema = &schema[i];

    for (size_t k = 0; k < e->nopts && rc == 0; k++) {
        const struct sk_plugin_opt *o = &e->opts[k];
        struct opts_value *v = NULL;
        for (size_t i = 0; i < n; i++)
            if (strcmp(schema[i].key, o->key) == 0)
                v = &a->v[i];
        if (v == NULL) {
            const char *cands[SK_PLUGIN_MAX_OPTS];
            for (size_t i = 0; i < n; i++)
                cands[i] = schema[i].key;
            const char *sugg = sk_did_you_mean(o->key, cands, n);
            if (sugg != NULL)
                rc = sk_plugin_msg(err, errlen, w, o->col, SNOW_ECONFIG,
                                   "unknown option \"%s\" (did you mean \"%s\"?)", o->key, sugg);
            else if (n == 0)
                rc = sk_plugin_msg(err, errlen, w, o->col, SNOW_ECONFIG,
                                   "unknown option \"%s\" (this plugin takes no options)",
                                   o->key);
            else
                rc = sk_plugin_msg(err, errlen, w, o->col, SNOW_ECONFIG,
                                   "unknown option \"%s\"", o->key);
            break;
        }
        rc = opts_set(v, o->value, e->file);
        if (rc == SNOW_EINVAL) {
            struct opts_value tmp = {0};
            rc = sk_plugin_msg(err, errlen, w, o->value_col, SNOW_ECONFIG,
                               "option \"%s\": %s, got \"%s\"", o->key,
                               opts_parse(v->schema->type, o->value, &tmp), o->value);
            break;
        }
        const struct snow_plugin_option *s = v->schema;
        if (rc == 0 && (s->type == SNOW_OPT_INT || s->type == SNOW_OPT_DURATION) &&
            (s->min != 0 || s->max != 0) && (v->i < s->min || v->i > s->max))
            rc = sk_plugin_msg(err, errlen, w, o->value_col, SNOW_ECONFIG,
                               "option \"%s\": %lld is out of range [%lld, %lld]%s", o->key,
                               (long long)v->i, (long long)s->min, (long long)s->max,
                               s->type == SNOW_OPT_DURATION ? " ms" : "");
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct opts_value *v = &a->v[i];
        if (v->present)
            continue;
        if (v->schema->required)
            rc = sk_plugin_msg(err, errlen, w, 0, SNOW_ECONFIG,
                               "missing required option \"%s\"", v->schema->key);
        else if (v->schema->def != NULL)
            rc = opts_set(v, v->schema->def, NULL);
    }
    if (rc == SNOW_ENOMEM)
        sk_plugin_msg(err, errlen, w, 0, rc, "out of memory");
    if (rc != 0) {
        sk_plugin_args_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

static int opts_find(const snow_plugin_args *a, const char *key, const struct opts_value **out)
{
    if (a == NULL || key == NULL || out == NULL)
        return SNOW_EINVAL;
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->v[i].schema->key, key) == 0) {
            if (!a->v[i].present)
                return SNOW_ENOENT;
            *out = &a->v[i];
            return 0;
        }
    }
    return SNOW_ENOENT;
}

int sk_plugin_args_bool(const snow_plugin_args *a, const char *key, bool *out)
{
    const struct opts_value *v;
    int rc = opts_find(a, key, &v);
    if (rc != 0 || out == NULL)
        return rc != 0 ? rc : SNOW_EINVAL;
    if (v->schema->type != SNOW_OPT_BOOL)
        return SNOW_ETYPE;
    *out = v->b;
    return 0;
}

int sk_plugin_args_int(const snow_plugin_args *a, const char *key, int64_t *out)
{
    const struct opts_value *v;
    int rc = opts_find(a, key, &v);
    if (rc != 0 || out == NULL)
        return rc != 0 ? rc : SNOW_EINVAL;
    if (v->schema->type != SNOW_OPT_INT && v->schema->type != SNOW_OPT_DURATION)
        return SNOW_ETYPE;
    *out = v->i;
    return 0;
}

int sk_plugin_args_str(const snow_plugin_args *a, const char *key, const char **out)
{
    const struct opts_value *v;
    int rc = opts_find(a, key, &v);
    if (rc != 0 || out == NULL)
        return rc != 0 ? rc : SNOW_EINVAL;
    if (v->schema->type != SNOW_OPT_STRING && v->schema->type != SNOW_OPT_PATH)
        return SNOW_ETYPE;
    *out = v->s;
    return 0;
}
