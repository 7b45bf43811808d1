/* SPDX-License-Identifier: MIT */
/* Sorted collections: maps, sets, structs and variants. */
#include "term_impl.h"

#include <stdlib.h>
#include <string.h>

typedef int (*coll_cmp_fn)(size_t a, size_t b, const void *ctx);

/* Stable merge sort of the index array idx[0..n) (tmp has room for n).
 * Already-ordered halves are not merged, so sorted input (the common case
 * when decoding canonical STF) costs n-1 comparisons. */
static void coll_sort(size_t *idx, size_t *tmp, size_t n, coll_cmp_fn cmp, const void *ctx)
{
    if (n < 2)
        return;
    if (n <= 8) { /* insertion sort: stable, fast on tiny inputs */
        for (size_t i = 1; i < n; i++) {
            size_t v = idx[i], j = i;
            while (j > 0 && cmp(idx[j - 1], v, ctx) > 0) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = v;
        }
        return;
    }
    size_t mid = n / 2;
    coll_sort(idx, tmp, mid, cmp, ctx);
    coll_sort(idx + mid, tmp, n - mid, cmp, ctx);
    if (cmp(idx[mid - 1], idx[mid], ctx) <= 0)
        return;
    memcpy(tmp, idx, mid * sizeof *idx);
    size_t i = 0, j = mid, k = 0;
    while (i < mid && j < n)
        idx[k++] = cmp(idx[j], tmp[i], ctx) < 0 ? idx[j++] : tmp[i++];
    while (i < mid)
        idx[k++] = tmp[i++];
}

