/* SPDX-License-Identifier: MIT */
/* Tests for terms: construction, ownership, accessors, order, hashing. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snow/stf.h>
#include <snow/term.h>

#include "snow_check.h"

START_TEST(immediates_do_not_allocate)
{
    /* Immediates are the same value every time: no allocation happened. */
    ck_assert_ptr_eq(snow_nil(), snow_nil());
    ck_assert_ptr_eq(snow_bool(true), snow_bool(true));
    ck_assert_ptr_ne(snow_bool(true), snow_bool(false));
    ck_assert_ptr_eq(snow_int(42), snow_int(42));
    ck_assert_ptr_eq(snow_int(-7), snow_int(-7));
    ck_assert_ptr_eq(snow_atom("ok"), snow_atom("ok"));
    ck_assert_ptr_eq(snow_atom("true"), snow_bool(true));
    ck_assert_int_eq(snow_term_type(snow_nil()), SNOW_T_NIL);
    ck_assert_int_eq(snow_term_type(snow_bool(false)), SNOW_T_BOOL);
    ck_assert_int_eq(snow_term_type(snow_int(1)), SNOW_T_INT);
    ck_assert_int_eq(snow_term_type(snow_atom("ok")), SNOW_T_ATOM);
    snow_term_release(snow_int(5)); /* no-ops */
    ck_assert_ptr_eq(snow_term_ref(snow_atom("x")), snow_atom("x"));
    snow_term_release(NULL);
    ck_assert_ptr_null(snow_term_ref(NULL));
}
END_TEST

START_TEST(ints_box_when_large)
{
    int64_t vals[] = {0, 1, -1, INT64_MAX, INT64_MIN, INT64_MAX / 2, INT64_MIN / 2,
                      INT64_MAX / 2 + 1, INT64_MIN / 2 - 1};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        snow_term *t = snow_int(vals[i]);
        ck_assert_ptr_nonnull(t);
        int64_t v;
        ck_assert_snow_ok(snow_term_int(t, &v));
        ck_assert_int_eq(v, vals[i]);
        ck_assert_int_eq(snow_term_type(t), SNOW_T_INT);
        snow_term *u = snow_int(vals[i]);
        ck_assert(snow_term_equal(t, u));
        ck_assert_int_eq(snow_term_compare(t, u), 0);
        ck_assert_uint_eq(snow_term_hash(t), snow_term_hash(u));
        snow_term_release(t);
        snow_term_release(u);
    }
    snow_term *big = snow_int(INT64_MAX), *small = snow_int(5);
    ck_assert_int_lt(snow_term_compare(small, big), 0);
    ck_assert_int_gt(snow_term_compare(big, small), 0);
    snow_term_release(big);
}
END_TEST

START_TEST(scalar_accessors)
{
    snow_term *f = snow_float(2.5), *s = snow_string("héllo"), *b = snow_binary("a\0b", 3);
    snow_term *p = snow_pid_term(77), *r = snow_ref_term(99);
    double d;
    const char *str;
    const void *bin;
    size_t len;
    snow_pid pid;
    snow_ref ref;
    bool bv;
    ck_assert_snow_ok(snow_term_float(f, &d));
    ck_assert(d == 2.5);
    ck_assert_snow_ok(snow_term_string(s, &str, &len));
    ck_assert_uint_eq(len, 6);
    ck_assert_str_eq(str, "héllo");
    ck_assert_snow_ok(snow_term_binary(b, &bin, &len));
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(memcmp(bin, "a\0b", 3), 0);
    ck_assert_snow_ok(snow_term_pid(p, &pid));
    ck_assert_uint_eq(pid, 77);
    ck_assert_snow_ok(snow_term_ref_value(r, &ref));
    ck_assert_uint_eq(ref, 99);
    ck_assert_snow_ok(snow_term_bool(snow_bool(true), &bv));
    ck_assert(bv);
    ck_assert_snow_ok(snow_term_atom(snow_bool(false), &str, &len));
    ck_assert_str_eq(str, "false");
    /* Wrong types are errors, never crashes. */
    int64_t iv;
    ck_assert_snow_err(snow_term_int(f, &iv), SNOW_ETYPE);
    ck_assert_snow_err(snow_term_float(snow_int(1), &d), SNOW_ETYPE);
    ck_assert_snow_err(snow_term_string(b, &str, &len), SNOW_ETYPE);
    ck_assert_snow_err(snow_term_bool(snow_atom("yes"), &bv), SNOW_ETYPE);
    ck_assert_snow_err(snow_term_pid(r, &pid), SNOW_ETYPE);
    ck_assert_snow_err(snow_term_int(NULL, &iv), SNOW_EINVAL);
    ck_assert_snow_err(snow_term_size(s, &len), SNOW_ETYPE);
    /* Invalid input gives NULL. */
    ck_assert_ptr_null(snow_float(NAN));
    ck_assert_ptr_null(snow_string("\xff\xfe"));
    ck_assert_ptr_null(snow_string_len("\xc0\x80", 2)); /* overlong NUL */
    ck_assert_ptr_null(snow_string_len("\xed\xa0\x80", 3)); /* surrogate */
    snow_term *nul = snow_string_len("a\0b", 3);
    ck_assert_ptr_nonnull(nul);
    ck_assert_ptr_null(snow_atom(""));
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    ck_assert_ptr_null(snow_atom(longname));
    ck_assert_ptr_nonnull(snow_atom_len(longname, 255));
    snow_term *items[] = {f, s, b, p, r, nul};
    for (size_t i = 0; i < 6; i++)
        snow_term_release(items[i]);
}
END_TEST

