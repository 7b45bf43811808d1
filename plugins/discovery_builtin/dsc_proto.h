/* SPDX-License-Identifier: MIT */
/* Registry wire protocol: line parsing/formatting, node and address syntax. */
#ifndef DSC_PROTO_H
#define DSC_PROTO_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The registry speaks ASCII lines ending in '\n' (one optional '\r' before
 * it is tolerated, for people typing at it). Fields are separated by one
 * space. Every connection starts with HELLO; see README.md for the full
 * grammar. Everything is bounded: a line is at most DSC_LINE_MAX bytes
 * including the '\n', a name at most DSC_NAME_MAX bytes.
 */
#define DSC_PROTO_VERSION 1
#define DSC_LINE_MAX 128
#define DSC_NAME_MAX 64
#define DSC_HOST_MAX 64          /* an IPv6 literal fits */
#define DSC_ADDR_MAX (DSC_HOST_MAX + 8) /* "[host]:65535" */
#define DSC_REASON_MAX 16

enum dsc_verb {
    DSC_HELLO = 1, /* both ways: HELLO <version> */
    DSC_REG,       /* client: REG <name> <port> */
    DSC_GET,       /* client: GET <name> */
    DSC_OK,        /* server: OK <name> (registered) */
    DSC_PORT,      /* server: PORT <name> <port> */
    DSC_UNKNOWN,   /* server: UNKNOWN <name> */
    DSC_ERR,       /* server: ERR <reason-word> */
};

struct dsc_msg {
    enum dsc_verb verb;
    unsigned version;                 /* HELLO */
    unsigned port;                    /* REG, PORT: 1..65535 */
    char name[DSC_NAME_MAX + 1];      /* REG, GET, OK, PORT, UNKNOWN */
    char reason[DSC_REASON_MAX + 1];  /* ERR */
};

/* Parses one line (without its '\n'). 0, or SNOW_EPROTO for anything not
 * in the grammar (unknown verb, wrong field count, bad name or number,
 * control or non-ASCII bytes). */
int dsc_msg_parse(const char *line, size_t len, struct dsc_msg *m);
/* Writes m as a line ending in '\n' into buf. Returns its length, or
 * SNOW_EINVAL (a field out of the grammar) / SNOW_ERANGE (cap too small). */
int dsc_msg_format(const struct dsc_msg *m, char *buf, size_t cap);

/* A registrable name: 1..DSC_NAME_MAX bytes of [A-Za-z0-9_.+-]. */
bool dsc_name_valid(const char *s, size_t len);

/* Splits a byte stream into lines, bounded. */
struct dsc_lines {
    size_t len;
    char buf[DSC_LINE_MAX];
};
/* fn gets each complete line without its '\n'; a non-zero return stops
 * the feed and is passed back (negative: an error; positive: "done"). */
typedef int (*dsc_line_fn)(void *arg, const char *line, size_t len);
/* 0, SNOW_EMSGSIZE (a line longer than DSC_LINE_MAX), or fn's code. */
int dsc_lines_feed(struct dsc_lines *lb, const char *data, size_t n, dsc_line_fn fn,
                   void *arg);
/* Reads fd (non-blocking) until it would block, feeding lines to fn.
 * 0, SNOW_ECLOSED (orderly EOF or reset), SNOW_EIO (read error),
 * SNOW_EMSGSIZE, or fn's non-zero code. After a non-zero return the caller
 * closes the connection. */
int dsc_lines_read(int fd, struct dsc_lines *lb, dsc_line_fn fn, void *arg);

/* A node name "name@host[:port]" (host may be "[v6]"). port is -1 when
 * absent. 0 or SNOW_EINVAL. */
struct dsc_node {
    char name[DSC_NAME_MAX + 1];
    char host[DSC_HOST_MAX + 1];
    int port;
};
int dsc_node_parse(const char *text, struct dsc_node *out);
/* "host:port" or "[v6]:port" -> host (without brackets) and port (1..65535).
 * 0 or SNOW_EINVAL. */
int dsc_addr_parse(const char *text, char *host, size_t hostcap, int *port);
/* The inverse: brackets a host containing ':'. Length, or SNOW_ERANGE. */
int dsc_addr_format(const char *host, int port, char *buf, size_t cap);

/* A code's symbolic name ("SNOW_EPROTO") for log lines. Never NULL. */
const char *dsc_errname(int code);

#endif /* DSC_PROTO_H */
