/* SPDX-License-Identifier: MIT */
/* Seeded random term generator for round-trip, fuzz-seed and bench use. */
#ifndef SNOW_TEST_TERM_GEN_H
#define SNOW_TEST_TERM_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include <snow/term.h>

struct term_gen {
    uint64_t state;
    unsigned max_depth; /* containers nest at most this deep */
    bool functions;     /* may generate function terms */
    bool big;           /* now and then a large string/binary/list */
};

void term_gen_init(struct term_gen *g, uint64_t seed);
uint64_t term_gen_next(struct term_gen *g);
/* A random term of any type (functions only if g->functions). */
snow_term *term_gen_term(struct term_gen *g);

/* Hex helpers shared by the vector tests. */
size_t term_gen_unhex(const char *hex, uint8_t *out, size_t cap);

#endif /* SNOW_TEST_TERM_GEN_H */