START_TEST(tuples_and_lists)
{
    snow_term *t = snow_tuple(3, snow_atom("ok"), snow_string("x"), snow_int(3));
    ck_assert_ptr_nonnull(t);
    size_t n;
    const snow_term *e;
    ck_assert_snow_ok(snow_term_size(t, &n));
    ck_assert_uint_eq(n, 3);
    ck_assert_snow_ok(snow_term_elem(t, 0, &e));
    ck_assert(snow_term_is_atom(e, "ok"));
    ck_assert_snow_err(snow_term_elem(t, 3, &e), SNOW_ERANGE);
    ck_assert(snow_term_is_tuple_tagged(t, 3, "ok"));
    ck_assert(!snow_term_is_tuple_tagged(t, 2, "ok"));
    ck_assert(!snow_term_is_tuple_tagged(t, 3, "error"));
    ck_assert(!snow_term_is_tuple_tagged(snow_atom("ok"), 1, "ok"));
    ck_assert(!snow_term_is_atom(snow_atom("okay"), "ok"));
    ck_assert(!snow_term_is_atom(snow_atom("ok"), "okay"));
    snow_term *arr[] = {snow_int(1), snow_int(2)};
    snow_term *l = snow_list_from(2, arr);
    ck_assert_int_eq(snow_term_type(l), SNOW_T_LIST);
    snow_term *empty = snow_tuple(0);
    ck_assert_snow_ok(snow_term_size(empty, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(snow_term_type(snow_list(0)), SNOW_T_LIST);
    snow_term_release(empty);
    snow_term_release(t);
    snow_term_release(l);
}
END_TEST

START_TEST(null_element_releases_everything)
{
    /* A failed inner constructor (NULL) makes the outer one fail and
     * release the other elements; ASan/LSan proves nothing leaks. */
    snow_term *t = snow_tuple(3, snow_string("leak?"), NULL, snow_float(1.0));
    ck_assert_ptr_null(t);
    snow_term *items[] = {snow_string("a"), NULL};
    ck_assert_ptr_null(snow_list_from(2, items));
    snow_term *k[] = {snow_string("k"), snow_int(1)};
    snow_term *v[] = {snow_string("v"), NULL};
    ck_assert_ptr_null(snow_map_from(2, k, v));
    snow_term *s[] = {snow_string("s"), NULL};
    ck_assert_ptr_null(snow_set_from(2, s));
    ck_assert_ptr_null(snow_some(NULL));
    ck_assert_ptr_null(snow_function(NULL, "f", snow_string("env")));
    const char *names[] = {"a", "a"};
    snow_term *vals[] = {snow_string("dup"), snow_string("dup2")};
    ck_assert_ptr_null(snow_struct_from("S", 2, names, vals));
}
END_TEST

START_TEST(refcount_and_sharing)
{
    snow_term *inner = snow_string("shared");
    snow_term *a = snow_tuple(1, snow_term_ref(inner));
    snow_term *b = snow_list(1, snow_term_ref(inner));
    snow_term_release(inner);
    snow_term_release(a);
    const snow_term *e;
    ck_assert_snow_ok(snow_term_elem(b, 0, &e));
    const char *s;
    ck_assert_snow_ok(snow_term_string(e, &s, NULL));
    ck_assert_str_eq(s, "shared");
    snow_term_release(b);
}
END_TEST

START_TEST(deep_term_release_is_iterative)
{
    snow_term *t = snow_nil();
    for (int i = 0; i < 200000 && t != NULL; i++)
        t = snow_tuple(2, t, snow_int(i));
    ck_assert_ptr_nonnull(t);
    snow_term_release(t); /* would overflow the stack if recursive */
}
END_TEST

static void *refcount_thread(void *arg)
{
    snow_term *t = arg;
    for (int i = 0; i < 100000; i++)
        snow_term_release(snow_term_ref(t));
    snow_term_release(t);
    return NULL;
}

START_TEST(refcount_is_atomic)
{
    snow_term *t = snow_string("threads");
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, refcount_thread, snow_term_ref(t));
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    size_t len;
    const char *s;
    ck_assert_snow_ok(snow_term_string(t, &s, &len));
    ck_assert_str_eq(s, "threads");
    snow_term_release(t);
}
END_TEST

static void *atom_thread(void *arg)
{
    uintptr_t id = (uintptr_t)arg;
    for (int i = 0; i < 2000; i++) {
        char name[32];
        snprintf(name, sizeof name, "shared_%d", i);
        snow_term *a = snow_atom(name);
        snprintf(name, sizeof name, "own_%u_%d", (unsigned)id, i);
        snow_term *b = snow_atom(name);
        if (a == NULL || b == NULL || !snow_term_is_atom(b, name))
            return (void *)1;
        /* terms made here are freed on the main thread (cross-thread) */
    }
    snow_term *l = snow_list(2, snow_string("from"), snow_int((int64_t)id));
    return l;
}

START_TEST(atoms_concurrent)
{
    pthread_t th[4];
    for (uintptr_t i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, atom_thread, (void *)i);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(th[i], &r);
        ck_assert_ptr_ne(r, (void *)1);
        snow_term_release(r);
    }
    /* every thread got the same atom for the same name */
    ck_assert_ptr_eq(snow_atom("shared_7"), snow_atom("shared_7"));
    const char *name;
    ck_assert_snow_ok(snow_term_atom(snow_atom("own_3_1999"), &name, NULL));
    ck_assert_str_eq(name, "own_3_1999");
}
END_TEST

