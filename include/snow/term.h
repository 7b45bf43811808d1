/* SPDX-License-Identifier: MIT */
/* Terms: Snow's immutable, reference-counted message values. */
#ifndef SNOW_TERM_H
#define SNOW_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snow/error.h>
#include <snow/export.h>
#include <snow/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A term is an immutable value. Every message between processes is a term.
 *
 * Ownership rules (the whole API follows them):
 *  - A function that returns a `snow_term *` gives the caller one reference.
 *    The caller drops it with snow_term_release().
 *  - Constructors that take element terms (tuple, list, map, ...) TAKE the
 *    caller's references to those elements ("steal"). If any element argument
 *    is NULL (an earlier constructor failed), or allocation fails, the
 *    constructor releases every element it was given and returns NULL. So
 *    nested builders never leak and never leave a half-built term:
 *        snow_term *m = snow_tuple(2, snow_int(seq), snow_string("hello"));
 *        if (m == NULL) ... out of memory, nothing to clean up
 *  - Accessors that return `const snow_term *` borrow: the result lives as
 *    long as the containing term; take snow_term_ref() to keep it longer.
 *  - Reference counts are atomic: a term may be shared between processes and
 *    threads. A local send moves a reference; it never copies or encodes.
 *  - nil, booleans, small integers and atoms are immediates: they live in the
 *    pointer itself, never allocate, and ref/release on them cost nothing.
 */
typedef struct snow_term snow_term;

/* Term types, in the order terms of different types compare (Erlang-like:
 * numbers < atoms (booleans are atoms) < refs < functions < pids < tuples <
 * structs < variants < maps < sets < nil < lists < strings < binaries).
 * Within a type see snow_term_compare. The numeric values are not the STF
 * tags. */
enum snow_type {
    SNOW_T_INT = 1,      /* int64 */
    SNOW_T_FLOAT,        /* double; compares with ints by value */
    SNOW_T_ATOM,         /* interned name; `true`/`false` are atoms of type BOOL */
    SNOW_T_BOOL,
    SNOW_T_REF,
    SNOW_T_FUNCTION,     /* local C function + env; never crosses a node */
    SNOW_T_PID,
    SNOW_T_TUPLE,
    SNOW_T_STRUCT,       /* type name + named fields */
    SNOW_T_VARIANT,      /* sum type: type name + constructor + fields */
    SNOW_T_MAP,          /* any term as key; deterministic (sorted) order */
    SNOW_T_SET,
    SNOW_T_NIL,          /* unit / nil */
    SNOW_T_LIST,
    SNOW_T_STRING,       /* UTF-8, length-counted, may contain NUL */
    SNOW_T_BINARY,
};

/* ---- reference counting ---- */
SNOW_API snow_term *snow_term_ref(snow_term *t);   /* returns t; NULL-safe */
SNOW_API void snow_term_release(snow_term *t);     /* NULL-safe */
/* The type of t; 0 (no enum value) for NULL. */
SNOW_API enum snow_type snow_term_type(const snow_term *t);

/* ---- scalar constructors (NULL only on out-of-memory / invalid input) ---- */
SNOW_API snow_term *snow_nil(void);
SNOW_API snow_term *snow_bool(bool v);
/* Every int64 works; values that fit 63 bits are immediates (no allocation). */
SNOW_API snow_term *snow_int(int64_t v);
/* NULL for NaN (it would break the total order); infinities are fine. */
SNOW_API snow_term *snow_float(double v);
/* Interns `name` (UTF-8, 1..255 bytes). NULL if invalid or the atom table
 * is full (SNOW_ATOM_MAX, see stf.h). "true"/"false" give the booleans. */
SNOW_API snow_term *snow_atom(const char *name);
SNOW_API snow_term *snow_atom_len(const char *name, size_t len);
/* Copies `s` (must be valid UTF-8; NULL otherwise). */
SNOW_API snow_term *snow_string(const char *s);
SNOW_API snow_term *snow_string_len(const char *s, size_t len);
SNOW_API snow_term *snow_binary(const void *data, size_t len);
SNOW_API snow_term *snow_pid_term(snow_pid pid);
SNOW_API snow_term *snow_ref_term(snow_ref ref);
/* A local function value. `name` (copied, <= 255 bytes UTF-8; NULL means
 * "fun") is used in errors (MSG-05) and formatting; `env` (stolen, may be
 * NULL = nil) travels with it. NULL if fn is NULL (env is released). */
typedef void (*snow_fn_ptr)(void);
SNOW_API snow_term *snow_function(snow_fn_ptr fn, const char *name, snow_term *env);

/* ---- compound constructors (steal their element references) ----
 * The empty tuple and list are shared static terms (no allocation). */
SNOW_API snow_term *snow_tuple(size_t n, ...);
SNOW_API snow_term *snow_tuple_from(size_t n, snow_term **items);
SNOW_API snow_term *snow_list(size_t n, ...);
SNOW_API snow_term *snow_list_from(size_t n, snow_term **items);
/* keys[i] -> values[i]. A duplicate key: the last one wins (the others
 * are released). Entries are kept sorted by snow_term_compare of the keys. */
SNOW_API snow_term *snow_map_from(size_t n, snow_term **keys, snow_term **values);
/* Sorted by snow_term_compare; duplicates are released. */
SNOW_API snow_term *snow_set_from(size_t n, snow_term **items);
/* A struct value: `type` and field names are interned as atoms (so they
 * count towards the atom table); values stolen. Fields are kept sorted by
 * name, so field order at construction does not matter for equality and
 * snow_struct_field_name(i) follows name order. Duplicate names: NULL. */
