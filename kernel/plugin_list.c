/* SPDX-License-Identifier: MIT */
/* Parses the plugin list file into entries that remember file:line:col. */
#include "config.h"

#include "plugin_list.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Default list: TLS transport, cookie auth, static discovery, global
 * registry. Bare names resolve through SNOW_PLUGIN_PATH and the plugin
 * directory, like any list file's. */
const char sk_plugin_default_list[] =
    "# built-in default plugin list\n"
    "transport transport_tls\n"
    "auth      auth_cookie\n"
    "discovery discovery_builtin\n";

static const char *const list_kinds[] = {
    [SNOW_PLUGIN_TRANSPORT] = "transport", [SNOW_PLUGIN_AUTH] = "auth",
    [SNOW_PLUGIN_DISCOVERY] = "discovery", [SNOW_PLUGIN_REGISTRY] = "registry",
    [SNOW_PLUGIN_BRIDGE] = "bridge",
};
#define LIST_NKINDS (sizeof list_kinds / sizeof list_kinds[0])

const char *sk_plugin_kind_name(int kind)
{
    if (kind <= 0 || (size_t)kind >= LIST_NKINDS)
        return "?";
    return list_kinds[kind];
}

int sk_plugin_kind_parse(const char *word)
{
    for (size_t k = 1; k < LIST_NKINDS; k++)
        if (strcmp(word, list_kinds[k]) == 0)
            return (int)k;
    return 0;
}

int sk_plugin_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SK_PLUGIN_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '-'))
            return 0;
    return 1;
}

/* Edit distance with adjacent transpositions ("prot" -> "port" is one
 * edit). Words here are short; longer ones never match. */
static size_t list_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