START_TEST(maps_sorted_last_wins)
{
    snow_term *k[] = {snow_atom("b"), snow_int(1), snow_atom("a"), snow_int(1)};
    snow_term *v[] = {snow_int(10), snow_string("first"), snow_int(20), snow_string("second")};
    snow_term *m = snow_map_from(4, k, v);
    ck_assert_ptr_nonnull(m);
    size_t n;
    ck_assert_snow_ok(snow_term_size(m, &n));
    ck_assert_uint_eq(n, 3);
    const snow_term *key, *val;
    ck_assert_snow_ok(snow_map_entry(m, 0, &key, &val)); /* numbers < atoms */
    ck_assert_ptr_eq(key, snow_int(1));
    const char *s;
    ck_assert_snow_ok(snow_term_string(val, &s, NULL));
    ck_assert_str_eq(s, "second");
    ck_assert_snow_ok(snow_map_entry(m, 1, &key, &val));
    ck_assert(snow_term_is_atom(key, "a"));
    ck_assert_snow_ok(snow_map_get(m, snow_atom("b"), &val));
    ck_assert_ptr_eq(val, snow_int(10));
    ck_assert_snow_err(snow_map_get(m, snow_atom("c"), &val), SNOW_ENOENT);
    ck_assert_snow_err(snow_map_entry(m, 3, &key, &val), SNOW_ERANGE);
    /* A large map with string keys in reverse order. */
    enum { N = 1000 };
    snow_term *kk[N], *vv[N];
    for (int i = 0; i < N; i++) {
        char buf[16];
        snprintf(buf, sizeof buf, "k%04d", N - 1 - i);
        kk[i] = snow_string(buf);
        vv[i] = snow_int(N - 1 - i);
    }
    snow_term *big = snow_map_from(N, kk, vv);
    for (int i = 0; i < N; i++) {
        ck_assert_snow_ok(snow_map_entry(big, (size_t)i, NULL, &val));
        ck_assert_ptr_eq(val, snow_int(i));
    }
    snow_term_release(big);
    snow_term_release(m);
}
END_TEST

