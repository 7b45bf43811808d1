/* SPDX-License-Identifier: MIT */
/* Big-endian byte writing and bounds-checked reading for wire formats. */
#ifndef SK_BYTES_H
#define SK_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void sk_put_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void sk_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void sk_put_u64(uint8_t *p, uint64_t v)
{
    sk_put_u32(p, (uint32_t)(v >> 32));
    sk_put_u32(p + 4, (uint32_t)v);
}
static inline uint16_t sk_get_u16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t sk_get_u32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t sk_get_u64(const uint8_t *p)
{
    return ((uint64_t)sk_get_u32(p) << 32) | sk_get_u32(p + 4);
}

/* A reader over untrusted bytes: every get checks the remaining length and
 * latches `bad` instead of over-reading, so callers test once at the end. */
struct sk_reader {
    const uint8_t *p;
    size_t left;
    bool bad;
};

static inline void sk_reader_init(struct sk_reader *r, const void *data, size_t len)
{
    r->p = data;
    r->left = len;
    r->bad = false;
}

static inline const uint8_t *sk_reader_take(struct sk_reader *r, size_t n)
{
    if (r->bad || r->left < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *at = r->p;
    r->p += n;
    r->left -= n;
    return at;
}

static inline uint8_t sk_read_u8(struct sk_reader *r)
{
    const uint8_t *p = sk_reader_take(r, 1);
    return p ? p[0] : 0;
}
static inline uint16_t sk_read_u16(struct sk_reader *r)
{
    const uint8_t *p = sk_reader_take(r, 2);
    return p ? sk_get_u16(p) : 0;
}
static inline uint32_t sk_read_u32(struct sk_reader *r)
{
    const uint8_t *p = sk_reader_take(r, 4);
    return p ? sk_get_u32(p) : 0;
}
static inline uint64_t sk_read_u64(struct sk_reader *r)
{
    const uint8_t *p = sk_reader_take(r, 8);
    return p ? sk_get_u64(p) : 0;
}

/* A growable byte buffer (kernel-internal). */
struct sk_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
};

int sk_buf_reserve(struct sk_buf *b, size_t extra);
int sk_buf_append(struct sk_buf *b, const void *data, size_t len);
void sk_buf_free(struct sk_buf *b);

#endif /* SK_BYTES_H */
