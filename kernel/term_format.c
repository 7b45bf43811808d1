/* SPDX-License-Identifier: MIT */
/* snow_term_format: the Erlang-like text form of a term. */
#include "term_impl.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Forms (snow_term_parse reads all of them back, except functions):
 *   42  -7            int
 *   1.5  2.0e-9       float (shortest text that reads back exactly; always
 *                     has '.' or 'e'; infinities print as 1.0e999/-1.0e999)
 *   ok  'hello world' atom (quoted unless [a-z][A-Za-z0-9_@]* and not a
 *                     reserved word: nil)
 *   true  false  nil  booleans, nil
 *   "text\n"          string (\" \\ \n \r \t \xHH escapes; other UTF-8 as is)
 *   <<"abc">>  <<1,2>> binary (quoted form when every byte is printable ASCII)
 *   <0.12.0>          pid: <node slot . local id . 0>
 *   #Ref<0.7>         ref: <node slot . counter>
 *   #Fun<worker_cb>   function (not parseable: it has no text form)
 *   {a, b}  [a, b]    tuple, list
 *   #{k => v}         map, keys in order
 *   #set[a, b]        set, in order
 *   #Point{x = 1}     struct, fields by name (names quoted like atoms)
 *   Option::Some(5)  Option::None   variant: type::ctor(fields)
 */
#define FMT_MAX_DEPTH 512

struct fmt {
    char *buf;
    size_t cap; /* bytes we may write, excluding the final NUL */
    size_t len; /* bytes the full text needs */
};

static void fmt_put(struct fmt *f, const char *s, size_t n)
{
    if (f->len < f->cap) {
        size_t room = f->cap - f->len;
        memcpy(f->buf + f->len, s, n < room ? n : room);
    }
    f->len += n;
}

static void fmt_str(struct fmt *f, const char *s) { fmt_put(f, s, strlen(s)); }

static void fmt_printf(struct fmt *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fmt_printf(struct fmt *f, const char *fmtstr, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmtstr);
    int n = vsnprintf(tmp, sizeof tmp, fmtstr, ap);
    va_end(ap);
    if (n > 0)
        fmt_put(f, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static bool fmt_ident_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '@';
}

/* Bare if it reads back as the same name; `lower` demands an a-z start. */
static bool fmt_is_bare(const char *s, size_t n, bool lower)
{
    if (n == 0)
        return false;
    unsigned char c = (unsigned char)s[0];
    if (lower ? !(c >= 'a' && c <= 'z') : !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!fmt_ident_char((unsigned char)s[i]))
            return false;
    if (lower && ((n == 3 && memcmp(s, "nil", 3) == 0) || (n == 4 && memcmp(s, "true", 4) == 0) ||
                  (n == 5 && memcmp(s, "false", 5) == 0)))
        return false;
    return true;
}

/* Body of a quoted string or atom with escapes. */
static void fmt_escaped(struct fmt *f, const char *s, size_t n, char quote)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char hex[5];
        if (c == (unsigned char)quote)
            esc = quote == '"' ? "\\\"" : "\\'";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20 || c == 0x7f) {
            snprintf(hex, sizeof hex, "\\x%02x", c);
            esc = hex;
        }
        if (esc == NULL)
            continue;
        fmt_put(f, s + run, i - run);
        fmt_str(f, esc);
        run = i + 1;
    }
    fmt_put(f, s + run, n - run);
}

static void fmt_name(struct fmt *f, uint32_t atom, bool lower)
{
    size_t n;
    const char *s = sk_atom_name(atom, &n);
    if (fmt_is_bare(s, n, lower)) {
        fmt_put(f, s, n);
        return;
    }
    fmt_put(f, "'", 1);
    fmt_escaped(f, s, n, '\'');
    fmt_put(f, "'", 1);
}

static void fmt_float(struct fmt *f, double v)
{
    char tmp[40];
    if (v > 1.7976931348623157e308 || v < -1.7976931348623157e308) {
        fmt_str(f, v > 0 ? "1.0e999" : "-1.0e999");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    fmt_str(f, tmp);
    if (strpbrk(tmp, ".en") == NULL) /* "1" -> "1.0", keeps it a float */
        fmt_str(f, ".0");
}

static void fmt_term(struct fmt *f, const snow_term *t, unsigned depth);

static void fmt_seq(struct fmt *f, snow_term *const *items, size_t n, unsigned depth)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            fmt_put(f, ", ", 2);
        fmt_term(f, items[i], depth);
    }
}

static void fmt_binary(struct fmt *f, const unsigned char *p, size_t n)
{
    bool text = n > 0;
    for (size_t i = 0; i < n && text; i++)
        text = p[i] >= 0x20 && p[i] < 0x7f;
    fmt_put(f, "<<", 2);
    if (text) {
        fmt_put(f, "\"", 1);
        fmt_escaped(f, (const char *)p, n, '"');
        fmt_put(f, "\"", 1);
    } else {
        for (size_t i = 0; i < n; i++)
            fmt_printf(f, i == 0 ? "%u" : ",%u", p[i]);
    }
    fmt_put(f, ">>", 2);
}

