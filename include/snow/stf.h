/* SPDX-License-Identifier: MIT */
/* The Snow Term Format (STF): the wire encoding of terms between nodes. */
#ifndef SNOW_STF_H
#define SNOW_STF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snow/error.h>
#include <snow/export.h>
#include <snow/term.h>
#include <snow/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * STF turns a term into bytes and back. Byte 0 of every encoding is the
 * format version (SNOW_STF_VERSION); then one term: a tag byte and a body
 * whose lengths are explicit and big-endian. contrib/stf/SPEC.md is the
 * normative description (every tag, layout, limit, versioning rule).
 *
 * Encoding is canonical: equal terms give equal bytes (shortest int and
 * length forms, maps and sets in snow_term_compare order, struct fields
 * sorted by name). A decoder accepts every valid form, canonical or not.
 *
 * Errors: every call returns 0 or a negative SNOW_E* code and, when `err`
 * is not NULL, writes one line of detail (always NUL-terminated, truncated
 * to errlen). Decoding errors start with "offset N: ", the byte offset in
 * the input where the problem was found.
 *
 * Thread safety: all calls may run on any thread concurrently; they share
 * only the atom table.
 */
#define SNOW_STF_VERSION 1

/* Defaults for the limits in struct snow_stf_opts (0 there = default). */
#define SNOW_STF_MAX_SIZE_DEFAULT ((size_t)64 << 20) /* bytes, whole encoding */
#define SNOW_STF_MAX_DEPTH_DEFAULT 128u              /* nesting of containers */
#define SNOW_STF_MAX_DEPTH_LIMIT 1024u               /* larger values are clamped */
#define SNOW_STF_MAX_TERMS_DEFAULT ((size_t)1 << 22) /* terms in one encoding */

/*
 * Pid and ref translation. Inside a node a pid carries a node *slot* that
 * only means something on that node; on the wire it travels as
 * (node name, creation, local id). The distribution layer fills this table;
 * the codec itself has no node table.
 *
 *  - to_wire: pid/ref value -> node name (1..255 bytes, pointer must stay
 *    valid until the encode call returns), creation and local id. Return 0
 *    or a SNOW_E* code (the encode fails with it).
 *  - from_wire: (node name, creation, local id) -> pid/ref value. Return 0
 *    or a SNOW_E* code (the decode fails with it, e.g. SNOW_ENONODE).
 *
 * Without a table (opts NULL or opts->ids NULL) the codec is local-only:
 * a pid/ref is written with an empty node name, creation 0 and its whole
 * 64-bit value as the id, and an empty node name decodes back to that
 * value; a non-empty node name then fails with SNOW_ENONODE.
 */
struct snow_stf_ids {
    void *ctx;
    int (*to_wire)(void *ctx, bool is_ref, uint64_t value, const char **node,
                   size_t *node_len, uint32_t *creation, uint64_t *id);
    int (*from_wire)(void *ctx, bool is_ref, const char *node, size_t node_len,
                     uint32_t creation, uint64_t id, uint64_t *value);
};

/* Per-call (or per-node) options. Zero-initialise, set `size` to
 * sizeof(struct snow_stf_opts), set what you need; a NULL opts pointer
 * means all defaults. */
struct snow_stf_opts {
    size_t size;
    size_t max_size;    /* largest encoding written or accepted (EMSGSIZE) */
    unsigned max_depth; /* deepest container nesting (ELIMIT) */
    size_t max_terms;   /* most terms in one encoding, all levels (ELIMIT) */
    const struct snow_stf_ids *ids; /* pid/ref translation; NULL = local-only */
};

/*
 * Encodes `t` into a malloc'd buffer (*out, free() it; *len bytes).
 * Errors: SNOW_EINVAL, SNOW_ENOMEM, SNOW_EMSGSIZE (over max_size or a
 * string/binary/container larger than the format's 32-bit lengths),
 * SNOW_ELIMIT (depth or term count), SNOW_ENOTSERIALIZABLE (a function
 * term; err names its path, e.g. "message element {2}.[0]: function
 * 'worker_cb' cannot be sent to another node"), or an ids callback's code.
 * On error *out is NULL: nothing was produced.
 *
 * Paths: {N} is the N-th tuple element (1-based, as Erlang's element/2),
 * [N] a list element (0-based), #{K} the value under map key K, #key[N]
 * the N-th map key, #set[N] a set element, name a struct field, Ctor(N) a
 * variant field; segments are joined with '.'.
 */
SNOW_API int snow_stf_encode(const snow_term *t, const struct snow_stf_opts *opts,
                             void **out, size_t *len, char *err, size_t errlen);

/* As snow_stf_encode, but the encoding is a new binary term (*out, caller
 * owns one reference): Erlang's term_to_binary. It comes from the term
 * allocator's thread caches, so for small messages it is cheaper than a
 * malloc'd buffer; read it with snow_term_binary. */
SNOW_API int snow_stf_encode_binary(const snow_term *t, const struct snow_stf_opts *opts,
                                    snow_term **out, char *err, size_t errlen);

/* The exact number of bytes snow_stf_encode would produce (same errors). */
SNOW_API int snow_stf_encoded_size(const snow_term *t, const struct snow_stf_opts *opts,
                                   size_t *len, char *err, size_t errlen);

/* Encodes into buf[0..cap). SNOW_ERANGE if cap is too small, with *len set
 * to the size needed (buf's contents are then unspecified). */
SNOW_API int snow_stf_encode_into(const snow_term *t, const struct snow_stf_opts *opts,
                                  void *buf, size_t cap, size_t *len, char *err,
                                  size_t errlen);

/*
 * Decodes exactly `len` bytes (trailing bytes are an error) into *out
 * (caller owns one reference). Total: every input gives a term or an error,
 * never a crash, an over-read, an allocation larger than the input
 * justifies, or recursion deeper than max_depth. Errors: SNOW_EINVAL,
 * SNOW_EVERSION (unknown version byte; err names both versions),
 * SNOW_EBADTERM (malformed: err gives the offset and what), SNOW_EMSGSIZE
 * (len > max_size), SNOW_ELIMIT (depth, term count or atom quota),
 * SNOW_ENOMEM, SNOW_ENONODE or an ids callback's code.
 * The decoded term is one allocation: a part of it kept with snow_term_ref
 * keeps all of it alive until that reference goes too.
 */
SNOW_API int snow_stf_decode(const void *data, size_t len, const struct snow_stf_opts *opts,
                             snow_term **out, char *err, size_t errlen);

/* Atoms are interned forever (as in Erlang). The table holds at most
 * SNOW_ATOM_MAX atoms. Of those, at most `quota` may be created by decoding
 * STF from other nodes (atoms, struct/variant type, field and constructor
 * names); once the quota is used up, decoding a term that names an atom
 * not yet in the table fails with SNOW_ELIMIT and the table stays usable by
 * the program itself. Atoms already interned never count against it. */
#define SNOW_ATOM_MAX (1u << 20)
#define SNOW_STF_ATOM_QUOTA_DEFAULT 65536u

/* Sets the decode quota (process-wide; takes effect for later decodes). */
SNOW_API int snow_stf_set_atom_quota(size_t quota);
/* Current number of atoms, of atoms created by decoding, and the quota.
 * Any pointer may be NULL. */
SNOW_API int snow_atom_stats(size_t *total, size_t *decoded, size_t *quota);

#ifdef __cplusplus
}
#endif
#endif /* SNOW_STF_H */
