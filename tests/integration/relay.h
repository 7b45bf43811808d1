/* SPDX-License-Identifier: MIT */
/* A man in the middle for tests: terminates the client's TLS with its own
 * certificate, opens its own TLS (or plain TCP) session to the real node,
 * and copies the bytes between the two. */
#ifndef SNOW_TEST_RELAY_H
#define SNOW_TEST_RELAY_H

#include <stdbool.h>

struct relay;

/* Listens on 127.0.0.1 (port from the OS) and relays one connection to
 * target_port. tls: terminate and re-originate TLS; else copy raw bytes.
 * Returns NULL on failure; *port gets the listening port. */
struct relay *relay_start(int target_port, bool tls, int *port);
/* Stops the relay thread and frees it (bounded). */
void relay_stop(struct relay *r);

#endif /* SNOW_TEST_RELAY_H */