const char *sk_did_you_mean(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    /* A suggestion must be close relative to the word: 1 edit for short
     * words, up to a third of the length for longer ones. */
    size_t limit = strlen(word) / 3;
    if (limit < 1)
        limit = 1;
    if (limit > 3)
        limit = 3;
    for (size_t i = 0; i < n; i++) {
        size_t d = list_distance(word, cands[i]);
        if (d <= limit && d < best_d) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

/* One token of a line: unescaped text, its column, where its value starts. */
struct list_token {
    char *text;
    int col;
    long eq;       /* offset of the first unquoted '=' in text, or -1 */
    int value_col; /* column just after that '=' */
};

struct list_parser {
    const char *file;
    int line;
    char *err;
    size_t errlen;
};

static int list_fail(struct list_parser *p, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int list_fail(struct list_parser *p, int col, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (col > 0)
        snprintf(p->err, p->errlen, "%s:%d:%d: %s", p->file, p->line, col, what);
    else
        snprintf(p->err, p->errlen, "%s:%d: %s", p->file, p->line, what);
    return SNOW_ECONFIG;
}

/* Reads one token starting at *s (not whitespace, not '#'). */
static int list_token_read(struct list_parser *p, const char *line, const char **s,
                           struct list_token *t)
{
    const char *q = *s;
    size_t cap = strlen(q) + 1, n = 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        return SNOW_ENOMEM;
    t->col = (int)(q - line) + 1;
    t->eq = -1;
    t->value_col = 0;
    while (*q != '\0' && *q != ' ' && *q != '\t' && *q != '#') {
        if (*q == '"') {
            int open_col = (int)(q - line) + 1;
            q++;
            while (*q != '"') {
                if (*q == '\0') {
                    free(buf);
                    return list_fail(p, open_col, "unterminated quoted string");
                }
                if (*q == '\\' && (q[1] == '"' || q[1] == '\\'))
                    q++;
                buf[n++] = *q++;
            }
            q++;
            continue;
        }
        if (*q == '=' && t->eq < 0) {
            t->eq = (long)n;
            t->value_col = (int)(q - line) + 2;
        }
        buf[n++] = *q++;
    }
    buf[n] = '\0';
    t->text = buf;
    *s = q;
    return 0;
}

static void list_entry_free(struct sk_plugin_entry *e)
{
    free(e->name);
    free(e->path);
    for (size_t i = 0; i < e->nopts; i++) {
        free(e->opts[i].key);
        free(e->opts[i].value);
    }
    free(e->opts);
    memset(e, 0, sizeof *e);
}

void sk_plugin_list_free(struct sk_plugin_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        list_entry_free(&l->entries[i]);
    free(l->entries);
    free(l->file);
    memset(l, 0, sizeof *l);
}

/* Turns the tokens of one line into an entry. Takes ownership of texts. */
static int list_entry_build(struct list_parser *p, struct list_token *tok, size_t ntok,
                            struct sk_plugin_entry *e)
{
    size_t i = 0;
    memset(e, 0, sizeof *e);
    e->line = p->line;
    int kind = sk_plugin_kind_parse(tok[0].text);
    if (kind == 0) {
        const char *sugg = sk_did_you_mean(tok[0].text, list_kinds + 1, LIST_NKINDS - 1);
        if (sugg != NULL)
            return list_fail(p, tok[0].col, "unknown kind \"%s\" (did you mean \"%s\"?)",
                             tok[0].text, sugg);
        return list_fail(p, tok[0].col,
                         "unknown kind \"%s\" (transport, auth, discovery, registry, bridge)",
                         tok[0].text);
    }
    e->kind = (enum snow_plugin_kind)kind;
    if (ntok < 2 || tok[1].eq >= 0)
        return list_fail(p, ntok < 2 ? 0 : tok[1].col, "missing plugin name after \"%s\"",
                         tok[0].text);
    if (!sk_plugin_name_valid(tok[1].text))
        return list_fail(p, tok[1].col,
                         "invalid plugin name \"%s\" (use [a-z0-9_-], at most 32 chars)",
                         tok[1].text);
    e->name = tok[1].text;
    tok[1].text = NULL;
    i = 2;
    if (i < ntok && tok[i].eq < 0) {
        if (tok[i].text[0] == '\0')
            return list_fail(p, tok[i].col, "empty plugin path");
        e->path = tok[i].text;
        tok[i].text = NULL;
        i++;
    }
    if (ntok - i > SK_PLUGIN_MAX_OPTS)
        return list_fail(p, tok[i].col, "too many options (at most 64)");
    e->opts = calloc(ntok - i + 1, sizeof *e->opts);
    if (e->opts == NULL)
        return SNOW_ENOMEM;
    for (; i < ntok; i++) {
        struct list_token *t = &tok[i];
        if (t->eq < 0)
            return list_fail(p, t->col, "expected key=value, got \"%s\"", t->text);
        if (t->eq == 0)
            return list_fail(p, t->col, "option without a key");
        t->text[t->eq] = '\0';
        for (size_t j = 0; j < e->nopts; j++)
            if (strcmp(e->opts[j].key, t->text) == 0)
                return list_fail(p, t->col, "option \"%s\" given twice", t->text);
        struct sk_plugin_opt *o = &e->opts[e->nopts];
        o->value = strdup(t->text + t->eq + 1);
        if (o->value == NULL)
            return SNOW_ENOMEM;
        o->key = t->text;
        t->text = NULL;
        o->line = p->line;
        o->col = t->col;
        o->value_col = t->value_col;
        e->nopts++;
    }
    return 0;
}

/* Parses one line (NUL-terminated copy). Appends an entry when it has one. */
static int list_line(struct list_parser *p, const char *line, struct sk_plugin_list *out)
{
    struct list_token tok[SK_PLUGIN_MAX_OPTS + 4];
    size_t ntok = 0;
    int rc = 0;
    const char *s = line;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0' || *s == '#')
            break;
        if (ntok == sizeof tok / sizeof tok[0]) {
            rc = list_fail(p, (int)(s - line) + 1, "too many options (at most 64)");
            goto done;
        }
        rc = list_token_read(p, line, &s, &tok[ntok]);
        if (rc != 0)
            goto done;
        ntok++;
    }
    if (ntok == 0)
        goto done;
    struct sk_plugin_entry *grown = realloc(out->entries, (out->n + 1) * sizeof *grown);
    if (grown == NULL) {
        rc = SNOW_ENOMEM;
        goto done;
    }
    out->entries = grown;
    rc = list_entry_build(p, tok, ntok, &out->entries[out->n]);
    if (rc != 0) {
        list_entry_free(&out->entries[out->n]);
        goto done;
    }
    out->entries[out->n].file = out->file;
    out->n++;
done:
    for (size_t i = 0; i < ntok; i++)
        free(tok[i].text);
    return rc;
}

int sk_plugin_list_parse(const char *file, const char *text, struct sk_plugin_list *out,
                         char *err, size_t errlen)
{
    struct list_parser p = {.file = file, .line = 0, .err = err, .errlen = errlen};
    int rc = 0;
    memset(out, 0, sizeof *out);
    if (file == NULL || text == NULL)
        return SNOW_EINVAL;
    out->file = strdup(file);
    if (out->file == NULL)
        return SNOW_ENOMEM;
    const char *s = text;
    while (*s != '\0') {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        p.line++;
        char *line = malloc(len + 1);
        if (line == NULL) {
            rc = SNOW_ENOMEM;
            break;
        }
        memcpy(line, s, len);
        line[len] = '\0';
        if (len > 0 && line[len - 1] == '\r')
            line[len - 1] = '\0';
        rc = list_line(&p, line, out);
        free(line);
        if (rc != 0)
            break;
        s = nl ? nl + 1 : s + len;
    }
    if (rc == SNOW_ENOMEM)
        snprintf(err, errlen, "%s:%d: out of memory", file, p.line);
    if (rc != 0)
        sk_plugin_list_free(out);
    return rc;
}

int sk_plugin_list_read(const char *path, struct sk_plugin_list *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (path == NULL)
        return SNOW_EINVAL;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return SNOW_ECONFIG;
    }
    /* A list file is small; refuse anything absurd rather than read it. */
    enum { LIST_MAX_BYTES = 1 << 20 };
    char *text = malloc(LIST_MAX_BYTES + 1);
    if (text == NULL) {
        fclose(f);
        return SNOW_ENOMEM;
    }
    size_t n = fread(text, 1, LIST_MAX_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > LIST_MAX_BYTES) {
        snprintf(err, errlen, "%s: %s", path, bad ? "read error" : "larger than 1 MiB");
        free(text);
        return SNOW_ECONFIG;
    }
    text[n] = '\0';
    if (memchr(text, '\0', n) != NULL) {
        snprintf(err, errlen, "%s: contains a NUL byte (not a text file)", path);
        free(text);
        return SNOW_ECONFIG;
    }
    int rc = sk_plugin_list_parse(path, text, out, err, errlen);
    free(text);
    return rc;
}
