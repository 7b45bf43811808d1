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
