/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the STF decoder (also driven by replay_stf.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <snow/stf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Any input must give a term or an error. A term that decodes must encode
 * again, and decoding that encoding must give an equal term with the same
 * bytes once more (the canonical form is a fixed point), and all three
 * encoders agree. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    snow_term *t = NULL;
    char err[256];
    int rc = snow_stf_decode(data, size, NULL, &t, err, sizeof err);
    if (rc != 0) {
        if (t != NULL || rc > 0)
            abort();
        return 0;
    }
    void *buf = NULL;
    size_t len = 0;
    if (snow_stf_encode(t, NULL, &buf, &len, err, sizeof err) != 0)
        abort();
    snow_term *back = NULL;
    if (snow_stf_decode(buf, len, NULL, &back, err, sizeof err) != 0 || !snow_term_equal(t, back))
        abort();
    /* The other two encoders give the same bytes (or, into a small
     * buffer, say how many they need). */
    snow_term *bin = NULL;
    const void *bytes = NULL;
    size_t blen = 0;
    if (snow_stf_encode_binary(t, NULL, &bin, NULL, 0) != 0 ||
        snow_term_binary(bin, &bytes, &blen) != 0 || blen != len || memcmp(bytes, buf, len) != 0)
        abort();
    snow_term_release(bin);
    uint8_t small[64];
    size_t ilen = 0;
    rc = snow_stf_encode_into(t, NULL, small, sizeof small, &ilen, NULL, 0);
    if (ilen != len || (len <= sizeof small ? rc != 0 || memcmp(small, buf, len) != 0
                                            : rc != SNOW_ERANGE))
        abort();
    void *buf2 = NULL;
    size_t len2 = 0;
    if (snow_stf_encode(back, NULL, &buf2, &len2, err, sizeof err) != 0 || len2 != len ||
        memcmp(buf, buf2, len) != 0)
        abort();
    char text[64];
    if (snow_term_format(t, text, sizeof text) < 0)
        abort();
    /* A part kept past its message (one block per decoded message) must
     * stay whole: compare it with the same part of the second decoding. */
    const snow_term *part = NULL, *same = NULL;
    size_t n = 0;
    if (snow_term_size(t, &n) == 0 && n > 0 && snow_term_elem(t, n - 1, &part) == 0 &&
        snow_term_elem(back, n - 1, &same) == 0) {
        snow_term *kept = snow_term_ref((snow_term *)part);
        snow_term_release(t);
        t = NULL;
        if (!snow_term_equal(kept, same) || snow_term_format(kept, text, sizeof text) < 0)
            abort();
        snow_term_release(kept);
    }
    free(buf);
    free(buf2);
    snow_term_release(t);
    snow_term_release(back);
    return 0;
}