START_TEST(sets_sorted_unique)
{
    snow_term *items[] = {snow_int(3), snow_string("x"), snow_int(1), snow_int(3),
                          snow_string("x")};
    snow_term *s = snow_set_from(5, items);
    size_t n;
    ck_assert_snow_ok(snow_term_size(s, &n));
    ck_assert_uint_eq(n, 3);
    const snow_term *e;
    ck_assert_snow_ok(snow_term_elem(s, 0, &e));
    ck_assert_ptr_eq(e, snow_int(1));
    ck_assert_snow_ok(snow_term_elem(s, 1, &e));
    ck_assert_ptr_eq(e, snow_int(3));
    snow_term_release(s);
}
END_TEST

START_TEST(structs_by_name)
{
    const char *n1[] = {"y", "x"};
    snow_term *v1[] = {snow_int(2), snow_int(1)};
    snow_term *a = snow_struct_from("Point", 2, n1, v1);
    const char *n2[] = {"x", "y"};
    snow_term *v2[] = {snow_int(1), snow_int(2)};
    snow_term *b = snow_struct_from("Point", 2, n2, v2);
    ck_assert(snow_term_equal(a, b));
    ck_assert_uint_eq(snow_term_hash(a), snow_term_hash(b));
    const snow_term *v;
    ck_assert_snow_ok(snow_struct_get(a, "y", &v));
    ck_assert_ptr_eq(v, snow_int(2));
    ck_assert_snow_err(snow_struct_get(a, "z", &v), SNOW_ENOENT);
    ck_assert_snow_err(snow_struct_get(a, "never-interned-field-name", &v), SNOW_ENOENT);
    const char *name;
    ck_assert_snow_ok(snow_struct_field_name(a, 0, &name));
    ck_assert_str_eq(name, "x");
    ck_assert_snow_ok(snow_term_type_name(a, &name));
    ck_assert_str_eq(name, "Point");
    ck_assert_snow_err(snow_variant_ctor(a, &name), SNOW_ETYPE);
    snow_term_release(a);
    snow_term_release(b);
}
END_TEST

START_TEST(variants_option_result)
{
    snow_term *s = snow_some(snow_int(5)), *n = snow_none();
    snow_term *o = snow_ok(snow_string("fine")), *e = snow_err(snow_atom("bad"));
    const char *name;
    ck_assert_snow_ok(snow_term_type_name(s, &name));
    ck_assert_str_eq(name, "Option");
    ck_assert_snow_ok(snow_variant_ctor(s, &name));
    ck_assert_str_eq(name, "Some");
    ck_assert_snow_ok(snow_variant_ctor(n, &name));
    ck_assert_str_eq(name, "None");
    ck_assert_snow_ok(snow_term_type_name(e, &name));
    ck_assert_str_eq(name, "Result");
    ck_assert_snow_ok(snow_variant_ctor(o, &name));
    ck_assert_str_eq(name, "Ok");
    size_t sz;
    ck_assert_snow_ok(snow_term_size(n, &sz));
    ck_assert_uint_eq(sz, 0);
    const snow_term *f;
    ck_assert_snow_ok(snow_term_elem(s, 0, &f));
    ck_assert_ptr_eq(f, snow_int(5));
    ck_assert(!snow_term_equal(o, e));
    snow_term_release(s);
    snow_term_release(n);
    snow_term_release(o);
    snow_term_release(e);
}
END_TEST

static void dummy_fn(void) {}

START_TEST(functions)
{
    snow_term *f = snow_function(dummy_fn, "worker_cb", snow_int(3));
    snow_fn_ptr fn;
    const char *name;
    const snow_term *env;
    ck_assert_snow_ok(snow_term_function(f, &fn, &name, &env));
    ck_assert(fn == dummy_fn);
    ck_assert_str_eq(name, "worker_cb");
    ck_assert_ptr_eq(env, snow_int(3));
    snow_term *g = snow_function(dummy_fn, "worker_cb", snow_int(3));
    ck_assert(snow_term_equal(f, g));
    snow_term_release(f);
    snow_term_release(g);
}
END_TEST

