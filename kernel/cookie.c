/* SPDX-License-Identifier: MIT */
/* The node cookie: given explicitly, or read from (or created in) ~/.snow.cookie. */
#include "cookie.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <snow/error.h>

/* Internal outcomes besides 0 and SNOW_E* codes. */
enum { COOKIE_MISSING = 1, COOKIE_RACED = 2 };

static int cookie_error(char *err, size_t errlen, int code, const char *fmt, const char *a,
                        const char *b)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, a, b);
    return code;
}

static int cookie_check_text(const char *text, size_t len, const char *where, char *err,
                             size_t errlen)
{
    if (len == 0)
        return cookie_error(err, errlen, SNOW_ECONFIG, "%s: cookie is empty%s", where, "");
    if (len > SK_COOKIE_MAX)
        return cookie_error(err, errlen, SNOW_ECONFIG, "%s: cookie is longer than 255 bytes%s",
                            where, "");
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\0' || text[i] == '\n' || text[i] == '\r')
            return cookie_error(err, errlen, SNOW_ECONFIG,
                                "%s: cookie holds a NUL or line break%s", where, "");
    return 0;
}

/* Creates the file with a fresh random cookie; O_EXCL so two nodes starting
 * at once cannot both write it. */
static int cookie_create(const char *path, char *out, char *err, size_t errlen)
{
    unsigned char raw[32];
    if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof raw) != 0)
        return cookie_error(err, errlen, SNOW_EIO, "%s: no random bytes for a new cookie%s", path, "");
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof raw; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * sizeof raw] = '\0';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
    if (fd < 0 && errno == EEXIST)
        return COOKIE_RACED;
    if (fd < 0)
        return cookie_error(err, errlen, SNOW_EIO, "%s: cannot create cookie file: %s", path,
                            strerror(errno));
    ssize_t w = write(fd, out, 2 * sizeof raw);
    int saved = errno;
    close(fd);
    if (w != (ssize_t)(2 * sizeof raw)) {
        unlink(path);
        return cookie_error(err, errlen, SNOW_EIO, "%s: cannot write cookie: %s", path,
                            strerror(w < 0 ? saved : EIO));
    }
    return 0;
}

static int cookie_read(const char *path, char *out, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT)
        return COOKIE_MISSING;
    if (fd < 0)
        return cookie_error(err, errlen, SNOW_ECONFIG, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cookie_error(err, errlen, SNOW_ECONFIG, "%s: not a regular file%s", path, "");
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        close(fd);
        return cookie_error(err, errlen, SNOW_ECONFIG,
                            "%s: readable or writable by group or others; run chmod 400 %s",
                            path, path);
    }
    char buf[SK_COOKIE_MAX + 2];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0)
        return cookie_error(err, errlen, SNOW_EIO, "%s: %s", path, strerror(errno));
    size_t len = (size_t)n;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        len--;
    int rc = cookie_check_text(buf, len, path, err, errlen);
    if (rc != 0)
        return rc;
    memcpy(out, buf, len);
    out[len] = '\0';
    return 0;
}

int sk_cookie_load(const char *given, const char *path, char *out, char *err, size_t errlen)
{
    if (out == NULL)
        return SNOW_EINVAL;
    if (given != NULL) {
        int rc = cookie_check_text(given, strlen(given), "cookie", err, errlen);
        if (rc == 0)
            strcpy(out, given);
        return rc;
    }
    char def[4096];
    if (path == NULL) {
        const char *home = getenv("HOME");
        if (home == NULL || *home == '\0')
            return cookie_error(err, errlen, SNOW_ECONFIG,
                                "no cookie given and $HOME is not set%s%s", "", "");
        if ((size_t)snprintf(def, sizeof def, "%s/.snow.cookie", home) >= sizeof def)
            return cookie_error(err, errlen, SNOW_ECONFIG, "$HOME is too long%s%s", "", "");
        path = def;
    }
    int rc = cookie_read(path, out, err, errlen);
    if (rc == COOKIE_MISSING) {
        rc = cookie_create(path, out, err, errlen);
        if (rc == COOKIE_RACED) /* another node created it first: read theirs */
            rc = cookie_read(path, out, err, errlen);
    }
    if (rc > 0) /* vanished between the attempts */
        return cookie_error(err, errlen, SNOW_ECONFIG, "%s: cookie file vanished%s", path, "");
    return rc;
}
