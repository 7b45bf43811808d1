/* SPDX-License-Identifier: MIT */
/* Snow status codes: the one list every public call's return value comes from. */
#ifndef SNOW_ERROR_H
#define SNOW_ERROR_H

#include <snow/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every public call returns 0 on success or one of these negative codes.
 * Codes are categories; the detail (file:line, peer, path inside a term)
 * travels as text next to the code, never in errno.
 *
 * The list is written once, as an X-macro: X(name, value, text). The enum and
 * the snow_strerror() table are both generated from it. Values never change
 * once released; new codes are appended.
 */
#define SNOW_ERROR_LIST(X)                                                    \
    X(SNOW_EINVAL,          -1,  "invalid argument")                          \
    X(SNOW_ENOMEM,          -2,  "out of memory")                             \
    X(SNOW_ETIMEDOUT,       -3,  "timed out")                                 \
    X(SNOW_ECLOSED,         -4,  "closed")                                    \
    X(SNOW_ECONNREFUSED,    -5,  "connection refused")                        \
    X(SNOW_EPROTO,          -6,  "protocol error")                            \
    X(SNOW_EMSGSIZE,        -7,  "message too large")                         \
    X(SNOW_ENOTSUP,         -8,  "not supported")                             \
    X(SNOW_EABI,            -9,  "plugin ABI mismatch")                       \
    X(SNOW_EAUTH,           -10, "authentication failed")                     \
    X(SNOW_EBADTERM,        -11, "malformed term")                            \
    X(SNOW_ENOPROC,         -12, "no such process")                           \
    X(SNOW_ENOCONN,         -13, "node not connected")                        \
    X(SNOW_ENONODE,         -14, "no such node")                              \
    X(SNOW_ECONFIG,         -15, "bad configuration")                         \
    X(SNOW_EPLUGIN,         -16, "plugin failure")                            \
    X(SNOW_EVERSION,        -17, "unsupported version")                       \
    X(SNOW_ENOTSERIALIZABLE,-18, "term cannot be serialized")                 \
    X(SNOW_ETYPE,           -19, "wrong term type")                           \
    X(SNOW_ERANGE,          -20, "out of range")                              \
    X(SNOW_EEXIST,          -21, "already exists")                            \
    X(SNOW_ENOENT,          -22, "not found")                                 \
    X(SNOW_ESTATE,          -23, "wrong state for this call")                 \
    X(SNOW_ENOTPROC,        -24, "caller is not a Snow process")              \
    X(SNOW_ELIMIT,          -25, "limit reached")                             \
    X(SNOW_ENOFUNC,         -26, "no such function")                          \
    X(SNOW_EIO,             -27, "input/output error")

enum snow_error {
    SNOW_OK = 0,
#define SNOW_ERROR_ENUM_(name, value, text) name = value,
    SNOW_ERROR_LIST(SNOW_ERROR_ENUM_)
#undef SNOW_ERROR_ENUM_
};

/* A fixed, human-readable text for a code. Never NULL; unknown codes map to
 * one fixed string. Thread-safe (no buffers). */
SNOW_API const char *snow_strerror(int code);

/* The code's symbolic name ("SNOW_EINVAL", "SNOW_OK"), for logs and tests.
 * Never NULL. */
SNOW_API const char *snow_strerror_name(int code);

#ifdef __cplusplus
}
#endif
#endif /* SNOW_ERROR_H */
