/* SPDX-License-Identifier: MIT */
/* Typed accessors and predicates on terms. */
#include "term_impl.h"

#include <string.h>

static bool access_is(const snow_term *t, enum snow_type type)
{
    return t != NULL && !sk_is_imm(t) && t->type == type;
}

int snow_term_int(const snow_term *t, int64_t *out)
{
    if (t == NULL || out == NULL)
        return SNOW_EINVAL;
    if (sk_is_small(t))
        *out = sk_small_val(t);
    else if (access_is(t, SNOW_T_INT))
        *out = ((const struct sk_int *)t)->v;
    else
        return SNOW_ETYPE;
    return 0;
}

int snow_term_float(const snow_term *t, double *out)
{
    if (t == NULL || out == NULL)
        return SNOW_EINVAL;
    if (!access_is(t, SNOW_T_FLOAT))
        return SNOW_ETYPE;
    *out = ((const struct sk_float *)t)->v;
    return 0;
}

int snow_term_bool(const snow_term *t, bool *out)
{
    if (t == NULL || out == NULL)
        return SNOW_EINVAL;
    if (!sk_is_atomimm(t) || sk_atom_index(t) > SK_ATOM_TRUE)
        return SNOW_ETYPE;
    *out = sk_atom_index(t) == SK_ATOM_TRUE;
    return 0;
}

/* Booleans are atoms too: this gives "true"/"false" for them. */
int snow_term_atom(const snow_term *t, const char **name, size_t *len)
{
    if (t == NULL || name == NULL)
        return SNOW_EINVAL;
    if (!sk_is_atomimm(t))
        return SNOW_ETYPE;
    *name = sk_atom_name(sk_atom_index(t), len);
    return 0;
}

static int access_bytes(const snow_term *t, enum snow_type type, const char **data, size_t *len)
{
    if (t == NULL || data == NULL)
        return SNOW_EINVAL;
    if (!access_is(t, type))
        return SNOW_ETYPE;
    *data = ((const struct sk_bytes *)t)->data;
    if (len != NULL)
        *len = t->n;
    return 0;
}

int snow_term_string(const snow_term *t, const char **s, size_t *len)
{
    return access_bytes(t, SNOW_T_STRING, s, len);
}

int snow_term_binary(const snow_term *t, const void **data, size_t *len)
{
    const char *p = NULL;
    int rc = access_bytes(t, SNOW_T_BINARY, data != NULL ? &p : NULL, len);
    if (rc == 0)
        *data = p;
    return rc;
}

static int access_id(const snow_term *t, enum snow_type type, uint64_t *out)
{
    if (t == NULL || out == NULL)
        return SNOW_EINVAL;
    if (!access_is(t, type))
        return SNOW_ETYPE;
    *out = ((const struct sk_id *)t)->v;
    return 0;
}

int snow_term_pid(const snow_term *t, snow_pid *out) { return access_id(t, SNOW_T_PID, out); }
int snow_term_ref_value(const snow_term *t, snow_ref *out) { return access_id(t, SNOW_T_REF, out); }

int snow_term_function(const snow_term *t, snow_fn_ptr *fn, const char **name,
                       const snow_term **env)
{
    if (t == NULL)
        return SNOW_EINVAL;
    if (!access_is(t, SNOW_T_FUNCTION))
        return SNOW_ETYPE;
    const struct sk_fn *f = (const void *)t;
    if (fn != NULL)
        *fn = f->fn;
    if (name != NULL)
        *name = f->name;
    if (env != NULL)
        *env = f->env;
    return 0;
}

static bool access_has_items(const snow_term *t)
{
    return t != NULL && !sk_is_imm(t) && sk_type_has_items(t->type);
}

/* Maps answer with their entry count too. */
int snow_term_size(const snow_term *t, size_t *n)
{
    if (t == NULL || n == NULL)
        return SNOW_EINVAL;
    if (!access_has_items(t) && !access_is(t, SNOW_T_MAP))
        return SNOW_ETYPE;
    *n = t->n;
    return 0;
}

int snow_term_elem(const snow_term *t, size_t i, const snow_term **out)
{
    if (t == NULL || out == NULL)
        return SNOW_EINVAL;
    if (!access_has_items(t))
        return SNOW_ETYPE;
    if (i >= t->n)
        return SNOW_ERANGE;
    *out = sk_items(t)[i];
    return 0;
}

int snow_map_get(const snow_term *map, const snow_term *key, const snow_term **out)
{
    if (map == NULL || key == NULL || out == NULL)
        return SNOW_EINVAL;
    if (!access_is(map, SNOW_T_MAP))
        return SNOW_ETYPE;
    snow_term *const *kv = sk_items(map);
    size_t lo = 0, hi = map->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = snow_term_compare(kv[2 * mid], key);
        if (c == 0) {
            *out = kv[2 * mid + 1];
            return 0;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SNOW_ENOENT;
}

int snow_map_entry(const snow_term *map, size_t i, const snow_term **key, const snow_term **value)
{
    if (map == NULL)
        return SNOW_EINVAL;
    if (!access_is(map, SNOW_T_MAP))
        return SNOW_ETYPE;
    if (i >= map->n)
        return SNOW_ERANGE;
    if (key != NULL)
        *key = sk_items(map)[2 * i];
    if (value != NULL)
        *value = sk_items(map)[2 * i + 1];
    return 0;
}

int snow_struct_get(const snow_term *s, const char *field, const snow_term **out)
{
    if (s == NULL || field == NULL || out == NULL)
        return SNOW_EINVAL;
    if (!access_is(s, SNOW_T_STRUCT))
        return SNOW_ETYPE;
    uint32_t want;
    if (!sk_atom_lookup(field, strlen(field), &want))
        return SNOW_ENOENT; /* never interned: no struct has that field */
    const uint32_t *names = sk_struct_names(s);
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = sk_atom_cmp(names[mid], want);
        if (c == 0) {
            *out = sk_items(s)[mid];
            return 0;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SNOW_ENOENT;
}

int snow_struct_field_name(const snow_term *s, size_t i, const char **name)
{
    if (s == NULL || name == NULL)
        return SNOW_EINVAL;
    if (!access_is(s, SNOW_T_STRUCT))
        return SNOW_ETYPE;
    if (i >= s->n)
        return SNOW_ERANGE;
    *name = sk_atom_name(sk_struct_names(s)[i], NULL);
    return 0;
}

int snow_term_type_name(const snow_term *t, const char **name)
{
    if (t == NULL || name == NULL)
        return SNOW_EINVAL;
    if (!access_is(t, SNOW_T_STRUCT) && !access_is(t, SNOW_T_VARIANT))
        return SNOW_ETYPE;
    *name = sk_atom_name(t->name, NULL);
    return 0;
}

int snow_variant_ctor(const snow_term *t, const char **ctor)
{
    if (t == NULL || ctor == NULL)
        return SNOW_EINVAL;
    if (!access_is(t, SNOW_T_VARIANT))
        return SNOW_ETYPE;
    *ctor = sk_atom_name(t->ctor, NULL);
    return 0;
}

bool snow_term_is_atom(const snow_term *t, const char *name)
{
    if (t == NULL || name == NULL || !sk_is_atomimm(t))
        return false;
    size_t len;
    const char *s = sk_atom_name(sk_atom_index(t), &len);
    return strncmp(s, name, len + 1) == 0;
}

bool snow_term_is_tuple_tagged(const snow_term *t, size_t arity, const char *tag)
{
    return access_is(t, SNOW_T_TUPLE) && t->n == arity && arity > 0 &&
           snow_term_is_atom(sk_items(t)[0], tag);
}