START_TEST(order_across_types)
{
    /* One term of each type, in ascending documented order. */
    const char *n[] = {"a"};
    snow_term *sv[] = {snow_int(1)};
    snow_term *mk[] = {snow_int(1)}, *mv[] = {snow_int(2)};
    snow_term *si[] = {snow_int(1)};
    snow_term *ordered[] = {
        snow_int(-5),
        snow_float(-1.5),
        snow_int(1),
        snow_float(1.0),
        snow_float(1.5),
        snow_int(INT64_MAX),
        snow_atom("abc"),
        snow_atom("abd"),
        snow_bool(false),
        snow_ref_term(1),
        snow_function(dummy_fn, "f", NULL),
        snow_pid_term(1),
        snow_pid_term(2),
        snow_tuple(1, snow_int(9)),
        snow_tuple(2, snow_int(1), snow_int(1)),
        snow_struct_from("S", 1, n, sv),
        snow_some(snow_int(1)),
        snow_map_from(1, mk, mv),
        snow_set_from(1, si),
        snow_nil(),
        snow_list(0),
        snow_list(1, snow_int(1)),
        snow_list(2, snow_int(1), snow_int(0)),
        snow_list(1, snow_int(2)),
        snow_string(""),
        snow_string("a"),
        snow_string("ab"),
        snow_binary("", 0),
        snow_binary("\x01", 1),
    };
    size_t count = sizeof ordered / sizeof ordered[0];
    for (size_t i = 0; i < count; i++) {
        ck_assert_ptr_nonnull(ordered[i]);
        ck_assert_int_eq(snow_term_compare(ordered[i], ordered[i]), 0);
        for (size_t j = i + 1; j < count; j++) {
            ck_assert_msg(snow_term_compare(ordered[i], ordered[j]) < 0, "%zu < %zu", i, j);
            ck_assert_msg(snow_term_compare(ordered[j], ordered[i]) > 0, "%zu > %zu", j, i);
            ck_assert(!snow_term_equal(ordered[i], ordered[j]));
        }
    }
    for (size_t i = 0; i < count; i++)
        snow_term_release(ordered[i]);
}
END_TEST

START_TEST(equal_and_hash_structural)
{
    snow_term *a = snow_tuple(3, snow_string("x"), snow_list(2, snow_int(1), snow_float(2.0)),
                              snow_binary("zz", 2));
    snow_term *b = snow_tuple(3, snow_string("x"), snow_list(2, snow_int(1), snow_float(2.0)),
                              snow_binary("zz", 2));
    snow_term *c = snow_tuple(3, snow_string("x"), snow_list(2, snow_int(1), snow_float(2.5)),
                              snow_binary("zz", 2));
    ck_assert(snow_term_equal(a, b));
    ck_assert_uint_eq(snow_term_hash(a), snow_term_hash(b));
    ck_assert(!snow_term_equal(a, c));
    ck_assert_uint_ne(snow_term_hash(a), snow_term_hash(c));
    snow_term *z = snow_float(0.0), *nz = snow_float(-0.0);
    ck_assert(snow_term_equal(z, nz));
    ck_assert_uint_eq(snow_term_hash(z), snow_term_hash(nz));
    snow_term *one = snow_float(1.0);
    ck_assert(!snow_term_equal(one, snow_int(1)));
    snow_term *str = snow_string("ab"), *bin = snow_binary("ab", 2);
    ck_assert(!snow_term_equal(str, bin));
    snow_term *xs[] = {a, b, c, z, nz, one, str, bin};
    for (size_t i = 0; i < 8; i++)
        snow_term_release(xs[i]);
}
END_TEST
/* ---- decoded terms: one block per message ---- */

static snow_term *decode_copy(const snow_term *t)
{
    void *buf;
    size_t len;
    snow_term *back = NULL;
    ck_assert_snow_ok(snow_stf_encode(t, NULL, &buf, &len, NULL, 0));
    ck_assert_snow_ok(snow_stf_decode(buf, len, NULL, &back, NULL, 0));
    free(buf);
    return back;
}

/* Parts of a decoded message, kept with snow_term_ref, stay valid after
 * the message is released, inside other terms too, for both the flat fast
 * path and the general decoder (ASan sees any early free). */
