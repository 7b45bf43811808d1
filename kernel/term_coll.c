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

static int coll_cmp_terms(size_t a, size_t b, const void *ctx)
{
    snow_term *const *items = ctx;
    return snow_term_compare(items[a], items[b]);
}

static int coll_cmp_atoms(size_t a, size_t b, const void *ctx)
{
    const uint32_t *names = ctx;
    return sk_atom_cmp(names[a], names[b]);
}

#define COLL_STACK 64

snow_term *snow_map_from(size_t n, snow_term **keys, snow_term **values)
{
    if (n > 0 && (keys == NULL || values == NULL)) {
        if (keys != NULL)
            sk_release_array(n, keys);
        if (values != NULL)
            sk_release_array(n, values);
        return NULL;
    }
    size_t stack[COLL_STACK];
    snow_term *t = NULL;
    size_t *idx = NULL;
    bool bad = false;
    for (size_t i = 0; i < n; i++)
        bad = bad || keys[i] == NULL || values[i] == NULL;
    if (!bad && n <= (SIZE_MAX - sizeof(struct sk_seq)) / (2 * sizeof(snow_term *)))
        t = sk_term_alloc(SNOW_T_MAP, sizeof(struct sk_seq) + 2 * n * sizeof(snow_term *));
    if (t != NULL)
        idx = coll_order(n, coll_cmp_terms, keys, stack, COLL_STACK);
    if (idx == NULL) {
        sk_term_free(t);
        sk_release_array(n, keys);
        sk_release_array(n, values);
        return NULL;
    }
    /* Stable order: within a run of equal keys the last one given wins. */
    snow_term **kv = sk_items(t);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = idx[i];
        if (i + 1 < n && snow_term_compare(keys[k], keys[idx[i + 1]]) == 0) {
            snow_term_release(keys[k]);
            snow_term_release(values[k]);
            continue;
        }
        kv[2 * m] = keys[k];
        kv[2 * m + 1] = values[k];
        m++;
    }
    t->n = m;
    if (idx != stack)
        free(idx);
    return t;
}

snow_term *snow_set_from(size_t n, snow_term **items)
{
    if (n > 0 && items == NULL)
        return NULL;
    size_t stack[COLL_STACK];
    snow_term *t = NULL;
    size_t *idx = NULL;
    bool bad = false;
    for (size_t i = 0; i < n; i++)
        bad = bad || items[i] == NULL;
    if (!bad && n <= (SIZE_MAX - sizeof(struct sk_seq)) / (2 * sizeof(snow_term *)))
        t = sk_term_alloc(SNOW_T_SET, sizeof(struct sk_seq) + n * sizeof(snow_term *));
    if (t != NULL)
        idx = coll_order(n, coll_cmp_terms, items, stack, COLL_STACK);
    if (idx == NULL) {
        sk_term_free(t);
        sk_release_array(n, items);
        return NULL;
    }
    snow_term **out = sk_items(t);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        snow_term *e = items[idx[i]];
        if (m > 0 && snow_term_compare(out[m - 1], e) == 0)
            snow_term_release(e);
        else
            out[m++] = e;
    }
    t->n = m;
    if (idx != stack)
        free(idx);
    return t;
}

/* Fields sorted by name, so equal structs are equal whatever order their
 * fields were given in; duplicate names are invalid. */
snow_term *sk_struct_make(uint32_t type, size_t n, const uint32_t *names, snow_term **values,
                          int *rc)
{
    *rc = SNOW_ENOMEM;
    size_t stack[COLL_STACK];
    snow_term *t = NULL;
    size_t *idx = NULL;
    bool bad = false;
    for (size_t i = 0; i < n; i++)
        bad = bad || values[i] == NULL;
    if (bad)
        *rc = SNOW_EINVAL;
    if (!bad && n <= (SIZE_MAX - sizeof(struct sk_seq)) / (2 * sizeof(snow_term *)))
        t = sk_term_alloc(SNOW_T_STRUCT, sizeof(struct sk_seq) + n * (sizeof(snow_term *) + sizeof(uint32_t)));
    if (t != NULL)
        idx = coll_order(n, coll_cmp_atoms, names, stack, COLL_STACK);
    for (size_t i = 0; idx != NULL && i + 1 < n; i++) {
        if (names[idx[i]] == names[idx[i + 1]]) {
            *rc = SNOW_EINVAL;
            if (idx != stack)
                free(idx);
            idx = NULL;
        }
    }
    if (idx == NULL) {
        sk_term_free(t);
        sk_release_array(n, values);
        return NULL;
    }
    *rc = 0;
    t->n = n;
    t->name = type;
    for (size_t i = 0; i < n; i++) {
        sk_items(t)[i] = values[idx[i]];
        sk_struct_names(t)[i] = names[idx[i]];
    }
    if (idx != stack)
        free(idx);
    return t;
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
    size_t max = (SIZE_MAX - sizeof(struct sk_seq)) / (2 * sizeof(snow_term *));
    if (!bad && n <= max)
        t = sk_term_alloc(SNOW_T_VARIANT, sizeof(struct sk_seq) + n * sizeof(snow_term *));
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