SNOW_API snow_term *snow_struct_from(const char *type, size_t n,
                                     const char *const *names, snow_term **values);
/* A sum-type value: type name, constructor name, positional fields (stolen). */
SNOW_API snow_term *snow_variant_from(const char *type, const char *ctor,
                                      size_t n, snow_term **fields);
/* Option and Result are variants of types "Option" and "Result". */
SNOW_API snow_term *snow_some(snow_term *v);
SNOW_API snow_term *snow_none(void);
SNOW_API snow_term *snow_ok(snow_term *v);
SNOW_API snow_term *snow_err(snow_term *v);

/* ---- accessors (0 or SNOW_ETYPE / SNOW_ERANGE / SNOW_EINVAL) ---- */
SNOW_API int snow_term_int(const snow_term *t, int64_t *out);
SNOW_API int snow_term_float(const snow_term *t, double *out);
SNOW_API int snow_term_bool(const snow_term *t, bool *out);
/* Also works on booleans ("true"/"false"). `len` may be NULL; the name is
 * NUL-terminated and lives forever. */
SNOW_API int snow_term_atom(const snow_term *t, const char **name, size_t *len);
/* Strings are NUL-terminated after their `len` bytes. `len` may be NULL. */
SNOW_API int snow_term_string(const snow_term *t, const char **s, size_t *len);
SNOW_API int snow_term_binary(const snow_term *t, const void **data, size_t *len);
SNOW_API int snow_term_pid(const snow_term *t, snow_pid *out);
SNOW_API int snow_term_ref_value(const snow_term *t, snow_ref *out);
SNOW_API int snow_term_function(const snow_term *t, snow_fn_ptr *fn, const char **name,
                                const snow_term **env);
/* Tuple, list, set, struct, variant: number of elements/fields; map:
 * number of entries. */
SNOW_API int snow_term_size(const snow_term *t, size_t *n);
/* i-th element of a tuple, list, set (in order), or field of a struct/variant. */
SNOW_API int snow_term_elem(const snow_term *t, size_t i, const snow_term **out);
/* Binary search; SNOW_ENOENT if the key is absent. */
SNOW_API int snow_map_get(const snow_term *map, const snow_term *key, const snow_term **out);
/* i-th entry in key order; key/value may be NULL. */
SNOW_API int snow_map_entry(const snow_term *map, size_t i, const snow_term **key,
                            const snow_term **value);
SNOW_API int snow_struct_get(const snow_term *s, const char *field, const snow_term **out);
SNOW_API int snow_struct_field_name(const snow_term *s, size_t i, const char **name);
/* Type name of a struct or variant; constructor name of a variant. */
SNOW_API int snow_term_type_name(const snow_term *t, const char **name);
SNOW_API int snow_variant_ctor(const snow_term *t, const char **ctor);

/* Convenience predicates used on hot receive paths. */
SNOW_API bool snow_term_is_atom(const snow_term *t, const char *name);
SNOW_API bool snow_term_is_tuple_tagged(const snow_term *t, size_t arity, const char *tag);

/* ---- order, equality, hash ----
 * snow_term_compare is a total order (<0, 0, >0) across all terms: types
 * in the order of enum snow_type above; ints and floats by value, and an
 * int sorts before a float of the same value (1 and 1.0 are different
 * terms, like Erlang's =:=); atoms by name bytes; pids/refs by value;
 * tuples, sets and maps by size, then elements (maps: keys, then values);
 * structs by type name, size, field names, values; variants by type name,
 * constructor, size, fields; lists, strings, binaries lexicographically
 * (a prefix first); functions by name, address, env. -0.0 equals 0.0.
 * snow_term_equal(a, b) == (snow_term_compare(a, b) == 0), faster.
 * snow_term_hash is consistent with equality and independent of the
 * process (atoms hash by name), but not a stable wire format. */
SNOW_API int snow_term_compare(const snow_term *a, const snow_term *b);
SNOW_API bool snow_term_equal(const snow_term *a, const snow_term *b);
SNOW_API uint64_t snow_term_hash(const snow_term *t);

/* ---- text form (Erlang-like) ----
 *   42  -7  1.5  2.0e-9  1.0e999 (infinity)  ok  'quoted atom'  true  nil
 *   "text\n" (\" \\ \n \r \t \xHH)  <<"abc">>  <<1,2,255>>
 *   <0.12.0> (pid: node slot . local id . 0)  #Ref<0.7>  #Fun<name>
 *   {a, b}  [a, b]  #{k => v}  #set[a, b]  #Point{x = 1, y = 2}
 *   Option::Some(5)  Option::None  (variant: type::ctor(fields))
 * Atoms, struct/field/variant names are quoted unless they are plain
 * identifiers; the atom 'nil' is always quoted (nil is the nil term).
 * snow_term_format writes at most `len` bytes including the NUL and returns
 * the length the full text needs (like snprintf), or a negative SNOW_E* code.
 * snow_term_format_alloc returns a malloc'd string (free() it) or NULL. */
SNOW_API int snow_term_format(const snow_term *t, char *buf, size_t len);
SNOW_API char *snow_term_format_alloc(const snow_term *t);
/* Parses the same text form (whitespace between tokens is free; functions
 * cannot be parsed). On error returns SNOW_EBADTERM and writes
 * "offset N: what" into err (may be NULL). */
SNOW_API int snow_term_parse(const char *text, snow_term **out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* SNOW_TERM_H */
