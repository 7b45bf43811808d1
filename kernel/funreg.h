/* SPDX-License-Identifier: MIT */
/* The function registry's kernel-side calls (the public ones are in snow/spawn.h). */
#ifndef SK_FUNREG_H
#define SK_FUNREG_H

#include <stddef.h>

#include <snow/spawn.h>

/* 0 and the name's length if name is a valid function name, else
 * SNOW_EINVAL. len may be NULL. */
int sk_funreg_check_name(const char *name, size_t *len);

/* Looks up a name given as bytes (not NUL-terminated, as read from a
 * frame). 0 and *fn, or SNOW_ENOENT. Any thread. */
int sk_funreg_lookup_len(const char *name, size_t len, snow_proc_fn *fn);

#endif /* SK_FUNREG_H */
