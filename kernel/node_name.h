/* SPDX-License-Identifier: MIT */
/* Parsing and checking node names: "name@host[:port]". */
#ifndef SK_NODE_NAME_H
#define SK_NODE_NAME_H

#include <stddef.h>
#include <stdint.h>

#define SK_NODE_NAME_MAX 255   /* whole "name@host" text */
#define SK_NODE_ALIVE_MAX 64   /* the part before '@' */

/* A parsed node name. `full` is "name@host" (no port): the node's identity.
 * `port` is 0 when the text had none (resolve through discovery). */
struct sk_node_name {
    char alive[SK_NODE_ALIVE_MAX + 1];
    char host[SK_NODE_NAME_MAX + 1];
    char full[SK_NODE_NAME_MAX + 1];
    uint16_t port;
};

/* Parses `text`. On error returns SNOW_EINVAL and writes what is wrong into
 * err ("node name \"x\": missing '@'"). Accepted: alive = [A-Za-z0-9_.-]+,
 * host = a DNS name, an IPv4 address or an IPv6 address in brackets. */
int sk_node_name_parse(const char *text, struct sk_node_name *out, char *err, size_t errlen);

#endif /* SK_NODE_NAME_H */
