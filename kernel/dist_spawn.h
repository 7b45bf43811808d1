/* SPDX-License-Identifier: MIT */
/* Remote spawn on the wire: spawn_request / spawn_reply frames and waiting callers. */
#ifndef SK_DIST_SPAWN_H
#define SK_DIST_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dist.h"

/* The remote half of snow_node_spawn_opt, from a Snow process: sends
 * spawn_request for `name` (nlen bytes, already validated) to `node` and
 * waits up to timeout_ms for the answer. Errors set the node error text. */
int sk_dspawn_call(const char *node, const char *name, size_t nlen, const snow_term *args,
                   bool link, int64_t timeout_ms, snow_pid *out);

/* Sets the node error text (snow_node_last_error) and returns code
 * (spawn.c). */
int sk_spawn_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Inbound frames (I/O thread, connection up). A malformed frame closes the
 * connection and returns SNOW_ECLOSED, as every dispatcher does. */
int sk_dspawn_on_request(snow_conn *c, const uint8_t *body, size_t len);
int sk_dspawn_on_reply(snow_conn *c, const uint8_t *body, size_t len);

/* The connection to n is gone (I/O thread, after sk_ft_node_down): every
 * spawn call still waiting for n's answer is answered SNOW_ENOCONN. */
void sk_dspawn_node_down(struct sk_node *n);

#endif /* SK_DIST_SPAWN_H */
