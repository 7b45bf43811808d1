/* SPDX-License-Identifier: MIT */
/* Growable byte buffers used by the wire formats. */
#include "bytes.h"

#include <stdlib.h>

#include <snow/error.h>

int sk_buf_reserve(struct sk_buf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return 0;
    if (extra > SIZE_MAX / 2 - b->len)
        return SNOW_ENOMEM;
    size_t want = b->len + extra;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < want)
        cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL)
        return SNOW_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int sk_buf_append(struct sk_buf *b, const void *data, size_t len)
{
    int rc = sk_buf_reserve(b, len);
    if (rc != 0)
        return rc;
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

void sk_buf_free(struct sk_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
