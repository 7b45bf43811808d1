/* SPDX-License-Identifier: MIT */
/* The node cookie: given explicitly, or read from (or created in) ~/.snow.cookie. */
#ifndef SK_COOKIE_H
#define SK_COOKIE_H

#include <stddef.h>

#define SK_COOKIE_MAX 255

/* Fills `out` (at least SK_COOKIE_MAX + 1 bytes) with the cookie.
 * `given` non-NULL: used as is (1..255 bytes, no NUL, no newline).
 * Otherwise the file `path` (NULL: $HOME/.snow.cookie) is read; if it does not
 * exist it is created with mode 0400 and 32 random bytes in hex, as Erlang
 * users expect of ~/.erlang.cookie. A file readable or writable by group or
 * others is refused (SNOW_ECONFIG), as is an empty one. Errors name the file
 * and the reason in err. */
int sk_cookie_load(const char *given, const char *path, char *out, char *err, size_t errlen);

#endif /* SK_COOKIE_H */