static void fmt_term(struct fmt *f, const snow_term *t, unsigned depth)
{
    if (depth > FMT_MAX_DEPTH) {
        fmt_str(f, "...");
        return;
    }
    switch (snow_term_type(t)) {
    case SNOW_T_INT: {
        int64_t v = 0;
        snow_term_int(t, &v);
        fmt_printf(f, "%lld", (long long)v);
        return;
    }
    case SNOW_T_FLOAT:
        fmt_float(f, ((const struct sk_float *)t)->v);
        return;
    case SNOW_T_BOOL:
        fmt_str(f, sk_atom_index(t) == SK_ATOM_TRUE ? "true" : "false");
        return;
    case SNOW_T_ATOM:
        fmt_name(f, sk_atom_index(t), true);
        return;
    case SNOW_T_NIL:
        fmt_str(f, "nil");
        return;
    case SNOW_T_STRING:
        fmt_put(f, "\"", 1);
        fmt_escaped(f, ((const struct sk_bytes *)t)->data, t->n, '"');
        fmt_put(f, "\"", 1);
        return;
    case SNOW_T_BINARY:
        fmt_binary(f, (const unsigned char *)((const struct sk_bytes *)t)->data, t->n);
        return;
    case SNOW_T_PID:
    case SNOW_T_REF: {
        uint64_t v = ((const struct sk_id *)t)->v;
        fmt_printf(f, t->type == SNOW_T_PID ? "<%u.%llu.0>" : "#Ref<%u.%llu>",
                   (unsigned)(v >> SNOW_NODE_SHIFT), (unsigned long long)(v & SNOW_LOCAL_MASK));
        return;
    }
    case SNOW_T_FUNCTION:
        fmt_str(f, "#Fun<");
        fmt_str(f, ((const struct sk_fn *)t)->name);
        fmt_str(f, ">");
        return;
    case SNOW_T_TUPLE:
        fmt_put(f, "{", 1);
        fmt_seq(f, sk_items(t), t->n, depth + 1);
        fmt_put(f, "}", 1);
        return;
    case SNOW_T_LIST:
        fmt_put(f, "[", 1);
        fmt_seq(f, sk_items(t), t->n, depth + 1);
        fmt_put(f, "]", 1);
        return;
    case SNOW_T_SET:
        fmt_put(f, "#set[", 5);
        fmt_seq(f, sk_items(t), t->n, depth + 1);
        fmt_put(f, "]", 1);
        return;
    case SNOW_T_MAP:
        fmt_put(f, "#{", 2);
        for (size_t i = 0; i < t->n; i++) {
            if (i > 0)
                fmt_put(f, ", ", 2);
            fmt_term(f, sk_items(t)[2 * i], depth + 1);
            fmt_put(f, " => ", 4);
            fmt_term(f, sk_items(t)[2 * i + 1], depth + 1);
        }
        fmt_put(f, "}", 1);
        return;
    case SNOW_T_STRUCT:
        fmt_put(f, "#", 1);
        fmt_name(f, t->name, false);
        fmt_put(f, "{", 1);
        for (size_t i = 0; i < t->n; i++) {
            if (i > 0)
                fmt_put(f, ", ", 2);
            fmt_name(f, sk_struct_names(t)[i], false);
            fmt_put(f, " = ", 3);
            fmt_term(f, sk_items(t)[i], depth + 1);
        }
        fmt_put(f, "}", 1);
        return;
    case SNOW_T_VARIANT:
        fmt_name(f, t->name, false);
        fmt_put(f, "::", 2);
        fmt_name(f, t->ctor, false);
        if (t->n > 0) {
            fmt_put(f, "(", 1);
            fmt_seq(f, sk_items(t), t->n, depth + 1);
            fmt_put(f, ")", 1);
        }
        return;
    }
    fmt_str(f, "#Invalid<>");
}

int snow_term_format(const snow_term *t, char *buf, size_t len)
{
    if (t == NULL || (buf == NULL && len > 0))
        return SNOW_EINVAL;
    struct fmt f = {buf, len > 0 ? len - 1 : 0, 0};
    fmt_term(&f, t, 0);
    if (len > 0)
        buf[f.len < f.cap ? f.len : f.cap] = '\0';
    if (f.len > INT_MAX)
        return SNOW_ERANGE;
    return (int)f.len;
}

char *snow_term_format_alloc(const snow_term *t)
{
    int n = snow_term_format(t, NULL, 0);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s != NULL)
        snow_term_format(t, s, (size_t)n + 1);
    return s;
}