START_TEST(decoded_parts_outlive_message)
{
    snow_term *keys[2] = {snow_int(2), snow_int(1)};
    snow_term *vals[2] = {snow_string("two"), snow_binary("\1\2", 2)};
    snow_term *msgs[2] = {
        snow_tuple(3, snow_int(7), snow_string("flat"), snow_binary("abc", 3)),
        snow_tuple(3, snow_list(2, snow_string("deep"), snow_float(2.5)),
                   snow_map_from(2, keys, vals), snow_int(INT64_MAX)),
    };
    for (int m = 0; m < 2; m++) {
        snow_term *back = decode_copy(msgs[m]);
        ck_assert(snow_term_equal(back, msgs[m]));
        const snow_term *e0, *e1;
        ck_assert_snow_ok(snow_term_elem(back, 0, &e0));
        ck_assert_snow_ok(snow_term_elem(back, 1, &e1));
        snow_term *kept = snow_tuple(2, snow_term_ref((snow_term *)e1),
                                     snow_term_ref((snow_term *)e0));
        snow_term *kept_elem = snow_term_ref((snow_term *)e1);
        snow_term_release(back); /* the block lives on: kept holds parts */
        const snow_term *o0, *o1;
        ck_assert_snow_ok(snow_term_elem(msgs[m], 0, &o0));
        ck_assert_snow_ok(snow_term_elem(msgs[m], 1, &o1));
        const snow_term *k0;
        ck_assert_snow_ok(snow_term_elem(kept, 0, &k0));
        ck_assert(snow_term_equal(k0, o1));
        snow_term_release(kept);
        ck_assert(snow_term_equal(kept_elem, o1)); /* the last reference */
        snow_term_release(kept_elem);
        snow_term_release(msgs[m]);
    }
}
END_TEST

static void *release_thread(void *arg)
{
    snow_term_release(arg);
    return NULL;
}

/* A decoded message released on another thread while this one keeps a
 * part (TSan: the block's count is shared by all its terms). */
START_TEST(decoded_block_across_threads)
{
    snow_term *msg = snow_tuple(2, snow_string("here"), snow_list(1, snow_string("there")));
    for (int i = 0; i < 200; i++) {
        snow_term *back = decode_copy(msg);
        const snow_term *part;
        ck_assert_snow_ok(snow_term_elem(back, 1, &part));
        snow_term *kept = snow_term_ref((snow_term *)part);
        pthread_t th;
        pthread_create(&th, NULL, release_thread, back);
        const snow_term *s;
        ck_assert_snow_ok(snow_term_elem(kept, 0, &s));
        const char *text;
        ck_assert_snow_ok(snow_term_string(s, &text, NULL));
        ck_assert_str_eq(text, "there");
        pthread_join(th, NULL);
        snow_term_release(kept);
    }
    snow_term_release(msg);
}
END_TEST

/* Big binaries decoded on one thread and released on another (the
 * distribution path), with blocks of many sizes reused from the term
 * allocator's bulk cache: every one keeps its own size and bytes. */
START_TEST(bulk_blocks_across_threads)
{
    static unsigned char src[300000];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (unsigned char)(i * 13 + i / 251);
    for (int i = 0; i < 120; i++) {
        size_t len = 16000 + ((size_t)i * 7919) % 280000;
        snow_term *msg = snow_binary(src + i, len);
        snow_term *back = decode_copy(msg);
        snow_term *other = snow_binary(src, len / 2 + 1); /* may reuse a block */
        const void *data;
        size_t n;
        ck_assert_snow_ok(snow_term_binary(back, &data, &n));
        ck_assert_uint_eq(n, len);
        ck_assert_int_eq(memcmp(data, src + i, len), 0);
        ck_assert_snow_ok(snow_term_binary(other, &data, &n));
        ck_assert_uint_eq(n, len / 2 + 1);
        ck_assert_int_eq(memcmp(data, src, n), 0);
        pthread_t th;
        pthread_create(&th, NULL, release_thread, back);
        pthread_join(th, NULL);
        snow_term_release(other);
        snow_term_release(msg);
    }
}
END_TEST

Suite *snow_test_suite(void)
{
    Suite *s = suite_create("term");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"immediates", immediates_do_not_allocate},
        {"ints", ints_box_when_large},
        {"scalars", scalar_accessors},
        {"tuples_lists", tuples_and_lists},
        {"ownership", null_element_releases_everything},
        {"refcount", refcount_and_sharing},
        {"deep_release", deep_term_release_is_iterative},
        {"refcount_threads", refcount_is_atomic},
        {"atoms_threads", atoms_concurrent},
        {"maps", maps_sorted_last_wins},
        {"sets", sets_sorted_unique},
        {"structs", structs_by_name},
        {"variants", variants_option_result},
        {"functions", functions},
        {"order", order_across_types},
        {"equal_hash", equal_and_hash_structural},
        {"decoded_parts", decoded_parts_outlive_message},
        {"decoded_threads", decoded_block_across_threads},
        {"bulk_threads", bulk_blocks_across_threads},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, SNOW_TEST_TIMEOUT);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
