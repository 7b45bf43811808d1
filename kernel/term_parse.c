/* SPDX-License-Identifier: MIT */
/* snow_term_parse: reads the text form that snow_term_format writes. */
#include "term_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARSE_MAX_DEPTH 512

struct parse {
    const char *start, *p;
    char *err;
    size_t errlen;
    int rc;
};

static void parse_fail(struct parse *ps, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void parse_fail(struct parse *ps, const char *at, const char *fmt, ...)
{
    if (ps->rc != 0)
        return; /* keep the first (innermost) error */
    ps->rc = SNOW_EBADTERM;
    if (ps->err == NULL || ps->errlen == 0)
        return;
    int n = snprintf(ps->err, ps->errlen, "offset %zu: ", (size_t)(at - ps->start));
    if (n < 0 || (size_t)n >= ps->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static void parse_ws(struct parse *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
        ps->p++;
}

static bool parse_lit(struct parse *ps, const char *lit)
{
    parse_ws(ps);
    size_t n = strlen(lit);
    if (strncmp(ps->p, lit, n) != 0)
        return false;
    ps->p += n;
    return true;
}

static bool parse_expect(struct parse *ps, const char *lit)
{
    if (parse_lit(ps, lit))
        return true;
    parse_fail(ps, ps->p, "expected '%s'", lit);
    return false;
}

static bool parse_ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '@';
}

static int parse_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A quoted body (after the opening quote) into a malloc'd buffer. */
static char *parse_quoted(struct parse *ps, char quote, size_t *len)
{
    const char *open = ps->p - 1;
    size_t cap = 16, n = 0;
    char *out = malloc(cap);
    while (out != NULL) {
        char c = *ps->p;
        if (c == '\0') {
            parse_fail(ps, open, "unterminated %s", quote == '"' ? "string" : "quoted name");
            break;
        }
        ps->p++;
        if (c == quote) {
            *len = n;
            return out;
        }
        if (c == '\\') {
            char e = *ps->p++;
            int h1, h2;
            switch (e) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case '\\': case '"': case '\'': c = e; break;
            case 'x':
                h1 = parse_hex(ps->p[0]);
                h2 = h1 < 0 ? -1 : parse_hex(ps->p[1]);
                if (h2 < 0) {
                    parse_fail(ps, ps->p - 2, "bad \\x escape (two hex digits needed)");
                    free(out);
                    return NULL;
                }
                c = (char)(h1 * 16 + h2);
                ps->p += 2;
                break;
            default:
                parse_fail(ps, ps->p - 2, "unknown escape");
                free(out);
                return NULL;
            }
        }
        if (n == cap) {
            char *bigger = realloc(out, cap * 2);
            if (bigger == NULL)
                break;
            out = bigger;
            cap *= 2;
        }
        out[n++] = c;
    }
    if (out == NULL || ps->rc == 0) {
        parse_fail(ps, open, "out of memory");
        ps->rc = SNOW_ENOMEM;
    }
    free(out);
    return NULL;
}

/* A name (bare identifier or 'quoted') as an atom index. */
static bool parse_name(struct parse *ps, uint32_t *idx, const char *what)
{
    parse_ws(ps);
    const char *at = ps->p;
    int rc;
    if (*ps->p == '\'') {
        ps->p++;
        size_t len;
        char *s = parse_quoted(ps, '\'', &len);
        if (s == NULL)
            return false;
        rc = sk_atom_intern(s, len, false, idx);
        free(s);
    } else {
        while (parse_ident_char(*ps->p))
            ps->p++;
        if (ps->p == at || (*at >= '0' && *at <= '9')) {
            parse_fail(ps, at, "expected %s", what);
            return false;
        }
        rc = sk_atom_intern(at, (size_t)(ps->p - at), false, idx);
    }
    if (rc != 0)
        parse_fail(ps, at, "%s is not a valid atom (1..255 bytes of UTF-8): %s", what,
                   snow_strerror(rc));
    return rc == 0;
}

static snow_term *parse_term(struct parse *ps, unsigned depth);

/* Elements separated by commas up to `close`; grows *items. */
static bool parse_elems(struct parse *ps, const char *close, snow_term ***items, size_t *n,
                        unsigned depth)
{
    size_t cap = 0;
    *items = NULL;
    *n = 0;
    if (parse_lit(ps, close))
        return true;
    for (;;) {
        if (*n == cap) {
            cap = cap == 0 ? 8 : cap * 2;
            snow_term **bigger = realloc(*items, cap * sizeof **items);
            if (bigger == NULL) {
                parse_fail(ps, ps->p, "out of memory");
                break;
            }
            *items = bigger;
        }
        snow_term *t = parse_term(ps, depth);
        if (t == NULL)
            break;
        (*items)[(*n)++] = t;
        if (parse_lit(ps, close))
            return true;
        if (!parse_expect(ps, ","))
            break;
    }
    sk_release_array(*n, *items);
    free(*items);
    *items = NULL;
    return false;
}

static snow_term *parse_number(struct parse *ps)
{
    const char *at = ps->p, *q = ps->p;
    bool is_float = false;
    if (*q == '-')
        q++;
    if (!(*q >= '0' && *q <= '9')) {
        parse_fail(ps, at, "expected a digit");
        return NULL;
    }
    while (*q >= '0' && *q <= '9')
        q++;
    if (q[0] == '.' && q[1] >= '0' && q[1] <= '9') {
        is_float = true;
        for (q++; *q >= '0' && *q <= '9'; q++)
            ;
    }
    if (*q == 'e' || *q == 'E') {
        const char *r = q + 1;
        if (*r == '+' || *r == '-')
            r++;
        if (*r >= '0' && *r <= '9') {
            is_float = true;
            for (q = r; *q >= '0' && *q <= '9'; q++)
                ;
        }
    }
    char tmp[128];
    size_t len = (size_t)(q - at);
    if (len >= sizeof tmp) {
        parse_fail(ps, at, "number too long");
        return NULL;
    }
    memcpy(tmp, at, len);
    tmp[len] = '\0';
    ps->p = q;
    errno = 0;
    if (is_float)
        return snow_float(strtod(tmp, NULL));
    long long v = strtoll(tmp, NULL, 10);
    if (errno == ERANGE) {
        parse_fail(ps, at, "integer out of 64-bit range");
        return NULL;
    }
    return snow_int(v);
}

/* <<>>, <<"text">> or <<1,2,3>>. */
static snow_term *parse_binary(struct parse *ps)
{
    const char *at = ps->p - 2;
    if (parse_lit(ps, ">>"))
        return snow_binary("", 0);
    if (parse_lit(ps, "\"")) {
        size_t len;
        char *s = parse_quoted(ps, '"', &len);
        if (s == NULL || !parse_expect(ps, ">>")) {
            free(s);
            return NULL;
        }
        snow_term *t = snow_binary(s, len);
        free(s);
        return t;
    }
    unsigned char buf[256], *bytes = buf;
    size_t n = 0, cap = sizeof buf;
    snow_term *t = NULL;
    for (;;) {
        parse_ws(ps);
        const char *num = ps->p;
        char *end;
        unsigned long v = strtoul(num, &end, 10);
        if (end == num || v > 255 || *num == '-' || *num == '+') {
            parse_fail(ps, num, "binary bytes are integers 0..255");
            break;
        }
        ps->p = end;
        if (n == cap) {
            unsigned char *bigger = malloc(cap * 2);
            if (bigger == NULL)
                break;
            memcpy(bigger, bytes, n);
            if (bytes != buf)
                free(bytes);
            bytes = bigger;
            cap *= 2;
        }
        bytes[n++] = (unsigned char)v;
        if (parse_lit(ps, ">>")) {
            t = snow_binary(bytes, n);
            break;
        }
        if (!parse_expect(ps, ","))
            break;
    }
    if (bytes != buf)
        free(bytes);
    if (t == NULL && ps->rc == 0)
        parse_fail(ps, at, "out of memory");
    return t;
}

/* <slot.local.0> and #Ref<slot.local>. */
static snow_term *parse_id(struct parse *ps, bool is_ref)
{
    const char *at = ps->p;
    unsigned long long part[3] = {0, 0, 0};
    int parts = is_ref ? 2 : 3;
    for (int i = 0; i < parts; i++) {
        if (i > 0 && !parse_expect(ps, "."))
            return NULL;
        parse_ws(ps);
        char *end;
        if (!(*ps->p >= '0' && *ps->p <= '9')) {
            parse_fail(ps, ps->p, "expected a number");
            return NULL;
        }
        errno = 0;
        part[i] = strtoull(ps->p, &end, 10);
        if (errno == ERANGE) {
            parse_fail(ps, ps->p, "number out of range");
            return NULL;
        }
        ps->p = end;
    }
    if (!parse_expect(ps, ">"))
        return NULL;
    if (part[0] > 0xFFFF || part[1] > SNOW_LOCAL_MASK || part[2] != 0) {
        parse_fail(ps, at, "%s out of range (<slot 0..65535 . local id < 2^48%s>)",
                   is_ref ? "ref" : "pid", is_ref ? "" : " . 0");
        return NULL;
    }
    uint64_t v = ((uint64_t)part[0] << SNOW_NODE_SHIFT) | part[1];
    return is_ref ? snow_ref_term(v) : snow_pid_term(v);
}

static snow_term *parse_struct(struct parse *ps, unsigned depth)
{
    uint32_t type;
    if (!parse_name(ps, &type, "struct type name") || !parse_expect(ps, "{"))
        return NULL;
    size_t n = 0, cap = 0;
    uint32_t *names = NULL;
    snow_term **values = NULL;
    bool ok = parse_lit(ps, "}");
    while (!ok) {
        if (n == cap) {
            cap = cap == 0 ? 8 : cap * 2;
            uint32_t *nn = realloc(names, cap * sizeof *names);
            if (nn != NULL)
                names = nn;
            snow_term **vv = nn == NULL ? NULL : realloc(values, cap * sizeof *values);
            if (vv == NULL) {
                parse_fail(ps, ps->p, "out of memory");
                break;
            }
            values = vv;
        }
        if (!parse_name(ps, &names[n], "field name") || !parse_expect(ps, "="))
            break;
        if ((values[n] = parse_term(ps, depth)) == NULL)
            break;
        n++;
        if (parse_lit(ps, "}"))
            ok = true;
        else if (!parse_expect(ps, ","))
            break;
    }
    snow_term *t = NULL;
    if (ok) {
        int rc;
        const char *at = ps->p;
        t = sk_struct_make(type, n, names, values, &rc);
        if (t == NULL)
            parse_fail(ps, at, "%s", rc == SNOW_EINVAL ? "duplicate field name" : "out of memory");
    } else {
        sk_release_array(n, values);
    }
    free(names);
    free(values);
    return t;
}

/* After "type::": ctor name and optional (fields). */
static snow_term *parse_variant(struct parse *ps, uint32_t type, unsigned depth)
{
    uint32_t ctor;
    if (!parse_name(ps, &ctor, "variant constructor"))
        return NULL;
    snow_term **items = NULL;
    size_t n = 0;
    if (parse_lit(ps, "(") && !parse_elems(ps, ")", &items, &n, depth))
        return NULL;
    snow_term *t = sk_variant_make(type, ctor, n, items);
    free(items);
    return t;
}

/* A bare word: keyword, atom, or a variant's type name. */
static snow_term *parse_word(struct parse *ps, unsigned depth)
{
    const char *at = ps->p;
    uint32_t idx;
    if (!parse_name(ps, &idx, "a term"))
        return NULL;
    size_t len = (size_t)(ps->p - at);
    if (parse_lit(ps, "::"))
        return parse_variant(ps, idx, depth);
    if (*at != '\'') {
        if (len == 3 && memcmp(at, "nil", 3) == 0)
            return snow_nil();
        if (!(*at >= 'a' && *at <= 'z')) {
            parse_fail(ps, at, "a bare word must start with a-z (quote it: 'Name')");
            return NULL;
        }
    }
    return sk_atom_make(idx); /* true/false are atoms 1/0: booleans */
}

static snow_term *parse_coll(struct parse *ps, enum snow_type type, const char *close,
                             unsigned depth)
{
    snow_term **items;
    size_t n;
    if (!parse_elems(ps, close, &items, &n, depth))
        return NULL;
    snow_term *t = type == SNOW_T_TUPLE  ? snow_tuple_from(n, items)
                   : type == SNOW_T_LIST ? snow_list_from(n, items)
                                         : snow_set_from(n, items);
    free(items);
    return t;
}

static snow_term *parse_map(struct parse *ps, unsigned depth)
{
    snow_term **kv = NULL;
    size_t n = 0, cap = 0;
    bool ok = parse_lit(ps, "}");
    while (!ok) {
        if (n == cap) {
            cap = cap == 0 ? 16 : cap * 2;
            snow_term **bigger = realloc(kv, cap * sizeof *kv);
            if (bigger == NULL) {
                parse_fail(ps, ps->p, "out of memory");
                break;
            }
            kv = bigger;
        }
        if ((kv[n] = parse_term(ps, depth)) == NULL)
            break;
        n++;
        if (!parse_expect(ps, "=>") || (kv[n] = parse_term(ps, depth)) == NULL)
            break;
        n++;
        if (parse_lit(ps, "}"))
            ok = true;
        else if (!parse_expect(ps, ","))
            break;
    }
    if (!ok) {
        sk_release_array(n, kv);
        free(kv);
        return NULL;
    }
    /* split k,v,k,v into keys then values in place */
    size_t m = n / 2;
    snow_term **tmp = m > 0 ? malloc(n * sizeof *tmp) : NULL;
    if (m > 0 && tmp == NULL) {
        sk_release_array(n, kv);
        free(kv);
        parse_fail(ps, ps->p, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < m; i++) {
        tmp[i] = kv[2 * i];
        tmp[m + i] = kv[2 * i + 1];
    }
    snow_term *t = snow_map_from(m, tmp, m > 0 ? tmp + m : NULL);
    free(tmp);
    free(kv);
    return t;
}

static snow_term *parse_term(struct parse *ps, unsigned depth)
{
    parse_ws(ps);
    const char *at = ps->p;
    if (depth >= PARSE_MAX_DEPTH) {
        parse_fail(ps, at, "nested deeper than %d levels", PARSE_MAX_DEPTH);
        return NULL;
    }
    snow_term *t = NULL;
    char c = *ps->p;
    if (c == '-' || (c >= '0' && c <= '9')) {
        t = parse_number(ps);
    } else if (c == '"') {
        ps->p++;
        size_t len;
        char *s = parse_quoted(ps, '"', &len);
        if (s == NULL)
            return NULL;
        t = snow_string_len(s, len);
        free(s);
        if (t == NULL)
            parse_fail(ps, at, "string is not valid UTF-8");
    } else if (c == '{') {
        ps->p++;
        t = parse_coll(ps, SNOW_T_TUPLE, "}", depth + 1);
    } else if (c == '[') {
        ps->p++;
        t = parse_coll(ps, SNOW_T_LIST, "]", depth + 1);
    } else if (strncmp(ps->p, "<<", 2) == 0) {
        ps->p += 2;
        t = parse_binary(ps);
    } else if (c == '<') {
        ps->p++;
        t = parse_id(ps, false);
    } else if (strncmp(ps->p, "#{", 2) == 0) {
        ps->p += 2;
        t = parse_map(ps, depth + 1);
    } else if (strncmp(ps->p, "#set[", 5) == 0) {
        ps->p += 5;
        t = parse_coll(ps, SNOW_T_SET, "]", depth + 1);
    } else if (strncmp(ps->p, "#Ref<", 5) == 0) {
        ps->p += 5;
        t = parse_id(ps, true);
    } else if (strncmp(ps->p, "#Fun<", 5) == 0) {
        parse_fail(ps, at, "functions have no text form and cannot be parsed");
        return NULL;
    } else if (c == '#') {
        ps->p++;
        t = parse_struct(ps, depth + 1);
    } else if (c == '\'' || parse_ident_char(c)) {
        t = parse_word(ps, depth + 1);
    } else {
        parse_fail(ps, at, c == '\0' ? "unexpected end of text" : "unexpected character '%c'", c);
        return NULL;
    }
    if (t == NULL)
        parse_fail(ps, at, "invalid term");
    return t;
}

int snow_term_parse(const char *text, snow_term **out, char *err, size_t errlen)
{
    if (text == NULL || out == NULL)
        return SNOW_EINVAL;
    struct parse ps = {text, text, err, errlen, 0};
    *out = NULL;
    snow_term *t = parse_term(&ps, 0);
    if (t != NULL) {
        parse_ws(&ps);
        if (*ps.p != '\0') {
            parse_fail(&ps, ps.p, "unexpected text after the term");
            snow_term_release(t);
            return ps.rc;
        }
        *out = t;
        return 0;
    }
    return ps.rc != 0 ? ps.rc : SNOW_EBADTERM;
}
