/* SPDX-License-Identifier: MIT */
/* Node-to-node framing: reassembling length-prefixed frames from a byte stream. */
#include "dist_frame.h"

#include <string.h>

#include <snow/error.h>

static const char *const frame_names[] = {
    [0] = "tick",          [SK_F_HELLO] = "hello",   [SK_F_AUTH] = "auth",
    [SK_F_READY] = "ready", [SK_F_SEND] = "send",    [SK_F_SEND_NAMED] = "send_named",
    [SK_F_LINK] = "link",   [SK_F_UNLINK] = "unlink", [SK_F_EXIT] = "exit",
    [SK_F_MONITOR] = "monitor", [SK_F_DEMONITOR] = "demonitor", [SK_F_DOWN] = "down",
    [SK_F_PEERS] = "peers", [SK_F_CHANNEL] = "channel", [SK_F_SPAWN_REQ] = "spawn_request",
    [SK_F_SPAWN_REPLY] = "spawn_reply",
};

const char *sk_frame_type_name(unsigned type)
{
    return type <= SK_F_TYPE_MAX_ ? frame_names[type] : "unknown";
}

void sk_frame_parser_init(struct sk_frame_parser *p, uint32_t max_frame)
{
    memset(p, 0, sizeof *p);
    p->max_frame = max_frame ? max_frame : SK_FRAME_MAX_DEFAULT;
}

void sk_frame_parser_free(struct sk_frame_parser *p)
{
    sk_buf_free(&p->partial);
}

/* Parses whole frames at the start of [data, data+len); returns how many
 * bytes were consumed through *used. */
static int frame_parse_run(struct sk_frame_parser *p, const uint8_t *data, size_t len,
                           size_t *used, sk_frame_fn fn, void *ctx)
{
    size_t off = 0;
    while (len - off >= SK_FRAME_LEN_BYTES) {
        uint32_t flen = sk_get_u32(data + off);
        if (flen > p->max_frame) {
            *used = off;
            return SNOW_EMSGSIZE;
        }
        if (len - off - SK_FRAME_LEN_BYTES < flen)
            break;
        const uint8_t *frame = data + off + SK_FRAME_LEN_BYTES;
        int rc;
        if (flen == 0) {
            rc = fn(ctx, 0, NULL, 0);
        } else {
            unsigned type = frame[0];
            if (type == 0 || type > SK_F_TYPE_MAX_) {
                *used = off;
                return SNOW_EPROTO;
            }
            rc = fn(ctx, type, frame + 1, flen - 1);
        }
        off += SK_FRAME_LEN_BYTES + flen;
        if (rc != 0) {
            *used = off;
            return rc;
        }
    }
    *used = off;
    return 0;
}

int sk_frame_feed(struct sk_frame_parser *p, const uint8_t *data, size_t len, sk_frame_fn fn,
                  void *ctx)
{
    size_t used;
    int rc;
    if (p->partial.len > 0) {
        /* Complete the buffered frame first: take just enough bytes. */
        size_t need;
        if (p->partial.len < SK_FRAME_LEN_BYTES) {
            need = SK_FRAME_LEN_BYTES - p->partial.len;
        } else {
            uint32_t flen = sk_get_u32(p->partial.data);
            need = SK_FRAME_LEN_BYTES + (size_t)flen - p->partial.len;
        }
        size_t take = need < len ? need : len;
        if ((rc = sk_buf_append(&p->partial, data, take)) != 0)
            return rc;
        data += take;
        len -= take;
        if (p->partial.len >= SK_FRAME_LEN_BYTES) {
            uint32_t flen = sk_get_u32(p->partial.data);
            if (flen > p->max_frame)
                return SNOW_EMSGSIZE;
            if (p->partial.len < SK_FRAME_LEN_BYTES + (size_t)flen) {
                if (len == 0)
                    return 0;
                /* header just completed: loop once more for the body */
                return sk_frame_feed(p, data, len, fn, ctx);
            }
            rc = frame_parse_run(p, p->partial.data, p->partial.len, &used, fn, ctx);
            p->partial.len = 0;
            if (rc != 0)
                return rc;
        }
        if (len == 0)
            return 0;
    }
    rc = frame_parse_run(p, data, len, &used, fn, ctx);
    if (rc != 0)
        return rc;
    if (used < len)
        return sk_buf_append(&p->partial, data + used, len - used);
    return 0;
}
