/* SPDX-License-Identifier: MIT */
/* Node-to-node framing: length-prefixed frames on one ordered stream. */
#ifndef SK_DIST_FRAME_H
#define SK_DIST_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/*
 * Every frame is a 4-byte big-endian length L followed by L bytes: one type
 * byte, then the body. L = 0 is a tick (keep-alive, no type byte). See
 * contrib/dist/PROTOCOL.md for each body's layout.
 */
#define SK_FRAME_LEN_BYTES 4
#define SK_FRAME_HDR 5 /* length + type */
#define SK_FRAME_MAX_DEFAULT (64u << 20)

enum sk_frame_type {
    SK_F_HELLO = 1,       /* handshake: version, name, creation, listen addr */
    SK_F_AUTH = 2,        /* handshake: auth plugin bytes */
    SK_F_READY = 3,       /* handshake done on the sender's side */
    SK_F_SEND = 4,        /* to local id, STF message */
    SK_F_SEND_NAMED = 5,  /* to registered name, STF message */
    SK_F_LINK = 6,
    SK_F_UNLINK = 7,
    SK_F_EXIT = 8,        /* exit signal over a link or from kill */
    SK_F_MONITOR = 9,
    SK_F_DEMONITOR = 10,
    SK_F_DOWN = 11,
    SK_F_PEERS = 12,      /* mesh: the sender's connected peers */
    SK_F_CHANNEL = 13,    /* plugin channel payload */
    SK_F_SPAWN_REQ = 14,
    SK_F_SPAWN_REPLY = 15,
    SK_F_TYPE_MAX_ = 15
};

const char *sk_frame_type_name(unsigned type);

/* Called for each complete frame; `type` 0 means a tick. Returning non-zero
 * stops parsing and is returned by sk_frame_feed. */
typedef int (*sk_frame_fn)(void *ctx, unsigned type, const uint8_t *body, size_t len);

/* Reassembles frames from arbitrary byte chunks. Frames wholly inside a chunk
 * are handed out in place (no copy); only a partial tail is buffered. */
struct sk_frame_parser {
    struct sk_buf partial;
    uint32_t max_frame;   /* largest L accepted */
};

void sk_frame_parser_init(struct sk_frame_parser *p, uint32_t max_frame);
void sk_frame_parser_free(struct sk_frame_parser *p);
/* Feeds bytes. Returns 0, the callback's non-zero value, SNOW_EMSGSIZE for a
 * frame over max_frame, SNOW_EPROTO for an unknown type, SNOW_ENOMEM. */
int sk_frame_feed(struct sk_frame_parser *p, const uint8_t *data, size_t len, sk_frame_fn fn,
                  void *ctx);

/* Writes a frame header for a body of `body_len` bytes into hdr[5]. */
static inline void sk_frame_header(uint8_t hdr[SK_FRAME_HDR], unsigned type, size_t body_len)
{
    sk_put_u32(hdr, (uint32_t)(body_len + 1));
    hdr[4] = (uint8_t)type;
}

#endif /* SK_DIST_FRAME_H */