/* Sorts 0..n-1 by cmp into *out (malloc'd, or `stack` when small). */
static size_t *coll_order(size_t n, coll_cmp_fn cmp, const void *ctx, size_t *stack, size_t nstack)
{
    size_t *idx = stack;
    if (2 * n > nstack) {
        if (n > SIZE_MAX / (2 * sizeof *idx))
            return NULL;
        idx = malloc(2 * n * sizeof *idx);
        if (idx == NULL)
            return NULL;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    coll_sort(idx, idx + n, n, cmp, ctx);
    return idx;
}

/* a < b, with small ints (the commonest keys) compared right here. */
static inline bool coll_less(const snow_term *a, const snow_term *b)
{
    if (sk_is_small(a) && sk_is_small(b))
        return sk_small_val(a) < sk_small_val(b);
    return snow_term_compare(a, b) < 0;
}

/* Keys of a map (stride 2) or elements of a set (stride 1). */
struct coll_keys {
    snow_term *const *items;
    size_t stride;
};

static int coll_cmp_keys(size_t a, size_t b, const void *ctx)
{
    const struct coll_keys *k = ctx;
    return snow_term_compare(k->items[a * k->stride], k->items[b * k->stride]);
}

static int coll_cmp_atoms(size_t a, size_t b, const void *ctx)
{
    const uint32_t *names = ctx;
    return sk_atom_cmp(names[a], names[b]);
}

#define COLL_STACK 64

/* A copy of n pointers (slots) to permute from: `stack` when it fits. */
static void *coll_copy(const void *src, size_t n, size_t unit, void *stack, size_t nstack)
{
    void *p = n <= nstack ? stack : malloc(n * unit);
    if (p != NULL && n > 0)
        memcpy(p, src, n * unit);
    return p;
}

int sk_coll_canon(snow_term *t, bool owned)
{
    size_t n = t->n, stride = t->type == SNOW_T_MAP ? 2 : 1;
    snow_term **items = sk_items(t);
    /* Canonical input (what the encoder sends) is strictly ascending. */
    size_t i = 1;
    while (i < n && coll_less(items[stride * (i - 1)], items[stride * i]))
        i++;
    if (i >= n)
        return 0;
    struct coll_keys keys = {items, stride};
    size_t stack[COLL_STACK];
    snow_term *copy_stack[COLL_STACK];
    size_t *idx = coll_order(n, coll_cmp_keys, &keys, stack, COLL_STACK);
    snow_term **copy = idx == NULL ? NULL
                                   : coll_copy(items, stride * n, sizeof *items, copy_stack, COLL_STACK);
    if (copy == NULL) {
        if (idx != stack)
            free(idx);
        return SNOW_ENOMEM;
    }
    /* Stable order: within a run of equal keys the last one given wins. */
    size_t m = 0;
    for (i = 0; i < n; i++) {
        snow_term **e = copy + stride * idx[i];
        if (i + 1 < n && snow_term_compare(e[0], copy[stride * idx[i + 1]]) == 0) {
            if (owned)
                sk_release_array(stride, e);
            continue;
        }
        memcpy(items + stride * m++, e, stride * sizeof *e);
    }
    t->n = m;
    if (idx != stack)
        free(idx);
    if (copy != copy_stack)
        free(copy);
    return 0;
}

/* A map or set of n entries (stride pointers each) taken from the arrays
 * `from` (keys, then values for a map), stealing the references. */
static snow_term *coll_make(enum snow_type type, size_t n, snow_term **const *from, size_t stride)
{
    snow_term *t = NULL;
    bool bad = false;
    for (size_t s = 0; s < stride; s++)
        for (size_t i = 0; i < n; i++)
            bad = bad || from[s][i] == NULL;
    if (!bad && n <= SK_SEQ_MAX)
        t = sk_term_alloc(type, sk_seq_body(stride * n));
    if (t != NULL) {
        for (size_t i = 0; i < n; i++)
            for (size_t s = 0; s < stride; s++)
                sk_items(t)[stride * i + s] = from[s][i];
        t->n = n;
        if (sk_coll_canon(t, true) == 0)
            return t;
        sk_term_free(t);
    }
    for (size_t s = 0; s < stride; s++)
        sk_release_array(n, from[s]);
    return NULL;
}

snow_term *snow_map_from(size_t n, snow_term **keys, snow_term **values)
{
    if (n > 0 && (keys == NULL || values == NULL)) {
        if (keys != NULL)
            sk_release_array(n, keys);
        if (values != NULL)
            sk_release_array(n, values);
        return NULL;
    }
    snow_term **const from[2] = {keys, values};
    return coll_make(SNOW_T_MAP, n, from, 2);
}

snow_term *snow_set_from(size_t n, snow_term **items)
{
    if (n > 0 && items == NULL)
        return NULL;
    snow_term **const from[1] = {items};
    return coll_make(SNOW_T_SET, n, from, 1);
}

int sk_struct_canon(snow_term *t)
{
    size_t n = t->n;
    uint32_t *names = sk_struct_names(t);
    size_t i = 1;
    while (i < n && sk_atom_cmp(names[i - 1], names[i]) < 0)
        i++;
    if (i >= n)
        return 0;
    size_t stack[COLL_STACK];
    snow_term *vstack[COLL_STACK];
    uint32_t nstack[COLL_STACK];
    size_t *idx = coll_order(n, coll_cmp_atoms, names, stack, COLL_STACK);
    snow_term **values = idx == NULL ? NULL : coll_copy(sk_items(t), n, sizeof *values, vstack, COLL_STACK);
    uint32_t *nm = values == NULL ? NULL : coll_copy(names, n, sizeof *nm, nstack, COLL_STACK);
    int rc = nm == NULL ? SNOW_ENOMEM : 0;
    for (i = 0; rc == 0 && i + 1 < n; i++)
        if (nm[idx[i]] == nm[idx[i + 1]])
            rc = SNOW_EINVAL;
    for (i = 0; rc == 0 && i < n; i++) {
        sk_items(t)[i] = values[idx[i]];
        names[i] = nm[idx[i]];
    }
    if (idx != NULL && idx != stack)
        free(idx);
    if (values != NULL && values != vstack)
        free(values);
    if (nm != NULL && nm != nstack)
        free(nm);
    return rc;
}

/* Fields sorted by name, so equal structs are equal whatever order their
 * fields were given in; duplicate names are invalid. */
snow_term *sk_struct_make(uint32_t type, size_t n, const uint32_t *names, snow_term **values,
                          int *rc)
{
    *rc = SNOW_ENOMEM;
    snow_term *t = NULL;
    bool bad = false;
    for (size_t i = 0; i < n; i++)
        bad = bad || values[i] == NULL;
    if (bad)
        *rc = SNOW_EINVAL;
    if (!bad && n <= SK_SEQ_MAX)
        t = sk_term_alloc(SNOW_T_STRUCT, sk_struct_body(n));
    if (t != NULL) {
        t->n = n;
        t->name = type;
        if (n > 0) {
            memcpy(sk_items(t), values, n * sizeof *values);
            memcpy(sk_struct_names(t), names, n * sizeof *names);
        }
        if ((*rc = sk_struct_canon(t)) == 0)
            return t;
        sk_term_free(t);
    }
    sk_release_array(n, values);
    return NULL;
}

snow_term *snow_struct_from(const char *type, size_t n, const char *const *names,
                            snow_term **values)
{
    if (n > 0 && values == NULL)
        return NULL;
    uint32_t tidx, stack[COLL_STACK];
    uint32_t *nidx = n <= COLL_STACK ? stack : malloc(n * sizeof *nidx);
    bool ok = nidx != NULL && type != NULL && (n == 0 || names != NULL) &&
              sk_atom_intern(type, strlen(type), false, &tidx) == 0;
    for (size_t i = 0; ok && i < n; i++)
        ok = names[i] != NULL && sk_atom_intern(names[i], strlen(names[i]), false, &nidx[i]) == 0;
    snow_term *t = NULL;
    int rc;
    if (ok)
        t = sk_struct_make(tidx, n, nidx, values, &rc);
    else
        sk_release_array(n, values);
    if (nidx != stack)
        free(nidx);
    return t;
}

snow_term *sk_variant_make(uint32_t type, uint32_t ctor, size_t n, snow_term **fields)
{
    snow_term *t = NULL;
    bool bad = n > 0 && fields == NULL;
    for (size_t i = 0; !bad && i < n; i++)
        bad = fields[i] == NULL;
    if (!bad && n <= SK_SEQ_MAX)
        t = sk_term_alloc(SNOW_T_VARIANT, sk_seq_body(n));
    if (t == NULL) {
        if (fields != NULL)
            sk_release_array(n, fields);
        return NULL;
    }
    t->n = n;
    t->name = type;
    t->ctor = ctor;
    if (n > 0)
        memcpy(sk_items(t), fields, n * sizeof *fields);
    return t;
}

snow_term *snow_variant_from(const char *type, const char *ctor, size_t n, snow_term **fields)
{
    uint32_t tidx, cidx;
    if (type == NULL || ctor == NULL || sk_atom_intern(type, strlen(type), false, &tidx) != 0 ||
        sk_atom_intern(ctor, strlen(ctor), false, &cidx) != 0) {
        if (fields != NULL)
            sk_release_array(n, fields);
        return NULL;
    }
    return sk_variant_make(tidx, cidx, n, fields);
}

static snow_term *coll_variant1(const char *type, const char *ctor, snow_term *v)
{
    if (v == NULL)
        return NULL;
    return snow_variant_from(type, ctor, 1, &v);
}

snow_term *snow_some(snow_term *v) { return coll_variant1("Option", "Some", v); }
snow_term *snow_none(void) { return snow_variant_from("Option", "None", 0, NULL); }
snow_term *snow_ok(snow_term *v) { return coll_variant1("Result", "Ok", v); }
snow_term *snow_err(snow_term *v) { return coll_variant1("Result", "Err", v); }
